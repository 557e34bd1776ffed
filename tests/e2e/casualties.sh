#!/usr/bin/env bash
# End-to-end: the casualty registry on the hand-made data of
# tests/data/casualties (see its README.md for the map). Every figure demine
# prints is worked out again by another route: plain SQL through the sqlite3
# command over the GeoPackage (victims.accident_code = accidents.code, the
# state column), and a few hand counts written here beside the data.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
C="$ROOT/tests/data/casualties"
DB="$T/cas.gpkg"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }

q() { sqlite3 -batch "$1" "$2"; } # q DB SQL: plain SQL, read
# sqlw DB SQL: a write by another program, straight into SQLite. The GeoPackage
# rtree triggers name ST_* functions that only a GeoPackage-aware connection
# defines; they run only when a geometry changes, so stubs let them compile.
sqlw() {
    "$PY" - "$1" "$2" <<'P'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for f in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
    c.create_function(f, 1, lambda g: None)
c.executescript(sys.argv[2])
c.commit()
P
}
same() { # same NAME GOT EXPECTED : a check that prints both on failure
    if [ "$2" = "$3" ]; then ok "$1"; else
        fail "$1"
        printf '     got:      %s\n     expected: %s\n' "$2" "$3" | head -20
    fi
}
same_file() { # same_file NAME GOT_FILE EXPECTED_FILE
    if diff -u "$3" "$2" >"$T/diff"; then ok "$1"; else
        fail "$1"
        sed 's/^/     /' "$T/diff" | head -25
    fi
}

# ---------------------------------------------------------------------------
# demine's JSON as lines "key;casualties;killed;...;drafts", "LIST;key;victims;incidents".
# With --list the groups carry "victim_codes" and "incident_codes" arrays.
cat >"$T/fig.py" <<'P'
import json, sys
F = ["casualties", "killed", "injured", "unknown_status", "incidents", "children", "adults",
     "unknown_age", "female", "male", "unknown_sex", "civilian", "deminer", "military",
     "unknown_group", "settlements", "drafts"]
def hook(pairs):
    d = {}
    for k, v in pairs:
        d[{"victim_codes": "victims_list", "incident_codes": "incidents_list"}.get(k, k)] = v
    return d
mode = sys.argv[1]
if mode == "demine":  # demine JSON FIGURES LISTS: writes both files, prints lists that are
    # not as long as their figure
    d = json.load(open(sys.argv[2]), object_pairs_hook=hook)
    with open(sys.argv[3], "w") as out:
        for g in d["groups"]:
            print(";".join([g["key"]] + [str(g[f]) for f in F]), file=out)
        print(";".join(["TOTAL"] + [str(d[f]) for f in F]), file=out)
        print("UNDATED;%d" % d["undated_excluded"], file=out)
    if "victims_list" in d:
        bad = []
        with open(sys.argv[4], "w") as out:
            for g in d["groups"] + [dict(d, key="TOTAL")]:
                print("LIST;%s;%s;%s" % (g["key"], ",".join(sorted(g["victims_list"])),
                                         ",".join(sorted(g["incidents_list"]))), file=out)
                if len(g["victims_list"]) != g["casualties"] or len(g["incidents_list"]) != g["incidents"]:
                    bad.append(g["key"])
        print(bad)
elif mode == "sql-list":  # rows "key;victim;accident" from sqlite3 on stdin
    groups = {}
    for line in sys.stdin.read().splitlines():
        k, v, a = line.rsplit(";", 2)
        g = groups.setdefault(k, (set(), set()))
        g[0].add(v)
        if a:
            g[1].add(a)
    for k, (v, a) in groups.items():
        print("LIST;%s;%s;%s" % (k, ",".join(sorted(v)), ",".join(sorted(a))))
elif mode == "order":  # groups in key order (a list's own order), unknown last
    d = json.load(open(sys.argv[2]))
    lists = {"sex": ["f", "m"], "age-group": ["child", "adult"],
             "group": ["civilian", "deminer", "military"], "status": ["killed", "injured"],
             "demining": ["yes", "no"],
             "device": ["AP", "AT", "UXO", "AXO", "cluster", "IED", "SAA", "other"]}
    keys = [g["key"] for g in d["groups"]]
    known = [k for k in keys if k != "unknown"]
    want = sorted(known, key=lists[sys.argv[3]].index) if sys.argv[3] in lists else sorted(known)
    print(keys == want + ["unknown"] * (len(keys) - len(known)))
elif mode == "dupkeys":  # objects that name one key twice
    dup = []
    def pairs(p):
        ks = [k for k, _ in p]
        dup.extend(sorted({k for k in ks if ks.count(k) > 1}))
        return dict(p)
    json.load(open(sys.argv[2]), object_pairs_hook=pairs)
    print(sorted(set(dup)))
P

# The SQL route. One row per counted victim, with its incident's columns:
# a victim counts when it and its accident are approved (with drafts: neither
# is rejected); one whose accident_code names no accident counts, incident
# unknown; a date that is not one (2021-02-30) is unknown.
base_sql() { # base_sql DRAFTS(0|1)
    local w="v.state = 'approved' AND (a.code IS NULL OR a.state = 'approved')"
    [ "$1" = 1 ] && w="v.state <> 'rejected' AND (a.code IS NULL OR a.state <> 'rejected')"
    echo "SELECT v.code AS vcode, a.code AS acode, v.state AS vstate, a.state AS astate,
      v.status, v.sex, v.age, v.age_group, v.\"group\" AS grp,
      CASE WHEN date(a.date, '+0 days') = a.date THEN a.date END AS date, a.admin_code,
      a.settlement_code, a.activity, a.device_category, a.demining
      FROM victims v LEFT JOIN accidents a ON a.code = v.accident_code WHERE $w"
}
# Landmine Monitor definitions: a child is under 18 (age, else age_group);
# empty or 'u' sex, empty status or group are unknown.
CHILD="CASE WHEN age IS NOT NULL THEN age < 18 ELSE age_group = 'child' END"
ADULT="CASE WHEN age IS NOT NULL THEN age >= 18 ELSE age_group = 'adult' END"
dim_sql() { # the key of a --by dimension
    case $1 in
    year) echo "coalesce(substr(date, 1, 4), 'unknown')" ;;
    month) echo "coalesce(substr(date, 1, 7), 'unknown')" ;;
    admin) echo "coalesce(nullif(admin_code, ''), 'unknown')" ;;
    settlement) echo "coalesce(nullif(settlement_code, ''), 'unknown')" ;;
    sex) echo "CASE WHEN sex IN ('f', 'm') THEN sex ELSE 'unknown' END" ;;
    age-group) echo "CASE WHEN ($CHILD) THEN 'child' WHEN ($ADULT) THEN 'adult' ELSE 'unknown' END" ;;
    group) echo "CASE WHEN grp IN ('civilian', 'deminer', 'military') THEN grp ELSE 'unknown' END" ;;
    activity) echo "coalesce(nullif(activity, ''), 'unknown')" ;;
    device) echo "coalesce(nullif(device_category, ''), 'unknown')" ;;
    status) echo "CASE WHEN status IN ('killed', 'injured') THEN status ELSE 'unknown' END" ;;
    demining) echo "CASE demining WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'unknown' END" ;;
    esac
}
n() { echo "coalesce(sum(CASE WHEN $1 THEN 1 ELSE 0 END), 0)"; }
COUNTS="count(*), $(n "status = 'killed'"), $(n "status = 'injured'"),
  $(n "coalesce(status, '') NOT IN ('killed', 'injured')"), count(DISTINCT acode),
  $(n "($CHILD)"), $(n "($ADULT)"), $(n "NOT coalesce(($CHILD) OR ($ADULT), 0)"),
  $(n "sex = 'f'"), $(n "sex = 'm'"), $(n "coalesce(sex, '') NOT IN ('f', 'm')"),
  $(n "grp = 'civilian'"), $(n "grp = 'deminer'"), $(n "grp = 'military'"),
  $(n "coalesce(grp, '') NOT IN ('civilian', 'deminer', 'military')"),
  count(DISTINCT CASE WHEN acode IS NOT NULL THEN nullif(settlement_code, '') END),
  $(n "vstate <> 'approved' OR coalesce(astate, 'approved') <> 'approved'")"
# sql_cte BY SINCE UNTIL DRAFTS: "WITH c (counted victims), f (within the dates, key k)"
sql_cte() {
    local by=$1 since=$2 until=$3 drafts=$4 key="'TOTAL'" df="1"
    [ -n "$since" ] && df="$df AND date >= '$since'"
    [ -n "$until" ] && df="$df AND date <= '$until'"
    if [ -n "$by" ]; then
        key=$(dim_sql "${by%%,*}")
        [ "$by" != "${by#*,}" ] && key="($key) || '|' || ($(dim_sql "${by#*,}"))"
    fi
    echo "WITH c AS ($(base_sql "$drafts")), f AS (SELECT *, $key AS k FROM c WHERE $df)"
}
# sql_figures DB BY SINCE UNTIL DRAFTS: lines "key;casualties;...", TOTAL, UNDATED
# (';' between columns: keys of two dimensions hold a '|')
sql_figures() {
    local cte undated=0
    cte=$(sql_cte "$2" "$3" "$4" "$5")
    [ -n "$3$4" ] && undated="(SELECT count(*) FROM c WHERE date IS NULL)"
    local groups=""
    [ -n "$2" ] && groups="$cte SELECT k, $COUNTS FROM f GROUP BY k;"
    sqlite3 -batch -separator ';' "$1" "$groups $cte SELECT 'TOTAL', $COUNTS FROM f; $cte SELECT 'UNDATED', $undated"
}
sql_lists() { # sql_lists DB BY SINCE UNTIL DRAFTS: the codes behind each figure
    local cte
    cte=$(sql_cte "$2" "$3" "$4" "$5")
    local groups=""
    [ -n "$2" ] && groups="$cte SELECT k, vcode, coalesce(acode, '') FROM f;"
    sqlite3 -batch -separator ';' "$1" "$groups $cte SELECT 'TOTAL', vcode, coalesce(acode, '') FROM f" |
        "$PY" "$T/fig.py" sql-list
}

# agree NAME DB BY SINCE UNTIL DRAFTS LIST: demine's figures (and with LIST=1
# its code lists) equal SQL's. The JSON stays in $T/stats.json.
agree() {
    local name=$1 db=$2 by=$3 since=$4 until=$5 drafts=$6 list=$7
    local args=(stats "$db" casualties --json)
    [ -n "$by" ] && args+=(--by "$by")
    [ -n "$since" ] && args+=(--since "$since")
    [ -n "$until" ] && args+=(--until "$until")
    [ "$drafts" = 1 ] && args+=(--include-drafts)
    [ "$list" = 1 ] && args+=(--list)
    "$DEMINE" "${args[@]}" >"$T/stats.json" 2>"$T/err"
    local rc=$?
    cat "$T/stats.json" >>"$T/stats.all"
    if [ "$rc" -ne 0 ]; then
        fail "$name: demine ${args[*]:2} failed"
        sed 's/^/     /' "$T/err" | head -5
        return
    fi
    local short
    short=$("$PY" "$T/fig.py" demine "$T/stats.json" "$T/got.fig" "$T/got.list")
    LC_ALL=C sort -o "$T/got" "$T/got.fig"
    sql_figures "$db" "$by" "${since:+$(iso "$since")}" "${until:+$(iso "$until")}" "$drafts" | LC_ALL=C sort >"$T/want"
    same_file "$name: figures = SQL" "$T/got" "$T/want"
    if [ "$list" = 1 ]; then
        LC_ALL=C sort -o "$T/got" "$T/got.list"
        sql_lists "$db" "$by" "${since:+$(iso "$since")}" "${until:+$(iso "$until")}" "$drafts" | LC_ALL=C sort >"$T/want"
        same_file "$name: --list codes = SQL" "$T/got" "$T/want"
        same "$name: each list is as long as its figure" "$short" "[]"
    fi
}
iso() { # DD.MM.YYYY -> YYYY-MM-DD (for the SQL side)
    case $1 in ??.??.????) echo "${1:6:4}-${1:3:2}-${1:0:2}" ;; *) echo "$1" ;; esac
}
stat_of() { # stat_of DB "KEY..." ARGS... : top-level figures, space-separated
    local db=$1 keys=$2
    shift 2
    "$DEMINE" stats "$db" casualties --json "$@" 2>/dev/null | tee -a "$T/stats.all" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(*[d[k] for k in sys.argv[1].split()])' "$keys"
}

# ===========================================================================
# 1. The main database: map layers, accidents, victims
"$DEMINE" init "$DB" 2>/dev/null
expect_exit "import admin areas" 0 "$DEMINE" import "$DB" admin-areas "$C/admin_areas.geojson"
expect_exit "import settlements" 0 "$DEMINE" import "$DB" settlements "$C/settlements.geojson"
expect_exit "import hazards" 0 "$DEMINE" import "$DB" hazards "$C/hazards.geojson"
expect_exit "import accidents" 0 "$DEMINE" import "$DB" accidents "$C/accidents.geojson"
same "13 accidents" "$(count_rows "$DB" accidents)" 13
expect_exit "import an accident waiting for review" 0 "$DEMINE" import "$DB" accidents "$C/accidents_submitted.geojson" --state submitted
expect_exit "import victims" 0 "$DEMINE" import "$DB" victims "$C/victims.csv"
same "32 victims" "$(count_rows "$DB" victims)" 32
expect_exit "import victims waiting for review" 0 "$DEMINE" import "$DB" victims "$C/victims_submitted.csv" --state submitted
same "states as imported" "$(q "$DB" "SELECT group_concat(state || ':' || n, ' ') FROM (SELECT state, count(*) n FROM victims GROUP BY state ORDER BY state)")" "approved:32 submitted:3"
same "every victim names an existing accident" "$(q "$DB" "SELECT count(*) FROM victims WHERE accident_code IS NULL OR accident_code NOT IN (SELECT code FROM accidents)")" 0
same "victims given by incident_ref are on the accident with that incident_ref" \
    "$(q "$DB" "SELECT count(*) FROM victims v JOIN accidents a ON a.code = v.accident_code AND a.incident_ref = v.incident_ref")" 34
same "the victim given by accident_code IN-0006 stays on it (BA-2021-001)" \
    "$(q "$DB" "SELECT a.incident_ref FROM victims v JOIN accidents a ON a.code = v.accident_code WHERE v.code = 'VI-0031'")" BA-2021-001
same "victims of an accident waiting for review link to it too" \
    "$(q "$DB" "SELECT group_concat(code) FROM (SELECT v.code FROM victims v JOIN accidents a ON a.code = v.accident_code WHERE a.incident_ref = 'BA-2021-004' ORDER BY v.code)")" "VI-0032,VI-0033"

# admin area (finest level), nearest settlement within 5000 m, hazard containing
# the point or within 100 m, as placed by hand (distances in README.md)
cat >"$T/where.want" <<'E'
BA-2019-001;Alpha;Gornje Selo;
BA-2020-001;Bravo;Donje Polje;
BA-2020-002;Alpha;Gornje Selo;Polje minefield
BA-2020-003;Alpha;Gornje Selo;Polje minefield
BA-2020-004;Charlie;Brdo;
BA-2020-005;Alpha;Gornje Selo;Polje minefield
BA-2021-001;Delta;Rijeka;
BA-2021-002;Delta;Rijeka;Suma
BA-2021-003;;;
BA-2021-004;Bravo;Donje Polje;
BA-2022-001;Bravo;;
BA-2023-001;Alpha;Gornje Selo;
BA-2024-001;Bravo;;
BA-UNDATED-1;Charlie;Brdo;
E
WHERE_SQL="SELECT a.incident_ref, coalesce(ad.name, ''), coalesce(s.name, ''), coalesce(h.name, '')
  FROM accidents a LEFT JOIN admin_areas ad ON ad.code = a.admin_code
  LEFT JOIN settlements s ON s.code = a.settlement_code LEFT JOIN hazards h ON h.code = a.hazard_code
  ORDER BY a.incident_ref"
sqlite3 -batch -separator ';' "$DB" "$WHERE_SQL" >"$T/where.got"
same_file "admin area, settlement and hazard filled from the position" "$T/where.got" "$T/where.want"
same "the level-1 region is never chosen over a municipality" "$(q "$DB" "SELECT count(*) FROM accidents WHERE admin_code = (SELECT code FROM admin_areas WHERE level = 1)")" 0

# the same points with tighter distances: the point 50 m outside the hazard
# loses it (points inside keep theirs); within 150 m only BA-2021-001 (137 m
# from Rijeka) has a settlement
NEAR="$T/near.gpkg"
"$DEMINE" init "$NEAR" 2>/dev/null
for k in admin-areas settlements hazards; do "$DEMINE" import "$NEAR" "$k" "$C/${k/-/_}.geojson" 2>/dev/null; done
expect_exit "import accidents --hazard-within 10 --settlement-within 150" 0 \
    "$DEMINE" import "$NEAR" accidents "$C/accidents.geojson" --hazard-within 10 --settlement-within 150
sqlite3 -batch -separator ';' "$NEAR" "$WHERE_SQL" >"$T/near.got"
cat >"$T/near.want" <<'E2'
BA-2019-001;Alpha;;
BA-2020-001;Bravo;;
BA-2020-002;Alpha;;Polje minefield
BA-2020-003;Alpha;;
BA-2020-004;Charlie;;
BA-2020-005;Alpha;;Polje minefield
BA-2021-001;Delta;Rijeka;
BA-2021-002;Delta;;Suma
BA-2021-003;;;
BA-2022-001;Bravo;;
BA-2023-001;Alpha;;
BA-2024-001;Bravo;;
BA-UNDATED-1;Charlie;;
E2
same_file "50 m outside the hazard: none within 10 m (inside still counts); settlements within 150 m: only Rijeka, 137 m" "$T/near.got" "$T/near.want"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"incident_ref":"GIVEN-1","admin_code":"AD-0005","settlement_code":"ST-0004"},"geometry":{"type":"Point","coordinates":[18.025,44.025]}}]}\n' >"$T/given.geojson"
"$DEMINE" import "$NEAR" accidents "$T/given.geojson" 2>/dev/null
same "codes given in the file are kept, the empty one is filled" \
    "$(q "$NEAR" "SELECT admin_code || ' ' || settlement_code || ' ' || hazard_code FROM accidents WHERE incident_ref = 'GIVEN-1'")" "AD-0005 ST-0004 HA-0001"

# ===========================================================================
# 2. Figures: every dimension, crossed pairs, code lists, against SQL
agree "no --by" "$DB" "" "" "" 0 1
# hand counts: victims.csv has 32 rows; VI-0032 is on BA-2021-004, which waits
# for review, so 31 count. Killed: VI-0001 03 07 10 15 16 20 23 28. Children:
# ages under 18 (VI-0002 04 10 13 14 15 25 29 31) and age_group child without an
# age (VI-0008 19); VI-0005 is 18, an adult. Unknown age: VI-0007 12 22 24.
# Unknown sex: 'u' (VI-0007 19) or empty (VI-0009 24). 12 incidents: all but
# BA-2024-001 (no victim) and BA-2021-004 (waiting).
same "hand count: casualties, killed, injured, unknown status" \
    "$(json "$T/stats.json" "[d[k] for k in ('casualties','killed','injured','unknown_status')]")" "[31, 9, 21, 1]"
same "hand count: children 11 (age 17 a child, 18 not), adults 16, unknown age 4" \
    "$(json "$T/stats.json" "[d[k] for k in ('children','adults','unknown_age')]")" "[11, 16, 4]"
same "hand count: female 9, male 18, unknown sex 4 (u or empty)" \
    "$(json "$T/stats.json" "[d[k] for k in ('female','male','unknown_sex')]")" "[9, 18, 4]"
same "hand count: 12 incidents" "$(grep '^TOTAL;' "$T/got.fig" | cut -d';' -f6)" 12
same "approved only, no date limits, no --by, no drafts" \
    "$(json "$T/stats.json" "[d['statistic'], d['approved_only'], d['since'], d['until'], d['by'], d['drafts']]")" "['casualties', True, None, None, [], 0]"

for dim in year month admin settlement sex age-group group activity device status demining; do
    agree "--by $dim" "$DB" "$dim" "" "" 0 1
    "$DEMINE" stats "$DB" casualties --json --by "$dim" >"$T/one.json" 2>/dev/null
    same "--by $dim: groups in key order (lists in their own order), unknown last" "$("$PY" "$T/fig.py" order "$T/one.json" "$dim")" True
    "$PY" "$T/fig.py" demine "$T/one.json" "$T/one.fig" >/dev/null
    same_file "--by $dim: without --list the same figures (stored summary or not)" "$T/one.fig" "$T/got.fig"
done
agree "--by admin (for names)" "$DB" admin "" "" 0 0
same "admin groups are named after the admin area" \
    "$(json "$T/stats.json" "';'.join(g['key']+'='+g['name'] for g in d['groups'] if g['key']!='unknown')")" \
    "$(q "$DB" "SELECT group_concat(code || '=' || name, ';') FROM (SELECT code, name FROM admin_areas WHERE code IN (SELECT admin_code FROM accidents WHERE state = 'approved' AND code IN (SELECT accident_code FROM victims WHERE state = 'approved')) ORDER BY code)")"
agree "--by settlement (for names)" "$DB" settlement "" "" 0 0
same "settlement groups are named after the settlement" \
    "$(json "$T/stats.json" "';'.join(g['key']+'='+g['name'] for g in d['groups'] if g['key']!='unknown')")" \
    "$(q "$DB" "SELECT group_concat(code || '=' || name, ';') FROM (SELECT code, name FROM settlements WHERE code IN (SELECT settlement_code FROM accidents WHERE state = 'approved' AND code IN (SELECT accident_code FROM victims WHERE state = 'approved')) ORDER BY code)")"
# hand counts per group
agree "--by device" "$DB" device "" "" 0 0
same "hand count: device unknown = empty (BA-UNDATED-1, 2) + 'unknown' (BA-2023-001, 3)" \
    "$(json "$T/stats.json" "[(g['casualties'], g['incidents']) for g in d['groups'] if g['key']=='unknown']")" "[(5, 2)]"
agree "--by demining" "$DB" demining "" "" 0 0
same "hand count: demining yes 2 deminers, unknown 2 (BA-UNDATED-1)" \
    "$(json "$T/stats.json" "sorted((g['key'], g['casualties'], g['deminer']) for g in d['groups'])")" "[('no', 27, 0), ('unknown', 2, 0), ('yes', 2, 2)]"
agree "--by admin" "$DB" admin "" "" 0 0
same "hand count: the 2 victims outside every admin area are 'unknown', last" \
    "$(json "$T/stats.json" "(d['groups'][-1]['key'], d['groups'][-1]['casualties'])")" "('unknown', 2)"

for pair in year,sex admin,age-group device,status group,demining month,activity settlement,group; do
    agree "--by $pair" "$DB" "$pair" "" "" 0 1
    same "--by $pair: key is the keys joined by |, by names both" \
        "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(all(g["key"]=="|".join(g["keys"]) and len(g["keys"])==2 for g in d["groups"]) and d["by"]==sys.argv[2].split(","))' "$T/stats.json" "$pair")" True
done
same "hand count: 2020 female = Mirela (18) and Amra (child) of BA-2020-001/003, Selma (BA-2020-004), Ruža (BA-2020-005)" \
    "$("$DEMINE" stats "$DB" casualties --json --by year,sex | "$PY" -c 'import json,sys; print([g["casualties"] for g in json.load(sys.stdin)["groups"] if g["key"]=="2020|f"])')" "[4]"

# --list JSON is valid JSON whose objects name each key once (the count
# "incidents" and the code arrays must not collide)
"$DEMINE" stats "$DB" casualties --json --list --by year >"$T/list.json" 2>/dev/null
same "--list JSON: no object names a key twice" "$("$PY" "$T/fig.py" dupkeys "$T/list.json")" "[]"
same "--list JSON read by a plain parser still gives the incidents count" \
    "$(json "$T/list.json" "d['incidents']")" "$(q "$DB" "$(sql_cte "" "" "" 0) SELECT count(DISTINCT acode) FROM f")"

expect_exit "text output" 0 "$DEMINE" stats "$DB" casualties --by admin,sex
check "text output has a total line of 31" grep -q "total  *31 " "$T/out"
expect_exit "a dimension that does not exist is a usage error" 2 "$DEMINE" stats "$DB" casualties --by colour
expect_exit "three dimensions are a usage error" 2 "$DEMINE" stats "$DB" casualties --by year,sex,group

# ===========================================================================
# 3. Date limits: inclusive at both ends, undated incidents left out and counted
for range in "2020-11-10 2020-11-10" "2020-11-10 -" "- 2020-11-10" "2020-11-09 2020-11-09" \
    "2020-11-11 2020-12-31" "2021-01-01 -" "- 2020-12-31" "2020-12-31 2020-12-31" \
    "2021-01-01 2021-01-01" "10.11.2020 10.11.2020"; do
    read -r s u <<<"$range"
    [ "$s" = - ] && s=""
    [ "$u" = - ] && u=""
    agree "--since ${s:-…} --until ${u:-…}" "$DB" "" "$s" "$u" 0 1
done
for range in "2020-11-10 2020-11-11" "2020-12-31 2021-01-01"; do
    read -r s u <<<"$range"
    agree "--since $s --until $u --by month,status" "$DB" month,status "$s" "$u" 0 0
done
# hand counts: 2020-11-10 is BA-2020-002 and BA-2020-005 (2 victims each);
# the day before (BA-2020-001, 3) and after (BA-2020-003, 2) are left out
same "hand count: --since 2020-11-10 --until 2020-11-10 = 4 casualties, 2 incidents, 2 undated left out" \
    "$("$DEMINE" stats "$DB" casualties --json --since 2020-11-10 --until 2020-11-10 | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["casualties"], d["incidents"], d["undated_excluded"], d["since"], d["until"])')" \
    "4 2 2 2020-11-10 2020-11-10"
same "hand count: --until 2020-12-31 = 15, --since 2021-01-01 = 14, + 2 undated = 31" \
    "$(stat_of "$DB" casualties --until 2020-12-31) $(stat_of "$DB" "casualties undated_excluded" --since 2021-01-01)" "15 14 2"
same "hand count: 2020-12-31 alone = 3 (BA-2020-004), 2021-01-01 alone = 4 (BA-2021-001)" \
    "$(stat_of "$DB" casualties --since 2020-12-31 --until 2020-12-31) $(stat_of "$DB" casualties --since 2021-01-01 --until 2021-01-01)" "3 4"
same "no date limits: nothing is left out as undated" "$(stat_of "$DB" undated_excluded)" 0
expect_exit "a date that is not one is a usage error" 2 "$DEMINE" stats "$DB" casualties --since 2020/11/10
expect_exit "so is 31 February" 2 "$DEMINE" stats "$DB" casualties --until 2021-02-31
expect_exit "--since after --until is a usage error too" 2 "$DEMINE" stats "$DB" casualties --since 2022-01-01 --until 2021-01-01

# ===========================================================================
# 4. Drafts: official figures count approved records only
for by in "" year admin status; do
    agree "--include-drafts --by ${by:-none}" "$DB" "$by" "" "" 1 1
done
same "hand count: with drafts 35 casualties, 4 of them not official, 13 incidents" \
    "$(stat_of "$DB" "casualties drafts incidents approved_only" --include-drafts)" "35 4 13 False"
same "drafts = casualties with drafts - official casualties" \
    "$(stat_of "$DB" "casualties drafts" --include-drafts | awk -v o="$(stat_of "$DB" casualties)" '{print $1 - o, $2}')" "4 4"
# a reviewer rejects VI-0035 (written by another program): never counted, and
# no stored summary hides the change
sqlite3 "$DB" "UPDATE victims SET state = 'rejected', state_reason = 'same person as VI-0021' WHERE code = 'VI-0035'"
agree "after a rejection, --include-drafts" "$DB" year "" "" 1 1
agree "after a rejection, official" "$DB" year "" "" 0 0
same "hand count: a rejected victim is never counted: 34 with drafts, 3 drafts, 31 official" \
    "$(stat_of "$DB" "casualties drafts" --include-drafts) $(stat_of "$DB" casualties)" "34 3 31"

# ===========================================================================
# 5. Casualty rows (one per victim) into a second database
DB2="$T/rows.gpkg"
"$DEMINE" init "$DB2" 2>/dev/null
for k in admin-areas settlements hazards; do "$DEMINE" import "$DB2" "$k" "$C/${k/-/_}.geojson" 2>/dev/null; done
expect_exit "an incident already recorded" 0 "$DEMINE" import "$DB2" accidents "$C/accidents_existing.geojson"
expect_exit "import casualties.csv" 0 "$DEMINE" import "$DB2" casualties "$C/casualties.csv"
same "one accident per new incident_ref (5), the recorded one reused" "$(count_rows "$DB2" accidents)" 6
same "one victim per row" "$(count_rows "$DB2" victims)" 12
check "no rejects file when nothing is rejected" test ! -e "$T/rows.casualties.rejects.csv"
cat >"$T/rows.want" <<'E'
KS-2017-03;IN-0001;2017-03-03;AT;;travelling;0;Delta;;;2
KS-2018-01;IN-0002;2018-04-02;AP;PMN-2;farming;0;Alpha;Gornje Selo;;2
KS-2019-07;IN-0003;2019-07-12;AT;TM-62M;travelling;0;Bravo;Donje Polje;;3
KS-2020-02;IN-0004;2020-02-20;AP;PMA-2;clearance;1;Delta;Rijeka;Suma;1
KS-2021-05;IN-0005;2021-05-05;UXO;;herding;0;Charlie;Brdo;;2
KS-2022-11;IN-0006;2022-11-30;cluster;;farming;0;Delta;Rijeka;;2
E
sqlite3 -batch -separator ';' "$DB2" "SELECT a.incident_ref, a.code, a.date, a.device_category, coalesce(a.device_model, ''),
  coalesce(a.activity, ''), a.demining, coalesce(ad.name, ''), coalesce(s.name, ''), coalesce(h.name, ''),
  (SELECT count(*) FROM victims v WHERE v.accident_code = a.code)
  FROM accidents a LEFT JOIN admin_areas ad ON ad.code = a.admin_code LEFT JOIN settlements s ON s.code = a.settlement_code
  LEFT JOIN hazards h ON h.code = a.hazard_code ORDER BY a.incident_ref" >"$T/rows.got"
same_file "incidents made from the rows: empty cells take the other rows' values, DD.MM.YYYY read, places filled" "$T/rows.got" "$T/rows.want"
same "the incident stated in one row only keeps its position" \
    "$(q "$DB2" "SELECT count(*) FROM accidents WHERE incident_ref = 'KS-2021-05' AND geom IS NOT NULL")" 1
q "$DB2" "SELECT a.incident_ref || '/' || coalesce(status,'') || '/' || coalesce(sex,'') || '/' || coalesce(age,'') || '/' || coalesce(age_group,'') || '/' || coalesce(v.\"group\",'') || '/' || coalesce(name,'')
  FROM victims v JOIN accidents a ON a.code = v.accident_code" | LC_ALL=C sort >"$T/rows_v.got"
"$PY" -c 'import csv,sys; print("\n".join("/".join(r[k] for k in ("incident_ref","status","sex","age","age_group","group","name")) for r in csv.DictReader(open(sys.argv[1]))))' "$C/casualties.csv" | LC_ALL=C sort >"$T/rows_v.want"
same_file "each row is one victim, as given, on its row's incident" "$T/rows_v.got" "$T/rows_v.want"
for by in "" year admin age-group settlement,status; do
    agree "rows database --by ${by:-none}" "$DB2" "$by" "" "" 0 1
done
same "hand count: 12 casualties in 6 incidents, 4 killed, 3 children (14, 9, age_group child)" \
    "$(stat_of "$DB2" "casualties incidents killed children")" "12 6 4 3"
expect_exit "casualties check on the clean rows: nothing found" 0 "$DEMINE" casualties check "$DB2" --json
same "no findings" "$(json "$T/out" "(d['errors'], d['warnings'], d['findings'])")" "(0, 0, [])"

# an import that fails as a whole changes nothing
snap() { q "$DB2" "SELECT (SELECT count(*) FROM accidents), (SELECT count(*) FROM victims), (SELECT count(*) FROM demine_change_log), (SELECT group_concat(code || version || state) FROM victims)"; }
before=$(snap)
expect_exit "a missing casualties file" 1 "$DEMINE" import "$DB2" casualties "$T/nope.csv"
check "the message names the file" err_has "nope.csv"
expect_exit "a --map to a column the file does not have" 1 "$DEMINE" import "$DB2" casualties "$C/casualties.csv" --map status=outcome
expect_exit "a bad --state is a usage error" 2 "$DEMINE" import "$DB2" casualties "$C/casualties.csv" --state final
expect_exit "--map incident_ref to a column the file does not have" 1 "$DEMINE" import "$DB2" casualties "$C/victims_twice.csv" --map incident_ref=ref
same "nothing changed by the failed imports" "$(snap)" "$before"
same "no rejects file left by them" "$(find "$T" -maxdepth 1 -name '*rejects*' | wc -l)" 0

# ===========================================================================
# 6. Bad input: each bad row rejected with its reason, the good rows imported
BAD="$T/bad.gpkg"
"$DEMINE" init "$BAD" 2>/dev/null
for k in admin-areas settlements hazards accidents; do "$DEMINE" import "$BAD" "$k" "$C/${k/-/_}.geojson" 2>/dev/null; done
rej_has() { # rej_has FILE ROW TEXT... : the reason of ROW holds every TEXT
    local file=$1 row=$2 r
    shift 2
    r=$("$PY" -c 'import csv,sys; print("\n".join(x["reason"] for x in csv.DictReader(open(sys.argv[1])) if x["row"]==sys.argv[2]))' "$file" "$row")
    [ -n "$r" ] || return 1
    for t in "$@"; do grep -qF -- "$t" <<<"$r" || return 1; done
}
rej_rows() { "$PY" -c 'import csv,sys; print(" ".join(sorted({x["row"] for x in csv.DictReader(open(sys.argv[1]))}, key=int)))' "$1"; }
rows_in() { "$PY" -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$1"; }

# victims
before=$(count_rows "$BAD" victims)
expect_exit "victims with bad rows" 3 "$DEMINE" import "$BAD" victims "$C/victims_bad.csv"
R="$T/bad.victims.rejects.csv"
check "rejects file has the columns row,reason" test "$(head -1 "$R" | tr -d '\r')" = "row,reason"
same "the bad rows are rejected, the good ones (1, 11, 12) not" "$(rej_rows "$R")" "2 3 4 5 6 7 8 9 10 13 14"
same "imported + rejected = rows in the file" "$(($(count_rows "$BAD" victims) - before + $(rows_in "$R")))" "$(rows_in "$C/victims_bad.csv")"
check "unknown status: reason names the field and value" rej_has "$R" 2 status missing
check "unknown sex" rej_has "$R" 3 sex "'x'"
check "unknown group" rej_has "$R" 4 group police
check "age 12y" rej_has "$R" 5 age 12y
check "age -3" rej_has "$R" 6 age -3
check "age 12 with age_group adult" rej_has "$R" 7 age_group adult
check "an incident_ref with no incident" rej_has "$R" 8 BA-NOPE-999
check "neither incident_ref nor accident_code" rej_has "$R" 9 incident_ref accident_code
check "age 111" rej_has "$R" 10 age 111
check "incident_ref and accident_code naming two incidents" rej_has "$R" 13 IN-0001 IN-0002
check "an accident_code that names no accident" rej_has "$R" 14 IN-9999
same "the good rows are in, on their incidents" \
    "$(q "$BAD" "SELECT group_concat(accident_code || '/' || coalesce(age, ''), ' ') FROM (SELECT * FROM victims ORDER BY code)")" "IN-0001/30 IN-0002/0 IN-0002/"

# accidents
before=$(count_rows "$BAD" accidents)
expect_exit "accidents with bad rows" 3 "$DEMINE" import "$BAD" accidents "$C/accidents_bad.geojson"
R="$T/bad.accidents.rejects.csv"
same "bad accident rows rejected" "$(rej_rows "$R")" "1 2 3 5 7"
W="$T/bad.accidents.warnings.csv"
same "an exact copy of a row is imported once, named in the warnings" "$(rows_in "$W"):$(grep -c '^8,"a copy of row 6' "$W")" "1:1"
same "imported + rejected + copies = features in the file" "$(($(count_rows "$BAD" accidents) - before + $(rows_in "$R") + 1))" \
    "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$C/accidents_bad.geojson")"
check "an incident_ref already in the database" rej_has "$R" 1 BA-2019-001 IN-0001
check "date 2021/03/07" rej_has "$R" 2 date 2021/03/07
check "date 03-07-2021" rej_has "$R" 3 date 03-07-2021
check "unknown device_category" rej_has "$R" 5 device_category landmine
check "an incident_ref twice in the file, with other values" rej_has "$R" 7 KB-05
same "the good ones in, DD.MM.YYYY as ISO" "$(q "$BAD" "SELECT group_concat(incident_ref || '=' || date, ' ') FROM accidents WHERE fid > $before")" "KB-03=2021-03-07 KB-05=2021-03-08"

# casualty rows
before_v=$(count_rows "$BAD" victims)
expect_exit "casualty rows with bad rows" 3 "$DEMINE" import "$BAD" casualties "$C/casualties_bad.csv"
R="$T/bad.casualties.rejects.csv"
same "bad casualty rows rejected, the good ones (1, 2, 17, 23) not" "$(rej_rows "$R")" "3 4 5 6 7 8 9 10 11 12 13 14 15 16 18 19 20 21 22"
same "imported + rejected = rows in the file" "$(($(count_rows "$BAD" victims) - before_v + $(rows_in "$R")))" "$(rows_in "$C/casualties_bad.csv")"
for r in 3 4; do check "row $r: rows 3 and 4 disagree on the date" rej_has "$R" $r "row 3" "row 4" date; done
for r in 5 6 7; do check "row $r: every row of the incident, naming rows 5 and 7 (device_category)" rej_has "$R" $r "row 5" "row 7" device_category; done
for r in 20 21; do check "row $r: positions 800 m apart" rej_has "$R" $r "row 20" "row 21" position; done
for r in 8 9; do check "row $r: an incident without any position" rej_has "$R" $r KX-04 position; done
check "casualty date 2021/03/07" rej_has "$R" 10 date 2021/03/07
check "casualty date 03-07-2021" rej_has "$R" 11 date 03-07-2021
check "casualty status missing" rej_has "$R" 12 status missing
check "casualty sex x" rej_has "$R" 13 sex "'x'"
check "casualty group police" rej_has "$R" 14 group police
check "casualty age 12y" rej_has "$R" 15 age 12y
check "casualty age -3" rej_has "$R" 16 age -3
check "casualty age 12 with age_group adult" rej_has "$R" 18 age_group adult
check "casualty row without incident_ref" rej_has "$R" 19 incident_ref
check "a row that disagrees with the recorded incident" rej_has "$R" 22 date 2020-11-08 2020-11-09
same "accidents made: KX-01 and KX-07 only" "$(q "$BAD" "SELECT group_concat(incident_ref, ' ') FROM accidents WHERE fid > (SELECT fid FROM accidents WHERE incident_ref = 'KB-05')")" "KX-01 KX-07"
same "no accident for a rejected incident" "$(q "$BAD" "SELECT count(*) FROM accidents WHERE incident_ref IN ('KX-02', 'KX-03', 'KX-04', 'KX-05', 'KX-06', 'KX-08')")" 0
same "victims made: 2 of KX-01, 1 of KX-07, 1 on the recorded BA-2019-001" \
    "$(q "$BAD" "SELECT group_concat(x, ' ') FROM (SELECT a.incident_ref || '/' || v.age AS x FROM victims v JOIN accidents a ON a.code = v.accident_code WHERE v.fid > $before_v ORDER BY x)")" \
    "BA-2019-001/44 KX-01/25 KX-01/30 KX-07/40"
same "the recorded incident is not changed by the rejected row" "$(q "$BAD" "SELECT date || ' ' || version FROM accidents WHERE incident_ref = 'BA-2020-001'")" "2020-11-09 1"

# ===========================================================================
# 7. casualties check: each finding lists exactly its records
CK="$T/check.gpkg"
sqlite3 "$DB" ".backup '$CK'"
# planted by another program (sqlite3), each with the finding it must raise:
sqlw "$CK" "
UPDATE accidents SET date = '2099-01-01' WHERE code = 'IN-0009';     -- impossible-date (future)
UPDATE accidents SET date = '2021-02-30' WHERE code = 'IN-0005';     -- impossible-date (not a date)
UPDATE accidents SET date = '1899-12-31' WHERE code = 'IN-0011';     -- impossible-date (before 1900)
UPDATE accidents SET device_category = 'mine' WHERE code = 'IN-0001'; -- value-not-in-list
INSERT INTO accidents (code, incident_ref, date, state, version) VALUES ('IN-0900', 'BA-NOPOS-1', '2021-05-05', 'approved', 1); -- accident-without-position
"
sqlite3 "$CK" "
INSERT INTO victims (code, accident_code, status, sex, age, \"group\", state, version) VALUES ('VI-0900', 'IN-0900', 'injured', 'f', 31, 'civilian', 'approved', 1);
INSERT INTO victims (code, accident_code, status, sex, age, \"group\", state, version) VALUES ('VI-0901', 'IN-9999', 'injured', 'm', 30, 'civilian', 'approved', 1); -- victim-without-incident
INSERT INTO victims (code, accident_code, status, sex, age, \"group\", state, version) VALUES ('VI-0902', NULL, 'killed', 'm', 30, 'civilian', 'approved', 1);      -- victim-without-incident
UPDATE victims SET age = 130 WHERE code = 'VI-0018';      -- age-out-of-range
UPDATE victims SET status = 'Killed' WHERE code = 'VI-0020'; -- value-not-in-list
"
# imported-twice: the same file row imported twice
"$DEMINE" import "$CK" victims "$C/victims_twice.csv" --quiet 2>/dev/null
SNAP=$(q "$CK" "SELECT (SELECT count(*) FROM victims), (SELECT count(*) FROM demine_change_log), (SELECT count(*) FROM demine_imports)")
expect_exit "the same victims file again" 0 "$DEMINE" import "$CK" victims "$C/victims_twice.csv"
check "  says it was imported before, with the date" err_has "was imported before, on $(date -u +%Y-%m-%d)"
same "  and imports nobody twice" "$(q "$CK" "SELECT (SELECT count(*) FROM victims), (SELECT count(*) FROM demine_change_log), (SELECT count(*) FROM demine_imports)")" "$SNAP"
tr -d '\r' <"$C/victims_twice.csv" >"$T/victims_twice_resaved.csv"
printf '\n' >>"$T/victims_twice_resaved.csv"
expect_exit "a re-saved copy of it (another hash): its victims are recognised by incident and values" 0 "$DEMINE" import "$CK" victims "$T/victims_twice_resaved.csv"
check "  all already present" err_has "already present"
same "  and nobody is added" "$(q "$CK" "SELECT count(*) FROM victims")" "$(cut -d' ' -f1 <<<"${SNAP//|/ }")"
# people, not places: identical rows are different victims (on a copy, so
# that the check below sees only its own cases)
MEN="$T/men.gpkg"
sqlite3 "$CK" ".backup '$MEN'"
REF=$(q "$MEN" "SELECT incident_ref FROM accidents WHERE code = 'IN-0011'")
printf 'incident_ref,status,sex,age,group\n%s,injured,m,34,civilian\n%s,injured,m,34,civilian\n' "$REF" "$REF" >"$T/two_men.csv"
N0=$(q "$MEN" "SELECT count(*) FROM victims")
expect_exit "two identical rows of one incident (two injured men of 34)" 0 "$DEMINE" import "$MEN" victims "$T/two_men.csv"
same "  are two victims" "$(($(q "$MEN" "SELECT count(*) FROM victims") - N0))" 2
printf '%s,injured,m,34,civilian\n' "$REF" >>"$T/two_men.csv"
expect_exit "the file again with a third such man" 0 "$DEMINE" import "$MEN" victims "$T/two_men.csv"
same "  adds the third only: each stored victim answers for one row" "$(($(q "$MEN" "SELECT count(*) FROM victims") - N0)):$(grep -c '2 already present' "$T/err")" "3:1"
same "  the two rows matched are named in the warnings" "$(grep -c 'in the database already' "$T/men.victims.warnings.csv")" 2
expect_exit "--again imports it once more (a file really meant twice)" 0 "$DEMINE" import "$CK" victims "$C/victims_twice.csv" --again --quiet
TWICE=$(q "$CK" "SELECT group_concat(code, ' ') FROM (SELECT code FROM victims WHERE accident_code = 'IN-0011' AND age = 44 ORDER BY code)")
same "the file row imported twice made two victims" "$(wc -w <<<"$TWICE")" 2
# already in the data: BA-2021-003 (IN-0008) is outside every admin area;
# BA-2024-001 (IN-0013) has no victim; VI-0006 and VI-0027 (injured, m, 52,
# civilian) are on incidents of 2020-11-10 102 m apart: one probable duplicate.
cat >"$T/check.want" <<E
accident-without-position: IN-0900
age-out-of-range: VI-0018
imported-twice: $TWICE
impossible-date: IN-0005 IN-0009 IN-0011
incident-without-victims: IN-0013
outside-admin-areas: IN-0008
probable-duplicate: VI-0006 VI-0027
value-not-in-list: IN-0001 VI-0020
victim-without-incident: VI-0901 VI-0902
E
expect_exit "casualties check finds the planted problems" 3 "$DEMINE" casualties check "$CK" --json --all
cp "$T/out" "$T/check.json"
# the pair imported twice (same incident, same attributes) may also be called a
# probable duplicate; every other pair may not
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); twice = sorted(sys.argv[2].split())
out = {}
for f in d["findings"]:
    recs = sorted(f["records"])
    if f["what"] == "probable-duplicate" and recs == twice:
        continue
    out.setdefault(f["what"], []).append(" ".join(recs))
for k in sorted(out):
    print("%s: %s" % (k, " | ".join(sorted(out[k]))))' "$T/check.json" "$TWICE" >"$T/check.got"
same_file "each finding with exactly its records" "$T/check.got" "$T/check.want"
same "one probable-duplicate finding per pair, each of two records" \
    "$(json "$T/check.json" "all(len(f['records'])==2 for f in d['findings'] if f['what']=='probable-duplicate')")" True
same "every finding has a severity, a detail and a count of its records" \
    "$(json "$T/check.json" "all(f['severity'] in ('error','warning') and f['detail'] and f['count']==len(f['records']) for f in d['findings'])")" True
same "errors and warnings count the findings of each severity" \
    "$(json "$T/check.json" "(d['errors'], d['warnings']) == (sum(f['severity']=='error' for f in d['findings']), sum(f['severity']=='warning' for f in d['findings']))")" True
expect_exit "casualties check, text" 3 "$DEMINE" casualties check "$CK" --all
cp "$T/out" "$T/check.txt"
for k in impossible-date accident-without-position value-not-in-list victim-without-incident age-out-of-range \
    incident-without-victims outside-admin-areas probable-duplicate imported-twice; do
    check "text names $k" grep -q -- "$k" "$T/check.txt"
done
check "text lists the records (VI-0901)" grep -q "VI-0901" "$T/check.txt"
expect_exit "a duplicate distance shorter than the 102 m between them: no probable duplicate" 3 \
    "$DEMINE" casualties check "$CK" --json --duplicate-within 50
same "  so the pair is gone" "$(json "$T/out" "[f['records'] for f in d['findings'] if f['what']=='probable-duplicate' and 'VI-0006' in f['records']]")" "[]"
expect_exit "casualties check without a database" 2 "$DEMINE" casualties check
expect_exit "casualties check of a file that does not exist" 1 "$DEMINE" casualties check "$T/none.gpkg"
# figures on the damaged data: 'Killed' is counted as unknown status, the
# orphans with their incident unknown
agree "figures after the planted changes --by status" "$CK" status "" "" 0 1
agree "figures after the planted changes --by year, drafts" "$CK" year "" "" 1 1
same "hand count: admin unknown = BA-2021-003 (2), the unplaced IN-0900 (1), orphans VI-0901, VI-0902 (no incident)" \
    "$("$DEMINE" stats "$CK" casualties --json --by admin | "$PY" -c 'import json,sys; print([(g["casualties"], g["incidents"]) for g in json.load(sys.stdin)["groups"] if g["key"]=="unknown"])')" "[(5, 2)]"
# undated: BA-UNDATED-1 (2), 2021-02-30 of IN-0005 (3), orphans (2)
same "orphans and dates that are not dates: left out of a date-limited figure and counted as undated" \
    "$(stat_of "$CK" undated_excluded --since 1900-01-01)" 7

# ===========================================================================
# 8. Personal data: names and addresses never leave without --personal-data
"$PY" -c '
import csv, sys
for f in sys.argv[1:]:
    for r in csv.DictReader(open(f)):
        for k in ("name", "address"):
            if r.get(k):
                print(r[k])' "$C/victims.csv" "$C/victims_submitted.csv" "$C/casualties.csv" | sort -u >"$T/personal"
same "the data has names and addresses to look for" "$(test "$(wc -l <"$T/personal")" -ge 40 && echo yes)" yes
# every stats output of this script is in $T/stats.all; add the text form
for by in admin settlement,sex; do
    "$DEMINE" stats "$DB" casualties --list --include-drafts --by "$by" >>"$T/stats.all" 2>&1
done
check "stats --list prints no name or address" test -z "$(grep -F -f "$T/personal" "$T/stats.all")"
check "  (and it did print codes)" grep -q "VI-0031" "$T/stats.all"
# two victims of one incident with the same name: a probable duplicate, the name unprinted
sqlite3 "$CK" "UPDATE victims SET name = 'Tarik Mujić', sex = 'm', age = 10, status = 'injured', \"group\" = 'civilian' WHERE code = 'VI-0031'"
{
    "$DEMINE" casualties check "$CK" --all
    "$DEMINE" casualties check "$CK" --json --all
    "$DEMINE" casualties check "$DB" --all
    "$DEMINE" casualties check "$DB2" --json
} >"$T/check.all" 2>&1
check "casualties check prints no name or address" test -z "$(grep -F -f "$T/personal" "$T/check.all")"
"$DEMINE" casualties check "$CK" --json >"$T/same_name.json" 2>/dev/null
same "  (the same-name pair is found all the same)" \
    "$(json "$T/same_name.json" "[sorted(f['records']) for f in d['findings'] if f['what']=='probable-duplicate' and 'VI-0031' in f['records']]")" "[['VI-0013', 'VI-0031']]"
expect_exit "export victims to a Shapefile is refused (no geometry: a lone .dbf)" 2 "$DEMINE" export "$DB" victims "$T/victims.shp"
check "  says why, and writes nothing" test "$(grep -c 'no geometry' "$T/err"):$(ls "$T" | grep -c '^victims\.')" = "1:0"
expect_exit "  so is KML" 2 "$DEMINE" export "$DB" victims "$T/victims.kml"
expect_exit "export victims" 0 "$DEMINE" export "$DB" victims "$T/victims.csv"
same "export has no name or address column" "$(head -1 "$T/victims.csv" | tr ',' '\n' | tr -d '"\r' | grep -cx 'name\|address')" 0
check "export has no name or address anywhere" test -z "$(grep -F -f "$T/personal" "$T/victims.csv")"
same "export has every approved victim" "$(($(wc -l <"$T/victims.csv") - 1))" "$(q "$DB" "SELECT count(*) FROM victims WHERE state = 'approved'")"
expect_exit "export victims --personal-data" 0 "$DEMINE" export "$DB" victims "$T/victims_pd.csv" --personal-data
same "with --personal-data: name and address columns" "$(head -1 "$T/victims_pd.csv" | tr ',' '\n' | tr -d '"\r' | grep -cx 'name\|address')" 2
same "with --personal-data: the names of the approved victims" \
    "$("$PY" -c 'import csv,sys; print(sorted(r["name"] for r in csv.DictReader(open(sys.argv[1])) if r["name"]))' "$T/victims_pd.csv")" \
    "$("$PY" -c 'import sys; print(sorted(sys.stdin.read().splitlines()))' <<<"$(q "$DB" "SELECT name FROM victims WHERE state = 'approved' AND coalesce(name, '') <> ''")")"

finish
