/* The op's colour steps on OpenCL (see cc-cl-colour.h).
 *
 * A tile crosses the bus twice: its input pixels up, its result down; the
 * colour in between stays on the device.  Every call is blocking, so a
 * failure leaves nothing queued that still reads the caller's memory. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdarg.h>

#include "cc-cl-colour.h"
#include "cc-opencl.h"

struct _CcClColour
{
  CcClRuntime *rt;
  GMutex lock; /* GEGL's threads share the kernels' arguments and the tile buffers */
  cl_kernel guided;
  cl_mem ab;      /* the guided model: 3 planes of a, then 3 of b */
  int sw, sh;     /* the model's (small) size */
  cl_mem in, out; /* one tile, 4 floats a pixel each */
  gsize capacity; /* pixels they hold: the largest tile so far */
};

static void
release (cl_mem *mem)
{
  if (*mem)
    clReleaseMemObject (*mem);
  *mem = NULL;
}

void
cc_cl_colour_free (CcClColour *c)
{
  if (c == NULL)
    return;
  if (c->guided)
    clReleaseKernel (c->guided);
  release (&c->ab);
  release (&c->in);
  release (&c->out);
  cc_cl_runtime_unref (c->rt);
  g_mutex_clear (&c->lock);
  g_free (c);
}

/* The model's a and b, written straight from its arrays: a large working
 * size makes them large, so no second copy on the host. */
static gboolean
upload_guided (CcClColour *c, const CcGuidedModel *guided, GError **error)
{
  gsize a_bytes = (gsize)guided->width * guided->height * 3 * sizeof (float); /* b's too */
  cl_int err;

  c->sw = guided->width;
  c->sh = guided->height;
  if (!cc_cl_buffer_new (c->rt, &c->ab, 2 * a_bytes, NULL, _ ("working buffers"), error))
    return FALSE;
  err = clEnqueueWriteBuffer (c->rt->queue, c->ab, CL_TRUE, 0, a_bytes, guided->a, 0, NULL, NULL);
  if (err == CL_SUCCESS)
    err = clEnqueueWriteBuffer (c->rt->queue, c->ab, CL_TRUE, a_bytes, a_bytes, guided->b, 0, NULL,
                                NULL);
  if (err != CL_SUCCESS)
    {
      cc_cl_set_status_error (c->rt, err, "clEnqueueWriteBuffer", error);
      return FALSE;
    }
  return TRUE;
}

CcClColour *
cc_cl_colour_new (CcDevice device, const CcGuidedModel *guided, GError **error)
{
  g_autoptr (CcClColour) c = NULL;
  cl_int err = CL_SUCCESS;

  g_return_val_if_fail (guided == NULL || guided->channels == 3, NULL);
  c = g_new0 (CcClColour, 1);
  g_mutex_init (&c->lock);
  c->rt = cc_cl_runtime_get (device == CC_DEVICE_AUTO, error);
  if (c->rt == NULL)
    return NULL;
  c->guided = clCreateKernel (c->rt->program, "guided_blend", &err);
  if (err != CL_SUCCESS)
    {
      g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_BUILD, _ ("Cannot load the OpenCL kernels: %s"),
                   cc_cl_status_name (err));
      return NULL;
    }
  if (guided && !upload_guided (c, guided, error))
    return NULL;
  return g_steal_pointer (&c);
}

void
cc_cl_colour_fall_back (CcDevice device, const GError *error)
{
  /* As the network's forward pass (cc-forward.c): auto looks for a GPU and
   * quietly takes the CPU when there is none. */
  if (device == CC_DEVICE_AUTO
      && (g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_NO_GPU)
          || g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_NO_PLATFORM)))
    return;
  cc_cl_fall_back (error);
}

/* ---- one tile ---- */

/* The first failing call of a tile, as the backend keeps it. */
typedef struct
{
  cl_int status;
  const char *failed;
} Run;

static void
step (Run *run, cl_int status, const char *what)
{
  if (run->status == CL_SUCCESS && status != CL_SUCCESS)
    {
      run->status = status;
      run->failed = what;
    }
}

/* Tile buffers for n pixels, kept for the next tiles (GEGL's are mostly of
 * one size); lock held. */
static gboolean
reserve (CcClColour *c, gsize n, GError **error)
{
  if (n <= c->capacity)
    return TRUE;
  release (&c->in);
  release (&c->out);
  c->capacity = 0;
  if (!cc_cl_buffer_new (c->rt, &c->in, n * 4 * sizeof (float), NULL, _ ("working buffers"), error)
      || !cc_cl_buffer_new (c->rt, &c->out, n * 4 * sizeof (float), NULL, _ ("working buffers"),
                            error))
    return FALSE;
  c->capacity = n;
  return TRUE;
}

/* Sets the kernel's arguments, (size, pointer) pairs, and queues it over
 * global (dims dimensions). */
static void
launch (CcClColour *c, Run *run, cl_kernel k, const char *name, cl_uint dims, const size_t *global,
        int n_args, ...)
{
  va_list ap;

  va_start (ap, n_args);
  for (int i = 0; i < n_args && run->status == CL_SUCCESS; i++)
    {
      size_t size = va_arg (ap, size_t);
      const void *value = va_arg (ap, const void *);
      step (run, clSetKernelArg (k, i, size, value), "clSetKernelArg");
    }
  va_end (ap);
  /* As a driver reports it; the colour fault here only, not in the network. */
  if (c->rt->fault == CC_CL_FAULT_RESOURCES || c->rt->fault == CC_CL_FAULT_COLOUR)
    step (run, CL_OUT_OF_RESOURCES, name);
  if (run->status == CL_SUCCESS)
    step (run, clEnqueueNDRangeKernel (c->rt->queue, k, dims, NULL, global, NULL, 0, NULL, NULL),
          name);
}

#define ARG(x) sizeof (x), (const void *)&(x)

/* Reserves the buffers for n pixels and writes in to the device; FALSE
 * only when the buffers cannot be had.  Lock held. */
static gboolean
upload (CcClColour *c, Run *run, gsize n, const float *in, GError **error)
{
  cl_command_queue q = c->rt->queue;

  if (!reserve (c, n, error))
    return FALSE;
  step (run, clEnqueueWriteBuffer (q, c->in, CL_TRUE, 0, n * 4 * sizeof (float), in, 0, NULL, NULL),
        "clEnqueueWriteBuffer");
  return TRUE;
}

/* Reads the result back, and turns the tile's first failure into the
 * error.  Lock held. */
static gboolean
download (CcClColour *c, Run *run, gsize n, float *out, GError **error)
{
  if (run->status == CL_SUCCESS)
    step (run,
          clEnqueueReadBuffer (c->rt->queue, c->out, CL_TRUE, 0, n * 4 * sizeof (float), out, 0,
                               NULL, NULL),
          "clEnqueueReadBuffer");
  /* The lost fault: the device vanishes, as a GPU reset shows itself, at
   * the first wait. */
  if (c->rt->fault == CC_CL_FAULT_LOST)
    step (run, CL_DEVICE_NOT_AVAILABLE, "clEnqueueReadBuffer");
  if (run->status == CL_SUCCESS)
    return TRUE;
  cc_cl_set_status_error (c->rt, run->status, run->failed, error);
  return FALSE;
}

gboolean
cc_cl_colour_guided (CcClColour *c, int full_width, int full_height, int x0, int y0, int cols,
                     int rows, const float *in, float strength, gboolean keep_luma, float gain,
                     float *out, GError **error)
{
  const gsize n = (gsize)cols * rows;
  const size_t global[2] = { (size_t)cols, (size_t)rows };
  const int keep = keep_luma != FALSE;
  Run run = { CL_SUCCESS, NULL };
  gboolean ok;

  g_return_val_if_fail (c->ab != NULL, FALSE);
  if (n == 0)
    return TRUE;
  g_mutex_lock (&c->lock);
  ok = upload (c, &run, n, in, error);
  if (ok)
    {
      launch (c, &run, c->guided, "guided_blend", 2, global, 12, ARG (c->ab), ARG (c->sw),
              ARG (c->sh), ARG (full_width), ARG (full_height), ARG (x0), ARG (y0), ARG (c->in),
              ARG (strength), ARG (keep), ARG (gain), ARG (c->out));
      ok = download (c, &run, n, out, error);
    }
  g_mutex_unlock (&c->lock);
  return ok;
}
