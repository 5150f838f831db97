/* The op's colour steps on the OpenCL device: guided upsampling's apply
 * step and the blend into the input, per tile of R'G'B'A float pixels
 * (opencl/kernels/colour.cl), on the process's runtime (cc-opencl.h): the context,
 * queue and program the network uses.
 *
 * The fit of guided upsampling stays on the CPU (cc-guided.c): it runs once
 * per picture on the small picture the network saw, which it reads on the
 * host anyway, and its summed-area tables are in double precision, which
 * not every OpenCL device has.
 *
 * This header needs no OpenCL header, so that the op's sources (which GEGL's
 * headers set up for another OpenCL version) can include it. */
#pragma once

#include <glib.h>

#include "cc-forward.h" /* CcDevice */
#include "cc-guided.h"

G_BEGIN_DECLS

typedef struct _CcClColour CcClColour;

/* The colour steps on the device the network takes for `device` (CPU: none;
 * auto: a GPU only), with guided on the device (NULL: only whether the
 * device can run them).  NULL with an error when OpenCL cannot run them;
 * see cc_cl_colour_fall_back (). */
CcClColour *cc_cl_colour_new (CcDevice device, const CcGuidedModel *guided, GError **error);
void cc_cl_colour_free (CcClColour *colour);

/* What cc_cl_colour_new ()'s or a run's error means to the user: the one
 * message of the process about OpenCL (the network's), except where the
 * CPU was the choice all along (auto without a GPU). */
void cc_cl_colour_fall_back (CcDevice device, const GError *error);

/* out (cols x rows R'G'B'A) = the guided model's colour at the tile
 * (x0, y0, cols x rows) of a full_width x full_height picture, guided by
 * in's signal (gain × luminance, cc-nir-signal.h) and blended into in (the
 * tile's input pixels) by strength, as cc-blend.h's cc_blend (): keep_luma
 * keeps in's luminance, otherwise the mix is with gain × luminance as gray;
 * alpha is in's.  Thread-safe (one tile at a time). */
gboolean cc_cl_colour_guided (CcClColour *colour, int full_width, int full_height, int x0, int y0,
                              int cols, int rows, const float *in, float strength,
                              gboolean keep_luma, float gain, float *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcClColour, cc_cl_colour_free)

G_END_DECLS
