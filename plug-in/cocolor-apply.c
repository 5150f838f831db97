#include "config.h"

#include "cocolor-apply.h"

#include <glib/gi18n-lib.h>

#include "cc-mode-guess-buffer.h" /* mode auto's guess, as the op makes it */
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
            GError **error)
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
      GeglBuffer *output = cocolor_render (input, &one, report_progress, &progress, error);
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
  g_autoptr (GList) layers = paintable_layers (drawables);
  g_autoptr (GHashTable) modes = NULL;
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
  modes = settle_modes (&layers, settings);
  *applied = applied_modes (drawables, modes);
  if (!layers)
    return TRUE; /* colour photos only: each one has had its message */
  if (cocolor_op_device_note (settings))
    gimp_message (cocolor_op_device_note (settings));

  if (settings->output != COCOLOR_OUTPUT_EFFECT
      && !render_all (layers, settings, modes, &results, error))
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

  g_list_free_full (results, g_object_unref);
  if (!ok)
    g_clear_pointer (applied, g_strfreev);
  return ok;
}
