/* Colour hints on the network's grid (ops/cc-hints.h): a tiny dot on a huge
 * picture still counts, strokes and areas average per cell, the alpha
 * threshold, pixels outside the picture, the BT.601 planes, and small
 * hints grown to the trained disc; the nearest hint at every cell
 * (ops/cc-hints-near.h) against a brute-force search.  Hint pixels are
 * 8-bit R'G'B'A. */
#include <math.h>
#include <string.h>

#include "cc-hints.h"

/* A width x height RGBA strip, transparent, owned by the caller. */
static guint8 *
strip_new (int width, int height)
{
  return g_new0 (guint8, (gsize)width * height * 4);
}

static void
paint (guint8 *rgba, int width, int x, int y, guint8 r, guint8 g, guint8 b, guint8 a)
{
  guint8 *p = rgba + ((gsize)y * width + x) * 4;
  p[0] = r;
  p[1] = g;
  p[2] = b;
  p[3] = a;
}

/* cc_hint_grid_finish, which must not fail here; the number of hinted
 * cells. */
static gsize
finish (const CcHintGrid *grid, int min_radius, float *planes)
{
  gsize hinted = G_MAXSIZE;

  g_assert_true (cc_hint_grid_finish (grid, min_radius, planes, &hinted));
  g_assert_cmpuint (hinted, !=, G_MAXSIZE);
  return hinted;
}

/* A 3-pixel red dot on a 100 MP picture (12000 x 8400, fed in strips of
 * 64 rows of which only the dot's is painted) marks one cell of a 384 x 269
 * grid, the right one, and no other. */
static void
test_tiny_dot_on_huge_picture (void)
{
  const int width = 12000, height = 8400, ww = 384, wh = 269, rows = 64;
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (width, height, ww, wh);
  g_autofree guint8 *strip = strip_new (width, rows);
  g_autofree float *channels = g_new (float, (gsize)ww * wh * CC_HINT_PLANES);
  const int dot_x = 7001, dot_y = 5003;

  for (int y = 0; y < height; y += rows)
    {
      memset (strip, 0, (gsize)width * rows * 4);
      if (dot_y >= y && dot_y < y + rows)
        for (int i = 0; i < 3; i++)
          paint (strip, width, dot_x + i, dot_y - y, 255, 0, 0, 255);
      cc_hint_grid_add (grid, strip, 0, y, width, MIN (rows, height - y), (gsize)width * 4);
    }
  g_assert_cmpuint (finish (grid, 0, channels), ==, 1);
  {
    gsize cx = (gsize)dot_x * ww / width, cy = (gsize)dot_y * wh / height;
    gsize cell = cy * ww + cx, cells = (gsize)ww * wh;
    g_assert_cmpfloat (channels[3 * cells + cell], ==, 1.0f);                /* mask */
    g_assert_cmpfloat_with_epsilon (channels[2 * cells + cell], 0.5f, 1e-6); /* Cr of red */
    g_assert_cmpfloat_with_epsilon (channels[cells + cell], -0.299 / 1.772, 1e-6);
    g_assert_cmpfloat_with_epsilon (channels[cell], 0.299, 1e-6); /* Y */

    /* Grown to the trained disc of radius 2: 13 cells around it, all red. */
    g_assert_cmpuint (finish (grid, 2, channels), ==, 13);
    for (int dy = -3; dy <= 3; dy++)
      for (int dx = -3; dx <= 3; dx++)
        {
          gsize c = (cy + dy) * ww + cx + dx;
          gboolean in = dx * dx + dy * dy <= 4;
          g_assert_cmpfloat (channels[3 * cells + c], ==, in ? 1.0f : 0.0f);
          g_assert_cmpfloat_with_epsilon (channels[2 * cells + c], in ? 0.5f : 0.0f, 1e-6);
        }
  }
}

/* Hints as big as the disc one way (a stroke) stay as they are; small ones
 * grow, clipped at the grid's edge, never over another hint, and where two
 * grown discs meet the first in raster order keeps its cells. */
static void
test_growth (void)
{
  const int ww = 20, wh = 10;
  const gsize cells = (gsize)ww * wh;
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (ww, wh, ww, wh); /* one pixel a cell */
  g_autofree guint8 *rgba = strip_new (ww, wh);
  g_autofree float *planes = g_new (float, cells * CC_HINT_PLANES);
  float *mask = planes + 3 * cells, *cr = planes + 2 * cells;

  for (int x = 10; x < 15; x++) /* a stroke of 5 cells: the disc's width */
    paint (rgba, ww, x, 8, 0, 0, 255, 255);
  paint (rgba, ww, 0, 0, 255, 0, 0, 255); /* red dot in the corner */
  paint (rgba, ww, 3, 0, 0, 255, 0, 255); /* green dot 3 cells right */
  paint (rgba, ww, 2, 5, 0, 0, 255, 255); /* blue dot below them */
  cc_hint_grid_add (grid, rgba, 0, 0, ww, wh, (gsize)ww * 4);

  g_assert_cmpuint (finish (grid, 0, planes), ==, 8);
  gsize grown = finish (grid, 2, planes);
  /* The stroke: its 5 cells and none around them. */
  for (int x = 8; x < 17; x++)
    g_assert_cmpfloat (mask[7 * ww + x], ==, 0.0f);
  /* The red disc (corner: 6 cells inside) keeps (1, 0) and (2, 0); the
   * green dot's own cell stays green; (1, 1) is red's (first in order). */
  g_assert_cmpfloat_with_epsilon (cr[1], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cr[2], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cr[1 * ww + 1], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cr[3], (0.0 - 0.587) / 1.402, 1e-6);
  g_assert_cmpfloat_with_epsilon (cr[4], (0.0 - 0.587) / 1.402, 1e-6);
  /* The blue dot grows to its full disc (13 cells), away from the others. */
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      g_assert_cmpfloat (mask[(5 + dy) * ww + 2 + dx], ==, dx * dx + dy * dy <= 4 ? 1.0f : 0.0f);
  /* Every marked cell is counted, and colours sit only under the mask. */
  gsize marked = 0;
  for (gsize i = 0; i < cells; i++)
    {
      marked += mask[i] == 1.0f;
      if (mask[i] == 0.0f)
        for (int c = 0; c < 3; c++)
          g_assert_cmpfloat (planes[c * cells + i], ==, 0.0f);
    }
  g_assert_cmpuint (grown, ==, marked);
  g_assert_cmpuint (grown, >, 8 + 13);
}

/* A stroke across cells, green and blue inside one cell: the cell takes
 * the mean colour; alpha 128 of 255 is a hint, 127 is not; pixels outside
 * the picture are not hints. */
static void
test_means_and_edges (void)
{
  const int width = 40, height = 20, ww = 4, wh = 2; /* cells of 10 x 10 */
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (width, height, ww, wh);
  g_autofree guint8 *rgba = strip_new (width, height);
  g_autofree float *channels = g_new (float, (gsize)ww * wh * CC_HINT_PLANES);
  const gsize cells = (gsize)ww * wh;

  /* Cell (0, 0): one green and one blue pixel, the blue one at alpha 128. */
  paint (rgba, width, 1, 1, 0, 255, 0, 255);
  paint (rgba, width, 2, 1, 0, 0, 255, 128);
  /* Cell (1, 0): alpha just below the threshold. */
  paint (rgba, width, 11, 1, 255, 0, 0, 127);
  /* Cell (3, 1): a horizontal stroke of gray, one pixel orange. */
  for (int x = 30; x < 40; x++)
    paint (rgba, width, x, 15, x == 30 ? 255 : 128, 128, x == 30 ? 0 : 128, 255);
  cc_hint_grid_add (grid, rgba, 0, 0, width, height, (gsize)width * 4);
  /* The same strip again, shifted outside the picture: nothing lands. */
  cc_hint_grid_add (grid, rgba, width, height, width, height, (gsize)width * 4);
  cc_hint_grid_add (grid, rgba, -width, -height, width, height, (gsize)width * 4);

  g_assert_cmpuint (finish (grid, 0, channels), ==, 2);
  /* Planes: Y, Cb, Cr, mask. */
  g_assert_cmpfloat (channels[3 * cells + 0], ==, 1.0f);
  g_assert_cmpfloat (channels[3 * cells + 1], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (channels[0], (0.587 + 0.114) / 2, 1e-6);
  {
    /* Mean of (255, 128, 0) and nine (128, 128, 128). */
    double r = (255 + 9 * 128) / 2550.0, g = 128 / 255.0, b = 9 * 128 / 2550.0;
    double y = 0.299 * r + 0.587 * g + 0.114 * b;
    gsize cell = 1 * ww + 3;
    g_assert_cmpfloat (channels[3 * cells + cell], ==, 1.0f);
    g_assert_cmpfloat_with_epsilon (channels[cell], y, 1e-6);
    g_assert_cmpfloat_with_epsilon (channels[cells + cell], (b - y) / 1.772, 1e-6);
    g_assert_cmpfloat_with_epsilon (channels[2 * cells + cell], (r - y) / 1.402, 1e-6);
  }
  for (gsize i = 0; i < cells; i++)
    if (i != 0 && i != 1 * ww + 3)
      for (int c = 0; c < 4; c++)
        g_assert_cmpfloat (channels[c * cells + i], ==, 0.0f);
}

/* A filled area larger than the grid's cells marks every cell it covers;
 * the grid is never larger than asked, whatever the rounding. */
static void
test_area_and_sizes (void)
{
  const int width = 1001, height = 999, ww = 7, wh = 5;
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (width, height, ww, wh);
  g_autofree guint8 *rgba = strip_new (width, height);
  g_autofree float *channels = g_new (float, (gsize)ww * wh * CC_HINT_PLANES);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      paint (rgba, width, x, y, 51, 102, 153, 255);
  cc_hint_grid_add (grid, rgba, 0, 0, width, height, (gsize)width * 4);
  g_assert_cmpuint (finish (grid, 2, channels), ==, (gsize)ww * wh);

  g_assert_null (cc_hint_grid_new (0, 10, 4, 4));
  g_assert_null (cc_hint_grid_new (10, 10, -1, 4));
}

/* ------------------------------------------------------------------ */
/* The nearest hint (cc-hints-near.h) against a brute-force search.     */

/* The smallest squared distance from cell i to a hinted cell of mask, and
 * how many hinted cells are that near (0: no hint). */
static gint64
brute_nearest (const float *mask, int ww, int wh, gsize i, int *ties, gsize *which)
{
  const gint64 x = (gint64)(i % ww), y = (gint64)(i / ww);
  gint64 best = G_MAXINT64;

  *ties = 0;
  for (gsize j = 0; j < (gsize)ww * wh; j++)
    if (mask[j] != 0.0f)
      {
        gint64 dx = x - (gint64)(j % ww), dy = y - (gint64)(j / ww), d2 = dx * dx + dy * dy;
        if (d2 < best)
          best = d2, *ties = 1, *which = j;
        else if (d2 == best)
          ++*ties;
      }
  return best;
}

/* cc_hint_nearest on mask: every cell's nearest is a hinted cell exactly as
 * near as the nearest the brute force finds (the same one when it is the
 * only one); none anywhere on a grid without a hint. */
static void
check_nearest (const float *mask, int ww, int wh)
{
  const gsize cells = (gsize)ww * wh;
  g_autofree guint32 *nearest = g_new (guint32, cells);

  g_assert_true (cc_hint_nearest (mask, ww, wh, nearest));
  for (gsize i = 0; i < cells; i++)
    {
      int ties;
      gsize which = 0;
      gint64 best = brute_nearest (mask, ww, wh, i, &ties, &which);
      if (ties == 0)
        {
          g_assert_cmpuint (nearest[i], ==, CC_HINT_NEAR_NONE);
          continue;
        }
      g_assert_cmpuint (nearest[i], <, cells);
      g_assert_cmpfloat (mask[nearest[i]], !=, 0.0f);
      gint64 dx = (gint64)(i % ww) - (gint64)(nearest[i] % ww);
      gint64 dy = (gint64)(i / ww) - (gint64)(nearest[i] / ww);
      g_assert_cmpint (dx * dx + dy * dy, ==, best);
      if (ties == 1)
        g_assert_cmpuint (nearest[i], ==, which);
    }
}

static void
mask_disc (float *mask, int ww, int wh, int cx, int cy, int ry, int rx)
{
  for (int y = 0; y < wh; y++)
    for (int x = 0; x < ww; x++)
      if ((double)(x - cx) * (x - cx) / ((double)rx * rx)
              + (double)(y - cy) * (y - cy) / ((double)ry * ry)
          <= 1.0)
        mask[(gsize)y * ww + x] = 1.0f;
}

/* Single dot, two dots, a stroke, an area, hints on the edges and in the
 * corners, no hint, non-square and one-cell-wide grids, scattered dots. */
static void
test_nearest_brute_force (void)
{
  static const int sizes[][2] = { { 32, 32 }, { 61, 17 }, { 13, 47 }, { 1, 40 }, { 40, 1 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      const int ww = sizes[s][0], wh = sizes[s][1];
      const gsize cells = (gsize)ww * wh;
      g_autofree float *mask = g_new0 (float, cells);

      check_nearest (mask, ww, wh); /* no hint */
      mask[(gsize)(wh / 3) * ww + ww / 2] = 1.0f;
      check_nearest (mask, ww, wh); /* one dot */
      mask[(gsize)(wh - 1 - wh / 5) * ww + ww / 7] = 1.0f;
      check_nearest (mask, ww, wh); /* two dots */

      memset (mask, 0, cells * sizeof (float));
      for (int t = 0; t < 4 * MAX (ww, wh); t++) /* a slanted stroke */
        {
          int x = (int)(0.2 * ww + t * 0.15), y = (int)(0.9 * wh - t * 0.2);
          if (x >= 0 && y >= 0 && x < ww && y < wh)
            mask[(gsize)y * ww + x] = 1.0f;
        }
      check_nearest (mask, ww, wh);

      memset (mask, 0, cells * sizeof (float));
      mask_disc (mask, ww, wh, ww / 3, wh / 2, MAX (1, wh / 4), MAX (1, ww / 5)); /* an area */
      check_nearest (mask, ww, wh);

      memset (mask, 0, cells * sizeof (float));
      mask[0] = mask[cells - 1] = 1.0f; /* the corners and an edge */
      mask[ww - 1] = 1.0f;
      for (int x = 0; x < ww; x += 3)
        mask[(gsize)(wh - 1) * ww + x] = 1.0f;
      check_nearest (mask, ww, wh);

      GRand *rand = g_rand_new_with_seed (s + 1); /* scattered dots, with ties */
      for (int pass = 0; pass < 3; pass++)
        {
          memset (mask, 0, cells * sizeof (float));
          for (gsize i = 0; i < cells; i++)
            if (g_rand_double (rand) < (pass == 0 ? 0.01 : pass == 1 ? 0.1 : 0.6))
              mask[i] = 1.0f;
          check_nearest (mask, ww, wh);
        }
      g_rand_free (rand);
    }

  /* Sizes it refuses, without touching memory. */
  guint32 none[1];
  float one[1] = { 1.0f };
  g_assert_false (cc_hint_nearest (one, 0, 1, none));
  g_assert_false (cc_hint_nearest (one, CC_HINT_NEAR_MAX_SIDE + 1, 1, none));
}

/* The planes of cc_hint_grid_finish for the hints painted in rgba (one
 * pixel a cell): under each hint its own colour and distance 0; elsewhere
 * the nearest hint's colour (where the nearest is one cell) and exactly
 * min (1, distance / 128). */
static void
check_near_planes (const guint8 *rgba, int ww, int wh, int min_radius)
{
  const gsize cells = (gsize)ww * wh;
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (ww, wh, ww, wh);
  g_autofree float *planes = g_new (float, cells * CC_HINT_PLANES);
  const float *mask = planes + 3 * cells, *close = planes + 7 * cells;

  cc_hint_grid_add (grid, rgba, 0, 0, ww, wh, (gsize)ww * 4);
  gsize hinted = finish (grid, min_radius, planes);
  for (gsize i = 0; i < cells; i++)
    {
      int ties;
      gsize which = 0;
      gint64 best = brute_nearest (mask, ww, wh, i, &ties, &which);
      if (hinted == 0)
        {
          g_assert_cmpint (ties, ==, 0);
          g_assert_cmpfloat (close[i], ==, 0.0f);
          for (int c = 0; c < 3; c++)
            g_assert_cmpfloat (planes[(4 + c) * cells + i], ==, 0.0f);
          continue;
        }
      g_assert_cmpfloat (close[i], ==, (float)MAX (0.0, 1.0 - sqrt ((double)best) / 128.0));
      if (mask[i] != 0.0f)
        g_assert_cmpfloat (close[i], ==, 1.0f);
      if (ties == 1)
        for (int c = 0; c < 3; c++)
          g_assert_cmpfloat (planes[(4 + c) * cells + i], ==, planes[c * cells + which]);
    }
}

/* The near planes on grids of coloured hints: dots, a stroke, an area,
 * hints on the edges, none at all, a non-square grid, and distances past
 * 128 cells, whose closeness is 0. */
static void
test_near_planes (void)
{
  {
    const int ww = 50, wh = 30;
    g_autofree guint8 *rgba = strip_new (ww, wh);
    check_near_planes (rgba, ww, wh, 0); /* no hint: closeness and colours 0 */
    paint (rgba, ww, 20, 10, 255, 0, 0, 255);
    check_near_planes (rgba, ww, wh, 0);
    check_near_planes (rgba, ww, wh, 2); /* grown to a disc first */
    paint (rgba, ww, 41, 25, 0, 0, 255, 255);
    check_near_planes (rgba, ww, wh, 0);
    for (int x = 0; x < ww; x += 2) /* a dashed stroke along the top edge */
      paint (rgba, ww, x, 0, 0, (guint8)(5 * x), 60, 255);
    for (int y = 0; y < wh; y++) /* one down the right edge */
      paint (rgba, ww, ww - 1, y, 200, (guint8)(8 * y), 10, 255);
    check_near_planes (rgba, ww, wh, 0);
    check_near_planes (rgba, ww, wh, 3);
  }
  {
    const int ww = 23, wh = 71; /* an area of several colours, tall grid */
    g_autofree guint8 *rgba = strip_new (ww, wh);
    for (int y = 30; y < 45; y++)
      for (int x = 5; x < 17; x++)
        if ((x - 11) * (x - 11) + (y - 37) * (y - 37) < 40)
          paint (rgba, ww, x, y, (guint8)(10 * x), (guint8)(3 * y), 99, 255);
    check_near_planes (rgba, ww, wh, 0);
  }
  {
    /* A dot in the first column of a 300-wide grid: cells up to 128 away
     * read 1 - distance / 128, farther ones 0, all of the dot's colour. */
    const int ww = 300, wh = 5;
    const gsize cells = (gsize)ww * wh;
    g_autofree guint8 *rgba = strip_new (ww, wh);
    g_autofree float *planes = g_new (float, cells * CC_HINT_PLANES);
    g_autoptr (CcHintGrid) grid = cc_hint_grid_new (ww, wh, ww, wh);
    paint (rgba, ww, 0, 2, 0, 255, 0, 255);
    check_near_planes (rgba, ww, wh, 0);
    cc_hint_grid_add (grid, rgba, 0, 0, ww, wh, (gsize)ww * 4);
    g_assert_cmpuint (finish (grid, 0, planes), ==, 1);
    const float *close = planes + 7 * cells;
    g_assert_cmpfloat (close[2 * ww + 64], ==, 0.5f);
    g_assert_cmpfloat (close[2 * ww + 128], ==, 0.0f);
    g_assert_cmpfloat (close[2 * ww + 127], ==, 1.0f / 128.0f);
    g_assert_cmpfloat (close[2 * ww + 299], ==, 0.0f);
    g_assert_cmpfloat (close[4 * ww + 96], ==, (float)(1.0 - sqrt (96.0 * 96 + 4) / 128.0));
    for (gsize i = 0; i < cells; i++)
      {
        g_assert_cmpfloat (planes[4 * cells + i], ==, planes[2 * ww]);             /* near Y */
        g_assert_cmpfloat (planes[6 * cells + i], ==, planes[2 * cells + 2 * ww]); /* Cr */
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hints/tiny-dot-on-huge-picture", test_tiny_dot_on_huge_picture);
  g_test_add_func ("/hints/means-and-edges", test_means_and_edges);
  g_test_add_func ("/hints/area-and-sizes", test_area_and_sizes);
  g_test_add_func ("/hints/growth", test_growth);
  g_test_add_func ("/hints/nearest-brute-force", test_nearest_brute_force);
  g_test_add_func ("/hints/near-planes", test_near_planes);
  return g_test_run ();
}
