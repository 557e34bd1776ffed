#include "analysis/forecast_area.h"

#include "core/rng.h"
#include "core/sorted.h"
#include "core/date.h"
#include "core/strmap.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>

const char *const dm_fa_asset_names[DM_FA_NASSETS] = {"manual", "mechanical", "mdd"};
const char *const dm_fa_op_names[DM_FA_NOPS] = {"technical survey", "clearance"};
const double dm_fa_default_mix[3] = {156.92 / 497.34, 121.11 / 497.34, 219.31 / 497.34};

/* The rows of data/aze/productivity_and_cost.csv used as defaults. */
static const char *const prod_rows[DM_FA_NASSETS] = {
    "manual clearance rate per deminer",
    "mechanical: MV-4 / MV-10 field output",
    "mine detection dog (MDD) clearance rate",
};
static const char *const cost_row = "clearance cost per square metre";
static const char *const mix_row =
    "share of land released by non-technical survey cancellation, 2022 (derived)";

/* ---- teams ---- */

dm_status dm_fa_teams_parse(const char *s, dm_fa_teams *t, dm_error *err)
{
    memset(t, 0, sizeof *t);
    bool seen[DM_FA_NASSETS] = {false};
    const char *p = s;
    if (!*s)
        return dm_error_set(err, DM_EINVAL,
                            "--teams: no teams given (manual=N,mechanical=N,mdd=N)");
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)(len < 120 ? len : 120), p);
        char *eq = strchr(item, '=');
        if (!eq)
            return dm_error_set(err, DM_EINVAL, "--teams: \"%s\" is not ASSET=COUNT", item);
        *eq = '\0';
        const char *name = item, *count = eq + 1;
        int a = -1;
        if (!strcasecmp(name, "manual"))
            a = DM_FA_MANUAL;
        else if (!strcasecmp(name, "mechanical"))
            a = DM_FA_MECHANICAL;
        else if (!strcasecmp(name, "mdd") || !strcasecmp(name, "dog") || !strcasecmp(name, "dogs"))
            a = DM_FA_MDD;
        if (a < 0)
            return dm_error_set(err, DM_EINVAL,
                                "--teams: unknown asset \"%s\" (manual, mechanical, mdd)", name);
        if (seen[a])
            return dm_error_set(err, DM_EINVAL, "--teams: %s named twice", name);
        seen[a] = true;
        char *e;
        errno = 0;
        long v = strtol(count, &e, 10);
        if (!*count || *e || errno)
            return dm_error_set(err, DM_EINVAL, "--teams: %s=%s: the count is not a whole number",
                                name, count);
        if (v < 0)
            return dm_error_set(err, DM_EINVAL, "--teams: %s=%s: a negative count", name, count);
        if (v > 100000)
            return dm_error_set(err, DM_EINVAL, "--teams: %s=%s: more than 100000 teams", name,
                                count);
        t->n[a] = (int)v;
        p = end ? end + 1 : p + len;
        if (end && !*p)
            return dm_error_set(err, DM_EINVAL, "--teams: an empty item after the last comma");
    }
    int total = 0;
    for (int a = 0; a < DM_FA_NASSETS; a++)
        total += t->n[a];
    if (total == 0)
        return dm_error_set(err, DM_EINVAL,
                            "--teams: zero teams in all: the remaining area would never be done");
    return DM_OK;
}

/* ---- published defaults ---- */

/* Splits one CSV record at *pos into cells (quotes and "" escapes). Returns
 * the number of cells (at most max), -1 on an unclosed quote. */
static int csv_record(const char *t, size_t len, size_t *pos, char cells[][512], int max)
{
    int n = 0;
    size_t p = *pos;
    for (;;) {
        char cell[512];
        size_t k = 0;
        if (p < len && t[p] == '"') {
            p++;
            for (;;) {
                if (p >= len)
                    return -1;
                if (t[p] == '"') {
                    if (p + 1 < len && t[p + 1] == '"') {
                        if (k < sizeof cell - 1)
                            cell[k++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (k < sizeof cell - 1)
                    cell[k++] = t[p];
                p++;
            }
        }
        while (p < len && t[p] != ',' && t[p] != '\n' && t[p] != '\r') {
            if (k < sizeof cell - 1)
                cell[k++] = t[p];
            p++;
        }
        cell[k] = '\0';
        if (n < max)
            memcpy(cells[n], cell, k + 1);
        n++;
        if (p < len && t[p] == ',') {
            p++;
            continue;
        }
        if (p < len && t[p] == '\r')
            p++;
        if (p < len && t[p] == '\n')
            p++;
        break;
    }
    *pos = p;
    return n < max ? n : max;
}

static bool number(const char *s, double *v)
{
    char *e;
    *v = strtod(s, &e);
    return *s && !*e && isfinite(*v);
}

dm_status dm_fa_defaults_parse(const char *text, size_t len, dm_fa_defaults *d, dm_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s", d->path);
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    char cells[8][512]; /* on the stack: servers parse the figures on several threads */
    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    int n = csv_record(text, len, &pos, cells, 8);
    if (n < 6 || strcmp(cells[0], "quantity") || strcmp(cells[1], "value_low") ||
        strcmp(cells[2], "value_high") || strcmp(cells[3], "unit") ||
        strcmp(cells[5], "source_url"))
        return dm_error_set(err, DM_EFORMAT,
                            "%s: the header is not quantity,value_low,value_high,unit,context,"
                            "source_url,...",
                            d->path[0] ? d->path : "published figures");
    while (pos < len) {
        n = csv_record(text, len, &pos, cells, 8);
        if (n < 0)
            return dm_error_set(err, DM_EFORMAT, "%s: a quoted cell is not closed",
                                d->path[0] ? d->path : "published figures");
        if (n < 6)
            continue;
        dm_fa_figure *f = NULL;
        for (int a = 0; a < DM_FA_NASSETS; a++)
            if (!strcmp(cells[0], prod_rows[a]))
                f = &d->prod[a];
        if (!strcmp(cells[0], cost_row))
            f = &d->cost;
        if (!strcmp(cells[0], mix_row))
            f = &d->mix;
        double lo, hi;
        if (!f || f->found || !number(cells[1], &lo))
            continue;
        if (!number(cells[2], &hi))
            hi = lo;
        if (lo < 0 || hi < lo)
            continue;
        f->found = true;
        f->low = lo;
        f->high = hi;
        snprintf(f->quantity, sizeof f->quantity, "%s", cells[0]);
        snprintf(f->unit, sizeof f->unit, "%s", cells[3]);
        snprintf(f->url, sizeof f->url, "%s", cells[5]);
    }
    d->read = true;
    return DM_OK;
}

void dm_fa_defaults_read(const char *path, dm_fa_defaults *d)
{
    dm_fa_defaults_read_as(path, NULL, d);
}

void dm_fa_defaults_read_as(const char *path, const char *name, dm_fa_defaults *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", name ? name : path);
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        snprintf(d->why, sizeof d->why, "%s cannot be read: %s", d->path,
                 path ? strerror(errno) : "no file given");
        return;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        if (cap >= (1u << 24)) {
            free(buf);
            buf = NULL;
            break;
        }
        char *nb = realloc(buf, cap *= 2);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    fclose(f);
    if (!buf) {
        snprintf(d->why, sizeof d->why, "%s is too large (or out of memory)", d->path);
        return;
    }
    dm_error err;
    dm_error_clear(&err);
    if (dm_fa_defaults_parse(buf, len, d, &err)) {
        snprintf(d->why, sizeof d->why, "%s", err.msg);
        d->read = false;
    }
    free(buf);
}

/* ---- history from the database ---- */

static dm_status push_act(dm_fa_history *h, size_t *cap, const dm_fa_activity *a)
{
    if (h->nacts == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        dm_fa_activity *n = realloc(h->acts, nc * sizeof *n);
        if (!n)
            return DM_ENOMEM;
        h->acts = n;
        *cap = nc;
    }
    h->acts[h->nacts++] = *a;
    return DM_OK;
}

static int day_number(const char *s)
{
    dm_date d;
    dm_error e;
    if (!s || !*s || dm_date_parse(s, &d, &e))
        return INT32_MIN;
    /* days from 1970-01-01 (civil from days, Howard Hinnant) */
    int y = d.year - (d.month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static dm_status read_activities(dm_store *store, bool drafts, dm_fa_history *h, dm_error *err)
{
    dm_query q = {.kind = &dm_kind_activities, .include_drafts = drafts, .with_geometry = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_geo *geo = dm_store_geo(store);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_activities);
    size_t cap = 0;
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *status = dm_record_get(&rec, "status");
        if (!status || strcmp(status, "completed"))
            continue;
        const char *type = dm_record_get(&rec, "type");
        const char *asset = dm_record_get(&rec, "asset");
        int op = -1, a = -1;
        if (type && !strcmp(type, "TS"))
            op = DM_FA_TS;
        else if (type && (!strcmp(type, "clearance") || !strcmp(type, "BAC")))
            op = DM_FA_CLEARANCE;
        if (asset && !strcmp(asset, "manual"))
            a = DM_FA_MANUAL;
        else if (asset && !strcmp(asset, "mechanical"))
            a = DM_FA_MECHANICAL;
        else if (asset && !strcmp(asset, "dog"))
            a = DM_FA_MDD;
        int d0 = day_number(dm_record_get(&rec, "start_date"));
        int d1 = day_number(dm_record_get(&rec, "end_date"));
        double area = rec.geom ? dm_geo_area_m2(geo, rec.geom) : 0;
        if (op < 0 || a < 0 || d0 == INT32_MIN || d1 == INT32_MIN || d1 < d0 || !(area > 0)) {
            h->skipped++;
            continue;
        }
        const char *cost = dm_record_get(&rec, "cost");
        const char *currency = dm_record_get(&rec, "currency");
        double usd = cost && currency && !strcasecmp(currency, "USD") ? atof(cost) : 0;
        dm_fa_activity act = {a, op, area, (double)(d1 - d0 + 1), usd > 0 ? usd : 0};
        if (push_act(h, &cap, &act)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    return st;
}

static dm_status read_mix(dm_store *store, bool drafts, dm_fa_history *h, dm_error *err)
{
    dm_query q = {.kind = &dm_kind_releases, .include_drafts = drafts, .with_geometry = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_geo *geo = dm_store_geo(store);
    dm_strmap idx; /* hazard code -> index in h->hazards */
    dm_strmap_init(&idx);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_releases);
    size_t cap = 0;
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        const char *hz = dm_record_get(&rec, "hazard_code");
        const char *method = dm_record_get(&rec, "method");
        if (!hz || !*hz || !method || !rec.geom)
            continue;
        int m = !strcmp(method, "cancelled") ? DM_FA_CANCELLED
                : !strcmp(method, "reduced") ? DM_FA_REDUCED
                                             : DM_FA_CLEARED;
        double area = dm_geo_area_m2(geo, rec.geom);
        if (!(area > 0))
            continue;
        long k;
        int added;
        if (dm_strmap_intern(&idx, hz, &k, &added)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        if (added) {
            if (h->nhazards == cap) {
                size_t nc = cap ? 2 * cap : 256;
                dm_fa_hazard_mix *n = realloc(h->hazards, nc * sizeof *n);
                if (!n) {
                    st = dm_error_set(err, DM_ENOMEM, "out of memory");
                    break;
                }
                h->hazards = n;
                cap = nc;
            }
            memset(&h->hazards[h->nhazards++], 0, sizeof h->hazards[0]);
        }
        h->hazards[k].m2[m] += area;
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    dm_strmap_free(&idx);
    return st;
}

dm_status dm_fa_history_read(dm_store *store, bool include_drafts, dm_fa_history *h, dm_error *err)
{
    memset(h, 0, sizeof *h);
    dm_status st = read_activities(store, include_drafts, h, err);
    if (!st)
        st = read_mix(store, include_drafts, h, err);
    if (st)
        dm_fa_history_free(h);
    return st;
}

void dm_fa_history_free(dm_fa_history *h)
{
    free(h->acts);
    free(h->hazards);
    memset(h, 0, sizeof *h);
}

/* ---- the Monte Carlo ---- */

static size_t rng_index(uint64_t *s, size_t n) { return (size_t)(dm_rng_unit(s) * (double)n); }

void dm_fa_model_free(dm_fa_model *m)
{
    free(m->days_per_m2);
    free(m->cost_per_m2);
    m->days_per_m2 = m->cost_per_m2 = NULL;
}

static void assume(dm_fa_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void assume(dm_fa_model *m, const char *fmt, ...)
{
    if (m->nassumptions >= (int)(sizeof m->assumptions / sizeof m->assumptions[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->assumptions[m->nassumptions++], sizeof m->assumptions[0], fmt, ap);
    va_end(ap);
}

dm_status dm_fa_model_run(const dm_fa_history *h, const dm_fa_defaults *d, const dm_fa_teams *teams,
                          int runs, uint64_t seed, dm_fa_model *m, dm_error *err)
{
    memset(m, 0, sizeof *m);
    m->teams = *teams;
    m->runs = runs;
    int total = 0;
    for (int a = 0; a < DM_FA_NASSETS; a++) {
        if (teams->n[a] < 0)
            return dm_error_set(err, DM_EINVAL, "%s: a negative number of teams",
                                dm_fa_asset_names[a]);
        total += teams->n[a];
    }
    if (total == 0)
        return dm_error_set(err, DM_EINVAL,
                            "zero teams in all: the remaining area would never be done");
    if (runs < 1)
        return dm_error_set(err, DM_EINVAL, "runs must be 1 or more");
    /* the activities of each asset and operation; each weighs by its area up
       to the median area of its group */
    size_t *idx[DM_FA_NASSETS][DM_FA_NOPS] = {{NULL}};
    double wcap[DM_FA_NASSETS][DM_FA_NOPS] = {{0}};
    dm_status st = DM_OK;
    double *hw = NULL;                    /* hazards' weights */
    size_t *cidx[DM_FA_NASSETS] = {NULL}; /* each asset's activities with a cost */
    for (int a = 0; a < DM_FA_NASSETS; a++)
        for (int o = 0; o < DM_FA_NOPS; o++) {
            dm_fa_prod *p = &m->prod[a][o];
            for (size_t i = 0; i < h->nacts; i++)
                p->n += h->acts[i].asset == a && h->acts[i].op == o;
            if (p->n >= DM_FA_MIN_ACTIVITIES) {
                idx[a][o] = malloc((size_t)p->n * sizeof(size_t));
                double *rates = malloc((size_t)p->n * sizeof(double));
                double *areas = malloc((size_t)p->n * sizeof(double));
                if (!idx[a][o] || !rates || !areas) {
                    free(rates);
                    free(areas);
                    st = dm_error_set(err, DM_ENOMEM, "out of memory");
                    goto done;
                }
                int k = 0;
                for (size_t i = 0; i < h->nacts; i++)
                    if (h->acts[i].asset == a && h->acts[i].op == o) {
                        idx[a][o][k] = i;
                        areas[k] = h->acts[i].area_m2;
                        rates[k++] = h->acts[i].area_m2 / h->acts[i].days;
                    }
                qsort(rates, (size_t)p->n, sizeof *rates, dm_cmp_double);
                qsort(areas, (size_t)p->n, sizeof *areas, dm_cmp_double);
                wcap[a][o] = dm_quantile_sorted(areas, p->n, 0.5);
                double sw = 0, swy = 0;
                for (int j = 0; j < p->n; j++) {
                    const dm_fa_activity *x = &h->acts[idx[a][o][j]];
                    double w = fmin(x->area_m2, wcap[a][o]);
                    sw += w;
                    swy += w * x->days / x->area_m2;
                }
                p->source = DM_FA_SRC_DATABASE;
                p->mean = sw / swy;
                p->p10 = dm_quantile_sorted(rates, p->n, 0.1);
                p->p90 = dm_quantile_sorted(rates, p->n, 0.9);
                free(rates);
                free(areas);
            }
        }
    for (int a = 0; a < DM_FA_NASSETS; a++) {
        dm_fa_prod *c = &m->prod[a][DM_FA_CLEARANCE], *t = &m->prod[a][DM_FA_TS];
        if (c->source == DM_FA_SRC_NONE && d && d->read && d->prod[a].found) {
            double f = a == DM_FA_MANUAL ? DM_FA_MANUAL_TEAM_DEMINERS : 1;
            c->source = DM_FA_SRC_DEFAULT;
            c->low = d->prod[a].low * f;
            c->high = d->prod[a].high * f;
            c->mean = (c->low + c->high) / 2;
        }
        if (t->source == DM_FA_SRC_NONE && c->source != DM_FA_SRC_NONE) {
            t->source = DM_FA_SRC_AS_CLEARANCE;
            t->low = c->low;
            t->high = c->high;
            t->mean = c->mean;
        }
        if (teams->n[a] > 0 && c->source == DM_FA_SRC_NONE) {
            st = dm_error_set(err, DM_EINVAL,
                              "%s: %d teams, but the database has %d completed %s activities "
                              "(%d needed) and there is no published default (%s)",
                              dm_fa_asset_names[a], teams->n[a], c->n, dm_fa_asset_names[a],
                              DM_FA_MIN_ACTIVITIES,
                              d && !d->read ? d->why : "no such row in the published figures");
            goto done;
        }
    }
    /* the mix */
    size_t nmix = 0;
    for (size_t i = 0; i < h->nhazards; i++)
        nmix += h->hazards[i].m2[0] + h->hazards[i].m2[1] + h->hazards[i].m2[2] > 0;
    m->mix_hazards = (int)nmix;
    if (nmix >= DM_FA_MIN_HAZARDS) {
        /* each hazard weighs by its released area up to the median */
        m->mix_source = DM_FA_SRC_DATABASE;
        hw = malloc(h->nhazards * sizeof *hw);
        if (!hw) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < h->nhazards; i++)
            hw[i] = h->hazards[i].m2[0] + h->hazards[i].m2[1] + h->hazards[i].m2[2];
        qsort(hw, h->nhazards, sizeof *hw, dm_cmp_double);
        double cap = dm_quantile_sorted(hw, (int)h->nhazards, 0.5);
        for (size_t i = 0; i < h->nhazards; i++) {
            double t = h->hazards[i].m2[0] + h->hazards[i].m2[1] + h->hazards[i].m2[2];
            hw[i] = t > 0 ? fmin(t, cap) / t : 0; /* per m² of the hazard */
        }
        double s[3] = {0, 0, 0};
        for (size_t i = 0; i < h->nhazards; i++)
            for (int k = 0; k < 3; k++)
                s[k] += hw[i] * h->hazards[i].m2[k];
        for (int k = 0; k < 3; k++)
            m->mix[k] = s[k] / (s[0] + s[1] + s[2]);
    } else {
        m->mix_source = DM_FA_SRC_DEFAULT;
        memcpy(m->mix, dm_fa_default_mix, sizeof m->mix);
    }
    /* cost: per team-day from the database, else per m² cleared published */
    bool learned_cost = true;
    for (int a = 0; a < DM_FA_NASSETS && !st; a++) {
        if (!teams->n[a])
            continue;
        cidx[a] = malloc((h->nacts ? h->nacts : 1) * sizeof *cidx[a]);
        if (!cidx[a]) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        double sc = 0, sd = 0;
        for (size_t i = 0; i < h->nacts; i++)
            if (h->acts[i].asset == a && h->acts[i].cost_usd > 0) {
                cidx[a][m->cost_n[a]++] = i;
                sc += h->acts[i].cost_usd;
                sd += h->acts[i].days;
            }
        m->usd_per_team_day[a] = sd > 0 ? sc / sd : 0;
        learned_cost &= m->cost_n[a] >= DM_FA_MIN_ACTIVITIES;
    }
    if (st)
        goto done;
    if (learned_cost) {
        m->cost_known = true;
        m->cost_source = DM_FA_SRC_DATABASE;
    } else if (d && d->read && d->cost.found) {
        m->cost_known = true;
        m->cost_source = DM_FA_SRC_DEFAULT;
    } else if (d && !d->read)
        snprintf(m->cost_why, sizeof m->cost_why,
                 "no cost figure: the published figures were not read (%s)", d->why);
    else
        snprintf(m->cost_why, sizeof m->cost_why,
                 "no cost figure: the published figures have no row \"%s\"", cost_row);
    m->days_per_m2 = malloc((size_t)runs * sizeof(double));
    m->cost_per_m2 = m->cost_known ? malloc((size_t)runs * sizeof(double)) : NULL;
    double *mixr[3];
    for (int k = 0; k < 3; k++)
        mixr[k] = malloc((size_t)runs * sizeof(double));
    if (!m->days_per_m2 || (m->cost_known && !m->cost_per_m2) || !mixr[0] || !mixr[1] || !mixr[2]) {
        for (int k = 0; k < 3; k++)
            free(mixr[k]);
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t rng = seed * 0x2545F4914F6CDD1Dull + 0x6A09E667F3BCC909ull;
    uint64_t rng_cost = seed * 0x9E3779B97F4A7C15ull + 0xBB67AE8584CAA73Bull;
    for (int r = 0; r < runs; r++) {
        double mix[3];
        if (m->mix_source == DM_FA_SRC_DATABASE) {
            double s[3] = {0, 0, 0};
            for (size_t i = 0; i < h->nhazards; i++) {
                size_t j = rng_index(&rng, h->nhazards);
                for (int k = 0; k < 3; k++)
                    s[k] += hw[j] * h->hazards[j].m2[k];
            }
            double t = s[0] + s[1] + s[2];
            for (int k = 0; k < 3; k++)
                mix[k] = t > 0 ? s[k] / t : m->mix[k];
        } else
            memcpy(mix, m->mix, sizeof mix);
        double cap[DM_FA_NOPS] = {0, 0};
        for (int a = 0; a < DM_FA_NASSETS; a++) {
            if (!teams->n[a])
                continue;
            double p[DM_FA_NOPS];
            for (int o = DM_FA_NOPS - 1; o >= 0; o--) { /* clearance first */
                const dm_fa_prod *pr = &m->prod[a][o];
                if (pr->source == DM_FA_SRC_DATABASE) {
                    double sw = 0, swy = 0;
                    for (int i = 0; i < pr->n; i++) {
                        const dm_fa_activity *x =
                            &h->acts[idx[a][o][rng_index(&rng, (size_t)pr->n)]];
                        double w = fmin(x->area_m2, wcap[a][o]);
                        sw += w;
                        swy += w * x->days / x->area_m2;
                    }
                    p[o] = sw / swy;
                } else if (pr->source == DM_FA_SRC_AS_CLEARANCE)
                    p[o] = p[DM_FA_CLEARANCE];
                else
                    p[o] = pr->low + (pr->high - pr->low) * dm_rng_unit(&rng);
                cap[o] += teams->n[a] * p[o];
            }
        }
        m->days_per_m2[r] =
            mix[DM_FA_REDUCED] / cap[DM_FA_TS] + mix[DM_FA_CLEARED] / cap[DM_FA_CLEARANCE];
        if (m->cost_source == DM_FA_SRC_DATABASE) {
            double per_day = 0; /* USD per day of all the teams */
            for (int a = 0; a < DM_FA_NASSETS; a++) {
                if (!teams->n[a])
                    continue;
                double sc = 0, sd = 0;
                for (int i = 0; i < m->cost_n[a]; i++) {
                    const dm_fa_activity *x =
                        &h->acts[cidx[a][rng_index(&rng_cost, (size_t)m->cost_n[a])]];
                    sc += x->cost_usd;
                    sd += x->days;
                }
                per_day += teams->n[a] * sc / sd;
            }
            m->cost_per_m2[r] = m->days_per_m2[r] * per_day;
        } else if (m->cost_known)
            m->cost_per_m2[r] = mix[DM_FA_CLEARED] * (d->cost.low + (d->cost.high - d->cost.low) *
                                                                        dm_rng_unit(&rng_cost));
        for (int k = 0; k < 3; k++)
            mixr[k][r] = mix[k];
    }
    qsort(m->days_per_m2, (size_t)runs, sizeof(double), dm_cmp_double);
    if (m->cost_known)
        qsort(m->cost_per_m2, (size_t)runs, sizeof(double), dm_cmp_double);
    for (int k = 0; k < 3; k++) {
        qsort(mixr[k], (size_t)runs, sizeof(double), dm_cmp_double);
        m->mix_q[k][0] = dm_quantile_sorted(mixr[k], runs, 0.1);
        m->mix_q[k][1] = dm_quantile_sorted(mixr[k], runs, 0.5);
        m->mix_q[k][2] = dm_quantile_sorted(mixr[k], runs, 0.9);
        free(mixr[k]);
    }
    /* what it assumes */
    assume(m, "The remaining area is area(H - R) today: hazard polygons minus released land "
              "(approved records); hazards not yet recorded are not in it.");
    assume(m, "Cancelled land (non-technical survey) takes no time of the asset teams: survey "
              "teams outside this configuration do it. Reduced land (technical survey) and "
              "cleared land are worked by the asset teams.");
    assume(m, "All the teams work at once, every team on any kind of land, from the start date "
              "without pause; a team-day is a calendar day (an activity's days are its end date "
              "minus its start date plus one), so weekends, weather and seasons count only as "
              "far as the activities learned from include them.");
    assume(m, "Productivity and mix are those of the past (or of the published figures): the "
              "spread covers the uncertainty of their average, not a change of terrain, "
              "contamination or funding.");
    if (m->mix_source == DM_FA_SRC_DEFAULT)
        assume(m,
               "Release mix: the Landmine Monitor 2023 shares of land released by States "
               "Parties in 2022 (cancelled %.1f%%, reduced %.1f%%, cleared %.1f%%), fixed: the "
               "database has %d hazards with releases that name them (%d needed).",
               100 * m->mix[0], 100 * m->mix[1], 100 * m->mix[2], m->mix_hazards,
               DM_FA_MIN_HAZARDS);
    else
        assume(m,
               "Release mix: learned from the m² released by method from %d hazards (releases "
               "that name their hazard); the land still hazardous will end up in the same "
               "shares.",
               m->mix_hazards);
    bool manual_default = false, ts_as = false;
    for (int a = 0; a < DM_FA_NASSETS; a++) {
        if (!teams->n[a])
            continue;
        manual_default |=
            a == DM_FA_MANUAL && m->prod[a][DM_FA_CLEARANCE].source == DM_FA_SRC_DEFAULT;
        ts_as |= m->prod[a][DM_FA_TS].source == DM_FA_SRC_AS_CLEARANCE;
    }
    if (manual_default)
        assume(m,
               "A manual team is %d deminers (an assumption, not from a source): the published "
               "manual rate is per deminer.",
               DM_FA_MANUAL_TEAM_DEMINERS);
    if (ts_as)
        assume(m, "Where the database has too few technical-survey activities of an asset, "
                  "technical survey is taken to be as slow as clearance by it (no published "
                  "figure): pessimistic.");
    if (m->cost_source == DM_FA_SRC_DATABASE) {
        char per[200] = "";
        for (int a = 0; a < DM_FA_NASSETS; a++)
            if (teams->n[a]) {
                size_t used = strlen(per);
                snprintf(per + used, sizeof per - used, "%s%s %.0f (%d activities)",
                         used ? ", " : "", dm_fa_asset_names[a], m->usd_per_team_day[a],
                         m->cost_n[a]);
            }
        assume(m,
               "Cost: the teams' days times the cost of a team-day of each asset, learned from "
               "the completed activities with a cost in USD (USD per team-day: %s), on every "
               "kind of land they work; costs in other currencies are not used, and the prices "
               "are those of the activities' years.",
               per);
    } else if (m->cost_known)
        assume(m,
               "Cost: USD %.0f-%.0f per m² cleared (uniform), published, for the cleared share "
               "only; survey costs and overheads are not counted and are not in today's "
               "prices.",
               d->cost.low, d->cost.high);
    else
        assume(m, "Cost: not computed (%s).", m->cost_why);
done:
    for (int a = 0; a < DM_FA_NASSETS; a++)
        free(cidx[a]);
    free(hw);
    for (int a = 0; a < DM_FA_NASSETS; a++)
        for (int o = 0; o < DM_FA_NOPS; o++)
            free(idx[a][o]);
    if (st)
        dm_fa_model_free(m);
    return st;
}

void dm_fa_days(const dm_fa_model *m, double area_m2, dm_fa_q *q)
{
    q->p10 = area_m2 * dm_quantile_sorted(m->days_per_m2, m->runs, 0.1);
    q->p50 = area_m2 * dm_quantile_sorted(m->days_per_m2, m->runs, 0.5);
    q->p90 = area_m2 * dm_quantile_sorted(m->days_per_m2, m->runs, 0.9);
}

void dm_fa_cost(const dm_fa_model *m, double area_m2, dm_fa_q *q)
{
    if (!m->cost_known) {
        q->p10 = q->p50 = q->p90 = NAN;
        return;
    }
    q->p10 = area_m2 * dm_quantile_sorted(m->cost_per_m2, m->runs, 0.1);
    q->p50 = area_m2 * dm_quantile_sorted(m->cost_per_m2, m->runs, 0.5);
    q->p90 = area_m2 * dm_quantile_sorted(m->cost_per_m2, m->runs, 0.9);
}
