/* cocolor:colorize through the GEGL API, on real photos.
 *
 * argv: the folder holding the built op module, then a sample photo.  The
 * models are random-weight networks of the project's architecture made at
 * build time ($COCOLOR_MODEL_DIR): they colour, so the op's plumbing —
 * formats, alpha, strength, tiles, caching, errors — is what is tested here;
 * colour quality is measured elsewhere. */
#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "op-test.h"

static const char *photo_path;

/* The photo (or a crop of it) in another pixel format. */
static GeglBuffer *
photo_as (const char *format, const GeglRectangle *crop)
{
  g_autoptr (GeglBuffer) photo = op_test_load (photo_path);
  GeglRectangle rect = crop ? *crop : *gegl_buffer_get_extent (photo);
  GeglBuffer *out = gegl_buffer_new (&rect, babl_format (format));
  gegl_buffer_copy (photo, &rect, GEGL_ABYSS_CLAMP, out, &rect);
  return out;
}

typedef struct
{
  GeglNode *graph, *source, *op;
} Pipeline;

static void
set_mode (GeglNode *op, const char *nick)
{
  op_test_set_enum (op, "mode", nick);
}

static Pipeline
pipeline_new (GeglBuffer *input, const char *mode, double strength)
{
  Pipeline p;
  p.graph = gegl_node_new ();
  p.source
      = gegl_node_new_child (p.graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  p.op = gegl_node_new_child (p.graph, "operation", "cocolor:colorize", NULL);
  set_mode (p.op, mode);
  gegl_node_set (p.op, "strength", strength, NULL);
  gegl_node_link (p.source, p.op);
  return p;
}

/* Renders rect of the op's output as R'G'B'A float. */
static float *
render (Pipeline *p, const GeglRectangle *rect)
{
  return op_test_render (p->op, rect);
}

static float *
read_pixels (GeglBuffer *buffer, const char *format)
{
  const GeglRectangle *r = gegl_buffer_get_extent (buffer);
  int comps = babl_format_get_n_components (babl_format (format));
  float *px = g_new (float, (gsize) r->width * r->height * comps);
  gegl_buffer_get (buffer, r, 1.0, babl_format (format), px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return px;
}

/* Mean chroma: how far pixels are from gray. */
static double
mean_chroma (const float *rgba, gsize n)
{
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    {
      const float *p = rgba + 4 * i;
      sum += MAX (MAX (p[0], p[1]), p[2]) - MIN (MIN (p[0], p[1]), p[2]);
    }
  return sum / n;
}

static void
assert_valid (const float *rgba, gsize n)
{
  for (gsize i = 0; i < 4 * n; i++)
    {
      g_assert_true (isfinite (rgba[i]));
      g_assert_cmpfloat (rgba[i], >=, 0.0f);
      g_assert_cmpfloat (rgba[i], <=, 1.0f);
    }
}

static void
test_modes_and_formats (void)
{
  const char *formats[] = { "R'G'B' u8",   "R'G'B'A u8", "Y' u8",      "Y'A u8",  "Y' u16",
                            "R'G'B'A u16", "Y' float",   "RGBA float", "RGB half" };
  const char *modes[] = { "nir", "gray" };
  GeglRectangle crop = { 40, 30, 200, 150 };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
      {
        g_autoptr (GeglBuffer) input = photo_as (formats[f], &crop);
        Pipeline p = pipeline_new (input, modes[m], 1.0);
        g_autofree float *out = render (&p, &crop);
        gsize n = (gsize)crop.width * crop.height;
        assert_valid (out, n);
        /* Coloured, and not the input's own colour passed through. */
        g_autofree float *in = read_pixels (input, "R'G'B'A float");
        double change = 0;
        for (gsize i = 0; i < 4 * n; i++)
          change += fabsf (out[i] - in[i]);
        change /= 3 * n;
        g_test_message ("%s %s: chroma %.4f, change %.4f", formats[f], modes[m],
                        mean_chroma (out, n), change);
        g_assert_cmpfloat (mean_chroma (out, n), >, 0.01);
        g_assert_cmpfloat (change, >, 0.01);
        g_object_unref (p.graph);
      }
}

static void
test_strength_zero_returns_input (void)
{
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A u8", NULL);
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  Pipeline p = pipeline_new (input, "nir", 0.0);
  gsize bytes = (gsize)r->width * r->height * 4;
  g_autofree guint8 *want = g_malloc (bytes), *got = g_malloc (bytes);
  gegl_buffer_get (input, r, 1.0, babl_format ("R'G'B'A u8"), want, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  gegl_node_blit (p.op, 1.0, r, babl_format ("R'G'B'A u8"), got, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_assert_cmpmem (got, bytes, want, bytes);
  g_object_unref (p.graph);
}

static void
test_alpha_kept_and_gray_keeps_luminance (void)
{
  GeglRectangle crop = { 0, 0, 160, 120 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  g_autofree float *px = read_pixels (input, "R'G'B'A float");
  for (int i = 0; i < crop.width * crop.height; i++)
    px[4 * i + 3] = (float)(i % crop.width) / crop.width; /* an alpha ramp */
  gegl_buffer_set (input, &crop, 0, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE);

  Pipeline p = pipeline_new (input, "gray", 1.0);
  g_autofree float *out = render (&p, &crop);
  const double w[3] = { 0.299, 0.587, 0.114 }; /* BT.601, as the op (ops/cc-luma.h) */
  double luma_err = 0;
  for (int i = 0; i < crop.width * crop.height; i++)
    {
      g_assert_cmpfloat (out[4 * i + 3], ==, px[4 * i + 3]);
      double y_out = w[0] * out[4 * i] + w[1] * out[4 * i + 1] + w[2] * out[4 * i + 2];
      luma_err += fabs (y_out - (w[0] * px[4 * i] + w[1] * px[4 * i + 1] + w[2] * px[4 * i + 2]));
    }
  /* Exact: chroma, not luminance, gives way at the ends of [0, 1]. */
  g_assert_cmpfloat (luma_err / (crop.width * crop.height), <, 1e-5);
  assert_valid (out, (gsize)crop.width * crop.height);
  g_object_unref (p.graph);
}

static gboolean
ya_over_one (const float *a, const double *w)
{
  return w[0] * a[0] + w[1] * a[1] + w[2] * a[2] > 1.0;
}

/* Float pictures: values outside [0, 1] (HDR highlights, negatives) keep
 * their luminance in gray mode and are not clipped in NIR mode; a pixel
 * with a NaN or infinite channel comes out as it went in. */
static void
test_float_values_outside_range (void)
{
  GeglRectangle crop = { 0, 0, 96, 64 };
  const gsize n = (gsize)crop.width * crop.height;
  const double w[3] = { 0.299, 0.587, 0.114 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  g_autofree float *px = read_pixels (input, "R'G'B'A float");

  for (gsize i = 0; i < n; i++)
    {
      float *q = px + 4 * i;
      /* Gray, as NIR files are: NIR mode takes the picture as it is (gain 1,
       * ops/cc-nir-signal.h) and mixes with it at strength 0.5. */
      q[0] = q[1] = q[2] = (float)(w[0] * q[0] + w[1] * q[1] + w[2] * q[2]);
      if (i % 5 == 0) /* up to 6.0 */
        q[0] *= 6.0f, q[1] *= 6.0f, q[2] *= 6.0f;
      else if (i % 5 == 1)
        q[0] = q[1] = q[2] = -0.5f;
      else if (i % 97 == 2)
        q[i % 3] = i % 2 ? NAN : (i % 3 ? INFINITY : -INFINITY);
    }
  gegl_buffer_set (input, &crop, 0, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE);

  const char *modes[] = { "gray", "nir" };
  for (int m = 0; m < 2; m++)
    {
      Pipeline p = pipeline_new (input, modes[m], 0.5);
      g_autofree float *out = render (&p, &crop);
      int bright = 0;
      for (gsize i = 0; i < n; i++)
        {
          const float *a = px + 4 * i, *b = out + 4 * i;
          if (!isfinite (a[0]) || !isfinite (a[1]) || !isfinite (a[2]))
            {
              for (int k = 0; k < 4; k++)
                g_assert_true (memcmp (&a[k], &b[k], sizeof (float)) == 0);
              continue;
            }
          for (int k = 0; k < 4; k++)
            g_assert_true (isfinite (b[k]));
          if (m == 0)
            {
              double ya = w[0] * a[0] + w[1] * a[1] + w[2] * a[2];
              double yb = w[0] * b[0] + w[1] * b[1] + w[2] * b[2];
              g_assert_cmpfloat (fabs (ya - yb), <, 1e-4 * MAX (1.0, fabs (ya)));
            }
          /* Strength 0.5 keeps half of a highlight: no clipping at 1. */
          for (int k = 0; k < 3; k++)
            if (m == 1 && a[k] > 2.0f)
              {
                g_assert_cmpfloat (b[k], >, 1.0f);
                bright++;
              }
          if (m == 0 && ya_over_one (a, w))
            bright++;
        }
      g_assert_cmpint (bright, >, 10);
      g_object_unref (p.graph);
    }
}

static gboolean
same_pixels (const float *a, const float *b, gsize n, float tolerance)
{
  for (gsize i = 0; i < n; i++)
    if (fabsf (a[i] - b[i]) > tolerance)
      return FALSE;
  return TRUE;
}

static void
test_tiles_match_whole_picture (void)
{
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B' u8", NULL);
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  Pipeline whole_p = pipeline_new (input, "nir", 0.8);
  g_autofree float *whole = render (&whole_p, r);
  g_object_unref (whole_p.graph);

  /* A fresh op rendered tile by tile, odd tiles in an odd order. */
  Pipeline p = pipeline_new (input, "nir", 0.8);
  const int T = 77;
  for (int ty = ((r->height - 1) / T) * T; ty >= 0; ty -= T)
    for (int tx = 0; tx < r->width; tx += T)
      {
        GeglRectangle tile = { tx, ty, MIN (T, r->width - tx), MIN (T, r->height - ty) };
        g_autofree float *got = render (&p, &tile);
        for (int y = 0; y < tile.height; y++)
          g_assert_true (same_pixels (got + (gsize)y * tile.width * 4,
                                      whole + ((gsize)(ty + y) * r->width + tx) * 4,
                                      (gsize)tile.width * 4, 1e-6f));
      }
  g_object_unref (p.graph);
}

static void
test_cache_follows_input_and_properties (void)
{
  GeglRectangle crop = { 100, 80, 128, 96 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  Pipeline p = pipeline_new (input, "nir", 1.0);
  g_autofree float *first = render (&p, &crop);
  gsize n = (gsize)crop.width * crop.height * 4;

  /* Same input, same properties: the same picture. */
  g_autofree float *again = render (&p, &crop);
  g_assert_true (same_pixels (first, again, n, 0.0f));

  /* A property change gives another picture... */
  set_mode (p.op, "gray");
  g_autofree float *gray = render (&p, &crop);
  g_assert_false (same_pixels (first, gray, n, 1e-3f));

  /* ...and so does a change of the input's pixels (a mirrored copy), which
   * must match what a fresh op makes of the new input. */
  g_autofree float *px = read_pixels (input, "R'G'B'A float");
  g_autofree float *mirrored = g_new (float, n);
  for (int y = 0; y < crop.height; y++)
    for (int x = 0; x < crop.width; x++)
      memcpy (mirrored + ((gsize)y * crop.width + x) * 4,
              px + ((gsize)y * crop.width + (crop.width - 1 - x)) * 4, 4 * sizeof (float));
  gegl_buffer_set (input, &crop, 0, babl_format ("R'G'B'A float"), mirrored, GEGL_AUTO_ROWSTRIDE);
  g_autofree float *changed = render (&p, &crop);
  g_assert_false (same_pixels (gray, changed, n, 1e-3f));

  Pipeline fresh = pipeline_new (input, "gray", 1.0);
  g_autofree float *expected = render (&fresh, &crop);
  g_assert_true (same_pixels (expected, changed, n, 1e-6f));
  g_object_unref (fresh.graph);
  g_object_unref (p.graph);
}

static void
test_tiny_pictures (void)
{
  const GeglRectangle sizes[]
      = { { 0, 0, 1, 1 }, { 0, 0, 1, 37 }, { 0, 0, 53, 1 }, { 5, 7, 2, 3 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr (GeglBuffer) input = photo_as ("R'G'B' u8", &sizes[s]);
      Pipeline p = pipeline_new (input, "gray", 1.0);
      g_autofree float *out = render (&p, &sizes[s]);
      assert_valid (out, (gsize)sizes[s].width * sizes[s].height);
      g_object_unref (p.graph);
    }
}

/* A model that pools 9 times, upsamples 9 times and makes three channels
 * with a 1×1 convolution: valid, but shrinking its input 512 times. */
static char *
write_deep_model (void)
{
  g_autoptr (GString) graph
      = g_string_new ("{\\\"input\\\": \\\"x\\\", \\\"output\\\": \\\"head\\\", \\\"nodes\\\": [");
  const char *prev = "x";
  g_autofree char *last = NULL;

  for (int i = 0; i < 18; i++)
    {
      char *name = g_strdup_printf ("%c%d", i < 9 ? 'p' : 'u', i);
      g_string_append_printf (graph,
                              "{\\\"name\\\": \\\"%s\\\", \\\"op\\\": \\\"%s\\\", "
                              "\\\"inputs\\\": [\\\"%s\\\"]}, ",
                              name, i < 9 ? "avgpool2" : "upsample_nearest", prev);
      g_free (last);
      prev = last = name;
    }
  g_string_append_printf (graph,
                          "{\\\"name\\\": \\\"head\\\", \\\"op\\\": \\\"conv2d\\\", "
                          "\\\"inputs\\\": [\\\"%s\\\"], \\\"weight\\\": \\\"w\\\", \\\"bias\\\": "
                          "\\\"b\\\", \\\"kernel\\\": 1, \\\"stride\\\": 1, \\\"padding\\\": 0}]}",
                          prev);
  g_autofree char *header = g_strdup_printf (
      "{\"__metadata__\": {\"cocolor.format\": \"1\", \"cocolor.graph\": \"%s\", "
      "\"cocolor.contract\": \"{\\\"task\\\": \\\"nir\\\", \\\"input\\\": {\\\"channels\\\": 1, "
      "\\\"range\\\": [0, 1], \\\"space\\\": \\\"nir\\\"}, \\\"output\\\": {\\\"channels\\\": 3, "
      "\\\"range\\\": [0, 1], \\\"space\\\": \\\"srgb\\\"}, \\\"train_resolution\\\": 64, "
      "\\\"version\\\": \\\"t\\\", \\\"provenance\\\": {}}\"}, "
      "\"w\": {\"dtype\": \"F32\", \"shape\": [3, 1, 1, 1], \"data_offsets\": [0, 12]}, "
      "\"b\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [12, 24]}}",
      graph->str);
  guint64 n = GUINT64_TO_LE (strlen (header));
  g_autoptr (GByteArray) file = g_byte_array_new ();
  const guint8 zeros[24] = { 0 };

  g_byte_array_append (file, (const guint8 *)&n, 8);
  g_byte_array_append (file, (const guint8 *)header, strlen (header));
  g_byte_array_append (file, zeros, sizeof zeros);
  char *path = g_build_filename (g_get_tmp_dir (), "cocolor-deep.safetensors", NULL);
  g_assert_true (g_file_set_contents (path, (const char *)file->data, file->len, NULL));
  return path;
}

static void
assert_passes_through (const char *model_path, const char *expected_warning)
{
  GeglRectangle crop = { 0, 0, 64, 48 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  g_autofree float *want = read_pixels (input, "R'G'B'A float");
  Pipeline p = pipeline_new (input, "nir", 1.0);
  gegl_node_set (p.op, "model", model_path, NULL);

  g_test_expect_message ("cocolor", G_LOG_LEVEL_WARNING, expected_warning);
  g_autofree float *out = render (&p, &crop);
  g_test_assert_expected_messages ();
  g_assert_true (same_pixels (out, want, (gsize)crop.width * crop.height * 4, 0.0f));

  /* Once: a second render of the same broken set-up stays quiet. */
  gegl_node_set (p.op, "strength", 0.5, NULL);
  g_autofree float *again = render (&p, &crop);
  g_assert_true (same_pixels (again, want, (gsize)crop.width * crop.height * 4, 0.0f));
  g_object_unref (p.graph);
}

static void
test_broken_model_passes_through (void)
{
  assert_passes_through ("/nonexistent/cocolor.safetensors", "*nonexistent*");

  g_autofree char *garbage
      = g_build_filename (g_get_tmp_dir (), "cocolor-garbage.safetensors", NULL);
  g_assert_true (g_file_set_contents (garbage, "\x10\0\0\0\0\0\0\0{not json at all", 24, NULL));
  assert_passes_through (garbage, "*cocolor-garbage.safetensors*");
  g_unlink (garbage);

  assert_passes_through (g_get_tmp_dir (), "*is a folder, not a model file*");

  /* A valid file whose network shrinks the picture 512 times: every side
   * would be padded to a multiple of 512, so it is refused by name. */
  g_autofree char *deep = write_deep_model ();
  assert_passes_through (deep, "*shrinks its input 512 times*");
  g_unlink (deep);
}

/* ---- device opencl (PoCL here) ---- */

/* rect of the op's output on device, the op made fresh. */
static float *
render_on (GeglBuffer *input, const char *device, const char *mode, int working_size,
           const GeglRectangle *rect)
{
  Pipeline p = pipeline_new (input, mode, 0.85);
  op_test_set_enum (p.op, "device", device);
  gegl_node_set (p.op, "working-size", working_size, NULL);
  float *out = render (&p, rect);
  g_object_unref (p.graph);
  return out;
}

/* The colour steps on OpenCL give the CPU path's pixels, both ways of
 * seeing the picture, on an odd-sized picture away from the origin (the
 * network runs on OpenCL too; both stay within float rounding). */
static void
test_opencl_matches_cpu (void)
{
  const GeglRectangle crops[] = { { 13, 9, 203, 151 }, { 0, 0, 581, 533 } };
  const struct
  {
    const char *mode;
    int working_size, crop;
  } cases[] = { { "nir", 512, 0 }, { "gray", 96, 0 }, { "gray", 768, 1 } };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const GeglRectangle *crop = &crops[cases[k].crop];
      g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", crop);
      g_autofree float *cpu = render_on (input, "cpu", cases[k].mode, cases[k].working_size, crop);
      g_autofree float *cl
          = render_on (input, "opencl", cases[k].mode, cases[k].working_size, crop);
      double err = op_test_max_difference (cpu, cl, (gsize)crop->width * crop->height * 4);
      g_test_message ("%s, working size %d: OpenCL - CPU %.3g", cases[k].mode,
                      cases[k].working_size, err);
      g_assert_cmpfloat (err, <=, 1e-4);
    }
}

/* On OpenCL too, a pixel does not depend on how GEGL cuts the picture:
 * odd tiles in an odd order, cut by every edge. */
static void
test_opencl_tiles_match_whole (void)
{
  GeglRectangle r = { 0, 0, 301, 199 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B' u8", &r);
  g_autofree float *whole = render_on (input, "opencl", "gray", 128, &r);

  Pipeline p = pipeline_new (input, "gray", 0.85);
  op_test_set_enum (p.op, "device", "opencl");
  gegl_node_set (p.op, "working-size", 128, NULL);
  const int T = 61;
  for (int ty = ((r.height - 1) / T) * T; ty >= 0; ty -= T)
    for (int tx = 0; tx < r.width; tx += T)
      {
        GeglRectangle tile = { tx, ty, MIN (T, r.width - tx), MIN (T, r.height - ty) };
        g_autofree float *got = render (&p, &tile);
        for (int y = 0; y < tile.height; y++)
          g_assert_true (same_pixels (got + (gsize)y * tile.width * 4,
                                      whole + ((gsize)(ty + y) * r.width + tx) * 4,
                                      (gsize)tile.width * 4, 1e-6f));
      }
  g_object_unref (p.graph);
}

/* COCOLOR_OPENCL_FAULT=colour (meson runs these alone, since the fault is
 * read when OpenCL is first used): the colour steps run out of device
 * resources, the network does not.  One message, and the CPU path's
 * pixels; the next render stays quiet.  data: the working size. */
static void
test_opencl_fault (gconstpointer data)
{
  const int working_size = GPOINTER_TO_INT (data);
  GeglRectangle crop = { 7, 5, 157, 113 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  g_autofree float *cpu = render_on (input, "cpu", "nir", working_size, &crop);
  static gboolean warned;
  if (!warned)
    g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE, "OpenCL cannot run the network*");
  g_autofree float *got = render_on (input, "opencl", "nir", working_size, &crop);
  g_test_assert_expected_messages ();
  warned = TRUE; /* once a process, whichever test came first */
  gsize n = (gsize)crop.width * crop.height * 4;
  g_assert_cmpfloat (op_test_max_difference (cpu, got, n), <=, 1e-4);
  g_autofree float *again = render_on (input, "opencl", "nir", working_size, &crop);
  g_assert_cmpfloat (op_test_max_difference (cpu, again, n), <=, 1e-4);
}

/* COCOLOR_OPENCL_FAULT=resources-once: the network's first run on the
 * device runs out of resources.  That run alone falls back: one message,
 * the CPU's pixels; the next picture asks OpenCL again (the op's network
 * drops the forward pass that fell back) and gives the same pixels. */
static void
test_opencl_fault_once (void)
{
  GeglRectangle crop = { 3, 9, 131, 97 };
  g_autoptr (GeglBuffer) input = photo_as ("R'G'B'A float", &crop);
  g_autofree float *cpu = render_on (input, "cpu", "gray", 384, &crop);
  gsize n = (gsize)crop.width * crop.height * 4;

  g_test_expect_message ("cocolor", G_LOG_LEVEL_MESSAGE,
                         "OpenCL cannot run the network*ran out of resources*");
  g_autofree float *got = render_on (input, "opencl", "gray", 384, &crop);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (op_test_max_difference (cpu, got, n), <=, 1e-4);
  g_autofree float *again = render_on (input, "opencl", "gray", 384, &crop);
  g_assert_cmpfloat (op_test_max_difference (cpu, again, n), <=, 1e-4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  photo_path = op_test_init (argc, argv, "test-colorize");

  g_test_add_func ("/colorize/modes-and-formats", test_modes_and_formats);
  g_test_add_func ("/colorize/strength-zero", test_strength_zero_returns_input);
  g_test_add_func ("/colorize/alpha-and-luminance", test_alpha_kept_and_gray_keeps_luminance);
  g_test_add_func ("/colorize/float-outside-range", test_float_values_outside_range);
  g_test_add_func ("/colorize/tiles-match-whole", test_tiles_match_whole_picture);
  g_test_add_func ("/colorize/cache", test_cache_follows_input_and_properties);
  g_test_add_func ("/colorize/tiny-pictures", test_tiny_pictures);
  g_test_add_func ("/colorize/broken-model", test_broken_model_passes_through);
  /* Set by meson where the OpenCL backend is built. */
  if (g_getenv ("COCOLOR_TEST_OPENCL") && !g_getenv ("COCOLOR_OPENCL_FAULT"))
    {
      g_test_add_func ("/colorize/opencl/matches-cpu", test_opencl_matches_cpu);
      g_test_add_func ("/colorize/opencl/tiles-match-whole", test_opencl_tiles_match_whole);
    }
  if (g_strcmp0 (g_getenv ("COCOLOR_OPENCL_FAULT"), "colour") == 0)
    {
      g_test_add_data_func ("/colorize/opencl/fault/working-size", GINT_TO_POINTER (512),
                            test_opencl_fault);
    }
  if (g_strcmp0 (g_getenv ("COCOLOR_OPENCL_FAULT"), "resources-once") == 0)
    g_test_add_func ("/colorize/opencl/fault-once", test_opencl_fault_once);
  int status = g_test_run ();
  gegl_exit ();
  return status;
}
