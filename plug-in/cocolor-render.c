#include "config.h"

#include "cocolor-render.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"

typedef struct
{
  GMutex lock;
  char *first; /* the first warning the op gave */
} Captured;

/* The op reports a failure with one g_warning () in its log domain (the
 * contract, cocolor-op-contract.h), from whichever GEGL thread ran it. */
static void
capture_warning (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  Captured *captured = data;

  g_mutex_lock (&captured->lock);
  if (!captured->first)
    captured->first = g_strdup (message ? message : "");
  g_mutex_unlock (&captured->lock);
}

GeglBuffer *
cocolor_render_op (GeglBuffer *input, const CocolorSettings *settings, CocolorProgressFunc progress,
                   gpointer user_data, char **warning)
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
  if (settings->saturation != 1.0)
    {
      /* GEGL's saturation scales chroma in CIE LCh: lightness is kept. */
      GeglNode *saturation = gegl_node_new_child (graph, "operation", "gegl:saturation", "scale",
                                                  settings->saturation, NULL);
      gegl_node_link_many (source, colorize, saturation, sink, NULL);
    }
  else
    gegl_node_link_many (source, colorize, sink, NULL);

  g_mutex_init (&captured.lock);
  guint handler
      = g_log_set_handler (COCOLOR_LOG_DOMAIN, G_LOG_LEVEL_WARNING, capture_warning, &captured);

  {
    g_autoptr (GeglProcessor) processor = gegl_node_new_processor (sink, extent);
    while (gegl_processor_work (processor, &fraction))
      if (progress)
        progress (fraction, user_data);
  }
  if (progress)
    progress (1.0, user_data);

  g_log_remove_handler (COCOLOR_LOG_DOMAIN, handler);
  g_mutex_clear (&captured.lock);

  *warning = captured.first;
  return g_steal_pointer (&output);
}

GeglBuffer *
cocolor_render (GeglBuffer *input, const CocolorSettings *settings, CocolorProgressFunc progress,
                gpointer user_data, GError **error)
{
  g_autofree char *warning = NULL;
  g_autoptr (GeglBuffer) output
      = cocolor_render_op (input, settings, progress, user_data, &warning);

  if (warning)
    {
      /* The op passed the picture through: nothing worth keeping. */
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_RENDER,
                   _ ("CoColor could not colorize the picture: %s"), warning);
      return NULL;
    }
  return g_steal_pointer (&output);
}
