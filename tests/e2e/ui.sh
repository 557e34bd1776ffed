# End-to-end test of the browser UI: a real `demine serve` on a loopback
# port of its own, over the demo database (the BiH data plus the synthetic
# records), driven by Debian's Chromium (headless) through playwright-core
# (tests/browser/ui.mjs). Requests leaving the loopback server are blocked
# and counted (none may be made). Screenshots go to $PWD/ui-artifacts (the
# ctest build dir). The server is stopped whatever happens.
# usage: ui.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

CHROMIUM=${DEMINE_CHROMIUM:-/usr/bin/chromium}
ART="$PWD/ui-artifacts"
mkdir -p "$ART"
rm -f "$ART"/*.png

if [ ! -x "$CHROMIUM" ]; then
    fail "chromium is missing at $CHROMIUM (scripts/install-deps.sh installs it)"
    finish
    exit 1
fi
# the UI and playwright-core (web/node_modules) as `make web` builds them
if ! bash "$ROOT/web/build.sh"; then
    fail "the browser UI builds (web/build.sh)"
    finish
    exit 1
fi

DB="$T/demo.gpkg"
"$DEMINE" demo --out "$DB" --force >/dev/null 2>&1 || fail "demo database"
for u in vera:viewer erin:editor alma:approver; do
    name=${u%%:*}
    printf '%s-password-1\n' "$name" >"$T/pw-$name"
    "$DEMINE" user add "$DB" "$name" --role "${u##*:}" --password-file "$T/pw-$name" >/dev/null 2>&1 ||
        fail "user $name"
done

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
# every browser page of the test is one client address (127.0.0.1): no per-client cap
"$DEMINE" serve "$DB" --port "$PORT" --threads 4 --max-connections-per-client 0 --ui "$ROOT/web/dist" >"$T/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; cp "$T/server.log" "$ART/server.log" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && break
    sleep 0.1
done

# "/" is the UI for a browser and stays the OGC API landing page otherwise
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; fi; }
same "/ for a machine client is the landing page (JSON)" \
    "$(curl -s -o /dev/null -w '%{content_type}' "$URL/")" application/json
curl -s -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' "$URL/" >"$T/index.html"
check "/ for a browser is the UI" grep -q '/ui/assets/' "$T/index.html"
same "/?f=html is the OGC landing page" \
    "$(curl -s -H 'Accept: text/html' "$URL/?f=html" | grep -c 'Collections')" 1
same "/?f=json is JSON for a browser too" \
    "$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: text/html' "$URL/?f=json")" application/json
asset=$(grep -o '/ui/assets/[^"]*\.js' "$T/index.html" | head -1)
same "the UI's script" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$URL$asset")" \
    "200 text/javascript; charset=utf-8"
check "  cached for a year (hashed name)" grep -qi 'cache-control: public, max-age=31536000' \
    <(curl -s -D - -o /dev/null "$URL$asset")
same "no file outside the UI folder" "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$URL/ui/../../etc/passwd")" 404
same "no hidden file" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ui/.env")" 404
same "a missing file is 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ui/nothing.js")" 404
same "config: no basemap unless configured" "$(curl -s "$URL/ui/config.json")" '{"basemap": null}'

# the browser part prints ok/FAIL lines and the first paint; under a
# sanitizer (make test-asan) the dashboard's slow figures are left out
QUICK=0
# (grep reads all of ldd's output: with -q it could stop early, ldd then
# dies of SIGPIPE and pipefail would call the whole test false)
if ldd "$DEMINE" 2>/dev/null | grep 'libasan\|libtsan\|libubsan' >/dev/null; then QUICK=1; fi
if node "$ROOT/tests/browser/ui.mjs" --url "$URL" --demine "$DEMINE" --db "$DB" --out "$ART" \
    --chromium "$CHROMIUM" --quick "$QUICK" >"$T/browser.out" 2>&1; then
    :
fi
cat "$T/browser.out"
cp "$T/browser.out" "$ART/browser.log" # `make test` prints its first paint
PASSED=$((PASSED + $(grep -c '^ok ' "$T/browser.out")))
FAILED=$((FAILED + $(grep -c '^FAIL ' "$T/browser.out")))
grep -q '^browser: done' "$T/browser.out" || fail "the browser test ran to its end"
echo "screenshots in $ART"
finish
