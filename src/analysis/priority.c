#include "analysis/priority.h"

#include "analysis/parallel.h"
#include "analysis/spatial.h"
#include "core/sorted.h"
#include "core/strmap.h"

#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const factor_names[DM_PF_COUNT] = {"casualties", "settlements", "infrastructure",
                                                      "evidence",   "items",       "effort"};

const char *dm_priority_factor_name(dm_priority_factor f)
{
    return f < DM_PF_COUNT ? factor_names[f] : "?";
}

/* The parameters besides the factor weights, in the order of param_ptr. */
typedef struct param {
    const char *name;
    bool positive; /* must be > 0, not only >= 0 */
} param;

static const param params[] = {
    {"casualty_distance_m", false},       {"casualty_half_life_years", true},
    {"settlement_distance_m", false},     {"settlement_unknown_population", false},
    {"infrastructure_distance_m", false}, {"settlement_population_power", false},
};

static double *param_ptr(dm_priority_weights *w, size_t p)
{
    switch (p) {
    case 0: return &w->casualty_distance_m;
    case 1: return &w->casualty_half_life_years;
    case 2: return &w->settlement_distance_m;
    case 3: return &w->settlement_unknown_population;
    case 4: return &w->infrastructure_distance_m;
    default: return &w->settlement_population_power;
    }
}
#define NPARAMS (sizeof params / sizeof params[0])

static const dm_field *infra_type_field(void)
{
    int i = dm_kind_field_index(&dm_kind_infrastructure, "type");
    return i >= 0 ? &dm_kind_infrastructure.fields[i] : NULL;
}

/* Number of infrastructure types (at most DM_PRIORITY_INFRA_TYPES). */
static size_t infra_types(void)
{
    const dm_field *f = infra_type_field();
    size_t n = 0;
    while (f && f->values[n] && n < DM_PRIORITY_INFRA_TYPES)
        n++;
    return n;
}

/* The canonical name of type i into out. */
static void infra_type_name(size_t i, char *out, size_t outsz)
{
    const char *v = infra_type_field()->values[i];
    snprintf(out, outsz, "%.*s", (int)strcspn(v, "|"), v);
}

void dm_priority_weights_default(dm_priority_weights *w)
{
    memset(w, 0, sizeof *w);
    w->w[DM_PF_CASUALTIES] = 10;
    w->w[DM_PF_SETTLEMENTS] = 1;
    w->w[DM_PF_INFRASTRUCTURE] = 2;
    w->w[DM_PF_EVIDENCE] = 5;
    w->w[DM_PF_ITEMS] = 0.5;
    w->w[DM_PF_EFFORT] = 0.005; /* per team-day: 200 team-days halve a score */
    w->casualty_distance_m = 1000;
    w->casualty_half_life_years = 5;
    w->settlement_distance_m = 5000;
    w->settlement_unknown_population = 500;
    w->settlement_population_power = 0.5;
    w->infrastructure_distance_m = 500;
    static const double by_type[] = {
        /* road */ 2,     /* power_line */ 1,  /* canal */ 1.5,
        /* cemetery */ 1, /* water_point */ 2, /* farmland */ 1,
        /* school */ 3,   /* health */ 3,      /* other */ 1};
    for (size_t i = 0; i < infra_types(); i++)
        w->infra_type[i] = i < sizeof by_type / sizeof by_type[0] ? by_type[i] : 1;
}

/* A number >= 0 (> 0 when positive) from v, or DM_EINVAL naming key. */
static dm_status number(json_object *v, const char *key, bool positive, double *out, dm_error *err)
{
    json_type t = json_object_get_type(v);
    if (t != json_type_double && t != json_type_int)
        return dm_error_set(err, DM_EINVAL, "weights: '%.60s' is not a number", key);
    double x = json_object_get_double(v);
    if (!isfinite(x))
        return dm_error_set(err, DM_EINVAL, "weights: '%.60s' is not a finite number", key);
    if (x < 0)
        return dm_error_set(err, DM_EINVAL, "weights: '%.60s' is negative (%g): use 0 or more", key,
                            x);
    if (positive && x <= 0)
        return dm_error_set(err, DM_EINVAL, "weights: '%.60s' must be more than 0", key);
    *out = x + 0.0; /* -0 is 0: a weight written out and read back stays the same */
    return DM_OK;
}

static dm_status parse_types(json_object *o, dm_priority_weights *w, dm_error *err)
{
    if (!json_object_is_type(o, json_type_object))
        return dm_error_set(err, DM_EINVAL,
                            "weights: 'infrastructure_types' is not an object (type: weight)");
    size_t n = infra_types();
    json_object_object_foreach(o, key, val)
    {
        size_t i = 0;
        char name[64];
        for (; i < n; i++) {
            infra_type_name(i, name, sizeof name);
            if (!strcmp(name, key))
                break;
        }
        char full[128];
        snprintf(full, sizeof full, "infrastructure_types.%.60s", key);
        if (i == n) {
            char known[256] = "";
            for (size_t j = 0; j < n; j++) {
                infra_type_name(j, name, sizeof name);
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", j ? ", " : "", name);
            }
            return dm_error_set(err, DM_EINVAL, "weights: unknown key '%s'; the types are: %s",
                                full, known);
        }
        dm_status st = number(val, full, false, &w->infra_type[i], err);
        if (st)
            return st;
    }
    return DM_OK;
}

static dm_status parse_object(json_object *root, dm_priority_weights *w, dm_error *err)
{
    if (!json_object_is_type(root, json_type_object))
        return dm_error_set(err, DM_EINVAL, "weights: not a JSON object");
    json_object_object_foreach(root, key, val)
    {
        dm_status st = DM_OK;
        bool known = false;
        for (int f = 0; f < DM_PF_COUNT && !known; f++)
            if (!strcmp(key, factor_names[f])) {
                known = true;
                st = number(val, key, false, &w->w[f], err);
            }
        for (size_t p = 0; p < NPARAMS && !known; p++)
            if (!strcmp(key, params[p].name)) {
                known = true;
                st = number(val, key, params[p].positive, param_ptr(w, p), err);
                if (!st && !strcmp(key, "settlement_population_power") &&
                    w->settlement_population_power > 2)
                    st = dm_error_set(err, DM_EINVAL,
                                      "weights: 'settlement_population_power' is %g: use 0 "
                                      "(every settlement the same) to 2",
                                      w->settlement_population_power);
            }
        if (!known && !strcmp(key, "infrastructure_types")) {
            known = true;
            st = parse_types(val, w, err);
        }
        if (!known) {
            char names[512] = "";
            for (int f = 0; f < DM_PF_COUNT; f++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s, ", factor_names[f]);
            }
            for (size_t p = 0; p < NPARAMS; p++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s, ", params[p].name);
            }
            return dm_error_set(err, DM_EINVAL,
                                "weights: unknown key '%.60s'; the keys are: "
                                "%sinfrastructure_types",
                                key, names);
        }
        if (st)
            return st;
    }
    return DM_OK;
}

dm_status dm_priority_weights_parse(const char *text, size_t len, dm_priority_weights *w,
                                    dm_error *err)
{
    dm_priority_weights_default(w);
    if (len > (1u << 20))
        return dm_error_set(err, DM_EINVAL, "weights: the file is over 1 MiB");
    if (len > INT32_MAX)
        len = INT32_MAX;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    dm_status st = DM_OK;
    if (!root || je != json_tokener_success)
        st = dm_error_set(err, DM_EINVAL, "weights: not JSON (%s)",
                          je == json_tokener_continue ? "it ends too early"
                                                      : json_tokener_error_desc(je));
    for (size_t i = used; !st && i < len; i++)
        if (!strchr(" \t\r\n", text[i]))
            st = dm_error_set(err, DM_EINVAL, "weights: more after the JSON object (byte %zu)",
                              i + 1);
    if (!st)
        st = parse_object(root, w, err);
    json_object_put(root);
    if (st)
        dm_priority_weights_default(w);
    return st;
}

dm_status dm_priority_weights_json(const dm_priority_weights *w, dm_buf *b)
{
    dm_buf_puts(b, "{");
    for (int f = 0; f < DM_PF_COUNT; f++) {
        dm_buf_printf(b, "%s\"%s\": ", f ? ", " : "", factor_names[f]);
        dm_buf_json_number(b, w->w[f]);
    }
    for (size_t p = 0; p < NPARAMS; p++) {
        dm_buf_printf(b, ", \"%s\": ", params[p].name);
        dm_priority_weights copy = *w;
        dm_buf_json_number(b, *param_ptr(&copy, p));
    }
    dm_buf_puts(b, ", \"infrastructure_types\": {");
    for (size_t i = 0; i < infra_types(); i++) {
        char name[64];
        infra_type_name(i, name, sizeof name);
        dm_buf_printf(b, "%s\"%s\": ", i ? ", " : "", name);
        dm_buf_json_number(b, w->infra_type[i]);
    }
    return dm_buf_puts(b, "}}");
}

/* ---- the records searched ---- */

typedef struct layer {
    GEOSGeometry **g;
    char (*code)[DM_CODE_MAX];
    double *a, *b; /* per kind: see read_layer's callers */
    /* a point's or a line's lon/lat pairs: ncoord[i] pairs from xy + 2 *
       coff[i]; ncoord[i] == 0 for other geometries (measured by GEOS) */
    size_t *coff;
    int *ncoord;
    double *xy;
    size_t nxy, capxy;
    size_t n, cap;
    GEOSSTRtree *tree;
} layer;

static void layer_free(dm_geo *geo, layer *l)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (l->tree)
        GEOSSTRtree_destroy_r(h, l->tree);
    for (size_t i = 0; i < l->n; i++)
        GEOSGeom_destroy_r(h, l->g[i]);
    free(l->g);
    free(l->code);
    free(l->a);
    free(l->b);
    free(l->coff);
    free(l->ncoord);
    free(l->xy);
    memset(l, 0, sizeof *l);
}

static bool layer_grow(layer *l)
{
    if (l->n < l->cap)
        return true;
    size_t cap = l->cap ? l->cap * 2 : 256;
    GEOSGeometry **g = realloc(l->g, cap * sizeof *g);
    if (g)
        l->g = g;
    char(*c)[DM_CODE_MAX] = realloc(l->code, cap * sizeof *c);
    if (c)
        l->code = c;
    double *a = realloc(l->a, cap * sizeof *a);
    if (a)
        l->a = a;
    double *b = realloc(l->b, cap * sizeof *b);
    if (b)
        l->b = b;
    size_t *co = realloc(l->coff, cap * sizeof *co);
    if (co)
        l->coff = co;
    int *nc = realloc(l->ncoord, cap * sizeof *nc);
    if (nc)
        l->ncoord = nc;
    if (!g || !c || !a || !b || !co || !nc)
        return false;
    l->cap = cap;
    return true;
}

/* Keeps the coordinates of a point or a line (up to 4096 vertices) as
 * plain numbers: their distances are measured without GEOS (see
 * own_distance). false when out of memory. */
static bool keep_coords(GEOSContextHandle_t h, layer *l, const GEOSGeometry *g)
{
    l->ncoord[l->n] = 0;
    l->coff[l->n] = l->nxy;
    int t = GEOSGeomTypeId_r(h, g);
    if (t != GEOS_POINT && t != GEOS_LINESTRING)
        return true;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned int k;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &k) || k == 0 || k > 4096)
        return true;
    if (l->nxy + k > l->capxy) {
        size_t cap = l->capxy ? l->capxy * 2 : 1024;
        while (cap < l->nxy + k)
            cap *= 2;
        double *xy = realloc(l->xy, cap * 2 * sizeof *xy);
        if (!xy)
            return false;
        l->xy = xy;
        l->capxy = cap;
    }
    for (unsigned int i = 0; i < k; i++)
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &l->xy[2 * (l->nxy + i)], &l->xy[2 * (l->nxy + i) + 1]))
            return true;
    l->ncoord[l->n] = (int)k;
    l->nxy += k;
    return true;
}

/* Fills a and b of a record (its values); false skips it. */
typedef bool (*layer_fn)(const dm_record *rec, double *a, double *b, void *ctx);

static dm_status read_layer(dm_store *store, const dm_kind *kind, layer_fn fn, void *ctx, layer *l,
                            dm_error *err)
{
    dm_query q = {.kind = kind, .with_geometry = true, .keep_damaged = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    dm_record rec;
    dm_record_init(&rec, kind);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom || GEOSisEmpty_r(h, rec.geom) != 0)
            continue;
        double a = 0, b = 0;
        if (!fn(&rec, &a, &b, ctx))
            continue;
        if (!layer_grow(l)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        l->g[l->n] = rec.geom;
        rec.geom = NULL;
        snprintf(l->code[l->n], DM_CODE_MAX, "%s", rec.code);
        l->a[l->n] = a;
        l->b[l->n] = b;
        if (!keep_coords(h, l, l->g[l->n])) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        l->n++;
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    if (!st) {
        l->tree = GEOSSTRtree_create_r(h, 10);
        if (!l->tree)
            return dm_error_set(err, DM_EGEOM, "cannot create a spatial index");
        for (size_t i = 0; i < l->n; i++)
            GEOSSTRtree_insert_r(h, l->tree, l->g[i], (void *)(uintptr_t)(i + 1));
        /* GEOS builds the tree on its first query: done here, the later
           queries only read it, from every thread */
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 0, 0);
        dm_index_hits hs = {0};
        if (pt)
            GEOSSTRtree_query_r(h, l->tree, pt, dm_index_hits_collect, &hs);
        free(hs.items);
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    return st;
}

/* Days since 0000-03-01 (proleptic Gregorian). */
static long day_number(dm_date d)
{
    long y = d.year - (d.month <= 2), m = d.month <= 2 ? d.month + 9 : d.month - 3;
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d.day - 1;
}

typedef struct accident_ctx {
    dm_strmap *victims_of; /* accident code -> index into counts */
    const int64_t *counts;
    long as_of;
    double half_life;
} accident_ctx;

/* a: the accident's casualty weight (victims x decay); b: its age in years
 * (-1 undated) */
static bool accident_values(const dm_record *rec, double *a, double *b, void *vctx)
{
    accident_ctx *c = vctx;
    long k = dm_strmap_find(c->victims_of, rec->code);
    double victims = k >= 0 ? (double)c->counts[k] : 0;
    if (victims < 1)
        victims = 1;
    const char *date = dm_record_get(rec, "date");
    dm_date d;
    dm_error e;
    double age;
    if (date && !dm_date_parse(date, &d, &e)) {
        age = (double)(c->as_of - day_number(d)) / 365.25;
        if (age < 0)
            age = 0;
        *b = age;
    } else {
        age = c->half_life; /* undated: one half-life old */
        *b = -1;
    }
    *a = victims * pow(0.5, age / c->half_life);
    return true;
}

static bool settlement_values(const dm_record *rec, double *a, double *b, void *ctx)
{
    const dm_priority_weights *w = ctx;
    const char *p = dm_record_get(rec, "population");
    double pop = p ? atof(p) : 0;
    *a = pop > 0 ? pop : w->settlement_unknown_population;
    *b = 0;
    return true;
}

static bool infra_values(const dm_record *rec, double *a, double *b, void *ctx)
{
    const dm_priority_weights *w = ctx;
    const dm_field *f = infra_type_field();
    int t = dm_field_value_index(f, dm_record_get(rec, "type"));
    if (t < 0 || (size_t)t >= infra_types())
        t = dm_field_value_index(f, "other");
    *a = t >= 0 ? w->infra_type[t] : 1;
    *b = t;
    return true;
}

static bool item_values(const dm_record *rec, double *a, double *b, void *ctx)
{
    (void)ctx;
    const char *q = dm_record_get(rec, "quantity");
    *a = q && atof(q) > 0 ? atof(q) : 1;
    *b = 0;
    return true;
}

/* Victims per accident code (approved victims). */
typedef struct victim_count {
    dm_strmap map;
    int64_t *counts;
    size_t cap;
    bool oom;
} victim_count;

static int count_victim(const char *code, const char *state, const char *const *values, void *ctx)
{
    (void)code;
    (void)state;
    victim_count *vc = ctx;
    if (!values[0] || !values[0][0])
        return 0;
    long k;
    int added;
    if (dm_strmap_intern(&vc->map, values[0], &k, &added)) {
        vc->oom = true;
        return 1;
    }
    if ((size_t)k >= vc->cap) {
        size_t cap = vc->cap ? vc->cap * 2 : 1024;
        int64_t *c = realloc(vc->counts, cap * sizeof *c);
        if (!c) {
            vc->oom = true;
            return 1;
        }
        memset(c + vc->cap, 0, (cap - vc->cap) * sizeof *c);
        vc->counts = c;
        vc->cap = cap;
    }
    vc->counts[k]++;
    return 0;
}

/* ---- distances ---- */

typedef struct frame {
    double lon0, lat0, kx, ky;
} frame;

static int to_local(double *x, double *y, void *ud)
{
    const frame *f = ud;
    *x = (*x - f->lon0) * f->kx;
    *y = (*y - f->lat0) * f->ky;
    return 1;
}

/* The hazard in its local frame, prepared, and its search boxes. */
typedef struct near_ctx {
    dm_geo *geo;
    frame fr;
    GEOSGeometry *local;
    const GEOSPreparedGeometry *prep;
    const GEOSPreparedGeometry *prep_deg; /* the hazard in degrees */
    double env[4];                        /* the hazard's envelope, degrees */
    /* the hazard's rings in the local frame: ring r is the vertices
       ring_start[r] .. ring_start[r + 1] - 1 of hx, hy (closed) */
    double *hx, *hy;
    size_t *ring_start, nrings;
} near_ctx;

/* Keeps the local hazard's rings as plain numbers. */
static bool keep_rings(GEOSContextHandle_t h, near_ctx *nc)
{
    size_t nv = 0, cap = 0, rcap = 0;
    int np = GEOSGetNumGeometries_r(h, nc->local);
    for (int p = 0; p < np; p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, nc->local, p);
        int nh = poly ? GEOSGetNumInteriorRings_r(h, poly) : -1;
        for (int r = -1; r < nh; r++) {
            const GEOSGeometry *ring =
                r < 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, r);
            const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
            unsigned int k;
            if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &k))
                return false;
            if (nc->nrings + 2 > rcap) {
                rcap = rcap ? rcap * 2 : 8;
                size_t *rs = realloc(nc->ring_start, rcap * sizeof *rs);
                if (!rs)
                    return false;
                nc->ring_start = rs;
            }
            if (nv + k > cap) {
                cap = (nv + k) * 2;
                double *x = realloc(nc->hx, cap * sizeof *x);
                if (x)
                    nc->hx = x;
                double *y = realloc(nc->hy, cap * sizeof *y);
                if (y)
                    nc->hy = y;
                if (!x || !y)
                    return false;
            }
            nc->ring_start[nc->nrings++] = nv;
            for (unsigned int i = 0; i < k; i++, nv++)
                if (!GEOSCoordSeq_getXY_r(h, cs, i, &nc->hx[nv], &nc->hy[nv]))
                    return false;
        }
    }
    if (!nc->ring_start)
        return false;
    nc->ring_start[nc->nrings] = nv;
    return true;
}

/* Inside the hazard (even-odd over every ring; on the edge is found by the
 * distance being 0). */
static bool inside_hazard(const near_ctx *nc, double x, double y)
{
    bool in = false;
    for (size_t r = 0; r < nc->nrings; r++)
        for (size_t i = nc->ring_start[r] + 1; i < nc->ring_start[r + 1]; i++) {
            double x1 = nc->hx[i - 1], y1 = nc->hy[i - 1], x2 = nc->hx[i], y2 = nc->hy[i];
            if ((y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
                in = !in;
        }
    return in;
}

/* Squared distance from a point to a segment. */
static double point_segment(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    double ex = px - (ax + u * dx), ey = py - (ay + u * dy);
    return ex * ex + ey * ey;
}

static double cross(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/* Squared distance between two segments. */
static double segment_segment(double ax, double ay, double bx, double by, double cx, double cy,
                              double dx, double dy)
{
    double d1 = cross(ax, ay, bx, by, cx, cy), d2 = cross(ax, ay, bx, by, dx, dy);
    double d3 = cross(cx, cy, dx, dy, ax, ay), d4 = cross(cx, cy, dx, dy, bx, by);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
        return 0; /* they cross */
    return fmin(fmin(point_segment(ax, ay, cx, cy, dx, dy), point_segment(bx, by, cx, cy, dx, dy)),
                fmin(point_segment(cx, cy, ax, ay, bx, by), point_segment(dx, dy, ax, ay, bx, by)));
}

/* Distance in metres from the hazard to a point (k == 1) or a line of k
 * lon/lat pairs, in the hazard's local frame: 0 when a vertex lies inside
 * or the line crosses an edge, else the least vertex-to-edge or
 * edge-to-edge distance (what GEOS gives, without making geometries). */
static double own_distance(const near_ctx *nc, const double *lonlat, int k)
{
    double best = INFINITY;
    double px = 0, py = 0;
    for (int j = 0; j < k; j++) {
        double x = (lonlat[2 * j] - nc->fr.lon0) * nc->fr.kx;
        double y = (lonlat[2 * j + 1] - nc->fr.lat0) * nc->fr.ky;
        if (inside_hazard(nc, x, y))
            return 0;
        for (size_t r = 0; r < nc->nrings; r++)
            for (size_t i = nc->ring_start[r] + 1; i < nc->ring_start[r + 1]; i++) {
                double d =
                    j == 0 ? point_segment(x, y, nc->hx[i - 1], nc->hy[i - 1], nc->hx[i], nc->hy[i])
                           : segment_segment(px, py, x, y, nc->hx[i - 1], nc->hy[i - 1], nc->hx[i],
                                             nc->hy[i]);
                if (d < best)
                    best = d;
            }
        px = x;
        py = y;
    }
    return sqrt(best);
}

/* Adds the records of l within m metres of the hazard to term (value +=
 * amount(i, d)). */
typedef double (*amount_fn)(const layer *l, size_t i, double d, double m, const void *ctx);

static dm_status add_near(near_ctx *nc, const layer *l, double m, bool inside_only, amount_fn fn,
                          const void *ctx, bool with_refs, dm_priority_term *term, dm_error *err)
{
    if (!l->n)
        return DM_OK;
    GEOSContextHandle_t h = dm_geo_handle(nc->geo);
    /* degrees per metre at the latitude of the box farthest from the equator */
    double lat_far = fmax(fabs(nc->env[1]), fabs(nc->env[3]));
    double dlat = inside_only ? 0 : m / nc->fr.ky * 1.01;
    lat_far = fmin(89.9, lat_far + dlat);
    double kx_far = nc->fr.kx * cos(lat_far * M_PI / 180) / cos(nc->fr.lat0 * M_PI / 180);
    double dlon = inside_only ? 0 : m / fmax(kx_far, 1) * 1.01;
    GEOSGeometry *box = GEOSGeom_createRectangle_r(h, nc->env[0] - dlon, nc->env[1] - dlat,
                                                   nc->env[2] + dlon, nc->env[3] + dlat);
    if (!box)
        return dm_error_set(err, DM_EGEOM, "cannot make a search box: %s",
                            dm_geo_last_error(nc->geo));
    dm_index_hits hs = {0};
    GEOSSTRtree_query_r(h, l->tree, box, dm_index_hits_collect, &hs);
    GEOSGeom_destroy_r(h, box);
    if (hs.oom)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_index_hits_sort(&hs);
    dm_status st = DM_OK;
    for (size_t k = 0; k < hs.n && !st; k++) {
        size_t i = hs.items[k];
        double d;
        if (inside_only) {
            char in = GEOSPreparedIntersects_r(h, nc->prep_deg, l->g[i]);
            if (in == 2) {
                st = dm_error_set(err, DM_EGEOM, "%s: %s", l->code[i], dm_geo_last_error(nc->geo));
                break;
            }
            if (!in)
                continue;
            d = 0;
        } else if (l->ncoord[i] > 0) {
            d = own_distance(nc, &l->xy[2 * l->coff[i]], l->ncoord[i]);
            if (d > m)
                continue;
        } else {
            GEOSGeometry *loc = GEOSGeom_transformXY_r(h, l->g[i], to_local, &nc->fr);
            if (!loc || !GEOSPreparedDistance_r(h, nc->prep, loc, &d)) {
                if (loc)
                    GEOSGeom_destroy_r(h, loc);
                st = dm_error_set(err, DM_EGEOM, "%s: cannot measure a distance: %s", l->code[i],
                                  dm_geo_last_error(nc->geo));
                break;
            }
            GEOSGeom_destroy_r(h, loc);
            if (d > m)
                continue;
        }
        double amount = fn(l, i, d, m, ctx);
        if (isnan(amount)) {
            st = dm_error_set(err, DM_EGEOM, "%s: cannot measure its part inside the hazard: %s",
                              l->code[i], dm_geo_last_error(nc->geo));
            break;
        }
        term->value += amount;
        if (with_refs) {
            dm_priority_ref *r = realloc(term->refs, (term->nrefs + 1) * sizeof *r);
            if (!r) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            term->refs = r;
            snprintf(r[term->nrefs].code, DM_CODE_MAX, "%s", l->code[i]);
            r[term->nrefs].distance_m = d;
            r[term->nrefs].amount = amount;
            term->nrefs++;
        }
    }
    free(hs.items);
    return st;
}

static double amount_plain(const layer *l, size_t i, double d, double m, const void *ctx)
{
    (void)d;
    (void)m;
    (void)ctx;
    return l->a[i];
}

static double amount_settlement(const layer *l, size_t i, double d, double m, const void *ctx)
{
    const dm_priority_weights *w = ctx;
    return pow(l->a[i] / 1000.0, w->settlement_population_power) * (m > 0 ? 1 - d / m : 1);
}

/* The metres of a line of k lon/lat pairs inside the hazard, in its local
 * frame: each segment cut where it crosses a ring's edge, and the pieces
 * whose middle is inside (even-odd) summed. -1 when a segment crosses more
 * edges than this counts (GEOS measures it then). */
static double length_inside(const near_ctx *nc, const double *lonlat, int k)
{
    double total = 0;
    for (int j = 1; j < k; j++) {
        double ax = (lonlat[2 * j - 2] - nc->fr.lon0) * nc->fr.kx;
        double ay = (lonlat[2 * j - 1] - nc->fr.lat0) * nc->fr.ky;
        double bx = (lonlat[2 * j] - nc->fr.lon0) * nc->fr.kx;
        double by = (lonlat[2 * j + 1] - nc->fr.lat0) * nc->fr.ky;
        double ex = bx - ax, ey = by - ay;
        double t[130];
        int nt = 0;
        t[nt++] = 0;
        for (size_t r = 0; r < nc->nrings; r++)
            for (size_t i = nc->ring_start[r] + 1; i < nc->ring_start[r + 1]; i++) {
                double cx = nc->hx[i - 1], cy = nc->hy[i - 1];
                double fx = nc->hx[i] - cx, fy = nc->hy[i] - cy;
                double den = ex * fy - ey * fx;
                if (den == 0)
                    continue; /* parallel: its pieces are measured by their middles */
                double ta = ((cx - ax) * fy - (cy - ay) * fx) / den;
                double ub = ((cx - ax) * ey - (cy - ay) * ex) / den;
                if (ta > 0 && ta < 1 && ub >= 0 && ub <= 1) {
                    if (nt == (int)(sizeof t / sizeof t[0]) - 1)
                        return -1;
                    t[nt++] = ta;
                }
            }
        t[nt++] = 1;
        qsort(t, (size_t)nt, sizeof t[0], dm_cmp_double);
        double len = hypot(ex, ey);
        for (int q = 1; q < nt; q++) {
            double mid = (t[q - 1] + t[q]) / 2;
            if (t[q] > t[q - 1] && inside_hazard(nc, ax + mid * ex, ay + mid * ey))
                total += (t[q] - t[q - 1]) * len;
        }
    }
    return total;
}

/* An infrastructure record: the weight of its type, times 1 + the km of a
 * line or the hectares of a polygon inside the hazard (what it blocks);
 * ctx is the near_ctx. NaN when GEOS fails. */
static double amount_infra(const layer *l, size_t i, double d, double m, const void *ctx)
{
    (void)m;
    const near_ctx *nc = ctx;
    if (d > 0)
        return l->a[i];
    if (l->ncoord[i] > 1) { /* a plain line: measured on its coordinates */
        double in = length_inside(nc, &l->xy[2 * l->coff[i]], l->ncoord[i]);
        if (in >= 0)
            return l->a[i] * (1 + in / 1000.0);
    }
    GEOSContextHandle_t h = dm_geo_handle(nc->geo);
    int dim = GEOSGeom_getDimensions_r(h, l->g[i]);
    if (dim < 1)
        return l->a[i];
    GEOSGeometry *loc = GEOSGeom_transformXY_r(h, l->g[i], to_local, (void *)&nc->fr);
    GEOSGeometry *in = loc ? GEOSIntersection_r(h, nc->local, loc) : NULL;
    double x = 0;
    int ok = in ? (dim == 1 ? GEOSLength_r(h, in, &x) : GEOSArea_r(h, in, &x)) : 0;
    if (in)
        GEOSGeom_destroy_r(h, in);
    if (loc)
        GEOSGeom_destroy_r(h, loc);
    if (!ok)
        return NAN;
    return l->a[i] * (1 + (dim == 1 ? x / 1000.0 : x / 10000.0));
}

static int by_score(const void *pa, const void *pb)
{
    const dm_priority_item *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->code, b->code);
}

void dm_priority_free(dm_priority *p)
{
    for (size_t i = 0; i < p->n; i++)
        for (int f = 0; f < DM_PF_COUNT; f++)
            free(p->items[i].f[f].refs);
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* What every hazard is scored against. */
typedef struct score_job {
    dm_priority *out;
    GEOSGeometry **hg;
    const dm_priority_weights *w;
    const layer *acc, *stl, *inf, *items;
    bool with_refs;
} score_job;

/* Scores one hazard (item->code, status, area set) with its geometry g. */
static dm_status score_hazard(dm_geo *geo, const GEOSGeometry *g, const score_job *j,
                              dm_priority_item *it, dm_error *err)
{
    const dm_priority_weights *w = j->w;
    const layer *acc = j->acc, *stl = j->stl, *inf = j->inf, *items = j->items;
    const dm_priority_effort *effort = &j->out->effort;
    bool with_refs = j->with_refs;
    GEOSContextHandle_t h = dm_geo_handle(geo);
    near_ctx nc = {.geo = geo};
    if (!GEOSGeom_getXMin_r(h, g, &nc.env[0]) || !GEOSGeom_getYMin_r(h, g, &nc.env[1]) ||
        !GEOSGeom_getXMax_r(h, g, &nc.env[2]) || !GEOSGeom_getYMax_r(h, g, &nc.env[3]))
        return dm_error_set(err, DM_EGEOM, "hazard %s: no extent: %s", it->code,
                            dm_geo_last_error(geo));
    nc.fr.lon0 = (nc.env[0] + nc.env[2]) / 2;
    nc.fr.lat0 = (nc.env[1] + nc.env[3]) / 2;
    const double dd = 1e-3;
    nc.fr.kx =
        dm_geo_distance_m(nc.fr.lon0 - dd / 2, nc.fr.lat0, nc.fr.lon0 + dd / 2, nc.fr.lat0) / dd;
    nc.fr.ky =
        dm_geo_distance_m(nc.fr.lon0, nc.fr.lat0 - dd / 2, nc.fr.lon0, nc.fr.lat0 + dd / 2) / dd;
    if (!(nc.fr.kx > 0))
        nc.fr.kx = 1;
    nc.local = GEOSGeom_transformXY_r(h, g, to_local, &nc.fr);
    nc.prep = nc.local ? GEOSPrepare_r(h, nc.local) : NULL;
    nc.prep_deg = GEOSPrepare_r(h, g);
    dm_status st = DM_OK;
    if (!nc.prep || !nc.prep_deg)
        st = dm_error_set(err, DM_EGEOM, "hazard %s: %s", it->code, dm_geo_last_error(geo));
    else if (!keep_rings(h, &nc))
        st = dm_error_set(err, DM_EGEOM, "hazard %s: cannot read its rings", it->code);
    for (int f = 0; f < DM_PF_COUNT; f++)
        it->f[f].weight = w->w[f];
    if (!st)
        st = add_near(&nc, acc, w->casualty_distance_m, false, amount_plain, NULL, with_refs,
                      &it->f[DM_PF_CASUALTIES], err);
    if (!st)
        st = add_near(&nc, stl, w->settlement_distance_m, false, amount_settlement, w, with_refs,
                      &it->f[DM_PF_SETTLEMENTS], err);
    if (!st)
        st = add_near(&nc, inf, w->infrastructure_distance_m, false, amount_infra, &nc, with_refs,
                      &it->f[DM_PF_INFRASTRUCTURE], err);
    if (!st)
        st = add_near(&nc, items, 0, true, amount_plain, NULL, with_refs, &it->f[DM_PF_ITEMS], err);
    it->f[DM_PF_EVIDENCE].value = !strcmp(it->status, "CHA") ? 1 : 0;
    it->f[DM_PF_EFFORT].value =
        effort->team_days ? it->area_m2 * effort->team_days_per_m2 : it->area_m2 / 10000.0;
    it->benefit = 0;
    for (int f = 0; f < DM_PF_COUNT; f++)
        if (f != DM_PF_EFFORT)
            it->benefit += it->f[f].weight * it->f[f].value;
    it->score = it->benefit / (1 + w->w[DM_PF_EFFORT] * it->f[DM_PF_EFFORT].value);
    if (nc.prep)
        GEOSPreparedGeom_destroy_r(h, nc.prep);
    if (nc.prep_deg)
        GEOSPreparedGeom_destroy_r(h, nc.prep_deg);
    if (nc.local)
        GEOSGeom_destroy_r(h, nc.local);
    free(nc.hx);
    free(nc.hy);
    free(nc.ring_start);
    return st;
}

void dm_priority_effort_read(dm_store *store, const char *figures, const char *figures_name,
                             dm_priority_effort *e)
{
    memset(e, 0, sizeof *e);
    dm_fa_request rq = {.runs = 1, .figures = figures, .figures_name = figures_name};
    dm_error err;
    dm_fa_basis b;
    if (dm_fa_teams_parse(DM_FA_TEAMS_DEFAULT, &rq.teams, &err) ||
        dm_fa_basis_compute(store, &rq, &b, &err)) {
        snprintf(e->basis, sizeof e->basis,
                 "hectares: no productivity to turn area into team-days (%s)", err.msg);
        return;
    }
    const dm_fa_model *m = &b.model;
    int teams = 0;
    for (int a = 0; a < DM_FA_NASSETS; a++)
        teams += m->teams.n[a];
    for (int op = 0; op < DM_FA_NOPS; op++) {
        double sum = 0;
        for (int a = 0; a < DM_FA_NASSETS; a++)
            sum += m->teams.n[a] * m->prod[a][op].mean;
        e->m2_per_team_day[op] = teams > 0 ? sum / teams : 0;
    }
    memcpy(e->mix, m->mix, sizeof e->mix);
    if (e->m2_per_team_day[DM_FA_TS] > 0 && e->m2_per_team_day[DM_FA_CLEARANCE] > 0) {
        e->team_days = true;
        e->team_days_per_m2 = e->mix[DM_FA_REDUCED] / e->m2_per_team_day[DM_FA_TS] +
                              e->mix[DM_FA_CLEARED] / e->m2_per_team_day[DM_FA_CLEARANCE];
        int learned = 0;
        for (int a = 0; a < DM_FA_NASSETS; a++)
            for (int op = 0; op < DM_FA_NOPS; op++)
                learned += m->prod[a][op].source == DM_FA_SRC_DATABASE;
        snprintf(e->basis, sizeof e->basis,
                 "team-days: the release mix %s (cancelled %.0f%%, reduced %.0f%%, cleared "
                 "%.0f%%); m2 per team-day of " DM_FA_TEAMS_DEFAULT
                 " teams weighted by their number, technical survey %.0f, clearance %.0f (%d of "
                 "%d asset and operation rates learned from the database's completed "
                 "activities, the others from the published figures)",
                 m->mix_source == DM_FA_SRC_DATABASE ? "learned from the releases"
                                                     : "of the Landmine Monitor 2023",
                 100 * e->mix[DM_FA_CANCELLED], 100 * e->mix[DM_FA_REDUCED],
                 100 * e->mix[DM_FA_CLEARED], e->m2_per_team_day[DM_FA_TS],
                 e->m2_per_team_day[DM_FA_CLEARANCE], learned, DM_FA_NASSETS * DM_FA_NOPS);
    } else {
        snprintf(e->basis, sizeof e->basis, "hectares: no productivity for the default teams");
    }
    dm_fa_basis_free(&b);
}

static dm_status score_one(size_t i, dm_geo *geo, void *ctx, dm_error *err)
{
    score_job *j = ctx;
    dm_priority_item *it = &j->out->items[i];
    it->area_m2 = dm_geo_area_m2(geo, j->hg[i]);
    return score_hazard(geo, j->hg[i], j, it, err);
}

dm_status dm_priority_compute(dm_store *store, const dm_priority_weights *w,
                              const dm_priority_effort *effort, const char *as_of, bool with_refs,
                              dm_priority *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (effort)
        out->effort = *effort;
    else
        snprintf(out->effort.basis, sizeof out->effort.basis, "hectares");
    dm_date ref = dm_date_today();
    if (as_of) {
        dm_status st = dm_date_parse(as_of, &ref, err);
        if (st) {
            dm_error_prefix(err, "as-of date");
            return st;
        }
    }
    dm_date_format(ref, out->as_of);
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);

    victim_count vc = {0};
    dm_strmap_init(&vc.map);
    static const char *const vf[] = {"accident_code"};
    dm_status st = dm_store_scan(store, &dm_kind_victims, vf, 1, false, count_victim, &vc, err);
    if (!st && vc.oom)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    layer acc = {0}, stl = {0}, inf = {0}, items = {0};
    accident_ctx ac = {&vc.map, vc.counts, day_number(ref), w->casualty_half_life_years};
    if (!st)
        st = read_layer(store, &dm_kind_accidents, accident_values, &ac, &acc, err);
    if (!st)
        st = read_layer(store, &dm_kind_settlements, settlement_values, (void *)w, &stl, err);
    if (!st)
        st = read_layer(store, &dm_kind_infrastructure, infra_values, (void *)w, &inf, err);
    if (!st)
        st = read_layer(store, &dm_kind_eo_items, item_values, NULL, &items, err);
    out->accidents = (int64_t)acc.n;
    out->settlements = (int64_t)stl.n;
    out->infrastructure = (int64_t)inf.n;
    out->items_read = (int64_t)items.n;

    dm_cursor *cur = NULL;
    if (!st) {
        dm_query q = {.kind = &dm_kind_hazards, .with_geometry = true, .keep_damaged = true};
        st = dm_store_query(store, &q, &cur, err);
    }
    dm_record rec;
    dm_record_init(&rec, &dm_kind_hazards);
    size_t cap = 0;
    GEOSGeometry **hg = NULL; /* the hazards' geometries, as items */
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *lc = dm_record_get(&rec, "lifecycle");
        if (lc && strcmp(lc, "open"))
            continue;
        if (!rec.geom || GEOSisEmpty_r(h, rec.geom) != 0)
            continue;
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            dm_priority_item *p = realloc(out->items, nc * sizeof *p);
            if (p)
                out->items = p;
            GEOSGeometry **g = realloc(hg, nc * sizeof *g);
            if (g)
                hg = g;
            if (!p || !g) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            cap = nc;
        }
        dm_priority_item *it = &out->items[out->n];
        memset(it, 0, sizeof *it);
        hg[out->n] = rec.geom;
        rec.geom = NULL;
        out->n++;
        snprintf(it->code, DM_CODE_MAX, "%s", rec.code);
        const char *s = dm_record_get(&rec, "status");
        snprintf(it->status, sizeof it->status, "%s", s ? s : "SHA");
    }
    dm_record_clear(&rec, geo);
    if (cur)
        dm_cursor_close(cur);
    /* the hazards are independent: scored on every core */
    score_job job = {out, hg, w, &acc, &stl, &inf, &items, with_refs};
    if (!st && out->n)
        st = dm_parallel_for(out->n, geo, score_one, &job, err);
    for (size_t i = 0; hg && i < out->n; i++)
        GEOSGeom_destroy_r(h, hg[i]);
    free(hg);
    layer_free(geo, &acc);
    layer_free(geo, &stl);
    layer_free(geo, &inf);
    layer_free(geo, &items);
    dm_strmap_free(&vc.map);
    free(vc.counts);
    if (st) {
        dm_priority_free(out);
        return st;
    }
    if (out->n)
        qsort(out->items, out->n, sizeof *out->items, by_score);
    return DM_OK;
}

dm_status dm_priority_json(const dm_priority *p, const dm_priority_weights *w, bool list,
                           size_t offset, size_t limit, dm_buf *b)
{
    size_t end = offset < p->n ? p->n : offset;
    if (limit && limit < end - offset)
        end = offset + limit;
    dm_buf_puts(b, "{\"as_of\": ");
    dm_buf_json_string(b, p->as_of);
    dm_buf_puts(b, ", \"formula\": ");
    dm_buf_json_string(b, "score = benefit / (1 + effort * effort_value), benefit = sum of "
                          "weight * value over the other factors");
    dm_buf_puts(b, ", \"weights\": ");
    dm_priority_weights_json(w, b);
    const dm_priority_effort *e = &p->effort;
    dm_buf_printf(b, ", \"effort\": {\"unit\": \"%s\"", e->team_days ? "team-days" : "ha");
    if (e->team_days) {
        dm_buf_puts(b, ", \"team_days_per_ha\": ");
        dm_buf_json_number(b, e->team_days_per_m2 * 10000);
        dm_buf_puts(b, ", \"mix\": {\"cancelled\": ");
        dm_buf_json_number(b, e->mix[DM_FA_CANCELLED]);
        dm_buf_puts(b, ", \"reduced\": ");
        dm_buf_json_number(b, e->mix[DM_FA_REDUCED]);
        dm_buf_puts(b, ", \"cleared\": ");
        dm_buf_json_number(b, e->mix[DM_FA_CLEARED]);
        dm_buf_puts(b, "}, \"m2_per_team_day\": {\"technical survey\": ");
        dm_buf_json_number(b, e->m2_per_team_day[DM_FA_TS]);
        dm_buf_puts(b, ", \"clearance\": ");
        dm_buf_json_number(b, e->m2_per_team_day[DM_FA_CLEARANCE]);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, ", \"basis\": ");
    dm_buf_json_string(b, e->basis);
    dm_buf_puts(b, "}");
    dm_buf_printf(b,
                  ", \"read\": {\"accidents\": %lld, \"settlements\": %lld, "
                  "\"infrastructure\": %lld, \"eo_items\": %lld}, \"number_matched\": %zu, "
                  "\"number_returned\": %zu, \"hazards\": [",
                  (long long)p->accidents, (long long)p->settlements, (long long)p->infrastructure,
                  (long long)p->items_read, p->n, end > offset ? end - offset : 0);
    for (size_t i = offset; i < end; i++) {
        const dm_priority_item *it = &p->items[i];
        dm_buf_printf(b, "%s\n{\"rank\": %zu, \"code\": ", i > offset ? "," : "", i + 1);
        dm_buf_json_string(b, it->code);
        dm_buf_puts(b, ", \"status\": ");
        dm_buf_json_string(b, it->status);
        dm_buf_puts(b, ", \"area_m2\": ");
        dm_buf_json_number(b, it->area_m2);
        dm_buf_puts(b, ", \"benefit\": ");
        dm_buf_json_number(b, it->benefit);
        dm_buf_puts(b, ", \"score\": ");
        dm_buf_json_number(b, it->score);
        dm_buf_puts(b, ", \"factors\": {");
        for (int f = 0; f < DM_PF_COUNT; f++) {
            const dm_priority_term *t = &it->f[f];
            dm_buf_printf(b, "%s\"%s\": {\"value\": ", f ? ", " : "",
                          dm_priority_factor_name((dm_priority_factor)f));
            dm_buf_json_number(b, t->value);
            dm_buf_puts(b, ", \"weight\": ");
            dm_buf_json_number(b, t->weight);
            dm_buf_puts(b, ", \"contribution\": ");
            dm_buf_json_number(b, t->value * t->weight);
            if (list && f != DM_PF_EVIDENCE && f != DM_PF_EFFORT) {
                dm_buf_puts(b, ", \"records\": [");
                for (size_t r = 0; r < t->nrefs; r++) {
                    dm_buf_puts(b, r ? ", {\"code\": " : "{\"code\": ");
                    dm_buf_json_string(b, t->refs[r].code);
                    dm_buf_puts(b, ", \"distance_m\": ");
                    dm_buf_json_number(b, t->refs[r].distance_m);
                    dm_buf_puts(b, ", \"amount\": ");
                    dm_buf_json_number(b, t->refs[r].amount);
                    dm_buf_puts(b, "}");
                }
                dm_buf_puts(b, "]");
            }
            dm_buf_puts(b, "}");
        }
        dm_buf_puts(b, "}}");
    }
    return dm_buf_puts(b, "\n]}\n");
}
