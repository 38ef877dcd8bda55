/*
 * store_read.c - reading assessments back: one, a client's history, and a
 * streaming cohort scan for statistics.
 *
 * The compact JSON columns written by store_assessment.c are decoded by a
 * small reader that accepts exactly that shape (and refuses anything else
 * with "assessment 12: stored scores are malformed", since a file edited
 * by hand may hold anything).  Results live in an arena owned by the
 * list, record or cursor, so freeing is one call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
} arena;

static void *arena_alloc(arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (a->head == NULL || a->head->cap - a->head->used < size) {
        size_t cap = size > 4096 ? size : 4096;
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
    memset(p, 0, size);
    return p;
}

static char *arena_str(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
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
/* The JSON shapes the writer produces                                 */

typedef struct jr {
    const char *p, *end;
} jr;

static void jws(jr *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n')) {
        r->p++;
    }
}

static bool jch(jr *r, char c)
{
    jws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return true;
    }
    return false;
}

static bool jword(jr *r, const char *w)
{
    size_t n = strlen(w);
    jws(r);
    if ((size_t)(r->end - r->p) >= n && memcmp(r->p, w, n) == 0) {
        r->p += n;
        return true;
    }
    return false;
}

static bool jnum(jr *r, double *v)
{
    char tmp[40];
    size_t n = 0;
    jws(r);
    while (r->p + n < r->end && n < sizeof tmp - 1 &&
           strchr("0123456789+-.eE", r->p[n]) != NULL && r->p[n] != '\0') {
        tmp[n] = r->p[n];
        n++;
    }
    if (n == 0) {
        return false;
    }
    tmp[n] = '\0';
    char *endp = NULL;
    *v = strtod(tmp, &endp);
    if (endp != tmp + n) {
        return false;
    }
    r->p += n;
    return true;
}

/* A string without escapes (ids written by Cairn have none). */
static bool jstr(jr *r, const char **s, size_t *n)
{
    jws(r);
    if (r->p >= r->end || *r->p != '"') {
        return false;
    }
    const char *start = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\') {
            return false;
        }
        r->p++;
    }
    if (r->p >= r->end) {
        return false;
    }
    *s = start;
    *n = (size_t)(r->p - start);
    r->p++;
    return true;
}

static size_t count_top(const char *s)
{
    /* elements of a top-level array: commas at depth 1, plus one */
    int depth = 0;
    size_t n = 0;
    bool any = false;
    for (; *s; s++) {
        if (*s == '[') {
            depth++;
        } else if (*s == ']') {
            depth--;
        } else if (*s == ',' && depth == 1) {
            n++;
        } else if (depth >= 1 && *s != ' ') {
            any = true;
        }
    }
    return any ? n + 1 : 0;
}

static bool decode_ids(arena *a, const char *json, const char ***out,
                       size_t *n)
{
    jr r = {json, json + strlen(json)};
    size_t cap = count_top(json);
    const char **ids = arena_alloc(a, (cap + 1) * sizeof *ids);
    *n = 0;
    if (ids == NULL || !jch(&r, '[')) {
        return false;
    }
    while (*n < cap) {
        const char *s;
        size_t len;
        if ((*n > 0 && !jch(&r, ',')) || !jstr(&r, &s, &len) ||
            (ids[*n] = arena_str(a, s, len)) == NULL) {
            return false;
        }
        (*n)++;
    }
    *out = ids;
    return jch(&r, ']');
}

static bool decode_responses(arena *a, const char *json,
                             cairn_assessment *x)
{
    jr r = {json, json + strlen(json)};
    size_t cap = count_top(json);
    int *codes = arena_alloc(a, (cap + 1) * sizeof *codes);
    bool *missing = arena_alloc(a, (cap + 1) * sizeof *missing);
    if (codes == NULL || missing == NULL || !jch(&r, '[')) {
        return false;
    }
    for (size_t i = 0; i < cap; i++) {
        double v = 0;
        if (i > 0 && !jch(&r, ',')) {
            return false;
        }
        if (jword(&r, "null")) {
            missing[i] = true;
        } else if (!jnum(&r, &v)) {
            return false;
        }
        codes[i] = (int)v;
    }
    x->n_items = cap;
    x->codes = codes;
    x->missing = missing;
    return jch(&r, ']');
}

/* [[score|null, "band"|null, bool], ...] named by `ids`. */
static bool decode_scales(arena *a, const char *json, const char **ids,
                          size_t n_ids, const cairn_stored_scale **out,
                          size_t *n)
{
    jr r = {json, json + strlen(json)};
    size_t cap = count_top(json);
    cairn_stored_scale *sc = arena_alloc(a, (cap + 1) * sizeof *sc);
    if (sc == NULL || cap != n_ids || !jch(&r, '[')) {
        return false;
    }
    for (size_t i = 0; i < cap; i++) {
        const char *band;
        size_t len;
        sc[i].scale = ids[i];
        if ((i > 0 && !jch(&r, ',')) || !jch(&r, '[')) {
            return false;
        }
        if (!jword(&r, "null")) {
            if (!jnum(&r, &sc[i].score)) {
                return false;
            }
            sc[i].has_score = true;
        }
        if (!jch(&r, ',')) {
            return false;
        }
        if (!jword(&r, "null")) {
            if (!jstr(&r, &band, &len) ||
                (sc[i].band = arena_str(a, band, len)) == NULL) {
                return false;
            }
        }
        if (!jch(&r, ',')) {
            return false;
        }
        sc[i].prorated = jword(&r, "true");
        if ((!sc[i].prorated && !jword(&r, "false")) || !jch(&r, ']')) {
            return false;
        }
    }
    *out = sc;
    *n = cap;
    return jch(&r, ']');
}

static bool decode_flags(arena *a, const char *json, cairn_assessment *x)
{
    if (json == NULL) {
        return true;
    }
    jr r = {json, json + strlen(json)};
    size_t cap = count_top(json);
    cairn_stored_flag *f = arena_alloc(a, (cap + 1) * sizeof *f);
    if (f == NULL || !jch(&r, '[')) {
        return false;
    }
    for (size_t i = 0; i < cap; i++) {
        double item, code;
        if ((i > 0 && !jch(&r, ',')) || !jch(&r, '[') || !jnum(&r, &item) ||
            !jch(&r, ',') || !jnum(&r, &code) || !jch(&r, ']')) {
            return false;
        }
        f[i].item = (int)item;
        f[i].code = (int)code;
    }
    x->flags = f;
    x->n_flags = cap;
    return jch(&r, ']');
}

static bool decode_rules(arena *a, const char *json, const char **ids,
                         size_t n_ids, cairn_assessment *x)
{
    if (json == NULL) {
        return n_ids == 0;
    }
    jr r = {json, json + strlen(json)};
    size_t cap = count_top(json);
    cairn_stored_rule *ru = arena_alloc(a, (cap + 1) * sizeof *ru);
    if (ru == NULL || cap != n_ids || !jch(&r, '[')) {
        return false;
    }
    for (size_t i = 0; i < cap; i++) {
        ru[i].rule = ids[i];
        if (i > 0 && !jch(&r, ',')) {
            return false;
        }
        if (jword(&r, "true")) {
            ru[i].value = CAIRN_TRUE;
        } else if (jword(&r, "false")) {
            ru[i].value = CAIRN_FALSE;
        } else if (jword(&r, "null")) {
            ru[i].value = CAIRN_UNKNOWN;
        } else {
            return false;
        }
    }
    x->rules = ru;
    x->n_rules = cap;
    return jch(&r, ']');
}

/* ------------------------------------------------------------------ */
/* Assessments                                                         */

#define ASSESS_SELECT                                                       \
    "SELECT a.id, a.client_id, c.code, a.instrument, d.version,"           \
    " d.fingerprint, a.administered_at, b.entered_at, b.entered_by,"       \
    " b.method, b.source, a.supersedes, a.superseded_by, a.reason,"        \
    " a.voided_at, a.void_reason, a.responses, d.scales, a.scores,"        \
    " a.flags, d.rules, a.rules"                                           \
    " FROM assessment a JOIN client c ON c.id = a.client_id"               \
    " JOIN definition d ON d.id = a.definition_id"                         \
    " LEFT JOIN batch b ON b.id = (SELECT id FROM batch"                   \
    " WHERE last_id >= a.id ORDER BY last_id LIMIT 1)"

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

/* Fill `x` from an ASSESS_SELECT row. */
static int assessment_from_row(arena *a, sqlite3_stmt *s,
                               cairn_assessment *x, cairn_error *err)
{
    bool oom = false;
    const char **scale_ids = NULL, **rule_ids = NULL;
    size_t n_scale_ids = 0, n_rule_ids = 0;
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
    const char *scales = cairn__store_col_text(s, 17);
    const char *scores = cairn__store_col_text(s, 18);
    const char *rules = cairn__store_col_text(s, 20);
    if (resp == NULL || scales == NULL || scores == NULL || rules == NULL ||
        !decode_responses(a, resp, x) ||
        !decode_ids(a, scales, &scale_ids, &n_scale_ids) ||
        !decode_scales(a, scores, scale_ids, n_scale_ids, &x->scales,
                       &x->n_scales) ||
        !decode_flags(a, cairn__store_col_text(s, 19), x) ||
        !decode_ids(a, rules, &rule_ids, &n_rule_ids) ||
        !decode_rules(a, cairn__store_col_text(s, 21), rule_ids, n_rule_ids,
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
            rc = assessment_from_row(&one->mem, s, &one->pub, err);
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

typedef struct list_impl {
    cairn_assessment_list pub;
    arena mem;
} list_impl;

static int client_by_code(cairn_store *st, const char *code, int64_t *id,
                          cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(st, ST_CLIENT_ID,
                               "SELECT id, partner_id FROM client "
                               "WHERE code = ?",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no client '%.64s'",
                             code);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_reset(s);
    return rc;
}

static int list_rows(cairn_store *st, list_impl *l, sqlite3_stmt *s,
                     cairn_error *err)
{
    size_t cap = 0;
    int rc = CAIRN_OK;
    int step;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (l->pub.n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_assessment *p = realloc(l->pub.items, cap * sizeof *p);
            if (p == NULL) {
                return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            }
            l->pub.items = p;
        }
        rc = assessment_from_row(&l->mem, s, &l->pub.items[l->pub.n], err);
        l->pub.n++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    return rc;
}

int cairn_store_assessment_list(cairn_assessment_list **out,
                                cairn_store *st, const char *code,
                                const char *instrument,
                                cairn_list_scope scope, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int64_t client = 0;
    *out = NULL;
    int rc = client_by_code(st, code, &client, err);
    if (rc < 0) {
        return rc;
    }
    list_impl *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (sqlite3_prepare_v2(st->db,
                           ASSESS_SELECT
                           " WHERE a.client_id = ?1"
                           " AND (?2 IS NULL OR a.instrument = ?2)"
                           " AND (?3 = 1 OR (a.superseded_by IS NULL"
                           " AND a.voided_at IS NULL))"
                           " ORDER BY a.administered_at, a.id",
                           -1, &s, NULL) != SQLITE_OK) {
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
    free(l->pub.items);
    arena_free(&l->mem);
    free(l);
}

/* ------------------------------------------------------------------ */
/* Cohort cursor                                                       */

struct cairn_store_cursor {
    cairn_store *st;
    sqlite3_stmt *stmt;
    arena mem;
    cairn_cohort_row row;
};

int cairn_store_cursor_open(cairn_store_cursor **out, cairn_store *st,
                            const char *instrument, cairn_error *err)
{
    *out = NULL;
    cairn_store_cursor *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->st = st;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT a.id, a.client_id, c.code,"
                           " a.administered_at, d.fingerprint, d.scales,"
                           " a.scores FROM assessment a"
                           " JOIN client c ON c.id = a.client_id"
                           " JOIN definition d ON d.id = a.definition_id"
                           " WHERE a.instrument = ?"
                           " AND a.superseded_by IS NULL"
                           " AND a.voided_at IS NULL"
                           " ORDER BY a.client_id, a.administered_at, a.id",
                           -1, &c->stmt, NULL) != SQLITE_OK) {
        int rc = cairn__store_dberr(st, err);
        cairn_store_cursor_close(c);
        return rc;
    }
    sqlite3_bind_text(c->stmt, 1, instrument, -1, SQLITE_TRANSIENT);
    *out = c;
    return CAIRN_OK;
}

int cairn_store_cursor_next(cairn_store_cursor *cur,
                            const cairn_cohort_row **row, cairn_error *err)
{
    sqlite3_stmt *s = cur->stmt;
    const char **ids = NULL;
    size_t n_ids = 0;
    bool oom = false;
    *row = NULL;
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
    r->client_code = astr(&cur->mem, s, 2, &oom);
    r->administered_at = astr(&cur->mem, s, 3, &oom);
    r->fingerprint = astr(&cur->mem, s, 4, &oom);
    const char *scales = cairn__store_col_text(s, 5);
    const char *scores = cairn__store_col_text(s, 6);
    if (oom) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (scales == NULL || scores == NULL ||
        !decode_ids(&cur->mem, scales, &ids, &n_ids) ||
        !decode_scales(&cur->mem, scores, ids, n_ids, &r->scales,
                       &r->n_scales)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: stored scores are "
                               "malformed",
                               (long long)r->assessment_id);
    }
    *row = r;
    return 1;
}

void cairn_store_cursor_close(cairn_store_cursor *cur)
{
    if (cur == NULL) {
        return;
    }
    sqlite3_finalize(cur->stmt);
    arena_free(&cur->mem);
    free(cur);
}
