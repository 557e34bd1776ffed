/* The reports of `demine report` and `demine chart` as documents:
 *
 *   GET /reports/monthly?month=YYYY-MM&lang=L                 application/pdf
 *   GET /reports/factsheet?since=DATE&until=DATE&lang=L       application/pdf
 *   GET /reports/hazards/{code}?lang=L                        application/pdf
 *   GET /reports/chart/casualties?by=month|year&since=DATE&until=DATE
 *                                &format=svg|png|pdf&lang=L   the chart
 *
 * The same library calls as the command line (report/report.h), approved
 * records only, the report's date today (UTC), lang en unless given (any
 * language with a translation file reports.LANG.json). Each answer names a
 * file to save it as (Content-Disposition: attachment).
 *
 * Who gets what (the role matrix, authz.h):
 *   factsheet, chart  read_statistics (every role, anonymous included), as
 *                     the published statistics; the factsheet's map shows
 *                     the hazards, so it also needs them readable (they
 *                     are public by default)
 *   monthly           read (viewer and up): it maps the month's accidents
 *                     and lists the data-quality warnings of every
 *                     collection, which the public does not read
 *   hazard sheet      read of the hazards, items, activities, releases and
 *                     read_minefield_records (analyst, approver, admin): it
 *                     holds the detailed record, its turning points, its
 *                     minefield records and their predicted mines
 * Casualty figures in the reports follow /stats/casualties: for roles
 * without read_personal, groups of fewer than --min-cell casualties and
 * the groups that would give them away are printed as suppressed (the
 * report says why), and the factsheet's and the chart's dates are whole
 * years. No report holds personal data. Reports are kept in the answer
 * cache until a table changes or the day does, exact and suppressed ones
 * apart.
 */
#include "server/internal.h"

#include "server/answers.h"

#include "analysis/casualties.h"
#include "core/date.h"
#include "report/i18n.h"
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dm_server_min_cell(const dm_request *q)
{
    if (dm_authz_allowed(q->role, DM_ACT_READ_PERSONAL, NULL, q->pub, NULL))
        return 0;
    return q->opts && q->opts->min_cell > 0 ? q->opts->min_cell : 3;
}

bool dm_server_whole_years(dm_response *r, const char *since, const char *until)
{
    const char *name = NULL, *date = NULL;
    if (since[0] && strcmp(since + 4, "-01-01"))
        name = "since", date = since;
    else if (until[0] && strcmp(until + 4, "-12-31"))
        name = "until", date = until;
    if (!name)
        return true;
    dm_respond_problem(r, 400, "Bad date",
                       "%s=%s: casualty figures without the right to personal data take whole "
                       "years (since=YYYY-01-01, until=YYYY-12-31), so that no two answers "
                       "differ by a few days' casualties",
                       name, date);
    return false;
}

/* ---- answers made as files ---- */

static bool read_whole(const char *path, dm_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0;
    if (ok) {
        dm_buf_free(b);
        dm_buf_init(b, (size_t)sb.st_size + 1);
    }
    char chunk[65536];
    ssize_t n;
    while (ok && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ok = false;
        else
            dm_buf_append(b, chunk, (size_t)n);
    }
    close(fd);
    return ok && !b->status;
}

dm_status dm_respond_file(dm_response *r, const char *ext, const char *content_type,
                          dm_file_writer write, void *ctx, dm_error *err)
{
    const char *tmpdir = getenv("TMPDIR");
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/demine-answer-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir))
        return dm_error_set(err, DM_EIO, "cannot make a temporary folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/answer.%s", dir, ext);
    dm_status st = write(path, ctx, err);
    if (!st && !read_whole(path, &r->body))
        st = dm_error_set(err, DM_EIO, "cannot read back the document");
    unlink(path);
    rmdir(dir);
    if (!st) {
        r->status = 200;
        r->content_type = content_type;
    }
    return st;
}

/* ---- the reports ---- */

typedef enum { REP_MONTHLY, REP_FACTSHEET, REP_HAZARD, REP_CHART } rep_kind;

typedef struct rep_call {
    rep_kind kind;
    dm_report_opts o;
    dm_store *store;
    const char *code; /* the hazard's */
    dm_cas_dim by;    /* the chart's */
} rep_call;

static dm_status write_report(const char *path, void *ctx, dm_error *err)
{
    rep_call *c = ctx;
    c->o.out = path;
    switch (c->kind) {
    case REP_MONTHLY: return dm_report_monthly(c->store, &c->o, err);
    case REP_FACTSHEET: return dm_report_factsheet(c->store, &c->o, err);
    case REP_HAZARD: return dm_report_hazard(c->store, &c->o, c->code, err);
    default: return dm_report_chart_casualties(c->store, &c->o, c->by, err);
    }
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* lang=: "en" when absent; 400 (false) unless it has a complete
 * translation file. */
static bool lang_param(const dm_request *q, dm_response *r, const char *dir, const char **lang)
{
    *lang = dm_qs_get(q->qs, "lang");
    if (!*lang)
        *lang = "en";
    dm_i18n *t;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_i18n_load(dir, *lang, &t, &err);
    if (!st) {
        dm_i18n_free(t);
        return true;
    }
    char have[200];
    dm_i18n_languages(dir, have, sizeof have);
    if (st == DM_EINVAL || st == DM_ENOTFOUND) /* the message without the server's paths */
        dm_respond_problem(r, 400, "Bad lang", "lang=%.20s: %s; the reports are in %s", *lang,
                           st == DM_EINVAL ? "a language code is 2 or 3 lowercase letters"
                                           : "there is no translation for this language",
                           have);
    else
        dm_respond_problem(r, 500, "Internal error", "the translation for %.20s is incomplete",
                           *lang);
    return false;
}

/* A file name made of letters, digits, '.', '_' and '-' only. */
static void safe_name(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            *s = '_';
}

typedef struct rep_request {
    rep_kind kind;
    const char *code;
} rep_request;

/* Makes the report (the answer cache calls it when it holds none). */
static void make_report(const dm_request *q, dm_response *r, const void *ctx)
{
    const rep_request *rq = ctx;
    rep_call c;
    memset(&c, 0, sizeof c);
    c.kind = rq->kind;
    c.code = rq->code;
    c.store = q->store;
    c.o.i18n_dir = q->opts->i18n_dir ? q->opts->i18n_dir : "data/i18n";
    c.o.source = base_name(q->opts->location ? q->opts->location : "");
    /* the hazard sheet counts no casualties: nothing to suppress, nothing to say */
    c.o.min_cell = c.kind == REP_HAZARD ? 0 : dm_server_min_cell(q);
    c.by = DM_CAS_MONTH;
    const char *format = "pdf";
    char name[160];
    if (!lang_param(q, r, c.o.i18n_dir, &c.o.lang))
        return;
    dm_error err;
    dm_error_clear(&err);
    if (c.kind == REP_MONTHLY) {
        const char *month = dm_qs_get(q->qs, "month");
        if (!month) {
            dm_respond_problem(r, 400, "Missing month", "month=YYYY-MM is needed");
            return;
        }
        if (dm_report_month_parse(month, c.o.month, &err)) {
            dm_respond_problem(r, 400, "Bad month", "month=%.20s: %s", month, err.msg);
            return;
        }
        snprintf(name, sizeof name, "demine-monthly-%s-%s.pdf", c.o.month, c.o.lang);
    } else if (c.kind == REP_HAZARD) {
        snprintf(name, sizeof name, "demine-hazard-%.60s-%s.pdf", c.code, c.o.lang);
    } else {
        if (!dm_server_date_param(q, r, "since", c.o.since) ||
            !dm_server_date_param(q, r, "until", c.o.until))
            return;
        if (c.o.since[0] && c.o.until[0] && strcmp(c.o.since, c.o.until) > 0) {
            dm_respond_problem(r, 400, "Bad dates", "since %s is after until %s", c.o.since,
                               c.o.until);
            return;
        }
        if (c.o.min_cell > 1 && !dm_server_whole_years(r, c.o.since, c.o.until))
            return;
        if (c.kind == REP_FACTSHEET) {
            snprintf(name, sizeof name, "demine-factsheet%s%s-%s.pdf", c.o.since[0] ? "-" : "",
                     c.o.since, c.o.lang);
        } else {
            const char *by = dm_qs_get(q->qs, "by");
            if (by && !strcmp(by, "year"))
                c.by = DM_CAS_YEAR;
            else if (by && strcmp(by, "month")) {
                dm_respond_problem(r, 400, "Bad by", "by=%.20s: month or year", by);
                return;
            }
            const char *f = dm_qs_get(q->qs, "format");
            if (f && strcmp(f, "svg") && strcmp(f, "png") && strcmp(f, "pdf")) {
                dm_respond_problem(r, 400, "Bad format", "format=%.20s: svg, png or pdf", f);
                return;
            }
            format = f ? f : "svg";
            snprintf(name, sizeof name, "demine-casualties-by-%s%s%s-%s.%s",
                     c.by == DM_CAS_YEAR ? "year" : "month", c.o.since[0] ? "-" : "", c.o.since,
                     c.o.lang, format);
        }
    }
    const char *ctype = !strcmp(format, "svg")   ? "image/svg+xml"
                        : !strcmp(format, "png") ? "image/png"
                                                 : "application/pdf";
    dm_status st = dm_respond_file(r, format, ctype, write_report, &c, &err);
    if (st == DM_ENOTFOUND && c.kind == REP_HAZARD)
        dm_respond_problem(r, 404, "Not found", "no approved hazardous area %.60s", c.code);
    else if (st == DM_EINVAL)
        dm_respond_problem(r, 400, "Bad request", "%s", err.msg);
    else if (st)
        dm_respond_problem(r, 500, "Internal error", "the report could not be made");
    else {
        safe_name(name);
        snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"", name);
    }
}

bool dm_reports_handle(const dm_request *q, dm_response *r)
{
    if (strncmp(q->path, "/reports/", 9))
        return false;
    const char *p = q->path + 9;
    rep_request rq = {REP_MONTHLY, NULL};
    static const char *const monthly[] = {"month", "lang", NULL};
    static const char *const facts[] = {"since", "until", "lang", NULL};
    static const char *const hazard[] = {"lang", NULL};
    static const char *const chart[] = {"by", "since", "until", "format", "lang", NULL};
    static const struct {
        const char *path;
        rep_kind kind;
        dm_action action;
        const char *const *allowed;
    } reports[] = {{"monthly", REP_MONTHLY, DM_ACT_READ, monthly},
                   {"factsheet", REP_FACTSHEET, DM_ACT_READ_STATISTICS, facts},
                   {"chart/casualties", REP_CHART, DM_ACT_READ_STATISTICS, chart}};
    const char *const *allowed = NULL;
    for (size_t i = 0; i < sizeof reports / sizeof reports[0] && !allowed; i++)
        if (!strcmp(p, reports[i].path)) {
            rq.kind = reports[i].kind;
            allowed = reports[i].allowed;
            if (!dm_server_allowed(q, r, reports[i].action))
                return true;
        }
    if (allowed) {
        if (rq.kind == REP_FACTSHEET &&
            !dm_authz_allowed(q->role, DM_ACT_READ, &dm_kind_hazards, q->pub, NULL)) {
            dm_respond_denied(q, r,
                              "the factsheet's map shows the hazards, which this role does "
                              "not read here");
            return true;
        }
    } else if (!strncmp(p, "hazards/", 8) && p[8] && !strchr(p + 8, '/')) {
        rq.kind = REP_HAZARD;
        rq.code = p + 8;
        allowed = hazard;
        static const dm_kind *const needed[] = {&dm_kind_hazards, &dm_kind_eo_items,
                                                &dm_kind_activities, &dm_kind_releases,
                                                &dm_kind_minefield_records};
        char reason[DM_AUTHZ_REASON_MAX];
        for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
            if (!dm_authz_allowed(q->role, DM_ACT_READ, needed[i], q->pub, reason)) {
                dm_respond_denied(q, r, reason);
                return true;
            }
    } else {
        dm_respond_problem(r, 404, "Not found",
                           "no report %s: monthly, factsheet, hazards/{code}, chart/casualties",
                           q->path);
        return true;
    }
    if (!dm_server_check_params(q, r, allowed, NULL))
        return true;
    /* kept until a table changes, per day (the report's date), apart for
       exact and suppressed figures */
    const dm_kind *kinds[64];
    size_t n = 0;
    for (size_t i = 0; i < dm_kind_count() && n < 64; i++)
        if (dm_kind_at(i)->table)
            kinds[n++] = dm_kind_at(i);
    char today[11], key[4300];
    dm_date_format(dm_date_today(), today);
    snprintf(key, sizeof key, "report %d %s %s", dm_server_min_cell(q), today,
             q->uri ? q->uri : q->path);
    dm_answer_cached(q, r, kinds, n, key, make_report, &rq);
    return true;
}
