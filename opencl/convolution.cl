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
