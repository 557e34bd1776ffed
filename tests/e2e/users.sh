#!/usr/bin/env bash
# End-to-end: `demine user` — add, list, passwd, role, disable/enable, roles;
# bad roles, names and passwords, duplicates, missing password files, no
# password at all; a database from before users. No password and no hash may
# ever appear in what demine prints or in the change log.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
DB="$T/users.gpkg"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }
q() { sqlite3 -batch "$DB" "$1"; }

PW1='mines are not toys 1'
PW2='clear the fields 2025'
PW3='a third long password'
PW_SHORT='short pw'
printf '%s\n' "$PW1" >"$T/pw1"
printf '%s\r\n' "$PW2" >"$T/pw2" # a file written on Windows
printf '%s\n' "$PW3" >"$T/pw3"
printf '%s\n' "$PW_SHORT" >"$T/short"
printf 'Amina.Hodzic1\n' >"$T/same" # the name, in other case
: >"$T/empty"
chmod 600 "$T"/pw1 "$T"/pw2 "$T"/pw3 "$T"/short "$T"/same "$T"/empty
ALL_OUT="$T/all_output"
: >"$ALL_OUT"
# run: expect_exit, keeping everything printed for the leak check at the end
run() {
    expect_exit "$@"
    cat "$T/out" "$T/err" >>"$ALL_OUT"
}

expect_exit "init" 0 "$DEMINE" init "$DB"

# ---- add ----
run "add from a password file" 0 "$DEMINE" user add "$DB" amina --role approver --password-file "$T/pw1"
check "add says who and what" err_has "added user amina (approver)"
run "add with --role=" 0 "$DEMINE" user add "$DB" bob --role=viewer --password-file="$T/pw2"
run "add reads the password from stdin without a tty" 0 \
    sh -c 'printf "%s\n" "$1" | "$2" user add "$3" carol --role analyst' sh "$PW3" "$DEMINE" "$DB"
run "a duplicate user" 1 "$DEMINE" user add "$DB" amina --role viewer --password-file "$T/pw3"
check "a duplicate is named" err_has "user amina already exists"
run "a role that does not exist" 2 "$DEMINE" user add "$DB" dan --role boss --password-file "$T/pw1"
check "bad role lists the roles" err_has "viewer, analyst, editor, approver, admin"
run "anonymous is not a role to give" 2 "$DEMINE" user add "$DB" dan --role anonymous --password-file "$T/pw1"
run "add without --role" 2 "$DEMINE" user add "$DB" dan --password-file "$T/pw1"
run "a name that cannot be" 2 "$DEMINE" user add "$DB" "dan smith" --role viewer --password-file "$T/pw1"
run "a password that is too short" 1 "$DEMINE" user add "$DB" dan --role viewer --password-file "$T/short"
check "too short says how long" err_has "at least 12 characters"
run "a password that is the name" 1 "$DEMINE" user add "$DB" amina.hodzic1 --role viewer --password-file "$T/same"
check "the name rule is said" err_has "must not be the user name"
run "a password file that is missing" 1 "$DEMINE" user add "$DB" dan --role viewer --password-file "$T/nope"
check "the missing file is named" err_has "cannot read the password file $T/nope"
run "an empty password file" 1 "$DEMINE" user add "$DB" dan --role viewer --password-file "$T/empty"
run "no tty, no file, nothing on stdin" 2 "$DEMINE" user add "$DB" dan --role viewer </dev/null
check "no password says how to give one" err_has "no password"
run "a database that does not exist" 1 "$DEMINE" user add "$T/none.gpkg" dan --role viewer --password-file "$T/pw1"
chmod 644 "$T/pw3"
run "a password file others can read still works, with a warning" 0 \
    "$DEMINE" user add "$DB" erin --role editor --password-file "$T/pw3"
check "the warning names the file" err_has "other users can read $T/pw3"
check "failed adds added nobody" [ "$(q "SELECT group_concat(name) FROM (SELECT name FROM demine_users ORDER BY name)")" = "amina,bob,carol,erin" ]

# ---- list ----
run "list" 0 "$DEMINE" user list "$DB"
check "list has a header and one line per user" [ "$(wc -l <"$T/out")" -eq 5 ]
check "list shows name, role and disabled" grep -Eq '^bob +viewer +20[0-9-]+T[0-9:.]+Z +no$' "$T/out"
run "list --json" 0 "$DEMINE" user list "$DB" --json
check "json lists the users" [ "$(json "$T/out" "','.join(u['name']+':'+u['role'] for u in d['users'])")" = "amina:approver,bob:viewer,carol:analyst,erin:editor" ]
check "json keys" [ "$(json "$T/out" "sorted(d['users'][0].keys())")" = "['created_at', 'disabled', 'name', 'role', 'version']" ]

# ---- passwd, role, disable ----
H_BEFORE=$(q "SELECT password_hash FROM demine_users WHERE name = 'bob'")
run "passwd from a file" 0 "$DEMINE" user passwd "$DB" bob --password-file "$T/pw1"
check "passwd changed the hash" [ "$(q "SELECT password_hash FROM demine_users WHERE name = 'bob'")" != "$H_BEFORE" ]
run "passwd of nobody" 1 "$DEMINE" user passwd "$DB" nobody --password-file "$T/pw1"
check "passwd of nobody says so" err_has "no user nobody"
run "passwd with a short password" 1 "$DEMINE" user passwd "$DB" bob --password-file "$T/short"
run "passwd with a missing file" 1 "$DEMINE" user passwd "$DB" bob --password-file "$T/nope"
run "role" 0 "$DEMINE" user role "$DB" bob editor
check "the role is kept" [ "$(q "SELECT role FROM demine_users WHERE name = 'bob'")" = editor ]
run "a bad role" 2 "$DEMINE" user role "$DB" bob superuser
run "role of nobody" 1 "$DEMINE" user role "$DB" nobody viewer
run "role without a role" 2 "$DEMINE" user role "$DB" bob
run "disable" 0 "$DEMINE" user disable "$DB" carol
run "list shows disabled" 0 "$DEMINE" user list "$DB"
check "carol is disabled" grep -Eq '^carol +analyst +.* yes$' "$T/out"
run "enable" 0 "$DEMINE" user enable "$DB" carol
check "carol is enabled" [ "$(q "SELECT disabled FROM demine_users WHERE name = 'carol'")" = 0 ]
run "disable nobody" 1 "$DEMINE" user disable "$DB" nobody
run "an unknown subcommand" 2 "$DEMINE" user delete "$DB" bob
run "an unknown option" 2 "$DEMINE" user list "$DB" --all
run "--role where it does not belong" 2 "$DEMINE" user passwd "$DB" bob --role admin
run "roles" 0 "$DEMINE" user roles
check "roles prints the matrix" grep -q '^| manage_users | no | no | no | no | no | yes |$' "$T/out"
run "help" 0 "$DEMINE" user --help

# ---- the change log ----
check "every change is logged as kind user" [ "$(q "SELECT count(*) FROM demine_change_log WHERE kind = 'user'")" -eq 8 ]
check "the log says what changed" [ "$(q "SELECT group_concat(action || ' ' || code || ' ' || detail, '|') FROM (SELECT * FROM demine_change_log WHERE kind = 'user' ORDER BY fid)")" = \
    "insert amina role approver|insert bob role viewer|insert carol role analyst|insert erin role editor|update bob password hash replaced|update bob role viewer -> editor|update carol disabled|update carol enabled" ] ||
    q "SELECT action, code, detail FROM demine_change_log WHERE kind = 'user' ORDER BY fid"
check "the log says who" [ "$(q "SELECT count(DISTINCT who) FROM demine_change_log WHERE kind = 'user'")" -eq 1 ]

# ---- no password or hash anywhere it could be seen ----
q "SELECT * FROM demine_change_log" >"$T/log"
q "SELECT password_hash FROM demine_users" >"$T/hashes"
leaks=0
for pw in "$PW1" "$PW2" "$PW3" "$PW_SHORT"; do
    grep -qF -- "$pw" "$ALL_OUT" "$T/log" && leaks=$((leaks + 1))
done
while read -r h; do
    grep -qF -- "$h" "$ALL_OUT" "$T/log" && leaks=$((leaks + 1))
done <"$T/hashes"
check "no password or hash in output or change log" [ "$leaks" -eq 0 ]
check "no argon2 string in output or change log" sh -c "! grep -q argon2 '$ALL_OUT' '$T/log'"
check "hashes are Argon2id" [ "$(grep -c '^\$argon2id\$' "$T/hashes")" -eq 4 ]
check "the CRLF password file gave the password without CR" [ "$(q "SELECT count(*) FROM demine_users WHERE password_hash LIKE '%'||char(13)||'%'")" -eq 0 ]

# ---- the file is still a GeoPackage, the users are not layers ----
check "validate_gpkg.py passes" "$PY" /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$DB"
check "users are not in gpkg_contents" [ "$(q "SELECT count(*) FROM gpkg_contents WHERE table_name LIKE 'demine_%' AND table_name NOT IN ('demine_meta', 'demine_change_log')")" -eq 0 ]
run "check is clean" 0 "$DEMINE" check "$DB"

# ---- a database from before users ----
OLD="$T/old.gpkg"
expect_exit "init old" 0 "$DEMINE" init "$OLD"
strip_v6 "$OLD"
sqlite3 "$OLD" "DROP TABLE demine_users; DROP TABLE demine_tokens; DROP TABLE demine_pending; DROP TABLE demine_login_failures; DROP TABLE demine_imports; DROP TABLE demine_import_keys; UPDATE demine_meta SET value = '2' WHERE key = 'schema_version'"
chmod 444 "$OLD"
run "list on a read-only version 2 database" 0 "$DEMINE" user list "$OLD"
check "it has no users yet" err_has "no users yet: run \`demine user add"
check "it stays version 2" [ "$(sqlite3 "$OLD" "SELECT value FROM demine_meta WHERE key = 'schema_version'")" = 2 ]
if [ "$(id -u)" -ne 0 ]; then # root writes read-only files anyway
    run "add to a read-only database" 1 "$DEMINE" user add "$OLD" amina --role admin --password-file "$T/pw1"
fi
chmod 644 "$OLD"
run "add upgrades a version 2 database" 0 "$DEMINE" user add "$OLD" amina --role admin --password-file "$T/pw1"
CURRENT=$(sqlite3 "$DB" "SELECT value FROM demine_meta WHERE key = 'schema_version'")
check "it is the current version ($CURRENT)" [ "$(sqlite3 "$OLD" "SELECT value FROM demine_meta WHERE key = 'schema_version'")" = "$CURRENT" ]
check "it keeps failed logins" [ "$(sqlite3 "$OLD" "SELECT count(*) FROM sqlite_master WHERE name = 'demine_login_failures'")" = 1 ]
check "the upgraded file is a valid GeoPackage" "$PY" /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$OLD"

finish
