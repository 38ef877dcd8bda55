# Command tests for `cairn settings`: round trip, audit, refused values,
# and the outputs that use a setting (trend, cohort, aggregates, export
# provenance), with the command line still winning for one run.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"

"$C" init >/dev/null
"$C" client add ANNA >/dev/null
"$C" record gad7 --client ANNA --date 2026-01-05 2 2 2 2 2 2 2 >/dev/null
"$C" record gad7 --client ANNA --date 2026-02-02 1 1 1 1 1 1 1 >/dev/null

t_run "settings: none yet" 0 "$C" settings show
t_out "No settings: every value comes from the instrument definitions."
t_run "settings set" 0 "$C" settings set gad7.total.rci_sd 4.5
t_out "gad7.total.rci_sd set"
t_run "settings set reliability" 0 "$C" settings set gad7.total.rci_reliability 0.9
t_run "settings set text" 0 "$C" settings set client.crisis_message "If you are in danger now, call 999. Samaritans: 116 123."
t_run "settings show" 0 "$C" settings show gad7.total.rci_sd
t_out_has "gad7.total.rci_sd = 4.5"
t_out_has "(set by dr.test on "
t_run "settings show --json" 0 "$C" settings show --json
t_out_has '"key":"client.crisis_message","value":"If you are in danger now, call 999. Samaritans: 116 123.","type":"text","set_by":"dr.test"'
t_run "settings: bad value" 1 "$C" settings set gad7.total.rci_reliability 1.5
t_err "cairn: gad7.total.rci_reliability: 1.5 must be between 0 and 1"
t_run "settings: unknown scale" 1 "$C" settings set gad7.anxiety.cutoff 8
t_err "cairn: 'gad7.anxiety.cutoff': gad7 has no scale 'anxiety'"
t_run "settings: set needs a value" 2 "$C" settings set gad7.total.cutoff
t_err_has "cairn: set takes KEY VALUE"

# The trend uses the setting and says so; 14 -> 7 with SD 4.5, r 0.9:
# 1.96 x sqrt(2) x 4.5 x sqrt(0.1) = 3.94 points.
t_run "trend uses the settings" 0 "$C" trend --client ANNA --instrument gad7 --json
t_out_has '"sd":4.5,"reliability":0.9'
t_out_has '"source":"SD: clinic setting gad7.total.rci_sd = 4.5 (set by dr.test on '
t_out_has '"sd_from":"setting","reliability_from":"setting"'
t_out_has '"category":"improved"'
t_out_has '"criterion":"cutoff"'
t_run "the command line wins" 0 "$C" trend --client ANNA --instrument gad7 --json --rci-sd 20
t_out_has '"sd":20,"reliability":0.9'
t_out_has '"sd_from":"command_line","reliability_from":"setting"'
t_out_has '"category":"no_reliable_change"'
t_run "trend for people names the setting" 0 "$C" trend --client ANNA --instrument gad7
t_out_has "clinic setting gad7.total.rci_sd = 4.5"

# Criterion c from the clinic's normative values: (5 x 3 + 3 x 15) / 8 = 7.5
"$C" settings set gad7.total.clinical_mean 15 >/dev/null
"$C" settings set gad7.total.clinical_sd 5 >/dev/null
"$C" settings set gad7.total.normal_mean 3 >/dev/null
"$C" settings set gad7.total.normal_sd 3 >/dev/null
t_run "criterion c" 0 "$C" trend --client ANNA --instrument gad7 --json
t_out_has '"clinical":{"cutoff":7.5,"case_when":"above"'
t_out_has '"criterion":"jacobson_truax_c"'
t_out_has '"recovered":true'
t_run "cohort names the settings" 0 "$C" cohort --instrument gad7 --json
t_out_has '"criterion": "jacobson_truax_c"'
t_out_has '"rc_source": "SD: clinic setting gad7.total.rci_sd = 4.5'

"$C" key new -o site.key >/dev/null
t_run "export provenance lists the settings" 0 "$C" export --key site.key -o d.csv
grep -q '"key": "gad7.total.rci_sd"' d.csv.provenance.json &&
    ! grep -q 'crisis' d.csv.provenance.json &&
    t_ok "provenance: parameter settings, no texts" ||
    t_not_ok "provenance: parameter settings, no texts" "$(cat d.csv.provenance.json)"
t_run "aggregate provenance" 0 "$C" aggregate --instrument gad7 -o agg.json
grep -q '"rc_source": "SD: clinic setting gad7.total.rci_sd = 4.5' agg.json &&
    t_ok "aggregate: parameters' sources" ||
    t_not_ok "aggregate: parameters' sources" "$(head -c 1500 agg.json)"

t_run "settings unset" 0 "$C" settings unset gad7.total.rci_sd
t_out "gad7.total.rci_sd unset: the default applies"
t_run "settings unset twice" 1 "$C" settings unset gad7.total.rci_sd
t_err "cairn: 'gad7.total.rci_sd' is not set"
t_run "audit verify" 0 "$C" audit verify
t_run "audit log lists the changes" 0 "$C" audit log --json
t_out_has '"action":"setting.unset"'
sqlite3 cairn.db "DROP TRIGGER setting_change_frozen; UPDATE setting_change SET value='0.5' WHERE id=2" 2>/dev/null
t_run "audit catches an edited setting" 1 "$C" audit verify
t_err "cairn: setting 2 differs from its last audited state: it was changed behind Cairn's back"
