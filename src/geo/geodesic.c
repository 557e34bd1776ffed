/* Geodesic measures on WGS84 with PROJ's geod_* functions. */
#include "geo/geo.h"

#include <geodesic.h>
#include <math.h>
#include <pthread.h>

static struct geod_geodesic wgs84_geod;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void) { geod_init(&wgs84_geod, 6378137.0, 1.0 / 298.257223563); }

static const struct geod_geodesic *wgs84(void)
{
    pthread_once(&wgs84_once, wgs84_init);
    return &wgs84_geod;
}

/* Area of one closed ring in m² (absolute). */
static double ring_area(GEOSContextHandle_t h, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4)
        return 0.0;
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    /* the last point repeats the first: geod_polygon closes the ring itself */
    for (unsigned int i = 0; i + 1 < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        geod_polygon_addpoint(wgs84(), &p, y, x);
    }
    double area = 0.0;
    geod_polygon_compute(wgs84(), &p, 0, 1, &area, NULL);
    return fabs(area);
}

static double polygon_area(GEOSContextHandle_t h, const GEOSGeometry *poly)
{
    double a = ring_area(h, GEOSGetExteriorRing_r(h, poly));
    int nholes = GEOSGetNumInteriorRings_r(h, poly);
    for (int i = 0; i < nholes; i++)
        a -= ring_area(h, GEOSGetInteriorRingN_r(h, poly, i));
    return a > 0 ? a : 0.0;
}

double dm_geo_area_m2(dm_geo *geo, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (!g || GEOSisEmpty_r(h, g))
        return 0.0;
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON)
        return polygon_area(h, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        double a = 0.0;
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            a += dm_geo_area_m2(geo, GEOSGetGeometryN_r(h, g, i));
        return a;
    }
    return 0.0;
}

static double line_length(GEOSContextHandle_t h, const GEOSGeometry *line)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 2)
        return 0.0;
    double len = 0.0, px = 0, py = 0;
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (i)
            len += dm_geo_distance_m(px, py, x, y);
        px = x;
        py = y;
    }
    return len;
}

double dm_geo_length_m(dm_geo *geo, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (!g || GEOSisEmpty_r(h, g))
        return 0.0;
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: return line_length(h, g);
    case GEOS_POLYGON: {
        double len = line_length(h, GEOSGetExteriorRing_r(h, g));
        int nholes = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < nholes; i++)
            len += line_length(h, GEOSGetInteriorRingN_r(h, g, i));
        return len;
    }
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON:
    case GEOS_GEOMETRYCOLLECTION: {
        double len = 0.0;
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            len += dm_geo_length_m(geo, GEOSGetGeometryN_r(h, g, i));
        return len;
    }
    default: return 0.0;
    }
}

double dm_geo_distance_m(double lon1, double lat1, double lon2, double lat2)
{
    double s12 = 0.0;
    geod_inverse(wgs84(), lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}
