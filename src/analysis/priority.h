/* Priority: every open hazard ranked by a documented, configurable score.
 *
 * Hazards ranked: approved, lifecycle open or unknown. Factors, each
 * measured in the database (approved records only):
 * - casualties: accidents within casualty_distance_m of the hazard (inside
 *   counts as 0 m); each counts its approved victims (at least 1: an
 *   accident without recorded victims is still one), times
 *   0.5^(age / casualty_half_life_years), the age in years at the as-of
 *   date (a date after it counts as age 0; an undated accident as one
 *   half-life old);
 * - settlements: settlements within settlement_distance_m, each
 *   population / 1000 (a population of 0 or unknown counts as
 *   settlement_unknown_population) times (1 - distance / settlement_distance_m);
 * - infrastructure: infrastructure records within infrastructure_distance_m,
 *   each the weight of its type (infrastructure_types; no type: "other");
 * - evidence: 1 for a CHA, 0 for an SHA;
 * - items: EO items inside the hazard (on its edge counts), their quantity
 *   (1 when unknown);
 * - effort: the hazard's geodesic area in hectares.
 * score = benefit / (1 + w_effort * hectares), benefit = sum over the other
 * factors of weight * value: benefit per cost. Ties go by code.
 *
 * Distances are geodesic metres on WGS84, measured in a local metric frame
 * at the hazard's centre (metres per degree from PROJ's geodesic there),
 * exact to well under 0.1% within 10 km. Every near-by query goes through
 * an STRtree of the records searched.
 */
#ifndef DM_ANALYSIS_PRIORITY_H
#define DM_ANALYSIS_PRIORITY_H

#include "core/buf.h"
#include "core/date.h"
#include "store/store.h"

typedef enum dm_priority_factor {
    DM_PF_CASUALTIES,
    DM_PF_SETTLEMENTS,
    DM_PF_INFRASTRUCTURE,
    DM_PF_EVIDENCE,
    DM_PF_ITEMS,
    DM_PF_EFFORT,
    DM_PF_COUNT
} dm_priority_factor;

/* The factor's name as in the weights file and the JSON ("casualties" ...). */
const char *dm_priority_factor_name(dm_priority_factor f);

#define DM_PRIORITY_INFRA_TYPES 16

typedef struct dm_priority_weights {
    double w[DM_PF_COUNT];
    double casualty_distance_m;
    double casualty_half_life_years; /* > 0 */
    double settlement_distance_m;
    double settlement_unknown_population;
    double infrastructure_distance_m;
    /* per value of the infrastructure kind's type field, in its order */
    double infra_type[DM_PRIORITY_INFRA_TYPES];
} dm_priority_weights;

/* The defaults (documented in docs/ARCHITECTURE.md). */
void dm_priority_weights_default(dm_priority_weights *w);

/* Parses a weights file (a JSON object; len bytes, need not end in NUL):
 * each key given replaces the default. Keys: the factor names, the
 * parameters named as the struct members above, and "infrastructure_types"
 * (an object: type -> weight). An unknown key, a value that is not a
 * number, a negative one (or a half-life of 0) is DM_EINVAL naming the key;
 * *w is then the defaults. */
dm_status dm_priority_weights_parse(const char *text, size_t len, dm_priority_weights *w,
                                    dm_error *err);

/* Appends the weights as a JSON object (the form the parser reads). */
dm_status dm_priority_weights_json(const dm_priority_weights *w, dm_buf *b);

/* One record behind a factor. */
typedef struct dm_priority_ref {
    char code[DM_CODE_MAX];
    double distance_m; /* 0 inside */
    double amount;     /* its part of the factor's value */
} dm_priority_ref;

typedef struct dm_priority_term {
    double value, weight;
    dm_priority_ref *refs; /* NULL unless refs were asked for */
    size_t nrefs;
} dm_priority_term;

typedef struct dm_priority_item {
    char code[DM_CODE_MAX];
    char status[4]; /* SHA | CHA */
    double area_m2;
    double benefit, score;
    dm_priority_term f[DM_PF_COUNT];
} dm_priority_item;

typedef struct dm_priority {
    dm_priority_item *items; /* best first */
    size_t n;
    char as_of[11];
    int64_t accidents, settlements, infrastructure, items_read; /* records read */
} dm_priority;

/* Ranks the open hazards of the store. as_of: "YYYY-MM-DD", NULL = today.
 * with_refs: fill each term's refs. *out is owned by the caller:
 * dm_priority_free(). */
dm_status dm_priority_compute(dm_store *store, const dm_priority_weights *w, const char *as_of,
                              bool with_refs, dm_priority *out, dm_error *err);
void dm_priority_free(dm_priority *p);

/* Appends the ranking as the JSON of `demine priority --json`: as_of, the
 * formula, the weights, the records read, number_matched (hazards ranked),
 * number_returned and the hazards from rank offset + 1, at most limit of
 * them (0: all), each with its factors' value, weight and contribution;
 * with list (p computed with refs) the records behind each factor. */
dm_status dm_priority_json(const dm_priority *p, const dm_priority_weights *w, bool list,
                           size_t offset, size_t limit, dm_buf *b);

#endif
