#include "io/synthetic.h"

#include "analysis/spatial.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "synthetic demo data"
#define ATTRS "{\"synthetic\": true}"

/* splitmix64: small, fast, reproducible */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(next_u64(s) >> 11) / 9007199254740992.0; }
static int pick(uint64_t *s, int n) { return (int)(uniform(s) * n); }

static const char *const orgs[] = {"Demo Operator A (synthetic)", "Demo Operator B (synthetic)",
                                   "Demo Army Engineers (synthetic)"};

static dm_status put(dm_store *store, dm_record *rec, const char *who, dm_error *err)
{
    rec->origin = strdup(ORIGIN);
    rec->attributes = strdup(ATTRS);
    if (!rec->origin || !rec->attributes)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    return dm_store_insert(store, rec, who, err);
}

/* The part of g west of a fraction of its width: a plausible released strip. */
static GEOSGeometry *strip(dm_geo *geo, const GEOSGeometry *g, double frac)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    double minx, maxx, miny, maxy;
    GEOSGeom_getXMin_r(h, g, &minx);
    GEOSGeom_getXMax_r(h, g, &maxx);
    GEOSGeom_getYMin_r(h, g, &miny);
    GEOSGeom_getYMax_r(h, g, &maxy);
    GEOSGeometry *box = GEOSGeom_createRectangle_r(h, minx - 1e-6, miny - 1e-6,
                                                   minx + (maxx - minx) * frac, maxy + 1e-6);
    if (!box)
        return NULL;
    GEOSGeometry *cut = GEOSIntersection_r(h, g, box);
    GEOSGeom_destroy_r(h, box);
    if (!cut)
        return NULL;
    GEOSGeometry *poly = dm_geo_polygonal(geo, cut);
    GEOSGeom_destroy_r(h, cut);
    return poly;
}

dm_status dm_synthetic_generate(dm_store *store, uint64_t seed, int nreleases, const char *who,
                                dm_synthetic_counts *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    uint64_t rng = seed;
    dm_spatial_set hz;
    dm_status st = dm_spatial_read(store, &dm_kind_hazards, false, false, &hz, err);
    if (st)
        return st;
    if (hz.n == 0) {
        dm_spatial_set_free(&hz, geo);
        return dm_error_set(err, DM_EINVAL, "no hazardous areas to release: import some first");
    }
    st = dm_store_begin(store, err);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_organisations);
    for (size_t i = 0; !st && i < sizeof orgs / sizeof orgs[0]; i++) {
        dm_record_clear(&rec, geo);
        st = dm_record_set(&rec, "name", orgs[i], err);
        if (!st)
            st = dm_record_set(&rec, "type", i == 2 ? "military" : "operator", err);
        if (!st)
            st = dm_record_set(&rec, "country", "BA", err);
        if (!st)
            st = put(store, &rec, who, err);
        out->organisations += !st;
    }
    static const char *const methods[] = {"cancelled", "reduced", "cleared"};
    static const char *const cats[] = {"AP", "AP", "AP", "AT", "UXO", "cluster", "other"};
    static const char *const models[] = {"PMA-2", "PROM-1", "PMA-3",  "TMM-1",
                                         "M-75",  "KB-1",   "unknown"};
    for (int n = 0; !st && n < nreleases; n++) {
        const GEOSGeometry *g = hz.geoms[pick(&rng, (int)hz.n)];
        const char *method = methods[pick(&rng, 3)];
        GEOSGeometry *part = strip(geo, g, 0.3 + 0.6 * uniform(&rng));
        if (!part || GEOSisEmpty_r(h, part)) {
            dm_geo_destroy(geo, part);
            continue;
        }
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", 2015 + pick(&rng, 11), 1 + pick(&rng, 12),
                 1 + pick(&rng, 28));
        const char *org = orgs[pick(&rng, 3)];
        dm_record_clear(&rec, geo);
        rec.kind = &dm_kind_releases;
        dm_record_clear(&rec, geo);
        st = dm_record_set(&rec, "method", method, err);
        if (!st)
            st = dm_record_set(&rec, "date", date, err);
        if (!st)
            st = dm_record_set(&rec, "organisation", org, err);
        if (!st && !strcmp(method, "cleared"))
            st = dm_record_set(&rec, "depth_m", "0.2", err);
        rec.geom = part;
        if (!st)
            st = put(store, &rec, who, err);
        out->releases += !st;
        if (st || strcmp(method, "cleared"))
            continue;
        /* items found in the cleared strip */
        int nitems = 1 + pick(&rng, 4);
        GEOSGeometry *anchor = GEOSPointOnSurface_r(h, part);
        double ax = 0, ay = 0;
        if (anchor) {
            GEOSGeomGetX_r(h, anchor, &ax);
            GEOSGeomGetY_r(h, anchor, &ay);
            GEOSGeom_destroy_r(h, anchor);
        }
        for (int k = 0; !st && anchor && k < nitems; k++) {
            dm_record item;
            dm_record_init(&item, &dm_kind_eo_items);
            int c = pick(&rng, 7);
            char qty[8];
            snprintf(qty, sizeof qty, "%d", 1 + pick(&rng, 3));
            st = dm_record_set(&item, "category", cats[c], err);
            if (!st)
                st = dm_record_set(&item, "model", models[c], err);
            if (!st)
                st = dm_record_set(&item, "quantity", qty, err);
            if (!st)
                st = dm_record_set(&item, "date", date, err);
            if (!st)
                st =
                    dm_record_set(&item, "disposal", pick(&rng, 10) ? "destroyed" : "removed", err);
            if (!st)
                st = dm_record_set(&item, "organisation", org, err);
            if (!st)
                st = dm_record_set(&item, "depth_m", "0.1", err);
            item.geom = GEOSGeom_createPointFromXY_r(h, ax + (uniform(&rng) - 0.5) * 2e-5,
                                                     ay + (uniform(&rng) - 0.5) * 2e-5);
            if (!st)
                st = put(store, &item, who, err);
            out->items += !st;
            dm_record_clear(&item, geo);
        }
    }
    dm_record_clear(&rec, geo);
    dm_spatial_set_free(&hz, geo);
    if (!st)
        st = dm_store_commit(store, err);
    else
        dm_store_rollback(store);
    return st;
}
