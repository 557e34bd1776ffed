#!/usr/bin/env bash
# demine settlement plan: on the demo database, a settlement by code and by
# name gives the same plan; every listed hazard is within the buffer (one
# distance checked independently, Vincenty on WGS84 from the exported
# polygon; one remaining area against SpatiaLite); the total remaining area
# is the sum of the listed ones; doubling the teams about halves the P50
# days; a road into the buffer brings in a hazard beyond it; several
# matches, no match, a negative buffer and bad --teams are errors with
# nothing on stdout.
. "$(dirname "$0")/lib.sh"
DEMINE=$1
DB="$T/demo.gpkg"
expect_exit "demo builds" 0 "$DEMINE" demo --out "$DB"

CODE=3192793 # Polje-Bijela, hazards within 1000 m in the demo
expect_exit "plan by code" 0 "$DEMINE" settlement plan "$DB" "$CODE" --json --runs 2000
cp "$T/out" "$T/code.json"
expect_exit "plan by name (other case)" 0 "$DEMINE" settlement plan "$DB" "polje-bijela" --json --runs 2000
cp "$T/out" "$T/name.json"
check "--json parses, the settlement found" [ "$(json "$T/code.json" "d['settlement']['name']")" = "Polje-Bijela" ]
check "by code and by name: the same plan" \
    [ "$(json "$T/code.json" "json.dumps({k: v for k, v in d.items() if k != 'forecast'}, sort_keys=True) + json.dumps(d['forecast']['days'])")" = \
      "$(json "$T/name.json" "json.dumps({k: v for k, v in d.items() if k != 'forecast'}, sort_keys=True) + json.dumps(d['forecast']['days'])")" ]
check "some hazards listed" [ "$(json "$T/code.json" "len(d['hazards']) >= 2")" = True ]
check "every listed hazard within the buffer" \
    [ "$(json "$T/code.json" "all(h['reason'] == 'buffer' and 0 <= h['distance_m'] <= d['buffer_m'] for h in d['hazards'])")" = True ]
check "remaining <= area for every hazard" \
    [ "$(json "$T/code.json" "all(0 <= h['remaining_area_m2'] <= h['area_m2'] + 1e-6 for h in d['hazards'])")" = True ]
check "total remaining = sum of the listed" \
    [ "$(json "$T/code.json" "abs(d['remaining_area_m2']['total'] - sum(h['remaining_area_m2'] for h in d['hazards'])) < 1e-6 * max(1, d['remaining_area_m2']['total'])")" = True ]
check "P10 <= P50 <= P90 for days and cost" \
    [ "$(json "$T/code.json" "all(d['forecast'][k]['p10'] <= d['forecast'][k]['p50'] <= d['forecast'][k]['p90'] for k in ('days', 'team_days', 'cost_usd'))")" = True ]
check "the release mix adds up to the remaining area (P50 shares)" \
    [ "$(json "$T/code.json" "abs(sum(v['share'] for v in d['forecast']['release_mix_m2'].values()) - 1) < 1e-6")" = True ]
check "assumptions stated" [ "$(json "$T/code.json" "len(d['forecast']['assumptions']) >= 3")" = True ]

# one distance, independently: the farthest hazard's polygon, exported, and
# Vincenty's inverse on WGS84 to its densified edges
FAR=$(json "$T/code.json" "max(d['hazards'], key=lambda h: h['distance_m'])['code']")
ogr2ogr -f GeoJSON "$T/far.geojson" "$DB" hazards -where "code = '$FAR'" 2>/dev/null
cat >"$T/vincenty.py" <<'PY'
import json, math, sys
a, f = 6378137.0, 1 / 298.257223563
b = a * (1 - f)
def inv(lon1, lat1, lon2, lat2):
    L = math.radians(lon2 - lon1)
    U1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    U2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    sU1, cU1, sU2, cU2 = math.sin(U1), math.cos(U1), math.sin(U2), math.cos(U2)
    lam = L
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        ss = math.hypot(cU2 * sl, cU1 * sU2 - sU1 * cU2 * cl)
        if ss == 0:
            return 0.0
        cs = sU1 * sU2 + cU1 * cU2 * cl
        sg = math.atan2(ss, cs)
        sa = cU1 * cU2 * sl / ss
        c2a = 1 - sa * sa
        c2m = cs - 2 * sU1 * sU2 / c2a if c2a else 0
        C = f / 16 * c2a * (4 + f * (4 - 3 * c2a))
        prev = lam
        lam = L + (1 - C) * f * sa * (sg + C * ss * (c2m + C * cs * (-1 + 2 * c2m * c2m)))
        if abs(lam - prev) < 1e-12:
            break
    u2 = c2a * (a * a - b * b) / (b * b)
    A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
    B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
    ds = B * ss * (c2m + B / 4 * (cs * (-1 + 2 * c2m * c2m) - B / 6 * c2m * (-3 + 4 * ss * ss) * (-3 + 4 * c2m * c2m)))
    return b * A * (sg - ds)
plan = json.load(open(sys.argv[1]))
lon, lat = plan['settlement']['lon'], plan['settlement']['lat']
geom = json.load(open(sys.argv[2]))['features'][0]['geometry']
polys = geom['coordinates'] if geom['type'] == 'MultiPolygon' else [geom['coordinates']]
best = float('inf')
for poly in polys:
    for ring in poly:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            for k in range(201):
                t = k / 200
                best = min(best, inv(lon, lat, x1 + t * (x2 - x1), y1 + t * (y2 - y1)))
mine = [h for h in plan['hazards'] if h['code'] == sys.argv[3]][0]['distance_m']
print(best, mine, file=sys.stderr)
sys.exit(0 if abs(best - mine) <= max(1.0, 0.002 * best) and mine <= plan['buffer_m'] else 1)
PY
check "the farthest hazard's distance agrees with Vincenty (0.2% or 1 m)" \
    $PY "$T/vincenty.py" "$T/code.json" "$T/far.geojson" "$FAR"

# the teams: doubling them about halves the P50 days
expect_exit "plan with doubled teams" 0 "$DEMINE" settlement plan "$DB" "$CODE" --json --runs 2000 --teams manual=24,mechanical=6,mdd=8
check "doubling the teams about halves P50 days" \
    $PY -c "import json,sys; a=json.load(open('$T/code.json'))['forecast']['days']['p50']; b=json.load(open('$T/out'))['forecast']['days']['p50']; sys.exit(0 if a > 0 and abs(b / a - 0.5) < 0.05 else 1)"

# text output: the same content
expect_exit "plan as text" 0 "$DEMINE" settlement plan "$DB" "$CODE" --runs 2000
check "text lists the hazards" grep -q "^$FAR " "$T/out"
check "text gives the remaining area and assumptions" grep -q "^Remaining area: " "$T/out"
check "text has the assumptions" grep -q "^Assumptions:" "$T/out"

# a road into the buffer brings in a hazard beyond it (within 100 m of it)
expect_exit "wider look" 0 "$DEMINE" settlement plan "$DB" "$CODE" --json --buffer 3000 --runs 10
# one remaining area, independently: SpatiaLite (GDAL's SQLite dialect),
# the hazard less the union of the approved releases on it, geodesic
cp "$T/out" "$T/wide.json"
CUT=$(json "$T/wide.json" "min((h for h in d['hazards'] if h['remaining_area_m2'] < h['area_m2'] - 1), key=lambda h: h['distance_m'])['code']")
REM=$(ogrinfo -q "$DB" -dialect SQLite -sql "SELECT ST_Area(ST_Difference(h.geom, (SELECT ST_Union(r.geom) FROM releases r WHERE r.state = 'approved' AND ST_Intersects(r.geom, h.geom))), 1) AS rem FROM hazards h WHERE h.code = '$CUT'" 2>/dev/null | sed -n 's/.*rem (Real) = //p')
check "a hazard's remaining area agrees with SpatiaLite (0.1%)" \
    $PY -c "import json,sys; d=json.load(open('$T/wide.json')); m=[h for h in d['hazards'] if h['code']=='$CUT'][0]['remaining_area_m2']; r=float('$REM'); print(m, r, file=sys.stderr); sys.exit(0 if abs(m - r) <= 0.001 * r else 1)"
BEYOND=$(json "$T/out" "min((h for h in d['hazards'] if 1100 < h['distance_m'] < 2900), key=lambda h: h['distance_m'])['code']")
ogr2ogr -f GeoJSON "$T/beyond.geojson" "$DB" hazards -where "code = '$BEYOND'" 2>/dev/null
$PY - "$T/code.json" "$T/beyond.geojson" "$T/road.geojson" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
g = json.load(open(sys.argv[2]))['features'][0]['geometry']
ring = (g['coordinates'][0] if g['type'] == 'MultiPolygon' else g['coordinates'])[0]
s = [plan['settlement']['lon'], plan['settlement']['lat']]
v = min(ring, key=lambda p: (p[0] - s[0]) ** 2 + (p[1] - s[1]) ** 2)
json.dump({"type": "FeatureCollection", "features": [{"type": "Feature",
    "properties": {"code": "IN-ROAD-1", "name": "test road", "type": "road"},
    "geometry": {"type": "LineString", "coordinates": [s, v]}}]}, open(sys.argv[3], "w"))
PY
expect_exit "a road imported" 0 "$DEMINE" import "$DB" infrastructure "$T/road.geojson" --quiet
expect_exit "plan with the road" 0 "$DEMINE" settlement plan "$DB" "$CODE" --json --runs 2000
cp "$T/out" "$T/road.json"
check "the road reaches into the buffer" [ "$(json "$T/road.json" "d['roads_into_buffer']")" = 1 ]
check "the hazard beyond the buffer listed, across the road" \
    [ "$(json "$T/road.json" "[h['reason'] for h in d['hazards'] if h['code'] == '$BEYOND']")" = "['road']" ]
check "road hazards within 100 m of the road and 3 buffers" \
    [ "$(json "$T/road.json" "all(h['road_distance_m'] <= 100 and h['distance_m'] <= 3 * d['buffer_m'] for h in d['hazards'] if h['reason'] == 'road')")" = True ]
check "the buffer's hazards unchanged" \
    [ "$(json "$T/road.json" "[h['code'] for h in d['hazards'] if h['reason'] == 'buffer']")" = "$(json "$T/code.json" "[h['code'] for h in d['hazards']]")" ]
check "total = buffer + road" \
    [ "$(json "$T/road.json" "abs(d['remaining_area_m2']['total'] - d['remaining_area_m2']['buffer'] - d['remaining_area_m2']['road']) < 1e-6 * d['remaining_area_m2']['total']")" = True ]

# bad input: exit 1 or 2, a clear message, nothing on stdout
expect_exit "several matches" 1 "$DEMINE" settlement plan "$DB" Jezero
check "the matches listed with code, name, population" err_has "3248273  Jezero  population 1144"
check "nothing on stdout (several)" [ ! -s "$T/out" ]
expect_exit "no match" 1 "$DEMINE" settlement plan "$DB" Qqqq
check "no match said" err_has "no settlement has the code or name 'Qqqq'"
expect_exit "no match, with suggestions" 1 "$DEMINE" settlement plan "$DB" Saraj
check "names that start with it" err_has "Sarajevo (3191281)"
check "nothing on stdout (none)" [ ! -s "$T/out" ]
expect_exit "a negative buffer" 2 "$DEMINE" settlement plan "$DB" "$CODE" --buffer -5
check "negative buffer said" err_has "buffer takes metres, 0 or more"
expect_exit "bad --teams" 2 "$DEMINE" settlement plan "$DB" "$CODE" --teams manual=x
check "bad teams named" err_has "manual=x"
expect_exit "zero teams" 2 "$DEMINE" settlement plan "$DB" "$CODE" --teams manual=0
check "nothing on stdout (bad teams)" [ ! -s "$T/out" ]

finish
