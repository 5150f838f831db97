/* bench-core: time the C inference core on a model file.
 *
 *   bench-core MODEL SIZE THREADS REPEATS [--layers]
 *
 * Runs the model on a SIZE × SIZE random input REPEATS times (after one
 * warm-up run), on the backend COCOLOR_DEVICE names (default cpu), and keeps, per layer and for the
 * whole network, the fastest run: the machine is shared, the minimum is the least noisy figure.
 * Prints "total_ms=… conv_ms=… conv_gflop=… conv_gflop_done=… peak_bytes=…
 * device=…" last (device: the backend that ran, so a fallback cannot pass
 * for OpenCL); with --layers, a per-layer table before it.  conv_gflop
 * counts the convolutions the direct way, as PyTorch and onnxruntime
 * figures are usually quoted; conv_gflop_done counts what the CPU backend
 * actually multiplies and adds (fewer on its Winograd path, see
 * cc_cpu_conv2d_flops), the figure to hold against the FP32 peak. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc-cpu.h"
#include "cc-backends.h"
#include "cc-forward.h"

static const char *
op_label (const CcNode *node)
{
  static const char *names[]
      = { "conv", "relu",   "leaky_relu", "silu",        "sigmoid",  "tanh",          "add",
          "mul",  "concat", "up_nearest", "up_bilinear", "avgpool2", "global_avgpool" };
  return (unsigned)node->op < G_N_ELEMENTS (names) ? names[node->op] : "?";
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcModel) model = NULL;
  g_autoptr (CcPlan) plan = NULL;
  g_autoptr (CcForward) fw = NULL;
  g_autofree float *input = NULL;
  g_autofree float *output = NULL;
  g_autofree double *best_node = NULL;
  const CcPlan *p;
  double best_total = G_MAXDOUBLE, conv_s = 0, conv_flops = 0, done_flops = 0;
  g_autoptr (CcCpu) probe = NULL; /* the CPU backend's choice of path */
  int size, threads, repeats;
  gboolean layers;
  gsize in_n, out_n;
  CcShape os;

  if (argc < 5)
    {
      fprintf (stderr, "usage: %s MODEL SIZE THREADS REPEATS [--layers]\n", argv[0]);
      return 2;
    }
  size = atoi (argv[2]);
  threads = atoi (argv[3]);
  repeats = MAX (1, atoi (argv[4]));
  layers = argc > 5 && strcmp (argv[5], "--layers") == 0;

  model = cc_model_load (argv[1], &error);
  if (model == NULL)
    goto fail;
  {
    /* COCOLOR_IM2COL_TILE_BYTES: try other tilings. */
    CcPlanOptions options;
    const char *tile = g_getenv ("COCOLOR_IM2COL_TILE_BYTES");
    cc_plan_options_init (&options);
    if (tile)
      options.im2col_tile_bytes = g_ascii_strtoull (tile, NULL, 10);
    plan = cc_plan_new (model, size, size, &options, &error);
  }
  if (plan == NULL)
    goto fail;
  cc_backends_register_all ();
  fw = cc_forward_new_on (model, g_steal_pointer (&plan), threads,
                          cc_device_from_env (CC_DEVICE_CPU), &error);
  if (fw == NULL)
    goto fail;
  p = cc_forward_get_plan (fw);
  if (cc_forward_get_device (fw) == CC_DEVICE_CPU)
    {
      probe = cc_cpu_new (1, &error);
      if (probe == NULL)
        goto fail;
    }
  for (int i = 0; i < model->n_nodes; i++)
    if (model->nodes[i].op == CC_OP_CONV2D)
      done_flops += probe ? cc_cpu_conv2d_flops (probe, &model->nodes[i], p->values[i + 1].shape)
                          : cc_plan_node_flops (p, i);
  os = p->values[model->output].shape;
  in_n = (gsize)model->info.input_channels * size * size;
  out_n = (gsize)os.c * os.h * os.w;
  input = g_new (float, in_n);
  output = g_new (float, out_n);
  for (gsize i = 0; i < in_n; i++)
    input[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
  best_node = g_new (double, model->n_nodes);
  for (int i = 0; i < model->n_nodes; i++)
    best_node[i] = G_MAXDOUBLE;

  cc_forward_set_profiling (fw, layers);
  for (int r = -1; r < repeats; r++)
    {
      gint64 start = g_get_monotonic_time ();
      if (!cc_forward_run (fw, input, output, &error))
        goto fail;
      if (r < 0)
        continue; /* warm-up: page faults, first-touch buffers */
      best_total = MIN (best_total, (double)(g_get_monotonic_time () - start) * 1e-6);
      for (int i = 0; layers && i < model->n_nodes; i++)
        best_node[i] = MIN (best_node[i], cc_forward_get_node_seconds (fw)[i]);
    }

  if (layers)
    {
      /* GFLOPS: counted the direct way; done: what the backend performs. */
      printf ("%-4s %-34s %-14s %-16s %10s %8s %8s\n", "#", "layer", "op", "output", "ms", "GFLOPS",
              "done");
      for (int i = 0; i < model->n_nodes; i++)
        {
          const CcNode *node = &model->nodes[i];
          CcShape s = p->values[i + 1].shape;
          double flops = cc_plan_node_flops (p, i);
          char shape[32], op[32];
          g_snprintf (shape, sizeof shape, "%dx%dx%d", s.c, s.h, s.w);
          if (node->op == CC_OP_CONV2D)
            g_snprintf (op, sizeof op, "conv%dx%d/%d", node->kernel, node->kernel, node->stride);
          else
            g_snprintf (op, sizeof op, "%s", op_label (node));
          printf ("%-4d %-34.34s %-14s %-16s %10.3f", i, node->name ? node->name : "", op, shape,
                  best_node[i] * 1e3);
          if (flops > 0)
            printf (" %8.1f %8.1f", flops / best_node[i] * 1e-9,
                    (probe ? cc_cpu_conv2d_flops (probe, node, s) : flops) / best_node[i] * 1e-9);
          printf ("\n");
          if (flops > 0)
            {
              conv_s += best_node[i];
              conv_flops += flops;
            }
        }
    }
  else
    conv_flops = p->flops;
  printf (
      "total_ms=%.3f conv_ms=%.3f conv_gflop=%.3f conv_gflop_done=%.3f peak_bytes=%" G_GSIZE_FORMAT
      " device=%s\n",
      best_total * 1e3, conv_s * 1e3, conv_flops * 1e-9, done_flops * 1e-9,
      cc_plan_peak_bytes (p, cc_forward_get_n_threads (fw)),
      cc_forward_get_device (fw) == CC_DEVICE_OPENCL ? "opencl" : "cpu");
  return 0;

fail:
  fprintf (stderr, "bench-core: %s\n", error->message);
  return 1;
}
