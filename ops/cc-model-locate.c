/* dladdr () */
#define _GNU_SOURCE
#include "config.h"

#include "cc-model-locate.h"

#include <dlfcn.h>

static const char *
task_name (CcTask task)
{
  return task == CC_TASK_NIR ? "nir" : "gray";
}

/* The folder this code was loaded from: the op module's own folder, where
 * `meson install` puts the shipped models beside it. */
static char *
module_dir (void)
{
  Dl_info info;
  if (dladdr ((void *)module_dir, &info) && info.dli_fname && g_path_is_absolute (info.dli_fname))
    return g_path_get_dirname (info.dli_fname);
  return NULL;
}

char *
cc_model_locate (CcTask task)
{
  g_autofree char *here = module_dir ();
  return cc_model_locate_beside (task, here);
}

char *
cc_model_locate_beside (CcTask task, const char *here)
{
  g_autofree char *name = g_strdup_printf ("cocolor-%s.safetensors", task_name (task));

  const char *env = g_getenv ("COCOLOR_MODEL_DIR");
  if (env && *env)
    return g_build_filename (env, name, NULL);

  g_autofree char *beside = here ? g_build_filename (here, name, NULL) : NULL;
  if (beside && g_file_test (beside, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&beside);

  g_autofree char *installed = g_build_filename (COCOLOR_DATADIR, "models", name, NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);

  /* Nothing found: name the place where the model was expected. */
  return beside ? g_steal_pointer (&beside) : g_steal_pointer (&installed);
}
