/* CoColor inference core: the CPU backend's own single-precision GEMM
 * (cc-cpu-sgemm.c), what im2col convolutions multiply with.  No BLAS
 * library: the op loads wherever GIMP does. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The register kernels; the best one the CPU runs is chosen at run time. */
typedef enum
{
  CC_SGEMM_PORTABLE, /* plain C, vectorised by the compiler for the build's target */
  CC_SGEMM_AVX2,     /* AVX2 + FMA, 6 x 16 */
  CC_SGEMM_AVX512,   /* AVX-512F, 8 x 32 */
  CC_SGEMM_N_KERNELS,
} CcSgemmKernel;

/* Whether this CPU (and build) runs kernel. */
gboolean cc_cpu_sgemm_supported (CcSgemmKernel kernel);

/* The kernel cc_cpu_sgemm () uses: the widest supported one.
 * COCOLOR_CPU_GEMM=portable|avx2|avx512 narrows it (checks, benchmarks). */
CcSgemmKernel cc_cpu_sgemm_best (void);

/* C = A B, row-major: A is m x k (row stride lda), B k x n (ldb), C m x n
 * (ldc); C is written, not added to.  Any sizes >= 0.  One thread: the
 * caller splits the work.  For n of 4 or more, each element of C is the
 * same sum in the same order wherever it lies in C: results do not depend
 * on how the caller tiles the matrix by columns. */
void cc_cpu_sgemm (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                   float *c, gsize ldc);

/* The same with the given kernel, which must be supported (tests). */
void cc_cpu_sgemm_with (CcSgemmKernel kernel, int m, int n, int k, const float *a, gsize lda,
                        const float *b, gsize ldb, float *c, gsize ldc);

G_END_DECLS
