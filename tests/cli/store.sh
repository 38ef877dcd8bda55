# Command tests for the longitudinal record: init, clients and couples,
# administer (piped answers), record, history, amend/void, events, audit,
# rescore.  The import has its own suites (import.sh, reliability.sh).
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.lee
DB=clinic.db
c() { "$CAIRN" --db "$DB" "$@"; }

t_run "commands refuse a missing database" 1 c client list
t_err "cairn: clinic.db: no such database (named by --db); create it with 'cairn init', or give --db the right path"
[ ! -e clinic.db ] && t_ok "no file was created" || t_not_ok "no file was created" "clinic.db exists"

t_run "init" 0 c init
t_out "created clinic.db (schema version 9)
audit key clinic.db.auditkey (mode 0600): keep a copy apart from the database; without it
the audit log cannot be verified or changed"
mode=$(stat -c %a clinic.db)
[ "$mode" = 600 ] && t_ok "database mode 0600" || t_not_ok "database mode 0600" "mode $mode"
t_run "init never overwrites" 1 c init
t_err "cairn: clinic.db already exists"

printf 'not a database at all, just text\n' > foreign.db
t_run "a foreign file is refused" 1 "$CAIRN" --db foreign.db client list
t_err "cairn: foreign.db: not a Cairn database"
sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
t_run "another SQLite file is refused" 1 "$CAIRN" --db other.db client list
t_err "cairn: other.db: not a Cairn database (another program's SQLite file; left unchanged)"
t_run "CAIRN_DB names the database" 0 env CAIRN_DB=clinic.db "$CAIRN" client list
t_out "0 clients"

# --- clients and couples
t_run "client add" 0 c client add C001 --name "Anna" --birth-year 1990 \
    --loss-date 2024-03-02 --gestation-weeks 31 --loss-kind stillbirth \
    --clinician "dr lee" --notes "prefers mornings"
t_out "added client C001"
t_run "partner added as a couple" 0 c client add C002 --name Ben --partner C001
t_out "added client C002, partner of C001"
t_run "duplicate code" 1 c client add C001
t_err "cairn: client 'C001' already exists"
t_run "bad code" 1 c client add "C 3"
t_err "cairn: client code 'C 3' is not valid: use 1-64 letters, digits, '.', '_', '-' or '/'"
t_run "impossible loss date" 1 c client add C003 --loss-date 2023-02-30
t_err "cairn: loss date '2023-02-30' is not a date (YYYY-MM-DD)"
t_run "gestation out of range" 1 c client add C003 --gestation-weeks 50
t_err "cairn: gestation weeks 50 is outside 1..45"
t_run "unknown loss kind" 2 c client add C003 --loss-kind flood
t_err_has "cairn: client add: loss kind 'flood' is not one of miscarriage, stillbirth, neonatal_death, tfmr, other"
t_run "partner already linked" 1 c client add C003 --partner C001
t_err "cairn: client 'C001' already has a partner"
t_run "SQL in a text field is just text" 0 c client add C004 --name "Robert'); DROP TABLE client;--"
t_run "client list" 0 c client list
t_out_has "C001         Anna                     stillbirth partner C002"
t_out_has "C004         Robert'); DROP TABLE client;--"
t_out_has "3 clients"
t_run "client list --json leaves notes out" 0 c client list --json
t_out_has '"code":"C001","name":"Anna","birth_year":1990,"clinician":"dr lee","loss_date":"2024-03-02","gestation_weeks":31,"loss_kind":"stillbirth","partner":"C002"'
if grep -q "mornings" "$T_TMP/stdout"; then t_not_ok "no notes in list json" "notes found"; else t_ok "no notes in list json"; fi
t_run "client show" 0 c client show C001
t_out_has "  loss:        stillbirth on 2024-03-02 at 31 weeks"
t_out_has "  notes:       prefers mornings"
t_run "client edit" 0 c client edit C002 --birth-year 1988 --name ''
t_out "updated client C002"
t_run "edit shows" 0 c client show C002 --json
t_out_has '"name":null,"birth_year":1988'
t_out_has '"partner":"C001"'
t_run "client link" 0 c client add C005
t_run "link C004 and C005" 0 c client link C004 C005
t_out "linked C004 and C005 as a couple"
t_run "episode start" 0 c client episode C001 --start 2024-04-01
t_run "second open episode refused" 1 c client episode C001 --start 2024-04-02
t_err "cairn: client 'C001' has an open episode since 2024-04-01; end it first"
t_run "unknown client" 1 c client show C999
t_err "cairn: no client 'C999'"
t_run "client without subcommand" 2 c client
t_err_has "try 'cairn help client'"

# --- administer with piped answers
t_run "administer PHQ-9" 0 sh -c "printf '1\n2\n0\n3\n1\n0\n2\n1\n1\ny\n\n' | \"$CAIRN\" --db $DB administer phq9 --client C001 --date 2024-04-08"
t_out_has "Over the last 2 weeks, how often have you been bothered"
t_out_has "Item 1 of 9: Little interest or pleasure in doing things"
t_out_has "  3  Nearly every day"
t_out_has "Please check your answers:"
t_out_has "Please hand the device back to your clinician."
t_out_has "For the clinician: saved as assessment 1 for client C001."
t_out_has "2024-04-08           #1     phq9    11 (Moderate); !! RISK item 9"
t_out_has "!! RISK - FOR THE CLINICIAN NOW"
t_out_has "!! item 9 (thoughts of being better off dead or of self-harm) was endorsed"

t_run "administer: invalid, back, skip, change in review" 0 sh -c "printf '7\nx\n1\nb\n2\n2\ns\n1\n1\n1\ns\n1\n1\n9\n0\ny\n\n' | \"$CAIRN\" --db $DB administer PHQ-9 --client C002 --date 2024-04-08"
t_out_has "Please answer with one of 0, 1, 2, 3 (b = back, s = skip, q = quit)."
t_out_has "(current answer: 1; press Enter to keep it)"
t_out_has "   3  Trouble falling or staying asleep, or sleeping too much: (skipped)"
t_out_has "   7  Trouble concentrating on things, such as reading the newspaper or watching television:"
t_out_has "phq9    10 (Moderate) prorated; missing items 3,7"
t_run "history shows the corrected answer" 0 c history --client C002 --json
t_out_has '"responses":[2,2,null,1,1,1,null,1,0]'
t_out_has '"method":"self_report"'
t_out_has '"entered_by":"dr.lee"'

t_run "administer: a third skip is refused" 0 sh -c "printf 's\ns\ns\n0\n0\n0\n0\n0\n0\n0\nq\n' | \"$CAIRN\" --db $DB administer phq9 --client C001"
t_out_has "This item cannot be skipped: the score needs an answer."
t_out_has "You have stopped; nothing was kept."
t_run "administer: input ends early" 1 sh -c "printf '1\n2\n' | \"$CAIRN\" --db $DB administer phq9 --client C001"
t_err "cairn: input ended before the questionnaire was finished; nothing was saved"
t_run "administer: unknown client refused before asking" 1 sh -c "printf '1\n' | \"$CAIRN\" --db $DB administer phq9 --client C999"
t_err "cairn: no client 'C999'"
t_out ""
t_run "administer EPDS with the clinic's texts" 0 sh -c "printf '0\n0\n3\n0\n3\n3\n3\n3\n3\n3\ny\n\n' | \"$CAIRN\" --db $DB --texts $T_ROOT/tests/data/good/texts administer epds --client C004 --date 2024-04-09"
t_out_has "Item 10 of 10: Placeholder text for item 10 (fixture)"
t_out_has "  3  placeholder option 4 of item 10"
t_out_has "epds    0 (Below the possible-depression threshold (0-9))"

# --- record from paper forms, both partners
t_run "record EPDS C001" 0 c record epds --client C001 --date 2024-05-02 --codes positions 1 1 2 1 0 1 2 1 0 1
t_out_has "stored assessment 4 for client C001:"
t_out_has "!! RISK - FOR THE CLINICIAN NOW"
t_run "record EPDS C002" 0 c record EPDS --client C002 --date 2024-05-02 --codes positions 0 0 1 1 0 1 0 1 0 0
t_run "record PGS-33 C001" 0 c record pgs33 --client C001 --date 2024-05-02 --codes positions --json 1 2 3 4 5 1 2 3 4 5 1 2 3 4 5 1 2 3 4 5 1 2 3 4 5 1 2 3 4 5 1 2 3
t_out_has '"instrument":"pgs33"'
t_out_has '"active_grief":{"score":'
t_run "record PGS-33 C002" 0 c record pgs33 --client C002 --date 2024-05-02 --codes positions 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3
t_run "recording the same form twice is refused" 1 c record pgs33 --client C002 --date 2024-05-02 --codes positions 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3
t_err "cairn: client 'C002' already has these pgs33 answers stored for 2024-05-02"
t_run "record: bad code" 1 c record phq9 --client C001 1 2 0 3 1 0 2 1 7
t_err "cairn: item 9: code 7 is not one of 0, 1, 2, 3"
t_run "record: future date" 1 c record phq9 --client C001 --date 2099-01-01 0 0 0 0 0 0 0 0 0
t_err "cairn: date 2099-01-01 is in the future"
t_run "record: impossible date" 1 c record phq9 --client C001 --date 2024-13-01 0 0 0 0 0 0 0 0 0
t_err "cairn: date '2024-13-01' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])"
t_run "record: date with offset is stored in UTC" 0 c record gad7 --client C001 --date 2024-05-03T01:30+02:00 --json 1 1 1 1 1 1 1
t_out_has '"administered_at":"2024-05-02T23:30:00Z"'
t_run "record: needs --client" 2 c record phq9 1 2 3
t_err_has "cairn: record needs INSTRUMENT and --client"

# --- events and history
t_run "event add" 0 c event add --client C001 --date 2024-04-20 --kind intervention_start --label "mindfulness group"
t_out "added event 1 for C001: intervention_start on 2024-04-20"
t_run "due date may lie ahead" 0 c event add --client C001 --date 2099-06-01 --kind due_date
t_run "unknown event kind" 2 c event add --client C001 --date 2024-04-20 --kind party
t_err_has "cairn: event kind 'party' is not one of intervention_start"
t_run "event list --json" 0 c event list --json
t_out_has '{"id":1,"client":"C001","date":"2024-04-20","kind":"intervention_start","label":"mindfulness group"}'
t_run "history" 0 c history --client C001
t_out_has "client C001 (Anna), partner C002"
t_out_has "loss: stillbirth on 2024-03-02 at 31 weeks"
t_out_has "2024-04-20           event  intervention start: mindfulness group"
t_out_has "2024-05-04           marker due date, from the loss at 31 weeks"
t_out_has "2025-03-02           marker 1st anniversary of the loss"
t_out_has "2026-03-02           marker 2nd anniversary of the loss"
t_out_has "2024-05-02           #4     epds    17 (Probable depression (13 or more)); !! RISK item 10"
t_run "history --instrument takes an alias" 0 c history --client C001 --instrument PHQ-9 --json
t_out_has '[{"id":1,"client":"C001","instrument":"phq9","version":"1"'
t_out_has '"scales":{"total":{"score":11,"band":"moderate","prorated":false}},"missing":[],"responses":[1,2,0,3,1,0,2,1,1],"flags":[{"kind":"risk","item":9,"code":1,"message":"item 9 (thoughts of being better off dead or of self-harm) was endorsed: review risk with the client today"}],"rules":{"major_depressive_syndrome":false,"other_depressive_syndrome":true}}]'

# --- corrections keep history
t_run "amend answers" 0 c assessment amend 1 1 2 0 3 1 0 2 1 0 --reason "item 9 misread"
t_out_has "assessment 1 corrected as 9"
t_run "amend the date" 0 c assessment amend 9 --date 2024-04-09 --reason "date typo"
t_out_has "assessment 9 corrected as 10"
t_run "amend a superseded version" 1 c assessment amend 1 --date 2024-04-09 --reason x
t_err "cairn: assessment 1 was superseded; amend the current version"
t_run "amend needs a reason" 2 c assessment amend 10 --date 2024-04-10
t_err_has "cairn: amend needs --reason"
t_run "void" 0 c assessment void 8 --reason "entered for the wrong client"
t_out "assessment 8 is void"
t_run "void twice" 1 c assessment void 8 --reason again
t_err "cairn: assessment 8 is void"
t_run "history hides old versions" 0 c history --client C001 --instrument phq9
t_out_has "#10    phq9    10 (Moderate); corrects #9: date typo"
if grep -q "#1 " "$T_TMP/stdout"; then t_not_ok "old version hidden" "found #1"; else t_ok "old version hidden"; fi
t_run "history --all keeps them" 0 c history --client C001 --all
t_out_has "#1     phq9    11 (Moderate); !! RISK item 9; superseded by #9"
t_out_has "VOID: entered for the wrong client"
t_run "assessment show" 0 c assessment show 10 --json
t_out_has '"status":"current","supersedes":9,"reason":"date typo"'
t_run "plain SQL sees one row per item" 0 sqlite3 "$DB" "SELECT item, code FROM item_response WHERE assessment_id = 2 ORDER BY item"
t_out "1|2
2|2
3|
4|1
5|1
6|1
7|
8|1
9|0"
t_run "plain SQL sees each scale" 0 sqlite3 "$DB" "SELECT scale, score, band FROM assessment_scale WHERE assessment_id = 6 ORDER BY scale"
t_out_has "active_grief|"
t_out_has "total|"

# --- the audit trail
t_run "audit verify" 0 c audit verify
t_out_has "audit log intact:"
t_run "audit log" 0 c audit log --last 3
t_out_has "dr.lee     assessment.void   assessment:8"
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
t_run "the triggers refuse an edit" 0 sh -c "! sqlite3 tamper.db \"UPDATE assessment SET responses = '[0]' WHERE id = 2\" 2>/dev/null"
t_run "sqlite3 changes an audit row" 0 sqlite3 tamper.db "DROP TRIGGER audit_no_update; UPDATE audit SET who = 'someone' WHERE seq = 4"
t_run "verify detects the changed audit row" 1 "$CAIRN" --db tamper.db audit verify
t_err "cairn: audit entry 4 does not match its hash: it was changed after it was written"
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
sqlite3 tamper.db "DROP TRIGGER assessment_frozen; UPDATE assessment SET responses = '[0,0,0,0,0,0,0,0,0]' WHERE id = 2"
t_run "verify detects a changed assessment" 1 "$CAIRN" --db tamper.db audit verify
t_err_has "cairn: the assessments of batch "
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
sqlite3 tamper.db "UPDATE client SET name = 'Eve' WHERE code = 'C001'"
t_run "verify detects a changed client" 1 "$CAIRN" --db tamper.db audit verify
t_err "cairn: client 1 differs from its last audited state: it was changed behind Cairn's back"
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
sqlite3 tamper.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 6"
t_run "verify detects a removed audit row" 1 "$CAIRN" --db tamper.db audit verify
t_err "cairn: audit entry 6 is missing: the log jumps from 5 to 7"
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
sqlite3 tamper.db "DROP TRIGGER assessment_no_delete; DELETE FROM assessment WHERE id = 3"
t_run "verify detects a removed assessment" 1 "$CAIRN" --db tamper.db audit verify
t_err_has "differ from what the audit log recorded (1 rows recorded, 0 found)"
cp "$DB" tamper.db && cp "$DB.auditkey" tamper.db.auditkey
sqlite3 tamper.db "UPDATE assessment SET voided_at = '2024-01-01', void_reason = 'x' WHERE id = 5"
t_run "verify detects a void behind Cairn's back" 1 "$CAIRN" --db tamper.db audit verify
t_err "cairn: assessment 5 was voided behind Cairn's back"

# --- rescore with a newer definition
mkdir newdefs
cp "$CAIRN_INSTRUMENTS"/*.json newdefs/
sed -i 's/"version": "1",/"version": "1-test",/; s/"id": "mild", "label": "Mild", "min": 5, "max": 9/"id": "mild", "label": "Mild", "min": 5, "max": 10/; s/"id": "moderate", "label": "Moderate", "min": 10, "max": 14/"id": "moderate", "label": "Moderate", "min": 11, "max": 14/' newdefs/phq9.json
t_run "rescore --dry-run" 0 "$CAIRN" --db "$DB" --instruments newdefs rescore phq9 --dry-run
t_out "phq9 definition 1-test: 2 current assessments, 2 would be rescored, 0 already scored with it"
t_run "rescore" 0 "$CAIRN" --db "$DB" --instruments newdefs rescore phq9
t_out "phq9 definition 1-test: 2 current assessments, 2 rescored, 0 already scored with it"
t_run "rescored versions" 0 "$CAIRN" --db "$DB" --instruments newdefs history --client C001 --instrument phq9 --json
t_out_has '"version":"1-test"'
t_out_has '"method":"rescore"'
t_out_has '"total":{"score":10,"band":"mild"'
t_run "rescore again changes nothing" 0 "$CAIRN" --db "$DB" --instruments newdefs rescore phq9
t_out "phq9 definition 1-test: 2 current assessments, 0 rescored, 2 already scored with it"
t_run "audit still verifies" 0 c audit verify
