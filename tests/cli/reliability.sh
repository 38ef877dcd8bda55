# Reliability of the store under import: a process killed (SIGKILL) at
# random points leaves a sound database holding all of the import or none
# of it (20 times), and two processes importing at once both succeed.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1

# gen FILE CLIENTS FIRST SEED: wide PHQ-9 rows, 8 weekly per client
gen() {
    awk -v n="$2" -v first="$3" -v seed="$4" 'BEGIN {
        srand(seed)
        print "client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9"
        for (c = first; c < first + n; c++)
            for (w = 0; w < 8; w++) {
                line = sprintf("K%06d,2023-%02d-%02d,phq9", c, 1 + w, 1 + c % 28)
                for (i = 0; i < 9; i++)
                    line = line "," (rand() < 0.01 ? "" : int(rand() * 4))
                print line
            }
    }' > "$1"
}
count() { sqlite3 "$1" "SELECT count(*) FROM assessment"; }
now() { date +%s.%N; }

gen base.csv 100 1 1
gen big.csv 25000 1000 2
"$CAIRN" --db base.db init >/dev/null
"$CAIRN" --db base.db import base.csv --create-clients >/dev/null
base=$(count base.db)
rows=$(($(wc -l < big.csv) - 1))

cp base.db full.db && cp base.db.auditkey full.db.auditkey
s=$(now)
t_run "an uninterrupted import" 0 "$CAIRN" --db full.db import big.csv --create-clients
took=$(awk -v s="$s" -v e="$(now)" 'BEGIN { print e - s }')
all=$(count full.db)
[ "$all" -eq $((base + rows)) ] && t_ok "it stores every row" || t_not_ok "it stores every row" "$all rows"

# kill at random moments across the import's duration (fixed seed)
delays=$(awk -v t="$took" 'BEGIN { srand(7); for (i = 0; i < 20; i++) printf "%.3f ", 0.02 + rand() * t * 1.1 }')
k=0
mid=0
for d in $delays; do
    k=$((k + 1))
    cp base.db kill.db && cp base.db.auditkey kill.db.auditkey
    rm -f kill.db-wal kill.db-shm
    "$CAIRN" --db kill.db import big.csv --create-clients >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    ic=$(sqlite3 kill.db "PRAGMA integrity_check" 2>&1)
    n=$(count kill.db 2>&1)
    if [ "$ic" = ok ] && { [ "$n" = "$base" ] || [ "$n" = "$all" ]; }; then
        t_ok "kill $k after ${d}s: integrity ok, $n rows (all or nothing)"
    else
        t_not_ok "kill $k after ${d}s: integrity ok, all or nothing" "integrity: $ic; rows: $n (want $base or $all)"
    fi
    [ "$n" = "$base" ] && mid=$((mid + 1))
    if "$CAIRN" --db kill.db audit verify >/dev/null 2>&1; then
        t_ok "kill $k: the audit log verifies"
    else
        t_not_ok "kill $k: the audit log verifies" "$("$CAIRN" --db kill.db audit verify 2>&1)"
    fi
done
[ "$mid" -ge 1 ] && t_ok "$mid of 20 kills landed mid-import" || t_not_ok "some kills landed mid-import" "none did (import took ${took}s)"
t_run "after the kills the database takes an import" 0 "$CAIRN" --db kill.db import big.csv --create-clients

# two importers at once: both succeed, nothing lost
gen a.csv 8000 100000 3
gen b.csv 8000 200000 4
cp base.db two.db && cp base.db.auditkey two.db.auditkey
"$CAIRN" --db two.db import a.csv --create-clients > a.out 2>&1 &
pa=$!
"$CAIRN" --db two.db import b.csv --create-clients > b.out 2>&1 &
pb=$!
wait "$pa"; sa=$?
wait "$pb"; sb=$?
[ "$sa" -eq 0 ] && [ "$sb" -eq 0 ] && t_ok "two concurrent importers both succeed" || t_not_ok "two concurrent importers both succeed" "$(cat a.out b.out)"
n=$(count two.db)
[ "$n" -eq $((base + 128000)) ] && t_ok "nothing lost: $n rows" || t_not_ok "nothing lost" "$n rows, want $((base + 128000))"

# the same file twice at once: one stores it, the other finds duplicates
cp base.db same.db && cp base.db.auditkey same.db.auditkey
"$CAIRN" --db same.db import a.csv --create-clients > a.out 2>&1 &
pa=$!
"$CAIRN" --db same.db import a.csv --create-clients > b.out 2>&1 &
pb=$!
wait "$pa"; sa=$?
wait "$pb"; sb=$?
[ "$sa" -eq 0 ] && [ "$sb" -eq 0 ] && t_ok "the same file twice at once: both succeed" || t_not_ok "the same file twice at once" "$(cat a.out b.out)"
n=$(count same.db)
[ "$n" -eq $((base + 64000)) ] && t_ok "stored once: $n rows" || t_not_ok "stored once" "$n rows"
grep -q "64000 duplicates skipped" a.out b.out && t_ok "the second counted duplicates" || t_not_ok "the second counted duplicates" "$(cat a.out b.out)"
t_run "audit verifies after concurrent imports" 0 "$CAIRN" --db two.db audit verify
