/* The NIR signal the op feeds the network in NIR mode, from whatever the
 * file holds: a single-channel (gray) NIR picture, or the three channels a
 * converted IR camera writes, with its colour cast, white balance and
 * exposure.
 *
 * The signal is the pixel's BT.601 luma (cc-luma.h) times one gain per
 * picture.  A camera's channels all see the same NIR through different
 * filter dyes, so they are nearly proportional to one signal, and luma is
 * its least noisy measure (a JPEG keeps luma at full resolution, chroma
 * subsampled); the cast only makes it darker.  The gain undoes that and the
 * camera's exposure:
 *
 * - a neutral picture (channel means within 5 % of each other: a gray NIR
 *   file, or a camera file already white-balanced) is taken as it is
 *   (gain 1), since the user has set its tones, unless it is darker than
 *   any of the full-size NIR photos the network learnt from (its 99.5th
 *   percentile below 0.70): then it is lifted to that;
 * - a colour-cast picture (channel means 15 % or more apart) is stretched
 *   so that its 99.5th percentile lands where that of the training data's
 *   NIR pictures typically lies;
 * - in between, the gain goes smoothly from one to the other (in log
 *   units), starting from the white-balance gain that lifts the picture's
 *   luma to the level of its brightest channel.
 *
 * The picture's neutral (cast-free) version is this signal as gray: NIR
 * mode's strength blends the colour with it rather than with the cast
 * input (cc-blend.h).  No GEGL here, so that the tests can drive it. */
#pragma once

#include <glib.h>

#include "cc-luma.h"

G_BEGIN_DECLS

typedef struct
{
  float gain; /* signal = gain × luma; 1 for gray mode and neutral pictures */
} CcNirSignal;

/* The gain for a picture, from its small version: n pixels of R'G'B'
 * (3 floats a pixel).  Non-finite values are ignored and others clamped to
 * [0, 1].  The gain stays within [1/8, 8]. */
void cc_nir_signal_fit (const float *rgb, gsize n, CcNirSignal *signal);

/* The signal of one pixel (R'G'B', more channels ignored), not clamped:
 * a float picture's values outside [0, 1] stay outside. */
static inline float
cc_nir_signal_value (const CcNirSignal *signal, const float *rgb)
{
  return signal->gain * cc_luma (rgb);
}

G_END_DECLS
