#!/usr/bin/env bash
# End-to-end: the items answers a table of records is made from, over the
# demo database: sortby (the whole set sorted before paging), the area_m2
# property of polygon kinds, and the victims by their accident (accident_code,
# accident_admin_code, datetime on the accident's date, the accident_* values
# each victim carries), with personal fields only for roles that read them.
# Every answer is worked out again from the GeoPackage with sqlite3 or from
# the unsorted answers with Python.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }
DB="$T/demo.gpkg"
"$DEMINE" demo --out "$DB" --force >/dev/null 2>&1 || { echo "FAIL demo database"; exit 1; }
add_users "$DB" vw:viewer ap:approver
start_server "$DB"
TV=$(token vw)
TA=$(token ap)
get() { # get TOKEN PATH OUT: the HTTP status on stdout
    curl -s -o "$3" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL$2"
}
same() {
    if [ "$2" = "$3" ]; then ok "$1"; else
        fail "$1"
        printf '     got:      %.300s\n     expected: %.300s\n' "$2" "$3"
    fi
}
codes() { json "$1" '",".join(f["id"] for f in d["features"])'; }

# --- sortby over the whole set ------------------------------------------
# every hazard with its area, in store order; then sorted here (ties in store
# order, as the server keeps them)
get "$TV" "/collections/hazards/items?limit=10000&properties=code,area_m2,name" "$T/all.json" >/dev/null
expected=$(json "$T/all.json" '",".join(f["id"] for f in sorted(d["features"], key=lambda f: -f["properties"]["area_m2"])[:25])')
get "$TV" "/collections/hazards/items?limit=25&sortby=-area_m2&properties=code,area_m2" "$T/s.json" >/dev/null
same "hazards sorted by area, largest first: the first page is the largest 25 of all" "$(codes "$T/s.json")" "$expected"
same "a sorted answer counts the whole set" "$(json "$T/s.json" 'd["numberMatched"]')" "$(json "$T/all.json" 'd["numberMatched"]')"
same "every hazard has an area_m2, a number of square metres from 0" "$(json "$T/all.json" 'all(f["properties"]["area_m2"] >= 0 for f in d["features"])')" "True"
# names ascending, unknown names last, then pages: the pages joined are the sort
cat >"$T/sort.py" <<'P'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["features"]
known = sorted([x for x in f if x["properties"]["name"] is not None],
               key=lambda x: x["properties"]["name"].encode())  # byte order, as strcmp
print(",".join(x["id"] for x in known + [x for x in f if x["properties"]["name"] is None]))
P
expected=$("$PY" "$T/sort.py" "$T/all.json")
got=""
for off in 0 3000 6000; do
    get "$TV" "/collections/hazards/items?limit=3000&offset=$off&sortby=name&properties=code,name" "$T/p.json" >/dev/null
    got="$got${got:+,}$(codes "$T/p.json")"
done
same "hazards by name over three pages equal the whole set sorted by name (unknown last)" "$(echo "$got" | md5sum)" "$(echo "$expected" | md5sum)"
# two keys: releases by method, then newest first
get "$TV" "/collections/releases/items?limit=10000&properties=code,method,date" "$T/rel.json" >/dev/null
expected=$(json "$T/rel.json" '",".join(f["id"] for f in sorted(sorted(d["features"], key=lambda f: f["properties"]["date"] or "", reverse=True), key=lambda f: f["properties"]["method"])[:40])')
get "$TV" "/collections/releases/items?limit=40&sortby=%2Bmethod,-date&properties=code,method,date" "$T/s.json" >/dev/null
same "releases by method, then the newest first" "$(codes "$T/s.json")" "$expected"

# the same order as a workbook (f=xlsx): its first column, the codes, read
# with the standard library (an XLSX is zipped XML: shared or inline strings)
cat >"$T/xlsx_col1.py" <<'P'
import re, sys, zipfile
from xml.etree import ElementTree as ET
N = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
z = zipfile.ZipFile(sys.argv[1])
shared = []
if "xl/sharedStrings.xml" in z.namelist():
    for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(N + "si"):
        shared.append("".join(t.text or "" for t in si.iter(N + "t")))
out = []
for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter(N + "row"):
    for c in row.iter(N + "c"):
        if re.match(r"A\d+$", c.get("r", "")):
            v = c.find(N + "v")
            out.append(shared[int(v.text)] if c.get("t") == "s" else "".join(t.text or "" for t in c.iter(N + "t")) if c.get("t") == "inlineStr" else (v.text if v is not None else ""))
print(",".join(out[1:]))
P
get "$TV" "/collections/hazards/items?f=xlsx&limit=25&sortby=-area_m2&properties=code,name" "$T/s.xlsx" >/dev/null
expected=$(json "$T/all.json" '",".join(f["id"] for f in sorted(d["features"], key=lambda f: -f["properties"]["area_m2"])[:25])')
same "the workbook of a sorted request has its rows in that order" "$("$PY" "$T/xlsx_col1.py" "$T/s.xlsx")" "$expected"

# --- bad sortby: 400 saying why ----------------------------------------
same "an unknown sort key is refused" "$(get "$TV" "/collections/hazards/items?sortby=-nonesuch" "$T/e.json")" 400
check "  ... naming the key and the keys there are" grep -q 'key 1 (nonesuch) is not a property to sort on; these are: code, name' "$T/e.json"
same "a key given twice is refused" "$(get "$TV" "/collections/hazards/items?sortby=name,-name" "$T/e.json")" 400
same "an empty key is refused" "$(get "$TV" "/collections/hazards/items?sortby=name,,code" "$T/e.json")" 400
same "a viewer may not sort victims by name" "$(get "$TV" "/collections/victims/items?sortby=name" "$T/e.json")" 400
same "an approver may" "$(get "$TA" "/collections/victims/items?sortby=name&limit=3" "$T/v.json")" 200
expected=$(sqlite3 "$DB" "SELECT group_concat(code) FROM (SELECT code FROM victims WHERE state = 'approved' AND name IS NOT NULL ORDER BY name, fid LIMIT 3)")
same "  ... in the order of the names in the database" "$(codes "$T/v.json")" "$expected"

same "a viewer may not ask for names (properties=)" "$(get "$TV" "/collections/victims/items?properties=code,name" "$T/e.json")" 400
get "$TA" "/collections/victims/items?properties=code,name&limit=5&sortby=name" "$T/v.json" >/dev/null
same "an approver may: the names only" "$(json "$T/v.json" '"|".join(",".join(f["properties"]) + ":" + f["properties"]["name"] for f in d["features"])')" \
    "$(sqlite3 "$DB" "SELECT group_concat('code,name:' || name, '|') FROM (SELECT name FROM victims WHERE state = 'approved' AND name IS NOT NULL ORDER BY name, fid LIMIT 5)")"

# --- area_m2 only where there is an area -------------------------------
same "area_m2 is not a property of points" "$(get "$TV" "/collections/accidents/items?properties=code,area_m2" "$T/e.json")" 400
check "area_m2 is not given unless asked for" bash -c "! grep -q area_m2 <(curl -s '$URL/collections/hazards/items?limit=2')"

# --- victims by their accident -----------------------------------------
acc=$(sqlite3 "$DB" "SELECT accident_code FROM victims WHERE state = 'approved' GROUP BY accident_code HAVING count(*) > 1 ORDER BY count(*) DESC, accident_code LIMIT 1")
get "$TV" "/collections/victims/items?accident_code=$acc&limit=100&properties=code,accident_code,status,accident_date,accident_admin_code" "$T/v.json" >/dev/null
same "the victims of $acc are those of the database" "$(json "$T/v.json" '",".join(sorted(f["id"] for f in d["features"]))')" \
    "$(sqlite3 "$DB" "SELECT group_concat(code) FROM (SELECT code FROM victims WHERE accident_code = '$acc' AND state = 'approved' ORDER BY code)")"
same "  ... each with its accident's date and admin area" "$(json "$T/v.json" '",".join(sorted(set(f["properties"]["accident_date"] + "/" + f["properties"]["accident_admin_code"] for f in d["features"])))')" \
    "$(sqlite3 "$DB" "SELECT date || '/' || admin_code FROM accidents WHERE code = '$acc'")"
check "  ... only when asked for (properties=)" bash -c "! grep -q accident_date <(curl -s -H 'Authorization: Bearer $TV' '$URL/collections/victims/items?limit=3')"
get "$TV" "/collections/victims/items?accident_code=$acc&limit=100" "$T/v.json" >/dev/null
same "  ... without names or addresses for a viewer" "$(json "$T/v.json" 'sum(("name" in f["properties"]) + ("address" in f["properties"]) for f in d["features"])')" 0
get "$TA" "/collections/victims/items?accident_code=$acc&limit=100" "$T/v.json" >/dev/null
same "  ... with them for an approver" "$(json "$T/v.json" 'all("name" in f["properties"] and "address" in f["properties"] for f in d["features"])')" True
adm=$(sqlite3 "$DB" "SELECT admin_code FROM accidents WHERE code = '$acc'")
join="FROM victims v JOIN accidents a ON a.code = v.accident_code AND a.state = 'approved' WHERE v.state = 'approved'"
get "$TV" "/collections/victims/items?accident_admin_code=$adm&datetime=2010-01-01/2019-12-31&limit=10000&sortby=accident_date" "$T/v.json" >/dev/null
same "victims of accidents in $adm in 2010-2019, oldest first, as in the database" "$(codes "$T/v.json" | md5sum)" \
    "$(sqlite3 "$DB" "SELECT group_concat(code) FROM (SELECT v.code $join AND a.admin_code = '$adm' AND a.date BETWEEN '2010-01-01' AND '2019-12-31' ORDER BY a.date, v.fid)" | md5sum)"
same "  ... and their number" "$(json "$T/v.json" 'd["numberMatched"]')" \
    "$(sqlite3 "$DB" "SELECT count(*) $join AND a.admin_code = '$adm' AND a.date BETWEEN '2010-01-01' AND '2019-12-31'")"
same "every approved victim is listed (accidents unknown included)" \
    "$(get "$TV" "/collections/victims/items?limit=1" "$T/v.json" >/dev/null; json "$T/v.json" 'd["numberMatched"]')" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM victims WHERE state = 'approved'")"
same "accident_admin_code is for victims only" "$(get "$TV" "/collections/hazards/items?accident_admin_code=$adm" "$T/e.json")" 400
same "victims are not for anonymous callers" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/collections/victims/items")" 401

echo "records: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
