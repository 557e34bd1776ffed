/* GeoPackage binary geometry: "GP", version, flags, srs_id, envelope, WKB. */
#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const size_t envelope_bytes[8] = {0, 32, 48, 48, 64, 0, 0, 0};

dm_status dm_gpkg_blob_read(dm_geo *geo, const unsigned char *blob, size_t len, GEOSGeometry **out,
                            dm_error *err)
{
    *out = NULL;
    if (len < 8 || blob[0] != 'G' || blob[1] != 'P')
        return dm_error_set(err, DM_EFORMAT, "not a GeoPackage geometry blob (no 'GP' magic)");
    if (blob[2] != 0)
        return dm_error_set(err, DM_EFORMAT, "GeoPackage geometry blob version %u is not supported",
                            blob[2]);
    unsigned flags = blob[3];
    if (flags & 0x20)
        return dm_error_set(err, DM_EFORMAT,
                            "extended GeoPackage geometry types are not supported");
    unsigned env = (flags >> 1) & 0x7;
    if (env > 4)
        return dm_error_set(err, DM_EFORMAT, "bad envelope code %u in GeoPackage geometry blob",
                            env);
    size_t header = 8 + envelope_bytes[env];
    if (len <= header)
        return dm_error_set(err, DM_EFORMAT, "GeoPackage geometry blob truncated (%zu bytes)", len);
    return dm_geo_from_wkb(geo, blob + header, len - header, out, err);
}

static void put_double_le(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

dm_status dm_gpkg_blob_write(dm_geo *geo, const GEOSGeometry *g, int32_t srs_id,
                             unsigned char **out, size_t *len, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    *out = NULL;
    unsigned char *wkb = NULL;
    size_t wkb_len = 0;
    dm_status st = dm_geo_to_wkb(geo, g, &wkb, &wkb_len, err);
    if (st)
        return st;
    bool empty = GEOSisEmpty_r(h, g) == 1;
    size_t header = empty ? 8 : 8 + 32;
    unsigned char *b = malloc(header + wkb_len);
    if (!b) {
        free(wkb);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    b[0] = 'G';
    b[1] = 'P';
    b[2] = 0;
    /* little-endian header; envelope xy (code 1) unless empty (code 0 + empty flag) */
    b[3] = (unsigned char)(0x01 | (empty ? 0x10 : (1u << 1)));
    uint32_t srs = (uint32_t)srs_id;
    for (int i = 0; i < 4; i++)
        b[4 + i] = (unsigned char)(srs >> (8 * i));
    if (!empty) {
        double minx, maxx, miny, maxy;
        if (!GEOSGeom_getXMin_r(h, g, &minx) || !GEOSGeom_getXMax_r(h, g, &maxx) ||
            !GEOSGeom_getYMin_r(h, g, &miny) || !GEOSGeom_getYMax_r(h, g, &maxy)) {
            free(wkb);
            free(b);
            return dm_error_set(err, DM_EGEOM, "geometry has no envelope");
        }
        put_double_le(b + 8, minx);
        put_double_le(b + 16, maxx);
        put_double_le(b + 24, miny);
        put_double_le(b + 32, maxy);
    }
    memcpy(b + header, wkb, wkb_len);
    free(wkb);
    *out = b;
    *len = header + wkb_len;
    return DM_OK;
}
