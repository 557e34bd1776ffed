/* Spatial helpers shared by the analyses: sets of geometries read from the
 * store, unions, STRtree indexes and clipped areas. Geodesic m². */
#ifndef DM_ANALYSIS_SPATIAL_H
#define DM_ANALYSIS_SPATIAL_H

#include "analysis/landrelease.h"
#include "store/store.h"

/* Geometries with their record codes (and names for admin areas). The set
 * owns its geometries unless they were added borrowed. */
typedef struct dm_spatial_set {
    GEOSGeometry **geoms;
    char (*codes)[DM_CODE_MAX];
    char **names; /* NULL unless read with names */
    size_t n, cap;
    bool borrowed;
} dm_spatial_set;

/* Reads every record of `kind` that has a geometry (approved only unless
 * include_drafts). A geometry that cannot be read is an error, or skipped
 * when skip_damaged. *set is owned by the caller: dm_spatial_set_free(). */
dm_status dm_spatial_read(dm_store *store, const dm_kind *kind, bool include_drafts,
                          bool skip_damaged, dm_spatial_set *set, dm_error *err);

/* Reads the admin areas of `level` (0 = the finest level present) with
 * their names; *level_used says which level that was. */
dm_status dm_spatial_read_admin(dm_store *store, bool include_drafts, int level,
                                dm_spatial_set *set, int *level_used, dm_error *err);

/* Adds a geometry the set does not own (the set becomes a borrowing set). */
dm_status dm_spatial_set_add_borrowed(dm_spatial_set *set, GEOSGeometry *g, const char *code);

void dm_spatial_set_free(dm_spatial_set *set, dm_geo *geo);

/* A growable list of polygons with their geodesic areas (m², NaN until
 * known). Owns the polygons unless `borrowed`. */
typedef struct dm_poly_list {
    GEOSGeometry **g;
    double *area;
    size_t n, cap;
    bool borrowed;
} dm_poly_list;

/* Appends one polygon whose area is known (taking ownership). */
dm_status dm_poly_list_add_known(dm_geo *geo, dm_poly_list *l, GEOSGeometry *poly, double area_m2);

/* Moves every polygon of src to the end of dst (both owning lists). */
dm_status dm_poly_list_take(dm_poly_list *dst, dm_poly_list *src);

/* Fills the unknown areas and returns their sum in m². */
double dm_poly_list_total_area(dm_geo *geo, dm_poly_list *l);

/* Adds the polygonal parts of g (taking ownership of g; empty parts are
 * dropped). DM_EGEOM when g is NULL (a failed GEOS call), DM_ENOMEM. */
dm_status dm_poly_list_add(dm_geo *geo, dm_poly_list *l, GEOSGeometry *g);

void dm_poly_list_free(dm_geo *geo, dm_poly_list *l);

/* Union of n polygonal geometries as one MULTIPOLYGON (empty when n == 0).
 * Geometries are grouped into components of touching envelopes and each
 * component is unioned on its own.
 * The inputs are not taken; the result is owned by the caller; NULL on a
 * GEOS failure. */
GEOSGeometry *dm_spatial_union(dm_geo *geo, const GEOSGeometry *const *geoms, size_t n);

/* The same, with the components spread over the cores (see parallel.h). */
GEOSGeometry *dm_spatial_union_parallel(dm_geo *geo, const GEOSGeometry *const *geoms, size_t n);

/* Collects STRtree query results: items inserted as (void *)(index + 1). */
typedef struct dm_index_hits {
    size_t *items; /* indices */
    size_t n, cap;
    bool oom;
} dm_index_hits;

/* A GEOSQueryCallback that appends to a dm_index_hits (userdata). */
void dm_index_hits_collect(void *item, void *userdata);

/* Sorts the hits by index (a stable order for reproducible sums). */
void dm_index_hits_sort(dm_index_hits *hits);

/* STRtree over a set's geometries. */
typedef struct dm_spatial_index {
    GEOSSTRtree *tree;
    const dm_spatial_set *set;
    /* set->geoms prepared, one each (NULL until dm_spatial_index_prepare);
       owned by the index */
    const GEOSPreparedGeometry **prep;
} dm_spatial_index;

dm_status dm_spatial_index_build(dm_geo *geo, const dm_spatial_set *set, dm_spatial_index *idx,
                                 dm_error *err);
void dm_spatial_index_free(dm_geo *geo, dm_spatial_index *idx);

/* Prepares every geometry of the set, so that dm_spatial_index_locate tests
 * a point in time logarithmic in a polygon's vertices rather than linear:
 * for an index asked about many points. A prepared geometry builds its own
 * index on first use, so a prepared index is for one thread at a time. */
dm_status dm_spatial_index_prepare(dm_geo *geo, dm_spatial_index *idx, dm_error *err);

/* 1 when g shares more than a boundary with the prepared geometry pa (g
 * inside it or crossing its edge; touching it only does not count), 0 when
 * not, 2 when GEOS fails. The relation is symmetric. */
char dm_prepared_shares_area(dm_geo *geo, const GEOSPreparedGeometry *pa, const GEOSGeometry *g);

/* Sets `out` to the indices, in set order, of the set's geometries that share
 * more than a boundary with `area` (see below). The caller frees out->items. */
dm_status dm_spatial_index_sharing(dm_geo *geo, const dm_spatial_index *idx,
                                   const GEOSGeometry *area, const GEOSPreparedGeometry *pa,
                                   dm_index_hits *out, dm_error *err);

/* Adds to `out`, in set order, the codes of the set's geometries that share
 * more than a boundary with `area`: inside it or crossing its edge (a
 * geometry that only touches it does not count). pa is `area` prepared. */
dm_status dm_spatial_index_intersecting(dm_geo *geo, const dm_spatial_index *idx,
                                        const GEOSGeometry *area, const GEOSPreparedGeometry *pa,
                                        dm_code_list *out, dm_error *err);

/* Index of a list of polygons with their areas, to clip them quickly
 * against many areas. Borrows the list (which must outlive the index). */
typedef struct dm_part_index {
    GEOSSTRtree *tree;
    const dm_poly_list *list;
} dm_part_index;

dm_status dm_part_index_build(dm_geo *geo, dm_poly_list *l, dm_part_index *idx, dm_error *err);
void dm_part_index_free(dm_geo *geo, dm_part_index *idx);

/* Geodesic area in m² of (indexed geometry ∩ area). */
dm_status dm_part_index_clip_area(dm_geo *geo, const dm_part_index *idx, const GEOSGeometry *area,
                                  const GEOSPreparedGeometry *pa, double *out, dm_error *err);

/* Index of the set geometry containing the point (lon, lat), or -1. */
int dm_spatial_index_locate(dm_geo *geo, const dm_spatial_index *idx, double lon, double lat);

#endif
