/* Colour hints on the network's grid.
 *
 * A hint picture is RGBA in the input's coordinates: a pixel with alpha
 * >= 0.5 is a hint, its colour (sRGB-encoded) the colour wanted there.  It
 * is read as 8-bit R'G'B'A (alpha 128 of 255 and up is a hint): plenty for
 * a colour wish, and a quarter of the memory traffic of floats.  The
 * network sees the picture at working size, where one cell covers many
 * input pixels; each cell takes the mean colour of the hint pixels inside
 * it and is marked as hinted if it has any, so a 3-pixel dot on a 100 MP
 * photo still marks its cell.  The hint picture is read in strips of any
 * size (cc_hint_grid_add), never whole.  Static inline, like mode auto's
 * guess: the GIMP plug-in's preview maps hints as the op does and links
 * nothing of the op. */
#pragma once

#include <glib.h>
#include <string.h>

#include "cc-hints-near.h"

G_BEGIN_DECLS

/* The hint planes, in this order (the values of CcHintPlane, cc-model.h),
 * each a plane of work_width x work_height floats: BT.601 Y, Cb, Cr of the
 * hint colour on sRGB-encoded values (Cb and Cr centred on 0), and the
 * mask, 1 at a hint cell, all 0 where there is no hint; then, at every
 * cell, the Y, Cb, Cr of the nearest hint cell and its closeness max (0,
 * 1 - the distance to it / 128) (cc-hints-near.h); no hint: all 0. */
#define CC_HINT_PLANES 8
/* Where the mask, the nearest hint's Y (Cb, Cr after it) and its
 * closeness are among them. */
#define CC_HINT_MASK_PLANE 3
#define CC_HINT_NEAR_PLANE 4
#define CC_HINT_CLOSE_PLANE 7

typedef struct _CcHintGrid CcHintGrid;

struct _CcHintGrid
{
  int width, height;           /* the picture */
  int work_width, work_height; /* the grid */
  guint64 *sum;                /* per cell: R', G', B' sums of its hint pixels (0..255 each) */
  guint32 *count;              /* per cell: its hint pixels */
};

static inline void
cc_hint_grid_free (CcHintGrid *grid)
{
  if (!grid)
    return;
  g_free (grid->sum);
  g_free (grid->count);
  g_free (grid);
}

/* A grid of work_width x work_height cells over a width x height picture;
 * NULL when a size is not positive or the grid would not fit in memory. */
static inline CcHintGrid *
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

/* Adds the hint pixels of a strip of the picture: rgba holds rows of
 * `stride` bytes (R'G'B'A u8), the strip's top-left pixel at (x, y) of the
 * picture.  Pixels outside the picture or with alpha < 128 are not hints. */
static inline void
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

/* Writes the grid as a work_width x work_height R'G'B'A float picture: the
 * mean colour of each hinted cell, opaque, transparent elsewhere (a hint
 * picture at working size, as the plug-in's preview gives it to the op). */
static inline void
cc_hint_grid_rgba (const CcHintGrid *grid, float *rgba)
{
  const gsize cells = (gsize)grid->work_width * grid->work_height;

  memset (rgba, 0, cells * 4 * sizeof (float));
  for (gsize i = 0; i < cells; i++)
    if (grid->count[i])
      {
        for (int k = 0; k < 3; k++)
          rgba[i * 4 + k] = (float)((double)grid->sum[i * 3 + k] / grid->count[i] / 255.0);
        rgba[i * 4 + 3] = 1.0f;
      }
}

/* The cells of the group of touching (8-connected) hinted cells that
 * holds `seed`, labelled `label`; returns their number and their bounding
 * box, colour sums and pixel count. */
static inline gsize
cc_hint_label_group (const CcHintGrid *grid, gsize seed, int label, int *labels, gsize *stack,
                     int box[4], double sum[3], double *count)
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
static inline void
cc_hint_write_colour (float *planes, gsize cells, gsize cell, double r, double g, double b)
{
  r /= 255.0, g /= 255.0, b /= 255.0;
  double luma = 0.299 * r + 0.587 * g + 0.114 * b;

  planes[cell] = (float)luma;
  planes[cells + cell] = (float)((b - luma) / 1.772);
  planes[2 * cells + cell] = (float)((r - luma) / 1.402);
  planes[CC_HINT_MASK_PLANE * cells + cell] = 1.0f;
}

/* Grows each hint smaller than min_radius cells (a group of touching
 * hinted cells whose bounding box is narrower than a disc of that radius
 * both ways, as a small dot on a big picture is) to a disc of radius
 * min_radius around its centre, of its mean colour, in planes (Y, Cb, Cr,
 * mask): the smallest hint the network learnt to spread.  Grown discs
 * never cover hinted cells; where two overlap, the one whose hint comes
 * first in raster order wins.  Returns the number of cells grown; hinted
 * is the number of hinted cells. */
static inline gsize
cc_hint_grow (const CcHintGrid *grid, int min_radius, gsize hinted, float *planes)
{
  const int ww = grid->work_width, wh = grid->work_height;
  const gsize cells = (gsize)ww * wh;

  /* Small hints grow to the trained disc; labels mark the groups already
   * seen, and the cells grown (-1) so that a later disc leaves them. */
  g_autofree int *labels = g_try_new0 (int, cells);
  g_autofree gsize *stack = g_try_new (gsize, hinted);
  gsize grown = 0;
  int label = 0;

  if (!labels || !stack)
    return 0; /* no memory for the groups: the hints as they are */
  const int diameter = 2 * min_radius + 1;
  for (gsize i = 0; i < cells; i++)
    {
      int box[4];
      double sum[3], count;

      if (!grid->count[i] || labels[i])
        continue;
      cc_hint_label_group (grid, i, ++label, labels, stack, box, sum, &count);
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
            cc_hint_write_colour (planes, cells, cell, sum[0] / count, sum[1] / count,
                                  sum[2] / count);
            grown++;
          }
    }
  return grown;
}

/* Writes the CC_HINT_PLANES planes into planes and the number of hinted
 * cells into *hinted, small hints grown (cc_hint_grow) before the nearest
 * hints are found; FALSE, the planes undefined, when memory for the
 * nearest hints runs out. */
static inline gboolean
cc_hint_grid_finish (const CcHintGrid *grid, int min_radius, float *planes, gsize *hinted)
{
  const int ww = grid->work_width, wh = grid->work_height;
  const gsize cells = (gsize)ww * wh;

  memset (planes, 0, cells * CC_HINT_PLANES * sizeof (float));
  *hinted = 0;
  for (gsize i = 0; i < cells; i++)
    if (grid->count[i])
      {
        cc_hint_write_colour (planes, cells, i, (double)grid->sum[i * 3] / grid->count[i],
                              (double)grid->sum[i * 3 + 1] / grid->count[i],
                              (double)grid->sum[i * 3 + 2] / grid->count[i]);
        ++*hinted;
      }
  if (min_radius > 0 && *hinted > 0)
    *hinted += cc_hint_grow (grid, min_radius, *hinted, planes);
  if (*hinted == 0)
    return TRUE; /* every plane 0 */
  /* The nearest hints, grown ones included: what the network learnt. */
  return cc_hint_near_planes (planes, planes + CC_HINT_MASK_PLANE * cells, 3, ww, wh,
                              planes + CC_HINT_NEAR_PLANE * cells,
                              planes + CC_HINT_CLOSE_PLANE * cells);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcHintGrid, cc_hint_grid_free)

G_END_DECLS
