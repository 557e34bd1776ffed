/* Settlement plan (`demine settlement plan`): what blocks a settlement and
 * its way in, and the area to release.
 *
 * A settlement is found by its code (the GeoNames id) or by its name (exact,
 * ASCII case-insensitive). The hazards listed are the approved ones whose
 * lifecycle is open (or not recorded):
 * - "buffer": within buffer_m of the settlement's point, measured to the
 *   hazard's edge (0 inside);
 * - "road": not within the buffer, but within DM_SP_ROAD_DISTANCE_M of an
 *   approved infrastructure record of type road that intersects the buffer
 *   circle, and within DM_SP_ROAD_REACH settlement buffers of the settlement
 *   (the way in).
 * Distances are geodesic metres on WGS84 in a local metric frame at the
 * settlement (metres per degree from PROJ's geodesic there), exact to well
 * under 0.1% within 10 km. Records are read through the store's spatial index
 * (a bounding-box query).
 * A hazard's remaining area is area(hazard − union of the approved releases
 * that intersect it), geodesic m²; the total is the sum of the listed hazards'
 * remaining areas (land inside two overlapping hazards counts in each).
 */
#ifndef DM_ANALYSIS_SETTLEMENT_PLAN_H
#define DM_ANALYSIS_SETTLEMENT_PLAN_H

#include "analysis/forecast_area.h"
#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_SP_ROAD_DISTANCE_M 100.0
#define DM_SP_ROAD_REACH 3.0

typedef struct dm_sp_settlement {
    char code[DM_CODE_MAX];
    char name[256];
    long long population; /* -1 unknown */
    double lon, lat;
} dm_sp_settlement;

/* Finds the settlement whose code is `what`, else whose name is `what`
 * (case-insensitive). DM_ENOTFOUND when none (the message suggests names that
 * start with `what`, if any); DM_EINVAL when several names match (the message
 * lists each with code, name and population). */
dm_status dm_settlement_find(dm_store *store, const char *what, dm_sp_settlement *out,
                             dm_error *err);

/* A settlement a code or name names, with its admin area: the settlement's
 * admin_code when it has one, else the admin area of the finest level that
 * contains its point ("" when none). */
typedef struct dm_sp_match {
    dm_sp_settlement s;
    char admin_code[DM_CODE_MAX];
    char admin[256]; /* the admin area's name ("" unknown) */
} dm_sp_match;

/* Every settlement `what` names: the one whose code it is, else each one
 * whose name it is (case-insensitive), in the store's order; none is not an
 * error (*n = 0). *out (NULL when none) is owned by the caller: free(). */
dm_status dm_settlement_matches(dm_store *store, const char *what, dm_sp_match **out, size_t *n,
                                dm_error *err);

typedef struct dm_sp_hazard {
    char code[DM_CODE_MAX];
    char status[8];
    bool via_road;          /* listed because of a road into the settlement */
    char road[DM_CODE_MAX]; /* that road ("" when in the buffer) */
    double distance_m;      /* to the settlement */
    double road_distance_m; /* to the road (via_road only) */
    double area_m2, remaining_m2;
} dm_sp_hazard;

typedef struct dm_settlement_plan {
    dm_sp_settlement settlement;
    double buffer_m;
    size_t roads;          /* road records reaching into the buffer */
    dm_sp_hazard *hazards; /* in the buffer first, each group by distance */
    size_t n;
    double total_remaining_m2, buffer_remaining_m2, road_remaining_m2;
} dm_settlement_plan;

/* buffer_m >= 0. *out is owned by the caller: dm_settlement_plan_free(). */
dm_status dm_settlement_plan_compute(dm_store *store, const dm_sp_settlement *s, double buffer_m,
                                     dm_settlement_plan *out, dm_error *err);
void dm_settlement_plan_free(dm_settlement_plan *p);

/* A settlement's plan with the forecast of its remaining area
 * (`demine settlement plan`): the settlement `what` names
 * (dm_settlement_find), its plan within buffer_m, and the forecast of the
 * total remaining area by the model of forecast_area.h (rq: teams, runs,
 * seed, from, figures; approved records). Safe to call from several
 * threads, each with its own store connection. *out is owned by the
 * caller: dm_sp_forecast_free() (nothing to free on failure). */
typedef struct dm_sp_forecast {
    dm_settlement_plan plan;
    dm_fa_request rq; /* rq.figures is not copied */
    dm_fa_basis basis;
    dm_fa_outlook outlook; /* of plan.total_remaining_m2 from rq.from */
} dm_sp_forecast;

dm_status dm_sp_forecast_compute(dm_store *store, const char *what, double buffer_m,
                                 const dm_fa_request *rq, dm_sp_forecast *out, dm_error *err);
void dm_sp_forecast_free(dm_sp_forecast *f);

/* Appends a settlement as the JSON object of the plan's "settlement"
 * (code, name, population or null, lon, lat) and, with admin_code not
 * NULL, its admin area (admin_code, admin: a name, null when ""). */
dm_status dm_sp_settlement_json(dm_buf *b, const dm_sp_settlement *s, const char *admin_code,
                                const char *admin);

/* Appends the JSON of `demine settlement plan --json`. database: the
 * "database" member, or NULL to leave it out. */
dm_status dm_settlement_plan_json(const dm_sp_forecast *f, const char *database, dm_buf *b);

#endif
