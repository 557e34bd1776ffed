/* Mapbox Vector Tiles: one layer for one tile. GEOS projects, clips and
 * snaps the geometry; this file writes the resulting integer coordinates as
 * the format's commands (MoveTo, LineTo, ClosePath with zigzag deltas, rings
 * wound as the format says) and protobuf-c packs the layer. */
#include "server/mvt.h"

#include "vector_tile.pb-c.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAT 85.05112877980659 /* Web Mercator's edge, degrees */

static double tile_lat(double yf) /* yf: 0 at the north edge, 1 at the south */
{
    return atan(sinh(M_PI * (1.0 - 2.0 * yf))) * 180.0 / M_PI;
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

void dm_mvt_tile_bounds(int z, int x, int y, int margin, double bb[4])
{
    double n = ldexp(1.0, z), m = (double)margin / DM_MVT_EXTENT;
    bb[0] = clamp01((x - m) / n) * 360.0 - 180.0;
    bb[2] = clamp01((x + 1 + m) / n) * 360.0 - 180.0;
    bb[3] = tile_lat(clamp01((y - m) / n));
    bb[1] = tile_lat(clamp01((y + 1 + m) / n));
}

typedef struct ipt {
    int32_t x, y;
} ipt;

struct dm_mvt_layer {
    GEOSContextHandle_t h;
    char *name;
    double n, tx, ty; /* 2^z and the tile's column and row */
    VectorTile__Tile__Feature *feats;
    size_t nfeat, capfeat;
    char **keys;
    size_t nkeys, capkeys;
    VectorTile__Tile__Value *vals;
    char **vkeys; /* each value as "type char + text", for the hash */
    size_t nval, capval, capvkeys;
    uint32_t *slots; /* open addressing over vkeys: index + 1, 0 = empty */
    size_t nslots;
    uint32_t *cmd; /* the feature being written */
    size_t ncmd, capcmd;
    ipt *pts; /* one ring or line, in whole tile units */
    size_t npts, cappts;
    int32_t cx, cy; /* the command cursor */
    bool dot;       /* the feature being written is an area sent as a dot */
    bool nomem;
    /* dm_mvt_layer_merge_dots: NULL keys = every record its own feature */
    char *id_key, *list_key;
    json_object **ids; /* per feature: the ids of the dots merged into it, or NULL */
    size_t capids;
    uint32_t *dotslots; /* open addressing over the dot features: index + 1 */
    size_t ndots, ndotslots;
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

dm_mvt_layer *dm_mvt_layer_new(GEOSContextHandle_t h, const char *name, int z, int x, int y)
{
    dm_mvt_layer *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->h = h;
    l->name = strdup(name);
    l->n = ldexp(1.0, z);
    l->tx = x;
    l->ty = y;
    if (!l->name) {
        free(l);
        return NULL;
    }
    return l;
}

void dm_mvt_layer_free(dm_mvt_layer *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nfeat; i++) {
        free(l->feats[i].tags);
        free(l->feats[i].geometry);
    }
    free(l->feats);
    for (size_t i = 0; i < l->nkeys; i++)
        free(l->keys[i]);
    free(l->keys);
    for (size_t i = 0; i < l->nval; i++) {
        free(l->vals[i].string_value);
        free(l->vkeys[i]);
    }
    free(l->vals);
    free(l->vkeys);
    free(l->slots);
    free(l->cmd);
    free(l->pts);
    free(l->name);
    if (l->ids)
        for (size_t i = 0; i < l->nfeat; i++)
            json_object_put(l->ids[i]);
    free(l->ids);
    free(l->dotslots);
    free(l->id_key);
    free(l->list_key);
    free(l);
}

bool dm_mvt_layer_merge_dots(dm_mvt_layer *l, const char *id_key, const char *list_key)
{
    free(l->id_key);
    free(l->list_key);
    l->id_key = strdup(id_key);
    l->list_key = strdup(list_key);
    return l->id_key && l->list_key;
}

size_t dm_mvt_layer_count(const dm_mvt_layer *l) { return l->nfeat; }

/* ---- properties ---- */

static int key_index(dm_mvt_layer *l, const char *key)
{
    for (size_t i = 0; i < l->nkeys; i++)
        if (!strcmp(l->keys[i], key))
            return (int)i;
    if (!grow((void **)&l->keys, &l->capkeys, l->nkeys + 1, sizeof *l->keys))
        return -1;
    if (!(l->keys[l->nkeys] = strdup(key)))
        return -1;
    return (int)l->nkeys++;
}

/* FNV-1a: the start, and one step taking in x */
#define FNV_START 1469598103934665603ull
static uint64_t fnv(uint64_t v, uint64_t x) { return (v ^ x) * 1099511628211ull; }

static uint64_t hash(const char *s)
{
    uint64_t v = FNV_START;
    for (; *s; s++)
        v = fnv(v, (unsigned char)*s);
    return v;
}

/* Puts v (an index + 1) in the first free slot of an open-addressed table of
   n slots (a power of two) from h on. */
static void slot_put(uint32_t *slots, size_t n, uint64_t h, uint32_t v)
{
    size_t j = h & (n - 1);
    while (slots[j])
        j = (j + 1) & (n - 1);
    slots[j] = v;
}

static bool rehash(dm_mvt_layer *l)
{
    size_t n = l->nslots ? l->nslots * 2 : 64;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i < l->nval; i++)
        slot_put(s, n, hash(l->vkeys[i]), (uint32_t)i + 1);
    free(l->slots);
    l->slots = s;
    l->nslots = n;
    return true;
}

/* The index of the value (as `vkey`) in the layer's values, added when new. */
static int value_index(dm_mvt_layer *l, const dm_mvt_prop *p)
{
    char num[64];
    const char *text = num;
    switch (p->type) {
    case DM_MVT_STRING: text = p->s; break;
    case DM_MVT_INT: snprintf(num, sizeof num, "%lld", (long long)p->i); break;
    case DM_MVT_DOUBLE: snprintf(num, sizeof num, "%.17g", p->d); break;
    case DM_MVT_BOOL: snprintf(num, sizeof num, "%d", p->b ? 1 : 0); break;
    }
    size_t tl = strlen(text);
    char *vkey = malloc(tl + 2);
    if (!vkey)
        return -1;
    vkey[0] = (char)('a' + (int)p->type);
    memcpy(vkey + 1, text, tl + 1);
    if ((l->nval + 1) * 2 > l->nslots && !rehash(l)) {
        free(vkey);
        return -1;
    }
    size_t j = hash(vkey) & (l->nslots - 1);
    for (; l->slots[j]; j = (j + 1) & (l->nslots - 1))
        if (!strcmp(l->vkeys[l->slots[j] - 1], vkey)) {
            free(vkey);
            return (int)l->slots[j] - 1;
        }
    if (!grow((void **)&l->vals, &l->capval, l->nval + 1, sizeof *l->vals) ||
        !grow((void **)&l->vkeys, &l->capvkeys, l->nval + 1, sizeof *l->vkeys)) {
        free(vkey);
        return -1;
    }
    VectorTile__Tile__Value v = VECTOR_TILE__TILE__VALUE__INIT;
    switch (p->type) {
    case DM_MVT_STRING:
        if (!(v.string_value = strdup(p->s))) {
            free(vkey);
            return -1;
        }
        break;
    case DM_MVT_INT:
        v.has_sint_value = 1;
        v.sint_value = p->i;
        break;
    case DM_MVT_DOUBLE:
        v.has_double_value = 1;
        v.double_value = p->d;
        break;
    case DM_MVT_BOOL:
        v.has_bool_value = 1;
        v.bool_value = p->b;
        break;
    }
    l->vals[l->nval] = v;
    l->vkeys[l->nval] = vkey;
    l->slots[j] = (uint32_t)l->nval + 1;
    return (int)l->nval++;
}

/* ---- geometry ---- */

typedef struct tile_frame {
    double n, tx, ty;
} tile_frame;

/* Longitude/latitude (degrees) to this tile's units (y down). */
static int to_tile(double *x, double *y, void *ud)
{
    const tile_frame *f = ud;
    double lat = fmax(-MAX_LAT, fmin(MAX_LAT, *y)) * M_PI / 180.0;
    double mx = (*x + 180.0) / 360.0 * f->n;
    double my = (1.0 - asinh(tan(lat)) / M_PI) / 2.0 * f->n;
    *x = (mx - f->tx) * DM_MVT_EXTENT;
    *y = (my - f->ty) * DM_MVT_EXTENT;
    return 1;
}

static void put(dm_mvt_layer *l, uint32_t v)
{
    if (!grow((void **)&l->cmd, &l->capcmd, l->ncmd + 1, sizeof *l->cmd)) {
        l->nomem = true;
        return;
    }
    l->cmd[l->ncmd++] = v;
}

static uint32_t command(unsigned id, size_t count) { return (id & 7u) | ((uint32_t)count << 3); }

static uint32_t zigzag(int32_t v)
{
    return v < 0 ? ((uint32_t) - (v + 1) << 1) | 1u : (uint32_t)v << 1;
}

static void put_point(dm_mvt_layer *l, ipt p)
{
    put(l, zigzag(p.x - l->cx));
    put(l, zigzag(p.y - l->cy));
    l->cx = p.x;
    l->cy = p.y;
}

/* Reads a sequence into l->pts, rounded, without repeated points. */
static bool read_points(dm_mvt_layer *l, const GEOSCoordSequence *cs)
{
    unsigned int n = 0;
    l->npts = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(l->h, cs, &n))
        return false;
    if (!grow((void **)&l->pts, &l->cappts, n, sizeof *l->pts)) {
        l->nomem = true;
        return false;
    }
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(l->h, cs, i, &x, &y))
            return false;
        ipt p = {(int32_t)lround(x), (int32_t)lround(y)};
        if (l->npts && l->pts[l->npts - 1].x == p.x && l->pts[l->npts - 1].y == p.y)
            continue;
        l->pts[l->npts++] = p;
    }
    return true;
}

/* One ring: positive area (surveyor's formula in tile units, y down) for an
 * exterior ring, negative for a hole. False (nothing written) when the ring
 * has shrunk to a line or a point. */
static bool put_ring(dm_mvt_layer *l, const GEOSGeometry *ring, bool exterior)
{
    if (!read_points(l, GEOSGeom_getCoordSeq_r(l->h, ring)))
        return false;
    if (l->npts > 1 && l->pts[0].x == l->pts[l->npts - 1].x && l->pts[0].y == l->pts[l->npts - 1].y)
        l->npts--; /* ClosePath closes it */
    if (l->npts < 3)
        return false;
    int64_t area2 = 0;
    for (size_t i = 0; i < l->npts; i++) {
        ipt a = l->pts[i], b = l->pts[(i + 1) % l->npts];
        area2 += (int64_t)a.x * b.y - (int64_t)b.x * a.y;
    }
    if (!area2)
        return false;
    if ((area2 > 0) != exterior) /* wound the other way: reverse */
        for (size_t i = 0, j = l->npts - 1; i < j; i++, j--) {
            ipt t = l->pts[i];
            l->pts[i] = l->pts[j];
            l->pts[j] = t;
        }
    put(l, command(1, 1));
    put_point(l, l->pts[0]);
    put(l, command(2, l->npts - 1));
    for (size_t i = 1; i < l->npts; i++)
        put_point(l, l->pts[i]);
    put(l, command(7, 1));
    return true;
}

static void put_polygons(dm_mvt_layer *l, const GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(l->h, g);
    if (t == GEOS_POLYGON) {
        if (!put_ring(l, GEOSGetExteriorRing_r(l->h, g), true))
            return; /* its holes go with it */
        int nh = GEOSGetNumInteriorRings_r(l->h, g);
        for (int i = 0; i < nh; i++)
            put_ring(l, GEOSGetInteriorRingN_r(l->h, g, i), false);
    } else if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(l->h, g);
        for (int i = 0; i < n; i++)
            put_polygons(l, GEOSGetGeometryN_r(l->h, g, i));
    }
}

static void put_lines(dm_mvt_layer *l, const GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(l->h, g);
    if (t == GEOS_LINESTRING || t == GEOS_LINEARRING) {
        if (!read_points(l, GEOSGeom_getCoordSeq_r(l->h, g)) || l->npts < 2)
            return;
        put(l, command(1, 1));
        put_point(l, l->pts[0]);
        put(l, command(2, l->npts - 1));
        for (size_t i = 1; i < l->npts; i++)
            put_point(l, l->pts[i]);
    } else if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(l->h, g);
        for (int i = 0; i < n; i++)
            put_lines(l, GEOSGetGeometryN_r(l->h, g, i));
    }
}

static bool inside(double x, double y)
{
    return x >= -DM_MVT_BUFFER && y >= -DM_MVT_BUFFER && x <= DM_MVT_EXTENT + DM_MVT_BUFFER &&
           y <= DM_MVT_EXTENT + DM_MVT_BUFFER;
}

/* The points of g that lie in the tile and its margin, as one MoveTo. */
static size_t put_points(dm_mvt_layer *l, const GEOSGeometry *g)
{
    int n = GEOSGetNumGeometries_r(l->h, g);
    ipt *in = malloc(((size_t)n + 1) * sizeof *in);
    size_t m = 0;
    if (!in) {
        l->nomem = true;
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(l->h, g, i);
        double x, y;
        if (GEOSGeomTypeId_r(l->h, p) != GEOS_POINT || GEOSisEmpty_r(l->h, p) ||
            !GEOSGeomGetX_r(l->h, p, &x) || !GEOSGeomGetY_r(l->h, p, &y) || !inside(x, y))
            continue;
        in[m++] = (ipt){(int32_t)lround(x), (int32_t)lround(y)};
    }
    if (m) {
        put(l, command(1, m));
        for (size_t i = 0; i < m; i++)
            put_point(l, in[i]);
    }
    free(in);
    return m;
}

/* Writes the commands of g (tile units, already clipped) into l->cmd; the
 * geometry type written. */
static VectorTile__Tile__GeomType put_geometry(dm_mvt_layer *l, const GEOSGeometry *clipped)
{
    int dim = GEOSGeom_getDimensions_r(l->h, clipped);
    if (dim == 0)
        return put_points(l, clipped) ? VECTOR_TILE__TILE__GEOM_TYPE__POINT
                                      : VECTOR_TILE__TILE__GEOM_TYPE__UNKNOWN;
    double x0, y0, x1, y1;
    bool tiny = GEOSGeom_getXMin_r(l->h, clipped, &x0) && GEOSGeom_getYMin_r(l->h, clipped, &y0) &&
                GEOSGeom_getXMax_r(l->h, clipped, &x1) && GEOSGeom_getYMax_r(l->h, clipped, &y1) &&
                x1 - x0 < DM_MVT_DOT && y1 - y0 < DM_MVT_DOT;
    if (tiny)
        goto dot;
    /* snapped to the grid by GEOS, so that the rounded rings stay valid; a
       geometry it cannot snap is written rounded as it is */
    GEOSGeometry *snapped = GEOSGeom_setPrecision_r(l->h, clipped, DM_MVT_GRID, 0);
    const GEOSGeometry *use = snapped ? snapped : clipped;
    if (dim == 2)
        put_polygons(l, use);
    else
        put_lines(l, use);
    if (snapped)
        GEOSGeom_destroy_r(l->h, snapped);
    if (l->ncmd)
        return dim == 2 ? VECTOR_TILE__TILE__GEOM_TYPE__POLYGON
                        : VECTOR_TILE__TILE__GEOM_TYPE__LINESTRING;
    /* smaller than the grid at this zoom: a point on it instead */
dot:;
    l->dot = true;
    GEOSGeometry *p = GEOSPointOnSurface_r(l->h, clipped);
    VectorTile__Tile__GeomType t = VECTOR_TILE__TILE__GEOM_TYPE__UNKNOWN;
    if (p && put_points(l, p))
        t = VECTOR_TILE__TILE__GEOM_TYPE__POINT;
    if (p)
        GEOSGeom_destroy_r(l->h, p);
    return t;
}

/* ---- dots in one cell, sent once ---- */

static int32_t unzigzag(uint32_t v) { return (int32_t)(v >> 1) ^ -(int32_t)(v & 1u); }

/* The id's key index in this layer, or -1 when no feature has one yet. */
static int id_index(const dm_mvt_layer *l)
{
    for (size_t i = 0; i < l->nkeys; i++)
        if (!strcmp(l->keys[i], l->id_key))
            return (int)i;
    return -1;
}

/* The cell of DM_MVT_DOT tile units a dot feature lies in (a single MoveTo
 * from the cursor's start, so its deltas are its position), and a hash of
 * it with the feature's values but its id. */
static int64_t dot_cell(const VectorTile__Tile__Feature *f, int axis /* 0 x, 1 y */)
{
    return (int64_t)floor((unzigzag(f->geometry[1 + axis]) + DM_MVT_BUFFER) / DM_MVT_DOT);
}

static uint64_t dot_hash(const VectorTile__Tile__Feature *f, int idk)
{
    uint64_t v = fnv(fnv(FNV_START, (uint64_t)dot_cell(f, 0)), (uint64_t)dot_cell(f, 1));
    for (size_t i = 0; i + 1 < f->n_tags; i += 2)
        if ((int)f->tags[i] != idk)
            v = fnv(fnv(v, f->tags[i]), f->tags[i + 1]);
    return v;
}

/* Same cell and the same values but the id. */
static bool same_dot(const VectorTile__Tile__Feature *a, const VectorTile__Tile__Feature *b,
                     int idk)
{
    if (a->n_tags != b->n_tags)
        return false;
    for (size_t i = 0; i + 1 < a->n_tags; i += 2)
        if (a->tags[i] != b->tags[i] ||
            ((int)a->tags[i] != idk && a->tags[i + 1] != b->tags[i + 1]))
            return false;
    return dot_cell(a, 0) == dot_cell(b, 0) && dot_cell(a, 1) == dot_cell(b, 1);
}

/* The id value of a feature (a string), or NULL. */
static const char *feature_id(const dm_mvt_layer *l, const VectorTile__Tile__Feature *f, int idk)
{
    for (size_t i = 0; i + 1 < f->n_tags; i += 2)
        if ((int)f->tags[i] == idk)
            return l->vals[f->tags[i + 1]].string_value;
    return NULL;
}

static bool push_id(json_object *arr, const char *id)
{
    json_object *s = json_object_new_string(id);
    if (!s || json_object_array_add(arr, s)) {
        json_object_put(s);
        return false;
    }
    return true;
}

/* A dot like one already in the layer joins it: its id is added to that
 * feature's list. 1 when joined, 0 when it is the first of its kind, -1 when
 * out of memory. */
static int merge_dot(dm_mvt_layer *l, const VectorTile__Tile__Feature *f)
{
    if (!l->ndotslots)
        return 0;
    int idk = id_index(l);
    size_t j = dot_hash(f, idk) & (l->ndotslots - 1);
    for (; l->dotslots[j]; j = (j + 1) & (l->ndotslots - 1)) {
        size_t i = l->dotslots[j] - 1;
        if (!same_dot(&l->feats[i], f, idk))
            continue;
        const char *first = feature_id(l, &l->feats[i], idk), *id = feature_id(l, f, idk);
        if (!first || !id)
            return 1; /* no ids asked for: the one feature stands for both */
        if (!l->ids[i] && (!(l->ids[i] = json_object_new_array()) || !push_id(l->ids[i], first)))
            return -1;
        return push_id(l->ids[i], id) ? 1 : -1;
    }
    return 0;
}

/* Feature i is a dot others may join. False when out of memory. */
static bool remember_dot(dm_mvt_layer *l, size_t i)
{
    if ((l->ndots + 1) * 2 > l->ndotslots) {
        size_t n = l->ndotslots ? l->ndotslots * 2 : 64;
        uint32_t *s = calloc(n, sizeof *s);
        if (!s)
            return false;
        int idk = id_index(l);
        for (size_t k = 0; k < l->ndotslots; k++)
            if (l->dotslots[k])
                slot_put(s, n, dot_hash(&l->feats[l->dotslots[k] - 1], idk), l->dotslots[k]);
        free(l->dotslots);
        l->dotslots = s;
        l->ndotslots = n;
    }
    slot_put(l->dotslots, l->ndotslots, dot_hash(&l->feats[i], id_index(l)), (uint32_t)i + 1);
    l->ndots++;
    return true;
}

/* The list of merged ids as one more property of each feature that has one. */
static bool add_id_lists(dm_mvt_layer *l)
{
    if (!l->ids)
        return true;
    for (size_t i = 0; i < l->nfeat; i++) {
        if (!l->ids[i])
            continue;
        VectorTile__Tile__Feature *f = &l->feats[i];
        dm_mvt_prop p = {.key = l->list_key,
                         .type = DM_MVT_STRING,
                         .s = json_object_to_json_string_ext(
                             l->ids[i], JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)};
        int k = key_index(l, p.key), v = k < 0 || !p.s ? -1 : value_index(l, &p);
        uint32_t *tags = v < 0 ? NULL : realloc(f->tags, (f->n_tags + 2) * sizeof *tags);
        if (!tags)
            return false;
        tags[f->n_tags++] = (uint32_t)k;
        tags[f->n_tags++] = (uint32_t)v;
        f->tags = tags;
        json_object_put(l->ids[i]);
        l->ids[i] = NULL;
    }
    return true;
}

bool dm_mvt_layer_add(dm_mvt_layer *l, const GEOSGeometry *g, const dm_mvt_prop *props,
                      size_t nprops)
{
    if (!g || GEOSisEmpty_r(l->h, g))
        return true;
    tile_frame f = {l->n, l->tx, l->ty};
    GEOSGeometry *t = GEOSGeom_transformXY_r(l->h, g, to_tile, &f);
    if (!t)
        return false;
    double x0, y0, x1, y1;
    const double lo = -DM_MVT_BUFFER, hi = DM_MVT_EXTENT + DM_MVT_BUFFER;
    if (!GEOSGeom_getXMin_r(l->h, t, &x0) || !GEOSGeom_getYMin_r(l->h, t, &y0) ||
        !GEOSGeom_getXMax_r(l->h, t, &x1) || !GEOSGeom_getYMax_r(l->h, t, &y1)) {
        GEOSGeom_destroy_r(l->h, t);
        return false;
    }
    if (x1 < lo || y1 < lo || x0 > hi || y0 > hi) { /* not in this tile */
        GEOSGeom_destroy_r(l->h, t);
        return true;
    }
    GEOSGeometry *c = NULL;
    if (GEOSGeom_getDimensions_r(l->h, t) > 0 && (x0 < lo || y0 < lo || x1 > hi || y1 > hi)) {
        c = GEOSClipByRect_r(l->h, t, lo, lo, hi, hi);
        if (!c) {
            GEOSGeom_destroy_r(l->h, t);
            return false;
        }
    }
    const GEOSGeometry *use = c ? c : t;
    l->ncmd = 0;
    l->cx = l->cy = 0;
    l->dot = false;
    VectorTile__Tile__GeomType type =
        GEOSisEmpty_r(l->h, use) ? VECTOR_TILE__TILE__GEOM_TYPE__UNKNOWN : put_geometry(l, use);
    if (c)
        GEOSGeom_destroy_r(l->h, c);
    GEOSGeom_destroy_r(l->h, t);
    if (l->nomem)
        return false;
    if (type == VECTOR_TILE__TILE__GEOM_TYPE__UNKNOWN || !l->ncmd)
        return true;

    if (!grow((void **)&l->feats, &l->capfeat, l->nfeat + 1, sizeof *l->feats))
        return false;
    VectorTile__Tile__Feature ft = VECTOR_TILE__TILE__FEATURE__INIT;
    ft.has_type = 1;
    ft.type = type;
    ft.geometry = malloc(l->ncmd * sizeof *ft.geometry);
    ft.tags = malloc((nprops ? nprops : 1) * 2 * sizeof *ft.tags);
    if (!ft.geometry || !ft.tags) {
        free(ft.geometry);
        free(ft.tags);
        return false;
    }
    memcpy(ft.geometry, l->cmd, l->ncmd * sizeof *ft.geometry);
    ft.n_geometry = l->ncmd;
    for (size_t i = 0; i < nprops; i++) {
        if (props[i].type == DM_MVT_STRING && !props[i].s)
            continue; /* no value: the property is left out */
        int k = key_index(l, props[i].key), v = k < 0 ? -1 : value_index(l, &props[i]);
        if (v < 0) {
            free(ft.geometry);
            free(ft.tags);
            return false;
        }
        ft.tags[ft.n_tags++] = (uint32_t)k;
        ft.tags[ft.n_tags++] = (uint32_t)v;
    }
    if (l->id_key && l->dot) {
        int merged = merge_dot(l, &ft);
        if (merged) {
            free(ft.geometry);
            free(ft.tags);
            return merged > 0;
        }
    }
    if (!grow((void **)&l->ids, &l->capids, l->nfeat + 1, sizeof *l->ids)) {
        free(ft.geometry);
        free(ft.tags);
        return false;
    }
    l->ids[l->nfeat] = NULL;
    l->feats[l->nfeat++] = ft;
    return !(l->id_key && l->dot) || remember_dot(l, l->nfeat - 1);
}

bool dm_mvt_layer_encode(dm_mvt_layer *l, dm_buf *out)
{
    if (!l->nfeat)
        return true;
    if (!add_id_lists(l))
        return false;
    VectorTile__Tile__Feature **fp = malloc(l->nfeat * sizeof *fp);
    VectorTile__Tile__Value **vp = malloc((l->nval ? l->nval : 1) * sizeof *vp);
    bool ok = fp && vp;
    if (ok) {
        for (size_t i = 0; i < l->nfeat; i++)
            fp[i] = &l->feats[i];
        for (size_t i = 0; i < l->nval; i++)
            vp[i] = &l->vals[i];
        VectorTile__Tile__Layer layer = VECTOR_TILE__TILE__LAYER__INIT;
        layer.version = 2;
        layer.name = l->name;
        layer.features = fp;
        layer.n_features = l->nfeat;
        layer.keys = l->keys;
        layer.n_keys = l->nkeys;
        layer.values = vp;
        layer.n_values = l->nval;
        layer.has_extent = 1;
        layer.extent = DM_MVT_EXTENT;
        VectorTile__Tile__Layer *lp = &layer;
        VectorTile__Tile tile = VECTOR_TILE__TILE__INIT;
        tile.layers = &lp;
        tile.n_layers = 1;
        size_t n = vector_tile__tile__get_packed_size(&tile);
        uint8_t *bytes = malloc(n ? n : 1);
        ok = bytes && vector_tile__tile__pack(&tile, bytes) == n && !dm_buf_append(out, bytes, n);
        free(bytes);
    }
    free(fp);
    free(vp);
    return ok;
}
