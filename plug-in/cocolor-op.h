/* What the plug-in needs from cocolor:colorize before it touches a layer:
 * the op is installed, and the model the op will use can be loaded.  The op
 * itself only warns and passes the picture through on a bad model, which
 * a user in GIMP would take for "nothing happened". */
#pragma once

#include <gegl.h>
#include <glib/gi18n-lib.h>

#include "cocolor-op-contract.h" /* the op's name, properties, enums */
#include "cocolor-settings.h"

G_BEGIN_DECLS

#define COCOLOR_ERROR (cocolor_error_quark ())
GQuark cocolor_error_quark (void);

typedef enum
{
  COCOLOR_ERROR_NOT_INSTALLED, /* GEGL has no cocolor:colorize */
  COCOLOR_ERROR_MODEL,         /* the model is missing or cannot be used */
  COCOLOR_ERROR_RENDER,        /* the op failed while rendering */
  COCOLOR_ERROR_NOTHING,       /* no layer can be colorized */
  COCOLOR_ERROR_HINTS,         /* the colour hints layer cannot be used or made */
} CocolorError;

/* Initialises GEGL and the op's class, if it is installed, keeping the
 * plug-in's catalogs. */
void cocolor_op_load (void);

/* Checks that GEGL has the op and that the op can use the model the
 * settings name (or its shipped one): the op colorizes a tiny picture and
 * its warning, if any, becomes the error. */
gboolean cocolor_op_check (const CocolorSettings *settings, GError **error);

/* A translated note when the device asked for cannot be had and the op
 * falls back to the CPU; NULL when there is nothing to say. */
const char *cocolor_op_device_note (const CocolorSettings *settings);

/* Sets the op's properties on node (a cocolor:colorize node). */
void cocolor_op_configure (GeglNode *node, const CocolorSettings *settings);

G_END_DECLS
