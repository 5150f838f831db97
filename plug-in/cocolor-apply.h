/* Colorizing the chosen layers of an image: which layers can take it, the
 * checks, then pixels rendered in this process (progress, cancel) merged
 * into each layer or into a new colour layer above it, or a non-destructive
 * layer effect run by GIMP. */
#pragma once

#include <libgimp/gimp.h>

#include "cocolor-settings.h"

G_BEGIN_DECLS

/* On success *applied holds, for each of drawables, the mode it was
 * colorized with ("nir", "gray") or "none" (left as it is: a colour photo
 * in mode auto, or a layer that cannot be colorized). */
gboolean cocolor_apply (GimpImage *image, GimpDrawable **drawables, const CocolorSettings *settings,
                        GStrv *applied, GError **error);

G_END_DECLS
