/* Colorizing the chosen layers of an image: which layers can take it, the
 * checks, then either merged pixels rendered in this process (progress,
 * cancel) or a non-destructive layer effect run by GIMP. */
#pragma once

#include <libgimp/gimp.h>

#include "cocolor-settings.h"

G_BEGIN_DECLS

gboolean cocolor_apply (GimpImage *image, GimpDrawable **drawables, const CocolorSettings *settings,
                        GError **error);

G_END_DECLS
