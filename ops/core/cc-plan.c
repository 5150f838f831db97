/* CoColor inference core: memory plan (see cc-plan.h).
 *
 * Steps: infer shapes; find each value's lifetime [written, last read];
 * group values that share memory into blocks (a concat and the inputs
 * written straight into it; an elementwise op writing over an input nobody
 * reads later); give each block an arena offset, largest first, at the
 * lowest offset free during its whole lifetime. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cc-plan.h"
#include "cc-cpu.h" /* what the CPU backend makes beside the arena */

G_DEFINE_QUARK (cc - plan - error - quark, cc_plan_error)

/* Keep one im2col tile within a core's L2 cache with room for the GEMM's
 * packed panels. */
#define DEFAULT_IM2COL_TILE_BYTES (256 * 1024)
#define MIN_TILE_COLS 256

typedef struct
{
  gsize bytes;
  int first, last; /* lifetime in steps, inclusive */
  gsize offset;
} Block;

void
cc_plan_options_init (CcPlanOptions *options)
{
  options->concat_in_place = TRUE;
  options->elementwise_in_place = TRUE;
  options->im2col_tile_bytes = DEFAULT_IM2COL_TILE_BYTES;
  options->min_tile_cols = MIN_TILE_COLS;
}

static gsize
align_up (gsize n)
{
  return (n + CC_PLAN_ALIGN - 1) / CC_PLAN_ALIGN * CC_PLAN_ALIGN;
}

static gboolean
same_shape (CcShape a, CcShape b)
{
  return a.c == b.c && a.h == b.h && a.w == b.w;
}

static gboolean
is_elementwise (CcOpType op)
{
  switch (op)
    {
    case CC_OP_RELU:
    case CC_OP_LEAKY_RELU:
    case CC_OP_SILU:
    case CC_OP_SIGMOID:
    case CC_OP_TANH:
    case CC_OP_ADD:
    case CC_OP_MUL:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The rule of shapes (cc-shape.c) at this input size. */
static gboolean
infer_shape (const CcNode *node, const CcPlanValue *values, CcShape *out, GError **error)
{
  CcShape inputs[CC_MAX_INPUTS];
  CcShapeFault fault;
  g_autofree char *why = NULL;

  for (int i = 0; i < node->n_inputs; i++)
    inputs[i] = values[node->inputs[i]].shape;
  fault = cc_shape_infer (node, inputs, out);
  if (fault == CC_SHAPE_OK)
    return TRUE;
  why = cc_shape_fault_message (fault, node, inputs);
  g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE, _ ("Layer “%s”: %s at this input size"),
               node->name ? node->name : "?", why);
  return FALSE;
}

/* How a convolution is cut into tiles and how much im2col it needs. */
static CcPlanConv
plan_conv (const CcNode *node, CcShape out, gsize budget, int min_cols)
{
  CcPlanConv pc;
  gsize k = (gsize)node->in_channels * node->kernel * node->kernel;
  gsize row_bytes = k * out.w * sizeof (float);
  gboolean direct = node->kernel == 1 && node->stride == 1 && node->padding == 0;

  pc.tile_cols = out.w;
  pc.tile_rows = (int)CLAMP (budget / row_bytes, 1, (gsize)out.h);
  /* At least four tiles where the image allows, so two or more threads share
   * the work of small layers. */
  pc.tile_rows = MIN (pc.tile_rows, MAX (1, (out.h + 3) / 4));
  if (row_bytes > budget)
    {
      /* Part of a row: a multiple of 16 columns suits the GEMM kernels,
       * and narrower than MIN_TILE_COLS the GEMM runs slowly whatever the
       * cache does. */
      gsize cols = MAX (budget / (k * sizeof (float)) / 16 * 16, (gsize)min_cols);
      pc.tile_cols = (int)MIN (cols, (gsize)out.w);
    }
  pc.tile_bytes = direct ? 0 : align_up (k * pc.tile_rows * pc.tile_cols * sizeof (float));
  return pc;
}

/* Concat inputs that can be written straight into the concat's output: made
 * by a node (not the graph input), not a concat themselves, read once by
 * this concat, and not already living inside another concat. */
static gboolean
can_write_into_concat (const CcModel *model, const CcPlanValue *values, const CcNode *node, int k)
{
  int v = node->inputs[k];

  if (v == 0 || v == model->output || values[v].in_place_concat)
    return FALSE;
  if (model->nodes[v - 1].op == CC_OP_CONCAT)
    return FALSE;
  for (int j = 0; j < node->n_inputs; j++)
    if (j != k && node->inputs[j] == v)
      return FALSE;
  return TRUE;
}

static void
block_join (Block *block, const CcPlanValue *value)
{
  block->first = MIN (block->first, value->first_step);
  block->last = MAX (block->last, value->last_step);
}

/* Put blocks in the arena: largest first, each at the lowest offset that no
 * block alive at the same time occupies.  Returns the arena size. */
static gsize
place_blocks (Block *blocks, int n_blocks)
{
  g_autofree int *order = g_new (int, n_blocks);
  g_autofree int *placed = g_new (int, n_blocks);
  int n_placed = 0;
  gsize arena = 0;

  for (int i = 0; i < n_blocks; i++)
    order[i] = i;
  /* Insertion sort: by size, descending; earlier first among equals. */
  for (int i = 1; i < n_blocks; i++)
    {
      int b = order[i], j = i;
      while (j > 0
             && (blocks[order[j - 1]].bytes < blocks[b].bytes
                 || (blocks[order[j - 1]].bytes == blocks[b].bytes
                     && blocks[order[j - 1]].first > blocks[b].first)))
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = b;
    }

  for (int i = 0; i < n_blocks; i++)
    {
      Block *b = &blocks[order[i]];
      gsize offset = 0;
      gboolean moved = TRUE;

      if (b->bytes == 0)
        continue;
      /* Move past every overlapping neighbour until none overlaps. */
      while (moved)
        {
          moved = FALSE;
          for (int j = 0; j < n_placed; j++)
            {
              Block *p = &blocks[placed[j]];
              gboolean alive_together = p->first <= b->last && b->first <= p->last;
              gboolean overlaps = offset < p->offset + p->bytes && p->offset < offset + b->bytes;
              if (alive_together && overlaps)
                {
                  offset = p->offset + p->bytes;
                  moved = TRUE;
                }
            }
        }
      b->offset = offset;
      placed[n_placed++] = order[i];
      arena = MAX (arena, offset + b->bytes);
    }
  return arena;
}

/* Groups values into blocks and places them; concats whose flag in
 * concat_in_place is set take their inputs in place.  Returns the arena size
 * and fills in every value's block and offset. */
static gsize
assign_memory (CcPlan *plan, const CcPlanOptions *options, const gboolean *concat_in_place)
{
  const CcModel *model = plan->model;
  int n_steps = plan->n_values;
  g_autofree Block *blocks = g_new0 (Block, n_steps);
  g_autofree gsize *member_offset = g_new0 (gsize, n_steps);
  gsize arena;

  /* One block per value to begin with. */
  for (int v = 0; v < n_steps; v++)
    {
      plan->values[v].block = v;
      plan->values[v].in_place_concat = FALSE;
      blocks[v] = (Block){ align_up (plan->values[v].bytes), v, plan->values[v].last_step, 0 };
    }

  /* Concat inputs written in place: they join the concat's block, at the
   * offset of their channels. */
  for (int i = 0; i < model->n_nodes; i++)
    {
      const CcNode *node = &model->nodes[i];
      gsize offset = 0;

      if (node->op != CC_OP_CONCAT || !concat_in_place[i])
        continue;
      for (int k = 0; k < node->n_inputs; k++)
        {
          int v = node->inputs[k];
          CcPlanValue *value = &plan->values[v];
          if (can_write_into_concat (model, plan->values, node, k))
            {
              value->in_place_concat = TRUE;
              value->block = i + 1;
              member_offset[v] = offset;
              blocks[v].bytes = 0;
              block_join (&blocks[i + 1], value);
            }
          offset += value->bytes;
        }
    }

  /* Elementwise ops write over their full-size input when that input's
   * block is read by nobody after this step. */
  for (int i = 0; options->elementwise_in_place && i < model->n_nodes; i++)
    {
      const CcNode *node = &model->nodes[i];
      CcPlanValue *out = &plan->values[i + 1];

      if (!is_elementwise (node->op) || out->in_place_concat || blocks[i + 1].bytes == 0)
        continue;
      for (int k = 0; k < node->n_inputs && k < 2; k++)
        {
          const CcPlanValue *in = &plan->values[node->inputs[k]];
          Block *b = &blocks[in->block];
          /* Reading and writing the same element is safe; anything else in
           * the block is dead once its last reader (at most this step) ran. */
          if (b->last != i + 1 || !same_shape (in->shape, out->shape))
            continue;
          out->block = in->block;
          member_offset[i + 1] = member_offset[node->inputs[k]];
          blocks[i + 1].bytes = 0;
          block_join (b, out);
          break;
        }
    }

  arena = place_blocks (blocks, n_steps);
  for (int v = 0; v < n_steps; v++)
    plan->values[v].offset = blocks[plan->values[v].block].offset + member_offset[v];
  return arena;
}

CcPlan *
cc_plan_new (const CcModel *model, int height, int width, const CcPlanOptions *options,
             GError **error)
{
  g_autoptr (CcPlan) plan = NULL;
  CcPlanOptions defaults;
  int n_steps = model->n_nodes + 1;
  int ds = MAX (model->downsamples, 1);
  g_autofree gboolean *concat_in_place = NULL;

  if (options == NULL)
    {
      cc_plan_options_init (&defaults);
      options = &defaults;
    }

  if (height <= 0 || width <= 0 || height % ds != 0 || width % ds != 0)
    {
      g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SIZE,
                   _ ("The model accepts images whose sides are positive multiples of %d "
                      "pixels, not %d × %d"),
                   ds, width, height);
      return NULL;
    }

  plan = g_new0 (CcPlan, 1);
  plan->model = model;
  plan->height = height;
  plan->width = width;
  plan->n_values = n_steps;
  plan->values = g_new0 (CcPlanValue, n_steps);
  plan->convs = g_new0 (CcPlanConv, model->n_nodes);

  /* Shapes and lifetimes.  Value v is written at step v and read at step
   * i + 1 by node i; the graph output is read after the last step. */
  plan->values[0].shape = (CcShape){ model->info.input_channels, height, width, FALSE };
  for (int i = 0; i < model->n_nodes; i++)
    {
      const CcNode *node = &model->nodes[i];
      CcPlanValue *out = &plan->values[i + 1];

      if (!infer_shape (node, plan->values, &out->shape, error))
        return NULL;
      for (int k = 0; k < node->n_inputs; k++)
        plan->values[node->inputs[k]].last_step = i + 1;
      if (node->op == CC_OP_CONV2D)
        {
          gsize budget
              = options->im2col_tile_bytes ? options->im2col_tile_bytes : DEFAULT_IM2COL_TILE_BYTES;
          int min_cols = options->min_tile_cols > 0 ? options->min_tile_cols : MIN_TILE_COLS;
          plan->convs[i] = plan_conv (node, out->shape, budget, min_cols);
          plan->scratch_bytes = MAX (plan->scratch_bytes, plan->convs[i].tile_bytes);
          {
            gsize weights, per_worker;
            cc_cpu_conv_bytes (node, plan->values[node->inputs[0]].shape, &weights, &per_worker);
            plan->weights_bytes += weights;
            plan->worker_bytes = MAX (plan->worker_bytes, per_worker);
          }
          plan->flops += cc_plan_node_flops (plan, i);
        }
    }
  for (int v = 0; v < n_steps; v++)
    {
      CcPlanValue *value = &plan->values[v];
      CcShape s = value->shape;
      value->bytes = (gsize)s.c * s.h * s.w * sizeof (float);
      value->first_step = v;
      value->last_step = MAX (value->last_step, v);
      value->block = v;
      plan->naive_bytes += align_up (value->bytes);
    }
  plan->values[model->output].last_step = n_steps;

  /* Concats in place save copies but keep their skip inputs' memory
   * reserved longer; keep each one in place only when that does not raise
   * the peak. */
  concat_in_place = g_new0 (gboolean, MAX (model->n_nodes, 1));
  for (int i = 0; i < model->n_nodes; i++)
    concat_in_place[i] = options->concat_in_place && model->nodes[i].op == CC_OP_CONCAT;
  plan->arena_bytes = assign_memory (plan, options, concat_in_place);
  for (int i = model->n_nodes - 1; i >= 0; i--)
    if (concat_in_place[i])
      {
        gsize arena;
        concat_in_place[i] = FALSE;
        arena = assign_memory (plan, options, concat_in_place);
        if (arena < plan->arena_bytes)
          plan->arena_bytes = arena;
        else
          concat_in_place[i] = TRUE;
      }
  plan->arena_bytes = assign_memory (plan, options, concat_in_place);

  return g_steal_pointer (&plan);
}

void
cc_plan_free (CcPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->values);
  g_free (plan->convs);
  g_free (plan);
}

gsize
cc_plan_peak_bytes (const CcPlan *plan, int n_workers)
{
  return plan->arena_bytes + plan->weights_bytes
         + (gsize)MAX (n_workers, 1) * (plan->scratch_bytes + plan->worker_bytes);
}

double
cc_plan_node_flops (const CcPlan *plan, int node)
{
  const CcNode *n = &plan->model->nodes[node];
  CcShape out = plan->values[node + 1].shape;

  if (n->op != CC_OP_CONV2D)
    return 0.0;
  return 2.0 * n->out_channels * n->in_channels * n->kernel * n->kernel * out.h * out.w;
}
