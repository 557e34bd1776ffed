/* Forecasting of released area from a published series, and its backtest.
 *
 * A history is read from CSV in one of two layouts:
 *
 *  - reports: the columns report_date, period_start, period_end, scope,
 *    hectares_cleared (and optionally note, source_url ...), one row per
 *    published figure, as in data/aze/aze_clearance_reports.csv. Such files
 *    contradict themselves; the rules below decide, and every row not used is
 *    kept with its reason (dm_history.rejects):
 *      1. a row without a hectares figure is not used;
 *      2. a row whose note marks a part scope (MINISTRY OF DEFENCE ... ONLY,
 *         ANAMA ONLY, GAZAKH, OPERATOR SPLIT, DISTRICT SPLIT, INTERVAL,
 *         CIVILIANS ONLY, YEAR NOT DETERMINABLE) is not mixed with the
 *         all-operator series;
 *      3. the date of a figure is period_end, else report_date; it is
 *         published on report_date, else on period_end; a row with neither
 *         is not used;
 *      4. cumulative rows: a start after 2020-11-30 is another series (not
 *         used); in date order, a figure lower than one accepted at an
 *         earlier or the same date is rejected;
 *      5. period rows (any other scope) need both a start and an end; a
 *         period shorter than 28 days (weeks) is too short for a monthly rate
 *         and is not used; its reason gives its rate as a share of that of the
 *         period of 28 to 35 days holding it, when there is one (weekly
 *         reports may cover part of the work: docs/ARCHITECTURE.md);
 *         for the same start and end, the figure with a report date wins over
 *         one without, then the more precise figure (more digits), then the
 *         first in the file; the others are rejected;
 *      6. periods of different lengths that overlap (a month inside a quarter,
 *         a year) are all kept: each is one rate observation weighted by its
 *         length;
 *      7. a period from 1 January to 31 December is also that year's total.
 *  - periods: the columns period_start, period_end, hectares. This is a
 *    user's own series and it must be clean: the periods follow each other
 *    without gaps or overlaps (each starts the day after the previous ends),
 *    in order, hectares not negative. The cumulative figure at each end is
 *    the running sum; a calendar year covered by whole periods gives a total.
 *
 * In both layouts an unparseable date or number, a negative figure or one
 * above 1.5e10 ha (the Earth's land area), an end before its start or a row
 * with the wrong number of cells is an error naming the row (the header is
 * row 1) and the column, and nothing is returned.
 *
 * The model (dm_fc_fit): rate observations in ha per month (a month being
 * 30.4375 days) from the period figures (28 days or more) and, in the reports
 * layout, the intervals between consecutive cumulative figures at least 28
 * days apart (in the periods layout those repeat the periods and are not
 * used), all published before the cut and ending before it. Observation i
 * weighs w_i = L_i·2^(-age_i/H): L_i its length in months, age_i the months
 * from its middle to the newest observation's, H the half-life (no half-life:
 * w_i = L_i; a cumulative figure of day D counts as of the end of D, like a
 * period's last day). Two kinds (dm_fc_spec):
 *  - level: the rate is the weighted mean of the observations, from the last
 *    cumulative figure on;
 *  - damped trend: a line rate = a + b·t fitted by weighted least squares;
 *    up to the cut the rate follows the line, after it the slope is damped by
 *    φ per month: rate(cut + τ) = ℓ + b·(1 - φ^τ)/(-ln φ), ℓ the line at the
 *    cut (φ = 1: the line runs on; φ = 0: the rate stays at ℓ).
 * σ², the variance of one month's rate, comes from the weighted residuals
 * (an observation of L months has variance σ²/L), corrected for the effective
 * number of observations; the covariance of a and b follows from it. The
 * cumulative area at a date is the last cumulative figure published before
 * the cut plus the integral of max(0, rate) from that figure's date.
 *
 * The model's record (dm_fc_track): at the first day of every month from 12
 * months after the first cumulative figure, the model is fitted on what was
 * published before that day and forecasts every later cumulative figure (the
 * area from its own last figure) and every period figure starting on or after
 * that day; each forecast gives an error e = ln(actual/forecast) over a length
 * of L months (the months forecast; a figure or forecast of 0 is left out).
 *
 * The interval (dm_fc_simulate): with 4 or more errors of the record made
 * and published before the cut, each Monte Carlo run draws a and b
 * from their sampling distribution (normal, with the covariance above) and
 * multiplies the area forecast by exp(±e), e a past error drawn at random
 * with a random sign and brought to the forecast's length L* by the
 * square-root rule e·sqrt(L/L*). With fewer, there is no record to go by: each
 * month's rate is drawn as the line plus σ·z, months independent. P10/P50/P90
 * are the quantiles over the runs.
 *
 * The choice (dm_fc_choose): every candidate of dm_fc_candidates forecasts the
 * backtest's cases (below) whose target was published before a split date;
 * the one with the smallest mean symmetric relative error of the forecast
 * area, |f - a| / ((f + a)/2), is chosen (the first of equals). The cases
 * after the split are the held-out set: nothing about them is used. */
#ifndef DM_ANALYSIS_FORECAST_H
#define DM_ANALYSIS_FORECAST_H

#include "core/buf.h"
#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days are counted from 1970-01-01. */
typedef struct dm_fc_point { /* a cumulative figure */
    int day, published;
    double ha;
    size_t row;
} dm_fc_point;

typedef struct dm_fc_period { /* a figure for a period (start and end inclusive) */
    int start, end, published;
    double ha;
    size_t row;
} dm_fc_period;

typedef struct dm_fc_reject {
    size_t row;
    char reason[240];
} dm_fc_reject;

typedef struct dm_history {
    bool reports;        /* the reports layout (else periods) */
    dm_fc_point *points; /* accepted cumulative figures, by date */
    size_t npoints;
    dm_fc_period *periods; /* accepted period figures (28 days or more), by start */
    size_t nperiods;
    dm_fc_period *annual; /* calendar-year totals, by year */
    size_t nannual;
    dm_fc_reject *rejects; /* rows not used, with the reason, by row */
    size_t nrejects;
    size_t rows; /* data rows read */
} dm_history;

/* Parses CSV text (len bytes, no NUL needed). *out is owned by the caller:
 * dm_history_free(), also on error (then it is empty). */
dm_status dm_history_parse(const char *text, size_t len, dm_history *out, dm_error *err);

/* Reads and parses a file. */
dm_status dm_history_read(const char *path, dm_history *out, dm_error *err);

void dm_history_free(dm_history *h);

/* Day number of a date, and back. */
int dm_fc_day(int year, int month, int day);
void dm_fc_day_format(int day, char out[11]);

#define DM_FC_MONTH_DAYS 30.4375

enum { DM_FC_LEVEL, DM_FC_TREND };

typedef struct dm_fc_spec { /* a candidate model (see above) */
    int kind;               /* DM_FC_LEVEL or DM_FC_TREND */
    double half_life;       /* months; 0 = no decay */
    double phi;             /* damping per month after the cut, 0 to 1 (trend only) */
} dm_fc_spec;

/* The candidates, in the order that breaks ties: level and damped trend with
 * half-lives none, 24, 12, 6 and 3 months, and φ 0, 0.5, 0.8, 0.9, 1. */
extern const dm_fc_spec dm_fc_candidates[];
extern const size_t dm_fc_ncandidates;

/* "damped trend, half-life 12 months, damping 0 per month" and the like. */
void dm_fc_spec_describe(const dm_fc_spec *s, char *out, size_t size);

/* A fitted model. */
typedef struct dm_fc_model {
    dm_fc_spec spec;
    double a, b;                 /* ha/month at t0, and its change per month */
    double var_a, var_b, cov_ab; /* their sampling (co)variance */
    double sigma;                /* spread of one month's rate (ha/month) */
    double t0;                   /* day number of the weighted mean time */
    int cut;
    int nobs;
    int anchor_day; /* last cumulative figure published before the cut */
    double anchor_ha;
} dm_fc_model;

/* Fits at cut day `cut` on what was published before it. DM_EINVAL when there
 * are fewer than 3 rate observations or no cumulative figure. */
dm_status dm_fc_fit(const dm_history *h, int cut, const dm_fc_spec *spec, dm_fc_model *m,
                    dm_error *err);

/* The rate at the cut (ha/month) and the forecast area between two times (ha,
 * without the anchor), of a fitted model. Times are day numbers, day d running
 * from d to d + 1: a period [s, e] is [s, e + 1), and a cumulative figure of
 * day D stands at D + 1 (the anchor's forecast to day T is
 * dm_fc_area(m, anchor_day + 1, T + 1)). */
double dm_fc_rate_at_cut(const dm_fc_model *m);
double dm_fc_area(const dm_fc_model *m, int from_day, int to_day);

typedef struct dm_fc_err {
    int from;         /* the day the forecast was made */
    int published;    /* when its figure was published */
    double log_ratio; /* ln(actual / forecast) */
    double months;    /* length of the forecast */
} dm_fc_err;

typedef struct dm_fc_track { /* the model's record (see above) */
    dm_fc_err *errs;
    size_t n;
} dm_fc_track;

/* The record of model `spec` from forecasts made before day `until`. *t is
 * owned by the caller: dm_fc_track_free(). */
dm_status dm_fc_track_build(const dm_history *h, const dm_fc_spec *spec, int until, dm_fc_track *t,
                            dm_error *err);
void dm_fc_track_free(dm_fc_track *t);

/* Errors of the record known at the model's cut (forecast and figure before
 * it). */
size_t dm_fc_track_known(const dm_fc_track *t, int cut);

typedef struct dm_fc_quantiles {
    double p10, p50, p90;
} dm_fc_quantiles;

/* Monte Carlo: the cumulative area at day `target` (from the anchor), or,
 * with from_day >= 0, the area released between from_day and target (a year's
 * total). t may be NULL (no record). runs >= 1; seed makes it repeatable.
 * *nerrs (may be NULL) is set to the record's errors used (0: none, the
 * spread of the rates about the fit). */
dm_status dm_fc_simulate(const dm_fc_model *m, const dm_fc_track *t, int from_day, int target,
                         int runs, uint64_t seed, dm_fc_quantiles *q, size_t *nerrs, dm_error *err);

/* The two naive forecasts at the cut: the rate of the last 12 months (between
 * the anchor and the cumulative figure nearest 12 months before it, at least 6
 * months back; else since the start) and the mean monthly rate since
 * 2020-11-10 (or the first period's start, for the periods layout). In
 * ha/month; NaN when there is no anchor. */
void dm_fc_naive_rates(const dm_history *h, const dm_fc_model *m, double *last12, double *mean);

/* The model choice: each candidate's mean symmetric relative error on the
 * backtest cases (horizons as dm_backtest_run) whose target was published
 * before `split` (INT32_MAX: all). */
typedef struct dm_fc_choice {
    dm_fc_spec spec; /* chosen; dm_fc_candidates[0] when no case is scored */
    size_t index;    /* in dm_fc_candidates */
    int ncases;      /* cases scored */
    double *scores;  /* one per candidate (NaN when ncases is 0); owned */
} dm_fc_choice;

dm_status dm_fc_choose(const dm_history *h, int max_horizon, int split, dm_fc_choice *out,
                       dm_error *err);
void dm_fc_choice_free(dm_fc_choice *c);

/* What the forecast assumes, one sentence each (NULL-terminated). */
extern const char *const dm_fc_assumptions[];

typedef struct dm_bt_case {
    int cut, target, horizon; /* horizon in months; 0 = the calendar year's total */
    double actual;
    dm_fc_quantiles q;
    double naive_last12, naive_mean;
    size_t target_row;
    int published; /* when the target figure was published */
    bool tuning;   /* published before the split: one of the cases the model is chosen on */
    double point;  /* the chosen model's forecast without Monte Carlo */
    size_t nerrs;  /* errors of the record behind the interval (0: none) */
} dm_bt_case;

enum { DM_BT_ALL, DM_BT_TUNING, DM_BT_HELD_OUT, DM_BT_LATER_CUTS };

typedef struct dm_bt_summary {
    int horizon; /* months; 0 = calendar year; -1 = all horizons together */
    int n;
    double coverage;                        /* share of cases with P10 <= actual <= P90 */
    double mae_model, mae_last12, mae_mean; /* median absolute errors, ha */
} dm_bt_summary;

typedef struct dm_backtest {
    dm_bt_case *cases;
    size_t ncases;
    dm_bt_summary *summary; /* all cases: one per horizon, then all together */
    size_t nsummary;
    dm_bt_summary *summary_tuning, *summary_held_out; /* the same, nsummary each */
    dm_bt_summary *summary_later; /* held-out cases cut on or after the split, nsummary */
    int *cuts;                    /* the cut dates used (at least one case) */
    size_t ncuts;
    int split;           /* cases whose target was published before it are the tuning set */
    dm_fc_choice choice; /* the model, chosen on the tuning set */
} dm_backtest;

/* Backtest: cut dates on the first day of each quarter from 2022-01-01 (or a
 * year after the first figure) to the last figure; horizons 3, 6 and 12
 * months up to max_horizon (and max_horizon itself), plus each calendar
 * year's total from a cut on 1 January. A horizon's target is the first
 * accepted cumulative figure dated at least h months after the cut and less
 * than h + 3 months after it. split: INT32_MIN = the middle one of the
 * quarterly cut dates (the (n/2+1)-th of n). The model is chosen on the cases
 * published before the split (dm_fc_choose), then every case is forecast with
 * it. *out is owned by the caller: dm_backtest_free(). */
dm_status dm_backtest_run(const dm_history *h, int max_horizon, int runs, uint64_t seed, int split,
                          dm_backtest *out, dm_error *err);

void dm_backtest_free(dm_backtest *b);

/* JSON object of a model choice: the chosen model, what it was chosen on
 * (split INT32_MAX: all the backtest's cases), every candidate's score and
 * the assumptions. */
void dm_fc_json_model(dm_buf *b, const dm_fc_choice *c, int split);

/* JSON of the history's use (series, rejects) and the backtest. */
dm_status dm_backtest_json(const dm_history *h, const dm_backtest *bt, dm_buf *b);

/* JSON of the history's use (series, rejects). */
dm_status dm_history_json(const dm_history *h, dm_buf *b);

#endif
