/* CoColor OpenCL backend: the OpenCL loader and CLBlast, opened at run
 * time (cc-cl-api.c).
 *
 * The op links neither: GIMP's Flatpak and installers ship no OpenCL, and a
 * module that needs a library the host lacks does not load at all.  The
 * entry points the backend calls are looked up once per process into a
 * table; the macros below turn every call to them in the files that include
 * this header (through cc-opencl.h) into a call through that table, so the
 * code reads as plain OpenCL.  When either library is missing the runtime
 * fails with CC_CL_ERROR_NO_PLATFORM and the CPU runs the network.
 *
 * Which files: COCOLOR_OPENCL_LIBRARY and COCOLOR_CLBLAST_LIBRARY name them
 * (a path or a file name for the dynamic linker; the tests set a missing
 * one to run without them); otherwise the names the platform's packages
 * install (libOpenCL.so.1 and libclblast.so.1 on Linux). */
#pragma once

#include <CL/cl.h> /* OpenCL 1.2 API: CL_TARGET_OPENCL_VERSION=120 from meson */
#include <clblast_c.h>
#include <glib.h>

G_BEGIN_DECLS

/* The entry points, each named as the library exports it. */
#define CC_CL_OPENCL_FUNCTIONS(F)                                                                  \
  F (clBuildProgram)                                                                               \
  F (clCreateBuffer)                                                                               \
  F (clCreateCommandQueue)                                                                         \
  F (clCreateContext)                                                                              \
  F (clCreateKernel)                                                                               \
  F (clCreateProgramWithBinary)                                                                    \
  F (clCreateProgramWithSource)                                                                    \
  F (clEnqueueNDRangeKernel)                                                                       \
  F (clEnqueueReadBuffer)                                                                          \
  F (clEnqueueWriteBuffer)                                                                         \
  F (clFinish)                                                                                     \
  F (clGetDeviceIDs)                                                                               \
  F (clGetDeviceInfo)                                                                              \
  F (clGetKernelWorkGroupInfo)                                                                     \
  F (clGetPlatformIDs)                                                                             \
  F (clGetProgramBuildInfo)                                                                        \
  F (clGetProgramInfo)                                                                             \
  F (clReleaseCommandQueue)                                                                        \
  F (clReleaseContext)                                                                             \
  F (clReleaseKernel)                                                                              \
  F (clReleaseMemObject)                                                                           \
  F (clReleaseProgram)                                                                             \
  F (clSetKernelArg)
#define CC_CL_CLBLAST_FUNCTIONS(F)                                                                 \
  F (CLBlastClearCache)                                                                            \
  F (CLBlastSgemm)

/* Pointers typed from the headers' own declarations. */
#define CC_CL_API_FIELD(name) __typeof__ (name) *name;
typedef struct
{
  CC_CL_OPENCL_FUNCTIONS (CC_CL_API_FIELD)
  CC_CL_CLBLAST_FUNCTIONS (CC_CL_API_FIELD)
} CcClApi;
#undef CC_CL_API_FIELD

/* Opens both libraries and resolves every entry point, the first time it
 * is called in the process (later calls give the same answer): the table,
 * or NULL and a CC_CL_ERROR_NO_PLATFORM saying which library or entry point
 * is missing.  Thread-safe. */
const CcClApi *cc_cl_api_load (GError **error);

/* The table, once cc_cl_api_load () succeeded (the runtime exists only
 * then). */
const CcClApi *cc_cl_api (void);

#ifndef CC_CL_API_NO_REDIRECT
#define clBuildProgram (cc_cl_api ()->clBuildProgram)
#define clCreateBuffer (cc_cl_api ()->clCreateBuffer)
#define clCreateCommandQueue (cc_cl_api ()->clCreateCommandQueue)
#define clCreateContext (cc_cl_api ()->clCreateContext)
#define clCreateKernel (cc_cl_api ()->clCreateKernel)
#define clCreateProgramWithBinary (cc_cl_api ()->clCreateProgramWithBinary)
#define clCreateProgramWithSource (cc_cl_api ()->clCreateProgramWithSource)
#define clEnqueueNDRangeKernel (cc_cl_api ()->clEnqueueNDRangeKernel)
#define clEnqueueReadBuffer (cc_cl_api ()->clEnqueueReadBuffer)
#define clEnqueueWriteBuffer (cc_cl_api ()->clEnqueueWriteBuffer)
#define clFinish (cc_cl_api ()->clFinish)
#define clGetDeviceIDs (cc_cl_api ()->clGetDeviceIDs)
#define clGetDeviceInfo (cc_cl_api ()->clGetDeviceInfo)
#define clGetKernelWorkGroupInfo (cc_cl_api ()->clGetKernelWorkGroupInfo)
#define clGetPlatformIDs (cc_cl_api ()->clGetPlatformIDs)
#define clGetProgramBuildInfo (cc_cl_api ()->clGetProgramBuildInfo)
#define clGetProgramInfo (cc_cl_api ()->clGetProgramInfo)
#define clReleaseCommandQueue (cc_cl_api ()->clReleaseCommandQueue)
#define clReleaseContext (cc_cl_api ()->clReleaseContext)
#define clReleaseKernel (cc_cl_api ()->clReleaseKernel)
#define clReleaseMemObject (cc_cl_api ()->clReleaseMemObject)
#define clReleaseProgram (cc_cl_api ()->clReleaseProgram)
#define clSetKernelArg (cc_cl_api ()->clSetKernelArg)
#define CLBlastClearCache (cc_cl_api ()->CLBlastClearCache)
#define CLBlastSgemm (cc_cl_api ()->CLBlastSgemm)
#endif

G_END_DECLS
