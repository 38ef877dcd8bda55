#!/bin/sh
# Import benchmark (part of `make bench`): import of a generated file of
# about 1,000,000 PHQ-9 assessments (100,000 clients, 4-20 weekly each,
# ~1% missing items),
# measured side by side with
#   - bare:   a bare loop of prepared inserts of exactly the rows Cairn
#             wrote, into Cairn's schema with its settings (the floor);
#   - pandas: a pandas + sqlite3 pipeline doing the same job
#             (tests/bench/peers/pandas_import.py).
# Targets: >= 6x faster than pandas, <= 1.3x the bare loop, peak RSS of
# the import < 200 MB.  Env: BENCH_CLIENTS (default 100000), BENCH_RUNS
# (best of, default 3).
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
CLIENTS=${BENCH_CLIENTS:-100000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
TIME=/usr/bin/time
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB

csv=$dir/phq9_$CLIENTS.csv
if [ ! -f "$csv" ]; then
    $PY tests/bench/gen_phq9.py "$CLIENTS" "$csv" || exit 1
fi
rows=$(($(wc -l <"$csv") - 1))
size=$(du -m "$csv" | cut -f1)

${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iengine/include \
    -o "$dir/bare_insert" tests/bench/bare_insert.c "$BUILD/libcairn.a" \
    $(pkg-config --cflags --libs sqlite3 gsl jansson libsodium) -lm ||
    exit 1

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# cairn import, best of RUNS; peak RSS from the best run
best=""
rss=""
i=0
while [ $i -lt "$RUNS" ]; do
    rm -f "$dir"/cairn.db*
    "$CAIRN" --db "$dir/cairn.db" init >/dev/null || exit 1
    if [ -x $TIME ]; then
        $TIME -f '%e %M' -o "$dir/time.out" \
            "$CAIRN" --db "$dir/cairn.db" import "$csv" --create-clients \
            >"$dir/import.out" || exit 1
        t=$(cut -d' ' -f1 "$dir/time.out")
        m=$(cut -d' ' -f2 "$dir/time.out")
    else
        s=$(date +%s.%N)
        "$CAIRN" --db "$dir/cairn.db" import "$csv" --create-clients \
            >"$dir/import.out" || exit 1
        t=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
        m=""
    fi
    if [ "$(min "$best" "$t")" = "$t" ]; then
        best=$t
        rss=$m
    fi
    i=$((i + 1))
done
cat "$dir/import.out"

bare=""
i=0
while [ $i -lt "$RUNS" ]; do
    rm -f "$dir"/bare.db*
    t=$("$dir/bare_insert" "$dir/cairn.db" "$dir/bare.db" 2>/dev/null) ||
        exit 1
    bare=$(min "$bare" "$t")
    i=$((i + 1))
done

pandas=""
if $PY -c 'import pandas' 2>/dev/null; then
    rm -f "$dir"/pandas.db*
    s=$(date +%s.%N)
    $PY tests/bench/peers/pandas_import.py "$csv" "$dir/pandas.db" \
        >/dev/null || exit 1
    pandas=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
fi

echo
echo "import of $rows PHQ-9 assessments ($CLIENTS clients, ${size} MB CSV)"
printf '  %-34s %8.2f s' "cairn import --create-clients" "$best"
[ -n "$rss" ] && printf '   peak RSS %d MB' $((rss / 1024))
echo
printf '  %-34s %8.2f s\n' "bare insert loop (same rows)" "$bare"
[ -n "$pandas" ] && printf '  %-34s %8.2f s\n' "pandas + sqlite3 peer" "$pandas"
awk -v c="$best" -v b="$bare" -v p="$pandas" -v m="$rss" 'BEGIN {
    r = c / b
    printf "  cairn / bare   = %.2fx  (target <= 1.30x: %s)\n", r,
        (r <= 1.3) ? "met" : "MISSED"
    if (p != "") {
        r = p / c
        printf "  pandas / cairn = %.1fx  (target >= 6x: %s)\n", r,
            (r >= 6) ? "met" : "MISSED"
    }
    if (m != "")
        printf "  peak RSS %.0f MB (target < 200 MB: %s)\n", m / 1024,
            (m / 1024 < 200) ? "met" : "MISSED"
}'
