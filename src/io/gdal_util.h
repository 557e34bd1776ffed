/* GDAL/OGR plumbing shared by import and export. Private to src/io. */
#ifndef DM_IO_GDAL_UTIL_H
#define DM_IO_GDAL_UTIL_H

#include "core/error.h"

/* Registers GDAL's drivers once (thread-safe). */
void dm_gdal_init(void);

/* Captures GDAL's error messages instead of printing them: push before a
 * GDAL call, pop after; dm_gdal_last_error() is the last failure message of
 * this thread ("" if none). */
void dm_gdal_capture_push(void);
void dm_gdal_capture_pop(void);
const char *dm_gdal_last_error(void);

#endif
