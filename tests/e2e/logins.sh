#!/usr/bin/env bash
# End-to-end: logins against guessing, and the ways desktop GIS logs in.
# Failed logins make later ones wait (429 with Retry-After, the password not
# checked, the same for a user who does not exist), per user name and per
# client address, kept in the database (`demine user lockouts`, `unlock`);
# the OAuth2 password grant at /auth/token; HTTP Basic on every request,
# only on loopback or --behind-tls; a database failing during a token check
# is 503. Real servers on loopback ports of their own (small waits through
# --lockout), stopped whatever happens.
DEMINE=$1
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }
DB="$T/logins.gpkg"
q() { sqlite3 -batch "$DB" "$1"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', expected '$3')"; fi; }
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$DEMINE" init "$DB" >/dev/null 2>&1
"$DEMINE" import "$DB" accidents "$BIH/incidents.geojson" -q >/dev/null 2>&1
PW_A='analyst-password-1'
PW_B='viewer-password-22'
PW_C='editor-password-333'
for u in "amina analyst $PW_A" "bob viewer $PW_B" "carl editor $PW_C"; do
    set -- $u
    printf '%s\n' "$3" >"$T/pw"
    "$DEMINE" user add "$DB" "$1" --role "$2" --password-file "$T/pw" >/dev/null 2>&1
done
ACCIDENTS=$(q "SELECT count(*) FROM accidents WHERE state = 'approved'")

SERVERS=()
trap 'for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
# serve LOG ARGS...: starts a server, waits until it answers at $URL
serve() {
    local log=$1
    shift
    "$DEMINE" serve "$DB" --threads 2 --no-ui "$@" >"$log" 2>&1 &
    SERVERS+=($!)
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$URL/health" && return 0
        sleep 0.1
    done
    fail "the server on $URL did not start"
    cat "$log"
}
stop() { kill -TERM "${SERVERS[-1]}"; wait "${SERVERS[-1]}" 2>/dev/null; unset 'SERVERS[-1]'; }
# login USER PASSWORD [curl args]: POST /auth/token, "STATUS RETRY-AFTER" on
# stdout, the body in $T/body, the seconds it took in $T/took
login() {
    local u=$1 p=$2 got
    shift 2
    got=$(curl -s -D "$T/head" -o "$T/body" -w '%{http_code} %{time_total}' "$@" \
        --data-urlencode "user=$u" --data-urlencode "password=$p" "$URL/auth/token")
    echo "${got#* }" >"$T/took"
    printf '%s %s\n' "${got%% *}" "$(tr -d '\r' <"$T/head" | sed -n 's/^[Rr]etry-[Aa]fter: //p')"
}
failures() { q "SELECT coalesce((SELECT failures FROM demine_login_failures WHERE scope = '$1' AND key = '$2'), 0)"; }

# ---- back-off: 3 failures per name, 8 per address, waits of 15 s doubling to 30 s (room for a slow machine) ----
PORT=$(port)
URL="http://127.0.0.1:$PORT"
serve "$T/s1.log" --port "$PORT" --lockout 3,8,15,30
# sleeps until the wait of user $1 is over
wait_out() { sleep "$(q "SELECT max(0, locked_until - strftime('%s','now')) + 1 FROM demine_login_failures WHERE scope = 'user' AND key = '$1'")"; }

codes=""
for i in $(seq 1 10); do
    r=$(login amina "wrong-password-$i")
    codes="$codes ${r%% *}"
    [ "$i" = 1 ] && cp "$T/body" "$T/amina.401"
    [ "$i" = 3 ] && cp "$T/took" "$T/took.401"
    [ "$i" = 10 ] && cp "$T/body" "$T/amina.429"
done
same "10 wrong passwords: 401 three times, then 429" "$codes" " 401 401 401 429 429 429 429 429 429 429"
r=$(login amina "$PW_A")
took=$("$PY" -c "import sys; print(float(open(sys.argv[1]).read()) < float(open(sys.argv[2]).read()) / 2)" "$T/took" "$T/took.401")
same "the right password during the wait is 429" "${r%% *}" 429
check "  with Retry-After (1-15 s)" [ "${r#* }" -ge 1 ] && [ "${r#* }" -le 15 ]
check "  and no token" sh -c "! grep -q access_token '$T/body'"
check "  and a problem that says to wait" grep -q 'too many failed logins: try again in' "$T/body"
same "attempts during the wait are not counted (the password is not checked)" "$(failures user amina)" 3
same "  nor against the address" "$(failures address 127.0.0.1)" 3
check "  the wait is in the database" [ "$(q "SELECT locked_until > strftime('%s','now') FROM demine_login_failures WHERE key = 'amina'")" = 1 ]
check "  answered without an Argon2id check (in less than half a check's time)" [ "$took" = True ]

# a user who does not exist gets the same answers
codes=""
for i in $(seq 1 10); do
    r=$(login ghost "wrong-password-$i")
    codes="$codes ${r%% *}"
    [ "$i" = 1 ] && cp "$T/body" "$T/ghost.401"
    [ "$i" = 10 ] && cp "$T/body" "$T/ghost.429"
done
same "a user who does not exist: the same codes" "$codes" " 401 401 401 429 429 429 429 429 429 429"
same "  the same 401 body" "$(cat "$T/ghost.401")" "$(cat "$T/amina.401")"
same "  the same 429 body, but for the seconds" "$(sed 's/[0-9]//g' "$T/ghost.429")" "$(sed 's/[0-9]//g' "$T/amina.429")"
same "  counted like a user" "$(failures user ghost)" 3
check "the lock-outs are in the server's log" grep -q 'login lock-out: logins of user amina or from 127.0.0.1 wait until' "$T/s1.log"
check "  and each failure" [ "$(grep -c 'login failed (token): user amina from 127.0.0.1' "$T/s1.log")" -eq 3 ]
check "  and the lock-outs in the change log" [ "$(q "SELECT count(*) FROM demine_change_log WHERE kind = 'login' AND action = 'lockout' AND code IN ('amina', 'ghost')")" -eq 2 ]

# after the wait: the right password works and clears the name's count
wait_out amina
r=$(login amina "$PW_A")
same "after the wait the right password logs in" "${r%% *}" 200
check "  a token" grep -q access_token "$T/body"
same "  and the name's count is cleared" "$(failures user amina)" 0
same "  not the address's" "$(failures address 127.0.0.1)" 6
# one more failure after the wait doubles it (30 s)
wait_out ghost
login ghost "wrong-password-z" >/dev/null
r=$(login ghost "wrong-password-z")
check "a failure after the wait makes a longer wait (429, 29-30 s)" [ "${r%% *}" = 429 ] && [ "${r#* }" -ge 29 ] && [ "${r#* }" -le 30 ]

# ---- the admin's view ----
expect_exit "user lockouts" 0 "$DEMINE" user lockouts "$DB"
check "  lists the name with its count and wait" grep -Eq '^user +ghost +4  20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z$' "$T/out"
check "  and the address, not waiting" grep -Eq '^address +127\.0\.0\.1 +7  20[0-9-]+T[0-9:]+Z +-$' "$T/out"
check "  not amina any more" sh -c "! grep -q amina '$T/out'"
expect_exit "user lockouts --json" 0 "$DEMINE" user lockouts "$DB" --json
same "  json rows" "$(json "$T/out" "','.join(f['scope']+':'+f['key']+':'+str(f['failures']) for f in d['lockouts'])")" "user:ghost:4,address:127.0.0.1:7"
expect_exit "user unlock NAME" 0 "$DEMINE" user unlock "$DB" ghost
same "  clears it" "$(failures user ghost)" 0
expect_exit "user unlock ADDRESS" 0 "$DEMINE" user unlock "$DB" 127.0.0.1
same "  clears it" "$(failures address 127.0.0.1)" 0
expect_exit "user unlock of what has no failures" 1 "$DEMINE" user unlock "$DB" ghost
check "  says so" err_has "no failed logins are counted for ghost"
expect_exit "user unlock of something that is neither" 2 "$DEMINE" user unlock "$DB" "no body"
check "unlocks are in the change log with who" [ "$(q "SELECT count(*) FROM demine_change_log WHERE kind = 'login' AND action = 'unlock' AND who != 'demine'")" -eq 2 ]
r=$(login ghost "wrong-password-z")
same "after unlock a login is checked again" "${r%% *}" 401
"$DEMINE" user unlock "$DB" ghost >/dev/null 2>&1
"$DEMINE" user unlock "$DB" 127.0.0.1 >/dev/null 2>&1
expect_exit "user --help lists lockouts and unlock" 0 "$DEMINE" user --help
check "  lockouts" grep -q 'demine user lockouts DATABASE' "$T/out"
check "  unlock" grep -q 'demine user unlock DATABASE NAME|ADDRESS' "$T/out"

# ---- per address, across users: 8 failures from 127.0.0.2, then even a right password waits ----
for i in $(seq 1 8); do login "user$i" "wrong-password-$i" --interface 127.0.0.2 >/dev/null; done
same "8 names from one address: counted against it" "$(failures address 127.0.0.2)" 8
r=$(login bob "$PW_B" --interface 127.0.0.2)
same "  then another user's right password from there is 429" "${r%% *}" 429
r=$(login bob "$PW_B" --interface 127.0.0.3)
same "  from another address it logs in" "${r%% *}" 200
"$DEMINE" user unlock "$DB" 127.0.0.2 >/dev/null 2>&1

# ---- OAuth2 password grant (RFC 6749 4.3) ----
oauth() { curl -s -o "$T/body" -w '%{http_code}' "$URL/auth/token" "$@"; }
same "OAuth2 password grant gives a token" "$(oauth --data-urlencode grant_type=password --data-urlencode username=amina --data-urlencode "password=$PW_A")" 200
same "  Bearer, with expires_in" "$(json "$T/body" "d['token_type'] + ' ' + str(d['expires_in'] > 0) + ' ' + str(len(d['access_token']))")" "Bearer True 43"
TOKEN=$(json "$T/body" "d['access_token']")
same "  the token reads accidents" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/accidents/items?limit=1")" 200
same "OAuth2 wrong password: 400" "$(oauth -d grant_type=password -d username=amina -d password=wrong-password-1)" 400
same "  invalid_grant" "$(json "$T/body" "d['error']")" invalid_grant
same "OAuth2 another grant: 400 unsupported_grant_type" "$(oauth -d grant_type=client_credentials)/$(json "$T/body" "d['error']")" 400/unsupported_grant_type
same "OAuth2 without a username: 400 invalid_request" "$(oauth -d grant_type=password -d password=x)/$(json "$T/body" "d['error']")" 400/invalid_request
"$DEMINE" user unlock "$DB" amina >/dev/null 2>&1

# ---- HTTP Basic on loopback ----
basic() { curl -s -o "$T/body" -w '%{http_code}' -u "$1" "$URL$2"; }
same "Basic on loopback: the analyst reads accidents" "$(basic "amina:$PW_A" "/collections/accidents/items?limit=1")" 200
same "  again (remembered)" "$(basic "amina:$PW_A" "/collections/accidents/items?limit=1")" 200
same "  the viewer may not read minefield records (403)" "$(basic "bob:$PW_B" /collections/minefield-records/items)" 403
same "Basic with a wrong password is 401" "$(basic "amina:wrong-password-1" /collections/accidents/items)" 401
same "  the failure is counted" "$(failures user amina)" 1
same "Basic for nobody is 401" "$(basic "nobody:wrong-password-1" /collections/accidents/items)" 401
same "Basic that is not base64 is 401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic ???' "$URL/collections")" 401
for i in 1 2; do basic "amina:wrong-password-$i" /collections >/dev/null; done
same "  the third failure starts a wait" "$(failures user amina)" 3
same "a Basic credential remembered still reads during a wait, as a token does" "$(basic "amina:$PW_A" "/collections/accidents/items?limit=1")" 200
r=$(curl -s -D "$T/head" -o "$T/body" -w '%{http_code}' -u "amina:another-password-9" "$URL/collections/accidents/items?limit=1")
same "Basic during a wait is 429, the password not checked" "$r" 429
check "  with Retry-After" grep -qi '^retry-after: [0-9]' "$T/head"
same "  not counted" "$(failures user amina)" 3
"$DEMINE" user unlock "$DB" amina >/dev/null 2>&1
"$DEMINE" user unlock "$DB" 127.0.0.1 >/dev/null 2>&1
BURST=()
for i in 1 2 3 4 5 6; do
    curl -s -o /dev/null -w '%{http_code}\n' -u "carl:$PW_C" "$URL/collections/accidents/items?limit=1" >"$T/burst.$i" &
    BURST+=($!)
done
wait "${BURST[@]}"
same "6 requests at once with new Basic credentials: all 200 (checked once or twice, not refused busy)" "$(cat "$T"/burst.* | sort | uniq -c | tr -s ' ')" " 6 200"
same "a disabled user's remembered Basic is refused at once" \
    "$(basic "carl:$PW_C" /collections/accidents/items?limit=1)/$("$DEMINE" user disable "$DB" carl >/dev/null 2>&1; basic "carl:$PW_C" /collections/accidents/items?limit=1)" 200/401
"$DEMINE" user enable "$DB" carl >/dev/null 2>&1
printf 'a-new-password-4444\n' >"$T/pw"
same "a changed password's remembered Basic is refused at once" \
    "$(basic "carl:$PW_C" /collections/accidents/items?limit=1)/$("$DEMINE" user passwd "$DB" carl --password-file "$T/pw" >/dev/null 2>&1; basic "carl:$PW_C" /collections/accidents/items?limit=1)" 200/401
"$DEMINE" user unlock "$DB" carl >/dev/null 2>&1
"$DEMINE" user unlock "$DB" 127.0.0.1 >/dev/null 2>&1
# GDAL as QGIS uses it: Basic with each request
if GDAL_HTTP_AUTH=BASIC GDAL_HTTP_USERPWD="amina:$PW_A" timeout 120 ogrinfo -ro -so \
    "OAPIF:$URL" accidents >"$T/ogr.log" 2>&1; then
    same "GDAL with Basic reads accidents" "$(sed -n 's/^Feature Count: //p' "$T/ogr.log")" "$ACCIDENTS"
else
    fail "GDAL with Basic could not read accidents"
    head -5 "$T/ogr.log"
fi
check "no password in the server log" sh -c "! grep -qF -e '$PW_A' -e '$PW_B' -e '$PW_C' '$T/s1.log'"

# ---- a database failing during a token check: 503, not 401 ----
sqlite3 "$DB" "ALTER TABLE demine_tokens RENAME TO demine_tokens_away"
same "a token check the database cannot answer is 503" "$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/accidents/items?limit=1")" 503
check "  saying the database is unavailable" grep -q 'Database unavailable' "$T/body"
sqlite3 "$DB" "ALTER TABLE demine_tokens_away RENAME TO demine_tokens"
same "  and 200 once it is back" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/accidents/items?limit=1")" 200
stop

# ---- a second server on the same database sees the same waits ----
PORT=$(port)
URL="http://127.0.0.1:$PORT"
serve "$T/s2.log" --port "$PORT" --lockout 3,8,30,60
PORT2=$(port)
URL2="http://127.0.0.1:$PORT2"
URL=$URL2 serve "$T/s3.log" --port "$PORT2" --lockout 3,8,30,60
for i in 1 2 3; do login bob "wrong-password-$i" >/dev/null; done
r=$(URL=$URL2 login bob "$PW_B")
same "a wait started through one server holds on another" "${r%% *}" 429
"$DEMINE" user unlock "$DB" bob >/dev/null 2>&1
r=$(URL=$URL2 login bob "$PW_B")
same "  and an unlock through the command ends it on both" "${r%% *}" 200
stop
stop

# ---- Basic off loopback: refused unless --behind-tls ----
OTHER=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
if [ -n "$OTHER" ]; then
    PORT=$(port)
    URL="http://$OTHER:$PORT"
    serve "$T/s4.log" --bind "$OTHER" --port "$PORT"
    same "Basic on $OTHER without --behind-tls is 401" "$(basic "amina:$PW_A" /collections/accidents/items?limit=1)" 401
    check "  saying why" grep -q 'without TLS in front of it' "$T/body"
    same "  tokens still work there" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/accidents/items?limit=1")" 200
    same "  and nothing was counted" "$(failures user amina)" 0
    stop
    serve "$T/s5.log" --bind "$OTHER" --port "$PORT" --behind-tls
    same "Basic on $OTHER with --behind-tls is 200" "$(basic "amina:$PW_A" /collections/accidents/items?limit=1)" 200
    stop
else
    echo "skip Basic off loopback: this machine has no address but loopback"
fi
PORT=$(port)
URL="http://127.0.0.2:$PORT"
serve "$T/s6.log" --bind 127.0.0.2 --port "$PORT"
same "Basic on 127.0.0.2 (loopback) is 200" "$(basic "amina:$PW_A" /collections/accidents/items?limit=1)" 200
stop

finish
