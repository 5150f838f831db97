/* The nearest hint at every cell of the network's grid (models/FORMAT.md,
 * "Hint inputs": near_y, near_cb, near_cr, near_close), the dense start the
 * hint networks refine.
 *
 * An exact Euclidean distance transform that carries the nearest hinted
 * cell, after Felzenszwalb and Huttenlocher ("Distance Transforms of
 * Sampled Functions", 2012): per column the nearest hinted row, then per
 * row the lower envelope of the parabolas (x - q)² + dy(q)² of the columns.
 * Linear in the cells, both passes row by row (cache-friendly on a
 * row-major grid), with one 32-bit index a cell and a few rows of memory.
 * Envelope breakpoints are kept as exact fractions, so the distances are
 * exact; between equally near hints either may be taken, as the training
 * side's models/train/hints.py nearest_fill allows.  Static inline, like
 * cc-hints.h. */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

/* near_close is max (0, 1 - distance in cells / CC_HINT_NEAR_SCALE). */
#define CC_HINT_NEAR_SCALE 128.0
/* No hinted cell: in cc_hint_nearest's output. */
#define CC_HINT_NEAR_NONE G_MAXUINT32
/* The largest side cc_hint_nearest takes: its fractions stay within 64 bits. */
#define CC_HINT_NEAR_MAX_SIDE (1 << 20)

/* Sets nearest[i], for each cell i of a width x height grid (row-major), to
 * the index of the nearest cell where mask is not 0 (a hinted cell is its
 * own), or CC_HINT_NEAR_NONE everywhere when none is.  FALSE, nearest
 * undefined, when a side is above CC_HINT_NEAR_MAX_SIDE, the grid has 2^32
 * - 1 cells or more, or memory for a few rows runs out. */
static inline gboolean
cc_hint_nearest (const float *mask, int width, int height, guint32 *nearest)
{
  if (width <= 0 || height <= 0 || width > CC_HINT_NEAR_MAX_SIDE || height > CC_HINT_NEAR_MAX_SIDE
      || (guint64)width * height >= CC_HINT_NEAR_NONE)
    return FALSE;
  const gsize w = (gsize)width;
  /* Per column: the row of the last hint seen; then per row the envelope's
   * columns (v), their hinted rows and f = dy², and where each parabola
   * starts to be the lowest (z = num / den, den > 0; z[0] is -inf). */
  g_autofree gint64 *line = g_try_new (gint64, w);
  g_autofree gint64 *v = g_try_new (gint64, w);
  g_autofree gint64 *rows = g_try_new (gint64, w);
  g_autofree gint64 *f = g_try_new (gint64, w);
  g_autofree gint64 *z_num = g_try_new (gint64, w);
  g_autofree gint64 *z_den = g_try_new (gint64, w);
  if (!line || !v || !rows || !f || !z_num || !z_den)
    return FALSE;

  /* Columns: the nearest hinted row above (down the grid), then below. */
  for (gsize x = 0; x < w; x++)
    line[x] = -1;
  for (int y = 0; y < height; y++)
    for (gsize x = 0, i = (gsize)y * w; x < w; x++, i++)
      {
        if (mask[i] != 0.0f)
          line[x] = y;
        nearest[i] = line[x] < 0 ? CC_HINT_NEAR_NONE : (guint32)line[x];
      }
  for (gsize x = 0; x < w; x++)
    line[x] = -1;
  for (int y = height - 1; y >= 0; y--)
    for (gsize x = 0, i = (gsize)y * w; x < w; x++, i++)
      {
        if (mask[i] != 0.0f)
          line[x] = y;
        if (line[x] >= 0
            && (nearest[i] == CC_HINT_NEAR_NONE || line[x] - y < y - (gint64)nearest[i]))
          nearest[i] = (guint32)line[x];
      }

  /* Rows: the lower envelope of the columns' parabolas, then each cell's
   * lowest.  A row reads its own column results before it overwrites them. */
  for (int y = 0; y < height; y++)
    {
      guint32 *out = nearest + (gsize)y * w;
      gsize k = 0, n = 0; /* n parabolas in the envelope, the last k = n - 1 */

      for (gsize q = 0; q < w; q++)
        {
          if (out[q] == CC_HINT_NEAR_NONE)
            continue;
          const gint64 dy = y - (gint64)out[q], fq = dy * dy, qq = (gint64)q;
          gint64 num = 0, den = 1;
          while (n > 0)
            {
              /* Where q's parabola gets below v[k]'s. */
              num = (fq + qq * qq) - (f[k] + v[k] * v[k]);
              den = 2 * (qq - v[k]);
              /* At or before v[k]'s start: v[k] is never the lowest. */
              if (k > 0 && num * z_den[k] <= z_num[k] * den)
                {
                  n--, k--;
                  continue;
                }
              break;
            }
          if (n > 0)
            k++;
          v[k] = qq, rows[k] = out[q], f[k] = fq;
          z_num[k] = num, z_den[k] = den; /* unused for k = 0 (-inf) */
          n = k + 1;
        }
      if (n == 0)
        continue; /* no hint anywhere: every cell stays CC_HINT_NEAR_NONE */
      k = 0;
      for (gsize x = 0; x < w; x++)
        {
          while (k + 1 < n && z_num[k + 1] < (gint64)x * z_den[k + 1])
            k++;
          out[x] = (guint32)(rows[k] * (gint64)w + v[k]);
        }
    }
  return TRUE;
}

/* The dense planes: for each cell of a width x height grid, fill (n_values
 * planes) takes the values (n_values planes, row-major) of its nearest
 * cell where mask is not 0, and close its closeness max (0, 1 - that
 * distance / CC_HINT_NEAR_SCALE).  No hinted cell: fill and close 0
 * everywhere.  FALSE
 * when cc_hint_nearest fails or its memory runs out; the planes are then
 * undefined. */
static inline gboolean
cc_hint_near_planes (const float *values, const float *mask, int n_values, int width, int height,
                     float *fill, float *close)
{
  if (width <= 0 || height <= 0)
    return FALSE;
  const gsize cells = (gsize)width * height;
  g_autofree guint32 *nearest = g_try_new (guint32, cells);
  if (!nearest || !cc_hint_nearest (mask, width, height, nearest))
    return FALSE;
  for (int y = 0; y < height; y++)
    for (gsize x = 0, i = (gsize)y * width; x < (gsize)width; x++, i++)
      {
        const guint32 src = nearest[i];
        if (src == CC_HINT_NEAR_NONE)
          {
            for (int c = 0; c < n_values; c++)
              fill[c * cells + i] = 0.0f;
            close[i] = 0.0f;
            continue;
          }
        const gint64 dy = y - (gint64)(src / (guint32)width),
                     dx = (gint64)x - (gint64)(src % (guint32)width);
        for (int c = 0; c < n_values; c++)
          fill[c * cells + i] = values[c * cells + src];
        close[i] = (float)MAX (0.0, 1.0 - sqrt ((double)(dx * dx + dy * dy)) / CC_HINT_NEAR_SCALE);
      }
  return TRUE;
}

G_END_DECLS
