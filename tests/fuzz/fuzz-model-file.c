/* Fuzz target: the input is a whole model file.
 *
 * cc_model_load_from_data () must refuse it with a CC_MODEL_ERROR or return
 * a model that keeps every promise of cc-model.h; a model it returns is
 * planned and run on the CPU backend (fuzz-common.c). */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcModel) model = cc_model_load_from_data (data, size, "fuzz", &error);
  guint variant = 0;

  if (model == NULL)
    {
      fuzz_check_load_error (error);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  /* Which kernels the second size runs on: a function of the whole file. */
  for (size_t i = 0; i < size; i++)
    variant = variant * 31 + data[i];
  fuzz_run_model (model, variant);
  return 0;
}
