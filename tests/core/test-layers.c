/* CPU backend and interpreter against a naive reference written here, loop
 * by loop, for every layer type; results are identical whatever the thread
 * count or in-place choices of the plan. */
#include "config.h"

#include <string.h>

#include "cc-cpu.h"
#include "cc-forward.h"
#include "graph-builder.h"

typedef struct
{
  int c, h, w;
  float *d;
} Ref;

static float
act_ref (CcActivation act, float alpha, double v)
{
  switch (act)
    {
    case CC_ACT_RELU:
      return v > 0 ? v : 0;
    case CC_ACT_LEAKY_RELU:
      return v > 0 ? v : v * alpha;
    case CC_ACT_SILU:
      return v / (1 + exp (-v));
    case CC_ACT_SIGMOID:
      return 1 / (1 + exp (-v));
    case CC_ACT_TANH:
      return tanh (v);
    case CC_ACT_NONE:
    default:
      return v;
    }
}

static float
at (const Ref *r, int c, int y, int x)
{
  return r->d[((gsize)c * r->h + y) * r->w + x];
}

static float
bilinear_ref (const Ref *a, int c, int oy, int ox)
{
  double sy = MAX ((oy + 0.5) / 2 - 0.5, 0), sx = MAX ((ox + 0.5) / 2 - 0.5, 0);
  int y0 = (int)sy, x0 = (int)sx;
  int y1 = MIN (y0 + 1, a->h - 1), x1 = MIN (x0 + 1, a->w - 1);
  double ly = sy - y0, lx = sx - x0;
  return (1 - ly) * ((1 - lx) * at (a, c, y0, x0) + lx * at (a, c, y0, x1))
         + ly * ((1 - lx) * at (a, c, y1, x0) + lx * at (a, c, y1, x1));
}

/* The graph evaluated the obvious way, one fresh buffer per value. */
static Ref *
run_reference (const CcModel *m, const float *input, int h, int w)
{
  Ref *v = g_new0 (Ref, m->n_nodes + 1);

  v[0] = (Ref){ m->info.input_channels, h, w,
                g_memdup2 (input, sizeof (float) * m->info.input_channels * h * w) };
  for (int i = 0; i < m->n_nodes; i++)
    {
      const CcNode *n = &m->nodes[i];
      const Ref *a = &v[n->inputs[0]], *b = n->n_inputs > 1 ? &v[n->inputs[1]] : NULL;
      Ref *o = &v[i + 1];

      switch (n->op)
        {
        case CC_OP_CONV2D:
          o->c = n->out_channels;
          o->h = (a->h + 2 * n->padding - n->kernel) / n->stride + 1;
          o->w = (a->w + 2 * n->padding - n->kernel) / n->stride + 1;
          break;
        case CC_OP_CONCAT:
          *o = (Ref){ 0, a->h, a->w, NULL };
          for (int k = 0; k < n->n_inputs; k++)
            o->c += v[n->inputs[k]].c;
          break;
        case CC_OP_UPSAMPLE_NEAREST:
        case CC_OP_UPSAMPLE_BILINEAR:
          *o = (Ref){ a->c, a->h * 2, a->w * 2, NULL };
          break;
        case CC_OP_AVGPOOL2:
          *o = (Ref){ a->c, a->h / 2, a->w / 2, NULL };
          break;
        case CC_OP_GLOBAL_AVGPOOL:
          *o = (Ref){ a->c, 1, 1, NULL };
          break;
        case CC_OP_MUL:
          *o = a->h * a->w >= b->h * b->w ? *a : *b;
          break;
        default:
          *o = *a;
          break;
        }
      o->d = g_new0 (float, (gsize)o->c * o->h * o->w);

      for (int c = 0; c < o->c; c++)
        for (int y = 0; y < o->h; y++)
          for (int x = 0; x < o->w; x++)
            {
              double r = 0;
              switch (n->op)
                {
                case CC_OP_CONV2D:
                  r = n->bias ? n->bias->data[c] : 0;
                  for (int ci = 0; ci < a->c; ci++)
                    for (int ky = 0; ky < n->kernel; ky++)
                      for (int kx = 0; kx < n->kernel; kx++)
                        {
                          int iy = y * n->stride - n->padding + ky;
                          int ix = x * n->stride - n->padding + kx;
                          if (iy >= 0 && iy < a->h && ix >= 0 && ix < a->w)
                            r += (double)at (a, ci, iy, ix)
                                 * n->weight
                                       ->data[((c * a->c + ci) * n->kernel + ky) * n->kernel + kx];
                        }
                  r = act_ref (n->act, n->alpha, r);
                  break;
                case CC_OP_RELU:
                  r = act_ref (CC_ACT_RELU, 0, at (a, c, y, x));
                  break;
                case CC_OP_LEAKY_RELU:
                  r = act_ref (CC_ACT_LEAKY_RELU, n->alpha, at (a, c, y, x));
                  break;
                case CC_OP_SILU:
                  r = act_ref (CC_ACT_SILU, 0, at (a, c, y, x));
                  break;
                case CC_OP_SIGMOID:
                  r = act_ref (CC_ACT_SIGMOID, 0, at (a, c, y, x));
                  break;
                case CC_OP_TANH:
                  r = act_ref (CC_ACT_TANH, 0, at (a, c, y, x));
                  break;
                case CC_OP_ADD:
                  r = at (a, c, y, x) + at (b, c, y, x);
                  break;
                case CC_OP_MUL:
                  r = (double)at (a, c, MIN (y, a->h - 1), MIN (x, a->w - 1))
                      * at (b, c, MIN (y, b->h - 1), MIN (x, b->w - 1));
                  break;
                case CC_OP_CONCAT:
                  {
                    int k = 0, cc = c;
                    while (cc >= v[n->inputs[k]].c)
                      cc -= v[n->inputs[k++]].c;
                    r = at (&v[n->inputs[k]], cc, y, x);
                  }
                  break;
                case CC_OP_UPSAMPLE_NEAREST:
                  r = at (a, c, y / 2, x / 2);
                  break;
                case CC_OP_UPSAMPLE_BILINEAR:
                  r = bilinear_ref (a, c, y, x);
                  break;
                case CC_OP_AVGPOOL2:
                  r = (at (a, c, 2 * y, 2 * x) + at (a, c, 2 * y, 2 * x + 1)
                       + at (a, c, 2 * y + 1, 2 * x) + at (a, c, 2 * y + 1, 2 * x + 1))
                      / 4.0;
                  break;
                case CC_OP_GLOBAL_AVGPOOL:
                  for (int yy = 0; yy < a->h; yy++)
                    for (int xx = 0; xx < a->w; xx++)
                      r += at (a, c, yy, xx);
                  r /= a->h * a->w;
                  break;
                default:
                  g_assert_not_reached ();
                }
              o->d[((gsize)c * o->h + y) * o->w + x] = r;
            }
    }
  return v;
}

static float *
random_input (int n, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *d = g_new (float, n);
  for (int i = 0; i < n; i++)
    d[i] = g_rand_double (rand);
  g_rand_free (rand);
  return d;
}

static float *
run_core (const CcModel *m, const float *input, int h, int w, int threads,
          const CcPlanOptions *options, gsize *out_n)
{
  g_autoptr (GError) error = NULL;
  CcPlan *plan = cc_plan_new (m, h, w, options, &error);
  g_autoptr (CcForward) fw = NULL;
  float *out;

  g_assert_no_error (error);
  fw = cc_forward_new (m, plan, threads, &error);
  g_assert_no_error (error);
  {
    CcShape s = plan->values[m->output].shape;
    *out_n = (gsize)s.c * s.h * s.w;
  }
  out = g_new (float, *out_n);
  g_assert_true (cc_forward_run (fw, input, out, &error));
  g_assert_no_error (error);
  return out;
}

/* Runs model on the core (2 threads) and the reference; max abs error. */
static double
compare (const CcModel *m, int h, int w)
{
  g_autofree float *input = random_input (m->info.input_channels * h * w, 42);
  gsize n;
  g_autofree float *got = run_core (m, input, h, w, 2, NULL, &n);
  Ref *ref = run_reference (m, input, h, w);
  const Ref *o = &ref[m->output];
  double err = 0;

  g_assert_cmpuint (n, ==, (gsize)o->c * o->h * o->w);
  for (gsize i = 0; i < n; i++)
    err = MAX (err, fabs ((double)got[i] - o->d[i]));
  for (int v = 0; v <= m->n_nodes; v++)
    g_free (ref[v].d);
  g_free (ref);
  return err;
}

static void
test_convolutions (void)
{
  int sizes[][2] = { { 13, 10 }, { 32, 24 }, { 7, 9 } };
  const CcActivation acts[]
      = { CC_ACT_NONE, CC_ACT_RELU, CC_ACT_LEAKY_RELU, CC_ACT_SILU, CC_ACT_SIGMOID, CC_ACT_TANH };

  for (int k = 1; k <= 3; k += 2)
    for (int s = 1; s <= 2; s++)
      for (int p = 0; p <= k / 2; p++)
        for (guint a = 0; a < G_N_ELEMENTS (acts); a++)
          for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
            {
              GraphBuilder *gb = gb_new (5, 100 + a);
              double err;
              gb_conv (gb, 0, 5, 6, k, s, p, a % 2 == 0, acts[a]);
              err = compare (&gb->model, sizes[z][0], sizes[z][1]);
              if (err > 1e-5)
                g_error ("conv k%d s%d p%d act %d %dx%d: error %g", k, s, p, acts[a], sizes[z][0],
                         sizes[z][1], err);
              gb_free (gb);
            }
}

/* The CPU backend's direct 3x3 kernel (where the CPU has AVX-512) at its
 * edges: several 32-pixel blocks and a partial one, input channels in
 * several chunks and a partial one, a partial block of output channels,
 * padding 0 to 2, stride 1 and 2.  Checked against the reference, against
 * the portable im2col path, and bit for bit across thread counts. */
static void
test_direct_convolutions (void)
{
  int sizes[][2] = { { 5, 70 }, { 34, 33 }, { 3, 17 } };
  const CcActivation acts[] = { CC_ACT_RELU, CC_ACT_NONE, CC_ACT_SIGMOID };
  g_autoptr (CcCpu) cpu = cc_cpu_new (1, NULL);

  if (!cc_cpu_get_direct (cpu))
    g_test_message ("no AVX-512 here: both runs take the im2col path");
  for (int s = 1; s <= 2; s++)
    for (int p = 0; p <= 2; p++)
      for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
        {
          GraphBuilder *gb = gb_new (37, 200 + z);
          int h = sizes[z][0], w = sizes[z][1];
          g_autofree float *input = random_input (37 * h * w, 7);
          g_autofree float *direct = NULL;
          g_autofree float *im2col = NULL;
          gsize n, n2;
          double err;

          gb_conv (gb, 0, 37, 21, 3, s, p, z != 1, acts[(s + p + z) % G_N_ELEMENTS (acts)]);
          err = compare (&gb->model, h, w);
          if (err > 1e-5)
            g_error ("direct conv s%d p%d %dx%d: error %g", s, p, h, w, err);
          direct = run_core (&gb->model, input, h, w, 1, NULL, &n);
          for (int threads = 2; threads <= 3; threads++)
            {
              g_autofree float *again = run_core (&gb->model, input, h, w, threads, NULL, &n2);
              if (memcmp (again, direct, n * sizeof (float)) != 0)
                g_error ("direct conv s%d p%d %dx%d: %d threads differ", s, p, h, w, threads);
            }
          g_setenv ("COCOLOR_CPU_DIRECT", "0", TRUE);
          im2col = run_core (&gb->model, input, h, w, 2, NULL, &n2);
          g_unsetenv ("COCOLOR_CPU_DIRECT");
          g_assert_cmpuint (n2, ==, n);
          for (gsize i = 0; i < n; i++)
            if (fabsf (direct[i] - im2col[i]) > 1e-5f)
              g_error ("direct conv s%d p%d %dx%d: direct and im2col differ at %" G_GSIZE_FORMAT, s,
                       p, h, w, i);
          gb_free (gb);
        }
}

/* The CPU backend's Winograd path, F(4x4, 3x3) (3x3, stride 1, padding 1, at least 16 input
 * channels, where the CPU has AVX-512): odd sizes, one row, one column, tile rows in several items
 * and a partial one, items that span two tile rows, input channels in one, two and three passes and
 * counts that are not multiples of the vector width, partial blocks of output channels, every
 * activation.  Checked against the reference, against the direct kernel, and bit for bit across
 * thread counts. */
static void
test_winograd_convolutions (void)
{
  int sizes[][2] = { { 1, 40 }, { 37, 1 },  { 2, 2 },  { 5, 70 }, { 34, 33 },
                     { 3, 17 }, { 4, 131 }, { 9, 64 }, { 6, 65 } };
  const char *variants[] = { "4" };
  int channels[][2] = { { 16, 8 }, { 37, 21 }, { 75, 3 }, { 150, 17 } };
  const CcActivation acts[]
      = { CC_ACT_RELU, CC_ACT_NONE, CC_ACT_SIGMOID, CC_ACT_LEAKY_RELU, CC_ACT_SILU, CC_ACT_TANH };
  g_autoptr (CcCpu) cpu = cc_cpu_new (1, NULL);

  if (!cc_cpu_get_winograd (cpu))
    g_test_message ("no AVX-512 here: the runs take the im2col path");
  for (guint m = 0; m < G_N_ELEMENTS (variants); m++)
    for (guint c = 0; c < G_N_ELEMENTS (channels); c++)
      for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
        {
          int ci = channels[c][0], co = channels[c][1], h = sizes[z][0], w = sizes[z][1];
          GraphBuilder *gb = gb_new (ci, 300 + 10 * c + z);
          g_autofree float *input = random_input (ci * h * w, 11 + z);
          g_autofree float *wino = NULL;
          g_autofree float *direct = NULL;
          gsize n, n2;
          double err;

          /* The largest channel count on the smaller sizes only: the
           * reference is slow. */
          if (ci > 100 && h * w > 600)
            {
              gb_free (gb);
              continue;
            }
          gb_conv (gb, 0, ci, co, 3, 1, 1, z != 2, acts[(c + z + m) % G_N_ELEMENTS (acts)]);
          g_setenv ("COCOLOR_CPU_WINOGRAD", variants[m], TRUE);
          err = compare (&gb->model, h, w);
          if (err > 1e-5)
            g_error ("winograd F(%s) conv %d->%d %dx%d: error %g", variants[m], ci, co, h, w, err);
          wino = run_core (&gb->model, input, h, w, 1, NULL, &n);
          for (int threads = 2; threads <= 3; threads++)
            {
              g_autofree float *again = run_core (&gb->model, input, h, w, threads, NULL, &n2);
              if (memcmp (again, wino, n * sizeof (float)) != 0)
                g_error ("winograd F(%s) conv %d->%d %dx%d: %d threads differ", variants[m], ci, co,
                         h, w, threads);
            }
          g_setenv ("COCOLOR_CPU_WINOGRAD", "0", TRUE);
          direct = run_core (&gb->model, input, h, w, 2, NULL, &n2);
          g_unsetenv ("COCOLOR_CPU_WINOGRAD");
          g_assert_cmpuint (n2, ==, n);
          for (gsize i = 0; i < n; i++)
            if (fabsf (wino[i] - direct[i]) > 1e-5f)
              g_error ("winograd F(%s) conv %d->%d %dx%d: Winograd and direct differ at "
                       "%" G_GSIZE_FORMAT,
                       variants[m], ci, co, h, w, i);
          gb_free (gb);
        }
}

static void
test_other_layers (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (gb_unary_ops); i++)
    {
      GraphBuilder *gb = gb_new (3, 1);
      /* A conv first so the op reads an arena value, not the input copy. */
      int x = gb_conv (gb, 0, 3, 4, 1, 1, 0, TRUE, CC_ACT_NONE);
      gb_unary (gb, gb_unary_ops[i], x);
      g_assert_cmpfloat (compare (&gb->model, 11, 14), <, 1e-5);
      g_assert_cmpfloat (compare (&gb->model, 2, 3), <, 1e-5);
      gb_free (gb);
    }
  {
    GraphBuilder *gb = gb_new (3, 2);
    int x = gb_conv (gb, 0, 3, 4, 1, 1, 0, TRUE, CC_ACT_NONE);
    int y = gb_conv (gb, 0, 3, 4, 3, 1, 1, TRUE, CC_ACT_NONE);
    int g = gb_unary (gb, CC_OP_GLOBAL_AVGPOOL, y);
    int s = gb_binary (gb, CC_OP_ADD, x, y);
    int m1 = gb_binary (gb, CC_OP_MUL, s, x);
    int m2 = gb_binary (gb, CC_OP_MUL, m1, g);
    int m3 = gb_binary (gb, CC_OP_MUL, m2, g);
    int in[4] = { m3, x, 0, m3 };
    gb_node (gb, CC_OP_CONCAT, 4, in);
    g_assert_cmpfloat (compare (&gb->model, 9, 12), <, 1e-5);
    gb_free (gb);
  }
}

/* The U-Net through the reference, and the core under every thread count
 * and plan option: identical bits. */
static void
test_unet_deterministic (void)
{
  GraphBuilder *gb = gb_new (1, 3);
  int h = 48, w = 40;
  g_autofree float *input = NULL;
  g_autofree float *first = NULL;
  g_autofree float *whole = NULL;
  CcPlanOptions options;
  gsize n;

  gb_unet (gb, 1, 8, 3);
  input = random_input (h * w, 9);
  g_assert_cmpfloat (compare (&gb->model, h, w), <, 1e-5);

  /* Both convolution paths where the CPU has the direct kernel: it ignores
   * the im2col tiling, the im2col path must be deterministic too. */
  for (int path = 0; path < 2; path++)
    {
      if (path == 1)
        g_setenv ("COCOLOR_CPU_DIRECT", "0", TRUE);
      /* The im2col tile size changes the GEMM's shape, hence rounding: compare
       * bits only between runs of the same tiling. */
      for (int tile = 0; tile < 2; tile++)
        {
          cc_plan_options_init (&options);
          options.im2col_tile_bytes = tile ? 4096 : 0;
          options.min_tile_cols = 16; /* parts of rows even at this small size */
          g_free (first);
          first = run_core (&gb->model, input, h, w, 1, &options, &n);
          if (tile == 0)
            {
              g_free (whole);
              whole = g_memdup2 (first, n * sizeof (float));
            }
          /* Small tiles (parts of rows) agree with whole rows to rounding. */
          for (gsize i = 0; i < n; i++)
            g_assert_cmpfloat (fabsf (first[i] - whole[i]), <, 1e-5);
          for (int threads = 1; threads <= 3; threads++)
            for (int in_place = 0; in_place < 2; in_place++)
              {
                g_autofree float *again = NULL;
                gsize n2;
                options.concat_in_place = options.elementwise_in_place = in_place;
                again = run_core (&gb->model, input, h, w, threads, &options, &n2);
                g_assert_cmpuint (n2, ==, n);
                if (memcmp (again, first, n * sizeof (float)) != 0)
                  g_error ("threads %d in place %d tile %d: results differ", threads, in_place,
                           tile);
              }
        }
      g_unsetenv ("COCOLOR_CPU_DIRECT");
    }
  gb_free (gb);
}

/* The CPU backend makes all it needs when it is made, counted in the
 * plan's peak: under a cap of exactly the peak it is made and runs; under
 * a cap that cannot fit, making it fails with a GError (no abort). */
static void
test_memory_cap (void)
{
  GraphBuilder *gb = gb_new (3, 77);
  int x = gb_conv (gb, 0, 3, 16, 3, 1, 1, TRUE, CC_ACT_RELU);
  g_autofree float *input = random_input (3 * 64 * 48, 5);
  const int threads = 2;

  x = gb_conv (gb, x, 16, 32, 3, 1, 1, TRUE, CC_ACT_RELU); /* Winograd where there is AVX-512 */
  x = gb_conv (gb, x, 32, 24, 3, 2, 1, TRUE, CC_ACT_NONE); /* direct */
  gb_conv (gb, x, 24, 2, 1, 1, 0, TRUE, CC_ACT_TANH);      /* GEMM */

  {
    g_autoptr (GError) error = NULL;
    CcPlan *plan = cc_plan_new (&gb->model, 64, 48, NULL, &error);
    g_autoptr (CcForward) fw = NULL;
    float out[2 * 32 * 24];

    g_assert_no_error (error);
    g_assert_cmpuint (plan->weights_bytes, >, 0);
    cc_cpu_set_memory_cap (cc_plan_peak_bytes (plan, threads));
    fw = cc_forward_new (&gb->model, plan, threads, &error);
    g_assert_no_error (error);
    g_assert_true (cc_forward_run (fw, input, out, &error));
    g_assert_no_error (error);
  }
  for (int k = 0; k < 3; k++)
    {
      g_autoptr (GError) error = NULL;
      CcPlan *plan = cc_plan_new (&gb->model, 64, 48, NULL, &error);
      /* Nothing; the arena alone; all but one byte of the peak (where the
       * backend takes all the plan counts: AVX-512 with Winograd). */
      gsize caps[] = { 0, plan->arena_bytes + 1, cc_plan_peak_bytes (plan, threads) - 1 };
      CcForward *fw;

      cc_cpu_set_memory_cap (caps[k]);
      fw = cc_forward_new (&gb->model, plan, threads, &error);
      if (k == 2 && fw != NULL)
        {
          g_test_message ("this CPU takes less than the plan counts (no AVX-512?)");
          cc_forward_free (fw);
          continue;
        }
      g_assert_null (fw);
      g_assert_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_MEMORY); /* the plan went with it */
    }
  cc_cpu_set_memory_cap (G_MAXSIZE);
  gb_free (gb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/layers/convolutions", test_convolutions);
  g_test_add_func ("/layers/direct-convolutions", test_direct_convolutions);
  g_test_add_func ("/layers/winograd-convolutions", test_winograd_convolutions);
  g_test_add_func ("/layers/others", test_other_layers);
  g_test_add_func ("/layers/unet-deterministic", test_unet_deterministic);
  g_test_add_func ("/layers/memory-cap", test_memory_cap);
  return g_test_run ();
}
