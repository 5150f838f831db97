/* The interactive dialog: every argument, with a preview of the result. */
#pragma once

#include <libgimp/gimpui.h>

G_BEGIN_DECLS

/* Runs the dialog; TRUE when the user chose OK.  drawable is the one the
 * preview shows. */
gboolean cocolor_dialog_run (GimpProcedure *procedure, GimpProcedureConfig *config,
                             GimpDrawable *drawable);

G_END_DECLS
