# End-to-end test of the server's reports and workbooks on the demo
# database: /reports/monthly, /reports/factsheet, /reports/hazards/{code} and
# /reports/chart/casualties are, text for text (pdftotext), the documents
# `demine report` and `demine chart` make for the same scope, with the
# numbers of `demine stats --json`; casualty figures are suppressed (and say
# so) for roles without read_personal and exact for those with it; each
# role gets what the matrix gives it (401/403 otherwise); bad parameters are
# 400/404 problems naming the parameter; /collections/{kind}/items?f=xlsx
# holds exactly the records and properties of the JSON page (read back with
# openpyxl), and /stats/...?f=xlsx the workbook of `demine stats --xlsx`.
# usage: reports_http.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"
for c in pdftotext pdfinfo curl sqlite3; do
    command -v $c >/dev/null || { echo "FAIL $c is needed (scripts/install-deps.sh)"; exit 1; }
done
"$PY" -c 'import openpyxl' 2>/dev/null || { echo "FAIL python3-openpyxl is needed"; exit 1; }

DB="$T/demo.gpkg"
expect_exit "demo builds the demo database" 0 "$DEMINE" demo --out "$DB" --data "$ROOT/data"
add_users "$DB" viewer:viewer analyst:analyst editor:editor approver:approver
start_server "$DB" --threads 3
declare -A TOK
for u in viewer analyst editor approver; do TOK[$u]=$(token $u); done
check "the test users log in" test -n "${TOK[viewer]}" -a -n "${TOK[approver]}" -a -n "${TOK[analyst]}"
TODAY=$(date -u +%F)

# get WHO PATH OUT: the answer's body in OUT, its head in $T/headers, STATUS
get() {
    local who=$1 path=$2 out=$3
    local args=(-s -o "$out" -D "$T/headers")
    [ "$who" != - ] && args+=(-H "Authorization: Bearer ${TOK[$who]}")
    STATUS=$(curl "${args[@]}" -w '%{http_code}' "$URL$path")
}
header() { sed -n "s/^$1: *\(.*\)\r\$/\1/Ip" "$T/headers"; }
# same_text NAME A.pdf B.pdf: the two documents have the same text
same_text() {
    local name=$1
    pdftotext -layout "$2" "$2.txt" 2>/dev/null
    pdftotext -layout "$3" "$3.txt" 2>/dev/null
    if [ -s "$2.txt" ] && cmp -s "$2.txt" "$3.txt"; then ok "$name"; else
        fail "$name"
        diff "$2.txt" "$3.txt" | head -10 | sed 's/^/     /'
    fi
}
st() { "$DEMINE" stats "$DB" "$@"; }
rep() { "$DEMINE" report "$DB" "$@" 2>/dev/null; }

# ---- the monthly report: viewer (suppressed) and approver (exact) ----
MONTH=2025-04
get viewer "/reports/monthly?month=$MONTH" "$T/m.viewer.pdf"
check "monthly for a viewer: 200 application/pdf" test "$STATUS $(header Content-Type)" = "200 application/pdf"
check "monthly: saved as demine-monthly-2025-04-en.pdf" \
    test "$(header Content-Disposition)" = 'attachment; filename="demine-monthly-2025-04-en.pdf"'
check "monthly: 5 pages" test "$(pdfinfo "$T/m.viewer.pdf" | awk '/^Pages:/ {print $2}')" = 5
rep monthly --month $MONTH --min-cell 3 --out "$T/m.cli3.pdf"
same_text "the viewer's monthly report is the CLI's with --min-cell 3" "$T/m.cli3.pdf" "$T/m.viewer.pdf"
get approver "/reports/monthly?month=$MONTH&lang=en" "$T/m.approver.pdf"
rep monthly --month $MONTH --out "$T/m.cli.pdf"
same_text "the approver's monthly report is the CLI's, exact" "$T/m.cli.pdf" "$T/m.approver.pdf"
for lang in az ru; do
    get viewer "/reports/monthly?month=$MONTH&lang=$lang" "$T/m.$lang.pdf"
    check "monthly ($lang): saved as demine-monthly-2025-04-$lang.pdf" \
        test "$(header Content-Disposition)" = "attachment; filename=\"demine-monthly-2025-04-$lang.pdf\""
    rep monthly --month $MONTH --min-cell 3 --lang $lang --out "$T/m.cli.$lang.pdf"
    same_text "the viewer's $lang monthly report is the CLI's" "$T/m.cli.$lang.pdf" "$T/m.$lang.pdf"
done
check "the az report has its own letters (ə ğ ş)" \
    bash -c "grep -q 'ə' '$T/m.az.pdf.txt' && grep -q 'ğ' '$T/m.az.pdf.txt' && grep -q 'ş' '$T/m.az.pdf.txt'"
check "the ru report has its own letters (ж щ)" \
    bash -c "grep -q 'ж' '$T/m.ru.pdf.txt' && grep -q 'щ' '$T/m.ru.pdf.txt'"
get viewer "/reports/monthly?month=$MONTH" "$T/m.viewer2.pdf"
check "a second request is the kept answer, byte for byte" cmp -s "$T/m.viewer.pdf" "$T/m.viewer2.pdf"

M0=$MONTH-01 M1=$MONTH-30
st casualties --since $M0 --until $M1 --json >"$T/cm.json"
st casualties --until $M1 --json >"$T/cs.json"
st casualties --since $M0 --until $M1 --json --min-cell 3 >"$T/cm3.json"
# a protected report counts to date to the end of the last whole year only
# (to the month's end, two months' reports subtracted would be the month)
Y1=$((${MONTH%%-*} - 1))-12-31
st casualties --until $Y1 --json --min-cell 3 >"$T/cs3.json"
st casualties --since $M0 --until $M1 --by admin --json --min-cell 3 >"$T/cma3.json"
st casualties --until $Y1 --by admin --json --min-cell 3 >"$T/csa3.json"
st casualties --until $M1 --by admin --json >"$T/csa.json"
check "the monthly reports hold the casualty figures of stats --json: exact for the approver, suppressed for the viewer" \
    "$PY" - "$T" "$ROOT/data/i18n/reports.en.json" <<'PYEOF'
import json, re, sys
t = sys.argv[1]
tr = json.load(open(sys.argv[2]))
J = lambda n: json.load(open(f"{t}/{n}.json"))
def rows(txt):
    out = {}
    for line in open(txt).read().replace("\u00a0", " ").splitlines():
        cells = [c for c in re.split(r"\s{2,}", line.strip()) if c]
        if len(cells) >= 2:
            out.setdefault(cells[0], []).append(cells[1:])
    return out
def cell(d, k):
    return "s" if d.get("suppressed") else f"{d[k]:,}"
labels = {k: tr["cas." + k] for k in ("casualties", "killed", "injured", "children", "incidents")}
for who, m, s in (("approver", "cm", "cs"), ("viewer", "cm3", "cs3")):
    R = rows(f"{t}/m.{who}.pdf.txt")
    for k, label in labels.items():
        want = [cell(J(m), k), cell(J(s), k)]
        assert want in R.get(label, []), (who, label, R.get(label), want)
# the areas of the since-column table: the approver's top 20 are the exact
# ones; the viewer's leave out suppressed groups and count them
ex = sorted((g for g in J("csa")["groups"] if g["casualties"] and g["key"] != "unknown"),
            key=lambda g: -g["casualties"])[:5]
R = rows(f"{t}/m.approver.pdf.txt")
for g in ex:
    assert [f'{g["casualties"]:,}', f'{g["killed"]:,}', f'{g["injured"]:,}', f'{g["children"]:,}'] \
        in R.get(f'{g["name"]} ({g["key"]})', []), g
txt = open(f"{t}/m.viewer.pdf.txt").read()
assert "not shown (marked “s”)" in txt, "the viewer's report does not say why figures are missing"
hidden = [sum(1 for g in J(n)["groups"] if g["suppressed"]) for n in ("cma3", "csa3")]
said = [int(x) for x in re.findall(r"suppressed \(“s”\): (\d+)\.", txt)]
assert said == [h for h in hidden if h], (said, hidden)
assert sum(hidden) > 0, "the demo has no suppressed area: the test shows nothing"
assert "to 31 December" in txt and "the figures to date end with the last whole year" in re.sub(r"\s+", " ", txt), "the viewer's to-date figures"
atxt = open(f"{t}/m.approver.pdf.txt").read()
assert "the last whole year" not in re.sub(r"\s+", " ", atxt)
assert "marked “s”" not in atxt and "suppressed (“s”)" not in atxt
PYEOF

# ---- the factsheet: anonymous (suppressed, whole years) and approver ----
get - "/reports/factsheet?since=2021-01-01" "$T/f.anon.pdf"
check "factsheet for anyone: 200, saved as demine-factsheet-2021-01-01-en.pdf" \
    test "$STATUS $(header Content-Disposition)" = '200 attachment; filename="demine-factsheet-2021-01-01-en.pdf"'
rep factsheet --since 2021-01-01 --min-cell 3 --out "$T/f.cli3.pdf"
same_text "the anonymous factsheet is the CLI's with --min-cell 3" "$T/f.cli3.pdf" "$T/f.anon.pdf"
get approver "/reports/factsheet?since=2020-11-10&lang=ru" "$T/f.approver.pdf"
rep factsheet --since 2020-11-10 --lang ru --out "$T/f.cli.pdf"
same_text "the approver's factsheet (ru, since 10 November 2020) is the CLI's" "$T/f.cli.pdf" "$T/f.approver.pdf"
st casualties --since 2021-01-01 --until "$TODAY" --min-cell 3 --json >"$T/cf3.json"
st casualties --since 2020-11-10 --until "$TODAY" --json >"$T/cf.json"
check "the factsheets' headline figures are those of stats --json" "$PY" - "$T" <<'PYEOF'
import json, re, sys
t = sys.argv[1]
a = json.load(open(f"{t}/cf3.json"))
txt = re.sub(r"\s+", " ", open(f"{t}/f.anon.pdf.txt").read().replace("\u00a0", " "))
for k in ("casualties", "killed", "injured", "children"):
    assert f"{a[k]:,}" in txt, (k, a[k])
head = re.search(r"(\d[\d,]*) casualties of mines and explosive ordnance", txt)
assert head and head.group(1) == f'{a["casualties"]:,}', head
p = json.load(open(f"{t}/cf.json"))
ru = re.sub(r"\s+", " ", open(f"{t}/f.approver.pdf.txt").read().replace("\u00a0", " ").replace("\u202f", " "))
for k in ("casualties", "killed", "injured", "children"):
    assert f"{p[k]:,}".replace(",", " ") in ru, (k, p[k])
assert "ж" in ru
PYEOF
get - "/reports/factsheet?since=2020-11-10" "$T/body"
check "anonymous: a factsheet since a day that does not start a year is 400 naming since" \
    bash -c "test $STATUS = 400 && grep -q 'since=2020-11-10' '$T/body' && grep -q 'whole' '$T/body'"

# ---- the chart ----
get - "/reports/chart/casualties?by=year&format=pdf" "$T/c.anon.pdf"
check "chart as PDF: 200, saved as demine-casualties-by-year-en.pdf" \
    test "$STATUS $(header Content-Disposition)" = '200 attachment; filename="demine-casualties-by-year-en.pdf"'
"$DEMINE" chart "$DB" casualties --by year --min-cell 3 --out "$T/c.cli3.pdf" 2>/dev/null
same_text "the anonymous chart is the CLI's with --min-cell 3" "$T/c.cli3.pdf" "$T/c.anon.pdf"
check "the chart's total is that of stats --json" \
    grep -q "^$(st casualties --json | "$PY" -c 'import json,sys; print(format(json.load(sys.stdin)["casualties"], ","))') casualties in total" "$T/c.anon.pdf.txt"
get - "/reports/chart/casualties?by=month&since=2024-01-01&until=2024-12-31&format=pdf" "$T/c.small.pdf"
"$DEMINE" chart "$DB" casualties --by month --since 2024-01-01 --until 2024-12-31 --min-cell 3 --out "$T/c.small.cli.pdf" 2>/dev/null
same_text "a chart of a year with few casualties is the CLI's with --min-cell 3" "$T/c.small.cli.pdf" "$T/c.small.pdf"
N2024=$(st casualties --since 2024-01-01 --until 2024-12-31 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["casualties"])')
SUP2024=$(st casualties --since 2024-01-01 --until 2024-12-31 --min-cell 3 --json | "$PY" -c 'import json,sys; print(int(json.load(sys.stdin)["suppressed"]))')
check "... its total ($N2024, suppressed: $SUP2024) shows as 's' with the reason, never as the exact figure" \
    bash -c "test $SUP2024 = 1 && grep -q '^s casualties in total' '$T/c.small.pdf.txt' && grep -q 'marked “s”' '$T/c.small.pdf.txt'"
get approver "/reports/chart/casualties?by=month&since=2024-01-01&until=2024-12-31&format=pdf" "$T/c.small.exact.pdf"
pdftotext "$T/c.small.exact.pdf" "$T/c.small.exact.txt"
check "... and as $N2024 for the approver" grep -q "^$N2024 casualties in total" "$T/c.small.exact.txt"
get - "/reports/chart/casualties" "$T/c.svg"
check "chart by default: SVG by month (image/svg+xml), well-formed" \
    bash -c "test '$STATUS $(header Content-Type)' = '200 image/svg+xml' && '$PY' -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' '$T/c.svg'"
get - "/reports/chart/casualties?by=year&format=png&lang=az" "$T/c.png"
check "chart as PNG (image/png)" \
    bash -c "test '$STATUS $(header Content-Type)' = '200 image/png' && head -c 8 '$T/c.png' | od -An -tx1 | grep -q '89 50 4e 47'"

# ---- the hazard map sheet ----
HZ=$(sqlite3 "$DB" "SELECT code FROM hazards WHERE state = 'approved' ORDER BY code LIMIT 1")
get analyst "/reports/hazards/$HZ?lang=ru" "$T/h.analyst.pdf"
check "hazard sheet for an analyst: 200, saved as demine-hazard-$HZ-ru.pdf" \
    test "$STATUS $(header Content-Disposition)" = "200 attachment; filename=\"demine-hazard-$HZ-ru.pdf\""
rep hazard "$HZ" --lang ru --out "$T/h.cli.pdf"
same_text "the hazard sheet is the CLI's" "$T/h.cli.pdf" "$T/h.analyst.pdf"
for who in viewer editor; do
    get $who "/reports/hazards/$HZ" "$T/body"
    check "hazard sheet for a $who: 403 (it holds minefield records)" test "$STATUS" = 403
done
get - "/reports/hazards/$HZ" "$T/body"
check "hazard sheet for anyone without a login: 401" test "$STATUS" = 401
get analyst "/reports/hazards/HA-NO-SUCH" "$T/body"
check "an unknown hazard: 404 naming it" bash -c "test $STATUS = 404 && grep -q 'HA-NO-SUCH' '$T/body'"

# ---- who may have what, and bad parameters ----
get - "/reports/monthly?month=$MONTH" "$T/body"
check "monthly without a login: 401" test "$STATUS" = 401
bad() { # bad NAME WHO PATH STATUS WORD: a problem whose detail holds WORD
    get "$2" "$3" "$T/body"
    if [ "$STATUS" = "$4" ] && [ "$(header Content-Type)" = application/problem+json ] && grep -q -- "$5" "$T/body"; then
        ok "$1 ($STATUS)"
    else
        fail "$1 ($STATUS)"
        head -c 300 "$T/body" | sed 's/^/     /'
    fi
}
bad "a month that does not parse" viewer "/reports/monthly?month=2025-13" 400 "month=2025-13"
bad "no month" viewer "/reports/monthly?lang=en" 400 "month=YYYY-MM"
bad "a language without a translation file" viewer "/reports/monthly?month=$MONTH&lang=fr" 400 "lang=fr"
bad "... and the problem names the languages there are, not the server's paths" viewer \
    "/reports/factsheet?lang=de" 400 "az, en, ru"
check "... with no path in it" bash -c "! grep -q '/i18n' '$T/body'"
bad "a language code that is not one" - "/reports/factsheet?lang=EN!" 400 "lang="
bad "an unknown parameter" viewer "/reports/monthly?month=$MONTH&colour=red" 400 "colour"
bad "a repeated parameter" viewer "/reports/monthly?month=$MONTH&month=2025-05" 400 "month"
bad "a chart format that is not one" - "/reports/chart/casualties?format=gif" 400 "format=gif"
bad "a chart by week" - "/reports/chart/casualties?by=week" 400 "by=week"
bad "a date that is not one" approver "/reports/factsheet?since=2025-02-30" 400 "since"
bad "since after until" approver "/reports/factsheet?since=2025-01-01&until=2024-01-01" 400 "after"
bad "an unknown report" viewer "/reports/weekly" 404 "monthly, factsheet"
check "no report holds a victim's name (the demo's are 'Synthetic Person N-M')" \
    bash -c "test \$(sqlite3 '$DB' \"SELECT count(*) FROM victims WHERE name LIKE 'Synthetic Person %'\") -gt 100 &&
             ! cat '$T'/*.pdf.txt | grep -q 'Synthetic Person'"

# ---- XLSX: items as the JSON page, statistics as stats --xlsx ----
# xlsx_is_json NAME WHO QUERY-PATH: the workbook of PATH&f=xlsx holds the
# features of PATH's JSON page, in order, property for property
xlsx_is_json() {
    local name=$1 who=$2 path=$3
    get "$who" "$path" "$T/items.json"
    local s1=$STATUS
    get "$who" "$path&f=xlsx" "$T/items.xlsx"
    check "$name" "$PY" - "$T/items.json" "$T/items.xlsx" "$s1 $STATUS" "$(header Content-Type)" <<'PYEOF'
import datetime, json, sys, openpyxl
js, xl, status, ctype = sys.argv[1:5]
assert status == "200 200", status
assert ctype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ctype
feats = json.load(open(js))["features"]
rows = list(openpyxl.load_workbook(xl, read_only=True).active.iter_rows(values_only=True))
head, body = rows[0], rows[1:]
assert len(body) == len(feats) > 0, (len(body), len(feats))
props = set(feats[0]["properties"])
for row, f in zip(body, feats):
    got = dict(zip(head, row))
    assert got["code"] == f["id"], (got["code"], f["id"])
    for k, v in f["properties"].items():
        x = got[k]
        if isinstance(x, datetime.datetime):
            x = x.date().isoformat()
        if isinstance(v, bool):
            v = int(v)
        assert x == v or (isinstance(v, (int, float)) and x is not None and abs(x - v) < 1e-9), (f["id"], k, x, v)
# no column the JSON leaves out, but the position and the pseudonym
extra = set(head) - props - {"code", "lon", "lat", "area_m2", "person_id"}
assert not extra, extra
PYEOF
}
xlsx_is_json "victims as XLSX for a viewer: the JSON page's records (limit, offset), no personal fields" \
    viewer "/collections/victims/items?limit=40&offset=7"
check "... no name or address column" "$PY" -c "
import openpyxl, sys
h = next(openpyxl.load_workbook('$T/items.xlsx', read_only=True).active.iter_rows(values_only=True))
assert 'name' not in h and 'address' not in h and 'person_id' in h, h"
xlsx_is_json "victims as XLSX for an approver: with the personal fields, as the JSON" \
    approver "/collections/victims/items?limit=25&status=killed"
check "... the name column is there" "$PY" -c "
import openpyxl
h = next(openpyxl.load_workbook('$T/items.xlsx', read_only=True).active.iter_rows(values_only=True))
assert 'name' in h, h"
xlsx_is_json "hazards as XLSX for anyone: bbox, properties and a CQL2 filter as the JSON page" \
    - "/collections/hazards/items?bbox=17,43,19,45&properties=status,date_recorded&limit=500&filter=status%3D%27SHA%27"
get - "/collections/hazards/items?f=xlsx" "$T/body"
check "items as XLSX: saved as demine-hazards.xlsx" test "$(header Content-Disposition)" = 'attachment; filename="demine-hazards.xlsx"'
get - "/collections/victims/items?f=xlsx" "$T/body"
check "victims as XLSX without a login: 401" test "$STATUS" = 401
bad "items in a format that is not one" - "/collections/hazards/items?f=xls" 400 "f=xls"

# same_book NAME A.xlsx B.xlsx: the same sheets with the same cells
same_book() {
    check "$1" "$PY" - "$2" "$3" <<'PYEOF'
import sys, openpyxl
a, b = (openpyxl.load_workbook(p, read_only=True) for p in sys.argv[1:3])
assert a.sheetnames == b.sheetnames, (a.sheetnames, b.sheetnames)
for n in a.sheetnames:
    ra = list(a[n].iter_rows(values_only=True))
    rb = list(b[n].iter_rows(values_only=True))
    assert len(ra) > 1 and ra == rb, (n, ra[:3], rb[:3])
PYEOF
}
get - "/stats/casualties?by=year&f=xlsx" "$T/s.anon.xlsx"
check "stats as XLSX: 200, saved as demine-casualties.xlsx" \
    test "$STATUS $(header Content-Disposition)" = '200 attachment; filename="demine-casualties.xlsx"'
st casualties --by year --min-cell 3 --xlsx "$T/s.cli3.xlsx" >/dev/null
same_book "anonymous /stats/casualties?f=xlsx is stats --xlsx with --min-cell 3" "$T/s.cli3.xlsx" "$T/s.anon.xlsx"
get approver "/stats/casualties?by=year,admin&f=xlsx" "$T/s.appr.xlsx"
st casualties --by year,admin --xlsx "$T/s.cli.xlsx" >/dev/null
same_book "the approver's is the exact one" "$T/s.cli.xlsx" "$T/s.appr.xlsx"
get - "/stats/landrelease?by=admin&f=xlsx" "$T/s.lr.xlsx"
st landrelease --by admin --xlsx "$T/s.lr.cli.xlsx" >/dev/null
same_book "/stats/landrelease?f=xlsx is stats landrelease --xlsx" "$T/s.lr.cli.xlsx" "$T/s.lr.xlsx"
get - "/stats/items?by=category&f=xlsx" "$T/s.it.xlsx"
st items --by category --xlsx "$T/s.it.cli.xlsx" >/dev/null
same_book "/stats/items?f=xlsx is stats items --xlsx" "$T/s.it.cli.xlsx" "$T/s.it.xlsx"
bad "stats in a format that is not one" - "/stats/items?f=csv" 400 "f=csv"

# ---- the OpenAPI document lists them ----
curl -s "$URL/api" >"$T/api.json"
check "the OpenAPI document lists the reports and the xlsx formats" "$PY" - "$T/api.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in ("/reports/monthly", "/reports/factsheet", "/reports/hazards/{code}", "/reports/chart/casualties"):
    assert p in d["paths"], p
assert "xlsx" in d["components"]["parameters"]["fItems"]["schema"]["enum"]
assert "xlsx" in d["components"]["parameters"]["fStats"]["schema"]["enum"]
PYEOF
finish
