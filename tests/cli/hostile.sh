# Command tests for hostile input: malformed UTF-8 in every text field,
# files that are not Cairn databases (left unchanged), a confirmation
# that cannot be printed, and the smaller red-team findings.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$C" init >/dev/null

# --- UTF-8: surrogates, overlong forms, beyond U+10FFFF
sur=$(printf 'Ann\355\240\200')
over=$(printf 'Ann\300\257')
over3=$(printf 'Ann\340\200\257')
big=$(printf 'Ann\364\220\200\200')
f5=$(printf 'Ann\365\200\200\200')
for v in "$sur" "$over" "$over3" "$big" "$f5"; do
    t_run "client name $(printf '%s' "$v" | od -An -tx1 | tr -d ' \n')" 1 \
        "$C" client add C001 --name "$v"
    t_err "cairn: name holds a control byte or is not UTF-8"
done
c1=$(printf 'x\302\233[2J')
t_run "a C1 control (CSI) in a note" 1 "$C" client add C001 --notes "$c1"
t_run "4-byte UTF-8 up to U+10FFFF is fine" 0 "$C" client add C001 \
    --name "$(printf 'Ann \360\237\214\261 \364\217\277\277')"
t_run "client show --json" 0 "$C" client show C001 --json
"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/stdout" &&
    t_ok "valid JSON" || t_not_ok "valid JSON" "$(cat "$T_TMP/stdout")"
printf 'client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\nC001,2025-01-01,phq9\355\240\200,1,1,1,1,1,1,1,1,0\n' >sur.csv
t_run "a surrogate in a CSV field" 1 "$C" import sur.csv
t_err_has "cairn: sur.csv:2: field 3 is not UTF-8 (byte 0xED)"

# --- files that are not Cairn databases are left unchanged
: >empty.db
t_run "an empty file" 1 "$C" --db empty.db client list
t_err "cairn: empty.db: not a Cairn database (an empty file); 'cairn init' makes a new one under a new name"
[ "$(stat -c %s empty.db)" = 0 ] && t_ok "still 0 bytes" ||
    t_not_ok "still 0 bytes" "$(stat -c %s empty.db)"
sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
cp other.db other.copy
for cmd in "client list" "audit verify" "client add X1" "history --client X"; do
    t_run "another program's file: $cmd" 1 "$C" --db other.db $cmd
    t_err "cairn: other.db: not a Cairn database (another program's SQLite file; left unchanged)"
done
cmp -s other.db other.copy && [ ! -e other.db-wal ] &&
    [ "$(sqlite3 other.db 'PRAGMA journal_mode')" = delete ] &&
    t_ok "not converted to WAL, not changed" ||
    t_not_ok "left unchanged" "$(ls -l other.db*)"
printf 'hello, not a database at all, just some words to fill the header of more than a hundred bytes............\n' >text.db
t_run "a text file" 1 "$C" --db text.db client list
t_err "cairn: text.db: not a Cairn database"

# --- a confirmation that cannot be printed
t_run "record > /dev/full" 3 sh -c \
    "'$C' record phq9 --client C001 --date 2025-02-01 1 1 1 1 1 1 1 1 2 >/dev/full"
t_err "cairn: assessment 1 for client C001 was stored and raised 1 risk flag, but its confirmation could not be printed: No space left on device; do not enter it again (see 'cairn history')"
t_run "it is stored" 0 "$C" history --client C001
t_out_has "#1 "
t_run "a failed print of a read is plain failure" 1 sh -c \
    "'$C' history --client C001 >/dev/full"
t_err "cairn: cannot write the output: No space left on device"

# --- CSV: one overlong field does not make the reader lose its place
H9='client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9'
long=$(printf '%01100d' 0)
"$C" client add C002 >/dev/null
"$C" client add C003 >/dev/null
{
    echo "$H9"
    echo "C002,2025-03-01,phq9,1,1,1,1,1,1,1,1,$long"
    printf 'C002,2025-03-02,phq9,1,1,1,1,1,1,1,"1\n0",%s\n' 0
    echo "C003,2025-03-03,phq9,2,2,2,2,2,2,2,2,0"
    printf 'C003,%s,phq9,1,1,1,1,1,1,1,1,"x,\n' "$long"
    echo 'C003,2025-03-05,phq9,0,0,0,0,0,0,0,0,0"'
    echo "C002,2025-03-06,phq9,3,3,3,3,3,3,3,3,0"
} >resync.csv
t_run "skip-bad after overlong fields" 1 "$C" import resync.csv --skip-bad
t_out "resync.csv: 5 rows read (2 assessments), 2 stored, 0 duplicates skipped, 3 rejected"
t_err "cairn: resync.csv:2: field 12 is longer than 1024 bytes
cairn: resync.csv:3: field 11 holds a control byte
cairn: resync.csv:6: field 2 is longer than 1024 bytes"
t_run "the good rows are there" 0 "$C" history --client C003
t_out_has "2025-03-03"

# --- aggregate summaries: merged twice, hostile numbers
"$C" aggregate --instrument phq9 -o north.json >/dev/null
t_run "a summary merged with itself" 1 "$C" aggregate merge north.json \
    north.json -o pooled.json
t_err_has "cairn: north.json: summary "
t_err_has " is already in this pool: merging it again would count its clients twice"
[ ! -e pooled.json ] && t_ok "nothing written" || t_not_ok "pooled" "written"
sed 's/"sbb": [0-9]*/"sbb": -5/' north.json >neg.json
t_run "a negative sum of squares" 1 "$C" aggregate report neg.json
t_err "cairn: neg.json: sums.moments.sbb: outside what the scale's range allows (-5)"

# --- the smaller findings
mkfifo key.fifo
t_run "a FIFO as --key" 1 timeout 20 "$C" export --key key.fifo -o f.csv
t_err "cairn: key.fifo: not a key file (not a regular file)"
t_run "a missing --texts folder" 1 "$C" --texts nowhere instruments
t_err "cairn: the texts folder nowhere does not exist (set --texts or CAIRN_TEXTS)"
mkdir defs
cp "$CAIRN_INSTRUMENTS"/*.json defs/
code=$(printf 'x%.0s' $(seq 1 70))
sed -i "s/\"code\": \"gad7\"/\"code\": \"$code\"/" defs/gad7.json
t_run "a definition code over 63 bytes" 1 "$C" --instruments defs instruments
t_err_has "is longer than 63 bytes"
printf '1 1 1\0002 2 2 2 2 2\n' >nul.txt
t_run "score --batch with a NUL" 1 sh -c "'$C' score phq9 --batch <nul.txt"
t_err "cairn: <stdin>:1: the line holds a NUL byte at column 6"
# a de-identified workbook does not date the database's last change
sqlite3 cairn.db "DROP TRIGGER audit_no_update; UPDATE audit SET at = '2020-02-02T02:02:02Z'"
t_run "cohort workbook" 0 "$C" report cohort --instrument phq9 -o co.xlsx
"$PY" - co.xlsx <<'PY' && t_ok "no last-change time in its properties" ||
import sys, zipfile
core = zipfile.ZipFile(sys.argv[1]).read("docProps/core.xml").decode()
sys.exit(1 if "2020-02-02" in core else 0)
PY
    t_not_ok "no last-change time in its properties" "found 2020-02-02"

# --- disclosure by differencing: the release log
"$C" --db rel.db init >/dev/null
for i in 1 2 3 4 5 6; do
    "$C" --db rel.db client add R0$i >/dev/null
    "$C" --db rel.db record phq9 --client R0$i --date 2025-01-0$i \
        1 1 1 1 1 1 1 1 0 >/dev/null
    "$C" --db rel.db record phq9 --client R0$i --date 2025-02-0$i \
        0 1 0 1 0 1 0 1 0 >/dev/null
done
t_run "a first release" 0 "$C" --db rel.db aggregate --instrument phq9 \
    --to 2025-01-05 -o jan.json
t_run "the same population again" 0 "$C" --db rel.db aggregate \
    --instrument phq9 --to 2025-01-05 -o jan2.json
t_run "one client more is refused" 1 "$C" --db rel.db aggregate \
    --instrument phq9 -o feb.json
t_err_has "cairn: these 6 clients differ from release 1 ("
t_err_has ", 5 clients) by 1, fewer than the min-cell 5: published side by side they would reveal those clients"
[ ! -e feb.json ] && t_ok "nothing written" || t_not_ok "feb.json" "written"
t_run "the release log is audited" 0 "$C" --db rel.db audit verify
sqlite3 rel.db "DROP TRIGGER release_log_no_delete; DELETE FROM release_log"
t_run "a release log emptied behind Cairn's back" 1 "$C" --db rel.db \
    audit verify
t_err_has "cairn: release:1 named by audit entry "

# --- implausible dates
"$C" client add D01 --birth-year 1987 --loss-date 2025-03-14 >/dev/null
t_run "an assessment before birth" 1 "$C" record phq9 --client D01 \
    --date 1900-01-01 0 0 0 0 0 0 0 0 0
t_err "cairn: date 1900-01-01 is before the client was born (birth year 1987)"
t_run "a birth year after the loss" 1 "$C" client add D02 --birth-year 2026 \
    --loss-date 2025-03-14
t_err "cairn: loss date 2025-03-14 is before the birth year 2026"
t_run "a session in 2150" 1 "$C" event add --client D01 --date 2150-01-01 \
    --kind session
t_err "cairn: event date 2150-01-01 is in the future"
t_run "a due date ahead is fine" 0 "$C" event add --client D01 \
    --date 2150-01-01 --kind due_date
t_run "a grief scale before the loss: a warning" 0 "$C" record pg13r \
    --client D01 --date 2024-01-01 1 6 2 2 2 2 2 2 2 2 2 2 1
t_err_has "cairn: warning: pg13r dated 2024-01-01, 438 days before the client's loss on 2025-03-14: it asks about the loss, so check the date"
t_run "a PHQ-9 before the loss: no warning" 0 "$C" record phq9 --client D01 \
    --date 2024-01-01 0 0 0 0 0 0 0 0 0
t_err ""
printf '%s\nD01,1950-06-01,phq9,1,1,1,1,1,1,1,1,0\nD01,2025-04-01,phq9,1,1,1,1,1,1,1,1,0\n' "$H9" >old.csv
t_run "an import row before birth" 1 "$C" import old.csv
t_err_has "cairn: old.csv:2: date 1950-06-01 is before the client was born (birth year 1987)"

# --- what another tool wrote is escaped on the terminal
"$C" client add E01 --notes "first line
second line" >/dev/null
sqlite3 cairn.db "UPDATE client SET name = 'Ann' || char(27) || ']0;pwned' || char(7) WHERE code = 'E01'"
t_run "client show escapes the name" 0 "$C" client show E01
t_out_has "  name:        Ann\\x1b]0;pwned\\x07"
t_out_has "  notes:       first line"
t_out_has "               second line"
t_run "client list escapes it too" 0 "$C" client list
t_out_has "Ann\\x1b]0;pwned\\x07"
if grep -q "$(printf '\033')" "$T_TMP/stdout"; then
    t_not_ok "no escape byte reaches the terminal" "found ESC"
else
    t_ok "no escape byte reaches the terminal"
fi
