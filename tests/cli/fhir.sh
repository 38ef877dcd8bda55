# Command tests for cairn fhir: the example clinic's export against its
# golden file, the official R4 JSON schema and the structural check; the
# round trip into a fresh store; imports in the shapes real systems write,
# each refusal with its exact message and the database left unchanged.
# CAIRN_FHIR_REGEN=1 rewrites the golden file (after a definition changed).
. tests/cli/lib.sh
FIX="$T_ROOT/tests/data/fhir"
GOLDEN="$FIX/clinic.transaction.json"
check() { python3 "$T_ROOT/tests/fhir_check.py" "$FIX/fhir.schema.json" \
    "$CAIRN_INSTRUMENTS" "$@"; }
cp "$FIX"/import/*.json "$T_TMP"/
cd "$T_TMP" || exit 1
snapshot() { sqlite3 "$1" .dump | md5sum; }
SYS=https://clinic.example/fhir

# --- export of the example clinic
sh "$T_ROOT/examples/clinic.sh" clinic.db "$CAIRN" >/dev/null
t_run "export the example clinic" 0 "$CAIRN" --db clinic.db fhir export \
    --system $SYS --recorded 2026-09-30T12:00:00Z -o clinic.json
t_out "clinic.json: 310 responses (0 entered in error), 424 observations, 7 patients, 4 questionnaires"
if [ -n "${CAIRN_FHIR_REGEN:-}" ]; then
    cp clinic.json "$GOLDEN"
fi
if cmp -s clinic.json "$GOLDEN"; then
    t_ok "export is byte-identical to the golden file"
else
    t_not_ok "export is byte-identical to the golden file" \
        "$(diff clinic.json "$GOLDEN" | head -20)"
fi
t_run "the export validates (R4 schema, structure)" 0 check clinic.json
t_out "ok clinic.json"
n9=$(sqlite3 clinic.db "SELECT count(*) FROM current_assessment a,
    assessment_scale s WHERE s.assessment_id = a.id AND a.instrument = 'phq9'
    AND s.score IS NOT NULL")
t_run "every PHQ-9 total (and the Questionnaire) carries LOINC 44261-6" 0 \
    grep -c '"code": "44261-6"' clinic.json
t_out "$((n9 + 1))"
t_run "PHQ-9 items carry LOINC codes" 0 grep -c '"code": "44259-0"' clinic.json
t_out "1"
t_run "no EPDS item text" 1 grep -q 'funny side of things' clinic.json
t_run "collection export validates too" 0 "$CAIRN" --db clinic.db fhir export \
    --type collection -o coll.json
t_run "collection checked" 0 check coll.json
t_out "ok coll.json"

# --- the checker is not a rubber stamp
sed 's/"code": "44261-6"/"code": "44249-1"/' clinic.json > panel.json
t_run "a panel code as a score code is caught" 1 check panel.json
t_out_has "phq9.total: a panel code used as a score code"
sed '0,/"status": "completed"/s//"status": "done"/' clinic.json > status.json
t_run "a bad status is caught by the schema" 1 check status.json
t_out_has "entry["

# --- round trip into a fresh store
"$CAIRN" --db fresh.db init >/dev/null
t_run "import the export into a fresh store" 0 "$CAIRN" --db fresh.db fhir \
    import clinic.json --create-clients --subject-system $SYS/client
t_out "clinic.json: 746 resources read (310 responses), 310 stored, 0 duplicates skipped, 0 withdrawn, 0 rejected, 7 clients created; 424 supplied scores checked, 0 differ from Cairn's"
q="SELECT c.code, a.instrument, a.administered_at, a.responses, a.scores,
   a.flags, a.rules, d.fingerprint FROM current_assessment a
   JOIN client c ON c.id = a.client_id JOIN definition d
   ON d.id = a.definition_id ORDER BY 1, 2, 3"
if [ "$(sqlite3 clinic.db "$q" | md5sum)" = "$(sqlite3 fresh.db "$q" | md5sum)" ]; then
    t_ok "round trip: same responses, scores and fingerprints"
else
    t_not_ok "round trip: same responses, scores and fingerprints" \
        "$(sqlite3 fresh.db "$q" > a.txt; sqlite3 clinic.db "$q" > b.txt; diff a.txt b.txt | head)"
fi
before=$(snapshot fresh.db)
t_run "importing it again stores nothing" 0 "$CAIRN" --db fresh.db fhir \
    import clinic.json --subject-system $SYS/client
t_out "clinic.json: 746 resources read (310 responses), 0 stored, 310 duplicates skipped, 0 withdrawn, 0 rejected; 424 supplied scores checked, 0 differ from Cairn's"
[ "$(snapshot fresh.db)" = "$before" ] && t_ok "database unchanged by the repeat" \
    || t_not_ok "database unchanged by the repeat" "dump differs"
t_run "the fresh store's audit log verifies" 0 "$CAIRN" --db fresh.db audit verify

# --- patient linkage, amended and voided
c() { "$CAIRN" --db s.db "$@"; }
c init >/dev/null
c client add C001 --external-id 'urn:oid:2.16.840.1.113883.19.5|MRN-4711' >/dev/null
c client add C002 >/dev/null
c record phq9 --client C001 --date 2026-03-02 1 2 0 3 1 0 2 1 1 >/dev/null
c record gad7 --client C002 --date 2026-03-02 1 1 1 1 1 1 1 >/dev/null
c record gad7 --client C002 --date 2026-03-09 2 2 2 2 2 2 2 >/dev/null
c assessment amend 2 0 1 1 1 1 1 1 --reason "typo" >/dev/null
c assessment void 3 --reason "wrong client" >/dev/null
t_run "export with linkage, amendment and void" 0 c fhir export \
    --system $SYS --recorded 2026-04-01T00:00:00Z -o s.json
t_out "s.json: 3 responses (1 entered in error), 3 observations, 2 patients, 2 questionnaires"
t_run "validates" 0 check s.json
t_run "the hospital MRN is the Patient identifier" 0 grep -c '"value": "MRN-4711"' s.json
t_out "1"
t_run "the amendment updates the first version's resource" 0 grep -c \
    '"url": "QuestionnaireResponse?identifier=https://clinic.example/fhir/assessment|2"' s.json
t_out "1"
t_run "a voided assessment goes out as entered-in-error" 0 grep -c \
    '"status": "entered-in-error"' s.json
t_out "2"

# --- a version 3 database gains the external id column, audit intact
"$CAIRN" --db v3.db init >/dev/null
"$CAIRN" --db v3.db client add C009 --name Ann >/dev/null
sqlite3 v3.db "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master
    WHERE type = 'trigger' AND name LIKE '%_counted'" | sqlite3 v3.db
sqlite3 v3.db "DROP TABLE release_log; DROP TABLE link; DROP TABLE session; DROP TABLE account; DROP TABLE store_change; DROP TABLE model_cache; DROP INDEX client_external_id; ALTER TABLE client DROP COLUMN external_id; PRAGMA user_version = 3;"
t_run "version 3 database: set an external id" 0 "$CAIRN" --db v3.db client \
    edit C009 --external-id 'urn:oid:1.2.3|77'
t_run "migrated to the latest version" 0 sqlite3 v3.db "PRAGMA user_version"
t_out "9"
t_run "its audit log verifies across the migration" 0 "$CAIRN" --db v3.db audit verify
t_run "the external id is shown" 0 "$CAIRN" --db v3.db client show C009
t_out_has "external id: urn:oid:1.2.3|77"
t_run "an external id is unique" 1 "$CAIRN" --db v3.db client add C010 \
    --external-id 'urn:oid:1.2.3|77'
t_err "cairn: external id 'urn:oid:1.2.3|77' already belongs to client 'C009'"
t_run "an external id is SYSTEM|VALUE" 1 "$CAIRN" --db v3.db client add C010 \
    --external-id 'MRN 77'
t_err "cairn: external id 'MRN 77' is not SYSTEM|VALUE (e.g. urn:oid:1.2.3|12345, at most 300 bytes)"

# --- the clinic's own system, set once
t_run "set fhir.system" 0 c settings set fhir.system https://clinic.example/fhir
t_run "export uses it" 0 c fhir export -o sys.json
t_run "its identifiers are the clinic's" 0 grep -c \
    '"system": "https://clinic.example/fhir/client"' sys.json
t_out "1"
"$CAIRN" --db s2.db init >/dev/null
"$CAIRN" --db s2.db settings set fhir.system https://clinic.example/fhir >/dev/null
"$CAIRN" --db s2.db client add P1 --external-id 'urn:oid:2.16.840.1.113883.19.5|MRN-4711' >/dev/null
t_run "import into a store with the same system, no --subject-system" 0 \
    "$CAIRN" --db s2.db fhir import sys.json --create-clients
t_out "sys.json: 11 resources read (3 responses), 2 stored, 0 duplicates skipped, 1 withdrawn, 0 rejected, 1 clients created; 2 supplied scores checked, 0 differ from Cairn's"
t_run "the MRN found P1, the code made C002" 0 sqlite3 s2.db \
    "SELECT group_concat(c.code) FROM current_assessment a JOIN client c ON c.id = a.client_id"
t_out "P1,C002"
t_run "a system that is not a URI" 0 c settings set fhir.system 'my clinic'
t_run "is refused at export" 1 c fhir export -o bad.json
t_err "cairn: system 'my clinic' is not a URI (e.g. https://clinic.example/fhir)"
c settings unset fhir.system >/dev/null

# --- research: pseudonyms and shifted dates
# a fixed key, so the per-client date offsets (1-364 days) are fixed too
printf 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' > site.key
chmod 600 site.key
t_run "pseudonymised export" 0 c fhir export --pseudonymise --key site.key -o p.json
t_run "pseudonymised export validates" 0 check p.json
t_run "no client code, MRN or date leaves" 1 grep -E -q 'C001|C002|MRN-4711|2026-03-02|2026-03-09' p.json
t_run "--pseudonymise needs --key" 2 c fhir export --pseudonymise -o x.json
t_err_has "cairn: --pseudonymise and --key go together"

# --- the output never replaces what it was not asked to write
no_temps() { [ -z "$(ls -A | grep 'cairn-tmp')" ] && t_ok "$1" \
    || t_not_ok "$1" "$(ls -A | grep 'cairn-tmp')"; }
t_run "an export to a new name" 0 c fhir export -o new.json
printf 'notes kept by hand\n' > notes.json
cp notes.json notes.orig
t_run "an existing file is refused without --force" 1 c fhir export -o notes.json
t_err "cairn: notes.json already exists; give --force to replace it"
cmp -s notes.json notes.orig && t_ok "the existing file is unchanged" \
    || t_not_ok "the existing file is unchanged" "notes.json differs"
t_run "with --force it is replaced" 0 c fhir export --force -o notes.json
cmp -s notes.json new.json && t_ok "the replacement is the whole export" \
    || t_not_ok "the replacement is the whole export" "notes.json differs"
mkdir -p sub
cp s.db s.db.orig
t_run "the store by another spelling is refused" 1 c fhir export \
    -o ./sub/../s.db
t_err "cairn: ./sub/../s.db is the database in use (or one of its files); choose another output name"
ln -s s.db link.db
t_run "the store through a symlink is refused" 1 c fhir export --force \
    -o link.db
t_err "cairn: link.db is the database in use (or one of its files); choose another output name"
"$CAIRN" --db other.db init >/dev/null
cp other.db other.orig
t_run "another SQLite store is refused" 1 c fhir export --force -o other.db
t_err "cairn: other.db is an SQLite database; Cairn never writes over one"
cmp -s s.db s.db.orig && cmp -s other.db other.orig && [ -L link.db ] \
    && t_ok "the stores are unchanged" \
    || t_not_ok "the stores are unchanged" "a store differs"
cp site.key site.orig
t_run "the key in use is refused" 1 c fhir export --pseudonymise \
    --key site.key --force -o ./site.key
t_err "cairn: ./site.key is a key in use; choose another output name"
cmp -s site.key site.orig && t_ok "the key is unchanged" \
    || t_not_ok "the key is unchanged" "site.key differs"
t_run "a Questionnaire over an existing file is refused" 1 \
    "$CAIRN" fhir questionnaire phq9 -o notes.orig
t_err "cairn: notes.orig already exists; give --force to replace it"
no_temps "no temporary file is left after the refusals"

# --- questionnaires
t_run "PHQ-9 Questionnaire" 0 "$CAIRN" fhir questionnaire PHQ-9 -o q9.json
t_run "EPDS Questionnaire" 0 "$CAIRN" fhir questionnaire epds -o qe.json
t_run "Questionnaires validate" 0 check q9.json qe.json
t_out "ok q9.json
ok qe.json"
t_run "PHQ-9 Questionnaire has the panel and the total code" 0 grep -c \
    -e '"code": "44249-1"' -e '"code": "44261-6"' q9.json
t_out "2"

# --- imports in the shapes real systems write
d() { "$CAIRN" --db i.db "$@"; }
d init >/dev/null
d client add C001 --external-id 'urn:oid:2.16.840.1.113883.19.5|MRN-4711' >/dev/null
d client add C002 >/dev/null
t_run "LHC-Forms PHQ-9 (LOINC linkIds, LA codes, supplied total)" 0 d fhir import lhc-phq9.json
t_out "lhc-phq9.json: 1 resources read (1 responses), 1 stored, 0 duplicates skipped, 0 withdrawn, 0 rejected; 1 supplied scores checked, 0 differ from Cairn's"
t_err "cairn: warning: lhc-phq9.json: item[9]: linkId '/69722-7' is not an item of phq9; ignored"
t_run "scores equal to cairn score" 0 d history --client C001 --json
t_out_has '"administered_at":"2026-03-02T14:15:30Z"'
t_out_has '"scales":{"total":{"score":11,"band":"moderate","prorated":false}}'
t_run "cairn score agrees" 0 "$CAIRN" score phq9 1 2 0 3 1 0 2 1 1 --json
t_out_has '"total":{"score":11'
t_run "a wrong supplied total is reported, Cairn's score kept" 0 d fhir import lhc-phq9-wrong-total.json
t_out "lhc-phq9-wrong-total.json: 1 resources read (1 responses), 0 stored, 1 duplicates skipped, 0 withdrawn, 0 rejected; 1 supplied scores checked, 1 differ from Cairn's"
t_err "cairn: warning: lhc-phq9-wrong-total.json: item[9]: linkId '/69722-7' is not an item of phq9; ignored
cairn: warning: lhc-phq9-wrong-total.json: item[10]: the file gives phq9 total 12, but the answers score 11; Cairn's score is stored"
t_run "GAD-7 found by item codes, answers as ordinals" 0 d fhir import gad7-ordinals.json --subject-system $SYS/client
t_out "gad7-ordinals.json: 1 resources read (1 responses), 1 stored, 0 duplicates skipped, 0 withdrawn, 0 rejected"
t_run "GAD-7 answers as given" 0 d history --client C001 --instrument gad7 --json
t_out_has '"responses":[2,1,3,0,1,2,0]'
t_run "mixed Bundle: Patient, amended response, Observation, withdrawn, Provenance" 0 \
    d fhir import mixed-bundle.json --subject-system $SYS/client
t_out "mixed-bundle.json: 5 resources read (2 responses), 1 stored, 0 duplicates skipped, 1 withdrawn, 0 rejected; 1 supplied scores checked, 1 differ from Cairn's"
t_err "cairn: warning: mixed-bundle.json: entry[2]: the file gives phq9 total 5, but the answers score 4; Cairn's score is stored
cairn: warning: mixed-bundle.json: entry[3].status: entered-in-error: the sender withdrew this response; not imported"
t_run "the amended response is C002's" 0 d history --client C002 --json
t_out_has '"responses":[0,1,1,1,0,0,1,0,0]'

before=$(snapshot i.db)
t_run "unknown questionnaire" 1 d fhir import unknown-questionnaire.json --subject-system $SYS/client
t_err "cairn: unknown-questionnaire.json: questionnaire: 'http://example.org/Questionnaire/k10' is not a questionnaire Cairn knows, and no item names an item of one
cairn: nothing was imported: fix the problems above and run the import again"
t_run "missing subject" 1 d fhir import missing-subject.json
t_err "cairn: missing-subject.json: subject: missing; Cairn needs to know whose answers these are
cairn: nothing was imported: fix the problems above and run the import again"
t_run "unknown subject" 1 d fhir import gad7-ordinals.json
t_err "cairn: gad7-ordinals.json: subject: no client has the identifier 'https://clinic.example/fhir/client|C001' (give it to the client with 'cairn client edit CODE --external-id SYSTEM|VALUE', or import with --subject-system SYSTEM when its values are your client codes)
cairn: nothing was imported: fix the problems above and run the import again"
t_run "bad answers, every one reported" 1 d fhir import bad-answers.json --subject-system $SYS/client
t_err "cairn: bad-answers.json: status: 'in-progress': only completed or amended responses are imported
cairn: bad-answers.json: item[2]: answer LA6570-1 scores 2 on phq9 item 3, but its ordinalValue says 3
cairn: bad-answers.json: item[4]: 2 answers; Cairn takes one answer per item
cairn: bad-answers.json: item[6]: answer 'LA9999-9' is not an option of phq9 item 7
cairn: bad-answers.json: item[7]: the answer is not a valueCoding, valueInteger or valueDecimal
cairn: warning: bad-answers.json: item[9]: linkId '/69722-7' is not an item of phq9; ignored
cairn: nothing was imported: fix the problems above and run the import again"
printf '{"resourceType": "Patient"}' > patient.json
t_run "not a response" 1 d fhir import patient.json
t_err "cairn: patient.json: a Patient is not something Cairn imports; give a QuestionnaireResponse or a Bundle"
printf '{"resourceType": "Bundle", "type": "document", "entry": []}' > doc.json
t_run "a document Bundle" 1 d fhir import doc.json
t_err "cairn: doc.json: Bundle type 'document' is not imported (give a collection, transaction, batch or searchset)"
printf '{"resourceType": ' > broken.json
t_run "not JSON" 1 d fhir import broken.json
t_err_has "cairn: broken.json:1:"
[ "$(snapshot i.db)" = "$before" ] && t_ok "refusals left the database unchanged" \
    || t_not_ok "refusals left the database unchanged" "dump differs"
t_run "--dry-run stores nothing" 0 d fhir import lhc-phq9.json --dry-run
[ "$(snapshot i.db)" = "$before" ] && t_ok "dry run left the database unchanged" \
    || t_not_ok "dry run left the database unchanged" "dump differs"
t_run "audit verifies after the imports" 0 d audit verify

# --- usage
t_run "no subcommand" 2 "$CAIRN" fhir
t_run "unknown subcommand" 2 "$CAIRN" fhir send
t_run "unknown option" 2 "$CAIRN" fhir export --bogus -o x.json
t_run "export needs -o" 2 "$CAIRN" --db s.db fhir export
t_run "an import option on export" 2 "$CAIRN" --db s.db fhir export -o x.json --dry-run
t_err_has "cairn: fhir export: unknown option '--dry-run'"
t_run "an export option on import" 2 "$CAIRN" --db s.db fhir import lhc-phq9.json --client C001
t_run "an export option on questionnaire" 2 "$CAIRN" fhir questionnaire phq9 -o q.json --client C001
t_run "help" 0 "$CAIRN" help fhir
t_out_has "cairn fhir import FILE"
