/* A small parallel loop for the analyses: independent items (components of a
 * union, polygons of the hazard union, admin areas) spread over the cores.
 *
 * fn(i, geo, ctx, err) runs once for each i in [0, n), on up to
 * dm_parallel_threads() threads, the calling thread being one of them. Each
 * thread has its own dm_geo (GEOS context): fn must use that one for GEOS
 * calls. Geometries made in one thread may be used and freed in another.
 * Items are handed out one at a time, so uneven items balance out; results
 * that are written per item and combined in item order afterwards are the
 * same whatever the number of threads.
 */
#ifndef DM_ANALYSIS_PARALLEL_H
#define DM_ANALYSIS_PARALLEL_H

#include "core/error.h"
#include "geo/geo.h"

#include <stddef.h>

typedef dm_status (*dm_parallel_fn)(size_t i, dm_geo *geo, void *ctx, dm_error *err);

/* Returns the first failure (its message in err); the other threads stop
 * taking new items. */
dm_status dm_parallel_for(size_t n, dm_geo *caller_geo, dm_parallel_fn fn, void *ctx,
                          dm_error *err);

/* Threads used: the online cores, at most 16, or DEMINE_THREADS when set. */
int dm_parallel_threads(void);

#endif
