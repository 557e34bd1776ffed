/* Forecast of a released-area series: the reader's rules and errors, the
 * model on hand-checkable series, the backtest. */
#include "analysis/forecast.h"
#include "harness.h"

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
    dm_fc_model m;
    CHECK(dm_fc_fit(&h, cut, &m, &err) == DM_OK);
    double rate = 1000 * DM_FC_MONTH_DAYS / 30; /* ha per month */
    CHECK_NEAR(m.a, rate, 1e-9);
    CHECK(fabs(m.b) < 1e-6);
    CHECK(m.sigma < 1e-6);
    dm_fc_quantiles q;
    int target = m.anchor_day + 365;
    CHECK(dm_fc_simulate(&m, -1, target, 2000, 7, &q, &err) == DM_OK);
    CHECK_NEAR(q.p50, 36000 + 365 / 30.0 * 1000, 1e-6);
    CHECK(q.p90 - q.p10 < 1.0);
    CHECK(q.p10 <= q.p50 && q.p50 <= q.p90);
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
    CHECK(dm_backtest_run(&h, 12, 500, 1, &bt, &err) == DM_OK);
    CHECK(bt.ncases > 0);
    for (size_t i = 0; i < bt.ncases; i++)
        CHECK(fabs(bt.cases[i].q.p50 - bt.cases[i].actual) < 1.0 ||
              bt.cases[i].horizon == 0); /* the annual totals are 365/30 periods */
    const dm_bt_summary *all = &bt.summary[bt.nsummary - 1];
    CHECK_EQ_INT(all->horizon, -1);
    CHECK(all->mae_model < 1.0 || all->n == 0);
    dm_backtest_free(&bt);
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
    const char *why[] = {"lower than",  "same period",         "too short",
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

RUN(T(constant_rate_narrow_bands), T(constant_rate_backtest), T(bad_rows_named), T(reports_rules),
    T(csv_quotes))
