/* `demine casualties check`: the data-quality report of the casualty
 * registry. Every finding names its records; nothing personal is printed
 * (names are compared, never shown). */
#include "analysis/casualties.h"

#include "analysis/check.h"
#include "analysis/incidents.h"
#include "core/date.h"
#include "core/strmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An accident as the checks need it. */
typedef struct acc_info {
    char code[DM_CODE_MAX];
    char date[11]; /* "" unknown */
    double lon, lat;
    bool has_point;
    int victims;
} acc_info;

/* A victim as the checks need it. */
typedef struct vic_info {
    char code[DM_CODE_MAX];
    long acc;     /* index into the accidents, -1 none */
    char key[96]; /* status|sex|age|group, for duplicates */
    char *name;   /* personal: compared, never printed */
    char *origin;
} vic_info;

typedef struct data {
    acc_info *acc;
    size_t nacc;
    vic_info *vic;
    size_t nvic;
    dm_strmap acc_codes;
} data;

static void data_free(data *d)
{
    for (size_t i = 0; i < d->nvic; i++) {
        free(d->vic[i].name);
        free(d->vic[i].origin);
    }
    free(d->vic);
    free(d->acc);
    dm_strmap_free(&d->acc_codes);
}

/* A finding's index, to which codes are added. */
static dm_status finding(dm_check_report *r, const char *severity, const char *what,
                         const char *detail, size_t *index, dm_error *err)
{
    dm_check_item *it = dm_check_add(r, severity, what);
    if (!it)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    snprintf(it->detail, sizeof it->detail, "%s", detail);
    *index = r->n - 1;
    return DM_OK;
}

static dm_status add_code(dm_check_report *r, size_t i, const char *code, dm_error *err)
{
    return dm_code_list_add(&r->items[i].codes, code)
               ? dm_error_set(err, DM_ENOMEM, "out of memory")
               : DM_OK;
}

/* Values a field's list does not know (written by another program). */
static bool off_list(const dm_field *f, const char *v)
{
    return v && f->type == DM_FT_ENUM && dm_field_value_index(f, v) < 0;
}

static dm_status read_accidents(dm_store *store, data *d, dm_check_report *r, size_t i_date,
                                size_t i_nopos, size_t i_values, dm_error *err)
{
    char today[11];
    dm_date_format(dm_date_today(), today);
    dm_query q = {.kind = &dm_kind_accidents,
                  .include_drafts = true,
                  .with_geometry = true,
                  .keep_damaged = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_accidents);
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    size_t cap = 0;
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (d->nacc == cap) {
            cap = cap ? cap * 2 : 1024;
            acc_info *a = realloc(d->acc, cap * sizeof *a);
            if (!a) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            d->acc = a;
        }
        acc_info *a = &d->acc[d->nacc];
        memset(a, 0, sizeof *a);
        snprintf(a->code, sizeof a->code, "%s", rec.code);
        const char *date = dm_record_get(&rec, "date");
        dm_date dd;
        dm_error ignored;
        if (date && !dm_date_parse(date, &dd, &ignored))
            dm_date_format(dd, a->date);
        if ((date && !a->date[0]) || (a->date[0] && strcmp(a->date, today) > 0) ||
            (a->date[0] && strcmp(a->date, "1900-01-01") < 0))
            st = add_code(r, i_date, rec.code, err);
        a->has_point = rec.geom && GEOSisEmpty_r(h, rec.geom) == 0 &&
                       GEOSGeomGetX_r(h, rec.geom, &a->lon) && GEOSGeomGetY_r(h, rec.geom, &a->lat);
        if (!st && !a->has_point)
            st = add_code(r, i_nopos, rec.code, err);
        for (size_t f = 0; !st && f < dm_kind_accidents.nfields; f++)
            if (off_list(&dm_kind_accidents.fields[f], rec.values[f])) {
                st = add_code(r, i_values, rec.code, err);
                break;
            }
        long idx;
        int added;
        if (!st && dm_strmap_intern(&d->acc_codes, rec.code, &idx, &added))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
        if (!st)
            d->nacc++;
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    return st;
}

static dm_status read_victims(dm_store *store, data *d, dm_check_report *r, size_t i_orphan,
                              size_t i_age, size_t i_values, dm_error *err)
{
    dm_query q = {.kind = &dm_kind_victims, .include_drafts = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_victims);
    size_t cap = 0;
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (d->nvic == cap) {
            cap = cap ? cap * 2 : 1024;
            vic_info *v = realloc(d->vic, cap * sizeof *v);
            if (!v) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            d->vic = v;
        }
        vic_info *v = &d->vic[d->nvic];
        memset(v, 0, sizeof *v);
        snprintf(v->code, sizeof v->code, "%s", rec.code);
        const char *ac = dm_record_get(&rec, "accident_code");
        v->acc = ac ? dm_strmap_find(&d->acc_codes, ac) : -1;
        if (v->acc < 0)
            st = add_code(r, i_orphan, rec.code, err);
        else
            d->acc[v->acc].victims++;
        const char *age = dm_record_get(&rec, "age");
        if (!st && age) {
            char *end;
            long y = strtol(age, &end, 10);
            if (*end || y < 0 || y > 110)
                st = add_code(r, i_age, rec.code, err);
        }
        for (size_t f = 0; !st && f < dm_kind_victims.nfields; f++)
            if (off_list(&dm_kind_victims.fields[f], rec.values[f])) {
                st = add_code(r, i_values, rec.code, err);
                break;
            }
        const char *status = dm_record_get(&rec, "status"), *sex = dm_record_get(&rec, "sex"),
                   *group = dm_record_get(&rec, "group"), *name = dm_record_get(&rec, "name");
        snprintf(v->key, sizeof v->key, "%.20s|%.8s|%.8s|%.20s", status ? status : "",
                 sex ? sex : "", age ? age : "", group ? group : "");
        v->name = name && *name ? strdup(name) : NULL;
        v->origin = rec.origin ? strdup(rec.origin) : NULL;
        if (!st)
            d->nvic++;
        else {
            free(v->name);
            free(v->origin);
        }
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    return st;
}

/* Victims ordered by (incident date, duplicate key), so that candidates for
 * a duplicate are neighbours. */
static int cmp_dup(const void *a, const void *b, void *ctx)
{
    const data *sort_data = ctx;
    const vic_info *x = &sort_data->vic[*(const size_t *)a];
    const vic_info *y = &sort_data->vic[*(const size_t *)b];
    int c = strcmp(sort_data->acc[x->acc].date, sort_data->acc[y->acc].date);
    if (!c)
        c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->code, y->code);
}

/* Probable duplicates: two victims of incidents on the same day within
 * `within_m` of each other with the same status, sex, age and group; or of
 * the same incident with the same name; or imported from the same source
 * row twice. One finding per pair. */
static dm_status duplicates(data *d, dm_check_report *r, double within_m, dm_error *err)
{
    size_t n = 0;
    size_t *order = malloc((d->nvic ? d->nvic : 1) * sizeof *order);
    if (!order)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nvic; i++)
        if (d->vic[i].acc >= 0 && d->acc[d->vic[i].acc].date[0])
            order[n++] = i;
    qsort_r(order, n, sizeof *order, cmp_dup, d);
    dm_status st = DM_OK;
    size_t pairs = 0;
    const size_t max_pairs = 10000;
    for (size_t b = 0; !st && b < n;) {
        const vic_info *first = &d->vic[order[b]];
        size_t e = b + 1;
        while (e < n && !strcmp(d->acc[d->vic[order[e]].acc].date, d->acc[first->acc].date) &&
               !strcmp(d->vic[order[e]].key, first->key))
            e++;
        for (size_t i = b; !st && i < e; i++)
            for (size_t j = i + 1; !st && j < e && pairs < max_pairs; j++) {
                const vic_info *x = &d->vic[order[i]], *y = &d->vic[order[j]];
                const acc_info *ax = &d->acc[x->acc], *ay = &d->acc[y->acc];
                char why[200] = "";
                if (x->acc == y->acc) {
                    if (x->name && y->name && !strcmp(x->name, y->name))
                        snprintf(why, sizeof why, "same incident %s, same name and attributes",
                                 ax->code);
                } else if (ax->has_point && ay->has_point) {
                    double m = dm_geo_distance_m(ax->lon, ax->lat, ay->lon, ay->lat);
                    if (m <= within_m)
                        snprintf(why, sizeof why,
                                 "incidents %s and %s on %s, %.0f m apart, same attributes (%s)",
                                 ax->code, ay->code, ax->date, m, x->key);
                }
                if (!why[0])
                    continue;
                size_t fi = 0;
                char detail[400];
                snprintf(detail, sizeof detail, "probably one person recorded twice: %s", why);
                st = finding(r, "warning", "probable-duplicate", detail, &fi, err);
                if (!st)
                    st = add_code(r, fi, x->code, err);
                if (!st)
                    st = add_code(r, fi, y->code, err);
                pairs++;
            }
        b = e;
    }
    free(order);
    if (!st && pairs == max_pairs) {
        size_t fi = 0;
        st = finding(r, "warning", "probable-duplicate",
                     "more pairs than the 10000 listed: the data needs a closer look", &fi, err);
    }
    return st;
}

/* The same source row imported twice. */
static int cmp_origin(const void *a, const void *b, void *ctx)
{
    const data *sort_data = ctx;
    const vic_info *x = &sort_data->vic[*(const size_t *)a];
    const vic_info *y = &sort_data->vic[*(const size_t *)b];
    int c = strcmp(x->origin, y->origin);
    return c ? c : strcmp(x->code, y->code);
}

static dm_status same_origin(data *d, dm_check_report *r, dm_error *err)
{
    size_t n = 0;
    size_t *order = malloc((d->nvic ? d->nvic : 1) * sizeof *order);
    if (!order)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nvic; i++)
        if (d->vic[i].origin && strstr(d->vic[i].origin, " row "))
            order[n++] = i;
    qsort_r(order, n, sizeof *order, cmp_origin, d);
    size_t fi = 0;
    dm_status st =
        finding(r, "warning", "imported-twice",
                "victims imported more than once from the same row of the same file", &fi, err);
    for (size_t i = 1; !st && i < n; i++) {
        const vic_info *x = &d->vic[order[i - 1]], *y = &d->vic[order[i]];
        if (strcmp(x->origin, y->origin))
            continue;
        const dm_code_list *l = &r->items[fi].codes;
        if (!l->n || strcmp(l->codes[l->n - 1], x->code))
            st = add_code(r, fi, x->code, err);
        if (!st)
            st = add_code(r, fi, y->code, err);
    }
    free(order);
    if (!st)
        dm_check_drop_if_empty(r, fi);
    return st;
}

dm_status dm_casualty_check_run(dm_store *store, double duplicate_within_m, dm_check_report *out,
                                dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(duplicate_within_m >= 0))
        duplicate_within_m = 200;
    data d;
    memset(&d, 0, sizeof d);
    dm_strmap_init(&d.acc_codes);
    char today[11], detail[300];
    dm_date_format(dm_date_today(), today);
    size_t i_date = 0, i_nopos = 0, i_values = 0, i_orphan = 0, i_age = 0, i_novic = 0,
           i_outside = 0;
    snprintf(detail, sizeof detail,
             "accidents dated after today (%s), before 1900, or with a date that is not one",
             today);
    dm_status st = finding(out, "error", "impossible-date", detail, &i_date, err);
    if (!st)
        st = finding(out, "warning", "accident-without-position",
                     "accidents without a position: not on the map, no admin area found", &i_nopos,
                     err);
    if (!st)
        st = finding(out, "error", "value-not-in-list",
                     "records with a value outside its field's list (written by another "
                     "program?): counted as unknown",
                     &i_values, err);
    if (!st)
        st = finding(out, "error", "victim-without-incident",
                     "victims whose accident_code names no accident (or none): their incident "
                     "is counted as unknown",
                     &i_orphan, err);
    if (!st)
        st = finding(out, "error", "age-out-of-range", "victims with an age outside 0-110", &i_age,
                     err);
    if (!st)
        st = finding(out, "warning", "incident-without-victims",
                     "accidents with no victim recorded: not counted as casualty incidents",
                     &i_novic, err);
    if (!st)
        st = finding(out, "warning", "outside-admin-areas",
                     "accidents whose position is outside every admin area", &i_outside, err);
    if (!st)
        st = read_accidents(store, &d, out, i_date, i_nopos, i_values, err);
    if (!st)
        st = read_victims(store, &d, out, i_orphan, i_age, i_values, err);
    for (size_t a = 0; !st && a < d.nacc; a++)
        if (!d.acc[a].victims)
            st = add_code(out, i_novic, d.acc[a].code, err);
    dm_incident_locator *loc = NULL;
    if (!st)
        st = dm_incident_locator_new(store, 0, 0, &loc, err);
    if (!st && dm_incident_locator_has_admin(loc)) {
        for (size_t a = 0; !st && a < d.nacc; a++) {
            if (!d.acc[a].has_point)
                continue;
            char admin[DM_CODE_MAX];
            dm_status ls = dm_incident_locate_admin(loc, d.acc[a].lon, d.acc[a].lat, admin, err);
            if (ls == DM_EINVAL)
                admin[0] = 0; /* not a longitude/latitude: outside everything */
            else if (ls)
                st = ls;
            if (!st && !admin[0])
                st = add_code(out, i_outside, d.acc[a].code, err);
        }
    }
    dm_incident_locator_free(loc);
    if (!st)
        st = duplicates(&d, out, duplicate_within_m, err);
    if (!st)
        st = same_origin(&d, out, err);
    if (!st) {
        size_t fixed[] = {i_outside, i_novic, i_age, i_orphan, i_values, i_nopos, i_date};
        for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
            dm_check_drop_if_empty(out, fixed[k]);
    }
    data_free(&d);
    if (st)
        dm_check_report_free(out);
    return st;
}
