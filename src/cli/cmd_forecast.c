#include "analysis/forecast.h"
#include "analysis/forecast_area.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/date.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "demine forecast DATABASE [--teams manual=12,mechanical=3,mdd=4] [--by admin] [--json]\n"
    "                [--from DATE] [--figures FILE.csv] [--drafts] [--runs N] [--seed S]\n"
    "demine forecast --history SERIES.csv [--backtest] [--horizon MONTHS] [--json]\n"
    "                [--runs N] [--seed S]";

static void help(void)
{
    printf("usage: %s\n\n"
           "With DATABASE: when the remaining hazard area (area(H - R), in all and with\n"
           "--by admin per admin area) will be released by a team configuration (--teams,\n"
           "default manual=12,mechanical=3,mdd=4: assets manual, mechanical, mdd), and at\n"
           "what cost, as P10/P50/P90 of a Monte Carlo (--runs, 10000; --seed, 1) from\n"
           "--from (today). Productivity per asset (m2 per team-day) is learned from the\n"
           "completed activities in the database when there are at least 10 of an asset\n"
           "and operation (technical survey, clearance), else taken from the published\n"
           "figures (--figures, data/aze/productivity_and_cost.csv), each cited. The\n"
           "release mix (cancelled, reduced, cleared) is learned from the releases that\n"
           "name their hazard (at least 10 hazards), else the Landmine Monitor 2023 shares.\n"
           "Cost per m2 cleared comes from the published figures, or is not computed.\n"
           "Every run prints what the forecast assumes. With --by admin an admin area's\n"
           "figures are those of all the teams working there alone; the remaining area\n"
           "outside every admin polygon is a group of its own. The model is in\n"
           "docs/ARCHITECTURE.md (Forecast).\n\n"
           "With --history: forecasts the cumulative released area (hectares) of a published "
           "series as\n"
           "P10/P50/P90 and, with --backtest, checks the forecasting against what happened.\n"
           "SERIES.csv is either a user's series (period_start,period_end,hectares: periods\n"
           "in order, without gaps or overlaps) or published reports (report_date,\n"
           "period_start,period_end,scope,hectares_cleared,...: data/aze/\n"
           "aze_clearance_reports.csv); the rules that settle contradictions between reports\n"
           "are in docs/ARCHITECTURE.md, and every row not used is listed with its reason.\n"
           "The model: a straight-line trend of the monthly rate fitted on the 24 months\n"
           "before the cut, its spread from the data, Monte Carlo over --runs (10000) runs\n"
           "from --seed (1). Without --backtest: the forecast 3, 6 and 12 months (up to\n"
           "--horizon, 12) after the last cumulative figure.\n"
           "--backtest: cut dates on the first day of each quarter; at each, a fit on what\n"
           "was published before it forecasts the cumulative figures published 3, 6 and 12\n"
           "months on and, from 1 January, that year's total; coverage of P10-P90 and the\n"
           "median absolute errors beside two naive forecasts (the last 12 months' rate\n"
           "repeated; the mean monthly rate to date).\n",
           usage);
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static void print_rejects(const dm_history *h)
{
    printf("\nRows not used (%zu of %zu):\n", h->nrejects, h->rows);
    for (size_t i = 0; i < h->nrejects; i++)
        printf("  row %-4zu %s\n", h->rejects[i].row, h->rejects[i].reason);
}

static int forecast_ahead(const dm_history *h, int horizon, int runs, unsigned long long seed,
                          bool json)
{
    dm_error err;
    dm_error_clear(&err);
    int cut = h->points[h->npoints - 1].day + 1;
    for (size_t i = 0; i < h->npoints; i++)
        if (h->points[i].published >= cut)
            cut = h->points[i].published + 1;
    dm_fc_model m;
    if (dm_fc_fit(h, cut, &m, &err))
        return cli_fail(&err);
    int hs[4] = {3, 6, 12, horizon}, nh = 0;
    int list[4];
    for (int i = 0; i < 3; i++)
        if (hs[i] <= horizon)
            list[nh++] = hs[i];
    if (horizon != 3 && horizon != 6 && horizon != 12)
        list[nh++] = horizon;
    dm_buf b;
    dm_buf_init(&b, 0);
    char d[11];
    dm_fc_day_format(m.anchor_day, d);
    if (json) {
        dm_buf_puts(&b, "{\"history\":");
        dm_history_json(h, &b);
        dm_buf_printf(&b,
                      ",\"model\":{\"rate_ha_per_month\":%.3f,\"trend_ha_per_month2\":%.3f,"
                      "\"sigma_ha_per_month\":%.3f,\"observations\":%d},\"from\":{\"date\":\"%s\","
                      "\"cumulative_ha\":",
                      m.a, m.b, m.sigma, m.nobs, d);
        dm_buf_json_number(&b, m.anchor_ha);
        dm_buf_puts(&b, "},\"forecast\":[");
    } else
        printf("From %.1f ha at %s; monthly rate %.1f ha (trend %+.1f ha/month per month, spread "
               "%.1f), %d observations\n\n%-12s %12s %12s %12s\n",
               m.anchor_ha, d, m.a, m.b, m.sigma, m.nobs, "date", "P10 ha", "P50 ha", "P90 ha");
    for (int k = 0; k < nh; k++) {
        int y, mo, dd;
        (void)y;
        (void)mo;
        (void)dd;
        int target = m.anchor_day + (int)lround(list[k] * DM_FC_MONTH_DAYS);
        dm_fc_quantiles q;
        if (dm_fc_simulate(&m, -1, target, runs, seed, &q, &err)) {
            dm_buf_free(&b);
            return cli_fail(&err);
        }
        dm_fc_day_format(target, d);
        if (json) {
            dm_buf_printf(&b, "%s{\"months\":%d,\"date\":\"%s\",\"p10\":", k ? "," : "", list[k],
                          d);
            dm_buf_json_number(&b, q.p10);
            dm_buf_puts(&b, ",\"p50\":");
            dm_buf_json_number(&b, q.p50);
            dm_buf_puts(&b, ",\"p90\":");
            dm_buf_json_number(&b, q.p90);
            dm_buf_puts(&b, "}");
        } else
            printf("%-12s %12.1f %12.1f %12.1f\n", d, q.p10, q.p50, q.p90);
    }
    int rc = EXIT_DONE;
    if (json) {
        dm_buf_puts(&b, "]}\n");
        if (b.status || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
    } else
        print_rejects(h);
    dm_buf_free(&b);
    return rc;
}

static int backtest(const dm_history *h, int horizon, int runs, unsigned long long seed, bool json)
{
    dm_error err;
    dm_error_clear(&err);
    dm_backtest bt;
    if (dm_backtest_run(h, horizon, runs, seed, &bt, &err))
        return cli_fail(&err);
    int rc = EXIT_DONE;
    if (json) {
        dm_buf b;
        dm_buf_init(&b, 0);
        if (dm_backtest_json(h, &bt, &b) || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
        dm_buf_free(&b);
    } else {
        char d[11];
        printf("Backtest: %zu cumulative figures, %zu period figures, %zu annual totals used; "
               "%zu rows not used\nCut dates:",
               h->npoints, h->nperiods, h->nannual, h->nrejects);
        for (size_t i = 0; i < bt.ncuts; i++) {
            dm_fc_day_format(bt.cuts[i], d);
            printf(" %s", d);
        }
        printf("\n\n%-14s %4s %9s %14s %14s %14s\n", "horizon", "n", "P10-P90", "model",
               "last 12 mo.", "mean to date");
        printf("%-14s %4s %9s %14s %14s %14s\n", "", "", "coverage", "median |err|", "median |err|",
               "median |err|");
        for (size_t i = 0; i < bt.nsummary; i++) {
            const dm_bt_summary *s = &bt.summary[i];
            char hz[32];
            if (s->horizon > 0)
                snprintf(hz, sizeof hz, "%d months", s->horizon);
            else
                snprintf(hz, sizeof hz, "%s", s->horizon == 0 ? "calendar year" : "all");
            printf("%-14s %4d %8.0f%% %11.0f ha %11.0f ha %11.0f ha\n", hz, s->n, 100 * s->coverage,
                   s->mae_model, s->mae_last12, s->mae_mean);
        }
        printf("\n%-11s %-8s %-11s %10s %10s %10s %10s %10s %10s\n", "cut", "horizon", "target",
               "actual", "P10", "P50", "P90", "last12", "mean");
        for (size_t i = 0; i < bt.ncases; i++) {
            const dm_bt_case *c = &bt.cases[i];
            char cd[11], td[11], hz[16];
            dm_fc_day_format(c->cut, cd);
            dm_fc_day_format(c->horizon ? c->target : c->target - 1, td);
            if (c->horizon)
                snprintf(hz, sizeof hz, "%d mo", c->horizon);
            else
                snprintf(hz, sizeof hz, "year");
            printf("%-11s %-8s %-11s %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f%s\n", cd, hz, td,
                   c->actual, c->q.p10, c->q.p50, c->q.p90, c->naive_last12, c->naive_mean,
                   c->q.p10 <= c->actual && c->actual <= c->q.p90 ? "" : "  (outside)");
        }
        print_rejects(h);
    }
    dm_backtest_free(&bt);
    return rc;
}

static void text_row(const char *key, const dm_fa_outlook *r)
{
    printf("%-24.24s %14.0f %8.0f %8.0f %8.0f  %s %s %s", key, r->area_m2, r->days.p10, r->days.p50,
           r->days.p90, r->done[0], r->done[1], r->done[2]);
    if (isnan(r->cost.p50))
        printf("  %s\n", "-");
    else
        printf("  %.3g %.3g %.3g\n", r->cost.p10 / 1e6, r->cost.p50 / 1e6, r->cost.p90 / 1e6);
}

static void text_out(const char *path, const dm_fa_forecast *f)
{
    const dm_fa_model *m = &f->basis.model;
    const dm_fa_defaults *d = &f->basis.defaults;
    const dm_fa_teams *teams = &f->rq.teams;
    char fromd[11];
    dm_fc_day_format(f->rq.from, fromd);
    printf("Forecast for %s from %s: teams manual %d, mechanical %d, mdd %d; %d runs, "
           "seed %llu\n\nProductivity, m2 per team-day (%zu completed activities used, %zu "
           "not usable):\n",
           path, fromd, teams->n[DM_FA_MANUAL], teams->n[DM_FA_MECHANICAL], teams->n[DM_FA_MDD],
           f->rq.runs, (unsigned long long)f->rq.seed, f->basis.history.nacts,
           f->basis.history.skipped);
    for (int a = 0; a < DM_FA_NASSETS; a++)
        for (int o = DM_FA_NOPS - 1; o >= 0; o--) {
            const dm_fa_prod *p = &m->prod[a][o];
            printf("  %-10s %-17s ", dm_fa_asset_names[a], dm_fa_op_names[o]);
            if (p->source == DM_FA_SRC_DATABASE)
                printf("database, %d activities: mean %.0f (single activities P10 %.0f, P90 "
                       "%.0f)\n",
                       p->n, p->mean, p->p10, p->p90);
            else if (p->source == DM_FA_SRC_DEFAULT)
                printf("default %.0f-%.0f (%d activities in the database): \"%s\" %g-%g %s%s, "
                       "%s\n",
                       p->low, p->high, p->n, d->prod[a].quantity, d->prod[a].low, d->prod[a].high,
                       d->prod[a].unit, a == DM_FA_MANUAL ? " x 10 deminers a team" : "",
                       d->prod[a].url);
            else if (p->source == DM_FA_SRC_AS_CLEARANCE)
                printf("as its clearance (%d activities in the database)\n", p->n);
            else
                printf("none (%d activities in the database, no default)\n", p->n);
        }
    if (m->mix_source == DM_FA_SRC_DATABASE)
        printf("\nRelease mix: database, %d hazards: cancelled %.0f%%, reduced %.0f%%, "
               "cleared %.0f%% (P10-P90 cleared %.0f-%.0f%%)\n",
               m->mix_hazards, 100 * m->mix[0], 100 * m->mix[1], 100 * m->mix[2],
               100 * m->mix_q[2][0], 100 * m->mix_q[2][2]);
    else
        printf("\nRelease mix: default (%d hazards with releases naming them in the "
               "database): cancelled %.1f%%, reduced %.1f%%, cleared %.1f%%, Landmine "
               "Monitor 2023, %s\n",
               m->mix_hazards, 100 * m->mix[0], 100 * m->mix[1], 100 * m->mix[2],
               d->mix.found ? d->mix.url : DM_FA_DEFAULT_MIX_URL);
    if (m->cost_known)
        printf("Cost: \"%s\" %g-%g %s, %s\n", d->cost.quantity, d->cost.low, d->cost.high,
               d->cost.unit, d->cost.url);
    else
        printf("Cost: cannot be computed: %s\n", m->cost_why);
    printf("\n%-24s %14s %8s %8s %8s  %-32s  %s\n", "area", "remaining m2", "days P10", "P50",
           "P90", "done P10 P50 P90", "cost P10 P50 P90 (million USD)");
    text_row("all", &f->total);
    for (size_t i = 0; f->rq.by_admin && i < f->lr.ngroups; i++) {
        char key[300];
        snprintf(key, sizeof key, "%s %s", f->lr.groups[i].key, f->lr.groups[i].name);
        dm_fa_outlook r;
        dm_fa_outlook_of(m, f->rq.from, f->lr.groups[i].remaining_area_m2, &r);
        text_row(key, &r);
    }
    if (f->rq.by_admin && f->outside_m2 > 1) {
        dm_fa_outlook r;
        dm_fa_outlook_of(m, f->rq.from, f->outside_m2, &r);
        text_row("outside every admin area", &r);
    }
    printf("\nAssumptions:\n");
    for (int i = 0; i < m->nassumptions; i++)
        printf("  - %s\n", m->assumptions[i]);
}

static int forecast_db(const char *path, const dm_fa_request *rq, bool json)
{
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(path, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_fa_forecast f;
    dm_status st = dm_fa_forecast_compute(store, rq, &f, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    int rc = EXIT_DONE;
    if (json) {
        dm_buf b;
        dm_buf_init(&b, 0);
        if (dm_fa_forecast_json(&f, path, &b) || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
        dm_buf_free(&b);
    } else
        text_out(path, &f);
    dm_fa_forecast_free(&f);
    return rc;
}

int cmd_forecast(int argc, char **argv)
{
    const char *history = NULL, *db = NULL, *teams_arg = NULL, *by = NULL, *from_arg = NULL;
    const char *figures = NULL;
    bool bt = false, json = false, drafts = false, horizon_set = false;
    long horizon = 12, runs = 10000, seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--history") && i + 1 < argc)
            history = argv[++i];
        else if (!strcmp(argv[i], "--teams") && i + 1 < argc)
            teams_arg = argv[++i];
        else if (!strcmp(argv[i], "--by") && i + 1 < argc)
            by = argv[++i];
        else if (!strcmp(argv[i], "--from") && i + 1 < argc)
            from_arg = argv[++i];
        else if (!strcmp(argv[i], "--figures") && i + 1 < argc)
            figures = argv[++i];
        else if (!strcmp(argv[i], "--drafts"))
            drafts = true;
        else if (argv[i][0] != '-' && !db)
            db = argv[i];
        else if (!strcmp(argv[i], "--backtest"))
            bt = true;
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--horizon") && i + 1 < argc) {
            if (!parse_int(argv[++i], 1, 120, &horizon))
                return cli_usage(usage, "--horizon takes months, 1 to 120");
            horizon_set = true;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            if (!parse_int(argv[++i], 1, 10000000, &runs))
                return cli_usage(usage, "--runs takes a whole number, 1 to 10000000");
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (!parse_int(argv[++i], 0, 2147483647L, &seed))
                return cli_usage(usage, "--seed takes a whole number, 0 or more");
        } else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    if (db && history)
        return cli_usage(usage, "either DATABASE or --history SERIES.csv, not both");
    if (db) {
        if (bt || horizon_set)
            return cli_usage(usage, "--backtest and --horizon go with --history SERIES.csv");
        if (by && strcmp(by, "admin"))
            return cli_usage(usage, "--by takes admin");
        dm_fa_teams teams;
        dm_error err;
        dm_error_clear(&err);
        if (dm_fa_teams_parse(teams_arg ? teams_arg : DM_FA_TEAMS_DEFAULT, &teams, &err))
            return cli_usage(usage, "%s", err.msg);
        int from;
        if (from_arg) {
            dm_date dd;
            if (dm_date_parse(from_arg, &dd, &err))
                return cli_usage(usage, "--from: %s", err.msg);
            from = dm_fc_day(dd.year, dd.month, dd.day);
        } else {
            dm_date t = dm_date_today();
            from = dm_fc_day(t.year, t.month, t.day);
        }
        char fig[1100];
        cli_figures_path(figures, fig, sizeof fig);
        dm_fa_request rq = {.teams = teams,
                            .runs = (int)runs,
                            .seed = (uint64_t)seed,
                            .from = from,
                            .by_admin = by != NULL,
                            .include_drafts = drafts,
                            .figures = fig};
        return forecast_db(db, &rq, json);
    }
    if (teams_arg || by || from_arg || figures || drafts)
        return cli_usage(usage, "--teams, --by, --from, --figures and --drafts go with DATABASE");
    if (!history)
        return cli_usage(usage, "DATABASE or --history SERIES.csv is needed");
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    if (dm_history_read(history, &h, &err))
        return cli_fail(&err);
    int rc;
    if (h.npoints == 0) {
        dm_error_set(&err, DM_EINVAL, "%s: no cumulative figure could be used", history);
        rc = cli_fail(&err);
    } else if (bt)
        rc = backtest(&h, (int)horizon, (int)runs, (unsigned long long)seed, json);
    else
        rc = forecast_ahead(&h, (int)horizon, (int)runs, (unsigned long long)seed, json);
    dm_history_free(&h);
    return rc;
}
