/* What a picture is, guessed from its colours: the op's automatic mode.
 * A header of static inline code on GLib alone, so that anything showing
 * the op's choice can make the same one without linking the op.
 *
 * The picture is modelled as one brightness signal times a colour: each
 * channel's best gain against the luminance (least squares), and how much
 * of the picture that leaves unexplained.
 *
 * - Explained (a one-signal picture) with red well above green and blue:
 *   an infrared-converted camera's red or orange cast, so near-infrared.
 * - Explained with any other tint (neutral gray, sepia, cyanotype): a
 *   grayscale photo.  A near-infrared picture that is already gray cannot
 *   be told from a grayscale photo by colour; whole-picture statistics
 *   (sky darker than the ground, brightness spread and skew) told them apart
 *   on about 65 % of the training data's pictures only, so gray it is, the
 *   safer guess (gray mode keeps the picture's brightness).
 * - Not explained: a colour photo, which needs no colorizing.
 *
 * The limits were set on the training data's pictures at 64 pixels: the
 * simulated IR-camera files (the NIR pictures with gains R 0.85-1, G
 * 0.45-0.65, B 0.3-0.5, exposure 0.6-1.3, gamma 0.8-1.25, JPEG) leave at
 * most about 0.005 and have green and blue at most 0.79 of red; gray and
 * sepia pictures leave under 0.0002; 98 % of colour photos leave more than
 * 0.006.  As the op reads them, 518 of 519 camera files are guessed NIR,
 * 1099 of 1117 colour photos colour (13 nearly gray ones gray, 5 warm ones
 * NIR), every gray photo and every gray NIR picture gray. */
#pragma once

#include <glib.h>
#include <math.h>

#include "cc-luma.h"

typedef enum
{
  CC_GUESS_GRAY,
  CC_GUESS_NIR,
  CC_GUESS_COLOUR,
} CcGuess;

/* Unexplained energy over the luminance's (see above). */
#define CC_GUESS_MONO_MAX 0.0005 /* a one-signal picture */
#define CC_GUESS_CAST_MAX 0.006  /* an IR camera's file, JPEG and clipping included */
/* Green and blue at most this much of red: an IR camera's cast. */
#define CC_GUESS_CAST_RATIO 0.82

/* rgb: n pixels of sRGB-encoded R'G'B' floats, stride floats apart (3 for
 * R'G'B', 4 for R'G'B'A).  Values are clamped to [0, 1]; pixels with a NaN
 * or an infinite channel are skipped.  A black or empty picture is gray. */
static inline CcGuess
cc_mode_guess (const float *rgb, gsize n, int stride)
{
  double syy = 0.0, syc[3] = { 0.0, 0.0, 0.0 }, scc[3] = { 0.0, 0.0, 0.0 };
  gsize used = 0;

  for (gsize i = 0; i < n; i++)
    {
      const float *p = rgb + i * (gsize)stride;
      float c[3];
      if (!isfinite (p[0]) || !isfinite (p[1]) || !isfinite (p[2]))
        continue;
      for (int k = 0; k < 3; k++)
        c[k] = CLAMP (p[k], 0.0f, 1.0f);
      const double y = cc_luma (c);
      syy += y * y;
      for (int k = 0; k < 3; k++)
        {
          syc[k] += y * c[k];
          scc[k] += (double)c[k] * c[k];
        }
      used++;
    }
  /* Under 1 % brightness on average: nothing to tell. */
  if (used == 0 || syy < used * 1e-4)
    return CC_GUESS_GRAY;

  double gain[3], unexplained = 0.0;
  for (int k = 0; k < 3; k++)
    {
      gain[k] = syc[k] / syy;
      unexplained += scc[k] - syc[k] * syc[k] / syy;
    }
  unexplained = MAX (unexplained, 0.0) / syy;

  if (unexplained <= CC_GUESS_CAST_MAX && gain[1] <= CC_GUESS_CAST_RATIO * gain[0]
      && gain[2] <= CC_GUESS_CAST_RATIO * gain[0])
    return CC_GUESS_NIR;
  if (unexplained <= CC_GUESS_MONO_MAX)
    return CC_GUESS_GRAY;
  return CC_GUESS_COLOUR;
}
