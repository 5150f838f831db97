#include "config.h"

#include "cocolor-preview.h"

#include <glib/gi18n-lib.h>

#include "cocolor-hints.h"
#include "cocolor-render.h"
#include "cocolor-settings.h"

/* Settle time after a resize or a change of settings before the network
 * runs again: dragging a slider or the dialog's corner renders once. */
#define SETTLE_MS 150

typedef struct
{
  GimpDrawable *drawable;
  GimpProcedureConfig *config;
  GtkWidget *area;
  GtkWidget *original; /* the before / after toggle */
  GtkWidget *status;   /* why the preview shows the picture unchanged */
  guint pending;       /* the timeout that will render */
  gboolean pressed;    /* a button is held on the preview: show the original */
  int width, height;   /* the size the buffers below have */
  GeglBuffer *before;  /* the layer's thumbnail, in its own format and space */
  GeglBuffer *after;   /* colorized, or NULL when the op failed */
  GeglBuffer *hints;   /* the colour hints at the thumbnail's size, or NULL */
  gboolean hints_read; /* hints is the chosen layer's, as last read */
} Preview;

/* The largest size of the drawable's shape that fits the area. */
static void
fitted_size (Preview *p, int *width, int *height)
{
  int aw = gtk_widget_get_allocated_width (p->area);
  int ah = gtk_widget_get_allocated_height (p->area);
  double dw = gimp_drawable_get_width (p->drawable);
  double dh = gimp_drawable_get_height (p->drawable);
  double scale = MIN (aw / dw, ah / dh);

  *width = CLAMP ((int)(dw * scale), 1, aw);
  *height = CLAMP ((int)(dh * scale), 1, ah);
}

static void
draw (Preview *p)
{
  GimpPreviewArea *area = GIMP_PREVIEW_AREA (p->area);
  int aw = gtk_widget_get_allocated_width (p->area);
  int ah = gtk_widget_get_allocated_height (p->area);
  gboolean show_original
      = p->pressed || gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (p->original));
  GeglBuffer *shown = show_original || !p->after ? p->before : p->after;

  gimp_preview_area_fill (area, 0, 0, aw, ah, 0x80, 0x80, 0x80);
  if (!shown)
    return;

  const GeglRectangle rect = { 0, 0, p->width, p->height };
  g_autofree guchar *pixels = g_new (guchar, (gsize)p->width * p->height * 4);
  /* Drawn as RGBA whatever the layer's type: a grayscale layer's preview
   * must show the colour it will get. */
  gegl_buffer_get (shown, &rect, 1.0, babl_format ("R'G'B'A u8"), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  gimp_preview_area_draw (area, MAX (0, (aw - p->width) / 2), MAX (0, (ah - p->height) / 2),
                          p->width, p->height, GIMP_RGBA_IMAGE, pixels, p->width * 4);
}

/* The whole layer, scaled down, colorized through the op.  The whole layer
 * rather than a zoomed-in crop: the network colours each part from the
 * context of the whole picture, so a crop would colour differently from
 * the real result. */
static gboolean
render (gpointer data)
{
  Preview *p = data;
  int width, height, actual_width, actual_height, bpp;
  g_auto (CocolorSettings) settings = { 0 };
  g_autoptr (GError) error = NULL;

  p->pending = 0;
  fitted_size (p, &width, &height);
  if (!p->before || width != p->width || height != p->height)
    {
      g_autoptr (GBytes) bytes = gimp_drawable_get_thumbnail_data (
          p->drawable, width, height, &actual_width, &actual_height, &bpp);
      /* The thumbnail's format carries the image's colour space, so the op
       * sees the same colours as on the real layer. */
      const Babl *format = gimp_drawable_get_thumbnail_format (p->drawable);

      if (!bytes || !format)
        return G_SOURCE_REMOVE;
      const GeglRectangle rect = { 0, 0, actual_width, actual_height };
      g_clear_object (&p->before);
      g_clear_object (&p->after);
      p->before = gegl_buffer_new (&rect, format);
      gegl_buffer_set (p->before, &rect, 0, format, g_bytes_get_data (bytes, NULL),
                       GEGL_AUTO_ROWSTRIDE);
      p->width = actual_width;
      p->height = actual_height;
      p->hints_read = FALSE;
    }

  cocolor_settings_read (&settings, p->config);
  if (!p->hints_read)
    {
      /* Scaled as the thumbnail is, by the op's own rule, so that a dot
       * smaller than a preview pixel still shows its effect. */
      CocolorHints full;
      cocolor_hints_for_drawable (&full, settings.hints_layer, p->drawable);
      g_clear_object (&p->hints);
      if (full.buffer)
        p->hints
            = cocolor_hints_reduce (&full, gimp_drawable_get_width (p->drawable),
                                    gimp_drawable_get_height (p->drawable), p->width, p->height);
      cocolor_hints_clear (&full);
      p->hints_read = TRUE;
    }
  const CocolorHints hints = { p->hints, 0, 0 };
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_clear_object (&p->after);
  p->after = cocolor_render (p->before, &hints, &settings, NULL, NULL, notes, &error);
  /* Why the picture is unchanged, or the op's note (a model that takes
   * no colour hints). */
  const char *status = error ? error->message : notes->len ? g_ptr_array_index (notes, 0) : NULL;
  gtk_label_set_text (GTK_LABEL (p->status), status ? status : "");
  gtk_widget_set_visible (p->status, status != NULL);
  draw (p);
  return G_SOURCE_REMOVE;
}

static void
schedule (Preview *p)
{
  if (p->pending)
    g_source_remove (p->pending);
  p->pending = g_timeout_add (SETTLE_MS, render, p);
}

/* Another hints layer: read it at the next render. */
static void
hints_changed (Preview *p)
{
  p->hints_read = FALSE;
  schedule (p);
}

/* The canvas may have changed under the dialog (the user painted hints,
 * which GIMP does not tell a plug-in): read the layer and the hints again. */
static void
update_clicked (Preview *p)
{
  g_clear_object (&p->before);
  hints_changed (p);
}

static void
area_resized (GtkWidget *widget, GdkRectangle *allocation, Preview *p)
{
  int width, height;

  fitted_size (p, &width, &height);
  /* A new size renders anew; meanwhile the old picture stays centred. */
  if (width != p->width || height != p->height)
    schedule (p);
  draw (p);
}

static gboolean
area_pressed (GtkWidget *widget, GdkEventButton *event, Preview *p)
{
  p->pressed = event->type == GDK_BUTTON_PRESS;
  draw (p);
  return TRUE;
}

static void
preview_free (gpointer data)
{
  Preview *p = data;

  if (p->pending)
    g_source_remove (p->pending);
  g_signal_handlers_disconnect_by_data (p->config, p);
  g_clear_object (&p->before);
  g_clear_object (&p->after);
  g_clear_object (&p->hints);
  g_object_unref (p->config);
  g_object_unref (p->drawable);
  g_free (p);
}

GtkWidget *
cocolor_preview_new (GimpDrawable *drawable, GimpProcedureConfig *config)
{
  Preview *p = g_new0 (Preview, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  double w = gimp_drawable_get_width (drawable), h = gimp_drawable_get_height (drawable);

  p->drawable = g_object_ref (drawable);
  p->config = g_object_ref (config);
  g_object_set_data_full (G_OBJECT (box), "cocolor-preview", p, preview_free);

  p->area = gimp_preview_area_new ();
  gimp_preview_area_set_max_size (GIMP_PREVIEW_AREA (p->area), 4096, 4096);
  gtk_widget_set_size_request (
      p->area, (int)(w >= h ? COCOLOR_PREVIEW_MIN_SIZE : COCOLOR_PREVIEW_MIN_SIZE * w / h),
      (int)(h >= w ? COCOLOR_PREVIEW_MIN_SIZE : COCOLOR_PREVIEW_MIN_SIZE * h / w));
  gtk_widget_add_events (p->area, GDK_BUTTON_PRESS_MASK | GDK_BUTTON_RELEASE_MASK);
  gtk_widget_set_tooltip_text (p->area, _ ("Hold a mouse button down to see the original"));
  gtk_container_add (GTK_CONTAINER (frame), p->area);
  gtk_box_pack_start (GTK_BOX (box), frame, TRUE, TRUE, 0);

  p->original = gtk_check_button_new_with_mnemonic (_ ("Show the _original (before)"));
  gtk_box_pack_start (GTK_BOX (row), p->original, FALSE, FALSE, 0);
  GtkWidget *update = gtk_button_new_with_mnemonic (_ ("_Update preview"));
  gtk_widget_set_tooltip_text (update, _ ("Reads the layer and the colour hints again: the preview "
                                          "does not see what you paint on the canvas until then"));
  gtk_box_pack_end (GTK_BOX (row), update, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), row, FALSE, FALSE, 0);

  p->status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (p->status), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (p->status), 50);
  gtk_box_pack_start (GTK_BOX (box), p->status, FALSE, FALSE, 0);

  g_signal_connect (p->area, "size-allocate", G_CALLBACK (area_resized), p);
  g_signal_connect (p->area, "button-press-event", G_CALLBACK (area_pressed), p);
  g_signal_connect (p->area, "button-release-event", G_CALLBACK (area_pressed), p);
  g_signal_connect_swapped (p->original, "toggled", G_CALLBACK (draw), p);
  g_signal_connect_swapped (update, "clicked", G_CALLBACK (update_clicked), p);
  g_signal_connect_swapped (config, "notify::hints-layer", G_CALLBACK (hints_changed), p);
  /* The settings that change the picture; output and device do not. */
  static const char *const picture_settings[]
      = { "mode", "strength", "working-size", "model", "saturation" };
  for (guint i = 0; i < G_N_ELEMENTS (picture_settings); i++)
    {
      g_autofree char *signal = g_strconcat ("notify::", picture_settings[i], NULL);
      g_signal_connect_swapped (config, signal, G_CALLBACK (schedule), p);
    }

  gtk_widget_show_all (box);
  gtk_widget_hide (p->status);
  return box;
}
