#include "geo/geo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dm_geo {
    GEOSContextHandle_t h;
    GEOSWKBReader *wkb_reader;
    GEOSWKBWriter *wkb_writer;
    char last_error[512];
};

static void on_geos_error(const char *msg, void *userdata)
{
    dm_geo *geo = userdata;
    snprintf(geo->last_error, sizeof geo->last_error, "%s", msg);
}

static void on_geos_notice(const char *msg, void *userdata)
{
    (void)msg;
    (void)userdata;
}

dm_status dm_geo_new(dm_geo **out, dm_error *err)
{
    *out = NULL;
    dm_geo *geo = calloc(1, sizeof *geo);
    if (!geo)
        return dm_error_set(err, DM_ENOMEM, "out of memory creating a geometry context");
    geo->h = GEOS_init_r();
    if (!geo->h) {
        free(geo);
        return dm_error_set(err, DM_EGEOM, "GEOS could not be initialised");
    }
    GEOSContext_setErrorMessageHandler_r(geo->h, on_geos_error, geo);
    GEOSContext_setNoticeMessageHandler_r(geo->h, on_geos_notice, geo);
    geo->wkb_reader = GEOSWKBReader_create_r(geo->h);
    geo->wkb_writer = GEOSWKBWriter_create_r(geo->h);
    if (!geo->wkb_reader || !geo->wkb_writer) {
        dm_geo_free(geo);
        return dm_error_set(err, DM_EGEOM, "GEOS WKB reader/writer could not be created");
    }
    GEOSWKBWriter_setOutputDimension_r(geo->h, geo->wkb_writer, 2);
    GEOSWKBWriter_setByteOrder_r(geo->h, geo->wkb_writer, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(geo->h, geo->wkb_writer, GEOS_WKB_ISO);
    *out = geo;
    return DM_OK;
}

void dm_geo_free(dm_geo *geo)
{
    if (!geo)
        return;
    if (geo->wkb_reader)
        GEOSWKBReader_destroy_r(geo->h, geo->wkb_reader);
    if (geo->wkb_writer)
        GEOSWKBWriter_destroy_r(geo->h, geo->wkb_writer);
    GEOS_finish_r(geo->h);
    free(geo);
}

GEOSContextHandle_t dm_geo_handle(dm_geo *geo) { return geo->h; }

const char *dm_geo_last_error(dm_geo *geo) { return geo->last_error; }

void dm_geo_destroy(dm_geo *geo, GEOSGeometry *g)
{
    if (g)
        GEOSGeom_destroy_r(geo->h, g);
}

dm_status dm_geo_from_wkb(dm_geo *geo, const unsigned char *wkb, size_t len, GEOSGeometry **out,
                          dm_error *err)
{
    geo->last_error[0] = '\0';
    *out = GEOSWKBReader_read_r(geo->h, geo->wkb_reader, wkb, len);
    if (!*out)
        return dm_error_set(err, DM_EINVAL, "unreadable geometry: %s",
                            geo->last_error[0] ? geo->last_error : "bad WKB");
    return DM_OK;
}

dm_status dm_geo_to_wkb(dm_geo *geo, const GEOSGeometry *g, unsigned char **out, size_t *len,
                        dm_error *err)
{
    geo->last_error[0] = '\0';
    size_t n = 0;
    unsigned char *w = GEOSWKBWriter_write_r(geo->h, geo->wkb_writer, g, &n);
    if (!w)
        return dm_error_set(err, DM_EGEOM, "geometry could not be written as WKB: %s",
                            geo->last_error);
    /* GEOS memory must be freed by GEOSFree_r: copy into malloc'd memory so that
     * callers can use free(). */
    *out = malloc(n ? n : 1);
    if (!*out) {
        GEOSFree_r(geo->h, w);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    memcpy(*out, w, n);
    *len = n;
    GEOSFree_r(geo->h, w);
    return DM_OK;
}

const char *dm_geo_gpkg_type_name(dm_geom_type t)
{
    switch (t) {
    case DM_GEOM_POINT: return "POINT";
    case DM_GEOM_POLYGON: return "MULTIPOLYGON";
    case DM_GEOM_ANY: return "GEOMETRY";
    case DM_GEOM_NONE: break;
    }
    return NULL;
}
