#!/bin/sh
# The caseload workbook for 10,000 clients (about 120,000 PHQ-9
# assessments, 4-20 weekly each, from tests/bench/gen_phq9.py), written by
# `cairn report caseload -o`: best of BENCH_RUNS.  Target: under 3 s.
# The database is built once with `cairn import` and reused.
# Env: BUILD, CAIRN, BENCH_REPORT_CLIENTS (default 10000), BENCH_RUNS
# (default 3).  Exit status 1 when the target is missed.
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
CLIENTS=${BENCH_REPORT_CLIENTS:-10000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
TARGET=3.0
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB

csv=$dir/phq9_$CLIENTS.csv
db=$dir/report_$CLIENTS.db
if [ ! -f "$db" ]; then
    if [ ! -f "$csv" ]; then
        $PY tests/bench/gen_phq9.py "$CLIENTS" "$csv" >/dev/null || exit 1
    fi
    "$CAIRN" --db "$db.tmp" init >/dev/null &&
        "$CAIRN" --db "$db.tmp" import "$csv" --create-clients >/dev/null &&
        mv "$db.tmp" "$db" || { rm -f "$db.tmp"*; exit 1; }
fi
assessments=$(sqlite3 "$db" 'SELECT count(*) FROM current_assessment' \
    2>/dev/null || echo "?")

now() { date +%s.%N; }
best=""
i=0
while [ "$i" -lt "$RUNS" ]; do
    out=$dir/caseload_$CLIENTS.xlsx
    rm -f "$out" # -o writes only new files
    t0=$(now)
    "$CAIRN" --db "$db" report caseload -o "$out" >/dev/null || exit 1
    t1=$(now)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    best=$(awk -v a="$best" -v b="$t" \
        'BEGIN { print (a == "" || b < a) ? b : a }')
    i=$((i + 1))
done
size=$(du -k "$out" | cut -f1)
verdict=$(awk -v t="$best" -v g="$TARGET" \
    'BEGIN { print (t < g) ? "ok" : "MISSED" }')
printf 'report caseload: %s clients, %s assessments -> %s KB workbook\n' \
    "$CLIENTS" "$assessments" "$size"
printf '  cairn report caseload -o: %.2f s (best of %s; target < %s s) %s\n' \
    "$best" "$RUNS" "$TARGET" "$verdict"
[ "$verdict" = ok ]
