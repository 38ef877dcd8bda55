# Command tests for the import's write lock: the import reads, checks and
# scores every row before it takes the lock, so others can write to the
# database meanwhile, and what they wrote is taken into account - a client
# added meanwhile is not created twice, a row recorded meanwhile is a
# duplicate - with the audit chain verifiable afterwards.  No timing: the
# import pauses at the CLI's test hook (CAIRN_TEST_IMPORT_PAUSE) just
# before it waits for the lock, and the test writes while it waits there.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
DB=clinic.db
c() { "$CAIRN" --db "$DB" "$@"; }
H9='client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9'

c init >/dev/null
c client add C001 >/dev/null
cat > rows.csv <<CSV
$H9
C001,2024-01-05,phq9,1,2,0,3,1,0,2,1,1
C001,2024-01-12,phq9,1,1,0,2,1,0,1,1,0
N001,2024-01-05,phq9,2,2,2,2,2,2,2,2,0
N001,2024-01-12,phq9,2,2,1,2,2,1,2,2,0
N002,2024-01-05,phq9,0,0,0,0,1,0,0,0,0
C001,2024-01-05,phq9,1,2,0,3,1,0,2,1,1
CSV

# Waits for the import to reach the hook (or to end without reaching it).
wait_ready() { # pid
    i=0
    while [ ! -f pause.ready ] && kill -0 "$1" 2>/dev/null && [ $i -lt 1200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -f pause.ready ]
}

CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause c import rows.csv --create-clients \
    >import.out 2>import.err &
pid=$!
if wait_ready $pid; then
    t_ok "the import reached the point before the write lock"
else
    t_not_ok "the import reached the point before the write lock" \
        "$(cat import.err)"
fi
# While it waits: another writer records and adds a client.
t_run "record while the import has read its file" 0 \
    c record phq9 --client C001 --date 2024-01-12 --codes positions \
    1 1 0 2 1 0 1 1 0
t_run "record another while it waits" 0 \
    c record phq9 --client C001 --date 2024-02-02 --codes positions \
    0 0 0 0 0 0 0 0 0
t_run "add a client the import would create" 0 c client add N001
t_run "and record one of the import's rows for it" 0 \
    c record phq9 --client N001 --date 2024-01-05 --codes positions \
    2 2 2 2 2 2 2 2 0
touch pause.go
wait $pid
st=$?
[ $st -eq 0 ] && t_ok "the import ends: exit 0" ||
    t_not_ok "the import ends: exit 0" "exit $st: $(cat import.err)"
want="rows.csv: 6 rows read (6 assessments), 3 stored, 3 duplicates skipped, 0 rejected, 1 clients created"
[ "$(cat import.out)" = "$want" ] && t_ok "counts with what was written meanwhile" ||
    t_not_ok "counts with what was written meanwhile" "$(cat import.out)"
t_run "the audit chain verifies" 0 c audit verify
n=$(sqlite3 "$DB" "SELECT count(*) FROM assessment")
[ "$n" = 6 ] && t_ok "six assessments: three recorded, three imported" ||
    t_not_ok "six assessments" "$n"
n=$(sqlite3 "$DB" "SELECT count(*) FROM client WHERE code = 'N001'")
[ "$n" = 1 ] && t_ok "N001 stored once" || t_not_ok "N001 stored once" "$n"
t_run "importing again changes nothing" 0 c import rows.csv --create-clients
t_out "rows.csv: 6 rows read (6 assessments), 0 stored, 6 duplicates skipped, 0 rejected"

# Nobody writes meanwhile: the ids decided on the snapshot stand, and the
# database matches one imported without the pause.
rm -f pause.ready pause.go
for d in a b; do
    "$CAIRN" --db $d.db init >/dev/null
    "$CAIRN" --db $d.db client add C001 >/dev/null
done
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause "$CAIRN" --db a.db import rows.csv \
    --create-clients >/dev/null 2>&1 &
pid=$!
wait_ready $pid && touch pause.go
wait $pid
"$CAIRN" --db b.db import rows.csv --create-clients >/dev/null 2>&1
rows() {
    sqlite3 "$1" "SELECT id, client_id, definition_id, instrument,
        administered_at, responses, scores, flags FROM assessment ORDER BY id;
        SELECT id, code FROM client ORDER BY id;
        SELECT json_extract(after, '$.digest'),
               json_extract(after, '$.clients_digest')
        FROM audit WHERE action = 'import'"
}
[ "$(rows a.db)" = "$(rows b.db)" ] && [ -n "$(rows a.db)" ] &&
    t_ok "paused or not, the same rows and digests" ||
    t_not_ok "paused or not, the same rows and digests" "$(rows a.db)"

# A bad file never takes the lock: the hook is not reached, nothing stored.
rm -f pause.ready pause.go
printf '%s\nC001,2024-13-05,phq9,1,2,0,3,1,0,2,1,1\n' "$H9" > bad.csv
before=$(sqlite3 "$DB" .dump | md5sum)
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause t_run "a bad file" 1 c import bad.csv
[ ! -f pause.ready ] && [ "$(sqlite3 "$DB" .dump | md5sum)" = "$before" ] &&
    t_ok "a bad file: no lock wanted, the database unchanged" ||
    t_not_ok "a bad file: no lock wanted" "$(ls pause.* 2>&1)"

# All or nothing in the insert phase too: a row the database refuses
# there (a trigger stands in for a full disk) leaves it unchanged.
"$CAIRN" --db c.db init >/dev/null
sqlite3 c.db "CREATE TRIGGER refuse BEFORE INSERT ON assessment
    WHEN NEW.administered_at = '2024-01-12' AND NEW.client_id = 2
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
before=$(sqlite3 c.db .dump | md5sum)
t_run "a row refused under the lock" 1 "$CAIRN" --db c.db import rows.csv \
    --create-clients
t_err_has "refused by the test"
[ "$(sqlite3 c.db .dump | md5sum)" = "$before" ] &&
    t_ok "refused under the lock: the database unchanged" ||
    t_not_ok "refused under the lock: the database unchanged" \
        "$(sqlite3 c.db 'SELECT count(*) FROM assessment')"

# The FHIR import the same way: a Bundle of the same rows (exported from
# a store that has them) read and scored before the lock, with what
# others wrote meanwhile taken into account.
"$CAIRN" --db src.db init >/dev/null
"$CAIRN" --db src.db import rows.csv --create-clients >/dev/null
"$CAIRN" --db src.db fhir export -o rows.json --system urn:test \
    --type collection >/dev/null
F="fhir import rows.json --subject-system urn:test/client --create-clients"
rm -f pause.ready pause.go
"$CAIRN" --db f.db init >/dev/null
"$CAIRN" --db f.db client add C001 >/dev/null
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause "$CAIRN" --db f.db $F \
    >import.out 2>import.err &
pid=$!
if wait_ready $pid; then
    t_ok "FHIR: the import reached the point before the write lock"
else
    t_not_ok "FHIR: the import reached the point before the write lock" \
        "$(cat import.err)"
fi
t_run "FHIR: record while the import has read its file" 0 \
    "$CAIRN" --db f.db record phq9 --client C001 --date 2024-01-12 \
    --codes positions 1 1 0 2 1 0 1 1 0
t_run "FHIR: add a client the import would create" 0 \
    "$CAIRN" --db f.db client add N001
t_run "FHIR: and record one of the import's rows for it" 0 \
    "$CAIRN" --db f.db record phq9 --client N001 --date 2024-01-05 \
    --codes positions 2 2 2 2 2 2 2 2 0
touch pause.go
wait $pid
st=$?
[ $st -eq 0 ] && t_ok "FHIR: the import ends: exit 0" ||
    t_not_ok "FHIR: the import ends: exit 0" "exit $st: $(cat import.err)"
want="rows.json: 15 resources read (5 responses), 3 stored, 2 duplicates skipped, 0 withdrawn, 0 rejected, 1 clients created; 5 supplied scores checked, 0 differ from Cairn's"
[ "$(cat import.out)" = "$want" ] &&
    t_ok "FHIR: counts with what was written meanwhile" ||
    t_not_ok "FHIR: counts with what was written meanwhile" "$(cat import.out)"
t_run "FHIR: the audit chain verifies" 0 "$CAIRN" --db f.db audit verify
n=$(sqlite3 f.db "SELECT count(*) FROM assessment")
[ "$n" = 5 ] && t_ok "FHIR: five assessments: two recorded, three imported" ||
    t_not_ok "FHIR: five assessments" "$n"
n=$(sqlite3 f.db "SELECT count(*) FROM client WHERE code = 'N001'")
[ "$n" = 1 ] && t_ok "FHIR: N001 stored once" ||
    t_not_ok "FHIR: N001 stored once" "$n"

# Paused or not, the same rows, clients and digests.
rm -f pause.ready pause.go
for d in fa fb; do
    "$CAIRN" --db $d.db init >/dev/null
    "$CAIRN" --db $d.db client add C001 >/dev/null
done
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause "$CAIRN" --db fa.db $F >/dev/null 2>&1 &
pid=$!
wait_ready $pid && touch pause.go
wait $pid
"$CAIRN" --db fb.db $F >/dev/null 2>&1
[ "$(rows fa.db)" = "$(rows fb.db)" ] && [ -n "$(rows fa.db)" ] &&
    t_ok "FHIR: paused or not, the same rows and digests" ||
    t_not_ok "FHIR: paused or not, the same rows and digests" "$(rows fa.db)"

# A bad response never takes the lock; a refusal under it changes nothing.
rm -f pause.ready pause.go
sed 's/"authored": "2024-01-12"/"authored": "2024-13-12"/' rows.json >bad.json
before=$(sqlite3 f.db .dump | md5sum)
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause t_run "FHIR: a bad file" 1 \
    "$CAIRN" --db f.db fhir import bad.json --subject-system urn:test/client \
    --create-clients
t_err_has "bad.json: entry["
t_err_has "'2024-13-12'"
[ ! -f pause.ready ] && [ "$(sqlite3 f.db .dump | md5sum)" = "$before" ] &&
    t_ok "FHIR: a bad file: no lock wanted, the database unchanged" ||
    t_not_ok "FHIR: a bad file: no lock wanted" "$(ls pause.* 2>&1)"
"$CAIRN" --db fc.db init >/dev/null
sqlite3 fc.db "CREATE TRIGGER refuse BEFORE INSERT ON assessment
    WHEN NEW.administered_at = '2024-01-12' AND NEW.client_id = 2
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
before=$(sqlite3 fc.db .dump | md5sum)
t_run "FHIR: a row refused under the lock" 1 "$CAIRN" --db fc.db $F
t_err_has "refused by the test"
[ "$(sqlite3 fc.db .dump | md5sum)" = "$before" ] &&
    t_ok "FHIR: refused under the lock: the database unchanged" ||
    t_not_ok "FHIR: refused under the lock: the database unchanged" \
        "$(sqlite3 fc.db 'SELECT count(*) FROM assessment')"

# REDCap records go through the CSV import's deferred batch too.
D="$T_ROOT/tests/data/good/redcap"
R="import --from redcap $D/phq9.records.csv --dictionary $D/phq9.dictionary.csv --map $T_ROOT/instruments/redcap/phq9.json --create-clients"
rm -f pause.ready pause.go
"$CAIRN" --db r.db init >/dev/null
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause "$CAIRN" --db r.db $R \
    >import.out 2>import.err &
pid=$!
if wait_ready $pid; then
    t_ok "REDCap: the import reached the point before the write lock"
else
    t_not_ok "REDCap: the import reached the point before the write lock" \
        "$(cat import.err)"
fi
t_run "REDCap: add a client the import would create" 0 \
    "$CAIRN" --db r.db client add R01
t_run "REDCap: and record one of the import's rows for it" 0 \
    "$CAIRN" --db r.db record phq9 --client R01 --date 2025-03-01 \
    --codes positions 1 2 1 2 1 0 1 1 0
touch pause.go
wait $pid
st=$?
[ $st -eq 0 ] && t_ok "REDCap: the import ends: exit 0" ||
    t_not_ok "REDCap: the import ends: exit 0" "exit $st: $(cat import.err)"
want="$D/phq9.records.csv: 7 rows read (5 assessments), 4 stored, 1 duplicates skipped, 0 rejected, 1 clients created; skipped 1 rows without answers on the form and 1 incomplete forms"
[ "$(cat import.out)" = "$want" ] &&
    t_ok "REDCap: counts with what was written meanwhile" ||
    t_not_ok "REDCap: counts with what was written meanwhile" "$(cat import.out)"
t_run "REDCap: the audit chain verifies" 0 "$CAIRN" --db r.db audit verify
rm -f pause.ready pause.go
for d in ra rb; do
    "$CAIRN" --db $d.db init >/dev/null
done
CAIRN_TEST_IMPORT_PAUSE=$T_TMP/pause "$CAIRN" --db ra.db $R >/dev/null 2>&1 &
pid=$!
wait_ready $pid && touch pause.go
wait $pid
"$CAIRN" --db rb.db $R >/dev/null 2>&1
[ "$(rows ra.db)" = "$(rows rb.db)" ] && [ -n "$(rows ra.db)" ] &&
    t_ok "REDCap: paused or not, the same rows and digests" ||
    t_not_ok "REDCap: paused or not, the same rows and digests" "$(rows ra.db)"
