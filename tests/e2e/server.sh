# End-to-end test of `demine serve`: the real server on a loopback port of
# its own, driven over HTTP with curl and read by GDAL's OAPIF driver; the
# server is stopped (SIGTERM) whatever happens.
# usage: server.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/atlas.gpkg"
"$DEMINE" init "$DB" >/dev/null 2>&1
"$DEMINE" import "$DB" admin-areas "$BIH/municipalities.geojson" --map name=shapeName \
    --set level=3 -q >/dev/null 2>&1
"$DEMINE" import "$DB" hazards "$BIH/suspected_areas.geojson" --set status=SHA -q >/dev/null 2>&1
"$DEMINE" import "$DB" releases "$BIH/cleared_areas.geojson" --set method=cleared -q >/dev/null 2>&1
"$DEMINE" import "$DB" accidents "$BIH/incidents.geojson" -q >/dev/null 2>&1
# a hazard awaiting review must not be served to the public
cat >"$T/pending.geojson" <<'G'
{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "HA-PENDING"},
 "geometry": {"type": "Polygon", "coordinates": [[[18.0, 44.0], [18.01, 44.0], [18.01, 44.01], [18.0, 44.0]]]}}]}
G
"$DEMINE" import "$DB" hazards "$T/pending.geojson" --set status=CHA --state submitted -q >/dev/null 2>&1

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$DEMINE" serve "$DB" --port "$PORT" --threads 2 >"$T/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done

# get NAME PATH STATUS CONTENT-TYPE: the body in $T/body
get() {
    local got
    got=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' "$URL$2")
    if [ "$got" = "$3 $4" ]; then ok "$1 ($got)"; else fail "$1 (got '$got', expected '$3 $4')"; fi
}
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; fi; }

get "health" /health 200 application/json
get "landing page is JSON for a machine client" / 200 application/json
same "landing page links" "$(json "$T/body" "sorted(l['rel'] for l in d['links'])")" \
    "['alternate', 'conformance', 'data', 'self', 'service-desc']"
same "landing page: service-desc is an OpenAPI 3.0 document" \
    "$(json "$T/body" "[l['type'] for l in d['links'] if l['rel']=='service-desc'][0]")" \
    "application/vnd.oai.openapi+json;version=3.0"
code=$(curl -s -o "$T/body" -w '%{content_type}' -H 'Accept: text/html' "$URL/")
same "landing page is HTML for a browser" "$code" "text/html; charset=utf-8"
get "landing page f=html" "/?f=html" 200 "text/html; charset=utf-8"
get "conformance" /conformance 200 application/json
same "conformance classes: Features Parts 1, 3 and 4, Tiles" "$(json "$T/body" "len(d['conformsTo'])")" 18
get "OpenAPI document" /api 200 "application/vnd.oai.openapi+json;version=3.0"
same "OpenAPI names the items path and the served collections" \
    "$(json "$T/body" "('/collections/{collectionId}/items' in d['paths'], d['components']['parameters']['collectionId']['schema']['enum'])")" \
    "(True, ['hazards'])"
get "collections" /collections 200 application/json
same "anonymous callers see the public collections only" \
    "$(json "$T/body" "[c['id'] for c in d['collections']]")" "['hazards']"
get "a collection" /collections/hazards 200 application/json
same "its extent lies in Bosnia and Herzegovina" \
    "$(json "$T/body" "all(15 < v < 20 or 42 < v < 46 for v in d['extent']['spatial']['bbox'][0])")" True

APPROVED=$(sqlite3 "$DB" "SELECT count(*) FROM hazards WHERE state = 'approved'")
get "items are GeoJSON" "/collections/hazards/items" 200 application/geo+json
same "default page of 10, numberMatched = approved hazards" \
    "$(json "$T/body" "(d['numberReturned'], len(d['features']), d['numberMatched'])")" \
    "(10, 10, $APPROVED)"
same "ids are the records' codes" "$(json "$T/body" "d['features'][0]['id']")" HA-0001
same "coordinates have at most 7 decimals" \
    "$(json "$T/body" "max(len(repr(c).split('.')[-1]) for c in d['features'][0]['geometry']['coordinates'][0][0][0])")" 7
get "limit above the maximum is the maximum" "/collections/hazards/items?limit=20000" 200 application/geo+json
same "  all of them (fewer than 10000)" "$(json "$T/body" "d['numberReturned']")" "$APPROVED"

# paging through the whole collection with next links keeps every parameter
BBOX="17.5,44.0,18.5,45.0"
WANT=$(sqlite3 "$DB" "SELECT count(*) FROM hazards h JOIN rtree_hazards_geom r ON r.id = h.fid WHERE h.state = 'approved' AND r.maxx >= 17.5 AND r.minx <= 18.5 AND r.maxy >= 44.0 AND r.miny <= 45.0")
"$PY" - "$URL/collections/hazards/items?bbox=$BBOX&limit=500" >"$T/pages" <<'P'
import json, sys, urllib.request
url, seen, pages, kept = sys.argv[1], [], 0, True
while url:
    with urllib.request.urlopen(url) as r:
        d = json.load(r)
    pages += 1
    seen += [f["id"] for f in d["features"]]
    nxt = [l["href"] for l in d["links"] if l["rel"] == "next"]
    if nxt and ("bbox=17.5%2C44.0%2C18.5%2C45.0" not in nxt[0] or "limit=500" not in nxt[0]):
        kept = False
    url = nxt[0] if nxt else None
print(len(seen), len(set(seen)), pages, kept, d["numberMatched"])
P
read -r n distinct pages kept matched <"$T/pages"
same "next links keep bbox and limit" "$kept" True
same "paging gives every feature once" "$n $distinct" "$matched $matched"
check "bbox narrows the features (at most the index's candidates)" test "$matched" -le "$WANT"
check "bbox leaves some features" test "$matched" -gt 0
check "several pages" test "$pages" -gt 1

get "a single item" /collections/hazards/items/HA-0003 200 application/geo+json
check "it has an ETag" grep -qi '^etag' <(curl -s -D - -o /dev/null "$URL/collections/hazards/items/HA-0003")
get "a missing item is 404" /collections/hazards/items/HA-9999999 404 application/problem+json
get "an item awaiting review is not public" /collections/hazards/items/HA-PENDING 404 application/problem+json
get "a missing collection is 404" /collections/nowhere/items 404 application/problem+json
get "victims are never public (401: log in)" /collections/victims/items 401 application/problem+json
get "minefield records are never public (login needed)" /collections/minefield-records/items 401 application/problem+json
check "  401 says how to log in" grep -qi '^www-authenticate: bearer' <(curl -s -D - -o /dev/null "$URL/collections/minefield-records/items")
get "releases need a login" /collections/releases/items 401 application/problem+json
get "unknown parameter is 400" "/collections/hazards/items?colour=red" 400 application/problem+json
get "repeated parameter is 400" "/collections/hazards/items?limit=1&limit=2" 400 application/problem+json
get "bad limit is 400" "/collections/hazards/items?limit=-1" 400 application/problem+json
get "bad bbox is 400" "/collections/hazards/items?bbox=1,2,3" 400 application/problem+json
get "bbox across the antimeridian is 400" "/collections/hazards/items?bbox=170,0,-170,10" 400 application/problem+json
get "bad datetime is 400" "/collections/hazards/items?datetime=yesterday" 400 application/problem+json
get "bad escape in the query is 400" "/collections/hazards/items?bbox=%zz" 400 application/problem+json
get "bad f is 400" "/collections/hazards/items?f=xml" 400 application/problem+json
get "property filter" "/collections/hazards/items?status=suspected&limit=1" 200 application/geo+json
same "  canonical value matched" "$(json "$T/body" "d['features'][0]['properties']['status']")" SHA
get "property filter, bad value" "/collections/hazards/items?status=maybe" 400 application/problem+json
get "datetime on records without dates matches none" "/collections/hazards/items?datetime=2020-01-01/.." 200 application/geo+json
same "  none" "$(json "$T/body" "d['numberMatched']")" 0
check "problem details say no SQL" sh -c "! grep -qi 'sqlite\|select ' '$T/body'"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/collections/hazards/items")
same "anonymous may not write (401)" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/collections")
same "a POST to a read-only path is 405" "$code" 405

# logins: a token per user, the role decides what is read
printf 'viewer-password-1\n' >"$T/pw1"
printf 'analyst-password-2\n' >"$T/pw2"
"$DEMINE" user add "$DB" vera --role viewer --password-file "$T/pw1" >/dev/null 2>&1
"$DEMINE" user add "$DB" anil --role analyst --password-file "$T/pw2" >/dev/null 2>&1
VERA=$(token vera viewer-password-1)
ANIL=$(token anil analyst-password-2)
check "a viewer logs in" test -n "$VERA"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-urlencode "user=vera" --data-urlencode "password=wrong-password-9" "$URL/auth/token")
same "a wrong password is 401" "$code" 401
check "  with no token in the answer" sh -c "! grep -q access_token '$T/body'"
authget() { curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL$2"; }
same "the viewer reads releases" "$(authget "$VERA" /collections/releases/items?limit=1)" 200
same "the viewer sees more collections" "$(curl -s -H "Authorization: Bearer $VERA" "$URL/collections" | "$PY" -c 'import json,sys; print(sorted(c["id"] for c in json.load(sys.stdin)["collections"]))')" \
    "['accidents', 'activities', 'admin-areas', 'eo-items', 'hazards', 'infrastructure', 'organisations', 'releases', 'settlements', 'victims']"
same "the viewer may not read minefield records (403)" "$(authget "$VERA" /collections/minefield-records/items)" 403
same "the analyst reads minefield records" "$(authget "$ANIL" /collections/minefield-records/items)" 200
same "a bad token is 401" "$(authget "not-a-token" /collections/hazards/items)" 401
# GDAL reads every collection the viewer may read, with the token, and gets
# exactly the store's approved records
if GDAL_HTTP_HEADERS="Authorization: Bearer $VERA" timeout 600 ogr2ogr -f GPKG "$T/all.gpkg" \
    "OAPIF:$URL" -oo PAGE_SIZE=1000 >"$T/ogr2.log" 2>&1; then
    for c in accidents eo-items hazards releases admin-areas; do
        tbl=${c//-/_}
        got=$(sqlite3 "$T/all.gpkg" "SELECT group_concat(code, ',') FROM (SELECT code FROM \"$c\" ORDER BY code)" 2>/dev/null)
        want=$(sqlite3 "$DB" "SELECT group_concat(code, ',') FROM (SELECT code FROM $tbl WHERE state = 'approved' ORDER BY code)")
        same "GDAL OAPIF with a token reads $c whole ($(echo "$want" | tr ',' '\n' | grep -c .) records)" "$got" "$want"
    done
else
    fail "GDAL OAPIF with a token could not read the server"
    head -5 "$T/ogr2.log"
fi

# every role against every read the server offers so far, from a table
# (expected status: 200 allowed, 401 anonymous refused, 403 role refused)
for role in editor approver admin; do
    printf '%s-password-9\n' "$role" >"$T/pw-$role"
    "$DEMINE" user add "$DB" "u$role" --role "$role" --password-file "$T/pw-$role" >/dev/null 2>&1
done
declare -A TOK=([anonymous]="" [viewer]="$VERA" [analyst]="$ANIL")
for role in editor approver admin; do TOK[$role]=$(token "u$role" "$role-password-9"); done
#      path                                   anonymous viewer analyst editor approver admin
while read -r path expect; do
    i=0
    for role in anonymous viewer analyst editor approver admin; do
        want=$(echo "$expect" | cut -d, -f$((i + 1)))
        if [ -n "${TOK[$role]}" ]; then
            got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[$role]}" "$URL$path")
        else
            got=$(curl -s -o /dev/null -w '%{http_code}' "$URL$path")
        fi
        same "role $role reads $path" "$got" "$want"
        i=$((i + 1))
    done
done <<'ROLES'
/collections/hazards/items?limit=1 200,200,200,200,200,200
/collections/releases/items?limit=1 401,200,200,200,200,200
/collections/accidents/items?limit=1 401,200,200,200,200,200
/collections/minefield-records/items 401,403,200,403,200,200
/stats/casualties 200,200,200,200,200,200
/collections/victims/items 401,200,200,200,200,200
ROLES

code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $VERA" "$URL/auth/token")
same "logging out" "$code" 204
same "the token is gone" "$(authget "$VERA" /collections/releases/items)" 401
check "no password in the server log" sh -c "! grep -q 'password-1\|password-2' '$T/server.log'"

# Part 3: CQL2 text filters and queryables
get "queryables" /collections/hazards/queryables 200 application/schema+json
same "  name the fields, with the enum values" "$(json "$T/body" "d['properties']['status']['enum']")" "['SHA', 'CHA']"
fq() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
get "filter on a property" "/collections/hazards/items?limit=1&filter=$(fq "status = 'SHA'")" 200 application/geo+json
same "  every approved hazard is SHA" "$(json "$T/body" "d['numberMatched']")" "$APPROVED"
get "filter that matches none" "/collections/hazards/items?filter=$(fq "status = 'CHA'")" 200 application/geo+json
same "  none" "$(json "$T/body" "d['numberMatched']")" 0
get "S_INTERSECTS with a BBOX" "/collections/hazards/items?limit=1&filter=$(fq "S_INTERSECTS(geometry, BBOX(17.5, 44.0, 18.5, 45.0))")" 200 application/geo+json
same "  the same features as bbox=" "$(json "$T/body" "d['numberMatched']")" "$matched"
get "filter and next links" "/collections/hazards/items?limit=5&filter=$(fq "S_INTERSECTS(geometry, BBOX(17.5, 44.0, 18.5, 45.0)) AND status <> 'CHA'")" 200 application/geo+json
same "  the next link keeps the filter" "$(json "$T/body" "[l['href'] for l in d['links'] if l['rel']=='next'][0].count('filter=S_INTERSECTS')")" 1
get "a bad filter is 400" "/collections/hazards/items?filter=$(fq "status = ")" 400 application/problem+json
check "  and says where" grep -q "position" "$T/body"
get "an unknown property is 400" "/collections/hazards/items?filter=$(fq "colour = 'red'")" 400 application/problem+json
get "another filter language is 400" "/collections/hazards/items?filter=x&filter-lang=cql2-json" 400 application/problem+json

# the JSON API gives the CLI's figures, byte for byte
"$DEMINE" generate "$DB" casualties --victims 300 --seed 7 >/dev/null 2>&1
for pair in "landrelease|by=year|--by year" "items||" "casualties|by=year,sex&since=2010-01-01|--by year,sex --since 2010-01-01 --min-cell 3" \
    "casualties||--min-cell 3"; do
    IFS='|' read -r what query opts <<<"$pair"
    curl -s "$URL/stats/$what?$query" >"$T/api.json"
    # shellcheck disable=SC2086
    "$DEMINE" stats "$DB" "$what" $opts --json >"$T/cli.json" 2>/dev/null
    check "/stats/$what?$query equals demine stats $what $opts --json" cmp -s "$T/api.json" "$T/cli.json"
done
# small cells: casualty figures count people; roles without the right to
# personal data get groups of 1-2 casualties (and those that would give them
# away) suppressed, the total exact; those with it get every figure exact
"$DEMINE" generate "$DB" casualties --victims 1500 --seed 11 >/dev/null 2>&1
"$DEMINE" stats "$DB" casualties --by month,admin --json >"$T/exact.json" 2>/dev/null
curl -s "$URL/stats/casualties?by=month,admin" >"$T/anon.json"
cat >"$T/cells.py" <<'PY'
# usage: cells.py EXACT.json PROTECTED.json N: checks the suppression rule
import json, sys
from collections import defaultdict
e, p, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
exact = {g["key"]: g for g in e["groups"]}
small = [g["key"] for g in p["groups"] if not g["suppressed"] and g["casualties"] < n]
changed = [g["key"] for g in p["groups"] if not g["suppressed"] and g != dict(exact[g["key"]], suppressed=False)]
nulls = all(g["casualties"] is None and g["killed"] is None and g["female"] is None
            for g in p["groups"] if g["suppressed"])
year = lambda k: k[:4] if k != "unknown" else k
lines = defaultdict(list)
for g in p["groups"]:
    ks = g["keys"]
    names = ["all"]
    if len(ks) == 2:
        names += ["r" + ks[0], "c" + ks[1]]
        if p["by"][0] == "month":
            names.append("C%s|%s" % (ks[1], year(ks[0])))
        if p["by"][1] == "month":
            names.append("R%s|%s" % (ks[0], year(ks[1])))
    elif p["by"][0] == "month":
        names.append("y" + year(ks[0]))
    for l in names:
        lines[l].append(g)
weak = 0
for l, gs in lines.items():
    hid = [exact[g["key"]]["casualties"] for g in gs if g["suppressed"]]
    shown = [g for g in gs if not g["suppressed"]]
    if hid and shown and (len(hid) == 1 or sum(hid) < n or sum(hid) == len(hid)):
        weak += 1
total = all(p[k] == e[k] for k in ("casualties", "killed", "injured", "children", "female", "incidents"))
print(len(e["groups"]), sum(1 for g in e["groups"] if g["casualties"] < n), len(small), len(changed),
      nulls, weak, total, p["suppressed"], p["min_cell"], len(p["groups"]) == len(e["groups"]))
PY
read -r ncells nsmall shown_small changed nulls weak total tsup mincell samegroups <<<"$("$PY" "$T/cells.py" "$T/exact.json" "$T/anon.json" 3)"
check "by=month,admin has small cells to hide ($nsmall of $ncells under 3)" test "$nsmall" -gt 100
same "anonymous by=month,admin: no group of 1 or 2 casualties is shown" "$shown_small" 0
same "  every group shown is exact" "$changed" 0
same "  suppressed groups have no counts (null)" "$nulls" True
same "  no row, column or month-of-a-year line gives one away by subtraction" "$weak" 0
same "  the total is exact and says so" "$total $tsup $mincell" "True False 3"
same "  and every group is listed, suppressed or not" "$samegroups" True
for pair in "by=admin|admin" "by=year,sex|year,sex" "by=month|month" "by=settlement,status|settlement,status"; do
    IFS='|' read -r query by <<<"$pair"
    "$DEMINE" stats "$DB" casualties --by "$by" --json >"$T/e1.json" 2>/dev/null
    curl -s "$URL/stats/casualties?$query" >"$T/a1.json"
    read -r _ _ shown_small changed _ weak total _ _ _ <<<"$("$PY" "$T/cells.py" "$T/e1.json" "$T/a1.json" 3)"
    same "anonymous $query: none under 3, shown ones exact, lines safe, total exact" "$shown_small $changed $weak $total" "0 0 0 True"
done
curl -s -H "Authorization: Bearer ${TOK[approver]}" "$URL/stats/casualties?by=month,admin" >"$T/appr.json"
check "an approver (personal data) gets every figure exact: demine stats --json, byte for byte" cmp -s "$T/appr.json" "$T/exact.json"
curl -s "$URL/stats/casualties?by=month,admin" >"$T/anon2.json"
check "  and anonymous still gets its own answer (the cache keeps them apart)" cmp -s "$T/anon2.json" "$T/anon.json"
"$DEMINE" stats "$DB" casualties --by month,admin --json --min-cell 3 >"$T/cli3.json" 2>/dev/null
check "anonymous equals demine stats --min-cell 3 --json" cmp -s "$T/anon.json" "$T/cli3.json"
"$DEMINE" stats "$DB" casualties --by month,admin --min-cell 3 --list --json >"$T/list3.json" 2>/dev/null
same "demine stats --min-cell 3 --list lists no record behind a suppressed group" \
    "$(json "$T/list3.json" "sum(len(g['victim_codes']) + len(g['incident_codes']) for g in d['groups'] if g['suppressed'])")" 0
# the role matrix `demine user roles` prints is what the server does
"$DEMINE" user roles >"$T/roles.md"
TOK[viewer]=$(token vera viewer-password-1) # the first token was logged out above
col() { "$PY" -c 'import sys
rows = [l.strip().strip("|").split("|") for l in open(sys.argv[1]) if l.startswith("|")]
head = [c.strip() for c in rows[0]]
for r in rows[2:]:
    if r[0].strip() == sys.argv[2]:
        print(r[head.index(sys.argv[3])].strip())' "$T/roles.md" "$1" "$2"; }
for role in anonymous viewer analyst editor approver admin; do
    if [ -n "${TOK[$role]}" ]; then auth=(-H "Authorization: Bearer ${TOK[$role]}"); else auth=(); fi
    code=$(curl -s -o "$T/r.json" -w '%{http_code}' "${auth[@]}" "$URL/stats/casualties?by=month,admin")
    want_code=$([ "$(col read_statistics "$role")" = yes ] && echo 200 || echo 40x)
    want_cell=$([ "$(col read_personal "$role")" = yes ] && echo 0 || echo 3)
    got_cell=$([ "$code" = 200 ] && json "$T/r.json" "d['min_cell']")
    same "role matrix and server agree for $role: read_statistics $(col read_statistics "$role"), read_personal $(col read_personal "$role")" \
        "$code ${got_cell:-}" "$want_code $want_cell"
done
# temporal extents: from the earliest to the latest date of the approved
# records (computed here with sqlite3), in whole years for roles without
# read_personal; none for a kind without a date
cat >"$T/early.geojson" <<'G'
{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "IN-EARLY", "date": "1901-02-03"},
 "geometry": {"type": "Point", "coordinates": [18.0, 44.0]}}]}
G
"$DEMINE" import "$DB" accidents "$T/early.geojson" --state submitted -q >/dev/null 2>&1
same "  (an accident awaiting review, of 1901)" "$(sqlite3 "$DB" "SELECT state FROM accidents WHERE code = 'IN-EARLY'")" submitted
read -r FIRST LAST <<<"$(sqlite3 -separator ' ' "$DB" "SELECT min(date), max(date) FROM accidents WHERE state = 'approved' AND date IS NOT NULL")"
check "the accidents have dates ($FIRST to $LAST)" test -n "$FIRST" -a -n "$LAST" -a "$FIRST" != "$LAST"
# temporal TOKEN COLLECTION: the interval and the trs, or None without one
temporal() {
    curl -s ${1:+-H "Authorization: Bearer $1"} "$URL/collections/$2" |
        "$PY" -c 'import json,sys; t = json.load(sys.stdin).get("extent", {}).get("temporal"); print(t and (t["interval"], t["trs"]))'
}
TRS=http://www.opengis.net/def/uri/ISO-8601/0/Gregorian
same "an approver gets the accidents' temporal extent: the first and last date of the approved ones" \
    "$(temporal "${TOK[approver]}" accidents)" "([['${FIRST}T00:00:00Z', '${LAST}T23:59:59Z']], '$TRS')"
same "  so does /collections" \
    "$(curl -s -H "Authorization: Bearer ${TOK[approver]}" "$URL/collections" | "$PY" -c 'import json,sys; print([c["extent"]["temporal"]["interval"] for c in json.load(sys.stdin)["collections"] if c["id"] == "accidents"])')" \
    "[[['${FIRST}T00:00:00Z', '${LAST}T23:59:59Z']]]"
same "  a viewer (no personal data) gets whole years" \
    "$(temporal "${TOK[viewer]}" accidents)" "([['${FIRST:0:4}-01-01T00:00:00Z', '${LAST:0:4}-12-31T23:59:59Z']], '$TRS')"
same "  hazards have a date field but no dates here: open at both ends" "$(temporal "" hazards)" "([[None, None]], '$TRS')"
same "  admin areas have no date: a spatial extent only" \
    "$(curl -s -H "Authorization: Bearer ${TOK[viewer]}" "$URL/collections/admin-areas" | "$PY" -c 'import json,sys; print(sorted(json.load(sys.stdin)["extent"]))')" "['spatial']"
same "  victims have neither" "$(curl -s -H "Authorization: Bearer ${TOK[viewer]}" "$URL/collections/victims" | "$PY" -c 'import json,sys; print("extent" in json.load(sys.stdin))')" False
get "anonymous: date limits must be whole years" "/stats/casualties?since=2010-03-01" 400 application/problem+json
check "  and the problem says so" grep -q "whole years" "$T/body"
get "  a whole year is fine" "/stats/casualties?since=2010-01-01&until=2012-12-31&by=month" 200 application/json
same "an approver may use any date" "$(authget "${TOK[approver]}" "/stats/casualties?since=2010-03-01")" 200
get "land release stays exact for anonymous" "/stats/landrelease?by=year" 200 application/json
"$DEMINE" stats "$DB" landrelease --by year --json >"$T/lr.json" 2>/dev/null
check "  byte for byte demine stats" cmp -s "$T/body" "$T/lr.json"

get "statistics: unknown parameter is 400" "/stats/casualties?list=1" 400 application/problem+json
get "statistics: bad dimension is 400" "/stats/casualties?by=colour" 400 application/problem+json
get "statistics: since after until is 400" "/stats/casualties?since=2020-01-01&until=2019-01-01" 400 application/problem+json

# GDAL's OAPIF driver reads the collection whole, following next links
if timeout 300 ogr2ogr -f GeoJSON "$T/oapif.geojson" "OAPIF:$URL" hazards >"$T/ogr.log" 2>&1; then
    same "GDAL OAPIF reads every approved hazard" "$(json "$T/oapif.geojson" "len(d['features'])")" "$APPROVED"
    same "  and the same codes as the store" \
        "$(json "$T/oapif.geojson" "','.join(sorted(f['properties']['code'] for f in d['features']))" | md5sum)" \
        "$(sqlite3 "$DB" "SELECT code FROM hazards WHERE state = 'approved' ORDER BY code" | paste -sd, | md5sum)"
else
    fail "GDAL OAPIF could not read the server"
    head -5 "$T/ogr.log"
fi

# ---- vector tiles (OGC API - Tiles, Mapbox Vector Tiles) ----
get "a collection's tilesets" /collections/hazards/tiles 200 application/json
same "  WebMercatorQuad, with a tile URL template" \
    "$(json "$T/body" "(len(d['tilesets']), d['tilesets'][0]['tileMatrixSetURI'].endswith('/WebMercatorQuad'), [l['href'].split('/tiles/')[1] for l in d['tilesets'][0]['links'] if l.get('templated')])")" \
    "(1, True, ['WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}'])"
get "  one tileset" /collections/hazards/tiles/WebMercatorQuad 200 application/json
same "the collection links to its tiles" \
    "$(curl -s "$URL/collections/hazards" | "$PY" -c 'import json,sys; print([l["href"].split("/collections/")[1] for l in json.load(sys.stdin)["links"] if l["rel"].endswith("tilesets-vector")])')" \
    "['hazards/tiles']"
# GDAL's MVT driver reads the tiles back: the same records as the items
# endpoint for the tile's box, geometry within a grid step
while IFS= read -r line; do
    case "$line" in
    "ok   "*) ok "${line#ok   }" ;;
    "FAIL "*) fail "${line#FAIL }" ;;
    *) fail "tile_check.py: $line" ;;
    esac
done < <("$PY" "$HERE/tile_check.py" "$URL" "$T" 2>&1)
# the hazard awaiting review (18.0-18.01, 44.0-44.01) is in no public tile
PENDING_TILE=/collections/hazards/tiles/WebMercatorQuad/14/5957/9011
curl -s -o "$T/pending.pbf" "$URL$PENDING_TILE?properties=code"
check "a record awaiting review is in no public tile" \
    bash -c "! grep -q HA-PENDING '$T/pending.pbf'"
get "  nor for anonymous callers with state=all" "$PENDING_TILE?state=all" 401 application/problem+json
printf 'editor-password-3\n' >"$T/pw3"
"$DEMINE" user add "$DB" eda --role editor --password-file "$T/pw3" >/dev/null 2>&1
EDA=$(token eda editor-password-3)
curl -s -o "$T/pending.pbf" -H "Authorization: Bearer $EDA" "$URL$PENDING_TILE?state=all&properties=code"
check "  an editor sees it there with state=all" grep -q HA-PENDING "$T/pending.pbf"
curl -s -o "$T/cha.pbf" "$URL/collections/hazards/tiles/WebMercatorQuad/7/46/70?status=CHA"
same "a property filter applies: no approved CHA, an empty tile" "$(stat -c %s "$T/cha.pbf")" 0
get "a tile past zoom 22 is not there" /collections/hazards/tiles/WebMercatorQuad/23/0/0 404 application/problem+json
get "nor a row past 2^zoom - 1" /collections/hazards/tiles/WebMercatorQuad/7/128/0 404 application/problem+json
get "nor a tile that is not numbers" /collections/hazards/tiles/WebMercatorQuad/7/1/x 404 application/problem+json
get "nor another tile matrix set" /collections/hazards/tiles/WorldCRS84Quad/1/0/0 404 application/problem+json
get "an unknown parameter is refused" "/collections/hazards/tiles/WebMercatorQuad/7/46/70?bbox=1,2,3,4" 400 application/problem+json
get "a bad filter is refused" "/collections/hazards/tiles/WebMercatorQuad/7/46/70?filter=nonsense" 400 application/problem+json
get "accidents' tiles need a login" /collections/accidents/tiles/WebMercatorQuad/7/46/70 401 application/problem+json
code=$(curl -s -o "$T/acc.pbf" -w '%{http_code}' -H "Authorization: Bearer $EDA" "$URL/collections/accidents/tiles/WebMercatorQuad/7/46/70")
same "  and an editor gets them" "$code $(test -s "$T/acc.pbf" && echo non-empty)" "200 non-empty"
a=$(curl -s "$URL/collections/hazards/tiles/WebMercatorQuad/9/186/282" | md5sum)
b=$(curl -s "$URL/collections/hazards/tiles/WebMercatorQuad/9/186/282" | md5sum)
same "the same tile twice is the same bytes" "$a" "$b"
check "requests are logged" grep -q "GET /collections/hazards/items" "$T/server.log"

kill -TERM "$SERVER"
wait "$SERVER"
same "SIGTERM stops it cleanly" "$?" 0

# a request that takes longer than --request-time is answered 503 (a
# second server, with a 1 ms limit: reading the 7,967 BiH hazards through
# a bbox takes longer)
"$DEMINE" serve "$DB" --port "$PORT" --threads 1 --request-time 1 >"$T/server2.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done
get "a request past --request-time is 503" "/collections/hazards/items?bbox=15,42,20,46&limit=5" 503 application/problem+json
check "  and says to ask for less" grep -q "ask for less" "$T/body"
# (a 1 ms budget counts from the request's arrival: on a busy machine the
# one worker may still be finishing the request before, so a few tries)
for _ in 1 2 3 4 5; do
    quick=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' "$URL/collections/hazards/items/HA-0003")
    [ "$quick" = "200 application/geo+json" ] && break
    sleep 0.2
done
same "  a quick one is answered" "$quick" "200 application/geo+json"
kill -TERM "$SERVER"
wait "$SERVER"
same "  the server stops cleanly" "$?" 0
check "  and it says so" grep -q "stopped" "$T/server.log"
check "  repeated item pages came from the answer cache" grep -q "answer cache: [1-9][0-9]* answered" "$T/server.log"

# --min-cell sets the threshold
"$DEMINE" serve "$DB" --port "$PORT" --threads 1 --min-cell 5 >"$T/server3.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done
curl -s "$URL/stats/casualties?by=year,admin" >"$T/anon5.json"
"$DEMINE" stats "$DB" casualties --by year,admin --json >"$T/exact5.json" 2>/dev/null
read -r _ nsmall shown_small changed _ weak total _ mincell _ <<<"$("$PY" "$T/cells.py" "$T/exact5.json" "$T/anon5.json" 5)"
same "--min-cell 5: no group under 5 shown ($nsmall hidden), lines safe, total exact" "$shown_small $changed $weak $total $mincell" "0 0 0 True 5"
expect_exit "--min-cell 0 is refused" 2 "$DEMINE" serve "$DB" --port "$PORT" --min-cell 0
check "  with a message" err_has "min-cell"
kill -TERM "$SERVER"
wait "$SERVER"
finish
