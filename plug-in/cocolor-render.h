/* cocolor:colorize run inside the plug-in process on a GeglBuffer, with
 * progress, so that a failure of the op becomes an error the plug-in can
 * report instead of a silently unchanged picture. */
#pragma once

#include <gegl.h>

#include "cocolor-settings.h"

G_BEGIN_DECLS

/* Called as the render advances, fraction in [0, 1]. */
typedef void (*CocolorProgressFunc) (double fraction, gpointer user_data);

/* A new R'G'B'A float buffer (in input's colour space) with the colorized
 * input; NULL with error set when the op reported a failure. */
GeglBuffer *cocolor_render (GeglBuffer *input, const CocolorSettings *settings,
                            CocolorProgressFunc progress, gpointer user_data, GError **error);

/* The same render, reporting the op's failure as it gave it: *warning
 * receives the op's warning (free it), or NULL when there was none.  The
 * output is the input passed through when there was one. */
GeglBuffer *cocolor_render_op (GeglBuffer *input, const CocolorSettings *settings,
                               CocolorProgressFunc progress, gpointer user_data, char **warning);

G_END_DECLS
