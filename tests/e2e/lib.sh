# Shared helpers for the end-to-end tests: assertions and a temp dir that is
# removed whatever happens. Source it; $DEMINE is the binary under test.
set -uo pipefail
PASSED=0
FAILED=0
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIH="$ROOT/data/bih"
PY=/usr/bin/python3

ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name"; fi
}
# expect_exit NAME CODE COMMAND... : runs COMMAND, output in $T/out and $T/err
expect_exit() {
    local name=$1 code=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else
        fail "$name (exit $rc, expected $code)"
        sed 's/^/     /' "$T/err" | head -5
    fi
}
err_has() { grep -q -- "$1" "$T/err"; }
json() { # json FILE PYTHON-EXPR  (d is the parsed JSON)
    "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
count_rows() { # count_rows DB TABLE
    sqlite3 "$1" "SELECT count(*) FROM \"$2\""
}
# strip_v6 DB: takes away what demine schema version 6 added (the triggers
# that log edits made outside demine, the approved-only views and their
# layers), as an older demine wrote the file; set its schema_version after.
strip_v6() {
    sqlite3 "$1" "SELECT 'DROP TRIGGER \"' || name || '\";' FROM sqlite_master WHERE type = 'trigger'
                  AND name LIKE 'demine\_outside\_%' ESCAPE '\' UNION ALL SELECT 'DROP VIEW \"' || name
                  || '\";' FROM sqlite_master WHERE type = 'view' AND name LIKE '%\_approved' ESCAPE '\'" |
        { echo "BEGIN;"; cat; echo "DELETE FROM gpkg_geometry_columns WHERE table_name LIKE '%\\_approved' ESCAPE '\\';
              DELETE FROM gpkg_contents WHERE table_name LIKE '%\\_approved' ESCAPE '\\'; COMMIT;"; } |
        sqlite3 "$1"
}
# start_server DB [SERVE OPTIONS...]: `demine serve` on a free loopback
# port, its log in $T/server.log; sets PORT, URL and SERVER, stops it on exit
# whatever happens, and waits until /health answers.
start_server() {
    local db=$1
    shift
    PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    URL="http://127.0.0.1:$PORT"
    "$DEMINE" serve "$db" --port "$PORT" "$@" >"$T/server.log" 2>&1 &
    SERVER=$!
    trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$URL/health" && break
        sleep 0.1
    done
}
# add_users DB NAME:ROLE...: test users whose password is NAME-password-77
# (in $T/pw-NAME, mode 600), as token below expects
add_users() {
    local db=$1 u name
    shift
    for u in "$@"; do
        name=${u%%:*}
        printf '%s-password-77\n' "$name" >"$T/pw-$name"
        chmod 600 "$T/pw-$name"
        "$DEMINE" user add "$db" "$name" --role "${u##*:}" --password-file "$T/pw-$name" >/dev/null 2>&1
    done
}
# token USER: a bearer token for a test user whose password is USER-password-77
token() { curl -s -X POST --data-urlencode "user=$1" --data-urlencode "password=$1-password-77" "$URL/auth/token" | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("access_token", ""))'; }
# req WHO METHOD PATH [BODY] [IF-MATCH] [CONTENT-TYPE]: sets STATUS, ETAG
# and LOCATION; the body in $T/body. WHO "-" is anonymous.
req() {
    local who=$1 method=$2 path=$3 body=${4-} match=${5-} ct=${6:-application/geo+json}
    local args=(-s -o "$T/body" -D "$T/headers" -X "$method")
    [ "$who" != - ] && args+=(-H "Authorization: Bearer ${TOK[$who]}")
    [ -n "$match" ] && args+=(-H "If-Match: $match")
    [ -n "$body" ] && args+=(-H "Content-Type: $ct" --data-binary "$body")
    STATUS=$(curl "${args[@]}" -w '%{http_code}' "$URL$path")
    ETAG=$(sed -n 's/^ETag: *\(.*\)\r$/\1/Ip' "$T/headers")
    LOCATION=$(sed -n 's/^Location: *\(.*\)\r$/\1/Ip' "$T/headers")
}
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
