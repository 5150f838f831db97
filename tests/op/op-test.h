/* What the op's GEGL-API tests share: GEGL with the built op loaded, a
 * picture file as a GeglBuffer, enum properties by nick, a render of a
 * node, and the largest difference between two renders.  Header-only: each test is one program. */
#pragma once

#include <gegl.h>
#include <math.h>

/* GEGL, and the op from the module folder argv[1]; returns argv[2], the
 * photo.  Call after g_test_init () (and after any log handler the test
 * installs for GEGL's start-up). */
static inline const char *
op_test_init (int argc, char **argv, const char *program)
{
  if (argc < 3)
    g_error ("usage: %s OP_DIR PHOTO", program);
  gegl_init (NULL, NULL);
  gegl_load_module_directory (argv[1]);
  g_assert_true (gegl_has_operation ("cocolor:colorize"));
  return argv[2];
}

/* The file at path, as GEGL loads it. */
static inline GeglBuffer *
op_test_load (const char *path)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path, NULL);
  GeglBuffer *buffer = NULL;
  GeglNode *sink
      = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer, NULL);

  gegl_node_link (load, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  g_assert_nonnull (buffer);
  return buffer;
}

/* An enum property of the op by nick, as the gegl CLI and GIMP set them. */
static inline void
op_test_set_enum (GeglNode *op, const char *property, const char *nick)
{
  GParamSpec *pspec = gegl_operation_find_property ("cocolor:colorize", property);
  GEnumValue *value = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, nick);

  g_assert_nonnull (value);
  gegl_node_set (op, property, value->value, NULL);
}

/* rect of op's output as R'G'B'A float (free it). */
static inline float *
op_test_render (GeglNode *op, const GeglRectangle *rect)
{
  float *px = g_new (float, (gsize)rect->width * rect->height * 4);

  gegl_node_blit (op, 1.0, rect, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  return px;
}

static inline double
op_test_max_difference (const float *a, const float *b, gsize n)
{
  double e = 0;

  for (gsize i = 0; i < n; i++)
    e = MAX (e, fabs ((double)a[i] - b[i]));
  return e;
}
