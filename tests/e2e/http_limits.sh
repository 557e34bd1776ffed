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

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$DEMINE" serve "$DB" --port "$PORT" --head-timeout 3 --cache-mb 0 >"$T/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done

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
