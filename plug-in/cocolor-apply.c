#include "config.h"

#include "cocolor-apply.h"

#include <glib/gi18n-lib.h>

#include "cc-mode-guess-buffer.h" /* mode auto's guess, as the op makes it */
#include "cocolor-hints.h"
#include "cocolor-op.h"
#include "cocolor-render.h"

#define NICK_NIR COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_NIR)
#define NICK_GRAY COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_GRAY)
#define NICK_AUTO COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_AUTO)

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

/* The layers that can be colorized; a message for each one that cannot.
 * The hints layer is never colorized: its colours are the hints. */
static GList *
paintable_layers (GimpDrawable **drawables, GimpLayer *hints_layer)
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
      else if (hints_layer && gimp_item_get_id (item) == gimp_item_get_id (GIMP_ITEM (hints_layer)))
        why = _ ("it holds the colour hints");
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

/* Each layer's mode: the one asked for, or in mode auto the op's guess on
 * the layer's pixels, so that the plug-in can say which mode it used.  A
 * layer auto takes for a colour photo is left as it is, with a message, and
 * taken out of layers.  Returns layer -> mode nick. */
static GHashTable *
settle_modes (GList **layers, const CocolorSettings *settings)
{
  GHashTable *modes = g_hash_table_new (NULL, NULL);

  for (GList *l = *layers, *next; l; l = next)
    {
      const char *mode = settings->mode;
      next = l->next;
      if (g_strcmp0 (mode, NICK_AUTO) == 0)
        {
          g_autoptr (GeglBuffer) buffer = gimp_drawable_get_buffer (l->data);
          switch (cc_mode_guess_buffer (buffer, gegl_buffer_get_extent (buffer)))
            {
            case CC_GUESS_NIR:
              mode = NICK_NIR;
              break;
            case CC_GUESS_GRAY:
              mode = NICK_GRAY;
              break;
            case CC_GUESS_COLOUR:
            default:
              {
                g_autofree char *name = gimp_item_get_name (l->data);
                g_autofree char *message = g_strdup_printf (_ ("CoColor skipped “%s”: %s"), name,
                                                            _ (COCOLOR_OP_COLOUR_PHOTO));
                gimp_message (message);
                *layers = g_list_delete_link (*layers, l);
                continue;
              }
            }
        }
      g_hash_table_insert (modes, l->data, (gpointer)mode);
    }
  return modes;
}

/* The settings for one layer: its own mode. */
static CocolorSettings
layer_settings (const CocolorSettings *settings, GHashTable *modes, gpointer layer)
{
  CocolorSettings one = *settings; /* borrowed strings: never cleared */
  one.mode = g_hash_table_lookup (modes, layer);
  return one;
}

/* Every layer is rendered before the image is touched, so a failure or a
 * cancel (GIMP ends the plug-in) leaves the image as it was. */
static gboolean
render_all (GList *layers, const CocolorSettings *settings, GHashTable *modes, GList **results,
            GPtrArray *notes, GError **error)
{
  Progress progress = { 0, (int)g_list_length (layers) };

  gimp_progress_init (_ ("CoColor: colorizing"));
  for (GList *l = layers; l; l = l->next, progress.index++)
    {
      g_autofree char *name = gimp_item_get_name (l->data);
      g_autofree char *text = g_strdup_printf (_ ("CoColor: colorizing “%s”"), name);
      gimp_progress_set_text (text);

      g_autoptr (GeglBuffer) input = gimp_drawable_get_buffer (l->data);
      const CocolorSettings one = layer_settings (settings, modes, l->data);
      CocolorHints hints;
      cocolor_hints_for_drawable (&hints, settings->hints_layer, l->data);
      GeglBuffer *output
          = cocolor_render (input, &hints, &one, report_progress, &progress, notes, error);
      cocolor_hints_clear (&hints);
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
merge_results (GList *drawables, GList *results)
{
  for (GList *l = drawables, *r = results; l && r; l = l->next, r = r->next)
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

/* A copy of each layer just above it, in LCh Color mode, with a white mask
 * to paint on: the original stays as it was.  Returns the copies. */
static GList *
add_colour_layers (GimpImage *image, GList *layers)
{
  GList *copies = NULL;

  for (GList *l = layers; l; l = l->next)
    {
      GimpLayer *layer = l->data;
      GimpLayer *copy = gimp_layer_copy (layer);
      GimpItem *parent = gimp_item_get_parent (GIMP_ITEM (layer));
      g_autofree char *name = gimp_item_get_name (GIMP_ITEM (layer));
      /* TRANSLATORS: the name of the new layer; %s is the original's */
      g_autofree char *copy_name = g_strdup_printf (_ ("%s (CoColor)"), name);

      gimp_image_insert_layer (image, copy, GIMP_IS_LAYER (parent) ? GIMP_LAYER (parent) : NULL,
                               gimp_image_get_item_position (image, GIMP_ITEM (layer)));
      gimp_item_set_name (GIMP_ITEM (copy), copy_name);
      gimp_layer_set_mode (copy, GIMP_LAYER_MODE_LCH_COLOR);
      if (!gimp_layer_get_mask (copy))
        gimp_layer_add_mask (copy, gimp_layer_create_mask (copy, GIMP_ADD_MASK_WHITE));
      copies = g_list_append (copies, copy);
    }
  return copies;
}

/* Saturation as an effect of its own after CoColor's, GEGL's saturation in
 * CIE LCh (lightness kept). */
static void
append_saturation (GimpDrawable *drawable, double saturation)
{
  GimpDrawableFilter *filter;

  if (saturation == 1.0)
    return;
  filter = gimp_drawable_filter_new (drawable, "gegl:saturation", _ ("CoColor saturation"));
  if (!filter)
    return;
  g_object_set (gimp_drawable_filter_get_config (filter), "scale", saturation, NULL);
  gimp_drawable_append_filter (drawable, filter);
}

static gboolean
has_filter (GimpDrawable *drawable, GimpDrawableFilter *filter)
{
  g_autofree GimpDrawableFilter **filters = gimp_drawable_get_filters (drawable);

  for (int i = 0; filters && filters[i]; i++)
    if (gimp_drawable_filter_get_id (filters[i]) == gimp_drawable_filter_get_id (filter))
      return TRUE;
  return FALSE;
}

static gboolean
append_effects (GList *layers, const CocolorSettings *settings, GHashTable *modes, GError **error)
{
  for (GList *l = layers; l; l = l->next)
    {
      const CocolorSettings one = layer_settings (settings, modes, l->data);
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
                    "mode", one.mode,
                    "strength", settings->strength,
                    "working-size", settings->working_size,
                    "device", settings->device,
                    NULL);
      /* clang-format on */
      if (settings->model)
        g_object_set (config, "model", settings->model, NULL);
      gimp_drawable_append_filter (l->data, filter);
      /* GIMP may refuse it and say so only in its last error. */
      g_autofree char *why = g_strdup (gimp_pdb_get_last_error (gimp_get_pdb ()));
      if (!has_filter (l->data, filter))
        {
          g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_RENDER,
                       _ ("GIMP could not add the %s effect: %s\nChoose another output."),
                       COCOLOR_OP_NAME, why);
          gimp_drawable_filter_delete (filter);
          return FALSE;
        }
      append_saturation (l->data, settings->saturation);
    }
  return TRUE;
}

/* What cocolor_apply says of each drawable: the mode it ran with, or
 * "none" for one it left as it is. */
static GStrv
applied_modes (GimpDrawable **drawables, GHashTable *modes)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (int i = 0; drawables[i]; i++)
    {
      const char *mode = g_hash_table_lookup (modes, drawables[i]);
      g_strv_builder_add (builder, mode ? mode : "none");
    }
  return g_strv_builder_end (builder);
}

gboolean
cocolor_apply (GimpImage *image, GimpDrawable **drawables, const CocolorSettings *settings,
               GStrv *applied, GError **error)
{
  g_autoptr (GList) layers = paintable_layers (drawables, settings->hints_layer);
  g_autoptr (GHashTable) modes = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  GList *results = NULL;
  gboolean ok;

  if (settings->hints_layer && !cocolor_hints_in_image (settings->hints_layer, image))
    {
      g_autofree char *name = gimp_item_get_name (GIMP_ITEM (settings->hints_layer));
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_HINTS,
                   _ ("The colour hints layer “%s” is not in this image."), name);
      return FALSE;
    }
  if (settings->hints_layer && settings->output == COCOLOR_OUTPUT_EFFECT)
    {
      /* GIMP 3.0 keeps no effect of an op with an aux input: say so before
       * anything changes. */
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_HINTS,
                   _ ("GIMP 3.0 cannot keep colour hints in a non-destructive effect. Choose "
                      "the output “%s” or “%s”, or no hints layer."),
                   _ ("Replace the layer's pixels"), _ ("New colour layer above (LCh Color mode)"));
      return FALSE;
    }
  if (!layers)
    {
      g_set_error_literal (error, COCOLOR_ERROR, COCOLOR_ERROR_NOTHING,
                           _ ("None of the selected layers can be colorized."));
      return FALSE;
    }
  if (!cocolor_op_check (settings, error))
    return FALSE;
  modes = settle_modes (&layers, settings);
  *applied = applied_modes (drawables, modes);
  if (!layers)
    return TRUE; /* colour photos only: each one has had its message */
  if (cocolor_op_device_note (settings))
    gimp_message (cocolor_op_device_note (settings));

  if (settings->output != COCOLOR_OUTPUT_EFFECT
      && !render_all (layers, settings, modes, &results, notes, error))
    {
      g_list_free_full (results, g_object_unref);
      g_clear_pointer (applied, g_strfreev);
      return FALSE;
    }

  gimp_image_undo_group_start (image);
  /* A grayscale or indexed image has no room for colour: GIMP would turn
   * the result back into gray or into the nearest colours of the palette. */
  if (gimp_image_get_base_type (image) != GIMP_RGB)
    gimp_image_convert_rgb (image);
  switch (settings->output)
    {
    case COCOLOR_OUTPUT_EFFECT:
      ok = append_effects (layers, settings, modes, error);
      break;
    case COCOLOR_OUTPUT_LAYER:
      {
        g_autoptr (GList) copies = add_colour_layers (image, layers);
        merge_results (copies, results);
        ok = TRUE;
        break;
      }
    case COCOLOR_OUTPUT_REPLACE:
    default:
      merge_results (layers, results);
      ok = TRUE;
    }
  gimp_image_undo_group_end (image);
  /* The op's notes (a model that takes no colour hints), each said once. */
  for (guint i = 0; ok && i < notes->len; i++)
    gimp_message (g_ptr_array_index (notes, i));

  g_list_free_full (results, g_object_unref);
  if (!ok)
    g_clear_pointer (applied, g_strfreev);
  return ok;
}
