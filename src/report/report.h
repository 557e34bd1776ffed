/* Reports: the monthly report, the factsheet and the hazard map sheet as
 * PDF, and charts as SVG, PNG or PDF, in the language of a translation file
 * (report/i18n.h), drawn with cairo and Pango (report/render.h).
 *
 * Every figure comes from the analysis library (casualties, landrelease,
 * items, check), the calls `demine stats --json` makes with the same
 * options, and is printed with its definition; a zero is written as 0 and a
 * figure that cannot be computed says why. Personal data (names,
 * addresses) never appears in a report.
 *
 * Output: the file appears whole or not at all (report/outfile.h); an
 * existing file is replaced. Thread-safe: the functions may be called from
 * several threads (each with its own store), and make one report at a time
 * in a process (Pango and fontconfig race when several threads draw). Errors, each with a message
 * naming what is wrong: DM_EINVAL (bad month, date or language code), DM_ENOTFOUND (no translation
 * for the language, no such hazard), DM_EFORMAT (incomplete translation), DM_EIO / DM_EREADONLY
 * (the output cannot be written).
 */
#ifndef DM_REPORT_REPORT_H
#define DM_REPORT_REPORT_H

#include "analysis/casualties.h"
#include "core/error.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct dm_report_opts {
    const char *lang;     /* "en" (default), "az", "ru": i18n_dir/reports.LANG.json */
    const char *i18n_dir; /* folder of the translation files */
    const char *out;      /* the file to write (.pdf; a chart: .svg, .png or .pdf) */
    const char *source;   /* the database's name as shown on the report */
    char month[8];        /* monthly: "YYYY-MM" */
    char since[11];       /* "YYYY-MM-DD" or "": casualties from this date (inclusive) */
    char until[11];       /* "YYYY-MM-DD" or "": up to this date (chart, factsheet) */
    char today[11];       /* the report's date, "YYYY-MM-DD" ("" = today, UTC) */
    bool include_drafts;  /* count draft and submitted records too (marked NOT official) */
    int min_cell;         /* casualty small cells (analysis/casualties.h); 0 = exact */
} dm_report_opts;

/* Parses "YYYY-MM" (month 01-12, year 1900-9999) into out. DM_EINVAL with a
 * message otherwise. */
dm_status dm_report_month_parse(const char *s, char out[8], dm_error *err);

/* The monthly report for o->month: casualties of the month and since
 * o->since (all records when ""), up to the month's end; land release in
 * the month and to date; EO items; hazards recorded in the month; a map;
 * trend charts of the 12 months to the month; data-quality warnings. */
dm_status dm_report_monthly(dm_store *store, const dm_report_opts *o, dm_error *err);

/* One page: the key figures since o->since (all records when "") up to
 * o->until (or today), land release and EO items to date, a small map. */
dm_status dm_report_factsheet(dm_store *store, const dm_report_opts *o, dm_error *err);

/* A map sheet for a field team: the hazard's polygon, scale bar, north
 * arrow, a coordinate grid, its turning points in lat/lon and UTM, the EO
 * items found in it, its minefield records, its activities and releases. */
dm_status dm_report_hazard(dm_store *store, const dm_report_opts *o, const char *hazard_code,
                           dm_error *err);

/* A stacked bar chart of casualties (killed, injured, unknown status) by
 * `by` (DM_CAS_YEAR or DM_CAS_MONTH), every period from the first to the
 * last shown, a period without casualties as 0; the format by the
 * extension of o->out (.svg, .png, .pdf). */
dm_status dm_report_chart_casualties(dm_store *store, const dm_report_opts *o, dm_cas_dim by,
                                     dm_error *err);

#endif
