#!/bin/sh
# What the clinician is told by `cairn alerts`: today's risk before an old
# imported one, with its age, the client's clinician and every note, in
# 100 columns.
. "$(dirname "$0")/lib.sh"
DB="$T_TMP/a.db"
c() { "$CAIRN" --db "$DB" "$@"; }
export CAIRN_USER=dr.lee
c init >/dev/null
c client add OLD1 --clinician dr.okafor >/dev/null
c client add NEW2 --clinician dr.lee >/dev/null
# OLD1: item 9 endorsed on an imported form months ago, none since
printf 'client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\nOLD1,2024-01-10,PHQ-9,2,2,1,2,1,1,1,1,2\nOLD1,2024-02-10,PHQ-9,2,2,1,1,1,1,1,1,0\n' >"$T_TMP/old.csv"
c import "$T_TMP/old.csv" >/dev/null
# NEW2: item 9 endorsed today
c record phq9 --client NEW2 1 1 1 1 1 1 1 1 1 >/dev/null

t_run "alerts" 0 c alerts
first=$(sed -n 2p "$T_TMP/stdout")
case "$first" in
risk:*NEW2*dr.lee*"risk item endorsed"*open*today) t_ok "today's risk comes first, with clinician and age" ;;
*) t_not_ok "today's risk comes first, with clinician and age" "$(cat "$T_TMP/stdout")" ;;
esac
t_out_has "dr.okafor"
t_out_has " years ago"
wide=$(awk 'length($0) > 100' "$T_TMP/stdout")
if [ -z "$wide" ]; then t_ok "alerts fit 100 columns"; else t_not_ok "alerts fit 100 columns" "$wide"; fi
t_run "alerts --json keeps ids" 0 c alerts --json
t_out_has '"client":"NEW2","clinician":"dr.lee","kind":"risk","state":"open","on_latest":true'
t_out_has '"client":"OLD1","clinician":"dr.okafor","kind":"risk","state":"open","on_latest":false'

# notes add up
key=$(python3 -c 'import json,sys; print(next(a["id"] for a in json.load(open(sys.argv[1])) if a["client"] == "NEW2"))' "$T_TMP/stdout")
t_run "first note" 0 c alert ack "$key" --note "phoned; safe tonight"
t_run "second note" 0 c alert ack "$key" --note "seen in clinic; plan agreed"
t_run "both notes shown" 0 c alerts
t_out_has "acknowledged by dr.lee on "
t_out_has ": phoned; safe tonight"
t_out_has ": seen in clinic; plan agreed"
t_run "resolve" 0 c alert resolve "$key" --note "risk reviewed; closed"
t_run "no second acknowledgement after resolving" 1 c alert ack "$key" --note "late"
t_err_has "was resolved by dr.lee on "
t_run "--all keeps every note" 0 c alerts --all --json
t_out_has '"notes":[{"state":"acknowledged","by":"dr.lee"'
t_out_has '"note":"risk reviewed; closed"}]'
