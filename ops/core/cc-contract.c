/* CoColor inference core: a model's contract (what the network expects and
 * produces) and the format version, from the file's metadata. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc-model-private.h"

/* ------------------------------------------------------------------ */
/* Contract.                                                           */

gboolean
cc_contract_error (GError **error, const char *what)
{
  g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT, _ ("contract: %s"), what);
  return FALSE;
}

/* A colour-space tag: short, lower case, [a-z0-9_.-]. */
static gboolean
valid_space (const char *s)
{
  size_t n = s ? strlen (s) : 0;

  if (n == 0 || n > 64)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_islower (s[i]) && !g_ascii_isdigit (s[i]) && !strchr ("_.-", s[i]))
      return FALSE;
  return TRUE;
}

/* "input" / "output": {"channels", "range": [min, max], "space"}. */
static gboolean
parse_contract_side (JsonObject *contract, const char *side, int *channels, float *min, float *max,
                     char **space, GError **error)
{
  JsonNode *node = json_object_get_member (contract, side);
  JsonObject *obj;
  JsonNode *range;
  gint64 c;
  double lo, hi;
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: \"%s\" is missing or not an object"), side);
      return FALSE;
    }
  obj = json_node_get_object (node);
  if (!cc_json_get_int (json_object_get_member (obj, "channels"), &c) || c < 1
      || c > CC_MAX_CONTRACT_CHANNELS)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: %s.channels must be an integer between 1 and %d"), side,
                   CC_MAX_CONTRACT_CHANNELS);
      return FALSE;
    }
  range = json_object_get_member (obj, "range");
  if (range == NULL || !JSON_NODE_HOLDS_ARRAY (range)
      || json_array_get_length (json_node_get_array (range)) != 2
      || !cc_json_get_number (json_array_get_element (json_node_get_array (range), 0), &lo)
      || !cc_json_get_number (json_array_get_element (json_node_get_array (range), 1), &hi)
      || !(lo < hi) || fabs (lo) > CC_MAX_RANGE || fabs (hi) > CC_MAX_RANGE
      || hi - lo < CC_MIN_SPAN)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: %s.range must be [min, max] with -%g <= min, max <= %g and "
                      "max - min >= %g"),
                   side, CC_MAX_RANGE, CC_MAX_RANGE, CC_MIN_SPAN);
      return FALSE;
    }
  s = cc_json_get_string (json_object_get_member (obj, "space"));
  if (!valid_space (s))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: %s.space must be a short lower-case tag such as "
                      "\"srgb\" or \"nir-linear\""),
                   side);
      return FALSE;
    }
  *channels = (int)c;
  *min = (float)lo;
  *max = (float)hi;
  *space = g_strdup (s);
  return TRUE;
}

/* input.hints (models/FORMAT.md, "Hint inputs"): the hint planes that end
 * the input, each named once, the mask always; a gray model takes no Y
 * (neither the hint's nor the nearest hint's). */
static gboolean
parse_hints (JsonObject *input, CcModelInfo *info, GError **error)
{
  static const char *const names[CC_HINT_N_PLANES] = {
    [CC_HINT_Y] = "y",
    [CC_HINT_CB] = "cb",
    [CC_HINT_CR] = "cr",
    [CC_HINT_MASK] = "mask",
    [CC_HINT_NEAR_Y] = "near_y",
    [CC_HINT_NEAR_CB] = "near_cb",
    [CC_HINT_NEAR_CR] = "near_cr",
    [CC_HINT_NEAR_CLOSE] = "near_close",
  };
  JsonNode *node = json_object_get_member (input, "hints");
  JsonObject *hints;
  JsonNode *planes;
  gint64 first, radius;
  gboolean seen[CC_HINT_N_PLANES] = { FALSE };
  guint n;

  if (node == NULL)
    return TRUE; /* no hint inputs */
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return cc_contract_error (error, _ ("input.hints must be an object"));
  hints = json_node_get_object (node);
  planes = json_object_get_member (hints, "channels");
  if (planes == NULL || !JSON_NODE_HOLDS_ARRAY (planes)
      || (n = json_array_get_length (json_node_get_array (planes))) == 0 || n > CC_HINT_N_PLANES)
    return cc_contract_error (error, _ ("input.hints.channels must be an array of 1 to 8 of "
                                        "\"y\", \"cb\", \"cr\", \"mask\", \"near_y\", "
                                        "\"near_cb\", \"near_cr\" and \"near_close\""));
  for (guint i = 0; i < n; i++)
    {
      const char *name
          = cc_json_get_string (json_array_get_element (json_node_get_array (planes), i));
      int k = 0;

      while (k < CC_HINT_N_PLANES && g_strcmp0 (name, names[k]) != 0)
        k++;
      if (k == CC_HINT_N_PLANES || seen[k])
        return cc_contract_error (error, _ ("input.hints.channels must name each of \"y\", "
                                            "\"cb\", \"cr\", \"mask\", \"near_y\", "
                                            "\"near_cb\", \"near_cr\" and \"near_close\" "
                                            "at most once"));
      seen[k] = TRUE;
      info->hint_planes[i] = (CcHintPlane)k;
    }
  if (!seen[CC_HINT_MASK])
    return cc_contract_error (error, _ ("input.hints.channels must include \"mask\""));
  if ((seen[CC_HINT_Y] || seen[CC_HINT_NEAR_Y]) && info->task == CC_TASK_GRAY)
    return cc_contract_error (error, _ ("input.hints: a gray model takes no \"y\" or "
                                        "\"near_y\" hint (its output keeps the input's luma)"));
  if (!cc_json_get_int (json_object_get_member (hints, "first"), &first) || first < 1
      || first + n != (gint64)info->input_channels)
    return cc_contract_error (error, _ ("input.hints must end the input: \"first\" >= 1 and "
                                        "first + the number of hint channels = input.channels"));
  if (g_strcmp0 (cc_json_get_string (json_object_get_member (hints, "space")), "bt601-srgb") != 0)
    return cc_contract_error (error, _ ("input.hints.space must be \"bt601-srgb\""));
  if (!cc_json_get_int (json_object_get_member (hints, "min_radius"), &radius) || radius < 0
      || radius > 64)
    return cc_contract_error (error, _ ("input.hints.min_radius must be an integer from 0 to 64"));
  info->hint_first = (int)first;
  info->n_hints = (int)n;
  info->hint_min_radius = (int)radius;
  return TRUE;
}

static gboolean
parse_contract_object (JsonObject *c, CcModelInfo *info, GError **error)
{
  const char *task = cc_json_get_string (json_object_get_member (c, "task"));
  const char *version = cc_json_get_string (json_object_get_member (c, "version"));
  JsonNode *prov = json_object_get_member (c, "provenance");
  gint64 res;

  if (g_strcmp0 (task, "nir") == 0)
    info->task = CC_TASK_NIR;
  else if (g_strcmp0 (task, "gray") == 0)
    info->task = CC_TASK_GRAY;
  else
    return cc_contract_error (error, _ ("\"task\" must be \"nir\" or \"gray\""));

  if (!parse_contract_side (c, "input", &info->input_channels, &info->input_min, &info->input_max,
                            &info->input_space, error)
      || !parse_contract_side (c, "output", &info->output_channels, &info->output_min,
                               &info->output_max, &info->output_space, error)
      || !parse_hints (json_node_get_object (json_object_get_member (c, "input")), info, error))
    return FALSE;

  if (!cc_json_get_int (json_object_get_member (c, "train_resolution"), &res) || res < 1
      || res > 65536)
    return cc_contract_error (error,
                              _ ("\"train_resolution\" must be an integer between 1 and 65536"));
  info->train_resolution = (int)res;

  if (version == NULL || *version == '\0')
    return cc_contract_error (error, _ ("\"version\" must be a non-empty string"));
  info->version = g_strdup (version);

  if (prov == NULL || !JSON_NODE_HOLDS_OBJECT (prov))
    return cc_contract_error (error, _ ("\"provenance\" must be an object (training data, "
                                        "metrics...); it may be empty"));
  info->provenance_json = json_to_string (prov, FALSE);
  return TRUE;
}

gboolean
cc_contract_parse (Loader *ld, CcModelInfo *info, GError **error)
{
  const char *text = cc_loader_metadata (ld, "cocolor.contract");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;

  if (text == NULL)
    return cc_contract_error (error, _ ("the metadata entry \"cocolor.contract\" is missing; "
                                        "this is not a CoColor model (export it with "
                                        "models/train/export.py)"));
  root = cc_json_parse (text, -1, &local);
  if (root == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: \"cocolor.contract\" is not valid JSON: %s"), local->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return cc_contract_error (error, _ ("\"cocolor.contract\" is not a JSON object"));
  return parse_contract_object (json_node_get_object (root), info, error);
}

gboolean
cc_contract_check_format (Loader *ld, GError **error)
{
  const char *v = cc_loader_metadata (ld, "cocolor.format");

  if (v == NULL)
    return cc_contract_error (error, _ ("the metadata entry \"cocolor.format\" is missing; this "
                                        "is not a CoColor model (export it with "
                                        "models/train/export.py)"));
  if (strcmp (v, CC_FORMAT_VERSION) != 0)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: model format version %s is not supported (this CoColor "
                      "reads version %s); update CoColor or re-export the model"),
                   v, CC_FORMAT_VERSION);
      return FALSE;
    }
  return TRUE;
}
