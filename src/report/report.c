#include "report/report.h"

#include "analysis/check.h"
#include "analysis/items.h"
#include "analysis/landrelease.h"
#include "core/date.h"
#include "core/utf8.h"
#include "report/outfile.h"
#include "report/render.h"
#include "analysis/minefield.h"
#include "analysis/parallel.h"
#include "geo/geo.h"
#include "io/minefield_import.h"

#include <proj.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A4_W 595.0
#define A4_H 842.0

/* ---- a report being written ---- */

typedef struct rep {
    dm_doc d;
    dm_i18n *t;
    const dm_report_opts *o;
    dm_store *store;
    char tmp[DM_OUTFILE_PATH_MAX];
    char today[11];
} rep;

#define T(k) dm_i18n_get(r->t, k)

/* One report is made at a time in a process (from rep_begin to rep_end):
 * with the server's workers drawing at once, ThreadSanitizer reported races
 * between them (in cairo's time-zone setup, HarfBuzz, glib); with the lock
 * it reports only those of Pango's own helper threads, which a single
 * `demine report` shows too. Other reports wait; the server keeps each
 * answer until its data changes. */
static pthread_mutex_t drawing = PTHREAD_MUTEX_INITIALIZER;

static dm_status rep_begin(rep *r, dm_store *store, const dm_report_opts *o, dm_doc_format f,
                           double w, double h, dm_error *err)
{
    pthread_mutex_lock(&drawing);
    memset(r, 0, sizeof *r);
    r->o = o;
    r->store = store;
    dm_status st =
        dm_i18n_load(o->i18n_dir ? o->i18n_dir : "data/i18n", o->lang ? o->lang : "en", &r->t, err);
    if (st) {
        pthread_mutex_unlock(&drawing);
        return st;
    }
    if (o->today[0])
        snprintf(r->today, sizeof r->today, "%s", o->today);
    else
        dm_date_format(dm_date_today(), r->today);
    st = dm_outfile_begin(o->out, true, r->tmp, sizeof r->tmp, err);
    if (!st)
        st = dm_doc_open(&r->d, r->tmp, f, w, h, r->t, err);
    if (st) {
        dm_outfile_abort(r->tmp);
        dm_i18n_free(r->t);
        r->t = NULL;
        pthread_mutex_unlock(&drawing);
    }
    return st;
}

/* Finishes the document; on st == DM_OK moves it into place, else removes
 * it. Returns the first failure. */
static dm_status rep_end(rep *r, dm_status st, dm_error *err)
{
    dm_error e2;
    dm_status cst = dm_doc_close(&r->d, st ? &e2 : err);
    if (!st)
        st = cst;
    if (!st)
        st = dm_outfile_commit(r->tmp, r->o->out, err);
    else
        dm_outfile_abort(r->tmp);
    dm_i18n_free(r->t);
    pthread_mutex_unlock(&drawing);
    return st;
}

/* ---- a part computed beside the rest ----
 *
 * The data-quality checks of the monthly report (and the casualty figures
 * of the factsheet) read the database on a second connection of their own,
 * in a thread of their own, while the report's connection computes the
 * rest: on two cores the report takes the longer of the two instead of
 * their sum. Each query already reads its own snapshot (a report is not one
 * transaction), so a second connection changes nothing a reader sees. When
 * the second connection cannot be opened, or there is one core, the part
 * runs on the report's own connection when it is joined. */

typedef dm_status (*side_fn)(dm_store *store, void *ctx, dm_error *err);

typedef struct side {
    side_fn fn;
    void *ctx;
    const char *location; /* the report's store's, which outlives the thread */
    pthread_t thread;
    bool threaded, ran;
    dm_status st;
    dm_error err;
} side;

static void *side_main(void *p)
{
    side *s = p;
    dm_store *second = NULL;
    if (dm_store_open(s->location, DM_STORE_READ, &second, &s->err))
        return NULL; /* not ran: the join runs it on the report's connection */
    s->st = s->fn(second, s->ctx, &s->err);
    s->ran = true;
    dm_store_close(second);
    return NULL;
}

static void side_start(side *s, dm_store *store, side_fn fn, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->fn = fn;
    s->ctx = ctx;
    s->location = dm_store_location(store);
    s->threaded = dm_parallel_threads() > 1 && pthread_create(&s->thread, NULL, side_main, s) == 0;
}

/* Waits for the part (or runs it here, see above). True when it succeeded;
 * else its failure becomes *st and *err unless *st already holds one. */
static bool side_join(side *s, dm_store *store, dm_status *st, dm_error *err)
{
    if (s->threaded)
        pthread_join(s->thread, NULL);
    if (!s->ran && !*st) {
        s->st = s->fn(store, s->ctx, &s->err);
        s->ran = true;
    }
    if (s->ran && !s->st)
        return true;
    if (!*st) { /* then it ran, and failed */
        *st = s->st;
        *err = s->err;
    }
    return false;
}

/* ---- tables of text cells ---- */

typedef struct tab {
    size_t ncols, n, cap;
    char **cells;
} tab;

static void tab_add(tab *b, const char *s)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char **c = realloc(b->cells, cap * sizeof *c);
        if (!c)
            return;
        b->cells = c;
        b->cap = cap;
    }
    b->cells[b->n++] = s ? strdup(s) : NULL;
}

static void tab_free(tab *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->cells[i]);
    free(b->cells);
    memset(b, 0, sizeof *b);
}

static void tab_draw(rep *r, tab *b, const double *widths, double size, unsigned left)
{
    if (b->ncols && b->n >= b->ncols)
        dm_doc_table(&r->d, b->ncols, widths, (const char *const *)b->cells, b->n / b->ncols, size,
                     left);
    tab_free(b);
}

/* ---- numbers ---- */

static const char *num_int(rep *r, int64_t v, char *buf, size_t sz)
{
    return dm_i18n_int(r->t, v, buf, sz);
}

/* Hectares with one decimal, from m². */
static const char *num_ha(rep *r, double m2, char *buf, size_t sz)
{
    if (isnan(m2)) {
        snprintf(buf, sz, "%s", T("fig.not_applicable"));
        return buf;
    }
    return dm_i18n_num(r->t, m2 / 1e4, 1, buf, sz);
}

/* A value by key with a prefix ("device.AP"); the value itself when the
 * translation has none (data values the list does not know). */
static const char *value_name(rep *r, const char *prefix, const char *value, char *buf, size_t sz)
{
    char key[DM_I18N_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s.%s", prefix, value);
    const char *s = dm_i18n_get(r->t, key);
    dm_utf8_copy(buf, sz, s[0] == '[' ? value : s); /* never cut inside a character */
    return buf;
}

/* ---- the figures ---- */

static dm_status cas_on(dm_store *store, const dm_report_opts *o, const char *since,
                        const char *until, dm_cas_dim by, dm_casualties *out, dm_error *err)
{
    dm_cas_opts co;
    memset(&co, 0, sizeof co);
    co.by[0] = by;
    snprintf(co.since, sizeof co.since, "%s", since ? since : "");
    snprintf(co.until, sizeof co.until, "%s", until ? until : "");
    co.include_drafts = o->include_drafts;
    co.min_cell = o->min_cell;
    return dm_casualties_compute(store, &co, out, err);
}

static dm_status cas(rep *r, const char *since, const char *until, dm_cas_dim by,
                     dm_casualties *out, dm_error *err)
{
    return cas_on(r->store, r->o, since, until, by, out, err);
}

static const char *cas_cell(rep *r, int64_t v, bool suppressed, char *buf, size_t sz)
{
    if (suppressed) {
        snprintf(buf, sz, "%s", T("fig.suppressed"));
        return buf;
    }
    return num_int(r, v, buf, sz);
}

/* The rows of a casualty summary table: one per count, one column per set
 * of figures. */
static void cas_summary_table(rep *r, const dm_casualties *const *c, const char *const *heads,
                              size_t ncols, bool short_form)
{
    static const char *const rows[] = {"cas.casualties",     "cas.killed",        "cas.injured",
                                       "cas.unknown_status", "cas.children",      "cas.adults",
                                       "cas.unknown_age",    "cas.female",        "cas.male",
                                       "cas.unknown_sex",    "cas.civilian",      "cas.deminer",
                                       "cas.military",       "cas.unknown_group", "cas.incidents"};
    tab b = {.ncols = ncols + 1};
    tab_add(&b, T("table.figure"));
    for (size_t j = 0; j < ncols; j++)
        tab_add(&b, heads[j]);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        /* the short form (factsheet): casualties, status, children, sex, group */
        if (short_form && (i == 5 || i == 6 || i == 9 || i == 13))
            continue;
        tab_add(&b, T(rows[i]));
        for (size_t j = 0; j < ncols; j++) {
            const dm_cas_counts *k = &c[j]->total;
            const int64_t v[] = {k->casualties, k->killed,        k->injured,     k->unknown_status,
                                 k->children,   k->adults,        k->unknown_age, k->female,
                                 k->male,       k->unknown_sex,   k->civilian,    k->deminer,
                                 k->military,   k->unknown_group, k->incidents};
            char buf[256];
            tab_add(&b, cas_cell(r, v[i], c[j]->total_suppressed, buf, sizeof buf));
        }
    }
    static const double w2[] = {0.5, 0.25, 0.25}, w1[] = {0.6, 0.4};
    tab_draw(r, &b, ncols == 2 ? w2 : w1, 8.5, 1);
}

/* Indexes of the groups of c sorted by casualties (most first), at most max. */
static size_t top_groups(const dm_casualties *c, size_t *idx, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->ngroups; i++) {
        if (c->groups[i].suppressed || c->groups[i].c.casualties == 0)
            continue;
        size_t j = n < max ? n++ : max;
        if (j == max) {
            if (c->groups[idx[max - 1]].c.casualties >= c->groups[i].c.casualties)
                continue;
            j = max - 1;
        }
        idx[j] = i;
        while (j > 0 && c->groups[idx[j - 1]].c.casualties < c->groups[idx[j]].c.casualties) {
            size_t t = idx[j - 1];
            idx[j - 1] = idx[j];
            idx[j] = t;
            j--;
        }
    }
    return n;
}

/* Casualties by admin area: area, casualties, killed, injured, children. */
static void cas_admin_table(rep *r, const dm_casualties *c, size_t max)
{
    size_t *idx = calloc(max ? max : 1, sizeof *idx);
    if (!idx)
        return;
    size_t n = top_groups(c, idx, max);
    size_t shown_groups = 0, hidden_groups = 0;
    for (size_t i = 0; i < c->ngroups; i++) {
        shown_groups += !c->groups[i].suppressed && c->groups[i].c.casualties > 0;
        hidden_groups += c->groups[i].suppressed;
    }
    char line[400];
    if (n == 0) {
        if (hidden_groups) { /* casualties, in groups not shown: not "none" */
            char more[32];
            snprintf(more, sizeof more, "%zu", hidden_groups);
            const char *args[] = {more};
            dm_doc_para(&r->d,
                        dm_i18n_fmt(r->t, "cas.suppressed_areas", line, sizeof line, 1, args), 7.5,
                        DM_TXT_ITALIC, 0x333333);
        } else
            dm_doc_para(&r->d, T("cas.none"), 8.5, DM_TXT_ITALIC, 0x333333);
        free(idx);
        return;
    }
    tab b = {.ncols = 5};
    tab_add(&b, T("table.admin_area"));
    tab_add(&b, T("cas.casualties_short"));
    tab_add(&b, T("cas.killed"));
    tab_add(&b, T("cas.injured"));
    tab_add(&b, T("cas.children"));
    for (size_t i = 0; i < n; i++) {
        const dm_cas_group *g = &c->groups[idx[i]];
        char buf[256], name[600];
        if (!strcmp(g->key, "unknown"))
            dm_utf8_copy(name, sizeof name, T("fig.unknown_area"));
        else
            snprintf(name, sizeof name, "%s (%s)", g->name[0] ? g->name : g->key, g->key);
        tab_add(&b, name);
        tab_add(&b, num_int(r, g->c.casualties, buf, sizeof buf));
        tab_add(&b, num_int(r, g->c.killed, buf, sizeof buf));
        tab_add(&b, num_int(r, g->c.injured, buf, sizeof buf));
        tab_add(&b, num_int(r, g->c.children, buf, sizeof buf));
    }
    static const double w[] = {0.36, 0.16, 0.16, 0.16, 0.16};
    tab_draw(r, &b, w, 8, 1);
    if (shown_groups > n) {
        char more[32];
        snprintf(more, sizeof more, "%zu", shown_groups - n);
        const char *args[] = {more};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "cas.more_areas", line, sizeof line, 1, args), 7.5,
                    DM_TXT_ITALIC, 0x333333);
    }
    if (hidden_groups) { /* left out of the table, not zero */
        char more[32];
        snprintf(more, sizeof more, "%zu", hidden_groups);
        const char *args[] = {more};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "cas.suppressed_areas", line, sizeof line, 1, args),
                    7.5, DM_TXT_ITALIC, 0x333333);
    }
    free(idx);
}

/* Casualties by device: one row per device category in either answer. */
static void cas_device_table(rep *r, const dm_casualties *const *c, const char *const *heads,
                             size_t ncols)
{
    tab b = {.ncols = ncols + 1};
    tab_add(&b, T("table.device"));
    for (size_t j = 0; j < ncols; j++)
        tab_add(&b, heads[j]);
    /* the keys of the last answer (the longest period) hold those of the others */
    const dm_casualties *all = c[ncols - 1];
    for (size_t i = 0; i < all->ngroups; i++) {
        char buf[256];
        tab_add(&b, value_name(r, "device", all->groups[i].key, buf, sizeof buf));
        for (size_t j = 0; j < ncols; j++) {
            const dm_cas_group *g = NULL;
            for (size_t k = 0; k < c[j]->ngroups; k++)
                if (!strcmp(c[j]->groups[k].key, all->groups[i].key))
                    g = &c[j]->groups[k];
            tab_add(&b, g ? cas_cell(r, g->c.casualties, g->suppressed, buf, sizeof buf)
                          : num_int(r, 0, buf, sizeof buf));
        }
    }
    static const double w2[] = {0.5, 0.25, 0.25}, w1[] = {0.6, 0.4};
    tab_draw(r, &b, ncols == 2 ? w2 : w1, 8.5, 1);
}

/* "YYYY-MM-DD" of the last day of month "YYYY-MM". */
static void month_end(const char *month, char out[11])
{
    int y = atoi(month), m = atoi(month + 5);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dm_date_days_in_month(y, m));
}

dm_status dm_report_month_parse(const char *s, char out[8], dm_error *err)
{
    int y, m;
    char tail;
    if (!s || strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2 ||
        y < 1900 || m < 1 || m > 12 || strspn(s, "0123456789-") != 7)
        return dm_error_set(err, DM_EINVAL, "month '%.20s': write it as YYYY-MM (2025-04)",
                            s ? s : "");
    snprintf(out, 8, "%04d-%02d", y, m);
    return DM_OK;
}

/* The 12 months up to and including `month`: keys "YYYY-MM". */
static void last_months(const char *month, char keys[12][8])
{
    int y = atoi(month), m = atoi(month + 5);
    for (int i = 11; i >= 0; i--) {
        snprintf(keys[i], 8, "%04d-%02d", y, m);
        if (--m == 0)
            m = 12, y--;
    }
}

static void short_month(rep *r, const char *key, char *out, size_t sz)
{
    char k[24];
    snprintf(k, sizeof k, "month.%d.short", atoi(key + 5));
    snprintf(out, sz, "%s %.2s", T(k), key + 2);
}

/* The report's heading lines and the footer. */
static void title_block(rep *r, const char *title, const char *subtitle)
{
    dm_doc_para(&r->d, title, 17, DM_TXT_BOLD, 0x1f3b57);
    if (subtitle && *subtitle)
        dm_doc_para(&r->d, subtitle, 10, 0, 0x333333);
    char date[64], line[600];
    dm_i18n_date(r->t, r->today, date, sizeof date);
    const char *args[] = {r->o->source ? r->o->source : "", date};
    dm_doc_para(&r->d, dm_i18n_fmt(r->t, "report.source_line", line, sizeof line, 2, args), 8, 0,
                0x555555);
    /* the date of the data: its latest accident and land release */
    char a0[11], a1[11] = "", l0[11], l1[11] = "", ad[64], ld[64];
    dm_error ignored;
    if (dm_store_date_range(r->store, &dm_kind_accidents, "date", r->o->include_drafts, a0, a1,
                            &ignored))
        a1[0] = '\0';
    if (dm_store_date_range(r->store, &dm_kind_releases, "date", r->o->include_drafts, l0, l1,
                            &ignored))
        l1[0] = '\0';
    dm_utf8_copy(ad, sizeof ad, T("fig.not_applicable"));
    dm_utf8_copy(ld, sizeof ld, T("fig.not_applicable"));
    if (a1[0])
        dm_i18n_date(r->t, a1, ad, sizeof ad);
    if (l1[0])
        dm_i18n_date(r->t, l1, ld, sizeof ld);
    const char *da[] = {ad, ld};
    dm_doc_para(&r->d, dm_i18n_fmt(r->t, "report.data_dates", line, sizeof line, 2, da), 8, 0,
                0x555555);
    dm_doc_para(&r->d, T(r->o->include_drafts ? "report.scope.drafts" : "report.scope.official"), 8,
                r->o->include_drafts ? DM_TXT_BOLD : 0, r->o->include_drafts ? 0xb30000 : 0x555555);
    if (r->o->min_cell > 1) {
        char n[16];
        snprintf(n, sizeof n, "%d", r->o->min_cell - 1);
        const char *a[] = {n};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "report.min_cell", line, sizeof line, 1, a), 8, 0,
                    0x555555);
    }
    const char *fa[] = {title, date};
    dm_i18n_fmt(r->t, "report.footer", r->d.footer, sizeof r->d.footer, 2, fa);
    r->d.y += 4;
}

/* Accident positions of the period (for the map). *out malloc'd. */
static dm_status accident_points(rep *r, const char *since, const char *until, dm_map_point **out,
                                 size_t *n, dm_error *err)
{
    *out = NULL;
    *n = 0;
    dm_query q = {.kind = &dm_kind_accidents,
                  .include_drafts = r->o->include_drafts,
                  .with_geometry = true,
                  .keep_damaged = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(r->store, &q, &cur, err);
    if (st)
        return st;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(r->store));
    dm_record rec;
    dm_record_init(&rec, &dm_kind_accidents);
    bool has;
    size_t cap = 0;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *d = dm_record_get(&rec, "date");
        double x, y;
        if (!d || !rec.geom || strcmp(d, since) < 0 || strcmp(d, until) > 0 ||
            !GEOSGeomGetX_r(h, rec.geom, &x) || !GEOSGeomGetY_r(h, rec.geom, &y))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            dm_map_point *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            *out = p;
        }
        (*out)[(*n)++] = (dm_map_point){x, y};
    }
    dm_record_clear(&rec, dm_store_geo(r->store));
    dm_cursor_close(cur);
    return st;
}

/* Hazards recorded (date_recorded) in [since, until]; *dated = hazards with
 * a recording date at all. */
typedef struct hz_count {
    const char *since, *until;
    int64_t in, dated;
} hz_count;

static int hz_row(const char *code, const char *state, const char *const *values, void *ctx)
{
    (void)code, (void)state;
    hz_count *c = ctx;
    const char *d = values[0];
    if (d && *d) {
        c->dated++;
        if (strcmp(d, c->since) >= 0 && strcmp(d, c->until) <= 0)
            c->in++;
    }
    return 0;
}

/* ---- the monthly report ---- */

static void definitions(rep *r, const char *key)
{
    dm_doc_para(&r->d, T(key), 7.5, DM_TXT_ITALIC, 0x444444);
}

static void lr_method_table(rep *r, const dm_lr_figures *month, const dm_lr_figures *all,
                            const char *mhead, const char *ahead)
{
    tab b = {.ncols = 3};
    tab_add(&b, T("table.figure_ha"));
    tab_add(&b, mhead);
    tab_add(&b, ahead);
    static const char *const rows[] = {"lr.cancelled", "lr.reduced", "lr.cleared", "lr.total"};
    for (int i = 0; i < 4; i++) {
        char buf[256];
        tab_add(&b, T(rows[i]));
        double mv[] = {month ? month->released.cancelled : 0, month ? month->released.reduced : 0,
                       month ? month->released.cleared : 0, month ? month->released.total : 0};
        double av[] = {all->released.cancelled, all->released.reduced, all->released.cleared,
                       all->released.total};
        tab_add(&b, num_ha(r, mv[i], buf, sizeof buf));
        tab_add(&b, num_ha(r, av[i], buf, sizeof buf));
    }
    static const char *const rows2[] = {"lr.remaining", "lr.recorded", "lr.hazard_area",
                                        "lr.inside_hazards"};
    const double v2[] = {all->remaining_area_m2, all->recorded_area_m2, all->hazard_area_m2,
                         all->released_inside_hazards_m2};
    for (int i = 0; i < 4; i++) {
        char buf[256];
        tab_add(&b, T(rows2[i]));
        tab_add(&b, T("fig.not_applicable"));
        tab_add(&b, num_ha(r, v2[i], buf, sizeof buf));
    }
    static const double w[] = {0.5, 0.25, 0.25};
    tab_draw(r, &b, w, 8.5, 1);
}

static void lr_admin_table(rep *r, const dm_landrelease *lr, size_t max)
{
    /* by released area, most first */
    size_t *idx = calloc(lr->ngroups ? lr->ngroups : 1, sizeof *idx), n = 0;
    if (!idx)
        return;
    for (size_t i = 0; i < lr->ngroups; i++)
        if (lr->groups[i].released.total > 0)
            idx[n++] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i;
             j > 0 && lr->groups[idx[j - 1]].released.total < lr->groups[idx[j]].released.total;
             j--) {
            size_t t = idx[j - 1];
            idx[j - 1] = idx[j];
            idx[j] = t;
        }
    size_t shown = n < max ? n : max;
    tab b = {.ncols = 4};
    tab_add(&b, T("table.admin_area"));
    tab_add(&b, T("lr.total_ha"));
    tab_add(&b, T("lr.cleared_ha"));
    tab_add(&b, T("lr.remaining_ha"));
    for (size_t i = 0; i < shown; i++) {
        const dm_lr_figures *g = &lr->groups[idx[i]];
        char buf[256], name[600];
        snprintf(name, sizeof name, "%s (%s)", g->name[0] ? g->name : g->key, g->key);
        tab_add(&b, name);
        tab_add(&b, num_ha(r, g->released.total, buf, sizeof buf));
        tab_add(&b, num_ha(r, g->released.cleared, buf, sizeof buf));
        tab_add(&b, num_ha(r, g->remaining_area_m2, buf, sizeof buf));
    }
    static const double w[] = {0.46, 0.18, 0.18, 0.18};
    if (shown)
        tab_draw(r, &b, w, 8, 1);
    else {
        tab_free(&b);
        dm_doc_para(&r->d, T("lr.none"), 8.5, DM_TXT_ITALIC, 0x333333);
    }
    if (n > shown) {
        char more[32], line[400];
        snprintf(more, sizeof more, "%zu", n - shown);
        const char *args[] = {more};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "lr.more_areas", line, sizeof line, 1, args), 7.5,
                    DM_TXT_ITALIC, 0x333333);
    }
    free(idx);
}

static void items_table(rep *r, const dm_items_stats *it)
{
    tab b = {.ncols = 4};
    tab_add(&b, T("table.category"));
    tab_add(&b, T("items.records"));
    tab_add(&b, T("items.quantity"));
    tab_add(&b, T("items.destroyed"));
    for (size_t i = 0; i <= it->ngroups; i++) {
        const dm_items_figures *g = i < it->ngroups ? &it->groups[i] : &it->total;
        char buf[256];
        tab_add(&b,
                i < it->ngroups ? value_name(r, "eo", g->key, buf, sizeof buf) : T("fig.total"));
        tab_add(&b, num_int(r, g->records, buf, sizeof buf));
        tab_add(&b, num_int(r, g->quantity, buf, sizeof buf));
        tab_add(&b, num_int(r, g->destroyed, buf, sizeof buf));
    }
    static const double w[] = {0.4, 0.2, 0.2, 0.2};
    tab_draw(r, &b, w, 8.5, 1);
}

/* The detail of a finding in the report's language: check.detail.WHAT with
 * the kind's name, or the check's own (English) text for a finding the
 * translation has no text for (the store's integrity findings, which name
 * tables and counts; the probable duplicates, which name their incidents). */
static const char *check_detail(rep *r, const dm_check_item *c, char *buf, size_t sz)
{
    char key[DM_I18N_KEY_MAX + 1], kind[DM_I18N_KEY_MAX + 1];
    snprintf(key, sizeof key, "check.detail.%s", c->what);
    const char *t = dm_i18n_get(r->t, key);
    if (t[0] == '[') {
        dm_utf8_copy(buf, sz, c->detail);
        return buf;
    }
    snprintf(kind, sizeof kind, "kind.%s", c->kind ? c->kind->table : "");
    const char *a[] = {c->kind ? T(kind) : ""};
    return dm_i18n_fmt(r->t, key, buf, sz, 1, a);
}

static void check_table(rep *r, const dm_check_report *cr, const char *source)
{
    if (cr->n == 0) {
        char line[300];
        const char *a[] = {source};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "check.none", line, sizeof line, 1, a), 8.5, 0,
                    0x000000);
        return;
    }
    tab b = {.ncols = 4};
    tab_add(&b, T("check.severity"));
    tab_add(&b, T("check.what"));
    tab_add(&b, T("check.detail"));
    tab_add(&b, T("check.count"));
    for (size_t i = 0; i < cr->n; i++) {
        const dm_check_item *c = &cr->items[i];
        char buf[256], detail[700];
        tab_add(&b, value_name(r, "severity", c->severity, buf, sizeof buf));
        tab_add(&b, c->what);
        tab_add(&b, check_detail(r, c, detail, sizeof detail));
        tab_add(&b, num_int(r, (int64_t)(c->codes.n ? c->codes.n : c->nlines), buf, sizeof buf));
    }
    static const double w[] = {0.16, 0.2, 0.52, 0.12};
    tab_draw(r, &b, w, 7, 7);
}

/* The two data-quality checks of the monthly report, each a side part. */
static dm_status check_part(dm_store *store, void *ctx, dm_error *err)
{
    return dm_check_run(store, ctx, err);
}

static dm_status casualty_check_part(dm_store *store, void *ctx, dm_error *err)
{
    return dm_casualty_check_run(store, -1, ctx, err);
}

dm_status dm_report_monthly(dm_store *store, const dm_report_opts *o, dm_error *err)
{
    char month[8];
    dm_status st = dm_report_month_parse(o->month, month, err);
    if (st)
        return st;
    rep rr, *r = &rr;
    st = rep_begin(r, store, o, DM_DOC_PDF, A4_W, A4_H, err);
    if (st)
        return st;
    char m0[11], m1[11];
    snprintf(m0, sizeof m0, "%s-01", month);
    month_end(month, m1);
    dm_casualties cm = {0}, cs = {0}, cma = {0}, csa = {0}, cmd = {0}, csd = {0}, ctr = {0};
    dm_landrelease lrm = {0}, lra = {0};
    dm_items_stats it = {0};
    dm_check_report chk = {0}, cchk = {0};
    dm_map_point *pts = NULL;
    size_t npts = 0;
    bool have[8] = {0};
    char keys[12][8];
    last_months(month, keys);
    char trend0[11];
    snprintf(trend0, sizeof trend0, "%s-01", keys[0]);
    /* The casualties to date. With small cells hidden (min_cell), figures to
     * the month's end would give each hidden cell of the month away: the
     * reports of two months in a row, subtracted, are the month. So a
     * protected report counts to date only to the end of the last whole
     * year, as the published statistics take whole years only; and when
     * the configured start falls in the month's own year, the "to date"
     * columns are the month's. */
    char c0[11], c1[11];
    snprintf(c0, sizeof c0, "%s", o->since);
    snprintf(c1, sizeof c1, "%s", m1);
    if (o->min_cell > 1) {
        snprintf(c1, sizeof c1, "%04d-12-31", atoi(month) - 1);
        if (c0[0] && strcmp(c0, c1) > 0) {
            snprintf(c0, sizeof c0, "%s", m0);
            snprintf(c1, sizeof c1, "%s", m1);
        }
    }
    side check_side, cas_check_side;
    side_start(&check_side, store, check_part, &chk);
    side_start(&cas_check_side, store, casualty_check_part, &cchk);
    if (!(st = cas(r, m0, m1, DM_CAS_NONE, &cm, err)))
        have[0] = true;
    if (!st && !(st = cas(r, c0, c1, DM_CAS_NONE, &cs, err)))
        have[1] = true;
    if (!st && !(st = cas(r, m0, m1, DM_CAS_ADMIN, &cma, err)))
        have[2] = true;
    if (!st && !(st = cas(r, c0, c1, DM_CAS_ADMIN, &csa, err)))
        have[3] = true;
    if (!st && !(st = cas(r, m0, m1, DM_CAS_DEVICE, &cmd, err)))
        have[4] = true;
    if (!st && !(st = cas(r, c0, c1, DM_CAS_DEVICE, &csd, err)))
        have[5] = true;
    if (!st && !(st = cas(r, trend0, m1, DM_CAS_MONTH, &ctr, err)))
        have[6] = true;
    /* by month and by admin area from one overlay of the same records */
    const dm_lr_opts lo[2] = {{.by = DM_LR_BY_MONTH, .include_drafts = o->include_drafts},
                              {.by = DM_LR_BY_ADMIN, .include_drafts = o->include_drafts}};
    dm_landrelease lr2[2];
    if (!st && !(st = dm_landrelease_compute_many(store, lo, 2, lr2, err))) {
        lrm = lr2[0];
        lra = lr2[1];
        have[7] = true;
    }
    bool have_lra = have[7], have_it = false, have_chk = false, have_cchk = false;
    dm_items_opts io = {.by = DM_ITEMS_BY_CATEGORY, .include_drafts = o->include_drafts};
    if (!st && !(st = dm_items_compute(store, &io, &it, err)))
        have_it = true;
    hz_count hz = {m0, m1, 0, 0};
    static const char *const hz_fields[] = {"date_recorded"};
    if (!st)
        st = dm_store_scan(store, &dm_kind_hazards, hz_fields, 1, o->include_drafts, hz_row, &hz,
                           err);
    if (!st)
        st = accident_points(r, m0, m1, &pts, &npts, err);
    /* joined whatever happened, so that no thread outlives the report */
    have_chk = side_join(&check_side, store, &st, err);
    have_cchk = side_join(&cas_check_side, store, &st, err);

    if (!st) {
        int y = atoi(month), m = atoi(month + 5);
        char mname[64], title[200], since_d[64], mhead[120], shead[160], end_d[64];
        dm_i18n_month(r->t, y, m, mname, sizeof mname);
        const char *ta[] = {mname};
        dm_i18n_fmt(r->t, "monthly.title", title, sizeof title, 1, ta);
        dm_i18n_date(r->t, c1, end_d, sizeof end_d);
        dm_utf8_copy(mhead, sizeof mhead, mname);
        if (c0[0]) {
            dm_i18n_date(r->t, c0, since_d, sizeof since_d);
            const char *sa[] = {since_d, end_d};
            dm_i18n_fmt(r->t, "period.since_to", shead, sizeof shead, 2, sa);
        } else {
            const char *sa[] = {end_d};
            dm_i18n_fmt(r->t, "period.all_to", shead, sizeof shead, 1, sa);
        }
        char sub[300];
        char d0[64], mend_d[64];
        dm_i18n_date(r->t, m0, d0, sizeof d0);
        dm_i18n_date(r->t, m1, mend_d, sizeof mend_d);
        const char *pa[] = {d0, mend_d};
        dm_i18n_fmt(r->t, "monthly.period", sub, sizeof sub, 2, pa);
        title_block(r, title, sub);

        /* 1. casualties */
        dm_doc_heading(&r->d, T("cas.heading"));
        definitions(r, "cas.definition");
        const dm_casualties *pair[] = {&cm, &cs};
        const char *heads[] = {mhead, shead};
        cas_summary_table(r, pair, heads, 2, false);
        if (o->min_cell > 1)
            dm_doc_para(&r->d, T("cas.protected_to_date"), 7.5, DM_TXT_ITALIC, 0x333333);
        if (cs.undated_excluded) {
            char n[32], line[400];
            num_int(r, cs.undated_excluded, n, sizeof n);
            const char *a[] = {n};
            dm_doc_para(&r->d, dm_i18n_fmt(r->t, "cas.undated", line, sizeof line, 1, a), 7.5,
                        DM_TXT_ITALIC, 0x333333);
        }
        dm_doc_heading(&r->d, T("cas.by_device_heading"));
        const dm_casualties *dpair[] = {&cmd, &csd};
        cas_device_table(r, dpair, heads, 2);
        dm_doc_page(&r->d);
        char h2[300];
        const char *ha[] = {mhead};
        dm_doc_heading(&r->d, dm_i18n_fmt(r->t, "cas.by_admin_heading", h2, sizeof h2, 1, ha));
        cas_admin_table(r, &cma, 15);
        const char *hs[] = {shead};
        dm_doc_heading(&r->d, dm_i18n_fmt(r->t, "cas.by_admin_heading", h2, sizeof h2, 1, hs));
        cas_admin_table(r, &csa, 20);

        /* 2. land release, items, hazards */
        dm_doc_page(&r->d);
        dm_doc_heading(&r->d, T("lr.heading"));
        definitions(r, "lr.definition");
        const dm_lr_figures *mg = NULL;
        for (size_t i = 0; i < lrm.ngroups; i++)
            if (!strcmp(lrm.groups[i].key, month))
                mg = &lrm.groups[i];
        char ahead[160];
        const char *aa[] = {r->today};
        char todayd[64];
        dm_i18n_date(r->t, r->today, todayd, sizeof todayd);
        aa[0] = todayd;
        dm_i18n_fmt(r->t, "period.to_date", ahead, sizeof ahead, 1, aa);
        lr_method_table(r, mg, &lrm.total, mhead, ahead);
        definitions(r, "lr.month_definition");
        dm_doc_heading(&r->d, T("lr.by_admin_heading"));
        lr_admin_table(r, &lra, 12);

        dm_doc_heading(&r->d, T("items.heading"));
        definitions(r, "items.definition");
        items_table(r, &it);
        dm_doc_para(&r->d, T("items.no_month"), 7.5, DM_TXT_ITALIC, 0x333333);

        dm_doc_heading(&r->d, T("hz.heading"));
        char line[600], n[32];
        if (hz.dated == 0)
            dm_doc_para(&r->d, T("hz.opened_unknown"), 8.5, 0, 0x000000);
        else {
            num_int(r, hz.in, n, sizeof n);
            const char *a[] = {n, mhead};
            dm_doc_para(&r->d, dm_i18n_fmt(r->t, "hz.opened", line, sizeof line, 2, a), 8.5, 0,
                        0x000000);
        }
        dm_doc_para(&r->d, T("hz.closed_unknown"), 8.5, 0, 0x000000);

        /* 3. map and trends */
        dm_doc_page(&r->d);
        char mh[300];
        dm_doc_heading(&r->d, dm_i18n_fmt(r->t, "map.heading", mh, sizeof mh, 1, ha));
        double tw = r->d.w - 2 * r->d.margin;
        st = dm_map_draw(r->d.cr, r->d.margin, r->d.y, tw, 330, store, o->include_drafts, NULL, pts,
                         npts, r->t, err);
        r->d.y += 336;
        num_int(r, (int64_t)npts, n, sizeof n);
        const char *ma[] = {n};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "map.caption", line, sizeof line, 1, ma), 7.5,
                    DM_TXT_ITALIC, 0x333333);
        dm_doc_heading(&r->d, T("trend.heading"));
        const char *labels[12];
        char lab[12][32];
        double cv[36] = {0}, lv[36] = {0};
        bool cs_hidden[12] = {0};
        for (int i = 0; i < 12; i++) {
            short_month(r, keys[i], lab[i], sizeof lab[i]);
            labels[i] = lab[i];
            for (size_t g = 0; g < ctr.ngroups; g++)
                if (!strcmp(ctr.groups[g].key, keys[i]) && ctr.groups[g].suppressed)
                    cs_hidden[i] = true;
                else if (!strcmp(ctr.groups[g].key, keys[i])) {
                    cv[i] = (double)ctr.groups[g].c.killed;
                    cv[12 + i] = (double)ctr.groups[g].c.injured;
                    cv[24 + i] = (double)ctr.groups[g].c.unknown_status;
                }
            for (size_t g = 0; g < lrm.ngroups; g++)
                if (!strcmp(lrm.groups[g].key, keys[i])) {
                    lv[i] = lrm.groups[g].released.cleared / 1e4;
                    lv[12 + i] = lrm.groups[g].released.reduced / 1e4;
                    lv[24 + i] = lrm.groups[g].released.cancelled / 1e4;
                }
        }
        const char *cn[] = {T("cas.killed"), T("cas.injured"), T("cas.unknown_status")};
        const uint32_t cc[] = {0x8c1d18, 0xe08a2c, 0x9a9a9a};
        double half = (tw - 16) / 2;
        dm_chart_bars(r->d.cr, r->d.margin, r->d.y, half, 190, r->t, T("trend.casualties"), 12,
                      labels, 3, cv, cn, cc, true, cs_hidden);
        const char *ln[] = {T("lr.cleared"), T("lr.reduced"), T("lr.cancelled")};
        const uint32_t lc[] = {0x1a7f37, 0x6fbf73, 0xc7e9c0};
        dm_chart_bars(r->d.cr, r->d.margin + half + 16, r->d.y, half, 190, r->t,
                      T("trend.landrelease"), 12, labels, 3, lv, ln, lc, false, NULL);
        r->d.y += 196;
        definitions(r, "trend.definition");

        /* 4. data quality */
        dm_doc_page(&r->d);
        dm_doc_heading(&r->d, T("check.heading"));
        definitions(r, "check.definition");
        dm_doc_para(&r->d, T("check.database"), 9, DM_TXT_BOLD, 0x000000);
        check_table(r, &chk, "demine check");
        dm_doc_para(&r->d, T("check.casualties"), 9, DM_TXT_BOLD, 0x000000);
        check_table(r, &cchk, "demine casualties check");
    }
    free(pts);
    dm_casualties *all_c[] = {&cm, &cs, &cma, &csa, &cmd, &csd, &ctr};
    for (int i = 0; i < 7; i++)
        if (have[i])
            dm_casualties_free(all_c[i]);
    if (have[7])
        dm_landrelease_free(&lrm);
    if (have_lra)
        dm_landrelease_free(&lra);
    if (have_it)
        dm_items_free(&it);
    if (have_chk)
        dm_check_report_free(&chk);
    if (have_cchk)
        dm_check_report_free(&cchk);
    return rep_end(r, st, err);
}

/* ---- the factsheet ---- */

/* The factsheet's casualty figures, a side part beside its land release. */
typedef struct fact_cas {
    const dm_report_opts *o;
    const char *since, *until;
    dm_casualties c, ca;
    bool hc, hca;
} fact_cas;

static dm_status fact_cas_part(dm_store *store, void *ctx, dm_error *err)
{
    fact_cas *f = ctx;
    dm_status st = cas_on(store, f->o, f->since, f->until, DM_CAS_NONE, &f->c, err);
    if (st)
        return st;
    f->hc = true;
    st = cas_on(store, f->o, f->since, f->until, DM_CAS_ADMIN, &f->ca, err);
    f->hca = !st;
    return st;
}

dm_status dm_report_factsheet(dm_store *store, const dm_report_opts *o, dm_error *err)
{
    rep rr, *r = &rr;
    dm_status st = rep_begin(r, store, o, DM_DOC_PDF, A4_W, A4_H, err);
    if (st)
        return st;
    dm_landrelease lr = {0};
    dm_items_stats it = {0};
    bool hlr = false, hit = false;
    const char *until = o->until[0] ? o->until : r->today;
    fact_cas fc = {.o = o, .since = o->since, .until = until};
    side cas_side;
    side_start(&cas_side, store, fact_cas_part, &fc);
    dm_lr_opts lo = {.by = DM_LR_TOTAL, .include_drafts = o->include_drafts};
    if (!(st = dm_landrelease_compute(store, &lo, &lr, err)))
        hlr = true;
    dm_items_opts io = {.by = DM_ITEMS_TOTAL, .include_drafts = o->include_drafts};
    if (!st && !(st = dm_items_compute(store, &io, &it, err)))
        hit = true;
    side_join(&cas_side, store, &st, err);
    dm_casualties c = fc.c, ca = fc.ca;
    if (!st) {
        char since_d[64], until_d[64], period[200], line[800], n[5][64];
        dm_i18n_date(r->t, until, until_d, sizeof until_d);
        if (o->since[0]) {
            dm_i18n_date(r->t, o->since, since_d, sizeof since_d);
            const char *a[] = {since_d, until_d};
            dm_i18n_fmt(r->t, "period.since_to", period, sizeof period, 2, a);
        } else {
            const char *a[] = {until_d};
            dm_i18n_fmt(r->t, "period.all_to", period, sizeof period, 1, a);
        }
        title_block(r, T("factsheet.title"), period);
        /* the headline */
        if (c.total_suppressed)
            dm_doc_para(&r->d, T("fig.suppressed"), 11, 0, 0x000000);
        else {
            num_int(r, c.total.casualties, n[0], sizeof n[0]);
            num_int(r, c.total.killed, n[1], sizeof n[1]);
            num_int(r, c.total.injured, n[2], sizeof n[2]);
            num_int(r, c.total.children, n[3], sizeof n[3]);
            num_int(r, c.total.unknown_status, n[4], sizeof n[4]);
            const char *a[] = {period, n[0], n[1], n[2], n[3], n[4]};
            dm_doc_para(&r->d, dm_i18n_fmt(r->t, "factsheet.headline", line, sizeof line, 6, a), 11,
                        DM_TXT_BOLD, 0x000000);
        }
        definitions(r, "cas.definition");
        const dm_casualties *one[] = {&c};
        const char *heads[] = {period};
        cas_summary_table(r, one, heads, 1, true);
        dm_doc_heading(&r->d, T("factsheet.areas_heading"));
        cas_admin_table(r, &ca, 4);
        dm_doc_heading(&r->d, T("factsheet.lr_heading"));
        tab b = {.ncols = 2};
        char buf[256], todayd[64];
        dm_i18n_date(r->t, r->today, todayd, sizeof todayd);
        const char *ta[] = {todayd};
        char ahead[160];
        tab_add(&b, T("table.figure"));
        tab_add(&b, dm_i18n_fmt(r->t, "period.to_date", ahead, sizeof ahead, 1, ta));
        tab_add(&b, T("lr.total_ha"));
        tab_add(&b, num_ha(r, lr.total.released.total, buf, sizeof buf));
        tab_add(&b, T("lr.cleared_ha"));
        tab_add(&b, num_ha(r, lr.total.released.cleared, buf, sizeof buf));
        tab_add(&b, T("lr.remaining_ha"));
        tab_add(&b, num_ha(r, lr.total.remaining_area_m2, buf, sizeof buf));
        tab_add(&b, T("items.destroyed"));
        tab_add(&b, num_int(r, it.total.destroyed, buf, sizeof buf));
        static const double w[] = {0.6, 0.4};
        tab_draw(r, &b, w, 8.5, 1);
        definitions(r, "factsheet.lr_definition");
        double left = r->d.h - r->d.margin - r->d.y - 30;
        /* a locator map in what is left of the page (about 80 pt in ru,
           whose title and headline take more lines) */
        if (left > 70) {
            double tw = r->d.w - 2 * r->d.margin;
            st = dm_map_draw(r->d.cr, r->d.margin, r->d.y, tw, left, store, o->include_drafts, NULL,
                             NULL, 0, r->t, err);
            r->d.y += left + 4;
        }
        dm_doc_para(&r->d, T("factsheet.trace"), 7, DM_TXT_ITALIC, 0x444444);
    }
    if (fc.hc)
        dm_casualties_free(&c);
    if (fc.hca)
        dm_casualties_free(&ca);
    if (hlr)
        dm_landrelease_free(&lr);
    if (hit)
        dm_items_free(&it);
    return rep_end(r, st, err);
}

/* ---- charts ---- */

dm_status dm_report_chart_casualties(dm_store *store, const dm_report_opts *o, dm_cas_dim by,
                                     dm_error *err)
{
    if (by != DM_CAS_YEAR && by != DM_CAS_MONTH)
        return dm_error_set(err, DM_EINVAL, "a chart of casualties is by year or by month");
    char ext[16];
    dm_outfile_ext(o->out ? o->out : "", ext);
    dm_doc_format f = !strcmp(ext, "svg")   ? DM_DOC_SVG
                      : !strcmp(ext, "png") ? DM_DOC_PNG
                      : !strcmp(ext, "pdf") ? DM_DOC_PDF
                                            : (dm_doc_format)-1;
    if ((int)f < 0)
        return dm_error_set(err, DM_EINVAL, "%s: a chart is .svg, .png or .pdf",
                            o->out ? o->out : "");
    rep rr, *r = &rr;
    dm_status st = rep_begin(r, store, o, f, 720, 360, err);
    if (st)
        return st;
    dm_casualties c = {0};
    bool hc = false;
    if (!(st = cas(r, o->since, o->until, by, &c, err)))
        hc = true;
    if (!st) {
        /* every period from the first to the last (since/until when given) */
        char first[8] = "", last[8] = "";
        for (size_t i = 0; i < c.ngroups; i++) {
            if (!strcmp(c.groups[i].key, "unknown"))
                continue;
            if (!first[0] || strcmp(c.groups[i].key, first) < 0)
                snprintf(first, sizeof first, "%.7s", c.groups[i].key);
            if (strcmp(c.groups[i].key, last) > 0)
                snprintf(last, sizeof last, "%.7s", c.groups[i].key);
        }
        size_t klen = by == DM_CAS_YEAR ? 4 : 7;
        if (o->since[0])
            snprintf(first, klen + 1, "%s", o->since);
        if (o->until[0])
            snprintf(last, klen + 1, "%s", o->until);
        else if (!last[0])
            snprintf(last, klen + 1, "%s", r->today);
        if (!first[0])
            dm_utf8_copy(first, sizeof first, last);
        int y = atoi(first), m = by == DM_CAS_MONTH ? atoi(first + 5) : 1;
        int ly = atoi(last), lm = by == DM_CAS_MONTH ? atoi(last + 5) : 1;
        size_t n = (size_t)((ly - y) * (by == DM_CAS_MONTH ? 12 : 1) +
                            (by == DM_CAS_MONTH ? lm - m : 0) + 1);
        if (n < 1 || n > 20000) {
            st = dm_error_set(err, DM_EINVAL, "too many periods for one chart: %zu", n);
            n = 0;
        }
        char(*keys)[8] = n ? calloc(n, sizeof *keys) : NULL;
        char(*names)[32] = n && by == DM_CAS_MONTH ? calloc(n, sizeof *names) : NULL;
        const char **labels = n ? calloc(n, sizeof *labels) : NULL;
        double *v = n ? calloc(3 * n, sizeof *v) : NULL;
        bool *hidden = n ? calloc(n, sizeof *hidden) : NULL;
        if (n && (!keys || !labels || !v || !hidden || (by == DM_CAS_MONTH && !names)))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
        for (size_t i = 0; !st && i < n; i++) {
            if (by == DM_CAS_MONTH)
                snprintf(keys[i], 8, "%04d-%02d", y, m);
            else
                snprintf(keys[i], 8, "%04d", y);
            labels[i] = keys[i];
            if (by == DM_CAS_MONTH) { /* the month as the language writes it */
                short_month(r, keys[i], names[i], sizeof names[i]);
                labels[i] = names[i];
            }
            for (size_t g = 0; g < c.ngroups; g++)
                if (!strcmp(c.groups[g].key, keys[i]) && c.groups[g].suppressed)
                    hidden[i] = true;
                else if (!strcmp(c.groups[g].key, keys[i])) {
                    v[i] = (double)c.groups[g].c.killed;
                    v[n + i] = (double)c.groups[g].c.injured;
                    v[2 * n + i] = (double)c.groups[g].c.unknown_status;
                }
            if (by == DM_CAS_MONTH && ++m == 13)
                m = 1, y++;
            else if (by == DM_CAS_YEAR)
                y++;
        }
        if (!st) {
            char title[300], period[200], fd[64], ld[64];
            char f0[11], l0[11];
            snprintf(f0, sizeof f0, "%s", o->since[0] ? o->since : "");
            snprintf(l0, sizeof l0, "%s", o->until[0] ? o->until : "");
            if (f0[0] && l0[0]) {
                dm_i18n_date(r->t, f0, fd, sizeof fd);
                dm_i18n_date(r->t, l0, ld, sizeof ld);
                const char *a[] = {fd, ld};
                dm_i18n_fmt(r->t, "period.since_to", period, sizeof period, 2, a);
            } else if (f0[0]) {
                dm_i18n_date(r->t, f0, fd, sizeof fd);
                const char *a[] = {fd};
                dm_i18n_fmt(r->t, "period.since", period, sizeof period, 1, a);
            } else
                dm_utf8_copy(period, sizeof period, T("period.all"));
            const char *ta[] = {T(by == DM_CAS_MONTH ? "chart.by_month" : "chart.by_year"), period};
            dm_i18n_fmt(r->t, "chart.casualties_title", title, sizeof title, 2, ta);
            const char *cn[] = {T("cas.killed"), T("cas.injured"), T("cas.unknown_status")};
            const uint32_t cc[] = {0x8c1d18, 0xe08a2c, 0x9a9a9a};
            bool any_hidden = false;
            for (size_t i = 0; i < n; i++)
                any_hidden |= hidden[i];
            dm_chart_bars(r->d.cr, 16, 12, r->d.w - 32, r->d.h - (any_hidden ? 50 : 40), r->t,
                          title, n, labels, 3, v, cn, cc, true, hidden);
            char tot[64], line[400];
            cas_cell(r, c.total.casualties, c.total_suppressed, tot, sizeof tot);
            const char *fa[] = {tot};
            dm_doc_text_at(&r->d, 16, r->d.h - 16, r->d.w - 32,
                           dm_i18n_fmt(r->t, "chart.footer", line, sizeof line, 1, fa), 7,
                           DM_TXT_ITALIC, 0x444444);
            if (any_hidden) { /* why some periods have no bar */
                char cell[16];
                snprintf(cell, sizeof cell, "%d", o->min_cell - 1);
                const char *ma[] = {cell};
                dm_doc_text_at(&r->d, 16, r->d.h - 27, r->d.w - 32,
                               dm_i18n_fmt(r->t, "report.min_cell", line, sizeof line, 1, ma), 7,
                               DM_TXT_ITALIC, 0x444444);
            }
        }
        free(keys);
        free(names);
        free(labels);
        free(v);
        free(hidden);
    }
    if (hc)
        dm_casualties_free(&c);
    return rep_end(r, st, err);
}

/* ---- the hazard map sheet ---- */

/* Records of kind linked to the hazard: hazard_code == code, or (with
 * spatial) whose geometry meets the hazard's. Calls fn for each; the record
 * is valid during the call only. */
typedef void (*linked_fn)(rep *r, const dm_record *rec, void *ctx);

static dm_status linked(rep *r, const dm_kind *k, const char *code, const GEOSGeometry *hz,
                        bool spatial, linked_fn fn, void *ctx, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(r->store));
    dm_query q = {.kind = k,
                  .include_drafts = r->o->include_drafts,
                  .with_geometry = spatial,
                  .keep_damaged = true};
    double x0, y0, x1, y1;
    if (spatial && GEOSGeom_getXMin_r(h, hz, &x0) && GEOSGeom_getYMin_r(h, hz, &y0) &&
        GEOSGeom_getXMax_r(h, hz, &x1) && GEOSGeom_getYMax_r(h, hz, &y1)) {
        q.has_bbox = true;
        q.bbox[0] = x0, q.bbox[1] = y0, q.bbox[2] = x1, q.bbox[3] = y1;
    }
    dm_status st = DM_OK;
    /* by code: every record (hazard_code needs no geometry); by place: the bbox */
    for (int pass = 0; pass < (spatial ? 2 : 1) && !st; pass++) {
        dm_query qq = q;
        if (pass == 0)
            qq.has_bbox = false;
        dm_cursor *cur;
        st = dm_store_query(r->store, &qq, &cur, err);
        if (st)
            break;
        dm_record rec;
        dm_record_init(&rec, k);
        bool has;
        while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
            const char *hc = dm_record_get(&rec, "hazard_code");
            bool by_code = hc && !strcmp(hc, code);
            if (pass == 0 && by_code)
                fn(r, &rec, ctx);
            else if (pass == 1 && !by_code && rec.geom && GEOSIntersects_r(h, rec.geom, hz) == 1)
                fn(r, &rec, ctx);
        }
        dm_record_clear(&rec, dm_store_geo(r->store));
        dm_cursor_close(cur);
    }
    return st;
}

static const char *val(const dm_record *rec, const char *field)
{
    const char *v = dm_record_get(rec, field);
    return v ? v : "";
}

/* Appends (x, y) to a growing list of points; false when out of memory. */
static bool point_add(dm_map_point **pts, size_t *n, size_t *cap, double x, double y)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 32;
        dm_map_point *p = realloc(*pts, c * sizeof *p);
        if (!p)
            return false;
        *pts = p;
        *cap = c;
    }
    (*pts)[(*n)++] = (dm_map_point){x, y};
    return true;
}

typedef struct item_ctx {
    tab b;
    dm_map_point *pts;
    size_t n, cap;
} item_ctx;

static void item_row(rep *r, const dm_record *rec, void *ctx)
{
    item_ctx *c = ctx;
    char buf[256], date[64];
    tab_add(&c->b, rec->code);
    tab_add(&c->b, value_name(r, "eo", val(rec, "category"), buf, sizeof buf));
    tab_add(&c->b, val(rec, "model"));
    tab_add(&c->b, val(rec, "quantity")[0] ? val(rec, "quantity") : "1");
    tab_add(&c->b, value_name(r, "disposal", val(rec, "disposal"), buf, sizeof buf));
    tab_add(&c->b, dm_i18n_date(r->t, val(rec, "date"), date, sizeof date));
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(r->store));
    double x, y;
    if (rec->geom && GEOSGeomGetX_r(h, rec->geom, &x) && GEOSGeomGetY_r(h, rec->geom, &y))
        point_add(&c->pts, &c->n, &c->cap, x, y);
}

static void activity_row(rep *r, const dm_record *rec, void *ctx)
{
    tab *b = ctx;
    char buf[256], d0[64], d1[64];
    tab_add(b, rec->code);
    tab_add(b, value_name(r, "activity", val(rec, "type"), buf, sizeof buf));
    tab_add(b, val(rec, "organisation"));
    tab_add(b, dm_i18n_date(r->t, val(rec, "start_date"), d0, sizeof d0));
    tab_add(b, dm_i18n_date(r->t, val(rec, "end_date"), d1, sizeof d1));
    tab_add(b, value_name(r, "activity_status", val(rec, "status"), buf, sizeof buf));
}

typedef struct release_ctx {
    tab b;
    GEOSGeometry **geoms; /* for the map */
    size_t n, cap;
} release_ctx;

static void release_row(rep *r, const dm_record *rec, void *ctx)
{
    release_ctx *c = ctx;
    char buf[256], date[64];
    tab_add(&c->b, rec->code);
    tab_add(&c->b, value_name(r, "method", val(rec, "method"), buf, sizeof buf));
    tab_add(&c->b, dm_i18n_date(r->t, val(rec, "date"), date, sizeof date));
    tab_add(&c->b, val(rec, "organisation"));
    tab_add(&c->b, rec->geom ? num_ha(r, dm_geo_area_m2(dm_store_geo(r->store), rec->geom), buf,
                                      sizeof buf)
                             : T("fig.not_applicable"));
}

typedef struct mf_ctx {
    tab b;
    dm_map_point *pts; /* predicted mines */
    size_t n, cap;
    dm_error err;
} mf_ctx;

static void mf_row(rep *r, const dm_record *rec, void *ctx)
{
    mf_ctx *c = ctx;
    dm_mf_record mr;
    memset(&mr, 0, sizeof mr);
    char buf[256], date[64], why[300] = "";
    tab_add(&c->b, rec->code);
    tab_add(&c->b, dm_i18n_date(r->t, val(rec, "laid"), date, sizeof date));
    dm_error e;
    dm_error_clear(&e);
    if (dm_mf_stored_record(r->store, rec->code, &mr, &e)) {
        dm_utf8_copy(why, sizeof why, e.msg);
        tab_add(&c->b, T("fig.not_applicable"));
        tab_add(&c->b, T("fig.not_applicable"));
        tab_add(&c->b, T("fig.not_applicable"));
        tab_add(&c->b, why);
        return;
    }
    size_t n = 0;
    dm_mf_prediction_set set;
    dm_mf_frame frame;
    dm_status st = dm_mf_predict_stored(r->store, &mr, 0, &frame, &set, &n, &e);
    tab_add(&c->b, num_int(r, (int64_t)n, buf, sizeof buf));
    if (!st) {
        tab_add(&c->b, num_int(r, (int64_t)set.n, buf, sizeof buf));
        tab_add(&c->b, dm_i18n_num(r->t, set.fit.confidence, 2, buf, sizeof buf));
        tab_add(&c->b, "");
        for (size_t i = 0; i < set.n; i++) {
            double lon, lat;
            dm_mf_frame_to_lonlat(&frame, set.items[i].x, set.items[i].y, &lon, &lat);
            if (!point_add(&c->pts, &c->n, &c->cap, lon, lat))
                break;
        }
    } else {
        tab_add(&c->b, T("fig.not_applicable"));
        tab_add(&c->b, T("fig.not_applicable"));
        tab_add(&c->b, e.msg);
    }
    dm_mf_prediction_set_free(&set);
    dm_mf_record_free(&mr);
}

/* A round grid step in degrees for about 4-6 lines over span degrees. */
static double grid_step(double span)
{
    static const double steps[] = {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01,
                                   0.02,   0.05,   0.1,    0.2,   0.5,   1};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= 6)
            return steps[i];
    return 1;
}

static void north_arrow(cairo_t *cr, double x, double y)
{
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x - 12, y - 4, 24, 38);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, x, y + 12);
    cairo_line_to(cr, x - 7, y + 32);
    cairo_line_to(cr, x, y + 27);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_move_to(cr, x, y + 12);
    cairo_line_to(cr, x + 7, y + 32);
    cairo_line_to(cr, x, y + 27);
    cairo_close_path(cr);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Draws the records of kind in the view (fill, alpha, stroke). */
static dm_status draw_view(rep *r, const dm_map_proj *p, const dm_kind *k, uint32_t fill,
                           double alpha, uint32_t stroke, double lw, dm_error *err)
{
    cairo_t *cr = r->d.cr;
    dm_query q = {.kind = k,
                  .include_drafts = r->o->include_drafts,
                  .with_geometry = true,
                  .keep_damaged = true,
                  .has_bbox = true};
    q.bbox[0] = p->minlon, q.bbox[1] = p->minlat, q.bbox[2] = p->maxlon, q.bbox[3] = p->maxlat;
    dm_cursor *cur;
    dm_status st = dm_store_query(r->store, &q, &cur, err);
    if (st)
        return st;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(r->store));
    dm_record rec;
    dm_record_init(&rec, k);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom)
            continue;
        cairo_new_path(cr);
        dm_map_path(cr, p, h, rec.geom);
        cairo_set_source_rgba(cr, ((fill >> 16) & 255) / 255.0, ((fill >> 8) & 255) / 255.0,
                              (fill & 255) / 255.0, alpha);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, ((stroke >> 16) & 255) / 255.0, ((stroke >> 8) & 255) / 255.0,
                             (stroke & 255) / 255.0);
        cairo_set_line_width(cr, lw);
        cairo_stroke(cr);
    }
    dm_record_clear(&rec, dm_store_geo(r->store));
    dm_cursor_close(cur);
    return st;
}

/* The exterior rings' vertices of a (multi)polygon, the closing point left
 * out: 2 doubles each into *xy (malloc'd). */
static size_t turning_points(GEOSContextHandle_t h, const GEOSGeometry *g, double **xy)
{
    size_t n = 0, cap = 0;
    *xy = NULL;
    int parts = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < parts; i++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, i);
        if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON)
            continue;
        const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, poly));
        unsigned int m = 0;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &m))
            continue;
        for (unsigned int j = 0; j + 1 < m; j++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                double *p = realloc(*xy, cap * 2 * sizeof *p);
                if (!p)
                    return n;
                *xy = p;
            }
            GEOSCoordSeq_getXY_r(h, cs, j, &(*xy)[2 * n], &(*xy)[2 * n + 1]);
            n++;
        }
    }
    return n;
}

#define MAX_POINTS_LISTED 60

dm_status dm_report_hazard(dm_store *store, const dm_report_opts *o, const char *hazard_code,
                           dm_error *err)
{
    dm_record hz;
    dm_record_init(&hz, &dm_kind_hazards);
    dm_status st = dm_store_get(store, &dm_kind_hazards, hazard_code, &hz, err);
    if (st == DM_ENOTFOUND || (!st && strcmp(hz.state, "rejected") == 0) ||
        (!st && !o->include_drafts && strcmp(hz.state, "approved") != 0)) {
        dm_record_clear(&hz, dm_store_geo(store));
        return dm_error_set(err, DM_ENOTFOUND, "no %shazardous area %s in the database",
                            o->include_drafts ? "" : "approved ", hazard_code);
    }
    if (st)
        return st;
    if (!hz.geom) {
        dm_record_clear(&hz, dm_store_geo(store));
        return dm_error_set(err, DM_EINVAL, "%s has no polygon to draw", hazard_code);
    }
    rep rr, *r = &rr;
    st = rep_begin(r, store, o, DM_DOC_PDF, A4_W, A4_H, err);
    if (st) {
        dm_record_clear(&hz, dm_store_geo(store));
        return st;
    }
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    double *tp = NULL;
    size_t ntp = turning_points(h, hz.geom, &tp);
    item_ctx items = {.b = {.ncols = 6}};
    tab acts = {.ncols = 6};
    release_ctx rel = {.b = {.ncols = 5}};
    mf_ctx mf = {.b = {.ncols = 6}};
    tab_add(&items.b, T("hs.code"));
    tab_add(&items.b, T("table.category"));
    tab_add(&items.b, T("hs.model"));
    tab_add(&items.b, T("hs.quantity"));
    tab_add(&items.b, T("hs.disposal"));
    tab_add(&items.b, T("hs.date"));
    tab_add(&acts, T("hs.code"));
    tab_add(&acts, T("hs.activity_type"));
    tab_add(&acts, T("hs.organisation"));
    tab_add(&acts, T("hs.start"));
    tab_add(&acts, T("hs.end"));
    tab_add(&acts, T("hs.status"));
    tab_add(&rel.b, T("hs.code"));
    tab_add(&rel.b, T("hs.method"));
    tab_add(&rel.b, T("hs.date"));
    tab_add(&rel.b, T("hs.organisation"));
    tab_add(&rel.b, T("table.figure_ha"));
    tab_add(&mf.b, T("hs.code"));
    tab_add(&mf.b, T("hs.laid"));
    tab_add(&mf.b, T("hs.mines_found"));
    tab_add(&mf.b, T("hs.mines_predicted"));
    tab_add(&mf.b, T("hs.confidence"));
    tab_add(&mf.b, T("hs.note"));
    st = linked(r, &dm_kind_eo_items, hazard_code, hz.geom, true, item_row, &items, err);
    if (!st)
        st = linked(r, &dm_kind_activities, hazard_code, hz.geom, false, activity_row, &acts, err);
    if (!st)
        st = linked(r, &dm_kind_releases, hazard_code, hz.geom, true, release_row, &rel, err);
    if (!st)
        st = linked(r, &dm_kind_minefield_records, hazard_code, hz.geom, false, mf_row, &mf, err);

    /* UTM zone of the hazard's centre (PROJ) */
    double cx = 0, cy = 0;
    GEOSGeometry *ctr = GEOSGetCentroid_r(h, hz.geom);
    if (ctr) {
        GEOSGeomGetX_r(h, ctr, &cx);
        GEOSGeomGetY_r(h, ctr, &cy);
        GEOSGeom_destroy_r(h, ctr);
    }
    int zone = (int)floor((cx + 180) / 6) + 1;
    if (zone < 1)
        zone = 1;
    if (zone > 60)
        zone = 60;
    int epsg = (cy >= 0 ? 32600 : 32700) + zone;
    PJ_CONTEXT *pc = proj_context_create();
    char crs[32];
    snprintf(crs, sizeof crs, "EPSG:%d", epsg);
    PJ *pj = pc ? proj_create_crs_to_crs(pc, "EPSG:4326", crs, NULL) : NULL;
    PJ *pjn = pj ? proj_normalize_for_visualization(pc, pj) : NULL;

    if (!st) {
        char title[200], line[600], buf[96];
        const char *ta[] = {hazard_code};
        dm_i18n_fmt(r->t, "hs.title", title, sizeof title, 1, ta);
        title_block(r, title, val(&hz, "name"));
        /* the map */
        double tw = r->d.w - 2 * r->d.margin, mh = 380, mx = r->d.margin, my = r->d.y;
        double x0, y0, x1, y1;
        GEOSGeom_getXMin_r(h, hz.geom, &x0);
        GEOSGeom_getYMin_r(h, hz.geom, &y0);
        GEOSGeom_getXMax_r(h, hz.geom, &x1);
        GEOSGeom_getYMax_r(h, hz.geom, &y1);
        double padx = fmax((x1 - x0) * 0.15, 0.001), pady = fmax((y1 - y0) * 0.15, 0.001);
        double bb[4] = {x0 - padx, y0 - pady, x1 + padx, y1 + pady};
        dm_map_proj p;
        dm_map_fit(&p, mx, my, tw, mh, bb);
        cairo_t *cr = r->d.cr;
        cairo_save(cr);
        cairo_rectangle(cr, mx, my, tw, mh);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_clip(cr);
        st = draw_view(r, &p, &dm_kind_hazards, 0xf4c7c3, 0.5, 0xe08080, 0.4, err);
        if (!st)
            st = draw_view(r, &p, &dm_kind_releases, 0x6fbf73, 0.35, 0x1a7f37, 0.4, err);
        /* the grid */
        double step = grid_step(fmax(p.maxlon - p.minlon, p.maxlat - p.minlat));
        int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        cairo_set_line_width(cr, 0.3);
        for (double lon = ceil(p.minlon / step) * step; lon <= p.maxlon; lon += step) {
            double px, py;
            dm_map_xy(&p, lon, p.maxlat, &px, &py);
            cairo_set_source_rgba(cr, 0.3, 0.3, 0.3, 0.7);
            cairo_move_to(cr, px, my);
            cairo_line_to(cr, px, my + mh);
            cairo_stroke(cr);
            dm_i18n_num(r->t, fabs(lon), dec, buf, sizeof buf);
            strcat(buf, lon >= 0 ? "°E" : "°W");
            /* right of its line, or left of it where the north arrow is
               (its box begins 32 pt from the right edge; a label of 6 pt is
               under 3.6 pt a byte wide) */
            double lw = 3.6 * (double)strlen(buf);
            dm_doc_text_at(&r->d, px + 2 + lw < mx + tw - 34 ? px + 2 : px - 2 - lw, my + 1, 0, buf,
                           6, 0, 0x333333);
        }
        for (double lat = ceil(p.minlat / step) * step; lat <= p.maxlat; lat += step) {
            double px, py;
            dm_map_xy(&p, p.minlon, lat, &px, &py);
            cairo_set_source_rgba(cr, 0.3, 0.3, 0.3, 0.7);
            cairo_move_to(cr, mx, py);
            cairo_line_to(cr, mx + tw, py);
            cairo_stroke(cr);
            dm_i18n_num(r->t, fabs(lat), dec, buf, sizeof buf);
            strcat(buf, lat >= 0 ? "°N" : "°S");
            dm_doc_text_at(&r->d, mx + 2, py - 8, 0, buf, 6, 0, 0x333333);
        }
        /* the hazard */
        cairo_new_path(cr);
        dm_map_path(cr, &p, h, hz.geom);
        cairo_set_source_rgba(cr, 0.84, 0.19, 0.12, 0.25);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.7, 0, 0);
        cairo_set_line_width(cr, 1.4);
        cairo_stroke(cr);
        /* predicted mines, items found */
        for (size_t i = 0; i < mf.n; i++) {
            double px, py;
            dm_map_xy(&p, mf.pts[i].lon, mf.pts[i].lat, &px, &py);
            cairo_new_path(cr);
            cairo_arc(cr, px, py, 2, 0, 2 * M_PI);
            cairo_set_source_rgb(cr, 0.1, 0.3, 0.8);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
        }
        for (size_t i = 0; i < items.n; i++) {
            double px, py;
            dm_map_xy(&p, items.pts[i].lon, items.pts[i].lat, &px, &py);
            cairo_new_path(cr);
            cairo_move_to(cr, px, py - 3.5);
            cairo_line_to(cr, px + 3, py + 2);
            cairo_line_to(cr, px - 3, py + 2);
            cairo_close_path(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_fill(cr);
        }
        /* turning points: numbered (every k-th when there are many) */
        size_t every =
            ntp > MAX_POINTS_LISTED ? (ntp + MAX_POINTS_LISTED - 1) / MAX_POINTS_LISTED : 1;
        for (size_t i = 0; i < ntp; i += every) {
            double px, py;
            dm_map_xy(&p, tp[2 * i], tp[2 * i + 1], &px, &py);
            cairo_new_path(cr);
            cairo_arc(cr, px, py, 1.6, 0, 2 * M_PI);
            cairo_set_source_rgb(cr, 0.5, 0, 0);
            cairo_fill(cr);
            snprintf(buf, sizeof buf, "%zu", i + 1);
            dm_doc_text_at(&r->d, px + 2, py - 9, 0, buf, 6.5, DM_TXT_BOLD, 0x550000);
        }
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 0.6);
        cairo_rectangle(cr, mx, my, tw, mh);
        cairo_stroke(cr);
        north_arrow(cr, mx + tw - 20, my + 8);
        dm_doc_text_at(&r->d, mx + tw - 24, my + 4, 8, "N", 8, DM_TXT_BOLD | DM_TXT_CENTER, 0);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_rectangle(cr, mx + 4, my + mh - 22, tw / 4 + 40, 18);
        cairo_fill(cr);
        dm_map_scale_bar(cr, &p, mx + 10, my + mh - 8, tw / 4, r->t);
        r->d.y += mh + 4;
        dm_doc_para(&r->d, T("hs.map_caption"), 7, DM_TXT_ITALIC, 0x333333);

        /* the record */
        dm_doc_heading(&r->d, T("hs.details"));
        tab d = {.ncols = 2};
        tab_add(&d, T("table.figure"));
        tab_add(&d, "");
        tab_add(&d, T("hs.status"));
        tab_add(&d, value_name(r, "status", val(&hz, "status"), buf, sizeof buf));
        tab_add(&d, T("hs.lifecycle"));
        tab_add(&d, val(&hz, "lifecycle")[0]
                        ? value_name(r, "lifecycle", val(&hz, "lifecycle"), buf, sizeof buf)
                        : T("fig.not_recorded"));
        tab_add(&d, T("hs.area"));
        tab_add(&d, num_ha(r, dm_geo_area_m2(dm_store_geo(store), hz.geom), buf, sizeof buf));
        tab_add(&d, T("hs.eo_categories"));
        tab_add(&d,
                val(&hz, "eo_categories")[0] ? val(&hz, "eo_categories") : T("fig.not_recorded"));
        tab_add(&d, T("hs.organisation"));
        tab_add(&d, val(&hz, "organisation")[0] ? val(&hz, "organisation") : T("fig.not_recorded"));
        tab_add(&d, T("hs.admin"));
        tab_add(&d, val(&hz, "admin_code")[0] ? val(&hz, "admin_code") : T("fig.not_recorded"));
        tab_add(&d, T("hs.recorded"));
        tab_add(&d, val(&hz, "date_recorded")[0]
                        ? dm_i18n_date(r->t, val(&hz, "date_recorded"), buf, sizeof buf)
                        : T("fig.not_recorded"));
        static const double dw[] = {0.35, 0.65};
        tab_draw(r, &d, dw, 8.5, 3);

        /* turning points */
        dm_doc_heading(&r->d, T("hs.points_heading"));
        char zs[16], es[16];
        snprintf(zs, sizeof zs, "%d%s", zone, cy >= 0 ? "N" : "S");
        snprintf(es, sizeof es, "%d", epsg);
        const char *za[] = {zs, es};
        dm_doc_para(&r->d, dm_i18n_fmt(r->t, "hs.points_definition", line, sizeof line, 2, za), 7.5,
                    DM_TXT_ITALIC, 0x444444);
        tab pt = {.ncols = 5};
        tab_add(&pt, T("hs.point"));
        tab_add(&pt, T("hs.lat"));
        tab_add(&pt, T("hs.lon"));
        tab_add(&pt, T("hs.easting"));
        tab_add(&pt, T("hs.northing"));
        size_t listed = 0;
        for (size_t i = 0; i < ntp; i += every, listed++) {
            snprintf(buf, sizeof buf, "%zu", i + 1);
            tab_add(&pt, buf);
            tab_add(&pt, dm_i18n_num(r->t, tp[2 * i + 1], 6, buf, sizeof buf));
            tab_add(&pt, dm_i18n_num(r->t, tp[2 * i], 6, buf, sizeof buf));
            if (pjn) {
                PJ_COORD c = proj_trans(pjn, PJ_FWD, proj_coord(tp[2 * i], tp[2 * i + 1], 0, 0));
                snprintf(buf, sizeof buf, "%.0f", c.xy.x);
                tab_add(&pt, buf);
                snprintf(buf, sizeof buf, "%.0f", c.xy.y);
                tab_add(&pt, buf);
            } else {
                tab_add(&pt, T("fig.not_applicable"));
                tab_add(&pt, T("fig.not_applicable"));
            }
        }
        static const double pw[] = {0.12, 0.22, 0.22, 0.22, 0.22};
        tab_draw(r, &pt, pw, 7.5, 1);
        if (every > 1) {
            char a1[32], a2[32];
            num_int(r, (int64_t)ntp, a1, sizeof a1);
            num_int(r, (int64_t)every, a2, sizeof a2);
            const char *ea[] = {a1, a2};
            dm_doc_para(&r->d, dm_i18n_fmt(r->t, "hs.points_every", line, sizeof line, 2, ea), 7.5,
                        DM_TXT_ITALIC, 0x444444);
        }

        /* items, minefield records, activities, releases */
        static const double w6[] = {0.12, 0.24, 0.2, 0.1, 0.17, 0.17};
        static const double wa[] = {0.1, 0.2, 0.22, 0.16, 0.16, 0.16};
        dm_doc_heading(&r->d, T("hs.items_heading"));
        definitions(r, "hs.items_definition");
        if (items.b.n > items.b.ncols)
            tab_draw(r, &items.b, w6, 7.5, 0x3f & ~8u);
        else
            dm_doc_para(&r->d, T("hs.items_none"), 8.5, 0, 0x000000);
        dm_doc_heading(&r->d, T("hs.mf_heading"));
        if (mf.b.n > mf.b.ncols) {
            definitions(r, "hs.mf_definition");
            static const double wm[] = {0.14, 0.14, 0.12, 0.12, 0.12, 0.36};
            tab_draw(r, &mf.b, wm, 7.5, 1 | 2 | 32);
        } else
            dm_doc_para(&r->d, T("hs.mf_none"), 8.5, 0, 0x000000);
        dm_doc_heading(&r->d, T("hs.activities_heading"));
        if (acts.n > acts.ncols)
            tab_draw(r, &acts, wa, 7.5, 0x3f);
        else
            dm_doc_para(&r->d, T("hs.activities_none"), 8.5, 0, 0x000000);
        dm_doc_heading(&r->d, T("hs.releases_heading"));
        definitions(r, "hs.releases_definition");
        static const double w5[] = {0.16, 0.3, 0.16, 0.22, 0.16};
        if (rel.b.n > rel.b.ncols)
            tab_draw(r, &rel.b, w5, 7.5, 1 | 2 | 4 | 8);
        else
            dm_doc_para(&r->d, T("hs.releases_none"), 8.5, 0, 0x000000);
    }
    tab_free(&items.b);
    tab_free(&acts);
    tab_free(&rel.b);
    tab_free(&mf.b);
    free(items.pts);
    free(mf.pts);
    free(rel.geoms);
    free(tp);
    proj_destroy(pjn);
    proj_destroy(pj);
    proj_context_destroy(pc);
    dm_record_clear(&hz, dm_store_geo(store));
    return rep_end(r, st, err);
}
