#!/bin/sh
# Runs every suite and ends with one line "N passed, N failed".
# Unit suites (cmocka) and command suites (tests/cli/*.sh) both speak TAP:
# each test prints "ok ..." or "not ok ...".  A suite that dies without
# reporting its tests counts as one failure.
# Env: BUILD (build dir), CAIRN (the binary), VALGRIND=1 (unit suites only),
# UNITS and SUITES (only these unit suites and command suites, by name,
# without the fuzz replays: make tsan).
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
export CAIRN BUILD
export TZ=UTC LC_ALL=C
export CMOCKA_MESSAGE_OUTPUT=TAP
export CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB CAIRN_TEXTS
# No file a test writes may pass 2 GiB (512-byte blocks): a runaway writer
# once filled the disk; now it gets SIGXFSZ and its suite fails instead.
ulimit -S -f 4194304 2>/dev/null || :
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

run_suite() {   # name, command...
    name=$1
    shift
    out="$tmp/out"
    "$@" >"$out" 2>&1
    status=$?
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $status"
    fi
    if [ "$f" -ne 0 ] || [ -n "$VERBOSE" ]; then
        grep -v '^ok ' "$out" | head -60
    else
        grep '^# SKIP' "$out"
    fi
    printf '%-28s %4d passed, %d failed\n' "$name" "$p" "$f"
    passed=$((passed + p))
    failed=$((failed + f))
}

vg=""
if [ -n "$VALGRIND" ]; then
    vg="valgrind -q --error-exitcode=1 --leak-check=full"
fi
# Whether NAME is in the space-separated list LIST (or LIST is unset).
chosen() { # list name
    [ -z "$1" ] && return 0
    case " $1 " in *" $2 "*) return 0 ;; esac
    return 1
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    chosen "${UNITS:-}" "$(basename "$t")" || continue
    run_suite "$(basename "$t")" $vg "$t"
done
for r in "$BUILD"/tests/replay_*; do
    [ -x "$r" ] || continue
    [ -z "${UNITS:-}" ] || continue
    n=$(basename "$r")
    corpus=tests/fuzz/corpus/${n#replay_fuzz_}
    run_suite "$n" "$r" "$corpus"
done
if [ -z "$VALGRIND" ]; then
    for s in tests/cli/*.sh; do
        [ "$(basename "$s")" = lib.sh ] && continue
        chosen "${SUITES:-}" "$(basename "$s" .sh)" || continue
        run_suite "cli/$(basename "$s" .sh)" sh "$s"
    done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
