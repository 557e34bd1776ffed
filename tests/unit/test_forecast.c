/* Forecast of a released-area series: the reader's rules and errors, the
 * model on hand-checkable series, the backtest. */
#include "analysis/forecast.h"
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* 36 periods of 30 days, 1000 ha each, from 2021-01-01. */
static char *constant_series(void)
{
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "period_start,period_end,hectares\n");
    int d = dm_fc_day(2021, 1, 1);
    for (int i = 0; i < 36; i++, d += 30) {
        char s[11], e[11];
        dm_fc_day_format(d, s);
        dm_fc_day_format(d + 29, e);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s,%s,1000\n", s, e);
    }
    return text;
}

static const dm_fc_spec level_all = {DM_FC_LEVEL, 0, 0};

TEST(constant_rate_narrow_bands)
{
    const char *t = constant_series();
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) == DM_OK);
    CHECK_EQ_INT(h.npoints, 36);
    CHECK_NEAR(h.points[35].ha, 36000, 1e-12);
    int cut = h.points[35].day + 1;
    double rate = 1000 * DM_FC_MONTH_DAYS / 30; /* ha per month */
    for (size_t k = 0; k < dm_fc_ncandidates; k++) {
        dm_fc_model m;
        CHECK(dm_fc_fit(&h, cut, &dm_fc_candidates[k], &m, &err) == DM_OK);
        CHECK_EQ_INT(m.nobs, 36); /* the periods; their running sums add nothing */
        CHECK_NEAR(dm_fc_rate_at_cut(&m), rate, 1e-6);
        CHECK(fabs(m.b) < 1e-6);
        CHECK(m.sigma < 1e-6);
        /* the record: every past forecast was right */
        dm_fc_track tr;
        CHECK(dm_fc_track_build(&h, &dm_fc_candidates[k], cut, &tr, &err) == DM_OK);
        CHECK(dm_fc_track_known(&tr, cut) >= 4);
        for (size_t i = 0; i < tr.n; i++)
            CHECK(fabs(tr.errs[i].log_ratio) < 1e-9);
        dm_fc_quantiles q;
        size_t used;
        int target = m.anchor_day + 365;
        CHECK(dm_fc_simulate(&m, &tr, -1, target, 2000, 7, &q, &used, &err) == DM_OK);
        CHECK(used >= 4);
        /* the P50 is the extrapolation of the constant rate */
        CHECK_NEAR(q.p50, 36000 + 365 / 30.0 * 1000, 1e-6);
        CHECK(q.p90 - q.p10 < 1.0);
        CHECK(q.p10 <= q.p50 && q.p50 <= q.p90);
        /* without a record: the spread about the fit, nil here */
        CHECK(dm_fc_simulate(&m, NULL, -1, target, 2000, 7, &q, &used, &err) == DM_OK);
        CHECK_EQ_INT(used, 0);
        CHECK_NEAR(q.p50, 36000 + 365 / 30.0 * 1000, 1e-6);
        dm_fc_track_free(&tr);
    }
    dm_history_free(&h);
}

TEST(constant_rate_backtest)
{
    const char *t = constant_series();
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) == DM_OK);
    dm_backtest bt;
    CHECK(dm_backtest_run(&h, 12, 500, 1, INT32_MIN, &bt, &err) == DM_OK);
    CHECK(bt.ncases > 0);
    for (size_t i = 0; i < bt.ncases; i++)
        CHECK(fabs(bt.cases[i].q.p50 - bt.cases[i].actual) < 1.0 ||
              bt.cases[i].horizon == 0); /* the annual totals are 365/30 periods */
    const dm_bt_summary *all = &bt.summary[bt.nsummary - 1];
    CHECK_EQ_INT(all->horizon, -1);
    CHECK(all->mae_model < 1.0 || all->n == 0);
    /* every candidate is exact: the first of equals is chosen */
    CHECK_EQ_INT(bt.choice.index, 0);
    CHECK(bt.choice.ncases > 0);
    /* the split: the middle cut date; every case in one set */
    CHECK_EQ_INT(bt.split, bt.cuts[bt.ncuts / 2]);
    CHECK_EQ_INT(bt.summary_tuning[bt.nsummary - 1].n + bt.summary_held_out[bt.nsummary - 1].n,
                 all->n);
    int later = 0;
    for (size_t i = 0; i < bt.ncases; i++) {
        CHECK(bt.cases[i].tuning == (bt.cases[i].published < bt.split));
        later += bt.cases[i].cut >= bt.split;
    }
    CHECK_EQ_INT(bt.summary_later[bt.nsummary - 1].n, later);
    CHECK(later <= bt.summary_held_out[bt.nsummary - 1].n);
    dm_backtest_free(&bt);
    dm_history_free(&h);
}

/* Four periods of 30 days from 1970-01-01 (day 0) with the given hectares. */
static const char *four_periods(int a, int b, int c, int d)
{
    static char text[512];
    snprintf(text, sizeof text,
             "period_start,period_end,hectares\n1970-01-01,1970-01-30,%d\n1970-01-31,1970-03-01,"
             "%d\n1970-03-02,1970-03-31,%d\n1970-04-01,1970-04-30,%d\n",
             a, b, c, d);
    return text;
}

/* A level model by hand: rates 100, 300, 100, 300 ha per 30 days. */
TEST(level_model_by_hand)
{
    const char *t = four_periods(100, 300, 100, 300);
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) == DM_OK);
    int cut = 120; /* the day after the last period (ends on day 119) */
    dm_fc_model m;
    CHECK(dm_fc_fit(&h, cut, &level_all, &m, &err) == DM_OK);
    CHECK_EQ_INT(m.anchor_day, 119);
    CHECK_NEAR(m.anchor_ha, 800, 1e-12);
    /* equal lengths, no half-life: the mean rate, 200 ha per 30 days */
    CHECK_NEAR(m.a, 200 * DM_FC_MONTH_DAYS / 30, 1e-9);
    CHECK_NEAR(m.anchor_ha + dm_fc_area(&m, m.anchor_day, m.anchor_day + 61), 800 + 200 * 61 / 30.0,
               1e-9);
    /* half-life 1 month: weights 2^(-age), ages 90, 60, 30 and 0 days */
    dm_fc_spec hl1 = {DM_FC_LEVEL, 1, 0};
    CHECK(dm_fc_fit(&h, cut, &hl1, &m, &err) == DM_OK);
    double w[4], y[4] = {100, 300, 100, 300}, sw = 0, sy = 0;
    for (int i = 0; i < 4; i++) {
        w[i] = exp2(-(90 - 30 * i) / DM_FC_MONTH_DAYS);
        sw += w[i];
        sy += w[i] * y[i];
    }
    CHECK_NEAR(dm_fc_area(&m, 119, 179), 60 * sy / sw / 30, 1e-9);
    /* the spread: residuals ±100 ha per 30 days, every observation weighing
     * equally: σ² = 100²·L·n/(n - 1) per month, L = 30/30.4375 months */
    CHECK(dm_fc_fit(&h, cut, &level_all, &m, &err) == DM_OK);
    double L = 30 / DM_FC_MONTH_DAYS, r = 100 / L;
    CHECK_NEAR(m.sigma, sqrt(r * r * L * 4 / 3), 1e-9);
    CHECK_NEAR(m.var_a, m.sigma * m.sigma / (4 * L), 1e-9);
    dm_history_free(&h);
}

/* A damped trend by hand: rates 100, 200, 300, 400 ha per 30 days lie on a
 * line, 100/30·(1 + (τ - 15)/30) ha a day at day τ (a period's middle is
 * (start + end + 1)/2). */
TEST(trend_by_hand)
{
    const char *t = four_periods(100, 200, 300, 400);
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) == DM_OK);
#define LINE(tau) (100 / 30.0 * (1 + ((tau)-15) / 30.0))
    dm_fc_spec undamped = {DM_FC_TREND, 0, 1}, flat = {DM_FC_TREND, 0, 0},
               half = {DM_FC_TREND, 0, 0.5};
    dm_fc_model m;
    CHECK(dm_fc_fit(&h, 120, &undamped, &m, &err) == DM_OK);
    CHECK(m.sigma < 1e-9);
    /* φ = 1: the line runs on; 60 days from day 119 */
    CHECK_NEAR(dm_fc_area(&m, 119, 179), 60 * LINE(149.0), 1e-6);
    /* φ = 0: the line up to the cut (day 120), then its value there */
    CHECK(dm_fc_fit(&h, 120, &flat, &m, &err) == DM_OK);
    CHECK_NEAR(dm_fc_rate_at_cut(&m), LINE(120.0) * DM_FC_MONTH_DAYS, 1e-6);
    CHECK_NEAR(dm_fc_area(&m, 119, 179), LINE(119.5) + 59 * LINE(120.0), 1e-6);
    /* φ = 0.5: the slope adds b·(1 - 0.5^τ)/ln 2 after τ months */
    CHECK(dm_fc_fit(&h, 120, &half, &m, &err) == DM_OK);
    double b = 100 / 30.0 / 30 * DM_FC_MONTH_DAYS * DM_FC_MONTH_DAYS; /* ha/month per month */
    CHECK_NEAR(m.b, b, 1e-6);
    double tau = 59 / DM_FC_MONTH_DAYS, l = LINE(120.0) * DM_FC_MONTH_DAYS;
    double want =
        LINE(119.5) + (l + b / log(2)) * tau - b / (log(2) * log(2)) * (1 - pow(0.5, tau));
    CHECK_NEAR(dm_fc_area(&m, 119, 179), want, 1e-6);
#undef LINE
    dm_history_free(&h);
}

/* A rate growing by the same step each month: an undamped trend forecasts it
 * exactly and is chosen (the first of the exact candidates). */
TEST(choice_on_a_growing_rate)
{
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "period_start,period_end,hectares\n");
    int d = dm_fc_day(2021, 1, 1);
    for (int i = 0; i < 48; i++, d += 30) {
        char s[11], e[11];
        dm_fc_day_format(d, s);
        dm_fc_day_format(d + 29, e);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s,%s,%d\n", s, e, 100 + 10 * i);
    }
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(text, n, &h, &err) == DM_OK);
    dm_backtest bt;
    CHECK(dm_backtest_run(&h, 12, 200, 1, INT32_MIN, &bt, &err) == DM_OK);
    const dm_fc_spec *c = &bt.choice.spec;
    CHECK(c->kind == DM_FC_TREND && c->phi == 1 && c->half_life == 0);
    CHECK(bt.choice.scores[bt.choice.index] < 1e-9);
    CHECK(bt.choice.scores[0] > 0.01); /* a level lags */
    for (size_t i = 0; i < bt.ncases; i++)
        if (bt.cases[i].horizon)
            CHECK(fabs(bt.cases[i].point - bt.cases[i].actual) < 1e-6 * bt.cases[i].actual);
    /* the choice only sees the cases published before the split */
    dm_backtest early;
    CHECK(dm_backtest_run(&h, 12, 200, 1, bt.cuts[0], &early, &err) == DM_OK);
    CHECK_EQ_INT(early.choice.ncases, 0); /* nothing published before the first cut */
    CHECK_EQ_INT(early.choice.index, 0);
    CHECK_EQ_INT(early.summary_tuning[early.nsummary - 1].n, 0);
    dm_backtest_free(&early);
    dm_backtest_free(&bt);
    dm_history_free(&h);
}

/* The naive last-12-months rate: from the figure nearest a year back. */
TEST(naive_last12_a_year_back)
{
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "period_start,period_end,hectares\n");
    for (int i = 0; i < 22; i++) { /* months of 2021 and 2022 to October, i + 1 ha */
        int y = 2021 + i / 12, mo = i % 12 + 1;
        char s[11], e[11];
        dm_fc_day_format(dm_fc_day(y, mo, 1), s);
        dm_fc_day_format(dm_fc_day(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - 1, e);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s,%s,%d\n", s, e, i + 1);
    }
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(text, n, &h, &err) == DM_OK);
    dm_fc_model m;
    CHECK(dm_fc_fit(&h, dm_fc_day(2022, 11, 1), &level_all, &m, &err) == DM_OK);
    CHECK_EQ_INT(m.anchor_day, dm_fc_day(2022, 10, 31));
    double l12, mean;
    dm_fc_naive_rates(&h, &m, &l12, &mean);
    /* November 2021 to October 2022: months 11 to 22 */
    double months = (dm_fc_day(2022, 10, 31) - dm_fc_day(2021, 10, 31)) / DM_FC_MONTH_DAYS;
    CHECK_NEAR(l12, (11 + 22) * 12 / 2.0 / months, 1e-9);
    dm_history_free(&h);
}

static void expect_error(const char *text, const char *needle1, const char *needle2)
{
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_history_parse(text, strlen(text), &h, &err);
    CHECK(st != DM_OK);
    CHECK(h.npoints == 0 && h.rejects == NULL);
    if (!strstr(err.msg, needle1) || !strstr(err.msg, needle2)) {
        fprintf(stderr, "  message: %s\n", err.msg);
        CHECK(!"the message names the row and column");
    }
}

TEST(bad_rows_named)
{
    const char *hdr = "period_start,period_end,hectares\n";
    char t[512];
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,10\n2021-02-02,2021-02-28,10\n", hdr);
    expect_error(t, "row 3", "period_start"); /* a gap */
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,10\n2021-01-01,2021-01-31,10\n", hdr);
    expect_error(t, "row 3", "duplicated"); /* the same period again */
    snprintf(t, sizeof t, "%s2021-02-01,2021-02-28,10\n2021-01-01,2021-01-31,10\n", hdr);
    expect_error(t, "row 3", "unordered");
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,-5\n", hdr);
    expect_error(t, "row 2, column hectares", "negative");
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,10\n2021-02-01,2021-02-28,2e10\n", hdr);
    expect_error(t, "row 3, column hectares", "land area of the Earth");
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,1 000\n", hdr);
    expect_error(t, "row 2, column hectares", "not a number");
    snprintf(t, sizeof t, "%s2021-01-01,2021-13-31,10\n", hdr);
    expect_error(t, "row 2, column period_end", "");
    snprintf(t, sizeof t, "%s2021-01-01,2021-01-31,10\n2021-02-01,2021-02-28\n", hdr);
    expect_error(t, "row 3", "cells");
    snprintf(t, sizeof t, "%s", hdr);
    expect_error(t, "no rows", "");
    expect_error("a,b\n1,2\n", "row 1", "period_start");
    expect_error("report_date,period_start,period_end,scope,hectares_cleared\n"
                 ",2021-01-01,2021-01-31,monthly,12,5\n",
                 "row 2", "cells");
    expect_error("report_date,period_start,period_end,scope,hectares_cleared\n"
                 "2021-02-30,2021-01-01,2021-01-31,monthly,12\n",
                 "row 2, column report_date", "");
}

TEST(reports_rules)
{
    const char *t = "report_date,period_start,period_end,scope,hectares_cleared,note\n"
                    "2021-03-01,2020-11-10,2021-02-28,cumulative,100,\n" /* 2 kept */
                    "2021-05-02,2020-11-10,2021-04-30,cumulative,90,\n"  /* 3 lower */
                    "2021-06-01,2020-11-10,2021-05-31,cumulative,300,\n" /* 4 kept */
                    ",2021-01-01,2021-01-31,monthly,50,\n"               /* 5 undated */
                    "2021-02-02,2021-01-01,2021-01-31,monthly,51,\n"     /* 6 wins */
                    "2021-02-02,2021-01-04,2021-01-10,weekly,9,\n"       /* 7 short */
                    "2021-02-02,2021-02-01,2021-02-28,monthly,,\n"       /* 8 no ha */
                    "2021-03-02,2021-02-01,2021-02-28,monthly,60,MINISTRY OF DEFENCE ONLY\n"
                    ",,,cumulative,500,\n"                            /* 10 no date */
                    "2022-01-05,2021-01-01,2021-12-31,annual,900,\n"; /* 11 a year */
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) == DM_OK);
    CHECK(h.reports);
    CHECK_EQ_INT(h.rows, 10);
    CHECK_EQ_INT(h.npoints, 2);
    CHECK_NEAR(h.points[1].ha, 300, 1e-12);
    CHECK_EQ_INT(h.nannual, 1);
    CHECK_NEAR(h.annual[0].ha, 900, 1e-12);
    CHECK_EQ_INT(h.nperiods, 2); /* January (row 6) and the year */
    CHECK_EQ_INT(h.nrejects, 6);
    size_t want[] = {3, 5, 7, 8, 9, 10};
    /* the week: (9/7)/(51/31) = 78% of January's rate (row 6) */
    const char *why[] = {
        "lower than",  "same period",         "78% of that of the month holding it (row 6)",
        "no hectares", "MINISTRY OF DEFENCE", "no date"};
    for (size_t i = 0; i < 6 && i < h.nrejects; i++) {
        CHECK_EQ_INT(h.rejects[i].row, want[i]);
        CHECK(strstr(h.rejects[i].reason, why[i]) != NULL);
    }
    dm_history_free(&h);
}

TEST(csv_quotes)
{
    const char *t = "period_start,period_end,hectares\r\n\"2021-01-01\",2021-01-31,\"1,5\"\r\n";
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_history_parse(t, strlen(t), &h, &err) != DM_OK);
    CHECK(strstr(err.msg, "row 2, column hectares") != NULL);
    const char *ok = "period_start,period_end,hectares\r\n\"2021-01-01\",2021-01-31,\"1.5\"\r\n";
    CHECK(dm_history_parse(ok, strlen(ok), &h, &err) == DM_OK);
    CHECK_NEAR(h.points[0].ha, 1.5, 1e-12);
    dm_history_free(&h);
    const char *open = "period_start,period_end,hectares\n\"2021-01-01,2021-01-31,1\n";
    CHECK(dm_history_parse(open, strlen(open), &h, &err) != DM_OK);
}

RUN(T(constant_rate_narrow_bands), T(constant_rate_backtest), T(level_model_by_hand),
    T(trend_by_hand), T(choice_on_a_growing_rate), T(naive_last12_a_year_back), T(bad_rows_named),
    T(reports_rules), T(csv_quotes))
