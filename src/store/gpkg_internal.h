/* Private to the GeoPackage backend. */
#ifndef DM_STORE_GPKG_INTERNAL_H
#define DM_STORE_GPKG_INTERNAL_H

#include "core/buf.h"
#include "store/store_backend.h"

#define DM_GPKG_SCHEMA_VERSION 1

/* Appends the whole schema of a new demine GeoPackage as SQL. */
dm_status dm_gpkg_schema_sql(const char *owner, dm_buf *out);

/* Appends the CREATE TRIGGER of the rtree insert trigger of `table`. */
dm_status dm_gpkg_rtree_insert_trigger_sql(const char *table, dm_buf *b);

/* Rewrites the whole rtree of `table` (column geom) as a packed tree from
 * the table's rows, inside the caller's transaction. */
struct sqlite3;
dm_status dm_gpkg_rtree_rebuild(struct sqlite3 *db, const char *table, dm_error *err);

/* Appends s as an SQL string literal ('it''s'). */
dm_status dm_gpkg_quote_literal(dm_buf *b, const char *s);

#endif
