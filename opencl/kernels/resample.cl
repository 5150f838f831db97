/* Resampling and pooling, one work-item per output element (global
 * average pool: one work-group per channel). */

__kernel void
upsample_nearest (__global float *arena, ulong in_off, int h, int w, ulong out_off)
{
  size_t i = get_global_id (0);
  int wo = 2 * w, ho = 2 * h;
  int x = i % wo, y = (i / wo) % ho;
  size_t c = i / ((size_t)wo * ho);

  arena[out_off + i] = arena[in_off + (c * h + y / 2) * w + x / 2];
}

/* PyTorch's align_corners=False at scale 2, as cc-cpu.c computes it: the
 * source coordinate (o + 0.5) / 2 - 0.5, clamped at 0 and at the last
 * pixel. */
__kernel void
upsample_bilinear (__global float *arena, ulong in_off, int h, int w, ulong out_off)
{
  size_t i = get_global_id (0);
  int wo = 2 * w, ho = 2 * h;
  int ox = i % wo, oy = (i / wo) % ho;
  size_t c = i / ((size_t)wo * ho);
  float sy = fmax (((float)oy + 0.5f) * 0.5f - 0.5f, 0.0f);
  float sx = fmax (((float)ox + 0.5f) * 0.5f - 0.5f, 0.0f);
  int y0 = (int)sy, x0 = (int)sx;
  int y1 = y0 + (y0 < h - 1), x1 = x0 + (x0 < w - 1);
  float ly = sy - (float)y0, lx = sx - (float)x0;
  __global const float *in = arena + in_off + c * h * w;
  __global const float *r0 = in + (size_t)y0 * w, *r1 = in + (size_t)y1 * w;

  arena[out_off + i] = (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1])
                       + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
}

/* 2x2, stride 2; odd sizes drop the last row and column, as PyTorch. */
__kernel void
avgpool2 (__global float *arena, ulong in_off, int h, int w, ulong out_off)
{
  size_t i = get_global_id (0);
  int wo = w / 2, ho = h / 2;
  int x = i % wo, y = (i / wo) % ho;
  size_t c = i / ((size_t)wo * ho);
  __global const float *r0 = arena + in_off + (c * h + 2 * y) * w + 2 * x;
  __global const float *r1 = r0 + w;

  arena[out_off + i] = (r0[0] + r0[1] + r1[0] + r1[1]) / 4.0f;
}

/* One work-group per channel: each work-item sums a stride of the plane
 * (compensated, so long planes keep their precision), then the group adds
 * the partial sums as a tree. */
__kernel void
global_avgpool (__global float *arena, ulong in_off, ulong plane, ulong out_off,
                __local float *partial)
{
  size_t c = get_group_id (0);
  size_t lid = get_local_id (0), n_local = get_local_size (0);
  __global const float *in = arena + in_off + c * plane;
  float sum = 0.0f, carry = 0.0f;

  for (size_t j = lid; j < plane; j += n_local)
    {
      float y = in[j] - carry;
      float t = sum + y;
      carry = (t - sum) - y;
      sum = t;
    }
  partial[lid] = sum;
  barrier (CLK_LOCAL_MEM_FENCE);
  for (size_t s = n_local / 2; s > 0; s /= 2)
    {
      if (lid < s)
        partial[lid] += partial[lid + s];
      barrier (CLK_LOCAL_MEM_FENCE);
    }
  if (lid == 0)
    arena[out_off + c] = partial[0] / (float)plane;
}
