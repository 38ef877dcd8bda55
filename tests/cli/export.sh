# Command tests for key, export and aggregate: site keys and their files,
# the re-identification test over every file export writes (CSV, the
# dictionary, the provenance, and the XML inside the .xlsx), pseudonyms,
# one clinic split in three and pooled back (equal to `cairn cohort` on
# the whole), refusals to merge, and small-cell suppression.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

"$C" init >/dev/null
"$C" client add ZEBRA-CODE-0001 --name "Zoë Ångström-Tester" \
    --birth-year 1987 --loss-date 2025-03-14 --gestation-weeks 22 \
    --loss-kind stillbirth --clinician dr.Hildegard-Vexley \
    --notes "Spoke with Quenby Farrow, phone 07700 900461" >/dev/null
"$C" client add ZEBRA-CODE-0002 --name "Marguerite O'Connell & Daughters" \
    --birth-year 1979 --loss-date 2025-03-14 --partner ZEBRA-CODE-0001 \
    >/dev/null
"$C" client add YAK-CODE-0003 --name "Ptolemy Quistgaard" --birth-year 1993 \
    --loss-date 2024-11-30 --gestation-weeks 9 --loss-kind miscarriage \
    >/dev/null
"$C" event add --client ZEBRA-CODE-0001 --date 2025-05-20 \
    --kind intervention_start --label "Narrative therapy, Quenby Farrow" \
    >/dev/null
rec() { "$C" record "$1" --client "$2" --date "$3" $4 >/dev/null ||
    echo "record failed: $*"; }
rec phq9 ZEBRA-CODE-0001 2025-04-02 "2 2 1 2 1 2 1 0 1"
rec phq9 ZEBRA-CODE-0001 2025-04-16 "1 1 1 1 1 1 0 0 0"
rec gad7 ZEBRA-CODE-0001 2025-03-28 "2 2 1 1 0 1 1"
rec phq9 ZEBRA-CODE-0002 2025-04-03 "1 1 1 1 1 1 1 1 0"
rec phq9 YAK-CODE-0003 2025-01-09 "1 2 2 1 0 1 0 0 0"
rec phq9 YAK-CODE-0003 2025-02-20 "0 1 1 0 0 1 0 0 0"

# --- site keys
t_run "key new" 0 "$C" key new -o new.key
t_out_has "wrote new.key: a new site key (id "
[ "$(stat -c %a new.key)" = 600 ] && [ "$(stat -c %s new.key)" = 32 ] &&
    t_ok "key file: 32 bytes, mode 0600" ||
    t_not_ok "key file: 32 bytes, mode 0600" "$(ls -l new.key)"
t_run "key new refuses to replace a key" 1 "$C" key new -o new.key
t_err "cairn: new.key: already exists; a new key would change every pseudonym, so remove the old one yourself if you mean to"
t_run "key new without -o" 2 "$C" key new
t_err_has "cairn: give the key file with -o KEYFILE"
# The exports below use a fixed key, so shifted dates are the same in
# every run (a random one could, by chance, shift one client's date onto
# another client's true date, which the checks below would flag).
printf '%s' 'another-fixed-test-key-for-cairn' >site.key
chmod 600 site.key
t_run "key id" 0 "$C" key id site.key
id=$(cat "$T_TMP/stdout")
[ ${#id} -eq 8 ] && t_ok "key id: 8 characters" || t_not_ok "key id" "$id"

t_run "export without a key" 2 "$C" export -o x.csv
t_err_has "cairn: give --key KEYFILE and -o FILE"
t_run "export: missing key file" 1 "$C" export --key none.key -o x.csv
t_err "cairn: none.key: no such key file; make one with 'cairn key new -o none.key'"
head -c 31 site.key >short.key
chmod 600 short.key
t_run "export: key of the wrong size" 1 "$C" export --key short.key -o x.csv
t_err "cairn: short.key: a site key is 32 bytes, this file has 31"
t_run "export: unreadable key (a directory)" 1 "$C" export --key . -o x.csv
t_err "cairn: .: not a key file (not a regular file)"
[ ! -e x.csv ] && t_ok "no output after a key error" ||
    t_not_ok "no output after a key error" "x.csv exists"
cp site.key open.key
chmod 644 open.key
t_run "export: key readable by others warns" 0 "$C" export --key open.key \
    -o open.csv
t_err "cairn: warning: open.key: permissions 0644 are broader than 0600; anyone who can read the key can link pseudonyms to client codes (chmod 600 open.key)"

# --- exports
t_run "export wide" 0 "$C" export --key site.key -o wide.csv
t_out "wrote wide.csv: 6 rows (6 assessments of 3 clients, 2 questionnaires)
  data dictionary  wide.csv.dictionary.csv
  provenance       wide.csv.provenance.json"
t_run "export long, shifted" 0 "$C" export --key site.key -o long.csv \
    --format long --shift-dates
t_out_has "wrote long.csv: 58 rows (6 assessments of 3 clients"
# long rows name the definition by a short id the provenance explains
head -n 1 long.csv | grep -q '^pseudonym,age_band,gestation_band,loss_kind,days_loss_to_first,instrument,definition,occasion,' &&
    ! grep -q 'sha256:' long.csv &&
    t_ok "long export: a short definition id, no fingerprints" ||
    t_not_ok "long export: a short definition id, no fingerprints" \
        "$(head -n 2 long.csv)"
n_defs=$(python3 -c 'import json,sys
d=json.load(open("long.csv.provenance.json"))["definitions"]
ids=sorted({r.split(",")[6] for r in open("long.csv").read().splitlines()[1:]})
ok=[str(x["definition"]) for x in d]==ids and all(x["fingerprint"].startswith("sha256:") and x["version"] for x in d)
print(len(d) if ok else "bad")')
[ "$n_defs" = 2 ] && t_ok "long export: provenance lists both definitions" ||
    t_not_ok "long export: provenance lists both definitions" "$n_defs"
grep -q '^definition,column,integer,provenance,' long.csv.dictionary.csv &&
    t_ok "long export: the dictionary explains definition" ||
    t_not_ok "long export: the dictionary explains definition" \
        "$(cat long.csv.dictionary.csv)"
grep -q ',fingerprint,' wide.csv && t_ok "wide export keeps fingerprint" ||
    t_not_ok "wide export keeps fingerprint" "$(head -n 1 wide.csv)"
t_run "export one questionnaire in a range" 0 "$C" export --key site.key \
    -o april.csv --instrument PHQ-9 --from 2025-04-01 --to 2025-04-30
t_out_has "3 rows (3 assessments of 2 clients, 1 questionnaire)"
# one questionnaire: each client's first day still counts all of theirs
# (ZEBRA-CODE-0001's GAD-7 came before the PHQ-9s)
t_run "export one questionnaire" 0 "$C" export --key site.key -o phq.csv \
    --instrument phq9
first() { awk -F, '$6 == "phq9" { print $1, $5, $9 }' "$1" | sort; }
[ "$(first phq.csv)" = "$(first wide.csv)" ] &&
    t_ok "one questionnaire: days from the loss to the first of any" ||
    t_not_ok "one questionnaire: days from the loss to the first of any" \
        "$(first phq.csv) / $(first wide.csv)"
t_run "export xlsx" 0 "$C" export --key site.key -o wide.xlsx --shift-dates
t_out_has "wrote wide.xlsx: 6 rows"
# only the definitions of the instruments stored are read: a broken one
# beside is not the export's business (`cairn instruments` reports it),
# and the files are those of the whole folder
mkdir -p defs2
cp "$CAIRN_INSTRUMENTS"/*.json defs2/
printf '{"code": "broken",\n oops}\n' >defs2/broken.json
t_run "export reads only the instruments stored" 0 "$C" --instruments defs2 \
    export --key site.key -o wide2.csv --force
cmp -s wide.csv wide2.csv && cmp -s wide.csv.dictionary.csv \
    wide2.csv.dictionary.csv &&
    t_ok "the same files with a broken definition beside" ||
    t_not_ok "the same files with a broken definition beside" \
        "$(diff wide.csv wide2.csv | head -5)"
t_run "instruments still reports the broken one" 1 "$C" --instruments defs2 \
    instruments
t_err_has "defs2/broken.json:2:"
t_run "export of an unknown instrument reads them all" 1 "$C" \
    --instruments defs2 export --key site.key -o x.csv --instrument phq10
t_err_has "defs2/broken.json:2:"
t_run "export: bad format" 2 "$C" export --key site.key -o y.csv \
    --format tall
t_err_has "cairn: export: --format takes wide or long, not 'tall'"
t_run "export: bad date" 1 "$C" export --key site.key -o y.csv --from 2025-13-01
t_err "cairn: '2025-13-01' is not a date"

# --- re-identification: nothing identifying in any file, in any encoding
mkdir xml && (cd xml && unzip -q ../wide.xlsx) ||
    t_not_ok "unzip the workbook" "unzip failed"
files=$(ls *.csv *.json xml/*.xml xml/*/*.xml xml/*/*/*.xml 2>/dev/null)
leaks=""
for s in ZEBRA-CODE-0001 ZEBRA-CODE-0002 YAK-CODE-0003 ZEBRA YAK \
    "Zoë" 'Zo\u00eb' 'Zo&#235;' "Ångström" 'ngstr\u00f6m' Tester \
    Marguerite "O'Connell" "O&apos;Connell" "O&#39;Connell" Daughters \
    "&amp; Daughters" Quenby Farrow Ptolemy Quistgaard Narrative dr.test \
    Hildegard Vexley 07700 900461 \
    2025-03-14 2024-11-30 2025-04-02 2025-04-16 2025-03-28 2025-04-03 \
    2025-01-09 2025-02-20 2025-05-20 20250314 14/03/2025 03/14/2025; do
    for f in $files; do
        grep -qF -- "$s" "$f" && leaks="$leaks $f:$s"
    done
done
for y in 1987 1979 1993; do
    for f in $files; do
        grep -qE "(^|[^0-9A-Za-z])$y([^0-9A-Za-z]|$)" "$f" &&
            leaks="$leaks $f:$y"
    done
done
keyhex=$(od -An -tx1 site.key | tr -d ' \n')
for f in $files; do
    grep -qF "$keyhex" "$f" && leaks="$leaks $f:key"
done
[ -z "$leaks" ] && t_ok "no code, name, note, birth year, date or key in $(echo $files | wc -w) files" ||
    t_not_ok "re-identification" "found:$leaks"
# (the Data sheet is written row by row, its strings inline)
grep -q "<t>pseudonym</t>" xml/xl/worksheets/sheet1.xml &&
    t_ok "the workbook holds the export" ||
    t_not_ok "the workbook holds the export" "no header in the Data sheet"

# --- pseudonyms
"$C" export --key site.key -o again.csv >/dev/null
cmp -s wide.csv again.csv && t_ok "same key, same export" ||
    t_not_ok "same key, same export" "files differ"
"$C" key new -o other.key >/dev/null
"$C" export --key other.key -o other.csv >/dev/null
p1=$(sed -n 2p wide.csv | cut -d, -f1)
p2=$(sed -n 2p other.csv | cut -d, -f1)
[ -n "$p1" ] && ! grep -qF "$p1" other.csv &&
    t_ok "another key, other pseudonyms" ||
    t_not_ok "another key, other pseudonyms" "$p1 / $p2"
plain=""
for code in ZEBRA-CODE-0001 ZEBRA-CODE-0002 YAK-CODE-0003; do
    h=$(printf %s "$code" | sha256sum | cut -c1-64)
    grep -qF "$(echo "$h" | cut -c1-16)" wide.csv && plain="$plain $code"
    grep -qF "$h" wide.csv && plain="$plain $code"
done
[ -z "$plain" ] && t_ok "pseudonyms are not unkeyed hashes of the codes" ||
    t_not_ok "pseudonyms are not unkeyed hashes" "$plain"

# --- one clinic split in three, pooled back
awk 'BEGIN {
    print "client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9"
    for (c = 0; c < 60; c++) {
        n = 3 + c % 4
        for (k = 0; k < n; k++) {
            line = sprintf("S%03d,2026-%02d-%02d,phq9", c, 1 + k * 2, 1 + c % 27)
            for (i = 1; i <= 9; i++) {
                v = (c * 7 + i * 3 + 11) % 4 - int(k * (c % 3) / 2)
                if (v < 0) v = 0
                if ((c + i + k) % 31 == 0) v = ""
                line = line "," v
            }
            print line
        }
    }
}' >all.csv
for p in 0 1 2; do
    awk -F, -v p=$p 'NR == 1 || substr($1, 2) % 3 == p' all.csv >part$p.csv
    "$C" --db part$p.db init >/dev/null
    "$C" --db part$p.db import part$p.csv --create-clients >/dev/null ||
        echo "import part$p failed"
    "$C" --db part$p.db aggregate --instrument phq9 -o site$p.json \
        --min-cell 1 >/dev/null || echo "aggregate part$p failed"
done
"$C" --db all.db init >/dev/null
"$C" --db all.db import all.csv --create-clients >/dev/null
t_run "aggregate a clinic" 0 "$C" --db part0.db aggregate --instrument phq9 \
    -o s0.json
t_out_has "wrote s0.json: phq9 total, 20 clients, 20 with two or more scores, 1 site"
t_out_has "share it only with the participating clinics"
[ "$(stat -c %a s0.json)" = 600 ] && t_ok "summary file mode 0600" ||
    t_not_ok "summary file mode 0600" "$(stat -c %a s0.json)"
t_run "merge three clinics" 0 "$C" aggregate merge site0.json site1.json \
    site2.json -o pooled.json
t_out_has "wrote pooled.json: phq9 total, 60 clients"
t_out_has "3 sites"
"$C" --db all.db cohort --instrument phq9 --json >cohort.json
"$C" aggregate report pooled.json --json >report.json
t_run "pooled report equals cohort on the union" 0 $PY - cohort.json \
    report.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
hidden = set(r["suppressed"])
bad = []
def walk(a, b, path):
    if isinstance(a, dict):
        for k in a:
            walk(a[k], b.get(k) if isinstance(b, dict) else None, path + "." + k)
    elif isinstance(a, list):
        for i, x in enumerate(a):
            walk(x, b[i] if isinstance(b, list) else None, path + "[%d]" % i)
    elif isinstance(a, (int, float)) and not isinstance(a, bool):
        if b is None and path[1:] in hidden:
            return  # a zero count, or one that would reveal it
        if path.endswith(".iterations"):
            return
        if not isinstance(b, (int, float)):
            bad.append("%s: %r vs %r" % (path, a, b))
            return
        tol = 1e-9 if "mixed_model" not in path else 1e-5
        if path.split(".")[1] in ("baseline", "latest", "change"):
            # published means of 60 clients carry one decimal
            if abs(a - b) > 0.05 + 1e-9 or abs(b * 10 - round(b * 10)) > 1e-9:
                bad.append("%s: %r vs %r (one decimal)" % (path, a, b))
            return
        if abs(a - b) > tol * max(1.0, abs(a)):
            bad.append("%s: %r vs %r" % (path, a, b))
    elif a != b:
        bad.append("%s: %r vs %r" % (path, a, b))
walk(c, r, "")
for k in ["n_clients", "effect_sizes", "mixed_model", "alpha"]:
    if r.get(k) is None:
        bad.append(k + " missing")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
t_run "pooled report for people" 0 "$C" aggregate report pooled.json
t_out_has "pooled from 3 sites; counts below 1 suppressed"
t_out_has "phq9 total: 60 clients, 60 with two or more scores"
"$C" --db all.db cohort --instrument phq9 >cohort.txt
line=$(grep "growth model (" cohort.txt)
t_out_has "$line"

# --- refusals
printf '' >empty.csv
"$C" --db part0.db record gad7 --client S000 --date 2026-01-01 1 1 1 1 1 1 1 \
    >/dev/null
"$C" --db part0.db aggregate --instrument gad7 -o gad.json >/dev/null
t_run "merge refuses another instrument" 1 "$C" aggregate merge site0.json \
    gad.json -o bad.json
t_err "cairn: gad.json: cannot merge summaries with different instruments (phq9 and gad7)"
[ ! -e bad.json ] && t_ok "nothing written by a refused merge" ||
    t_not_ok "nothing written by a refused merge" "bad.json exists"
fp=$(sed -n 's/^ "fingerprint": "\(.*\)",$/\1/p' site1.json)
sed "s/$fp/sha256:0000000000000000000000000000000000000000000000000000000000000000/" \
    site1.json >other_def.json
t_run "merge refuses another definition" 1 "$C" aggregate merge site0.json \
    other_def.json -o bad.json
t_err "cairn: other_def.json: cannot merge summaries with different definition fingerprints ($fp and sha256:0000000000000000000000000000000000000000000000000000000000000000)"
"$C" --db part1.db aggregate --instrument phq9 --rci-sd 5 -o sd5.json \
    >/dev/null
t_run "merge refuses other parameters" 1 "$C" aggregate merge site0.json \
    sd5.json -o bad.json
t_err "cairn: sd5.json: cannot merge summaries with different reliable-change parameters (SD 6.1, r 0.89 and SD 5, r 0.89)"
echo '{"format": "cairn-aggregate", "format_version": 7}' >future.json
t_run "merge refuses a newer format" 1 "$C" aggregate merge site0.json \
    future.json -o bad.json
t_err "cairn: future.json: summary format version 7 is not one this Cairn reads (2)"
printf 'not json' >junk.json
t_run "report: not a summary" 1 "$C" aggregate report junk.json
t_err_has "cairn: junk.json:1:"
t_run "merge needs two files" 2 "$C" aggregate merge site0.json -o bad.json
t_err_has "cairn: give two or more summaries and -o FILE"
t_run "aggregate: bad min-cell" 2 "$C" aggregate --instrument phq9 -o z.json \
    --min-cell 0
t_err_has "cairn: aggregate: --min-cell takes a whole number 1..1000, not '0'"

# --- suppression
"$C" aggregate --instrument phq9 -o small.json >/dev/null
t_run "report of a small clinic" 0 "$C" aggregate report small.json
t_out_has "phq9 total: * clients, * with two or more scores"
t_out_has "change statistics withheld"
t_out_has "* suppressed: fewer than 5, or would let such a count be worked out"
t_run "report json of a small clinic" 0 "$C" aggregate report small.json --json
t_out_has '"n_clients": null'
t_out_has '"suppressed": ['
t_out_has '"rci_counts.improved"'
t_run "report cannot lower min-cell" 1 "$C" aggregate report small.json \
    --min-cell 2
t_err "cairn: small.json: --min-cell 2 is below the summary's 5; a report can raise it, not lower it"
t_run "report can raise min-cell" 0 "$C" aggregate report pooled.json \
    --min-cell 20
t_out_has "counts below 20 suppressed"
t_out_has "* deteriorated"

# --- stored text of another shape than Cairn writes is refused
"$C" --db shape.db init >/dev/null
"$C" --db shape.db client add SHAPE-1 >/dev/null
"$C" --db shape.db record phq9 --client SHAPE-1 --date 2025-01-09 \
    1 1 1 1 1 1 1 1 0 >/dev/null
"$C" --db shape.db record phq9 --client SHAPE-1 --date 2025-01-23 \
    1 1 1 1 1 1 1 1 0 >/dev/null
sqlite3 shape.db "DROP TRIGGER assessment_frozen;
UPDATE assessment SET responses = '[1,1,1,1,1,1,1,1,\"0\"]' WHERE id = 2;"
t_run "export: malformed stored responses" 1 "$C" --db shape.db export \
    --key site.key -o shape.csv
t_err "cairn: assessment 2: stored responses are malformed"
[ ! -e shape.csv ] && t_ok "no file left after malformed responses" ||
    t_not_ok "no file left after malformed responses" "shape.csv written"
sqlite3 shape.db "UPDATE assessment SET responses = '[1,1,1,1,1,1,1,1,0]',
 scores = '[[8,\"mild\"]]' WHERE id = 2;"
t_run "export: malformed stored scores" 1 "$C" --db shape.db export \
    --key site.key -o shape.csv
t_err "cairn: assessment 2: stored scores are malformed"
