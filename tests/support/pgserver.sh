# shellcheck shell=bash
# Throwaway PostgreSQL + PostGIS server for tests and benchmarks.
#
# Usage (from a bash script):
#
#   source tests/support/pgserver.sh
#   pg_start 54329          # cluster in a fresh temp dir, listening on 127.0.0.1:54329
#   psql -c 'select postgis_full_version()'
#   pg_stop                 # optional: also runs automatically when the script exits
#
# pg_start creates a new cluster (trust auth, fsync off) in a fresh mktemp
# directory, listens on 127.0.0.1 only, puts the unix socket in that directory,
# creates the database demine_test with the postgis extension, waits until the
# server accepts connections and exports PGHOST, PGPORT, PGUSER, PGDATABASE.
#
# Clean-up: pg_start installs an EXIT trap that calls pg_stop and then runs
# whatever EXIT trap was set before pg_start (so the caller's own clean-up is
# kept). It also installs INT, TERM and HUP traps that exit the script (which
# fires the EXIT trap) unless the caller has already set traps for those
# signals; in that case the caller's traps must end in `exit` for the server to
# be stopped. If the caller sets a new EXIT trap *after* pg_start, it replaces
# ours and must call pg_stop itself.
#
# Runs the PostgreSQL binaries as the `postgres` user when invoked as root
# (PostgreSQL refuses to run as root), as the current user otherwise. It does
# not use or need the distribution's default cluster.
#
# Environment (optional):
#   PG_BINDIR   PostgreSQL server binaries (default: pg_config --bindir of the
#               newest /usr/lib/postgresql/*/bin)
#   PG_SERVER_OPTS  extra "-c name=value" options for the server

PG_TMPDIR="${PG_TMPDIR:-}"

_pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        printf '%s\n' "$PG_BINDIR"
        return
    fi
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && best="$d"
    done
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        best="$(pg_config --bindir)"
    fi
    if [ -z "$best" ] || [ ! -x "$best/initdb" ]; then
        echo "pgserver: no PostgreSQL server binaries found (install postgresql-15 or set PG_BINDIR)" >&2
        return 1
    fi
    printf '%s\n' "$best"
}

# Runs a command as the cluster owner.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_on_signal() {
    exit "$1"
}

pg_start() {
    local port="${1:?usage: pg_start PORT}"
    local bindir
    bindir="$(_pg_bindir)" || return 1
    if [ -n "$PG_TMPDIR" ]; then
        echo "pgserver: a server is already running in $PG_TMPDIR; call pg_stop first" >&2
        return 1
    fi

    # Install the clean-up traps first, so that a failure below still cleans up.
    local prev_exit=""
    local -a t=()
    eval "t=($(trap -p EXIT))"
    if [ "${#t[@]}" -ge 3 ]; then prev_exit="${t[2]}"; fi
    case "$prev_exit" in
        pg_stop | "pg_stop; "*) ;;  # already chained by an earlier pg_start
        "") trap 'pg_stop' EXIT ;;
        *)
        # shellcheck disable=SC2064  # expand prev_exit now, on purpose
        trap "pg_stop; $prev_exit" EXIT ;;
    esac
    local sig code
    for sig in INT TERM HUP; do
        if [ -z "$(trap -p "$sig")" ]; then
            case "$sig" in INT) code=130 ;; TERM) code=143 ;; HUP) code=129 ;; esac
            # shellcheck disable=SC2064
            trap "_pg_on_signal $code" "$sig"
        fi
    done

    PG_TMPDIR="$(mktemp -d /tmp/demine-pg.XXXXXX)" || return 1
    chmod 700 "$PG_TMPDIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_TMPDIR"
    fi

    if ! _pg_as_owner "$bindir/initdb" -D "$PG_TMPDIR/data" -U postgres \
            --auth=trust --encoding=UTF8 --locale=C --no-sync \
            >"$PG_TMPDIR/initdb.log" 2>&1; then
        echo "pgserver: initdb failed:" >&2
        cat "$PG_TMPDIR/initdb.log" >&2
        return 1
    fi

    local -a opts=(
        -c "listen_addresses=127.0.0.1" -c "port=$port"
        -c "unix_socket_directories=$PG_TMPDIR"
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off
        -c jit=off -c work_mem=256MB -c maintenance_work_mem=512MB
        -c max_wal_size=4GB -c log_min_messages=warning
    )
    # shellcheck disable=SC2206  # word splitting intended for user options
    [ -n "${PG_SERVER_OPTS:-}" ] && opts+=(${PG_SERVER_OPTS})
    if ! _pg_as_owner "$bindir/pg_ctl" -D "$PG_TMPDIR/data" -l "$PG_TMPDIR/server.log" \
            -o "${opts[*]}" -w -t 60 start >/dev/null 2>&1; then
        echo "pgserver: server did not start on 127.0.0.1:$port:" >&2
        cat "$PG_TMPDIR/server.log" >&2 2>/dev/null || true
        return 1
    fi

    export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGDATABASE=demine_test
    local i
    for i in $(seq 1 100); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres; then break; fi
        if [ "$i" -eq 100 ]; then
            echo "pgserver: server on 127.0.0.1:$port not ready" >&2
            return 1
        fi
        sleep 0.1
    done
    if ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
            -c "CREATE DATABASE demine_test" >/dev/null 2>"$PG_TMPDIR/psql.err" ||
       ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d demine_test \
            -c "SET client_min_messages=warning; CREATE EXTENSION postgis" \
            >/dev/null 2>>"$PG_TMPDIR/psql.err"; then
        echo "pgserver: could not create database demine_test with postgis:" >&2
        cat "$PG_TMPDIR/psql.err" >&2
        return 1
    fi
}

pg_stop() {
    [ -n "${PG_TMPDIR:-}" ] || return 0
    local dir="$PG_TMPDIR" bindir
    PG_TMPDIR=""
    bindir="$(_pg_bindir)" || bindir=""
    if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
        _pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    return 0
}
