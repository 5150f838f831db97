#include "config.h"

#include "cocolor-apply.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"
#include "cocolor-render.h"

typedef struct
{
  int index, count; /* the layer being rendered, of how many */
} Progress;

static void
report_progress (double fraction, gpointer data)
{
  const Progress *progress = data;
  gimp_progress_update ((progress->index + fraction) / progress->count);
}

/* The layers that can be colorized; a message for each one that cannot. */
static GList *
paintable_layers (GimpDrawable **drawables)
{
  GList *layers = NULL;

  for (int i = 0; drawables[i]; i++)
    {
      GimpItem *item = GIMP_ITEM (drawables[i]);
      g_autofree char *name = gimp_item_get_name (item);
      const char *why = NULL;
      int x, y, w, h;

      if (!GIMP_IS_LAYER (item))
        why = _ ("it is a channel or a mask, not a layer");
      else if (gimp_item_is_group (item))
        why = _ ("it is a layer group; select the layers inside it");
      else if (gimp_item_get_lock_content (item))
        why = _ ("its pixels are locked");
      else if (!gimp_drawable_mask_intersect (drawables[i], &x, &y, &w, &h))
        why = _ ("the selection does not touch it");

      if (why)
        {
          g_autofree char *message = g_strdup_printf (_ ("CoColor skipped “%s”: %s."), name, why);
          gimp_message (message);
        }
      else
        layers = g_list_append (layers, drawables[i]);
    }
  return layers;
}

/* Every layer is rendered before the image is touched, so a failure or a
 * cancel (GIMP ends the plug-in) leaves the image as it was. */
static gboolean
render_all (GList *layers, const CocolorSettings *settings, GList **results, GError **error)
{
  Progress progress = { 0, (int)g_list_length (layers) };

  gimp_progress_init (_ ("CoColor: colorizing"));
  for (GList *l = layers; l; l = l->next, progress.index++)
    {
      g_autofree char *name = gimp_item_get_name (l->data);
      g_autofree char *text = g_strdup_printf (_ ("CoColor: colorizing “%s”"), name);
      gimp_progress_set_text (text);

      g_autoptr (GeglBuffer) input = gimp_drawable_get_buffer (l->data);
      GeglBuffer *output = cocolor_render (input, settings, report_progress, &progress, error);
      if (!output)
        {
          g_prefix_error (error, _ ("Layer “%s”: "), name);
          return FALSE;
        }
      *results = g_list_append (*results, output);
    }
  gimp_progress_end ();
  return TRUE;
}

static void
merge_results (GList *layers, GList *results)
{
  for (GList *l = layers, *r = results; l && r; l = l->next, r = r->next)
    {
      GimpDrawable *drawable = l->data;
      g_autoptr (GeglBuffer) shadow = gimp_drawable_get_shadow_buffer (drawable);

      gegl_buffer_copy (r->data, NULL, GEGL_ABYSS_NONE, shadow, NULL);
      gegl_buffer_flush (shadow);
      /* Through the shadow, so the selection and undo apply as for any filter. */
      gimp_drawable_merge_shadow (drawable, TRUE);
      gimp_drawable_update (drawable, 0, 0, gimp_drawable_get_width (drawable),
                            gimp_drawable_get_height (drawable));
    }
}

/* libgimp 3.0.4 does not carry GEGL file-path properties over the wire,
 * so an effect there cannot be told which model file to use; it would
 * silently use the shipped one.  Asked of a throw-away filter. */
static gboolean
effects_take_model (GimpDrawable *drawable)
{
  GimpDrawableFilter *probe = gimp_drawable_filter_new (drawable, COCOLOR_OP_NAME, NULL);
  gboolean found;

  if (!probe)
    return TRUE; /* append_effects reports the missing op */
  found = g_object_class_find_property (
              G_OBJECT_GET_CLASS (gimp_drawable_filter_get_config (probe)), "model")
          != NULL;
  gimp_drawable_filter_delete (probe);
  return found;
}

static gboolean
append_effects (GList *layers, const CocolorSettings *settings, GError **error)
{
  for (GList *l = layers; l; l = l->next)
    {
      GimpDrawableFilter *filter
          = gimp_drawable_filter_new (l->data, COCOLOR_OP_NAME, _ (COCOLOR_OP_TITLE));
      if (!filter)
        {
          g_set_error (
              error, COCOLOR_ERROR, COCOLOR_ERROR_NOT_INSTALLED,
              _ ("GIMP could not create the %s effect: the op is installed for this "
                 "plug-in but not where GIMP loads filters; restart GIMP after installing."),
              COCOLOR_OP_NAME);
          return FALSE;
        }
      GimpDrawableFilterConfig *config = gimp_drawable_filter_get_config (filter);
      /* Enum properties arrive as GimpChoice strings. */
      /* one property per line */
      /* clang-format off */
      g_object_set (config,
                    "mode", settings->mode,
                    "strength", settings->strength,
                    "working-size", settings->working_size,
                    "device", settings->device,
                    NULL);
      /* clang-format on */
      if (settings->model)
        g_object_set (config, "model", settings->model, NULL);
      gimp_drawable_append_filter (l->data, filter);
    }
  return TRUE;
}

gboolean
cocolor_apply (GimpImage *image, GimpDrawable **drawables, const CocolorSettings *settings,
               GError **error)
{
  g_autoptr (GList) layers = paintable_layers (drawables);
  GList *results = NULL;
  gboolean ok;

  if (!layers)
    {
      g_set_error_literal (error, COCOLOR_ERROR, COCOLOR_ERROR_NOTHING,
                           _ ("None of the selected layers can be colorized."));
      return FALSE;
    }
  if (!cocolor_op_check (settings, error))
    return FALSE;
  if (settings->non_destructive && settings->model && !effects_take_model (layers->data))
    {
      g_set_error_literal (error, COCOLOR_ERROR, COCOLOR_ERROR_MODEL,
                           _ ("In this version of GIMP a non-destructive effect can only use the "
                              "shipped model: clear the model file, or turn off “Non-destructive "
                              "effect”."));
      return FALSE;
    }
  if (cocolor_op_device_note (settings))
    gimp_message (cocolor_op_device_note (settings));

  if (!settings->non_destructive && !render_all (layers, settings, &results, error))
    {
      g_list_free_full (results, g_object_unref);
      return FALSE;
    }

  gimp_image_undo_group_start (image);
  /* A grayscale or indexed image has no room for colour: GIMP would turn
   * the result back into gray or into the nearest colours of the palette. */
  if (gimp_image_get_base_type (image) != GIMP_RGB)
    gimp_image_convert_rgb (image);
  if (settings->non_destructive)
    ok = append_effects (layers, settings, error);
  else
    {
      merge_results (layers, results);
      ok = TRUE;
    }
  gimp_image_undo_group_end (image);

  g_list_free_full (results, g_object_unref);
  return ok;
}
