# Three-valued fields in every command's JSON: where a judgement cannot be
# made (no reliable-change parameters, a partner without a second score,
# a rule waiting for answers, recovery for a referral not at caseness) the
# field is null, never false.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"

"$C" init >/dev/null
"$C" client add ANNA >/dev/null
"$C" client add BEN --partner ANNA >/dev/null
"$C" client add CARA >/dev/null
"$C" client add DAN --partner CARA >/dev/null
rec() { i=$1; shift; "$C" record "$i" --client "$@" >/dev/null || echo "record failed: $*"; }
# WHO-5 has no published reliable-change parameters
rec who5 ANNA --date 2026-01-05 1 1 1 1 1
rec who5 ANNA --date 2026-02-05 4 4 4 4 4
rec who5 BEN --date 2026-01-06 2 2 2 2 2
rec who5 BEN --date 2026-02-06 1 1 1 1 1
# PHQ-9: CARA improves reliably, DAN has one score only
rec phq9 CARA --date 2026-01-05 2 2 2 2 2 2 2 2 0
rec phq9 CARA --date 2026-03-02 1 1 1 1 0 0 0 0 0
rec phq9 DAN --date 2026-03-03 1 1 1 1 1 1 1 1 0
# below caseness on both NHS Talking Therapies measures
rec phq9 ANNA --date 2026-01-05 1 1 1 1 1 0 0 0 0
rec phq9 ANNA --date 2026-02-05 1 1 0 0 0 0 0 0 0
rec gad7 ANNA --date 2026-01-05 1 1 1 1 0 0 0
rec gad7 ANNA --date 2026-02-05 1 0 0 0 0 0 0

t_run "couple: no reliable difference" 0 "$C" couple --client ANNA --instrument who5 --json
t_out_has '"reliable_difference":null,"diverging":null,"incongruent":null'
t_out_has '"difference":-5,"diverges":null'
t_run "couple: a partner with one score" 0 "$C" couple --client CARA --json
t_out_has '"diverging":false,"incongruent":null'
t_run "couple for people: a partner with one score" 0 "$C" couple --client CARA
t_out_has "(opposite reliable change not judged: each partner needs two scores)"

t_run "trend: no reliable change parameters" 0 "$C" trend --client ANNA --instrument who5 --json
t_out_has '"rci":null'
t_out_has '"recovered":true,"reliably_recovered":null'

t_run "caseload: not at caseness" 0 "$C" caseload --json
t_out_has '"at_caseness":false,"recovered":null,"reliable_improvement":false,"reliable_deterioration":false,"reliable_recovery":null,"sessions":0,"finished_treatment":null'

t_run "cohort: no reliable change parameters" 0 "$C" cohort --instrument who5 --json
t_out_has '"rci_counts": null'
t_out_has '"reliably_recovered": null'

t_run "score: a rule waiting for an answer" 0 "$C" score phq2 --json 1 -
t_out_has '"rules":{"positive_screen":null}'
t_run "score: a rule already decided" 0 "$C" score phq2 --json 3 -
t_out_has '"rules":{"positive_screen":true}'

rec phq9 CARA --date 2026-03-09 1 1 1 1 0 0 0 0 2
t_run "alerts: no state yet" 0 "$C" alerts --json
t_out_has '"state":"open","on_latest":true'
t_out_has '"by":null,"note":null'

echo "1..$T_N"
