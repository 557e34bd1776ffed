/* Geometry for demine: a per-thread GEOS context, GeoPackage geometry blobs,
 * geodesic measures on WGS84 and the checks/repairs applied on the way in.
 *
 * Coordinates are EPSG:4326 longitude (x) / latitude (y) in degrees.
 * Areas are geodesic m², lengths and distances geodesic m, computed with
 * PROJ's geod_* functions on the WGS84 ellipsoid.
 *
 * Only the reentrant GEOS API is used. A dm_geo is not thread-safe: use one
 * per thread. Geometries are plain GEOSGeometry pointers created with the
 * context's handle; whoever holds one frees it with GEOSGeom_destroy_r.
 */
#ifndef DM_GEO_GEO_H
#define DM_GEO_GEO_H

#ifndef GEOS_USE_ONLY_R_API
#define GEOS_USE_ONLY_R_API
#endif
#include <geos_c.h>

#include "core/error.h"
#include "core/kind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dm_geo dm_geo;

/* Creates a context. *out is owned by the caller: dm_geo_free(). */
dm_status dm_geo_new(dm_geo **out, dm_error *err);
void dm_geo_free(dm_geo *geo);

/* The GEOS handle of this context (owned by geo). */
GEOSContextHandle_t dm_geo_handle(dm_geo *geo);

/* Last message GEOS reported through this context ("" if none). Owned by geo. */
const char *dm_geo_last_error(dm_geo *geo);

/* Frees g (NULL allowed). */
void dm_geo_destroy(dm_geo *geo, GEOSGeometry *g);

/* ---- GeoPackage binary geometry (GeoPackage 1.3, clause 2.1.3) ---- */

/* Reads a GeoPackage geometry blob. *out is owned by the caller. An empty
 * geometry flagged in the header is returned as an empty geometry. */
dm_status dm_gpkg_blob_read(dm_geo *geo, const unsigned char *blob, size_t len, GEOSGeometry **out,
                            dm_error *err);

/* Writes g as a GeoPackage blob (little-endian, xy envelope, ISO WKB, 2D).
 * *out is malloc'd: the caller frees it. */
dm_status dm_gpkg_blob_write(dm_geo *geo, const GEOSGeometry *g, int32_t srs_id,
                             unsigned char **out, size_t *len, dm_error *err);

/* Reads WKB (from OGR). *out is owned by the caller. */
dm_status dm_geo_from_wkb(dm_geo *geo, const unsigned char *wkb, size_t len, GEOSGeometry **out,
                          dm_error *err);

/* Writes 2D ISO WKB, little-endian. *out is malloc'd (free()). */
dm_status dm_geo_to_wkb(dm_geo *geo, const GEOSGeometry *g, unsigned char **out, size_t *len,
                        dm_error *err);

/* ---- geodesic measures (WGS84) ---- */

/* Geodesic area in m² of the polygonal parts of g (holes subtracted).
 * Points and lines have area 0. */
double dm_geo_area_m2(dm_geo *geo, const GEOSGeometry *g);

/* Geodesic length in m of the lines of g (polygon rings count as lines). */
double dm_geo_length_m(dm_geo *geo, const GEOSGeometry *g);

/* Geodesic distance in m between two lon/lat points (degrees). */
double dm_geo_distance_m(double lon1, double lat1, double lon2, double lat2);

/* ---- checks and repair on the way in ---- */

/* Checks g for a record of geometry type `want` and normalises it:
 * polygons become MULTIPOLYGON, points stay POINT. Takes ownership of g
 * whatever happens; on success *out is owned by the caller.
 *   - empty geometry, a wrong type, coordinates that are not finite or out of
 *     range (lon -180..180, lat -90..90) are errors (DM_EINVAL);
 *   - an invalid polygon is an error when `strict`; otherwise it is repaired
 *     with GEOS MakeValid, only its polygonal parts are kept, and `warning`
 *     (warnsz bytes, may be NULL) says what was wrong ("" when nothing was).
 */
dm_status dm_geo_prepare(dm_geo *geo, GEOSGeometry *g, dm_geom_type want, bool strict,
                         GEOSGeometry **out, char *warning, size_t warnsz, dm_error *err);

/* Keeps the polygonal parts of g as one MULTIPOLYGON (possibly empty).
 * Does not take ownership; the result is owned by the caller. */
GEOSGeometry *dm_geo_polygonal(dm_geo *geo, const GEOSGeometry *g);

/* Repairs g with MakeValid and keeps its polygonal parts (a new MULTIPOLYGON,
 * owned by the caller; NULL on GEOS failure). */
GEOSGeometry *dm_geo_make_valid_polygonal(dm_geo *geo, const GEOSGeometry *g);

/* Geometry-type name as in GeoPackage ("POINT", "MULTIPOLYGON", "GEOMETRY"). */
const char *dm_geo_gpkg_type_name(dm_geom_type t);

#endif
