/* CoColor inference core: the CPU backend behind CcBackendOps.
 *
 * Offsets become pointers into a host arena; the work is cc-cpu.c's. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "cc-backend.h"
#include "cc-cpu-private.h"

typedef struct
{
  const CcPlan *plan;
  CcCpu *cpu;
  char *arena;    /* plan->arena_bytes: every value at its planned offset */
  float *scratch; /* plan->scratch_bytes per thread (im2col tiles) */
} CpuBackend;

static void
cpu_free (void *be)
{
  CpuBackend *b = be;

  if (b == NULL)
    return;
  cc_cpu_free (b->cpu);
  free (b->arena);
  free (b->scratch);
  g_free (b);
}

static void *
cpu_new (const CcModel *model, const CcPlan *plan, int n_threads, CcDevice asked, GError **error)
{
  CpuBackend *b = g_new0 (CpuBackend, 1);

  (void)asked;
  b->plan = plan;
  b->cpu = cc_cpu_new (n_threads, error);
  /* Everything a run needs, now: the plan counted it in its peak. */
  if (b->cpu == NULL
      || (b->arena = cc_cpu_try_alloc (b->cpu, plan->arena_bytes, _ ("activations"), error)) == NULL
      || (b->scratch
          = cc_cpu_try_alloc (b->cpu, plan->scratch_bytes * cc_cpu_get_n_threads (b->cpu),
                              _ ("working buffers"), error))
             == NULL
      || !cc_cpu_prepare (b->cpu, model, plan, error))
    {
      cpu_free (b);
      return NULL;
    }
  return b;
}

static float *
at (void *be, gsize offset)
{
  return (float *)(((CpuBackend *)be)->arena + offset);
}

static CcCpu *
cpu (void *be)
{
  return ((CpuBackend *)be)->cpu;
}

static gboolean
cpu_upload (void *be, gsize offset, const float *src, gsize n, GError **error)
{
  (void)error;
  memcpy (at (be, offset), src, n * sizeof (float));
  return TRUE;
}

static gboolean
cpu_download (void *be, gsize offset, float *dst, gsize n, GError **error)
{
  (void)error;
  memcpy (dst, at (be, offset), n * sizeof (float));
  return TRUE;
}

static void
cpu_conv2d (void *be, int index, const CcNode *node, gsize in, CcShape is, gsize out, CcShape os)
{
  CpuBackend *b = be;

  cc_cpu_conv2d (b->cpu, node, &b->plan->convs[index], at (be, in), is, at (be, out), os,
                 b->scratch);
}

static void
cpu_activation (void *be, CcActivation act, float alpha, gsize in, gsize out, gsize n)
{
  cc_cpu_activation (cpu (be), act, alpha, at (be, in), at (be, out), n);
}

static void
cpu_add (void *be, gsize a, gsize b, gsize out, gsize n)
{
  cc_cpu_add (cpu (be), at (be, a), at (be, b), at (be, out), n);
}

static void
cpu_mul (void *be, gsize a, CcShape as, gsize b, CcShape bs, gsize out)
{
  cc_cpu_mul (cpu (be), at (be, a), as, at (be, b), bs, at (be, out));
}

static void
cpu_copy (void *be, gsize in, gsize out, gsize n)
{
  cc_cpu_copy (cpu (be), at (be, in), at (be, out), n);
}

static void
cpu_upsample_nearest (void *be, gsize in, CcShape is, gsize out)
{
  cc_cpu_upsample_nearest (cpu (be), at (be, in), is, at (be, out));
}

static void
cpu_upsample_bilinear (void *be, gsize in, CcShape is, gsize out)
{
  cc_cpu_upsample_bilinear (cpu (be), at (be, in), is, at (be, out));
}

static void
cpu_avgpool2 (void *be, gsize in, CcShape is, gsize out)
{
  cc_cpu_avgpool2 (cpu (be), at (be, in), is, at (be, out));
}

static void
cpu_global_avgpool (void *be, gsize in, CcShape is, gsize out)
{
  cc_cpu_global_avgpool (cpu (be), at (be, in), is, at (be, out));
}

static gboolean
cpu_sync (void *be, GError **error)
{
  (void)be;
  (void)error;
  return TRUE; /* every call above has finished when it returns */
}

static const CcBackendOps cpu_ops = {
  .name = "cpu",
  .upload = cpu_upload,
  .download = cpu_download,
  .conv2d = cpu_conv2d,
  .activation = cpu_activation,
  .add = cpu_add,
  .mul = cpu_mul,
  .copy = cpu_copy,
  .upsample_nearest = cpu_upsample_nearest,
  .upsample_bilinear = cpu_upsample_bilinear,
  .avgpool2 = cpu_avgpool2,
  .global_avgpool = cpu_global_avgpool,
  .sync = cpu_sync,
  .free = cpu_free,
};

const CcBackendClass cc_cpu_backend_class = {
  .name = "cpu",
  .device = CC_DEVICE_CPU,
  .create = cpu_new,
  .fall_back = NULL,
  .ops = &cpu_ops,
};
