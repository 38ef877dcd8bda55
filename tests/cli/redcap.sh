# Command tests for files from other systems: spreadsheets as Excel saves
# them (semicolons, BOM, CRLF, day-first dates, trailing empty columns and
# rows, Windows-1252), column maps, and REDCap in and out.
. tests/cli/lib.sh
D="$T_ROOT/tests/data/good/redcap"
P="$T_ROOT/instruments/redcap/phq9.json"
cd "$T_TMP" || exit 1
DB=clinic.db
c() { "$CAIRN" --db "$DB" "$@"; }
snapshot() { sqlite3 "$DB" .dump | md5sum; }
c init >/dev/null
c client add C001 >/dev/null
c client add C002 >/dev/null

# --- spreadsheets as people save them
printf '\357\273\277client_id;administered_at;instrument;item1;item2;item3;item4;item5;item6;item7;item8;item9;;\r\nC001;06/10/2025;phq9;1;2;0;3;1;0;2;1;1;;\r\n;;;;;;;;;;;;;\r\nC002;25/10/2025 14:30;PHQ-9;0;0;0;1;1;1;0;0;0;;\r\n' > eu.csv
before=$(snapshot)
t_run "day-first dates without --date-format" 1 c import eu.csv
t_err "cairn: eu.csv:2: administered_at '06/10/2025' is not an ISO date (YYYY-MM-DD) and can be read two ways: 6 October 2025 (DD/MM/YYYY) or 10 June 2025 (MM/DD/YYYY); say which date format the file uses
cairn: eu.csv:4: administered_at '25/10/2025 14:30' is not an ISO date (YYYY-MM-DD); it reads as 25 October 2025 (DD/MM/YYYY): say which date format the file uses
cairn: name the file's date format with --date-format DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY
cairn: nothing was imported: fix the rows above and run the import again"
[ "$(snapshot)" = "$before" ] && t_ok "refused file leaves the database unchanged" || t_not_ok "refused file leaves the database unchanged" "dump differs"
t_run "semicolons, BOM, CRLF, DD/MM/YYYY, empty columns and row" 0 c import eu.csv --date-format DD/MM/YYYY
t_out "eu.csv: 2 rows read (2 assessments), 2 stored, 0 duplicates skipped, 0 rejected; ignored 1 empty rows and 2 empty columns"
t_run "dates read day first" 0 c history --client C002 --json
t_out_has '"administered_at":"2025-10-25T14:30:00Z"'
t_run "the same file again" 0 c import eu.csv --date-format dd/mm/yyyy
t_out_has "0 stored, 2 duplicates skipped"
printf 'client_id\tadministered_at\tinstrument\titem1\titem2\nC001\t10.06.2025\tphq2\t1\t1\n' > tab.csv
t_run "tabs and DD.MM.YYYY" 0 c import tab.csv --date-format DD.MM.YYYY
t_out "tab.csv: 1 rows read (1 assessments), 1 stored, 0 duplicates skipped, 0 rejected"
printf 'client_id,administered_at,instrument,item1,item2\nC001,45936,phq2,1,1\n' > serial.csv
t_run "an Excel serial number" 1 c import serial.csv
t_err "cairn: serial.csv:2: administered_at '45936' is an Excel serial day number (day 45936 is 2025-10-06), not a date: format the column as a date in the spreadsheet, save it again and say which date format it then shows
cairn: name the file's date format with --date-format DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY
cairn: nothing was imported: fix the rows above and run the import again"
printf 'client_id,administered_at,instrument,item1,item2\nC001,6-10-2025,phq2,1,1\n' > dash.csv
t_run "a date not in the named format" 1 c import dash.csv --date-format DD/MM/YYYY
t_err_has "dash.csv:2: administered_at '6-10-2025' is not written DD/MM/YYYY"
printf 'client_id,administered_at,instrument,item1,item2\nC001,2025-01-02,caf\351,1,1\n' > w.csv
t_run "Windows-1252 refused with how to save as UTF-8" 1 c import w.csv
t_err 'cairn: w.csv:2: field 3 is not UTF-8 (byte 0xE9): a file Excel saved as plain CSV is Windows-1252; save it as "CSV UTF-8" or say that it is Windows-1252
cairn: save the file as CSV UTF-8, or import it with --encoding cp1252
cairn: nothing was imported: fix the rows above and run the import again'
t_run "--encoding cp1252 converts" 1 c import w.csv --encoding cp1252
t_err_has "w.csv:2: instrument 'caf??' is not known"
t_run "a bad --delimiter" 2 c import w.csv --delimiter '|'
t_err_has "cairn: import: --delimiter '|' is not ',', ';' or tab"
t_run "a bad --date-format" 2 c import w.csv --date-format YYYY/DD/MM
t_err_has "'YYYY/DD/MM' is not a date format (DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY or ISO)"

# --- a column map
cat > map.json <<'JSON'
{"client": "Patient", "date": "Visit", "instrument": "gad7", "offset": -1,
 "items": {"G1": 1, "G2": 2, "G3": 3, "G4": 4, "G5": 5, "G6": 6, "G7": 7},
 "totals": {"GADTOT": "total"}}
JSON
printf 'Patient,Visit,G1,G2,G3,G4,G5,G6,G7,GADTOT,Notes\nC001,2025-02-01,1,2,2,1,1,1,1,2,free text\nC002,2025-02-01,4,4,4,4,4,4,4,20,\n' > other.csv
t_run "a file from another system through a map" 0 c import other.csv --map map.json
t_out "other.csv: 2 rows read (2 assessments), 2 stored, 0 duplicates skipped, 0 rejected"
t_err "cairn: other.csv:3: GADTOT is 20 but Cairn's gad7 total is 21 (check the map's codes and offsets); Cairn's score is stored
cairn: 1 stored totals differ from Cairn's score (listed above); Cairn's scores were stored"
printf 'Patient,Visit,G1,G2,G3,G4,G5,G6,G7,GADTOT\nC001,2025-02-08,5,1,1,1,1,1,1,\n' > other2.csv
t_run "a mapped value outside the options" 1 c import other2.csv --map map.json
t_err_has "other2.csv:2: G1: '5': item 1: "
printf '{"client": "Patient", "date": "Visit", "instrument": "gad7", "itmes": {}}' > typo.json
printf 'who,when\nC1,2025-01-01\n' > foreign.csv
t_run "foreign columns without a map" 1 c import foreign.csv
t_err "cairn: foreign.csv:1: unknown column 'who'; the columns can be client_id, administered_at, instrument, then item1..itemN (wide) or item and response (long); another system's columns need a column map; give one with --map MAP.json (see 'cairn redcap profile')"
t_run "a misspelt map key" 1 c import other.csv --map typo.json
t_err "cairn: typo.json: unknown key 'itmes'"
printf '{"client": "P", "date": "V", "instrument": "epds", "items": {"e1": 1}}' > epds.json
printf 'P,V,e1\nC1,2025-01-01,3\n' > epds.csv
t_run "a map for EPDS must say positions or scores" 1 c import epds.csv --map epds.json
t_err_has "cairn: epds.csv: column 'e1' (epds item 1): epds's answer codes are not its item scores: say which the file holds, --codes positions ("
t_err_has ', or "codes" in the map'
t_run "or the file says it" 0 c import epds.csv --map epds.json --codes scores --create-clients --dry-run

# --- REDCap in
cd "$T_TMP" && rm -f "$DB" "$DB.auditkey" && c init >/dev/null
t_run "REDCap profile" 0 c redcap profile phq9
t_out_has '"form": "patient_health_questionnaire_9"'
before=$(snapshot)
t_run "REDCap records need the dictionary" 2 c import --from redcap "$D/phq9.records.csv" --map "$P"
t_run "REDCap: events, repeating instances, incomplete form, wrong total" 0 c import --from redcap "$D/phq9.records.csv" --dictionary "$D/phq9.dictionary.csv" --map "$P" --create-clients
t_out "$D/phq9.records.csv: 7 rows read (5 assessments), 5 stored, 0 duplicates skipped, 0 rejected, 2 clients created; skipped 1 rows without answers on the form and 1 incomplete forms"
t_err "cairn: $D/phq9.records.csv:8: phq9_total_score is 9 but Cairn's phq9 total is 7 (check the map's codes and offsets); Cairn's score is stored
cairn: 1 stored totals differ from Cairn's score (listed above); Cairn's scores were stored"
t_run "REDCap import again changes nothing" 0 c import --from redcap "$D/phq9.records.csv" --dictionary "$D/phq9.dictionary.csv" --map "$P" --create-clients
t_out_has "0 stored, 5 duplicates skipped"
if sqlite3 "$DB" .dump | grep -qi -e alice -e example; then t_not_ok "no names stored" "found a name"; else t_ok "no names stored"; fi
t_run "--include-incomplete" 0 c import --from redcap "$D/phq9.records.csv" --dictionary "$D/phq9.dictionary.csv" --map "$P" --include-incomplete --dry-run
t_out_has "1 would be stored, 5 duplicates skipped"
before=$(snapshot)
sed 's/phq9_how_difficult,\(.*\)"1, Not difficult at all | 2, Somewhat difficult | 3, Very difficult | 4, Extremely difficult"/phq9_how_difficult,\1"0, Not difficult at all | 1, Somewhat difficult | 2, Very difficult | 3, Extremely difficult"/' "$D/phq9.dictionary.csv" > d2.csv
t_run "dictionary coding checked before any row" 1 c import --from redcap "$D/phq9.records.csv" --dictionary d2.csv --map "$P"
t_err "cairn: d2.csv:17: phq9_how_difficult: the choices are coded 0, 1, 2, 3, but the map expects 1, 2, 3, 4"
t_run "REDCap: EPDS codes must be said before the dictionary is read" 1 c import --from redcap epds.csv --dictionary d2.csv --map epds.json
t_err_has "cairn: epds.csv: column 'e1' (epds item 1): epds's answer codes are not its item scores: say which the file holds, --codes positions ("
sed 's/^phq9_3,\(.*\)"0, Not at all/phq9_3,\1"1, Not at all/' "$D/phq9.dictionary.csv" | sed 's/^phq9_3,\(.*\) | 3, Nearly every day/phq9_3,\1 | 4, Nearly every day/' > d3.csv
t_run "item choices checked against the instrument" 1 c import --from redcap "$D/phq9.records.csv" --dictionary d3.csv --map "$P"
t_err_has "d3.csv:9: phq9_3: choice 4 is not an answer of phq9 item 3"
sed 's/"phq9_9": 9/"enrol_name": 9/' "$P" > ident.json
t_run "a field marked Identifier? = y is never read" 1 c import --from redcap "$D/phq9.records.csv" --dictionary "$D/phq9.dictionary.csv" --map ident.json
t_err "cairn: $D/phq9.dictionary.csv:3: enrol_name is an identifier field (Identifier? = y); Cairn never reads or stores identifiers: take it out of the map"
sed 's/"phq9_9": 9/"phq9_last_name": 9/' "$P" > ident2.json
t_run "a name field the profile lists is never read" 1 c import --from redcap "$D/phq9.records.csv" --dictionary "$D/phq9.dictionary.csv" --map ident2.json
t_err "cairn: ident2.json: identifiers: 'phq9_last_name' identifies a person, so it cannot also be read"
[ "$(snapshot)" = "$before" ] && t_ok "refused REDCap imports leave the database unchanged" || t_not_ok "refused REDCap imports leave the database unchanged" "dump differs"

# --- REDCap out, and back in
t_run "REDCap export" 0 c redcap export -o study
t_out "study.csv: 2 records, 5 rows, 1 forms; study.dictionary.csv: 12 fields; study.repeating.csv"
t_run "the dictionary has REDCap's 18 columns" 0 sh -c "head -1 study.dictionary.csv | tr -d '\r'"
t_out 'Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"Choices, Calculations, OR Slider Labels",Field Note,Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,Identifier?,Branching Logic (Show field only if...),Required Field?,Custom Alignment,Question Number (surveys only),Matrix Group Name,Matrix Ranking?,Field Annotation'
t_run "repeating forms" 0 sh -c "tr -d '\r' < study.repeating.csv"
t_out "form_name,custom_form_label
patient_health_questionnaire_9,[phq9_date_enrolled]"
t_run "records as a repeating instrument" 0 sh -c "head -2 study.csv | tr -d '\r'"
t_out "record_id,redcap_repeat_instrument,redcap_repeat_instance,phq9_date_enrolled,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,phq9_total_score,patient_health_questionnaire_9_complete
R01,patient_health_questionnaire_9,1,2025-03-01,1,2,1,2,1,0,1,1,0,9,2"
{ c history --client R01 --json; c history --client R02 --json; } > before.json
DB=fresh.db
c init >/dev/null
t_run "round trip into a fresh store" 0 c import --from redcap study.csv --dictionary study.dictionary.csv --map "$P" --create-clients
t_out "study.csv: 5 rows read (5 assessments), 5 stored, 0 duplicates skipped, 0 rejected, 2 clients created"
{ c history --client R01 --json; c history --client R02 --json; } > after.json
strip() { sed 's/"id":[0-9]*,//g; s/"entered_at":"[^"]*",//g; s/"source":"[^"]*",//g' "$1"; }
[ "$(strip before.json)" = "$(strip after.json)" ] && t_ok "same responses and scores after the round trip" || t_not_ok "same responses and scores after the round trip" "$(strip before.json | head -c 300) vs $(strip after.json | head -c 300)"
DB=clinic.db
c key new -o site.key >/dev/null 2>&1
t_run "de-identified REDCap export" 0 c redcap export --key site.key -o deid --instrument phq9
if grep -q -e R01 -e R02 -e 2025-03-01 deid.csv; then t_not_ok "no client codes or real dates" "$(head -3 deid.csv)"; else t_ok "no client codes or real dates"; fi
c export --key site.key --shift-dates --instrument phq9 -o research.csv >/dev/null 2>&1
# the pseudonym and date_shifted columns, found by name
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "date_shifted") d = i; next }
                { print $1 "," $d }' research.csv | sort)
got=$(tr -d '\r' < deid.csv | cut -d, -f1,4 | tail -n +2 | sort)
[ -n "$want" ] && [ "$want" = "$got" ] && t_ok "pseudonyms and shifted dates are the research export's" || t_not_ok "pseudonyms and shifted dates are the research export's" "want $want got $got"
t_run "GAD-7 template profile" 0 c redcap profile gad7
t_out_has '"gad7_total": "total"'
