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

#include "cc-model-private.h"

/* clang-format off */
G_DEFINE_QUARK (cc-model-error-quark, cc_model_error)
/* clang-format on */

/* ------------------------------------------------------------------ */
/* Small JSON helpers: strict types, no silent conversions.            */

gboolean
cc_json_is_type (JsonNode *node, GType type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
cc_json_get_int (JsonNode *node, gint64 *out)
{
  if (!cc_json_is_type (node, G_TYPE_INT64))
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* A finite number, integer or not. */
gboolean
cc_json_get_number (JsonNode *node, double *out)
{
  if (cc_json_is_type (node, G_TYPE_INT64))
    *out = (double)json_node_get_int (node);
  else if (cc_json_is_type (node, G_TYPE_DOUBLE))
    *out = json_node_get_double (node);
  else
    return FALSE;
  return isfinite (*out);
}

const char *
cc_json_get_string (JsonNode *node)
{
  return cc_json_is_type (node, G_TYPE_STRING) ? json_node_get_string (node) : NULL;
}

/* Parses JSON text of known length into its root node (owned). */
JsonNode *
cc_json_parse (const char *text, gssize length, GError **error)
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
/* Public API.                                                         */

static gboolean
load_contents (Loader *ld, CcModel *model, GError **error)
{
  guint64 header_len;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;

  if (!cc_safetensors_header_length (ld, &header_len, error))
    return FALSE;
  root = cc_json_parse ((const char *)ld->bytes + 8, (gssize)header_len, &local);
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
  return cc_safetensors_parse_header (ld, model, root, error)
         && cc_contract_check_format (ld, error) && cc_contract_parse (ld, &model->info, error)
         && cc_graph_parse (ld, model, error) && cc_graph_check_tensors_used (model, error)
         && cc_safetensors_load_data (ld, model, error);
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
