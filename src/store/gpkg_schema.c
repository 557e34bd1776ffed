/* The GeoPackage 1.3 schema demine writes: the gpkg_* core tables, one
 * feature or attribute table per kind, the change log and demine_meta; since
 * schema version 2, the change stamps (demine_stamp and its triggers) and
 * demine_cache; since version 3, the users and their tokens; since version 6,
 * the triggers that log edits made outside demine and the approved-only
 * views. */
#include "store/gpkg_internal.h"

#include <stdio.h>
#include <string.h>

#define WGS84_WKT                                                                                  \
    "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,"              \
    "AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,"          \
    "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\","         \
    "\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]"

static const char core_sql[] =
    "PRAGMA application_id = 1196444487;" /* 'GPKG' */
    "PRAGMA user_version = 10300;"
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,"
    " organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,"
    " definition TEXT NOT NULL, description TEXT);"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1,"
    " 'undefined', 'undefined cartesian coordinate reference system');"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0,"
    " 'undefined', 'undefined geographic coordinate reference system');"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, '" WGS84_WKT
    "', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');"
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,"
    " identifier TEXT UNIQUE, description TEXT DEFAULT '',"
    " last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    " min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,"
    " CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
    " geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,"
    " m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
    " CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
    " CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
    " CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT,"
    " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
    " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
    "CREATE TABLE demine_meta (fid INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,"
    " value TEXT);"
    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES"
    " ('demine_meta', 'attributes', 'demine_meta', 'demine database settings');"
    "CREATE TABLE demine_change_log (fid INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL,"
    " who TEXT NOT NULL, action TEXT NOT NULL, kind TEXT NOT NULL, code TEXT NOT NULL,"
    " version INTEGER NOT NULL, detail TEXT);"
    "CREATE INDEX demine_change_log_code ON demine_change_log (kind, code);"
    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES"
    " ('demine_change_log', 'attributes', 'demine_change_log',"
    " 'append-only log of every change: who, when, what');";

static const char *column_type(const dm_field *f)
{
    switch (f->type) {
    case DM_FT_INT: return "INTEGER";
    case DM_FT_REAL: return "REAL";
    case DM_FT_DATE: return "DATE";
    case DM_FT_BOOL: return "BOOLEAN";
    case DM_FT_TEXT:
    case DM_FT_ENUM: break;
    }
    return "TEXT";
}

static dm_status table_sql(const dm_kind *k, dm_buf *b)
{
    const char *t = k->table;
    dm_status st =
        dm_buf_printf(b,
                      "CREATE TABLE \"%s\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
                      " code TEXT NOT NULL UNIQUE",
                      t);
    for (size_t i = 0; !st && i < k->nfields; i++)
        st = dm_buf_printf(b, ", \"%s\" %s", k->fields[i].name, column_type(&k->fields[i]));
    if (!st)
        st = dm_buf_puts(b, ", attributes TEXT, origin TEXT,"
                            " state TEXT NOT NULL DEFAULT 'approved', state_reason TEXT,"
                            " version INTEGER NOT NULL DEFAULT 1, created_at DATETIME,"
                            " created_by TEXT, updated_at DATETIME, updated_by TEXT");
    if (!st && k->geom != DM_GEOM_NONE)
        st = dm_buf_printf(b, ", geom %s", dm_geo_gpkg_type_name(k->geom));
    if (!st)
        st = dm_buf_printf(b, ");CREATE INDEX \"%s_state\" ON \"%s\" (state);", t, t);
    if (st)
        return st;
    if (k->geom == DM_GEOM_NONE)
        return dm_buf_printf(b,
                             "INSERT INTO gpkg_contents (table_name, data_type, identifier,"
                             " description) VALUES ('%s', 'attributes', '%s', '%s');",
                             t, t, k->title);
    st = dm_buf_printf(
        b,
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
        " srs_id) VALUES ('%s', 'features', '%s', '%s', 4326);"
        "INSERT INTO gpkg_geometry_columns VALUES ('%s', 'geom', '%s', 4326, 0, 0);"
        "INSERT INTO gpkg_extensions VALUES ('%s', 'geom', 'gpkg_rtree_index',"
        " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');"
        "CREATE VIRTUAL TABLE \"rtree_%s_geom\" USING rtree(id, minx, maxx, miny, maxy);",
        t, t, k->title, t, dm_geo_gpkg_type_name(k->geom), t, t);
    /* the spatial index triggers of GeoPackage 1.3, Annex F.3 */
    if (!st)
        st = dm_gpkg_rtree_insert_trigger_sql(t, b);
    if (!st)
        st = dm_buf_printf(
            b,
            "CREATE TRIGGER \"rtree_%1$s_geom_update1\" AFTER UPDATE OF geom ON \"%1$s\""
            " WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
            " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
            " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
            "CREATE TRIGGER \"rtree_%1$s_geom_update2\" AFTER UPDATE OF geom ON \"%1$s\""
            " WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN"
            " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid; END;"
            "CREATE TRIGGER \"rtree_%1$s_geom_update3\" AFTER UPDATE ON \"%1$s\""
            " WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
            " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid;"
            " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
            " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
            "CREATE TRIGGER \"rtree_%1$s_geom_update4\" AFTER UPDATE ON \"%1$s\""
            " WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN"
            " DELETE FROM \"rtree_%1$s_geom\" WHERE id IN (OLD.fid, NEW.fid); END;"
            "CREATE TRIGGER \"rtree_%1$s_geom_delete\" AFTER DELETE ON \"%1$s\""
            " WHEN old.geom NOT NULL BEGIN"
            " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid; END;",
            t);
    return st;
}

dm_status dm_gpkg_rtree_insert_trigger_sql(const char *table, dm_buf *b)
{
    return dm_buf_printf(
        b,
        "CREATE TRIGGER \"rtree_%1$s_geom_insert\" AFTER INSERT ON \"%1$s\""
        " WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
        " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
        " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;",
        table);
}

dm_status dm_gpkg_stamp_insert_trigger_sql(const char *table, dm_buf *b)
{
    return dm_buf_printf(b,
                         "CREATE TRIGGER \"demine_stamp_%1$s_insert\" AFTER INSERT ON \"%1$s\""
                         " BEGIN UPDATE demine_stamp SET n = n + 1 WHERE tbl = '%1$s'; END;",
                         table);
}

/* Every edit of a kind table, by demine or by any other SQLite client (QGIS,
 * GDAL), bumps the table's counter in demine_stamp: caches of derived data
 * compare it. The triggers are plain SQL, so every client can run them. */
dm_status dm_gpkg_v2_sql(dm_buf *b)
{
    dm_status st = dm_buf_puts(b, "CREATE TABLE demine_stamp (tbl TEXT PRIMARY KEY,"
                                  " n INTEGER NOT NULL);"
                                  "CREATE TABLE demine_cache (name TEXT PRIMARY KEY,"
                                  " stamp TEXT NOT NULL, data BLOB NOT NULL);"
                                  /* the secret behind pseudonyms in exports (export.h) */
                                  "INSERT OR IGNORE INTO demine_meta (key, value) VALUES"
                                  " ('pseudonym_key', lower(hex(randomblob(32))));");
    for (size_t i = 0; !st && i < dm_kind_count(); i++) {
        const char *t = dm_kind_at(i)->table;
        st = dm_buf_printf(b, "INSERT INTO demine_stamp (tbl, n) VALUES ('%s', 0);", t);
        if (!st)
            st = dm_gpkg_stamp_insert_trigger_sql(t, b);
        if (!st)
            st =
                dm_buf_printf(b,
                              "CREATE TRIGGER \"demine_stamp_%1$s_update\" AFTER UPDATE ON \"%1$s\""
                              " BEGIN UPDATE demine_stamp SET n = n + 1 WHERE tbl = '%1$s'; END;"
                              "CREATE TRIGGER \"demine_stamp_%1$s_delete\" AFTER DELETE ON \"%1$s\""
                              " BEGIN UPDATE demine_stamp SET n = n + 1 WHERE tbl = '%1$s'; END;",
                              t);
    }
    return st;
}

/* Users and the hashes of their bearer tokens (store.h). Token times are
 * Unix seconds, so that expiry is one integer comparison through an index.
 * No foreign key: users are never deleted, and GDAL's GeoPackage checks stay
 * out of it. */
dm_status dm_gpkg_v3_sql(dm_buf *b)
{
    return dm_buf_puts(b, "CREATE TABLE demine_users (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
                          " password_hash TEXT NOT NULL, created_at DATETIME NOT NULL,"
                          " disabled BOOLEAN NOT NULL DEFAULT 0,"
                          " version INTEGER NOT NULL DEFAULT 1, updated_at DATETIME,"
                          " updated_by TEXT);"
                          "CREATE TABLE demine_tokens (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " hash TEXT NOT NULL UNIQUE, user_name TEXT NOT NULL,"
                          " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
                          "CREATE INDEX demine_tokens_user ON demine_tokens (user_name);"
                          "CREATE INDEX demine_tokens_expires ON demine_tokens (expires_at);");
}

/* Changes to approved records waiting for approval (store.h): the proposed
 * values as a JSON object of canonical texts, the geometry as a GeoPackage
 * blob. One per record. */
dm_status dm_gpkg_v4_sql(dm_buf *b)
{
    return dm_buf_puts(b, "CREATE TABLE demine_pending (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " kind TEXT NOT NULL, code TEXT NOT NULL, change TEXT NOT NULL,"
                          " base_version INTEGER NOT NULL, record_values TEXT, geom BLOB,"
                          " proposed_at DATETIME NOT NULL, proposed_by TEXT NOT NULL,"
                          " UNIQUE (kind, code));");
}

/* Failed logins per user name and per client address (store.h), times in
 * Unix seconds like the tokens'. */
dm_status dm_gpkg_v5_sql(dm_buf *b)
{
    return dm_buf_puts(b, "CREATE TABLE demine_login_failures (fid INTEGER PRIMARY KEY"
                          " AUTOINCREMENT, scope TEXT NOT NULL, key TEXT NOT NULL,"
                          " failures INTEGER NOT NULL, last_at INTEGER NOT NULL,"
                          " locked_until INTEGER NOT NULL DEFAULT 0, UNIQUE (scope, key));"
                          "CREATE INDEX demine_login_failures_last ON demine_login_failures"
                          " (last_at);");
}

/* ---- schema version 6: edits made outside demine, approved-only layers ---- */

/* The columns of a kind table, in table order. */
static size_t columns(const dm_kind *k, const char **out)
{
    static const char *const tail[] = {"attributes",   "origin",     "state",
                                       "state_reason", "version",    "created_at",
                                       "created_by",   "updated_at", "updated_by"};
    size_t n = 0;
    out[n++] = "fid";
    out[n++] = "code";
    for (size_t i = 0; i < k->nfields; i++)
        out[n++] = k->fields[i].name;
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++)
        out[n++] = tail[i];
    if (k->geom != DM_GEOM_NONE)
        out[n++] = "geom";
    return n;
}

#define NOW_SQL "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now')"
/* The newest change log entry, which demine writes just before each change
 * of its own. */
#define NEWEST_SQL                                                                                 \
    "SELECT 1 FROM demine_change_log WHERE fid = (SELECT max(fid) FROM demine_change_log)"

dm_status dm_gpkg_outside_insert_trigger_sql(const dm_kind *k, dm_buf *b)
{
    const char *insver = "CASE WHEN typeof(NEW.version) = 'integer' AND NEW.version > 0 THEN"
                         " NEW.version ELSE 1 END";
    return dm_buf_printf(
        b,
        "CREATE TRIGGER \"demine_outside_%1$s_insert\" AFTER INSERT ON \"%1$s\""
        " WHEN NOT EXISTS (" NEWEST_SQL " AND action = 'insert' AND kind = '%2$s' AND"
        " code = NEW.code AND version = NEW.version AND at IS NEW.updated_at AND"
        " who IS NEW.updated_by) BEGIN"
        " INSERT INTO demine_change_log (at, who, action, kind, code, version, detail)"
        " VALUES (" NOW_SQL ", '" DM_STORE_WHO_OUTSIDE "', 'insert', '%2$s', NEW.code,"
        " %3$s, 'made outside demine');"
        " UPDATE \"%1$s\" SET version = %3$s, created_at = coalesce(NEW.created_at, " NOW_SQL
        "), created_by = coalesce(NEW.created_by, '" DM_STORE_WHO_OUTSIDE "'),"
        " updated_at = " NOW_SQL ", updated_by = '" DM_STORE_WHO_OUTSIDE "'"
        " WHERE fid = NEW.fid; END;",
        k->table, k->name, insver);
}

/* The three triggers that log what another program (QGIS, GDAL, the sqlite3
 * shell) does to the kind table of k, as DM_STORE_WHO_OUTSIDE. demine writes
 * its change log entry first, then the record, in one transaction: a change
 * is demine's own when the newest entry of the log is exactly it (same kind,
 * code and new version, at = the record's updated_at, who = its updated_by)
 * and, for an update, the version went up or updated_at moved. Another
 * program changes a record without such an entry: the trigger writes one,
 * then bumps the version. Plain SQL, core functions only: every client runs
 * them. With recursive triggers on, the trigger's own UPDATE finds its own
 * entry newest and does nothing. */
static dm_status outside_triggers_sql(const dm_kind *k, dm_buf *b)
{
    const char *t = k->table, *n = k->name;
    /* the version an outside update gets: its own if it raised it, else one up */
    const char *upver = "CASE WHEN typeof(NEW.version) = 'integer' AND NEW.version > OLD.version"
                        " THEN NEW.version ELSE coalesce(CAST(OLD.version AS INTEGER), 0) + 1 END";
    dm_gpkg_outside_insert_trigger_sql(k, b);
    const char *cols[DM_MAX_FIELDS + 12];
    size_t ncols = columns(k, cols);
    dm_buf_printf(b,
                  "CREATE TRIGGER \"demine_outside_%1$s_update\" AFTER UPDATE ON \"%1$s\""
                  " WHEN NOT (EXISTS (" NEWEST_SQL " AND kind = '%2$s' AND code = NEW.code AND"
                  " version = NEW.version AND at IS NEW.updated_at AND who IS NEW.updated_by)"
                  " AND (NEW.version > OLD.version OR NEW.updated_at IS NOT OLD.updated_at))"
                  " AND (",
                  t, n);
    for (size_t i = 0; i < ncols; i++)
        dm_buf_printf(b, "%sNEW.\"%s\" IS NOT OLD.\"%s\"", i ? " OR " : "", cols[i], cols[i]);
    dm_buf_printf(b,
                  ") BEGIN"
                  " INSERT INTO demine_change_log (at, who, action, kind, code, version, detail)"
                  " VALUES (" NOW_SQL ", '" DM_STORE_WHO_OUTSIDE "', 'update', '%s', NEW.code, %s,"
                  " 'made outside demine: ' || substr(''",
                  n, upver);
    for (size_t i = 0; i < ncols; i++)
        dm_buf_printf(b, " || CASE WHEN NEW.\"%1$s\" IS NOT OLD.\"%1$s\" THEN ', %1$s' ELSE '' END",
                      cols[i]);
    dm_buf_printf(b,
                  ", 3)); UPDATE \"%s\" SET version = %s, updated_at = " NOW_SQL ","
                  " updated_by = '" DM_STORE_WHO_OUTSIDE "' WHERE fid = NEW.fid; END;",
                  t, upver);
    dm_buf_printf(b,
                  "CREATE TRIGGER \"demine_outside_%1$s_delete\" AFTER DELETE ON \"%1$s\""
                  " WHEN NOT EXISTS (" NEWEST_SQL " AND action = 'delete' AND kind = '%2$s' AND"
                  " code = OLD.code AND version = coalesce(CAST(OLD.version AS INTEGER), 0) + 1)"
                  " BEGIN INSERT INTO demine_change_log (at, who, action, kind, code, version,"
                  " detail) VALUES (" NOW_SQL ", '" DM_STORE_WHO_OUTSIDE "', 'delete', '%2$s',"
                  " OLD.code, coalesce(CAST(OLD.version AS INTEGER), 0) + 1,"
                  " 'made outside demine'); END;",
                  t, n);
    return b->status;
}

/* Whether a field of k is left out of its approved layer: personal data,
 * documents (minefield records' JSON), and the attributes (a source's
 * unmapped columns) of a kind with personal data, which may hold more of
 * it. */
static bool has_personal(const dm_kind *k)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].flags & DM_FIELD_PERSONAL)
            return true;
    return false;
}

dm_status dm_gpkg_approved_view_sql(const dm_kind *k, dm_buf *b)
{
    dm_buf_printf(b, "CREATE VIEW \"%s_approved\" AS SELECT fid, code", k->table);
    for (size_t i = 0; i < k->nfields; i++)
        if (!(k->fields[i].flags & (DM_FIELD_PERSONAL | DM_FIELD_DOCUMENT)))
            dm_buf_printf(b, ", \"%s\"", k->fields[i].name);
    if (!has_personal(k))
        dm_buf_puts(b, ", attributes");
    dm_buf_puts(b, ", version, updated_at");
    if (k->geom != DM_GEOM_NONE)
        dm_buf_puts(b, ", geom");
    return dm_buf_printf(b, " FROM \"%s\" WHERE state = 'approved'", k->table);
}

bool dm_gpkg_view_is_ours(const char *name, const char *sql)
{
    for (size_t i = 0; name && sql && i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        size_t n = strlen(k->table);
        if (strncmp(name, k->table, n) || strcmp(name + n, "_approved"))
            continue;
        dm_buf b;
        dm_buf_init(&b, 0);
        bool same = !dm_gpkg_approved_view_sql(k, &b) && !strcmp(b.data, sql);
        dm_buf_free(&b);
        return same;
    }
    return false;
}

dm_status dm_gpkg_v6_sql(dm_buf *b)
{
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        const char *t = k->table;
        outside_triggers_sql(k, b);
        dm_gpkg_approved_view_sql(k, b);
        dm_buf_puts(b, ";");
        if (k->geom == DM_GEOM_NONE) {
            dm_buf_printf(b,
                          "INSERT INTO gpkg_contents (table_name, data_type, identifier,"
                          " description) VALUES ('%1$s_approved', 'attributes', '%1$s_approved',"
                          " '%2$s, approved records only (read-only)');",
                          t, k->title);
            continue;
        }
        dm_buf_printf(b,
                      "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
                      " srs_id) VALUES ('%1$s_approved', 'features', '%1$s_approved',"
                      " '%2$s, approved records only (read-only)', 4326);"
                      "INSERT INTO gpkg_geometry_columns VALUES ('%1$s_approved', 'geom', '%3$s',"
                      " 4326, 0, 0);",
                      t, k->title, dm_geo_gpkg_type_name(k->geom));
    }
    return b->status;
}

/* The import log and the identities of imported rows (store.h). */
dm_status dm_gpkg_v7_sql(dm_buf *b)
{
    return dm_buf_puts(b, "CREATE TABLE demine_imports (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " at DATETIME NOT NULL, who TEXT NOT NULL, kind TEXT NOT NULL,"
                          " file TEXT NOT NULL, sha256 TEXT NOT NULL,"
                          " rows INTEGER NOT NULL DEFAULT 0, imported INTEGER NOT NULL DEFAULT 0,"
                          " changed INTEGER NOT NULL DEFAULT 0, present INTEGER NOT NULL DEFAULT 0,"
                          " duplicates INTEGER NOT NULL DEFAULT 0,"
                          " rejected INTEGER NOT NULL DEFAULT 0);"
                          "CREATE INDEX demine_imports_file ON demine_imports (kind, sha256);"
                          "CREATE TABLE demine_import_keys (kind TEXT NOT NULL,"
                          " identity TEXT NOT NULL, content TEXT NOT NULL, code TEXT NOT NULL,"
                          " import_id INTEGER NOT NULL, PRIMARY KEY (kind, identity))"
                          " WITHOUT ROWID;");
}

dm_status dm_gpkg_schema_sql(const char *owner, dm_buf *out)
{
    dm_status st = dm_buf_puts(out, core_sql);
    for (size_t i = 0; !st && i < dm_kind_count(); i++)
        st = table_sql(dm_kind_at(i), out);
    if (!st)
        st = dm_gpkg_v2_sql(out);
    if (!st)
        st = dm_gpkg_v3_sql(out);
    if (!st)
        st = dm_gpkg_v4_sql(out);
    if (!st)
        st = dm_gpkg_v5_sql(out);
    if (!st)
        st = dm_gpkg_v6_sql(out);
    if (!st)
        st = dm_gpkg_v7_sql(out);
    if (!st)
        st = dm_buf_printf(out,
                           "INSERT INTO demine_meta (key, value) VALUES ('schema_version', '%d');"
                           "INSERT INTO demine_meta (key, value) VALUES ('created_at',"
                           " strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now'));"
                           "INSERT INTO demine_meta (key, value) VALUES ('owner', ",
                           DM_GPKG_SCHEMA_VERSION);
    if (!st)
        st = dm_gpkg_quote_literal(out, owner);
    if (!st)
        st = dm_buf_puts(out, ");");
    return st;
}

dm_status dm_gpkg_quote_literal(dm_buf *b, const char *s)
{
    dm_status st = dm_buf_puts(b, "'");
    for (; !st && *s; s++)
        st = *s == '\'' ? dm_buf_puts(b, "''") : dm_buf_append(b, s, 1);
    return st ? st : dm_buf_puts(b, "'");
}
