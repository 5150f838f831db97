/* Fuzz target: the input is the text of a model's "cocolor.graph" entry.
 *
 * The first byte picks one of a few fixed tensor sets, each with a valid
 * contract, and whether the tensors are stored as F32 or F16; the rest is
 * the graph's JSON text.  The target wraps them into a valid safetensors
 * file in memory, loads it, and runs what loads as fuzz-model-file does.
 * The loader refuses tensors no node uses, so a graph must use all of its
 * set's tensors to get past the loader; set 3 has none, for graphs of
 * pooling, resizing, elementwise ops and concatenations alone.
 *
 *   byte 0: set = byte % 4, F16 when (byte / 4) is odd ('0'..'3': F32,
 *           '4'..'7': F16 with sets 0..3)
 *   rest:   the graph's JSON text (UTF-8) */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"

typedef struct
{
  const char *name;
  int n_dims;
  gint64 shape[4];
} TensorSpec;

typedef struct
{
  const char *contract;
  TensorSpec tensors[10];
} TensorSet;

#define CONTRACT(task, in_c, in_space, out_c, out_space)                                           \
  "{\"task\": \"" task "\", \"version\": \"fuzz\", \"input\": {\"channels\": " #in_c               \
  ", \"range\": [0.0, 1.0], \"space\": \"" in_space "\"}, \"output\": {\"channels\": " #out_c      \
  ", \"range\": [-1.0, 1.0], \"space\": \"" out_space "\"}, \"train_resolution\": 64, "            \
  "\"provenance\": {}}"

static const TensorSet sets[] = {
  /* 0: models/FORMAT.md's example */
  { CONTRACT ("nir", 1, "nir", 3, "srgb"),
    { { "enc.0.weight", 4, { 8, 1, 3, 3 } },
      { "enc.0.bias", 1, { 8 } },
      { "down.weight", 4, { 8, 8, 3, 3 } },
      { "head.weight", 4, { 3, 16, 1, 1 } },
      { "head.bias", 1, { 3 } } } },
  /* 1: 16 channels, where the AVX-512 direct and Winograd kernels run */
  { CONTRACT ("gray", 1, "srgb-luma", 2, "lab-ab"),
    { { "stem.weight", 4, { 16, 1, 3, 3 } },
      { "stem.bias", 1, { 16 } },
      { "body.weight", 4, { 16, 16, 3, 3 } },
      { "body.bias", 1, { 16 } },
      { "down.weight", 4, { 16, 16, 3, 3 } },
      { "se.weight", 4, { 16, 16, 1, 1 } },
      { "se.bias", 1, { 16 } },
      { "head.weight", 4, { 2, 16, 1, 1 } },
      { "head.bias", 1, { 2 } } } },
  /* 2: three input channels, kernels 5, 4 (stride 2) and 1 */
  { CONTRACT ("gray", 3, "srgb", 3, "linear-rgb"),
    { { "k5.weight", 4, { 4, 3, 5, 5 } },
      { "k5.bias", 1, { 4 } },
      { "k4.weight", 4, { 4, 4, 4, 4 } },
      { "k1.weight", 4, { 4, 4, 1, 1 } },
      { "out.weight", 4, { 3, 8, 3, 3 } },
      { "out.bias", 1, { 3 } } } },
  /* 3: no tensors at all */
  { CONTRACT ("nir", 1, "nir-linear", 3, "srgb"), { { NULL, 0, { 0 } } } },
};

static guint16
half_of (float f)
{
  guint32 bits, sign, exp, mant;

  memcpy (&bits, &f, sizeof bits);
  sign = (bits >> 16) & 0x8000;
  exp = (bits >> 23) & 0xff;
  mant = bits & 0x7fffff;
  /* The weights below are small normal numbers or zero. */
  if (exp < 127 - 14)
    return (guint16)sign;
  return (guint16)(sign | ((exp - 127 + 15) << 10) | (mant >> 13));
}

/* JSON string contents for text (valid UTF-8). */
static void
append_escaped (GString *out, const char *text, gsize length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar)text[i];

      if (c == '"' || c == '\\')
        g_string_append_c (out, '\\');
      if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char)c);
    }
}

/* A safetensors file: the set's tensors (fixed small weights) and the
 * metadata entries, graph among them. */
static GBytes *
make_file (const TensorSet *set, gboolean f16, const char *graph, gsize graph_len)
{
  GString *header = g_string_new ("{\"__metadata__\": {\"cocolor.format\": \"1\", ");
  GByteArray *data = g_byte_array_new ();
  GByteArray *file = g_byte_array_new ();
  guint64 header_len;

  g_string_append (header, "\"cocolor.contract\": \"");
  append_escaped (header, set->contract, strlen (set->contract));
  g_string_append (header, "\", \"cocolor.graph\": \"");
  append_escaped (header, graph, graph_len);
  g_string_append (header, "\"}");
  for (int t = 0; t < (int)G_N_ELEMENTS (set->tensors) && set->tensors[t].name; t++)
    {
      const TensorSpec *spec = &set->tensors[t];
      gint64 n = 1;
      guint begin = data->len;

      g_string_append_printf (header, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [", spec->name,
                              f16 ? "F16" : "F32");
      for (int d = 0; d < spec->n_dims; d++)
        {
          g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? ", " : "", spec->shape[d]);
          n *= spec->shape[d];
        }
      for (gint64 i = 0; i < n; i++)
        {
          float v = (float)((i * 7 + t * 13) % 19 - 9) / 40.0f;
          guint16 h = half_of (v);

          if (f16)
            g_byte_array_append (data, (const guint8 *)&h, sizeof h);
          else
            g_byte_array_append (data, (const guint8 *)&v, sizeof v);
        }
      g_string_append_printf (header, "], \"data_offsets\": [%u, %u]}", begin, data->len);
    }
  g_string_append_c (header, '}');
  while ((8 + header->len) % 8 != 0)
    g_string_append_c (header, ' ');

  header_len = GUINT64_TO_LE (header->len);
  g_byte_array_append (file, (const guint8 *)&header_len, sizeof header_len);
  g_byte_array_append (file, (const guint8 *)header->str, header->len);
  g_byte_array_append (file, data->data, data->len);
  g_string_free (header, TRUE);
  g_byte_array_unref (data);
  return g_byte_array_free_to_bytes (file);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) file = NULL;
  const char *graph;
  gsize graph_len, length;
  const guint8 *bytes;

  /* Not a graph text: keep such inputs out of the corpus. */
  if (size < 1)
    return -1;
  graph = (const char *)data + 1;
  graph_len = size - 1;
  if (!g_utf8_validate_len (graph, graph_len, NULL))
    return -1;
  file = make_file (&sets[data[0] % G_N_ELEMENTS (sets)], data[0] / G_N_ELEMENTS (sets) % 2, graph,
                    graph_len);
  bytes = g_bytes_get_data (file, &length);
  fuzz_load_and_run (bytes, length, "fuzz-graph", data, size);
  return 0;
}
