# Shared helpers for the end-to-end tests: assertions and a temp dir that is
# removed whatever happens. Source it; $DEMINE is the binary under test.
set -uo pipefail
PASSED=0
FAILED=0
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIH="$ROOT/data/bih"
PY=/usr/bin/python3

ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name"; fi
}
# expect_exit NAME CODE COMMAND... : runs COMMAND, output in $T/out and $T/err
expect_exit() {
    local name=$1 code=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else
        fail "$name (exit $rc, expected $code)"
        sed 's/^/     /' "$T/err" | head -5
    fi
}
err_has() { grep -q -- "$1" "$T/err"; }
json() { # json FILE PYTHON-EXPR  (d is the parsed JSON)
    "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
count_rows() { # count_rows DB TABLE
    sqlite3 "$1" "SELECT count(*) FROM \"$2\""
}
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
