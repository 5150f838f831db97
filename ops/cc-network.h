/* The network: one loaded model file and its runner, shared by every op
 * instance of the process.  Its one job is to turn a small luminance
 * picture into sR'G'B' with the model (the bridge between the op and the
 * inference core); what a picture's colour is made of is cc-prediction.h's.
 * Networks are shared per model file and device (one copy of the weights
 * however many op instances GIMP creates) and serialise their runs, so any
 * thread may call them. */
#pragma once

#include "cc-forward.h" /* CcDevice */

G_BEGIN_DECLS

typedef struct _CcNetwork CcNetwork;

/* The shared network for path (loaded on first use; reloaded when the file
 * changes), running on `device` (COCOLOR_DEVICE overrides it).  Fails when the model cannot be
 * loaded or its contract is not one the op can feed: one luminance channel in (hint planes may
 * follow it), sRGB out, or the
 * task differs from `task`. */
CcNetwork *cc_network_get (const char *path, CcTask task, CcDevice device, GError **error);
CcNetwork *cc_network_ref (CcNetwork *network);
void cc_network_unref (CcNetwork *network);
const CcModel *cc_network_get_model (const CcNetwork *network);

/* Whether the model takes colour hints (models/FORMAT.md, "Hint inputs"),
 * and the smallest hint it learnt, in working pixels. */
gboolean cc_network_takes_hints (const CcNetwork *network);
int cc_network_hint_min_radius (const CcNetwork *network);

/* lum: width × height, values in [0, 1] (perceptual luminance or NIR).
 * hints: NULL (no hint), or the CC_HINT_PLANES planes of width × height
 * that cc_hint_grid_finish () writes; the network takes those its model
 * declares (none for a model without hint inputs; cc-network-input.h).
 * rgb: 3 planes of width × height receive sR'G'B' in [0, 1].  Any size is
 * accepted: the picture is padded to what the network needs and cropped. */
gboolean cc_network_run (CcNetwork *network, const float *lum, const float *hints, int width,
                         int height, float *rgb, GError **error);

/* Drops every cached network (tests; module unload). */
void cc_network_clear_cache (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcNetwork, cc_network_unref)

G_END_DECLS
