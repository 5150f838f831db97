/* CoColor inference core: CPU backend, Winograd F(4x4, 3x3) (see
 * cc-cpu-private.h). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "cc-cpu-private.h"

/* ---- Winograd F(4x4, 3x3): 3x3, stride 1, padding 1, AVX-512 ----
 *
 * The output is cut into 4x4 tiles, each computed from the 6x6 input patch
 * around it: V = B^T d B per input channel, M = sum over input channels of
 * U * V element by element (U = G g G^T, the weights transformed once per
 * node, in double), Y = A^T M A.  That is 36 products per tile and input
 * channel where the direct kernel does 144: 36 GEMMs, U[xi] (output x input
 * channels) times V[xi] (input channels x tiles), 2.25 products per output
 * and input channel where the direct kernel does 9.  The transforms'
 * coefficients (up to 8, and 1/6 in G) cost a few bits of rounding; the
 * tests bound it against double-precision references.
 *
 * An item is WT_V vectors of 16 tiles, each vector 16 consecutive tiles of
 * one tile row (so narrow images waste no lanes): lane l of the stride-4
 * deinterleave of 64 input floats holds column 4 l + k of its patch.  Input
 * channels go in passes of at most WT4_CIC (as even as the count allows),
 * their V in the worker's scratch (in L2), their partial sums waiting in M;
 * the GEMM keeps WCOB output channels x WT_N tiles in registers.  Each
 * element of M is one chain of FMAs over the input channels in order,
 * whatever the item or the thread: results are identical run to run and for
 * any number of threads.
 *
 * (An F(2x2, 3x3) variant, COCOLOR_CPU_WINOGRAD=2, was slower than this one
 * at every size measured, 1.4 to 1.7 times: it went.) */

#define WT_V 2           /* 16-tile vectors per item */
#define WT_N (16 * WT_V) /* tiles per item */
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

/* One kernel's U = G g G^T, in double. */
static void
wino_transform_kernel (const float *g, double u[6][6])
{
  const int a = 6;
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
          gg[r][c] += g4[r][k] * g[k * 3 + c];
      }
  for (int r = 0; r < a; r++)
    for (int c = 0; c < a; c++)
      {
        u[r][c] = 0;
        for (int k = 0; k < 3; k++)
          u[r][c] += gg[r][k] * g4[c][k];
      }
}

gsize
cc_cpu_winograd_weights_bytes (const CcNode *node)
{
  gsize n_cob = (node->out_channels + WCOB - 1) / WCOB;
  return (gsize)36 * n_cob * node->in_channels * WCOB * sizeof (float);
}

/* U[xi][cob][ci][WCOB]. */
gboolean
cc_cpu_winograd_prepare (CcCpu *cpu, const CcNode *node, GError **error)
{
  int ci_n = node->in_channels, co_n = node->out_channels;
  int n_cob = (co_n + WCOB - 1) / WCOB, a = 6;
  const float *w = node->weight->data;
  gsize bytes = cc_cpu_winograd_weights_bytes (node);
  float *u;

  if (g_hash_table_contains (cpu->wino, node))
    return TRUE;
  u = cc_cpu_try_alloc (cpu, bytes, _ ("working buffers"), error);
  if (u == NULL)
    return FALSE;
  memset (u, 0, bytes);
  for (int co = 0; co < co_n; co++)
    for (int ci = 0; ci < ci_n; ci++)
      {
        double uk[6][6];

        wino_transform_kernel (w + ((gsize)co * ci_n + ci) * 9, uk);
        for (int xi = 0; xi < a * a; xi++)
          u[wino_u_offset (ci_n, n_cob, xi, co / WCOB) + (gsize)ci * WCOB + co % WCOB]
              = (float)uk[xi / a][xi % a];
      }
  g_hash_table_insert (cpu->wino, (gpointer)node, u);
  return TRUE;
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
  int tiles_w, n_segments; /* tiles per tile row, 16-tile vectors per tile row */
  int n_vectors;           /* 16-tile vectors, n_segments per tile row */
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

/* Input channels per pass: as even as they can be, 96 channels in one, 150
 * in 75 + 75.  The split does not change any sum: M carries it from one to
 * the next. */
static int
wino_cic (int ci_n)
{
  int passes = (ci_n + WT4_CIC - 1) / WT4_CIC;
  return (ci_n + passes - 1) / passes;
}

gsize
cc_cpu_winograd_worker_bytes (const CcNode *node, CcShape is)
{
  /* V, then M, in whole cache lines. */
  return (wino_v_floats (wino_cic (is.c), 36) + wino_m_floats (node, 36) + 15) / 16 * 16
         * sizeof (float);
}

#ifdef HAVE_X86_DIRECT

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

gboolean
cc_cpu_winograd_fits (const CcNode *node)
{
  return node->kernel == 3 && node->stride == 1 && node->padding == 1
         && node->in_channels >= WINO_MIN_CI;
}

gboolean
cc_cpu_winograd_applies (const CcCpu *cpu, const CcNode *node)
{
  return cpu->winograd && cc_cpu_winograd_fits (node);
}

void
cc_cpu_winograd_conv2d (CcCpu *cpu, const CcNode *node, const float *in, CcShape is, float *out,
                        CcShape os)
{
#ifdef HAVE_X86_DIRECT
  WinoJob job
      = { node, in, is, os, out, g_hash_table_lookup (cpu->wino, node), NULL, 0, 0, 0, 0, 0, 0 };
  int m = cpu->winograd, tiles_h = (os.h + m - 1) / m;

  /* cc_cpu_prepare () made the weights and the scratch: a run allocates
   * nothing. */
  g_return_if_fail (job.u != NULL
                    && cc_cpu_winograd_worker_bytes (node, is)
                           <= cpu->scratch_floats * sizeof (float));
  job.n_xi = (m + 2) * (m + 2);
  job.cic = wino_cic (is.c);
  job.scratch = cpu->scratch;
  job.scratch_floats = cpu->scratch_floats;
  job.tiles_w = (os.w + m - 1) / m;
  job.n_segments = (job.tiles_w + 15) / 16;
  job.n_vectors = tiles_h * job.n_segments;
  cc_cpu_parallel_for (cpu, (job.n_vectors + WT_V - 1) / WT_V, wino4_item, &job);
#else
  g_assert_not_reached ();
#endif
}
