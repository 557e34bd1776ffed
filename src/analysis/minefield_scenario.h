/* Synthetic minefields for testing and benchmarking the record fit
 * (minefield_fit.c): a record as the laying unit wrote it, the field as it
 * was really laid, and the mines clearance has found so far.
 *
 * Error model (every number is drawn from the scenario's own PRNG, so a seed
 * gives the same scenario on every machine):
 *
 * The record. 3-8 parallel rows (direction uniform), 8-25 m apart, each of
 * 15-60 mines 2-6 m apart (or sized to about n_mines in total when asked);
 * a third of the rows have one turning point (10-30 degrees); a quarter of
 * the rows give `spacing` instead of `count`. The field's centre lies 30-250
 * m from the reference point. Bearings are whole degrees, magnetic with a
 * declination of 2-15 degrees (either sign) in 60% of records, grid
 * otherwise; distances are whole units, paces of 0.70-0.80 m (pace_m) in
 * half of the records, metres otherwise. 1-3 scattered mines in a third of
 * the records. Row positions in local metres are those of
 * dm_mf_layout_compute.
 *
 * The truth. true = t + scale * Rcw(rotation) * recorded, about the
 * reference point (Rcw: clockwise rotation, as in dm_mf_fit), with
 * - rotation: mode + e, e ~ N(0, 3 deg) (75%) or N(0, 10 deg) (25%), |e| <=
 *   20 deg; the mode is 0, or -declination (20% of magnetic records: the
 *   bearings were grid and the declination should not have been added);
 *   grid records have a 20% chance of magnetic bearings written as grid,
 *   which adds an unknown 2-12 degrees to e (still within +-20);
 * - scale: mode * (1 + N(0, 0.04)); the mode is 1, or pace_m for metre
 *   records whose distances were really paces (15%), or 1 / pace_m for pace
 *   records whose distances were really metres (15%);
 * - translation (wrong reference point): isotropic Gaussian with sigma 15 m
 *   (40%), 80 m (40%) or 250 m (20%);
 * - rows moved: each row with probability 0.05 shifted by 2-10 m in a
 *   random direction;
 * - rows never laid: each recorded row with probability 0.08 (at least two
 *   rows stay laid);
 * - an unrecorded row: with probability 0.25, one more row parallel to the
 *   last one, 0.6-1.6 row gaps beyond it and shifted along it by up to
 *   +-6 m;
 * - jitter: every laid mine moves by N(0, sigma_j) per axis, sigma_j drawn
 *   from 0.15-0.5 m per scenario.
 *
 * Clearance. It proceeds from one edge: a direction u (uniform) and the
 * front u.p = c with found_fraction of the laid mines on the cleared side;
 * all laid mines there are found (at least one when found_fraction > 0).
 * Clutter: 0 to 3 + 0.3 * n_found other items, uniform on the cleared side
 * within the field's bounding box grown by 10 m. found_xy lists the found
 * mines and the clutter in random order.
 *
 * Memory: dm_mf_scenario owns everything it points to;
 * dm_mf_scenario_free(). */
#ifndef DM_ANALYSIS_MINEFIELD_SCENARIO_H
#define DM_ANALYSIS_MINEFIELD_SCENARIO_H

#include "analysis/minefield.h"

#include <stdint.h>

/* Families of scenarios beyond the error model above, each pushing one
 * error past it (the rest as above; the base family's draws are unchanged,
 * the family's own come from a second stream of the seed):
 * - JITTER06, JITTER10, JITTER15: jitter 0.6, 1.0, 1.5 m per axis;
 * - DRIFT: along-row drift, a laying party pacing a row: each laid row is
 *   stretched along itself by N(0, 5%) from its first mine, plus a random
 *   walk of N(0, 0.3 m) per mine along the row;
 * - SCALE: scale 1 +- 8-15% (either sign, uniform), no other mode;
 * - OFFSET: translation 0.5-3 km (uniform distance, any direction);
 * - RECIPROCAL: every bearing reciprocal: the record rotated by 180
 *   degrees (plus the usual rotation error);
 * - DECL_TWICE: magnetic records (declination 2-15 degrees) whose bearings
 *   already had the declination added: rotation -declination, always;
 * - PACES_AS_M: paced distances written as metres: unit m, scale the pace
 *   length (0.70-0.80), given as pace_m in half of the records only;
 * - CLUTTER_ONLY: no mine found, 3-15 clutter items on the cleared side;
 * - CLUSTERS: another laying pattern: 2-4 strips 15-25 m apart of clusters
 *   8-15 m apart, each an AT mine with 3-5 AP mines 1.5-3 m around it, all
 *   recorded as scattered mines (no rows). */
typedef enum dm_mf_family {
    DM_MF_FAM_BASE,
    DM_MF_FAM_JITTER06,
    DM_MF_FAM_JITTER10,
    DM_MF_FAM_JITTER15,
    DM_MF_FAM_DRIFT,
    DM_MF_FAM_SCALE,
    DM_MF_FAM_OFFSET,
    DM_MF_FAM_RECIPROCAL,
    DM_MF_FAM_DECL_TWICE,
    DM_MF_FAM_PACES_AS_M,
    DM_MF_FAM_CLUTTER_ONLY,
    DM_MF_FAM_CLUSTERS,
    DM_MF_FAM_COUNT
} dm_mf_family;

/* "base", "jitter0.6", ... (NULL when out of range) */
const char *dm_mf_family_name(dm_mf_family f);

typedef struct dm_mf_scenario_opts {
    double found_fraction; /* 0..1: share of laid mines on the cleared side */
    int n_mines;           /* about this many recorded mines; 0: 45-480 at random */
    bool noise_free;       /* no jitter, moved, missing or unrecorded rows, clutter */
    dm_mf_family family;   /* DM_MF_FAM_BASE: the error model above */
} dm_mf_scenario_opts;

/* One mine as really laid, in local metres of the record's frame. */
typedef struct dm_mf_true_mine {
    double x, y;
    int row;   /* index into rec.rows; -1 scattered; -2 the unrecorded row */
    int index; /* as in dm_mf_mine */
    bool found;
} dm_mf_true_mine;

typedef struct dm_mf_scenario {
    dm_mf_record rec; /* the record as written */
    dm_mf_true_mine *truth;
    size_t n_truth;
    double *found_xy; /* n_found x,y pairs: found mines and clutter, shuffled */
    int *found_truth; /* per found item: index into truth, -1 for clutter */
    size_t n_found;
    /* the true transform (see above) and the other draws */
    double dx_m, dy_m, rotation_deg, scale;
    double jitter_m;
    double clear_ux, clear_uy, clear_c; /* cleared side: ux*x + uy*y <= c */
    bool *row_laid;                     /* per recorded row */
    double *row_shift;                  /* per recorded row, x,y pairs (m) */
} dm_mf_scenario;

/* Generates a scenario from seed and opts (NULL: found_fraction 0.2).
 * *out owned by the caller (dm_mf_scenario_free). */
dm_status dm_mf_scenario_generate(uint64_t seed, const dm_mf_scenario_opts *opts,
                                  dm_mf_scenario *out, dm_error *err);
void dm_mf_scenario_free(dm_mf_scenario *sc);

/* Applies the scenario's true transform to a record position (local m). */
void dm_mf_scenario_transform(const dm_mf_scenario *sc, double x, double y, double *tx, double *ty);

#endif
