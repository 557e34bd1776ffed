/* Land release accounting, as DESIGN.md defines it. With H = union of the
 * hazard polygons in scope and R = union of the release polygons in scope:
 *
 *   hazard area    = area(H);
 *   released area  = area(R), split by method, each m² counted once: cleared
 *                    over reduced over cancelled (whether or not a hazard
 *                    polygon still covers it: centres trim or close hazards
 *                    as their land is released);
 *   remaining area = area(H − R);
 *   recorded area  = area(H ∪ R) = released + remaining;
 *   released inside hazards = area(R ∩ H), a data-quality figure (land
 *                    released but still drawn as hazardous).
 * Grouping by admin area clips every figure to the admin polygon. Grouping by
 * year, month or organisation attributes each released m² to one group: the
 * highest method first, then the earliest period (or the organisation first
 * in alphabetical order), and the part of it inside H likewise; for
 * year/month groups remaining_area_m2 is what remained at the end of that
 * period, and hazard and recorded area are the totals. Organisation groups
 * have no hazard, remaining or recorded area (NaN, printed as null).
 *
 * A scope (analysis/scope.h) limits the figures. An admin area clips every
 * hazard and release to its polygon. An organisation keeps its releases
 * only; hazards are not counted by organisation, so hazard, remaining and
 * recorded area are NaN (null) and hazard_count -1. A period [since, until]
 * keeps the releases dated in it: released area is area(R_p), R_p the union
 * of the releases dated in the period (undated releases are in no period),
 * split by method as above, and released inside hazards is area(R_p ∩ H);
 * remaining and recorded area are as of the end of the period: area(H − R_u)
 * and area(H ∪ R_u), R_u the union of the releases dated on or before until
 * (every release when there is no until), H being today's hazards. Groups by
 * year or month then cover the period's releases, each with what remained at
 * its end.
 *
 * Official figures use approved records only; include_drafts adds the rest.
 * All areas are geodesic m² on WGS84.
 */
#ifndef DM_ANALYSIS_LANDRELEASE_H
#define DM_ANALYSIS_LANDRELEASE_H

#include "analysis/figures.h"
#include "analysis/scope.h"
#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dm_lr_group_by {
    DM_LR_TOTAL,
    DM_LR_BY_ADMIN,
    DM_LR_BY_YEAR,
    DM_LR_BY_MONTH,
    DM_LR_BY_ORGANISATION
} dm_lr_group_by;

typedef struct dm_release_split {
    double cancelled, reduced, cleared, total; /* m² */
} dm_release_split;

typedef struct dm_lr_figures {
    char key[DM_GROUP_KEY_MAX]; /* admin code, "2021", "2021-03", organisation, "unknown" */
    char name[256];             /* admin name or organisation; "" otherwise */
    double hazard_area_m2;      /* NaN when it does not apply */
    dm_release_split released;
    double remaining_area_m2;          /* NaN when it does not apply */
    double recorded_area_m2;           /* area(H ∪ R); NaN when it does not apply */
    double released_inside_hazards_m2; /* area(R ∩ H) */
    int64_t hazard_count;              /* hazards in scope (for an admin area: those inside it or
                                          crossing its edge, not merely touching); -1 when it does
                                          not apply */
    dm_code_list hazards;              /* hazards behind the figures */
    dm_code_list releases;             /* releases behind the figures */
} dm_lr_figures;

typedef struct dm_landrelease {
    dm_lr_figures total;
    dm_lr_figures *groups; /* malloc'd, ngroups entries */
    size_t ngroups;
    dm_lr_group_by by;
    int admin_level; /* level used for DM_LR_BY_ADMIN */
    bool include_drafts;
    dm_scope scope;       /* what the figures are limited to */
    char admin_name[256]; /* the scope's admin area name, "" without one */
} dm_landrelease;

typedef struct dm_lr_opts {
    dm_lr_group_by by;
    bool include_drafts;
    int admin_level; /* 0 = the finest level present */
    dm_scope scope;  /* all zero: every record */
} dm_lr_opts;

/* Computes the figures. *out is owned by the caller: dm_landrelease_free(). */
dm_status dm_landrelease_compute(dm_store *store, const dm_lr_opts *opts, dm_landrelease *out,
                                 dm_error *err);

/* The figures of several groupings of the same records at once: outs[i]
 * is what dm_landrelease_compute(store, &opts[i]) gives, but the unions,
 * their overlay and their areas are computed once for all (with a scope,
 * each grouping is computed on its own). Every
 * opts[i].include_drafts must be the same (DM_EINVAL otherwise). Each
 * outs[i] is owned by the caller; on failure none is left to free. */
dm_status dm_landrelease_compute_many(dm_store *store, const dm_lr_opts *opts, size_t n,
                                      dm_landrelease *outs, dm_error *err);

void dm_landrelease_free(dm_landrelease *lr);

/* Writes the figures as JSON with the stable keys hazard_area_m2,
 * released_area_m2 {cancelled, reduced, cleared, total}, remaining_area_m2,
 * recorded_area_m2, released_inside_hazards_m2, hazard_count, release_count, scope (since,
 * until, admin, admin_name, organisation; null when not limited), groups[] (key, name
 * and the same keys). With `list`, each figure set also carries "hazards" and "releases": the codes
 * behind it. */
dm_status dm_landrelease_json(const dm_landrelease *lr, bool list, dm_buf *out);

/* Parses "admin", "year", "month", "organisation" (or "org"). */
dm_status dm_lr_group_by_parse(const char *s, dm_lr_group_by *out, dm_error *err);

#endif
