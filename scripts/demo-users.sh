#!/usr/bin/env bash
# Adds the demo database's users, one per role that changes data, with
# random passwords kept in a file beside the database (readable by its owner
# only), so that the demo's map can be used to enter and approve records.
# usage: scripts/demo-users.sh path/to/demine DATABASE
set -euo pipefail
DEMINE=$1
DB=$2
OUT="${DB%.gpkg}.users.txt"
umask 077
: >"$OUT"
for pair in demo-editor:editor demo-approver:approver demo-reviewer:approver demo-viewer:viewer; do
    name=${pair%%:*}
    role=${pair##*:}
    pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
    pwfile=$(mktemp)
    printf '%s\n' "$pw" >"$pwfile"
    "$DEMINE" user add "$DB" "$name" --role "$role" --password-file "$pwfile" >/dev/null
    rm -f "$pwfile"
    printf '%-14s %-9s %s\n' "$name" "$role" "$pw" >>"$OUT"
done
echo "demo users (name, role, password) are in $OUT"
