#include "config.h"

#include "cc-tiles.h"

#include "cc-luma.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>

#define TILE 512
#define OVERLAP 64

/* Tile origins along one axis of length len: stride TILE - OVERLAP, the
 * last tile pulled back inside the picture. */
typedef struct
{
  int n, size; /* number of tiles, their side (min (TILE, len)) */
  int *origin;
} Axis;

static void
axis_init (Axis *axis, int len, int tile, int overlap)
{
  axis->size = MIN (tile, len);
  axis->n = len <= tile ? 1 : (len - overlap + (tile - overlap) - 1) / (tile - overlap);
  axis->origin = g_new (int, axis->n);
  for (int i = 0; i < axis->n; i++)
    axis->origin[i] = MIN (i * (tile - overlap), len - axis->size);
}

/* Feathered weight of position p in the tile starting at a: a linear ramp
 * over the overlap on sides that have a neighbour, flat at the picture's
 * own edges.  Never zero inside the tile. */
static inline float
feather (int p, int a, int size, int len, int overlap)
{
  float w = 1.0f;
  if (a > 0)
    w = MIN (w, ((float)(p - a) + 0.5f) / overlap);
  if (a + size < len)
    w = MIN (w, ((float)(a + size - p) - 0.5f) / overlap);
  return w;
}

typedef struct
{
  int index;
  float *rgb; /* 3 planes of the tile */
} CachedTile;

struct _CcTiles
{
  CcNetwork *network;
  GeglRectangle rect;
  int level;
  const Babl *rgba_format;
  int tile, overlap;
  Axis x, y;
  GMutex lock;
  GQueue cache; /* CachedTile *, most recent first */
  guint capacity;
};

CcTiles *
cc_tiles_new (CcNetwork *network, const GeglRectangle *rect, int level, const Babl *rgba_format)
{
  CcTiles *tiles = g_new0 (CcTiles, 1);
  int step = MAX (1, cc_network_get_model (network)->downsamples);
  tiles->network = cc_network_ref (network);
  tiles->rect = *rect;
  tiles->level = level;
  tiles->rgba_format = rgba_format;
  tiles->tile = MAX (TILE / step, 1) * step;
  tiles->overlap = MIN (OVERLAP, tiles->tile / 4);
  axis_init (&tiles->x, rect->width, tiles->tile, tiles->overlap);
  axis_init (&tiles->y, rect->height, tiles->tile, tiles->overlap);
  /* GEGL walks the picture in rows of requests: two rows of tiles serve
   * every request of a row without running a tile twice. */
  tiles->capacity = 2 * tiles->x.n + 2;
  g_mutex_init (&tiles->lock);
  g_queue_init (&tiles->cache);
  return tiles;
}

static void
cached_tile_free (gpointer data)
{
  CachedTile *t = data;
  g_free (t->rgb);
  g_free (t);
}

void
cc_tiles_free (CcTiles *tiles)
{
  if (!tiles)
    return;
  g_queue_clear_full (&tiles->cache, cached_tile_free);
  g_mutex_clear (&tiles->lock);
  g_free (tiles->x.origin);
  g_free (tiles->y.origin);
  cc_network_unref (tiles->network);
  g_free (tiles);
}

void
cc_tiles_get_geometry (const CcTiles *tiles, int *tile, int *overlap)
{
  *tile = tiles->tile;
  *overlap = tiles->overlap;
}

/* Runs the network on tile (i, j); called with the lock held. */
static float *
run_tile (CcTiles *tiles, GeglBuffer *input, int i, int j, GError **error)
{
  GeglRectangle r = { tiles->rect.x + tiles->x.origin[i], tiles->rect.y + tiles->y.origin[j],
                      tiles->x.size, tiles->y.size };
  gsize n = (gsize)r.width * r.height;
  g_autofree float *lum = g_try_new (float, n);
  g_autofree float *rgb = g_try_new (float, 3 * n);
  if (!lum || !rgb)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _ ("Out of memory for a %d×%d tile"),
                   r.width, r.height);
      return NULL;
    }
  GeglBufferIterator *it = gegl_buffer_iterator_new (input, &r, tiles->level, tiles->rgba_format,
                                                     GEGL_ACCESS_READ, GEGL_ABYSS_CLAMP, 1);
  while (gegl_buffer_iterator_next (it))
    {
      const float *px = it->items[0].data;
      const GeglRectangle *roi = &it->items[0].roi;
      for (int y = 0; y < roi->height; y++)
        for (int x = 0; x < roi->width; x++)
          {
            float v = cc_luma (px + 4 * ((gsize)y * roi->width + x));
            lum[(gsize)(roi->y - r.y + y) * r.width + (roi->x - r.x + x)]
                = isfinite (v) ? CLAMP (v, 0.0f, 1.0f) : 0.0f;
          }
    }
  if (!cc_network_run (tiles->network, lum, r.width, r.height, rgb, error))
    return NULL;
  return g_steal_pointer (&rgb);
}

/* The tile's colour, from the cache or the network; lock held. */
static const float *
get_tile (CcTiles *tiles, GeglBuffer *input, int i, int j, GError **error)
{
  int index = j * tiles->x.n + i;
  for (GList *l = tiles->cache.head; l; l = l->next)
    {
      CachedTile *t = l->data;
      if (t->index == index)
        {
          g_queue_unlink (&tiles->cache, l);
          g_queue_push_head_link (&tiles->cache, l);
          return t->rgb;
        }
    }
  float *rgb = run_tile (tiles, input, i, j, error);
  if (!rgb)
    return NULL;
  CachedTile *t = g_new (CachedTile, 1);
  t->index = index;
  t->rgb = rgb;
  g_queue_push_head (&tiles->cache, t);
  while (tiles->cache.length > tiles->capacity)
    cached_tile_free (g_queue_pop_tail (&tiles->cache));
  return rgb;
}

gboolean
cc_tiles_colour (CcTiles *tiles, GeglBuffer *input, const GeglRectangle *roi, float *colour,
                 GError **error)
{
  const int W = tiles->rect.width, H = tiles->rect.height;
  const int rx = roi->x - tiles->rect.x, ry = roi->y - tiles->rect.y;
  const gsize n = (gsize)roi->width * roi->height;
  g_autofree float *weight = g_try_new0 (float, n);
  if (!weight)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _ ("Out of memory"));
      return FALSE;
    }
  memset (colour, 0, 3 * n * sizeof (float));

  g_mutex_lock (&tiles->lock);
  gboolean ok = TRUE;
  for (int j = 0; ok && j < tiles->y.n; j++)
    {
      int ty = tiles->y.origin[j], th = tiles->y.size;
      int y0 = MAX (ry, ty), y1 = MIN (ry + roi->height, ty + th);
      if (y0 >= y1)
        continue;
      for (int i = 0; ok && i < tiles->x.n; i++)
        {
          int tx = tiles->x.origin[i], tw = tiles->x.size;
          int x0 = MAX (rx, tx), x1 = MIN (rx + roi->width, tx + tw);
          if (x0 >= x1)
            continue;
          const float *rgb = get_tile (tiles, input, i, j, error);
          if (!rgb)
            {
              ok = FALSE;
              break;
            }
          const gsize plane = (gsize)tw * th;
          for (int y = y0; y < y1; y++)
            {
              float wy = feather (y, ty, th, H, tiles->overlap);
              for (int x = x0; x < x1; x++)
                {
                  float w = wy * feather (x, tx, tw, W, tiles->overlap);
                  gsize src = (gsize)(y - ty) * tw + (x - tx);
                  gsize dst = (gsize)(y - ry) * roi->width + (x - rx);
                  weight[dst] += w;
                  for (int c = 0; c < 3; c++)
                    colour[3 * dst + c] += w * rgb[c * plane + src];
                }
            }
        }
    }
  g_mutex_unlock (&tiles->lock);
  if (!ok)
    return FALSE;

  for (gsize k = 0; k < n; k++)
    for (int c = 0; c < 3; c++)
      colour[3 * k + c] /= weight[k];
  return TRUE;
}
