# Command tests for cairn score, instruments and instrument show.
. tests/cli/lib.sh

t_run "phq9 acceptance example" 0 "$CAIRN" score phq9 --json 1 2 0 3 1 0 2 1 1
t_out_has '"scales":{"total":{"score":11,"band":"moderate","prorated":false}}'
t_out_has '"flags":[{"kind":"risk","item":9,'
t_out_has '"fingerprint":"sha256:'

t_run "alias and options after codes" 0 "$CAIRN" score PHQ-9 1 2 0 3 1 0 2 1 1 --json
t_out_has '"instrument":"phq9"'

t_run "plain output for people" 0 "$CAIRN" score phq9 1 2 0 3 1 0 2 1 1
t_out_has 'PHQ-9 total (depression severity): 11 (range 0-27, higher is worse) - Moderate'
t_out_has '!! RISK: item 9'

t_run "missing answers are prorated" 0 "$CAIRN" score phq9 --json 2 2 1 1 2 - 1 1 -
t_out_has '"total":{"score":13,"band":"moderate","prorated":true}'
t_out_has '"missing":[6,9]'

t_run "too many missing: no score" 0 "$CAIRN" score phq9 2 2 - - 2 - 1 1 1
t_out_has 'no score (3 of 9 items missing; at most 2 may be)'

t_run "code outside options" 1 "$CAIRN" score phq9 1 2 0 3 1 0 2 1 7
t_err "cairn: item 9: code 7 is not one of 0, 1, 2, 3"
t_out ""

t_run "wrong count" 1 "$CAIRN" score gad7 1 2 0
t_err "cairn: gad7 has 7 items; got 3 responses"

t_run "unknown instrument" 1 "$CAIRN" score phq10 1 2
t_err_has "cairn: unknown instrument 'phq10' (known: cesd, epds, gad2, gad7, pcl5, pg13r, pgs33, phq2, phq9, who5)"

t_run "no instrument" 2 "$CAIRN" score
t_err_has "cairn: name the instrument to score"
t_err_has "try 'cairn help score'"

t_run "unknown option" 2 "$CAIRN" score phq9 --jsn 1
t_err_has "cairn: score: unknown option '--jsn'"

printf '1 2 0 3 1 0 2 1 1\n\n# a comment\n0 0 0 0 0 0 0 0 0\n' > "$T_TMP/batch"
t_run "batch scores one set per line" 0 sh -c "\"$CAIRN\" score phq9 --json --batch < \"$T_TMP/batch\""
if [ "$(wc -l < "$T_TMP/stdout")" -eq 2 ]; then t_ok "batch: two lines"; else t_not_ok "batch: two lines" "$(cat "$T_TMP/stdout")"; fi
t_out_has '"total":{"score":0,"band":"minimal","prorated":false}'

printf '1 2 0 3 1 0 2 1 1\n1 2 9 3 1 0 2 1 1\n' > "$T_TMP/badbatch"
t_run "batch names the bad line" 1 sh -c "\"$CAIRN\" score phq9 --json --batch < \"$T_TMP/badbatch\""
t_err "cairn: <stdin>:2: item 3: code 9 is not one of 0, 1, 2, 3"

t_run "epds scoring key" 0 "$CAIRN" score epds --codes positions --json 0 0 3 0 3 3 3 3 3 2
t_out_has '"total":{"score":1,"band":"none","prorated":false}'
t_out_has '"flags":[{"kind":"risk","item":10,"code":2,'

t_run "who5 raw and percentage" 0 "$CAIRN" score who5 --json 5 4 3 2 1
t_out_has '"total":{"score":15,'
t_out_has '"percentage":{"score":60,'

t_run "instruments lists ten" 0 "$CAIRN" instruments
if [ "$(wc -l < "$T_TMP/stdout")" -eq 10 ]; then t_ok "ten instruments"; else t_not_ok "ten instruments" "$(cat "$T_TMP/stdout")"; fi

t_run "instruments --json" 0 "$CAIRN" instruments --json
t_out_has '"code": "pgs33"'

t_run "all definitions pass check" 0 "$CAIRN" instruments check "$T_ROOT"/instruments/*.json
t_out_has "ok $T_ROOT/instruments/phq9.json: phq9"

t_run "check refuses a broken file" 1 "$CAIRN" instruments check "$T_ROOT/tests/data/bad/definitions/band_gap.json"
t_err "cairn: $T_ROOT/tests/data/bad/definitions/band_gap.json: scale total: band 2: gap: scores 5..5 fall in no band"

t_run "show gives codes and sources" 0 "$CAIRN" instrument show gad7
t_out_has "0 = Not at all (scores 0)"
t_out_has "band severe"

t_run "show --json" 0 "$CAIRN" instrument show pgs33 --json
t_out_has '"id": "despair"'

t_run "epds without licensed text" 0 "$CAIRN" instrument show epds
t_out_has "item text: not shipped (licence)"

t_run "site texts" 0 "$CAIRN" --texts "$T_ROOT/tests/data/good" instrument show epds
t_out_has "Placeholder text for item 1 (fixture)"

t_run "help lists commands" 0 "$CAIRN" help
t_out_has "score"
t_run "help for a command" 0 "$CAIRN" help score
t_out_has "usage: cairn score INSTRUMENT"
t_run "--help after a command" 0 "$CAIRN" score --help
t_out_has "Example:"
t_run "unknown command" 2 "$CAIRN" scroe
t_err "cairn: unknown command 'scroe'; run 'cairn help' for the list"

t_run "missing instrument folder" 1 "$CAIRN" --instruments /nonexistent score phq9 1
t_err_has "cannot open the instrument folder /nonexistent"

# Plain output fits a 100-column terminal, wrapped at word boundaries.
t_run "a blank risk item, prorated total" 0 "$CAIRN" score phq9 1 1 1 1 1 1 1 1 -
t_out_has "  !! RISK ITEM NOT ANSWERED: item 9 (thoughts of death or self-harm) was not answered: ask about it"
t_out_has "  PHQ-9 total (depression severity): 9 (range 0-27, higher is worse) - Mild [prorated: 1 item"
wide=$(awk 'BEGIN { n = 0 } { if (length($0) > 100) print }' "$T_TMP/stdout")
[ -z "$wide" ] && t_ok "score fits 100 columns" || t_not_ok "score fits 100 columns" "$wide"
