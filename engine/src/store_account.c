/*
 * store_account.c - accounts, login sessions and view records (schema
 * version 3).
 *
 * Passwords are kept as Argon2id strings and session ids as SHA-256 (both
 * through crypto.c); neither secret reaches the audit log.  An account's
 * audit `after` is its row without the hash, so verification finds a role
 * or a disabled flag changed behind Cairn's back.  Sessions are not part
 * of the record: they are audited as logins and logouts only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

#define NAME_MAX_LEN 64

static const char *const role_names[CAIRN_ROLE_COUNT] = {
    [CAIRN_ROLE_CLINICIAN] = "clinician",
    [CAIRN_ROLE_SUPERVISOR] = "supervisor",
    [CAIRN_ROLE_MANAGER] = "manager",
    [CAIRN_ROLE_RESEARCHER] = "researcher",
};

const char *cairn_role_name(cairn_role role)
{
    if ((int)role < 0 || role >= CAIRN_ROLE_COUNT) {
        return "unknown";
    }
    return role_names[role];
}

int cairn_role_parse(cairn_role *out, const char *name, cairn_error *err)
{
    for (int i = 0; i < CAIRN_ROLE_COUNT; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (cairn_role)i;
            return CAIRN_OK;
        }
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "role '%.40s' is not one of clinician, "
                           "supervisor, manager, researcher",
                           name);
}

bool cairn_role_sees_practice(cairn_role role)
{
    return role == CAIRN_ROLE_SUPERVISOR || role == CAIRN_ROLE_MANAGER;
}

void cairn__store_iso(int64_t t, char out[CAIRN__DATE_MAX])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, CAIRN__DATE_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int check_name(const char *name, cairn_error *err)
{
    size_t n = name != NULL ? strlen(name) : 0;
    bool ok = n > 0 && n <= NAME_MAX_LEN;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
             c == '@';
    }
    if (!ok) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "account name '%.70s' must be 1-%d of "
                               "A-Z a-z 0-9 . _ - @",
                               name ? name : "", NAME_MAX_LEN);
    }
    return CAIRN_OK;
}

static int check_password(const char *pw, cairn_error *err)
{
    size_t n = pw != NULL ? strlen(pw) : 0;
    if (n < CAIRN_PASSWORD_MIN || n > CAIRN_PASSWORD_MAX) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a password must be %d to %d characters "
                               "(this one has %zu)",
                               CAIRN_PASSWORD_MIN, CAIRN_PASSWORD_MAX, n);
    }
    return CAIRN_OK;
}

int cairn__account_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err)
{
    static const char *const keys[] = {
        "id", "name", "role", "disabled", "created_at", "password_set_at"};
    return cairn__store_row_state(st,
                                  "SELECT id, name, role, disabled,"
                                  " created_at, password_set_at FROM account"
                                  " WHERE id = ?",
                                  id, keys, 6, out, err);
}

int cairn__audit_row(cairn_store *st, const char *action, const char *kind,
                     int64_t id, const char *before,
                     int (*state)(cairn_store *, int64_t, cairn__buf *,
                                  cairn_error *),
                     cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[48];
    snprintf(target, sizeof target, "%.20s:%lld", kind, (long long)id);
    int rc = state(st, id, &after, err);
    if (rc == CAIRN_OK) {
        rc = cairn__audit_append(st, action, target, before, after.p, err);
    }
    cairn__buf_free(&after);
    return rc;
}

static int audit_account(cairn_store *st, const char *action, int64_t id,
                         const char *before, cairn_error *err)
{
    return cairn__audit_row(st, action, "account", id, before,
                            cairn__account_state, err);
}

/* Run `sql` (bound: ?1 = text or id) expecting one changed row. */
static int exec_one(cairn_store *st, const char *sql, int64_t a,
                    const char *text, int64_t *changed, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int rc = CAIRN_OK;
    sqlite3_bind_int64(s, 1, a);
    cairn__store_bind_text(s, 2, text);
    int step = sqlite3_step(s);
    if (step != SQLITE_DONE) {
        rc = sqlite3_errcode(st->db) == SQLITE_CONSTRAINT
                 ? cairn_error_set(err, CAIRN_EEXISTS, "already exists")
                 : cairn__store_dberr(st, err);
    }
    if (changed != NULL) {
        *changed = sqlite3_changes(st->db);
    }
    sqlite3_finalize(s);
    return rc;
}

int cairn_store_account_add(cairn_store *st, const char *name, cairn_role role,
                            const char *password, int64_t *id, cairn_error *err)
{
    char hash[CAIRN__PWHASH_MAX], now[CAIRN__DATE_MAX];
    sqlite3_stmt *s = NULL;
    int rc = check_name(name, err);
    if (rc == CAIRN_OK) {
        rc = check_password(password, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_pwhash(hash, password, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    cairn__store_now(now);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO account (name, role, password_hash,"
                           " created_at, password_set_at)"
                           " VALUES (?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cairn_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = sqlite3_errcode(st->db) == SQLITE_CONSTRAINT
                 ? cairn_error_set(err, CAIRN_EEXISTS,
                                   "account '%s' already exists", name)
                 : cairn__store_dberr(st, err);
        goto out;
    }
    int64_t new_id = sqlite3_last_insert_rowid(st->db);
    rc = audit_account(st, "account.add", new_id, NULL, err);
    if (rc == CAIRN_OK && id != NULL) {
        *id = new_id;
    }
out:
    sqlite3_finalize(s);
    cairn__crypto_wipe(hash, sizeof hash);
    return cairn__store_finish_log_only(st, rc, err);
}

/* The id and audit state of account `name`, inside a transaction. */
static int account_id(cairn_store *st, const char *name, int64_t *id,
                      cairn__buf *before, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM account WHERE name = ?", -1,
                           &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no account '%.70s'", name);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK) {
        rc = cairn__account_state(st, *id, before, err);
    }
    return rc;
}

/* End every live session of account `id`. */
static int end_sessions(cairn_store *st, int64_t id, cairn_error *err)
{
    return exec_one(st,
                    "UPDATE session SET ended = CAST(strftime('%s') AS"
                    " INTEGER) WHERE account_id = ?1 AND ended IS NULL"
                    " AND ?2 IS NULL",
                    id, NULL, NULL, err);
}

/* Change account `name` with `sql` (?1 = id, ?2 = text), audited. */
static int change_account(cairn_store *st, const char *name, const char *action,
                          const char *sql, const char *text,
                          bool refuse_disabled, cairn_error *err)
{
    cairn__buf before = CAIRN__BUF_INIT;
    int64_t id = 0, changed = 0;
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    rc = account_id(st, name, &id, &before, err);
    if (rc == CAIRN_OK) {
        rc = exec_one(st, sql, id, text, &changed, err);
    }
    if (rc == CAIRN_OK && changed == 0 && refuse_disabled) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "account '%.70s' is already disabled", name);
    }
    if (rc == CAIRN_OK) {
        rc = end_sessions(st, id, err);
    }
    if (rc == CAIRN_OK) {
        rc = audit_account(st, action, id, before.p, err);
    }
    cairn__buf_free(&before);
    return cairn__store_finish_log_only(st, rc, err);
}

int cairn_store_account_set_password(cairn_store *st, const char *name,
                                     const char *password, cairn_error *err)
{
    char hash[CAIRN__PWHASH_MAX];
    int rc = check_password(password, err);
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_pwhash(hash, password, err);
    }
    if (rc == CAIRN_OK) {
        rc = change_account(st, name, "account.passwd",
                            "UPDATE account SET password_hash = ?2,"
                            " password_set_at ="
                            " strftime('%Y-%m-%dT%H:%M:%SZ') WHERE id = ?1",
                            hash, false, err);
    }
    cairn__crypto_wipe(hash, sizeof hash);
    return rc;
}

int cairn_store_account_disable(cairn_store *st, const char *name,
                                cairn_error *err)
{
    return change_account(st, name, "account.disable",
                          "UPDATE account SET disabled = 1 WHERE id = ?1"
                          " AND disabled = 0 AND ?2 IS NULL",
                          NULL, true, err);
}

/* ------------------------------------------------------------------ */
/* Reading accounts                                                    */

static const char account_cols[] =
    "a.id, a.name, a.role, a.disabled, a.created_at, a.password_set_at";

/* Fill `a` from columns `c`.. of `s`; strings are copied into `pool`. */
static void read_account(cairn_account *a, sqlite3_stmt *s, int c, bool *oom)
{
    cairn_role role = CAIRN_ROLE_RESEARCHER;
    a->id = sqlite3_column_int64(s, c);
    a->name = cairn__store_col_dup(s, c + 1, oom);
    const char *r = cairn__store_col_text(s, c + 2);
    if (r == NULL || cairn_role_parse(&role, r, NULL) < 0) {
        role = CAIRN_ROLE_RESEARCHER; /* least privilege if unreadable */
    }
    a->role = role;
    a->disabled = sqlite3_column_int(s, c + 3) != 0;
    a->created_at = cairn__store_col_dup(s, c + 4, oom);
    a->password_set_at = cairn__store_col_dup(s, c + 5, oom);
}

static void account_fields_free(cairn_account *a)
{
    free((void *)a->name);
    free((void *)a->created_at);
    free((void *)a->password_set_at);
}

void cairn_store_account_free(cairn_account *a)
{
    if (a == NULL) {
        return;
    }
    account_fields_free(a);
    free(a);
}

/* Account `name` with its hash (malloc'd into *hash), or ENOTFOUND. */
static int load_account(cairn_account **out, char **hash, cairn_store *st,
                        const char *name, cairn_error *err)
{
    char sql[200];
    sqlite3_stmt *s = NULL;
    bool oom = false;
    *out = NULL;
    snprintf(sql, sizeof sql,
             "SELECT %s, a.password_hash FROM account a WHERE a.name = ?",
             account_cols);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    cairn_account *a = NULL;
    if (step == SQLITE_ROW) {
        a = calloc(1, sizeof *a);
        if (a == NULL) {
            oom = true;
        } else {
            read_account(a, s, 0, &oom);
            if (hash != NULL) {
                *hash = cairn__store_col_dup(s, 6, &oom);
            }
        }
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no account '%.70s'", name);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK && oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc < 0) {
        cairn_store_account_free(a);
        return rc;
    }
    *out = a;
    return CAIRN_OK;
}

int cairn_store_account_get(cairn_account **out, cairn_store *st,
                            const char *name, cairn_error *err)
{
    return load_account(out, NULL, st, name, err);
}

int cairn_store_account_login(cairn_account **out, cairn_store *st,
                              const char *name, const char *password,
                              cairn_error *err)
{
    cairn_account *a = NULL;
    char *hash = NULL;
    char dummy[CAIRN__PWHASH_MAX];
    *out = NULL;
    int rc = load_account(&a, &hash, st, name, err);
    if (rc < 0 && rc != CAIRN_ENOTFOUND) {
        return rc;
    }
    bool ok = false;
    if (a != NULL && hash != NULL) {
        ok = cairn__crypto_pwverify(hash, password) && !a->disabled;
    } else {
        /* the same work for an unknown name, so timing tells nothing */
        rc = cairn__crypto_pwhash(dummy, password, err);
        if (rc < 0) {
            return rc;
        }
    }
    free(hash);
    if (!ok) {
        cairn_store_account_free(a);
        return cairn_error_set(err, CAIRN_EINVAL, "wrong name or password");
    }
    *out = a;
    return CAIRN_OK;
}

int cairn_store_account_list(cairn_account_list **out, cairn_store *st,
                             cairn_error *err)
{
    char sql[160];
    sqlite3_stmt *s = NULL;
    bool oom = false;
    size_t cap = 0;
    int rc = CAIRN_OK;
    *out = NULL;
    cairn_account_list *list = calloc(1, sizeof *list);
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM account a ORDER BY a.name",
             account_cols);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (list->n == cap) {
            cap = cap ? cap * 2 : 8;
            cairn_account *p = realloc(list->items, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                goto out;
            }
            list->items = p;
        }
        read_account(&list->items[list->n++], s, 0, &oom);
    }
    if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    } else if (oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_account_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}

void cairn_store_account_list_free(cairn_account_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        account_fields_free(&list->items[i]);
    }
    free(list->items);
    free(list);
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

static int sid_hash(const char *sid, char out[CAIRN__SHA256_HEX + 1],
                    cairn_error *err)
{
    return cairn__crypto_sha256_hex(sid, strlen(sid), out, err);
}

static bool sid_is_wellformed(const char *sid)
{
    if (sid == NULL || strlen(sid) != CAIRN_SESSION_ID_LEN) {
        return false;
    }
    for (const char *p = sid; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int audit_session(cairn_store *st, const char *action, int64_t id,
                         const char *account, cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[40];
    snprintf(target, sizeof target, "session:%lld", (long long)id);
    cairn__buf_json(&after, json_pack("{s:s}", "account", account));
    int rc = after.oom
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : cairn__audit_append(st, action, target, NULL, after.p, err);
    cairn__buf_free(&after);
    return rc;
}

int cairn_store_session_new(char sid[CAIRN_SESSION_ID_LEN + 1], cairn_store *st,
                            int64_t account_id, int64_t now, cairn_error *err)
{
    char hash[CAIRN__SHA256_HEX + 1], name[NAME_MAX_LEN + 1] = "";
    sqlite3_stmt *s = NULL;
    sid[0] = '\0';
    int rc = cairn__crypto_token_hex(sid, CAIRN_SESSION_ID_LEN / 2, err);
    if (rc == CAIRN_OK) {
        rc = sid_hash(sid, hash, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        sid[0] = '\0';
        return rc;
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO session (id_hash, account_id,"
                           " created, last_seen) SELECT ?, id, ?, ? FROM"
                           " account WHERE id = ? AND disabled = 0"
                           " RETURNING (SELECT name FROM account"
                           " WHERE id = account_id)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, account_id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        snprintf(name, sizeof name, "%s", cairn__store_col_text(s, 0));
        step = sqlite3_step(s);
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no enabled account %lld",
                             (long long)account_id);
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc == CAIRN_OK) {
        rc = audit_session(st, "session.login",
                           sqlite3_last_insert_rowid(st->db), name, err);
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn__store_rollback(st);
        cairn__crypto_wipe(sid, CAIRN_SESSION_ID_LEN + 1);
        return rc;
    }
    rc = cairn__store_finish_log_only(st, rc, err);
    if (rc < 0) {
        cairn__crypto_wipe(sid, CAIRN_SESSION_ID_LEN + 1);
    }
    return rc;
}

static int touch_session(cairn_store *st, int64_t id, int64_t now,
                         cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE session SET last_seen = ? WHERE id = ?", -1,
                           &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, id);
    int rc =
        sqlite3_step(s) == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(st, err);
    sqlite3_finalize(s);
    return rc;
}

int cairn_store_session_find(cairn_session **out, cairn_store *st,
                             const char *sid,
                             const cairn_session_limits *limits, int64_t now,
                             cairn_error *err)
{
    char hash[CAIRN__SHA256_HEX + 1], sql[400];
    sqlite3_stmt *s = NULL;
    bool oom = false;
    cairn_session *se = NULL;
    *out = NULL;
    if (!sid_is_wellformed(sid)) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no such session");
    }
    int rc = sid_hash(sid, hash, err);
    if (rc < 0) {
        return rc;
    }
    snprintf(sql, sizeof sql,
             "SELECT s.id, s.created, s.last_seen, %s FROM session s"
             " JOIN account a ON a.id = s.account_id WHERE s.id_hash = ?1"
             " AND s.ended IS NULL AND a.disabled = 0"
             " AND ?2 - s.last_seen <= ?3 AND ?2 - s.created <= ?4",
             account_cols);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, limits->idle_seconds);
    sqlite3_bind_int64(s, 4, limits->absolute_seconds);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        se = calloc(1, sizeof *se);
        if (se == NULL) {
            oom = true;
        } else {
            se->id = sqlite3_column_int64(s, 0);
            se->created = sqlite3_column_int64(s, 1);
            se->last_seen = now;
            read_account(&se->account, s, 3, &oom);
        }
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no such session");
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK && oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK) {
        rc = touch_session(st, se->id, now, err);
    }
    if (rc < 0) {
        cairn_store_session_free(se);
        return rc;
    }
    *out = se;
    return CAIRN_OK;
}

void cairn_store_session_free(cairn_session *s)
{
    if (s == NULL) {
        return;
    }
    account_fields_free(&s->account);
    free(s);
}

int cairn_store_session_end(cairn_store *st, const char *sid, int64_t now,
                            cairn_error *err)
{
    char hash[CAIRN__SHA256_HEX + 1];
    sqlite3_stmt *s = NULL;
    if (!sid_is_wellformed(sid)) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no such session");
    }
    int rc = sid_hash(sid, hash, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE session SET ended = ? WHERE id_hash = ?"
                           " AND ended IS NULL RETURNING id, (SELECT name"
                           " FROM account WHERE id = account_id)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        char name[NAME_MAX_LEN + 1];
        snprintf(name, sizeof name, "%s", cairn__store_col_text(s, 1));
        step = sqlite3_step(s);
        rc = step == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(st, err);
        sqlite3_finalize(s);
        s = NULL;
        if (rc == CAIRN_OK) {
            rc = audit_session(st, "session.logout", id, name, err);
        }
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no such session");
    } else {
        rc = cairn__store_dberr(st, err);
    }
out:
    sqlite3_finalize(s);
    return cairn__store_finish_log_only(st, rc, err);
}

/* ------------------------------------------------------------------ */
/* Who looked at what                                                  */

int cairn_store_audit_view(cairn_store *st, const char *what,
                           const char *client_code, cairn_error *err)
{
    char target[48];
    int64_t client = 0;
    if (what == NULL || what[0] == '\0' || strlen(what) > 64 ||
        !cairn__store_text_is_clean(what, strlen(what), false)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a view is named by 1-64 printable "
                               "characters");
    }
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    if (client_code != NULL) {
        rc = cairn__store_client_id(st, client_code, &client, NULL, err);
        snprintf(target, sizeof target, "view:client:%lld", (long long)client);
    } else {
        snprintf(target, sizeof target, "view:clients");
    }
    cairn__buf after = CAIRN__BUF_INIT;
    cairn__buf_json(&after, json_pack("{s:s}", "page", what));
    if (rc == CAIRN_OK) {
        rc = after.oom
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : cairn__audit_append(st, "view", target, NULL, after.p, err);
    }
    cairn__buf_free(&after);
    return cairn__store_finish_log_only(st, rc, err);
}
