/* Full-resolution colour from the network run on a fixed grid of
 * overlapping tiles, blended with feathered weights.
 *
 * The grid depends only on the picture's size, and each output pixel is the
 * weighted mean of the tiles covering it, so any rectangle GEGL asks for
 * gets the same pixels.  Tile results are kept in a small cache (about two
 * rows of tiles) because neighbouring requests share tiles. */
#pragma once

#include <gegl.h>

#include "cc-network.h"

G_BEGIN_DECLS

typedef struct _CcTiles CcTiles;

/* rect: the picture, in the coordinates of `level` of the input buffer;
 * rgba_format: R'G'B'A float in the input's space. */
CcTiles *cc_tiles_new (CcNetwork *network, const GeglRectangle *rect, int level,
                       const Babl *rgba_format);
void cc_tiles_free (CcTiles *tiles);

/* colour receives roi's R'G'B', interleaved.  Thread-safe. */
gboolean cc_tiles_colour (CcTiles *tiles, GeglBuffer *input, const GeglRectangle *roi,
                          float *colour, GError **error);

/* Tile side and overlap, in pixels (tests). */
void cc_tiles_get_geometry (const CcTiles *tiles, int *tile, int *overlap);

G_END_DECLS
