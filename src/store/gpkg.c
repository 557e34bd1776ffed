/* The GeoPackage backend of the Store: one SQLite file, WAL mode. */
#include "store/gpkg_internal.h"

#include "core/date.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NKINDS_MAX 16
#define BUSY_MS 5000      /* how long a write waits for another writer */
#define CACHE_BUSY_MS 200 /* ... and a cache, which is not worth waiting for */

typedef struct gpkg {
    sqlite3 *db;
    bool writable;
    bool in_tx;
    /* 1: no stamps, no users; 2: no users; 3: no pending changes; 4: no failed
       logins; 5: edits made outside demine not logged, no approved-only views
       (old databases opened read-only); 6 */
    int schema_version;
    sqlite3_stmt *insert[NKINDS_MAX];
    sqlite3_stmt *exists[NKINDS_MAX];
    sqlite3_stmt *log;
    sqlite3_stmt *key_get, *key_put; /* import identities */
    int64_t next_number[NKINDS_MAX]; /* next code number per kind; 0 = look it up */
    const dm_kind *bulk_kind;        /* bulk transaction: rtree filled at commit */
    int64_t bulk_after_fid;          /* rows after this fid are new in it */
    dm_geo *fn_geo;                  /* used by the SQL functions of the rtree triggers */
} gpkg;

typedef struct gpkg_cursor {
    dm_cursor base;
    sqlite3_stmt *stmt;
    const dm_kind *kind;
    bool with_geom;
    bool keep_damaged;
} gpkg_cursor;

static gpkg *G(dm_store *s) { return s->impl; }

static size_t kind_slot(const dm_kind *k)
{
    for (size_t i = 0; i < dm_kind_count(); i++)
        if (dm_kind_at(i) == k)
            return i;
    return 0;
}

/* Maps an SQLite failure to a status and an actionable message. */
static dm_status sql_error(dm_store *s, int rc, const char *doing, dm_error *err)
{
    const char *msg = G(s) && G(s)->db ? sqlite3_errmsg(G(s)->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return dm_error_set(err, DM_EFULL,
                            "%s: the disk is full (%s); nothing was changed, free some space and "
                            "try again",
                            s->location, doing);
    case SQLITE_READONLY:
        return dm_error_set(err, DM_EREADONLY,
                            "%s is read-only (%s): check the permissions of the file and its "
                            "folder",
                            s->location, doing);
    case SQLITE_NOTADB:
        return dm_error_set(err, DM_EFORMAT,
                            "%s is not a demine database: it is not an SQLite/GeoPackage file",
                            s->location);
    case SQLITE_CORRUPT:
        return dm_error_set(err, DM_EFORMAT, "%s is damaged (%s): %s", s->location, doing, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return dm_error_set(err, DM_ESTORE,
                            "%s is locked by another program (%s); try again when it is done",
                            s->location, doing);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return dm_error_set(err, DM_EIO, "%s: cannot read or write the file (%s): %s", s->location,
                            doing, msg);
    case SQLITE_CONSTRAINT: return dm_error_set(err, DM_ECONFLICT, "%s: %s", doing, msg);
    default: return dm_error_set(err, DM_ESTORE, "%s: %s failed: %s", s->location, doing, msg);
    }
}

static dm_status exec(dm_store *s, const char *sql, const char *doing, dm_error *err)
{
    int rc = sqlite3_exec(G(s)->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? DM_OK : sql_error(s, rc, doing, err);
}

/* Runs a query whose answer is one integer (NULL reads as 0) into *out.
 * Returns SQLITE_OK or the SQLite failure code. */
static int query_int64(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *q;
    *out = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- SQL functions used by the GeoPackage rtree triggers ---- */

/* Reads the envelope of a GeoPackage blob; returns 0 on success, 1 when empty. */
static int blob_envelope(dm_geo *geo, sqlite3_value *v, double env[4], bool *ok)
{
    *ok = false;
    const unsigned char *b = sqlite3_value_blob(v);
    int n = sqlite3_value_bytes(v);
    if (!b || n < 8 || b[0] != 'G' || b[1] != 'P')
        return 0;
    if (b[3] & 0x10) {
        *ok = true;
        return 1;
    }
    unsigned envcode = (b[3] >> 1) & 7;
    bool le = b[3] & 1;
    if (envcode >= 1 && envcode <= 4 && n >= 8 + 32) {
        for (int i = 0; i < 4; i++) {
            unsigned char tmp[8];
            for (int j = 0; j < 8; j++)
                tmp[j] = le ? b[8 + 8 * i + j] : b[8 + 8 * i + 7 - j];
            uint64_t u = 0;
            for (int j = 7; j >= 0; j--)
                u = (u << 8) | tmp[j];
            memcpy(&env[i], &u, sizeof(double));
        }
        *ok = true;
        return 0;
    }
    /* no envelope in the header: parse the geometry */
    GEOSGeometry *g = NULL;
    if (dm_gpkg_blob_read(geo, b, (size_t)n, &g, NULL))
        return 0;
    GEOSContextHandle_t h = dm_geo_handle(geo);
    int empty = GEOSisEmpty_r(h, g) == 1;
    if (!empty) {
        GEOSGeom_getXMin_r(h, g, &env[0]);
        GEOSGeom_getXMax_r(h, g, &env[1]);
        GEOSGeom_getYMin_r(h, g, &env[2]);
        GEOSGeom_getYMax_r(h, g, &env[3]);
    }
    GEOSGeom_destroy_r(h, g);
    *ok = true;
    return empty;
}

typedef struct fn_ctx {
    dm_geo *geo;
    int which; /* 0..3 = minx,maxx,miny,maxy; 4 = is empty */
} fn_ctx;

static void fn_geom(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    fn_ctx *fc = sqlite3_user_data(ctx);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    double env[4];
    bool ok;
    int empty = blob_envelope(fc->geo, argv[0], env, &ok);
    if (!ok) {
        sqlite3_result_null(ctx);
        return;
    }
    if (fc->which == 4)
        sqlite3_result_int(ctx, empty);
    else if (empty)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, env[fc->which]);
}

static dm_status register_functions(dm_store *s, dm_error *err)
{
    static const char *names[5] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY", "ST_IsEmpty"};
    for (int i = 0; i < 5; i++) {
        fn_ctx *fc = sqlite3_malloc(sizeof *fc);
        if (!fc)
            return dm_error_set(err, DM_ENOMEM, "out of memory");
        fc->geo = G(s)->fn_geo;
        fc->which = i;
        int rc =
            sqlite3_create_function_v2(G(s)->db, names[i], 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       fc, fn_geom, NULL, NULL, sqlite3_free);
        if (rc != SQLITE_OK)
            return sql_error(s, rc, "registering SQL functions", err);
    }
    return DM_OK;
}

/* ---- open / create ---- */

static bool gpkg_accepts(const char *location)
{
    return strncmp(location, "postgresql:", 11) && strncmp(location, "PG:", 3);
}

static dm_status connect(dm_store *s, const char *location, int flags, dm_error *err)
{
    gpkg *g = calloc(1, sizeof *g);
    if (!g)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    s->impl = g;
    dm_status st = dm_geo_new(&g->fn_geo, err);
    if (st)
        return st;
    /* NOMUTEX: a dm_store is used by one thread at a time (store.h), so the
       connection needs no lock of its own around every call; a scan makes
       several calls per row */
    int rc = sqlite3_open_v2(location, &g->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "opening", err);
    sqlite3_extended_result_codes(g->db, 1);
    sqlite3_busy_timeout(g->db, BUSY_MS);
    return register_functions(s, err);
}

static void gpkg_close(dm_store *s)
{
    gpkg *g = G(s);
    if (!g)
        return;
    for (size_t i = 0; i < NKINDS_MAX; i++) {
        sqlite3_finalize(g->insert[i]);
        sqlite3_finalize(g->exists[i]);
    }
    sqlite3_finalize(g->log);
    sqlite3_finalize(g->key_get);
    sqlite3_finalize(g->key_put);
    if (g->db) {
        if (g->in_tx)
            sqlite3_exec(g->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(g->db);
    }
    dm_geo_free(g->fn_geo);
    free(g);
    s->impl = NULL;
}

static dm_status fail_close(dm_store *s, dm_status st)
{
    gpkg_close(s);
    return st;
}

/* Can we create or write files in the folder of `path`? (WAL needs -wal and -shm.) */
static bool folder_writable(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    return access(dirname(tmp), W_OK) == 0;
}

static dm_status gpkg_remove(const char *location, dm_error *err)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s%s", location, suffixes[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return dm_error_set(err, errno == EACCES || errno == EROFS ? DM_EREADONLY : DM_EIO,
                                "cannot remove %s: %s", path, strerror(errno));
    }
    return DM_OK;
}

static dm_status gpkg_create(dm_store *s, const char *location, dm_error *err)
{
    struct stat sb;
    if (stat(location, &sb) == 0)
        return dm_error_set(err, DM_ECONFLICT,
                            "%s already exists: demine init makes a new database and never "
                            "overwrites a file",
                            location);
    if (!folder_writable(location))
        return dm_error_set(err, DM_EREADONLY, "cannot create %s: its folder is not writable",
                            location);
    /* readable by its owner only (victims' names are in it); SQLite gives
       the -wal and -shm files the mode of the database file */
    int fd = open(location, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST
                   ? dm_error_set(err, DM_ECONFLICT,
                                  "%s already exists: demine init makes a new "
                                  "database and never overwrites a file",
                                  location)
                   : dm_error_set(err, errno == EACCES || errno == EROFS ? DM_EREADONLY : DM_EIO,
                                  "cannot create %s: %s", location, strerror(errno));
    close(fd);
    dm_status st = connect(s, location, SQLITE_OPEN_READWRITE, err);
    if (st) {
        gpkg_close(s);
        unlink(location);
        return st;
    }
    G(s)->writable = true;
    G(s)->schema_version = DM_GPKG_SCHEMA_VERSION;
    dm_buf sql;
    dm_buf_init(&sql, 0);
    st = dm_gpkg_schema_sql(s->owner, &sql);
    if (!st)
        st = exec(s, "PRAGMA journal_mode=WAL", "switching to WAL", err);
    if (!st)
        st = exec(s, "BEGIN", "creating the schema", err);
    if (!st)
        st = exec(s, sql.data, "creating the schema", err);
    if (!st)
        st = exec(s, "COMMIT", "creating the schema", err);
    dm_buf_free(&sql);
    if (st) {
        gpkg_close(s);
        gpkg_remove(location, NULL);
        return st;
    }
    return DM_OK;
}

static dm_status read_meta(dm_store *s, dm_error *err)
{
    int64_t appid;
    int rc = query_int64(G(s)->db, "PRAGMA application_id", &appid);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the file header", err);
    sqlite3_stmt *q = NULL;
    rc = sqlite3_prepare_v2(G(s)->db,
                            "SELECT key, value FROM demine_meta WHERE key IN ('schema_version',"
                            " 'owner')",
                            -1, &q, NULL);
    if (rc != SQLITE_OK) {
        if (appid == 1196444487)
            return dm_error_set(err, DM_EFORMAT,
                                "%s is a GeoPackage but not a demine database (it has no "
                                "demine_meta table): import its layers into a database made "
                                "with `demine init`",
                                s->location);
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
            return sql_error(s, rc, "reading", err);
        return dm_error_set(err, DM_EFORMAT,
                            "%s is an SQLite file but not a demine database (no demine_meta "
                            "table); create one with `demine init`",
                            s->location);
    }
    int version = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        const char *v = (const char *)sqlite3_column_text(q, 1);
        if (!k || !v)
            continue;
        if (!strcmp(k, "schema_version"))
            version = atoi(v);
        else if (!strcmp(k, "owner"))
            snprintf(s->owner, sizeof s->owner, "%s", v);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "reading demine_meta", err);
    if (version < 1 || version > DM_GPKG_SCHEMA_VERSION)
        return dm_error_set(err, DM_EFORMAT,
                            "%s has demine schema version %d; this demine reads versions 1 to %d",
                            s->location, version, DM_GPKG_SCHEMA_VERSION);
    G(s)->schema_version = version;
    return DM_OK;
}

/* Brings an older database to the current version in one transaction:
 * version 2 added the stamps and the cache, version 3 the users and tokens,
 * version 4 the changes waiting for approval, version 5 the failed logins,
 * version 6 the triggers that log edits made outside demine and the
 * approved-only views. Another program may have done it meanwhile: the
 * version is read again inside the transaction. */
static dm_status upgrade(dm_store *s, dm_error *err)
{
    char doing[80];
    snprintf(doing, sizeof doing, "upgrading the database to demine schema version %d",
             DM_GPKG_SCHEMA_VERSION);
    gpkg *g = G(s);
    dm_status st = exec(s, "BEGIN IMMEDIATE", doing, err);
    if (st)
        return st;
    int64_t version = 0;
    int rc = query_int64(g->db,
                         "SELECT CAST(value AS INTEGER) FROM demine_meta WHERE key ="
                         " 'schema_version'",
                         &version);
    if (rc != SQLITE_OK)
        st = sql_error(s, rc, doing, err);
    dm_buf sql;
    dm_buf_init(&sql, 0);
    if (!st && (version < 1 || version > DM_GPKG_SCHEMA_VERSION))
        st = dm_error_set(err, DM_EFORMAT,
                          "%s has demine schema version %lld; this demine reads versions 1 to %d",
                          s->location, (long long)version, DM_GPKG_SCHEMA_VERSION);
    if (!st && version < DM_GPKG_SCHEMA_VERSION) {
        if (version < 2)
            dm_gpkg_v2_sql(&sql);
        if (version < 3)
            dm_gpkg_v3_sql(&sql);
        if (version < 4)
            dm_gpkg_v4_sql(&sql);
        if (version < 5)
            dm_gpkg_v5_sql(&sql);
        if (version < 6)
            dm_gpkg_v6_sql(&sql);
        if (version < 7)
            dm_gpkg_v7_sql(&sql);
        dm_buf_printf(&sql, "UPDATE demine_meta SET value = '%d' WHERE key = 'schema_version';",
                      DM_GPKG_SCHEMA_VERSION);
        st = sql.status ? dm_error_set(err, DM_ENOMEM, "out of memory %s", doing)
                        : exec(s, sql.data, doing, err);
    }
    dm_buf_free(&sql);
    if (!st)
        st = exec(s, "COMMIT", doing, err);
    if (st) {
        sqlite3_exec(g->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    g->schema_version = DM_GPKG_SCHEMA_VERSION;
    return DM_OK;
}

static dm_status gpkg_open(dm_store *s, const char *location, dm_store_mode mode, dm_error *err)
{
    struct stat sb;
    if (stat(location, &sb) != 0)
        return dm_error_set(err, DM_ENOTFOUND,
                            "no such database: %s (create one with `demine init %s`)", location,
                            location);
    if (!S_ISREG(sb.st_mode))
        return dm_error_set(err, DM_EFORMAT, "%s is not a file", location);
    bool write = mode == DM_STORE_WRITE;
    if (write && (access(location, W_OK) != 0 || !folder_writable(location)))
        return dm_error_set(err, DM_EREADONLY,
                            "%s is read-only: demine needs to write the file and its folder "
                            "(WAL journal); check the permissions",
                            location);
    dm_status st = connect(s, location, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, err);
    if (st)
        return fail_close(s, st);
    G(s)->writable = write;
    st = read_meta(s, err);
    if (st)
        return fail_close(s, st);
    if (write)
        /* a big page cache keeps a whole import in memory until its commit, so that
           each page is written once instead of spilling mid-transaction; statement
           journals (one per insert, for the rtree triggers) stay in memory */
        st = exec(s,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;"
                  " PRAGMA temp_store=MEMORY;"
                  /* databases made before pseudonyms get their secret (export.h);
                     only then: an ignored insert would still move the table's
                     sequence, and opening must change nothing */
                  " INSERT INTO demine_meta (key, value) SELECT 'pseudonym_key',"
                  " lower(hex(randomblob(32))) WHERE NOT EXISTS"
                  " (SELECT 1 FROM demine_meta WHERE key = 'pseudonym_key');",
                  "opening", err);
    else
        /* reading: pages come straight from the file's mapping, not copied
           through read calls (a large summary or table scan reads faster) */
        st = exec(s, "PRAGMA mmap_size=1073741824;", "opening", err);
    /* read-only, a version 1 database works without stamps (nothing cached),
       versions 1 and 2 without users */
    if (!st && write && G(s)->schema_version < DM_GPKG_SCHEMA_VERSION)
        st = upgrade(s, err);
    return st ? fail_close(s, st) : DM_OK;
}

/* ---- transactions ---- */

static void forget_numbers(gpkg *g) { memset(g->next_number, 0, sizeof g->next_number); }

static dm_status gpkg_begin(dm_store *s, dm_error *err)
{
    if (!G(s)->writable)
        return dm_error_set(err, DM_EREADONLY, "%s was opened read-only", s->location);
    dm_status st = exec(s, "BEGIN IMMEDIATE", "starting a transaction", err);
    if (!st)
        G(s)->in_tx = true;
    forget_numbers(G(s));
    return st;
}

static void gpkg_rollback(dm_store *s);

static void finalize_statements(gpkg *g)
{
    for (size_t i = 0; i < NKINDS_MAX; i++) {
        sqlite3_finalize(g->insert[i]);
        sqlite3_finalize(g->exists[i]);
        g->insert[i] = g->exists[i] = NULL;
    }
}

/* A bulk import drops the rtree insert trigger of its table for the length of
 * its transaction and fills the index in one statement at commit: the same
 * index, a fifth less work per row. It drops the table's stamp insert trigger
 * too and bumps the stamp once at commit instead of once per row, and the
 * trigger that logs inserts made outside demine, which has nothing to do
 * while the transaction holds the file's write lock (every insert in it is
 * demine's). The DROPs are part of the transaction, so a rollback brings the
 * triggers back, and readers never see them missing. */
static dm_status gpkg_begin_bulk(dm_store *s, const dm_kind *k, dm_error *err)
{
    dm_status st = gpkg_begin(s, err);
    if (st)
        return st;
    gpkg *g = G(s);
    char sql[256];
    finalize_statements(g); /* the schema changes under them */
    /* IF EXISTS: a trigger another program dropped comes back at commit */
    snprintf(sql, sizeof sql,
             "DROP TRIGGER IF EXISTS \"demine_stamp_%1$s_insert\";"
             " DROP TRIGGER IF EXISTS \"demine_outside_%1$s_insert\"",
             k->table);
    st = exec(s, sql, "starting an import", err);
    if (st) {
        gpkg_rollback(s);
        return st;
    }
    g->bulk_kind = k;
    if (k->geom == DM_GEOM_NONE)
        return DM_OK;
    snprintf(sql, sizeof sql, "SELECT coalesce(max(fid), 0) FROM \"%s\"", k->table);
    int rc = query_int64(g->db, sql, &g->bulk_after_fid);
    if (rc != SQLITE_OK) {
        gpkg_rollback(s);
        return sql_error(s, rc, "starting an import", err);
    }
    snprintf(sql, sizeof sql, "DROP TRIGGER \"rtree_%s_geom_insert\"", k->table);
    st = exec(s, sql, "starting an import", err);
    if (st) {
        gpkg_rollback(s);
        return st;
    }
    return DM_OK;
}

/* Fills the spatial index for the rows a bulk transaction added: a packed
 * rebuild of the whole index when they are many next to what was there, else
 * one insert per new row; appends to b the SQL that remains to run, the
 * rtree insert trigger last. */
static dm_status finish_bulk_rtree(dm_store *s, dm_buf *b, dm_error *err)
{
    gpkg *g = G(s);
    const dm_kind *k = g->bulk_kind;
    char sql[512];
    int64_t before = 0, added = 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE fid <= %lld", k->table,
             (long long)g->bulk_after_fid);
    int rc = query_int64(g->db, sql, &before);
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE fid > %lld", k->table,
                 (long long)g->bulk_after_fid);
        rc = query_int64(g->db, sql, &added);
    }
    dm_status st = rc == SQLITE_OK ? DM_OK : sql_error(s, rc, "building the spatial index", err);
    if (!st && added * 4 >= before) {
        st = dm_gpkg_rtree_rebuild(g->db, k->table, err);
    } else if (!st) {
        dm_buf_printf(b,
                      "INSERT OR REPLACE INTO \"rtree_%1$s_geom\" SELECT fid, ST_MinX(geom),"
                      " ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM \"%1$s\" WHERE fid >"
                      " %2$lld AND geom NOT NULL AND NOT ST_IsEmpty(geom);",
                      k->table, (long long)g->bulk_after_fid);
    }
    if (!st)
        dm_gpkg_rtree_insert_trigger_sql(k->table, b);
    return st;
}

/* Ends the bulk part of a transaction before its commit: the spatial index,
 * one bump of the table's stamp for all its new rows, and the insert
 * triggers back. */
static dm_status finish_bulk(dm_store *s, dm_error *err)
{
    gpkg *g = G(s);
    const dm_kind *k = g->bulk_kind;
    finalize_statements(g);
    dm_buf b;
    dm_buf_init(&b, 0);
    dm_status st = k->geom != DM_GEOM_NONE ? finish_bulk_rtree(s, &b, err) : DM_OK;
    if (!st) {
        dm_buf_printf(&b, "UPDATE demine_stamp SET n = n + 1 WHERE tbl = '%s';", k->table);
        dm_gpkg_stamp_insert_trigger_sql(k->table, &b);
        dm_gpkg_outside_insert_trigger_sql(k, &b);
    }
    if (!st && b.status)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    if (!st)
        st = exec(s, b.data, "finishing the import", err);
    dm_buf_free(&b);
    g->bulk_kind = NULL;
    return st;
}

static dm_status gpkg_commit(dm_store *s, dm_error *err)
{
    /* keep gpkg_contents' extents and last_change true to the data */
    dm_status st = G(s)->bulk_kind ? finish_bulk(s, err) : DM_OK;
    if (st) {
        gpkg_rollback(s);
        return st;
    }
    dm_buf sql;
    dm_buf_init(&sql, 0);
    for (size_t i = 0; !st && i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        if (k->geom == DM_GEOM_NONE)
            continue;
        st = dm_buf_printf(&sql,
                           "UPDATE gpkg_contents SET min_x = (SELECT min(minx) FROM "
                           "\"rtree_%1$s_geom\"), max_x = (SELECT max(maxx) FROM "
                           "\"rtree_%1$s_geom\"), min_y = (SELECT min(miny) FROM "
                           "\"rtree_%1$s_geom\"), max_y = (SELECT max(maxy) FROM "
                           "\"rtree_%1$s_geom\") WHERE table_name = '%1$s';",
                           k->table);
    }
    if (!st)
        st = exec(s, sql.data, "updating layer extents", err);
    dm_buf_free(&sql);
    if (!st)
        st = exec(s, "COMMIT", "committing", err);
    if (st) {
        sqlite3_exec(G(s)->db, "ROLLBACK", NULL, NULL, NULL);
        G(s)->in_tx = false;
        forget_numbers(G(s));
        return st;
    }
    G(s)->in_tx = false;
    return DM_OK;
}

static void gpkg_rollback(dm_store *s)
{
    if (G(s)->bulk_kind)
        finalize_statements(G(s)); /* the rollback restores the schema */
    if (G(s)->in_tx)
        sqlite3_exec(G(s)->db, "ROLLBACK", NULL, NULL, NULL);
    G(s)->in_tx = false;
    G(s)->bulk_kind = NULL;
    forget_numbers(G(s));
}

/* ---- writing ---- */

static dm_status prepare(dm_store *s, const char *sql, sqlite3_stmt **out, dm_error *err)
{
    int rc = sqlite3_prepare_v3(G(s)->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    return rc == SQLITE_OK ? DM_OK : sql_error(s, rc, "preparing a statement", err);
}

static dm_status bind_value(dm_store *s, sqlite3_stmt *q, int idx, const dm_field *f, const char *v,
                            dm_error *err)
{
    int rc;
    if (!v)
        rc = sqlite3_bind_null(q, idx);
    else if (f->type == DM_FT_INT || f->type == DM_FT_BOOL)
        rc = sqlite3_bind_int64(q, idx, strtoll(v, NULL, 10));
    else if (f->type == DM_FT_REAL)
        rc = sqlite3_bind_double(q, idx, strtod(v, NULL));
    else
        rc = sqlite3_bind_text(q, idx, v, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? DM_OK : sql_error(s, rc, "binding a value", err);
}

/* kind: a kind's name, or "user" */
static dm_status log_change(dm_store *s, const char *at, const char *who, const char *action,
                            const char *kind, const char *code, int64_t version, const char *detail,
                            dm_error *err)
{
    gpkg *g = G(s);
    dm_status st = DM_OK;
    if (!g->log)
        st = prepare(s,
                     "INSERT INTO demine_change_log (at, who, action, kind, code, version, detail)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     &g->log, err);
    if (st)
        return st;
    sqlite3_bind_text(g->log, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->log, 2, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->log, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->log, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->log, 5, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(g->log, 6, version);
    if (detail)
        sqlite3_bind_text(g->log, 7, detail, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(g->log, 7);
    int rc = sqlite3_step(g->log);
    sqlite3_reset(g->log);
    sqlite3_clear_bindings(g->log);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "writing the change log", err);
}

/* Takes back change log entry `fid`, written for a change that then failed
 * (demine logs a change before making it: dm_gpkg_v6_sql). */
static void unlog(dm_store *s, int64_t fid)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(G(s)->db, "DELETE FROM demine_change_log WHERE fid = ?", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(q, 1, fid);
        sqlite3_step(q);
    }
    sqlite3_finalize(q);
}

static dm_status next_code(dm_store *s, const dm_kind *k, char *code, dm_error *err)
{
    gpkg *g = G(s);
    size_t slot = kind_slot(k);
    if (g->next_number[slot] == 0) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 /* codes of this form with at most 15 digits: a source's own
                    codes like HA-99999999999999999999 do not take the
                    numbering past what a 64-bit integer holds */
                 "SELECT max(CAST(substr(code, %zu) AS INTEGER)) FROM \"%s\""
                 " WHERE code GLOB '%s-[0-9]*' AND length(code) <= %zu"
                 " AND substr(code, %zu) NOT GLOB '*[^0-9]*'",
                 strlen(k->prefix) + 2, k->table, k->prefix, strlen(k->prefix) + 16,
                 strlen(k->prefix) + 2);
        int64_t max;
        int rc = query_int64(g->db, sql, &max);
        if (rc != SQLITE_OK)
            return sql_error(s, rc, "numbering records", err);
        g->next_number[slot] = max + 1;
    }
    snprintf(code, DM_CODE_MAX, "%s-%04lld", k->prefix, (long long)g->next_number[slot]++);
    return DM_OK;
}

static dm_status code_exists(dm_store *s, const dm_kind *k, const char *code, bool *exists,
                             dm_error *err)
{
    gpkg *g = G(s);
    size_t slot = kind_slot(k);
    dm_status st = DM_OK;
    if (!g->exists[slot]) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" WHERE code = ?", k->table);
        st = prepare(s, sql, &g->exists[slot], err);
        if (st)
            return st;
    }
    sqlite3_bind_text(g->exists[slot], 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(g->exists[slot]);
    *exists = rc == SQLITE_ROW;
    sqlite3_reset(g->exists[slot]);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DM_OK
                                                 : sql_error(s, rc, "looking up a code", err);
}

static dm_status insert_sql(const dm_kind *k, dm_buf *b)
{
    /* OR FAIL: no statement journal per insert (the rtree triggers would need
       one under ABORT). A failed insert fails the whole import, which then
       rolls back its transaction: nothing half-written survives. */
    dm_status st = dm_buf_printf(b, "INSERT OR FAIL INTO \"%s\" (code", k->table);
    for (size_t i = 0; !st && i < k->nfields; i++)
        st = dm_buf_printf(b, ", \"%s\"", k->fields[i].name);
    if (!st)
        st = dm_buf_puts(b, ", attributes, origin, state, state_reason, version, created_at,"
                            " created_by, updated_at, updated_by");
    if (!st && k->geom != DM_GEOM_NONE)
        st = dm_buf_puts(b, ", geom");
    if (!st)
        st = dm_buf_puts(b, ") VALUES (?");
    size_t n = k->nfields + 9 + (k->geom != DM_GEOM_NONE);
    for (size_t i = 0; !st && i < n; i++)
        st = dm_buf_puts(b, ", ?");
    return st ? st : dm_buf_puts(b, ")");
}

static dm_status gpkg_insert(dm_store *s, dm_record *rec, const char *who, dm_error *err)
{
    gpkg *g = G(s);
    const dm_kind *k = rec->kind;
    size_t slot = kind_slot(k);
    dm_status st = DM_OK;
    if (!g->in_tx)
        return dm_error_set(err, DM_EINTERNAL, "insert outside a transaction");
    if (rec->code[0]) {
        bool exists;
        st = code_exists(s, k, rec->code, &exists, err);
        if (st)
            return st;
        if (exists)
            return dm_error_set(err, DM_ECONFLICT, "%s %s already exists", k->name, rec->code);
        long long number;
        if (rec->code_within_numbering && dm_kind_code_number(k, rec->code, &number)) {
            /* the next number, given back at once */
            char next[DM_CODE_MAX];
            st = next_code(s, k, next, err);
            if (st)
                return st;
            g->next_number[slot]--;
            if (number > g->next_number[slot])
                return dm_error_set(err, DM_EINVAL,
                                    "code %s is of the form the store numbers %s with, past the "
                                    "next number (%s): leave the code out and the store gives "
                                    "that one, or choose a code of another form",
                                    rec->code, k->name, next);
        }
        forget_numbers(g);
    } else {
        /* the next number; a source's own code may already hold it (one
           beyond what numbering looks at, say) */
        bool exists = true;
        for (int tries = 0; !st && exists && tries < 1000; tries++) {
            st = next_code(s, k, rec->code, err);
            if (!st)
                st = code_exists(s, k, rec->code, &exists, err);
        }
        if (!st && exists)
            st = dm_error_set(err, DM_ESTORE, "cannot find a free %s code", k->name);
        if (st) {
            rec->code[0] = 0;
            return st;
        }
    }
    if (!g->insert[slot]) {
        dm_buf sql;
        dm_buf_init(&sql, 0);
        st = insert_sql(k, &sql);
        if (!st)
            st = prepare(s, sql.data, &g->insert[slot], err);
        dm_buf_free(&sql);
        if (st)
            return st;
    }
    sqlite3_stmt *q = g->insert[slot];
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    int i = 1;
    sqlite3_bind_text(q, i++, rec->code, -1, SQLITE_STATIC);
    for (size_t f = 0; !st && f < k->nfields; f++)
        st = bind_value(s, q, i++, &k->fields[f], rec->values[f], err);
    if (st)
        goto done;
    sqlite3_bind_text(q, i++, rec->attributes, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, rec->origin, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, rec->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, rec->state_reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, i++, 1);
    sqlite3_bind_text(q, i++, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, who, -1, SQLITE_STATIC);
    if (k->geom != DM_GEOM_NONE) {
        if (rec->geom) {
            st = dm_gpkg_blob_write(s->geo, rec->geom, 4326, &blob, &blob_len, err);
            if (st)
                goto done;
            sqlite3_bind_blob(q, i++, blob, (int)blob_len, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, i++);
        }
    }
    /* the change log entry first: the triggers of edits made outside demine
       know the insert for demine's own by it (dm_gpkg_v6_sql) */
    st = log_change(s, now, who, "insert", k->name, rec->code, 1, rec->origin, err);
    if (st)
        goto done;
    int64_t logged = sqlite3_last_insert_rowid(g->db);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE) {
        st = sql_error(s, rc, "inserting a record", err);
        if (st == DM_ECONFLICT) /* codes are checked first: this is not a bad row */
            st = dm_error_set(err, DM_ESTORE, "%s", err->msg);
        sqlite3_reset(q);
        unlog(s, logged);
        goto done;
    }
    rec->fid = sqlite3_last_insert_rowid(g->db);
    rec->version = 1;
    snprintf(rec->updated_at, sizeof rec->updated_at, "%s", now);
    snprintf(rec->updated_by, sizeof rec->updated_by, "%s", who);
done:
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    free(blob);
    return st;
}

/* The stored version of record `code` of k into *version; *found is false
 * without the record. */
static dm_status record_version(dm_store *s, const dm_kind *k, const char *code, int64_t *version,
                                bool *found, dm_error *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT version FROM \"%s\" WHERE code = ?", k->table);
    sqlite3_stmt *q;
    dm_status st = prepare(s, sql, &q, err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    *version = *found ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? DM_OK
               : sql_error(s, rc, "reading a record's version", err);
}

/* Runs q, the UPDATE of record `code` to `version` (its values bound
 * already), after writing its change log entry: the entry comes first, so
 * that the triggers of edits made outside demine know the change for
 * demine's own (dm_gpkg_v6_sql). Takes the entry back when the record was
 * not changed. */
static dm_status logged_update(dm_store *s, sqlite3_stmt *q, const char *now, const char *who,
                               const char *action, const dm_kind *k, const char *code,
                               int64_t version, const char *detail, dm_error *err)
{
    dm_status st = log_change(s, now, who, action, k->name, code, version, detail, err);
    if (st)
        return st;
    int64_t logged = sqlite3_last_insert_rowid(G(s)->db);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE && sqlite3_changes(G(s)->db) == 1)
        return DM_OK;
    st = rc != SQLITE_DONE
             ? sql_error(s, rc, "changing a record", err)
             : dm_error_set(err, DM_ESTORE, "%s %s changed while it was written", k->name, code);
    unlog(s, logged);
    return st;
}

static dm_status gpkg_update(dm_store *s, dm_record *rec, int64_t expected_version, const char *who,
                             const char *detail, dm_error *err)
{
    const dm_kind *k = rec->kind;
    int64_t current;
    bool found;
    dm_status st = record_version(s, k, rec->code, &current, &found, err);
    if (st)
        return st;
    if (!found)
        return dm_error_set(err, DM_ENOTFOUND, "no %s record %s", k->name, rec->code);
    if (expected_version > 0 && current != expected_version)
        return dm_error_set(err, DM_ECONFLICT,
                            "%s %s was changed by someone else (it is no longer version %lld): "
                            "reload it and apply your change again",
                            k->name, rec->code, (long long)expected_version);
    dm_buf sql;
    dm_buf_init(&sql, 0);
    st = dm_buf_printf(&sql,
                       "UPDATE \"%s\" SET version = ?, updated_at = ?, updated_by = ?,"
                       " attributes = ?",
                       k->table);
    for (size_t i = 0; !st && i < k->nfields; i++)
        st = dm_buf_printf(&sql, ", \"%s\" = ?", k->fields[i].name);
    if (!st && k->geom != DM_GEOM_NONE)
        st = dm_buf_puts(&sql, ", geom = ?");
    if (!st)
        st = dm_buf_puts(&sql, " WHERE code = ? AND version = ?");
    sqlite3_stmt *q = NULL;
    if (!st)
        st = prepare(s, sql.data, &q, err);
    dm_buf_free(&sql);
    if (st)
        return st;
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    int i = 1;
    sqlite3_bind_int64(q, i++, current + 1);
    sqlite3_bind_text(q, i++, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, rec->attributes, -1, SQLITE_STATIC);
    for (size_t f = 0; !st && f < k->nfields; f++)
        st = bind_value(s, q, i++, &k->fields[f], rec->values[f], err);
    if (!st && k->geom != DM_GEOM_NONE) {
        if (rec->geom) {
            st = dm_gpkg_blob_write(s->geo, rec->geom, 4326, &blob, &blob_len, err);
            if (!st)
                sqlite3_bind_blob(q, i++, blob, (int)blob_len, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, i++);
        }
    }
    if (!st) {
        sqlite3_bind_text(q, i++, rec->code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, i++, current);
        st = logged_update(s, q, now, who, "update", k, rec->code, current + 1, detail, err);
    }
    sqlite3_finalize(q);
    free(blob);
    if (!st)
        rec->version = current + 1;
    return st;
}

static dm_status gpkg_set_state(dm_store *s, const dm_kind *k, const char *code, const char *state,
                                const char *reason, const char *who, dm_error *err)
{
    int64_t current;
    bool found;
    dm_status st = record_version(s, k, code, &current, &found, err);
    if (st)
        return st;
    if (!found)
        return dm_error_set(err, DM_ENOTFOUND, "no %s record %s", k->name, code);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE \"%s\" SET state = ?, state_reason = ?, version = ?, updated_at = ?,"
             " updated_by = ? WHERE code = ? AND version = ?",
             k->table);
    sqlite3_stmt *q;
    st = prepare(s, sql, &q, err);
    if (st)
        return st;
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    sqlite3_bind_text(q, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, current + 1);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, current);
    char detail[300];
    snprintf(detail, sizeof detail, "%s%s%s", state, reason ? ": " : "", reason ? reason : "");
    st = logged_update(s, q, now, who, "state", k, code, current + 1, detail, err);
    sqlite3_finalize(q);
    return st;
}

/* ---- reading ---- */

/* The records a reader sees: approved ones, or with drafts every record but
 * the rejected ones (draft, submitted, approved). */
static const char *state_filter(bool include_drafts)
{
    return include_drafts ? "state != 'rejected'" : "state = 'approved'";
}

static dm_status select_sql(const dm_kind *k, dm_buf *b)
{
    dm_status st = dm_buf_puts(b, "SELECT fid, code");
    for (size_t i = 0; !st && i < k->nfields; i++)
        st = dm_buf_printf(b, ", \"%s\"", k->fields[i].name);
    if (!st)
        st = dm_buf_puts(b, ", attributes, origin, state, state_reason, version, updated_at,"
                            " updated_by");
    if (!st)
        st = dm_buf_puts(b, k->geom != DM_GEOM_NONE ? ", geom" : ", NULL");
    return st ? st : dm_buf_printf(b, " FROM \"%s\"", k->table);
}

static char *dup_col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Copies column i (NULL stays NULL); sets *oom when the copy fails. */
static char *copy_col(sqlite3_stmt *q, int i, bool *oom)
{
    char *v = dup_col(q, i);
    if (!v && sqlite3_column_type(q, i) != SQLITE_NULL)
        *oom = true;
    return v;
}

/* Fills rec from the current row. with_geom: read the geometry; keep_damaged:
 * a geometry that cannot be read leaves rec->geom NULL and sets
 * rec->geom_damaged instead of failing. */
static dm_status row_to_record(dm_store *s, sqlite3_stmt *q, dm_record *rec, bool with_geom,
                               bool keep_damaged, dm_error *err)
{
    const dm_kind *k = rec->kind;
    bool oom = false;
    int i = 0;
    rec->fid = sqlite3_column_int64(q, i++);
    const unsigned char *code = sqlite3_column_text(q, i++);
    snprintf(rec->code, sizeof rec->code, "%s", code ? (const char *)code : "");
    for (size_t f = 0; f < k->nfields; f++, i++) {
        if (sqlite3_column_type(q, i) == SQLITE_NULL)
            continue;
        if (k->fields[f].type == DM_FT_REAL) {
            char tmp[40];
            snprintf(tmp, sizeof tmp, "%.17g", sqlite3_column_double(q, i));
            rec->values[f] = strdup(tmp);
            oom |= !rec->values[f];
        } else {
            rec->values[f] = copy_col(q, i, &oom);
        }
    }
    rec->attributes = copy_col(q, i++, &oom);
    rec->origin = copy_col(q, i++, &oom);
    const unsigned char *state = sqlite3_column_text(q, i++);
    snprintf(rec->state, sizeof rec->state, "%s", state ? (const char *)state : "");
    rec->state_reason = copy_col(q, i++, &oom);
    rec->version = sqlite3_column_int64(q, i++);
    const unsigned char *at = sqlite3_column_text(q, i++);
    snprintf(rec->updated_at, sizeof rec->updated_at, "%s", at ? (const char *)at : "");
    const unsigned char *by = sqlite3_column_text(q, i++);
    snprintf(rec->updated_by, sizeof rec->updated_by, "%s", by ? (const char *)by : "");
    if (oom)
        return dm_error_set(err, DM_ENOMEM, "out of memory reading %s %s", k->name, rec->code);
    if (with_geom && sqlite3_column_type(q, i) == SQLITE_BLOB) {
        dm_status st = dm_gpkg_blob_read(s->geo, sqlite3_column_blob(q, i),
                                         (size_t)sqlite3_column_bytes(q, i), &rec->geom, err);
        if (st && keep_damaged) {
            rec->geom = NULL;
            rec->geom_damaged = true;
        } else if (st) {
            dm_error_prefix(err, "%s %s", k->name, rec->code);
            return st;
        }
    }
    return DM_OK;
}

static dm_status gpkg_query(dm_store *s, const dm_query *qr, dm_cursor **out, dm_error *err)
{
    *out = NULL;
    const dm_kind *k = qr->kind;
    dm_buf sql;
    dm_buf_init(&sql, 0);
    dm_status st = select_sql(k, &sql);
    if (!st)
        st = dm_buf_printf(&sql, " WHERE %s",
                           qr->not_approved ? "state != 'approved'"
                                            : state_filter(qr->include_drafts));
    if (!st && qr->has_bbox && k->geom != DM_GEOM_NONE)
        st = dm_buf_printf(&sql,
                           " AND fid IN (SELECT id FROM \"rtree_%s_geom\" WHERE maxx >= ?1 AND"
                           " minx <= ?3 AND maxy >= ?2 AND miny <= ?4)",
                           k->table);
    if (!st)
        st = dm_buf_puts(&sql, " ORDER BY fid");
    if (!st && (qr->limit > 0 || qr->offset > 0))
        st = dm_buf_printf(&sql, " LIMIT %lld OFFSET %lld",
                           (long long)(qr->limit > 0 ? qr->limit : -1),
                           (long long)(qr->offset > 0 ? qr->offset : 0));
    gpkg_cursor *c = NULL;
    if (!st) {
        c = calloc(1, sizeof *c);
        if (!c)
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    if (!st) {
        int rc = sqlite3_prepare_v2(G(s)->db, sql.data, -1, &c->stmt, NULL);
        if (rc != SQLITE_OK)
            st = sql_error(s, rc, "reading records", err);
    }
    dm_buf_free(&sql);
    if (st) {
        if (c)
            sqlite3_finalize(c->stmt);
        free(c);
        return st;
    }
    if (qr->has_bbox && k->geom != DM_GEOM_NONE)
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(c->stmt, i + 1, qr->bbox[i]);
    c->base.store = s;
    c->kind = k;
    c->with_geom = qr->with_geometry;
    c->keep_damaged = qr->keep_damaged;
    *out = &c->base;
    return DM_OK;
}

static dm_status gpkg_next(dm_cursor *cur, dm_record *rec, bool *has_row, dm_error *err)
{
    gpkg_cursor *c = (gpkg_cursor *)cur;
    dm_store *s = cur->store;
    if (rec->kind != c->kind)
        dm_record_init(rec, c->kind);
    dm_record_clear(rec, s->geo);
    int rc = sqlite3_step(c->stmt);
    if (rc == SQLITE_DONE) {
        *has_row = false;
        return DM_OK;
    }
    if (rc != SQLITE_ROW) {
        *has_row = false;
        return sql_error(s, rc, "reading records", err);
    }
    *has_row = true;
    return row_to_record(s, c->stmt, rec, c->with_geom, c->keep_damaged, err);
}

static void gpkg_close_cursor(dm_cursor *cur)
{
    gpkg_cursor *c = (gpkg_cursor *)cur;
    sqlite3_finalize(c->stmt);
    free(c);
}

static dm_status gpkg_get(dm_store *s, const dm_kind *k, const char *code, dm_record *rec,
                          dm_error *err)
{
    dm_buf sql;
    dm_buf_init(&sql, 0);
    dm_status st = select_sql(k, &sql);
    if (!st)
        st = dm_buf_puts(&sql, " WHERE code = ?");
    sqlite3_stmt *q = NULL;
    if (!st) {
        int rc = sqlite3_prepare_v2(G(s)->db, sql.data, -1, &q, NULL);
        if (rc != SQLITE_OK)
            st = sql_error(s, rc, "reading a record", err);
    }
    dm_buf_free(&sql);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    if (rec->kind != k)
        dm_record_init(rec, k);
    dm_record_clear(rec, s->geo);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = row_to_record(s, q, rec, true, false, err);
    else if (rc == SQLITE_DONE)
        st = dm_error_set(err, DM_ENOTFOUND, "no %s record %s", k->name, code);
    else
        st = sql_error(s, rc, "reading a record", err);
    sqlite3_finalize(q);
    return st;
}

static dm_status gpkg_count(dm_store *s, const dm_kind *k, bool include_drafts, int64_t *n,
                            dm_error *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE %s", k->table,
             state_filter(include_drafts));
    int rc = query_int64(G(s)->db, sql, n);
    return rc == SQLITE_OK ? DM_OK : sql_error(s, rc, "counting records", err);
}

static dm_status gpkg_extent(dm_store *s, const dm_kind *k, bool include_drafts, double bb[4],
                             bool *has, dm_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT min(r.minx), min(r.miny), max(r.maxx), max(r.maxy) FROM \"rtree_%s_geom\" r"
             " JOIN \"%s\" t ON t.fid = r.id WHERE %s",
             k->table, k->table, state_filter(include_drafts));
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the extent", err);
    rc = sqlite3_step(q);
    *has = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL;
    for (int i = 0; *has && i < 4; i++)
        bb[i] = sqlite3_column_double(q, i);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? DM_OK : sql_error(s, rc, "reading the extent", err);
}

/* Values another program wrote that are not dates (or are date-times) do
 * not count beyond their first ten characters, and only when those are
 * YYYY-MM-DD. */
static dm_status gpkg_date_range(dm_store *s, const dm_kind *k, const char *field,
                                 bool include_drafts, char first[11], char last[11], dm_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT min(substr(\"%s\", 1, 10)), max(substr(\"%s\", 1, 10)) FROM \"%s\" WHERE %s"
             " AND typeof(\"%s\") = 'text' AND \"%s\" GLOB"
             " '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*'",
             field, field, k->table, state_filter(include_drafts), field, field);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the dates' range", err);
    rc = sqlite3_step(q);
    first[0] = last[0] = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
        snprintf(first, 11, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(last, 11, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? DM_OK : sql_error(s, rc, "reading the dates' range", err);
}

static dm_status gpkg_history(dm_store *s, const dm_kind *k, const char *code,
                              int (*fn)(const dm_change *c, void *ctx), void *ctx, dm_error *err)
{
    sqlite3_stmt *q;
    const char *sql = code ? "SELECT fid, at, who, action, kind, code, version, detail FROM"
                             " demine_change_log WHERE kind = ?1 AND code = ?2 ORDER BY fid"
                           : "SELECT fid, at, who, action, kind, code, version, detail FROM"
                             " demine_change_log ORDER BY fid";
    int rc = sqlite3_prepare_v2(G(s)->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the change log", err);
    if (code) {
        sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        dm_change c;
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(q, 0);
#define COL(i) (sqlite3_column_text(q, i) ? (const char *)sqlite3_column_text(q, i) : "")
        snprintf(c.at, sizeof c.at, "%s", COL(1));
        snprintf(c.who, sizeof c.who, "%s", COL(2));
        snprintf(c.action, sizeof c.action, "%s", COL(3));
        snprintf(c.kind, sizeof c.kind, "%s", COL(4));
        snprintf(c.code, sizeof c.code, "%s", COL(5));
        c.version = sqlite3_column_int64(q, 6);
        snprintf(c.detail, sizeof c.detail, "%s", COL(7));
#undef COL
        if (fn(&c, ctx))
            break;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DM_OK
                                                 : sql_error(s, rc, "reading the change log", err);
}

/* ---- changes waiting for approval (schema version 4) ---- */

static void column_copy(char *dst, size_t n, sqlite3_stmt *q, int i);

static dm_status pending_ready(dm_store *s, bool write, dm_error *err)
{
    if (G(s)->schema_version < 4)
        return write ? dm_error_set(err, DM_EREADONLY,
                                    "%s is from an older demine: open it for writing once to "
                                    "upgrade it",
                                    s->location)
                     : dm_error_set(err, DM_ENOTFOUND, "no change waits in %s", s->location);
    if (write && !G(s)->in_tx)
        return dm_error_set(err, DM_EINTERNAL, "a waiting change outside a transaction");
    return DM_OK;
}

/* Writes a waiting change row (the values as a JSON object of canonical
 * texts, the geometry as a GeoPackage blob); DM_ECONFLICT when one waits. */
static dm_status pending_insert(dm_store *s, const dm_kind *k, const char *code, const char *change,
                                const dm_record *rec, int64_t base_version, const char *at,
                                const char *by, dm_error *err)
{
    dm_status st = DM_OK;
    dm_buf values;
    dm_buf_init(&values, 0);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    if (rec) {
        dm_buf_puts(&values, "{");
        bool first = true;
        for (size_t f = 0; f < k->nfields; f++) {
            if (!rec->values[f])
                continue;
            dm_buf_puts(&values, first ? "" : ", ");
            first = false;
            dm_buf_json_string(&values, k->fields[f].name);
            dm_buf_puts(&values, ": ");
            dm_buf_json_string(&values, rec->values[f]);
        }
        dm_buf_puts(&values, "}");
        if (values.status)
            st = dm_error_set(err, DM_ENOMEM, "out of memory keeping a change");
        if (!st && rec->geom)
            st = dm_gpkg_blob_write(s->geo, rec->geom, 4326, &blob, &blob_len, err);
    }
    sqlite3_stmt *q = NULL;
    if (!st)
        st = prepare(s,
                     "INSERT INTO demine_pending (kind, code, change, base_version, record_values,"
                     " geom, proposed_at, proposed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     &q, err);
    if (!st) {
        sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, change, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, base_version);
        if (rec)
            sqlite3_bind_text(q, 5, values.data, -1, SQLITE_STATIC);
        if (blob)
            sqlite3_bind_blob(q, 6, blob, (int)blob_len, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, at, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, by, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_CONSTRAINT)
            st = dm_error_set(err, DM_ECONFLICT,
                              "a change to %s %s already waits for approval: it must be approved "
                              "or rejected first",
                              k->name, code);
        else if (rc != SQLITE_DONE)
            st = sql_error(s, rc, "keeping a change for approval", err);
    }
    dm_buf_free(&values);
    free(blob);
    return st;
}

static dm_status gpkg_pending_put(dm_store *s, const dm_kind *k, const char *code,
                                  const char *change, const dm_record *rec, int64_t base_version,
                                  const char *who, const char *detail, dm_error *err)
{
    dm_status st = pending_ready(s, true, err);
    if (st)
        return st;
    /* the record must still be at base_version */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT version FROM \"%s\" WHERE code = ?", k->table);
    sqlite3_stmt *q;
    if ((st = prepare(s, sql, &q, err)))
        return st;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int64_t version = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_error(s, rc, "reading a record's version", err);
    if (!version)
        return dm_error_set(err, DM_ENOTFOUND, "no %s record %s", k->name, code);
    if (version != base_version)
        return dm_error_set(err, DM_ECONFLICT,
                            "%s %s was changed by someone else (it is no longer version %lld): "
                            "reload it and apply your change again",
                            k->name, code, (long long)base_version);
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    st = pending_insert(s, k, code, change, rec, base_version, now, who, err);
    if (!st)
        st = log_change(s, now, who, "propose", k->name, code, base_version,
                        detail ? detail : change, err);
    return st;
}

static dm_status gpkg_pending_amend(dm_store *s, const dm_kind *k, const char *code,
                                    int64_t expected_id, const char *change, const dm_record *rec,
                                    const char *who, const char *detail, dm_error *err)
{
    dm_status st = pending_ready(s, true, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    if ((st = prepare(s,
                      "SELECT fid, base_version, proposed_at, proposed_by FROM demine_pending"
                      " WHERE kind = ? AND code = ?",
                      &q, err)))
        return st;
    sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int64_t id = 0, base = 0;
    char at[32] = "", by[64] = "";
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(q, 0);
        base = sqlite3_column_int64(q, 1);
        column_copy(at, sizeof at, q, 2);
        column_copy(by, sizeof by, q, 3);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "reading a waiting change", err);
    if (!id)
        return dm_error_set(err, DM_ENOTFOUND, "no change to %s %s waits for approval", k->name,
                            code);
    if (id != expected_id)
        return dm_error_set(err, DM_ECONFLICT,
                            "the change waiting for %s %s was changed by someone else: look at "
                            "it again",
                            k->name, code);
    /* the row goes and comes back with a new fid (AUTOINCREMENT: never one
       used before), so the id names what waits */
    if ((st = prepare(s, "DELETE FROM demine_pending WHERE fid = ?", &q, err)))
        return st;
    sqlite3_bind_int64(q, 1, id);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "changing a waiting change", err);
    st = pending_insert(s, k, code, change, rec, base, at, by, err);
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    if (!st)
        st = log_change(s, now, who, "amend", k->name, code, base, detail ? detail : change, err);
    return st;
}

/* Sets rec's values from the JSON object of a waiting replacement. */
static dm_status pending_values(const char *json, dm_record *rec, dm_error *err)
{
    json_object *o = json ? json_tokener_parse(json) : NULL;
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return dm_error_set(err, DM_EFORMAT, "a waiting change of %s is damaged", rec->code);
    }
    dm_status st = DM_OK;
    json_object_object_foreach(o, key, val)
    {
        const char *v = json_object_get_string(val);
        for (size_t f = 0; !st && f < rec->kind->nfields; f++) {
            if (strcmp(rec->kind->fields[f].name, key))
                continue;
            free(rec->values[f]);
            if (!(rec->values[f] = strdup(v ? v : "")))
                st = dm_error_set(err, DM_ENOMEM, "out of memory reading a change");
        }
    }
    json_object_put(o);
    return st;
}

static dm_status gpkg_pending_get(dm_store *s, const dm_kind *k, const char *code, dm_pending *info,
                                  dm_record *rec, dm_error *err)
{
    dm_status st = pending_ready(s, false, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT change, base_version, proposed_at, proposed_by,"
                                " record_values, geom, fid FROM demine_pending WHERE kind = ? AND"
                                " code = ?",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading a waiting change", err);
    sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        st =
            dm_error_set(err, DM_ENOTFOUND, "no change to %s %s waits for approval", k->name, code);
    else if (rc != SQLITE_ROW)
        st = sql_error(s, rc, "reading a waiting change", err);
    if (!st) {
        memset(info, 0, sizeof *info);
        info->kind = k;
        snprintf(info->code, sizeof info->code, "%s", code);
        column_copy(info->change, sizeof info->change, q, 0);
        info->base_version = sqlite3_column_int64(q, 1);
        column_copy(info->at, sizeof info->at, q, 2);
        column_copy(info->by, sizeof info->by, q, 3);
        info->id = sqlite3_column_int64(q, 6);
    }
    if (!st && rec && !strcmp(info->change, "replace")) {
        /* the stored record, then the proposed values and geometry over it */
        st = gpkg_get(s, k, code, rec, err);
        for (size_t f = 0; !st && f < k->nfields; f++) {
            free(rec->values[f]);
            rec->values[f] = NULL;
        }
        if (!st)
            st = pending_values((const char *)sqlite3_column_text(q, 4), rec, err);
        if (!st) {
            if (rec->geom)
                dm_geo_destroy(s->geo, rec->geom);
            rec->geom = NULL;
            const void *blob = sqlite3_column_blob(q, 5);
            if (blob)
                st = dm_gpkg_blob_read(s->geo, blob, (size_t)sqlite3_column_bytes(q, 5), &rec->geom,
                                       err);
        }
    }
    sqlite3_finalize(q);
    return st;
}

static dm_status gpkg_pending_list(dm_store *s, int (*fn)(const dm_pending *p, void *ctx),
                                   void *ctx, dm_error *err)
{
    if (G(s)->schema_version < 4)
        return DM_OK; /* none can wait in an older database */
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT kind, code, change, base_version, proposed_at, proposed_by,"
                                " fid FROM demine_pending ORDER BY fid",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the waiting changes", err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        dm_pending p;
        memset(&p, 0, sizeof p);
        char kind[64];
        column_copy(kind, sizeof kind, q, 0);
        if (!(p.kind = dm_kind_find(kind)))
            continue;
        column_copy(p.code, sizeof p.code, q, 1);
        column_copy(p.change, sizeof p.change, q, 2);
        p.base_version = sqlite3_column_int64(q, 3);
        column_copy(p.at, sizeof p.at, q, 4);
        column_copy(p.by, sizeof p.by, q, 5);
        p.id = sqlite3_column_int64(q, 6);
        if (fn(&p, ctx))
            break;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? DM_OK
               : sql_error(s, rc, "reading the waiting changes", err);
}

static dm_status gpkg_pending_delete(dm_store *s, const dm_kind *k, const char *code,
                                     const char *action, const char *detail, const char *who,
                                     dm_error *err)
{
    dm_status st = pending_ready(s, true, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    if ((st = prepare(s,
                      "DELETE FROM demine_pending WHERE kind = ? AND code = ? RETURNING"
                      " base_version",
                      &q, err)))
        return st;
    sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int64_t base = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "removing a waiting change", err);
    if (!base)
        return dm_error_set(err, DM_ENOTFOUND, "no change to %s %s waits for approval", k->name,
                            code);
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    return log_change(s, now, who, action, k->name, code, base, detail, err);
}

/* ---- scanning ---- */

static dm_status gpkg_scan(dm_store *s, const dm_kind *k, const char *const *fields, size_t nfields,
                           bool include_drafts, dm_scan_fn fn, void *ctx, dm_error *err)
{
    /* one allocation for the whole scan: the value pointers, the field
       indexes, and a text buffer per field for REAL values */
    typedef char real_text[40];
    size_t n = nfields ? nfields : 1;
    const char **values = calloc(n, sizeof *values);
    int *idx = calloc(n, sizeof *idx);
    real_text *reals = calloc(n, sizeof *reals);
    dm_buf sql;
    dm_buf_init(&sql, 0);
    dm_buf_puts(&sql, "SELECT code, state");
    for (size_t i = 0; i < nfields && idx; i++) {
        idx[i] = dm_kind_field_index(k, fields[i]);
        if (idx[i] < 0) { /* store.c checked them: a caller bypassing it */
            dm_buf_free(&sql);
            free(values);
            free(idx);
            free(reals);
            return dm_error_set(err, DM_EINVAL, "%s records have no field '%s'", k->name,
                                fields[i]);
        }
        dm_buf_printf(&sql, ", \"%s\"", k->fields[idx[i]].name);
    }
    /* the unary + keeps SQLite from going through the state index, which
       with mostly approved records costs a lookup per row: one pass through
       the table, in fid order, is the fastest way */
    dm_buf_printf(&sql, " FROM \"%s\" WHERE +%s ORDER BY fid", k->table,
                  state_filter(include_drafts));
    sqlite3_stmt *q = NULL;
    dm_status st = DM_OK;
    if (!values || !idx || !reals || sql.status) {
        st = dm_error_set(err, DM_ENOMEM, "out of memory reading %s", k->name);
    } else {
        int rc = sqlite3_prepare_v2(G(s)->db, sql.data, -1, &q, NULL);
        if (rc != SQLITE_OK)
            st = sql_error(s, rc, "reading records", err);
    }
    dm_buf_free(&sql);
    int rc = SQLITE_DONE;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        bool oom = false;
        for (size_t i = 0; i < nfields; i++) {
            int c = (int)i + 2;
            if (k->fields[idx[i]].type == DM_FT_REAL) {
                int type = sqlite3_column_type(q, c);
                if (type == SQLITE_FLOAT || type == SQLITE_INTEGER) {
                    /* the same text as the records' (row_to_record) */
                    snprintf(reals[i], sizeof reals[i], "%.17g", sqlite3_column_double(q, c));
                    values[i] = reals[i];
                    continue;
                }
            }
            values[i] = (const char *)sqlite3_column_text(q, c);
            /* NULL: an unknown value, or SQLite out of memory */
            oom |= !values[i] && sqlite3_column_type(q, c) != SQLITE_NULL;
        }
        const char *code = (const char *)sqlite3_column_text(q, 0);
        const char *state = (const char *)sqlite3_column_text(q, 1);
        if (oom || !code || !state)
            st = dm_error_set(err, DM_ENOMEM, "out of memory reading %s", k->name);
        else if (fn(code, state, values, ctx))
            rc = SQLITE_DONE;
        if (rc == SQLITE_DONE)
            break;
    }
    if (!st && rc != SQLITE_DONE)
        st = sql_error(s, rc, "reading records", err);
    sqlite3_finalize(q);
    free(values);
    free(idx);
    free(reals);
    return st;
}

/* ---- stamps and caches ---- */

/* Compares the stamp `stamp` ("hazards:12;releases:40", as gpkg_stamp writes
 * it) with the counters in demine_stamp of db. Returns SQLITE_OK and sets
 * *same, or the SQLite failure code. */
static int stamp_is_current(sqlite3 *db, const char *stamp, bool *same)
{
    *same = false;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(db, "SELECT n FROM demine_stamp WHERE tbl = ?", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    bool ok = *stamp != 0;
    for (const char *p = stamp; ok && *p;) {
        const char *colon = strchr(p, ':');
        char *end = NULL;
        long long n = colon ? strtoll(colon + 1, &end, 10) : 0;
        if (!colon || colon == p || end == colon + 1 || (*end && *end != ';')) {
            ok = false;
            break;
        }
        sqlite3_bind_text(q, 1, p, (int)(colon - p), SQLITE_STATIC);
        rc = sqlite3_step(q);
        ok = rc == SQLITE_ROW && sqlite3_column_int64(q, 0) == n;
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            break;
        rc = SQLITE_OK;
        p = *end ? end + 1 : end;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_OK)
        *same = ok;
    return rc;
}

static dm_status gpkg_stamp(dm_store *s, const dm_kind *const *kinds, size_t nkinds,
                            char out[DM_STAMP_MAX], dm_error *err)
{
    out[0] = 0;
    gpkg *g = G(s);
    if (g->schema_version < 2)
        return DM_OK; /* an old database opened read-only: no stamps */
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(g->db, "SELECT n FROM demine_stamp WHERE tbl = ?", -1, &q, NULL);
    if ((rc & 0xff) == SQLITE_ERROR)
        return DM_OK; /* demine_stamp was dropped: cannot tell (check reports it) */
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the change stamps", err);
    char text[DM_STAMP_MAX];
    size_t used = 0;
    bool known = true;
    for (size_t i = 0; known && i < nkinds; i++) {
        sqlite3_bind_text(q, 1, kinds[i]->table, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        known = rc == SQLITE_ROW; /* no row: cannot tell */
        if (known) {
            int w = snprintf(text + used, sizeof text - used, "%s%s:%lld", i ? ";" : "",
                             kinds[i]->table, (long long)sqlite3_column_int64(q, 0));
            /* a stamp that does not fit cannot be kept whole: none */
            known = w > 0 && (size_t)w < sizeof text - used;
            if (known)
                used += (size_t)w;
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_error(s, rc, "reading the change stamps", err);
    if (known)
        memcpy(out, text, used + 1);
    return DM_OK;
}

static dm_status gpkg_cache_get(dm_store *s, const char *name, const char *stamp, void **data,
                                size_t *len, dm_error *err)
{
    *data = NULL;
    *len = 0;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        G(s)->db, "SELECT data FROM demine_cache WHERE name = ?1 AND stamp = ?2", -1, &q, NULL);
    if ((rc & 0xff) == SQLITE_ERROR)
        return DM_OK; /* no demine_cache (an old database): nothing cached */
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading a cache", err);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
    dm_status st = DM_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        /* blob first, then its size (the order SQLite documents) */
        const void *b = sqlite3_column_blob(q, 0);
        int n = sqlite3_column_bytes(q, 0);
        size_t size = n > 0 ? (size_t)n : 0;
        void *copy = malloc(size ? size : 1);
        if (!copy || (size && !b)) {
            st = dm_error_set(err, DM_ENOMEM, "out of memory reading cache %s (%zu bytes)", name,
                              size);
            free(copy);
        } else {
            if (size)
                memcpy(copy, b, size);
            *data = copy;
            *len = size;
        }
    } else if (rc != SQLITE_DONE) {
        st = sql_error(s, rc, "reading a cache", err);
    }
    sqlite3_finalize(q);
    return st;
}

static dm_status gpkg_meta(dm_store *s, const char *key, char *out, size_t outsz, dm_error *err)
{
    sqlite3_stmt *q;
    int rc =
        sqlite3_prepare_v2(G(s)->db, "SELECT value FROM demine_meta WHERE key = ?1", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading demine_meta", err);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    dm_status st = DM_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 0);
        if (!v || strlen(v) >= outsz)
            st = dm_error_set(err, DM_EINVAL, "the setting %s of %s is not what demine wrote", key,
                              s->location);
        else
            memcpy(out, v, strlen(v) + 1);
    } else if (rc == SQLITE_DONE) {
        st = dm_error_set(err, DM_ENOTFOUND, "%s has no setting %s", s->location, key);
    } else {
        st = sql_error(s, rc, "reading demine_meta", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* A cache entry opened for reading in pieces (dm_store_cache_open). */
struct dm_cache_reader {
    sqlite3 *db;
    sqlite3_blob *blob;
    bool own_tx; /* began a read transaction that close ends */
};

static dm_status gpkg_cache_open(dm_store *s, const char *name, const char *stamp,
                                 dm_cache_reader **out, uint64_t *size, dm_error *err)
{
    *out = NULL;
    *size = 0;
    sqlite3 *db = G(s)->db;
    dm_cache_reader *r = calloc(1, sizeof *r);
    if (!r)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    r->db = db;
    /* the row and its blob from one snapshot */
    if (sqlite3_get_autocommit(db)) {
        int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            free(r);
            return sql_error(s, rc, "reading a cache", err);
        }
        r->own_tx = true;
    }
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(db, "SELECT rowid FROM demine_cache WHERE name = ?1 AND stamp = ?2",
                                -1, &q, NULL);
    sqlite3_int64 rowid = 0;
    bool found = false;
    dm_status st = DM_OK;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            rowid = sqlite3_column_int64(q, 0);
            found = true;
        } else if (rc != SQLITE_DONE) {
            st = sql_error(s, rc, "reading a cache", err);
        }
        sqlite3_finalize(q);
    } else if ((rc & 0xff) != SQLITE_ERROR) {
        st = sql_error(s, rc, "reading a cache", err);
    } /* else no demine_cache (an old database): nothing cached */
    if (!st && found &&
        sqlite3_blob_open(db, "main", "demine_cache", "data", rowid, 0, &r->blob) != SQLITE_OK)
        r->blob = NULL; /* gone meanwhile: nothing cached */
    if (st || !r->blob) {
        dm_cache_close(r);
        return st;
    }
    *size = (uint64_t)sqlite3_blob_bytes(r->blob);
    *out = r;
    return DM_OK;
}

dm_status dm_cache_read(dm_cache_reader *r, void *buf, size_t len, uint64_t offset, dm_error *err)
{
    uint64_t size = (uint64_t)sqlite3_blob_bytes(r->blob);
    if (offset > size || len > size - offset)
        return dm_error_set(err, DM_EINVAL, "reading %zu bytes at %llu of a %llu-byte cache", len,
                            (unsigned long long)offset, (unsigned long long)size);
    if (!len)
        return DM_OK;
    int rc = sqlite3_blob_read(r->blob, buf, (int)len, (int)offset);
    if (rc != SQLITE_OK)
        return dm_error_set(err, DM_EIO, "reading a cache: %s", sqlite3_errstr(rc));
    return DM_OK;
}

void dm_cache_close(dm_cache_reader *r)
{
    if (!r)
        return;
    if (r->blob)
        sqlite3_blob_close(r->blob);
    if (r->own_tx)
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
    free(r);
}

/* Writes one cache entry through db in a transaction of its own, only if
 * `stamp` is still the stamp of the tables. Best effort: false when nothing
 * was written (busy, read-only, stale, too big, no demine_cache). */
static bool cache_write(sqlite3 *db, const char *name, const char *stamp, const void *data,
                        size_t len)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return false;
    bool ok = false;
    sqlite3_stmt *q = NULL;
    if (stamp_is_current(db, stamp, &ok) != SQLITE_OK)
        ok = false;
    if (ok)
        ok = sqlite3_prepare_v2(db,
                                "INSERT OR REPLACE INTO demine_cache (name, stamp, data)"
                                " VALUES (?1, ?2, ?3)",
                                -1, &q, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
        /* a NULL pointer would bind NULL: an empty entry is a zero-length blob */
        int rc = len ? sqlite3_bind_blob64(q, 3, data, (sqlite3_uint64)len, SQLITE_STATIC)
                     : sqlite3_bind_zeroblob(q, 3, 0);
        ok = rc == SQLITE_OK && sqlite3_step(q) == SQLITE_DONE;
    }
    sqlite3_finalize(q);
    if (ok)
        ok = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ok;
}

/* A store opened for writing writes with its own connection; one opened
 * read-only (the statistics commands) opens a short-lived read-write
 * connection to the same file, which fails quietly on a file it cannot
 * write. Neither waits long for a busy database. */
static dm_status gpkg_cache_put(dm_store *s, const char *name, const char *stamp, const void *data,
                                size_t len, dm_error *err)
{
    gpkg *g = G(s);
    if (g->in_tx)
        return dm_error_set(err, DM_EINVAL,
                            "cache %s: a cache is kept outside transactions; commit or roll "
                            "back first",
                            name);
    if (!*stamp)
        return DM_OK;
    if (g->writable) {
        sqlite3_busy_timeout(g->db, CACHE_BUSY_MS);
        cache_write(g->db, name, stamp, data, len);
        sqlite3_busy_timeout(g->db, BUSY_MS);
        return DM_OK;
    }
    sqlite3 *db = NULL;
    /* READWRITE opens a write-protected file read-only: then nothing is written */
    if (sqlite3_open_v2(s->location, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_db_readonly(db, "main") == 0) {
        sqlite3_busy_timeout(db, CACHE_BUSY_MS);
        cache_write(db, name, stamp, data, len);
    }
    sqlite3_close_v2(db);
    return DM_OK;
}

/* ---- users and tokens ---- */

static dm_status no_users(dm_store *s, dm_error *err)
{
    return dm_error_set(err, DM_ENOTFOUND,
                        "%s has no users yet: run `demine user add %s NAME --role ROLE`",
                        s->location, s->location);
}

/* Users need schema version 3 (a writable store is upgraded on open) and,
 * to change, the caller's transaction. */
static dm_status users_writable(dm_store *s, dm_error *err)
{
    if (G(s)->schema_version < 3)
        return no_users(s, err);
    if (!G(s)->in_tx)
        return dm_error_set(err, DM_EINTERNAL, "a change to users outside a transaction");
    return DM_OK;
}

static void column_copy(char *dst, size_t n, sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ". */
static void unix_iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

/* The version of user `name` (0 when there is none) into *version. */
static dm_status user_version(dm_store *s, const char *name, int64_t *version, dm_error *err)
{
    *version = 0;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db, "SELECT version FROM demine_users WHERE name = ?1", -1,
                                &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading users", err);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading users", err);
}

static dm_status gpkg_user_get(dm_store *s, const char *name, dm_user *out, dm_error *err)
{
    if (G(s)->schema_version < 3)
        return no_users(s, err);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT name, role, password_hash, created_at, disabled, version"
                                " FROM demine_users WHERE name = ?1",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading users", err);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    dm_status st = DM_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        column_copy(out->name, sizeof out->name, q, 0);
        column_copy(out->role, sizeof out->role, q, 1);
        column_copy(out->password_hash, sizeof out->password_hash, q, 2);
        column_copy(out->created_at, sizeof out->created_at, q, 3);
        out->disabled = sqlite3_column_int(q, 4) != 0;
        out->version = sqlite3_column_int64(q, 5);
    } else if (rc == SQLITE_DONE) {
        st = dm_error_set(err, DM_ENOTFOUND, "no user %s in %s", name, s->location);
    } else {
        st = sql_error(s, rc, "reading users", err);
    }
    sqlite3_finalize(q);
    return st;
}

static dm_status gpkg_user_list(dm_store *s, int (*fn)(const dm_user *u, void *ctx), void *ctx,
                                dm_error *err)
{
    if (G(s)->schema_version < 3)
        return no_users(s, err);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT name, role, created_at, disabled, version FROM"
                                " demine_users ORDER BY name",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading users", err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        dm_user u;
        memset(&u, 0, sizeof u);
        column_copy(u.name, sizeof u.name, q, 0);
        column_copy(u.role, sizeof u.role, q, 1);
        column_copy(u.created_at, sizeof u.created_at, q, 2);
        u.disabled = sqlite3_column_int(q, 3) != 0;
        u.version = sqlite3_column_int64(q, 4);
        if (fn(&u, ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading users", err);
}

/* What a replace changes, for the change log: never the hash itself. */
static void user_changes(const dm_user *old, const dm_user *u, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = 0;
    if (strcmp(old->role, u->role))
        used += (size_t)snprintf(out + used, outsz - used, "role %s -> %s", old->role, u->role);
    if (used < outsz && strcmp(old->password_hash, u->password_hash))
        used += (size_t)snprintf(out + used, outsz - used, "%spassword hash replaced",
                                 used ? "; " : "");
    if (used < outsz && old->disabled != u->disabled)
        snprintf(out + used, outsz - used, "%s%s", used ? "; " : "",
                 u->disabled ? "disabled" : "enabled");
}

static dm_status gpkg_user_put(dm_store *s, const dm_user *u, dm_user_put_mode mode,
                               const char *who, dm_error *err)
{
    dm_status st = users_writable(s, err);
    if (st)
        return st;
    dm_user old;
    memset(&old, 0, sizeof old);
    st = gpkg_user_get(s, u->name, &old, err);
    bool exists = st == DM_OK;
    if (st && st != DM_ENOTFOUND)
        return st;
    if (mode == DM_USER_ADD && exists)
        return dm_error_set(err, DM_ECONFLICT, "user %s already exists in %s", u->name,
                            s->location);
    if (mode == DM_USER_REPLACE && !exists)
        return st; /* "no user NAME in DB" */
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    char detail[160];
    const char *sql;
    if (exists) {
        user_changes(&old, u, detail, sizeof detail);
        if (!detail[0])
            return DM_OK; /* nothing changes: nothing to write or log */
        sql = "UPDATE demine_users SET role = ?2, password_hash = ?3, disabled = ?4,"
              " version = version + 1, updated_at = ?5, updated_by = ?6 WHERE name = ?1"
              " RETURNING version";
    } else {
        snprintf(detail, sizeof detail, "role %s%s", u->role, u->disabled ? "; disabled" : "");
        sql = "INSERT OR FAIL INTO demine_users (name, role, password_hash, disabled, updated_at,"
              " updated_by, created_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, 1)"
              " RETURNING version";
    }
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "writing a user", err);
    sqlite3_bind_text(q, 1, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, u->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, u->disabled ? 1 : 0);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, who, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    int64_t version = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "writing a user", err);
    return log_change(s, now, who, exists ? "update" : "insert", "user", u->name, version, detail,
                      err);
}

static dm_status gpkg_token_put(dm_store *s, const dm_token *t, const char *who, dm_error *err)
{
    int64_t version;
    dm_status st = users_writable(s, err);
    if (!st)
        st = user_version(s, t->user, &version, err);
    if (st)
        return st;
    if (!version)
        return dm_error_set(err, DM_ENOTFOUND, "no user %s in %s", t->user, s->location);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "INSERT OR FAIL INTO demine_tokens (hash, user_name, created_at,"
                                " expires_at) VALUES (?1, ?2, ?3, ?4)",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "keeping a token", err);
    sqlite3_bind_text(q, 1, t->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, t->user, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, t->created_at);
    sqlite3_bind_int64(q, 4, t->expires_at);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return dm_error_set(err, DM_ECONFLICT, "this token is already kept");
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "keeping a token", err);
    char now[DM_TIME_ISO_LEN], until[32], detail[80];
    dm_time_now_iso(now);
    unix_iso(t->expires_at, until);
    snprintf(detail, sizeof detail, "token issued, expires %s", until);
    return log_change(s, now, who, "token", "user", t->user, version, detail, err);
}

static dm_status gpkg_token_get(dm_store *s, const char *hash, dm_token *out, dm_error *err)
{
    if (G(s)->schema_version < 3)
        return no_users(s, err);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT hash, user_name, created_at, expires_at FROM"
                                " demine_tokens WHERE hash = ?1",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading tokens", err);
    sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
    dm_status st = DM_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        column_copy(out->hash, sizeof out->hash, q, 0);
        column_copy(out->user, sizeof out->user, q, 1);
        out->created_at = sqlite3_column_int64(q, 2);
        out->expires_at = sqlite3_column_int64(q, 3);
    } else if (rc == SQLITE_DONE) {
        st = dm_error_set(err, DM_ENOTFOUND, "no such token");
    } else {
        st = sql_error(s, rc, "reading tokens", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* Logs `action` for user `name` with `detail`, at the user's version. */
static dm_status log_user(dm_store *s, const char *who, const char *action, const char *name,
                          const char *detail, dm_error *err)
{
    int64_t version;
    dm_status st = user_version(s, name, &version, err);
    if (st)
        return st;
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    return log_change(s, now, who, action, "user", name, version, detail, err);
}

static dm_status gpkg_token_delete(dm_store *s, const char *hash, const char *who, dm_error *err)
{
    dm_status st = users_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        G(s)->db, "DELETE FROM demine_tokens WHERE hash = ?1 RETURNING user_name", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "revoking a token", err);
    sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
    char user[DM_USER_NAME_MAX] = "";
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        column_copy(user, sizeof user, q, 0);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "revoking a token", err);
    if (!user[0])
        return dm_error_set(err, DM_ENOTFOUND, "no such token");
    return log_user(s, who, "revoke", user, "token revoked", err);
}

static dm_status gpkg_token_delete_user(dm_store *s, const char *name, const char *who, int64_t *n,
                                        dm_error *err)
{
    dm_status st = users_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db, "DELETE FROM demine_tokens WHERE user_name = ?1", -1, &q,
                                NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "revoking tokens", err);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "revoking tokens", err);
    *n = sqlite3_changes64(G(s)->db);
    if (!*n)
        return DM_OK;
    char detail[64];
    snprintf(detail, sizeof detail, "%lld token%s revoked", (long long)*n, *n == 1 ? "" : "s");
    return log_user(s, who, "revoke", name, detail, err);
}

static dm_status gpkg_token_delete_expired(dm_store *s, int64_t now, const char *who, int64_t *n,
                                           dm_error *err)
{
    dm_status st = users_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "DELETE FROM demine_tokens WHERE expires_at <= ?1 RETURNING"
                                " user_name",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "deleting expired tokens", err);
    sqlite3_bind_int64(q, 1, now);
    /* count per user; RETURNING rows come in no set order */
    typedef struct {
        char name[DM_USER_NAME_MAX];
        int64_t n;
    } per_user;
    per_user *users = NULL;
    size_t nusers = 0, cap = 0;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char name[DM_USER_NAME_MAX];
        column_copy(name, sizeof name, q, 0);
        size_t i = 0;
        while (i < nusers && strcmp(users[i].name, name))
            i++;
        if (i == nusers && nusers == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            per_user *grown = realloc(users, ncap * sizeof *users);
            if (!grown) {
                st = dm_error_set(err, DM_ENOMEM, "out of memory deleting expired tokens");
                break;
            }
            users = grown;
            cap = ncap;
        }
        if (i == nusers) {
            memcpy(users[nusers].name, name, sizeof name);
            users[nusers++].n = 0;
        }
        users[i].n++;
        (*n)++;
    }
    sqlite3_finalize(q);
    if (!st && rc != SQLITE_DONE)
        st = sql_error(s, rc, "deleting expired tokens", err);
    for (size_t i = 0; !st && i < nusers; i++) {
        char detail[64];
        snprintf(detail, sizeof detail, "%lld token%s expired", (long long)users[i].n,
                 users[i].n == 1 ? "" : "s");
        st = log_user(s, who, "expire", users[i].name, detail, err);
    }
    free(users);
    if (st)
        *n = 0;
    return st;
}

/* ---- failed logins (schema version 5) ---- */

static void login_row(sqlite3_stmt *q, dm_login_failures *f)
{
    memset(f, 0, sizeof *f);
    column_copy(f->scope, sizeof f->scope, q, 0);
    column_copy(f->key, sizeof f->key, q, 1);
    f->failures = sqlite3_column_int64(q, 2);
    f->last_at = sqlite3_column_int64(q, 3);
    f->locked_until = sqlite3_column_int64(q, 4);
}

static dm_status gpkg_login_get(dm_store *s, const char *scope, const char *key,
                                dm_login_failures *out, dm_error *err)
{
    if (G(s)->schema_version < 5)
        return dm_error_set(err, DM_ENOTFOUND, "no failed logins kept");
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT scope, key, failures, last_at, locked_until FROM"
                                " demine_login_failures WHERE scope = ?1 AND key = ?2",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading failed logins", err);
    sqlite3_bind_text(q, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    dm_status st = DM_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        login_row(q, out);
    else if (rc == SQLITE_DONE)
        st = dm_error_set(err, DM_ENOTFOUND, "no failed logins of %s %s", scope, key);
    else
        st = sql_error(s, rc, "reading failed logins", err);
    sqlite3_finalize(q);
    return st;
}

static dm_status logins_writable(dm_store *s, dm_error *err)
{
    if (G(s)->schema_version < 5)
        return dm_error_set(err, DM_EREADONLY,
                            "%s is from an older demine: open it for writing once to upgrade it",
                            s->location);
    if (!G(s)->in_tx)
        return dm_error_set(err, DM_EINTERNAL, "a change to failed logins outside a transaction");
    return DM_OK;
}

static dm_status gpkg_login_put(dm_store *s, const dm_login_failures *f, int64_t forget_before,
                                const char *lockout_detail, dm_error *err)
{
    dm_status st = logins_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "DELETE FROM demine_login_failures WHERE last_at < ?1 AND"
                                " locked_until < ?1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, forget_before);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(G(s)->db,
                                "INSERT INTO demine_login_failures (scope, key, failures, last_at,"
                                " locked_until) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (scope,"
                                " key) DO UPDATE SET failures = excluded.failures, last_at ="
                                " excluded.last_at, locked_until = excluded.locked_until",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "keeping a failed login", err);
    sqlite3_bind_text(q, 1, f->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, f->failures);
    sqlite3_bind_int64(q, 4, f->last_at);
    sqlite3_bind_int64(q, 5, f->locked_until);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "keeping a failed login", err);
    if (!lockout_detail)
        return DM_OK;
    char now[DM_TIME_ISO_LEN], detail[200];
    dm_time_now_iso(now);
    snprintf(detail, sizeof detail, "%s: %s", f->scope, lockout_detail);
    return log_change(s, now, "demine", "lockout", "login", f->key, f->failures, detail, err);
}

static dm_status gpkg_login_delete(dm_store *s, const char *scope, const char *key, const char *who,
                                   int64_t *n, dm_error *err)
{
    dm_status st = logins_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "DELETE FROM demine_login_failures WHERE key = ?1 AND (?2 IS NULL"
                                " OR scope = ?2) RETURNING scope, failures",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "clearing failed logins", err);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (scope)
        sqlite3_bind_text(q, 2, scope, -1, SQLITE_STATIC);
    /* at most two rows: one per scope */
    char scopes[2][8];
    int64_t counts[2];
    int rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (rows < 2) {
            column_copy(scopes[rows], sizeof scopes[rows], q, 0);
            counts[rows++] = sqlite3_column_int64(q, 1);
        }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "clearing failed logins", err);
    *n = rows;
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    for (int i = 0; !st && who && i < rows; i++) {
        char detail[80];
        snprintf(detail, sizeof detail, "%s: %lld failed login%s cleared", scopes[i],
                 (long long)counts[i], counts[i] == 1 ? "" : "s");
        st = log_change(s, now, who, "unlock", "login", key, counts[i], detail, err);
    }
    return st;
}

static dm_status gpkg_login_list(dm_store *s, int (*fn)(const dm_login_failures *f, void *ctx),
                                 void *ctx, dm_error *err)
{
    if (G(s)->schema_version < 5)
        return DM_OK;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT scope, key, failures, last_at, locked_until FROM"
                                " demine_login_failures ORDER BY scope DESC, key",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading failed logins", err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        dm_login_failures f;
        login_row(q, &f);
        if (fn(&f, ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading failed logins", err);
}

/* ---- imports ---- */

static dm_status imports_writable(dm_store *s, dm_error *err)
{
    if (G(s)->schema_version < 7)
        return dm_error_set(err, DM_EREADONLY,
                            "%s is from an older demine: open it for writing once to upgrade it",
                            s->location);
    if (!G(s)->in_tx)
        return dm_error_set(err, DM_EINTERNAL, "an import log write outside a transaction");
    return DM_OK;
}

static void copy_column(sqlite3_stmt *q, int col, char *out, size_t outsz)
{
    const char *v = (const char *)sqlite3_column_text(q, col);
    snprintf(out, outsz, "%s", v ? v : "");
}

#define IMPORT_COLUMNS                                                                             \
    "fid, at, who, kind, file, sha256, rows, imported, changed, present, duplicates, rejected"

static void import_row(sqlite3_stmt *q, dm_import_entry *e)
{
    e->id = sqlite3_column_int64(q, 0);
    copy_column(q, 1, e->at, sizeof e->at);
    copy_column(q, 2, e->who, sizeof e->who);
    copy_column(q, 3, e->kind, sizeof e->kind);
    copy_column(q, 4, e->file, sizeof e->file);
    copy_column(q, 5, e->sha256, sizeof e->sha256);
    int64_t *counts[] = {&e->rows,    &e->imported,   &e->changed,
                         &e->present, &e->duplicates, &e->rejected};
    for (int i = 0; i < 6; i++)
        *counts[i] = sqlite3_column_int64(q, 6 + i);
}

static dm_status gpkg_import_end(dm_store *s, const dm_import_entry *e, dm_error *err);

static dm_status gpkg_import_begin(dm_store *s, dm_import_entry *e, dm_error *err)
{
    dm_status st = imports_writable(s, err);
    if (st)
        return st;
    char now[DM_TIME_ISO_LEN];
    dm_time_now_iso(now);
    snprintf(e->at, sizeof e->at, "%s", now);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "INSERT INTO demine_imports (at, who, kind, file, sha256)"
                                " VALUES (?1, ?2, ?3, ?4, ?5)",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "writing the import log", err);
    const char *v[] = {e->at, e->who, e->kind, e->file, e->sha256};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "writing the import log", err);
    e->id = sqlite3_last_insert_rowid(G(s)->db);
    return gpkg_import_end(s, e, err);
}

static dm_status gpkg_import_end(dm_store *s, const dm_import_entry *e, dm_error *err)
{
    dm_status st = imports_writable(s, err);
    if (st)
        return st;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "UPDATE demine_imports SET rows = ?2, imported = ?3, changed = ?4,"
                                " present = ?5, duplicates = ?6, rejected = ?7 WHERE fid = ?1",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "writing the import log", err);
    const int64_t v[] = {e->id,      e->rows,       e->imported, e->changed,
                         e->present, e->duplicates, e->rejected};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_int64(q, i + 1, v[i]);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "writing the import log", err);
}

static dm_status gpkg_import_find(dm_store *s, const char *kind, const char *sha256,
                                  dm_import_entry *out, bool *found, dm_error *err)
{
    if (G(s)->schema_version < 7)
        return DM_OK;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(G(s)->db,
                                "SELECT " IMPORT_COLUMNS " FROM demine_imports WHERE kind = ?1"
                                " AND sha256 = ?2 ORDER BY fid DESC LIMIT 1",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the import log", err);
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        import_row(q, out);
        *found = true;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading the import log", err);
}

static dm_status gpkg_import_list(dm_store *s, int (*fn)(const dm_import_entry *e, void *ctx),
                                  void *ctx, dm_error *err)
{
    if (G(s)->schema_version < 7)
        return DM_OK;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        G(s)->db, "SELECT " IMPORT_COLUMNS " FROM demine_imports ORDER BY fid", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "reading the import log", err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        dm_import_entry e;
        import_row(q, &e);
        if (fn(&e, ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading the import log", err);
}

static dm_status gpkg_import_key_get(dm_store *s, const dm_kind *kind, const char *identity,
                                     char content[DM_CONTENT_HASH_MAX], char code[DM_CODE_MAX],
                                     bool *found, dm_error *err)
{
    gpkg *g = G(s);
    if (g->schema_version < 7)
        return DM_OK;
    dm_status st = g->key_get ? DM_OK
                              : prepare(s,
                                        "SELECT content, code FROM demine_import_keys"
                                        " WHERE kind = ?1 AND identity = ?2",
                                        &g->key_get, err);
    if (st)
        return st;
    sqlite3_bind_text(g->key_get, 1, kind->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->key_get, 2, identity, -1, SQLITE_STATIC);
    int rc = sqlite3_step(g->key_get);
    if (rc == SQLITE_ROW) {
        copy_column(g->key_get, 0, content, DM_CONTENT_HASH_MAX);
        copy_column(g->key_get, 1, code, DM_CODE_MAX);
        *found = true;
        rc = SQLITE_DONE;
    }
    sqlite3_reset(g->key_get);
    sqlite3_clear_bindings(g->key_get);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "reading the import keys", err);
}

static dm_status gpkg_import_key_put(dm_store *s, const dm_kind *kind, const char *identity,
                                     const char *content, const char *code, int64_t import_id,
                                     dm_error *err)
{
    gpkg *g = G(s);
    dm_status st = imports_writable(s, err);
    if (!st && !g->key_put)
        st = prepare(s,
                     "INSERT OR REPLACE INTO demine_import_keys (kind, identity, content, code,"
                     " import_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                     &g->key_put, err);
    if (st)
        return st;
    sqlite3_bind_text(g->key_put, 1, kind->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->key_put, 2, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->key_put, 3, content, -1, SQLITE_STATIC);
    sqlite3_bind_text(g->key_put, 4, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(g->key_put, 5, import_id);
    int rc = sqlite3_step(g->key_put);
    sqlite3_reset(g->key_put);
    sqlite3_clear_bindings(g->key_put);
    return rc == SQLITE_DONE ? DM_OK : sql_error(s, rc, "writing the import keys", err);
}

/* ---- integrity ---- */

static void finding(void (*fn)(const dm_finding *, void *), void *ctx, const char *severity,
                    const char *what, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void finding(void (*fn)(const dm_finding *, void *), void *ctx, const char *severity,
                    const char *what, const char *fmt, ...)
{
    dm_finding f;
    f.severity = severity;
    snprintf(f.what, sizeof f.what, "%s", what);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.detail, sizeof f.detail, fmt, ap);
    va_end(ap);
    fn(&f, ctx);
}

static int64_t scalar(sqlite3 *db, const char *sql, bool *ok)
{
    int64_t v;
    *ok = query_int64(db, sql, &v) == SQLITE_OK;
    return v;
}

static dm_status gpkg_check_integrity(dm_store *s, void (*fn)(const dm_finding *f, void *ctx),
                                      void *ctx, dm_error *err)
{
    sqlite3 *db = G(s)->db;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_error(s, rc, "checking the file", err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(q, 0);
        if (r && strcmp(r, "ok"))
            finding(fn, ctx, "error", "sqlite-integrity", "%s", r);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_error(s, rc, "checking the file", err);
    bool ok;
    int64_t appid = scalar(db, "PRAGMA application_id", &ok);
    if (!ok || appid != 1196444487)
        finding(fn, ctx, "error", "gpkg-header", "application_id is %lld, not GPKG",
                (long long)appid);
    /* the change stamps (schema version 2): a version 1 database has none */
    bool stamps = G(s)->schema_version >= 2;
    if (stamps)
        scalar(db, "SELECT count(*) FROM demine_stamp", &ok);
    if (stamps && !ok) {
        finding(fn, ctx, "error", "stamp-missing",
                "the demine_stamp table is missing or unreadable: statistics kept in the "
                "database cannot tell when records change, so none are kept");
        stamps = false;
    }
    /* users and tokens (schema version 3) */
    if (G(s)->schema_version >= 3) {
        bool tokens_ok;
        scalar(db, "SELECT count(*) FROM demine_users", &ok);
        scalar(db, "SELECT count(*) FROM demine_tokens", &tokens_ok);
        if (!ok || !tokens_ok)
            finding(fn, ctx, "error", "users-missing",
                    "the %s table is missing or unreadable: nobody can log in to a demine "
                    "server on this database",
                    ok ? "demine_tokens" : "demine_users");
        int64_t orphans = ok && tokens_ok ? scalar(db,
                                                   "SELECT count(*) FROM demine_tokens t WHERE"
                                                   " NOT EXISTS (SELECT 1 FROM demine_users u"
                                                   " WHERE u.name = t.user_name)",
                                                   &ok)
                                          : 0;
        if (orphans)
            finding(fn, ctx, "warning", "token-orphan",
                    "%lld tokens belong to no user: they are refused", (long long)orphans);
    }
    /* failed logins (schema version 5) */
    if (G(s)->schema_version >= 5) {
        scalar(db, "SELECT count(*) FROM demine_login_failures", &ok);
        if (!ok)
            finding(fn, ctx, "error", "login-failures-missing",
                    "the demine_login_failures table is missing or unreadable: a server on "
                    "this database refuses every login");
    }
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        char sql[512];
        if (k->geom != DM_GEOM_NONE) {
            snprintf(sql, sizeof sql,
                     "SELECT (SELECT count(*) FROM \"%1$s\" WHERE geom IS NOT NULL AND NOT "
                     "ST_IsEmpty(geom)) - (SELECT count(*) FROM \"rtree_%1$s_geom\")",
                     k->table);
            int64_t diff = scalar(db, sql, &ok);
            if (!ok)
                finding(fn, ctx, "error", "rtree-missing", "%s: spatial index unreadable",
                        k->table);
            else if (diff)
                finding(fn, ctx, "error", "rtree-mismatch",
                        "%s: spatial index has %lld entries too %s", k->table,
                        (long long)(diff > 0 ? diff : -diff), diff > 0 ? "few" : "many");
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM \"%1$s\" t JOIN \"rtree_%1$s_geom\" r ON r.id = t.fid"
                     /* rtree boxes are 32-bit floats rounded outwards: they must hold the
                        geometry's box and be close to it */
                     " WHERE r.minx > ST_MinX(t.geom) OR r.maxx < ST_MaxX(t.geom) OR r.miny >"
                     " ST_MinY(t.geom) OR r.maxy < ST_MaxY(t.geom) OR ST_MinX(t.geom) - r.minx >"
                     " 1e-3 OR r.maxx - ST_MaxX(t.geom) > 1e-3 OR ST_MinY(t.geom) - r.miny >"
                     " 1e-3 OR r.maxy - ST_MaxY(t.geom) > 1e-3",
                     k->table);
            int64_t stale = scalar(db, sql, &ok);
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                     " ('rtree_%1$s_geom_insert', 'rtree_%1$s_geom_update1',"
                     " 'rtree_%1$s_geom_update2', 'rtree_%1$s_geom_update3',"
                     " 'rtree_%1$s_geom_update4', 'rtree_%1$s_geom_delete')",
                     k->table);
            int64_t triggers = scalar(db, sql, &ok);
            if (ok && triggers != 6)
                finding(fn, ctx, "error", "rtree-triggers",
                        "%s: %lld of the 6 spatial index triggers are missing: edits will not "
                        "reach the index",
                        k->table, (long long)(6 - triggers));
            /* SQLite's own structural check of the r-tree */
            snprintf(sql, sizeof sql, "SELECT rtreecheck('rtree_%s_geom') = 'ok'", k->table);
            if (!scalar(db, sql, &ok) || !ok)
                finding(fn, ctx, "error", "rtree-corrupt",
                        "%s: the spatial index is damaged (rtreecheck); rebuild it", k->table);
            if (ok && stale)
                finding(fn, ctx, "error", "rtree-stale",
                        "%s: %lld spatial index entries do not match their geometry", k->table,
                        (long long)stale);
        }
        if (stamps) {
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                     " ('demine_stamp_%1$s_insert', 'demine_stamp_%1$s_update',"
                     " 'demine_stamp_%1$s_delete')",
                     k->table);
            int64_t triggers = scalar(db, sql, &ok);
            if (ok && triggers != 3)
                finding(fn, ctx, "error", "stamp-triggers",
                        "%s: %lld of the 3 change stamp triggers are missing: statistics kept "
                        "in the database will not see edits of this table",
                        k->table, (long long)(3 - triggers));
            snprintf(sql, sizeof sql, "SELECT count(*) FROM demine_stamp WHERE tbl = '%s'",
                     k->table);
            if (!scalar(db, sql, &ok) && ok)
                finding(fn, ctx, "error", "stamp-missing",
                        "%s has no row in demine_stamp: statistics over it cannot be kept",
                        k->table);
        }
        /* edits made outside demine are logged (schema version 6) */
        if (G(s)->schema_version >= 6) {
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                     " ('demine_outside_%1$s_insert', 'demine_outside_%1$s_update',"
                     " 'demine_outside_%1$s_delete')",
                     k->table);
            int64_t triggers = scalar(db, sql, &ok);
            if (ok && triggers != 3)
                finding(fn, ctx, "error", "outside-triggers",
                        "%s: %lld of the 3 triggers that log edits made outside demine are "
                        "missing: another program's changes to it go unlogged and keep the "
                        "record's version",
                        k->table, (long long)(3 - triggers));
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name ="
                     " '%s_approved'",
                     k->table);
            if (!scalar(db, sql, &ok) && ok)
                finding(fn, ctx, "warning", "approved-view-missing",
                        "%s_approved, the layer of approved %s for desktop GIS, is missing",
                        k->table, k->name);
        }
        /* every record has a change log entry for its current version */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM \"%s\" t WHERE NOT EXISTS (SELECT 1 FROM "
                 "demine_change_log c WHERE c.kind = '%s' AND c.code = t.code AND c.version = "
                 "t.version)",
                 k->table, k->name);
        int64_t unlogged = scalar(db, sql, &ok);
        if (!ok)
            finding(fn, ctx, "error", "table-missing", "table %s is missing or unreadable",
                    k->table);
        else if (unlogged)
            finding(fn, ctx, "error", "change-log-gap",
                    "%s: %lld records changed outside demine (no change log entry for their "
                    "current version)",
                    k->table, (long long)unlogged);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM \"%s\" WHERE state NOT IN ('draft','submitted',"
                 "'approved','rejected')",
                 k->table);
        int64_t badstate = scalar(db, sql, &ok);
        if (ok && badstate)
            finding(fn, ctx, "error", "bad-state", "%s: %lld records have an unknown state",
                    k->table, (long long)badstate);
    }
    return DM_OK;
}

const dm_store_backend dm_store_backend_gpkg = {
    .name = "gpkg",
    .accepts = gpkg_accepts,
    .create = gpkg_create,
    .remove = gpkg_remove,
    .open = gpkg_open,
    .close = gpkg_close,
    .begin = gpkg_begin,
    .begin_bulk = gpkg_begin_bulk,
    .commit = gpkg_commit,
    .rollback = gpkg_rollback,
    .insert = gpkg_insert,
    .update = gpkg_update,
    .set_state = gpkg_set_state,
    .query = gpkg_query,
    .next = gpkg_next,
    .close_cursor = gpkg_close_cursor,
    .get = gpkg_get,
    .count = gpkg_count,
    .extent = gpkg_extent,
    .date_range = gpkg_date_range,
    .scan = gpkg_scan,
    .stamp = gpkg_stamp,
    .meta = gpkg_meta,
    .cache_get = gpkg_cache_get,
    .cache_open = gpkg_cache_open,
    .cache_put = gpkg_cache_put,
    .history = gpkg_history,
    .pending_put = gpkg_pending_put,
    .pending_amend = gpkg_pending_amend,
    .pending_get = gpkg_pending_get,
    .pending_list = gpkg_pending_list,
    .pending_delete = gpkg_pending_delete,
    .import_begin = gpkg_import_begin,
    .import_end = gpkg_import_end,
    .import_find = gpkg_import_find,
    .import_list = gpkg_import_list,
    .import_key_get = gpkg_import_key_get,
    .import_key_put = gpkg_import_key_put,
    .check_integrity = gpkg_check_integrity,
    .user_put = gpkg_user_put,
    .user_get = gpkg_user_get,
    .user_list = gpkg_user_list,
    .token_put = gpkg_token_put,
    .token_get = gpkg_token_get,
    .token_delete = gpkg_token_delete,
    .token_delete_user = gpkg_token_delete_user,
    .token_delete_expired = gpkg_token_delete_expired,
    .login_get = gpkg_login_get,
    .login_put = gpkg_login_put,
    .login_delete = gpkg_login_delete,
    .login_list = gpkg_login_list,
};
