/* Land release accounting with GEOS overlays and geodesic areas. */
#include "analysis/landrelease.h"

#include "analysis/parallel.h"
#include "analysis/spatial.h"
#include "core/utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_CLEARED, M_REDUCED, M_CANCELLED, M_COUNT }; /* rank order: first wins */

/* The figures' polygon layers: the hazard union's polygons, the released
 * pieces by method (R, each m² once), what remains of H and the part of R
 * inside H. */
enum { L_HAZARD, L_RELEASED, L_REMAINING = L_RELEASED + M_COUNT, L_INSIDE, L_COUNT };

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
    char key[DM_GROUP_KEY_MAX]; /* of the grouping being computed */
    int rank;
    char date[8]; /* "YYYY-MM" as stored (its first 7 bytes); "" when none */
    bool has_date, has_org;
    char org[DM_GROUP_KEY_MAX]; /* organisation */
} release_in;

/* A union (H or R) split into its polygons, each with its geodesic area and
 * the releases that meet it (indexes into releases, ascending). */
typedef struct lr_base {
    GEOSGeometry *u;
    double *area;
    size_t **rel;
    size_t *nrel;
    size_t n;
} lr_base;

typedef struct lr_state {
    dm_store *store;
    dm_geo *geo;
    GEOSContextHandle_t h;
    dm_spatial_set hazards; /* hazard geometries and codes */
    release_in *releases;
    size_t nreleases, cap;
    lr_base hb, rb; /* the hazard union H and the release union R */
    /* the figures' polygons with their areas (L_HAZARD borrowed from hb.u) */
    dm_poly_list layer[L_COUNT];
} lr_state;

static void base_free(dm_geo *geo, lr_base *b)
{
    dm_geo_destroy(geo, b->u);
    for (size_t i = 0; b->rel && i < b->n; i++)
        free(b->rel[i]);
    free(b->rel);
    free(b->nrel);
    free(b->area);
}

static void state_free(lr_state *s)
{
    dm_spatial_set_free(&s->hazards, s->geo);
    for (size_t i = 0; i < s->nreleases; i++)
        dm_geo_destroy(s->geo, s->releases[i].geom);
    free(s->releases);
    base_free(s->geo, &s->hb);
    base_free(s->geo, &s->rb);
    for (int l = 0; l < L_COUNT; l++)
        dm_poly_list_free(s->geo, &s->layer[l]);
}

static dm_status geos_fail(lr_state *s, const char *what, dm_error *err)
{
    return dm_error_set(err, DM_EGEOM, "land release: %s failed: %s", what,
                        dm_geo_last_error(s->geo));
}

/* The key of release r in grouping `by`. */
static void release_key(const release_in *r, dm_lr_group_by by, char *key, size_t keysz)
{
    bool has = false;
    switch (by) {
    case DM_LR_BY_YEAR:
    case DM_LR_BY_MONTH:
        has = r->has_date;
        if (has)
            snprintf(key, keysz, "%.*s", by == DM_LR_BY_YEAR ? 4 : 7, r->date);
        break;
    case DM_LR_BY_ORGANISATION:
        has = r->has_org;
        if (has)
            dm_utf8_copy(key, keysz, r->org);
        break;
    default: key[0] = '\0'; return;
    }
    if (!has)
        snprintf(key, keysz, "unknown");
}

/* Keeps the part of each hazard inside the scope's admin area, dropping
 * hazards with nothing of positive area inside it. */
static dm_status clip_hazards(lr_state *s, const dm_scope_area *area, dm_error *err)
{
    size_t kept = 0;
    dm_status st = DM_OK;
    for (size_t i = 0; i < s->hazards.n; i++) {
        GEOSGeometry *c = NULL;
        if (!st && dm_scope_clip(s->geo, area, s->hazards.geoms[i], &c))
            st = geos_fail(s, "clipping a hazard to the admin area", err);
        dm_geo_destroy(s->geo, s->hazards.geoms[i]);
        if (!c)
            continue;
        s->hazards.geoms[kept] = c;
        memmove(s->hazards.codes[kept], s->hazards.codes[i], DM_CODE_MAX);
        kept++;
    }
    s->hazards.n = kept;
    return st;
}

static dm_status read_releases(lr_state *s, const dm_lr_opts *o, const dm_scope_area *area,
                               dm_error *err)
{
    dm_query q = {
        .kind = &dm_kind_releases, .include_drafts = o->include_drafts, .with_geometry = true};
    dm_cursor *cur;
    dm_status st = dm_store_query(s->store, &q, &cur, err);
    if (st)
        return st;
    dm_record rec;
    dm_record_init(&rec, &dm_kind_releases);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom || !dm_scope_date_in(&o->scope, dm_record_get(&rec, "date")) ||
            !dm_scope_org_in(&o->scope, dm_record_get(&rec, "organisation")))
            continue;
        GEOSGeometry *clipped = NULL;
        if (area->geom) {
            if (dm_scope_clip(s->geo, area, rec.geom, &clipped)) {
                st = geos_fail(s, "clipping a release to the admin area", err);
                break;
            }
            if (!clipped)
                continue;
            dm_geo_destroy(s->geo, rec.geom);
            rec.geom = clipped;
        }
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
        const char *date = dm_record_get(&rec, "date"), *org = dm_record_get(&rec, "organisation");
        r->has_date = date != NULL;
        snprintf(r->date, sizeof r->date, "%.7s", date ? date : "");
        r->has_org = org != NULL;
        dm_utf8_copy(r->org, sizeof r->org, org ? org : "");
        r->key[0] = '\0';
    }
    dm_record_clear(&rec, s->geo);
    dm_cursor_close(cur);
    return st;
}

/* Union of a few geometries (borrowed); NULL when n == 0 or on failure. */
static GEOSGeometry *local_union(dm_geo *geo, GEOSGeometry **gs, size_t n)
{
    if (n == 0)
        return NULL;
    if (n == 1)
        return GEOSGeom_clone_r(dm_geo_handle(geo), gs[0]);
    return dm_spatial_union(geo, (const GEOSGeometry *const *)gs, n);
}

/* *covered becomes *covered ∪ u (u taken; NULL when GEOS fails). */
static void cover(dm_geo *geo, GEOSGeometry **covered, GEOSGeometry *u)
{
    GEOSGeometry *next = u && *covered ? GEOSUnion_r(dm_geo_handle(geo), *covered, u) : u;
    if (next != u)
        dm_geo_destroy(geo, u);
    if (next != *covered)
        dm_geo_destroy(geo, *covered);
    *covered = next;
}

/* What u (taken) releases of p that *covered did not: (p ∩ u) − *covered,
 * or NULL when GEOS fails; then *covered grows by u (cover). */
static GEOSGeometry *take_piece(dm_geo *geo, const GEOSGeometry *p, GEOSGeometry *u,
                                GEOSGeometry **covered)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeometry *inside = u ? GEOSIntersection_r(h, p, u) : NULL;
    GEOSGeometry *piece = inside && *covered ? GEOSDifference_r(h, inside, *covered) : inside;
    if (piece != inside)
        dm_geo_destroy(geo, inside);
    cover(geo, covered, u);
    return piece;
}

/* What one polygon of the hazard union splits into. */
typedef struct part_out {
    double area_m2;               /* of the polygon */
    dm_poly_list pieces[M_COUNT]; /* released, by method */
    dm_poly_list remaining;
    size_t *relevant; /* releases that meet it */
    size_t nrelevant;
} part_out;

static void part_out_free(dm_geo *geo, part_out *o)
{
    for (int m = 0; m < M_COUNT; m++)
        dm_poly_list_free(geo, &o->pieces[m]);
    dm_poly_list_free(geo, &o->remaining);
    free(o->relevant);
}

/* Splits one polygon p of a union into its released pieces (by method,
 * each m² once) and, for a polygon of H, what remains, given the releases
 * whose envelopes meet it. A polygon of R whose releases all have one method
 * is released whole by that method (p lies inside the releases that meet
 * it). Runs on any thread: uses geo, reads s only. */
static dm_status split_part(const lr_state *s, dm_geo *geo, const GEOSGeometry *p, bool of_r,
                            const size_t *cand, size_t ncand, part_out *o)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeometry **by_rank[M_COUNT];
    size_t nrank[M_COUNT] = {0};
    dm_status st = DM_OK;
    o->area_m2 = dm_geo_area_m2(geo, p);
    for (int m = 0; m < M_COUNT; m++)
        by_rank[m] = malloc((ncand ? ncand : 1) * sizeof(GEOSGeometry *));
    o->relevant = malloc((ncand ? ncand : 1) * sizeof *o->relevant);
    if (!by_rank[0] || !by_rank[1] || !by_rank[2] || !o->relevant)
        st = DM_ENOMEM;
    const GEOSPreparedGeometry *pp = ncand && !st ? GEOSPrepare_r(h, p) : NULL;
    if (ncand && !st && !pp)
        st = DM_EGEOM;
    for (size_t i = 0; !st && i < ncand; i++) {
        const release_in *r = &s->releases[cand[i]];
        char hit = GEOSPreparedIntersects_r(h, pp, r->geom);
        if (hit == 2)
            st = DM_EGEOM;
        else if (hit == 1) {
            o->relevant[o->nrelevant++] = cand[i];
            by_rank[r->rank][nrank[r->rank]++] = r->geom;
        }
    }
    if (pp)
        GEOSPreparedGeom_destroy_r(h, pp);
    int nmethods = 0, only = 0;
    for (int m = 0; m < M_COUNT; m++)
        if (nrank[m]) {
            nmethods++;
            only = m;
        }
    if (!st && of_r && nmethods == 1) {
        st = dm_poly_list_add_known(geo, &o->pieces[only], GEOSGeom_clone_r(h, p), o->area_m2);
        for (int m = 0; m < M_COUNT; m++)
            free(by_rank[m]);
        return st;
    }
    GEOSGeometry *covered = NULL; /* union of higher-ranked releases */
    for (int m = 0; !st && m < M_COUNT; m++) {
        if (!nrank[m])
            continue;
        GEOSGeometry *piece = take_piece(geo, p, local_union(geo, by_rank[m], nrank[m]), &covered);
        if (!covered)
            st = DM_EGEOM;
        if (!st)
            st = dm_poly_list_add(geo, &o->pieces[m], piece);
        else
            dm_geo_destroy(geo, piece);
    }
    if (of_r)
        ; /* R has nothing remaining */
    else if (!st && covered)
        st = dm_poly_list_add(geo, &o->remaining, GEOSDifference_r(h, p, covered));
    else if (!st) /* untouched: all of p remains, and its area is known */
        st = dm_poly_list_add_known(geo, &o->remaining, GEOSGeom_clone_r(h, p), o->area_m2);
    dm_geo_destroy(geo, covered);
    for (int m = 0; m < M_COUNT; m++)
        free(by_rank[m]);
    return st;
}

typedef struct pieces_job {
    const lr_state *s;
    const lr_base *b;
    bool of_r;
    GEOSSTRtree *tree; /* releases */
    part_out *out;
} pieces_job;

static dm_status split_one(size_t i, dm_geo *geo, void *ctx, dm_error *err)
{
    pieces_job *j = ctx;
    GEOSContextHandle_t h = dm_geo_handle(geo);
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, j->b->u, (int)i);
    dm_index_hits hits = {0};
    GEOSSTRtree_query_r(h, j->tree, p, dm_index_hits_collect, &hits);
    dm_status st = hits.oom ? DM_ENOMEM : DM_OK;
    dm_index_hits_sort(&hits);
    if (!st)
        st = split_part(j->s, geo, p, j->of_r, hits.items, hits.n, &j->out[i]);
    free(hits.items);
    if (st == DM_ENOMEM)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    if (st)
        return dm_error_set(err, DM_EGEOM, "land release: release overlay failed: %s",
                            dm_geo_last_error(geo));
    return DM_OK;
}

/* Splits a union (H or R) of the geometries gs into its polygons and each
 * polygon into its pieces: for H, the part released (by method: the part of R
 * inside H) and what remains; for R, the released pieces by method. Each
 * polygon is split on its own, against only the releases whose envelopes meet
 * it: most releases and most hazards never meet, so no overlay of everything
 * against everything is needed, and the polygons are spread over the cores. */
static dm_status compute_pieces(lr_state *s, GEOSGeometry *const *gs, size_t ngs, bool of_r,
                                dm_error *err)
{
    GEOSContextHandle_t h = s->h;
    lr_base *b = of_r ? &s->rb : &s->hb;
    b->u = dm_spatial_union_parallel(s->geo, (const GEOSGeometry *const *)gs, ngs);
    if (!b->u)
        return geos_fail(s, of_r ? "union of releases" : "union of hazards", err);
    size_t nparts = GEOSisEmpty_r(h, b->u) ? 0 : (size_t)GEOSGetNumGeometries_r(h, b->u);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    part_out *out = calloc(nparts ? nparts : 1, sizeof *out);
    b->rel = calloc(nparts ? nparts : 1, sizeof *b->rel);
    b->nrel = calloc(nparts ? nparts : 1, sizeof *b->nrel);
    b->area = calloc(nparts ? nparts : 1, sizeof *b->area);
    b->n = nparts;
    if (!tree || !out || !b->rel || !b->nrel || !b->area) {
        if (tree)
            GEOSSTRtree_destroy_r(h, tree);
        free(out);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->nreleases; i++)
        GEOSSTRtree_insert_r(h, tree, s->releases[i].geom, (void *)(uintptr_t)(i + 1));
    /* the tree is built by its first query: do that here, not in the threads */
    dm_index_hits warmup = {0};
    GEOSSTRtree_query_r(h, tree, b->u, dm_index_hits_collect, &warmup);
    free(warmup.items);
    pieces_job job = {s, b, of_r, tree, out};
    dm_status st = dm_parallel_for(nparts, s->geo, split_one, &job, err);
    GEOSSTRtree_destroy_r(h, tree);
    /* gather in polygon order: the sums do not depend on the threads */
    for (size_t i = 0; i < nparts; i++) {
        part_out *o = &out[i];
        b->area[i] = o->area_m2;
        if (!st && !of_r)
            st = dm_poly_list_add_known(s->geo, &s->layer[L_HAZARD],
                                        (GEOSGeometry *)GEOSGetGeometryN_r(h, b->u, (int)i),
                                        o->area_m2);
        for (int m = 0; !st && m < M_COUNT; m++)
            st = dm_poly_list_take(&s->layer[of_r ? L_RELEASED + m : L_INSIDE], &o->pieces[m]);
        if (!st && !of_r)
            st = dm_poly_list_take(&s->layer[L_REMAINING], &o->remaining);
        /* kept for the groups by year, month or organisation */
        b->rel[i] = o->relevant;
        b->nrel[i] = o->nrelevant;
        o->relevant = NULL;
        part_out_free(s->geo, o);
    }
    free(out);
    if (st == DM_ENOMEM)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    return st;
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
    t->hazard_area_m2 = dm_poly_list_total_area(s->geo, &s->layer[L_HAZARD]);
    double a[M_COUNT];
    for (int m = 0; m < M_COUNT; m++)
        a[m] = dm_poly_list_total_area(s->geo, &s->layer[L_RELEASED + m]);
    set_split(&t->released, a);
    t->remaining_area_m2 = dm_poly_list_total_area(s->geo, &s->layer[L_REMAINING]);
    t->recorded_area_m2 = t->released.total + t->remaining_area_m2;
    t->released_inside_hazards_m2 = dm_poly_list_total_area(s->geo, &s->layer[L_INSIDE]);
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

typedef struct admin_job {
    const dm_spatial_set *admins;
    const dm_part_index *idx; /* L_COUNT layers */
    const dm_spatial_index *hazards, *releases;
    dm_lr_figures *groups;
} admin_job;

/* The figures of admin area a, clipped to it. Runs on any thread. */
static dm_status admin_one(size_t a, dm_geo *geo, void *ctx, dm_error *err)
{
    admin_job *j = ctx;
    GEOSContextHandle_t h = dm_geo_handle(geo);
    const GEOSGeometry *area = j->admins->geoms[a];
    dm_lr_figures *g = &j->groups[a];
    snprintf(g->key, sizeof g->key, "%s", j->admins->codes[a]);
    dm_utf8_copy(g->name, sizeof g->name, j->admins->names ? j->admins->names[a] : "");
    const GEOSPreparedGeometry *pa = GEOSPrepare_r(h, area);
    if (!pa)
        return dm_error_set(err, DM_EGEOM, "preparing admin area %s failed: %s", g->key,
                            dm_geo_last_error(geo));
    double v[L_COUNT];
    dm_status st = DM_OK;
    for (int l = 0; !st && l < L_COUNT; l++)
        st = dm_part_index_clip_area(geo, &j->idx[l], area, pa, &v[l], err);
    if (!st) {
        g->hazard_area_m2 = v[L_HAZARD];
        set_split(&g->released, &v[L_RELEASED]);
        g->remaining_area_m2 = v[L_REMAINING];
        g->recorded_area_m2 = g->released.total + g->remaining_area_m2;
        g->released_inside_hazards_m2 = v[L_INSIDE];
        st = dm_spatial_index_intersecting(geo, j->hazards, area, pa, &g->hazards, err);
    }
    if (!st)
        st = dm_spatial_index_intersecting(geo, j->releases, area, pa, &g->releases, err);
    g->hazard_count = (int64_t)g->hazards.n;
    GEOSPreparedGeom_destroy_r(h, pa);
    return st;
}

static dm_status by_admin(lr_state *s, const dm_lr_opts *o, dm_landrelease *out, dm_error *err)
{
    dm_spatial_set admins;
    dm_status st = dm_spatial_read_admin(s->store, o->include_drafts, o->admin_level, &admins,
                                         &out->admin_level, err);
    if (st)
        return st;
    /* split every figure's geometry into parts in a tree, once */
    dm_part_index idx[L_COUNT];
    memset(idx, 0, sizeof idx);
    dm_spatial_set rel;
    memset(&rel, 0, sizeof rel);
    for (int l = 0; !st && l < L_COUNT; l++)
        st = dm_part_index_build(s->geo, &s->layer[l], &idx[l], err);
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
        else
            out->ngroups = admins.n;
    }
    admin_job job = {&admins, idx, &hz_idx, &rel_idx, out->groups};
    if (!st)
        st = dm_parallel_for(admins.n, s->geo, admin_one, &job, err);
    for (int l = 0; l < L_COUNT; l++)
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

/* What one polygon of R (or of H) gives a group (a key) its releases have:
 * released m² by method (inside H for a polygon of H), and, for a polygon of
 * H, the m² released by the end of that key (for periods: what no longer
 * remains). */
typedef struct attr_entry {
    size_t key; /* index into the sorted keys */
    double released[M_COUNT];
    double lost;
} attr_entry;

typedef struct attr_part {
    attr_entry *e; /* by key, ascending */
    size_t n;
} attr_part;

typedef struct attr_job {
    const lr_state *s;
    const lr_base *b;   /* &s->rb or &s->hb */
    const size_t *rkey; /* each release's key index */
    bool timed;         /* track what is lost by the end of each key (H only) */
    attr_part *out;
} attr_job;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Polygon i of R (or H) against the releases that meet it: each m² to one
 * group, the highest method first, then the earliest key; and, for periods
 * over H, what is released by the end of each key. Runs on any thread. */
static dm_status attr_one(size_t i, dm_geo *geo, void *ctx, dm_error *err)
{
    attr_job *j = ctx;
    const lr_state *s = j->s;
    const lr_base *b = j->b;
    size_t nr = b->nrel[i];
    if (!nr)
        return DM_OK; /* untouched: nothing released, all of it remains */
    const size_t *rel = b->rel[i];
    GEOSContextHandle_t h = dm_geo_handle(geo);
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, b->u, (int)i);
    size_t *ks = malloc(nr * sizeof *ks);
    GEOSGeometry **gs = malloc(nr * sizeof *gs);
    attr_entry *e = calloc(nr, sizeof *e);
    if (!ks || !gs || !e) {
        free(ks);
        free(gs);
        free(e);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < nr; r++)
        ks[r] = j->rkey[rel[r]];
    qsort(ks, nr, sizeof *ks, cmp_size);
    size_t nk = 0;
    for (size_t r = 0; r < nr; r++)
        if (!nk || ks[nk - 1] != ks[r])
            ks[nk++] = ks[r];
    for (size_t x = 0; x < nk; x++)
        e[x].key = ks[x];
    bool one_method = true;
    for (size_t r = 1; r < nr; r++)
        one_method = one_method && s->releases[rel[r]].rank == s->releases[rel[0]].rank;
    if (b == &s->rb && nk == 1 && one_method) {
        /* a polygon of R lies inside the releases that meet it: all theirs */
        e[0].released[s->releases[rel[0]].rank] = b->area[i];
        free(ks);
        free(gs);
        j->out[i].e = e;
        j->out[i].n = 1;
        return DM_OK;
    }
    dm_status st = DM_OK;
    GEOSGeometry *covered = NULL; /* what higher ranks or earlier keys took */
    for (int m = 0; !st && m < M_COUNT; m++)
        for (size_t x = 0; !st && x < nk; x++) {
            size_t ng = 0;
            for (size_t r = 0; r < nr; r++)
                if (s->releases[rel[r]].rank == m && j->rkey[rel[r]] == ks[x])
                    gs[ng++] = s->releases[rel[r]].geom;
            if (!ng)
                continue;
            GEOSGeometry *piece = take_piece(geo, p, local_union(geo, gs, ng), &covered);
            if (!piece || !covered)
                st = DM_EGEOM;
            else
                e[x].released[m] = dm_geo_area_m2(geo, piece);
            dm_geo_destroy(geo, piece);
        }
    dm_geo_destroy(geo, covered);
    covered = NULL;
    double whole = b->area[i];
    for (size_t x = 0; !st && j->timed && x < nk; x++) {
        size_t ng = 0;
        for (size_t r = 0; r < nr; r++)
            if (j->rkey[rel[r]] == ks[x])
                gs[ng++] = s->releases[rel[r]].geom;
        cover(geo, &covered, local_union(geo, gs, ng));
        GEOSGeometry *rem = covered ? GEOSDifference_r(h, p, covered) : NULL;
        if (!rem)
            st = DM_EGEOM;
        else
            e[x].lost = whole - dm_geo_area_m2(geo, rem);
        dm_geo_destroy(geo, rem);
    }
    dm_geo_destroy(geo, covered);
    free(ks);
    free(gs);
    if (st) {
        free(e);
        return dm_error_set(err, DM_EGEOM, "land release: release overlay failed: %s",
                            dm_geo_last_error(geo));
    }
    j->out[i].e = e;
    j->out[i].n = nk;
    return DM_OK;
}

static dm_status by_attribute(lr_state *s, const dm_lr_opts *o, dm_landrelease *out, dm_error *err)
{
    /* distinct keys in order */
    typedef char keybuf[DM_GROUP_KEY_MAX];
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
            dm_utf8_copy(g->key, sizeof g->key, keys[k]);
            dm_utf8_copy(g->name, sizeof g->name, keys[k]);
        } else {
            dm_utf8_copy(g->key, sizeof g->key, keys[k]);
        }
        g->hazard_area_m2 = timed ? hazard_area : NAN;
        g->remaining_area_m2 = NAN;
        g->recorded_area_m2 = timed ? out->total.recorded_area_m2 : NAN;
        g->hazard_count = timed ? (int64_t)s->hazards.n : -1;
        for (size_t i = 0; i < s->nreleases; i++)
            if (!strcmp(s->releases[i].key, keys[k]) &&
                dm_code_list_add(&g->releases, s->releases[i].code)) {
                free(keys);
                return dm_error_set(err, DM_ENOMEM, "out of memory");
            }
    }
    /* each m² to one group: method rank first, then key order; worked out
       polygon by polygon of R (released) and of H (released inside H, and
       what remains at the end of each period) against the releases that
       meet it (compute_pieces), in parallel */
    size_t *rkey = malloc((s->nreleases ? s->nreleases : 1) * sizeof *rkey);
    double(*rel)[M_COUNT] = calloc(nkeys ? nkeys : 1, sizeof *rel);
    double *inside = calloc(nkeys ? nkeys : 1, sizeof *inside);
    double *dlost = calloc(nkeys ? nkeys : 1, sizeof *dlost);
    dm_status st =
        rkey && rel && inside && dlost ? DM_OK : dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < s->nreleases; i++) {
        const keybuf *at = bsearch(s->releases[i].key, keys, nkeys, sizeof *keys, cmp_key);
        rkey[i] = at ? (size_t)(at - keys) : 0;
    }
    for (int pass = 0; !st && pass < 2; pass++) {
        const lr_base *b = pass == 0 ? &s->rb : &s->hb;
        attr_part *parts = calloc(b->n ? b->n : 1, sizeof *parts);
        attr_job job = {s, b, rkey, timed && pass == 1, parts};
        st = parts ? dm_parallel_for(b->n, s->geo, attr_one, &job, err)
                   : dm_error_set(err, DM_ENOMEM, "out of memory");
        /* gathered in polygon order: the sums do not depend on the threads */
        for (size_t i = 0; !st && i < b->n; i++) {
            double prev = 0;
            for (size_t x = 0; x < parts[i].n; x++) {
                const attr_entry *e = &parts[i].e[x];
                for (int m = 0; m < M_COUNT; m++) {
                    if (pass == 0)
                        rel[e->key][m] += e->released[m];
                    else
                        inside[e->key] += e->released[m];
                }
                dlost[e->key] += e->lost - prev; /* lost for good from this key on */
                prev = e->lost;
            }
        }
        for (size_t i = 0; parts && i < b->n; i++)
            free(parts[i].e);
        free(parts);
    }
    double lost = 0;
    for (size_t k = 0; !st && k < nkeys; k++) {
        set_split(&out->groups[k].released, rel[k]);
        out->groups[k].released_inside_hazards_m2 = inside[k];
        lost += dlost[k];
        if (timed)
            out->groups[k].remaining_area_m2 = hazard_area - lost;
    }
    free(rel);
    free(inside);
    free(dlost);
    free(rkey);
    free(keys);
    return st;
}

/* The figures of n groupings that take the same records (opts[0]'s scope
 * and drafts) from one overlay: the unions and pieces are made once. */
static dm_status compute_shared(dm_store *store, const dm_lr_opts *opts, size_t n,
                                const dm_scope_area *area, dm_landrelease *outs, dm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        memset(&outs[i], 0, sizeof outs[i]);
        outs[i].by = opts[i].by;
        outs[i].include_drafts = opts[i].include_drafts;
    }
    for (size_t i = 1; i < n; i++)
        if (opts[i].include_drafts != opts[0].include_drafts)
            return dm_error_set(err, DM_EINVAL,
                                "land release: groupings computed together take the same records");
    if (n == 0)
        return DM_OK;
    bool drafts = opts[0].include_drafts;
    lr_state s;
    memset(&s, 0, sizeof s);
    s.store = store;
    s.geo = dm_store_geo(store);
    s.h = dm_geo_handle(s.geo);
    s.layer[L_HAZARD].borrowed = true; /* the polygons of s.hb.u */
    dm_status st = dm_spatial_read(store, &dm_kind_hazards, drafts, false, &s.hazards, err);
    if (!st && area->geom)
        st = clip_hazards(&s, area, err);
    if (!st)
        st = read_releases(&s, &opts[0], area, err);
    if (!st)
        st = compute_pieces(&s, s.hazards.geoms, s.hazards.n, false, err);
    GEOSGeometry **rg = st ? NULL : malloc((s.nreleases ? s.nreleases : 1) * sizeof *rg);
    if (!st && !rg)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < s.nreleases; i++)
        rg[i] = s.releases[i].geom;
    if (!st)
        st = compute_pieces(&s, rg, s.nreleases, true, err);
    free(rg);
    /* the groupings, each from the same unions and pieces */
    for (size_t g = 0; !st && g < n; g++) {
        dm_landrelease *out = &outs[g];
        const dm_lr_opts *o = &opts[g];
        for (size_t i = 0; i < s.nreleases; i++)
            release_key(&s.releases[i], o->by, s.releases[i].key, sizeof s.releases[i].key);
        if (fill_total(&s, out))
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
        if (!st && o->by == DM_LR_BY_ADMIN)
            st = by_admin(&s, o, out, err);
        else if (!st && o->by != DM_LR_TOTAL)
            st = by_attribute(&s, o, out, err);
    }
    state_free(&s);
    if (st)
        for (size_t i = 0; i < n; i++)
            dm_landrelease_free(&outs[i]);
    return st;
}

/* Hazards are not counted by organisation: their figures do not apply. */
static void no_hazard_figures(dm_lr_figures *f)
{
    f->hazard_area_m2 = f->remaining_area_m2 = f->recorded_area_m2 = NAN;
    f->hazard_count = -1;
    dm_code_list_free(&f->hazards);
}

/* The end-of-period figures of e (remaining, recorded, hazards) into f. */
static void take_end_figures(dm_lr_figures *f, dm_lr_figures *e)
{
    f->hazard_area_m2 = e->hazard_area_m2;
    f->remaining_area_m2 = e->remaining_area_m2;
    f->recorded_area_m2 = e->recorded_area_m2;
    f->hazard_count = e->hazard_count;
    dm_code_list tmp = f->hazards;
    f->hazards = e->hazards;
    e->hazards = tmp;
}

dm_status dm_landrelease_compute(dm_store *store, const dm_lr_opts *o, dm_landrelease *out,
                                 dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_scope_area area;
    dm_status st = dm_scope_area_open(store, &o->scope, &area, err);
    if (st)
        return st;
    st = compute_shared(store, o, 1, &area, out, err);
    /* remaining and recorded as of the end of the period: against every
       release dated up to its end */
    dm_landrelease end;
    memset(&end, 0, sizeof end);
    bool by_org = o->scope.organisation[0] || o->by == DM_LR_BY_ORGANISATION;
    bool have_end = !st && dm_scope_dated(&o->scope) && !by_org;
    if (have_end) {
        dm_lr_opts eo = *o;
        eo.scope.since[0] = '\0'; /* no until: to this day, undated releases too */
        st = compute_shared(store, &eo, 1, &area, &end, err);
    }
    if (!st && have_end) {
        take_end_figures(&out->total, &end.total);
        for (size_t i = 0; i < out->ngroups; i++) {
            dm_lr_figures *g = &out->groups[i], *e = NULL;
            for (size_t k = 0; !e && k < end.ngroups; k++)
                if (!strcmp(end.groups[k].key, g->key))
                    e = &end.groups[k];
            if (o->by == DM_LR_BY_ADMIN && e)
                take_end_figures(g, e);
            else if (o->by != DM_LR_BY_ADMIN) {
                g->hazard_area_m2 = out->total.hazard_area_m2;
                g->recorded_area_m2 = out->total.recorded_area_m2;
                g->hazard_count = out->total.hazard_count;
                g->remaining_area_m2 = e ? e->remaining_area_m2 : NAN;
            }
        }
    }
    dm_landrelease_free(&end);
    if (!st && o->scope.organisation[0]) {
        no_hazard_figures(&out->total);
        for (size_t i = 0; i < out->ngroups; i++)
            no_hazard_figures(&out->groups[i]);
    }
    if (!st) {
        out->scope = o->scope;
        snprintf(out->admin_name, sizeof out->admin_name, "%s", area.name);
    }
    dm_scope_area_free(dm_store_geo(store), &area);
    return st;
}

dm_status dm_landrelease_compute_many(dm_store *store, const dm_lr_opts *opts, size_t n,
                                      dm_landrelease *outs, dm_error *err)
{
    /* a scope brings end-of-period and organisation figures of its own:
       each grouping on its own then */
    bool scoped = false;
    for (size_t i = 0; i < n; i++)
        scoped |= dm_scope_any(&opts[i].scope);
    if (!scoped) {
        dm_scope_area none;
        memset(&none, 0, sizeof none);
        return compute_shared(store, opts, n, &none, outs, err);
    }
    for (size_t i = 0; i < n; i++)
        memset(&outs[i], 0, sizeof outs[i]);
    dm_status st = DM_OK;
    for (size_t i = 0; !st && i < n; i++)
        st = dm_landrelease_compute(store, &opts[i], &outs[i], err);
    if (st)
        for (size_t i = 0; i < n; i++)
            dm_landrelease_free(&outs[i]);
    return st;
}

/* ---- JSON ---- */

static void json_figures(dm_buf *b, const dm_lr_figures *f, bool group, bool list)
{
    if (group)
        dm_json_group_open(b, f->key, f->name);
    dm_buf_puts(b, "\"hazard_area_m2\": ");
    dm_buf_json_number(b, f->hazard_area_m2);
    dm_buf_puts(b, ", \"released_area_m2\": {\"cancelled\": ");
    dm_buf_json_number(b, f->released.cancelled);
    dm_buf_puts(b, ", \"reduced\": ");
    dm_buf_json_number(b, f->released.reduced);
    dm_buf_puts(b, ", \"cleared\": ");
    dm_buf_json_number(b, f->released.cleared);
    dm_buf_puts(b, ", \"total\": ");
    dm_buf_json_number(b, f->released.total);
    dm_buf_puts(b, "}, \"remaining_area_m2\": ");
    dm_buf_json_number(b, f->remaining_area_m2);
    dm_buf_puts(b, ", \"recorded_area_m2\": ");
    dm_buf_json_number(b, f->recorded_area_m2);
    dm_buf_puts(b, ", \"released_inside_hazards_m2\": ");
    dm_buf_json_number(b, f->released_inside_hazards_m2);
    if (f->hazard_count < 0)
        dm_buf_puts(b, ", \"hazard_count\": null");
    else
        dm_buf_printf(b, ", \"hazard_count\": %lld", (long long)f->hazard_count);
    dm_buf_printf(b, ", \"release_count\": %zu", f->releases.n);
    if (list) {
        dm_json_codes(b, "hazards", &f->hazards);
        dm_json_codes(b, "releases", &f->releases);
    }
    if (group)
        dm_buf_puts(b, "}");
}

dm_status dm_landrelease_json(const dm_landrelease *lr, bool list, dm_buf *b)
{
    static const char *const by_names[] = {"total", "admin", "year", "month", "organisation"};
    dm_buf_printf(b, "{\"by\": \"%s\", \"approved_only\": %s, ", by_names[lr->by],
                  lr->include_drafts ? "false" : "true");
    if (lr->by == DM_LR_BY_ADMIN)
        dm_buf_printf(b, "\"admin_level\": %d, ", lr->admin_level);
    dm_scope_json(b, &lr->scope, lr->admin_name);
    json_figures(b, &lr->total, false, list);
    dm_buf_puts(b, ", \"groups\": [");
    for (size_t i = 0; i < lr->ngroups; i++) {
        dm_buf_puts(b, i ? ",\n  " : "\n  ");
        json_figures(b, &lr->groups[i], true, list);
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}
