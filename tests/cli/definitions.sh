# Command tests: a definition whose worked examples fail is refused by
# every command that would score with it, naming the example.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
STALE="$T_ROOT/tests/data/bad/stale_examples"
WHY="cairn: $STALE/phq9.json: example 1: scale total: expected band moderate, got mild"

"$C" init >/dev/null
"$C" client add A01 >/dev/null
"$C" record phq9 --client A01 --date 2026-01-12 1 2 0 3 1 0 2 1 1 >/dev/null

t_run "rescore refuses stale examples" 1 "$C" --instruments "$STALE" rescore phq9
t_err "$WHY"
t_run "dry run too" 1 "$C" --instruments "$STALE" rescore phq9 --dry-run
t_err "$WHY"
t_run "record refuses it" 1 "$C" --instruments "$STALE" record phq9 \
    --client A01 --date 2026-01-19 1 1 1 1 1 1 1 1 1
t_err "$WHY"
t_run "score refuses it" 1 "$C" --instruments "$STALE" score phq9 1 1 1 1 1 1 1 1 1
t_err "$WHY"
printf 'client_id,administered_at,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\nA01,2026-01-26,phq9,1,1,1,1,1,1,1,1,1\n' >in.csv
t_run "import refuses it" 1 "$C" --instruments "$STALE" import in.csv
t_err_has "example 1: scale total: expected band moderate, got mild"
t_run "nothing was written" 0 "$C" history --client A01
n=$(grep -c "phq9" "$T_TMP/stdout")
if [ "$n" -eq 1 ]; then
    t_ok "the database is unchanged"
else
    t_not_ok "the database is unchanged" "$(cat "$T_TMP/stdout")"
fi
t_run "the shipped definition still rescores" 0 "$C" rescore phq9
