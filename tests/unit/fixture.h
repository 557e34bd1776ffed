/* A fresh demine database in a temp folder for a unit test. */
#ifndef DM_TEST_FIXTURE_H
#define DM_TEST_FIXTURE_H

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fx_dir[256];
static char fx_db[300];

static dm_store *fx_new_store(void)
{
    snprintf(fx_dir, sizeof fx_dir, "/tmp/demine-unit-XXXXXX");
    if (!mkdtemp(fx_dir))
        return NULL;
    snprintf(fx_db, sizeof fx_db, "%s/t.gpkg", fx_dir);
    dm_store *s = NULL;
    dm_error err;
    if (dm_store_create(fx_db, "tester", &s, &err)) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        return NULL;
    }
    return s;
}

static void fx_done(dm_store *s)
{
    dm_store_close(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fixture: could not remove %s\n", fx_dir);
}

static inline GEOSGeometry *fx_wkt(dm_store *s, const char *text)
{
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(s));
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

/* A MULTIPOLYGON from polygon WKT, owned by the caller. */
static inline GEOSGeometry *fx_multi(dm_store *s, const char *text)
{
    GEOSGeometry *g = fx_wkt(s, text);
    GEOSGeometry *m = dm_geo_polygonal(dm_store_geo(s), g);
    dm_geo_destroy(dm_store_geo(s), g);
    return m;
}

/* A lon/lat box as WKT. */
static inline const char *fx_box(double x0, double x1, double y0, double y1)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return buf[k];
}

/* Appends to sql (n bytes) the SQL that takes away what schema version 6
 * added (the triggers that log edits made outside demine, the approved-only
 * views and their layers): with a schema_version below 6, what an older
 * demine wrote. */
static inline void fx_strip_v6(char *sql, size_t n)
{
    for (size_t i = 0; i < dm_kind_count(); i++) {
        size_t used = strlen(sql);
        snprintf(
            sql + used, n - used,
            " DROP TRIGGER demine_outside_%1$s_insert; DROP TRIGGER demine_outside_%1$s_update;"
            " DROP TRIGGER demine_outside_%1$s_delete; DROP VIEW %1$s_approved;",
            dm_kind_at(i)->table);
    }
    size_t used = strlen(sql);
    snprintf(sql + used, n - used,
             " DELETE FROM gpkg_geometry_columns WHERE table_name LIKE '%%\\_approved' ESCAPE '\\';"
             " DELETE FROM gpkg_contents WHERE table_name LIKE '%%\\_approved' ESCAPE '\\';");
}

#endif
