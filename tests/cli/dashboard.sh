# Loopback tests of the dashboard's list pages: a real `cairn serve` on
# 127.0.0.1 (a free port) over the example clinic, driven by
# tests/cli/dash_client.py.  The caseload page's figures equal `cairn
# caseload --json` for a clinician and for a supervisor; an alert
# acknowledged and resolved on Today is what `cairn alerts --json` then
# shows, and a resolved alert cannot be acknowledged again; the research
# export is byte for byte `cairn export` under the same key; the
# aggregate summary goes through the release log; workbooks are served
# as attachments with their type; each role is refused what is not
# theirs.
. tests/cli/lib.sh
DC="python3 $T_ROOT/tests/cli/dash_client.py"
cd "$T_TMP"
C="$CAIRN --db clinic.db"
PW="correct horse battery"
sh "$T_ROOT/examples/clinic.sh" clinic.db "$CAIRN" >/dev/null
for u in dr.okafor:clinician sup:supervisor boss:manager res:researcher; do
    printf '%s\n' "$PW" | $C user add "${u%%:*}" --role "${u#*:}" \
        --password-stdin >/dev/null
done
$C key new -o site.key >/dev/null

start_server --key site.key
status_of() { # NAME PATH: the status line of the page
    $DC "$URL" "$1" "$PW" get "$2" | head -1
}

# ---- the caseload: the command's numbers ----
$C caseload --all --json --clinician dr.okafor >mine.json
$C caseload --all --json >all.json
t_run "caseload page = caseload --json (clinician)" 0 \
    $DC "$URL" dr.okafor "$PW" compare-caseload mine.json
t_out "same 14 rows"
t_run "caseload page = caseload --json (supervisor)" 0 \
    $DC "$URL" sup "$PW" compare-caseload all.json
t_out "same 22 rows"

# ---- Today: the alert lifecycle, as `cairn alert` keeps it ----
first=$($C alerts --json --clinician dr.okafor |
    python3 -c 'import json,sys; a=json.load(sys.stdin)[0]; print(a["id"], a["client"], a["kind"])')
t_run "the most urgent alert first on Today" 0 \
    $DC "$URL" dr.okafor "$PW" get /today
case "$(sed -n '/<ol class="alerts">/,/<\/li>/p' "$T_TMP/stdout")" in
*"Risk item endorsed"*"Sarah"*) t_ok "Today starts with Sarah's risk item" ;;
*) t_not_ok "Today starts with Sarah's risk item" "first: $first" ;;
esac
t_run "acknowledge on Today" 0 \
    $DC "$URL" dr.okafor "$PW" alert 1 ack "called, safety plan reviewed"
t_out "303 /today?done=ack"
t_run "alerts --json shows it acknowledged" 0 $C alerts --json
t_out_has '"state":"acknowledged"'
t_out_has '"note":"called, safety plan reviewed"'
t_out_has '"by":"dr.okafor"'
t_run "resolve on Today" 0 \
    $DC "$URL" dr.okafor "$PW" alert "${first%% *}" resolve "GP informed"
t_out "303 /today?done=resolve"
t_run "the notes add up" 0 $C alerts --all --json
python3 - "$T_TMP/stdout" "${first%% *}" >notes.out <<'PY'
import json, sys
a = [x for x in json.load(open(sys.argv[1])) if x["id"] == sys.argv[2]][0]
print(a["state"], [n["note"] for n in a["notes"]])
PY
t_run "resolved, with both notes" 0 cat notes.out
t_out "resolved ['called, safety plan reviewed', 'GP informed']"
t_run "a resolved alert cannot be acknowledged again" 0 \
    $DC "$URL" dr.okafor "$PW" post-alert "${first%% *}" ack "again"
t_out "409 -"
t_run "Today no longer lists it" 0 $DC "$URL" dr.okafor "$PW" get /today
case "$(cat "$T_TMP/stdout")" in
*"Risk item endorsed"*) t_not_ok "resolved alert left Today" "still there" ;;
*) t_ok "resolved alert left Today" ;;
esac
t_run "audit log verifies" 0 $C audit verify

# ---- who may see what ----
for p in /today /caseload /downloads /downloads/caseload.xlsx; do
    t_run "researcher refused $p" 0 status_of res "$p"
    t_out "403"
done
t_run "clinician refused Clinic outcomes" 0 status_of dr.okafor /outcomes
t_out "403"
t_run "clinician refused Research" 0 status_of dr.okafor /research
t_out "403"
t_run "clinician refused another's client workbook" 0 \
    status_of dr.okafor /downloads/client/C05.xlsx
t_out "404"
t_run "supervisor sees Clinic outcomes" 0 status_of sup /outcomes
t_out "200"
t_run "manager sees Research" 0 status_of boss /research
t_out "200"
t_run "researcher lands on Research" 0 $DC "$URL" res "$PW" get /
t_out_has "location: /research"

# ---- Clinic outcomes: cohort's figures ----
t_run "Clinic outcomes" 0 $DC "$URL" sup "$PW" get /outcomes
$C cohort --instrument phq9 --json >cohort.json
python3 - "$T_TMP/stdout" cohort.json >cohort.out <<'PY'
import json, re, sys
page = open(sys.argv[1]).read()
c = json.load(open(sys.argv[2]))
sec = page.split("<h2>PHQ-9", 1)[1].split("</section>", 1)[0]
b = c["baseline"]
want = "%.2f (%.2f)" % (b["mean"], b["sd"])
print("baseline", "same" if want in sec else "differs: want " + want)
print("clients", "same" if ">%g clients, " % c["n_clients"] in sec
      or "<p>%g clients, " % c["n_clients"] in sec else "differs")
PY
t_run "Clinic outcomes = cohort --json (PHQ-9)" 0 cat cohort.out
t_out "baseline same
clients same"

# ---- Research: the export is the command's, under the same key ----
t_run "export from the page" 0 $DC "$URL" res "$PW" get /research/export.csv
t_out_has "content-disposition: attachment; filename=\"export.csv\""
sed '1,/^$/d' "$T_TMP/stdout" >page.csv
$C export --key site.key -o cmd.csv >/dev/null
if cmp -s page.csv cmd.csv; then
    t_ok "the page's export is byte for byte cairn export's"
else
    t_not_ok "the page's export is byte for byte cairn export's" \
        "$(diff page.csv cmd.csv | head -5)"
fi
t_run "its dictionary" 0 \
    $DC "$URL" res "$PW" get /research/export.dictionary.csv
t_out_has "content-type: text/csv; charset=utf-8"
t_run "its provenance" 0 \
    $DC "$URL" res "$PW" get /research/export.provenance.json
t_out_has "content-type: application/json"
case "$(cat page.csv)" in
*Sarah*|*S01*|*dr.okafor*)
    t_not_ok "nothing identifiable in the export" "a name or code" ;;
*) t_ok "nothing identifiable in the export" ;;
esac
t_run "an aggregate summary" 0 \
    $DC "$URL" res "$PW" submit /research /research/aggregate \
    instrument=phq9
t_out_has "content-disposition: attachment; filename=\"aggregate-phq9.json\""
t_out_has '"instrument": "phq9"'
t_run "in the release log" 0 $C audit log
t_out_has "release.add"

# ---- Downloads: the report workbooks ----
t_run "caseload workbook" 0 \
    $DC "$URL" dr.okafor "$PW" get /downloads/caseload.xlsx
t_out_has "content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
t_out_has "content-disposition: attachment; filename=\"caseload.xlsx\""
t_run "a client's workbook" 0 \
    $DC "$URL" dr.okafor "$PW" get /downloads/client/S01.xlsx
t_out_has "filename=\"client-S01.xlsx\""

stop_server
[ "$STATUS" -eq 0 ] && t_ok "the server stops cleanly" ||
    t_not_ok "the server stops cleanly" "$(cat serve.err)"

# ---- a large practice: the caseload page 200 lines at a time ----
# 230 clients with one PHQ-9 each (item 9 endorsed, so each has an open
# alert): two pages in client order, the second
# of 30 lines; every client on exactly one page; the pager's links keep
# the order and filters; a page past the last, or not a number, shows
# the last or the first.
C="$CAIRN --db many.db"
$C init >/dev/null
python3 -c '
print("client_id,administered_at,instrument," +
      ",".join("item%d" % i for i in range(1, 10)))
for k in range(1, 231):
    print("M%03d,2026-03-02,PHQ-9,%d,1,0,1,2,0,1,0,1" % (k, k % 3))' \
    >many.csv
$C import many.csv --create-clients >/dev/null
printf '%s\n' "$PW" | $C user add sup --role supervisor --password-stdin \
    >/dev/null
start_server
t_run "caseload page 1 of 2" 0 $DC "$URL" sup "$PW" rows "/caseload?sort=client"
t_out_has "pager Rows 1–200 of 230 (page 1 of 2)"
t_out_has "prev -"
t_out_has "next /caseload?sort=client&page=2"
t_out_has "pagers 2"
cp "$T_TMP/stdout" page1.txt
t_run "caseload page 2 of 2" 0 $DC "$URL" sup "$PW" rows \
    "/caseload?sort=client&page=2"
t_out_has "pager Rows 201–230 of 230 (page 2 of 2)"
t_out_has "prev /caseload?sort=client"
t_out_has "next -"
cp "$T_TMP/stdout" page2.txt
n1=$(grep -c '^M[0-9]* phq9$' page1.txt)
n2=$(grep -c '^M[0-9]* phq9$' page2.txt)
all=$(cat page1.txt page2.txt | grep '^M[0-9]* phq9$' | sort -u | wc -l)
first=$(grep -m1 '^M' page2.txt)
[ "$n1" -eq 200 ] && [ "$n2" -eq 30 ] && [ "$all" -eq 230 ] &&
    [ "$first" = "M201 phq9" ] &&
    t_ok "caseload pages: every client once, in order" ||
    t_not_ok "caseload pages: every client once, in order" \
        "$n1 + $n2 lines, $all clients, page 2 from $first"
t_run "a page past the last" 0 $DC "$URL" sup "$PW" rows \
    "/caseload?sort=client&page=7"
t_out_has "pager Rows 201–230 of 230 (page 2 of 2)"
t_run "a page that is not a number" 0 $DC "$URL" sup "$PW" rows \
    "/caseload?sort=client&page=-1"
t_out_has "pager Rows 1–200 of 230 (page 1 of 2)"
t_run "the pager keeps the filters" 0 $DC "$URL" sup "$PW" rows \
    "/caseload?sort=score&instrument=phq9&q=M&alerts=1&page=1"
t_out_has "next /caseload?sort=score&instrument=phq9&q=M&alerts=1&page=2"
t_run "a filter that leaves one page" 0 $DC "$URL" sup "$PW" rows \
    "/caseload?sort=client&q=M01"
t_out_has "pagers 0"
t_out_has "M010 phq9"
stop_server
[ "$STATUS" -eq 0 ] && t_ok "the second server stops cleanly" ||
    t_not_ok "the second server stops cleanly" "$(cat serve.err)"
