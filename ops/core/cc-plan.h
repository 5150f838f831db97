/* CoColor inference core: the memory plan of one model at one input size.
 *
 * Built before anything runs: it infers every value's shape, gives each value
 * a place (a byte offset) in one activation arena, reusing the memory of
 * values whose last reader has run, and so knows the peak memory of a run in
 * advance.  The GEGL op asks it to choose tile sizes and to refuse sizes that
 * would not fit.
 *
 * The plan holds no memory and no backend state: the CPU backend allocates
 * the arena and everything else it counts here when it is made, with
 * allocations that may fail; a device backend may allocate one device
 * buffer of the same size and use the same offsets. */
#pragma once

#include "cc-model.h"
#include "cc-shape.h"

G_BEGIN_DECLS

#define CC_PLAN_ERROR (cc_plan_error_quark ())
GQuark cc_plan_error_quark (void);

typedef enum
{
  CC_PLAN_ERROR_SIZE,   /* input size not accepted by the model */
  CC_PLAN_ERROR_SHAPE,  /* shapes of a node's inputs do not agree */
  CC_PLAN_ERROR_MEMORY, /* an allocation failed */
} CcPlanError;

/* Offsets in the arena are multiples of this (a cache line, an AVX-512 vector). */
#define CC_PLAN_ALIGN 64

typedef struct
{
  CcShape shape;
  gsize bytes;              /* c * h * w * sizeof (float) */
  gsize offset;             /* byte offset in the arena */
  int first_step;           /* step that writes it (value v is written at step v) */
  int last_step;            /* last step that reads it */
  int block;                /* arena block it lives in (shared by aliases) */
  gboolean in_place_concat; /* lives inside the concat output that reads it */
} CcPlanValue;

/* Per convolution: how the CPU backend cuts its output into tiles, each one
 * im2col + GEMM: whole rows, or parts of one row where a row alone would not
 * fit the budget. */
typedef struct
{
  int tile_rows;    /* output rows per tile */
  int tile_cols;    /* output columns per tile (the width unless tile_rows is 1) */
  gsize tile_bytes; /* im2col buffer of one tile, 0 when none is needed */
} CcPlanConv;

typedef struct
{
  gboolean concat_in_place;      /* producers of concat inputs write into the concat */
  gboolean elementwise_in_place; /* e.g. ReLU over a value nobody reads later */
  gsize im2col_tile_bytes;       /* target size of one im2col tile (0: default) */
  int min_tile_cols;             /* narrowest part of a row in one tile (0: default) */
} CcPlanOptions;

typedef struct
{
  const CcModel *model;
  int height, width;
  int n_values; /* model->n_nodes + 1 */
  CcPlanValue *values;
  CcPlanConv *convs;   /* per node; zero for other ops */
  gsize arena_bytes;   /* activations: all values, with reuse */
  gsize scratch_bytes; /* im2col buffer of one worker thread */
  /* What the CPU backend makes when it is created, at most (cpu/cc-cpu.h,
   * cc_cpu_conv_bytes): convolution weights re-laid out for its kernels,
   * and Winograd buffers of one worker thread. */
  gsize weights_bytes;
  gsize worker_bytes;
  gsize naive_bytes; /* what the activations would take without reuse */
  double flops;      /* multiply-adds * 2 of every convolution */
} CcPlan;

void cc_plan_options_init (CcPlanOptions *options);

/* Plan model at height x width.  Both must be multiples of
 * model->downsamples.  options may be NULL (defaults). */
CcPlan *cc_plan_new (const CcModel *model, int height, int width, const CcPlanOptions *options,
                     GError **error);
void cc_plan_free (CcPlan *plan);

/* Peak bytes a run takes with n_workers threads: arena, re-laid-out weights
 * and, per worker, im2col and Winograd buffers. */
gsize cc_plan_peak_bytes (const CcPlan *plan, int n_workers);

/* FLOPs of one node (convolutions; 0 for the rest). */
double cc_plan_node_flops (const CcPlan *plan, int node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcPlan, cc_plan_free)

G_END_DECLS
