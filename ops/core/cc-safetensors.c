/* CoColor inference core: the safetensors container of a model file --
 * header, tensor entries, extents, weights as fp32 (models/FORMAT.md). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc-model-private.h"

/* ------------------------------------------------------------------ */
/* Header and tensors.                                                 */

gboolean
cc_safetensors_header_length (Loader *ld, guint64 *header_len, GError **error)
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

      if (!cc_json_get_int (json_array_get_element (dims, i), &d) || d < 1 || d > CC_MAX_DIM)
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
      || !cc_json_get_int (json_array_get_element (pair, 0), &b)
      || !cc_json_get_int (json_array_get_element (pair, 1), &e))
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
  if (!parse_dtype (name, cc_json_get_string (json_object_get_member (obj, "dtype")),
                    &t->file_dtype, error)
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
    if (cc_json_get_string (value) == NULL)
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
gboolean
cc_safetensors_parse_header (Loader *ld, CcModel *model, JsonNode *root, GError **error)
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

gboolean
cc_safetensors_load_data (Loader *ld, CcModel *model, GError **error)
{
  for (int i = 0; i < model->n_tensors; i++)
    if (!load_tensor_data (ld, &model->tensors[i], &ld->extents[i], error))
      return FALSE;
  return TRUE;
}

const char *
cc_loader_metadata (Loader *ld, const char *key)
{
  if (ld->metadata == NULL || !json_object_has_member (ld->metadata, key))
    return NULL;
  return cc_json_get_string (json_object_get_member (ld->metadata, key));
}
