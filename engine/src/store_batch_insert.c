/*
 * store_batch_insert.c - a deferred batch's rows: kept in a spill while
 * the import reads (outside any write lock), inserted under it.
 *
 * Every row was decided against the snapshot the batch began with: its
 * id, its client's id (a client it creates gets the next free id), its
 * definition's id, whether it is a duplicate, and the digest lines.  The
 * insert phase first reads the maxima again.  When nobody wrote in
 * between (the usual case) every decision stands and the rows go in as
 * they are.  When somebody did, it decides again exactly what that can
 * change - a client now stored under the same code, a definition added
 * meanwhile, a stored row that duplicates one of the batch's, and the ids
 * after them - and digests the rows once more as written.  Either way the
 * database holds what an immediate batch would have written at that
 * moment, and the audit digests cover exactly those rows.
 *
 * Spill records (host order; they never outlive the process):
 *   'c' id(i64) code NUL                              a client to create
 *   'a'|'p' slot(u8) id client supersedes (i64) hash(u64)
 *           then date, responses, scores, flags, rules, reason, each
 *           len(i32, -1 = NULL) bytes NUL            a row; 'p' = presumed
 *                                                    a duplicate of the
 *                                                    batch's own (checked)
 * Records handed to the pipe's thread (store_batch_pipe.c) are these, or
 * a row added unscored, which that thread scores into an 'a' or 'p':
 *   'A'|'P' slot(u8) id client supersedes (i64) hash(u64) n(u32)
 *           codes (int[n]) missing (u8[n]) then date, responses, reason
 *           as above
 */
#include <stdlib.h>
#include <string.h>

#include "store_batch.h"

#define TEXTS 6

static void put_bytes(cairn__buf *o, const void *p, size_t n)
{
    cairn__buf_put(o, (const char *)p, n);
}

static void put_text(cairn__buf *o, const char *s)
{
    int32_t n = s == NULL ? -1 : (int32_t)strlen(s);
    put_bytes(o, &n, sizeof n);
    if (s != NULL) {
        put_bytes(o, s, (size_t)n + 1);
    }
}

/* The record in `o` to the spill, through the pipe's thread if any. */
static int spill_put(cairn__batch *b, const cairn__buf *o, cairn_error *err)
{
    return b->pipe != NULL ? cairn__batch_pipe_put(b->pipe, o->p, o->len, err)
                           : cairn__spill_put(b->spill, o->p, o->len, err);
}

int cairn__batch_spill_client(cairn__batch *b, int64_t id, const char *code,
                              cairn_error *err)
{
    cairn__buf *o = &b->rec;
    o->len = 0;
    cairn__buf_putc(o, 'c');
    put_bytes(o, &id, sizeof id);
    put_bytes(o, code, strlen(code) + 1);
    if (o->oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return spill_put(b, o, err);
}

/* The spill's record of a row into `o` (emptied first). */
static void put_row(cairn__buf *o, char kind, size_t slot,
                    const cairn__assess_fields *f, uint64_t h)
{
    uint8_t s8 = (uint8_t)slot;
    int64_t id = kind == 'a' ? f->id : 0;
    o->len = 0;
    cairn__buf_putc(o, kind);
    put_bytes(o, &s8, 1);
    put_bytes(o, &id, sizeof id);
    put_bytes(o, &f->client_id, sizeof f->client_id);
    put_bytes(o, &f->supersedes, sizeof f->supersedes);
    put_bytes(o, &h, sizeof h);
    const char *t[TEXTS] = {f->administered_at, f->responses, f->scores,
                            f->flags,           f->rules,     f->reason};
    for (int i = 0; i < TEXTS; i++) {
        put_text(o, t[i]);
    }
}

int cairn__batch_spill_row(cairn__batch *b, char kind, size_t slot,
                           const cairn__assess_fields *f, uint64_t h,
                           cairn_error *err)
{
    put_row(&b->rec, kind, slot, f, h);
    if (b->rec.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return spill_put(b, &b->rec, err);
}

int cairn__batch_later_row(cairn__batch *b, char kind, size_t slot,
                           const cairn__assess_fields *f, uint64_t h,
                           const cairn_responses *resp, cairn_error *err)
{
    cairn__buf *o = &b->rec;
    uint8_t s8 = (uint8_t)slot;
    uint32_t n = (uint32_t)resp->n;
    o->len = 0;
    cairn__buf_putc(o, kind);
    put_bytes(o, &s8, 1);
    put_bytes(o, &f->id, sizeof f->id);
    put_bytes(o, &f->client_id, sizeof f->client_id);
    put_bytes(o, &f->supersedes, sizeof f->supersedes);
    put_bytes(o, &h, sizeof h);
    put_bytes(o, &n, sizeof n);
    put_bytes(o, resp->codes, resp->n * sizeof *resp->codes);
    for (size_t i = 0; i < resp->n; i++) {
        cairn__buf_putc(o, resp->missing[i] ? 1 : 0);
    }
    put_text(o, f->administered_at);
    put_text(o, f->responses);
    put_text(o, f->reason);
    if (o->oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return cairn__batch_pipe_put(b->pipe, o->p, o->len, err);
}

/* ------------------------------------------------------------------ */
/* Reading records back                                                */

typedef struct rec {
    char kind;
    size_t slot;
    int64_t id, client;
    uint64_t h;
    const char *code;  /* 'c' */
    size_t resp_len;   /* of f.responses */
    size_t len[TEXTS]; /* of date, responses, ... reason (0: NULL) */
    cairn__assess_fields f;
} rec;

static const char *take(const char **p, const char *end, void *out, size_t n)
{
    if (*p == NULL || (size_t)(end - *p) < n) {
        *p = NULL;
        return NULL;
    }
    const char *at = *p;
    if (out != NULL) {
        memcpy(out, at, n);
    }
    *p += n;
    return at;
}

static const char *take_text(const char **p, const char *end, size_t *len)
{
    int32_t n = 0;
    take(p, end, &n, sizeof n);
    if (*p == NULL || n < 0) {
        return NULL;
    }
    *len = (size_t)n;
    return take(p, end, NULL, (size_t)n + 1);
}

static int parse(rec *r, const char *p, size_t len, cairn_error *err)
{
    const char *end = p + len;
    memset(r, 0, sizeof r->f);
    r->kind = len > 0 ? p[0] : 0;
    p++;
    if (r->kind == 'c') {
        take(&p, end, &r->id, sizeof r->id);
        r->code = p;
        return p != NULL && end > p && end[-1] == '\0'
                   ? CAIRN_OK
                   : cairn_error_set(err, CAIRN_EIO,
                                     "the import's temporary "
                                     "file is damaged");
    }
    uint8_t s8 = 0;
    take(&p, end, &s8, 1);
    take(&p, end, &r->id, sizeof r->id);
    take(&p, end, &r->client, sizeof r->client);
    take(&p, end, &r->f.supersedes, sizeof r->f.supersedes);
    take(&p, end, &r->h, sizeof r->h);
    size_t n = 0;
    const char **t[TEXTS] = {&r->f.administered_at, &r->f.responses,
                             &r->f.scores,          &r->f.flags,
                             &r->f.rules,           &r->f.reason};
    for (int i = 0; i < TEXTS; i++) {
        n = 0;
        *t[i] = take_text(&p, end, &n);
        r->len[i] = *t[i] != NULL ? n : 0;
    }
    r->resp_len = r->len[1];
    r->slot = s8;
    if (p == NULL || (r->kind != 'a' && r->kind != 'p') ||
        r->f.administered_at == NULL || r->f.responses == NULL) {
        return cairn_error_set(err, CAIRN_EIO,
                               "the import's temporary file is damaged");
    }
    return CAIRN_OK;
}

static int damaged(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EIO,
                           "the import's temporary file is damaged");
}

/* A row added unscored ('A', 'P'): its fields, its codes into the slot's
 * response set (made on first use). */
static int parse_later(cairn__batch *b, cairn__batch_scorer *s, rec *r,
                       const char *p, size_t len, cairn_error *err)
{
    const char *end = p + len;
    uint8_t s8 = 0;
    uint32_t n = 0;
    memset(r, 0, sizeof *r);
    r->kind = *p++ == 'A' ? 'a' : 'p';
    take(&p, end, &s8, 1);
    take(&p, end, &r->id, sizeof r->id);
    take(&p, end, &r->client, sizeof r->client);
    take(&p, end, &r->f.supersedes, sizeof r->f.supersedes);
    take(&p, end, &r->h, sizeof r->h);
    take(&p, end, &n, sizeof n);
    if (p == NULL || s8 >= CAIRN__BATCH_DEFS) {
        return damaged(err);
    }
    r->slot = s8;
    const cairn_instrument *inst = b->def_inst[s8];
    cairn_responses **resp = &s->resp[s8];
    int rc = *resp == NULL ? cairn_responses_new(resp, inst, err) : CAIRN_OK;
    if (rc < 0 || (*resp)->n != n) {
        return rc < 0 ? rc : damaged(err);
    }
    const char *codes = take(&p, end, NULL, n * sizeof *(*resp)->codes);
    const char *missing = take(&p, end, NULL, n);
    if (p == NULL) {
        return damaged(err);
    }
    memcpy((*resp)->codes, codes, n * sizeof *(*resp)->codes);
    for (size_t i = 0; i < n; i++) {
        (*resp)->missing[i] = missing[i] != 0;
    }
    size_t t = 0;
    r->f.administered_at = take_text(&p, end, &t);
    r->f.responses = take_text(&p, end, &r->resp_len);
    r->f.reason = take_text(&p, end, &t);
    if (p == NULL || r->f.administered_at == NULL || r->f.responses == NULL) {
        return damaged(err);
    }
    r->f.id = r->kind == 'a' ? r->id : 0;
    r->f.client_id = r->client;
    r->f.definition_id = b->def_id[s8];
    r->f.instrument = cairn_instrument_code(inst);
    return CAIRN_OK;
}

/* Score a row added unscored; its record for the spill into s->rec. */
static int score_later(cairn__batch *b, cairn__batch_scorer *s, const char *p,
                       size_t len, rec *r, cairn_error *err)
{
    cairn_score *sc = NULL;
    int rc = parse_later(b, s, r, p, len, err);
    if (rc == CAIRN_OK) {
        rc = cairn_score_compute(&sc, b->def_inst[r->slot], s->resp[r->slot],
                                 err);
    }
    if (rc < 0) {
        return rc;
    }
    cairn__batch_encode_score(s->memo, &s->scores, &s->flags, &s->rules, sc);
    cairn_score_free(sc);
    r->f.scores = s->scores.p;
    r->f.flags = s->flags.len > 0 ? s->flags.p : NULL;
    r->f.rules = s->rules.len > 0 ? s->rules.p : NULL;
    put_row(&s->rec, r->kind, r->slot, &r->f, r->h);
    if (s->scores.oom || s->flags.oom || s->rules.oom || s->rec.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}

int cairn__batch_pipe_record(cairn__batch *b, cairn__batch_scorer *s,
                             const char *p, size_t len, cairn_error *err)
{
    rec r;
    bool later = len > 0 && (p[0] == 'A' || p[0] == 'P');
    int rc = later ? score_later(b, s, p, len, &r, err) : CAIRN_OK;
    if (rc == CAIRN_OK && later) {
        rc = cairn__spill_put(b->spill, s->rec.p, s->rec.len, err);
    } else if (rc == CAIRN_OK) {
        rc = cairn__spill_put(b->spill, p, len, err);
        if (rc == CAIRN_OK) {
            rc = parse(&r, p, len, err);
        }
        if (rc == CAIRN_OK && r.kind == 'a') {
            r.f.id = r.id;
            r.f.client_id = r.client;
            r.f.definition_id = b->def_id[r.slot];
            r.f.instrument = cairn_instrument_code(b->def_inst[r.slot]);
        }
    }
    if (rc < 0 || r.kind != 'a') {
        return rc;
    }
    s->line.len = 0;
    cairn__assess_digest_line(&s->line, &r.f);
    rc = cairn__digest_add(&b->digest, s->line.p, s->line.len, err);
    if (later && !s->content) {
        cairn__batch_content_json(&b->content, &r.f);
        s->content = true;
    }
    return rc;
}

void cairn__batch_scorer_free(cairn__batch_scorer *s)
{
    for (size_t i = 0; i < CAIRN__BATCH_DEFS; i++) {
        cairn_responses_free(s->resp[i]);
    }
    cairn__memo_free(s->memo);
    cairn__buf *bufs[] = {&s->scores, &s->flags, &s->rules, &s->rec, &s->line};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        cairn__buf_free(bufs[i]);
    }
}

/* ------------------------------------------------------------------ */
/* The insert phase                                                    */

typedef struct phase {
    int64_t old_assess, old_client; /* the snapshot's maxima */
    bool moved;       /* somebody wrote between snapshot and lock */
    bool redo;        /* a decision changed: digest again */
    cairn__hset late; /* keys of rows written by others meanwhile */
    int64_t *client;  /* created client k (snapshot id old_client+1+k) */
    uint8_t *written; /* bit per row record: inserted */
    size_t n_rows;
    sqlite3_stmt *has_client, *has_assess; /* the parents' checks */
    int64_t checked_client;                /* the last client found */
} phase;

/* Whether `*s` (prepared from `sql` on first use) finds row `id`. */
static int row_exists(cairn__batch *b, sqlite3_stmt **s, const char *sql,
                      int64_t id, bool *yes, cairn_error *err)
{
    if (*s == NULL &&
        sqlite3_prepare_v2(b->st->db, sql, -1, s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(b->st, err);
    }
    sqlite3_bind_int64(*s, 1, id);
    int step = sqlite3_step(*s);
    *yes = step == SQLITE_ROW;
    sqlite3_reset(*s);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? CAIRN_OK
               : cairn__store_dberr(b->st, err);
}

/*
 * The foreign keys of a row, checked here while SQLite's checks are off
 * (store_batch.c): its definition was found or inserted by
 * settle_definitions, a client the batch created is inserted in the same
 * transaction as its rows, so what is left is a stored client (once per run of
 * its rows) and an amended row.  Both were read on the snapshot, and neither
 * clients nor assessments are ever deleted, so these checks hold by the schema;
 * they cost one lookup per client, not two seeks per row.
 */
static int check_parents(cairn__batch *b, phase *ph,
                         const cairn__assess_fields *f, cairn_error *err)
{
    bool yes = true;
    int rc = CAIRN_OK;
    if (f->client_id <= ph->old_client && f->client_id != ph->checked_client) {
        rc = row_exists(b, &ph->has_client, "SELECT 1 FROM client WHERE id = ?",
                        f->client_id, &yes, err);
        ph->checked_client = yes ? f->client_id : 0;
    }
    if (rc == CAIRN_OK && yes && f->supersedes != 0) {
        rc = row_exists(b, &ph->has_assess,
                        "SELECT 1 FROM assessment WHERE id = ?", f->supersedes,
                        &yes, err);
    }
    if (rc == CAIRN_OK && !yes) {
        rc = cairn_error_set(err, CAIRN_EDB,
                             "%s: assessment %lld refers to a client or an "
                             "assessment that is not stored",
                             b->st->path, (long long)f->id);
    }
    return rc;
}

/*
 * Rows go in GROUP at a time, in one multi-row INSERT: SQLite's cost per
 * statement (about a third of a single-row insert) is paid once a group.
 * A group keeps copies of its records (a spill lends each only until the
 * next) with the ids they settled on; a shorter last group goes in row by
 * row.  The ids stay implied (NULL: max(id) + 1, as one row at a time),
 * and the last one is checked.  A probe for a duplicate first flushes the
 * group, so it sees every row the batch wrote before it.
 */
#define GROUP 32
#define GROUP_COLS 10

typedef struct group {
    sqlite3_stmt *ins; /* GROUP rows; prepared on the first full group */
    size_t n;
    rec row[GROUP];            /* settled; texts as offsets below */
    size_t at[GROUP];          /* each record's copy in `buf` */
    size_t text[GROUP][TEXTS]; /* each text's offset in its record
                                  (SIZE_MAX: NULL) */
    cairn__buf buf;
} group;

/* A statement inserting GROUP rows: `head` then GROUP times `row`
 * ("(?,...)"), comma-separated. */
static int prepare_rows(cairn__batch *b, sqlite3_stmt **out, const char *head,
                        const char *row, cairn_error *err)
{
    cairn__buf sql = CAIRN__BUF_INIT;
    int rc = CAIRN_OK;
    cairn__buf_puts(&sql, head);
    for (size_t i = 0; i < GROUP; i++) {
        cairn__buf_puts(&sql, i == 0 ? "" : ",");
        cairn__buf_puts(&sql, row);
    }
    cairn__buf_putc(&sql, '\0');
    if (sql.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else if (sqlite3_prepare_v2(b->st->db, sql.p, -1, out, NULL) !=
               SQLITE_OK) {
        rc = cairn__store_dberr(b->st, err);
    }
    cairn__buf_free(&sql);
    return rc;
}

static int prepare_group(cairn__batch *b, group *g, cairn_error *err)
{
    return prepare_rows(b, &g->ins,
                        "INSERT INTO assessment (client_id,"
                        " definition_id, instrument, administered_at,"
                        " responses, scores, flags, rules, reason,"
                        " supersedes) VALUES ",
                        "(?,?,?,?,?,?,?,?,?,?)", err);
}

/* The group's row k, its texts pointing into the group's copy. */
static void group_row(const cairn__batch *b, const group *g, size_t k, rec *r)
{
    const char **t[TEXTS] = {&r->f.administered_at, &r->f.responses,
                             &r->f.scores,          &r->f.flags,
                             &r->f.rules,           &r->f.reason};
    *r = g->row[k];
    for (int i = 0; i < TEXTS; i++) {
        *t[i] = g->text[k][i] == SIZE_MAX ? NULL
                                          : g->buf.p + g->at[k] + g->text[k][i];
    }
    r->f.definition_id = b->def_id[r->slot];
    r->f.instrument = cairn_instrument_code(b->def_inst[r->slot]);
}

static void bind_len(sqlite3_stmt *s, int i, const char *t, size_t n)
{
    if (t == NULL) {
        sqlite3_bind_null(s, i);
    } else {
        sqlite3_bind_text(s, i, t, (int)n, SQLITE_STATIC);
    }
}

/* Bind the group's row k into the group's statement. */
static void bind_group_row(const cairn__batch *b, group *g, size_t k)
{
    rec r;
    int c = (int)(k * GROUP_COLS);
    group_row(b, g, k, &r);
    const char *t[TEXTS] = {r.f.administered_at, r.f.responses, r.f.scores,
                            r.f.flags,           r.f.rules,     r.f.reason};
    sqlite3_bind_int64(g->ins, c + 1, r.f.client_id);
    sqlite3_bind_int64(g->ins, c + 2, r.f.definition_id);
    cairn__store_bind_text(g->ins, c + 3, r.f.instrument);
    for (int i = 0; i < TEXTS; i++) {
        bind_len(g->ins, c + 4 + i, t[i], r.len[i]);
    }
    if (r.f.supersedes != 0) {
        sqlite3_bind_int64(g->ins, c + 10, r.f.supersedes);
    } else {
        sqlite3_bind_null(g->ins, c + 10);
    }
}

/* Insert the group's rows: all at once when full, else one by one. */
static int flush_group(cairn__batch *b, group *g, cairn_error *err)
{
    rec r;
    int rc = CAIRN_OK;
    if (g->n == GROUP && g->ins == NULL) {
        rc = prepare_group(b, g, err);
    }
    for (size_t k = 0; rc == CAIRN_OK && k < g->n; k++) {
        if (g->n < GROUP) {
            group_row(b, g, k, &r);
            rc = cairn__batch_insert_assess(b, &r.f, err);
        } else {
            bind_group_row(b, g, k);
        }
    }
    if (rc == CAIRN_OK && g->n == GROUP) {
        int64_t last = g->row[GROUP - 1].f.id;
        if (sqlite3_step(g->ins) != SQLITE_DONE) {
            rc = cairn__store_dberr(b->st, err);
        } else if (sqlite3_last_insert_rowid(b->st->db) != last) {
            rc = cairn_error_set(
                err, CAIRN_EDB, "%s: assessment %lld was stored as %lld",
                b->st->path, (long long)last,
                (long long)sqlite3_last_insert_rowid(b->st->db));
        }
        sqlite3_reset(g->ins);
    }
    g->n = 0;
    g->buf.len = 0;
    return rc;
}

/* Add a settled row (its record `p`, `len`) to the group. */
static int group_add(cairn__batch *b, group *g, const rec *r, const char *p,
                     size_t len, cairn_error *err)
{
    const char *t[TEXTS] = {r->f.administered_at, r->f.responses, r->f.scores,
                            r->f.flags,           r->f.rules,     r->f.reason};
    g->at[g->n] = g->buf.len;
    g->row[g->n] = *r;
    for (int i = 0; i < TEXTS; i++) {
        g->text[g->n][i] = t[i] == NULL ? SIZE_MAX : (size_t)(t[i] - p);
    }
    cairn__buf_put(&g->buf, p, len);
    if (g->buf.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    g->n++;
    return g->n == GROUP ? flush_group(b, g, err) : CAIRN_OK;
}

static void group_free(group *g)
{
    sqlite3_finalize(g->ins);
    cairn__buf_free(&g->buf);
}

/*
 * The clients the batch creates go in GROUP at a time too (one INSERT
 * statement cost about 10,000 instructions a client, nearly all SQLite's
 * per-statement work).  SQLite's foreign-key checks are off in the insert
 * phase and the batch checks created clients' rows itself, so a client
 * need not be in before its rows, only in the same transaction; a shorter
 * last group goes in one by one.
 */
typedef struct clients {
    sqlite3_stmt *ins; /* GROUP clients; prepared on the first full group */
    size_t n;
    int64_t id[GROUP];
    size_t code[GROUP]; /* each code's offset in `codes` */
    cairn__buf codes;
} clients;

static int flush_clients(cairn__batch *b, clients *c, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (c->n == GROUP && c->ins == NULL) {
        rc = prepare_rows(b, &c->ins,
                          "INSERT INTO client (id, code, created_batch,"
                          " created_at) VALUES ",
                          "(?,?,?,?)", err);
    }
    for (size_t k = 0; rc == CAIRN_OK && k < c->n; k++) {
        const char *code = c->codes.p + c->code[k];
        if (c->n < GROUP) {
            rc = cairn__batch_insert_client(b, c->id[k], code, err);
            continue;
        }
        int i = (int)(k * 4);
        sqlite3_bind_int64(c->ins, i + 1, c->id[k]);
        sqlite3_bind_text(c->ins, i + 2, code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(c->ins, i + 3, b->id);
        sqlite3_bind_text(c->ins, i + 4, b->at, -1, SQLITE_STATIC);
    }
    if (rc == CAIRN_OK && c->n == GROUP) {
        if (sqlite3_step(c->ins) != SQLITE_DONE) {
            rc = cairn__store_dberr(b->st, err);
        }
        sqlite3_reset(c->ins);
    }
    c->n = 0;
    c->codes.len = 0;
    return rc;
}

/* Client `id` under `code` to insert. */
static int clients_add(cairn__batch *b, clients *c, int64_t id,
                       const char *code, cairn_error *err)
{
    c->id[c->n] = id;
    c->code[c->n] = c->codes.len;
    cairn__buf_put(&c->codes, code, strlen(code) + 1);
    if (c->codes.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->n++;
    return c->n == GROUP ? flush_clients(b, c, err) : CAIRN_OK;
}

static void clients_free(clients *c)
{
    sqlite3_finalize(c->ins);
    cairn__buf_free(&c->codes);
}

/* The keys of every row stored after the snapshot. */
static int load_late(cairn__batch *b, phase *ph, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK, step;
    if (sqlite3_prepare_v2(b->st->db,
                           "SELECT client_id, instrument, administered_at,"
                           " responses FROM assessment WHERE id > ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(b->st, err);
    }
    sqlite3_bind_int64(s, 1, ph->old_assess);
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *r = cairn__store_col_text(s, 3);
        uint64_t h = cairn__batch_row_hash(
            sqlite3_column_int64(s, 0), cairn__store_col_text(s, 1),
            cairn__store_col_text(s, 2), r ? r : "", r ? strlen(r) : 0);
        rc = cairn__hset_add(&ph->late, h) < 0
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : CAIRN_OK;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(b->st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Definitions new at the snapshot: stored meanwhile, or inserted now. */
static int settle_definitions(cairn__batch *b, phase *ph, cairn_error *err)
{
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < b->n_defs; i++) {
        int64_t id = 0;
        if (!b->def_new[i]) {
            continue;
        }
        rc = cairn__batch_find_definition(b, b->def_inst[i], &id, err);
        if (rc == CAIRN_OK && id == 0) {
            rc = cairn__batch_insert_definition(b, b->def_inst[i], &id, err);
        }
        ph->redo = ph->redo || id != b->def_id[i];
        b->def_id[i] = id;
        b->def_new[i] = false;
    }
    return rc;
}

static int insert_client(cairn__batch *b, phase *ph, clients *c, const rec *r,
                         cairn_error *err)
{
    size_t k = (size_t)(r->id - ph->old_client - 1);
    int64_t id = 0;
    int rc = CAIRN_OK;
    if (ph->moved) {
        rc = cairn__batch_find_client(b, r->code, &id, err);
    }
    if (rc == CAIRN_OK && id == 0) {
        id = ++b->next_client;
        rc = clients_add(b, c, id, r->code, err);
    }
    ph->client[k] = id;
    ph->redo = ph->redo || id != r->id;
    return rc;
}

/* The row's final fields: client and definition ids as settled. */
static void settle_row(const cairn__batch *b, const phase *ph, rec *r)
{
    r->f.client_id = r->client > ph->old_client
                         ? ph->client[r->client - ph->old_client - 1]
                         : r->client;
    r->f.definition_id = b->def_id[r->slot];
    r->f.instrument = cairn_instrument_code(b->def_inst[r->slot]);
}

static int insert_row(cairn__batch *b, phase *ph, group *g, rec *r,
                      const char *p, size_t len, size_t k, cairn_error *err)
{
    bool dup = false;
    int rc = CAIRN_OK;
    settle_row(b, ph, r);
    uint64_t h = r->f.client_id == r->client
                     ? r->h
                     : cairn__batch_row_hash(r->f.client_id, r->f.instrument,
                                             r->f.administered_at,
                                             r->f.responses, r->resp_len);
    if (r->kind == 'p' || cairn__hset_has(&ph->late, h)) {
        rc = flush_group(b, g, err); /* the probe must see them */
        if (rc == CAIRN_OK) {
            rc = cairn__batch_probe(b, r->f.client_id, r->f.instrument,
                                    r->f.administered_at, r->f.responses,
                                    r->resp_len, &dup, err);
        }
    }
    if (rc < 0 || (dup && r->kind == 'p')) {
        return rc; /* as presumed */
    }
    if (dup) { /* stored by somebody else meanwhile */
        ph->redo = true;
        b->n_dup++;
        return CAIRN_OK;
    }
    if (r->kind == 'p') { /* a hash collision, not a duplicate */
        ph->redo = true;
        b->n_dup--;
    }
    r->f.id = ++b->next_assess;
    ph->redo = ph->redo || r->f.id != r->id;
    ph->written[k / 8] |= (uint8_t)(1u << (k % 8));
    rc = check_parents(b, ph, &r->f, err);
    return rc < 0 ? rc : group_add(b, g, r, p, len, err);
}

/* Walk the spill: insert (`digest` false) or digest what was inserted. */
static int walk(cairn__batch *b, phase *ph, bool digest, cairn_error *err)
{
    const char *p = NULL;
    size_t len = 0, k = 0;
    int64_t next = b->base_assess;
    rec r;
    group g;
    clients c;
    memset(&g, 0, sizeof g);
    memset(&c, 0, sizeof c);
    int rc = cairn__spill_rewind(b->spill, err), more = 0;
    while (rc == CAIRN_OK &&
           (more = cairn__spill_next(b->spill, &p, &len, err)) == 1) {
        rc = parse(&r, p, len, err);
        if (rc < 0) {
            break;
        }
        if (r.kind == 'c') {
            int64_t id = ph->client[r.id - ph->old_client - 1];
            if (!digest) {
                rc = insert_client(b, ph, &c, &r, err);
            } else if (id > b->base_client) { /* created, not found */
                b->line.len = 0;
                cairn__client_digest_line(&b->line, id, r.code);
                rc =
                    cairn__digest_add(&b->clients, b->line.p, b->line.len, err);
            }
            continue;
        }
        if (!digest) {
            rc = insert_row(b, ph, &g, &r, p, len, k, err);
        } else if (ph->written[k / 8] & (1u << (k % 8))) {
            settle_row(b, ph, &r);
            r.f.id = ++next;
            rc = cairn__batch_account(b, &r.f, err);
        }
        k++;
    }
    if (rc == CAIRN_OK && more == 0 && !digest) {
        rc = flush_group(b, &g, err);
    }
    if (rc == CAIRN_OK && more == 0 && !digest) {
        rc = flush_clients(b, &c, err);
    }
    group_free(&g);
    clients_free(&c);
    return rc < 0 ? rc : more < 0 ? more : CAIRN_OK;
}

int cairn__batch_insert_spilled(cairn__batch *b, cairn_error *err)
{
    phase ph;
    memset(&ph, 0, sizeof ph);
    ph.old_assess = b->base_assess;
    ph.old_client = b->base_client;
    ph.n_rows = b->n + b->n_dup; /* 'a' and 'p' records at most */
    ph.client = calloc(b->created.n + 1, sizeof *ph.client);
    ph.written = calloc(ph.n_rows / 8 + 1, 1);
    int rc = ph.client && ph.written
                 ? cairn__batch_read_bases(b, err)
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == CAIRN_OK) {
        ph.moved =
            b->base_assess != ph.old_assess || b->base_client != ph.old_client;
        ph.redo = ph.moved;
        rc = settle_definitions(b, &ph, err);
    }
    if (rc == CAIRN_OK && b->base_assess != ph.old_assess) {
        rc = load_late(b, &ph, err);
    }
    if (rc == CAIRN_OK) {
        rc = walk(b, &ph, false, err);
    }
    if (rc == CAIRN_OK && ph.redo) {
        /* digest the rows as they went in */
        cairn__digest_free(&b->digest);
        cairn__digest_free(&b->clients);
        cairn__digest_init(&b->digest);
        cairn__digest_init(&b->clients);
        b->n = 0;
        rc = walk(b, &ph, true, err);
    }
    cairn__hset_free(&ph.late);
    sqlite3_finalize(ph.has_client);
    sqlite3_finalize(ph.has_assess);
    free(ph.client);
    free(ph.written);
    return rc;
}
