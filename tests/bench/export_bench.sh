#!/bin/sh
# Research export and aggregation benchmark (part of `make bench`), on the
# import benchmark's data set (BENCH_CLIENTS clients, ~12 PHQ-9s each):
#   1. `cairn export` wide and long (pseudonyms, bands, relative days,
#      rows sorted by pseudonym through the spool), with peak memory, side
#      by side with the floor: sqlite3's own CSV dump of the same
#      assessments' stored columns (no de-identification, no scoring
#      columns, no sorting).
#   2. `cairn aggregate` of the whole clinic next to `cairn cohort` (the
#      same scan plus the growth model).
#   3. The clinic split in three by client (three stores), each
#      summarized, then `aggregate merge` and `aggregate report`, and the
#      pooled report compared with `cairn cohort` on the whole store.
#   4. Instructions (callgrind, which a shared machine's load does not
#      change) of the wide export and of the sqlite3 dump on stores of
#      each of BENCH_CG_CLIENTS clients, as ratios.
# Target (issue 17): the wide export within 2x the sqlite3 dump; the rest
# are measurements.  Outputs are replaced (--force), so runs repeat.
# Env: BENCH_CLIENTS (default 100000), BENCH_RUNS (best of, default 3),
# BENCH_CG_CLIENTS (store sizes, default "2000 20000"; 0 skips them).
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
CLIENTS=${BENCH_CLIENTS:-100000}
RUNS=${BENCH_RUNS:-3}
CG=${BENCH_CG_CLIENTS:-2000 20000}
PY=/usr/bin/python3
TIME=/usr/bin/time
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB

csv=$dir/phq9_$CLIENTS.csv
db=$dir/cohort_$CLIENTS.db
[ -f "$csv" ] || $PY tests/bench/gen_phq9.py "$CLIENTS" "$csv" || exit 1
if [ ! -f "$db" ]; then
    "$CAIRN" --db "$db" init >/dev/null &&
        "$CAIRN" --db "$db" import "$csv" --create-clients >/dev/null ||
        exit 1
fi

now() { date +%s.%N; }
best_of() { # command... -> best wall time in seconds
    b=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        s=$(now)
        "$@" >/dev/null 2>&1 || return 1
        t=$(awk -v s="$s" -v e="$(now)" 'BEGIN { print e - s }')
        b=$(awk -v a="$b" -v t="$t" 'BEGIN { print (a == "" || t < a) ? t : a }')
        i=$((i + 1))
    done
    echo "$b"
}
peak_mb() { # command... -> peak resident memory in MB
    if [ -x $TIME ]; then
        $TIME -f '%M' -o "$dir/exp_time.out" "$@" >/dev/null 2>&1 || return 1
        awk '{ printf "%.0f", $1 / 1024 }' "$dir/exp_time.out"
    else
        echo "?"
    fi
}
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", b / 1048576 }'; }

key=$dir/bench.key
rm -f "$key"
"$CAIRN" key new -o "$key" >/dev/null || exit 1
rows=$("$CAIRN" --db "$db" export --force --key "$key" -o "$dir/export_wide.csv" |
    sed -n 's/^wrote [^:]*: \([0-9]*\) rows.*/\1/p')

echo "research export of $CLIENTS clients ($rows assessments)"
w=$(best_of "$CAIRN" --db "$db" export --force --key "$key" -o "$dir/export_wide.csv") ||
    exit 1
wm=$(peak_mb "$CAIRN" --db "$db" export --force --key "$key" -o "$dir/export_wide.csv")
printf '  %-40s %7.2f s  %6s MB peak  %s\n' "cairn export (wide CSV)" "$w" \
    "$wm" "$(mb "$dir/export_wide.csv")"
l=$(best_of "$CAIRN" --db "$db" export --force --key "$key" --format long \
    -o "$dir/export_long.csv") || exit 1
lm=$(peak_mb "$CAIRN" --db "$db" export --force --key "$key" --format long \
    -o "$dir/export_long.csv")
printf '  %-40s %7.2f s  %6s MB peak  %s\n' "cairn export --format long" "$l" \
    "$lm" "$(mb "$dir/export_long.csv")"
s=$(best_of "$CAIRN" --db "$db" export --force --key "$key" --shift-dates \
    -o "$dir/export_shift.csv") || exit 1
printf '  %-40s %7.2f s\n' "cairn export --shift-dates (wide)" "$s"
rm -f "$dir"/export_long.csv* "$dir"/export_shift.csv*
if command -v sqlite3 >/dev/null; then
    f=$(best_of sqlite3 -csv "$db" "SELECT client_id, administered_at,
        responses, scores FROM current_assessment WHERE instrument = 'phq9'")
    printf '  %-40s %7.2f s  (floor: no de-identification)\n' \
        "sqlite3 -csv dump of the same rows" "$f"
    awk -v c="$w" -v f="$f" 'BEGIN { r = c / f; printf \
        "  wide export / sqlite3 dump = %.1fx  (target <= 2x: %s)\n", r, \
        (r <= 2) ? "met" : "MISSED" }'
fi

ir() { # command... -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$dir/export_cg.out" \
        "$@" >/dev/null 2>"$dir/export_cg.log" || return 1
    sed -n 's/^summary: *//p' "$dir/export_cg.out"
}
for n in $CG; do
    [ "$n" -gt 0 ] && command -v valgrind >/dev/null &&
        command -v sqlite3 >/dev/null || continue
    cgcsv=$dir/phq9_$n.csv
    cgdb=$dir/export_cg_$n.db
    [ -f "$cgcsv" ] || $PY tests/bench/gen_phq9.py "$n" "$cgcsv" >/dev/null ||
        exit 1
    if [ ! -f "$cgdb" ]; then
        "$CAIRN" --db "$cgdb" init >/dev/null &&
            "$CAIRN" --db "$cgdb" import "$cgcsv" --create-clients >/dev/null ||
            exit 1
    fi
    ce=$(ir "$CAIRN" --db "$cgdb" export --force --key "$key" \
        -o "$dir/export_cg.csv") || exit 1
    cf=$(ir sqlite3 -csv "$cgdb" "SELECT client_id, administered_at,
        responses, scores FROM current_assessment WHERE instrument = 'phq9'") ||
        exit 1
    echo "instructions (callgrind, $n clients)"
    awk -v e="$ce" -v f="$cf" 'BEGIN {
        printf "  %-40s %7.0f M\n", "cairn export (wide CSV)", e / 1e6
        printf "  %-40s %7.0f M\n", "sqlite3 -csv dump of the same rows", f / 1e6
        printf "  wide export / sqlite3 dump = %.1fx  (target <= 2x: %s)\n", \
            e / f, (e / f <= 2) ? "met" : "MISSED" }'
    rm -f "$dir"/export_cg.csv* "$dir/export_cg.out"
done

echo "aggregation"
a=$(best_of "$CAIRN" --db "$db" aggregate --instrument phq9 --force \
    -o "$dir/agg_all.json") || exit 1
c=$(best_of "$CAIRN" --db "$db" cohort --instrument phq9 --json) || exit 1
printf '  %-40s %7.2f s  %s\n' "cairn aggregate (whole clinic)" "$a" \
    "$(mb "$dir/agg_all.json")"
printf '  %-40s %7.2f s  (same scan + growth model)\n' "cairn cohort" "$c"

# The clinic split in three by client: three stores, made once.
for p in 0 1 2; do
    part=$dir/agg_part${p}_$CLIENTS.db
    if [ ! -f "$part" ]; then
        awk -F, -v p=$p 'NR == 1 || substr($1, 2) % 3 == p' "$csv" \
            >"$dir/agg_part$p.csv"
        "$CAIRN" --db "$part" init >/dev/null &&
            "$CAIRN" --db "$part" import "$dir/agg_part$p.csv" \
                --create-clients >/dev/null || exit 1
        rm -f "$dir/agg_part$p.csv"
    fi
    "$CAIRN" --db "$part" aggregate --instrument phq9 --force \
        -o "$dir/agg_site$p.json" >/dev/null || exit 1
done
m=$(best_of "$CAIRN" aggregate merge --force "$dir/agg_site0.json" \
    "$dir/agg_site1.json" "$dir/agg_site2.json" -o "$dir/agg_pooled.json") ||
    exit 1
r=$(best_of "$CAIRN" aggregate report "$dir/agg_pooled.json" --json) ||
    exit 1
printf '  %-40s %7.2f s\n' "cairn aggregate merge (3 sites)" "$m"
printf '  %-40s %7.2f s  (growth model from the blocks)\n' \
    "cairn aggregate report" "$r"
"$CAIRN" aggregate report "$dir/agg_pooled.json" --json >"$dir/agg_report.json"
"$CAIRN" --db "$db" cohort --instrument phq9 --json >"$dir/agg_cohort.json"
$PY - "$dir/agg_cohort.json" "$dir/agg_report.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
def get(o, path):
    for k in path.split("."):
        o = o[k]
    return o
worst = 0.0
for p in ["n_clients", "baseline.mean", "baseline.sd", "latest.mean",
          "effect_sizes.d.estimate", "effect_sizes.d_z.ci95",
          "rci_counts.improved", "recovered", "alpha.value",
          "mixed_model.fixed.intercept.estimate",
          "mixed_model.fixed.weeks.estimate", "mixed_model.random.sd_weeks",
          "mixed_model.random.corr", "mixed_model.sigma",
          "mixed_model.reml_criterion"]:
    a, b = get(c, p), get(r, p)
    for x, y in (zip(a, b) if isinstance(a, list) else [(a, b)]):
        worst = max(worst, abs(x - y) / max(abs(x), 1e-300))
print("  pooled report vs cairn cohort on the whole store: largest relative "
      "difference %.1e (%s suppressed)" % (worst, len(r["suppressed"])))
PY
rm -f "$dir"/export_wide.csv*
