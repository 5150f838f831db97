/* The op's colour steps at full resolution, one work-item per pixel of a
 * tile of R'G'B'A float pixels (in, out: 4 floats a pixel).  They compute
 * what the CPU path does (ops/cc-guided.c, ops/cc-blend.h), in the same
 * order of operations, so that both give the same picture within float
 * rounding; the comparisons are written as there, so NaN input pixels
 * come out as they do on the CPU. */

/* BT.601 luma of R'G'B' (ops/cc-luma.h). */
float
luma (float r, float g, float b)
{
  return 0.299f * r + 0.587f * g + 0.114f * b;
}

float
clamp01 (float v)
{
  return v > 1.0f ? 1.0f : (v < 0.0f ? 0.0f : v); /* GLib's CLAMP: NaN stays NaN */
}

/* ops/cc-blend.h's cc_gamut_scale (). */
float
gamut_scale (float v, float y, float k)
{
  if (v > 1.0f)
    k = fmin (k, (1.0f - y) / (v - y));
  else if (v < 0.0f)
    k = fmin (k, y / (y - v));
  return fmax (k, 0.0f);
}

/* Mixes colour into the input pixel in by strength; keep_luma (gray mode)
 * first shifts colour to the input's luminance; otherwise (NIR mode) the
 * mix is with the input's neutral version, gain × luminance as gray.  A
 * pixel within [0, 1] stays there (gray mode gives up chroma, not
 * luminance), one outside is not clipped, one with a NaN or Inf channel
 * passes through; alpha passes through (ops/cc-blend.h's cc_blend ()). */
void
blend (__global const float *in, float c0, float c1, float c2, float strength, int keep_luma,
       float gain, __global float *out)
{
  float y = luma (in[0], in[1], in[2]);
  float b0 = in[0], b1 = in[1], b2 = in[2];
  float o0, o1, o2;
  int in_range = in[0] >= 0.0f && in[0] <= 1.0f && in[1] >= 0.0f && in[1] <= 1.0f
                 && in[2] >= 0.0f && in[2] <= 1.0f;

  out[3] = in[3];
  if (!isfinite (in[0]) || !isfinite (in[1]) || !isfinite (in[2]))
    {
      out[0] = in[0];
      out[1] = in[1];
      out[2] = in[2];
      return;
    }
  if (keep_luma)
    {
      float shift = y - luma (c0, c1, c2);
      c0 += shift;
      c1 += shift;
      c2 += shift;
    }
  else
    {
      float v = gain * y;
      b0 = b1 = b2 = in_range ? clamp01 (v) : v;
    }
  o0 = b0 + strength * (c0 - b0);
  o1 = b1 + strength * (c1 - b1);
  o2 = b2 + strength * (c2 - b2);
  if (in_range)
    {
      if (keep_luma)
        {
          float k = gamut_scale (o2, y, gamut_scale (o1, y, gamut_scale (o0, y, 1.0f)));
          o0 = y + k * (o0 - y);
          o1 = y + k * (o1 - y);
          o2 = y + k * (o2 - y);
        }
      o0 = clamp01 (o0);
      o1 = clamp01 (o1);
      o2 = clamp01 (o2);
    }
  out[0] = o0;
  out[1] = o1;
  out[2] = o2;
}

/* A full-resolution pixel centre on the small grid, pixel centres aligned
 * (cc-guided.c's source_coordinate ()). */
void
source_coordinate (int i, int full, int small, int *i0, int *i1, float *t)
{
  float s = ((float)i + 0.5f) * (float)small / (float)full - 0.5f;
  int lo = (int)s;

  if (s <= 0.0f)
    *i0 = *i1 = 0, *t = 0.0f;
  else if (lo >= small - 1)
    *i0 = *i1 = small - 1, *t = 0.0f;
  else
    *i0 = lo, *i1 = lo + 1, *t = s - (float)lo;
}

/* Guided upsampling's apply step fused with the blend, so that the colour
 * never goes through memory: a and b of the fitted model (ab: 3 planes of
 * a then 3 of b, sw x sh) upsampled bilinearly to the pixel, times the
 * pixel's own signal (gain × luminance, ops/cc-nir-signal.h), plus b.  The
 * tile is cols x rows at (x0, y0) of a fw x fh picture. */
__kernel void
guided_blend (__global const float *ab, int sw, int sh, int fw, int fh, int x0, int y0,
              __global const float *in, float strength, int keep_luma, float gain,
              __global float *out)
{
  int col = get_global_id (0), row = get_global_id (1);
  size_t p = (size_t)row * get_global_size (0) + col;
  size_t n = (size_t)sw * sh;
  __global const float *px = in + 4 * p;
  int xa, xb, ya, yb;
  float tx, ty, c[3];
  float v = gain * luma (px[0], px[1], px[2]);
  /* The guide as the network saw it: finite, within [0, 1]. */
  float g = isfinite (v) ? clamp01 (v) : 0.0f;

  source_coordinate (y0 + row, fh, sh, &ya, &yb, &ty);
  source_coordinate (x0 + col, fw, sw, &xa, &xb, &tx);
  {
    size_t i00 = (size_t)ya * sw + xa, i01 = (size_t)ya * sw + xb;
    size_t i10 = (size_t)yb * sw + xa, i11 = (size_t)yb * sw + xb;
    float w00 = (1 - ty) * (1 - tx), w01 = (1 - ty) * tx, w10 = ty * (1 - tx), w11 = ty * tx;

    for (int k = 0; k < 3; k++)
      {
        __global const float *a = ab + k * n, *b = ab + (3 + k) * n;
        float av = w00 * a[i00] + w01 * a[i01] + w10 * a[i10] + w11 * a[i11];
        float bv = w00 * b[i00] + w01 * b[i01] + w10 * b[i10] + w11 * b[i11];
        c[k] = av * g + bv;
      }
  }
  blend (px, c[0], c[1], c[2], strength, keep_luma, gain, out + 4 * p);
}
