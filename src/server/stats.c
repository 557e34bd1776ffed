/* The JSON API for the figures the CLI prints: the same library calls and
 * the same JSON as `demine stats DATABASE ... --json`.
 *
 *   GET /stats/landrelease?by=admin|year|month|organisation&level=N&SCOPE
 *   GET /stats/items?by=category|year|admin&SCOPE
 *   GET /stats/casualties?by=DIM[,DIM]&since=DATE&until=DATE
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

#include <stdlib.h>
#include <string.h>

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
    if (!dm_server_json_params(q, r, allowed))
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
    dm_landrelease_json(&lr, false, &r->body);
    dm_landrelease_free(&lr);
}

static void items(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"by",           "since", "until", "admin",
                                          "organisation", "f",     NULL};
    if (!dm_server_json_params(q, r, allowed))
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
    dm_items_json(&st, false, &r->body);
    dm_items_free(&st);
}

/* The smallest group of casualties q's caller may see: 0 (exact) for roles
 * that read personal data, else the server's --min-cell. */
static int min_cell_for(const dm_request *q)
{
    if (dm_authz_allowed(q->role, DM_ACT_READ_PERSONAL, NULL, q->pub, NULL))
        return 0;
    return q->opts && q->opts->min_cell > 0 ? q->opts->min_cell : 3;
}

/* Without the right to personal data, date limits are whole years. */
static bool whole_year(dm_response *r, const char *name, const char *date, const char *day)
{
    if (!date[0] || !strcmp(date + 4, day))
        return true;
    dm_respond_problem(r, 400, "Bad date",
                       "%s=%s: casualty figures without the right to personal data take whole "
                       "years (since=YYYY-01-01, until=YYYY-12-31), so that no two answers "
                       "differ by a few days' casualties",
                       name, date);
    return false;
}

static void casualties(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"by", "since", "until", "f", NULL};
    if (!dm_server_json_params(q, r, allowed))
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
    o.min_cell = min_cell_for(q);
    if (o.min_cell > 1 &&
        (!whole_year(r, "since", o.since, "-01-01") || !whole_year(r, "until", o.until, "-12-31")))
        return;
    dm_casualties c;
    if (dm_casualties_compute(q->store, &o, &c, &err)) {
        dm_respond_problem(r, 500, "Internal error", "the figures could not be computed");
        return;
    }
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
        cached(q, r, cas, 3, min_cell_for(q), casualties);
    else
        return false;
    return true;
}
