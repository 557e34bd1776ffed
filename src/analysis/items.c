#include "analysis/items.h"

#include "analysis/spatial.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dm_status dm_items_group_by_parse(const char *s, dm_items_group_by *out, dm_error *err)
{
    if (!strcmp(s, "category"))
        *out = DM_ITEMS_BY_CATEGORY;
    else if (!strcmp(s, "year"))
        *out = DM_ITEMS_BY_YEAR;
    else if (!strcmp(s, "admin"))
        *out = DM_ITEMS_BY_ADMIN;
    else
        return dm_error_set(err, DM_EINVAL,
                            "--by %s: EO items can be grouped by category, year or admin", s);
    return DM_OK;
}

void dm_items_free(dm_items_stats *s)
{
    dm_code_list_free(&s->total.codes);
    for (size_t i = 0; i < s->ngroups; i++)
        dm_code_list_free(&s->groups[i].codes);
    free(s->groups);
    memset(s, 0, sizeof *s);
}

static dm_items_figures *group_for(dm_items_stats *s, const char *key, const char *name)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (!strcmp(s->groups[i].key, key))
            return &s->groups[i];
    dm_items_figures *g = realloc(s->groups, (s->ngroups + 1) * sizeof *g);
    if (!g)
        return NULL;
    s->groups = g;
    g = &s->groups[s->ngroups++];
    memset(g, 0, sizeof *g);
    snprintf(g->key, sizeof g->key, "%s", key);
    dm_utf8_copy(g->name, sizeof g->name, name ? name : "");
    return g;
}

static dm_status add(dm_items_figures *f, const dm_record *rec, int64_t qty, bool destroyed)
{
    f->records++;
    f->quantity += qty;
    if (destroyed)
        f->destroyed += qty;
    return dm_code_list_add(&f->codes, rec->code);
}

static int cmp_group(const void *a, const void *b)
{
    const dm_items_figures *x = a, *y = b;
    bool ux = !strcmp(x->key, "unknown") || !strcmp(x->key, "none");
    bool uy = !strcmp(y->key, "unknown") || !strcmp(y->key, "none");
    if (ux != uy)
        return ux ? 1 : -1;
    return strcmp(x->key, y->key);
}

dm_status dm_items_compute(dm_store *store, const dm_items_opts *o, dm_items_stats *out,
                           dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->by = o->by;
    out->include_drafts = o->include_drafts;
    snprintf(out->total.key, sizeof out->total.key, "total");
    dm_geo *geo = dm_store_geo(store);
    GEOSContextHandle_t h = dm_geo_handle(geo);
    dm_spatial_set admins;
    memset(&admins, 0, sizeof admins);
    dm_spatial_index aidx;
    memset(&aidx, 0, sizeof aidx);
    dm_scope_area area;
    dm_status st = dm_scope_area_open(store, &o->scope, &area, err);
    if (st)
        return st;
    out->scope = o->scope;
    snprintf(out->admin_name, sizeof out->admin_name, "%s", area.name);
    if (o->by == DM_ITEMS_BY_ADMIN) {
        int level;
        st = dm_spatial_read_admin(store, o->include_drafts, 0, &admins, &level, err);
        if (!st)
            st = dm_spatial_index_build(geo, &admins, &aidx, err);
        if (st) {
            dm_spatial_set_free(&admins, geo);
            dm_scope_area_free(geo, &area);
            return st;
        }
    }
    dm_query q = {.kind = &dm_kind_eo_items,
                  .include_drafts = o->include_drafts,
                  .with_geometry = o->by == DM_ITEMS_BY_ADMIN || area.geom};
    dm_cursor *cur = NULL;
    if (!st)
        st = dm_store_query(store, &q, &cur, err);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_eo_items);
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!dm_scope_date_in(&o->scope, dm_record_get(&rec, "date")) ||
            !dm_scope_org_in(&o->scope, dm_record_get(&rec, "organisation")) ||
            (area.geom && !dm_scope_geom_in(geo, &area, rec.geom)))
            continue;
        const char *qv = dm_record_get(&rec, "quantity");
        int64_t qty = qv ? strtoll(qv, NULL, 10) : 1;
        const char *disp = dm_record_get(&rec, "disposal");
        bool destroyed = disp && !strcmp(disp, "destroyed");
        char key[DM_GROUP_KEY_MAX] = "unknown";
        const char *name = NULL;
        if (o->by == DM_ITEMS_BY_CATEGORY) {
            const char *c = dm_record_get(&rec, "category");
            snprintf(key, sizeof key, "%s", c ? c : "unknown");
        } else if (o->by == DM_ITEMS_BY_YEAR) {
            const char *d = dm_record_get(&rec, "date");
            if (d)
                snprintf(key, sizeof key, "%.4s", d);
        } else if (o->by == DM_ITEMS_BY_ADMIN) {
            double x = 0, y = 0;
            int a = -1;
            if (rec.geom && GEOSGeomGetX_r(h, rec.geom, &x) && GEOSGeomGetY_r(h, rec.geom, &y))
                a = dm_spatial_index_locate(geo, &aidx, x, y);
            if (a >= 0) {
                snprintf(key, sizeof key, "%s", admins.codes[a]);
                name = admins.names[a];
            } else {
                snprintf(key, sizeof key, "none");
                name = "outside every admin area";
            }
        }
        if (add(&out->total, &rec, qty, destroyed)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        if (o->by != DM_ITEMS_TOTAL) {
            dm_items_figures *g = group_for(out, key, name);
            if (!g || add(g, &rec, qty, destroyed))
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
        }
    }
    dm_record_clear(&rec, geo);
    dm_cursor_close(cur);
    dm_spatial_index_free(geo, &aidx);
    dm_spatial_set_free(&admins, geo);
    dm_scope_area_free(geo, &area);
    if (st) {
        dm_items_free(out);
        return st;
    }
    if (out->ngroups > 1)
        qsort(out->groups, out->ngroups, sizeof *out->groups, cmp_group);
    return DM_OK;
}

static void json_fig(dm_buf *b, const dm_items_figures *f, bool group, bool list)
{
    if (group)
        dm_json_group_open(b, f->key, f->name);
    dm_buf_printf(b, "\"item_records\": %lld, \"quantity\": %lld, \"destroyed\": %lld",
                  (long long)f->records, (long long)f->quantity, (long long)f->destroyed);
    if (list)
        dm_json_codes(b, "items", &f->codes);
    if (group)
        dm_buf_puts(b, "}");
}

dm_status dm_items_json(const dm_items_stats *s, bool list, dm_buf *b)
{
    static const char *const by[] = {"total", "category", "year", "admin"};
    dm_buf_printf(b, "{\"by\": \"%s\", \"approved_only\": %s, ", by[s->by],
                  s->include_drafts ? "false" : "true");
    dm_scope_json(b, &s->scope, s->admin_name);
    json_fig(b, &s->total, false, list);
    dm_buf_puts(b, ", \"groups\": [");
    for (size_t i = 0; i < s->ngroups; i++) {
        dm_buf_puts(b, i ? ",\n  " : "\n  ");
        json_fig(b, &s->groups[i], true, list);
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}

dm_status dm_items_text(const dm_items_stats *s, bool list, dm_buf *b)
{
    dm_status st = dm_buf_printf(b, "EO items%s\n  %-28s %10s %10s %10s\n",
                                 s->include_drafts ? ", INCLUDING DRAFTS (not official)"
                                                   : ", approved records",
                                 "", "records", "items", "destroyed");
    const dm_scope *sc = &s->scope;
    if (!st && dm_scope_dated(sc))
        st = dm_buf_printf(b, "  period: %s to %s\n", sc->since[0] ? sc->since : "…",
                           sc->until[0] ? sc->until : "…");
    if (!st && sc->admin[0])
        st = dm_buf_printf(b, "  admin area: %s %s\n", sc->admin, s->admin_name);
    if (!st && sc->organisation[0])
        st = dm_buf_printf(b, "  organisation: %s\n", sc->organisation);
    for (size_t i = 0; !st && i <= s->ngroups; i++) {
        const dm_items_figures *f = i < s->ngroups ? &s->groups[i] : &s->total;
        char label[300];
        snprintf(label, sizeof label, "%s%s%s", f->key, f->name[0] ? " " : "", f->name);
        st = dm_buf_printf(b, "  %-28.28s %10lld %10lld %10lld\n", label, (long long)f->records,
                           (long long)f->quantity, (long long)f->destroyed);
        for (size_t k = 0; !st && list && k < f->codes.n; k++)
            st = dm_buf_printf(b, "%s%s%s", k ? " " : "    ", f->codes.codes[k],
                               k + 1 == f->codes.n ? "\n" : "");
    }
    return st;
}
