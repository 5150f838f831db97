/* Where the shipped model for a task lives: $COCOLOR_MODEL_DIR when set,
 * else beside the op module, else the installed data folder. */
#pragma once

#include "cc-model.h"

G_BEGIN_DECLS

char *cc_model_locate (CcTask task);

/* The same search with `dir` standing for the op module's folder: for code
 * that is not the op module itself (the GIMP plug-in), which asks GEGL where
 * the op was loaded from.  dir may be NULL. */
char *cc_model_locate_beside (CcTask task, const char *dir);

G_END_DECLS
