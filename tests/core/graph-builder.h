/* Test helper: build a CcModel in memory, node by node, with random
 * weights, without a model file. */
#pragma once

#include <glib.h>
#include <math.h>

#include "cc-model.h"

typedef struct
{
  CcModel model;
  GPtrArray *owned; /* weight arrays, names, tensors */
  GRand *rand;
} GraphBuilder;

static inline GraphBuilder *
gb_new (int input_channels, guint32 seed)
{
  GraphBuilder *gb = g_new0 (GraphBuilder, 1);

  gb->owned = g_ptr_array_new_with_free_func (g_free);
  gb->rand = g_rand_new_with_seed (seed);
  gb->model.info.input_channels = input_channels;
  gb->model.nodes = g_new0 (CcNode, 256);
  gb->model.downsamples = 1;
  return gb;
}

static inline void
gb_free (GraphBuilder *gb)
{
  g_ptr_array_unref (gb->owned);
  g_rand_free (gb->rand);
  g_free (gb->model.nodes);
  g_free (gb);
}

static inline const CcTensor *
gb_tensor (GraphBuilder *gb, gint64 n, float scale)
{
  CcTensor *t = g_new0 (CcTensor, 1);
  float *data = g_new (float, n);

  for (gint64 i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (gb->rand, -scale, scale);
  t->n_elements = n;
  t->data = data;
  g_ptr_array_add (gb->owned, data);
  g_ptr_array_add (gb->owned, t);
  return t;
}

/* Appends a node; returns the value it produces.  The last node added is
 * the graph output. */
static inline int
gb_node (GraphBuilder *gb, CcOpType op, int n_inputs, const int *inputs)
{
  CcNode *node = &gb->model.nodes[gb->model.n_nodes++];

  node->op = op;
  node->name = g_strdup_printf ("node%d", gb->model.n_nodes - 1);
  g_ptr_array_add (gb->owned, node->name);
  node->n_inputs = n_inputs;
  for (int i = 0; i < n_inputs; i++)
    node->inputs[i] = inputs[i];
  node->alpha = 0.1f;
  gb->model.output = gb->model.n_nodes;
  return gb->model.n_nodes;
}

static inline int
gb_unary (GraphBuilder *gb, CcOpType op, int x)
{
  return gb_node (gb, op, 1, &x);
}

/* Every one-input layer, for the tests that run each one on every backend. */
static const CcOpType gb_unary_ops[] = { CC_OP_RELU,
                                         CC_OP_LEAKY_RELU,
                                         CC_OP_SILU,
                                         CC_OP_SIGMOID,
                                         CC_OP_TANH,
                                         CC_OP_UPSAMPLE_NEAREST,
                                         CC_OP_UPSAMPLE_BILINEAR,
                                         CC_OP_AVGPOOL2,
                                         CC_OP_GLOBAL_AVGPOOL };

static inline int
gb_binary (GraphBuilder *gb, CcOpType op, int a, int b)
{
  int in[2] = { a, b };
  return gb_node (gb, op, 2, in);
}

static inline int
gb_conv (GraphBuilder *gb, int x, int cin, int cout, int kernel, int stride, int padding,
         gboolean bias, CcActivation act)
{
  int v = gb_node (gb, CC_OP_CONV2D, 1, &x);
  CcNode *node = &gb->model.nodes[v - 1];

  node->in_channels = cin;
  node->out_channels = cout;
  node->kernel = kernel;
  node->stride = stride;
  node->padding = padding;
  node->act = act;
  node->weight = gb_tensor (gb, (gint64)cout * cin * kernel * kernel,
                            1.0f / sqrtf ((float)(cin * kernel * kernel)));
  node->bias = bias ? gb_tensor (gb, cout, 0.5f) : NULL;
  return v;
}

/* A small U-Net using every layer type: stride-2 conv and avgpool down,
 * nearest and bilinear up, concat skips, a residual add, channel attention
 * (global pool, 1x1 conv, sigmoid, mul) and standalone activations. */
static inline int
gb_unet (GraphBuilder *gb, int in_ch, int base, int levels)
{
  int skips[8], widths[8];
  int x = gb_conv (gb, 0, in_ch, base, 3, 1, 1, TRUE, CC_ACT_RELU);
  int c = base;

  gb->model.downsamples = 1;
  for (int l = 0; l < levels; l++)
    {
      int y = gb_conv (gb, x, c, c, 3, 1, 1, TRUE, CC_ACT_NONE);
      y = gb_unary (gb, l % 2 ? CC_OP_SILU : CC_OP_LEAKY_RELU, y);
      x = gb_binary (gb, CC_OP_ADD, x, y);
      skips[l] = x;
      widths[l] = c;
      if (l % 2)
        x = gb_unary (gb, CC_OP_AVGPOOL2, x);
      else
        x = gb_conv (gb, x, c, c, 3, 2, 1, FALSE, CC_ACT_LEAKY_RELU);
      x = gb_conv (gb, x, c, 2 * c, 1, 1, 0, TRUE, CC_ACT_TANH);
      c *= 2;
      gb->model.downsamples *= 2;
    }
  {
    int g = gb_unary (gb, CC_OP_GLOBAL_AVGPOOL, x);
    g = gb_conv (gb, g, c, c, 1, 1, 0, TRUE, CC_ACT_SIGMOID);
    x = gb_binary (gb, CC_OP_MUL, x, g);
  }
  for (int l = levels - 1; l >= 0; l--)
    {
      int in[2];
      x = gb_unary (gb, l % 2 ? CC_OP_UPSAMPLE_NEAREST : CC_OP_UPSAMPLE_BILINEAR, x);
      x = gb_conv (gb, x, c, widths[l], 1, 1, 0, FALSE, CC_ACT_NONE);
      in[0] = x;
      in[1] = skips[l];
      x = gb_node (gb, CC_OP_CONCAT, 2, in);
      x = gb_conv (gb, x, 2 * widths[l], widths[l], 3, 1, 1, TRUE, CC_ACT_SILU);
      c = widths[l];
    }
  x = gb_conv (gb, x, c, 3, 1, 1, 0, TRUE, CC_ACT_NONE);
  return gb_unary (gb, CC_OP_SIGMOID, x);
}
