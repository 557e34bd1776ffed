#!/usr/bin/env bash
# The planning answers over HTTP: /plan/priority, /plan/settlements/{id} and
# /plan/forecast on the demo database give what demine priority, settlement
# plan and forecast print with --json (byte for byte, but for the database's
# path and the figures file's folder, which a server does not tell); the
# ranking pages with limit and offset; a name several settlements have is
# 409 listing them, an unknown one 404; bad parameters are 400 saying what
# is wrong; anonymous callers are refused and a viewer is answered; a change
# to the data is seen at once although answers are cached. The server runs
# on a loopback port of its own and is stopped whatever happens.
# usage: plan_http.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/demo.gpkg"
expect_exit "demo builds the demo database" 0 "$DEMINE" demo --out "$DB" --data "$ROOT/data"
add_users "$DB" vi:viewer an:analyst
start_server "$DB" --threads 3
declare -A TOK
for name in vi an; do TOK[$name]=$(token "$name"); done
check "the users log in" test -n "${TOK[vi]}" -a -n "${TOK[an]}"

same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; head -c 400 "$T/body" | sed 's/^/     /'; echo; fi; }
ctype() { sed -n 's/^Content-Type: *\(.*\)\r$/\1/Ip' "$T/headers"; }
# jsame NAME A.json B.json: the same JSON once the database's path is taken
# out and each figures file is named by its file name (what the server says)
cat >"$T/jsame.py" <<'PY'
import json, os, sys
def norm(x):
    if isinstance(x, dict):
        return {k: (os.path.basename(v) if k == "file" else norm(v)) for k, v in x.items() if k != "database"}
    if isinstance(x, list):
        return [norm(v) for v in x]
    return x
a, b = (norm(json.load(open(p))) for p in sys.argv[1:3])
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("     differs at", k, str(a.get(k))[:200], "|", str(b.get(k))[:200])
    sys.exit(1)
PY
jsame() { check "$1" "$PY" "$T/jsame.py" "$2" "$3"; }

# ---- who ----
for path in /plan/priority /plan/settlements/3192793 /plan/forecast; do
    req - GET "$path"
    same "anonymous $path is refused (401)" "$STATUS" 401
    check "  saying to log in" grep -q "log in" "$T/body"
done
req vi GET "/plan/priority?limit=1"
same "a viewer gets the ranking" "$STATUS" 200
same "  as JSON" "$(ctype)" application/json
req an GET "/plan/priority?limit=1"
same "an analyst too" "$STATUS" 200

# ---- priority ----
"$DEMINE" priority "$DB" --json --list --as-of 2025-06-01 >"$T/cli_pl.json"
req vi GET "/plan/priority?list=true&as_of=2025-06-01&limit=10000"
same "/plan/priority?list=true&as_of=...&limit=10000" "$STATUS" 200
check "  is demine priority --json --list, byte for byte" cmp -s "$T/body" "$T/cli_pl.json"
check "  list=true names the records behind the factors" \
    [ "$(json "$T/body" "sum(len(h['factors']['casualties']['records']) for h in d['hazards']) > 0 and all('records' in h['factors']['settlements'] for h in d['hazards'])")" = True ]
"$DEMINE" priority "$DB" --json --as-of 2025-06-01 >"$T/cli_p.json"
req vi GET "/plan/priority?as_of=2025-06-01&limit=10000"
check "without list: demine priority --json" cmp -s "$T/body" "$T/cli_p.json"
check "  and no records" [ "$(json "$T/body" "any('records' in f for h in d['hazards'] for f in h['factors'].values())")" = False ]
N=$(json "$T/cli_p.json" "len(d['hazards'])")
check "the demo's open hazards are ranked ($N)" test "$N" -gt 1000
req vi GET "/plan/priority?as_of=2025-06-01&limit=5&offset=10"
same "a page: limit=5&offset=10" "$STATUS" 200
same "  number_matched is every ranked hazard" "$(json "$T/body" "d['number_matched']")" "$N"
same "  number_returned 5" "$(json "$T/body" "d['number_returned']")" 5
same "  ranks 11-15, the CLI's hazards 11-15" \
    "$(json "$T/body" "json.dumps(d['hazards'])")" "$(json "$T/cli_p.json" "json.dumps(d['hazards'][10:15])")"
same "  the rest as the CLI's" \
    "$(json "$T/body" "json.dumps({k: v for k, v in d.items() if k not in ('hazards', 'number_returned')})")" \
    "$(json "$T/cli_p.json" "json.dumps({k: v for k, v in d.items() if k not in ('hazards', 'number_returned')})")"
req vi GET "/plan/priority?as_of=2025-06-01"
same "by default a page of 100" "$(json "$T/body" "(d['number_returned'], len(d['hazards']), d['hazards'][0]['rank'])")" "(100, 100, 1)"
req vi GET "/plan/priority?as_of=2025-06-01&offset=$N"
same "past the end: none returned, the count kept" "$(json "$T/body" "(d['number_matched'], d['number_returned'], d['hazards'])")" "($N, 0, [])"
W='{"casualties": 0, "settlements": 3, "infrastructure_types": {"road": 5}}'
printf '%s' "$W" >"$T/w.json"
"$DEMINE" priority "$DB" --json --as-of 2025-06-01 --weights "$T/w.json" --top 20 >"$T/cli_w.json"
req vi GET "/plan/priority?as_of=2025-06-01&limit=20&weights=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$W")"
same "weights= (a URL-encoded JSON object) as --weights FILE" "$STATUS" 200
check "  the same ranking as the CLI's" cmp -s "$T/body" "$T/cli_w.json"

# ---- a settlement's plan ----
CODE=3192793 # Polje-Bijela, hazards within 1000 m in the demo
"$DEMINE" settlement plan "$DB" "$CODE" --json --runs 2000 >"$T/cli_sp.json"
req vi GET "/plan/settlements/$CODE?runs=2000"
same "/plan/settlements/$CODE" "$STATUS" 200
cp "$T/body" "$T/sp.json"
jsame "  is demine settlement plan --json (no database path)" "$T/sp.json" "$T/cli_sp.json"
check "  and tells no path" [ "$(json "$T/sp.json" "'database' in d")" = False ]
check "  hazards listed" [ "$(json "$T/sp.json" "len(d['hazards']) >= 2")" = True ]
"$DEMINE" settlement plan "$DB" "bosanska krupa" --json --runs 500 --seed 3 --buffer 2500 \
    --teams manual=4,mdd=2 >"$T/cli_bk.json"
req vi GET "/plan/settlements/bosanska%20krupa?runs=500&seed=3&buffer=2500&teams=manual=4,mdd=2"
same "by a name (URL-encoded, other case) with buffer, teams, runs and seed" "$STATUS" 200
jsame "  is the CLI's" "$T/body" "$T/cli_bk.json"
req vi GET "/plan/settlements/Polje-Bijela?runs=2000"
jsame "by name and by code: the same plan" "$T/body" "$T/sp.json"
req vi GET "/plan/settlements/Jezero"
same "a name of several settlements is 409" "$STATUS" 409
same "  a problem" "$(ctype)" application/problem+json
same "  listing them (code, name, population)" "$(json "$T/body" "sorted((c['code'], c['name'], c['population']) for c in d['candidates'])")" \
    "$(sqlite3 "$DB" "SELECT code, population FROM settlements WHERE name = 'Jezero' ORDER BY code" |
        "$PY" -c "import sys; print(sorted((c, 'Jezero', int(p)) for c, p in (l.strip().split('|') for l in sys.stdin)))")"
check "  with their admin areas" [ "$(json "$T/body" "all(c['admin'] and c['admin_code'] for c in d['candidates'])")" = True ]
check "  and says to give the code" grep -q "give one by its code" "$T/body"
req vi GET "/plan/settlements/O%C5%A1tra%20Luka"
same "a UTF-8 name of two settlements: 409" "$STATUS" 409
same "  both listed" "$(json "$T/body" "sorted(c['code'] for c in d['candidates'])")" "['3193855', '3193856']"
req vi GET "/plan/settlements/Qqqq"
same "no such settlement: 404" "$STATUS" 404
check "  saying so" grep -q "no settlement has the code or name 'Qqqq'" "$T/body"
req vi GET "/plan/settlements/"
same "no settlement given: 404" "$STATUS" 404

# ---- the forecast ----
"$DEMINE" forecast "$DB" --teams manual=6,mechanical=2,mdd=1 --by admin --json --runs 2000 --seed 5 \
    --from 2027-01-01 >"$T/cli_fa.json"
req vi GET "/plan/forecast?teams=manual=6,mechanical=2,mdd=1&by=admin&runs=2000&seed=5&from=2027-01-01"
same "/plan/forecast?teams=...&by=admin&runs=2000&seed=5&from=2027-01-01" "$STATUS" 200
cp "$T/body" "$T/fa.json"
jsame "  is demine forecast --json (same seed, same figures)" "$T/fa.json" "$T/cli_fa.json"
check "  by admin area" [ "$(json "$T/fa.json" "len(d['groups']) > 10")" = True ]
same "  the figures file named by its file name only" "$(json "$T/fa.json" "d['published_figures']['file']")" productivity_and_cost.csv
check "  no path anywhere in it" sh -c "! grep -q '$ROOT' '$T/fa.json'"
req vi GET "/plan/forecast?teams=manual=6,mechanical=2,mdd=1&by=admin&runs=2000&seed=5&from=2027-01-01&f=json"
jsame "asked again (f=json): the same figures" "$T/body" "$T/fa.json"
"$DEMINE" forecast "$DB" --json --runs 1000 --seed 9 --from 2026-03-01 >"$T/cli_fa2.json"
req vi GET "/plan/forecast?runs=1000&seed=9&from=2026-03-01"
jsame "without by and teams: the CLI's defaults" "$T/body" "$T/cli_fa2.json"

# ---- bad requests: 400 with the library's words ----
bad() { # bad NAME PATH TEXT
    req vi GET "$2"
    if [ "$STATUS" = 400 ] && [ "$(ctype)" = application/problem+json ] && grep -q -- "$3" "$T/body"; then
        ok "$1: 400 ($3)"
    else
        fail "$1 (got $STATUS: $(head -c 200 "$T/body"))"
    fi
}
bad "weights that are not JSON" "/plan/priority?weights=%7Bnope" "weights: "
bad "an unknown factor" "/plan/priority?weights=%7B%22colour%22%3A1%7D" "unknown key 'colour'"
bad "a negative weight" "/plan/priority?weights=%7B%22items%22%3A-1%7D" "'items' is negative"
bad "a bad as_of" "/plan/priority?as_of=2025-13-40" "as_of"
bad "list=maybe" "/plan/priority?list=maybe" "list=maybe: true or false"
bad "limit=0" "/plan/priority?limit=0" "limit=0: a whole number from 1 to 10000"
bad "limit=10001" "/plan/priority?limit=10001" "limit=10001"
bad "a negative offset" "/plan/priority?offset=-1" "offset=-1"
bad "teams=manual=-1" "/plan/forecast?teams=manual=-1" "manual=-1: a negative count"
bad "zero teams" "/plan/forecast?teams=manual=0,mechanical=0,mdd=0" "zero teams in all"
bad "an unknown asset" "/plan/settlements/$CODE?teams=tanks=2" "unknown asset"
bad "runs=10000000" "/plan/forecast?runs=10000000" "runs=10000000: a whole number from 1 to 100000"
bad "runs=0" "/plan/settlements/$CODE?runs=0" "runs=0"
bad "a bad seed" "/plan/forecast?seed=x" "seed=x"
bad "by=year" "/plan/forecast?by=year" "by=year"
bad "a bad from" "/plan/forecast?from=tomorrow" "from"
bad "a negative buffer" "/plan/settlements/$CODE?buffer=-5" "buffer=-5"
bad "an unknown parameter" "/plan/forecast?colour=red" "colour is not a parameter of /plan/forecast"
bad "an unknown parameter (priority)" "/plan/priority?top=5" "top is not a parameter"
bad "a parameter given twice" "/plan/forecast?runs=10&runs=20" "runs is given more than once"
bad "f=html" "/plan/priority?f=html" "answers JSON only"
req vi GET "/plan/elsewhere"
same "nothing else under /plan/: 404" "$STATUS" 404
req vi POST "/plan/priority" "{}" "" application/json
same "POST: 405" "$STATUS" 405

# ---- the OpenAPI document ----
req - GET /api
same "/api lists the /plan/ paths" "$(json "$T/body" "sorted(p for p in d['paths'] if p.startswith('/plan/'))")" \
    "['/plan/forecast', '/plan/priority', '/plan/settlements/{settlement}']"
same "  with their parameters" \
    "$(json "$T/body" "[sorted(x['name'] for x in d['paths'][p]['get']['parameters']) for p in ('/plan/priority', '/plan/settlements/{settlement}', '/plan/forecast')]")" \
    "[['as_of', 'limit', 'list', 'offset', 'weights'], ['buffer', 'runs', 'seed', 'settlement', 'teams'], ['by', 'from', 'runs', 'seed', 'teams']]"
same "  and responses (409 for several settlements)" \
    "$(json "$T/body" "sorted(d['paths']['/plan/settlements/{settlement}']['get']['responses'])")" \
    "['200', '400', '401', '403', '404', '409']"

# ---- a change is seen at once, cached or not ----
req vi GET "/plan/priority?as_of=2025-06-01&limit=1"
TOP=$(json "$T/body" "d['hazards'][0]['code']")
req vi GET "/plan/priority?as_of=2025-06-01&limit=1"
same "asked twice: the same answer" "$(json "$T/body" "d['hazards'][0]['code']")" "$TOP"
ogrinfo -q "$DB" -sql "UPDATE hazards SET lifecycle = 'closed' WHERE code = '$TOP'" >/dev/null 2>&1
req vi GET "/plan/priority?as_of=2025-06-01&limit=1"
same "the top hazard closed (by another program): one fewer ranked" "$(json "$T/body" "d['number_matched']")" "$((N - 1))"
check "  and it is no longer first" [ "$(json "$T/body" "d['hazards'][0]['code']")" != "$TOP" ]

check "no token in the server log" sh -c "! grep -q '${TOK[vi]}' '$T/server.log'"
finish
