/* The op's colour recombination for one pixel, on the CPU.  opencl/kernels/colour.cl
 * does the same on an OpenCL device; the tests hold the two together. */
#pragma once

#include <glib.h>
#include <math.h>

#include "cc-luma.h"

/* The guide of guided upsampling: the pixel's signal as the network saw
 * it, gain × luminance (cc-nir-signal.h; gain 1 in grayscale mode), finite
 * and within [0, 1] (float pictures may hold anything). */
static inline float
cc_guide (const float *rgba, float gain)
{
  float v = gain * cc_luma (rgba);
  return isfinite (v) ? CLAMP (v, 0.0f, 1.0f) : 0.0f;
}

/* The largest k in [0, 1] that keeps luma + k * (v - luma) within [0, 1]
 * (luma itself is, up to rounding). */
static inline float
cc_gamut_scale (float v, float luma, float k)
{
  if (v > 1.0f)
    k = MIN (k, (1.0f - luma) / (v - luma));
  else if (v < 0.0f)
    k = MIN (k, luma / (luma - v));
  return MAX (k, 0.0f);
}

/* Mixes the colorized pixel into the input.  Grayscale mode keeps the
 * input's luminance exactly (only chroma is added); NIR mode takes the
 * network's luminance too, since NIR brightness is not visible brightness,
 * and mixes with the input's neutral version, the NIR signal as gray
 * (gain × luminance, cc-nir-signal.h), not with the camera's colour cast.
 * A pixel within [0, 1] stays there: in grayscale mode by giving up chroma
 * rather than luminance.  A float pixel outside [0, 1] (HDR highlights) is
 * not clipped: grayscale mode keeps its luminance as it is.  A pixel with
 * a NaN or infinite channel passes through untouched. */
static inline void
cc_blend (const float *in, const float *colour, float strength, gboolean keep_luma, float gain,
          float *out)
{
  float c[3] = { colour[0], colour[1], colour[2] };
  float base[3] = { in[0], in[1], in[2] };
  const float luma = cc_luma (in);
  gboolean in_range = TRUE;

  out[3] = in[3];
  for (int k = 0; k < 3; k++)
    {
      if (!isfinite (in[k]))
        {
          out[0] = in[0], out[1] = in[1], out[2] = in[2];
          return;
        }
      in_range = in_range && in[k] >= 0.0f && in[k] <= 1.0f;
    }
  if (keep_luma)
    {
      float shift = luma - cc_luma (c);
      for (int k = 0; k < 3; k++)
        c[k] += shift;
    }
  else
    {
      float v = gain * luma;
      if (in_range)
        v = CLAMP (v, 0.0f, 1.0f);
      base[0] = base[1] = base[2] = v;
    }
  for (int k = 0; k < 3; k++)
    out[k] = base[k] + strength * (c[k] - base[k]);
  if (!in_range)
    return;
  if (keep_luma)
    {
      float scale = 1.0f;
      for (int k = 0; k < 3; k++)
        scale = cc_gamut_scale (out[k], luma, scale);
      for (int k = 0; k < 3; k++)
        out[k] = luma + scale * (out[k] - luma);
    }
  /* Rounding alone may leave a hair outside. */
  for (int k = 0; k < 3; k++)
    out[k] = CLAMP (out[k], 0.0f, 1.0f);
}
