/*
 * store_link.c - self-report links (schema version 3): a one-time token
 * bound to a client, instruments and an expiry.
 *
 * Only the token's SHA-256 is stored.  A link row changes at most once
 * after it is made, to record its use or its revocation (a trigger
 * freezes the rest), and every state is audited with the row's canonical
 * JSON so verification finds a link reopened behind Cairn's back.  The
 * submission goes through the batch writer exactly as
 * cairn_store_assessment_add does, in the same transaction as the spend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

#define MIN_EXPIRY 60
#define MAX_EXPIRY (30 * 24 * 3600)

const char *cairn_link_state_name(cairn_link_state state)
{
    switch (state) {
    case CAIRN_LINK_SPENT:
        return "spent";
    case CAIRN_LINK_EXPIRED:
        return "expired";
    case CAIRN_LINK_REVOKED:
        return "revoked";
    case CAIRN_LINK_ACTIVE:
        break;
    }
    return "active";
}

int cairn__link_state(cairn_store *st, int64_t id, cairn__buf *out,
                      cairn_error *err)
{
    static const char *const keys[] = {
        "id",          "token_hash", "kind",       "client_id",
        "instruments", "created_by", "created_at", "expires",
        "expires_at",  "used_at",    "revoked_at"};
    return cairn__store_row_state(st,
                                  "SELECT id, token_hash, kind, client_id,"
                                  " instruments, created_by, created_at,"
                                  " expires, expires_at, used_at, revoked_at"
                                  " FROM link WHERE id = ?",
                                  id, keys, 11, out, err);
}

static int audit_link(cairn_store *st, const char *action, int64_t id,
                      const char *before, cairn_error *err)
{
    return cairn__audit_row(st, action, "link", id, before, cairn__link_state,
                            err);
}

static bool is_instrument_code(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 32) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

/* "phq9,gad7" from the options, checked. */
static int instruments_text(const cairn_link_options *o, cairn__buf *b,
                            cairn_error *err)
{
    if (o->n_instruments == 0 ||
        o->n_instruments > CAIRN_LINK_MAX_INSTRUMENTS) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a link carries 1 to %d instruments, not %zu",
                               CAIRN_LINK_MAX_INSTRUMENTS, o->n_instruments);
    }
    for (size_t i = 0; i < o->n_instruments; i++) {
        if (!is_instrument_code(o->instruments[i])) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "'%.40s' is not an instrument code",
                                   o->instruments[i] ? o->instruments[i] : "");
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(o->instruments[k], o->instruments[i]) == 0) {
                return cairn_error_set(err, CAIRN_EINVAL,
                                       "instrument %s is asked twice",
                                       o->instruments[i]);
            }
        }
        if (i > 0) {
            cairn__buf_putc(b, ',');
        }
        cairn__buf_puts(b, o->instruments[i]);
    }
    return b->oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                  : CAIRN_OK;
}

static int token_hash(const char *token, char out[CAIRN__SHA256_HEX + 1],
                      cairn_error *err)
{
    return cairn__crypto_sha256_hex(token, strlen(token), out, err);
}

int cairn_store_link_add(char token[CAIRN_LINK_TOKEN_LEN + 1], int64_t *id,
                         cairn_store *st, const cairn_link_options *opts,
                         int64_t now, cairn_error *err)
{
    char hash[CAIRN__SHA256_HEX + 1], created[CAIRN__DATE_MAX],
        expires[CAIRN__DATE_MAX];
    cairn__buf insts = CAIRN__BUF_INIT;
    sqlite3_stmt *s = NULL;
    int64_t client = 0;
    token[0] = '\0';
    int rc = instruments_text(opts, &insts, err);
    if (rc == CAIRN_OK && (opts->expires_seconds < MIN_EXPIRY ||
                           opts->expires_seconds > MAX_EXPIRY)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "a link expires after 1 minute to 30 days, "
                             "not %lld seconds",
                             (long long)opts->expires_seconds);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_token_b32(token, CAIRN_LINK_TOKEN_LEN, err);
    }
    if (rc == CAIRN_OK) {
        rc = token_hash(token, hash, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        cairn__buf_free(&insts);
        token[0] = '\0';
        return rc;
    }
    rc = cairn__store_client_id(st, opts->client_code ? opts->client_code : "",
                                &client, NULL, err);
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO link (token_hash, kind, client_id,"
                           " instruments, created_by, created_at, expires,"
                           " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_iso(now, created);
        cairn__store_iso(now + opts->expires_seconds, expires);
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2,
                          opts->kind == CAIRN_LINK_TABLET ? "tablet" : "phone",
                          -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, client);
        sqlite3_bind_text(s, 4, insts.p, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, st->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, created, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, now + opts->expires_seconds);
        sqlite3_bind_text(s, 8, expires, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    int64_t new_id = sqlite3_last_insert_rowid(st->db);
    if (rc == CAIRN_OK) {
        rc = audit_link(st, "link.add", new_id, NULL, err);
    }
    cairn__buf_free(&insts);
    if (rc == CAIRN_OK) {
        rc = cairn__store_finish_log_only(st, rc, err);
    } else {
        cairn__store_rollback(st);
    }
    if (rc < 0) {
        cairn__crypto_wipe(token, CAIRN_LINK_TOKEN_LEN + 1);
        return rc;
    }
    if (id != NULL) {
        *id = new_id;
    }
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/* One allocation: the struct, the instrument pointers, then the text. */
static int read_link(cairn_link **out, sqlite3_stmt *s, int64_t now,
                     cairn_error *err)
{
    const char *text[7];
    size_t need = 0;
    for (int i = 0; i < 7; i++) {
        text[i] = cairn__store_col_text(s, 2 + i);
        need += text[i] != NULL ? strlen(text[i]) + 1 : 0;
    }
    size_t n_inst = 1;
    for (const char *p = text[1]; p != NULL && *p; p++) {
        n_inst += *p == ',';
    }
    size_t head = sizeof(cairn_link) + n_inst * sizeof(char *);
    char *mem = calloc(1, head + need);
    if (mem == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    cairn_link *l = (cairn_link *)(void *)mem;
    const char **insts = (const char **)(void *)(mem + sizeof *l);
    char *pool = mem + head;
    const char **dst[7] = {&l->client_code, NULL,           &l->created_by,
                           &l->created_at,  &l->expires_at, &l->used_at,
                           &l->revoked_at};
    for (int i = 0; i < 7; i++) {
        if (text[i] == NULL) {
            continue;
        }
        size_t n = strlen(text[i]) + 1;
        memcpy(pool, text[i], n);
        if (dst[i] != NULL) {
            *dst[i] = pool;
        } else {
            size_t k = 0;
            insts[k++] = pool;
            for (char *p = pool; *p; p++) {
                if (*p == ',') {
                    *p = '\0';
                    insts[k++] = p + 1;
                }
            }
        }
        pool += n;
    }
    l->id = sqlite3_column_int64(s, 0);
    const char *kind = cairn__store_col_text(s, 1);
    l->kind = kind != NULL && strcmp(kind, "tablet") == 0 ? CAIRN_LINK_TABLET
                                                          : CAIRN_LINK_PHONE;
    l->instruments = insts;
    l->n_instruments = n_inst;
    l->state = l->revoked_at                       ? CAIRN_LINK_REVOKED
               : l->used_at                        ? CAIRN_LINK_SPENT
               : now >= sqlite3_column_int64(s, 9) ? CAIRN_LINK_EXPIRED
                                                   : CAIRN_LINK_ACTIVE;
    *out = l;
    return CAIRN_OK;
}

static int find_by(cairn_link **out, cairn_store *st, const char *where,
                   const char *token_hex, int64_t id, int64_t now,
                   cairn_error *err)
{
    char sql[400];
    sqlite3_stmt *s = NULL;
    *out = NULL;
    snprintf(sql, sizeof sql,
             "SELECT l.id, l.kind, c.code, l.instruments, l.created_by,"
             " l.created_at, l.expires_at, l.used_at, l.revoked_at,"
             " l.expires FROM link l JOIN client c ON c.id = l.client_id"
             " WHERE %s",
             where);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    if (token_hex != NULL) {
        sqlite3_bind_text(s, 1, token_hex, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(s, 1, id);
    }
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        rc = read_link(out, s, now, err);
    } else if (step == SQLITE_DONE) {
        rc = token_hex != NULL
                 ? cairn_error_set(err, CAIRN_ENOTFOUND, "no such link")
                 : cairn_error_set(err, CAIRN_ENOTFOUND, "no link %lld",
                                   (long long)id);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

static bool token_is_wellformed(const char *t)
{
    if (t == NULL || strlen(t) != CAIRN_LINK_TOKEN_LEN) {
        return false;
    }
    for (const char *p = t; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7'))) {
            return false;
        }
    }
    return true;
}

int cairn_store_link_find(cairn_link **out, cairn_store *st, const char *token,
                          int64_t now, cairn_error *err)
{
    char hash[CAIRN__SHA256_HEX + 1];
    *out = NULL;
    if (!token_is_wellformed(token)) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no such link");
    }
    int rc = token_hash(token, hash, err);
    if (rc < 0) {
        return rc;
    }
    return find_by(out, st, "l.token_hash = ?", hash, 0, now, err);
}

int cairn_store_link_get(cairn_link **out, cairn_store *st, int64_t id,
                         int64_t now, cairn_error *err)
{
    return find_by(out, st, "l.id = ?", NULL, id, now, err);
}

void cairn_store_link_free(cairn_link *link)
{
    free(link);
}

void cairn_store_link_list_free(cairn_link_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        cairn_store_link_free(l->items[i]);
    }
    free(l->items);
    free(l);
}

static int list_step(cairn_link_list *l, sqlite3_stmt *s, int64_t now,
                     cairn_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        cairn_link **p = realloc(l->items, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        l->items = p;
        l->cap = cap;
    }
    int rc = read_link(&l->items[l->n], s, now, err);
    if (rc == CAIRN_OK) {
        l->n++;
    }
    return rc;
}

int cairn_store_link_list(cairn_link_list **out, cairn_store *st, int64_t since,
                          int64_t now, cairn_error *err)
{
    char from[CAIRN__DATE_MAX];
    sqlite3_stmt *s = NULL;
    cairn_link_list *l = calloc(1, sizeof *l);
    int rc = CAIRN_OK, step = 0;
    *out = NULL;
    if (l == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    cairn__store_iso(since, from);
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT l.id, l.kind, c.code, l.instruments, l.created_by,"
            " l.created_at, l.expires_at, l.used_at, l.revoked_at,"
            " l.expires FROM link l JOIN client c ON c.id = l.client_id"
            " WHERE l.created_at >= ?1 OR l.used_at >= ?1"
            " ORDER BY COALESCE(l.used_at, l.created_at) DESC, l.id DESC",
            -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    } else {
        sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
        while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
            rc = list_step(l, s, now, err);
        }
        if (rc == CAIRN_OK && step != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_link_list_free(l);
        return rc;
    }
    *out = l;
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Changing state                                                      */

static int refuse_state(const cairn_link *l, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EINVAL, "link %lld is %s",
                           (long long)l->id, cairn_link_state_name(l->state));
}

/* Record `column` = now on link `id`, audited as `action`. */
static int mark(cairn_store *st, int64_t id, const char *column,
                const char *action, int64_t now, cairn_error *err)
{
    char sql[80], at[CAIRN__DATE_MAX];
    cairn__buf before = CAIRN__BUF_INIT;
    sqlite3_stmt *s = NULL;
    snprintf(sql, sizeof sql, "UPDATE link SET %s = ? WHERE id = ?", column);
    int rc = cairn__link_state(st, id, &before, err);
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_iso(now, at);
        sqlite3_bind_text(s, 1, at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK) {
        rc = audit_link(st, action, id, before.p, err);
    }
    cairn__buf_free(&before);
    return rc;
}

int cairn_store_link_revoke(cairn_store *st, int64_t id, int64_t now,
                            cairn_error *err)
{
    cairn_link *l = NULL;
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn_store_link_get(&l, st, id, now, err);
    if (rc == CAIRN_OK && l->state != CAIRN_LINK_ACTIVE &&
        l->state != CAIRN_LINK_EXPIRED) {
        rc = refuse_state(l, err);
    }
    if (rc == CAIRN_OK) {
        rc = mark(st, id, "revoked_at", "link.revoke", now, err);
    }
    cairn_store_link_free(l);
    return cairn__store_finish_log_only(st, rc, err);
}

static int check_answers(const cairn_link *l, const cairn_score *const *scores,
                         const cairn_responses *const *resps, size_t n,
                         cairn_error *err)
{
    if (n != l->n_instruments) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "link %lld asks %zu questionnaires, not %zu",
                               (long long)l->id, l->n_instruments, n);
    }
    for (size_t i = 0; i < n; i++) {
        const char *code = cairn_instrument_code(scores[i]->instrument);
        if (strcmp(code, l->instruments[i]) != 0 || resps[i] == NULL) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "link %lld asks %s where %s was answered",
                                   (long long)l->id, l->instruments[i], code);
        }
    }
    return CAIRN_OK;
}

int cairn_store_link_submit(cairn_store *st, const char *token,
                            const cairn_score *const *scores,
                            const cairn_responses *const *resps, size_t n,
                            int64_t now, int64_t *batch_first, cairn_error *err)
{
    cairn_link *l = NULL;
    cairn__batch *b = NULL;
    char actor[40], date[CAIRN__DATE_MAX], *saved = NULL;
    int rc = cairn_store_link_find(&l, st, token, now, err);
    if (rc < 0) {
        return rc;
    }
    rc = check_answers(l, scores, resps, n, err);
    if (rc == CAIRN_OK && l->state != CAIRN_LINK_ACTIVE) {
        rc = refuse_state(l, err);
    }
    size_t alen = strlen(st->actor) + 1;
    if (rc == CAIRN_OK && (saved = malloc(alen)) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc < 0) {
        cairn_store_link_free(l);
        return rc;
    }
    memcpy(saved, st->actor, alen);
    snprintf(actor, sizeof actor, "link:%lld", (long long)l->id);
    rc = cairn_store_set_actor(st, actor, err);
    cairn__store_iso(now, date);
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_begin(&b, st,
                                      l->kind == CAIRN_LINK_TABLET
                                          ? CAIRN_METHOD_TABLET
                                          : CAIRN_METHOD_LINK,
                                      "assessment.add", NULL, err);
    }
    if (rc == CAIRN_OK) {
        /* state again inside the transaction: another request may have
         * spent it while this one waited for the lock */
        cairn_link *again = NULL;
        rc = cairn_store_link_get(&again, st, l->id, now, err);
        if (rc == CAIRN_OK && again->state != CAIRN_LINK_ACTIVE) {
            rc = refuse_state(again, err);
        }
        cairn_store_link_free(again);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        int64_t id = 0;
        rc = cairn__store_assessment_add_to(b, scores[i], resps[i],
                                            l->client_code, date, &id, err);
        if (rc == CAIRN_OK && i == 0 && batch_first != NULL) {
            *batch_first = id;
        }
    }
    if (rc == CAIRN_OK) {
        rc = mark(st, l->id, "used_at", "link.use", now, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_commit(b, err);
    } else {
        cairn__store_batch_abort(b);
    }
    cairn_store_set_actor(st, saved, NULL);
    free(saved);
    cairn_store_link_free(l);
    return rc;
}
