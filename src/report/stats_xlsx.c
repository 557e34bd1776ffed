#include "report/stats_xlsx.h"

#include "report/outfile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct book {
    char tmp[DM_OUTFILE_PATH_MAX];
    const char *path;
    lxw_workbook *wb;
    lxw_worksheet *fig, *def;
    lxw_format *bold;
    lxw_row_t defrow;
} book;

static dm_status book_open(book *b, const char *path, dm_error *err)
{
    memset(b, 0, sizeof *b);
    b->path = path;
    dm_status st = dm_outfile_begin(path, true, b->tmp, sizeof b->tmp, err);
    if (st)
        return st;
    b->wb = workbook_new(b->tmp);
    if (b->wb) {
        b->fig = workbook_add_worksheet(b->wb, "figures");
        b->def = workbook_add_worksheet(b->wb, "definitions");
        b->bold = workbook_add_format(b->wb);
    }
    if (!b->fig || !b->def || !b->bold) {
        if (b->wb)
            workbook_close(b->wb);
        dm_outfile_abort(b->tmp);
        return dm_error_set(err, DM_ENOMEM, "cannot start the workbook %s", path);
    }
    format_set_bold(b->bold);
    worksheet_set_column(b->def, 0, 0, 28, NULL);
    worksheet_set_column(b->def, 1, 1, 100, NULL);
    worksheet_freeze_panes(b->fig, 1, 0);
    return DM_OK;
}

static void define(book *b, const char *what, const char *text)
{
    worksheet_write_string(b->def, b->defrow, 0, what, b->bold);
    worksheet_write_string(b->def, b->defrow++, 1, text, NULL);
}

static dm_status book_close(book *b, dm_error *err)
{
    lxw_error e = workbook_close(b->wb);
    if (e) {
        dm_outfile_abort(b->tmp);
        return dm_error_set(err, DM_EIO, "cannot write %s: %s", b->path, lxw_strerror(e));
    }
    return dm_outfile_commit(b->tmp, b->path, err);
}

static void num(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v)
{
    if (isfinite(v))
        worksheet_write_number(ws, r, c, v, NULL);
}

/* ---- casualties ---- */

static const char *const cas_cols[] = {
    "casualties", "killed",      "injured",       "unknown_status", "incidents",   "children",
    "adults",     "unknown_age", "female",        "male",           "unknown_sex", "civilian",
    "deminer",    "military",    "unknown_group", "settlements",    "drafts"};
#define NCAS (sizeof cas_cols / sizeof cas_cols[0])

static void cas_values(const dm_cas_counts *c, double v[NCAS])
{
    const int64_t x[NCAS] = {c->casualties, c->killed,   c->injured,       c->unknown_status,
                             c->incidents,  c->children, c->adults,        c->unknown_age,
                             c->female,     c->male,     c->unknown_sex,   c->civilian,
                             c->deminer,    c->military, c->unknown_group, c->settlements,
                             c->drafts};
    for (size_t i = 0; i < NCAS; i++)
        v[i] = (double)x[i];
}

dm_status dm_casualties_xlsx(const dm_casualties *c, const char *path, dm_error *err)
{
    book b;
    dm_status st = book_open(&b, path, err);
    if (st)
        return st;
    int ndim = (c->opts.by[0] != DM_CAS_NONE) + (c->opts.by[1] != DM_CAS_NONE);
    lxw_col_t col = 0;
    for (int d = 0; d < ndim; d++)
        worksheet_write_string(b.fig, 0, col++, dm_cas_dim_name(c->opts.by[d]), b.bold);
    if (!ndim)
        worksheet_write_string(b.fig, 0, col++, "key", b.bold);
    worksheet_write_string(b.fig, 0, col++, "name", b.bold);
    lxw_col_t first = col;
    for (size_t i = 0; i < NCAS; i++)
        worksheet_write_string(b.fig, 0, col++, cas_cols[i], b.bold);
    worksheet_write_string(b.fig, 0, col, "suppressed", b.bold);
    double v[NCAS];
    worksheet_write_string(b.fig, 1, 0, "total", b.bold);
    if (!c->total_suppressed) {
        cas_values(&c->total, v);
        for (size_t i = 0; i < NCAS; i++)
            num(b.fig, 1, first + (lxw_col_t)i, v[i]);
    }
    worksheet_write_boolean(b.fig, 1, first + NCAS, c->total_suppressed, NULL);
    for (size_t g = 0; g < c->ngroups; g++) {
        const dm_cas_group *gr = &c->groups[g];
        lxw_row_t r = (lxw_row_t)(g + 2);
        for (int d = 0; d < (ndim ? ndim : 1); d++)
            worksheet_write_string(b.fig, r, (lxw_col_t)d, ndim ? gr->keys[d] : gr->key, NULL);
        if (gr->name[0])
            worksheet_write_string(b.fig, r, first - 1, gr->name, NULL);
        if (!gr->suppressed) {
            cas_values(&gr->c, v);
            for (size_t i = 0; i < NCAS; i++)
                num(b.fig, r, first + (lxw_col_t)i, v[i]);
        }
        worksheet_write_boolean(b.fig, r, first + NCAS, gr->suppressed, NULL);
    }
    char scope[256];
    snprintf(scope, sizeof scope, "%s; incident dates %s to %s (inclusive)",
             c->opts.include_drafts ? "approved, submitted and draft records (NOT official)"
                                    : "approved records only (official)",
             c->opts.since[0] ? c->opts.since : "the first",
             c->opts.until[0] ? c->opts.until : "the last");
    define(&b, "statistic", "casualties (Landmine Monitor definitions)");
    define(&b, "scope", scope);
    define(&b, "casualties",
           "people killed or injured: every victim record counts once; one "
           "whose status is not known counts as unknown_status");
    define(&b, "children",
           "victims under 18 at the incident date (age, else age group); "
           "unknown_age when neither is known, never guessed");
    define(&b, "incidents", "distinct accidents behind the victims of the row");
    define(&b, "female, male, unknown_sex", "sex as recorded; empty counts as unknown");
    define(&b, "civilian, deminer, military", "group as recorded; empty counts as unknown_group");
    define(&b, "settlements", "distinct settlements the incidents are placed at");
    define(&b, "drafts", "counted victims that are not approved (with --include-drafts)");
    char sup[200];
    snprintf(sup, sizeof sup,
             c->opts.min_cell > 1 ? "groups of 1..%d casualties, and those that would give "
                                    "them away, are empty cells (suppressed = TRUE)"
                                  : "none (min_cell %d: every figure exact)",
             c->opts.min_cell > 1 ? c->opts.min_cell - 1 : c->opts.min_cell);
    define(&b, "small cells", sup);
    char und[64];
    snprintf(und, sizeof und, "%lld", (long long)c->undated_excluded);
    define(&b, "undated_excluded", und);
    return book_close(&b, err);
}

/* ---- land release ---- */

static void lr_row(book *b, lxw_row_t r, const dm_lr_figures *f, bool total)
{
    worksheet_write_string(b->fig, r, 0, total ? "total" : f->key, total ? b->bold : NULL);
    if (f->name[0])
        worksheet_write_string(b->fig, r, 1, f->name, NULL);
    const double v[] = {f->hazard_area_m2,
                        f->released.cancelled,
                        f->released.reduced,
                        f->released.cleared,
                        f->released.total,
                        f->remaining_area_m2,
                        f->recorded_area_m2,
                        f->released_inside_hazards_m2,
                        f->hazard_count >= 0 ? (double)f->hazard_count : NAN,
                        (double)f->releases.n};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        num(b->fig, r, (lxw_col_t)(2 + i), v[i]);
}

dm_status dm_landrelease_xlsx(const dm_landrelease *lr, const char *path, dm_error *err)
{
    book b;
    dm_status st = book_open(&b, path, err);
    if (st)
        return st;
    static const char *const cols[] = {"key",
                                       "name",
                                       "hazard_area_m2",
                                       "released_cancelled_m2",
                                       "released_reduced_m2",
                                       "released_cleared_m2",
                                       "released_total_m2",
                                       "remaining_area_m2",
                                       "recorded_area_m2",
                                       "released_inside_hazards_m2",
                                       "hazard_count",
                                       "release_count"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        worksheet_write_string(b.fig, 0, (lxw_col_t)i, cols[i], b.bold);
    lr_row(&b, 1, &lr->total, true);
    for (size_t g = 0; g < lr->ngroups; g++)
        lr_row(&b, (lxw_row_t)(g + 2), &lr->groups[g], false);
    define(&b, "statistic", "land release (DESIGN.md definitions); geodesic m² on WGS84");
    define(&b, "scope",
           lr->include_drafts ? "approved, submitted and draft records (NOT official)"
                              : "approved records only (official)");
    define(&b, "hazard_area_m2", "area(H), H = union of the hazard polygons in scope");
    define(&b, "released_*_m2",
           "area(R), R = union of the release polygons, whether or not a "
           "hazard still covers it; each m² once: cleared over reduced over "
           "cancelled");
    define(&b, "remaining_area_m2", "area(H − R)");
    define(&b, "recorded_area_m2", "area(H ∪ R) = released + remaining");
    define(&b, "released_inside_hazards_m2",
           "area(R ∩ H): land released but still drawn as hazardous (a data-quality figure)");
    define(&b, "empty cell", "the figure does not apply to the group");
    return book_close(&b, err);
}

/* ---- EO items ---- */

static void items_row(book *b, lxw_row_t r, const dm_items_figures *f, bool total)
{
    worksheet_write_string(b->fig, r, 0, total ? "total" : f->key, total ? b->bold : NULL);
    if (f->name[0])
        worksheet_write_string(b->fig, r, 1, f->name, NULL);
    worksheet_write_number(b->fig, r, 2, (double)f->records, NULL);
    worksheet_write_number(b->fig, r, 3, (double)f->quantity, NULL);
    worksheet_write_number(b->fig, r, 4, (double)f->destroyed, NULL);
}

dm_status dm_items_xlsx(const dm_items_stats *s, const char *path, dm_error *err)
{
    book b;
    dm_status st = book_open(&b, path, err);
    if (st)
        return st;
    static const char *const cols[] = {"key", "name", "item_records", "quantity", "destroyed"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        worksheet_write_string(b.fig, 0, (lxw_col_t)i, cols[i], b.bold);
    items_row(&b, 1, &s->total, true);
    for (size_t g = 0; g < s->ngroups; g++)
        items_row(&b, (lxw_row_t)(g + 2), &s->groups[g], false);
    define(&b, "statistic", "EO items found and destroyed");
    define(&b, "scope",
           s->include_drafts ? "approved, submitted and draft records (NOT official)"
                             : "approved records only (official)");
    define(&b, "item_records", "EO item records");
    define(&b, "quantity", "items found (a record without a quantity counts as 1)");
    define(&b, "destroyed", "items whose disposal is \"destroyed\"");
    return book_close(&b, err);
}
