#include "config.h"

#include "cocolor-settings.h"

void
cocolor_settings_read (CocolorSettings *settings, GimpProcedureConfig *config)
{
  g_autoptr (GFile) model = NULL;
  g_autofree char *output = NULL;

  cocolor_settings_clear (settings);
  /* one property per line */
  /* clang-format off */
  g_object_get (config,
                "mode", &settings->mode,
                "strength", &settings->strength,
                "working-size", &settings->working_size,
                "device", &settings->device,
                "output", &output,
                "saturation", &settings->saturation,
                "model", &model,
                "hints-layer", &settings->hints_layer,
                NULL);
  /* clang-format on */
  settings->output = cocolor_output_from_nick (output);
  /* A file argument left empty may still arrive as a GFile without a path
   * (a URI), which cannot name a model: treat it as no choice. */
  if (model)
    settings->model = g_file_get_path (model);
  if (settings->model && !*settings->model)
    g_clear_pointer (&settings->model, g_free);
}

CocolorOutput
cocolor_output_from_nick (const char *nick)
{
#define OUTPUT_IF_(id, value_nick, label)                                                          \
  if (g_strcmp0 (nick, value_nick) == 0)                                                           \
    return COCOLOR_OUTPUT_##id;
  COCOLOR_OUTPUTS (OUTPUT_IF_)
#undef OUTPUT_IF_
  return COCOLOR_OUTPUT_REPLACE;
}

void
cocolor_settings_clear (CocolorSettings *settings)
{
  g_clear_pointer (&settings->mode, g_free);
  g_clear_pointer (&settings->device, g_free);
  g_clear_pointer (&settings->model, g_free);
  g_clear_object (&settings->hints_layer);
}
