/* Minefield records in and out of the store (minefield_import.h). */
#include "io/minefield_import.h"

#include "core/buf.h"
#include "io/gdal_util.h"

#include <ctype.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* True when id is a code of the kind: "MR-" and digits, fitting a code. */
static bool is_kind_code(const char *id)
{
    const char *prefix = dm_kind_minefield_records.prefix;
    size_t n = strlen(prefix);
    if (strncmp(id, prefix, n) || id[n] != '-' || !id[n + 1] || strlen(id) >= DM_CODE_MAX)
        return false;
    for (const char *p = id + n + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Reads a whole text file (at most DM_MF_MAX_INPUT bytes) into b. */
static dm_status read_text(const char *path, dm_buf *b, dm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", path, strerror(errno));
    dm_buf_init(b, (size_t)DM_MF_MAX_INPUT + 1);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !b->status)
        dm_buf_append(b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        dm_buf_free(b);
        return dm_error_set(err, DM_EIO, "cannot read %s", path);
    }
    if (b->status) {
        dm_buf_free(b);
        return dm_error_set(err, DM_EINVAL, "%s: the record is larger than %u MiB", path,
                            DM_MF_MAX_INPUT >> 20);
    }
    if (!b->data)
        dm_buf_puts(b, "");
    return b->status ? dm_error_set(err, DM_ENOMEM, "out of memory") : DM_OK;
}

/* The lon/lat footprint of rec with margin_m, made with geo's handle. */
static dm_status footprint(dm_geo *geo, const dm_mf_record *rec, double margin_m,
                           GEOSGeometry **out, dm_error *err)
{
    dm_mf_layout lay;
    dm_status st = dm_mf_layout_compute(rec, &lay, err);
    if (st)
        return st;
    st = dm_mf_footprint(geo, rec, &lay, margin_m, out, err);
    dm_mf_layout_free(&lay);
    return st;
}

/* The approved or submitted hazard overlapping fp most (geodesic m²). */
static dm_status link_hazard(dm_store *store, const GEOSGeometry *fp, char code[DM_CODE_MAX],
                             dm_error *err)
{
    code[0] = '\0';
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    double minx, miny, maxx, maxy;
    if (!GEOSGeom_getXMin_r(h, fp, &minx) || !GEOSGeom_getYMin_r(h, fp, &miny) ||
        !GEOSGeom_getXMax_r(h, fp, &maxx) || !GEOSGeom_getYMax_r(h, fp, &maxy))
        return dm_error_set(err, DM_EGEOM, "the record's footprint has no extent");
    dm_query q = {.kind = &dm_kind_hazards,
                  .include_drafts = true,
                  .with_geometry = true,
                  .keep_damaged = true,
                  .has_bbox = true,
                  .bbox = {minx, miny, maxx, maxy}};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_hazards);
    double best = 0;
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom || (strcmp(rec.state, "approved") && strcmp(rec.state, "submitted")))
            continue;
        GEOSGeometry *x = GEOSIntersection_r(h, rec.geom, fp);
        if (!x) {
            /* an invalid stored polygon: its repaired form */
            GEOSGeometry *v = dm_geo_make_valid_polygonal(geo, rec.geom);
            if (v) {
                x = GEOSIntersection_r(h, v, fp);
                GEOSGeom_destroy_r(h, v);
            }
        }
        double a = x ? dm_geo_area_m2(geo, x) : 0;
        if (x)
            GEOSGeom_destroy_r(h, x);
        if (a > best) {
            best = a;
            snprintf(code, DM_CODE_MAX, "%s", rec.code);
        }
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    return st;
}

typedef struct warn_ctx {
    const dm_import_opts *o;
    const char *name;
} warn_ctx;

/* a field accepted but not applied as written (dm_mf_record_warnings) */
static void record_warning(const char *msg, void *ctx)
{
    const warn_ctx *w = ctx;
    char full[DM_ERROR_MSG_MAX + 300];
    snprintf(full, sizeof full, "%s: %s", w->name, msg);
    w->o->warn(full, w->o->ctx);
}

dm_status dm_mf_import(dm_store *store, const dm_import_opts *o, dm_import_result *res,
                       dm_error *err)
{
    memset(res, 0, sizeof *res);
    if (o->nmap)
        return dm_error_set(err, DM_EINVAL,
                            "--map %s: a minefield record file has no columns to map", o->map[0]);
    const char *set_hazard = NULL;
    for (size_t i = 0; i < o->nset; i++) {
        if (strncmp(o->set[i], "hazard_code=", 12))
            return dm_error_set(err, DM_EINVAL,
                                "--set %s: minefield records take only --set hazard_code=CODE; "
                                "the rest comes from the record",
                                o->set[i]);
        set_hazard = o->set[i] + 12;
    }
    dm_buf text;
    dm_status st = read_text(o->path, &text, err);
    if (st)
        return st;
    dm_mf_record mf;
    st = dm_mf_record_parse(text.data, text.len, &mf, err);
    if (st) {
        dm_error_prefix(err, "%s", o->path);
        dm_buf_free(&text);
        return st;
    }
    res->rows = 1;
    if (o->warn) {
        warn_ctx wc = {o, base_name(o->path)};
        dm_mf_record_warnings(&mf, record_warning, &wc);
    }
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_minefield_records);
    snprintf(rec.state, sizeof rec.state, "%s", o->state ? o->state : "approved");
    if (is_kind_code(mf.id))
        snprintf(rec.code, sizeof rec.code, "%s", mf.id);
    char hazard[DM_CODE_MAX] = "";
    GEOSGeometry *fp = NULL;
    st = footprint(geo, &mf, DM_MF_DEFAULT_MARGIN_M, &fp, err);
    if (!st && mf.laid[0])
        st = dm_record_set(&rec, "laid", mf.laid, err);
    if (!st)
        st = dm_record_set(&rec, "record_json", text.data, err);
    if (!st) {
        rec.geom = GEOSGeom_createPointFromXY_r(h, mf.ref_lon, mf.ref_lat);
        rec.origin = strdup(base_name(o->path));
        if (!rec.geom || !rec.origin)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    if (!st)
        st = dm_store_begin(store, err);
    bool in_tx = st == DM_OK;
    if (!st && set_hazard && *set_hazard) {
        dm_record hz;
        dm_record_init(&hz, &dm_kind_hazards);
        st = dm_store_get(store, &dm_kind_hazards, set_hazard, &hz, err);
        if (st == DM_ENOTFOUND)
            st = dm_error_set(err, DM_EINVAL, "--set hazard_code=%s: no such hazardous area",
                              set_hazard);
        dm_record_clear(&hz, geo);
        snprintf(hazard, sizeof hazard, "%s", set_hazard);
    } else if (!st) {
        st = link_hazard(store, fp, hazard, err);
        if (!st && !hazard[0] && o->warn) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "%s: no hazardous area (approved or submitted) overlaps the record's "
                     "footprint; hazard_code left empty",
                     base_name(o->path));
            o->warn(msg, o->ctx);
        }
    }
    if (!st && hazard[0])
        st = dm_record_set(&rec, "hazard_code", hazard, err);
    if (!st) {
        st = dm_store_insert(store, &rec, o->who, err);
        if (st == DM_ECONFLICT)
            dm_error_set(err, DM_ECONFLICT,
                         "%s: a minefield record %s is already in the database; give the "
                         "record another id (or none, to have one assigned)",
                         o->path, rec.code);
    }
    if (!st)
        st = dm_store_commit(store, err);
    else if (in_tx)
        dm_store_rollback(store);
    if (!st)
        res->imported = 1;
    if (fp)
        GEOSGeom_destroy_r(h, fp);
    dm_record_clear(&rec, geo);
    dm_mf_record_free(&mf);
    dm_buf_free(&text);
    return st;
}

dm_status dm_mf_stored_record(dm_store *store, const char *code, dm_mf_record *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_minefield_records);
    dm_status st = dm_store_get(store, &dm_kind_minefield_records, code, &rec, err);
    if (st == DM_ENOTFOUND)
        st = dm_error_set(err, DM_ENOTFOUND, "no minefield record %s in the database", code);
    if (!st) {
        const char *json = dm_record_get(&rec, "record_json");
        if (!json || !*json)
            st = dm_error_set(err, DM_EINVAL, "minefield record %s has no record_json", code);
        else if ((st = dm_mf_record_parse(json, strlen(json), out, err)))
            dm_error_prefix(err, "minefield record %s", code);
    }
    dm_record_clear(&rec, dm_store_geo(store));
    return st;
}

/* A growing list of lon/lat pairs. */
typedef struct points {
    double *xy;
    dm_mf_found_attr *attr;
    size_t n, cap;
} points;

static bool points_add(points *p, double x, double y, const char *category, const char *model)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        double *xy = realloc(p->xy, 2 * cap * sizeof *xy);
        if (!xy)
            return false;
        p->xy = xy;
        dm_mf_found_attr *at = realloc(p->attr, cap * sizeof *at);
        if (!at)
            return false;
        p->attr = at;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    snprintf(p->attr[p->n].category, sizeof p->attr[p->n].category, "%s", category ? category : "");
    snprintf(p->attr[p->n].model, sizeof p->attr[p->n].model, "%s", model ? model : "");
    p->n++;
    return true;
}

/* The approved records of a kind whose box meets rec's footprint
 * (DM_MF_DEFAULT_MARGIN_M) buffered by within_m metres: the buffered
 * footprint, prepared (pa: test each record against it), and a cursor over
 * the candidates. near_close() frees it all. */
typedef struct near_scan {
    GEOSGeometry *area;
    const GEOSPreparedGeometry *pa;
    dm_cursor *cur;
} near_scan;

static void near_close(dm_geo *geo, near_scan *ns)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (ns->cur)
        dm_cursor_close(ns->cur);
    if (ns->pa)
        GEOSPreparedGeom_destroy_r(h, ns->pa);
    if (ns->area)
        GEOSGeom_destroy_r(h, ns->area);
    memset(ns, 0, sizeof *ns);
}

static dm_status near_open(dm_store *store, const dm_mf_record *rec, double within_m,
                           const dm_kind *kind, near_scan *ns, dm_error *err)
{
    memset(ns, 0, sizeof *ns);
    if (!(within_m >= 0) || !isfinite(within_m))
        return dm_error_set(err, DM_EINVAL, "the search distance must be 0 or more metres");
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    /* the footprint with margin + within in one buffer: the same shape */
    dm_status st = footprint(geo, rec, DM_MF_DEFAULT_MARGIN_M + within_m, &ns->area, err);
    if (st)
        return st;
    double minx, miny, maxx, maxy;
    GEOSGeom_getXMin_r(h, ns->area, &minx);
    GEOSGeom_getYMin_r(h, ns->area, &miny);
    GEOSGeom_getXMax_r(h, ns->area, &maxx);
    GEOSGeom_getYMax_r(h, ns->area, &maxy);
    ns->pa = GEOSPrepare_r(h, ns->area);
    dm_query q = {.kind = kind,
                  .include_drafts = false,
                  .with_geometry = true,
                  .keep_damaged = true,
                  .has_bbox = true,
                  .bbox = {minx, miny, maxx, maxy}};
    if (!ns->pa)
        st = dm_error_set(err, DM_EGEOM, "%s", dm_geo_last_error(geo));
    else
        st = dm_store_query(store, &q, &ns->cur, err);
    if (st)
        near_close(geo, ns);
    return st;
}

dm_status dm_mf_found_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                             double **lonlat, dm_mf_found_attr **attr, size_t *n, dm_error *err)
{
    *lonlat = NULL;
    if (attr)
        *attr = NULL;
    *n = 0;
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    near_scan ns;
    dm_status st = near_open(store, rec, within_m, &dm_kind_eo_items, &ns, err);
    if (st)
        return st;
    const GEOSPreparedGeometry *pa = ns.pa;
    points p = {0};
    dm_record r;
    dm_record_init(&r, &dm_kind_eo_items);
    bool has = false;
    while (!st && !(st = dm_cursor_next(ns.cur, &r, &has, err)) && has) {
        const char *cat = dm_record_get(&r, "category");
        if (!r.geom)
            continue;
        if (GEOSGeomTypeId_r(h, r.geom) != GEOS_POINT || GEOSisEmpty_r(h, r.geom))
            continue;
        if (GEOSPreparedIntersects_r(h, pa, r.geom) != 1)
            continue;
        double x, y;
        if (!GEOSGeomGetX_r(h, r.geom, &x) || !GEOSGeomGetY_r(h, r.geom, &y))
            continue;
        if (!points_add(&p, x, y, cat, dm_record_get(&r, "model")))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    dm_record_clear(&r, geo);
    near_close(geo, &ns);
    if (st) {
        free(p.xy);
        free(p.attr);
        return st;
    }
    *lonlat = p.xy;
    if (attr)
        *attr = p.attr;
    else
        free(p.attr);
    *n = p.n;
    return DM_OK;
}

/* The conversion of the layer's coordinates to WGS 84 lon/lat (NULL when
 * they are that already or the layer says nothing). */
static dm_status make_transform(OGRLayerH layer, OGRCoordinateTransformationH *ct, dm_error *err)
{
    *ct = NULL;
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
    if (!src)
        return DM_OK;
    const char *auth = OSRGetAuthorityName(src, NULL), *code = OSRGetAuthorityCode(src, NULL);
    if (auth && code &&
        ((!strcmp(auth, "EPSG") && !strcmp(code, "4326")) ||
         (!strcmp(auth, "OGC") && !strcmp(code, "CRS84"))))
        return DM_OK;
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs84, 4326);
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    dm_status st = DM_OK;
    if (!OSRIsSame(src, wgs84)) {
        OGRSpatialReferenceH s2 = OSRClone(src);
        OSRSetAxisMappingStrategy(s2, OAMS_TRADITIONAL_GIS_ORDER);
        dm_gdal_capture_push();
        *ct = OCTNewCoordinateTransformation(s2, wgs84);
        dm_gdal_capture_pop();
        OSRDestroySpatialReference(s2);
        if (!*ct)
            st = dm_error_set(err, DM_EINVAL,
                              "the file's coordinate system cannot be converted to WGS 84: %s",
                              dm_gdal_last_error());
    }
    OSRDestroySpatialReference(wgs84);
    return st;
}

/* Opens a vector file and its layer (layer_name NULL: the first), or an
 * error naming the file; *ds is the caller's to GDALClose(). */
static dm_status open_layer(const char *path, const char *layer_name, GDALDatasetH *ds,
                            OGRLayerH *layer, dm_error *err)
{
    *ds = NULL;
    *layer = NULL;
    if (access(path, R_OK) != 0)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", path, strerror(errno));
    dm_gdal_init();
    dm_gdal_capture_push();
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    dm_gdal_capture_pop();
    if (!*ds)
        return dm_error_set(err, DM_EFORMAT, "%s could not be read as geodata%s%s", path,
                            *dm_gdal_last_error() ? ": " : "", dm_gdal_last_error());
    *layer = layer_name ? GDALDatasetGetLayerByName(*ds, layer_name)
                        : (GDALDatasetGetLayerCount(*ds) ? GDALDatasetGetLayer(*ds, 0) : NULL);
    if (!*layer) {
        GDALClose(*ds);
        *ds = NULL;
        return layer_name
                   ? dm_error_set(err, DM_ENOTFOUND, "%s has no layer '%s'", path, layer_name)
                   : dm_error_set(err, DM_EFORMAT, "%s has no layers", path);
    }
    return DM_OK;
}

dm_status dm_mf_found_read(const char *path, const char *layer_name, double **lonlat,
                           dm_mf_found_attr **attr, size_t *n, dm_error *err)
{
    *lonlat = NULL;
    if (attr)
        *attr = NULL;
    *n = 0;
    GDALDatasetH ds;
    OGRLayerH layer;
    dm_status opened = open_layer(path, layer_name, &ds, &layer, err);
    if (opened)
        return opened;
    OGRCoordinateTransformationH ct = NULL;
    dm_status st = make_transform(layer, &ct, err);
    points p = {0};
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int fcat = -1, fmodel = -1;
    for (int k = 0; defn && k < OGR_FD_GetFieldCount(defn); k++) {
        const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k));
        if (name && !strcasecmp(name, "category") && fcat < 0)
            fcat = k;
        else if (name && !strcasecmp(name, "model") && fmodel < 0)
            fmodel = k;
    }
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    int64_t row = 0;
    while (!st && (f = OGR_L_GetNextFeature(layer))) {
        row++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (!g || OGR_G_IsEmpty(g)) {
            st = dm_error_set(err, DM_EINVAL,
                              "%s: feature %lld has no geometry; found mines are "
                              "points",
                              path, (long long)row);
        } else if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint) {
            st = dm_error_set(err, DM_EINVAL, "%s: feature %lld is a %s, not a point", path,
                              (long long)row, OGR_G_GetGeometryName(g));
        } else {
            double x = OGR_G_GetX(g, 0), y = OGR_G_GetY(g, 0), z = 0;
            if (ct && !OCTTransform(ct, 1, &x, &y, &z))
                st = dm_error_set(err, DM_EINVAL, "%s: feature %lld cannot be converted to WGS 84",
                                  path, (long long)row);
            else if (!isfinite(x) || !isfinite(y) || x < -180 || x > 180 || y < -90 || y > 90)
                st = dm_error_set(err, DM_EINVAL,
                                  "%s: feature %lld: %g, %g is not a longitude and latitude", path,
                                  (long long)row, x, y);
            else if (!points_add(&p, x, y,
                                 fcat >= 0 && OGR_F_IsFieldSetAndNotNull(f, fcat)
                                     ? OGR_F_GetFieldAsString(f, fcat)
                                     : NULL,
                                 fmodel >= 0 && OGR_F_IsFieldSetAndNotNull(f, fmodel)
                                     ? OGR_F_GetFieldAsString(f, fmodel)
                                     : NULL))
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
        }
        OGR_F_Destroy(f);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    GDALClose(ds);
    if (st) {
        free(p.xy);
        free(p.attr);
        return st;
    }
    *lonlat = p.xy;
    if (attr)
        *attr = p.attr;
    else
        free(p.attr);
    *n = p.n;
    return DM_OK;
}

/* ---- cleared ground ---- */

void dm_mf_rings_free(dm_mf_rings *r)
{
    free(r->xy);
    free(r->ring_end);
    memset(r, 0, sizeof *r);
}

static bool rings_vertex(dm_mf_rings *r, size_t *cap, double x, double y)
{
    if (r->n_vertices == *cap) {
        size_t c = *cap ? 2 * *cap : 256;
        double *xy = realloc(r->xy, 2 * c * sizeof *xy);
        if (!xy)
            return false;
        r->xy = xy;
        *cap = c;
    }
    r->xy[2 * r->n_vertices] = x;
    r->xy[2 * r->n_vertices + 1] = y;
    r->n_vertices++;
    return true;
}

static bool rings_close(dm_mf_rings *r, size_t *rcap, size_t first)
{
    if (r->n_vertices - first < 3) { /* degenerate: dropped */
        r->n_vertices = first;
        return true;
    }
    if (r->n_rings == *rcap) {
        size_t c = *rcap ? 2 * *rcap : 16;
        size_t *e = realloc(r->ring_end, c * sizeof *e);
        if (!e)
            return false;
        r->ring_end = e;
        *rcap = c;
    }
    r->ring_end[r->n_rings++] = r->n_vertices;
    return true;
}

dm_status dm_mf_cleared_read(const char *path, const char *layer_name, dm_mf_rings *out,
                             dm_error *err)
{
    memset(out, 0, sizeof *out);
    GDALDatasetH ds;
    OGRLayerH layer;
    dm_status opened = open_layer(path, layer_name, &ds, &layer, err);
    if (opened)
        return opened;
    OGRCoordinateTransformationH ct = NULL;
    dm_status st = make_transform(layer, &ct, err);
    size_t vcap = 0, rcap = 0;
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    int64_t row = 0;
    while (!st && (f = OGR_L_GetNextFeature(layer))) {
        row++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType gt = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
        if (!g || OGR_G_IsEmpty(g)) {
            st = dm_error_set(err, DM_EINVAL,
                              "%s: feature %lld has no geometry; cleared ground is polygons", path,
                              (long long)row);
        } else if (gt != wkbPolygon && gt != wkbMultiPolygon) {
            st = dm_error_set(err, DM_EINVAL, "%s: feature %lld is a %s, not a polygon", path,
                              (long long)row, OGR_G_GetGeometryName(g));
        } else {
            int np = gt == wkbPolygon ? 1 : OGR_G_GetGeometryCount(g);
            for (int k = 0; k < np && !st; k++) {
                OGRGeometryH poly = gt == wkbPolygon ? g : OGR_G_GetGeometryRef(g, k);
                for (int q = 0; poly && q < OGR_G_GetGeometryCount(poly) && !st; q++) {
                    OGRGeometryH ring = OGR_G_GetGeometryRef(poly, q);
                    int nv = ring ? OGR_G_GetPointCount(ring) : 0;
                    size_t first = out->n_vertices;
                    for (int v = 0; v < nv && !st; v++) {
                        double x = OGR_G_GetX(ring, v), y = OGR_G_GetY(ring, v), z = 0;
                        if (ct && !OCTTransform(ct, 1, &x, &y, &z))
                            st = dm_error_set(err, DM_EINVAL,
                                              "%s: feature %lld cannot be converted to WGS 84",
                                              path, (long long)row);
                        else if (!isfinite(x) || !isfinite(y) || x < -180 || x > 180 || y < -90 ||
                                 y > 90)
                            st = dm_error_set(err, DM_EINVAL,
                                              "%s: feature %lld: %g, %g is not a longitude and "
                                              "latitude",
                                              path, (long long)row, x, y);
                        else if (!rings_vertex(out, &vcap, x, y))
                            st = dm_error_set(err, DM_ENOMEM, "out of memory");
                    }
                    if (!st && !rings_close(out, &rcap, first))
                        st = dm_error_set(err, DM_ENOMEM, "out of memory");
                }
            }
        }
        OGR_F_Destroy(f);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    GDALClose(ds);
    if (!st && out->n_rings == 0)
        st = dm_error_set(err, DM_EINVAL, "%s has no polygons: cleared ground is polygons", path);
    if (st)
        dm_mf_rings_free(out);
    return st;
}

static bool rings_add_geos(GEOSContextHandle_t h, const GEOSGeometry *g, dm_mf_rings *out,
                           size_t *vcap, size_t *rcap)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        for (int k = 0; k < GEOSGetNumGeometries_r(h, g); k++)
            if (!rings_add_geos(h, GEOSGetGeometryN_r(h, g, k), out, vcap, rcap))
                return false;
        return true;
    }
    if (type != GEOS_POLYGON)
        return true;
    int nin = GEOSGetNumInteriorRings_r(h, g);
    for (int q = -1; q < nin; q++) {
        const GEOSGeometry *ring =
            q < 0 ? GEOSGetExteriorRing_r(h, g) : GEOSGetInteriorRingN_r(h, g, q);
        const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
        unsigned int nv = 0;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &nv))
            continue;
        size_t first = out->n_vertices;
        for (unsigned int v = 0; v < nv; v++) {
            double x, y;
            if (!GEOSCoordSeq_getX_r(h, cs, v, &x) || !GEOSCoordSeq_getY_r(h, cs, v, &y))
                continue;
            if (!rings_vertex(out, vcap, x, y))
                return false;
        }
        if (!rings_close(out, rcap, first))
            return false;
    }
    return true;
}

dm_status dm_mf_cleared_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                               dm_mf_rings *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    near_scan ns;
    dm_status st = near_open(store, rec, within_m, &dm_kind_releases, &ns, err);
    if (st)
        return st;
    const GEOSPreparedGeometry *pa = ns.pa;
    dm_record r;
    dm_record_init(&r, &dm_kind_releases);
    bool has = false;
    size_t vcap = 0, rcap = 0;
    while (!st && !(st = dm_cursor_next(ns.cur, &r, &has, err)) && has) {
        if (!r.geom || GEOSisEmpty_r(h, r.geom) || GEOSPreparedIntersects_r(h, pa, r.geom) != 1)
            continue;
        if (!rings_add_geos(h, r.geom, out, &vcap, &rcap))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    dm_record_clear(&r, geo);
    near_close(geo, &ns);
    if (st)
        dm_mf_rings_free(out);
    return st;
}

dm_status dm_mf_predict_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                               dm_mf_frame *frame, dm_mf_prediction_set *set, size_t *n_found,
                               dm_error *err)
{
    memset(set, 0, sizeof *set);
    *n_found = 0;
    dm_mf_frame_init(frame, rec->ref_lon, rec->ref_lat);
    double *lonlat = NULL, *xy = NULL;
    dm_mf_found_attr *attr = NULL;
    dm_mf_found_info *info = NULL;
    dm_mf_rings rings = {0};
    size_t n = 0;
    dm_status st = dm_mf_found_stored(store, rec, within_m, &lonlat, &attr, &n, err);
    if (!st)
        st = dm_mf_cleared_stored(store, rec, within_m, &rings, err);
    if (!st) {
        xy = malloc((n ? n : 1) * 2 * sizeof *xy);
        info = malloc((n ? n : 1) * sizeof *info);
        if (!xy || !info)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !st && i < n; i++) {
        dm_mf_frame_to_local(frame, lonlat[2 * i], lonlat[2 * i + 1], &xy[2 * i], &xy[2 * i + 1]);
        info[i] = (dm_mf_found_info){attr ? attr[i].category : "", attr ? attr[i].model : ""};
    }
    for (size_t v = 0; !st && v < rings.n_vertices; v++) {
        double x, y;
        dm_mf_frame_to_local(frame, rings.xy[2 * v], rings.xy[2 * v + 1], &x, &y);
        rings.xy[2 * v] = x;
        rings.xy[2 * v + 1] = y;
    }
    dm_mf_predict_opts o = {.found = info,
                            .cleared_xy = rings.xy,
                            .cleared_ring_end = rings.ring_end,
                            .n_cleared_rings = rings.n_rings};
    if (!st)
        st = dm_mf_predict_ex(rec, xy, n, &o, set, err);
    if (!st)
        *n_found = n;
    free(lonlat);
    free(attr);
    free(xy);
    free(info);
    dm_mf_rings_free(&rings);
    return st;
}
