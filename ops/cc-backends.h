/* CoColor: the inference backends this build has, beyond the core's CPU
 * one.  The one place that knows both the core and the OpenCL backend. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers every backend of the build with the core (cc_backend_register);
 * call it before making a CcForward that may run on a device.  Cheap and
 * thread-safe: call it as often as you like. */
void cc_backends_register_all (void);

G_END_DECLS
