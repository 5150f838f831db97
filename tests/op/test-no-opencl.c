/* cocolor:colorize where the OpenCL loader or CLBlast cannot be opened (as
 * in GIMP's Flatpak, which ships neither): the op still loads and colours
 * on the CPU, and says so once.
 *
 * argv: the folder holding the built op module, then a sample photo.  meson
 * sets COCOLOR_OPENCL_LIBRARY or COCOLOR_CLBLAST_LIBRARY to a file that does
 * not exist (opencl/cc-cl-api.h): the real libraries are installed on the
 * test machine, so hiding them from the dynamic linker is not enough. */
#include <gegl.h>
#include <math.h>
#include <string.h>

#include "op-test.h"

static const char *photo_path;

/* What the op logged in its domain. */
static GMutex log_lock;
static GPtrArray *messages, *others;

static void
log_handler (const char *domain, GLogLevelFlags level, const char *text, gpointer data)
{
  (void)domain;
  (void)data;
  g_mutex_lock (&log_lock);
  g_ptr_array_add ((level & G_LOG_LEVEL_MESSAGE) ? messages : others, g_strdup (text));
  g_mutex_unlock (&log_lock);
}

static GeglBuffer *
load_photo (const GeglRectangle *crop)
{
  GeglBuffer *buffer = op_test_load (photo_path);
  GeglBuffer *out = gegl_buffer_new (crop, babl_format ("R'G'B'A float"));

  gegl_buffer_copy (buffer, crop, GEGL_ABYSS_CLAMP, out, crop);
  g_object_unref (buffer);
  return out;
}

/* crop of the op's output (mode gray, the network on device), the op made
 * fresh. */
static float *
render_on (GeglBuffer *input, const char *device, const GeglRectangle *crop)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  GeglNode *op = gegl_node_new_child (graph, "operation", "cocolor:colorize", NULL);
  float *px = g_new (float, (gsize)crop->width * crop->height * 4);

  op_test_set_enum (op, "mode", "gray");
  op_test_set_enum (op, "device", device);
  gegl_node_set (op, "working-size", 256, NULL);
  gegl_node_link (source, op);
  gegl_node_blit (op, 1.0, crop, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_unref (graph);
  return px;
}

/* device auto: the CPU, quietly (auto asks for a GPU and takes the CPU
 * when there is none); device opencl: the CPU, with one message naming the
 * missing library; again: no second message.  Every time the CPU's
 * pixels, which are not the input's. */
static void
test_cpu_with_one_message (void)
{
  const char *missing = g_getenv ("COCOLOR_OPENCL_LIBRARY") ? "*OpenCL loader*cannot be opened*"
                                                            : "*CLBlast*cannot be opened*";
  GeglRectangle crop = { 11, 7, 181, 133 };
  g_autoptr (GeglBuffer) input = load_photo (&crop);
  gsize n = (gsize)crop.width * crop.height * 4;
  g_autofree float *in = g_new (float, n);
  g_autofree float *cpu = render_on (input, "cpu", &crop);
  g_autofree float *with_auto = NULL, *with_opencl = NULL, *again = NULL;

  gegl_buffer_get (input, &crop, 1.0, babl_format ("R'G'B'A float"), in, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  g_assert_cmpfloat (op_test_max_difference (cpu, in, n), >, 0.02);
  g_assert_cmpuint (messages->len + others->len, ==, 0);

  with_auto = render_on (input, "auto", &crop);
  g_assert_cmpuint (messages->len + others->len, ==, 0);
  g_assert_cmpfloat (op_test_max_difference (cpu, with_auto, n), <=, 1e-5);

  with_opencl = render_on (input, "opencl", &crop);
  g_assert_cmpuint (others->len, ==, 0);
  g_assert_cmpuint (messages->len, ==, 1);
  g_test_message ("the message: %s", (char *)messages->pdata[0]);
  g_assert_true (g_pattern_match_simple ("OpenCL cannot run the network*", messages->pdata[0]));
  g_assert_true (g_pattern_match_simple (missing, messages->pdata[0]));
  g_assert_cmpfloat (op_test_max_difference (cpu, with_opencl, n), <=, 1e-5);

  again = render_on (input, "opencl", &crop);
  g_assert_cmpuint (messages->len + others->len, ==, 1);
  g_assert_cmpfloat (op_test_max_difference (cpu, again, n), <=, 1e-5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("COCOLOR_OPENCL_LIBRARY") && !g_getenv ("COCOLOR_CLBLAST_LIBRARY"))
    g_error ("set COCOLOR_OPENCL_LIBRARY or COCOLOR_CLBLAST_LIBRARY to a missing file");
  messages = g_ptr_array_new_with_free_func (g_free);
  others = g_ptr_array_new_with_free_func (g_free);
  g_log_set_handler ("cocolor", G_LOG_LEVEL_MASK, log_handler, NULL);
  photo_path = op_test_init (argc, argv, "test-no-opencl");

  g_test_add_func ("/no-opencl/cpu-with-one-message", test_cpu_with_one_message);
  int status = g_test_run ();
  gegl_exit ();
  g_ptr_array_unref (messages);
  g_ptr_array_unref (others);
  return status;
}
