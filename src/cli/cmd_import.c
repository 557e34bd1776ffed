#include "analysis/casualties.h"
#include "core/buf.h"
#include "cli/cli.h"
#include "io/casualties.h"
#include "io/import.h"
#include "io/upload.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "demine import DATABASE KIND FILE [--map FIELD=COLUMN]... [--set FIELD=VALUE]...\n"
    "              [--layer NAME] [--strict] [--state approved|submitted|draft]\n"
    "              [--rejects FILE.csv] [--warnings FILE.csv] [--verbose | --quiet]\n"
    "              [--key COLUMN] [--keep-duplicates] [--again]\n"
    "              [--settlement-within M] [--hazard-within M]   (accidents, casualties)";

typedef struct progress_ctx {
    bool bar;
    bool quiet;
    bool verbose; /* print each warning too */
    int64_t warnings;
    FILE *wfp;         /* the warnings file being written (.part), or NULL */
    const char *wpath; /* where it goes */
    char wpart[1300];  /* wpath + ".part" */
    bool wfailed;      /* it could not be written */
} progress_ctx;

static void on_progress(int64_t done, int64_t total, void *ctx)
{
    progress_ctx *p = ctx;
    if (!p->bar || total <= 0)
        return;
    int width = 40;
    int filled = (int)(done * width / (total ? total : 1));
    if (filled > width)
        filled = width;
    fprintf(stderr, "\r  [%.*s%*s] %lld/%lld rows", filled,
            "########################################", width - filled, "", (long long)done,
            (long long)total);
    if (done >= total)
        fputs("\n", stderr);
}

/* Appends s as one CSV field (quoted, quotes doubled). */
static void csv_field(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A warning about an imported row goes to the warnings file (row,warning:
 * the row number a message starts with, "row N ...", and the rest), and to
 * the terminal only with --verbose; the terminal gets their count. */
static void on_warn(const char *msg, void *ctx)
{
    progress_ctx *p = ctx;
    p->warnings++;
    if (!p->wfp && !p->wfailed) {
        snprintf(p->wpart, sizeof p->wpart, "%s.part", p->wpath);
        p->wfp = fopen(p->wpart, "w");
        if (!p->wfp || fputs("row,warning\n", p->wfp) < 0)
            p->wfailed = true;
    }
    if (p->wfp) {
        long long row = 0;
        int used = 0;
        if (sscanf(msg, "row %lld%n", &row, &used) == 1 && used > 0) {
            const char *rest = msg + used;
            rest += strspn(rest, " :");
            fprintf(p->wfp, "%lld,", row);
            csv_field(p->wfp, rest);
        } else {
            fputs(",", p->wfp);
            csv_field(p->wfp, msg);
        }
        if (fputc('\n', p->wfp) == EOF)
            p->wfailed = true;
    }
    if (p->quiet || !p->verbose)
        return;
    if (p->bar)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "warning: %s\n", msg);
}

/* Puts the warnings file in place (done) or removes it. False when it could
 * not be written whole. */
static bool warnings_finish(progress_ctx *p, bool done)
{
    if (!p->wfp)
        return !p->wfailed;
    bool ok = fclose(p->wfp) == 0 && !p->wfailed;
    p->wfp = NULL;
    if (done && ok && rename(p->wpart, p->wpath) == 0)
        return true;
    unlink(p->wpart);
    return !done;
}

static void help(void)
{
    char kinds[512];
    dm_kind_list_names(kinds, sizeof kinds);
    printf("usage: %s\n\n"
           "Imports FILE (any vector format GDAL reads: GeoJSON, GeoPackage, Shapefile, KML, "
           "GPX,\nCSV with lon/lat columns, XLSX) into DATABASE as records of KIND.\n"
           "KIND is one of: %s;\n"
           "or casualties: one row per victim with its incident's columns (incident_ref,\n"
           "date, lon, lat, device_category, device_model, activity, ...), made into\n"
           "accidents and victims (see `demine kinds casualties`).\n\n"
           "Columns named like a field are taken as they are; --map FIELD=COLUMN takes a field\n"
           "from another column; --set FIELD=VALUE gives every row the same value. Columns not\n"
           "mapped are kept in the record's attributes. Rows that cannot be imported go to the\n"
           "rejects file (default DATABASE-without-.gpkg.KIND.rejects.csv) with their row number\n"
           "and the reason; the rest is imported in one transaction. Invalid polygons are\n"
           "repaired, or rejected with --strict. Warnings about rows that were imported (a\n"
           "polygon repaired, say) go to the warnings file (default\n"
           "DATABASE-without-.gpkg.KIND.warnings.csv: row,warning) and their count to the\n"
           "terminal; --verbose prints them too. An import that imports no row changes\n"
           "nothing in the database. Records enter as approved,\n"
           "made by the database owner, unless --state submitted stages them for review.\n\n"
           "Importing the same records again changes nothing. A row is known by its key:\n"
           "the column --key COLUMN names, by default a code column (the record's code)\n"
           "or an id column (one record of the kind per value, whatever the file), else the\n"
           "file's feature ids (a GeoPackage's fid: keys of that file, by its name);\n"
           "without a key, by its content (values, attributes and geometry). A row imported\n"
           "before is \"already present\"; a keyed row whose content changed becomes a\n"
           "change of its record (proposed for review when the record is approved), never\n"
           "a second record. A copy of an earlier row of the file is imported once and\n"
           "listed in the warnings (--keep-duplicates imports every copy of rows without a\n"
           "key); of two rows claiming one key with different content, the later is\n"
           "rejected. Victims are people: identical rows are two victims; a victims or\n"
           "casualty file imported before, or rows of an incident that has its victims\n"
           "already, are not imported again unless --again. Each import is entered in the\n"
           "import log with the file's SHA-256 (`demine imports DATABASE`).\n\n"
           "Accidents (and casualty rows) without admin_code, settlement_code or hazard_code\n"
           "get them from their position: the admin area containing it, the nearest\n"
           "settlement within --settlement-within metres (default 5000) and the hazardous\n"
           "area containing it or within --hazard-within metres (default 100). Victims are\n"
           "linked to their accident by incident_ref.\n\n"
           "Exit status: 0 all rows in, 3 some rows rejected (the rest imported),\n"
           "1 error (nothing changed), 2 usage.\n",
           usage, kinds);
}

int cmd_import(int argc, char **argv)
{
    const char *pos[3];
    int npos = 0;
    const char **maps = calloc((size_t)argc, sizeof *maps);
    const char **sets = calloc((size_t)argc, sizeof *sets);
    if (!maps || !sets) {
        free(maps);
        free(sets);
        fputs("demine: out of memory\n", stderr);
        return EXIT_ERROR;
    }
    dm_import_opts o;
    memset(&o, 0, sizeof o);
    o.map = maps;
    o.set = sets;
    const char *rejects = NULL;
    progress_ctx pc = {.bar = isatty(2) != 0};
    double settlement_within = -1, hazard_within = -1;
    dm_casualty_import *links = NULL;
    int rc = EXIT_DONE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            goto out;
        } else if (!strcmp(a, "--map") && has_next) {
            maps[o.nmap++] = argv[++i];
        } else if (!strcmp(a, "--set") && has_next) {
            sets[o.nset++] = argv[++i];
        } else if (!strcmp(a, "--layer") && has_next) {
            o.layer = argv[++i];
        } else if (!strcmp(a, "--state") && has_next) {
            o.state = argv[++i];
        } else if (!strcmp(a, "--rejects") && has_next) {
            rejects = argv[++i];
        } else if (!strcmp(a, "--warnings") && has_next) {
            pc.wpath = argv[++i];
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            pc.verbose = true;
        } else if ((!strcmp(a, "--settlement-within") || !strcmp(a, "--hazard-within")) &&
                   has_next) {
            char *end;
            double m = strtod(argv[i + 1], &end);
            if (*end || !(m >= 0) || m > 1e6) {
                rc = cli_usage(usage, "%s needs a distance in metres (0 to 1000000), not '%s'", a,
                               argv[i + 1]);
                goto out;
            }
            if (a[2] == 's')
                settlement_within = m;
            else
                hazard_within = m;
            i++;
        } else if (!strcmp(a, "--key") && has_next) {
            o.key = argv[++i];
        } else if (!strcmp(a, "--keep-duplicates")) {
            o.keep_duplicates = true;
        } else if (!strcmp(a, "--again")) {
            o.again = true;
        } else if (!strcmp(a, "--strict")) {
            o.strict = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            pc.quiet = true;
            pc.bar = false;
        } else if (a[0] == '-' && a[1]) {
            rc = cli_usage(usage, "unknown option or missing value: %s", a);
            goto out;
        } else if (npos < 3) {
            pos[npos++] = a;
        } else {
            rc = cli_usage(usage, "too many arguments: %s", a);
            goto out;
        }
    }
    if (npos != 3) {
        rc = cli_usage(usage, "import needs DATABASE, KIND and FILE");
        goto out;
    }
    o.kind = !strcmp(pos[1], "casualties") ? &dm_kind_casualty_rows : dm_kind_find(pos[1]);
    if (!o.kind) {
        char kinds[512];
        dm_kind_list_names(kinds, sizeof kinds);
        rc = cli_usage(usage, "unknown kind '%s'; kinds are: %s", pos[1], kinds);
        goto out;
    }
    o.path = pos[2];
    char default_rejects[1200], default_warnings[1200];
    size_t stem = strlen(pos[0]);
    if (stem > 5 && !strcmp(pos[0] + stem - 5, ".gpkg"))
        stem -= 5;
    if (!rejects) {
        snprintf(default_rejects, sizeof default_rejects, "%.*s.%s.rejects.csv", (int)stem, pos[0],
                 o.kind->name);
        rejects = default_rejects;
    }
    if (!pc.wpath) {
        snprintf(default_warnings, sizeof default_warnings, "%.*s.%s.warnings.csv", (int)stem,
                 pos[0], o.kind->name);
        pc.wpath = default_warnings;
    }
    o.rejects_path = rejects;
    o.progress = pc.bar ? on_progress : NULL;
    o.warn = on_warn;
    o.ctx = &pc;
    dm_error err;
    dm_error_clear(&err);
    /* "who": database owner; fill in after open. Options first: usage errors are 2. */
    o.who = "owner";
    if (dm_import_check_options(&o, &err)) {
        rc = cli_usage(usage, "%s", err.msg);
        goto out;
    }
    /* before anything opens either: GDAL reading the database through a
       second file descriptor would drop this process's SQLite locks on it */
    if (dm_import_check_not_database(pos[0], o.path, &err)) {
        fprintf(stderr, "demine: %s\nnothing was imported.\n", err.msg);
        rc = EXIT_ERROR;
        goto out;
    }
    dm_store *store;
    if (dm_store_open(pos[0], DM_STORE_WRITE, &store, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    o.who = dm_store_owner(store);
    dm_import_result res;
    dm_status st = dm_casualty_import_hooks(&o, settlement_within, hazard_within, &links, &err);
    if (!st)
        st = dm_import(store, &o, &res, &err);
    int64_t created = 0, linked = 0;
    dm_casualty_import_counts(links, &created, &linked);
    /* the casualty figures' summary, made now rather than at the next query */
    if (!st && links && res.imported) {
        dm_error ignored;
        dm_casualties_refresh(store, &ignored);
    }
    /* the hooks' state holds geometries of the store's context */
    dm_casualty_import_free(links);
    links = NULL;
    dm_store_close(store);
    bool warned = warnings_finish(&pc, !st);
    if (st) {
        if (pc.bar)
            fputs("\n", stderr);
        fprintf(stderr, "demine: %s\nnothing was imported.\n", err.msg);
        rc = EXIT_ERROR;
        goto out;
    }
    if (res.refused_again) {
        fprintf(stderr,
                "%s: %s was imported before, on %.10s at %.5s (import %lld: %lld record%s): "
                "its people are in the database already; nothing was imported (--again "
                "imports them once more)\n",
                o.kind->name, res.before.file, res.before.at, res.before.at + 11,
                (long long)res.before.id, (long long)res.before.imported,
                res.before.imported == 1 ? "" : "s");
        rc = EXIT_DONE;
        goto out;
    }
    if (res.before_found)
        fprintf(stderr, "%s: this file was imported before, on %.10s at %.5s (import %lld)\n",
                o.kind->name, res.before.at, res.before.at + 11, (long long)res.before.id);
    fprintf(stderr, "%s: %lld rows read, %lld imported", o.kind->name, (long long)res.rows,
            (long long)res.imported);
    if (o.kind == &dm_kind_casualty_rows) {
        fprintf(stderr, " as victims of %lld new and %lld recorded incidents", (long long)created,
                (long long)linked);
    }
    if (res.repaired)
        fprintf(stderr, " (%lld with repaired polygons)", (long long)res.repaired);
    if (res.present)
        fprintf(stderr, ", %lld already present", (long long)res.present);
    if (res.changed)
        fprintf(stderr, ", %lld changed records (see the warnings)", (long long)res.changed);
    if (res.duplicates)
        fprintf(stderr, ", %lld copies of earlier rows left out", (long long)res.duplicates);
    if (res.rejected)
        fprintf(stderr, ", %lld rejected: see %s", (long long)res.rejected, rejects);
    if (!res.imported && !res.changed)
        fputs("; nothing was changed", stderr);
    else if (res.log_id)
        fprintf(stderr, " (import %lld)", (long long)res.log_id);
    fputs("\n", stderr);
    if (pc.warnings)
        fprintf(stderr, "%lld warning%s: %s\n", (long long)pc.warnings, pc.warnings == 1 ? "" : "s",
                warned ? pc.wpath : "the warnings file could not be written");
    rc = res.rejected ? EXIT_PARTIAL : EXIT_DONE;
out:
    warnings_finish(&pc, false);
    dm_casualty_import_free(links);
    free(maps);
    free(sets);
    return rc;
}

/* ---- demine imports: the import log ---- */

typedef struct log_ctx {
    dm_buf *b;
    bool json;
    int64_t n;
} log_ctx;

static int print_entry(const dm_import_entry *e, void *ctx)
{
    log_ctx *c = ctx;
    if (c->json) {
        dm_buf_printf(c->b, "%s\n  {\"id\": %lld, \"at\": ", c->n ? "," : "", (long long)e->id);
        dm_buf_json_string(c->b, e->at);
        const char *names[] = {"who", "kind", "file", "sha256"};
        const char *vals[] = {e->who, e->kind, e->file, e->sha256};
        for (int i = 0; i < 4; i++) {
            dm_buf_printf(c->b, ", \"%s\": ", names[i]);
            dm_buf_json_string(c->b, vals[i]);
        }
        dm_buf_printf(c->b,
                      ", \"rows\": %lld, \"imported\": %lld, \"changed\": %lld, \"present\": "
                      "%lld, \"duplicates\": %lld, \"rejected\": %lld}",
                      (long long)e->rows, (long long)e->imported, (long long)e->changed,
                      (long long)e->present, (long long)e->duplicates, (long long)e->rejected);
    } else {
        dm_buf_printf(c->b,
                      "%-6lld %.10s %.5s  %-12s %-24s %-12s rows %lld: %lld new, %lld changed, "
                      "%lld present, %lld copies, %lld rejected\n       sha256 %s\n",
                      (long long)e->id, e->at, e->at + 11, e->kind, e->file, e->who,
                      (long long)e->rows, (long long)e->imported, (long long)e->changed,
                      (long long)e->present, (long long)e->duplicates, (long long)e->rejected,
                      e->sha256);
    }
    c->n++;
    return 0;
}

int cmd_imports(int argc, char **argv)
{
    static const char imports_usage[] = "demine imports DATABASE [--json]";
    const char *db = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s\n\nLists the import log, oldest first: every import that changed "
                   "the database, when,\nby whom, the file's name and SHA-256 (compare it with "
                   "`sha256sum FILE`), and\nwhat came of its rows.\n",
                   imports_usage);
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-') {
            return cli_usage(imports_usage, "unknown option: %s", argv[i]);
        } else if (!db) {
            db = argv[i];
        } else {
            return cli_usage(imports_usage, "too many arguments: %s", argv[i]);
        }
    }
    if (!db)
        return cli_usage(imports_usage, "imports needs a DATABASE");
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_buf b;
    dm_buf_init(&b, 0);
    log_ctx c = {&b, json, 0};
    if (json)
        dm_buf_puts(&b, "[");
    dm_status st = dm_store_import_list(store, print_entry, &c, &err);
    dm_store_close(store);
    if (json)
        dm_buf_puts(&b, c.n ? "\n]\n" : "]\n");
    else if (!c.n)
        dm_buf_puts(&b, "no imports yet\n");
    bool ok = !st && !b.status && cli_write_stdout(b.data);
    dm_buf_free(&b);
    if (st)
        return cli_fail(&err);
    return ok ? EXIT_DONE : EXIT_ERROR;
}
