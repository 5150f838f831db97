/* GIMP's own filter dialog for cocolor:colorize (Live Preview, editing a
 * non-destructive effect) shows the op's property labels and its enums'
 * value labels as GEGL installed them: they must be translated when GEGL
 * loads the op, before any of the op's own code would run.
 *
 * argv: the folder holding the built op module, the build's catalogs
 * (<lang>/LC_MESSAGES/cocolor.mo, given to the op as $COCOLOR_LOCALEDIR), a
 * locale name (de_DE.UTF-8) and the mode property's label in it.  With "-"
 * for the catalogs, it checks instead that the op looks for them where the
 * build installs them.  The build
 * root has no locales but C.UTF-8, in which gettext ignores LANGUAGE; the
 * C.UTF-8 locale under the wanted name ($LOCPATH) makes gettext take it. */
#include "config.h"

#include <gegl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <unistd.h>

#include "cocolor-op-contract.h"

#define C_UTF8 "/usr/lib/locale/C.utf8"

static const char *expected_mode_label;
static gboolean have_locale;

static void
check_label (const char *property, const char *msgid)
{
  GParamSpec *pspec = gegl_operation_find_property (COCOLOR_OP_NAME, property);
  g_assert_nonnull (pspec);
  g_assert_cmpstr (g_param_spec_get_nick (pspec), ==, g_dgettext (GETTEXT_PACKAGE, msgid));
}

static void
check_enum (const char *property)
{
  GParamSpec *pspec = gegl_operation_find_property (COCOLOR_OP_NAME, property);
  GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;

#define CHECK_VALUE(id, value, nick, label)                                                        \
  g_assert_cmpstr (g_enum_get_value_by_nick (enum_class, nick)->value_name, ==,                    \
                   g_dgettext (GETTEXT_PACKAGE, label));
  if (g_str_equal (property, COCOLOR_OP_MODE))
    {
      COCOLOR_OP_MODES (CHECK_VALUE)
    }
  else
    {
      COCOLOR_OP_DEVICES (CHECK_VALUE)
    }
#undef CHECK_VALUE
}

static void
test_labels_translated (void)
{
  if (!have_locale)
    {
      g_test_skip ("no " C_UTF8 " to name the locale after");
      return;
    }
  /* The catalogs are there (the op bound them, the test did not)... */
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, COCOLOR_OP_MODE_LABEL), ==, expected_mode_label);
  /* ...and GEGL's properties carry their translations. */
  check_label (COCOLOR_OP_MODE, COCOLOR_OP_MODE_LABEL);
  check_label (COCOLOR_OP_STRENGTH, COCOLOR_OP_STRENGTH_LABEL);
  check_label (COCOLOR_OP_WORKING_SIZE, COCOLOR_OP_WORKING_SIZE_LABEL);
  check_label (COCOLOR_OP_DEVICE, COCOLOR_OP_DEVICE_LABEL);
  check_label (COCOLOR_OP_MODEL, COCOLOR_OP_MODEL_LABEL);
  check_enum (COCOLOR_OP_MODE);
  check_enum (COCOLOR_OP_DEVICE);
  g_assert_cmpstr (gegl_operation_get_key (COCOLOR_OP_NAME, "title"), ==,
                   g_dgettext (GETTEXT_PACKAGE, COCOLOR_OP_TITLE));
}

static void
test_installed_folder (void)
{
  g_assert_cmpstr (bindtextdomain (GETTEXT_PACKAGE, NULL), ==, COCOLOR_LOCALEDIR);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 5)
    g_error ("usage: test-op-labels OP_DIR CATALOG_DIR LOCALE MODE_LABEL");
  expected_mode_label = argv[4];

  /* The locale, before GEGL (and the op) start. */
  g_autofree char *locales = g_dir_make_tmp ("cocolor-locale-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (locales, argv[3], NULL);
  have_locale = g_file_test (C_UTF8, G_FILE_TEST_IS_DIR) && symlink (C_UTF8, link) == 0;
  g_setenv ("LOCPATH", locales, TRUE);
  g_setenv ("LC_ALL", argv[3], TRUE);
  const gboolean installed = g_str_equal (argv[2], "-");
  if (installed)
    g_unsetenv ("COCOLOR_LOCALEDIR");
  else
    g_setenv ("COCOLOR_LOCALEDIR", argv[2], TRUE);
  if (have_locale)
    have_locale = setlocale (LC_ALL, "") != NULL;

  gegl_init (NULL, NULL);
  gegl_load_module_directory (argv[1]);
  g_assert_true (gegl_has_operation (COCOLOR_OP_NAME));

  if (installed)
    g_test_add_func ("/op-labels/installed-folder", test_installed_folder);
  else
    g_test_add_func ("/op-labels/translated", test_labels_translated);
  int status = g_test_run ();
  gegl_exit ();
  g_unlink (link);
  g_rmdir (locales);
  return status;
}
