/* Land release accounting with GEOS overlays and geodesic areas. */
#include "analysis/landrelease.h"

#include "analysis/spatial.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_CLEARED, M_REDUCED, M_CANCELLED, M_COUNT }; /* rank order: first wins */

dm_status dm_code_list_add(dm_code_list *l, const char *code)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->codes, cap * sizeof *l->codes);
        if (!p)
            return DM_ENOMEM;
        l->codes = p;
        l->cap = cap;
    }
    snprintf(l->codes[l->n++], DM_CODE_MAX, "%s", code);
    return DM_OK;
}

void dm_code_list_free(dm_code_list *l)
{
    free(l->codes);
    memset(l, 0, sizeof *l);
}

static void figures_free(dm_lr_figures *f)
{
    dm_code_list_free(&f->hazards);
    dm_code_list_free(&f->releases);
}

void dm_landrelease_free(dm_landrelease *lr)
{
    figures_free(&lr->total);
    for (size_t i = 0; i < lr->ngroups; i++)
        figures_free(&lr->groups[i]);
    free(lr->groups);
    memset(lr, 0, sizeof *lr);
}

dm_status dm_lr_group_by_parse(const char *s, dm_lr_group_by *out, dm_error *err)
{
    if (!strcmp(s, "admin"))
        *out = DM_LR_BY_ADMIN;
    else if (!strcmp(s, "year"))
        *out = DM_LR_BY_YEAR;
    else if (!strcmp(s, "month"))
        *out = DM_LR_BY_MONTH;
    else if (!strcmp(s, "organisation") || !strcmp(s, "org") || !strcmp(s, "organization"))
        *out = DM_LR_BY_ORGANISATION;
    else
        return dm_error_set(err, DM_EINVAL,
                            "--by %s: land release can be grouped by admin, year, month or "
                            "organisation",
                            s);
    return DM_OK;
}

static int method_rank(const char *method)
{
    if (method && !strcmp(method, "cleared"))
        return M_CLEARED;
    if (method && !strcmp(method, "reduced"))
        return M_REDUCED;
    return M_CANCELLED;
}

/* One release as read from the store. */
typedef struct release_in {
    GEOSGeometry *geom;
    char code[DM_CODE_MAX];
    char key[DM_CODE_MAX + 8 + 256];
    int rank;
    bool relevant; /* shares more than nothing with the hazard union */
} release_in;

typedef struct lr_state {
    dm_store *store;
    dm_geo *geo;
    GEOSContextHandle_t h;
    dm_spatial_set hazards;   /* hazard geometries and codes */
    release_in *releases;
    size_t nreleases, cap;
    GEOSGeometry *hazard_union;
    GEOSGeometry *piece[M_COUNT]; /* released pieces by method, inside H */
    GEOSGeometry *remaining;
} lr_state;

static void state_free(lr_state *s)
{
    dm_spatial_set_free(&s->hazards, s->geo);
    for (size_t i = 0; i < s->nreleases; i++)
        dm_geo_destroy(s->geo, s->releases[i].geom);
    free(s->releases);
    dm_geo_destroy(s->geo, s->hazard_union);
    for (int m = 0; m < M_COUNT; m++)
        dm_geo_destroy(s->geo, s->piece[m]);
    dm_geo_destroy(s->geo, s->remaining);
}

static dm_status geos_fail(lr_state *s, const char *what, dm_error *err)
{
    return dm_error_set(err, DM_EGEOM, "land release: %s failed: %s", what,
                        dm_geo_last_error(s->geo));
}

static void release_key(const dm_record *rec, dm_lr_group_by by, char *key, size_t keysz)
{
    const char *v = NULL;
    switch (by) {
    case DM_LR_BY_YEAR:
    case DM_LR_BY_MONTH:
        v = dm_record_get(rec, "date");
        if (v)
            snprintf(key, keysz, "%.*s", by == DM_LR_BY_YEAR ? 4 : 7, v);
        break;
    case DM_LR_BY_ORGANISATION:
        v = dm_record_get(rec, "organisation");
        if (v)
            snprintf(key, keysz, "%s", v);
        break;
    default:
        key[0] = '\0';
        return;
    }
    if (!v)
        snprintf(key, keysz, "unknown");
}

static dm_status read_releases(lr_state *s, const dm_lr_opts *o, dm_error *err)
{
    dm_query q = {.kind = &dm_kind_releases, .include_drafts = o->include_drafts,
                  .with_geometry = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(s->store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_releases);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom)
            continue;
        if (s->nreleases == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 1024;
            release_in *p = realloc(s->releases, cap * sizeof *p);
            if (!p) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory");
                break;
            }
            s->releases = p;
            s->cap = cap;
        }
        release_in *r = &s->releases[s->nreleases++];
        r->geom = rec.geom;
        rec.geom = NULL;
        snprintf(r->code, sizeof r->code, "%s", rec.code);
        r->rank = method_rank(dm_record_get(&rec, "method"));
        r->relevant = false;
        release_key(&rec, o->by, r->key, sizeof r->key);
    }
    dm_record_clear(&rec, s->geo);
    dm_cursor_close(cur);
    return st;
}

/* Union of the releases selected by `want` (NULL = all). Never NULL on success:
 * an empty MULTIPOLYGON when nothing is selected. */
static GEOSGeometry *union_releases(lr_state *s, bool (*want)(const release_in *, const void *),
                                    const void *ctx)
{
    GEOSGeometry **parts = malloc((s->nreleases ? s->nreleases : 1) * sizeof *parts);
    if (!parts)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->nreleases; i++)
        if (!want || want(&s->releases[i], ctx))
            parts[n++] = (GEOSGeometry *)s->releases[i].geom;
    GEOSGeometry *u = dm_spatial_union(s->geo, (const GEOSGeometry *const *)parts, n);
    free(parts);
    return u;
}

static double area(lr_state *s, const GEOSGeometry *g) { return dm_geo_area_m2(s->geo, g); }

/* Union of a few geometries (borrowed); NULL when n == 0 or on failure. */
static GEOSGeometry *local_union(lr_state *s, GEOSGeometry **gs, size_t n)
{
    if (n == 0)
        return NULL;
    if (n == 1)
        return GEOSGeom_clone_r(s->h, gs[0]);
    return dm_spatial_union(s->geo, (const GEOSGeometry *const *)gs, n);
}

/* Splits one polygon p of the hazard union into its released pieces (by
 * method, each m² once) and what remains, given the releases that may touch
 * it. Results are appended to the lists. */
static dm_status split_part(lr_state *s, const GEOSGeometry *p, const size_t *cand, size_t ncand,
                            dm_poly_list pieces[M_COUNT], dm_poly_list *remaining)
{
    GEOSContextHandle_t h = s->h;
    GEOSGeometry **by_rank[M_COUNT];
    size_t nrank[M_COUNT] = {0};
    dm_status st = DM_OK;
    for (int m = 0; m < M_COUNT; m++)
        by_rank[m] = malloc((ncand ? ncand : 1) * sizeof(GEOSGeometry *));
    if (!by_rank[0] || !by_rank[1] || !by_rank[2])
        st = DM_ENOMEM;
    const GEOSPreparedGeometry *pp = ncand && !st ? GEOSPrepare_r(h, p) : NULL;
    for (size_t i = 0; !st && i < ncand; i++) {
        release_in *r = &s->releases[cand[i]];
        char hit = GEOSPreparedIntersects_r(h, pp, r->geom);
        if (hit == 2)
            st = DM_EGEOM;
        else if (hit == 1) {
            r->relevant = true;
            by_rank[r->rank][nrank[r->rank]++] = r->geom;
        }
    }
    if (pp)
        GEOSPreparedGeom_destroy_r(h, pp);
    GEOSGeometry *covered = NULL; /* union of higher-ranked releases */
    for (int m = 0; !st && m < M_COUNT; m++) {
        if (!nrank[m])
            continue;
        GEOSGeometry *um = local_union(s, by_rank[m], nrank[m]);
        GEOSGeometry *inside = um ? GEOSIntersection_r(h, p, um) : NULL;
        GEOSGeometry *piece = inside && covered ? GEOSDifference_r(h, inside, covered) : inside;
        if (piece != inside)
            dm_geo_destroy(s->geo, inside);
        GEOSGeometry *next = um && covered ? GEOSUnion_r(h, covered, um) : um;
        if (next != um)
            dm_geo_destroy(s->geo, um);
        if (next != covered)
            dm_geo_destroy(s->geo, covered);
        covered = next;
        if (!covered)
            st = DM_EGEOM;
        if (!st)
            st = dm_poly_list_add(s->geo, &pieces[m], piece);
        else
            dm_geo_destroy(s->geo, piece);
    }
    if (!st) {
        GEOSGeometry *rest = covered ? GEOSDifference_r(h, p, covered) : GEOSGeom_clone_r(h, p);
        st = dm_poly_list_add(s->geo, remaining, rest);
    }
    dm_geo_destroy(s->geo, covered);
    for (int m = 0; m < M_COUNT; m++)
        free(by_rank[m]);
    return st;
}

/* The pieces of the hazard union: released by method (each m² once) and
 * remaining. Each polygon of the union is split on its own, against only the
 * releases whose envelopes meet it: most releases and most hazards never
 * meet, so no overlay of everything against everything is needed. */
static dm_status compute_pieces(lr_state *s, dm_error *err)
{
    GEOSContextHandle_t h = s->h;
    s->hazard_union = dm_spatial_union(s->geo, (const GEOSGeometry *const *)s->hazards.geoms,
                                       s->hazards.n);
    if (!s->hazard_union)
        return geos_fail(s, "union of hazards", err);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    if (!tree)
        return geos_fail(s, "release index", err);
    for (size_t i = 0; i < s->nreleases; i++)
        GEOSSTRtree_insert_r(h, tree, s->releases[i].geom, (void *)(uintptr_t)(i + 1));
    dm_poly_list pieces[M_COUNT], remaining;
    memset(pieces, 0, sizeof pieces);
    memset(&remaining, 0, sizeof remaining);
    dm_index_hits hits = {0};
    dm_status st = DM_OK;
    int nparts = GEOSGetNumGeometries_r(h, s->hazard_union);
    if (GEOSisEmpty_r(h, s->hazard_union))
        nparts = 0;
    for (int i = 0; !st && i < nparts; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, s->hazard_union, i);
        hits.n = 0;
        GEOSSTRtree_query_r(h, tree, p, dm_index_hits_collect, &hits);
        if (hits.oom) {
            st = DM_ENOMEM;
            break;
        }
        dm_index_hits_sort(&hits);
        st = split_part(s, p, hits.items, hits.n, pieces, &remaining);
    }
    GEOSSTRtree_destroy_r(h, tree);
    free(hits.items);
    for (int m = 0; !st && m < M_COUNT; m++) {
        s->piece[m] = dm_poly_list_to_multi(s->geo, &pieces[m]);
        if (!s->piece[m])
            st = DM_EGEOM;
    }
    if (!st) {
        s->remaining = dm_poly_list_to_multi(s->geo, &remaining);
        if (!s->remaining)
            st = DM_EGEOM;
    }
    for (int m = 0; m < M_COUNT; m++)
        dm_poly_list_free(s->geo, &pieces[m]);
    dm_poly_list_free(s->geo, &remaining);
    if (st == DM_ENOMEM)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    if (st)
        return geos_fail(s, "release overlay", err);
    return DM_OK;
}

static void set_split(dm_release_split *r, const double a[M_COUNT])
{
    r->cleared = a[M_CLEARED];
    r->reduced = a[M_REDUCED];
    r->cancelled = a[M_CANCELLED];
    r->total = a[M_CLEARED] + a[M_REDUCED] + a[M_CANCELLED];
}

static dm_status fill_total(lr_state *s, dm_landrelease *out)
{
    dm_lr_figures *t = &out->total;
    snprintf(t->key, sizeof t->key, "total");
    t->hazard_area_m2 = area(s, s->hazard_union);
    double a[M_COUNT];
    for (int m = 0; m < M_COUNT; m++)
        a[m] = area(s, s->piece[m]);
    set_split(&t->released, a);
    t->remaining_area_m2 = area(s, s->remaining);
    t->hazard_count = (int64_t)s->hazards.n;
    for (size_t i = 0; i < s->hazards.n; i++)
        if (dm_code_list_add(&t->hazards, s->hazards.codes[i]))
            return DM_ENOMEM;
    for (size_t i = 0; i < s->nreleases; i++)
        if (dm_code_list_add(&t->releases, s->releases[i].code))
            return DM_ENOMEM;
    return DM_OK;
}

/* ---- grouping by admin area ---- */

static dm_status by_admin(lr_state *s, const dm_lr_opts *o, dm_landrelease *out, dm_error *err)
{
    dm_spatial_set admins;
    dm_status st = dm_spatial_read_admin(s->store, o->include_drafts, o->admin_level, &admins,
                                         &out->admin_level, err);
    if (st)
        return st;
    /* split every figure's geometry into parts in a tree, once */
    const GEOSGeometry *layers[M_COUNT + 2] = {s->hazard_union, s->piece[M_CLEARED],
                                               s->piece[M_REDUCED], s->piece[M_CANCELLED],
                                               s->remaining};
    dm_part_index idx[M_COUNT + 2];
    memset(idx, 0, sizeof idx);
    dm_spatial_set rel;
    memset(&rel, 0, sizeof rel);
    for (int l = 0; !st && l < M_COUNT + 2; l++)
        st = dm_part_index_build(s->geo, layers[l], &idx[l], err);
    dm_spatial_index hz_idx, rel_idx;
    memset(&hz_idx, 0, sizeof hz_idx);
    memset(&rel_idx, 0, sizeof rel_idx);
    if (!st)
        st = dm_spatial_index_build(s->geo, &s->hazards, &hz_idx, err);
    if (!st) {
        /* borrow the release geometries for an index of their own */
        for (size_t i = 0; !st && i < s->nreleases; i++)
            st = dm_spatial_set_add_borrowed(&rel, s->releases[i].geom, s->releases[i].code);
        if (!st)
            st = dm_spatial_index_build(s->geo, &rel, &rel_idx, err);
    }
    if (!st) {
        out->groups = calloc(admins.n ? admins.n : 1, sizeof *out->groups);
        if (!out->groups)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    for (size_t a = 0; !st && a < admins.n; a++) {
        dm_lr_figures *g = &out->groups[out->ngroups++];
        snprintf(g->key, sizeof g->key, "%s", admins.codes[a]);
        snprintf(g->name, sizeof g->name, "%s", admins.names ? admins.names[a] : "");
        const GEOSPreparedGeometry *pa = GEOSPrepare_r(s->h, admins.geoms[a]);
        if (!pa) {
            st = geos_fail(s, "preparing an admin area", err);
            break;
        }
        double v[M_COUNT + 2];
        for (int l = 0; !st && l < M_COUNT + 2; l++)
            st = dm_part_index_clip_area(s->geo, &idx[l], admins.geoms[a], pa, &v[l], err);
        if (!st) {
            g->hazard_area_m2 = v[0];
            double r[M_COUNT] = {v[1], v[2], v[3]};
            set_split(&g->released, r);
            g->remaining_area_m2 = v[4];
            st = dm_spatial_index_intersecting(s->geo, &hz_idx, admins.geoms[a], pa, &g->hazards,
                                               err);
        }
        if (!st)
            st = dm_spatial_index_intersecting(s->geo, &rel_idx, admins.geoms[a], pa,
                                               &g->releases, err);
        g->hazard_count = (int64_t)g->hazards.n;
        GEOSPreparedGeom_destroy_r(s->h, pa);
    }
    for (int l = 0; l < M_COUNT + 2; l++)
        dm_part_index_free(s->geo, &idx[l]);
    dm_spatial_index_free(s->geo, &hz_idx);
    dm_spatial_index_free(s->geo, &rel_idx);
    dm_spatial_set_free(&rel, s->geo);
    dm_spatial_set_free(&admins, s->geo);
    return st;
}

/* ---- grouping by year, month or organisation ---- */

static int cmp_key(const void *a, const void *b)
{
    const char *x = a, *y = b;
    bool ux = !strcmp(x, "unknown"), uy = !strcmp(y, "unknown");
    if (ux != uy)
        return ux ? 1 : -1; /* unknown last */
    return strcmp(x, y);
}

typedef struct key_rank {
    const char *key;
    int rank; /* -1: any rank */
} key_rank;

static bool want_key_rank(const release_in *r, const void *ctx)
{
    const key_rank *kr = ctx;
    return r->relevant && !strcmp(r->key, kr->key) && (kr->rank < 0 || r->rank == kr->rank);
}

static dm_status by_attribute(lr_state *s, const dm_lr_opts *o, dm_landrelease *out,
                              dm_error *err)
{
    GEOSContextHandle_t h = s->h;
    /* distinct keys in order */
    typedef char keybuf[DM_CODE_MAX + 8 + 256];
    keybuf *keys = calloc(s->nreleases ? s->nreleases : 1, sizeof *keys);
    if (!keys)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t nkeys = 0;
    for (size_t i = 0; i < s->nreleases; i++)
        memcpy(keys[nkeys++], s->releases[i].key, sizeof(keybuf));
    if (nkeys > 1)
        qsort(keys, nkeys, sizeof *keys, cmp_key);
    size_t u = 0;
    for (size_t i = 0; i < nkeys; i++)
        if (u == 0 || strcmp(keys[u - 1], keys[i]))
            memcpy(keys[u++], keys[i], sizeof(keybuf));
    nkeys = u;
    out->groups = calloc(nkeys ? nkeys : 1, sizeof *out->groups);
    if (!out->groups) {
        free(keys);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    out->ngroups = nkeys;
    bool timed = o->by != DM_LR_BY_ORGANISATION;
    double hazard_area = out->total.hazard_area_m2;
    for (size_t k = 0; k < nkeys; k++) {
        dm_lr_figures *g = &out->groups[k];
        if (o->by == DM_LR_BY_ORGANISATION) {
            snprintf(g->key, sizeof g->key, "%.*s", (int)sizeof g->key - 1, keys[k]);
            snprintf(g->name, sizeof g->name, "%s", keys[k]);
        } else {
            snprintf(g->key, sizeof g->key, "%.*s", (int)sizeof g->key - 1, keys[k]);
        }
        g->hazard_area_m2 = timed ? hazard_area : NAN;
        g->remaining_area_m2 = NAN;
        g->hazard_count = timed ? (int64_t)s->hazards.n : -1;
        for (size_t i = 0; i < s->nreleases; i++)
            if (!strcmp(s->releases[i].key, keys[k]) &&
                dm_code_list_add(&g->releases, s->releases[i].code)) {
                free(keys);
                return dm_error_set(err, DM_ENOMEM, "out of memory");
            }
    }
    /* each m² to one group: method rank first, then key order */
    dm_status st = DM_OK;
    GEOSGeometry *covered = NULL;
    for (int m = 0; !st && m < M_COUNT; m++) {
        for (size_t k = 0; !st && k < nkeys; k++) {
            key_rank kr = {keys[k], m};
            GEOSGeometry *ub = union_releases(s, want_key_rank, &kr);
            if (!ub) {
                st = geos_fail(s, "union of releases", err);
                break;
            }
            if (GEOSisEmpty_r(h, ub)) {
                dm_geo_destroy(s->geo, ub);
                continue;
            }
            GEOSGeometry *inside = GEOSIntersection_r(h, s->hazard_union, ub);
            GEOSGeometry *piece = inside && covered ? GEOSDifference_r(h, inside, covered) : inside;
            if (piece != inside)
                dm_geo_destroy(s->geo, inside);
            GEOSGeometry *next = covered ? GEOSUnion_r(h, covered, ub) : ub;
            if (next != ub)
                dm_geo_destroy(s->geo, ub);
            dm_geo_destroy(s->geo, covered);
            covered = next;
            if (!piece || !covered) {
                dm_geo_destroy(s->geo, piece);
                st = geos_fail(s, "release overlay", err);
                break;
            }
            double a = area(s, piece);
            dm_geo_destroy(s->geo, piece);
            dm_release_split *r = &out->groups[k].released;
            if (m == M_CLEARED)
                r->cleared += a;
            else if (m == M_REDUCED)
                r->reduced += a;
            else
                r->cancelled += a;
            r->total += a;
        }
    }
    dm_geo_destroy(s->geo, covered);
    /* remaining at the end of each period */
    covered = NULL;
    for (size_t k = 0; !st && timed && k < nkeys; k++) {
        key_rank kr = {keys[k], -1};
        GEOSGeometry *uk = union_releases(s, want_key_rank, &kr);
        GEOSGeometry *next = uk && covered ? GEOSUnion_r(h, covered, uk) : uk;
        if (next != uk)
            dm_geo_destroy(s->geo, uk);
        dm_geo_destroy(s->geo, covered);
        covered = next;
        GEOSGeometry *rem = covered ? GEOSDifference_r(h, s->hazard_union, covered) : NULL;
        if (!rem) {
            st = geos_fail(s, "remaining area", err);
            break;
        }
        out->groups[k].remaining_area_m2 = area(s, rem);
        dm_geo_destroy(s->geo, rem);
    }
    dm_geo_destroy(s->geo, covered);
    free(keys);
    return st;
}

dm_status dm_landrelease_compute(dm_store *store, const dm_lr_opts *o, dm_landrelease *out,
                                 dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->by = o->by;
    out->include_drafts = o->include_drafts;
    lr_state s;
    memset(&s, 0, sizeof s);
    s.store = store;
    s.geo = dm_store_geo(store);
    s.h = dm_geo_handle(s.geo);
    dm_status st = dm_spatial_read(store, &dm_kind_hazards, o->include_drafts, &s.hazards, err);
    if (!st)
        st = read_releases(&s, o, err);
    if (!st)
        st = compute_pieces(&s, err);
    if (!st && fill_total(&s, out))
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    if (!st && o->by == DM_LR_BY_ADMIN)
        st = by_admin(&s, o, out, err);
    else if (!st && o->by != DM_LR_TOTAL)
        st = by_attribute(&s, o, out, err);
    state_free(&s);
    if (st)
        dm_landrelease_free(out);
    return st;
}

/* ---- JSON ---- */

static dm_status json_codes(dm_buf *b, const char *name, const dm_code_list *l)
{
    dm_status st = dm_buf_printf(b, ", \"%s\": [", name);
    for (size_t i = 0; !st && i < l->n; i++) {
        if (i)
            st = dm_buf_puts(b, ", ");
        if (!st)
            st = dm_buf_json_string(b, l->codes[i]);
    }
    return st ? st : dm_buf_puts(b, "]");
}

static dm_status json_figures(dm_buf *b, const dm_lr_figures *f, bool group, bool list)
{
    dm_status st = DM_OK;
    if (group) {
        st = dm_buf_puts(b, "{\"key\": ");
        if (!st)
            st = dm_buf_json_string(b, f->key);
        if (!st)
            st = dm_buf_puts(b, ", \"name\": ");
        if (!st)
            st = dm_buf_json_string(b, f->name);
        if (!st)
            st = dm_buf_puts(b, ", ");
    }
    if (!st)
        st = dm_buf_puts(b, "\"hazard_area_m2\": ");
    if (!st)
        st = dm_buf_json_number(b, f->hazard_area_m2);
    if (!st)
        st = dm_buf_puts(b, ", \"released_area_m2\": {\"cancelled\": ");
    if (!st)
        st = dm_buf_json_number(b, f->released.cancelled);
    if (!st)
        st = dm_buf_puts(b, ", \"reduced\": ");
    if (!st)
        st = dm_buf_json_number(b, f->released.reduced);
    if (!st)
        st = dm_buf_puts(b, ", \"cleared\": ");
    if (!st)
        st = dm_buf_json_number(b, f->released.cleared);
    if (!st)
        st = dm_buf_puts(b, ", \"total\": ");
    if (!st)
        st = dm_buf_json_number(b, f->released.total);
    if (!st)
        st = dm_buf_puts(b, "}, \"remaining_area_m2\": ");
    if (!st)
        st = dm_buf_json_number(b, f->remaining_area_m2);
    if (!st)
        st = f->hazard_count < 0 ? dm_buf_puts(b, ", \"hazard_count\": null")
                                 : dm_buf_printf(b, ", \"hazard_count\": %lld",
                                                 (long long)f->hazard_count);
    if (!st)
        st = dm_buf_printf(b, ", \"release_count\": %zu", f->releases.n);
    if (!st && list)
        st = json_codes(b, "hazards", &f->hazards);
    if (!st && list)
        st = json_codes(b, "releases", &f->releases);
    if (!st && group)
        st = dm_buf_puts(b, "}");
    return st;
}

dm_status dm_landrelease_json(const dm_landrelease *lr, bool list, dm_buf *b)
{
    static const char *const by_names[] = {"total", "admin", "year", "month", "organisation"};
    dm_status st = dm_buf_printf(b, "{\"by\": \"%s\", \"approved_only\": %s, ",
                                 by_names[lr->by], lr->include_drafts ? "false" : "true");
    if (!st && lr->by == DM_LR_BY_ADMIN)
        st = dm_buf_printf(b, "\"admin_level\": %d, ", lr->admin_level);
    if (!st)
        st = json_figures(b, &lr->total, false, list);
    if (!st)
        st = dm_buf_puts(b, ", \"groups\": [");
    for (size_t i = 0; !st && i < lr->ngroups; i++) {
        if (i)
            st = dm_buf_puts(b, ",\n  ");
        else
            st = dm_buf_puts(b, "\n  ");
        if (!st)
            st = json_figures(b, &lr->groups[i], true, list);
    }
    return st ? st : dm_buf_puts(b, "]}\n");
}
