/*
 * store_export.c - the research export's scan: every current assessment
 * of one instrument, by client, date and id, with its item codes and
 * scale values (export_write.c spools them).
 *
 * A row reads six columns of one table, no join: a definition's
 * fingerprint and scale ids are read once, when the scan first meets it.
 * The compact JSON columns are decoded by jansson, and only once per
 * distinct text: a store holds few distinct score texts (a PHQ-9 total
 * has 28 values) and, with many clients, repeats response texts too, so
 * each decoded text is kept (cairn__kept, memo.c) up to KEEP of them,
 * and the rest are decoded row by row.  Text of another shape than the writer's
 * is refused, with store_read.c's messages.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cairn/export.h"
#include "store_db.h"

/* A definition the scan met. */
typedef struct scan_def {
    int64_t id;
    char *fingerprint;
    char **scale_ids;
    size_t n_scale_ids;
} scan_def;

/* One decoded text: item codes or scale values, in one allocation. */
typedef struct decoded {
    size_t n;
    int32_t *codes;            /* responses */
    cairn__scan_scale *scales; /* scores; bands follow in the block */
    _Alignas(max_align_t) char data[];
} decoded;

struct cairn__scan {
    cairn_store *st;
    sqlite3_stmt *stmt;
    sqlite3_stmt *def_stmt;
    bool empty; /* nothing of the instrument was ever stored */
    scan_def **defs;
    size_t n_defs, cap_defs;
    size_t most_kept;         /* CAIRN__SCAN_KEEP unless a test set fewer */
    cairn__scan_decoder *dec; /* cairn__store_scan_next's */
    cairn__scan_raw raw;      /* the row it is on */
};

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Decoding, with jansson                                              */

static json_t *load_array(const char *text, size_t len)
{
    json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
    if (j != NULL && !json_is_array(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* [code|null, ...] into codes (CAIRN__SCAN_NO_CODE for null); NULL when
 * malformed, or with `*oom` set when memory ran out. */
static decoded *decode_codes(const char *text, size_t len, bool *oom)
{
    json_t *j = load_array(text, len);
    size_t k = j ? json_array_size(j) : 0;
    decoded *d = j ? malloc(sizeof *d + (k + 1) * sizeof(int32_t)) : NULL;
    bool ok = d != NULL;
    *oom = j != NULL && d == NULL;
    if (ok) {
        *d = (decoded){.n = k, .codes = (int32_t *)(void *)d->data};
    }
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        ok = json_is_null(v) || json_is_integer(v);
        d->codes[i] = json_is_integer(v) ? (int32_t)json_integer_value(v)
                                         : CAIRN__SCAN_NO_CODE;
    }
    json_decref(j);
    if (!ok) {
        free(d);
        d = NULL;
    }
    return d;
}

/* Whether `v` is [score|null, "band"|null, prorated]; adds the band's
 * bytes with its NUL to `*bands`. */
static bool scale_shape(json_t *v, size_t *bands)
{
    json_t *score = json_array_get(v, 0), *band = json_array_get(v, 1);
    if (json_array_size(v) != 3 ||
        !(json_is_null(score) || json_is_number(score)) ||
        !(json_is_null(band) || json_is_string(band)) ||
        !json_is_boolean(json_array_get(v, 2))) {
        return false;
    }
    *bands += json_is_string(band) ? json_string_length(band) + 1 : 0;
    return true;
}

/* [[score|null, "band"|null, prorated], ...], `n_ids` of them; NULL
 * when malformed, or with `*oom` set when memory ran out. */
static decoded *decode_scales(const char *text, size_t len, size_t n_ids,
                              bool *oom)
{
    json_t *j = load_array(text, len);
    size_t k = j ? json_array_size(j) : 0, bands = 0;
    bool ok = j != NULL && k == n_ids;
    for (size_t i = 0; ok && i < k; i++) {
        ok = scale_shape(json_array_get(j, i), &bands);
    }
    decoded *d =
        ok ? malloc(sizeof *d + (k + 1) * sizeof(cairn__scan_scale) + bands)
           : NULL;
    *oom = ok && d == NULL;
    if (d != NULL) {
        *d = (decoded){.n = k, .scales = (cairn__scan_scale *)(void *)d->data};
        char *b = d->data + (k + 1) * sizeof(cairn__scan_scale);
        for (size_t i = 0; i < k; i++) {
            json_t *v = json_array_get(j, i), *band = json_array_get(v, 1);
            json_t *score = json_array_get(v, 0);
            d->scales[i].score =
                json_is_number(score) ? json_number_value(score) : NAN;
            d->scales[i].band = NULL;
            if (json_is_string(band)) {
                size_t n = json_string_length(band);
                memcpy(b, json_string_value(band), n);
                b[n] = '\0';
                d->scales[i].band = b;
                b += n + 1;
            }
        }
    }
    json_decref(j);
    return d;
}

/* ["id", ...]: a definition's scale ids. */
static bool decode_ids(const char *text, scan_def *d)
{
    json_t *j = text ? load_array(text, strlen(text)) : NULL;
    size_t k = j ? json_array_size(j) : 0;
    d->scale_ids = j ? calloc(k + 1, sizeof(char *)) : NULL;
    bool ok = d->scale_ids != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        json_t *v = json_array_get(j, i);
        size_t n = json_string_length(v);
        ok = json_is_string(v) && (d->scale_ids[i] = malloc(n + 1)) != NULL;
        if (ok) {
            memcpy(d->scale_ids[i], json_string_value(v), n + 1);
            d->n_scale_ids = i + 1;
        }
    }
    json_decref(j);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Memoized decoding                                                   */

struct cairn__scan_decoder {
    cairn__kept *kept; /* decoded texts by kind, definition and text */
    size_t most_kept;
    bool oom;       /* the last decode ran out of memory */
    cairn__buf key; /* the cache key (without it: no cache) */
    cairn__scan_row row;
};

int cairn__scan_decoder_new(cairn__scan_decoder **out, size_t most)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return CAIRN_ENOMEM;
    }
    (*out)->most_kept = most;
    return CAIRN_OK;
}

void cairn__scan_decoder_free(cairn__scan_decoder *d)
{
    if (d == NULL) {
        return;
    }
    cairn__kept_free(d->kept);
    cairn__buf_free(&d->key);
    free(d);
}

/*
 * The decoded form of `text` (kind 'r': responses, 's': scores of
 * definition `def`), from the cache or decoded now and kept (or, once
 * the most are kept, held while this row is read); NULL when the text
 * is malformed or memory ran out.
 */
static const decoded *decode(cairn__scan_decoder *dc, char kind,
                             const char *text, size_t len, const scan_def *def)
{
    dc->oom = false;
    if (text == NULL) {
        return NULL;
    }
    if (dc->kept == NULL && cairn__kept_new(&dc->kept, dc->most_kept) < 0) {
        dc->oom = true;
        return NULL;
    }
    /* a responses text is its own key (no copy); a scores text is
     * keyed with its definition, whose scale count it is checked
     * against, after an 's' (a responses text starting so, never
     * written, is decoded without the cache) */
    const char *key = text;
    size_t key_len = len;
    bool no_key = kind == 'r' && len > 0 && text[0] == 's';
    char small[128];
    if (kind == 's') {
        /* 's', the id's byte count, its bytes from the lowest, the text */
        char head[10] = {kind};
        size_t n = 2;
        for (uint64_t v = (uint64_t)def->id; n == 2 || v != 0; v >>= 8) {
            head[n++] = (char)(v & 0xff);
        }
        head[1] = (char)(n - 2);
        if (n + len <= sizeof small) { /* most: no buffer to grow */
            memcpy(small, head, n);
            memcpy(small + n, text, len);
            key = small;
            key_len = n + len;
        } else {
            dc->key.len = 0;
            cairn__buf_put(&dc->key, head, n);
            cairn__buf_put(&dc->key, text, len);
            key = dc->key.p;
            key_len = dc->key.len;
            no_key = dc->key.oom;
        }
    }
    decoded *d = no_key ? NULL : cairn__kept_get(dc->kept, key, key_len);
    if (d != NULL) {
        return d;
    }
    d = kind == 'r' ? decode_codes(text, len, &dc->oom)
                    : decode_scales(text, len, def->n_scale_ids, &dc->oom);
    if (d == NULL) {
        return NULL;
    }
    /* without a key (out of memory) it is only held */
    cairn__kept_put(dc->kept, no_key ? NULL : key, key_len, d);
    return d;
}

static int malformed(int64_t assessment, const char *what, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EINVAL,
                           "assessment %lld: stored %s are malformed",
                           (long long)assessment, what);
}

int cairn__scan_decode(cairn__scan_decoder *dc, const cairn__scan_raw *raw,
                       const cairn__scan_row **row, cairn_error *err)
{
    const scan_def *def = raw->def;
    cairn__scan_row *r = &dc->row;
    *row = NULL;
    memset(r, 0, sizeof *r);
    r->assessment_id = raw->assessment_id;
    r->client_id = raw->client_id;
    r->administered_at = raw->administered_at;
    r->fingerprint = def->fingerprint;
    r->scale_ids = (const char *const *)def->scale_ids;
    const decoded *scales = decode(dc, 's', raw->scores, raw->scores_len, def);
    if (scales == NULL) {
        return dc->oom ? oom(err)
                       : malformed(raw->assessment_id, "scores", err);
    }
    r->n_scales = scales->n;
    r->scales = scales->scales;
    *row = r;
    return CAIRN_OK;
}

int cairn__scan_decode_codes(cairn__scan_decoder *dc,
                             const cairn__scan_raw *raw, cairn_error *err)
{
    const decoded *codes =
        decode(dc, 'r', raw->responses, raw->responses_len, NULL);
    if (codes == NULL) {
        return dc->oom ? oom(err)
                       : malformed(raw->assessment_id, "responses", err);
    }
    dc->row.n_items = codes->n;
    dc->row.codes = codes->codes;
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* The scan                                                            */

int cairn__store_scan_open(cairn__scan **out, cairn_store *st,
                           const char *instrument, cairn_error *err)
{
    sqlite3_stmt *any = NULL;
    *out = NULL;
    cairn__scan *sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
        return oom(err);
    }
    sc->st = st;
    sc->most_kept = CAIRN__SCAN_KEEP;
    int rc = CAIRN_OK;
    /* an instrument never stored would cost a whole pass for nothing,
     * and preparing the pass's statements */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM definition WHERE instrument = ?", -1,
                           &any, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        sqlite3_bind_text(any, 1, instrument, -1, SQLITE_STATIC);
        int step = sqlite3_step(any);
        sc->empty = step == SQLITE_DONE;
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(any);
    if (rc == CAIRN_OK && !sc->empty &&
        (sqlite3_prepare_v2(st->db,
                            "SELECT a.id, a.client_id, a.administered_at,"
                            " a.definition_id, a.responses, a.scores"
                            " FROM assessment a"
                            " WHERE a.instrument = ?1"
                            " AND a.superseded_by IS NULL"
                            " AND a.voided_at IS NULL"
                            " ORDER BY a.client_id, a.administered_at, a.id",
                            -1, &sc->stmt, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             st->db, "SELECT fingerprint, scales FROM definition WHERE id = ?",
             -1, &sc->def_stmt, NULL) != SQLITE_OK)) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK && !sc->empty) {
        sqlite3_bind_text(sc->stmt, 1, instrument, -1, SQLITE_TRANSIENT);
    }
    if (rc < 0) {
        cairn__store_scan_close(sc);
        return rc;
    }
    *out = sc;
    return CAIRN_OK;
}

void cairn__store_scan_keep(cairn__scan *sc, size_t most)
{
    if (sc->dec == NULL) {
        sc->most_kept = most;
    }
}

/* Read definition `id` into `d`, for the row of assessment `aid`. */
static int scan_def_read(cairn__scan *sc, int64_t id, int64_t aid, scan_def *d,
                         cairn_error *err)
{
    sqlite3_stmt *s = sc->def_stmt;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    int rc = CAIRN_OK;
    if (step == SQLITE_ROW) {
        const char *fp = cairn__store_col_text(s, 0);
        size_t n = fp ? strlen(fp) + 1 : 0;
        d->fingerprint = fp ? malloc(n) : NULL;
        if (fp != NULL && d->fingerprint != NULL) {
            memcpy(d->fingerprint, fp, n);
        }
        rc = fp != NULL && d->fingerprint == NULL ? oom(err)
             : !decode_ids(cairn__store_col_text(s, 1), d)
                 ? malformed(aid, "scores", err)
                 : CAIRN_OK;
    } else {
        rc = step == SQLITE_DONE ? malformed(aid, "scores", err)
                                 : cairn__store_dberr(sc->st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* Definition `id`, read the first time the scan meets it; each kept in
 * its own allocation, so rows may point to it until the scan closes. */
static int scan_def_get(cairn__scan *sc, int64_t id, int64_t aid,
                        const scan_def **out, cairn_error *err)
{
    for (size_t i = sc->n_defs; i-- > 0;) {
        if (sc->defs[i]->id == id) {
            *out = sc->defs[i];
            return CAIRN_OK;
        }
    }
    if (sc->n_defs == sc->cap_defs) {
        size_t cap = sc->cap_defs ? sc->cap_defs * 2 : 4;
        scan_def **p = realloc(sc->defs, cap * sizeof *p);
        if (p == NULL) {
            return oom(err);
        }
        sc->defs = p;
        sc->cap_defs = cap;
    }
    scan_def *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return oom(err);
    }
    d->id = id;
    sc->defs[sc->n_defs++] = d;
    *out = d;
    return scan_def_read(sc, id, aid, d, err);
}

int cairn__store_scan_step(cairn__scan *sc, cairn__scan_raw *raw,
                           cairn_error *err)
{
    const scan_def *def = NULL;
    if (sc->empty) {
        return 0;
    }
    sqlite3_stmt *s = sc->stmt;
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        return 0;
    }
    if (step != SQLITE_ROW) {
        return cairn__store_dberr(sc->st, err);
    }
    raw->assessment_id = sqlite3_column_int64(s, 0);
    raw->client_id = sqlite3_column_int64(s, 1);
    raw->administered_at = cairn__store_col_text(s, 2);
    int rc = scan_def_get(sc, sqlite3_column_int64(s, 3), raw->assessment_id,
                          &def, err);
    if (rc < 0) {
        return rc;
    }
    raw->def = def;
    raw->responses = cairn__store_col_text(s, 4);
    raw->responses_len = (size_t)sqlite3_column_bytes(s, 4);
    raw->scores = cairn__store_col_text(s, 5);
    raw->scores_len = (size_t)sqlite3_column_bytes(s, 5);
    return 1;
}

int cairn__store_scan_next(cairn__scan *sc, const cairn__scan_row **row,
                           cairn_error *err)
{
    *row = NULL;
    if (sc->dec == NULL &&
        cairn__scan_decoder_new(&sc->dec, sc->most_kept) < 0) {
        return oom(err);
    }
    int rc = cairn__store_scan_step(sc, &sc->raw, err);
    if (rc == 1) {
        rc = cairn__scan_decode(sc->dec, &sc->raw, row, err);
    }
    return rc < 0 ? rc : *row != NULL;
}

int cairn__store_scan_codes(cairn__scan *sc, cairn_error *err)
{
    return cairn__scan_decode_codes(sc->dec, &sc->raw, err);
}

void cairn__store_scan_close(cairn__scan *sc)
{
    if (sc == NULL) {
        return;
    }
    sqlite3_finalize(sc->stmt);
    sqlite3_finalize(sc->def_stmt);
    for (size_t i = 0; i < sc->n_defs; i++) {
        for (size_t k = 0; k < sc->defs[i]->n_scale_ids; k++) {
            free(sc->defs[i]->scale_ids[k]);
        }
        free(sc->defs[i]->scale_ids);
        free(sc->defs[i]->fingerprint);
        free(sc->defs[i]);
    }
    free(sc->defs);
    cairn__scan_decoder_free(sc->dec);
    free(sc);
}

/* ------------------------------------------------------------------ */
/* The instruments stored                                              */

int cairn_export_instruments(char ***out, size_t *n, cairn_store *st,
                             cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    char **codes = calloc(1, sizeof *codes);
    size_t k = 0, cap = 1;
    *out = NULL;
    *n = 0;
    int rc = codes == NULL ? oom(err) : CAIRN_OK;
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "SELECT DISTINCT instrument FROM definition"
                           " ORDER BY instrument",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *code = cairn__store_col_text(s, 0);
        if (k == cap) {
            char **grown = realloc(codes, 2 * cap * sizeof *codes);
            if (grown == NULL) {
                rc = oom(err);
                break;
            }
            codes = grown;
            cap *= 2;
        }
        if ((codes[k] = strdup(code ? code : "")) == NULL) {
            rc = oom(err);
            break;
        }
        k++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_export_instruments_free(codes, k);
        return rc;
    }
    *out = codes;
    *n = k;
    return CAIRN_OK;
}

void cairn_export_instruments_free(char **codes, size_t n)
{
    if (codes == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(codes[i]);
    }
    free(codes);
}

/* ------------------------------------------------------------------ */
/* The clients                                                         */

/* One client row into `c`; false when memory ran out or it has no code. */
static bool export_client_from(cairn_client *c, sqlite3_stmt *s)
{
    bool oom = false;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(s, 0);
    c->code = cairn__store_col_dup(s, 1, &oom);
    c->birth_year = sqlite3_column_int(s, 2);
    c->loss_date = cairn__store_col_dup(s, 3, &oom);
    c->gestation_weeks = sqlite3_column_int(s, 4);
    const char *kind = cairn__store_col_text(s, 5);
    c->loss_kind = CAIRN_LOSS_UNKNOWN;
    if (kind != NULL) {
        cairn_loss_kind_parse(&c->loss_kind, kind, NULL);
    }
    return !oom && c->code != NULL;
}

int cairn__store_export_clients(cairn_client_list **out, cairn_store *st,
                                cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn_client_list *list = calloc(1, sizeof *list);
    size_t cap = 0;
    *out = NULL;
    int rc = list == NULL ? oom(err) : CAIRN_OK;
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "SELECT id, code, birth_year, loss_date,"
                           " gestation_weeks, loss_kind FROM client"
                           " ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (list->n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_client *p = realloc(list->items, cap * sizeof *p);
            if (p == NULL) {
                rc = oom(err);
                break;
            }
            list->items = p;
        }
        if (!export_client_from(&list->items[list->n++], s)) {
            rc = oom(err);
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_client_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}
