#!/usr/bin/env bash
# demine forecast --history: the backtest on the Azerbaijan clearance figures
# (data/aze), a forecast ahead, and bad histories (an error naming the row and
# column, exit 1). demine forecast DATABASE: the remaining area of the demo
# database for a team configuration (dates and costs P10/P50/P90, by admin
# area), its citations and assumptions, and bad --teams (exit 2).
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
# the model: chosen on the tuning set (targets published before the split), reported apart
check "the split is the middle cut date" \
    [ "$(json "$T/bt.json" "d['split_date'] == d['cut_dates'][len(d['cut_dates']) // 2] == '2024-01-01'")" = True ]
check "the chosen model is named, chosen on the tuning cases" \
    [ "$(json "$T/bt.json" "d['model']['chosen']['kind'] in ('level', 'damped trend') and d['model']['chosen']['description'] != '' and d['model']['chosen_on']['published_before'] == d['split_date'] and d['model']['chosen_on']['cases'] == d['summary_tuning'][-1]['n'] > 0")" = True ]
check "the chosen model has the lowest tuning score of the 30 candidates" \
    [ "$(json "$T/bt.json" "len(d['model']['candidates']) == 30 and d['model']['chosen_on']['score'] == min(c['score'] for c in d['model']['candidates'])")" = True ]
check "every case in one set, by its publication date" \
    [ "$(json "$T/bt.json" "all((c['set'] == 'tuning') == (c['published'] < d['split_date']) for c in d['cases'])")" = True ]
check "tuning and held-out sets add up to all, horizon by horizon" \
    [ "$(json "$T/bt.json" "all(a['horizon'] == t['horizon'] == o['horizon'] and a['n'] == t['n'] + o['n'] for a, t, o in zip(d['summary'], d['summary_tuning'], d['summary_held_out']))")" = True ]
check "the held-out cases cut after the split, apart" \
    [ "$(json "$T/bt.json" "d['summary_held_out_later_cuts'][-1]['n'] == sum(1 for c in d['cases'] if c['cut'] >= d['split_date']) < d['summary_held_out'][-1]['n']")" = True ]
check "held-out coverage and errors reported for the 12 months" \
    [ "$(json "$T/bt.json" "[s for s in d['summary_held_out'] if s['horizon'] == '12 months'][0]['n'] > 0 and 0 <= [s for s in d['summary_held_out'] if s['horizon'] == '12 months'][0]['coverage_p10_p90'] <= 1")" = True ]
check "intervals from past errors once there are 4" \
    [ "$(json "$T/bt.json" "all((c['past_errors'] >= 4) == (c['interval_from'] == 'past errors') for c in d['cases']) and d['cases'][-1]['past_errors'] >= 4")" = True ]
check "assumptions listed" [ "$(json "$T/bt.json" "len(d['model']['assumptions']) >= 4")" = True ]
check "weeks not used, compared with the month holding them" \
    [ "$(json "$T/bt.json" "[r['reason'].endswith('38% of that of the month holding it (row 68)') for r in d['history']['rejected'] if r['row'] == 65]")" = "[True]" ]
expect_exit "a later split" 0 "$DEMINE" forecast --history "$AZE" --backtest --split 2025-01-01 --json --runs 200
check "a later split, more tuning cases" \
    [ "$(json "$T/out" "d['split_date'] == '2025-01-01' and d['summary_tuning'][-1]['n'] > $(json "$T/bt.json" "d['summary_tuning'][-1]['n']")")" = True ]
expect_exit "--split without --backtest" 2 "$DEMINE" forecast --history "$AZE" --split 2024-01-01
expect_exit "a bad --split" 2 "$DEMINE" forecast --history "$AZE" --backtest --split 2024-02-30

expect_exit "backtest as text" 0 "$DEMINE" forecast --history "$AZE" --backtest --runs 500
check "text names the naive forecasts" grep -q "last 12 mo" "$T/out"
check "text names the chosen model" grep -q "^Model: .*chosen among 30 candidates on the tuning set" "$T/out"
check "text gives the tuning set" grep -q "^Tuning set: the [0-9]* cases whose target was published before 2024-01-01" "$T/out"
check "text gives the held-out coverage" grep -q "^Held-out set (not used for any choice)" "$T/out"
check "text marks each case's set" grep -q "^2025-07-01 .* held-out " "$T/out"
check "text lists the assumptions" grep -q "^Assumptions:" "$T/out"
check "text lists rows not used" grep -q "^Rows not used" "$T/out"

expect_exit "forecast ahead" 0 "$DEMINE" forecast --history "$AZE" --json --runs 2000
check "ahead: ordered quantiles" \
    [ "$(json "$T/out" "len(d['forecast']) == 3 and all(f['p10'] <= f['p50'] <= f['p90'] for f in d['forecast'])")" = True ]
check "ahead: the model chosen on every backtest case, intervals from past errors" \
    [ "$(json "$T/out" "d['model']['choice']['chosen_on']['cases'] == 26 and d['model']['choice']['chosen_on']['published_before'] is None and d['model']['past_errors'] >= 4")" = True ]

# a constant rate: 1000 ha every 30 days; the P50 is the extrapolation
"$PY" -c '
import datetime
d = datetime.date(2021, 1, 1)
print("period_start,period_end,hectares")
for i in range(36):
    print("%s,%s,1000" % (d, d + datetime.timedelta(29)))
    d += datetime.timedelta(30)' >"$T/const.csv"
expect_exit "a constant rate ahead" 0 "$DEMINE" forecast --history "$T/const.csv" --json --runs 500
check "P50 = 36000 + 1000 ha x 91/30 at 3 months, no spread" \
    [ "$(json "$T/out" "abs(d['forecast'][0]['p50'] - (36000 + 1000 * 91 / 30)) < 1e-6 and d['forecast'][0]['p90'] - d['forecast'][0]['p10'] < 1e-6")" = True ]
expect_exit "a constant rate backtested" 0 "$DEMINE" forecast --history "$T/const.csv" --backtest --json --runs 500
check "every 3- to 12-month case exact" \
    [ "$(json "$T/out" "all(abs(c['p50'] - c['actual_ha']) < 1e-6 for c in d['cases'] if c['horizon'] != 'calendar year')")" = True ]

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

# ---- the remaining area of a database ----
expect_exit "demo builds" 0 "$DEMINE" demo --out "$T/demo.gpkg"
check "synthetic activities are labelled" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM activities WHERE origin <> 'synthetic demo data'")" -eq 0
check "one synthetic activity per synthetic release" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM activities")" -eq "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM releases WHERE origin = 'synthetic demo data'")"
expect_exit "forecast the demo by admin" 0 "$DEMINE" forecast "$T/demo.gpkg" --teams manual=12,mechanical=3,mdd=4 --by admin --json --runs 2000 --from 2027-01-01
cp "$T/out" "$T/fa.json"
check "--json parses, teams echoed" [ "$(json "$T/fa.json" "d['teams']")" = "{'manual': 12, 'mechanical': 3, 'mdd': 4}" ]
check "P10 <= P50 <= P90 for days, dates and costs, in all and per group" \
    [ "$(json "$T/fa.json" "all(r['days']['p10'] <= r['days']['p50'] <= r['days']['p90'] and r['completion_date']['p10'] <= r['completion_date']['p50'] <= r['completion_date']['p90'] and r['cost_usd']['p10'] <= r['cost_usd']['p50'] <= r['cost_usd']['p90'] for r in [d['total']] + d['groups'])")" = True ]
check "the total takes time and money" [ "$(json "$T/fa.json" "d['total']['days']['p10'] > 0 and d['total']['cost_usd']['p10'] > 0")" = True ]
check "a group for the remaining area outside every municipality" [ "$(json "$T/fa.json" "d['groups'][-1]['key']")" = outside ]
check "groups' remaining areas add up to the total within 0.1%" \
    [ "$(json "$T/fa.json" "abs(sum(g['remaining_area_m2'] for g in d['groups']) - d['total']['remaining_area_m2']) <= 0.001 * d['total']['remaining_area_m2']")" = True ]
check "the total's remaining area is landrelease's" \
    [ "$(json "$T/fa.json" "round(d['total']['remaining_area_m2'])")" = "$("$DEMINE" stats "$T/demo.gpkg" landrelease --json | "$PY" -c 'import json,sys; print(round(json.load(sys.stdin)["remaining_area_m2"]))')" ]
check "productivity learned from the synthetic activities" \
    [ "$(json "$T/fa.json" "all(p['source'] == 'database' and p['activities'] >= 10 for p in d['productivity'])")" = True ]
check "the release mix learned from the database" [ "$(json "$T/fa.json" "d['release_mix']['source']")" = database ]
check "the mix shares add up to 1" [ "$(json "$T/fa.json" "abs(sum(d['release_mix'][k]['share'] for k in ('cancelled','reduced','cleared')) - 1) < 1e-9")" = True ]
check "the cost learned per team-day from the demo's costed activities (synthetic: USD 1,500, 6,000, 2,000)" \
    [ "$(json "$T/fa.json" "d['cost']['source'] == 'database' and all(abs(d['cost']['usd_per_team_day'][a]['mean'] / c - 1) < 0.05 and d['cost']['usd_per_team_day'][a]['activities'] >= 10 for a, c in (('manual', 1500), ('mechanical', 6000), ('mdd', 2000)))")" = True ]
check "the cost is the days times the teams' cost per day (P50, within 1%)" \
    [ "$(json "$T/fa.json" "abs(d['total']['cost_usd']['p50'] / (d['total']['days']['p50'] * sum(n * d['cost']['usd_per_team_day'][a]['mean'] for a, n in d['teams'].items())) - 1) < 0.01")" = True ]
check "assumptions listed" [ "$(json "$T/fa.json" "len(d['assumptions']) >= 5")" = True ]
check "dates from --from" [ "$(json "$T/fa.json" "d['from'] == '2027-01-01' and d['total']['completion_date']['p10'] > '2027-01-01'")" = True ]
expect_exit "twice the teams" 0 "$DEMINE" forecast "$T/demo.gpkg" --teams manual=24,mechanical=6,mdd=8 --json --runs 2000 --from 2027-01-01
check "twice the teams, half the days" [ "$(json "$T/out" "abs(d['total']['days']['p50'] / $(json "$T/fa.json" "d['total']['days']['p50']") - 0.5) < 0.01")" = True ]
expect_exit "forecast as text" 0 "$DEMINE" forecast "$T/demo.gpkg" --runs 500
check "text prints the assumptions" grep -q "^Assumptions:" "$T/out"
check "text says where the cost comes from" grep -q "learned from the completed activities with a cost in USD" "$T/out"

# a database without activities or linked releases: every default cited
"$DEMINE" init "$T/empty.gpkg" >/dev/null 2>&1
"$DEMINE" import "$T/empty.gpkg" hazards "$ROOT/data/bih/suspected_areas.geojson" --set status=SHA --quiet >/dev/null 2>&1
expect_exit "forecast with defaults" 0 "$DEMINE" forecast "$T/empty.gpkg" --json --runs 1000
check "every productivity a cited default" \
    [ "$(json "$T/out" "all(p['source'] in ('default', 'as clearance') and (p['source'] != 'default' or p['citation']['source_url'].startswith('http')) for p in d['productivity'])")" = True ]
check "the default mix cited" [ "$(json "$T/out" "d['release_mix']['source'] == 'default' and 'the-monitor.org' in d['release_mix']['citation']['source_url']")" = True ]
check "the published cost cited" [ "$(json "$T/out" "d['cost']['known'] and d['cost']['source'] == 'published' and d['cost']['citation']['source_url'].startswith('http')")" = True ]
printf 'quantity,value_low,value_high,unit,context,source_url,note\nmanual clearance rate per deminer,10,50,m2,x,https://example.org,\n' >"$T/nocost.csv"
expect_exit "no cost figure" 0 "$DEMINE" forecast "$T/empty.gpkg" --teams manual=5 --figures "$T/nocost.csv" --json --runs 200
check "cost not computed, and why" [ "$(json "$T/out" "not d['cost']['known'] and 'no cost figure' in d['cost']['why'] and d['total']['cost_usd'] is None")" = True ]
expect_exit "an asset without figures" 1 "$DEMINE" forecast "$T/empty.gpkg" --teams mdd=2 --figures "$T/nocost.csv"
check "the asset named" err_has "mdd: 2 teams"

# bad --teams: usage errors naming the item, nothing done
expect_exit "unknown asset" 2 "$DEMINE" forecast "$T/demo.gpkg" --teams manual=2,robots=1
check "unknown asset named" err_has 'unknown asset "robots"'
check "nothing on stdout" [ ! -s "$T/out" ]
expect_exit "negative count" 2 "$DEMINE" forecast "$T/demo.gpkg" --teams mdd=-3
check "negative count named" err_has "mdd=-3: a negative count"
expect_exit "zero teams" 2 "$DEMINE" forecast "$T/demo.gpkg" --teams manual=0
check "zero teams said" err_has "zero teams in all"
expect_exit "bad teams before the database is opened" 2 "$DEMINE" forecast "$T/none.gpkg" --teams manual=x
check "the count named" err_has "manual=x"
expect_exit "--by year is not for this" 2 "$DEMINE" forecast "$T/demo.gpkg" --by year
expect_exit "--horizon is for a series" 2 "$DEMINE" forecast "$T/demo.gpkg" --horizon 6
expect_exit "no such database" 1 "$DEMINE" forecast "$T/none.gpkg"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
