/* CoColor inference core: forward pass (see cc-forward.h).
 *
 * Read it top to bottom: choose a backend, copy the input into its place in
 * the backend's arena, run each node on the values the plan placed, copy
 * the output out.  Every backend runs the same plan through CcBackendOps;
 * when a device backend fails and says the CPU should take over, the pass
 * runs again on the CPU. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cc-backend.h"
#include "cc-forward.h"

struct _CcForward
{
  const CcModel *model;
  CcPlan *plan;
  int n_threads;
  CcDevice asked;  /* the device asked for */
  CcDevice device; /* the backend in use */
  const CcBackendClass *klass;
  const CcBackendOps *ops;
  void *be;
  gboolean profiling;
  double *node_seconds;
};

CcDevice
cc_device_from_env (CcDevice fallback)
{
  const char *env = g_getenv ("COCOLOR_DEVICE");

  if (env == NULL)
    return fallback;
  if (strcmp (env, "cpu") == 0)
    return CC_DEVICE_CPU;
  if (strcmp (env, "opencl") == 0)
    return CC_DEVICE_OPENCL;
  if (strcmp (env, "auto") == 0)
    return CC_DEVICE_AUTO;
  /* Said once a process: a misspelt override must not pass unnoticed. */
  static gsize warned = 0;
  if (g_once_init_enter (&warned))
    {
      g_message ("COCOLOR_DEVICE=%s is not cpu, opencl or auto; it is ignored", env);
      g_once_init_leave (&warned, 1);
    }
  return fallback;
}

static gboolean
use (CcForward *fw, const CcBackendClass *klass, GError **error)
{
  fw->be = klass->create (fw->model, fw->plan, fw->n_threads, fw->asked, error);
  if (fw->be == NULL)
    return FALSE;
  fw->klass = klass;
  fw->ops = klass->ops;
  fw->device = klass->device;
  return TRUE;
}

/* A device backend, or FALSE when the CPU is to take over (the backend
 * has said why, as it sees fit) or there is none (said once a process
 * where one was asked for by name). */
static gboolean
use_device (CcForward *fw, GError **error)
{
  const CcBackendClass *klass = cc_backend_lookup (fw->asked);
  g_autoptr (GError) device_error = NULL;

  if (klass == NULL)
    {
      static gsize warned;

      if (fw->asked == CC_DEVICE_OPENCL && g_once_init_enter (&warned))
        {
          g_message (_ ("This build of CoColor has no OpenCL backend; the CPU runs the network"));
          g_once_init_leave (&warned, 1);
        }
      return FALSE;
    }
  if (use (fw, klass, &device_error))
    return TRUE;
  if (klass->fall_back == NULL || !klass->fall_back (device_error, fw->asked))
    g_propagate_error (error, g_steal_pointer (&device_error));
  return FALSE;
}

CcForward *
cc_forward_new_on (const CcModel *model, CcPlan *plan, int n_threads, CcDevice device,
                   GError **error)
{
  g_autoptr (CcForward) fw = g_new0 (CcForward, 1);

  g_return_val_if_fail (plan != NULL && plan->model == model, NULL);

  fw->model = model;
  fw->plan = plan;
  fw->n_threads = CLAMP (n_threads > 0 ? n_threads : (int)g_get_num_processors (), 1, 64);
  fw->node_seconds = g_new0 (double, MAX (model->n_nodes, 1));
  fw->asked = device;
  if (device != CC_DEVICE_CPU)
    {
      g_autoptr (GError) device_error = NULL;

      if (use_device (fw, &device_error))
        return g_steal_pointer (&fw);
      if (device_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&device_error));
          return NULL;
        }
    }
  if (!use (fw, &cc_cpu_backend_class, error))
    return NULL;
  return g_steal_pointer (&fw);
}

CcForward *
cc_forward_new (const CcModel *model, CcPlan *plan, int n_threads, GError **error)
{
  return cc_forward_new_on (model, plan, n_threads, CC_DEVICE_CPU, error);
}

void
cc_forward_free (CcForward *fw)
{
  if (fw == NULL)
    return;
  if (fw->be)
    fw->ops->free (fw->be);
  cc_plan_free (fw->plan);
  g_free (fw->node_seconds);
  g_free (fw);
}

const CcPlan *
cc_forward_get_plan (const CcForward *fw)
{
  return fw->plan;
}

int
cc_forward_get_n_threads (const CcForward *fw)
{
  return fw->n_threads;
}

CcDevice
cc_forward_get_device (const CcForward *fw)
{
  return fw->device;
}

void
cc_forward_set_profiling (CcForward *fw, gboolean enabled)
{
  fw->profiling = enabled;
}

const double *
cc_forward_get_node_seconds (const CcForward *fw)
{
  return fw->node_seconds;
}

static gsize
value_size (const CcForward *fw, int v)
{
  CcShape s = fw->plan->values[v].shape;
  return (gsize)s.c * s.h * s.w;
}

static CcActivation
activation_of (CcOpType op)
{
  switch (op)
    {
    case CC_OP_RELU:
      return CC_ACT_RELU;
    case CC_OP_LEAKY_RELU:
      return CC_ACT_LEAKY_RELU;
    case CC_OP_SILU:
      return CC_ACT_SILU;
    case CC_OP_SIGMOID:
      return CC_ACT_SIGMOID;
    case CC_OP_TANH:
      return CC_ACT_TANH;
    default:
      return CC_ACT_NONE;
    }
}

static gboolean
run_node (CcForward *fw, int i, GError **error)
{
  const CcBackendOps *ops = fw->ops;
  void *be = fw->be;
  const CcNode *node = &fw->model->nodes[i];
  const CcPlanValue *values = fw->plan->values;
  const CcPlanValue *a = &values[node->inputs[0]];
  const CcPlanValue *b = node->n_inputs > 1 ? &values[node->inputs[1]] : NULL;
  gsize out = values[i + 1].offset;

  switch (node->op)
    {
    case CC_OP_CONV2D:
      ops->conv2d (be, i, node, a->offset, a->shape, out, values[i + 1].shape);
      return TRUE;

    case CC_OP_RELU:
    case CC_OP_LEAKY_RELU:
    case CC_OP_SILU:
    case CC_OP_SIGMOID:
    case CC_OP_TANH:
      ops->activation (be, activation_of (node->op), node->alpha, a->offset, out,
                       value_size (fw, i + 1));
      return TRUE;

    case CC_OP_ADD:
      ops->add (be, a->offset, b->offset, out, value_size (fw, i + 1));
      return TRUE;

    case CC_OP_MUL:
      ops->mul (be, a->offset, a->shape, b->offset, b->shape, out);
      return TRUE;

    case CC_OP_CONCAT:
      /* Inputs the plan placed inside the output are there already. */
      for (int k = 0; k < node->n_inputs; k++)
        {
          int v = node->inputs[k];
          ops->copy (be, values[v].offset, out, value_size (fw, v));
          out += values[v].bytes;
        }
      return TRUE;

    case CC_OP_UPSAMPLE_NEAREST:
      ops->upsample_nearest (be, a->offset, a->shape, out);
      return TRUE;

    case CC_OP_UPSAMPLE_BILINEAR:
      ops->upsample_bilinear (be, a->offset, a->shape, out);
      return TRUE;

    case CC_OP_AVGPOOL2:
      ops->avgpool2 (be, a->offset, a->shape, out);
      return TRUE;

    case CC_OP_GLOBAL_AVGPOOL:
      ops->global_avgpool (be, a->offset, a->shape, out);
      return TRUE;

    case CC_OP_N_TYPES:
    default:
      break;
    }
  g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE, _ ("Layer “%s”: unknown operation %d"),
               node->name ? node->name : "?", (int)node->op);
  return FALSE;
}

/* One pass on the current backend. */
static gboolean
run_pass (CcForward *fw, const float *input, float *output, GError **error)
{
  const CcPlanValue *out = &fw->plan->values[fw->model->output];

  if (!fw->ops->upload (fw->be, fw->plan->values[0].offset, input, value_size (fw, 0), error))
    return FALSE;
  for (int i = 0; i < fw->model->n_nodes; i++)
    {
      gint64 start = fw->profiling ? g_get_monotonic_time () : 0;

      if (!run_node (fw, i, error))
        return FALSE;
      /* A device queues the work: wait for it, so the time is this node's. */
      if (fw->profiling && !fw->ops->sync (fw->be, error))
        return FALSE;
      if (fw->profiling)
        fw->node_seconds[i] = (double)(g_get_monotonic_time () - start) * 1e-6;
    }
  return fw->ops->download (fw->be, out->offset, output, value_size (fw, fw->model->output), error);
}

gboolean
cc_forward_run (CcForward *fw, const float *input, float *output, GError **error)
{
  if (fw->device != CC_DEVICE_CPU)
    {
      g_autoptr (GError) device_error = NULL;

      if (run_pass (fw, input, output, &device_error))
        return TRUE;
      /* Not the device's fault (e.g. an unknown layer): the CPU would fail
       * the same way.  Else one warning, then the same picture from the CPU. */
      if (fw->klass->fall_back == NULL || !fw->klass->fall_back (device_error, fw->asked))
        {
          g_propagate_error (error, g_steal_pointer (&device_error));
          return FALSE;
        }
      fw->ops->free (fw->be);
      fw->be = NULL;
      if (!use (fw, &cc_cpu_backend_class, error))
        return FALSE;
    }
  return run_pass (fw, input, output, error);
}
