/* Forecast of a database's remaining hazard area for a team configuration:
 * completion dates and costs as P10/P50/P90 (`demine forecast DATABASE`).
 *
 * The model, for a remaining area A (area(H − R), landrelease.h):
 *  - A ends up cancelled, reduced or cleared in the shares c, r, l (the
 *    release mix). Cancellation is non-technical survey: it takes no time of
 *    the asset teams (survey teams are not part of the configuration).
 *    Reduction is technical survey and clearance is clearance, both done by
 *    the asset teams.
 *  - Asset a (manual, mechanical, mdd) releases P[a][op] m² per team-day in
 *    operation op (technical survey, clearance). The teams of all assets work
 *    side by side: the capacity of an operation is C[op] = Σa n[a]·P[a][op]
 *    m²/day, and the duration is A·(r / C[ts] + l / C[clearance]) days.
 *  - Cost = A·l·k, k in USD per m² cleared (only clearance is costed: the
 *    published figures are per m² cleared).
 * Each Monte Carlo run draws the mix, every P and k:
 *  - P learned from the database (at least DM_FA_MIN_ACTIVITIES completed
 *    activities of that asset and operation, each with its polygon's area a
 *    and its days d = end − start + 1): a bootstrap resample of those
 *    activities, P = Σ w / Σ w·(d/a) with w = min(a, the median a of the
 *    group), i.e. the days per m² averaged with each activity weighing by
 *    its area up to the median area (the future is area-weighted; the cap
 *    keeps a few very large activities from deciding alone, and small ones,
 *    whose whole days round coarsely, weigh less); else the published
 *    default, uniform between its low and high figure; technical survey
 *    without enough activities of its own takes the asset's clearance draw;
 *  - the mix learned from the database (at least DM_FA_MIN_HAZARDS hazards
 *    with releases that name them): a bootstrap resample of those hazards,
 *    the shares of their released m² by method, each hazard weighing by its
 *    released m² up to the median; else the default shares of the Landmine
 *    Monitor 2023 (fixed);
 *  - k uniform between the published low and high cost per m².
 * As the draws are common to all areas, a group's quantiles are its area
 * times the quantiles per m². Days are calendar days from the start date.
 */
#ifndef DM_ANALYSIS_FORECAST_AREA_H
#define DM_ANALYSIS_FORECAST_AREA_H

#include "analysis/landrelease.h"
#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { DM_FA_MANUAL, DM_FA_MECHANICAL, DM_FA_MDD, DM_FA_NASSETS };
enum { DM_FA_TS, DM_FA_CLEARANCE, DM_FA_NOPS };
enum { DM_FA_CANCELLED, DM_FA_REDUCED, DM_FA_CLEARED };

#define DM_FA_MIN_ACTIVITIES 10
#define DM_FA_MIN_HAZARDS 10
/* A manual team for the published per-deminer rate: an assumption, no source. */
#define DM_FA_MANUAL_TEAM_DEMINERS 10

extern const char *const dm_fa_asset_names[DM_FA_NASSETS]; /* manual, mechanical, mdd */
extern const char *const dm_fa_op_names[DM_FA_NOPS];       /* technical survey, clearance */

typedef struct dm_fa_teams {
    int n[DM_FA_NASSETS];
} dm_fa_teams;

/* The teams when none are given. */
#define DM_FA_TEAMS_DEFAULT "manual=12,mechanical=3,mdd=4"

/* Parses "manual=12,mechanical=3,mdd=4" (dog and dogs for mdd; an asset not
 * named has no teams). DM_EINVAL naming the item for an unknown asset, a
 * count that is negative or not a whole number, an item named twice, and
 * for zero teams in all. */
dm_status dm_fa_teams_parse(const char *s, dm_fa_teams *t, dm_error *err);

/* One published figure of data/aze/productivity_and_cost.csv. */
typedef struct dm_fa_figure {
    bool found;
    double low, high;
    char quantity[160], unit[80], url[300];
} dm_fa_figure;

typedef struct dm_fa_defaults {
    bool read;                        /* the file was read */
    char path[512];                   /* the file */
    char why[300];                    /* why it was not read */
    dm_fa_figure prod[DM_FA_NASSETS]; /* clearance per team-day (manual: per deminer) */
    dm_fa_figure cost;                /* USD per m² cleared */
    dm_fa_figure mix;                 /* the Landmine Monitor 2023 shares (row of the
                                         cancellation share) */
} dm_fa_defaults;

/* Parses the CSV text (quantity,value_low,value_high,unit,context,
 * source_url,note). DM_EINVAL when the header is not that. */
dm_status dm_fa_defaults_parse(const char *text, size_t len, dm_fa_defaults *d, dm_error *err);

/* Reads the file; a file that cannot be read is not an error: d->read is
 * false and d->why says why. */
void dm_fa_defaults_read(const char *path, dm_fa_defaults *d);

/* The same, the file called `name` (NULL: its path) in d->path and in every
 * message, so that a server need not tell its paths. path NULL: no file. */
void dm_fa_defaults_read_as(const char *path, const char *name, dm_fa_defaults *d);

/* The Landmine Monitor 2023 shares of land released in 2022 by States
 * Parties (cancelled 156.92, reduced 121.11, cleared 219.31 of 497.34 km²). */
extern const double dm_fa_default_mix[3];
/* Where they are published, cited when the figures file does not name it. */
#define DM_FA_DEFAULT_MIX_URL                                                                      \
    "https://www.the-monitor.org/en-gb/reports/2023/landmine-monitor-2023/the-impact.aspx"

typedef struct dm_fa_activity { /* one completed activity */
    int asset, op;
    double area_m2, days;
} dm_fa_activity;

typedef struct dm_fa_hazard_mix { /* m² released from one hazard, by method */
    double m2[3];
} dm_fa_hazard_mix;

typedef struct dm_fa_history {
    dm_fa_activity *acts;
    size_t nacts;
    dm_fa_hazard_mix *hazards;
    size_t nhazards;
    size_t skipped; /* completed activities not usable (no asset or a mixed one, no
                       polygon, no dates, another type) */
} dm_fa_history;

/* Reads the completed activities and the releases that name their hazard
 * (approved only unless include_drafts). Owned by the caller:
 * dm_fa_history_free(). */
dm_status dm_fa_history_read(dm_store *store, bool include_drafts, dm_fa_history *h, dm_error *err);
void dm_fa_history_free(dm_fa_history *h);

enum { DM_FA_SRC_NONE, DM_FA_SRC_DATABASE, DM_FA_SRC_DEFAULT, DM_FA_SRC_AS_CLEARANCE };

typedef struct dm_fa_prod {
    int source;
    int n;            /* activities learned from */
    double mean;      /* the estimate from all of them (m²/team-day; see above) */
    double p10, p90;  /* of the single activities' rates */
    double low, high; /* the default's range, per team-day */
} dm_fa_prod;

typedef struct dm_fa_model {
    dm_fa_teams teams;
    dm_fa_prod prod[DM_FA_NASSETS][DM_FA_NOPS];
    int mix_source; /* DM_FA_SRC_DATABASE or DM_FA_SRC_DEFAULT */
    int mix_hazards;
    double mix[3]; /* the shares learned (or the default) */
    bool cost_known;
    char cost_why[300];
    int runs;
    double *days_per_m2;       /* per run, sorted */
    double *cost_per_m2;       /* per run, sorted; NULL unless cost_known */
    double mix_q[3][3];        /* P10, P50, P90 of each share over the runs */
    char assumptions[12][480]; /* what the forecast assumes, one sentence each */
    int nassumptions;
} dm_fa_model;

/* Builds the model and runs it (runs >= 1, seed for repeatability). DM_EINVAL
 * when the teams are zero in all or an asset with teams has neither enough
 * activities nor a default (naming it). *m is owned by the caller:
 * dm_fa_model_free(). */
dm_status dm_fa_model_run(const dm_fa_history *h, const dm_fa_defaults *d, const dm_fa_teams *teams,
                          int runs, uint64_t seed, dm_fa_model *m, dm_error *err);
void dm_fa_model_free(dm_fa_model *m);

typedef struct dm_fa_q {
    double p10, p50, p90;
} dm_fa_q;

/* Days (calendar) and cost (USD; NaN unless cost_known) for area_m2. */
void dm_fa_days(const dm_fa_model *m, double area_m2, dm_fa_q *q);
void dm_fa_cost(const dm_fa_model *m, double area_m2, dm_fa_q *q);

/* The three quantiles as JSON, `,"key":{"p10":..,"p50":..,"p90":..}`. */
dm_status dm_fa_q_json(dm_buf *b, const char *key, const dm_fa_q *q);

/* What a forecast of an area starting on day `from` (dm_fc_day) says:
 * days and cost (NaN unless known) and the completion dates, "YYYY-MM-DD",
 * from + ceil(days) for P10, P50 and P90. */
typedef struct dm_fa_outlook {
    double area_m2;
    dm_fa_q days, cost;
    char done[3][11];
} dm_fa_outlook;
void dm_fa_outlook_of(const dm_fa_model *m, int from, double area_m2, dm_fa_outlook *o);

/* `,"completion_date":{...},"cost_usd":{...}|null` of an outlook, and
 * `,"assumptions":[...]` of a model: the members every forecast's JSON has. */
dm_status dm_fa_done_json(dm_buf *b, const dm_fa_outlook *o);
dm_status dm_fa_assumptions_json(dm_buf *b, const dm_fa_model *m);

/* ---- a forecast of a database (forecast_db.c) ----
 * The steps every forecast of a store takes, for `demine forecast`,
 * `demine settlement plan` and the server's /plan/ answers alike. */

typedef struct dm_fa_request {
    dm_fa_teams teams;        /* from dm_fa_teams_parse */
    int runs;                 /* >= 1 */
    uint64_t seed;            /* the same seed gives the same figures */
    int from;                 /* the start day (dm_fc_day) */
    bool by_admin;            /* dm_fa_forecast_compute: per admin area too */
    bool include_drafts;      /* records not approved yet count too */
    const char *figures;      /* the published figures file (dm_fa_defaults_read) */
    const char *figures_name; /* what to call it (NULL: its path) */
} dm_fa_request;

/* What every forecast of a store stands on: the published figures
 * (rq->figures, called rq->figures_name), the store's history
 * (rq->include_drafts) and the model run on them (rq->teams, runs, seed). */
typedef struct dm_fa_basis {
    dm_fa_defaults defaults;
    dm_fa_history history;
    dm_fa_model model;
} dm_fa_basis;

/* Reads and runs it. Uses the store only until it returns. *b is owned by
 * the caller: dm_fa_basis_free() (nothing to free on failure). */
dm_status dm_fa_basis_compute(dm_store *store, const dm_fa_request *rq, dm_fa_basis *b,
                              dm_error *err);
void dm_fa_basis_free(dm_fa_basis *b);

/* The forecast of a database's remaining area (`demine forecast DATABASE`). */
typedef struct dm_fa_forecast {
    dm_fa_request rq; /* as given; rq.figures is not copied */
    dm_fa_basis basis;
    dm_landrelease lr;   /* the remaining area, by admin area when rq.by_admin */
    dm_fa_outlook total; /* of lr.total.remaining_area_m2 */
    double outside_m2;   /* by_admin: remaining area outside every admin polygon */
} dm_fa_forecast;

/* Computes it. Safe to call from several threads, each with its own store
 * connection. *f is owned by the caller: dm_fa_forecast_free() (nothing to
 * free on failure). */
dm_status dm_fa_forecast_compute(dm_store *store, const dm_fa_request *rq, dm_fa_forecast *f,
                                 dm_error *err);
void dm_fa_forecast_free(dm_fa_forecast *f);

/* Appends the JSON of `demine forecast DATABASE --json` (docs/ARCHITECTURE.md,
 * Forecast). database: the "database" member, or NULL to leave it out (a
 * server need not tell its paths; the figures file is called by
 * rq.figures_name). */
dm_status dm_fa_forecast_json(const dm_fa_forecast *f, const char *database, dm_buf *b);

#endif
