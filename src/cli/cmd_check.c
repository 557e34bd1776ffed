#include "analysis/check.h"
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "demine check DATABASE [--json] [--all]";

int cmd_check(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false, all = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s\n\nChecks the file, the spatial indexes and the change log, then "
                   "the data: invalid\ngeometries, impossible dates, releases outside every "
                   "hazardous area, overlapping\nhazardous areas, records waiting for review, "
                   "changes other programs (QGIS,\n"
                   "GDAL, the sqlite3 shell) made around the review. "
                   "Each finding lists its records\n(the first 10 unless --all).\n"
                   "Exit status: 0 no errors (warnings may remain), 3 errors found, 1 the check "
                   "could not run.\n",
                   usage);
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--all"))
            all = true;
        else if (argv[i][0] == '-')
            return cli_usage(usage, "unknown option: %s", argv[i]);
        else if (!db)
            db = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (!db)
        return cli_usage(usage, "check needs a DATABASE");
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_check_report r;
    dm_status st = dm_check_run(store, &r, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    if (json) {
        dm_buf b;
        dm_buf_init(&b, 0);
        bool ok = !dm_check_json(&r, &b) && cli_write_stdout(b.data);
        dm_buf_free(&b);
        if (!ok) {
            dm_check_report_free(&r);
            return EXIT_ERROR;
        }
    } else {
        dm_buf b;
        dm_buf_init(&b, 0);
        bool ok = !dm_check_text(&r, all, &b) && cli_write_stdout(b.data);
        dm_buf_free(&b);
        if (!ok) {
            dm_check_report_free(&r);
            return EXIT_ERROR;
        }
        printf("%s: %d errors, %d warnings\n", db, r.errors, r.warnings);
    }
    int rc = r.errors ? EXIT_PARTIAL : EXIT_DONE;
    dm_check_report_free(&r);
    return rc;
}
