/* Photographers' files through cocolor:colorize: mode auto's guess
 * (ops/cc-mode-guess.h) on gray, IR-camera, toned and colour pictures, and
 * colour management: the same colours whatever the picture's colour space.
 *
 * argv: the folder holding the built op module, then a colour photo.  Every
 * other picture is made from the photo here: its luminance is the gray
 * picture, and with an IR camera's gains, exposure and gamma (saved as a
 * JPEG, as the camera does) the camera's file.  The models are the
 * random-weight test networks ($COCOLOR_MODEL_DIR). */
#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "op-test.h"

#include "cc-mode-guess.h"

static const char *photo_path;

/* The photo as R'G'B' floats, scaled to a long side of long_side (0: as
 * it is); rect receives its size. */
static float *
photo_rgb (int long_side, GeglRectangle *rect)
{
  g_autoptr (GeglBuffer) photo = op_test_load (photo_path);
  const GeglRectangle *r = gegl_buffer_get_extent (photo);
  const double scale = long_side ? (double)long_side / MAX (r->width, r->height) : 1.0;
  *rect = (GeglRectangle){ 0, 0, (int)(r->width * scale), (int)(r->height * scale) };
  float *rgb = g_new (float, (gsize)rect->width * rect->height * 3);
  gegl_buffer_get (photo, rect, scale, babl_format ("R'G'B' float"), rgb, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_CLAMP);
  return rgb;
}

/* What a converted IR camera writes for a NIR picture y: channel gains,
 * an exposure gain and a gamma, clipped as the sensor clips. */
static void
camera_cast (float *rgb, gsize n, const double gains[3], double exposure, double gamma)
{
  for (gsize i = 0; i < n; i++)
    {
      float *p = rgb + 3 * i;
      const double y = cc_luma (p);
      for (int k = 0; k < 3; k++)
        p[k] = (float)pow (CLAMP (y * gains[k] * exposure, 0.0, 1.0), gamma);
    }
}

/* The luminance times a tint (1, 1, 1: gray). */
static void
tint (float *rgb, gsize n, const double colour[3])
{
  for (gsize i = 0; i < n; i++)
    {
      float *p = rgb + 3 * i;
      const double y = cc_luma (p);
      for (int k = 0; k < 3; k++)
        p[k] = (float)CLAMP (y * colour[k], 0.0, 1.0);
    }
}

/* The guess itself, at the size the op looks at a picture. */
static void
test_guess (void)
{
  GeglRectangle r;
  g_autofree float *photo = photo_rgb (64, &r);
  const gsize n = (gsize)r.width * r.height;
  g_autofree float *rgb = g_new (float, 3 * n);

  /* A colour photo needs no colorizing. */
  g_assert_cmpint (cc_mode_guess (photo, n, 3), ==, CC_GUESS_COLOUR);

  /* Every corner of the IR cameras' range, dark and overexposed. */
  for (int c = 0; c < 32; c++)
    {
      const double gains[3] = { c & 1 ? 1.0 : 0.85, c & 2 ? 0.65 : 0.45, c & 4 ? 0.50 : 0.30 };
      memcpy (rgb, photo, 3 * n * sizeof (float));
      camera_cast (rgb, n, gains, c & 8 ? 1.3 : 0.6, c & 16 ? 1.25 : 0.8);
      g_assert_cmpint (cc_mode_guess (rgb, n, 3), ==, CC_GUESS_NIR);
    }

  /* Gray, sepia and cyanotype prints are grayscale photos; a gray NIR
   * picture cannot be told from them (cc-mode-guess.h). */
  const double tints[][3] = { { 1, 1, 1 }, { 1.0, 0.85, 0.66 }, { 0.55, 0.75, 1.0 } };
  for (guint t = 0; t < G_N_ELEMENTS (tints); t++)
    {
      memcpy (rgb, photo, 3 * n * sizeof (float));
      tint (rgb, n, tints[t]);
      g_assert_cmpint (cc_mode_guess (rgb, n, 3), ==, CC_GUESS_GRAY);
    }

  /* Black, empty and NaN pictures: nothing to tell, gray. */
  memset (rgb, 0, 3 * n * sizeof (float));
  g_assert_cmpint (cc_mode_guess (rgb, n, 3), ==, CC_GUESS_GRAY);
  g_assert_cmpint (cc_mode_guess (rgb, 0, 3), ==, CC_GUESS_GRAY);
  for (gsize i = 0; i < 3 * n; i++)
    rgb[i] = NAN;
  g_assert_cmpint (cc_mode_guess (rgb, n, 3), ==, CC_GUESS_GRAY);
}

/* A picture of rgb (R'G'B' float) in format. */
static GeglBuffer *
buffer_of (const float *rgb, const GeglRectangle *rect, const Babl *format)
{
  GeglBuffer *buffer = gegl_buffer_new (rect, format);
  gegl_buffer_set (buffer, rect, 0, babl_format ("R'G'B' float"), rgb, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* The op's output over the whole input, in format; *space (if asked)
 * receives the colour space of the op's output. */
static float *
colorize (GeglBuffer *input, const char *mode, const char *format, const Babl **space)
{
  g_autoptr (GeglNode) graph = gegl_node_new ();
  const GeglRectangle *rect = gegl_buffer_get_extent (input);
  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  GeglNode *op = gegl_node_new_child (graph, "operation", "cocolor:colorize", NULL);
  g_autoptr (GeglBuffer) output = NULL;
  GeglNode *sink
      = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &output, NULL);
  /* By value: gegl_node_set_enum_as_string () leaks its string (GEGL 0.4.62). */
  GParamSpec *pspec = gegl_operation_find_property ("cocolor:colorize", "mode");
  gegl_node_set (op, "mode",
                 g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, mode)->value,
                 NULL);
  gegl_node_link_many (source, op, sink, NULL);
  gegl_node_process (sink);

  const Babl *f = babl_format (format);
  float *px = g_new (float, (gsize)rect->width * rect->height * babl_format_get_n_components (f));
  gegl_buffer_get (output, rect, 1.0, f, px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  if (space)
    *space = babl_format_get_space (gegl_buffer_get_format (output));
  return px;
}

/* The op's default mode guesses: a gray picture is colorized as in gray
 * mode, an IR camera's JPEG as in NIR mode, and a colour photo is left as
 * it is with one warning. */
static void
test_auto_mode (void)
{
  GeglRectangle r;
  g_autofree float *photo = photo_rgb (0, &r);
  const gsize n = (gsize)r.width * r.height;
  g_autofree float *rgb = g_memdup2 (photo, 3 * n * sizeof (float));

  /* The default is auto. */
  GParamSpec *pspec = gegl_operation_find_property ("cocolor:colorize", "mode");
  GEnumValue *deflt = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                        G_PARAM_SPEC_ENUM (pspec)->default_value);
  g_assert_cmpstr (deflt->value_nick, ==, "auto");

  const double gray[3] = { 1, 1, 1 };
  tint (rgb, n, gray);
  g_autoptr (GeglBuffer) gray_in = buffer_of (rgb, &r, babl_format ("Y' float"));
  g_autofree float *want_gray = colorize (gray_in, "gray", "R'G'B'A float", NULL);
  g_autofree float *got_gray = colorize (gray_in, "auto", "R'G'B'A float", NULL);
  g_assert_cmpfloat (op_test_max_difference (want_gray, got_gray, 4 * n), ==, 0.0);

  /* The camera's file: a cast, then JPEG, as the camera saves it. */
  const double gains[3] = { 0.93, 0.52, 0.41 };
  memcpy (rgb, photo, 3 * n * sizeof (float));
  camera_cast (rgb, n, gains, 1.1, 0.9);
  g_autoptr (GeglBuffer) cast = buffer_of (rgb, &r, babl_format ("R'G'B' u8"));
  g_autofree char *jpeg = g_build_filename (g_get_tmp_dir (), "cocolor-camera-XXXXXX.jpg", NULL);
  int fd = g_mkstemp (jpeg);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  {
    g_autoptr (GeglNode) graph = gegl_node_new ();
    GeglNode *source
        = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", cast, NULL);
    GeglNode *save = gegl_node_new_child (graph, "operation", "gegl:jpg-save", "path", jpeg,
                                          "quality", 90, NULL);
    gegl_node_link (source, save);
    gegl_node_process (save);
  }
  g_autoptr (GeglBuffer) camera = op_test_load (jpeg);
  g_unlink (jpeg);
  g_autofree float *want_nir = colorize (camera, "nir", "R'G'B'A float", NULL);
  g_autofree float *got_nir = colorize (camera, "auto", "R'G'B'A float", NULL);
  g_assert_cmpfloat (op_test_max_difference (want_nir, got_nir, 4 * n), ==, 0.0);
  g_assert_cmpfloat (op_test_max_difference (want_nir, want_gray, 4 * n), >, 0.01);

  g_autoptr (GeglBuffer) colour = buffer_of (photo, &r, babl_format ("R'G'B' float"));
  g_test_expect_message ("cocolor", G_LOG_LEVEL_WARNING, "*colour photo*");
  g_autofree float *same = colorize (colour, "auto", "R'G'B' float", NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (op_test_max_difference (same, photo, 3 * n), <=, 1e-6);
}

/* CIEDE2000 colour difference (Sharma, Wu and Dalal 2005). */
static double
delta_e00 (const float *lab1, const float *lab2)
{
  const double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
  const double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
  const double deg = G_PI / 180, p25 = pow (25, 7);
  const double Cm = (hypot (a1, b1) + hypot (a2, b2)) / 2;
  const double G = 0.5 * (1 - sqrt (pow (Cm, 7) / (pow (Cm, 7) + p25)));
  const double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const double C1p = hypot (a1p, b1), C2p = hypot (a2p, b2);
  double h1p = C1p > 0 ? atan2 (b1, a1p) : 0, h2p = C2p > 0 ? atan2 (b2, a2p) : 0;
  h1p += h1p < 0 ? 2 * G_PI : 0;
  h2p += h2p < 0 ? 2 * G_PI : 0;

  double dhp = 0, hpm = h1p + h2p;
  if (C1p * C2p != 0)
    {
      dhp = h2p - h1p;
      dhp += dhp > G_PI ? -2 * G_PI : dhp < -G_PI ? 2 * G_PI : 0;
      if (fabs (h1p - h2p) > G_PI)
        hpm += hpm < 2 * G_PI ? 2 * G_PI : -2 * G_PI;
      hpm /= 2;
    }
  const double dLp = L2 - L1, dCp = C2p - C1p, dHp = 2 * sqrt (C1p * C2p) * sin (dhp / 2);
  const double Lpm = (L1 + L2) / 2, Cpm = (C1p + C2p) / 2;
  const double T = 1 - 0.17 * cos (hpm - 30 * deg) + 0.24 * cos (2 * hpm)
                   + 0.32 * cos (3 * hpm + 6 * deg) - 0.20 * cos (4 * hpm - 63 * deg);
  const double dtheta = 30 * deg * exp (-pow ((hpm / deg - 275) / 25, 2));
  const double Rc = 2 * sqrt (pow (Cpm, 7) / (pow (Cpm, 7) + p25));
  const double Sl = 1 + 0.015 * pow (Lpm - 50, 2) / sqrt (20 + pow (Lpm - 50, 2));
  const double Sc = 1 + 0.045 * Cpm, Sh = 1 + 0.015 * Cpm * T;
  const double Rt = -sin (2 * dtheta) * Rc;
  return sqrt (pow (dLp / Sl, 2) + pow (dCp / Sc, 2) + pow (dHp / Sh, 2)
               + Rt * (dCp / Sc) * (dHp / Sh));
}

/* The same gray picture in sRGB, in an Adobe RGB (1998) compatible space
 * and in linear light: the network sees the same sRGB values, so the
 * colours (CIE Lab) agree within ΔE00 1, and the result stays in the
 * picture's own space. */
static void
test_colour_spaces (void)
{
  /* ΔE00 itself, on two pairs of Sharma et al.'s test data. */
  const float sharma[][2][3]
      = { { { 50, 2.6772, -79.7751 }, { 50, 0, -82.7485 } }, { { 50, 0, 0 }, { 50, -1, 2 } } };
  g_assert_cmpfloat (fabs (delta_e00 (sharma[0][0], sharma[0][1]) - 2.0425), <, 1e-4);
  g_assert_cmpfloat (fabs (delta_e00 (sharma[1][0], sharma[1][1]) - 2.3669), <, 1e-4);

  GeglRectangle r;
  g_autofree float *rgb = photo_rgb (300, &r);
  const gsize n = (gsize)r.width * r.height;
  const double gray[3] = { 1, 1, 1 };
  tint (rgb, n, gray);
  const Babl *adobe = babl_space ("Adobish"); /* babl's Adobe RGB (1998) */
  g_assert_nonnull (adobe);
  const struct
  {
    const char *name;
    const Babl *format;
  } spaces[] = {
    { "Adobe RGB", babl_format_with_space ("R'G'B'A float", adobe) },
    { "linear sRGB", babl_format ("RGBA float") },
  };
  const char *modes[] = { "gray", "nir" };

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr (GeglBuffer) srgb = buffer_of (rgb, &r, babl_format ("R'G'B'A float"));
      g_autofree float *want = colorize (srgb, modes[m], "CIE Lab float", NULL);
      for (guint s = 0; s < G_N_ELEMENTS (spaces); s++)
        {
          g_autoptr (GeglBuffer) input = buffer_of (rgb, &r, spaces[s].format);
          const Babl *space;
          g_autofree float *got = colorize (input, modes[m], "CIE Lab float", &space);
          double worst = 0;
          for (gsize i = 0; i < n; i++)
            worst = MAX (worst, delta_e00 (want + 3 * i, got + 3 * i));
          g_test_message ("%s mode, %s: largest ΔE00 %.3g", modes[m], spaces[s].name, worst);
          g_assert_cmpfloat (worst, <=, 1.0);
          g_assert_true (space == babl_format_get_space (spaces[s].format));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  photo_path = op_test_init (argc, argv, "test-real-files");

  g_test_add_func ("/real-files/guess", test_guess);
  g_test_add_func ("/real-files/auto-mode", test_auto_mode);
  g_test_add_func ("/real-files/colour-spaces", test_colour_spaces);
  int status = g_test_run ();
  gegl_exit ();
  return status;
}
