/* NIR mode's signal (cc-nir-signal.h) and its neutral blend (cc-blend.h),
 * on synthetic pictures: a gray picture is taken as it is, a converted
 * camera's colour cast and exposure are undone, nothing breaks on NaN,
 * infinities or values outside [0, 1], and NIR mode's strength mixes with
 * the neutral picture rather than with the cast input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc-blend.h"
#include "cc-nir-signal.h"

#define W 160
#define H 120
#define N ((gsize)W * H)
/* The training data's typical 99.5th percentile (cc-nir-signal.c). */
#define TARGET 0.87f

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static float
percentile (const float *v, gsize n, double q)
{
  g_autofree float *s = g_memdup2 (v, n * sizeof (float));
  qsort (s, n, sizeof (float), cmp_float);
  return s[MIN ((gsize)(q * n), n - 1)];
}

/* A synthetic NIR picture (smooth shapes, texture, a bright half) whose
 * 99.5th percentile is TARGET: a cast copy of it, stretched, should give
 * the picture itself back. */
static float *
nir_scene (guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, N);

  for (int y = 0; y < H; y++)
    for (int i = 0; i < W; i++)
      x[y * W + i]
          = MAX (0.0f, 0.35f + 0.25f * sinf (i * 0.07f) * cosf (y * 0.05f) + 0.2f * (y > H / 2)
                           + (float)g_rand_double_range (rand, -0.08, 0.08));
  float scale = TARGET / percentile (x, N, 0.995);
  for (gsize i = 0; i < N; i++)
    x[i] = MIN (1.0f, x[i] * scale);
  g_rand_free (rand);
  return x;
}

/* What a converted camera writes (tools/eval-op.py's simulation): the NIR
 * through per-channel gains, an exposure gain and a gamma, in 8 bits. */
static float *
camera (const float *x, const float gains[3], float exposure, float gamma)
{
  float *rgb = g_new (float, 3 * N);
  for (gsize i = 0; i < N; i++)
    for (int k = 0; k < 3; k++)
      rgb[3 * i + k]
          = roundf (255.0f * powf (CLAMP (x[i] * gains[k] * exposure, 0.0f, 1.0f), gamma)) / 255.0f;
  return rgb;
}

static float *
gray_rgb (const float *x)
{
  float *rgb = g_new (float, 3 * N);
  for (gsize i = 0; i < N; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = x[i];
  return rgb;
}

/* The signal the network sees (cc-prediction.c): clamped to [0, 1]. */
static float *
signal_of (const float *rgb, CcNirSignal *signal)
{
  float *s = g_new (float, N);
  cc_nir_signal_fit (rgb, N, signal);
  for (gsize i = 0; i < N; i++)
    s[i] = CLAMP (cc_nir_signal_value (signal, rgb + 3 * i), 0.0f, 1.0f);
  return s;
}

static double
psnr (const float *a, const float *b)
{
  double se = 0;
  for (gsize i = 0; i < N; i++)
    se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return 10.0 * log10 (N / MAX (se, 1e-20));
}

/* Single-channel NIR, as a gray file holds it: taken as it is (gain
 * exactly 1) at any exposure the training pictures have, so such a file's
 * result does not change; darker, it is lifted evenly until its 99.5th
 * percentile is the darkest training picture's (0.70). */
static void
test_gray_unchanged (void)
{
  g_autofree float *x = nir_scene (1);
  const float exposures[] = { 1.0f, 0.83f, 1.15f, 0.3f, 0.6f };

  for (guint e = 0; e < G_N_ELEMENTS (exposures); e++)
    {
      g_autofree float *rgb = gray_rgb (x);
      CcNirSignal signal;
      for (gsize i = 0; i < 3 * N; i++)
        rgb[i] = MIN (1.0f, rgb[i] * exposures[e]);
      g_autofree float *s = signal_of (rgb, &signal);
      const float high = percentile (s, N, 0.995);

      if (exposures[e] * TARGET >= 0.70f)
        g_assert_cmpfloat (signal.gain, ==, 1.0f);
      else
        g_assert_cmpfloat_with_epsilon (high, 0.70f, 0.002f);
      for (gsize i = 0; i < N; i++)
        g_assert_cmpfloat_with_epsilon (s[i], MIN (1.0f, signal.gain * rgb[3 * i]), 1e-6);
    }
}

/* A gray picture's JPEG noise (a level or two per channel) is no cast. */
static void
test_gray_noise (void)
{
  g_autofree float *x = nir_scene (2);
  g_autofree float *rgb = gray_rgb (x);
  GRand *rand = g_rand_new_with_seed (3);
  CcNirSignal signal;

  for (gsize i = 0; i < 3 * N; i++)
    rgb[i] = CLAMP (rgb[i] + (float)g_rand_int_range (rand, -2, 3) / 255.0f, 0.0f, 1.0f);
  g_rand_free (rand);
  cc_nir_signal_fit (rgb, N, &signal);
  g_assert_cmpfloat_with_epsilon (signal.gain, 1.0f, 0.01f);
}

/* Converted cameras' casts and exposures, as tools/eval-op.py simulates
 * them: without a gamma the signal is the clean NIR again; with one, its
 * 99.5th percentile is still where the training data has it, and it stays
 * close.  Luminance alone (gain 1) is far darker. */
static void
test_camera_cast (void)
{
  g_autofree float *x = nir_scene (4);
  const struct
  {
    float gains[3], exposure, gamma, min_psnr;
  } cases[] = {
    /* Measured: 58.6, 52.8, 58.9, 24.8 and 24.5 dB (luminance alone 9.5-22.4). */
    { { 0.92f, 0.55f, 0.40f }, 1.0f, 1.0f, 48.0 }, { { 0.85f, 0.45f, 0.30f }, 0.6f, 1.0f, 45.0 },
    { { 1.0f, 0.65f, 0.50f }, 1.15f, 1.0f, 48.0 }, { { 0.9f, 0.5f, 0.35f }, 0.8f, 0.8f, 22.0 },
    { { 0.95f, 0.6f, 0.45f }, 1.1f, 1.25f, 22.0 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree float *rgb = camera (x, cases[c].gains, cases[c].exposure, cases[c].gamma);
      g_autofree float *luma = g_new (float, N);
      CcNirSignal signal;
      g_autofree float *s = signal_of (rgb, &signal);

      for (gsize i = 0; i < N; i++)
        luma[i] = cc_luma (rgb + 3 * i);
      g_test_message ("case %u: gain %.3f, PSNR %.1f dB (luminance alone %.1f dB)", c, signal.gain,
                      psnr (s, x), psnr (luma, x));
      g_assert_cmpfloat (psnr (s, x), >=, cases[c].min_psnr);
      g_assert_cmpfloat (psnr (s, x), >=, psnr (luma, x) + 5.0);
      g_assert_cmpfloat_with_epsilon (percentile (s, N, 0.995), TARGET, 0.01);
    }
}

/* Only the red channel, as some raw conversions give: the same signal. */
static void
test_pure_red (void)
{
  g_autofree float *x = nir_scene (5);
  const float gains[3] = { 0.7f, 0.0f, 0.0f };
  g_autofree float *rgb = camera (x, gains, 1.0f, 1.0f);
  CcNirSignal signal;
  g_autofree float *s = signal_of (rgb, &signal);

  g_assert_cmpfloat (psnr (s, x), >=, 35.0);
}

/* From a gray picture to a strong cast, the gain moves smoothly: no jump
 * where the picture starts to count as cast. */
static void
test_continuous (void)
{
  g_autofree float *x = nir_scene (6);
  float last = 0.0f;

  for (int step = 0; step <= 100; step++)
    {
      float cast = 0.005f * step;
      const float gains[3] = { 1.0f, 1.0f - cast, 1.0f - 1.2f * cast };
      g_autofree float *rgb = camera (x, gains, 0.7f, 1.0f);
      CcNirSignal signal;

      cc_nir_signal_fit (rgb, N, &signal);
      if (step > 0)
        g_assert_cmpfloat (fabsf (logf (signal.gain / last)), <, 0.05f);
      last = signal.gain;
    }
}

/* Float pictures hold anything: the gain stays finite and bounded, and
 * a picture with nothing usable keeps gain 1. */
static void
test_bad_values (void)
{
  const float bad[] = { NAN, INFINITY, -INFINITY, -3.0f, 7.0f, 0.5f, 1e30f, -0.0f };
  g_autofree float *rgb = g_new (float, 3 * N);
  CcNirSignal signal;

  for (gsize i = 0; i < 3 * N; i++)
    rgb[i] = bad[(i * 7 + i / 5) % G_N_ELEMENTS (bad)];
  cc_nir_signal_fit (rgb, N, &signal);
  g_assert_true (isfinite (signal.gain));
  g_assert_cmpfloat (signal.gain, >=, 1.0f / 8.0f);
  g_assert_cmpfloat (signal.gain, <=, 8.0f);

  for (gsize i = 0; i < 3 * N; i++)
    rgb[i] = i % 2 ? NAN : INFINITY;
  cc_nir_signal_fit (rgb, N, &signal);
  g_assert_cmpfloat (signal.gain, ==, 1.0f);

  memset (rgb, 0, 3 * N * sizeof (float));
  cc_nir_signal_fit (rgb, N, &signal);
  g_assert_cmpfloat (signal.gain, ==, 1.0f);
  cc_nir_signal_fit (rgb, 0, &signal);
  g_assert_cmpfloat (signal.gain, ==, 1.0f);

  /* Nearly black and cast: the gain is bounded. */
  for (gsize i = 0; i < N; i++)
    rgb[3 * i] = 1e-4f;
  cc_nir_signal_fit (rgb, N, &signal);
  g_assert_cmpfloat (signal.gain, ==, 8.0f);
}

/* NIR mode mixes the colour with the neutral picture (gain × luminance as
 * gray): at strength 0.5 of a gray colour the result is gray, not half
 * the input's red cast; gray mode ignores the gain; NaN pixels pass
 * through and float values outside [0, 1] are not clipped. */
static void
test_neutral_blend (void)
{
  const float in[4] = { 0.8f, 0.4f, 0.3f, 0.6f };
  const float colour[3] = { 0.5f, 0.5f, 0.5f };
  const float gain = 1.5f;
  const float v = CLAMP (gain * cc_luma (in), 0.0f, 1.0f);
  float out[4], out2[4];

  cc_blend (in, colour, 0.5f, FALSE, gain, out);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (out[k], 0.5f * (v + 0.5f), 1e-6);
  g_assert_cmpfloat (out[3], ==, in[3]);
  cc_blend (in, colour, 0.0f, FALSE, gain, out);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (out[k], v, 1e-6);

  /* A bright pixel's neutral value is clipped as the network saw it. */
  const float bright[4] = { 0.9f, 0.9f, 0.9f, 1.0f };
  cc_blend (bright, colour, 0.0f, FALSE, gain, out);
  g_assert_cmpfloat (out[0], ==, 1.0f);

  cc_blend (in, colour, 0.5f, TRUE, 1.0f, out);
  cc_blend (in, colour, 0.5f, TRUE, gain, out2);
  g_assert_cmpmem (out, sizeof out, out2, sizeof out2);

  const float hdr[4] = { 2.0f, 2.0f, 2.0f, 1.0f };
  cc_blend (hdr, colour, 0.0f, FALSE, gain, out);
  g_assert_cmpfloat_with_epsilon (out[0], gain * 2.0f, 1e-5);

  const float nan_px[4] = { NAN, 0.2f, 0.2f, 1.0f };
  cc_blend (nan_px, colour, 1.0f, FALSE, gain, out);
  g_assert_true (isnan (out[0]));
  g_assert_cmpfloat (out[1], ==, 0.2f);

  /* The guide is the same signal, finite and within [0, 1]. */
  g_assert_cmpfloat_with_epsilon (cc_guide (in, gain), v, 1e-6);
  g_assert_cmpfloat (cc_guide (nan_px, gain), ==, 0.0f);
  g_assert_cmpfloat (cc_guide (hdr, gain), ==, 1.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nir-signal/gray-unchanged", test_gray_unchanged);
  g_test_add_func ("/nir-signal/gray-noise", test_gray_noise);
  g_test_add_func ("/nir-signal/camera-cast", test_camera_cast);
  g_test_add_func ("/nir-signal/pure-red", test_pure_red);
  g_test_add_func ("/nir-signal/continuous", test_continuous);
  g_test_add_func ("/nir-signal/bad-values", test_bad_values);
  g_test_add_func ("/nir-signal/neutral-blend", test_neutral_blend);
  return g_test_run ();
}
