/* run-model: load a model file, run it on a raw float32 C×H×W input, write
 * the raw float32 output.  The parity tests drive it from Python.
 *
 *   run-model MODEL INPUT.f32 C H W OUTPUT.f32 [THREADS]
 *
 * Prints the output's "C H W" on stdout. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cc-backends.h"
#include "cc-forward.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcModel) model = NULL;
  g_autoptr (CcPlan) plan = NULL;
  g_autoptr (CcForward) fw = NULL;
  g_autofree char *input = NULL;
  g_autofree float *output = NULL;
  gsize input_len;
  int c, h, w, threads;
  CcShape out;

  if (argc < 7)
    {
      fprintf (stderr, "usage: %s MODEL INPUT.f32 C H W OUTPUT.f32 [THREADS]\n", argv[0]);
      return 2;
    }
  c = atoi (argv[3]);
  h = atoi (argv[4]);
  w = atoi (argv[5]);
  threads = argc > 7 ? atoi (argv[7]) : 1;

  model = cc_model_load (argv[1], &error);
  if (model == NULL)
    goto fail;
  if (c != model->info.input_channels)
    {
      fprintf (stderr, "the model takes %d channels, not %d\n", model->info.input_channels, c);
      return 1;
    }
  if (!g_file_get_contents (argv[2], &input, &input_len, &error))
    goto fail;
  if (input_len != (gsize)c * h * w * sizeof (float))
    {
      fprintf (stderr, "%s: %" G_GSIZE_FORMAT " bytes, not %d×%d×%d floats\n", argv[2], input_len,
               c, h, w);
      return 1;
    }

  plan = cc_plan_new (model, h, w, NULL, &error);
  if (plan == NULL)
    goto fail;
  out = plan->values[model->output].shape;
  /* COCOLOR_DEVICE=opencl: the same checks on the OpenCL backend. */
  cc_backends_register_all ();
  fw = cc_forward_new_on (model, g_steal_pointer (&plan), threads,
                          cc_device_from_env (CC_DEVICE_CPU), &error);
  if (fw == NULL)
    goto fail;
  output = g_new (float, (gsize)out.c *out.h *out.w);
  if (!cc_forward_run (fw, (const float *)input, output, &error))
    goto fail;
  if (cc_device_from_env (CC_DEVICE_CPU) == CC_DEVICE_OPENCL
      && cc_forward_get_device (fw) != CC_DEVICE_OPENCL)
    {
      fprintf (stderr, "run-model: OpenCL was asked for, but the CPU ran\n");
      return 1;
    }
  if (!g_file_set_contents (argv[6], (const char *)output,
                            (gssize)((gsize)out.c * out.h * out.w * sizeof (float)), &error))
    goto fail;
  printf ("%d %d %d\n", out.c, out.h, out.w);
  return 0;

fail:
  fprintf (stderr, "run-model: %s\n", error->message);
  return 1;
}
