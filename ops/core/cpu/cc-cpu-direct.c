/* CoColor inference core: CPU backend, the direct 3x3 convolution (see
 * cc-cpu-private.h). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cc-cpu-private.h"

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
gsize
cc_cpu_direct_weights_bytes (const CcNode *node)
{
  gsize n_cob = (node->out_channels + COB - 1) / COB;
  return n_cob * node->in_channels * 9 * COB * sizeof (float);
}

gboolean
cc_cpu_direct_prepare (CcCpu *cpu, const CcNode *node, GError **error)
{
  int ci_n = node->in_channels, co_n = node->out_channels;
  int n_cob = (co_n + COB - 1) / COB;
  const float *w = node->weight->data;
  gsize bytes = cc_cpu_direct_weights_bytes (node);
  float *p;

  if (g_hash_table_contains (cpu->packed, node))
    return TRUE;
  p = cc_cpu_try_alloc (cpu, bytes, _ ("working buffers"), error);
  if (p == NULL)
    return FALSE;
  memset (p, 0, bytes);
  for (int co = 0; co < co_n; co++)
    for (int ci = 0; ci < ci_n; ci++)
      {
        int ci0 = ci / CIB * CIB;
        float *dst = p + packed_offset (ci_n, n_cob, ci0, co / COB) + (gsize)(ci - ci0) * 9 * COB;
        for (int k = 0; k < 9; k++)
          dst[k * COB + co % COB] = w[((gsize)co * ci_n + ci) * 9 + k];
      }
  g_hash_table_insert (cpu->packed, (gpointer)node, p);
  return TRUE;
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

gboolean
cc_cpu_direct_applies (const CcCpu *cpu, const CcNode *node)
{
  return cpu->direct && node->kernel == 3 && (node->stride == 1 || node->stride == 2);
}

void
cc_cpu_direct_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is, float *out,
                      CcShape os)
{
#ifdef HAVE_X86_DIRECT
  DirectJob job = { node, in, is, os, out, g_hash_table_lookup (cpu->packed, node), 1, 1, 0 };
  int n_cob = (node->out_channels + COB - 1) / COB;
  int n_bands;

  /* cc_cpu_prepare () made them: a run allocates nothing. */
  g_return_if_fail (job.weights != NULL);

  /* Items are bands of up to BAND_ROWS output rows, at least 8 per thread;
   * small images also split the output channels so every thread gets
   * several items.  Neither changes what any output element sums. */
  job.band_rows = CLAMP (os.h / (8 * cpu->n_threads), 1, BAND_ROWS);
  n_bands = (os.h + job.band_rows - 1) / job.band_rows;
  job.n_groups = CLAMP (8 * cpu->n_threads / n_bands, 1, n_cob);
  job.cob_per_group = (n_cob + job.n_groups - 1) / job.n_groups;
  job.n_groups = (n_cob + job.cob_per_group - 1) / job.cob_per_group;
  cc_cpu_parallel_for (cpu, n_bands * job.n_groups,
                       node->stride == 1 ? direct_item_s1 : direct_item_s2, &job);
#else
  g_assert_not_reached ();
#endif
}
