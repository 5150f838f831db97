/* CoColor inference core: a loaded model (weights + graph + contract).
 *
 * The model file is safetensors (models/FORMAT.md); its __metadata__ holds
 * the graph as JSON and the model's contract.  cc_model_load() validates
 * everything before anything runs, so the interpreter may trust a CcModel.
 *
 * Values: value 0 is the graph input (N=1, C=input_channels, H, W); node i
 * produces value i + 1.  Nodes are stored in execution order and only read
 * values produced earlier.  All tensors are NCHW with N = 1. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CC_MAX_INPUTS 8
#define CC_MAX_DIMS 4

typedef enum
{
  CC_DTYPE_F32,
  CC_DTYPE_F16,
} CcDType;

typedef struct
{
  char *name;
  CcDType file_dtype; /* as stored in the file */
  int n_dims;
  gint64 shape[CC_MAX_DIMS];
  gint64 n_elements;
  const float *data; /* fp32, valid while the model lives (mmap or owned) */
} CcTensor;

typedef enum
{
  CC_OP_CONV2D, /* weight [O,I,k,k], optional bias [O]; stride, padding, act */
  CC_OP_RELU,
  CC_OP_LEAKY_RELU, /* alpha */
  CC_OP_SILU,
  CC_OP_SIGMOID,
  CC_OP_TANH,
  CC_OP_ADD,               /* two inputs of the same shape */
  CC_OP_MUL,               /* two inputs; the second may be [C,1,1] (broadcast) */
  CC_OP_CONCAT,            /* along channels, 2..CC_MAX_INPUTS inputs */
  CC_OP_UPSAMPLE_NEAREST,  /* x2 */
  CC_OP_UPSAMPLE_BILINEAR, /* x2, align_corners = false (PyTorch's default) */
  CC_OP_AVGPOOL2,          /* 2x2, stride 2 (odd sizes: floor, as PyTorch) */
  CC_OP_GLOBAL_AVGPOOL,    /* [C,H,W] -> [C,1,1] */
  CC_OP_N_TYPES
} CcOpType;

/* Activation fused into a convolution's epilogue. */
typedef enum
{
  CC_ACT_NONE,
  CC_ACT_RELU,
  CC_ACT_LEAKY_RELU,
  CC_ACT_SILU,
  CC_ACT_SIGMOID,
  CC_ACT_TANH,
} CcActivation;

typedef struct
{
  CcOpType op;
  char *name;
  int n_inputs;
  int inputs[CC_MAX_INPUTS]; /* value ids, each < this node's output id */

  /* CC_OP_CONV2D */
  const CcTensor *weight;
  const CcTensor *bias; /* NULL when absent */
  int in_channels, out_channels, kernel, stride, padding;
  CcActivation act;
  float alpha; /* LeakyReLU slope (fused or CC_OP_LEAKY_RELU) */
} CcNode;

typedef enum
{
  CC_TASK_NIR,
  CC_TASK_GRAY,
} CcTask;

/* A colour-hint input plane (models/FORMAT.md, "Hint inputs"): BT.601 Y,
 * Cb, Cr of the hint colour on gamma-encoded sRGB, and the hint mask; then,
 * dense, the nearest hint's Y, Cb, Cr at every pixel and the distance to
 * it (min (1, pixels / 128)). */
typedef enum
{
  CC_HINT_Y,
  CC_HINT_CB,
  CC_HINT_CR,
  CC_HINT_MASK,
  CC_HINT_NEAR_Y,
  CC_HINT_NEAR_CB,
  CC_HINT_NEAR_CR,
  CC_HINT_NEAR_CLOSE,
  CC_HINT_N_PLANES
} CcHintPlane;

/* What the network expects and produces (the model's contract). */
typedef struct
{
  CcTask task;
  int input_channels;
  /* Hint inputs: the planes hint_planes[0..n_hints) are input channels
   * hint_first.. (they end the input); n_hints 0: the model takes none. */
  int hint_first, n_hints;
  CcHintPlane hint_planes[CC_HINT_N_PLANES];
  int hint_min_radius;        /* the smallest hint trained on, in working pixels */
  float input_min, input_max; /* value range of the input */
  char *input_space;          /* e.g. "nir-linear", "srgb-luma" */
  int output_channels;
  char *output_space; /* e.g. "srgb", "lab-ab" */
  float output_min, output_max;
  int train_resolution; /* side, in pixels, the network was trained at */
  char *version;
  char *provenance_json; /* training data, metrics... as JSON text */
} CcModelInfo;

typedef struct _CcModel CcModel;
struct _CcModel
{
  char *path; /* or the name given to cc_model_load_from_data () */
  int n_tensors;
  CcTensor *tensors;
  int n_nodes;
  CcNode *nodes;
  int output;      /* value id of the graph output */
  int downsamples; /* product of strides/pools along the deepest path: input sides must divide by it
                    */
  CcModelInfo info;
};

#define CC_MODEL_ERROR (cc_model_error_quark ())
GQuark cc_model_error_quark (void);

typedef enum
{
  CC_MODEL_ERROR_IO,        /* cannot open or read the file, not a regular file, too big */
  CC_MODEL_ERROR_TRUNCATED, /* file shorter than its header says */
  CC_MODEL_ERROR_HEADER,    /* header length absurd, JSON malformed or wrong shape */
  CC_MODEL_ERROR_DTYPE,     /* unsupported dtype */
  CC_MODEL_ERROR_OFFSETS,   /* offsets out of range, overlapping, wrong size */
  CC_MODEL_ERROR_VALUES,    /* NaN or Inf weights */
  CC_MODEL_ERROR_GRAPH,     /* unknown op, bad input, cycle, shape mismatch */
  CC_MODEL_ERROR_CONTRACT,  /* missing or invalid contract metadata */
} CcModelError;

/* Reads the file with plain reads into memory of its own: nothing done to
 * the file afterwards can reach the process. */
CcModel *cc_model_load (const char *path, GError **error);
/* The same checks on a model already in memory; name is for messages. */
CcModel *cc_model_load_from_data (const guint8 *data, gsize length, const char *name,
                                  GError **error);
void cc_model_free (CcModel *model);
const CcTensor *cc_model_find_tensor (const CcModel *model, const char *name);
const char *cc_op_type_name (CcOpType op);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcModel, cc_model_free)

G_END_DECLS
