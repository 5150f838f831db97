/* What the fuzz targets share: checks that abort (libFuzzer then saves the
 * input), and the run of a model the loader accepted: its invariants, a
 * memory plan and forward passes on the CPU backend at small sizes. */
#pragma once

#include <stdint.h>
#include <stdlib.h>

#include "cc-forward.h"

/* A broken promise of the core: print it and abort, so that libFuzzer keeps
 * the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
  do                                                                                               \
    {                                                                                              \
      if (!(cond))                                                                                 \
        fuzz_fail (__FILE__, __LINE__, #cond);                                                     \
    }                                                                                              \
  while (0)

G_NORETURN void fuzz_fail (const char *file, int line, const char *what);

/* Checks what the loader promises of model, then plans and runs it at one
 * or two small sizes, unless that would take much memory or time.  variant
 * (any number) picks which CPU kernels the second size runs on. */
void fuzz_run_model (const CcModel *model, guint variant);

/* Loads file (length bytes; name for messages): a refusal must be a
 * CC_MODEL_ERROR with a message, a model is checked and run by
 * fuzz_run_model () with a variant made from the fuzzer's input. */
void fuzz_load_and_run (const guint8 *file, gsize length, const char *name, const uint8_t *input,
                        size_t size);

/* The libFuzzer entry points, declared for -Wmissing-prototypes.
 * LLVMFuzzerInitialize (fuzz-common.c, once per process) makes GLib
 * criticals and warnings fatal. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
