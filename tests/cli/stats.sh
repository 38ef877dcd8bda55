# Command tests for trend, caseload, couple, cohort, alerts and alert.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"

"$C" init >/dev/null
"$C" client add SARAH --loss-date 2026-01-10 --loss-kind miscarriage >/dev/null
"$C" client add JAMES --partner SARAH >/dev/null
"$C" client add EMPTY >/dev/null
rec() { "$C" record phq9 --client "$1" --date "$2" $3 >/dev/null || echo "record failed: $*"; }
rec SARAH 2026-02-02 "2 2 1 2 1 2 1 0 1"
rec SARAH 2026-02-09 "2 2 1 2 1 1 1 0 0"
rec SARAH 2026-02-23 "1 2 1 1 1 1 0 0 0"
rec SARAH 2026-03-09 "1 1 1 1 0 1 0 0 0"
rec JAMES 2026-02-03 "1 1 0 1 0 1 0 0 0"
rec JAMES 2026-02-24 "2 2 1 2 1 2 1 1 0"
rec JAMES 2026-03-10 "2 3 2 2 2 2 2 1 0"

t_run "trend for people" 0 "$C" trend --client SARAH --instrument phq9
t_out_has "Baseline 12 on 2026-02-02 (Moderate), latest 5 on 2026-03-09 (Mild): change -7 over 5"
t_out_has "Reliable   reliably improved: RCI -2.45"
t_out_has "reliably recovered"
t_out_has "!! ALERT 2026-02-02: item 9"
t_out_has "Not on track: not judged; 2 clients of this clinic have scores, the growth model needs 20"

"$C" trend --client SARAH --instrument phq9 >"$T_TMP/first.txt"
t_run "trend --time since-loss" 0 "$C" trend --client SARAH --instrument phq9 --time since-loss
t_out_has "  Time       weeks since the loss"
t_out_has "(week 3 after the loss; Moderate)"
if cmp -s "$T_TMP/first.txt" "$T_TMP/stdout"; then
    t_not_ok "since-loss changes what trend prints" "the same output"
else
    t_ok "since-loss changes what trend prints"
fi
wide=$(python3 -c 'import sys; print("\n".join(l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 100))' "$T_TMP/stdout")
if [ -z "$wide" ]; then t_ok "trend fits 100 columns"; else t_not_ok "trend fits 100 columns" "$wide"; fi
t_run "trend --json" 0 "$C" trend --client SARAH --instrument PHQ-9 --json
t_out_has '"client":"SARAH","instrument":"phq9","scale":"total"'
t_out_has '"baseline":{"date":"2026-02-02","score":12}'
t_out_has '"latest":{"date":"2026-03-09","score":5}'
t_out_has '"change":-7'
t_out_has '"category":"improved"'
t_out_has '"threshold_points":5.607861082'
t_out_has '"reliably_recovered":true'
t_out_has '"key":"risk:1:9"'

t_run "trend with overrides" 0 "$C" trend --client SARAH --instrument phq9 --json --rci-sd 3 --rci-reliability 0.8 --cutoff 6
t_out_has '"sd":3,"reliability":0.8'
t_out_has '"source":"command line"'
t_out_has '"cutoff":6'

t_run "since-loss axis" 0 "$C" trend --client SARAH --instrument phq9 --json --time since-loss
t_out_has '"time_axis":"weeks_since_loss"'
t_run "since-loss without a loss date falls back" 0 "$C" trend --client JAMES --instrument phq9 --time since-loss
t_out_has "no loss date recorded"

t_run "trend: unknown client" 1 "$C" trend --client NOBODY --instrument phq9
t_err "cairn: no client 'NOBODY'"
t_run "trend: no assessments" 1 "$C" trend --client EMPTY --instrument phq9
t_err "cairn: client 'EMPTY' has no phq9 assessments"
t_run "trend: missing options" 2 "$C" trend --client SARAH
t_err_has "cairn: give --client and --instrument"
t_run "trend: bad number" 2 "$C" trend --client SARAH --instrument phq9 --rci-sd lots
t_err_has "cairn: trend: --rci-sd takes [INSTRUMENT[.SCALE]=]NUMBER, not 'lots'"
t_run "trend: bad reliability" 2 "$C" trend --client SARAH --instrument phq9 --rci-reliability 1.5
t_err_has "cairn: trend: --rci-reliability must be between 0 and 1, not '1.5'"
t_run "trend: bad SD" 2 "$C" trend --client SARAH --instrument phq9 --rci-sd -3
t_err_has "cairn: trend: --rci-sd must be positive, not '-3'"

t_run "caseload: most urgent first" 0 "$C" caseload
if [ "$(sed -n 2p "$T_TMP/stdout" | cut -c1-5)" = "SARAH" ] &&
   [ "$(sed -n 4p "$T_TMP/stdout" | cut -c1-5)" = "JAMES" ]; then
    t_ok "caseload order"
else
    t_not_ok "caseload order" "$(cat "$T_TMP/stdout")"
fi
t_out_has "!! risk item endorsed (PHQ-9)"
t_out_has "!! reliable deterioration (PHQ-9)"
"$C" record gad7 --client SARAH --date 2026-02-02 2 2 2 1 1 1 1 >/dev/null
"$C" record gad7 --client SARAH --date 2026-03-09 1 1 0 0 0 1 0 >/dev/null
t_run "NHS Talking Therapies outcomes" 0 "$C" caseload
wide=$(python3 -c 'import sys; print("\n".join(l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 100))' "$T_TMP/stdout")
if [ -z "$wide" ]; then t_ok "caseload fits 100 columns"; else t_not_ok "caseload fits 100 columns" "$wide"; fi
t_out_has "NHS Talking Therapies (PHQ-9 and GAD-7): at caseness; reliable recovery; reliable"
t_run "NHS Talking Therapies outcomes --json" 0 "$C" caseload --json
t_out_has '"nhs_talking_therapies":{"episode":0,"at_caseness":true,"recovered":true,"reliable_improvement":true,"reliable_deterioration":false,"reliable_recovery":true,"sessions":0,"finished_treatment":null}'
t_run "caseload --json" 0 "$C" caseload --json --instrument phq9
t_out_has '"client":"SARAH","open_alerts":1'
t_run "caseload overrides need an instrument" 2 "$C" caseload --cutoff 5
t_err_has "cairn: caseload: covers several instruments: give --rci-sd, --rci-reliability and --cutoff as INSTRUMENT=NUMBER, or --instrument"

t_run "couple" 0 "$C" couple --client SARAH
t_out_has "!! JAMES has reliably deteriorated while SARAH has reliably improved"
t_out_has "2026-03-09 / 2026-03-10      5    16  difference -11  beyond a reliable difference"
t_run "couple --json" 0 "$C" couple --client JAMES --json
t_out_has '"couple":["JAMES","SARAH"]'
t_out_has '"incongruent":true'
t_run "couple without partner" 1 "$C" couple --client EMPTY
t_err_has "client 'EMPTY' has no linked partner"

t_run "cohort" 0 "$C" cohort --instrument phq9
t_out_has "phq9 total: 2 clients, 2 with two or more scores"
t_out_has "1 improved, 0 no reliable change, 1 deteriorated"
t_out_has "(not meaningful: 2 clients with two scores; effect sizes need at least 10)"
t_run "cohort --json" 0 "$C" cohort --instrument phq9 --json
t_out_has '"n_clients": 2'
t_out_has '"effect_sizes": {'
t_out_has '"d_z": {'
t_out_has '"rci_counts": {'
t_out_has '"mixed_model": {'
t_out_has '"reml_criterion":'
t_run "cohort --ml --intercept-only" 0 "$C" cohort --instrument phq9 --json --ml --intercept-only
t_out_has '"fit": "ML"'
t_out_has '"formula": "score ~ weeks + (1 | client)"'
t_out_has '"deviance":'
t_run "cohort: date filter" 0 "$C" cohort --instrument phq9 --from 2026-02-20
t_out_has "2 clients, 2 with two or more scores"
t_run "cohort: nobody" 1 "$C" cohort --instrument epds
t_err "cairn: no client has a epds total score in this cohort"
t_run "cohort: bad date" 1 "$C" cohort --instrument phq9 --from 2026-13-01
t_err "cairn: '2026-13-01' is not a date"

t_run "alerts" 0 "$C" alerts
t_out_has "risk:1:9             SARAH"
t_out_has "deterioration:7      JAMES"
t_run "alert ack" 0 "$C" alert ack risk:1:9 --note "called Sarah; safety plan reviewed"
t_out "alert risk:1:9 (SARAH): acknowledged"
t_run "acknowledged alert shows who and why" 0 "$C" alerts
t_out_has "acknowledged by dr.test"
t_run "alert resolve" 0 "$C" alert resolve risk:1:9 --note "reviewed in session"
t_run "resolved alerts leave the list" 0 "$C" alerts --json
if grep -q 'risk:1:9' "$T_TMP/stdout"; then t_not_ok "resolved hidden" "$(cat "$T_TMP/stdout")"; else t_ok "resolved hidden"; fi
t_run "--all shows them" 0 "$C" alerts --all --json
t_out_has '"state":"resolved"'
t_run "a resolved alert cannot be acknowledged again" 1 "$C" alert ack risk:1:9 --note "again"
t_err_has "cairn: alert risk:1:9 was resolved by dr.test on "
t_err_has "; it cannot be acknowledged again"
t_run "every note stays, with who and when" 0 "$C" alerts --all
t_out_has "acknowledged by dr.test on "
t_out_has ": called Sarah; safety plan reviewed"
t_out_has "resolved by dr.test on "
t_out_has ": reviewed in session"
t_run "alert: unknown id" 1 "$C" alert ack risk:99:9 --note x
t_err "cairn: no alert 'risk:99:9' (run 'cairn alerts --all' to see the ids)"
t_run "alert: no note" 2 "$C" alert ack risk:1:9
t_err_has "say what was done with --note"
t_run "audit holds the alert actions" 0 "$C" audit verify

sqlite3 cairn.db "DROP TRIGGER alert_action_frozen; UPDATE alert_action SET note='edited' WHERE id=1" 2>/dev/null
t_run "audit catches an edited alert action" 1 "$C" audit verify
t_err "cairn: alert 1 differs from its last audited state: it was changed behind Cairn's back"

# A database written by schema version 1 (before alert actions) is
# migrated forward when opened: tests/data/good/schema2.sql is the SQL
# text of a store written by Cairn 0.1 (schema 2, no alert actions),
# taken back to version 1.
rm -f old.db old.db-wal old.db-shm && sqlite3 old.db <"$T_ROOT/tests/data/good/schema2.sql"
chmod 600 old.db
sqlite3 old.db "DROP TRIGGER alert_action_frozen; DROP TRIGGER alert_action_no_delete; DROP TABLE alert_action; PRAGMA user_version = 1;"
t_run "version 1 database opens" 0 "$C" --db old.db alerts
if [ "$(sqlite3 old.db 'PRAGMA user_version')" = 9 ] &&
   [ "$(sqlite3 old.db "SELECT count(*) FROM sqlite_master WHERE name IN ('alert_action', 'setting_change', 'account', 'link', 'store_change', 'model_cache', 'release_log')")" = 7 ]; then
    t_ok "migrated to the latest version"
else
    t_not_ok "migrated to the latest version" "$(sqlite3 old.db 'PRAGMA user_version')"
fi
t_run "the migration adds the 27 triggers that count writes" 0 sqlite3 old.db \
    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_counted'"
t_out "27"
