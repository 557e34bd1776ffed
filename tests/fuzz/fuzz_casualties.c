/* fuzz_casualties: dm_import of an arbitrary CSV file of casualty rows (one
 * row per victim with its incident's columns, src/io/casualties.h) into a
 * fresh database.
 *
 * Per input: a new temporary folder with the input as in.csv, a new demine
 * database (dm_store_create), then
 *   demine import casualties in.csv   (who "fuzz", default distances)
 * that is dm_import with kind dm_kind_casualty_rows and the hooks of
 * dm_casualty_import_hooks, and the invariants of import.h and casualties.h:
 *   - DM_OK:  imported + rejected == rows; the store holds exactly `imported`
 *             victims and exactly as many accidents as the import says it
 *             created (a fresh database has no incidents to link to, so none
 *             are linked); every row of the file is either one stored victim
 *             (its origin "in.csv row N") or one line of the rejects file,
 *             never both, never twice; every victim's accident_code names a
 *             stored accident with the victim's incident_ref, so all victims
 *             of one incident_ref share one accident, and no two accidents
 *             have the same incident_ref; the rejects file exists iff
 *             rejected > 0 and is CSV with the header row,reason and one
 *             record per reject;
 *   - error:  no victim and no accident is stored (nothing half-written), the
 *             result says nothing was imported, no rejects file is left;
 *   - either way: no "<rejects>.part" is left behind, every stored record is
 *     approved with canonical, UTF-8 field values and attributes that are a
 *     JSON object, every accident has a point within lon/lat range,
 *     dm_store_check_integrity reports no error and the database reopens
 *     with the same counts.
 * Everything is removed after each input.
 *
 * GDAL is kept quiet, and only its CSV driver stays registered so that the
 * fuzzer explores the casualty import rather than every format GDAL can
 * sniff from a file's first bytes. Set DM_FUZZ_ALL_DRIVERS=1 to keep all.
 */
#include "io/casualties.h"
#include "io/gdal_util.h"
#include "io/import.h"
#include "core/utf8.h"
#include "store/store.h"

#include "fuzz_files.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ctype.h>
#include <gdal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_root[512];
static int verbose; /* DM_FUZZ_VERBOSE=1: one line per input, and the rejects */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_casualties: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void keep_csv_driver(void)
{
    for (int i = GDALGetDriverCount() - 1; i >= 0; i--) {
        GDALDriverH d = GDALGetDriver(i);
        if (strcmp(GDALGetDriverShortName(d), "CSV")) {
            GDALDeregisterDriver(d);
            GDALDestroyDriver(d);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    CPLSetErrorHandler(CPLQuietErrorHandler);
    CPLSetConfigOption("CPL_DEBUG", "OFF");
    /* dm_import calls dm_gdal_init() (GDALAllRegister once); calling it here
     * first means the drivers removed below stay removed. */
    dm_gdal_init();
    const char *all = getenv("DM_FUZZ_ALL_DRIVERS");
    if (!all || strcmp(all, "1"))
        keep_csv_driver();
    const char *v = getenv("DM_FUZZ_VERBOSE");
    verbose = v && !strcmp(v, "1");
    const char *t = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s", t && *t ? t : "/tmp");
    return 0;
}

static int64_t count(dm_store *store, const dm_kind *k, const char *when)
{
    int64_t n = -1;
    dm_error err;
    if (dm_store_count(store, k, true, &n, &err) != DM_OK)
        die(when, err.msg);
    return n;
}

/* ---- the rows of the file: each a victim or a reject, exactly once ---- */

enum { ROW_UNSEEN = 0, ROW_VICTIM = 1, ROW_REJECT = 2 };

typedef struct rows_seen {
    int64_t n;          /* rows read (res.rows) */
    unsigned char *row; /* [n + 1], by 1-based row number */
} rows_seen;

static void see_row(rows_seen *rs, int64_t row, unsigned char as, const char *what)
{
    char msg[200];
    if (row < 1 || row > rs->n) {
        snprintf(msg, sizeof msg, "row %lld of %lld", (long long)row, (long long)rs->n);
        die(as == ROW_VICTIM ? "a victim comes from a row that was not read"
                             : "the rejects file names a row that was not read",
            msg);
    }
    if (rs->row[row] != ROW_UNSEEN) {
        snprintf(msg, sizeof msg, "row %lld: %s, and %s", (long long)row,
                 rs->row[row] == ROW_VICTIM ? "a victim" : "a reject", what);
        die("a row is accounted for twice", msg);
    }
    rs->row[row] = as;
}

/* Reads the rejects file as CSV (RFC 4180: a quoted reason may hold commas,
 * doubled quotes and even line breaks) and returns the number of records
 * after the header; each record's row is marked in rs. */
static int64_t read_rejects(const char *path, rows_seen *rs)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        die("cannot open the rejects file", path);
    int64_t n = 0;
    int c;
    static const char header[] = "row,reason\n";
    for (const char *h = header; *h; h++)
        if (getc(fp) != *h)
            die("the rejects file does not start with the header row,reason", NULL);
    char msg[200];
    while ((c = getc(fp)) != EOF) {
        long long row = 0;
        int digits = 0;
        for (; isdigit(c); c = getc(fp)) {
            if (++digits > 15)
                die("a row number in the rejects file is too long", NULL);
            row = row * 10 + (c - '0');
        }
        if (!digits || c != ',') {
            snprintf(msg, sizeof msg, "record %lld", (long long)n + 1);
            die("a rejects record does not start with a row number and a comma", msg);
        }
        if (getc(fp) != '"') {
            snprintf(msg, sizeof msg, "row %lld", row);
            die("a reject's reason is not quoted", msg);
        }
        size_t len = 0;
        for (;;) {
            c = getc(fp);
            if (c == EOF) {
                snprintf(msg, sizeof msg, "row %lld", row);
                die("a reject's reason is not closed", msg);
            }
            if (c == '"') {
                c = getc(fp);
                if (c != '"')
                    break;
            }
            len++;
        }
        if (c != '\n') {
            snprintf(msg, sizeof msg, "row %lld", row);
            die("a reject's record does not end after its reason", msg);
        }
        if (!len) {
            snprintf(msg, sizeof msg, "row %lld", row);
            die("a reject without a reason", msg);
        }
        see_row(rs, row, ROW_REJECT, "a reject");
        n++;
    }
    fclose(fp);
    return n;
}

/* The N of "in.csv row N" (a victim's origin), or -1. */
static int64_t origin_row(const char *origin)
{
    static const char prefix[] = "in.csv row ";
    if (!origin || strncmp(origin, prefix, sizeof prefix - 1))
        return -1;
    const char *p = origin + sizeof prefix - 1;
    if (!isdigit((unsigned char)*p))
        return -1;
    char *end;
    long long row = strtoll(p, &end, 10);
    return *end ? -1 : row;
}

/* ---- what every stored record must look like ---- */

static void check_values(const dm_record *rec)
{
    const char *code = rec->code;
    char msg[400];
    if (!code[0] || !dm_utf8_valid(code, strlen(code), NULL))
        die("stored record without a proper code", code);
    if (strcmp(rec->state, "approved")) {
        snprintf(msg, sizeof msg, "%s is %s", code, rec->state);
        die("stored record is not in state approved", msg);
    }
    for (size_t i = 0; i < rec->kind->nfields; i++) {
        const dm_field *f = &rec->kind->fields[i];
        const char *v = rec->values[i];
        if (!v)
            continue;
        if (!dm_utf8_valid(v, strlen(v), NULL))
            die("stored value is not UTF-8", code);
        char *again = NULL;
        dm_error err;
        if (dm_field_normalise(f, v, &again, &err) != DM_OK || !again || strcmp(again, v)) {
            snprintf(msg, sizeof msg, "%s.%s = \"%.200s\"", code, f->name, v);
            die("stored value is not in canonical form", msg);
        }
        free(again);
    }
    if (rec->attributes) {
        if (!dm_utf8_valid(rec->attributes, strlen(rec->attributes), NULL))
            die("stored attributes are not UTF-8", code);
        if (!fz_json_object_ok(rec->attributes)) {
            snprintf(msg, sizeof msg, "%s: %.300s", code, rec->attributes);
            die("stored attributes are not a JSON object", msg);
        }
    }
}

static void check_point(dm_store *store, const dm_record *acc)
{
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    const char *code = acc->code;
    if (!acc->geom)
        die("stored accident has no position", code);
    if (GEOSGeomTypeId_r(h, acc->geom) != GEOS_POINT || GEOSisEmpty_r(h, acc->geom) != 0)
        die("stored accident position is not a point", code);
    double x, y;
    if (!GEOSGeomGetX_r(h, acc->geom, &x) || !GEOSGeomGetY_r(h, acc->geom, &y))
        die("stored accident point has no coordinates", code);
    if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: %g %g", code, x, y);
        die("stored accident point is out of lon/lat range", msg);
    }
}

typedef struct pair {
    char *ref;  /* incident_ref */
    char *code; /* accident (of a victim) or the accident's own code */
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->ref, y->ref);
    return c ? c : strcmp(x->code, y->code);
}

static void free_pairs(pair *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].ref);
        free(p[i].code);
    }
    free(p);
}

static void add_pair(pair **p, size_t *n, size_t *cap, const char *ref, const char *code)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *p = realloc(*p, *cap * sizeof **p);
        if (!*p)
            die("out of memory", NULL);
    }
    (*p)[*n].ref = strdup(ref);
    (*p)[*n].code = strdup(code);
    if (!(*p)[*n].ref || !(*p)[*n].code)
        die("out of memory", NULL);
    (*n)++;
}

/* Reads every accident: values, position, incident_ref unique. */
static int64_t check_accidents(dm_store *store)
{
    dm_query q = {.kind = &dm_kind_accidents, .include_drafts = true, .with_geometry = true};
    dm_cursor *cur = NULL;
    dm_error err;
    if (dm_store_query(store, &q, &cur, &err) != DM_OK)
        die("cannot read the stored accidents", err.msg);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_accidents);
    pair *refs = NULL;
    size_t nrefs = 0, cap = 0;
    int64_t n = 0;
    for (;;) {
        bool has_row = false;
        if (dm_cursor_next(cur, &rec, &has_row, &err) != DM_OK)
            die("cannot read a stored accident", err.msg);
        if (!has_row)
            break;
        n++;
        check_values(&rec);
        check_point(store, &rec);
        const char *ref = dm_record_get(&rec, "incident_ref");
        if (!ref)
            die("stored accident without an incident_ref", rec.code);
        if (!rec.origin || strncmp(rec.origin, "in.csv row", 10))
            die("stored accident does not say which rows it comes from", rec.code);
        add_pair(&refs, &nrefs, &cap, ref, rec.code);
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    if (nrefs)
        qsort(refs, nrefs, sizeof *refs, cmp_pair);
    for (size_t i = 1; i < nrefs; i++)
        if (!strcmp(refs[i - 1].ref, refs[i].ref)) {
            char msg[300];
            snprintf(msg, sizeof msg, "'%.100s' is %s and %s", refs[i].ref, refs[i - 1].code,
                     refs[i].code);
            die("two accidents have the same incident_ref", msg);
        }
    free_pairs(refs, nrefs);
    return n;
}

/* Reads every victim: values, its row, its accident. */
static int64_t check_victims(dm_store *store, rows_seen *rs)
{
    dm_query q = {.kind = &dm_kind_victims, .include_drafts = true};
    dm_cursor *cur = NULL;
    dm_error err;
    if (dm_store_query(store, &q, &cur, &err) != DM_OK)
        die("cannot read the stored victims", err.msg);
    dm_record rec, acc;
    dm_record_init(&rec, &dm_kind_victims);
    dm_record_init(&acc, &dm_kind_accidents);
    pair *links = NULL;
    size_t nlinks = 0, cap = 0;
    int64_t n = 0;
    char msg[400];
    for (;;) {
        bool has_row = false;
        if (dm_cursor_next(cur, &rec, &has_row, &err) != DM_OK)
            die("cannot read a stored victim", err.msg);
        if (!has_row)
            break;
        n++;
        check_values(&rec);
        int64_t row = origin_row(rec.origin);
        if (row < 0) {
            snprintf(msg, sizeof msg, "%s: \"%.200s\"", rec.code, rec.origin ? rec.origin : "");
            die("a victim's origin is not \"in.csv row N\"", msg);
        }
        snprintf(msg, sizeof msg, "victim %s", rec.code);
        see_row(rs, row, ROW_VICTIM, msg);
        const char *ref = dm_record_get(&rec, "incident_ref");
        const char *code = dm_record_get(&rec, "accident_code");
        if (!ref || !code)
            die("stored victim without incident_ref or accident_code", rec.code);
        dm_record_clear(&acc, dm_store_geo(store));
        if (dm_store_get(store, &dm_kind_accidents, code, &acc, &err) != DM_OK) {
            snprintf(msg, sizeof msg, "%s -> %.40s: %s", rec.code, code, err.msg);
            die("a victim's accident_code names no accident in the store", msg);
        }
        const char *acc_ref = dm_record_get(&acc, "incident_ref");
        if (!acc_ref || strcmp(acc_ref, ref)) {
            snprintf(msg, sizeof msg, "%s has '%.100s', its accident %s has '%.100s'", rec.code,
                     ref, code, acc_ref ? acc_ref : "(none)");
            die("a victim and its accident disagree on the incident_ref", msg);
        }
        add_pair(&links, &nlinks, &cap, ref, code);
    }
    dm_record_clear(&acc, dm_store_geo(store));
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    if (nlinks)
        qsort(links, nlinks, sizeof *links, cmp_pair);
    for (size_t i = 1; i < nlinks; i++)
        if (!strcmp(links[i - 1].ref, links[i].ref) && strcmp(links[i - 1].code, links[i].code)) {
            snprintf(msg, sizeof msg, "'%.100s': %s and %s", links[i].ref, links[i - 1].code,
                     links[i].code);
            die("victims of one incident_ref belong to different accidents", msg);
        }
    free_pairs(links, nlinks);
    return n;
}

typedef struct integrity {
    int errors;
    char first[700];
} integrity;

static void on_finding(const dm_finding *f, void *ctx)
{
    integrity *in = ctx;
    if (strcmp(f->severity, "error"))
        return;
    if (!in->errors++)
        snprintf(in->first, sizeof in->first, "%s: %s", f->what, f->detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[600], src[700], db[700], rejects[700], part[800];
    snprintf(dir, sizeof dir, "%s/dm_fuzz_casualties.XXXXXX", tmp_root);
    if (!mkdtemp(dir))
        die("cannot create a temporary folder", dir);
    snprintf(src, sizeof src, "%s/in.csv", dir);
    snprintf(db, sizeof db, "%s/fuzz.gpkg", dir);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", dir);
    snprintf(part, sizeof part, "%s.part", rejects);

    FILE *fp = fopen(src, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
        die("cannot write the input file", src);

    dm_error err;
    dm_error_clear(&err);
    dm_store *store = NULL;
    if (dm_store_create(db, "fuzz", &store, &err) != DM_OK)
        die("dm_store_create failed", err.msg);

    dm_import_opts o;
    memset(&o, 0, sizeof o);
    o.kind = &dm_kind_casualty_rows;
    o.path = src;
    o.who = "fuzz";
    o.rejects_path = rejects;
    dm_casualty_import *state = NULL;
    if (dm_casualty_import_hooks(&o, -1, -1, &state, &err) != DM_OK)
        die("dm_casualty_import_hooks failed", err.msg);
    if (!state || !o.take || !o.finish || o.hook_ctx != state)
        die("dm_casualty_import_hooks did not set the casualty-row hooks", NULL);
    dm_import_result res;
    memset(&res, 0xA5, sizeof res);
    dm_status st = dm_import(store, &o, &res, &err);
    int64_t created = -1, linked = -1;
    dm_casualty_import_counts(state, &created, &linked);
    dm_casualty_import_free(state);

    int64_t victims = count(store, &dm_kind_victims, "counting victims after the import");
    int64_t accidents = count(store, &dm_kind_accidents, "counting accidents after the import");
    if (verbose) {
        fprintf(stderr,
                "fuzz_casualties: %s: rows %lld, imported %lld, rejected %lld; "
                "%lld victims, %lld accidents (%lld created)%s%s\n",
                dm_status_name(st), (long long)res.rows, (long long)res.imported,
                (long long)res.rejected, (long long)victims, (long long)accidents,
                (long long)created, st ? ": " : "", st ? err.msg : "");
        FILE *rf = fopen(rejects, "rb");
        for (int c; rf && (c = getc(rf)) != EOF;)
            fputc(c, stderr);
        if (rf)
            fclose(rf);
    }
    char msg[1400];
    rows_seen rs = {0, NULL};
    if (st == DM_OK) {
        if (res.rows < 0 || res.imported < 0 || res.rejected < 0 ||
            res.imported + res.rejected != res.rows) {
            snprintf(msg, sizeof msg, "rows %lld != imported %lld + rejected %lld",
                     (long long)res.rows, (long long)res.imported, (long long)res.rejected);
            die("import succeeded but the rows do not add up", msg);
        }
        if (res.repaired < 0 || res.repaired > res.imported)
            die("more rows repaired than imported", NULL);
        if (victims != res.imported) {
            snprintf(msg, sizeof msg, "%lld victims stored, %lld reported imported",
                     (long long)victims, (long long)res.imported);
            die("import succeeded but the store disagrees", msg);
        }
        if (linked != 0) {
            snprintf(msg, sizeof msg, "%lld linked", (long long)linked);
            die("incidents linked to in a database without any", msg);
        }
        if (accidents != created) {
            snprintf(msg, sizeof msg, "%lld accidents stored, %lld reported created",
                     (long long)accidents, (long long)created);
            die("import succeeded but the accidents in the store disagree", msg);
        }
        if (accidents > res.rows)
            die("more accidents than rows", NULL);
        rs.n = res.rows;
        rs.row = calloc((size_t)res.rows + 1, 1);
        if (!rs.row)
            die("out of memory", NULL);
        if (res.rejected > 0) {
            int64_t listed = read_rejects(rejects, &rs);
            if (listed != res.rejected) {
                snprintf(msg, sizeof msg, "%lld records for %lld rejects", (long long)listed,
                         (long long)res.rejected);
                die("rejects file does not list every reject", msg);
            }
        } else if (fz_exists(rejects)) {
            die("rejects file written although nothing was rejected", NULL);
        }
    } else {
        if (!err.msg[0])
            die("import failed without a message", dm_status_name(st));
        if (err.code != st) {
            snprintf(msg, sizeof msg, "returns %s, err.code %s: %s", dm_status_name(st),
                     dm_status_name(err.code), err.msg);
            die("import failed with another status than its error says", msg);
        }
        if (victims != 0 || accidents != 0) {
            snprintf(msg, sizeof msg, "%lld victims and %lld accidents stored after: %s",
                     (long long)victims, (long long)accidents, err.msg);
            die("import failed but left records behind", msg);
        }
        if (res.imported != 0)
            die("import failed but reports imported records", err.msg);
        if (fz_exists(rejects))
            die("import failed but left a rejects file", err.msg);
    }
    if (fz_exists(part))
        die("a rejects .part file was left behind", part);

    if (check_accidents(store) != accidents)
        die("reading the accidents gives a different number than counting them", NULL);
    if (check_victims(store, &rs) != victims)
        die("reading the victims gives a different number than counting them", NULL);
    for (int64_t r = 1; r <= rs.n; r++)
        if (rs.row[r] == ROW_UNSEEN) {
            snprintf(msg, sizeof msg, "row %lld of %lld", (long long)r, (long long)rs.n);
            die("a row is neither a stored victim nor a reject", msg);
        }
    free(rs.row);

    integrity in = {0, ""};
    dm_error_clear(&err);
    if (dm_store_check_integrity(store, on_finding, &in, &err) != DM_OK)
        die("integrity check failed", err.msg);
    if (in.errors)
        die("integrity check finds errors after the import", in.first);
    dm_store_close(store);

    /* what is on disk after closing */
    if (dm_store_open(db, DM_STORE_READ, &store, &err) != DM_OK)
        die("the database does not reopen", err.msg);
    if (count(store, &dm_kind_victims, "counting victims after reopening") != victims ||
        count(store, &dm_kind_accidents, "counting accidents after reopening") != accidents)
        die("the counts change after closing and reopening the database", NULL);
    dm_store_close(store);

    fz_remove_dir(dir);
    return 0;
}
