/* CoColor inference core: forward pass (see cc-forward.h).
 *
 * Read it top to bottom: copy the input into its place in the arena, run
 * each node on the values the plan placed, copy the output out. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cc-cpu.h"
#include "cc-forward.h"

struct _CcForward
{
  const CcModel *model;
  CcPlan *plan;
  CcCpu *cpu;
  char *arena;    /* plan->arena_bytes: every value at its planned offset */
  float *scratch; /* plan->scratch_bytes per thread (im2col tiles) */
  gboolean profiling;
  double *node_seconds;
};

static gpointer
try_alloc (gsize bytes, const char *what, GError **error)
{
  gpointer p = g_try_malloc (MAX (bytes, 1));

  if (p == NULL)
    {
      g_autofree char *size = g_format_size (bytes);
      g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_MEMORY,
                   /* TRANSLATORS: the first %s is a size like "1.2 GB" */
                   _ ("Not enough memory for the %s of the network (%s)"), what, size);
    }
  return p;
}

CcForward *
cc_forward_new (const CcModel *model, CcPlan *plan, int n_threads, GError **error)
{
  g_autoptr (CcForward) fw = g_new0 (CcForward, 1);

  g_return_val_if_fail (plan != NULL && plan->model == model, NULL);

  fw->model = model;
  fw->plan = plan;
  fw->node_seconds = g_new0 (double, MAX (model->n_nodes, 1));
  fw->cpu = cc_cpu_new (n_threads, error);
  if (fw->cpu == NULL)
    return NULL;
  fw->arena = try_alloc (plan->arena_bytes, _ ("activations"), error);
  if (fw->arena == NULL)
    return NULL;
  fw->scratch = try_alloc (plan->scratch_bytes * cc_cpu_get_n_threads (fw->cpu),
                           _ ("working buffers"), error);
  if (fw->scratch == NULL)
    return NULL;
  return g_steal_pointer (&fw);
}

void
cc_forward_free (CcForward *fw)
{
  if (fw == NULL)
    return;
  cc_plan_free (fw->plan);
  cc_cpu_free (fw->cpu);
  g_free (fw->arena);
  g_free (fw->scratch);
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
  return cc_cpu_get_n_threads (fw->cpu);
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

static float *
value_data (CcForward *fw, int v)
{
  return (float *)(fw->arena + fw->plan->values[v].offset);
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
  const CcNode *node = &fw->model->nodes[i];
  const CcPlanValue *values = fw->plan->values;
  const CcPlanValue *a = &values[node->inputs[0]];
  float *out = value_data (fw, i + 1);
  const float *x = value_data (fw, node->inputs[0]);

  switch (node->op)
    {
    case CC_OP_CONV2D:
      cc_cpu_conv2d (fw->cpu, node, &fw->plan->convs[i], x, a->shape, out, values[i + 1].shape,
                     fw->scratch);
      return TRUE;

    case CC_OP_RELU:
    case CC_OP_LEAKY_RELU:
    case CC_OP_SILU:
    case CC_OP_SIGMOID:
    case CC_OP_TANH:
      cc_cpu_activation (fw->cpu, activation_of (node->op), node->alpha, x, out,
                         value_size (fw, i + 1));
      return TRUE;

    case CC_OP_ADD:
      cc_cpu_add (fw->cpu, x, value_data (fw, node->inputs[1]), out, value_size (fw, i + 1));
      return TRUE;

    case CC_OP_MUL:
      cc_cpu_mul (fw->cpu, x, a->shape, value_data (fw, node->inputs[1]),
                  values[node->inputs[1]].shape, out);
      return TRUE;

    case CC_OP_CONCAT:
      /* Inputs the plan placed inside the output are there already. */
      for (int k = 0; k < node->n_inputs; k++)
        {
          int v = node->inputs[k];
          cc_cpu_copy (fw->cpu, value_data (fw, v), out, value_size (fw, v));
          out += value_size (fw, v);
        }
      return TRUE;

    case CC_OP_UPSAMPLE_NEAREST:
      cc_cpu_upsample_nearest (fw->cpu, x, a->shape, out);
      return TRUE;

    case CC_OP_UPSAMPLE_BILINEAR:
      cc_cpu_upsample_bilinear (fw->cpu, x, a->shape, out);
      return TRUE;

    case CC_OP_AVGPOOL2:
      cc_cpu_avgpool2 (fw->cpu, x, a->shape, out);
      return TRUE;

    case CC_OP_GLOBAL_AVGPOOL:
      cc_cpu_global_avgpool (fw->cpu, x, a->shape, out);
      return TRUE;

    case CC_OP_N_TYPES:
    default:
      break;
    }
  g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE, _ ("Layer “%s”: unknown operation %d"),
               node->name ? node->name : "?", (int)node->op);
  return FALSE;
}

gboolean
cc_forward_run (CcForward *fw, const float *input, float *output, GError **error)
{
  memcpy (value_data (fw, 0), input, value_size (fw, 0) * sizeof (float));

  for (int i = 0; i < fw->model->n_nodes; i++)
    {
      gint64 start = fw->profiling ? g_get_monotonic_time () : 0;

      if (!run_node (fw, i, error))
        return FALSE;
      if (fw->profiling)
        fw->node_seconds[i] = (double)(g_get_monotonic_time () - start) * 1e-6;
    }

  memcpy (output, value_data (fw, fw->model->output),
          value_size (fw, fw->model->output) * sizeof (float));
  return TRUE;
}
