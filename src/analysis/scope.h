/* The scope a set of figures is limited to: a period (dates, both
 * inclusive), an admin area and an organisation, as the dashboard's filter
 * and `demine stats ... --since --until --admin --organisation` give them.
 *
 * A record is in the period when its date lies in [since, until]; a record
 * without a date is in no period (it counts only when no dates are given).
 * Geometries are clipped to the admin area's polygon: a polygon keeps the part
 * of positive area inside it, a point counts when it lies inside or on the
 * edge. Areas stay geodesic m² on WGS84.
 */
#ifndef DM_ANALYSIS_SCOPE_H
#define DM_ANALYSIS_SCOPE_H

#include "core/buf.h"
#include "core/error.h"
#include "geo/geo.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct dm_scope {
    char since[11];          /* "YYYY-MM-DD" inclusive, "" = no lower limit */
    char until[11];          /* "YYYY-MM-DD" inclusive, "" = no upper limit */
    char admin[DM_CODE_MAX]; /* admin area code, "" = everywhere */
    char organisation[256];  /* exact organisation name, "" = every organisation */
} dm_scope;

/* The admin area of a scope, read and prepared for clipping. */
typedef struct dm_scope_area {
    GEOSGeometry *geom;               /* NULL when the scope has no admin area */
    const GEOSPreparedGeometry *prep; /* prepared geom */
    char name[256];                   /* the admin area's name */
} dm_scope_area;

/* True when the scope limits anything. */
bool dm_scope_any(const dm_scope *s);

/* True when the scope has a period. */
bool dm_scope_dated(const dm_scope *s);

/* Sets the period from text (YYYY-MM-DD or DD.MM.YYYY, NULL = no limit);
 * DM_EINVAL saying which limit is wrong and why, or when since is after
 * until. `what_since`/`what_until` name the limits in the message
 * ("--since", "since"). */
dm_status dm_scope_set_period(dm_scope *s, const char *since, const char *until,
                              const char *what_since, const char *what_until, dm_error *err);

/* Sets the admin area code and organisation (NULL = none); DM_EINVAL when
 * too long. */
dm_status dm_scope_set_where(dm_scope *s, const char *admin, const char *organisation,
                             dm_error *err);

/* True when a record with this date (text, NULL = unknown) is in the
 * period; every date is when there is no period. */
bool dm_scope_date_in(const dm_scope *s, const char *date);

/* True when an organisation (NULL = unknown) passes the scope. */
bool dm_scope_org_in(const dm_scope *s, const char *organisation);

/* Reads the scope's admin area polygon (when it names one): DM_ENOTFOUND
 * saying so when no admin area has that code. *a is owned by the caller:
 * dm_scope_area_free(). */
dm_status dm_scope_area_open(dm_store *store, const dm_scope *s, dm_scope_area *a, dm_error *err);
void dm_scope_area_free(dm_geo *geo, dm_scope_area *a);

/* The part of polygon g inside the area: *out is a new geometry (owned by
 * the caller), or NULL when nothing of positive area is inside. Without an
 * area, *out is a copy of g. DM_EGEOM when GEOS fails. */
dm_status dm_scope_clip(dm_geo *geo, const dm_scope_area *a, const GEOSGeometry *g,
                        GEOSGeometry **out);

/* True when geometry g (a point) lies in the area or on its edge (always
 * without an area; never for NULL). */
bool dm_scope_geom_in(dm_geo *geo, const dm_scope_area *a, const GEOSGeometry *g);

/* Appends `"scope": {"since": .., "until": .., "admin": .., "admin_name": ..,
 * "organisation": ..}, ` (null for what is not limited). */
void dm_scope_json(dm_buf *b, const dm_scope *s, const char *admin_name);

#endif
