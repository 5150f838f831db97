/* CoColor inference core: the forward pass of a model at one input size.
 *
 * A CcForward owns a plan, the arena and scratch the plan asks for, and the
 * CPU backend.  Make one per input size and reuse it: a run allocates
 * nothing.
 *
 *   g_autoptr (CcPlan) plan = cc_plan_new (model, h, w, NULL, &error);
 *   if (cc_plan_peak_bytes (plan, threads) > budget) ...pick smaller tiles...
 *   g_autoptr (CcForward) fw = cc_forward_new (model, g_steal_pointer (&plan), threads, &error);
 *   cc_forward_run (fw, input, output, &error);
 */
#pragma once

#include "cc-plan.h"

G_BEGIN_DECLS

typedef struct _CcForward CcForward;

/* Takes ownership of plan (made for model).  n_threads <= 0: all cores. */
CcForward *cc_forward_new (const CcModel *model, CcPlan *plan, int n_threads, GError **error);
void cc_forward_free (CcForward *forward);

const CcPlan *cc_forward_get_plan (const CcForward *forward);
int cc_forward_get_n_threads (const CcForward *forward);

/* input: input_channels × H × W floats; output: the output value's
 * C × H' × W' floats (see cc_forward_get_plan()->values[model->output]). */
gboolean cc_forward_run (CcForward *forward, const float *input, float *output, GError **error);

/* Per-node wall time, in seconds, of the last run (for the benchmark).
 * Timing is off until enabled. */
void cc_forward_set_profiling (CcForward *forward, gboolean enabled);
const double *cc_forward_get_node_seconds (const CcForward *forward);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcForward, cc_forward_free)

G_END_DECLS
