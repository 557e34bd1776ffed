/* Export of records to any of GeoJSON, GeoPackage, CSV, Shapefile and KML
 * through GDAL/OGR, or to XLSX through libxlsxwriter (one sheet; positions
 * as lon/lat, of a polygon its centroid, and its geodesic area_m2), the
 * format chosen by the file extension.
 *
 * The output appears whole or not at all: it is written under a temporary
 * name in the same folder and renamed into place at the end. Personal data
 * fields (victims' names and addresses) are left out unless personal_data
 * is set, and so are the unmapped source columns (attributes) of such a
 * kind, which may hold more of it. Records of a kind with personal data
 * carry a pseudonym instead: person_id, "P-" and 16 hex digits of a keyed
 * BLAKE2b hash (libsodium) of the normalised name and address, keyed with a
 * random secret kept in the database — the same person has the same
 * person_id in every export of that database, and it cannot be turned back
 * into a name without the database.
 */
#ifndef DM_IO_EXPORT_H
#define DM_IO_EXPORT_H

#include "core/error.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct dm_export_opts {
    const dm_kind *kind;
    const char *path;    /* .geojson/.json, .gpkg, .csv, .shp, .kml, .xlsx */
    bool include_drafts; /* false: approved records only */
    bool personal_data;  /* include fields flagged personal */
    bool overwrite;      /* replace an existing file */
} dm_export_opts;

/* Name of the GDAL driver for a path's extension, or NULL. Static string. */
const char *dm_export_driver_for(const char *path);

/* Writes the records; *written is the number of features written. */
dm_status dm_export(dm_store *store, const dm_export_opts *opts, int64_t *written, dm_error *err);

/* The XLSX sheet of .xlsx exports, for callers that choose the records
 * themselves (the server's items requests with f=xlsx): one sheet named
 * after the kind; columns code, person_id (kinds with personal data), lon
 * and lat (a polygon's or line's centroid), area_m2 (polygons, geodesic
 * m²), the fields (numbers as numbers, dates as dates), then state,
 * version, updated_at, and with provenance updated_by, origin and
 * attributes (the latter for a kind with personal data only with them). */
typedef struct dm_sheet_columns {
    bool personal_data;              /* fields flagged personal */
    bool selected;                   /* only the fields and columns marked below */
    bool field[DM_MAX_FIELDS];       /* with selected: the kind's fields wanted */
    bool state, version, updated_at; /* with selected: these columns wanted */
    bool provenance;                 /* updated_by, origin and attributes */
} dm_sheet_columns;

/* A sheet being written; owned by the caller until dm_xlsx_sheet_end. */
typedef struct dm_xlsx_sheet dm_xlsx_sheet;

/* Starts the workbook for `path` (written under a temporary name beside it;
 * unless overwrite an existing file is DM_ECONFLICT) and writes the header
 * row. DM_EFORMAT when a kind with personal data has no pseudonym key. */
dm_status dm_xlsx_sheet_begin(dm_store *store, const dm_kind *k, const char *path, bool overwrite,
                              const dm_sheet_columns *cols, dm_xlsx_sheet **out, dm_error *err);

/* Adds rec (a record of the sheet's kind) as the next row. */
dm_status dm_xlsx_sheet_add(dm_xlsx_sheet *s, const dm_record *rec, dm_error *err);

/* With keep, closes the workbook and moves it into place (*written: rows
 * written, when not NULL); without, removes it. Frees s either way. */
dm_status dm_xlsx_sheet_end(dm_xlsx_sheet *s, bool keep, int64_t *written, dm_error *err);

#endif
