/* cocolor:colorize-hints, colour hints on an aux pad, through the GEGL API:
 * no aux and an aux without a hint pixel give cocolor:colorize's result bit
 * for bit (which has no aux pad: GIMP keeps its effects);
 * hints change the colour where they are (with a model that takes hints),
 * even a 3-pixel dot on a 12-megapixel picture; gray mode keeps the input's
 * luminance; hints outside the picture or outside the aux's extent count for
 * nothing; the cached prediction follows the hints; a model without hint
 * inputs colorizes as without hints and says so once, as a note.  Zoomed
 * out (GEGL's mipmap level 2, rendered whole or in parts by an application
 * that turns GEGL's mipmap rendering on),
 * every part is that window of the whole, the dot still shows, and a
 * pass-through passes the level through.
 *
 *   test-op-hints OP_DIR PHOTO HINT_MODEL_GRAY HINT_MODEL_NIR PLAIN_MODEL_GRAY
 *
 * The models are random-weight networks (tests/op/meson.build): hints move
 * their colour, not towards the hint; what a trained network does with
 * hints is measured in models/README.md. */
#include <gegl.h>
#include <math.h>
#include <string.h>

#include "op-test.h"

static const char *photo_path, *hint_gray, *hint_nir, *plain_gray;

#define HINTS_OP "cocolor:colorize-hints"
/* As the aux of pipeline_new (): cocolor:colorize itself, no aux pad. */
#define FILTER ((GeglBuffer *)&filter_marker)
static int filter_marker;

typedef struct
{
  GeglNode *graph, *op, *aux;
} Pipeline;

/* The op on input, with aux (or none) on its aux pad. */
static Pipeline
pipeline_new (GeglBuffer *input, GeglBuffer *aux, const char *mode, const char *model)
{
  Pipeline p;

  p.graph = gegl_node_new ();
  GeglNode *source
      = gegl_node_new_child (p.graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  p.op = gegl_node_new_child (p.graph, "operation", aux == FILTER ? "cocolor:colorize" : HINTS_OP,
                              "model", model, NULL);
  if (aux == FILTER)
    aux = NULL;
  op_test_set_enum (p.op, "mode", mode);
  gegl_node_connect (source, "output", p.op, "input");
  p.aux = NULL;
  if (aux)
    {
      p.aux = gegl_node_new_child (p.graph, "operation", "gegl:buffer-source", "buffer", aux, NULL);
      gegl_node_connect (p.aux, "output", p.op, "aux");
    }
  return p;
}

static float *
render (Pipeline *p, const GeglRectangle *rect)
{
  return op_test_render (p->op, rect);
}

/* One render of input with aux, in a pipeline of its own. */
static float *
render_once (GeglBuffer *input, GeglBuffer *aux, const char *mode, const char *model)
{
  Pipeline p = pipeline_new (input, aux, mode, model);
  float *px = render (&p, gegl_buffer_get_extent (input));
  g_object_unref (p.graph);
  return px;
}

/* A transparent RGBA hint picture over rect. */
static GeglBuffer *
hints_new (const GeglRectangle *rect)
{
  return gegl_buffer_new (rect, babl_format ("R'G'B'A float"));
}

/* Paints a w x h block of one opaque colour at (x, y). */
static void
paint (GeglBuffer *hints, int x, int y, int w, int h, float r, float g, float b)
{
  GeglRectangle rect = { x, y, w, h };
  g_autofree float *px = g_new (float, (gsize)w * h * 4);

  for (int i = 0; i < w * h; i++)
    {
      px[4 * i] = r, px[4 * i + 1] = g, px[4 * i + 2] = b;
      px[4 * i + 3] = 1.0f;
    }
  gegl_buffer_set (hints, &rect, 0, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE);
}

/* The largest difference between two renders over a window of a w-wide
 * picture. */
static double
window_difference (const float *a, const float *b, int w, int x0, int y0, int x1, int y1)
{
  double e = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      for (int c = 0; c < 3; c++)
        {
          gsize i = ((gsize)y * w + x) * 4 + c;
          e = MAX (e, fabs ((double)a[i] - b[i]));
        }
  return e;
}

static GeglBuffer *
photo (void)
{
  return op_test_load (photo_path);
}

/* cocolor:colorize, the hints op with no aux, with an aux of nothing but
 * transparency, and with an aux whose only opaque pixels lie outside the
 * picture: the same pixels, for a model with hint inputs and one without. */
static void
test_no_hints_bit_identical (void)
{
  g_autoptr (GeglBuffer) input = photo ();
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  const gsize n = (gsize)r->width * r->height * 4;
  GeglRectangle larger = { r->x - 40, r->y - 40, r->width + 80, r->height + 80 };
  g_autoptr (GeglBuffer) empty = hints_new (r);
  g_autoptr (GeglBuffer) outside = hints_new (&larger);

  paint (outside, r->x - 30, r->y - 30, 20, 20, 1.0f, 0.0f, 0.0f);
  paint (outside, r->x + r->width + 5, r->y + 10, 20, 20, 0.0f, 0.0f, 1.0f);
  const char *models[] = { hint_gray, plain_gray };
  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autofree float *filter = render_once (input, FILTER, "gray", models[m]);
      g_autofree float *none = render_once (input, NULL, "gray", models[m]);
      g_autofree float *transparent = render_once (input, empty, "gray", models[m]);
      g_autofree float *off_picture = render_once (input, outside, "gray", models[m]);
      g_assert_cmpmem (filter, n * sizeof (float), none, n * sizeof (float));
      g_assert_cmpmem (none, n * sizeof (float), transparent, n * sizeof (float));
      g_assert_cmpmem (none, n * sizeof (float), off_picture, n * sizeof (float));
    }
}

/* Dots, a stroke and a filled area change the colour where they are, in both
 * modes; gray mode keeps the input's luminance. */
static void
test_hints_change_colour (void)
{
  g_autoptr (GeglBuffer) input = photo ();
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  const int w = r->width, h = r->height;
  const gsize n = (gsize)w * h;
  g_autoptr (GeglBuffer) hints = hints_new (r);

  paint (hints, r->x + w / 4, r->y + h / 4, 4, 4, 1.0f, 0.1f, 0.1f);             /* a dot */
  paint (hints, r->x + w / 8, r->y + 3 * h / 4, w / 2, 3, 0.1f, 0.2f, 0.9f);     /* a stroke */
  paint (hints, r->x + 3 * w / 4, r->y + h / 8, w / 6, h / 5, 0.1f, 0.8f, 0.2f); /* an area */

  const char *modes[] = { "gray", "nir" }, *models[] = { hint_gray, hint_nir };
  for (int m = 0; m < 2; m++)
    {
      g_autofree float *none = render_once (input, NULL, modes[m], models[m]);
      g_autofree float *hinted = render_once (input, hints, modes[m], models[m]);
      const int dx = w / 4 + 2, dy = h / 4 + 2;
      g_assert_cmpfloat (window_difference (none, hinted, w, dx - 3, dy - 3, dx + 3, dy + 3), >,
                         1e-3);
      g_assert_cmpfloat (
          window_difference (none, hinted, w, w / 8, 3 * h / 4, w / 8 + w / 2, 3 * h / 4 + 3), >,
          1e-3);
      g_assert_cmpfloat (
          window_difference (none, hinted, w, 3 * w / 4, h / 8, 3 * w / 4 + w / 6, h / 8 + h / 5),
          >, 1e-3);
      if (m == 0)
        {
          g_autofree float *in = g_new (float, n * 4);
          gegl_buffer_get (input, r, 1.0, babl_format ("R'G'B'A float"), in, GEGL_AUTO_ROWSTRIDE,
                           GEGL_ABYSS_NONE);
          for (gsize i = 0; i < n; i++)
            {
              const float *a = in + 4 * i, *b = hinted + 4 * i;
              /* BT.601 luma of R'G'B', as the op keeps it (ops/cc-luma.h) */
              double la = 0.299 * a[0] + 0.587 * a[1] + 0.114 * a[2];
              double lb = 0.299 * b[0] + 0.587 * b[1] + 0.114 * b[2];
              g_assert_cmpfloat (fabs (la - lb), <, 1e-4);
            }
        }
    }
}

/* The 4000 x 3000 picture of the tiny-dot tests: the photo scaled up,
 * structure for the network to see. */
static GeglBuffer *
big_picture (void)
{
  const GeglRectangle rect = { 0, 0, 4000, 3000 };
  GeglBuffer *input = gegl_buffer_new (&rect, babl_format ("Y' float"));
  g_autoptr (GeglBuffer) small = photo ();
  GeglNode *graph = gegl_node_new ();
  GeglNode *src
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", small, NULL);
  GeglNode *scale
      = gegl_node_new_child (graph, "operation", "gegl:scale-size", "x", (double)rect.width, "y",
                             (double)rect.height, "sampler", GEGL_SAMPLER_LINEAR, NULL);
  GeglNode *write
      = gegl_node_new_child (graph, "operation", "gegl:write-buffer", "buffer", input, NULL);

  gegl_node_link_many (src, scale, write, NULL);
  gegl_node_process (write);
  g_object_unref (graph);
  return input;
}

/* The tiny dot's place, and an aux that covers a part of the big picture. */
#define DOT_X 3001
#define DOT_Y 2001

static GeglBuffer *
tiny_dot (void)
{
  GeglRectangle part = { 2000, 1000, 2000, 2000 };
  GeglBuffer *dot = hints_new (&part);

  paint (dot, DOT_X, DOT_Y, 3, 1, 1.0f, 0.0f, 0.0f);
  return dot;
}

/* rect of the op's output at a quarter (R'G'B'A float; free it), as GIMP
 * shows a zoomed-out view: with mipmap rendering, GEGL's level 2. */
static float *
render_quarter (Pipeline *p, const GeglRectangle *rect)
{
  float *px = g_new (float, (gsize)rect->width * rect->height * 4);

  g_object_set (gegl_config (), "mipmap-rendering", TRUE, NULL);
  gegl_node_blit (p->op, 0.25, rect, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_set (gegl_config (), "mipmap-rendering", FALSE, NULL);
  return px;
}

/* A 3-pixel dot on a 4000 x 3000 picture is a thousandth of a working pixel
 * wide and still changes the colour around it; the same dot 8 pixels to the
 * side of a picture-sized aux of another extent lands where its coordinates
 * say. */
static void
test_tiny_dot_on_big_picture (void)
{
  g_autoptr (GeglBuffer) input = big_picture ();
  g_autoptr (GeglBuffer) dot = tiny_dot ();
  GeglRectangle around = { DOT_X - 40, DOT_Y - 40, 80, 80 };
  g_autofree float *none = NULL, *hinted = NULL;
  {
    Pipeline p = pipeline_new (input, NULL, "gray", hint_gray);
    none = render (&p, &around);
    g_object_unref (p.graph);
  }
  {
    Pipeline p = pipeline_new (input, dot, "gray", hint_gray);
    hinted = render (&p, &around);
    g_object_unref (p.graph);
  }
  g_assert_cmpfloat (window_difference (none, hinted, 80, 30, 30, 50, 50), >, 1e-3);

  /* Zoomed out (GEGL's mipmap level 2, with mipmap rendering on):
   * the dot, a fraction of a pixel there, still counts. */
  const GeglRectangle quarter = { 0, 0, 1000, 750 };
  float *at_quarter[2];
  for (int k = 0; k < 2; k++)
    {
      Pipeline p = pipeline_new (input, k ? dot : NULL, "gray", hint_gray);
      at_quarter[k] = render_quarter (&p, &quarter);
      g_object_unref (p.graph);
    }
  g_assert_cmpfloat (window_difference (at_quarter[0], at_quarter[1], 1000, 740, 490, 760, 510), >,
                     1e-3);
  g_free (at_quarter[0]);
  g_free (at_quarter[1]);
}

/* Zoomed out and in parts, with mipmap rendering on (GEGL hands
 * the op level-0 rectangles at level 2): a part around the tiny dot shows
 * it, and every part is that window of the whole picture at a quarter,
 * for the hints op with and without hints and for cocolor:colorize. */
static void
test_tiny_dot_zoomed_out_in_parts (void)
{
  g_autoptr (GeglBuffer) input = big_picture ();
  g_autoptr (GeglBuffer) dot = tiny_dot ();
  const GeglRectangle quarter = { 0, 0, 1000, 750 };
  /* 600 x 450 of the quarter, the dot (750, 500 there) inside. */
  const GeglRectangle part = { 400, 275, 600, 450 };
  GeglBuffer *auxes[] = { NULL, dot, FILTER };
  float *parts[G_N_ELEMENTS (auxes)];

  for (guint k = 0; k < G_N_ELEMENTS (auxes); k++)
    {
      Pipeline p = pipeline_new (input, auxes[k], "gray", hint_gray);
      parts[k] = render_quarter (&p, &part);
      g_object_unref (p.graph);
      p = pipeline_new (input, auxes[k], "gray", hint_gray);
      g_autofree float *whole = render_quarter (&p, &quarter);
      g_object_unref (p.graph);
      double e = 0;
      for (int y = 0; y < part.height; y++)
        for (int x = 0; x < part.width; x++)
          for (int c = 0; c < 4; c++)
            {
              float a = parts[k][((gsize)y * part.width + x) * 4 + c];
              float b = whole[((gsize)(part.y + y) * quarter.width + part.x + x) * 4 + c];
              e = MAX (e, fabs ((double)a - b));
            }
      g_assert_cmpfloat (e, <, 1e-5);
    }
  const int dx = DOT_X / 4 - part.x, dy = DOT_Y / 4 - part.y;
  g_assert_cmpfloat (
      window_difference (parts[0], parts[1], part.width, dx - 10, dy - 10, dx + 10, dy + 10), >,
      1e-3);
  for (guint k = 0; k < G_N_ELEMENTS (auxes); k++)
    g_free (parts[k]);
}

/* The op in mode auto on input after gegl:invert-gamma, which renders
 * only the level GEGL asks for (a buffer source has every level). */
static Pipeline
pipeline_after_op (GeglBuffer *input, GeglBuffer *aux, GeglNode **before)
{
  Pipeline p = pipeline_new (input, aux, "auto", hint_gray);
  GeglNode *source = gegl_node_get_producer (p.op, "input", NULL);

  *before = gegl_node_new_child (p.graph, "operation", "gegl:invert-gamma", NULL);
  gegl_node_link_many (source, *before, p.op, NULL);
  return p;
}

/* Zoomed out, in parts, after such an op: a colour photo in mode auto goes
 * through as the op before made it, in both ops. */
static void
test_pass_through_zoomed_out (void)
{
  g_autoptr (GeglBuffer) input = photo ();
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  const GeglRectangle part
      = { r->x / 4 + 10, r->y / 4 + 10, r->width / 4 - 30, r->height / 4 - 30 };
  const gsize n = (gsize)part.width * part.height * 4;
  GeglBuffer *auxes[] = { NULL, FILTER };

  for (guint k = 0; k < G_N_ELEMENTS (auxes); k++)
    {
      GeglNode *before;
      Pipeline p = pipeline_after_op (input, auxes[k], &before);
      Pipeline up_to_before = { p.graph, before, NULL };
      g_autofree float *expected = render_quarter (&up_to_before, &part);
      g_object_unref (p.graph);

      p = pipeline_after_op (input, auxes[k], &before);
      g_test_expect_message ("cocolor", G_LOG_LEVEL_WARNING, "*colour photo*");
      g_autofree float *through = render_quarter (&p, &part);
      g_test_assert_expected_messages ();
      g_object_unref (p.graph);
      g_assert_cmpfloat (op_test_max_difference (expected, through, n), <, 1e-6);
    }
}

/* The op node keeps its prediction between renders: new hints on the same
 * node give what a fresh node gives with them, and so does taking the aux
 * away. */
static void
test_cache_follows_hints (void)
{
  g_autoptr (GeglBuffer) input = photo ();
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  const gsize n = (gsize)r->width * r->height * 4 * sizeof (float);
  g_autoptr (GeglBuffer) a = hints_new (r);
  g_autoptr (GeglBuffer) b = hints_new (r);

  paint (a, r->x + 20, r->y + 20, 6, 6, 1.0f, 0.0f, 0.0f);
  paint (b, r->x + r->width / 2, r->y + r->height / 2, 6, 6, 0.0f, 0.0f, 1.0f);
  g_autofree float *fresh_a = render_once (input, a, "gray", hint_gray);
  g_autofree float *fresh_b = render_once (input, b, "gray", hint_gray);
  g_autofree float *fresh_none = render_once (input, NULL, "gray", hint_gray);
  g_assert_true (memcmp (fresh_a, fresh_b, n) != 0);

  Pipeline p = pipeline_new (input, a, "gray", hint_gray);
  g_autofree float *with_a = render (&p, r);
  g_assert_cmpmem (with_a, n, fresh_a, n);
  /* Other hints on the same pad. */
  gegl_node_set (p.aux, "buffer", b, NULL);
  g_autofree float *with_b = render (&p, r);
  g_assert_cmpmem (with_b, n, fresh_b, n);
  /* Painted into: the buffer changes under the same source node. */
  paint (b, r->x + 20, r->y + 20, 6, 6, 1.0f, 0.0f, 0.0f);
  g_autofree float *fresh_ab = render_once (input, b, "gray", hint_gray);
  g_autofree float *painted = render (&p, r);
  g_assert_cmpmem (painted, n, fresh_ab, n);
  /* No aux any more. */
  gegl_node_disconnect (p.op, "aux");
  g_autofree float *without = render (&p, r);
  g_assert_cmpmem (without, n, fresh_none, n);
  g_object_unref (p.graph);
}

static int notes, warnings;

static void
count_messages (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  (void)domain, (void)data;
  if (level & G_LOG_LEVEL_WARNING)
    warnings++;
  else if (strstr (message, "takes no colour hints"))
    notes++;
}

/* A model without hint inputs: the automatic colour, and one note (not a
 * warning: the plug-in would take that for a failure). */
static void
test_model_without_hints (void)
{
  g_autoptr (GeglBuffer) input = photo ();
  const GeglRectangle *r = gegl_buffer_get_extent (input);
  const gsize n = (gsize)r->width * r->height * 4 * sizeof (float);
  g_autoptr (GeglBuffer) hints = hints_new (r);
  paint (hints, r->x + 10, r->y + 10, 8, 8, 0.0f, 1.0f, 0.0f);

  g_autofree float *none = render_once (input, NULL, "gray", plain_gray);
  guint handler = g_log_set_handler ("cocolor", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE,
                                     count_messages, NULL);
  Pipeline p = pipeline_new (input, hints, "gray", plain_gray);
  g_autofree float *hinted = render (&p, r);
  GeglRectangle half = { r->x, r->y, r->width, r->height / 2 };
  g_free (render (&p, &half));
  g_object_unref (p.graph);
  g_log_remove_handler ("cocolor", handler);
  g_assert_cmpmem (none, n, hinted, n);
  g_assert_cmpint (notes, ==, 1);
  g_assert_cmpint (warnings, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 6)
    g_error ("usage: %s OP_DIR PHOTO HINT_GRAY HINT_NIR PLAIN_GRAY", argv[0]);
  photo_path = op_test_init (argc, argv, argv[0]);
  g_assert_true (gegl_has_operation (HINTS_OP));
  /* The filter keeps no aux pad, so GIMP keeps its effects. */
  {
    GeglNode *graph = gegl_node_new ();
    GeglNode *filter = gegl_node_new_child (graph, "operation", "cocolor:colorize", NULL);
    g_assert_false (gegl_node_has_pad (filter, "aux"));
    g_object_unref (graph);
  }
  hint_gray = argv[3], hint_nir = argv[4], plain_gray = argv[5];
  g_test_add_func ("/hints/no-hints-bit-identical", test_no_hints_bit_identical);
  g_test_add_func ("/hints/change-colour", test_hints_change_colour);
  g_test_add_func ("/hints/tiny-dot-big-picture", test_tiny_dot_on_big_picture);
  g_test_add_func ("/hints/tiny-dot-zoomed-out-in-parts", test_tiny_dot_zoomed_out_in_parts);
  g_test_add_func ("/hints/pass-through-zoomed-out", test_pass_through_zoomed_out);
  g_test_add_func ("/hints/cache-follows-hints", test_cache_follows_hints);
  g_test_add_func ("/hints/model-without-hints", test_model_without_hints);
  int rc = g_test_run ();
  gegl_exit ();
  return rc;
}
