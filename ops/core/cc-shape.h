/* CoColor inference core: the one rule of shapes.
 *
 * What a node makes of its inputs' shapes.  The loader (cc-graph.c) applies
 * it at a symbolic input size, 2^CC_MAX_LEVEL square, where it learns each
 * value's scale before any real size is known; the plan (cc-plan.c) applies
 * it at the real size.  One rule, so the two cannot disagree. */
#pragma once

#include "cc-model.h"

G_BEGIN_DECLS

typedef struct
{
  int c, h, w;
  /* A global pool's [C,1,1] output: broadcast by mul, never resized.  Told
   * apart from a 1 × 1 image, which a deep network makes of a small input. */
  gboolean point;
} CcShape;

typedef enum
{
  CC_SHAPE_OK,
  CC_SHAPE_WEIGHTS,         /* conv: the input's channels are not the weights' */
  CC_SHAPE_CHANNELS,        /* add, mul: the channel counts differ */
  CC_SHAPE_MUL_FIRST_POINT, /* mul: the [C,1,1] factor must be the second input */
  CC_SHAPE_SIZES,           /* the inputs differ in image size */
  CC_SHAPE_MANY_CHANNELS,   /* concat: more than the core's channel limit */
  CC_SHAPE_TOO_SMALL,       /* the image is smaller than a conv's or pool's window */
  CC_SHAPE_POINT,           /* a resize or a strided conv of a [C,1,1] value */
  CC_SHAPE_TOO_LARGE,       /* doubling a side past what an int holds */
} CcShapeFault;

/* The output shape of node from its inputs' shapes (node->n_inputs of them). */
CcShapeFault cc_shape_infer (const CcNode *node, const CcShape *inputs, CcShape *out);

/* What went wrong, in words, for an error message (free with g_free). */
char *cc_shape_fault_message (CcShapeFault fault, const CcNode *node, const CcShape *inputs);

G_END_DECLS
