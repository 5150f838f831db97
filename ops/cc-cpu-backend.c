/* CoColor inference core: the CPU backend behind CcBackendOps.
 *
 * Offsets become pointers into a host arena; the work is cc-cpu.c's. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cc-backend.h"
#include "cc-cpu.h"

typedef struct
{
  const CcPlan *plan;
  CcCpu *cpu;
  char *arena;    /* plan->arena_bytes: every value at its planned offset */
  float *scratch; /* plan->scratch_bytes per thread (im2col tiles) */
} CpuBackend;

static gpointer
try_alloc (gsize bytes, const char *what, GError **error)
{
  gpointer p = g_try_malloc (MAX (bytes, 1));

  if (p == NULL)
    {
      g_autofree char *size = g_format_size (bytes);
      g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_MEMORY,
                   /* TRANSLATORS: the first %s is a size like "1.2 GB" */
                   _ ("Not enough memory for the %s of the network (%s)"), what, size);
    }
  return p;
}

static void
cpu_free (void *be)
{
  CpuBackend *b = be;

  if (b == NULL)
    return;
  cc_cpu_free (b->cpu);
  g_free (b->arena);
  g_free (b->scratch);
  g_free (b);
}

void *
cc_cpu_backend_new (const CcModel *model, const CcPlan *plan, int n_threads, GError **error)
{
  CpuBackend *b = g_new0 (CpuBackend, 1);

  (void)model;
  b->plan = plan;
  b->cpu = cc_cpu_new (n_threads, error);
  if (b->cpu == NULL || (b->arena = try_alloc (plan->arena_bytes, _ ("activations"), error)) == NULL
      || (b->scratch = try_alloc (plan->scratch_bytes * cc_cpu_get_n_threads (b->cpu),
                                  _ ("working buffers"), error))
             == NULL)
    {
      cpu_free (b);
      return NULL;
    }
  return b;
}

int
cc_cpu_backend_get_n_threads (void *be)
{
  return cc_cpu_get_n_threads (((CpuBackend *)be)->cpu);
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

const CcBackendOps cc_cpu_backend_ops = {
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
