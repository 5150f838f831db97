/* Model loader test driver.
 *
 *   test-model-loader dump MODEL   load MODEL, print what was loaded (or the
 *                                  error: domain, code, message) as JSON
 *   test-model-loader self-test    C-level checks needing no model file (TAP)
 *   test-model-loader load-loop MODEL N
 *                                  load MODEL N times (while a test rewrites
 *                                  it), print "loaded A failed B"
 *
 * tests/core/test-model-loader.py generates valid and malformed models and
 * compares the dumps with what it wrote. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc-model.h"

static const char *const act_names[] = { "none", "relu", "leaky_relu", "silu", "sigmoid", "tanh" };
static const char *const error_names[]
    = { "IO", "TRUNCATED", "HEADER", "DTYPE", "OFFSETS", "VALUES", "GRAPH", "CONTRACT" };

static void
add_tensor (JsonBuilder *b, const CcTensor *t)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, t->name);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, t->file_dtype == CC_DTYPE_F32 ? "F32" : "F16");
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  for (int d = 0; d < t->n_dims; d++)
    json_builder_add_int_value (b, t->shape[d]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "n_elements");
  json_builder_add_int_value (b, t->n_elements);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (gint64 i = 0; i < t->n_elements; i++)
    json_builder_add_double_value (b, t->data[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_node (JsonBuilder *b, const CcNode *n)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, n->name);
  json_builder_set_member_name (b, "op");
  json_builder_add_string_value (b, cc_op_type_name (n->op));
  json_builder_set_member_name (b, "inputs");
  json_builder_begin_array (b);
  for (int i = 0; i < n->n_inputs; i++)
    json_builder_add_int_value (b, n->inputs[i]);
  json_builder_end_array (b);
  if (n->op == CC_OP_CONV2D)
    {
      json_builder_set_member_name (b, "weight");
      json_builder_add_string_value (b, n->weight->name);
      json_builder_set_member_name (b, "bias");
      if (n->bias)
        json_builder_add_string_value (b, n->bias->name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "in_channels");
      json_builder_add_int_value (b, n->in_channels);
      json_builder_set_member_name (b, "out_channels");
      json_builder_add_int_value (b, n->out_channels);
      json_builder_set_member_name (b, "kernel");
      json_builder_add_int_value (b, n->kernel);
      json_builder_set_member_name (b, "stride");
      json_builder_add_int_value (b, n->stride);
      json_builder_set_member_name (b, "padding");
      json_builder_add_int_value (b, n->padding);
      json_builder_set_member_name (b, "act");
      json_builder_add_string_value (b, act_names[n->act]);
    }
  if (n->op == CC_OP_LEAKY_RELU || (n->op == CC_OP_CONV2D && n->act == CC_ACT_LEAKY_RELU))
    {
      json_builder_set_member_name (b, "alpha");
      json_builder_add_double_value (b, n->alpha);
    }
  json_builder_end_object (b);
}

static void
add_side (JsonBuilder *b, const char *name, int channels, float min, float max, const char *space)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, channels);
  json_builder_set_member_name (b, "range");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, min);
  json_builder_add_double_value (b, max);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "space");
  json_builder_add_string_value (b, space);
  json_builder_end_object (b);
}

static void
add_info (JsonBuilder *b, const CcModelInfo *info)
{
  json_builder_set_member_name (b, "contract");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, info->task == CC_TASK_NIR ? "nir" : "gray");
  add_side (b, "input", info->input_channels, info->input_min, info->input_max, info->input_space);
  add_side (b, "output", info->output_channels, info->output_min, info->output_max,
            info->output_space);
  json_builder_set_member_name (b, "train_resolution");
  json_builder_add_int_value (b, info->train_resolution);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, info->version);
  json_builder_set_member_name (b, "provenance_json");
  json_builder_add_string_value (b, info->provenance_json);
  if (info->n_hints > 0)
    {
      /* CcHintPlane's order, written out apart from the loader's table. */
      static const char *const planes[]
          = { "y", "cb", "cr", "mask", "near_y", "near_cb", "near_cr", "near_close" };
      G_STATIC_ASSERT (G_N_ELEMENTS (planes) == CC_HINT_N_PLANES);
      json_builder_set_member_name (b, "hints");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "first");
      json_builder_add_int_value (b, info->hint_first);
      json_builder_set_member_name (b, "channels");
      json_builder_begin_array (b);
      for (int i = 0; i < info->n_hints; i++)
        json_builder_add_string_value (b, planes[info->hint_planes[i]]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "min_radius");
      json_builder_add_int_value (b, info->hint_min_radius);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_model (JsonBuilder *b, const CcModel *model)
{
  json_builder_set_member_name (b, "tensors");
  json_builder_begin_array (b);
  for (int i = 0; i < model->n_tensors; i++)
    add_tensor (b, &model->tensors[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (int i = 0; i < model->n_nodes; i++)
    add_node (b, &model->nodes[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "output");
  json_builder_add_int_value (b, model->output);
  json_builder_set_member_name (b, "downsamples");
  json_builder_add_int_value (b, model->downsamples);
  add_info (b, &model->info);
}

static void
add_error (JsonBuilder *b, const GError *error)
{
  gboolean ours = error->domain == CC_MODEL_ERROR;

  json_builder_set_member_name (b, "domain_ok");
  json_builder_add_boolean_value (b, ours);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, ours && error->code >= 0
                                            && error->code < (int)G_N_ELEMENTS (error_names)
                                        ? error_names[error->code]
                                        : "?");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
}

static int
dump (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcModel) model = cc_model_load (path, &error);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if ((model == NULL) == (error == NULL))
    {
      fprintf (stderr, "cc_model_load returned %p with error %p\n", (void *)model, (void *)error);
      return 2;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, model != NULL);
  if (model)
    add_model (b, model);
  else
    add_error (b, error);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  puts (text);
  return 0;
}

/* Loads path n times; every load must give a model or a CC_MODEL_ERROR.  A
 * crash (SIGBUS from a mapping of a file that shrank) ends the process. */
static int
load_loop (const char *path, int n)
{
  int loaded = 0, failed = 0;

  for (int i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CcModel) model = cc_model_load (path, &error);

      if (model)
        loaded++;
      else if (error && error->domain == CC_MODEL_ERROR)
        failed++;
      else
        {
          fprintf (stderr, "load %d: no model and no CC_MODEL_ERROR\n", i);
          return 2;
        }
    }
  printf ("loaded %d failed %d\n", loaded, failed);
  return 0;
}

/* ---- self-test (TAP) ---- */

static int n_test, n_failed;

static void
ok (gboolean cond, const char *what)
{
  n_test++;
  if (!cond)
    n_failed++;
  printf ("%s %d - %s\n", cond ? "ok" : "not ok", n_test, what);
}

static int
self_test (const char *tmpdir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "does-not-exist.safetensors", NULL);
  CcModel *model;

  model = cc_model_load (missing, &error);
  ok (model == NULL && g_error_matches (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO),
      "a missing file is CC_MODEL_ERROR_IO");
  ok (error != NULL && strstr (error->message, "does-not-exist.safetensors") != NULL,
      "the message names the file");
  g_clear_error (&error);

  model = cc_model_load (tmpdir, &error);
  ok (model == NULL && g_error_matches (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO),
      "a directory is CC_MODEL_ERROR_IO");
  ok (error != NULL && strstr (error->message, "folder") != NULL,
      "the message says it is a folder");
  g_clear_error (&error);

  model = cc_model_load ("/dev/zero", &error);
  ok (model == NULL && g_error_matches (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO)
          && strstr (error->message, "not a regular file") != NULL,
      "a device is CC_MODEL_ERROR_IO: not a regular file");
  g_clear_error (&error);

  {
    static const guint8 junk[16] = { 2, 0, 0, 0, 0, 0, 0, 0, '{', '}' };

    model = cc_model_load_from_data (junk, sizeof junk, "memory", &error);
    ok (model == NULL && g_error_matches (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT)
            && g_str_has_prefix (error->message, "memory: "),
        "from memory: the same checks, the name given in the message");
    g_clear_error (&error);
    model = cc_model_load_from_data (NULL, 0, "memory", &error);
    ok (model == NULL && g_error_matches (error, CC_MODEL_ERROR, CC_MODEL_ERROR_TRUNCATED),
        "from memory: no bytes is too short");
    g_clear_error (&error);
  }

  cc_model_free (NULL);
  ok (TRUE, "cc_model_free (NULL) is a no-op");

  ok (strcmp (cc_op_type_name (CC_OP_CONV2D), "conv2d") == 0
          && strcmp (cc_op_type_name (CC_OP_GLOBAL_AVGPOOL), "global_avgpool") == 0
          && strcmp (cc_op_type_name (CC_OP_N_TYPES), "invalid") == 0,
      "cc_op_type_name");
  {
    gboolean all = TRUE;

    for (int i = 0; i < CC_OP_N_TYPES; i++)
      all &= cc_op_type_name ((CcOpType)i) != NULL
             && strcmp (cc_op_type_name ((CcOpType)i), "invalid") != 0;
    ok (all, "every op has a name");
  }
  ok (cc_model_error_quark () == g_quark_from_string ("cc-model-error-quark"), "error quark name");
  printf ("1..%d\n", n_test);
  return n_failed ? 1 : 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "dump") == 0)
    return dump (argv[2]);
  if (argc >= 2 && strcmp (argv[1], "self-test") == 0)
    return self_test (argc == 3 ? argv[2] : g_get_tmp_dir ());
  if (argc == 4 && strcmp (argv[1], "load-loop") == 0)
    return load_loop (argv[2], atoi (argv[3]));
  fprintf (stderr, "usage: %s dump MODEL | self-test [TMPDIR] | load-loop MODEL N\n", argv[0]);
  return 2;
}
