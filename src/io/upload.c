/* What a file given to the import is: uploads sniffed from their bytes,
 * GeoPackage uploads checked for SQL, and the command line's refusal to read
 * the database it imports into. */
#include "io/upload.h"

#include "io/gdal_util.h"
#include "store/gpkg_internal.h" /* dm_gpkg_view_is_ours */

#include <cpl_conv.h>
#include <cpl_minixml.h>
#include <cpl_string.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define UPLOAD_READ_MAX (64u << 20) /* dm_upload_sniff_file reads at most this */
#define VRT_DEPTH_MAX 8             /* VRTs within VRTs followed */

static const char *const geojson_ext[] = {".geojson", ".json", NULL};
static const char *const gpkg_ext[] = {".gpkg", NULL};
static const char *const csv_ext[] = {".csv", NULL};
static const char *const kml_ext[] = {".kml", NULL};
static const char *const gpx_ext[] = {".gpx", NULL};
static const char *const xlsx_ext[] = {".xlsx", NULL};

static const dm_upload_format fmt_geojson = {"GeoJSON", "GeoJSON", geojson_ext};
static const dm_upload_format fmt_gpkg = {"GeoPackage", "GPKG", gpkg_ext};
static const dm_upload_format fmt_csv = {"CSV", "CSV", csv_ext};
static const dm_upload_format fmt_kml = {"KML", "KML", kml_ext};
static const dm_upload_format fmt_gpx = {"GPX", "GPX", gpx_ext};
static const dm_upload_format fmt_xlsx = {"XLSX", "XLSX", xlsx_ext};

const char *dm_upload_formats(void) { return "GeoJSON, GeoPackage, CSV, KML, GPX or XLSX"; }

static dm_status refuse(dm_error *err, const char *what)
{
    return dm_error_set(err, DM_EFORMAT,
                        "the file is %s; an upload must be %s, as its content shows", what,
                        dm_upload_formats());
}

static bool starts(const unsigned char *p, size_t n, const char *magic, size_t m)
{
    return n >= m && !memcmp(p, magic, m);
}

/* Text: no NUL and no control character but tab, line ends and form feeds. */
static bool is_text(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f' &&
            p[i] != '\v')
            return false;
    return true;
}

static bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || c >= 0x80;
}

/* The root element's name of the XML text p[0..n) (after the declaration,
 * processing instructions and comments) into name, prefix dropped. False,
 * with *why, when there is none or a document type declaration comes first. */
static bool xml_root(const unsigned char *p, size_t n, char *name, size_t namesz, const char **why)
{
    const unsigned char *end = p + n;
    for (;;) {
        while (p < end && space(*p))
            p++;
        if (p >= end || *p != '<') {
            *why = "XML without a root element";
            return false;
        }
        const char *close = NULL;
        if (end - p >= 2 && p[1] == '?')
            close = "?>";
        else if (end - p >= 4 && !memcmp(p, "<!--", 4))
            close = "-->";
        else if (end - p >= 2 && p[1] == '!') {
            *why = "XML with a document type declaration (<!DOCTYPE ...>)";
            return false;
        }
        if (close) {
            const unsigned char *q = memmem(p + 2, (size_t)(end - p - 2), close, strlen(close));
            if (!q) {
                *why = "XML without a root element";
                return false;
            }
            p = q + strlen(close);
            continue;
        }
        p++;
        size_t k = 0, start = 0;
        while (p < end && name_char(*p) && k + 1 < namesz) {
            if (*p == ':')
                start = k + 1;
            name[k++] = (char)*p++;
        }
        name[k] = '\0';
        if (!k || start == k) {
            *why = "text starting with '<' that is not XML";
            return false;
        }
        memmove(name, name + start, k - start + 1);
        return true;
    }
}

dm_status dm_upload_sniff(const void *data, size_t len, const dm_upload_format **fmt, dm_error *err)
{
    const unsigned char *p = data;
    *fmt = NULL;
    if (!len)
        return refuse(err, "empty");
    if (starts(p, len, "SQLite format 3", 16)) {
        *fmt = &fmt_gpkg;
        return DM_OK;
    }
    if (starts(p, len, "PK\x03\x04", 4) || starts(p, len, "PK\x05\x06", 4)) {
        /* a workbook's parts are named in the zip's directory, uncompressed */
        if (memmem(p, len, "xl/workbook.xml", 15)) {
            *fmt = &fmt_xlsx;
            return DM_OK;
        }
        return refuse(err, "a zip archive that is not an XLSX workbook (a zipped Shapefile? save "
                           "it as a GeoPackage)");
    }
    if (starts(p, len, "\x1f\x8b", 2))
        return refuse(err, "gzip-compressed data");
    if (starts(p, len, "%PDF-", 5))
        return refuse(err, "a PDF document");
    if (starts(p, len, "\x00\x00\x27\x0a", 4))
        return refuse(err, "the .shp part of a Shapefile (save it as a GeoPackage)");
    if (starts(p, len, "\xff\xfe", 2) || starts(p, len, "\xfe\xff", 2))
        return refuse(err, "UTF-16 text (save it as UTF-8)");
    if (!is_text(p, len))
        return refuse(err, "binary data of no format the import knows");
    if (starts(p, len, "\xef\xbb\xbf", 3)) { /* UTF-8's byte order mark */
        p += 3;
        len -= 3;
    }
    size_t i = 0;
    while (i < len && space(p[i]))
        i++;
    if (i == len)
        return refuse(err, "blank");
    if (p[i] == '{') {
        *fmt = &fmt_geojson;
        return DM_OK;
    }
    if (p[i] == '[')
        return refuse(err, "a JSON array (GeoJSON is an object: {\"type\": ...})");
    if (p[i] == '<') {
        char root[80];
        const char *why = NULL;
        if (!xml_root(p + i, len - i, root, sizeof root, &why))
            return refuse(err, why);
        if (!strcmp(root, "kml")) {
            *fmt = &fmt_kml;
            return DM_OK;
        }
        if (!strcmp(root, "gpx")) {
            *fmt = &fmt_gpx;
            return DM_OK;
        }
        char what[200];
        if (!strcmp(root, "OGRVRTDataSource"))
            snprintf(what, sizeof what,
                     "an OGR VRT (<OGRVRTDataSource>), which makes GDAL read "
                     "other files, databases or URLs");
        else if (!strcmp(root, "VRTDataset"))
            snprintf(what, sizeof what, "a GDAL raster VRT (<VRTDataset>)");
        else
            snprintf(what, sizeof what, "XML whose root element is <%s>, neither KML nor GPX",
                     root);
        return refuse(err, what);
    }
    *fmt = &fmt_csv;
    return DM_OK;
}

dm_status dm_upload_sniff_file(const char *path, const dm_upload_format **fmt, dm_error *err)
{
    *fmt = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
        (unsigned long long)sb.st_size > UPLOAD_READ_MAX) {
        fclose(fp);
        return dm_error_set(err, DM_EFORMAT, "%s is not a file of at most %u MiB", path,
                            UPLOAD_READ_MAX >> 20);
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(fp);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    size_t got = fread(buf, 1, n, fp);
    fclose(fp);
    dm_status st = got == n ? dm_upload_sniff(buf, n, fmt, err)
                            : dm_error_set(err, DM_EIO, "cannot read %s", path);
    free(buf);
    return st;
}

bool dm_upload_name_fits(const dm_upload_format *fmt, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = fmt->exts; *e; e++) {
        size_t k = strlen(*e);
        if (n > k && !strcasecmp(name + n - k, *e))
            return true;
    }
    return false;
}

/* ---- GeoPackage uploads: no SQL in them ---- */

/* The next token of SQL text s (from *pos) into tok: a word, a quoted name
 * ("", [], ``, '') without its quotes, or one other character. Comments and
 * spaces are skipped. False at the end. */
static bool sql_token(const char *s, size_t *pos, char *tok, size_t toksz)
{
    size_t i = *pos, k = 0;
    for (;;) {
        while (s[i] && space((unsigned char)s[i]))
            i++;
        if (s[i] == '-' && s[i + 1] == '-') {
            while (s[i] && s[i] != '\n')
                i++;
        } else if (s[i] == '/' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            i = e ? (size_t)(e - s) + 2 : strlen(s);
        } else {
            break;
        }
    }
    if (!s[i])
        return false;
    char q = s[i] == '[' ? ']' : (s[i] == '"' || s[i] == '`' || s[i] == '\'') ? s[i] : 0;
    if (q) {
        for (i++; s[i]; i++) {
            if (s[i] == q && s[i + 1] == q && q != ']')
                i++;
            else if (s[i] == q)
                break;
            if (k + 1 < toksz)
                tok[k++] = s[i];
        }
        if (s[i])
            i++;
    } else if (name_char((unsigned char)s[i]) && s[i] != '.' && s[i] != ':') {
        while (s[i] && name_char((unsigned char)s[i]) && s[i] != '.' && s[i] != ':') {
            if (k + 1 < toksz)
                tok[k++] = s[i];
            i++;
        }
    } else {
        tok[k++] = s[i++];
    }
    tok[k] = '\0';
    *pos = i;
    return true;
}

/* The module of "CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING
 * module(...)" into module; false when sql is not of that form. */
static bool vtab_module(const char *sql, char *module, size_t modsz)
{
    static const char *const head[] = {"CREATE", "VIRTUAL", "TABLE"};
    char tok[256];
    size_t pos = 0;
    for (size_t i = 0; i < 3; i++)
        if (!sql_token(sql, &pos, tok, sizeof tok) || strcasecmp(tok, head[i]))
            return false;
    if (!sql_token(sql, &pos, tok, sizeof tok))
        return false;
    size_t save = pos;
    if (!strcasecmp(tok, "IF")) {
        char t2[16], t3[16];
        if (sql_token(sql, &pos, t2, sizeof t2) && !strcasecmp(t2, "NOT") &&
            sql_token(sql, &pos, t3, sizeof t3) && !strcasecmp(t3, "EXISTS")) {
            if (!sql_token(sql, &pos, tok, sizeof tok))
                return false;
        } else {
            pos = save; /* a table named "if" */
        }
    }
    /* tok is the name (or the schema, then "." and the name) */
    save = pos;
    if (sql_token(sql, &pos, tok, sizeof tok) && !strcmp(tok, ".")) {
        if (!sql_token(sql, &pos, tok, sizeof tok))
            return false;
    } else {
        pos = save;
    }
    if (!sql_token(sql, &pos, tok, sizeof tok) || strcasecmp(tok, "USING"))
        return false;
    return sql_token(sql, &pos, module, modsz);
}

static dm_status no_sql(dm_error *err, const char *what, const char *name)
{
    return dm_error_set(err, DM_EFORMAT,
                        "the GeoPackage holds %s '%s', SQL that would run as it is read: no SQL "
                        "in an upload (save its rows as a plain table, e.g. with ogr2ogr)",
                        what, name);
}

/* Refuses a generated column of the ordinary table. */
static dm_status check_columns(sqlite3 *db, const char *table, dm_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, hidden FROM pragma_table_xinfo(?1)", -1, &st, NULL))
        return dm_error_set(err, DM_EFORMAT, "the GeoPackage cannot be read: %s",
                            sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    dm_status rc = DM_OK;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int hidden = sqlite3_column_int(st, 1);
        if (hidden == 2 || hidden == 3) {
            char what[400];
            snprintf(what, sizeof what, "a generated column (%s.%s)", table,
                     (const char *)sqlite3_column_text(st, 0));
            rc = dm_error_set(err, DM_EFORMAT,
                              "the GeoPackage holds %s, SQL that would run as it is read: no "
                              "SQL in an upload (save its rows as a plain table, e.g. with "
                              "ogr2ogr)",
                              what);
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = dm_error_set(err, DM_EFORMAT, "the GeoPackage cannot be read: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static dm_status check_schema(sqlite3 *db, dm_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema", -1, &st, NULL))
        return dm_error_set(err, DM_EFORMAT, "the file is not a GeoPackage SQLite can read: %s",
                            sqlite3_errmsg(db));
    dm_status rc = DM_OK;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *sql = (const char *)sqlite3_column_text(st, 2);
        if (!type || !name)
            continue;
        if (!strcmp(type, "view")) {
            /* a demine database's approved-only views are plain SELECTs */
            if (!dm_gpkg_view_is_ours(name, sql))
                rc = no_sql(err, "a view", name);
        } else if (!strcmp(type, "table") && sql && !strncasecmp(sql, "CREATE VIRTUAL", 14)) {
            char module[128];
            if (!vtab_module(sql, module, sizeof module)) {
                rc = no_sql(err, "a virtual table", name);
            } else if (strcasecmp(module, "rtree")) {
                char what[200];
                snprintf(what, sizeof what, "a virtual table (module %s)", module);
                rc = no_sql(err, what, name);
            }
        } else if (!strcmp(type, "table")) {
            rc = check_columns(db, name, err);
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = dm_error_set(err, DM_EFORMAT, "the file is not a GeoPackage SQLite can read: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static dm_status quick_check(sqlite3 *db, dm_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL))
        return dm_error_set(err, DM_EFORMAT, "the GeoPackage cannot be checked: %s",
                            sqlite3_errmsg(db));
    dm_status rc = DM_OK;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = dm_error_set(err, DM_EFORMAT, "the GeoPackage cannot be checked: %s",
                          sqlite3_errmsg(db));
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
        rc = dm_error_set(err, DM_EFORMAT, "the GeoPackage is damaged: %s",
                          (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

dm_status dm_upload_check_gpkg(const char *path, dm_error *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        dm_status st = dm_error_set(err, DM_EIO, "cannot open the GeoPackage: %s",
                                    db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    /* nothing in the file's schema may run anything here: no views, no
       triggers, no functions that are not innocuous, no extensions */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
    dm_status st = check_schema(db, err);
    if (!st)
        st = quick_check(db, err);
    sqlite3_close(db);
    return st;
}

/* ---- the command line: never the database it imports into ---- */

typedef struct same_db {
    struct stat db;
    const char *db_path;
    const char *top; /* the file given */
} same_db;

static bool is_db(const same_db *s, const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && sb.st_dev == s->db.st_dev && sb.st_ino == s->db.st_ino;
}

/* True when the file at path is an OGR VRT (its root element). */
static bool is_vrt_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    unsigned char head[4096];
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    size_t i = n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3) ? 3 : 0;
    char root[80];
    const char *why;
    return xml_root(head + i, n - i, root, sizeof root, &why) && !strcmp(root, "OGRVRTDataSource");
}

static dm_status check_path(const same_db *s, const char *path, int depth, dm_error *err);

/* Every element's text of the VRT tree n is checked as a path (a layer's
 * SRS may name a file too); SrcDataSource also relative to the VRT's folder
 * when relativeToVRT says so, and followed when it is a VRT itself. */
static dm_status check_vrt_tree(const same_db *s, const CPLXMLNode *n, const char *vrt_path,
                                int depth, dm_error *err)
{
    for (; n; n = n->psNext) {
        if (n->eType != CXT_Element)
            continue;
        const char *text = CPLGetXMLValue(n, NULL, NULL);
        dm_status st = DM_OK;
        if (text && *text && !strcmp(n->pszValue, "SrcDataSource")) {
            if (text[0] == '<') { /* a VRT written inline */
                CPLXMLNode *inner = CPLParseXMLString(text);
                if (inner)
                    st = depth + 1 > VRT_DEPTH_MAX
                             ? dm_error_set(err, DM_EINVAL,
                                            "%s: VRTs within VRTs deeper than %d are not followed",
                                            s->top, VRT_DEPTH_MAX)
                             : check_vrt_tree(s, inner, vrt_path, depth + 1, err);
                CPLDestroyXMLNode(inner);
            } else {
                char resolved[4096];
                snprintf(resolved, sizeof resolved, "%s", text);
                if (CPLTestBoolean(CPLGetXMLValue(n, "relativeToVRT", "0")))
                    snprintf(resolved, sizeof resolved, "%s",
                             CPLProjectRelativeFilename(CPLGetPath(vrt_path), text));
                st = check_path(s, resolved, depth + 1, err);
                if (!st && strcmp(resolved, text))
                    st = check_path(s, text, depth + 1, err);
            }
        } else if (text && *text && is_db(s, text)) {
            st = dm_error_set(err, DM_EINVAL,
                              "%s: <%s> in %s names %s, the database being imported into: "
                              "import from a copy of it",
                              s->top, n->pszValue, vrt_path, s->db_path);
        }
        if (!st)
            st = check_vrt_tree(s, n->psChild, vrt_path, depth, err);
        if (st)
            return st;
    }
    return DM_OK;
}

static dm_status check_path(const same_db *s, const char *path, int depth, dm_error *err)
{
    if (is_db(s, path)) {
        if (!depth)
            return dm_error_set(err, DM_EINVAL,
                                "%s is the database %s itself: a database cannot be imported "
                                "into itself (import from a copy of it)",
                                path, s->db_path);
        return dm_error_set(err, DM_EINVAL,
                            "%s reads %s, the database being imported into (an OGR VRT's "
                            "SrcDataSource): import from a copy of it",
                            s->top, path);
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || !is_vrt_file(path))
        return DM_OK;
    if (depth > VRT_DEPTH_MAX)
        return dm_error_set(err, DM_EINVAL, "%s: VRTs within VRTs deeper than %d are not followed",
                            s->top, VRT_DEPTH_MAX);
    dm_gdal_init();
    dm_gdal_capture_push();
    CPLXMLNode *root = CPLParseXMLFile(path);
    dm_gdal_capture_pop();
    if (!root) /* GDAL will say what is wrong with it */
        return DM_OK;
    dm_status st = check_vrt_tree(s, root, path, depth, err);
    CPLDestroyXMLNode(root);
    return st;
}

dm_status dm_import_check_not_database(const char *db_path, const char *path, dm_error *err)
{
    same_db s = {.db_path = db_path, .top = path};
    if (stat(db_path, &s.db) != 0)
        return DM_OK; /* opening it will say */
    return check_path(&s, path, 0, err);
}
