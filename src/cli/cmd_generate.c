#include "analysis/casualties.h"
#include "cli/cli.h"
#include "io/synthetic.h"
#include "store/store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] = "demine generate DATABASE casualties --victims N [--seed S] [--create]";

static const char help[] =
    "\nAdds N synthetic victims with their incidents (accidents) to DATABASE, in one\n"
    "transaction: test and benchmark data at realistic volumes, never real people.\n"
    "Every record is labelled: origin \"synthetic demo data\", attributes\n"
    "{\"synthetic\": true}, incident_ref SYN-000123, names \"Synthetic Person 123-1\"\n"
    "and addresses \"Synthetic street 4, Synthetic village 17\" (personal-data\n"
    "fields, so that their protection can be tried).\n"
    "\n"
    "Incidents are dated 1996-2025, more in the first post-war years, and placed\n"
    "in Bosnia and Herzegovina: on or near the database's hazardous areas when it\n"
    "has some, with the admin area (and nearest settlement) that contains them when\n"
    "it has admin areas (settlements). 1% of incidents stay submitted (waiting for\n"
    "review), so figures with and without --include-drafts differ. The model is\n"
    "described in src/io/synthetic.h.\n"
    "\n"
    "  --victims N  how many victims to add (1 .. 100000000)\n"
    "  --seed S     random seed (default 1): the same seed on the same database\n"
    "               gives the same records\n"
    "  --create     create DATABASE first (it must not exist); its owner is you\n";

static bool parse_count(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cmd_generate(int argc, char **argv)
{
    const char *db = NULL, *what = NULL;
    long long nvictims = -1, seed = 1;
    bool create = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s\n%s", usage, help);
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--victims") && i + 1 < argc) {
            if (!parse_count(argv[++i], 1, 100000000, &nvictims))
                return cli_usage(usage, "--victims takes a whole number 1 .. 100000000, not '%s'",
                                 argv[i]);
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (!parse_count(argv[++i], 0, INT64_MAX, &seed))
                return cli_usage(usage, "--seed takes a whole number >= 0, not '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--create")) {
            create = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
        } else if (!db) {
            db = argv[i];
        } else if (!what) {
            what = argv[i];
        } else {
            return cli_usage(usage, "unexpected argument: %s", argv[i]);
        }
    }
    if (!db || !what)
        return cli_usage(usage, "generate takes a database and what to generate (casualties)");
    if (strcmp(what, "casualties"))
        return cli_usage(usage, "cannot generate '%s': only casualties", what);
    if (nvictims < 0)
        return cli_usage(usage, "say how many victims: --victims N");

    struct stat sb;
    if (create && stat(db, &sb) == 0) {
        fprintf(stderr,
                "demine: %s exists: --create makes a new database and never overwrites a "
                "file (leave --create out to add to it)\n",
                db);
        return EXIT_ERROR;
    }
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (create ? dm_store_create(db, cli_user(), &store, &err)
               : dm_store_open(db, DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dm_synthetic_casualty_counts c;
    dm_status st = dm_synthetic_casualties(store, (uint64_t)seed, nvictims, cli_user(), &c, &err);
    if (!st) { /* the casualty figures' summary, made now rather than at the next query */
        dm_error ignored;
        dm_casualties_refresh(store, &ignored);
    }
    dm_store_close(store);
    if (st) {
        int rc = cli_fail(&err);
        if (create) { /* nothing changed: no half-made database left behind */
            dm_error rm;
            dm_error_clear(&rm);
            dm_store_remove(db, &rm);
        }
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "generated %lld synthetic victims (%lld killed, %lld injured, %lld children) in %lld "
            "incidents SYN-%06lld .. SYN-%06lld\n  %lld inside hazardous areas, %lld with an admin "
            "area, %lld left submitted; %.1f s; labelled \"synthetic demo data\" in %s\n",
            (long long)c.victims, (long long)c.killed, (long long)c.injured, (long long)c.children,
            (long long)c.accidents, (long long)c.first_ref, (long long)c.last_ref,
            (long long)c.in_hazards, (long long)c.with_admin, (long long)c.submitted, secs, db);
    return EXIT_DONE;
}
