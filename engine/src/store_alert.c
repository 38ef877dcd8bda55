/*
 * store_alert.c - what clinicians did about alerts: append-only rows in
 * alert_action (schema version 2), each audited, the latest per key
 * counting.
 */
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

/* Longest alert key and note. */
#define KEY_MAX 63
#define NOTE_MAX 500

const char *cairn_alert_state_name(cairn_alert_state state)
{
    switch (state) {
    case CAIRN_ALERT_ACKNOWLEDGED:
        return "acknowledged";
    case CAIRN_ALERT_RESOLVED:
        return "resolved";
    case CAIRN_ALERT_OPEN:
        break;
    }
    return "open";
}

int cairn__alert_state(cairn_store *st, int64_t id, cairn__buf *out,
                       cairn_error *err)
{
    static const char *const keys[] = {"id",   "client_id", "key", "state",
                                       "note", "who",       "at"};
    return cairn__store_row_state(st,
                                  "SELECT id, client_id, key, state, note,"
                                  " who, at FROM alert_action WHERE id = ?",
                                  id, keys, 7, out, err);
}

static int check_input(const char *key, cairn_alert_state state,
                       const char *note, cairn_error *err)
{
    if (state != CAIRN_ALERT_ACKNOWLEDGED && state != CAIRN_ALERT_RESOLVED) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an alert can be acknowledged or resolved, "
                               "not set to %d",
                               (int)state);
    }
    if (key == NULL || key[0] == '\0' || strlen(key) > KEY_MAX ||
        !cairn__store_text_is_clean(key, strlen(key), false)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "alert id must be 1-%d printable characters",
                               KEY_MAX);
    }
    if (note == NULL || note[0] == '\0') {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "say what was done in the note");
    }
    if (strlen(note) > NOTE_MAX ||
        !cairn__store_text_is_clean(note, strlen(note), true)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the note must be text of at most %d bytes",
                               NOTE_MAX);
    }
    return CAIRN_OK;
}

int cairn_store_alert_set(cairn_store *st, const char *client_code,
                          const char *key, cairn_alert_state state,
                          const char *note, cairn_error *err)
{
    char now[CAIRN__DATE_MAX], target[64];
    int64_t client = 0;
    sqlite3_stmt *s = NULL;
    cairn__buf after = CAIRN__BUF_INIT;
    int rc = check_input(key, state, note, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, client_code, &client, NULL, err);
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO alert_action (client_id, key, state,"
                           " note, who, at) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_now(now);
        sqlite3_bind_int64(s, 1, client);
        sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, cairn_alert_state_name(state), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, st->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    int64_t id = sqlite3_last_insert_rowid(st->db);
    if (rc == CAIRN_OK) {
        rc = cairn__alert_state(st, id, &after, err);
    }
    if (rc == CAIRN_OK) {
        snprintf(target, sizeof target, "alert:%lld", (long long)id);
        rc = cairn__audit_append(
            st, state == CAIRN_ALERT_RESOLVED ? "alert.resolve" : "alert.ack",
            target, NULL, after.p, err);
    }
    cairn__buf_free(&after);
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

/* Fill `l` from the rows of `s`; the caller maps a step failure. */
static int read_records(cairn_alert_record_list *l, sqlite3_stmt *s,
                        cairn_store *st, cairn_error *err)
{
    size_t cap = 0;
    bool oom = false;
    int step;
    while (!oom && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            cairn_alert_record *items = realloc(l->items, cap * sizeof *items);
            if (items == NULL) {
                return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            }
            l->items = items;
        }
        cairn_alert_record *r = &l->items[l->n++];
        const char *state = cairn__store_col_text(s, 2);
        r->key = cairn__store_col_dup(s, 0, &oom);
        r->client_code = cairn__store_col_dup(s, 1, &oom);
        r->state = state && strcmp(state, "resolved") == 0
                       ? CAIRN_ALERT_RESOLVED
                       : CAIRN_ALERT_ACKNOWLEDGED;
        r->note = cairn__store_col_dup(s, 3, &oom);
        r->who = cairn__store_col_dup(s, 4, &oom);
        r->at = cairn__store_col_dup(s, 5, &oom);
    }
    if (oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return step == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(st, err);
}

/* The records `sql` selects (key, client code, state, note, who, at). */
static int list_records(cairn_alert_record_list **out, cairn_store *st,
                        const char *sql, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    cairn_alert_record_list *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    } else {
        rc = read_records(l, s, st, err);
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_alert_list_free(l);
        return rc;
    }
    *out = l;
    return CAIRN_OK;
}

int cairn_store_alert_list(cairn_alert_record_list **out, cairn_store *st,
                           cairn_error *err)
{
    /* the latest action per key; keys sort the way strcmp does */
    return list_records(out, st,
                        "SELECT a.key, c.code, a.state, a.note, a.who,"
                        " a.at FROM alert_action a"
                        " JOIN client c ON c.id = a.client_id"
                        " WHERE a.id = (SELECT max(b.id) FROM"
                        " alert_action b WHERE b.key = a.key)"
                        " ORDER BY a.key COLLATE BINARY",
                        err);
}

int cairn_store_alert_history(cairn_alert_record_list **out, cairn_store *st,
                              cairn_error *err)
{
    return list_records(out, st,
                        "SELECT a.key, c.code, a.state, a.note, a.who,"
                        " a.at FROM alert_action a"
                        " JOIN client c ON c.id = a.client_id"
                        " ORDER BY a.key COLLATE BINARY, a.id",
                        err);
}

void cairn_store_alert_list_free(cairn_alert_record_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        cairn_alert_record *r = &list->items[i];
        free((void *)r->key);
        free((void *)r->client_code);
        free((void *)r->note);
        free((void *)r->who);
        free((void *)r->at);
    }
    free(list->items);
    free(list);
}
