#include "io/synthetic.h"

#include "core/rng.h"
#include "analysis/spatial.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "synthetic demo data"
#define ATTRS "{\"synthetic\": true}"

static int pick(uint64_t *s, int n) { return (int)(dm_rng_unit(s) * n); }

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
        int hi = pick(&rng, (int)hz.n);
        const GEOSGeometry *g = hz.geoms[hi];
        const char *method = methods[pick(&rng, 3)];
        GEOSGeometry *part = strip(geo, g, 0.3 + 0.6 * dm_rng_unit(&rng));
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
        if (!st)
            st = dm_record_set(&rec, "hazard_code", hz.codes[hi], err);
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
            item.geom = GEOSGeom_createPointFromXY_r(h, ax + (dm_rng_unit(&rng) - 0.5) * 2e-5,
                                                     ay + (dm_rng_unit(&rng) - 0.5) * 2e-5);
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

/* ---- activities ---- */

/* The true productivity (m² per team-day) of the synthetic teams: lognormal
 * with these medians and DM_SYNTHETIC_PROD_SIGMA; technical survey three
 * times as fast as clearance. Rows: manual, mechanical, mdd; columns:
 * technical survey, clearance. */
static const double prod_median[3][2] = {{750, 250}, {9000, 3000}, {2100, 700}};
static const double asset_w[3] = {0.5, 0.2, 0.3};
static int pick_weighted(uint64_t *s, const double *w, int n);
static const char *const asset_names[3] = {"manual", "mechanical", "MDD"};
/* What a team-day costs (USD, synthetic: chosen so that a m² cleared costs
 * USD 2-6 at the median productivity, inside the published 2-39), each
 * activity's times a lognormal factor of σ(log) DM_SYNTHETIC_COST_SIGMA. */
static const double usd_per_team_day[3] = {1500, 6000, 2000};

double dm_synthetic_true_rate(int asset, int op)
{
    double s = DM_SYNTHETIC_PROD_SIGMA;
    return prod_median[asset][op] * exp(-s * s / 2);
}

static double normal(uint64_t *s)
{
    double u1 = ((dm_splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = dm_rng_unit(s);
    return sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);
}

void dm_synthetic_activity_draw(uint64_t *state, int op, double area_m2, int *asset, double *days)
{
    *asset = pick_weighted(state, asset_w, 3);
    double p = prod_median[*asset][op] * exp(DM_SYNTHETIC_PROD_SIGMA * normal(state));
    double d = round(area_m2 / p);
    *days = d < 1 ? 1 : d;
}

static int civil_day(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void day_civil(int z, char out[16])
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);
    snprintf(out, 16, "%04d-%02d-%02d", y + (m <= 2), m, d);
}

dm_status dm_synthetic_activities(dm_store *store, uint64_t seed, const char *who, int64_t *added,
                                  dm_error *err)
{
    *added = 0;
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    uint64_t rng = seed ^ 0xAC71F17E5ull;         /* not the streams above */
    uint64_t rng_cost = seed ^ 0xC057C057C057ull; /* nor this one: costs apart */
    /* the synthetic releases first (the store cannot read and write at once) */
    typedef struct rel {
        GEOSGeometry *g;
        char method[16], date[16], org[64], hazard[32];
        double area;
    } rel;
    rel *rels = NULL;
    size_t n = 0, cap = 0;
    dm_query q = {.kind = &dm_kind_releases, .include_drafts = true, .with_geometry = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_releases);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *hz = dm_record_get(&rec, "hazard_code"), *date = dm_record_get(&rec, "date");
        if (!rec.origin || strcmp(rec.origin, ORIGIN) || !rec.geom || !hz || !date)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            rel *nr = realloc(rels, cap * sizeof *nr);
            if (!nr) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            rels = nr;
        }
        rel *r = &rels[n++];
        r->g = rec.geom;
        rec.geom = NULL;
        r->area = dm_geo_area_m2(geo, r->g);
        snprintf(r->method, sizeof r->method, "%s", dm_record_get(&rec, "method"));
        snprintf(r->date, sizeof r->date, "%s", date);
        const char *org = dm_record_get(&rec, "organisation");
        snprintf(r->org, sizeof r->org, "%s", org ? org : "");
        snprintf(r->hazard, sizeof r->hazard, "%s", hz);
    }
    dm_cursor_close(cur);
    dm_record_clear(&rec, geo);
    if (!st)
        st = dm_store_begin(store, err);
    dm_record_init(&rec, &dm_kind_activities);
    for (size_t i = 0; !st && i < n; i++) {
        rel *r = &rels[i];
        bool nts = !strcmp(r->method, "cancelled");
        int op = !strcmp(r->method, "reduced") ? 0 : 1, asset = -1;
        double days = 1 + pick(&rng, 5); /* non-technical survey: 1-5 days */
        if (!nts)
            dm_synthetic_activity_draw(&rng, op, r->area, &asset, &days);
        int y, m, d;
        if (sscanf(r->date, "%d-%d-%d", &y, &m, &d) != 3)
            continue;
        char start[16];
        day_civil(civil_day(y, m, d) - (int)days + 1, start);
        dm_record_clear(&rec, geo);
        st = dm_record_set(&rec, "type", nts ? "NTS" : op == 0 ? "TS" : "clearance", err);
        if (!st && !nts)
            st = dm_record_set(&rec, "asset", asset_names[asset], err);
        if (!st && !nts) {
            char cost[32];
            snprintf(cost, sizeof cost, "%.0f",
                     days * usd_per_team_day[asset] *
                         exp(DM_SYNTHETIC_COST_SIGMA * normal(&rng_cost)));
            st = dm_record_set(&rec, "cost", cost, err);
            if (!st)
                st = dm_record_set(&rec, "currency", "USD", err);
        }
        if (!st)
            st = dm_record_set(&rec, "start_date", start, err);
        if (!st)
            st = dm_record_set(&rec, "end_date", r->date, err);
        if (!st)
            st = dm_record_set(&rec, "status", "completed", err);
        if (!st && r->org[0])
            st = dm_record_set(&rec, "organisation", r->org, err);
        if (!st)
            st = dm_record_set(&rec, "hazard_code", r->hazard, err);
        rec.geom = GEOSGeom_clone_r(h, r->g);
        if (!st && !rec.geom)
            st = dm_error_set(err, DM_EGEOM, "cannot copy a geometry");
        if (!st)
            st = put(store, &rec, who, err);
        *added += !st;
    }
    dm_record_clear(&rec, geo);
    for (size_t i = 0; i < n; i++)
        dm_geo_destroy(geo, rels[i].g);
    free(rels);
    if (!st)
        st = dm_store_commit(store, err);
    else {
        dm_store_rollback(store);
        *added = 0;
    }
    return st;
}

/* ---- casualties ---- */

/* Bosnia and Herzegovina, coarsely (the outer ring of the union of the
 * municipalities of data/bih simplified to 0.08°, 30 vertices): where
 * incidents go when the store has no admin areas. */
static const double bih_outline[][2] = {
    {17.31, 43.28}, {17.26, 43.47}, {16.17, 44.21}, {16.05, 44.65}, {15.73, 44.82}, {15.77, 45.19},
    {15.98, 45.23}, {16.30, 45.00}, {16.50, 45.21}, {16.93, 45.27}, {17.84, 45.05}, {18.00, 45.15},
    {18.66, 45.09}, {18.88, 44.85}, {19.37, 44.88}, {19.10, 44.38}, {19.62, 44.05}, {19.48, 43.94},
    {19.24, 44.01}, {19.52, 43.59}, {18.92, 43.51}, {19.08, 43.30}, {18.71, 43.27}, {18.66, 43.04},
    {18.48, 42.98}, {18.55, 42.59}, {18.25, 42.60}, {17.84, 42.91}, {17.65, 42.89}, {17.64, 43.09},
};
#define BIH_N (sizeof bih_outline / sizeof bih_outline[0])
#define BIH_MINX 15.73
#define BIH_MAXX 19.62
#define BIH_MINY 42.59
#define BIH_MAXY 45.27
#define M_PER_DEG_LAT 111320.0

static bool in_bih_outline(double x, double y)
{
    bool in = false;
    for (size_t i = 0, j = BIH_N - 1; i < BIH_N; j = i++) {
        double xi = bih_outline[i][0], yi = bih_outline[i][1];
        double xj = bih_outline[j][0], yj = bih_outline[j][1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

/* Index into a table of weights (they need not add up to 1). */
static int pick_weighted(uint64_t *s, const double *w, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    double u = dm_rng_unit(s) * total;
    for (int i = 0; i < n - 1; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n - 1;
}

static bool chance(uint64_t *s, double p) { return dm_rng_unit(s) < p; }

#define NW(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Device categories, their weights and models ("" = model not recorded). */
static const char *const dev_cat[] = {"AP", "AT", "UXO", "cluster", "IED", "other", "unknown"};
static const double dev_w[] = {55, 12, 17, 7, 2, 2, 5};
static const char *const ap_models[] = {"PMA-1A", "PMA-2",  "PMA-3", "PMN", "PMN-2",
                                        "PROM-1", "PMR-2A", "PMR-3", "MRUD"};
static const char *const at_models[] = {"TMA-1A", "TMA-2",  "TMA-3", "TMA-4",
                                        "TMM-1",  "TM-62M", "TMRP-6"};
static const char *const uxo_models[] = {"M75 hand grenade",   "M52 hand grenade",
                                         "82 mm mortar shell", "120 mm mortar shell",
                                         "M79 rocket",         "RPG-7 rocket"};
static const char *const cluster_models[] = {"KB-1", "KB-2", "BLU-97/B"};

enum { ACT_FARMING, ACT_WOOD, ACT_TRAVEL, ACT_HERDING, ACT_DEMINING, ACT_MILITARY, ACT_PLAYING };
static const char *const activities[] = {"farming",  "collecting wood", "travelling", "herding",
                                         "demining", "military",        "playing",    ""};
static const double activity_w[] = {24, 20, 12, 7, 6, 5, 4, 22};
/* chance that a victim of known age is a child, per activity (last: unknown) */
static const double child_p[] = {0.08, 0.12, 0.12, 0.30, 0, 0, 0.90, 0.14};

static const double year_month_w[] = {0.5, 0.5, 0.9, 1.3, 1.4, 1.2, 1.1, 1.1, 1.2, 1.3, 0.9, 0.5};

static const char *const injuries_text[] = {"lower limb amputation",
                                            "lower limb amputation",
                                            "upper limb amputation",
                                            "shrapnel wounds",
                                            "shrapnel wounds",
                                            "eye injury",
                                            "burns",
                                            "hearing loss",
                                            "multiple injuries",
                                            "fractures",
                                            ""};

typedef struct places {
    dm_geo *geo;
    dm_spatial_set hz, adm, stl;
    dm_spatial_index hzi, admi;
    GEOSSTRtree *stl_tree;
    const GEOSGeometry *query_pt; /* the point a nearest-settlement search is for */
} places;

static void places_free(places *p)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    dm_spatial_index_free(p->geo, &p->hzi);
    dm_spatial_index_free(p->geo, &p->admi);
    if (p->stl_tree)
        GEOSSTRtree_destroy_r(h, p->stl_tree);
    dm_spatial_set_free(&p->hz, p->geo);
    dm_spatial_set_free(&p->adm, p->geo);
    dm_spatial_set_free(&p->stl, p->geo);
}

static dm_status places_read(dm_store *store, places *p, dm_error *err)
{
    memset(p, 0, sizeof *p);
    p->geo = dm_store_geo(store);
    int level;
    dm_status st = dm_spatial_read(store, &dm_kind_hazards, false, true, &p->hz, err);
    if (!st)
        st = dm_spatial_read_admin(store, false, 0, &p->adm, &level, err);
    if (!st)
        st = dm_spatial_read(store, &dm_kind_settlements, false, true, &p->stl, err);
    if (!st && p->hz.n)
        st = dm_spatial_index_build(p->geo, &p->hz, &p->hzi, err);
    if (!st && p->adm.n)
        st = dm_spatial_index_build(p->geo, &p->adm, &p->admi, err);
    if (!st && p->stl.n) {
        GEOSContextHandle_t h = dm_geo_handle(p->geo);
        p->stl_tree = GEOSSTRtree_create_r(h, 10);
        if (!p->stl_tree)
            st = dm_error_set(err, DM_EGEOM, "cannot create a spatial index");
        for (size_t i = 0; !st && i < p->stl.n; i++)
            GEOSSTRtree_insert_r(h, p->stl_tree, p->stl.geoms[i], (void *)(uintptr_t)(i + 1));
    }
    return st;
}

/* Distance between a tree item (index + 1) or the query point (NULL item). */
static int settlement_distance(const void *a, const void *b, double *d, void *ud)
{
    places *p = ud;
    const GEOSGeometry *ga = a ? p->stl.geoms[(uintptr_t)a - 1] : p->query_pt;
    const GEOSGeometry *gb = b ? p->stl.geoms[(uintptr_t)b - 1] : p->query_pt;
    return GEOSDistance_r(dm_geo_handle(p->geo), ga, gb, d);
}

/* Index of the settlement nearest to pt, or -1. */
static int nearest_settlement(places *p, const GEOSGeometry *pt)
{
    if (!p->stl_tree)
        return -1;
    p->query_pt = pt;
    const void *hit = GEOSSTRtree_nearest_generic_r(dm_geo_handle(p->geo), p->stl_tree, NULL, pt,
                                                    settlement_distance, p);
    return hit ? (int)((uintptr_t)hit - 1) : -1;
}

static bool point_in(GEOSContextHandle_t h, const GEOSGeometry *g, double x, double y)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
    bool in = pt && GEOSIntersects_r(h, g, pt) == 1;
    if (pt)
        GEOSGeom_destroy_r(h, pt);
    return in;
}

/* A random point anywhere in the country. */
static void anywhere(places *p, uint64_t *rng, double *x, double *y)
{
    for (int tries = 0; tries < 1000; tries++) {
        *x = BIH_MINX + (BIH_MAXX - BIH_MINX) * dm_rng_unit(rng);
        *y = BIH_MINY + (BIH_MAXY - BIH_MINY) * dm_rng_unit(rng);
        if (p->adm.n ? dm_spatial_index_locate(p->geo, &p->admi, *x, *y) >= 0
                     : in_bih_outline(*x, *y))
            return;
    }
}

/* Places an incident: *hazard is the hazard it was placed in or -1. */
static void place(places *p, uint64_t *rng, double *x, double *y, int *hazard)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    *hazard = -1;
    if (p->hz.n == 0 || chance(rng, 0.10)) {
        anywhere(p, rng, x, y);
    } else {
        int i = pick(rng, (int)p->hz.n);
        const GEOSGeometry *g = p->hz.geoms[i];
        double minx = 0, maxx = 0, miny = 0, maxy = 0;
        GEOSGeom_getXMin_r(h, g, &minx);
        GEOSGeom_getXMax_r(h, g, &maxx);
        GEOSGeom_getYMin_r(h, g, &miny);
        GEOSGeom_getYMax_r(h, g, &maxy);
        bool in = false;
        for (int tries = 0; tries < 30 && !in; tries++) {
            *x = minx + (maxx - minx) * dm_rng_unit(rng);
            *y = miny + (maxy - miny) * dm_rng_unit(rng);
            in = point_in(h, g, *x, *y);
        }
        if (!in) { /* a thin polygon: a point on it */
            GEOSGeometry *s = GEOSPointOnSurface_r(h, g);
            if (s) {
                GEOSGeomGetX_r(h, s, x);
                GEOSGeomGetY_r(h, s, y);
                GEOSGeom_destroy_r(h, s);
            } else {
                *x = (minx + maxx) / 2;
                *y = (miny + maxy) / 2;
            }
        }
        if (chance(rng, 0.30)) { /* near it: 30-300 m away */
            double d = 30 + 270 * dm_rng_unit(rng), a = 2 * 3.14159265358979 * dm_rng_unit(rng);
            *y += d * cos(a) / M_PER_DEG_LAT;
            *x += d * sin(a) / (M_PER_DEG_LAT * cos(*y * 3.14159265358979 / 180));
        } else {
            *hazard = i;
        }
    }
    /* about 10 cm: what a good GPS gives */
    *x = round(*x * 1e6) / 1e6;
    *y = round(*y * 1e6) / 1e6;
    if (*hazard >= 0 && !point_in(h, p->hz.geoms[*hazard], *x, *y))
        *hazard = -1;
    if (*hazard < 0 && p->hz.n)
        *hazard = dm_spatial_index_locate(p->geo, &p->hzi, *x, *y);
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

#define FIRST_YEAR 1996
#define NYEARS (2025 - FIRST_YEAR + 1)

static void incident_date(uint64_t *rng, const double yw[NYEARS], char date[16])
{
    int y = FIRST_YEAR + pick_weighted(rng, yw, NYEARS);
    int m = 1 + pick_weighted(rng, year_month_w, NW(year_month_w));
    int d = 1 + pick(rng, days_in_month(y, m));
    snprintf(date, 16, "%04d-%02d-%02d", y, m, d);
}

/* The highest n of an incident_ref SYN-n in the store (0 when none). */
static dm_status highest_ref(dm_store *store, int64_t *out, dm_error *err)
{
    *out = 0;
    dm_query q = {.kind = &dm_kind_accidents, .include_drafts = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_accidents);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *ref = dm_record_get(&rec, "incident_ref");
        if (!ref || strncmp(ref, "SYN-", 4) || strlen(ref) > 4 + 15 || !ref[4] ||
            strspn(ref + 4, "0123456789") != strlen(ref + 4))
            continue;
        int64_t n = strtoll(ref + 4, NULL, 10);
        if (n > *out)
            *out = n;
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    return st;
}

static dm_status set_int(dm_record *rec, const char *field, long long v, dm_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", v);
    return dm_record_set(rec, field, text, err);
}

/* Sets field to v unless v is empty (unknown). */
static dm_status set_known(dm_record *rec, const char *field, const char *v, dm_error *err)
{
    return v && v[0] ? dm_record_set(rec, field, v, err) : DM_OK;
}

static const char *device_model(uint64_t *rng, const char *cat)
{
    if (chance(rng, 0.20))
        return "";
    if (!strcmp(cat, "AP"))
        return ap_models[pick(rng, NW(ap_models))];
    if (!strcmp(cat, "AT"))
        return at_models[pick(rng, NW(at_models))];
    if (!strcmp(cat, "UXO"))
        return uxo_models[pick(rng, NW(uxo_models))];
    if (!strcmp(cat, "cluster"))
        return cluster_models[pick(rng, NW(cluster_models))];
    return "";
}

/* One victim of an incident whose accident record is `acc`. */
static dm_status make_victim(uint64_t *rng, const dm_record *acc, int act, const char *cat,
                             int64_t ref, int k, dm_record *v, dm_synthetic_casualty_counts *out,
                             dm_error *err)
{
    dm_status st = dm_record_set(v, "accident_code", acc->code, err);
    if (!st)
        st = dm_record_set(v, "incident_ref", dm_record_get(acc, "incident_ref"), err);
    snprintf(v->state, sizeof v->state, "%s", acc->state);
    /* status */
    double killed_p = !strcmp(cat, "AT") ? 0.45 : 0.28;
    double u = dm_rng_unit(rng);
    const char *status = u < 0.02 ? "" : u < 0.02 + killed_p ? "killed" : "injured";
    if (!st)
        st = set_known(v, "status", status, err);
    out->killed += !strcmp(status, "killed");
    out->injured += !strcmp(status, "injured");
    /* group */
    const char *group = act == ACT_DEMINING ? "deminer" : act == ACT_MILITARY ? "military" : "";
    if (!group[0]) {
        u = dm_rng_unit(rng);
        group = u < 0.95 ? "civilian" : u < 0.97 ? "military" : "";
    }
    if (!st)
        st = set_known(v, "group", group, err);
    /* sex */
    bool armed = !strcmp(group, "deminer") || !strcmp(group, "military");
    double male_p = armed ? 0.97 : 0.78, female_p = armed ? 0.02 : 0.165;
    u = dm_rng_unit(rng);
    const char *sex = u < male_p ? "m" : u < male_p + female_p ? "f" : "";
    if (!st)
        st = set_known(v, "sex", sex, err);
    /* age */
    if (chance(rng, 0.08)) {
        if (!st && chance(rng, 0.5))
            st = dm_record_set(v, "age_group", chance(rng, 0.25) ? "child" : "adult", err);
        const char *ag = dm_record_get(v, "age_group");
        out->children += ag && !strcmp(ag, "child");
    } else {
        bool child = chance(rng, child_p[act]);
        int age = child ? 3 + pick(rng, 15) : 18 + (int)(pow(dm_rng_unit(rng), 1.6) * 63);
        if (!st)
            st = set_int(v, "age", age, err);
        out->children += child;
    }
    /* injuries */
    const char *inj = !strcmp(status, "killed")    ? "fatal injuries"
                      : !strcmp(status, "injured") ? injuries_text[pick(rng, NW(injuries_text))]
                                                   : "";
    if (!st)
        st = set_known(v, "injuries", inj, err);
    /* synthetic personal data */
    char text[96];
    if (!st && chance(rng, 0.92)) {
        snprintf(text, sizeof text, "Synthetic Person %lld-%d", (long long)ref, k + 1);
        st = dm_record_set(v, "name", text, err);
    }
    if (!st && chance(rng, 0.75)) {
        snprintf(text, sizeof text, "Synthetic street %d, Synthetic village %d", 1 + pick(rng, 120),
                 1 + pick(rng, 500));
        st = dm_record_set(v, "address", text, err);
    }
    return st;
}

dm_status dm_synthetic_casualties(dm_store *store, uint64_t seed, int64_t nvictims, const char *who,
                                  dm_synthetic_casualty_counts *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (nvictims < 1 || nvictims > 100000000)
        return dm_error_set(err, DM_EINVAL,
                            "the number of victims must be 1 .. 100000000, not %lld",
                            (long long)nvictims);
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    uint64_t rng = seed ^ 0x5CA5A17135ull; /* not the stream of dm_synthetic_generate */
    int64_t ref = 0;
    places p;
    dm_status st = places_read(store, &p, err);
    if (!st)
        st = highest_ref(store, &ref, err);
    if (st) {
        places_free(&p);
        return st;
    }
    out->first_ref = ref + 1;
    /* one transaction; the accidents' spatial index is written at commit */
    st = dm_store_begin_bulk(store, &dm_kind_accidents, err);
    if (st) {
        places_free(&p);
        return st;
    }
    dm_record acc, vic;
    dm_record_init(&acc, &dm_kind_accidents);
    dm_record_init(&vic, &dm_kind_victims);
    double yw[NYEARS];
    for (int i = 0; i < NYEARS; i++)
        yw[i] = exp(-i / 5.0) + 0.01;
    static const double nvic_w[] = {72, 17, 7, 4};
    static const double nvic_play_w[] = {50, 30, 12, 8};
    int64_t left = nvictims;
    while (!st && left > 0) {
        ref++;
        dm_record_clear(&acc, geo);
        char text[32];
        snprintf(text, sizeof text, "SYN-%06lld", (long long)ref);
        st = dm_record_set(&acc, "incident_ref", text, err);
        char date[16];
        incident_date(&rng, yw, date);
        if (!st)
            st = dm_record_set(&acc, "date", date, err);
        const char *cat = dev_cat[pick_weighted(&rng, dev_w, NW(dev_w))];
        if (!st)
            st = dm_record_set(&acc, "device_category", cat, err);
        if (!st)
            st = set_known(&acc, "device_model", device_model(&rng, cat), err);
        int act = pick_weighted(&rng, activity_w, NW(activity_w));
        if (!st)
            st = set_known(&acc, "activity", activities[act], err);
        if (!st)
            st = dm_record_set(&acc, "demining", act == ACT_DEMINING ? "1" : "0", err);
        double x, y;
        int hz, ad = -1;
        /* in the country: inside an admin area when there are some (a point
           moved off a hazard near the border may not be) */
        for (int tries = 0; tries < 20 && ad < 0; tries++) {
            place(&p, &rng, &x, &y, &hz);
            if (!p.adm.n)
                break;
            ad = dm_spatial_index_locate(geo, &p.admi, x, y);
        }
        acc.geom = GEOSGeom_createPointFromXY_r(h, x, y);
        if (!st && !acc.geom)
            st = dm_error_set(err, DM_EGEOM, "cannot make a point");
        if (!st && hz >= 0)
            st = dm_record_set(&acc, "hazard_code", p.hz.codes[hz], err);
        if (!st && ad >= 0)
            st = dm_record_set(&acc, "admin_code", p.adm.codes[ad], err);
        int sl = !st && acc.geom ? nearest_settlement(&p, acc.geom) : -1;
        if (!st && sl >= 0)
            st = dm_record_set(&acc, "settlement_code", p.stl.codes[sl], err);
        bool submitted = chance(&rng, 0.01);
        if (submitted)
            snprintf(acc.state, sizeof acc.state, "submitted");
        if (!st)
            st = put(store, &acc, who, err);
        if (st)
            break;
        out->accidents++;
        out->in_hazards += hz >= 0;
        out->with_admin += ad >= 0;
        out->submitted += submitted;
        int n = 1 + (act == ACT_PLAYING ? pick_weighted(&rng, nvic_play_w, NW(nvic_play_w))
                                        : pick_weighted(&rng, nvic_w, NW(nvic_w)));
        if (n > left)
            n = (int)left;
        for (int k = 0; !st && k < n; k++) {
            dm_record_clear(&vic, geo);
            st = make_victim(&rng, &acc, act, cat, ref, k, &vic, out, err);
            if (!st)
                st = put(store, &vic, who, err);
            out->victims += !st;
        }
        left -= n;
    }
    out->last_ref = ref;
    dm_record_clear(&acc, geo);
    dm_record_clear(&vic, geo);
    places_free(&p);
    if (!st)
        st = dm_store_commit(store, err);
    else
        dm_store_rollback(store);
    if (st) /* nothing was added */
        memset(out, 0, sizeof *out);
    return st;
}
