/*
 * store_read.c - reading assessments back: one, a client's history, and a
 * streaming cohort scan for statistics.
 *
 * The compact JSON columns written by store_assessment.c are read with
 * jansson and checked against the shape the writer produces (anything
 * else is refused with "assessment 12: stored scores are malformed",
 * since a file edited by hand may hold anything).  Results live in an
 * arena owned by the list, record or cursor, so freeing is one call.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_db.h"

/* ------------------------------------------------------------------ */
/* Arena: blocks that never move, freed together                       */

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} block;

typedef struct arena {
    block *head;
    size_t grow; /* a new block's size at least, or 0 for 4 KiB */
} arena;

/* `size` bytes, not cleared (the caller writes them all). */
static void *arena_take(arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (a->head == NULL || a->head->cap - a->head->used < size) {
        size_t least = a->grow > 0 ? a->grow : 4096;
        size_t cap = size > least ? size : least;
        block *b = malloc(sizeof *b + cap);
        if (b == NULL) {
            return NULL;
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += size;
    return p;
}

static void *arena_alloc(arena *a, size_t size)
{
    void *p = arena_take(a, size);
    if (p != NULL) {
        memset(p, 0, size);
    }
    return p;
}

static char *arena_str(arena *a, const char *s, size_t n)
{
    char *p = arena_take(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void arena_free(arena *a)
{
    block *b = a->head;
    while (b != NULL) {
        block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

/* Keep the first block, forget its contents (cursor rows). */
static void arena_reset(arena *a)
{
    if (a->head == NULL) {
        return;
    }
    block *keep = a->head;
    while (keep->next != NULL) {
        block *b = keep->next;
        keep->next = b->next;
        free(b);
    }
    keep->used = 0;
}

/* ------------------------------------------------------------------ */
/* The JSON columns, read with jansson                                 */

/* The array in `text`, or NULL when it is not a JSON array. */
static json_t *load_array(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (j != NULL && !json_is_array(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* ["id", ...]: the scale or rule ids of a definition. */
static bool decode_ids(arena *a, const char *text, const char ***out, size_t *n)
{
    json_t *j = load_array(text);
    size_t k = j ? json_array_size(j) : 0;
    const char **ids = j ? arena_alloc(a, (k + 1) * sizeof *ids) : NULL;
    bool ok = ids != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        ok = json_is_string(v) &&
             (ids[i] = arena_str(a, json_string_value(v),
                                 json_string_length(v))) != NULL;
    }
    json_decref(j);
    if (ok) {
        *out = ids;
        *n = k;
    }
    return ok;
}

/* [code|null, ...]: one entry per item. */
static bool decode_responses(arena *a, const char *text, cairn_assessment *x)
{
    json_t *j = load_array(text);
    size_t k = j ? json_array_size(j) : 0;
    int *codes = j ? arena_alloc(a, (k + 1) * sizeof *codes) : NULL;
    bool *missing = j ? arena_alloc(a, (k + 1) * sizeof *missing) : NULL;
    bool ok = codes != NULL && missing != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        missing[i] = json_is_null(v);
        ok = missing[i] || json_is_integer(v);
        codes[i] = ok && !missing[i] ? (int)json_integer_value(v) : 0;
    }
    json_decref(j);
    if (ok) {
        x->n_items = k;
        x->codes = codes;
        x->missing = missing;
    }
    return ok;
}

/* [[score|null, "band"|null, prorated], ...] named by `ids`. */
static bool decode_scales(arena *a, const char *text, const char **ids,
                          size_t n_ids, const cairn_stored_scale **out,
                          size_t *n)
{
    json_t *j = load_array(text);
    size_t k = j ? json_array_size(j) : 0;
    cairn_stored_scale *sc = j ? arena_alloc(a, (k + 1) * sizeof *sc) : NULL;
    bool ok = sc != NULL && k == n_ids;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        json_t *score = json_array_get(v, 0), *band = json_array_get(v, 1);
        json_t *pro = json_array_get(v, 2);
        ok = json_array_size(v) == 3 &&
             (json_is_null(score) || json_is_number(score)) &&
             (json_is_null(band) || json_is_string(band)) &&
             json_is_boolean(pro);
        if (!ok) {
            break;
        }
        sc[i].scale = ids[i];
        sc[i].has_score = json_is_number(score);
        sc[i].score = json_number_value(score);
        sc[i].prorated = json_is_true(pro);
        if (json_is_string(band)) {
            sc[i].band =
                arena_str(a, json_string_value(band), json_string_length(band));
            ok = sc[i].band != NULL;
        }
    }
    json_decref(j);
    if (ok) {
        *out = sc;
        *n = k;
    }
    return ok;
}

/* [[item, code], ...]; NULL text means no flags. */
static bool decode_flags(arena *a, const char *text, cairn_assessment *x)
{
    if (text == NULL) {
        return true;
    }
    json_t *j = load_array(text);
    size_t k = j ? json_array_size(j) : 0;
    cairn_stored_flag *f = j ? arena_alloc(a, (k + 1) * sizeof *f) : NULL;
    bool ok = f != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        ok = json_array_size(v) == 2 && json_is_integer(json_array_get(v, 0)) &&
             json_is_integer(json_array_get(v, 1));
        if (ok) {
            f[i].item = (int)json_integer_value(json_array_get(v, 0));
            f[i].code = (int)json_integer_value(json_array_get(v, 1));
        }
    }
    json_decref(j);
    if (ok) {
        x->flags = f;
        x->n_flags = k;
    }
    return ok;
}

/* [true|false|null, ...] named by `ids`; NULL text means no rules. */
static bool decode_rules(arena *a, const char *text, const char **ids,
                         size_t n_ids, cairn_assessment *x)
{
    if (text == NULL) {
        return n_ids == 0;
    }
    json_t *j = load_array(text);
    size_t k = j ? json_array_size(j) : 0;
    cairn_stored_rule *ru = j ? arena_alloc(a, (k + 1) * sizeof *ru) : NULL;
    bool ok = ru != NULL && k == n_ids;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        ok = json_is_boolean(v) || json_is_null(v);
        ru[i].rule = ids[i];
        ru[i].value = json_is_null(v)   ? CAIRN_UNKNOWN
                      : json_is_true(v) ? CAIRN_TRUE
                                        : CAIRN_FALSE;
    }
    json_decref(j);
    if (ok) {
        x->rules = ru;
        x->n_rules = k;
    }
    return ok;
}

/* ------------------------------------------------------------------ */
/* Assessments                                                         */

#define ASSESS_SELECT                                                          \
    "SELECT a.id, a.client_id, c.code, a.instrument, d.version,"               \
    " d.fingerprint, a.administered_at, b.entered_at, b.entered_by,"           \
    " b.method, b.source, a.supersedes, a.superseded_by, a.reason,"            \
    " a.voided_at, a.void_reason, a.responses, d.scales, a.scores,"            \
    " a.flags, d.rules, a.rules, d.id"                                         \
    " FROM assessment a JOIN client c ON c.id = a.client_id"                   \
    " JOIN definition d ON d.id = a.definition_id"                             \
    " LEFT JOIN batch b ON b.id = (SELECT id FROM batch"                       \
    " WHERE last_id >= a.id ORDER BY last_id LIMIT 1)"

/* The rest of a list query after its client condition. */
#define LIST_WHERE                                                             \
    " AND (?2 IS NULL OR a.instrument = ?2)"                                   \
    " AND (?3 = 1 OR (a.superseded_by IS NULL AND a.voided_at IS NULL))"       \
    " ORDER BY a.client_id, a.administered_at, a.id"

static const char *astr(arena *a, sqlite3_stmt *s, int i, bool *oom)
{
    const char *t = cairn__store_col_text(s, i);
    if (t == NULL) {
        return NULL;
    }
    char *p = arena_str(a, t, strlen(t));
    if (p == NULL) {
        *oom = true;
    }
    return p;
}

static cairn_method method_from(const char *name)
{
    for (int m = 0; m < CAIRN_METHOD_COUNT; m++) {
        if (name != NULL && strcmp(name, cairn_method_name(m)) == 0) {
            return (cairn_method)m;
        }
    }
    return CAIRN_METHOD_CLINICIAN;
}

/* The scale and rule ids of the last definition seen (they live in the
 * arena of the list or record being filled). */
typedef struct ids_cache {
    bool valid;
    int64_t definition;
    const char **scales, **rules;
    size_t n_scales, n_rules;
} ids_cache;

static bool cached_ids(arena *a, sqlite3_stmt *s, ids_cache *c)
{
    int64_t def = sqlite3_column_int64(s, 22);
    if (c->valid && c->definition == def) {
        return true;
    }
    c->valid =
        decode_ids(a, cairn__store_col_text(s, 17), &c->scales, &c->n_scales) &&
        decode_ids(a, cairn__store_col_text(s, 20), &c->rules, &c->n_rules);
    c->definition = def;
    return c->valid;
}

/* Fill `x` from an ASSESS_SELECT row. */
static int assessment_from_row(arena *a, sqlite3_stmt *s, ids_cache *ids,
                               cairn_assessment *x, cairn_error *err)
{
    bool oom = false;
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(s, 0);
    x->client_id = sqlite3_column_int64(s, 1);
    x->client_code = astr(a, s, 2, &oom);
    x->instrument = astr(a, s, 3, &oom);
    x->version = astr(a, s, 4, &oom);
    x->fingerprint = astr(a, s, 5, &oom);
    x->administered_at = astr(a, s, 6, &oom);
    x->entered_at = astr(a, s, 7, &oom);
    x->entered_by = astr(a, s, 8, &oom);
    x->method = method_from(cairn__store_col_text(s, 9));
    x->source = astr(a, s, 10, &oom);
    x->supersedes = sqlite3_column_int64(s, 11);
    x->superseded_by = sqlite3_column_int64(s, 12);
    x->reason = astr(a, s, 13, &oom);
    x->voided_at = astr(a, s, 14, &oom);
    x->voided = x->voided_at != NULL;
    x->void_reason = astr(a, s, 15, &oom);
    if (oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    const char *resp = cairn__store_col_text(s, 16);
    const char *scores = cairn__store_col_text(s, 18);
    if (resp == NULL || scores == NULL || !cached_ids(a, s, ids) ||
        !decode_responses(a, resp, x) ||
        !decode_scales(a, scores, ids->scales, ids->n_scales, &x->scales,
                       &x->n_scales) ||
        !decode_flags(a, cairn__store_col_text(s, 19), x) ||
        !decode_rules(a, cairn__store_col_text(s, 21), ids->rules, ids->n_rules,
                      x)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: stored responses or scores "
                               "are malformed",
                               (long long)x->id);
    }
    return CAIRN_OK;
}

typedef struct one_impl {
    cairn_assessment pub;
    arena mem;
} one_impl;

int cairn_store_assessment_get(cairn_assessment **out, cairn_store *st,
                               int64_t id, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    one_impl *one = calloc(1, sizeof *one);
    if (one == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db, ASSESS_SELECT " WHERE a.id = ?", -1, &s,
                           NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    } else {
        sqlite3_bind_int64(s, 1, id);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            ids_cache ids = {0};
            rc = assessment_from_row(&one->mem, s, &ids, &one->pub, err);
        } else if (step == SQLITE_DONE) {
            rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no assessment %lld",
                                 (long long)id);
        } else {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_assessment_free(&one->pub);
        return rc;
    }
    *out = &one->pub;
    return CAIRN_OK;
}

void cairn_store_assessment_free(cairn_assessment *a)
{
    if (a == NULL) {
        return;
    }
    one_impl *one = (one_impl *)a;
    arena_free(&one->mem);
    free(one);
}

/* A course row whose stored texts are decoded later (a deferred course
 * stream, cairn__store_course_finish): the texts, copied, and its mask. */
typedef struct course_raw {
    const char *scores, *flags; /* NULL: SQL NULL */
    size_t scores_len, flags_len;
    int64_t mask;
    size_t want;
} course_raw;

typedef struct list_impl {
    cairn_assessment_list pub;
    arena mem;
    course_raw *raw; /* deferred: one per item, else NULL */
    bool in_arena;   /* items and raw are in `mem` (a course list's) */
} list_impl;

static int list_rows(cairn_store *st, list_impl *l, sqlite3_stmt *s,
                     cairn_error *err)
{
    size_t cap = 0;
    int rc = CAIRN_OK;
    int step;
    ids_cache ids = {0};
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (l->pub.n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_assessment *p = realloc(l->pub.items, cap * sizeof *p);
            if (p == NULL) {
                return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            }
            l->pub.items = p;
        }
        rc =
            assessment_from_row(&l->mem, s, &ids, &l->pub.items[l->pub.n], err);
        l->pub.n++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    return rc;
}

int cairn_store_assessment_list(cairn_assessment_list **out, cairn_store *st,
                                const char *code, const char *instrument,
                                cairn_list_scope scope, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int64_t client = 0;
    *out = NULL;
    int rc =
        code ? cairn__store_client_id(st, code, &client, NULL, err) : CAIRN_OK;
    if (rc < 0) {
        return rc;
    }
    list_impl *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    /* Two statements, so that one client's history uses the index. */
    const char *sql = code != NULL ? ASSESS_SELECT
                          " WHERE a.client_id = ?1" LIST_WHERE
                                   : ASSESS_SELECT " WHERE ?1 = 0" LIST_WHERE;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    } else {
        sqlite3_bind_int64(s, 1, client);
        cairn__store_bind_text(s, 2, instrument);
        sqlite3_bind_int(s, 3, scope == CAIRN_LIST_ALL);
        rc = list_rows(st, l, s, err);
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_assessment_list_free(&l->pub);
        return rc;
    }
    *out = &l->pub;
    return CAIRN_OK;
}

void cairn_store_assessment_list_free(cairn_assessment_list *list)
{
    if (list == NULL) {
        return;
    }
    list_impl *l = (list_impl *)list;
    if (!l->in_arena) {
        free(l->pub.items);
        free(l->raw);
    }
    arena_free(&l->mem);
    free(l);
}

/* ------------------------------------------------------------------ */
/* Every client's current assessments, one client at a time           */

/* The text decoded last of one kind, and its decoded bytes: a client's
 * rows often repeat the row before's flags, found without hashing. */
typedef struct course_last {
    bool set;
    size_t w; /* the want (scales) */
    size_t len;
    char text[64];   /* a longer text is not remembered */
    const char *val; /* its decoded bytes: in the memo, or in `own` */
    size_t val_len;
    cairn__buf own;
} course_last;

/* Decoded texts kept by content (memo.c): one memo per want's scale
 * and one for the flags (index n_wants), made as they are first met, so
 * a key is the text alone; the value being made; the last ones.  One
 * per thread that decodes. */
typedef struct course_dec {
    cairn__memo **memos; /* n_wants + 1, or NULL: none kept */
    size_t n_memos;
    size_t kept; /* texts kept in all of them (COURSE_KEEP) */
    cairn__buf val;
    course_last last[2]; /* scales, flags */
} course_dec;

/* Ready `d` for `n_wants` wants: false when out of memory. */
static bool course_dec_init(course_dec *d, size_t n_wants)
{
    d->memos = calloc(n_wants + 1, sizeof *d->memos);
    d->n_memos = d->memos != NULL ? n_wants + 1 : 0;
    return d->memos != NULL;
}

static void course_dec_free(course_dec *d)
{
    for (size_t i = 0; i < d->n_memos; i++) {
        cairn__memo_free(d->memos[i]);
    }
    free(d->memos);
    cairn__buf_free(&d->val);
    for (int i = 0; i < 2; i++) {
        cairn__buf_free(&d->last[i].own);
    }
}

struct cairn_assessment_stream {
    cairn_store *st;
    sqlite3_stmt *stmt;
    bool pending; /* the statement is on a row not yet returned */
    bool done;
    const cairn_course_want *wants; /* a course stream's, or NULL */
    size_t n_wants;
    bool one_client; /* read one client at a time (?n_wants + 1) */
    int cache_was;   /* the page cache's size before the pass, or 0 */
    course_dec dec;  /* a course stream's decoded texts (memo.c) */
    bool deferred;   /* decoded by cairn__store_course_finish */
    course_dec late; /* ... with these (the finishing thread's) */
    const cairn_course_want *last_want; /* course_want's last answer */
    cairn__memo *mask_memo;             /* masks by want and responses text, or
                                           NULL (created at the first) */
    sqlite3_stmt **masks;    /* per want with risk items: its mask of a
                                responses text (course_mask), or NULL */
    sqlite3_stmt *code_stmt; /* a client's code by id (course_client);
                                a whole pass walks the clients by id */
    int64_t code_id;         /* the client whose code is in `code` */
    bool code_known, code_found;
    cairn__buf code;
    int64_t scan_id; /* a pass: the client row code_stmt is on */
    bool scan_on;    /* ... it is on one (else before the first) */
    bool scan_done;  /* ... no more client rows */
    const cairn_course_want *prev_want; /* the want of the row read last */
    const int64_t *given_ids;           /* a pass's clients, from the caller */
    const char *const *given_codes;     /* (cairn__store_course_clients) */
    size_t n_given, given_at;           /* ... and the next one to look at */
};

/* A pass reads each page of the store once: a page cache as large as
 * the store keeps (64 MiB) would only hold memory, so a course stream
 * keeps a small one while it is open (KiB, as PRAGMA cache_size). */
#define COURSE_CACHE_KIB 8192

/* Decoded texts a course stream keeps (a store holds few distinct score
 * and flag texts; 16,384 take about 2 MB with the memo's table). */
#define COURSE_KEEP 16384

/* A course list's arena blocks: a client's rows, their texts and their
 * decoded values (about 500 bytes a row) in one block for most clients. */
#define COURSE_BLOCK 16384

static int cache_size(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
    return v;
}

static void set_cache_size(sqlite3 *db, int v)
{
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", v);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int cairn_store_assessment_stream_open(cairn_assessment_stream **out,
                                       cairn_store *st, cairn_error *err)
{
    *out = NULL;
    cairn_assessment_stream *as = calloc(1, sizeof *as);
    if (as == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    as->st = st;
    if (sqlite3_prepare_v2(st->db, ASSESS_SELECT " WHERE ?1 = 0" LIST_WHERE, -1,
                           &as->stmt, NULL) != SQLITE_OK) {
        int rc = cairn__store_dberr(st, err);
        cairn_store_assessment_stream_close(as);
        return rc;
    }
    sqlite3_bind_int64(as->stmt, 1, 0);
    sqlite3_bind_null(as->stmt, 2);
    sqlite3_bind_int(as->stmt, 3, 0);
    *out = as;
    return CAIRN_OK;
}

/*
 * A course stream's query.  The stored scores and flags are read as
 * their texts and decoded with jansson once per distinct text (a store
 * holds few: course_decoded below); a mask of the risk items left
 * unanswered is read with SQLite's JSON functions, asked only of
 * responses that hold a null at all (course_mask).  Rows of instruments
 * not asked for are skipped as they are read, which costs less than a
 * filter on a list of codes.
 */
static bool any_risk(const cairn_course_want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (w[i].n_risk_items > 0) {
            return true;
        }
    }
    return false;
}

/* The mask of want `w`'s risk items whose answer is a JSON null in the
 * responses bound as ?1 (paths are built from numbers only). */
static void mask_sql(cairn__buf *b, const cairn_course_want *w)
{
    cairn__buf_puts(b, "SELECT 0");
    for (size_t r = 0; r < w->n_risk_items; r++) {
        cairn__buf_puts(b, " + (json_type(?1, '$[");
        cairn__buf_int(b, (long long)w->risk_items[r] - 1);
        cairn__buf_puts(b, "]') IS 'null') * ");
        cairn__buf_int(b, 1LL << r);
    }
}

static void course_sql(cairn__buf *b, const cairn_course_want *w, size_t n,
                       bool one_client)
{
    /* the client's code is read once per client (course_client), not
     * joined to every row */
    cairn__buf_puts(b, "SELECT a.id, a.client_id, NULL, a.instrument,"
                       " a.administered_at");
    cairn__buf_puts(b, ", a.scores");
    /* JSON spells a null only as null: a responses text without those
     * letters has every item answered (most rows), which is looked for
     * here, not by a function of SQL on every row */
    cairn__buf_puts(b, any_risk(w, n) ? ", a.responses" : ", 0");
    cairn__buf_puts(b, ", a.flags"
                       " FROM assessment a"
                       " WHERE a.superseded_by IS NULL"
                       " AND a.voided_at IS NULL");
    if (n == 1) {
        cairn__buf_puts(b, " AND a.instrument = ?1");
    }
    if (one_client) {
        cairn__buf_puts(b, " AND a.client_id = ?");
        cairn__buf_int(b, (long long)n + 1);
    }
    cairn__buf_puts(b, " ORDER BY a.client_id, a.administered_at, a.id");
}

static int course_open(cairn_assessment_stream **out, cairn_store *st,
                       const cairn_course_want *wants, size_t n_wants,
                       bool one_client, cairn_error *err)
{
    cairn__buf sql = CAIRN__BUF_INIT;
    *out = NULL;
    for (size_t i = 0; i < n_wants; i++) {
        if (wants[i].n_risk_items > CAIRN_COURSE_MAX_RISK) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: %zu risk items, at most %d are read",
                                   wants[i].instrument, wants[i].n_risk_items,
                                   CAIRN_COURSE_MAX_RISK);
        }
    }
    cairn_assessment_stream *as = calloc(1, sizeof *as);
    if (as == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    as->st = st;
    as->wants = wants;
    as->n_wants = n_wants;
    as->one_client = one_client;
    as->cache_was = cache_size(st->db);
    as->masks = calloc(n_wants + 1, sizeof *as->masks);
    if (as->masks == NULL || !course_dec_init(&as->dec, n_wants)) {
        free(as->masks);
        course_dec_free(&as->dec);
        free(as);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (as->cache_was != 0) {
        set_cache_size(st->db, -COURSE_CACHE_KIB);
    }
    course_sql(&sql, wants, n_wants, one_client);
    int rc = CAIRN_OK;
    if (sql.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else if (n_wants == 0) {
        as->done = true; /* no instrument: nothing to read */
    } else if (sqlite3_prepare_v2(st->db, sql.p, -1, &as->stmt, NULL) !=
               SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    int n_params = as->stmt ? sqlite3_bind_parameter_count(as->stmt) : 0;
    for (size_t i = 0; rc == CAIRN_OK && i < n_wants && (int)i < n_params;
         i++) {
        sqlite3_bind_text(as->stmt, (int)i + 1, wants[i].instrument, -1,
                          SQLITE_STATIC);
    }
    cairn__buf_free(&sql);
    if (rc < 0) {
        cairn_store_assessment_stream_close(as);
        return rc;
    }
    *out = as;
    return CAIRN_OK;
}

int cairn_store_course_stream_open(cairn_assessment_stream **out,
                                   cairn_store *st,
                                   const cairn_course_want *wants,
                                   size_t n_wants, cairn_error *err)
{
    return course_open(out, st, wants, n_wants, false, err);
}

int cairn_store_course_client_open(cairn_assessment_stream **out,
                                   cairn_store *st,
                                   const cairn_course_want *wants,
                                   size_t n_wants, cairn_error *err)
{
    return course_open(out, st, wants, n_wants, true, err);
}

int cairn_store_course_client_read(cairn_assessment_stream *as,
                                   int64_t client_id,
                                   cairn_assessment_list **out,
                                   cairn_error *err)
{
    *out = NULL;
    assert(as->one_client);
    if (as->stmt == NULL) {
        return CAIRN_OK; /* no instrument */
    }
    sqlite3_reset(as->stmt);
    sqlite3_bind_int64(as->stmt, (int)as->n_wants + 1, client_id);
    as->pending = false;
    as->done = false;
    int rc = cairn_store_assessment_stream_next(as, out, err);
    return rc < 0 ? rc : CAIRN_OK;
}

/* The want of instrument `code`, or NULL; the last one found is tried
 * first (a client's rows are mostly of one or two instruments). */
static const cairn_course_want *course_want(cairn_assessment_stream *as,
                                            const char *code)
{
    const cairn_course_want *w = as->last_want;
    if (code == NULL || (w != NULL && strcmp(w->instrument, code) == 0)) {
        return code != NULL ? w : NULL;
    }
    for (size_t i = 0; i < as->n_wants; i++) {
        if (strcmp(as->wants[i].instrument, code) == 0) {
            as->last_want = &as->wants[i];
            return as->last_want;
        }
    }
    return NULL;
}

/*
 * Decoded texts, kept in the stream's memo by content: the wanted
 * scale of a scores text (key 's', the want's index, the text) as a
 * course_scale and its band's bytes; a flags text (key 'f', the text) as
 * its [item, code] pairs.  Once the memo is full, texts are decoded row
 * by row.  What jansson refuses, or another shape than the writer's, is
 * malformed.
 */
typedef struct course_scale {
    bool has_score, has_band;
    double score;
} course_scale;

/* [[score|null, "band"|null, ...], ...]: scale `k` into `v` (a missing
 * scale or value reads as null, as SQLite's json_extract reads it). */
static bool encode_scale(const char *text, size_t len, size_t k, cairn__buf *v)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    json_t *sc = json_array_get(j, k);
    json_t *score = json_array_get(sc, 0), *band = json_array_get(sc, 1);
    course_scale h = {.has_score = json_is_number(score),
                      .has_band = json_is_string(band),
                      .score = json_number_value(score)};
    bool ok = j != NULL &&
              (score == NULL || json_is_null(score) || h.has_score) &&
              (band == NULL || json_is_null(band) || h.has_band);
    if (ok) {
        cairn__buf_put(v, (const char *)&h, sizeof h);
        if (h.has_band) {
            cairn__buf_put(v, json_string_value(band),
                           json_string_length(band));
        }
    }
    json_decref(j);
    return ok;
}

/* [[item, code], ...] into `v` as int pairs. */
static bool encode_flags(const char *text, cairn__buf *v)
{
    json_t *j = load_array(text);
    size_t k = json_array_size(j);
    bool ok = j != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *f = json_array_get(j, i);
        json_t *item = json_array_get(f, 0), *code = json_array_get(f, 1);
        ok = json_array_size(f) == 2 && json_is_integer(item) &&
             json_is_integer(code);
        int pair[2] = {(int)json_integer_value(item),
                       (int)json_integer_value(code)};
        cairn__buf_put(v, (const char *)pair, sizeof pair);
    }
    json_decref(j);
    return ok;
}

/* The memo of want `i`'s scale (or of the flags, i = n_wants), made
 * now if need be; NULL when none is kept. */
static cairn__memo *course_memo(course_dec *d, size_t i)
{
    if (i >= d->n_memos) {
        return NULL;
    }
    if (d->memos[i] == NULL &&
        cairn__memo_new_sized(&d->memos[i], COURSE_KEEP) < 0) {
        d->memos[i] = NULL; /* each text decoded where it is met */
    }
    return d->memos[i];
}

/* The decoded bytes of `text` (kind 's' of want `w`, or 'f'), from the
 * last text of the kind, d's memo, or decoded now; NULL when malformed,
 * with `*oom` set when memory ran out.  The bytes stay until the next
 * call of the same kind. */
static const char *course_decoded(course_dec *d, const cairn_course_want *wants,
                                  char kind, size_t w, const char *text,
                                  size_t len, size_t *n, bool *oom)
{
    course_last *l = &d->last[kind == 'f'];
    if (l->set && l->w == w && l->len == len &&
        memcmp(l->text, text, len) == 0) {
        *n = l->val_len;
        return l->val_len > 0 ? l->val : "";
    }
    cairn__memo *m = course_memo(d, kind == 'f' ? d->n_memos - 1 : w);
    const char *got = m == NULL ? NULL : cairn__memo_get(m, text, len, n);
    if (got == NULL) {
        d->val.len = 0;
        bool ok = kind == 's' ? encode_scale(text, len, wants[w].scale, &d->val)
                              : encode_flags(text, &d->val);
        *oom = d->val.oom;
        if (!ok || *oom) {
            return NULL;
        }
        if (m != NULL && d->kept < COURSE_KEEP) {
            cairn__memo_put(m, text, len, d->val.p, d->val.len);
            d->kept++;
        }
        /* kept in `own` too (the memo's copy is not at hand) */
        l->own.len = 0;
        cairn__buf_put(&l->own, d->val.p, d->val.len);
        l->set = false;
        if (l->own.oom) {
            *oom = true;
            return NULL;
        }
        got = l->own.p;
        *n = d->val.len;
    }
    /* remembered; the memo's bytes by their address (they stay while the
     * memo does) */
    l->set = len <= sizeof l->text;
    if (l->set) {
        memcpy(l->text, text, len);
        l->len = len;
        l->w = w;
        l->val = got;
        l->val_len = *n;
    }
    return *n > 0 ? got : "";
}

/* The flags from their text: none (NULL), or decoded. */
static bool course_flags(course_dec *dec, const cairn_course_want *wants,
                         arena *a, cairn_assessment *x, const char *text,
                         size_t len, bool *oom)
{
    size_t n = 0;
    if (text == NULL) {
        return true;
    }
    const char *d = course_decoded(dec, wants, 'f', 0, text, len, &n, oom);
    size_t k = n / (2 * sizeof(int));
    if (d == NULL || k == 0) {
        return d != NULL;
    }
    cairn_stored_flag *f = arena_alloc(a, k * sizeof *f);
    *oom = f == NULL;
    for (size_t i = 0; f != NULL && i < k; i++) {
        int pair[2];
        memcpy(pair, d + i * sizeof pair, sizeof pair);
        f[i].item = pair[0];
        f[i].code = pair[1];
    }
    x->flags = f;
    x->n_flags = f != NULL ? k : 0;
    return f != NULL;
}

/* The wanted scale from the scores `text` (NULL: SQL NULL) and the
 * unanswered risk items from `mask`: false when out of memory (`*bad`
 * false) or malformed (`*bad` true). */
static bool course_values(course_dec *dec, const cairn_course_want *wants,
                          arena *a, const cairn_course_want *w, int64_t mask,
                          const char *text, size_t len, cairn_assessment *x,
                          bool *bad)
{
    course_scale h = {0};
    const char *band = NULL;
    size_t n = 0;
    bool oom = false;
    if (text != NULL) {
        const char *d = course_decoded(dec, wants, 's', (size_t)(w - wants),
                                       text, len, &n, &oom);
        *bad = d == NULL && !oom;
        if (d == NULL) {
            return false;
        }
        memcpy(&h, d, sizeof h);
        band = d + sizeof h;
        n -= sizeof h;
    }
    int top = 0;
    for (size_t r = 0; r < w->n_risk_items; r++) {
        top = w->risk_items[r] > top ? w->risk_items[r] : top;
    }
    /* the scales, the codes and the missing flags: one cleared block */
    size_t sc_size = (w->scale + 1) * sizeof(cairn_stored_scale);
    size_t codes_size = ((size_t)top + 1) * sizeof(int);
    unsigned char *mem =
        arena_alloc(a, sc_size + codes_size + ((size_t)top + 1) * sizeof(bool));
    if (mem == NULL) {
        return false;
    }
    static_assert(sizeof(cairn_stored_scale) % _Alignof(int) == 0,
                  "the codes after the scales are aligned");
    cairn_stored_scale *sc = (cairn_stored_scale *)mem;
    int *codes = (int *)(mem + sc_size);
    bool *missing = (bool *)(mem + sc_size + codes_size);
    sc[w->scale].scale = w->scale_id;
    sc[w->scale].has_score = h.has_score;
    sc[w->scale].score = h.score;
    sc[w->scale].band = h.has_band ? arena_str(a, band, n) : NULL;
    oom = h.has_band && sc[w->scale].band == NULL;
    for (size_t r = 0; r < w->n_risk_items; r++) {
        if (w->risk_items[r] > 0 && (mask >> r & 1)) {
            missing[w->risk_items[r] - 1] = true;
        }
    }
    x->scales = sc;
    x->n_scales = w->scale + 1;
    x->n_items = (size_t)top;
    x->codes = codes;
    x->missing = missing;
    return !oom;
}

/* Whether the `n` bytes at `t` hold "null" (as SQL's instr() finds it). */
static bool has_null(const char *t, size_t n)
{
    const char *end = t + n;
    for (const char *p = memchr(t, 'n', n); p != NULL;
         p = memchr(p + 1, 'n', (size_t)(end - p - 1))) {
        if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            return true;
        }
    }
    return false;
}

/* The unanswered risk items of want `w` in the row's responses (column
 * 6) as a mask: 0 without a null, else from SQLite's JSON functions
 * (its message when it cannot read them, as the query's own would be). */
static int course_mask(cairn_assessment_stream *as, const cairn_course_want *w,
                       int64_t *mask, cairn_error *err)
{
    sqlite3_stmt *s = as->stmt;
    *mask = 0;
    if (w->n_risk_items == 0) {
        return CAIRN_OK;
    }
    const char *text = (const char *)sqlite3_column_text(s, 6);
    size_t len = (size_t)sqlite3_column_bytes(s, 6);
    if (text == NULL) { /* SQL NULL (none: the column is NOT NULL) */
        return sqlite3_column_type(s, 6) == SQLITE_NULL
                   ? CAIRN_OK
                   : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (!has_null(text, len)) {
        return CAIRN_OK;
    }
    /* a text met before has the mask SQLite gave it then */
    size_t wi = (size_t)(w - as->wants);
    char small[256];
    size_t key_len = sizeof wi + len, got = 0;
    bool keyed = key_len <= sizeof small;
    if (keyed) {
        memcpy(small, &wi, sizeof wi);
        memcpy(small + sizeof wi, text, len);
        if (as->mask_memo == NULL &&
            cairn__memo_new_sized(&as->mask_memo, COURSE_KEEP) < 0) {
            as->mask_memo = NULL; /* asked of SQLite every time */
        }
        const char *hit =
            as->mask_memo == NULL
                ? NULL
                : cairn__memo_get(as->mask_memo, small, key_len, &got);
        if (hit != NULL && got == sizeof *mask) {
            memcpy(mask, hit, sizeof *mask);
            return CAIRN_OK;
        }
    }
    sqlite3_stmt **m = &as->masks[wi];
    if (*m == NULL) {
        cairn__buf sql = CAIRN__BUF_INIT;
        mask_sql(&sql, w);
        int rc =
            sql.oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
            : sqlite3_prepare_v2(as->st->db, sql.p, -1, m, NULL) != SQLITE_OK
                ? cairn__store_dberr(as->st, err)
                : CAIRN_OK;
        cairn__buf_free(&sql);
        if (rc < 0) {
            return rc;
        }
    }
    sqlite3_bind_value(*m, 1, sqlite3_column_value(s, 6));
    int rc = CAIRN_OK;
    if (sqlite3_step(*m) == SQLITE_ROW) {
        *mask = sqlite3_column_int64(*m, 0);
    } else {
        rc = cairn__store_dberr(as->st, err);
    }
    sqlite3_reset(*m);
    if (rc == CAIRN_OK && keyed && as->mask_memo != NULL) {
        cairn__memo_put(as->mask_memo, small, key_len, (const char *)mask,
                        sizeof *mask);
    }
    return rc;
}

/* A pass's client rows walked up to client `id` (the pass meets its
 * clients by ascending id, so one scan of the client table serves it):
 * SQLITE_ROW on that client's row, SQLITE_DONE when there is none, or
 * the error. */
static int scan_to(cairn_assessment_stream *as, int64_t id)
{
    sqlite3_stmt *s = as->code_stmt;
    while (!as->scan_done && (!as->scan_on || as->scan_id < id)) {
        int step = sqlite3_step(s);
        if (step != SQLITE_ROW) {
            as->scan_done = step == SQLITE_DONE;
            return step;
        }
        as->scan_on = true;
        as->scan_id = sqlite3_column_int64(s, 0);
    }
    return as->scan_on && !as->scan_done && as->scan_id == id ? SQLITE_ROW
                                                              : SQLITE_DONE;
}

void cairn__store_course_clients(cairn_assessment_stream *as,
                                 const int64_t *ids, const char *const *codes,
                                 size_t n)
{
    assert(!as->one_client);
    as->given_ids = ids;
    as->given_codes = codes;
    as->n_given = n;
    as->given_at = 0;
}

/* The given client `id` (a pass meets its clients by ascending id):
 * its code into as->code, or `*found` false. */
static int given_client(cairn_assessment_stream *as, int64_t id, bool *found,
                        cairn_error *err)
{
    while (as->given_at < as->n_given && as->given_ids[as->given_at] < id) {
        as->given_at++;
    }
    *found = as->given_at < as->n_given && as->given_ids[as->given_at] == id;
    as->code.len = 0;
    if (*found) {
        const char *t = as->given_codes[as->given_at];
        cairn__buf_put(&as->code, t, strlen(t));
    }
    if (as->code.oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    as->code_known = true;
    as->code_id = id;
    as->code_found = *found;
    return CAIRN_OK;
}

/* The code of client `id` into as->code, `*found` false when there is
 * no such client (its rows are skipped, as a join would skip them). */
static int course_client(cairn_assessment_stream *as, int64_t id, bool *found,
                         cairn_error *err)
{
    if (as->code_known && as->code_id == id) {
        *found = as->code_found;
        return CAIRN_OK;
    }
    if (as->given_ids != NULL) {
        return given_client(as, id, found, err);
    }
    const char *sql = as->one_client
                          ? "SELECT id, code FROM client WHERE id = ?1"
                          : "SELECT id, code FROM client ORDER BY id";
    if (as->code_stmt == NULL &&
        sqlite3_prepare_v2(as->st->db, sql, -1, &as->code_stmt, NULL) !=
            SQLITE_OK) {
        return cairn__store_dberr(as->st, err);
    }
    int step = SQLITE_DONE;
    if (as->one_client) {
        sqlite3_bind_int64(as->code_stmt, 1, id);
        step = sqlite3_step(as->code_stmt);
    } else {
        assert(!as->code_known || id > as->code_id); /* ascending ids */
        step = scan_to(as, id);
    }
    as->code.len = 0;
    if (step == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(as->code_stmt, 1);
        cairn__buf_put(&as->code, t != NULL ? t : "",
                       (size_t)sqlite3_column_bytes(as->code_stmt, 1));
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE
                 ? CAIRN_OK
                 : cairn__store_dberr(as->st, err);
    if (as->one_client) {
        sqlite3_reset(as->code_stmt);
    }
    if (rc == CAIRN_OK && as->code.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    as->code_known = rc == CAIRN_OK;
    as->code_id = id;
    as->code_found = step == SQLITE_ROW;
    *found = as->code_found;
    return rc;
}

/* Row `x` (its id set) of want `w` from its stored texts (NULL: SQL
 * NULL) and mask, decoded with `dec`. */
static int course_decode(course_dec *dec, const cairn_course_want *wants,
                         arena *a, const cairn_course_want *w, int64_t mask,
                         const char *st, size_t sl, const char *ft, size_t fl,
                         cairn_assessment *x, cairn_error *err)
{
    bool bad = false, oom = false;
    if (!course_values(dec, wants, a, w, mask, st, sl, x, &bad) && !bad) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (!bad && !course_flags(dec, wants, a, x, ft, fl, &oom)) {
        if (oom) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        bad = true;
    }
    if (bad) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: stored responses or scores "
                               "are malformed",
                               (long long)x->id);
    }
    return CAIRN_OK;
}

/* Fill `x` from a course stream's row of client `client_id` and want
 * `w` (stream_rows read both); `prev` is the list's row before (the same
 * client, often the same instrument), or NULL.  With `raw`, the stored
 * texts are kept there to be decoded later. */
static int course_from_row(cairn_assessment_stream *as, arena *a,
                           cairn_assessment *x, const cairn_assessment *prev,
                           int64_t client_id, const cairn_course_want *w,
                           course_raw *raw, cairn_error *err)
{
    sqlite3_stmt *s = as->stmt;
    bool oom = false;
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(s, 0);
    x->client_id = client_id;
    x->client_code = prev != NULL ? prev->client_code
                                  : arena_str(a, as->code.len ? as->code.p : "",
                                              as->code.len);
    /* the row's instrument is the want's code (course_want found it);
     * the row before's want was the same one when it is the last found */
    bool same = prev != NULL && as->prev_want == w;
    as->prev_want = w;
    x->instrument = same ? prev->instrument
                         : arena_str(a, w->instrument, strlen(w->instrument));
    oom = x->client_code == NULL || x->instrument == NULL;
    x->administered_at = astr(a, s, 4, &oom);
    if (oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int64_t mask = 0;
    /* first, as the query itself read the responses before the scores */
    int rc = course_mask(as, w, &mask, err);
    if (rc < 0) {
        return rc;
    }
    const char *st = (const char *)sqlite3_column_text(s, 5);
    size_t sl = (size_t)sqlite3_column_bytes(s, 5);
    const char *ft = (const char *)sqlite3_column_text(s, 7);
    size_t fl = (size_t)sqlite3_column_bytes(s, 7);
    /* no text: SQL NULL, or no memory to make it */
    if ((st == NULL && sqlite3_column_type(s, 5) != SQLITE_NULL) ||
        (ft == NULL && sqlite3_column_type(s, 7) != SQLITE_NULL)) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (raw == NULL) {
        return course_decode(&as->dec, as->wants, a, w, mask, st, sl, ft, fl, x,
                             err);
    }
    /* decoded later, by the thread that finishes the list */
    *raw = (course_raw){.scores = st ? arena_str(a, st, sl) : NULL,
                        .flags = ft ? arena_str(a, ft, fl) : NULL,
                        .scores_len = sl,
                        .flags_len = fl,
                        .mask = mask,
                        .want = (size_t)(w - as->wants)};
    if ((st != NULL && raw->scores == NULL) ||
        (ft != NULL && raw->flags == NULL)) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}

/* Room for `cap` items in `l` (and their raw texts when deferred).  A
 * course list keeps them in its arena, with the rows' texts: one block
 * for most clients, not an allocation for each array (the reading
 * thread's allocations are freed by the caseload's). */
static int grow_items(const cairn_assessment_stream *as, list_impl *l,
                      size_t cap, cairn_error *err)
{
    size_t n = l->pub.n;
    if (as->wants == NULL) {
        cairn_assessment *p = realloc(l->pub.items, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        l->pub.items = p;
        return CAIRN_OK;
    }
    assert(n == 0 || l->in_arena);
    l->mem.grow = COURSE_BLOCK;
    cairn_assessment *p = arena_take(&l->mem, cap * sizeof *p);
    course_raw *r = as->deferred ? arena_take(&l->mem, cap * sizeof *r) : NULL;
    if (p == NULL || (as->deferred && r == NULL)) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (n > 0) {
        memcpy(p, l->pub.items, n * sizeof *p);
    }
    if (n > 0 && r != NULL) {
        memcpy(r, l->raw, n * sizeof *r);
    }
    l->pub.items = p;
    l->raw = r;
    l->in_arena = true;
    return CAIRN_OK;
}

/* Add the statement's rows of one client to `l`, stopping at the next. */
static int stream_rows(cairn_assessment_stream *as, list_impl *l,
                       cairn_error *err)
{
    size_t cap = 0;
    ids_cache ids = {0};
    int64_t client = 0;
    int step = as->pending ? SQLITE_ROW : sqlite3_step(as->stmt);
    as->pending = false;
    while (step == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(as->stmt, 1);
        const cairn_course_want *w =
            as->wants != NULL
                ? course_want(as, cairn__store_col_text(as->stmt, 3))
                : NULL;
        if (as->wants != NULL && w == NULL) {
            step = sqlite3_step(as->stmt); /* an instrument not asked for */
            continue;
        }
        bool found = true;
        int rc =
            as->wants != NULL ? course_client(as, id, &found, err) : CAIRN_OK;
        if (rc < 0) {
            return rc;
        }
        if (!found) {
            step = sqlite3_step(as->stmt); /* no such client */
            continue;
        }
        if (l->pub.n > 0 && id != client) {
            as->pending = true;
            return CAIRN_OK;
        }
        client = id;
        if (l->pub.n == cap) {
            cap = cap ? cap * 2 : 16;
            rc = grow_items(as, l, cap, err);
            if (rc < 0) {
                return rc;
            }
        }
        rc = as->wants != NULL
                 ? course_from_row(
                       as, &l->mem, &l->pub.items[l->pub.n],
                       l->pub.n > 0 ? &l->pub.items[l->pub.n - 1] : NULL, id, w,
                       l->raw != NULL ? &l->raw[l->pub.n] : NULL, err)
                 : assessment_from_row(&l->mem, as->stmt, &ids,
                                       &l->pub.items[l->pub.n], err);
        if (rc != CAIRN_OK) {
            return rc; /* the rows before it are whole */
        }
        l->pub.n++;
        step = sqlite3_step(as->stmt);
    }
    as->done = true;
    return step == SQLITE_DONE ? CAIRN_OK : cairn__store_dberr(as->st, err);
}

/* The next client's list; with `partial`, a failed read keeps the rows
 * before the failure in `*out`. */
static int stream_next(cairn_assessment_stream *as, cairn_assessment_list **out,
                       bool partial, cairn_error *err)
{
    *out = NULL;
    if (as->done && !as->pending) {
        return 0;
    }
    list_impl *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = stream_rows(as, l, err);
    if (rc < 0 && partial && l->pub.n > 0) {
        *out = &l->pub;
        return rc;
    }
    if (rc < 0 || l->pub.n == 0) {
        cairn_store_assessment_list_free(&l->pub);
        return rc < 0 ? rc : 0;
    }
    *out = &l->pub;
    return 1;
}

int cairn_store_assessment_stream_next(cairn_assessment_stream *as,
                                       cairn_assessment_list **out,
                                       cairn_error *err)
{
    if (as->deferred) {
        /* a caller that did not ask for it gets whole lists */
        int rc = stream_next(as, out, false, err);
        int f = rc > 0 ? cairn__store_course_finish(as, *out, err) : CAIRN_OK;
        if (f < 0) {
            cairn_store_assessment_list_free(*out);
            *out = NULL;
            return f;
        }
        return rc;
    }
    return stream_next(as, out, false, err);
}

void cairn__store_course_defer(cairn_assessment_stream *as)
{
    as->deferred = as->wants != NULL;
}

int cairn__store_course_next(cairn_assessment_stream *as,
                             cairn_assessment_list **out, cairn_error *err)
{
    return stream_next(as, out, as->deferred, err);
}

int cairn__store_course_finish(cairn_assessment_stream *as,
                               cairn_assessment_list *list, cairn_error *err)
{
    list_impl *l = (list_impl *)list;
    if (l == NULL || l->raw == NULL) {
        return CAIRN_OK;
    }
    if (as->late.memos == NULL && !course_dec_init(&as->late, as->n_wants)) {
        as->late.n_memos = 0; /* each text decoded where it is met */
    }
    for (size_t i = 0; i < l->pub.n; i++) {
        const course_raw *r = &l->raw[i];
        int rc =
            course_decode(&as->late, as->wants, &l->mem, &as->wants[r->want],
                          r->mask, r->scores, r->scores_len, r->flags,
                          r->flags_len, &l->pub.items[i], err);
        if (rc < 0) {
            return rc;
        }
    }
    if (!l->in_arena) {
        free(l->raw);
    }
    l->raw = NULL;
    return CAIRN_OK;
}

void cairn_store_assessment_stream_close(cairn_assessment_stream *as)
{
    if (as == NULL) {
        return;
    }
    sqlite3_finalize(as->stmt);
    for (size_t i = 0; as->masks != NULL && i < as->n_wants; i++) {
        sqlite3_finalize(as->masks[i]);
    }
    free(as->masks);
    cairn__memo_free(as->mask_memo);
    sqlite3_finalize(as->code_stmt);
    cairn__buf_free(&as->code);
    course_dec_free(&as->dec);
    course_dec_free(&as->late);
    if (as->cache_was != 0) {
        set_cache_size(as->st->db, as->cache_was);
    }
    if (as->wants != NULL) {
        sqlite3_db_release_memory(as->st->db); /* the pages it read */
    }
    free(as);
}

/* ------------------------------------------------------------------ */
/* Cohort cursor                                                       */

/* A definition a one-scale scan met: its fingerprint and scale ids. */
typedef struct cursor_def {
    int64_t id;
    const char *fingerprint;
    const char **scale_ids;
    size_t n_scale_ids;
    bool missing; /* no such definition */
    bool bad;     /* its scales could not be read */
} cursor_def;

/* What a one-scale row reads of its statement's columns 2-5 (or of the
 * copy handed to the second thread). */
typedef struct raw_row {
    const char *date;
    int64_t def;
    const char *scores, *responses;
    size_t scores_len, responses_len;
} raw_row;

struct cairn_store_cursor {
    cairn_store *st;
    sqlite3_stmt *stmt;
    bool empty; /* nothing of the instrument was ever stored */
    arena mem;  /* this row's strings and arrays */
    arena ids;  /* full scan: the scale ids of the last definition seen;
                   one-scale scan: those of every definition met */
    int64_t ids_definition;
    const char **scale_ids;
    size_t n_scale_ids;
    bool one;                /* one scale (see open_scale) */
    size_t scale;            /* its position */
    char band_path[32];      /* "$[scale][1]" */
    sqlite3_stmt *def_stmt;  /* one-scale: a definition by id */
    sqlite3_stmt *band_stmt; /* one-scale: an earlier row's band */
    cairn__decoded *dec;     /* one-scale: scores and responses decoded */
    const cairn__scale_val *val[2]; /* this row's and the last row's, */
    int64_t val_id[2];              /* with their ids (NULL: no scale) */
    cursor_def *defs;               /* one-scale: the definitions met */
    size_t n_defs, cap_defs;
    cairn_stored_scale sc; /* that scale of this row */
    cairn_cohort_row row;
    raw_row raw;        /* this row's columns */
    bool threaded;      /* rows come from the stepping thread (each_two) */
    bool kept;          /* a band was kept: */
    int64_t kept_id;    /* the row of cairn__store_cursor_keep_band, */
    bool kept_bad;      /* its band malformed, */
    bool kept_has_band; /* whether it has one, */
    char *kept_band;    /* its band, */
    size_t kept_cap;    /* in a buffer this large */
    int64_t *sent;      /* stepping thread: the definitions handed over */
    size_t n_sent, cap_sent;
};

/* Every column a full scan decodes. */
#define CURSOR_FULL                                                            \
    "SELECT a.id, a.client_id, c.code, a.administered_at, d.fingerprint,"      \
    " d.scales, a.scores, a.responses, a.flags, d.id"                          \
    " FROM assessment a"                                                       \
    " JOIN client c ON c.id = a.client_id"                                     \
    " JOIN definition d ON d.id = a.definition_id"

/*
 * A one-scale scan reads six columns a row: no join, no text copied.
 * The scale's score and band come from the stored scores text, decoded
 * once per distinct text (store_decoded.c), and so do the responses of
 * the rows that ask for them (cairn_store_cursor_items).
 */
#define CURSOR_ONE                                                             \
    "SELECT a.id, a.client_id, a.administered_at, a.definition_id,"            \
    " a.scores, a.responses FROM assessment a"

#define CURSOR_WHERE                                                           \
    " WHERE a.instrument = ?1"                                                 \
    " AND a.superseded_by IS NULL"                                             \
    " AND a.voided_at IS NULL"                                                 \
    " ORDER BY a.client_id, a.administered_at, a.id"

static int prepare(cairn_store *st, const char *sql, sqlite3_stmt **out,
                   cairn_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    return CAIRN_OK;
}

static int cursor_open(cairn_store_cursor **out, cairn_store *st,
                       const char *instrument, bool one, size_t scale,
                       cairn_error *err)
{
    *out = NULL;
    cairn_store_cursor *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->st = st;
    c->one = one;
    c->scale = scale;
    snprintf(c->band_path, sizeof c->band_path, "$[%zu][1]", scale);
    int rc =
        prepare(st, one ? CURSOR_ONE CURSOR_WHERE : CURSOR_FULL CURSOR_WHERE,
                &c->stmt, err);
    if (rc == CAIRN_OK && one) {
        rc = prepare(st,
                     "SELECT fingerprint, scales FROM definition WHERE id = ?",
                     &c->def_stmt, err);
    }
    if (rc == CAIRN_OK && one && cairn__decoded_new(&c->dec, scale) < 0) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK && one) {
        rc = prepare(st,
                     "SELECT json_extract(scores, ?2) FROM assessment"
                     " WHERE id = ?1 AND instrument = ?3",
                     &c->band_stmt, err);
    }
    if (rc < 0) {
        cairn_store_cursor_close(c);
        return rc;
    }
    sqlite3_bind_text(c->stmt, 1, instrument, -1, SQLITE_TRANSIENT);
    if (one) {
        sqlite3_bind_text(c->band_stmt, 2, c->band_path, -1, SQLITE_STATIC);
        sqlite3_bind_text(c->band_stmt, 3, instrument, -1, SQLITE_TRANSIENT);
    }
    /* The scan filters a table ordered by client; an instrument never
     * stored (no definition of it) would cost a whole pass for nothing. */
    sqlite3_stmt *any = NULL;
    rc =
        prepare(st, "SELECT 1 FROM definition WHERE instrument = ?", &any, err);
    if (rc == CAIRN_OK) {
        sqlite3_bind_text(any, 1, instrument, -1, SQLITE_STATIC);
        int step = sqlite3_step(any);
        c->empty = step == SQLITE_DONE;
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(any);
    if (rc < 0) {
        cairn_store_cursor_close(c);
        return rc;
    }
    *out = c;
    return CAIRN_OK;
}

int cairn_store_cursor_open(cairn_store_cursor **out, cairn_store *st,
                            const char *instrument, cairn_error *err)
{
    return cursor_open(out, st, instrument, false, 0, err);
}

int cairn_store_cursor_open_scale(cairn_store_cursor **out, cairn_store *st,
                                  const char *instrument, size_t scale,
                                  cairn_error *err)
{
    return cursor_open(out, st, instrument, true, scale, err);
}

/* The scale ids of the row's definition, decoded once per definition. */
static bool cursor_ids(cairn_store_cursor *cur, sqlite3_stmt *s)
{
    int64_t def = sqlite3_column_int64(s, 9);
    if (cur->scale_ids != NULL && def == cur->ids_definition) {
        return true;
    }
    arena_reset(&cur->ids);
    cur->scale_ids = NULL;
    cur->ids_definition = def;
    return decode_ids(&cur->ids, cairn__store_col_text(s, 5), &cur->scale_ids,
                      &cur->n_scale_ids);
}

static int malformed(const cairn_cohort_row *r, const char *what,
                     cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EINVAL,
                           "assessment %lld: stored %s are malformed",
                           (long long)r->assessment_id, what);
}

/* Read definition `id` (fingerprint and scales texts, borrowed from
 * def_stmt until its reset); *found false when there is none. */
static int def_lookup(cairn_store_cursor *cur, int64_t id, bool *found,
                      const char **fp, const char **scales, cairn_error *err)
{
    sqlite3_stmt *s = cur->def_stmt;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    *found = step == SQLITE_ROW;
    *fp = *found ? cairn__store_col_text(s, 0) : NULL;
    *scales = *found ? cairn__store_col_text(s, 1) : NULL;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        return cairn__store_dberr(cur->st, err);
    }
    return CAIRN_OK;
}

/* Add definition `id` to those met, decoding its scale ids (marked
 * missing or bad rather than refused: the row that meets it refuses). */
static int def_add(cairn_store_cursor *cur, int64_t id, bool found,
                   const char *fp, const char *scales, cairn_error *err)
{
    if (cur->n_defs == cur->cap_defs) {
        size_t cap = cur->cap_defs ? cur->cap_defs * 2 : 4;
        cursor_def *p = realloc(cur->defs, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        cur->defs = p;
        cur->cap_defs = cap;
    }
    cursor_def *d = &cur->defs[cur->n_defs++];
    *d = (cursor_def){.id = id, .missing = !found};
    if (found) {
        bool ok = decode_ids(&cur->ids, scales, &d->scale_ids, &d->n_scale_ids);
        d->fingerprint = ok && fp ? arena_str(&cur->ids, fp, strlen(fp)) : NULL;
        d->bad = !ok || (fp != NULL && d->fingerprint == NULL);
    }
    return CAIRN_OK;
}

/* Definition `id` of a one-scale scan, read the first time it is met
 * (on one thread; with two, the stepping thread read it before the row). */
static int cursor_def_get(cairn_store_cursor *cur, int64_t id,
                          const cursor_def **out, cairn_error *err)
{
    const cursor_def *d = NULL;
    for (size_t i = 0; i < cur->n_defs && d == NULL; i++) {
        d = cur->defs[i].id == id ? &cur->defs[i] : NULL;
    }
    if (d == NULL) {
        assert(!cur->threaded);
        bool found = false;
        const char *fp = NULL, *scales = NULL;
        int rc = def_lookup(cur, id, &found, &fp, &scales, err);
        if (rc == CAIRN_OK) {
            rc = def_add(cur, id, found, fp, scales, err);
        }
        sqlite3_reset(cur->def_stmt);
        if (rc < 0) {
            return rc;
        }
        d = &cur->defs[cur->n_defs - 1];
    }
    if (d->missing) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: its definition "
                               "%lld is missing",
                               (long long)cur->row.assessment_id,
                               (long long)id);
    }
    if (d->bad) {
        return malformed(&cur->row, "scores", err);
    }
    *out = d;
    return CAIRN_OK;
}

/*
 * A one-scale row: the score at the scale's position in the stored
 * scores (column 4), or no scale when its definition has none there.
 * Scores text that is not a JSON array, or a score that is not a number,
 * is refused here.  The band stays NULL until asked for.
 */
static int cursor_one(cairn_store_cursor *cur, cairn_error *err)
{
    cairn_cohort_row *r = &cur->row;
    const cursor_def *d = NULL;
    cur->val[1] = cur->val[0];
    cur->val_id[1] = cur->val_id[0];
    cur->val[0] = NULL;
    cur->val_id[0] = r->assessment_id;
    r->administered_at = cur->raw.date;
    int rc = cursor_def_get(cur, cur->raw.def, &d, err);
    if (rc < 0) {
        return rc;
    }
    r->fingerprint = d->fingerprint;
    if (cur->scale >= d->n_scale_ids) {
        return CAIRN_OK; /* this definition has no such scale */
    }
    const char *text = cur->raw.scores;
    rc = text == NULL ? CAIRN_EINVAL
                      : cairn__decoded_scale(cur->dec, text,
                                             cur->raw.scores_len, &cur->val[0]);
    if (rc == CAIRN_ENOMEM) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc < 0 || cur->val[0]->score_bad) {
        return malformed(r, "scores", err);
    }
    cur->sc = (cairn_stored_scale){0};
    cur->sc.scale = d->scale_ids[cur->scale];
    cur->sc.has_score = cur->val[0]->has_score;
    cur->sc.score = cur->val[0]->score;
    r->scales = &cur->sc;
    r->n_scales = 1;
    return CAIRN_OK;
}

int cairn_store_cursor_next(cairn_store_cursor *cur,
                            const cairn_cohort_row **row, cairn_error *err)
{
    sqlite3_stmt *s = cur->stmt;
    bool oom = false;
    *row = NULL;
    if (cur->empty) {
        return 0;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        return 0;
    }
    if (step != SQLITE_ROW) {
        return cairn__store_dberr(cur->st, err);
    }
    arena_reset(&cur->mem);
    cairn_cohort_row *r = &cur->row;
    memset(r, 0, sizeof *r);
    r->assessment_id = sqlite3_column_int64(s, 0);
    r->client_id = sqlite3_column_int64(s, 1);
    if (cur->one) {
        raw_row *w = &cur->raw;
        w->date = cairn__store_col_text(s, 2);
        w->def = sqlite3_column_int64(s, 3);
        w->scores = cairn__store_col_text(s, 4);
        w->scores_len = (size_t)sqlite3_column_bytes(s, 4);
        w->responses = cairn__store_col_text(s, 5);
        w->responses_len = (size_t)sqlite3_column_bytes(s, 5);
        int rc = cursor_one(cur, err);
        if (rc < 0) {
            return rc;
        }
        *row = r;
        return 1;
    }
    r->client_code = astr(&cur->mem, s, 2, &oom);
    r->administered_at = astr(&cur->mem, s, 3, &oom);
    r->fingerprint = astr(&cur->mem, s, 4, &oom);
    if (oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (!cursor_ids(cur, s) ||
        !decode_scales(&cur->mem, cairn__store_col_text(s, 6), cur->scale_ids,
                       cur->n_scale_ids, &r->scales, &r->n_scales)) {
        return malformed(r, "scores", err);
    }
    *row = r;
    return 1;
}

/* The band in column `i` of `s` into the row's arena; false if it is
 * neither NULL nor text, or on lack of memory (*oom). */
static bool band_column(cairn_store_cursor *cur, sqlite3_stmt *s, int i,
                        const char **band, bool *oom)
{
    int t = sqlite3_column_type(s, i);
    *band = NULL;
    if (t != SQLITE_NULL && t != SQLITE_TEXT) {
        return false;
    }
    *band = astr(&cur->mem, s, i, oom);
    return true;
}

/* One-scale: the current row's items (column 5) and band (no flags: no
 * scan of one scale reads them). */
static int items_here(cairn_store_cursor *cur, cairn_assessment *items,
                      cairn_error *err)
{
    cairn_cohort_row *r = &cur->row;
    const char *text = cur->raw.responses;
    const cairn__codes_val *v = NULL;
    int rc = text == NULL ? CAIRN_EINVAL
                          : cairn__decoded_codes(cur->dec, text,
                                                 cur->raw.responses_len, &v);
    if (rc == CAIRN_ENOMEM) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc < 0) {
        return malformed(r, "responses", err);
    }
    items->n_items = v->n_items;
    items->codes = v->codes;
    items->missing = v->missing;
    if (r->n_scales == 1 && cur->val[0]->band_bad) {
        return malformed(r, "scores", err);
    }
    if (r->n_scales == 1) {
        cur->sc.band = cur->val[0]->band;
    }
    return CAIRN_OK;
}

int cairn_store_cursor_items(cairn_store_cursor *cur, cairn_error *err)
{
    cairn_cohort_row *r = &cur->row;
    cairn_assessment items = {0};
    if (cur->one) {
        int rc = items_here(cur, &items, err);
        if (rc < 0) {
            return rc;
        }
    } else if (!decode_responses(&cur->mem, cairn__store_col_text(cur->stmt, 7),
                                 &items) ||
               !decode_flags(&cur->mem, cairn__store_col_text(cur->stmt, 8),
                             &items)) {
        return malformed(r, "responses", err);
    }
    r->n_items = items.n_items;
    r->codes = items.codes;
    r->missing = items.missing;
    r->n_flags = items.n_flags;
    r->flags = items.flags;
    return CAIRN_OK;
}

int cairn_store_cursor_band(cairn_store_cursor *cur, int64_t assessment,
                            const char **band, cairn_error *err)
{
    *band = NULL;
    if (!cur->one) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a band by id needs a one-scale scan");
    }
    for (size_t i = 0; i < 2; i++) {
        if (cur->val[i] != NULL && cur->val_id[i] == assessment) {
            *band = cur->val[i]->band_bad ? NULL : cur->val[i]->band;
            return cur->val[i]->band_bad
                       ? cairn_error_set(err, CAIRN_EINVAL,
                                         "assessment %lld: stored scores are "
                                         "malformed",
                                         (long long)assessment)
                       : CAIRN_OK;
        }
    }
    if (cur->kept && cur->kept_id == assessment) {
        *band = cur->kept_bad || !cur->kept_has_band ? NULL : cur->kept_band;
        return cur->kept_bad ? cairn_error_set(err, CAIRN_EINVAL,
                                               "assessment %lld: stored "
                                               "scores are malformed",
                                               (long long)assessment)
                             : CAIRN_OK;
    }
    if (cur->threaded) {
        /* The second thread steps no statement: only the rows kept. */
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: its band was not kept",
                               (long long)assessment);
    }
    sqlite3_stmt *s = cur->band_stmt;
    bool oom = false;
    int rc = CAIRN_OK;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, assessment);
    int step = sqlite3_step(s);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE
                 ? cairn_error_set(err, CAIRN_ENOTFOUND,
                                   "no assessment %lld of this instrument",
                                   (long long)assessment)
                 : cairn__store_dberr(cur->st, err);
    } else if (!band_column(cur, s, 0, band, &oom)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "assessment %lld: stored scores are malformed",
                             (long long)assessment);
    } else if (oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    sqlite3_reset(s);
    return rc;
}

int cairn__store_cursor_keep_band(cairn_store_cursor *cur, cairn_error *err)
{
    const cairn__scale_val *v = cur->row.n_scales == 1 ? cur->val[0] : NULL;
    size_t n = v != NULL && v->band != NULL ? strlen(v->band) : 0;
    if (v != NULL && v->band != NULL && cur->kept_cap < n + 1) {
        char *b = realloc(cur->kept_band, n + 1);
        if (b == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        cur->kept_band = b;
        cur->kept_cap = n + 1;
    }
    cur->kept = v != NULL;
    cur->kept_id = cur->row.assessment_id;
    cur->kept_bad = v != NULL && v->band_bad;
    if (v != NULL && v->band != NULL) {
        memcpy(cur->kept_band, v->band, n + 1);
    }
    cur->kept_has_band = v != NULL && v->band != NULL;
    return CAIRN_OK;
}

/* ---- the scan on two threads ----
 * The stepping thread copies each row's columns (and, before the first
 * row of each definition, that definition's texts) into the pipe; the
 * worker decodes them exactly as cairn_store_cursor_next would and calls
 * the caller's function.  Only the stepping thread touches SQLite. */

enum { REC_ROW = 1, REC_DEF = 2 };
#define REC_NULL UINT32_MAX

typedef struct rec_head {
    int64_t id;      /* the assessment, or the definition */
    int64_t client;  /* row: its client; definition: 1 found, 0 missing */
    int64_t def;     /* row: its definition */
    uint32_t len[3]; /* date, scores, responses; definition: fingerprint,
                        scales (REC_NULL: NULL) */
    uint32_t kind;
} rec_head;

typedef struct each_ctx {
    cairn_store_cursor *cur;
    cairn__cursor_row_fn fn;
    void *ctx;
} each_ctx;

/* Copy a header and up to three texts as one record. */
static int put_rec(cairn__pipe *p, rec_head *h, const char *const t[3],
                   const size_t len[3], cairn_error *err)
{
    size_t need = sizeof *h;
    for (int i = 0; i < 3; i++) {
        size_t n = t[i] != NULL ? len[i] : 0;
        if (t[i] != NULL && n >= REC_NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        h->len[i] = t[i] != NULL ? (uint32_t)n : REC_NULL;
        need += t[i] != NULL ? n + 1 : 0;
    }
    char *room = cairn__pipe_room(p, need);
    if (room == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    memcpy(room, h, sizeof *h);
    size_t at = sizeof *h;
    for (int i = 0; i < 3; i++) {
        if (t[i] != NULL) {
            memcpy(room + at, t[i], (size_t)h->len[i]);
            room[at + h->len[i]] = '\0';
            at += (size_t)h->len[i] + 1;
        }
    }
    return cairn__pipe_add(p, need, err);
}

/* Stepping thread: hand definition `id` over the first time it is met. */
static int send_def(cairn_store_cursor *cur, cairn__pipe *p, int64_t id,
                    cairn_error *err)
{
    for (size_t i = 0; i < cur->n_sent; i++) {
        if (cur->sent[i] == id) {
            return CAIRN_OK;
        }
    }
    if (cur->n_sent == cur->cap_sent) {
        size_t cap = cur->cap_sent ? cur->cap_sent * 2 : 4;
        int64_t *q = realloc(cur->sent, cap * sizeof *q);
        if (q == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        cur->sent = q;
        cur->cap_sent = cap;
    }
    cur->sent[cur->n_sent++] = id;
    bool found = false;
    const char *t[3] = {NULL, NULL, NULL};
    int rc = def_lookup(cur, id, &found, &t[0], &t[1], err);
    rec_head h = {.id = id, .client = found, .kind = REC_DEF};
    size_t len[3] = {t[0] ? strlen(t[0]) : 0, t[1] ? strlen(t[1]) : 0, 0};
    if (rc == CAIRN_OK) {
        rc = put_rec(p, &h, t, len, err);
    }
    sqlite3_reset(cur->def_stmt);
    return rc;
}

/* Worker: one buffer of records, in order. */
static int take_recs(void *arg, const char *data, size_t len, cairn_error *err)
{
    each_ctx *e = arg;
    cairn_store_cursor *cur = e->cur;
    size_t at = 0;
    while (at < len) {
        rec_head h;
        const char *t[3] = {NULL, NULL, NULL};
        memcpy(&h, data + at, sizeof h);
        at += sizeof h;
        for (int i = 0; i < 3; i++) {
            if (h.len[i] != REC_NULL) {
                t[i] = data + at;
                at += (size_t)h.len[i] + 1;
            }
        }
        int rc = CAIRN_OK;
        if (h.kind == REC_DEF) {
            rc = def_add(cur, h.id, h.client != 0, t[0], t[1], err);
        } else {
            arena_reset(&cur->mem);
            cairn_cohort_row *r = &cur->row;
            memset(r, 0, sizeof *r);
            r->assessment_id = h.id;
            r->client_id = h.client;
            cur->raw = (raw_row){
                .date = t[0],
                .def = h.def,
                .scores = t[1],
                .scores_len = t[1] != NULL ? h.len[1] : 0,
                .responses = t[2],
                .responses_len = t[2] != NULL ? h.len[2] : 0,
            };
            rc = cursor_one(cur, err);
            if (rc == CAIRN_OK) {
                rc = e->fn(e->ctx, cur, r, err);
            }
        }
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

/* Stepping thread: every row into the pipe, then wait for the worker.
 * The worker's error comes first: it is of an earlier row. */
static int each_two(cairn_store_cursor *cur, cairn__pipe *p, cairn_error *err)
{
    sqlite3_stmt *s = cur->stmt;
    int rc = CAIRN_OK;
    for (;;) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = cairn__store_dberr(cur->st, err);
            break;
        }
        int64_t def = sqlite3_column_int64(s, 3);
        rc = send_def(cur, p, def, err);
        if (rc < 0) {
            break;
        }
        rec_head h = {.id = sqlite3_column_int64(s, 0),
                      .client = sqlite3_column_int64(s, 1),
                      .def = def,
                      .kind = REC_ROW};
        /* the texts' lengths as SQLite gives them, as one thread reads
         * them (a NUL inside one is part of it) */
        const char *t[3] = {cairn__store_col_text(s, 2),
                            cairn__store_col_text(s, 4),
                            cairn__store_col_text(s, 5)};
        size_t len[3] = {t[0] ? strlen(t[0]) : 0,
                         (size_t)sqlite3_column_bytes(s, 4),
                         (size_t)sqlite3_column_bytes(s, 5)};
        rc = put_rec(p, &h, t, len, err);
        if (rc < 0) {
            break;
        }
    }
    cairn_error e = CAIRN_ERROR_INIT;
    int wrc = cairn__pipe_flush(p, &e);
    if (wrc < 0) {
        if (err != NULL) {
            *err = e;
        }
        return wrc;
    }
    return rc;
}

int cairn__store_cursor_each(cairn_store_cursor *cur, int threads,
                             cairn__cursor_row_fn fn, void *ctx,
                             cairn_error *err)
{
    assert(cur->one);
    each_ctx e = {.cur = cur, .fn = fn, .ctx = ctx};
    cairn__pipe *p = NULL;
    if (cur->empty) {
        return CAIRN_OK;
    }
    if (threads >= 2 && cairn__pipe_start(&p, take_recs, &e) == CAIRN_OK) {
        cur->threaded = true;
        int rc = each_two(cur, p, err);
        cairn__pipe_free(p);
        cur->threaded = false;
        return rc;
    }
    const cairn_cohort_row *r = NULL;
    int rc;
    while ((rc = cairn_store_cursor_next(cur, &r, err)) == 1) {
        rc = fn(ctx, cur, r, err);
        if (rc < 0) {
            return rc;
        }
    }
    return rc;
}

void cairn_store_cursor_close(cairn_store_cursor *cur)
{
    if (cur == NULL) {
        return;
    }
    sqlite3_finalize(cur->stmt);
    sqlite3_finalize(cur->def_stmt);
    cairn__decoded_free(cur->dec);
    sqlite3_finalize(cur->band_stmt);
    arena_free(&cur->mem);
    arena_free(&cur->ids);
    free(cur->defs);
    free(cur->kept_band);
    free(cur->sent);
    free(cur);
}

int cairn__store_definition_version(cairn_store *st, const char *fingerprint,
                                    char *out, size_t size, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    out[0] = '\0';
    if (sqlite3_prepare_v2(
            st->db, "SELECT version FROM definition WHERE fingerprint = ?", -1,
            &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, fingerprint, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        snprintf(out, size, "%s", cairn__store_col_text(s, 0));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}
