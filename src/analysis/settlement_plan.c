#include "analysis/settlement_plan.h"

#include "analysis/forecast.h"
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- finding the settlement ---- */

static void fill_settlement(dm_geo *geo, const dm_record *rec, dm_sp_settlement *s)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    snprintf(s->code, sizeof s->code, "%s", rec->code);
    const char *name = dm_record_get(rec, "name");
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");
    const char *pop = dm_record_get(rec, "population");
    s->population = pop && *pop ? atoll(pop) : -1;
    s->lon = s->lat = NAN;
    if (!rec->geom)
        return;
    GEOSGeometry *c = GEOSGetCentroid_r(h, rec->geom);
    if (c) {
        GEOSGeomGetX_r(h, c, &s->lon);
        GEOSGeomGetY_r(h, c, &s->lat);
        GEOSGeom_destroy_r(h, c);
    }
}

/* The admin area of a settlement: its admin_code when it has one, named
 * from the admin areas at its point, else the area of the finest level
 * containing its point (on the edge counts). */
static dm_status admin_of(dm_store *store, dm_sp_match *m, dm_error *err)
{
    m->admin[0] = 0;
    if (!isfinite(m->s.lon))
        return DM_OK;
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, m->s.lon, m->s.lat);
    if (!pt)
        return dm_error_set(err, DM_EGEOM, "%s", dm_geo_last_error(geo));
    dm_query q = {.kind = &dm_kind_admin_areas, .with_geometry = true, .keep_damaged = true};
    q.has_bbox = true;
    q.bbox[0] = q.bbox[2] = m->s.lon;
    q.bbox[1] = q.bbox[3] = m->s.lat;
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st) {
        GEOSGeom_destroy_r(h, pt);
        return st;
    }
    bool given = m->admin_code[0] != 0, has;
    long best = -1;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_admin_areas);
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *name = dm_record_get(&rec, "name"), *lv = dm_record_get(&rec, "level");
        long level = lv && *lv ? atol(lv) : 0;
        if (given ? strcmp(rec.code, m->admin_code) != 0
                  : !rec.geom || level <= best || GEOSIntersects_r(h, rec.geom, pt) != 1)
            continue;
        best = level;
        snprintf(m->admin_code, sizeof m->admin_code, "%s", rec.code);
        snprintf(m->admin, sizeof m->admin, "%s", name ? name : "");
        if (given)
            break;
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    GEOSGeom_destroy_r(h, pt);
    return st;
}

/* The settlements `what` names (*by_code: the one whose code it is), and in
 * `starts` up to 10 names that start with it. */
static dm_status scan(dm_store *store, const char *what, dm_sp_match **out, size_t *n,
                      bool *by_code, dm_buf *starts, dm_error *err)
{
    *out = NULL;
    *n = 0;
    *by_code = false;
    dm_query q = {.kind = &dm_kind_settlements, .with_geometry = true, .keep_damaged = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_geo *geo = dm_store_geo(store);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_settlements);
    size_t cap = 0, nstart = 0, wlen = strlen(what);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *name = dm_record_get(&rec, "name");
        bool code = !strcmp(rec.code, what);
        if (code || (name && !strcasecmp(name, what))) {
            if (code) /* the code names one: forget the names */
                *n = 0;
            if (*n == cap) {
                cap = cap ? cap * 2 : 4;
                dm_sp_match *p = realloc(*out, cap * sizeof *p);
                if (!p) {
                    st = dm_error_set(err, DM_ENOMEM, "out of memory");
                    break;
                }
                *out = p;
            }
            dm_sp_match *m = &(*out)[(*n)++];
            memset(m, 0, sizeof *m);
            fill_settlement(geo, &rec, &m->s);
            const char *ac = dm_record_get(&rec, "admin_code");
            snprintf(m->admin_code, sizeof m->admin_code, "%s", ac ? ac : "");
            if (code) {
                *by_code = true;
                break;
            }
        } else if (starts && name && wlen && !strncasecmp(name, what, wlen) && nstart < 10) {
            dm_buf_printf(starts, "%s%s (%s)", nstart ? ", " : "", name, rec.code);
            nstart++;
        }
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    if (st) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

dm_status dm_settlement_matches(dm_store *store, const char *what, dm_sp_match **out, size_t *n,
                                dm_error *err)
{
    bool by_code;
    dm_status st = scan(store, what, out, n, &by_code, NULL, err);
    for (size_t i = 0; i < *n && !st; i++)
        st = admin_of(store, &(*out)[i], err);
    if (st) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

dm_status dm_settlement_find(dm_store *store, const char *what, dm_sp_settlement *out,
                             dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_sp_match *m;
    size_t n;
    bool by_code;
    dm_buf starts, list;
    dm_buf_init(&starts, 0);
    dm_buf_init(&list, 0);
    dm_status st = scan(store, what, &m, &n, &by_code, &starts, err);
    for (size_t i = 0; !st && n > 1 && i < n; i++) {
        st = admin_of(store, &m[i], err);
        if (st)
            break;
        dm_buf_printf(&list, "\n  %s  %s  population ", m[i].s.code, m[i].s.name);
        if (m[i].s.population >= 0)
            dm_buf_printf(&list, "%lld", m[i].s.population);
        else
            dm_buf_puts(&list, "unknown");
        if (m[i].admin[0])
            dm_buf_printf(&list, "  in %s", m[i].admin);
    }
    if (st)
        ;
    else if (n > 1)
        st = dm_error_set(err, DM_EINVAL,
                          "%zu settlements are named '%.100s'; give one by its code:%s", n, what,
                          list.data ? list.data : "");
    else if (n == 0 && starts.len)
        st = dm_error_set(err, DM_ENOTFOUND,
                          "no settlement has the code or name '%.100s'; names that start "
                          "with it: %s",
                          what, starts.data);
    else if (n == 0)
        st = dm_error_set(err, DM_ENOTFOUND, "no settlement has the code or name '%.100s'", what);
    else if (!isfinite(m[0].s.lon))
        st = dm_error_set(err, DM_EINVAL, "settlement %s has no location", m[0].s.code);
    else
        *out = m[0].s;
    free(m);
    dm_buf_free(&starts);
    dm_buf_free(&list);
    return st;
}

/* ---- the plan ---- */

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

typedef struct cand { /* a hazard near the settlement */
    dm_sp_hazard hz;
    GEOSGeometry *g;     /* degrees */
    GEOSGeometry *local; /* metres */
    bool listed;
} cand;

void dm_settlement_plan_free(dm_settlement_plan *p)
{
    free(p->hazards);
    memset(p, 0, sizeof *p);
}

static int by_group_distance(const void *pa, const void *pb)
{
    const dm_sp_hazard *a = pa, *b = pb;
    if (a->via_road != b->via_road)
        return a->via_road ? 1 : -1;
    if (a->distance_m != b->distance_m)
        return a->distance_m < b->distance_m ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* A bounding-box query around the frame's origin, r metres on each side. */
static void box_around(const frame *f, double r, dm_query *q)
{
    double dlat = r / f->ky * 1.02 + 1e-6;
    double lat_far = fmin(89.9, fabs(f->lat0) + dlat);
    double kx_far = f->kx * cos(lat_far * M_PI / 180) / cos(f->lat0 * M_PI / 180);
    double dlon = r / fmax(kx_far, 1) * 1.02 + 1e-6;
    q->has_bbox = true;
    q->bbox[0] = f->lon0 - dlon;
    q->bbox[1] = f->lat0 - dlat;
    q->bbox[2] = f->lon0 + dlon;
    q->bbox[3] = f->lat0 + dlat;
}

/* The remaining area of each listed hazard: hazard − the approved releases
 * that intersect it, read with the listed hazards' box. */
static dm_status remaining(dm_store *store, cand *c, size_t n, dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    dm_query q = {.kind = &dm_kind_releases, .with_geometry = true, .keep_damaged = true};
    q.has_bbox = true;
    q.bbox[0] = q.bbox[1] = INFINITY;
    q.bbox[2] = q.bbox[3] = -INFINITY;
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].listed)
            continue;
        listed++;
        double e[4];
        GEOSGeom_getXMin_r(h, c[i].g, &e[0]);
        GEOSGeom_getYMin_r(h, c[i].g, &e[1]);
        GEOSGeom_getXMax_r(h, c[i].g, &e[2]);
        GEOSGeom_getYMax_r(h, c[i].g, &e[3]);
        q.bbox[0] = fmin(q.bbox[0], e[0]);
        q.bbox[1] = fmin(q.bbox[1], e[1]);
        q.bbox[2] = fmax(q.bbox[2], e[2]);
        q.bbox[3] = fmax(q.bbox[3], e[3]);
        c[i].hz.area_m2 = c[i].hz.remaining_m2 = dm_geo_area_m2(geo, c[i].g);
    }
    if (!listed)
        return DM_OK;
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    GEOSGeometry **rel = NULL;
    size_t nrel = 0, cap = 0;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_releases);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom || GEOSisEmpty_r(h, rec.geom) != 0)
            continue;
        if (nrel == cap) {
            cap = cap ? cap * 2 : 64;
            GEOSGeometry **r = realloc(rel, cap * sizeof *r);
            if (!r) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            rel = r;
        }
        rel[nrel++] = rec.geom;
        rec.geom = NULL;
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    GEOSGeometry **hit = nrel ? malloc(nrel * sizeof *hit) : NULL;
    if (!st && nrel && !hit)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        if (!c[i].listed)
            continue;
        size_t k = 0;
        for (size_t j = 0; j < nrel; j++)
            if (GEOSIntersects_r(h, c[i].g, rel[j]) == 1)
                hit[k++] = GEOSGeom_clone_r(h, rel[j]);
        if (!k)
            continue;
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, hit, (unsigned)k);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        GEOSGeometry *d = u ? GEOSDifference_r(h, c[i].g, u) : NULL;
        if (!d)
            st = dm_error_set(err, DM_EGEOM, "hazard %s: cannot take its releases away: %s",
                              c[i].hz.code, dm_geo_last_error(geo));
        else
            c[i].hz.remaining_m2 = GEOSisEmpty_r(h, d) == 1 ? 0 : dm_geo_area_m2(geo, d);
        if (d)
            GEOSGeom_destroy_r(h, d);
        if (u)
            GEOSGeom_destroy_r(h, u);
        if (coll)
            GEOSGeom_destroy_r(h, coll);
    }
    for (size_t j = 0; j < nrel; j++)
        GEOSGeom_destroy_r(h, rel[j]);
    free(rel);
    free(hit);
    return st;
}

/* The roads (approved infrastructure of type road) that intersect the
 * buffer circle, in the local frame. */
static dm_status roads_into(dm_store *store, const frame *f, const GEOSGeometry *circle,
                            double buffer_m, GEOSGeometry ***out, char (**codes)[DM_CODE_MAX],
                            size_t *n, dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    const dm_field *tf =
        &dm_kind_infrastructure.fields[dm_kind_field_index(&dm_kind_infrastructure, "type")];
    int road = dm_field_value_index(tf, "road");
    dm_query q = {.kind = &dm_kind_infrastructure, .with_geometry = true, .keep_damaged = true};
    box_around(f, buffer_m, &q);
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    size_t cap = 0;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_infrastructure);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom || GEOSisEmpty_r(h, rec.geom) != 0)
            continue;
        if (road < 0 || dm_field_value_index(tf, dm_record_get(&rec, "type")) != road)
            continue;
        GEOSGeometry *loc = GEOSGeom_transformXY_r(h, rec.geom, to_local, (void *)f);
        if (!loc) {
            st = dm_error_set(err, DM_EGEOM, "%s: %s", rec.code, dm_geo_last_error(geo));
            break;
        }
        if (GEOSIntersects_r(h, loc, circle) != 1) {
            GEOSGeom_destroy_r(h, loc);
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            GEOSGeometry **g = realloc(*out, cap * sizeof *g);
            if (g)
                *out = g;
            char(*c)[DM_CODE_MAX] = realloc(*codes, cap * sizeof *c);
            if (c)
                *codes = c;
            if (!g || !c) {
                GEOSGeom_destroy_r(h, loc);
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
        }
        (*out)[*n] = loc;
        snprintf((*codes)[*n], DM_CODE_MAX, "%s", rec.code);
        (*n)++;
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    return st;
}

dm_status dm_settlement_plan_compute(dm_store *store, const dm_sp_settlement *s, double buffer_m,
                                     dm_settlement_plan *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(buffer_m >= 0) || !isfinite(buffer_m))
        return dm_error_set(err, DM_EINVAL, "the buffer must be 0 or more metres");
    out->settlement = *s;
    out->buffer_m = buffer_m;
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    frame f = {.lon0 = s->lon, .lat0 = s->lat};
    const double dd = 1e-3;
    f.kx = dm_geo_distance_m(f.lon0 - dd / 2, f.lat0, f.lon0 + dd / 2, f.lat0) / dd;
    f.ky = dm_geo_distance_m(f.lon0, f.lat0 - dd / 2, f.lon0, f.lat0 + dd / 2) / dd;
    if (!(f.kx > 0))
        f.kx = 1;
    GEOSGeometry *origin = GEOSGeom_createPointFromXY_r(h, 0, 0);
    GEOSGeometry *circle = origin ? GEOSBuffer_r(h, origin, buffer_m, 32) : NULL;
    if (!circle) {
        if (origin)
            GEOSGeom_destroy_r(h, origin);
        return dm_error_set(err, DM_EGEOM, "cannot draw the buffer: %s", dm_geo_last_error(geo));
    }
    GEOSGeometry **roads = NULL;
    char(*road_codes)[DM_CODE_MAX] = NULL;
    size_t nroads = 0;
    dm_status st = roads_into(store, &f, circle, buffer_m, &roads, &road_codes, &nroads, err);
    out->roads = nroads;
    double reach = nroads ? DM_SP_ROAD_REACH * buffer_m : buffer_m;

    cand *c = NULL;
    size_t n = 0, cap = 0;
    dm_cursor *cur = NULL;
    if (!st) {
        dm_query q = {.kind = &dm_kind_hazards, .with_geometry = true, .keep_damaged = true};
        box_around(&f, reach, &q);
        st = dm_store_query(store, &q, &cur, err);
    }
    dm_record rec;
    dm_record_init(&rec, &dm_kind_hazards);
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *lc = dm_record_get(&rec, "lifecycle");
        if ((lc && strcmp(lc, "open")) || !rec.geom || GEOSisEmpty_r(h, rec.geom) != 0)
            continue;
        GEOSGeometry *loc = GEOSGeom_transformXY_r(h, rec.geom, to_local, &f);
        double d;
        if (!loc || !GEOSDistance_r(h, loc, origin, &d)) {
            if (loc)
                GEOSGeom_destroy_r(h, loc);
            st = dm_error_set(err, DM_EGEOM, "hazard %s: cannot measure a distance: %s", rec.code,
                              dm_geo_last_error(geo));
            break;
        }
        if (d > reach) {
            GEOSGeom_destroy_r(h, loc);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            cand *p = realloc(c, cap * sizeof *p);
            if (!p) {
                GEOSGeom_destroy_r(h, loc);
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            c = p;
        }
        cand *k = &c[n++];
        memset(k, 0, sizeof *k);
        snprintf(k->hz.code, sizeof k->hz.code, "%s", rec.code);
        const char *status = dm_record_get(&rec, "status");
        snprintf(k->hz.status, sizeof k->hz.status, "%s", status ? status : "");
        k->hz.distance_m = d;
        k->g = rec.geom;
        rec.geom = NULL;
        k->local = loc;
        if (d <= buffer_m) {
            k->listed = true;
            continue;
        }
        for (size_t r = 0; r < nroads; r++) {
            double dr;
            if (!GEOSDistance_r(h, loc, roads[r], &dr)) {
                st = dm_error_set(err, DM_EGEOM, "hazard %s: %s", rec.code, dm_geo_last_error(geo));
                break;
            }
            if (dr <= DM_SP_ROAD_DISTANCE_M && (!k->listed || dr < k->hz.road_distance_m)) {
                k->listed = k->hz.via_road = true;
                k->hz.road_distance_m = dr;
                snprintf(k->hz.road, sizeof k->hz.road, "%s", road_codes[r]);
            }
        }
    }
    dm_record_clear(&rec, geo);
    if (cur)
        dm_cursor_close(cur);
    if (!st)
        st = remaining(store, c, n, err);
    size_t listed = 0;
    for (size_t i = 0; i < n; i++)
        listed += c[i].listed;
    if (!st && listed) {
        out->hazards = malloc(listed * sizeof *out->hazards);
        if (!out->hazards)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && !st; i++)
        if (c[i].listed) {
            out->hazards[out->n++] = c[i].hz;
            out->total_remaining_m2 += c[i].hz.remaining_m2;
            if (c[i].hz.via_road)
                out->road_remaining_m2 += c[i].hz.remaining_m2;
            else
                out->buffer_remaining_m2 += c[i].hz.remaining_m2;
        }
    if (out->n)
        qsort(out->hazards, out->n, sizeof *out->hazards, by_group_distance);
    for (size_t i = 0; i < n; i++) {
        GEOSGeom_destroy_r(h, c[i].g);
        GEOSGeom_destroy_r(h, c[i].local);
    }
    free(c);
    for (size_t r = 0; r < nroads; r++)
        GEOSGeom_destroy_r(h, roads[r]);
    free(roads);
    free(road_codes);
    GEOSGeom_destroy_r(h, circle);
    GEOSGeom_destroy_r(h, origin);
    if (st)
        dm_settlement_plan_free(out);
    return st;
}

/* ---- the plan and its forecast ---- */

dm_status dm_sp_forecast_compute(dm_store *store, const char *what, double buffer_m,
                                 const dm_fa_request *rq, dm_sp_forecast *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->rq = *rq;
    dm_sp_settlement s;
    dm_status st = dm_settlement_find(store, what, &s, err);
    if (!st)
        st = dm_settlement_plan_compute(store, &s, buffer_m, &out->plan, err);
    if (st)
        return st;
    st = dm_fa_basis_compute(store, rq, &out->basis, err);
    if (st) {
        dm_settlement_plan_free(&out->plan);
        return st;
    }
    dm_fa_outlook_of(&out->basis.model, rq->from, out->plan.total_remaining_m2, &out->outlook);
    return DM_OK;
}

void dm_sp_forecast_free(dm_sp_forecast *f)
{
    dm_fa_basis_free(&f->basis);
    dm_settlement_plan_free(&f->plan);
    memset(f, 0, sizeof *f);
}

dm_status dm_sp_settlement_json(dm_buf *b, const dm_sp_settlement *s, const char *admin_code,
                                const char *admin)
{
    dm_buf_puts(b, "{\"code\":");
    dm_buf_json_string(b, s->code);
    dm_buf_puts(b, ",\"name\":");
    dm_buf_json_string(b, s->name);
    if (s->population >= 0)
        dm_buf_printf(b, ",\"population\":%lld", s->population);
    else
        dm_buf_puts(b, ",\"population\":null");
    dm_buf_printf(b, ",\"lon\":%.7f,\"lat\":%.7f", s->lon, s->lat);
    if (admin_code) {
        dm_buf_puts(b, ",\"admin_code\":");
        dm_buf_json_string_or_null(b, admin_code);
        dm_buf_puts(b, ",\"admin\":");
        dm_buf_json_string_or_null(b, admin);
    }
    return dm_buf_puts(b, "}");
}

static const char *const mix_names[3] = {"cancelled", "reduced", "cleared"};

dm_status dm_settlement_plan_json(const dm_sp_forecast *f, const char *database, dm_buf *b)
{
    const dm_settlement_plan *p = &f->plan;
    const dm_sp_settlement *s = &p->settlement;
    const dm_fa_model *m = &f->basis.model;
    const dm_fa_teams *teams = &f->rq.teams;
    dm_buf_puts(b, "{");
    if (database) {
        dm_buf_puts(b, "\"database\":");
        dm_buf_json_string(b, database);
        dm_buf_puts(b, ",");
    }
    dm_buf_puts(b, "\"settlement\":");
    dm_sp_settlement_json(b, s, NULL, NULL);
    dm_buf_puts(b, ",\"buffer_m\":");
    dm_buf_json_number(b, p->buffer_m);
    dm_buf_printf(b, ",\"roads_into_buffer\":%zu,\"hazards\":[", p->roads);
    for (size_t i = 0; i < p->n; i++) {
        const dm_sp_hazard *z = &p->hazards[i];
        dm_buf_printf(b, "%s{\"code\":", i ? "," : "");
        dm_buf_json_string(b, z->code);
        dm_buf_puts(b, ",\"status\":");
        dm_buf_json_string(b, z->status);
        dm_buf_printf(b, ",\"reason\":\"%s\",\"distance_m\":", z->via_road ? "road" : "buffer");
        dm_buf_json_number(b, z->distance_m);
        if (z->via_road) {
            dm_buf_puts(b, ",\"road\":");
            dm_buf_json_string(b, z->road);
            dm_buf_puts(b, ",\"road_distance_m\":");
            dm_buf_json_number(b, z->road_distance_m);
        }
        dm_buf_puts(b, ",\"area_m2\":");
        dm_buf_json_number(b, z->area_m2);
        dm_buf_puts(b, ",\"remaining_area_m2\":");
        dm_buf_json_number(b, z->remaining_m2);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "],\"remaining_area_m2\":{\"total\":");
    dm_buf_json_number(b, p->total_remaining_m2);
    dm_buf_puts(b, ",\"buffer\":");
    dm_buf_json_number(b, p->buffer_remaining_m2);
    dm_buf_puts(b, ",\"road\":");
    dm_buf_json_number(b, p->road_remaining_m2);
    char fromd[11];
    dm_fc_day_format(f->rq.from, fromd);
    dm_buf_printf(b, "},\"forecast\":{\"from\":\"%s\",\"runs\":%d,\"seed\":%llu,\"teams\":{", fromd,
                  f->rq.runs, (unsigned long long)f->rq.seed);
    for (int a = 0; a < DM_FA_NASSETS; a++)
        dm_buf_printf(b, "%s\"%s\":%d", a ? "," : "", dm_fa_asset_names[a], teams->n[a]);
    dm_buf_printf(b, "},\"release_mix_source\":\"%s\",\"release_mix_m2\":{",
                  m->mix_source == DM_FA_SRC_DATABASE ? "database" : "default");
    double area = p->total_remaining_m2;
    for (int i = 0; i < 3; i++) {
        dm_buf_printf(b, "%s\"%s\":{\"share\":", i ? "," : "", mix_names[i]);
        dm_buf_json_number(b, m->mix[i]);
        dm_fa_q q = {area * m->mix_q[i][0], area * m->mix_q[i][1], area * m->mix_q[i][2]};
        dm_fa_q_json(b, "m2", &q);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "}");
    /* team-days: calendar days times the teams working side by side */
    const dm_fa_q *days = &f->outlook.days;
    int nteams = teams->n[0] + teams->n[1] + teams->n[2];
    dm_fa_q team_days = {days->p10 * nteams, days->p50 * nteams, days->p90 * nteams};
    dm_fa_q_json(b, "days", days);
    dm_fa_q_json(b, "team_days", &team_days);
    dm_fa_done_json(b, &f->outlook);
    dm_fa_assumptions_json(b, m);
    return dm_buf_puts(b, "}}\n");
}
