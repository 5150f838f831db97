/* Colour hints on the network's grid (ops/cc-hints.h): a tiny dot on a huge
 * picture still counts, strokes and areas average per cell, the alpha
 * threshold, pixels outside the picture, the BT.601 planes, and small
 * hints grown to the trained disc.  Hint pixels are 8-bit R'G'B'A. */
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
  g_assert_cmpuint (cc_hint_grid_finish (grid, 0, channels), ==, 1);
  {
    gsize cx = (gsize)dot_x * ww / width, cy = (gsize)dot_y * wh / height;
    gsize cell = cy * ww + cx, cells = (gsize)ww * wh;
    g_assert_cmpfloat (channels[3 * cells + cell], ==, 1.0f);                /* mask */
    g_assert_cmpfloat_with_epsilon (channels[2 * cells + cell], 0.5f, 1e-6); /* Cr of red */
    g_assert_cmpfloat_with_epsilon (channels[cells + cell], -0.299 / 1.772, 1e-6);
    g_assert_cmpfloat_with_epsilon (channels[cell], 0.299, 1e-6); /* Y */

    /* Grown to the trained disc of radius 2: 13 cells around it, all red. */
    g_assert_cmpuint (cc_hint_grid_finish (grid, 2, channels), ==, 13);
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

  g_assert_cmpuint (cc_hint_grid_finish (grid, 0, planes), ==, 8);
  gsize grown = cc_hint_grid_finish (grid, 2, planes);
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

  g_assert_cmpuint (cc_hint_grid_finish (grid, 0, channels), ==, 2);
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
  g_assert_cmpuint (cc_hint_grid_finish (grid, 2, channels), ==, (gsize)ww * wh);

  g_assert_null (cc_hint_grid_new (0, 10, 4, 4));
  g_assert_null (cc_hint_grid_new (10, 10, -1, 4));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hints/tiny-dot-on-huge-picture", test_tiny_dot_on_huge_picture);
  g_test_add_func ("/hints/means-and-edges", test_means_and_edges);
  g_test_add_func ("/hints/area-and-sizes", test_area_and_sizes);
  g_test_add_func ("/hints/growth", test_growth);
  return g_test_run ();
}
