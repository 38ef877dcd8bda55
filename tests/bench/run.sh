#!/bin/sh
# `make bench`: every benchmark, each side by side with its named peer in
# the same run, reported as ratios (never as timed assertions in tests).
#   import_bench.sh   import of ~1,000,000 PHQ-9 assessments vs pandas and
#                     a bare insert loop (issue: the longitudinal record)
#   cohort_bench.sh   the growth model on the same data (cohort, and
#                     aggregate + report) vs R's lme4, with instructions
#   scale_bench.sh    one client's trend vs history, caseload at 10k and
#                     100k with peak memory, and peak memory at 300k
#                     (issue 17)
#   report_bench.sh   the caseload workbook for 10,000 clients
#   export_bench.sh   research export and aggregation of the data set
#   dashboard_bench.sh the caseload page at 10,000 clients beside `cairn
#                     caseload`, and a client page (issue 14)
# Env: BENCH_CLIENTS (default 100000), BENCH_RUNS (best of, default 3).
# At the end, every line that names a target, under its benchmark, with
# the count met and missed: the "Done when" in one place.
status=0
log=$(mktemp) || exit 1
trap 'rm -f "$log" "$log.failed"' EXIT INT TERM
for b in import cohort scale report export dashboard; do
    script=tests/bench/${b}_bench.sh
    [ -f "$script" ] || continue
    echo "== $b" | tee -a "$log"
    { sh "$script" || echo "$b" >>"$log.failed"; } 2>&1 | tee -a "$log"
    [ ! -s "$log.failed" ] || status=1
    echo
done
echo "== targets"
awk '/^== / { b = $2; next }
     /target/ { sub(/^ +/, ""); printf "  %-9s %s\n", b, $0
                if (/MISSED/) missed++; else if (/met/) met++ }
     END { printf "  %d met, %d missed\n", met, missed }' "$log"
exit $status
