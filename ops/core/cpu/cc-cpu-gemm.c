/* CoColor inference core: CPU backend, convolution (see cc-cpu.h): the
 * choice of path, and im2col + GEMM.
 *
 * 3x3 stride 1 with padding 1 and 16 or more input channels on a CPU with
 * AVX-512: Winograd F(4x4, 3x3) (cc-cpu-winograd.c), 4 times fewer
 * products.  Other 3x3 stride 1 or 2 convolutions there: a direct kernel
 * (cc-cpu-direct.c) that reads the input where it lies, with no im2col
 * copy.  Every other convolution, and every convolution on other CPUs:
 * im2col over a tile of output rows (sized by the plan to stay in L2) then
 * one GEMM per tile (cc-cpu-sgemm.c: our own, no BLAS library), bias and
 * activation applied to the tile while it is still in cache.  A 1x1 stride-1 convolution is a GEMM
 * on the input as it is. */
#include "config.h"

#include <string.h>

#include "cc-cpu-private.h"
#include "cc-cpu-sgemm.h"

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

  cc_cpu_sgemm (node->out_channels, n, k, node->weight->data, k, b, ldb, j->out + col0, plane);

  /* Bias and activation while the tile is still in cache. */
  for (int co = 0; co < node->out_channels; co++)
    bias_activation (j->out + co * plane + col0, n, node->bias ? node->bias->data[co] : 0.0f,
                     node->act, node->alpha);
}

double
cc_cpu_conv2d_flops (const CcCpu *cpu, const CcNode *node, CcShape os)
{
  double per_pixel = 2.0 * node->out_channels * node->in_channels;

  if (cc_cpu_winograd_applies (cpu, node))
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

  if (cc_cpu_winograd_applies (cpu, node))
    {
      cc_cpu_winograd_conv2d (cpu, node, in, in_shape, out, out_shape);
      return;
    }
  if (cc_cpu_direct_applies (cpu, node))
    {
      cc_cpu_direct_conv2d (cpu, node, in, in_shape, out, out_shape);
      return;
    }
  n_tiles = (out_shape.h + tiling->tile_rows - 1) / tiling->tile_rows
            * ((out_shape.w + tiling->tile_cols - 1) / tiling->tile_cols);

  cc_cpu_parallel_for (cpu, n_tiles, conv_tile, &job);
}
