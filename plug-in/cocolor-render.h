/* cocolor:colorize run inside the plug-in process on a GeglBuffer, with
 * progress, so that a failure of the op becomes an error the plug-in can
 * report instead of a silently unchanged picture. */
#pragma once

#include <gegl.h>

#include "cocolor-settings.h"

G_BEGIN_DECLS

/* Called as the render advances, fraction in [0, 1]. */
typedef void (*CocolorProgressFunc) (double fraction, gpointer user_data);

/* The hint picture given to the op's aux pad: buffer's pixel (0, 0) lies at
 * (x, y) of the input (a layer's offsets differ from its target's). */
typedef struct
{
  GeglBuffer *buffer; /* NULL: no hints */
  int x, y;
} CocolorHints;

/* A new R'G'B'A float buffer (in input's colour space) with the colorized
 * input; NULL with error set when the op reported a failure.  hints may be
 * NULL.  The op's notes (g_message, a result all the same: the model takes
 * no colour hints, OpenCL gave way to the CPU) are added to notes, each text
 * once, when notes is not NULL. */
GeglBuffer *cocolor_render (GeglBuffer *input, const CocolorHints *hints,
                            const CocolorSettings *settings, CocolorProgressFunc progress,
                            gpointer user_data, GPtrArray *notes, GError **error);

/* The same render, reporting the op's failure as it gave it: *warning
 * receives the op's warning (free it), or NULL when there was none.  The
 * output is the input passed through when there was one. */
GeglBuffer *cocolor_render_op (GeglBuffer *input, const CocolorHints *hints,
                               const CocolorSettings *settings, CocolorProgressFunc progress,
                               gpointer user_data, GPtrArray *notes, char **warning);

/* Adds note to notes (a GPtrArray of strings freed with g_free) unless it
 * holds that text already. */
void cocolor_notes_add (GPtrArray *notes, const char *note);

G_END_DECLS
