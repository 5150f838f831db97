/* Colour hints on the network's grid (see cc-hints.h). */
#include "config.h"

#include "cc-hints.h"

#include <string.h>

struct _CcHintGrid
{
  int width, height;           /* the picture */
  int work_width, work_height; /* the grid */
  guint64 *sum;                /* per cell: R', G', B' sums of its hint pixels (0..255 each) */
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
  grid->sum = g_try_new0 (guint64, cells * 3);
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
cc_hint_grid_add (CcHintGrid *grid, const guint8 *rgba, int x, int y, int width, int height,
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
      const guint8 *p = rgba + row * stride;

      for (int col = 0; col < width; col++, p += 4)
        {
          int px = x + col;

          if (p[3] < 128 || px < 0 || px >= grid->width)
            continue;
          gsize cell = cy * grid->work_width + (gsize)((gint64)px * grid->work_width / grid->width);
          /* A cell's count stops at 2^32 - 1 (a 4-gigapixel cell), its sums with it. */
          if (grid->count[cell] == G_MAXUINT32)
            continue;
          grid->sum[cell * 3 + 0] += p[0];
          grid->sum[cell * 3 + 1] += p[1];
          grid->sum[cell * 3 + 2] += p[2];
          grid->count[cell]++;
        }
    }
}

/* The cells of the group of touching (8-connected) hinted cells that
 * holds `seed`, labelled `label`; returns their number and their bounding
 * box, colour sums and pixel count. */
static gsize
label_group (const CcHintGrid *grid, gsize seed, int label, int *labels, gsize *stack, int box[4],
             double sum[3], double *count)
{
  const int ww = grid->work_width, wh = grid->work_height;
  gsize top = 0, n = 0;

  labels[seed] = label;
  stack[top++] = seed;
  box[0] = box[2] = (int)(seed % ww);
  box[1] = box[3] = (int)(seed / ww);
  sum[0] = sum[1] = sum[2] = *count = 0.0;
  while (top > 0)
    {
      gsize cell = stack[--top];
      int cx = (int)(cell % ww), cy = (int)(cell / ww);

      n++;
      for (int k = 0; k < 3; k++)
        sum[k] += (double)grid->sum[cell * 3 + k];
      *count += grid->count[cell];
      box[0] = MIN (box[0], cx), box[1] = MIN (box[1], cy);
      box[2] = MAX (box[2], cx), box[3] = MAX (box[3], cy);
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int x = cx + dx, y = cy + dy;
            gsize next = (gsize)y * ww + x;
            if (x < 0 || y < 0 || x >= ww || y >= wh || !grid->count[next] || labels[next])
              continue;
            labels[next] = label;
            stack[top++] = next;
          }
    }
  return n;
}

/* One hinted cell: r, g, b are 8-bit R'G'B' means (0..255). */
static void
write_colour (float *planes, gsize cells, gsize cell, double r, double g, double b)
{
  r /= 255.0, g /= 255.0, b /= 255.0;
  double luma = 0.299 * r + 0.587 * g + 0.114 * b;

  planes[cell] = (float)luma;
  planes[cells + cell] = (float)((b - luma) / 1.772);
  planes[2 * cells + cell] = (float)((r - luma) / 1.402);
  planes[3 * cells + cell] = 1.0f;
}

gsize
cc_hint_grid_finish (const CcHintGrid *grid, int min_radius, float *planes)
{
  const int ww = grid->work_width, wh = grid->work_height;
  const gsize cells = (gsize)ww * wh;
  gsize hinted = 0;
  int label = 0;

  memset (planes, 0, cells * CC_HINT_PLANES * sizeof (float));
  for (gsize i = 0; i < cells; i++)
    if (grid->count[i])
      {
        write_colour (planes, cells, i, (double)grid->sum[i * 3] / grid->count[i],
                      (double)grid->sum[i * 3 + 1] / grid->count[i],
                      (double)grid->sum[i * 3 + 2] / grid->count[i]);
        hinted++;
      }
  if (min_radius <= 0 || hinted == 0)
    return hinted;

  /* Small hints grow to the trained disc; labels mark the groups already
   * seen, and the cells grown (-1) so that a later disc leaves them. */
  g_autofree int *labels = g_try_new0 (int, cells);
  g_autofree gsize *stack = g_try_new (gsize, hinted);
  if (!labels || !stack)
    return hinted; /* no memory for the groups: the hints as they are */
  const int diameter = 2 * min_radius + 1;
  for (gsize i = 0; i < cells; i++)
    {
      int box[4];
      double sum[3], count;

      if (!grid->count[i] || labels[i])
        continue;
      label_group (grid, i, ++label, labels, stack, box, sum, &count);
      if (box[2] - box[0] + 1 >= diameter || box[3] - box[1] + 1 >= diameter)
        continue; /* as big as the trained disc one way: left as it is */
      int cx = (box[0] + box[2] + 1) / 2, cy = (box[1] + box[3] + 1) / 2;
      for (int y = MAX (0, cy - min_radius); y <= MIN (wh - 1, cy + min_radius); y++)
        for (int x = MAX (0, cx - min_radius); x <= MIN (ww - 1, cx + min_radius); x++)
          {
            gsize cell = (gsize)y * ww + x;
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > min_radius * min_radius
                || grid->count[cell] || labels[cell] != 0)
              continue;
            labels[cell] = -1;
            write_colour (planes, cells, cell, sum[0] / count, sum[1] / count, sum[2] / count);
            hinted++;
          }
    }
  return hinted;
}
