/* The op's colour steps on OpenCL (PoCL here) against the CPU path:
 * guided upsampling's apply step and the blend (cc-guided.c, cc-blend.h)
 * within 1e-4 on odd sizes and tiles at the picture's edges, with NIR
 * signal gains (cc-nir-signal.h) of 1 and others, tiles that
 * agree with the whole picture, GEGL-like threads sharing one device
 * object, and the injected faults turned into errors (the op's fall-back
 * on them is tested in tests/op). */
#include "config.h"

#include <math.h>

#include "cc-blend.h"
#include "cc-cl-colour.h"
#include "cc-guided.h"
#include "cc-opencl.h"

#define TOLERANCE 1e-4

/* A full-resolution picture and the guided model fitted on its small
 * version, as the op makes them. */
typedef struct
{
  int W, H;
  float *rgba; /* W x H R'G'B'A */
  CcGuidedModel *model;
} Picture;

/* Pixels a little outside [0, 1], as float pictures have, a few NaN and
 * infinite ones, alpha anywhere in [0, 1]. */
static Picture *
picture_new (int W, int H, int sw, int sh, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (seed);
  Picture *p = g_new0 (Picture, 1);
  gsize n = (gsize)W * H, sn = (gsize)sw * sh;
  g_autofree float *guide = g_new (float, sn);
  g_autofree float *src = g_new (float, 3 * sn);

  p->W = W;
  p->H = H;
  p->rgba = g_new (float, 4 * n);
  for (gsize i = 0; i < 4 * n; i++)
    p->rgba[i] = (float)g_rand_double_range (rand, -0.05, 1.05);
  for (gsize i = 0; i < n; i += 97)
    p->rgba[4 * i + i % 3] = i % 2 ? NAN : INFINITY;
  for (gsize i = 0; i < sn; i++)
    guide[i] = (float)g_rand_double (rand);
  for (gsize i = 0; i < 3 * sn; i++)
    src[i] = (float)g_rand_double (rand);
  p->model = cc_guided_fit (guide, src, sw, sh, 3, 2, 1e-3f, &error);
  g_assert_no_error (error);
  g_rand_free (rand);
  return p;
}

static void
picture_free (Picture *p)
{
  cc_guided_model_free (p->model);
  g_free (p->rgba);
  g_free (p);
}

/* The tile's input pixels. */
static float *
crop (const Picture *p, int x0, int y0, int cols, int rows)
{
  float *in = g_new (float, (gsize)4 * cols * rows);

  for (int y = 0; y < rows; y++)
    memcpy (in + (gsize)4 * y * cols, p->rgba + 4 * ((gsize)(y0 + y) * p->W + x0),
            (gsize)4 * cols * sizeof (float));
  return in;
}

/* What the op's CPU path makes of the tile (cc-prediction.c). */
static float *
cpu_tile (const Picture *p, int x0, int y0, int cols, int rows, float strength, gboolean keep,
          float gain)
{
  gsize n = (gsize)cols * rows;
  g_autofree float *in = crop (p, x0, y0, cols, rows);
  g_autofree float *guide = g_new (float, n);
  g_autofree float *colour = g_new (float, 3 * n);
  float *out = g_new (float, 4 * n);

  for (gsize i = 0; i < n; i++)
    guide[i] = cc_guide (in + 4 * i, gain);
  cc_guided_apply (p->model, p->W, p->H, x0, y0, cols, rows, guide, colour);
  for (gsize i = 0; i < n; i++)
    cc_blend (in + 4 * i, colour + 3 * i, strength, keep, gain, out + 4 * i);
  return out;
}

static float *
cl_tile (CcClColour *c, const Picture *p, int x0, int y0, int cols, int rows, float strength,
         gboolean keep, float gain)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *in = crop (p, x0, y0, cols, rows);
  float *out = g_new (float, (gsize)4 * cols * rows);

  g_assert_true (cc_cl_colour_guided (c, p->W, p->H, x0, y0, cols, rows, in, strength, keep, gain,
                                      out, &error));
  g_assert_no_error (error);
  return out;
}

/* Largest difference; NaN where the other has NaN counts as equal, as do
 * equal infinities (such pixels pass through), and alpha must be exactly
 * the input's (every 4th float). */
static double
max_error (const float *a, const float *b, gsize n_floats)
{
  double e = 0;

  for (gsize i = 0; i < n_floats; i++)
    {
      if (isnan (a[i]) || isnan (b[i]))
        g_assert_true (isnan (a[i]) && isnan (b[i]));
      else if (i % 4 == 3 || isinf (a[i]) || isinf (b[i]))
        g_assert_cmpfloat (a[i], ==, b[i]);
      else
        e = MAX (e, fabs ((double)a[i] - b[i]));
    }
  return e;
}

static CcClColour *
colour_new (const CcGuidedModel *model)
{
  g_autoptr (GError) error = NULL;
  CcClColour *c = cc_cl_colour_new (CC_DEVICE_OPENCL, model, &error);

  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

/* Odd sizes, small pictures larger and smaller than the full one (the
 * op never upscales, but the arithmetic must not care), tiles of GEGL's
 * kind and odd ones, at every edge, in both modes, two strengths and
 * three gains (NIR mode's neutral picture and guide depend on it). */
static void
test_guided_matches_cpu (void)
{
  const struct
  {
    int W, H, sw, sh, tile_w, tile_h;
  } cases[]
      = { { 301, 187, 37, 23, 64, 64 }, { 97, 211, 41, 89, 45, 31 }, { 1, 1, 1, 1, 1, 1 },
          { 53, 1, 7, 1, 13, 1 },       { 1, 37, 1, 5, 1, 9 },       { 29, 31, 40, 43, 29, 31 } };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      Picture *p = picture_new (cases[k].W, cases[k].H, cases[k].sw, cases[k].sh, 10 + k);
      g_autoptr (CcClColour) c = colour_new (p->model);
      int tw = cases[k].tile_w, th = cases[k].tile_h;

      for (int keep = 0; keep <= 1; keep++)
        for (int s = 0; s < 6; s++)
          {
            static const float gains[] = { 1.0f, 1.7f, 0.6f };
            float strength = s % 2 ? 0.37f : 1.0f, gain = gains[s / 2];
            double err;
            /* The whole picture, then tiles, the last ones cut by the edges;
             * every tile's pixels must be the whole picture's. */
            g_autofree float *whole = cl_tile (c, p, 0, 0, p->W, p->H, strength, keep, gain);
            g_autofree float *want = cpu_tile (p, 0, 0, p->W, p->H, strength, keep, gain);

            err = max_error (want, whole, (gsize)4 * p->W * p->H);
            /* Not g_error (): PoCL's LLVM catches its SIGTRAP and hangs. */
            if (err > TOLERANCE)
              g_test_message ("case %u keep %d strength %g gain %g: whole picture off by %g", k,
                              keep, strength, gain, err);
            g_assert_cmpfloat (err, <=, TOLERANCE);
            for (int y0 = 0; y0 < p->H; y0 += th)
              for (int x0 = 0; x0 < p->W; x0 += tw)
                {
                  int cols = MIN (tw, p->W - x0), rows = MIN (th, p->H - y0);
                  g_autofree float *got = cl_tile (c, p, x0, y0, cols, rows, strength, keep, gain);
                  g_autofree float *cpu = cpu_tile (p, x0, y0, cols, rows, strength, keep, gain);

                  g_assert_cmpfloat (max_error (cpu, got, (gsize)4 * cols * rows), <=, TOLERANCE);
                  for (int y = 0; y < rows; y++)
                    g_assert_cmpfloat (max_error (whole + 4 * ((gsize)(y0 + y) * p->W + x0),
                                                  got + (gsize)4 * y * cols, (gsize)4 * cols),
                                       <=, 1e-6);
                }
          }
      picture_free (p);
    }
}

/* GEGL renders tiles from several threads at once, all through the
 * prediction's one CcClColour. */
typedef struct
{
  CcClColour *c;
  const Picture *p;
  int row; /* of 32-pixel tiles */
} Job;

static gpointer
render_row (gpointer data)
{
  Job *job = data;
  const Picture *p = job->p;

  for (int x0 = 0; x0 < p->W; x0 += 32)
    {
      int y0 = job->row * 32, cols = MIN (32, p->W - x0), rows = MIN (32, p->H - y0);
      g_autofree float *got = cl_tile (job->c, p, x0, y0, cols, rows, 0.9f, job->row % 2, 1.3f);
      g_autofree float *cpu = cpu_tile (p, x0, y0, cols, rows, 0.9f, job->row % 2, 1.3f);

      g_assert_cmpfloat (max_error (cpu, got, (gsize)4 * cols * rows), <=, TOLERANCE);
    }
  return NULL;
}

static void
test_threads (void)
{
  Picture *p = picture_new (200, 150, 51, 38, 40);
  g_autoptr (CcClColour) c = colour_new (p->model);
  GThread *threads[5];
  Job jobs[G_N_ELEMENTS (threads)];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      jobs[t] = (Job){ c, p, (int)t };
      threads[t] = g_thread_new ("tile", render_row, &jobs[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  picture_free (p);
}

/* ---- faults ---- */

typedef struct
{
  const char *fault;
  gboolean at_new; /* fails in cc_cl_colour_new () */
  int code;        /* CcClError */
} Fault;

static const Fault faults[] = {
  { "no-platform", TRUE, CC_CL_ERROR_NO_PLATFORM },
  { "build", TRUE, CC_CL_ERROR_BUILD },
  { "alloc", TRUE, CC_CL_ERROR_ALLOC },
  { "resources", FALSE, CC_CL_ERROR_RESOURCES },
  { "lost", FALSE, CC_CL_ERROR_LOST },
  { "colour", FALSE, CC_CL_ERROR_RESOURCES },
};

/* Each injected fault is an error of the kind the op falls back on, at
 * creation or at the first tile; nothing else goes wrong (ASan, LSan). */
static void
test_fault (gconstpointer data)
{
  const Fault *f = data;
  Picture *p = picture_new (64, 48, 16, 12, 50);
  g_autoptr (GError) error = NULL;
  g_autoptr (CcClColour) c = NULL;
  g_autofree float *in = crop (p, 0, 0, p->W, p->H);
  g_autofree float *out = g_new (float, (gsize)4 * p->W * p->H);

  g_setenv ("COCOLOR_OPENCL_FAULT", f->fault, TRUE);
  cc_cl_shutdown ();
  c = cc_cl_colour_new (CC_DEVICE_OPENCL, p->model, &error);
  if (f->at_new)
    g_assert_null (c);
  else
    {
      g_assert_no_error (error);
      g_assert_false (cc_cl_colour_guided (c, p->W, p->H, 0, 0, p->W, p->H, in, 1.0f, FALSE, 1.0f,
                                           out, &error));
    }
  g_assert_error (error, CC_CL_ERROR, f->code);

  /* The user hears of it once, as of the network's failures. */
  g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE, "OpenCL cannot run the network*");
  cc_cl_colour_fall_back (CC_DEVICE_OPENCL, error);
  cc_cl_colour_fall_back (CC_DEVICE_OPENCL, error);
  g_test_assert_expected_messages ();

  g_unsetenv ("COCOLOR_OPENCL_FAULT");
  cc_cl_shutdown ();
  picture_free (p);
}

/* auto takes a GPU only; without one the CPU does the colour steps,
 * silently (a warning here would be fatal). */
static void
test_auto (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcClRuntime) rt = cc_cl_runtime_get (FALSE, &error);
  g_autoptr (CcClColour) c = NULL;

  g_assert_no_error (error);
  c = cc_cl_colour_new (CC_DEVICE_AUTO, NULL, &error);
  if (rt->is_gpu)
    g_assert_nonnull (c);
  else
    {
      g_assert_null (c);
      g_assert_error (error, CC_CL_ERROR, CC_CL_ERROR_NO_GPU);
      cc_cl_colour_fall_back (CC_DEVICE_AUTO, error);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("COCOLOR_OPENCL_FAULT");
  g_unsetenv ("COCOLOR_DEVICE");
  g_test_add_func ("/cl-colour/guided", test_guided_matches_cpu);
  g_test_add_func ("/cl-colour/threads", test_threads);
  g_test_add_func ("/cl-colour/auto", test_auto);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cl-colour/fault/%s", faults[i].fault);
      g_test_add_data_func (name, &faults[i], test_fault);
    }
  status = g_test_run ();
  cc_cl_shutdown (); /* releases the context: nothing left for LeakSanitizer */
  return status;
}
