/* Import of any vector format GDAL reads into the store.
 *
 * One transaction per import: either every accepted row is stored, or, on an
 * error (status != DM_OK), nothing is. Rows that cannot be imported are never
 * dropped silently: each is written to the rejects file (CSV: row,reason)
 * with its 1-based row number in the source and the reason. Invalid polygons
 * are repaired (GEOS MakeValid, polygonal parts kept) with a warning, unless
 * `strict`, where they are rejects.
 *
 * Import identity: importing the same records twice changes nothing. Each
 * row of a place kind (everything but victims and casualty rows) has an
 * identity:
 * - its key, when the file has one: the column given as `key`; by default
 *   a `code` column (the record's code), else a column named `id` (a
 *   GeoJSON feature's string id), else the file's own feature id column (a
 *   GeoPackage's fid). A code or a key column names one record of the kind
 *   in the whole database, whichever file it comes in; feature ids (row
 *   numbers of one file) are the file's, told apart by its name;
 * - otherwise its content: the hash of its values, attributes and geometry.
 * A row whose identity was imported before with the same content is
 * "already present" and changes nothing; a keyed row whose content changed
 * becomes a change of its record (proposed for review when the record is
 * approved, applied to a draft or submitted record), never a second record.
 * Within one file, a copy of an earlier row (same identity and content) is
 * left out with a warning (keep_duplicates imports copies of rows without a
 * key); two rows claiming one key with different content: the later is a
 * reject naming both.
 * Victims are people, not places: two identical rows of a file are two
 * victims. A victims or casualty file whose bytes were imported before is
 * not imported again (unless `again`); in another file, the rows of an
 * incident in the database that match its victims there (the same values,
 * each stored victim matched once: io/casualties.h) are already present
 * (unless `again`).
 * Every import that changes something is entered in the import log with the
 * file's SHA-256 (store.h: dm_store_import_*).
 */
#ifndef DM_IO_IMPORT_H
#define DM_IO_IMPORT_H

#include "core/error.h"
#include "core/kind.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rejects file of an import in progress (see dm_import_reject). */
typedef struct dm_import_rejects dm_import_rejects;

typedef struct dm_import_result dm_import_result;

typedef struct dm_import_opts {
    const dm_kind *kind;
    const char *path;       /* the file to read */
    const char *layer;      /* layer name; NULL = the first layer */
    const char *const *map; /* "target=source" pairs: field <- source column */
    size_t nmap;
    const char *const *set; /* "target=value" pairs: constant values */
    size_t nset;
    bool strict; /* reject invalid polygons instead of repairing them */
    /* the source column that identifies a row (see above); NULL = the
       default. "id" or "fid" name the feature id when no column has that
       name. */
    const char *key;
    bool keep_duplicates; /* import every copy of a row without a key */
    bool again;           /* victims, casualty rows: import a file (or
                             incidents) imported before once more */
    /* The file was sent by someone who may not read every file this process
     * can (the server's imports). Its format is decided from its bytes
     * (io/upload.h: GeoJSON, GeoPackage, CSV, KML, GPX or XLSX, anything
     * else is DM_EFORMAT); only that format's GDAL driver may open it, with
     * no file beside it; a GeoPackage is checked for SQL first
     * (dm_upload_check_gpkg); path must be a regular file, not a link; and
     * GDAL makes no network request (dm_gdal_lock_down, for the process). */
    bool upload;
    const char *state;        /* state of new records; NULL = "approved" */
    const char *who;          /* who imports (change log) */
    const char *rejects_path; /* where rejected rows go (required); written only when
                                 there are rejects, as "<path>.part" renamed on success */
    /* Called now and then with rows read so far and the total (-1 if unknown). */
    void (*progress)(int64_t done, int64_t total, void *ctx);
    /* Called for each warning about a row that was imported ("row 5: ..."). */
    void (*warn)(const char *msg, void *ctx);
    void *ctx;

    /* Hooks for kinds whose rows depend on other records (accidents,
     * victims, casualty rows); all optional, all called in the writing
     * thread inside the import's transaction, all given hook_ctx.
     * - link: called for each row that passed the checks, before it is
     *   stored; it may complete rec from other records, or refuse the row
     *   by returning DM_EINVAL (or DM_ENOTFOUND, DM_ECONFLICT) with the
     *   reason in err: the row goes to the rejects file. Other failures
     *   stop the import. Setting *present says the row is in the database
     *   already: it is counted as present and not stored.
     * - take: instead of storing a checked row, the import hands it over:
     *   take owns rec's contents afterwards (it copies the struct and the
     *   import forgets it). Refusals as for link.
     * - finish: called after the last row, before the commit; it may store
     *   records, reject rows (dm_import_reject) and set res->imported. */
    dm_status (*link)(dm_store *store, dm_record *rec, int64_t row, void *hook_ctx, bool *present,
                      dm_error *err);
    dm_status (*take)(dm_record *rec, int64_t row, void *hook_ctx, dm_error *err);
    dm_status (*finish)(dm_store *store, dm_import_rejects *rj, dm_import_result *res,
                        void *hook_ctx, dm_error *err);
    void *hook_ctx;
} dm_import_opts;

struct dm_import_result {
    int64_t rows;       /* rows read from the source */
    int64_t imported;   /* records stored */
    int64_t rejected;   /* rows written to the rejects file */
    int64_t repaired;   /* imported after a geometry repair */
    int64_t changed;    /* records changed, or changes proposed for review */
    int64_t present;    /* rows imported before, unchanged: left alone */
    int64_t duplicates; /* copies of an earlier row of the file, left out */
    /* the file was imported before as this kind: the latest such import */
    bool before_found;
    dm_import_entry before;
    /* a victims or casualty file imported before: nothing was done (unless
       opts.again) */
    bool refused_again;
    int64_t log_id; /* this import's entry in the import log; 0 = none (nothing changed) */
};

/* Writes a row to the rejects file of the import in progress (for the
 * finish hook). A failure to write is DM_EIO. */
dm_status dm_import_reject(dm_import_rejects *rj, int64_t row, const char *reason, dm_error *err);

/* Checks --map/--set before anything is opened: syntax "target=...", known
 * target fields, valid constant values. DM_EINVAL with a message otherwise. */
dm_status dm_import_check_options(const dm_import_opts *opts, dm_error *err);

/* Imports opts->path into the store (opened for writing). */
dm_status dm_import(dm_store *store, const dm_import_opts *opts, dm_import_result *res,
                    dm_error *err);

#endif
