#!/usr/bin/env bash
# Runs every built libFuzzer target for SECONDS seconds each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build configured with -DCMAKE_C_COMPILER=clang -DDM_FUZZ=ON.
# Each target starts from a copy of its seed corpus (tests/fuzz/corpus/<target>),
# so the repository is never modified; tests/fuzz/<target>.dict is used as a
# libFuzzer dictionary when there is one. Prints one line per target and exits
# non-zero when any target crashed (sanitizer error, abort, leak, timeout,
# out of memory). Crash inputs and logs are kept in BUILD_DIR/fuzz-results/.
#
# Environment: DM_FUZZ_TARGETS="fuzz_date fuzz_utf8" runs only those;
# DM_FUZZ_ARGS adds libFuzzer options (e.g. "-jobs=4 -workers=4").
set -u

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" 2>/dev/null && pwd) || { echo "$0: no such build folder: $1" >&2; exit 2; }
seconds=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=${DM_FUZZ_TARGETS:-"fuzz_gpkg_blob fuzz_date fuzz_field fuzz_utf8 fuzz_import fuzz_casualties fuzz_casualty_summary fuzz_cql2 fuzz_qs fuzz_request"}

results=$build/fuzz-results
mkdir -p "$results"
work=$(mktemp -d "${TMPDIR:-/tmp}/dm-fuzz-run.XXXXXX") || exit 2
# scratch space the targets use (fuzz_import's databases): tmpfs when there is one
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    scratch=$(mktemp -d /dev/shm/dm-fuzz-tmp.XXXXXX) || exit 2
else
    scratch=$work/tmp
    mkdir -p "$scratch"
fi
child=
cleanup() {
    [ -n "$child" ] && kill "$child" 2>/dev/null
    rm -rf "$work" "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

find_target() {
    local t=$1
    if [ -x "$build/tests/fuzz/$t" ]; then
        echo "$build/tests/fuzz/$t"
        return
    fi
    find "$build" -type f -name "$t" -perm -u+x 2>/dev/null | head -n 1
}

failed=0
ran=0
for t in $targets; do
    exe=$(find_target "$t")
    if [ -z "$exe" ]; then
        printf '%-16s SKIPPED: not built in %s\n' "$t" "$build"
        continue
    fi
    ran=$((ran + 1))
    corpus=$work/corpus/$t
    mkdir -p "$corpus"
    if [ -d "$here/corpus/$t" ]; then
        cp -R "$here/corpus/$t/." "$corpus/"
    fi
    nseeds=$(find "$corpus" -type f | wc -l)
    out=$results/$t
    rm -rf "$out"
    mkdir -p "$out"
    log=$out/log.txt
    dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    # shellcheck disable=SC2086
    TMPDIR=$scratch "$exe" "$corpus" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=60 \
        -artifact_prefix="$out/" -print_final_stats=1 "${dict[@]}" ${DM_FUZZ_ARGS:-} >"$log" 2>&1 &
    child=$!
    wait "$child"
    rc=$?
    child=
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    ncorpus=$(find "$corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        printf '%-16s OK: %s runs in %ss, coverage %s, corpus %s -> %s inputs\n' "$t" \
            "${execs:-?}" "$seconds" "${cov:-?}" "$nseeds" "$ncorpus"
    else
        failed=$((failed + 1))
        artifact=$(find "$out" -maxdepth 1 -type f ! -name log.txt | head -n 1)
        what=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)[^(]*|runtime error:.*|fuzz_[a-z_0-9]+: .*' "$log" | head -n 1)
        printf '%-16s CRASH (exit %s): %s; input: %s; log: %s\n' "$t" "$rc" \
            "${what:-see log}" "${artifact:-none}" "$log"
    fi
done

if [ "$ran" -eq 0 ]; then
    echo "no fuzz targets found in $build (configure with -DCMAKE_C_COMPILER=clang -DDM_FUZZ=ON)" >&2
    exit 2
fi
[ "$failed" -eq 0 ]
