/* Minefield records in and out of the store (analysis/minefield.h for the
 * record itself):
 *
 * - import of a record file (JSON, DESIGN.md "Minefield record v1") as one
 *   minefield-records record: dm_import() hands records of that kind here.
 *   The record is validated with dm_mf_record_parse; a bad record changes
 *   nothing. Its code is the record's "id" when that is a code of the kind
 *   (MR- and digits), else the store assigns one; record_json is the file's
 *   text; laid is the record's date; the geometry is the reference point;
 *   hazard_code is the hazardous area (approved or submitted; not draft or
 *   rejected) whose polygon overlaps the record's footprint (rows and
 *   scattered mines buffered by DM_MF_DEFAULT_MARGIN_M) most, by geodesic
 *   area, ties to the one stored first; empty (with a warning) when none
 *   overlaps. `--set hazard_code=HA-...` gives it instead.
 * - the found items around a stored record: EO items (approved) whose
 *   point lies in the record's footprint buffered by a distance, with their
 *   category and model (items of other categories than AP and AT are
 *   clutter to the fit: they show cleared ground);
 * - the found items of a vector file (any format GDAL reads; points only),
 *   with the fields "category" and "model" when the layer has them.
 *
 * Positions are lon/lat degrees (WGS 84) as x,y pairs.
 */
#ifndef DM_IO_MINEFIELD_IMPORT_H
#define DM_IO_MINEFIELD_IMPORT_H

#include "analysis/minefield.h"
#include "io/import.h"
#include "store/store.h"

/* Imports the record file o->path (o->kind is dm_kind_minefield_records)
 * in one transaction: res->rows and res->imported are 1 on success; on
 * failure nothing is stored. Honours o->state, o->who, o->warn and `--set
 * hazard_code=`; other --set or --map targets are DM_EINVAL. */
dm_status dm_mf_import(dm_store *store, const dm_import_opts *o, dm_import_result *res,
                       dm_error *err);

/* Reads the stored minefield record `code` and parses its record_json.
 * *out owned by the caller (dm_mf_record_free). DM_ENOTFOUND when absent. */
dm_status dm_mf_stored_record(dm_store *store, const char *code, dm_mf_record *out, dm_error *err);

/* A found item's category and model ("" when not known). */
typedef struct dm_mf_found_attr {
    char category[DM_MF_TEXT_MAX];
    char model[DM_MF_TEXT_MAX];
} dm_mf_found_attr;

/* The found items for rec: approved EO items (any category) whose point is
 * in rec's footprint (DM_MF_DEFAULT_MARGIN_M) buffered by within_m metres
 * (>= 0). *lonlat (2 doubles per item, malloc'd, the caller frees it; NULL
 * when none), *attr (one per item, likewise; attr may be NULL) and *n. */
dm_status dm_mf_found_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                             double **lonlat, dm_mf_found_attr **attr, size_t *n, dm_error *err);

/* Reads the points of a vector file (layer NULL: the first layer),
 * converted to WGS 84 lon/lat, with the fields "category" and "model"
 * (names in any case; "" when absent or null). A feature that is not a
 * point (or has no geometry) is DM_EINVAL naming its 1-based feature
 * number. *lonlat and *attr (attr may be NULL) malloc'd (the caller frees
 * them; NULL when none) and *n. */
dm_status dm_mf_found_read(const char *path, const char *layer, double **lonlat,
                           dm_mf_found_attr **attr, size_t *n, dm_error *err);

/* Ground known to be cleared, as rings of lon/lat vertices (WGS 84): ring
 * j is vertices [ring_end[j-1], ring_end[j]) of xy (2 doubles each); holes
 * are rings too (even-odd rule). The caller frees xy and ring_end. */
typedef struct dm_mf_rings {
    double *xy;
    size_t *ring_end;
    size_t n_rings, n_vertices;
} dm_mf_rings;
void dm_mf_rings_free(dm_mf_rings *r);

/* The polygons of a vector file (layer NULL: the first), converted to WGS
 * 84: a feature that is not a polygon or multipolygon is DM_EINVAL naming
 * the file and its 1-based number, and so is a file with no polygons. */
dm_status dm_mf_cleared_read(const char *path, const char *layer, dm_mf_rings *out, dm_error *err);

/* The approved land releases (cleared, reduced or cancelled) whose polygon
 * meets rec's footprint (DM_MF_DEFAULT_MARGIN_M) buffered by within_m
 * metres; none is not an error (out->n_rings 0). */
dm_status dm_mf_cleared_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                               dm_mf_rings *out, dm_error *err);

/* The prediction for a stored record as `demine minefield predict DATABASE
 * CODE` makes it: its found items with their categories and models
 * (dm_mf_found_stored) and the ground released over it
 * (dm_mf_cleared_stored), within within_m metres, in the record's frame
 * (*frame, set here). *n_found: the items read. *set owned by the caller:
 * dm_mf_prediction_set_free(). */
dm_status dm_mf_predict_stored(dm_store *store, const dm_mf_record *rec, double within_m,
                               dm_mf_frame *frame, dm_mf_prediction_set *set, size_t *n_found,
                               dm_error *err);

#endif
