# Loopback tests of `cairn serve`: a real server on 127.0.0.1 (a free
# port) over a temporary database, driven by tests/cli/http_client.py
# (Python standard library; a server gets up to 60 s to start, for loaded
# machines under ASan): accounts, a phone link with PHQ-9 item 9
# endorsed, what the record and the alerts then say, spent, revoked and
# expired links, cross-site refusal, login throttling, an online backup
# while serving, a clean stop, and a TLS run with a generated certificate.
. tests/cli/lib.sh
HC="python3 $T_ROOT/tests/cli/http_client.py"
cd "$T_TMP"
C="$CAIRN --db clinic.db"
PW="correct horse battery"

t_run "init" 0 $C init
t_run "client" 0 $C client add C001 --clinician dr.lee
t_run "user add" 0 sh -c "printf '%s\n' '$PW' | $C user add dr.lee --role clinician --password-stdin"
t_out "added account dr.lee"
t_run "user add: short password" 1 sh -c "printf 'short\n' | $C user add x --role manager --password-stdin"
t_err "cairn: a password must be 10 to 1024 characters (this one has 5)"
t_run "user add: bad role" 2 sh -c "printf '%s\n' '$PW' | $C user add x --role boss --password-stdin"
t_err_has "role 'boss' is not one of clinician, supervisor, manager, researcher"
t_run "user add: no terminal" 2 sh -c "$C user add x --role manager </dev/null"
t_err_has "no terminal to ask for a password; use --password-stdin"
t_run "user list" 0 $C user list
t_out_has "dr.lee                   clinician   active since"

t_run "serve: network address without TLS" 2 $C serve --listen 0.0.0.0:0
t_err_has "refusing to serve 0.0.0.0:0 without TLS"
t_run "serve: bad address" 2 $C serve --listen nowhere
t_err_has "listen address 'nowhere' is not ADDR:PORT"
t_run "serve: cert without key" 2 $C serve --tls-cert x.pem
t_err_has "--tls-cert and --tls-key go together"


t_run "the clinic's crisis words" 0 $C settings set client.crisis_message "Call the clinic on 0100 000 000."
start_server
case "$URL" in
http://127.0.0.1:[1-9]*) t_ok "serve prints its URL first" ;;
*) t_not_ok "serve prints its URL first" "$(cat serve.out serve.err)" ;;
esac

t_run "headers on a page" 0 $HC get "$URL/login"
for h in "content-security-policy: default-src 'none'" "frame-ancestors 'none'" \
         "cache-control: no-store" "x-content-type-options: nosniff" \
         "referrer-policy: no-referrer"; do
    t_out_has "$h"
done
t_run "headers on an error" 0 $HC get "$URL/no/such/page"
t_out_has "404"
t_out_has "cache-control: no-store"
t_out_has "frame-ancestors 'none'"

t_run "link new" 0 $C link new --client C001 --instruments phq9 --base-url "$URL"
LINK=$(head -1 "$T_TMP/stdout")
t_out_has "link 1 for client C001 (phq9) expires"
t_run "cross-site POST is refused" 0 $HC post-foreign "$LINK"
t_out "403"
t_run "answer the link (item 9 endorsed)" 0 $HC walk "$LINK" 1 2 0 3 1 0 2 1 1
t_out_has "200"
t_out_has "Thank you"
t_out_has "Call the clinic on 0100 000 000."
if grep -q "C001" "$T_TMP/stdout"; then
    t_not_ok "no identifier on the link's pages" "C001 shown"
else
    t_ok "no identifier on the link's pages"
fi
t_run "history" 0 $C history --client C001 --json
t_out_has '"method":"self_report_link"'
t_out_has '"entered_by":"link:1"'
t_out_has '"flags":[{"kind":"risk","item":9,"code":1'
t_out_has '"score":11'
t_run "the risk alert is open" 0 $C alerts
t_out_has "C001"
t_out_has "risk"
t_run "audit verify" 0 $C audit verify
t_run "a spent link" 0 $HC get "$LINK"
t_out_has "410"
t_run "spent link cannot be answered again" 0 $HC walk "$LINK" 0 0 0 0 0 0 0 0 0
t_out_has "410"
t_out_has "Already completed"

t_run "link revoke" 0 $C link new --client C001 --instruments gad7
REVOKED=$(head -1 "$T_TMP/stdout" | sed "s|http://127.0.0.1:8430|$URL|")
t_run "revoke" 0 $C link revoke 2
t_out "revoked link 2"
t_run "a revoked link" 0 $HC get "$REVOKED"
t_out_has "410"
t_run "revoke twice" 1 $C link revoke 2
t_err "cairn: link 2 is revoked"

t_run "backup while serving" 0 $C backup -o copy.db
t_run "the backup verifies (with the database's audit key)" 0 $CAIRN \
    --db copy.db --audit-key clinic.db.auditkey audit verify
t_run "backup never overwrites" 1 $C backup -o copy.db
t_err "cairn: copy.db is an SQLite database; Cairn never writes over one"

for i in 1 2 3 4 5; do
    $HC login "$URL" dr.lee "wrong password $i" >>logins.txt
done
t_run "throttled after 5 failed logins" 0 $HC login "$URL" dr.lee "$PW"
if [ "$(cut -d' ' -f1 logins.txt | tr '\n' ' ')" = "401 401 401 401 401 " ]; then
    t_ok "failed logins are refused"
else
    t_not_ok "failed logins are refused" "$(cat logins.txt)"
fi
t_out_has "429"
if grep -Eq '^429 [0-9]+$' "$T_TMP/stdout"; then
    t_ok "429 carries Retry-After"
else
    t_not_ok "429 carries Retry-After" "$(cat "$T_TMP/stdout")"
fi

printf '%s\n' "$PW" | $C user add sup --role supervisor --password-stdin >/dev/null
t_run "a supervisor logs in" 0 $HC login "$URL" sup "$PW"
t_out "303 -"
t_run "user passwd" 0 sh -c "printf 'a new password\n' | $C user passwd sup --password-stdin"
t_out "changed the password of sup"
t_run "the old password no longer works" 0 $HC login "$URL" sup "$PW"
t_out "401 -"
t_run "user disable" 0 $C user disable sup
t_run "a disabled account cannot log in" 0 $HC login "$URL" sup "a new password"
t_out "401 -"
t_run "user list shows it" 0 $C user list
t_out_has "sup                      supervisor  disabled"
t_run "link new: unknown instrument" 1 $C link new --client C001 --instruments phq10
t_err_has "phq10"
t_run "link new: no verified wording for clients" 1 $C link new --client C001 --instruments epds
t_err_has "epds: the exact wording of item"
t_run "link new: unknown client" 1 $C link new --client C404 --instruments phq9
t_err_has "C404"

# An expired link: its expiry moved into the past behind Cairn's back
# (the server refuses it; the audit log then reports the change).
t_run "another link" 0 $C link new --client C001 --instruments gad7 --base-url "$URL"
EXPIRED=$(head -1 "$T_TMP/stdout")
sqlite3 clinic.db "DROP TRIGGER link_frozen; UPDATE link SET expires = 0 WHERE id = 3"
t_run "an expired link" 0 $HC get "$EXPIRED"
t_out_has "410"
t_run "audit notices the change" 1 $C audit verify
t_err "cairn: link 3 differs from its last audited state: it was changed behind Cairn's back"

stop_server
if [ "$STATUS" -eq 0 ] && grep -q "stopped (SIGTERM)" serve.err; then
    t_ok "SIGTERM stops the server cleanly"
else
    t_not_ok "SIGTERM stops the server cleanly" "status $STATUS: $(cat serve.err)"
fi

# TLS with a certificate made here.
cat >cert.cfg <<CFG
cn = "127.0.0.1"
ip_address = "127.0.0.1"
expiration_days = 2
ca
tls_www_server
signing_key
encryption_key
cert_signing_key
CFG
if certtool --generate-privkey --outfile key.pem >/dev/null 2>&1 &&
   certtool --generate-self-signed --load-privkey key.pem \
       --template cert.cfg --outfile cert.pem >/dev/null 2>&1; then
    t_ok "certificate generated"
else
    t_not_ok "certificate generated" "certtool (gnutls-bin) failed or is missing"
fi
rm -f serve.out # not the last server's first line (see start_server)
$CAIRN --db copy.db --audit-key clinic.db.auditkey serve --listen 127.0.0.1:0 --tls-cert cert.pem \
    --tls-key key.pem >serve.out 2>serve.err &
SERVER=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^listening on ' serve.out; do
    sleep 0.1
    i=$((i + 1))
done
URL=$(sed -n 's/^listening on //p' serve.out)
case "$URL" in
https://127.0.0.1:*) t_ok "TLS: serves https" ;;
*) t_not_ok "TLS: serves https" "$(cat serve.out serve.err)" ;;
esac
t_run "TLS: a page" 0 $HC --ca cert.pem get "$URL/login"
t_out_has "200"
t_out_has "strict-transport-security: max-age="
t_out_has "set-cookie: __Host-cairn_login="
t_out_has "; Secure"
t_run "TLS: plain HTTP is not answered" 1 $HC get "$(echo "$URL" | sed 's/^https/http/')/login"
stop_server
[ "$STATUS" -eq 0 ] && t_ok "TLS: stops cleanly" || t_not_ok "TLS: stops cleanly" "$(cat serve.err)"
