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
 * In both layouts an unparseable date or number, a negative figure, an end
 * before its start or a row with the wrong number of cells is an error naming
 * the row (the header is row 1) and the column, and nothing is returned.
 *
 * The forecast (dm_fc_fit, dm_fc_simulate): rate observations (ha per month,
 * a month being 30.4375 days) from the period figures, the annual totals and
 * the intervals between consecutive cumulative figures (at least 28 days
 * apart), those published before the cut and whose middle lies in the 24
 * months before it. A straight line rate = a + b·t is fitted by least squares
 * weighted by each observation's length in months; σ, the spread of one
 * month's rate about the line, is estimated from the weighted residuals. Each
 * Monte Carlo run draws a and b from their sampling distribution (normal, with
 * the standard errors of the fit) and each future month's rate as
 * a + b·t + σ·z (not below zero); the cumulative area is the last cumulative
 * figure published before the cut plus the simulated months up to the target
 * date. P10/P50/P90 are the quantiles over the runs. */
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

/* A fitted rate model (see above). */
typedef struct dm_fc_model {
    double a, b;       /* ha/month at t = t0, and its change per month */
    double se_a, se_b; /* standard errors */
    double sigma;      /* spread of one month's rate (ha/month) */
    double t0;         /* day number of the weighted mean time */
    int nobs;
    int anchor_day; /* last cumulative figure published before the cut */
    double anchor_ha;
} dm_fc_model;

/* Fits at cut day `cut` on what was published before it. DM_EINVAL when there
 * are fewer than 3 rate observations or no cumulative figure. */
dm_status dm_fc_fit(const dm_history *h, int cut, dm_fc_model *m, dm_error *err);

typedef struct dm_fc_quantiles {
    double p10, p50, p90;
} dm_fc_quantiles;

/* Monte Carlo: the cumulative area at day `target` (from the anchor), or,
 * with from_day >= 0, the area released between from_day and target (a year's
 * total). runs >= 1; seed makes it repeatable. */
dm_status dm_fc_simulate(const dm_fc_model *m, int from_day, int target, int runs, uint64_t seed,
                         dm_fc_quantiles *q, dm_error *err);

/* The two naive forecasts at the cut: the rate of the last 12 months (between
 * the anchor and the cumulative figure nearest 12 months before it, at least 6
 * months back; else since the start) and the mean monthly rate since
 * 2020-11-10 (or the first period's start, for the periods layout). In
 * ha/month; NaN when there is no anchor. */
void dm_fc_naive_rates(const dm_history *h, const dm_fc_model *m, double *last12, double *mean);

typedef struct dm_bt_case {
    int cut, target, horizon; /* horizon in months; 0 = the calendar year's total */
    double actual;
    dm_fc_quantiles q;
    double naive_last12, naive_mean;
    size_t target_row;
} dm_bt_case;

typedef struct dm_bt_summary {
    int horizon; /* months; 0 = calendar year; -1 = all horizons together */
    int n;
    double coverage;                        /* share of cases with P10 <= actual <= P90 */
    double mae_model, mae_last12, mae_mean; /* median absolute errors, ha */
} dm_bt_summary;

typedef struct dm_backtest {
    dm_bt_case *cases;
    size_t ncases;
    dm_bt_summary *summary; /* one per horizon, then all together */
    size_t nsummary;
    int *cuts; /* the cut dates used (at least one case) */
    size_t ncuts;
} dm_backtest;

/* Backtest: cut dates on the first day of each quarter from 2022-01-01 (or a
 * year after the first figure) to the last figure; horizons 3, 6 and 12
 * months up to max_horizon (and max_horizon itself), plus each calendar
 * year's total from a cut on 1 January. A horizon's target is the first
 * accepted cumulative figure dated at least h months after the cut and less
 * than h + 3 months after it. *out is owned by the caller:
 * dm_backtest_free(). */
dm_status dm_backtest_run(const dm_history *h, int max_horizon, int runs, uint64_t seed,
                          dm_backtest *out, dm_error *err);

void dm_backtest_free(dm_backtest *b);

/* JSON of the history's use (series, rejects) and the backtest. */
dm_status dm_backtest_json(const dm_history *h, const dm_backtest *bt, dm_buf *b);

/* JSON of the history's use (series, rejects). */
dm_status dm_history_json(const dm_history *h, dm_buf *b);

#endif
