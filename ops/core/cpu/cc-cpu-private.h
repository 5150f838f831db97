/* CoColor inference core: what the CPU backend's files share (not an API).
 *
 * cc-cpu-pool.c: the CcCpu and its thread pool; cc-cpu-gemm.c: convolution
 * (the choice of path, and im2col + our GEMM, cc-cpu-sgemm.c); cc-cpu-direct.c: the AVX-512
 * direct 3x3 kernel; cc-cpu-winograd.c: Winograd F(4x4, 3x3);
 * cc-cpu-elementwise.c: activations, elementwise layers, resampling;
 * cc-cpu-backend.c: all of it behind CcBackendOps. */
#pragma once

#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_DIRECT 1
#endif

#include "cc-cpu.h"

G_BEGIN_DECLS

struct _CcCpu
{
  int n_threads;
  GThreadPool *pool;  /* n_threads - 1 helpers; the caller is the last worker */
  gboolean direct;    /* the CPU runs the AVX-512 direct convolution */
  int winograd;       /* and 3x3 stride-1 ones as Winograd F(mxm, 3x3): m, or 0 */
  GHashTable *packed; /* CcNode * -> weights packed for the direct kernel */
  GHashTable *wino;   /* CcNode * -> weights transformed for Winograd */
  float *scratch;     /* Winograd: scratch_floats per thread, 64-byte aligned */
  gsize scratch_floats;
  gsize allocated; /* bytes taken through cc_cpu_try_alloc () */
};

typedef void (*ItemFunc) (int item, int worker, gpointer data);

/* func (item, worker, data) for every item in [0, n_items), shared among
 * the CcCpu's threads; worker is in [0, n_threads).  Returns when all ran. */
void cc_cpu_parallel_for (CcCpu *cpu, int n_items, ItemFunc func, gpointer data);

/* bytes of memory aligned to 64, or NULL and a CC_PLAN_ERROR_MEMORY naming
 * what; counted in cpu->allocated, and refused past the test cap
 * (cc_cpu_set_memory_cap).  Free with free (). */
gpointer cc_cpu_try_alloc (CcCpu *cpu, gsize bytes, const char *what, GError **error);

/* The AVX-512 direct 3x3 kernel (cc-cpu-direct.c): whether it takes node, and the convolution. */
gboolean cc_cpu_direct_applies (const CcCpu *cpu, const CcNode *node);
gsize cc_cpu_direct_weights_bytes (const CcNode *node);
/* The packed weights of node, made now (cc_cpu_prepare). */
gboolean cc_cpu_direct_prepare (CcCpu *cpu, const CcNode *node, GError **error);
void cc_cpu_direct_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is, float *out,
                           CcShape os);

/* Winograd F(4x4, 3x3) (cc-cpu-winograd.c). */
gboolean cc_cpu_winograd_applies (const CcCpu *cpu, const CcNode *node);
/* Whether node has the shape Winograd takes (whatever the CPU). */
gboolean cc_cpu_winograd_fits (const CcNode *node);
gsize cc_cpu_winograd_weights_bytes (const CcNode *node);
/* V and M of one worker for node on an input of shape is. */
gsize cc_cpu_winograd_worker_bytes (const CcNode *node, CcShape is);
/* The transformed weights of node, made now (cc_cpu_prepare). */
gboolean cc_cpu_winograd_prepare (CcCpu *cpu, const CcNode *node, GError **error);
void cc_cpu_winograd_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is,
                             float *out, CcShape os);

/* ---- activations ---- */

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* x[i] = act (x[i] + bias): one pass, one loop per case so each vectorises. */
static inline void
bias_activation (float *restrict x, gsize n, float bias, CcActivation act, float alpha)
{
  switch (act)
    {
    case CC_ACT_NONE:
      if (bias != 0.0f)
        for (gsize i = 0; i < n; i++)
          x[i] += bias;
      break;
    case CC_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float v = x[i] + bias;
          x[i] = v > 0.0f ? v : 0.0f;
        }
      break;
    case CC_ACT_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float v = x[i] + bias;
          x[i] = v > 0.0f ? v : v * alpha;
        }
      break;
    case CC_ACT_SILU:
      for (gsize i = 0; i < n; i++)
        {
          float v = x[i] + bias;
          x[i] = v * sigmoidf (v);
        }
      break;
    case CC_ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        x[i] = sigmoidf (x[i] + bias);
      break;
    case CC_ACT_TANH:
      for (gsize i = 0; i < n; i++)
        x[i] = tanhf (x[i] + bias);
      break;
    }
}

#ifdef HAVE_X86_DIRECT
/* Lanes l of a vector whose input column base + l lies in [0, width). */
static inline __mmask16
lanes_inside (int base, int width)
{
  int lo = MAX (0, -base), hi = MIN (16, width - base);

  return hi > lo ? (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)) : 0;
}
#endif

G_END_DECLS
