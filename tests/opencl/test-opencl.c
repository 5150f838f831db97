/* The OpenCL backend (on PoCL here) against the CPU backend: every layer
 * type and whole U-Nets within 1e-4; each injected fault falls back to the
 * CPU with one warning and the same picture; the program-binary cache is
 * reused and survives corrupt and foreign files.
 *
 * XDG_CACHE_HOME points into the build tree (meson), so the suite's
 * processes share PoCL's and our compiled kernels. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cc-backends.h"
#include "cc-forward.h"
#include "cc-cl-cache.h"
#include "cc-opencl.h"
#include "graph-builder.h"

#define TOLERANCE 1e-4

static float *
random_input (gsize n, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *d = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    d[i] = (float)g_rand_double_range (rand, -1.0, 1.0);
  g_rand_free (rand);
  return d;
}

/* The model's output at h x w on device; *used: the backend that ran. */
static float *
run (const CcModel *m, int h, int w, CcDevice device, CcDevice *used, gsize *n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcForward) fw = NULL;
  g_autofree float *input = random_input ((gsize)m->info.input_channels * h * w, 7);
  CcPlan *plan = cc_plan_new (m, h, w, NULL, &error);
  CcShape s;
  float *out;

  g_assert_no_error (error);
  fw = cc_forward_new_on (m, plan, 2, device, &error);
  g_assert_no_error (error);
  s = plan->values[m->output].shape;
  *n = (gsize)s.c * s.h * s.w;
  out = g_new (float, *n);
  g_assert_true (cc_forward_run (fw, input, out, &error));
  g_assert_no_error (error);
  *used = cc_forward_get_device (fw);
  return out;
}

static double
max_error (const float *a, const float *b, gsize n)
{
  double e = 0;

  for (gsize i = 0; i < n; i++)
    e = MAX (e, fabs ((double)a[i] - b[i]));
  return e;
}

/* OpenCL against the CPU; fails unless OpenCL itself ran. */
static double
compare (const CcModel *m, int h, int w)
{
  CcDevice used;
  gsize n, n2;
  g_autofree float *cpu = run (m, h, w, CC_DEVICE_CPU, &used, &n);
  g_autofree float *cl = run (m, h, w, CC_DEVICE_OPENCL, &used, &n2);

  g_assert_cmpint (used, ==, CC_DEVICE_OPENCL);
  g_assert_cmpuint (n, ==, n2);
  return max_error (cpu, cl, n);
}

/* Convolutions run either way on every device (COCOLOR_OPENCL_CONV): our
 * direct kernels (CPU devices) or im2col + CLBlast (GPUs).  A new runtime
 * reads the variable. */
static void
set_conv_mode (const char *mode)
{
  if (mode)
    g_setenv ("COCOLOR_OPENCL_CONV", mode, TRUE);
  else
    g_unsetenv ("COCOLOR_OPENCL_CONV");
  cc_cl_shutdown ();
  if (mode)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CcClRuntime) rt = cc_cl_runtime_get (FALSE, &error);

      g_assert_no_error (error);
      g_assert_cmpint (rt->direct_conv, ==, strcmp (mode, "direct") == 0);
    }
}

static void
test_convolutions (gconstpointer data)
{
  const CcActivation acts[]
      = { CC_ACT_NONE, CC_ACT_RELU, CC_ACT_LEAKY_RELU, CC_ACT_SILU, CC_ACT_SIGMOID, CC_ACT_TANH };
  /* For the direct kernels' edges: several row segments and a partial one
   * (37 wide), a partial channel block (19), input channels in two slices
   * (40), a 1x1 read in place (32 wide), the generic kernel size (5). */
  const struct
  {
    int cin, cout, k, s, p, h, w;
  } shapes[]
      = { { 40, 19, 3, 1, 1, 21, 37 }, { 40, 19, 3, 2, 1, 21, 37 }, { 40, 19, 5, 1, 2, 21, 37 },
          { 7, 9, 5, 2, 2, 20, 34 },   { 40, 19, 1, 2, 0, 21, 37 }, { 40, 24, 1, 1, 0, 5, 32 } };

  set_conv_mode (data);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      GraphBuilder *gb = gb_new (shapes[i].cin, 200 + i);
      double err;

      gb_conv (gb, 0, shapes[i].cin, shapes[i].cout, shapes[i].k, shapes[i].s, shapes[i].p,
               i % 2 == 0, acts[i % G_N_ELEMENTS (acts)]);
      err = compare (&gb->model, shapes[i].h, shapes[i].w);
      /* g_assert, not g_error: g_error's SIGTRAP can hang in PoCL's handler. */
      if (err > TOLERANCE)
        g_test_message ("conv %d: error %g", i, err);
      g_assert_cmpfloat (err, <=, TOLERANCE);
      gb_free (gb);
    }
  for (int k = 1; k <= 3; k += 2)
    for (int s = 1; s <= 2; s++)
      for (int p = 0; p <= k / 2; p++)
        for (guint a = 0; a < G_N_ELEMENTS (acts); a++)
          {
            GraphBuilder *gb = gb_new (5, 100 + a);
            double err;

            gb_conv (gb, 0, 5, 6, k, s, p, a % 2 == 0, acts[a]);
            err = compare (&gb->model, 13, 10);
            if (err > TOLERANCE)
              g_test_message ("conv k%d s%d p%d act %d: error %g", k, s, p, acts[a], err);
            g_assert_cmpfloat (err, <=, TOLERANCE);
            gb_free (gb);
          }
  set_conv_mode (NULL);
}

static void
test_other_layers (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (gb_unary_ops); i++)
    {
      GraphBuilder *gb = gb_new (3, 1);
      /* A conv first, so the layer reads an arena value, not the input. */
      int x = gb_conv (gb, 0, 3, 4, 1, 1, 0, TRUE, CC_ACT_NONE);

      gb_unary (gb, gb_unary_ops[i], x);
      g_assert_cmpfloat (compare (&gb->model, 11, 14), <=, TOLERANCE);
      g_assert_cmpfloat (compare (&gb->model, 2, 3), <=, TOLERANCE);
      gb_free (gb);
    }
  {
    /* Add, mul (same shape, broadcast either side), concat of four. */
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
    g_assert_cmpfloat (compare (&gb->model, 9, 12), <=, TOLERANCE);
    gb_free (gb);
  }
  {
    /* A long plane for the global average pool's reduction. */
    GraphBuilder *gb = gb_new (2, 4);
    int x = gb_conv (gb, 0, 2, 3, 3, 1, 1, TRUE, CC_ACT_SIGMOID);

    gb_unary (gb, CC_OP_GLOBAL_AVGPOOL, x);
    g_assert_cmpfloat (compare (&gb->model, 300, 217), <=, TOLERANCE);
    gb_free (gb);
  }
}

static void
test_unets (void)
{
  GraphBuilder *gb = gb_new (1, 3);

  /* CLBlast (the GPUs' way) on one U-Net too. */
  set_conv_mode ("gemm");
  gb_unet (gb, 1, 8, 3);
  g_assert_cmpfloat (compare (&gb->model, 48, 40), <=, TOLERANCE);
  gb_free (gb);
  set_conv_mode (NULL);

  gb = gb_new (1, 3);
  gb_unet (gb, 1, 8, 3);
  g_assert_cmpfloat (compare (&gb->model, 48, 40), <=, TOLERANCE);
  g_assert_cmpfloat (compare (&gb->model, 128, 96), <=, TOLERANCE);
  gb_free (gb);

  gb = gb_new (1, 5);
  gb_unet (gb, 1, 16, 4);
  g_assert_cmpfloat (compare (&gb->model, 64, 80), <=, TOLERANCE);
  gb_free (gb);
}

/* ---- faults ---- */

/* Each fault, and the message that says it (the status by its name). */
static const char *faults[][2] = {
  { "no-platform", "*No OpenCL platform*" },
  { "build", "*do not build (CL_*" },
  { "resources", "*(CL_OUT_OF_RESOURCES in *" },
  { "alloc", "*more than * allows in one buffer*" },
  { "lost", "*stopped working (CL_DEVICE_NOT_AVAILABLE in clEnqueueReadBuffer)*" },
  { "clblast", "*CLBlast failed on * (CLBlastInvalidLeadDimA in CLBlastSgemm)*" },
};

/* With the fault injected: one message, and exactly the CPU's picture;
 * the next run (new forward pass) says no more. */
static void
test_fault (gconstpointer data)
{
  const char *const *fault_and_message = data;
  const char *fault = fault_and_message[0];
  g_autofree char *expected
      = g_strconcat ("OpenCL cannot run the network*", fault_and_message[1], NULL);
  GraphBuilder *gb = gb_new (1, 11);
  CcDevice used;
  gsize n, n2;
  g_autofree float *cpu = NULL;
  g_autofree float *got = NULL;
  g_autofree float *again = NULL;

  gb_unet (gb, 1, 8, 2);
  cpu = run (&gb->model, 32, 24, CC_DEVICE_CPU, &used, &n);

  g_setenv ("COCOLOR_OPENCL_FAULT", fault, TRUE);
  cc_cl_shutdown ();
  g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE, expected);
  got = run (&gb->model, 32, 24, CC_DEVICE_OPENCL, &used, &n2);
  g_test_assert_expected_messages ();
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_cmpuint (n, ==, n2);
  g_assert_cmpmem (cpu, n * sizeof (float), got, n2 * sizeof (float));

  /* Once: a second warning would be fatal here (g_test_init). */
  again = run (&gb->model, 32, 24, CC_DEVICE_OPENCL, &used, &n2);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_cmpmem (cpu, n * sizeof (float), again, n2 * sizeof (float));

  g_unsetenv ("COCOLOR_OPENCL_FAULT");
  cc_cl_shutdown ();
  gb_free (gb);
}

/* Out of resources or memory, from OpenCL or from CLBlast, fails one run
 * only: one message and the CPU's picture, then the next run is on OpenCL
 * again (OpenCL is not turned off for the process). */
static const char *once_faults[][2] = {
  { "resources-once", "*ran out of resources (CL_OUT_OF_RESOURCES in *" },
  { "clblast-memory", "*ran out of resources (CL_MEM_OBJECT_ALLOCATION_FAILURE in CLBlastSgemm)*" },
};

static void
test_fault_once (gconstpointer data)
{
  const char *const *fault_and_message = data;
  g_autofree char *expected
      = g_strconcat ("OpenCL cannot run the network*", fault_and_message[1], NULL);
  GraphBuilder *gb = gb_new (1, 14);
  CcDevice used;
  gsize n, n2;
  g_autofree float *cpu = NULL;
  g_autofree float *got = NULL;
  g_autofree float *again = NULL;

  gb_unet (gb, 1, 8, 2);
  cpu = run (&gb->model, 32, 24, CC_DEVICE_CPU, &used, &n);

  g_setenv ("COCOLOR_OPENCL_FAULT", fault_and_message[0], TRUE);
  cc_cl_shutdown ();
  g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE, expected);
  got = run (&gb->model, 32, 24, CC_DEVICE_OPENCL, &used, &n2);
  g_test_assert_expected_messages ();
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_cmpmem (cpu, n * sizeof (float), got, n2 * sizeof (float));

  again = run (&gb->model, 32, 24, CC_DEVICE_OPENCL, &used, &n2);
  g_assert_cmpint (used, ==, CC_DEVICE_OPENCL);
  g_assert_cmpuint (n, ==, n2);
  g_assert_cmpfloat (max_error (cpu, again, n), <=, TOLERANCE);

  g_unsetenv ("COCOLOR_OPENCL_FAULT");
  cc_cl_shutdown ();
  gb_free (gb);
}

/* Every CLBlast status has a name: OpenCL's for the ones CLBlast mirrors,
 * CLBlast's for its own; never a bare number. */
static void
test_clblast_status_names (void)
{
  g_assert_cmpstr (cc_cl_clblast_status_name (-5), ==, "CL_OUT_OF_RESOURCES");
  g_assert_cmpstr (cc_cl_clblast_status_name (-4), ==, "CL_MEM_OBJECT_ALLOCATION_FAILURE");
  g_assert_cmpstr (cc_cl_clblast_status_name (-59), ==, "CL_INVALID_OPERATION");
  g_assert_cmpstr (cc_cl_clblast_status_name (-1016), ==, "CLBlastInvalidLeadDimA");
  g_assert_cmpstr (cc_cl_clblast_status_name (-2050), ==, "CLBlastInsufficientMemoryTemp");
  g_assert_cmpstr (cc_cl_clblast_status_name (-2039), ==, "CLBlastUnexpectedError");
  g_assert_cmpstr (cc_cl_status_name (CL_INVALID_GLOBAL_WORK_SIZE), ==,
                   "CL_INVALID_GLOBAL_WORK_SIZE");
  for (int s = -2050; s < 0; s++)
    g_assert_null (strstr (cc_cl_clblast_status_name (s), "%"));
}

/* ---- program-binary cache ---- */

/* A fresh runtime: reads the cache (or builds). */
static void
start_runtime (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcClRuntime) rt = NULL;

  cc_cl_shutdown ();
  rt = cc_cl_runtime_get (FALSE, &error);
  g_assert_no_error (error);
}

static char *
cache_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcClRuntime) rt = cc_cl_runtime_get (FALSE, &error);

  g_assert_no_error (error);
  return cc_cl_cache_path (rt->device);
}

static void
expect_build (gboolean build)
{
  CcClStats before = cc_cl_get_stats (), after;

  start_runtime ();
  after = cc_cl_get_stats ();
  g_assert_cmpint (after.source_builds - before.source_builds, ==, build ? 1 : 0);
  g_assert_cmpint (after.binary_loads - before.binary_loads, ==, build ? 0 : 1);
}

static void
test_cache (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("XDG_CACHE_HOME"), "cache-test", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("XDG_CACHE_HOME"));
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  GraphBuilder *gb = gb_new (1, 12);

  /* A cache of its own, so that the first build is certain. */
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  path = cache_file ();
  g_remove (path);

  expect_build (TRUE);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  expect_build (FALSE); /* second run: nothing built */
  expect_build (FALSE);

  /* Corrupt: a flipped byte in the binary. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  contents[length / 2] ^= 0x55;
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  expect_build (TRUE);
  expect_build (FALSE); /* rewritten */

  /* Truncated, then garbage, then another key's entry (foreign). */
  g_assert_true (g_file_set_contents (path, contents, length / 3, NULL));
  expect_build (TRUE);
  g_assert_true (g_file_set_contents (path, "not a cache file", -1, NULL));
  expect_build (TRUE);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  memset (contents + strlen ("CoColor OpenCL binary 1\n"), 'f', 64);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  expect_build (TRUE);
  expect_build (FALSE);

  /* And the kernels from the cache compute what the built ones do. */
  gb_unet (gb, 1, 8, 2);
  g_assert_cmpfloat (compare (&gb->model, 32, 40), <=, TOLERANCE);
  gb_free (gb);

  g_setenv ("XDG_CACHE_HOME", saved, TRUE);
  cc_cl_shutdown ();
}

/* auto takes a GPU only: on PoCL's CPU device it stays on the CPU backend,
 * silently. */
static void
test_auto (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcClRuntime) rt = cc_cl_runtime_get (FALSE, &error);
  GraphBuilder *gb = gb_new (1, 13);
  CcDevice used;
  gsize n;
  g_autofree float *out = NULL;

  g_assert_no_error (error);
  gb_conv (gb, 0, 1, 3, 3, 1, 1, TRUE, CC_ACT_RELU);
  out = run (&gb->model, 8, 8, CC_DEVICE_AUTO, &used, &n);
  g_assert_cmpint (used, ==, rt->is_gpu ? CC_DEVICE_OPENCL : CC_DEVICE_CPU);
  gb_free (gb);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cc_backends_register_all ();
  g_unsetenv ("COCOLOR_OPENCL_FAULT");
  g_unsetenv ("COCOLOR_DEVICE");
  g_unsetenv ("COCOLOR_OPENCL_CONV");
  g_test_add_data_func ("/opencl/convolutions/default", NULL, test_convolutions);
  g_test_add_data_func ("/opencl/convolutions/direct", "direct", test_convolutions);
  g_test_add_data_func ("/opencl/convolutions/gemm", "gemm", test_convolutions);
  g_test_add_func ("/opencl/other-layers", test_other_layers);
  g_test_add_func ("/opencl/unets", test_unets);
  g_test_add_func ("/opencl/auto", test_auto);
  g_test_add_func ("/opencl/cache", test_cache);
  g_test_add_func ("/opencl/clblast-status-names", test_clblast_status_names);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *name = g_strdup_printf ("/opencl/fault/%s", faults[i][0]);
      g_test_add_data_func (name, faults[i], test_fault);
    }
  for (guint i = 0; i < G_N_ELEMENTS (once_faults); i++)
    {
      g_autofree char *name = g_strdup_printf ("/opencl/fault/%s", once_faults[i][0]);
      g_test_add_data_func (name, once_faults[i], test_fault_once);
    }
  status = g_test_run ();
  cc_cl_shutdown (); /* releases the context: nothing left for LeakSanitizer */
  return status;
}
