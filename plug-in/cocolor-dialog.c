#include "config.h"

#include "cocolor-dialog.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"
#include "cocolor-preview.h"

#define PLUG_IN_ROLE "cocolor-dialog"

gboolean
cocolor_dialog_run (GimpProcedure *procedure, GimpProcedureConfig *config, GimpDrawable *drawable)
{
  gimp_ui_init (PLUG_IN_ROLE);

  GtkWidget *dialog = gimp_procedure_dialog_new (procedure, config, _ (COCOLOR_OP_TITLE));
  GimpProcedureDialog *pd = GIMP_PROCEDURE_DIALOG (dialog);

  /* The argument takes any path (see cocolor.c); the chooser opens one. */
  gimp_param_spec_file_set_action (
      g_object_class_find_property (G_OBJECT_GET_CLASS (config), "model"),
      GIMP_FILE_CHOOSER_ACTION_OPEN);
  gimp_procedure_dialog_get_widget (pd, "mode", GIMP_TYPE_INT_RADIO_FRAME);
  gimp_procedure_dialog_get_widget (pd, "output", GIMP_TYPE_INT_RADIO_FRAME);
  gimp_procedure_dialog_get_scale_entry (pd, "strength", 1.0);
  gimp_procedure_dialog_get_scale_entry (pd, "saturation", 1.0);

  /* The preview on the left takes what the dialog grows by; the settings
   * keep their size on the right. */
  GtkWidget *settings
      = gimp_procedure_dialog_fill_box (pd, "cocolor-settings", "mode", "strength", "saturation",
                                        "output", "working-size", "device", "model", NULL);
  GtkWidget *main_box
      = gimp_procedure_dialog_fill_box (pd, "cocolor-main", "cocolor-settings", NULL);
  GtkWidget *preview = cocolor_preview_new (drawable, config);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (main_box), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (main_box), 12);
  gtk_box_set_child_packing (GTK_BOX (main_box), settings, FALSE, FALSE, 0, GTK_PACK_START);
  gtk_box_pack_start (GTK_BOX (main_box), preview, TRUE, TRUE, 0);
  gtk_box_reorder_child (GTK_BOX (main_box), preview, 0);
  gimp_procedure_dialog_fill (pd, "cocolor-main", NULL);
  gtk_window_set_resizable (GTK_WINDOW (dialog), TRUE);

  gboolean ok = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));

  gtk_widget_destroy (dialog);
  return ok;
}
