/* Reading a hint picture into the grid (ops/cc-hints-read.h), as the op
 * and the plug-in's preview do: the same hints as 8-bit and as float give
 * the same grid; a float picture's NaN alpha is no hint and its NaN, infinite
 * and out-of-range channels are clamped, whichever path babl would have
 * taken from float to 8 bits (they differ on NaN); the source rectangle and
 * its place in the picture; strips of any height. */
#include <math.h>

#include "cc-hints-read.h"

#define W 300
#define H 150
#define WORK_W 30
#define WORK_H 15

static GeglBuffer *
buffer_new (const char *format)
{
  const GeglRectangle rect = { 0, 0, W, H };
  return gegl_buffer_new (&rect, babl_format (format));
}

static void
paint (GeglBuffer *buffer, int x, int y, float r, float g, float b, float a)
{
  const GeglRectangle pixel = { x, y, 1, 1 };
  const float rgba[4] = { r, g, b, a };
  gegl_buffer_set (buffer, &pixel, 0, babl_format ("R'G'B'A float"), rgba, GEGL_AUTO_ROWSTRIDE);
}

static CcHintGrid *
read_grid (GeglBuffer *buffer, const GeglRectangle *source, int x, int y)
{
  CcHintGrid *grid = cc_hint_grid_new (W, H, WORK_W, WORK_H);
  g_assert_nonnull (grid);
  g_assert_true (cc_hint_grid_read (grid, buffer, source, x, y, NULL));
  return grid;
}

static gsize
hinted (const CcHintGrid *grid)
{
  gsize n = 0;
  for (gsize i = 0; i < (gsize)grid->work_width * grid->work_height; i++)
    n += grid->count[i] > 0;
  return n;
}

static void
test_u8_rounding (void)
{
  g_assert_cmpuint (cc_hint_u8 (NAN), ==, 0);
  g_assert_cmpuint (cc_hint_u8 (-NAN), ==, 0);
  g_assert_cmpuint (cc_hint_u8 (INFINITY), ==, 255);
  g_assert_cmpuint (cc_hint_u8 (-INFINITY), ==, 0);
  g_assert_cmpuint (cc_hint_u8 (-0.2f), ==, 0);
  g_assert_cmpuint (cc_hint_u8 (7.0f), ==, 255);
  g_assert_cmpuint (cc_hint_u8 (0.5f), ==, 128); /* the alpha threshold */
  g_assert_cmpuint (cc_hint_u8 (0.49f), ==, 125);
  for (int v = 0; v < 256; v++)
    g_assert_cmpuint (cc_hint_u8 (v / 255.0f), ==, v);
}

/* The same hints in an 8-bit and a float picture: the same cells, sums
 * and counts. */
static void
test_u8_and_float_agree (void)
{
  g_autoptr (GeglBuffer) bytes = buffer_new ("R'G'B'A u8");
  g_autoptr (GeglBuffer) floats = buffer_new ("R'G'B'A float");
  const GeglRectangle all = { 0, 0, W, H };
  GeglBuffer *both[] = { bytes, floats };

  for (int i = 0; i < 2; i++)
    {
      paint (both[i], 3, 4, 0.8f, 0.4f, 0.2f, 1.0f);
      paint (both[i], 150, 70, 0.1f, 0.6f, 0.9f, 0.75f);
      for (int x = 200; x < 260; x++)
        paint (both[i], x, 140, 0.3f, 0.3f, 0.7f, 1.0f);
    }
  g_autoptr (CcHintGrid) a = read_grid (bytes, &all, 0, 0);
  g_autoptr (CcHintGrid) b = read_grid (floats, &all, 0, 0);
  g_assert_cmpuint (hinted (a), ==, 2 + 6);
  g_assert_cmpmem (a->count, WORK_W * WORK_H * sizeof (guint32), b->count,
                   WORK_W * WORK_H * sizeof (guint32));
  g_assert_cmpmem (a->sum, WORK_W * WORK_H * 3 * sizeof (guint64), b->sum,
                   WORK_W * WORK_H * 3 * sizeof (guint64));
  g_assert_cmpuint (a->sum[0], ==, cc_hint_u8 (0.8f));
}

/* Float pictures: NaN alpha, alpha below one half and -inf alpha are no
 * hints; +inf alpha is; NaN and infinite colours are clamped. */
static void
test_float_non_finite (void)
{
  g_autoptr (GeglBuffer) buffer = buffer_new ("R'G'B'A float");
  const GeglRectangle all = { 0, 0, W, H };

  paint (buffer, 5, 5, 0.0f, 1.0f, 0.0f, NAN);
  paint (buffer, 25, 5, 0.0f, 1.0f, 0.0f, -INFINITY);
  paint (buffer, 45, 5, 0.0f, 1.0f, 0.0f, 0.49f);
  paint (buffer, 65, 5, NAN, INFINITY, -INFINITY, INFINITY);
  g_autoptr (CcHintGrid) grid = read_grid (buffer, &all, 0, 0);

  g_assert_cmpuint (hinted (grid), ==, 1);
  g_assert_cmpuint (grid->count[6], ==, 1);
  g_assert_cmpuint (grid->sum[6 * 3 + 0], ==, 0);
  g_assert_cmpuint (grid->sum[6 * 3 + 1], ==, 255);
  g_assert_cmpuint (grid->sum[6 * 3 + 2], ==, 0);
}

/* A source rectangle of the hint picture placed at (x, y) of the grid's
 * picture, taller than one strip: a pixel outside the source is not read,
 * one past the picture's edge is not a hint; an empty source. */
static void
test_source_and_place (void)
{
  g_autoptr (GeglBuffer) buffer = buffer_new ("R'G'B'A float");
  const GeglRectangle source = { 100, 10, 120, 130 };

  paint (buffer, 100, 10, 1.0f, 0.0f, 0.0f, 1.0f);  /* picture (0, 0) */
  paint (buffer, 219, 139, 0.0f, 0.0f, 1.0f, 1.0f); /* picture (119, 129) */
  paint (buffer, 99, 10, 0.0f, 1.0f, 0.0f, 1.0f);   /* outside the source */
  g_autoptr (CcHintGrid) grid = read_grid (buffer, &source, 0, 0);
  g_assert_cmpuint (hinted (grid), ==, 2);
  g_assert_cmpuint (grid->count[0], ==, 1);
  g_assert_cmpuint (grid->count[12 * WORK_W + 11], ==, 1);

  /* The same source at (250, 100): its (119, 129) falls past the picture. */
  g_autoptr (CcHintGrid) moved = read_grid (buffer, &source, 250, 100);
  g_assert_cmpuint (hinted (moved), ==, 1);
  g_assert_cmpuint (moved->count[10 * WORK_W + 25], ==, 1);

  /* An empty source reads nothing and is no error. */
  const GeglRectangle empty = { 100, 10, 0, 130 };
  g_autoptr (CcHintGrid) none = read_grid (buffer, &empty, 0, 0);
  g_assert_cmpuint (hinted (none), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gegl_init (&argc, &argv);
  g_test_add_func ("/hints-read/u8-rounding", test_u8_rounding);
  g_test_add_func ("/hints-read/u8-and-float-agree", test_u8_and_float_agree);
  g_test_add_func ("/hints-read/float-non-finite", test_float_non_finite);
  g_test_add_func ("/hints-read/source-and-place", test_source_and_place);
  int status = g_test_run ();
  gegl_exit ();
  return status;
}
