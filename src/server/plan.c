/* The planning answers: the same library calls and the same JSON as the
 * CLI's --json (the "database" member left out, the published figures file
 * named by its file name only, so that no server path is told).
 *
 *   GET /plan/priority?weights=JSON&as_of=DATE&list=true&limit=N&offset=N
 *       `demine priority --json [--list]`: every open hazard ranked, a page
 *       of them (limit 1-10000, default 100; offset from 0), number_matched
 *       and number_returned saying how many there are and came;
 *   GET /plan/settlements/{code or name}?buffer=M&teams=T&runs=N&seed=S
 *       `demine settlement plan --json`; a name several settlements have is
 *       409 with the candidates (code, name, population, admin), none 404;
 *   GET /plan/forecast?teams=T&by=admin&runs=N&seed=S&from=DATE
 *       `demine forecast DATABASE --json`.
 *
 * Who: every role that reads the collections (read: viewer and above);
 * anonymous callers are refused (401). The answers name hazards and count
 * casualties near them, but hold no personal data. Records: approved only,
 * as the statistics. The Monte Carlo is bounded (runs at most
 * DM_PLAN_RUNS_MAX), and so is the buffer around a settlement. Answers are
 * kept in the answer cache until the tables behind them change (or the day
 * does: as_of and from default to today). Each request computes on its
 * worker's own store connection; the library keeps no shared state.
 */
#include "server/internal.h"

#include "server/answers.h"

#include "analysis/forecast.h"
#include "analysis/forecast_area.h"
#include "analysis/priority.h"
#include "analysis/settlement_plan.h"
#include "core/date.h"
#include "core/utf8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DM_PLAN_NAME_MAX 200 /* characters of a settlement's code or name */

static const char settlements_prefix[] = "/plan/settlements/";

/* A computation that failed: the library's message for what the request
 * asked (400, 404), never more than that for anything else (500). */
static void failed(dm_response *r, const dm_error *err)
{
    if (err->code == DM_EINVAL)
        dm_respond_problem(r, 400, "Bad request", "%s", err->msg);
    else if (err->code == DM_ENOTFOUND)
        dm_respond_problem(r, 404, "Not found", "%s", err->msg);
    else
        dm_respond_problem(r, 500, "Internal error", "the answer could not be computed");
}

static bool bool_param(const dm_request *q, dm_response *r, const char *name, bool *out)
{
    const char *v = dm_qs_get(q->qs, name);
    *out = false;
    if (!v || !strcmp(v, "false"))
        return true;
    if (!strcmp(v, "true")) {
        *out = true;
        return true;
    }
    dm_respond_problem(r, 400, "Bad parameter", "%s=%.40s: true or false", name, v);
    return false;
}

/* teams, runs, seed and from (default: today) into rq, with the server's
 * published figures. */
static bool forecast_params(const dm_request *q, dm_response *r, bool with_from, dm_fa_request *rq)
{
    memset(rq, 0, sizeof *rq);
    const char *teams = dm_qs_get(q->qs, "teams");
    dm_error err;
    if (dm_fa_teams_parse(teams ? teams : DM_FA_TEAMS_DEFAULT, &rq->teams, &err)) {
        const char *msg = strncmp(err.msg, "--teams: ", 9) ? err.msg : err.msg + 9;
        dm_respond_problem(r, 400, "Bad teams", "teams: %s", msg);
        return false;
    }
    long runs = 10000, seed = 1;
    if (!dm_server_long_param(q, r, "runs", 1, DM_PLAN_RUNS_MAX, &runs) ||
        !dm_server_long_param(q, r, "seed", 0, 2147483647L, &seed))
        return false;
    rq->runs = (int)runs;
    rq->seed = (uint64_t)seed;
    char from[11] = "";
    if (with_from && !dm_server_date_param(q, r, "from", from))
        return false;
    dm_date d = dm_date_today();
    if (from[0])
        dm_date_parse(from, &d, NULL); /* checked above */
    rq->from = dm_fc_day(d.year, d.month, d.day);
    rq->figures = q->opts ? q->opts->figures : NULL;
    const char *slash = rq->figures ? strrchr(rq->figures, '/') : NULL;
    rq->figures_name = slash ? slash + 1 : rq->figures ? rq->figures : "published figures";
    return true;
}

static void priority(const dm_request *q, dm_response *r, const void *ctx)
{
    (void)ctx;
    static const char *const allowed[] = {"weights", "as_of", "list", "limit", "offset", "f", NULL};
    if (!dm_server_json_params(q, r, allowed))
        return;
    dm_priority_weights w;
    dm_priority_weights_default(&w);
    const char *wt = dm_qs_get(q->qs, "weights");
    dm_error err;
    if (wt && dm_priority_weights_parse(wt, strlen(wt), &w, &err)) {
        dm_respond_problem(r, 400, "Bad weights", "%s", err.msg); /* "weights: ..." */
        return;
    }
    char as_of[11];
    bool list;
    long limit = DM_PLAN_LIMIT_DEFAULT, offset = 0;
    if (!dm_server_date_param(q, r, "as_of", as_of) || !bool_param(q, r, "list", &list) ||
        !dm_server_long_param(q, r, "limit", 1, DM_PLAN_LIMIT_MAX, &limit) ||
        !dm_server_long_param(q, r, "offset", 0, 2147483647L, &offset))
        return;
    dm_priority p;
    if (dm_priority_compute(q->store, &w, as_of[0] ? as_of : NULL, list, &p, &err)) {
        failed(r, &err);
        return;
    }
    dm_priority_json(&p, &w, list, (size_t)offset, (size_t)limit, &r->body);
    dm_priority_free(&p);
}

/* 409: `what` names several settlements; the problem lists them. */
static void candidates(const dm_request *q, dm_response *r, const char *what, const dm_error *err)
{
    dm_sp_match *m;
    size_t n;
    dm_error e2;
    if (dm_settlement_matches(q->store, what, &m, &n, &e2) || n < 2) {
        free(m); /* NULL when it failed */
        failed(r, err);
        return;
    }
    dm_respond_problem(r, 409, "Several settlements", "%s", err->msg);
    dm_buf *b = &r->body;
    if (b->len >= 2 && !strcmp(b->data + b->len - 2, "}\n")) {
        b->len -= 2; /* the problem's closing brace: the candidates go in it */
        b->data[b->len] = 0;
        dm_buf_puts(b, ", \"candidates\": [");
        for (size_t i = 0; i < n; i++) {
            dm_buf_puts(b, i ? ", " : "");
            dm_sp_settlement_json(b, &m[i].s, m[i].admin_code, m[i].admin);
        }
        dm_buf_puts(b, "]}\n");
    }
    free(m);
}

static void settlement(const dm_request *q, dm_response *r, const void *ctx)
{
    (void)ctx;
    static const char *const allowed[] = {"buffer", "teams", "runs", "seed", "f", NULL};
    if (!dm_server_json_params(q, r, allowed))
        return;
    const char *what = q->path + sizeof settlements_prefix - 1;
    size_t len = strlen(what);
    if (!dm_utf8_valid(what, len, NULL) || len > 4 * DM_PLAN_NAME_MAX) {
        dm_respond_problem(r, 400, "Bad settlement",
                           "a settlement is named by its code or a name of at most %d "
                           "characters (UTF-8)",
                           DM_PLAN_NAME_MAX);
        return;
    }
    double buffer = 1000;
    const char *bv = dm_qs_get(q->qs, "buffer");
    if (bv) {
        char *end;
        buffer = strtod(bv, &end);
        if (!*bv || *end || !isfinite(buffer) || buffer < 0 || buffer > DM_PLAN_BUFFER_MAX) {
            dm_respond_problem(r, 400, "Bad buffer", "buffer=%.40s: metres from 0 to %d", bv,
                               DM_PLAN_BUFFER_MAX);
            return;
        }
    }
    dm_fa_request rq;
    if (!forecast_params(q, r, false, &rq))
        return;
    dm_sp_forecast f;
    dm_error err;
    if (dm_sp_forecast_compute(q->store, what, buffer, &rq, &f, &err)) {
        if (err.code == DM_EINVAL)
            candidates(q, r, what, &err);
        else
            failed(r, &err);
        return;
    }
    dm_settlement_plan_json(&f, NULL, &r->body);
    dm_sp_forecast_free(&f);
}

static void forecast(const dm_request *q, dm_response *r, const void *ctx)
{
    (void)ctx;
    static const char *const allowed[] = {"teams", "by", "runs", "seed", "from", "f", NULL};
    if (!dm_server_json_params(q, r, allowed))
        return;
    const char *by = dm_qs_get(q->qs, "by");
    if (by && strcmp(by, "admin")) {
        dm_respond_problem(r, 400, "Bad by", "by=%.40s: the forecast is grouped by admin only", by);
        return;
    }
    dm_fa_request rq;
    if (!forecast_params(q, r, true, &rq))
        return;
    rq.by_admin = by != NULL;
    dm_fa_forecast f;
    dm_error err;
    if (dm_fa_forecast_compute(q->store, &rq, &f, &err)) {
        failed(r, &err);
        return;
    }
    dm_fa_forecast_json(&f, NULL, &r->body);
    dm_fa_forecast_free(&f);
}

bool dm_plan_handle(const dm_request *q, dm_response *r)
{
    if (strncmp(q->path, "/plan/", 6))
        return false;
    if (!dm_server_allowed(q, r, DM_ACT_READ))
        return true;
    /* the tables each answer is made from */
    static const dm_kind *const ranked[] = {&dm_kind_hazards,        &dm_kind_accidents,
                                            &dm_kind_victims,        &dm_kind_settlements,
                                            &dm_kind_infrastructure, &dm_kind_eo_items};
    static const dm_kind *const planned[] = {&dm_kind_settlements,    &dm_kind_hazards,
                                             &dm_kind_releases,       &dm_kind_activities,
                                             &dm_kind_infrastructure, &dm_kind_admin_areas};
    static const dm_kind *const forecast_kinds[] = {&dm_kind_hazards, &dm_kind_releases,
                                                    &dm_kind_activities, &dm_kind_admin_areas};
    /* the key: today (as_of and from default to it) and the raw path and
       query; the answers are the same for every role that may have them */
    char key[DM_HTTP_MAX_URI + 64], today[11];
    dm_date_format(dm_date_today(), today);
    snprintf(key, sizeof key, "plan %s %s", today, q->uri ? q->uri : q->path);
    if (!strcmp(q->path, "/plan/priority"))
        dm_answer_cached(q, r, ranked, 6, key, priority, NULL);
    else if (!strcmp(q->path, "/plan/forecast"))
        dm_answer_cached(q, r, forecast_kinds, 4, key, forecast, NULL);
    else if (!strncmp(q->path, settlements_prefix, sizeof settlements_prefix - 1) &&
             q->path[sizeof settlements_prefix - 1])
        dm_answer_cached(q, r, planned, 6, key, settlement, NULL);
    else
        dm_respond_problem(r, 404, "Not found",
                           "nothing at %s (/plan/priority, /plan/settlements/{code or name}, "
                           "/plan/forecast)",
                           q->path);
    return true;
}
