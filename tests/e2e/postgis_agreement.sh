#!/usr/bin/env bash
# demine's land release figures must agree with PostGIS on the BiH data.
#
# usage: postgis_agreement.sh DEMINE_BINARY
#
# Starts a throwaway PostgreSQL/PostGIS server on a free loopback port,
# computes the reference with tests/support/postgis_landrelease.sh, builds a
# demine GeoPackage from the same files, and compares:
#   totals (hazard, released total and cleared, remaining, recorded, released
#   inside hazards) within 0.1%;
#   per municipality the same figures within 0.1% or 1 m2; hazard counts equal;
#   the largest municipality on its own (`--admin CODE`) likewise;
#   rejects files list exactly the rows PostGIS cannot use (null geometry, empty
#   geometry, no polygonal part after ST_MakeValid), with 3094 / 108 rows of
#   null geometry among them for hazards / releases; exact copies of a kept
#   feature (same geometry and attributes) are one record on both sides.
# Exit 0 on agreement, 1 otherwise. The server is stopped in all cases.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DEMINE_BINARY" >&2
    exit 2
fi
DEMINE="$(realpath "$1")"
if [ ! -x "$DEMINE" ]; then
    echo "postgis_agreement: $1 is not an executable" >&2
    exit 2
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
SUPPORT="$HERE/../support"
DATA="$(cd "$HERE/../../data/bih" && pwd)"
HAZARDS="$DATA/suspected_areas.geojson"
RELEASES="$DATA/cleared_areas.geojson"
ADMIN="$DATA/municipalities.geojson"

T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/support/pgserver.sh
source "$SUPPORT/pgserver.sh"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_start "$PORT"  # chains our EXIT trap: stops the server, then removes $T

# ---------------------------------------------------------------- PostGIS
if ! "$SUPPORT/postgis_landrelease.sh" "$HAZARDS" "$RELEASES" "$ADMIN" \
        >"$T/postgis.json" 2>"$T/postgis.log"; then
    echo "FAIL: PostGIS computation failed:"
    cat "$T/postgis.log"
    exit 1
fi

# Rows PostGIS cannot use, with the reason (the rejects demine must report).
expected_rejects() {
    psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -c "
        SELECT ogc_fid,
               CASE WHEN geom IS NULL THEN 'null geometry'
                    WHEN ST_IsEmpty(geom) THEN 'empty geometry'
                    ELSE 'no polygonal part after repair' END
        FROM $1 raw
        WHERE NOT EXISTS (SELECT 1 FROM $2 k WHERE k.ogc_fid = raw.ogc_fid)
          AND NOT EXISTS (SELECT 1 FROM $3 c WHERE c.ogc_fid = raw.ogc_fid)
        ORDER BY ogc_fid"
}
expected_rejects lr_hazards_raw lr.h lr.h_copies >"$T/h.expected.tsv"
expected_rejects lr_releases_raw lr.r lr.r_copies >"$T/r.expected.tsv"

# ---------------------------------------------------------------- demine
run() {  # run EXPECTED_STATUS OUTFILE demine-args...
    local want="$1" out="$2" rc=0
    shift 2
    "$DEMINE" "$@" >"$out" 2>"$T/demine.err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: demine $* exited $rc, expected $want; its stderr:"
        tail -n 20 "$T/demine.err"
        return 1
    fi
}

if ! { run 0 /dev/null init "$T/atlas.gpkg" &&
       run 3 /dev/null import "$T/atlas.gpkg" hazards "$HAZARDS" --set status=SHA \
           --rejects "$T/h.rejects.csv" &&
       run 3 /dev/null import "$T/atlas.gpkg" releases "$RELEASES" --set method=cleared \
           --rejects "$T/r.rejects.csv" &&
       run 0 /dev/null import "$T/atlas.gpkg" admin-areas "$ADMIN" --map name=shapeName \
           --set level=3 &&
       run 0 "$T/demine.json" stats "$T/atlas.gpkg" landrelease --json &&
       run 0 "$T/demine_by_admin.json" stats "$T/atlas.gpkg" landrelease --by admin --json; }; then
    exit 1
fi

# ---------------------------------------------------------------- compare
echo "PostGIS timings:"
sed 's/^/  /' "$T/postgis.log"
/usr/bin/python3 "$SUPPORT/compare_landrelease.py" \
    --postgis "$T/postgis.json" \
    --totals "$T/demine.json" \
    --groups "$T/demine_by_admin.json" \
    --rejects hazards "$T/h.rejects.csv" "$T/h.expected.tsv" 3094 \
    --rejects releases "$T/r.rejects.csv" "$T/r.expected.tsv" 108 || exit 1

# One filtered case: the municipality with the most hazard area on its own
# (`--admin CODE`: hazards and releases clipped to it before the unions), against
# its PostGIS group (the figures clipped after the unions), within 0.1%.
KEY="$(python3 -c 'import json,sys; print(max(json.load(open(sys.argv[1]))["groups"], key=lambda g: g["hazard_area_m2"])["key"])' "$T/postgis.json")"
run 0 "$T/demine_admin.json" stats "$T/atlas.gpkg" landrelease --admin "$KEY" --json || exit 1
python3 - "$T/postgis.json" "$T/demine_admin.json" "$KEY" <<'PY' || exit 1
import json, sys
ref = next(g for g in json.load(open(sys.argv[1]))["groups"] if g["key"] == sys.argv[3])
got = json.load(open(sys.argv[2]))
bad = []
for path in ("hazard_area_m2", "released_area_m2.total", "remaining_area_m2", "recorded_area_m2",
             "released_inside_hazards_m2"):
    r, g = ref, got
    for k in path.split("."):
        r, g = r[k], g[k]
    ok = abs(g - r) <= max(1e-3 * abs(r), 1.0)
    print(f"  --admin {sys.argv[3]} {ref['name']}: {path} demine {g:.1f} PostGIS {r:.1f}{'' if ok else '  DIFFERS'}")
    bad += [] if ok else [path]
if got["hazard_count"] != ref["hazard_count"]:
    bad.append(f"hazard_count {got['hazard_count']} vs {ref['hazard_count']}")
if got["scope"]["admin"] != sys.argv[3]:
    bad.append("scope")
print("FAIL: --admin differs from PostGIS: " + ", ".join(bad) if bad else f"AGREE: --admin {sys.argv[3]} matches PostGIS within 0.1%")
sys.exit(1 if bad else 0)
PY
