/* The network (see cc-network.h): the cache of loaded models by file and
 * device, the op's contract checks on a model, and one run of the forward
 * pass on a padded picture. */
#include "config.h"

#include "cc-network.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cc-backends.h"
#include "cc-forward.h"
#include "cc-network-input.h"

/* The most activation memory one network run may take; past it the op
 * asks for a smaller working size instead of driving GIMP out of memory. */
#define MAX_RUN_BYTES ((gsize)3 << 30)
/* Input sides are padded to a multiple of what the network downsamples by;
 * CoColor's networks take 16, and past this padding alone would dwarf any
 * working picture. */
#define MAX_DOWNSAMPLES 256

struct _CcNetwork
{
  gatomicrefcount refs;
  char *key; /* in the cache: device and path */
  char *path;
  CcDevice device;
  gint64 mtime, size; /* of the file when loaded */
  CcModel *model;
  GMutex lock;        /* one run at a time; guards forward */
  CcForward *forward; /* for the last size run; kept, since sizes repeat */
};

/* Loaded models by device and path, shared by every op instance. */
static GMutex cache_lock;
static GHashTable *cache;

static const char *
task_label (CcTask task)
{
  return task == CC_TASK_NIR ? _ ("near-infrared") : _ ("grayscale");
}

static gboolean
check_contract (const CcModel *model, CcTask task, GError **error)
{
  const CcModelInfo *info = &model->info;
  if (info->task != task)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("%s is a %s model, but the mode asks for %s"), model->path,
                   task_label (info->task), task_label (task));
      return FALSE;
    }
  /* The picture is one channel; hint planes may follow it (cc-hints.h). */
  const int picture_channels = info->n_hints ? info->hint_first : info->input_channels;
  if (picture_channels != 1 || info->output_channels != 3 || !info->output_space
      || g_ascii_strncasecmp (info->output_space, "srgb", 4) != 0
      || !(info->input_max > info->input_min) || !(info->output_max > info->output_min))
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("%s does not take one luminance channel and give sRGB colour "
                      "(%d channels in, %d out, output space “%s”)"),
                   model->path, picture_channels, info->output_channels,
                   info->output_space ? info->output_space : "");
      return FALSE;
    }
  if (model->downsamples > MAX_DOWNSAMPLES)
    {
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                   _ ("%s shrinks its input %d times; the op takes networks that shrink it "
                      "at most %d times (every side is padded to a multiple of that)"),
                   model->path, model->downsamples, MAX_DOWNSAMPLES);
      return FALSE;
    }
  return TRUE;
}

static void
network_free (CcNetwork *network)
{
  g_clear_pointer (&network->forward, cc_forward_free);
  g_clear_pointer (&network->model, cc_model_free);
  g_mutex_clear (&network->lock);
  g_free (network->path);
  g_free (network->key);
  g_free (network);
}

CcNetwork *
cc_network_ref (CcNetwork *network)
{
  g_atomic_ref_count_inc (&network->refs);
  return network;
}

void
cc_network_unref (CcNetwork *network)
{
  if (network && g_atomic_ref_count_dec (&network->refs))
    network_free (network);
}

CcNetwork *
cc_network_get (const char *path, CcTask task, CcDevice device, GError **error)
{
  GStatBuf st;
  device = cc_device_from_env (device);
  g_autofree char *key = g_strdup_printf ("%d:%s", (int)device, path ? path : "");

  if (!path || g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_IO, _ ("Cannot open the model %s: %s"),
                   path ? path : "(none)", g_strerror (saved));
      return NULL;
    }

  g_mutex_lock (&cache_lock);
  if (!cache)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)cc_network_unref);
  CcNetwork *network = g_hash_table_lookup (cache, key);
  if (network && (network->mtime != (gint64)st.st_mtime || network->size != st.st_size))
    {
      g_hash_table_remove (cache, key); /* the file changed: load it again */
      network = NULL;
    }
  if (!network)
    {
      CcModel *model = cc_model_load (path, error);
      if (model)
        {
          network = g_new0 (CcNetwork, 1);
          g_atomic_ref_count_init (&network->refs);
          network->key = g_strdup (key);
          network->path = g_strdup (path);
          network->device = device;
          network->mtime = st.st_mtime;
          network->size = st.st_size;
          network->model = model;
          g_mutex_init (&network->lock);
          g_hash_table_insert (cache, network->key, network);
        }
    }
  if (network)
    cc_network_ref (network);
  g_mutex_unlock (&cache_lock);

  if (network && !check_contract (network->model, task, error))
    g_clear_pointer (&network, cc_network_unref);
  return network;
}

void
cc_network_clear_cache (void)
{
  g_mutex_lock (&cache_lock);
  g_clear_pointer (&cache, g_hash_table_unref);
  g_mutex_unlock (&cache_lock);
}

const CcModel *
cc_network_get_model (const CcNetwork *network)
{
  return network->model;
}

static int
round_up (int v, int multiple)
{
  return (v + multiple - 1) / multiple * multiple;
}

/* A forward pass for height × width, reusing the last one when it fits. */
static CcForward *
forward_for (CcNetwork *network, int height, int width, GError **error)
{
  CcForward *fw = network->forward;
  if (fw && cc_forward_get_plan (fw)->height == height && cc_forward_get_plan (fw)->width == width)
    return fw;
  g_clear_pointer (&network->forward, cc_forward_free);

  int threads = (int)g_get_num_processors ();
  g_autoptr (CcPlan) plan = cc_plan_new (network->model, height, width, NULL, error);
  if (!plan)
    return NULL;
  gsize peak = cc_plan_peak_bytes (plan, threads);
  if (peak > MAX_RUN_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("A %d×%d working picture needs %" G_GSIZE_FORMAT " MB for the network; "
                      "lower the working size"),
                   width, height, peak >> 20);
      return NULL;
    }
  cc_backends_register_all ();
  network->forward = cc_forward_new_on (network->model, g_steal_pointer (&plan), threads,
                                        network->device, error);
  return network->forward;
}

gboolean
cc_network_takes_hints (const CcNetwork *network)
{
  return network->model->info.n_hints > 0;
}

int
cc_network_hint_min_radius (const CcNetwork *network)
{
  return network->model->info.hint_min_radius;
}

gboolean
cc_network_run (CcNetwork *network, const float *lum, const float *hints, int width, int height,
                float *rgb, GError **error)
{
  const CcModelInfo *info = &network->model->info;
  const int step = MAX (1, network->model->downsamples);
  const int W = round_up (width, step), H = round_up (height, step);
  const gsize n = (gsize)W * H;
  gboolean ok = FALSE;

  g_autofree float *in = g_try_new0 (float, n * info->input_channels);
  g_autofree float *out = g_try_new (float, n * 3);
  if (!in || !out)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory for a %d×%d working picture"), W, H);
      return FALSE;
    }
  cc_network_input_fill (info, lum, hints, width, height, W, H, in);

  g_mutex_lock (&network->lock);
  CcForward *fw = forward_for (network, H, W, error);
  if (fw)
    {
      /* The op rebuilds full resolution itself: it wants colour at the
       * size it asked for. */
      CcShape shape = cc_forward_get_plan (fw)->values[network->model->output].shape;
      if (shape.c != 3 || shape.h != H || shape.w != W)
        g_set_error (error, CC_MODEL_ERROR, CC_MODEL_ERROR_CONTRACT,
                     _ ("%s gives a %d×%d×%d output for a %d×%d input; the op needs 3×%d×%d"),
                     network->path, shape.c, shape.h, shape.w, H, W, H, W);
      else
        {
          const CcDevice before = cc_forward_get_device (fw);
          ok = cc_forward_run (fw, in, out, error);
          /* The device failed and the CPU ran this picture: the next run
           * asks for the device again (OpenCL stays off after a failure
           * that is not this run's alone). */
          if (cc_forward_get_device (fw) != before)
            g_clear_pointer (&network->forward, cc_forward_free);
        }
    }
  g_mutex_unlock (&network->lock);
  if (!ok)
    return FALSE;

  const float range = info->output_max - info->output_min;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        {
          float v = (out[(gsize)c * n + (gsize)y * W + x] - info->output_min) / range;
          rgb[((gsize)c * height + y) * width + x] = CLAMP (v, 0.0f, 1.0f);
        }
  return TRUE;
}
