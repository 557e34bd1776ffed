/* The JSON API for the figures the CLI prints: the same library calls and
 * the same JSON as `demine stats DATABASE ... --json`.
 *
 *   GET /stats/landrelease?by=admin|year|month|organisation&level=N&SCOPE
 *   GET /stats/items?by=category|year|admin&SCOPE
 *   GET /stats/casualties?by=DIM[,DIM]&since=DATE&until=DATE
 *
 * f=xlsx gives the same figures as the workbook of `demine stats ...
 * --xlsx` (report/stats_xlsx.h) instead of JSON.
 *
 * Published statistics are for every role, anonymous included
 * (read_statistics): approved records only, without the lists of record
 * codes. Casualty figures count people: for roles without read_personal,
 * groups of fewer than --min-cell casualties (default 3) and the groups
 * that would give them away are suppressed (analysis/casualties.h), and
 * date limits are whole years, since two exact totals a day apart would
 * give that day's casualties. Land release and EO items are not about
 * people and stay exact. SCOPE is since=DATE&until=DATE&admin=CODE&
 * organisation=NAME, as `demine stats ... --since --until --admin
 * --organisation` (analysis/scope.h); an unknown admin code is a 404.
 * Answers are kept in the answer cache until the
 * tables behind them change.
 */
#include "server/internal.h"

#include "server/answers.h"

#include "analysis/casualties.h"
#include "analysis/items.h"
#include "analysis/landrelease.h"
#include "report/stats_xlsx.h"

#include <stdlib.h>
#include <string.h>

/* The parameters, then f: json (the default) or xlsx (*xlsx set); false
 * with r filled (400) otherwise. */
static bool stats_params(const dm_request *q, dm_response *r, const char *const *allowed,
                         bool *xlsx)
{
    if (!dm_server_check_params(q, r, allowed, NULL))
        return false;
    const char *f = dm_qs_get(q->qs, "f");
    *xlsx = f && !strcmp(f, "xlsx");
    if (f && !*xlsx && strcmp(f, "json")) {
        dm_respond_problem(r, 400, "Unknown format", "f=%.20s: %s answers f=json or f=xlsx", f,
                           q->path);
        return false;
    }
    return true;
}

/* Reads since, until, admin and organisation into *sc, or answers 400. */
static bool scope_params(const dm_request *q, dm_response *r, dm_scope *sc)
{
    memset(sc, 0, sizeof *sc);
    dm_error err;
    char since[11], until[11];
    if (!dm_server_date_param(q, r, "since", since) || !dm_server_date_param(q, r, "until", until))
        return false;
    if (dm_scope_set_period(sc, since[0] ? since : NULL, until[0] ? until : NULL, "since", "until",
                            &err) ||
        dm_scope_set_where(sc, dm_qs_get(q->qs, "admin"), dm_qs_get(q->qs, "organisation"), &err)) {
        dm_respond_problem(r, 400, "Bad scope", "%s", err.msg);
        return false;
    }
    return true;
}

/* The workbook of `demine stats ... --xlsx` (report/stats_xlsx.h). */
typedef struct xlsx_call {
    const dm_landrelease *lr;
    const dm_items_stats *items;
    const dm_casualties *cas;
} xlsx_call;

static dm_status write_xlsx(const char *path, void *ctx, dm_error *err)
{
    const xlsx_call *c = ctx;
    return c->lr      ? dm_landrelease_xlsx(c->lr, path, err)
           : c->items ? dm_items_xlsx(c->items, path, err)
                      : dm_casualties_xlsx(c->cas, path, err);
}

static void xlsx_answer(dm_response *r, xlsx_call c, const char *name)
{
    dm_error err;
    dm_error_clear(&err);
    if (dm_respond_file(r, "xlsx", DM_XLSX_TYPE, write_xlsx, &c, &err)) {
        dm_respond_problem(r, 500, "Internal error", "the workbook could not be written");
        return;
    }
    snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"demine-%s.xlsx\"",
             name);
}

/* An error computing the figures: 404 for an unknown admin area, else 500. */
static void compute_failed(dm_response *r, dm_status st, const dm_error *err)
{
    if (st == DM_ENOTFOUND)
        dm_respond_problem(r, 404, "No such admin area", "%s", err->msg);
    else
        dm_respond_problem(r, 500, "Internal error", "the figures could not be computed");
}

static void landrelease(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"by",    "level",        "since", "until",
                                          "admin", "organisation", "f",     NULL};
    bool xlsx;
    if (!stats_params(q, r, allowed, &xlsx))
        return;
    dm_lr_opts o;
    memset(&o, 0, sizeof o);
    dm_error err;
    const char *by = dm_qs_get(q->qs, "by"), *level = dm_qs_get(q->qs, "level");
    if (by && dm_lr_group_by_parse(by, &o.by, &err)) {
        dm_respond_problem(r, 400, "Bad by", "%s", err.msg);
        return;
    }
    if (level) {
        char *end;
        long n = strtol(level, &end, 10);
        if (*end || end == level || n < 1 || n > 9) {
            dm_respond_problem(r, 400, "Bad level", "level=%s: an admin level from 1 to 9", level);
            return;
        }
        o.admin_level = (int)n;
    }
    if (!scope_params(q, r, &o.scope))
        return;
    dm_landrelease lr;
    dm_status st = dm_landrelease_compute(q->store, &o, &lr, &err);
    if (st) {
        compute_failed(r, st, &err);
        return;
    }
    if (xlsx)
        xlsx_answer(r, (xlsx_call){.lr = &lr}, "landrelease");
    else
        dm_landrelease_json(&lr, false, &r->body);
    dm_landrelease_free(&lr);
}

static void items(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"by",           "since", "until", "admin",
                                          "organisation", "f",     NULL};
    bool xlsx;
    if (!stats_params(q, r, allowed, &xlsx))
        return;
    dm_items_opts o;
    memset(&o, 0, sizeof o);
    dm_error err;
    const char *by = dm_qs_get(q->qs, "by");
    if (by && dm_items_group_by_parse(by, &o.by, &err)) {
        dm_respond_problem(r, 400, "Bad by", "%s", err.msg);
        return;
    }
    if (!scope_params(q, r, &o.scope))
        return;
    dm_items_stats st;
    dm_status s = dm_items_compute(q->store, &o, &st, &err);
    if (s) {
        compute_failed(r, s, &err);
        return;
    }
    if (xlsx)
        xlsx_answer(r, (xlsx_call){.items = &st}, "items");
    else
        dm_items_json(&st, false, &r->body);
    dm_items_free(&st);
}

static void casualties(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"by", "since", "until", "f", NULL};
    bool xlsx;
    if (!stats_params(q, r, allowed, &xlsx))
        return;
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    dm_error err;
    const char *by = dm_qs_get(q->qs, "by");
    if (by && dm_cas_by_parse(by, o.by, &err)) {
        dm_respond_problem(r, 400, "Bad by", "%s", err.msg);
        return;
    }
    if (!dm_server_date_param(q, r, "since", o.since) ||
        !dm_server_date_param(q, r, "until", o.until))
        return;
    if (o.since[0] && o.until[0] && strcmp(o.since, o.until) > 0) {
        dm_respond_problem(r, 400, "Bad dates", "since %s is after until %s", o.since, o.until);
        return;
    }
    o.min_cell = dm_server_min_cell(q);
    if (o.min_cell > 1 && !dm_server_whole_years(r, o.since, o.until))
        return;
    dm_casualties c;
    if (dm_casualties_compute(q->store, &o, &c, &err)) {
        dm_respond_problem(r, 500, "Internal error", "the figures could not be computed");
        return;
    }
    if (xlsx)
        xlsx_answer(r, (xlsx_call){.cas = &c}, "casualties");
    else
        dm_casualties_json(&c, &r->body);
    dm_casualties_free(&c);
}

/* Answers from the answer cache while the tables the figures are made from
 * are unchanged (their stamp); else computes them with fn and keeps them.
 * The key is the raw path and query, and for casualties the smallest group
 * the caller may see. */
typedef void (*stats_fn)(const dm_request *q, dm_response *r);

static void make_stats(const dm_request *q, dm_response *r, const void *ctx)
{
    (*(const stats_fn *)ctx)(q, r);
}

static void cached(const dm_request *q, dm_response *r, const dm_kind *const *kinds, size_t n,
                   int min_cell, stats_fn fn)
{
    char key[4200];
    snprintf(key, sizeof key, "%d %s", min_cell, q->uri ? q->uri : q->path);
    dm_answer_cached(q, r, kinds, n, key, make_stats, &fn);
}

bool dm_stats_handle(const dm_request *q, dm_response *r)
{
    if (strncmp(q->path, "/stats/", 7))
        return false;
    if (!dm_server_allowed(q, r, DM_ACT_READ_STATISTICS))
        return true;
    static const dm_kind *const land[] = {&dm_kind_hazards, &dm_kind_releases,
                                          &dm_kind_admin_areas};
    static const dm_kind *const eo[] = {&dm_kind_eo_items, &dm_kind_admin_areas};
    static const dm_kind *const cas[] = {&dm_kind_accidents, &dm_kind_victims,
                                         &dm_kind_admin_areas};
    if (!strcmp(q->path, "/stats/landrelease"))
        cached(q, r, land, 3, 0, landrelease);
    else if (!strcmp(q->path, "/stats/items"))
        cached(q, r, eo, 2, 0, items);
    else if (!strcmp(q->path, "/stats/casualties"))
        cached(q, r, cas, 3, dm_server_min_cell(q), casualties);
    else
        return false;
    return true;
}
