/* CoColor inference core: CPU backend, the CcCpu and its thread pool (see
 * cc-cpu.h, cc-cpu-private.h).
 *
 * Threads: a GLib thread pool shares each layer's work; the caller is the
 * last worker. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>

#include "cc-cpu-private.h"

/* ---- parallel for: items handed out one at a time to the workers ---- */

typedef struct
{
  ItemFunc func;
  gpointer data;
  int n_items;
  gint next_item;
  GMutex lock;
  GCond finished;
  int helpers_running;
} Job;

typedef struct
{
  Job *job;
  int worker;
} Helper;

static void
run_items (Job *job, int worker)
{
  int item;

  while ((item = g_atomic_int_add (&job->next_item, 1)) < job->n_items)
    job->func (item, worker, job->data);
}

static void
helper_main (gpointer data, gpointer user_data)
{
  Helper *helper = data;
  Job *job = helper->job;

  (void)user_data;
  run_items (job, helper->worker);
  g_mutex_lock (&job->lock);
  job->helpers_running--;
  g_cond_signal (&job->finished);
  g_mutex_unlock (&job->lock);
}

void
cc_cpu_parallel_for (CcCpu *cpu, int n_items, ItemFunc func, gpointer data)
{
  Job job = { func, data, n_items, 0, { 0 }, { 0 }, 0 };
  Helper helpers[64];
  int n_helpers = MIN (MIN (cpu->n_threads, n_items) - 1, (int)G_N_ELEMENTS (helpers));

  if (n_helpers <= 0 || cpu->pool == NULL)
    {
      for (int i = 0; i < n_items; i++)
        func (i, 0, data);
      return;
    }

  g_mutex_init (&job.lock);
  g_cond_init (&job.finished);
  job.helpers_running = n_helpers;
  for (int h = 0; h < n_helpers; h++)
    {
      helpers[h] = (Helper){ &job, h + 1 };
      /* Exclusive pool threads already exist: pushing cannot fail. */
      g_thread_pool_push (cpu->pool, &helpers[h], NULL);
    }
  run_items (&job, 0);
  g_mutex_lock (&job.lock);
  while (job.helpers_running > 0)
    g_cond_wait (&job.finished, &job.lock);
  g_mutex_unlock (&job.lock);
  g_mutex_clear (&job.lock);
  g_cond_clear (&job.finished);
}

CcCpu *
cc_cpu_new (int n_threads, GError **error)
{
  g_autoptr (CcCpu) cpu = g_new0 (CcCpu, 1);

  if (n_threads <= 0)
    n_threads = (int)g_get_num_processors ();
  cpu->n_threads = CLAMP (n_threads, 1, 64);
#ifdef HAVE_X86_DIRECT
  /* COCOLOR_CPU_DIRECT=0 forces the portable im2col path (tests, checks). */
  cpu->direct
      = __builtin_cpu_supports ("avx512f") && g_strcmp0 (g_getenv ("COCOLOR_CPU_DIRECT"), "0") != 0;
#endif
  /* COCOLOR_CPU_WINOGRAD=0 keeps those on the direct kernel (tests, checks). */
  if (cpu->direct)
    {
      cpu->winograd = g_strcmp0 (g_getenv ("COCOLOR_CPU_WINOGRAD"), "0") == 0 ? 0 : 4;
    }
  cpu->packed = g_hash_table_new_full (NULL, NULL, NULL, free);
  cpu->wino = g_hash_table_new_full (NULL, NULL, NULL, free);
  if (cpu->n_threads > 1)
    {
      cpu->pool = g_thread_pool_new (helper_main, NULL, cpu->n_threads - 1, TRUE, error);
      if (cpu->pool == NULL)
        return NULL;
    }
  return g_steal_pointer (&cpu);
}

void
cc_cpu_free (CcCpu *cpu)
{
  if (cpu == NULL)
    return;
  if (cpu->pool)
    g_thread_pool_free (cpu->pool, FALSE, TRUE);
  g_hash_table_destroy (cpu->packed);
  g_hash_table_destroy (cpu->wino);
  free (cpu->scratch);
  g_free (cpu);
}

int
cc_cpu_get_n_threads (const CcCpu *cpu)
{
  return cpu->n_threads;
}

gboolean
cc_cpu_get_direct (const CcCpu *cpu)
{
  return cpu->direct;
}

int
cc_cpu_get_winograd (const CcCpu *cpu)
{
  return cpu->winograd;
}

/* ---- memory: all of it when the backend is made ---- */

static gsize memory_cap = G_MAXSIZE;

void
cc_cpu_set_memory_cap (gsize bytes)
{
  memory_cap = bytes;
}

gpointer
cc_cpu_try_alloc (CcCpu *cpu, gsize bytes, const char *what, GError **error)
{
  gpointer p = NULL;

  if (bytes <= memory_cap - MIN (cpu->allocated, memory_cap) && bytes < G_MAXSIZE - 64
      && posix_memalign (&p, 64, MAX (bytes, 1)) != 0)
    p = NULL;
  if (p == NULL)
    {
      g_autofree char *size = g_format_size (bytes);
      g_set_error (error, CC_PLAN_ERROR, CC_PLAN_ERROR_MEMORY,
                   /* TRANSLATORS: the first %s is a size like "1.2 GB" */
                   _ ("Not enough memory for the %s of the network (%s)"), what, size);
      return NULL;
    }
  cpu->allocated += bytes;
  return p;
}

void
cc_cpu_conv_bytes (const CcNode *node, CcShape in_shape, gsize *weights, gsize *per_worker)
{
  *weights = 0;
  *per_worker = 0;
  if (node->op != CC_OP_CONV2D || node->kernel != 3 || (node->stride != 1 && node->stride != 2))
    return;
  /* The direct kernel's packed weights, or Winograd's (COCOLOR_CPU_WINOGRAD
   * may turn it off): the larger. */
  *weights = cc_cpu_direct_weights_bytes (node);
  if (cc_cpu_winograd_fits (node))
    {
      *weights = MAX (*weights, cc_cpu_winograd_weights_bytes (node));
      *per_worker = cc_cpu_winograd_worker_bytes (node, in_shape);
    }
}

gboolean
cc_cpu_prepare (CcCpu *cpu, const CcModel *model, const CcPlan *plan, GError **error)
{
  gsize floats = 0;

  for (int i = 0; i < model->n_nodes; i++)
    {
      const CcNode *node = &model->nodes[i];

      if (node->op != CC_OP_CONV2D)
        continue;
      if (cc_cpu_winograd_applies (cpu, node))
        {
          CcShape is = plan->values[node->inputs[0]].shape;
          floats = MAX (floats, cc_cpu_winograd_worker_bytes (node, is) / sizeof (float));
          if (!cc_cpu_winograd_prepare (cpu, node, error))
            return FALSE;
        }
      else if (cc_cpu_direct_applies (cpu, node) && !cc_cpu_direct_prepare (cpu, node, error))
        return FALSE;
    }
  if (floats > cpu->scratch_floats)
    {
      float *scratch = cc_cpu_try_alloc (cpu, floats * sizeof (float) * cpu->n_threads,
                                         _ ("working buffers"), error);
      if (scratch == NULL)
        return FALSE;
      free (cpu->scratch);
      cpu->allocated -= cpu->scratch_floats * sizeof (float) * cpu->n_threads;
      cpu->scratch = scratch;
      cpu->scratch_floats = floats;
    }
  return TRUE;
}
