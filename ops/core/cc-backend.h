/* CoColor inference core: what the forward pass asks of a backend, and the
 * registry of the backends a program has.
 *
 * One function per layer type, on values the plan placed: a value is a byte
 * offset into the backend's own arena of plan->arena_bytes (host memory for
 * the CPU, one device buffer for OpenCL), so every backend runs the same
 * plan.  Layer functions queue work and report nothing; sync() waits for it
 * and returns the first failure (a device may fail at any point).
 *
 * The core knows one backend, the CPU's (cpu/), always there.  Others
 * (the OpenCL one, ../../opencl) live in libraries of their own on top of
 * the core and are registered by the program (ops/cc-backends.c) before
 * it makes a CcForward. */
#pragma once

#include "cc-plan.h"

G_BEGIN_DECLS

/* Where the network runs.  AUTO: a GPU backend when there is one that
 * works, else the CPU backend; OPENCL: any OpenCL device (a CPU one too,
 * e.g. PoCL). */
typedef enum
{
  CC_DEVICE_AUTO,
  CC_DEVICE_CPU,
  CC_DEVICE_OPENCL,
} CcDevice;

typedef struct
{
  const char *name;
  gboolean (*upload) (void *be, gsize offset, const float *src, gsize n, GError **error);
  gboolean (*download) (void *be, gsize offset, float *dst, gsize n, GError **error);
  /* node is model->nodes[index]. */
  void (*conv2d) (void *be, int index, const CcNode *node, gsize in, CcShape in_shape, gsize out,
                  CcShape out_shape);
  void (*activation) (void *be, CcActivation act, float alpha, gsize in, gsize out, gsize n);
  void (*add) (void *be, gsize a, gsize b, gsize out, gsize n);
  /* b has either a's shape or [C,1,1] (cc_shape_infer). */
  void (*mul) (void *be, gsize a, CcShape a_shape, gsize b, CcShape b_shape, gsize out);
  /* Nothing to do when in == out (the plan put the value there). */
  void (*copy) (void *be, gsize in, gsize out, gsize n);
  void (*upsample_nearest) (void *be, gsize in, CcShape in_shape, gsize out);
  void (*upsample_bilinear) (void *be, gsize in, CcShape in_shape, gsize out);
  void (*avgpool2) (void *be, gsize in, CcShape in_shape, gsize out);
  void (*global_avgpool) (void *be, gsize in, CcShape in_shape, gsize out);
  gboolean (*sync) (void *be, GError **error);
  void (*free) (void *be);
} CcBackendOps;

/* A backend: how to make one, and what to do when it fails. */
typedef struct
{
  const char *name;
  CcDevice device; /* what it runs on: CC_DEVICE_CPU, CC_DEVICE_OPENCL */
  /* Everything a run needs, allocated now (a run allocates nothing).
   * asked: the device the caller asked for, AUTO or this one. */
  void *(*create) (const CcModel *model, const CcPlan *plan, int n_threads, CcDevice asked,
                   GError **error);
  /* error came from create () or from a run: TRUE when the CPU backend is
   * to take over (the backend has said so, once, as it sees fit), FALSE
   * when the error is the caller's (the CPU would fail the same way).
   * NULL: never (the CPU backend's). */
  gboolean (*fall_back) (const GError *error, CcDevice asked);
  const CcBackendOps *ops;
} CcBackendClass;

/* The CPU backend (cpu/cc-cpu-backend.c). */
extern const CcBackendClass cc_cpu_backend_class;

/* Makes klass available to cc_forward_new_on () (registering it again is
 * harmless; thread-safe). */
void cc_backend_register (const CcBackendClass *klass);
/* The backend for device: the CPU one for CC_DEVICE_CPU, the first one
 * registered that is not the CPU for CC_DEVICE_AUTO; NULL when there is
 * none. */
const CcBackendClass *cc_backend_lookup (CcDevice device);

G_END_DECLS
