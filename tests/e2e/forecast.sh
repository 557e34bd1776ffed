#!/usr/bin/env bash
# demine forecast --history: the backtest on the Azerbaijan clearance figures
# (data/aze), a forecast ahead, and bad histories (an error naming the row and
# column, exit 1).
. "$(dirname "$0")/lib.sh"
DEMINE=$1
AZE="$ROOT/data/aze/aze_clearance_reports.csv"

expect_exit "backtest on the AZE reports" 0 "$DEMINE" forecast --history "$AZE" --backtest --json --runs 2000
cp "$T/out" "$T/bt.json"
check "three methods reported" [ "$(json "$T/bt.json" "','.join(d['methods'])")" = "model,naive_last12,naive_mean" ]
check "coverage in [0,1] and errors >= 0 for every horizon" \
    [ "$(json "$T/bt.json" "all(0 <= s['coverage_p10_p90'] <= 1 and all(v >= 0 for v in s['median_abs_error_ha'].values()) for s in d['summary'] if s['n'] > 0)")" = True ]
check "horizons 3, 6, 12 months, calendar year and all" \
    [ "$(json "$T/bt.json" "'|'.join(s['horizon'] for s in d['summary'])")" = "3 months|6 months|12 months|calendar year|all" ]
check "cut dates listed" [ "$(json "$T/bt.json" "len(d['cut_dates']) >= 4")" = True ]
check "rejected rows listed with reasons" \
    [ "$(json "$T/bt.json" "len(d['history']['rejected']) > 0 and all(r['row'] >= 2 and r['reason'] for r in d['history']['rejected'])")" = True ]
check "the Aug 2024 conflict: one figure used, the other rejected" \
    [ "$(json "$T/bt.json" "[r['reason'][:30] for r in d['history']['rejected'] if r['row'] == 120]")" = "['another figure for the same pe']" ]
check "every row is used or rejected" \
    [ "$(json "$T/bt.json" "len(d['history']['rejected']) + len(d['history']['series']) + d['history']['periods_used'] == d['history']['rows']")" = True ]
check "P10 <= P50 <= P90 in every case" \
    [ "$(json "$T/bt.json" "all(c['p10'] <= c['p50'] <= c['p90'] for c in d['cases'])")" = True ]
expect_exit "backtest as text" 0 "$DEMINE" forecast --history "$AZE" --backtest --runs 500
check "text names the naive forecasts" grep -q "last 12 mo" "$T/out"
check "text lists rows not used" grep -q "^Rows not used" "$T/out"

expect_exit "forecast ahead" 0 "$DEMINE" forecast --history "$AZE" --json --runs 2000
check "ahead: ordered quantiles" \
    [ "$(json "$T/out" "len(d['forecast']) == 3 and all(f['p10'] <= f['p50'] <= f['p90'] for f in d['forecast'])")" = True ]

# bad histories: an error naming row and column, nothing printed on stdout
printf 'period_start,period_end,hectares\n2021-01-01,2021-01-31,10\n2021-02-05,2021-02-28,10\n' >"$T/gap.csv"
expect_exit "a gap" 1 "$DEMINE" forecast --history "$T/gap.csv" --backtest
check "the gap is named" err_has "row 3, column period_start"
check "nothing on stdout" [ ! -s "$T/out" ]
printf 'period_start,period_end,hectares\n2021-01-01,2021-01-31,-3\n' >"$T/neg.csv"
expect_exit "negative hectares" 1 "$DEMINE" forecast --history "$T/neg.csv"
check "negative named" err_has "row 2, column hectares: negative"
printf 'period_start,period_end,hectares\n2021-01-01,31/01/2021,3\n' >"$T/date.csv"
expect_exit "a bad date" 1 "$DEMINE" forecast --history "$T/date.csv"
check "bad date named" err_has "row 2, column period_end"
expect_exit "no such file" 1 "$DEMINE" forecast --history "$T/none.csv"
expect_exit "no --history" 2 "$DEMINE" forecast --backtest
expect_exit "bad horizon" 2 "$DEMINE" forecast --history "$AZE" --horizon 0

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
