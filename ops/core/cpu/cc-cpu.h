/* CoColor inference core: CPU backend kernels.
 *
 * Tensors are plain NCHW float arrays (N = 1) inside the plan's arena.
 * Threads: a GLib thread pool shares each layer's work (row tiles of a
 * convolution, channels of the other layers); the GEMM (cc-cpu-sgemm.c)
 * runs in the calling thread, so the two never compete for the cores.  Every output
 * element is computed by the same code in the same order whatever thread
 * runs it: results are identical run to run. */
#pragma once

#include "cc-plan.h"

G_BEGIN_DECLS

typedef struct _CcCpu CcCpu;

/* n_threads <= 0: as many as the machine has cores.  A CcCpu keeps the
 * weights of each convolution it ran, packed for the direct kernel, keyed by
 * node: use one CcCpu per model. */
CcCpu *cc_cpu_new (int n_threads, GError **error);
void cc_cpu_free (CcCpu *cpu);
int cc_cpu_get_n_threads (const CcCpu *cpu);
/* Whether 3x3 stride-1 and stride-2 convolutions run the AVX-512 direct kernel (the CPU
 * has it and COCOLOR_CPU_DIRECT is not "0") rather than im2col + GEMM. */
gboolean cc_cpu_get_direct (const CcCpu *cpu);
/* The output tile size m of the Winograd F(mxm, 3x3) path that 3x3
 * stride-1 convolutions with padding 1 and at least 16 input channels take:
 * 4, or 0 where the direct kernel is not there or COCOLOR_CPU_WINOGRAD is
 * "0". */
int cc_cpu_get_winograd (const CcCpu *cpu);
/* The floating-point operations (2 per multiply-add) that cc_cpu_conv2d
 * performs for node with output shape os: the direct count, or for the
 * Winograd path its GEMMs' ((m + 2)^2 products per m x m tile, input and
 * output channel; the transforms, a few percent, not counted). */
double cc_cpu_conv2d_flops (const CcCpu *cpu, const CcNode *node, CcShape os);

/* Makes now everything the convolutions of model will need at plan's
 * sizes (packed and transformed weights, Winograd buffers), with
 * allocations that may fail: a run allocates nothing.  CC_PLAN_ERROR_MEMORY
 * when there is not enough memory.  Call before the first cc_cpu_conv2d. */
gboolean cc_cpu_prepare (CcCpu *cpu, const CcModel *model, const CcPlan *plan, GError **error);

/* At most what cc_cpu_prepare () makes for node (whatever the CPU): weights
 * once, and per worker thread.  The plan counts it in its peak. */
void cc_cpu_conv_bytes (const CcNode *node, CcShape in_shape, gsize *weights, gsize *per_worker);

/* Tests: from now on, a CcCpu refuses to take more than bytes in all
 * (G_MAXSIZE: no cap), as a machine short of memory would. */
void cc_cpu_set_memory_cap (gsize bytes);

/* scratch: n_threads buffers of tiling->tile_bytes each, one per thread. */
void cc_cpu_conv2d (CcCpu *cpu, const CcNode *node, const CcPlanConv *tiling, const float *in,
                    CcShape in_shape, float *out, CcShape out_shape, float *scratch);

/* out may equal in. */
void cc_cpu_activation (CcCpu *cpu, CcActivation act, float alpha, const float *in, float *out,
                        gsize n);

void cc_cpu_add (CcCpu *cpu, const float *a, const float *b, float *out, gsize n);

/* b has either a's shape or [C,1,1] (cc_shape_infer). */
void cc_cpu_mul (CcCpu *cpu, const float *a, CcShape a_shape, const float *b, CcShape b_shape,
                 float *out);

/* Copies in into out unless the plan already put it there. */
void cc_cpu_copy (CcCpu *cpu, const float *in, float *out, gsize n);

void cc_cpu_upsample_nearest (CcCpu *cpu, const float *in, CcShape in_shape, float *out);
void cc_cpu_upsample_bilinear (CcCpu *cpu, const float *in, CcShape in_shape, float *out);
void cc_cpu_avgpool2 (CcCpu *cpu, const float *in, CcShape in_shape, float *out);
void cc_cpu_global_avgpool (CcCpu *cpu, const float *in, CcShape in_shape, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcCpu, cc_cpu_free)

G_END_DECLS
