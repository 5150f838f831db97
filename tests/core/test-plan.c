/* Memory plan: sizes are checked, shapes inferred, memory reused, the peak
 * known before a run and consistent across sizes. */
#include "config.h"

#include <string.h>

#include "cc-plan.h"

#include "graph-builder.h"

static GraphBuilder *
make_unet (void)
{
  GraphBuilder *gb = gb_new (1, 7);
  gb_unet (gb, 1, 8, 3);
  return gb;
}

static void
test_bad_sizes_rejected (void)
{
  GraphBuilder *gb = make_unet ();
  int bad[][2] = { { 30, 32 }, { 32, 36 }, { 0, 32 }, { 32, -8 }, { 4, 4 } };

  g_assert_cmpint (gb->model.downsamples, ==, 8);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CcPlan) plan = cc_plan_new (&gb->model, bad[i][0], bad[i][1], NULL, &error);
      g_assert_null (plan);
      g_assert_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SIZE);
      g_assert_nonnull (strstr (error->message, "8"));
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (CcPlan) plan = cc_plan_new (&gb->model, 8, 16, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (plan);
  }
  gb_free (gb);
}

/* input -> conv 1->8 -> conv 8->8 -> conv 8->8 -> conv 8->1: two 8-channel
 * buffers take turns; the 1-channel values fit beside them. */
static void
test_chain_peak_exact (void)
{
  GraphBuilder *gb = gb_new (1, 1);
  int x = gb_conv (gb, 0, 1, 8, 3, 1, 1, TRUE, CC_ACT_RELU);
  g_autoptr (GError) error = NULL;
  g_autoptr (CcPlan) plan = NULL;
  gsize s8 = 8 * 64 * 64 * sizeof (float), s1 = s8 / 8;

  x = gb_conv (gb, x, 8, 8, 3, 1, 1, TRUE, CC_ACT_RELU);
  x = gb_conv (gb, x, 8, 8, 3, 1, 1, TRUE, CC_ACT_RELU);
  gb_conv (gb, x, 8, 1, 1, 1, 0, TRUE, CC_ACT_SIGMOID);

  plan = cc_plan_new (&gb->model, 64, 64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plan->naive_bytes, ==, 3 * s8 + 2 * s1);
  g_assert_cmpuint (plan->arena_bytes, ==, 2 * s8);
  /* Value 3 reuses value 1's buffer. */
  g_assert_cmpuint (plan->values[3].offset, ==, plan->values[1].offset);
  g_assert_cmpint (plan->values[4].shape.c, ==, 1);
  g_assert_cmpint (plan->values[4].shape.h, ==, 64);
  /* im2col of the 8->8 3x3 convs is the largest scratch; the 1x1 needs none. */
  g_assert_cmpuint (plan->convs[3].tile_bytes, ==, 0);
  g_assert_cmpuint (plan->scratch_bytes, ==, plan->convs[1].tile_bytes);
  g_assert_cmpuint (plan->convs[1].tile_bytes, >=, 72 * 64 * sizeof (float));
  /* The CPU backend's packed weights of the three 3x3 convs (8 output
   * channels: one block each); no Winograd (under 16 input channels). */
  g_assert_cmpuint (plan->weights_bytes, ==, (1 + 8 + 8) * 9 * 8 * sizeof (float));
  g_assert_cmpuint (plan->worker_bytes, ==, 0);
  g_assert_cmpuint (cc_plan_peak_bytes (plan, 2), ==,
                    2 * s8 + plan->weights_bytes + 2 * plan->scratch_bytes);
  gb_free (gb);
}

/* No two values alive at the same step may share bytes, unless the plan
 * made them share on purpose (same block: concat in place, elementwise in
 * place); every value lies inside the arena. */
static void
check_no_overlap (const CcPlan *plan)
{
  for (int u = 0; u < plan->n_values; u++)
    {
      const CcPlanValue *a = &plan->values[u];
      g_assert_cmpuint (a->offset + a->bytes, <=, plan->arena_bytes);
      g_assert_cmpuint (a->offset % CC_PLAN_ALIGN == 0 || a->in_place_concat, ==, TRUE);
      for (int v = u + 1; v < plan->n_values; v++)
        {
          const CcPlanValue *b = &plan->values[v];
          gboolean together = a->first_step <= b->last_step && b->first_step <= a->last_step;
          gboolean share = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
          if (together && share)
            g_assert_cmpint (a->block, ==, b->block);
        }
    }
}

static void
test_unet_sizes (void)
{
  GraphBuilder *gb = make_unet ();
  gsize arena[3];
  int sizes[3] = { 64, 128, 256 };

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CcPlan) plan = cc_plan_new (&gb->model, sizes[i], sizes[i], NULL, &error);
      g_assert_no_error (error);
      check_no_overlap (plan);
      arena[i] = plan->arena_bytes;
      /* Reuse happens: far less than one buffer per value. */
      g_assert_cmpuint (plan->arena_bytes * 2, <, plan->naive_bytes);
      g_assert_cmpint (plan->values[gb->model.output].shape.c, ==, 3);
      g_assert_cmpint (plan->values[gb->model.output].shape.w, ==, sizes[i]);
      g_test_message (
          "%dx%d: arena %" G_GSIZE_FORMAT " naive %" G_GSIZE_FORMAT " scratch %" G_GSIZE_FORMAT,
          sizes[i], sizes[i], plan->arena_bytes, plan->naive_bytes, plan->scratch_bytes);
    }
  /* Activations scale with the area (up to the few [C,1,1] values). */
  g_assert_cmpuint (arena[1], <=, 4 * arena[0]);
  g_assert_cmpuint (arena[1] + 4096, >=, 4 * arena[0] - 4096 * 3);
  g_assert_cmpuint (arena[2], <=, 4 * arena[1]);
  g_assert_cmpuint (arena[2] + 4096, >=, 4 * arena[1] - 4096 * 3);
  gb_free (gb);
}

static void
test_in_place_options (void)
{
  GraphBuilder *gb = make_unet ();
  CcPlanOptions options;
  g_autoptr (CcPlan) with = NULL;
  g_autoptr (CcPlan) without = NULL;

  cc_plan_options_init (&options);
  with = cc_plan_new (&gb->model, 128, 128, &options, NULL);
  options.concat_in_place = options.elementwise_in_place = FALSE;
  without = cc_plan_new (&gb->model, 128, 128, &options, NULL);
  check_no_overlap (with);
  check_no_overlap (without);

  /* Concat inputs placed in place sit inside their concat, input k after
   * the channels of the inputs before it. */
  for (int i = 0; i < gb->model.n_nodes; i++)
    {
      const CcNode *node = &gb->model.nodes[i];
      gsize offset = with->values[i + 1].offset;
      if (node->op != CC_OP_CONCAT)
        continue;
      for (int k = 0; k < node->n_inputs; k++)
        {
          const CcPlanValue *in = &with->values[node->inputs[k]];
          if (in->in_place_concat)
            g_assert_cmpuint (in->offset, ==, offset);
          g_assert_false (without->values[node->inputs[k]].in_place_concat);
          offset += in->bytes;
        }
    }
  /* The plan keeps a concat in place only where that does not raise the peak. */
  g_assert_cmpuint (with->arena_bytes, <=, without->arena_bytes);
  g_test_message ("arena with in-place %" G_GSIZE_FORMAT ", without %" G_GSIZE_FORMAT,
                  with->arena_bytes, without->arena_bytes);
  gb_free (gb);
}

/* conv -> conv -> concat of both: in place, the concat needs no memory of
 * its own. */
static void
test_concat_in_place_saves (void)
{
  GraphBuilder *gb = gb_new (1, 5);
  int x = gb_conv (gb, 0, 1, 8, 3, 1, 1, TRUE, CC_ACT_RELU);
  int y = gb_conv (gb, x, 8, 8, 3, 1, 1, TRUE, CC_ACT_RELU);
  int in[2] = { x, y };
  int c = gb_node (gb, CC_OP_CONCAT, 2, in);
  CcPlanOptions options;
  g_autoptr (CcPlan) with = NULL;
  g_autoptr (CcPlan) without = NULL;
  gsize s8 = 8 * 32 * 32 * sizeof (float);

  gb_conv (gb, c, 16, 1, 1, 1, 0, TRUE, CC_ACT_SIGMOID);
  cc_plan_options_init (&options);
  with = cc_plan_new (&gb->model, 32, 32, &options, NULL);
  options.concat_in_place = FALSE;
  without = cc_plan_new (&gb->model, 32, 32, &options, NULL);
  check_no_overlap (with);
  g_assert_true (with->values[x].in_place_concat && with->values[y].in_place_concat);
  g_assert_cmpuint (with->values[y].offset, ==, with->values[c].offset + s8);
  /* x, y and their copy in the concat: 4 units; in place: 2 plus the input. */
  g_assert_cmpuint (without->arena_bytes, ==, 4 * s8);
  g_assert_cmpuint (with->arena_bytes, ==, 2 * s8 + s8 / 8);
  gb_free (gb);
}

/* The rule of shapes (cc-shape.c) that the loader applies at a symbolic
 * size, here at real sizes: a global pool's [C,1,1] output is told apart
 * from a 1 x 1 image, and the broadcast factor of mul comes second. */
static void
test_shape_rule (void)
{
  const int size = 16;
  g_autoptr (GError) error = NULL;
  GraphBuilder *gb = gb_new (2, 9);
  int x = 0, pooled, point, in[2];
  CcPlan *plan;

  /* Four halvings of a 16 x 16 input: a 1 x 1 image, which upsamples. */
  for (int i = 0; i < 4; i++)
    x = gb_unary (gb, CC_OP_AVGPOOL2, x);
  pooled = x;
  x = gb_unary (gb, CC_OP_UPSAMPLE_NEAREST, pooled);
  plan = cc_plan_new (&gb->model, size, size, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (plan->values[pooled].shape.h, ==, 1);
  g_assert_false (plan->values[pooled].shape.point);
  g_assert_cmpint (plan->values[x].shape.h, ==, 2);
  cc_plan_free (plan);
  /* Half the size: the fourth pool has a 1 x 1 image to pool. */
  plan = cc_plan_new (&gb->model, size / 2, size / 2, NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE);
  g_clear_error (&error);

  /* A global pool's output: a per-channel factor, not an image. */
  point = gb_unary (gb, CC_OP_GLOBAL_AVGPOOL, 0);
  in[0] = 0;
  in[1] = point;
  gb_node (gb, CC_OP_MUL, 2, in);
  plan = cc_plan_new (&gb->model, size, size, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (plan->values[point].shape.point);
  g_assert_cmpint (plan->values[gb->model.output].shape.h, ==, size);
  cc_plan_free (plan);

  /* Factor first: refused, as the loader refuses it. */
  in[0] = point;
  in[1] = 0;
  gb_node (gb, CC_OP_MUL, 2, in);
  plan = cc_plan_new (&gb->model, size, size, NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "second input"));
  g_clear_error (&error);

  /* A global pool's output is not resized. */
  gb->model.n_nodes--;
  gb_unary (gb, CC_OP_UPSAMPLE_BILINEAR, point);
  plan = cc_plan_new (&gb->model, size, size, NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "global average pool"));
  gb_free (gb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/bad-sizes", test_bad_sizes_rejected);
  g_test_add_func ("/plan/chain-peak-exact", test_chain_peak_exact);
  g_test_add_func ("/plan/unet-sizes", test_unet_sizes);
  g_test_add_func ("/plan/in-place-options", test_in_place_options);
  g_test_add_func ("/plan/concat-in-place-saves", test_concat_in_place_saves);
  g_test_add_func ("/plan/shape-rule", test_shape_rule);
  return g_test_run ();
}
