/* cocolor:colorize — natural colour for near-infrared and grayscale photos —
 * and cocolor:colorize-hints, the same with colour hints.
 *
 * The network sees the whole picture once, at working size; every tile is
 * then rebuilt at full resolution from that prediction, guided by the
 * input's own luminance (cc-prediction.c; on the OpenCL device when the
 * network runs on one), so colours agree across tiles and fine texture
 * comes from the input.  The picture reaches the network as sRGB-encoded
 * values whatever its colour space (the models learnt sRGB), and the result
 * goes back into the input's space.  Mode auto guesses what the picture is
 * (cc-mode-guess.h).  The hints op's aux input is an optional hint picture:
 * colours the user painted (alpha >= 0.5), which the network carries across
 * the picture (cc-hints.h; no aux, or one without a hint pixel, is the
 * automatic result bit for bit).  This file is compiled twice, as the
 * filter and (COCOLOR_OP_HINTS) as the composer: GIMP 3.0 keeps no
 * non-destructive effect of an op with an aux pad.  Any failure (missing
 * model, bad file, no memory, a colour photo in mode auto) warns once and
 * passes the picture through unchanged. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cocolor-op-contract.h"

#ifdef GEGL_PROPERTIES

/* GEGL's property macros read as a table; clang-format would run them together */
/* clang-format off */

/* The op's contract (cocolor-op-contract.h), in GEGL's terms. */
#define MODE_VALUE(id, value, nick, label) enum_value (COCOLOR_MODE_##id, nick, label)
#define DEVICE_VALUE(id, value, nick, label) enum_value (COCOLOR_DEVICE_##id, nick, label)

/* Enum types are process-wide: each op registers its own names (through
 * these wrappers, which expand the names before gegl-op.h pastes them). */
#if COCOLOR_OP_HINTS
#define OP_ENUM_ID(name) cocolor_colorize_hints_##name
#define OP_ENUM_TYPE(Name) CocolorColorizeHints##Name
#else
#define OP_ENUM_ID(name) cocolor_colorize_##name
#define OP_ENUM_TYPE(Name) CocolorColorize##Name
#endif
#define ENUM_START(id) enum_start (id)
#define ENUM_END(type) enum_end (type)
#define PROPERTY_ENUM(name, label, type, id, value) property_enum (name, label, type, id, value)

ENUM_START (OP_ENUM_ID (mode))
  COCOLOR_OP_MODES (MODE_VALUE)
ENUM_END (OP_ENUM_TYPE (Mode))

ENUM_START (OP_ENUM_ID (device))
  COCOLOR_OP_DEVICES (DEVICE_VALUE)
ENUM_END (OP_ENUM_TYPE (Device))

PROPERTY_ENUM (mode, _(COCOLOR_OP_MODE_LABEL), OP_ENUM_TYPE (Mode), OP_ENUM_ID (mode),
               COCOLOR_OP_MODE_DEFAULT)
  description (_(COCOLOR_OP_MODE_BLURB))

property_double (strength, _(COCOLOR_OP_STRENGTH_LABEL), COCOLOR_OP_STRENGTH_DEFAULT)
  description (_(COCOLOR_OP_STRENGTH_BLURB))
  value_range (COCOLOR_OP_STRENGTH_MIN, COCOLOR_OP_STRENGTH_MAX)

property_int (working_size, _(COCOLOR_OP_WORKING_SIZE_LABEL), COCOLOR_OP_WORKING_SIZE_DEFAULT)
  description (_(COCOLOR_OP_WORKING_SIZE_BLURB))
  value_range (COCOLOR_OP_WORKING_SIZE_MIN, COCOLOR_OP_WORKING_SIZE_MAX)
  ui_range (COCOLOR_OP_WORKING_SIZE_MIN, COCOLOR_OP_WORKING_SIZE_UI_MAX)

PROPERTY_ENUM (device, _(COCOLOR_OP_DEVICE_LABEL), OP_ENUM_TYPE (Device), OP_ENUM_ID (device),
               COCOLOR_OP_DEVICE_DEFAULT)
  description (_(COCOLOR_OP_DEVICE_BLURB))

/* A string, not a file path: GIMP 3.0 carries no file-path property to a
 * non-destructive effect (it warns, and the effect loses the model). */
property_string (model, _(COCOLOR_OP_MODEL_LABEL), "")
  description (_(COCOLOR_OP_MODEL_BLURB))

/* clang-format on */

#else

#if COCOLOR_OP_HINTS
#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME cocolor_colorize_hints
#else
#define GEGL_OP_FILTER
#define GEGL_OP_NAME cocolor_colorize
#endif
#define GEGL_OP_C_SOURCE colorize.c
/* The module's entry points are below: they bind the catalogs first. */
#define GEGL_OP_BUNDLE

#include "gegl-op.h"

#include "cc-mode-guess-buffer.h"
#include "cc-model-locate.h"
#include "cc-prediction.h"

/* The long side at which mode auto looks at the picture. */

/* GEGL numbers the enums' values in their order; the contract gives them. */
#define VALUE_CHECK(prefix, id, value) G_STATIC_ASSERT (prefix##id == (value));
#define MODE_CHECK(id, value, nick, label) VALUE_CHECK (COCOLOR_MODE_, id, value)
#define DEVICE_CHECK(id, value, nick, label) VALUE_CHECK (COCOLOR_DEVICE_, id, value)
COCOLOR_OP_MODES (MODE_CHECK)
COCOLOR_OP_DEVICES (DEVICE_CHECK)

/* Per-instance state, in GeglProperties.user_data. */
typedef struct
{
  GMutex lock;
  CcPrediction *prediction; /* the last one computed; dropped when the input changes */
  int guess;                /* mode auto's CcGuess for the input; -1: not made yet */
  char *last_warning;       /* so that one problem is reported once */
  char *last_note;          /* likewise for a note (hints a model ignores) */
} State;

static State *
get_state (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  /* Made in attach (), before any process () runs. */
  return o->user_data;
}

static void
attach (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  State *state = g_new0 (State, 1);
  g_mutex_init (&state->lock);
  state->guess = -1;
  o->user_data = state;
  GEGL_OPERATION_CLASS (gegl_op_parent_class)->attach (operation);
}

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);
  State *state = o->user_data;
  if (state)
    {
      g_clear_pointer (&state->prediction, cc_prediction_unref);
      g_free (state->last_warning);
      g_free (state->last_note);
      g_mutex_clear (&state->lock);
      g_free (state);
      o->user_data = NULL;
    }
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

/* The network learnt sRGB-encoded pictures: the input comes in as sRGB
 * whatever its space (babl converts), the output stays in the input's space
 * (process () writes sRGB into it, babl converting back). */
static void
prepare (GeglOperation *operation)
{
  const Babl *space = gegl_operation_get_source_space (operation, "input");
  const Babl *source = gegl_operation_get_source_format (operation, "input");
  /* The output is what the input is: with alpha only if it has alpha, and
   * 16-bit integers stay 16-bit (a 16-bit TIFF or PNG saved from it keeps
   * its depth); anything else is float. */
  gboolean alpha = !source || babl_format_has_alpha (source);
  gboolean u16 = source && babl_format_get_type (source, 0) == babl_type ("u16");
  g_autofree char *output
      = g_strdup_printf ("R'G'B'%s %s", alpha ? "A" : "", u16 ? "u16" : "float");

  gegl_operation_set_format (operation, "input", babl_format ("R'G'B'A float"));
  gegl_operation_set_format (operation, "output", babl_format_with_space (output, space));
}

static GeglRectangle
whole_input (GeglOperation *operation, const GeglRectangle *roi)
{
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");
  if (!bbox || gegl_rectangle_is_infinite_plane (bbox))
    return *roi;
  return *bbox;
}

/* The prediction needs the whole picture and all its hints, whatever the
 * tile asked for. */
static GeglRectangle
get_required_for_output (GeglOperation *operation, const gchar *input_pad, const GeglRectangle *roi)
{
  return whole_input (operation, roi);
}

/* A change anywhere in the input or the hints changes the prediction, so
 * all of the output; it also means the cached prediction is stale. */
static GeglRectangle
get_invalidated_by_change (GeglOperation *operation, const gchar *input_pad,
                           const GeglRectangle *input_region)
{
  State *state = get_state (operation);
  if (state)
    {
      g_mutex_lock (&state->lock);
      g_clear_pointer (&state->prediction, cc_prediction_unref);
      state->guess = -1;
      g_mutex_unlock (&state->lock);
    }
  return whole_input (operation, input_region);
}

/* Says message once (not again while it stays the last one said at that
 * level): the op's one failure warning (cocolor-op-contract.h), or a note
 * that is no failure (g_message), which the plug-in and the gegl CLI show
 * without taking the result for a pass-through. */
static void
say_once (char **last, GLogLevelFlags level, const char *message)
{
  if (g_strcmp0 (*last, message) == 0)
    return;
  g_free (*last);
  *last = g_strdup (message);
  g_log (G_LOG_DOMAIN, level, "%s", message);
}

static void
warn_once (State *state, const char *message)
{
  say_once (&state->last_warning, G_LOG_LEVEL_WARNING, message);
}

static void
fill_key (GeglOperation *operation, CcTask task, int level, CcPredictionKey *key)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  key->task = task;
  key->model_path = o->model && *o->model ? g_strdup (o->model) : cc_model_locate (task);
  key->working_size = o->working_size;
  switch (o->device)
    {
#define DEVICE_CASE(id, value, nick, label)                                                        \
  case COCOLOR_DEVICE_##id:                                                                        \
    key->device = CC_DEVICE_##id;                                                                  \
    break;
      COCOLOR_OP_DEVICES (DEVICE_CASE)
#undef DEVICE_CASE
    default:
      key->device = CC_DEVICE_AUTO;
    }
  key->level = level;
  key->bbox = *gegl_operation_source_get_bounding_box (operation, "input");
#if COCOLOR_OP_HINTS
  const GeglRectangle *hints = gegl_operation_source_get_bounding_box (operation, "aux");
  key->hints_bbox = hints ? *hints : (GeglRectangle){ 0 };
#endif
}

/* The prediction for the current input and properties, computed at most
 * once; NULL (after one warning) when it cannot be had. */
static CcPrediction *
get_prediction (GeglOperation *operation, GeglBuffer *input, GeglBuffer *hints, int level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  State *state = get_state (operation);
  CcPredictionKey key = { 0 };
  CcPrediction *prediction = NULL;
  CcTask task = o->mode == COCOLOR_MODE_GRAY ? CC_TASK_GRAY : CC_TASK_NIR;

  g_mutex_lock (&state->lock);
  if (o->mode == COCOLOR_MODE_AUTO)
    {
      /* Made once per input, on the whole picture, whatever the level. */
      if (state->guess < 0)
        state->guess = cc_mode_guess_buffer (
            input, gegl_operation_source_get_bounding_box (operation, "input"));
      if (state->guess == CC_GUESS_COLOUR)
        {
          warn_once (state, _ (COCOLOR_OP_COLOUR_PHOTO));
          g_mutex_unlock (&state->lock);
          return NULL;
        }
      task = state->guess == CC_GUESS_NIR ? CC_TASK_NIR : CC_TASK_GRAY;
    }
  fill_key (operation, task, level, &key);
  if (state->prediction && cc_prediction_key_equal (&state->prediction->key, &key))
    prediction = cc_prediction_ref (state->prediction);
  else
    {
      g_autoptr (GError) error = NULL;
      g_clear_pointer (&state->prediction, cc_prediction_unref);
      state->prediction = cc_prediction_compute (input, hints, &key, &error);
      if (state->prediction)
        prediction = cc_prediction_ref (state->prediction);
      else
        warn_once (state, error->message);
      if (prediction && prediction->hints_ignored)
        {
          g_autofree char *note = g_strdup_printf (
              _ ("%s takes no colour hints; the picture is colorized without them"),
              key.model_path);
          say_once (&state->last_note, G_LOG_LEVEL_MESSAGE, note);
        }
    }
  g_mutex_unlock (&state->lock);
  cc_prediction_key_clear (&key);
  return prediction;
}

/* The input over rect, a rectangle of the picture at level, copied into
 * output as it is: gegl_buffer_copy () copies level 0, which an op before
 * this one leaves unrendered at a higher level. */
static void
pass_through (GeglBuffer *input, GeglBuffer *output, const GeglRectangle *rect, int level)
{
  const Babl *format = gegl_buffer_get_format (output);
  const gsize bpp = babl_format_get_bytes_per_pixel (format);

  if (level == 0)
    {
      gegl_buffer_copy (input, rect, GEGL_ABYSS_NONE, output, rect);
      return;
    }
  GeglBufferIterator *it = gegl_buffer_iterator_new (output, rect, level, format, GEGL_ACCESS_WRITE,
                                                     GEGL_ABYSS_NONE, 2);
  gegl_buffer_iterator_add (it, input, rect, level, format, GEGL_ACCESS_READ, GEGL_ABYSS_NONE);
  while (gegl_buffer_iterator_next (it))
    memcpy (it->items[0].data, it->items[1].data, it->length * bpp);
}

#if COCOLOR_OP_HINTS
static gboolean
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *aux, GeglBuffer *output,
         const GeglRectangle *result, gint level)
#else
static gboolean
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *output,
         const GeglRectangle *result, gint level)
#endif
{
#if !COCOLOR_OP_HINTS
  GeglBuffer *aux = NULL; /* the filter takes no hints */
#endif
  GeglProperties *o = GEGL_PROPERTIES (operation);
  g_autoptr (CcPrediction) prediction = get_prediction (operation, input, aux, level);
  /* sRGB in and out; babl converts the output into the input's space. */
  const Babl *rgba = babl_format ("R'G'B'A float");
  /* GEGL's filter and composer hand process () level-0 rectangles at any
   * level (its point ops alone scale them): taken as rectangles at the
   * level, a part of a zoomed-out view (with GEGL's mipmap rendering on)
   * was written elsewhere and its own pixels never. */
  const GeglRectangle scaled = cc_rect_at_level (result, level);
  result = &scaled;

  if (!prediction)
    {
      /* The warning is out; the picture goes through untouched. */
      pass_through (input, output, result, level);
      return TRUE;
    }

  const gboolean keep_luma = prediction->key.task == CC_TASK_GRAY;
  const float strength = (float)o->strength;

  GeglBufferIterator *it = gegl_buffer_iterator_new (output, result, level, rgba, GEGL_ACCESS_WRITE,
                                                     GEGL_ABYSS_NONE, 2);
  gegl_buffer_iterator_add (it, input, result, level, rgba, GEGL_ACCESS_READ, GEGL_ABYSS_NONE);

  gboolean ok = TRUE;
  while (ok && gegl_buffer_iterator_next (it))
    {
      g_autoptr (GError) error = NULL;
      if (!cc_prediction_render (prediction, &it->items[0].roi, it->items[1].data, strength,
                                 keep_luma, it->items[0].data, &error))
        {
          /* Out of memory in a tile, say: the picture goes through. */
          State *state = get_state (operation);
          g_mutex_lock (&state->lock);
          warn_once (state, error->message);
          g_mutex_unlock (&state->lock);
          gegl_buffer_iterator_stop (it);
          ok = FALSE;
        }
    }
  if (!ok)
    pass_through (input, output, result, level);
  return TRUE;
}

/* Strength 0, an empty or infinite input: hand the input on as it is. */
static gboolean
operation_process (GeglOperation *operation, GeglOperationContext *context,
                   const gchar *output_prop, const GeglRectangle *result, gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");

  if (o->strength <= 0.0 || !bbox || gegl_rectangle_is_empty (bbox)
      || gegl_rectangle_is_infinite_plane (bbox))
    {
      gpointer in = gegl_operation_context_get_object (context, "input");
      gegl_operation_context_take_object (context, "output", g_object_ref (G_OBJECT (in)));
      return TRUE;
    }
  return GEGL_OPERATION_CLASS (gegl_op_parent_class)
      ->process (operation, context, output_prop, result, level);
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass *operation_class = GEGL_OPERATION_CLASS (klass);
#if COCOLOR_OP_HINTS
  GEGL_OPERATION_COMPOSER_CLASS (klass)->process = process;
#else
  GEGL_OPERATION_FILTER_CLASS (klass)->process = process;
#endif

  object_class->finalize = finalize;
  operation_class->attach = attach;
  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  operation_class->get_required_for_output = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  operation_class->threaded = TRUE;

#if COCOLOR_OP_HINTS
  gegl_operation_class_set_keys (
      operation_class, "name", COCOLOR_OP_HINTS_NAME, "title", _ (COCOLOR_OP_HINTS_TITLE),
      "categories", "color", "op-version", "1:0",
      /* GIMP applies an op with an aux pad destructively (3.0). */
      "gimp:menu-path", "<Image>/Colors/CoColor", "gimp:menu-label",
      _ ("Colorize with Hints (Live Preview)..."), "description",
      _ ("CoColor's colorization with colour hints: choose as Aux Input a layer with dots or "
         "strokes of the colours wanted there, transparent elsewhere, and the network carries "
         "them across the picture. Applied to the pixels (GIMP 3.0 keeps no effect of a filter "
         "with an aux input); Colorize Layers... takes a hints layer too. In a grayscale image "
         "use Colorize Layers..., which makes the image RGB first."),
      NULL);
#else
  gegl_operation_class_set_keys (
      operation_class, "name", COCOLOR_OP_NAME, "title", _ (COCOLOR_OP_TITLE), "categories",
      "color",
      /* Stored with non-destructive effects in XCF files: change the major
       * number only when old property sets no longer make sense. */
      "op-version", "1:0",
      /* Beside the plug-in's "Colorize Layers..." (several layers, grayscale
       * images, batch); this entry is GIMP's filter tool with live preview. */
      "gimp:menu-path", "<Image>/Colors/CoColor", "gimp:menu-label",
      _ ("Colorize (Live Preview)..."), "description",
      _ ("Natural colour for near-infrared and grayscale photos, from a neural network "
         "(CoColor) that sees the whole picture. Mode Automatic takes a picture with an infrared "
         "camera's red cast as near-infrared and a gray one as grayscale, and leaves a colour "
         "photo as it is. In a grayscale image GIMP keeps the layer gray, so the colour cannot "
         "show: use Colorize Layers..., which makes the image RGB first."),
      NULL);
#endif
}

#if !COCOLOR_OP_HINTS
/* The catalogs: where the build installed them, or $COCOLOR_LOCALEDIR (a
 * moved install, the tests).  Bound when GEGL loads the module, since
 * gegl-op.h translates the properties' labels and the enums' value labels
 * while it installs them, before gegl_op_class_init () runs. */
static void
bind_catalogs (void)
{
  const char *dir = g_getenv ("COCOLOR_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, dir && *dir ? dir : COCOLOR_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

/* GEGL's module entry points, as gegl-op.h writes them without
 * GEGL_OP_BUNDLE, with the catalogs bound first. */
G_MODULE_EXPORT const GeglModuleInfo *
gegl_module_query (GTypeModule *module)
{
  return &modinfo;
}

/* The hints op's half of the module (colorize.c compiled as a composer). */
void gegl_op_cocolor_colorize_hints_register_type (GTypeModule *module);

G_MODULE_EXPORT gboolean
gegl_module_register (GTypeModule *module)
{
  bind_catalogs ();
  gegl_op_cocolor_colorize_register_type (module);
  gegl_op_cocolor_colorize_hints_register_type (module);
  return TRUE;
}
#endif

#endif
