/* CoColor OpenCL program-binary cache: $XDG_CACHE_HOME/cocolor/.
 *
 * One file per device and driver; inside, the full key (device, driver,
 * build options, kernel source) and a checksum of the binary.  A file that
 * is unreadable, truncated, corrupt or made for another key is ignored, and
 * the next save replaces it atomically. */
#pragma once

#include <CL/cl.h> /* OpenCL 1.2 API: CL_TARGET_OPENCL_VERSION=120 from meson */
#include <glib.h>

G_BEGIN_DECLS

/* A leaf: it knows OpenCL and files, not the runtime (cc-opencl.c), which
 * calls it and turns its failures into errors. */

/* The program for `source` on device: loaded from the cache when a valid
 * entry exists, otherwise built and saved.  *built tells which.  NULL when
 * it cannot be had: *status is the failing OpenCL status, and *log (free
 * it) the start of the compiler's log when the build failed, else NULL. */
cl_program cc_cl_cache_build (cl_context context, cl_device_id device, const char *source,
                              const char *options, gboolean *built, cl_int *status, char **log);

/* The cache file for device (tests corrupt it). */
char *cc_cl_cache_path (cl_device_id device);

G_END_DECLS
