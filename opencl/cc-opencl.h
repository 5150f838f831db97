/* CoColor OpenCL runtime: the one device, context, queue and kernel
 * program of the process, made on first use.
 *
 * The op owns this context rather than using GEGL's (GEGL's OpenCL is off in
 * GIMP by default and only looks for GPUs).  Any failure is reported as a
 * CC_CL_ERROR; the forward pass then says so once and runs on the CPU. */
#pragma once

#include <CL/cl.h> /* OpenCL 1.2 API: CL_TARGET_OPENCL_VERSION=120 from meson */
#include <glib.h>

#include "cc-cl-api.h" /* OpenCL and CLBlast calls go through the table loaded at run time */

G_BEGIN_DECLS

#define CC_CL_ERROR (cc_cl_error_quark ())
GQuark cc_cl_error_quark (void);

typedef enum
{
  CC_CL_ERROR_NO_PLATFORM, /* no OpenCL platform or device */
  CC_CL_ERROR_NO_GPU,      /* a GPU was asked for (device auto) and there is none */
  CC_CL_ERROR_BUILD,       /* the kernels do not build */
  CC_CL_ERROR_RESOURCES,   /* out of device resources or memory: this run only */
  CC_CL_ERROR_ALLOC,       /* one buffer over CL_DEVICE_MAX_MEM_ALLOC_SIZE */
  CC_CL_ERROR_LOST,        /* the device stopped working */
  CC_CL_ERROR_CLBLAST,     /* a CLBlast call failed */
  CC_CL_ERROR_DISABLED,    /* OpenCL was turned off after an earlier failure */
} CcClError;

/* Faults the tests make happen (COCOLOR_OPENCL_FAULT=no-platform|build|
 * resources|alloc|lost|clblast|colour|resources-once|clblast-memory), read
 * when the runtime is made.  colour: the op's colour steps (cc-cl-colour.c)
 * run out of resources while the network still runs, so that their own
 * fall-back is tested.  resources-once: the first kernel launch of the
 * runtime runs out of resources, the later ones do not; clblast-memory: the
 * first CLBlast call reports CLBlastTempBufferAllocFailure.  Both fail one
 * run, and the next one is on OpenCL again. */
typedef enum
{
  CC_CL_FAULT_NONE,
  CC_CL_FAULT_NO_PLATFORM,
  CC_CL_FAULT_BUILD,
  CC_CL_FAULT_RESOURCES,
  CC_CL_FAULT_ALLOC,
  CC_CL_FAULT_LOST,
  CC_CL_FAULT_CLBLAST,
  CC_CL_FAULT_COLOUR,
  CC_CL_FAULT_RESOURCES_ONCE,
  CC_CL_FAULT_CLBLAST_MEMORY,
} CcClFault;

typedef struct
{
  cl_device_id device;
  cl_context context;
  cl_command_queue queue;
  cl_program program; /* the embedded kernels, built */
  gboolean is_gpu;
  /* Convolutions by our direct kernels (TRUE) or im2col + CLBlast: see
   * choose_conv () in cc-opencl.c. */
  gboolean direct_conv;
  cl_ulong max_alloc; /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
  size_t max_work_group;
  char *name; /* device name, for messages */
  CcClFault fault;
  gint fault_fired; /* a fault that happens once: it did (atomic) */
} CcClRuntime;

/* The process's runtime, with a reference for the caller (cc_cl_runtime_unref).
 * CC_CL_ERROR_NO_PLATFORM also when the OpenCL loader or CLBlast cannot be
 * opened (cc-cl-api.h).  gpu_only: fail with CC_CL_ERROR_NO_GPU, before building any kernel,
 * unless the device is a GPU. */
CcClRuntime *cc_cl_runtime_get (gboolean gpu_only, GError **error);
void cc_cl_runtime_unref (CcClRuntime *rt);

/* After a failure: says once per process that the CPU runs the network
 * instead (a g_message (): the picture is the same), and turns OpenCL off
 * for the process unless the failure was this run's alone (out of
 * resources or memory, one too large buffer). */
void cc_cl_fall_back (const GError *error);

/* Drops the runtime and the once-only state: the next use starts afresh
 * (tests; module unload). */
void cc_cl_shutdown (void);

/* How the program was obtained since the process started. */
typedef struct
{
  int source_builds; /* compiled from source */
  int binary_loads;  /* loaded from the binary cache */
} CcClStats;

CcClStats cc_cl_get_stats (void);

/* The name of an OpenCL status ("CL_OUT_OF_RESOURCES"), or
 * "CL_UNKNOWN_ERROR". */
const char *cc_cl_status_name (cl_int status);

/* The name of a CLBlast status: OpenCL's (-1 to -999, which CLBlast mirrors:
 * CLBlastOpenCLOutOfResources is "CL_OUT_OF_RESOURCES"), or CLBlast's own
 * (-1007 to -1024, -2039 to -2050: "CLBlastInvalidLeadDimA"). */
const char *cc_cl_clblast_status_name (int status);

/* Whether the runtime's injected fault is `fault` and fires now: the first
 * time it is asked (for the faults that happen once). */
gboolean cc_cl_fault_once (CcClRuntime *rt, CcClFault fault);

/* A read-write buffer of bytes on the runtime's device (a copy of host when
 * not NULL); what names its contents in the error.  Larger than the device
 * allows in one buffer: CC_CL_ERROR_ALLOC, before asking the driver. */
gboolean cc_cl_buffer_new (CcClRuntime *rt, cl_mem *mem, gsize bytes, void *host, const char *what,
                           GError **error);

/* The error for a failed status of the call `failed`: CC_CL_ERROR_RESOURCES
 * when the device ran out of memory or resources, CC_CL_ERROR_LOST for
 * anything else. */
void cc_cl_set_status_error (CcClRuntime *rt, cl_int status, const char *failed, GError **error);

/* The same for a CLBlast status: an OpenCL one as that OpenCL error (out of
 * resources or memory: CC_CL_ERROR_RESOURCES); CLBlast's own
 * insufficient-memory statuses CC_CL_ERROR_RESOURCES; the others
 * CC_CL_ERROR_CLBLAST, each with its name. */
void cc_cl_set_clblast_error (CcClRuntime *rt, int status, const char *failed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcClRuntime, cc_cl_runtime_unref)

G_END_DECLS
