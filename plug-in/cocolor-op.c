/* The plug-in's side of cocolor:colorize: whether GEGL has the op, whether
 * the op can use the model, its properties from the settings.  Everything
 * goes through GEGL and the op's contract (cocolor-op-contract.h): the
 * plug-in compiles none of the op's code and finds no model itself. */
#include "config.h"

#include "cocolor-op.h"

#include <glib/gi18n-lib.h>

#include "cocolor-render.h"

G_DEFINE_QUARK (cocolor-error-quark, cocolor_error)

/* The picture the model check colorizes: small enough to cost nothing,
 * large enough for any network's padding. */
#define CHECK_SIZE 16

void
cocolor_op_load (void)
{
  g_autofree char *ours = g_strdup (bindtextdomain (GETTEXT_PACKAGE, NULL));

  gegl_init (NULL, NULL);
  if (gegl_has_operation (COCOLOR_OP_NAME))
    {
      g_autoptr (GeglNode) node = gegl_node_new ();
      gegl_node_new_child (node, "operation", COCOLOR_OP_NAME, NULL);
    }
  /* The op binds the shared text domain to the folder it was built for
   * when GEGL loads it; the plug-in's own catalogs, bound by libgimp, come
   * first. */
  bindtextdomain (GETTEXT_PACKAGE, ours);
}

gboolean
cocolor_op_check (const CocolorSettings *settings, GError **error)
{
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

  /* The op itself, on a tiny gray picture, on the CPU (a device failure is
   * not the model's): it finds the shipped model as it will for the real
   * picture and runs the loader's and the contract's checks, and its one
   * warning says what is wrong.  The op keeps the loaded model for the
   * render that follows.  Mode auto picks a mode per picture: the shipped
   * models of both must load, a model file must suit one of them. */
  const char *modes[] = { COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_NIR),
                          COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_GRAY) };
  const gboolean automatic
      = g_strcmp0 (settings->mode, COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_AUTO)) == 0;
  const GeglRectangle rect = { 0, 0, CHECK_SIZE, CHECK_SIZE };
  g_autoptr (GeglBuffer) input = gegl_buffer_new (&rect, babl_format ("Y' float"));
  g_autofree char *first_warning = NULL;
  guint usable = 0;

  for (guint m = 0; m < (automatic ? G_N_ELEMENTS (modes) : 1); m++)
    {
      CocolorSettings check = *settings;
      check.strength = COCOLOR_OP_STRENGTH_MAX; /* strength 0 would skip the network */
      check.device = (char *)COCOLOR_OP_NICK (COCOLOR_OP_DEVICES, COCOLOR_OP_DEVICE_CPU);
      if (automatic)
        check.mode = (char *)modes[m];
      g_autofree char *warning = NULL;
      g_autoptr (GeglBuffer) output
          = cocolor_render_op (input, NULL, &check, NULL, NULL, NULL, &warning);
      if (!warning)
        usable++;
      else if (!first_warning)
        first_warning = g_steal_pointer (&warning);
    }
  if (automatic ? (settings->model ? usable == 0 : first_warning != NULL) : usable == 0)
    {
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_MODEL,
                   _ ("CoColor cannot use its model: %s"), first_warning);
      return FALSE;
    }
  return TRUE;
}

/* The device the op is given: this build's op has no OpenCL when the
 * plug-in has none (one build), and the note below says so instead of the
 * op's warning, which would read as a failure. */
static const char *
device_for_op (const CocolorSettings *settings)
{
#if !COCOLOR_HAVE_OPENCL
  if (g_strcmp0 (settings->device, COCOLOR_OP_NICK (COCOLOR_OP_DEVICES, COCOLOR_OP_DEVICE_OPENCL))
      == 0)
    return COCOLOR_OP_NICK (COCOLOR_OP_DEVICES, COCOLOR_OP_DEVICE_CPU);
#endif
  return settings->device;
}

const char *
cocolor_op_device_note (const CocolorSettings *settings)
{
  if (g_strcmp0 (device_for_op (settings), settings->device) != 0)
    return _ ("This CoColor was built without OpenCL; it runs on the CPU instead.");
  return NULL;
}

void
cocolor_op_configure (GeglNode *node, const CocolorSettings *settings)
{
  /* Enum properties take their values by nick through GEGL's string
   * conversion, as the gegl CLI and GIMP's filter configs do. */
  gegl_node_set (node, COCOLOR_OP_STRENGTH, settings->strength, COCOLOR_OP_WORKING_SIZE,
                 settings->working_size, COCOLOR_OP_MODEL, settings->model ? settings->model : "",
                 NULL);
  gegl_node_set_enum_as_string (node, COCOLOR_OP_MODE, settings->mode);
  gegl_node_set_enum_as_string (node, COCOLOR_OP_DEVICE, device_for_op (settings));
}
