/* CoColor OpenCL program-binary cache: $XDG_CACHE_HOME/cocolor/.
 *
 * One file per device and driver; inside, the full key (device, driver,
 * build options, kernel source) and a checksum of the binary.  A file that
 * is unreadable, truncated, corrupt or made for another key is ignored, and
 * the next save replaces it atomically. */
#pragma once

#include "cc-opencl.h"

G_BEGIN_DECLS

/* The program for `source` on the runtime's device: loaded from the cache
 * when a valid entry exists, otherwise built and saved.  *built tells
 * which. */
cl_program cc_cl_cache_build (cl_context context, cl_device_id device, const char *source,
                              const char *options, gboolean *built, GError **error);

/* The cache file for device (tests corrupt it). */
char *cc_cl_cache_path (cl_device_id device);

G_END_DECLS
