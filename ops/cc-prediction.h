/* One picture's prediction: the colour the network gives one input at one
 * set of properties, kept while GEGL renders the picture's tiles, and the
 * op's result for any tile from it.  The network sees the whole picture
 * once, at working size, and leaves a guided-upsampling model from which
 * every tile is rebuilt at full resolution, so colours agree across the
 * picture and an output pixel depends only on its coordinates, never on
 * how GEGL cut the picture.  A prediction is reference-counted, so GEGL's tile
 * threads may keep using one while a newer one replaces it. */
#pragma once

#include <gegl.h>

#include "cc-guided.h"
#include "cc-network.h"
#include "cc-nir-signal.h"

G_BEGIN_DECLS

/* Everything a prediction depends on besides the pixels. */
typedef struct
{
  CcTask task;
  char *model_path; /* resolved path */
  int working_size; /* long side at which the network runs */
  CcDevice device;
  int level;          /* GEGL mipmap level the pixels come from */
  GeglRectangle bbox; /* input bounding box at level 0 */
  /* The hint picture's bounding box at level 0, empty without one; its
   * pixels, like the input's, are followed by the op's invalidation. */
  GeglRectangle hints_bbox;
} CcPredictionKey;

typedef struct _CcClColour CcClColour;

typedef struct
{
  CcPredictionKey key;
  GeglRectangle rect;    /* the picture at `level`, in that level's coordinates */
  CcNirSignal signal;    /* what the network sees: gain × Y' (gain 1 in gray mode) */
  CcGuidedModel *guided; /* R'G'B' from gain × Y', fitted at working size */
  /* The colour steps on OpenCL where the network's device is an OpenCL one
   * (device opencl, or auto with a GPU); NULL: on the CPU. */
  CcClColour *opencl;
  gint opencl_failed;     /* once they failed, the CPU does the rest (atomic) */
  gboolean hints_ignored; /* hints were given, but the model takes none */
} CcPrediction;

/* rect, in level-0 coordinates, as the pixels of the picture at mipmap
 * level that it covers: both edges rounded down (towards -infinity), so
 * that the parts GEGL's threads get stay apart and still cover the whole. */
static inline GeglRectangle
cc_rect_at_level (const GeglRectangle *rect, int level)
{
  const int x = rect->x >> level, y = rect->y >> level;

  return (GeglRectangle){ x, y, ((rect->x + rect->width) >> level) - x,
                          ((rect->y + rect->height) >> level) - y };
}

gboolean cc_prediction_key_equal (const CcPredictionKey *a, const CcPredictionKey *b);
void cc_prediction_key_clear (CcPredictionKey *key);

/* Reads input (at key->level) once, and hints (the hint picture, RGBA in
 * the input's coordinates, or NULL; cc-hints.h maps it to working size),
 * runs the network and fits the guided model.  A hint picture with no hint
 * pixel gives exactly the result without one.  The returned prediction has
 * one reference. */
CcPrediction *cc_prediction_compute (GeglBuffer *input, GeglBuffer *hints,
                                     const CcPredictionKey *key, GError **error);

/* The op's result over roi, a rectangle of the picture at key->level:
 * the predicted colour blended into in (roi's input pixels, R'G'B'A float)
 * by strength, keeping in's luminance when keep_luma (gray mode),
 * otherwise mixing with in's neutral version (its NIR signal as gray,
 * cc-nir-signal.h), and keeping in's alpha; out receives roi's R'G'B'A.  On the OpenCL device when
 * there is one; when it fails, one message and the CPU gives the same pixels (within float
 * rounding).  Thread-safe. */
gboolean cc_prediction_render (CcPrediction *prediction, const GeglRectangle *roi, const float *in,
                               float strength, gboolean keep_luma, float *out, GError **error);
CcPrediction *cc_prediction_ref (CcPrediction *prediction);
void cc_prediction_unref (CcPrediction *prediction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcPrediction, cc_prediction_unref)

G_END_DECLS
