# Command tests: `cairn caseload` and `cairn report caseload` list the same
# clients by the same rule (active: no episode of care, or the latest one
# still open), and with --all the discharged ones too.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
PY=/usr/bin/python3   # Debian's, with python3-openpyxl

"$C" init >/dev/null
for c in OPEN NOEP GONE NEVER; do "$C" client add $c >/dev/null; done
"$C" client episode OPEN --start 2026-01-05 >/dev/null
"$C" client episode GONE --start 2026-01-05 >/dev/null
"$C" client episode GONE --end 2026-03-01 >/dev/null
for c in OPEN NOEP GONE; do
    "$C" record phq9 --client $c --date 2026-01-12 2 2 1 2 1 2 1 0 0 >/dev/null
    "$C" record phq9 --client $c --date 2026-02-16 1 1 1 1 0 1 0 0 0 >/dev/null
done

# The clients of `cairn caseload --json`, sorted, one line.
cl_codes() {
    "$C" caseload --json "$@" |
        "$PY" -c 'import json,sys; print(" ".join(sorted(e["client"] for e in json.load(sys.stdin))))'
}
# The clients of the caseload workbook (column A below the header).
wb_codes() {
    "$PY" -c '
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Caseload"]
print(" ".join(sorted(r[0] for r in ws.iter_rows(min_row=5, max_col=1, values_only=True) if r[0])))' "$1"
}

same() {    # name, expected, command list, workbook list
    if [ "$3" = "$2" ] && [ "$4" = "$2" ]; then
        t_ok "$1"
    else
        t_not_ok "$1" "expected '$2'; caseload '$3'; workbook '$4'"
    fi
}

t_run "report caseload" 0 "$C" report caseload -o "$T_TMP/active.xlsx"
same "active clients: no episode, or an open one" "NEVER NOEP OPEN" \
    "$(cl_codes)" "$(wb_codes "$T_TMP/active.xlsx")"

t_run "report caseload --all" 0 "$C" report caseload --all -o "$T_TMP/all.xlsx"
same "--all: discharged clients too" "GONE NEVER NOEP OPEN" \
    "$(cl_codes --all)" "$(wb_codes "$T_TMP/all.xlsx")"

t_run "caseload --all for people" 0 "$C" caseload --all
t_out_has "GONE"
t_run "--all is not a trend option" 2 "$C" trend --client OPEN --all
t_err_has "unknown option '--all'"

# Each client's trends in `caseload --json` are the bytes `cairn trend
# --json` prints for that client and instrument (the caseload splices the
# engine's text in rather than decoding it again).
"$C" record gad7 --client OPEN --date 2026-02-16 1 1 1 1 0 1 0 >/dev/null
"$C" caseload --all --json >"$T_TMP/cl.json"
bad=$("$PY" - "$C" "$T_TMP/cl.json" <<'PYEOF'
import json, subprocess, sys
raw = open(sys.argv[2], encoding="utf-8").read()
n = 0
for e in json.loads(raw):
    for t in e["trends"]:
        one = subprocess.run([sys.argv[1], "trend", "--client", e["client"],
                              "--instrument", t["instrument"], "--json"],
                             capture_output=True, text=True, check=True)
        n += 1
        if one.stdout.rstrip("\n") not in raw:
            print(e["client"], t["instrument"])
print("none" if n >= 4 else "too few trends: %d" % n)
PYEOF
)
if [ "$bad" = "none" ]; then
    t_ok "caseload --json: each trend as cairn trend --json prints it"
else
    t_not_ok "caseload --json: each trend as cairn trend --json prints it" "$bad"
fi

# Open alerts of one kind are said once, with how many there are: a
# risk item endorsed at four sessions is "4 times", not four repeats.
"$C" client add MANY >/dev/null
for d in 05 12 19 26; do
    "$C" record phq9 --client MANY --date 2026-01-$d 1 1 1 1 1 1 1 1 1 \
        >/dev/null
done
t_run "caseload: repeated alerts counted" 0 "$C" caseload
t_out_has "           !! risk item endorsed 4 times (PHQ-9)"
if grep -qF "risk item endorsed (PHQ-9); risk item endorsed" "$T_TMP/stdout"; then
    t_not_ok "caseload: one kind said once" "$(grep -F '!!' "$T_TMP/stdout")"
else
    t_ok "caseload: one kind said once"
fi

# A client with more open alerts than one line holds: the alerts wrap at
# word boundaries within 100 columns, each line after the first indented
# under the first alert (the table's layout).
for d in 02 09; do
    "$C" record epds --client MANY --date 2026-02-$d --codes scores \
        1 1 1 1 1 1 1 1 1 2 >/dev/null
done
"$C" record phq9 --client MANY --date 2026-02-16 3 3 3 3 3 3 3 3 3 >/dev/null
t_run "caseload: a long line of alerts" 0 "$C" caseload
t_out_has "           !! risk item endorsed 2 times (EPDS); risk item endorsed 5 times (PHQ-9); reliable"
t_out_has "              deterioration (PHQ-9)"
# a band's name longer than its column is cut after a word, with an
# ellipsis ("Possible depression: assess further (10-12)")
t_out_has "MANY       EPDS      2  ▄▄              11 Possible depression…     +0  no reliable change"
long=$("$C" caseload | awk '/^   / && length($0) > 100' | wc -l)
[ "$long" -eq 0 ] && t_ok "caseload: no line past 100 columns" ||
    t_not_ok "caseload: no line past 100 columns" "$long longer"
