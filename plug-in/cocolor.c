/* CoColor for GIMP 3: natural colour for near-infrared and grayscale photos.
 *
 * The procedure plug-in-cocolor-colorize drives the GEGL op
 * cocolor:colorize on every selected layer.  It adds what GIMP's own filter
 * entry for the op cannot give: several layers in one undo step, grayscale
 * images made RGB first, model checks with errors a user can act on,
 * progress and cancel, and a PDB procedure for scripts. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "cocolor-apply.h"
#include "cocolor-dialog.h"
#include "cocolor-op.h"
#include "cocolor-settings.h"

#define PLUG_IN_PROC "plug-in-cocolor-colorize"

#define COCOLOR_TYPE_PLUG_IN (cocolor_plug_in_get_type ())
G_DECLARE_FINAL_TYPE (CocolorPlugIn, cocolor_plug_in, COCOLOR, PLUG_IN, GimpPlugIn)

struct _CocolorPlugIn
{
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE (CocolorPlugIn, cocolor_plug_in, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (COCOLOR_TYPE_PLUG_IN)

static GList *
cocolor_query_procedures (GimpPlugIn *plug_in)
{
  /* CoColor's own help pages, in help/ beside the executable
   * (help/make-help.py); the dialog's Help button opens them. */
  g_autofree char *folder = g_path_get_dirname (gimp_get_progname ());
  g_autoptr (GFile) help = g_file_new_build_filename (folder, "help", NULL);

  gimp_plug_in_set_help_domain (plug_in, "cocolor", help);
  return g_list_append (NULL, g_strdup (PLUG_IN_PROC));
}

/* Catalogs are in <plug-in folder>/locale under the text domain "cocolor"
 * (the folder's name, too), as libgimp expects; the op binds the same. */
static gboolean
cocolor_set_i18n (GimpPlugIn *plug_in, const gchar *procedure_name, gchar **gettext_domain,
                  gchar **catalog_dir)
{
  /* The catalogs follow the user's locale only once the process has
   * taken it from the environment; done here since nothing earlier runs. */
  setlocale (LC_ALL, "");
  *gettext_domain = g_strdup (GETTEXT_PACKAGE);
  *catalog_dir = g_strdup ("locale");
  return TRUE;
}

static GimpValueArray *
cocolor_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
             GimpDrawable **drawables, GimpProcedureConfig *config, gpointer run_data)
{
  g_auto (CocolorSettings) settings = { 0 };
  g_autoptr (GError) error = NULL;

  cocolor_op_load ();

  if (!drawables || !drawables[0])
    {
      g_set_error_literal (&error, GIMP_PLUG_IN_ERROR, 0, _ ("No layer is selected."));
      /* The return values take the error: stolen, or g_autoptr frees it twice. */
      return gimp_procedure_new_return_values (procedure, GIMP_PDB_CALLING_ERROR,
                                               g_steal_pointer (&error));
    }

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      /* The mode belongs to the picture, not to the last run: the op's
       * automatic mode guesses it for each layer (the preview shows its
       * choice, or its message for a colour photo). */
      g_object_set (config, "mode", COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_AUTO), NULL);
      if (!cocolor_dialog_run (procedure, config, drawables[0]))
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);
    }

  cocolor_settings_read (&settings, config);
  /* libgimp 3.0 cannot keep a layer among the last used values (it warns
   * "couldn't serialize property"): each dialog chooses the hints layer
   * anew, the one named "CoColor hints" when there is one. */
  if (run_mode == GIMP_RUN_INTERACTIVE)
    g_object_set (config, "hints-layer", NULL, NULL);
  GStrv applied = NULL;
  if (!cocolor_apply (image, drawables, &settings, &applied, &error))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_EXECUTION_ERROR,
                                             g_steal_pointer (&error));
  GimpValueArray *values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_TAKE_STRV (values, 1, applied);
  return values;
}

/* A choice argument with the values of one of the op's enums. */
#define CHOICE_ADD(id, value, nick, label) gimp_choice_add (choice, nick, value, _ (label), NULL);

static GimpChoice *
choice_of_modes (void)
{
  GimpChoice *choice = gimp_choice_new ();
  COCOLOR_OP_MODES (CHOICE_ADD)
  return choice;
}

static GimpChoice *
choice_of_devices (void)
{
  GimpChoice *choice = gimp_choice_new ();
  COCOLOR_OP_DEVICES (CHOICE_ADD)
  return choice;
}

static GimpChoice *
choice_of_outputs (void)
{
  GimpChoice *choice = gimp_choice_new ();
  int value = 0;
#define OUTPUT_ADD_(id, nick, label) gimp_choice_add (choice, nick, value++, _ (label), NULL);
  COCOLOR_OUTPUTS (OUTPUT_ADD_)
#undef OUTPUT_ADD_
  return choice;
}

static GimpProcedure *
cocolor_create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  GimpProcedure *procedure;

  if (g_strcmp0 (name, PLUG_IN_PROC) != 0)
    return NULL;

  procedure = gimp_image_procedure_new (plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, cocolor_run, NULL,
                                        NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*, INDEXED*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE
                                                      | GIMP_PROCEDURE_SENSITIVE_DRAWABLES);
  gimp_procedure_set_menu_label (procedure, _ ("Colorize _Layers..."));
  gimp_procedure_add_menu_path (procedure, "<Image>/Colors/CoColor");
  gimp_procedure_set_documentation (
      procedure, _ ("Natural colour for near-infrared and grayscale photos"),
      _ ("Colorizes every selected layer with the CoColor network, in one undo step. "
         "Grayscale and indexed images become RGB. The result is merged into the pixels, added "
         "as a non-destructive effect whose settings can be changed later, or put on a new layer "
         "above each one in LCh Color mode, to mask by hand. For one layer with a "
         "live on-canvas preview and split view, use Colors → CoColor → Colorize (Live Preview) "
         "instead."),
      name);
  gimp_procedure_set_attribution (procedure, "CoColor contributors", "CoColor contributors",
                                  "2025");

  /* The op's properties, as the op declares them (cocolor-op-contract.h). */
  gimp_procedure_add_choice_argument (procedure, COCOLOR_OP_MODE, _ (COCOLOR_OP_MODE_MNEMONIC),
                                      _ (COCOLOR_OP_MODE_BLURB), choice_of_modes (),
                                      COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_DEFAULT),
                                      G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (
      procedure, COCOLOR_OP_STRENGTH, _ (COCOLOR_OP_STRENGTH_MNEMONIC),
      _ (COCOLOR_OP_STRENGTH_BLURB), COCOLOR_OP_STRENGTH_MIN, COCOLOR_OP_STRENGTH_MAX,
      COCOLOR_OP_STRENGTH_DEFAULT, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (
      procedure, COCOLOR_OP_WORKING_SIZE, _ (COCOLOR_OP_WORKING_SIZE_MNEMONIC),
      _ (COCOLOR_OP_WORKING_SIZE_BLURB), COCOLOR_OP_WORKING_SIZE_MIN, COCOLOR_OP_WORKING_SIZE_MAX,
      COCOLOR_OP_WORKING_SIZE_DEFAULT, G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, COCOLOR_OP_DEVICE, _ (COCOLOR_OP_DEVICE_MNEMONIC), _ (COCOLOR_OP_DEVICE_BLURB),
      choice_of_devices (), COCOLOR_OP_NICK (COCOLOR_OP_DEVICES, COCOLOR_OP_DEVICE_DEFAULT),
      G_PARAM_READWRITE);
  /* The plug-in's own: where the result goes, and how colourful it is. */
  gimp_procedure_add_choice_argument (
      procedure, "output", _ ("_Output"),
      _ ("Where the colour goes: into the layer's pixels, into a non-destructive effect that can "
         "be "
         "edited later, or into a new layer above the original in LCh Color mode, to mask by hand"),
      choice_of_outputs (), "replace", G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (
      procedure, "saturation", _ ("Satu_ration"),
      _ ("Scales the colour's chroma after colorizing: below 1 more muted, above 1 more vivid"),
      COCOLOR_SATURATION_MIN, COCOLOR_SATURATION_MAX, COCOLOR_SATURATION_DEFAULT,
      G_PARAM_READWRITE);
  gimp_procedure_add_string_array_return_value (
      procedure, "applied-modes", _ ("Applied modes"),
      _ ("For each drawable given, in order, the mode the network ran with (nir or gray), or none "
         "when it was left as it is (a colour photo in mode auto, or a layer that cannot be "
         "colorized)"),
      G_PARAM_READWRITE);
  /* Any path, not GIMP_FILE_CHOOSER_ACTION_OPEN: GIMP refuses a call with a
   * file that does not exist before the plug-in runs, with "value '<not
   * transformable to string>' ... out of range"; cocolor_op_check names the
   * missing file instead.  The dialog's chooser opens files (cocolor-dialog.c). */
  gimp_procedure_add_file_argument (procedure, COCOLOR_OP_MODEL, _ (COCOLOR_OP_MODEL_MNEMONIC),
                                    _ (COCOLOR_OP_MODEL_BLURB), GIMP_FILE_CHOOSER_ACTION_ANY, TRUE,
                                    NULL, G_PARAM_READWRITE);
  /* Last, so that scripts giving the arguments in order keep working. */
  gimp_procedure_add_layer_argument (
      procedure, "hints-layer", _ ("Colour _hints"),
      _ ("A layer of the image whose opaque pixels give the colours wanted there: paint dots or "
         "strokes on a transparent layer. It is never colorized itself. None: the network "
         "chooses every colour"),
      TRUE, G_PARAM_READWRITE);

  return procedure;
}

static void
cocolor_plug_in_class_init (CocolorPlugInClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = cocolor_query_procedures;
  plug_in_class->create_procedure = cocolor_create_procedure;
  plug_in_class->set_i18n = cocolor_set_i18n;
}

static void
cocolor_plug_in_init (CocolorPlugIn *plug_in)
{
}
