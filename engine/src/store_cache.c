/*
 * store_cache.c - the store's change counter and the growth-model cache
 * (schema version 6, see store.c).
 *
 * A cache row is the pooled sufficient statistics of one instrument
 * scale's growth model, written with the counter value read before the
 * scan that produced it.  A reader uses a row only when its value is the
 * counter's now, so an answer from the cache is what a fresh scan gives:
 * every write Cairn commits moves the counter (a logged page view, which
 * changes no data, does not).  Writing the cache is best
 * effort and never waits: on a read-only or older store, inside another
 * transaction, or while another process holds the write lock, it is
 * skipped.  It does not move the counter (it changes no data).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store_db.h"

int cairn__store_change_get(cairn_store *st, int64_t *out, bool *has,
                            cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    *out = 0;
    *has = false;
    if (st->schema < CAIRN__STORE_CHANGE_SCHEMA) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db, "SELECT n FROM store_change WHERE id = 1",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        *has = true;
        rc = CAIRN_OK;
    } else {
        rc = rc == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int cairn__store_model_cache_get(cairn_store *st,
                                 const cairn__model_cache_key *key, void **blob,
                                 size_t *len, int64_t *n_clients, bool *found,
                                 cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    *blob = NULL;
    *len = 0;
    *found = false;
    if (st->schema < CAIRN__STORE_CHANGE_SCHEMA) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT n_clients, designs FROM model_cache"
                           " WHERE instrument = ? AND scale = ?"
                           " AND fingerprint = ? AND change = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, key->instrument, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key->scale, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, key->fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, key->change);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        int n = sqlite3_column_bytes(s, 1);
        const void *p = sqlite3_column_blob(s, 1);
        *blob = malloc(n > 0 ? (size_t)n : 1);
        if (*blob == NULL) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        } else {
            if (n > 0) {
                memcpy(*blob, p, (size_t)n);
            }
            *len = (size_t)n;
            *n_clients = sqlite3_column_int64(s, 0);
            *found = true;
        }
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* INSERT OR REPLACE the row; SQLite's status. */
static int put_row(cairn_store *st, const cairn__model_cache_key *key,
                   const void *blob, size_t len, int64_t n_clients)
{
    sqlite3_stmt *s = NULL;
    int rc =
        sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO model_cache (instrument,"
                           " scale, fingerprint, change, n_clients,"
                           " designs) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, key->instrument, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, key->scale, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, key->fingerprint, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, key->change);
        sqlite3_bind_int64(s, 5, n_clients);
        sqlite3_bind_blob64(s, 6, blob, len, SQLITE_STATIC);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    return rc;
}

void cairn__store_model_cache_put(cairn_store *st,
                                  const cairn__model_cache_key *key,
                                  const void *blob, size_t len,
                                  int64_t n_clients)
{
    if (st->read_only || st->schema < CAIRN__STORE_CHANGE_SCHEMA ||
        !sqlite3_get_autocommit(st->db)) {
        return;
    }
    /* Never wait for the lock: the cache is an optimisation. */
    sqlite3_busy_timeout(st->db, 0);
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
        SQLITE_OK) {
        if (put_row(st, key, blob, len, n_clients) != SQLITE_OK ||
            sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            cairn__store_rollback(st);
        }
    }
    sqlite3_busy_timeout(st->db, st->busy_timeout_ms);
}
