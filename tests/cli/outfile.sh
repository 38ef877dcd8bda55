# Command tests for -o: every command that writes a file refuses the
# database in use (and its -wal/-shm), the key in use, any SQLite file,
# FIFOs and devices, and keeps an existing file unless --force; a killed
# run leaves no temporary file behind after the next run.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
"$C" --db clinic.db init >/dev/null
"$C" --db clinic.db client add S01 >/dev/null
"$C" --db clinic.db record phq9 --client S01 --date 2025-04-02 \
    2 2 1 2 1 2 1 0 1 >/dev/null
printf '%s' 'another-fixed-test-key-for-cairn' >site.key
chmod 600 site.key
cp clinic.db clinic.copy
cp site.key site.copy
untouched() {   # NAME FILE COPY
    if cmp -s "$2" "$3"; then t_ok "$1: $2 untouched"
    else t_not_ok "$1: $2 untouched" "it changed"; fi
}
no_temporaries() {
    left=$(ls -A | grep 'cairn-tmp' || true)
    [ -z "$left" ] && t_ok "$1: no temporary file" ||
        t_not_ok "$1: no temporary file" "$left"
}

t_run "report onto the database" 1 "$C" --db clinic.db report client S01 \
    -o clinic.db
t_err "cairn: clinic.db is the database in use (or one of its files); choose another output name"
untouched "report onto the database" clinic.db clinic.copy
t_run "report onto the database, forced" 1 "$C" --db clinic.db report \
    client S01 -o ./clinic.db --force
untouched "forced" clinic.db clinic.copy
t_run "report onto the -wal file" 1 "$C" --db clinic.db report client S01 \
    -o clinic.db-wal
t_run "report onto the -shm file" 1 "$C" --db clinic.db report caseload \
    -o clinic.db-shm
t_run "aggregate onto the database" 1 "$C" --db clinic.db aggregate \
    --instrument phq9 -o clinic.db --force
untouched "aggregate onto the database" clinic.db clinic.copy
t_run "export onto the key" 1 "$C" --db clinic.db export --key site.key \
    -o site.key --force
t_err "cairn: site.key is a key in use; choose another output name"
untouched "export onto the key" site.key site.copy
t_run "export onto the audit key" 1 "$C" --db clinic.db export \
    --key site.key -o clinic.db.auditkey --force
t_err "cairn: clinic.db.auditkey is a key in use; choose another output name"
cp clinic.db other.sqlite
t_run "onto another SQLite file" 1 "$C" --db clinic.db report client S01 \
    -o other.sqlite --force
t_err "cairn: other.sqlite is an SQLite database; Cairn never writes over one"
untouched "onto another SQLite file" other.sqlite clinic.copy
t_run "merge onto the database" 1 "$C" --db clinic.db aggregate merge \
    a.json b.json -o clinic.db
untouched "merge onto the database" clinic.db clinic.copy
t_run "key new onto the database" 1 "$C" --db clinic.db key new -o clinic.db
untouched "key new onto the database" clinic.db clinic.copy

mkfifo pipe
t_run "report onto a FIFO" 1 "$C" --db clinic.db report client S01 -o pipe \
    --force
t_err "cairn: pipe is a FIFO, not a file Cairn can write; choose another output name"
[ -p pipe ] && t_ok "the FIFO is still a FIFO" || t_not_ok "FIFO" "replaced"
t_run "export onto a device" 1 "$C" --db clinic.db export --key site.key \
    -o /dev/null --force
t_err "cairn: /dev/null is a character device, not a file Cairn can write; choose another output name"
[ -c /dev/null ] && t_ok "/dev/null is still a device" ||
    t_not_ok "/dev/null" "replaced"

echo "keep me" >mine.xlsx
t_run "an existing file is kept" 1 "$C" --db clinic.db report client S01 \
    -o mine.xlsx
t_err "cairn: mine.xlsx already exists; give --force to replace it"
[ "$(cat mine.xlsx)" = "keep me" ] && t_ok "mine.xlsx kept" ||
    t_not_ok "mine.xlsx kept" "replaced"
t_run "--force replaces it" 0 "$C" --db clinic.db report client S01 \
    -o mine.xlsx --force
[ "$(head -c 2 mine.xlsx)" = "PK" ] && t_ok "mine.xlsx is a workbook" ||
    t_not_ok "mine.xlsx is a workbook" "$(head -c 20 mine.xlsx)"
echo "keep me" >sum.json
t_run "aggregate keeps an existing file" 1 "$C" --db clinic.db aggregate \
    --instrument phq9 -o sum.json
[ "$(cat sum.json)" = "keep me" ] && t_ok "sum.json kept" ||
    t_not_ok "sum.json kept" "replaced"
echo "keep me" >x.csv.dictionary.csv
t_run "export checks its companions first" 1 "$C" --db clinic.db export \
    --key site.key -o x.csv
t_err "cairn: x.csv.dictionary.csv already exists; give --force to replace it"
[ ! -e x.csv ] && t_ok "nothing written" || t_not_ok "nothing written" "x.csv"
no_temporaries "refusals"

# SIGKILL cannot be caught: a run killed mid-write leaves its temporary,
# and the next run writing the same name removes it.
sh -c 'exit 0' &
dead=$!
wait
printf 'half a workbook' >".big.xlsx.cairn-tmp.$dead.AbC123"
t_run "the next run" 0 "$C" --db clinic.db report client S01 -o big.xlsx
no_temporaries "after a SIGKILL"
# and a real one: kill an export as it writes, then run it again
for i in 1 2 3 4 5 6 7 8; do
    "$C" --db clinic.db record phq9 --client S01 --date "2025-05-0$i" \
        1 1 1 1 1 1 1 1 $((i % 4)) >/dev/null
done
"$C" --db clinic.db export --key site.key -o killed.csv >/dev/null 2>&1 &
kill -KILL $! 2>/dev/null
wait 2>/dev/null
rm -f killed.csv killed.csv.dictionary.csv killed.csv.provenance.json
t_run "export after a kill" 0 "$C" --db clinic.db export --key site.key \
    -o killed.csv
no_temporaries "after a killed export"

# cairn backup writes through the same module: refusals, and a backup
# killed mid-copy leaves no partial file under the name it was given.
t_run "backup onto the database" 1 "$C" --db clinic.db backup -o clinic.db
t_err "cairn: clinic.db is the database in use (or one of its files); choose another output name"
t_run "backup onto the audit key" 1 "$C" --db clinic.db backup \
    -o clinic.db.auditkey --force
t_err "cairn: clinic.db.auditkey is a key in use; choose another output name"
t_run "backup onto a FIFO" 1 "$C" --db clinic.db backup -o pipe --force
t_err "cairn: pipe is a FIFO, not a file Cairn can write; choose another output name"
t_run "backup onto a device" 1 "$C" --db clinic.db backup -o /dev/null --force
t_err "cairn: /dev/null is a character device, not a file Cairn can write; choose another output name"
echo "keep me" >notes.txt
t_run "backup keeps an existing file" 1 "$C" --db clinic.db backup -o notes.txt
t_err "cairn: notes.txt already exists; give --force to replace it"
[ "$(cat notes.txt)" = "keep me" ] && t_ok "notes.txt kept" ||
    t_not_ok "notes.txt kept" "replaced"
t_run "backup --force replaces it" 0 "$C" --db clinic.db backup -o notes.txt \
    --force
t_run "backup never replaces an older backup" 1 "$C" --db clinic.db backup \
    -o notes.txt --force
t_err "cairn: notes.txt is an SQLite database; Cairn never writes over one"
no_temporaries "backup refusals"
# A database large enough (128 MiB of padding) that the copy takes a while.
cp clinic.db big.db
cp clinic.db.auditkey big.db.auditkey
sqlite3 big.db "CREATE TABLE padding (b); WITH RECURSIVE n(i) AS (SELECT 1
    UNION ALL SELECT i + 1 FROM n WHERE i < 128) INSERT INTO padding
    SELECT randomblob(1048576) FROM n;"
caught=no
for attempt in 1 2 3 4 5; do
    "$C" --db big.db backup -o big-copy.db >/dev/null 2>&1 &
    pid=$!
    tmp=""
    for i in $(seq 1 2000); do
        tmp=$(ls -A | grep "^\.big-copy\.db\.cairn-tmp\.$pid\." || true)
        [ -n "$tmp" ] && [ -s "$tmp" ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.005
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ -n "$tmp" ] && [ -e "$tmp" ] && [ ! -e big-copy.db ]; then
        caught=yes
        break
    fi
    rm -f big-copy.db
done
[ "$caught" = yes ] && t_ok "a backup killed mid-copy leaves no big-copy.db" ||
    t_not_ok "a backup killed mid-copy leaves no big-copy.db" \
        "never caught it mid-copy in 5 tries"
t_run "backup after a kill" 0 "$C" --db big.db backup -o big-copy.db
t_out "backed up big.db to big-copy.db"
no_temporaries "after a killed backup"
t_run "the copy is whole" 0 sqlite3 big-copy.db \
    "SELECT count(*), sum(length(b)) FROM padding"
t_out "128|134217728"
rm -f big.db big.db-wal big.db-shm big-copy.db
