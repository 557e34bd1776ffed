# End-to-end test of the server's HTTP defences: request smuggling and
# parsing leniencies, head limits, security headers, HEAD, slow-loris from
# one client address and expensive anonymous requests (http_abuse.py),
# against the real server on a loopback port of its own, stopped (SIGTERM)
# whatever happens.
# usage: http_limits.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/atlas.gpkg"
"$DEMINE" init "$DB" >/dev/null 2>&1
"$DEMINE" import "$DB" hazards "$BIH/suspected_areas.geojson" --set status=SHA -q >/dev/null 2>&1

start_server "$DB" --head-timeout 3 --cache-mb 0

if "$PY" "$HERE/http_abuse.py" "$PORT" --slow 300 --head-timeout 3; then
    ok "hostile HTTP (http_abuse.py)"
else
    fail "hostile HTTP (http_abuse.py)"
fi
check "the server is still up" curl -sf -o /dev/null "$URL/health"
check "the server logged the slow connections it closed" grep -q "too slow sending" "$T/server.log"
kill "$SERVER"
wait "$SERVER"
check "the server stopped cleanly" [ $? -eq 0 ]
trap 'rm -rf "$T"' EXIT
finish
