/* `demine check`: integrity and consistency of a database.
 *
 * Backend integrity (file, spatial index, change log) comes from the store;
 * on top of it, checks on the data: invalid stored geometries, dates in the
 * future or before 1900, releases outside every hazardous area, overlapping
 * hazardous areas, accidents and items outside every admin area, records
 * waiting for review, codes and text fields that break the rules of
 * core/kind.h (made by another program or an older version). Every finding
 * names the records behind it.
 */
#ifndef DM_ANALYSIS_CHECK_H
#define DM_ANALYSIS_CHECK_H

#include "analysis/landrelease.h"
#include "store/store.h"

typedef struct dm_check_item {
    const char *severity; /* "error", "warning", "info" (static) */
    char what[64];        /* stable key: "future-date", "release-outside-hazards" ... */
    char detail[512];
    dm_code_list codes; /* records behind it (may be empty) */
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

/* Removes finding i again when it has no records behind it. */
void dm_check_drop_if_empty(dm_check_report *r, size_t i);

/* One finding per line: severity, key, detail and its records (the first
 * 10 unless all). */
dm_status dm_check_text(const dm_check_report *r, bool all, dm_buf *out);

/* JSON: {"errors": n, "warnings": n, "findings": [{severity, what, detail, records[]}]} */
dm_status dm_check_json(const dm_check_report *r, dm_buf *out);

#endif
