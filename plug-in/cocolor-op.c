/* dladdr () */
#define _GNU_SOURCE
#include "config.h"

#include "cocolor-op.h"

#include <dlfcn.h>
#include <gegl-plugin.h>
#include <glib/gi18n-lib.h>

#include "cc-model-locate.h"
#include "cc-predictor.h"

G_DEFINE_QUARK (cocolor-error-quark, cocolor_error)

/* The folder GEGL loaded the op module from: the op looks for its shipped
 * models there, so the plug-in must look in the same place. */
static char *
op_module_dir (void)
{
  g_autoptr (GeglNode) node = gegl_node_new ();
  GeglNode *op_node = gegl_node_new_child (node, "operation", COCOLOR_OP_NAME, NULL);
  GeglOperation *operation = gegl_node_get_gegl_operation (op_node);
  Dl_info info;

  if (!operation)
    return NULL;
  /* Any function of the module will do; its process vfunc is one. */
  if (dladdr ((void *)GEGL_OPERATION_GET_CLASS (operation)->process, &info) && info.dli_fname
      && g_path_is_absolute (info.dli_fname))
    return g_path_get_dirname (info.dli_fname);
  return NULL;
}

void
cocolor_op_load (void)
{
  g_autofree char *ours = g_strdup (bindtextdomain (GETTEXT_PACKAGE, NULL));

  if (gegl_has_operation (COCOLOR_OP_NAME))
    {
      g_autoptr (GeglNode) node = gegl_node_new ();
      gegl_node_new_child (node, "operation", COCOLOR_OP_NAME, NULL);
    }
  /* The op's class_init binds the shared text domain to the folder it was
   * built for; the plug-in's own catalogs, bound by libgimp, come first. */
  bindtextdomain (GETTEXT_PACKAGE, ours);
}

static CcTask
task_of (const CocolorSettings *settings)
{
  return g_strcmp0 (settings->mode, "gray") == 0 ? CC_TASK_GRAY : CC_TASK_NIR;
}

static CcDevice
device_of (const CocolorSettings *settings)
{
  if (g_strcmp0 (settings->device, "cpu") == 0)
    return CC_DEVICE_CPU;
  if (g_strcmp0 (settings->device, "opencl") == 0)
    return CC_DEVICE_OPENCL;
  return CC_DEVICE_AUTO;
}

gboolean
cocolor_op_check (const CocolorSettings *settings, char **model_path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  if (!gegl_has_operation (COCOLOR_OP_NAME))
    {
      g_autofree char *user_dir
          = g_build_filename (g_get_user_data_dir (), "gegl-0.4", "plug-ins", NULL);
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_NOT_INSTALLED,
                   _ ("The GEGL operation %s is not installed. Install CoColor (its op goes "
                      "into %s for a user install) and restart GIMP."),
                   COCOLOR_OP_NAME, user_dir);
      return FALSE;
    }

  /* GIMP lets a missing file through (the argument takes any path): said
   * here, with what to do, rather than as the loader's "cannot open". */
  if (settings->model && !g_file_test (settings->model, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_MODEL,
                   _ ("The model file %s does not exist. Choose an existing CoColor model "
                      "(.safetensors), or clear the model file to use the shipped model."),
                   settings->model);
      return FALSE;
    }

  dir = op_module_dir ();
  path = settings->model ? g_strdup (settings->model)
                         : cc_model_locate_beside (task_of (settings), dir);

  /* The same loader and contract checks the op runs, so what passes here
   * is what the op will accept. */
  CcPredictor *predictor
      = cc_predictor_get (path, task_of (settings), device_of (settings), &local);
  if (!predictor)
    {
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_MODEL,
                   _ ("CoColor cannot use its model: %s"), local->message);
      return FALSE;
    }
  cc_predictor_unref (predictor);
  /* The op keeps its own copy of the weights; this one is not needed. */
  cc_predictor_clear_cache ();

  if (model_path)
    *model_path = g_steal_pointer (&path);
  return TRUE;
}

const char *
cocolor_op_device_note (const CocolorSettings *settings)
{
#if !COCOLOR_HAVE_OPENCL
  if (device_of (settings) == CC_DEVICE_OPENCL)
    return _ ("This CoColor was built without OpenCL; it runs on the CPU instead.");
#endif
  (void)settings;
  return NULL;
}

void
cocolor_op_configure (GeglNode *node, const CocolorSettings *settings)
{
  /* Enum properties take their values by nick through GEGL's string
   * conversion, as the gegl CLI and GIMP's filter configs do. */
  gegl_node_set (node, "strength", settings->strength, "working-size", settings->working_size,
                 "model", settings->model ? settings->model : "", NULL);
  gegl_node_set_enum_as_string (node, "mode", settings->mode);
  gegl_node_set_enum_as_string (node, "device", settings->device);
}
