#!/usr/bin/env bash
# End-to-end: bad input gets a clear message, the right exit status, and
# changes nothing.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
DB="$T/atlas.gpkg"
"$DEMINE" init "$DB" 2>/dev/null
fc() { # fc FILE FEATURES... : writes a GeoJSON FeatureCollection
    local f=$1
    shift
    local IFS=,
    printf '{"type":"FeatureCollection","features":[%s]}\n' "$*" >"$f"
}
poly='{"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[17,44],[17.01,44],[17.01,44.01],[17,44.01],[17,44]]]}}'
null='{"type":"Feature","properties":{"name":"null"},"geometry":null}'
empty='{"type":"Feature","properties":{"name":"empty"},"geometry":{"type":"Polygon","coordinates":[]}}'
bowtie='{"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[17,44],[17.01,44.01],[17.01,44],[17,44.01],[17,44]]]}}'
unclosed='{"type":"Feature","properties":{"name":"open"},"geometry":{"type":"Polygon","coordinates":[[[17,44],[17.01,44],[17.01,44.01],[17,44.01]]]}}'
point='{"type":"Feature","properties":{"name":"point"},"geometry":{"type":"Point","coordinates":[17,44]}}'
far='{"type":"Feature","properties":{"name":"far"},"geometry":{"type":"Polygon","coordinates":[[[500000,4900000],[500100,4900000],[500100,4900100],[500000,4900000]]]}}'

fc "$T/mixed.geojson" "$poly" "$null" "$empty" "$bowtie" "$unclosed" "$point" "$far"
expect_exit "mixed file: good rows in, bad rows rejected" 3 "$DEMINE" import "$DB" hazards "$T/mixed.geojson" --set status=SHA --rejects "$T/rej.csv"
check "two rows imported (the good one and the repaired bowtie)" test "$(count_rows "$DB" hazards)" -eq 2
WARN="${DB%.gpkg}.hazards.warnings.csv"
check "repair warning names the row, in the warnings file" grep -q '^4,".*Self-intersection' "$WARN"
check "  the terminal gives their count and the file" err_has "^1 warning: $WARN"
check "  and not the warning itself (--verbose does)" bash -c "! grep -q '^warning:' '$T/err'"
check "null geometry rejected with its row" grep -q '^2,"no geometry (null)"' "$T/rej.csv"
check "empty geometry rejected" grep -q '^3,"\(empty geometry\|no geometry (null)\)"' "$T/rej.csv"
check "unclosed ring rejected" grep -q '^5,"polygon ring not closed' "$T/rej.csv"
check "wrong geometry type rejected" grep -q '^6,"wrong geometry type: Point, a polygon is needed"' "$T/rej.csv"
check "out-of-range coordinates rejected, CRS hinted" grep -q '^7,".*out of range.*another CRS' "$T/rej.csv"

fc "$T/bow.geojson" "$bowtie"
expect_exit "--strict rejects an invalid polygon" 3 "$DEMINE" import "$DB" hazards "$T/bow.geojson" --set status=SHA --strict --rejects "$T/rej2.csv"
check "--strict reason" grep -q 'invalid polygon: Self-intersection' "$T/rej2.csv"
check "--strict imported nothing" test "$(count_rows "$DB" hazards)" -eq 2

before=$(count_rows "$DB" demine_change_log)
expect_exit "unknown --map field is a usage error" 2 "$DEMINE" import "$DB" hazards "$T/mixed.geojson" --map colour=name
check "it lists the fields" err_has "their fields are: code, name, status"
expect_exit "unknown source column" 1 "$DEMINE" import "$DB" hazards "$T/mixed.geojson" --set status=SHA --map name=nmae
check "it lists the columns" err_has "has no column 'nmae'; its columns are: name"
expect_exit "bad --set value is a usage error" 2 "$DEMINE" import "$DB" hazards "$T/mixed.geojson" --set status=maybe
check "it lists the allowed values" err_has "not one of: SHA, CHA"
expect_exit "malformed --map" 2 "$DEMINE" import "$DB" hazards "$T/mixed.geojson" --map name
expect_exit "unknown kind" 2 "$DEMINE" import "$DB" minefields "$T/mixed.geojson"
expect_exit "missing required field" 3 "$DEMINE" import "$DB" hazards "$T/bow.geojson" --rejects "$T/rej3.csv"
check "reason says how to give it" grep -q 'status is required.*--set status=VALUE' "$T/rej3.csv"
check "nothing changed by the failed imports" test "$(count_rows "$DB" demine_change_log)" -eq "$before"

printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Gora\xbee"},"geometry":{"type":"Point","coordinates":[17,44]}}]}\n' >"$T/latin1.geojson"
expect_exit "non-UTF-8 text is rejected, not mangled" 3 "$DEMINE" import "$DB" accidents "$T/latin1.geojson" --map description=name --rejects "$T/rej4.csv"
check "reason names UTF-8" grep -q 'not valid UTF-8' "$T/rej4.csv"

printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n\xe8me":"x"},"geometry":{"type":"Point","coordinates":[17,44]}}]}\n' >"$T/latin1-name.geojson"
expect_exit "a column name that is not UTF-8 is rejected" 3 "$DEMINE" import "$DB" accidents "$T/latin1-name.geojson" --rejects "$T/rej5.csv"
check "the rejects file itself stays UTF-8" iconv -f UTF-8 -t UTF-8 "$T/rej5.csv" -o /dev/null
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":1e999},"geometry":{"type":"Point","coordinates":[17,44]}}]}\n' >"$T/inf.geojson"
expect_exit "a number too large for a double" 0 "$DEMINE" import "$DB" accidents "$T/inf.geojson"
check "is stored as valid JSON (null)" test "$(sqlite3 "$DB" "SELECT json_valid(attributes) || attributes FROM accidents ORDER BY fid DESC LIMIT 1")" = '1{"x":null}'

fc "$T/empty.geojson"
"$DEMINE" init "$T/fresh.gpkg" 2>/dev/null
expect_exit "an empty file imports nothing, cleanly" 0 "$DEMINE" import "$T/fresh.gpkg" hazards "$T/empty.geojson" --set status=SHA
check "its spatial index is still sound" test "$(sqlite3 "$T/fresh.gpkg" "SELECT rtreecheck('rtree_hazards_geom')")" = ok

head -c 300 "$T/mixed.geojson" >"$T/truncated.geojson"
expect_exit "truncated file" 1 "$DEMINE" import "$DB" hazards "$T/truncated.geojson" --set status=SHA
check "nothing imported from it" test "$(count_rows "$DB" hazards)" -eq 2
head -c 4000 /dev/urandom >"$T/noise.bin"
expect_exit "random bytes are not geodata" 1 "$DEMINE" import "$DB" hazards "$T/noise.bin" --set status=SHA
check "message says so" err_has "not geodata\|could not be read as geodata"
printf 'Dear colleague,\nthe minefield maps are attached.\n' >"$T/letter.txt"
expect_exit "a letter is not geodata" 1 "$DEMINE" import "$DB" hazards "$T/letter.txt" --set status=SHA
expect_exit "missing input file" 1 "$DEMINE" import "$DB" hazards "$T/nope.geojson" --set status=SHA
check "message names the file" err_has "nope.geojson"

# a Shapefile cut short: GDAL reads some rows and fails on the rest
"$PY" -c '
import json, sys
feats = [{"type": "Feature", "properties": {"n": i},
          "geometry": {"type": "Point", "coordinates": [17 + i * 1e-4, 44]}} for i in range(3000)]
json.dump({"type": "FeatureCollection", "features": feats}, open(sys.argv[1], "w"))' "$T/pts.geojson"
ogr2ogr -f "ESRI Shapefile" "$T/pts.shp" "$T/pts.geojson" 2>/dev/null
head -c 30000 "$T/pts.shp" >"$T/cut.shp.tmp" && mv "$T/cut.shp.tmp" "$T/pts.shp"
before=$(count_rows "$DB" accidents)
expect_exit "a damaged Shapefile" 1 "$DEMINE" import "$DB" accidents "$T/pts.shp"
check "the message says it is damaged" err_has "damaged"
check "nothing of it was imported" test "$(count_rows "$DB" accidents)" -eq "$before"

# absurd coordinates in a projected file are rejected before PROJ sees them
printf '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2e117,5460000]}}]}\n' >"$T/huge.geojson"
expect_exit "a coordinate of 2e117 metres" 3 timeout 60 "$DEMINE" import "$DB" accidents "$T/huge.geojson" --rejects "$T/rej6.csv"
check "is rejected as implausible" grep -q "out of any plausible range" "$T/rej6.csv"

# a source's own code far beyond the numbering does not break it
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"IN-99999999999999999999"},"geometry":{"type":"Point","coordinates":[17,44]}}]}\n' >"$T/bigcode.geojson"
expect_exit "a huge numeric code is kept as given" 0 "$DEMINE" import "$DB" accidents "$T/bigcode.geojson"
fc "$T/two.geojson" "$point" "$point"
expect_exit "numbering goes on after it" 0 "$DEMINE" import "$DB" accidents "$T/two.geojson"
check "with ordinary codes" test "$(sqlite3 "$DB" "SELECT count(*) FROM accidents WHERE length(code) = 7")" -ge 2

# a source's codes follow the rules for codes; a bad one rejects its row
printf 'code,lon,lat,category,model\nEO-0700,17,44,AP,PMN-2\na/b,17,44,AP,PMN-2\n-x,17,44,AP,PMN-2\n"EO-1<script>",17,44,AP,PMN-2\nEO-0701,17,44,AP,%s\n' \
    "$("$PY" -c 'print("m" * 201)')" >"$T/codes.csv"
expect_exit "bad codes in a file are rejected, row by row" 3 "$DEMINE" import "$DB" eo-items "$T/codes.csv" --rejects "$T/rej-codes.csv"
check "  the good row is imported" test "$(sqlite3 "$DB" "SELECT count(*) FROM eo_items WHERE code = 'EO-0700'")" -eq 1
check "  row 2: the code with '/', and why" grep -q "^2,\"code 'a/b' has '/': codes are" "$T/rej-codes.csv"
check "  row 3: the code starting with '-'" grep -q "^3,\"code '-x' starts with '-'" "$T/rej-codes.csv"
check "  row 4: the code with <script>" grep -q "^4,\"code 'EO-1<script>' has '<'" "$T/rej-codes.csv"
check "  row 5: a model of 201 characters" grep -q "^5,\"model is 201 characters long: at most 200" "$T/rej-codes.csv"

# demine check reports records that break the rules, made by another program
sqlite3 "$DB" "INSERT INTO organisations (code, name) VALUES ('OR/1', 'Slash'), ('OR-9001', 'two' || char(10) || 'lines')"
expect_exit "demine check finds codes and text that break the rules" 3 "$DEMINE" check "$DB" --json
check "  bad-code lists OR/1" test "$(json "$T/out" "[f['records'] for f in d['findings'] if f['what'] == 'bad-code']")" = "[['OR/1']]"
check "  bad-text lists OR-9001" test "$(json "$T/out" "[f['records'] for f in d['findings'] if f['what'] == 'bad-text']")" = "[['OR-9001']]"
sqlite3 "$DB" "DELETE FROM organisations WHERE code IN ('OR/1', 'OR-9001')"

# databases that are not demine databases
ogr2ogr -f GPKG "$T/plain.gpkg" "$T/mixed.geojson" 2>/dev/null
expect_exit "a GeoPackage that is not a demine database" 1 "$DEMINE" stats "$T/plain.gpkg" landrelease
check "message says what it is" err_has "is a GeoPackage but not a demine database"
cp "$T/letter.txt" "$T/letter.gpkg"
expect_exit "a text file as database" 1 "$DEMINE" check "$T/letter.gpkg"
check "message" err_has "not a demine database"
expect_exit "no database" 1 "$DEMINE" stats "$T/none.gpkg" landrelease
check "it suggests demine init" err_has "demine init"
head -c 8192 "$DB" >"$T/cut.gpkg"
expect_exit "a truncated database" 1 "$DEMINE" stats "$T/cut.gpkg" landrelease

# a geometry damaged by another program: check reports it, it does not stop
cp "$DB" "$T/damaged.gpkg"
sqlite3 "$T/damaged.gpkg" "DROP TRIGGER rtree_hazards_geom_update1; DROP TRIGGER rtree_hazards_geom_update2; DROP TRIGGER rtree_hazards_geom_update3; DROP TRIGGER rtree_hazards_geom_update4; UPDATE hazards SET geom = X'4750000100000000DEADBEEF' WHERE code = 'HA-0001'"
expect_exit "check on a damaged geometry finds errors" 3 "$DEMINE" check "$T/damaged.gpkg"
names_damaged() { grep -A1 "invalid-geometry" "$T/out" | grep -q "HA-0001"; }
check "it names the record" names_damaged
check "it sees the missing triggers" grep -q "rtree-triggers.*4 of the 6" "$T/out"
expect_exit "land release refuses to count a damaged geometry" 1 "$DEMINE" stats "$T/damaged.gpkg" landrelease
check "and says which" err_has "hazards HA-0001"

# read-only database (as an unprivileged user: root ignores permissions)
if command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
    cp "$DB" "$T/ro.gpkg" && chmod 644 "$T/ro.gpkg"
    fc "$T/ok.geojson" "$poly"
    chmod 644 "$T/ok.geojson"
    expect_exit "read-only database" 1 runuser -u nobody -- "$DEMINE" import "$T/ro.gpkg" hazards "$T/ok.geojson" --set status=SHA --rejects /tmp/demine-ro-rejects.csv
    check "message says read-only" err_has "read-only"
    check "file unchanged" cmp -s "$DB" "$T/ro.gpkg"
fi

# a full disk: a 1 MiB filesystem where one is allowed, else a file size limit
FULL="$T/full"
mkdir -p "$FULL"
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
    trap 'umount "$FULL" 2>/dev/null; rm -rf "$T"' EXIT
    "$DEMINE" init "$FULL/atlas.gpkg" 2>/dev/null
    full_run() { "$DEMINE" import "$FULL/atlas.gpkg" hazards "$BIH/suspected_areas.geojson" --set status=SHA --quiet --rejects "$T/full-rej.csv"; }
    what="disk is full"
else
    "$DEMINE" init "$FULL/atlas.gpkg" 2>/dev/null
    full_run() { (trap '' XFSZ; ulimit -f 2048; "$DEMINE" import "$FULL/atlas.gpkg" hazards "$BIH/suspected_areas.geojson" --set status=SHA --quiet --rejects "$T/full-rej.csv"); }
    what="read or write"
fi
expect_exit "import onto a full disk fails" 1 full_run
check "message says the disk is full" err_has "$what"
check "nothing half-written" test "$(count_rows "$FULL/atlas.gpkg" hazards)" -eq 0
check "no rejects file left from the failed import" test ! -e "$T/full-rej.csv"

finish
