/* CoColor inference core: CPU backend, single-precision GEMM (see
 * cc-cpu-sgemm.h).
 *
 * The usual blocking (Goto, BLIS), less the packing of A: B goes into a
 * packed block of KC rows x NC columns, in strips NR columns wide, which
 * stays in L2; a register kernel keeps an MR x NR block of C in registers
 * while it walks KC products, one broadcast of each of MR rows of A times
 * NR / lanes vectors of B per step.  A (the weights, a few rows) is read
 * where it lies: its MR x KC strip stays in L1 while the kernel runs along
 * the B block, and packing it cost more than it saved for the narrow tiles
 * the convolutions call.  Edges (m, n not multiples of MR, NR): zeros in
 * the packed B, the last row of A repeated, the kernel's block through a
 * small buffer, so every element of C is computed by the same
 * instructions in the same order wherever it lies.  Fewer rows than MR (a
 * 3-channel head) and fewer than 4 columns (the fully connected layers of
 * squeeze-excitation) have loops of their own.  The packing buffer is per
 * thread (one GPrivate), made on first use; when it cannot be had, the row
 * loop does the product. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cc-cpu-sgemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_SGEMM 1
#endif

#define KC 256 /* products per pass: 8 rows of A x 256 floats are 8 KiB of L1 */
#define NC 512 /* columns of a packed B block: 256 x 512 floats, 512 KiB of L2 */
#define MR_MAX 8
#define NR_MAX 32

/* c (MR x NR, row stride ldc) = or += the product of MR rows of A (a[r],
 * kc values each, read where they lie) and a packed B strip of kc rows. */
typedef void (*KernelFunc) (int kc, const float *const *a, const float *restrict b,
                            float *restrict c, gsize ldc, gboolean add);

typedef void (*RowsFunc) (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                          float *c, gsize ldc, float *work);
typedef void (*ColumnsFunc) (int m, int n, int k, const float *a, gsize lda, const float *b,
                             gsize ldb, float *c, gsize ldc, float *col);

typedef struct
{
  int mr, nr;
  KernelFunc func;
  RowsFunc rows;       /* m < mr */
  ColumnsFunc columns; /* n < 4 */
} Kernel;

/* ---- the register kernels ---- */

#if defined(__GNUC__)
/* 4 x 8 in GCC's generic vectors: SSE2 on any x86-64, NEON on arm64, plain
 * floats elsewhere.  Eight 4-lane accumulators. */
typedef float V4 __attribute__ ((vector_size (16)));

static inline V4
load4 (const float *p)
{
  V4 v;

  memcpy (&v, p, sizeof v);
  return v;
}

static void
kernel_portable (int kc, const float *const *a, const float *restrict b, float *restrict c,
                 gsize ldc, gboolean add)
{
  const float *restrict a0 = a[0], *restrict a1 = a[1], *restrict a2 = a[2], *restrict a3 = a[3];
  V4 acc[4][2] = { { { 0 } } };

  for (int p = 0; p < kc; p++, b += 8)
    {
      V4 b0 = load4 (b), b1 = load4 (b + 4);
      const float ap[4] = { a0[p], a1[p], a2[p], a3[p] };
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++)
        {
          V4 ar = { ap[r], ap[r], ap[r], ap[r] };
          acc[r][0] += ar * b0;
          acc[r][1] += ar * b1;
        }
    }
#pragma GCC unroll 4
  for (int r = 0; r < 4; r++)
    {
      float *row = c + r * ldc;
      if (add)
        {
          acc[r][0] += load4 (row);
          acc[r][1] += load4 (row + 4);
        }
      memcpy (row, &acc[r][0], sizeof (V4));
      memcpy (row + 4, &acc[r][1], sizeof (V4));
    }
}
#else
/* 4 x 8 in plain C. */
static void
kernel_portable (int kc, const float *const *a, const float *restrict b, float *restrict c,
                 gsize ldc, gboolean add)
{
  float acc[4][8] = { { 0 } };

  for (int p = 0; p < kc; p++, b += 8)
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < 8; j++)
        acc[r][j] += a[r][p] * b[j];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 8; j++)
      c[r * ldc + j] = add ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}
#endif

#ifdef HAVE_X86_SGEMM
/* 6 x 16: twelve ymm accumulators, two loads of B and six broadcasts of A
 * per step. */
__attribute__ ((target ("avx2,fma"))) static void
kernel_avx2 (int kc, const float *const *a, const float *restrict b, float *restrict c, gsize ldc,
             gboolean add)
{
  const float *restrict ar0 = a[0], *restrict ar1 = a[1], *restrict ar2 = a[2];
  const float *restrict ar3 = a[3], *restrict ar4 = a[4], *restrict ar5 = a[5];
  __m256 acc[6][2];

#pragma GCC unroll 6
  for (int r = 0; r < 6; r++)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps ();
  for (int p = 0; p < kc; p++, b += 16)
    {
      __m256 b0 = _mm256_loadu_ps (b), b1 = _mm256_loadu_ps (b + 8);
      const float *ap[6] = { ar0 + p, ar1 + p, ar2 + p, ar3 + p, ar4 + p, ar5 + p };
#pragma GCC unroll 6
      for (int r = 0; r < 6; r++)
        {
          __m256 ar = _mm256_broadcast_ss (ap[r]);
          acc[r][0] = _mm256_fmadd_ps (ar, b0, acc[r][0]);
          acc[r][1] = _mm256_fmadd_ps (ar, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
  for (int r = 0; r < 6; r++)
    {
      float *row = c + r * ldc;
      if (add)
        {
          acc[r][0] = _mm256_add_ps (acc[r][0], _mm256_loadu_ps (row));
          acc[r][1] = _mm256_add_ps (acc[r][1], _mm256_loadu_ps (row + 8));
        }
      _mm256_storeu_ps (row, acc[r][0]);
      _mm256_storeu_ps (row + 8, acc[r][1]);
    }
}

/* 8 x 32: sixteen zmm accumulators, two loads of B and eight broadcasts of
 * A per step. */
__attribute__ ((target ("avx512f"))) static void
kernel_avx512 (int kc, const float *const *a, const float *restrict b, float *restrict c, gsize ldc,
               gboolean add)
{
  const float *restrict ar0 = a[0], *restrict ar1 = a[1], *restrict ar2 = a[2];
  const float *restrict ar3 = a[3], *restrict ar4 = a[4], *restrict ar5 = a[5];
  const float *restrict ar6 = a[6], *restrict ar7 = a[7];
  __m512 acc[8][2];

#pragma GCC unroll 8
  for (int r = 0; r < 8; r++)
    acc[r][0] = acc[r][1] = _mm512_setzero_ps ();
  for (int p = 0; p < kc; p++, b += 32)
    {
      __m512 b0 = _mm512_loadu_ps (b), b1 = _mm512_loadu_ps (b + 16);
      const float ap[8] = { ar0[p], ar1[p], ar2[p], ar3[p], ar4[p], ar5[p], ar6[p], ar7[p] };
#pragma GCC unroll 8
      for (int r = 0; r < 8; r++)
        {
          __m512 ar = _mm512_set1_ps (ap[r]);
          acc[r][0] = _mm512_fmadd_ps (ar, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps (ar, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 8
  for (int r = 0; r < 8; r++)
    {
      float *row = c + r * ldc;
      if (add)
        {
          acc[r][0] = _mm512_add_ps (acc[r][0], _mm512_loadu_ps (row));
          acc[r][1] = _mm512_add_ps (acc[r][1], _mm512_loadu_ps (row + 16));
        }
      _mm512_storeu_ps (row, acc[r][0]);
      _mm512_storeu_ps (row + 16, acc[r][1]);
    }
}
#endif

gboolean
cc_cpu_sgemm_supported (CcSgemmKernel kernel)
{
  switch (kernel)
    {
    case CC_SGEMM_PORTABLE:
      return TRUE;
#ifdef HAVE_X86_SGEMM
    case CC_SGEMM_AVX2:
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    case CC_SGEMM_AVX512:
      return __builtin_cpu_supports ("avx512f");
#endif
    default:
      return FALSE;
    }
}

static CcSgemmKernel
choose_best (void)
{
  static const char *names[] = { "portable", "avx2", "avx512" };
  const char *env = g_getenv ("COCOLOR_CPU_GEMM");
  int limit = CC_SGEMM_N_KERNELS - 1;

  for (int i = 0; env && i < (int)G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (env, names[i]) == 0)
      limit = i;
  for (int i = limit; i > CC_SGEMM_PORTABLE; i--)
    if (cc_cpu_sgemm_supported ((CcSgemmKernel)i))
      return (CcSgemmKernel)i;
  return CC_SGEMM_PORTABLE;
}

CcSgemmKernel
cc_cpu_sgemm_best (void)
{
  static gsize best; /* the kernel + 1, once chosen */

  if (g_once_init_enter (&best))
    g_once_init_leave (&best, (gsize)choose_best () + 1);
  return (CcSgemmKernel)(best - 1);
}

/* ---- packing ---- */

/* Rows [p0, p0 + kc) of B, columns [j0, j0 + nc), in strips of nr columns:
 * strip s holds, row after row, its nr values (zeros past column n). */
static void
pack_b (const float *b, gsize ldb, int p0, int kc, int j0, int nc, int nr, float *pb)
{
  for (int s = 0; s < nc; s += nr)
    {
      int w = MIN (nr, nc - s);
      const float *src = b + (gsize)p0 * ldb + j0 + s;

      for (int p = 0; p < kc; p++, src += ldb, pb += nr)
        {
          memcpy (pb, src, w * sizeof (float));
          if (w < nr)
            memset (pb + w, 0, (nr - w) * sizeof (float));
        }
    }
}

/* ---- the product ---- */

typedef struct
{
  float *pb;
} Buffers;

static void
buffers_free (gpointer data)
{
  Buffers *bufs = data;

  free (bufs->pb);
  free (bufs);
}

static GPrivate thread_buffers = G_PRIVATE_INIT (buffers_free);

/* The calling thread's packing buffers (sized for every kernel), or NULL
 * when they cannot be had. */
static Buffers *
get_buffers (void)
{
  Buffers *bufs = g_private_get (&thread_buffers);

  if (bufs)
    return bufs;
  bufs = calloc (1, sizeof *bufs);
  if (bufs == NULL)
    return NULL;
  if (posix_memalign ((void **)&bufs->pb, 64, (gsize)KC * NC * sizeof (float)) != 0)
    bufs->pb = NULL;
  if (bufs->pb == NULL)
    {
      buffers_free (bufs);
      return NULL;
    }
  g_private_set (&thread_buffers, bufs);
  return bufs;
}

/* C = A B four rows at a time, in one pass over B: for fewer rows than a
 * kernel's block (a 3-channel head), where packing B for the kernel would
 * cost more than the product, and when the packing buffers cannot be had
 * (work NULL).  With more than 16 rows, B is first copied to work row
 * after row, as many columns as it holds, each row a cache line longer:
 * one stream at a time suits the prefetcher better than k at once, and
 * B's rows, often a power of two apart (a 1x1 convolution's input
 * planes), would otherwise share one set of the L1 cache.  Two vectors of
 * each of the four rows stay in registers over all k; a last group of
 * fewer rows repeats its last row and drops the copies.  One body,
 * instantiated for each vector width. */
#define SGEMM_ROWS_BODY(V, LANES)                                                                  \
  int rb = work && k > 16 ? (int)MIN ((gsize)n, ((gsize)KC * NC / k - 16) / 64 * 64) : n;          \
  for (int jb = 0; jb < n; jb += rb)                                                               \
    {                                                                                              \
      int wb = MIN (rb, n - jb);                                                                   \
      const float *bb = b + jb;                                                                    \
      gsize ldbb = ldb;                                                                            \
      if (work && k > 16)                                                                          \
        {                                                                                          \
          for (int p = 0; p < k; p++)                                                              \
            memcpy (work + (gsize)p * (wb + 16), b + (gsize)p * ldb + jb, wb * sizeof (float));    \
          bb = work;                                                                               \
          ldbb = wb + 16; /* a line more: rows in different L1 sets */                             \
        }                                                                                          \
      for (int i0 = 0; i0 < m; i0 += 4)                                                            \
        {                                                                                          \
          int rows = MIN (4, m - i0);                                                              \
          const float *a0 = a + (gsize)i0 * lda, *a1 = a + (gsize)(i0 + MIN (1, rows - 1)) * lda;  \
          const float *a2 = a + (gsize)(i0 + MIN (2, rows - 1)) * lda;                             \
          const float *a3 = a + (gsize)(i0 + MIN (3, rows - 1)) * lda;                             \
          float *c0 = c + (gsize)i0 * ldc + jb;                                                    \
          int j0 = 0;                                                                              \
          for (; j0 + 2 * LANES <= wb; j0 += 2 * LANES)                                            \
            {                                                                                      \
              V s00 = { 0 }, s01 = { 0 }, s10 = { 0 }, s11 = { 0 }, s20 = { 0 }, s21 = { 0 };      \
              V s30 = { 0 }, s31 = { 0 }, b0, b1, av;                                              \
              const float *bp = bb + j0;                                                           \
              for (int p = 0; p < k; p++, bp += ldbb)                                              \
                {                                                                                  \
                  memcpy (&b0, bp, sizeof b0);                                                     \
                  memcpy (&b1, bp + LANES, sizeof b1);                                             \
                  av = (V){ 0 } + a0[p];                                                           \
                  s00 += av * b0;                                                                  \
                  s01 += av * b1;                                                                  \
                  av = (V){ 0 } + a1[p];                                                           \
                  s10 += av * b0;                                                                  \
                  s11 += av * b1;                                                                  \
                  av = (V){ 0 } + a2[p];                                                           \
                  s20 += av * b0;                                                                  \
                  s21 += av * b1;                                                                  \
                  av = (V){ 0 } + a3[p];                                                           \
                  s30 += av * b0;                                                                  \
                  s31 += av * b1;                                                                  \
                }                                                                                  \
              V out[4][2] = { { s00, s01 }, { s10, s11 }, { s20, s21 }, { s30, s31 } };            \
              for (int r = 0; r < rows; r++)                                                       \
                memcpy (c0 + r * ldc + j0, out[r], sizeof out[r]);                                 \
            }                                                                                      \
          for (int r = 0; r < rows; r++)                                                           \
            for (int j = j0; j < wb; j++)                                                          \
              {                                                                                    \
                const float *ar = a + (gsize)(i0 + r) * lda;                                       \
                float sum = 0.0f;                                                                  \
                for (int p = 0; p < k; p++)                                                        \
                  sum += ar[p] * bb[(gsize)p * ldbb + j];                                          \
                c0[r * ldc + j] = sum;                                                             \
              }                                                                                    \
        }                                                                                          \
    }

#if defined(__GNUC__)
static void
sgemm_rows_portable (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                     float *c, gsize ldc, float *work)
{
  SGEMM_ROWS_BODY (V4, 4)
}
#else
static void
sgemm_rows_portable (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                     float *c, gsize ldc, float *work)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        float sum = 0.0f;
        for (int p = 0; p < k; p++)
          sum += a[(gsize)i * lda + p] * b[(gsize)p * ldb + j];
        c[(gsize)i * ldc + j] = sum;
      }
}
#endif

#ifdef HAVE_X86_SGEMM
typedef float V8 __attribute__ ((vector_size (32)));
typedef float V16 __attribute__ ((vector_size (64)));

__attribute__ ((target ("avx2,fma"))) static void
sgemm_rows_avx2 (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                 float *c, gsize ldc, float *work)
{
  SGEMM_ROWS_BODY (V8, 8)
}

__attribute__ ((target ("avx512f"))) static void
sgemm_rows_avx512 (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                   float *c, gsize ldc, float *work)
{
  SGEMM_ROWS_BODY (V16, 16)
}
#endif

/* C = A B column by column, each element a dot product along a row of A
 * and the column of B, copied to col (k floats): for the narrowest
 * products (n of 1, a squeeze-excitation's fully connected layers).  One
 * body, instantiated for each vector width. */
#define SGEMM_COLUMNS_BODY(V, LANES)                                                               \
  for (int j = 0; j < n; j++)                                                                      \
    {                                                                                              \
      for (int p = 0; p < k; p++)                                                                  \
        col[p] = b[(gsize)p * ldb + j];                                                            \
      for (int i = 0; i < m; i++)                                                                  \
        {                                                                                          \
          const float *ai = a + (gsize)i * lda;                                                    \
          V s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, x, y;                                  \
          float sum = 0.0f;                                                                        \
          int p = 0;                                                                               \
          for (; p + 4 * LANES <= k; p += 4 * LANES)                                               \
            {                                                                                      \
              memcpy (&x, ai + p, sizeof x);                                                       \
              memcpy (&y, col + p, sizeof y);                                                      \
              s0 += x * y;                                                                         \
              memcpy (&x, ai + p + LANES, sizeof x);                                               \
              memcpy (&y, col + p + LANES, sizeof y);                                              \
              s1 += x * y;                                                                         \
              memcpy (&x, ai + p + 2 * LANES, sizeof x);                                           \
              memcpy (&y, col + p + 2 * LANES, sizeof y);                                          \
              s2 += x * y;                                                                         \
              memcpy (&x, ai + p + 3 * LANES, sizeof x);                                           \
              memcpy (&y, col + p + 3 * LANES, sizeof y);                                          \
              s3 += x * y;                                                                         \
            }                                                                                      \
          s0 = (s0 + s1) + (s2 + s3);                                                              \
          for (int l = 0; l < LANES; l++)                                                          \
            sum += s0[l];                                                                          \
          for (; p < k; p++)                                                                       \
            sum += ai[p] * col[p];                                                                 \
          c[(gsize)i * ldc + j] = sum;                                                             \
        }                                                                                          \
    }

#if defined(__GNUC__)
static void
sgemm_columns_portable (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                        float *c, gsize ldc, float *col)
{
  SGEMM_COLUMNS_BODY (V4, 4)
}
#else
static void
sgemm_columns_portable (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                        float *c, gsize ldc, float *col)
{
  (void)col;
  sgemm_rows_portable (m, n, k, a, lda, b, ldb, c, ldc, NULL);
}
#endif

#ifdef HAVE_X86_SGEMM
__attribute__ ((target ("avx2,fma"))) static void
sgemm_columns_avx2 (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                    float *c, gsize ldc, float *col)
{
  SGEMM_COLUMNS_BODY (V8, 8)
}

__attribute__ ((target ("avx512f"))) static void
sgemm_columns_avx512 (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb,
                      float *c, gsize ldc, float *col)
{
  SGEMM_COLUMNS_BODY (V16, 16)
}
#endif

static const Kernel kernels[CC_SGEMM_N_KERNELS] = {
  [CC_SGEMM_PORTABLE] = { 4, 8, kernel_portable, sgemm_rows_portable, sgemm_columns_portable },
#ifdef HAVE_X86_SGEMM
  [CC_SGEMM_AVX2] = { 6, 16, kernel_avx2, sgemm_rows_avx2, sgemm_columns_avx2 },
  [CC_SGEMM_AVX512] = { 8, 32, kernel_avx512, sgemm_rows_avx512, sgemm_columns_avx512 },
#endif
};

void
cc_cpu_sgemm_with (CcSgemmKernel which, int m, int n, int k, const float *a, gsize lda,
                   const float *b, gsize ldb, float *c, gsize ldc)
{
  const Kernel *kern;
  int mr, nr;
  float edge[MR_MAX * NR_MAX] __attribute__ ((aligned (64)));
  Buffers *bufs;

  g_return_if_fail ((guint)which < CC_SGEMM_N_KERNELS && kernels[which].func != NULL);
  kern = &kernels[which];
  mr = kern->mr;
  nr = kern->nr;
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0)
    {
      for (int i = 0; i < m; i++)
        memset (c + (gsize)i * ldc, 0, n * sizeof (float));
      return;
    }
  bufs = get_buffers ();
  if (bufs == NULL || (m < mr && (gsize)k * 80 <= (gsize)KC * NC))
    {
      kern->rows (m, n, k, a, lda, b, ldb, c, ldc, bufs ? bufs->pb : NULL);
      return;
    }
  if (n < 4 && k <= KC * NC)
    {
      kern->columns (m, n, k, a, lda, b, ldb, c, ldc, bufs->pb);
      return;
    }

  for (int j0 = 0; j0 < n; j0 += NC)
    {
      int nc = MIN (NC, n - j0);

      for (int p0 = 0; p0 < k; p0 += KC)
        {
          int kc = MIN (KC, k - p0);
          gboolean add = p0 > 0;

          pack_b (b, ldb, p0, kc, j0, nc, nr, bufs->pb);
          for (int i0 = 0; i0 < m; i0 += mr)
            {
              const float *rows[MR_MAX];
              int n_rows = MIN (mr, m - i0);

              /* Past the last row: the last row again, its results dropped. */
              for (int r = 0; r < mr; r++)
                rows[r] = a + (gsize)(i0 + MIN (r, n_rows - 1)) * lda + p0;
              for (int jr = 0; jr < nc; jr += nr)
                {
                  const float *pb = bufs->pb + (gsize)jr * kc;
                  float *cij = c + (gsize)i0 * ldc + j0 + jr;
                  int cols = MIN (nr, nc - jr);

                  if (n_rows == mr && cols == nr)
                    {
                      kern->func (kc, rows, pb, cij, ldc, add);
                      continue;
                    }
                  /* An edge block: through the buffer, then its part. */
                  kern->func (kc, rows, pb, edge, nr, FALSE);
                  for (int r = 0; r < n_rows; r++)
                    for (int j = 0; j < cols; j++)
                      cij[r * ldc + j]
                          = add ? cij[r * ldc + j] + edge[r * nr + j] : edge[r * nr + j];
                }
            }
        }
    }
}

void
cc_cpu_sgemm (int m, int n, int k, const float *a, gsize lda, const float *b, gsize ldb, float *c,
              gsize ldc)
{
  cc_cpu_sgemm_with (cc_cpu_sgemm_best (), m, n, k, a, lda, b, ldb, c, ldc);
}
