# End-to-end test of the reports, charts and XLSX output on the demo
# database (real BiH hazards and releases, synthetic casualties and EO
# items): the text of each PDF (pdftotext) holds exactly the numbers
# `demine stats --json` gives for the same period and scope, in the number
# format of each language; the pages render (pdftoppm) non-blank and as many
# as expected; the fonts are embedded and the az and ru reports carry their
# own letters; the XLSX files, read back by openpyxl (not the writer), hold
# the same numbers; bad input is refused (exit 2) with nothing written.
# usage: report.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"
for c in pdftotext pdftoppm pdffonts pdfinfo sqlite3; do
    command -v $c >/dev/null || { echo "FAIL $c is needed (scripts/install-deps.sh)"; exit 1; }
done
"$PY" -c 'import openpyxl' 2>/dev/null || { echo "FAIL python3-openpyxl is needed"; exit 1; }

DB="$T/demo.gpkg"
expect_exit "demo builds the demo database" 0 "$DEMINE" demo --out "$DB" --data "$ROOT/data"
I18N="$ROOT/data/i18n"
MONTH=2025-04
SINCE=2020-11-10
TODAY=2025-06-30

# ---- the figures as the statistics give them ----
st() { "$DEMINE" stats "$DB" "$@"; }
st casualties --since 2025-04-01 --until 2025-04-30 --json >"$T/c_month.json"
st casualties --since $SINCE --until 2025-04-30 --json >"$T/c_since.json"
st casualties --since 2025-04-01 --until 2025-04-30 --by admin --json >"$T/c_month_admin.json"
st casualties --since 2025-04-01 --until 2025-04-30 --by device --json >"$T/c_month_device.json"
st casualties --since $SINCE --until 2025-04-30 --by device --json >"$T/c_since_device.json"
st casualties --since $SINCE --until $TODAY --json >"$T/c_facts.json"
st landrelease --by month --json >"$T/lr_month.json"
st landrelease --json >"$T/lr.json"
st items --by category --json >"$T/items.json"
check "the statistics answer" test -s "$T/items.json"

# ---- reports in three languages ----
for lang in en az ru; do
    expect_exit "monthly report ($lang)" 0 "$DEMINE" report "$DB" monthly --month $MONTH --since $SINCE \
        --lang $lang --today $TODAY --out "$T/april.$lang.pdf"
    expect_exit "factsheet ($lang)" 0 "$DEMINE" report "$DB" factsheet --since $SINCE --lang $lang \
        --today $TODAY --out "$T/facts.$lang.pdf"
    pdftotext -layout "$T/april.$lang.pdf" "$T/april.$lang.txt"
    pdftotext -layout "$T/facts.$lang.pdf" "$T/facts.$lang.txt"
    check "monthly report ($lang) has 5 pages" test "$(pdfinfo "$T/april.$lang.pdf" | awk '/^Pages:/ {print $2}')" = 5
    check "factsheet ($lang) has 1 page" test "$(pdfinfo "$T/facts.$lang.pdf" | awk '/^Pages:/ {print $2}')" = 1
    check "every font of the monthly report ($lang) is embedded" \
        test "$(pdffonts "$T/april.$lang.pdf" | tail -n +3 | awk '$(NF-4) != "yes"' | wc -l)" = 0
    check "no text of the report ($lang) is missing from its translation" \
        bash -c "! grep -Eq '\\[[a-z]+\\.[A-Za-z0-9_.]+\\]' '$T/april.$lang.txt' '$T/facts.$lang.txt'"
    # every page rendered, none blank
    pdftoppm -gray -r 30 "$T/april.$lang.pdf" "$T/page.$lang"
    pdftoppm -gray -r 30 "$T/facts.$lang.pdf" "$T/fpage.$lang"
    check "every page of the $lang reports renders and is not blank" "$PY" - "$T" "$lang" <<'PYEOF'
import glob, sys
t, lang = sys.argv[1], sys.argv[2]
pages = sorted(glob.glob(f"{t}/page.{lang}-*.pgm")) + glob.glob(f"{t}/fpage.{lang}-*.pgm")
assert len(pages) == 6, pages
for p in pages:
    data = open(p, "rb").read()
    # binary PGM: P5 w h max, then the pixels
    parts = data.split(maxsplit=4)
    w, h = int(parts[1]), int(parts[2])
    pix = parts[4][-w * h:]
    dark = sum(1 for b in pix if b < 200)
    assert dark > 0.01 * w * h, (p, dark, w * h)
PYEOF
    check "the figures of the $lang monthly report and factsheet are those of stats --json" \
        "$PY" - "$T" "$lang" "$I18N" <<'PYEOF'
import json, re, sys
t, lang, i18n = sys.argv[1:4]
tr = json.load(open(f"{i18n}/reports.{lang}.json"))
dec, grp = tr["locale.decimal"], tr["locale.group"]
def norm(s):
    return s.replace("\u00a0", " ").replace("\u202f", " ")
def fint(v):
    s = f"{v:,}".replace(",", "\x00")
    return norm(s.replace("\x00", grp))
def fha(m2):
    s = f"{m2 / 1e4:,.1f}".replace(",", "\x00").replace(".", dec)
    return norm(s.replace("\x00", grp))
def J(name):
    return json.load(open(f"{t}/{name}.json"))
def rows(txt):
    """label -> list of cells of the lines of a -layout text"""
    out = {}
    for line in norm(open(txt).read()).splitlines():
        cells = [c for c in re.split(r"\s{2,}", line.strip()) if c]
        if len(cells) >= 2:
            out.setdefault(cells[0], []).append(cells[1:])
    return out
def has_row(r, label, values, where):
    label = norm(label)
    got = r.get(label)
    assert got, f"{where}: no line for {label!r}"
    assert any(g[:len(values)] == values for g in got), f"{where}: {label!r}: {got} != {values}"

R = rows(f"{t}/april.{lang}.txt")
cm, cs = J("c_month"), J("c_since")
keys = ["casualties", "killed", "injured", "unknown_status", "children", "adults", "unknown_age",
        "female", "male", "unknown_sex", "civilian", "deminer", "military", "unknown_group", "incidents"]
for k in keys:
    has_row(R, tr["cas." + k], [fint(cm[k]), fint(cs[k])], "monthly casualties")
md = {g["key"]: g["casualties"] for g in J("c_month_device")["groups"]}
for g in J("c_since_device")["groups"]:
    has_row(R, tr.get("device." + g["key"], g["key"]), [fint(md.get(g["key"], 0)), fint(g["casualties"])], "by device")
for g in J("c_month_admin")["groups"]:
    if g["casualties"]:
        has_row(R, f'{g["name"]} ({g["key"]})' if g["key"] != "unknown" else tr["fig.unknown_area"],
                [fint(g["casualties"]), fint(g["killed"]), fint(g["injured"]), fint(g["children"])], "by admin")
lrm = {g["key"]: g for g in J("lr_month")["groups"]}["2025-04"]["released_area_m2"]
lr = J("lr")
for k in ["cancelled", "reduced", "cleared", "total"]:
    has_row(R, tr["lr." + k], [fha(lrm[k]), fha(lr["released_area_m2"][k])], "land release")
has_row(R, tr["lr.remaining"], [tr["fig.not_applicable"], fha(lr["remaining_area_m2"])], "remaining")
has_row(R, tr["lr.recorded"], [tr["fig.not_applicable"], fha(lr["recorded_area_m2"])], "recorded")
it = J("items")
for g in it["groups"]:
    has_row(R, tr["eo." + g["key"]], [fint(g["item_records"]), fint(g["quantity"]), fint(g["destroyed"])], "items")
has_row(R, tr["fig.total"], [fint(it["item_records"]), fint(it["quantity"]), fint(it["destroyed"])], "items total")

F = rows(f"{t}/facts.{lang}.txt")
cf = J("c_facts")
for k in ["casualties", "killed", "injured", "unknown_status", "children", "female", "male",
          "civilian", "deminer", "military", "incidents"]:
    has_row(F, tr["cas." + k], [fint(cf[k])], "factsheet")
has_row(F, tr["lr.total_ha"], [fha(lr["released_area_m2"]["total"])], "factsheet released")
has_row(F, tr["lr.remaining_ha"], [fha(lr["remaining_area_m2"])], "factsheet remaining")
has_row(F, tr["items.destroyed"], [fint(it["destroyed"])], "factsheet destroyed")
PYEOF
done
check "no report holds a victim's name (the demo's are 'Synthetic Person N-M')" \
    bash -c "test \$(sqlite3 '$DB' \"SELECT count(*) FROM victims WHERE name LIKE 'Synthetic Person %'\") -gt 100 &&
             ! cat '$T'/april.*.txt '$T'/facts.*.txt | grep -q 'Synthetic Person'"
check "the az report has its own letters (ə ğ ş)" \
    bash -c "grep -q 'ə' '$T/april.az.txt' && grep -q 'ğ' '$T/april.az.txt' && grep -q 'ş' '$T/april.az.txt' && grep -q 'ə' '$T/facts.az.txt'"
check "the ru report has its own letters (ж щ)" \
    bash -c "grep -q 'ж' '$T/april.ru.txt' && grep -q 'щ' '$T/april.ru.txt' && grep -q 'ж' '$T/facts.ru.txt'"
check "the az and ru reports write 15.04.2025 dates and the en one 30 April 2025" \
    bash -c "grep -q '01.04.2025' '$T/april.az.txt' && grep -q '30.04.2025' '$T/april.ru.txt' && grep -q '30 April 2025' '$T/april.en.txt'"
check "the ru report writes 1 116,1 (decimal comma, space thousands)" \
    bash -c "sed 's/\xc2\xa0/ /g' '$T/april.ru.txt' | grep -q '[0-9] [0-9][0-9][0-9],[0-9]'"

# ---- charts ----
expect_exit "chart by month as SVG" 0 "$DEMINE" chart "$DB" casualties --by month --since $SINCE --until 2025-04-30 --out "$T/chart.svg"
expect_exit "chart by year as PNG" 0 "$DEMINE" chart "$DB" casualties --by year --out "$T/chart.png" --lang ru
expect_exit "chart as PDF" 0 "$DEMINE" chart "$DB" casualties --by year --out "$T/chart.pdf" --lang az
check "the SVG is well-formed XML" "$PY" - "$T/chart.svg" <<'PYEOF'
import sys, json, xml.etree.ElementTree as ET
ET.parse(sys.argv[1])  # well-formed
PYEOF
check "the PNG is a PNG image" bash -c "head -c 8 '$T/chart.png' | od -An -tx1 | grep -q '89 50 4e 47'"
expect_exit "chart by month as PDF (en)" 0 "$DEMINE" chart "$DB" casualties --by month --since $SINCE --until 2025-04-30 --out "$T/chart2.pdf"
check "the chart states the total of stats --json for the same dates" \
    grep -q "^$(json "$T/c_since.json" 'd["casualties"]') casualties in total" <(pdftotext "$T/chart2.pdf" -)
ALL=$(st casualties --json | "$PY" -c 'import json, sys; print(format(json.load(sys.stdin)["casualties"], ",").replace(",", " "))')
check "the az chart states the total of all records ($ALL) in its own number format" \
    bash -c "pdftotext '$T/chart.pdf' - | sed 's/\xc2\xa0/ /g' | grep -q 'Cəmi $ALL zərərçəkən'"

# ---- XLSX ----
expect_exit "export victims to XLSX" 0 "$DEMINE" export "$DB" victims "$T/victims.xlsx"
expect_exit "export hazards to XLSX" 0 "$DEMINE" export "$DB" hazards "$T/hazards.xlsx"
check "the XLSX exports hold every approved record, without names or addresses" "$PY" - "$T" "$DB" <<'PYEOF'
import sys, sqlite3, openpyxl
t, db = sys.argv[1:3]
con = sqlite3.connect(db)
for kind, table in (("victims", "victims"), ("hazards", "hazards")):
    ws = openpyxl.load_workbook(f"{t}/{kind}.xlsx", read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    codes = sorted(r[0] for r in rows[1:])
    want = sorted(c for (c,) in con.execute(f"SELECT code FROM {table} WHERE state = 'approved'"))
    assert codes == want, (kind, len(codes), len(want))
    if kind == "victims":
        assert "name" not in head and "address" not in head, head
        assert "person_id" in head
        i, a = head.index("age"), head.index("code")
        ages = dict(con.execute("SELECT code, age FROM victims WHERE state = 'approved'"))
        assert all(r[i] == ages[r[a]] for r in rows[1:])
    else:
        i = head.index("area_m2")
        assert all(isinstance(r[i], float) and r[i] > 0 for r in rows[1:])
PYEOF
for k in accidents activities admin-areas eo-items infrastructure minefield-records organisations releases settlements; do
    "$DEMINE" export "$DB" $k "$T/kind.$k.xlsx" 2>/dev/null
    check "export $k to XLSX: every approved record, read back by openpyxl" "$PY" - "$T/kind.$k.xlsx" "$DB" "${k//-/_}" <<'PYEOF'
import sqlite3, sys, openpyxl
path, db, table = sys.argv[1:4]
rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
want = sqlite3.connect(db).execute(f"SELECT count(*) FROM {table} WHERE state = 'approved'").fetchone()[0]
assert rows[0][0] == "code" and len(rows) - 1 == want, (len(rows) - 1, want)
PYEOF
done
expect_exit "export to XLSX refuses to overwrite without --force" 1 "$DEMINE" export "$DB" victims "$T/victims.xlsx"
expect_exit "export with --personal-data" 0 "$DEMINE" export "$DB" victims "$T/victims_p.xlsx" --personal-data
check "--personal-data adds the name column" "$PY" -c "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1],read_only=True).active; assert 'name' in next(ws.iter_rows(values_only=True))" "$T/victims_p.xlsx"
st casualties --by year,admin --json >"$T/c_ya.json"
expect_exit "stats casualties --by year,admin --xlsx" 0 "$DEMINE" stats "$DB" casualties --by year,admin --xlsx "$T/c_ya.xlsx"
expect_exit "stats landrelease --by admin --xlsx" 0 "$DEMINE" stats "$DB" landrelease --by admin --xlsx "$T/lr.xlsx"
st landrelease --by admin --json >"$T/lr_admin.json"
expect_exit "stats items --by category --xlsx" 0 "$DEMINE" stats "$DB" items --by category --xlsx "$T/items.xlsx"
check "the XLSX statistics hold the numbers of stats --json" "$PY" - "$T" <<'PYEOF'
import sys, json, math, openpyxl
t = sys.argv[1]
def sheet(name):
    ws = openpyxl.load_workbook(f"{t}/{name}.xlsx", read_only=True)["figures"]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]
h, rows = sheet("c_ya")
d = json.load(open(f"{t}/c_ya.json"))
counts = ["casualties", "killed", "injured", "unknown_status", "incidents", "children", "adults", "unknown_age",
          "female", "male", "unknown_sex", "civilian", "deminer", "military", "unknown_group", "settlements", "drafts"]
assert rows[0][0] == "total" and all(rows[0][h.index(k)] == d[k] for k in counts)
assert len(rows) == len(d["groups"]) + 1
for r, g in zip(rows[1:], d["groups"]):
    assert [r[0], r[1]] == g["keys"], (r, g["keys"])
    assert all(r[h.index(k)] == g[k] for k in counts), g["key"]
h, rows = sheet("lr")
d = json.load(open(f"{t}/lr_admin.json"))
def same(a, b):
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9))
for r, g in zip(rows, [d] + d["groups"]):
    assert same(r[h.index("hazard_area_m2")], g["hazard_area_m2"])
    for k in ["cancelled", "reduced", "cleared", "total"]:
        assert same(r[h.index(f"released_{k}_m2")], g["released_area_m2"][k]), (r[0], k)
    assert same(r[h.index("remaining_area_m2")], g["remaining_area_m2"])
    assert same(r[h.index("recorded_area_m2")], g["recorded_area_m2"])
assert len(rows) == len(d["groups"]) + 1
h, rows = sheet("items")
d = json.load(open(f"{t}/items.json"))
for r, g in zip(rows, [d] + d["groups"]):
    assert (r[2], r[3], r[4]) == (g["item_records"], g["quantity"], g["destroyed"]), r
PYEOF

# ---- the hazard map sheet ----
HZ=$(sqlite3 "$DB" "SELECT a.hazard_code FROM activities a JOIN hazards h ON h.code = a.hazard_code
                    WHERE h.state = 'approved' AND a.state = 'approved' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
check "the demo has a hazard with activities ($HZ)" test -n "$HZ"
for lang in en az ru; do
    expect_exit "hazard sheet $HZ ($lang)" 0 "$DEMINE" report "$DB" hazard "$HZ" --lang $lang --out "$T/hz.$lang.pdf"
    pdftotext -layout "$T/hz.$lang.pdf" "$T/hz.$lang.txt"
    check "the hazard sheet ($lang) misses no translation" bash -c "! grep -Eq '\\[[a-z_]+\\.[A-Za-z0-9_.]+\\]' '$T/hz.$lang.txt'"
done
"$DEMINE" export "$DB" hazards "$T/hz.geojson" 2>/dev/null
"$PY" - "$T/hz.geojson" "$HZ" >"$T/hz_points.txt" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d["features"] if f["properties"]["code"] == sys.argv[2]][0]
n = 0
g = f["geometry"]
polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
for poly in polys:
    for lon, lat in poly[0][:-1]:
        n += 1
        print(n, lon, lat)
PYEOF
ZONE=$("$PY" -c "import sys; xs=[float(l.split()[1]) for l in open(sys.argv[1])]; ys=[float(l.split()[2]) for l in open(sys.argv[1])]; print(32600 + int((sum(xs)/len(xs) + 180) // 6) + 1 if sum(ys) >= 0 else 32700 + int((sum(xs)/len(xs) + 180) // 6) + 1)" "$T/hz_points.txt")
awk '{print $2, $3}' "$T/hz_points.txt" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:$ZONE >"$T/hz_utm.txt"
check "the hazard sheet lists its turning points in lat/lon and UTM (EPSG:$ZONE, checked with gdaltransform), its area, activities and releases" \
    "$PY" - "$T" "$HZ" "$DB" "$ZONE" <<'PYEOF'
import json, re, sqlite3, sys
t, hz, db, zone = sys.argv[1:5]
txt = open(f"{t}/hz.en.txt").read()
assert f"EPSG:{zone}" in txt.replace("\n", " "), "zone"
pts = [l.split() for l in open(f"{t}/hz_points.txt")]
utm = [l.split() for l in open(f"{t}/hz_utm.txt")]
assert len(pts) >= 3 and len(utm) == len(pts), (len(pts), len(utm))
lines = [re.split(r"\s{2,}", l.strip()) for l in txt.splitlines()]
if len(pts) <= 60:
    for (n, lon, lat), (e, nn, _) in zip(pts, utm):
        want = [n, f"{float(lat):.6f}", f"{float(lon):.6f}", f"{float(e):.0f}", f"{float(nn):.0f}"]
        assert want in lines, want
con = sqlite3.connect(db)
for (code,) in con.execute("SELECT code FROM activities WHERE hazard_code = ? AND state = 'approved'", (hz,)):
    assert code in txt, code
for (code,) in con.execute("SELECT code FROM releases WHERE hazard_code = ? AND state = 'approved'", (hz,)):
    assert code in txt, code
import openpyxl
ws = openpyxl.load_workbook(f"{t}/hazards.xlsx", read_only=True).active
rows = list(ws.iter_rows(values_only=True))
h = rows[0]
area = [r[h.index("area_m2")] for r in rows[1:] if r[0] == hz][0]
assert any(l[:2] == ["Area (ha, geodesic)", f"{area / 1e4:,.1f}"] for l in lines), area
PYEOF

# a minefield record linked to the hazard: the sheet lists it with the mines
# `demine minefield predict` predicts
cp "$DB" "$T/mf.gpkg"
expect_exit "import a minefield record linked to $HZ" 0 "$DEMINE" import "$T/mf.gpkg" minefield-records \
    "$ROOT/tests/data/minefield/good.json" --set hazard_code="$HZ"
MR=$(sqlite3 "$T/mf.gpkg" "SELECT code FROM minefield_records LIMIT 1")
"$DEMINE" minefield predict "$T/mf.gpkg" "$MR" --out "$T/pred.geojson" --json >"$T/pred.json" 2>/dev/null
expect_exit "hazard sheet with a minefield record" 0 "$DEMINE" report "$T/mf.gpkg" hazard "$HZ" --out "$T/hz_mf.pdf"
check "the sheet lists $MR and its $(json "$T/pred.json" 'd["predicted"]') predicted mines" \
    "$PY" - "$T" "$MR" <<'PYEOF'
import json, re, subprocess, sys
t, mr = sys.argv[1:3]
p = json.load(open(f"{t}/pred.json"))
txt = subprocess.run(["pdftotext", "-layout", f"{t}/hz_mf.pdf", "-"], capture_output=True, text=True).stdout
line = [re.split(r"\s{2,}", l.strip()) for l in txt.splitlines() if l.strip().startswith(mr)][0]
assert line[2:4] == [f'{p["found"]:,}', f'{p["predicted"]:,}'], (line, p["found"], p["predicted"])
PYEOF

# ---- bad input: exit 2, nothing written ----
mkdir -p "$T/outdir"
bad() { # bad NAME EXPECTED-IN-MESSAGE ARGS...
    local name=$1 msg=$2
    shift 2
    expect_exit "$name is refused" 2 "$@"
    check "$name: the message says what is wrong" err_has "$msg"
    check "$name: nothing is left in the output folder" test -z "$(ls -A "$T/outdir")"
}
bad "month 2025-13" "YYYY-MM" "$DEMINE" report "$DB" monthly --month 2025-13 --out "$T/outdir/r.pdf"
bad "month April" "YYYY-MM" "$DEMINE" report "$DB" monthly --month April --out "$T/outdir/r.pdf"
bad "language xx" "no translation for language 'xx'" "$DEMINE" report "$DB" factsheet --lang xx --out "$T/outdir/r.pdf"
bad "language ../en" "2 or 3 letters" "$DEMINE" report "$DB" factsheet --lang ../en --out "$T/outdir/r.pdf"
bad "hazard HA-99999" "HA-99999" "$DEMINE" report "$DB" hazard HA-99999 --out "$T/outdir/r.pdf"
bad "since 31.02.2021" "since" "$DEMINE" report "$DB" factsheet --since 31.02.2021 --out "$T/outdir/r.pdf"
bad "chart to .gif" ".svg, .png or .pdf" "$DEMINE" chart "$DB" casualties --out "$T/outdir/c.gif"
touch "$T/afile"
bad "output under a file" "cannot write" "$DEMINE" report "$DB" factsheet --out "$T/afile/r.pdf"
bad "output in a folder that does not exist" "cannot write" "$DEMINE" report "$DB" monthly --month $MONTH --out "$T/none/r.pdf"
bad "output that is a folder" "folder" "$DEMINE" report "$DB" factsheet --out "$T/outdir"
# an incomplete translation is refused naming the key
mkdir -p "$T/data/i18n"
cp "$I18N"/*.json "$T/data/i18n/"
"$PY" -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); del d['cas.killed']; json.dump(d, open(p,'w'), ensure_ascii=False)" "$T/data/i18n/reports.az.json"
DEMINE_DATA="$T/data" expect_exit "an az translation without cas.killed is refused" 2 "$DEMINE" report "$DB" factsheet --lang az --out "$T/outdir/r.pdf"
check "the message names the missing key" err_has "cas.killed"
check "nothing is left in the output folder" test -z "$(ls -A "$T/outdir")"
# an existing report is replaced whole
echo old >"$T/outdir/keep.pdf"
expect_exit "a report replaces an existing file" 0 "$DEMINE" report "$DB" factsheet --out "$T/outdir/keep.pdf"
check "the replaced file is the new PDF, and no temporary file is left" \
    bash -c "head -c 4 '$T/outdir/keep.pdf' | grep -q '%PDF' && test \$(ls -A '$T/outdir' | wc -l) = 1"
finish
