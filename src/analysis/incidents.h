/* Where an incident happened, in the terms of the other records: the admin
 * area it lies in, the nearest settlement, and the hazardous area it lies in
 * or near. Used when accidents come in without those codes.
 *
 * - admin area: the area of the finest level present that contains the
 *   point (on its edge counts); none when no area contains it.
 * - settlement: the nearest settlement point within settlement_within_m
 *   (geodesic metres on WGS84).
 * - hazard: a hazardous area containing the point, else the nearest one
 *   within hazard_within_m (geodesic metres, measured in a local metric
 *   frame at the point, exact to well under 0.1% within a few km).
 * Ties go to the record stored first. Records of any state but rejected are
 * used: a draft hazard is still a hazard to link to.
 */
#ifndef DM_ANALYSIS_INCIDENTS_H
#define DM_ANALYSIS_INCIDENTS_H

#include "store/store.h"

#define DM_SETTLEMENT_WITHIN_M 5000.0 /* default: nearest settlement within 5 km */
#define DM_HAZARD_WITHIN_M 100.0      /* default: hazard within 100 m */

typedef struct dm_incident_locator dm_incident_locator;

/* Reads the admin areas, settlements and hazards of the store. Distances in
 * metres; negative means the default. *out is owned by the caller:
 * dm_incident_locator_free(). */
dm_status dm_incident_locator_new(dm_store *store, double settlement_within_m,
                                  double hazard_within_m, dm_incident_locator **out, dm_error *err);
void dm_incident_locator_free(dm_incident_locator *loc);

/* True when the store has admin areas (so "outside every admin area" means
 * something). */
bool dm_incident_locator_has_admin(const dm_incident_locator *loc);

/* Fills the codes for the point (lon, lat in degrees); "" where there is
 * none. Each buffer holds DM_CODE_MAX bytes. */
dm_status dm_incident_locate(dm_incident_locator *loc, double lon, double lat,
                             char admin_code[DM_CODE_MAX], char settlement_code[DM_CODE_MAX],
                             char hazard_code[DM_CODE_MAX], dm_error *err);

/* The admin area alone (see dm_incident_locate): "" when none contains the
 * point. DM_EINVAL when (lon, lat) is not a longitude/latitude. */
dm_status dm_incident_locate_admin(dm_incident_locator *loc, double lon, double lat,
                                   char admin_code[DM_CODE_MAX], dm_error *err);

/* Fills the empty admin_code, settlement_code and hazard_code fields of an
 * accident record from its point. A record without a point is left as it
 * is. */
dm_status dm_incident_complete(dm_incident_locator *loc, dm_record *accident, dm_error *err);

#endif
