/* Casualty statistics, by the Landmine Monitor's definitions.
 *
 * A casualty is a person killed or injured: every victim record counts once,
 * and one whose status is not known counts as a casualty of unknown status.
 * A child is a victim under 18 at the incident date: `age` (whole years at
 * the incident) when known, else `age_group`; neither known is "unknown age",
 * never guessed. Sex, group (civilian, deminer, military) and status are
 * counted as recorded, an empty value as unknown.
 *
 * Incident attributes (date, admin area, settlement, activity, device,
 * demining or not) come from the victim's accident record (its
 * accident_code). A victim counts when it and its accident are approved; with
 * include_drafts, draft and submitted records count too (never rejected
 * ones) and `drafts` says how many of the counted victims are not official.
 * A victim whose accident_code names no accident counts with its incident
 * unknown (`demine casualties check` lists them).
 *
 * `incidents` is the number of distinct accidents behind the victims of a
 * figure; an accident with no victim recorded is not a casualty incident.
 * `settlements` is the number of distinct settlements those incidents are
 * placed at ("incidents around N settlements"; see analysis/incidents.h).
 * Date limits (since, until) are inclusive and apply to the incident date;
 * victims whose incident date is unknown are left out of a date-limited
 * figure and counted in `undated_excluded`.
 *
 * Small cells (min_cell N > 1): figures that count people are suppressed
 * for whoever has no right to personal data, since a group of one or two
 * victims of one month and one municipality is a person: their status,
 * age group, sex and group could be read off it.
 *   - primary: a group counting 1..N-1 casualties is suppressed (every
 *     count of it unknown, `suppressed` true); zero stays zero (a group
 *     with no casualty does not exist);
 *   - secondary: a line is a set of groups whose sum is published, here or
 *     in the answer for fewer dimensions: all groups (their sum is the
 *     total); with two dimensions each row and each column (their sums are
 *     the groups of the one-dimension answers); and where the other
 *     dimension is `month`, the same cut by year (the sums are the groups
 *     `by year`). Subtracting the shown groups from a line's sum gives the
 *     suppressed groups of the line taken together, counts and all: so a
 *     line's suppressed groups must be at least two, hold at least N
 *     casualties together (else they are a small cell again) and not one
 *     casualty each (their number would give each one away). While a line
 *     breaks this, its shown group with the fewest casualties is
 *     suppressed too (ties: the first in order). A line whose groups are
 *     all suppressed already has a sum of at least N casualties, or a sum
 *     that is itself a small cell of the answer it comes from;
 *   - the total is exact (suppressed only when it is itself 1..N-1);
 *   - with list, the codes of suppressed groups (and of a suppressed
 *     total) are not kept: the records behind a suppressed figure are
 *     never listed.
 * Each answer is protected on its own, with its margins; two answers can
 * still be compared (that is why servers give such roles whole years as
 * date limits only).
 */
#ifndef DM_ANALYSIS_CASUALTIES_H
#define DM_ANALYSIS_CASUALTIES_H

#include "analysis/figures.h"
#include "core/buf.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum dm_cas_dim {
    DM_CAS_NONE,
    DM_CAS_YEAR,       /* "2021" */
    DM_CAS_MONTH,      /* "2021-03" */
    DM_CAS_ADMIN,      /* the accident's admin_code */
    DM_CAS_SETTLEMENT, /* the accident's settlement_code */
    DM_CAS_SEX,        /* f | m | unknown */
    DM_CAS_AGE_GROUP,  /* child | adult | unknown */
    DM_CAS_GROUP,      /* civilian | deminer | military | unknown */
    DM_CAS_ACTIVITY,   /* the accident's activity text */
    DM_CAS_DEVICE,     /* the accident's device_category */
    DM_CAS_STATUS,     /* killed | injured | unknown */
    DM_CAS_DEMINING,   /* yes | no | unknown: a demining accident or not */
    DM_CAS_NDIMS
} dm_cas_dim;

typedef struct dm_cas_opts {
    dm_cas_dim by[2];    /* up to two dimensions, crossed; DM_CAS_NONE = unused */
    char since[11];      /* "YYYY-MM-DD" inclusive, "" = no lower limit */
    char until[11];      /* "YYYY-MM-DD" inclusive, "" = no upper limit */
    bool include_drafts; /* count draft and submitted records too (flagged) */
    bool list;           /* keep the codes of the records behind each figure */
    bool no_cache;       /* compute from the records, ignoring a stored summary */
    int min_cell;        /* suppress groups of 1..min_cell-1 casualties (see above);
                            0 or 1 = every figure exact */
} dm_cas_opts;

typedef struct dm_cas_counts {
    int64_t casualties, killed, injured, unknown_status;
    int64_t incidents;
    int64_t children, adults, unknown_age;
    int64_t female, male, unknown_sex;
    int64_t civilian, deminer, military, unknown_group;
    int64_t settlements; /* distinct settlements the incidents are placed at */
    int64_t drafts;      /* counted victims that are not approved (include_drafts) */
} dm_cas_counts;

typedef struct dm_cas_group {
    char key[DM_GROUP_KEY_MAX];     /* "2021", or "2021|f" for two dimensions */
    char keys[2][DM_GROUP_KEY_MAX]; /* each dimension's key */
    char name[256];                 /* admin area or settlement name, else "" */
    dm_cas_counts c;
    dm_code_list victims, incidents; /* with opts.list; empty when suppressed */
    bool suppressed;                 /* min_cell: the counts are not to be shown */
} dm_cas_group;

typedef struct dm_casualties {
    dm_cas_opts opts;
    dm_cas_counts total;
    dm_code_list victims, incidents; /* with opts.list */
    dm_cas_group *groups;            /* in key order, unknown last: years and months in time
                                        order, codes and activities alphabetical, the values of
                                        a list (sex, age group, group, status, device,
                                        demining) in the list's own order */
    size_t ngroups;
    int64_t undated_excluded; /* victims left out: incident date unknown, limits given */
    bool from_cache;          /* figures came from the stored summary */
    bool total_suppressed;    /* min_cell: the total holds 1..min_cell-1 casualties */
    size_t nsuppressed;       /* min_cell: groups suppressed (primary and secondary) */
} dm_casualties;

/* Parses "year", "month", "admin", "settlement", "sex", "age-group", "group",
 * "activity", "device", "status" or "demining", or two of them separated by
 * a comma ("year,sex"), into by[2]. */
dm_status dm_cas_by_parse(const char *s, dm_cas_dim by[2], dm_error *err);

/* Parses a --min-cell value: a whole number from 1 to 1000 (1: nothing
 * suppressed). */
dm_status dm_cas_min_cell_parse(const char *s, int *out, dm_error *err);

/* The command-line name of a dimension ("age-group"). Static. */
const char *dm_cas_dim_name(dm_cas_dim d);

/* Computes the figures (small cells suppressed when o->min_cell > 1).
 * *out is owned by the caller: dm_casualties_free().
 * Bad dates in since/until are DM_EINVAL. Reads the stored summary when the
 * store has one for the current records (and no list is asked), else the
 * records, and then stores the summary for the next time (best effort). */
dm_status dm_casualties_compute(dm_store *store, const dm_cas_opts *o, dm_casualties *out,
                                dm_error *err);
void dm_casualties_free(dm_casualties *c);

/* Builds the stored summaries (official, and with drafts) for the current
 * records now, so that the next query need not: for after an import. Best
 * effort, as dm_store_cache_put. */
dm_status dm_casualties_refresh(dm_store *store, dm_error *err);

/* Suppresses the small cells of computed figures (the rule above) for
 * min_cell N > 1; nothing for 0 or 1. dm_casualties_compute calls it with
 * o->min_cell; exposed for tests. */
dm_status dm_casualties_protect(dm_casualties *c, int min_cell, dm_error *err);

/* JSON with stable keys: statistic, approved_only, since, until, by[],
 * min_cell (0 when exact), suppressed (the total), suppressed_groups,
 * the counts (casualties, killed, injured, unknown_status, incidents,
 * children, adults, unknown_age, female, male, unknown_sex, civilian,
 * deminer, military, unknown_group, settlements, drafts), undated_excluded,
 * and groups[]
 * (key, keys[], name, suppressed and the same counts, null when
 * suppressed); with list, "victim_codes" and
 * "incident_codes": the codes behind each figure. */
dm_status dm_casualties_json(const dm_casualties *c, dm_buf *out);
dm_status dm_casualties_text(const dm_casualties *c, dm_buf *out);

/* The data-quality report of the casualty registry, as findings of a
 * dm_check_report (analysis/check.h), each with its record codes:
 * impossible dates (future, before 1900, not a date), accidents without a
 * position or outside every admin area, values outside a field's list,
 * victims without an incident, ages outside 0-110, incidents without
 * victims, probable duplicates (victims of incidents on the same day within
 * duplicate_within_m metres with the same status, sex, age and group; or of
 * one incident with the same name) and rows imported twice. Negative
 * duplicate_within_m means 200 m. Records of every state but rejected.
 * *out is owned by the caller: dm_check_report_free(). */
typedef struct dm_check_report dm_check_report;
dm_status dm_casualty_check_run(dm_store *store, double duplicate_within_m, dm_check_report *out,
                                dm_error *err);

#endif
