/* fuzz_history: dm_history_parse (src/analysis/forecast.h) on arbitrary bytes,
 * then the fit, the simulation and the backtest on what it read.
 *
 * Checks: parsing never crashes or reads past the input (it is given without a
 * NUL after it); a failure has a message and leaves an empty history; a
 * success has at least one row, every row used or rejected at most once
 * (points + periods + rejects <= rows for reports; points == periods == rows
 * for the periods layout), cumulative figures in date order and not
 * decreasing, finite non-negative hectares, periods with end >= start, reject
 * rows >= 2 with a reason; a backtest that succeeds has P10 <= P50 <= P90 and
 * coverages in [0,1]; the JSON is produced without error.
 */
#include "analysis/forecast.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_history: %s\n", why);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    dm_history h;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_history_parse(t, size, &h, &err);
    if (st) {
        if (!err.msg[0] || err.code != st)
            fail("failure without a message");
        if (h.points || h.periods || h.rejects || h.annual || h.rows)
            fail("a failure left a history behind");
        free(t);
        return 0;
    }
    if (h.rows == 0)
        fail("success without rows");
    if (h.reports ? h.npoints + h.nperiods + h.nrejects > h.rows
                  : h.npoints != h.rows || h.nperiods != h.rows || h.nrejects)
        fail("rows counted wrongly");
    for (size_t i = 0; i < h.npoints; i++) {
        if (!isfinite(h.points[i].ha) || h.points[i].ha < 0)
            fail("a bad cumulative figure");
        if (i && (h.points[i].day < h.points[i - 1].day || h.points[i].ha < h.points[i - 1].ha))
            fail("cumulative figures out of order or decreasing");
    }
    for (size_t i = 0; i < h.nperiods; i++)
        if (h.periods[i].end < h.periods[i].start || !(h.periods[i].ha >= 0))
            fail("a bad period");
    for (size_t i = 0; i < h.nrejects; i++)
        if (h.rejects[i].row < 2 || !h.rejects[i].reason[0])
            fail("a reject without row or reason");
    dm_backtest bt;
    if (h.npoints >= 2 && h.points[h.npoints - 1].day - h.points[0].day < 20 * 366 &&
        dm_backtest_run(&h, 12, 20, 1, INT32_MIN, &bt, &err) == DM_OK) {
        for (size_t i = 0; i < bt.ncases; i++)
            if (!(bt.cases[i].q.p10 <= bt.cases[i].q.p50 && bt.cases[i].q.p50 <= bt.cases[i].q.p90))
                fail("quantiles out of order");
        for (size_t i = 0; i < bt.nsummary; i++)
            if (bt.summary[i].n && !(bt.summary[i].coverage >= 0 && bt.summary[i].coverage <= 1))
                fail("coverage outside [0,1]");
        dm_buf b;
        dm_buf_init(&b, 0);
        if (dm_backtest_json(&h, &bt, &b))
            fail("JSON failed");
        dm_buf_free(&b);
        dm_backtest_free(&bt);
    }
    dm_history_free(&h);
    free(t);
    return 0;
}
