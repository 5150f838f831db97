/* CoColor OpenCL program-binary cache (see cc-cl-cache.h).
 *
 * File layout: MAGIC, the key (64 hex digits, SHA-256 of device, driver,
 * options and source), the SHA-256 of the binary (64 hex digits), then the
 * binary as clGetProgramInfo gave it. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cc-cl-api.h" /* the calls through the table loaded at run time */
#include "cc-cl-cache.h"

#define MAGIC "CoColor OpenCL binary 1\n"
#define HEX 64

static char *
device_string (cl_device_id device, cl_device_info what)
{
  size_t size = 0;
  char *s;

  if (clGetDeviceInfo (device, what, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return g_strdup ("");
  s = g_malloc0 (size + 1);
  if (clGetDeviceInfo (device, what, size, s, NULL) != CL_SUCCESS)
    s[0] = '\0';
  return s;
}

/* Device and driver: what makes a binary usable. */
static char *
device_identity (cl_device_id device)
{
  g_autofree char *name = device_string (device, CL_DEVICE_NAME);
  g_autofree char *vendor = device_string (device, CL_DEVICE_VENDOR);
  g_autofree char *version = device_string (device, CL_DEVICE_VERSION);
  g_autofree char *driver = device_string (device, CL_DRIVER_VERSION);

  return g_strjoin ("\n", name, vendor, version, driver, NULL);
}

static char *
cache_dir (void)
{
  /* Read the variable itself: GLib caches g_get_user_cache_dir () for the
   * life of the process, and tests point each run elsewhere. */
  const char *xdg = g_getenv ("XDG_CACHE_HOME");

  return g_build_filename (xdg && *xdg ? xdg : g_get_user_cache_dir (), "cocolor", NULL);
}

char *
cc_cl_cache_path (cl_device_id device)
{
  g_autofree char *identity = device_identity (device);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, identity, -1);
  g_autofree char *dir = cache_dir ();
  g_autofree char *name = g_strdup_printf ("opencl-%.16s.bin", hash);

  return g_build_filename (dir, name, NULL);
}

static char *
program_key (cl_device_id device, const char *source, const char *options)
{
  g_autofree char *identity = device_identity (device);
  g_autofree char *all = g_strjoin ("\n", identity, options, source, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, all, -1);
}

/* The program from a cache file, or NULL when there is no valid entry. */
static cl_program
load (cl_context context, cl_device_id device, const char *path, const char *key,
      const char *options)
{
  g_autofree char *contents = NULL;
  gsize length = 0, header = strlen (MAGIC) + 2 * HEX;
  const unsigned char *binary;
  gsize binary_size;
  g_autofree char *sum = NULL;
  cl_int err, status;
  cl_program program;

  if (!g_file_get_contents (path, &contents, &length, NULL) || length <= header
      || memcmp (contents, MAGIC, strlen (MAGIC)) != 0
      || memcmp (contents + strlen (MAGIC), key, HEX) != 0)
    return NULL;
  binary = (const unsigned char *)contents + header;
  binary_size = length - header;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, binary, binary_size);
  if (memcmp (contents + strlen (MAGIC) + HEX, sum, HEX) != 0)
    return NULL;

  program = clCreateProgramWithBinary (context, 1, &device, &binary_size, &binary, &status, &err);
  if (program == NULL)
    return NULL;
  if (err != CL_SUCCESS || status != CL_SUCCESS
      || clBuildProgram (program, 1, &device, options, NULL, NULL) != CL_SUCCESS)
    {
      clReleaseProgram (program);
      return NULL;
    }
  return program;
}

/* Writes the program's binary; failing to save only costs a rebuild next
 * time, so errors are not reported. */
static void
save (cl_program program, const char *path, const char *key)
{
  size_t size = 0;
  g_autofree unsigned char *binary = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GByteArray) file = NULL;

  if (clGetProgramInfo (program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS
      || size == 0)
    return;
  binary = g_malloc (size);
  if (clGetProgramInfo (program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) != CL_SUCCESS)
    return;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, binary, size);
  file = g_byte_array_sized_new (strlen (MAGIC) + 2 * HEX + size);
  g_byte_array_append (file, (const guint8 *)MAGIC, strlen (MAGIC));
  g_byte_array_append (file, (const guint8 *)key, HEX);
  g_byte_array_append (file, (const guint8 *)sum, HEX);
  g_byte_array_append (file, binary, size);
  /* g_file_set_contents writes a temporary file and renames it: readers
   * see the old file or the new one, never half of one. */
  if (g_mkdir_with_parents (dir, 0700) == 0)
    g_file_set_contents (path, (const char *)file->data, file->len, NULL);
}

static char *
build_log (cl_program program, cl_device_id device)
{
  size_t size = 0;
  g_autofree char *log = NULL;

  if (clGetProgramBuildInfo (program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) != CL_SUCCESS
      || size == 0)
    return g_strdup ("");
  log = g_malloc0 (size + 1);
  clGetProgramBuildInfo (program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL);
  /* The first lines say what is wrong; the rest would flood the console. */
  return g_strndup (g_strstrip (log), 400);
}

cl_program
cc_cl_cache_build (cl_context context, cl_device_id device, const char *source, const char *options,
                   gboolean *built, cl_int *status, char **log)
{
  g_autofree char *key = program_key (device, source, options);
  g_autofree char *path = cc_cl_cache_path (device);
  cl_program program = load (context, device, path, key, options);
  cl_int err;

  *built = FALSE;
  *status = CL_SUCCESS;
  *log = NULL;
  if (program != NULL)
    return program;

  program = clCreateProgramWithSource (context, 1, &source, NULL, &err);
  if (program == NULL)
    {
      *status = err;
      return NULL;
    }
  err = clBuildProgram (program, 1, &device, options, NULL, NULL);
  if (err != CL_SUCCESS)
    {
      *status = err;
      *log = build_log (program, device);
      clReleaseProgram (program);
      return NULL;
    }
  *built = TRUE;
  save (program, path, key);
  return program;
}
