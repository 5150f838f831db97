/* Colour hints on the network's grid (see cc-hints.h). */
#include "config.h"

#include "cc-hints.h"

#include <math.h>

struct _CcHintGrid
{
  int width, height;           /* the picture */
  int work_width, work_height; /* the grid */
  double *sum;                 /* per cell: R, G, B sums of its hint pixels */
  guint32 *count;              /* per cell: its hint pixels */
};

CcHintGrid *
cc_hint_grid_new (int width, int height, int work_width, int work_height)
{
  CcHintGrid *grid;
  gsize cells;

  if (width <= 0 || height <= 0 || work_width <= 0 || work_height <= 0)
    return NULL;
  cells = (gsize)work_width * work_height;
  grid = g_new0 (CcHintGrid, 1);
  grid->width = width;
  grid->height = height;
  grid->work_width = work_width;
  grid->work_height = work_height;
  grid->sum = g_try_new0 (double, cells * 3);
  grid->count = g_try_new0 (guint32, cells);
  if (!grid->sum || !grid->count)
    {
      cc_hint_grid_free (grid);
      return NULL;
    }
  return grid;
}

void
cc_hint_grid_free (CcHintGrid *grid)
{
  if (!grid)
    return;
  g_free (grid->sum);
  g_free (grid->count);
  g_free (grid);
}

void
cc_hint_grid_add (CcHintGrid *grid, const float *rgba, int x, int y, int width, int height,
                  gsize stride)
{
  for (int row = 0; row < height; row++)
    {
      int py = y + row;

      if (py < 0 || py >= grid->height)
        continue;
      /* The cell row that covers picture row py: py * work / height, exact
       * in 64 bits for any picture GEGL can hold. */
      gsize cy = (gsize)((gint64)py * grid->work_height / grid->height);
      const float *p = rgba + row * stride;

      for (int col = 0; col < width; col++, p += 4)
        {
          int px = x + col;

          /* NaN alpha fails the comparison: not a hint. */
          if (px < 0 || px >= grid->width || !(p[3] >= 0.5f))
            continue;
          if (!isfinite (p[0]) || !isfinite (p[1]) || !isfinite (p[2]))
            continue;
          gsize cell = cy * grid->work_width + (gsize)((gint64)px * grid->work_width / grid->width);
          grid->sum[cell * 3 + 0] += CLAMP (p[0], 0.0f, 1.0f);
          grid->sum[cell * 3 + 1] += CLAMP (p[1], 0.0f, 1.0f);
          grid->sum[cell * 3 + 2] += CLAMP (p[2], 0.0f, 1.0f);
          if (grid->count[cell] < G_MAXUINT32)
            grid->count[cell]++;
        }
    }
}

int
cc_hint_channels (CcHintKind kind)
{
  return kind == CC_HINTS_COLOUR ? 4 : 3;
}

gsize
cc_hint_grid_finish (const CcHintGrid *grid, CcHintKind kind, float *channels)
{
  gsize cells = (gsize)grid->work_width * grid->work_height, hinted = 0;
  int n = cc_hint_channels (kind);
  float *y = kind == CC_HINTS_COLOUR ? channels : NULL;
  float *cb = channels + (n - 3) * cells, *cr = cb + cells, *mask = cr + cells;

  for (gsize i = 0; i < cells; i++)
    {
      double r, g, b, luma;

      if (grid->count[i] == 0)
        {
          if (y)
            y[i] = 0.0f;
          cb[i] = cr[i] = mask[i] = 0.0f;
          continue;
        }
      r = grid->sum[i * 3 + 0] / grid->count[i];
      g = grid->sum[i * 3 + 1] / grid->count[i];
      b = grid->sum[i * 3 + 2] / grid->count[i];
      luma = 0.299 * r + 0.587 * g + 0.114 * b;
      if (y)
        y[i] = (float)luma;
      cb[i] = (float)((b - luma) / 1.772);
      cr[i] = (float)((r - luma) / 1.402);
      mask[i] = 1.0f;
      hinted++;
    }
  return hinted;
}
