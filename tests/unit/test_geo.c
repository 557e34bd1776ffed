#include "geo/geo.h"
#include "harness.h"

static dm_geo *geo;

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

TEST(geodesic_area_of_a_one_degree_cell_at_the_equator)
{
    /* 1°x1° at the equator on WGS84: 12,308,778,361 m² (GeographicLib) */
    GEOSGeometry *g = wkt("POLYGON((0 0,1 0,1 1,0 1,0 0))");
    CHECK_NEAR(dm_geo_area_m2(geo, g), 12308778361.469, 1e-9);
    dm_geo_destroy(geo, g);
}

TEST(area_subtracts_holes_and_ignores_ring_orientation)
{
    GEOSGeometry *outer = wkt("POLYGON((0 0,0 1,1 1,1 0,0 0))"); /* clockwise */
    GEOSGeometry *holed =
        wkt("POLYGON((0 0,1 0,1 1,0 1,0 0),(0.25 0.25,0.75 0.25,0.75 0.75,0.25 0.75,0.25 0.25))");
    GEOSGeometry *hole = wkt("POLYGON((0.25 0.25,0.75 0.25,0.75 0.75,0.25 0.75,0.25 0.25))");
    double a = dm_geo_area_m2(geo, outer);
    CHECK_NEAR(dm_geo_area_m2(geo, holed), a - dm_geo_area_m2(geo, hole), 1e-12);
    dm_geo_destroy(geo, outer);
    dm_geo_destroy(geo, holed);
    dm_geo_destroy(geo, hole);
}

TEST(geodesic_distance_and_length)
{
    /* 44.5°N to 45.5°N along a meridian: 111,131.778 m (meridian arc integral) */
    CHECK_NEAR(dm_geo_distance_m(17, 44.5, 17, 45.5), 111131.7777, 1e-7);
    GEOSGeometry *line = wkt("LINESTRING(17 44.5,17 45.5)");
    CHECK_NEAR(dm_geo_length_m(geo, line), dm_geo_distance_m(17, 44.5, 17, 45.5), 1e-12);
    dm_geo_destroy(geo, line);
}

TEST(gpkg_blob_round_trip_keeps_geometry_and_envelope)
{
    GEOSGeometry *g = wkt("MULTIPOLYGON(((17 44,17.1 44,17.1 44.2,17 44,17 44)))");
    GEOSGeometry *g2 = wkt("POLYGON((17 44,17.1 44,17.1 44.2,17 44))");
    unsigned char *blob;
    size_t len;
    CHECK(dm_gpkg_blob_write(geo, g2, 4326, &blob, &len, NULL) == DM_OK);
    CHECK(blob[0] == 'G' && blob[1] == 'P' && blob[2] == 0);
    CHECK((blob[3] & 0x0e) == 0x02);           /* xy envelope */
    CHECK(blob[4] == 0xE6 && blob[5] == 0x10); /* srs 4326 little-endian */
    double minx;
    memcpy(&minx, blob + 8, 8);
    CHECK_NEAR(minx, 17.0, 0);
    GEOSGeometry *back;
    CHECK(dm_gpkg_blob_read(geo, blob, len, &back, NULL) == DM_OK);
    CHECK(GEOSEquals_r(dm_geo_handle(geo), back, g2) == 1);
    free(blob);
    dm_geo_destroy(geo, back);
    dm_geo_destroy(geo, g);
    dm_geo_destroy(geo, g2);
}

TEST(gpkg_blob_reader_rejects_garbage)
{
    dm_error err;
    GEOSGeometry *g;
    const unsigned char junk[] = "GX\0\1\0\0\0\0abc";
    CHECK(dm_gpkg_blob_read(geo, junk, sizeof junk, &g, &err) == DM_EFORMAT);
    const unsigned char trunc[] = {'G', 'P', 0, 3, 0xE6, 0x10, 0, 0, 1, 2, 3};
    CHECK(dm_gpkg_blob_read(geo, trunc, sizeof trunc, &g, &err) != DM_OK);
}

TEST(prepare_repairs_a_bowtie_unless_strict)
{
    char warn[256];
    GEOSGeometry *out = NULL;
    dm_error err;
    CHECK(dm_geo_prepare(geo, wkt("POLYGON((0 0,1 1,1 0,0 1,0 0))"), DM_GEOM_POLYGON, false, &out,
                         warn, sizeof warn, &err) == DM_OK);
    CHECK(strstr(warn, "Self-intersection") != NULL);
    CHECK(GEOSGeomTypeId_r(dm_geo_handle(geo), out) == GEOS_MULTIPOLYGON);
    CHECK(GEOSisValid_r(dm_geo_handle(geo), out) == 1);
    CHECK(dm_geo_area_m2(geo, out) > 0);
    dm_geo_destroy(geo, out);
    CHECK(dm_geo_prepare(geo, wkt("POLYGON((0 0,1 1,1 0,0 1,0 0))"), DM_GEOM_POLYGON, true, &out,
                         warn, sizeof warn, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "strict") != NULL);
}

TEST(prepare_rejects_wrong_type_empty_and_out_of_range)
{
    GEOSGeometry *out = NULL;
    dm_error err;
    CHECK(dm_geo_prepare(geo, wkt("POINT(17 44)"), DM_GEOM_POLYGON, false, &out, NULL, 0, &err) ==
          DM_EINVAL);
    CHECK(strstr(err.msg, "wrong geometry type") != NULL);
    CHECK(dm_geo_prepare(geo, wkt("POLYGON EMPTY"), DM_GEOM_POLYGON, false, &out, NULL, 0, &err) ==
          DM_EINVAL);
    CHECK(strstr(err.msg, "empty") != NULL);
    CHECK(dm_geo_prepare(geo, wkt("POINT(500000 4900000)"), DM_GEOM_POINT, false, &out, NULL, 0,
                         &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "out of range") != NULL);
    CHECK(dm_geo_prepare(geo, wkt("LINESTRING(0 0,1 1)"), DM_GEOM_POINT, false, &out, NULL, 0,
                         &err) == DM_EINVAL);
}

TEST(prepare_rejects_a_collapsed_polygon)
{
    GEOSGeometry *out = NULL;
    dm_error err;
    CHECK(dm_geo_prepare(geo, wkt("POLYGON((0 0,1 1,2 2,0 0))"), DM_GEOM_POLYGON, false, &out, NULL,
                         0, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "no area") != NULL);
}

int main(void)
{
    if (dm_geo_new(&geo, NULL))
        return 1;
    static const t_case cases[] = {
        T(geodesic_area_of_a_one_degree_cell_at_the_equator),
        T(area_subtracts_holes_and_ignores_ring_orientation),
        T(geodesic_distance_and_length),
        T(gpkg_blob_round_trip_keeps_geometry_and_envelope),
        T(gpkg_blob_reader_rejects_garbage),
        T(prepare_repairs_a_bowtie_unless_strict),
        T(prepare_rejects_wrong_type_empty_and_out_of_range),
        T(prepare_rejects_a_collapsed_polygon),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    dm_geo_free(geo);
    return rc;
}
