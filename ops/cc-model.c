/* CoColor inference core: loading and validating a model file.
 *
 * The file format is described in models/FORMAT.md.  cc_model_load() checks
 * every byte it will later trust -- header, tensors, graph, contract -- so
 * the interpreter never has to: a bad file is a GError, never a crash, and
 * the op runs inside GIMP's process.
 *
 * Copyright (C) 2026 CoColor authors.  GPL-3.0-or-later. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cc-model.h"

/* Limits: far above any model CoColor ships (1.7 M weights, 3.4 MiB as F16),
 * low enough that a corrupt or hostile file cannot make us allocate or loop
 * absurdly inside GIMP's process. */
#define CC_WEIGHTS_MAX ((gint64)64 * 1024 * 1024) /* bytes of fp32 weights: 16 M */
#define CC_HEADER_MAX (16 * 1024 * 1024)
#define CC_FILE_MAX ((gint64)8 + CC_HEADER_MAX + CC_WEIGHTS_MAX)
#define CC_MAX_NODES 4096
#define CC_MAX_TENSORS (2 * CC_MAX_NODES) /* every tensor is a weight or bias of a node */
#define CC_MAX_DIM ((gint64)1 << 24)
#define CC_MAX_ELEMENTS ((gint64)G_MAXINT32)
#define CC_MAX_CHANNELS (1 << 16)
#define CC_MAX_KERNEL 15
#define CC_MAX_LEVEL 16 /* 2^16: no input side divides by more */
#define CC_MAX_CONTRACT_CHANNELS 64
#define CC_MAX_RANGE 65536.0     /* |min|, |max| of a contract's value range */
#define CC_MIN_SPAN (1.0 / 1024) /* max - min: finer than fp32 work can resolve */
#define CC_FORMAT_VERSION "1"

/* clang-format off */
G_DEFINE_QUARK (cc-model-error-quark, cc_model_error)
/* clang-format on */

static const char *const op_names[CC_OP_N_TYPES] = {
  [CC_OP_CONV2D] = "conv2d",
  [CC_OP_RELU] = "relu",
  [CC_OP_LEAKY_RELU] = "leaky_relu",
  [CC_OP_SILU] = "silu",
  [CC_OP_SIGMOID] = "sigmoid",
  [CC_OP_TANH] = "tanh",
  [CC_OP_ADD] = "add",
  [CC_OP_MUL] = "mul",
  [CC_OP_CONCAT] = "concat",
  [CC_OP_UPSAMPLE_NEAREST] = "upsample_nearest",
  [CC_OP_UPSAMPLE_BILINEAR] = "upsample_bilinear",
  [CC_OP_AVGPOOL2] = "avgpool2",
  [CC_OP_GLOBAL_AVGPOOL] = "global_avgpool",
};

/* clang-format off */
static const char *const act_names[] = {
  [CC_ACT_NONE] = "none",
  [CC_ACT_RELU] = "relu",
  [CC_ACT_LEAKY_RELU] = "leaky_relu",
  [CC_ACT_SILU] = "silu",
  [CC_ACT_SIGMOID] = "sigmoid",
  [CC_ACT_TANH] = "tanh",
};
/* clang-format on */

const char *
cc_op_type_name (CcOpType op)
{
  if ((int)op < 0 || op >= CC_OP_N_TYPES)
    return "invalid";
  return op_names[op];
}

/* ------------------------------------------------------------------ */
/* Small JSON helpers: strict types, no silent conversions.            */

static gboolean
node_is_type (JsonNode *node, GType type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
node_get_int (JsonNode *node, gint64 *out)
{
  if (!node_is_type (node, G_TYPE_INT64))
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* A finite number, integer or not. */
static gboolean
node_get_number (JsonNode *node, double *out)
{
  if (node_is_type (node, G_TYPE_INT64))
    *out = (double)json_node_get_int (node);
  else if (node_is_type (node, G_TYPE_DOUBLE))
    *out = json_node_get_double (node);
  else
    return FALSE;
  return isfinite (*out);
}

static const char *
node_get_string (JsonNode *node)
{
  return node_is_type (node, G_TYPE_STRING) ? json_node_get_string (node) : NULL;
}

/* Parses JSON text of known length into its root node (owned). */
static JsonNode *
parse_json (const char *text, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, length, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, _ ("empty document"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/* ------------------------------------------------------------------ */
/* Header and tensors.                                                 */

typedef struct
{
  guint64 begin, end; /* data_offsets, relative to the data section */
  int index;
} Extent;

typedef struct
{
  const guint8 *bytes; /* the whole file, as read */
  gsize length;
  const guint8 *data; /* data section: after the header */
  gsize data_len;
  Extent *extents;      /* one per tensor */
  JsonObject *metadata; /* __metadata__, may be NULL */
} Loader;

static gboolean
read_header_length (Loader *ld, guint64 *header_len, GError **error)
{
  guint64 n;

  if (ld->length < 8)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_TRUNCATED,
                   _ ("the file is %zu bytes long, too short to be a model "
                      "(at least 8 bytes of header length are needed); the download or copy "
                      "was probably cut short"),
                   ld->length);
      return FALSE;
    }
  memcpy (&n, ld->bytes, 8);
  n = GUINT64_FROM_LE (n);
  if (n < 2 || n > CC_HEADER_MAX)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("the header length %llu is absurd (it must lie between "
                      "2 and %d bytes); this is not a safetensors model file"),
                   (unsigned long long)n, CC_HEADER_MAX);
      return FALSE;
    }
  if (n > ld->length - 8)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_TRUNCATED,
                   _ ("the header says it is %llu bytes long but the file "
                      "holds only %zu bytes after the length field; the file "
                      "is truncated"),
                   (unsigned long long)n, ld->length - 8);
      return FALSE;
    }
  *header_len = n;
  return TRUE;
}

static gboolean
parse_dtype (const char *name, const char *dtype, CcDType *out, GError **error)
{
  if (g_strcmp0 (dtype, "F32") == 0)
    *out = CC_DTYPE_F32;
  else if (g_strcmp0 (dtype, "F16") == 0)
    *out = CC_DTYPE_F16;
  else
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_DTYPE,
                   _ ("tensor '%s' has dtype %s; CoColor reads only F32 and F16 (re-export "
                      "the model with --dtype fp32 or fp16)"),
                   name, dtype ? dtype : "(not a string)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_shape (const char *name, JsonNode *node, CcTensor *t, GError **error)
{
  JsonArray *dims;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("tensor '%s': \"shape\" is missing or not an array"), name);
      return FALSE;
    }
  dims = json_node_get_array (node);
  if (json_array_get_length (dims) > CC_MAX_DIMS)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("tensor '%s' has %u dimensions; at most %d are supported"), name,
                   json_array_get_length (dims), CC_MAX_DIMS);
      return FALSE;
    }
  t->n_dims = (int)json_array_get_length (dims);
  t->n_elements = 1;
  for (int i = 0; i < t->n_dims; i++)
    {
      gint64 d;

      if (!node_get_int (json_array_get_element (dims, i), &d) || d < 1 || d > CC_MAX_DIM)
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                       _ ("tensor '%s': dimension %d is not an integer between 1 and %lld"), name,
                       i, (long long)CC_MAX_DIM);
          return FALSE;
        }
      t->shape[i] = d;
      /* Both factors are <= 2^31 here, so the product cannot overflow. */
      t->n_elements *= d;
      if (t->n_elements > CC_MAX_ELEMENTS)
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                       _ ("tensor '%s' is absurdly large (more than %lld"
                          " elements)"),
                       name, (long long)CC_MAX_ELEMENTS);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_offsets (const char *name, JsonNode *node, Extent *ext, GError **error)
{
  JsonArray *pair;
  gint64 b, e;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (pair = json_node_get_array (node)) != 2
      || !node_get_int (json_array_get_element (pair, 0), &b)
      || !node_get_int (json_array_get_element (pair, 1), &e))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("tensor '%s': \"data_offsets\" must be an array of two integers"), name);
      return FALSE;
    }
  if (b < 0 || e < b)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_OFFSETS,
                   _ ("tensor '%s': data_offsets [%lld, %lld"
                      "] are not an increasing pair of non-negative offsets"),
                   name, (long long)b, (long long)e);
      return FALSE;
    }
  ext->begin = (guint64)b;
  ext->end = (guint64)e;
  return TRUE;
}

static gboolean
parse_tensor_entry (const char *name, JsonNode *node, CcTensor *t, Extent *ext, GError **error)
{
  JsonObject *obj;
  guint64 esize;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("header entry '%s' is not an object with dtype, shape and data_offsets"),
                   name);
      return FALSE;
    }
  obj = json_node_get_object (node);
  t->name = g_strdup (name);
  if (!parse_dtype (name, node_get_string (json_object_get_member (obj, "dtype")), &t->file_dtype,
                    error)
      || !parse_shape (name, json_object_get_member (obj, "shape"), t, error)
      || !parse_offsets (name, json_object_get_member (obj, "data_offsets"), ext, error))
    return FALSE;

  esize = t->file_dtype == CC_DTYPE_F32 ? 4 : 2;
  if (ext->end - ext->begin != (guint64)t->n_elements * esize)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_OFFSETS,
                   _ ("tensor '%s': data_offsets span %llu bytes but its "
                      "shape and dtype need %llu"),
                   name, (unsigned long long)(ext->end - ext->begin),
                   (unsigned long long)t->n_elements * esize);
      return FALSE;
    }
  return TRUE;
}

static int
compare_extents (const void *a, const void *b)
{
  const Extent *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->index - y->index;
}

/* Every tensor inside the data section and no two sharing a byte. */
static gboolean
check_extents (Loader *ld, CcModel *model, GError **error)
{
  g_autofree Extent *sorted = NULL;

  for (int i = 0; i < model->n_tensors; i++)
    if (ld->extents[i].end > ld->data_len)
      {
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_OFFSETS,
                     _ ("tensor '%s': data_offsets end at byte %llu"
                        " but the data section is only %zu bytes long; the "
                        "file is truncated or corrupt"),
                     model->tensors[i].name, (unsigned long long)ld->extents[i].end, ld->data_len);
        return FALSE;
      }

  if (model->n_tensors < 2)
    return TRUE; /* nothing can overlap (and qsort () must not see NULL) */
  sorted = g_memdup2 (ld->extents, sizeof (Extent) * (gsize)model->n_tensors);
  qsort (sorted, (size_t)model->n_tensors, sizeof (Extent), compare_extents);
  for (int i = 1; i < model->n_tensors; i++)
    if (sorted[i].begin < sorted[i - 1].end)
      {
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_OFFSETS,
                     _ ("tensors '%s' and '%s' overlap in the data section; the file is corrupt"),
                     model->tensors[sorted[i - 1].index].name,
                     model->tensors[sorted[i].index].name);
        return FALSE;
      }
  return TRUE;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32)(h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0)
    {
      /* Zero or subnormal: mant * 2^-24, exactly representable in fp32. */
      f = ldexpf ((float)mant, -24);
      return sign ? -f : f;
    }
  if (exp == 0x1f)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  memcpy (&f, &bits, 4);
  return f;
}

static gboolean
report_nonfinite (const CcTensor *t, gint64 index, float v, GError **error)
{
  g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_VALUES,
               _ ("tensor '%s' holds %s at element %lld (of %lld"
                  "); the weights are corrupt or the training diverged, export a good "
                  "checkpoint"),
               t->name, isnan (v) ? "NaN" : "Inf", (long long)index, (long long)t->n_elements);
  return FALSE;
}

/* Copies the tensor's values into fp32 memory the model owns (F16
 * converted), rejecting NaN and Inf. */
static gboolean
load_tensor_data (Loader *ld, CcTensor *t, const Extent *ext, GError **error)
{
  const guint8 *src = ld->data + ext->begin;
  float *owned = g_try_new (float, (gsize)t->n_elements);

  if (owned == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO,
                   _ ("out of memory while loading tensor '%s' (%lld"
                      " elements)"),
                   t->name, (long long)t->n_elements);
      return FALSE;
    }
  for (gint64 i = 0; i < t->n_elements; i++)
    {
      float f;

      if (t->file_dtype == CC_DTYPE_F32)
        {
          guint32 bits;

          memcpy (&bits, src + 4 * i, 4);
          bits = GUINT32_FROM_LE (bits);
          memcpy (&f, &bits, 4);
        }
      else
        {
          guint16 bits;

          memcpy (&bits, src + 2 * i, 2);
          f = half_to_float (GUINT16_FROM_LE (bits));
        }
      if (!isfinite (f))
        {
          g_free (owned);
          return report_nonfinite (t, i, f, error);
        }
      owned[i] = f;
    }
  t->data = owned;
  return TRUE;
}

/* The weights' size in memory (fp32), capped: a header may describe
 * tensors far larger than any model of this kind. */
static gboolean
check_weight_bytes (const CcModel *model, GError **error)
{
  gint64 total = 0;

  for (int i = 0; i < model->n_tensors; i++)
    total += model->tensors[i].n_elements * (gint64)sizeof (float);
  if (total > CC_WEIGHTS_MAX)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("the tensors hold %lld MiB of weights; CoColor models hold at most %lld "
                      "MiB (16 million weights)"),
                   (long long)(total >> 20), (long long)(CC_WEIGHTS_MAX >> 20));
      return FALSE;
    }
  return TRUE;
}

/* Every tensor is a weight or bias of some node: an unused one would only
 * cost memory and load time, and hides a mistake in the export. */
static gboolean
check_tensors_used (const CcModel *model, GError **error)
{
  g_autofree gboolean *used = g_new0 (gboolean, MAX (model->n_tensors, 1));

  for (int i = 0; i < model->n_nodes; i++)
    {
      const CcNode *n = &model->nodes[i];
      if (n->weight)
        used[n->weight - model->tensors] = TRUE;
      if (n->bias)
        used[n->bias - model->tensors] = TRUE;
    }
  for (int i = 0; i < model->n_tensors; i++)
    if (!used[i])
      {
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                     _ ("tensor '%s' is used by no node of the graph; re-export the model "
                        "without it"),
                     model->tensors[i].name);
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_metadata (Loader *ld, JsonNode *node, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("\"__metadata__\" is not an object of strings"));
      return FALSE;
    }
  ld->metadata = json_node_get_object (node);
  json_object_iter_init (&iter, ld->metadata);
  while (json_object_iter_next (&iter, &key, &value))
    if (node_get_string (value) == NULL)
      {
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                     _ ("metadata entry '%s' is not a string (safetensors metadata maps "
                        "strings to strings)"),
                     key);
        return FALSE;
      }
  return TRUE;
}

/* The header: "__metadata__" plus one entry per tensor. */
static gboolean
parse_header (Loader *ld, CcModel *model, JsonNode *root, GError **error)
{
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  guint n_members;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("the header is not a JSON object"));
      return FALSE;
    }
  obj = json_node_get_object (root);
  n_members = json_object_get_size (obj);
  if (n_members > CC_MAX_TENSORS)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("the header lists %u tensors; at most %d are supported"), n_members,
                   CC_MAX_TENSORS);
      return FALSE;
    }
  model->tensors = g_new0 (CcTensor, n_members);
  ld->extents = g_new0 (Extent, n_members);

  /* File order, so tensors[] lists them as the header does. */
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      int i = model->n_tensors;

      if (strcmp (key, "__metadata__") == 0)
        {
          if (!parse_metadata (ld, value, error))
            return FALSE;
          continue;
        }
      /* Counted before parsing so cc_model_free() releases the name. */
      model->n_tensors++;
      ld->extents[i].index = i;
      if (!parse_tensor_entry (key, value, &model->tensors[i], &ld->extents[i], error))
        return FALSE;
    }
  return check_extents (ld, model, error) && check_weight_bytes (model, error);
}

static gboolean
load_all_tensor_data (Loader *ld, CcModel *model, GError **error)
{
  for (int i = 0; i < model->n_tensors; i++)
    if (!load_tensor_data (ld, &model->tensors[i], &ld->extents[i], error))
      return FALSE;
  return TRUE;
}

static const char *
metadata_string (Loader *ld, const char *key)
{
  if (ld->metadata == NULL || !json_object_has_member (ld->metadata, key))
    return NULL;
  return node_get_string (json_object_get_member (ld->metadata, key));
}

/* ------------------------------------------------------------------ */
/* Contract.                                                           */

static gboolean
contract_error (GError **error, const char *what)
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
  if (!node_get_int (json_object_get_member (obj, "channels"), &c) || c < 1
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
      || !node_get_number (json_array_get_element (json_node_get_array (range), 0), &lo)
      || !node_get_number (json_array_get_element (json_node_get_array (range), 1), &hi)
      || !(lo < hi) || fabs (lo) > CC_MAX_RANGE || fabs (hi) > CC_MAX_RANGE
      || hi - lo < CC_MIN_SPAN)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: %s.range must be [min, max] with -%g <= min, max <= %g and "
                      "max - min >= %g"),
                   side, CC_MAX_RANGE, CC_MAX_RANGE, CC_MIN_SPAN);
      return FALSE;
    }
  s = node_get_string (json_object_get_member (obj, "space"));
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

static gboolean
parse_contract_object (JsonObject *c, CcModelInfo *info, GError **error)
{
  const char *task = node_get_string (json_object_get_member (c, "task"));
  const char *version = node_get_string (json_object_get_member (c, "version"));
  JsonNode *prov = json_object_get_member (c, "provenance");
  gint64 res;

  if (g_strcmp0 (task, "nir") == 0)
    info->task = CC_TASK_NIR;
  else if (g_strcmp0 (task, "gray") == 0)
    info->task = CC_TASK_GRAY;
  else
    return contract_error (error, _ ("\"task\" must be \"nir\" or \"gray\""));

  if (!parse_contract_side (c, "input", &info->input_channels, &info->input_min, &info->input_max,
                            &info->input_space, error)
      || !parse_contract_side (c, "output", &info->output_channels, &info->output_min,
                               &info->output_max, &info->output_space, error))
    return FALSE;

  if (!node_get_int (json_object_get_member (c, "train_resolution"), &res) || res < 1
      || res > 65536)
    return contract_error (error,
                           _ ("\"train_resolution\" must be an integer between 1 and 65536"));
  info->train_resolution = (int)res;

  if (version == NULL || *version == '\0')
    return contract_error (error, _ ("\"version\" must be a non-empty string"));
  info->version = g_strdup (version);

  if (prov == NULL || !JSON_NODE_HOLDS_OBJECT (prov))
    return contract_error (error, _ ("\"provenance\" must be an object (training data, "
                                     "metrics...); it may be empty"));
  info->provenance_json = json_to_string (prov, FALSE);
  return TRUE;
}

static gboolean
parse_contract (Loader *ld, CcModelInfo *info, GError **error)
{
  const char *text = metadata_string (ld, "cocolor.contract");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;

  if (text == NULL)
    return contract_error (error, _ ("the metadata entry \"cocolor.contract\" is missing; "
                                     "this is not a CoColor model (export it with "
                                     "models/train/export.py)"));
  root = parse_json (text, -1, &local);
  if (root == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("contract: \"cocolor.contract\" is not valid JSON: %s"), local->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return contract_error (error, _ ("\"cocolor.contract\" is not a JSON object"));
  return parse_contract_object (json_node_get_object (root), info, error);
}

/* ------------------------------------------------------------------ */
/* Graph.                                                              */

/* What the loader knows of a value's shape without knowing H and W. */
typedef struct
{
  int channels;
  int level;       /* sides are input sides / 2^level (negative: upsampled) */
  gboolean global; /* 1x1 after a global average pool */
} Shape;

typedef struct
{
  CcModel *model;
  GHashTable *value_ids; /* name -> id + 1, values defined so far */
  GHashTable *node_ids;  /* name -> id + 1, every node (for "used too early") */
  Shape *shapes;         /* per value id */
  int max_level;
} Graph;

static gboolean
graph_error (GError **error, const char *what)
{
  g_set_error_literal (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH, what);
  return FALSE;
}

/* Resolves a value reference (a name or an id) seen by the node producing
 * value `self`: it must name a value defined earlier. */
static gboolean
resolve_value (Graph *g, JsonNode *ref, int self, int *out, GError **error)
{
  const char *name = node_get_string (ref);
  gint64 id;

  if (name != NULL)
    {
      gpointer p = g_hash_table_lookup (g->value_ids, name);

      if (p != NULL)
        {
          *out = GPOINTER_TO_INT (p) - 1;
          return TRUE;
        }
      if (g_hash_table_contains (g->node_ids, name))
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                       _ ("input '%s' is used before the node that defines it (nodes must "
                          "be in execution order; cycles are not allowed)"),
                       name);
          return FALSE;
        }
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("input '%s' names no value (neither the graph input nor a node)"), name);
      return FALSE;
    }
  if (!node_get_int (ref, &id))
    return graph_error (error, _ ("inputs must be value names (strings) or value ids "
                                  "(integers)"));
  if (id < 0 || id > (gint64)g->model->n_nodes)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("input id %lld does not exist (0 is the graph input, "
                      "node i produces value i + 1)"),
                   (long long)id);
      return FALSE;
    }
  if (id >= self)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("input id %lld is used before the node that defines it "
                      "(nodes must be in execution order; cycles are not allowed)"),
                   (long long)id);
      return FALSE;
    }
  *out = (int)id;
  return TRUE;
}

static gboolean
op_from_name (const char *name, CcOpType *op)
{
  for (int i = 0; i < CC_OP_N_TYPES; i++)
    if (g_strcmp0 (name, op_names[i]) == 0)
      {
        *op = (CcOpType)i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
act_from_name (const char *name, CcActivation *act)
{
  for (guint i = 0; i < G_N_ELEMENTS (act_names); i++)
    if (g_strcmp0 (name, act_names[i]) == 0)
      {
        *act = (CcActivation)i;
        return TRUE;
      }
  return FALSE;
}

/* A misspelt attribute would otherwise be silently ignored and the model
 * would compute something else than it was trained to. */
static gboolean
check_keys (JsonObject *obj, CcOpType op, GError **error)
{
  static const char *const common[] = { "name", "op", "inputs" };
  static const char *const conv[]
      = { "weight", "bias", "kernel", "stride", "padding", "act", "alpha" };
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (common); i++)
        known |= strcmp (key, common[i]) == 0;
      if (op == CC_OP_CONV2D)
        for (guint i = 0; i < G_N_ELEMENTS (conv); i++)
          known |= strcmp (key, conv[i]) == 0;
      if (op == CC_OP_LEAKY_RELU)
        known |= strcmp (key, "alpha") == 0;
      if (!known)
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                       _ ("unknown attribute '%s' for op %s"), key, op_names[op]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
get_int_attr (JsonObject *obj, const char *key, gboolean required, gint64 fallback, gint64 lo,
              gint64 hi, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL && !required)
    {
      *out = fallback;
      return TRUE;
    }
  if (!node_get_int (node, out) || *out < lo || *out > hi)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("attribute '%s' must be an integer between %lld"
                      " and %lld"),
                   key, (long long)lo, (long long)hi);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_alpha (JsonObject *obj, float *alpha, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "alpha");
  double a = 0.01; /* PyTorch's LeakyReLU default */

  if (node != NULL && !node_get_number (node, &a))
    return graph_error (error, _ ("attribute 'alpha' must be a finite number"));
  *alpha = (float)a;
  return TRUE;
}

static const CcTensor *
get_tensor_attr (Graph *g, JsonObject *obj, const char *key, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  const char *name = node_get_string (node);
  const CcTensor *t;

  if (node == NULL && !required)
    return NULL;
  if (name == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("attribute '%s' must name a tensor of the file"), key);
      return NULL;
    }
  t = cc_model_find_tensor (g->model, name);
  if (t == NULL)
    g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                 _ ("%s tensor '%s' is not in the file"), key, name);
  return t;
}

static gboolean
level_in_range (int level, GError **error)
{
  if (level > CC_MAX_LEVEL || level < -CC_MAX_LEVEL)
    return graph_error (error, _ ("the graph scales its input by more than 2^16"));
  return TRUE;
}

/* Convolutions keep sides ("same" padding, odd kernel) or halve them
 * exactly (stride 2): with input sides divisible by `downsamples`, every
 * value then has integral sides and skip connections line up. */
static gboolean
parse_conv (Graph *g, JsonObject *obj, CcNode *n, const Shape *in, Shape *out, GError **error)
{
  gint64 kernel, stride, padding;
  const char *act = node_get_string (json_object_get_member (obj, "act"));

  if (!get_int_attr (obj, "kernel", TRUE, 0, 1, CC_MAX_KERNEL, &kernel, error)
      || !get_int_attr (obj, "stride", TRUE, 1, 1, 2, &stride, error)
      || !get_int_attr (obj, "padding", TRUE, 0, 0, CC_MAX_KERNEL, &padding, error))
    return FALSE;
  n->kernel = (int)kernel;
  n->stride = (int)stride;
  n->padding = (int)padding;
  if (padding != (kernel - 1) / 2 || (stride == 1 && kernel % 2 == 0))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("kernel %d, stride %d, padding %d neither keeps nor exactly halves the "
                      "image size (use padding (kernel - 1) / 2, and an odd kernel at stride 1)"),
                   n->kernel, n->stride, n->padding);
      return FALSE;
    }
  if (json_object_has_member (obj, "act") && !act_from_name (act, &n->act))
    return graph_error (error, _ ("attribute 'act' must be one of none, relu, leaky_relu, "
                                  "silu, sigmoid, tanh"));
  if (!get_alpha (obj, &n->alpha, error))
    return FALSE;

  n->weight = get_tensor_attr (g, obj, "weight", TRUE, error);
  if (n->weight == NULL)
    return FALSE;
  if (n->weight->n_dims != 4 || n->weight->shape[1] != in->channels || n->weight->shape[2] != kernel
      || n->weight->shape[3] != kernel || n->weight->shape[0] > CC_MAX_CHANNELS)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("weight '%s' must have shape [out, %d, %d, %d] (out <= %d): its input "
                      "has %d channels and the kernel is %d"),
                   n->weight->name, in->channels, n->kernel, n->kernel, CC_MAX_CHANNELS,
                   in->channels, n->kernel);
      return FALSE;
    }
  n->in_channels = in->channels;
  n->out_channels = (int)n->weight->shape[0];

  n->bias = get_tensor_attr (g, obj, "bias", FALSE, error);
  if (n->bias == NULL && json_object_has_member (obj, "bias"))
    return FALSE;
  if (n->bias != NULL && (n->bias->n_dims != 1 || n->bias->shape[0] != n->out_channels))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("bias '%s' must have shape [%d], the weight's output channels"),
                   n->bias->name, n->out_channels);
      return FALSE;
    }
  if (in->global && stride != 1)
    return graph_error (error, _ ("a stride-2 convolution cannot follow a global average "
                                  "pool (the value is 1x1)"));
  *out = *in;
  out->channels = n->out_channels;
  out->level = in->level + (stride == 2 ? 1 : 0);
  return level_in_range (out->level, error);
}

static gboolean
same_spatial (const Shape *a, const Shape *b)
{
  return a->global == b->global && (a->global || a->level == b->level);
}

static gboolean
infer_binary (CcNode *n, const Shape *a, const Shape *b, Shape *out, GError **error)
{
  if (a->channels != b->channels)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("its inputs have %d and %d channels; %s needs equal channel counts"),
                   a->channels, b->channels, op_names[n->op]);
      return FALSE;
    }
  if (same_spatial (a, b))
    {
      *out = *a;
      return TRUE;
    }
  /* mul broadcasts a [C,1,1] second operand (channel attention). */
  if (n->op == CC_OP_MUL && b->global)
    {
      *out = *a;
      return TRUE;
    }
  if (n->op == CC_OP_MUL && a->global)
    return graph_error (error, _ ("the broadcast [C,1,1] operand of mul must be its second "
                                  "input"));
  return graph_error (error, _ ("its inputs have different image sizes (they come from "
                                "different scales of the network)"));
}

static gboolean
infer_concat (CcNode *n, const Shape *shapes, Shape *out, GError **error)
{
  *out = shapes[n->inputs[0]];
  for (int i = 1; i < n->n_inputs; i++)
    {
      const Shape *s = &shapes[n->inputs[i]];

      if (!same_spatial (out, s))
        return graph_error (error, _ ("its inputs have different image sizes (they come "
                                      "from different scales of the network)"));
      out->channels += s->channels;
    }
  if (out->channels > CC_MAX_CHANNELS)
    return graph_error (error, _ ("the concatenation has an absurd number of channels"));
  return TRUE;
}

static gboolean
infer_resize (CcNode *n, const Shape *in, Shape *out, GError **error)
{
  if (in->global)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("%s cannot follow a global average pool (the value is 1x1)"),
                   op_names[n->op]);
      return FALSE;
    }
  *out = *in;
  out->level += n->op == CC_OP_AVGPOOL2 ? 1 : -1;
  return level_in_range (out->level, error);
}

static int
op_arity (CcOpType op, int *max)
{
  switch (op)
    {
    case CC_OP_ADD:
    case CC_OP_MUL:
      *max = 2;
      return 2;
    case CC_OP_CONCAT:
      *max = CC_MAX_INPUTS;
      return 2;
    default:
      *max = 1;
      return 1;
    }
}

static gboolean
parse_inputs (Graph *g, JsonObject *obj, CcNode *n, int self, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "inputs");
  JsonArray *arr;
  int max, min = op_arity (n->op, &max);
  guint len;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return graph_error (error, _ ("\"inputs\" is missing or not an array"));
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if (len < (guint)min || len > (guint)max)
    {
      if (min == max)
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                     _ ("%s takes exactly %d input(s), not %u"), op_names[n->op], min, len);
      else
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                     _ ("%s takes %d to %d inputs, not %u"), op_names[n->op], min, max, len);
      return FALSE;
    }
  n->n_inputs = (int)len;
  for (int i = 0; i < n->n_inputs; i++)
    if (!resolve_value (g, json_array_get_element (arr, i), self, &n->inputs[i], error))
      return FALSE;
  return TRUE;
}

/* Fills node `index` (producing value index + 1) and infers its shape. */
static gboolean
parse_node (Graph *g, JsonObject *obj, int index, GError **error)
{
  CcNode *n = &g->model->nodes[index];
  const Shape *shapes = g->shapes;
  Shape *out = &g->shapes[index + 1];
  const char *op = node_get_string (json_object_get_member (obj, "op"));

  if (!op_from_name (op, &n->op))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("unknown op '%s' (this CoColor knows conv2d, relu, leaky_relu, silu, "
                      "sigmoid, tanh, add, mul, concat, upsample_nearest, upsample_bilinear, "
                      "avgpool2 and global_avgpool; a newer CoColor may be needed)"),
                   op ? op : "(not a string)");
      return FALSE;
    }
  if (!check_keys (obj, n->op, error) || !parse_inputs (g, obj, n, index + 1, error))
    return FALSE;

  switch (n->op)
    {
    case CC_OP_CONV2D:
      return parse_conv (g, obj, n, &shapes[n->inputs[0]], out, error);
    case CC_OP_LEAKY_RELU:
      *out = shapes[n->inputs[0]];
      return get_alpha (obj, &n->alpha, error);
    case CC_OP_ADD:
    case CC_OP_MUL:
      return infer_binary (n, &shapes[n->inputs[0]], &shapes[n->inputs[1]], out, error);
    case CC_OP_CONCAT:
      return infer_concat (n, shapes, out, error);
    case CC_OP_UPSAMPLE_NEAREST:
    case CC_OP_UPSAMPLE_BILINEAR:
    case CC_OP_AVGPOOL2:
      return infer_resize (n, &shapes[n->inputs[0]], out, error);
    case CC_OP_GLOBAL_AVGPOOL:
      *out = shapes[n->inputs[0]];
      out->global = TRUE;
      return TRUE;
    case CC_OP_RELU:
    case CC_OP_SILU:
    case CC_OP_SIGMOID:
    case CC_OP_TANH:
    case CC_OP_N_TYPES:
    default:
      *out = shapes[n->inputs[0]];
      return TRUE;
    }
}

/* Names every node up front (so a forward reference can be told from a
 * typo) and checks they are unique. */
static gboolean
collect_node_names (Graph *g, JsonArray *nodes, const char *input_name, GError **error)
{
  for (int i = 0; i < g->model->n_nodes; i++)
    {
      JsonNode *node = json_array_get_element (nodes, i);
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node)
          || (name = node_get_string (json_object_get_member (json_node_get_object (node), "name")))
                 == NULL
          || *name == '\0')
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                       _ ("graph node %d is not an object with a non-empty \"name\""), i);
          return FALSE;
        }
      if (strcmp (name, input_name) == 0 || g_hash_table_contains (g->node_ids, name))
        {
          g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                       _ ("graph node %d: the name '%s' is used twice"), i, name);
          return FALSE;
        }
      g->model->nodes[i].name = g_strdup (name);
      g_hash_table_insert (g->node_ids, g->model->nodes[i].name, GINT_TO_POINTER (i + 2));
    }
  return TRUE;
}

static gboolean
parse_nodes (Graph *g, JsonArray *nodes, GError **error)
{
  for (int i = 0; i < g->model->n_nodes; i++)
    {
      CcNode *n = &g->model->nodes[i];

      if (!parse_node (g, json_array_get_object_element (nodes, i), i, error))
        {
          g_prefix_error (error, _ ("graph node %d ('%s'): "), i, n->name);
          return FALSE;
        }
      g->max_level = MAX (g->max_level, g->shapes[i + 1].level);
      g_hash_table_insert (g->value_ids, n->name, GINT_TO_POINTER (i + 2));
    }
  return TRUE;
}

/* The output: a value of full input size with the contract's channels. */
static gboolean
check_output (Graph *g, JsonNode *ref, GError **error)
{
  CcModel *model = g->model;
  const Shape *s;

  if (ref == NULL)
    return graph_error (error, _ ("graph: \"output\" is missing"));
  if (!resolve_value (g, ref, model->n_nodes + 1, &model->output, error))
    {
      g_prefix_error (error, _ ("graph output: "));
      return FALSE;
    }
  s = &g->shapes[model->output];
  if (model->output == 0)
    return graph_error (error, _ ("graph output: it must be produced by a node, not be "
                                  "the input itself"));
  if (s->global || s->level != 0)
    return graph_error (error, _ ("graph output: it does not have the input's image size"));
  if (s->channels != model->info.output_channels)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("graph output: it has %d channels but the contract promises %d"), s->channels,
                   model->info.output_channels);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_graph_object (Graph *g, JsonObject *obj, GError **error)
{
  CcModel *model = g->model;
  const char *input = node_get_string (json_object_get_member (obj, "input"));
  JsonNode *nodes_node = json_object_get_member (obj, "nodes");
  JsonArray *nodes;

  if (input == NULL || *input == '\0')
    return graph_error (error, _ ("graph: \"input\" must be the input value's name"));
  if (nodes_node == NULL || !JSON_NODE_HOLDS_ARRAY (nodes_node))
    return graph_error (error, _ ("graph: \"nodes\" is missing or not an array"));
  nodes = json_node_get_array (nodes_node);
  if (json_array_get_length (nodes) == 0 || json_array_get_length (nodes) > CC_MAX_NODES)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("graph: it has %u nodes; between 1 and %d are supported"),
                   json_array_get_length (nodes), CC_MAX_NODES);
      return FALSE;
    }
  model->n_nodes = (int)json_array_get_length (nodes);
  model->nodes = g_new0 (CcNode, model->n_nodes);
  g->shapes = g_new0 (Shape, model->n_nodes + 1);
  g->shapes[0].channels = model->info.input_channels;
  g_hash_table_insert (g->value_ids, (gpointer)input, GINT_TO_POINTER (1));

  if (!collect_node_names (g, nodes, input, error) || !parse_nodes (g, nodes, error)
      || !check_output (g, json_object_get_member (obj, "output"), error))
    return FALSE;
  model->downsamples = 1 << g->max_level;
  return TRUE;
}

static gboolean
parse_graph (Loader *ld, CcModel *model, GError **error)
{
  const char *text = metadata_string (ld, "cocolor.graph");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  Graph g = { .model = model };
  gboolean ok;

  if (text == NULL)
    return graph_error (error, _ ("the metadata entry \"cocolor.graph\" is missing; this is "
                                  "not a CoColor model (export it with "
                                  "models/train/export.py)"));
  root = parse_json (text, -1, &local);
  if (root == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("\"cocolor.graph\" is not valid JSON: %s"), local->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return graph_error (error, _ ("\"cocolor.graph\" is not a JSON object"));

  g.value_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g.node_ids = g_hash_table_new (g_str_hash, g_str_equal);
  ok = parse_graph_object (&g, json_node_get_object (root), error);
  g_hash_table_unref (g.value_ids);
  g_hash_table_unref (g.node_ids);
  g_free (g.shapes);
  return ok;
}

static gboolean
check_format_version (Loader *ld, GError **error)
{
  const char *v = metadata_string (ld, "cocolor.format");

  if (v == NULL)
    return contract_error (error, _ ("the metadata entry \"cocolor.format\" is missing; this "
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

/* ------------------------------------------------------------------ */
/* Public API.                                                         */

static gboolean
load_contents (Loader *ld, CcModel *model, GError **error)
{
  guint64 header_len;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;

  if (!read_header_length (ld, &header_len, error))
    return FALSE;
  root = parse_json ((const char *)ld->bytes + 8, (gssize)header_len, &local);
  if (root == NULL)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_HEADER,
                   _ ("the header is not valid JSON (%s); the file is corrupt or not a "
                      "safetensors model"),
                   local->message);
      return FALSE;
    }
  ld->data = ld->bytes + 8 + header_len;
  ld->data_len = ld->length - 8 - header_len;
  /* Everything the header claims is checked before a weight is copied. */
  return parse_header (ld, model, root, error) && check_format_version (ld, error)
         && parse_contract (ld, &model->info, error) && parse_graph (ld, model, error)
         && check_tensors_used (model, error) && load_all_tensor_data (ld, model, error);
}

CcModel *
cc_model_load_from_data (const guint8 *data, gsize length, const char *name, GError **error)
{
  g_autoptr (CcModel) model = g_new0 (CcModel, 1);
  Loader ld = { .bytes = data, .length = data ? length : 0 };
  gboolean ok;

  model->path = g_strdup (name);
  ok = load_contents (&ld, model, error);
  g_free (ld.extents);
  if (!ok)
    {
      g_autofree char *display = g_filename_display_name (name);
      g_prefix_error (error, "%s: ", display);
      return NULL;
    }
  return g_steal_pointer (&model);
}

static gboolean
io_error (GError **error, const char *display, const char *what)
{
  g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO, "%s: %s", display, what);
  return FALSE;
}

/* Reads a whole model file into memory with plain reads.  A mapping would
 * let a later rewrite of the file (a retrained model saved over it, a
 * package update) fault GIMP's process with SIGBUS; bytes we own cannot
 * change under us, and the loader validates exactly what was read. */
static gboolean
read_model_file (const char *path, guint8 **bytes, gsize *length, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *what = NULL;
  struct stat st;
  int fd, saved;

  /* O_NONBLOCK: opening a FIFO must not hang the host. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      saved = errno;
      what = g_strdup_printf (_ ("cannot open the model: %s; choose an existing .safetensors "
                                 "file"),
                              g_strerror (saved));
      return io_error (error, display, what);
    }
  if (fstat (fd, &st) != 0)
    {
      saved = errno;
      close (fd);
      what = g_strdup_printf (_ ("cannot read the model: %s"), g_strerror (saved));
      return io_error (error, display, what);
    }
  if (S_ISDIR (st.st_mode))
    {
      close (fd);
      return io_error (error, display,
                       _ ("this is a folder, not a model file; choose a .safetensors file "
                          "inside it"));
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      return io_error (error, display,
                       _ ("this is not a regular file (a device, pipe or socket); choose a "
                          ".safetensors model file"));
    }
  if (st.st_size > CC_FILE_MAX)
    {
      close (fd);
      what = g_strdup_printf (_ ("the file is %lld MiB; CoColor models are at most %lld MiB, so "
                                 "this is not one"),
                              (long long)(st.st_size >> 20), (long long)(CC_FILE_MAX >> 20));
      return io_error (error, display, what);
    }

  /* One byte more than fstat () said: a file that grows while we read is
   * caught, as is one that shrinks (a short count). */
  gsize want = (gsize)st.st_size + 1, got = 0;
  g_autofree guint8 *buf = g_try_malloc (want);
  if (buf == NULL)
    {
      close (fd);
      return io_error (error, display, _ ("out of memory while reading the model"));
    }
  while (got < want)
    {
      ssize_t n = read (fd, buf + got, want - got);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          what = g_strdup_printf (_ ("cannot read the model: %s"), g_strerror (saved));
          return io_error (error, display, what);
        }
      if (n == 0)
        break;
      got += (gsize)n;
    }
  close (fd);
  if (got != (gsize)st.st_size)
    return io_error (error, display,
                     _ ("the file changed while it was being read (is it being written or "
                        "copied right now?); try again once it is complete"));
  *bytes = g_steal_pointer (&buf);
  *length = got;
  return TRUE;
}

CcModel *
cc_model_load (const char *path, GError **error)
{
  g_autofree guint8 *bytes = NULL;
  gsize length = 0;

  if (!read_model_file (path, &bytes, &length, error))
    return NULL;
  return cc_model_load_from_data (bytes, length, path, error);
}

void
cc_model_free (CcModel *model)
{
  if (model == NULL)
    return;
  for (int i = 0; i < model->n_tensors; i++)
    {
      g_free ((gpointer)model->tensors[i].data);
      g_free (model->tensors[i].name);
    }
  g_free (model->tensors);
  for (int i = 0; i < model->n_nodes; i++)
    g_free (model->nodes[i].name);
  g_free (model->nodes);
  g_free (model->info.input_space);
  g_free (model->info.output_space);
  g_free (model->info.version);
  g_free (model->info.provenance_json);
  g_free (model->path);
  g_free (model);
}

const CcTensor *
cc_model_find_tensor (const CcModel *model, const char *name)
{
  g_return_val_if_fail (model != NULL && name != NULL, NULL);

  for (int i = 0; i < model->n_tensors; i++)
    if (strcmp (model->tensors[i].name, name) == 0)
      return &model->tensors[i];
  return NULL;
}
