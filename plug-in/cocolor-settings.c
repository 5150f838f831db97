#include "config.h"

#include "cocolor-settings.h"

void
cocolor_settings_read (CocolorSettings *settings, GimpProcedureConfig *config)
{
  g_autoptr (GFile) model = NULL;

  cocolor_settings_clear (settings);
  /* one property per line */
  /* clang-format off */
  g_object_get (config,
                "mode", &settings->mode,
                "strength", &settings->strength,
                "working-size", &settings->working_size,
                "device", &settings->device,
                "non-destructive", &settings->non_destructive,
                "model", &model,
                NULL);
  /* clang-format on */
  /* A file argument left empty may still arrive as a GFile without a path
   * (a URI), which cannot name a model: treat it as no choice. */
  if (model)
    settings->model = g_file_get_path (model);
  if (settings->model && !*settings->model)
    g_clear_pointer (&settings->model, g_free);
}

void
cocolor_settings_clear (CocolorSettings *settings)
{
  g_clear_pointer (&settings->mode, g_free);
  g_clear_pointer (&settings->device, g_free);
  g_clear_pointer (&settings->model, g_free);
}
