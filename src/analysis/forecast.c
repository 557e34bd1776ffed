/* Released-area series: reading (two CSV layouts, rules in forecast.h), the
 * rate model, Monte Carlo and the backtest against two naive forecasts. */
#include "analysis/forecast.h"

#include "core/rng.h"
#include "core/sorted.h"
#include "core/date.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- days ---- */

int dm_fc_day(int y, int m, int d)
{
    /* days from civil (H. Hinnant) */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void day_civil(int z, int *yy, int *mm, int *dd)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *yy = y + (m <= 2);
    *mm = m;
    *dd = d;
}

void dm_fc_day_format(int day, char out[11])
{
    int y, m, d;
    day_civil(day, &y, &m, &d);
    dm_date dt = {y, m, d};
    dm_date_format(dt, out);
}

/* The same day `months` later (earlier when negative), clamped to the month's
 * last day. */
static int add_months(int day, int months)
{
    int y, m, d;
    day_civil(day, &y, &m, &d);
    long idx = (long)y * 12 + (m - 1) + months; /* months since year 0 */
    long yy = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);
    y = (int)yy;
    m = (int)(idx - yy * 12) + 1;
    int dim = dm_date_days_in_month(y, m);
    return dm_fc_day(y, m, d > dim ? dim : d);
}

/* ---- CSV ---- */

typedef struct csv_rec {
    char **cells;
    size_t n;
} csv_rec;

typedef struct csv {
    csv_rec *recs;
    size_t n, cap;
} csv;

static void csv_free(csv *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->recs[i].n; j++)
            free(c->recs[i].cells[j]);
        free(c->recs[i].cells);
    }
    free(c->recs);
    memset(c, 0, sizeof *c);
}

static dm_status csv_parse(const char *t, size_t len, csv *c, dm_error *err)
{
    size_t pos = 0;
    dm_buf cell;
    dm_buf_init(&cell, 1 << 20);
    csv_rec rec = {0};
    size_t rcap = 0;
    dm_status st = DM_OK;
    if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3))
        pos = 3;
    while (pos < len) {
        bool quoted = false, end_rec = false;
        dm_buf_reset(&cell);
        if (t[pos] == '"') {
            quoted = true;
            pos++;
            for (;;) {
                if (pos >= len) {
                    st = dm_error_set(err, DM_EFORMAT, "row %zu: a quoted cell is not closed",
                                      c->n + 1);
                    goto fail;
                }
                if (t[pos] == '"') {
                    if (pos + 1 < len && t[pos + 1] == '"') {
                        dm_buf_append(&cell, "\"", 1);
                        pos += 2;
                        continue;
                    }
                    pos++;
                    break;
                }
                if (t[pos] == '\0') {
                    st = dm_error_set(err, DM_EFORMAT, "row %zu: a NUL byte", c->n + 1);
                    goto fail;
                }
                dm_buf_append(&cell, t + pos, 1);
                pos++;
            }
        }
        while (pos < len && t[pos] != ',' && t[pos] != '\n' && t[pos] != '\r') {
            if (t[pos] == '\0' || (quoted && t[pos] != ' ')) {
                st = dm_error_set(
                    err, DM_EFORMAT,
                    t[pos] ? "row %zu: text after a quoted cell" : "row %zu: a NUL byte", c->n + 1);
                goto fail;
            }
            dm_buf_append(&cell, t + pos, 1);
            pos++;
        }
        if (pos >= len || t[pos] != ',') {
            end_rec = true;
            if (pos < len && t[pos] == '\r')
                pos++;
            if (pos < len && t[pos] == '\n')
                pos++;
        } else
            pos++;
        if (dm_buf_append(&cell, "", 1) || cell.status) {
            st = dm_error_set(err, DM_ENOMEM, "row %zu: a cell too long", c->n + 1);
            goto fail;
        }
        if (rec.n == rcap) {
            rcap = rcap ? 2 * rcap : 16;
            char **nc = realloc(rec.cells, rcap * sizeof *nc);
            if (!nc) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                goto fail;
            }
            rec.cells = nc;
        }
        rec.cells[rec.n] = strdup(cell.data);
        if (!rec.cells[rec.n]) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            goto fail;
        }
        rec.n++;
        if (end_rec) {
            bool blank = rec.n == 1 && !rec.cells[0][0];
            if (blank) {
                free(rec.cells[0]);
                free(rec.cells);
            } else {
                if (c->n == c->cap) {
                    c->cap = c->cap ? 2 * c->cap : 64;
                    csv_rec *nr = realloc(c->recs, c->cap * sizeof *nr);
                    if (!nr) {
                        st = dm_error_set(err, DM_ENOMEM, "out of memory");
                        goto fail;
                    }
                    c->recs = nr;
                }
                c->recs[c->n++] = rec;
            }
            memset(&rec, 0, sizeof rec);
            rcap = 0;
        }
    }
fail:
    for (size_t j = 0; j < rec.n; j++)
        free(rec.cells[j]);
    free(rec.cells);
    dm_buf_free(&cell);
    return st;
}

/* ---- cells ---- */

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* An empty cell gives *day = INT32_MIN. */
static dm_status cell_date(char *s, size_t row, const char *col, int *day, dm_error *err)
{
    s = trim(s);
    *day = INT32_MIN;
    if (!*s)
        return DM_OK;
    dm_date d;
    dm_error e;
    dm_error_clear(&e);
    if (dm_date_parse(s, &d, &e))
        return dm_error_set(err, DM_EINVAL, "row %zu, column %s: %s", row, col, e.msg);
    *day = dm_fc_day(d.year, d.month, d.day);
    return DM_OK;
}

#define MAX_HA 1.5e10 /* the land area of the Earth: no figure is larger */

/* An empty cell gives NaN. */
static dm_status cell_ha(char *s, size_t row, const char *col, double *v, int *digits,
                         dm_error *err)
{
    s = trim(s);
    *v = NAN;
    *digits = 0;
    if (!*s)
        return DM_OK;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            (*digits)++;
        else if (!strchr("+-.eE", *p))
            return dm_error_set(err, DM_EINVAL,
                                "row %zu, column %s: '%.40s' is not a number (write 1234.5, no "
                                "thousands separators)",
                                row, col, s);
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno || !isfinite(x) || !*digits)
        return dm_error_set(err, DM_EINVAL, "row %zu, column %s: '%.40s' is not a number", row, col,
                            s);
    if (x < 0)
        return dm_error_set(err, DM_EINVAL, "row %zu, column %s: negative hectares (%g)", row, col,
                            x);
    if (x > MAX_HA)
        return dm_error_set(err, DM_EINVAL,
                            "row %zu, column %s: %g ha is more than the land area of the Earth "
                            "(1.5e10 ha)",
                            row, col, x);
    *v = x;
    return DM_OK;
}

/* ---- history ---- */

void dm_history_free(dm_history *h)
{
    if (!h)
        return;
    free(h->points);
    free(h->periods);
    free(h->annual);
    free(h->rejects);
    memset(h, 0, sizeof *h);
}

static dm_status grow(void **p, size_t n, size_t *cap, size_t size, dm_error *err)
{
    if (n < *cap)
        return DM_OK;
    size_t nc = *cap ? 2 * *cap : 32;
    void *q = realloc(*p, nc * size);
    if (!q)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    *p = q;
    *cap = nc;
    return DM_OK;
}

typedef struct hist_build {
    dm_history *h;
    size_t cap_p, cap_q, cap_a, cap_r;
} hist_build;

static dm_status add_reject(hist_build *b, size_t row, dm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static dm_status add_reject(hist_build *b, size_t row, dm_error *err, const char *fmt, ...)
{
    if (grow((void **)&b->h->rejects, b->h->nrejects, &b->cap_r, sizeof(dm_fc_reject), err))
        return DM_ENOMEM;
    dm_fc_reject *r = &b->h->rejects[b->h->nrejects++];
    r->row = row;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return DM_OK;
}

static dm_status add_period(hist_build *b, dm_fc_period p, dm_error *err)
{
    if (grow((void **)&b->h->periods, b->h->nperiods, &b->cap_q, sizeof p, err))
        return DM_ENOMEM;
    b->h->periods[b->h->nperiods++] = p;
    return DM_OK;
}

static dm_status add_annual(hist_build *b, dm_fc_period p, dm_error *err)
{
    if (grow((void **)&b->h->annual, b->h->nannual, &b->cap_a, sizeof p, err))
        return DM_ENOMEM;
    b->h->annual[b->h->nannual++] = p;
    return DM_OK;
}

static dm_status add_point(hist_build *b, dm_fc_point p, dm_error *err)
{
    if (grow((void **)&b->h->points, b->h->npoints, &b->cap_p, sizeof p, err))
        return DM_ENOMEM;
    b->h->points[b->h->npoints++] = p;
    return DM_OK;
}

static bool is_jan1(int day)
{
    int y, m, d;
    day_civil(day, &y, &m, &d);
    return m == 1 && d == 1;
}

static bool is_dec31(int day)
{
    int y, m, d;
    day_civil(day, &y, &m, &d);
    return m == 12 && d == 31;
}

static int year_of(int day)
{
    int y, m, d;
    day_civil(day, &y, &m, &d);
    return y;
}

static int find_col(const csv_rec *hdr, const char *name)
{
    for (size_t i = 0; i < hdr->n; i++)
        if (!strcmp(trim(hdr->cells[i]), name))
            return (int)i;
    return -1;
}

static int cmp_point(const void *a, const void *b)
{
    const dm_fc_point *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_period(const void *a, const void *b)
{
    const dm_fc_period *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_reject(const void *a, const void *b)
{
    const dm_fc_reject *x = a, *y = b;
    return x->row < y->row ? -1 : x->row > y->row;
}

static const char *const part_scope[] = {"MINISTRY OF DEFENCE", "ANAMA ONLY",           "GAZAKH",
                                         "OPERATOR SPLIT",      "DISTRICT SPLIT",       "INTERVAL",
                                         "CIVILIANS ONLY",      "YEAR NOT DETERMINABLE"};

#define SERIES_START_LATEST 18596 /* 2020-11-30: cumulative figures must start by then */

typedef struct cand { /* a period row before the conflict rules */
    dm_fc_period p;
    bool dated;
    int digits;
    bool cumulative;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->cumulative != y->cumulative)
        return x->cumulative ? -1 : 1;
    if (x->cumulative) {
        if (x->p.end != y->p.end)
            return x->p.end < y->p.end ? -1 : 1;
        return x->p.row < y->p.row ? -1 : x->p.row > y->p.row;
    }
    return cmp_period(&x->p, &y->p);
}

/* Is x preferred to y for the same period (rule 5)? */
static bool preferred(const cand *x, const cand *y)
{
    if (x->dated != y->dated)
        return x->dated;
    if (x->digits != y->digits)
        return x->digits > y->digits;
    return x->p.row < y->p.row;
}

static dm_status parse_reports(const csv *c, hist_build *b, dm_error *err)
{
    const csv_rec *hdr = &c->recs[0];
    int ci_rep = find_col(hdr, "report_date"), ci_s = find_col(hdr, "period_start"),
        ci_e = find_col(hdr, "period_end"), ci_scope = find_col(hdr, "scope"),
        ci_ha = find_col(hdr, "hectares_cleared"), ci_note = find_col(hdr, "note");
    const char *need[] = {"report_date", "period_start", "period_end", "hectares_cleared"};
    int idx[] = {ci_rep, ci_s, ci_e, ci_ha};
    for (int i = 0; i < 4; i++)
        if (idx[i] < 0)
            return dm_error_set(err, DM_EFORMAT,
                                "row 1: the reports layout needs a column %s (columns: "
                                "report_date, period_start, period_end, scope, hectares_cleared)",
                                need[i]);
    cand *cs = calloc(c->n, sizeof *cs);
    dm_fc_period *shorts = calloc(c->n, sizeof *shorts);
    if (!cs || !shorts) {
        free(cs);
        free(shorts);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    size_t nc = 0, nshort = 0;
    dm_status st = DM_OK;
    for (size_t r = 1; r < c->n; r++) {
        const csv_rec *rec = &c->recs[r];
        size_t row = r + 1;
        if (rec->n != hdr->n) {
            st = dm_error_set(err, DM_EFORMAT, "row %zu: %zu cells where the header has %zu", row,
                              rec->n, hdr->n);
            goto out;
        }
        int rep, s, e, digits;
        double ha;
        if ((st = cell_date(rec->cells[ci_rep], row, "report_date", &rep, err)) ||
            (st = cell_date(rec->cells[ci_s], row, "period_start", &s, err)) ||
            (st = cell_date(rec->cells[ci_e], row, "period_end", &e, err)) ||
            (st = cell_ha(rec->cells[ci_ha], row, "hectares_cleared", &ha, &digits, err)))
            goto out;
        if (s != INT32_MIN && e != INT32_MIN && e < s) {
            st = dm_error_set(err, DM_EINVAL,
                              "row %zu, column period_end: the period ends before "
                              "it starts",
                              row);
            goto out;
        }
        b->h->rows++;
        const char *scope = trim(rec->cells[ci_scope]);
        const char *note = ci_note >= 0 ? rec->cells[ci_note] : "";
        if (isnan(ha)) {
            if ((st = add_reject(b, row, err, "no hectares figure")))
                goto out;
            continue;
        }
        const char *part = NULL;
        for (size_t i = 0; i < sizeof part_scope / sizeof part_scope[0] && !part; i++)
            if (strstr(note, part_scope[i]))
                part = part_scope[i];
        if (part) {
            if ((st = add_reject(b, row, err,
                                 "part of the operators or territory only (note: %s), not mixed "
                                 "with the all-operator series",
                                 part)))
                goto out;
            continue;
        }
        int date = e != INT32_MIN ? e : rep;
        int pub = rep != INT32_MIN ? rep : e;
        if (date == INT32_MIN) {
            if ((st = add_reject(b, row, err, "no date (neither period_end nor report_date)")))
                goto out;
            continue;
        }
        bool cumulative = !strcmp(scope, "cumulative");
        if (cumulative) {
            if (s != INT32_MIN && s > SERIES_START_LATEST) {
                if ((st = add_reject(b, row, err,
                                     "a cumulative figure from a later start (another series)")))
                    goto out;
                continue;
            }
        } else {
            if (s == INT32_MIN || e == INT32_MIN) {
                if ((st = add_reject(b, row, err, "a %s figure without a period start or end",
                                     scope[0] ? scope : "period")))
                    goto out;
                continue;
            }
            if (e - s + 1 < 28) { /* rejected below, beside the month that holds it */
                shorts[nshort++] = (dm_fc_period){s, e, pub, ha, row};
                continue;
            }
        }
        cand *k = &cs[nc++];
        k->p.start = cumulative ? INT32_MIN : s;
        k->p.end = date;
        k->p.published = pub;
        k->p.ha = ha;
        k->p.row = row;
        k->dated = rep != INT32_MIN;
        k->digits = digits;
        k->cumulative = cumulative;
    }
    qsort(cs, nc, sizeof *cs, cmp_cand);
    /* cumulative: monotone in date order */
    double best = -1;
    size_t best_row = 0;
    int best_day = 0;
    for (size_t i = 0; i < nc && cs[i].cumulative; i++) {
        if (cs[i].p.ha < best) {
            char d[11];
            dm_fc_day_format(best_day, d);
            if ((st = add_reject(b, cs[i].p.row, err,
                                 "cumulative %.1f ha is lower than %.1f ha at %s (row %zu)",
                                 cs[i].p.ha, best, d, best_row)))
                goto out;
            continue;
        }
        dm_fc_point p = {cs[i].p.end, cs[i].p.published, cs[i].p.ha, cs[i].p.row};
        if ((st = add_point(b, p, err)))
            goto out;
        best = cs[i].p.ha;
        best_row = cs[i].p.row;
        best_day = cs[i].p.end;
    }
    /* periods: the same start and end is a conflict */
    for (size_t i = 0; i < nc; i++) {
        if (cs[i].cumulative)
            continue;
        size_t j = i, win = i;
        while (j + 1 < nc && cs[j + 1].p.start == cs[i].p.start && cs[j + 1].p.end == cs[i].p.end)
            j++;
        for (size_t k = i; k <= j; k++)
            if (preferred(&cs[k], &cs[win]))
                win = k;
        for (size_t k = i; k <= j; k++)
            if (k != win &&
                (st = add_reject(b, cs[k].p.row, err,
                                 "another figure for the same period: %.2f ha in row %zu is used "
                                 "(rule: a dated report, then the more precise figure, then the "
                                 "first)",
                                 cs[win].p.ha, cs[win].p.row)))
                goto out;
        if ((st = add_period(b, cs[win].p, err)))
            goto out;
        if (is_jan1(cs[win].p.start) && is_dec31(cs[win].p.end) &&
            year_of(cs[win].p.start) == year_of(cs[win].p.end) &&
            (st = add_annual(b, cs[win].p, err)))
            goto out;
        i = j;
    }
    /* periods under 28 days (weeks): not used; compared with the month that
     * holds them, when there is one (the periods are in start order here) */
    for (size_t i = 0; i < nshort; i++) {
        const dm_fc_period *w = &shorts[i];
        const dm_fc_period *ps = b->h->periods, *month = NULL;
        size_t lo = 0, hi = b->h->nperiods;
        while (lo < hi) { /* the first period starting 35 days or less before the week */
            size_t mid = (lo + hi) / 2;
            if (ps[mid].start < w->start - 35)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < b->h->nperiods && ps[k].start <= w->start; k++) {
            int len = ps[k].end - ps[k].start + 1;
            if (len >= 28 && len <= 35 && ps[k].end >= w->end && ps[k].ha > 0)
                month = &ps[k];
        }
        int days = w->end - w->start + 1;
        if (month)
            st = add_reject(b, w->row, err,
                            "a period of %d days: too short for a monthly rate (28 days or more); "
                            "its rate is %.0f%% of that of the month holding it (row %zu)",
                            days,
                            100 * (w->ha / days) / (month->ha / (month->end - month->start + 1)),
                            month->row);
        else
            st = add_reject(b, w->row, err,
                            "a period of %d days: too short for a monthly rate (28 days or more)",
                            days);
        if (st)
            goto out;
    }
out:
    free(cs);
    free(shorts);
    return st;
}

static dm_status parse_periods(const csv *c, hist_build *b, dm_error *err)
{
    const csv_rec *hdr = &c->recs[0];
    int ci_s = find_col(hdr, "period_start"), ci_e = find_col(hdr, "period_end"),
        ci_ha = find_col(hdr, "hectares");
    if (ci_s < 0 || ci_e < 0 || ci_ha < 0)
        return dm_error_set(err, DM_EFORMAT,
                            "row 1: a history has the columns period_start, period_end, hectares "
                            "(one row per period) or those of the reports layout (report_date, "
                            "period_start, period_end, scope, hectares_cleared)");
    dm_status st;
    double cum = 0;
    int prev_end = INT32_MIN, year_start_idx = -1;
    for (size_t r = 1; r < c->n; r++) {
        const csv_rec *rec = &c->recs[r];
        size_t row = r + 1;
        if (rec->n != hdr->n)
            return dm_error_set(err, DM_EFORMAT, "row %zu: %zu cells where the header has %zu", row,
                                rec->n, hdr->n);
        int s, e, digits;
        double ha;
        if ((st = cell_date(rec->cells[ci_s], row, "period_start", &s, err)) ||
            (st = cell_date(rec->cells[ci_e], row, "period_end", &e, err)) ||
            (st = cell_ha(rec->cells[ci_ha], row, "hectares", &ha, &digits, err)))
            return st;
        if (s == INT32_MIN || e == INT32_MIN || isnan(ha))
            return dm_error_set(err, DM_EINVAL, "row %zu, column %s: empty", row,
                                s == INT32_MIN   ? "period_start"
                                : e == INT32_MIN ? "period_end"
                                                 : "hectares");
        if (e < s)
            return dm_error_set(err, DM_EINVAL,
                                "row %zu, column period_end: the period ends before it starts",
                                row);
        if (prev_end != INT32_MIN && s != prev_end + 1) {
            char want[11];
            dm_fc_day_format(prev_end + 1, want);
            return dm_error_set(err, DM_EINVAL,
                                "row %zu, column period_start: %s (%s) — periods follow each other "
                                "in order, each from the day after the previous one ends (%s)",
                                row,
                                s > prev_end + 1          ? "a gap"
                                : s <= prev_end - (e - s) ? "unordered or duplicated period"
                                                          : "overlaps the previous period",
                                rec->cells[ci_s], want);
        }
        b->h->rows++;
        prev_end = e;
        cum += ha;
        dm_fc_period p = {s, e, e, ha, row};
        if ((st = add_period(b, p, err)))
            return st;
        dm_fc_point pt = {e, e, cum, row};
        if ((st = add_point(b, pt, err)))
            return st;
        if (is_jan1(s))
            year_start_idx = (int)b->h->nperiods - 1;
        if (is_dec31(e) && year_start_idx >= 0 &&
            year_of(b->h->periods[year_start_idx].start) == year_of(e)) {
            double tot = 0;
            for (size_t k = (size_t)year_start_idx; k < b->h->nperiods; k++)
                tot += b->h->periods[k].ha;
            dm_fc_period a = {b->h->periods[year_start_idx].start, e, e, tot, row};
            if ((st = add_annual(b, a, err)))
                return st;
            year_start_idx = -1;
        }
    }
    return DM_OK;
}

dm_status dm_history_parse(const char *text, size_t len, dm_history *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    csv c = {0};
    dm_status st = csv_parse(text, len, &c, err);
    if (st)
        goto done;
    if (c.n == 0) {
        st = dm_error_set(err, DM_EFORMAT, "the history is empty (no header row)");
        goto done;
    }
    hist_build b = {out, 0, 0, 0, 0};
    out->reports = find_col(&c.recs[0], "scope") >= 0;
    st = out->reports ? parse_reports(&c, &b, err) : parse_periods(&c, &b, err);
    if (!st && out->rows == 0)
        st = dm_error_set(err, DM_EFORMAT, "the history has a header but no rows");
    if (!st) {
        if (out->npoints > 1)
            qsort(out->points, out->npoints, sizeof *out->points, cmp_point);
        if (out->nperiods > 1)
            qsort(out->periods, out->nperiods, sizeof *out->periods, cmp_period);
        if (out->nannual > 1)
            qsort(out->annual, out->nannual, sizeof *out->annual, cmp_period);
        if (out->nrejects > 1)
            qsort(out->rejects, out->nrejects, sizeof *out->rejects, cmp_reject);
    }
done:
    csv_free(&c);
    if (st)
        dm_history_free(out);
    return st;
}

dm_status dm_history_read(const char *path, dm_history *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return dm_error_set(err, DM_ENOTFOUND, "%s: %s", path, strerror(errno));
    dm_buf b;
    dm_buf_init(&b, 64u << 20);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        dm_buf_append(&b, tmp, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || b.status) {
        dm_buf_free(&b);
        return dm_error_set(err, DM_EIO, "%s: could not be read (or larger than 64 MiB)", path);
    }
    dm_status st = dm_history_parse(b.data ? b.data : "", b.len, out, err);
    if (st)
        dm_error_prefix(err, "%s", path);
    dm_buf_free(&b);
    return st;
}

/* ---- model ---- */

typedef struct obs {
    double t, y, len; /* middle day, ha/month, months */
} obs;

/* The rate observations published before `cut` and ending before it; o has
 * room for h->nperiods + h->npoints. */
static size_t rate_obs(const dm_history *h, int cut, obs *o)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nperiods; i++) {
        const dm_fc_period *p = &h->periods[i];
        double len = (p->end - p->start + 1) / DM_FC_MONTH_DAYS;
        if (p->published < cut && p->end < cut)
            o[n++] = (obs){(p->start + p->end + 1) / 2.0, p->ha / len, len};
    }
    if (!h->reports) /* the running sums of the periods: nothing new */
        return n;
    const dm_fc_point *prev = NULL;
    for (size_t i = 0; i < h->npoints; i++) {
        const dm_fc_point *p = &h->points[i];
        if (p->published >= cut || p->day >= cut)
            continue;
        if (prev && p->day - prev->day >= 28) {
            double len = (p->day - prev->day) / DM_FC_MONTH_DAYS;
            o[n++] = (obs){(p->day + prev->day) / 2.0 + 1, (p->ha - prev->ha) / len, len};
        }
        if (!prev || p->day - prev->day >= 28)
            prev = p;
    }
    return n;
}

const dm_fc_spec dm_fc_candidates[] = {
    {DM_FC_LEVEL, 0, 0},    {DM_FC_LEVEL, 24, 0},   {DM_FC_LEVEL, 12, 0},   {DM_FC_LEVEL, 6, 0},
    {DM_FC_LEVEL, 3, 0},    {DM_FC_TREND, 0, 0},    {DM_FC_TREND, 0, 0.5},  {DM_FC_TREND, 0, 0.8},
    {DM_FC_TREND, 0, 0.9},  {DM_FC_TREND, 0, 1},    {DM_FC_TREND, 24, 0},   {DM_FC_TREND, 24, 0.5},
    {DM_FC_TREND, 24, 0.8}, {DM_FC_TREND, 24, 0.9}, {DM_FC_TREND, 24, 1},   {DM_FC_TREND, 12, 0},
    {DM_FC_TREND, 12, 0.5}, {DM_FC_TREND, 12, 0.8}, {DM_FC_TREND, 12, 0.9}, {DM_FC_TREND, 12, 1},
    {DM_FC_TREND, 6, 0},    {DM_FC_TREND, 6, 0.5},  {DM_FC_TREND, 6, 0.8},  {DM_FC_TREND, 6, 0.9},
    {DM_FC_TREND, 6, 1},    {DM_FC_TREND, 3, 0},    {DM_FC_TREND, 3, 0.5},  {DM_FC_TREND, 3, 0.8},
    {DM_FC_TREND, 3, 0.9},  {DM_FC_TREND, 3, 1},
};
const size_t dm_fc_ncandidates = sizeof dm_fc_candidates / sizeof dm_fc_candidates[0];

void dm_fc_spec_describe(const dm_fc_spec *s, char *out, size_t size)
{
    char hl[48];
    if (s->half_life > 0)
        snprintf(hl, sizeof hl, "half-life %g months", s->half_life);
    else
        snprintf(hl, sizeof hl, "no half-life (all observations)");
    if (s->kind == DM_FC_LEVEL)
        snprintf(out, size, "level, %s", hl);
    else
        snprintf(out, size, "damped trend, %s, damping %g per month", hl, s->phi);
}

const char *const dm_fc_assumptions[] = {
    "the published figures are true once the reading rules have chosen among them; a row "
    "without a report date counts as published at its period's end",
    "the monthly rate changes smoothly: no seasons and no breaks are modelled; the chosen "
    "model's level (and damped slope) at the cut carries on",
    "rate observations that overlap (a month inside a year, the interval between two "
    "cumulative figures) are taken as independent, so the spread of the parameters is too "
    "small; the interval leans on the record of past errors instead",
    "the model errs after the cut as it erred before it: a past error, the log ratio e of "
    "actual to forecast over L months, stands for one of e*sqrt(L/L*) over L* months, with "
    "either sign; with fewer than 4 past errors the months are drawn independently about the "
    "fit",
    "the parameters' own uncertainty is drawn on top of the past errors, which already hold "
    "that of the past fits: the intervals err on the wide side",
    NULL,
};

static double decay(const dm_fc_spec *s, double tmax, double t)
{
    return s->half_life > 0 ? exp2(-(tmax - t) / DM_FC_MONTH_DAYS / s->half_life) : 1;
}

dm_status dm_fc_fit(const dm_history *h, int cut, const dm_fc_spec *spec, dm_fc_model *m,
                    dm_error *err)
{
    memset(m, 0, sizeof *m);
    m->spec = *spec;
    m->cut = cut;
    m->anchor_day = INT32_MIN;
    for (size_t i = 0; i < h->npoints; i++)
        if (h->points[i].published < cut && h->points[i].day < cut &&
            (m->anchor_day == INT32_MIN || h->points[i].day >= m->anchor_day)) {
            m->anchor_day = h->points[i].day;
            m->anchor_ha = h->points[i].ha;
        }
    if (m->anchor_day == INT32_MIN)
        return dm_error_set(err, DM_EINVAL, "no cumulative figure published before the cut");
    obs *o = malloc((h->nperiods + h->npoints + 1) * sizeof *o);
    if (!o)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t n = rate_obs(h, cut, o);
    if (n < 3) {
        free(o);
        return dm_error_set(err, DM_EINVAL,
                            "%zu rate observations before the cut; the fit needs 3 or more", n);
    }
    double tmax = o[0].t;
    for (size_t i = 1; i < n; i++)
        tmax = fmax(tmax, o[i].t);
    double sd = 0, sd2 = 0, sw = 0, st = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        double d = decay(spec, tmax, o[i].t), w = d * o[i].len;
        sd += d;
        sd2 += d * d;
        sw += w;
        st += w * o[i].t;
        sy += w * o[i].y;
    }
    double tb = st / sw, yb = sy / sw, stt = 0, sty = 0;
    for (size_t i = 0; i < n; i++) {
        double w = decay(spec, tmax, o[i].t) * o[i].len, x = (o[i].t - tb) / DM_FC_MONTH_DAYS;
        stt += w * x * x;
        sty += w * x * (o[i].y - yb);
    }
    bool slope = spec->kind == DM_FC_TREND && stt > 1e-9 * sw;
    double bb = slope ? sty / stt : 0;
    double ss = 0, s_a = 0, s_b = 0, s_ab = 0;
    for (size_t i = 0; i < n; i++) {
        double d = decay(spec, tmax, o[i].t), x = (o[i].t - tb) / DM_FC_MONTH_DAYS;
        double e = o[i].y - (yb + bb * x);
        ss += d * o[i].len * e * e;
        s_a += d * d * o[i].len; /* w² · (variance σ²/L) / σ² */
        s_b += d * d * o[i].len * x * x;
        s_ab += d * d * o[i].len * x;
    }
    free(o);
    double neff = sd * sd / sd2, k = spec->kind == DM_FC_TREND ? 2 : 1;
    double sigma2 = ss / sd * neff / fmax(neff - k, 1);
    m->a = yb;
    m->b = bb;
    m->t0 = tb;
    m->sigma = sqrt(sigma2);
    m->var_a = sigma2 * s_a / (sw * sw);
    m->var_b = slope ? sigma2 * s_b / (stt * stt) : 0;
    m->cov_ab = slope ? sigma2 * s_ab / (sw * stt) : 0;
    m->nobs = (int)n;
    return DM_OK;
}

/* The rate path of a model with a, b: the line up to the cut (τ <= 0, months
 * from the cut), then rate(τ) = l + b·g(τ), g(τ) = (1 - φ^τ)/k, k = -ln φ. */
typedef struct path {
    double l, b, k; /* k: 0 = undamped, INFINITY = flat */
} path;

static path make_path(const dm_fc_model *m, double a, double b)
{
    path p = {a + b * (m->cut - m->t0) / DM_FC_MONTH_DAYS, b, 0};
    if (m->spec.kind != DM_FC_TREND || m->spec.phi <= 0)
        p.k = INFINITY;
    else if (m->spec.phi < 1)
        p.k = -log(m->spec.phi);
    if (p.k > 0 && p.k < 1e-9)
        p.k = 0;
    return p;
}

static double path_rate(const path *p, double tau)
{
    if (tau <= 0 || p->k == 0)
        return p->l + p->b * tau;
    if (isinf(p->k))
        return p->l;
    return p->l + p->b * -expm1(-p->k * tau) / p->k;
}

/* ∫ rate from 0 to τ (either side of the cut, not both). */
static double path_prim(const path *p, double tau)
{
    if (tau <= 0 || p->k == 0)
        return p->l * tau + p->b * tau * tau / 2;
    if (isinf(p->k))
        return p->l * tau;
    return (p->l + p->b / p->k) * tau + p->b / (p->k * p->k) * expm1(-p->k * tau);
}

/* ∫ max(0, rate) over [u, v], on one side of the cut (the rate is monotone
 * there, so it crosses 0 at most once). */
static double path_pos(const path *p, double u, double v)
{
    if (v <= u)
        return 0;
    double ru = path_rate(p, u), rv = path_rate(p, v);
    if (ru >= 0 && rv >= 0)
        return path_prim(p, v) - path_prim(p, u);
    if (ru <= 0 && rv <= 0)
        return 0;
    double z; /* where the rate is 0 */
    if (v <= 0 || p->k == 0)
        z = -p->l / p->b;
    else { /* l + b(1 - e^-kτ)/k = 0 */
        double arg = 1 + p->l * p->k / p->b;
        z = arg > 0 ? -log(arg) / p->k : v;
    }
    z = fmin(fmax(z, u), v);
    return ru > 0 ? path_prim(p, z) - path_prim(p, u) : path_prim(p, v) - path_prim(p, z);
}

/* ∫ max(0, rate) from day d0 to day d1, in ha. */
static double path_area(const dm_fc_model *m, const path *p, double d0, double d1)
{
    if (d1 <= d0)
        return 0;
    double u = (d0 - m->cut) / DM_FC_MONTH_DAYS, v = (d1 - m->cut) / DM_FC_MONTH_DAYS;
    return path_pos(p, u, fmin(v, 0)) + path_pos(p, fmax(u, 0), v);
}

double dm_fc_rate_at_cut(const dm_fc_model *m)
{
    return m->a + m->b * (m->cut - m->t0) / DM_FC_MONTH_DAYS;
}

double dm_fc_area(const dm_fc_model *m, int from_day, int to_day)
{
    path p = make_path(m, m->a, m->b);
    return path_area(m, &p, from_day, to_day);
}

/* The forecast area from the anchor to the cumulative figure of day `day`
 * (both at the end of their day). */
static double cum_area(const dm_fc_model *m, const path *p, int day)
{
    return path_area(m, p, m->anchor_day + 1, day + 1);
}

/* ---- the model's record ---- */

void dm_fc_track_free(dm_fc_track *t)
{
    if (!t)
        return;
    free(t->errs);
    memset(t, 0, sizeof *t);
}

static dm_status track_add(dm_fc_track *t, size_t *cap, dm_fc_err e, dm_error *err)
{
    if (grow((void **)&t->errs, t->n, cap, sizeof e, err))
        return DM_ENOMEM;
    t->errs[t->n++] = e;
    return DM_OK;
}

dm_status dm_fc_track_build(const dm_history *h, const dm_fc_spec *spec, int until, dm_fc_track *t,
                            dm_error *err)
{
    memset(t, 0, sizeof *t);
    if (!h->npoints)
        return DM_OK;
    size_t cap = 0;
    int y, mo, d;
    day_civil(add_months(h->points[0].day, 12), &y, &mo, &d);
    int from = dm_fc_day(y, mo, 1);
    if (d > 1)
        from = add_months(from, 1);
    for (; from < until; from = add_months(from, 1)) {
        dm_fc_model m;
        dm_error e;
        dm_error_clear(&e);
        if (dm_fc_fit(h, from, spec, &m, &e))
            continue;
        path p = make_path(&m, m.a, m.b);
        for (size_t i = 0; i < h->npoints; i++) {
            const dm_fc_point *q = &h->points[i];
            if (q->day < from || q->day <= m.anchor_day || q->published >= until)
                continue;
            double f = cum_area(&m, &p, q->day), a = q->ha - m.anchor_ha;
            if (f > 0 && a > 0 && isfinite(log(a / f)) &&
                track_add(t, &cap,
                          (dm_fc_err){from, q->published, log(a / f),
                                      (q->day - m.anchor_day) / DM_FC_MONTH_DAYS},
                          err))
                goto fail;
        }
        for (size_t i = 0; i < h->nperiods; i++) {
            const dm_fc_period *q = &h->periods[i];
            if (q->start < from || q->published >= until)
                continue;
            double f = path_area(&m, &p, q->start, q->end + 1);
            if (f > 0 && q->ha > 0 && isfinite(log(q->ha / f)) &&
                track_add(t, &cap,
                          (dm_fc_err){from, q->published, log(q->ha / f),
                                      (q->end + 1 - q->start) / DM_FC_MONTH_DAYS},
                          err))
                goto fail;
        }
    }
    return DM_OK;
fail:
    dm_fc_track_free(t);
    return DM_ENOMEM;
}

size_t dm_fc_track_known(const dm_fc_track *t, int cut)
{
    size_t n = 0;
    for (size_t i = 0; t && i < t->n; i++)
        n += t->errs[i].from < cut && t->errs[i].published < cut;
    return n;
}

/* ---- Monte Carlo ---- */

/* Box-Muller */

static double rng_normal(uint64_t *s)
{
    double u1 = ((dm_splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (dm_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

#define TRACK_MIN 4 /* the fewest past errors for an 80% interval from them (conformal) */

dm_status dm_fc_simulate(const dm_fc_model *m, const dm_fc_track *t, int from_day, int target,
                         int runs, uint64_t seed, dm_fc_quantiles *q, size_t *nerrs, dm_error *err)
{
    if (nerrs)
        *nerrs = 0;
    if (runs < 1)
        return dm_error_set(err, DM_EINVAL, "the number of runs must be 1 or more");
    int start = from_day >= 0 ? from_day : m->anchor_day + 1; /* a figure: at its day's end */
    double base = from_day >= 0 ? 0 : m->anchor_ha;
    if (from_day < 0)
        target++;
    double months = (target - start) / DM_FC_MONTH_DAYS;
    size_t nz = months > 0 ? dm_fc_track_known(t, m->cut) : 0;
    if (nz < TRACK_MIN)
        nz = 0;
    double *v = malloc((size_t)runs * sizeof *v + nz * sizeof(double));
    if (!v)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    double *z = v + runs;
    for (size_t i = 0, k = 0; nz && i < t->n; i++)
        if (t->errs[i].from < m->cut && t->errs[i].published < m->cut)
            z[k++] = t->errs[i].log_ratio * sqrt(t->errs[i].months / months);
    /* a = m->a + l11·z1, b = m->b + l21·z1 + l22·z2 */
    double l11 = sqrt(fmax(m->var_a, 0)), l21 = l11 > 0 ? m->cov_ab / l11 : 0;
    double l22 = sqrt(fmax(m->var_b - l21 * l21, 0));
    uint64_t s = seed ^ 0x5DEECE66Dull;
    for (int r = 0; r < runs; r++) {
        double z1 = rng_normal(&s), z2 = rng_normal(&s);
        path p = make_path(m, m->a + l11 * z1, m->b + l21 * z1 + l22 * z2);
        double inc = 0;
        if (nz) {
            uint64_t u = dm_splitmix64(&s);
            double e = z[(u >> 1) % nz];
            double area = path_area(m, &p, start, target);
            inc = area > 0 ? area * exp(u & 1 ? e : -e) : 0;
        } else
            for (double d = start; d < target; d += DM_FC_MONTH_DAYS) {
                double step = fmin(DM_FC_MONTH_DAYS, target - d);
                double rate = path_area(m, &p, d, d + step) / (step / DM_FC_MONTH_DAYS) +
                              m->sigma * rng_normal(&s);
                inc += fmax(0, rate) * step / DM_FC_MONTH_DAYS;
            }
        v[r] = base + inc;
    }
    qsort(v, (size_t)runs, sizeof *v, dm_cmp_double);
    q->p10 = dm_quantile_sorted(v, runs, 0.1);
    q->p50 = dm_quantile_sorted(v, runs, 0.5);
    q->p90 = dm_quantile_sorted(v, runs, 0.9);
    free(v);
    if (nerrs)
        *nerrs = nz;
    return DM_OK;
}

void dm_fc_naive_rates(const dm_history *h, const dm_fc_model *m, double *last12, double *mean)
{
    *last12 = *mean = NAN;
    if (m->anchor_day == INT32_MIN)
        return;
    int origin =
        h->reports ? dm_fc_day(2020, 11, 10) : (h->nperiods ? h->periods[0].start : m->anchor_day);
    double months = (m->anchor_day - origin + 1) / DM_FC_MONTH_DAYS;
    *mean = months > 0 ? m->anchor_ha / months : NAN;
    *last12 = *mean;
    /* the figure nearest 12 months before the anchor, at least 6 months back */
    const dm_fc_point *best = NULL;
    int want = add_months(m->anchor_day, -12);
    for (size_t i = 0; i < h->npoints; i++) {
        const dm_fc_point *p = &h->points[i];
        if (p->day > m->anchor_day - 6 * DM_FC_MONTH_DAYS || p->published >= m->anchor_day + 1)
            continue;
        if (!best || abs(p->day - want) < abs(best->day - want))
            best = p;
    }
    if (best)
        *last12 = (m->anchor_ha - best->ha) / ((m->anchor_day - best->day) / DM_FC_MONTH_DAYS);
}

/* ---- backtest ---- */

typedef struct bt_target {
    int cut, horizon, target, published;
    double actual;
    size_t row;
} bt_target;

static int first_cut(const dm_history *h)
{
    int y0, m0, d0;
    day_civil(add_months(h->points[0].day, 12), &y0, &m0, &d0);
    int cut = dm_fc_day(y0, ((m0 - 1) / 3) * 3 + 1, 1);
    if (d0 > 1 || (m0 - 1) % 3)
        cut = add_months(cut, 3);
    return cut;
}

static int horizon_list(int max_horizon, int hs[5])
{
    int nh = 0;
    const int std_h[] = {3, 6, 12};
    for (int i = 0; i < 3; i++)
        if (std_h[i] <= max_horizon)
            hs[nh++] = std_h[i];
    if (max_horizon != 3 && max_horizon != 6 && max_horizon != 12)
        hs[nh++] = max_horizon;
    return nh;
}

/* The backtest's cases (model-free: where a fit is possible and a figure
 * checks it), in cut order. */
static dm_status bt_targets(const dm_history *h, int max_horizon, bt_target **out, size_t *n,
                            dm_error *err)
{
    *out = NULL;
    *n = 0;
    if (max_horizon < 1 || max_horizon > 120)
        return dm_error_set(err, DM_EINVAL, "the horizon must be 1 to 120 months");
    if (h->npoints < 2)
        return dm_error_set(err, DM_EINVAL,
                            "the history has %zu cumulative figures; a backtest needs 2 or more",
                            h->npoints);
    int hs[5], nh = horizon_list(max_horizon, hs);
    int last = h->points[h->npoints - 1].day;
    size_t cap = 0;
    static const dm_fc_spec probe = {DM_FC_LEVEL, 0, 0};
    for (int cut = first_cut(h); cut <= last; cut = add_months(cut, 3)) {
        dm_fc_model m;
        dm_error e;
        dm_error_clear(&e);
        if (dm_fc_fit(h, cut, &probe, &m, &e))
            continue;
        for (int k = 0; k <= nh; k++) {
            bt_target c = {.cut = cut};
            if (k < nh) {
                int lo = add_months(cut, hs[k]), hi = add_months(cut, hs[k] + 3);
                const dm_fc_point *t = NULL;
                for (size_t i = 0; i < h->npoints && !t; i++)
                    if (h->points[i].day >= lo && h->points[i].day < hi)
                        t = &h->points[i];
                if (!t)
                    continue;
                c.horizon = hs[k];
                c.target = t->day;
                c.published = t->published;
                c.actual = t->ha;
                c.row = t->row;
            } else {
                if (!is_jan1(cut))
                    continue;
                const dm_fc_period *a = NULL;
                for (size_t i = 0; i < h->nannual && !a; i++)
                    if (h->annual[i].start == cut)
                        a = &h->annual[i];
                if (!a)
                    continue;
                c.horizon = 0;
                c.target = a->end + 1;
                c.published = a->published;
                c.actual = a->ha;
                c.row = a->row;
            }
            if (grow((void **)out, *n, &cap, sizeof c, err)) {
                free(*out);
                *out = NULL;
                *n = 0;
                return DM_ENOMEM;
            }
            (*out)[(*n)++] = c;
        }
    }
    return DM_OK;
}

/* The forecast area of a case (from the anchor, or the year's) and the actual. */
static void case_area(const dm_fc_model *m, const bt_target *c, double *f, double *a)
{
    if (c->horizon) {
        *f = dm_fc_area(m, m->anchor_day + 1, c->target + 1);
        *a = c->actual - m->anchor_ha;
    } else {
        *f = dm_fc_area(m, c->cut, c->target);
        *a = c->actual;
    }
}

void dm_fc_choice_free(dm_fc_choice *c)
{
    if (!c)
        return;
    free(c->scores);
    memset(c, 0, sizeof *c);
}

static dm_status choose(const dm_history *h, const bt_target *cs, size_t n, int split,
                        dm_fc_choice *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->spec = dm_fc_candidates[0];
    out->scores = malloc(dm_fc_ncandidates * sizeof *out->scores);
    if (!out->scores)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t k = 0; k < dm_fc_ncandidates; k++) {
        double sum = 0;
        int used = 0;
        for (size_t i = 0; i < n; i++) {
            if (cs[i].published >= split)
                continue;
            dm_fc_model m;
            dm_error e;
            dm_error_clear(&e);
            if (dm_fc_fit(h, cs[i].cut, &dm_fc_candidates[k], &m, &e))
                continue;
            double f, a;
            case_area(&m, &cs[i], &f, &a);
            double den = (fabs(f) + fabs(a)) / 2;
            sum += den > 0 ? fabs(f - a) / den : 0;
            used++;
        }
        out->scores[k] = used ? sum / used : NAN;
        out->ncases = used;
    }
    if (!out->ncases)
        return DM_OK;
    double best = INFINITY;
    for (size_t k = 0; k < dm_fc_ncandidates; k++)
        best = fmin(best, out->scores[k]);
    for (size_t k = 0; k < dm_fc_ncandidates; k++)
        if (out->scores[k] <= best + 1e-9 * (1 + best)) { /* the first of equals */
            out->index = k;
            out->spec = dm_fc_candidates[k];
            break;
        }
    return DM_OK;
}

dm_status dm_fc_choose(const dm_history *h, int max_horizon, int split, dm_fc_choice *out,
                       dm_error *err)
{
    memset(out, 0, sizeof *out);
    bt_target *cs;
    size_t n;
    dm_status st = bt_targets(h, max_horizon, &cs, &n, err);
    if (!st)
        st = choose(h, cs, n, split, out, err);
    free(cs);
    return st;
}

void dm_backtest_free(dm_backtest *b)
{
    if (!b)
        return;
    free(b->cases);
    free(b->summary);
    free(b->cuts);
    dm_fc_choice_free(&b->choice);
    memset(b, 0, sizeof *b);
}

static double median(double *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, dm_cmp_double);
    return dm_quantile_sorted(v, n, 0.5);
}

static dm_status summarise(const dm_backtest *b, int horizon, int set, dm_bt_summary *s,
                           dm_error *err)
{
    double *e1 = malloc((b->ncases + 1) * 3 * sizeof *e1);
    if (!e1)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    double *e2 = e1 + b->ncases + 1, *e3 = e2 + b->ncases + 1;
    int n = 0, covered = 0;
    for (size_t i = 0; i < b->ncases; i++) {
        const dm_bt_case *c = &b->cases[i];
        if ((horizon != -1 && c->horizon != horizon) || (set == DM_BT_TUNING && !c->tuning) ||
            (set == DM_BT_HELD_OUT && c->tuning) ||
            (set == DM_BT_LATER_CUTS && (c->tuning || c->cut < b->split)))
            continue;
        e1[n] = fabs(c->q.p50 - c->actual);
        e2[n] = fabs(c->naive_last12 - c->actual);
        e3[n] = fabs(c->naive_mean - c->actual);
        covered += c->q.p10 <= c->actual && c->actual <= c->q.p90;
        n++;
    }
    s->horizon = horizon;
    s->n = n;
    s->coverage = n ? (double)covered / n : NAN;
    s->mae_model = median(e1, n);
    s->mae_last12 = median(e2, n);
    s->mae_mean = median(e3, n);
    free(e1);
    return DM_OK;
}

dm_status dm_backtest_run(const dm_history *h, int max_horizon, int runs, uint64_t seed, int split,
                          dm_backtest *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    bt_target *ts = NULL;
    size_t nt = 0, cut_cap = 0;
    dm_fc_track track = {0};
    dm_status st = bt_targets(h, max_horizon, &ts, &nt, err);
    if (st)
        return st;
    if (!nt) {
        free(ts);
        return dm_error_set(err, DM_EINVAL,
                            "no cut date has both a fit (3 rate observations and a cumulative "
                            "figure before it) and a figure to check it against");
    }
    if (split == INT32_MIN) { /* the middle one of the cut dates (with a case) */
        size_t ncut = 0, k = 0;
        for (size_t i = 0; i < nt; i++)
            ncut += !i || ts[i].cut != ts[i - 1].cut;
        for (size_t i = 0; i < nt; i++)
            if ((!i || ts[i].cut != ts[i - 1].cut) && k++ == ncut / 2)
                split = ts[i].cut;
    }
    out->split = split;
    if ((st = choose(h, ts, nt, split, &out->choice, err)))
        goto fail;
    const dm_fc_spec *spec = &out->choice.spec;
    int last_cut = ts[nt - 1].cut;
    if ((st = dm_fc_track_build(h, spec, last_cut, &track, err)))
        goto fail;
    out->cases = calloc(nt, sizeof *out->cases);
    if (!out->cases) {
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nt; i++) {
        const bt_target *t = &ts[i];
        dm_fc_model m;
        if ((st = dm_fc_fit(h, t->cut, spec, &m, err)))
            goto fail;
        double l12, mean;
        dm_fc_naive_rates(h, &m, &l12, &mean);
        dm_bt_case *c = &out->cases[out->ncases++];
        c->cut = t->cut;
        c->target = t->target;
        c->horizon = t->horizon;
        c->actual = t->actual;
        c->target_row = t->row;
        c->published = t->published;
        c->tuning = t->published < split;
        int k = c->horizon ? c->horizon : 99; /* the seed as before: cut and horizon */
        uint64_t sd = seed + (uint64_t)t->cut * 31 + (uint64_t)k;
        if (c->horizon) {
            double months = (t->target - m.anchor_day) / DM_FC_MONTH_DAYS;
            c->point = m.anchor_ha + dm_fc_area(&m, m.anchor_day + 1, t->target + 1);
            st = dm_fc_simulate(&m, &track, -1, t->target, runs, sd, &c->q, &c->nerrs, err);
            c->naive_last12 = m.anchor_ha + l12 * months;
            c->naive_mean = m.anchor_ha + mean * months;
        } else {
            double months = (t->target - t->cut) / DM_FC_MONTH_DAYS;
            c->point = dm_fc_area(&m, t->cut, t->target);
            st = dm_fc_simulate(&m, &track, t->cut, t->target, runs, sd, &c->q, &c->nerrs, err);
            c->naive_last12 = l12 * months;
            c->naive_mean = mean * months;
        }
        if (st)
            goto fail;
        if (!out->ncuts || out->cuts[out->ncuts - 1] != t->cut) {
            if ((st = grow((void **)&out->cuts, out->ncuts, &cut_cap, sizeof(int), err)))
                goto fail;
            out->cuts[out->ncuts++] = t->cut;
        }
    }
    int hs[5], nh = horizon_list(max_horizon, hs);
    out->nsummary = (size_t)nh + 2;
    out->summary = calloc(4 * out->nsummary, sizeof *out->summary);
    if (!out->summary) {
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
        goto fail;
    }
    out->summary_tuning = out->summary + out->nsummary;
    out->summary_held_out = out->summary_tuning + out->nsummary;
    out->summary_later = out->summary_held_out + out->nsummary;
    dm_bt_summary *sets[4] = {out->summary, out->summary_tuning, out->summary_held_out,
                              out->summary_later};
    for (int s = 0; s < 4; s++) {
        for (int k = 0; k < nh; k++)
            if ((st = summarise(out, hs[k], s, &sets[s][k], err)))
                goto fail;
        if ((st = summarise(out, 0, s, &sets[s][nh], err)) ||
            (st = summarise(out, -1, s, &sets[s][nh + 1], err)))
            goto fail;
    }
    free(ts);
    dm_fc_track_free(&track);
    return DM_OK;
fail:
    free(ts);
    dm_fc_track_free(&track);
    dm_backtest_free(out);
    return st;
}

/* ---- JSON ---- */

static void json_day(dm_buf *b, int day)
{
    char d[11];
    dm_fc_day_format(day, d);
    dm_buf_json_string(b, d);
}

static void history_members(const dm_history *h, dm_buf *b)
{
    dm_buf_printf(b, "\"layout\":\"%s\",\"rows\":%zu,\"series\":[",
                  h->reports ? "reports" : "periods", h->rows);
    for (size_t i = 0; i < h->npoints; i++) {
        dm_buf_puts(b, i ? ",{\"date\":" : "{\"date\":");
        json_day(b, h->points[i].day);
        dm_buf_puts(b, ",\"cumulative_ha\":");
        dm_buf_json_number(b, h->points[i].ha);
        dm_buf_printf(b, ",\"row\":%zu}", h->points[i].row);
    }
    dm_buf_puts(b, "],\"periods_used\":");
    dm_buf_printf(b, "%zu", h->nperiods);
    dm_buf_puts(b, ",\"annual_totals\":[");
    for (size_t i = 0; i < h->nannual; i++) {
        dm_buf_printf(b, "%s{\"year\":%d,\"ha\":", i ? "," : "", year_of(h->annual[i].start));
        dm_buf_json_number(b, h->annual[i].ha);
        dm_buf_printf(b, ",\"row\":%zu}", h->annual[i].row);
    }
    dm_buf_puts(b, "],\"rejected\":[");
    for (size_t i = 0; i < h->nrejects; i++) {
        dm_buf_printf(b, "%s{\"row\":%zu,\"reason\":", i ? "," : "", h->rejects[i].row);
        dm_buf_json_string(b, h->rejects[i].reason);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "]");
}

dm_status dm_history_json(const dm_history *h, dm_buf *b)
{
    dm_buf_puts(b, "{");
    history_members(h, b);
    dm_buf_puts(b, "}\n");
    return b->status;
}

static void json_num(dm_buf *b, const char *key, double v, bool comma)
{
    dm_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    dm_buf_json_number(b, v);
}

static void json_spec(dm_buf *b, const dm_fc_spec *s)
{
    char d[160];
    dm_fc_spec_describe(s, d, sizeof d);
    dm_buf_puts(b, "{\"kind\":");
    dm_buf_json_string(b, s->kind == DM_FC_LEVEL ? "level" : "damped trend");
    dm_buf_puts(b, ",\"half_life_months\":");
    if (s->half_life > 0)
        dm_buf_json_number(b, s->half_life);
    else
        dm_buf_puts(b, "null");
    dm_buf_puts(b, ",\"damping_per_month\":");
    if (s->kind == DM_FC_TREND)
        dm_buf_json_number(b, s->phi);
    else
        dm_buf_puts(b, "null");
    dm_buf_puts(b, ",\"description\":");
    dm_buf_json_string(b, d);
    dm_buf_puts(b, "}");
}

static void json_summary(dm_buf *b, const char *key, const dm_bt_summary *sum, size_t n)
{
    dm_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        const dm_bt_summary *s = &sum[i];
        dm_buf_puts(b, i ? ",{\"horizon\":" : "{\"horizon\":");
        if (s->horizon > 0)
            dm_buf_printf(b, "\"%d months\"", s->horizon);
        else
            dm_buf_puts(b, s->horizon == 0 ? "\"calendar year\"" : "\"all\"");
        dm_buf_printf(b, ",\"n\":%d", s->n);
        json_num(b, "coverage_p10_p90", s->coverage, true);
        dm_buf_puts(b, ",\"median_abs_error_ha\":{");
        json_num(b, "model", s->mae_model, false);
        json_num(b, "naive_last12", s->mae_last12, true);
        json_num(b, "naive_mean", s->mae_mean, true);
        dm_buf_puts(b, "}}");
    }
    dm_buf_puts(b, "]");
}

void dm_fc_json_model(dm_buf *b, const dm_fc_choice *c, int split)
{
    dm_buf_puts(b, "{\"chosen\":");
    json_spec(b, &c->spec);
    dm_buf_printf(b, ",\"chosen_on\":{\"cases\":%d,\"published_before\":", c->ncases);
    if (split == INT32_MAX)
        dm_buf_puts(b, "null");
    else
        json_day(b, split);
    dm_buf_puts(b, ",\"score\":");
    dm_buf_json_number(b, c->ncases ? c->scores[c->index] : NAN);
    dm_buf_puts(b, ",\"score_is\":\"mean of |forecast - actual| / ((forecast + actual) / 2) of "
                   "the area forecast\"},\"candidates\":[");
    for (size_t k = 0; k < dm_fc_ncandidates; k++) {
        dm_buf_puts(b, k ? ",{\"model\":" : "{\"model\":");
        json_spec(b, &dm_fc_candidates[k]);
        json_num(b, "score", c->scores ? c->scores[k] : NAN, true);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "],\"assumptions\":[");
    for (int i = 0; dm_fc_assumptions[i]; i++) {
        if (i)
            dm_buf_puts(b, ",");
        dm_buf_json_string(b, dm_fc_assumptions[i]);
    }
    dm_buf_puts(b, "]}");
}

dm_status dm_backtest_json(const dm_history *h, const dm_backtest *bt, dm_buf *b)
{
    dm_buf_puts(b, "{\"history\":{");
    history_members(h, b);
    dm_buf_puts(b, "},\"cut_dates\":[");
    for (size_t i = 0; i < bt->ncuts; i++) {
        if (i)
            dm_buf_puts(b, ",");
        json_day(b, bt->cuts[i]);
    }
    dm_buf_puts(b, "],\"split_date\":");
    json_day(b, bt->split);
    dm_buf_puts(b, ",\"model\":");
    dm_fc_json_model(b, &bt->choice, bt->split);
    dm_buf_puts(b, ",\"methods\":[\"model\",\"naive_last12\",\"naive_mean\"]");
    json_summary(b, "summary", bt->summary, bt->nsummary);
    json_summary(b, "summary_tuning", bt->summary_tuning, bt->nsummary);
    json_summary(b, "summary_held_out", bt->summary_held_out, bt->nsummary);
    json_summary(b, "summary_held_out_later_cuts", bt->summary_later, bt->nsummary);
    dm_buf_puts(b, ",\"cases\":[");
    for (size_t i = 0; i < bt->ncases; i++) {
        const dm_bt_case *c = &bt->cases[i];
        dm_buf_puts(b, i ? ",{\"cut\":" : "{\"cut\":");
        json_day(b, c->cut);
        if (c->horizon)
            dm_buf_printf(b, ",\"horizon\":\"%d months\",\"target_date\":", c->horizon);
        else
            dm_buf_printf(
                b, ",\"horizon\":\"calendar year\",\"year\":%d,\"target_date\":", year_of(c->cut));
        json_day(b, c->horizon ? c->target : c->target - 1);
        dm_buf_printf(b, ",\"target_row\":%zu,\"published\":", c->target_row);
        json_day(b, c->published);
        dm_buf_printf(b, ",\"set\":\"%s\"", c->tuning ? "tuning" : "held-out");
        json_num(b, "actual_ha", c->actual, true);
        json_num(b, "p10", c->q.p10, true);
        json_num(b, "p50", c->q.p50, true);
        json_num(b, "p90", c->q.p90, true);
        json_num(b, "point", c->point, true);
        dm_buf_printf(b, ",\"covered\":%s",
                      c->q.p10 <= c->actual && c->actual <= c->q.p90 ? "true" : "false");
        dm_buf_printf(b, ",\"interval_from\":\"%s\",\"past_errors\":%zu",
                      c->nerrs ? "past errors" : "spread about the fit", c->nerrs);
        json_num(b, "naive_last12", c->naive_last12, true);
        json_num(b, "naive_mean", c->naive_mean, true);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}
