#include "analysis/casualties.h"
#include "analysis/check.h"
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "demine casualties check DATABASE [--json] [--all] [--duplicate-within M]";

static void help(void)
{
    printf("usage: %s\n\n"
           "The data-quality report of the casualty registry: impossible dates, accidents\n"
           "without a position or outside every admin area, values outside a field's list,\n"
           "victims without an incident, ages outside 0-110, incidents without victims,\n"
           "probable duplicates (incidents on the same day within --duplicate-within metres,\n"
           "default 200, with victims of the same status, sex, age and group) and rows\n"
           "imported twice. Each finding lists its record codes (the first 10 unless --all);\n"
           "names and addresses are never printed. The figures themselves come from\n"
           "`demine stats DATABASE casualties`.\n\n"
           "Exit status: 0 nothing found, 3 findings, 1 the check could not run, 2 usage.\n",
           usage);
}

static int check(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false, all = false;
    double within = -1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--all"))
            all = true;
        else if (!strcmp(argv[i], "--duplicate-within") && i + 1 < argc) {
            char *end;
            within = strtod(argv[++i], &end);
            if (*end || !(within >= 0) || within > 1e5)
                return cli_usage(usage, "--duplicate-within needs metres (0 to 100000), not '%s'",
                                 argv[i]);
        } else if (argv[i][0] == '-')
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
        else if (!db)
            db = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (!db)
        return cli_usage(usage, "casualties check needs a DATABASE");
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_check_report r;
    dm_status st = dm_casualty_check_run(store, within, &r, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    dm_buf b;
    dm_buf_init(&b, 0);
    dm_status s = json ? dm_check_json(&r, &b) : dm_check_text(&r, all, &b);
    if (!json && !s)
        s = dm_buf_printf(&b, "%s: %zu findings (%d errors, %d warnings)\n", db, r.n, r.errors,
                          r.warnings);
    bool ok = !s && cli_write_stdout(b.data);
    dm_buf_free(&b);
    int rc = !ok ? EXIT_ERROR : r.n ? EXIT_PARTIAL : EXIT_DONE;
    dm_check_report_free(&r);
    return rc;
}

int cmd_casualties(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return EXIT_DONE;
    }
    if (argc < 2)
        return cli_usage(usage, "casualties needs what to do: check");
    if (!strcmp(argv[1], "check"))
        return check(argc - 2, argv + 2);
    return cli_usage(usage, "unknown casualties command '%s': check", argv[1]);
}
