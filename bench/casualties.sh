#!/usr/bin/env bash
# Casualty statistics over 1,000,000 synthetic victims: demine against plain
# SQL over the same GeoPackage in the sqlite3 CLI and against PostgreSQL, with
# the figures of all three checked to be equal. Rewrites the casualty section
# of bench/README.md.
#
# usage: bash bench/casualties.sh
#
# Environment (all optional):
#   DEMINE         demine binary (default: build/demine, built first)
#   CASUALTY_DB    the database (default: build/bench/casualties-1m.gpkg);
#                  reused when it was made from the same generator, else rebuilt
#   VICTIMS        number of victims (default 1000000; README is only
#                  rewritten for the default)
#   RUNS, WARMUP   hyperfine runs and warm-up runs per command (10, 2)
#
# The database: the real BiH municipalities (admin areas) and suspected areas
# (hazards) of data/bih, then `demine generate DB casualties --victims N
# --seed 1`, so that incidents lie on and near real hazards and carry real
# admin codes (--by admin then has 142 groups, not one).
#
# Each query is checked before it is timed: demine's JSON (cached summary
# and --no-cache), the SQLite SQL and the PostgreSQL SQL must give the same
# numbers for the totals and for every group; a difference prints a MISMATCH
# line and the script exits 1 without touching the README.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DATA="$ROOT/data/bih"
README="$HERE/README.md"
VICTIMS="${VICTIMS:-1000000}"
SEED=1
RUNS="${RUNS:-10}"
WARMUP="${WARMUP:-2}"
DB="${CASUALTY_DB:-$ROOT/build/bench/casualties-1m.gpkg}"
if [ "$VICTIMS" != 1000000 ] && [ -z "${CASUALTY_DB:-}" ]; then
    DB="$ROOT/build/bench/casualties-$VICTIMS.gpkg"
fi

for tool in hyperfine sqlite3 psql python3 sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: $tool is needed (scripts/install-deps.sh; apt-get install hyperfine)" >&2
        exit 2
    fi
done

if [ -z "${DEMINE:-}" ]; then
    echo "bench: building build/demine" >&2
    cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$ROOT/build" -j"$(nproc)" --target demine >/dev/null
    DEMINE="$ROOT/build/demine"
fi
DEMINE="$(realpath "$DEMINE")"
if ! "$DEMINE" stats --help 2>&1 | grep -q casualties; then
    echo "bench: $DEMINE has no 'stats DATABASE casualties' yet" >&2
    exit 2
fi

load_begin="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
q() { printf '%q' "$1"; }

# ---------------------------------------------------------------- database
# The database is reused while the generator, the schema and the size are
# the same (its key file says what made it).
key="victims=$VICTIMS seed=$SEED layers=municipalities,suspected_areas"
key="$key $(cat "$ROOT/src/io/synthetic.c" "$ROOT/src/store/gpkg_schema.c" | sha256sum | cut -c1-16)"
if [ -f "$DB" ] && [ -f "$DB.key" ] && [ "$(head -n1 "$DB.key")" = "$key" ]; then
    gen_secs="$(sed -n 2p "$DB.key")"
    echo "bench: reusing $DB ($VICTIMS victims)" >&2
else
    echo "bench: building $DB ($VICTIMS victims)" >&2
    mkdir -p "$(dirname "$DB")"
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key"
    {
        "$DEMINE" init "$DB"
        "$DEMINE" import "$DB" admin-areas "$DATA/municipalities.geojson" --map name=shapeName \
            --set level=3 --rejects "$W/adm.rejects.csv"
        # some suspected areas have no geometry: rejected rows, exit 3
        "$DEMINE" import "$DB" hazards "$DATA/suspected_areas.geojson" --set status=SHA \
            --rejects "$W/haz.rejects.csv" || [ $? -eq 3 ]
    } >"$W/build.log" 2>&1 || { echo "bench: building $DB failed:" >&2; tail -n 20 "$W/build.log" >&2; exit 1; }
    t0="$EPOCHREALTIME"
    "$DEMINE" generate "$DB" casualties --victims "$VICTIMS" --seed "$SEED" 2>"$W/gen.log" ||
        { echo "bench: generating failed:" >&2; cat "$W/gen.log" >&2; exit 1; }
    t1="$EPOCHREALTIME"
    cat "$W/gen.log" >&2
    gen_secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    printf '%s\n%s\n' "$key" "$gen_secs" >"$DB.key"
fi
nacc="$(sqlite3 "$DB" "SELECT count(*) FROM accidents")"
nvic="$(sqlite3 "$DB" "SELECT count(*) FROM victims")"

# ---------------------------------------------------------------- queries
# name | demine options | since | until | dimensions (comma: crossed)
QUERIES=(
    "total||||"
    "since 2010|--since 2010-01-01|2010-01-01||"
    "by year|--by year|||year"
    "by admin|--by admin|||admin"
    "by sex|--by sex|||sex"
    "by year,sex|--by year,sex|||year,sex"
    "by month 2005-2015|--by month --since 2005-01-01 --until 2015-12-31|2005-01-01|2015-12-31|month"
)

# The key of one dimension, as demine writes it ('unknown' when not known).
key_sql() {
    case "$1" in
        year) echo "coalesce(substr(CAST(a.date AS TEXT), 1, 4), 'unknown')" ;;
        month) echo "coalesce(substr(CAST(a.date AS TEXT), 1, 7), 'unknown')" ;;
        admin) echo "coalesce(nullif(a.admin_code, ''), 'unknown')" ;;
        sex) echo "CASE WHEN v.sex IN ('f', 'm') THEN v.sex ELSE 'unknown' END" ;;
        *) echo "bench: no SQL for dimension $1" >&2; exit 2 ;;
    esac
}

# The figures, in demine's JSON names, as SQL over the join j (v, a).
FIGURES="count(*) AS casualties,
 sum(CASE WHEN v.status = 'killed' THEN 1 ELSE 0 END) AS killed,
 sum(CASE WHEN v.status = 'injured' THEN 1 ELSE 0 END) AS injured,
 sum(CASE WHEN coalesce(v.status, '') = '' THEN 1 ELSE 0 END) AS unknown_status,
 count(DISTINCT a.code) AS incidents,
 sum(CASE WHEN v.age < 18 OR (v.age IS NULL AND v.age_group = 'child') THEN 1 ELSE 0 END) AS children,
 sum(CASE WHEN v.age >= 18 OR (v.age IS NULL AND v.age_group = 'adult') THEN 1 ELSE 0 END) AS adults,
 sum(CASE WHEN v.age IS NULL AND coalesce(v.age_group, '') = '' THEN 1 ELSE 0 END) AS unknown_age,
 sum(CASE WHEN v.sex = 'f' THEN 1 ELSE 0 END) AS female,
 sum(CASE WHEN v.sex = 'm' THEN 1 ELSE 0 END) AS male,
 sum(CASE WHEN coalesce(v.sex, '') IN ('', 'u') THEN 1 ELSE 0 END) AS unknown_sex,
 sum(CASE WHEN v.\"group\" = 'civilian' THEN 1 ELSE 0 END) AS civilian,
 sum(CASE WHEN v.\"group\" = 'deminer' THEN 1 ELSE 0 END) AS deminer,
 sum(CASE WHEN v.\"group\" = 'military' THEN 1 ELSE 0 END) AS military,
 sum(CASE WHEN coalesce(v.\"group\", '') IN ('', 'unknown') THEN 1 ELSE 0 END) AS unknown_group"

# sql ENGINE SINCE UNTIL DIMS: one statement giving the totals (key '*') and
# the groups. SQLite has no GROUPING SETS: totals and groups are two SELECTs.
sql() {
    local engine="$1" since="$2" until="$3" dims="$4" where key="" d
    where="v.state = 'approved' AND a.state = 'approved'"
    [ -n "$since" ] && where="$where AND a.date >= '$since'"
    [ -n "$until" ] && where="$where AND a.date <= '$until'"
    local from="FROM victims v JOIN accidents a ON a.code = v.accident_code WHERE $where"
    if [ -z "$dims" ]; then
        echo "SELECT '*' AS key, $FIGURES $from"
        return
    fi
    local -a ks=()
    IFS=',' read -r -a ds <<<"$dims"
    for d in "${ds[@]}"; do ks+=("$(key_sql "$d")"); done
    if [ "${#ks[@]}" -eq 1 ]; then key="${ks[0]}"; else key="${ks[0]} || '|' || ${ks[1]}"; fi
    if [ "$engine" = postgres ]; then
        local gk
        gk="$(IFS=,; echo "${ks[*]}")"
        echo "SELECT CASE WHEN grouping($gk) <> 0 THEN '*' ELSE $key END AS key, $FIGURES $from GROUP BY GROUPING SETS ((), ($gk)) ORDER BY 1"
    else
        echo "SELECT '*' AS key, $FIGURES $from UNION ALL SELECT $key AS key, $FIGURES $from GROUP BY 1"
    fi
}

one_line() { tr '\n' ' ' | tr -s ' '; }

# ---------------------------------------------------------------- PostgreSQL
# shellcheck source=tests/support/pgserver.sh
source "$ROOT/tests/support/pgserver.sh"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_start "$PORT" # stops at exit (its EXIT trap runs ours too)
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

# The two tables without the point geometry (no query here uses it), with
# SQLite's column types mapped to PostgreSQL's.
pg_columns() {  # TABLE -> "name type, ..." and the column list
    sqlite3 -separator '|' "$DB" "PRAGMA table_info(\"$1\")" | awk -F'|' '
        $3 == "POINT" || $3 == "GEOMETRY" { next }
        {
            t = toupper($3)
            pt = (t ~ /INT|BOOLEAN/) ? "bigint" : (t == "DATE") ? "date" : (t ~ /REAL|DOUBLE/) ? "double precision" : "text"
            def = def sep "\"" $2 "\" " pt; cols = cols sep "\"" $2 "\""; sep = ", "
        }
        END { print def; print cols }'
}
load_start="$EPOCHREALTIME"
for table in accidents victims; do
    mapfile -t spec < <(pg_columns "$table")
    "${PSQL[@]}" -c "CREATE TABLE $table (${spec[0]})"
    sqlite3 -csv "$DB" "SELECT ${spec[1]} FROM \"$table\"" |
        "${PSQL[@]}" -c "\\copy $table FROM STDIN WITH (FORMAT csv)"
done
"${PSQL[@]}" <<'SQL'
CREATE UNIQUE INDEX accidents_code ON accidents (code);
CREATE INDEX accidents_state ON accidents (state);
CREATE INDEX victims_accident_code ON victims (accident_code);
CREATE INDEX victims_state ON victims (state);
VACUUM ANALYZE accidents;
VACUUM ANALYZE victims;
SQL
load_secs="$(awk -v a="$load_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
pg_rows="$("${PSQL[@]}" -At -c "SELECT (SELECT count(*) FROM accidents) || ' ' || (SELECT count(*) FROM victims)")"
if [ "$pg_rows" != "$nacc $nvic" ]; then
    echo "bench: PostgreSQL holds $pg_rows rows, the GeoPackage $nacc $nvic" >&2
    exit 1
fi

# ---------------------------------------------------------------- check, then time
no_cache=""
if "$DEMINE" stats "$DB" casualties --json --no-cache >/dev/null 2>&1; then
    no_cache=1
fi
mismatch=0
declare -a rows=()
i=0
for spec in "${QUERIES[@]}"; do
    IFS='|' read -r name opts since until dims <<<"$spec"
    i=$((i + 1))
    read -r -a dopts <<<"$opts"
    s_sql="$(sql sqlite "$since" "$until" "$dims" | one_line)"
    p_sql="$(sql postgres "$since" "$until" "$dims" | one_line)"
    d_cmd="$(q "$DEMINE") stats $(q "$DB") casualties $opts --json"
    s_cmd="sqlite3 -readonly -csv -header $(q "$DB") $(q "$s_sql")"
    p_cmd="psql -X -q --csv -c $(q "$p_sql")"

    # the figures of each, compared
    "$DEMINE" stats "$DB" casualties "${dopts[@]}" --json >"$W/$i.demine.json"
    if [ -n "$no_cache" ]; then
        "$DEMINE" stats "$DB" casualties "${dopts[@]}" --json --no-cache >"$W/$i.nocache.json"
    fi
    sqlite3 -readonly -csv -header "$DB" "$s_sql" >"$W/$i.sqlite.csv"
    psql -X -q --csv -c "$p_sql" >"$W/$i.pg.csv"
    if ! python3 - "$name" "$W/$i" <<'PY'; then
import csv, json, os, sys
name, base = sys.argv[1], sys.argv[2]
FIELDS = ["casualties", "killed", "injured", "unknown_status", "incidents", "children",
          "adults", "unknown_age", "female", "male", "unknown_sex", "civilian", "deminer",
          "military", "unknown_group"]

def from_json(path):
    d = json.load(open(path))
    out = {"*": {f: int(d.get(f, -1)) for f in FIELDS}}
    for g in d.get("groups", []):
        out[g["key"]] = {f: int(g.get(f, -1)) for f in FIELDS}
    return out

def from_csv(path):
    out = {}
    for r in csv.DictReader(open(path)):
        out[r["key"]] = {f: int(r[f] or 0) for f in FIELDS}
    return out

ref = from_csv(base + ".sqlite.csv")
others = [("demine", from_json(base + ".demine.json")), ("PostgreSQL", from_csv(base + ".pg.csv"))]
if os.path.exists(base + ".nocache.json"):
    others.append(("demine --no-cache", from_json(base + ".nocache.json")))
bad = 0
for label, got in others:
    for key in sorted(set(ref) | set(got)):
        a, b = ref.get(key), got.get(key)
        if a is None or b is None:
            print(f"MISMATCH {name}: group {key!r} only in {'SQLite' if b is None else label}")
            bad += 1
            continue
        for f in FIELDS:
            if a[f] != b[f]:
                print(f"MISMATCH {name}: {label} {key!r} {f} = {b[f]}, SQLite SQL = {a[f]}")
                bad += 1
ngroups = len(ref) - 1
if not bad:
    print(f"bench: {name}: demine, SQLite and PostgreSQL agree "
          f"({ngroups} groups, {ref['*']['casualties']:,} casualties)", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
        mismatch=1
        continue
    fi

    names=(-n demine "$d_cmd")
    [ -n "$no_cache" ] && names+=(-n "demine --no-cache" "$d_cmd --no-cache")
    names+=(-n sqlite "$s_cmd" -n postgres "$p_cmd")
    hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/$i.time.json" \
        "${names[@]}" >/dev/null 2>"$W/$i.time.err" ||
        { echo "bench: timing '$name' failed:" >&2; cat "$W/$i.time.err" >&2; exit 1; }
    row="$(python3 - "$name" "$opts" "$W/$i.time.json" <<'PY'
import json, sys
name, opts, path = sys.argv[1], sys.argv[2], sys.argv[3]
r = {x["command"]: x for x in json.load(open(path))["results"]}
def ms(k):
    return r[k]["mean"] * 1000 if k in r else None
def f(v):
    return "—" if v is None else f"{v:,.1f}"
def ratio(a, b):
    return "—" if a is None or b is None or b <= 0 else f"{a / b:.1f}"
d, n, s, p = ms("demine"), ms("demine --no-cache"), ms("sqlite"), ms("postgres")
opts = f"`{opts}`" if opts else "(totals)"
print(f"| {name} | {opts} | {f(d)} | {f(n)} | {f(s)} | {f(p)} | {ratio(s, d)} | {ratio(p, d)} | {ratio(p, n)} |")
PY
)"
    echo "$row" >&2
    rows+=("$row")
done
if [ "$mismatch" -ne 0 ]; then
    echo "bench: the figures differ (MISMATCH lines above); README not changed" >&2
    exit 1
fi

# ---------------------------------------------------------------- README
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
pgver="$(psql -X -At -c 'SHOW server_version' | awk '{print $1}')"
fmt() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
section="$W/section.md"
{
    echo "Generated by \`bench/casualties.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
    echo
    echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; load average $load_begin at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at the end."
    echo "Versions: $("$DEMINE" --version | head -n1); SQLite $(sqlite3 --version | awk '{print $1}'); PostgreSQL $pgver; $(hyperfine --version)."
    echo "Data: $(fmt "$nvic") synthetic victims in $(fmt "$nacc") incidents (\`demine generate\`, seed $SEED: ${gen_secs} s), on the BiH hazards and municipalities; PostgreSQL load, indexes and VACUUM ANALYZE ${load_secs} s."
    echo "Timing: hyperfine, mean of $RUNS runs after $WARMUP warm-up run(s), in ms, each a whole command (process start, connection, query, output)."
    echo "Figures: demine, the SQLite SQL and the PostgreSQL SQL agree on every number of every query."
    echo
    echo "| query | demine options | demine (ms) | demine --no-cache (ms) | SQLite SQL (ms) | PostgreSQL (ms) | SQLite / demine | PostgreSQL / demine | PostgreSQL / demine --no-cache |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} >"$section"

if [ "$VICTIMS" != 1000000 ]; then
    cat "$section"
    echo "bench: $VICTIMS victims, not 1,000,000: README not changed" >&2
    exit 0
fi
python3 "$HERE/readme_section.py" "$README" casualties "$section"
cat "$section"
