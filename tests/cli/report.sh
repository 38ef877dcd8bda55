# Command tests for cairn report: the example clinic's client, couple and
# caseload workbooks, read back by an independent reader
# (tests/report_check.py, Debian's python3-openpyxl), byte-identical
# reruns, the terminal views, every failure leaving no file, and a PDF
# rendering by LibreOffice when it is installed.
. tests/cli/lib.sh

PY=/usr/bin/python3
CHECK="$T_ROOT/tests/report_check.py"
DB="$T_TMP/clinic.db"
sh examples/clinic.sh "$DB" "$CAIRN" >/dev/null 2>"$T_TMP/clinic.err" ||
    t_not_ok "example clinic builds" "$(cat "$T_TMP/clinic.err")"
r() { "$CAIRN" --db "$DB" report "$@"; }

# Run the independent reader; each of its lines becomes a test.
check() {
    if ! $PY -c 'import openpyxl' 2>/dev/null; then
        t_not_ok "$1 workbook: independent reader" \
            "$PY has no openpyxl: run 'make deps' (python3-openpyxl)"
        return
    fi
    $PY "$CHECK" "$@" --cairn "$CAIRN" --db "$DB" >"$T_TMP/check" 2>&1
    status=$?
    while IFS= read -r line; do
        case "$line" in
        "ok - "*) t_ok "$1: ${line#ok - }" ;;
        "not ok - "*) t_not_ok "$1: ${line#not ok - }" \
            "$(grep -A3 -F -- "$line" "$T_TMP/check" | tail -n +2)" ;;
        esac
    done <"$T_TMP/check"
    if [ "$status" -ne 0 ] && ! grep -q '^not ok' "$T_TMP/check"; then
        t_not_ok "$1: reader finished" "$(tail -20 "$T_TMP/check")"
    fi
}

# Same bytes from a second run (the document's time is the database's).
same() {
    if cmp -s "$1" "$2"; then
        t_ok "$3: byte-identical when written again"
    else
        t_not_ok "$3: byte-identical when written again" "$1 and $2 differ"
    fi
}

# Nothing at all, no temporary file either, in directory $1 but $2.
nothing_left() {
    left=$(ls -A "$1" | grep -v -x -F -- "${2:-}" | head -5)
    if [ -z "$left" ]; then
        t_ok "$T_NAME: no file left behind"
    else
        t_not_ok "$T_NAME: no file left behind" "$left"
    fi
}

# ---- the three workbooks of the example clinic ----
t_run "client workbook" 0 r client S01 -o "$T_TMP/s01.xlsx"
t_out "wrote $T_TMP/s01.xlsx: client S01, 4 instruments, 4 open alerts"
check client "$T_TMP/s01.xlsx" --client S01
t_run "client workbook again" 0 r client S01 -o "$T_TMP/s01b.xlsx"
same "$T_TMP/s01.xlsx" "$T_TMP/s01b.xlsx" "client workbook"
# C03 (a stillbirth at 34 weeks): the due date falls six weeks after the loss
t_run "client workbook on weeks since the loss" 0 r client C03 --time since-loss -o "$T_TMP/c03w.xlsx"
check since-loss "$T_TMP/c03w.xlsx" --client C03
r client C03 -o "$T_TMP/c03.xlsx" >/dev/null
if cmp -s "$T_TMP/c03.xlsx" "$T_TMP/c03w.xlsx"; then
    t_not_ok "--time since-loss changes the workbook" "same bytes"
else
    t_ok "--time since-loss changes the workbook"
fi
# S01 and J01 share a loss date: the couple's charts are on its weeks too
t_run "couple workbook on weeks since the loss" 0 r couple S01 --time since-loss -o "$T_TMP/cw.xlsx"
got=$($PY - "$T_TMP/cw.xlsx" <<'PYEOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in sorted(z.namelist()):
    if re.match(r"xl/charts/chart\d+\.xml$", n):
        x = z.read(n).decode()
        ax = re.search(r"<c:valAx>.*?</c:valAx>", x, re.S).group(0)
        refs = re.findall(r"<c:xVal>.*?<c:f>([^<]*)</c:f>", x, re.S)
        ok = "Weeks since the loss" in ax and \
            any(r.endswith(("$D$5", "$H$5")) or "!$D$5:" in r or "!$H$5:" in r
                for r in refs)
        print(n, "ok" if ok else "bad %s" % refs[:3])
PYEOF
)
case "$got" in
*bad*|"") t_not_ok "couple charts on weeks since the loss" "$got" ;;
*) t_ok "couple charts on weeks since the loss" ;;
esac

t_run "couple workbook" 0 r couple S01 -o "$T_TMP/couple.xlsx"
t_out "wrote $T_TMP/couple.xlsx: S01 and J01, 4 shared instruments"
check couple "$T_TMP/couple.xlsx" --client S01
t_run "couple workbook again" 0 r couple S01 -o "$T_TMP/couple2.xlsx"
same "$T_TMP/couple.xlsx" "$T_TMP/couple2.xlsx" "couple workbook"

t_run "caseload workbook" 0 r caseload -o "$T_TMP/caseload.xlsx"
t_out "wrote $T_TMP/caseload.xlsx: 6 clients"
check caseload "$T_TMP/caseload.xlsx" \
    --expect-clients S01,J01,C03,C04,C05,C06
t_run "a workbook is not written under another extension" 1 r client S01 \
    -o "$T_TMP/elena.pdf"
t_err "cairn: $T_TMP/elena.pdf: a workbook is written as .xlsx, so the file name must end in .xlsx (for example $T_TMP/elena.xlsx)"
if [ -e "$T_TMP/elena.pdf" ]; then
    t_not_ok "nothing written as elena.pdf" "$(ls -l "$T_TMP/elena.pdf")"
else
    t_ok "nothing written as elena.pdf"
fi
t_run "caseload workbook again" 0 r caseload -o "$T_TMP/caseload2.xlsx"
same "$T_TMP/caseload.xlsx" "$T_TMP/caseload2.xlsx" "caseload workbook"

t_run "caseload of one clinician" 0 r caseload --clinician dr.lee \
    -o "$T_TMP/lee.xlsx"
t_out "wrote $T_TMP/lee.xlsx: 2 clients"
check caseload "$T_TMP/lee.xlsx" --expect-clients C05,C06

# The list's widths are measured as the caseload is read, client by
# client: a long code and clinician widen their columns to fit.
LONG="$T_TMP/long.db"
long_code=CLIENT-WITH-A-RATHER-LONG-CODE-0001
long_clin=dr.a-clinician-with-a-long-name
"$CAIRN" --db "$LONG" init >/dev/null
"$CAIRN" --db "$LONG" client add "$long_code" --clinician "$long_clin" \
    >/dev/null
"$CAIRN" --db "$LONG" client add C1 --clinician dr.lee >/dev/null
for d in 2026-01-05:1 2026-02-02:3; do
    "$CAIRN" --db "$LONG" record phq9 --client "$long_code" \
        --date "${d%:*}" ${d#*:} ${d#*:} 1 1 1 1 1 1 0 >/dev/null
    "$CAIRN" --db "$LONG" record phq9 --client C1 --date "${d%:*}" \
        1 1 1 1 1 1 1 1 0 >/dev/null
done
t_run "caseload workbook, long names" 0 "$CAIRN" --db "$LONG" report \
    caseload -o "$T_TMP/long.xlsx"
t_out "wrote $T_TMP/long.xlsx: 2 clients"
widths=$($PY -c 'import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Caseload"]
print(" ".join("%d" % ws.column_dimensions[c].width for c in "AB"))' \
    "$T_TMP/long.xlsx" 2>&1)
if [ "$widths" = "$((${#long_code} + 2)) $((${#long_clin} + 2))" ]; then
    t_ok "caseload workbook: long code and clinician fit their columns"
else
    t_not_ok "caseload workbook: long code and clinician fit their columns" \
        "widths $widths, want $((${#long_code} + 2)) $((${#long_clin} + 2))"
fi

t_run "client with overrides" 0 r client S01 --rci-sd epds=5.5 \
    --rci-reliability EPDS=0.87 --cutoff pgs33=90 -o "$T_TMP/over.xlsx"
check client "$T_TMP/over.xlsx" --client S01 --overridden

t_run "cohort workbook" 0 r cohort --instrument PHQ-9 -o "$T_TMP/cohort.xlsx"
t_out "wrote $T_TMP/cohort.xlsx: PHQ-9 total (depression severity), 7 clients"
check cohort "$T_TMP/cohort.xlsx" --instrument phq9
t_run "cohort workbook again" 0 r cohort --instrument phq9 \
    -o "$T_TMP/cohort2.xlsx"
same "$T_TMP/cohort.xlsx" "$T_TMP/cohort2.xlsx" "cohort workbook"
t_run "cohort with filters and options" 0 r cohort --instrument gad7 \
    --from 2026-05-01 --clinician dr.lee --intercept-only --ml \
    -o "$T_TMP/gad.xlsx"
check cohort "$T_TMP/gad.xlsx" --instrument gad7 \
    --cohort-args "--from 2026-05-01 --clinician dr.lee --intercept-only --ml"
t_run "cohort of a subscale" 0 r cohort --instrument pgs33 --scale despair \
    -o "$T_TMP/despair.xlsx"
t_out "wrote $T_TMP/despair.xlsx: Despair subscale, 5 clients"

# ---- terminal views ----
t_run "client view" 0 r client S01
t_out_has "S01 (partner J01), clinician dr.okafor; miscarriage on 2026-02-14"
t_out_has "on 2026-02-14 at 11 weeks"
t_out_has "!! EPDS risk: 2026-03-16: item 10"
t_out_has "PHQ-9"
t_out_has "16 -> 12 (-4)  Moderate; no reliable change"

t_run "caseload view" 0 r caseload
t_out_has "client       alerts"
t_out_has "6 clients"
first=$(sed -n 2p "$T_TMP/stdout" | cut -c1-3)
if [ "$first" = "S01" ]; then
    t_ok "caseload view: the risk alert first"
else
    t_not_ok "caseload view: the risk alert first" "$(head -3 "$T_TMP/stdout")"
fi

t_run "couple view" 0 r couple S01
t_out_has "DIVERGED: latest scores differ by 8 points"

# A sparkline on a scale's fixed range: PHQ-9 0, 27 and 14 of 0-27.
SDB="$T_TMP/spark.db"
"$CAIRN" --db "$SDB" init >/dev/null
"$CAIRN" --db "$SDB" client add X >/dev/null
"$CAIRN" --db "$SDB" record phq9 --client X --date 2026-01-05 \
    0 0 0 0 0 0 0 0 0 >/dev/null
"$CAIRN" --db "$SDB" record phq9 --client X --date 2026-01-12 \
    3 3 3 3 3 3 3 3 3 >/dev/null 2>&1
"$CAIRN" --db "$SDB" record phq9 --client X --date 2026-01-19 \
    2 2 2 2 2 2 1 1 0 >/dev/null
t_run "sparkline" 0 "$CAIRN" --db "$SDB" report client X
t_out_has "▁█▅"

# ---- failures: a clear message, exit 1, and no file ----
mkdir "$T_TMP/out"
t_run "unknown client" 1 r client NOPE -o "$T_TMP/out/x.xlsx"
t_err "cairn: no client 'NOPE'"
nothing_left "$T_TMP/out"

"$CAIRN" --db "$DB" client add C09 >/dev/null
t_run "client without assessments" 1 r client C09 -o "$T_TMP/out/x.xlsx"
t_err "cairn: client 'C09' has no assessments to report"
nothing_left "$T_TMP/out"

"$CAIRN" --db "$DB" client add C10 >/dev/null
"$CAIRN" --db "$DB" record phq9 --client C10 --date 2026-05-04 \
    1 1 1 1 1 1 1 1 0 >/dev/null
t_run "client with one assessment" 0 r client C10 -o "$T_TMP/out/one.xlsx"
check client "$T_TMP/out/one.xlsx" --client C10
t_run "one assessment, terminal view" 0 r client C10
t_out_has "8 -> 8  Mild"
rm -f "$T_TMP/out/one.xlsx"

t_run "couple without a partner" 1 r couple C03 -o "$T_TMP/out/x.xlsx"
t_err "cairn: client 'C03' has no linked partner; link one with \
'cairn client link C03 PARTNER'"
nothing_left "$T_TMP/out"

t_run "unwritable path" 1 r client S01 -o /nonexistent/x.xlsx
t_err "cairn: cannot write /nonexistent/x.xlsx: No such file or directory"
t_out ""

if [ "$(id -u)" -eq 0 ]; then
    ro=/proc # refuses new files even to root
else
    ro="$T_TMP/ro"
    mkdir "$ro" && chmod 0500 "$ro"
fi
t_run "read-only directory" 1 r caseload -o "$ro/x.xlsx"
t_err_has "cairn: cannot write $ro/x.xlsx: "
[ "$ro" = /proc ] || nothing_left "$ro"

mkdir "$T_TMP/out/taken.xlsx"
t_run "a directory in the way" 1 r client S01 -o "$T_TMP/out/taken.xlsx"
t_err "cairn: $T_TMP/out/taken.xlsx is a folder, not a file Cairn can write; choose another output name"
nothing_left "$T_TMP/out" taken.xlsx

t_run "cohort without clients" 1 r cohort --instrument who5 \
    -o "$T_TMP/out/x.xlsx"
t_err "cairn: no client has a who5 total score in this cohort"
nothing_left "$T_TMP/out" taken.xlsx
t_run "cohort without -o" 2 r cohort --instrument phq9
t_err_has "cairn: report cohort needs --instrument I and -o FILE"
t_run "cohort of an unknown scale" 2 r cohort --instrument phq9 \
    --scale nope -o "$T_TMP/out/x.xlsx"
t_err_has "cairn: phq9 has no scale 'nope'"

t_run "missing database" 1 "$CAIRN" --db "$T_TMP/none.db" report caseload
t_err_has "no such database"

t_run "no report named" 2 r
t_err_has "cairn: say which report: client, couple, caseload or cohort"
t_err_has "try 'cairn help report'"
t_run "unknown report" 2 r weekly
t_err_has "cairn: unknown report 'weekly'"
t_run "client without a code" 2 r client
t_err_has "cairn: report client needs one client CODE"
t_run "bad override" 2 r client S01 --rci-sd epds
t_err_has "cairn: report client: --rci-sd takes [INSTRUMENT[.SCALE]=]NUMBER, not 'epds'"
t_run "bad reliability" 2 r client S01 --rci-reliability epds=1.2
t_err_has "cairn: report client: --rci-reliability must be between 0 and 1, not 'epds=1.2'"
t_run "help" 0 "$CAIRN" help report
t_out_has "cairn report client S01 -o sarah.xlsx"

# ---- a clinician's action on an alert ----
key=$("$CAIRN" --db "$DB" alerts --json | python3 -c 'import json,sys; print(next(a["id"] for a in json.load(sys.stdin) if a["client"] == "S01" and a["kind"] == "risk"))')
"$CAIRN" --db "$DB" alert ack "$key" --note "safety plan reviewed" >/dev/null
t_run "acknowledged alert: client view" 0 r client S01
t_out_has "   EPDS risk: 2026-03-16"
t_out_has "(acknowledged by "
t_run "acknowledged alert: client workbook" 0 r client S01 \
    -o "$T_TMP/ack.xlsx"
t_out "wrote $T_TMP/ack.xlsx: client S01, 4 instruments, 3 open alerts"
check client "$T_TMP/ack.xlsx" --client S01
"$CAIRN" --db "$DB" alert resolve "$key" --note "risk reviewed" >/dev/null
t_run "resolved alert: client workbook" 0 r client S01 -o "$T_TMP/res.xlsx"
check client "$T_TMP/res.xlsx" --client S01
t_run "resolved alert: client view" 0 r client S01
if grep -q "EPDS risk" "$T_TMP/stdout"; then
    t_not_ok "resolved alert: left out" "$(head -5 "$T_TMP/stdout")"
else
    t_ok "resolved alert: left out"
fi

# ---- a PDF of the client report, when LibreOffice is installed ----
office=$(command -v soffice || command -v libreoffice || true)
if [ -z "$office" ]; then
    T_N=$((T_N + 1))
    echo "ok $T_N - client report renders to PDF" \
        "# SKIP libreoffice not installed"
else
    HOME="$T_TMP" "$office" --headless \
        "-env:UserInstallation=file://$T_TMP/lo" --convert-to pdf \
        --outdir "$T_TMP/pdf" "$T_TMP/s01.xlsx" >"$T_TMP/lo.log" 2>&1
    if head -c 5 "$T_TMP/pdf/s01.pdf" 2>/dev/null | grep -q '%PDF-'; then
        t_ok "client report renders to PDF with LibreOffice"
        # the caseload prints as a list one page wide: its Caseload sheet
        # takes as many pages as the text says it has
        HOME="$T_TMP" "$office" --headless \
            "-env:UserInstallation=file://$T_TMP/lo" --convert-to pdf \
            --outdir "$T_TMP/pdf" "$T_TMP/caseload.xlsx" >"$T_TMP/lo.log" 2>&1
        if command -v pdftotext >/dev/null; then
            pages=$(pdftotext "$T_TMP/pdf/caseload.pdf" - | grep -c "^Page [0-9]* of")
            across=$(pdftotext -f 1 -l 1 "$T_TMP/pdf/caseload.pdf" - | grep -c "^Reliable change$")
            if [ "$across" -eq 1 ] && [ "$pages" -ge 2 ]; then
                t_ok "caseload PDF: the whole list is one page wide"
            else
                t_not_ok "caseload PDF: the whole list is one page wide" \
                    "pages $pages, last column on page 1: $across"
            fi
        fi
    else
        t_not_ok "client report renders to PDF with LibreOffice" \
            "$(tail -5 "$T_TMP/lo.log")"
    fi
fi
