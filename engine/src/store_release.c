/*
 * store_release.c - the release log: every population published from
 * the store, so a new release that differs from an earlier one of the
 * same scale by fewer clients than the min-cell is refused.  Two
 * summaries one client apart reveal that client by subtraction (their
 * band, their change); differing by none (the same population again) or
 * by at least K is what small-cell suppression already covers.
 * Releases are audited like every other row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

#define RELEASE_SCHEMA 8

/* Clients in one ascending list but not the other. */
static size_t sym_diff(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    size_t i = 0, j = 0, d = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && a[i] < b[j])) {
            d++;
            i++;
        } else if (i == na || b[j] < a[i]) {
            d++;
            j++;
        } else {
            i++;
            j++;
        }
    }
    return d;
}

/* The ids of a stored `members` array; false when it is not one. */
static bool parse_members(const char *text, int64_t **out, size_t *n)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    bool ok = json_is_array(a);
    *n = ok ? json_array_size(a) : 0;
    *out = calloc(*n + 1, sizeof **out);
    ok = ok && *out != NULL;
    for (size_t i = 0; ok && i < *n; i++) {
        json_t *v = json_array_get(a, i);
        ok = json_is_integer(v) &&
             (i == 0 || json_integer_value(v) > (*out)[i - 1]);
        (*out)[i] = ok ? json_integer_value(v) : 0;
    }
    json_decref(a);
    return ok;
}

int cairn__release_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err)
{
    /* the members too: client ids, and the audit log stays in the store */
    static const char *const keys[] = {"id", "instrument", "scale", "min_cell",
                                       "n",  "members",    "who",   "at"};
    return cairn__store_row_state(st,
                                  "SELECT id, instrument, scale, min_cell,"
                                  " n, members, who, at"
                                  " FROM release_log WHERE id = ?",
                                  id, keys, 8, out, err);
}

/* Refuse when an earlier release is 1..K-1 clients away.  `text` is the
 * new release's members as they will be stored: an earlier release
 * stored with the same text has the same members, and is not decoded. */
static int check_earlier(cairn_store *st, const char *instrument,
                         const char *scale, const int64_t *ids, size_t n,
                         const cairn__buf *text, int min_cell, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, at, n, members, min_cell FROM"
                           " release_log WHERE instrument = ? AND scale = ?"
                           " ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, instrument, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, scale, -1, SQLITE_STATIC);
    int step;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t *old = NULL;
        size_t n_old = 0;
        int k = sqlite3_column_int(s, 4) > min_cell ? sqlite3_column_int(s, 4)
                                                    : min_cell;
        const char *stored = cairn__store_col_text(s, 3);
        if (stored != NULL && (size_t)sqlite3_column_bytes(s, 3) == text->len &&
            memcmp(stored, text->p, text->len) == 0) {
            continue; /* the same members */
        }
        if (!parse_members(cairn__store_col_text(s, 3), &old, &n_old)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "release %lld of the release log is not "
                                 "readable",
                                 (long long)sqlite3_column_int64(s, 0));
        } else {
            size_t d = sym_diff(ids, n, old, n_old);
            if (d > 0 && d < (size_t)k) {
                rc = cairn_error_set(
                    err, CAIRN_EINVAL,
                    "these %zu clients differ from release %lld (%s, %zu "
                    "clients) by %zu, fewer than the min-cell %d: published "
                    "side by side they would reveal those clients; choose "
                    "dates that change the population by none or by at "
                    "least %d",
                    n, (long long)sqlite3_column_int64(s, 0),
                    cairn__store_col_text(s, 1), n_old, d, k, k);
            }
        }
        free(old);
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The members as stored: [id,id,...]. */
static void members_text(cairn__buf *b, const int64_t *ids, size_t n)
{
    cairn__buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            cairn__buf_putc(b, ',');
        }
        cairn__buf_int(b, ids[i]);
    }
    cairn__buf_putc(b, ']');
}

static int insert(cairn_store *st, const char *instrument, const char *scale,
                  const cairn__buf *members, size_t n, int min_cell,
                  int64_t *id, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn__buf after = CAIRN__BUF_INIT;
    char now[CAIRN__DATE_MAX], target[48];
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO release_log (instrument, scale,"
                           " min_cell, n, members, who, at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_now(now);
        sqlite3_bind_text(s, 1, instrument, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, scale, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, min_cell);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)n);
        sqlite3_bind_text(s, 5, members->p, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, st->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
        *id = sqlite3_last_insert_rowid(st->db);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK) {
        rc = cairn__release_state(st, *id, &after, err);
    }
    if (rc == CAIRN_OK) {
        snprintf(target, sizeof target, "release:%lld", (long long)*id);
        rc = cairn__audit_append(st, "release.add", target, NULL, after.p, err);
    }
    cairn__buf_free(&after);
    return rc;
}

int cairn_store_release_add(cairn_store *st, const char *instrument,
                            const char *scale, const int64_t *ids, size_t n,
                            int min_cell, int64_t *id, cairn_error *err)
{
    int64_t local = 0;
    for (size_t i = 1; i < n; i++) {
        if (ids[i] <= ids[i - 1]) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "release members must be ascending");
        }
    }
    if (st->schema < RELEASE_SCHEMA) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: schema %d keeps no release log (open it "
                               "for writing once to migrate)",
                               st->path, st->schema);
    }
    cairn__buf members = CAIRN__BUF_INIT;
    members_text(&members, ids, n);
    if (members.oom) {
        cairn__buf_free(&members);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn__store_begin(st, err);
    if (rc == CAIRN_OK) {
        rc = check_earlier(st, instrument, scale, ids, n, &members, min_cell,
                           err);
        if (rc == CAIRN_OK) {
            rc = insert(st, instrument, scale, &members, n, min_cell,
                        id ? id : &local, err);
        }
        if (rc < 0) {
            cairn__store_rollback(st);
        } else {
            rc = cairn__store_commit(st, err);
        }
    }
    cairn__buf_free(&members);
    return rc;
}

int cairn__store_audit_release(cairn_store *st, const char *action,
                               json_t *after, cairn_error *err)
{
    cairn__buf b = CAIRN__BUF_INIT;
    cairn__buf_json(&b, after); /* takes the reference, NULL as oom */
    int rc = b.oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                   : cairn__store_begin(st, err);
    if (rc == CAIRN_OK) {
        rc = cairn__audit_append(st, action, "export", NULL, b.p, err);
        rc = cairn__store_finish(st, rc, err);
    }
    cairn__buf_free(&b);
    return rc;
}
