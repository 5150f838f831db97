/* The dialog's preview: the whole layer at the size the dialog gives it,
 * colorized through the op in this process, with a toggle that shows the
 * original (before / after).  It follows the procedure's config. */
#pragma once

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

G_BEGIN_DECLS

/* At least this many pixels on the long side; it grows with the dialog. */
#define COCOLOR_PREVIEW_MIN_SIZE 420

/* A widget to pack into the dialog; it redraws when config's picture
 * settings change, and stops following config when destroyed. */
GtkWidget *cocolor_preview_new (GimpDrawable *drawable, GimpProcedureConfig *config);

G_END_DECLS
