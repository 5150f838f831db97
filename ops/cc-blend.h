/* The op's colour recombination for one pixel, on the CPU.  opencl/colour.cl
 * does the same on an OpenCL device; the tests hold the two together. */
#pragma once

#include <glib.h>
#include <math.h>

#include "cc-luma.h"

/* The guide of guided upsampling: the pixel's luminance as the network saw
 * it, finite and within [0, 1] (float pictures may hold anything). */
static inline float
cc_guide (const float *rgba)
{
  float v = cc_luma (rgba);
  return isfinite (v) ? CLAMP (v, 0.0f, 1.0f) : 0.0f;
}

/* Mixes the colorized pixel into the input.  Grayscale mode keeps the
 * input's luminance exactly (only chroma is added); NIR mode takes the
 * network's luminance too, since NIR brightness is not visible brightness. */
static inline void
cc_blend (const float *in, const float *colour, float strength, gboolean keep_luma, float *out)
{
  float c[3] = { colour[0], colour[1], colour[2] };
  if (keep_luma)
    {
      float shift = cc_luma (in) - cc_luma (c);
      for (int k = 0; k < 3; k++)
        c[k] += shift;
    }
  for (int k = 0; k < 3; k++)
    out[k] = CLAMP (in[k] + strength * (c[k] - in[k]), 0.0f, 1.0f);
  out[3] = in[3];
}
