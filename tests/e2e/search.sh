# End-to-end test of GET /search (codes and names of the records and places
# a caller may read) and of state=mine (an editor's own records not
# approved, rejected ones included): the real server on a loopback port of
# its own, over a small database whose records are known; every answer
# compared with the database (sqlite3). The server is stopped whatever
# happens.
# usage: search.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/s.gpkg"
"$DEMINE" init "$DB" >/dev/null 2>&1
cat >"$T/hazards.geojson" <<'G'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "North field", "status": "SHA"},
  "geometry": {"type": "Polygon", "coordinates": [[[18.0, 44.0], [18.01, 44.0], [18.01, 44.01], [18.0, 44.01], [18.0, 44.0]]]}},
 {"type": "Feature", "properties": {"name": "Field by Čapljina", "status": "CHA"},
  "geometry": {"type": "Polygon", "coordinates": [[[17.7, 43.1], [17.71, 43.1], [17.71, 43.11], [17.7, 43.11], [17.7, 43.1]]]}}]}
G
cat >"$T/settlements.geojson" <<'G'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Čapljina", "population": 6000}, "geometry": {"type": "Point", "coordinates": [17.7, 43.12]}},
 {"type": "Feature", "properties": {"name": "Northfield", "population": 30}, "geometry": {"type": "Point", "coordinates": [18.0, 44.02]}}]}
G
cat >"$T/admin.geojson" <<'G'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Čapljina", "level": 2},
  "geometry": {"type": "Polygon", "coordinates": [[[17.5, 43.0], [17.9, 43.0], [17.9, 43.3], [17.5, 43.3], [17.5, 43.0]]]}}]}
G
"$DEMINE" import "$DB" hazards "$T/hazards.geojson" -q >/dev/null 2>&1
"$DEMINE" import "$DB" settlements "$T/settlements.geojson" -q >/dev/null 2>&1
"$DEMINE" import "$DB" admin-areas "$T/admin.geojson" -q >/dev/null 2>&1
add_users "$DB" ed:editor eve:editor ap:approver vi:viewer
start_server "$DB" --threads 2
declare -A TOK
for name in ed eve ap vi; do TOK[$name]=$(token "$name"); done
check "every user logs in" test -n "${TOK[ed]}" -a -n "${TOK[eve]}" -a -n "${TOK[ap]}" -a -n "${TOK[vi]}"

same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; sed 's/^/     /' "$T/body" | head -3; fi; }
codes() { json "$T/body" "' '.join(r['collection'] + ':' + r['code'] for r in d['results'])"; }
code_of() { sqlite3 "$DB" "SELECT code FROM $1 WHERE name = '$2'"; }
HA_N=$(code_of hazards 'North field')
HA_C=$(code_of hazards 'Field by Čapljina')
ST_C=$(code_of settlements 'Čapljina')
ST_N=$(code_of settlements 'Northfield')
AD_C=$(code_of admin_areas 'Čapljina')

# ---- search: what, in which order, for whom ----
req vi GET "/search?q=%C4%8Dap"
same "čap: the places named Čapljina first (admin area, settlement), then the hazard" \
    "$STATUS $(codes)" "200 admin-areas:$AD_C settlements:$ST_C hazards:$HA_C"
same "  the match is by name" "$(json "$T/body" "[r['match'] for r in d['results']]")" "['name', 'name', 'name']"
req vi GET "/search?q=%C4%8CAPLJINA"
same "upper case finds the same (Unicode lower case)" "$(json "$T/body" "d['numberMatched']")" 3
req vi GET "/search?q=north&limit=1"
same "limit=1: one result, numberMatched counts all" "$(json "$T/body" "(len(d['results']), d['numberMatched'])")" "(1, 2)"
same "  places before records of the same rank" "$(codes)" "settlements:$ST_N"
req vi GET "/search?q=$HA_N"
same "a code: that record, equal before the rest" "$(json "$T/body" "d['results'][0]['code'] + ' ' + d['results'][0]['match']")" "$HA_N code"
req - GET "/search?q=%C4%8Dap"
same "anonymous callers find only what they may read (hazards)" "$(codes)" "hazards:$HA_C"
req vi GET "/search?q=zzzz"
same "no match: an empty list" "$STATUS $(json "$T/body" "(d['results'], d['numberMatched'])")" "200 ([], 0)"

# ---- bad input: a clear error, nothing else ----
req vi GET "/search"
same "no q: 400" "$STATUS $(json "$T/body" "d['detail']")" "400 q: the text to search for is missing"
req vi GET "/search?q=%20%20"
same "blank q: 400" "$STATUS" 400
req vi GET "/search?q=$(printf 'a%.0s' $(seq 1 101))"
same "q of 101 bytes: 400" "$STATUS" 400
req vi GET "/search?q=a&limit=51"
same "limit over 50: 400" "$STATUS" 400
req vi GET "/search?q=a&frob=1"
same "an unknown parameter: 400" "$STATUS" 400
req vi GET "/search?q=%C3"
same "q not UTF-8: 400" "$STATUS" 400

# ---- an editor's own records: submitted, then rejected ----
NEW='{"type": "Feature", "properties": {"name": "Ed field", "status": "SHA"}, "geometry": {"type": "Polygon", "coordinates": [[[18.2, 44.2], [18.21, 44.2], [18.21, 44.21], [18.2, 44.21], [18.2, 44.2]]]}}'
req ed POST /collections/hazards/items "$NEW"
same "ed submits a hazard" "$STATUS" 201
ED=$(code_of hazards 'Ed field')
mine() { req "$1" GET "/collections/hazards/items?state=mine&properties=code,state"; json "$T/body" "' '.join(f['properties']['code'] + ':' + f['properties']['state'] for f in d['features'])"; }
same "state=mine: ed's submitted hazard" "$(mine ed)" "$ED:submitted"
same "  not eve's (another editor)" "$(mine eve)" ""
req ed GET "/search?q=ed%20field"
same "ed finds it by name (submitted)" "$(codes)" "hazards:$ED"
req vi GET "/search?q=ed%20field"
same "  a viewer does not (not approved)" "$(json "$T/body" "d['numberMatched']")" 0
req ap POST "/collections/hazards/items/$ED/reject" '{"reason": "outside the survey"}' '"1"' application/json
same "an approver rejects it" "$STATUS $(sqlite3 "$DB" "SELECT state FROM hazards WHERE code = '$ED'")" "200 rejected"
same "state=mine: ed's rejected hazard" "$(mine ed)" "$ED:rejected"
same "  still not eve's" "$(mine eve)" ""
req ed GET "/collections/hazards/items/$ED"
same "ed reads the rejected hazard" "$STATUS $(json "$T/body" "d['properties']['state']")" "200 rejected"
req eve GET "/collections/hazards/items/$ED"
same "  eve does not (404, even with ed's answer in the cache)" "$STATUS" 404
req ap GET "/collections/hazards/items?state=mine"
same "the approver's own: none" "$STATUS $(json "$T/body" "d['numberMatched']")" "200 0"
req vi GET "/collections/hazards/items?state=mine"
same "a viewer may not ask for state=mine" "$STATUS" 403
req - GET "/collections/hazards/items?state=mine"
same "  nor an anonymous caller" "$STATUS" 401
req ed GET "/collections/hazards/items?state=nope"
same "a bad state: 400 naming mine" "$STATUS $(json "$T/body" "'mine' in d['detail']")" "400 True"
req - GET "/api"
same "the OpenAPI document has /search and state=mine" \
    "$(json "$T/body" "('/search' in d['paths'], 'mine' in str(d['paths']['/collections/{collectionId}/items']))")" "(True, True)"

finish
