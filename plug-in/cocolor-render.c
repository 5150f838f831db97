#include "config.h"

#include "cocolor-render.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"

/* The op's warnings start with its name (ops/colorize.c, warn_once). */
#define OP_WARNING_PREFIX COCOLOR_OP_NAME ": "

typedef struct
{
  GMutex lock;
  char *first; /* the first warning the op gave, without the prefix */
} Captured;

/* The op reports failures with g_warning, from whichever GEGL thread ran
 * it; everything else is passed on to the default handler. */
static void
capture_warning (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  Captured *captured = data;

  if (message && g_str_has_prefix (message, OP_WARNING_PREFIX))
    {
      g_mutex_lock (&captured->lock);
      if (!captured->first)
        captured->first = g_strdup (message + strlen (OP_WARNING_PREFIX));
      g_mutex_unlock (&captured->lock);
      return;
    }
  g_log_default_handler (domain, level, message, NULL);
}

GeglBuffer *
cocolor_render (GeglBuffer *input, const CocolorSettings *settings, CocolorProgressFunc progress,
                gpointer user_data, GError **error)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (input);
  const Babl *space = babl_format_get_space (gegl_buffer_get_format (input));
  g_autoptr (GeglBuffer) output
      = gegl_buffer_new (extent, babl_format_with_space ("R'G'B'A float", space));
  g_autoptr (GeglNode) graph = gegl_node_new ();
  Captured captured = { 0 };
  gdouble fraction = 0.0;

  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  GeglNode *colorize = gegl_node_new_child (graph, "operation", COCOLOR_OP_NAME, NULL);
  GeglNode *sink
      = gegl_node_new_child (graph, "operation", "gegl:write-buffer", "buffer", output, NULL);
  cocolor_op_configure (colorize, settings);
  gegl_node_link_many (source, colorize, sink, NULL);

  g_mutex_init (&captured.lock);
  guint handler = g_log_set_handler (NULL, G_LOG_LEVEL_WARNING, capture_warning, &captured);

  g_autoptr (GeglProcessor) processor = gegl_node_new_processor (sink, extent);
  while (gegl_processor_work (processor, &fraction))
    if (progress)
      progress (fraction, user_data);
  if (progress)
    progress (1.0, user_data);

  g_log_remove_handler (NULL, handler);
  g_mutex_clear (&captured.lock);

  if (captured.first)
    {
      /* The op passed the picture through: nothing worth keeping. */
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_RENDER,
                   _ ("CoColor could not colorize the picture: %s"), captured.first);
      g_free (captured.first);
      return NULL;
    }
  return g_steal_pointer (&output);
}
