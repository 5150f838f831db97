/* Colour hints on the network's grid.
 *
 * A hint picture is RGBA in the input's coordinates: a pixel with alpha
 * >= 0.5 is a hint, its colour (sRGB-encoded) the colour wanted there.  It
 * is read as 8-bit R'G'B'A (alpha 128 of 255 and up is a hint): plenty for
 * a colour wish, and a quarter of the memory traffic of floats.  The
 * network sees the picture at working size, where one cell covers many
 * input pixels; each cell takes the mean colour of the hint pixels inside
 * it and is marked as hinted if it has any, so a 3-pixel dot on a 100 MP
 * photo still marks its cell.  The hint picture is read in strips of any
 * size (cc_hint_grid_add), never whole. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The hint planes, in this order (the values of CcHintPlane, cc-model.h):
 * BT.601 Y, Cb, Cr of the hint colour on sRGB-encoded values (Cb and Cr
 * centred on 0), and the mask, 1 at a hint cell; each a plane of
 * work_width x work_height floats, 0 where there is no hint. */
#define CC_HINT_PLANES 4

typedef struct _CcHintGrid CcHintGrid;

/* A grid of work_width x work_height cells over a width x height picture;
 * NULL when a size is not positive or the grid would not fit in memory. */
CcHintGrid *cc_hint_grid_new (int width, int height, int work_width, int work_height);
void cc_hint_grid_free (CcHintGrid *grid);

/* Adds the hint pixels of a strip of the picture: rgba holds rows of
 * `stride` bytes (R'G'B'A u8), the strip's top-left pixel at (x, y) of the
 * picture.  Pixels outside the picture or with alpha < 128 are not hints. */
void cc_hint_grid_add (CcHintGrid *grid, const guint8 *rgba, int x, int y, int width, int height,
                       gsize stride);

/* Writes the CC_HINT_PLANES planes into planes and returns the number of
 * hinted cells.  A hint smaller than min_radius cells (a group of touching
 * hinted cells whose bounding box is narrower than a disc of that radius
 * both ways, as a small dot on a big picture is) is grown to a disc of
 * radius min_radius around its centre, of its mean colour: the smallest
 * hint the network learnt to spread.  Grown discs never cover hinted cells;
 * where two overlap, the one whose hint comes first in raster order wins. */
gsize cc_hint_grid_finish (const CcHintGrid *grid, int min_radius, float *planes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcHintGrid, cc_hint_grid_free)

G_END_DECLS
