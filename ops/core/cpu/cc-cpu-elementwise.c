/* CoColor inference core: CPU backend, activations, elementwise layers and
 * resampling (see cc-cpu.h): plain loops the compiler vectorises, split
 * over chunks or channels. */
#include "config.h"

#include <string.h>

#include "cc-cpu-private.h"

/* ---- elementwise: split into chunks ---- */

#define CHUNK (64 * 1024)

typedef struct
{
  CcActivation act;
  float alpha;
  const float *a, *b;
  float *out;
  gsize n;
  gsize plane; /* mul broadcast: elements per channel */
} EltJob;

static gsize
chunk_len (const EltJob *j, int item, gsize *start)
{
  *start = (gsize)item * CHUNK;
  return MIN ((gsize)CHUNK, j->n - *start);
}

static void
activation_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);

  (void)worker;
  if (j->out != j->a)
    memcpy (j->out + start, j->a + start, n * sizeof (float));
  bias_activation (j->out + start, n, 0.0f, j->act, j->alpha);
}

static int
n_chunks (gsize n)
{
  return (int)((n + CHUNK - 1) / CHUNK);
}

void
cc_cpu_activation (CcCpu *cpu, CcActivation act, float alpha, const float *in, float *out, gsize n)
{
  EltJob job = { act, alpha, in, NULL, out, n, 0 };

  cc_cpu_parallel_for (cpu, n_chunks (n), activation_chunk, &job);
}

static void
add_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);
  const float *a = j->a + start, *b = j->b + start;
  float *out = j->out + start;

  (void)worker;
  for (gsize i = 0; i < n; i++)
    out[i] = a[i] + b[i];
}

void
cc_cpu_add (CcCpu *cpu, const float *a, const float *b, float *out, gsize n)
{
  EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, n, 0 };

  cc_cpu_parallel_for (cpu, n_chunks (n), add_chunk, &job);
}

static void
mul_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);
  const float *a = j->a + start, *b = j->b + start;
  float *out = j->out + start;

  (void)worker;
  for (gsize i = 0; i < n; i++)
    out[i] = a[i] * b[i];
}

/* One channel times its factor. */
static void
mul_channel (int c, int worker, gpointer data)
{
  EltJob *j = data;
  const float *a = j->a + c * j->plane;
  float *out = j->out + c * j->plane;
  float f = j->b[c];

  (void)worker;
  for (gsize i = 0; i < j->plane; i++)
    out[i] = a[i] * f;
}

void
cc_cpu_mul (CcCpu *cpu, const float *a, CcShape as, const float *b, CcShape bs, float *out)
{
  gsize an = (gsize)as.c * as.h * as.w, bn = (gsize)bs.c * bs.h * bs.w;

  if (an == bn)
    {
      EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, an, 0 };
      cc_cpu_parallel_for (cpu, n_chunks (an), mul_chunk, &job);
    }
  else
    {
      /* b is the [C,1,1] factor (cc_shape_infer). */
      EltJob job = { CC_ACT_NONE, 0.0f, a, b, out, an, (gsize)as.h * as.w };
      g_return_if_fail (bn < an);
      cc_cpu_parallel_for (cpu, as.c, mul_channel, &job);
    }
}

static void
copy_chunk (int item, int worker, gpointer data)
{
  EltJob *j = data;
  gsize start, n = chunk_len (j, item, &start);

  (void)worker;
  memcpy (j->out + start, j->a + start, n * sizeof (float));
}

void
cc_cpu_copy (CcCpu *cpu, const float *in, float *out, gsize n)
{
  EltJob job = { CC_ACT_NONE, 0.0f, in, NULL, out, n, 0 };

  if (in != out)
    cc_cpu_parallel_for (cpu, n_chunks (n), copy_chunk, &job);
}

/* ---- resampling: one channel per item ---- */

typedef struct
{
  const float *in;
  CcShape is;
  float *out;
} ResampleJob;

static void
upsample_nearest_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * 4 * h * w;

  (void)worker;
  for (int y = 0; y < h; y++)
    {
      float *row = out + (gsize)2 * y * 2 * w;
      for (int x = 0; x < w; x++)
        row[2 * x] = row[2 * x + 1] = in[(gsize)y * w + x];
      memcpy (row + 2 * w, row, 2 * w * sizeof (float));
    }
}

void
cc_cpu_upsample_nearest (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  cc_cpu_parallel_for (cpu, is.c, upsample_nearest_channel, &job);
}

/* PyTorch's align_corners=False source coordinate for output index o. */
static inline void
bilinear_source (int o, int size, int *i0, int *i1, float *l1)
{
  float src = ((float)o + 0.5f) * 0.5f - 0.5f;

  if (src < 0.0f)
    src = 0.0f;
  *i0 = (int)src;
  *i1 = *i0 + (*i0 < size - 1 ? 1 : 0);
  *l1 = src - (float)*i0;
}

/* Row r interpolated along x to 2w floats.  At scale 2, output column 2i
 * samples at i - 1/4 and 2i + 1 at i + 1/4 (both clamped at the borders):
 * weights 1/4 and 3/4. */
static void
bilinear_row (const float *restrict r, int w, float *restrict o)
{
  o[0] = r[0];
  for (int i = 1; i < w; i++)
    {
      o[2 * i] = 0.25f * r[i - 1] + 0.75f * r[i];
      o[2 * i - 1] = 0.75f * r[i - 1] + 0.25f * r[i];
    }
  o[2 * w - 1] = r[w - 1];
}

static void
upsample_bilinear_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h, wo = 2 * w, ho = 2 * h;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * ho * wo;
  /* Input rows interpolated along x, the even row in [0], the odd in [1]:
   * each is made once, not once per output row that reads it. */
  g_autofree float *rows = g_new (float, 2 * (gsize)wo);
  int made[2] = { -1, -1 };

  (void)worker;
  for (int oy = 0; oy < ho; oy++)
    {
      int y[2];
      float l1, l0;
      const float *h0, *h1;
      float *o = out + (gsize)oy * wo;

      bilinear_source (oy, h, &y[0], &y[1], &l1);
      l0 = 1.0f - l1;
      for (int k = 0; k < 2; k++)
        if (made[y[k] % 2] != y[k])
          {
            bilinear_row (in + (gsize)y[k] * w, w, rows + (gsize)(y[k] % 2) * wo);
            made[y[k] % 2] = y[k];
          }
      h0 = rows + (gsize)(y[0] % 2) * wo;
      h1 = rows + (gsize)(y[1] % 2) * wo;
      for (int x = 0; x < wo; x++)
        o[x] = l0 * h0[x] + l1 * h1[x];
    }
}

void
cc_cpu_upsample_bilinear (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  cc_cpu_parallel_for (cpu, is.c, upsample_bilinear_channel, &job);
}

static void
avgpool2_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  int w = j->is.w, h = j->is.h, wo = w / 2, ho = h / 2;
  const float *in = j->in + (gsize)c * h * w;
  float *out = j->out + (gsize)c * ho * wo;

  (void)worker;
  for (int y = 0; y < ho; y++)
    {
      const float *r0 = in + (gsize)2 * y * w, *r1 = r0 + w;
      for (int x = 0; x < wo; x++)
        /* PyTorch's order: sum the window row by row, then divide. */
        out[(gsize)y * wo + x] = (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]) / 4.0f;
    }
}

void
cc_cpu_avgpool2 (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  cc_cpu_parallel_for (cpu, is.c, avgpool2_channel, &job);
}

static void
global_avgpool_channel (int c, int worker, gpointer data)
{
  ResampleJob *j = data;
  gsize n = (gsize)j->is.h * j->is.w;
  const float *in = j->in + c * n;
  float lanes[16] = { 0 };
  double sum = 0.0;
  gsize i = 0;

  (void)worker;
  /* Sixteen independent partial sums: a loop the compiler vectorises
   * without reordering any one sum, so the result stays deterministic. */
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++)
      lanes[l] += in[i + l];
  for (; i < n; i++)
    sum += in[i];
  for (int l = 0; l < 16; l++)
    sum += lanes[l];
  j->out[c] = (float)(sum / (double)n);
}

void
cc_cpu_global_avgpool (CcCpu *cpu, const float *in, CcShape is, float *out)
{
  ResampleJob job = { in, is, out };

  cc_cpu_parallel_for (cpu, is.c, global_avgpool_channel, &job);
}
