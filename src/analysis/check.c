#include "analysis/check.h"

#include "analysis/spatial.h"
#include "core/date.h"
#include "core/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void item_free(dm_check_item *it)
{
    dm_code_list_free(&it->codes);
    for (size_t i = 0; i < it->nlines; i++)
        free(it->lines[i]);
    free(it->lines);
    it->lines = NULL;
    it->nlines = 0;
}

dm_status dm_check_add_line(dm_check_item *it, const char *line)
{
    char *copy = strdup(line);
    char **p = copy ? realloc(it->lines, (it->nlines + 1) * sizeof *p) : NULL;
    if (!p) {
        free(copy);
        return DM_ENOMEM;
    }
    it->lines = p;
    it->lines[it->nlines++] = copy;
    return DM_OK;
}

void dm_check_report_free(dm_check_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        item_free(&r->items[i]);
    free(r->items);
    memset(r, 0, sizeof *r);
}

dm_check_item *dm_check_add(dm_check_report *r, const char *severity, const char *what)
{
    dm_check_item *p = realloc(r->items, (r->n + 1) * sizeof *p);
    if (!p)
        return NULL;
    r->items = p;
    dm_check_item *it = &r->items[r->n++];
    memset(it, 0, sizeof *it);
    it->severity = severity;
    snprintf(it->what, sizeof it->what, "%s", what);
    if (!strcmp(severity, "error"))
        r->errors++;
    else if (!strcmp(severity, "warning"))
        r->warnings++;
    return it;
}

static void on_integrity(const dm_finding *f, void *ctx)
{
    dm_check_item *it = dm_check_add(ctx, f->severity, f->what);
    if (it)
        snprintf(it->detail, sizeof it->detail, "%s", f->detail);
}

/* Keeps item i only when it found something; otherwise removes it. */
void dm_check_drop_if_empty(dm_check_report *r, size_t i)
{
    dm_check_item *it = &r->items[i];
    if (it->codes.n)
        return;
    if (!strcmp(it->severity, "error"))
        r->errors--;
    else if (!strcmp(it->severity, "warning"))
        r->warnings--;
    item_free(it);
    memmove(it, it + 1, (r->n - i - 1) * sizeof *it);
    r->n--;
}

/* Dates in the future / before 1900 and invalid geometries, per kind. */
static dm_status check_records(dm_store *store, const dm_kind *k, dm_check_report *r, dm_error *err)
{
    char today[11];
    dm_date_format(dm_date_today(), today);
    dm_check_item *fut = dm_check_add(r, "error", "future-date");
    dm_check_item *old = fut ? dm_check_add(r, "warning", "date-before-1900") : NULL;
    dm_check_item *bad = old ? dm_check_add(r, "error", "invalid-geometry") : NULL;
    dm_check_item *review = bad ? dm_check_add(r, "info", "waiting-for-review") : NULL;
    if (!review)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    /* pointers into r->items move on realloc: work by index */
    size_t ifut = r->n - 4;
    snprintf(r->items[ifut].detail, 512, "%s with a date after today (%s)", k->name, today);
    snprintf(r->items[ifut + 1].detail, 512, "%s with a date before 1900", k->name);
    snprintf(r->items[ifut + 2].detail, 512,
             "%s whose stored geometry is not valid or cannot be read at all", k->name);
    snprintf(r->items[ifut + 3].detail, 512, "%s submitted and waiting for an approver", k->name);
    for (size_t i = ifut; i < ifut + 4; i++)
        r->items[i].kind = k;
    dm_query q = {.kind = k,
                  .include_drafts = true,
                  .with_geometry = k->geom != DM_GEOM_NONE,
                  .keep_damaged = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, k);
    bool has;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        bool is_fut = false, is_old = false;
        for (size_t i = 0; i < k->nfields; i++) {
            if (k->fields[i].type != DM_FT_DATE || !rec.values[i])
                continue;
            if (strcmp(rec.values[i], today) > 0)
                is_fut = true;
            if (strcmp(rec.values[i], "1900-01-01") < 0)
                is_old = true;
        }
        if (is_fut && dm_code_list_add(&r->items[ifut].codes, rec.code))
            st = DM_ENOMEM;
        if (is_old && dm_code_list_add(&r->items[ifut + 1].codes, rec.code))
            st = DM_ENOMEM;
        if ((rec.geom_damaged || (rec.geom && GEOSisValid_r(h, rec.geom) != 1)) &&
            dm_code_list_add(&r->items[ifut + 2].codes, rec.code))
            st = DM_ENOMEM;
        if (!strcmp(rec.state, "submitted") &&
            dm_code_list_add(&r->items[ifut + 3].codes, rec.code))
            st = DM_ENOMEM;
        if (st == DM_ENOMEM)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    for (int i = 3; i >= 0; i--)
        dm_check_drop_if_empty(r, ifut + (size_t)i);
    return st;
}

/* Codes and text fields that break the rules of core/kind.h: records made
 * by another program (QGIS, the sqlite3 shell) or an older demine. */
typedef struct rules_ctx {
    const dm_kind *k;
    const dm_field *text[DM_MAX_FIELDS];
    size_t ntext;
    dm_check_report *r;
    size_t icode, itext;
    char first_text[200]; /* the first text problem, as an example */
    bool oom;
} rules_ctx;

/* A code as listed in a finding: one line of text. */
static void listed_code(char *out, size_t outsz, const char *code)
{
    if (!code || !*code) {
        snprintf(out, outsz, "(no code)");
        return;
    }
    size_t n = 0;
    for (; code[n] && n + 1 < outsz; n++)
        out[n] = (unsigned char)code[n] < 0x20 || code[n] == 0x7f ? '?' : code[n];
    out[n] = 0;
}

static int scan_rules(const char *code, const char *state, const char *const *v, void *vctx)
{
    (void)state;
    rules_ctx *c = vctx;
    char shown[DM_CODE_MAX];
    listed_code(shown, sizeof shown, code);
    dm_error err;
    if (dm_code_check(code, &err) && dm_code_list_add(&c->r->items[c->icode].codes, shown))
        c->oom = true;
    for (size_t i = 0; i < c->ntext; i++) {
        if (!v[i] || !dm_text_check(c->text[i], v[i], strlen(v[i]), &err))
            continue;
        if (!c->first_text[0])
            snprintf(c->first_text, sizeof c->first_text, "%s: %s", shown, err.msg);
        if (dm_code_list_add(&c->r->items[c->itext].codes, shown))
            c->oom = true;
        break;
    }
    return c->oom;
}

static dm_status check_rules(dm_store *store, const dm_kind *k, dm_check_report *r, dm_error *err)
{
    rules_ctx c;
    memset(&c, 0, sizeof c);
    c.k = k;
    c.r = r;
    const char *names[DM_MAX_FIELDS];
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].type == DM_FT_TEXT) {
            names[c.ntext] = k->fields[i].name;
            c.text[c.ntext++] = &k->fields[i];
        }
    if (!dm_check_add(r, "error", "bad-code") || !dm_check_add(r, "error", "bad-text"))
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    c.icode = r->n - 2;
    c.itext = r->n - 1;
    r->items[c.icode].kind = r->items[c.itext].kind = k;
    snprintf(r->items[c.icode].detail, sizeof r->items[c.icode].detail,
             "%s whose code breaks the rules (1-%d letters, digits, '-', '_' or '.', starting "
             "with a letter or digit): such a record cannot be named in a URL, so it cannot be "
             "approved or deleted over HTTP; give it a new code",
             k->name, DM_CODE_LEN_MAX);
    dm_status st = dm_store_scan(store, k, names, c.ntext, true, scan_rules, &c, err);
    if (!st && c.oom)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    if (!st)
        snprintf(r->items[c.itext].detail, sizeof r->items[c.itext].detail,
                 "%s with a text field too long or holding control characters (short fields: "
                 "%d characters, one line; free text: %d, tabs and line ends), e.g. %s",
                 k->name, DM_SHORT_TEXT_MAX, DM_FREE_TEXT_MAX, c.first_text);
    dm_check_drop_if_empty(r, c.itext);
    dm_check_drop_if_empty(r, c.icode);
    return st;
}

/* Adds a finding for the geometries of `set` that share area with none
 * (want_alone) or with at least one other (!want_alone) geometry of the
 * indexed set `idx` (when set is idx's own set, a geometry does not count
 * against itself). Only whether such a geometry exists matters: against
 * another set the search stops at the first; within one set each pair is
 * tested once (sharing area is symmetric), and not at all when both are
 * already known to share with another. Dropped again when nothing is
 * found. */
static dm_status sharing_finding(dm_geo *geo, dm_check_report *r, const dm_spatial_set *set,
                                 const dm_spatial_index *idx, bool want_alone, const char *what,
                                 const char *detail, dm_error *err)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    if (!dm_check_add(r, "warning", what))
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t at = r->n - 1;
    snprintf(r->items[at].detail, sizeof r->items[at].detail, "%s", detail);
    bool same = set == idx->set;
    bool *shares = calloc(set->n ? set->n : 1, sizeof *shares);
    dm_index_hits hits = {0};
    dm_status st = shares ? DM_OK : dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < set->n; i++) {
        hits.n = 0;
        GEOSSTRtree_query_r(h, idx->tree, set->geoms[i], dm_index_hits_collect, &hits);
        if (hits.oom) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        dm_index_hits_sort(&hits);
        const GEOSPreparedGeometry *p = NULL;
        for (size_t k = 0; !st && k < hits.n && (same || !shares[i]); k++) {
            size_t j = hits.items[k];
            /* within one set: the pairs (j, i) with j < i were tested from j */
            if (same && (j <= i || (shares[i] && shares[j])))
                continue;
            if (!p && !(p = GEOSPrepare_r(h, set->geoms[i])))
                st = dm_error_set(err, DM_EGEOM, "%s: %s", set->codes[i], dm_geo_last_error(geo));
            char c = st ? 0 : dm_prepared_shares_area(geo, p, idx->set->geoms[j]);
            if (c == 2)
                st = dm_error_set(err, DM_EGEOM, "intersection test failed: %s",
                                  dm_geo_last_error(geo));
            else if (c == 1) {
                shares[i] = true;
                if (same)
                    shares[j] = true;
            }
        }
        if (p)
            GEOSPreparedGeom_destroy_r(h, p);
    }
    for (size_t i = 0; !st && i < set->n; i++)
        if (shares[i] != want_alone && dm_code_list_add(&r->items[at].codes, set->codes[i]))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    free(hits.items);
    free(shares);
    if (!st)
        dm_check_drop_if_empty(r, at);
    return st;
}

/* Releases outside every hazard, overlapping hazards. */
static dm_status check_hazards(dm_store *store, dm_check_report *r, dm_error *err)
{
    dm_geo *geo = dm_store_geo(store);
    dm_spatial_set hz, rel;
    dm_status st = dm_spatial_read(store, &dm_kind_hazards, false, true, &hz, err);
    if (st)
        return st;
    st = dm_spatial_read(store, &dm_kind_releases, false, true, &rel, err);
    if (st) {
        dm_spatial_set_free(&hz, geo);
        return st;
    }
    dm_spatial_index idx = {0};
    st = dm_spatial_index_build(geo, &hz, &idx, err);
    if (!st)
        st = sharing_finding(
            geo, r, &rel, &idx, true, "release-outside-hazards",
            "approved releases that share no area with an approved hazardous "
            "area (their land counts as released, but no hazard record shows what was "
            "suspected there: the hazard may have been trimmed or closed)",
            err);
    if (!st)
        st = sharing_finding(geo, r, &hz, &idx, false, "overlapping-hazards",
                             "approved hazardous areas that overlap another one (the union "
                             "counts each m² once; overlaps often mean a duplicate record)",
                             err);
    dm_spatial_index_free(geo, &idx);
    dm_spatial_set_free(&hz, geo);
    dm_spatial_set_free(&rel, geo);
    return st;
}

/* Changes another program made to records (QGIS, GDAL, the sqlite3 shell),
 * which the store logs as DM_STORE_WHO_OUTSIDE: no approver reviewed them.
 * One finding per kind; each change is a line (when, code, version, what,
 * the columns it changed). */
#define OUTSIDE_KINDS 32

typedef struct outside_ctx {
    dm_check_report *r;
    size_t item[OUTSIDE_KINDS]; /* finding of each kind + 1; 0 = none yet */
    dm_strmap seen[OUTSIDE_KINDS];
    bool oom;
} outside_ctx;

static int outside_entry(const dm_change *c, void *vctx)
{
    outside_ctx *o = vctx;
    if (strcmp(c->who, DM_STORE_WHO_OUTSIDE))
        return 0;
    const dm_kind *k = dm_kind_find(c->kind);
    size_t ki = 0;
    while (k && ki < dm_kind_count() && dm_kind_at(ki) != k)
        ki++;
    if (!k || ki >= OUTSIDE_KINDS || ki >= dm_kind_count())
        return 0;
    if (!o->item[ki]) {
        dm_check_item *it = dm_check_add(o->r, "warning", "changed-outside-demine");
        if (!it) {
            o->oom = true;
            return 1;
        }
        it->kind = k;
        snprintf(it->detail, sizeof it->detail,
                 "%s changed by another program (QGIS, GDAL, the sqlite3 shell), not through "
                 "demine: no approver reviewed these changes; check each one",
                 k->name);
        o->item[ki] = o->r->n;
    }
    dm_check_item *it = &o->r->items[o->item[ki] - 1];
    char shown[DM_CODE_MAX];
    listed_code(shown, sizeof shown, c->code);
    /* the detail is "made outside demine[: columns]" */
    static const char made[] = "made outside demine";
    const char *cols = !strncmp(c->detail, made, sizeof made - 1) ? c->detail + sizeof made - 1
                       : c->detail[0]                             ? c->detail
                                                                  : "";
    char line[400];
    snprintf(line, sizeof line, "%s %s v%lld %s%s%s", c->at, shown, (long long)c->version,
             c->action, cols[0] && cols[0] != ':' ? ": " : "", cols);
    long idx;
    int added = 0;
    if (dm_strmap_intern(&o->seen[ki], shown, &idx, &added) ||
        (added && dm_code_list_add(&it->codes, shown)) || dm_check_add_line(it, line)) {
        o->oom = true;
        return 1;
    }
    return 0;
}

static dm_status check_outside(dm_store *store, dm_check_report *r, dm_error *err)
{
    outside_ctx o;
    memset(&o, 0, sizeof o);
    o.r = r;
    for (size_t i = 0; i < OUTSIDE_KINDS; i++)
        dm_strmap_init(&o.seen[i]);
    dm_status st = dm_store_history(store, NULL, NULL, outside_entry, &o, err);
    for (size_t i = 0; i < OUTSIDE_KINDS; i++)
        dm_strmap_free(&o.seen[i]);
    if (!st && o.oom)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    return st;
}

dm_status dm_check_run(dm_store *store, dm_check_report *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_status st = dm_store_check_integrity(store, on_integrity, out, err);
    if (!st)
        st = check_outside(store, out, err);
    for (size_t i = 0; !st && i < dm_kind_count(); i++) {
        st = check_records(store, dm_kind_at(i), out, err);
        if (!st)
            st = check_rules(store, dm_kind_at(i), out, err);
    }
    if (!st)
        st = check_hazards(store, out, err);
    if (st)
        dm_check_report_free(out);
    return st;
}

dm_status dm_check_json(const dm_check_report *r, dm_buf *b)
{
    dm_buf_printf(b, "{\"errors\": %d, \"warnings\": %d, \"findings\": [", r->errors, r->warnings);
    for (size_t i = 0; i < r->n; i++) {
        const dm_check_item *it = &r->items[i];
        dm_buf_printf(b, "%s{\"severity\": \"%s\", \"what\": ", i ? ",\n  " : "\n  ", it->severity);
        dm_buf_json_string(b, it->what);
        dm_buf_puts(b, ", \"detail\": ");
        dm_buf_json_string(b, it->detail);
        dm_buf_printf(b, ", \"count\": %zu", it->codes.n);
        dm_json_codes(b, "records", &it->codes);
        if (it->nlines) {
            dm_buf_puts(b, ", \"lines\": [");
            for (size_t k = 0; k < it->nlines; k++) {
                dm_buf_puts(b, k ? ", " : "");
                dm_buf_json_string(b, it->lines[k]);
            }
            dm_buf_puts(b, "]");
        }
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}

dm_status dm_check_text(const dm_check_report *r, bool all, dm_buf *b)
{
    for (size_t i = 0; i < r->n; i++) {
        const dm_check_item *it = &r->items[i];
        dm_buf_printf(b, "%-7s %-24s %s", it->severity, it->what, it->detail);
        if (it->nlines) {
            dm_buf_printf(b, ": %zu", it->codes.n);
            size_t show = all || it->nlines <= 10 ? it->nlines : 10;
            for (size_t k = 0; k < show; k++)
                dm_buf_printf(b, "\n        %s", it->lines[k]);
            if (show < it->nlines)
                dm_buf_printf(b, "\n        ... and %zu more (--all lists them)",
                              it->nlines - show);
        } else if (it->codes.n) {
            dm_buf_printf(b, ": %zu\n       ", it->codes.n);
            size_t show = all || it->codes.n <= 10 ? it->codes.n : 10;
            for (size_t k = 0; k < show; k++)
                dm_buf_printf(b, " %s", it->codes.codes[k]);
            if (show < it->codes.n)
                dm_buf_printf(b, " ... and %zu more (--all lists them)", it->codes.n - show);
        }
        dm_buf_puts(b, "\n");
    }
    return b->status;
}
