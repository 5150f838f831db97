/* CoColor inference core: what the forward pass asks of a backend.
 *
 * One function per layer type, on values the plan placed: a value is a byte
 * offset into the backend's own arena of plan->arena_bytes (host memory for
 * the CPU, one device buffer for OpenCL), so every backend runs the same
 * plan.  Layer functions queue work and report nothing; sync() waits for it
 * and returns the first failure (a device may fail at any point). */
#pragma once

#include "cc-plan.h"

G_BEGIN_DECLS

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
  /* b has either a's shape or [C,1,1] (a may be the [C,1,1] one). */
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

/* The CPU backend (cc-cpu.c) behind this interface: it owns the arena and
 * the im2col scratch the plan asks for. */
void *cc_cpu_backend_new (const CcModel *model, const CcPlan *plan, int n_threads, GError **error);
int cc_cpu_backend_get_n_threads (void *be);
extern const CcBackendOps cc_cpu_backend_ops;

G_END_DECLS
