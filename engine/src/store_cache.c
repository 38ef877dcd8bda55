/*
 * store_cache.c - the store's change counter and the growth-model cache
 * (schema versions 6 and 9, see store.c).
 *
 * A cache row is the pooled sufficient statistics of one instrument
 * scale's growth model, written with the state read before the scan
 * that produced it: the change counter and the highest assessment id.
 * A reader uses a row only when both are the store's now, so an answer
 * from the cache is what a fresh scan gives.  Every write Cairn commits
 * moves the counter (but a transaction that only logs a page view, which
 * changes no data), and so (from schema 9) does any write to a clinical
 * table made with another tool, through triggers; the one write left to
 * the id is an insert of assessments, which a trigger would slow down
 * row by row, and which always raises the highest id (rows are never
 * deleted).
 *
 * The cache is trusted by every trend ("not on track" alerts use the
 * clinic's model), so a row carries an HMAC-SHA-256 under a key derived
 * from the audit key over everything it says; a row whose MAC does not
 * hold is never used (the reader scans instead), and `audit verify`
 * reports it.  Without the audit key the cache is neither read nor
 * written.  The stored blob is the 32-byte MAC, the highest assessment
 * id (8 bytes) and the caller's bytes.
 *
 * Writing the cache is best effort and never waits: on a read-only or
 * older store, inside another transaction, or while another process
 * holds the write lock, it is skipped.  It does not move the counter
 * (it changes no data).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store_db.h"

#define MAC_BYTES 32
#define CAIRN__STORE_MAC_SCHEMA 9
#define PREFIX (MAC_BYTES + 8)

static const char cache_label[] = "cairn model cache v1";

/* The MAC of a cache row: its key, counter state, count and payload. */
static int row_mac(const cairn_store *st, const cairn__model_cache_key *key,
                   int64_t n_clients, const void *payload, size_t len,
                   uint8_t out[MAC_BYTES], cairn_error *err)
{
    uint8_t k[MAC_BYTES];
    cairn__buf b = CAIRN__BUF_INIT;
    int64_t nums[3] = {key->change, key->last_assessment, n_clients};
    int rc = cairn__crypto_hmac_sha256(st->chain_key, cache_label,
                                       strlen(cache_label), k, err);
    cairn__buf_put(&b, key->instrument, strlen(key->instrument) + 1);
    cairn__buf_put(&b, key->scale, strlen(key->scale) + 1);
    cairn__buf_put(&b, key->fingerprint, strlen(key->fingerprint) + 1);
    cairn__buf_put(&b, (const char *)nums, sizeof nums);
    cairn__buf_put(&b, (const char *)payload, len);
    if (rc == CAIRN_OK && b.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_hmac_sha256(k, b.p, b.len, out, err);
    }
    cairn__crypto_wipe(k, sizeof k);
    cairn__buf_free(&b);
    return rc;
}

/* Whether a stored blob is a row Cairn wrote for `key` (its MAC holds). */
static bool row_holds(const cairn_store *st, const cairn__model_cache_key *key,
                      int64_t n_clients, const unsigned char *blob, size_t len)
{
    uint8_t mac[MAC_BYTES];
    int64_t last = 0;
    cairn__model_cache_key k = *key;
    if (len < PREFIX) {
        return false;
    }
    memcpy(&last, blob + MAC_BYTES, sizeof last);
    k.last_assessment = last;
    return row_mac(st, &k, n_clients, blob + PREFIX, len - PREFIX, mac, NULL) ==
               CAIRN_OK &&
           cairn__crypto_equal(mac, blob, MAC_BYTES);
}

int cairn__store_change_get(cairn_store *st, int64_t *out, int64_t *last,
                            bool *has, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    *out = 0;
    *last = 0;
    *has = false;
    if (st->schema < CAIRN__STORE_CHANGE_SCHEMA) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT n, (SELECT ifnull(max(id), 0) FROM"
                           " assessment) FROM store_change WHERE id = 1",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        *last = sqlite3_column_int64(s, 1);
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
    if (st->schema < CAIRN__STORE_CHANGE_SCHEMA || !st->has_key) {
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
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        const unsigned char *p = sqlite3_column_blob(s, 1);
        int64_t clients = sqlite3_column_int64(s, 0);
        int64_t last = 0;
        if (n >= PREFIX) {
            memcpy(&last, p + MAC_BYTES, sizeof last);
        }
        /* a row for an older state, or one Cairn did not write: a miss */
        if (last == key->last_assessment && row_holds(st, key, clients, p, n)) {
            *blob = malloc(n - PREFIX + 1);
            if (*blob == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            } else {
                memcpy(*blob, p + PREFIX, n - PREFIX);
                *len = n - PREFIX;
                *n_clients = clients;
                *found = true;
            }
        }
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* INSERT OR REPLACE the row (`blob` with its prefix); SQLite's status. */
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
    unsigned char *row = NULL;
    if (st->read_only || st->schema < CAIRN__STORE_CHANGE_SCHEMA ||
        !st->has_key || !sqlite3_get_autocommit(st->db)) {
        return;
    }
    row = malloc(PREFIX + len + 1);
    if (row == NULL ||
        row_mac(st, key, n_clients, blob, len, row, NULL) != CAIRN_OK) {
        free(row);
        return;
    }
    memcpy(row + MAC_BYTES, &key->last_assessment, 8);
    memcpy(row + PREFIX, blob, len);
    /* Never wait for the lock: the cache is an optimisation. */
    sqlite3_busy_timeout(st->db, 0);
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
        SQLITE_OK) {
        if (put_row(st, key, row, PREFIX + len, n_clients) != SQLITE_OK ||
            sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            cairn__store_rollback(st);
        }
    }
    sqlite3_busy_timeout(st->db, st->busy_timeout_ms);
    free(row);
}

int cairn__store_model_cache_verify(cairn_store *st, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    /* rows MACed from schema 9 (the migration empties the cache) */
    if (st->schema < CAIRN__STORE_MAC_SCHEMA) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT instrument, scale, fingerprint, change,"
                           " n_clients, designs FROM model_cache"
                           " ORDER BY instrument, scale, fingerprint",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int step;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        cairn__model_cache_key key = {.instrument = cairn__store_col_text(s, 0),
                                      .scale = cairn__store_col_text(s, 1),
                                      .fingerprint =
                                          cairn__store_col_text(s, 2),
                                      .change = sqlite3_column_int64(s, 3)};
        if (key.instrument == NULL || key.scale == NULL ||
            key.fingerprint == NULL ||
            !row_holds(st, &key, sqlite3_column_int64(s, 4),
                       sqlite3_column_blob(s, 5),
                       (size_t)sqlite3_column_bytes(s, 5))) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "the cached growth model of %.32s %.32s was "
                                 "not written by Cairn (its MAC does not "
                                 "hold): it was changed behind Cairn's back",
                                 key.instrument ? key.instrument : "?",
                                 key.scale ? key.scale : "?");
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}
