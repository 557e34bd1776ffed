/* Mapbox Vector Tiles (version 2.1) in the WebMercatorQuad tile matrix set:
 * one layer of records cut, snapped and encoded for one tile (mvt.c, with
 * GEOS for the geometry and protobuf-c for the encoding). Private to
 * src/server. */
#ifndef DM_SERVER_MVT_H
#define DM_SERVER_MVT_H

#include "core/buf.h"

#include <geos_c.h>
#include <stdbool.h>
#include <stdint.h>

/* Tile units across a tile, and the margin drawn around it (tile units) so
 * that lines and fills meet across tile edges. */
#define DM_MVT_EXTENT 4096
#define DM_MVT_BUFFER 64
/* Geometries are snapped to a grid of this many tile units: half a pixel
 * where a tile is drawn 512 pixels across (MapLibre's default). */
#define DM_MVT_GRID 4.0
/* An area or line smaller than this many tile units both ways (three pixels
 * on a tile drawn 512 pixels across, the size of the dot the map draws) is
 * sent as a point on it: drawn as a dot, it costs a fraction of a polygon to
 * make, send, parse and draw. */
#define DM_MVT_DOT 24.0
/* The deepest zoom level served (a tile ~10 m across at the equator). */
#define DM_MVT_MAX_ZOOM 22

/* The longitudes and latitudes (degrees, WGS84) of tile z/x/y with `margin`
 * tile units around it: bb = minlon, minlat, maxlon, maxlat. */
void dm_mvt_tile_bounds(int z, int x, int y, int margin, double bb[4]);

typedef enum { DM_MVT_STRING, DM_MVT_INT, DM_MVT_DOUBLE, DM_MVT_BOOL } dm_mvt_type;

/* One property of a feature; the strings are the caller's. */
typedef struct dm_mvt_prop {
    const char *key;
    dm_mvt_type type;
    const char *s; /* DM_MVT_STRING */
    int64_t i;     /* DM_MVT_INT */
    double d;      /* DM_MVT_DOUBLE */
    bool b;        /* DM_MVT_BOOL */
} dm_mvt_prop;

typedef struct dm_mvt_layer dm_mvt_layer;

/* A layer named `name` for tile z/x/y; h is the caller's GEOS handle (used
 * by every call on the layer, so by one thread at a time). NULL when out of
 * memory. Owned by the caller: dm_mvt_layer_free(). */
dm_mvt_layer *dm_mvt_layer_new(GEOSContextHandle_t h, const char *name, int z, int x, int y);
void dm_mvt_layer_free(dm_mvt_layer *l);

/* Adds a feature: geometry g in longitude/latitude degrees (not taken),
 * projected to Web Mercator tile units, clipped to the tile and its margin,
 * snapped to a grid of DM_MVT_GRID tile units by GEOS (valid output); an area or line
 * smaller than DM_MVT_DOT, or that shrinks to nothing when snapped, becomes
 * a point on it (GEOSPointOnSurface), so that every record in the tile
 * stays visible. A geometry outside the tile adds
 * nothing. False only when out of memory or GEOS fails. */
bool dm_mvt_layer_add(dm_mvt_layer *l, const GEOSGeometry *g, const dm_mvt_prop *props,
                      size_t nprops);

/* From now on, areas sent as dots (see dm_mvt_layer_add) that lie in the
 * same cell of DM_MVT_DOT tile units and have the same properties but
 * `id_key` are sent as one feature, the first one's: a country's thousands
 * of small areas cost a map the dots it can show, not one per record. That
 * feature's `list_key` is a JSON array (as a string) of every merged one's
 * id_key value, its own first, in the order added; a lone dot has none.
 * Points given as points (items, accidents) are never merged. The keys are
 * copied. False when out of memory. */
bool dm_mvt_layer_merge_dots(dm_mvt_layer *l, const char *id_key, const char *list_key);

/* Features added so far. */
size_t dm_mvt_layer_count(const dm_mvt_layer *l);

/* Appends the tile (this one layer; nothing at all when it has no feature)
 * to out. False when out of memory. */
bool dm_mvt_layer_encode(dm_mvt_layer *l, dm_buf *out);

#endif
