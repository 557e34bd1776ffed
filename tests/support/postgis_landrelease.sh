#!/usr/bin/env bash
# Land release accounting computed by PostGIS, the reference demine's
# `stats landrelease` must agree with (see docs: "Land release accounting").
#
# Usage: postgis_landrelease.sh [--skip-load] [--timings FILE] HAZARDS RELEASES ADMIN
#
# Needs a running server and the libpq environment (PGHOST, PGPORT, PGUSER,
# PGDATABASE), e.g. from tests/support/pgserver.sh. Loads the three files with
# ogr2ogr (feature order kept: ogc_fid = 1-based feature number in the file,
# features with null geometry included), then computes in separate,
# materialised SQL steps:
#
#   repair     ST_CollectionExtract(ST_MakeValid(geom), 3) of every polygon,
#              empty results dropped; GiST indexes
#   union      ST_Union of each layer (hazards H, releases R) and of both
#              (H ∪ R), computed per cluster of touching polygons
#              (ST_ClusterDBSCAN eps 0) and dumped to disjoint polygons, which
#              together are the union
#   overlay    released = R (whether or not a hazard covers it),
#              remaining = H − R, recorded = H ∪ R,
#              released inside hazards = H ∩ R
#   totals     ST_Area(geography) (spheroid) of each
#   per_admin  the same figures clipped to each admin polygon (GiST index,
#              ST_Intersects prefilter; pieces the admin polygon covers are
#              taken whole), hazard counts: hazards sharing area with the admin polygon
#              (ST_Intersects and not ST_Touches), as demine counts them
#
# Prints demine's `stats landrelease --by admin --json` layout on stdout:
#   {"hazard_area_m2", "released_area_m2": {"cancelled", "reduced", "cleared",
#    "total"}, "remaining_area_m2", "recorded_area_m2",
#    "released_inside_hazards_m2", "hazard_count", "groups": [{"key": "AD-0001",
#    "name", ...same figures...}]}
# All releases are counted as cleared. Timing of each step goes to stderr.
#
# --skip-load   reuse the tables of an earlier run (time the SQL only)
# --timings F   also write "step<TAB>seconds" lines to F
set -euo pipefail

usage() {
    echo "usage: $0 [--skip-load] [--timings FILE] HAZARDS RELEASES ADMIN" >&2
    exit 2
}

skip_load=0
timings_file=""
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-load) skip_load=1; shift ;;
        --timings) [ $# -ge 2 ] || usage; timings_file="$2"; shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -eq 3 ] || usage
hazards="$1" releases="$2" admin="$3"

for v in PGHOST PGPORT PGUSER PGDATABASE; do
    if [ -z "${!v:-}" ]; then
        echo "postgis_landrelease: $v is not set (start a server with tests/support/pgserver.sh)" >&2
        exit 2
    fi
done

PSQL=(psql -X -q -v ON_ERROR_STOP=1)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

declare -a step_names=() step_secs=()
record() {
    step_names+=("$1")
    step_secs+=("$2")
}

t_start="$(now)"

# ---------------------------------------------------------------- load
load() {
    local file="$1" table="$2"
    if [ ! -r "$file" ]; then
        echo "postgis_landrelease: cannot read $file" >&2
        exit 2
    fi
    ogr2ogr -f PostgreSQL PG:"" "$file" -overwrite -nln "$table" \
        -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -lco FID=ogc_fid \
        -lco SPATIAL_INDEX=NONE -gt unlimited -q
    # ogc_fid must be the 1-based feature number: 1..n without gaps.
    local check
    check="$("${PSQL[@]}" -At -c "SELECT count(*) = coalesce(max(ogc_fid), 0) AND coalesce(min(ogc_fid), 1) = 1 FROM $table")"
    if [ "$check" != "t" ]; then
        echo "postgis_landrelease: $table: ogc_fid is not the 1-based feature order" >&2
        exit 1
    fi
}

if [ "$skip_load" -eq 0 ]; then
    t0="$(now)"
    load "$hazards" lr_hazards_raw
    load "$releases" lr_releases_raw
    load "$admin" lr_admin_raw
    record load "$(elapsed "$t0" "$(now)")"
fi

# ---------------------------------------------------------------- SQL steps
# Each step is a group of statements between "\echo @step NAME" markers; psql's
# \timing reports each statement's time, summed per step below.
sql_out="$(mktemp)"
trap 'rm -f "$sql_out"' EXIT

"${PSQL[@]}" >"$sql_out" <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS lr CASCADE;
CREATE SCHEMA lr;
\pset format unaligned
\pset tuples_only on
\timing on

\echo @step repair
CREATE UNLOGGED TABLE lr.h AS
  SELECT ogc_fid, ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom
  FROM lr_hazards_raw WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom);
CREATE UNLOGGED TABLE lr.r AS
  SELECT ogc_fid, ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom
  FROM lr_releases_raw WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom);
CREATE UNLOGGED TABLE lr.a AS
  SELECT ogc_fid, shapename AS name,
         ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom
  FROM lr_admin_raw WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom);
DELETE FROM lr.h WHERE ST_IsEmpty(geom);
DELETE FROM lr.r WHERE ST_IsEmpty(geom);
DELETE FROM lr.a WHERE ST_IsEmpty(geom);
-- exact copies (the same geometry and attributes as an earlier feature of
-- the file that is kept) are one record, as demine imports them once
CREATE UNLOGGED TABLE lr.h_copies AS
  SELECT DISTINCT a.ogc_fid FROM lr_hazards_raw a JOIN lr_hazards_raw b
    ON b.ogc_fid < a.ogc_fid AND (to_jsonb(a) - 'ogc_fid') = (to_jsonb(b) - 'ogc_fid')
  WHERE a.ogc_fid IN (SELECT ogc_fid FROM lr.h) AND b.ogc_fid IN (SELECT ogc_fid FROM lr.h);
CREATE UNLOGGED TABLE lr.r_copies AS
  SELECT DISTINCT a.ogc_fid FROM lr_releases_raw a JOIN lr_releases_raw b
    ON b.ogc_fid < a.ogc_fid AND (to_jsonb(a) - 'ogc_fid') = (to_jsonb(b) - 'ogc_fid')
  WHERE a.ogc_fid IN (SELECT ogc_fid FROM lr.r) AND b.ogc_fid IN (SELECT ogc_fid FROM lr.r);
DELETE FROM lr.h WHERE ogc_fid IN (SELECT ogc_fid FROM lr.h_copies);
DELETE FROM lr.r WHERE ogc_fid IN (SELECT ogc_fid FROM lr.r_copies);
CREATE INDEX ON lr.h USING gist (geom);
CREATE INDEX ON lr.a USING gist (geom);
ANALYZE lr.h;
ANALYZE lr.r;
ANALYZE lr.a;

\echo @step union
CREATE UNLOGGED TABLE lr.hu AS
  WITH c AS (SELECT geom, ST_ClusterDBSCAN(geom, 0, 1) OVER () AS cid FROM lr.h)
  SELECT (ST_Dump(ST_Union(geom))).geom AS geom FROM c GROUP BY cid;
CREATE UNLOGGED TABLE lr.ru AS
  WITH c AS (SELECT geom, ST_ClusterDBSCAN(geom, 0, 1) OVER () AS cid FROM lr.r)
  SELECT (ST_Dump(ST_Union(geom))).geom AS geom FROM c GROUP BY cid;
CREATE INDEX ON lr.ru USING gist (geom);
CREATE UNLOGGED TABLE lr.au AS
  WITH a AS (SELECT geom FROM lr.h UNION ALL SELECT geom FROM lr.r),
       c AS (SELECT geom, ST_ClusterDBSCAN(geom, 0, 1) OVER () AS cid FROM a)
  SELECT (ST_Dump(ST_Union(geom))).geom AS geom FROM c GROUP BY cid;
ANALYZE lr.hu;
ANALYZE lr.ru;
ANALYZE lr.au;

\echo @step overlay
-- For each polygon of the hazard union, the polygons of the release union it
-- touches (disjoint, so their collection is a valid MultiPolygon).
CREATE UNLOGGED TABLE lr.ov AS
  SELECT hu.geom AS hg, x.rg
  FROM lr.hu hu
  LEFT JOIN LATERAL (SELECT ST_Collect(ru.geom) AS rg FROM lr.ru ru
                     WHERE ST_Intersects(hu.geom, ru.geom)) x ON true;
CREATE UNLOGGED TABLE lr.pieces AS
  SELECT kind, geom, ST_Area(geom::geography) AS area FROM (
    SELECT 'hazard'::text AS kind, hg AS geom FROM lr.ov
    UNION ALL
    SELECT 'released', geom FROM lr.ru
    UNION ALL
    SELECT 'recorded', geom FROM lr.au
    UNION ALL
    SELECT 'inside', (ST_Dump(ST_CollectionExtract(ST_Intersection(hg, rg), 3))).geom
    FROM lr.ov WHERE rg IS NOT NULL
    UNION ALL
    SELECT 'remaining', (ST_Dump(ST_CollectionExtract(
             CASE WHEN rg IS NULL THEN hg ELSE ST_Difference(hg, rg) END, 3))).geom
    FROM lr.ov) s;
CREATE INDEX ON lr.pieces USING gist (geom);
ANALYZE lr.pieces;

\echo @step totals
CREATE UNLOGGED TABLE lr.totals AS
  SELECT coalesce(sum(area) FILTER (WHERE kind = 'hazard'), 0) AS hazard,
         coalesce(sum(area) FILTER (WHERE kind = 'released'), 0) AS released,
         coalesce(sum(area) FILTER (WHERE kind = 'remaining'), 0) AS remaining,
         coalesce(sum(area) FILTER (WHERE kind = 'recorded'), 0) AS recorded,
         coalesce(sum(area) FILTER (WHERE kind = 'inside'), 0) AS inside,
         (SELECT count(*) FROM lr.h) AS hazard_count
  FROM lr.pieces;

\echo @step per_admin
-- The admin polygon drives each lateral join, so its prepared geometry is
-- reused for every candidate piece.
CREATE UNLOGGED TABLE lr.groups AS
  SELECT a.ogc_fid, a.name,
         coalesce(x.hazard, 0) AS hazard,
         coalesce(x.released, 0) AS released,
         coalesce(x.remaining, 0) AS remaining,
         coalesce(x.recorded, 0) AS recorded,
         coalesce(x.inside, 0) AS inside,
         n.hazard_count
  FROM lr.a a
  CROSS JOIN LATERAL (
    SELECT sum(s) FILTER (WHERE kind = 'hazard') AS hazard,
           sum(s) FILTER (WHERE kind = 'released') AS released,
           sum(s) FILTER (WHERE kind = 'remaining') AS remaining,
           sum(s) FILTER (WHERE kind = 'recorded') AS recorded,
           sum(s) FILTER (WHERE kind = 'inside') AS inside
    FROM (SELECT p.kind,
                 CASE WHEN ST_Covers(a.geom, p.geom) THEN p.area
                      ELSE ST_Area(ST_Intersection(a.geom, p.geom)::geography) END AS s
          FROM lr.pieces p WHERE ST_Intersects(a.geom, p.geom)) c) x
  CROSS JOIN LATERAL (
    SELECT count(*) AS hazard_count FROM lr.h h WHERE ST_Intersects(a.geom, h.geom) AND NOT ST_Touches(a.geom, h.geom)) n;

\timing off
\echo @step output
SELECT json_build_object(
  'hazard_area_m2', t.hazard,
  'released_area_m2', json_build_object('cancelled', 0, 'reduced', 0,
                                        'cleared', t.released, 'total', t.released),
  'remaining_area_m2', t.remaining,
  'recorded_area_m2', t.recorded,
  'released_inside_hazards_m2', t.inside,
  'hazard_count', t.hazard_count,
  'groups', (SELECT coalesce(json_agg(json_build_object(
                'key', 'AD-' || to_char(g.ogc_fid, 'FM0000'),
                'name', g.name,
                'hazard_area_m2', g.hazard,
                'released_area_m2', json_build_object('cancelled', 0, 'reduced', 0,
                                                      'cleared', g.released, 'total', g.released),
                'remaining_area_m2', g.remaining,
                'recorded_area_m2', g.recorded,
                'released_inside_hazards_m2', g.inside,
                'hazard_count', g.hazard_count) ORDER BY g.ogc_fid), '[]'::json)
             FROM lr.groups g))
FROM lr.totals t;
SQL

# Sum "Time: N ms" lines per step; the JSON document is the line starting "{".
while IFS=$'\t' read -r name secs; do
    record "$name" "$secs"
done < <(awk '
    /^@step / { if (cur != "" && cur != "output") printf "%s\t%.3f\n", cur, ms / 1000; cur = $2; ms = 0; next }
    /^Time: / { ms += $2 }
    END { if (cur != "" && cur != "output") printf "%s\t%.3f\n", cur, ms / 1000 }
' "$sql_out")

json="$(grep -m1 '^{' "$sql_out" || true)"
if [ -z "$json" ]; then
    echo "postgis_landrelease: no result from PostgreSQL" >&2
    exit 1
fi
# Re-serialise compactly, keys in demine's order (json_build_object's order).
printf '%s\n' "$json" | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin), ensure_ascii=False))'

sql_total=0
{
    for i in "${!step_names[@]}"; do
        printf '  %-10s %8.3f s\n' "${step_names[$i]}" "${step_secs[$i]}"
        if [ "${step_names[$i]}" != load ]; then
            sql_total="$(awk -v a="$sql_total" -v b="${step_secs[$i]}" 'BEGIN { printf "%.3f", a + b }')"
        fi
    done
    printf '  %-10s %8.3f s\n' "sql" "$sql_total"
    printf '  %-10s %8.3f s\n' "total" "$(elapsed "$t_start" "$(now)")"
} >&2

if [ -n "$timings_file" ]; then
    {
        for i in "${!step_names[@]}"; do
            printf '%s\t%s\n' "${step_names[$i]}" "${step_secs[$i]}"
        done
        printf 'sql\t%s\n' "$sql_total"
    } >"$timings_file"
fi
