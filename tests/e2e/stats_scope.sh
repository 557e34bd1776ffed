#!/usr/bin/env bash
# End-to-end: land release and EO items limited to a period, an admin area
# and an organisation (`demine stats ... --since --until --admin
# --organisation`, /stats/...?since=&until=&admin=&organisation=) on the demo
# database, each figure checked against the records counted here by another
# route (SQL over the tables, or the same figures grouped the other way).
DEMINE=$1
source "$(dirname "$0")/lib.sh"
DB="$T/demo.gpkg"
"$DEMINE" demo --out "$DB" --force >/dev/null 2>&1 || fail "demo database"

S=2024-03-01 U=2024-03-31
expect_exit "land release in March 2024" 0 "$DEMINE" stats "$DB" landrelease --since $S --until $U --json --list
cp "$T/out" "$T/lr_march.json"
# the releases behind it: the approved releases dated in March 2024, from SQL
sqlite3 "$DB" "SELECT code FROM releases WHERE state = 'approved' AND date BETWEEN '$S' AND '$U'
               AND geom IS NOT NULL ORDER BY code" >"$T/sql_codes"
json "$T/lr_march.json" '"\n".join(sorted(d["releases"]))' >"$T/cli_codes"
check "  the releases behind it are those dated in the period ($(wc -l <"$T/sql_codes"))" \
    cmp -s "$T/sql_codes" "$T/cli_codes"
check "  the scope is in the JSON" test "$(json "$T/lr_march.json" 'd["scope"]["since"], d["scope"]["until"], d["scope"]["admin"]')" = "$S $U None"
"$DEMINE" stats "$DB" landrelease --by month --json >"$T/lr_month.json"
check "  released and remaining equal the month's in --by month (each m² once, none overlap)" "$PY" -c '
import json,sys
p=json.load(open(sys.argv[1])); m=[g for g in json.load(open(sys.argv[2]))["groups"] if g["key"]=="2024-03"][0]
ok=all(abs(p["released_area_m2"][k]-m["released_area_m2"][k])<1e-3 for k in ("cancelled","reduced","cleared","total"))
ok=ok and abs(p["remaining_area_m2"]-m["remaining_area_m2"])<1e-3 and p["released_area_m2"]["total"]>0
print("March 2024: %.2f ha released, %.2f ha by month" % (p["released_area_m2"]["total"]/1e4, m["released_area_m2"]["total"]/1e4))
sys.exit(0 if ok else 1)' "$T/lr_march.json" "$T/lr_month.json"

# an admin area with releases: its figures equal its group in --by admin
"$DEMINE" stats "$DB" landrelease --by admin --json >"$T/lr_admin.json"
A=$(json "$T/lr_admin.json" 'max(d["groups"], key=lambda g: g["release_count"])["key"]')
expect_exit "land release in admin area $A" 0 "$DEMINE" stats "$DB" landrelease --admin "$A" --json
check "  every figure equals its group in --by admin (hazards clipped to it)" "$PY" -c '
import json,sys
a=json.load(open(sys.argv[1])); g=[g for g in json.load(open(sys.argv[2]))["groups"] if g["key"]==sys.argv[3]][0]
near=lambda x,y: abs(x-y) <= 1e-6*max(1,abs(y))
ok=all(near(a[k],g[k]) for k in ("hazard_area_m2","remaining_area_m2","recorded_area_m2","released_inside_hazards_m2"))
ok=ok and all(near(a["released_area_m2"][k],g["released_area_m2"][k]) for k in ("cancelled","reduced","cleared","total"))
ok=ok and a["hazard_count"]==g["hazard_count"] and a["release_count"]==g["release_count"] and a["scope"]["admin_name"]==g["name"]
sys.exit(0 if ok else 1)' "$T/out" "$T/lr_admin.json" "$A"
expect_exit "an organisation's releases" 0 "$DEMINE" stats "$DB" landrelease --organisation "Demo Operator A (synthetic)" --json
check "  its releases are the organisation's, hazard figures do not apply" "$PY" -c '
import json,sys,sqlite3
d=json.load(open(sys.argv[1]))
n=sqlite3.connect(sys.argv[2]).execute("SELECT count(*) FROM releases WHERE state = ? AND organisation = ? AND geom IS NOT NULL", ("approved","Demo Operator A (synthetic)")).fetchone()[0]
sys.exit(0 if d["release_count"]==n>0 and d["remaining_area_m2"] is None and d["hazard_count"] is None else 1)' "$T/out" "$DB"

# EO items in a period: counted here with SQL (no quantity = 1 item)
expect_exit "EO items in 2024" 0 "$DEMINE" stats "$DB" items --since 2024-01-01 --until 2024-12-31 --json --list
read -r R Q X <<<"$(sqlite3 -separator ' ' "$DB" "SELECT count(*), sum(coalesce(quantity, 1)),
    sum(CASE WHEN disposal = 'destroyed' THEN coalesce(quantity, 1) ELSE 0 END) FROM eo_items
    WHERE state = 'approved' AND date BETWEEN '2024-01-01' AND '2024-12-31'")"
check "  records, items and destroyed equal SQL's ($R, $Q, $X)" \
    test "$(json "$T/out" 'd["item_records"], d["quantity"], d["destroyed"], len(d["items"])')" = "$R $Q $X $R"
"$DEMINE" stats "$DB" items --by admin --since 2024-01-01 --until 2024-12-31 --json >"$T/items_admin.json"
IA=$(json "$T/items_admin.json" 'max((g for g in d["groups"] if g["key"]!="none"), key=lambda g: g["quantity"])["key"]')
expect_exit "EO items in 2024 in $IA" 0 "$DEMINE" stats "$DB" items --since 2024-01-01 --until 2024-12-31 --admin "$IA" --json
check "  equal the area's group in --by admin" "$PY" -c '
import json,sys
a=json.load(open(sys.argv[1])); g=[g for g in json.load(open(sys.argv[2]))["groups"] if g["key"]==sys.argv[3]][0]
sys.exit(0 if (a["item_records"],a["quantity"],a["destroyed"])==(g["item_records"],g["quantity"],g["destroyed"]) and a["quantity"]>0 else 1)' "$T/out" "$T/items_admin.json" "$IA"

# bad input: a clear error, exit 2 (usage) or 1 (no such area)
expect_exit "a bad date is refused" 2 "$DEMINE" stats "$DB" landrelease --since 2024-02-30
check "  saying which and why" err_has "since 2024-02-30"
expect_exit "since after until is refused" 2 "$DEMINE" stats "$DB" items --since 2024-03-01 --until 2024-02-01
check "  saying so" err_has "is after"
expect_exit "an unknown admin area is refused" 1 "$DEMINE" stats "$DB" items --admin AD-9999
check "  naming it" err_has "AD-9999"

# the server gives the same JSON for the same scope
start_server "$DB" --threads 2
for q in "landrelease?since=$S&until=$U" "landrelease?admin=$A&since=2024-01-01&until=2024-12-31" \
    "items?by=category&since=2024-01-01&until=2024-12-31&admin=$IA"; do
    curl -s "$URL/stats/$q" >"$T/srv.json"
    args=(--since "$(sed -n 's/.*since=\([0-9-]*\).*/\1/p' <<<"$q")" --until "$(sed -n 's/.*until=\([0-9-]*\).*/\1/p' <<<"$q")")
    grep -q 'admin=' <<<"$q" && args+=(--admin "$(sed -n 's/.*admin=\([A-Z0-9-]*\).*/\1/p' <<<"$q")")
    grep -q 'by=' <<<"$q" && args+=(--by "$(sed -n 's/.*by=\([a-z]*\).*/\1/p' <<<"$q")")
    "$DEMINE" stats "$DB" "${q%%\?*}" "${args[@]}" --json >"$T/cli.json"
    check "/stats/$q is the CLI's JSON" cmp -s "$T/srv.json" "$T/cli.json"
done
curl -s -o "$T/body" -w '%{http_code}' "$URL/stats/items?admin=AD-9999" >"$T/code"
check "/stats/items?admin=AD-9999 is a 404 naming it" test "$(cat "$T/code")" = 404 -a -n "$(grep AD-9999 "$T/body")"
curl -s -o "$T/body" -w '%{http_code}' "$URL/stats/landrelease?since=2024-13-01" >"$T/code"
check "/stats/landrelease?since=2024-13-01 is a 400" test "$(cat "$T/code")" = 400
finish
