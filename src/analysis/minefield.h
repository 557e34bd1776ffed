/* Minefield records (DESIGN.md "Minefield record v1"): the record as the
 * laying unit wrote it, where its mines are in local metres, the fit of the
 * record to the mines clearance has found, and the prediction of the mines
 * not yet found.
 *
 * Frames and units:
 * - A record's distances are in its own unit (metres or paces of pace_m
 *   metres); bearings in degrees clockwise from north, magnetic ones with
 *   declination_deg added to make them grid bearings.
 * - "Local metres" are x east, y north, in metres, on the tangent plane at
 *   the record's reference point (WGS84 metres per degree at its latitude);
 *   dm_mf_frame converts between them and lon/lat degrees.
 *
 * Memory: a dm_mf_record owns its rows, legs and mines; dm_mf_record_free()
 * releases them. A dm_mf_layout owns its arrays; dm_mf_layout_free().
 */
#ifndef DM_ANALYSIS_MINEFIELD_H
#define DM_ANALYSIS_MINEFIELD_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_MF_ID_MAX 64
#define DM_MF_TEXT_MAX 64

typedef enum dm_mf_bearing_ref { DM_MF_GRID, DM_MF_MAGNETIC } dm_mf_bearing_ref;
typedef enum dm_mf_unit { DM_MF_METRES, DM_MF_PACES } dm_mf_unit;

/* One straight stretch: a bearing (degrees, as written in the record) and a
 * distance in the record's unit. */
typedef struct dm_mf_leg {
    double bearing_deg;
    double distance;
} dm_mf_leg;

typedef struct dm_mf_row {
    char id[DM_MF_ID_MAX];
    char category[DM_MF_TEXT_MAX]; /* "AP", "AT", ... ("" when not given) */
    char model[DM_MF_TEXT_MAX];    /* "PMN-2" ... ("" when not given) */
    int count;                     /* mines evenly spaced start..end; 0 when spacing is used */
    double spacing;                /* record units between mines; 0 when count is used */
    dm_mf_leg start;               /* from the reference point to the row's first mine */
    dm_mf_leg *legs;               /* start -> turning points -> end */
    size_t n_legs;
} dm_mf_row;

typedef struct dm_mf_scattered {
    char id[DM_MF_ID_MAX];
    char category[DM_MF_TEXT_MAX];
    char model[DM_MF_TEXT_MAX];
    dm_mf_leg at; /* from the reference point */
} dm_mf_scattered;

typedef struct dm_mf_record {
    char id[DM_MF_ID_MAX];   /* "MR-0001" */
    char laid[16];           /* ISO date or "" */
    double ref_lon, ref_lat; /* degrees, WGS84 */
    dm_mf_bearing_ref bearing_ref;
    /* added to magnetic bearings; with grid bearings, as given (0 when not):
     * not applied, but the fit considers that the bearings were magnetic */
    double declination_deg;
    dm_mf_unit unit;
    /* metres per pace: applied when unit is paces; with metres, as given (0
     * when not): not applied, but the fit considers that the distances were
     * paced */
    double pace_m;
    dm_mf_row *rows;
    size_t n_rows;
    dm_mf_scattered *mines;
    size_t n_mines;
} dm_mf_record;

/* Parses and validates a v1 record from JSON text of `len` bytes. Errors name
 * the field, row and leg ("rows[2] (B) legs[1].bearing_deg: 6400 is outside
 * 0-360 degrees; mils?"). On success *out is filled and owned by the caller
 * (dm_mf_record_free); on failure *out is left empty. */
dm_status dm_mf_record_parse(const char *json, size_t len, dm_mf_record *out, dm_error *err);

/* Calls fn once for each field of a valid record that is accepted but
 * not applied as written (a pace_m with metres, a declination_deg with grid
 * bearings), with a message saying how it is used; returns how many. */
size_t dm_mf_record_warnings(const dm_mf_record *rec, void (*fn)(const char *msg, void *ctx),
                             void *ctx);

/* Reads and parses a record file; errors are prefixed with the path. */
dm_status dm_mf_record_load(const char *path, dm_mf_record *out, dm_error *err);

/* Frees what the record holds and leaves it empty. */
void dm_mf_record_free(dm_mf_record *rec);

/* ---- local frame ---- */
typedef struct dm_mf_frame {
    double lon0, lat0; /* degrees */
    double kx, ky;     /* metres per degree of longitude / latitude at lat0 (WGS84) */
} dm_mf_frame;

void dm_mf_frame_init(dm_mf_frame *f, double lon0, double lat0);
void dm_mf_frame_to_local(const dm_mf_frame *f, double lon, double lat, double *x, double *y);
void dm_mf_frame_to_lonlat(const dm_mf_frame *f, double x, double y, double *lon, double *lat);

/* ---- the record as written, in local metres ---- */
typedef struct dm_mf_mine {
    double x, y; /* local metres */
    int row;     /* index into rec->rows; -1 for a scattered mine */
    int index;   /* 1-based position along the row; for scattered mines, 1-based
                    index into rec->mines */
} dm_mf_mine;

typedef struct dm_mf_layout {
    dm_mf_mine *mines; /* rows in order, each from its start; then scattered */
    size_t n_mines;
    /* Row polylines: row r has vertices verts[row_first[r] .. row_first[r+1]-1]
     * (start, turning points, end), as x,y pairs in local metres. */
    double *verts;     /* 2 doubles per vertex */
    size_t *row_first; /* n_rows + 1 entries */
    size_t n_rows;
} dm_mf_layout;

/* Where the record puts every mine and row, applying declination and pace
 * length. Mines of a row with `count` n: n evenly spaced along the polyline,
 * first at start and last at end (n == 1: at start). With `spacing` s: one
 * every s along the polyline from the start, the last no further than the
 * end. *out owned by the caller (dm_mf_layout_free). */
dm_status dm_mf_layout_compute(const dm_mf_record *rec, dm_mf_layout *out, dm_error *err);
void dm_mf_layout_free(dm_mf_layout *lay);

/* ---- fit and prediction (minefield_fit.c) ---- */
/* Another fit of the record the found items allow, as in dm_mf_fit. */
#define DM_MF_MAX_ALTS 4
typedef struct dm_mf_alt {
    double dx_m, dy_m, rotation_deg, scale;
    double weight; /* [0,1]: the chance it is the right one */
} dm_mf_alt;

typedef struct dm_mf_fit {
    double dx_m, dy_m;   /* translation of the record, local metres (east, north) */
    double rotation_deg; /* rotation of the record about its reference point,
                            degrees clockwise */
    double scale;        /* record distances x scale = true distances */
    double rmse_m;       /* of the matched found mines after the fit, metres */
    size_t matched;      /* found mines matched to recorded mines */
    double confidence;   /* [0,1]: how far the record can be trusted */
    double weight;       /* [0,1]: the chance this fit is the right one (0: no
                            fit, the record as written) */
    /* the next most likely distinct fits, most likely first; the weights
     * of the fit and these sum to at most 1 (the rest: fits not tried) */
    dm_mf_alt alts[DM_MF_MAX_ALTS];
    size_t n_alts;
} dm_mf_fit;

typedef struct dm_mf_prediction {
    double x, y;          /* local metres */
    int row;              /* index into rec->rows; -1 scattered; for rows found
                             from the mines alone, -(k+2) for detected row k */
    int index;            /* as in dm_mf_mine */
    double radius_m;      /* 95% radius, metres */
    bool from_found_rows; /* extends a row detected among found mines, not
                             one in the record */
} dm_mf_prediction;

typedef struct dm_mf_prediction_set {
    dm_mf_fit fit;
    dm_mf_prediction *items; /* owned: dm_mf_prediction_set_free() */
    size_t n;
    size_t not_mines; /* found items that could be no recorded mine (clutter) */
} dm_mf_prediction_set;

/* What a found item may be, from its EO category and model (each NULL or
 * "" when not known). */
typedef struct dm_mf_found_info {
    const char *category; /* "AP", "AT", "UXO", "scrap", ... */
    const char *model;    /* "PMN-2", ... */
} dm_mf_found_info;

/* The class of a found item's category: DM_MF_ITEM_ANY (not known: "", NULL,
 * "unknown", "mine": any recorded mine), DM_MF_ITEM_MINE (AP or AT, in any of
 * the eo-items kind's spellings; canon gets the canonical one) or
 * DM_MF_ITEM_NOT_MINE (any other EO category, or anything else such as
 * "scrap": clutter, never a recorded mine; canon gets the EO category or
 * the text as given). */
typedef enum dm_mf_item_class {
    DM_MF_ITEM_NOT_MINE = -1,
    DM_MF_ITEM_ANY = 0,
    DM_MF_ITEM_MINE = 1
} dm_mf_item_class;
dm_mf_item_class dm_mf_item_category(const char *category, char *canon, size_t canon_sz);

/* Whether a found item of this category and model may be the recorded mine
 * i of the layout: not when its category says it is not a mine, nor when
 * the item and the mine's row (or scattered mine) both give a category (or
 * both a model: letters and digits compared, case ignored) that differ. */
bool dm_mf_item_may_be(const dm_mf_record *rec, const dm_mf_mine *m, const dm_mf_found_info *info);

typedef struct dm_mf_predict_opts {
    /* per found item (n_found entries), or NULL: every item may be any mine */
    const dm_mf_found_info *found;
    /* ground known to be cleared (released), local metres: rings of x,y
     * pairs (vertices cleared_xy[2 * k], ring j ends before vertex
     * cleared_ring_end[j]), inside by the even-odd rule (holes are rings
     * too). n_cleared_rings 0: the hull of the found items. */
    const double *cleared_xy;
    const size_t *cleared_ring_end;
    size_t n_cleared_rings;
    /* a fit to try among the search's own starts, or NULL: {rotation_deg,
     * scale, dx_m, dy_m} as in dm_mf_fit (a transform known from elsewhere;
     * the benchmark passes the true one, to tell a fit the search never
     * reached from one the score does not prefer) */
    const double *start;
} dm_mf_predict_opts;

/* Fits the record to the found mines (x,y pairs in local metres of the
 * record's frame; no correspondences known; clutter allowed) and predicts
 * the mines not yet found. rec NULL: rows detected among the found mines
 * alone. n_found 0: the record as written with radii of typical record
 * error. *out owned by the caller. */
dm_status dm_mf_predict(const dm_mf_record *rec, const double *found_xy, size_t n_found,
                        dm_mf_prediction_set *out, dm_error *err);

/* dm_mf_predict with options (opts may be NULL): found items that cannot be
 * any recorded mine (dm_mf_item_may_be) are clutter: they show cleared
 * ground but are never matched, nor taken for rows of their own when their
 * category says they are not mines; out->not_mines counts them. With
 * cleared ground given, a fit pays for every recorded mine it leaves
 * unfound there, and no mine is predicted there. */
dm_status dm_mf_predict_ex(const dm_mf_record *rec, const double *found_xy, size_t n_found,
                           const dm_mf_predict_opts *opts, dm_mf_prediction_set *out,
                           dm_error *err);
void dm_mf_prediction_set_free(dm_mf_prediction_set *set);

/* ---- checking, footprint and GeoJSON output (minefield.c) ----
 * Limits of what dm_mf_record_parse accepts (larger is an error naming the
 * field): no record has more, and they keep every later step bounded. */
#define DM_MF_MAX_INPUT (16u << 20) /* bytes of JSON text */
#define DM_MF_MAX_ROWS 1000         /* rows per record */
#define DM_MF_MAX_LEGS 100          /* legs per row */
#define DM_MF_MAX_ALL_LEGS 10000    /* legs per record */
#define DM_MF_MAX_MINES 100000      /* mines per record (rows' and scattered) */
#define DM_MF_MAX_DISTANCE 100000.0 /* any distance or spacing, record units */
#define DM_MF_MAX_PACE_M 3.0        /* metres per pace */
#define DM_MF_MAX_ABS_LAT 85.0      /* reference point latitude, degrees */
#define DM_MF_DEFAULT_MARGIN_M 10.0 /* footprint margin, metres */

#include "core/buf.h"
#include "geo/geo.h"

/* Called once per problem found, with a message like dm_mf_record_parse's. */
typedef void (*dm_mf_problem_fn)(const char *msg, void *ctx);

/* Like dm_mf_record_parse, but goes on after a problem and calls fn (may be
 * NULL) for each one it finds (the first 100), in the order of the text;
 * *n_problems (may be NULL) is how many there are in all; err gets the
 * first. On success *out is owned by the caller (dm_mf_record_free); on
 * failure it is left empty. */
dm_status dm_mf_record_parse_all(const char *json, size_t len, dm_mf_record *out,
                                 dm_mf_problem_fn fn, void *fn_ctx, size_t *n_problems,
                                 dm_error *err);

/* Metres per record unit: 1 for metres, pace_m for paces. */
double dm_mf_unit_m(const dm_mf_record *rec);

/* Length of row r in metres (the sum of its legs). */
double dm_mf_row_length_m(const dm_mf_record *rec, size_t r);

/* The footprint of a laid-out record: its rows (polylines) and scattered
 * mines buffered by margin_m metres (> 0) in local metres, as a lon/lat
 * (multi)polygon made with geo's handle; *out owned by the caller
 * (GEOSGeom_destroy_r). */
dm_status dm_mf_footprint(dm_geo *geo, const dm_mf_record *rec, const dm_mf_layout *lay,
                          double margin_m, GEOSGeometry **out, dm_error *err);

/* Figures of a record: rows, mines (rows' and scattered), scattered mines,
 * total row length (m) and the geodesic area (m²) of its footprint with
 * margin_m metres. */
typedef struct dm_mf_summary {
    size_t rows, mines, scattered;
    double length_m;
    double footprint_area_m2;
    double margin_m;
} dm_mf_summary;

dm_status dm_mf_summarise(dm_geo *geo, const dm_mf_record *rec, double margin_m, dm_mf_summary *out,
                          dm_error *err);

/* Appends the record as drawn to out: a GeoJSON FeatureCollection (lon/lat,
 * 7 decimals) of the reference point (kind "reference_point"), one Point per
 * mine (kind "mine", row = the row's id or the scattered mine's id, index,
 * category, model, scattered), one LineString per row (kind "row", row,
 * mines, length_m, category, model) and the footprint (kind "footprint",
 * margin_m, area_m2) with margin_m metres. */
dm_status dm_mf_render_geojson(dm_geo *geo, const dm_mf_record *rec, double margin_m, dm_buf *out,
                               dm_error *err);

/* Appends to out the members ,"weight":W,"alternatives":[{"dx_m":..,
 * "dy_m":..,"rotation_deg":..,"scale":..,"weight":..},...] of a fit
 * object (weights rounded to 4 decimals, metres to 3). */
void dm_mf_alts_json(dm_buf *out, const dm_mf_fit *fit);

/* Appends a prediction as a GeoJSON FeatureCollection of Points (lon/lat of
 * `frame`, 7 decimals) with properties row (the record row's id, the
 * scattered mine's id, or "found-row-N" for the N-th row detected among
 * the found mines, with "from_found_rows": true when the point extends such
 * a row), index and radius_m, and the top-level member "fit" (DESIGN.md).
 * rec may be NULL (rows from found mines alone). */
dm_status dm_mf_prediction_geojson(const dm_mf_record *rec, const dm_mf_frame *frame,
                                   const dm_mf_prediction_set *set, dm_buf *out, dm_error *err);

#endif
