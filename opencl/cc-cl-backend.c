/* CoColor inference core: OpenCL backend (see cc-cl-backend.h).
 *
 * Work is queued in order on the runtime's queue and never waited for
 * between layers.  The first failing call's status is kept (later calls do
 * nothing) and sync () turns it into a CC_CL_ERROR. */
#include "config.h"

#include <clblast_c.h>
#include <glib/gi18n-lib.h>
#include <stdarg.h>

#include "cc-cl-backend.h"
#include "cc-opencl.h"

/* Size of the im2col (or padded input) buffer: large enough that most
 * layers are one GEMM (one band), small enough for any device's single
 * allocation. */
#define COL_BYTES_TARGET ((gsize)128 << 20)

/* The direct kernels' tile, as in convolution.cl: VW pixels of a row by
 * CO_BLOCK output channels per work-item. */
#define VW 16
#define CO_BLOCK 8
/* Input channels per pass of the direct kernels: a block's weights and
 * input rows for them (9 KiB + 12 KiB at 3x3) stay in a CPU's L1. */
#define CI_SLICE 32

typedef enum
{
  K_IM2COL,
  K_BIAS_ACTIVATION,
  K_ACTIVATION,
  K_ADD,
  K_MUL,
  K_COPY,
  K_UPSAMPLE_NEAREST,
  K_UPSAMPLE_BILINEAR,
  K_AVGPOOL2,
  K_GLOBAL_AVGPOOL,
  K_PAD_INPUT,
  K_CONV3_S1,
  K_CONV3_S2,
  K_CONV1_S1,
  K_CONVK_S1,
  K_CONVK_S2,
  N_KERNELS
} KernelId;

static const char *kernel_names[N_KERNELS]
    = { "im2col",    "bias_activation",  "activation",        "add",      "mul",
        "copy",      "upsample_nearest", "upsample_bilinear", "avgpool2", "global_avgpool",
        "pad_input", "conv3_s1",         "conv3_s2",          "conv1_s1", "convk_s1",
        "convk_s2" };

typedef struct
{
  CcClRuntime *rt;
  const CcModel *model;
  const CcPlan *plan;
  cl_kernel kernels[N_KERNELS];  /* our own: kernel arguments are per object */
  cl_mem arena;                  /* plan->arena_bytes */
  cl_mem weights;                /* every convolution's weights and bias */
  cl_ulong *weight_at, *bias_at; /* per node, in floats */
  cl_mem col;                    /* im2col (or padded input) of col_rows[i] output rows */
  int *col_rows;                 /* per node; 0: the input as it is */
  size_t pool_local;             /* work-group size of global_avgpool */
  size_t conv_max_local;         /* the direct kernels' largest work-group */
  cl_int status;                 /* first failure, CL_SUCCESS until then */
  CLBlastStatusCode blas_status;
  const char *failed; /* what failed */
} ClBackend;

static void
fail (ClBackend *b, cl_int status, const char *what)
{
  if (b->status == CL_SUCCESS && status != CL_SUCCESS)
    {
      b->status = status;
      b->failed = what;
    }
}

static void
cl_free (void *be)
{
  ClBackend *b = be;

  if (b == NULL)
    return;
  for (int k = 0; k < N_KERNELS; k++)
    if (b->kernels[k])
      clReleaseKernel (b->kernels[k]);
  if (b->arena)
    clReleaseMemObject (b->arena);
  if (b->weights)
    clReleaseMemObject (b->weights);
  if (b->col)
    clReleaseMemObject (b->col);
  g_free (b->weight_at);
  g_free (b->bias_at);
  g_free (b->col_rows);
  cc_cl_runtime_unref (b->rt);
  g_free (b);
}

/* For the direct kernels: [co][ci][ky][kx] as blocks of CO_BLOCK output
 * channels, each [ci][ky][kx][CO_BLOCK], zeros past the last channel. */
static void
append_packed (GArray *all, const CcNode *node)
{
  int kk = node->in_channels * node->kernel * node->kernel;
  int n_blocks = (node->out_channels + CO_BLOCK - 1) / CO_BLOCK;
  guint at = all->len;
  const float *w = node->weight->data;
  float *p;

  g_array_set_size (all, at + (guint)n_blocks * CO_BLOCK * kk); /* zeroed */
  p = &g_array_index (all, float, at);
  for (int co = 0; co < node->out_channels; co++)
    for (int k = 0; k < kk; k++)
      p[((gsize)(co / CO_BLOCK) * kk + k) * CO_BLOCK + co % CO_BLOCK] = w[(gsize)co * kk + k];
}

/* Every convolution's weights (packed for the direct kernels) then bias in
 * one buffer, at 16-float boundaries. */
static gboolean
upload_weights (ClBackend *b, GError **error)
{
  const CcModel *m = b->model;
  g_autoptr (GArray) all = g_array_new (FALSE, TRUE, sizeof (float));

  for (int i = 0; i < m->n_nodes; i++)
    {
      const CcNode *node = &m->nodes[i];
      if (node->op != CC_OP_CONV2D)
        continue;
      b->weight_at[i] = all->len;
      if (b->rt->direct_conv)
        append_packed (all, node);
      else
        g_array_append_vals (all, node->weight->data, node->weight->n_elements);
      g_array_set_size (all, (all->len + 15) / 16 * 16);
      if (node->bias)
        {
          b->bias_at[i] = all->len;
          g_array_append_vals (all, node->bias->data, node->bias->n_elements);
          g_array_set_size (all, (all->len + 15) / 16 * 16);
        }
    }
  return cc_cl_buffer_new (b->rt, &b->weights, all->len * sizeof (float), all->data, _ ("weights"),
                           error);
}

/* The direct kernels' padded input: pw floats a row, enough for the last
 * row segment's loads; rows of input for `rows` output rows. */
static int
padded_width (const CcNode *node, CcShape os)
{
  return (os.w + VW - 1) / VW * VW * node->stride + node->kernel - 1;
}

static int
padded_height (const CcNode *node, int rows)
{
  return (rows - 1) * node->stride + node->kernel;
}

/* 1x1, stride 1, no padding, whole row segments: the direct kernel reads
 * the input where it is. */
static gboolean
direct_in_place (const CcNode *node, CcShape os)
{
  return node->kernel == 1 && node->stride == 1 && node->padding == 0 && os.w % VW == 0;
}

/* Output rows per im2col tile (or padded input band), per convolution, and
 * the buffer they need. */
static gboolean
plan_im2col (ClBackend *b, GError **error)
{
  gsize col_bytes = 0;

  for (int i = 0; i < b->model->n_nodes; i++)
    {
      const CcNode *node = &b->model->nodes[i];
      CcShape os = b->plan->values[i + 1].shape;
      gsize row_bytes = (gsize)node->in_channels * node->kernel * node->kernel * os.w * 4;

      if (node->op != CC_OP_CONV2D)
        continue;
      if (b->rt->direct_conv)
        {
          /* A band of input rows, its pad rows counted once. */
          gsize pad_row = (gsize)node->in_channels * padded_width (node, os) * 4;
          if (direct_in_place (node, os))
            continue;
          b->col_rows[i] = (int)CLAMP (COL_BYTES_TARGET / (pad_row * node->stride), 1, (gsize)os.h);
          col_bytes = MAX (col_bytes, pad_row * padded_height (node, b->col_rows[i]));
          continue;
        }
      if (b->plan->convs[i].tile_bytes == 0)
        continue; /* 1x1, stride 1: the input is the column matrix */
      b->col_rows[i] = (int)CLAMP (COL_BYTES_TARGET / row_bytes, 1, (gsize)os.h);
      col_bytes = MAX (col_bytes, row_bytes * b->col_rows[i]);
    }
  return col_bytes == 0
         || cc_cl_buffer_new (b->rt, &b->col, col_bytes, NULL, _ ("working buffers"), error);
}

void *
cc_cl_backend_new (const CcModel *model, const CcPlan *plan, gboolean gpu_only, GError **error)
{
  ClBackend *b = g_new0 (ClBackend, 1);
  size_t wg = 0;
  cl_int err = CL_SUCCESS;

  b->model = model;
  b->plan = plan;
  b->weight_at = g_new0 (cl_ulong, MAX (model->n_nodes, 1));
  b->bias_at = g_new0 (cl_ulong, MAX (model->n_nodes, 1));
  b->col_rows = g_new0 (int, MAX (model->n_nodes, 1));
  b->rt = cc_cl_runtime_get (gpu_only, error);
  if (b->rt == NULL)
    goto fail;
  for (int k = 0; k < N_KERNELS && err == CL_SUCCESS; k++)
    b->kernels[k] = clCreateKernel (b->rt->program, kernel_names[k], &err);
  if (err != CL_SUCCESS)
    {
      g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_BUILD, _ ("Cannot load the OpenCL kernels: %s"),
                   cc_cl_status_name (err));
      goto fail;
    }
  if (!cc_cl_buffer_new (b->rt, &b->arena, plan->arena_bytes, NULL, _ ("activations"), error)
      || !upload_weights (b, error) || !plan_im2col (b, error))
    goto fail;

  /* A power of two the device accepts, for the tree reduction. */
  clGetKernelWorkGroupInfo (b->kernels[K_GLOBAL_AVGPOOL], b->rt->device, CL_KERNEL_WORK_GROUP_SIZE,
                            sizeof wg, &wg, NULL);
  b->pool_local = 64;
  while (b->pool_local > 1 && b->pool_local > MIN (wg, b->rt->max_work_group))
    b->pool_local /= 2;
  b->conv_max_local = b->rt->max_work_group;
  for (int k = K_CONV3_S1; k <= K_CONVK_S2; k++)
    if (clGetKernelWorkGroupInfo (b->kernels[k], b->rt->device, CL_KERNEL_WORK_GROUP_SIZE,
                                  sizeof wg, &wg, NULL)
        == CL_SUCCESS)
      b->conv_max_local = MIN (b->conv_max_local, wg);
  return b;

fail:
  cl_free (b);
  return NULL;
}

/* ---- launching kernels ---- */

#define ARG(x) sizeof (x), (const void *)&(x)

/* Sets the (size, pointer) pairs in ap and queues a dims-dimensional range
 * of global work-items in groups of local (NULL: the driver's choice). */
static void
launch_v (ClBackend *b, KernelId id, cl_uint dims, const size_t *global, const size_t *local,
          int n_args, va_list ap)
{
  cl_kernel k = b->kernels[id];
  cl_int err = CL_SUCCESS;

  for (cl_uint d = 0; d < dims; d++)
    if (global[d] == 0)
      return;
  if (b->status != CL_SUCCESS)
    return;
  for (int i = 0; i < n_args && err == CL_SUCCESS; i++)
    {
      size_t size = va_arg (ap, size_t);
      const void *value = va_arg (ap, const void *);
      err = clSetKernelArg (k, i, size, value);
    }
  fail (b, err, "clSetKernelArg");
  if (b->rt->fault == CC_CL_FAULT_RESOURCES || cc_cl_fault_once (b->rt, CC_CL_FAULT_RESOURCES_ONCE))
    fail (b, CL_OUT_OF_RESOURCES, kernel_names[id]); /* as a driver reports it */
  if (b->status == CL_SUCCESS)
    fail (b, clEnqueueNDRangeKernel (b->rt->queue, k, dims, NULL, global, local, 0, NULL, NULL),
          kernel_names[id]);
}

/* One dimension, groups of local (0: the driver's choice). */
static void
launch (ClBackend *b, KernelId id, size_t global, size_t local, int n_args, ...)
{
  va_list ap;

  va_start (ap, n_args);
  launch_v (b, id, 1, &global, local ? &local : NULL, n_args, ap);
  va_end (ap);
}

static void
launch_3d (ClBackend *b, KernelId id, const size_t global[3], const size_t local[3], int n_args,
           ...)
{
  va_list ap;

  va_start (ap, n_args);
  launch_v (b, id, 3, global, local, n_args, ap);
  va_end (ap);
}

static cl_ulong
floats (gsize bytes)
{
  return bytes / sizeof (float);
}

/* ---- layers ---- */

static gboolean
cl_upload (void *be, gsize offset, const float *src, gsize n, GError **error)
{
  ClBackend *b = be;

  (void)error; /* reported by sync () */
  if (b->status == CL_SUCCESS)
    fail (b,
          clEnqueueWriteBuffer (b->rt->queue, b->arena, CL_TRUE, offset, n * sizeof (float), src, 0,
                                NULL, NULL),
          "clEnqueueWriteBuffer");
  return TRUE;
}

static gboolean cl_sync (void *be, GError **error);

static gboolean
cl_download (void *be, gsize offset, float *dst, gsize n, GError **error)
{
  ClBackend *b = be;

  if (b->status == CL_SUCCESS)
    fail (b,
          clEnqueueReadBuffer (b->rt->queue, b->arena, CL_TRUE, offset, n * sizeof (float), dst, 0,
                               NULL, NULL),
          "clEnqueueReadBuffer");
  /* The lost fault: the device vanishes once the pass has run, as a GPU
   * reset shows itself. */
  if (b->rt->fault == CC_CL_FAULT_LOST)
    fail (b, CL_DEVICE_NOT_AVAILABLE, "clEnqueueReadBuffer");
  return cl_sync (be, error);
}

static void
gemm (ClBackend *b, int m, int n, int k, cl_ulong a_at, cl_mem b_mem, cl_ulong b_at, int ldb,
      cl_ulong c_at, int ldc)
{
  /* The clblast fault: a leading dimension CLBlast refuses. */
  int lda = b->rt->fault == CC_CL_FAULT_CLBLAST ? 0 : k;
  CLBlastStatusCode s;

  if (b->status != CL_SUCCESS)
    return;
  /* The clblast-memory fault: CLBlast cannot have its temporary buffer. */
  if (cc_cl_fault_once (b->rt, CC_CL_FAULT_CLBLAST_MEMORY))
    s = CLBlastTempBufferAllocFailure;
  else
    s = CLBlastSgemm (CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, m, n, k, 1.0f,
                      b->weights, a_at, lda, b_mem, b_at, ldb, 0.0f, b->arena, c_at, ldc,
                      &b->rt->queue, NULL);
  if (s != CLBlastSuccess)
    {
      /* Kept as CLBlast said it; cl_sync () names it (cc_cl_set_clblast_error). */
      b->blas_status = s;
      fail (b, CL_INVALID_OPERATION, "CLBlastSgemm");
    }
}

/* The direct kernels, band by band of col_rows[index] output rows, each
 * band's input padded into col first (or read in place).  Stride is 1 or 2
 * (cc-model.c). */
static void
conv_direct (ClBackend *b, int index, const CcNode *node, cl_ulong in_at, CcShape is,
             cl_ulong out_at, CcShape os)
{
  KernelId id = node->stride == 1 ? K_CONVK_S1 : K_CONVK_S2;
  int has_bias = node->bias != NULL, act = node->act;
  int pw = padded_width (node, os), band = b->col_rows[index];
  int c_in = node->in_channels, c_out = node->out_channels, ks = node->kernel;
  cl_ulong src_at = in_at;

  if (ks == 3)
    id = node->stride == 1 ? K_CONV3_S1 : K_CONV3_S2;
  else if (ks == 1 && node->stride == 1)
    id = K_CONV1_S1;
  if (band == 0)
    band = os.h, pw = is.w; /* in place: is.w == os.w, a whole number of VW */
  for (int oy0 = 0; oy0 < os.h; oy0 += band)
    {
      int rows = MIN (band, os.h - oy0);
      int ph = b->col_rows[index] ? padded_height (node, rows) : is.h;
      int row0 = oy0 * node->stride - node->padding;
      size_t global[3] = { (size_t)(os.w + VW - 1) / VW, (size_t)rows,
                           (size_t)(c_out + CO_BLOCK - 1) / CO_BLOCK };
      cl_mem src = b->arena;

      if (b->col_rows[index])
        {
          size_t pad_global[3] = { (size_t)pw, (size_t)ph, (size_t)c_in };
          launch_3d (b, K_PAD_INPUT, pad_global, NULL, 7, ARG (b->arena), ARG (in_at), ARG (is.h),
                     ARG (is.w), ARG (row0), ARG (node->padding), ARG (b->col));
          src = b->col;
          src_at = 0;
        }
      /* One group: every channel block of a row segment, which share its
       * input rows. */
      size_t local[3] = { 1, 1, global[2] };

      for (int ci0 = 0; ci0 < c_in; ci0 += CI_SLICE)
        {
          int c_n = MIN (CI_SLICE, c_in - ci0), last = ci0 + c_n == c_in;
          launch_3d (b, id, global, global[2] <= b->conv_max_local ? local : NULL, 21, ARG (src),
                     ARG (src_at), ARG (pw), ARG (ph), ARG (c_in), ARG (ks), ARG (b->weights),
                     ARG (b->weight_at[index]), ARG (b->bias_at[index]), ARG (has_bias), ARG (act),
                     ARG (node->alpha), ARG (b->arena), ARG (out_at), ARG (c_out), ARG (os.h),
                     ARG (os.w), ARG (oy0), ARG (ci0), ARG (c_n), ARG (last));
        }
    }
}

/* im2col tiles of col_rows[index] output rows, each a CLBlast GEMM, then
 * bias and activation. */
static void
conv_gemm (ClBackend *b, int index, const CcNode *node, cl_ulong in_at, CcShape is, cl_ulong out_at,
           CcShape os)
{
  cl_ulong plane = (cl_ulong)os.h * os.w;
  int k = node->in_channels * node->kernel * node->kernel;
  int has_bias = node->bias != NULL, act = node->act;

  if (b->col_rows[index] == 0)
    /* 1x1, stride 1, no padding: a GEMM on the input as it is. */
    gemm (b, node->out_channels, (int)plane, k, b->weight_at[index], b->arena, in_at, (int)plane,
          out_at, (int)plane);
  else
    for (int oy0 = 0; oy0 < os.h; oy0 += b->col_rows[index])
      {
        int rows = MIN (b->col_rows[index], os.h - oy0);
        int n = rows * os.w;
        launch (b, K_IM2COL, (size_t)k * n, 0, 11, ARG (b->arena), ARG (in_at), ARG (is.h),
                ARG (is.w), ARG (node->kernel), ARG (node->stride), ARG (node->padding), ARG (os.w),
                ARG (oy0), ARG (rows), ARG (b->col));
        gemm (b, node->out_channels, n, k, b->weight_at[index], b->col, 0, n,
              out_at + (cl_ulong)oy0 * os.w, (int)plane);
      }
  if (has_bias || act != CC_ACT_NONE)
    launch (b, K_BIAS_ACTIVATION, (size_t)node->out_channels * plane, 0, 8, ARG (b->arena),
            ARG (out_at), ARG (plane), ARG (b->weights), ARG (b->bias_at[index]), ARG (has_bias),
            ARG (act), ARG (node->alpha));
}

static void
cl_conv2d (void *be, int index, const CcNode *node, gsize in, CcShape is, gsize out, CcShape os)
{
  ClBackend *b = be;

  if (b->rt->direct_conv)
    conv_direct (b, index, node, floats (in), is, floats (out), os);
  else
    conv_gemm (b, index, node, floats (in), is, floats (out), os);
}

static void
cl_activation (void *be, CcActivation act, float alpha, gsize in, gsize out, gsize n)
{
  ClBackend *b = be;
  cl_ulong in_at = floats (in), out_at = floats (out);
  int a = act;

  launch (b, K_ACTIVATION, n, 0, 5, ARG (b->arena), ARG (in_at), ARG (out_at), ARG (a),
          ARG (alpha));
}

static void
cl_add (void *be, gsize a, gsize b_, gsize out, gsize n)
{
  ClBackend *b = be;
  cl_ulong a_at = floats (a), b_at = floats (b_), out_at = floats (out);

  launch (b, K_ADD, n, 0, 4, ARG (b->arena), ARG (a_at), ARG (b_at), ARG (out_at));
}

static void
cl_mul (void *be, gsize a, CcShape as, gsize b_, CcShape bs, gsize out)
{
  ClBackend *b = be;
  gsize an = (gsize)as.c * as.h * as.w;
  cl_ulong a_at = floats (a), b_at = floats (b_), out_at = floats (out);
  /* b is a's shape or its per-channel [C,1,1] factor (cc_shape_infer). */
  cl_ulong plane = bs.point ? (cl_ulong)as.h * as.w : 0;

  launch (b, K_MUL, an, 0, 5, ARG (b->arena), ARG (a_at), ARG (b_at), ARG (plane), ARG (out_at));
}

static void
cl_copy (void *be, gsize in, gsize out, gsize n)
{
  ClBackend *b = be;
  cl_ulong in_at = floats (in), out_at = floats (out);

  if (in != out)
    launch (b, K_COPY, n, 0, 3, ARG (b->arena), ARG (in_at), ARG (out_at));
}

/* The resampling kernels share their arguments; n is the output size. */
static void
resample (ClBackend *b, KernelId id, gsize in, CcShape is, gsize out, size_t n)
{
  cl_ulong in_at = floats (in), out_at = floats (out);

  launch (b, id, n, 0, 5, ARG (b->arena), ARG (in_at), ARG (is.h), ARG (is.w), ARG (out_at));
}

static void
cl_upsample_nearest (void *be, gsize in, CcShape is, gsize out)
{
  resample (be, K_UPSAMPLE_NEAREST, in, is, out, (size_t)is.c * 4 * is.h * is.w);
}

static void
cl_upsample_bilinear (void *be, gsize in, CcShape is, gsize out)
{
  resample (be, K_UPSAMPLE_BILINEAR, in, is, out, (size_t)is.c * 4 * is.h * is.w);
}

static void
cl_avgpool2 (void *be, gsize in, CcShape is, gsize out)
{
  resample (be, K_AVGPOOL2, in, is, out, (size_t)is.c * (is.h / 2) * (is.w / 2));
}

static void
cl_global_avgpool (void *be, gsize in, CcShape is, gsize out)
{
  ClBackend *b = be;
  cl_ulong in_at = floats (in), out_at = floats (out), plane = (cl_ulong)is.h * is.w;

  launch (b, K_GLOBAL_AVGPOOL, (size_t)is.c * b->pool_local, b->pool_local, 5, ARG (b->arena),
          ARG (in_at), ARG (plane), ARG (out_at), b->pool_local * sizeof (float), NULL);
}

static gboolean
cl_sync (void *be, GError **error)
{
  ClBackend *b = be;
  cl_int s = b->status;

  if (s == CL_SUCCESS)
    fail (b, clFinish (b->rt->queue), "clFinish");
  s = b->status;
  if (s == CL_SUCCESS)
    return TRUE;
  if (b->blas_status != CLBlastSuccess)
    cc_cl_set_clblast_error (b->rt, (int)b->blas_status, b->failed, error);
  else
    cc_cl_set_status_error (b->rt, s, b->failed, error);
  return FALSE;
}

const CcBackendOps cc_cl_backend_ops = {
  .name = "opencl",
  .upload = cl_upload,
  .download = cl_download,
  .conv2d = cl_conv2d,
  .activation = cl_activation,
  .add = cl_add,
  .mul = cl_mul,
  .copy = cl_copy,
  .upsample_nearest = cl_upsample_nearest,
  .upsample_bilinear = cl_upsample_bilinear,
  .avgpool2 = cl_avgpool2,
  .global_avgpool = cl_global_avgpool,
  .sync = cl_sync,
  .free = cl_free,
};

static void *
cl_create (const CcModel *model, const CcPlan *plan, int n_threads, CcDevice asked, GError **error)
{
  (void)n_threads;
  return cc_cl_backend_new (model, plan, asked == CC_DEVICE_AUTO, error);
}

/* Any OpenCL failure: the CPU takes over, after one message per process
 * (none where auto found no GPU or no OpenCL at all: nothing was asked of
 * OpenCL by name).  Other errors are the caller's. */
static gboolean
cl_fall_back (const GError *error, CcDevice asked)
{
  gboolean quiet;

  if (error == NULL || error->domain != CC_CL_ERROR)
    return FALSE;
  quiet = asked == CC_DEVICE_AUTO
          && (g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_NO_GPU)
              || g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_NO_PLATFORM));
  if (!quiet)
    cc_cl_fall_back (error);
  return TRUE;
}

const CcBackendClass cc_cl_backend_class = {
  .name = "opencl",
  .device = CC_DEVICE_OPENCL,
  .create = cl_create,
  .fall_back = cl_fall_back,
  .ops = &cc_cl_backend_ops,
};
