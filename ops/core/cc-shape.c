/* CoColor inference core: the one rule of shapes (see cc-shape.h). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cc-model-private.h" /* CC_MAX_CHANNELS */
#include "cc-shape.h"

static gboolean
same_size (CcShape a, CcShape b)
{
  return a.point == b.point && a.h == b.h && a.w == b.w;
}

static CcShapeFault
infer_conv (const CcNode *node, CcShape a, CcShape *out)
{
  if (a.c != node->in_channels)
    return CC_SHAPE_WEIGHTS;
  if (node->stride != 1 && a.point)
    return CC_SHAPE_POINT;
  if (a.h + 2 * node->padding < node->kernel || a.w + 2 * node->padding < node->kernel)
    return CC_SHAPE_TOO_SMALL;
  *out = a;
  out->c = node->out_channels;
  out->h = (a.h + 2 * node->padding - node->kernel) / node->stride + 1;
  out->w = (a.w + 2 * node->padding - node->kernel) / node->stride + 1;
  return CC_SHAPE_OK;
}

static CcShapeFault
infer_binary (const CcNode *node, CcShape a, CcShape b, CcShape *out)
{
  if (a.c != b.c)
    return CC_SHAPE_CHANNELS;
  *out = a;
  if (same_size (a, b))
    return CC_SHAPE_OK;
  if (node->op == CC_OP_MUL && b.point)
    return CC_SHAPE_OK; /* a per-channel factor (channel attention) */
  if (node->op == CC_OP_MUL && a.point)
    return CC_SHAPE_MUL_FIRST_POINT;
  return CC_SHAPE_SIZES;
}

static CcShapeFault
infer_concat (const CcNode *node, const CcShape *inputs, CcShape *out)
{
  *out = inputs[0];
  for (int i = 1; i < node->n_inputs; i++)
    {
      if (!same_size (inputs[0], inputs[i]))
        return CC_SHAPE_SIZES;
      out->c += inputs[i].c;
    }
  return out->c > CC_MAX_CHANNELS ? CC_SHAPE_MANY_CHANNELS : CC_SHAPE_OK;
}

CcShapeFault
cc_shape_infer (const CcNode *node, const CcShape *inputs, CcShape *out)
{
  CcShape a = inputs[0];

  switch (node->op)
    {
    case CC_OP_CONV2D:
      return infer_conv (node, a, out);

    case CC_OP_ADD:
    case CC_OP_MUL:
      return infer_binary (node, a, inputs[1], out);

    case CC_OP_CONCAT:
      return infer_concat (node, inputs, out);

    case CC_OP_UPSAMPLE_NEAREST:
    case CC_OP_UPSAMPLE_BILINEAR:
      if (a.point)
        return CC_SHAPE_POINT;
      if (a.h > G_MAXINT / 2 || a.w > G_MAXINT / 2)
        return CC_SHAPE_TOO_LARGE;
      *out = (CcShape){ a.c, a.h * 2, a.w * 2, FALSE };
      return CC_SHAPE_OK;

    case CC_OP_AVGPOOL2:
      if (a.point)
        return CC_SHAPE_POINT;
      if (a.h < 2 || a.w < 2)
        return CC_SHAPE_TOO_SMALL;
      *out = (CcShape){ a.c, a.h / 2, a.w / 2, FALSE };
      return CC_SHAPE_OK;

    case CC_OP_GLOBAL_AVGPOOL:
      *out = (CcShape){ a.c, 1, 1, TRUE };
      return CC_SHAPE_OK;

    case CC_OP_RELU:
    case CC_OP_LEAKY_RELU:
    case CC_OP_SILU:
    case CC_OP_SIGMOID:
    case CC_OP_TANH:
    case CC_OP_N_TYPES:
    default:
      *out = a;
      return CC_SHAPE_OK;
    }
}

char *
cc_shape_fault_message (CcShapeFault fault, const CcNode *node, const CcShape *inputs)
{
  const char *op = cc_op_type_name (node->op);

  switch (fault)
    {
    case CC_SHAPE_OK:
      return g_strdup ("");
    case CC_SHAPE_WEIGHTS:
      return g_strdup_printf (_ ("its input has %d channels but its weights take %d"), inputs[0].c,
                              node->in_channels);
    case CC_SHAPE_CHANNELS:
      return g_strdup_printf (_ ("its inputs have %d and %d channels; %s needs equal channel "
                                 "counts"),
                              inputs[0].c, inputs[1].c, op);
    case CC_SHAPE_MUL_FIRST_POINT:
      return g_strdup (_ ("the broadcast [C,1,1] operand of mul must be its second input"));
    case CC_SHAPE_SIZES:
      return g_strdup (_ ("its inputs have different image sizes (they come from different "
                          "scales of the network)"));
    case CC_SHAPE_MANY_CHANNELS:
      return g_strdup (_ ("the concatenation has an absurd number of channels"));
    case CC_SHAPE_TOO_SMALL:
      return g_strdup_printf (_ ("the image is smaller than the window of %s"), op);
    case CC_SHAPE_POINT:
      if (node->op == CC_OP_CONV2D)
        return g_strdup (_ ("a stride-2 convolution cannot follow a global average pool (the "
                            "value is 1x1)"));
      return g_strdup_printf (_ ("%s cannot follow a global average pool (the value is 1x1)"), op);
    case CC_SHAPE_TOO_LARGE:
    default:
      return g_strdup_printf (_ ("%s would make an image side larger than %d pixels"), op,
                              G_MAXINT / 2);
    }
}
