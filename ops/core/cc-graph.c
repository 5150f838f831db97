/* CoColor inference core: a model's graph ("cocolor.graph"): nodes, their
 * attributes and inputs, and what each value is (channels, scale), checked
 * before anything runs. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc-model-private.h"
#include "cc-shape.h"

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
/* Graph.                                                              */

/* Shapes are inferred at this symbolic input size: every value's side is
 * then a power of two that says its scale (1: halved CC_MAX_LEVEL times). */
#define SYMBOLIC_SIDE (1 << CC_MAX_LEVEL)

typedef struct
{
  CcModel *model;
  GHashTable *value_ids; /* name -> id + 1, values defined so far */
  GHashTable *node_ids;  /* name -> id + 1, every node (for "used too early") */
  CcShape *shapes;       /* per value id, at SYMBOLIC_SIDE */
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
  const char *name = cc_json_get_string (ref);
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
  if (!cc_json_get_int (ref, &id))
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
  if (!cc_json_get_int (node, out) || *out < lo || *out > hi)
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

  if (node != NULL && !cc_json_get_number (node, &a))
    return graph_error (error, _ ("attribute 'alpha' must be a finite number"));
  *alpha = (float)a;
  return TRUE;
}

static const CcTensor *
get_tensor_attr (Graph *g, JsonObject *obj, const char *key, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  const char *name = cc_json_get_string (node);
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

/* Convolutions keep sides ("same" padding, odd kernel) or halve them
 * exactly (stride 2): with input sides divisible by `downsamples`, every
 * value then has integral sides and skip connections line up. */
static gboolean
parse_conv (Graph *g, JsonObject *obj, CcNode *n, const CcShape *in, GError **error)
{
  gint64 kernel, stride, padding;
  const char *act = cc_json_get_string (json_object_get_member (obj, "act"));

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
  if (n->weight->n_dims != 4 || n->weight->shape[1] != in->c || n->weight->shape[2] != kernel
      || n->weight->shape[3] != kernel || n->weight->shape[0] > CC_MAX_CHANNELS)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("weight '%s' must have shape [out, %d, %d, %d] (out <= %d): its input "
                      "has %d channels and the kernel is %d"),
                   n->weight->name, in->c, n->kernel, n->kernel, CC_MAX_CHANNELS, in->c, n->kernel);
      return FALSE;
    }
  n->in_channels = in->c;
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
  return TRUE;
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

/* What the rule of shapes says of a node at the symbolic size, where the
 * loader also learns whether a scale goes out of range. */
static gboolean
infer_shape (Graph *g, const CcNode *n, CcShape *out, GError **error)
{
  CcShape inputs[CC_MAX_INPUTS];
  CcShapeFault fault;
  g_autofree char *why = NULL;
  gboolean halves = (n->op == CC_OP_CONV2D && n->stride == 2) || n->op == CC_OP_AVGPOOL2;

  for (int i = 0; i < n->n_inputs; i++)
    inputs[i] = g->shapes[n->inputs[i]];
  /* A side of 1 at the symbolic size: halved CC_MAX_LEVEL times already. */
  if (halves && !inputs[0].point && (inputs[0].h == 1 || inputs[0].w == 1))
    return graph_error (error, _ ("the graph scales its input by more than 2^16"));
  fault = cc_shape_infer (n, inputs, out);
  if (fault == CC_SHAPE_OK)
    return TRUE;
  why = cc_shape_fault_message (fault, n, inputs);
  return graph_error (error, why);
}

/* Fills node `index` (producing value index + 1) and infers its shape. */
static gboolean
parse_node (Graph *g, JsonObject *obj, int index, GError **error)
{
  CcNode *n = &g->model->nodes[index];
  const char *op = cc_json_get_string (json_object_get_member (obj, "op"));

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
  if (n->op == CC_OP_CONV2D && !parse_conv (g, obj, n, &g->shapes[n->inputs[0]], error))
    return FALSE;
  if (n->op == CC_OP_LEAKY_RELU && !get_alpha (obj, &n->alpha, error))
    return FALSE;
  return infer_shape (g, n, &g->shapes[index + 1], error);
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
          || (name
              = cc_json_get_string (json_object_get_member (json_node_get_object (node), "name")))
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
      g_hash_table_insert (g->value_ids, n->name, GINT_TO_POINTER (i + 2));
    }
  return TRUE;
}

/* The output: a value of full input size with the contract's channels. */
static gboolean
check_output (Graph *g, JsonNode *ref, GError **error)
{
  CcModel *model = g->model;
  const CcShape *s;

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
  if (s->point || s->h != SYMBOLIC_SIDE || s->w != SYMBOLIC_SIDE)
    return graph_error (error, _ ("graph output: it does not have the input's image size"));
  if (s->c != model->info.output_channels)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_GRAPH,
                   _ ("graph output: it has %d channels but the contract promises %d"), s->c,
                   model->info.output_channels);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_graph_object (Graph *g, JsonObject *obj, GError **error)
{
  CcModel *model = g->model;
  const char *input = cc_json_get_string (json_object_get_member (obj, "input"));
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
  g->shapes = g_new0 (CcShape, model->n_nodes + 1);
  g->shapes[0] = (CcShape){ model->info.input_channels, SYMBOLIC_SIDE, SYMBOLIC_SIDE, FALSE };
  g_hash_table_insert (g->value_ids, (gpointer)input, GINT_TO_POINTER (1));

  if (!collect_node_names (g, nodes, input, error) || !parse_nodes (g, nodes, error)
      || !check_output (g, json_object_get_member (obj, "output"), error))
    return FALSE;
  /* The smallest side any value has: the input's sides must divide by it. */
  model->downsamples = 1;
  for (int v = 1; v <= model->n_nodes; v++)
    if (!g->shapes[v].point)
      model->downsamples
          = MAX (model->downsamples,
                 SYMBOLIC_SIDE / MIN (MIN (g->shapes[v].h, g->shapes[v].w), SYMBOLIC_SIDE));
  return TRUE;
}

gboolean
cc_graph_parse (Loader *ld, CcModel *model, GError **error)
{
  const char *text = cc_loader_metadata (ld, "cocolor.graph");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  Graph g = { .model = model };
  gboolean ok;

  if (text == NULL)
    return graph_error (error, _ ("the metadata entry \"cocolor.graph\" is missing; this is "
                                  "not a CoColor model (export it with "
                                  "models/train/export.py)"));
  root = cc_json_parse (text, -1, &local);
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

/* Every tensor is a weight or bias of some node: an unused one would only
 * cost memory and load time, and hides a mistake in the export. */
gboolean
cc_graph_check_tensors_used (const CcModel *model, GError **error)
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
