# Command tests for the keyed audit log: the attacks of the red-team run
# (rewrite and recompute, delete and renumber, cut the tail, roll back to
# an older copy, empty every table, relabel a definition, add a table)
# against the key and checkpoints; the migration of a schema 2 file; who-
# names; what audit log prints.
. tests/cli/lib.sh
cd "$T_TMP" || exit 1
export CAIRN_USER=dr.test
C="$CAIRN"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DB=clinic.db
c() { "$C" --db "$DB" "$@"; }

c init >/dev/null
[ "$(stat -c %a clinic.db.auditkey)" = 600 ] &&
    [ "$(stat -c %s clinic.db.auditkey)" = 32 ] &&
    t_ok "init makes a 32-byte audit key, mode 0600" ||
    t_not_ok "audit key" "$(ls -l clinic.db.auditkey 2>&1)"
t_run "init refuses a key already there" 1 "$C" --db other.db \
    --audit-key clinic.db.auditkey init
t_err_has "clinic.db.auditkey: an audit key is already there"
[ ! -e other.db ] && t_ok "no database left" || t_not_ok "other.db" "made"
c client add C001 --name "Ann Example" --birth-year 1990 >/dev/null
c client add C002 >/dev/null
c record phq9 --client C001 --date 2025-01-10 2 2 2 2 2 2 2 2 1 >/dev/null
c record phq9 --client C002 --date 2025-01-11 1 1 1 1 1 1 1 1 0 >/dev/null
c record pgs33 --codes positions --client C001 --date 2025-01-12 \
    3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 \
    >/dev/null || echo "pgs33 record failed"
t_run "verify" 0 c audit verify
t_out_has "definitions match it"

fresh() { cp "$DB" t.db && cp "$DB.auditkey" t.db.auditkey; }
tv() { "$C" --db t.db audit verify "$@"; }

# The attacker's tool: change what SQL says, then recompute every hash
# from there with SHA-256, as the unkeyed chain of Cairn 0.1 allowed.
cat >rechain.py <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER IF EXISTS audit_no_update;"
                 "DROP TRIGGER IF EXISTS audit_no_delete;")
db.executescript(sys.argv[2])
prev = "0" * 64
rows = db.execute("SELECT seq, at, who, action, target, before, after"
                  " FROM audit ORDER BY seq").fetchall()
for i, r in enumerate(rows):
    seq = i + 1 if len(sys.argv) > 3 else r[0]
    text = prev + str(seq) + "|"
    for f in r[1:]:
        text += "~|" if f is None else "%d:%s|" % (len(f.encode()), f)
    h = hashlib.sha256(text.encode()).hexdigest()
    db.execute("UPDATE audit SET seq = ?, prev_hash = ?, hash = ?"
               " WHERE seq = ?", (seq, prev, h, r[0]))
    prev = h
db.commit()
PY
fresh
"$PY" rechain.py t.db "UPDATE client SET name = 'Eve' WHERE id = 1;
UPDATE audit SET after = replace(after, 'Ann Example', 'Eve')
 WHERE target = 'client:1';"
t_run "a rewritten client with a recomputed chain" 1 tv
t_err "cairn: audit entry 1 does not match its hash: it was changed after it was written"
fresh
"$PY" rechain.py t.db "DROP TRIGGER assessment_frozen;
UPDATE assessment SET flags = NULL WHERE id = 1;
UPDATE audit SET after = replace(after, '\"flags\":[[9,1]]', '\"flags\":null')
 WHERE target = 'batch:1';"
t_run "a risk flag removed, chain recomputed" 1 tv
fresh
"$PY" rechain.py t.db "DELETE FROM audit WHERE seq = 3;" renumber
t_run "an entry deleted and the rest renumbered" 1 tv
t_err "cairn: audit entry 1 does not match its hash: it was changed after it was written"

# Emptying every table
fresh
sqlite3 t.db "DROP TRIGGER audit_no_delete; DROP TRIGGER assessment_no_delete;
DROP TRIGGER client_no_delete; DELETE FROM audit; DELETE FROM assessment;
DELETE FROM batch; DELETE FROM client; DELETE FROM definition;"
t_run "every table emptied" 1 tv
t_err "cairn: the audit log is empty, but every Cairn database starts with an entry: it was emptied"

# Definitions are covered: a relabelled PGS-33 subscale, a forged print
fresh
sqlite3 t.db "DROP TRIGGER definition_no_change;
UPDATE definition SET scales = replace(scales, 'active_grief', 'despair')
 WHERE instrument = 'pgs33';"
t_run "a relabelled PGS-33 subscale" 1 tv
t_err_has "cairn: definition "
t_err_has " differs from its last audited state: it was changed behind Cairn's back"
fresh
sqlite3 t.db "DROP TRIGGER definition_no_change;
UPDATE definition SET fingerprint = 'sha256:forged' WHERE id = 1;"
t_run "a forged definition fingerprint" 1 tv
t_err "cairn: definition 1 differs from its last audited state: it was changed behind Cairn's back"
fresh
sqlite3 t.db "CREATE TABLE notes_on_the_side (x TEXT);"
t_run "a table the log does not cover" 1 tv
t_err "cairn: table 'notes_on_the_side' is not covered by the audit log: it was added behind Cairn's back"

# The key: missing, or another one
fresh
rm t.db.auditkey
t_run "verify without the key" 1 tv
t_err "cairn: t.db.auditkey: the audit key is missing, so Cairn cannot verify the audit log; restore it from your backup (or name it with --audit-key)"
t_run "no change without the key" 1 "$C" --db t.db client add C009
t_run "--audit-key names it" 0 "$C" --db t.db --audit-key clinic.db.auditkey \
    audit verify
head -c 32 /dev/urandom >wrong.key
t_run "another key" 1 "$C" --db t.db --audit-key wrong.key audit verify
t_err "cairn: audit entry 1 does not match its hash: it was changed after it was written"

# Checkpoints: truncation and rollback behind them
cp "$DB" older.db && cp "$DB.auditkey" older.db.auditkey
c event add --client C001 --date 2025-01-20 --kind other --label "call" \
    >/dev/null
t_run "checkpoint" 0 c audit checkpoint -o cp1.json
t_out_has "wrote cp1.json"
t_run "checkpoint printed" 0 c audit checkpoint
t_out_has '"cairn_audit_checkpoint": 1'
t_out_has '"signature": "'
t_run "verify with the checkpoint" 0 c audit verify --checkpoint cp1.json
t_out_has "the log still holds what 1 checkpoint saw"
n=$(sqlite3 "$DB" "SELECT max(seq) FROM audit")
fresh
sqlite3 t.db "DROP TRIGGER audit_no_delete; DROP TRIGGER event_no_delete;
DELETE FROM event; DELETE FROM audit WHERE seq = $n;"
t_run "a cut tail passes the chain alone" 0 tv
t_run "but not the checkpoint" 1 tv --checkpoint cp1.json
t_err_has "cairn: the audit log has $((n - 1)) entries, fewer than the $n that checkpoint cp1.json saw at "
t_err_has ": it was cut short or rolled back"
cp older.db t.db && cp older.db.auditkey t.db.auditkey
t_run "an older copy put back" 1 tv --checkpoint cp1.json
t_err_has "fewer than the $n that checkpoint cp1.json saw"
# a copy that went on differently after the checkpoint's entry
cp older.db t.db && cp older.db.auditkey t.db.auditkey
"$C" --db t.db client add C777 >/dev/null
t_run "a forked copy" 1 tv --checkpoint cp1.json
t_err_has "cairn: audit entry $n differs from checkpoint cp1.json made at "
sed 's/"entries": [0-9]*/"entries": 3/' cp1.json >cp2.json
t_run "an altered checkpoint" 1 c audit verify --checkpoint cp2.json
t_err "cairn: cp2.json: the signature does not match: the checkpoint was altered"
"$C" --db b.db init >/dev/null
"$C" --db b.db audit checkpoint -o cpb.json >/dev/null
t_run "another database's checkpoint" 1 c audit verify --checkpoint cpb.json
t_err "cairn: cpb.json: signed with another audit key, not this database's"
t_run "checkpoint keeps a file" 1 c audit checkpoint -o cp1.json
t_err "cairn: cp1.json already exists; give --force to replace it"

# A file written by Cairn 0.1 (schema 2, unkeyed) is keyed on first write
rm -f s2.db s2.db-wal s2.db-shm && sqlite3 s2.db <"$T_ROOT/tests/data/good/schema2.sql"
chmod 600 s2.db
t_run "schema 2 migrates" 0 "$C" --db s2.db client list
[ "$(sqlite3 s2.db 'PRAGMA user_version')" = 9 ] &&
    [ "$(stat -c %a s2.db.auditkey)" = 600 ] &&
    t_ok "schema 9, key made" || t_not_ok "migration" "$(ls -l s2.db*)"
t_run "the migrated log verifies" 0 "$C" --db s2.db audit verify
t_out_has "audit log intact: 10 entries; 3 assessments, 2 clients, 1 events and episodes, 2 definitions match it"
t_run "the migration is in the log" 0 "$C" --db s2.db audit log --last 3
t_out_has "audit.keyed       store"
t_out_has "definition.add    definition:2"
rm -f s2.db s2.db-wal s2.db-shm && sqlite3 s2.db <"$T_ROOT/tests/data/good/schema2.sql"
chmod 600 s2.db
t_run "schema 2 beside its key: rolled back" 1 "$C" --db s2.db client list
t_err "cairn: s2.db: schema 2, yet its audit key s2.db.auditkey exists: the file may have been rolled back or replaced; nothing was changed"
rm s2.db.auditkey
sqlite3 s2.db "DROP TRIGGER audit_no_update; UPDATE audit SET who = 'x' WHERE seq = 2"
t_run "a broken old log is not keyed" 1 "$C" --db s2.db client list
t_err "cairn: s2.db: audit entry 2 does not verify, so the log cannot be keyed (schema 7); nothing was changed"
[ "$(sqlite3 s2.db 'PRAGMA user_version')" = 2 ] && [ ! -e s2.db.auditkey ] &&
    t_ok "left at schema 2, no key" || t_not_ok "left alone" "$(ls s2.db*)"

# Who-names
t_run "a newline in CAIRN_USER" 1 env "CAIRN_USER=dr.a
    1 2026-01-01T00:00:00Z forged" "$C" --db "$DB" client add C100
t_err "cairn: who-name 'dr.a\\x0a    1 2026-01-01T00:00:00Z forged' is not printable text of 1 to 64 bytes"
esc=$(printf 'dr.\033[2J')
t_run "a terminal escape in CAIRN_USER" 1 env "CAIRN_USER=$esc" \
    "$C" --db "$DB" client add C100
t_err "cairn: who-name 'dr.\\x1b[2J' is not printable text of 1 to 64 bytes"
bad=$(printf 'dr.\355\240\200')
t_run "a surrogate in CAIRN_USER" 1 env "CAIRN_USER=$bad" \
    "$C" --db "$DB" client add C100
long=$(printf '%070d' 0)
t_run "a who-name too long" 1 env "CAIRN_USER=$long" "$C" --db "$DB" \
    client add C100
t_run "a who-name in Unicode" 0 env "CAIRN_USER=Zoë" "$C" --db "$DB" \
    client add C100
# What another tool wrote is escaped when printed
fresh
sqlite3 t.db "DROP TRIGGER audit_no_update; UPDATE audit SET who = 'x' || char(10) || '   99 forged' || char(27) || '[31m' WHERE seq = 2"
t_run "audit log escapes" 0 "$C" --db t.db audit log
t_out_has "x\\x0a   99 forged\\x1b[31m"
[ "$(grep -c forged "$T_TMP/stdout")" = 1 ] && t_ok "no forged line" ||
    t_not_ok "no forged line" "$(cat "$T_TMP/stdout")"
sqlite3 t.db "UPDATE audit SET who = 'x' || char(255) WHERE seq = 2"
t_run "audit log --json" 0 "$C" --db t.db audit log --json
"$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
    "$T_TMP/stdout" && t_ok "valid JSON" || t_not_ok "valid JSON" "$(cat "$T_TMP/stdout")"

# Every export is an audit entry: who, when, what kind, counts; never a
# client's code, name or date.  The log still verifies, and an entry
# rewritten without the key is found.
fresh
printf '%s' 'a-fixed-site-key-for-the-audit..' >site.key
chmod 600 site.key
t_run "a de-identified export" 0 "$C" --db t.db export --key site.key \
    -o research.csv
t_run "a FHIR export of one client" 0 "$C" --db t.db fhir export \
    --client C001 -o one.json
t_run "a pseudonymised FHIR export" 0 "$C" --db t.db fhir export \
    --pseudonymise --key site.key -o pseud.json
t_run "a REDCap export" 0 "$C" --db t.db redcap export --key site.key \
    -o rc
t_run "the exports are in the log" 0 "$C" --db t.db audit log --last 4 --json
"$PY" - "$T_TMP/stdout" <<'PY' && t_ok "each export's entry" ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = [(r["action"], r["target"], r["who"], r["after"]) for r in rows]
want = [
    ("export.research", "export", "dr.test",
     {"kind": "de-identified", "format": "wide", "instrument": None,
      "from": None, "to": None, "shift_dates": False, "assessments": 3,
      "clients": 2, "rows": 3, "instruments": 2}),
    ("export.fhir", "export", "dr.test",
     {"kind": "identified", "bundle": "transaction", "clients": "one",
      "instrument": None, "from": None, "to": None, "patients": 1,
      "responses": 2, "observations": 5, "voided": 0}),
    ("export.fhir", "export", "dr.test",
     {"kind": "pseudonymised", "bundle": "transaction", "clients": "all",
      "instrument": None, "from": None, "to": None, "patients": 2,
      "responses": 3, "observations": 6, "voided": 0}),
    ("export.redcap", "export", "dr.test",
     {"kind": "de-identified", "instrument": None, "records": 2,
      "rows": 3, "forms": 2}),
]
for g, w in zip(got, want):
    a = dict(g[3]); a.pop("site_key", None)
    if g[:3] != w[:3] or a != w[3]:
        sys.exit("got %r, want %r" % (g, w))
text = open(sys.argv[1]).read()
for secret in ("C001", "C002", "Ann", "2025-01"):
    if secret in text:
        sys.exit("client data in an export entry: " + secret)
PY
    t_not_ok "each export's entry" "$(cat "$T_TMP/stdout")"
t_run "the log with the exports verifies" 0 tv
sqlite3 t.db "DROP TRIGGER audit_no_update; UPDATE audit SET after = replace(after, '\"clients\":\"one\"', '\"clients\":\"all\"') WHERE action = 'export.fhir'"
t_run "an export entry rewritten is found" 1 tv
t_err_has "cairn: audit entry 12 "

# A schema 8 file: its model cache rows carry no MAC, so the migration
# to 9 empties the cache (recomputed when next needed) and the log still
# verifies, with the counting triggers and the new link rule in place.
fresh
sqlite3 t.db "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master
    WHERE type = 'trigger' AND name LIKE '%_counted'" | sqlite3 t.db
sqlite3 t.db "DROP TRIGGER link_no_delete; CREATE TRIGGER link_no_delete
    BEFORE DELETE ON link BEGIN SELECT RAISE(ABORT, 'links are never
    deleted'); END; INSERT INTO model_cache VALUES ('phq9', 'total',
    'sha256:x', 1, 2, x'00'); PRAGMA user_version = 8;"
t_run "schema 8 migrates" 0 "$C" --db t.db client list
t_run "to 9, the cache emptied" 0 sqlite3 t.db "PRAGMA user_version;
    SELECT count(*) FROM model_cache; SELECT count(*) FROM sqlite_master
    WHERE name LIKE '%_counted'"
t_out "9
0
27"
t_run "the migrated log verifies" 0 tv
