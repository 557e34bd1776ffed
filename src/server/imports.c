/* Imports over HTTP: POST /import/{kind}?filename=NAME.EXT with the file as
 * the body. The same import as `demine import` (io/import.h: the same
 * checks, repairs, hooks and one transaction), except that the records
 * enter as submitted and the rejects come back in the answer:
 *
 *   {"kind", "file", "rows", "imported", "changed", "present", "duplicates",
 *    "rejected", "repaired", "state": "submitted", "import": N or null,
 *    "imported_before": {"import", "at", "who"} or null,
 *    "rejects": [{"row", "reason"}], "rejects_total", "warnings": [...]}
 *
 * Parameters: filename (a label: the records' origin and the name in the
 * import log), map and set (comma-separated target=source / target=value
 * pairs, as --map and --set), layer, strict, key, keep_duplicates, again
 * (as `demine import`: a row imported before changes nothing, a changed
 * keyed row becomes a change for review; a victims or casualty file
 * imported before is 409 unless again=true). The format is decided from the body's bytes
 * (io/upload.h): GeoJSON, GeoPackage, CSV, KML, GPX or XLSX, each opened by its own GDAL driver
 * alone; anything else (an OGR VRT, which would read other files, a zip that is not a workbook,
 * binary data), a GeoPackage with SQL in it, or a file name whose extension says another format is
 * 415 and nothing is read. The body is written to a private temporary folder, read, and removed
 * with it.
 */
#include "server/internal.h"

#include "analysis/casualties.h"
#include "io/casualties.h"
#include "io/import.h"
#include "io/upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PAIRS 64
#define MAX_LISTED 1000 /* rejects and warnings listed in the answer */

typedef struct warnings {
    dm_buf *b;
    int n;
} warnings;

static void on_warn(const char *msg, void *ctx)
{
    warnings *w = ctx;
    if (w->n++ >= MAX_LISTED)
        return;
    dm_buf_puts(w->b, w->n > 1 ? ", " : "");
    dm_buf_json_string(w->b, msg);
}

/* A file name a client may give: a plain name with a known extension (which
 * must agree with the content: see import_file). */
static bool good_filename(const char *name)
{
    static const char *const ext[] = {".geojson", ".json", ".gpkg", ".csv",
                                      ".kml",     ".gpx",  ".xlsx", NULL};
    size_t n = strlen(name);
    if (!n || n > 200 || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    for (size_t i = 0; ext[i]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !strcasecmp(name + n - e, ext[i]))
            return true;
    }
    return false;
}

/* Splits "a=b,c=d" (a copy in *buf, owned by the caller) into pairs. */
static bool split_pairs(const char *list, char **buf, const char **pairs, size_t *n)
{
    *n = 0;
    if (!list)
        return true;
    if (!(*buf = strdup(list)))
        return false;
    char *save = NULL;
    for (char *t = strtok_r(*buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_PAIRS)
            return false;
        pairs[(*n)++] = t;
    }
    return true;
}

/* Appends the rejects file's rows (row,"reason") as JSON objects. */
static int64_t list_rejects(const char *path, dm_buf *b)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[4096];
    int64_t n = 0;
    bool header = true;
    while (fgets(line, sizeof line, fp)) {
        if (header) {
            header = false;
            continue;
        }
        char *end;
        long long row = strtoll(line, &end, 10);
        if (end == line || end[0] != ',' || end[1] != '"')
            continue;
        char reason[4096];
        size_t k = 0;
        for (const char *p = end + 2; *p && k + 1 < sizeof reason; p++) {
            if (*p == '"' && p[1] == '"')
                reason[k++] = *p++;
            else if (*p == '"')
                break;
            else
                reason[k++] = *p;
        }
        reason[k] = 0;
        if (n++ < MAX_LISTED) {
            dm_buf_printf(b, "%s{\"row\": %lld, \"reason\": ", n > 1 ? ", " : "", row);
            dm_buf_json_string(b, reason);
            dm_buf_puts(b, "}");
        }
    }
    fclose(fp);
    return n;
}

static void import_file(const dm_request *q, dm_response *r, const dm_kind *kind)
{
    static const char *const allowed[] = {
        "filename", "map", "set", "layer", "strict", "key", "keep_duplicates", "again", NULL};
    if (!dm_server_check_params(q, r, allowed, NULL))
        return;
    const char *filename = dm_qs_get(q->qs, "filename");
    if (!filename || !good_filename(filename)) {
        dm_respond_problem(r, 400, "Bad file name",
                           "filename=NAME.EXT is needed, a plain name (letters, digits, . _ -) "
                           "ending in .geojson, .json, .gpkg, .csv, .kml, .gpx or .xlsx");
        return;
    }
    if (!q->body_len) {
        dm_respond_problem(r, 400, "No file", "send the file's bytes as the request body");
        return;
    }
    /* the bytes say what the file is; its name must say the same */
    const dm_upload_format *fmt = NULL;
    dm_error serr;
    if (dm_upload_sniff(q->body, q->body_len, &fmt, &serr)) {
        dm_respond_problem(r, 415, "Unsupported file format", "%s; nothing was imported", serr.msg);
        return;
    }
    if (!dm_upload_name_fits(fmt, filename)) {
        dm_respond_problem(r, 415, "Unsupported file format",
                           "the file is %s but its name %s says another format: name it %s or "
                           "send the file its name says; nothing was imported",
                           fmt->name, filename, fmt->exts[0]);
        return;
    }
    const char *strict = dm_qs_get(q->qs, "strict");
    char *mapbuf = NULL, *setbuf = NULL;
    const char *maps[MAX_PAIRS], *sets[MAX_PAIRS];
    dm_import_opts o;
    memset(&o, 0, sizeof o);
    if (!split_pairs(dm_qs_get(q->qs, "map"), &mapbuf, maps, &o.nmap) ||
        !split_pairs(dm_qs_get(q->qs, "set"), &setbuf, sets, &o.nset)) {
        free(mapbuf);
        free(setbuf);
        dm_respond_problem(r, 400, "Bad map or set", "at most %d target=... pairs each", MAX_PAIRS);
        return;
    }
    o.kind = kind;
    o.map = maps;
    o.set = sets;
    o.layer = dm_qs_get(q->qs, "layer");
    o.strict = strict && strcmp(strict, "false") && strcmp(strict, "0");
    const char *keep = dm_qs_get(q->qs, "keep_duplicates"), *again = dm_qs_get(q->qs, "again");
    o.keep_duplicates = keep && strcmp(keep, "false") && strcmp(keep, "0");
    o.again = again && strcmp(again, "false") && strcmp(again, "0");
    o.key = dm_qs_get(q->qs, "key");
    o.upload = true;
    o.state = "submitted";
    o.who = q->user;
    dm_error err;
    dm_error_clear(&err);
    /* the options alone first (the paths are checked for being there) */
    o.path = filename;
    o.rejects_path = "rejects.csv";
    if (dm_import_check_options(&o, &err)) {
        free(mapbuf);
        free(setbuf);
        dm_respond_problem(r, 400, "Bad map or set", "%s", err.msg);
        return;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[800], rejects[800];
    snprintf(dir, sizeof dir, "%s/demine-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(mapbuf);
        free(setbuf);
        dm_respond_problem(r, 503, "Busy", "no room for the file now: try again");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", dir, filename);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", dir);
    o.path = path;
    o.rejects_path = rejects;
    dm_buf warn;
    dm_buf_init(&warn, 0);
    warnings w = {&warn, 0};
    o.warn = on_warn;
    o.ctx = &w;
    errno = 0;
    FILE *fp = fopen(path, "wb");
    bool written = fp && fwrite(q->body, 1, q->body_len, fp) == q->body_len;
    if (fp && fclose(fp))
        written = false;
    bool no_room = !written && (errno == ENOSPC || errno == EDQUOT);
    dm_store *store = NULL;
    dm_casualty_import *links = NULL;
    dm_import_result res;
    memset(&res, 0, sizeof res);
    dm_status st = written ? DM_OK : dm_error_set(&err, DM_EIO, "the file could not be kept");
    /* SQL in a GeoPackage would run as GDAL reads it: refused before */
    bool refused = false;
    if (!st && !strcmp(fmt->driver, "GPKG")) {
        st = dm_upload_check_gpkg(path, &err);
        refused = st == DM_EFORMAT;
    }
    if (!st)
        st = dm_store_open(q->opts->location, DM_STORE_WRITE, &store, &err);
    if (!st)
        st = dm_casualty_import_hooks(&o, -1, -1, &links, &err);
    if (!st)
        st = dm_import(store, &o, &res, &err);
    if (!st && links && res.imported) { /* the casualty summary, now rather than later */
        dm_error ignored;
        dm_casualties_refresh(store, &ignored);
    }
    dm_casualty_import_free(links);
    if (store)
        dm_store_close(store);
    dm_buf rj;
    dm_buf_init(&rj, 0);
    int64_t listed = st ? 0 : list_rejects(rejects, &rj);
    unlink(path);
    unlink(rejects);
    rmdir(dir);
    free(mapbuf);
    free(setbuf);
    if (no_room)
        dm_respond_problem(r, 507, "Insufficient storage",
                           "the server's disk has no room for the file (%zu bytes); nothing was "
                           "imported",
                           q->body_len);
    else if (st == DM_EIO && !written)
        dm_respond_problem(r, 503, "Busy", "the file could not be kept now: try again");
    else if (st == DM_EFULL)
        dm_respond_problem(r, 507, "Insufficient storage",
                           "the database's disk is full; nothing was imported");
    else if (refused)
        dm_respond_problem(r, 415, "Unsupported file format", "%s; nothing was imported", err.msg);
    else if (st == DM_EINVAL || st == DM_EFORMAT || st == DM_ENOTFOUND || st == DM_EIO)
        dm_respond_problem(r, 400, "Import failed", "%s; nothing was imported", err.msg);
    else if (st == DM_ECONFLICT)
        dm_respond_problem(r, 409, "Import failed", "%s; nothing was imported", err.msg);
    else if (st)
        dm_respond_problem(r, 503, "Database unavailable",
                           "the import could not be stored; nothing was imported");
    else if (res.refused_again)
        dm_respond_problem(r, 409, "Imported before",
                           "this file was imported before, on %.10s at %.5s by %s (import %lld): "
                           "its people are in the database already; nothing was imported "
                           "(again=true imports them once more)",
                           res.before.at, res.before.at + 11, res.before.who,
                           (long long)res.before.id);
    else {
        dm_buf *b = &r->body;
        dm_buf_puts(b, "{\"kind\": ");
        dm_buf_json_string(b, kind->name);
        dm_buf_puts(b, ", \"file\": ");
        dm_buf_json_string(b, filename);
        dm_buf_printf(b,
                      ", \"rows\": %lld, \"imported\": %lld, \"changed\": %lld, \"present\": "
                      "%lld, \"duplicates\": %lld, \"rejected\": %lld, \"repaired\": %lld,"
                      " \"state\": \"submitted\", \"import\": ",
                      (long long)res.rows, (long long)res.imported, (long long)res.changed,
                      (long long)res.present, (long long)res.duplicates, (long long)res.rejected,
                      (long long)res.repaired);
        if (res.log_id)
            dm_buf_printf(b, "%lld", (long long)res.log_id);
        else
            dm_buf_puts(b, "null");
        dm_buf_puts(b, ", \"imported_before\": ");
        if (res.before_found) {
            dm_buf_printf(b, "{\"import\": %lld, \"at\": ", (long long)res.before.id);
            dm_buf_json_string(b, res.before.at);
            dm_buf_puts(b, ", \"who\": ");
            dm_buf_json_string(b, res.before.who);
            dm_buf_puts(b, "}");
        } else {
            dm_buf_puts(b, "null");
        }
        dm_buf_puts(b, ", \"rejects\": [");
        if (rj.data)
            dm_buf_puts(b, rj.data);
        dm_buf_printf(b, "], \"rejects_total\": %lld, \"warnings\": [", (long long)listed);
        if (warn.data)
            dm_buf_puts(b, warn.data);
        dm_buf_puts(b, "]}\n");
    }
    dm_buf_free(&rj);
    dm_buf_free(&warn);
}

bool dm_import_handle(const dm_request *q, dm_response *r)
{
    if (strncmp(q->path, "/import/", 8))
        return false;
    const char *name = q->path + 8;
    const dm_kind *kind = !strcmp(name, "casualties") ? &dm_kind_casualty_rows : dm_kind_find(name);
    if (!kind || (!kind->table && kind != &dm_kind_casualty_rows)) {
        dm_respond_problem(r, 404, "Not found", "no kind %s to import into", name);
        return true;
    }
    if (strcmp(q->method, "POST")) {
        dm_respond_problem(r, 405, "Method not allowed", "POST the file to import it");
        return true;
    }
    /* casualty rows become accidents and victims: both must be writable */
    const dm_kind *checks[2] = {kind, NULL};
    if (kind == &dm_kind_casualty_rows) {
        checks[0] = &dm_kind_accidents;
        checks[1] = &dm_kind_victims;
    }
    for (int i = 0; i < 2 && checks[i]; i++) {
        char reason[DM_AUTHZ_REASON_MAX];
        if (!dm_authz_allowed(q->role, DM_ACT_WRITE, checks[i], q->pub, reason)) {
            dm_respond_denied(q, r, reason);
            return true;
        }
    }
    import_file(q, r, kind);
    return true;
}
