#include "config.h"

#include "cocolor-hints.h"

#include <string.h>

#include "cc-hints-read.h" /* the op's grid: the preview maps hints as the op does */

GimpLayer *
cocolor_hints_find (GimpImage *image)
{
  return gimp_image_get_layer_by_name (image, COCOLOR_HINTS_LAYER_NAME);
}

gboolean
cocolor_hints_in_image (GimpLayer *layer, GimpImage *image)
{
  if (!layer || !gimp_item_is_valid (GIMP_ITEM (layer)))
    return FALSE;
  GimpImage *own = gimp_item_get_image (GIMP_ITEM (layer));
  return own && gimp_image_get_id (own) == gimp_image_get_id (image);
}

GimpLayer *
cocolor_hints_add_layer (GimpImage *image, GimpDrawable *above)
{
  GimpItem *parent = gimp_item_get_parent (GIMP_ITEM (above));
  GimpLayer *layer = NULL;

  gimp_image_undo_group_start (image);
  if (gimp_image_get_base_type (image) != GIMP_RGB)
    gimp_image_convert_rgb (image);
  layer = gimp_layer_new (image, COCOLOR_HINTS_LAYER_NAME, gimp_image_get_width (image),
                          gimp_image_get_height (image), GIMP_RGBA_IMAGE, 100.0,
                          GIMP_LAYER_MODE_NORMAL);
  /* A proxy of libgimp's: deleted in GIMP, never unrefed, when GIMP
   * refuses it. */
  if (layer
      && !gimp_image_insert_layer (image, layer,
                                   GIMP_IS_LAYER (parent) ? GIMP_LAYER (parent) : NULL,
                                   gimp_image_get_item_position (image, GIMP_ITEM (above))))
    {
      gimp_item_delete (GIMP_ITEM (layer));
      layer = NULL;
    }
  if (layer)
    {
      gimp_drawable_fill (GIMP_DRAWABLE (layer), GIMP_FILL_TRANSPARENT);
      gimp_item_set_visible (GIMP_ITEM (layer), TRUE);
    }
  gimp_image_undo_group_end (image);
  return layer;
}

void
cocolor_hints_for_drawable (CocolorHints *hints, GimpLayer *hints_layer, GimpDrawable *drawable)
{
  int hx, hy, tx, ty;

  *hints = (CocolorHints){ 0 };
  if (!hints_layer
      || gimp_item_get_id (GIMP_ITEM (hints_layer)) == gimp_item_get_id (GIMP_ITEM (drawable)))
    return;
  /* Image coordinates: hint pixel (x, y) is at (x + hx, y + hy), the
   * drawable's pixel (u, v) at (u + tx, v + ty). */
  gimp_drawable_get_offsets (GIMP_DRAWABLE (hints_layer), &hx, &hy);
  gimp_drawable_get_offsets (drawable, &tx, &ty);
  hints->buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (hints_layer));
  hints->x = hx - tx;
  hints->y = hy - ty;
}

void
cocolor_hints_clear (CocolorHints *hints)
{
  g_clear_object (&hints->buffer);
}

GeglBuffer *
cocolor_hints_reduce (const CocolorHints *hints, int full_width, int full_height, int width,
                      int height)
{
  /* Read and written in the hints' own space: the op converts to sRGB. */
  const Babl *space = babl_format_get_space (gegl_buffer_get_format (hints->buffer));
  const GeglRectangle *own = gegl_buffer_get_extent (hints->buffer);
  const GeglRectangle placed = { own->x + hints->x, own->y + hints->y, own->width, own->height };
  const GeglRectangle full = { 0, 0, full_width, full_height };
  const GeglRectangle out_rect = { 0, 0, width, height };
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (full_width, full_height, width, height);
  g_autofree float *pixels = g_new (float, (gsize)width * height * 4);
  GeglRectangle area;

  /* No grid (no memory): a preview without the hints, not a crash. */
  if (grid && gegl_rectangle_intersect (&area, &placed, &full))
    {
      /* The op's rule for its grid (cc-hints-read.h). */
      const GeglRectangle source
          = { area.x - hints->x, area.y - hints->y, area.width, area.height };

      if (!cc_hint_grid_read (grid, hints->buffer, &source, area.x, area.y, space))
        g_clear_pointer (&grid, cc_hint_grid_free);
    }
  if (grid)
    cc_hint_grid_rgba (grid, pixels);
  else
    memset (pixels, 0, (gsize)width * height * 4 * sizeof (float));
  const Babl *format = babl_format_with_space ("R'G'B'A float", space);
  GeglBuffer *reduced = gegl_buffer_new (&out_rect, format);
  gegl_buffer_set (reduced, &out_rect, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return reduced;
}
