#!/bin/sh
# The demo behind `make demo`: build the example clinic (examples/clinic.sh:
# the fictional couple Sarah and James and five other clients, months of
# PGS-33, EPDS, PHQ-9 and GAD-7 after their losses) and show what a
# clinician and a researcher get from it.  Everything lands in build/demo.
# Usage: sh examples/demo.sh [path/to/cairn]
set -eu
CAIRN=${1:-build/cairn}
cd "$(dirname "$0")/.."
export CAIRN_INSTRUMENTS="$(pwd)/instruments" CAIRN_USER=dr.okafor
out=build/demo
rm -rf "$out"
mkdir -p "$out"
db=$out/clinic.db
c() { "$CAIRN" --db "$db" "$@"; }
say() { printf '\n== %s\n' "$*"; }

say "Scoring one questionnaire (nothing stored)"
"$CAIRN" score phq9 1 2 0 3 1 0 2 1 1

say "Building the example clinic in $db"
sh examples/clinic.sh "$db" "$CAIRN"
c audit verify

say "Sarah's record"
c history --client S01 --instrument pgs33

say "Is Sarah getting better? (grief, weeks since the loss)"
c trend --client S01 --instrument pgs33 --time since-loss

say "Sarah and James side by side"
c couple --client S01 --instrument pgs33

say "The caseload, most urgent first"
c caseload

say "What needs attention today"
c alerts

say "The clinic's PHQ-9 outcomes"
c cohort --instrument phq9

say "Workbooks for the clinician"
c report client S01 -o "$out/sarah.xlsx"
c report couple S01 -o "$out/couple.xlsx"
c report caseload -o "$out/caseload.xlsx"
c report cohort --instrument phq9 -o "$out/cohort-phq9.xlsx"

say "For research: a de-identified export and a mergeable summary"
c key new -o "$out/site.key"
c export --key "$out/site.key" -o "$out/export.csv"
c aggregate --instrument phq9 -o "$out/phq9-summary.json"
c aggregate report "$out/phq9-summary.json"

say "Self-report: an account for dr.okafor and a one-time phone link for Sarah"
printf '%s\n' 'okafor demo password' |
    c user add dr.okafor --role clinician --password-stdin
c link new --client S01 --instruments phq9,gad7
cat <<EOF

To answer it, start the server on the example clinic:
  $CAIRN --db $db serve
then open the address above in a browser (a phone-sized window works), or
log in at http://127.0.0.1:8430/login as dr.okafor with the password
'okafor demo password' for the dashboard: Today's alerts, the caseload,
each client's course and the couple view, paper forms, links and tablet
sessions.  Ctrl-C stops it.
EOF

say "Done"
ls -l "$out"
