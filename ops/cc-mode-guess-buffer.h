/* Mode auto's guess (cc-mode-guess.h) on a GeglBuffer: what the whole
 * picture is, from a small sRGB copy of it.  The op guesses so; the GIMP
 * plug-in guesses the same way on the same pixels to settle each layer's
 * mode and say which one it used (static inline on GEGL: the plug-in links
 * nothing of the op). */
#pragma once

#include <gegl.h>

#include "cc-mode-guess.h"

/* The long side of the copy the guess looks at. */
#define CC_GUESS_SIZE 64

static inline CcGuess
cc_mode_guess_buffer (GeglBuffer *buffer, const GeglRectangle *bbox)
{
  const double scale = MIN (1.0, (double)CC_GUESS_SIZE / MAX (bbox->width, bbox->height));
  const GeglRectangle small
      = { (int)floor (bbox->x * scale), (int)floor (bbox->y * scale),
          MAX (1, (int)(bbox->width * scale)), MAX (1, (int)(bbox->height * scale)) };
  const gsize n = (gsize)small.width * small.height;
  g_autofree float *rgb = g_try_new (float, 3 * n);

  if (!rgb)
    return CC_GUESS_GRAY;
  gegl_buffer_get (buffer, &small, scale, babl_format ("R'G'B' float"), rgb, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_CLAMP);
  return cc_mode_guess (rgb, n, 3);
}
