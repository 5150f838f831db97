/* The luminance the op feeds the network, guides upsampling with and keeps
 * in grayscale mode: BT.601 luma of gamma-encoded R'G'B'.  It is how the
 * models' training data made gray pictures ("srgb-luma" in their contract),
 * and for a gray or NIR picture (R' = G' = B') it is the picture itself. */
#pragma once

static inline float
cc_luma (const float *rgb)
{
  return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
}
