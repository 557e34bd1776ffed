# End-to-end test of the server's writes (OGC API - Features Part 4) and the
# approval workflow: the real server on a loopback port of its own, driven
# over HTTP with curl; every answer's effect checked in the database with
# sqlite3 and through the statistics. The server is stopped whatever happens.
# usage: writes.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/atlas.gpkg"
"$DEMINE" init "$DB" >/dev/null 2>&1
cat >"$T/hazards.geojson" <<'G'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "North field", "status": "SHA"},
  "geometry": {"type": "Polygon", "coordinates": [[[18.0, 44.0], [18.01, 44.0], [18.01, 44.01], [18.0, 44.01], [18.0, 44.0]]]}},
 {"type": "Feature", "properties": {"name": "South field", "status": "CHA"},
  "geometry": {"type": "Polygon", "coordinates": [[[18.0, 43.9], [18.01, 43.9], [18.01, 43.91], [18.0, 43.91], [18.0, 43.9]]]}}]}
G
"$DEMINE" import "$DB" hazards "$T/hazards.geojson" -q >/dev/null 2>&1
add_users "$DB" ed:editor eve:editor ap:approver amy:approver vi:viewer an:analyst ad:admin

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$DEMINE" serve "$DB" --port "$PORT" --threads 2 >"$T/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done

declare -A TOK
for name in ed eve ap amy vi an ad; do TOK[$name]=$(token "$name"); done
check "every user logs in" test -n "${TOK[ed]}" -a -n "${TOK[eve]}" -a -n "${TOK[ap]}" -a -n "${TOK[amy]}" -a -n "${TOK[vi]}"

same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; sed 's/^/     /' "$T/body" | head -3; fi; }
prop() { json "$T/body" "d['properties']['$1']"; }
rows() { sqlite3 "$DB" "SELECT count(*) FROM hazards WHERE state = '$1'"; }
log_rows() { sqlite3 "$DB" "SELECT count(*) FROM demine_change_log"; }
hazard_count() { "$DEMINE" stats "$DB" landrelease --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["hazard_count"])'; }

square() { # square LON LAT [SIDE]: a polygon SIDE degrees (default 0.01) wide
    awk -v x="$1" -v y="$2" -v d="${3:-0.01}" 'BEGIN { printf "{\"type\": \"Polygon\", \"coordinates\": [[[%s, %s], [%s, %s], [%s, %s], [%s, %s], [%s, %s]]]}\n", x, y, x + d, y, x + d, y + d, x, y + d, x, y }'
}
NEW="{\"type\": \"Feature\", \"properties\": {\"name\": \"East field\", \"status\": \"SHA\"}, \"geometry\": $(square 18.2 44.2)}"

# ---- who may write
req - POST /collections/hazards/items "$NEW"
same "anonymous may not create (401)" "$STATUS" 401
req vi POST /collections/hazards/items "$NEW"
same "a viewer may not create (403)" "$STATUS" 403
same "  nothing was stored" "$(sqlite3 "$DB" 'SELECT count(*) FROM hazards')" 2

# ---- bad input: a clear 4xx, nothing changes
BEFORE_LOG=$(log_rows)
bad() { # bad NAME STATUS BODY [CONTENT-TYPE] [MESSAGE-PART]
    req ed POST /collections/hazards/items "$3" "" "${4:-application/geo+json}"
    same "$1 ($2)" "$STATUS" "$2"
    if [ -n "${5-}" ]; then check "  says: $5" grep -q -- "$5" "$T/body"; fi
}
bad "not JSON" 400 '{"type": "Feature", ' application/geo+json "not JSON"
bad "a wrong content type" 415 "$NEW" text/plain "application/geo+json"
bad "not a Feature" 400 '{"type": "FeatureCollection", "features": []}' application/json "Feature"
bad "an unknown property" 400 "{\"type\": \"Feature\", \"properties\": {\"nmae\": \"x\", \"status\": \"SHA\"}, \"geometry\": $(square 18.3 44.3)}" application/json "properties.nmae"
bad "a value off the list" 400 "{\"type\": \"Feature\", \"properties\": {\"status\": \"MAYBE\"}, \"geometry\": $(square 18.3 44.3)}" application/json "properties.status"
bad "a point for a hazard" 400 '{"type": "Feature", "properties": {"status": "SHA"}, "geometry": {"type": "Point", "coordinates": [18.3, 44.3]}}' application/json "geometry"
bad "a self-intersecting polygon" 400 '{"type": "Feature", "properties": {"status": "SHA"}, "geometry": {"type": "Polygon", "coordinates": [[[18.0, 44.0], [18.1, 44.1], [18.1, 44.0], [18.0, 44.1], [18.0, 44.0]]]}}' application/json "geometry"
bad "no geometry for a hazard" 400 '{"type": "Feature", "properties": {"status": "SHA"}, "geometry": null}' application/json "geometry"
bad "coordinates out of range" 400 '{"type": "Feature", "properties": {"status": "SHA"}, "geometry": {"type": "Polygon", "coordinates": [[[190, 44], [191, 44], [191, 45], [190, 44]]]}}' application/json "geometry"
bad "an unknown member" 400 "{\"type\": \"Feature\", \"propertes\": {}, \"geometry\": $(square 18.3 44.3)}" application/json "propertes"
bad "text after the JSON" 400 "$NEW x" application/json "after the JSON"
# codes and text fields: the library's rules, as on import
coded() { printf '{"type": "Feature", "properties": {"code": %s, "status": "SHA"}, "geometry": %s}' "$1" "$(square 18.3 44.3)"; }
bad "a code with '/' (never approvable, never deletable)" 400 "$(coded '"HA/1"')" application/json "code 'HA/1' has '/'"
bad "a code with CR LF" 400 "$(coded '"HA-1\r\nSet-Cookie: x"')" application/json "control character"
bad "a code with <script>" 400 "$(coded '"<script>alert(1)</script>"')" application/json "code '<script>"
bad "a code of 40 characters" 400 "$(coded '"HA-0123456789012345678901234567890123456"')" application/json "characters long"
bad "a code that is not text" 400 "$(coded 17)" application/json "a code is text"
bad "a code of the numbered form past the numbering" 400 "$(coded '"HA-99999"')" application/json "past the next number (HA-0003)"
bad "a name with a line feed" 400 "{\"type\": \"Feature\", \"properties\": {\"name\": \"a\\nb\", \"status\": \"SHA\"}, \"geometry\": $(square 18.3 44.3)}" application/json "one line of text"
"$PY" -c 'import json,sys; print(json.dumps({"type": "Feature", "properties": {"name": "x" * (1 << 20), "status": "SHA"}, "geometry": json.loads(sys.argv[1])}))' "$(square 18.3 44.3)" >"$T/big.json"
bad "a name of 1 MiB" 400 "@$T/big.json" application/json "name is 1048576 characters long: at most 200"
same "bad input changed nothing" "$(sqlite3 "$DB" 'SELECT count(*) FROM hazards'):$(log_rows)" "2:$BEFORE_LOG"
check "problem details say no SQL" sh -c "! grep -qi 'sqlite\|select \|insert ' '$T/body'"

# ---- create: enters as submitted, counted nowhere official
HAZ_BEFORE=$(hazard_count)
api_hazards() { curl -s "$URL/stats/landrelease" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["hazard_count"])'; }
same "/stats/landrelease counts the approved hazards" "$(api_hazards)" "$HAZ_BEFORE"
req ed POST /collections/hazards/items "$NEW"
same "an editor creates a hazard (201)" "$STATUS" 201
same "  its ETag is version 1" "$ETAG" '"1"'
CODE=$(json "$T/body" "d['id']")
same "  the next number: HA-99999 refused above did not move the numbering" "$CODE" HA-0003
same "  Location names it" "$LOCATION" "$URL/collections/hazards/items/$CODE"
same "  it is submitted" "$(prop state)" submitted
same "  stored as submitted, by ed" "$(sqlite3 "$DB" "SELECT state || ' ' || updated_by FROM hazards WHERE code = '$CODE'")" "submitted ed"
same "  the change log names ed" "$(sqlite3 "$DB" "SELECT who || ' ' || action FROM demine_change_log WHERE code = '$CODE'")" "ed insert"
same "  the statistics do not count it" "$(hazard_count)" "$HAZ_BEFORE"
req - GET "/collections/hazards/items/$CODE"
same "  the public does not see it (404)" "$STATUS" 404
req vi GET "/collections/hazards/items/$CODE"
same "  a viewer does not see it (404)" "$STATUS" 404
req eve GET "/collections/hazards/items/$CODE"
same "  another editor sees it" "$STATUS:$(prop state)" "200:submitted"
req ed GET "/collections/hazards/items?state=submitted"
same "  editors list what is submitted" "$(json "$T/body" "[f['id'] for f in d['features']]")" "['$CODE']"
req vi GET "/collections/hazards/items?state=submitted"
same "  viewers may not (403)" "$STATUS" 403
req ed GET "/collections/hazards/items?state=maybe"
same "  a bad state is 400" "$STATUS" 400
req ap GET /review
same "the review queue lists it" "$(json "$T/body" "[(c['code'], c['change'], c['by']) for c in d['changes']]")" "[('$CODE', 'create', 'ed')]"
req vi GET /review
same "  not for viewers (403)" "$STATUS" 403

# ---- changes to a submitted record: If-Match, 428, 412
req ed PATCH "/collections/hazards/items/$CODE" '{"properties": {"name": "East field, corrected"}}' "" application/merge-patch+json
same "a change without If-Match is 428" "$STATUS" 428
req ed PATCH "/collections/hazards/items/$CODE" '{"properties": {"name": "East field, corrected"}}' '"7"' application/merge-patch+json
same "a change to a stale version is 412" "$STATUS" 412
req ed PATCH "/collections/hazards/items/$CODE" '{"properties": {"name": "East field, weak"}}' 'W/"1"' application/merge-patch+json
same "a weak ETag never matches a change (RFC 9110 13.1.1): 412" "$STATUS" 412
req ed PATCH "/collections/hazards/items/$CODE" '{"properties": {"name": "East\r\nfield"}}' '"1"' application/merge-patch+json
same "a merge patch with CR LF in a name is 400" "$STATUS" 400
check "  and says why" grep -q "control character" "$T/body"
req ed PATCH "/collections/hazards/items/$CODE" "{\"properties\": {\"description\": \"$(printf 'y%.0s' $(seq 1 10001))\"}}" '"1"' application/merge-patch+json
same "a description of 10,001 characters is 400" "$STATUS" 400
req ed PATCH "/collections/hazards/items/$CODE" '{"properties": {"name": "East field, corrected"}}' '"1"' application/merge-patch+json
same "a merge patch to the submitted record is applied (200)" "$STATUS" 200
same "  the new version" "$ETAG" '"2"'
same "  the name changed, the status stayed" "$(prop name):$(prop status)" "East field, corrected:SHA"
req amy PUT "/collections/hazards/items/$CODE" "$NEW" '"1"'
same "an approver with the old ETag gets 412" "$STATUS" 412
same "  and the editor's change stands" "$(sqlite3 "$DB" "SELECT name FROM hazards WHERE code = '$CODE'")" "East field, corrected"

# ---- approval: four eyes, roles
req ed POST "/collections/hazards/items/$CODE/approve"
same "an editor may not approve (403)" "$STATUS" 403
req ap POST "/collections/hazards/items/$CODE/approve" "" '"1"'
same "approving a stale version is 412" "$STATUS" 412
req ap POST "/collections/hazards/items/$CODE/approve" "" '"2"'
same "an approver approves it (200)" "$STATUS" 200
same "  approved" "$(prop state)" approved
same "  the statistics count it now" "$(hazard_count)" "$((HAZ_BEFORE + 1))"
same "  and so does /stats/landrelease (the cached answer is dropped)" "$(api_hazards)" "$((HAZ_BEFORE + 1))"
req - GET "/collections/hazards/items/$CODE"
same "  the public sees it" "$STATUS" 200
req ap POST "/collections/hazards/items/$CODE/approve"
same "  approving it again is 409" "$STATUS" 409

# an approver's own record needs another approver
req ap POST /collections/hazards/items "{\"type\": \"Feature\", \"properties\": {\"status\": \"CHA\"}, \"geometry\": $(square 18.4 44.4)}"
OWN=$(json "$T/body" "d['id']")
req ap POST "/collections/hazards/items/$OWN/approve" "" '"1"'
same "nobody approves their own record (403)" "$STATUS" 403
check "  the answer says four eyes and who wrote it" grep -q "ap created it.*another approver must" "$T/body"
req amy POST "/collections/hazards/items/$OWN/approve" "" '"1"'
same "  another approver may (200)" "$STATUS" 200

# ---- a change to an approved record waits; the approved version stays
A=HA-0001
req ed GET "/collections/hazards/items/$A"
V=$ETAG
AREA_BEFORE=$("$DEMINE" stats "$DB" landrelease --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["hazard_area_m2"])')
req ed PUT "/collections/hazards/items/$A" "{\"type\": \"Feature\", \"properties\": {\"name\": \"North field, resurveyed\", \"status\": \"CHA\"}, \"geometry\": $(square 18.0 44.0 0.02)}" "$V"
same "a replacement of an approved record waits (202)" "$STATUS" 202
same "  the ETag stays the approved version" "$ETAG" "$V"
req - GET "/collections/hazards/items/$A"
same "  everyone still reads the approved version" "$(prop name):$(prop status)" "North field:SHA"
same "  the statistics are unchanged" "$("$DEMINE" stats "$DB" landrelease --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["hazard_area_m2"])')" "$AREA_BEFORE"
req ap GET "/collections/hazards/items/$A?version=pending"
same "  the approver reads the proposed version" "$(prop name):$(prop status)" "North field, resurveyed:CHA"
req vi GET "/collections/hazards/items/$A?version=pending"
same "  a viewer may not (403)" "$STATUS" 403
req eve PATCH "/collections/hazards/items/$A" '{"properties": {"name": "x"}}' "$V" application/merge-patch+json
same "  a second change while one waits is 409" "$STATUS" 409
req ap GET /review
same "  the queue shows the replacement" "$(json "$T/body" "[(c['code'], c['change'], c['by']) for c in d['changes'] if c['code'] == '$A']")" "[('$A', 'replace', 'ed')]"
req ap GET "/collections/hazards/items/$A/history"
same "  the history says a replacement was proposed" "$(json "$T/body" "[(c['action'], c['detail']) for c in d['changes']][-1]")" "('propose', 'replace')"
req ed POST "/collections/hazards/items/$A/reject" '{"reason": "no"}' "" application/json
same "  the author may not decide (403)" "$STATUS" 403
req ap GET "/collections/hazards/items/$A?version=pending"
req ap POST "/collections/hazards/items/$A/approve" "" "$ETAG"
same "  the approver applies it (200)" "$STATUS:$(prop name):$(prop status)" "200:North field, resurveyed:CHA"
req - GET "/collections/hazards/items/$A"
same "  everyone reads the new version" "$(prop name)" "North field, resurveyed"
check "  the hazard area grew" "$PY" -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))" \
    "$("$DEMINE" stats "$DB" landrelease --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["hazard_area_m2"])')" "$AREA_BEFORE"
req ap GET "/collections/hazards/items/$A?version=pending"
same "  nothing waits any more (404)" "$STATUS" 404

# ---- rejecting a waiting change keeps the approved version
req ed GET "/collections/hazards/items/$A"
# a merge patch naming status as it is, a new name and a new geometry
req ed PATCH "/collections/hazards/items/$A" "{\"properties\": {\"name\": \"Wrong name\", \"status\": \"CHA\"}, \"geometry\": $(square 18.0 44.0 0.03)}" "$ETAG" application/merge-patch+json
same "another change waits (202)" "$STATUS" 202
req ap GET "/collections/hazards/items/$A/history"
same "  the history says a patch of what it changed (not status, which it left as it was)" "$(json "$T/body" "[(c['action'], c['detail']) for c in d['changes']][-1]")" "('propose', 'patch: name, geometry')"
req ap GET /review
same "  so does the queue" "$(json "$T/body" "[(c['change'], c['fields']) for c in d['changes'] if c['code'] == '$A']")" "[('patch', ['name', 'geometry'])]"
same "  the waiting change is kept whole" "$(sqlite3 "$DB" "SELECT change || ' ' || (record_values LIKE '%\"status\": \"CHA\"%') FROM demine_pending WHERE code = '$A'")" "replace 1"
req ap POST "/collections/hazards/items/$A/reject" '{}' "" application/json
same "  a rejection needs a reason (400)" "$STATUS" 400
req ap GET "/collections/hazards/items/$A?version=pending"
req ap POST "/collections/hazards/items/$A/reject" '{"reason": "the survey says otherwise"}' "$ETAG" application/json
same "  the approver rejects it (200)" "$STATUS:$(prop name)" "200:North field, resurveyed"
same "  the record stays approved" "$(sqlite3 "$DB" "SELECT state FROM hazards WHERE code = '$A'")" approved

# ---- deleting: an approved record once an approver agrees
HAZ=$(hazard_count)
req ed GET /collections/hazards/items/HA-0002
req ed DELETE /collections/hazards/items/HA-0002 "" "$ETAG"
same "deleting an approved record waits (202)" "$STATUS" 202
same "  it is still counted" "$(hazard_count)" "$HAZ"
req amy GET /collections/hazards/items/HA-0002?version=pending
req amy POST /collections/hazards/items/HA-0002/approve "" "$ETAG"
same "  an approver agrees (200)" "$STATUS" 200
same "  it is no longer counted" "$(hazard_count)" "$((HAZ - 1))"
req - GET /collections/hazards/items/HA-0002
same "  nobody reads it (404)" "$STATUS" 404
same "  but the row and its reason stay" "$(sqlite3 "$DB" "SELECT state || ': ' || state_reason FROM hazards WHERE code = 'HA-0002'")" "rejected: deleted by ed, approved by amy"
# a record not yet approved is withdrawn at once
req eve POST /collections/hazards/items "{\"type\": \"Feature\", \"properties\": {\"status\": \"SHA\"}, \"geometry\": $(square 18.5 44.5)}"
W=$(json "$T/body" "d['id']")
req eve DELETE "/collections/hazards/items/$W" "" '"1"'
same "withdrawing a submitted record (204)" "$STATUS" 204
same "  kept as rejected, withdrawn" "$(sqlite3 "$DB" "SELECT state || ': ' || state_reason FROM hazards WHERE code = '$W'")" "rejected: withdrawn by eve"

# ---- history and the change log
req ap GET "/collections/hazards/items/$A/history"
same "the history of a record" "$(json "$T/body" "[(c['who'], c['action']) for c in d['changes']]")" \
    "[('root', 'insert'), ('ed', 'propose'), ('ap', 'update'), ('ap', 'apply'), ('ed', 'propose'), ('ap', 'reject')]"
same "  with the reason" "$(json "$T/body" "d['changes'][-1]['detail']")" "the survey says otherwise"
req vi GET "/collections/hazards/items/$A/history"
same "  not for viewers (403)" "$STATUS" 403
req - GET "/collections/hazards/items/$A/history"
same "  not for the public (401)" "$STATUS" 401

# ---- victims: personal data, written only by those who may read it whole
VICTIM='{"type": "Feature", "properties": {"status": "injured", "sex": "f", "age": 12, "name": "Amra Testic"}, "geometry": null}'
req ed POST /collections/victims/items "$VICTIM"
same "an editor may not write victims (403)" "$STATUS" 403
req ap POST /collections/victims/items "$VICTIM"
same "an approver may (201)" "$STATUS" 201
same "  entered as submitted" "$(sqlite3 "$DB" "SELECT state FROM victims")" submitted
VIC=$(json "$T/body" "d['id']")
check "  the answer to its author holds the name" grep -q "Amra Testic" "$T/body"
req amy POST "/collections/victims/items/$VIC/approve" "" '"1"'
same "  another approver approves it" "$STATUS" 200
req vi GET /collections/victims/items
same "a viewer reads victims" "$STATUS:$(json "$T/body" "[f['properties']['age'] for f in d['features']]")" "200:[12]"
check "  without names or addresses" sh -c "! grep -q 'Amra\|\"name\"\|\"address\"' '$T/body'"
req vi GET "/collections/victims/items/$VIC"
check "  not even one by one" sh -c "! grep -q 'Amra\|\"name\"' '$T/body'"
req vi GET "/collections/victims/items?name=Amra%20Testic"
same "  nor by naming them as a parameter (400)" "$STATUS" 400
req vi GET "/collections/victims/items?filter=name%20%3D%20%27Amra%20Testic%27"
same "  nor in a filter (403)" "$STATUS" 403
req amy GET "/collections/victims/items/$VIC"
same "an approver reads the name" "$(prop name)" "Amra Testic"
req - GET /collections/victims/items
same "the public may not read victims (401)" "$STATUS" 401

# ---- who am I
req ed GET /auth/me
same "/auth/me names the user, the role and what it may do" \
    "$(json "$T/body" "(d['user'], d['role'], 'write' in d['actions'], 'approve' in d['actions'])")" "('ed', 'editor', True, False)"
req - GET /auth/me
same "  anonymous" "$(json "$T/body" "(d['user'], d['role'])")" "(None, 'anonymous')"

# ---- every role against every write action, from a table (expected
# status: 2xx allowed, 401 anonymous refused, 403 role refused). Each
# approve/reject acts on a record of its own that ed submitted.
declare -A WHO=([anonymous]=- [viewer]=vi [analyst]=an [editor]=eve [approver]=ap [admin]=ad)
fresh() { # a new hazard submitted by ed: its code
    req ed POST /collections/hazards/items "{\"type\": \"Feature\", \"properties\": {\"status\": \"SHA\"}, \"geometry\": $(square 19.1 44.1)}"
    json "$T/body" "d['id']"
}
while read -r action expect; do
    i=0
    for role in anonymous viewer analyst editor approver admin; do
        want=$(echo "$expect" | cut -d, -f$((i + 1)))
        who=${WHO[$role]}
        case $action in
        create-hazard) req "$who" POST /collections/hazards/items "{\"type\": \"Feature\", \"properties\": {\"status\": \"CHA\"}, \"geometry\": $(square 19.0 44.0)}" ;;
        create-victim) req "$who" POST /collections/victims/items '{"type": "Feature", "properties": {"status": "killed"}, "geometry": null}' ;;
        replace) c=$(fresh); req "$who" PUT "/collections/hazards/items/$c" "{\"type\": \"Feature\", \"properties\": {\"status\": \"CHA\"}, \"geometry\": $(square 19.1 44.1)}" '"1"' ;;
        delete) c=$(fresh); req "$who" DELETE "/collections/hazards/items/$c" "" '"1"' ;;
        approve) c=$(fresh); req "$who" POST "/collections/hazards/items/$c/approve" "" '"1"' ;;
        reject) c=$(fresh); req "$who" POST "/collections/hazards/items/$c/reject" '{"reason": "test"}' '"1"' application/json ;;
        read-submitted) req "$who" GET "/collections/hazards/items?state=submitted&limit=1" ;;
        read-pending) req "$who" GET "/collections/hazards/items/$A?version=pending" ;;
        review) req "$who" GET /review ;;
        history) req "$who" GET "/collections/hazards/items/$A/history" ;;
        esac
        same "role $role: $action" "$STATUS" "$want"
        i=$((i + 1))
    done
done <<'ROLES'
create-hazard  401,403,403,201,201,201
create-victim  401,403,403,403,201,201
replace        401,403,403,403,200,200
delete         401,403,403,403,204,204
approve        401,403,403,403,200,200
reject         401,403,403,403,200,200
read-submitted 401,403,403,200,200,200
read-pending   401,403,403,404,404,404
review         401,403,403,200,200,200
history        401,403,403,200,200,200
ROLES
same "the change log names each writer" "$(sqlite3 "$DB" "SELECT group_concat(DISTINCT who) FROM (SELECT who FROM demine_change_log WHERE action = 'insert' AND kind = 'hazards' AND who <> 'root' ORDER BY who)")" "ad,ap,ed,eve"

# ---- four eyes: nobody decides on what they wrote any part of
H=/collections/hazards/items
feature() { echo "{\"type\": \"Feature\", \"properties\": {\"name\": \"$1\", \"status\": \"SHA\"}, \"geometry\": $(square "$2" "$3" "${4:-0.01}")}"; }
state_of() { sqlite3 "$DB" "SELECT state || ' ' || version FROM hazards WHERE code = '$1'"; }
req ap POST $H "$(feature "By ap" 20.0 44.0)"
FE=$(json "$T/body" "d['id']")
req amy PATCH "$H/$FE" '{"properties": {"name": "By ap, touched by amy"}}' '"1"' application/merge-patch+json
same "an approver changes another approver's submission (200)" "$STATUS" 200
req ap POST "$H/$FE/approve" "" '"2"'
same "  its creator may not approve it after someone else's change (403)" "$STATUS" 403
check "  the answer names who wrote what" grep -q "ap created it, amy changed it" "$T/body"
req amy POST "$H/$FE/reject" '{"reason": "no"}' '"2"' application/json
same "  nor may the approver who changed it reject it (403)" "$STATUS" 403
same "  it is still submitted" "$(state_of "$FE")" "submitted 2"
req ad POST "$H/$FE/approve" "" '"2"'
same "  someone who wrote none of it may (200)" "$STATUS:$(prop state)" "200:approved"

# ---- a decision names the version reviewed (If-Match)
req ed POST $H "$(feature "Reviewed" 20.1 44.1)"
RV=$(json "$T/body" "d['id']")
req ap POST "$H/$RV/approve"
same "approval without If-Match is 428" "$STATUS" 428
check "  the answer names the ETag to send" grep -q 'is at \\"1\\"' "$T/body"
req ed PUT "$H/$RV" "$(feature "Reviewed" 20.1 44.1 0.5)" '"1"'
same "  meanwhile its author makes it a 0.5 degree square (200)" "$STATUS" 200
req ap POST "$H/$RV/approve" "" '"1"'
same "  approving the version reviewed before that is 412" "$STATUS" 412
same "  and it stays submitted" "$(state_of "$RV")" "submitted 2"
req ap POST "$H/$RV/approve" "" '"2"'
same "  approving the version as it is (200)" "$STATUS:$(prop state)" "200:approved"
req ed POST $H "$(feature "To reject" 20.2 44.2)"
RJ=$(json "$T/body" "d['id']")
req ap POST "$H/$RJ/reject" '{"reason": "not surveyed"}' "" application/json
same "rejection without If-Match is 428" "$STATUS" 428
req ed PATCH "$H/$RJ" '{"properties": {"name": "Renamed meanwhile"}}' '"1"' application/merge-patch+json
req ap POST "$H/$RJ/reject" '{"reason": "not surveyed"}' '"1"' application/json
same "  rejecting a stale version is 412" "$STATUS:$(state_of "$RJ")" "412:submitted 2"
req ap POST "$H/$RJ/reject" '{"reason": "not surveyed"}' '"2"' application/json
same "  rejecting the version as it is (200)" "$STATUS:$(prop state)" "200:rejected"

# ---- a waiting change: its ETag, who may change it, who may decide on it
req ed POST $H "$(feature "Waits" 20.3 44.3)"
WC=$(json "$T/body" "d['id']")
req ap POST "$H/$WC/approve" "" '"1"'
req ed GET "$H/$WC"
V=$ETAG
req ed PATCH "$H/$WC" '{"properties": {"name": "Proposed by ed"}}' "$V" application/merge-patch+json
same "ed proposes a change to an approved record (202)" "$STATUS" 202
req ap GET "$H/$WC?version=pending"
P1=$ETAG
check "  ?version=pending gives its ETag, \"BASE+ID\"" sh -c "echo '$P1' | grep -qx '\"2+[0-9]*\"'"
req ap GET /review
same "  so does /review, with who wrote it" "$(json "$T/body" "[(c['etag'], c['authors']) for c in d['changes'] if c['code'] == '$WC']")" "[('$P1', ['ed'])]"
req ap POST "$H/$WC/approve" "" "$V"
same "  approving with the record's ETag is 412 (the change was not named)" "$STATUS" 412
req ap POST "$H/$WC/approve"
same "  approving without If-Match is 428" "$STATUS" 428
req eve PATCH "$H/$WC" '{"properties": {"name": "eve was here"}}' "$P1" application/merge-patch+json
same "another editor may not change ed's waiting change (403)" "$STATUS" 403
req eve DELETE "$H/$WC" "" "$P1"
same "  nor withdraw it (403)" "$STATUS" 403
req ed PATCH "$H/$WC" '{"properties": {"status": "CHA"}}' "$P1" application/merge-patch+json
same "its author changes it, naming it (202)" "$STATUS" 202
req ap GET "$H/$WC?version=pending"
P2=$ETAG
check "  its ETag changed" test "$P2" != "$P1" -a -n "$P2"
same "  the merge patch went onto the waiting change" "$(prop name):$(prop status)" "Proposed by ed:CHA"
req ap POST "$H/$WC/approve" "" "$P1"
same "  approving the change as it was is 412" "$STATUS" 412
req amy PUT "$H/$WC" "$(feature "Proposed by ed" 20.3 44.3 0.5)" "$P2"
same "an approver changes ed's waiting change (202)" "$STATUS" 202
req ap GET "$H/$WC?version=pending"
P3=$ETAG
req amy POST "$H/$WC/approve" "" "$P3"
same "  and then may not approve it (403)" "$STATUS" 403
check "  the answer names who wrote what" grep -q "ed proposed and changed it, amy changed it" "$T/body"
req ed POST "$H/$WC/approve" "" "$P3"
same "  (an editor never may: 403)" "$STATUS" 403
req ap POST "$H/$WC/approve" "" "$P3"
same "  another approver approves what was reviewed (200)" "$STATUS:$(prop name):$(prop status)" "200:Proposed by ed:SHA"
same "  with amy's geometry (0.5 degrees wide)" "$(json "$T/body" "round(max(p[0] for p in d['geometry']['coordinates'][0][0]) - min(p[0] for p in d['geometry']['coordinates'][0][0]), 2)")" 0.5
# withdrawing a waiting change
req ed GET "$H/$WC"
V=$ETAG
req ed DELETE "$H/$WC" "" "$V"
same "ed proposes to delete it (202)" "$STATUS" 202
req ed GET "$H/$WC?version=pending"
PD=$ETAG
req ed PATCH "$H/$WC" '{"properties": {"name": "x"}}' "$PD" application/merge-patch+json
same "  a waiting deletion is not changed into a replacement (409)" "$STATUS" 409
req eve DELETE "$H/$WC" "" "$PD"
same "  another editor may not withdraw it (403)" "$STATUS" 403
req ed DELETE "$H/$WC" "" "$PD"
same "  its author withdraws it (204)" "$STATUS" 204
req ap GET "$H/$WC?version=pending"
same "  nothing waits (404) and the record stays approved" "$STATUS:$(state_of "$WC" | cut -d' ' -f1)" "404:approved"
req ed PATCH "$H/$WC" '{"properties": {"name": "Again"}}' "$V" application/merge-patch+json
req amy GET "$H/$WC?version=pending"
req amy DELETE "$H/$WC" "" "$ETAG"
same "an approver withdraws an editor's waiting change (204)" "$STATUS" 204
req ap GET "$H/$WC/history"
same "  the log names every step" "$(json "$T/body" "[(c['who'], c['action']) for c in d['changes']][-9:]")" \
    "[('ed', 'propose'), ('ed', 'amend'), ('amy', 'amend'), ('ap', 'update'), ('ap', 'apply'), ('ed', 'propose'), ('ed', 'withdraw'), ('ed', 'propose'), ('amy', 'withdraw')]"
same "  and what each did: a PATCH is a patch of the fields it changed, a PUT a replacement" \
    "$(json "$T/body" "[c['detail'] for c in d['changes']][-9:]")" \
    "['patch: name', 'patch: status', 'replace', None, 'replace by ed approved', 'delete', 'delete by ed withdrawn by ed', 'patch: name', 'patch (name) by ed withdrawn by amy']"

# ---- whose submission: an editor changes or withdraws only what they wrote
req ed POST $H "$(feature "Eds field" 20.4 44.4)"
S=$(json "$T/body" "d['id']")
req eve PUT "$H/$S" "$(feature "Eves now" 20.4 44.4)" '"1"'
same "another editor may not replace ed's submission (403)" "$STATUS" 403
check "  the answer says whose it is" grep -q "not eve's (ed created it)" "$T/body"
req eve PATCH "$H/$S" '{"properties": {"name": "Eve"}}' '"1"' application/merge-patch+json
same "  nor update it (403)" "$STATUS" 403
req eve DELETE "$H/$S" "" '"1"'
same "  nor withdraw it (403)" "$STATUS" 403
req eve PATCH "$H/$S" '{"properties": {"name": "Eve"}}' "" application/merge-patch+json
same "  (403 before any If-Match)" "$STATUS" 403
same "  none of it changed anything" "$(state_of "$S"):$(sqlite3 "$DB" "SELECT name FROM hazards WHERE code = '$S'")" "submitted 1:Eds field"
req ed PATCH "$H/$S" '{"properties": {"name": "Eds field, corrected"}}' '"1"' application/merge-patch+json
same "ed changes his own (200)" "$STATUS" 200
req amy PATCH "$H/$S" '{"properties": {"status": "CHA"}}' '"2"' application/merge-patch+json
same "an approver changes it too (200)" "$STATUS" 200
req ed PATCH "$H/$S" '{"properties": {"name": "Eds field, again"}}' '"3"' application/merge-patch+json
same "  it is still ed's to change (200)" "$STATUS" 200
req ap GET "$H/$S/history"
same "  each update logged as what it did" "$(json "$T/body" "[(c['who'], c['action'], c['detail']) for c in d['changes']][1:]")" \
    "[('ed', 'update', 'patch: name'), ('amy', 'update', 'patch: status'), ('ed', 'update', 'patch: name')]"
req amy POST "$H/$S/approve" "" '"4"'
same "  the approver who changed it may not approve it (403)" "$STATUS" 403
req ap DELETE "$H/$S" "" '"4"'
same "another approver withdraws it (204)" "$STATUS:$(state_of "$S")" "204:rejected 5"
req ap POST "$H/$S/approve" "" '"5"'
same "  then there is nothing to approve (409)" "$STATUS" 409
req ed POST $H "$(feature "Eds to withdraw" 20.5 44.5)"
req ed DELETE "$H/$(json "$T/body" "d['id']")" "" '"1"'
same "ed withdraws his own (204)" "$STATUS" 204
req ed GET /auth/me
same "/auth/me: an editor may not act on what others wrote" "$(json "$T/body" "'write_others' in d['actions']")" False
req amy GET /auth/me
same "  an approver may" "$(json "$T/body" "'write_others' in d['actions']")" True

# ---- property selection (properties=, Part 6), kept in the next link
req - GET "/collections/hazards/items?properties=status,name&limit=1"
same "properties= selects what each feature carries" "$(json "$T/body" "sorted(d['features'][0]['properties'])")" "['name', 'status']"
check "  and the next link keeps it" "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not any(l['rel'] == 'next' and 'properties=status%2Cname' in l['href'] for l in d['links']))" "$T/body"
req - GET "/collections/hazards/items?properties=status,nosuch"
same "  an unknown one is 400" "$STATUS" 400
req - GET "/collections/victims/items?properties=name"
same "  a personal field is refused like the collection (401)" "$STATUS" 401
req vi GET "/collections/victims/items?properties=name"
same "  and for a viewer it is unknown (400)" "$STATUS" 400

# ---- queryables say what a form must check: required fields and ranges
req ed GET /collections/hazards/queryables
same "queryables name what a hazard needs" "$(json "$T/body" "d['required']")" "['status', 'geometry']"
req ap GET /collections/victims/queryables
same "  and the ranges of numbers" "$(json "$T/body" "(d['properties']['age']['minimum'], d['properties']['age']['maximum'])")" "(0, 110)"
check "  but never a personal field" sh -c "! grep -q '\"name\"\|address' '$T/body'"

# ---- imports over HTTP: the CLI's rules, records enter as submitted, the
# rejects in the answer
cat >"$T/import.geojson" <<G
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Imported field", "status": "SHA"}, "geometry": $(square 19.5 44.5)},
 {"type": "Feature", "properties": {"name": "Bad status", "status": "PERHAPS"}, "geometry": $(square 19.6 44.6)},
 {"type": "Feature", "properties": {"name": "No geometry", "status": "SHA"}, "geometry": null}]}
G
upload() { # upload WHO KIND QUERY FILE: like req, the file as the body
    local args=(-s -o "$T/body" -X POST -H "Content-Type: application/octet-stream" --data-binary "@$4")
    [ "$1" != - ] && args+=(-H "Authorization: Bearer ${TOK[$1]}")
    STATUS=$(curl "${args[@]}" -w '%{http_code}' "$URL/import/$2?$3")
}
BEFORE=$(sqlite3 "$DB" "SELECT count(*) FROM hazards"):$(log_rows)
upload - hazards filename=f.geojson "$T/import.geojson"
same "anonymous may not import (401)" "$STATUS" 401
upload vi hazards filename=f.geojson "$T/import.geojson"
same "a viewer may not import (403)" "$STATUS" 403
upload ed victims filename=f.geojson "$T/import.geojson"
same "an editor may not import victims (403)" "$STATUS" 403
upload ed casualties filename=f.csv "$T/import.geojson"
same "  nor casualty rows (403)" "$STATUS" 403
upload ed hazards "filename=../x.geojson" "$T/import.geojson"
same "a file name with a path is 400" "$STATUS" 400
upload ed hazards "filename=f.exe" "$T/import.geojson"
same "an unknown extension is 400" "$STATUS" 400
upload ed hazards "filename=f.geojson&map=nosuch=name" "$T/import.geojson"
same "a bad map is 400" "$STATUS:$(json "$T/body" "'nosuch' in d['detail']")" "400:True"
printf '{"type": "FeatureCollection", "features": [' >"$T/junk.geojson"
upload ed hazards filename=junk.geojson "$T/junk.geojson"
same "an unreadable file is 400" "$STATUS:$(json "$T/body" "'nothing was imported' in d['detail']")" "400:True"
printf 'not a file GDAL reads' >"$T/junk.geojson"
upload ed hazards filename=junk.geojson "$T/junk.geojson"
same "text named .geojson is 415 (the content decides)" "$STATUS:$(json "$T/body" "'nothing was imported' in d['detail']")" "415:True"
upload ed nothing filename=f.geojson "$T/import.geojson"
same "an unknown kind is 404" "$STATUS" 404
same "  none of these changed anything" "$(sqlite3 "$DB" "SELECT count(*) FROM hazards"):$(log_rows)" "$BEFORE"
upload ed hazards "filename=fields.geojson&set=organisation=OR-TEST" "$T/import.geojson"
same "an editor imports a file (200)" "$STATUS" 200
same "  one imported, two rejected, with their rows and reasons" \
    "$(json "$T/body" "(d['rows'], d['imported'], d['rejected'], [r['row'] for r in d['rejects']], d['state'])")" \
    "(3, 1, 2, [2, 3], 'submitted')"
check "  the reason names the value" grep -q "PERHAPS" "$T/body"
same "  stored as submitted by ed, with the constant set" \
    "$(sqlite3 "$DB" "SELECT state || ' ' || updated_by || ' ' || organisation FROM hazards WHERE name = 'Imported field'")" "submitted ed OR-TEST"
req ap GET /review
check "  it waits in the review queue" "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not any(c['change'] == 'create' and c['by'] == 'ed' for c in d['changes']))" "$T/body"
printf 'incident_ref,date,lon,lat,status,sex,age\nX-1,2021-03-07,18.005,44.005,injured,f,9\nX-1,2021-03-07,18.005,44.005,maybe,m,40\n' >"$T/cas.csv"
upload ap casualties filename=cas.csv "$T/cas.csv"
same "an approver imports casualty rows" "$STATUS:$(json "$T/body" "(d['imported'], d['rejected'])")" "200:(1, 1)"
same "  the victim and its incident are submitted" "$(sqlite3 "$DB" "SELECT count(*) FROM victims v JOIN accidents a ON v.accident_code = a.code WHERE a.incident_ref = 'X-1' AND v.state = 'submitted' AND a.state = 'submitted'")" 1

# ---- the API document says what is served
req - GET /api
same "/api lists the write methods" "$(json "$T/body" "sorted(d['paths']['/collections/{collectionId}/items/{featureId}'])"):$(json "$T/body" "sorted(d['paths']['/collections/{collectionId}/items'])")" \
    "['delete', 'get', 'patch', 'put']:['get', 'post']"
same "  and the workflow" "$(json "$T/body" "[p for p in ('/import/{kind}', '/review', '/auth/me', '/collections/{collectionId}/items/{featureId}/approve', '/collections/{collectionId}/items/{featureId}/reject', '/collections/{collectionId}/items/{featureId}/history') if p in d['paths']]" | tr -d "[]' " | tr ',' '\n' | grep -c .)" 6
req - GET /conformance
check "/conformance names Part 4" grep -q "ogcapi-features-4/1.0/conf/create-replace-delete" "$T/body"

# ---- methods and paths
req ed PUT /collections/hazards/items "$NEW"
same "PUT on the collection is 405" "$STATUS" 405
req ed POST "/collections/nothing/items" "$NEW"
same "an unknown collection is 404" "$STATUS" 404
req ed PATCH /collections/hazards/items/HA-9999 '{"properties": {}}' '"1"' application/merge-patch+json
same "a missing record is 404" "$STATUS" 404
req ed POST /collections/hazards/items "$NEW" "" application/geo+json
check "the server log has the writes" grep -q "POST /collections/hazards/items 201" "$T/server.log"
check "no password or token in the server log" sh -c "! grep -q 'password-77\|${TOK[ed]}' '$T/server.log'"

finish
