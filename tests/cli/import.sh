# Command tests for cairn import: both shapes, duplicates, and bad input of
# every kind, each with its exact message and a database left unchanged.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
DB=clinic.db
c() { "$CAIRN" --db "$DB" "$@"; }
snapshot() { sqlite3 "$DB" .dump | md5sum; }
H9='client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9'

c init >/dev/null
c client add C001 >/dev/null
c client add C002 >/dev/null

# --- good files
printf '\357\273\277%s,item10\r\n' "$H9" > mixed.csv
cat >> mixed.csv <<'CSV'
C001,2024-01-05,PHQ-9,1,2,0,3,1,0,2,1,1,
C001,2024-01-05,GAD-7,1,1,1,1,1,1,1,,,
"C002","2024-01-06T10:30:00Z",epds,0,0,3,0,3,3,3,3,3,3
C002,2024-01-13,phq9,2,2,1,1,2,,1,1,,
CSV
t_run "EPDS in a file that does not say positions or scores" 1 c import mixed.csv
t_err "cairn: mixed.csv:4: columns item1..item10: epds's answer codes are not its item scores: say which the file holds, --codes positions (the position of the ticked answer, 0 for the top one to 3 for the bottom one) or --codes scores (each item's score from the scoring key, 0-3, where the top answer scores 3 on items 3 and 5-10)
cairn: nothing was imported: fix the rows above and run the import again"
t_run "--codes takes positions or scores" 2 c import mixed.csv --codes ticks
t_err_has "cairn: import: --codes 'ticks' is not positions or scores"
t_run "wide file mixing instruments, BOM, CRLF, quotes" 0 c import mixed.csv --codes positions
t_out "mixed.csv: 4 rows read (4 assessments), 4 stored, 0 duplicates skipped, 0 rejected"
t_run "stored as read" 0 c history --client C002 --json
t_out_has '"instrument":"epds","version":"1"'
t_out_has '"administered_at":"2024-01-06T10:30:00Z"'
t_out_has '"scales":{"total":{"score":13,"band":"moderate","prorated":true}},"missing":[6,9]'
before=$(snapshot)
t_run "importing the same file twice changes nothing" 0 c import mixed.csv --codes positions
t_out "mixed.csv: 4 rows read (4 assessments), 0 stored, 4 duplicates skipped, 0 rejected"
[ "$(snapshot)" = "$before" ] && t_ok "database unchanged by the repeat" || t_not_ok "database unchanged by the repeat" "dump differs"

cat > long.csv <<'CSV'
client_id,administered_at,instrument,item,response
C001,2024-02-01,phq2,1,3
C001,2024-02-01,phq2,2,2
C002,2024-02-01,PHQ-2,2,1
C002,2024-02-01,PHQ-2,1,
C002,2024-02-08,phq2,1,0
C002,2024-02-08,phq2,2,0
CSV
t_run "long form" 0 c import long.csv
t_out "long.csv: 6 rows read (3 assessments), 3 stored, 0 duplicates skipped, 0 rejected"
t_run "long form responses" 0 c history --client C002 --instrument phq2 --json
t_out_has '"responses":[null,1]'
t_out_has '"responses":[0,0]'

printf '%s\nC003,2024-01-05,phq9,0,0,0,0,0,0,0,0,0\nC004,2024-01-05,phq9,1,1,1,1,1,1,1,1,1\nC003,2024-01-05,phq9,0,0,0,0,0,0,0,0,0\n' "$H9" > new.csv
t_run "unknown clients are an error" 1 c import new.csv
t_err "cairn: new.csv:2: client 'C003' is not known (add the client first, or let the import create clients)
cairn: new.csv:3: client 'C004' is not known (add the client first, or let the import create clients)
cairn: new.csv:4: client 'C003' is not known (add the client first, or let the import create clients)
cairn: nothing was imported: fix the rows above and run the import again"
t_run "--dry-run counts, stores nothing" 0 c import new.csv --create-clients --dry-run
t_out "new.csv: 3 rows read (3 assessments), 2 would be stored, 1 duplicates skipped, 0 rejected, 2 clients would be created"
t_run "no client was created" 1 c client show C003
t_run "--create-clients, duplicate inside the file" 0 c import new.csv --create-clients
t_out "new.csv: 3 rows read (3 assessments), 2 stored, 1 duplicates skipped, 0 rejected, 2 clients created"
t_run "audit verifies after imports" 0 c audit verify

# --- bad input: every file is refused whole and leaves the database as it was
bad() {   # NAME FILE EXPECTED-STDERR [import options]
    name=$1 file=$2 expect=$3
    shift 3
    before=$(snapshot)
    t_run "$name" 1 c import "$file" "$@"
    t_err "$expect"
    if [ "$(snapshot)" = "$before" ]; then
        t_ok "$name: database unchanged"
    else
        t_not_ok "$name: database unchanged" "the dump differs"
    fi
}
NOTHING="cairn: nothing was imported: fix the rows above and run the import again"

printf '%s\nC001,2024-03-01,phq9,1,1,1,1,1,1,1,1,1\nC001,"2024-03-02,phq9,1,1,1,1,1,1,1,1,1\n' "$H9" > quote.csv
bad "malformed CSV (unclosed quote)" quote.csv "cairn: quote.csv:3: a quoted field is not closed properly
$NOTHING"
printf '%s\nC001,2024-03-01,phq9,1,1,1,1,1,1,1,1\n' "$H9" > count.csv
bad "wrong column count" count.csv "cairn: count.csv:2: 11 fields, but the header has 12
$NOTHING"
printf '%s\nC001,2024-03-01,phq9,1,1,7,1,1,1,1,1,1\nC001,2024-03-08,phq9,1,1,1,1,1,1,1,1,x\n' "$H9" > code.csv
bad "codes outside an item's options" code.csv "cairn: code.csv:2: item 3: code 7 is not one of 0, 1, 2, 3
cairn: code.csv:3: item 9: 'x' is not a number
$NOTHING"
printf '%s\nC001,2023-02-30,phq9,1,1,1,1,1,1,1,1,1\nC001,2099-01-01,phq9,1,1,1,1,1,1,1,1,1\n' "$H9" > date.csv
bad "impossible and future dates" date.csv "cairn: date.csv:2: administered_at '2023-02-30' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])
cairn: date.csv:3: administered_at 2099-01-01 is in the future
$NOTHING"
printf '%s\nC001,2024-03-01,PHQ-10,1,1,1,1,1,1,1,1,1\n' "$H9" > inst.csv
bad "unknown instrument" inst.csv "cairn: inst.csv:2: instrument 'PHQ-10' is not known
$NOTHING"
printf '%s\nC001,2024-03-01,phq2,1,1,1,,,,,,\n' "$H9" > extra.csv
bad "more items than the instrument has" extra.csv "cairn: extra.csv:2: item3: phq2 has 2 items, but the column holds '1'
$NOTHING"
{ printf '%s\n' "$H9"; printf 'C%02000d,2024-03-01,phq9,1,1,1,1,1,1,1,1,1\n' 1; } > long_field.csv
bad "overlong field" long_field.csv "cairn: long_field.csv:2: field 1 is longer than 1024 bytes
$NOTHING"
{ printf '%s\n' "$H9"; printf 'C001,2024-03-01,phq9,1,\001\377\000,1,1,1,1,1,1,1\n'; } > junk.csv
bad "binary junk in a row" junk.csv "cairn: junk.csv:2: field 5 holds a control byte
$NOTHING"
head -c 3000 /dev/urandom > binary.csv 2>/dev/null || printf '\377\376\000junk' > binary.csv
before=$(snapshot)
t_run "a binary file" 1 c import binary.csv
t_err_has "cairn: binary.csv:"
[ "$(snapshot)" = "$before" ] && t_ok "a binary file: database unchanged" || t_not_ok "a binary file: database unchanged" "dump differs"
printf '%s\n"x'"'"'); DROP TABLE assessment;--",2024-03-01,phq9,1,1,1,1,1,1,1,1,1\nC001,2024-03-01,"phq9; DELETE FROM client",1,1,1,1,1,1,1,1,1\n' "$H9" > sql.csv
bad "SQL in text fields" sql.csv "cairn: sql.csv:2: client_id 'x'); DROP TABLE assessment;--' is not a valid client code (1-64 of A-Z a-z 0-9 . _ - /)
cairn: sql.csv:3: instrument 'phq9; DELETE FROM client' is not known
$NOTHING" --create-clients
printf '%s\nC001,2024-03-05,phq9,0,0,0,0,0,0,0,0,0\nC001,2024-03-06,phq9,1,1,7,1,1,1,1,1,1\n' "$H9" > onebad.csv
bad "one bad row means nothing is imported" onebad.csv "cairn: onebad.csv:3: item 3: code 7 is not one of 0, 1, 2, 3
$NOTHING"
t_run "--skip-bad stores the good rows" 1 c import onebad.csv --skip-bad
t_out "onebad.csv: 2 rows read (2 assessments), 1 stored, 0 duplicates skipped, 1 rejected"
t_err "cairn: onebad.csv:3: item 3: code 7 is not one of 0, 1, 2, 3"

# header problems
printf 'client_id,administered_at,item1\nC001,2024-03-01,1\n' > nohead.csv
bad "a missing column" nohead.csv "cairn: nohead.csv:1: the header has no 'instrument' column"
printf 'client_id,administered_at,instrument,item1,colour\n' > unknown.csv
bad "an unknown column" unknown.csv "cairn: unknown.csv:1: unknown column 'colour'; the columns can be client_id, administered_at, instrument, then item1..itemN (wide) or item and response (long); another system's columns need a column map; give one with --map MAP.json (see 'cairn redcap profile')"
printf 'client_id,administered_at,instrument,item1,item3\n' > gap.csv
bad "item columns with a gap" gap.csv "cairn: gap.csv:1: the header has item3 but no item2"
: > empty.csv
bad "an empty file" empty.csv "cairn: empty.csv: the file is empty; it needs a header row"
t_run "a missing file" 1 c import nosuch.csv
t_err "cairn: nosuch.csv: No such file or directory"

# long-form problems
cat > longbad.csv <<'CSV'
client_id,administered_at,instrument,item,response
C001,2024-04-01,phq2,1,1
C001,2024-04-01,phq2,1,2
C001,2024-04-02,phq2,3,1
C001,2024-04-03,phq2,1,1
C002,2024-04-03,phq2,1,1
C001,2024-04-03,phq2,2,1
CSV
bad "long form: repeated item, bad item, split assessment" longbad.csv "cairn: longbad.csv:3: item 1 is given twice for this assessment
cairn: longbad.csv:4: item '3' is not an item of phq2 (1..2)
cairn: longbad.csv:7: the rows of this assessment continue here after other rows; keep an assessment's rows together
$NOTHING"

t_run "usage: no file" 2 c import
t_err_has "cairn: import needs a FILE"
t_run "audit still verifies" 0 c audit verify
