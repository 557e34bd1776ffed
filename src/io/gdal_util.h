/* GDAL/OGR plumbing shared by import and export. Private to src/io. */
#ifndef DM_IO_GDAL_UTIL_H
#define DM_IO_GDAL_UTIL_H

#include "core/error.h"

/* Registers GDAL's drivers once (thread-safe). */
void dm_gdal_init(void);

/* For files from others (uploads): from the first call on, GDAL makes no
 * HTTP request in this process (CPLHTTPFetch, which a GeoJSON's "crs" link
 * would use, answers every URL with an error) and its SQLite SQL functions
 * that read other files stay off (OGR_SQLITE_ALLOW_EXTERNAL_ACCESS=NO).
 * Thread-safe; the process keeps it. */
void dm_gdal_lock_down(void);

/* Captures GDAL's error messages instead of printing them: push before a
 * GDAL call, pop after; dm_gdal_last_error() is the last failure message of
 * this thread ("" if none). */
void dm_gdal_capture_push(void);
void dm_gdal_capture_pop(void);
const char *dm_gdal_last_error(void);

#endif
