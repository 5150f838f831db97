/* CoColor inference core: CPU backend kernels (see cc-cpu.h).
 *
 * Convolution, 3x3 stride 1 with padding 1 and 16 or more input channels on
 * a CPU with AVX-512: Winograd F(4x4, 3x3) (see below), 4 times fewer
 * products (or F(2x2, 3x3), 2.25 times).  Other 3x3 stride 1 or 2 convolutions there: a direct
 * kernel (see "direct convolution" below) that reads the input where it lies, with no im2col copy.
 * Every other convolution, and every convolution on other CPUs: im2col over a tile of output rows
 * (sized by the plan to stay in L2) then one cblas_sgemm per tile, bias and activation applied to
 * the tile while it is still in cache.  A 1x1 stride-1 convolution is a GEMM on the input as it is.
 * Everything else: plain loops the compiler vectorises, split over channels. */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_DIRECT 1
#endif

#include "cc-cpu.h"

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
};

/* ---- parallel for: items handed out one at a time to the workers ---- */

typedef void (*ItemFunc) (int item, int worker, gpointer data);

typedef struct
{
  ItemFunc func;
  gpointer data;
  int n_items;
  gint next_item;
  GMutex lock;
  GCond finished;
  int helpers_running;
} Job;

typedef struct
{
  Job *job;
  int worker;
} Helper;

static void
run_items (Job *job, int worker)
{
  int item;

  while ((item = g_atomic_int_add (&job->next_item, 1)) < job->n_items)
    job->func (item, worker, job->data);
}

static void
helper_main (gpointer data, gpointer user_data)
{
  Helper *helper = data;
  Job *job = helper->job;

  (void)user_data;
  run_items (job, helper->worker);
  g_mutex_lock (&job->lock);
  job->helpers_running--;
  g_cond_signal (&job->finished);
  g_mutex_unlock (&job->lock);
}

static void
parallel_for (CcCpu *cpu, int n_items, ItemFunc func, gpointer data)
{
  Job job = { func, data, n_items, 0, { 0 }, { 0 }, 0 };
  Helper helpers[64];
  int n_helpers = MIN (MIN (cpu->n_threads, n_items) - 1, (int)G_N_ELEMENTS (helpers));

  if (n_helpers <= 0 || cpu->pool == NULL)
    {
      for (int i = 0; i < n_items; i++)
        func (i, 0, data);
      return;
    }

  g_mutex_init (&job.lock);
  g_cond_init (&job.finished);
  job.helpers_running = n_helpers;
  for (int h = 0; h < n_helpers; h++)
    {
      helpers[h] = (Helper){ &job, h + 1 };
      /* Exclusive pool threads already exist: pushing cannot fail. */
      g_thread_pool_push (cpu->pool, &helpers[h], NULL);
    }
  run_items (&job, 0);
  g_mutex_lock (&job.lock);
  while (job.helpers_running > 0)
    g_cond_wait (&job.finished, &job.lock);
  g_mutex_unlock (&job.lock);
  g_mutex_clear (&job.lock);
  g_cond_clear (&job.finished);
}

CcCpu *
cc_cpu_new (int n_threads, GError **error)
{
  g_autoptr (CcCpu) cpu = g_new0 (CcCpu, 1);

  if (n_threads <= 0)
    n_threads = (int)g_get_num_processors ();
  cpu->n_threads = CLAMP (n_threads, 1, 64);
#ifdef HAVE_X86_DIRECT
  /* COCOLOR_CPU_DIRECT=0 forces the portable im2col path (tests, checks). */
  cpu->direct
      = __builtin_cpu_supports ("avx512f") && g_strcmp0 (g_getenv ("COCOLOR_CPU_DIRECT"), "0") != 0;
#endif
  /* COCOLOR_CPU_WINOGRAD=0 keeps those on the direct kernel (tests, checks). */
  if (cpu->direct)
    {
      /* COCOLOR_CPU_WINOGRAD=2: F(2x2, 3x3) rather than F(4x4, 3x3). */
      const char *wino = g_getenv ("COCOLOR_CPU_WINOGRAD");
      cpu->winograd = g_strcmp0 (wino, "0") == 0 ? 0 : g_strcmp0 (wino, "2") == 0 ? 2 : 4;
    }
  cpu->packed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  cpu->wino = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  /* Our threads split the work; OpenBLAS must not add threads of its own. */
  openblas_set_num_threads (1);
  if (cpu->n_threads > 1)
    {
      cpu->pool = g_thread_pool_new (helper_main, NULL, cpu->n_threads - 1, TRUE, error);
      if (cpu->pool == NULL)
        return NULL;
    }
  return g_steal_pointer (&cpu);
}

void
cc_cpu_free (CcCpu *cpu)
{
  if (cpu == NULL)
    return;
  if (cpu->pool)
    g_thread_pool_free (cpu->pool, FALSE, TRUE);
  g_hash_table_destroy (cpu->packed);
  g_hash_table_destroy (cpu->wino);
  g_aligned_free (cpu->scratch);
  g_free (cpu);
}

int
cc_cpu_get_n_threads (const CcCpu *cpu)
{
  return cpu->n_threads;
}

gboolean
cc_cpu_get_direct (const CcCpu *cpu)
{
  return cpu->direct;
}

int
cc_cpu_get_winograd (const CcCpu *cpu)
{
  return cpu->winograd;
}

/* ---- activations ---- */

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* x[i] = act (x[i] + bias): one pass, one loop per case so each vectorises. */
static void
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

/* ---- convolution ---- */

typedef struct
{
  const CcNode *node;
  const CcPlanConv *tiling;
  const float *in;
  CcShape is, os;
  float *out;
  float *scratch;
} ConvJob;

/* The im2col matrix of output rows [oy0, oy0 + rows), columns [ox0, ox0 +
 * cols): col[(ci, ky, kx)][(r, x)], zeros where the kernel overlaps the
 * padding. */
static void
im2col_tile (const float *in, CcShape is, const CcNode *node, int oy0, int rows, int ox0, int cols,
             float *col)
{
  int k = node->kernel, s = node->stride, p = node->padding;
  gsize n = (gsize)rows * cols;

  for (int ci = 0; ci < is.c; ci++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          float *dst = col + ((gsize)(ci * k + ky) * k + kx) * n;
          /* Output columns whose input column lies inside the image, made
           * relative to the tile. */
          int lo = CLAMP ((p - kx + s - 1) / s, ox0, ox0 + cols) - ox0;
          int hi = CLAMP ((is.w + p - kx + s - 1) / s, ox0 + lo, ox0 + cols) - ox0;

          for (int r = 0; r < rows; r++, dst += cols)
            {
              int iy = (oy0 + r) * s - p + ky;
              const float *src;

              if (iy < 0 || iy >= is.h)
                {
                  memset (dst, 0, cols * sizeof (float));
                  continue;
                }
              /* src[x] is the input under tile column x. */
              src = in + ((gsize)ci * is.h + iy) * is.w + (ox0 * s - p + kx);
              for (int x = 0; x < lo; x++)
                dst[x] = 0.0f;
              if (s == 1)
                memcpy (dst + lo, src + lo, (hi - lo) * sizeof (float));
              else
                for (int x = lo; x < hi; x++)
                  dst[x] = src[x * s];
              for (int x = hi; x < cols; x++)
                dst[x] = 0.0f;
            }
        }
}

static void
conv_tile (int tile, int worker, gpointer data)
{
  ConvJob *j = data;
  const CcNode *node = j->node;
  const CcPlanConv *t = j->tiling;
  int tiles_per_row = (j->os.w + t->tile_cols - 1) / t->tile_cols;
  int oy0 = tile / tiles_per_row * t->tile_rows;
  int ox0 = tile % tiles_per_row * t->tile_cols;
  int rows = MIN (t->tile_rows, j->os.h - oy0);
  int cols = MIN (t->tile_cols, j->os.w - ox0);
  gsize plane = (gsize)j->os.h * j->os.w;
  gsize col0 = (gsize)oy0 * j->os.w + ox0;
  int n = rows * cols;
  int k = node->in_channels * node->kernel * node->kernel;
  const float *b;
  int ldb;

  if (t->tile_bytes == 0)
    {
      /* 1x1, stride 1, no padding: the input is the column matrix. */
      b = j->in + col0;
      ldb = (int)plane;
    }
  else
    {
      float *col = j->scratch + (gsize)worker * (t->tile_bytes / sizeof (float));
      im2col_tile (j->in, j->is, node, oy0, rows, ox0, cols, col);
      b = col;
      ldb = n;
    }

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, node->out_channels, n, k, 1.0f,
               node->weight->data, k, b, ldb, 0.0f, j->out + col0, (int)plane);

  /* Bias and activation while the tile is still in cache. */
  for (int co = 0; co < node->out_channels; co++)
    bias_activation (j->out + co * plane + col0, n, node->bias ? node->bias->data[co] : 0.0f,
                     node->act, node->alpha);
}

/* ---- direct convolution: 3x3, stride 1 or 2, AVX-512 ----
 *
 * No im2col: for a block of COB output channels x XB * 16 output pixels of
 * one row, COB * XB accumulators stay in registers while the kernel walks
 * (input channel, ky, kx); each step loads XB vectors of the input row,
 * shifted by kx (stride 2: the even or odd floats of two vectors), and
 * broadcasts COB weights.  Masked loads supply the padding zeros at the left
 * and right edges; rows above and below the image are skipped.  Input
 * channels go CIB at a time, their partial sums waiting in the output.
 * Weights are packed once per node, COB output channels interleaved, so
 * each step's COB weights are adjacent.  Single-thread, this reaches 80-95
 * GFLOPS on Zen 4, whose FMA loop peak is about 116 per core.
 *
 * Every output element is the same sum in the same order (input channel,
 * ky, kx) whatever the row, block, tile or thread: results are identical
 * run to run and for any number of threads. */

#define COB 8       /* output channels per register block */
#define XB 2        /* 16-float vectors per register block: 32 pixels */
#define CIB 32      /* input channels per pass over a block (their rows fit L1) */
#define BAND_ROWS 4 /* output rows per item at most */

/* Where the packed weights of input channels [ci0, ci0 + CIB) and output
 * block cob start: chunk by chunk, each chunk block by block, so a pass over
 * one chunk reads its weights as one sequential stream. */
static inline gsize
packed_offset (int ci_n, int n_cob, int ci0, int cob)
{
  return ((gsize)ci0 * n_cob + (gsize)cob * MIN (CIB, ci_n - ci0)) * 9 * COB;
}

/* Weights [co][ci][3][3] as, per chunk of CIB input channels and block of
 * COB output channels, [ci][3][3][COB]; zeros past the last output
 * channel. */
static const float *
packed_weights (CcCpu *cpu, const CcNode *node)
{
  float *p = g_hash_table_lookup (cpu->packed, node);
  int ci_n = node->in_channels, co_n = node->out_channels;
  int n_cob = (co_n + COB - 1) / COB;
  const float *w = node->weight->data;

  if (p != NULL)
    return p;
  p = g_new0 (float, (gsize)n_cob *ci_n * 9 * COB);
  for (int co = 0; co < co_n; co++)
    for (int ci = 0; ci < ci_n; ci++)
      {
        int ci0 = ci / CIB * CIB;
        float *dst = p + packed_offset (ci_n, n_cob, ci0, co / COB) + (gsize)(ci - ci0) * 9 * COB;
        for (int k = 0; k < 9; k++)
          dst[k * COB + co % COB] = w[((gsize)co * ci_n + ci) * 9 + k];
      }
  g_hash_table_insert (cpu->packed, (gpointer)node, p);
  return p;
}

typedef struct
{
  const CcNode *node;
  const float *in;
  CcShape is, os;
  float *out;
  const float *weights; /* packed */
  int band_rows;        /* output rows per item, one after the other */
  int n_groups;         /* items per band: groups of register blocks */
  int cob_per_group;
} DirectJob;

#ifdef HAVE_X86_DIRECT

/* Lanes l of a vector whose input column base + l lies in [0, width). */
static inline __mmask16
lanes_inside (int base, int width)
{
  int lo = MAX (0, -base), hi = MIN (16, width - base);

  return hi > lo ? (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)) : 0;
}

/* Output row oy (the output channel blocks of one group) at stride S:
 * the blocks at the edges (masked loads) or those inside (plain loads, a
 * little faster).  S and edges are constants once inlined. */
__attribute__ ((target ("avx512f"), always_inline)) static inline void
direct_row (const DirectJob *j, int oy, int group, const int S, const gboolean edges)
{
  const CcNode *node = j->node;
  int n_cob = (node->out_channels + COB - 1) / COB;
  int cob0 = group * j->cob_per_group, cob1 = MIN (n_cob, cob0 + j->cob_per_group);
  int p = node->padding, iw = j->is.w, ci_n = j->is.c;
  gsize iplane = (gsize)j->is.h * iw, oplane = (gsize)j->os.h * j->os.w;
  /* Kernel rows that fall inside the image for this output row. */
  int ky0 = MAX (0, p - oy * S), ky1 = MIN (3, j->is.h + p - oy * S);
  /* Stride 2 picks the even (or odd) floats of two vectors. */
  __m512i even = _mm512_set_epi32 (30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  __m512i odd = _mm512_add_epi32 (even, _mm512_set1_epi32 (1));

  for (int x0 = 0; x0 < j->os.w; x0 += 16 * XB)
    {
      /* Stride 1: the vector under each kx; stride 2: the two vectors
       * holding kx = 0 and 1, then the two holding kx = 2. */
      __mmask16 load_mask[XB][4], store_mask[XB];
      gboolean inside = TRUE;

      for (int v = 0; v < XB; v++)
        {
          int x = x0 + 16 * v;
          for (int k = 0; k < 4; k++)
            {
              load_mask[v][k] = S == 1 ? lanes_inside (x - p + k, iw)
                                       : lanes_inside (2 * x - p + (k & 1) * 16 + (k >> 1) * 2, iw);
              inside = inside && load_mask[v][k] == 0xffff;
            }
          store_mask[v] = lanes_inside (x, j->os.w);
        }
      if (inside == edges)
        continue;

      /* CIB input channels at a time, so their rows under this block stay
       * in L1 for every output channel block; partial sums wait in the
       * output, and the sum's order stays the same. */
      for (int ci0 = 0; ci0 < ci_n; ci0 += CIB)
        {
          int ci1 = MIN (ci_n, ci0 + CIB);
          gboolean first = ci0 == 0, last = ci1 == ci_n;

          for (int cob = cob0; cob < cob1; cob++)
            {
              const float *w = j->weights + packed_offset (ci_n, n_cob, ci0, cob);
              int n_co = MIN (COB, node->out_channels - cob * COB);
              float *out = j->out + (gsize)cob * COB * oplane + (gsize)oy * j->os.w + x0;
              __m512 acc[COB][XB];

#pragma GCC unroll 8
              for (int c = 0; c < COB; c++)
#pragma GCC unroll 2
                for (int v = 0; v < XB; v++)
                  acc[c][v]
                      = first || c >= n_co
                            ? _mm512_setzero_ps ()
                            : _mm512_maskz_loadu_ps (store_mask[v], out + c * oplane + 16 * v);

              for (int ci = ci0; ci < ci1; ci++)
                for (int ky = ky0; ky < ky1; ky++)
                  {
                    /* Up to p floats before the row: those lanes are masked off. */
                    const float *row
                        = j->in + ci * iplane + (gssize)(oy * S - p + ky) * iw + (gssize)x0 * S - p;
                    const float *wk = w + ((gsize)(ci - ci0) * 9 + ky * 3) * COB;
                    __m512 in[3][XB];

                    /* The next block's rows: too many streams for the
                     * hardware prefetcher to follow. */
                    if (cob == cob0)
                      for (int l = 0; l < S * 16 * XB + 16; l += 16)
                        __builtin_prefetch ((const char *)row + (S * 16 * XB + l) * sizeof (float));
#pragma GCC unroll 2
                    for (int v = 0; v < XB; v++)
                      {
                        const float *r = row + S * 16 * v;
#define LOAD(k, at) (edges ? _mm512_maskz_loadu_ps (load_mask[v][k], at) : _mm512_loadu_ps (at))
                        if (S == 1)
                          for (int kx = 0; kx < 3; kx++)
                            in[kx][v] = LOAD (kx, r + kx);
                        else
                          {
                            __m512 a = LOAD (0, r);
                            __m512 b = LOAD (1, r + 16);
                            __m512 c = LOAD (2, r + 2);
                            __m512 d = LOAD (3, r + 18);
#undef LOAD
                            in[0][v] = _mm512_permutex2var_ps (a, even, b);
                            in[1][v] = _mm512_permutex2var_ps (a, odd, b);
                            in[2][v] = _mm512_permutex2var_ps (c, even, d);
                          }
                      }
#pragma GCC unroll 3
                    for (int kx = 0; kx < 3; kx++)
#pragma GCC unroll 8
                      for (int c = 0; c < COB; c++)
                        {
                          __m512 b = _mm512_set1_ps (wk[kx * COB + c]);
#pragma GCC unroll 2
                          for (int v = 0; v < XB; v++)
                            acc[c][v] = _mm512_fmadd_ps (in[kx][v], b, acc[c][v]);
                        }
                  }

#pragma GCC unroll 8
              for (int c = 0; c < COB; c++)
                {
                  float *o = out + c * oplane;
                  __m512 b;

                  if (c >= n_co)
                    break;
                  b = _mm512_set1_ps (last && node->bias ? node->bias->data[cob * COB + c] : 0.0f);
#pragma GCC unroll 2
                  for (int v = 0; v < XB; v++)
                    {
                      __m512 r = last ? _mm512_add_ps (acc[c][v], b) : acc[c][v];
                      if (last && node->act == CC_ACT_RELU)
                        r = _mm512_max_ps (r, _mm512_setzero_ps ());
                      _mm512_mask_storeu_ps (o + 16 * v, store_mask[v], r);
                    }
                  /* Other activations: the scalar epilogue, on what was stored. */
                  if (last && node->act != CC_ACT_NONE && node->act != CC_ACT_RELU)
                    bias_activation (o, MIN (16 * XB, j->os.w - x0), 0.0f, node->act, node->alpha);
                }
            }
        }
    }
}

/* A band of rows, one after the other: a row's input rows are still in
 * cache for the next. */
__attribute__ ((target ("avx512f"), always_inline)) static inline void
direct_band (const DirectJob *j, int item, const int S)
{
  int band = item / j->n_groups, group = item % j->n_groups;
  int oy1 = MIN (j->os.h, (band + 1) * j->band_rows);

  for (int oy = band * j->band_rows; oy < oy1; oy++)
    {
      direct_row (j, oy, group, S, FALSE);
      direct_row (j, oy, group, S, TRUE);
    }
}

__attribute__ ((target ("avx512f"))) static void
direct_item_s1 (int item, int worker, gpointer data)
{
  (void)worker;
  direct_band (data, item, 1);
}

__attribute__ ((target ("avx512f"))) static void
direct_item_s2 (int item, int worker, gpointer data)
{
  (void)worker;
  direct_band (data, item, 2);
}

#endif /* HAVE_X86_DIRECT */

/* ---- Winograd F(2x2, 3x3): 3x3, stride 1, padding 1, AVX-512 ----
 *
 * The output is cut into 2x2 tiles, each computed from the 4x4 input patch
 * around it: V = B^T d B per input channel, M = sum over input channels of
 * U * V element by element (U = G g G^T, the weights transformed once per
 * node, in double), Y = A^T M A.  That is 16 products per tile and input
 * channel where the direct kernel does 36: sixteen GEMMs, U[xi] (output x
 * input channels) times V[xi] (input channels x tiles).  F(2x2, 3x3)'s
 * transforms only add, subtract and halve, so rounding stays that of a
 * direct sum (F(4x4, 3x3) would save more products but loses more digits
 * to its larger transform coefficients).
 *
 * An item is WT_N tiles of one tile row, held along the vectors' lanes:
 * stride-2 gathers of the input rows (the even and odd floats of two
 * vectors, as in the stride-2 direct kernel) give each lane its tile's
 * patch column.  Input channels go in passes of at most WT_CIC (as even as
 * the count allows), their V in the worker's scratch (in L2), their partial
 * sums waiting in M; the GEMM keeps WCOB output channels x WT_N tiles in
 * registers.  Each element of M is one chain of FMAs over the input
 * channels in order, whatever the item or the thread: results are identical
 * run to run and for any number of threads. */

#define WT_V 2           /* 16-tile vectors per item */
#define WT_N (16 * WT_V) /* tiles per item */
#define WT_CIC 128       /* input channels per pass at most */
#define WCOB 8           /* output channels per GEMM register block */
#define WINO_MIN_CI 16   /* fewer input channels: the direct kernel */
#define WT4_CIC 64       /* F(4x4): input channels per pass at most */
#define WT4_AHEAD 2      /* F(4x4): channels to prefetch ahead */

/* Where U[xi][cob] starts: [xi][cob][ci][WCOB], zeros past the last output
 * channel. */
static inline gsize
wino_u_offset (int ci_n, int n_cob, int xi, int cob)
{
  return ((gsize)xi * n_cob + cob) * ci_n * WCOB;
}

/* One kernel's U = G g G^T, in double: F(2x2, 3x3) (a = 4) or F(4x4, 3x3)
 * (a = 6). */
static void
wino_transform_kernel (const float *g, int a, double u[6][6])
{
  static const double g2[4][3]
      = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
  static const double g4[6][3] = { { 1.0 / 4, 0, 0 },
                                   { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
                                   { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
                                   { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
                                   { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
                                   { 0, 0, 1 } };
  double gg[6][3];

  for (int r = 0; r < a; r++)
    for (int c = 0; c < 3; c++)
      {
        gg[r][c] = 0;
        for (int k = 0; k < 3; k++)
          gg[r][c] += (a == 4 ? g2[r][k] : g4[r][k]) * g[k * 3 + c];
      }
  for (int r = 0; r < a; r++)
    for (int c = 0; c < a; c++)
      {
        u[r][c] = 0;
        for (int k = 0; k < 3; k++)
          u[r][c] += gg[r][k] * (a == 4 ? g2[c][k] : g4[c][k]);
      }
}

/* U[xi][cob][ci][WCOB] for the CcCpu's m. */
static const float *
wino_weights (CcCpu *cpu, const CcNode *node)
{
  float *u = g_hash_table_lookup (cpu->wino, node);
  int ci_n = node->in_channels, co_n = node->out_channels;
  int n_cob = (co_n + WCOB - 1) / WCOB, a = cpu->winograd + 2;
  const float *w = node->weight->data;

  if (u != NULL)
    return u;
  u = g_new0 (float, (gsize)a *a *n_cob *ci_n *WCOB);
  for (int co = 0; co < co_n; co++)
    for (int ci = 0; ci < ci_n; ci++)
      {
        double uk[6][6];

        wino_transform_kernel (w + ((gsize)co * ci_n + ci) * 9, a, uk);
        for (int xi = 0; xi < a * a; xi++)
          u[wino_u_offset (ci_n, n_cob, xi, co / WCOB) + (gsize)ci * WCOB + co % WCOB]
              = (float)uk[xi / a][xi % a];
      }
  g_hash_table_insert (cpu->wino, (gpointer)node, u);
  return u;
}

typedef struct
{
  const CcNode *node;
  const float *in;
  CcShape is, os;
  float *out;
  const float *u; /* transformed weights */
  float *scratch; /* per worker: V, then M */
  gsize scratch_floats;
  int tiles_w, n_segments; /* tiles per tile row, items per tile row (F(2x2)) */
  int n_vectors;           /* F(4x4): 16-tile vectors, n_segments per tile row */
  int cic;                 /* input channels per pass */
  int n_xi;                /* (m + 2)^2 */
} WinoJob;

/* Floats from one xi to the next in V and in M: one cache line more than
 * the data, so the 16 or 36 lines that one transform writes or reads at the
 * same offset of each xi do not all fall in the same L1 set (the data alone
 * is a multiple of 4 KiB whenever the channel count is a multiple of 32). */
static gsize
wino_v_stride (int cic)
{
  return (gsize)cic * WT_N + 16;
}

static gsize
wino_m_stride (const CcNode *node)
{
  return (gsize)((node->out_channels + WCOB - 1) / WCOB) * WCOB * WT_N + 16;
}

static gsize
wino_v_floats (int cic, int n_xi)
{
  return (gsize)n_xi * wino_v_stride (cic);
}

static gsize
wino_m_floats (const CcNode *node, int n_xi)
{
  return (gsize)n_xi * wino_m_stride (node);
}

#ifdef HAVE_X86_DIRECT

/* V[xi][ci - ci0][tile] for the item's tiles, input channels [ci0, ci1). */
__attribute__ ((target ("avx512f"))) static void
wino_input (const WinoJob *j, int ty, int tx0, int ci0, int ci1, float *restrict v)
{
  int iw = j->is.w, ih = j->is.h;
  gsize iplane = (gsize)ih * iw;
  __m512i even = _mm512_set_epi32 (30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  __m512i odd = _mm512_add_epi32 (even, _mm512_set1_epi32 (1));
  __mmask16 mask[WT_V][4];

  /* Lane l of vector k covers input columns 2 (tx0 + l) - 1 + k (k = 0, 1)
   * and, shifted by 2, k = 2, 3; loads at x, x + 16, x + 2, x + 18. */
  for (int q = 0; q < WT_V; q++)
    {
      int x = 2 * (tx0 + 16 * q) - 1;
      mask[q][0] = lanes_inside (x, iw);
      mask[q][1] = lanes_inside (x + 16, iw);
      mask[q][2] = lanes_inside (x + 2, iw);
      mask[q][3] = lanes_inside (x + 18, iw);
    }

  for (int ci = ci0; ci < ci1; ci++)
    {
      const float *plane = j->in + ci * iplane;
      float *vc = v + (gsize)(ci - ci0) * WT_N;

#pragma GCC unroll 2
      for (int q = 0; q < WT_V; q++)
        {
          __m512 t[4][4];
          int x = 2 * (tx0 + 16 * q) - 1;

#pragma GCC unroll 4
          for (int r = 0; r < 4; r++)
            {
              int iy = 2 * ty - 1 + r;
              __m512 e0, e1, e2, e3;

              if (iy < 0 || iy >= ih)
                e0 = e1 = e2 = e3 = _mm512_setzero_ps ();
              else
                {
                  /* Up to one float before the row: that lane is masked off. */
                  const float *row = plane + (gsize)iy * iw + x;
                  __m512 a = _mm512_maskz_loadu_ps (mask[q][0], row);
                  __m512 b = _mm512_maskz_loadu_ps (mask[q][1], row + 16);
                  __m512 c = _mm512_maskz_loadu_ps (mask[q][2], row + 2);
                  __m512 d = _mm512_maskz_loadu_ps (mask[q][3], row + 18);
                  e0 = _mm512_permutex2var_ps (a, even, b);
                  e1 = _mm512_permutex2var_ps (a, odd, b);
                  e2 = _mm512_permutex2var_ps (c, even, d);
                  e3 = _mm512_permutex2var_ps (c, odd, d);
                }
              /* d B: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] */
              t[r][0] = _mm512_sub_ps (e0, e2);
              t[r][1] = _mm512_add_ps (e1, e2);
              t[r][2] = _mm512_sub_ps (e2, e1);
              t[r][3] = _mm512_sub_ps (e1, e3);
            }
            /* B^T (d B) */
#pragma GCC unroll 4
          for (int c = 0; c < 4; c++)
            {
              float *o = vc + 16 * q;
              gsize xs = wino_v_stride (j->cic); /* from one xi to the next */
              _mm512_store_ps (o + (0 * 4 + c) * xs, _mm512_sub_ps (t[0][c], t[2][c]));
              _mm512_store_ps (o + (1 * 4 + c) * xs, _mm512_add_ps (t[1][c], t[2][c]));
              _mm512_store_ps (o + (2 * 4 + c) * xs, _mm512_sub_ps (t[2][c], t[1][c]));
              _mm512_store_ps (o + (3 * 4 + c) * xs, _mm512_sub_ps (t[1][c], t[3][c]));
            }
        }
    }
}

/* M[xi][co][tile] (+)= U[xi] V[xi] over input channels [ci0, ci1). */
__attribute__ ((target ("avx512f"))) static void
wino_gemm (const WinoJob *j, int ci0, int ci1, const float *restrict v, float *restrict m)
{
  int ci_n = j->is.c, n_cob = (j->node->out_channels + WCOB - 1) / WCOB;
  int n = ci1 - ci0;
  gboolean first = ci0 == 0;

  for (int xi = 0; xi < j->n_xi; xi++)
    {
      const float *vx = v + (gsize)xi * wino_v_stride (j->cic);
      float *mx = m + (gsize)xi * wino_m_stride (j->node);

      for (int cob = 0; cob < n_cob; cob++)
        {
          const float *u = j->u + wino_u_offset (ci_n, n_cob, xi, cob) + (gsize)ci0 * WCOB;
          float *mc = mx + (gsize)cob * WCOB * WT_N;
          __m512 acc[WCOB][WT_V];

#pragma GCC unroll 8
          for (int c = 0; c < WCOB; c++)
#pragma GCC unroll 2
            for (int q = 0; q < WT_V; q++)
              acc[c][q] = first ? _mm512_setzero_ps () : _mm512_load_ps (mc + c * WT_N + 16 * q);

          for (int i = 0; i < n; i++)
            {
              __m512 in[WT_V];
#pragma GCC unroll 2
              for (int q = 0; q < WT_V; q++)
                in[q] = _mm512_load_ps (vx + (gsize)i * WT_N + 16 * q);
#pragma GCC unroll 8
              for (int c = 0; c < WCOB; c++)
                {
                  __m512 b = _mm512_set1_ps (u[i * WCOB + c]);
#pragma GCC unroll 2
                  for (int q = 0; q < WT_V; q++)
                    acc[c][q] = _mm512_fmadd_ps (in[q], b, acc[c][q]);
                }
            }

#pragma GCC unroll 8
          for (int c = 0; c < WCOB; c++)
#pragma GCC unroll 2
            for (int q = 0; q < WT_V; q++)
              _mm512_store_ps (mc + c * WT_N + 16 * q, acc[c][q]);
        }
    }
}

/* Y = A^T M A, bias and activation, into the output rows 2 ty and
 * 2 ty + 1. */
__attribute__ ((target ("avx512f"))) static void
wino_output (const WinoJob *j, int ty, int tx0, const float *restrict m)
{
  const CcNode *node = j->node;
  int co_n = node->out_channels, ow = j->os.w, oh = j->os.h;
  gsize oplane = (gsize)oh * ow, xs = wino_m_stride (node);
  __m512i lo = _mm512_set_epi32 (23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  __m512i hi = _mm512_add_epi32 (lo, _mm512_set1_epi32 (8));
  gboolean relu = node->act == CC_ACT_RELU;
  gboolean other_act = node->act != CC_ACT_NONE && !relu;
  int n_rows = MIN (2, oh - 2 * ty);

  for (int co = 0; co < co_n; co++)
    {
      const float *mc = m + (gsize)co * WT_N;
      __m512 b = _mm512_set1_ps (node->bias ? node->bias->data[co] : 0.0f);
      float *o = j->out + co * oplane + (gsize)2 * ty * ow;

#pragma GCC unroll 2
      for (int q = 0; q < WT_V; q++)
        {
          int x = 2 * (tx0 + 16 * q);
          __m512 s[4][2], y[2][2];

          if (x >= ow)
            break;
          /* M A: A^T = [1 1 1 0; 0 1 -1 -1] */
#pragma GCC unroll 4
          for (int r = 0; r < 4; r++)
            {
              __m512 m0 = _mm512_load_ps (mc + (r * 4 + 0) * xs + 16 * q);
              __m512 m1 = _mm512_load_ps (mc + (r * 4 + 1) * xs + 16 * q);
              __m512 m2 = _mm512_load_ps (mc + (r * 4 + 2) * xs + 16 * q);
              __m512 m3 = _mm512_load_ps (mc + (r * 4 + 3) * xs + 16 * q);
              s[r][0] = _mm512_add_ps (_mm512_add_ps (m0, m1), m2);
              s[r][1] = _mm512_sub_ps (_mm512_sub_ps (m1, m2), m3);
            }
          /* A^T (M A), then the bias */
          for (int c = 0; c < 2; c++)
            {
              y[0][c]
                  = _mm512_add_ps (_mm512_add_ps (_mm512_add_ps (s[0][c], s[1][c]), s[2][c]), b);
              y[1][c]
                  = _mm512_add_ps (_mm512_sub_ps (_mm512_sub_ps (s[1][c], s[2][c]), s[3][c]), b);
            }
          for (int r = 0; r < n_rows; r++)
            {
              /* Lane l holds columns 2 l (y[r][0]) and 2 l + 1 (y[r][1]). */
              __m512 p0 = _mm512_permutex2var_ps (y[r][0], lo, y[r][1]);
              __m512 p1 = _mm512_permutex2var_ps (y[r][0], hi, y[r][1]);
              float *row = o + (gsize)r * ow + x;

              if (relu)
                {
                  p0 = _mm512_max_ps (p0, _mm512_setzero_ps ());
                  p1 = _mm512_max_ps (p1, _mm512_setzero_ps ());
                }
              _mm512_mask_storeu_ps (row, lanes_inside (x, ow), p0);
              _mm512_mask_storeu_ps (row + 16, lanes_inside (x + 16, ow), p1);
              /* Other activations: the scalar epilogue, on what was stored. */
              if (other_act)
                bias_activation (row, MIN (32, ow - x), 0.0f, node->act, node->alpha);
            }
        }
    }
}

__attribute__ ((target ("avx512f"))) static void
wino_item (int item, int worker, gpointer data)
{
  const WinoJob *j = data;
  int ty = item / j->n_segments, tx0 = item % j->n_segments * WT_N;
  float *v = j->scratch + (gsize)worker * j->scratch_floats;
  float *m = v + wino_v_floats (j->cic, j->n_xi);
  int ci_n = j->is.c;

  for (int ci0 = 0; ci0 < ci_n; ci0 += j->cic)
    {
      int ci1 = MIN (ci_n, ci0 + j->cic);
      wino_input (j, ty, tx0, ci0, ci1, v);
      wino_gemm (j, ci0, ci1, v, m);
    }
  wino_output (j, ty, tx0, m);
}

/* ---- Winograd F(4x4, 3x3): the same scheme with 4x4 output tiles ----
 *
 * 6x6 input patches, 36 GEMMs: 2.25 products per output and input channel
 * where F(2x2, 3x3) does 4 and the direct kernel 9.  The transforms'
 * coefficients (up to 8, and 1/6 in G) cost a few bits more rounding than
 * F(2x2, 3x3); the tests bound it against double-precision references.  An
 * item is WT_V vectors of 16 tiles, each vector 16 consecutive tiles of one
 * tile row (so narrow images waste no lanes): lane l of the stride-4
 * deinterleave of 64 input floats holds column 4 l + k of its patch. */

/* B^T d along one dimension (F(4x4, 3x3)). */
__attribute__ ((target ("avx512f"), always_inline)) static inline void
wino4_bt (const __m512 d[6], __m512 t[6])
{
  __m512 two = _mm512_set1_ps (2.0f), four = _mm512_set1_ps (4.0f);
  __m512 five = _mm512_set1_ps (5.0f);
  __m512 d12 = _mm512_add_ps (d[1], d[2]), d34 = _mm512_add_ps (d[3], d[4]);
  __m512 m12 = _mm512_sub_ps (d[1], d[2]), m43 = _mm512_sub_ps (d[4], d[3]);
  __m512 m42 = _mm512_sub_ps (d[4], d[2]), m31 = _mm512_sub_ps (d[3], d[1]);

  t[0] = _mm512_fmadd_ps (four, d[0], _mm512_fnmadd_ps (five, d[2], d[4]));
  t[1] = _mm512_fnmadd_ps (four, d12, d34);
  t[2] = _mm512_fmadd_ps (four, m12, m43);
  t[3] = _mm512_fmadd_ps (two, m31, m42);
  t[4] = _mm512_fnmadd_ps (two, m31, m42);
  t[5] = _mm512_fmadd_ps (four, d[1], _mm512_fnmadd_ps (five, d[3], d[5]));
}

/* m A along one dimension (F(4x4, 3x3)). */
__attribute__ ((target ("avx512f"), always_inline)) static inline void
wino4_at (const __m512 m[6], __m512 s[4])
{
  __m512 p12 = _mm512_add_ps (m[1], m[2]), p34 = _mm512_add_ps (m[3], m[4]);
  __m512 m12 = _mm512_sub_ps (m[1], m[2]), m34 = _mm512_sub_ps (m[3], m[4]);

  s[0] = _mm512_add_ps (_mm512_add_ps (m[0], p12), p34);
  s[1] = _mm512_fmadd_ps (_mm512_set1_ps (2.0f), m34, m12);
  s[2] = _mm512_fmadd_ps (_mm512_set1_ps (4.0f), p34, p12);
  s[3] = _mm512_add_ps (_mm512_fmadd_ps (_mm512_set1_ps (8.0f), m34, m12), m[5]);
}

/* V[xi][ci - ci0][16 q + lane] for the item's vectors (ty[q] < 0: none). */
__attribute__ ((target ("avx512f"))) static void
wino4_input (const WinoJob *j, const int *ty, const int *tx0, int ci0, int ci1, float *restrict v)
{
  int iw = j->is.w, ih = j->is.h;
  gsize iplane = (gsize)ih * iw, xs = wino_v_stride (j->cic);
  __m512i even = _mm512_set_epi32 (30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  __m512i odd = _mm512_add_epi32 (even, _mm512_set1_epi32 (1));
  __mmask16 mask[WT_V][6];

  /* Vector q's lane l covers input columns 4 (tx0 + l) - 1 + k, k < 6:
   * four vectors from x, and the first float of two more at x + 64 and
   * x + 65 for k = 4, 5 of the last lane. */
  for (int q = 0; q < WT_V; q++)
    {
      int x = 4 * tx0[q] - 1;
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++)
        mask[q][k] = lanes_inside (x + 16 * k, iw);
      mask[q][4] = lanes_inside (x + 64, iw) & 1;
      mask[q][5] = lanes_inside (x + 65, iw) & 1;
    }

  for (int ci = ci0; ci < ci1; ci++)
    {
      const float *plane = j->in + ci * iplane;
      float *vc = v + (gsize)(ci - ci0) * WT_N;

      /* The rows of a later channel: 6 rows of every channel in turn, too
       * many short streams for the hardware prefetcher. */
      if (ci + WT4_AHEAD < ci1)
        for (int q = 0; q < WT_V; q++)
          for (int r = 0; r < 6; r++)
            {
              int iy = 4 * ty[q] - 1 + r;
              if (ty[q] >= 0 && iy >= 0 && iy < ih)
                for (int k = 0; k < 5; k++)
                  __builtin_prefetch (plane + WT4_AHEAD * iplane + (gsize)iy * iw
                                      + MAX (0, 4 * tx0[q] - 1) + 16 * k);
            }

      for (int q = 0; q < WT_V; q++)
        {
          __m512 t[6][6], d[6], r6[6];
          int x = 4 * tx0[q] - 1;

          if (ty[q] < 0)
            {
              for (int xi = 0; xi < 36; xi++)
                _mm512_store_ps (vc + xi * xs + 16 * q, _mm512_setzero_ps ());
              continue;
            }
#pragma GCC unroll 6
          for (int r = 0; r < 6; r++)
            {
              int iy = 4 * ty[q] - 1 + r;

              if (iy < 0 || iy >= ih)
                {
#pragma GCC unroll 6
                  for (int k = 0; k < 6; k++)
                    t[r][k] = _mm512_setzero_ps ();
                  continue;
                }
              {
                /* Up to one float before the row: that lane is masked off. */
                const float *row = plane + (gsize)iy * iw + x;
                __m512 a0 = _mm512_maskz_loadu_ps (mask[q][0], row);
                __m512 a1 = _mm512_maskz_loadu_ps (mask[q][1], row + 16);
                __m512 a2 = _mm512_maskz_loadu_ps (mask[q][2], row + 32);
                __m512 a3 = _mm512_maskz_loadu_ps (mask[q][3], row + 48);
                __m512 n0 = _mm512_maskz_loadu_ps (mask[q][4], row + 64);
                __m512 n1 = _mm512_maskz_loadu_ps (mask[q][5], row + 65);
                __m512 e01 = _mm512_permutex2var_ps (a0, even, a1);
                __m512 o01 = _mm512_permutex2var_ps (a0, odd, a1);
                __m512 e23 = _mm512_permutex2var_ps (a2, even, a3);
                __m512 o23 = _mm512_permutex2var_ps (a2, odd, a3);

                d[0] = _mm512_permutex2var_ps (e01, even, e23);
                d[1] = _mm512_permutex2var_ps (o01, even, o23);
                d[2] = _mm512_permutex2var_ps (e01, odd, e23);
                d[3] = _mm512_permutex2var_ps (o01, odd, o23);
                /* Lane l + 1 of d[0], d[1]; the last lane from x + 64, 65. */
                d[4] = _mm512_castsi512_ps (
                    _mm512_alignr_epi32 (_mm512_castps_si512 (n0), _mm512_castps_si512 (d[0]), 1));
                d[5] = _mm512_castsi512_ps (
                    _mm512_alignr_epi32 (_mm512_castps_si512 (n1), _mm512_castps_si512 (d[1]), 1));
                wino4_bt (d, t[r]);
              }
            }
#pragma GCC unroll 6
          for (int c = 0; c < 6; c++)
            {
#pragma GCC unroll 6
              for (int r = 0; r < 6; r++)
                d[r] = t[r][c];
              wino4_bt (d, r6);
#pragma GCC unroll 6
              for (int r = 0; r < 6; r++)
                _mm512_store_ps (vc + (r * 6 + c) * xs + 16 * q, r6[r]);
            }
        }
    }
}

/* Y = A^T M A, bias and activation, into output rows 4 ty .. 4 ty + 3. */
__attribute__ ((target ("avx512f"))) static void
wino4_output (const WinoJob *j, const int *ty, const int *tx0, const float *restrict m)
{
  const CcNode *node = j->node;
  int co_n = node->out_channels, ow = j->os.w, oh = j->os.h;
  gsize oplane = (gsize)oh * ow, xs = wino_m_stride (node);
  __m512i lo = _mm512_set_epi32 (23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  __m512i hi = _mm512_add_epi32 (lo, _mm512_set1_epi32 (8));
  __m512i lo64 = _mm512_set_epi64 (11, 3, 10, 2, 9, 1, 8, 0);
  __m512i hi64 = _mm512_add_epi64 (lo64, _mm512_set1_epi64 (4));
  gboolean relu = node->act == CC_ACT_RELU;
  gboolean other_act = node->act != CC_ACT_NONE && !relu;

  for (int q = 0; q < WT_V; q++)
    {
      int x = 4 * tx0[q], n_rows;
      __mmask16 store_mask[4];

      if (ty[q] < 0)
        continue;
      n_rows = MIN (4, oh - 4 * ty[q]);
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++)
        store_mask[k] = lanes_inside (x + 16 * k, ow);
      for (int co = 0; co < co_n; co++)
        {
          const float *mc = m + (gsize)co * WT_N + 16 * q;
          __m512 b = _mm512_set1_ps (node->bias ? node->bias->data[co] : 0.0f);
          float *o = j->out + co * oplane + (gsize)4 * ty[q] * ow + x;
          __m512 s[6][4], y[4][4], col[6];

#pragma GCC unroll 6
          for (int r = 0; r < 6; r++)
            {
              __m512 row[6];
#pragma GCC unroll 6
              for (int c = 0; c < 6; c++)
                row[c] = _mm512_load_ps (mc + (r * 6 + c) * xs);
              wino4_at (row, s[r]);
            }
#pragma GCC unroll 4
          for (int c = 0; c < 4; c++)
            {
              __m512 yc[4];
#pragma GCC unroll 6
              for (int r = 0; r < 6; r++)
                col[r] = s[r][c];
              wino4_at (col, yc);
#pragma GCC unroll 4
              for (int i = 0; i < 4; i++)
                {
                  y[i][c] = _mm512_add_ps (yc[i], b);
                  if (relu)
                    y[i][c] = _mm512_max_ps (y[i][c], _mm512_setzero_ps ());
                }
            }
          for (int i = 0; i < n_rows; i++)
            {
              /* Lane l holds columns 4 l + c in y[i][c]: pairs, then pairs
               * of pairs. */
              __m512d p01l = _mm512_castps_pd (_mm512_permutex2var_ps (y[i][0], lo, y[i][1]));
              __m512d p01h = _mm512_castps_pd (_mm512_permutex2var_ps (y[i][0], hi, y[i][1]));
              __m512d p23l = _mm512_castps_pd (_mm512_permutex2var_ps (y[i][2], lo, y[i][3]));
              __m512d p23h = _mm512_castps_pd (_mm512_permutex2var_ps (y[i][2], hi, y[i][3]));
              __m512 out4[4];
              float *row = o + (gsize)i * ow;

              out4[0] = _mm512_castpd_ps (_mm512_permutex2var_pd (p01l, lo64, p23l));
              out4[1] = _mm512_castpd_ps (_mm512_permutex2var_pd (p01l, hi64, p23l));
              out4[2] = _mm512_castpd_ps (_mm512_permutex2var_pd (p01h, lo64, p23h));
              out4[3] = _mm512_castpd_ps (_mm512_permutex2var_pd (p01h, hi64, p23h));
#pragma GCC unroll 4
              for (int k = 0; k < 4; k++)
                _mm512_mask_storeu_ps (row + 16 * k, store_mask[k], out4[k]);
              /* Other activations: the scalar epilogue, on what was stored. */
              if (other_act)
                bias_activation (row, MIN (64, ow - x), 0.0f, node->act, node->alpha);
            }
        }
    }
}

__attribute__ ((target ("avx512f"))) static void
wino4_item (int item, int worker, gpointer data)
{
  const WinoJob *j = data;
  float *v = j->scratch + (gsize)worker * j->scratch_floats;
  float *m = v + wino_v_floats (j->cic, j->n_xi);
  int ci_n = j->is.c, ty[WT_V], tx0[WT_V];

  for (int q = 0; q < WT_V; q++)
    {
      int g = item * WT_V + q;
      ty[q] = g < j->n_vectors ? g / j->n_segments : -1;
      tx0[q] = g < j->n_vectors ? g % j->n_segments * 16 : 0;
    }
  for (int ci0 = 0; ci0 < ci_n; ci0 += j->cic)
    {
      int ci1 = MIN (ci_n, ci0 + j->cic);
      wino4_input (j, ty, tx0, ci0, ci1, v);
      wino_gemm (j, ci0, ci1, v, m);
    }
  wino4_output (j, ty, tx0, m);
}

#endif /* HAVE_X86_DIRECT */

static gboolean
wino_applies (const CcCpu *cpu, const CcNode *node)
{
  return cpu->winograd && node->kernel == 3 && node->stride == 1 && node->padding == 1
         && node->in_channels >= WINO_MIN_CI;
}

static void
wino_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is, float *out, CcShape os)
{
#ifdef HAVE_X86_DIRECT
  WinoJob job = { node, in, is, os, out, wino_weights (cpu, node), NULL, 0, 0, 0, 0, 0, 0 };
  int m = cpu->winograd, max_cic = m == 2 ? WT_CIC : WT4_CIC;
  int passes = (is.c + max_cic - 1) / max_cic, tiles_h = (os.h + m - 1) / m;
  gsize floats;

  job.n_xi = (m + 2) * (m + 2);
  /* Passes as even as they can be: 96 channels in one, 150 in 75 + 75.
   * The split does not change any sum: M carries it from one to the next. */
  job.cic = (is.c + passes - 1) / passes;
  /* V, then M, in whole cache lines per worker. */
  floats = (wino_v_floats (job.cic, job.n_xi) + wino_m_floats (node, job.n_xi) + 15) / 16 * 16;

  if (floats > cpu->scratch_floats)
    {
      g_aligned_free (cpu->scratch);
      cpu->scratch = g_aligned_alloc (floats * cpu->n_threads, sizeof (float), 64);
      cpu->scratch_floats = floats;
    }
  job.scratch = cpu->scratch;
  job.scratch_floats = cpu->scratch_floats;
  job.tiles_w = (os.w + m - 1) / m;
  if (m == 2)
    {
      job.n_segments = (job.tiles_w + WT_N - 1) / WT_N;
      parallel_for (cpu, tiles_h * job.n_segments, wino_item, &job);
    }
  else
    {
      job.n_segments = (job.tiles_w + 15) / 16;
      job.n_vectors = tiles_h * job.n_segments;
      parallel_for (cpu, (job.n_vectors + WT_V - 1) / WT_V, wino4_item, &job);
    }
#else
  g_assert_not_reached ();
#endif
}

static gboolean
direct_applies (const CcCpu *cpu, const CcNode *node)
{
  return cpu->direct && node->kernel == 3 && (node->stride == 1 || node->stride == 2);
}

static void
direct_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is, float *out, CcShape os)
{
#ifdef HAVE_X86_DIRECT
  DirectJob job = { node, in, is, os, out, packed_weights (cpu, node), 1, 1, 0 };
  int n_cob = (node->out_channels + COB - 1) / COB;
  int n_bands;

  /* Items are bands of up to BAND_ROWS output rows, at least 8 per thread;
   * small images also split the output channels so every thread gets
   * several items.  Neither changes what any output element sums. */
  job.band_rows = CLAMP (os.h / (8 * cpu->n_threads), 1, BAND_ROWS);
  n_bands = (os.h + job.band_rows - 1) / job.band_rows;
  job.n_groups = CLAMP (8 * cpu->n_threads / n_bands, 1, n_cob);
  job.cob_per_group = (n_cob + job.n_groups - 1) / job.n_groups;
  job.n_groups = (n_cob + job.cob_per_group - 1) / job.cob_per_group;
  parallel_for (cpu, n_bands * job.n_groups, node->stride == 1 ? direct_item_s1 : direct_item_s2,
                &job);
#else
  g_assert_not_reached ();
#endif
}

double
cc_cpu_conv2d_flops (const CcCpu *cpu, const CcNode *node, CcShape os)
{
  double per_pixel = 2.0 * node->out_channels * node->in_channels;

  if (wino_applies (cpu, node))
    {
      int m = cpu->winograd;
      return per_pixel * (m + 2) * (m + 2) * ((os.h + m - 1) / m) * ((os.w + m - 1) / m);
    }
  return per_pixel * node->kernel * node->kernel * os.h * os.w;
}

void
cc_cpu_conv2d (CcCpu *cpu, const CcNode *node, const CcPlanConv *tiling, const float *in,
               CcShape in_shape, float *out, CcShape out_shape, float *scratch)
{
  ConvJob job = { node, tiling, in, in_shape, out_shape, out, scratch };
  int n_tiles;

  if (wino_applies (cpu, node))
    {
      wino_conv2d (cpu, node, in, in_shape, out, out_shape);
      return;
    }
  if (direct_applies (cpu, node))
    {
      direct_conv2d (cpu, node, in, in_shape, out, out_shape);
      return;
    }
  n_tiles = (out_shape.h + tiling->tile_rows - 1) / tiling->tile_rows
            * ((out_shape.w + tiling->tile_cols - 1) / tiling->tile_cols);

  parallel_for (cpu, n_tiles, conv_tile, &job);
}

/* ---- elementwise: split into chunks ---- */

#define CHUNK (64 * 1024)

typedef struct
{
  CcActivation act;
  float alpha;
  const float *a, *b;
  float *out;
  gsize n;
  gsize plane; /* mul broadcast: elements per channel */
} EltJob;

static gsize
chunk_len (const EltJob *j, int item, gsize *start)
{
  *start = (gsize)item * CHUNK;
  return MIN ((gsize)CHUNK, j->n - *start);
}

static void
activation_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);

  (void)worker;
  if (j->out != j->a)
    memcpy (j->out + start, j->a + start, n * sizeof (float));
  bias_activation (j->out + start, n, 0.0f, j->act, j->alpha);
}

static int
n_chunks (gsize n)
{
  return (int)((n + CHUNK - 1) / CHUNK);
}

void
cc_cpu_activation (CcCpu *cpu, CcActivation act, float alpha, const float *in, float *out, gsize n)
{
  EltJob job = { act, alpha, in, NULL, out, n, 0 };

  parallel_for (cpu, n_chunks (n), activation_chunk, &job);
}

static void
add_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);
  const float *a = j->a + start, *b = j->b + start;
  float *out = j->out + start;

  (void)worker;
  for (gsize i = 0; i < n; i++)
    out[i] = a[i] + b[i];
}

void
cc_cpu_add (CcCpu *cpu, const float *a, const float *b, float *out, gsize n)
{
  EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, n, 0 };

  parallel_for (cpu, n_chunks (n), add_chunk, &job);
}

static void
mul_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);
  const float *a = j->a + start, *b = j->b + start;
  float *out = j->out + start;

  (void)worker;
  for (gsize i = 0; i < n; i++)
    out[i] = a[i] * b[i];
}

/* One channel times its factor. */
static void
mul_channel (int c, int worker, gpointer data)
{
  EltJob *j = data;
  const float *a = j->a + c * j->plane;
  float *out = j->out + c * j->plane;
  float f = j->b[c];

  (void)worker;
  for (gsize i = 0; i < j->plane; i++)
    out[i] = a[i] * f;
}

void
cc_cpu_mul (CcCpu *cpu, const float *a, CcShape as, const float *b, CcShape bs, float *out)
{
  gsize an = (gsize)as.c * as.h * as.w, bn = (gsize)bs.c * bs.h * bs.w;

  if (an == bn)
    {
      EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, an, 0 };
      parallel_for (cpu, n_chunks (an), mul_chunk, &job);
    }
  else if (bn < an)
    {
      EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, an, (gsize)as.h * as.w };
      parallel_for (cpu, as.c, mul_channel, &job);
    }
  else
    {
      EltJob job = { CC_ACT_NONE, 0.0f, b, a, out, bn, (gsize)bs.h * bs.w };
      parallel_for (cpu, bs.c, mul_channel, &job);
    }
}

static void
copy_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);

  (void)worker;
  memcpy (j->out + start, j->a + start, n * sizeof (float));
}

void
cc_cpu_copy (CcCpu *cpu, const float *in, float *out, gsize n)
{
  EltJob job = { CC_ACT_NONE, 0.0f, in, NULL, out, n, 0 };

  if (in != out)
    parallel_for (cpu, n_chunks (n), copy_chunk, &job);
}

/* ---- resampling: one channel per item ---- */

typedef struct
{
  const float *in;
  CcShape is;
  float *out;
} ResampleJob;

static void
upsample_nearest_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * 4 * h * w;

  (void)worker;
  for (int y = 0; y < h; y++)
    {
      float *row = out + (gsize)2 * y * 2 * w;
      for (int x = 0; x < w; x++)
        row[2 * x] = row[2 * x + 1] = in[(gsize)y * w + x];
      memcpy (row + 2 * w, row, 2 * w * sizeof (float));
    }
}

void
cc_cpu_upsample_nearest (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  parallel_for (cpu, is.c, upsample_nearest_channel, &job);
}

/* PyTorch's align_corners=False source coordinate for output index o. */
static inline void
bilinear_source (int o, int size, int *i0, int *i1, float *l1)
{
  float src = ((float)o + 0.5f) * 0.5f - 0.5f;

  if (src < 0.0f)
    src = 0.0f;
  *i0 = (int)src;
  *i1 = *i0 + (*i0 < size - 1 ? 1 : 0);
  *l1 = src - (float)*i0;
}

/* Row r interpolated along x to 2w floats.  At scale 2, output column 2i
 * samples at i - 1/4 and 2i + 1 at i + 1/4 (both clamped at the borders):
 * weights 1/4 and 3/4. */
static void
bilinear_row (const float *restrict r, int w, float *restrict o)
{
  o[0] = r[0];
  for (int i = 1; i < w; i++)
    {
      o[2 * i] = 0.25f * r[i - 1] + 0.75f * r[i];
      o[2 * i - 1] = 0.75f * r[i - 1] + 0.25f * r[i];
    }
  o[2 * w - 1] = r[w - 1];
}

static void
upsample_bilinear_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h, wo = 2 * w, ho = 2 * h;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * ho * wo;
  /* Input rows interpolated along x, the even row in [0], the odd in [1]:
   * each is made once, not once per output row that reads it. */
  g_autofree float *rows = g_new (float, 2 * (gsize)wo);
  int made[2] = { -1, -1 };

  (void)worker;
  for (int oy = 0; oy < ho; oy++)
    {
      int y[2];
      float l1, l0;
      const float *h0, *h1;
      float *o = out + (gsize)oy * wo;

      bilinear_source (oy, h, &y[0], &y[1], &l1);
      l0 = 1.0f - l1;
      for (int k = 0; k < 2; k++)
        if (made[y[k] % 2] != y[k])
          {
            bilinear_row (in + (gsize)y[k] * w, w, rows + (gsize)(y[k] % 2) * wo);
            made[y[k] % 2] = y[k];
          }
      h0 = rows + (gsize)(y[0] % 2) * wo;
      h1 = rows + (gsize)(y[1] % 2) * wo;
      for (int x = 0; x < wo; x++)
        o[x] = l0 * h0[x] + l1 * h1[x];
    }
}

void
cc_cpu_upsample_bilinear (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  parallel_for (cpu, is.c, upsample_bilinear_channel, &job);
}

static void
avgpool2_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h, wo = w / 2, ho = h / 2;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * ho * wo;

  (void)worker;
  for (int y = 0; y < ho; y++)
    {
      const float *r0 = in + (gsize)2 * y * w, *r1 = r0 + w;
      for (int x = 0; x < wo; x++)
        /* PyTorch's order: sum the window row by row, then divide. */
        out[(gsize)y * wo + x] = (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]) / 4.0f;
    }
}

void
cc_cpu_avgpool2 (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  parallel_for (cpu, is.c, avgpool2_channel, &job);
}

static void
global_avgpool_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  gsize n = (gsize)j->is.h * j->is.w;
  const float *in = j->in + c * n;
  float lanes[16] = { 0 };
  double sum = 0.0;
  gsize i = 0;

  (void)worker;
  /* Sixteen independent partial sums: a loop the compiler vectorises
   * without reordering any one sum, so the result stays deterministic. */
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++)
      lanes[l] += in[i + l];
  for (; i < n; i++)
    sum += in[i];
  for (int l = 0; l < 16; l++)
    sum += lanes[l];
  j->out[c] = (float)(sum / (double)n);
}

void
cc_cpu_global_avgpool (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  parallel_for (cpu, is.c, global_avgpool_channel, &job);
}
