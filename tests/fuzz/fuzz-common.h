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

/* Once per process: GLib criticals and warnings become fatal. */
void fuzz_init (void);

/* error says why the loader refused a file: set, in CC_MODEL_ERROR. */
void fuzz_check_load_error (const GError *error);

/* Checks what the loader promises of model, then plans and runs it at one
 * or two small sizes, unless that would take much memory or time.  variant
 * (any number) picks which CPU kernels the second size runs on. */
void fuzz_run_model (const CcModel *model, guint variant);

/* The libFuzzer entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
