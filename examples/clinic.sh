#!/bin/sh
# Build the example clinic's database with the cairn command.
#
# Everything here is fictional: Sarah (S01) and James (J01), a couple
# after a miscarriage at 11 weeks, and five other clients, with months of
# PGS-33, EPDS, PHQ-9 and GAD-7 (examples/clinic.csv, written by
# examples/make_clinic_csv.py) and the events around them: a mindfulness
# group, the due date, an anniversary of a loss, a new pregnancy.
#
# Usage: sh examples/clinic.sh [DB] [path/to/cairn]   (default clinic.db)
# Then:  cairn --db clinic.db report client S01 -o sarah.xlsx
set -eu
DB=${1:-clinic.db}
CAIRN=${2:-build/cairn}
HERE=$(cd "$(dirname "$0")" && pwd)
export CAIRN_INSTRUMENTS="${CAIRN_INSTRUMENTS:-$HERE/../instruments}"
export CAIRN_USER="${CAIRN_USER:-dr.okafor}"

if [ -e "$DB" ]; then
    echo "clinic.sh: $DB already exists; remove it or name another" >&2
    exit 1
fi
c() { "$CAIRN" --db "$DB" "$@" >/dev/null; }

c init

# Clients: the couple first, linked as partners.
c client add S01 --name Sarah --clinician dr.okafor --loss-date 2026-02-14 \
    --gestation-weeks 11 --loss-kind miscarriage
c client add J01 --name James --clinician dr.okafor \
    --loss-date 2026-02-14 --gestation-weeks 11 --loss-kind miscarriage \
    --partner S01
c client add C03 --name Amira --clinician dr.okafor --loss-date 2026-01-20 \
    --gestation-weeks 34 --loss-kind stillbirth
c client add C04 --name Leah --clinician dr.okafor --loss-date 2026-03-10 \
    --gestation-weeks 9 --loss-kind miscarriage
c client add C05 --name Tom --clinician dr.lee --loss-date 2025-08-01 \
    --gestation-weeks 39 --loss-kind neonatal_death
c client add C06 --name Priya --clinician dr.lee --loss-date 2026-02-02 \
    --gestation-weeks 21 --loss-kind tfmr
c client add C07 --name Grace --clinician dr.lee --loss-date 2025-11-18 \
    --gestation-weeks 12 --loss-kind miscarriage

# Episodes of care; Grace has been discharged.
c client episode S01 --start 2026-03-02
c client episode J01 --start 2026-03-09
c client episode C03 --start 2026-04-06
c client episode C04 --start 2026-04-13
c client episode C05 --start 2026-04-20
c client episode C06 --start 2026-03-23
c client episode C07 --start 2026-01-05
c client episode C07 --end 2026-04-30

# Months of questionnaires, as exported from another system.
c import "$HERE/clinic.csv" --codes positions  # option codes, as on the forms

# The timeline around the scores.
ev() { c event add --client "$1" --date "$2" --kind "$3" --label "$4"; }
ev S01 2026-04-20 intervention_start "mindfulness group"
ev J01 2026-04-20 intervention_start "mindfulness group"
ev S01 2026-07-06 life_event "back at work"
ev S01 2026-09-05 due_date "due date"
ev J01 2026-09-05 due_date "due date"
ev C03 2026-05-11 intervention_start "narrative therapy"
ev C04 2026-07-01 pregnancy "new pregnancy"
ev C05 2026-08-01 anniversary "first anniversary of the loss"
ev C06 2026-04-13 intervention_start "sertraline"

echo "built $DB: 7 clients, $(($(wc -l < "$HERE/clinic.csv") - 1)) assessments"
