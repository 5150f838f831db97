/* What colour hints cost the op, as GIMP runs it: the picture and the hints
 * layer already in memory (8-bit R'G'B' and R'G'B'A buffers), the result
 * written to a buffer, no file decoded or encoded.  At 1, 12, 24 and 100
 * megapixels (the sample photo tiled up to size, 3:2) it times
 *   - plain: cocolor:colorize, mode nir, the shipped model;
 *   - hint model, no hints: cocolor:colorize-hints with no aux (what the
 *     network's hint inputs cost);
 *   - with hints: cocolor:colorize-hints with ten 9-pixel dots and a 3-pixel
 *     stroke across a fifth of the picture, and a hint model of the shipped
 *     network's widths (the shipped network with zero-weight hint inputs:
 *     tests/op/widen-shipped.py);
 * each five times, interleaved, in a graph of its own (no cached
 * prediction), the fastest kept, and prints the ratios of with hints to
 * plain and to no hints.
 *   bench-hints OP_DIR PHOTO PLAIN_MODEL HINT_MODEL [MP ...] */
#include <gegl.h>
#include <stdio.h>
#include <stdlib.h>

#include "op-test.h"

static const char *plain_model, *hint_model;

/* The photo repeated over a w × h R'G'B' u8 buffer. */
static GeglBuffer *
tiled_picture (GeglBuffer *photo, int w, int h)
{
  const GeglRectangle *tile = gegl_buffer_get_extent (photo);
  GeglBuffer *out = gegl_buffer_new (GEGL_RECTANGLE (0, 0, w, h), babl_format ("R'G'B' u8"));

  for (int y = 0; y < h; y += tile->height)
    for (int x = 0; x < w; x += tile->width)
      gegl_buffer_copy (photo, tile, GEGL_ABYSS_NONE, out,
                        GEGL_RECTANGLE (x, y, MIN (tile->width, w - x), MIN (tile->height, h - y)));
  return out;
}

/* A transparent w × h hints layer with what a user paints: ten dots and a stroke. */
static GeglBuffer *
hints_layer (int w, int h)
{
  GeglBuffer *hints = gegl_buffer_new (GEGL_RECTANGLE (0, 0, w, h), babl_format ("R'G'B'A u8"));
  GeglColor *dot = gegl_color_new ("rgb(0.78, 0.24, 0.16)");
  GeglColor *stroke = gegl_color_new ("rgb(0.16, 0.35, 0.78)");
  GRand *rand = g_rand_new_with_seed (0);

  for (int i = 0; i < 10; i++)
    gegl_buffer_set_color (
        hints,
        GEGL_RECTANGLE (g_rand_int_range (rand, 0, w - 9), g_rand_int_range (rand, 0, h - 9), 9, 9),
        dot);
  gegl_buffer_set_color (hints, GEGL_RECTANGLE (w / 3, h / 2, w / 5, 3), stroke);
  g_rand_free (rand);
  g_object_unref (dot);
  g_object_unref (stroke);
  return hints;
}

/* Seconds for one render of input into output: the plain op, or the hints
 * op with its hint model and hints on the aux pad (none when NULL). */
static double
render (GeglBuffer *input, gboolean hint_op, GeglBuffer *hints, GeglBuffer *output)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  GeglNode *op = gegl_node_new_child (graph, "operation",
                                      hint_op ? "cocolor:colorize-hints" : "cocolor:colorize",
                                      "model", hint_op ? hint_model : plain_model, NULL);
  GeglNode *sink
      = gegl_node_new_child (graph, "operation", "gegl:write-buffer", "buffer", output, NULL);

  op_test_set_enum (op, "mode", "nir");
  gegl_node_link_many (source, op, sink, NULL);
  if (hints)
    {
      GeglNode *aux
          = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", hints, NULL);
      gegl_node_connect (aux, "output", op, "aux");
    }
  gint64 start = g_get_monotonic_time ();
  gegl_node_process (sink);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  g_object_unref (graph);
  return seconds;
}

static void
bench (GeglBuffer *photo, double megapixels)
{
  int h = (int)lround (sqrt (megapixels * 1e6 / 1.5)), w = (int)lround (h * 1.5);
  g_autoptr (GeglBuffer) input = tiled_picture (photo, w, h);
  g_autoptr (GeglBuffer) hints = hints_layer (w, h);
  g_autoptr (GeglBuffer) output
      = gegl_buffer_new (GEGL_RECTANGLE (0, 0, w, h), babl_format ("R'G'B' u8"));
  double plain = G_MAXDOUBLE, unhinted = G_MAXDOUBLE, hinted = G_MAXDOUBLE;

  for (int round = 0; round < 5; round++)
    {
      plain = MIN (plain, render (input, FALSE, NULL, output));
      unhinted = MIN (unhinted, render (input, TRUE, NULL, output));
      hinted = MIN (hinted, render (input, TRUE, hints, output));
    }
  /* Against the plain op (what a user without hints runs) and against the
   * same op and model with no hints (what painting them adds). */
  printf ("%5g MP  plain %7.3f s  hint model, no hints %7.3f s  with hints %7.3f s  "
          "%+5.1f %% (%+5.1f %% over no hints)\n",
          megapixels, plain, unhinted, hinted, 100.0 * (hinted / plain - 1.0),
          100.0 * (hinted / unhinted - 1.0));
  printf ("bench-hints: mp=%g plain_seconds=%.3f no_hints_seconds=%.3f hints_seconds=%.3f "
          "ratio=%.3f ratio_no_hints=%.3f\n",
          megapixels, plain, unhinted, hinted, hinted / plain, hinted / unhinted);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  if (argc < 5)
    g_error ("usage: bench-hints OP_DIR PHOTO PLAIN_MODEL HINT_MODEL [MP ...]");
  const char *photo_path = op_test_init (argc, argv, "bench-hints");
  /* GIMP keeps about half the memory as its tile cache; GEGL's default
   * would swap the 100 MP buffers to disk and time that. */
  g_object_set (gegl_config (), "tile-cache-size", (guint64)8 << 30, NULL);
  plain_model = argv[3];
  hint_model = argv[4];
  static const double sizes[] = { 1, 12, 24, 100 };
  GeglBuffer *photo = op_test_load (photo_path);

  if (argc > 5)
    for (int i = 5; i < argc; i++)
      bench (photo, g_ascii_strtod (argv[i], NULL));
  else
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      bench (photo, sizes[i]);
  g_object_unref (photo);
  gegl_exit ();
  return 0;
}
