#!/usr/bin/env bash
# End-to-end: minefield records from the command line on the records of
# tests/data/minefield (see its README.md): check, render, import (linked to
# the hazardous area under the footprint), predict from files and from the
# database; bad input changes nothing.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
M="$ROOT/tests/data/minefield"
DB="$T/mf.gpkg"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }
command -v ogrinfo >/dev/null || { echo "FAIL ogrinfo is needed"; exit 1; }
q() { sqlite3 -batch "$DB" "$1"; }
readable() { ogrinfo -ro -q "$@" >/dev/null 2>&1; } # readable FILE [LAYER ...]: GDAL reads it
same() { # same NAME GOT EXPECTED
    if [ "$2" = "$3" ]; then ok "$1"; else
        fail "$1"
        printf '     got:      %s\n     expected: %s\n' "$2" "$3"
    fi
}
# the state of the database: rows of the tables a record import touches and
# the change log
db_state() {
    q "SELECT (SELECT count(*) FROM minefield_records), (SELECT count(*) FROM hazards),
              (SELECT count(*) FROM eo_items), (SELECT count(*) FROM demine_change_log),
              (SELECT coalesce(max(fid), 0) FROM demine_change_log)"
}

# ---- check ----
expect_exit "check good record" 0 "$DEMINE" minefield check "$M/good.json"
check "check prints rows and mines" grep -q "2 rows, 29 mines (1 scattered)" "$T/out"
expect_exit "check --json" 0 "$DEMINE" minefield check "$M/good.json" --json
cp "$T/out" "$T/check.json"
same "check --json figures" "$(json "$T/check.json" \
    '"%s %d %d %d %s %s" % (d["valid"], d["rows"], d["mines"], d["scattered"], d["length_m"], d["by_row"][1]["mines"])')" \
    "True 2 29 1 180 17"
# the footprint with a 10 m margin: row A's band, row B's band, S1's disc,
# within a few per cent of the hand figure (polygonal arcs, the overlap of
# the bands' ends)
check "check --json footprint area plausible" "$PY" -c "
import json,sys; a=json.load(open('$T/check.json'))['footprint_area_m2']
sys.exit(0 if 4300 < a < 4700 else 1)"
expect_exit "check --margin 20 grows the footprint" 0 "$DEMINE" minefield check "$M/good.json" --json --margin 20
check "larger margin, larger area" "$PY" -c "
import json,sys; sys.exit(0 if json.load(open('$T/out'))['footprint_area_m2'] > json.load(open('$T/check.json'))['footprint_area_m2'] else 1)"
expect_exit "check paces record" 0 "$DEMINE" minefield check "$M/paces.json"
# a pace length with metres, a declination with grid bearings: accepted,
# each with a warning saying how it is used
expect_exit "check record with harmless fields" 0 "$DEMINE" minefield check "$M/harmless.json"
check "harmless: pace length warned" err_has "warning: pace_m: 0.75 given with unit m"
check "harmless: declination warned" err_has "warning: declination_deg: 3.5 given with grid bearings"
expect_exit "check harmless --json" 0 "$DEMINE" minefield check "$M/harmless.json" --json
same "check harmless --json: valid, 2 warnings" "$(json "$T/out" '"%s %d" % (d["valid"], len(d["warnings"]))')" "True 2"
expect_exit "predict harmless record" 0 "$DEMINE" minefield predict --record "$M/harmless.json"
same "predict harmless record: all 11" "$(json "$T/out" 'len(d["features"])')" "11"
check "predict harmless record: warned" err_has "warning: pace_m: 0.75 given with unit m"
expect_exit "check negative leg: problems found" 3 "$DEMINE" minefield check "$M/bad_negative.json"
check "negative leg named" grep -qF "rows[1] (B) legs[0].distance: -5 is negative" "$T/out"
expect_exit "check mils" 3 "$DEMINE" minefield check "$M/bad_mils.json"
check "mils named" grep -qF "1600 mils = 90 degrees" "$T/out"
expect_exit "check typo" 3 "$DEMINE" minefield check "$M/bad_typo.json"
check "typo named" grep -qF 'unknown member "distnace" (did you mean "distance"?)' "$T/out"
expect_exit "check bad syntax" 3 "$DEMINE" minefield check "$M/bad_syntax.json" --json
same "bad syntax --json" "$(json "$T/out" '"%s|%s" % (d["valid"], d["problems"][0])')" \
    "False|not valid JSON at line 2, column 34: object value separator ',' expected"
expect_exit "check missing file" 1 "$DEMINE" minefield check "$T/nothing.json"
expect_exit "check no file: usage" 2 "$DEMINE" minefield check
expect_exit "check --margin 0: usage" 2 "$DEMINE" minefield check "$M/good.json" --margin 0
expect_exit "unknown subcommand: usage" 2 "$DEMINE" minefield draw "$M/good.json"
expect_exit "minefield --help" 0 "$DEMINE" minefield --help

# ---- render ----
expect_exit "render" 0 "$DEMINE" minefield render "$M/good.json" --out "$T/good.geojson"
check "render readable by ogrinfo" readable "$T/good.geojson"
same "render features by kind" "$(json "$T/good.geojson" \
    '" ".join("%s=%d" % (k, sum(1 for f in d["features"] if f["properties"]["kind"] == k)) for k in ("mine", "row", "footprint", "reference_point"))')" \
    "mine=29 row=2 footprint=1 reference_point=1"
same "render geometry types" "$(json "$T/good.geojson" \
    '" ".join(sorted(set(f["geometry"]["type"] for f in d["features"])))')" "LineString MultiPolygon Point"
expect_exit "render to stdout" 0 "$DEMINE" minefield render "$M/scattered_only.json"
same "render stdout: 2 mines" "$(json "$T/out" 'sum(1 for f in d["features"] if f["properties"]["kind"] == "mine")')" "2"
expect_exit "render bad record" 1 "$DEMINE" minefield render "$M/bad_negative.json" --out "$T/bad.geojson"
check "render bad record: nothing written" test ! -e "$T/bad.geojson" -a ! -e "$T/bad.geojson.part"
check "render bad record: message" err_has "legs\[0\].distance: -5 is negative"

# ---- import ----
"$DEMINE" init "$DB" >/dev/null 2>&1 || fail "init"
# HA-0001 under the record (rows of good.json run 50-80 m north of
# 18.4/43.85); HA-0002 overlaps only its southern scattered mine; HA-0003
# far away
cat >"$T/hazards.geojson" <<'EOF'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"HA-0001","status":"CHA"},"geometry":{"type":"Polygon","coordinates":[[[18.3995,43.8503],[18.4020,43.8503],[18.4020,43.8515],[18.3995,43.8515],[18.3995,43.8503]]]}},
{"type":"Feature","properties":{"code":"HA-0002","status":"SHA"},"geometry":{"type":"Polygon","coordinates":[[[18.3990,43.8496],[18.4010,43.8496],[18.4010,43.8502],[18.3990,43.8502],[18.3990,43.8496]]]}},
{"type":"Feature","properties":{"code":"HA-0003","status":"SHA"},"geometry":{"type":"Polygon","coordinates":[[[18.5,43.9],[18.51,43.9],[18.51,43.91],[18.5,43.91],[18.5,43.9]]]}}]}
EOF
expect_exit "import hazards" 0 "$DEMINE" import "$DB" hazards "$T/hazards.geojson" --quiet
before=$(db_state)
expect_exit "import bad record" 1 "$DEMINE" import "$DB" minefield-records "$M/bad_negative.json"
check "import bad record: message" err_has "bad_negative.json: rows\[1\] (B) legs\[0\].distance: -5 is negative"
same "import bad record: database unchanged" "$(db_state)" "$before"
expect_exit "import bad syntax" 1 "$DEMINE" import "$DB" minefield-records "$M/bad_syntax.json"
expect_exit "import --map: refused" 1 "$DEMINE" import "$DB" minefield-records "$M/good.json" --map laid=x
same "import refused: database unchanged" "$(db_state)" "$before"
expect_exit "import good record" 0 "$DEMINE" import "$DB" minefield-records "$M/good.json"
same "import: code, laid, hazard" "$(q "SELECT code, laid, hazard_code, state FROM minefield_records")" \
    "MR-0001|1993-05-01|HA-0001|approved"
same "import: record_json kept" "$(q "SELECT record_json FROM minefield_records WHERE code='MR-0001'")" \
    "$(cat "$M/good.json")"
same "import: change log" "$(q "SELECT action, kind, code FROM demine_change_log ORDER BY fid DESC LIMIT 1")" \
    "insert|minefield-records|MR-0001"
same "import: geometry is the reference point" \
    "$(ogrinfo -ro -q "$DB" minefield_records -where "code='MR-0001'" | grep -o 'POINT (.*)')" "POINT (18.4 43.85)"
before=$(db_state)
expect_exit "import the same id again" 1 "$DEMINE" import "$DB" minefield-records "$M/good.json"
check "import again: message" err_has "MR-0001 is already in the database"
same "import again: database unchanged" "$(db_state)" "$before"
expect_exit "import record without a code id" 0 "$DEMINE" import "$DB" minefield-records "$M/paces.json" --state submitted --verbose
same "import paces: assigned code, no hazard" "$(q "SELECT code, coalesce(hazard_code, '-'), state FROM minefield_records WHERE code <> 'MR-0001'")" \
    "MR-0002|-|submitted"
check "import paces: warning about no hazard" err_has "no hazardous area"
expect_exit "import --set hazard_code" 0 "$DEMINE" import "$DB" minefield-records "$M/scattered_only.json" --set hazard_code=HA-0003
same "import --set hazard_code" "$(q "SELECT hazard_code FROM minefield_records WHERE code = 'MR-0003'")" "HA-0003"
expect_exit "import --set unknown hazard" 1 "$DEMINE" import "$DB" minefield-records "$M/scattered_only.json" --set hazard_code=HA-0099

# ---- predict from files ----
# found mines: row A's first four, a point in EPSG:3857 would do too; here
# lon/lat, 1 m off the record
"$PY" - "$T/found.geojson" <<'P'
import json, math, sys
a = 6378137.0; f = 1 / 298.257223563; e2 = f * (2 - f)
lat0 = 43.85; s = math.sin(math.radians(lat0)); w = math.sqrt(1 - e2 * s * s)
kx = a / w * math.cos(math.radians(lat0)) * math.pi / 180; ky = a * (1 - e2) / w**3 * math.pi / 180
pts = [(18.4 + (10 * i + 1) / kx, 43.85 + 50 / ky) for i in range(4)]
json.dump({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"category": "AP"}, "geometry": {"type": "Point", "coordinates": p}} for p in pts]},
    open(sys.argv[1], "w"))
P
expect_exit "predict --record --found" 0 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/found.geojson" --out "$T/pred.geojson"
check "predict output readable by ogrinfo" readable "$T/pred.geojson"
same "predict: fit member" "$(json "$T/pred.geojson" 'sorted(d["fit"].keys())')" \
    "['alternatives', 'confidence', 'dx_m', 'dy_m', 'matched', 'rmse_m', 'rotation_deg', 'scale', 'weight']"
check "predict: points with row, index, radius_m" "$PY" -c "
import json,sys; d=json.load(open('$T/pred.geojson'))
ok = all(f['geometry']['type']=='Point' and {'row','index','radius_m'} <= set(f['properties']) for f in d['features'])
sys.exit(0 if ok and d['type']=='FeatureCollection' else 1)"
check "predict: 7 decimals" "$PY" -c "
import re,sys; t=open('$T/pred.geojson').read()
c=re.findall(r'\"coordinates\":\[(-?\d+\.\d+),(-?\d+\.\d+)\]', t)
sys.exit(0 if c and all(len(x.split('.')[1])==7 and len(y.split('.')[1])==7 for x,y in c) else 1)"
expect_exit "predict --json" 0 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/found.geojson" --out "$T/pred2.geojson" --json
same "predict --json: found" "$(json "$T/out" '"%d %s" % (d["found"], "fit" in d)')" "4 True"
check "predict --json: the fit's weight and alternatives, as in the GeoJSON" "$PY" -c "
import json,sys; j=json.load(open('$T/out'))['fit']; g=json.load(open('$T/pred2.geojson'))['fit']
a=j['alternatives']; w=[x['weight'] for x in a]
ok = all(set(x)=={'dx_m','dy_m','rotation_deg','scale','weight'} and 0<x['weight']<=1 for x in a)
ok = ok and 0<=j['weight']<=1 and j['weight']+sum(w)<=1+1e-6 and w==sorted(w, reverse=True)
ok = ok and abs(j['weight']-g['weight'])<1e-4 and len(a)==len(g['alternatives'])
ok = ok and all(abs(x['dx_m']-y['dx_m'])<1e-3 and abs(x['weight']-y['weight'])<1e-4 for x,y in zip(a,g['alternatives']))
sys.exit(0 if ok else 1)"
expect_exit "predict record only, stdout" 0 "$DEMINE" minefield predict --record "$M/good.json"
same "predict record only: all 29" "$(json "$T/out" 'len(d["features"])')" "29"
expect_exit "predict found only" 0 "$DEMINE" minefield predict --found "$T/found.geojson" --out "$T/pred3.geojson"
check "predict found only: a FeatureCollection with fit" "$PY" -c "
import json,sys; d=json.load(open('$T/pred3.geojson')); sys.exit(0 if 'fit' in d and d['type']=='FeatureCollection' else 1)"
# cleared ground from a file: row A's first 45 m (the found mines' strip);
# nothing predicted there; a file of points, or of polygons far away, is an
# error naming it
"$PY" - "$T/cleared.geojson" "$T/cleared_far.geojson" "$T/cleared_pt.geojson" <<'P'
import json, math, sys
a = 6378137.0; f = 1 / 298.257223563; e2 = f * (2 - f)
lat0 = 43.85; s = math.sin(math.radians(lat0)); w = math.sqrt(1 - e2 * s * s)
kx = a / w * math.cos(math.radians(lat0)) * math.pi / 180; ky = a * (1 - e2) / w**3 * math.pi / 180
def ll(x, y): return [18.4 + x / kx, 43.85 + y / ky]
def poly(x0, y0, x1, y1): return {"type": "Polygon", "coordinates": [[ll(x0, y0), ll(x1, y0), ll(x1, y1), ll(x0, y1), ll(x0, y0)]]}
for path, g in ((sys.argv[1], poly(-5, 40, 35, 60)), (sys.argv[2], poly(5000, 5000, 5100, 5100)), (sys.argv[3], {"type": "Point", "coordinates": ll(0, 50)})):
    json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": g}]}, open(path, "w"))
P
expect_exit "predict --cleared" 0 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/found.geojson" --cleared "$T/cleared.geojson" --out "$T/pred_cl.geojson"
check "predict --cleared: nothing predicted in the cleared ground" "$PY" -c "
import json,sys; d=json.load(open('$T/pred_cl.geojson'))
bad=[f for f in d['features'] if f['properties']['row']=='A' and f['properties']['index']<=4]
sys.exit(0 if not bad and len(d['features'])>0 else 1)"
expect_exit "predict --cleared far away" 1 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/found.geojson" --cleared "$T/cleared_far.geojson" --out "$T/pred_cl2.geojson"
check "predict --cleared far away: named" err_has "cleared_far.geojson: the cleared ground does not overlap the record"
expect_exit "predict --cleared points" 1 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/found.geojson" --cleared "$T/cleared_pt.geojson" --out "$T/pred_cl3.geojson"
check "predict --cleared points: named" err_has "cleared_pt.geojson: feature 1 is a POINT, not a polygon"
check "predict --cleared failed: nothing written" test ! -e "$T/pred_cl2.geojson" -a ! -e "$T/pred_cl3.geojson"
expect_exit "predict --cleared without --record: usage" 2 "$DEMINE" minefield predict --found "$T/found.geojson" --cleared "$T/cleared.geojson"

# scrap and UXO only: clutter, the record stays as written
"$PY" - "$T/scrap.geojson" <<'P'
import json, math, sys
a = 6378137.0; f = 1 / 298.257223563; e2 = f * (2 - f)
lat0 = 43.85; s = math.sin(math.radians(lat0)); w = math.sqrt(1 - e2 * s * s)
kx = a / w * math.cos(math.radians(lat0)) * math.pi / 180; ky = a * (1 - e2) / w**3 * math.pi / 180
pts = [("scrap", 37, 93), ("SCRAP", 120, 30), ("UXO", 66, 12), ("scrap", 140, 95), ("scrap", 15, 20), ("scrap", 95, 61)]
json.dump({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"category": c}, "geometry": {"type": "Point", "coordinates": [18.4 + x / kx, 43.85 + y / ky]}} for c, x, y in pts]},
    open(sys.argv[1], "w"))
P
expect_exit "predict with scrap only" 0 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/scrap.geojson" --out "$T/pred_scrap.geojson" --json
same "predict scrap only: 6 not mines, nothing matched, not moved" "$(json "$T/out" '"%d %d %.2f %.2f" % (d["not_mines"], d["fit"]["matched"], d["fit"]["dx_m"], d["fit"]["dy_m"])')" "6 0 0.00 0.00"
expect_exit "predict record only, to a file" 0 "$DEMINE" minefield predict --record "$M/good.json" --out "$T/pred_none.geojson"
same "predict scrap only: the record as written" "$(json "$T/pred_scrap.geojson" 'd["features"]')" "$(json "$T/pred_none.geojson" 'd["features"]')"
cat >"$T/line.geojson" <<'EOF'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[18.4,43.85]}},
{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[18.4,43.85],[18.41,43.85]]}}]}
EOF
expect_exit "predict: a line among found mines" 1 "$DEMINE" minefield predict --record "$M/good.json" --found "$T/line.geojson" --out "$T/pred4.geojson"
check "predict: line named by feature number" err_has "feature 2 is a LINESTRING, not a point"
check "predict failed: nothing written" test ! -e "$T/pred4.geojson"
expect_exit "predict bad record" 1 "$DEMINE" minefield predict --record "$M/bad_mils.json"
expect_exit "predict nothing: usage" 2 "$DEMINE" minefield predict
expect_exit "predict mixed forms: usage" 2 "$DEMINE" minefield predict "$DB" MR-0001 --record "$M/good.json"

# ---- predict from the database ----
# EO items: two AP mines on row A (found), an AT mine on row B, a UXO on
# row A (not a mine: clutter), an AP mine 1 km away (outside), a draft AP
# mine on row B (not approved: ignored)
"$PY" - "$T/items.geojson" <<'P'
import json, math, sys
a = 6378137.0; f = 1 / 298.257223563; e2 = f * (2 - f)
lat0 = 43.85; s = math.sin(math.radians(lat0)); w = math.sqrt(1 - e2 * s * s)
kx = a / w * math.cos(math.radians(lat0)) * math.pi / 180; ky = a * (1 - e2) / w**3 * math.pi / 180
def ll(x, y): return [18.4 + x / kx, 43.85 + y / ky]
items = [("AP", 0, 50), ("AP", 10, 50), ("AT", 5, 70), ("UXO", 20, 50), ("AP", 1000, 50)]
json.dump({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"category": c}, "geometry": {"type": "Point", "coordinates": ll(x, y)}}
    for c, x, y in items]}, open(sys.argv[1], "w"))
json.dump({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"category": "AP"}, "geometry": {"type": "Point", "coordinates": ll(15, 70)}}]},
    open(sys.argv[1] + ".draft", "w"))
P
mv "$T/items.geojson.draft" "$T/draft.geojson"
expect_exit "import EO items" 0 "$DEMINE" import "$DB" eo-items "$T/items.geojson" --quiet
expect_exit "import draft EO item" 0 "$DEMINE" import "$DB" eo-items "$T/draft.geojson" --state draft --quiet
before=$(db_state)
expect_exit "predict DATABASE CODE" 0 "$DEMINE" minefield predict "$DB" MR-0001 --out "$T/pred_db.geojson" --json
same "predict DATABASE CODE: 4 found items, the UXO not a mine" "$(json "$T/out" '"%d %d" % (d["found"], d["not_mines"])')" "4 1"
check "predict DATABASE CODE output readable" readable "$T/pred_db.geojson"
expect_exit "predict --within 2000" 0 "$DEMINE" minefield predict "$DB" MR-0001 --within 2000 --out "$T/pred_db2.geojson" --json
same "predict --within 2000: the far mine too" "$(json "$T/out" 'd["found"]')" "5"
# a land release over row A's first 45 m: cleared ground, nothing predicted there
"$PY" - "$T/release.geojson" <<'P'
import json, math, sys
a = 6378137.0; f = 1 / 298.257223563; e2 = f * (2 - f)
lat0 = 43.85; s = math.sin(math.radians(lat0)); w = math.sqrt(1 - e2 * s * s)
kx = a / w * math.cos(math.radians(lat0)) * math.pi / 180; ky = a * (1 - e2) / w**3 * math.pi / 180
def ll(x, y): return [18.4 + x / kx, 43.85 + y / ky]
ring = [ll(-5, 40), ll(45, 40), ll(45, 60), ll(-5, 60), ll(-5, 40)]
json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"method": "cleared"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}, open(sys.argv[1], "w"))
P
expect_exit "import a land release" 0 "$DEMINE" import "$DB" releases "$T/release.geojson" --quiet
expect_exit "predict DATABASE CODE with a release" 0 "$DEMINE" minefield predict "$DB" MR-0001 --out "$T/pred_db3.geojson"
check "predict DATABASE CODE: nothing predicted in released ground" "$PY" -c "
import json,sys; d=json.load(open('$T/pred_db3.geojson'))
bad=[f for f in d['features'] if f['properties']['row']=='A' and f['properties']['index']<=5]
sys.exit(0 if not bad and len(d['features'])>0 else 1)"
before=$(db_state)
expect_exit "predict DATABASE CODE to stdout" 0 "$DEMINE" minefield predict "$DB" MR-0001
same "predict stdout has fit" "$(json "$T/out" '"fit" in d')" "True"
expect_exit "predict unknown code" 1 "$DEMINE" minefield predict "$DB" MR-0042
check "predict unknown code: message" err_has "no minefield record MR-0042"
same "predict changes nothing" "$(db_state)" "$before"

finish
