/* The backend registry and the forward pass's fall-back, with a fake device
 * backend (the CPU's layers, a device's failures): the core decides nothing
 * about a device; the backend says whether the CPU takes over. */
#include "config.h"

#include <string.h>

#include "cc-backend.h"
#include "cc-forward.h"
#include "graph-builder.h"

#define FAKE_ERROR (g_quark_from_static_string ("fake-device-error"))

static gboolean fail_create, fail_upload, fall_back_answer;
static int n_fall_backs;
static CcBackendOps fake_ops;

static void *
fake_create (const CcModel *model, const CcPlan *plan, int n_threads, CcDevice asked,
             GError **error)
{
  if (fail_create)
    {
      g_set_error_literal (error, FAKE_ERROR, 1, "no fake device");
      return NULL;
    }
  return cc_cpu_backend_class.create (model, plan, n_threads, asked, error);
}

static gboolean
fake_upload (void *be, gsize offset, const float *src, gsize n, GError **error)
{
  if (fail_upload)
    {
      g_set_error_literal (error, FAKE_ERROR, 2, "the fake device is lost");
      return FALSE;
    }
  return cc_cpu_backend_class.ops->upload (be, offset, src, n, error);
}

static gboolean
fake_fall_back (const GError *error, CcDevice asked)
{
  (void)asked;
  g_assert_true (error != NULL && error->domain == FAKE_ERROR);
  n_fall_backs++;
  return fall_back_answer;
}

static const CcBackendClass fake_class = {
  .name = "fake",
  .device = CC_DEVICE_OPENCL,
  .create = fake_create,
  .fall_back = fake_fall_back,
  .ops = &fake_ops,
};

static GraphBuilder *
small_model (void)
{
  GraphBuilder *gb = gb_new (2, 9);
  int x = gb_conv (gb, 0, 2, 16, 3, 1, 1, TRUE, CC_ACT_RELU);
  gb_conv (gb, x, 16, 3, 3, 1, 1, TRUE, CC_ACT_SIGMOID);
  return gb;
}

/* Runs gb's model at 16x24 on device; the output, and the backend used. */
static float *
run (GraphBuilder *gb, CcDevice device, CcDevice *used, GError **error)
{
  CcPlan *plan = cc_plan_new (&gb->model, 16, 24, NULL, error);
  g_autoptr (CcForward) fw = NULL;
  g_autofree float *input = g_new (float, 2 * 16 * 24);
  g_autofree float *output = g_new0 (float, 3 * 16 * 24);

  g_assert_nonnull (plan);
  for (int i = 0; i < 2 * 16 * 24; i++)
    input[i] = (float)(i % 17) / 17.0f;
  fw = cc_forward_new_on (&gb->model, plan, 2, device, error);
  if (fw == NULL)
    return NULL;
  if (!cc_forward_run (fw, input, output, error))
    return NULL;
  *used = cc_forward_get_device (fw);
  return g_steal_pointer (&output);
}

static void
test_registry (void)
{
  GraphBuilder *gb = small_model ();
  g_autoptr (GError) error = NULL;
  g_autofree float *cpu = NULL, *out = NULL;
  CcDevice used;
  gsize bytes = 3 * 16 * 24 * sizeof (float);

  fake_ops = *cc_cpu_backend_class.ops;
  fake_ops.name = "fake";
  fake_ops.upload = fake_upload;
  g_assert_true (cc_backend_lookup (CC_DEVICE_CPU) == &cc_cpu_backend_class);

  /* Nothing registered: auto is the CPU, silently; a device by name says
   * once that there is none. */
  cpu = run (gb, CC_DEVICE_CPU, &used, &error);
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_null (cc_backend_lookup (CC_DEVICE_AUTO));
  out = run (gb, CC_DEVICE_AUTO, &used, &error);
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_clear_pointer (&out, g_free);
  g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE, "*no OpenCL backend*");
  out = run (gb, CC_DEVICE_OPENCL, &used, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_clear_pointer (&out, g_free);

  cc_backend_register (&fake_class);
  cc_backend_register (&fake_class); /* harmless */
  g_assert_true (cc_backend_lookup (CC_DEVICE_AUTO) == &fake_class);
  g_assert_true (cc_backend_lookup (CC_DEVICE_OPENCL) == &fake_class);

  /* The device runs: the same output. */
  out = run (gb, CC_DEVICE_AUTO, &used, &error);
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_OPENCL);
  g_assert_cmpmem (out, bytes, cpu, bytes);
  g_clear_pointer (&out, g_free);

  /* It cannot be made, and says the CPU should take over: the CPU runs. */
  fail_create = fall_back_answer = TRUE;
  out = run (gb, CC_DEVICE_OPENCL, &used, &error);
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_cmpint (n_fall_backs, ==, 1);
  g_assert_cmpmem (out, bytes, cpu, bytes);
  g_clear_pointer (&out, g_free);

  /* It cannot be made, and the error is the caller's. */
  fall_back_answer = FALSE;
  out = run (gb, CC_DEVICE_OPENCL, &used, &error);
  g_assert_null (out);
  g_assert_error (error, FAKE_ERROR, 1);
  g_clear_error (&error);

  /* It fails during a run: the CPU gives the same picture, or the error
   * goes to the caller, as the backend says. */
  fail_create = FALSE;
  fail_upload = fall_back_answer = TRUE;
  out = run (gb, CC_DEVICE_OPENCL, &used, &error);
  g_assert_no_error (error);
  g_assert_cmpint (used, ==, CC_DEVICE_CPU);
  g_assert_cmpmem (out, bytes, cpu, bytes);
  g_clear_pointer (&out, g_free);
  fall_back_answer = FALSE;
  out = run (gb, CC_DEVICE_OPENCL, &used, &error);
  g_assert_null (out);
  g_assert_error (error, FAKE_ERROR, 2);
  gb_free (gb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backends/registry-and-fall-back", test_registry);
  return g_test_run ();
}
