/* Reading a hint picture into a hint grid (cc-hints.h), shared by the op
 * and the GIMP plug-in's preview so that both see the same hints.  The
 * grid takes 8-bit R'G'B'A.  A picture of 8-bit samples is converted by
 * babl as it is; any other is read as floats and made 8-bit here, because
 * babl's paths from float to 8 bits disagree on NaN (which one runs
 * depends on its timing; some make a NaN alpha 255): a NaN alpha is no
 * hint, a NaN colour channel 0, whichever path. */
#pragma once

#include <gegl.h>

#include "cc-hints.h"

/* Rows read at a time: a strip, never the whole hint picture. */
#define CC_HINT_READ_ROWS 64

/* One sample in 0..1 as babl rounds it to 8 bits; NaN is 0. */
static inline guint8
cc_hint_u8 (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 255;
  return (guint8)(v * 255.0f + 0.5f);
}

static inline void
cc_hint_rgba_u8 (const float *in, guint8 *out, gsize pixels)
{
  for (gsize i = 0; i < pixels * 4; i++)
    out[i] = cc_hint_u8 (in[i]);
}

/* Adds the hint pixels of `source`, a rectangle of the hint picture
 * `buffer`, to the grid; its top-left pixel is the grid picture's (x, y).
 * The colours are read as R'G'B' in `space` (NULL: sRGB).  FALSE only
 * when memory runs out. */
static inline gboolean
cc_hint_grid_read (CcHintGrid *grid, GeglBuffer *buffer, const GeglRectangle *source, int x, int y,
                   const Babl *space)
{
  if (source->width <= 0 || source->height <= 0)
    return TRUE; /* nothing to read */

  const gboolean bytes
      = babl_format_get_type (gegl_buffer_get_format (buffer), 0) == babl_type ("u8");
  const Babl *format = babl_format_with_space (bytes ? "R'G'B'A u8" : "R'G'B'A float", space);
  const gsize pixels = (gsize)source->width * MIN (source->height, CC_HINT_READ_ROWS);
  g_autofree guint8 *rows = g_try_new (guint8, pixels * 4);
  g_autofree float *floats = bytes ? NULL : g_try_new (float, pixels * 4);

  if (!rows || (!bytes && !floats))
    return FALSE;
  for (int row = 0; row < source->height; row += CC_HINT_READ_ROWS)
    {
      const int n = MIN (CC_HINT_READ_ROWS, source->height - row);
      const GeglRectangle strip = { source->x, source->y + row, source->width, n };

      gegl_buffer_get (buffer, &strip, 1.0, format, bytes ? (gpointer)rows : (gpointer)floats,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      if (!bytes)
        cc_hint_rgba_u8 (floats, rows, (gsize)source->width * n);
      cc_hint_grid_add (grid, rows, x, y + row, source->width, n, (gsize)source->width * 4);
    }
  return TRUE;
}
