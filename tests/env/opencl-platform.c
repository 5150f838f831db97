/* The OpenCL installation the project relies on: a PoCL platform whose
 * device builds and runs a kernel with the right result. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <string.h>

static const char *kernel_source
    = "__kernel void axpy (float a, __global const float *x, __global float *y)\n"
      "{ size_t i = get_global_id (0); y[i] = a * x[i] + y[i]; }\n";

static int
fail (const char *what, cl_int err)
{
  fprintf (stderr, "%s failed: OpenCL error %d\n", what, err);
  return 1;
}

static int
run_axpy (cl_platform_id platform, cl_device_id device)
{
  enum
  {
    N = 1024
  };
  float x[N], y[N];
  cl_int err;

  for (int i = 0; i < N; i++)
    {
      x[i] = (float)i;
      y[i] = 1.0f;
    }
  cl_context_properties props[] = { CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0 };
  cl_context ctx = clCreateContext (props, 1, &device, NULL, NULL, &err);
  if (!ctx)
    return fail ("clCreateContext", err);
  cl_command_queue q = clCreateCommandQueue (ctx, device, 0, &err);
  if (!q)
    return fail ("clCreateCommandQueue", err);
  cl_program prog = clCreateProgramWithSource (ctx, 1, &kernel_source, NULL, &err);
  if (!prog)
    return fail ("clCreateProgramWithSource", err);
  if ((err = clBuildProgram (prog, 1, &device, "", NULL, NULL)) != CL_SUCCESS)
    return fail ("clBuildProgram", err);
  cl_kernel k = clCreateKernel (prog, "axpy", &err);
  if (!k)
    return fail ("clCreateKernel", err);
  cl_mem bx = clCreateBuffer (ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof x, x, &err);
  cl_mem by = clCreateBuffer (ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof y, y, &err);
  if (!bx || !by)
    return fail ("clCreateBuffer", err);
  float a = 2.0f;
  size_t global = N;
  clSetKernelArg (k, 0, sizeof a, &a);
  clSetKernelArg (k, 1, sizeof bx, &bx);
  clSetKernelArg (k, 2, sizeof by, &by);
  if ((err = clEnqueueNDRangeKernel (q, k, 1, NULL, &global, NULL, 0, NULL, NULL)) != CL_SUCCESS)
    return fail ("clEnqueueNDRangeKernel", err);
  if ((err = clEnqueueReadBuffer (q, by, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL)) != CL_SUCCESS)
    return fail ("clEnqueueReadBuffer", err);

  int bad = 0;
  for (int i = 0; i < N; i++)
    if (y[i] != 2.0f * i + 1.0f)
      bad++;
  clReleaseMemObject (bx);
  clReleaseMemObject (by);
  clReleaseKernel (k);
  clReleaseProgram (prog);
  clReleaseCommandQueue (q);
  clReleaseContext (ctx);
  if (bad)
    fprintf (stderr, "axpy: %d of %d results wrong\n", bad, N);
  return bad != 0;
}

int
main (void)
{
  cl_platform_id platforms[16];
  cl_uint n_platforms = 0;
  cl_int err = clGetPlatformIDs (16, platforms, &n_platforms);

  if (err != CL_SUCCESS || n_platforms == 0)
    return fail ("clGetPlatformIDs (no OpenCL platform)", err);

  for (cl_uint p = 0; p < n_platforms && p < 16; p++)
    {
      char name[256] = "";
      clGetPlatformInfo (platforms[p], CL_PLATFORM_NAME, sizeof name, name, NULL);
      printf ("platform %u: %s\n", p, name);
      if (!strstr (name, "Portable Computing Language"))
        continue;

      cl_device_id device;
      cl_uint n_devices = 0;
      err = clGetDeviceIDs (platforms[p], CL_DEVICE_TYPE_ALL, 1, &device, &n_devices);
      if (err != CL_SUCCESS || n_devices == 0)
        return fail ("clGetDeviceIDs on PoCL", err);
      char dev_name[256] = "";
      clGetDeviceInfo (device, CL_DEVICE_NAME, sizeof dev_name, dev_name, NULL);
      printf ("PoCL device: %s\n", dev_name);
      return run_axpy (platforms[p], device);
    }
  fprintf (stderr, "no PoCL platform among %u OpenCL platforms\n", n_platforms);
  return 1;
}
