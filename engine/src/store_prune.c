/*
 * store_prune.c - housekeeping of the server's secrets: login sessions
 * that can no longer be used, and self-report links past their expiry.
 *
 * A session row is a hashed, short-lived token, not clinical data; once
 * it has ended, idled out or passed its absolute limit it only grows the
 * file, so it is deleted.  A link row is deleted 30 days after its
 * expiry, used or not: until then it is kept, so a client who opens a
 * spent or expired link is told so, kindly, rather than that there is
 * no such page.  What a link was (who made
 * it, for which client and questionnaires, when it was used) stays in
 * its audit entries.  One audit entry records each pruning that removed
 * anything, with the counts and the ids of the links (no client data),
 * so `audit verify` accepts exactly those links as gone.  The schema
 * (version 9) refuses to delete a link that has not expired.
 */
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

#define PRUNE_SCHEMA 9

/* Delete the sessions that cannot be used at `now`; their count. */
static int prune_sessions(cairn_store *st, const cairn_session_limits *lim,
                          int64_t now, size_t *n, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "DELETE FROM session WHERE ended IS NOT NULL"
                           " OR ?1 - last_seen > ?2 OR ?1 - created > ?3",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, lim->idle_seconds);
    sqlite3_bind_int64(s, 3, lim->absolute_seconds);
    int rc =
        sqlite3_step(s) == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(st, err);
    *n = rc == CAIRN_OK ? (size_t)sqlite3_changes(st->db) : 0;
    sqlite3_finalize(s);
    return rc;
}

/* Delete the links expired CAIRN_PRUNE_LINK_KEEP_SECONDS before `now`
 * (never later than the clock: the schema checks against it); their ids
 * go into `ids`.  The newest link
 * is kept whatever its state, so a link id (the actor "link:<id>" of
 * what was answered through it) is never given to another link. */
static int prune_links(cairn_store *st, int64_t now, json_t *ids,
                       cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
                           "DELETE FROM link WHERE expires <= min(?1,"
                           " CAST(strftime('%s', 'now') AS INTEGER)) - ?2"
                           " AND id < (SELECT max(id) FROM link)"
                           " RETURNING id",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, CAIRN_PRUNE_LINK_KEEP_SECONDS);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (json_array_append_new(
                ids, json_integer(sqlite3_column_int64(s, 0))) != 0) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* RETURNING gives rows in no promised order: the entry lists them sorted. */
static int by_id(const void *a, const void *b)
{
    json_int_t x = json_integer_value(*(json_t *const *)a);
    json_int_t y = json_integer_value(*(json_t *const *)b);
    return (x > y) - (x < y);
}

static json_t *sorted(json_t *ids)
{
    size_t n = json_array_size(ids);
    json_t **v = malloc((n + 1) * sizeof *v);
    json_t *out = json_array();
    if (v == NULL || out == NULL) {
        free(v);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = json_array_get(ids, i);
    }
    if (n > 1) {
        qsort(v, n, sizeof *v, by_id);
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append(out, v[i]);
    }
    free(v);
    return out;
}

static int audit_prune(cairn_store *st, size_t sessions, json_t *ids,
                       cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    json_t *list = sorted(ids);
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    cairn__buf_json(&after,
                    json_pack("{s:I,s:I,s:o}", "sessions", (json_int_t)sessions,
                              "links", (json_int_t)json_array_size(list),
                              "link_ids", list));
    int rc = after.oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                       : cairn__audit_append(st, "store.prune", "prune", NULL,
                                             after.p, err);
    cairn__buf_free(&after);
    return rc;
}

int cairn_store_prune(cairn_store *st, const cairn_session_limits *limits,
                      int64_t now, cairn_prune_report *out, cairn_error *err)
{
    static const cairn_session_limits defaults = CAIRN_SESSION_LIMITS_INIT;
    const cairn_session_limits *lim = limits != NULL ? limits : &defaults;
    cairn_prune_report local;
    cairn_prune_report *r = out != NULL ? out : &local;
    json_t *ids = NULL;
    memset(r, 0, sizeof *r);
    if (st->schema < PRUNE_SCHEMA) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: schema %d cannot be pruned (open it "
                               "for writing once to migrate)",
                               st->path, st->schema);
    }
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    ids = json_array();
    rc = ids != NULL ? prune_sessions(st, lim, now, &r->sessions, err)
                     : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == CAIRN_OK) {
        rc = prune_links(st, now, ids, err);
    }
    if (rc == CAIRN_OK) {
        r->links = json_array_size(ids);
    }
    if (rc == CAIRN_OK && (r->sessions > 0 || r->links > 0)) {
        rc = audit_prune(st, r->sessions, ids, err);
    }
    json_decref(ids);
    if (rc < 0) {
        memset(r, 0, sizeof *r);
    }
    if (rc == CAIRN_OK && r->sessions == 0 && r->links == 0) {
        /* nothing changed: no commit, so the change counter stays */
        cairn__store_rollback(st);
        return CAIRN_OK;
    }
    return cairn__store_finish(st, rc, err);
}
