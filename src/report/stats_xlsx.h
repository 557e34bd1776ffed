/* The figures of `demine stats` as an XLSX workbook (libxlsxwriter).
 *
 * Each writer takes figures already computed by the analysis library (the
 * same structs `stats --json` prints, so the numbers are the same) and
 * writes a workbook of two sheets: "figures" (a header row of the JSON keys,
 * the total first, then one row per group; numbers as numbers, a figure that
 * does not apply or is suppressed as an empty cell) and "definitions" (what
 * each column counts, the scope: dates, approved only or with drafts,
 * small-cell rule). Areas are geodesic m² on WGS84 as in the JSON.
 *
 * The file appears whole or not at all (report/outfile.h); an existing file
 * is replaced. Errors: DM_EIO / DM_EREADONLY with a message naming the file.
 */
#ifndef DM_REPORT_STATS_XLSX_H
#define DM_REPORT_STATS_XLSX_H

#include "analysis/casualties.h"
#include "analysis/items.h"
#include "analysis/landrelease.h"

dm_status dm_casualties_xlsx(const dm_casualties *c, const char *path, dm_error *err);
dm_status dm_landrelease_xlsx(const dm_landrelease *lr, const char *path, dm_error *err);
dm_status dm_items_xlsx(const dm_items_stats *s, const char *path, dm_error *err);

#endif
