#include "cli/cli.h"
#include "io/export.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "demine export DATABASE KIND OUTPUT.{geojson,gpkg,csv,shp,kml,xlsx} [--include-drafts]\n"
    "              [--personal-data] [--force]";

int cmd_export(int argc, char **argv)
{
    const char *pos[3];
    int npos = 0;
    dm_export_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s\n\nWrites the records of KIND to OUTPUT; the extension chooses the "
                   "format.\nApproved records only unless --include-drafts. Victims' names and "
                   "addresses are\nleft out unless --personal-data. An existing OUTPUT is kept "
                   "unless --force.\n",
                   usage);
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--include-drafts"))
            o.include_drafts = true;
        else if (!strcmp(argv[i], "--personal-data"))
            o.personal_data = true;
        else if (!strcmp(argv[i], "--force"))
            o.overwrite = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage(usage, "unknown option: %s", argv[i]);
        else if (npos < 3)
            pos[npos++] = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (npos != 3)
        return cli_usage(usage, "export needs DATABASE, KIND and OUTPUT");
    o.kind = dm_kind_find(pos[1]);
    if (!o.kind) {
        char kinds[512];
        dm_kind_list_names(kinds, sizeof kinds);
        return cli_usage(usage, "unknown kind '%s'; kinds are: %s", pos[1], kinds);
    }
    o.path = pos[2];
    const char *driver = dm_export_driver_for(o.path);
    if (!driver)
        return cli_usage(usage, "%s: use .geojson, .gpkg, .csv, .shp, .kml or .xlsx", o.path);
    if (o.kind->geom == DM_GEOM_NONE &&
        (!strcmp(driver, "ESRI Shapefile") || !strcmp(driver, "KML")))
        return cli_usage(usage,
                         "%s have no geometry: export them to .csv, .xlsx, .gpkg or .geojson",
                         o.kind->name);
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(pos[0], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    int64_t n = 0;
    dm_status st = dm_export(store, &o, &n, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    fprintf(stderr, "%s: %lld records written to %s\n", o.kind->name, (long long)n, o.path);
    return EXIT_DONE;
}
