/* A loaded model ready to colorize small pictures: the bridge between the op
 * and the inference core.  Predictors are shared per model file (one copy
 * of the weights however many op instances GIMP creates) and serialise
 * their runs, so any thread may call them. */
#pragma once

#include "cc-forward.h" /* CcDevice */

G_BEGIN_DECLS

typedef struct _CcPredictor CcPredictor;

/* The shared predictor for path (loaded on first use; reloaded when the file
 * changes), running on `device` (COCOLOR_DEVICE overrides it).  Fails when the model cannot be
 * loaded or its contract is not one the op can feed: one luminance channel in, sRGB out, or the
 * task differs from `task`. */
CcPredictor *cc_predictor_get (const char *path, CcTask task, CcDevice device, GError **error);
CcPredictor *cc_predictor_ref (CcPredictor *predictor);
void cc_predictor_unref (CcPredictor *predictor);
const CcModel *cc_predictor_get_model (const CcPredictor *predictor);

/* lum: width × height, values in [0, 1] (perceptual luminance or NIR).
 * rgb: 3 planes of width × height receive sR'G'B' in [0, 1].  Any size is
 * accepted: the picture is padded to what the network needs and cropped. */
gboolean cc_predictor_run (CcPredictor *predictor, const float *lum, int width, int height,
                           float *rgb, GError **error);

/* Drops every cached predictor (tests; module unload). */
void cc_predictor_clear_cache (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcPredictor, cc_predictor_unref)

G_END_DECLS
