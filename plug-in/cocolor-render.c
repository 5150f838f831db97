#include "config.h"

#include "cocolor-render.h"

#include <glib/gi18n-lib.h>

#include "cocolor-op.h"

typedef struct
{
  GMutex lock;
  char *first;      /* the first warning the op gave */
  GPtrArray *notes; /* its messages, each once */
} Captured;

/* The op reports a failure with one g_warning () in its log domain (the
 * contract, cocolor-op-contract.h), and a note that leaves the result as
 * good as it can be with one g_message (), from whichever GEGL thread ran
 * it. */
static void
capture_log (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  Captured *captured = data;

  g_mutex_lock (&captured->lock);
  if (level & G_LOG_LEVEL_WARNING)
    {
      if (!captured->first)
        captured->first = g_strdup (message ? message : "");
    }
  else
    cocolor_notes_add (captured->notes, message ? message : "");
  g_mutex_unlock (&captured->lock);
}

void
cocolor_notes_add (GPtrArray *notes, const char *note)
{
  if (notes && !g_ptr_array_find_with_equal_func (notes, note, g_str_equal, NULL))
    g_ptr_array_add (notes, g_strdup (note));
}

/* The hint picture at its place in the input's coordinates: an integer
 * translation, which GEGL does by shifting the buffer (no resampling). */
static GeglNode *
hints_source (GeglNode *graph, const CocolorHints *hints)
{
  GeglNode *source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer",
                                          hints->buffer, NULL);
  if (hints->x == 0 && hints->y == 0)
    return source;
  GeglNode *translate = gegl_node_new_child (graph, "operation", "gegl:translate", "x",
                                             (double)hints->x, "y", (double)hints->y, NULL);
  gegl_node_link (source, translate);
  return translate;
}

GeglBuffer *
cocolor_render_op (GeglBuffer *input, const CocolorHints *hints, const CocolorSettings *settings,
                   CocolorProgressFunc progress, gpointer user_data, GPtrArray *notes,
                   char **warning)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (input);
  const Babl *space = babl_format_get_space (gegl_buffer_get_format (input));
  g_autoptr (GeglBuffer) output
      = gegl_buffer_new (extent, babl_format_with_space ("R'G'B'A float", space));
  g_autoptr (GeglNode) graph = gegl_node_new ();
  g_autoptr (GPtrArray) own_notes = g_ptr_array_new_with_free_func (g_free);
  Captured captured = { .notes = notes ? notes : own_notes };
  gdouble fraction = 0.0;

  GeglNode *source
      = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", input, NULL);
  /* With hints, the op that takes them (its result without a hint pixel is
   * the plain op's, bit for bit). */
  GeglNode *colorize = gegl_node_new_child (
      graph, "operation", hints && hints->buffer ? COCOLOR_OP_HINTS_NAME : COCOLOR_OP_NAME, NULL);
  GeglNode *sink
      = gegl_node_new_child (graph, "operation", "gegl:write-buffer", "buffer", output, NULL);
  cocolor_op_configure (colorize, settings);
  if (hints && hints->buffer)
    gegl_node_connect (hints_source (graph, hints), "output", colorize, "aux");
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
  guint handler = g_log_set_handler (COCOLOR_LOG_DOMAIN, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE,
                                     capture_log, &captured);

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
cocolor_render (GeglBuffer *input, const CocolorHints *hints, const CocolorSettings *settings,
                CocolorProgressFunc progress, gpointer user_data, GPtrArray *notes, GError **error)
{
  g_autofree char *warning = NULL;
  g_autoptr (GeglBuffer) output
      = cocolor_render_op (input, hints, settings, progress, user_data, notes, &warning);

  if (warning)
    {
      /* The op passed the picture through: nothing worth keeping. */
      g_set_error (error, COCOLOR_ERROR, COCOLOR_ERROR_RENDER,
                   _ ("CoColor could not colorize the picture: %s"), warning);
      return NULL;
    }
  return g_steal_pointer (&output);
}
