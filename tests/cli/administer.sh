#!/bin/sh
# What the client sees and what the clinician enters: `cairn administer`
# shows a client nothing but the instrument's exact wording, a thank-you
# and the hand-back (the clinician's summary follows one more line); the
# paper-form commands refuse EPDS-style numbers unless --codes says what
# they are, and echo every entry.
. "$(dirname "$0")/lib.sh"
DB="$T_TMP/a.db"
c() { "$CAIRN" --db "$DB" "$@"; }
adm() { # ANSWERS ARGS...: pipe the answers into administer
    answers=$1
    shift
    printf "$answers" | "$CAIRN" --db "$DB" administer "$@"
}
export CAIRN_USER=dr.lee
c init >/dev/null
c client add C1 >/dev/null
c client add C2 >/dev/null

# --- a client endorses PHQ-9 item 9, and the piped input ends at the
# hand-back: nothing clinical was shown, yet it is stored and alerted
t_run "client part alone" 0 adm '1\n2\n0\n3\n1\n0\n2\n1\n1\ny\n' \
    phq9 --client C1 --date 2024-04-08
t_out_has "Thank you for answering these questions."
t_out_has "Please hand the device back to your clinician."
t_out_has "Your clinician will talk this through with you"
for word in "RISK" "Moderate" "moderate" "total" "11" "score" "alert" \
    "assessment"; do
    if grep -qi -- "$word" "$T_TMP/stdout"; then
        t_not_ok "client part shows no '$word'" "$(grep -i -- "$word" "$T_TMP/stdout")"
    else
        t_ok "client part shows no '$word'"
    fi
done
t_run "yet it is stored" 0 c history --client C1 --json
t_out_has '"instrument":"phq9"'
t_out_has '"responses":[1,2,0,3,1,0,2,1,1]'
t_run "and its alert is open" 0 c alerts
t_out_has "risk:1:9"
t_out_has "open"

# --- with the hand-back line, the clinician's summary follows it
t_run "clinician's summary after Enter" 0 adm '1\n2\n0\n3\n1\n0\n2\n1\n1\ny\n\n' \
    phq9 --client C2 --date 2024-04-08
t_out_has "For the clinician: saved as assessment 2 for client C2."
t_out_has "phq9    11 (Moderate); !! RISK item 9"
t_out_has "!! RISK - FOR THE CLINICIAN NOW"
before=$(sed -n '/hand the device back/=' "$T_TMP/stdout")
after=$(sed -n '/For the clinician/=' "$T_TMP/stdout")
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" -lt "$after" ]; then
    t_ok "the summary comes after the hand-back"
else
    t_not_ok "the summary comes after the hand-back" "lines $before, $after"
fi
t_run "no risk, no supportive line" 0 adm '0\n0\n0\n0\n0\n0\n0\n0\n0\ny\n' \
    phq9 --client C2 --date 2024-04-09
t_out_has "Please hand the device back to your clinician."
if grep -q "talk this through" "$T_TMP/stdout"; then
    t_not_ok "no supportive line without a risk item" "$(cat "$T_TMP/stdout")"
else
    t_ok "no supportive line without a risk item"
fi

# --- refused before the first item: wording, client, date
t_run "EPDS without the clinic's texts" 1 adm '0\n' epds --client C1
t_out ""
t_err_has "cairn: epds: the exact wording of items 1-10 is not available, so it cannot be shown to a client (its licence keeps the wording out of Cairn)"
t_err_has "1. Get the form from the Royal College of Psychiatrists"
t_err_has "DIR/epds.texts.json"
t_err_has "cairn --texts DIR administer epds"
t_run "a text file without the answers' words" 1 \
    sh -c "printf '0\n' | \"$CAIRN\" --db $DB --texts $T_ROOT/tests/data/good administer epds --client C1"
t_err_has "cairn: epds: the exact wording of items 2-10 is not available"
t_run "PGS-33: only confirmed wording ships" 1 adm '1\n' pgs33 --client C1
t_out ""
t_err_has "cairn: pgs33: the exact wording of items 4, 8, 12-13, 15, 19-33 is not available, so it cannot be shown to a client (the shipped wording has not been checked against the authors' form)"
t_err_has "judithlasker.com/perinatal-grief-scale"
t_run "a bad date before the first item" 1 adm '1\n' phq9 --client C1 --date 2024-13-01
t_out ""
t_err "cairn: date '2024-13-01' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])"
t_run "a future date before the first item" 1 adm '1\n' phq9 --client C1 --date 2099-01-01
t_out ""
t_run "an unknown client before the first item" 1 adm '1\n' phq9 --client C9
t_out ""
t_err "cairn: no client 'C9'"

# --- paper forms: --codes is required where codes are not scores
t_run "record epds without --codes" 2 c record epds --client C1 0 0 0 0 0 0 0 0 0 3
t_err_has "cairn: epds: say which numbers you are entering: --codes positions (the position of the ticked answer, 0 for the top one to 3 for the bottom one) or --codes scores (each item's score from the scoring key, 0-3, where the top answer scores 3 on items 3 and 5-10)"
t_out ""
t_run "score epds without --codes" 2 "$CAIRN" score epds 0 0 0 0 0 0 0 0 0 3
t_err_has "--codes positions ("
t_run "score pgs33 without --codes" 2 "$CAIRN" score pgs33 --batch </dev/null
t_err_has "cairn: pgs33: say which numbers you are entering"
t_run "record epds --codes scores" 0 c record epds --client C1 --date 2024-05-02 \
    --codes scores 0 0 0 0 0 0 0 0 0 3
t_out_has "  10  1st option (top) -> 3"
t_out_has "   3  4th option (bottom) -> 0"
t_out_has "epds    3 (Below the possible-depression threshold (0-9));"
t_out_has "!! RISK item 10"
t_out_has "!! RISK - FOR THE CLINICIAN NOW"
t_run "the same numbers as positions" 0 "$CAIRN" score epds --codes positions \
    0 0 0 0 0 0 0 0 0 3
t_out_has "  10  4th option (bottom) -> 0"
t_out_has "18 (range 0-30, higher is worse)"
t_run "a score no answer has" 1 "$CAIRN" score epds --codes scores 0 0 0 0 0 0 0 0 0 4
t_err "cairn: item 10: no answer scores 4; the scores are 3, 2, 1, 0"
t_run "--codes takes positions or scores" 2 "$CAIRN" score epds --codes score 0
t_err_has "cairn: --codes 'score' is not positions or scores"
t_run "phq9 needs no --codes, and echoes" 0 "$CAIRN" score phq9 1 2 0 3 1 0 2 1 1
t_out_has "   9  Several days -> 1"
t_run "amend epds without --codes" 2 c assessment amend 4 0 0 0 0 0 0 0 0 0 0 --reason typo
t_err_has "cairn: epds: say which numbers you are entering"
t_run "amend epds with --codes, echoed" 0 c assessment amend 4 --codes scores \
    0 0 0 0 0 0 0 0 0 0 --reason "item 10 misread"
t_out_has "  10  4th option (bottom) -> 0"
t_out_has "assessment 4 corrected as 5"
t_run "assessment show --items" 0 c assessment show 5 --items
t_out_has "  10  4th option (bottom) -> 0"

# --- the clinic's own words replace the default supportive line
t_run "set the clinic's words" 0 c settings set client.crisis_message \
    "Our team is here for you; you can call the clinic any weekday."
t_run "the client sees the clinic's words" 0 adm '0\n0\n0\n0\n0\n0\n0\n0\n2\ny\n' \
    phq9 --client C1 --date 2024-06-01
t_out_has "Our team is here for you; you can call the clinic any weekday."
if grep -q "talk this through" "$T_TMP/stdout"; then
    t_not_ok "not the default words as well" "$(cat "$T_TMP/stdout")"
else
    t_ok "not the default words as well"
fi
