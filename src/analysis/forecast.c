/* Released-area series: reading (two CSV layouts, rules in forecast.h), the
 * rate model, Monte Carlo and the backtest against two naive forecasts. */
#include "analysis/forecast.h"

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
    double t, y, w; /* middle day, ha/month, months */
} obs;

#define FIT_WINDOW_MONTHS 24

dm_status dm_fc_fit(const dm_history *h, int cut, dm_fc_model *m, dm_error *err)
{
    memset(m, 0, sizeof *m);
    m->anchor_day = INT32_MIN;
    for (size_t i = 0; i < h->npoints; i++)
        if (h->points[i].published < cut && h->points[i].day < cut &&
            (m->anchor_day == INT32_MIN || h->points[i].day >= m->anchor_day)) {
            m->anchor_day = h->points[i].day;
            m->anchor_ha = h->points[i].ha;
        }
    if (m->anchor_day == INT32_MIN)
        return dm_error_set(err, DM_EINVAL, "no cumulative figure published before the cut");
    size_t cap = h->nperiods + h->npoints + 1;
    obs *o = calloc(cap, sizeof *o);
    if (!o)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t n = 0;
    double from = cut - FIT_WINDOW_MONTHS * DM_FC_MONTH_DAYS;
    for (size_t i = 0; i < h->nperiods; i++) {
        const dm_fc_period *p = &h->periods[i];
        double mid = (p->start + p->end + 1) / 2.0,
               len = (p->end - p->start + 1) / DM_FC_MONTH_DAYS;
        if (p->published < cut && p->end < cut && mid >= from)
            o[n++] = (obs){mid, p->ha / len, len};
    }
    const dm_fc_point *prev = NULL;
    for (size_t i = 0; i < h->npoints; i++) {
        const dm_fc_point *p = &h->points[i];
        if (p->published >= cut || p->day >= cut)
            continue;
        if (prev && p->day - prev->day >= 28) {
            double len = (p->day - prev->day) / DM_FC_MONTH_DAYS, mid = (p->day + prev->day) / 2.0;
            if (mid >= from)
                o[n++] = (obs){mid, (p->ha - prev->ha) / len, len};
        }
        if (!prev || p->day - prev->day >= 28)
            prev = p;
    }
    if (n < 3) {
        free(o);
        return dm_error_set(err, DM_EINVAL,
                            "%zu rate observations before the cut; the fit needs 3 or more", n);
    }
    double sw = 0, st = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        sw += o[i].w;
        st += o[i].w * o[i].t;
        sy += o[i].w * o[i].y;
    }
    double tb = st / sw, yb = sy / sw, stt = 0, sty = 0;
    for (size_t i = 0; i < n; i++) {
        stt += o[i].w * (o[i].t - tb) * (o[i].t - tb);
        sty += o[i].w * (o[i].t - tb) * (o[i].y - yb);
    }
    stt /= DM_FC_MONTH_DAYS * DM_FC_MONTH_DAYS; /* in months² */
    sty /= DM_FC_MONTH_DAYS;
    double bb = stt > 1e-9 ? sty / stt : 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double e = o[i].y - (yb + bb * (o[i].t - tb) / DM_FC_MONTH_DAYS);
        ss += o[i].w * e * e;
    }
    free(o);
    double sigma2 = ss / (double)(n - 2) * (double)n / sw; /* per month of weight */
    m->a = yb;
    m->b = bb;
    m->t0 = tb;
    m->sigma = sqrt(sigma2);
    m->se_a = sqrt(sigma2 / sw);
    m->se_b = stt > 1e-9 ? sqrt(sigma2 / stt) : 0;
    m->nobs = (int)n;
    return DM_OK;
}

/* splitmix64 and Box-Muller */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_normal(uint64_t *s)
{
    double u1 = ((rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

dm_status dm_fc_simulate(const dm_fc_model *m, int from_day, int target, int runs, uint64_t seed,
                         dm_fc_quantiles *q, dm_error *err)
{
    if (runs < 1)
        return dm_error_set(err, DM_EINVAL, "the number of runs must be 1 or more");
    int start = from_day >= 0 ? from_day : m->anchor_day;
    double base = from_day >= 0 ? 0 : m->anchor_ha;
    double *v = malloc((size_t)runs * sizeof *v);
    if (!v)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    uint64_t s = seed ^ 0x5DEECE66Dull;
    for (int r = 0; r < runs; r++) {
        double a = m->a + m->se_a * rng_normal(&s), b = m->b + m->se_b * rng_normal(&s);
        double tot = base;
        for (double d = start; d < target; d += DM_FC_MONTH_DAYS) {
            double step = fmin(DM_FC_MONTH_DAYS, target - d) / DM_FC_MONTH_DAYS;
            double mid = d + step * DM_FC_MONTH_DAYS / 2;
            double rate = a + b * (mid - m->t0) / DM_FC_MONTH_DAYS + m->sigma * rng_normal(&s);
            tot += fmax(0, rate) * step;
        }
        v[r] = tot;
    }
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    q->p10 = quantile_sorted(v, runs, 0.1);
    q->p50 = quantile_sorted(v, runs, 0.5);
    q->p90 = quantile_sorted(v, runs, 0.9);
    free(v);
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

void dm_backtest_free(dm_backtest *b)
{
    if (!b)
        return;
    free(b->cases);
    free(b->summary);
    free(b->cuts);
    memset(b, 0, sizeof *b);
}

static double median(double *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return quantile_sorted(v, n, 0.5);
}

static dm_status summarise(dm_backtest *b, int horizon, dm_error *err)
{
    double *e1 = malloc((b->ncases + 1) * 3 * sizeof *e1);
    if (!e1)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    double *e2 = e1 + b->ncases + 1, *e3 = e2 + b->ncases + 1;
    int n = 0, covered = 0;
    for (size_t i = 0; i < b->ncases; i++) {
        const dm_bt_case *c = &b->cases[i];
        if (horizon != -1 && c->horizon != horizon)
            continue;
        e1[n] = fabs(c->q.p50 - c->actual);
        e2[n] = fabs(c->naive_last12 - c->actual);
        e3[n] = fabs(c->naive_mean - c->actual);
        covered += c->q.p10 <= c->actual && c->actual <= c->q.p90;
        n++;
    }
    dm_bt_summary *s = &b->summary[b->nsummary++];
    s->horizon = horizon;
    s->n = n;
    s->coverage = n ? (double)covered / n : NAN;
    s->mae_model = median(e1, n);
    s->mae_last12 = median(e2, n);
    s->mae_mean = median(e3, n);
    free(e1);
    return DM_OK;
}

dm_status dm_backtest_run(const dm_history *h, int max_horizon, int runs, uint64_t seed,
                          dm_backtest *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (max_horizon < 1 || max_horizon > 120)
        return dm_error_set(err, DM_EINVAL, "the horizon must be 1 to 120 months");
    if (h->npoints < 2)
        return dm_error_set(err, DM_EINVAL,
                            "the history has %zu cumulative figures; a backtest needs 2 or more",
                            h->npoints);
    int horizons[5], nh = 0;
    const int std_h[] = {3, 6, 12};
    for (int i = 0; i < 3; i++)
        if (std_h[i] <= max_horizon)
            horizons[nh++] = std_h[i];
    if (max_horizon != 3 && max_horizon != 6 && max_horizon != 12)
        horizons[nh++] = max_horizon;
    int first = h->points[0].day, last = h->points[h->npoints - 1].day;
    int y0, m0, d0;
    day_civil(add_months(first, 12), &y0, &m0, &d0);
    int cut = dm_fc_day(y0, ((m0 - 1) / 3) * 3 + 1, 1);
    if (d0 > 1 || (m0 - 1) % 3)
        cut = add_months(cut, 3);
    size_t cap = 0, cut_cap = 0;
    dm_status st = DM_OK;
    for (; cut <= last; cut = add_months(cut, 3)) {
        dm_fc_model m;
        dm_error e;
        dm_error_clear(&e);
        if (dm_fc_fit(h, cut, &m, &e))
            continue;
        double l12, mean;
        dm_fc_naive_rates(h, &m, &l12, &mean);
        bool used = false;
        for (int k = 0; k <= nh; k++) {
            dm_bt_case c = {0};
            c.cut = cut;
            if (k < nh) {
                int lo = add_months(cut, horizons[k]), hi = add_months(cut, horizons[k] + 3);
                const dm_fc_point *t = NULL;
                for (size_t i = 0; i < h->npoints && !t; i++)
                    if (h->points[i].day >= lo && h->points[i].day < hi)
                        t = &h->points[i];
                if (!t)
                    continue;
                c.horizon = horizons[k];
                c.target = t->day;
                c.actual = t->ha;
                c.target_row = t->row;
                if ((st = dm_fc_simulate(&m, -1, t->day, runs, seed + (uint64_t)cut * 31 + k, &c.q,
                                         err)))
                    goto fail;
                double months = (t->day - m.anchor_day) / DM_FC_MONTH_DAYS;
                c.naive_last12 = m.anchor_ha + l12 * months;
                c.naive_mean = m.anchor_ha + mean * months;
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
                c.actual = a->ha;
                c.target_row = a->row;
                if ((st = dm_fc_simulate(&m, cut, a->end + 1, runs, seed + (uint64_t)cut * 31 + k,
                                         &c.q, err)))
                    goto fail;
                double months = (a->end + 1 - cut) / DM_FC_MONTH_DAYS;
                c.naive_last12 = l12 * months;
                c.naive_mean = mean * months;
            }
            if ((st = grow((void **)&out->cases, out->ncases, &cap, sizeof c, err)))
                goto fail;
            out->cases[out->ncases++] = c;
            used = true;
        }
        if (used) {
            if ((st = grow((void **)&out->cuts, out->ncuts, &cut_cap, sizeof(int), err)))
                goto fail;
            out->cuts[out->ncuts++] = cut;
        }
    }
    if (!out->ncases) {
        st = dm_error_set(err, DM_EINVAL,
                          "no cut date has both a fit (3 rate observations and a cumulative "
                          "figure before it) and a figure to check it against");
        goto fail;
    }
    out->summary = calloc((size_t)nh + 2, sizeof *out->summary);
    if (!out->summary) {
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
        goto fail;
    }
    for (int k = 0; k < nh; k++)
        if ((st = summarise(out, horizons[k], err)))
            goto fail;
    if ((st = summarise(out, 0, err)) || (st = summarise(out, -1, err)))
        goto fail;
    return DM_OK;
fail:
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
    dm_buf_puts(b, "],\"methods\":[\"model\",\"naive_last12\",\"naive_mean\"],\"summary\":[");
    for (size_t i = 0; i < bt->nsummary; i++) {
        const dm_bt_summary *s = &bt->summary[i];
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
    dm_buf_puts(b, "],\"cases\":[");
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
        dm_buf_printf(b, ",\"target_row\":%zu", c->target_row);
        json_num(b, "actual_ha", c->actual, true);
        json_num(b, "p10", c->q.p10, true);
        json_num(b, "p50", c->q.p50, true);
        json_num(b, "p90", c->q.p90, true);
        dm_buf_printf(b, ",\"covered\":%s",
                      c->q.p10 <= c->actual && c->actual <= c->q.p90 ? "true" : "false");
        json_num(b, "naive_last12", c->naive_last12, true);
        json_num(b, "naive_mean", c->naive_mean, true);
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}
