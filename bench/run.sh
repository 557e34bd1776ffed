#!/usr/bin/env bash
# Runs every benchmark against its peer on the BiH data, in one run, and
# rewrites the results section of bench/README.md.
#
# usage: bench/run.sh          (demine from build/demine, or set DEMINE=path)
#
#   import      demine init + import of each BiH layer into a fresh GeoPackage
#               vs ogr2ogr -f GPKG of the same file into a fresh GeoPackage
#               (median of 5 runs, after one warm-up run)
#   landrelease demine stats landrelease --json and --by admin --json vs the
#               PostGIS SQL steps of tests/support/postgis_landrelease.sh, data
#               already loaded (median of 3 runs, after one warm-up run)
#
# Uses hyperfine when it is installed, a plain timing loop otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DATA="$ROOT/data/bih"
README="$HERE/README.md"
DEMINE="${DEMINE:-$ROOT/build/demine}"
if [ ! -x "$DEMINE" ]; then
    echo "bench: no demine binary at $DEMINE (build it, or set DEMINE=path)" >&2
    exit 2
fi
DEMINE="$(realpath "$DEMINE")"
for tool in ogr2ogr psql python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: $tool is needed (scripts/install-deps.sh)" >&2
        exit 2
    fi
done

IMPORT_RUNS=5
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
LR_RUNS=3

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

if command -v hyperfine >/dev/null 2>&1; then
    TIMER="hyperfine $(hyperfine --version | awk '{print $2}')"
else
    TIMER="plain timing loop"
fi

# ---------------------------------------------------------------- timing
# measure NAME RUNS: times $W/cmd/NAME.sh (after $W/cmd/NAME.prep.sh when it
# exists, untimed) RUNS times after one warm-up run; prints the median in s.
measure() {
    local name="$1" runs="$2"
    local cmd="$W/cmd/$name.sh" prep="$W/cmd/$name.prep.sh"
    if [ "${TIMER%% *}" = hyperfine ]; then
        local -a pre=()
        [ -f "$prep" ] && pre=(--prepare "bash $prep")
        hyperfine --style none --warmup 1 --runs "$runs" "${pre[@]}" \
            --export-json "$W/$name.json" "bash $cmd" >/dev/null 2>"$W/$name.err" ||
            { echo "bench: $name failed:" >&2; cat "$W/$name.err" >&2; exit 1; }
        python3 -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$W/$name.json"
        return
    fi
    local i t0 t1
    : >"$W/$name.times"
    for i in $(seq 0 "$runs"); do
        [ -f "$prep" ] && bash "$prep"
        t0="$EPOCHREALTIME"
        if ! bash "$cmd" >/dev/null 2>"$W/$name.err"; then
            echo "bench: $name failed:" >&2
            cat "$W/$name.err" >&2
            exit 1
        fi
        t1="$EPOCHREALTIME"
        # run 0 is the warm-up
        [ "$i" -gt 0 ] && awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$W/$name.times"
    done
    median <"$W/$name.times"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit 1
        if (NR % 2) printf "%.4f\n", v[(NR + 1) / 2]
        else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v p="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.2f", p / d; else print "n/a" }'; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 >= t) ? "yes" : "**no**" }'; }

mkdir -p "$W/cmd"
script() {  # script NAME BODY...: writes $W/cmd/NAME.sh
    local name="$1"
    shift
    printf '%s\n' "set -e" "$@" >"$W/cmd/$name.sh"
}
q() { printf '%q' "$1"; }

# ---------------------------------------------------------------- import
# layer file | demine kind | demine options
LAYERS=(
    "suspected_areas|hazards|--set status=SHA"
    "cleared_areas|releases|--set method=cleared"
    "municipalities|admin-areas|--map name=shapeName --set level=3"
    "incidents|incidents|"
)

# demine import exits 3 when some rows went to the rejects file (null geometry)
demine_import_line() {  # GPKG LAYER KIND OPTS
    local opts="$4"
    printf '%s import %s %s %s %s --rejects %s || [ $? -eq 3 ]\n' \
        "$(q "$DEMINE")" "$(q "$1")" "$3" "$(q "$DATA/$2.geojson")" "$opts" "$(q "$W/$2.rejects.csv")"
}

declare -a rows=()
all_demine=()
all_ogr=()
first=1
for spec in "${LAYERS[@]}"; do
    IFS='|' read -r layer kind opts <<<"$spec"
    file="$DATA/$layer.geojson"
    nfeat="$(python3 -c 'import json, sys; print(format(len(json.load(open(sys.argv[1]))["features"]), ","))' "$file")"

    # the database is made by `demine init` before each run: the import is timed
    printf 'rm -f %s*\n%s init %s 2>/dev/null\n' "$(q "$W/d_$layer.gpkg")" "$(q "$DEMINE")" \
        "$(q "$W/d_$layer.gpkg")" >"$W/cmd/d_$layer.prep.sh"
    script "d_$layer" "$(demine_import_line "$W/d_$layer.gpkg" "$layer" "$kind" "$opts")"
    printf 'rm -f %s*\n' "$(q "$W/o_$layer.gpkg")" >"$W/cmd/o_$layer.prep.sh"
    script "o_$layer" "ogr2ogr -f GPKG $(q "$W/o_$layer.gpkg") $(q "$file")"
    # the same copy with GEOS MakeValid on every geometry: the repair demine does too
    printf 'rm -f %s*\n' "$(q "$W/m_$layer.gpkg")" >"$W/cmd/m_$layer.prep.sh"
    script "m_$layer" "ogr2ogr -makevalid -f GPKG $(q "$W/m_$layer.gpkg") $(q "$file")"

    all_demine+=("$(demine_import_line "$W/all_d.gpkg" "$layer" "$kind" "$opts")")
    if [ "$first" -eq 1 ]; then
        all_ogr+=("ogr2ogr -f GPKG $(q "$W/all_o.gpkg") $(q "$file")")
        first=0
    else
        all_ogr+=("ogr2ogr -update -f GPKG $(q "$W/all_o.gpkg") $(q "$file")")
    fi

    td="$(measure "d_$layer" "$IMPORT_RUNS")"
    to="$(measure "o_$layer" "$IMPORT_RUNS")"
    tm="$(measure "m_$layer" "$IMPORT_RUNS")"
    r="$(ratio "$to" "$td")"
    rm_="$(ratio "$tm" "$td")"
    rows+=("| import $layer ($nfeat features) | $td | ogr2ogr -f GPKG | $to | $r | ≥ 1 | $(met "$r" 1) |")
    rows+=("| import $layer, both repairing polygons | $td | ogr2ogr -makevalid -f GPKG | $tm | $rm_ | — | — |")
done
printf 'rm -f %s* %s*\n' "$(q "$W/all_d.gpkg")" "$(q "$W/all_o.gpkg")" >"$W/cmd/o_all.prep.sh"
printf 'rm -f %s*\n%s init %s 2>/dev/null\n' "$(q "$W/all_d.gpkg")" "$(q "$DEMINE")" \
    "$(q "$W/all_d.gpkg")" >"$W/cmd/d_all.prep.sh"
script d_all "${all_demine[@]}"
script o_all "${all_ogr[@]}"
td="$(measure d_all "$IMPORT_RUNS")"
to="$(measure o_all "$IMPORT_RUNS")"
r="$(ratio "$to" "$td")"
rows+=("| import all four layers into one file | $td | ogr2ogr -f GPKG | $to | $r | ≥ 1 | $(met "$r" 1) |")
printf 'rm -f %s*\n' "$(q "$W/init.gpkg")" >"$W/cmd/d_init.prep.sh"
script d_init "$(q "$DEMINE") init $(q "$W/init.gpkg") 2>/dev/null"
rows+=("| demine init (an empty database, once per database) | $(measure d_init "$IMPORT_RUNS") | — | — | — | — | — |")

# ---------------------------------------------------------------- land release
LR="$W/lr.gpkg"
{
    "$DEMINE" init "$LR"
    for spec in "${LAYERS[@]:0:3}"; do
        IFS='|' read -r layer kind opts <<<"$spec"
        bash -c "set -e; $(demine_import_line "$LR" "$layer" "$kind" "$opts")"
    done
} >/dev/null 2>"$W/lr_build.err" || { echo "bench: building $LR failed:" >&2; cat "$W/lr_build.err" >&2; exit 1; }
script d_lr_total "$(q "$DEMINE") stats $(q "$LR") landrelease --json"
script d_lr_admin "$(q "$DEMINE") stats $(q "$LR") landrelease --by admin --json"
"$DEMINE" stats "$LR" landrelease --json >"$W/demine_total.json"
"$DEMINE" stats "$LR" landrelease --by admin --json >"$W/demine_admin.json"
td_total="$(measure d_lr_total "$LR_RUNS")"
td_admin="$(measure d_lr_admin "$LR_RUNS")"

# shellcheck source=tests/support/pgserver.sh
source "$ROOT/tests/support/pgserver.sh"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_start "$PORT"
PGLR="$ROOT/tests/support/postgis_landrelease.sh"
HAZ="$DATA/suspected_areas.geojson" REL="$DATA/cleared_areas.geojson" ADM="$DATA/municipalities.geojson"
# The first run loads the data and is the warm-up.
"$PGLR" "$HAZ" "$REL" "$ADM" >"$W/postgis.json" 2>"$W/postgis.err" ||
    { echo "bench: PostGIS computation failed:" >&2; cat "$W/postgis.err" >&2; exit 1; }
: >"$W/pg_total.times"
: >"$W/pg_admin.times"
for i in $(seq 1 "$LR_RUNS"); do
    "$PGLR" --skip-load --timings "$W/pg.$i.tsv" "$HAZ" "$REL" "$ADM" >/dev/null 2>"$W/postgis.err" ||
        { echo "bench: PostGIS computation failed:" >&2; cat "$W/postgis.err" >&2; exit 1; }
    # totals need every step but per_admin; by admin needs them all
    awk -F'\t' '$1 != "per_admin" && $1 != "sql" && $1 != "load" { s += $2 } END { print s }' \
        "$W/pg.$i.tsv" >>"$W/pg_total.times"
    awk -F'\t' '$1 == "sql" { print $2 }' "$W/pg.$i.tsv" >>"$W/pg_admin.times"
done
tp_total="$(median <"$W/pg_total.times")"
tp_admin="$(median <"$W/pg_admin.times")"
steps="$(awk -F'\t' '$1 != "sql" && $1 != "load" { printf "%s%s %.3f s", sep, $1, $2; sep = ", " }' "$W/pg.$LR_RUNS.tsv")"
r="$(ratio "$tp_total" "$td_total")"
rows+=("| land release totals (\`stats landrelease --json\`) | $td_total | PostGIS SQL | $tp_total | $r | ≥ 2 | $(met "$r" 2) |")
r="$(ratio "$tp_admin" "$td_admin")"
rows+=("| land release by municipality (\`--by admin --json\`) | $td_admin | PostGIS SQL | $tp_admin | $r | ≥ 2 | $(met "$r" 2) |")

if python3 "$ROOT/tests/support/compare_landrelease.py" --postgis "$W/postgis.json" \
        --totals "$W/demine_total.json" --groups "$W/demine_admin.json" >"$W/compare.out" 2>&1; then
    agree="yes"
else
    agree="**no** ($(grep -m1 '^FAIL' "$W/compare.out" | cut -c7- || true))"
fi
figures="$(python3 - "$W/postgis.json" "$W/demine_total.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
def f(x):
    try:
        return f"{float(x):,.0f}"
    except (TypeError, ValueError):
        return "?"
for label, src in (("PostGIS", p), ("demine", d)):
    r = src.get("released_area_m2") or {}
    print(f"| {label} | {f(src.get('hazard_area_m2'))} | {f(r.get('total'))} | "
          f"{f(src.get('remaining_area_m2'))} | {src.get('hazard_count', '?')} |")
PY
)"

# ---------------------------------------------------------------- machine
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
os="$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)"
gdal="$(ogrinfo --version | sed -E 's/^GDAL ([^,]+),.*/\1/')"
geos="$(geos-config --version 2>/dev/null || psql -X -At -c 'SELECT postgis_geos_version()')"
proj="$(pkg-config --modversion proj 2>/dev/null || psql -X -At -c 'SELECT postgis_proj_version()')"
postgis="$(psql -X -At -c 'SELECT postgis_lib_version()')"
pgver="$(psql -X -At -c 'SHOW server_version' | awk '{print $1}')"
dver="$("$DEMINE" --version 2>/dev/null | head -n1 || true)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi

section="$W/section.md"
{
    echo "Generated by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
    echo
    echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $os; load average $load_start at the start, $load_end at the end."
    echo "Versions: ${dver:-demine (no --version)}; GDAL $gdal, GEOS $geos, PROJ $proj; PostgreSQL $pgver, PostGIS $postgis."
    echo "Timing: $TIMER; import median of $IMPORT_RUNS runs, land release median of $LR_RUNS runs, each after one warm-up run."
    echo
    echo "| benchmark | demine (s) | peer | peer (s) | peer / demine | target | met |"
    echo "|---|---:|---|---:|---:|---:|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "PostGIS steps of the last run: $steps."
    echo
    echo "Land release figures on the BiH data (m², all releases counted as cleared); demine agrees with PostGIS within 0.1%: $agree."
    echo
    echo "| | hazard area | released | remaining | hazards |"
    echo "|---|---:|---:|---:|---:|"
    echo "$figures"
} >"$section"

python3 "$HERE/readme_section.py" "$README" results "$section"
cat "$section"
