/* CoColor inference core: what the model loader's files share (not an API).
 *
 * cc-model.c: reading the file, the public API, JSON helpers;
 * cc-safetensors.c: the safetensors container (header, tensors, weights);
 * cc-contract.c: the model's contract and format version;
 * cc-graph.c: the graph (nodes, attributes, what each value is). */
#pragma once

#include <json-glib/json-glib.h>

#include "cc-model.h"

G_BEGIN_DECLS

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

/* JSON helpers (cc-model.c): strict types, no silent conversions. */
gboolean cc_json_is_type (JsonNode *node, GType type);
gboolean cc_json_get_int (JsonNode *node, gint64 *out);
/* A finite number, integer or not. */
gboolean cc_json_get_number (JsonNode *node, double *out);
const char *cc_json_get_string (JsonNode *node);
/* Parses JSON text of known length into its root node (owned). */
JsonNode *cc_json_parse (const char *text, gssize length, GError **error);

/* cc-safetensors.c */
gboolean cc_safetensors_header_length (Loader *ld, guint64 *header_len, GError **error);
/* The header: "__metadata__" plus one entry per tensor, all checked. */
gboolean cc_safetensors_parse_header (Loader *ld, CcModel *model, JsonNode *root, GError **error);
/* Every tensor's data, as fp32 (the header checked first). */
gboolean cc_safetensors_load_data (Loader *ld, CcModel *model, GError **error);
/* A string of __metadata__, or NULL. */
const char *cc_loader_metadata (Loader *ld, const char *key);

/* cc-contract.c */
gboolean cc_contract_error (GError **error, const char *what);
gboolean cc_contract_check_format (Loader *ld, GError **error);
gboolean cc_contract_parse (Loader *ld, CcModelInfo *info, GError **error);

/* cc-graph.c */
gboolean cc_graph_parse (Loader *ld, CcModel *model, GError **error);
/* Every tensor is a weight or bias of some node. */
gboolean cc_graph_check_tensors_used (const CcModel *model, GError **error);

G_END_DECLS
