/* Private to the GeoPackage backend. */
#ifndef DM_STORE_GPKG_INTERNAL_H
#define DM_STORE_GPKG_INTERNAL_H

#include "core/buf.h"
#include "store/store_backend.h"

/* Version 2 added demine_stamp (a change counter per kind table, kept by
 * triggers) and demine_cache; version 3 demine_users and demine_tokens;
 * version 4 demine_pending; version 5 demine_login_failures; version 6 the
 * triggers that log edits made outside demine and the approved-only views;
 * version 7 demine_imports and demine_import_keys (the import log).
 * Older databases still open: writable ones are upgraded (dm_gpkg_v2_sql ...
 * dm_gpkg_v7_sql),
 * read-only ones work without stamps (version 1), without users (versions 1
 * and 2) and without failed logins kept (versions 1 to 4). */
#define DM_GPKG_SCHEMA_VERSION 7

/* Appends the whole schema of a new demine GeoPackage as SQL. */
dm_status dm_gpkg_schema_sql(const char *owner, dm_buf *out);

/* Appends what schema version 2 adds to version 1: demine_stamp with one row
 * (n = 0) per kind table, the three stamp triggers of every kind table, and
 * demine_cache. Neither table is registered in gpkg_contents (internal). It
 * does not set demine_meta's schema_version. */
dm_status dm_gpkg_v2_sql(dm_buf *b);

/* Appends what schema version 3 adds to version 2: demine_users and
 * demine_tokens, internal like the stamps (not in gpkg_contents). It does not
 * set demine_meta's schema_version. */
dm_status dm_gpkg_v3_sql(dm_buf *b);

/* Appends what schema version 4 adds to version 3: demine_pending, internal
 * (not in gpkg_contents). It does not set demine_meta's schema_version. */
dm_status dm_gpkg_v4_sql(dm_buf *b);

/* Appends what schema version 5 adds to version 4: demine_login_failures,
 * internal (not in gpkg_contents). It does not set demine_meta's
 * schema_version. */
dm_status dm_gpkg_v5_sql(dm_buf *b);

/* Appends what schema version 6 adds to version 5, for every kind table:
 *   - three triggers, "demine_outside_<table>_insert|update|delete", that
 *     log each change another program makes (QGIS, GDAL, the sqlite3 shell)
 *     in demine_change_log as made by DM_STORE_WHO_OUTSIDE (an update's
 *     detail names the columns it changed) and bump the record's version.
 *     A change of demine's own is told apart by its change log entry, which
 *     demine writes just BEFORE the record in the same transaction: every
 *     statement of gpkg.c that writes a kind table must do so;
 *   - the view "<table>_approved", in gpkg_contents (with its geometry
 *     column for kinds with geometry): the approved records without
 *     personal fields (dm_gpkg_approved_view_sql).
 * Self-contained: it does not set demine_meta's schema_version. */
dm_status dm_gpkg_v6_sql(dm_buf *b);

/* Appends the CREATE TRIGGER of "demine_outside_<table>_insert" of k (a
 * bulk import goes without it: dm_gpkg_v6_sql). */
dm_status dm_gpkg_outside_insert_trigger_sql(const dm_kind *k, dm_buf *b);

/* Appends the CREATE VIEW (no ';') of the approved-only view of kind k:
 * fid, code, the fields that are neither personal nor documents, the
 * attributes unless k has personal fields, version, updated_at and geom. */
dm_status dm_gpkg_approved_view_sql(const dm_kind *k, dm_buf *b);

/* True when the view `name` defined by `sql` (as sqlite_master keeps it)
 * is exactly one of demine's approved-only views: a plain SELECT of a kind
 * table's columns (io/upload.c lets such a view into an upload). */
bool dm_gpkg_view_is_ours(const char *name, const char *sql);

/* Appends what schema version 7 adds: demine_imports (the import log) and
 * demine_import_keys (the identities of imported rows), internal (not in
 * gpkg_contents). It does not set demine_meta's schema_version. */
dm_status dm_gpkg_v7_sql(dm_buf *b);

/* Appends the CREATE TRIGGER of the stamp insert trigger of `table`
 * ("demine_stamp_<table>_insert"). */
dm_status dm_gpkg_stamp_insert_trigger_sql(const char *table, dm_buf *b);

/* Appends the CREATE TRIGGER of the rtree insert trigger of `table`. */
dm_status dm_gpkg_rtree_insert_trigger_sql(const char *table, dm_buf *b);

/* Rewrites the whole rtree of `table` (column geom) as a packed tree from
 * the table's rows, inside the caller's transaction. */
struct sqlite3;
dm_status dm_gpkg_rtree_rebuild(struct sqlite3 *db, const char *table, dm_error *err);

/* Appends s as an SQL string literal ('it''s'). */
dm_status dm_gpkg_quote_literal(dm_buf *b, const char *s);

#endif
