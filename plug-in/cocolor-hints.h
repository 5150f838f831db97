/* Colour hints in GIMP: a layer whose opaque pixels give the colours wanted
 * there, the op's aux input.  Finding it, making it, and placing it over
 * the layer being colorized. */
#pragma once

#include <libgimp/gimp.h>

#include "cocolor-render.h"

G_BEGIN_DECLS

/* The name of the layer the dialog makes and looks for: a fixed name, not
 * translated, so that one image finds its hints in any language. */
#define COCOLOR_HINTS_LAYER_NAME "CoColor hints"

/* The layer of image with that name, or NULL.  Layers returned here are
 * libgimp's proxies: never unref them. */
GimpLayer *cocolor_hints_find (GimpImage *image);

/* Whether layer is an existing layer of image. */
gboolean cocolor_hints_in_image (GimpLayer *layer, GimpImage *image);

/* A new empty, transparent layer with that name, the size of the image at
 * offsets 0, just above drawable, in one undo step.  A grayscale or indexed
 * image is made RGB first, in the same step: its layers cannot hold
 * colour.  NULL when GIMP refuses (gimp_pdb_get_last_error says why). */
GimpLayer *cocolor_hints_add_layer (GimpImage *image, GimpDrawable *above);

/* hints_layer's pixels in drawable's coordinates (the layers' offsets
 * apart); no hints when hints_layer is NULL or is drawable itself.  Free
 * with cocolor_hints_clear. */
void cocolor_hints_for_drawable (CocolorHints *hints, GimpLayer *hints_layer,
                                 GimpDrawable *drawable);
void cocolor_hints_clear (CocolorHints *hints);

/* The hints of a full_width x full_height picture for the same picture
 * scaled to width x height (the preview), by the op's rule for its grid:
 * a pixel is a hint if any hint pixel falls in it, with their mean colour,
 * so that a dot smaller than a preview pixel still counts.  An R'G'B'A
 * float buffer in the hints' colour space. */
GeglBuffer *cocolor_hints_reduce (const CocolorHints *hints, int full_width, int full_height,
                                  int width, int height);

G_END_DECLS
