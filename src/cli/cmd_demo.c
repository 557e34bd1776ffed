#include "analysis/landrelease.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "io/import.h"
#include "io/synthetic.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DM_DATA_DIR
#define DM_DATA_DIR "data"
#endif

static const char usage[] = "demine demo [--out DATABASE] [--data DIR] [--force]";

typedef struct layer {
    const dm_kind *kind;
    const char *file;
    const char *map[2];
    const char *set[2];
} layer;

int cmd_demo(int argc, char **argv)
{
    const char *out = "demo.gpkg";
    const char *data = getenv("DEMINE_DATA") ? getenv("DEMINE_DATA") : DM_DATA_DIR;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s\n\nBuilds a demo database (default demo.gpkg) from the real BiH "
                   "minefield maps in\nDIR/bih (hazards, cleared areas, incidents, "
                   "municipalities) and the GeoNames\nsettlements of BiH in DIR/settlements (code "
                   "= GeoNames id; CC BY 4.0, see\nDIR/settlements/README.md) plus synthetic\n"
                   "releases, organisations and EO items, the completed activities behind the\n"
                   "synthetic releases (io/synthetic.h gives their model), and "
                   "2,500 synthetic victims with their\nincidents (on and near the hazards, "
                   "1996-2025; `demine generate` adds more), each\nlabelled \"synthetic demo "
                   "data\". The real incidents have no date and no victims.\n",
                   usage);
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--force"))
            force = true;
        else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    dm_error err;
    dm_error_clear(&err);
    struct stat sb;
    if (stat(out, &sb) == 0) {
        if (!force) {
            fprintf(stderr, "demine: %s exists; use --force to rebuild it\n", out);
            return EXIT_ERROR;
        }
        if (dm_store_remove(out, &err))
            return cli_fail(&err);
    }
    const layer layers[] = {
        {&dm_kind_admin_areas,
         "bih/municipalities.geojson",
         {"name=shapeName", NULL},
         {"level=3", NULL}},
        {&dm_kind_hazards, "bih/suspected_areas.geojson", {NULL, NULL}, {"status=SHA", NULL}},
        {&dm_kind_releases, "bih/cleared_areas.geojson", {NULL, NULL}, {"method=cleared", NULL}},
        {&dm_kind_accidents, "bih/incidents.geojson", {NULL, NULL}, {NULL, NULL}},
        /* GeoNames places (name, population): the GeoNames id is the code */
        {&dm_kind_settlements,
         "settlements/settlements_bih.geojson",
         {"code=geonameid", NULL},
         {NULL, NULL}},
    };
    dm_store *store;
    if (dm_store_create(out, cli_user(), &store, &err))
        return cli_fail(&err);
    int rc = EXIT_DONE;
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        char path[1100], rejects[1200];
        snprintf(path, sizeof path, "%s/%s", data, layers[i].file);
        snprintf(rejects, sizeof rejects, "%.*s.%s.rejects.csv",
                 (int)(strlen(out) > 5 ? strlen(out) - 5 : strlen(out)), out, layers[i].kind->name);
        dm_import_opts o = {.kind = layers[i].kind,
                            .path = path,
                            .map = layers[i].map,
                            .nmap = layers[i].map[1]   ? 2
                                    : layers[i].map[0] ? 1
                                                       : 0,
                            .set = layers[i].set,
                            .nset = layers[i].set[0] ? 1 : 0,
                            .who = dm_store_owner(store),
                            .rejects_path = rejects};
        dm_import_result res;
        if (dm_import(store, &o, &res, &err)) {
            rc = cli_fail(&err);
            break;
        }
        fprintf(stderr,
                "%-12s %6lld imported, %5lld repaired, %5lld rejected, %4lld copies left out "
                "(%s)\n",
                layers[i].kind->name, (long long)res.imported, (long long)res.repaired,
                (long long)res.rejected, (long long)res.duplicates, layers[i].file);
    }
    dm_synthetic_counts sc;
    if (rc == EXIT_DONE &&
        dm_synthetic_generate(store, 20201110, 600, dm_store_owner(store), &sc, &err))
        rc = cli_fail(&err);
    if (rc == EXIT_DONE)
        fprintf(stderr,
                "synthetic    %lld organisations, %lld releases, %lld EO items (labelled "
                "\"synthetic demo data\")\n",
                (long long)sc.organisations, (long long)sc.releases, (long long)sc.items);
    int64_t nact = 0;
    if (rc == EXIT_DONE &&
        dm_synthetic_activities(store, 20201111, dm_store_owner(store), &nact, &err))
        rc = cli_fail(&err);
    if (rc == EXIT_DONE)
        fprintf(stderr,
                "synthetic    %lld completed activities, one per synthetic release, with known "
                "true productivity (labelled \"synthetic demo data\")\n",
                (long long)nact);
    dm_synthetic_casualty_counts cc;
    if (rc == EXIT_DONE &&
        dm_synthetic_casualties(store, 19960101, 2500, dm_store_owner(store), &cc, &err))
        rc = cli_fail(&err);
    if (rc == EXIT_DONE)
        fprintf(stderr,
                "synthetic    %lld victims (%lld killed, %lld injured) in %lld incidents, %lld of "
                "them in hazardous areas (labelled \"synthetic demo data\")\n",
                (long long)cc.victims, (long long)cc.killed, (long long)cc.injured,
                (long long)cc.accidents, (long long)cc.in_hazards);
    if (rc == EXIT_DONE) {
        dm_lr_opts lo = {0};
        dm_landrelease lr;
        if (dm_landrelease_compute(store, &lo, &lr, &err)) {
            rc = cli_fail(&err);
        } else {
            printf("demo database: %s\n", out);
            printf("  hazard area    %14.0f m²\n  released       %14.0f m² (cancelled %.0f, "
                   "reduced %.0f, cleared %.0f)\n  remaining      %14.0f m²\n"
                   "  recorded       %14.0f m² (released + remaining)\n"
                   "  released inside today's hazards %.0f m² (a data-quality figure)\n",
                   lr.total.hazard_area_m2, lr.total.released.total, lr.total.released.cancelled,
                   lr.total.released.reduced, lr.total.released.cleared, lr.total.remaining_area_m2,
                   lr.total.recorded_area_m2, lr.total.released_inside_hazards_m2);
            dm_landrelease_free(&lr);
        }
    }
    dm_store_close(store);
    return rc;
}
