/* The procedure's arguments, read once from the GimpProcedureConfig, in the
 * form the op and the checks take them. */
#pragma once

#include <libgimp/gimp.h>

G_BEGIN_DECLS

typedef struct
{
  char *mode;      /* op enum nick: "nir" or "gray" */
  double strength; /* 0..1 */
  int working_size;
  char *device; /* op enum nick: "auto", "cpu" or "opencl" */
  char *model;  /* explicit model file, or NULL for the shipped one */
  gboolean non_destructive;
} CocolorSettings;

void cocolor_settings_read (CocolorSettings *settings, GimpProcedureConfig *config);
void cocolor_settings_clear (CocolorSettings *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CocolorSettings, cocolor_settings_clear)

G_END_DECLS
