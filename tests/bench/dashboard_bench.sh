#!/bin/sh
# The dashboard's pages against their targets (part of `make bench`),
# side by side with the command in the same run:
#   1. the caseload page of 10,000 clients, as a supervisor sees it (every
#      client's rows computed, counted and ordered; the first 200 lines
#      shown), from request to last byte over loopback HTTP, beside
#      `cairn caseload` on the same store (target: page < 1 s), and a
#      page from the middle of the list in client order;
#   2. one client's page in the same store (target < 100 ms).
# Timings come from tests/bench/page_time.py (best of BENCH_RUNS, after
# one warm-up fetch that fills the clinic model's cache).
# Env: BENCH_RUNS (best of, default 3).
BUILD=${BUILD:-build}
CAIRN=${CAIRN:-$BUILD/cairn}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
PW="correct horse battery"
dir=$BUILD/bench
mkdir -p "$dir" || exit 1
export TZ=UTC LC_ALL=C CAIRN_INSTRUMENTS="$(pwd)/instruments"
unset CAIRN_DB
status=0

# The 10,000-client store of scale_bench.sh (the import benchmark's
# generator), with a supervisor's account.
csv=$dir/phq9_10000.csv
db=$dir/caseload_10000.db
[ -f "$csv" ] || $PY tests/bench/gen_phq9.py 10000 "$csv" >/dev/null || exit 1
if [ ! -f "$db" ]; then
    "$CAIRN" --db "$db" init >/dev/null &&
        "$CAIRN" --db "$db" import "$csv" --create-clients >/dev/null ||
        exit 1
fi
"$CAIRN" --db "$db" user list 2>/dev/null | grep -q '^bench ' ||
    printf '%s\n' "$PW" | "$CAIRN" --db "$db" user add bench \
        --role supervisor --password-stdin >/dev/null || exit 1
client=$(sqlite3 "$db" "SELECT code FROM client ORDER BY id LIMIT 1 OFFSET \
    (SELECT count(*) / 2 FROM client)") || exit 1

# the command, best of RUNS
best=""
i=0
while [ $i -lt "$RUNS" ]; do
    /usr/bin/time -f "%e" -o "$dir/time.out" \
        "$CAIRN" --db "$db" caseload >/dev/null || exit 1
    t=$(cat "$dir/time.out")
    best=$(awk -v a="$best" -v t="$t" 'BEGIN { print (a == "" || t < a) ? t : a }')
    i=$((i + 1))
done
cli_t=$best

"$CAIRN" --db "$db" serve --listen 127.0.0.1:0 >"$dir/serve.out" \
    2>"$dir/serve.err" &
server=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^listening on ' "$dir/serve.out"; do
    sleep 0.1
    i=$((i + 1))
done
url=$(sed -n 's/^listening on //p' "$dir/serve.out")
[ -n "$url" ] || { kill "$server"; echo "server did not start"; exit 1; }
$PY tests/bench/page_time.py "$url" bench "$PW" 1 /caseload >/dev/null
set -- $($PY tests/bench/page_time.py "$url" bench "$PW" "$RUNS" \
    /caseload "/client/$client" "/caseload?sort=client&page=30")
kill -TERM "$server"
wait "$server"
page_t=$2
page_b=$3
page_s=$4
client_t=$6
client_s=$8
mid_t=${10}
mid_b=${11}
mid_s=${12}

verdict() { # ok-condition (awk)
    if awk "BEGIN { exit !($1) }"; then
        echo met
    else
        status=1
        echo MISSED
    fi
}
echo "dashboard, 10,000 clients"
printf '  %-34s %8.3f s\n' "cairn caseload" "$cli_t"
v=$(verdict "$page_t < 1 && $page_s == 200")
printf '  %-34s %8.3f s  %8d bytes  (target < 1 s: %s)\n' \
    "caseload page (HTTP $page_s)" "$page_t" "$page_b" "$v"
v=$(verdict "$mid_t < 1 && $mid_s == 200")
printf '  %-34s %8.3f s  %8d bytes  (target < 1 s: %s)\n' \
    "page 30, client order (HTTP $mid_s)" "$mid_t" "$mid_b" "$v"
r=$(awk -v a="$page_t" -v b="$cli_t" 'BEGIN { printf "%.1f", a / (b > 0.001 ? b : 0.001) }')
printf '  caseload page / cairn caseload = %sx\n' "$r"
ms=$(awk -v t="$client_t" 'BEGIN { printf "%.1f", t * 1000 }')
v=$(verdict "$client_t < 0.1 && $client_s == 200")
printf '  %-34s %8s ms  (target < 100 ms: %s)\n' \
    "client page (HTTP $client_s)" "$ms" "$v"
exit $status
