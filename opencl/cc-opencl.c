/* CoColor OpenCL runtime (see cc-opencl.h).
 *
 * Device choice: the first GPU of any platform, else the first device of
 * any kind (PoCL's CPU device counts: it runs when asked for by name).
 * Convolutions: our direct kernels on CPU devices, CLBlast's GEMM on every
 * other (see choose_conv ()).
 * The runtime is made once and shared; a device failure turns OpenCL off
 * until cc_cl_shutdown (), so a broken driver costs one message, not one
 * per picture.  Running out of resources or memory (OpenCL's statuses, or
 * CLBlast's: cc_cl_set_clblast_error ()) fails that run alone. */
#include "config.h"

#include <clblast_c.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "cc-cl-cache.h"
#include "cc-opencl.h"
#include "opencl-kernels.h" /* cc_cl_source: the .cl files, embedded */

G_DEFINE_QUARK (cc - cl - error - quark, cc_cl_error)

static GMutex lock;
static CcClRuntime *runtime; /* the process's; NULL until first use */
static GError *disabled;     /* why OpenCL is off, once it is */
static gboolean warned;
static CcClStats stats;

static CcClFault
fault_from_env (void)
{
  static const char *names[]
      = { "",     "no-platform", "build",  "resources",      "alloc",
          "lost", "clblast",     "colour", "resources-once", "clblast-memory" };
  const char *env = g_getenv ("COCOLOR_OPENCL_FAULT");

  for (guint i = 1; env && i < G_N_ELEMENTS (names); i++)
    if (strcmp (env, names[i]) == 0)
      return (CcClFault)i;
  return CC_CL_FAULT_NONE;
}

const char *
cc_cl_status_name (cl_int status)
{
  switch (status)
    {
#define NAME(s)                                                                                    \
  case s:                                                                                          \
    return #s
      NAME (CL_SUCCESS);
      NAME (CL_DEVICE_NOT_FOUND);
      NAME (CL_DEVICE_NOT_AVAILABLE);
      NAME (CL_COMPILER_NOT_AVAILABLE);
      NAME (CL_MEM_OBJECT_ALLOCATION_FAILURE);
      NAME (CL_OUT_OF_RESOURCES);
      NAME (CL_OUT_OF_HOST_MEMORY);
      NAME (CL_PROFILING_INFO_NOT_AVAILABLE);
      NAME (CL_MEM_COPY_OVERLAP);
      NAME (CL_IMAGE_FORMAT_MISMATCH);
      NAME (CL_IMAGE_FORMAT_NOT_SUPPORTED);
      NAME (CL_BUILD_PROGRAM_FAILURE);
      NAME (CL_MAP_FAILURE);
      NAME (CL_MISALIGNED_SUB_BUFFER_OFFSET);
      NAME (CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
      NAME (CL_COMPILE_PROGRAM_FAILURE);
      NAME (CL_LINKER_NOT_AVAILABLE);
      NAME (CL_LINK_PROGRAM_FAILURE);
      NAME (CL_DEVICE_PARTITION_FAILED);
      NAME (CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
      NAME (CL_INVALID_VALUE);
      NAME (CL_INVALID_DEVICE_TYPE);
      NAME (CL_INVALID_PLATFORM);
      NAME (CL_INVALID_DEVICE);
      NAME (CL_INVALID_CONTEXT);
      NAME (CL_INVALID_QUEUE_PROPERTIES);
      NAME (CL_INVALID_COMMAND_QUEUE);
      NAME (CL_INVALID_HOST_PTR);
      NAME (CL_INVALID_MEM_OBJECT);
      NAME (CL_INVALID_IMAGE_FORMAT_DESCRIPTOR);
      NAME (CL_INVALID_IMAGE_SIZE);
      NAME (CL_INVALID_SAMPLER);
      NAME (CL_INVALID_BINARY);
      NAME (CL_INVALID_BUILD_OPTIONS);
      NAME (CL_INVALID_PROGRAM);
      NAME (CL_INVALID_PROGRAM_EXECUTABLE);
      NAME (CL_INVALID_KERNEL_NAME);
      NAME (CL_INVALID_KERNEL_DEFINITION);
      NAME (CL_INVALID_KERNEL);
      NAME (CL_INVALID_ARG_INDEX);
      NAME (CL_INVALID_ARG_VALUE);
      NAME (CL_INVALID_ARG_SIZE);
      NAME (CL_INVALID_KERNEL_ARGS);
      NAME (CL_INVALID_WORK_DIMENSION);
      NAME (CL_INVALID_WORK_GROUP_SIZE);
      NAME (CL_INVALID_WORK_ITEM_SIZE);
      NAME (CL_INVALID_GLOBAL_OFFSET);
      NAME (CL_INVALID_EVENT_WAIT_LIST);
      NAME (CL_INVALID_EVENT);
      NAME (CL_INVALID_OPERATION);
      NAME (CL_INVALID_GL_OBJECT);
      NAME (CL_INVALID_BUFFER_SIZE);
      NAME (CL_INVALID_MIP_LEVEL);
      NAME (CL_INVALID_GLOBAL_WORK_SIZE);
      NAME (CL_INVALID_PROPERTY);
      NAME (CL_INVALID_IMAGE_DESCRIPTOR);
      NAME (CL_INVALID_COMPILER_OPTIONS);
      NAME (CL_INVALID_LINKER_OPTIONS);
      NAME (CL_INVALID_DEVICE_PARTITION_COUNT);
#undef NAME
    case -1001:
      return "CL_PLATFORM_NOT_FOUND_KHR";
    default:
      return "CL_UNKNOWN_ERROR";
    }
}

/* CLBlast's statuses: -1 to -999 are OpenCL's, which CLBlast passes on or
 * mirrors (CLBlastTempBufferAllocFailure is CL_MEM_OBJECT_ALLOCATION_FAILURE);
 * -1007 to -1024 (shared with clBLAS) and -2039 to -2050 are its own. */
#define CLBLAST_IS_OPENCL(status) ((status) < 0 && (status) > -1000)

const char *
cc_cl_clblast_status_name (int status)
{
  if (status == CLBlastSuccess || CLBLAST_IS_OPENCL (status))
    return cc_cl_status_name (status);
  switch ((CLBlastStatusCode)status)
    {
#define NAME(s)                                                                                    \
  case s:                                                                                          \
    return #s
      NAME (CLBlastNotImplemented);
      NAME (CLBlastInvalidMatrixA);
      NAME (CLBlastInvalidMatrixB);
      NAME (CLBlastInvalidMatrixC);
      NAME (CLBlastInvalidVectorX);
      NAME (CLBlastInvalidVectorY);
      NAME (CLBlastInvalidDimension);
      NAME (CLBlastInvalidLeadDimA);
      NAME (CLBlastInvalidLeadDimB);
      NAME (CLBlastInvalidLeadDimC);
      NAME (CLBlastInvalidIncrementX);
      NAME (CLBlastInvalidIncrementY);
      NAME (CLBlastInsufficientMemoryA);
      NAME (CLBlastInsufficientMemoryB);
      NAME (CLBlastInsufficientMemoryC);
      NAME (CLBlastInsufficientMemoryX);
      NAME (CLBlastInsufficientMemoryY);
      NAME (CLBlastInsufficientMemoryTemp);
      NAME (CLBlastInvalidBatchCount);
      NAME (CLBlastInvalidOverrideKernel);
      NAME (CLBlastMissingOverrideParameter);
      NAME (CLBlastInvalidLocalMemUsage);
      NAME (CLBlastNoHalfPrecision);
      NAME (CLBlastNoDoublePrecision);
      NAME (CLBlastInvalidVectorScalar);
      NAME (CLBlastInsufficientMemoryScalar);
      NAME (CLBlastDatabaseError);
      NAME (CLBlastUnknownError);
      NAME (CLBlastUnexpectedError);
#undef NAME
    default:
      return "CLBlastUnknownStatus";
    }
}

/* CLBlast's own statuses that mean memory ran short: a temporary buffer it
 * could not have, or ours too small for what was asked. */
static gboolean
clblast_out_of_memory (int status)
{
  switch (status)
    {
    case CLBlastInsufficientMemoryA:
    case CLBlastInsufficientMemoryB:
    case CLBlastInsufficientMemoryC:
    case CLBlastInsufficientMemoryX:
    case CLBlastInsufficientMemoryY:
    case CLBlastInsufficientMemoryTemp:
    case CLBlastInsufficientMemoryScalar:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
cc_cl_fault_once (CcClRuntime *rt, CcClFault fault)
{
  return rt->fault == fault && g_atomic_int_compare_and_exchange (&rt->fault_fired, 0, 1);
}

gboolean
cc_cl_buffer_new (CcClRuntime *rt, cl_mem *mem, gsize bytes, void *host, const char *what,
                  GError **error)
{
  /* The alloc fault stands for a device whose largest buffer is tiny. */
  cl_ulong max = rt->fault == CC_CL_FAULT_ALLOC ? 4096 : rt->max_alloc;
  cl_int err;

  bytes = MAX (bytes, 4);
  if (bytes > max)
    {
      g_autofree char *size = g_format_size (bytes);
      g_autofree char *limit = g_format_size (max);
      g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_ALLOC,
                   /* TRANSLATORS: "the activations need 1.2 GB, more than ... (512 MB)" */
                   _ ("The %s need %s, more than %s allows in one buffer (%s)"), what, size,
                   rt->name, limit);
      return FALSE;
    }
  *mem = clCreateBuffer (rt->context, CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0), bytes,
                         host, &err);
  if (*mem == NULL)
    {
      g_autofree char *size = g_format_size (bytes);
      g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_RESOURCES,
                   _ ("Not enough memory on %s for the %s (%s): %s"), rt->name, what, size,
                   cc_cl_status_name (err));
      return FALSE;
    }
  return TRUE;
}

void
cc_cl_set_status_error (CcClRuntime *rt, cl_int status, const char *failed, GError **error)
{
  if (status == CL_OUT_OF_RESOURCES || status == CL_MEM_OBJECT_ALLOCATION_FAILURE
      || status == CL_OUT_OF_HOST_MEMORY)
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_RESOURCES,
                 _ ("%s ran out of resources (%s in %s)"), rt->name, cc_cl_status_name (status),
                 failed);
  else
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_LOST, _ ("%s stopped working (%s in %s)"),
                 rt->name, cc_cl_status_name (status), failed);
}

void
cc_cl_set_clblast_error (CcClRuntime *rt, int status, const char *failed, GError **error)
{
  if (CLBLAST_IS_OPENCL (status))
    cc_cl_set_status_error (rt, status, failed, error);
  else if (clblast_out_of_memory (status))
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_RESOURCES,
                 _ ("%s ran out of resources (%s in %s)"), rt->name,
                 cc_cl_clblast_status_name (status), failed);
  else
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_CLBLAST, _ ("CLBlast failed on %s (%s in %s)"),
                 rt->name, cc_cl_clblast_status_name (status), failed);
}

static void
runtime_free (CcClRuntime *rt)
{
  if (rt->program)
    clReleaseProgram (rt->program);
  if (rt->queue)
    clReleaseCommandQueue (rt->queue);
  /* CLBlast keeps its compiled kernels per context handle; a later context
   * could reuse this one's address.  No context: the libraries may not even
   * be there (cc-cl-api.h). */
  if (rt->context)
    {
      clReleaseContext (rt->context);
      CLBlastClearCache ();
    }
  g_free (rt->name);
}

void
cc_cl_runtime_unref (CcClRuntime *rt)
{
  if (rt)
    g_atomic_rc_box_release_full (rt, (GDestroyNotify)runtime_free);
}

/* The first GPU, else the first device of any type. */
static gboolean
choose_device (CcClFault fault, cl_platform_id *platform, cl_device_id *device, GError **error)
{
  cl_platform_id platforms[16];
  cl_uint n = 0;
  const cl_device_type types[] = { CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ALL };

  if (fault == CC_CL_FAULT_NO_PLATFORM || clGetPlatformIDs (16, platforms, &n) != CL_SUCCESS)
    n = 0;
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (cl_uint p = 0; p < MIN (n, 16); p++)
      {
        cl_uint n_devices = 0;
        if (clGetDeviceIDs (platforms[p], types[t], 1, device, &n_devices) == CL_SUCCESS
            && n_devices > 0)
          {
            *platform = platforms[p];
            return TRUE;
          }
      }
  g_set_error_literal (error, CC_CL_ERROR, CC_CL_ERROR_NO_PLATFORM,
                       _ ("No OpenCL platform with a usable device was found"));
  return FALSE;
}

/* CPU devices (PoCL): our direct kernels, 3-4x faster there than CLBlast's
 * GEMM, which has no tuning for them and needs im2col's traffic on top.
 * GPUs and accelerators: CLBlast, tuned per device.  COCOLOR_OPENCL_CONV=
 * direct|gemm overrides (tests run both on PoCL); the clblast fault needs
 * CLBlast to happen in. */
static gboolean
choose_conv (cl_device_type type, CcClFault fault)
{
  const char *env = g_getenv ("COCOLOR_OPENCL_CONV");

  if (fault == CC_CL_FAULT_CLBLAST || fault == CC_CL_FAULT_CLBLAST_MEMORY
      || g_strcmp0 (env, "gemm") == 0)
    return FALSE;
  return g_strcmp0 (env, "direct") == 0 || (type & CL_DEVICE_TYPE_CPU) != 0;
}

static CcClRuntime *
runtime_new (CcClFault fault, GError **error)
{
  g_autoptr (CcClRuntime) rt = g_atomic_rc_box_new0 (CcClRuntime);
  cl_platform_id platform;
  cl_device_type type = 0;
  size_t size = 0;
  cl_int err;

  rt->fault = fault;
  /* The libraries first: without them there is no OpenCL to ask. */
  if (cc_cl_api_load (error) == NULL || !choose_device (fault, &platform, &rt->device, error))
    return NULL;
  clGetDeviceInfo (rt->device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  clGetDeviceInfo (rt->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof rt->max_alloc, &rt->max_alloc,
                   NULL);
  clGetDeviceInfo (rt->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof rt->max_work_group,
                   &rt->max_work_group, NULL);
  rt->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
  rt->direct_conv = choose_conv (type, fault);
  clGetDeviceInfo (rt->device, CL_DEVICE_NAME, 0, NULL, &size);
  rt->name = g_malloc0 (size + 1);
  clGetDeviceInfo (rt->device, CL_DEVICE_NAME, size, rt->name, NULL);
  g_strstrip (rt->name);

  {
    cl_context_properties props[] = { CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0 };
    rt->context = clCreateContext (props, 1, &rt->device, NULL, NULL, &err);
  }
  if (rt->context != NULL)
    rt->queue = clCreateCommandQueue (rt->context, rt->device, 0, &err);
  if (rt->queue == NULL)
    {
      g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_LOST, _ ("OpenCL device %s: %s"), rt->name,
                   cc_cl_status_name (err));
      return NULL;
    }
  return g_steal_pointer (&rt);
}

/* The kernels: from the binary cache, else built (slow on PoCL). */
static gboolean
runtime_build (CcClRuntime *rt, GError **error)
{
  /* The build fault makes the compiler fail for real. */
  g_autofree char *source = g_strconcat (
      cc_cl_source, rt->fault == CC_CL_FAULT_BUILD ? "\nthis is not OpenCL C;\n" : "", NULL);
  gboolean built = FALSE;
  cl_int status = CL_SUCCESS;
  g_autofree char *log = NULL;

  rt->program
      = cc_cl_cache_build (rt->context, rt->device, source, "-cl-std=CL1.2", &built, &status, &log);
  if (rt->program == NULL && log == NULL)
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_BUILD, _ ("Cannot load the OpenCL kernels: %s"),
                 cc_cl_status_name (status));
  else if (rt->program == NULL)
    g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_BUILD,
                 _ ("The OpenCL kernels do not build (%s): %s"), cc_cl_status_name (status), log);
  if (rt->program == NULL)
    return FALSE;
  if (built)
    stats.source_builds++;
  else
    stats.binary_loads++;
  return TRUE;
}

CcClRuntime *
cc_cl_runtime_get (gboolean gpu_only, GError **error)
{
  CcClRuntime *rt = NULL;

  g_mutex_lock (&lock);
  if (disabled)
    g_propagate_error (error, g_error_copy (disabled));
  else
    {
      if (runtime == NULL)
        runtime = runtime_new (fault_from_env (), error);
      if (runtime && gpu_only && !runtime->is_gpu)
        g_set_error_literal (error, CC_CL_ERROR, CC_CL_ERROR_NO_GPU, _ ("No OpenCL GPU was found"));
      else if (runtime && (runtime->program || runtime_build (runtime, error)))
        rt = g_atomic_rc_box_acquire (runtime);
      else if (runtime)
        {
          /* Kernels that do not build will not build next time either. */
          g_set_error (&disabled, CC_CL_ERROR, CC_CL_ERROR_DISABLED,
                       _ ("OpenCL was turned off after an earlier failure"));
          g_clear_pointer (&runtime, cc_cl_runtime_unref);
        }
    }
  g_mutex_unlock (&lock);
  return rt;
}

void
cc_cl_fall_back (const GError *error)
{
  gboolean this_run_only = g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_RESOURCES)
                           || g_error_matches (error, CC_CL_ERROR, CC_CL_ERROR_ALLOC);

  g_mutex_lock (&lock);
  /* A message, not a warning: the picture is the same, and a warning of
   * the op's domain means it was not colorized (cocolor-op-contract.h). */
  if (!warned)
    g_message (_ ("OpenCL cannot run the network, so the CPU does (same result, slower): %s"),
               error->message);
  warned = TRUE;
  if (!this_run_only && !disabled)
    {
      g_set_error (&disabled, CC_CL_ERROR, CC_CL_ERROR_DISABLED,
                   _ ("OpenCL was turned off after an earlier failure"));
      g_clear_pointer (&runtime, cc_cl_runtime_unref);
    }
  g_mutex_unlock (&lock);
}

void
cc_cl_shutdown (void)
{
  g_mutex_lock (&lock);
  g_clear_pointer (&runtime, cc_cl_runtime_unref);
  g_clear_error (&disabled);
  warned = FALSE;
  g_mutex_unlock (&lock);
}

CcClStats
cc_cl_get_stats (void)
{
  CcClStats s;

  g_mutex_lock (&lock);
  s = stats;
  g_mutex_unlock (&lock);
  return s;
}
