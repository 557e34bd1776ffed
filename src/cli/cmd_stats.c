#include "analysis/casualties.h"
#include "analysis/items.h"
#include "analysis/landrelease.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/date.h"
#include "report/stats_xlsx.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "demine stats DATABASE landrelease [--by admin|year|month|organisation] [--level N]\n"
    "                                  [SCOPE] [--json | --xlsx FILE] [--list]\n"
    "                                  [--include-drafts]\n"
    "       demine stats DATABASE items [--by category|year|admin] [SCOPE]\n"
    "                                  [--json | --xlsx FILE] [--list] [--include-drafts]\n"
    "       demine stats DATABASE casualties [--by DIM[,DIM]] [--since DATE] [--until DATE]\n"
    "                                  [--json | --xlsx FILE] [--list] [--include-drafts]\n"
    "                                  [--timing] [--min-cell N]\n"
    "         DIM: year month admin settlement sex age-group group activity device status\n"
    "              demining\n"
    "         SCOPE: [--since DATE] [--until DATE] [--admin CODE] [--organisation NAME]";

static void help(void)
{
    printf("usage: %s\n\n"
           "landrelease: hazard area (union H of hazard polygons), released area (union R of\n"
           "release polygons, whether or not a hazard still covers it; each m² once: cleared\n"
           "over reduced over cancelled), remaining area (H − R), recorded area (H ∪ R =\n"
           "released + remaining) and released inside today's hazards (R ∩ H, a data-quality\n"
           "figure), geodesic m² on WGS84. --by admin clips to the admin areas of the finest\n"
           "level (or --level N).\n"
           "SCOPE limits land release and items: --since/--until keep the records dated in the\n"
           "period (both inclusive; undated records are in no period), --admin CODE clips to\n"
           "that admin area, --organisation NAME keeps that organisation's records. With a\n"
           "period, released area is the union of the releases dated in it and remaining and\n"
           "recorded area are as of its end (today's hazards less the releases dated up to\n"
           "then); with an organisation, hazard, remaining and recorded area do not apply.\n"
           "items: EO items found (records and quantity) and destroyed, by category, year or\n"
           "admin area.\n"
           "casualties: people killed or injured (Landmine Monitor definitions): killed,\n"
           "injured, unknown status, incidents, children (under 18 at the incident), female,\n"
           "male, civilians, deminers, military, each unknown counted as unknown. --by one\n"
           "dimension or two crossed (year,sex); --since/--until limit the incident date,\n"
           "both inclusive (YYYY-MM-DD or DD.MM.YYYY). The figures come from a summary kept in\n"
           "the database and rebuilt from the records after any change (--no-cache: from the\n"
           "records now); --timing says how long they took. --min-cell N shows figures as\n"
           "published for readers without the right to personal data: groups of 1..N-1\n"
           "casualties, and the groups that would give them away, are not shown (the total\n"
           "stays exact), nor are the records behind them (`demine serve` does this with 3).\n"
           "Official figures count approved records only; --include-drafts adds the rest and\n"
           "says so. --list adds the codes of the records behind each figure. --xlsx FILE\n"
           "writes the same figures as a workbook (a sheet of figures, a sheet of definitions)\n"
           "instead of printing them.\n",
           usage);
}

static void print_area(const char *label, double m2)
{
    if (isnan(m2))
        printf("  %-22s %18s\n", label, "-");
    else
        printf("  %-22s %18.1f m²  (%.4f km²)\n", label, m2, m2 / 1e6);
}

static void print_lr_figures(const dm_lr_figures *f)
{
    print_area("hazard area", f->hazard_area_m2);
    print_area("released: cancelled", f->released.cancelled);
    print_area("released: reduced", f->released.reduced);
    print_area("released: cleared", f->released.cleared);
    print_area("released: total", f->released.total);
    print_area("remaining area", f->remaining_area_m2);
    print_area("recorded area", f->recorded_area_m2);
    print_area("released in hazards", f->released_inside_hazards_m2);
    if (f->hazard_count >= 0)
        printf("  %-22s %18lld\n", "hazards", (long long)f->hazard_count);
    printf("  %-22s %18zu\n", "releases", f->releases.n);
}

static void print_codes(const char *label, const dm_code_list *l)
{
    printf("  %s:", label);
    for (size_t i = 0; i < l->n; i++)
        printf(" %s", l->codes[i]);
    printf("\n");
}

/* The options every statistic takes. */
typedef struct common_flags {
    bool json, list, include_drafts;
    const char *xlsx; /* --xlsx FILE: the figures as a workbook instead */
} common_flags;

/* True when arg is one of the common options (and records it). */
static bool common_flag(int argc, char **argv, int *i, common_flags *f)
{
    const char *arg = argv[*i];
    if (!strcmp(arg, "--xlsx") && *i + 1 < argc)
        f->xlsx = argv[++*i];
    else if (!strcmp(arg, "--json"))
        f->json = true;
    else if (!strcmp(arg, "--list"))
        f->list = true;
    else if (!strcmp(arg, "--include-drafts"))
        f->include_drafts = true;
    else
        return false;
    return true;
}

/* True when arg is a scope option (--since, --until, --admin,
 * --organisation) and records it; *bad is set, with the error, when its value
 * is wrong. */
static bool scope_flag(int argc, char **argv, int *i, dm_scope *sc, bool *bad, dm_error *err)
{
    const char *arg = argv[*i];
    if (*i + 1 >= argc)
        return false;
    const char *v = argv[*i + 1];
    dm_status st;
    if (!strcmp(arg, "--since"))
        st = dm_scope_set_period(sc, v, sc->until[0] ? sc->until : NULL, "--since", "--until", err);
    else if (!strcmp(arg, "--until"))
        st = dm_scope_set_period(sc, sc->since[0] ? sc->since : NULL, v, "--since", "--until", err);
    else if (!strcmp(arg, "--admin"))
        st = dm_scope_set_where(sc, v, sc->organisation[0] ? sc->organisation : NULL, err);
    else if (!strcmp(arg, "--organisation") || !strcmp(arg, "--org"))
        st = dm_scope_set_where(sc, sc->admin[0] ? sc->admin : NULL, v, err);
    else
        return false;
    ++*i;
    *bad = st != DM_OK;
    return true;
}

static void print_scope(const dm_scope *sc, const char *admin_name)
{
    if (!dm_scope_any(sc))
        return;
    printf("  scope:");
    if (dm_scope_dated(sc))
        printf(" %s to %s", sc->since[0] ? sc->since : "…", sc->until[0] ? sc->until : "…");
    if (sc->admin[0])
        printf(" · admin area %s %s", sc->admin, admin_name);
    if (sc->organisation[0])
        printf(" · organisation %s", sc->organisation);
    printf("\n");
}

static int landrelease(dm_store *store, int argc, char **argv)
{
    dm_lr_opts o = {0};
    common_flags f = {0};
    dm_error err;
    dm_error_clear(&err);
    bool bad = false;
    for (int i = 0; i < argc; i++) {
        if (common_flag(argc, argv, &i, &f))
            continue;
        if (scope_flag(argc, argv, &i, &o.scope, &bad, &err)) {
            if (bad)
                return cli_usage(usage, "%s", err.msg);
            continue;
        }
        if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            if (dm_lr_group_by_parse(argv[++i], &o.by, &err))
                return cli_usage(usage, "%s", err.msg);
        } else if (!strcmp(argv[i], "--level") && i + 1 < argc) {
            o.admin_level = atoi(argv[++i]);
            if (o.admin_level <= 0)
                return cli_usage(usage, "--level needs a positive whole number");
        } else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    o.include_drafts = f.include_drafts;
    dm_landrelease lr;
    if (dm_landrelease_compute(store, &o, &lr, &err))
        return cli_fail(&err);
    int rc = EXIT_DONE;
    if (f.xlsx) {
        if (dm_landrelease_xlsx(&lr, f.xlsx, &err))
            rc = cli_fail(&err);
    } else if (f.json) {
        dm_buf b;
        dm_buf_init(&b, 0);
        if (dm_landrelease_json(&lr, f.list, &b) || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
        dm_buf_free(&b);
    } else {
        printf("Land release%s (geodesic areas on WGS84)\n",
               f.include_drafts ? ", INCLUDING DRAFTS (not official)" : ", approved records");
        print_scope(&lr.scope, lr.admin_name);
        print_lr_figures(&lr.total);
        if (f.list) {
            print_codes("hazards", &lr.total.hazards);
            print_codes("releases", &lr.total.releases);
        }
        for (size_t i = 0; i < lr.ngroups; i++) {
            printf("\n%s%s%s%s\n", lr.groups[i].key, lr.groups[i].name[0] ? " " : "",
                   lr.groups[i].name[0] ? "— " : "", lr.groups[i].name);
            print_lr_figures(&lr.groups[i]);
            if (f.list) {
                print_codes("hazards", &lr.groups[i].hazards);
                print_codes("releases", &lr.groups[i].releases);
            }
        }
    }
    dm_landrelease_free(&lr);
    return rc;
}

static int items(dm_store *store, int argc, char **argv)
{
    dm_items_opts o = {0};
    common_flags f = {0};
    dm_error err;
    dm_error_clear(&err);
    bool bad = false;
    for (int i = 0; i < argc; i++) {
        if (common_flag(argc, argv, &i, &f))
            continue;
        if (scope_flag(argc, argv, &i, &o.scope, &bad, &err)) {
            if (bad)
                return cli_usage(usage, "%s", err.msg);
            continue;
        }
        if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            if (dm_items_group_by_parse(argv[++i], &o.by, &err))
                return cli_usage(usage, "%s", err.msg);
        } else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    o.include_drafts = f.include_drafts;
    dm_items_stats st;
    if (dm_items_compute(store, &o, &st, &err))
        return cli_fail(&err);
    int rc = EXIT_DONE;
    dm_buf b;
    dm_buf_init(&b, 0);
    if (f.xlsx) {
        if (dm_items_xlsx(&st, f.xlsx, &err))
            rc = cli_fail(&err);
    } else {
        dm_status s = f.json ? dm_items_json(&st, f.list, &b) : dm_items_text(&st, f.list, &b);
        if (s || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
    }
    dm_buf_free(&b);
    dm_items_free(&st);
    return rc;
}

static int casualties(dm_store *store, int argc, char **argv)
{
    bool timing = false;
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    common_flags f = {0};
    dm_error err;
    dm_error_clear(&err);
    for (int i = 0; i < argc; i++) {
        if (common_flag(argc, argv, &i, &f))
            continue;
        if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            if (dm_cas_by_parse(argv[++i], o.by, &err))
                return cli_usage(usage, "%s", err.msg);
        } else if ((!strcmp(argv[i], "--since") || !strcmp(argv[i], "--until")) && i + 1 < argc) {
            char *dst = argv[i][2] == 's' ? o.since : o.until;
            dm_date d;
            if (dm_date_parse(argv[i + 1], &d, &err))
                return cli_usage(usage, "%s: %s", argv[i], err.msg);
            dm_date_format(d, dst);
            i++;
        } else if (!strcmp(argv[i], "--min-cell") && i + 1 < argc) {
            if (dm_cas_min_cell_parse(argv[++i], &o.min_cell, &err))
                return cli_usage(usage, "%s", err.msg);
        } else if (!strcmp(argv[i], "--no-cache"))
            o.no_cache = true;
        else if (!strcmp(argv[i], "--timing"))
            timing = true;
        else
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
    }
    if (o.since[0] && o.until[0] && strcmp(o.since, o.until) > 0)
        return cli_usage(usage, "--since %s is after --until %s", o.since, o.until);
    o.include_drafts = f.include_drafts;
    o.list = f.list;
    dm_casualties c;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (dm_casualties_compute(store, &o, &c, &err))
        return cli_fail(&err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (timing)
        fprintf(stderr, "computed in %.1f ms%s\n",
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                c.from_cache ? " (from the stored summary)" : " (from the records)");
    int rc = EXIT_DONE;
    dm_buf b;
    dm_buf_init(&b, 0);
    if (f.xlsx) {
        if (dm_casualties_xlsx(&c, f.xlsx, &err))
            rc = cli_fail(&err);
    } else {
        dm_status s = f.json ? dm_casualties_json(&c, &b) : dm_casualties_text(&c, &b);
        if (s || !cli_write_stdout(b.data))
            rc = EXIT_ERROR;
    }
    dm_buf_free(&b);
    dm_casualties_free(&c);
    return rc;
}

int cmd_stats(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return EXIT_DONE;
    }
    if (argc < 3)
        return cli_usage(usage, "stats needs DATABASE and what to count");
    int (*fn)(dm_store *, int, char **) = NULL;
    if (!strcmp(argv[2], "landrelease") || !strcmp(argv[2], "land-release"))
        fn = landrelease;
    else if (!strcmp(argv[2], "items") || !strcmp(argv[2], "eo-items"))
        fn = items;
    else if (!strcmp(argv[2], "casualties"))
        fn = casualties;
    else
        return cli_usage(usage, "unknown statistic '%s': landrelease, items or casualties",
                         argv[2]);
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(argv[1], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    int rc = fn(store, argc - 3, argv + 3);
    dm_store_close(store);
    return rc;
}
