#!/usr/bin/env bash
# `demine priority` on synthetic, seeded data at national scale against the
# same near-by queries in PostGIS (GiST indexes, ST_DWithin on geography),
# in one run, with the pairs each finds compared. Rewrites the priority
# section of bench/README.md.
#
# usage: bash bench/priority.sh
#
# Environment (all optional):
#   DEMINE     demine binary (default: build/demine)
#   HAZARDS, SETTLEMENTS, INFRA   sizes (default 100000, 20000, 500000; the
#              README is only rewritten for the defaults)
#   RUNS       timed runs of each side (default 3; the median is reported)
#
# The data (seed 1, bench/priority_data.py): square hazards of 0.05-0.4 km
# side (half SHA, half CHA), settlements with 0-5000 people and straight
# infrastructure segments of up to about 1 km of five types, all uniformly
# over 16-19.5 E, 43-45 N (BiH's extent). Timed: demine priority DB --json
# (reading every record, the three near-by queries per hazard, the areas,
# the scores and the JSON) against one SQL statement that counts, for every
# hazard, the settlements within 5000 m and the infrastructure within 500 m
# (ST_DWithin on geography, each table with a GiST index on its geography
# column; loading and indexing not timed). Both count the same pairs: the
# totals are compared and printed (demine measures in a local frame at each
# hazard, PostGIS on the spheroid: pairs within a few decimetres of a
# distance may fall on either side).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
README="$HERE/README.md"
NH="${HAZARDS:-100000}" NS="${SETTLEMENTS:-20000}" NI="${INFRA:-500000}"
RUNS="${RUNS:-3}"
DEMINE="${DEMINE:-$ROOT/build/demine}"
[ -x "$DEMINE" ] || { echo "bench: no demine binary at $DEMINE (build it, or set DEMINE=path)" >&2; exit 2; }
DEMINE="$(realpath "$DEMINE")"
for tool in ogr2ogr psql python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is needed (scripts/install-deps.sh)" >&2; exit 2; }
done
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
DATA="$ROOT/build/bench/priority-$NH-$NS-$NI"
mkdir -p "$DATA"
if [ ! -s "$DATA/db.gpkg" ] || [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$(sha256sum <"$HERE/priority_data.py")" ]; then
    echo "bench: making the data in $DATA" >&2
    rm -f "$DATA"/db.gpkg*
    python3 "$HERE/priority_data.py" "$DATA" "$NH" "$NS" "$NI"
    "$DEMINE" init "$DATA/db.gpkg" >/dev/null 2>&1
    for k in hazards settlements infrastructure; do
        "$DEMINE" import "$DATA/db.gpkg" "$k" "$DATA/$k.geojson" >/dev/null 2>&1 ||
            { echo "bench: importing $k failed" >&2; exit 1; }
    done
    sha256sum <"$HERE/priority_data.py" >"$DATA/stamp"
fi

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }

: >"$W/d.times"
"$DEMINE" priority "$DATA/db.gpkg" --json --as-of 2025-06-01 >/dev/null # warm-up
for _ in $(seq 1 "$RUNS"); do
    t0=$(now)
    "$DEMINE" priority "$DATA/db.gpkg" --json --as-of 2025-06-01 >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc >>"$W/d.times"
done
td="$(median <"$W/d.times")"
"$DEMINE" priority "$DATA/db.gpkg" --json --list --as-of 2025-06-01 >"$W/d.json"
read -r d_hazards d_stl d_inf < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["hazards"]), sum(len(h["factors"]["settlements"]["records"]) for h in d["hazards"]),
      sum(len(h["factors"]["infrastructure"]["records"]) for h in d["hazards"]))' "$W/d.json")

# shellcheck source=tests/support/pgserver.sh
source "$ROOT/tests/support/pgserver.sh"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_start "$PORT"
for k in hazards settlements infrastructure; do
    ogr2ogr -f PostgreSQL "PG:dbname=$PGDATABASE host=$PGHOST port=$PGPORT user=$PGUSER" \
        "$DATA/$k.geojson" -nln "$k" -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=NONE >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -c "ALTER TABLE $k ADD COLUMN geog geography;
        UPDATE $k SET geog = geom::geography; CREATE INDEX ON $k USING gist (geog); ANALYZE $k;"
done
SQL="SELECT count(*), sum(ns), sum(ni) FROM (SELECT
  (SELECT count(*) FROM settlements s WHERE ST_DWithin(h.geog, s.geog, 5000)) ns,
  (SELECT count(*) FROM infrastructure i WHERE ST_DWithin(h.geog, i.geog, 500)) ni
  FROM hazards h) x"
psql -X -At -F ' ' -c "$SQL" >"$W/pg.out" # warm-up
: >"$W/p.times"
for _ in $(seq 1 "$RUNS"); do
    t0=$(now)
    psql -X -At -F ' ' -c "$SQL" >"$W/pg.out"
    t1=$(now)
    echo "$t1 - $t0" | bc >>"$W/p.times"
done
tp="$(median <"$W/p.times")"
read -r p_hazards p_stl p_inf <"$W/pg.out"
postgis="$(psql -X -At -c 'SELECT postgis_lib_version()')"
pgver="$(psql -X -At -c 'SHOW server_version' | awk '{print $1}')"
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

ratio="$(echo "scale=2; $tp / $td" | bc)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
dirty=""
git -C "$ROOT" diff --quiet 2>/dev/null || dirty=" (with uncommitted changes)"
section="$W/section.md"
{
    echo "Generated by \`bench/priority.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty."
    echo "$(nproc) cores; load average $load_start at the start, $load_end at the end."
    echo "PostgreSQL $pgver, PostGIS $postgis. Median of $RUNS runs after a warm-up."
    echo
    echo "| $NH hazards, $NS settlements, $NI infrastructure segments | demine priority --json | PostGIS ST_DWithin (geography, GiST) | PostGIS / demine |"
    echo "|---|---:|---:|---:|"
    printf '| time | %.2f s | %.2f s | %s |\n' "$td" "$tp" "$ratio"
    echo "| hazards | $d_hazards | $p_hazards | |"
    echo "| hazard-settlement pairs within 5000 m | $d_stl | $p_stl | |"
    echo "| hazard-infrastructure pairs within 500 m | $d_inf | $p_inf | |"
} >"$section"
cat "$section"
if [ "$NH-$NS-$NI" = "100000-20000-500000" ]; then
    python3 - "$README" "$section" <<'EOF'
import sys
readme, section = sys.argv[1], open(sys.argv[2]).read()
text = open(readme).read()
begin, end = "<!-- priority:begin -->", "<!-- priority:end -->"
if begin in text:
    a, b = text.index(begin) + len(begin), text.index(end)
    text = text[:a] + "\n" + section + text[b:]
else:
    text += ("\n## Priority at national scale\n\n`bash bench/priority.sh` (not part of `bench/run.sh` nor of the test suite)\n"
             "times `demine priority` on 100,000 synthetic hazards, 20,000 settlements and 500,000\n"
             "infrastructure segments (seeded; see the script) against the same near-by queries\n"
             "in PostGIS, and compares the pairs each finds.\n\n" + begin + "\n" + section + end + "\n")
open(readme, "w").write(text)
EOF
fi
