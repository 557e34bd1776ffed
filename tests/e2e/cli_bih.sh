#!/usr/bin/env bash
# End-to-end: every command of the foundation on the real BiH data.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
DB="$T/atlas.gpkg"

expect_exit "init creates a database" 0 "$DEMINE" init "$DB"
expect_exit "init refuses to overwrite" 1 "$DEMINE" init "$DB"
check "init message says why" err_has "already exists"

# independent counts straight from the source files
read -r H_ALL H_NULL H_EMPTY <<<"$("$PY" -c '
import json,sys
d=json.load(open(sys.argv[1]))["features"]
n=sum(1 for f in d if f["geometry"] is None)
e=sum(1 for f in d if f["geometry"] is not None and not f["geometry"]["coordinates"])
print(len(d), n, e)' "$BIH/suspected_areas.geojson")"
read -r R_ALL R_NULL <<<"$("$PY" -c '
import json,sys
d=json.load(open(sys.argv[1]))["features"]
print(len(d), sum(1 for f in d if f["geometry"] is None))' "$BIH/cleared_areas.geojson")"
# exact copies (same geometry and properties as an earlier feature with a
# geometry), counted from the files
copies() { "$PY" -c '
import json,sys
seen=set(); n=0
for f in json.load(open(sys.argv[1]))["features"]:
    if not f["geometry"] or not f["geometry"]["coordinates"]: continue
    k=json.dumps([f["geometry"], f["properties"]], sort_keys=True)
    n+=k in seen; seen.add(k)
print(n)' "$1"; }
H_COPIES=$(copies "$BIH/suspected_areas.geojson")
R_COPIES=$(copies "$BIH/cleared_areas.geojson")
I_ALL=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$BIH/incidents.geojson")
I_COPIES=$(copies "$BIH/incidents.geojson")

expect_exit "import hazards: some rows rejected" 3 "$DEMINE" import "$DB" hazards "$BIH/suspected_areas.geojson" --set status=SHA
check "the repairs are in the warnings file, one row each" \
    test "$(grep -c 'repaired' "$T/atlas.hazards.warnings.csv")" -gt 100
check "  and not on the terminal: the summary and one count line" \
    test "$(grep -c '^warning:' "$T/err"):$(grep -c "^$(($(wc -l <"$T/atlas.hazards.warnings.csv") - 1)) warnings: $T/atlas.hazards.warnings.csv" "$T/err")" = "0:1"
check "hazards rejects file lists every null-geometry row" \
    test "$(grep -c 'no geometry (null)' "$T/atlas.hazards.rejects.csv")" -eq "$H_NULL"
check "hazards rejects file lists every empty geometry" \
    test "$(grep -c 'empty geometry' "$T/atlas.hazards.rejects.csv")" -eq "$H_EMPTY"
REJ=$(($(wc -l <"$T/atlas.hazards.rejects.csv") - 1))
HAZ=$(count_rows "$DB" hazards)
check "no hazard row lost: imported + rejected + copies = rows in the file ($HAZ + $REJ + $H_COPIES = $H_ALL)" test $((HAZ + REJ + H_COPIES)) -eq "$H_ALL"
check "  each copy is in the warnings file with the row it copies" test "$(grep -c '"a copy of row' "$T/atlas.hazards.warnings.csv")" -eq "$H_COPIES"
check "  and the rows it names are the same features" "$PY" -c '
import csv,json,re,sys
d=json.load(open(sys.argv[1]))["features"]
rows=[r for r in csv.DictReader(open(sys.argv[2])) if r["warning"].startswith("a copy of row")]
ok=all(json.dumps([d[int(r["row"])-1]["geometry"], d[int(r["row"])-1]["properties"]], sort_keys=True)
       == json.dumps([d[int(re.match(r"a copy of row (\d+)", r["warning"]).group(1))-1]["geometry"],
                      d[int(re.match(r"a copy of row (\d+)", r["warning"]).group(1))-1]["properties"]], sort_keys=True) for r in rows)
sys.exit(0 if ok and rows else 1)' "$BIH/suspected_areas.geojson" "$T/atlas.hazards.warnings.csv"
check "summary on stderr" err_has "rows read"
check "repairs are reported" err_has "repaired"
# an import whose every row is rejected changes nothing, bookkeeping included
state() { sqlite3 "$DB" "SELECT * FROM sqlite_sequence; SELECT count(*) FROM demine_change_log; SELECT * FROM demine_stamp"; }
BEFORE=$(state)
printf '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}\n' >"$T/none.geojson"
expect_exit "an import whose every row is rejected" 3 "$DEMINE" import "$DB" hazards "$T/none.geojson" --set status=SHA --rejects "$T/none.rej.csv"
check "  says nothing was changed" err_has "nothing was changed"
check "  and changes nothing: sequences, change log, stamps" test "$(state)" = "$BEFORE"
check "rejects row numbers are the file's features" \
    "$PY" -c '
import csv,json,sys
d=json.load(open(sys.argv[1]))["features"]
rows=list(csv.DictReader(open(sys.argv[2])))
sys.exit(0 if all(d[int(r["row"])-1]["geometry"] is None for r in rows if "null" in r["reason"]) else 1)' \
    "$BIH/suspected_areas.geojson" "$T/atlas.hazards.rejects.csv"

expect_exit "import releases" 3 "$DEMINE" import "$DB" releases "$BIH/cleared_areas.geojson" --set method=cleared --quiet
check "releases rejects list the null rows" test "$(grep -c 'no geometry (null)' "$T/atlas.releases.rejects.csv")" -eq "$R_NULL"
REJ=$(($(wc -l <"$T/atlas.releases.rejects.csv") - 1))
check "no release row lost (imported + rejected + copies)" test $(($(count_rows "$DB" releases) + REJ + R_COPIES)) -eq "$R_ALL"
expect_exit "import accidents" 0 "$DEMINE" import "$DB" accidents "$BIH/incidents.geojson"
check "the $I_ALL incidents are in once each: $I_COPIES exact copies left out" test "$(count_rows "$DB" accidents):$(($(wc -l <"$T/atlas.accidents.warnings.csv") - 1))" = "$((I_ALL - I_COPIES)):$I_COPIES"
check "  (the file has copies: 202 of 1442)" test "$I_COPIES:$I_ALL" = "202:1442"
expect_exit "import admin areas" 0 "$DEMINE" import "$DB" admin-areas "$BIH/municipalities.geojson" --map name=shapeName --set level=3
check "admin names mapped" test "$(sqlite3 "$DB" "SELECT count(*) FROM admin_areas WHERE name IS NOT NULL AND level = 3")" -eq 142
# a re-import of every BiH file changes nothing
reimport_state() { sqlite3 "$DB" "SELECT * FROM sqlite_sequence; SELECT count(*) FROM demine_change_log; SELECT * FROM demine_stamp; SELECT count(*), sum(version) FROM hazards; SELECT count(*) FROM demine_imports; SELECT count(*) FROM demine_import_keys"; }
BEFORE=$(reimport_state)
expect_exit "re-import the suspected areas" 3 "$DEMINE" import "$DB" hazards "$BIH/suspected_areas.geojson" --set status=SHA
check "  every row imported before is already present" err_has "0 imported, $((HAZ + H_COPIES)) already present"
check "  it says the file was imported before, with the date" err_has "this file was imported before, on $(date -u +%Y-%m-%d)"
expect_exit "re-import the cleared areas" 3 "$DEMINE" import "$DB" releases "$BIH/cleared_areas.geojson" --set method=cleared
check "  already present" err_has " 0 imported, .* already present"
expect_exit "re-import the incidents" 0 "$DEMINE" import "$DB" accidents "$BIH/incidents.geojson"
check "  all $I_ALL already present (none doubled)" err_has "0 imported, $I_ALL already present"
expect_exit "re-import the municipalities" 0 "$DEMINE" import "$DB" admin-areas "$BIH/municipalities.geojson" --map name=shapeName --set level=3
check "  already present" err_has "0 imported, 142 already present"
jq_less=$(mktemp -p "$T" XXXX.geojson)
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["features"]=d["features"][::-1]; json.dump(d, open(sys.argv[2], "w"))' "$BIH/incidents.geojson" "$jq_less"
expect_exit "the incidents in another order, saved anew (another file)" 0 "$DEMINE" import "$DB" accidents "$jq_less"
check "  are still known by their content" err_has "0 imported, $I_ALL already present"
check "the database is as it was: sequences, change log, stamps, versions, import log" test "$(reimport_state)" = "$BEFORE"
expect_exit "the import log" 0 "$DEMINE" imports "$DB" --json
check "  has each file once, with its SHA-256" test "$(json "$T/out" "[(e['file'], e['sha256']) for e in d]")" = "$("$PY" -c '
import hashlib,sys
print([(p.split("/")[-1], hashlib.sha256(open(p,"rb").read()).hexdigest()) for p in sys.argv[1:]])' "$BIH/suspected_areas.geojson" "$BIH/cleared_areas.geojson" "$BIH/incidents.geojson" "$BIH/municipalities.geojson")"
# --keep-duplicates: every copy, for the rare file whose copies are real
"$DEMINE" init "$T/dup.gpkg" 2>/dev/null
expect_exit "incidents --keep-duplicates" 0 "$DEMINE" import "$T/dup.gpkg" accidents "$BIH/incidents.geojson" --keep-duplicates
check "  imports all $I_ALL rows" test "$(count_rows "$T/dup.gpkg" accidents)" -eq "$I_ALL"
expect_exit "  and again" 0 "$DEMINE" import "$T/dup.gpkg" accidents "$BIH/incidents.geojson" --keep-duplicates
check "  changes nothing: all present" test "$(count_rows "$T/dup.gpkg" accidents):$(grep -c "0 imported, $I_ALL already present" "$T/err")" = "$I_ALL:1"
# the sixth file, the entities (admin level 1), in a database of its own
"$DEMINE" init "$T/ent.gpkg" 2>/dev/null
expect_exit "import the entities" 0 "$DEMINE" import "$T/ent.gpkg" admin-areas "$BIH/entities.geojson" --map name=shapeName --set level=1
ENT_STATE=$(sqlite3 "$T/ent.gpkg" "SELECT count(*) FROM admin_areas; SELECT count(*) FROM demine_change_log; SELECT * FROM sqlite_sequence")
expect_exit "  and again" 0 "$DEMINE" import "$T/ent.gpkg" admin-areas "$BIH/entities.geojson" --map name=shapeName --set level=1
check "  already present, nothing changed" test "$(grep -c "0 imported, $("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$BIH/entities.geojson") already present" "$T/err"):$(sqlite3 "$T/ent.gpkg" "SELECT count(*) FROM admin_areas; SELECT count(*) FROM demine_change_log; SELECT * FROM sqlite_sequence")" = "1:$ENT_STATE"
check "unmapped columns kept as attributes" test "$(sqlite3 "$DB" "SELECT json_extract(attributes, '\$.fileId') FROM hazards WHERE code = 'HA-0001'")" = "2585-III"
check "every change is in the change log" test "$(sqlite3 "$DB" "SELECT count(*) FROM demine_change_log")" -eq \
    "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM hazards)+(SELECT count(*) FROM releases)+(SELECT count(*) FROM accidents)+(SELECT count(*) FROM admin_areas)")"
check "imports are approved and made by the owner" test "$(sqlite3 "$DB" "SELECT count(*) FROM hazards WHERE state='approved' AND created_by=(SELECT value FROM demine_meta WHERE key='owner')")" -eq "$HAZ"

# on a terminal, a long import shows its progress (script gives it one)
if command -v script >/dev/null; then
    "$DEMINE" init "$T/tty.gpkg" 2>/dev/null
    script -qec "$(printf '%q ' "$DEMINE" import "$T/tty.gpkg" releases "$BIH/cleared_areas.geojson" --set method=cleared)" /dev/null >"$T/tty.out" 2>&1
    check "a progress bar on a terminal" grep -q "\[#\{40\}\] $R_ALL/$R_ALL rows" "$T/tty.out"
    "$DEMINE" import "$T/tty.gpkg" releases "$BIH/cleared_areas.geojson" --set method=cleared --rejects "$T/r2.csv" 2>"$T/notty.err"
    check "no progress bar when stderr is not a terminal" test "$(grep -c '\[#' "$T/notty.err")" -eq 0
fi

# the file is a valid GeoPackage that GDAL lists completely
check "validate_gpkg.py passes" "$PY" /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$DB"
ogrinfo -ro -q "$DB" >"$T/layers" 2>&1
for layer in hazards releases activities eo_items accidents victims organisations admin_areas settlements infrastructure minefield_records demine_change_log; do
    check "ogrinfo lists $layer" grep -q " $layer" "$T/layers"
done
check "every geometry table has an rtree index" test "$(sqlite3 "$DB" "SELECT count(*) FROM gpkg_extensions WHERE extension_name='gpkg_rtree_index'")" -eq 9
check "WAL mode" test "$(sqlite3 "$DB" "PRAGMA journal_mode")" = wal

# land release
expect_exit "stats landrelease --json" 0 "$DEMINE" stats "$DB" landrelease --json
cp "$T/out" "$T/lr.json"
check "stable keys" test "$(json "$T/lr.json" "sorted(k for k in d if k.endswith(('_m2','count')) or k=='groups')")" = "['groups', 'hazard_area_m2', 'hazard_count', 'recorded_area_m2', 'release_count', 'released_area_m2', 'released_inside_hazards_m2', 'remaining_area_m2']"
check "released splits add up" test "$(json "$T/lr.json" "abs(sum(d['released_area_m2'][k] for k in ('cancelled','reduced','cleared'))-d['released_area_m2']['total'])<1e-6")" = True
check "recorded = released + remaining" test "$(json "$T/lr.json" "abs(d['recorded_area_m2']-d['released_area_m2']['total']-d['remaining_area_m2'])/d['recorded_area_m2']<1e-9")" = True
check "hazard = released inside hazards + remaining" test "$(json "$T/lr.json" "abs(d['hazard_area_m2']-d['released_inside_hazards_m2']-d['remaining_area_m2'])/d['hazard_area_m2']<1e-6")" = True
# released land counts whether or not today's hazard polygons still cover it
# (DESIGN.md: most cleared land lies outside them): PostGIS gives these figures
check "released (cleared) is area(R): 38,570,900 m² within 0.1%" test "$(json "$T/lr.json" "abs(d['released_area_m2']['cleared']-38570900)<=38570.9")" = True
check "recorded is area(H ∪ R): 844,364,767 m² within 0.1%" test "$(json "$T/lr.json" "abs(d['recorded_area_m2']-844364767)<=844365")" = True
check "released inside today's hazards is the small part (1.1 km²)" test "$(json "$T/lr.json" "1.0e6<d['released_inside_hazards_m2']<1.3e6")" = True
check "hazard count = imported hazards" test "$(json "$T/lr.json" "d['hazard_count']")" -eq "$HAZ"
check "hazard area is plausible for BiH (1e8..2e9 m²)" test "$(json "$T/lr.json" "1e8<d['hazard_area_m2']<2e9")" = True
expect_exit "stats landrelease --by admin --json" 0 "$DEMINE" stats "$DB" landrelease --by admin --json
cp "$T/out" "$T/lra.json"
check "one group per municipality" test "$(json "$T/lra.json" "len(d['groups'])")" -eq 142
check "municipalities add up to at most the total, and nearly all of it" test "$(json "$T/lra.json" "0.98*d['hazard_area_m2'] < sum(g['hazard_area_m2'] for g in d['groups']) <= d['hazard_area_m2']*(1+1e-9)")" = True
check "each group: recorded = released + remaining" test "$(json "$T/lra.json" "all(abs(g['recorded_area_m2']-g['released_area_m2']['total']-g['remaining_area_m2'])<=1+1e-4*g['recorded_area_m2'] for g in d['groups'])")" = True
check "each group: hazard = released inside hazards + remaining" test "$(json "$T/lra.json" "all(abs(g['hazard_area_m2']-g['released_inside_hazards_m2']-g['remaining_area_m2'])<=1+1e-4*g['hazard_area_m2'] for g in d['groups'])")" = True
expect_exit "stats landrelease --list" 0 "$DEMINE" stats "$DB" landrelease --by admin --json --list
check "--list names the hazards behind each group" test "$(json "$T/out" "all(len(g['hazards'])==g['hazard_count'] for g in d['groups'])")" = True
expect_exit "stats landrelease text" 0 "$DEMINE" stats "$DB" landrelease
check "text output states units" grep -q "m²" "$T/out"
expect_exit "stats by year (no dates: one unknown group)" 0 "$DEMINE" stats "$DB" landrelease --by year --json
check "unknown year group holds all releases" test "$(json "$T/out" "[g['key'] for g in d['groups']]")" = "['unknown']"
expect_exit "bad --by is a usage error" 2 "$DEMINE" stats "$DB" landrelease --by colour

# drafts stay out of official figures
cat >"$T/one.geojson" <<'J'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"new"},"geometry":{"type":"Polygon","coordinates":[[[16.0,43.0],[16.01,43.0],[16.01,43.01],[16.0,43.01],[16.0,43.0]]]}}]}
J
expect_exit "import --state submitted" 0 "$DEMINE" import "$DB" hazards "$T/one.geojson" --set status=CHA --state submitted
check "new code continues the sequence" test "$(sqlite3 "$DB" "SELECT code FROM hazards WHERE state='submitted'")" = "$(printf 'HA-%04d' $((HAZ + 1)))"
"$DEMINE" stats "$DB" landrelease --json >"$T/lr2.json"
check "submitted record not in official figures" test "$(json "$T/lr2.json" "d['hazard_count']")" -eq "$HAZ"
"$DEMINE" stats "$DB" landrelease --json --include-drafts >"$T/lr3.json"
check "--include-drafts counts it and says so" test "$(json "$T/lr3.json" "(d['hazard_count'], d['approved_only'])")" = "($((HAZ + 1)), False)"

# export in every format
for ext in geojson gpkg csv shp kml; do
    expect_exit "export hazards .$ext" 0 "$DEMINE" export "$DB" hazards "$T/out_h.$ext"
    if [ "$ext" = csv ]; then n=$(($(wc -l <"$T/out_h.csv") - 1)); else
        n=$(ogrinfo -ro -al -so "$T/out_h.$ext" 2>/dev/null | awk -F': ' '/Feature Count/{print $2}'); fi
    check "export .$ext has every approved hazard ($n)" test "$n" -eq "$HAZ"
done
check "hazard exports carry each area's geodesic m² (all > 0; their sum at least the union's)" \
    "$PY" -c 'import json,sys
a=[f["properties"]["area_m2"] for f in json.load(open(sys.argv[1]))["features"]]
u=json.load(open(sys.argv[2]))["hazard_area_m2"]
sys.exit(0 if all(x > 0 for x in a) and u * 0.999 <= sum(a) <= u * 1.2 else 1)' "$T/out_h.geojson" "$T/lr.json"
expect_exit "export refuses to overwrite" 1 "$DEMINE" export "$DB" hazards "$T/out_h.geojson"
expect_exit "export to an unknown format is a usage error" 2 "$DEMINE" export "$DB" hazards "$T/out.xyz"
check "no temporary export folders left" test -z "$(ls -A "$T" | grep demine-export || true)"

# a spreadsheet with lon/lat columns, and dates that stay ISO 8601 in CSV
printf 'lon,lat,category,quantity,date\n17.1,44.2,AP,2,07.03.2021\n17.2,44.3,UXO,1,2021-04-01\n' >"$T/items.csv"
ogr2ogr -f XLSX "$T/items.xlsx" "$T/items.csv" 2>/dev/null
expect_exit "import EO items from XLSX" 0 "$DEMINE" import "$DB" eo-items "$T/items.xlsx"
expect_exit "export EO items to CSV" 0 "$DEMINE" export "$DB" eo-items "$T/items_out.csv"
check "points come from the lon/lat columns" grep -q '^17.1,44.2,EO-0001,AP,,"\?2"\?,2021-03-07,' "$T/items_out.csv"
check "lon/lat are not kept twice as attributes" test "$(sqlite3 "$DB" "SELECT count(*) FROM eo_items WHERE attributes LIKE '%lon%'")" -eq 0

# check
expect_exit "check: no errors on the imported data" 0 "$DEMINE" check "$DB"
check "check reports overlapping hazards" grep -q "overlapping-hazards" "$T/out"
review_listed() { grep -A1 "waiting-for-review" "$T/out" | grep -q "$(printf 'HA-%04d' $((HAZ + 1)))"; }
check "check lists the record waiting for review" review_listed
sqlite3 "$DB" "UPDATE demine_change_log SET version = 99 WHERE code = 'HA-0001'"
expect_exit "check finds a change made outside demine" 3 "$DEMINE" check "$DB" --json
check "it names the table" grep -q "change-log-gap" "$T/out"

# keyed rows: BiH areas given ids (GeoJSON "id" members) and names
KDB="$T/keyed.gpkg"
"$DEMINE" init "$KDB" 2>/dev/null
keyed() { # keyed OUT NAME_OF_K2 [EXTRA_CLAIM]: the first three areas with geometry as K-1..K-3
    "$PY" -c '
import json,sys
fs=[f for f in json.load(open(sys.argv[1]))["features"] if f["geometry"] and f["geometry"]["coordinates"]][:3]
out=[]
for i,f in enumerate(fs):
    out.append({"type":"Feature","id":"K-%d"%(i+1),"geometry":f["geometry"],
                "properties":{"name":sys.argv[3] if i==1 else "Keyed field %d"%(i+1)}})
if len(sys.argv) > 4:  # a fourth row claiming K-1 with another name
    out.append({"type":"Feature","id":"K-1","geometry":fs[0]["geometry"],"properties":{"name":"Another field"}})
json.dump({"type":"FeatureCollection","features":out}, open(sys.argv[2],"w"))' "$BIH/suspected_areas.geojson" "$@"
}
keyed "$T/k1.geojson" "Keyed field 2" claim
expect_exit "keyed rows, one id claimed twice" 3 "$DEMINE" import "$KDB" hazards "$T/k1.geojson" --set status=SHA
check "  three records, the later claim rejected naming both rows" test "$(count_rows "$KDB" hazards):$(grep -c '^4,"row 4 claims the key .*K-1 of row 1 with different content' "$T/keyed.hazards.rejects.csv")" = "3:1"
expect_exit "the same file again" 3 "$DEMINE" import "$KDB" hazards "$T/k1.geojson" --set status=SHA
check "  three present, nothing changed" err_has "0 imported, 3 already present"
keyed "$T/k2.geojson" "Keyed field 2, north part"
K2=$(sqlite3 "$KDB" "SELECT code FROM hazards WHERE name = 'Keyed field 2'")
V2=$(sqlite3 "$KDB" "SELECT version FROM hazards WHERE code = '$K2'")
expect_exit "K-2 renamed in the source" 0 "$DEMINE" import "$KDB" hazards "$T/k2.geojson" --set status=SHA
check "  is one changed record, proposed for review" err_has "0 imported, 2 already present, 1 changed records"
check "  never a second record; the approved one unchanged" test "$(count_rows "$KDB" hazards):$(sqlite3 "$KDB" "SELECT version || name FROM hazards WHERE code = '$K2'")" = "3:${V2}Keyed field 2"
check "  the change waits for review with the new name" test "$(sqlite3 "$KDB" "SELECT code || ' ' || json_extract(record_values, '\$.name') FROM demine_pending")" = "$K2 Keyed field 2, north part"
check "  the warnings name the record" grep -q "$K2 differs from what was imported before" "$T/keyed.hazards.warnings.csv"
keyed "$T/k3.geojson" "Keyed field 2, south part"
expect_exit "changed again while the change waits" 3 "$DEMINE" import "$KDB" hazards "$T/k3.geojson" --set status=SHA
check "  is rejected: review the waiting change first" grep -q "which has a change waiting for review" "$T/keyed.hazards.rejects.csv"
expect_exit "--key a column that is not there" 1 "$DEMINE" import "$KDB" hazards "$T/k3.geojson" --set status=SHA --key GUID
check "  names the columns there are" err_has "has no column 'GUID'; its columns are: id, name"

# the data model as the user sees it
expect_exit "kinds lists every kind" 0 "$DEMINE" kinds
check "kinds names the personal-data fields" grep -q "name  *text (personal data)" "$T/out"
check "kinds lists allowed values" grep -q "method  *one of cancelled, reduced, cleared (required)" "$T/out"
expect_exit "kinds of an unknown kind" 2 "$DEMINE" kinds minefields

# demo and items
expect_exit "demo builds" 0 "$DEMINE" demo --out "$T/demo.gpkg"
for by in category year admin; do
    expect_exit "stats items --by $by" 0 "$DEMINE" stats "$T/demo.gpkg" items --by "$by" --json
    check "items by $by add up" test "$(json "$T/out" "sum(g['quantity'] for g in d['groups'])==d['quantity'] and d['quantity']>0")" = True
done
check "items total matches the table" test "$("$DEMINE" stats "$T/demo.gpkg" items --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["quantity"])')" -eq "$(sqlite3 "$T/demo.gpkg" "SELECT sum(coalesce(quantity,1)) FROM eo_items WHERE state='approved'")"
check "synthetic records are labelled" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM eo_items WHERE origin <> 'synthetic demo data'")" -eq 0
check "synthetic victims are labelled" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM victims WHERE origin <> 'synthetic demo data'")" -eq 0
check "the demo has 2500 synthetic victims" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM victims")" -eq 2500
check "every synthetic incident lies in a municipality" test "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM accidents WHERE origin = 'synthetic demo data' AND coalesce(admin_code, '') = ''")" -eq 0
check "demo casualties equal the approved victims of approved incidents" test "$("$DEMINE" stats "$T/demo.gpkg" casualties --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["casualties"])')" -eq "$(sqlite3 "$T/demo.gpkg" "SELECT count(*) FROM victims v JOIN accidents a ON a.code = v.accident_code WHERE v.state = 'approved' AND a.state = 'approved'")"
expect_exit "demo land release by year" 0 "$DEMINE" stats "$T/demo.gpkg" landrelease --by year --json
check "yearly released areas add up to the total" test "$(json "$T/out" "abs(sum(g['released_area_m2']['total'] for g in d['groups'])-d['released_area_m2']['total'])<=1e-6*d['released_area_m2']['total']")" = True
check "remaining shrinks year by year" test "$(json "$T/out" "all(a['remaining_area_m2']>=b['remaining_area_m2'] for a,b in zip(d['groups'],d['groups'][1:]))")" = True

finish
