/* Colour hints on the network's grid.
 *
 * A hint picture is RGBA in the input's coordinates: a pixel with alpha
 * >= 0.5 is a hint, its colour (sRGB-encoded) the colour wanted there.  The
 * network sees the picture at working size, where one cell covers many
 * input pixels; each cell takes the mean colour of the hint pixels inside
 * it and is marked as hinted if it has any, so a 3-pixel dot on a 100 MP
 * photo still marks its cell.  The hint picture is read in strips of any
 * size (cc_hint_grid_add), never whole. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The channels the network takes, BT.601 on sRGB-encoded values (Cb, Cr
 * centred on 0), each a plane of work_width x work_height floats. */
typedef enum
{
  CC_HINTS_CHROMA, /* grayscale mode: Cb, Cr, mask (lightness stays the input's) */
  CC_HINTS_COLOUR, /* near-infrared mode: Y, Cb, Cr, mask */
} CcHintKind;

typedef struct _CcHintGrid CcHintGrid;

/* A grid of work_width x work_height cells over a width x height picture;
 * NULL when a size is not positive or the grid would not fit in memory. */
CcHintGrid *cc_hint_grid_new (int width, int height, int work_width, int work_height);
void cc_hint_grid_free (CcHintGrid *grid);

/* Adds the hint pixels of a strip of the picture: rgba holds rows of
 * `stride` floats, the strip's top-left pixel at (x, y) of the picture.
 * Pixels outside the picture, not finite, or with alpha < 0.5 are not hints. */
void cc_hint_grid_add (CcHintGrid *grid, const float *rgba, int x, int y, int width, int height,
                       gsize stride);

/* Number of channels of kind: 3 or 4. */
int cc_hint_channels (CcHintKind kind);

/* Writes cc_hint_channels (kind) planes into channels (zero where no hint)
 * and returns the number of hinted cells. */
gsize cc_hint_grid_finish (const CcHintGrid *grid, CcHintKind kind, float *channels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcHintGrid, cc_hint_grid_free)

G_END_DECLS
