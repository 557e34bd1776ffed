/* demine report / demine chart: documents made from the statistics. */
#include "analysis/casualties.h"
#include "cli/cli.h"
#include "core/date.h"
#include "report/report.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char report_usage[] =
    "demine report DATABASE monthly --month YYYY-MM [--since DATE] --out FILE.pdf\n"
    "       demine report DATABASE factsheet [--since DATE] [--until DATE] --out FILE.pdf\n"
    "       demine report DATABASE hazard CODE --out FILE.pdf\n"
    "         and with any: [--lang en|az|ru] [--include-drafts] [--min-cell N] [--today DATE]";

static const char chart_usage[] =
    "demine chart DATABASE casualties --by month|year [--since DATE] [--until DATE]\n"
    "             --out FILE.svg|png|pdf [--lang en|az|ru] [--include-drafts] [--min-cell N]";

/* Bad input (a month, a date, a language, a hazard, an output that cannot
 * be written) is a usage error: exit 2, as the brief of these commands
 * promises, with the library's message. */
static int fail_input(const dm_error *err)
{
    switch (err->code) {
    case DM_EINVAL:
    case DM_ENOTFOUND:
    case DM_EFORMAT:
    case DM_EREADONLY:
    case DM_EIO:
    case DM_ECONFLICT: fprintf(stderr, "demine: %s\n", err->msg); return EXIT_USAGE;
    default: return cli_fail(err);
    }
}

/* The options both commands take; true when argv[*i] was one. */
static bool common(int argc, char **argv, int *i, dm_report_opts *o, const char *usage, int *rc)
{
    const char *a = argv[*i];
    bool val = *i + 1 < argc;
    dm_error err;
    dm_error_clear(&err);
    if (!strcmp(a, "--lang") && val)
        o->lang = argv[++*i];
    else if (!strcmp(a, "--out") && val)
        o->out = argv[++*i];
    else if (!strcmp(a, "--include-drafts"))
        o->include_drafts = true;
    else if (!strcmp(a, "--min-cell") && val) {
        if (dm_cas_min_cell_parse(argv[++*i], &o->min_cell, &err))
            *rc = cli_usage(usage, "%s", err.msg);
    } else if ((!strcmp(a, "--since") || !strcmp(a, "--until")) && val) {
        dm_date d;
        if (dm_date_parse(argv[*i + 1], &d, &err))
            *rc = cli_usage(usage, "%s: %s", a, err.msg);
        else
            dm_date_format(d, a[2] == 's' ? o->since : o->until);
        ++*i;
    } else if (!strcmp(a, "--today") && val) { /* the report's date, for tests */
        dm_date d;
        if (dm_date_parse(argv[++*i], &d, &err))
            *rc = cli_usage(usage, "--today: %s", err.msg);
        else
            dm_date_format(d, o->today);
    } else
        return false;
    return true;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int cmd_report(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s\n\n"
               "monthly: casualties of the month and since DATE (all records without --since),\n"
               "land release in the month and to date, EO items, hazards, a map, trends of the\n"
               "last 12 months and the data-quality warnings. factsheet: one page of key figures\n"
               "for partners and the press. hazard: a map sheet of one hazardous area for a field\n"
               "team. Every figure is that of `demine stats` for the same period, with its\n"
               "definition. --lang chooses the translation (data/i18n/reports.LANG.json).\n"
               "--today sets the report's date (default today, UTC), for a report made again\n"
               "later. The file appears whole or not at all; an existing one is replaced.\n",
               report_usage);
        return EXIT_DONE;
    }
    if (argc < 3)
        return cli_usage(report_usage, "report needs DATABASE and which report");
    const char *which = argv[2];
    bool monthly = !strcmp(which, "monthly"), facts = !strcmp(which, "factsheet"),
         hazard = !strcmp(which, "hazard");
    if (!monthly && !facts && !hazard)
        return cli_usage(report_usage, "unknown report '%s': monthly, factsheet or hazard", which);
    dm_report_opts o;
    memset(&o, 0, sizeof o);
    char dir[4200];
    cli_i18n_dir(dir, sizeof dir);
    o.i18n_dir = dir;
    o.lang = "en";
    o.source = base_name(argv[1]);
    const char *code = NULL, *month = NULL;
    int rc = EXIT_DONE;
    for (int i = 3; i < argc && rc == EXIT_DONE; i++) {
        if (common(argc, argv, &i, &o, report_usage, &rc))
            continue;
        if (!strcmp(argv[i], "--month") && i + 1 < argc && monthly)
            month = argv[++i];
        else if (hazard && !code && argv[i][0] != '-')
            code = argv[i];
        else
            return cli_usage(report_usage, "unknown option or missing value: %s", argv[i]);
    }
    if (rc != EXIT_DONE)
        return rc;
    if (!o.out)
        return cli_usage(report_usage, "--out FILE is needed");
    if (monthly && !month)
        return cli_usage(report_usage, "the monthly report needs --month YYYY-MM");
    if (hazard && !code)
        return cli_usage(report_usage, "the hazard sheet needs the hazard's code (HA-0123)");
    if (o.since[0] && o.until[0] && strcmp(o.since, o.until) > 0)
        return cli_usage(report_usage, "--since %s is after --until %s", o.since, o.until);
    dm_error err;
    dm_error_clear(&err);
    if (monthly && dm_report_month_parse(month, o.month, &err))
        return fail_input(&err);
    dm_store *store;
    if (dm_store_open(argv[1], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_status st = monthly ? dm_report_monthly(store, &o, &err)
                   : facts ? dm_report_factsheet(store, &o, &err)
                           : dm_report_hazard(store, &o, code, &err);
    dm_store_close(store);
    if (st)
        return fail_input(&err);
    fprintf(stderr, "%s written\n", o.out);
    return EXIT_DONE;
}

int cmd_chart(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s\n\n"
               "A stacked bar chart of casualties (killed, injured, status unknown) by month or\n"
               "year, every period from the first to the last shown (0 where there were none);\n"
               "the figures of `demine stats DATABASE casualties --by month|year` for the same\n"
               "dates. The extension of --out chooses SVG, PNG or PDF.\n",
               chart_usage);
        return EXIT_DONE;
    }
    if (argc < 3)
        return cli_usage(chart_usage, "chart needs DATABASE and what to draw");
    if (strcmp(argv[2], "casualties"))
        return cli_usage(chart_usage, "unknown chart '%s': casualties", argv[2]);
    dm_report_opts o;
    memset(&o, 0, sizeof o);
    char dir[4200];
    cli_i18n_dir(dir, sizeof dir);
    o.i18n_dir = dir;
    o.lang = "en";
    o.source = base_name(argv[1]);
    dm_cas_dim by = DM_CAS_MONTH;
    int rc = EXIT_DONE;
    for (int i = 3; i < argc && rc == EXIT_DONE; i++) {
        if (common(argc, argv, &i, &o, chart_usage, &rc))
            continue;
        if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "month"))
                by = DM_CAS_MONTH;
            else if (!strcmp(argv[i], "year"))
                by = DM_CAS_YEAR;
            else
                return cli_usage(chart_usage, "--by month or --by year");
        } else
            return cli_usage(chart_usage, "unknown option or missing value: %s", argv[i]);
    }
    if (rc != EXIT_DONE)
        return rc;
    if (!o.out)
        return cli_usage(chart_usage, "--out FILE is needed");
    if (o.since[0] && o.until[0] && strcmp(o.since, o.until) > 0)
        return cli_usage(chart_usage, "--since %s is after --until %s", o.since, o.until);
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(argv[1], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_status st = dm_report_chart_casualties(store, &o, by, &err);
    dm_store_close(store);
    if (st)
        return fail_input(&err);
    fprintf(stderr, "%s written\n", o.out);
    return EXIT_DONE;
}
