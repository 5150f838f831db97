/* One picture's prediction (see cc-prediction.h): the network's colour for
 * the whole picture at working size, fitted for guided upsampling; and the
 * op's result for a tile from it, on the OpenCL device or the CPU. */
#include "config.h"

#include "cc-prediction.h"

#include "cc-blend.h"
#include "cc-hints-read.h"
#include "cc-luma.h"
#include "cc-nir-signal.h"
#if COCOLOR_HAVE_OPENCL
#include "cc-cl-colour.h"
#endif

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* Guided upsampling on the small picture: a window of (2r+1)² pixels and a
 * regulariser for flat regions, both in working-size units.  Chosen per mode
 * on the EPFL training pairs at full resolution (README, Quality): NIR mode
 * gains from following its input's fine structure closely (small eps); in
 * gray mode a wider window gained a little PSNR but washed colour out. */
static const struct
{
  int radius;
  float eps;
} guided_params[] = {
  [CC_TASK_NIR] = { 2, 1e-4f },
  [CC_TASK_GRAY] = { 2, 1e-3f },
};

gboolean
cc_prediction_key_equal (const CcPredictionKey *a, const CcPredictionKey *b)
{
  return a->task == b->task && g_strcmp0 (a->model_path, b->model_path) == 0
         && a->working_size == b->working_size && a->device == b->device && a->level == b->level
         && gegl_rectangle_equal (&a->bbox, &b->bbox)
         && gegl_rectangle_equal (&a->hints_bbox, &b->hints_bbox);
}

void
cc_prediction_key_clear (CcPredictionKey *key)
{
  g_clear_pointer (&key->model_path, g_free);
}

/* Size (w × h) at which the network sees a picture of width × height:
 * the long side becomes working_size (never upscaled). */
static void
small_size (int width, int height, int working_size, int *w, int *h)
{
  int long_side = MAX (width, height);
  if (working_size <= 0 || long_side <= working_size)
    {
      *w = width;
      *h = height;
      return;
    }
  double scale = (double)working_size / long_side;
  *w = MAX (1, (int)lround (width * scale));
  *h = MAX (1, (int)lround (height * scale));
}

/* Area-averages the picture down to w × h in one pass over the input tiles
 * (R'G'B'A): each source pixel falls in exactly one small pixel.  lum
 * receives the luminance, rgb (3 floats a pixel) the channels, for the NIR
 * signal's fit (cc-nir-signal.h).  NaN and out-of-range values (float
 * pictures) must not reach the network: each is clamped to [0, 1], a
 * non-finite one counts as 0. */
static gboolean
read_small (GeglBuffer *input, const GeglRectangle *rect, int level, const Babl *format, int w,
            int h, float *lum, float *rgb, GError **error)
{
  gsize n = (gsize)w * h;
  g_autofree double *sum = g_try_new0 (double, n);
  g_autofree guint32 *count = g_try_new0 (guint32, n);
  g_autofree int *bin_x = g_try_new (int, rect->width);
  if (!sum || !count || !bin_x)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory while reading a %d×%d picture"), rect->width, rect->height);
      return FALSE;
    }
  for (int x = 0; x < rect->width; x++)
    bin_x[x] = (int)((gint64)x * w / rect->width);
  memset (rgb, 0, n * 3 * sizeof (float));

  GeglBufferIterator *it = gegl_buffer_iterator_new (input, rect, level, format, GEGL_ACCESS_READ,
                                                     GEGL_ABYSS_CLAMP, 1);
  while (gegl_buffer_iterator_next (it))
    {
      const float *px = it->items[0].data;
      const GeglRectangle *roi = &it->items[0].roi;
      for (int y = 0; y < roi->height; y++)
        {
          int by = (int)((gint64)(roi->y - rect->y + y) * h / rect->height);
          double *srow = sum + (gsize)by * w;
          float *rgb_row = rgb + (gsize)by * w * 3;
          guint32 *crow = count + (gsize)by * w;
          const float *line = px + (gsize)y * roi->width * 4;
          for (int x = 0; x < roi->width; x++)
            {
              int bx = bin_x[roi->x - rect->x + x];
              float v = cc_luma (line + 4 * x);
              srow[bx] += isfinite (v) ? CLAMP (v, 0.0f, 1.0f) : 0.0f;
              for (int k = 0; k < 3; k++)
                {
                  float c = line[4 * x + k];
                  rgb_row[3 * bx + k] += isfinite (c) ? CLAMP (c, 0.0f, 1.0f) : 0.0f;
                }
              crow[bx]++;
            }
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      lum[i] = count[i] ? (float)(sum[i] / count[i]) : 0.0f;
      for (int k = 0; k < 3; k++)
        rgb[3 * i + k] = count[i] ? rgb[3 * i + k] / count[i] : 0.0f;
    }
  return TRUE;
}

/* The hint planes at working size (w × h) from the hint picture over rect
 * (cc-hints.h: the hints, then the nearest hint at every cell),
 * read tile by tile at full resolution whatever the level the picture is
 * rendered at: a mipmap averages a small dot's alpha below the threshold
 * (GIMP shows a zoomed-out picture from level 1 and up), and every hint
 * must count.  *found says whether it holds a hint; *planes stays NULL
 * when it holds none, and for a network without hint inputs, which only
 * needs to know that.  FALSE only when memory runs out. */
static gboolean
read_hints (GeglBuffer *hints, const GeglRectangle *rect, int w, int h, const CcNetwork *network,
            gboolean *found, float **planes, GError **error)
{
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (rect->width, rect->height, w, h);

  *found = FALSE;
  *planes = NULL;
  if (!grid)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory for the colour hints of a %d×%d working picture"), w, h);
      return FALSE;
    }
  /* The hint colour as 8-bit sRGB, whatever the hint picture's space (an
   * 8-bit sRGB layer or PNG is read as it is stored); outside the hint
   * picture nothing (GEGL_ABYSS_NONE is transparent). */
  if (!cc_hint_grid_read (grid, hints, rect, 0, 0, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory for the colour hints of a %d×%d working picture"), w, h);
      return FALSE;
    }
  for (gsize i = 0; i < (gsize)w * h && !*found; i++)
    *found = grid->count[i] > 0;
  if (!*found || !cc_network_takes_hints (network))
    return TRUE;

  g_autofree float *out = g_try_new (float, (gsize)w * h * CC_HINT_PLANES);
  gsize hinted;
  if (!out || !cc_hint_grid_finish (grid, cc_network_hint_min_radius (network), out, &hinted))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory for the colour hints of a %d×%d working picture"), w, h);
      return FALSE;
    }
  *planes = g_steal_pointer (&out);
  return TRUE;
}

/* The colour steps go where the network goes: on the OpenCL device for
 * device opencl, or auto with a GPU (COCOLOR_DEVICE overriding, as for the
 * network); a device that fails here leaves them to the CPU. */
static void
attach_opencl (CcPrediction *prediction)
{
#if COCOLOR_HAVE_OPENCL
  CcDevice device = cc_device_from_env (prediction->key.device);
  g_autoptr (GError) error = NULL;

  if (device == CC_DEVICE_CPU)
    return;
  prediction->opencl = cc_cl_colour_new (device, prediction->guided, &error);
  if (!prediction->opencl)
    cc_cl_colour_fall_back (device, error);
#else
  (void)prediction;
#endif
}

CcPrediction *
cc_prediction_compute (GeglBuffer *input, GeglBuffer *hints, const CcPredictionKey *key,
                       GError **error)
{
  /* The picture at the requested mipmap level, on the grid the op's tiles
   * come on (cc_rect_at_level); a picture narrower than a pixel there
   * keeps one, so that it is no error. */
  GeglRectangle rect = cc_rect_at_level (&key->bbox, key->level);
  if (!gegl_rectangle_is_empty (&key->bbox))
    {
      rect.width = MAX (1, rect.width);
      rect.height = MAX (1, rect.height);
    }
  if (rect.width < 1 || rect.height < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _ ("The picture is empty"));
      return NULL;
    }

  g_autoptr (CcNetwork) network = cc_network_get (key->model_path, key->task, key->device, error);
  if (!network)
    return NULL;

  /* sRGB-encoded, whatever the picture's space: what the networks learnt. */
  const Babl *format = babl_format ("R'G'B'A float");
  CcPrediction *prediction = g_atomic_rc_box_new0 (CcPrediction);
  prediction->key = *key;
  prediction->key.model_path = g_strdup (key->model_path);
  prediction->rect = rect;
  prediction->signal.gain = 1.0f;

  int w, h;
  small_size (rect.width, rect.height, key->working_size, &w, &h);
  gsize n = (gsize)w * h;
  g_autofree float *lum = g_try_new (float, n);
  /* The input's channels, then the network's colour. */
  g_autofree float *rgb = g_try_new (float, n * 3);
  if (!lum || !rgb)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Out of memory for a %d×%d working picture; lower the working size"), w, h);
      cc_prediction_unref (prediction);
      return NULL;
    }
  if (!read_small (input, &rect, key->level, format, w, h, lum, rgb, error))
    {
      cc_prediction_unref (prediction);
      return NULL;
    }
  if (key->task == CC_TASK_NIR)
    {
      /* The network sees the NIR signal (cc-nir-signal.h); for a neutral
       * picture it is the luminance as it is. */
      cc_nir_signal_fit (rgb, n, &prediction->signal);
      for (gsize i = 0; i < n; i++)
        lum[i] = CLAMP (prediction->signal.gain * lum[i], 0.0f, 1.0f);
    }
  g_autofree float *hint_planes = NULL;
  gboolean found = FALSE;
  if (hints && !read_hints (hints, &key->bbox, w, h, network, &found, &hint_planes, error))
    {
      cc_prediction_unref (prediction);
      return NULL;
    }
  /* Said by the op, once; the colour is the automatic one. */
  prediction->hints_ignored = found && !cc_network_takes_hints (network);
  if (!cc_network_run (network, lum, hint_planes, w, h, rgb, error)
      || !(prediction->guided = cc_guided_fit (lum, rgb, w, h, 3, guided_params[key->task].radius,
                                               guided_params[key->task].eps, error)))
    {
      cc_prediction_unref (prediction);
      return NULL;
    }
  attach_opencl (prediction);
  return prediction;
}

/* The result on OpenCL, from the guided model.  FALSE when there is no
 * device for it or it failed: after a failure (one message a process) the
 * CPU does this tile and the rest. */
static gboolean
render_opencl (CcPrediction *prediction, const GeglRectangle *roi, const float *in, float strength,
               gboolean keep_luma, float *out)
{
#if COCOLOR_HAVE_OPENCL
  const GeglRectangle *rect = &prediction->rect;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (!prediction->opencl || g_atomic_int_get (&prediction->opencl_failed))
    return FALSE;
  ok = cc_cl_colour_guided (prediction->opencl, rect->width, rect->height, roi->x - rect->x,
                            roi->y - rect->y, roi->width, roi->height, in, strength, keep_luma,
                            prediction->signal.gain, out, &error);
  if (!ok)
    {
      g_atomic_int_set (&prediction->opencl_failed, TRUE);
      cc_cl_colour_fall_back (CC_DEVICE_OPENCL, error);
    }
  return ok;
#else
  (void)prediction, (void)roi, (void)in, (void)strength, (void)keep_luma;
  (void)out;
  return FALSE;
#endif
}

static float *
new_floats (gsize n, GError **error)
{
  float *f = g_try_new (float, n);
  if (!f)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _ ("Out of memory"));
  return f;
}

gboolean
cc_prediction_render (CcPrediction *prediction, const GeglRectangle *roi, const float *in,
                      float strength, gboolean keep_luma, float *out, GError **error)
{
  const gsize n = (gsize)roi->width * roi->height;
  g_autofree float *colour = NULL; /* R'G'B' per pixel, then the guide */

  if (render_opencl (prediction, roi, in, strength, keep_luma, out))
    return TRUE;
  if (!(colour = new_floats (4 * n, error)))
    return FALSE;
  float *guide = colour + 3 * n;
  for (gsize i = 0; i < n; i++)
    guide[i] = cc_guide (in + 4 * i, prediction->signal.gain);
  cc_guided_apply (prediction->guided, prediction->rect.width, prediction->rect.height,
                   roi->x - prediction->rect.x, roi->y - prediction->rect.y, roi->width,
                   roi->height, guide, colour);
  for (gsize i = 0; i < n; i++)
    cc_blend (in + 4 * i, colour + 3 * i, strength, keep_luma, prediction->signal.gain,
              out + 4 * i);
  return TRUE;
}

CcPrediction *
cc_prediction_ref (CcPrediction *prediction)
{
  return g_atomic_rc_box_acquire (prediction);
}

static void
prediction_clear (gpointer data)
{
  CcPrediction *prediction = data;
  cc_prediction_key_clear (&prediction->key);
  cc_guided_model_free (prediction->guided);
#if COCOLOR_HAVE_OPENCL
  cc_cl_colour_free (prediction->opencl);
#endif
}

void
cc_prediction_unref (CcPrediction *prediction)
{
  if (prediction)
    g_atomic_rc_box_release_full (prediction, prediction_clear);
}
