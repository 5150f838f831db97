/* Guided upsampling: reproduces what is a linear function of the guide,
 * keeps edges sharp, leaves less of a halo than the plain mean of the
 * windows' coefficients where the colour's relation to the guide flips at
 * an edge, and tiles agree with a whole-picture pass. */
#include "cc-guided.h"

#include <math.h>

/* A textured guide: smooth gradient plus a hard vertical edge. */
static float
guide_at (int x, int y, int w)
{
  float v = 0.2f + 0.5f * (float)x / w + 0.2f * sinf (0.37f * y) * cosf (0.21f * x);
  return x < w / 2 ? v : v + 0.1f;
}

static float *
make_guide (int w, int h)
{
  float *g = g_new (float, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      g[(gsize)y * w + x] = guide_at (x, y, w);
  return g;
}

/* Box-downscale by an integer factor, as the op feeds the network. */
static float *
downscale (const float *f, int w, int h, int k)
{
  int sw = w / k, sh = h / k;
  float *s = g_new0 (float, (gsize) sw * sh);
  for (int y = 0; y < sh * k; y++)
    for (int x = 0; x < sw * k; x++)
      s[(gsize)(y / k) * sw + x / k] += f[(gsize)y * w + x] / (k * k);
  return s;
}

static void
test_linear_relation_is_reproduced (void)
{
  const int W = 96, H = 64, k = 4, w = W / k, h = H / k;
  g_autofree float *G = make_guide (W, H);
  g_autofree float *g = downscale (G, W, H, k);
  g_autofree float *src = g_new (float, (gsize) w * h * 2);
  for (int i = 0; i < w * h; i++)
    {
      src[i] = 2.0f * g[i] + 0.1f; /* channel 0: a linear function of the guide */
      src[w * h + i] = 0.4f;       /* channel 1: constant */
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (CcGuidedModel) m = cc_guided_fit (g, src, w, h, 2, 2, 1e-8f, &error);
  g_assert_no_error (error);
  g_autofree float *out = g_new (float, (gsize) W * H * 2);
  cc_guided_apply (m, W, H, 0, 0, W, H, G, out);
  double max_err = 0;
  for (int i = 0; i < W * H; i++)
    {
      max_err = MAX (max_err, fabs (out[2 * i] - (2.0f * G[i] + 0.1f)));
      max_err = MAX (max_err, fabs (out[2 * i + 1] - 0.4f));
    }
  g_assert_cmpfloat (max_err, <, 1e-3);
}

static void
test_edges_stay_sharp (void)
{
  /* Colour differs across the guide's edge; bilinear upsampling would smear
   * it over k pixels, the guided one keeps the step within one pixel. */
  const int W = 128, H = 32, k = 8, w = W / k, h = H / k;
  g_autofree float *G = g_new (float, (gsize) W * H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      G[y * W + x] = x < 61 ? 0.2f : 0.8f; /* edge not on the small grid */
  g_autofree float *g = downscale (G, W, H, k);
  g_autofree float *src = g_new (float, (gsize) w * h);
  for (int i = 0; i < w * h; i++)
    src[i] = g[i] < 0.5f ? 0.1f + 0.5f * (g[i] - 0.2f) : 0.9f; /* red-ish vs. not */
  for (int y = 0; y < h; y++)                                  /* mixed column: blend */
    src[y * w + 61 / k] = 0.1f + (g[y * w + 61 / k] - 0.2f) / 0.6f * 0.8f;
  g_autoptr (CcGuidedModel) m = cc_guided_fit (g, src, w, h, 1, 1, 1e-6f, NULL);
  g_assert_nonnull (m);
  g_autofree float *out = g_new (float, (gsize) W * H);
  cc_guided_apply (m, W, H, 0, 0, W, H, G, out);
  int row = H / 2;
  g_assert_cmpfloat (fabsf (out[row * W + 58] - 0.1f), <, 0.05f);
  g_assert_cmpfloat (fabsf (out[row * W + 60] - 0.1f), <, 0.05f);
  g_assert_cmpfloat (fabsf (out[row * W + 61] - 0.9f), <, 0.05f);
  g_assert_cmpfloat (fabsf (out[row * W + 64] - 0.9f), <, 0.05f);
}

/* The plain fast guided filter's coefficients (each pixel: the unweighted
 * mean over the windows covering it), brute force: what the weighting is
 * measured against. */
static void
plain_fit (const float *g, const float *s, int w, int h, int r, float eps, float *a, float *b)
{
  g_autofree float *ak = g_new (float, (gsize) w * h);
  g_autofree float *bk = g_new (float, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double n = 0, mg = 0, ms = 0, gg = 0, gs = 0;
        for (int v = MAX (y - r, 0); v <= MIN (y + r, h - 1); v++)
          for (int u = MAX (x - r, 0); u <= MIN (x + r, w - 1); u++)
            {
              float gi = g[v * w + u], si = s[v * w + u];
              n++, mg += gi, ms += si, gg += gi * gi, gs += gi * si;
            }
        mg /= n, ms /= n, gg /= n, gs /= n;
        ak[y * w + x] = (float)((gs - mg * ms) / (MAX (gg - mg * mg, 0) + eps));
        bk[y * w + x] = (float)(ms - ak[y * w + x] * mg);
      }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double n = 0, sa = 0, sb = 0;
        for (int v = MAX (y - r, 0); v <= MIN (y + r, h - 1); v++)
          for (int u = MAX (x - r, 0); u <= MIN (x + r, w - 1); u++)
            n++, sa += ak[v * w + u], sb += bk[v * w + u];
        a[y * w + x] = (float)(sa / n);
        b[y * w + x] = (float)(sb / n);
      }
}

/* Colour that follows the guide one way left of an edge and the other way
 * right of it (NIR foliage bright, visible foliage dark, against a sky):
 * upsampled 8x, the colour near the edge is closer to the truth than with
 * the plain mean of the windows' coefficients, which bleeds across the
 * edge as a halo; away from the edge both reproduce it. */
static void
test_flipped_relation_has_no_halo (void)
{
  const int W = 256, H = 64, k = 8, w = W / k, h = H / k, r = 2;
  const float eps = 1e-4f;
  g_autofree float *G = g_new (float, (gsize) W * H);
  g_autofree float *truth = g_new (float, (gsize) W * H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float t = 0.08f * sinf (0.15f * x) * cosf (0.11f * y);
        G[y * W + x] = x < 125 ? 0.3f + t : 0.75f + t;
        truth[y * W + x] = x < 125 ? 0.6f + 2.0f * t : 0.2f - 2.0f * t;
      }
  g_autofree float *g = downscale (G, W, H, k);
  g_autofree float *src = downscale (truth, W, H, k);
  g_autoptr (CcGuidedModel) m = cc_guided_fit (g, src, w, h, 1, r, eps, NULL);
  g_assert_nonnull (m);
  CcGuidedModel plain = { w, h, 1, g_new (float, (gsize) w * h), g_new (float, (gsize) w * h) };
  plain_fit (g, src, w, h, r, eps, plain.a, plain.b);
  g_autofree float *out = g_new (float, (gsize) W * H);
  g_autofree float *ref = g_new (float, (gsize) W * H);
  cc_guided_apply (m, W, H, 0, 0, W, H, G, out);
  cc_guided_apply (&plain, W, H, 0, 0, W, H, G, ref);
  g_free (plain.a);
  g_free (plain.b);

  double near = 0, near_ref = 0, far = 0;
  int n_near = 0, n_far = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float e = fabsf (out[y * W + x] - truth[y * W + x]);
        if (abs (x - 125) <= 3 * k)
          near += e, near_ref += fabsf (ref[y * W + x] - truth[y * W + x]), n_near++;
        else if (abs (x - 125) > 6 * k)
          far += e, n_far++;
      }
  g_test_message ("mean error within 3 small pixels of the edge %.4f (plain mean %.4f), away %.4f",
                  near / n_near, near_ref / n_near, far / n_far);
  g_assert_cmpfloat (near, <, 0.7 * near_ref);
  g_assert_cmpfloat (far / n_far, <, 0.02);
}

static void
test_tiles_match_whole (void)
{
  const int W = 100, H = 70, w = 25, h = 18, C = 3;
  g_autofree float *G = make_guide (W, H);
  g_autofree float *g = make_guide (w, h);
  g_autofree float *src = g_new (float, (gsize) w * h * C);
  for (int i = 0; i < w * h * C; i++)
    src[i] = fmodf (0.013f * i, 1.0f);
  g_autoptr (CcGuidedModel) m = cc_guided_fit (g, src, w, h, C, 3, 1e-3f, NULL);
  g_autofree float *whole = g_new (float, (gsize) W * H * C);
  cc_guided_apply (m, W, H, 0, 0, W, H, G, whole);

  const int T = 17; /* odd tile size, ragged last tiles */
  for (int ty = 0; ty < H; ty += T)
    for (int tx = 0; tx < W; tx += T)
      {
        int cols = MIN (T, W - tx), rows = MIN (T, H - ty);
        g_autofree float *tg = g_new (float, (gsize) cols * rows);
        g_autofree float *to = g_new (float, (gsize) cols * rows * C);
        for (int y = 0; y < rows; y++)
          for (int x = 0; x < cols; x++)
            tg[y * cols + x] = G[(ty + y) * W + tx + x];
        cc_guided_apply (m, W, H, tx, ty, cols, rows, tg, to);
        for (int y = 0; y < rows; y++)
          for (int x = 0; x < cols; x++)
            for (int c = 0; c < C; c++)
              g_assert_cmpfloat (to[(y * cols + x) * C + c], ==,
                                 whole[((gsize)(ty + y) * W + tx + x) * C + c]);
      }
}

static void
test_bad_parameters_are_errors (void)
{
  float one = 0.5f;
  g_autoptr (GError) error = NULL;
  g_assert_null (cc_guided_fit (&one, &one, 1, 1, 1, 0, 1e-3f, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (cc_guided_fit (&one, &one, 0, 1, 1, 1, 1e-3f, &error));
  g_assert_nonnull (error);
  /* A 1×1 picture is legal: the result is its colour everywhere. */
  g_autoptr (CcGuidedModel) m = cc_guided_fit (&one, &one, 1, 1, 1, 1, 1e-3f, NULL);
  float out[6], guide[6] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f };
  cc_guided_apply (m, 3, 2, 0, 0, 3, 2, guide, out);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (fabsf (out[i] - 0.5f), <, 1e-6f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guided/linear-relation", test_linear_relation_is_reproduced);
  g_test_add_func ("/guided/edges-sharp", test_edges_stay_sharp);
  g_test_add_func ("/guided/flipped-relation-no-halo", test_flipped_relation_has_no_halo);
  g_test_add_func ("/guided/tiles-match-whole", test_tiles_match_whole);
  g_test_add_func ("/guided/bad-parameters", test_bad_parameters_are_errors);
  return g_test_run ();
}
