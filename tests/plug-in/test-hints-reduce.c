/* The preview's colour hints (plug-in/cocolor-hints.c, cocolor_hints_reduce):
 * the hints of a full-size picture scaled to the preview by the op's rule
 * (a preview pixel is a hint when any hint pixel falls in it, with their
 * mean colour), the hints layer placed by its offset, pixels outside the
 * picture and with alpha below one half left out.  GEGL only: the libgimp
 * functions of that file are linked, never called. */
#include "config.h"

#include <math.h>

#include "cocolor-hints.h"

#define FULL_W 1000
#define FULL_H 800
#define SMALL_W 100
#define SMALL_H 80
/* Hints are read as 8-bit R'G'B'A, as the op reads them: half a step. */
#define STEP (0.5f / 255 + 1e-6f)

static GeglBuffer *
hints_buffer (int width, int height)
{
  const GeglRectangle rect = { 0, 0, width, height };
  return gegl_buffer_new (&rect, babl_format ("R'G'B'A float"));
}

static void
paint (GeglBuffer *buffer, int x, int y, float r, float g, float b, float a)
{
  const GeglRectangle pixel = { x, y, 1, 1 };
  const float rgba[4] = { r, g, b, a };
  gegl_buffer_set (buffer, &pixel, 0, babl_format ("R'G'B'A float"), rgba, GEGL_AUTO_ROWSTRIDE);
}

/* The reduced picture's pixels, R'G'B'A float. */
static float *
reduce (GeglBuffer *buffer, int x, int y)
{
  const CocolorHints hints = { buffer, x, y };
  g_autoptr (GeglBuffer) small = cocolor_hints_reduce (&hints, FULL_W, FULL_H, SMALL_W, SMALL_H);
  const GeglRectangle rect = { 0, 0, SMALL_W, SMALL_H };
  float *pixels = g_new (float, SMALL_W * SMALL_H * 4);

  g_assert_true (gegl_rectangle_equal (gegl_buffer_get_extent (small), &rect));
  gegl_buffer_get (small, &rect, 1.0, babl_format ("R'G'B'A float"), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  return pixels;
}

static int
count_hints (const float *pixels)
{
  int n = 0;
  for (int i = 0; i < SMALL_W * SMALL_H; i++)
    n += pixels[i * 4 + 3] >= 0.5f;
  return n;
}

static const float *
at (const float *pixels, int x, int y)
{
  return pixels + ((gsize)y * SMALL_W + x) * 4;
}

/* The preview pixel's colour is (r, g, b) within one 8-bit step. */
static void
assert_colour (const float *p, float r, float g, float b)
{
  g_assert_cmpfloat_with_epsilon (p[0], r, STEP);
  g_assert_cmpfloat_with_epsilon (p[1], g, STEP);
  g_assert_cmpfloat_with_epsilon (p[2], b, STEP);
}

/* One pixel of a 1000 x 800 picture marks its preview pixel, opaque, in its
 * colour; a transparent layer marks none. */
static void
test_one_pixel (void)
{
  g_autoptr (GeglBuffer) buffer = hints_buffer (FULL_W, FULL_H);
  g_autofree float *empty = reduce (buffer, 0, 0);
  g_assert_cmpint (count_hints (empty), ==, 0);

  paint (buffer, 505, 403, 0.9f, 0.2f, 0.1f, 1.0f);
  g_autofree float *one = reduce (buffer, 0, 0);
  g_assert_cmpint (count_hints (one), ==, 1);
  const float *p = at (one, 50, 40);
  assert_colour (p, 0.9f, 0.2f, 0.1f);
  g_assert_cmpfloat (p[3], ==, 1.0f);
}

/* Hint pixels in one preview pixel give their mean colour; alpha below one
 * half (8-bit 128) and NaN alpha are no hints. */
static void
test_mean_and_threshold (void)
{
  g_autoptr (GeglBuffer) buffer = hints_buffer (FULL_W, FULL_H);
  paint (buffer, 0, 0, 1.0f, 0.0f, 0.0f, 1.0f);
  paint (buffer, 9, 9, 0.0f, 0.0f, 1.0f, 0.5f);
  paint (buffer, 5, 5, 0.0f, 1.0f, 0.0f, 0.49f); /* no hint */
  paint (buffer, 35, 5, 0.0f, 0.0f, 0.0f, NAN);  /* no hint */
  g_autofree float *small = reduce (buffer, 0, 0);

  g_assert_cmpint (count_hints (small), ==, 1);
  assert_colour (at (small, 0, 0), 0.5f, 0.0f, 0.5f);
}

/* A hints layer placed at (980, -10) of the picture: its pixel (5, 15) is
 * the picture's (985, 5), its pixel (25, 25) lies outside the picture. */
static void
test_offset (void)
{
  g_autoptr (GeglBuffer) buffer = hints_buffer (50, 50);
  paint (buffer, 5, 15, 0.0f, 1.0f, 0.0f, 1.0f);
  paint (buffer, 25, 25, 1.0f, 1.0f, 0.0f, 1.0f);
  paint (buffer, 2, 2, 1.0f, 0.0f, 1.0f, 1.0f); /* (982, -8): above the picture */
  g_autofree float *small = reduce (buffer, 980, -10);

  g_assert_cmpint (count_hints (small), ==, 1);
  g_assert_cmpfloat (at (small, 98, 0)[1], ==, 1.0f);
  g_assert_cmpfloat (at (small, 98, 0)[3], ==, 1.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gegl_init (&argc, &argv);
  g_test_add_func ("/hints-reduce/one-pixel", test_one_pixel);
  g_test_add_func ("/hints-reduce/mean-and-threshold", test_mean_and_threshold);
  g_test_add_func ("/hints-reduce/offset", test_offset);
  int status = g_test_run ();
  gegl_exit ();
  return status;
}
