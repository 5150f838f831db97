/* Convolution helpers: the GEMM itself is CLBlast's.
 *
 * im2col: col[(ci, ky, kx)][(r, x)] for output rows [oy0, oy0 + rows), as
 * cc-cpu.c lays it out, zeros where the kernel overlaps the padding.
 * One work-item per element of the column matrix. */
__kernel void
im2col (__global const float *arena, ulong in_off, int in_h, int in_w, int kernel_size,
        int stride, int pad, int out_w, int oy0, int rows, __global float *col)
{
  size_t i = get_global_id (0);
  size_t n = (size_t)rows * out_w;
  int x = i % out_w;
  int r = (i / out_w) % rows;
  size_t k = i / n; /* (ci * kernel + ky) * kernel + kx */
  int kx = k % kernel_size;
  int ky = (k / kernel_size) % kernel_size;
  int ci = k / ((size_t)kernel_size * kernel_size);
  int iy = (oy0 + r) * stride - pad + ky;
  int ix = x * stride - pad + kx;
  __global const float *in = arena + in_off;

  col[i] = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w
               ? in[((size_t)ci * in_h + iy) * in_w + ix]
               : 0.0f;
}

/* x = act (x + bias[c]) over a [C, plane] value, after the GEMM. */
__kernel void
bias_activation (__global float *arena, ulong off, ulong plane, __global const float *weights,
                 ulong bias_off, int has_bias, int act, float alpha)
{
  size_t i = get_global_id (0);
  __global float *x = arena + off;
  float b = has_bias ? weights[bias_off + i / plane] : 0.0f;

  x[i] = activate (x[i] + b, act, alpha);
}

/* ---- direct convolution (CPU devices: cc-opencl.c says which) ----
 *
 * One work-item computes CO_BLOCK output channels of VW consecutive pixels
 * of one output row, in private float16 accumulators: each input vector
 * loaded feeds CO_BLOCK FMAs, and each weight is one scalar broadcast.  On
 * a CPU driver (PoCL) float16 is one AVX-512 register, so the kernel is
 * vectorised as written, whatever the driver does across work-items.
 *
 * The input is a zero-padded copy (pad_input), wide and tall enough for
 * every load, so the inner loop has no bounds checks and no branches.
 * Weights are packed per block of CO_BLOCK output channels as
 * [ci][ky][kx][CO_BLOCK], zeros past the last channel (cc-cl-backend.c). */
#define VW 16
#define CO_BLOCK 8 /* the same in cc-cl-backend.c */

/* ph rows of pw floats per channel of the input, from row row0 and column
 * -pad (both may be outside the input: zeros there).  Global size (pw, ph,
 * channels): x contiguous in dimension 0, no divisions. */
__kernel void
pad_input (__global const float *arena, ulong in_off, int in_h, int in_w, int row0, int pad,
           __global float *padded)
{
  int px = get_global_id (0), py = get_global_id (1), c = get_global_id (2);
  int pw = get_global_size (0), ph = get_global_size (1);
  int x = px - pad, y = py + row0;
  __global const float *row = arena + in_off + ((size_t)c * in_h + y) * in_w;

  padded[((size_t)c * ph + py) * pw + px] = y >= 0 && y < in_h && x >= 0 && x < in_w ? row[x] : 0.0f;
}

float16
activate16 (float16 v, int act, float alpha)
{
  switch (act)
    {
    case ACT_RELU:
      return fmax (v, 0.0f);
    case ACT_LEAKY_RELU:
      return select (v * alpha, v, v > 0.0f);
    case ACT_SILU:
      return v / (1.0f + exp (-v));
    case ACT_SIGMOID:
      return 1.0f / (1.0f + exp (-v));
    case ACT_TANH:
      return tanh (v);
    default:
      return v;
    }
}

/* VW pixels of a padded row at stride 1 or 2. */
#define LOAD_S1(p) vload16 (0, p)
#define LOAD_S2(p) (float16) (vload16 (0, p).even, vload16 (0, (p) + 16).even)

/* The accumulators are named variables, not an array: PoCL does not unroll
 * loops over a private array, which then lives on the stack. */
#if CO_BLOCK == 8
#define EACH_J(M) M (0) M (1) M (2) M (3) M (4) M (5) M (6) M (7)
#else
#define EACH_J(M)                                                                                  \
  M (0) M (1) M (2) M (3) M (4) M (5) M (6) M (7) M (8) M (9) M (10) M (11) M (12) M (13) M (14)  \
  M (15)
#endif
#define DECLARE(j) float16 acc##j = 0.0f;
#define FMA(j) acc##j = fma ((float16)w[j], v, acc##j);
#define RESUME(j)                                                                                  \
  if (ci0 > 0 && co0 + j < c_out)                                                                  \
    acc##j = load_out (out + (co0 + j) * plane, out_w - x0);
#define STORE(j)                                                                                   \
  if (co0 + j < c_out)                                                                             \
    store_out (acc##j, out + (co0 + j) * plane, out_w - x0,                                        \
               has_bias ? weights[bias_off + co0 + j] : 0.0f, last, act, alpha);

/* Up to VW pixels of o (n: how many are in the row), zeros past them. */
float16
load_out (__global const float *o, int n)
{
  float t[VW];

  if (n >= VW)
    return vload16 (0, o);
  for (int i = 0; i < VW; i++)
    t[i] = i < n ? o[i] : 0.0f;
  return vload16 (0, t);
}

/* v, or act (v + bias) when last, into up to VW pixels of o. */
void
store_out (float16 v, __global float *o, int n, float bias, int last, int act, float alpha)
{
  if (last)
    v = activate16 (v + bias, act, alpha);
  if (n >= VW)
    vstore16 (v, 0, o);
  else
    {
      float t[VW];
      vstore16 (v, 0, t);
      for (int i = 0; i < n; i++)
        o[i] = t[i];
    }
}

/* Global size: (row segments, rows, channel blocks).  src: padded rows
 * (pw floats each, ph per channel), src row r * S for output row oy0 + r.
 * Input channels [ci0, ci0 + c_n) of c_in: a slice small enough that its
 * weights and input rows stay in L1 while neighbouring work-items reuse
 * them; slices after the first add to the output, the last applies bias and
 * activation. */
#define CONV_DIRECT(NAME, K, S)                                                                    \
  __kernel void NAME (__global const float *src, ulong src_off, int pw, int ph, int c_in,          \
                      int ksize, __global const float *weights, ulong w_off, ulong bias_off,       \
                      int has_bias, int act, float alpha, __global float *arena, ulong out_off,    \
                      int c_out, int out_h, int out_w, int oy0, int ci0, int c_n, int last)        \
  {                                                                                                \
    int x0 = get_global_id (0) * VW, r = get_global_id (1);                                        \
    int co0 = get_global_id (2) * CO_BLOCK;                                                        \
    __global const float *in = src + src_off + ((size_t)ci0 * ph + r * S) * pw + x0 * S;           \
    __global const float *w = weights + w_off + ((size_t)co0 * c_in + ci0 * CO_BLOCK) * K * K;     \
    __global float *out = arena + out_off + (size_t)(oy0 + r) * out_w + x0;                        \
    size_t plane = (size_t)out_h * out_w;                                                          \
    EACH_J (DECLARE)                                                                               \
                                                                                                   \
    (void)ksize;                                                                                   \
    EACH_J (RESUME)                                                                                \
    for (int ci = 0; ci < c_n; ci++, in += (size_t)ph * pw)                                        \
      for (int ky = 0; ky < K; ky++)                                                               \
        for (int kx = 0; kx < K; kx++, w += CO_BLOCK)                                              \
          {                                                                                        \
            float16 v = LOAD_S##S (in + ky * pw + kx);                                             \
            EACH_J (FMA)                                                                           \
          }                                                                                        \
    EACH_J (STORE)                                                                                 \
  }

/* Unrolled for the usual kernels; any other size through ksize. */
CONV_DIRECT (conv3_s1, 3, 1)
CONV_DIRECT (conv3_s2, 3, 2)
CONV_DIRECT (conv1_s1, 1, 1)
CONV_DIRECT (convk_s1, ksize, 1)
CONV_DIRECT (convk_s2, ksize, 2)
