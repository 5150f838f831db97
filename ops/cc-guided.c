#include "config.h"

#include "cc-guided.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* Mean over a (2r+1)² window clipped to the picture, through a summed-area
 * table: O(1) per pixel whatever the radius.  sat has (w+1)×(h+1) entries. */
static void
box_mean (const double *sat, int w, int h, int r, float *out)
{
  for (int y = 0; y < h; y++)
    {
      int y0 = MAX (y - r, 0), y1 = MIN (y + r + 1, h);
      for (int x = 0; x < w; x++)
        {
          int x0 = MAX (x - r, 0), x1 = MIN (x + r + 1, w);
          double s = sat[(gsize)y1 * (w + 1) + x1] - sat[(gsize)y0 * (w + 1) + x1]
                     - sat[(gsize)y1 * (w + 1) + x0] + sat[(gsize)y0 * (w + 1) + x0];
          out[(gsize)y * w + x] = (float)(s / ((double)(x1 - x0) * (y1 - y0)));
        }
    }
}

/* Summed-area table of f·g (g may be NULL for f alone), in double so that
 * large pictures keep their precision. */
static void
summed_area (const float *f, const float *g, int w, int h, double *sat)
{
  memset (sat, 0, sizeof (double) * (w + 1));
  for (int y = 0; y < h; y++)
    {
      double row = 0.0;
      double *line = sat + (gsize)(y + 1) * (w + 1);
      const double *above = line - (w + 1);
      line[0] = 0.0;
      for (int x = 0; x < w; x++)
        {
          gsize i = (gsize)y * w + x;
          row += g ? (double)f[i] * g[i] : f[i];
          line[x + 1] = above[x + 1] + row;
        }
    }
}

static void
smooth (const float *f, int w, int h, int r, double *sat, float *out)
{
  summed_area (f, NULL, w, h, sat);
  box_mean (sat, w, h, r, out);
}

/* Added to a window's fit error before it is inverted into the weight of
 * its coefficients (colour values squared, summed over the channels).
 * Chosen on the EPFL training pairs with the PyTorch replica
 * (tools/guided-grid.py): 1e-5, 1e-4 and 1e-3 scored within 0.015 dB. */
#define FIT_ERROR_FLOOR 1e-4f

CcGuidedModel *
cc_guided_fit (const float *guide, const float *src, int width, int height, int channels,
               int radius, float eps, GError **error)
{
  if (width < 1 || height < 1 || channels < 1 || radius < 1 || !(eps > 0.0f))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("Guided upsampling: invalid parameters (%d×%d, %d channels, radius %d)"),
                   width, height, channels, radius);
      return NULL;
    }
  gsize n = (gsize)width * height;
  g_autoptr (CcGuidedModel) model = g_new0 (CcGuidedModel, 1);
  model->width = width;
  model->height = height;
  model->channels = channels;
  model->a = g_try_new (float, n * channels);
  model->b = g_try_new (float, n * channels);
  g_autofree double *sat = g_try_new (double, (gsize) (width + 1) * (height + 1));
  g_autofree float *work = g_try_new (float, n * 6);
  if (!model->a || !model->b || !sat || !work)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _ ("Guided upsampling: out of memory for a %d×%d picture"), width, height);
      return NULL;
    }
  float *mean_g = work, *var_g = work + n, *mean_s = work + 2 * n, *cov = work + 3 * n;
  float *weight = work + 4 * n, *scratch = work + 5 * n;

  smooth (guide, width, height, radius, sat, mean_g);
  summed_area (guide, guide, width, height, sat);
  box_mean (sat, width, height, radius, var_g);
  for (gsize i = 0; i < n; i++)
    var_g[i] = MAX (var_g[i] - mean_g[i] * mean_g[i], 0.0f);

  /* Each window's fit, and what it leaves unexplained (summed over the
   * channels, in weight for now). */
  memset (weight, 0, n * sizeof (float));
  for (int c = 0; c < channels; c++)
    {
      const float *s = src + c * n;
      float *a = model->a + c * n, *b = model->b + c * n;

      smooth (s, width, height, radius, sat, mean_s);
      summed_area (guide, s, width, height, sat);
      box_mean (sat, width, height, radius, cov);
      summed_area (s, s, width, height, sat);
      box_mean (sat, width, height, radius, scratch);
      for (gsize i = 0; i < n; i++)
        {
          float cv = cov[i] - mean_g[i] * mean_s[i];
          a[i] = cv / (var_g[i] + eps);
          b[i] = mean_s[i] - a[i] * mean_g[i];
          weight[i] += MAX (scratch[i] - mean_s[i] * mean_s[i] - a[i] * cv, 0.0f);
        }
    }
  /* A pixel takes the coefficients of the windows that cover it, each
   * weighted by how well it fits: a window across an edge where the colour
   * stops following the guide (foliage bright in NIR against a dark sky)
   * fits badly and counts little, which keeps its colour from bleeding
   * over the edge as a halo once upsampled. */
  float *weight_mean = cov; /* cov is done with */
  for (gsize i = 0; i < n; i++)
    weight[i] = 1.0f / (weight[i] + FIT_ERROR_FLOOR);
  smooth (weight, width, height, radius, sat, weight_mean);
  for (int c = 0; c < channels; c++)
    for (int k = 0; k < 2; k++)
      {
        float *coef = (k ? model->b : model->a) + c * n;
        for (gsize i = 0; i < n; i++)
          scratch[i] = coef[i] * weight[i];
        smooth (scratch, width, height, radius, sat, mean_s);
        for (gsize i = 0; i < n; i++)
          coef[i] = mean_s[i] / weight_mean[i];
      }
  return g_steal_pointer (&model);
}

void
cc_guided_model_free (CcGuidedModel *model)
{
  if (!model)
    return;
  g_free (model->a);
  g_free (model->b);
  g_free (model);
}

/* Position of a full-resolution pixel centre on the small grid (pixel centres
 * aligned, as bilinear resampling with align_corners = false). */
static inline void
source_coordinate (int i, int full, int small, int *i0, int *i1, float *t)
{
  float s = ((float)i + 0.5f) * (float)small / (float)full - 0.5f;
  if (s <= 0.0f)
    {
      *i0 = *i1 = 0;
      *t = 0.0f;
      return;
    }
  int lo = (int)s;
  if (lo >= small - 1)
    {
      *i0 = *i1 = small - 1;
      *t = 0.0f;
      return;
    }
  *i0 = lo;
  *i1 = lo + 1;
  *t = s - (float)lo;
}

void
cc_guided_apply (const CcGuidedModel *model, int full_width, int full_height, int x0, int y0,
                 int cols, int rows, const float *guide, float *out)
{
  const int w = model->width, C = model->channels;
  const gsize n = (gsize)w * model->height;

  for (int r = 0; r < rows; r++)
    {
      int ya, yb;
      float ty;
      source_coordinate (y0 + r, full_height, model->height, &ya, &yb, &ty);
      for (int col = 0; col < cols; col++)
        {
          int xa, xb;
          float tx;
          source_coordinate (x0 + col, full_width, w, &xa, &xb, &tx);
          gsize i00 = (gsize)ya * w + xa, i01 = (gsize)ya * w + xb;
          gsize i10 = (gsize)yb * w + xa, i11 = (gsize)yb * w + xb;
          float w00 = (1 - ty) * (1 - tx), w01 = (1 - ty) * tx, w10 = ty * (1 - tx), w11 = ty * tx;
          float g = guide[(gsize)r * cols + col];
          float *o = out + ((gsize)r * cols + col) * C;
          for (int c = 0; c < C; c++)
            {
              const float *a = model->a + c * n, *b = model->b + c * n;
              float av = w00 * a[i00] + w01 * a[i01] + w10 * a[i10] + w11 * a[i11];
              float bv = w00 * b[i00] + w01 * b[i01] + w10 * b[i10] + w11 * b[i11];
              o[c] = av * g + bv;
            }
        }
    }
}
