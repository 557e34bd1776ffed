#!/usr/bin/env bash
# The monthly report and the factsheet (PDF) on the BiH demo database plus
# 100,000 synthetic victims: wall and CPU time of the whole command, median
# of several runs, against the targets of issue 18 (monthly under 3 s,
# factsheet under 1 s). Rewrites the report section of bench/README.md.
#
# usage: bash bench/report.sh
#
# Environment (all optional):
#   DEMINE     demine binary (default: build/demine, built first)
#   BEFORE     another demine binary (an older build) timed the same way on
#              the same database, for the before / now column; its reports
#              must hold the same figures (every number of the pdftotext, in
#              order) as DEMINE's
#   REPORT_DB  the database (default: build/bench/report-demo-100k.gpkg);
#              reused when made by the same demo builder and generator
#   RUNS       timed runs per command (default 7), after one warm-up run
#
# There is no other program that writes these documents, so there is no
# peer: the figures are absolute times, and the parts of the monthly report
# (the same library calls as separate commands) show where the time goes.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
README="$HERE/README.md"
RUNS="${RUNS:-7}"
VICTIMS=100000
SEED=1
MONTH=2025-04
SINCE=2020-11-10
TODAY=2025-06-30
DB="${REPORT_DB:-$ROOT/build/bench/report-demo-100k.gpkg}"

for tool in python3 pdftotext pdfinfo sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: $tool is needed (scripts/install-deps.sh)" >&2
        exit 2
    fi
done

if [ -z "${DEMINE:-}" ]; then
    echo "bench: building build/demine" >&2
    cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$ROOT/build" -j2 --target demine >/dev/null
    DEMINE="$ROOT/build/demine"
fi
DEMINE="$(realpath "$DEMINE")"
[ -n "${BEFORE:-}" ] && BEFORE="$(realpath "$BEFORE")"

load_begin="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

# ---------------------------------------------------------------- database
# Reused while the demo builder, the generator, the schema and the data are
# the same (its key file says what made it).
key="demo + victims=$VICTIMS seed=$SEED"
key="$key $(cat "$ROOT/src/cli/cmd_demo.c" "$ROOT/src/io/synthetic.c" "$ROOT/src/store/gpkg_schema.c" \
    "$ROOT"/data/bih/*.geojson | sha256sum | cut -c1-16)"
if [ -f "$DB" ] && [ -f "$DB.key" ] && [ "$(head -n1 "$DB.key")" = "$key" ]; then
    echo "bench: reusing $DB" >&2
else
    echo "bench: building $DB (demo, then $VICTIMS victims)" >&2
    mkdir -p "$(dirname "$DB")"
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key"
    (cd "$ROOT" && "$DEMINE" demo --out "$DB" >"$W/demo.log" 2>&1) ||
        { echo "bench: demine demo failed:" >&2; tail -n 20 "$W/demo.log" >&2; exit 1; }
    "$DEMINE" generate "$DB" casualties --victims "$VICTIMS" --seed "$SEED" >"$W/gen.log" 2>&1 ||
        { echo "bench: generating failed:" >&2; cat "$W/gen.log" >&2; exit 1; }
    echo "$key" >"$DB.key"
fi
nacc="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM accidents").fetchone()[0])' "$DB")"
nvic="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM victims").fetchone()[0])' "$DB")"
nhaz="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM hazards").fetchone()[0])' "$DB")"
nrel="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM releases").fetchone()[0])' "$DB")"

# ---------------------------------------------------------------- check
# The reports are made once and looked at before anything is timed: the
# monthly report has 5 pages and the factsheet 1, and both hold the
# casualty total of `stats --json` for their period; BEFORE's reports hold
# the same numbers, in the same order (their wording may differ).
MONTHLY=(report "$DB" monthly --month "$MONTH" --since "$SINCE" --today "$TODAY")
FACTSHEET=(report "$DB" factsheet --since "$SINCE" --today "$TODAY")
m_end="$(python3 -c 'import calendar, sys; y, m = map(int, sys.argv[1].split("-")); print(f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}")' "$MONTH")"
bad=0
for who in now before; do
    bin="$DEMINE"
    if [ "$who" = before ]; then
        [ -n "${BEFORE:-}" ] || continue
        bin="$BEFORE"
    fi
    "$bin" "${MONTHLY[@]}" --out "$W/monthly.$who.pdf" >/dev/null
    "$bin" "${FACTSHEET[@]}" --out "$W/factsheet.$who.pdf" >/dev/null
    pdftotext -layout "$W/monthly.$who.pdf" "$W/monthly.$who.txt"
    pdftotext -layout "$W/factsheet.$who.pdf" "$W/factsheet.$who.txt"
done
"$DEMINE" stats "$DB" casualties --since "$SINCE" --until "$m_end" --json >"$W/c_month.json"
"$DEMINE" stats "$DB" casualties --since "$SINCE" --until "$TODAY" --json >"$W/c_facts.json"
python3 - "$W" <<'PY' || bad=1
import json, subprocess, sys
w = sys.argv[1]
def pages(p):
    out = subprocess.run(["pdfinfo", p], capture_output=True, text=True).stdout
    return int(next(l.split()[1] for l in out.splitlines() if l.startswith("Pages:")))
def has(txt, n):
    return f"{n:,}" in open(txt, encoding="utf-8").read()
ok = True
for name, want, fig in (("monthly", 5, "c_month"), ("factsheet", 1, "c_facts")):
    n = json.load(open(f"{w}/{fig}.json"))["casualties"]
    if pages(f"{w}/{name}.now.pdf") != want:
        print(f"MISMATCH {name}: {pages(f'{w}/{name}.now.pdf')} pages, not {want}"); ok = False
    if not has(f"{w}/{name}.now.txt", n):
        print(f"MISMATCH {name}: the casualty total {n:,} of stats --json is not in its text"); ok = False
sys.exit(0 if ok else 1)
PY
numbers() { grep -o '[0-9][0-9,.]*' "$1"; }
if [ -n "${BEFORE:-}" ]; then
    for r in monthly factsheet; do
        if ! diff <(numbers "$W/$r.before.txt") <(numbers "$W/$r.now.txt") >"$W/$r.diff"; then
            echo "MISMATCH $r: the numbers differ from BEFORE's report (< BEFORE, > now):" >&2
            head -n 20 "$W/$r.diff" >&2
            bad=1
        fi
    done
fi
if [ "$bad" -ne 0 ]; then
    echo "bench: the reports are not right (MISMATCH lines above); README not changed" >&2
    exit 1
fi

# ---------------------------------------------------------------- time
# name|binary|arguments (one per line, NUL-free); each timed as a whole
# command: wall time and CPU time (user + system of the process and its
# threads, from wait4), median of RUNS runs after one warm-up run.
timings="$W/timings.tsv"
: >"$timings"
time_cmd() {  # LABEL BINARY ARGS...
    local label="$1"
    shift
    python3 - "$RUNS" "$label" "$@" >>"$timings" <<'PY'
import os, statistics, subprocess, sys, time
runs, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
walls, cpus = [], []
for i in range(runs + 1):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):  # 3: check found something, as expected
        sys.exit(f"bench: {' '.join(cmd)} exited with {code}")
    if i:  # the first run warms the caches
        walls.append(wall)
        cpus.append(ru.ru_utime + ru.ru_stime)
print(f"{label}\t{statistics.median(walls):.3f}\t{statistics.median(cpus):.3f}")
PY
}
time_cmd "monthly" "$DEMINE" "${MONTHLY[@]}" --out "$W/t.pdf"
time_cmd "factsheet" "$DEMINE" "${FACTSHEET[@]}" --out "$W/t.pdf"
if [ -n "${BEFORE:-}" ]; then
    time_cmd "monthly before" "$BEFORE" "${MONTHLY[@]}" --out "$W/t.pdf"
    time_cmd "factsheet before" "$BEFORE" "${FACTSHEET[@]}" --out "$W/t.pdf"
fi
# the parts of the monthly report, each as the command that runs the same
# library call (plus its own process start and output)
time_cmd "start" "$DEMINE" --version
time_cmd "lr" "$DEMINE" stats "$DB" landrelease --by admin --json
time_cmd "check" "$DEMINE" check "$DB" --json
time_cmd "ccheck" "$DEMINE" casualties check "$DB" --json
time_cmd "cas" "$DEMINE" stats "$DB" casualties --since "$SINCE" --until "$m_end" --by admin --json
cat "$timings" >&2

# ---------------------------------------------------------------- README
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
section="$W/section.md"
python3 - "$timings" "$section" "$RUNS" "${BEFORE:+1}" <<PY
import sys
rows = {}
for line in open(sys.argv[1]):
    label, wall, cpu = line.rstrip("\n").split("\t")
    rows[label] = (float(wall), float(cpu))
out, runs, before = sys.argv[2], int(sys.argv[3]), bool(sys.argv[4])
def fmt(v): return f"{v:.2f}"
L = []
L.append("Generated by \`bench/report.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit.")
L.append("")
L.append("Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; load average $load_begin at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at the end.")
L.append("Version: $("$DEMINE" --version | head -n1)" + ("; before: $( [ -n "${BEFORE:-}" ] && "$BEFORE" --version | head -n1 ) (\`BEFORE\`), whose reports hold the same figures" if before else "") + ".")
L.append(f"Data: the BiH demo (\`demine demo\`) plus \`demine generate DB casualties --victims $VICTIMS --seed $SEED\`: {$nvic:,} victims in {$nacc:,} incidents, {$nhaz:,} hazards, {$nrel:,} releases.")
L.append(f"Timing: each a whole command (process start, reading, computing, writing the PDF), median of {runs} runs after one warm-up run; CPU is user + system time of the process and its threads.")
L.append("Commands: \`demine report DB monthly --month $MONTH --since $SINCE\` (5 pages) and \`demine report DB factsheet --since $SINCE\` (1 page), both with \`--today $TODAY\`.")
L.append("")
head = "| report | wall (s) | CPU (s) | target (wall) | met |"
sep = "|---|---:|---:|---:|---|"
if before:
    head = "| report | wall (s) | CPU (s) | before: wall (s) | before: CPU (s) | before / now (CPU) | target (wall) | met |"
    sep = "|---|---:|---:|---:|---:|---:|---:|---|"
L += [head, sep]
for name, target in (("monthly", 3.0), ("factsheet", 1.0)):
    w, c = rows[name]
    met = "yes" if w < target else "**no**"
    if before:
        bw, bc = rows[name + " before"]
        L.append(f"| {name} | {fmt(w)} | {fmt(c)} | {fmt(bw)} | {fmt(bc)} | {bc / c:.1f} | < {target:g} s | {met} |")
    else:
        L.append(f"| {name} | {fmt(w)} | {fmt(c)} | < {target:g} s | {met} |")
L.append("")
L.append("Where the time goes: the library calls of the monthly report, each timed as its own command (which adds a process start and its output):")
L.append("")
L.append("| part | command | wall (s) | CPU (s) |")
L.append("|---|---|---:|---:|")
for label, what, cmd in (("start", "process start (loading GDAL, PROJ, GEOS, cairo, Pango)", "demine --version"),
                         ("lr", "land release, once for both groupings", "stats DB landrelease --by admin --json"),
                         ("check", "the database checks of the data-quality page", "check DB --json"),
                         ("ccheck", "the casualty checks of the data-quality page", "casualties check DB --json"),
                         ("cas", "one of the seven casualty queries", "stats DB casualties ... --by admin --json")):
    w, c = rows[label]
    L.append(f"| {what} | \`{cmd}\` | {fmt(w)} | {fmt(c)} |")
open(out, "w", encoding="utf-8").write("\n".join(L) + "\n")
PY

python3 "$HERE/readme_section.py" "$README" report "$section"
cat "$section"
