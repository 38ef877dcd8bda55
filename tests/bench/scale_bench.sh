#!/bin/sh
# Commands that must not grow with the whole store (part of `make bench`),
# each against its target as a ratio:
#   1. one client's `cairn trend` vs `cairn history` for the same client in
#      the 100k-client store, with the clinic model's cache warm (target:
#      trend <= 5x history), and the cold call that fills the cache;
#   2. `cairn caseload` at 10k and 100k clients: wall time and peak memory
#      (/usr/bin/time -v), targets: 10k < 0.3 s, 100k <= `cairn cohort` on
#      the same store, peak memory < 200 MB at any size;
#   3. the caseload workbook (`cairn report caseload -o`) at 10k and 100k
#      clients, against the same targets, and `caseload --json` at 10k
#      (memory, which must not grow with the clients' assessments);
#   4. instructions (callgrind, when valgrind is installed) of `cairn
#      caseload` and `cairn cohort` on the 10k store, as a ratio: wall
#      times on a shared machine vary by a third, instructions do not;
#   5. the workbook's floor (tests/bench/bare_xlsx.c): libxlsxwriter
#      alone, in constant-memory mode, writing the cells of the Caseload
#      sheet Cairn wrote (read back by tests/bench/xlsx_cells.py), at 10k
#      and 100k, time and instructions beside the workbook's, as a ratio:
#      what any workbook written with libxlsxwriter costs; and below
#      it, zlib alone deflating the 100k workbook's parts at the level
#      the package shows (tests/bench/deflate_floor.py): what any writer
#      that compresses as libxlsxwriter does costs;
#   6. peak memory of `cairn caseload` and the caseload workbook at
#      300,000 clients (3.6 M assessments; one run each), target < 200 MB:
#      their rows go to temporary files past 16 MiB.
# Env: BENCH_CLIENTS (default 100000), BENCH_RUNS (best of, default 3),
# BENCH_BIG (the clients of 6., default 300000; 0 skips it).
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
CLIENTS=${BENCH_CLIENTS:-100000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB
status=0

make_db() { # clients db (the import benchmark's data set)
    csv=$dir/phq9_$1.csv
    [ -f "$csv" ] || $PY tests/bench/gen_phq9.py "$1" "$csv" >/dev/null ||
        exit 1
    if [ ! -f "$2" ]; then
        "$CAIRN" --db "$2" init >/dev/null &&
            "$CAIRN" --db "$2" import "$csv" --create-clients >/dev/null ||
            exit 1
    fi
}

# Best wall time (s) and the largest peak RSS (KB) of RUNS runs.
measure() { # command...
    bt=""
    bm=0
    i=0
    while [ $i -lt "$RUNS" ]; do
        /usr/bin/time -f "%e %M" -o "$dir/time.out" "$@" >/dev/null ||
            return 1
        read -r t m <"$dir/time.out"
        bt=$(awk -v a="$bt" -v t="$t" 'BEGIN { print (a == "" || t < a) ? t : a }')
        bm=$(awk -v a="$bm" -v m="$m" 'BEGIN { print (m > a) ? m : a }')
        i=$((i + 1))
    done
    echo "$bt $bm"
}

# Prints met / MISSED; a miss is noted in $missed (verdict runs in $(...)).
missed=$dir/scale_missed
rm -f "$missed"
verdict() { # ok-condition (awk)
    if awk "BEGIN { exit !($1) }"; then
        echo met
    else
        echo x >>"$missed"
        echo MISSED
    fi
}

db=$dir/cohort_$CLIENTS.db
make_db "$CLIENTS" "$db"
client=$(sqlite3 "$db" "SELECT code FROM client ORDER BY id LIMIT 1 OFFSET \
    (SELECT count(*) / 2 FROM client)") || exit 1
# Open once (a store made by an older cairn migrates), then move the
# change counter as every write does, so the next trend scans.
"$CAIRN" --db "$db" history --client "$client" >/dev/null || exit 1
sqlite3 "$db" "UPDATE store_change SET n = n + 1" || exit 1
/usr/bin/time -f "%e %M" -o "$dir/time.out" \
    "$CAIRN" --db "$db" trend --client "$client" --instrument phq9 \
    >/dev/null || exit 1
read -r cold cold_m <"$dir/time.out"
set -- $(measure "$CAIRN" --db "$db" trend --client "$client" \
    --instrument phq9) || exit 1
tr_m=$2
# Both take about 10 ms, /usr/bin/time's step: their times are the mean
# of 20 runs in a row, from the clock's nanoseconds.
per_run() { # command...: seconds a run
    t0=$(date +%s%N)
    i=0
    while [ $i -lt 20 ]; do
        "$@" >/dev/null || return 1
        i=$((i + 1))
    done
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 20 / 1e9 }'
}
tr_t=$(per_run "$CAIRN" --db "$db" trend --client "$client" \
    --instrument phq9) || exit 1
hi_t=$(per_run "$CAIRN" --db "$db" history --client "$client") || exit 1
echo "one client's trend, $CLIENTS clients"
printf '  %-34s %8.3f s  %6d KB\n' "cairn trend (cache cold)" "$cold" "$cold_m"
printf '  %-34s %8.3f s  %6d KB\n' "cairn trend (cache warm)" "$tr_t" "$tr_m"
printf '  %-34s %8.3f s\n' "cairn history" "$hi_t"
r=$(awk -v a="$tr_t" -v b="$hi_t" 'BEGIN { printf "%.1f", a / b }')
printf '  trend / history = %sx  (target <= 5x: %s)\n' "$r" \
    "$(verdict "$r <= 5")"

set -- $(measure "$CAIRN" --db "$db" cohort --instrument phq9) || exit 1
co_t=$1
small=$dir/caseload_10000.db
make_db 10000 "$small"
set -- $(measure "$CAIRN" --db "$small" caseload) || exit 1
c10_t=$1
c10_m=$2
set -- $(measure "$CAIRN" --db "$db" caseload) || exit 1
cl_t=$1
cl_m=$2
echo "caseload"
printf '  %-34s %8.2f s  %7d KB  (target < 0.3 s: %s; < 200 MB: %s)\n' \
    "cairn caseload, 10,000 clients" "$c10_t" "$c10_m" \
    "$(verdict "$c10_t < 0.3")" "$(verdict "$c10_m < 204800")"
printf '  %-34s %8.2f s  %7d KB  (< 200 MB: %s)\n' \
    "cairn caseload, $CLIENTS clients" "$cl_t" "$cl_m" \
    "$(verdict "$cl_m < 204800")"
printf '  %-34s %8.2f s\n' "cairn cohort, $CLIENTS clients" "$co_t"
r=$(awk -v a="$cl_t" -v b="$co_t" 'BEGIN { printf "%.1f", a / b }')
printf '  caseload / cohort = %sx  (target <= 1x: %s)\n' "$r" \
    "$(verdict "$r <= 1")"

# The caseload workbook, the same clients, the same targets.
set -- $(measure "$CAIRN" --db "$small" report caseload --force \
    -o "$dir/scale_caseload_10000.xlsx") || exit 1
w10_t=$1
w10_m=$2
set -- $(measure "$CAIRN" --db "$db" report caseload --force \
    -o "$dir/scale_caseload_$CLIENTS.xlsx") || exit 1
wl_t=$1
wl_m=$2
# Its floor: the same list sheet's cells written by libxlsxwriter alone.
bare=$dir/bare_xlsx
${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -o "$bare" \
    tests/bench/bare_xlsx.c $(pkg-config --cflags --libs xlsxwriter) ||
    exit 1
floor() { # clients: best of RUNS seconds of writing that workbook's list
    $PY tests/bench/xlsx_cells.py "$dir/scale_caseload_$1.xlsx" Caseload \
        "$dir/bare_cells_$1.txt" >/dev/null || return 1
    bt=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        t=$("$bare" "$dir/bare_cells_$1.txt" "$dir/bare_$1.xlsx") || return 1
        bt=$(awk -v a="$bt" -v t="$t" 'BEGIN { print (a == "" || t < a) ? t : a }')
        i=$((i + 1))
    done
    echo "$bt"
}
f10_t=$(floor 10000) || exit 1
fl_t=$(floor "$CLIENTS") || exit 1
# Below that floor: zlib deflating the same workbook's parts, nothing else.
set -- $($PY tests/bench/deflate_floor.py "$dir/scale_caseload_$CLIENTS.xlsx" \
    "$RUNS") || exit 1
zl_t=$1
zl_level=$2
rm -f "$dir"/scale_caseload_*.xlsx "$dir"/bare_*.xlsx
echo "caseload workbook"
printf '  %-34s %8.2f s  %7d KB  (target < 0.3 s: %s; < 200 MB: %s)\n' \
    "report caseload, 10,000 clients" "$w10_t" "$w10_m" \
    "$(verdict "$w10_t < 0.3")" "$(verdict "$w10_m < 204800")"
printf '  %-34s %8.2f s  %7d KB  (< 200 MB: %s)\n' \
    "report caseload, $CLIENTS clients" "$wl_t" "$wl_m" \
    "$(verdict "$wl_m < 204800")"
r=$(awk -v a="$wl_t" -v b="$co_t" 'BEGIN { printf "%.1f", a / b }')
printf '  workbook / cohort = %sx  (target <= 1x: %s)\n' "$r" \
    "$(verdict "$r <= 1")"
printf '  %-34s %8.2f s  (workbook / floor = %sx)\n' \
    "floor: list alone, 10,000 clients" "$f10_t" \
    "$(awk -v a="$w10_t" -v b="$f10_t" 'BEGIN { printf "%.1f", a / b }')"
printf '  %-34s %8.2f s  (workbook / floor = %sx; floor / cohort = %sx)\n' \
    "floor: list alone, $CLIENTS clients" "$fl_t" \
    "$(awk -v a="$wl_t" -v b="$fl_t" 'BEGIN { printf "%.1f", a / b }')" \
    "$(awk -v a="$fl_t" -v b="$co_t" 'BEGIN { printf "%.1f", a / b }')"
printf '  %-34s %8.2f s  (zlib level %s, as the package; deflate / cohort = %sx)\n' \
    "floor: deflate, $CLIENTS clients" "$zl_t" "$zl_level" \
    "$(awk -v a="$zl_t" -v b="$co_t" 'BEGIN { printf "%.2f", a / b }')"
set -- $(measure "$CAIRN" --db "$small" caseload --json) || exit 1
printf '  %-34s %8.2f s  %7d KB  (target < 200 MB: %s)\n' \
    "caseload --json, 10,000 clients" "$1" "$2" "$(verdict "$2 < 204800")"

# Memory at BENCH_BIG clients: the store is made once (the import
# benchmark's data set, about 30 s) and kept for the next runs.
BIG=${BENCH_BIG:-300000}
if [ "$BIG" -gt 0 ]; then
    big=$dir/cohort_$BIG.db
    make_db "$BIG" "$big"
    runs=$RUNS
    RUNS=1
    set -- $(measure "$CAIRN" --db "$big" caseload) || exit 1
    echo "memory, $BIG clients (one run each)"
    printf '  %-34s %8.2f s  %7d KB  (target < 200 MB: %s)\n' \
        "cairn caseload" "$1" "$2" "$(verdict "$2 < 204800")"
    set -- $(measure "$CAIRN" --db "$big" report caseload --force \
        -o "$dir/scale_caseload_big.xlsx") || exit 1
    rm -f "$dir/scale_caseload_big.xlsx"
    printf '  %-34s %8.2f s  %7d KB  (target < 200 MB: %s)\n' \
        "report caseload -o" "$1" "$2" "$(verdict "$2 < 204800")"
    RUNS=$runs
fi

# Instructions, 10k store: the caseload beside the cohort's scan.
instructions() { # [callgrind option] command...
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
        2>&1 >/dev/null | sed -n 's/.*refs: *//p' | tr -d ,
}
if command -v valgrind >/dev/null 2>&1; then
    ci=$(instructions "$CAIRN" --db "$small" caseload)
    oi=$(instructions "$CAIRN" --db "$small" cohort --instrument phq9)
    wi=$(instructions "$CAIRN" --db "$small" report caseload \
        -o "$dir/scale_caseload_cg.xlsx")
    rm -f "$dir/scale_caseload_cg.xlsx"
    # the floor's writing alone, not its reading of the cells file
    bi=$(instructions --toggle-collect=write_book "$bare" \
        "$dir/bare_cells_10000.txt" "$dir/bare_cg.xlsx")
    rm -f "$dir/bare_cg.xlsx"
    echo "instructions, 10,000 clients (callgrind)"
    printf '  %-34s %14s\n' "cairn caseload" "$ci" \
        "report caseload" "$wi" "cairn cohort" "$oi" \
        "floor: list alone (bare_xlsx)" "$bi"
    printf '  caseload / cohort = %s  workbook / cohort = %s\n' \
        "$(awk -v a="$ci" -v b="$oi" 'BEGIN { printf "%.2fx", a / b }')" \
        "$(awk -v a="$wi" -v b="$oi" 'BEGIN { printf "%.2fx", a / b }')"
    printf '  workbook / floor = %s  floor / cohort = %s\n' \
        "$(awk -v a="$wi" -v b="$bi" 'BEGIN { printf "%.2fx", a / b }')" \
        "$(awk -v a="$bi" -v b="$oi" 'BEGIN { printf "%.2fx", a / b }')"
else
    echo "instructions: valgrind not installed, not counted"
fi
rm -f "$dir"/bare_cells_*.txt
[ -f "$missed" ] && status=1
exit $status
