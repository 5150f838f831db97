/* The procedure's arguments, read once from the GimpProcedureConfig, in the
 * form the op and the checks take them. */
#pragma once

#include <glib/gi18n-lib.h>
#include <libgimp/gimp.h>

G_BEGIN_DECLS

/* Where the result goes (the procedure's "output" argument). */
#define COCOLOR_OUTPUTS(X)                                                                         \
  X (REPLACE, "replace", N_ ("Replace the layer's pixels"))                                        \
  X (EFFECT, "effect", N_ ("Non-destructive effect"))                                              \
  X (LAYER, "layer", N_ ("New colour layer above (LCh Color mode)"))
#define COCOLOR_OUTPUT_ID_(id, nick, label) COCOLOR_OUTPUT_##id,
typedef enum
{
  COCOLOR_OUTPUTS (COCOLOR_OUTPUT_ID_)
} CocolorOutput;

/* Colour saturation applied after the op: 1 leaves the result as it is. */
#define COCOLOR_SATURATION_MIN 0.0
#define COCOLOR_SATURATION_MAX 2.0
#define COCOLOR_SATURATION_DEFAULT 1.0

typedef struct
{
  char *mode;      /* op enum nick: "nir", "gray" or "auto" */
  double strength; /* 0..1 */
  int working_size;
  char *device; /* op enum nick: "auto", "cpu" or "opencl" */
  char *model;  /* explicit model file, or NULL for the shipped one */
  CocolorOutput output;
  double saturation;      /* chroma scale after the op, COCOLOR_SATURATION_* */
  GimpLayer *hints_layer; /* the colour hints (cocolor-hints.h), or NULL */
} CocolorSettings;

/* The output whose nick is given; COCOLOR_OUTPUT_REPLACE for an unknown one. */
CocolorOutput cocolor_output_from_nick (const char *nick);

void cocolor_settings_read (CocolorSettings *settings, GimpProcedureConfig *config);
void cocolor_settings_clear (CocolorSettings *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CocolorSettings, cocolor_settings_clear)

G_END_DECLS
