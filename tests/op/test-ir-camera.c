/* cocolor:colorize on what a converted IR camera writes, through the GEGL
 * API: an RGB JPEG with a colour cast and its own exposure, made here from
 * a sample photo's gray (argv: the op's folder, the photo).  NIR mode
 * colours it as it colours the clean single-channel picture, and its
 * strength mixes with the neutral picture, not with the cast.  The models
 * are the op tests' random-weight networks ($COCOLOR_MODEL_DIR). */
#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>

#include "op-test.h"

/* The training data's typical 99.5th percentile (ops/cc-nir-signal.c). */
#define TARGET 0.87f

static const char *photo_path;
static char *tmp_dir;

static void
save_jpeg (GeglBuffer *buffer, const char *path)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  GeglNode *save = gegl_node_new_child (graph, "operation", "gegl:jpg-save", "path", path,
                                        "quality", 90, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);
  g_object_unref (graph);
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* The photo's gray as a clean NIR picture, its 99.5th percentile at TARGET
 * (where a camera file's stretch puts it), R'G'B' float. */
static float *
clean_nir (GeglRectangle *rect)
{
  g_autoptr (GeglBuffer) photo = op_test_load (photo_path);
  *rect = *gegl_buffer_get_extent (photo);
  gsize n = (gsize)rect->width * rect->height;
  g_autofree float *y = g_new (float, n);
  g_autofree float *sorted = NULL;
  float *rgb = g_new (float, 3 * n);

  gegl_buffer_get (photo, rect, 1.0, babl_format ("Y' float"), y, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  sorted = g_memdup2 (y, n * sizeof (float));
  qsort (sorted, n, sizeof (float), cmp_float);
  float scale = TARGET / sorted[(gsize)(0.995 * n)];
  for (gsize i = 0; i < n; i++)
    {
      float v = roundf (255.0f * CLAMP (y[i] * scale, 0.0f, 1.0f)) / 255.0f;
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
    }
  return rgb;
}

/* The picture as a gray file of `format` ("Y' u8": as an 8-bit file holds
 * it) at exposure e of the clean one. */
static GeglBuffer *
gray_buffer (const float *rgb, const GeglRectangle *rect, const char *format, float e)
{
  GeglBuffer *buffer = gegl_buffer_new (rect, babl_format (format));
  gsize n = (gsize)rect->width * rect->height;
  g_autofree float *y = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    y[i] = rgb[3 * i] * e;
  gegl_buffer_set (buffer, rect, 0, babl_format ("Y' float"), y, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* The camera's file: per-channel gains and an exposure gain on the NIR,
 * saved as a JPEG of quality 90 and read back. */
static GeglBuffer *
camera_file (const float *nir, const GeglRectangle *rect, const float gains[3], float exposure)
{
  gsize n = (gsize)rect->width * rect->height;
  g_autofree float *rgb = g_new (float, 3 * n);
  g_autoptr (GeglBuffer) buffer = gegl_buffer_new (rect, babl_format ("R'G'B' u8"));
  g_autofree char *path = g_build_filename (tmp_dir, "camera.jpg", NULL);

  for (gsize i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      rgb[3 * i + k] = CLAMP (nir[3 * i] * gains[k] * exposure, 0.0f, 1.0f);
  gegl_buffer_set (buffer, rect, 0, babl_format ("R'G'B' float"), rgb, GEGL_AUTO_ROWSTRIDE);
  save_jpeg (buffer, path);
  GeglBuffer *jpeg = op_test_load (path);
  g_unlink (path);
  return jpeg;
}

/* The op's output in NIR mode at strength, R'G'B'A float. */
static float *
colorize (GeglBuffer *input, double strength)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (input);
  GeglNode *graph = gegl_node_new ();
  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  GeglNode *op
      = gegl_node_new_child (graph, "operation", "cocolor:colorize", "strength", strength, NULL);
  GParamSpec *pspec = gegl_operation_find_property ("cocolor:colorize", "mode");
  GEnumValue *nir = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, "nir");
  float *out = g_new (float, (gsize)rect->width * rect->height * 4);

  g_assert_nonnull (nir);
  gegl_node_set (op, "mode", nir->value, NULL);
  gegl_node_link (source, op);
  gegl_node_blit (op, 1.0, rect, babl_format ("R'G'B'A float"), out, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_unref (graph);
  return out;
}

static double
psnr (const float *a, const float *b, gsize n)
{
  double se = 0;
  for (gsize i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      se += ((double)a[4 * i + k] - b[4 * i + k]) * ((double)a[4 * i + k] - b[4 * i + k]);
  return 10.0 * log10 (3.0 * n / MAX (se, 1e-20));
}

/* The camera file's luminance as a gray file: what the op saw of a
 * camera file when it took luminance alone. */
static GeglBuffer *
luma_file (GeglBuffer *file)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (file);
  gsize n = (gsize)rect->width * rect->height;
  g_autofree float *rgb = g_new (float, 3 * n);
  GeglBuffer *gray = gegl_buffer_new (rect, babl_format ("Y' float"));
  g_autofree float *y = g_new (float, n);

  gegl_buffer_get (file, rect, 1.0, babl_format ("R'G'B' float"), rgb, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (gsize i = 0; i < n; i++)
    y[i] = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
  gegl_buffer_set (gray, rect, 0, babl_format ("Y' float"), y, GEGL_AUTO_ROWSTRIDE);
  return gray;
}

/* Casts and exposures within those of tools/eval-op.py's simulation
 * (gamma 1: the op does not undo a camera's gamma, see cc-nir-signal.h):
 * the result is the clean picture's, within JPEG's losses, and far closer
 * to it than what luminance alone gives.  (The test models' colour varies
 * little with their input, hence the high figures: 64-69 dB here, 37-48
 * from luminance alone.) */
static void
test_camera_like_clean (void)
{
  GeglRectangle rect;
  g_autofree float *nir = clean_nir (&rect);
  gsize n = (gsize)rect.width * rect.height;
  g_autoptr (GeglBuffer) gray = gray_buffer (nir, &rect, "Y' u8", 1.0f);
  g_autofree float *want = colorize (gray, 1.0);
  const struct
  {
    float gains[3], exposure;
  } cases[] = {
    { { 0.92f, 0.55f, 0.40f }, 1.0f },
    { { 0.85f, 0.45f, 0.30f }, 0.6f },
    { { 1.0f, 0.65f, 0.50f }, 1.15f },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GeglBuffer) file = camera_file (nir, &rect, cases[c].gains, cases[c].exposure);
      g_autoptr (GeglBuffer) luma = luma_file (file);
      g_autofree float *got = colorize (file, 1.0);
      g_autofree float *old = colorize (luma, 1.0);
      double db = psnr (want, got, n), luma_db = psnr (want, old, n);

      g_test_message ("case %u: %.1f dB from the clean picture's result (luminance alone %.1f dB)",
                      c, db, luma_db);
      g_assert_cmpfloat (db, >=, 55.0);
      g_assert_cmpfloat (db, >=, luma_db + 10.0);
    }
}

/* A gray NIR file darker than any training picture is lifted to the
 * darkest one's level (cc-nir-signal.h): at a third and at a quarter of
 * the clean exposure it comes out the same, far closer than two files above
 * that level, the clean one and one 1.1 times as bright, which are taken as
 * they are.  (The test models' colour varies little with their input.) */
static void
test_dark_gray_lifted (void)
{
  GeglRectangle rect;
  g_autofree float *nir = clean_nir (&rect);
  gsize n = (gsize)rect.width * rect.height;
  g_autoptr (GeglBuffer) third = gray_buffer (nir, &rect, "Y' float", 1.0f / 3.0f);
  g_autoptr (GeglBuffer) quarter = gray_buffer (nir, &rect, "Y' float", 0.25f);
  g_autoptr (GeglBuffer) clean = gray_buffer (nir, &rect, "Y' float", 1.0f);
  g_autoptr (GeglBuffer) lighter = gray_buffer (nir, &rect, "Y' float", 1.1f);
  g_autofree float *a = colorize (third, 1.0);
  g_autofree float *b = colorize (quarter, 1.0);
  g_autofree float *c = colorize (clean, 1.0);
  g_autofree float *d = colorize (lighter, 1.0);
  double dark_db = psnr (a, b, n), light_db = psnr (c, d, n);

  g_test_message ("a third and a quarter of the exposure: %.1f dB apart; the clean one and 1.1 "
                  "times it: %.1f dB",
                  dark_db, light_db);
  g_assert_cmpfloat (dark_db, >=, 60.0);
  g_assert_cmpfloat (dark_db, >=, light_db + 20.0);
}

/* Strength mixes the colour with a gray picture: 2 × (strength 0.5) −
 * (strength 1) is gray wherever neither was clipped, where mixing with
 * the input would give back its red cast. */
static void
test_strength_mixes_neutral (void)
{
  GeglRectangle rect;
  g_autofree float *nir = clean_nir (&rect);
  gsize n = (gsize)rect.width * rect.height, counted = 0;
  const float gains[3] = { 0.92f, 0.55f, 0.40f };
  g_autoptr (GeglBuffer) file = camera_file (nir, &rect, gains, 0.9f);
  g_autofree float *full = colorize (file, 1.0);
  g_autofree float *half = colorize (file, 0.5);
  double chroma = 0;

  for (gsize i = 0; i < n; i++)
    {
      float base[3];
      gboolean inside = TRUE;
      for (int k = 0; k < 3; k++)
        {
          base[k] = 2.0f * half[4 * i + k] - full[4 * i + k];
          inside = inside && full[4 * i + k] > 0.002f && full[4 * i + k] < 0.998f;
        }
      if (!inside)
        continue;
      chroma += MAX (MAX (base[0], base[1]), base[2]) - MIN (MIN (base[0], base[1]), base[2]);
      counted++;
    }
  g_assert_cmpuint (counted, >, n / 4);
  chroma /= counted;
  g_test_message ("mean chroma of the picture strength mixes with: %.4f", chroma);
  g_assert_cmpfloat (chroma, <, 0.01);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  photo_path = op_test_init (argc, argv, "test-ir-camera");
  tmp_dir = g_dir_make_tmp ("cocolor-ir-camera-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/ir-camera/like-clean", test_camera_like_clean);
  g_test_add_func ("/ir-camera/strength-mixes-neutral", test_strength_mixes_neutral);
  g_test_add_func ("/ir-camera/dark-gray-lifted", test_dark_gray_lifted);
  int status = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  gegl_exit ();
  return status;
}
