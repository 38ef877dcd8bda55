/*
 * store.c - opening the longitudinal store: the file, its schema and
 * forward migrations, connection settings, and the helpers every store
 * file shares (statement cache, transactions, text buffer, dates, row
 * digests).
 *
 * Invariants: a Cairn file carries PRAGMA application_id CAIRN_APP_ID and
 * user_version = its schema version; foreign keys are on; the journal is
 * WAL; every write is one IMMEDIATE transaction.  SQLite is included here
 * and in the other store*.c files only (through store_db.h), so its errors
 * are translated into cairn_error in one place.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "store_db.h"

/* "CARN" */
#define CAIRN_APP_ID 0x4341524E

/*
 * Schema version 1.  Item responses, scale results, flags and rule
 * results are compact JSON columns of the assessment row (one row per
 * assessment keeps a million-row import near SQLite's insert limit); the
 * views expand them to one row per item and per scale for plain SQL.
 * definition.scales and definition.rules list the ids that
 * assessment.scores and assessment.rules follow, in order.  A batch (one
 * write: an import, a record, an amend) owns the contiguous id range
 * first_id..last_id of the assessments it wrote, so rows carry no batch
 * column; the view assessment_batch joins them.
 */
static const char *const schema_v1[] = {
    "CREATE TABLE batch ("
    " id INTEGER PRIMARY KEY,"
    " method TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " source TEXT,"
    " entered_by TEXT NOT NULL,"
    " entered_at TEXT NOT NULL,"
    " assessments INTEGER NOT NULL,"
    " first_id INTEGER, last_id INTEGER);",
    "CREATE INDEX batch_range ON batch(last_id);",
    "CREATE TABLE client ("
    " id INTEGER PRIMARY KEY,"
    " code TEXT NOT NULL UNIQUE,"
    " name TEXT, birth_year INTEGER, clinician TEXT, notes TEXT,"
    " loss_date TEXT, gestation_weeks INTEGER, loss_kind TEXT,"
    " partner_id INTEGER REFERENCES client(id),"
    " created_batch INTEGER REFERENCES batch(id)"
    "  DEFERRABLE INITIALLY DEFERRED,"
    " created_at TEXT NOT NULL);",
    "CREATE TABLE episode ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES client(id),"
    " started_on TEXT NOT NULL, ended_on TEXT);",
    "CREATE INDEX episode_client ON episode(client_id, started_on);",
    "CREATE TABLE definition ("
    " id INTEGER PRIMARY KEY,"
    " fingerprint TEXT NOT NULL UNIQUE,"
    " instrument TEXT NOT NULL, version TEXT NOT NULL,"
    " n_items INTEGER NOT NULL, scales TEXT NOT NULL, rules TEXT NOT NULL);",
    "CREATE TABLE assessment ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES client(id),"
    " instrument TEXT NOT NULL,"
    " administered_at TEXT NOT NULL,"
    " responses TEXT NOT NULL,"
    " definition_id INTEGER NOT NULL REFERENCES definition(id),"
    " scores TEXT NOT NULL,"
    " flags TEXT, rules TEXT,"
    " supersedes INTEGER REFERENCES assessment(id),"
    " reason TEXT,"
    " superseded_by INTEGER REFERENCES assessment(id),"
    " voided_at TEXT, void_reason TEXT);",
    /* history lookups and duplicate detection */
    "CREATE INDEX assessment_client ON assessment"
    " (client_id, administered_at);",
    "CREATE TABLE event ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES client(id),"
    " date TEXT NOT NULL, kind TEXT NOT NULL, label TEXT,"
    " created_at TEXT NOT NULL);",
    "CREATE INDEX event_client ON event(client_id, date);",
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,"
    " target TEXT NOT NULL, before TEXT, after TEXT,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
    "CREATE INDEX audit_target ON audit(target, seq);",
    "CREATE VIEW current_assessment AS SELECT * FROM assessment"
    " WHERE superseded_by IS NULL AND voided_at IS NULL;",
    "CREATE VIEW assessment_batch AS"
    " SELECT a.id AS assessment_id, b.id AS batch_id, b.method AS method,"
    " b.source AS source, b.entered_by AS entered_by,"
    " b.entered_at AS entered_at FROM assessment a JOIN batch b"
    " ON b.id = (SELECT id FROM batch WHERE last_id >= a.id"
    " ORDER BY last_id LIMIT 1) AND a.id >= b.first_id;",
    "CREATE VIEW item_response AS"
    " SELECT a.id AS assessment_id, a.client_id AS client_id,"
    " a.instrument AS instrument, r.key + 1 AS item, r.value AS code"
    " FROM assessment a, json_each(a.responses) r;",
    "CREATE VIEW assessment_scale AS"
    " SELECT a.id AS assessment_id,"
    " json_extract(d.scales, '$[' || s.key || ']') AS scale,"
    " json_extract(s.value, '$[0]') AS score,"
    " json_extract(s.value, '$[1]') AS band,"
    " json_extract(s.value, '$[2]') AS prorated"
    " FROM assessment a JOIN definition d ON d.id = a.definition_id,"
    " json_each(a.scores) s;",
    /* Guards against casual edits; verification does not rely on them. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "CREATE TRIGGER assessment_no_delete BEFORE DELETE ON assessment BEGIN"
    " SELECT RAISE(ABORT, 'assessments are never deleted'); END;",
    "CREATE TRIGGER assessment_frozen BEFORE UPDATE OF id, client_id,"
    " instrument, administered_at, responses, definition_id,"
    " scores, flags, rules, supersedes, reason ON assessment BEGIN"
    " SELECT RAISE(ABORT, 'assessments are never changed; amend makes a"
    " new version'); END;",
    "CREATE TRIGGER assessment_once BEFORE UPDATE OF superseded_by,"
    " voided_at, void_reason ON assessment"
    " WHEN OLD.superseded_by IS NOT NULL OR OLD.voided_at IS NOT NULL"
    " BEGIN SELECT RAISE(ABORT, 'a superseded or void assessment is never"
    " changed'); END;",
    "CREATE TRIGGER client_no_delete BEFORE DELETE ON client BEGIN"
    " SELECT RAISE(ABORT, 'clients are never deleted'); END;",
    "CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN"
    " SELECT RAISE(ABORT, 'events are never deleted'); END;",
    "CREATE TRIGGER batch_no_change BEFORE UPDATE ON batch BEGIN"
    " SELECT RAISE(ABORT, 'batches are never changed'); END;",
    "CREATE TRIGGER definition_no_change BEFORE UPDATE ON definition BEGIN"
    " SELECT RAISE(ABORT, 'definitions are never changed'); END;",
    NULL,
};

/*
 * Version 2: what clinicians did about alerts.  Alerts themselves are
 * computed from the data; a row here records an acknowledgement or a
 * resolution of the alert with that key, never changed or deleted.
 */
static const char *const schema_v2[] = {
    "CREATE TABLE alert_action ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES client(id),"
    " key TEXT NOT NULL, state TEXT NOT NULL, note TEXT,"
    " who TEXT NOT NULL, at TEXT NOT NULL);",
    "CREATE INDEX alert_action_key ON alert_action(key, id);",
    "CREATE TRIGGER alert_action_frozen BEFORE UPDATE ON alert_action BEGIN"
    " SELECT RAISE(ABORT, 'alert actions are never changed'); END;",
    "CREATE TRIGGER alert_action_no_delete BEFORE DELETE ON alert_action"
    " BEGIN SELECT RAISE(ABORT, 'alert actions are never deleted'); END;",
    NULL,
};

/*
 * Version 3: the clinic's settings (settings.c).  A row is one change of
 * one key; a NULL value returns the key to its default; the latest row
 * per key is in force.  Never changed or deleted.
 */
static const char *const schema_v3[] = {
    "CREATE TABLE setting_change ("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL, value TEXT,"
    " who TEXT NOT NULL, at TEXT NOT NULL);",
    "CREATE INDEX setting_change_key ON setting_change(key, id);",
    "CREATE TRIGGER setting_change_frozen BEFORE UPDATE ON setting_change"
    " BEGIN SELECT RAISE(ABORT, 'setting changes are never changed'); END;",
    "CREATE TRIGGER setting_change_no_delete BEFORE DELETE ON"
    " setting_change BEGIN SELECT RAISE(ABORT, 'setting changes are never"
    " deleted'); END;",
    NULL,
};

/*
 * Version 4: a client's identifier in another system ("SYSTEM|VALUE",
 * e.g. a hospital's MRN), for FHIR exchange; unique when present.
 */
static const char *const schema_v4[] = {
    "ALTER TABLE client ADD COLUMN external_id TEXT;",
    "CREATE UNIQUE INDEX client_external_id ON client(external_id)"
    " WHERE external_id IS NOT NULL;",
    NULL,
};

/*
 * Version 5: the server's people and links (store_account.c,
 * store_link.c).  Accounts and links are never deleted; their changes are
 * audited.  Secrets are kept only as hashes: Argon2id for passwords,
 * SHA-256 for session ids and link tokens.  Times used for expiry
 * arithmetic are Unix seconds.
 */
static const char *const schema_v5[] = {
    "CREATE TABLE account ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    " password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, password_set_at TEXT NOT NULL);",
    "CREATE TABLE session ("
    " id INTEGER PRIMARY KEY,"
    " id_hash TEXT NOT NULL UNIQUE,"
    " account_id INTEGER NOT NULL REFERENCES account(id),"
    " created INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " ended INTEGER);",
    "CREATE TABLE link ("
    " id INTEGER PRIMARY KEY,"
    " token_hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    " client_id INTEGER NOT NULL REFERENCES client(id),"
    " instruments TEXT NOT NULL,"
    " created_by TEXT NOT NULL, created_at TEXT NOT NULL,"
    " expires INTEGER NOT NULL, expires_at TEXT NOT NULL,"
    " used_at TEXT, revoked_at TEXT);",
    "CREATE INDEX link_client ON link(client_id);",
    "CREATE TRIGGER account_no_delete BEFORE DELETE ON account BEGIN"
    " SELECT RAISE(ABORT, 'accounts are never deleted'); END;",
    "CREATE TRIGGER link_no_delete BEFORE DELETE ON link BEGIN"
    " SELECT RAISE(ABORT, 'links are never deleted'); END;",
    "CREATE TRIGGER link_frozen BEFORE UPDATE OF id, token_hash, kind,"
    " client_id, instruments, created_by, created_at, expires, expires_at"
    " ON link BEGIN"
    " SELECT RAISE(ABORT, 'a link is never changed, only used or revoked');"
    " END;",
    NULL,
};

/*
 * Version 6: the store's change counter and the growth-model cache.
 * store_change.n goes up by one in every write transaction Cairn commits
 * (cairn__store_commit) but those that only log a view of a page, so it
 * names the state of the data durably
 * across processes (PRAGMA data_version is per connection).  A
 * model_cache row holds the pooled sufficient statistics of one
 * instrument scale's growth model (cohort.c) as of counter value
 * `change`; a row whose change is not the counter's is never used.
 */
static const char *const schema_v6[] = {
    "CREATE TABLE store_change ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);",
    "INSERT INTO store_change VALUES (1, 0);",
    "CREATE TABLE model_cache ("
    " instrument TEXT NOT NULL, scale TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, change INTEGER NOT NULL,"
    " n_clients INTEGER NOT NULL, designs BLOB NOT NULL,"
    " PRIMARY KEY (instrument, scale, fingerprint));",
    NULL,
};

/*
 * Version 7: the audit log keyed.  Only code: cairn__audit_key_migrate
 * checks the SHA-256 chain, re-chains every entry with HMAC-SHA-256
 * under the audit key and audits the definitions stored so far.
 */
static const char *const schema_v7[] = {NULL};

/*
 * Version 8: the release log (store_release.c).  A row is one population
 * published from this store (an aggregate summary): which clients, for
 * which scale, under which min-cell; never changed or deleted.  `members`
 * is a JSON array of client ids, ascending; it never leaves the store.
 */
static const char *const schema_v8[] = {
    "CREATE TABLE release_log ("
    " id INTEGER PRIMARY KEY,"
    " instrument TEXT NOT NULL, scale TEXT NOT NULL,"
    " min_cell INTEGER NOT NULL, n INTEGER NOT NULL,"
    " members TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);",
    "CREATE INDEX release_log_scale ON release_log(instrument, scale, id);",
    "CREATE TRIGGER release_log_frozen BEFORE UPDATE ON release_log BEGIN"
    " SELECT RAISE(ABORT, 'releases are never changed'); END;",
    "CREATE TRIGGER release_log_no_delete BEFORE DELETE ON release_log"
    " BEGIN SELECT RAISE(ABORT, 'releases are never deleted'); END;",
    NULL,
};

/*
 * Version 9: housekeeping and the counter made robust (store_prune.c,
 * store_cache.c).  A link may be deleted once it has expired (used or
 * not), which pruning does with an audit entry naming the links; a live
 * link never.  Triggers move the change counter on every write to a
 * table the clinical data lives in (counter_triggers; an insert of
 * assessments moves the highest id instead, and a new client has no
 * scores), so a change made with
 * another tool (the sqlite3 shell) also makes a cached model stale.
 */
static const char *const schema_v9[] = {
    "DROP TRIGGER link_no_delete;",
    /* cache rows of schema 8 carry no MAC: derived, so recomputed */
    "DELETE FROM model_cache;",
    "CREATE TRIGGER link_no_delete BEFORE DELETE ON link"
    " WHEN OLD.expires > CAST(strftime('%s', 'now') AS INTEGER) BEGIN"
    " SELECT RAISE(ABORT, 'a link is deleted only after it expired'); END;",
    NULL,
};

/* Forward migrations: entry v turns schema v into v + 1. */
static const char *const *const migrations[CAIRN_STORE_SCHEMA] = {
    [0] = schema_v1, [1] = schema_v2, [2] = schema_v3,
    [3] = schema_v4, [4] = schema_v5, [5] = schema_v6,
    [6] = schema_v7, [7] = schema_v8, [8] = schema_v9,
};

/* The tables whose every write moves the change counter (schema 9). */
static const char *const counted_tables[] = {
    "batch", "client", "episode",      "definition",     "assessment",
    "event", "audit",  "alert_action", "setting_change", "release_log",
};

static const char *const counted_ops[] = {"INSERT", "UPDATE", "DELETE"};

/* Whether table t has a counting trigger on operation o: not per
 * inserted assessment or client (imports insert millions): the cache
 * also compares the highest assessment id (store_cache.c), and a new
 * client has no scores yet.  Nor per inserted audit row: the audit log
 * changes no data the cache summarises, every Cairn write that changes
 * data moves the counter itself, and a page view (which only appends
 * to the log) must keep the cache (cairn__store_finish_log_only). */
static bool is_counted(size_t t, size_t o)
{
    return o != 0 || (strcmp(counted_tables[t], "assessment") != 0 &&
                      strcmp(counted_tables[t], "client") != 0 &&
                      strcmp(counted_tables[t], "audit") != 0);
}

/* Schema 9's hook: an AFTER INSERT, UPDATE and DELETE trigger on each
 * counted table adding one to store_change.n. */
static int counter_triggers(cairn_store *st, int from, cairn_error *err)
{
    char sql[256];
    int rc = CAIRN_OK;
    (void)from;
    for (size_t t = 0;
         rc == CAIRN_OK && t < sizeof counted_tables / sizeof counted_tables[0];
         t++) {
        for (size_t o = 0; rc == CAIRN_OK && o < 3; o++) {
            if (!is_counted(t, o)) {
                continue;
            }
            snprintf(sql, sizeof sql,
                     "CREATE TRIGGER IF NOT EXISTS %s_%s_counted AFTER %s ON %s"
                     " BEGIN"
                     " UPDATE store_change SET n = n + 1; END;",
                     counted_tables[t], counted_ops[o], counted_ops[o],
                     counted_tables[t]);
            rc = cairn__store_exec(st, sql, err);
        }
    }
    return rc;
}

int cairn__store_counter_check(cairn_store *st, cairn_error *err)
{
    char name[64];
    int rc = CAIRN_OK;
    sqlite3_stmt *s = NULL;
    if (st->schema < 9) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'trigger'"
                           " AND name = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    for (size_t t = 0;
         rc == CAIRN_OK && t < sizeof counted_tables / sizeof counted_tables[0];
         t++) {
        for (size_t o = 0; rc == CAIRN_OK && o < 3; o++) {
            if (!is_counted(t, o)) {
                continue;
            }
            snprintf(name, sizeof name, "%s_%s_counted", counted_tables[t],
                     counted_ops[o]);
            sqlite3_reset(s);
            sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
            int step = sqlite3_step(s);
            if (step == SQLITE_DONE) {
                rc = cairn_error_set(err, CAIRN_EINVAL,
                                     "trigger %s was removed behind Cairn's "
                                     "back: changes to %s would not be "
                                     "counted",
                                     name, counted_tables[t]);
            } else if (step != SQLITE_ROW) {
                rc = cairn__store_dberr(st, err);
            }
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* Code run after migration v's SQL (NULL: none); `from` is where the
 * file started (0: new). */
typedef int (*migration_hook)(cairn_store *st, int from, cairn_error *err);
static const migration_hook hooks[CAIRN_STORE_SCHEMA] = {
    [CAIRN__SCHEMA_KEYED - 1] = cairn__audit_key_migrate,
    [8] = counter_triggers,
};

/* ------------------------------------------------------------------ */
/* Statement cache, errors, transactions                               */

int cairn__store_dberr(cairn_store *st, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EDB, "%s: %s", st->path,
                           sqlite3_errmsg(st->db));
}

int cairn__store_step_err(cairn_store *st, bool oom, cairn_error *err)
{
    return oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
               : cairn__store_dberr(st, err);
}

int cairn__store_prep(cairn_store *st, enum cairn__stmt id, const char *sql,
                      sqlite3_stmt **out, cairn_error *err)
{
    sqlite3_stmt *s = st->stmt[id];
    if (s == NULL) {
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                               NULL) != SQLITE_OK) {
            *out = NULL;
            return cairn__store_dberr(st, err);
        }
        st->stmt[id] = s;
    } else {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    *out = s;
    return CAIRN_OK;
}

int cairn__store_exec(cairn_store *st, const char *sql, cairn_error *err)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    return CAIRN_OK;
}

int cairn__store_begin(cairn_store *st, cairn_error *err)
{
    if (st->read_only) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: opened read-only",
                               st->path);
    }
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY) {
        return cairn_error_set(err, CAIRN_EDB,
                               "%s: busy: another process kept it locked "
                               "for the whole wait; try again",
                               st->path);
    }
    if (rc != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    return CAIRN_OK;
}

int cairn__store_commit(cairn_store *st, cairn_error *err)
{
    /* Not while migrating: an older schema has no counter yet. */
    if (st->schema >= CAIRN__STORE_CHANGE_SCHEMA &&
        sqlite3_exec(st->db, "UPDATE store_change SET n = n + 1", NULL, NULL,
                     NULL) != SQLITE_OK) {
        int rc = cairn__store_dberr(st, err);
        cairn__store_rollback(st);
        return rc;
    }
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = cairn__store_dberr(st, err);
        cairn__store_rollback(st);
        return rc;
    }
    return CAIRN_OK;
}

int cairn__store_finish_log_only(cairn_store *st, int rc, cairn_error *err)
{
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        cairn__store_rollback(st);
    }
    return rc;
}

int cairn__store_finish(cairn_store *st, int rc, cairn_error *err)
{
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

int cairn_store_snapshot_begin(cairn_store *st, cairn_error *err)
{
    if (st->snapshots == 0) {
        st->snapshot_outer = !sqlite3_get_autocommit(st->db);
        if (!st->snapshot_outer &&
            sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            return cairn__store_dberr(st, err);
        }
    }
    st->snapshots++;
    return CAIRN_OK;
}

void cairn_store_snapshot_end(cairn_store *st)
{
    if (st->snapshots == 0 || --st->snapshots > 0 || st->snapshot_outer) {
        return;
    }
    /* it read only: COMMIT ends it; should that fail, ROLLBACK does */
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        cairn__store_rollback(st);
    }
}

void cairn__store_rollback(cairn_store *st)
{
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

void cairn__store_now(char out[CAIRN__DATE_MAX])
{
    cairn_date_now(out);
}

const char *cairn__store_col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

char *cairn__store_col_dup(sqlite3_stmt *s, int i, bool *oom)
{
    const char *t = cairn__store_col_text(s, i);
    if (t == NULL) {
        return NULL;
    }
    size_t n = strlen(t) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(p, t, n);
    return p;
}

json_t *cairn__store_col_value(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_INTEGER) {
        return json_integer(sqlite3_column_int64(s, i));
    }
    return cairn__json_string(cairn__store_col_text(s, i));
}

int cairn__store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL) {
        return sqlite3_bind_null(s, i);
    }
    return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

static int pragma_int(cairn_store *st, const char *sql, int *out,
                      cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        int code = sqlite3_errcode(st->db);
        sqlite3_finalize(s);
        if (code == SQLITE_NOTADB) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: not a Cairn database", st->path);
        }
        return cairn__store_dberr(st, err);
    }
    *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return CAIRN_OK;
}

static int migrate(cairn_store *st, int from, cairn_error *err)
{
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    /* Another process may have migrated while we waited for the lock. */
    int now = 0;
    rc = pragma_int(st, "PRAGMA user_version", &now, err);
    for (int v = now; rc == CAIRN_OK && v < CAIRN_STORE_SCHEMA; v++) {
        for (size_t i = 0; rc == CAIRN_OK && migrations[v][i] != NULL; i++) {
            rc = cairn__store_exec(st, migrations[v][i], err);
        }
        if (rc == CAIRN_OK && hooks[v] != NULL) {
            rc = hooks[v](st, now, err);
        }
        if (rc == CAIRN_OK && v + 1 >= CAIRN__SCHEMA_KEYED) {
            st->keyed = true;
        }
    }
    if (rc == CAIRN_OK && now < CAIRN_STORE_SCHEMA) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 CAIRN_STORE_SCHEMA);
        rc = cairn__store_exec(st, sql, err);
    }
    if (rc == CAIRN_OK && from == 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", CAIRN_APP_ID);
        rc = cairn__store_exec(st, sql, err);
    }
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

/* Make the file with mode 0600 before SQLite opens it. */
static int create_file(const char *path, cairn_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            return cairn_error_set(err, CAIRN_EEXISTS, "%s already exists",
                                   path);
        }
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    close(fd);
    return CAIRN_OK;
}

/*
 * Read the first 100 bytes (SQLite's file header) before SQLite opens the
 * file, so nothing is changed in an empty file or another program's
 * database.  A Cairn file carries CAIRN_APP_ID at offset 68; a new one
 * whose first commit still sits in its write-ahead log has 0 there and
 * is already in WAL mode (bytes 18-19 = 2), so opening it converts
 * nothing and the schema check after the open decides.
 */
static int check_header(const char *path, cairn_error *err)
{
    unsigned char h[100];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n == 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: not a Cairn database (an empty file); "
                               "'cairn init' makes a new one under a new "
                               "name",
                               path);
    }
    if (n < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: not a Cairn database",
                               path);
    }
    uint32_t app = (uint32_t)h[68] << 24 | (uint32_t)h[69] << 16 |
                   (uint32_t)h[70] << 8 | h[71];
    bool wal = h[18] == 2 && h[19] == 2;
    if (app != CAIRN_APP_ID && !(app == 0 && wal)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: not a Cairn database (another "
                               "program's SQLite file; left unchanged)",
                               path);
    }
    return CAIRN_OK;
}

static int check_existing(const char *path, cairn_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) {
            return cairn_error_set(err, CAIRN_ENOTFOUND, "%s: no such database",
                                   path);
        }
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: not a Cairn database (not a file)", path);
    }
    return check_header(path, err);
}

static int configure(cairn_store *st, const cairn_store_options *o, bool memory,
                     cairn_error *err)
{
    st->busy_timeout_ms = o->busy_timeout_ms;
    sqlite3_busy_timeout(st->db, o->busy_timeout_ms);
    sqlite3_extended_result_codes(st->db, 0);
    int rc = cairn__store_exec(st, "PRAGMA foreign_keys = ON", err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_exec(st, "PRAGMA cache_size = -65536", err);
    }
    if (rc == CAIRN_OK && !memory && !o->read_only) {
        rc = cairn__store_exec(st, "PRAGMA journal_mode = WAL", err);
        if (rc < 0 && sqlite3_errcode(st->db) == SQLITE_NOTADB) {
            rc = cairn_error_set(err, CAIRN_EINVAL, "%s: not a Cairn database",
                                 st->path);
        }
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_exec(st, "PRAGMA synchronous = FULL", err);
    }
    return rc;
}

static int check_schema(cairn_store *st, cairn_error *err)
{
    int app = 0;
    int rc = pragma_int(st, "PRAGMA application_id", &app, err);
    if (rc < 0) {
        return rc;
    }
    if (app != CAIRN_APP_ID) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: not a Cairn database",
                               st->path);
    }
    rc = pragma_int(st, "PRAGMA user_version", &st->schema, err);
    if (rc < 0) {
        return rc;
    }
    if (st->schema > CAIRN_STORE_SCHEMA) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: schema version %d is newer than this "
                               "cairn's (%d); upgrade cairn",
                               st->path, st->schema, CAIRN_STORE_SCHEMA);
    }
    if (st->schema < CAIRN_STORE_SCHEMA && !st->read_only) {
        rc = migrate(st, st->schema, err);
        st->schema = CAIRN_STORE_SCHEMA;
    }
    return rc;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/*
 * SQLite keeps memory statistics behind a global mutex on every
 * allocation unless told not to before it starts; nothing in Cairn reads
 * them, and they cost about 6% of a cohort scan.  Once per process, and
 * harmless when the program started SQLite first (sqlite3_config then
 * refuses, and the statistics stay on).
 */
static void sqlite_setup(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(cairn_store *st, const cairn_store_options *o, bool memory,
                   cairn_error *err)
{
    static once_flag setup = ONCE_FLAG_INIT;
    call_once(&setup, sqlite_setup);
    int flags = o->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (memory) {
        flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(st->path, &st->db, flags, NULL) != SQLITE_OK) {
        if (st->db == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", st->path,
                               sqlite3_errmsg(st->db));
    }
    return CAIRN_OK;
}

int cairn_store_open(cairn_store **out, const char *path,
                     const cairn_store_options *opts, cairn_error *err)
{
    static const cairn_store_options defaults = CAIRN_STORE_OPTIONS_INIT;
    const cairn_store_options *o = opts != NULL ? opts : &defaults;
    bool memory = strcmp(path, ":memory:") == 0;
    cairn_store *st = NULL;
    int rc = CAIRN_OK;
    *out = NULL;
    if (memory && !o->create) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an in-memory store must be created");
    }
    const char *actor = o->actor ? o->actor : "unknown";
    size_t an = strlen(actor);
    if (an == 0 || an > CAIRN_STORE_ACTOR_MAX ||
        !cairn__store_text_is_clean(actor, an, false)) {
        char shown[4 * CAIRN_STORE_ACTOR_MAX + 8];
        cairn__util_escape(shown, sizeof shown, actor,
                           an > CAIRN_STORE_ACTOR_MAX ? CAIRN_STORE_ACTOR_MAX
                                                      : an);
        return cairn_error_set(err, CAIRN_EINVAL,
                               "who-name '%s%s' is not printable text of "
                               "1 to %d bytes",
                               shown, an > CAIRN_STORE_ACTOR_MAX ? "..." : "",
                               CAIRN_STORE_ACTOR_MAX);
    }
    rc = o->create ? (memory ? CAIRN_OK : create_file(path, err))
                   : check_existing(path, err);
    if (rc == CAIRN_OK && !memory) {
        rc = cairn__store_check_local(path, err);
        if (rc < 0 && o->create) {
            unlink(path);
        }
    }
    if (rc < 0) {
        return rc;
    }
    bool made_db = o->create && !memory;
    st = calloc(1, sizeof *st);
    if (st == NULL || (st->path = dup_str(path)) == NULL ||
        (st->actor = dup_str(actor)) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    st->read_only = o->read_only && !o->create;
    rc = cairn__audit_key_setup(st, o->audit_key, o->create, memory, err);
    if (rc == CAIRN_OK) {
        rc = open_db(st, o, memory, err);
    }
    if (rc == CAIRN_OK) {
        rc = configure(st, o, memory, err);
    }
    if (rc == CAIRN_OK && o->create) {
        rc = migrate(st, 0, err);
    }
    if (rc == CAIRN_OK) {
        rc = check_schema(st, err);
    }
    if (rc == CAIRN_OK) {
        st->keyed = st->schema >= CAIRN__SCHEMA_KEYED;
        rc = cairn__audit_key_reload(st, err);
    }
out:
    if (rc < 0 && st != NULL && st->db != NULL &&
        sqlite3_errcode(st->db) == SQLITE_NOTADB) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "%s: not a Cairn database",
                             path);
    }
    if (rc < 0) {
        if (st != NULL && st->made_key) {
            unlink(st->audit_key_path);
        }
        cairn_store_close(st);
        if (made_db) {
            unlink(path);
        }
        return rc;
    }
    *out = st;
    return CAIRN_OK;
}

void cairn_store_close(cairn_store *st)
{
    if (st == NULL) {
        return;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
    }
    sqlite3_close(st->db);
    cairn__crypto_wipe(st->chain_key, sizeof st->chain_key);
    cairn__crypto_wipe(st->sign_seed, sizeof st->sign_seed);
    free(st->path);
    free(st->actor);
    free(st->audit_key_path);
    free(st);
}

int cairn_store_set_actor(cairn_store *st, const char *actor, cairn_error *err)
{
    const char *a = actor != NULL ? actor : "unknown";
    if (a[0] == '\0' || strlen(a) > 128 ||
        !cairn__store_text_is_clean(a, strlen(a), false)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an actor is 1-128 printable characters");
    }
    char *p = dup_str(a);
    if (p == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    free(st->actor);
    st->actor = p;
    return CAIRN_OK;
}

const char *cairn_store_actor(const cairn_store *st)
{
    return st->actor;
}

const char *cairn_store_path(const cairn_store *st)
{
    return st->path;
}

int cairn_store_schema_version(const cairn_store *st)
{
    return st->schema;
}

/* ------------------------------------------------------------------ */
/* Text buffer                                                         */

static bool buf_grow(cairn__buf *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    if (b->len + extra + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void cairn__buf_put(cairn__buf *b, const char *s, size_t n)
{
    if (!buf_grow(b, n)) {
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cairn__buf_puts(cairn__buf *b, const char *s)
{
    cairn__buf_put(b, s, strlen(s));
}

void cairn__buf_putc(cairn__buf *b, char c)
{
    if (!buf_grow(b, 1)) {
        return;
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

/* The decimal text of `v` at `o` (room for INT_TEXT_MAX); its length. */
#define INT_TEXT_MAX 21

static size_t int_text(char *o, long long v)
{
    char tmp[INT_TEXT_MAX];
    size_t n = 0, k = 0;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        tmp[n++] = '-';
    }
    while (n > 0) {
        o[k++] = tmp[--n];
    }
    return k;
}

void cairn__buf_int(cairn__buf *b, long long v)
{
    if (!buf_grow(b, INT_TEXT_MAX)) {
        return;
    }
    b->len += int_text(b->p + b->len, v);
    b->p[b->len] = '\0';
}

static int append_json(const char *buffer, size_t size, void *data)
{
    cairn__buf *b = data;
    cairn__buf_put(b, buffer, size);
    return b->oom ? -1 : 0;
}

void cairn__buf_json(cairn__buf *b, json_t *v)
{
    if (v == NULL || json_dump_callback(v, append_json, b,
                                        JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        b->oom = true;
    }
    json_decref(v);
}

json_t *cairn__json_number(double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        return json_integer((json_int_t)v);
    }
    return json_real(v);
}

json_t *cairn__json_string(const char *s)
{
    return s ? json_string(s) : json_null();
}

void cairn__json_set(json_t *o, const char *key, json_t *v, bool *oom)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0) {
        *oom = true;
    }
}

void cairn__buf_free(cairn__buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

/* ------------------------------------------------------------------ */
/* Dates and codes                                                     */

int cairn__store_date_normalize(char out[CAIRN__DATE_MAX], const char *s,
                                size_t len, bool date_only, bool allow_future)
{
    cairn_date d;
    if (cairn_date_parse(&d, s, len, NULL) < 0 || (date_only && d.has_time) ||
        d.year < 1900 || d.year > 2199) {
        return CAIRN__DATE_BAD;
    }
    if (!allow_future && d.seconds > (int64_t)time(NULL) + 86400) {
        return CAIRN__DATE_FUTURE;
    }
    memcpy(out, d.text, CAIRN__DATE_MAX);
    return CAIRN__DATE_OK;
}

bool cairn__store_text_is_clean(const char *s, size_t len, bool multiline)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp = (unsigned char)s[i];
        size_t n = cp < 0x80 ? 1 : cairn__utf8_next(s + i, len - i, &cp);
        if (n == 0) {
            return false;
        }
        /* C0 (but tab and newline in notes), DEL and C1 controls: C1
         * holds the terminal's CSI, so none of them is ever stored */
        bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (control && !(multiline && (cp == '\n' || cp == '\t'))) {
            return false;
        }
        i += n;
    }
    return true;
}

bool cairn__store_code_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > 64) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
                  c == '/';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Row digests                                                         */

#define DIGEST_CHUNK (1u << 20)

void cairn__digest_init(cairn__digest *d)
{
    memset(d, 0, sizeof *d);
    memset(d->hex, '0', CAIRN__SHA256_HEX);
}

static int digest_flush(cairn__digest *d, cairn_error *err)
{
    if (d->chunk.len == 0) {
        cairn__buf_put(&d->chunk, d->hex, CAIRN__SHA256_HEX);
    }
    if (d->chunk.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn__crypto_sha256_hex(d->chunk.p, d->chunk.len, d->hex, err);
    d->chunk.len = 0;
    return rc;
}

int cairn__digest_add(cairn__digest *d, const char *row, size_t len,
                      cairn_error *err)
{
    if (d->chunk.len == 0) {
        cairn__buf_put(&d->chunk, d->hex, CAIRN__SHA256_HEX);
    }
    cairn__buf_put(&d->chunk, row, len);
    d->rows++;
    if (d->chunk.len >= DIGEST_CHUNK) {
        return digest_flush(d, err);
    }
    return d->chunk.oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                        : CAIRN_OK;
}

int cairn__digest_final(cairn__digest *d, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (d->chunk.len > 0 || d->rows == 0) {
        rc = digest_flush(d, err);
    }
    cairn__buf_free(&d->chunk);
    return rc;
}

void cairn__digest_free(cairn__digest *d)
{
    cairn__buf_free(&d->chunk);
}

void cairn__assess_digest_line(cairn__buf *b, const cairn__assess_fields *f)
{
    const char *text[] = {f->instrument, f->administered_at, f->responses,
                          f->scores,     f->flags,           f->rules,
                          f->reason};
    enum { N = sizeof text / sizeof text[0] };
    size_t len[N], need = 2 + 4 * (INT_TEXT_MAX + 1);
    for (size_t i = 0; i < N; i++) {
        len[i] = text[i] != NULL ? strlen(text[i]) : 0;
        need += len[i] + INT_TEXT_MAX + 2;
    }
    /* one reservation, then the bytes in place (once per stored row) */
    if (!buf_grow(b, need)) {
        return;
    }
    char *o = b->p + b->len;
    const int64_t ids[3] = {f->id, f->client_id, f->definition_id};
    *o++ = 'a';
    for (size_t i = 0; i < 3; i++) {
        o += int_text(o, ids[i]);
        *o++ = '|';
    }
    for (size_t i = 0; i < N; i++) {
        /* length-prefixed, so free text cannot forge a field boundary */
        if (text[i] == NULL) {
            *o++ = '~';
        } else {
            o += int_text(o, (long long)len[i]);
            *o++ = ':';
            memcpy(o, text[i], len[i]);
            o += len[i];
        }
        *o++ = '|';
    }
    o += int_text(o, f->supersedes);
    *o++ = '\n';
    *o = '\0';
    b->len = (size_t)(o - b->p);
}

void cairn__client_digest_line(cairn__buf *b, int64_t id, const char *code)
{
    cairn__buf_putc(b, 'c');
    cairn__buf_int(b, id);
    cairn__buf_putc(b, '|');
    cairn__buf_puts(b, code);
    cairn__buf_putc(b, '\n');
}
