# Loopback tests of the clinician's client and couple pages: a real
# `cairn serve` on 127.0.0.1 (a free port) over the example clinic
# (examples/clinic.sh), read by tests/cli/dashboard_check.py, which
# compares every figure the pages carry with `cairn trend --json` and
# `cairn couple --json` on both time axes; then who may open which page,
# and that the views are in the audit log.
. tests/cli/lib.sh
HC="$T_ROOT/tests/cli/http_client.py"
cd "$T_TMP"
C="$CAIRN --db clinic.db"
PW="correct horse battery"
sh "$T_ROOT/examples/clinic.sh" clinic.db "$CAIRN" >/dev/null
for u in dr.okafor:clinician dr.lee:clinician res:researcher; do
    printf '%s\n' "$PW" | $C user add "${u%%:*}" --role "${u#*:}" \
        --password-stdin >/dev/null
done

start_server

t_run "the pages' figures equal trend --json and couple --json" 0 \
    python3 "$T_ROOT/tests/cli/dashboard_check.py" "$URL" dr.okafor "$PW" \
    "$CAIRN" clinic.db S01
t_out_has "compared "

cat >page_as.py <<PY
import sys
sys.path.insert(0, "$T_ROOT/tests/cli")
import dashboard_check, http_client
base, name, pw, path = sys.argv[1:5]
cookie = dashboard_check.login(base, name, pw)
status, _, page = http_client.request(base + path, None, cookie=cookie)
h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0] if "<h1>" in page else ""
print(status, h1)
PY
# A login and a page view are logged but change no data: the store's
# change counter (which keys the growth-model cache) stays, so neither
# throws the fitted model away.
cat >views.py <<PY
import subprocess, sys
sys.path.insert(0, "$T_ROOT/tests/cli")
import dashboard_check, http_client
base, name, pw = sys.argv[1:4]
def counter():
    return subprocess.run(["sqlite3", "clinic.db",
                           "SELECT n FROM store_change"],
                          capture_output=True, text=True).stdout.strip()
before = counter()
cookie = dashboard_check.login(base, name, pw)
for path in ("/client/S01", "/couple/S01"):
    http_client.request(base + path, None, cookie=cookie)
print(before, counter())
PY
t_run "page views" 0 python3 views.py "$URL" dr.okafor "$PW"
read -r before after <"$T_TMP/stdout"
if [ -n "$before" ] && [ "$before" = "$after" ]; then
    t_ok "a login and page views do not move the change counter"
else
    t_not_ok "a login and page views do not move the change counter" "$before -> $after"
fi
t_run "a researcher is refused a client page" 0 python3 page_as.py "$URL" res "$PW" /client/S01
t_out "403 Not allowed"
t_run "another clinician's client is not found" 0 python3 page_as.py "$URL" dr.lee "$PW" /client/S01
t_out "404 No such client"
t_run "nor their couple" 0 python3 page_as.py "$URL" dr.lee "$PW" /couple/S01
t_out "404 No such client"
t_run "dr.lee's own client" 0 python3 page_as.py "$URL" dr.lee "$PW" /client/C05
t_out "200 Client C05"

stop_server
t_run "the views were audited" 0 $C audit log --last 3
t_out_has "view"
t_run "and the audit chain verifies" 0 $C audit verify
