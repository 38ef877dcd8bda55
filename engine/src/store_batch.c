/*
 * store_batch.c - the batch writer: one IMMEDIATE transaction that adds
 * clients and assessments, ends with one batch row and one audit entry
 * holding a digest of every row written, and commits or rolls back whole.
 *
 * Inside the transaction nobody else writes, so the ids of new rows are
 * known in advance (the maxima at the start, plus one each).  That lets
 * the caller's thread do all the deciding - client lookups, duplicate
 * detection, ids, the digest - while, in parallel mode (large imports), a
 * writer thread does nothing but the inserts, on the transaction's
 * connection, fed through a small ring of chunks.  The deciding thread
 * reads committed rows through a second, read-only connection whose
 * snapshot is the state before the batch, and remembers what the batch
 * itself wrote in hash sets; whenever those cannot decide (a hash seen
 * before, a new definition) it waits for the writer to drain and asks the
 * transaction's connection, which sees everything.
 *
 * The JSON columns written here are read back by store_read.c:
 *   responses  [code|null, ...]                          item order
 *   scores     [[score|null, band|null, prorated], ...]  definition.scales
 *   flags      [[item, code], ...] or NULL
 *   rules      [true|false|null, ...] or NULL            definition.rules
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

#define DEF_CACHE 16
#define CHUNK_OPS 1024
#define CHUNK_TEXT (128 * 1024)
#define NCHUNK 4

/* A queued insert; text fields are offsets into the chunk's text. */
typedef struct wop {
    bool client; /* a client (text[0] = code), else an assessment */
    int64_t id, client_id, definition_id, supersedes;
    int32_t text[7]; /* instrument, date, responses, scores, flags, rules,
                        reason; -1 = NULL */
} wop;

typedef struct wchunk {
    size_t n;
    wop ops[CHUNK_OPS];
    cairn__buf text;
    bool ready; /* handed to the writer */
} wchunk;

/* Clients created by the batch, for the read-only connection's blind
 * spot: hash of code -> id, codes kept in `codes`. */
typedef struct centry {
    uint64_t h;
    int64_t id;
    size_t code;
} centry;

typedef struct cmap {
    centry *t;
    size_t n, cap;
    cairn__buf codes;
    bool full;
} cmap;

struct cairn__batch {
    cairn_store *st;
    cairn__client_dates dates; /* the last client's, for plausibility */
    int64_t id;
    cairn_method method;
    char *action, *source, *before;
    char at[CAIRN__DATE_MAX];
    cairn__digest digest, clients;
    size_t n;
    int64_t first_id, last_id;
    int64_t base_assess, base_client; /* maxima before the batch */
    int64_t next_assess, next_client; /* last ids given out */
    const cairn_instrument *def_inst[DEF_CACHE];
    int64_t def_id[DEF_CACHE];
    size_t n_defs;
    char last_code[72];
    int64_t last_client;
    cairn__hset keys; /* duplicate keys of the rows written */
    bool keys_full;   /* the set could not grow: ask the database */
    cmap created;
    cairn__buf resp, scores, flags, rules, line, content;
    json_t *resp_json; /* reused by encode_responses: no allocation per row */
    /* parallel mode */
    sqlite3 *rdb;
    sqlite3_stmt *r_client, *r_dup;
    bool threaded, quit, cancel;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wchunk *chunks; /* NCHUNK, or 1 in sequential mode */
    size_t fill;
    int werr;
    cairn_error werr_detail;
};

/* ------------------------------------------------------------------ */
/* Hash sets                                                           */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 1099511628211ULL;
    }
    return (h ^ 0x1f) * 1099511628211ULL;
}

static uint64_t row_hash(int64_t client, const char *inst, const char *date,
                         const char *resp, size_t resp_len)
{
    uint64_t h = fnv(14695981039346656037ULL, &client, sizeof client);
    h = fnv(h, inst, strlen(inst));
    h = fnv(h, date, strlen(date));
    h = fnv(h, resp, resp_len);
    return h != 0 ? h : 1;
}

static bool cmap_grow(cmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    if (cap < m->cap || cap > SIZE_MAX / sizeof(centry)) {
        return false;
    }
    centry *t = calloc(cap, sizeof *t);
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

static int64_t cmap_find(const cmap *m, const char *code)
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

static void cmap_add(cmap *m, const char *code, int64_t id)
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
/* Applying inserts (the writer thread, or the caller in sequential mode) */

static const char *op_text(const wchunk *c, const wop *o, int i)
{
    return o->text[i] < 0 ? NULL : c->text.p + o->text[i];
}

static int apply_op(cairn__batch *b, const wchunk *c, const wop *o,
                    cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;
    if (o->client) {
        rc = cairn__store_prep(b->st, ST_CLIENT_INSERT_BATCH,
                               "INSERT INTO client (id, code, created_batch,"
                               " created_at) VALUES (?, ?, ?, ?)",
                               &s, err);
        if (rc < 0) {
            return rc;
        }
        sqlite3_bind_int64(s, 1, o->id);
        sqlite3_bind_text(s, 2, op_text(c, o, 0), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, b->id);
        sqlite3_bind_text(s, 4, b->at, -1, SQLITE_STATIC);
    } else {
        rc = cairn__store_prep(
            b->st, ST_ASSESS_INSERT,
            "INSERT INTO assessment (id, client_id, definition_id,"
            " instrument, administered_at, responses, scores, flags, rules,"
            " reason, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &s, err);
        if (rc < 0) {
            return rc;
        }
        sqlite3_bind_int64(s, 1, o->id);
        sqlite3_bind_int64(s, 2, o->client_id);
        sqlite3_bind_int64(s, 3, o->definition_id);
        for (int i = 0; i < 7; i++) {
            cairn__store_bind_text(s, i + 4, op_text(c, o, i));
        }
        if (o->supersedes != 0) {
            sqlite3_bind_int64(s, 11, o->supersedes);
        }
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

static int apply_chunk(cairn__batch *b, wchunk *c, cairn_error *err)
{
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < c->n; i++) {
        rc = apply_op(b, c, &c->ops[i], err);
    }
    c->n = 0;
    c->text.len = 0;
    return rc;
}

static void *writer_main(void *arg)
{
    cairn__batch *b = arg;
    size_t i = 0;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (!b->chunks[i].ready && !b->quit) {
            pthread_cond_wait(&b->cv, &b->mu);
        }
        bool work = b->chunks[i].ready && !b->cancel && b->werr == 0;
        bool stop = !b->chunks[i].ready;
        pthread_mutex_unlock(&b->mu);
        if (stop) {
            break;
        }
        cairn_error e = CAIRN_ERROR_INIT;
        int rc = work ? apply_chunk(b, &b->chunks[i], &e) : CAIRN_OK;
        pthread_mutex_lock(&b->mu);
        if (rc < 0 && b->werr == 0) {
            b->werr = rc;
            b->werr_detail = e;
        }
        b->chunks[i].n = 0;
        b->chunks[i].text.len = 0;
        b->chunks[i].ready = false;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        i = (i + 1) % NCHUNK;
    }
    return NULL;
}

static int writer_error(cairn__batch *b, cairn_error *err)
{
    int rc = b->werr;
    if (rc < 0 && err != NULL) {
        *err = b->werr_detail;
    }
    return rc;
}

/* Hand the chunk being filled to the writer and take the next one. */
static int submit(cairn__batch *b, cairn_error *err)
{
    pthread_mutex_lock(&b->mu);
    b->chunks[b->fill].ready = true;
    pthread_cond_broadcast(&b->cv);
    b->fill = (b->fill + 1) % NCHUNK;
    while (b->chunks[b->fill].ready) {
        pthread_cond_wait(&b->cv, &b->mu);
    }
    int rc = writer_error(b, err);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* Wait until every queued insert is done: then the transaction's
 * connection is the caller's to use. */
static int drain(cairn__batch *b, cairn_error *err)
{
    if (!b->threaded) {
        return CAIRN_OK;
    }
    int rc = b->chunks[b->fill].n > 0 ? submit(b, err) : CAIRN_OK;
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < NCHUNK; i++) {
        while (b->chunks[i].ready) {
            pthread_cond_wait(&b->cv, &b->mu);
        }
    }
    if (rc == CAIRN_OK) {
        rc = writer_error(b, err);
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* Stop the writer thread (after the queued work unless `cancel`). */
static void stop_writer(cairn__batch *b, bool cancel)
{
    if (!b->threaded) {
        return;
    }
    pthread_mutex_lock(&b->mu);
    b->quit = true;
    b->cancel = cancel;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    b->threaded = false;
}

static int32_t put_text(wchunk *c, const char *s)
{
    if (s == NULL) {
        return -1;
    }
    int32_t off = (int32_t)c->text.len;
    cairn__buf_put(&c->text, s, strlen(s) + 1);
    return off;
}

/* Queue an insert (parallel) or do it now (sequential). */
static int enqueue(cairn__batch *b, const wop *o, const char *const t[7],
                   cairn_error *err)
{
    wchunk *c = &b->chunks[b->threaded ? b->fill : 0];
    wop *slot = &c->ops[c->n++];
    *slot = *o;
    for (int i = 0; i < 7; i++) {
        slot->text[i] = put_text(c, t[i]);
    }
    if (c->text.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (!b->threaded) {
        return apply_chunk(b, c, err);
    }
    if (c->n == CHUNK_OPS || c->text.len >= CHUNK_TEXT) {
        return submit(b, err);
    }
    return CAIRN_OK;
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

static void close_reader(cairn__batch *b)
{
    sqlite3_finalize(b->r_client);
    sqlite3_finalize(b->r_dup);
    sqlite3_close(b->rdb);
    b->r_client = b->r_dup = NULL;
    b->rdb = NULL;
}

static void batch_free(cairn__batch *b)
{
    if (b == NULL) {
        return;
    }
    stop_writer(b, true);
    close_reader(b);
    free(b->action);
    free(b->source);
    free(b->before);
    cairn__digest_free(&b->digest);
    cairn__digest_free(&b->clients);
    cairn__buf *bufs[] = {&b->resp, &b->scores,  &b->flags,        &b->rules,
                          &b->line, &b->content, &b->created.codes};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        cairn__buf_free(bufs[i]);
    }
    for (size_t i = 0; b->chunks != NULL && i < NCHUNK; i++) {
        cairn__buf_free(&b->chunks[i].text);
    }
    free(b->chunks);
    cairn__hset_free(&b->keys);
    free(b->created.t);
    json_decref(b->resp_json);
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

static int read_bases(cairn__batch *b, cairn_error *err)
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
    b->id = last_batch + 1;
    b->next_assess = b->base_assess;
    b->next_client = b->base_client;
    return rc;
}

int cairn__store_batch_begin(cairn__batch **out, cairn_store *st,
                             cairn_method method, const char *action,
                             const char *source, cairn_error *err)
{
    bool oom = false;
    *out = NULL;
    cairn__batch *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    b->st = st;
    b->method = method;
    b->action = dup_or_null(action, &oom);
    b->source = dup_or_null(source, &oom);
    b->chunks = calloc(NCHUNK, sizeof *b->chunks);
    cairn__digest_init(&b->digest);
    cairn__digest_init(&b->clients);
    cairn__store_now(b->at);
    if (oom || b->chunks == NULL) {
        batch_free(b);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        batch_free(b);
        return rc;
    }
    rc = read_bases(b, err);
    if (rc < 0) {
        cairn__store_batch_abort(b);
        return rc;
    }
    *out = b;
    return CAIRN_OK;
}

static int reader_error(cairn__batch *b, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EDB, "%s: %s", b->st->path,
                           b->rdb ? sqlite3_errmsg(b->rdb) : "out of memory");
}

/* A read-only connection whose snapshot is the state before the batch. */
static int open_reader(cairn__batch *b, cairn_error *err)
{
    if (sqlite3_open_v2(b->st->path, &b->rdb,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(b->rdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(b->rdb, "SELECT count(*) FROM batch", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(b->rdb, "SELECT id FROM client WHERE code = ?", -1,
                           &b->r_client, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(b->rdb,
                           "SELECT 1 FROM assessment WHERE client_id = ?1"
                           " AND administered_at = ?3 AND instrument = ?2"
                           " AND responses = ?4 LIMIT 1",
                           -1, &b->r_dup, NULL) != SQLITE_OK) {
        int rc = reader_error(b, err);
        close_reader(b);
        return rc;
    }
    return CAIRN_OK;
}

int cairn__store_batch_parallel(cairn__batch *b, cairn_error *err)
{
    if (strcmp(b->st->path, ":memory:") == 0 || b->threaded) {
        return CAIRN_OK;
    }
    int rc = open_reader(b, err);
    if (rc < 0) {
        return rc;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (pthread_create(&b->thread, NULL, writer_main, b) != 0) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        close_reader(b);
        return CAIRN_OK; /* sequential still works */
    }
    b->threaded = true;
    return CAIRN_OK;
}

/* Give up the pipeline (a set is full): from now on, sequential. */
static int go_sequential(cairn__batch *b, cairn_error *err)
{
    int rc = drain(b, err);
    stop_writer(b, false);
    close_reader(b);
    b->fill = 0;
    return rc;
}

void cairn__store_batch_abort(cairn__batch *b)
{
    if (b == NULL) {
        return;
    }
    stop_writer(b, true);
    cairn__store_rollback(b->st);
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

/* The id of `code` among committed clients (or all, sequentially). */
static int find_client(cairn__batch *b, const char *code, int64_t *id,
                       cairn_error *err)
{
    sqlite3_stmt *s = b->r_client;
    int rc = CAIRN_OK;
    if (s == NULL) {
        rc = cairn__store_prep(b->st, ST_CLIENT_ID,
                               "SELECT id, partner_id FROM client "
                               "WHERE code = ?",
                               &s, err);
        if (rc < 0) {
            return rc;
        }
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    *id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = b->rdb ? reader_error(b, err) : cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    if (rc == CAIRN_OK && *id == 0 && b->rdb != NULL) {
        *id = cmap_find(&b->created, code);
    }
    return rc;
}

static int create_client(cairn__batch *b, const char *code, int64_t *id,
                         cairn_error *err)
{
    wop o;
    const char *t[7] = {code, NULL, NULL, NULL, NULL, NULL, NULL};
    memset(&o, 0, sizeof o);
    o.client = true;
    o.id = *id = ++b->next_client;
    if (b->rdb != NULL) {
        cmap_add(&b->created, code, o.id);
    }
    int rc = enqueue(b, &o, t, err);
    if (rc == CAIRN_OK) {
        b->line.len = 0;
        cairn__client_digest_line(&b->line, o.id, code);
        rc = cairn__digest_add(&b->clients, b->line.p, b->line.len, err);
    }
    if (rc == CAIRN_OK && b->created.full && b->threaded) {
        rc = go_sequential(b, err);
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

static int insert_definition(cairn__batch *b, const cairn_instrument *inst,
                             int64_t *id, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn__buf scales = CAIRN__BUF_INIT, rules = CAIRN__BUF_INIT;
    int rc = cairn__store_prep(b->st, ST_DEF_INSERT,
                               "INSERT INTO definition (fingerprint,"
                               " instrument, version, n_items, scales, rules)"
                               " VALUES (?, ?, ?, ?, ?, ?)",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    id_array(&scales, inst, false);
    id_array(&rules, inst, true);
    if (scales.oom || rules.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else {
        sqlite3_bind_text(s, 1, cairn_instrument_fingerprint(inst), -1,
                          SQLITE_STATIC);
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

static int definition_id(cairn__batch *b, const cairn_instrument *inst,
                         int64_t *id, cairn_error *err)
{
    for (size_t i = 0; i < b->n_defs; i++) {
        if (b->def_inst[i] == inst) {
            *id = b->def_id[i];
            return CAIRN_OK;
        }
    }
    sqlite3_stmt *s = NULL;
    int rc = drain(b, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_prep(b->st, ST_DEF_ID,
                               "SELECT id FROM definition "
                               "WHERE fingerprint = ?",
                               &s, err);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_text(s, 1, cairn_instrument_fingerprint(inst), -1,
                      SQLITE_STATIC);
    int step = sqlite3_step(s);
    *id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    if (rc == CAIRN_OK && *id == 0) {
        rc = insert_definition(b, inst, id, err);
    }
    if (rc == CAIRN_OK && b->n_defs < DEF_CACHE) {
        b->def_inst[b->n_defs] = inst;
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

/* The responses as a JSON array of codes (null when missing).  Imports
 * write millions of rows, so the array `*keep` is kept between rows and
 * only its values change. */
static void encode_responses(cairn__buf *o, json_t **keep,
                             const cairn_responses *r)
{
    bool oom = false;
    if (*keep == NULL || json_array_size(*keep) != r->n) {
        json_decref(*keep);
        *keep = json_array();
        for (size_t i = 0; i < r->n; i++) {
            push(*keep, json_null(), &oom);
        }
    }
    json_t *a = *keep;
    for (size_t i = 0; a != NULL && i < r->n; i++) {
        json_t *v = json_array_get(a, i);
        if (r->missing[i]) {
            oom = json_array_set(a, i, json_null()) != 0 || oom;
        } else if (json_is_integer(v)) {
            json_integer_set(v, r->codes[i]);
        } else {
            oom =
                json_array_set_new(a, i, json_integer(r->codes[i])) != 0 || oom;
        }
    }
    encode(o, json_incref(a), oom);
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

/* ------------------------------------------------------------------ */
/* Assessments                                                         */

/* Exact: is this row stored, committed or in the batch? */
static int probe(cairn__batch *b, sqlite3_stmt *s, int64_t client,
                 const char *inst, const char *date, bool *dup,
                 cairn_error *err)
{
    int rc = CAIRN_OK;
    if (s == NULL) {
        rc = cairn__store_prep(b->st, ST_ASSESS_DUP,
                               "SELECT 1 FROM assessment WHERE client_id = "
                               "?1 AND administered_at = ?3 AND instrument "
                               "= ?2 AND responses = ?4 LIMIT 1",
                               &s, err);
        if (rc < 0) {
            return rc;
        }
    }
    sqlite3_bind_int64(s, 1, client);
    sqlite3_bind_text(s, 2, inst, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, b->resp.p, (int)b->resp.len, SQLITE_STATIC);
    int step = sqlite3_step(s);
    *dup = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = s == b->r_dup ? reader_error(b, err)
                           : cairn__store_dberr(b->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

static int is_duplicate(cairn__batch *b, const cairn__batch_row *row,
                        const char *inst, uint64_t h, bool *dup,
                        cairn_error *err)
{
    int rc = CAIRN_OK;
    *dup = false;
    if (cairn__hset_has(&b->keys, h) || b->keys_full) {
        /* seen in this batch (or cannot tell): ask the transaction */
        rc = drain(b, err);
        if (rc == CAIRN_OK) {
            rc = probe(b, NULL, row->client_id, inst, row->administered_at, dup,
                       err);
        }
    } else if (row->client_id <= b->base_client) {
        /* committed rows only; the batch's own are all in the set */
        rc = probe(b, b->r_dup, row->client_id, inst, row->administered_at, dup,
                   err);
    }
    return rc;
}

/* What a single-assessment batch shows in its audit entry. */
static void content_json(cairn__buf *o, const cairn__assess_fields *f)
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

/* Write the row described by `f` (id given here) and digest it. */
static int write_row(cairn__batch *b, cairn__assess_fields *f, cairn_error *err)
{
    wop o;
    memset(&o, 0, sizeof o);
    f->id = ++b->next_assess;
    o.id = f->id;
    o.client_id = f->client_id;
    o.definition_id = f->definition_id;
    o.supersedes = f->supersedes;
    const char *t[7] = {f->instrument, f->administered_at, f->responses,
                        f->scores,     f->flags,           f->rules,
                        f->reason};
    int rc = enqueue(b, &o, t, err);
    if (rc < 0) {
        return rc;
    }
    b->line.len = 0;
    cairn__assess_digest_line(&b->line, f);
    rc = cairn__digest_add(&b->digest, b->line.p, b->line.len, err);
    if (b->n++ == 0) {
        b->first_id = f->id;
        content_json(&b->content, f);
    }
    b->last_id = f->id;
    return rc;
}

int cairn__store_batch_plausible(cairn__batch *b, int64_t client_id,
                                 const char *date, const cairn_instrument *inst,
                                 char *warning, size_t size, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (b->dates.id != client_id) {
        /* the writer thread owns the connection while it runs */
        rc = drain(b, err);
        if (rc == CAIRN_OK) {
            rc = cairn__store_client_dates(b->st, client_id, &b->dates, err);
        }
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_date_plausible(&b->dates, date, inst, warning, size,
                                         err);
    }
    return rc;
}

int cairn__store_batch_add(cairn__batch *b, const cairn__batch_row *row,
                           bool *duplicate, int64_t *id, cairn_error *err)
{
    const cairn_instrument *inst = row->score->instrument;
    cairn__assess_fields f;
    bool dup = false;
    memset(&f, 0, sizeof f);
    int rc = check_row(row, err);
    if (rc == CAIRN_OK) {
        rc = definition_id(b, inst, &f.definition_id, err);
    }
    if (rc < 0) {
        return rc;
    }
    f.instrument = cairn_instrument_code(inst);
    encode_responses(&b->resp, &b->resp_json, row->resp);
    uint64_t h = row_hash(row->client_id, f.instrument, row->administered_at,
                          b->resp.p, b->resp.len);
    if (row->check_duplicate) {
        rc = is_duplicate(b, row, f.instrument, h, &dup, err);
    }
    if (duplicate != NULL) {
        *duplicate = dup;
    }
    if (rc < 0 || dup) {
        return rc;
    }
    encode_scores(&b->scores, row->score);
    encode_flags(&b->flags, row->score);
    encode_rules(&b->rules, row->score);
    if (b->resp.oom || b->scores.oom || b->flags.oom || b->rules.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    f.client_id = row->client_id;
    f.supersedes = row->supersedes;
    f.administered_at = row->administered_at;
    f.responses = b->resp.p;
    f.scores = b->scores.p;
    f.flags = b->flags.len > 0 ? b->flags.p : NULL;
    f.rules = b->rules.len > 0 ? b->rules.p : NULL;
    f.reason = row->reason;
    rc = write_row(b, &f, err);
    b->keys_full = b->keys_full || cairn__hset_add(&b->keys, h) < 0;
    if (rc == CAIRN_OK && b->threaded && b->keys_full) {
        rc = go_sequential(b, err);
    }
    if (id != NULL) {
        *id = f.id;
    }
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

int cairn__store_batch_commit(cairn__batch *b, cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[40];
    int rc = drain(b, err);
    stop_writer(b, false);
    close_reader(b);
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
    batch_free(b);
    return rc;
}
