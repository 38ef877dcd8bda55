/*
 * store_batch.c - the batch writer: one transaction that adds clients and
 * assessments, ends with one batch row and one audit entry holding a
 * digest of every row written, and commits or rolls back whole.
 *
 * An immediate batch (record, amend, a phone link, rescore) takes the
 * write lock at once and inserts as it goes.  A deferred batch (every
 * import: CSV, REDCap, FHIR) first only reads: inside one read
 * transaction (a snapshot, so other writers go on committing) it decides
 * every row - client lookups, duplicates, ids, the digests - and keeps
 * the prepared rows in a spill
 * (spill.c; a second thread spills and digests them, store_batch_pipe.c,
 * so reading goes on meanwhile); only its commit takes the write lock,
 * and then inserts them (store_batch_insert.c).  The ids it gave out
 * assume nobody wrote in between; if somebody did, the insert phase
 * re-decides what the new rows change and computes the digests again, so
 * the stored bytes are those an immediate batch would have written at
 * that moment.
 *
 * The JSON columns written here are read back by store_read.c:
 *   responses  [code|null, ...]                          item order
 *   scores     [[score|null, band|null, prorated], ...]  definition.scales
 *   flags      [[item, code], ...] or NULL
 *   rules      [true|false|null, ...] or NULL            definition.rules
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_batch.h"

/* ------------------------------------------------------------------ */
/* Hashes and the created clients                                      */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 1099511628211ULL;
    }
    return (h ^ 0x1f) * 1099511628211ULL;
}

uint64_t cairn__batch_row_hash(int64_t client, const char *inst,
                               const char *date, const char *resp,
                               size_t resp_len)
{
    uint64_t h = fnv(14695981039346656037ULL, &client, sizeof client);
    h = fnv(h, inst, strlen(inst));
    h = fnv(h, date, strlen(date));
    h = fnv(h, resp, resp_len);
    return h != 0 ? h : 1;
}

static bool cmap_grow(cairn__cmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    if (cap < m->cap || cap > SIZE_MAX / sizeof(cairn__centry)) {
        return false;
    }
    cairn__centry *t = calloc(cap, sizeof *t);
    if (t == NULL) {
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->t[i].h != 0) {
            size_t j = (size_t)(m->t[i].h & (cap - 1));
            while (t[j].h != 0) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = m->t[i];
        }
    }
    free(m->t);
    m->t = t;
    m->cap = cap;
    return true;
}

static int64_t cmap_find(const cairn__cmap *m, const char *code)
{
    uint64_t h = fnv(14695981039346656037ULL, code, strlen(code)) | 1;
    if (m->cap == 0) {
        return 0;
    }
    size_t j = (size_t)(h & (m->cap - 1));
    while (m->t[j].h != 0) {
        if (m->t[j].h == h && strcmp(m->codes.p + m->t[j].code, code) == 0) {
            return m->t[j].id;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

static void cmap_add(cairn__cmap *m, const char *code, int64_t id)
{
    uint64_t h = fnv(14695981039346656037ULL, code, strlen(code)) | 1;
    if (m->full || (m->n * 2 >= m->cap && !cmap_grow(m))) {
        m->full = true;
        return;
    }
    size_t j = (size_t)(h & (m->cap - 1));
    while (m->t[j].h != 0) {
        j = (j + 1) & (m->cap - 1);
    }
    m->t[j].h = h;
    m->t[j].id = id;
    m->t[j].code = m->codes.len;
    cairn__buf_put(&m->codes, code, strlen(code) + 1);
    m->full = m->codes.oom;
    m->n++;
}

/* ------------------------------------------------------------------ */
/* Inserts                                                             */

int cairn__batch_insert_client(cairn__batch *b, int64_t id, const char *code,
                               cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(b->st, ST_CLIENT_INSERT_BATCH,
                               "INSERT INTO client (id, code, created_batch,"
                               " created_at) VALUES (?, ?, ?, ?)",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, b->id);
    sqlite3_bind_text(s, 4, b->at, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

int cairn__batch_insert_assess(cairn__batch *b, const cairn__assess_fields *f,
                               cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(
        b->st, ST_ASSESS_INSERT,
        "INSERT INTO assessment (id, client_id, definition_id,"
        " instrument, administered_at, responses, scores, flags, rules,"
        " reason, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &s, err);
    if (rc < 0) {
        return rc;
    }
    const char *t[7] = {f->instrument, f->administered_at, f->responses,
                        f->scores,     f->flags,           f->rules,
                        f->reason};
    /* NULL: SQLite gives max(id) + 1, which is f->id while the batch
     * holds the lock (a seek less per row); checked below */
    sqlite3_bind_null(s, 1);
    sqlite3_bind_int64(s, 2, f->client_id);
    sqlite3_bind_int64(s, 3, f->definition_id);
    for (int i = 0; i < 7; i++) {
        cairn__store_bind_text(s, i + 4, t[i]);
    }
    if (f->supersedes != 0) {
        sqlite3_bind_int64(s, 11, f->supersedes);
    } else {
        sqlite3_bind_null(s, 11);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    } else if (sqlite3_last_insert_rowid(b->st->db) != f->id) {
        rc = cairn_error_set(err, CAIRN_EDB,
                             "%s: assessment %lld was stored as %lld",
                             b->st->path, (long long)f->id,
                             (long long)sqlite3_last_insert_rowid(b->st->db));
    }
    sqlite3_reset(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Beginning and ending                                                */

static char *dup_or_null(const char *s, bool *oom)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

static void batch_free(cairn__batch *b)
{
    if (b == NULL) {
        return;
    }
    cairn__batch_pipe_free(b->pipe); /* first: it uses the spill */
    free(b->action);
    free(b->source);
    free(b->before);
    cairn__digest_free(&b->digest);
    cairn__digest_free(&b->clients);
    cairn__buf *bufs[] = {&b->resp, &b->scores,  &b->flags,         &b->rules,
                          &b->line, &b->content, &b->created.codes, &b->rec};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        cairn__buf_free(bufs[i]);
    }
    cairn__hset_free(&b->keys);
    free(b->created.t); /* created.n stays: the insert phase's map size */
    b->created.t = NULL;
    b->created.cap = 0;
    cairn__buf_free(&b->created.codes);
    free(b->created.t);
    cairn__spill_free(b->spill);
    cairn__memo_free(b->memo);
    free(b);
}

static int max_id(cairn_store *st, const char *sql, int64_t *out,
                  cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int cairn__batch_read_bases(cairn__batch *b, cairn_error *err)
{
    int64_t last_batch = 0;
    int rc = max_id(b->st, "SELECT coalesce(max(id), 0) FROM batch",
                    &last_batch, err);
    if (rc == CAIRN_OK) {
        rc = max_id(b->st, "SELECT coalesce(max(id), 0) FROM assessment",
                    &b->base_assess, err);
    }
    if (rc == CAIRN_OK) {
        rc = max_id(b->st, "SELECT coalesce(max(id), 0) FROM client",
                    &b->base_client, err);
    }
    if (rc == CAIRN_OK) {
        rc = max_id(b->st, "SELECT coalesce(max(id), 0) FROM definition",
                    &b->next_def, err);
    }
    b->id = last_batch + 1;
    b->next_assess = b->base_assess;
    b->next_client = b->base_client;
    return rc;
}

static int batch_new(cairn__batch **out, cairn_store *st, cairn_method method,
                     const char *action, const char *source, bool deferred,
                     cairn_error *err)
{
    bool oom = false;
    *out = NULL;
    cairn__batch *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    b->st = st;
    b->method = method;
    b->deferred = deferred;
    b->action = dup_or_null(action, &oom);
    b->source = dup_or_null(source, &oom);
    cairn__digest_init(&b->digest);
    cairn__digest_init(&b->clients);
    cairn__store_now(b->at);
    if (oom) {
        batch_free(b);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = deferred ? cairn__spill_new(&b->spill, st->path, SPILL_MEMORY, err)
                      : CAIRN_OK;
    if (rc == CAIRN_OK && deferred && cairn__memo_new(&b->memo) < 0) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK && deferred && st->read_only) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "%s: opened read-only",
                             st->path);
    }
    if (rc == CAIRN_OK) {
        /* deferred: a read transaction, the snapshot the batch decides on */
        rc = deferred ? cairn__store_exec(st, "BEGIN", err)
                      : cairn__store_begin(st, err);
    }
    if (rc < 0) {
        batch_free(b);
        return rc;
    }
    rc = cairn__batch_read_bases(b, err);
    if (rc < 0) {
        cairn__store_batch_abort(b);
        return rc;
    }
    *out = b;
    return CAIRN_OK;
}

int cairn__store_batch_begin(cairn__batch **out, cairn_store *st,
                             cairn_method method, const char *action,
                             const char *source, cairn_error *err)
{
    return batch_new(out, st, method, action, source, false, err);
}

int cairn__store_batch_begin_deferred(cairn__batch **out, cairn_store *st,
                                      cairn_method method, const char *action,
                                      const char *source,
                                      void (*before_lock)(void *), void *ctx,
                                      cairn_error *err)
{
    int rc = batch_new(out, st, method, action, source, true, err);
    if (rc == CAIRN_OK) {
        (*out)->before_lock = before_lock;
        (*out)->lock_ctx = ctx;
        /* without a second thread the reader spills and digests itself */
        cairn__batch_pipe_start(&(*out)->pipe, *out);
    }
    return rc;
}

/* After the transaction: the connection enforces foreign keys again. */
static int fk_restore(cairn__batch *b, cairn_error *err)
{
    if (!b->fk_off) {
        return CAIRN_OK;
    }
    b->fk_off = false;
    return cairn__store_exec(b->st, "PRAGMA foreign_keys = ON", err);
}

void cairn__store_batch_abort(cairn__batch *b)
{
    if (b == NULL) {
        return;
    }
    cairn__store_rollback(b->st);
    fk_restore(b, NULL);
    batch_free(b);
}

int cairn__store_batch_set_before(cairn__batch *b, const char *json,
                                  cairn_error *err)
{
    bool oom = false;
    free(b->before);
    b->before = dup_or_null(json, &oom);
    return oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory") : CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

int cairn__batch_find_client(cairn__batch *b, const char *code, int64_t *id,
                             cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(b->st, ST_CLIENT_ID,
                               "SELECT id, partner_id FROM client "
                               "WHERE code = ?",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    *id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* The id of `code`: stored, or (deferred) created by this batch. */
static int find_client(cairn__batch *b, const char *code, int64_t *id,
                       cairn_error *err)
{
    int rc = cairn__batch_find_client(b, code, id, err);
    if (rc == CAIRN_OK && *id == 0 && b->deferred) {
        *id = cmap_find(&b->created, code);
    }
    return rc;
}

static int create_client(cairn__batch *b, const char *code, int64_t *id,
                         cairn_error *err)
{
    int rc = CAIRN_OK;
    *id = ++b->next_client;
    if (b->deferred) {
        cmap_add(&b->created, code, *id);
        rc = b->created.full
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : cairn__batch_spill_client(b, *id, code, err);
    } else {
        rc = cairn__batch_insert_client(b, *id, code, err);
    }
    if (rc == CAIRN_OK) {
        b->line.len = 0;
        cairn__client_digest_line(&b->line, *id, code);
        rc = cairn__digest_add(&b->clients, b->line.p, b->line.len, err);
    }
    return rc;
}

int cairn__store_batch_client(cairn__batch *b, const char *code, bool create,
                              int64_t *id, bool *created, cairn_error *err)
{
    size_t n = strlen(code);
    if (created != NULL) {
        *created = false;
    }
    if (b->last_client != 0 && n < sizeof b->last_code &&
        strcmp(b->last_code, code) == 0) {
        *id = b->last_client;
        return CAIRN_OK;
    }
    int rc = find_client(b, code, id, err);
    if (rc == CAIRN_OK && *id == 0) {
        if (!create) {
            return cairn_error_set(err, CAIRN_ENOTFOUND,
                                   "client '%.64s' is not known", code);
        }
        rc = create_client(b, code, id, err);
        if (rc == CAIRN_OK && created != NULL) {
            *created = true;
        }
    }
    if (rc == CAIRN_OK && n < sizeof b->last_code) {
        memcpy(b->last_code, code, n + 1);
        b->last_client = *id;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Definitions                                                         */

static void id_array(cairn__buf *o, const cairn_instrument *inst, bool rules)
{
    size_t n = rules ? cairn_instrument_rule_count(inst)
                     : cairn_instrument_scale_count(inst);
    json_t *a = json_array();
    bool oom = a == NULL;
    for (size_t i = 0; a != NULL && i < n; i++) {
        const char *id = rules ? cairn_instrument_rule(inst, i)->id
                               : cairn_instrument_scale(inst, i)->id;
        oom = json_array_append_new(a, json_string(id)) != 0 || oom;
    }
    cairn__buf_json(o, a);
    o->oom = o->oom || oom;
}

int cairn__batch_insert_definition(cairn__batch *b,
                                   const cairn_instrument *inst, int64_t *id,
                                   cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn__buf scales = CAIRN__BUF_INIT, rules = CAIRN__BUF_INIT;
    const char *fp = NULL;
    int rc = cairn__instrument_fingerprint_get(inst, &fp, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_prep(b->st, ST_DEF_INSERT,
                               "INSERT INTO definition (fingerprint,"
                               " instrument, version, n_items, scales, rules)"
                               " VALUES (?, ?, ?, ?, ?, ?)",
                               &s, err);
    }
    if (rc < 0) {
        return rc;
    }
    id_array(&scales, inst, false);
    id_array(&rules, inst, true);
    if (scales.oom || rules.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else {
        sqlite3_bind_text(s, 1, fp, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, cairn_instrument_code(inst), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, cairn_instrument_version(inst), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(s, 4,
                           (sqlite3_int64)cairn_instrument_item_count(inst));
        sqlite3_bind_text(s, 5, scales.p, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, rules.p, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(b->st, err);
        }
        *id = sqlite3_last_insert_rowid(b->st->db);
    }
    sqlite3_reset(s);
    cairn__buf_free(&scales);
    cairn__buf_free(&rules);
    if (rc == CAIRN_OK) {
        rc = cairn__audit_definition(b->st, *id, err);
    }
    return rc;
}

int cairn__batch_find_definition(cairn__batch *b, const cairn_instrument *inst,
                                 int64_t *id, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    const char *fp = NULL;
    int rc = cairn__instrument_fingerprint_get(inst, &fp, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_prep(b->st, ST_DEF_ID,
                               "SELECT id FROM definition "
                               "WHERE fingerprint = ?",
                               &s, err);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_text(s, 1, fp, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    *id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* The definition id of `inst` and its place in the batch's table.  A
 * deferred batch only reserves the id of a new one: it is inserted under
 * the write lock. */
static int definition_id(cairn__batch *b, const cairn_instrument *inst,
                         int64_t *id, size_t *slot, cairn_error *err)
{
    for (size_t i = 0; i < b->n_defs; i++) {
        if (b->def_inst[i] == inst) {
            *id = b->def_id[i];
            *slot = i;
            return CAIRN_OK;
        }
    }
    if (b->deferred && b->n_defs == CAIRN__BATCH_DEFS) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "more than %d instruments in one import",
                               CAIRN__BATCH_DEFS);
    }
    int rc = cairn__batch_find_definition(b, inst, id, err);
    bool fresh = rc == CAIRN_OK && *id == 0;
    if (fresh && b->deferred) {
        *id = ++b->next_def;
    } else if (fresh) {
        rc = cairn__batch_insert_definition(b, inst, id, err);
    }
    *slot = b->n_defs;
    if (rc == CAIRN_OK && b->n_defs < CAIRN__BATCH_DEFS) {
        b->def_inst[b->n_defs] = inst;
        b->def_new[b->n_defs] = fresh && b->deferred;
        b->def_id[b->n_defs++] = *id;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

/* Append `v` to array `a`; a failure marks `*oom`. */
static void push(json_t *a, json_t *v, bool *oom)
{
    if (a == NULL || json_array_append_new(a, v) != 0) {
        *oom = true;
    }
}

/* Dump `a` into `o` (emptied first) and record any failure. */
static void encode(cairn__buf *o, json_t *a, bool oom)
{
    o->len = 0;
    cairn__buf_json(o, a);
    o->oom = o->oom || oom;
}

/* The responses as a JSON array of codes (null when missing), as jansson
 * writes it compactly: "[" values joined by "," "]".  Imports write
 * millions of rows, so each small code's text (jansson's) is kept. */
static void encode_responses(cairn__batch *b, const cairn_responses *r)
{
    cairn__buf *o = &b->resp;
    o->len = 0;
    cairn__buf_putc(o, '[');
    for (size_t i = 0; i < r->n; i++) {
        int c = r->codes[i];
        if (i > 0) {
            cairn__buf_putc(o, ',');
        }
        if (r->missing[i]) {
            cairn__buf_json(o, json_null());
        } else if (c >= 0 && c < CODE_TEXTS) {
            if (b->code_len[c] == 0) {
                cairn__buf t = CAIRN__BUF_INIT;
                cairn__buf_json(&t, json_integer(c));
                if (!t.oom && t.len < sizeof b->code_text[c]) {
                    memcpy(b->code_text[c], t.p, t.len);
                    b->code_len[c] = (uint8_t)t.len;
                }
                cairn__buf_free(&t);
            }
            if (b->code_len[c] > 0) {
                cairn__buf_put(o, b->code_text[c], b->code_len[c]);
            } else {
                cairn__buf_json(o, json_integer(c));
            }
        } else {
            cairn__buf_json(o, json_integer(c));
        }
    }
    cairn__buf_putc(o, ']');
}

static void encode_scores(cairn__buf *o, const cairn_score *sc)
{
    json_t *a = json_array();
    bool oom = false;
    for (size_t i = 0; i < sc->n_scales; i++) {
        const cairn_scale_score *ss = &sc->scales[i];
        json_t *e = json_array();
        bool banded = ss->has_score && ss->band;
        push(e, ss->has_score ? cairn__json_number(ss->score) : json_null(),
             &oom);
        push(e, cairn__json_string(banded ? ss->band->id : NULL), &oom);
        push(e, json_boolean(ss->prorated), &oom);
        push(a, e, &oom);
    }
    encode(o, a, oom);
}

/* Flags and rules are stored as nothing (len 0) when there are none. */
static void encode_flags(cairn__buf *o, const cairn_score *sc)
{
    o->len = 0;
    if (sc->n_flags == 0) {
        return;
    }
    json_t *a = json_array();
    bool oom = false;
    for (size_t i = 0; i < sc->n_flags; i++) {
        push(a,
             json_pack("[II]", (json_int_t)sc->flags[i].item,
                       (json_int_t)sc->flags[i].code),
             &oom);
    }
    encode(o, a, oom);
}

static void encode_rules(cairn__buf *o, const cairn_score *sc)
{
    o->len = 0;
    if (sc->n_rules == 0) {
        return;
    }
    json_t *a = json_array();
    bool oom = false;
    for (size_t i = 0; i < sc->n_rules; i++) {
        cairn_tristate v = sc->rules[i].value;
        push(a,
             v == CAIRN_UNKNOWN ? json_null() : json_boolean(v == CAIRN_TRUE),
             &oom);
    }
    encode(o, a, oom);
}

#define MEMO_KEY 512

static void key_put(unsigned char *k, size_t *n, const void *p, size_t len)
{
    if (*n < MEMO_KEY && len <= MEMO_KEY - *n) {
        memcpy(k + *n, p, len);
        *n += len;
    } else {
        *n = MEMO_KEY + 1; /* too long: not kept */
    }
}

/* The key of what `kind` ('s' scores, 'f' flags, 'r' rules) encodes of
 * `sc`: every input of the text; 0 when too long to keep. */
static size_t memo_key(unsigned char k[MEMO_KEY], char kind,
                       const cairn_score *sc)
{
    size_t n = 0;
    key_put(k, &n, &kind, 1);
    for (size_t i = 0; kind == 's' && i < sc->n_scales; i++) {
        const cairn_scale_score *ss = &sc->scales[i];
        double v = ss->has_score ? ss->score : 0;
        unsigned char fl = (unsigned char)(ss->has_score | ss->prorated << 1);
        const char *band = ss->has_score && ss->band ? ss->band->id : NULL;
        key_put(k, &n, &v, sizeof v);
        key_put(k, &n, &fl, 1);
        key_put(k, &n, &band, sizeof band); /* ids live with the catalog */
    }
    for (size_t i = 0; kind == 'f' && i < sc->n_flags; i++) {
        key_put(k, &n, &sc->flags[i].item, sizeof sc->flags[i].item);
        key_put(k, &n, &sc->flags[i].code, sizeof sc->flags[i].code);
    }
    for (size_t i = 0; kind == 'r' && i < sc->n_rules; i++) {
        key_put(k, &n, &sc->rules[i].value, sizeof sc->rules[i].value);
    }
    return n <= MEMO_KEY ? n : 0;
}

/* `enc` of `sc` into `o`, from the memo when this tuple was seen. */
static void encode_memo(cairn__memo *memo, cairn__buf *o, char kind,
                        void (*enc)(cairn__buf *, const cairn_score *),
                        const cairn_score *sc)
{
    unsigned char key[MEMO_KEY];
    size_t n = memo != NULL ? memo_key(key, kind, sc) : 0, len = 0;
    const char *t = n > 0 ? cairn__memo_get(memo, key, n, &len) : NULL;
    if (t != NULL) {
        o->len = 0;
        cairn__buf_put(o, t, len);
        return;
    }
    enc(o, sc);
    if (n > 0 && !o->oom) {
        cairn__memo_put(memo, key, n, o->p ? o->p : "", o->len);
    }
}

/* ------------------------------------------------------------------ */
/* Assessments                                                         */

int cairn__batch_probe(cairn__batch *b, int64_t client, const char *inst,
                       const char *date, const char *resp, size_t resp_len,
                       bool *dup, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(b->st, ST_ASSESS_DUP,
                               "SELECT 1 FROM assessment WHERE client_id = "
                               "?1 AND administered_at = ?3 AND instrument "
                               "= ?2 AND responses = ?4 LIMIT 1",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, client);
    sqlite3_bind_text(s, 2, inst, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, resp, (int)resp_len, SQLITE_STATIC);
    int step = sqlite3_step(s);
    *dup = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* Whether the row is stored already.  A deferred batch's own rows are not
 * in the database yet: a row whose key hash it has seen is presumed a
 * duplicate (`*presumed`), which the insert phase checks exactly. */
static int is_duplicate(cairn__batch *b, const cairn__batch_row *row,
                        const char *inst, uint64_t h, bool *dup, bool *presumed,
                        cairn_error *err)
{
    int rc = CAIRN_OK;
    *dup = *presumed = false;
    bool seen = cairn__hset_has(&b->keys, h);
    if (b->deferred && b->keys_full) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else if (b->deferred && seen) {
        *dup = *presumed = true;
    } else if (seen || b->keys_full || row->client_id <= b->base_client) {
        /* immediate: the transaction sees the batch's rows too; else only
         * stored clients can have stored rows */
        rc = cairn__batch_probe(b, row->client_id, inst, row->administered_at,
                                b->resp.p, b->resp.len, dup, err);
    }
    return rc;
}

/* What a single-assessment batch shows in its audit entry. */
void cairn__batch_content_json(cairn__buf *o, const cairn__assess_fields *f)
{
    json_t *c = json_object();
    bool oom = c == NULL;
    cairn__json_set(c, "id", json_integer(f->id), &oom);
    cairn__json_set(c, "client_id", json_integer(f->client_id), &oom);
    cairn__json_set(c, "instrument", cairn__json_string(f->instrument), &oom);
    cairn__json_set(c, "administered_at",
                    cairn__json_string(f->administered_at), &oom);
    cairn__json_set(c, "responses", json_loads(f->responses, 0, NULL), &oom);
    cairn__json_set(c, "scores", json_loads(f->scores, 0, NULL), &oom);
    if (f->supersedes != 0) {
        cairn__json_set(c, "supersedes", json_integer(f->supersedes), &oom);
        cairn__json_set(c, "reason", cairn__json_string(f->reason), &oom);
    }
    encode(o, c, oom);
}

static int check_row(const cairn__batch_row *row, cairn_error *err)
{
    const cairn_instrument *inst = row->score->instrument;
    if (row->resp->n != cairn_instrument_item_count(inst) ||
        row->score->n_scales != cairn_instrument_scale_count(inst) ||
        row->score->n_rules != cairn_instrument_rule_count(inst)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the responses and the score are not of one "
                               "%s response set",
                               cairn_instrument_code(inst));
    }
    return CAIRN_OK;
}

int cairn__batch_account(cairn__batch *b, const cairn__assess_fields *f,
                         cairn_error *err)
{
    int rc = CAIRN_OK;
    if (b->pipe == NULL) { /* else the pipe's thread digests the record */
        b->line.len = 0;
        cairn__assess_digest_line(&b->line, f);
        rc = cairn__digest_add(&b->digest, b->line.p, b->line.len, err);
    }
    if (b->n++ == 0) {
        b->first_id = f->id;
        cairn__batch_content_json(&b->content, f);
    }
    b->last_id = f->id;
    return rc;
}

/* Write (or, deferred, spill) the row `f` with its new id; digest it. */
static int write_row(cairn__batch *b, cairn__assess_fields *f, size_t slot,
                     uint64_t h, cairn_error *err)
{
    f->id = ++b->next_assess;
    int rc = b->deferred ? cairn__batch_spill_row(b, 'a', slot, f, h, err)
                         : cairn__batch_insert_assess(b, f, err);
    return rc < 0 ? rc : cairn__batch_account(b, f, err);
}

int cairn__store_batch_plausible(cairn__batch *b, int64_t client_id,
                                 const char *date, const cairn_instrument *inst,
                                 char *warning, size_t size, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (b->dates.id != client_id) {
        rc = cairn__store_client_dates(b->st, client_id, &b->dates, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_date_plausible(&b->dates, date, inst, warning, size,
                                         err);
    }
    return rc;
}

/* A row decided up to its score: its definition, its responses' text
 * (in b->resp), its key hash, whether it is a duplicate. */
typedef struct pending {
    cairn__assess_fields f;
    size_t slot;
    uint64_t h;
    bool dup, presumed;
} pending;

static int decide(cairn__batch *b, const cairn__batch_row *row,
                  const cairn_instrument *inst, pending *p, cairn_error *err)
{
    memset(p, 0, sizeof *p);
    int rc = definition_id(b, inst, &p->f.definition_id, &p->slot, err);
    if (rc < 0) {
        return rc;
    }
    p->f.instrument = cairn_instrument_code(inst);
    encode_responses(b, row->resp);
    p->h = cairn__batch_row_hash(row->client_id, p->f.instrument,
                                 row->administered_at, b->resp.p, b->resp.len);
    if (row->check_duplicate) {
        rc = is_duplicate(b, row, p->f.instrument, p->h, &p->dup, &p->presumed,
                          err);
    }
    b->n_dup += p->dup;
    p->f.client_id = row->client_id;
    p->f.supersedes = row->supersedes;
    p->f.administered_at = row->administered_at;
    p->f.responses = b->resp.p;
    p->f.reason = row->reason;
    return rc;
}

void cairn__batch_encode_score(cairn__memo *memo, cairn__buf *scores,
                               cairn__buf *flags, cairn__buf *rules,
                               const cairn_score *sc)
{
    encode_memo(memo, scores, 's', encode_scores, sc);
    encode_memo(memo, flags, 'f', encode_flags, sc);
    encode_memo(memo, rules, 'r', encode_rules, sc);
}

int cairn__store_batch_add(cairn__batch *b, const cairn__batch_row *row,
                           bool *duplicate, int64_t *id, cairn_error *err)
{
    pending p;
    int rc = check_row(row, err);
    if (rc < 0) {
        return rc;
    }
    rc = decide(b, row, row->score->instrument, &p, err);
    if (duplicate != NULL) {
        *duplicate = p.dup;
    }
    if (rc < 0 || (p.dup && !p.presumed)) {
        return rc;
    }
    cairn__batch_encode_score(b->memo, &b->scores, &b->flags, &b->rules,
                              row->score);
    if (b->resp.oom || b->scores.oom || b->flags.oom || b->rules.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    p.f.scores = b->scores.p;
    p.f.flags = b->flags.len > 0 ? b->flags.p : NULL;
    p.f.rules = b->rules.len > 0 ? b->rules.p : NULL;
    if (p.presumed) {
        /* kept whole, in case the insert phase finds it is not one */
        return cairn__batch_spill_row(b, 'p', p.slot, &p.f, p.h, err);
    }
    rc = write_row(b, &p.f, p.slot, p.h, err);
    b->keys_full = b->keys_full || cairn__hset_add(&b->keys, p.h) < 0;
    if (id != NULL) {
        *id = p.f.id;
    }
    return rc;
}

int cairn__store_batch_drain(cairn__batch *b, cairn_error *err)
{
    cairn__batch_pipe *pipe = b->pipe;
    b->pipe = NULL;
    return pipe != NULL ? cairn__batch_pipe_finish(pipe, err) : CAIRN_OK;
}

bool cairn__store_batch_scores_later(const cairn__batch *b)
{
    return b->pipe != NULL;
}

int cairn__store_batch_add_later(cairn__batch *b, const cairn__batch_row *row,
                                 const cairn_instrument *inst, bool *duplicate,
                                 cairn_error *err)
{
    pending p;
    if (b->pipe == NULL || row->resp->n != cairn_instrument_item_count(inst)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a %s row cannot be scored later here",
                               cairn_instrument_code(inst));
    }
    int rc = decide(b, row, inst, &p, err);
    *duplicate = p.dup;
    if (rc < 0 || (p.dup && !p.presumed)) {
        return rc;
    }
    if (b->resp.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (p.presumed) {
        return cairn__batch_later_row(b, 'P', p.slot, &p.f, p.h, row->resp,
                                      err);
    }
    p.f.id = ++b->next_assess;
    rc = cairn__batch_later_row(b, 'A', p.slot, &p.f, p.h, row->resp, err);
    if (b->n++ == 0) {
        b->first_id = p.f.id; /* its content: by the pipe's thread */
    }
    b->last_id = p.f.id;
    b->keys_full = b->keys_full || cairn__hset_add(&b->keys, p.h) < 0;
    return rc;
}

static int insert_batch(cairn__batch *b, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(b->st, ST_BATCH_INSERT,
                               "INSERT INTO batch (id, method, action,"
                               " source, entered_by, entered_at,"
                               " assessments, first_id, last_id)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, b->id);
    sqlite3_bind_text(s, 2, cairn_method_name(b->method), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, b->action, -1, SQLITE_STATIC);
    cairn__store_bind_text(s, 4, b->source);
    sqlite3_bind_text(s, 5, b->st->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, b->at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)b->n);
    if (b->n > 0) {
        sqlite3_bind_int64(s, 8, b->first_id);
        sqlite3_bind_int64(s, 9, b->last_id);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

static void batch_after(cairn__batch *b, cairn__buf *o)
{
    json_t *a = json_object();
    bool oom = a == NULL;
    cairn__json_set(a, "batch", json_integer(b->id), &oom);
    cairn__json_set(a, "method", json_string(cairn_method_name(b->method)),
                    &oom);
    cairn__json_set(a, "source", cairn__json_string(b->source), &oom);
    cairn__json_set(a, "at", cairn__json_string(b->at), &oom);
    cairn__json_set(a, "assessments", json_integer((json_int_t)b->n), &oom);
    cairn__json_set(a, "first_id", json_integer(b->first_id), &oom);
    cairn__json_set(a, "last_id", json_integer(b->last_id), &oom);
    cairn__json_set(a, "digest", json_string(b->digest.hex), &oom);
    cairn__json_set(a, "clients_created",
                    json_integer((json_int_t)b->clients.rows), &oom);
    cairn__json_set(a, "clients_digest", json_string(b->clients.hex), &oom);
    if (b->n == 1) {
        cairn__json_set(a, "assessment", json_loads(b->content.p, 0, NULL),
                        &oom);
    }
    encode(o, a, oom);
}

/* A deferred batch: leave the snapshot, wait for the write lock, insert. */
static int take_lock_and_insert(cairn__batch *b, cairn_error *err)
{
    int rc = cairn__store_batch_drain(b, err);
    if (rc < 0) {
        return rc;
    }
    cairn__store_rollback(b->st); /* the read transaction wrote nothing */
    /* decided: the keys are not needed any more (memory for SQLite) */
    cairn__hset_free(&b->keys);
    if (b->before_lock != NULL) {
        b->before_lock(b->lock_ctx);
    }
    /* SQLite's foreign-key checks seek each row's client and definition
     * (a fifth of the insert phase); every parent here was decided on the
     * snapshot, and store_batch_insert.c checks each one once instead.
     * The pragma takes effect only outside a transaction. */
    rc = cairn__store_exec(b->st, "PRAGMA foreign_keys = OFF", err);
    b->fk_off = rc == CAIRN_OK;
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(b->st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__batch_insert_spilled(b, err);
    }
    return rc;
}

int cairn__store_batch_finish(cairn__batch *b, cairn__batch_tally *tally,
                              cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[40];
    int rc = CAIRN_OK;
    if (b->deferred && (b->n > 0 || b->clients.rows > 0)) {
        rc = take_lock_and_insert(b, err);
    }
    if (tally != NULL) {
        tally->stored = b->n;
        tally->duplicates = b->n_dup;
        tally->clients_created = b->clients.rows;
    }
    if (rc == CAIRN_OK && b->n == 0 && b->clients.rows == 0) {
        /* nothing changed: leave no trace, not even the batch row */
        cairn__store_batch_abort(b);
        return CAIRN_OK;
    }
    if (rc == CAIRN_OK) {
        rc = cairn__digest_final(&b->digest, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__digest_final(&b->clients, err);
    }
    if (rc == CAIRN_OK) {
        rc = insert_batch(b, err);
    }
    if (rc == CAIRN_OK) {
        batch_after(b, &after);
        if (after.oom) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    if (rc == CAIRN_OK) {
        snprintf(target, sizeof target, "batch:%lld", (long long)b->id);
        rc = cairn__audit_append(b->st, b->action, target, b->before, after.p,
                                 err);
    }
    cairn__buf_free(&after);
    if (rc < 0) {
        cairn__store_batch_abort(b);
        return rc;
    }
    rc = cairn__store_commit(b->st, err);
    if (rc < 0) {
        fk_restore(b, NULL); /* the commit's error is the one to tell */
    } else {
        rc = fk_restore(b, err);
    }
    batch_free(b);
    return rc;
}

int cairn__store_batch_commit(cairn__batch *b, cairn_error *err)
{
    return cairn__store_batch_finish(b, NULL, err);
}
