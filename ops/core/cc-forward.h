/* CoColor inference core: the forward pass of a model at one input size.
 *
 * A CcForward owns a plan and a backend (CPU, or a registered device backend
 * where asked for and usable, see cc-backend.h) holding the arena and
 * scratch the plan asks for.  Make one per input size and reuse it: a run
 * allocates nothing.  When a device backend fails, it says so once and the
 * CPU backend gives the same picture.
 *
 *   g_autoptr (CcPlan) plan = cc_plan_new (model, h, w, NULL, &error);
 *   if (cc_plan_peak_bytes (plan, threads) > budget) ...pick smaller tiles...
 *   g_autoptr (CcForward) fw = cc_forward_new (model, g_steal_pointer (&plan), threads, &error);
 *   cc_forward_run (fw, input, output, &error);
 */
#pragma once

#include "cc-backend.h" /* CcDevice */

G_BEGIN_DECLS

typedef struct _CcForward CcForward;

/* COCOLOR_DEVICE=cpu|opencl|auto when set (tests, benchmarks), else fallback. */
CcDevice cc_device_from_env (CcDevice fallback);

/* Takes ownership of plan (made for model).  n_threads <= 0: all cores.
 * cc_forward_new runs on the CPU. */
CcForward *cc_forward_new (const CcModel *model, CcPlan *plan, int n_threads, GError **error);
CcForward *cc_forward_new_on (const CcModel *model, CcPlan *plan, int n_threads, CcDevice device,
                              GError **error);
void cc_forward_free (CcForward *forward);

const CcPlan *cc_forward_get_plan (const CcForward *forward);
int cc_forward_get_n_threads (const CcForward *forward);
/* The backend in use: CC_DEVICE_CPU or the device backend's device. */
CcDevice cc_forward_get_device (const CcForward *forward);

/* input: input_channels × H × W floats; output: the output value's
 * C × H' × W' floats (see cc_forward_get_plan()->values[model->output]). */
gboolean cc_forward_run (CcForward *forward, const float *input, float *output, GError **error);

/* Per-node wall time, in seconds, of the last run (for the benchmark).
 * Timing is off until enabled. */
void cc_forward_set_profiling (CcForward *forward, gboolean enabled);
const double *cc_forward_get_node_seconds (const CcForward *forward);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcForward, cc_forward_free)

G_END_DECLS
