# Command tests for the option tables (engine/cli/cli_opt.c): every
# command and subcommand refuses an unknown option with exit 2 naming it,
# options that belong to other commands are refused, --opt=value works
# everywhere, an option's value may look like an option, values out of
# range are refused, and --help is generated for every command.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"

"$C" init >/dev/null
"$C" client add SARAH --loss-date 2026-01-10 >/dev/null
for d in 2026-02-02:"2 2 1 2 1 2 1 0 1" 2026-03-09:"1 1 1 1 0 1 0 0 0"; do
    "$C" record phq9 --client SARAH --date "${d%%:*}" ${d#*:} >/dev/null ||
        echo "record failed: $d"
done

# ---- every command and subcommand, read from 'cairn help' and the
# usage lines, so a new command is covered without editing this file
cmds=$("$C" help | awk '/^Commands:/ {on = 1; next} /^$/ {on = 0} on {print $1}')
n=$(printf '%s\n' "$cmds" | wc -l)
[ "$n" -ge 23 ] && t_ok "help lists the commands ($n)" ||
    t_not_ok "help lists the commands" "$cmds"
forms=""
for cmd in $cmds; do
    forms="$forms$cmd
"
    subs=$("$C" help "$cmd" | sed -n '/^usage:/,/^$/p' |
        sed 's/^usage://; s/\[--db PATH\] //' |
        awk -v c="$cmd" '$1 == "cairn" && $2 == c && $3 ~ /^[a-z]+$/ {print $3}' |
        sort -u)
    for sub in $subs; do
        forms="$forms$cmd $sub
"
    done
done
printf '%s' "$forms" >forms.txt
grep -qx "client episode" forms.txt && grep -qx "alert resolve" forms.txt &&
    grep -qx "report cohort" forms.txt && grep -qx "aggregate merge" forms.txt &&
    t_ok "subcommands found in the usage lines" ||
    t_not_ok "subcommands found in the usage lines" "$(cat forms.txt)"
while IFS= read -r form; do
    [ -n "$form" ] || continue
    # shellcheck disable=SC2086
    t_run "$form --bogus" 2 "$C" $form --bogus
    t_err_has "cairn: $form: unknown option '--bogus'"
    t_err_has "try 'cairn help ${form%% *}'"
done <forms.txt
t_run "--bogus=1 names the option" 2 "$C" history --client SARAH --bogus=1
t_err_has "cairn: history: unknown option '--bogus'"
t_run "unknown global option" 2 "$C" --bogus history
t_err_has "cairn: unknown option '--bogus'"

# ---- options that belong to other commands
t_run "cohort --client" 2 "$C" cohort --instrument phq9 --client SARAH
t_err_has "cairn: cohort: unknown option '--client'"
t_run "trend --ml" 2 "$C" trend --client SARAH --instrument phq9 --ml
t_err_has "cairn: trend: unknown option '--ml'"
t_run "history --bogus" 2 "$C" history --client SARAH --bogus
t_err_has "cairn: history: unknown option '--bogus'"
t_run "client edit --partner" 2 "$C" client edit SARAH --partner X
t_err_has "cairn: client edit: unknown option '--partner'"
t_run "report client --ml" 2 "$C" report client SARAH --ml
t_err_has "cairn: report client: unknown option '--ml'"

# ---- --opt=value and --opt value
"$C" history --client SARAH --json >spaced.json
t_run "history --client=X" 0 "$C" history --client=SARAH --json
if cmp -s spaced.json "$T_TMP/stdout"; then
    t_ok "history --client=X is --client X"
else
    t_not_ok "history --client=X is --client X" "$(cat "$T_TMP/stdout")"
fi
t_run "record --client=X" 0 "$C" record gad7 --client=SARAH \
    --date=2026-03-10 1 1 0 0 0 1 0
t_out_has "stored assessment 3 for client SARAH:"
t_run "--db=PATH" 0 "$C" --db="$T_TMP/cairn.db" client list
t_out_has "SARAH"
t_run "flag given a value" 2 "$C" history --client SARAH --all=yes
t_err_has "cairn: history: --all takes no value"
t_run "value missing" 2 "$C" history --client
t_err_has "cairn: history: --client needs a value (CODE)"

# ---- a value is a value, whatever it looks like
t_run "--client --help is a client code" 1 "$C" history --client --help
t_err "cairn: no client '--help'"
t_run "--note --help is a note" 1 "$C" alert ack risk:99:9 --note --help
t_err_has "no alert 'risk:99:9'"
t_run "after --, a dash is an argument" 0 "$C" client add -- -dash
t_out "added client -dash"
t_run "and a value" 0 "$C" history --client -dash
t_out_has "client -dash"
t_run "a missing answer '-' is an argument" 0 "$C" score phq9 1 2 0 3 1 - 2 1 1
t_out_has "prorated"

# ---- --rci-sd: one form in trend and report
"$C" trend --client SARAH --instrument phq9 --json --rci-sd 3 >bare.json
t_run "trend --rci-sd phq9=3" 0 "$C" trend --client SARAH --instrument phq9 \
    --json --rci-sd phq9=3
if cmp -s bare.json "$T_TMP/stdout"; then
    t_ok "trend: --rci-sd 3 is --rci-sd phq9=3"
else
    t_not_ok "trend: --rci-sd 3 is --rci-sd phq9=3" "$(cat "$T_TMP/stdout")"
fi
t_out_has '"sd":3'
t_run "trend --rci-sd for another instrument" 2 "$C" trend --client SARAH \
    --instrument phq9 --rci-sd gad7=3
t_err_has "cairn: trend: an override names gad7.total, but this is about phq9.total"
t_run "report client --rci-sd phq9=3" 0 "$C" report client SARAH \
    --rci-sd phq9=3 --rci-reliability phq9=0.8
t_out_has "PHQ-9"
t_run "report client --rci-sd 3 names no instrument" 2 "$C" report client \
    SARAH --rci-sd 3
t_err_has "give --rci-sd, --rci-reliability and --cutoff as INSTRUMENT=NUMBER"
t_run "report cohort --rci-sd 3" 0 "$C" report cohort --instrument phq9 \
    --rci-sd 3 -o cohort.xlsx
t_run "cohort --rci-sd phq9=3" 0 "$C" cohort --instrument phq9 --json \
    --rci-sd phq9=3
t_out_has '"rci_sd": 3.0'

# ---- values out of range
t_run "--no-improvement-weeks -1" 2 "$C" trend --client SARAH \
    --instrument phq9 --no-improvement-weeks -1
t_err_has "cairn: trend: --no-improvement-weeks must be positive, not '-1'"
t_run "--no-improvement-weeks 0" 2 "$C" caseload --no-improvement-weeks 0
t_err_has "--no-improvement-weeks must be positive, not '0'"
t_run "--rci-sd -2" 2 "$C" cohort --instrument phq9 --rci-sd -2
t_err_has "cairn: cohort: --rci-sd must be positive, not '-2'"
t_run "--rci-reliability 1" 2 "$C" report client SARAH --rci-reliability \
    phq9=1
t_err_has "cairn: report client: --rci-reliability must be between 0 and 1, not 'phq9=1'"
t_run "--time sometimes" 2 "$C" trend --client SARAH --instrument phq9 \
    --time sometimes
t_err_has "cairn: trend: --time takes since-first or since-loss, not 'sometimes'"
t_run "--last 0" 2 "$C" audit log --last 0
t_err_has "cairn: audit log: --last takes a whole number 1..1000000000, not '0'"

# ---- --help, from the tables, for every command
for cmd in $cmds; do
    t_run "help $cmd" 0 "$C" help "$cmd"
    t_out_has "usage: cairn"
    t_out_has "Example:"
    long=$(awk 'length($0) > 80' "$T_TMP/stdout")
    [ -z "$long" ] && t_ok "help $cmd: 80 columns" ||
        t_not_ok "help $cmd: 80 columns" "$long"
done
t_run "help shows the options" 0 "$C" help history
t_out_has "  --client CODE            the client"
t_run "--help after a value" 0 "$C" history --client SARAH --help
t_out_has "usage: cairn history"
t_run "subcommand --help" 0 "$C" client add X --help
t_out_has "Options of add, edit:"
t_run "--help after --" 2 "$C" init -- --help
t_err_has "init takes no arguments"

# ---- what the command adds to the engine's messages
t_run "missing database named by --db" 1 "$C" --db none.db client list
t_err "cairn: none.db: no such database (named by --db); create it with 'cairn init', or give --db the right path"
t_run "missing database named by CAIRN_DB" 1 env CAIRN_DB=gone.db "$C" client list
t_err "cairn: gone.db: no such database (named by \$CAIRN_DB); create it with 'cairn init', or give --db the right path"
mkdir empty
t_run "missing default database" 1 sh -c "cd empty && \"$C\" client list"
t_err "cairn: cairn.db: no such database (the default when neither --db nor \$CAIRN_DB names one); create it with 'cairn init', or give --db the right path"
t_run "a global option after the command" 2 "$C" history --db x.db
t_err_has "cairn: history: unknown option '--db' (a global option: give it before the command)"

# ---- where the instrument folder is looked for (the command's policy)
mkdir -p tree/bin inst/bin inst/share/cairn
cp "$C" tree/bin/cairn && cp "$C" inst/bin/cairn
cp -R "$T_ROOT/instruments" tree/instruments
cp -R "$T_ROOT/instruments" inst/share/cairn/instruments
t_run "instruments beside the program (a build tree)" 0 \
    env -u CAIRN_INSTRUMENTS sh -c "cd empty && ../tree/bin/cairn instruments"
t_out_has "phq9"
t_run "instruments beside the program (installed)" 0 \
    env -u CAIRN_INSTRUMENTS sh -c "cd empty && ../inst/bin/cairn instruments"
t_out_has "phq9"
t_run "CAIRN_INSTRUMENTS" 1 env CAIRN_INSTRUMENTS=/nonexistent "$C" instruments
t_err "cairn: cannot open the instrument folder /nonexistent: No such file or directory (give --instruments DIR or set CAIRN_INSTRUMENTS)"
t_run "--instruments before CAIRN_INSTRUMENTS" 0 env CAIRN_INSTRUMENTS=/nonexistent \
    "$C" --instruments "$T_ROOT/instruments" instruments
t_out_has "phq9"
