/* The op's whole-picture prediction: the network sees the picture once, at
 * working size, and leaves a guided-upsampling model from which every tile
 * is reconstructed at full resolution.
 *
 * A prediction is immutable and reference-counted, so GEGL's tile threads
 * may keep using one while a newer one replaces it. */
#pragma once

#include <gegl.h>

#include "cc-guided.h"
#include "cc-predictor.h"

G_BEGIN_DECLS

/* Everything a prediction depends on besides the pixels. */
typedef struct
{
  CcTask task;
  char *model_path; /* resolved path */
  int working_size; /* long side at which the network runs */
  CcDevice device;
  const Babl *space;     /* the input's colour space */
  int level;             /* GEGL mipmap level the pixels come from */
  GeglRectangle bbox;    /* input bounding box at level 0 */
} CcPredictionKey;

typedef struct
{
  CcPredictionKey key;
  int full_width, full_height; /* the picture at `level` */
  CcGuidedModel *guided;       /* R'G'B' from Y', fitted at working size */
} CcPrediction;

gboolean cc_prediction_key_equal (const CcPredictionKey *a, const CcPredictionKey *b);
void cc_prediction_key_clear (CcPredictionKey *key);

/* Reads input (at key->level) once, runs the network and fits the guided
 * model.  The returned prediction has one reference. */
CcPrediction *cc_prediction_compute (GeglBuffer *input, const CcPredictionKey *key,
                                     GError **error);
CcPrediction *cc_prediction_ref (CcPrediction *prediction);
void cc_prediction_unref (CcPrediction *prediction);

/* Size (w × h) at which the network sees a picture of width × height:
 * the long side becomes working_size (never upscaled). */
void cc_prediction_small_size (int width, int height, int working_size, int *w, int *h);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcPrediction, cc_prediction_unref)

G_END_DECLS
