# End-to-end test of edits made outside demine (QGIS, GDAL, the sqlite3
# shell) on the demo database (real BiH hazards and incidents): demine's own
# writes, in bulk and over HTTP, are never logged as outside; another
# program's UPDATE, INSERT and DELETE are logged with the columns changed,
# move the record's version and so the server's ETag, and `demine check`
# lists them. Also the approved-only layers for desktop GIS (no drafts, no
# personal data), the mode of a new file, and the upgrade of a version 5
# database.
# usage: outside.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }
command -v ogrinfo >/dev/null || { echo "FAIL ogrinfo is needed"; exit 1; }

DB="$T/demo.gpkg"
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; fi; }
q() { sqlite3 "$DB" "$1"; }
outside() { q "SELECT count(*) FROM demine_change_log WHERE who = 'outside demine'"; }

# ---- a new database is its owner's alone
umask 022
expect_exit "demo builds the demo database" 0 "$DEMINE" demo --out "$DB" --data "$ROOT/data"
same "a new database is readable by its owner only (600)" "$(stat -c %a "$DB")" 600
"$DEMINE" init "$T/empty.gpkg" >/dev/null 2>&1
same "demine init makes it 600 too" "$(stat -c %a "$T/empty.gpkg")" 600

# ---- demine's own writes are never "outside demine"
same "the demo's bulk imports and inserts log nothing as outside" "$(outside)" 0
same "every record has a change log entry for its version" \
    "$(q "SELECT count(*) FROM hazards t WHERE NOT EXISTS (SELECT 1 FROM demine_change_log c WHERE c.kind = 'hazards' AND c.code = t.code AND c.version = t.version)")" 0
"$DEMINE" import "$DB" hazards "$BIH/suspected_areas.geojson" --set status=SHA --state submitted -q >/dev/null 2>&1
same "a second import (bulk, into a full table) logs nothing as outside" "$(outside)" 0

add_users "$DB" ed:editor ap:approver amy:approver
start_server "$DB" --threads 2
declare -A TOK
for name in ed ap amy; do TOK[$name]=$(token "$name"); done
check "the users log in" test -n "${TOK[ed]}" -a -n "${TOK[ap]}" -a -n "${TOK[amy]}"
same "the server's -wal and -shm files follow the database's mode (600)" "$(stat -c %a "$DB-wal" "$DB-shm" | sort -u)" 600
square() { # square LON LAT: a polygon 0.01 degrees wide
    awk -v x="$1" -v y="$2" 'BEGIN { d = 0.01; printf "{\"type\": \"Polygon\", \"coordinates\": [[[%s, %s], [%s, %s], [%s, %s], [%s, %s], [%s, %s]]]}\n", x, y, x + d, y, x + d, y + d, x, y + d, x, y }'
}

# a round of HTTP writes: every path that writes a record
req ed POST /collections/hazards/items "{\"type\": \"Feature\", \"properties\": {\"name\": \"Outside test\", \"status\": \"SHA\"}, \"geometry\": $(square 18.2 44.2)}"
same "an editor creates a hazard (201)" "$STATUS" 201
NEWH=$(json "$T/body" "d['id']")
req ed PATCH "/collections/hazards/items/$NEWH" '{"properties": {"name": "Outside test, corrected"}}' '"1"' application/merge-patch+json
same "  changes it (200)" "$STATUS" 200
req ap POST "/collections/hazards/items/$NEWH/approve" "" '"2"'
same "  an approver approves it (200)" "$STATUS" 200
req ed GET /collections/hazards/items/HA-0010
req ed PATCH /collections/hazards/items/HA-0010 '{"properties": {"name": "Resurveyed"}}' "$ETAG" application/merge-patch+json
same "a change to an approved hazard waits (202)" "$STATUS" 202
req ap GET "/collections/hazards/items/HA-0010?version=pending"
req ap POST /collections/hazards/items/HA-0010/approve "" "$ETAG"
same "  and is applied (200)" "$STATUS" 200
req ed GET /collections/hazards/items/HA-0011
req ed DELETE /collections/hazards/items/HA-0011 "" "$ETAG"
req amy GET "/collections/hazards/items/HA-0011?version=pending"
req amy POST /collections/hazards/items/HA-0011/approve "" "$ETAG"
same "a deletion is approved (200)" "$STATUS" 200
req ap POST /collections/victims/items '{"type": "Feature", "properties": {"status": "injured", "sex": "f", "name": "Test Person"}, "geometry": null}'
same "an approver records a victim (201)" "$STATUS" 201
VIC=$(json "$T/body" "d['id']")
req ap DELETE "/collections/victims/items/$VIC" "" '"1"'
same "  and withdraws it (204)" "$STATUS" 204
same "demine's HTTP writes log nothing as outside" "$(outside)" 0
"$DEMINE" check "$DB" >"$T/check0" 2>&1
check "demine check lists no change made outside demine" sh -c "! grep -q changed-outside-demine '$T/check0'"

# ---- an UPDATE through GDAL (what QGIS does): logged, version and ETag move
A=HA-0001
req - GET "/collections/hazards/items/$A"
ETAG0=$ETAG
V0=$(q "SELECT version FROM hazards WHERE code = '$A'")
same "the ETag is the version" "$ETAG0" "\"$V0\""
OLDSTATUS=$(q "SELECT status FROM hazards WHERE code = '$A'")
NEWSTATUS=$([ "$OLDSTATUS" = CHA ] && echo SHA || echo CHA)
ogrinfo -q "$DB" -sql "UPDATE hazards SET status = '$NEWSTATUS' WHERE code = '$A'" >/dev/null 2>"$T/ogr.err"
same "GDAL changed the status" "$(q "SELECT status FROM hazards WHERE code = '$A'")" "$NEWSTATUS"
same "  the version moved" "$(q "SELECT version FROM hazards WHERE code = '$A'")" "$((V0 + 1))"
same "  updated by 'outside demine'" "$(q "SELECT updated_by FROM hazards WHERE code = '$A'")" "outside demine"
same "  the change log has it, with the column" \
    "$(q "SELECT who || '|' || action || '|' || version || '|' || detail FROM demine_change_log WHERE kind = 'hazards' AND code = '$A' ORDER BY fid DESC LIMIT 1")" \
    "outside demine|update|$((V0 + 1))|made outside demine: status"
req - GET "/collections/hazards/items/$A"
same "  the server's ETag moved" "$ETAG" "\"$((V0 + 1))\""
req ap GET "/collections/hazards/items/$A/history"
same "  the record's history shows it" "$(json "$T/body" "[(c['who'], c['action'], c['version'], c['detail']) for c in d['changes']][-1]")" \
    "('outside demine', 'update', $((V0 + 1)), 'made outside demine: status')"
req ap PATCH "/collections/hazards/items/$A" '{"properties": {"name": "x"}}' "$ETAG0" application/merge-patch+json
same "  a writer holding the old ETag gets 412" "$STATUS" 412
# a geometry too: both columns named
ogrinfo -q "$DB" -sql "UPDATE hazards SET name = 'moved', geom = (SELECT geom FROM hazards WHERE code = 'HA-0003') WHERE code = 'HA-0004'" >/dev/null 2>&1
same "an update of name and geometry names both" \
    "$(q "SELECT detail FROM demine_change_log WHERE code = 'HA-0004' ORDER BY fid DESC LIMIT 1")" "made outside demine: name, geom"
# the same values written again change nothing
V4=$(q "SELECT version FROM hazards WHERE code = 'HA-0004'")
ogrinfo -q "$DB" -sql "UPDATE hazards SET name = name WHERE code = 'HA-0004'" >/dev/null 2>&1
same "an update that changes no value is not a change" "$(q "SELECT version FROM hazards WHERE code = 'HA-0004'")" "$V4"

# ---- the plain sqlite3 shell (no demine function loaded)
VI=$(q "SELECT code FROM victims WHERE state = 'approved' ORDER BY fid LIMIT 1")
VV=$(q "SELECT version FROM victims WHERE code = '$VI'")
q "UPDATE victims SET age = 41, injuries = 'leg' WHERE code = '$VI'"
same "a sqlite3 UPDATE is logged with its columns" \
    "$(q "SELECT who || '|' || action || '|' || version || '|' || detail FROM demine_change_log WHERE code = '$VI' ORDER BY fid DESC LIMIT 1")" \
    "outside demine|update|$((VV + 1))|made outside demine: age, injuries"
same "  and the version moved" "$(q "SELECT version FROM victims WHERE code = '$VI'")" "$((VV + 1))"
q "INSERT INTO organisations (code, name) VALUES ('OR-0900', 'Made in QGIS')"
same "a sqlite3 INSERT is logged" \
    "$(q "SELECT who || '|' || action || '|' || version FROM demine_change_log WHERE kind = 'organisations' AND code = 'OR-0900'")" \
    "outside demine|insert|1"
same "  and gets its bookkeeping" "$(q "SELECT version || '|' || created_by || '|' || updated_by || '|' || (updated_at LIKE '____-__-__T__:__:__.___Z') FROM organisations WHERE code = 'OR-0900'")" \
    "1|outside demine|outside demine|1"
ogrinfo -q "$DB" -sql "INSERT INTO hazards (code, status, geom) SELECT 'HA-X900', 'SHA', geom FROM hazards WHERE code = 'HA-0005'" >/dev/null 2>&1
same "an INSERT through GDAL is logged" "$(q "SELECT who || '|' || action FROM demine_change_log WHERE code = 'HA-X900'")" "outside demine|insert"
VD=$(q "SELECT version FROM hazards WHERE code = 'HA-0002'")
q "DELETE FROM hazards WHERE code = 'HA-0002'"
same "a sqlite3 DELETE is logged with the next version" \
    "$(q "SELECT who || '|' || action || '|' || version FROM demine_change_log WHERE kind = 'hazards' AND code = 'HA-0002' ORDER BY fid DESC LIMIT 1")" \
    "outside demine|delete|$((VD + 1))"
same "  the rows it left" "$(q "SELECT count(*) FROM hazards WHERE code = 'HA-0002'")" 0
# with recursive triggers on, the trigger's own update logs nothing more
N0=$(outside)
q "PRAGMA recursive_triggers = ON; UPDATE victims SET age = 42 WHERE code = '$VI'"
same "with recursive triggers on, one change is one entry" "$(outside)" "$((N0 + 1))"

# ---- demine check lists them
"$DEMINE" check "$DB" --json >"$T/check.json" 2>"$T/check.err"
same "demine check warns of the changes made outside demine" \
    "$(json "$T/check.json" "sorted(c for f in d['findings'] if f['what'] == 'changed-outside-demine' for c in f['records'])")" \
    "['$A', 'HA-0002', 'HA-0004', 'HA-X900', 'OR-0900', '$VI']"
check "  each with when, code, version and columns" grep -q "Z $A v$((V0 + 1)) update: status" "$T/check.json"
check "  the delete" grep -q "Z HA-0002 v$((VD + 1)) delete" "$T/check.json"
same "  as warnings" "$(json "$T/check.json" "sorted(set(f['severity'] for f in d['findings'] if f['what'] == 'changed-outside-demine'))")" "['warning']"
"$DEMINE" check "$DB" >"$T/check.txt" 2>&1
check "  the text lists them too" grep -q "HA-0002 v$((VD + 1)) delete" "$T/check.txt"
same "no change-log gap: every outside change is logged" "$(json "$T/check.json" "[f['detail'] for f in d['findings'] if f['what'] == 'change-log-gap']")" "[]"
same "the triggers are all there" "$(json "$T/check.json" "[f['what'] for f in d['findings'] if f['what'] in ('outside-triggers', 'approved-view-missing')]")" "[]"
q "DROP TRIGGER demine_outside_settlements_update"
"$DEMINE" check "$DB" --json >"$T/check2.json" 2>/dev/null
same "a missing trigger is an error of demine check" "$(json "$T/check2.json" "[(f['severity'], f['detail'][:35]) for f in d['findings'] if f['what'] == 'outside-triggers']")" \
    "[('error', 'settlements: 1 of the 3 triggers th')]"

# ---- the approved-only layers for desktop GIS
APPROVED=$(q "SELECT count(*) FROM hazards WHERE state = 'approved'")
check "some hazards are not approved (the second import, the HTTP rounds)" [ "$(q "SELECT count(*) FROM hazards")" -gt "$APPROVED" ]
ogrinfo -ro -so "$DB" hazards_approved >"$T/view.txt" 2>&1
check "GDAL lists hazards_approved as a layer" grep -q "^Layer name: hazards_approved" "$T/view.txt"
check "  with its geometry" grep -q "^Geometry: Multi Polygon" "$T/view.txt"
same "  with the approved hazards only" "$(sed -n 's/^Feature Count: //p' "$T/view.txt")" "$APPROVED"
same "  no draft, submitted or rejected one" "$(q "SELECT count(*) FROM hazards_approved v JOIN hazards h USING (fid) WHERE h.state != 'approved'")" 0
check "  the one created over HTTP and approved is in it" [ "$(q "SELECT count(*) FROM hazards_approved WHERE code = '$NEWH'")" = 1 ]
ogrinfo -ro -q "$DB" >"$T/layers.txt" 2>&1
for v in hazards releases eo_items accidents victims organisations admin_areas settlements; do
    check "ogrinfo lists ${v}_approved" grep -q " ${v}_approved" "$T/layers.txt"
done
same "victims_approved has the approved victims" "$(q "SELECT count(*) FROM victims_approved")" "$(q "SELECT count(*) FROM victims WHERE state = 'approved'")"
same "no view has a victim's name or address" \
    "$(q "SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'view' AND p.name IN ('name', 'address', 'attributes') AND m.name = 'victims_approved'")" 0
same "  nor the minefield records' documents" "$(q "SELECT count(*) FROM pragma_table_info('minefield_records_approved') WHERE name = 'record_json'")" 0
same "the views are layers of the GeoPackage" "$(q "SELECT count(*) FROM gpkg_contents WHERE table_name LIKE '%\_approved' ESCAPE '\\'")" 11
check "the file is still a valid GeoPackage" "$PY" /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$DB"
ogrinfo -q "$DB" -sql "UPDATE hazards_approved SET name = 'x' WHERE code = '$A'" >/dev/null 2>&1
same "a view cannot be written" "$(q "SELECT coalesce(name, '') = 'x' FROM hazards WHERE code = '$A'")" 0
# an export and an import from the database are not confused by the views
expect_exit "export of hazards" 0 "$DEMINE" export "$DB" hazards "$T/out.geojson"
same "  exports the approved hazards" "$(json "$T/out.geojson" "len(d['features'])")" "$APPROVED"
"$DEMINE" init "$T/copy.gpkg" >/dev/null 2>&1
"$DEMINE" import "$T/copy.gpkg" hazards "$DB" -q >/dev/null 2>&1
same "an import from a demine database reads its first layer, hazards" "$(sqlite3 "$T/copy.gpkg" "SELECT count(*) FROM hazards")" "$(q "SELECT count(*) FROM hazards")"

# ---- a version 5 database is upgraded when opened for writing
OLD="$T/old.gpkg"
"$DEMINE" init "$OLD" >/dev/null 2>&1
"$DEMINE" import "$OLD" hazards "$BIH/suspected_areas.geojson" --set status=SHA -q >/dev/null 2>&1
strip_v6 "$OLD"
sqlite3 "$OLD" "DROP TABLE demine_imports; DROP TABLE demine_import_keys; UPDATE demine_meta SET value = '5' WHERE key = 'schema_version'"
chmod 644 "$OLD"
same "a version 5 database has no outside triggers" "$(sqlite3 "$OLD" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'demine_outside_%' OR name LIKE '%_approved'")" 0
expect_exit "demine check reads it as it is" 0 "$DEMINE" check "$OLD"
same "  and leaves it version 5" "$(sqlite3 "$OLD" "SELECT value FROM demine_meta WHERE key = 'schema_version'")" 5
printf 'old-password-77\n' >"$T/pw-old"
expect_exit "user add opens it for writing" 0 "$DEMINE" user add "$OLD" old --role admin --password-file "$T/pw-old"
same "  it is upgraded to the current version" "$(sqlite3 "$OLD" "SELECT value FROM demine_meta WHERE key = 'schema_version'")" "$(sqlite3 "$DB" "SELECT value FROM demine_meta WHERE key = 'schema_version'")"
same "  with the triggers of every kind" "$(sqlite3 "$OLD" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'demine_outside_%'")" 33
same "  and the views, as layers" "$(sqlite3 "$OLD" "SELECT count(*) FROM sqlite_master m JOIN gpkg_contents c ON c.table_name = m.name WHERE m.type = 'view'")" 11
same "  its mode is left as it was (644)" "$(stat -c %a "$OLD")" 644
sqlite3 "$OLD" "DELETE FROM hazards WHERE code = 'HA-0001'"
same "  an outside change to it is logged" "$(sqlite3 "$OLD" "SELECT who || '|' || action FROM demine_change_log WHERE code = 'HA-0001' ORDER BY fid DESC LIMIT 1")" "outside demine|delete"
ogrinfo -ro -so "$OLD" hazards_approved >"$T/oldview.txt" 2>&1
same "  its hazards_approved layer counts the approved hazards" "$(sed -n 's/^Feature Count: //p' "$T/oldview.txt")" "$(sqlite3 "$OLD" "SELECT count(*) FROM hazards WHERE state = 'approved'")"
check "  it is a valid GeoPackage" "$PY" /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$OLD"

finish
