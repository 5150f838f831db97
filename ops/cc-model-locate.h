/* Where the shipped model for a task lives: $COCOLOR_MODEL_DIR when set,
 * else beside the op module, else the installed data folder. */
#pragma once

#include "cc-model.h"

G_BEGIN_DECLS

char *cc_model_locate (CcTask task);

G_END_DECLS
