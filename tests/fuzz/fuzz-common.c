/* What the fuzz targets share (see fuzz-common.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

/* What one run may cost: bigger models and sizes are loaded and checked but
 * not planned or run, so that every input stays fast (libFuzzer's -timeout). */
#define FUZZ_MAX_PLAN_NODES 256         /* the plan is quadratic in nodes */
#define FUZZ_MAX_BYTES ((gsize)8 << 20) /* all values apart, and the im2col scratch */
#define FUZZ_MAX_FLOPS 2e7              /* of the convolutions, per pass */

/* ASan fills new memory with 0xff bytes (NaN as floats), all of it, not only
 * its first 4 KiB: a value read before it is written then shows up as a
 * difference between two runs of the same input (see run_at). */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "malloc_fill_byte=255:max_malloc_fill_size=134217728";
}

void
fuzz_fail (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  fflush (stderr);
  abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  /* The core reports bad files through GError; a critical or a warning on
   * the way is a bug (a GLib precondition broken, an unexpected path). */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
check_load_error (const GError *error)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == CC_MODEL_ERROR);
  FUZZ_CHECK (error->message != NULL && error->message[0] != '\0');
  if (g_getenv ("COCOLOR_FUZZ_VERBOSE"))
    fprintf (stderr, "rejected: %s\n", error->message);
}

static void
check_tensor (const CcModel *model, const CcTensor *t)
{
  gint64 n = 1;

  FUZZ_CHECK (t >= model->tensors && t < model->tensors + model->n_tensors);
  FUZZ_CHECK (t->name != NULL);
  FUZZ_CHECK (cc_model_find_tensor (model, t->name) == t);
  FUZZ_CHECK (t->n_dims >= 0 && t->n_dims <= CC_MAX_DIMS);
  for (int d = 0; d < t->n_dims; d++)
    {
      FUZZ_CHECK (t->shape[d] >= 1);
      n *= t->shape[d];
    }
  FUZZ_CHECK (n == t->n_elements);
  FUZZ_CHECK (t->data != NULL || t->n_elements == 0);
  for (gint64 i = 0; i < t->n_elements; i++)
    FUZZ_CHECK (isfinite (t->data[i]));
}

/* What cc-model.h promises the interpreter. */
static void
check_model (const CcModel *model)
{
  const CcModelInfo *info = &model->info;

  FUZZ_CHECK (model->path != NULL);
  FUZZ_CHECK (model->n_tensors >= 0 && (model->n_tensors == 0 || model->tensors != NULL));
  for (int i = 0; i < model->n_tensors; i++)
    check_tensor (model, &model->tensors[i]);
  FUZZ_CHECK (model->n_nodes >= 1 && model->nodes != NULL);
  FUZZ_CHECK (model->output >= 1 && model->output <= model->n_nodes);
  FUZZ_CHECK (model->downsamples >= 1 && model->downsamples <= 1 << 16);
  FUZZ_CHECK ((model->downsamples & (model->downsamples - 1)) == 0);
  FUZZ_CHECK (info->input_channels >= 1 && info->input_channels <= 64);
  FUZZ_CHECK (info->output_channels >= 1 && info->output_channels <= 64);
  FUZZ_CHECK (isfinite (info->input_min) && isfinite (info->input_max));
  FUZZ_CHECK (info->input_min < info->input_max);
  FUZZ_CHECK (isfinite (info->output_min) && isfinite (info->output_max));
  FUZZ_CHECK (info->output_min < info->output_max);
  FUZZ_CHECK (info->input_space != NULL && info->output_space != NULL);
  FUZZ_CHECK (info->version != NULL && info->provenance_json != NULL);
  FUZZ_CHECK (info->task == CC_TASK_NIR || info->task == CC_TASK_GRAY);

  for (int i = 0; i < model->n_nodes; i++)
    {
      const CcNode *n = &model->nodes[i];

      FUZZ_CHECK ((int)n->op >= 0 && n->op < CC_OP_N_TYPES);
      FUZZ_CHECK (cc_op_type_name (n->op) != NULL);
      FUZZ_CHECK (n->name != NULL && n->name[0] != '\0');
      FUZZ_CHECK (n->n_inputs >= 1 && n->n_inputs <= CC_MAX_INPUTS);
      for (int k = 0; k < n->n_inputs; k++)
        FUZZ_CHECK (n->inputs[k] >= 0 && n->inputs[k] <= i);
      FUZZ_CHECK (isfinite (n->alpha));
      if (n->op != CC_OP_CONV2D)
        {
          FUZZ_CHECK (n->weight == NULL && n->bias == NULL);
          continue;
        }
      FUZZ_CHECK (n->weight != NULL);
      check_tensor (model, n->weight);
      FUZZ_CHECK (n->kernel >= 1 && (n->stride == 1 || n->stride == 2));
      FUZZ_CHECK (n->padding == (n->kernel - 1) / 2);
      FUZZ_CHECK (n->weight->n_dims == 4 && n->weight->shape[0] == n->out_channels
                  && n->weight->shape[1] == n->in_channels && n->weight->shape[2] == n->kernel
                  && n->weight->shape[3] == n->kernel);
      FUZZ_CHECK ((int)n->act >= 0 && n->act <= CC_ACT_TANH);
      if (n->bias != NULL)
        {
          check_tensor (model, n->bias);
          FUZZ_CHECK (n->bias->n_dims == 1 && n->bias->shape[0] == n->out_channels);
        }
    }
}

/* What cc-plan.h promises: every value inside the arena, and no two values
 * of different blocks both alive at a step sharing a byte. */
static void
check_plan (const CcModel *model, const CcPlan *plan, int height, int width)
{
  const CcPlanValue *out = &plan->values[model->output];

  FUZZ_CHECK (plan->model == model && plan->n_values == model->n_nodes + 1);
  FUZZ_CHECK (plan->height == height && plan->width == width);
  FUZZ_CHECK (plan->values[0].shape.c == model->info.input_channels);
  FUZZ_CHECK (plan->values[0].shape.h == height && plan->values[0].shape.w == width);
  FUZZ_CHECK (out->shape.c == model->info.output_channels);
  FUZZ_CHECK (out->shape.h == height && out->shape.w == width);
  FUZZ_CHECK (plan->arena_bytes <= plan->naive_bytes);
  for (int v = 0; v < plan->n_values; v++)
    {
      const CcPlanValue *a = &plan->values[v];
      CcShape s = a->shape;

      FUZZ_CHECK (s.c >= 1 && s.h >= 1 && s.w >= 1);
      FUZZ_CHECK (a->bytes == (gsize)s.c * s.h * s.w * sizeof (float));
      FUZZ_CHECK (a->offset % sizeof (float) == 0);
      FUZZ_CHECK (a->offset <= plan->arena_bytes && a->bytes <= plan->arena_bytes - a->offset);
      FUZZ_CHECK (a->first_step == v && a->last_step >= v);
      FUZZ_CHECK (a->block >= 0 && a->block < plan->n_values);
      for (int u = 0; u < v; u++)
        {
          const CcPlanValue *b = &plan->values[u];
          gboolean alive_together = b->first_step <= a->last_step && a->first_step <= b->last_step;
          gboolean overlap = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;

          if (a->block != b->block && alive_together && overlap)
            {
              fprintf (stderr, "values %d and %d (blocks %d, %d) overlap while alive\n", u, v,
                       b->block, a->block);
              FUZZ_CHECK (!"two live values of different blocks overlap");
            }
        }
    }
  for (int i = 0; i < model->n_nodes; i++)
    if (model->nodes[i].op == CC_OP_CONV2D)
      {
        const CcPlanConv *pc = &plan->convs[i];
        CcShape s = plan->values[i + 1].shape;

        FUZZ_CHECK (pc->tile_rows >= 1 && pc->tile_rows <= s.h);
        FUZZ_CHECK (pc->tile_cols >= 1 && pc->tile_cols <= s.w);
        FUZZ_CHECK (pc->tile_bytes <= plan->scratch_bytes);
      }
}

/* The input: a fixed pattern over the contract's range. */
static void
fill_input (const CcModel *model, float *input, gsize n)
{
  float lo = model->info.input_min, hi = model->info.input_max;

  for (gsize i = 0; i < n; i++)
    {
      float t = (float)((i * 2654435761u >> 8) % 1021) / 1020.0f;
      input[i] = lo * (1.0f - t) + hi * t;
    }
}

/* Plans model at height x width and, when that is small enough, runs it
 * twice: the two outputs must be the same bits (a run allocates nothing, and
 * a value read before it is written tends to differ between a fresh arena
 * and one used once).  direct, winograd: COCOLOR_CPU_DIRECT and
 * COCOLOR_CPU_WINOGRAD for this run, NULL for the defaults.  Returns the
 * output (*n_out floats), or NULL when the plan was refused or too big. */
static float *
run_at (const CcModel *model, int height, int width, const CcPlanOptions *options,
        const char *direct, const char *winograd, gsize *n_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcPlan) plan = cc_plan_new (model, height, width, options, &error);
  g_autoptr (CcForward) fw = NULL;
  g_autofree float *input = NULL, *output = NULL, *again = NULL;
  gsize n_in;

  if (plan == NULL)
    {
      FUZZ_CHECK (error != NULL && error->domain == CC_PLAN_ERROR);
      if (g_getenv ("COCOLOR_FUZZ_VERBOSE"))
        fprintf (stderr, "plan %dx%d refused: %s\n", width, height, error->message);
      return NULL;
    }
  check_plan (model, plan, height, width);
  /* Not the arena but all values apart: the same for any plan options. */
  if (plan->naive_bytes + plan->scratch_bytes > FUZZ_MAX_BYTES || plan->flops > FUZZ_MAX_FLOPS)
    {
      if (g_getenv ("COCOLOR_FUZZ_VERBOSE"))
        fprintf (stderr, "plan %dx%d too big to run: peak %" G_GSIZE_FORMAT " bytes, %g flops\n",
                 width, height, cc_plan_peak_bytes (plan, 1), plan->flops);
      return NULL;
    }
  n_in = plan->values[0].bytes / sizeof (float);
  *n_out = plan->values[model->output].bytes / sizeof (float);
  input = g_new (float, n_in);
  output = g_new (float, *n_out);
  again = g_new (float, *n_out);
  fill_input (model, input, n_in);

  if (direct)
    g_setenv ("COCOLOR_CPU_DIRECT", direct, TRUE);
  if (winograd)
    g_setenv ("COCOLOR_CPU_WINOGRAD", winograd, TRUE);
  fw = cc_forward_new (model, g_steal_pointer (&plan), 1, &error);
  g_unsetenv ("COCOLOR_CPU_DIRECT");
  g_unsetenv ("COCOLOR_CPU_WINOGRAD");
  FUZZ_CHECK (fw != NULL);
  FUZZ_CHECK (cc_forward_get_device (fw) == CC_DEVICE_CPU);
  FUZZ_CHECK (cc_forward_run (fw, input, output, &error));
  FUZZ_CHECK (cc_forward_run (fw, input, again, &error));
  if (memcmp (output, again, *n_out * sizeof (float)) != 0)
    {
      fprintf (stderr, "two runs at %dx%d differ (direct=%s winograd=%s)\n", width, height,
               direct ? direct : "default", winograd ? winograd : "default");
      FUZZ_CHECK (!"the same input gave two outputs");
    }
  if (g_getenv ("COCOLOR_FUZZ_VERBOSE"))
    fprintf (stderr, "ran %dx%d: %d nodes, %g flops, direct=%s winograd=%s\n", width, height,
             model->n_nodes, cc_forward_get_plan (fw)->flops, direct ? direct : "default",
             winograd ? winograd : "default");
  return g_steal_pointer (&output);
}

void
fuzz_run_model (const CcModel *model, guint variant)
{
  /* The second size runs other kernels: the portable im2col + GEMM with
   * tiles of a few columns, the direct kernel without Winograd, or
   * Winograd F(2x2, 3x3). */
  static const char *const kernels[][2] = { { "0", NULL }, { NULL, "0" }, { NULL, "2" } };
  const char *const *k = kernels[variant % G_N_ELEMENTS (kernels)];
  int d = model->downsamples;
  int side = MAX (16, d), h2 = d * ((8 + d - 1) / d), w2 = d * ((12 + d - 1) / d);
  CcPlanOptions options;
  g_autofree float *output = NULL, *separate = NULL;
  gsize n_out = 0, n_separate = 0, n_small = 0;

  check_model (model);
  if (model->n_nodes > FUZZ_MAX_PLAN_NODES)
    return;
  output = run_at (model, side, side, NULL, NULL, NULL, &n_out);
  if (output == NULL)
    return;

  /* The same kernels on another memory layout: no value written in place
   * of another, none into a concatenation.  The same bits must come out; a
   * value read before it is written, or written over while still needed,
   * would differ. */
  cc_plan_options_init (&options);
  options.concat_in_place = FALSE;
  options.elementwise_in_place = FALSE;
  separate = run_at (model, side, side, &options, NULL, NULL, &n_separate);
  FUZZ_CHECK (separate != NULL && n_separate == n_out);
  if (memcmp (output, separate, n_out * sizeof (float)) != 0)
    FUZZ_CHECK (!"values in place and values apart gave two outputs");

  if (h2 == side && w2 == side)
    return;
  /* Small im2col tiles: rows cut into parts of a few columns. */
  cc_plan_options_init (&options);
  options.im2col_tile_bytes = 512;
  options.min_tile_cols = 1 + (int)(variant / 3 % 5);
  options.concat_in_place = variant / 16 % 2 == 0;
  g_free (run_at (model, h2, w2, &options, k[0], k[1], &n_small));
}

void
fuzz_load_and_run (const guint8 *file, gsize length, const char *name, const uint8_t *input,
                   size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcModel) model = cc_model_load_from_data (file, length, name, &error);
  guint variant = 0;

  if (model == NULL)
    {
      check_load_error (error);
      return;
    }
  FUZZ_CHECK (error == NULL);
  /* Which kernels the second size runs on: a function of the whole input. */
  for (size_t i = 0; i < size; i++)
    variant = variant * 31 + input[i];
  fuzz_run_model (model, variant);
}
