# Episodes of care (issue 10, point 1): change statistics use the current
# episode by default; --episode all|N chooses; NHS Talking Therapies
# outcomes per referral with each measure's own first and last score, and
# "finished a course of treatment" from session events.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"

"$C" init >/dev/null
"$C" client add E1 >/dev/null
"$C" client episode E1 --start 2023-01-01 >/dev/null
rec() { "$C" record "$1" --client E1 --date "$2" $3 >/dev/null || echo "record failed: $*"; }
rec phq9 2023-01-10 "3 3 2 2 2 2 2 2 2"   # 20
rec gad7 2023-01-10 "2 2 2 2 2 2 2"       # 14
rec phq9 2023-04-10 "3 3 2 2 2 2 2 2 2"
rec gad7 2023-04-10 "2 2 2 2 2 2 2"
"$C" client episode E1 --end 2023-04-30 >/dev/null
"$C" client episode E1 --start 2024-01-01 >/dev/null
rec phq9 2024-01-10 "2 2 1 1 1 1 1 1 0"   # 10
rec gad7 2024-01-10 "2 1 1 1 1 1 1"       # 8
rec gad7 2024-02-10 "2 2 1 1 1 1 1"       # 9: GAD-7's own dates differ
rec phq9 2024-04-10 "2 2 2 2 2 1 1 1 1"   # 14
rec gad7 2024-04-20 "2 2 2 2 1 1 1"       # 11

t_run "caseload: the current episode" 0 "$C" caseload --json
t_out_has '"nhs_talking_therapies":{"episode":2,"at_caseness":true,"recovered":false,"reliable_improvement":false,"reliable_deterioration":false,"reliable_recovery":false,"sessions":0,"finished_treatment":null}'
t_out_has '"episode":{"number":2,"started_on":"2024-01-01","ended_on":null,"scores_outside":2},"baseline":{"date":"2024-01-10","score":10},"latest":{"date":"2024-04-10","score":14}'
t_run "caseload for people" 0 "$C" caseload
t_out_has "(episode 2; finished a course of treatment: cannot be judged, no sessions recorded)"

t_run "trend: episode 1" 0 "$C" trend --client E1 --instrument phq9 --episode 1 --json
t_out_has '"episode":{"number":1,"started_on":"2023-01-01","ended_on":"2023-04-30","scores_outside":2},"baseline":{"date":"2023-01-10","score":20},"latest":{"date":"2023-04-10","score":20}'
t_run "trend: every episode" 0 "$C" trend --client E1 --instrument phq9 --episode all --json
t_out_has '"n":4,"episode":null,"baseline":{"date":"2023-01-10","score":20},"latest":{"date":"2024-04-10","score":14}'
t_run "trend: no such episode" 1 "$C" trend --client E1 --instrument phq9 --episode 3
t_err "cairn: client has 2 episodes of care, not 3"
t_run "trend: bad --episode" 2 "$C" trend --client E1 --instrument phq9 --episode last
t_err_has "cairn: trend: --episode takes current, all or an episode number, not 'last'"

"$C" event add --client E1 --date 2024-01-17 --kind session >/dev/null
"$C" event add --client E1 --date 2023-02-01 --kind session >/dev/null
t_run "one session in the episode" 0 "$C" caseload --json
t_out_has '"sessions":1,"finished_treatment":false'
"$C" event add --client E1 --date 2024-02-14 --kind session >/dev/null
t_run "two sessions in the episode" 0 "$C" caseload --json
t_out_has '"sessions":2,"finished_treatment":true'

# The cohort's first/last pairs and growth model come from each client's
# current episode; a client without episodes counts whole; a score between
# episodes is left out and counted.
rec phq9 2023-08-01 "1 1 1 1 1 0 0 0 0"   # 5, between the episodes
"$C" client add E2 >/dev/null
"$C" record phq9 --client E2 --date 2024-01-05 2 2 2 2 2 1 1 0 0 >/dev/null  # 12
"$C" record phq9 --client E2 --date 2024-03-05 1 1 1 1 1 1 0 0 0 >/dev/null  # 6
t_run "cohort: the current episode" 0 "$C" cohort --instrument phq9 --json
t_out_has '"n_clients": 2'
t_out_has '"n_paired": 2'
t_out_has '"episode": "current"'
t_out_has '"assessments_left_out": 3'
# baselines 10 (E1, episode 2) and 12 (E2); latest 14 and 6
t_out_has '"mean": 11.0'
t_out_has '"mean": 10.0'
t_run "cohort: every assessment" 0 "$C" cohort --instrument phq9 --episode all --json
t_out_has '"assessments_left_out": 0'
t_out_has '"mean": 16.0'
t_run "cohort: episode 1" 0 "$C" cohort --instrument phq9 --episode 1 --json
t_out_has '"assessments_left_out": 3'
t_out_has '"n_paired": 2'
t_run "cohort for people says which course of care" 0 "$C" cohort --instrument phq9
t_out_has "Course of care: each client's current (latest) episode of care (a client without episodes"
t_out_has "3 assessments outside it left out"
t_run "cohort: bad --episode" 2 "$C" cohort --instrument phq9 --episode 0
t_err_has "cairn: cohort: --episode takes current, all or an episode number, not '0'"
t_run "report cohort: the course of care in its provenance" 0 "$C" report cohort --instrument phq9 -o coh.xlsx
got=$(/usr/bin/python3 -c '
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb:
    for row in ws.iter_rows(values_only=True):
        if row and row[0] == "Course of care":
            print(row[1])' coh.xlsx 2>&1)
case "$got" in
*"current episode of care (clients without episodes whole); 3 assessments outside it left out"*) t_ok "report cohort: course of care named" ;;
*) t_not_ok "report cohort: course of care named" "$got" ;;
esac
t_run "report cohort --episode all" 0 "$C" report cohort --instrument phq9 --episode all -o coh-all.xlsx

# Aggregates record the course of care, and summaries of different
# courses never merge.
t_run "aggregate: the current episode" 0 "$C" aggregate --instrument phq9 --min-cell 1 -o cur.json
grep -q '"episode": "current"' cur.json && grep -q '"assessments_left_out": 3' cur.json &&
    t_ok "aggregate file names the course of care" ||
    t_not_ok "aggregate file names the course of care" "$(grep -n episode cur.json)"
"$C" aggregate --instrument phq9 --min-cell 1 --episode all -o all.json >/dev/null
t_run "aggregate: courses of care differ" 1 "$C" aggregate merge cur.json all.json -o both.json
t_err "cairn: all.json: cannot merge summaries with different courses of care (current and all)"

# The de-identified export keeps every assessment and says which episode
# of care holds each, with days from that episode's start.
"$C" key new -o site.key >/dev/null
t_run "export: episode columns" 0 "$C" export --key site.key --instrument phq9 -o ex.csv
got=$(/usr/bin/python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(";".join("%s/%s/%s" % (r["day"], r["episode"], r["day_in_episode"])
               for r in sorted(rows, key=lambda r: (r["pseudonym"], int(r["day"])))))' ex.csv)
e1="0/1/9;90/1/99;203//;365/2/9;456/2/100"
e2="0//;60//"
case ";$got;" in
*";$e1;"*) t_ok "export: E1's rows carry their episodes" ;;
*) t_not_ok "export: E1's rows carry their episodes" "$got" ;;
esac
case ";$got;" in
*";$e2;"*) t_ok "export: a client without episodes has none" ;;
*) t_not_ok "export: a client without episodes has none" "$got" ;;
esac
grep -q '"episodes": "every assessment is exported' ex.csv.provenance.json &&
    t_ok "export provenance says how episodes are treated" ||
    t_not_ok "export provenance says how episodes are treated" "$(cat ex.csv.provenance.json)"
grep -q '^day_in_episode,' ex.csv.dictionary.csv &&
    t_ok "export dictionary explains day_in_episode" ||
    t_not_ok "export dictionary explains day_in_episode" "$(head -20 ex.csv.dictionary.csv)"
