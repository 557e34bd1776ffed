#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "demine init DATABASE.gpkg";

int cmd_init(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s\n\nCreates a new, empty demine database: a GeoPackage 1.3 file that "
               "QGIS and GDAL open as it is.\nThe user running the command becomes its owner.\n",
               usage);
        return EXIT_DONE;
    }
    if (argc != 2)
        return cli_usage(usage, "init takes one argument, the database file");
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_create(argv[1], cli_user(), &store, &err))
        return cli_fail(&err);
    dm_store_close(store);
    fprintf(stderr, "created %s (owner %s)\n", argv[1], cli_user());
    return EXIT_DONE;
}
