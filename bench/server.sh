#!/usr/bin/env bash
# OGC API - Features serving: the BiH hazards served as items pages by
# `demine serve`, by MapServer 8 and by QGIS Server (both from Debian, both
# FastCGI behind nginx, both reading the same GeoPackage file), and the same
# bytes demine returns served by nginx as static files (the ceiling), all
# loaded by wrk in one run; then a longer run against demine sampling its
# memory. Rewrites the server section of bench/README.md.
#
# usage: bash bench/install-peers.sh    # once, as root (wrk, nginx, MapServer, QGIS Server)
#        bash bench/server.sh
#
# Environment (all optional):
#   DEMINE       demine binary (default: build/demine, built first)
#   DURATION     seconds of each timed wrk run (default 30)
#   SOAK         seconds of the memory run against demine (default 300)
#   WARMUP       seconds of an untimed wrk run before each timed one (default 5)
#   THREADS, CONNECTIONS   wrk threads and connections (default 2, 16)
#   NURLS, SEED  number of bbox pages and their seed (default 200, 1)
#   WORKERS      FastCGI processes of each peer (default: CONNECTIONS, so
#                that no request waits in nginx for a free process)
#   KEEP=1       keep the work directory (database, configs, logs)
# The README is rewritten only with the default DURATION, SOAK, NURLS, SEED,
# THREADS and CONNECTIONS; otherwise the section is printed.
#
# One run: demine init + import of data/bih/suspected_areas.geojson as hazards
# (7,971 features) into a fresh GeoPackage; NURLS bboxes centred on random
# hazards (bench/server/check.py); every page fetched once from each server
# and checked (valid GeoJSON, same feature count as demine, same hazards when
# demine returns every match; nginx: demine's exact bytes); then wrk on each
# server with bench/server/pages.lua cycling through the pages.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
README="$HERE/README.md"
SRV="$HERE/server"
DURATION="${DURATION:-30}"
SOAK="${SOAK:-300}"
WARMUP="${WARMUP:-5}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
NURLS="${NURLS:-200}"
SEED="${SEED:-1}"
WORKERS="${WORKERS:-$CONNECTIONS}"
SAMPLE=10 # seconds between two memory samples
TABLE=hazards
QGIS_FCGI=/usr/lib/cgi-bin/qgis_mapserv.fcgi
SYSPY=/usr/bin/python3 # Debian's, which has the QGIS bindings

die() { echo "bench: $*" >&2; exit 2; }
for tool in wrk nginx spawn-fcgi mapserv curl sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (bash bench/install-peers.sh)"
done
[ -x "$QGIS_FCGI" ] || die "$QGIS_FCGI is needed (bash bench/install-peers.sh)"
"$SYSPY" -c 'import qgis.core' 2>/dev/null || die "python3-qgis is needed (bash bench/install-peers.sh)"

if [ -z "${DEMINE:-}" ]; then
    echo "bench: building build/demine" >&2
    cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$ROOT/build" -j"$(nproc)" --target demine >/dev/null
    DEMINE="$ROOT/build/demine"
fi
DEMINE="$(realpath "$DEMINE")"

umask 022 # nginx's workers (another user when started by root) read the files
load_begin="$(cut -d' ' -f1-3 /proc/loadavg)"
W="$(mktemp -d /tmp/demine-bench-server.XXXXXX)"
chmod 755 "$W" # nginx's workers may run as another user
DM_PID="" DC_PID="" NGINX_PID="" WRK_PID=""
# shellcheck disable=SC2317,SC2013 # called from the EXIT trap; one pid a word
stop_pids() { # PIDFILE: the FastCGI processes spawn-fcgi started; an idle
    # mapserv or qgis_mapserv.fcgi may wait for one more request after SIGTERM
    [ -s "$1" ] || return 0
    local p left=""
    # (the file has no newline at its end)
    for p in $(cat "$1"); do kill "$p" 2>/dev/null && left="$left $p"; done
    [ -n "$left" ] || return 0
    sleep 1
    for p in $left; do kill -9 "$p" 2>/dev/null; done
    return 0
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    set +e
    [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
    [ -n "$DM_PID" ] && kill "$DM_PID" 2>/dev/null
    [ -n "$DC_PID" ] && kill "$DC_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
    stop_pids "$W/mapserv.pids"
    stop_pids "$W/qgis.pids"
    wait 2>/dev/null
    if [ "${KEEP:-}" = 1 ]; then echo "bench: work directory kept: $W" >&2; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- database
DB="$W/bih.gpkg"
echo "bench: building $DB" >&2
{
    "$DEMINE" init "$DB"
    # suspected areas without geometry are rejected rows: exit 3
    "$DEMINE" import "$DB" hazards "$ROOT/data/bih/suspected_areas.geojson" --set status=SHA \
        --rejects "$W/rejects.csv" || [ $? -eq 3 ]
} >"$W/build.log" 2>&1 || { tail -n 20 "$W/build.log" >&2; die "building the database failed"; }
nfeat="$(sqlite3 "$DB" "SELECT count(*) FROM $TABLE")"
chmod 644 "$DB"

# ---------------------------------------------------------------- servers
read -r P_DM P_MS P_QG P_ST P_DC < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

fill() { # TEMPLATE OUT: replaces the @NAME@s
    sed -e "s|@DIR@|$W|g" -e "s|@GPKG@|$DB|g" -e "s|@TABLE@|$TABLE|g" \
        -e "s|@PORT@|$P_MS|g" -e "s|@MS_PORT@|$P_MS|g" -e "s|@QG_PORT@|$P_QG|g" \
        -e "s|@STATIC_PORT@|$P_ST|g" -e "s|@WORKERS@|$(nproc)|g" "$1" >"$2"
}

"$DEMINE" serve "$DB" --port "$P_DM" --quiet 2>"$W/demine.log" &
DM_PID=$!
# the same without the answer cache: every page read and written afresh
"$DEMINE" serve "$DB" --port "$P_DC" --quiet --cache-mb 0 2>"$W/demine-cold.log" &
DC_PID=$!

fill "$SRV/hazards.map.in" "$W/hazards.map"
fill "$SRV/mapserver.conf.in" "$W/mapserver.conf"
env MAPSERVER_CONFIG_FILE="$W/mapserver.conf" \
    spawn-fcgi -s "$W/mapserv.sock" -M 0666 -F "$WORKERS" -P "$W/mapserv.pids" -- "$(command -v mapserv)" \
    >"$W/mapserv.spawn.log" 2>&1 || { cat "$W/mapserv.spawn.log" >&2; die "spawn-fcgi mapserv failed"; }

"$SYSPY" "$SRV/make_qgs.py" "$DB" "$TABLE" "$W/hazards.qgs" >"$W/qgs.log" 2>&1 ||
    { cat "$W/qgs.log" >&2; die "writing the QGIS project failed"; }
mkdir -p "$W/qgis-home" "$W/xdg"
chmod 700 "$W/xdg"
env QGIS_PROJECT_FILE="$W/hazards.qgs" QT_QPA_PLATFORM=offscreen HOME="$W/qgis-home" \
    XDG_RUNTIME_DIR="$W/xdg" QGIS_SERVER_LOG_FILE="$W/qgis.log" QGIS_SERVER_LOG_LEVEL=2 \
    spawn-fcgi -s "$W/qgis.sock" -M 0666 -F "$WORKERS" -P "$W/qgis.pids" -- "$QGIS_FCGI" \
    >"$W/qgis.spawn.log" 2>&1 || { cat "$W/qgis.spawn.log" >&2; die "spawn-fcgi qgis_mapserv.fcgi failed"; }

mkdir -p "$W/tmp" "$W/static/items"
fill "$SRV/nginx.conf.in" "$W/nginx.conf"
nginx -p "$W" -c "$W/nginx.conf" -e "$W/nginx.err" -g 'daemon off;' &
NGINX_PID=$!

# the request paths, one file per server, in the same order
python3 "$SRV/check.py" urls "$DB" "$TABLE" "$NURLS" "$SEED" "$W"
while read -r b; do
    echo "/collections/$TABLE/items?bbox=$b&limit=100" >&3
    echo "/mapserv/hazards/ogcapi/collections/$TABLE/items?f=json&bbox=$b&limit=100" >&4
    echo "/qgis/wfs3/collections/$TABLE/items.json?bbox=$b&limit=100" >&5
done <"$W/bboxes.txt" 3>"$W/paths.demine" 4>"$W/paths.mapserver" 5>"$W/paths.qgis"
cp "$W/paths.demine" "$W/paths.static"
cp "$W/paths.demine" "$W/paths.democold"

# name|label|port|path file
SERVERS=(
    "demine|demine serve|$P_DM|$W/paths.demine"
    "democold|demine serve --cache-mb 0|$P_DC|$W/paths.democold"
    "static|nginx, static files|$P_ST|$W/paths.static"
    "mapserver|MapServer|$P_MS|$W/paths.mapserver"
    "qgis|QGIS Server|$P_QG|$W/paths.qgis"
)
declare -A FAILED=()
for spec in "${SERVERS[@]}"; do
    IFS='|' read -r name _ port pf <<<"$spec"
    first="$(head -n1 "$pf")"
    ok=""
    for _ in $(seq 1 150); do
        code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$first" 2>/dev/null || true)"
        if [ -n "$code" ] && [ "$code" != 000 ]; then
            ok=1
            break
        fi
        sleep 0.2
    done
    if [ -z "$ok" ]; then
        FAILED[$name]="no answer on port $port"
        echo "bench: $name does not answer on port $port" >&2
    fi
done
[ -n "${FAILED[demine]:-}" ] && { cat "$W/demine.log" >&2; die "demine serve did not start"; }

# ---------------------------------------------------------------- check
echo "bench: checking the $NURLS pages on each server" >&2
specs=()
for spec in "${SERVERS[@]}"; do
    IFS='|' read -r name _ port pf <<<"$spec"
    specs+=("$name=http://127.0.0.1:$port=$pf")
done
check_rc=0
python3 "$SRV/check.py" check "$W" "${specs[@]}" 2>&1 | tee "$W/check.log" >&2 || true
grep -q MISMATCH "$W/check.log" && check_rc=1

# ---------------------------------------------------------------- load
wrk_run() { # PORT PATHFILE SECONDS OUT
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${3}s" --timeout 10s -s "$SRV/pages.lua" \
        "http://127.0.0.1:$1" -- "$2" >"$4.txt" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || true
    WRK_PID=""
    grep '^{"requests"' "$4.txt" >"$4" || { cat "$4.txt" >&2; echo '{}' >"$4"; }
}
# the server's own processes: their CPU time per request does not depend on
# what else runs on the machine as much as requests/s does
server_pids() {
    case "$1" in
        demine) echo "$DM_PID" ;;
        democold) echo "$DC_PID" ;;
        static) pgrep -P "$NGINX_PID" | tr '\n' ' ' ;;
        mapserver) tr '\n' ' ' <"$W/mapserv.pids" ;;
        qgis) tr '\n' ' ' <"$W/qgis.pids" ;;
    esac
}
cpu_ticks() { # PID...: user + system time, in clock ticks
    local p t=0
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
    done
    echo "$t"
}
for spec in "${SERVERS[@]}"; do
    IFS='|' read -r name label port pf <<<"$spec"
    [ -n "${FAILED[$name]:-}" ] && continue
    echo "bench: wrk $label: ${WARMUP} s warm-up, ${DURATION} s timed" >&2
    [ "$WARMUP" -gt 0 ] && wrk_run "$port" "$pf" "$WARMUP" "$W/warm.$name.json"
    read -r -a pids <<<"$(server_pids "$name")"
    c0="$(cpu_ticks "${pids[@]}")"
    wrk_run "$port" "$pf" "$DURATION" "$W/wrk.$name.json"
    echo $(($(cpu_ticks "${pids[@]}") - c0)) >"$W/cpu.$name"
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("bench:   %.0f requests/s" % (d["requests"] / d["duration_us"] * 1e6) if d else "bench:   failed")' \
        "$W/wrk.$name.json" >&2
    sleep 2
done

# ---------------------------------------------------------------- memory
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DM_PID/status" 2>/dev/null || echo 0; }
echo "bench: memory: wrk on demine for $SOAK s, RSS every $SAMPLE s" >&2
echo "0 $(rss)" >"$W/rss.txt"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${SOAK}s" --timeout 10s -s "$SRV/pages.lua" \
    "http://127.0.0.1:$P_DM" -- "$W/paths.demine" errors >"$W/soak.txt" 2>&1 &
WRK_PID=$!
t0="$EPOCHREALTIME"
n=0
while kill -0 "$WRK_PID" 2>/dev/null; do
    n=$((n + 1))
    # sleep to the next multiple of SAMPLE s from the start
    sleep "$(awk -v t0="$t0" -v now="$EPOCHREALTIME" -v n="$n" -v s="$SAMPLE" \
        'BEGIN { d = t0 + n * s - now; print (d > 0 ? d : 0) }')"
    kill -0 "$WRK_PID" 2>/dev/null || break
    echo "$((n * SAMPLE)) $(rss)" >>"$W/rss.txt"
done
wait "$WRK_PID" || true
WRK_PID=""
grep '^{"requests"' "$W/soak.txt" >"$W/soak.json" || { cat "$W/soak.txt" >&2; echo '{}' >"$W/soak.json"; }
grep -E '^[0-9]{3} ' "$W/soak.txt" | sort | uniq -c | sort -rn >"$W/soak.errors" || true
kill -0 "$DM_PID" 2>/dev/null || FAILED[soak]="demine serve exited during the memory run"

# ---------------------------------------------------------------- results
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
nginx_v="$(nginx -v 2>&1 | sed 's|.*nginx/||')"
ms_v="$(mapserv -v | awk '{ print $3 }')"
qg_v="$(dpkg-query -W -f '${Version}' qgis-server 2>/dev/null | sed 's/+.*//')"
gdal_v="$(ogrinfo --version 2>/dev/null | awk '{ print $2 }' | tr -d ,)"
dm_v="$("$DEMINE" --version | head -n1 | awk '{ print $NF }')"
wrk_v="$( (wrk -v 2>&1 || true) | head -n1 | awk '{ print $2 }' | sed -e 's|^debian/||' -e 's|-.*||')"
failed_txt=""
for k in "${!FAILED[@]}"; do failed_txt="$failed_txt$k=${FAILED[$k]};"; done

section="$W/section.md"
python3 - "$W" "$section" <<PY
import json, os, sys
w, out = sys.argv[1], sys.argv[2]
def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return {}
check = load(os.path.join(w, "check.json")).get("servers", {})
failed = dict(kv.split("=", 1) for kv in "$failed_txt".split(";") if kv)
rows = [
    ("demine", "demine serve ($(nproc) threads)", "demine $dm_v"),
    ("democold", "demine serve --cache-mb 0 (no answer cache)", "demine $dm_v"),
    ("static", "nginx, demine's bytes as static files", "nginx $nginx_v"),
    ("mapserver", "MapServer (mapserv FastCGI x $WORKERS, behind nginx)", "MapServer $ms_v"),
    ("qgis", "QGIS Server (qgis_mapserv.fcgi x $WORKERS, behind nginx)", "QGIS Server $qg_v"),
]
res = {n: load(os.path.join(w, f"wrk.{n}.json")) for n, _, _ in rows}
def rps(d):
    return d["requests"] / d["duration_us"] * 1e6 if d.get("duration_us") else None
def errs(d):
    return sum(d.get(k, 0) for k in ("connect", "read", "write", "status", "timeout"))
def err_txt(d):
    parts = [f"{d[k]} {k}" for k in ("status", "connect", "read", "write", "timeout") if d.get(k)]
    return "0" if not parts else ", ".join(parts)
dm = rps(res["demine"])
L = []
L.append("| server | version | requests/s | demine / server | p50 (ms) | p99 (ms) | errors (non-2xx, socket) | bytes a response | server CPU ms a request |")
L.append("|---|---|---:|---:|---:|---:|---|---:|---:|")
tck = $(getconf CLK_TCK)
def cpu_ms(n, d):
    try:
        t = int(open(os.path.join(w, f"cpu.{n}")).read())
    except (OSError, ValueError):
        return "—"
    return f"{t * 1000 / tck / d['requests']:.2f}" if d.get("requests") else "—"
for n, label, ver in rows:
    d = res[n]
    mb = check.get(n, {}).get("mean_bytes")
    mb = f"{mb:,}" if mb else "—"
    if n in failed or not d:
        L.append(f"| {label} | {ver} | did not run: {failed.get(n, 'wrk gave no result')} | — | — | — | — | {mb} | — |")
        continue
    r = rps(d)
    L.append(f"| {label} | {ver} | {r:,.0f} | {dm / r:.2f} | {d['p50_us'] / 1000:.1f} | "
             f"{d['p99_us'] / 1000:.1f} | {err_txt(d)} | {mb} | {cpu_ms(n, d)} |")
def ratio(n):
    r = rps(res[n]) if n not in failed else None
    return dm / r if r and dm else None
t_ms, t_qg, t_st = ratio("mapserver"), ratio("qgis"), ratio("static")
def met(v, ok):
    return "not measured" if v is None else ("met" if ok(v) else "**not met**")
total_err = sum(errs(res[n]) for n, _, _ in rows if res[n])
L.append("")
L.append(f"Targets: at least 3× MapServer's rate ({'—' if t_ms is None else f'{t_ms:.1f}×'}: {met(t_ms, lambda v: v >= 3)}), "
         f"at least 3× QGIS Server's ({'—' if t_qg is None else f'{t_qg:.1f}×'}: {met(t_qg, lambda v: v >= 3)}), "
         f"at least half of nginx's static rate ({'—' if t_st is None else f'{t_st:.2f}'} of it: {met(t_st, lambda v: v >= 0.5)}), "
         f"no errors ({total_err}: {'met' if total_err == 0 else '**not met**'}).")
# memory
samples = [tuple(map(int, l.split())) for l in open(os.path.join(w, "rss.txt")) if l.strip()]
soak = load(os.path.join(w, "soak.json"))
L.append("")
if len(samples) >= 2:
    before = samples[0][1]
    under = samples[1:]
    at1 = next((v for t, v in under if t >= 60), under[0][1])
    t1 = next((t for t, v in under if t >= 60), under[0][0])
    last, mx = under[-1][1], max(v for _, v in under)
    flat = last <= 1.1 * at1
    sr = rps(soak)
    soak_txt = (f"{sr:,.0f} requests/s, p99 {soak['p99_us'] / 1000:.1f} ms, errors {err_txt(soak)}"
                if sr else "wrk gave no result")
    L.append(f"Memory: demine serve's RSS (VmRSS) over {samples[-1][0]} s of the same load "
             f"({soak_txt}), sampled every $SAMPLE s: {before / 1024:.1f} MiB before the load, "
             f"{under[0][1] / 1024:.1f} MiB at {under[0][0]} s, {at1 / 1024:.1f} MiB at {t1} s, "
             f"{last / 1024:.1f} MiB at the end, {mx / 1024:.1f} MiB at most: "
             f"{'flat' if flat else '**not flat**'} (end ≤ 1.1 × the value at {t1} s: {'yes' if flat else 'no'}).")
    L.append("")
    L.append("RSS samples (s: MiB): " + ", ".join(f"{t}: {v / 1024:.1f}" for t, v in samples) + ".")
else:
    L.append("Memory: no samples (" + failed.get("soak", "the run was too short") + ").")
bad = [l.strip() for l in open(os.path.join(w, "soak.errors")) if l.strip()] \
    if os.path.exists(os.path.join(w, "soak.errors")) else []
if bad:
    L.append("")
    L.append("Answers other than 2xx in the memory run (wrk keeps the first 3 of each thread; count, status, body):")
    for l in bad:
        L.append(f"- \`{l}\`")
if "soak" in failed:
    L.append("")
    L.append(f"**{failed['soak']}.**")
# check
L.append("")
dmc = check.get("demine", {})
if dmc:
    L.append(f"Check before timing: the {$NURLS} pages hold {dmc['features']:,} features from demine "
             f"({dmc['empty']} empty pages, {dmc['full']} full pages of 100, {dmc['min']}-{dmc['max']} features a page).")
    for n, label, _ in rows[1:]:
        c = check.get(n)
        if not c:
            continue
        if not (c["invalid"] or c["count_mismatch"] or c["code_mismatch"]):
            same = "demine's exact bytes for every page" if n == "static" else \
                "the same number of features as demine on every page, and the same hazards on every page where demine returns all matches"
            L.append(f"- {label}: {same}.")
        else:
            L.append(f"- {label}: {c['invalid']} invalid answers, {c['count_mismatch']} pages with another "
                     f"number of features, {c['code_mismatch']} with other hazards; for example:")
            for e in c["examples"]:
                L.append(f"  - \`{e}\`")
        if c.get("other_shape"):
            L.append(f"  Geometries: {c['other_shape']:,} of its hazards have another shape than demine's "
                     f"(polygons, rings of each, positions; a Polygon counted as a MultiPolygon of one), "
                     f"e.g. {c['shape_example']}.")
open(out, "w", encoding="utf-8").write("\n".join(L) + "\n")
PY

{
    echo "Generated by \`bench/server.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
    echo
    echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; load average $load_begin at the start, $load_end at the end."
    echo "Data: the BiH suspected areas as demine hazards, $(echo "$nfeat" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') features, one GeoPackage read by every server (GDAL $gdal_v for MapServer and QGIS)."
    echo "Load: wrk $wrk_v, $THREADS threads, $CONNECTIONS connections, ${DURATION} s per server after a ${WARMUP} s warm-up, cycling through $NURLS bbox pages (\`limit=100\`, seed $SEED); wrk runs on the same machine."
    echo
    cat "$section"
} >"$section.full"

if [ "$DURATION" != 30 ] || [ "$SOAK" != 300 ] || [ "$NURLS" != 200 ] || [ "$SEED" != 1 ] ||
    [ "$THREADS" != 2 ] || [ "$CONNECTIONS" != 16 ]; then
    cat "$section.full"
    echo "bench: not the default settings: README not changed" >&2
    exit "$check_rc"
fi
python3 "$HERE/readme_section.py" "$README" server "$section.full"
cat "$section.full"
exit 0
