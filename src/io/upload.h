/* What a file given to the import is, and whether it may be read.
 *
 * An upload (a file sent to the server by someone who may not read every
 * file the server's user can) is taken in six formats only: GeoJSON,
 * GeoPackage, CSV, KML, GPX and XLSX. Which one is decided from its bytes,
 * never from its name: a SQLite header is a GeoPackage, a zip holding
 * xl/workbook.xml an XLSX workbook, XML whose root element is <kml> KML and
 * <gpx> GPX, text starting with '{' GeoJSON, other text CSV. Anything else
 * is refused, naming what it was recognised as (an OGR VRT, which makes GDAL
 * read other files, a zip that is not a workbook, binary data ...). The
 * import then lets only that format's GDAL driver open the file
 * (dm_import_opts.upload).
 *
 * A GeoPackage is a SQLite database, and SQL in it (views, virtual tables,
 * generated columns) would run when GDAL reads it: dm_upload_check_gpkg
 * refuses those before GDAL opens the file.
 *
 * The command line imports any format GDAL reads, but never the database it
 * imports into: dm_import_check_not_database.
 */
#ifndef DM_IO_UPLOAD_H
#define DM_IO_UPLOAD_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct dm_upload_format {
    const char *name;        /* "GeoJSON", "GeoPackage", "CSV", "KML", "GPX", "XLSX" */
    const char *driver;      /* the only GDAL driver that may open it */
    const char *const *exts; /* the file name extensions that say so (".geojson" ...) */
} dm_upload_format;

/* The formats an upload may be in, as one line: "GeoJSON, GeoPackage, CSV,
 * KML, GPX or XLSX". Static. */
const char *dm_upload_formats(void);

/* Decides from len bytes of data what format an upload is in. DM_OK and
 * *fmt (static) when it is one of the six; DM_EFORMAT otherwise, with a
 * message naming what was recognised and the formats taken. */
dm_status dm_upload_sniff(const void *data, size_t len, const dm_upload_format **fmt,
                          dm_error *err);

/* The same for a file: reads it whole (an upload is small). DM_EIO when it
 * cannot be read. */
dm_status dm_upload_sniff_file(const char *path, const dm_upload_format **fmt, dm_error *err);

/* True when name ends in one of fmt's extensions (case does not matter). */
bool dm_upload_name_fits(const dm_upload_format *fmt, const char *name);

/* Checks a GeoPackage upload with SQLite, read-only, before GDAL opens it:
 * DM_EFORMAT when it holds a view (other than a demine database's own
 * approved-only views, plain SELECTs), a virtual table other than the spatial
 * index's rtree (a module such as GDAL's VirtualOGR reads other files), a
 * generated column, or fails SQLite's quick check; DM_EIO when it cannot be
 * opened. Triggers are left: they run only on writes, and the upload is
 * only ever opened read-only. */
dm_status dm_upload_check_gpkg(const char *path, dm_error *err);

/* Refuses (DM_EINVAL) to import the file at path into the database at
 * db_path when it is that database (the same device and inode, so links
 * count), or an OGR VRT any of whose sources (SrcDataSource, relativeToVRT
 * honoured, VRTs within VRTs followed) is. Reading the database through
 * another library in the process that has it open would drop SQLite's
 * POSIX locks on it. Only stat() and GDAL's XML parser touch the files.
 * DM_OK when the database does not exist yet or path is something else. */
dm_status dm_import_check_not_database(const char *db_path, const char *path, dm_error *err);

#endif
