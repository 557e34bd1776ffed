#include "analysis/incidents.h"

#include "analysis/spatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dm_incident_locator {
    dm_store *store;
    dm_geo *geo; /* the store's */
    double settlement_within_m, hazard_within_m;
    dm_spatial_set admins, settlements, hazards;
    dm_spatial_index admin_idx, settlement_idx, hazard_idx;
};

bool dm_incident_locator_has_admin(const dm_incident_locator *loc) { return loc->admins.n > 0; }

void dm_incident_locator_free(dm_incident_locator *loc)
{
    if (!loc)
        return;
    dm_spatial_index_free(loc->geo, &loc->admin_idx);
    dm_spatial_index_free(loc->geo, &loc->settlement_idx);
    dm_spatial_index_free(loc->geo, &loc->hazard_idx);
    dm_spatial_set_free(&loc->admins, loc->geo);
    dm_spatial_set_free(&loc->settlements, loc->geo);
    dm_spatial_set_free(&loc->hazards, loc->geo);
    free(loc);
}

dm_status dm_incident_locator_new(dm_store *store, double settlement_within_m,
                                  double hazard_within_m, dm_incident_locator **out, dm_error *err)
{
    *out = NULL;
    dm_incident_locator *loc = calloc(1, sizeof *loc);
    if (!loc)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    loc->store = store;
    loc->geo = dm_store_geo(store);
    loc->settlement_within_m =
        settlement_within_m < 0 ? DM_SETTLEMENT_WITHIN_M : settlement_within_m;
    loc->hazard_within_m = hazard_within_m < 0 ? DM_HAZARD_WITHIN_M : hazard_within_m;
    int level = 0;
    dm_status st = dm_spatial_read_admin(store, true, 0, &loc->admins, &level, err);
    if (!st)
        st = dm_spatial_read(store, &dm_kind_settlements, true, true, &loc->settlements, err);
    if (!st)
        st = dm_spatial_read(store, &dm_kind_hazards, true, true, &loc->hazards, err);
    if (!st)
        st = dm_spatial_index_build(loc->geo, &loc->admins, &loc->admin_idx, err);
    if (!st)
        st = dm_spatial_index_build(loc->geo, &loc->settlements, &loc->settlement_idx, err);
    if (!st)
        st = dm_spatial_index_build(loc->geo, &loc->hazards, &loc->hazard_idx, err);
    /* many points are located against the same polygons */
    if (!st)
        st = dm_spatial_index_prepare(loc->geo, &loc->admin_idx, err);
    if (!st)
        st = dm_spatial_index_prepare(loc->geo, &loc->hazard_idx, err);
    if (st) {
        dm_incident_locator_free(loc);
        return st;
    }
    *out = loc;
    return DM_OK;
}

/* Metres per degree of longitude and latitude at (lon, lat). */
static void metres_per_degree(double lon, double lat, double *kx, double *ky)
{
    const double d = 1e-3;
    *kx = dm_geo_distance_m(lon - d / 2, lat, lon + d / 2, lat) / d;
    *ky = dm_geo_distance_m(lon, lat - d / 2, lon, lat + d / 2) / d;
}

/* Candidates of an index within `m` metres of the point, in set order. */
static dm_status near_candidates(dm_geo *geo, const dm_spatial_index *idx, double lon, double lat,
                                 double m, double kx, double ky, dm_index_hits *hs, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    double dx = m / kx, dy = m / ky;
    GEOSGeometry *box = GEOSGeom_createRectangle_r(h, lon - dx, lat - dy, lon + dx, lat + dy);
    if (!box)
        return dm_error_set(err, DM_EGEOM, "cannot make a search box: %s", dm_geo_last_error(geo));
    GEOSSTRtree_query_r(h, idx->tree, box, dm_index_hits_collect, hs);
    GEOSGeom_destroy_r(h, box);
    if (hs->oom)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_index_hits_sort(hs);
    return DM_OK;
}

typedef struct local_frame {
    double lon0, lat0, kx, ky;
} local_frame;

static int to_local(double *x, double *y, void *ud)
{
    const local_frame *f = ud;
    *x = (*x - f->lon0) * f->kx;
    *y = (*y - f->lat0) * f->ky;
    return 1;
}

static dm_status nearest_settlement(dm_incident_locator *loc, double lon, double lat, double kx,
                                    double ky, char out[DM_CODE_MAX], dm_error *err)
{
    if (!loc->settlements.n || loc->settlement_within_m <= 0)
        return DM_OK;
    dm_index_hits hs = {0};
    dm_status st = near_candidates(loc->geo, &loc->settlement_idx, lon, lat,
                                   loc->settlement_within_m, kx, ky, &hs, err);
    GEOSContextHandle_t h = dm_geo_handle(loc->geo);
    double best = INFINITY;
    for (size_t i = 0; !st && i < hs.n; i++) {
        double x, y;
        if (!GEOSGeomGetX_r(h, loc->settlements.geoms[hs.items[i]], &x) ||
            !GEOSGeomGetY_r(h, loc->settlements.geoms[hs.items[i]], &y))
            continue;
        double d = dm_geo_distance_m(lon, lat, x, y);
        if (d <= loc->settlement_within_m && d < best) {
            best = d;
            snprintf(out, DM_CODE_MAX, "%s", loc->settlements.codes[hs.items[i]]);
        }
    }
    free(hs.items);
    return st;
}

static dm_status nearest_hazard(dm_incident_locator *loc, double lon, double lat, double kx,
                                double ky, char out[DM_CODE_MAX], dm_error *err)
{
    if (!loc->hazards.n)
        return DM_OK;
    int inside = dm_spatial_index_locate(loc->geo, &loc->hazard_idx, lon, lat);
    if (inside >= 0) {
        snprintf(out, DM_CODE_MAX, "%s", loc->hazards.codes[inside]);
        return DM_OK;
    }
    if (loc->hazard_within_m <= 0)
        return DM_OK;
    dm_index_hits hs = {0};
    dm_status st = near_candidates(loc->geo, &loc->hazard_idx, lon, lat, loc->hazard_within_m, kx,
                                   ky, &hs, err);
    GEOSContextHandle_t h = dm_geo_handle(loc->geo);
    local_frame frame = {lon, lat, kx, ky};
    GEOSGeometry *origin = st ? NULL : GEOSGeom_createPointFromXY_r(h, 0, 0);
    if (!st && !origin)
        st = dm_error_set(err, DM_EGEOM, "cannot make a point: %s", dm_geo_last_error(loc->geo));
    double best = INFINITY;
    for (size_t i = 0; !st && i < hs.n; i++) {
        GEOSGeometry *local =
            GEOSGeom_transformXY_r(h, loc->hazards.geoms[hs.items[i]], to_local, &frame);
        double d;
        if (!local || !GEOSDistance_r(h, local, origin, &d)) {
            if (local)
                GEOSGeom_destroy_r(h, local);
            st = dm_error_set(err, DM_EGEOM, "hazard %s: cannot measure a distance: %s",
                              loc->hazards.codes[hs.items[i]], dm_geo_last_error(loc->geo));
            break;
        }
        GEOSGeom_destroy_r(h, local);
        if (d <= loc->hazard_within_m && d < best) {
            best = d;
            snprintf(out, DM_CODE_MAX, "%s", loc->hazards.codes[hs.items[i]]);
        }
    }
    if (origin)
        GEOSGeom_destroy_r(h, origin);
    free(hs.items);
    return st;
}

dm_status dm_incident_locate_admin(dm_incident_locator *loc, double lon, double lat,
                                   char admin_code[DM_CODE_MAX], dm_error *err)
{
    admin_code[0] = 0;
    if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90 || fabs(lon) > 180)
        return dm_error_set(err, DM_EINVAL, "position %g, %g is not a longitude/latitude", lon,
                            lat);
    if (loc->admins.n) {
        int a = dm_spatial_index_locate(loc->geo, &loc->admin_idx, lon, lat);
        if (a >= 0)
            snprintf(admin_code, DM_CODE_MAX, "%s", loc->admins.codes[a]);
    }
    return DM_OK;
}

dm_status dm_incident_locate(dm_incident_locator *loc, double lon, double lat,
                             char admin_code[DM_CODE_MAX], char settlement_code[DM_CODE_MAX],
                             char hazard_code[DM_CODE_MAX], dm_error *err)
{
    settlement_code[0] = hazard_code[0] = 0;
    dm_status st = dm_incident_locate_admin(loc, lon, lat, admin_code, err);
    if (st)
        return st;
    double kx, ky;
    metres_per_degree(lon, lat, &kx, &ky);
    if (!(kx > 0))
        kx = 1; /* at a pole: any box will do */
    st = nearest_settlement(loc, lon, lat, kx, ky, settlement_code, err);
    if (!st)
        st = nearest_hazard(loc, lon, lat, kx, ky, hazard_code, err);
    return st;
}

dm_status dm_incident_complete(dm_incident_locator *loc, dm_record *rec, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(loc->geo);
    double lon, lat;
    if (!rec->geom || GEOSisEmpty_r(h, rec->geom) != 0 || !GEOSGeomGetX_r(h, rec->geom, &lon) ||
        !GEOSGeomGetY_r(h, rec->geom, &lat))
        return DM_OK;
    char codes[3][DM_CODE_MAX];
    dm_status st = dm_incident_locate(loc, lon, lat, codes[0], codes[1], codes[2], err);
    static const char *const fields[] = {"admin_code", "settlement_code", "hazard_code"};
    for (int i = 0; !st && i < 3; i++) {
        const char *have = dm_record_get(rec, fields[i]);
        if ((!have || !*have) && codes[i][0])
            st = dm_record_set(rec, fields[i], codes[i], err);
    }
    return st;
}
