# End-to-end test of what an import over HTTP may read: the format is
# decided from the file's bytes, only GeoJSON, GeoPackage, CSV, KML, GPX and
# XLSX are opened (each by its own GDAL driver alone), and nothing outside
# the upload is read: not the served database, not another file, not a URL.
# The real server on a loopback port of its own, a tiny HTTP server on
# another one that must never be asked for anything; both are stopped
# whatever happens. Then `demine import` refusing to read the database it
# imports into.
# usage: imports.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"

DB="$T/atlas.gpkg"
"$DEMINE" init "$DB" >/dev/null 2>&1
square() { # square LON LAT: a polygon 0.01 degrees wide
    awk -v x="$1" -v y="$2" -v d=0.01 'BEGIN { printf "{\"type\": \"Polygon\", \"coordinates\": [[[%s, %s], [%s, %s], [%s, %s], [%s, %s], [%s, %s]]]}\n", x, y, x + d, y, x + d, y + d, x, y + d, x, y }'
}
cat >"$T/hazards.geojson" <<G
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "North field", "status": "SHA"}, "geometry": $(square 18.0 44.0)}]}
G
"$DEMINE" import "$DB" hazards "$T/hazards.geojson" -q >/dev/null 2>&1
printf 'incident_ref,date,lon,lat,status,sex,age,name,address\nX-1,2021-03-07,18.005,44.005,injured,f,9,Zora Secretname,Hidden Street 7\n' >"$T/cas.csv"
"$DEMINE" import "$DB" casualties "$T/cas.csv" -q >/dev/null 2>&1
add_users "$DB" ed:editor ap:approver zed:viewer
printf 'secret\ntopsecret-line-42\n' >"$T/secret.csv"
chmod 600 "$T/secret.csv"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
HPORT=$(free_port)
URL="http://127.0.0.1:$PORT"
mkdir "$T/www"
printf '{"type": "FeatureCollection", "features": []}\n' >"$T/www/leak.geojson"
# the tiny server's log: one line per request it was asked for
(cd "$T/www" && exec "$PY" -m http.server "$HPORT" --bind 127.0.0.1 >/dev/null 2>"$T/http.log") &
HTTPD=$!
"$DEMINE" serve "$DB" --port "$PORT" --threads 2 >"$T/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" "$HTTPD" 2>/dev/null; wait "$SERVER" "$HTTPD" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$URL/health" && curl -s -o /dev/null "http://127.0.0.1:$HPORT/ready" && break
    sleep 0.1
done
: >"$T/http.log" # the readiness probe's line

declare -A TOK
for name in ed ap; do TOK[$name]=$(token "$name"); done
check "the users log in" test -n "${TOK[ed]}" -a -n "${TOK[ap]}"

same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; sed 's/^/     /' "$T/body" | head -3; fi; }
upload() { # upload WHO KIND QUERY FILE: STATUS, the answer in $T/body
    local args=(-s -o "$T/body" -X POST -H "Content-Type: application/octet-stream" --data-binary "@$4")
    [ "$1" != - ] && args+=(-H "Authorization: Bearer ${TOK[$1]}")
    STATUS=$(curl "${args[@]}" -w '%{http_code}' "$URL/import/$2?$3")
}
detail_has() { json "$T/body" "d.get('detail', '')" | grep -q -- "$1"; }
state() { echo "$(sqlite3 "$DB" "SELECT count(*) FROM hazards"):$(sqlite3 "$DB" "SELECT count(*) FROM demine_change_log")"; }

# ---- hostile uploads: refused (415), nothing read, nothing imported
BEFORE=$(state)
cat >"$T/victims.geojson" <<V
<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>$DB</SrcDataSource>
<SrcSQL dialect="sqlite">SELECT v.name AS name, v.address AS description, 'SHA' AS status, h.geom AS geom FROM victims v, hazards h</SrcSQL>
</OGRVRTLayer></OGRVRTDataSource>
V
upload ed hazards filename=victims.geojson "$T/victims.geojson"
same "a VRT selecting the served database's victims is refused (415)" "$STATUS" 415
check "  the answer says it is a VRT" detail_has "VRT"
check "  and names the formats taken" detail_has "GeoJSON, GeoPackage, CSV, KML, GPX"
cp "$T/victims.geojson" "$T/victims.csv"
upload ed hazards filename=victims.csv "$T/victims.csv"
same "  named .csv too (415)" "$STATUS" 415
sed "s|$DB|$T/secret.csv|; s|<SrcSQL.*</SrcSQL>|<SrcLayer>secret</SrcLayer>|" "$T/victims.geojson" >"$T/secret.geojson"
upload ed hazards filename=secret.geojson "$T/secret.geojson"
same "a VRT reading a file of the server's user is refused (415)" "$STATUS" 415
cat >"$T/curl.geojson" <<V
<?xml version="1.0"?>
<!-- a comment first -->
<OGRVRTDataSource><OGRVRTLayer name="leak"><SrcDataSource>/vsicurl/http://127.0.0.1:$HPORT/leak.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>
V
upload ed hazards filename=curl.geojson "$T/curl.geojson"
same "a VRT whose source is a /vsicurl/ URL is refused (415)" "$STATUS" 415

# a GeoPackage with SQL in it: a view, a virtual table, a generated column
ogr2ogr -f GPKG "$T/good.gpkg" "$T/hazards.geojson" -nln fields 2>/dev/null
cp "$T/good.gpkg" "$T/view.gpkg"
sqlite3 "$T/view.gpkg" "CREATE VIEW hidden AS SELECT name FROM fields"
upload ed hazards filename=view.gpkg "$T/view.gpkg"
same "a GeoPackage with a view is refused (415)" "$STATUS" 415
check "  no SQL in an upload" detail_has "no SQL in an upload"
cp "$T/good.gpkg" "$T/vtab.gpkg"
sqlite3 "$T/vtab.gpkg" "CREATE VIRTUAL TABLE notes USING fts5(body)"
upload ed hazards filename=vtab.gpkg "$T/vtab.gpkg"
same "a GeoPackage with a virtual table other than the R-tree is refused (415)" "$STATUS:$(detail_has fts5 && echo named)" "415:named"
cp "$T/good.gpkg" "$T/gen.gpkg"
sqlite3 "$T/gen.gpkg" "ALTER TABLE fields ADD COLUMN shout TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL"
upload ed hazards filename=gen.gpkg "$T/gen.gpkg"
same "a GeoPackage with a generated column is refused (415)" "$STATUS" 415

# the name is a label: the bytes decide, and the two must agree
upload ed hazards filename=hazards.csv "$T/hazards.geojson"
same "GeoJSON named .csv is refused (415)" "$STATUS:$(detail_has "GeoJSON" && echo named)" "415:named"
upload ed hazards filename=good.geojson "$T/good.gpkg"
same "a GeoPackage named .geojson is refused (415)" "$STATUS" 415
head -c 300 /dev/urandom >"$T/noise.csv"
printf '\0' >>"$T/noise.csv"
upload ed hazards filename=noise.csv "$T/noise.csv"
same "binary data is refused (415)" "$STATUS" 415
"$PY" -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], 'hazards.shp'); z.close()" "$T/shp.zip" "$T/hazards.geojson"
upload ed hazards filename=shp.xlsx "$T/shp.zip"
same "a zip that is not a workbook is refused (415)" "$STATUS" 415
printf '{"type": "FeatureCollection", "features": [' >"$T/broken.geojson"
upload ed hazards filename=broken.geojson "$T/broken.geojson"
same "broken GeoJSON is still 400" "$STATUS:$(detail_has "nothing was imported" && echo said)" "400:said"
same "  none of these changed anything" "$(state)" "$BEFORE"

# a GeoJSON whose crs is a link: not fetched
cat >"$T/crslink.geojson" <<G
{"type": "FeatureCollection", "crs": {"type": "link", "properties": {"href": "http://127.0.0.1:$HPORT/crs", "type": "proj4"}},
 "features": [{"type": "Feature", "properties": {"name": "Linked field", "status": "SHA"}, "geometry": $(square 18.3 44.3)}]}
G
upload ed hazards filename=crslink.geojson "$T/crslink.geojson"
same "a GeoJSON with a crs link imports (200)" "$STATUS" 200

# an upload's codes are a client's: one far past the numbering is rejected
cat >"$T/farcode.geojson" <<G
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"code": "HA-99999", "name": "Far field", "status": "SHA"}, "geometry": $(square 18.4 44.4)},
 {"type": "Feature", "properties": {"code": "HA-KOTOR-7", "name": "Named field", "status": "SHA"}, "geometry": $(square 18.5 44.5)}]}
G
upload ed hazards filename=farcode.geojson "$T/farcode.geojson"
same "an upload with a code past the numbering: that row rejected, the other imported" \
    "$STATUS:$(json "$T/body" "(d['imported'], d['rejected'], 'past the next number' in d['rejects'][0]['reason'])")" \
    "200:(1, 1, True)"
same "  and not stored" "$(sqlite3 "$DB" "SELECT count(*) FROM hazards WHERE code = 'HA-99999'")" 0

curl -s -o /dev/null "http://127.0.0.1:$HPORT/canary"
same "the HTTP server was asked for nothing but the test's own request" \
    "$(grep -c 'GET /' "$T/http.log"):$(grep -c 'GET /canary' "$T/http.log")" "1:1"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer ${TOK[ed]}" "$URL/collections/hazards/items?state=all&limit=1000")
same "the editor reads the hazards, those waiting included" "$STATUS:$(json "$T/body" "sorted(f['properties']['name'] for f in d['features'])")" \
    "200:['Linked field', 'Named field', 'North field']"
check "  no victim's name or address is among them" sh -c "! grep -q 'Zora\|Hidden Street\|topsecret' '$T/body'"
same "  nor in the database's hazards" "$(sqlite3 "$DB" "SELECT count(*) FROM hazards WHERE name LIKE '%Zora%' OR description LIKE '%Hidden%' OR name LIKE '%topsecret%'")" 0
check "  nor in the server's log" sh -c "! grep -q 'Zora\|Hidden Street\|topsecret' '$T/server.log'"

# ---- the server still works after them, with another process writing
"$DEMINE" user disable "$DB" zed >/dev/null 2>&1
"$DEMINE" user enable "$DB" zed >/dev/null 2>&1
check "the database's -wal is still there" test -e "$DB-wal"
TOK[zed]=$(token zed)
check "  a login works" test -n "${TOK[zed]}"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer ${TOK[zed]}" "$URL/collections/hazards/items")
same "  and a read (200)" "$STATUS" 200

# ---- every format the import takes still imports
upload ed hazards "filename=good.gpkg" "$T/good.gpkg"
same "GeoPackage reads (200): its row (same content, its own fid) is present, not doubled" \
    "$STATUS:$(json "$T/body" "(d['imported'], d['present'])")" "200:(0, 1)"
cp "$T/hazards.geojson" "$T/h.json"
upload ed hazards "filename=h.json" "$T/h.json"
same "GeoJSON (.json) reads (200): its row was imported before (as .geojson), present, not doubled" \
    "$STATUS:$(json "$T/body" "(d['imported'], d['present'], d['imported_before']['import'] >= 1)")" "200:(0, 1, True)"
ogr2ogr -f KML "$T/h.kml" "$T/hazards.geojson" 2>/dev/null
upload ed hazards "filename=h.kml&set=status=CHA" "$T/h.kml"
same "KML imports (200)" "$STATUS:$(json "$T/body" "d['imported']")" "200:1"
printf '\xef\xbb\xbflon,lat,category,model\n18.1,44.1,AP,PMA-2\n18.2,44.2,UXO,\n' >"$T/items.csv"
upload ed eo-items "filename=items.csv" "$T/items.csv"
same "CSV imports (200)" "$STATUS:$(json "$T/body" "d['imported']")" "200:2"
ogr2ogr -f XLSX "$T/items.xlsx" "$T/items.csv" 2>/dev/null
upload ed eo-items "filename=items.xlsx" "$T/items.xlsx"
same "XLSX reads (200): the same rows as the CSV are present, not doubled" \
    "$STATUS:$(json "$T/body" "(d['imported'], d['present'])")" "200:(0, 2)"
# people, not places: the casualty file imported from the command line, sent again
cp "$T/cas.csv" "$T/cas_again.csv"
upload ap casualties "filename=cas_again.csv" "$T/cas_again.csv"
same "a casualty file imported before is 409" "$STATUS" 409
check "  saying when it was" detail_has "imported before, on $(date -u +%Y-%m-%d)"
upload ap casualties "filename=cas_again.csv&again=true" "$T/cas_again.csv"
same "  again=true imports it once more" "$STATUS:$(json "$T/body" "d['imported']")" "200:1"
cat >"$T/wpt.gpx" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="demine test" xmlns="http://www.topografix.com/GPX/1/1">
 <wpt lat="44.15" lon="18.15"><name>found 1</name></wpt>
 <wpt lat="44.16" lon="18.16"><name>found 2</name></wpt>
</gpx>
X
upload ed eo-items "filename=wpt.gpx&set=category=AT" "$T/wpt.gpx"
same "GPX imports (200)" "$STATUS:$(json "$T/body" "d['imported']")" "200:2"
check "the HTTP server was still asked for nothing more" test "$(grep -c 'GET /' "$T/http.log")" -eq 1

# ---- the CLI: never the database it imports into, even through a VRT
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sum() { sha256sum "$DB" | cut -d' ' -f1; }
SUM=$(sum)
expect_exit "demine import DB hazards DB is refused" 1 "$DEMINE" import "$DB" hazards "$DB" -q
check "  the message says where and why" err_has "is the database"
ln -s "$DB" "$T/link.gpkg"
expect_exit "  and through a symbolic link" 1 "$DEMINE" import "$DB" hazards "$T/link.gpkg" -q
cp "$T/victims.geojson" "$T/victims.vrt"
expect_exit "a VRT whose source is the database is refused" 1 "$DEMINE" import "$DB" hazards "$T/victims.vrt" -q
check "  the message names the VRT" err_has "victims.vrt"
mkdir "$T/sub"
printf '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource relativeToVRT="1">../atlas.gpkg</SrcDataSource><SrcLayer>hazards</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n' >"$T/sub/rel.vrt"
expect_exit "  a relative one (relativeToVRT)" 1 "$DEMINE" import "$DB" hazards "$T/sub/rel.vrt" -q
printf '<OGRVRTDataSource><OGRVRTLayer name="y"><SrcDataSource>%s</SrcDataSource><SrcLayer>x</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n' "$T/sub/rel.vrt" >"$T/nested.vrt"
expect_exit "  and one through another VRT" 1 "$DEMINE" import "$DB" hazards "$T/nested.vrt" -q
same "  the database is unchanged" "$(sum)" "$SUM"
printf '<OGRVRTDataSource><OGRVRTLayer name="f"><SrcDataSource relativeToVRT="1">../hazards.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>\n' >"$T/sub/ok.vrt"
expect_exit "a VRT of another file still imports" 0 "$DEMINE" import "$DB" hazards "$T/sub/ok.vrt" -q

# ---- a full disk is 507, not "try again": small tmpfs mounts (only where
# this test may mount; skipped otherwise)
FULL="$T/full"
mkdir -p "$FULL/tmp" "$FULL/db"
if mount -t tmpfs -o size=256k tmpfs "$FULL/tmp" 2>/dev/null; then
    trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; umount "$FULL/tmp" "$FULL/db" 2>/dev/null; rm -rf "$T"' EXIT
    DBSIZE=$(( $(stat -c %s "$DB") / 1024 + 512 ))
    mount -t tmpfs -o size=${DBSIZE}k tmpfs "$FULL/db"
    cp "$DB" "$FULL/db/atlas.gpkg"
    DB="$FULL/db/atlas.gpkg"
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    TMPDIR="$FULL/tmp" "$DEMINE" serve "$DB" --port "$PORT" >"$T/server2.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "$URL/health" && break; sleep 0.1; done
    for u in ed; do TOK[$u]=$(token "$u"); done
    "$PY" -c "
import json
fs=[{'type':'Feature','properties':{'name':'Field %d'%i,'status':'SHA'},'geometry':{'type':'Polygon','coordinates':[[[18+i*1e-3,44],[18.0005+i*1e-3,44],[18.0005+i*1e-3,44.0005],[18+i*1e-3,44]]]}} for i in range(4000)]
json.dump({'type':'FeatureCollection','features':fs}, open('$T/big.geojson','w'))"
    upload ed hazards filename=big.geojson "$T/big.geojson"
    same "an upload larger than the free room of the temporary folder: 507" "$STATUS" 507
    dd if=/dev/zero of="$FULL/db/filler" bs=4k 2>/dev/null
    rm -f "$FULL/tmp/"* 2>/dev/null
    sed 's/18\./19./g' "$T/hazards.geojson" >"$T/moved.geojson"
    upload ed hazards filename=moved.geojson "$T/moved.geojson"
    same "an import into a database whose disk is full: 507" "$STATUS" 507
    check "  the server still answers" curl -sf -o /dev/null "$URL/health"
else
    echo "skip the full-disk checks: this user may not mount a tmpfs"
fi

finish
