#include "config.h"

#include "cocolor-dialog.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"
#include "cocolor-render.h"

#define PLUG_IN_ROLE "cocolor-dialog"

typedef struct
{
  GimpDrawable *drawable;
  GimpProcedureConfig *config;
  GtkWidget *status; /* says why the preview shows the picture unchanged */
} Preview;

static const Babl *
thumbnail_format (int bpp)
{
  switch (bpp)
    {
    case 1:
      return babl_format ("Y' u8");
    case 2:
      return babl_format ("Y'A u8");
    case 3:
      return babl_format ("R'G'B' u8");
    default:
      return babl_format ("R'G'B'A u8");
    }
}

/* The preview shows the whole layer, scaled down, colorized through the op
 * in this process.  The whole layer rather than a zoomed-in crop: the
 * network colours each part from the context of the whole picture, so a
 * crop would colour differently from the real result.  At preview size the
 * network runs in a fraction of a second, so redrawing stays responsive;
 * GimpPreview already waits for the settings to settle before it asks. */
static void
preview_invalidated (GimpPreview *preview, Preview *data)
{
  int width, height, actual_width, actual_height, bpp;
  g_auto (CocolorSettings) settings = { 0 };
  g_autoptr (GError) error = NULL;

  gimp_preview_get_size (preview, &width, &height);
  g_autoptr (GBytes) bytes = gimp_drawable_get_thumbnail_data (data->drawable, width, height,
                                                               &actual_width, &actual_height, &bpp);
  if (!bytes)
    return;

  const GeglRectangle rect = { 0, 0, actual_width, actual_height };
  g_autoptr (GeglBuffer) input = gegl_buffer_new (&rect, thumbnail_format (bpp));
  gegl_buffer_set (input, &rect, 0, thumbnail_format (bpp), g_bytes_get_data (bytes, NULL),
                   GEGL_AUTO_ROWSTRIDE);

  cocolor_settings_read (&settings, data->config);
  g_autoptr (GeglBuffer) output = cocolor_render (input, &settings, NULL, NULL, &error);
  gtk_label_set_text (GTK_LABEL (data->status), error ? error->message : "");
  gtk_widget_set_visible (data->status, error != NULL);

  g_autofree guchar *pixels = g_new (guchar, (gsize) actual_width * actual_height * 4);
  gegl_buffer_get (output ? output : input, &rect, 1.0, babl_format ("R'G'B'A u8"), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  /* Drawn as RGBA whatever the layer's type: a grayscale layer's preview
   * must show the colour it will get. */
  gimp_preview_area_draw (GIMP_PREVIEW_AREA (gimp_preview_get_area (preview)), 0, 0, actual_width,
                          actual_height, GIMP_RGBA_IMAGE, pixels, actual_width * 4);
}

gboolean
cocolor_dialog_run (GimpProcedure *procedure, GimpProcedureConfig *config, GimpDrawable *drawable)
{
  Preview data = { drawable, config, NULL };

  gimp_ui_init (PLUG_IN_ROLE);

  GtkWidget *dialog = gimp_procedure_dialog_new (procedure, config, _ (COCOLOR_OP_TITLE));
  GtkWidget *content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));

  GtkWidget *preview = gimp_aspect_preview_new_from_drawable (drawable);
  gtk_box_pack_start (GTK_BOX (content), preview, TRUE, TRUE, 0);
  gtk_widget_show (preview);

  data.status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (data.status), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (data.status), 50);
  gtk_box_pack_start (GTK_BOX (content), data.status, FALSE, FALSE, 0);

  /* The argument takes any path (see cocolor.c); the chooser opens one. */
  gimp_param_spec_file_set_action (
      g_object_class_find_property (G_OBJECT_GET_CLASS (config), "model"),
      GIMP_FILE_CHOOSER_ACTION_OPEN);
  gimp_procedure_dialog_get_widget (GIMP_PROCEDURE_DIALOG (dialog), "mode",
                                    GIMP_TYPE_INT_RADIO_FRAME);
  gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dialog), "strength", 1.0);
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "mode", "strength", "working-size",
                              "device", "non-destructive", "model", NULL);

  g_signal_connect (preview, "invalidated", G_CALLBACK (preview_invalidated), &data);
  /* The non-destructive choice does not change the picture. */
  g_signal_connect_swapped (config, "notify::mode", G_CALLBACK (gimp_preview_invalidate), preview);
  g_signal_connect_swapped (config, "notify::strength", G_CALLBACK (gimp_preview_invalidate),
                            preview);
  g_signal_connect_swapped (config, "notify::working-size", G_CALLBACK (gimp_preview_invalidate),
                            preview);
  g_signal_connect_swapped (config, "notify::model", G_CALLBACK (gimp_preview_invalidate), preview);

  gboolean ok = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));

  g_signal_handlers_disconnect_by_data (config, preview);
  gtk_widget_destroy (dialog);
  return ok;
}
