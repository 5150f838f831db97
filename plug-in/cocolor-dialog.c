#include "config.h"

#include "cocolor-dialog.h"

#include <glib/gi18n-lib.h>

#include "cocolor-hints.h"
#include "cocolor-op.h"
#include "cocolor-preview.h"

#define PLUG_IN_ROLE "cocolor-dialog"

/* The chooser's value for no hints layer (item ids are positive). */
#define NO_LAYER -1

/* The colour hints chooser: none or a layer of the image, kept in step
 * with config's "hints-layer", and the button that makes a hints layer. */
typedef struct
{
  GimpProcedureConfig *config;
  GimpImage *image;
  GimpDrawable *drawable; /* the new hints layer goes above it */
  GtkWidget *label;       /* "Colour hints", the combo's mnemonic label */
  GtkWidget *slot;        /* holds the combo, made anew when layers change */
  GtkWidget *combo;
  GtkWidget *note; /* what to do next */
} Hints;

static gboolean
in_image (GimpImage *image, GimpItem *item, gpointer data)
{
  return image && gimp_image_get_id (image) == gimp_image_get_id (data);
}

static void
combo_changed (GimpIntComboBox *combo, Hints *h)
{
  int id = NO_LAYER;

  gimp_int_combo_box_get_active (combo, &id);
  g_object_set (h->config, "hints-layer", id == NO_LAYER ? NULL : gimp_layer_get_by_id (id), NULL);
}

static int
chosen_id (Hints *h)
{
  g_autoptr (GimpLayer) layer = NULL;

  g_object_get (h->config, "hints-layer", &layer, NULL);
  return layer ? gimp_item_get_id (GIMP_ITEM (layer)) : NO_LAYER;
}

/* A combo lists the layers the image had when it was made. */
static void
make_combo (Hints *h)
{
  if (h->combo)
    gtk_widget_destroy (h->combo);
  h->combo = gimp_layer_combo_box_new (in_image, g_object_ref (h->image), g_object_unref);
  gimp_int_combo_box_prepend (GIMP_INT_COMBO_BOX (h->combo), GIMP_INT_STORE_VALUE, NO_LAYER,
                              GIMP_INT_STORE_LABEL, _ ("None"), -1);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (h->combo), chosen_id (h));
  g_signal_connect (h->combo, "changed", G_CALLBACK (combo_changed), h);
  gtk_label_set_mnemonic_widget (GTK_LABEL (h->label), h->combo);
  gtk_box_pack_start (GTK_BOX (h->slot), h->combo, TRUE, TRUE, 0);
  gtk_widget_show (h->combo);
}

/* The config changed (a preset, Reset, the button): the chooser follows. */
static void
config_changed (Hints *h)
{
  int active = NO_LAYER, id = chosen_id (h);

  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (h->combo), &active);
  if (active != id && !gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (h->combo), id))
    make_combo (h); /* a layer the combo does not list yet */
}

static void
add_clicked (GtkWidget *button, Hints *h)
{
  GimpLayer *layer = cocolor_hints_add_layer (h->image, h->drawable);

  if (!layer)
    {
      g_autofree char *why = g_strdup_printf (_ ("GIMP could not add the layer: %s"),
                                              gimp_pdb_get_last_error (gimp_get_pdb ()));
      gtk_label_set_text (GTK_LABEL (h->note), why);
      return;
    }
  g_object_set (h->config, "hints-layer", layer, NULL);
  /* Selected, so that the next brush stroke on the canvas goes there. */
  const GimpLayer *selected[] = { layer, NULL };
  gimp_image_set_selected_layers (h->image, selected);
  gimp_displays_flush ();
  g_autofree char *note = g_strdup_printf (
      _ ("Now paint the colours you want on the layer “%s” with any brush: a few dots or "
         "strokes are enough. Then press Update preview."),
      COCOLOR_HINTS_LAYER_NAME);
  gtk_label_set_text (GTK_LABEL (h->note), note);
}

static void
hints_free (gpointer data)
{
  Hints *h = data;

  g_signal_handlers_disconnect_by_data (h->config, h);
  g_free (h);
}

static GtkWidget *
hints_frame_new (GimpProcedureConfig *config, GimpDrawable *drawable)
{
  Hints *h = g_new0 (Hints, 1);
  GtkWidget *frame = gimp_frame_new (_ ("Colour hints"));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *add = gtk_button_new_with_mnemonic (_ ("_Add hints layer"));
  g_autoptr (GimpLayer) chosen = NULL;
  g_autofree char *add_tip = g_strdup_printf (
      _ ("Adds an empty, transparent layer “%s” above the layer and chooses it. A grayscale or "
         "indexed image becomes RGB first, so that the hints can hold colour (one undo step)."),
      COCOLOR_HINTS_LAYER_NAME);

  h->config = config;
  h->image = gimp_item_get_image (GIMP_ITEM (drawable));
  h->drawable = drawable;
  g_object_set_data_full (G_OBJECT (frame), "cocolor-hints", h, hints_free);

  /* A layer of another image, or one deleted since the last run, cannot
   * be this image's hints; none set: the layer the button makes, if the
   * image has one. */
  g_object_get (config, "hints-layer", &chosen, NULL);
  if (!cocolor_hints_in_image (chosen, h->image))
    g_object_set (config, "hints-layer", cocolor_hints_find (h->image), NULL);

  h->label = gtk_label_new_with_mnemonic (_ ("_Layer"));
  gtk_widget_set_tooltip_text (
      row, _ ("A layer of the image whose opaque pixels give the colours wanted there: paint dots "
              "or strokes on a transparent layer. It is never colorized itself. None: the network "
              "chooses every colour"));
  h->slot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_pack_start (GTK_BOX (row), h->label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), h->slot, TRUE, TRUE, 0);
  make_combo (h);

  gtk_widget_set_tooltip_text (add, add_tip);
  g_signal_connect (add, "clicked", G_CALLBACK (add_clicked), h);
  gtk_widget_set_halign (add, GTK_ALIGN_START);

  h->note = gtk_label_new (
      gimp_image_get_base_type (h->image) == GIMP_RGB
          ? _ ("Paint the colours you want on a hints layer; its transparent parts leave the "
               "colour to the network.")
          : _ ("This image is not RGB, so its layers cannot hold colour: Add hints layer makes "
               "it RGB (colorizing does too)."));
  gtk_label_set_line_wrap (GTK_LABEL (h->note), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (h->note), 36);
  gtk_label_set_xalign (GTK_LABEL (h->note), 0.0);

  gtk_box_pack_start (GTK_BOX (box), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), add, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), h->note, FALSE, FALSE, 0);
  gtk_container_add (GTK_CONTAINER (frame), box);
  g_signal_connect_swapped (config, "notify::hints-layer", G_CALLBACK (config_changed), h);
  gtk_widget_show_all (frame);
  return frame;
}

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
  /* The hints chooser first: it may set the config's hints layer, which
   * the preview then reads. */
  GtkWidget *hints = hints_frame_new (config, drawable);
  GtkWidget *preview = cocolor_preview_new (drawable, config);

  /* The chooser lists this image's layers only, which the dialog's own
   * widget for a layer argument (any image's) does not. */
  gtk_box_pack_start (GTK_BOX (settings), hints, FALSE, FALSE, 0);
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
