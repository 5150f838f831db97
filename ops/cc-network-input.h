/* The network's input from the working picture and its hint planes: the
 * picture mapped to the model's input range, then the hint planes its
 * contract declares (models/FORMAT.md, "Hint inputs"), padded to the size
 * the network takes.  Static inline, so that its test needs no model. */
#pragma once

#include <string.h>

#include "cc-hints.h"
#include "cc-model.h"

G_BEGIN_DECLS

/* The op fills the hint planes in CcHintPlane order. */
G_STATIC_ASSERT (CC_HINT_PLANES == CC_HINT_N_PLANES && CC_HINT_Y == 0
                 && CC_HINT_MASK == CC_HINT_MASK_PLANE && CC_HINT_NEAR_Y == CC_HINT_NEAR_PLANE
                 && CC_HINT_NEAR_CB == CC_HINT_NEAR_PLANE + 1
                 && CC_HINT_NEAR_CR == CC_HINT_NEAR_PLANE + 2
                 && CC_HINT_NEAR_CLOSE == CC_HINT_CLOSE_PLANE);

/* A width x height plane into a W x H one (W >= width, H >= height), as
 * offset + scale * value; the padding repeats the edges when `repeat`,
 * else is `offset`. */
static inline void
cc_network_input_plane (const float *src, int width, int height, int W, int H, float offset,
                        float scale, gboolean repeat, float *dst)
{
  for (int y = 0; y < H; y++)
    {
      float *row = dst + (gsize)y * W;
      if (y >= height && !repeat)
        {
          for (int x = 0; x < W; x++)
            row[x] = offset;
          continue;
        }
      const float *line = src + (gsize)MIN (y, height - 1) * width;
      for (int x = 0; x < width; x++)
        row[x] = offset + scale * line[x];
      for (int x = width; x < W; x++)
        row[x] = repeat ? row[width - 1] : offset;
    }
}

/* Fills in (info->input_channels planes of W x H) from lum (width x
 * height, in [0, 1]) and hints (NULL, or the CC_HINT_PLANES planes of
 * width x height that cc_hint_grid_finish writes).  The picture's padding
 * repeats its edges; so does the nearest hints' (they are dense), while
 * the sparse planes have no hint there.  No hints: every hint plane is 0,
 * as for a grid without a hinted cell (what the networks learnt as "no
 * hint"). */
static inline void
cc_network_input_fill (const CcModelInfo *info, const float *lum, const float *hints, int width,
                       int height, int W, int H, float *in)
{
  const gsize n = (gsize)W * H;

  /* One picture channel (the op's contract check); mapped to the model's
   * input range. */
  cc_network_input_plane (lum, width, height, W, H, info->input_min,
                          info->input_max - info->input_min, TRUE, in);
  for (int k = 0; k < info->n_hints; k++)
    {
      const CcHintPlane p = info->hint_planes[k];
      float *dst = in + (gsize)(info->hint_first + k) * n;
      if (!hints)
        {
          memset (dst, 0, n * sizeof (float));
          continue;
        }
      cc_network_input_plane (hints + (gsize)p * width * height, width, height, W, H, 0.0f, 1.0f,
                              p >= CC_HINT_NEAR_Y, dst);
    }
}

G_END_DECLS
