/* CoColor inference core: the OpenCL backend behind CcBackendOps.
 *
 * The whole pass stays on the device: one buffer holds the plan's arena
 * (values at the plan's offsets), one the weights; convolutions are im2col
 * + CLBlastSgemm + a bias/activation kernel, the other layers one kernel
 * each.  Only the input and the output cross the bus. */
#pragma once

#include "cc-backend.h"

G_BEGIN_DECLS

/* gpu_only (device auto): CC_CL_ERROR_NO_GPU when the device is not a GPU. */
void *cc_cl_backend_new (const CcModel *model, const CcPlan *plan, gboolean gpu_only,
                         GError **error);
extern const CcBackendOps cc_cl_backend_ops;
/* What ops/cc-backends.c registers: device CC_DEVICE_OPENCL; any
 * CC_CL_ERROR makes the CPU take over (cc_cl_fall_back () says it once). */
extern const CcBackendClass cc_cl_backend_class;

G_END_DECLS
