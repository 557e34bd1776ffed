/* demine: information management for humanitarian mine action. */
#include "cli/cli.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_generate(int argc, char **argv); /* cmd_generate.c */

static const dm_command commands[] = {
    {"init", "create a new, empty demine database (GeoPackage)", cmd_init},
    {"import", "import records from any vector file GDAL reads", cmd_import},
    {"imports", "the import log: each file imported, its SHA-256 and what came of it", cmd_imports},
    {"stats", "land release, EO item and casualty figures", cmd_stats},
    {"export", "export records to GeoJSON, GeoPackage, CSV, Shapefile, KML or XLSX", cmd_export},
    {"report", "monthly report, factsheet and hazard map sheet as PDF, in en, az or ru",
     cmd_report},
    {"chart", "a chart of casualties by month or year as SVG, PNG or PDF", cmd_chart},
    {"check", "integrity and consistency report of a database", cmd_check},
    {"casualties", "data-quality report of the casualty registry", cmd_casualties},
    {"minefield", "check, draw and predict from minefield records", cmd_minefield},
    {"priority", "rank the open hazards for clearance, with the factors behind each score",
     cmd_priority},
    {"settlement", "plan a settlement: the hazards in and on the way in, time and cost",
     cmd_settlement},
    {"serve", "serve a database as OGC API - Features over HTTP", cmd_serve},
    {"user", "add users, set their passwords and roles, disable them", cmd_user},
    {"demo", "build a demo database from the BiH data plus synthetic records", cmd_demo},
    {"forecast", "forecast released area (P10/P50/P90) and backtest it on a series", cmd_forecast},
    {"kinds", "the kinds of record and their fields (what import can fill)", cmd_kinds},
    {"generate", "add labelled synthetic casualties for tests and benchmarks", cmd_generate},
};

static void help(FILE *out)
{
    fprintf(out, "usage: demine COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`demine COMMAND --help` tells more. Exit status: 0 done, 1 error (nothing "
                 "changed),\n2 usage, 3 done with rejected rows or problems found.\n");
}

int cli_fail(const dm_error *err)
{
    fprintf(stderr, "demine: %s\n", err->msg[0] ? err->msg : dm_status_name(err->code));
    return EXIT_ERROR;
}

int cli_usage(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("demine: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    fprintf(stderr, "usage: %s\n", usage);
    return EXIT_USAGE;
}

const char *cli_user(void)
{
    static char name[64];
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        snprintf(name, sizeof name, "%s", pw && pw->pw_name ? pw->pw_name : "unknown");
    }
    return name;
}

bool cli_write_stdout(const char *text)
{
    if ((text && fputs(text, stdout) < 0) || fflush(stdout) != 0) {
        perror("demine: writing the output");
        return false;
    }
    return true;
}

#ifndef DM_DATA_DIR
#define DM_DATA_DIR "data"
#endif

void cli_figures_path(const char *given, char *out, size_t outsz)
{
    if (given)
        snprintf(out, outsz, "%s", given);
    else
        snprintf(out, outsz, "%s/aze/productivity_and_cost.csv",
                 getenv("DEMINE_DATA") ? getenv("DEMINE_DATA") : DM_DATA_DIR);
}

void cli_i18n_dir(char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/i18n", getenv("DEMINE_DATA") ? getenv("DEMINE_DATA") : DM_DATA_DIR);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        help(stdout);
        return EXIT_DONE;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("demine 0.1.0\n");
        return EXIT_DONE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "demine: unknown command '%s'\n", argv[1]);
    help(stderr);
    return EXIT_USAGE;
}
