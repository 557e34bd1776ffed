/* `demine check`: integrity and consistency of a database.
 *
 * Backend integrity (file, spatial index, change log) comes from the store;
 * on top of it, checks on the data: invalid stored geometries, dates in the
 * future or before 1900, releases outside every hazardous area, overlapping
 * hazardous areas, accidents and items outside every admin area, records
 * waiting for review, codes and text fields that break the rules of
 * core/kind.h (made by another program or an older version), and the
 * changes another program made to records (QGIS, GDAL, the sqlite3 shell),
 * which no approver reviewed. Every finding names the records behind it.
 */
#ifndef DM_ANALYSIS_CHECK_H
#define DM_ANALYSIS_CHECK_H

#include "analysis/landrelease.h"
#include "store/store.h"

typedef struct dm_check_item {
    const char *severity; /* "error", "warning", "info" (static) */
    char what[64];        /* stable key: "future-date", "release-outside-hazards" ... */
    char detail[512];
    const dm_kind *kind; /* the kind of the records behind it where the same
                            finding is made for each kind; NULL otherwise */
    dm_code_list codes;  /* records behind it (may be empty) */
    /* one line per case behind it where a code alone says too little (may
       be empty): "2025-05-01T10:00:00.000Z HA-0001 v3 update: status" */
    char **lines;
    size_t nlines;
} dm_check_item;

typedef struct dm_check_report {
    dm_check_item *items;
    size_t n;
    int errors, warnings;
} dm_check_report;

/* Runs every check. *out is owned by the caller: dm_check_report_free(). */
dm_status dm_check_run(dm_store *store, dm_check_report *out, dm_error *err);
void dm_check_report_free(dm_check_report *r);

/* Adds an empty finding (severity is a static string: "error", "warning" or
 * "info"); NULL when out of memory. The pointer is valid until the next add:
 * keep the index (r->n - 1) across adds. */
dm_check_item *dm_check_add(dm_check_report *r, const char *severity, const char *what);

/* Adds a copy of line to it->lines. DM_ENOMEM on failure. */
dm_status dm_check_add_line(dm_check_item *it, const char *line);

/* Removes finding i again when it has no records behind it. */
void dm_check_drop_if_empty(dm_check_report *r, size_t i);

/* One finding per line: severity, key, detail and its records (the first
 * 10 unless all); a finding with lines has them below it instead of its
 * records, one per line (the first 10 unless all). */
dm_status dm_check_text(const dm_check_report *r, bool all, dm_buf *out);

/* JSON: {"errors": n, "warnings": n, "findings": [{severity, what, detail, count,
 * records[], and lines[] when it has lines}]} */
dm_status dm_check_json(const dm_check_report *r, dm_buf *out);

#endif
