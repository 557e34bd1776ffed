/* fuzz_gpkg_blob: dm_gpkg_blob_read on arbitrary bytes, then a round trip.
 *
 * Checks: reading never crashes; a failure has a message and no geometry;
 * whatever reads successfully can be written back with dm_gpkg_blob_write,
 * the written blob has a well-formed header ("GP", version 0, little-endian,
 * xy envelope or the empty flag, srs id), reads again, gives a geometry of
 * the same type and emptiness, and writing that again gives the very same
 * bytes (the blob written by demine is a fixed point).
 */
#include "geo/geo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dm_geo *geo;

static void fail(const char *why, const dm_error *err, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_gpkg_blob: %s%s%s\n  input (%zu bytes): ", why, err ? ": " : "",
            err ? err->msg : "", size);
    for (size_t i = 0; i < size && i < 256; i++)
        fprintf(stderr, "%02x", data[i]);
    fprintf(stderr, "%s\n", size > 256 ? "..." : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dm_error err;
    if (dm_geo_new(&geo, &err)) {
        fprintf(stderr, "fuzz_gpkg_blob: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    dm_error err;
    dm_error_clear(&err);
    GEOSGeometry *g = (GEOSGeometry *)1;
    if (dm_gpkg_blob_read(geo, data, size, &g, &err) != DM_OK) {
        if (g)
            fail("failed read leaves a geometry", NULL, data, size);
        if (!err.msg[0])
            fail("failed read without a message", NULL, data, size);
        return 0;
    }
    if (!g)
        fail("successful read without a geometry", NULL, data, size);

    const int32_t srs = 4326;
    unsigned char *blob = NULL;
    size_t len = 0;
    if (dm_gpkg_blob_write(geo, g, srs, &blob, &len, &err) != DM_OK)
        fail("a geometry that was read cannot be written back", &err, data, size);
    int empty = GEOSisEmpty_r(h, g);
    if (len < 8 || blob[0] != 'G' || blob[1] != 'P' || blob[2] != 0 || !(blob[3] & 1) ||
        (blob[3] & 0x20))
        fail("written blob has a bad header", NULL, blob, len);
    unsigned env = (blob[3] >> 1) & 7;
    if (empty == 1 ? (!(blob[3] & 0x10) || env != 0) : ((blob[3] & 0x10) || env != 1))
        fail("written blob: empty flag / envelope code do not match the geometry", NULL, blob,
             len);
    uint32_t srs_read = (uint32_t)blob[4] | (uint32_t)blob[5] << 8 | (uint32_t)blob[6] << 16 |
                        (uint32_t)blob[7] << 24;
    if (srs_read != (uint32_t)srs)
        fail("written blob has the wrong srs id", NULL, blob, len);

    GEOSGeometry *g2 = NULL;
    if (dm_gpkg_blob_read(geo, blob, len, &g2, &err) != DM_OK)
        fail("the blob demine wrote does not read back", &err, data, size);
    if (GEOSGeomTypeId_r(h, g) != GEOSGeomTypeId_r(h, g2))
        fail("round trip changes the geometry type", NULL, data, size);
    if (GEOSisEmpty_r(h, g2) != empty)
        fail("round trip changes emptiness", NULL, data, size);
    if (GEOSGetNumCoordinates_r(h, g) != GEOSGetNumCoordinates_r(h, g2))
        fail("round trip changes the number of coordinates", NULL, data, size);

    unsigned char *blob2 = NULL;
    size_t len2 = 0;
    if (dm_gpkg_blob_write(geo, g2, srs, &blob2, &len2, &err) != DM_OK)
        fail("the re-read geometry cannot be written", &err, data, size);
    if (len2 != len || memcmp(blob, blob2, len))
        fail("writing the re-read geometry gives different bytes", NULL, data, size);

    free(blob);
    free(blob2);
    dm_geo_destroy(geo, g);
    dm_geo_destroy(geo, g2);
    return 0;
}
