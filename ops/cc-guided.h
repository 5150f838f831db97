/* Edge-aware guided upsampling (fast guided filter, He & Sun 2015).
 *
 * The network predicts colour on a small picture; the full-resolution input
 * then guides it back up.  On the small picture each output channel is fitted
 * as a local linear function of the guide, out ≈ a·guide + b, in windows of
 * (2r+1)²; each pixel's a and b are the mean of those of the windows that
 * cover it, weighted by the inverse of each window's fit error (so that a
 * window straddling an edge where the colour stops following the guide
 * counts little), then upsampled bilinearly and applied to the
 * full-resolution guide.  Texture and edges come from the input, and any
 * output pixel is a pure function of its coordinates, so GEGL tiles agree
 * with a whole-picture pass. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int width, height, channels; /* the small picture's size */
  float *a;                    /* channels planes of width × height */
  float *b;
} CcGuidedModel;

/* Fits a and b.  guide: width × height; src: channels planes of the same size.
 * radius >= 1; eps > 0 regularises flat regions (larger: smoother colour). */
CcGuidedModel *cc_guided_fit (const float *guide, const float *src, int width, int height,
                              int channels, int radius, float eps, GError **error);
void cc_guided_model_free (CcGuidedModel *model);

/* Applies the model to a rectangle (x0, y0, cols × rows) of a full-resolution
 * picture of full_width × full_height whose guide values for that rectangle
 * are in guide (row-major, cols × rows).  out receives cols × rows pixels of
 * `channels` interleaved floats. */
void cc_guided_apply (const CcGuidedModel *model, int full_width, int full_height, int x0, int y0,
                      int cols, int rows, const float *guide, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcGuidedModel, cc_guided_model_free)

G_END_DECLS
