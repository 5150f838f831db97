/* Fuzz target: the input is a whole model file.
 *
 * cc_model_load_from_data () must refuse it with a CC_MODEL_ERROR or return
 * a model that keeps every promise of cc-model.h; a model it returns is
 * planned and run on the CPU backend (fuzz-common.c). */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_load_and_run (data, size, "fuzz", data, size);
  return 0;
}
