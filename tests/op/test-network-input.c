/* The network's input (ops/cc-network-input.h): the picture mapped to the
 * model's range with its edges repeated into the padding; the hint planes
 * the contract declares, in its order, the sparse ones 0 in the padding and
 * the nearest hint's repeated like the picture; and with no hints at all,
 * every hint plane 0, as for a grid without a hinted cell. */
#include <math.h>

#include "cc-network-input.h"

/* A model's contract as the loader gives it: one picture channel, then
 * the hint planes `planes`. */
static CcModelInfo
info_new (CcTask task, const CcHintPlane *planes, int n, float min, float max)
{
  CcModelInfo info = { 0 };

  info.task = task;
  info.hint_first = 1;
  info.n_hints = n;
  info.input_channels = 1 + n;
  for (int k = 0; k < n; k++)
    info.hint_planes[k] = planes[k];
  info.input_min = min, info.input_max = max;
  return info;
}

/* The hint planes of a grid with two dots, one on the right edge. */
static float *
grid_planes (int w, int h)
{
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (w, h, w, h);
  g_autofree guint8 *rgba = g_new0 (guint8, (gsize)w * h * 4);
  float *planes = g_new (float, (gsize)w * h * CC_HINT_PLANES);
  gsize hinted;

  guint8 *p = rgba + ((gsize)2 * w + 1) * 4;
  p[0] = 250, p[1] = 20, p[2] = 30, p[3] = 255;
  p = rgba + ((gsize)(h - 2) * w + w - 1) * 4;
  p[0] = 10, p[1] = 20, p[2] = 240, p[3] = 255;
  cc_hint_grid_add (grid, rgba, 0, 0, w, h, (gsize)w * 4);
  g_assert_true (cc_hint_grid_finish (grid, 0, planes, &hinted));
  g_assert_cmpuint (hinted, ==, 2);
  return planes;
}

/* Gray and NIR contracts, the planes in the loader's order or another: the
 * picture and every declared plane where they belong, with and without
 * hints. */
static void
test_planes_and_padding (void)
{
  static const CcHintPlane gray[] = { CC_HINT_CB,      CC_HINT_CR,      CC_HINT_MASK,
                                      CC_HINT_NEAR_CB, CC_HINT_NEAR_CR, CC_HINT_NEAR_CLOSE };
  static const CcHintPlane nir[]
      = { CC_HINT_NEAR_CLOSE, CC_HINT_Y,  CC_HINT_MASK,    CC_HINT_NEAR_Y,
          CC_HINT_NEAR_CR,    CC_HINT_CB, CC_HINT_NEAR_CB, CC_HINT_CR };
  const int w = 13, h = 7, W = 16, H = 16;
  const gsize n = (gsize)W * H, cells = (gsize)w * h;
  g_autofree float *lum = g_new (float, cells);
  g_autofree float *planes = grid_planes (w, h);

  for (gsize i = 0; i < cells; i++)
    lum[i] = (float)i / cells;
  for (int m = 0; m < 2; m++)
    {
      CcModelInfo info = m ? info_new (CC_TASK_NIR, nir, G_N_ELEMENTS (nir), -1.0f, 1.0f)
                           : info_new (CC_TASK_GRAY, gray, G_N_ELEMENTS (gray), 0.0f, 1.0f);
      g_autofree float *in = g_new (float, n * info.input_channels);
      for (int given = 0; given < 2; given++)
        {
          /* NaN first: every value must be written. */
          for (gsize i = 0; i < n * info.input_channels; i++)
            in[i] = NAN;
          cc_network_input_fill (&info, lum, given ? planes : NULL, w, h, W, H, in);
          for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
              {
                const gsize at = (gsize)y * W + x;
                const gsize src = (gsize)MIN (y, h - 1) * w + MIN (x, w - 1);
                const gboolean inside = x < w && y < h;
                g_assert_cmpfloat (in[at], ==,
                                   info.input_min + (info.input_max - info.input_min) * lum[src]);
                for (int k = 0; k < info.n_hints; k++)
                  {
                    const CcHintPlane p = info.hint_planes[k];
                    const float v = in[(gsize)(1 + k) * n + at];
                    if (!given)
                      g_assert_cmpfloat (v, ==, 0.0f);
                    else if (p >= CC_HINT_NEAR_Y || inside)
                      g_assert_cmpfloat (v, ==, planes[(gsize)p * cells + src]);
                    else
                      g_assert_cmpfloat (v, ==, 0.0f);
                  }
              }
        }
    }
  /* The dots set both sparse and dense values: the checks above saw them. */
  g_assert_cmpfloat (planes[CC_HINT_MASK * cells + 2 * w + 1], ==, 1.0f);
  g_assert_cmpfloat (planes[CC_HINT_NEAR_CLOSE * cells + (gsize)(h - 1) * w + w - 1], >, 0.0f);
}

/* No hints (no aux, or one without a hint pixel) give the network what a
 * grid without a hinted cell gives it: every hint plane 0. */
static void
test_none_is_empty_grid (void)
{
  static const CcHintPlane nir[]
      = { CC_HINT_Y,      CC_HINT_CB,      CC_HINT_CR,      CC_HINT_MASK,
          CC_HINT_NEAR_Y, CC_HINT_NEAR_CB, CC_HINT_NEAR_CR, CC_HINT_NEAR_CLOSE };
  const int w = 9, h = 5, W = 16, H = 8;
  const gsize n = (gsize)W * H, cells = (gsize)w * h;
  CcModelInfo info = info_new (CC_TASK_NIR, nir, G_N_ELEMENTS (nir), 0.0f, 1.0f);
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (w * 10, h * 10, w, h);
  g_autofree float *planes = g_new (float, cells * CC_HINT_PLANES);
  g_autofree float *lum = g_new0 (float, cells);
  g_autofree float *none = g_new (float, n * info.input_channels);
  g_autofree float *empty = g_new (float, n * info.input_channels);
  gsize hinted;

  g_assert_true (cc_hint_grid_finish (grid, 2, planes, &hinted));
  g_assert_cmpuint (hinted, ==, 0);
  cc_network_input_fill (&info, lum, NULL, w, h, W, H, none);
  cc_network_input_fill (&info, lum, planes, w, h, W, H, empty);
  g_assert_cmpmem (none, n * info.input_channels * sizeof (float), empty,
                   n * info.input_channels * sizeof (float));
  for (gsize i = n; i < n * info.input_channels; i++)
    g_assert_cmpfloat (none[i], ==, 0.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/network-input/planes-and-padding", test_planes_and_padding);
  g_test_add_func ("/network-input/none-is-empty-grid", test_none_is_empty_grid);
  return g_test_run ();
}
