#!/bin/sh
# Statistics benchmark (part of `make bench`):
#   1. `cairn cohort` (scan of the store + the growth model
#      score ~ weeks + (weeks | client) by REML) on the import benchmark's
#      data set, side by side with R's lme4 fitting the same rows
#      (tests/bench/peers/lme4_fit.R; only its default lmer() call is
#      timed), with the estimates compared to lme4's refit with a strict
#      optimizer.  Target: >= 30x faster than lme4 (issue 17).
#   2. `cairn aggregate` (the same scan, written as a summary file) plus
#      `cairn aggregate report` (the growth model from the file's blocks)
#      against the same lme4 fit, same target.
#   3. Instructions (callgrind) of both on a smaller store
#      (BENCH_CG_CLIENTS, default 10000; 0 skips), since wall times on a
#      shared machine vary by 30% and instructions do not.  lme4 is not
#      counted: R under callgrind takes many minutes.
# The caseload's timing is scale_bench.sh's (issue 17: 0.3 s at 10k).
# Env: BENCH_CLIENTS (default 100000), BENCH_RUNS (best of, default 3),
#      BENCH_CG_CLIENTS.
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
CLIENTS=${BENCH_CLIENTS:-100000}
RUNS=${BENCH_RUNS:-3}
CG=${BENCH_CG_CLIENTS:-10000}
PY=/usr/bin/python3
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB

# A store of CLIENTS generated clients (the import benchmark's data set).
make_db() { # clients db
    csv=$dir/phq9_$1.csv
    [ -f "$csv" ] || $PY tests/bench/gen_phq9.py "$1" "$csv" || exit 1
    if [ ! -f "$2" ]; then
        "$CAIRN" --db "$2" init >/dev/null &&
            "$CAIRN" --db "$2" import "$csv" --create-clients >/dev/null ||
            exit 1
    fi
}

now() { date +%s.%N; }
best_of() { # command... -> best wall time in seconds
    b=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        s=$(now)
        "$@" >/dev/null || return 1
        t=$(awk -v s="$s" -v e="$(now)" 'BEGIN { print e - s }')
        b=$(awk -v a="$b" -v t="$t" 'BEGIN { print (a == "" || t < a) ? t : a }')
        i=$((i + 1))
    done
    echo "$b"
}

db=$dir/cohort_$CLIENTS.db
make_db "$CLIENTS" "$db"
"$CAIRN" --db "$db" cohort --instrument phq9 --json >"$dir/cohort.json" ||
    exit 1
cairn_t=$(best_of "$CAIRN" --db "$db" cohort --instrument phq9 --json) ||
    exit 1
echo "growth model on $CLIENTS clients"
printf '  %-34s %8.2f s (scan + fit)\n' "cairn cohort --instrument phq9" \
    "$cairn_t"

if ! command -v Rscript >/dev/null ||
    ! Rscript -e 'suppressMessages(library(lme4))' 2>/dev/null; then
    echo "  lme4 peer skipped: install r-cran-lme4 (make bench-deps)"
    exit 0
fi
# The rows Cairn fits: each client's scored totals, weeks since their first.
sqlite3 -csv -header "$db" "
    WITH s AS (SELECT client_id, administered_at AS d,
                      json_extract(scores, '\$[0][0]') AS y
               FROM current_assessment WHERE instrument = 'phq9')
    SELECT client_id AS client,
           (julianday(d) - min(julianday(d)) OVER (PARTITION BY client_id))
               / 7.0 AS weeks,
           y AS score
    FROM s WHERE y IS NOT NULL" >"$dir/rows.csv" || exit 1
Rscript tests/bench/peers/lme4_fit.R "$dir/rows.csv" >"$dir/lme4.json" \
    2>"$dir/lme4.log" ||
    exit 1
$PY - "$dir/cohort.json" "$dir/lme4.json" "$cairn_t" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["mixed_model"]
r = json.load(open(sys.argv[2]))
t = float(sys.argv[3])
ours = {"intercept": c["fixed"]["intercept"]["estimate"],
        "weeks": c["fixed"]["weeks"]["estimate"],
        "sd_intercept": c["random"]["sd_intercept"],
        "sd_weeks": c["random"]["sd_weeks"], "corr": c["random"]["corr"],
        "sigma": c["sigma"], "reml_criterion": c["reml_criterion"]}
print("  %-34s %8.2f s (lmer() alone, %d rows)" % ("R lme4 peer", r["seconds"], r["n"]))
for k in ["intercept", "weeks", "sd_intercept", "sd_weeks", "corr", "sigma"]:
    rel = abs(ours[k] - r[k]) / max(abs(r[k]), 1e-300)
    print("    %-14s cairn %.10g  lme4 %.10g  rel. diff %.1e" % (k, ours[k], r[k], rel))
print("    (lme4 estimates from its strict refit; its default fit's warnings"
      " are in lme4.log)")
print("    REML criterion cairn %.6f  lme4 %.6f  (cairn - lme4 = %.2e)"
      % (ours["reml_criterion"], r["reml_criterion"],
         ours["reml_criterion"] - r["reml_criterion"]))
ratio = r["seconds"] / t
print("  lme4 / cairn = %.1fx  (target >= 30x: %s)" % (ratio, "met" if ratio >= 30 else "MISSED"))
PY


agg=$dir/cohort_agg.json
"$CAIRN" --db "$db" aggregate --instrument phq9 -o "$agg" --force \
    >/dev/null || exit 1
agg_t=$(best_of "$CAIRN" --db "$db" aggregate --instrument phq9 -o "$agg" \
    --force) || exit 1
rep_t=$(best_of "$CAIRN" aggregate report "$agg" --json) || exit 1
awk -v a="$agg_t" -v r="$rep_t" -v l="$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' \
    "$dir/lme4.json")" 'BEGIN {
    printf "  %-34s %8.2f s (scan, summary file)\n", "cairn aggregate", a
    printf "  %-34s %8.2f s (growth model from the blocks)\n", \
        "cairn aggregate report", r
    printf "  lme4 / (aggregate + report) = %.1fx  (target >= 30x: %s)\n", \
        l / (a + r), (l / (a + r) >= 30) ? "met" : "MISSED" }'

if [ "$CG" -gt 0 ] && command -v valgrind >/dev/null; then
    cg_db=$dir/cohort_$CG.db
    make_db "$CG" "$cg_db"
    n=$(sqlite3 "$cg_db" "SELECT count(*) FROM current_assessment
                          WHERE instrument = 'phq9'") || exit 1
    count() { # name command... -> instructions
        name=$1
        shift
        valgrind --tool=callgrind --callgrind-out-file="$dir/cg_$name.out" \
            "$@" >/dev/null 2>"$dir/cg_$name.log" || return 1
        sed -n 's/^summary: *//p' "$dir/cg_$name.out"
    }
    ic=$(count cohort "$CAIRN" --db "$cg_db" cohort --instrument phq9 \
        --json) || exit 1
    ia=$(count aggregate "$CAIRN" --db "$cg_db" aggregate --instrument phq9 \
        -o "$dir/cg_agg.json" --force) || exit 1
    echo "instructions (callgrind, $CG clients, $n assessments)"
    awk -v c="$ic" -v a="$ia" -v n="$n" 'BEGIN {
        printf "  %-34s %8.3f G  %6.0f per assessment\n", "cairn cohort", \
            c / 1e9, c / n
        printf "  %-34s %8.3f G  %6.0f per assessment\n", "cairn aggregate", \
            a / 1e9, a / n }'
    echo "  (callgrind_annotate $dir/cg_cohort.out for the profile)"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
