/* Checks and repairs applied to every geometry on its way into the store. */
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_label(int geos_type)
{
    switch (geos_type) {
    case GEOS_POINT: return "Point";
    case GEOS_LINESTRING: return "LineString";
    case GEOS_LINEARRING: return "LinearRing";
    case GEOS_POLYGON: return "Polygon";
    case GEOS_MULTIPOINT: return "MultiPoint";
    case GEOS_MULTILINESTRING: return "MultiLineString";
    case GEOS_MULTIPOLYGON: return "MultiPolygon";
    case GEOS_GEOMETRYCOLLECTION: return "GeometryCollection";
    default: return "unknown geometry";
    }
}

/* Returns 0 when every coordinate is finite and in range, else fills err. */
static dm_status check_coords(GEOSContextHandle_t h, const GEOSGeometry *g, dm_error *err)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        dm_status st = check_coords(h, GEOSGetExteriorRing_r(h, g), err);
        int n = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; !st && i < n; i++)
            st = check_coords(h, GEOSGetInteriorRingN_r(h, g, i), err);
        return st;
    }
    if (type >= GEOS_MULTIPOINT) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            dm_status st = check_coords(h, GEOSGetGeometryN_r(h, g, i), err);
            if (st)
                return st;
        }
        return DM_OK;
    }
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return DM_OK;
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (!isfinite(x) || !isfinite(y))
            return dm_error_set(err, DM_EINVAL, "coordinate %u is not a finite number", i + 1);
        if (x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
            return dm_error_set(err, DM_EINVAL,
                                "coordinate %u (%.6g, %.6g) is out of range: longitude must be "
                                "-180..180 and latitude -90..90 degrees (is the file in another "
                                "CRS or are lon/lat swapped?)",
                                i + 1, x, y);
    }
    return DM_OK;
}

GEOSGeometry *dm_geo_polygonal(dm_geo *geo, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOLYGON)
        return GEOSGeom_clone_r(h, g);
    if (type == GEOS_POLYGON) {
        GEOSGeometry *parts[1] = {GEOSGeom_clone_r(h, g)};
        if (!parts[0])
            return NULL;
        return GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, 1);
    }
    /* collections: gather polygons, flattening nested multipolygons */
    int n = type == GEOS_GEOMETRYCOLLECTION ? GEOSGetNumGeometries_r(h, g) : 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, part);
        if (t == GEOS_POLYGON)
            count++;
        else if (t == GEOS_MULTIPOLYGON)
            count += GEOSGetNumGeometries_r(h, part);
    }
    GEOSGeometry **parts = count ? malloc(sizeof *parts * (size_t)count) : NULL;
    if (count && !parts)
        return NULL;
    int k = 0;
    bool failed = false;
    for (int i = 0; i < n && !failed; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, part);
        int m = t == GEOS_POLYGON        ? 1
                : t == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, part)
                                         : 0;
        for (int j = 0; j < m && !failed; j++) {
            parts[k] =
                GEOSGeom_clone_r(h, t == GEOS_POLYGON ? part : GEOSGetGeometryN_r(h, part, j));
            failed = !parts[k++];
        }
    }
    if (failed) {
        for (int i = 0; i < k; i++)
            if (parts[i])
                GEOSGeom_destroy_r(h, parts[i]);
        free(parts);
        return NULL;
    }
    GEOSGeometry *res = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k);
    free(parts);
    return res;
}

GEOSGeometry *dm_geo_make_valid_polygonal(dm_geo *geo, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeometry *fixed = GEOSMakeValid_r(h, g);
    if (!fixed)
        return NULL;
    GEOSGeometry *res = dm_geo_polygonal(geo, fixed);
    GEOSGeom_destroy_r(h, fixed);
    return res;
}

dm_status dm_geo_prepare(dm_geo *geo, GEOSGeometry *g, dm_geom_type want, bool strict,
                         GEOSGeometry **out, char *warning, size_t warnsz, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    *out = NULL;
    if (warning && warnsz)
        warning[0] = '\0';
    dm_status st = DM_OK;
    if (!g)
        return dm_error_set(err, DM_EINVAL, "no geometry");
    if (GEOSisEmpty_r(h, g)) {
        st = dm_error_set(err, DM_EINVAL, "empty geometry");
        goto done;
    }
    int type = GEOSGeomTypeId_r(h, g);
    /* Z and M are dropped when the geometry is written: the store is 2D */
    st = check_coords(h, g, err);
    if (st)
        goto done;
    switch (want) {
    case DM_GEOM_NONE:
        st = dm_error_set(err, DM_EINVAL, "this kind of record has no geometry");
        goto done;
    case DM_GEOM_POINT:
        if (type == GEOS_MULTIPOINT && GEOSGetNumGeometries_r(h, g) == 1) {
            *out = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g, 0));
            if (!*out)
                st = dm_error_set(err, DM_EGEOM, "geometry engine failed: %s",
                                  dm_geo_last_error(geo));
            goto done;
        }
        if (type != GEOS_POINT) {
            st = dm_error_set(err, DM_EINVAL, "wrong geometry type: %s, a point is needed",
                              type_label(type));
            goto done;
        }
        *out = g;
        g = NULL;
        goto done;
    case DM_GEOM_ANY:
        if (GEOSisValid_r(h, g) != 1 && (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)) {
            if (strict) {
                char *why = GEOSisValidReason_r(h, g);
                st =
                    dm_error_set(err, DM_EINVAL, "invalid polygon: %s (--strict)", why ? why : "?");
                GEOSFree_r(h, why);
                goto done;
            }
            GEOSGeometry *fixed = dm_geo_make_valid_polygonal(geo, g);
            if (!fixed || GEOSisEmpty_r(h, fixed)) {
                dm_geo_destroy(geo, fixed);
                st = dm_error_set(err, DM_EINVAL, "invalid polygon with no area left after repair");
                goto done;
            }
            *out = fixed;
            if (warning)
                snprintf(warning, warnsz, "invalid polygon repaired");
            goto done;
        }
        *out = g;
        g = NULL;
        goto done;
    case DM_GEOM_POLYGON: break;
    }
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
        st = dm_error_set(err, DM_EINVAL, "wrong geometry type: %s, a polygon is needed",
                          type_label(type));
        goto done;
    }
    char valid = GEOSisValid_r(h, g);
    if (valid == 1) {
        *out = dm_geo_polygonal(geo, g);
        if (!*out)
            st = dm_error_set(err, DM_EGEOM, "geometry engine failed: %s", dm_geo_last_error(geo));
        goto done;
    }
    char *why = GEOSisValidReason_r(h, g);
    if (strict) {
        st = dm_error_set(err, DM_EINVAL, "invalid polygon: %s (rejected because of --strict)",
                          why ? why : "unknown reason");
        GEOSFree_r(h, why);
        goto done;
    }
    GEOSGeometry *fixed = dm_geo_make_valid_polygonal(geo, g);
    if (!fixed || GEOSisEmpty_r(h, fixed)) {
        dm_geo_destroy(geo, fixed);
        st = dm_error_set(err, DM_EINVAL,
                          "invalid polygon (%s) with no area left after repair: all its points "
                          "lie on a line",
                          why ? why : "unknown reason");
        GEOSFree_r(h, why);
        goto done;
    }
    if (warning)
        snprintf(warning, warnsz, "invalid polygon repaired: %s", why ? why : "unknown reason");
    GEOSFree_r(h, why);
    *out = fixed;
done:
    dm_geo_destroy(geo, g);
    return st;
}
