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

/* Appends s as an SQL string literal ('it''s'). */
dm_status dm_gpkg_quote_literal(dm_buf *b, const char *s);

#endif
