#include "analysis/spatial.h"

#include "analysis/parallel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dm_status set_grow(dm_spatial_set *s, bool with_names)
{
    if (s->n < s->cap)
        return DM_OK;
    size_t cap = s->cap ? s->cap * 2 : 256;
    GEOSGeometry **g = realloc(s->geoms, cap * sizeof *g);
    if (!g)
        return DM_ENOMEM;
    s->geoms = g;
    char(*c)[DM_CODE_MAX] = realloc(s->codes, cap * sizeof *c);
    if (!c)
        return DM_ENOMEM;
    s->codes = c;
    if (with_names) {
        char **nm = realloc(s->names, cap * sizeof *nm);
        if (!nm)
            return DM_ENOMEM;
        s->names = nm;
    }
    s->cap = cap;
    return DM_OK;
}

dm_status dm_spatial_set_add_borrowed(dm_spatial_set *s, GEOSGeometry *g, const char *code)
{
    s->borrowed = true;
    if (set_grow(s, false))
        return DM_ENOMEM;
    s->geoms[s->n] = g;
    snprintf(s->codes[s->n], DM_CODE_MAX, "%s", code);
    s->n++;
    return DM_OK;
}

void dm_spatial_set_free(dm_spatial_set *s, dm_geo *geo)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!s->borrowed)
            dm_geo_destroy(geo, s->geoms[i]);
        if (s->names)
            free(s->names[i]);
    }
    free(s->geoms);
    free(s->codes);
    free(s->names);
    memset(s, 0, sizeof *s);
}

static dm_status read_set(dm_store *store, const dm_kind *kind, bool include_drafts, int level,
                          bool skip_damaged, dm_spatial_set *set, dm_error *err)
{
    memset(set, 0, sizeof *set);
    bool names = kind == &dm_kind_admin_areas;
    dm_query q = {.kind = kind,
                  .include_drafts = include_drafts,
                  .with_geometry = true,
                  .keep_damaged = skip_damaged};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, kind);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom)
            continue;
        if (names && level >= 0) {
            const char *lv = dm_record_get(&rec, "level");
            if ((lv ? atoi(lv) : 0) != level)
                continue;
        }
        if (set_grow(set, names)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        set->geoms[set->n] = rec.geom;
        rec.geom = NULL;
        snprintf(set->codes[set->n], DM_CODE_MAX, "%s", rec.code);
        if (names) {
            const char *nm = dm_record_get(&rec, "name");
            set->names[set->n] = strdup(nm ? nm : "");
        }
        set->n++;
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    if (st)
        dm_spatial_set_free(set, dm_store_geo(store));
    return st;
}

dm_status dm_spatial_read(dm_store *store, const dm_kind *kind, bool include_drafts,
                          bool skip_damaged, dm_spatial_set *set, dm_error *err)
{
    return read_set(store, kind, include_drafts, -1, skip_damaged, set, err);
}

dm_status dm_spatial_read_admin(dm_store *store, bool include_drafts, int level,
                                dm_spatial_set *set, int *level_used, dm_error *err)
{
    if (level <= 0) {
        /* the finest level present */
        dm_query q = {.kind = &dm_kind_admin_areas, .include_drafts = include_drafts};
        dm_cursor *cur;
        dm_status st = dm_store_query(store, &q, &cur, err);
        if (st)
            return st;
        dm_record rec;
        dm_record_init(&rec, &dm_kind_admin_areas);
        bool has;
        level = 0;
        while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
            const char *lv = dm_record_get(&rec, "level");
            if (lv && atoi(lv) > level)
                level = atoi(lv);
        }
        dm_record_clear(&rec, dm_store_geo(store));
        dm_cursor_close(cur);
        if (st)
            return st;
    }
    *level_used = level;
    return read_set(store, &dm_kind_admin_areas, include_drafts, level, false, set, err);
}

void dm_poly_list_free(dm_geo *geo, dm_poly_list *l)
{
    for (size_t i = 0; !l->borrowed && i < l->n; i++)
        if (l->g[i])
            dm_geo_destroy(geo, l->g[i]);
    free(l->g);
    free(l->area);
    memset(l, 0, sizeof *l);
}

/* Appends one polygon (owned unless the list borrows). */
static dm_status list_push(dm_poly_list *l, GEOSGeometry *poly, double area_m2)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        GEOSGeometry **p = realloc(l->g, cap * sizeof *p);
        if (!p)
            return DM_ENOMEM;
        l->g = p;
        double *a = realloc(l->area, cap * sizeof *a);
        if (!a)
            return DM_ENOMEM;
        l->area = a;
        l->cap = cap;
    }
    l->g[l->n] = poly;
    l->area[l->n] = area_m2;
    l->n++;
    return DM_OK;
}

dm_status dm_poly_list_add_known(dm_geo *geo, dm_poly_list *l, GEOSGeometry *poly, double area_m2)
{
    dm_status st = list_push(l, poly, area_m2);
    if (st && !l->borrowed)
        dm_geo_destroy(geo, poly);
    return st;
}

dm_status dm_poly_list_take(dm_poly_list *dst, dm_poly_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (list_push(dst, src->g[i], src->area[i]))
            return DM_ENOMEM; /* src still owns what was not moved */
        src->g[i] = NULL;
    }
    src->n = 0;
    return DM_OK;
}

double dm_poly_list_total_area(dm_geo *geo, dm_poly_list *l)
{
    double sum = 0.0;
    for (size_t i = 0; i < l->n; i++) {
        if (isnan(l->area[i]))
            l->area[i] = dm_geo_area_m2(geo, l->g[i]);
        sum += l->area[i];
    }
    return sum;
}

dm_status dm_poly_list_add(dm_geo *geo, dm_poly_list *l, GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (!g)
        return DM_EGEOM;
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(h, g)) {
            GEOSGeom_destroy_r(h, g);
            return DM_OK;
        }
        dm_status st = list_push(l, g, NAN);
        if (st)
            GEOSGeom_destroy_r(h, g);
        return st;
    }
    dm_status st = DM_OK;
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; !st && i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            int t = GEOSGeomTypeId_r(h, part);
            if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
                GEOSGeometry *c = GEOSGeom_clone_r(h, part);
                st = c ? dm_poly_list_add(geo, l, c) : DM_EGEOM;
            }
        }
    }
    GEOSGeom_destroy_r(h, g);
    return st;
}

typedef struct components {
    size_t *parent;
    size_t self;
} components;

static size_t find_root(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void join(void *item, void *userdata)
{
    components *c = userdata;
    size_t a = find_root(c->parent, (size_t)(uintptr_t)item - 1);
    size_t b = find_root(c->parent, c->self);
    if (a != b)
        c->parent[a > b ? a : b] = a > b ? b : a;
}

/* Union of the geometries of one component (indices idx[0..n)). */
static GEOSGeometry *union_component(GEOSContextHandle_t h, const GEOSGeometry *const *geoms,
                                     const size_t *idx, size_t n)
{
    if (n == 1)
        return GEOSGeom_clone_r(h, geoms[idx[0]]);
    GEOSGeometry **clones = malloc(n * sizeof *clones);
    if (!clones)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        clones[i] = GEOSGeom_clone_r(h, geoms[idx[i]]);
        if (!clones[i]) {
            for (size_t j = 0; j < i; j++)
                GEOSGeom_destroy_r(h, clones[j]);
            free(clones);
            return NULL;
        }
    }
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, clones, (unsigned)n);
    free(clones);
    if (!coll)
        return NULL;
    GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    return u;
}

typedef struct union_job {
    const GEOSGeometry *const *geoms;
    const size_t *order, *start; /* members of component r: order[start[r] .. start[r+1]) */
    const size_t *roots;         /* the components that have members */
    GEOSGeometry **out;          /* union per entry of roots */
} union_job;

static dm_status union_one(size_t i, dm_geo *geo, void *ctx, dm_error *err)
{
    union_job *j = ctx;
    size_t r = j->roots[i];
    j->out[i] = union_component(dm_geo_handle(geo), j->geoms, j->order + j->start[r],
                                j->start[r + 1] - j->start[r]);
    return j->out[i] ? DM_OK
                     : dm_error_set(err, DM_EGEOM, "union failed: %s", dm_geo_last_error(geo));
}

static GEOSGeometry *union_impl(dm_geo *geo, const GEOSGeometry *const *geoms, size_t n,
                                bool parallel)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (n == 0)
        return GEOSGeom_createEmptyCollection_r(h, GEOS_MULTIPOLYGON);
    /* Geometries whose envelopes touch, directly or through others, form a
     * component; only components of two or more need an overlay. Real data is
     * mostly many small separate shapes, so this is far cheaper than one
     * union of everything, and gives the same result. */
    size_t *parent = malloc(n * sizeof *parent);
    size_t *order = malloc(n * sizeof *order);
    size_t *start = calloc(n + 1, sizeof *start);
    size_t *roots = malloc(n * sizeof *roots);
    GEOSGeometry **out = calloc(n, sizeof *out);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    GEOSGeometry *result = NULL;
    dm_poly_list list = {0};
    size_t nroots = 0;
    if (!parent || !order || !start || !roots || !out || !tree)
        goto done;
    for (size_t i = 0; i < n; i++) {
        parent[i] = i;
        GEOSSTRtree_insert_r(h, tree, geoms[i], (void *)(uintptr_t)(i + 1));
    }
    for (size_t i = 0; i < n; i++) {
        components c = {parent, i};
        GEOSSTRtree_query_r(h, tree, geoms[i], join, &c);
    }
    /* counting sort of the indices by root, keeping input order inside */
    for (size_t i = 0; i < n; i++)
        start[find_root(parent, i) + 1]++;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    {
        size_t *fill = malloc(n * sizeof *fill);
        if (!fill)
            goto done;
        memcpy(fill, start, n * sizeof *fill);
        for (size_t i = 0; i < n; i++)
            order[fill[find_root(parent, i)]++] = i;
        free(fill);
    }
    for (size_t r = 0; r < n; r++)
        if (start[r + 1] > start[r])
            roots[nroots++] = r;
    union_job job = {geoms, order, start, roots, out};
    if (parallel) {
        if (dm_parallel_for(nroots, geo, union_one, &job, NULL))
            goto done;
    } else {
        for (size_t i = 0; i < nroots; i++)
            if (union_one(i, geo, &job, NULL))
                goto done;
    }
    for (size_t i = 0; i < nroots; i++) {
        GEOSGeometry *u = out[i];
        out[i] = NULL;
        if (dm_poly_list_add(geo, &list, u))
            goto done;
    }
    result = list.n ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, list.g, (unsigned)list.n)
                    : GEOSGeom_createEmptyCollection_r(h, GEOS_MULTIPOLYGON);
    list.n = 0; /* the polygons belong to result now, or GEOS freed them on failure */
done:
    dm_poly_list_free(geo, &list);
    for (size_t i = 0; out && i < nroots; i++)
        dm_geo_destroy(geo, out[i]);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    free(parent);
    free(order);
    free(start);
    free(roots);
    free(out);
    return result;
}

GEOSGeometry *dm_spatial_union(dm_geo *geo, const GEOSGeometry *const *geoms, size_t n)
{
    return union_impl(geo, geoms, n, false);
}

GEOSGeometry *dm_spatial_union_parallel(dm_geo *geo, const GEOSGeometry *const *geoms, size_t n)
{
    return union_impl(geo, geoms, n, true);
}

/* GEOS builds an STRtree on its first query; doing that here makes later
 * queries read-only, so that threads may share the tree. */
static void build_now(GEOSContextHandle_t h, GEOSSTRtree *tree)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 0, 0);
    dm_index_hits hs = {0};
    if (pt)
        GEOSSTRtree_query_r(h, tree, pt, dm_index_hits_collect, &hs);
    free(hs.items);
    GEOSGeom_destroy_r(h, pt);
}

dm_status dm_spatial_index_build(dm_geo *geo, const dm_spatial_set *set, dm_spatial_index *idx,
                                 dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    idx->set = set;
    idx->prep = NULL;
    idx->tree = GEOSSTRtree_create_r(h, 10);
    if (!idx->tree)
        return dm_error_set(err, DM_EGEOM, "cannot create a spatial index");
    for (size_t i = 0; i < set->n; i++)
        GEOSSTRtree_insert_r(h, idx->tree, set->geoms[i], (void *)(uintptr_t)(i + 1));
    build_now(h, idx->tree);
    return DM_OK;
}

void dm_spatial_index_free(dm_geo *geo, dm_spatial_index *idx)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (idx->tree)
        GEOSSTRtree_destroy_r(h, idx->tree);
    idx->tree = NULL;
    for (size_t i = 0; idx->prep && i < idx->set->n; i++)
        if (idx->prep[i])
            GEOSPreparedGeom_destroy_r(h, idx->prep[i]);
    free(idx->prep);
    idx->prep = NULL;
}

dm_status dm_spatial_index_prepare(dm_geo *geo, dm_spatial_index *idx, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (idx->prep)
        return DM_OK;
    idx->prep = calloc(idx->set->n ? idx->set->n : 1, sizeof *idx->prep);
    if (!idx->prep)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; i < idx->set->n; i++)
        if (!(idx->prep[i] = GEOSPrepare_r(h, idx->set->geoms[i])))
            return dm_error_set(err, DM_EGEOM, "%s: cannot prepare its geometry: %s",
                                idx->set->codes[i], dm_geo_last_error(geo));
    return DM_OK;
}

typedef dm_index_hits hits;

void dm_index_hits_collect(void *item, void *userdata)
{
    hits *hs = userdata;
    if (hs->n == hs->cap) {
        size_t cap = hs->cap ? hs->cap * 2 : 64;
        size_t *p = realloc(hs->items, cap * sizeof *p);
        if (!p) {
            hs->oom = true;
            return;
        }
        hs->items = p;
        hs->cap = cap;
    }
    hs->items[hs->n++] = (size_t)(uintptr_t)item - 1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void dm_index_hits_sort(dm_index_hits *hs)
{
    if (hs->n > 1)
        qsort(hs->items, hs->n, sizeof *hs->items, cmp_size);
}

char dm_prepared_shares_area(dm_geo *geo, const GEOSPreparedGeometry *pa, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    /* inside, or crossing the boundary; only touching it does not count */
    char r = GEOSPreparedContainsProperly_r(h, pa, g);
    if (r == 0) {
        r = GEOSPreparedIntersects_r(h, pa, g);
        if (r == 1) {
            char touches = GEOSPreparedTouches_r(h, pa, g);
            r = touches == 2 ? 2 : !touches;
        }
    }
    return r;
}

dm_status dm_spatial_index_sharing(dm_geo *geo, const dm_spatial_index *idx,
                                   const GEOSGeometry *area, const GEOSPreparedGeometry *pa,
                                   dm_index_hits *out, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    out->n = 0;
    GEOSSTRtree_query_r(h, idx->tree, area, dm_index_hits_collect, out);
    if (out->oom)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_index_hits_sort(out);
    size_t kept = 0;
    for (size_t i = 0; i < out->n; i++) {
        char r = dm_prepared_shares_area(geo, pa, idx->set->geoms[out->items[i]]);
        if (r == 2)
            return dm_error_set(err, DM_EGEOM, "intersection test failed: %s",
                                dm_geo_last_error(geo));
        if (r == 1)
            out->items[kept++] = out->items[i];
    }
    out->n = kept;
    return DM_OK;
}

dm_status dm_spatial_index_intersecting(dm_geo *geo, const dm_spatial_index *idx,
                                        const GEOSGeometry *area, const GEOSPreparedGeometry *pa,
                                        dm_code_list *out, dm_error *err)
{
    hits hs = {0};
    dm_status st = dm_spatial_index_sharing(geo, idx, area, pa, &hs, err);
    for (size_t i = 0; !st && i < hs.n; i++)
        if (dm_code_list_add(out, idx->set->codes[hs.items[i]]))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    free(hs.items);
    return st;
}

dm_status dm_part_index_build(dm_geo *geo, dm_poly_list *l, dm_part_index *idx, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    memset(idx, 0, sizeof *idx);
    idx->tree = GEOSSTRtree_create_r(h, 10);
    if (!idx->tree)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_poly_list_total_area(geo, l);
    for (size_t i = 0; i < l->n; i++)
        GEOSSTRtree_insert_r(h, idx->tree, l->g[i], (void *)(uintptr_t)(i + 1));
    build_now(h, idx->tree);
    idx->list = l;
    return DM_OK;
}

void dm_part_index_free(dm_geo *geo, dm_part_index *idx)
{
    if (idx->tree)
        GEOSSTRtree_destroy_r(dm_geo_handle(geo), idx->tree);
    memset(idx, 0, sizeof *idx);
}

dm_status dm_part_index_clip_area(dm_geo *geo, const dm_part_index *idx, const GEOSGeometry *area,
                                  const GEOSPreparedGeometry *pa, double *out, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    *out = 0.0;
    if (idx->list->n == 0)
        return DM_OK;
    hits hs = {0};
    GEOSSTRtree_query_r(h, idx->tree, area, dm_index_hits_collect, &hs);
    if (hs.oom) {
        free(hs.items);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    /* a stable order makes the sum reproducible to the last bit */
    dm_index_hits_sort(&hs);
    dm_status st = DM_OK;
    double sum = 0.0;
    for (size_t i = 0; !st && i < hs.n; i++) {
        const GEOSGeometry *p = idx->list->g[hs.items[i]];
        char inside = GEOSPreparedContainsProperly_r(h, pa, p);
        if (inside == 1) {
            sum += idx->list->area[hs.items[i]];
            continue;
        }
        char touches = GEOSPreparedIntersects_r(h, pa, p);
        if (inside == 2 || touches == 2) {
            st = dm_error_set(err, DM_EGEOM, "clip test failed: %s", dm_geo_last_error(geo));
            break;
        }
        if (!touches)
            continue;
        GEOSGeometry *clip = GEOSIntersection_r(h, p, area);
        if (!clip) {
            st = dm_error_set(err, DM_EGEOM, "clipping failed: %s", dm_geo_last_error(geo));
            break;
        }
        sum += dm_geo_area_m2(geo, clip);
        GEOSGeom_destroy_r(h, clip);
    }
    free(hs.items);
    *out = sum;
    return st;
}

int dm_spatial_index_locate(dm_geo *geo, const dm_spatial_index *idx, double lon, double lat)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
    if (!pt)
        return -1;
    hits hs = {0};
    GEOSSTRtree_query_r(h, idx->tree, pt, dm_index_hits_collect, &hs);
    dm_index_hits_sort(&hs);
    int found = -1;
    for (size_t i = 0; i < hs.n && found < 0; i++)
        if ((idx->prep ? GEOSPreparedIntersects_r(h, idx->prep[hs.items[i]], pt)
                       : GEOSIntersects_r(h, idx->set->geoms[hs.items[i]], pt)) == 1)
            found = (int)hs.items[i];
    free(hs.items);
    GEOSGeom_destroy_r(h, pt);
    return found;
}
