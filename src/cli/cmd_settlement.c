#include "analysis/forecast.h"
#include "analysis/forecast_area.h"
#include "analysis/settlement_plan.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/date.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "demine settlement plan DATABASE GEONAMEID|CODE|NAME [--buffer METRES] [--teams "
    "manual=12,mechanical=3,mdd=4]\n"
    "                       [--json] [--runs N] [--seed S]";

static void help(void)
{
    printf("usage: %s\n\n"
           "plan: what blocks a settlement and its way in, the area to release, and the time\n"
           "and cost with their spread. The settlement is given by its code (the GeoNames id)\n"
           "or its name (exact, case-insensitive; several matches are listed). Listed: the\n"
           "open approved hazards within --buffer metres (1000) of it, geodesic, to the\n"
           "hazard's edge, and the hazards within 100 m of a road record that reaches into\n"
           "the buffer (up to 3 buffers away), each with its remaining area (its area less\n"
           "the approved releases on it). The total remaining area is forecast as\n"
           "`demine forecast` does (--teams, --runs 10000, --seed 1; learned productivity\n"
           "and release mix or cited defaults): the expected cancelled, reduced and cleared\n"
           "area, team-days, completion dates from today and cost as P10/P50/P90.\n",
           usage);
}

static const char *const mix_names[3] = {"cancelled", "reduced", "cleared"};

static void text_out(const dm_sp_forecast *f)
{
    const dm_settlement_plan *p = &f->plan;
    const dm_sp_settlement *s = &p->settlement;
    const dm_fa_model *m = &f->basis.model;
    const dm_fa_teams *teams = &f->rq.teams;
    const dm_fa_q *days = &f->outlook.days, *cost = &f->outlook.cost;
    printf("Settlement %s %s (population ", s->code, s->name);
    if (s->population >= 0)
        printf("%lld", s->population);
    else
        printf("unknown");
    printf(") at %.5f, %.5f; buffer %.0f m; %zu road record(s) reach into it\n\n", s->lon, s->lat,
           p->buffer_m, p->roads);
    printf("%-14s %-6s %-7s %12s %14s %14s  %s\n", "hazard", "status", "reason", "distance m",
           "area m2", "remaining m2", "road");
    for (size_t i = 0; i < p->n; i++) {
        const dm_sp_hazard *z = &p->hazards[i];
        printf("%-14s %-6s %-7s %12.0f %14.0f %14.0f  %s\n", z->code, z->status,
               z->via_road ? "road" : "buffer", z->distance_m, z->area_m2, z->remaining_m2,
               z->via_road ? z->road : "");
    }
    printf("\nRemaining area: %.0f m2 (in the buffer %.0f, across the roads into it %.0f)\n",
           p->total_remaining_m2, p->buffer_remaining_m2, p->road_remaining_m2);
    char fromd[11];
    dm_fc_day_format(f->rq.from, fromd);
    printf("\nForecast from %s with teams manual %d, mechanical %d, mdd %d (%d runs, seed "
           "%llu):\n",
           fromd, teams->n[0], teams->n[1], teams->n[2], f->rq.runs,
           (unsigned long long)f->rq.seed);
    printf("  release mix (%s):", m->mix_source == DM_FA_SRC_DATABASE ? "database" : "default");
    for (int i = 0; i < 3; i++)
        printf("%s %s %.0f m2 (P10 %.0f, P90 %.0f)", i ? ";" : "", mix_names[i],
               p->total_remaining_m2 * m->mix_q[i][1], p->total_remaining_m2 * m->mix_q[i][0],
               p->total_remaining_m2 * m->mix_q[i][2]);
    /* team-days: calendar days times the teams working side by side */
    int nteams = teams->n[0] + teams->n[1] + teams->n[2];
    printf("\n  days       P10 %.1f  P50 %.1f  P90 %.1f\n", days->p10, days->p50, days->p90);
    printf("  team-days  P10 %.0f  P50 %.0f  P90 %.0f\n", days->p10 * nteams, days->p50 * nteams,
           days->p90 * nteams);
    printf("  done       P10 %s  P50 %s  P90 %s\n", f->outlook.done[0], f->outlook.done[1],
           f->outlook.done[2]);
    if (isnan(cost->p50))
        printf("  cost       cannot be computed: %s\n", m->cost_why);
    else
        printf("  cost USD   P10 %.0f  P50 %.0f  P90 %.0f\n", cost->p10, cost->p50, cost->p90);
    printf("\nAssumptions:\n");
    for (int i = 0; i < m->nassumptions; i++)
        printf("  - %s\n", m->assumptions[i]);
}

static int plan(const char *path, const char *what, double buffer, const dm_fa_teams *teams,
                bool json, int runs, unsigned long long seed)
{
    dm_error err;
    dm_error_clear(&err);
    char fig[1100];
    cli_figures_path(NULL, fig, sizeof fig);
    dm_date t = dm_date_today();
    dm_fa_request rq = {.teams = *teams,
                        .runs = runs,
                        .seed = seed,
                        .from = dm_fc_day(t.year, t.month, t.day),
                        .figures = fig};
    dm_store *store;
    if (dm_store_open(path, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_sp_forecast f;
    dm_status st = dm_sp_forecast_compute(store, what, buffer, &rq, &f, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    int rc = EXIT_DONE;
    if (json) {
        dm_buf b;
        dm_buf_init(&b, 0);
        if (dm_settlement_plan_json(&f, path, &b) || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
        dm_buf_free(&b);
    } else
        text_out(&f);
    dm_sp_forecast_free(&f);
    return rc;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cmd_settlement(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return EXIT_DONE;
    }
    if (argc < 2 || strcmp(argv[1], "plan"))
        return cli_usage(usage, "the subcommand is plan");
    const char *db = NULL, *what = NULL, *teams_arg = NULL;
    bool json = false;
    double buffer = 1000;
    long runs = 10000, seed = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--buffer") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            buffer = strtod(v, &end);
            if (!*v || *end || !isfinite(buffer) || buffer < 0)
                return cli_usage(usage, "--buffer takes metres, 0 or more: %s", v);
        } else if (!strcmp(argv[i], "--teams") && i + 1 < argc)
            teams_arg = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            if (!parse_long(argv[++i], 1, 10000000, &runs))
                return cli_usage(usage, "--runs takes a whole number, 1 to 10000000");
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (!parse_long(argv[++i], 0, 2147483647L, &seed))
                return cli_usage(usage, "--seed takes a whole number, 0 or more");
        } else if (argv[i][0] != '-' && !db)
            db = argv[i];
        else if (argv[i][0] != '-' && !what)
            what = argv[i];
        else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    if (!db || !what)
        return cli_usage(usage, "DATABASE and a settlement (code or name) are needed");
    dm_fa_teams teams;
    dm_error err;
    dm_error_clear(&err);
    if (dm_fa_teams_parse(teams_arg ? teams_arg : DM_FA_TEAMS_DEFAULT, &teams, &err))
        return cli_usage(usage, "%s", err.msg);
    return plan(db, what, buffer, &teams, json, (int)runs, (unsigned long long)seed);
}
