#include "io/casualties.h"

#include "analysis/incidents.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "core/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A casualty row held until every row has been read. */
typedef struct held_row {
    int64_t row;
    dm_record rec;
} held_row;

struct dm_casualty_import {
    const dm_import_opts *o;
    double settlement_within_m, hazard_within_m;
    bool loaded;
    dm_incident_locator *loc;
    /* the accidents in the store (not rejected): codes, and incident_ref ->
       what holds it ("IN-0003", or "row 5" for one earlier in this file) */
    dm_strmap codes;
    dm_strmap refs;
    /* the victims in the database before this import, by accident and
       values (victim_key), each with how many are not yet matched by a row */
    dm_strmap stored_victims;
    int64_t *unmatched; /* by index in stored_victims */
    size_t cap_victims;
    char **ref_holder; /* by index in refs */
    size_t cap_holder;
    held_row *rows;
    size_t nrows, caprows;
    int64_t created, linked;
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A value as a message shows it: at most 80 bytes, cut between characters. */
typedef struct shown {
    char s[81];
} shown;

static shown show(const char *v)
{
    shown out = {""};
    dm_utf8_copy(out.s, sizeof out.s, v ? v : "");
    return out;
}

static dm_status remember_ref(dm_casualty_import *s, const char *ref, const char *holder)
{
    long idx;
    int added;
    if (dm_strmap_intern(&s->refs, ref, &idx, &added))
        return DM_ENOMEM;
    if ((size_t)idx >= s->cap_holder) {
        size_t cap = s->cap_holder ? s->cap_holder * 2 : 256;
        while (cap <= (size_t)idx)
            cap *= 2;
        char **h = realloc(s->ref_holder, cap * sizeof *h);
        if (!h)
            return DM_ENOMEM;
        memset(h + s->cap_holder, 0, (cap - s->cap_holder) * sizeof *h);
        s->ref_holder = h;
        s->cap_holder = cap;
    }
    if (added) {
        s->ref_holder[idx] = strdup(holder);
        if (!s->ref_holder[idx])
            return DM_ENOMEM;
    }
    return DM_OK;
}

static const char *ref_holder(const dm_casualty_import *s, const char *ref)
{
    long idx = ref ? dm_strmap_find(&s->refs, ref) : -1;
    return idx >= 0 ? s->ref_holder[idx] : NULL;
}

typedef struct scan_ctx {
    dm_casualty_import *s;
    dm_status st;
} scan_ctx;

static int scan_accident(const char *code, const char *state, const char *const *v, void *ctx)
{
    (void)state;
    scan_ctx *c = ctx;
    long idx;
    int added;
    if (dm_strmap_intern(&c->s->codes, code, &idx, &added) ||
        (v[0] && *v[0] && remember_ref(c->s, v[0], code))) {
        c->st = DM_ENOMEM;
        return 1;
    }
    return 0;
}

static const char *const victim_fields[] = {"status", "sex",      "age",  "age_group",
                                            "group",  "injuries", "name", "address"};
#define NVICTIM_FIELDS (sizeof victim_fields / sizeof victim_fields[0])

/* What matches a row to a stored victim: the accident and the victim's
 * values, in a buffer of the caller. */
static void victim_key(const char *accident_code, const char *const *values, dm_buf *b)
{
    dm_buf_reset(b);
    dm_buf_puts(b, accident_code);
    for (size_t i = 0; i < NVICTIM_FIELDS; i++) {
        dm_buf_puts(b, values[i] ? "\x1e" : "\x1f");
        if (values[i])
            dm_buf_puts(b, values[i]);
    }
}

typedef struct victim_scan {
    dm_casualty_import *s;
    dm_buf key;
    dm_status st;
} victim_scan;

static int scan_victim(const char *code, const char *state, const char *const *v, void *ctx)
{
    (void)code;
    (void)state;
    victim_scan *c = ctx;
    dm_casualty_import *s = c->s;
    long idx;
    int added;
    if (!v[0] || !*v[0])
        return 0;
    victim_key(v[0], v + 1, &c->key);
    if (c->key.status || dm_strmap_intern(&s->stored_victims, c->key.data, &idx, &added)) {
        c->st = DM_ENOMEM;
        return 1;
    }
    if ((size_t)idx >= s->cap_victims) {
        size_t cap = s->cap_victims ? s->cap_victims * 2 : 256;
        int64_t *n = realloc(s->unmatched, cap * sizeof *n);
        if (!n) {
            c->st = DM_ENOMEM;
            return 1;
        }
        s->unmatched = n;
        s->cap_victims = cap;
    }
    s->unmatched[idx] = added ? 1 : s->unmatched[idx] + 1;
    return 0;
}

/* True when rec (a victim or a casualty row) of accident `code` is one of
 * the accident's stored victims not matched yet; it is matched now. */
static bool victim_present(dm_casualty_import *s, const char *code, const dm_record *rec)
{
    if (s->o->again || !s->stored_victims.n)
        return false;
    const char *values[NVICTIM_FIELDS];
    for (size_t i = 0; i < NVICTIM_FIELDS; i++)
        values[i] = dm_record_get(rec, victim_fields[i]);
    dm_buf key;
    dm_buf_init(&key, 0);
    victim_key(code, values, &key);
    long idx = key.status ? -1 : dm_strmap_find(&s->stored_victims, key.data);
    dm_buf_free(&key);
    if (idx < 0 || s->unmatched[idx] == 0)
        return false;
    s->unmatched[idx]--;
    return true;
}

/* Reads what the hooks need from the store, once. */
static dm_status load(dm_casualty_import *s, dm_store *store, bool locate, dm_error *err)
{
    if (!s->loaded) {
        static const char *const fields[] = {"incident_ref"};
        static const char *const vfields[] = {"accident_code", "status",    "sex",
                                              "age",           "age_group", "group",
                                              "injuries",      "name",      "address"};
        scan_ctx c = {s, DM_OK};
        dm_status st =
            dm_store_scan(store, &dm_kind_accidents, fields, 1, true, scan_accident, &c, err);
        if (!st && !c.st && s->o->kind != &dm_kind_accidents) {
            victim_scan vs = {s, {0}, DM_OK};
            dm_buf_init(&vs.key, 0);
            st = dm_store_scan(store, &dm_kind_victims, vfields, 1 + NVICTIM_FIELDS, true,
                               scan_victim, &vs, err);
            dm_buf_free(&vs.key);
            if (!st && vs.st)
                st = dm_error_set(err, vs.st, "out of memory reading the victims");
        }
        if (!st && c.st)
            st = dm_error_set(err, c.st, "out of memory reading the accidents");
        if (st)
            return st;
        s->loaded = true;
    }
    if (locate && !s->loc)
        return dm_incident_locator_new(store, s->settlement_within_m, s->hazard_within_m, &s->loc,
                                       err);
    return DM_OK;
}

/* An age and an age group must tell the same story. */
static dm_status check_age(const dm_record *rec, dm_error *err)
{
    const char *age = dm_record_get(rec, "age"), *group = dm_record_get(rec, "age_group");
    if (!age || !group)
        return DM_OK;
    bool child = atoi(age) < 18;
    if (child != !strcmp(group, "child"))
        return dm_error_set(err, DM_EINVAL,
                            "age %s makes %s but age_group says %s (a child is under 18 at "
                            "the incident date)",
                            age, child ? "a child" : "an adult", group);
    return DM_OK;
}

static dm_status link_accident(dm_store *store, dm_record *rec, int64_t row, void *ctx,
                               bool *present, dm_error *err)
{
    (void)present;
    dm_casualty_import *s = ctx;
    dm_status st = load(s, store, true, err);
    if (st)
        return st == DM_EINVAL ? DM_EIO : st; /* a store failure is not the row's fault */
    const char *ref = dm_record_get(rec, "incident_ref");
    const char *holder = ref_holder(s, ref);
    if (holder)
        return dm_error_set(err, DM_ECONFLICT, "incident_ref '%s' is already used by %s",
                            show(ref).s, holder);
    st = dm_incident_complete(s->loc, rec, err);
    if (!st && ref) {
        char here[48];
        snprintf(here, sizeof here, "row %lld", (long long)row);
        if (remember_ref(s, ref, here))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    return st;
}

static dm_status link_victim(dm_store *store, dm_record *rec, int64_t row, void *ctx, bool *present,
                             dm_error *err)
{
    (void)row;
    dm_casualty_import *s = ctx;
    dm_status st = load(s, store, false, err);
    if (st)
        return st == DM_EINVAL ? DM_EIO : st;
    if ((st = check_age(rec, err)))
        return st;
    const char *ref = dm_record_get(rec, "incident_ref");
    const char *code = dm_record_get(rec, "accident_code");
    if (code && dm_strmap_find(&s->codes, code) < 0)
        return dm_error_set(err, DM_ENOTFOUND,
                            "accident_code '%s' names no accident in the database", show(code).s);
    if (ref) {
        const char *holder = ref_holder(s, ref);
        if (!holder)
            return dm_error_set(err, DM_ENOTFOUND,
                                "incident_ref '%s' has no incident: import its accident first",
                                show(ref).s);
        if (code && strcmp(code, holder))
            return dm_error_set(err, DM_EINVAL,
                                "incident_ref '%s' is accident %s but accident_code says %s",
                                show(ref).s, holder, show(code).s);
        if (!code && (st = dm_record_set(rec, "accident_code", holder, err)))
            return st;
        code = holder;
    }
    if (!code)
        return dm_error_set(err, DM_EINVAL,
                            "a victim needs its incident: incident_ref or accident_code");
    if (victim_present(s, code, rec)) {
        *present = true;
        if (s->o->warn) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "row %lld: a victim of %s with these values is in the database already: "
                     "left alone (--again imports it)",
                     (long long)row, code);
            s->o->warn(msg, s->o->ctx);
        }
    }
    return DM_OK;
}

static dm_status take_row(dm_record *rec, int64_t row, void *ctx, dm_error *err)
{
    dm_casualty_import *s = ctx;
    dm_status st = check_age(rec, err);
    if (st)
        return st;
    if (s->nrows == s->caprows) {
        size_t cap = s->caprows ? s->caprows * 2 : 256;
        held_row *r = realloc(s->rows, cap * sizeof *r);
        if (!r)
            return dm_error_set(err, DM_ENOMEM, "out of memory holding row %lld", (long long)row);
        s->rows = r;
        s->caprows = cap;
    }
    s->rows[s->nrows].row = row;
    s->rows[s->nrows].rec = *rec;
    s->nrows++;
    return DM_OK;
}

/* The incident columns of a casualty row (the fields accidents have too). */
static const char *const incident_fields[] = {
    "date",        "device_category", "device_model",    "activity", "demining",
    "hazard_code", "admin_code",      "settlement_code", "source",   "description"};
#define NINCIDENT (sizeof incident_fields / sizeof incident_fields[0])

static bool point_of(dm_geo *geo, const GEOSGeometry *g, double *x, double *y)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    return g && GEOSisEmpty_r(h, g) == 0 && GEOSGeomGetX_r(h, g, x) && GEOSGeomGetY_r(h, g, y);
}

/* Where two descriptions of one incident disagree: "" when they agree. */
static void disagreement(dm_geo *geo, const dm_record *a, const dm_record *b, char *out,
                         size_t outsz)
{
    out[0] = 0;
    for (size_t i = 0; i < NINCIDENT; i++) {
        const char *x = dm_record_get(a, incident_fields[i]);
        const char *y = dm_record_get(b, incident_fields[i]);
        if (x && y && strcmp(x, y)) {
            snprintf(out, outsz, "%s '%s' against '%s'", incident_fields[i], show(y).s, show(x).s);
            return;
        }
    }
    double ax, ay, bx, by;
    if (point_of(geo, a->geom, &ax, &ay) && point_of(geo, b->geom, &bx, &by)) {
        double d = dm_geo_distance_m(ax, ay, bx, by);
        if (d > 0.1)
            snprintf(out, outsz, "position %.7f %.7f against %.7f %.7f (%.1f m apart)", bx, by, ax,
                     ay, d);
    }
}

/* True when two rows of one incident disagree: *j and *k are their
 * positions in members, diff says on what. Linear in the rows. */
static bool rows_disagree(dm_geo *geo, const held_row *rows, const size_t *members, size_t n,
                          size_t *j, size_t *k, char *diff, size_t diffsz)
{
    for (size_t f = 0; f < NINCIDENT; f++) {
        size_t first = n;
        for (size_t m = 0; m < n; m++) {
            const char *v = dm_record_get(&rows[members[m]].rec, incident_fields[f]);
            if (!v)
                continue;
            if (first == n) {
                first = m;
                continue;
            }
            const char *w = dm_record_get(&rows[members[first]].rec, incident_fields[f]);
            if (strcmp(v, w)) {
                snprintf(diff, diffsz, "%s '%s' against '%s'", incident_fields[f], show(v).s,
                         show(w).s);
                *j = first;
                *k = m;
                return true;
            }
        }
    }
    size_t first = n;
    double fx = 0, fy = 0;
    for (size_t m = 0; m < n; m++) {
        double x, y;
        if (!point_of(geo, rows[members[m]].rec.geom, &x, &y))
            continue;
        if (first == n) {
            first = m;
            fx = x;
            fy = y;
            continue;
        }
        double d = dm_geo_distance_m(fx, fy, x, y);
        if (d > 0.1) {
            snprintf(diff, diffsz, "position %.7f %.7f against %.7f %.7f (%.1f m apart)", x, y, fx,
                     fy, d);
            *j = first;
            *k = m;
            return true;
        }
    }
    return false;
}

static dm_status reject_incident(dm_import_rejects *rj, const held_row *rows, const size_t *members,
                                 size_t n, const char *why, dm_error *err)
{
    dm_status st = DM_OK;
    for (size_t k = 0; !st && k < n; k++)
        st = dm_import_reject(rj, rows[members[k]].row, why, err);
    return st;
}

/* Fills the empty incident columns of `into` from `from`. */
static dm_status merge(dm_record *into, const dm_record *from, dm_error *err)
{
    dm_status st = DM_OK;
    for (size_t i = 0; !st && i < NINCIDENT; i++) {
        const char *have = dm_record_get(into, incident_fields[i]);
        const char *give = dm_record_get(from, incident_fields[i]);
        if (!have && give)
            st = dm_record_set(into, incident_fields[i], give, err);
    }
    return st;
}

static dm_status make_accident(dm_casualty_import *s, dm_store *store, const held_row *rows,
                               const size_t *members, size_t n, dm_record *acc, dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    const dm_record *first = &rows[members[0]].rec;
    dm_status st = dm_record_set(acc, "incident_ref", dm_record_get(first, "incident_ref"), err);
    for (size_t k = 0; !st && k < n; k++)
        st = merge(acc, &rows[members[k]].rec, err);
    for (size_t k = 0; !st && k < n && !acc->geom; k++)
        if (rows[members[k]].rec.geom) {
            acc->geom = GEOSGeom_clone_r(h, rows[members[k]].rec.geom);
            if (!acc->geom)
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
        }
    snprintf(acc->state, sizeof acc->state, "%s", first->state);
    if (!st) {
        char origin[400];
        int len = snprintf(origin, sizeof origin, "%s row", base_name(s->o->path));
        for (size_t k = 0; k < n && len < (int)sizeof origin - 24; k++)
            len += snprintf(origin + len, sizeof origin - (size_t)len, "%s %lld",
                            k ? "," : (n > 1 ? "s" : ""), (long long)rows[members[k]].row);
        acc->origin = strdup(origin);
        if (!acc->origin)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    if (!st)
        st = dm_incident_complete(s->loc, acc, err);
    return st;
}

static dm_status store_victim(dm_casualty_import *s, dm_store *store, held_row *h,
                              const char *accident_code, dm_error *err)
{
    dm_record v;
    dm_record_init(&v, &dm_kind_victims);
    dm_status st = dm_record_set(&v, "accident_code", accident_code, err);
    if (!st)
        st = dm_record_set(&v, "incident_ref", dm_record_get(&h->rec, "incident_ref"), err);
    for (size_t i = 0; !st && i < sizeof victim_fields / sizeof victim_fields[0]; i++) {
        const char *val = dm_record_get(&h->rec, victim_fields[i]);
        if (val)
            st = dm_record_set(&v, victim_fields[i], val, err);
    }
    if (!st) {
        /* the source's own victim code, the unmapped columns, where it came from */
        snprintf(v.code, sizeof v.code, "%s", h->rec.code);
        v.attributes = h->rec.attributes;
        h->rec.attributes = NULL;
        v.origin = h->rec.origin;
        h->rec.origin = NULL;
        snprintf(v.state, sizeof v.state, "%s", h->rec.state);
        st = dm_store_insert(store, &v, s->o->who, err);
    }
    dm_record_clear(&v, dm_store_geo(store));
    return st;
}

static int cmp_ref(const void *a, const void *b, void *ctx)
{
    const held_row *rows = ctx;
    const size_t *x = a, *y = b;
    int c = strcmp(dm_record_get(&rows[*x].rec, "incident_ref"),
                   dm_record_get(&rows[*y].rec, "incident_ref"));
    return c ? c : (*x < *y ? -1 : *x > *y);
}

static dm_status store_kept(dm_casualty_import *s, dm_store *store, dm_import_rejects *rj,
                            const char *ref, const size_t *members, size_t n, dm_import_result *res,
                            dm_error *err);

/* One incident's rows (members, in row order): check, make or find the
 * accident, store the victims. A refusal goes to the rejects file. */
static dm_status store_incident(dm_casualty_import *s, dm_store *store, dm_import_rejects *rj,
                                const size_t *members, size_t n, dm_import_result *res,
                                dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    held_row *rows = s->rows;
    const char *ref = dm_record_get(&rows[members[0]].rec, "incident_ref");
    char why[700], diff[300];
    /* the rows among themselves: for each column (and the position), every
       row that states it against the first row that did */
    size_t a, b;
    if (rows_disagree(geo, rows, members, n, &a, &b, diff, sizeof diff)) {
        snprintf(why, sizeof why,
                 "incident_ref '%s': row %lld and row %lld disagree on %s; every row of "
                 "this incident is rejected",
                 show(ref).s, (long long)rows[members[a]].row, (long long)rows[members[b]].row,
                 diff);
        return reject_incident(rj, rows, members, n, why, err);
    }
    /* rows whose own victim code is taken go now, so that an incident
       none of whose victims can be stored is not made either */
    size_t *keep = malloc(n * sizeof *keep), nkeep = 0;
    if (!keep)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_status st = DM_OK;
    for (size_t m = 0; !st && m < n; m++) {
        held_row *h = &rows[members[m]];
        if (h->rec.code[0]) {
            dm_record other;
            dm_record_init(&other, &dm_kind_victims);
            dm_error e;
            dm_status gst = dm_store_get(store, &dm_kind_victims, h->rec.code, &other, &e);
            dm_record_clear(&other, geo);
            if (gst == DM_OK) {
                snprintf(why, sizeof why, "victims %s already exists", h->rec.code);
                st = dm_import_reject(rj, h->row, why, err);
                continue;
            }
            if (gst != DM_ENOTFOUND)
                st = dm_error_set(err, gst, "%s", e.msg);
        }
        keep[nkeep++] = members[m];
    }
    if (st || !nkeep) {
        free(keep);
        return st;
    }
    members = keep;
    n = nkeep;
    st = store_kept(s, store, rj, ref, members, n, res, err);
    free(keep);
    return st;
}

/* The rest of store_incident, for the rows that can be stored. */
static dm_status store_kept(dm_casualty_import *s, dm_store *store, dm_import_rejects *rj,
                            const char *ref, const size_t *members, size_t n, dm_import_result *res,
                            dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    held_row *rows = s->rows;
    char why[700], diff[300];
    const char *holder = ref_holder(s, ref);
    char code[DM_CODE_MAX] = "";
    dm_status st = DM_OK;
    if (holder) {
        /* an incident already in the store: the rows must agree with it */
        dm_record stored;
        dm_record_init(&stored, &dm_kind_accidents);
        st = dm_store_get(store, &dm_kind_accidents, holder, &stored, err);
        for (size_t k = 0; !st && k < n; k++) {
            disagreement(geo, &stored, &rows[members[k]].rec, diff, sizeof diff);
            if (diff[0]) {
                snprintf(why, sizeof why,
                         "incident_ref '%s' is accident %s already, and row %lld disagrees "
                         "with it on %s",
                         show(ref).s, holder, (long long)rows[members[k]].row, diff);
                dm_record_clear(&stored, geo);
                return reject_incident(rj, rows, members, n, why, err);
            }
        }
        dm_record_clear(&stored, geo);
        if (st)
            return st;
        snprintf(code, sizeof code, "%s", holder);
        s->linked++;
    } else {
        dm_record acc;
        dm_record_init(&acc, &dm_kind_accidents);
        st = make_accident(s, store, rows, members, n, &acc, err);
        if (!st && !acc.geom) {
            dm_record_clear(&acc, geo);
            snprintf(why, sizeof why,
                     "incident_ref '%s' has no position (lon/lat) in any of its rows", show(ref).s);
            return reject_incident(rj, rows, members, n, why, err);
        }
        if (!st)
            st = dm_store_insert(store, &acc, s->o->who, err);
        if (!st) {
            snprintf(code, sizeof code, "%s", acc.code);
            s->created++;
            st = remember_ref(s, ref, acc.code) ? dm_error_set(err, DM_ENOMEM, "out of memory")
                                                : DM_OK;
        }
        dm_record_clear(&acc, geo);
        if (st)
            return st;
    }
    for (size_t k = 0; !st && k < n; k++) {
        held_row *h = &rows[members[k]];
        if (holder && victim_present(s, code, &h->rec)) {
            res->present++;
            if (s->o->warn) {
                snprintf(why, sizeof why,
                         "row %lld: a victim of %s (incident_ref '%s') with these values is in "
                         "the database already: left alone (--again imports it)",
                         (long long)h->row, code, show(ref).s);
                s->o->warn(why, s->o->ctx);
            }
            continue;
        }
        st = store_victim(s, store, h, code, err);
        if (st == DM_ECONFLICT) {
            /* the source's victim code is taken: that row only */
            dm_status r = dm_import_reject(rj, h->row, err->msg, err);
            st = r;
            continue;
        }
        if (st) {
            dm_error_prefix(err, "row %lld", (long long)h->row);
            return st;
        }
        res->imported++;
    }
    return st;
}

typedef struct run_ctx {
    const size_t *order;
} run_ctx;

/* Runs by their first row (order within a run is by row). */
static int cmp_run(const void *a, const void *b, void *ctx)
{
    const run_ctx *c = ctx;
    size_t x = c->order[*(const size_t *)a], y = c->order[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

static dm_status finish_rows(dm_store *store, dm_import_rejects *rj, dm_import_result *res,
                             void *ctx, dm_error *err)
{
    dm_casualty_import *s = ctx;
    res->imported = 0;
    dm_status st = load(s, store, true, err);
    if (st || !s->nrows)
        return st;
    size_t *order = malloc(s->nrows * sizeof *order);
    if (!order)
        return dm_error_set(err, DM_ENOMEM, "out of memory grouping %zu rows", s->nrows);
    for (size_t i = 0; i < s->nrows; i++)
        order[i] = i;
    qsort_r(order, s->nrows, sizeof *order, cmp_ref, s->rows);
    /* the incidents (runs of one incident_ref), stored in the order of
       their first rows, so that codes follow the file */
    size_t *runs = malloc(s->nrows * sizeof *runs), nruns = 0;
    if (!runs) {
        free(order);
        return dm_error_set(err, DM_ENOMEM, "out of memory grouping %zu rows", s->nrows);
    }
    for (size_t b = 0; b < s->nrows;) {
        const char *ref = dm_record_get(&s->rows[order[b]].rec, "incident_ref");
        runs[nruns++] = b;
        while (++b < s->nrows &&
               !strcmp(ref, dm_record_get(&s->rows[order[b]].rec, "incident_ref")))
            ;
    }
    run_ctx rc = {order};
    qsort_r(runs, nruns, sizeof *runs, cmp_run, &rc);
    for (size_t r = 0; !st && r < nruns; r++) {
        size_t b = runs[r], e = b + 1;
        const char *ref = dm_record_get(&s->rows[order[b]].rec, "incident_ref");
        while (e < s->nrows && !strcmp(ref, dm_record_get(&s->rows[order[e]].rec, "incident_ref")))
            e++;
        st = store_incident(s, store, rj, order + b, e - b, res, err);
    }
    free(runs);
    free(order);
    return st;
}

dm_status dm_casualty_import_hooks(dm_import_opts *o, double settlement_within_m,
                                   double hazard_within_m, dm_casualty_import **state,
                                   dm_error *err)
{
    *state = NULL;
    if (o->kind != &dm_kind_accidents && o->kind != &dm_kind_victims &&
        o->kind != &dm_kind_casualty_rows)
        return DM_OK;
    dm_casualty_import *s = calloc(1, sizeof *s);
    if (!s)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    s->o = o;
    s->settlement_within_m = settlement_within_m;
    s->hazard_within_m = hazard_within_m;
    dm_strmap_init(&s->codes);
    dm_strmap_init(&s->refs);
    dm_strmap_init(&s->stored_victims);
    o->hook_ctx = s;
    if (o->kind == &dm_kind_accidents) {
        o->link = link_accident;
    } else if (o->kind == &dm_kind_victims) {
        o->link = link_victim;
    } else {
        o->take = take_row;
        o->finish = finish_rows;
    }
    *state = s;
    return DM_OK;
}

void dm_casualty_import_counts(const dm_casualty_import *s, int64_t *created, int64_t *linked)
{
    *created = s ? s->created : 0;
    *linked = s ? s->linked : 0;
}

void dm_casualty_import_free(dm_casualty_import *s)
{
    if (!s)
        return;
    dm_geo *geo = NULL;
    dm_error ignored;
    /* the held rows' geometries were made by the import's checker; any
       context frees them */
    if (s->nrows && dm_geo_new(&geo, &ignored) == DM_OK) {
        for (size_t i = 0; i < s->nrows; i++)
            dm_record_clear(&s->rows[i].rec, geo);
        dm_geo_free(geo);
    }
    free(s->rows);
    dm_incident_locator_free(s->loc);
    for (size_t i = 0; i < s->refs.n; i++)
        free(s->ref_holder[i]);
    free(s->ref_holder);
    dm_strmap_free(&s->codes);
    dm_strmap_free(&s->refs);
    dm_strmap_free(&s->stored_victims);
    free(s->unmatched);
    free(s);
}
