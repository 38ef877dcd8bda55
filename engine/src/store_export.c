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

#include "store_db.h"

/* Decoded texts kept for the whole scan (about 100 bytes each, and 64
 * bytes of the memo's table). */
#define KEEP 65536

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
    scan_def *defs;
    size_t n_defs, cap_defs;
    cairn__kept *kept; /* decoded texts by kind, definition and text */
    size_t most_kept;  /* KEEP unless a test set fewer */
    bool oom;          /* the last decode ran out of memory */
    cairn__buf key;    /* the cache key (without it: no cache) */
    cairn__scan_row row;
};

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

static int malformed(const cairn__scan *sc, const char *what, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EINVAL,
                           "assessment %lld: stored %s are malformed",
                           (long long)sc->row.assessment_id, what);
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

/*
 * The decoded form of column `col` (kind 'r': responses, 's': scores of
 * a definition with `n_ids` scales), from the cache or decoded now and
 * kept (or, once KEEP are kept, held while this row is read); NULL when
 * the text is malformed or memory ran out.
 */
static const decoded *decode(cairn__scan *sc, char kind, int col, size_t n_ids)
{
    sqlite3_stmt *s = sc->stmt;
    const char *text = cairn__store_col_text(s, col);
    size_t len = (size_t)sqlite3_column_bytes(s, col);
    int64_t def = sqlite3_column_int64(s, 3);
    sc->oom = false;
    if (text == NULL) {
        return NULL;
    }
    if (sc->kept == NULL && cairn__kept_new(&sc->kept, sc->most_kept) < 0) {
        sc->oom = true;
        return NULL;
    }
    sc->key.len = 0;
    cairn__buf_putc(&sc->key, kind);
    if (kind == 's') {
        cairn__buf_put(&sc->key, (const char *)&def, sizeof def);
    }
    cairn__buf_put(&sc->key, text, len);
    decoded *d =
        sc->key.oom ? NULL : cairn__kept_get(sc->kept, sc->key.p, sc->key.len);
    if (d != NULL) {
        return d;
    }
    d = kind == 'r' ? decode_codes(text, len, &sc->oom)
                    : decode_scales(text, len, n_ids, &sc->oom);
    if (d == NULL) {
        return NULL;
    }
    /* without a key (out of memory) it is only held */
    cairn__kept_put(sc->kept, sc->key.oom ? NULL : sc->key.p, sc->key.len, d);
    return d;
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
    sc->most_kept = KEEP;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
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
            -1, &sc->def_stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM definition WHERE instrument = ?", -1,
                           &any, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        sqlite3_bind_text(sc->stmt, 1, instrument, -1, SQLITE_TRANSIENT);
        /* an instrument never stored would cost a whole pass for nothing */
        sqlite3_bind_text(any, 1, instrument, -1, SQLITE_STATIC);
        int step = sqlite3_step(any);
        sc->empty = step == SQLITE_DONE;
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(any);
    if (rc < 0) {
        cairn__store_scan_close(sc);
        return rc;
    }
    *out = sc;
    return CAIRN_OK;
}

void cairn__store_scan_keep(cairn__scan *sc, size_t most)
{
    if (sc->kept == NULL) {
        sc->most_kept = most;
    }
}

/* Definition `id`, read the first time the scan meets it. */
static int scan_def_get(cairn__scan *sc, int64_t id, const scan_def **out,
                        cairn_error *err)
{
    for (size_t i = sc->n_defs; i-- > 0;) {
        if (sc->defs[i].id == id) {
            *out = &sc->defs[i];
            return CAIRN_OK;
        }
    }
    if (sc->n_defs == sc->cap_defs) {
        size_t cap = sc->cap_defs ? sc->cap_defs * 2 : 4;
        scan_def *p = realloc(sc->defs, cap * sizeof *p);
        if (p == NULL) {
            return oom(err);
        }
        sc->defs = p;
        sc->cap_defs = cap;
    }
    sqlite3_stmt *s = sc->def_stmt;
    scan_def *d = &sc->defs[sc->n_defs++];
    *d = (scan_def){.id = id};
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
                 ? malformed(sc, "scores", err)
                 : CAIRN_OK;
    } else {
        rc = step == SQLITE_DONE ? malformed(sc, "scores", err)
                                 : cairn__store_dberr(sc->st, err);
    }
    sqlite3_reset(s);
    *out = d;
    return rc;
}

int cairn__store_scan_next(cairn__scan *sc, const cairn__scan_row **row,
                           cairn_error *err)
{
    sqlite3_stmt *s = sc->stmt;
    const scan_def *def = NULL;
    *row = NULL;
    if (sc->empty) {
        return 0;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        return 0;
    }
    if (step != SQLITE_ROW) {
        return cairn__store_dberr(sc->st, err);
    }
    cairn__scan_row *r = &sc->row;
    memset(r, 0, sizeof *r);
    r->assessment_id = sqlite3_column_int64(s, 0);
    r->client_id = sqlite3_column_int64(s, 1);
    r->administered_at = cairn__store_col_text(s, 2);
    int rc = scan_def_get(sc, sqlite3_column_int64(s, 3), &def, err);
    if (rc < 0) {
        return rc;
    }
    r->fingerprint = def->fingerprint;
    r->scale_ids = (const char *const *)def->scale_ids;
    const decoded *scales = decode(sc, 's', 5, def->n_scale_ids);
    if (scales == NULL) {
        return sc->oom ? oom(err) : malformed(sc, "scores", err);
    }
    r->n_scales = scales->n;
    r->scales = scales->scales;
    *row = r;
    return 1;
}

int cairn__store_scan_codes(cairn__scan *sc, cairn_error *err)
{
    const decoded *codes = decode(sc, 'r', 4, 0);
    if (codes == NULL) {
        return sc->oom ? oom(err) : malformed(sc, "responses", err);
    }
    sc->row.n_items = codes->n;
    sc->row.codes = codes->codes;
    return CAIRN_OK;
}

void cairn__store_scan_close(cairn__scan *sc)
{
    if (sc == NULL) {
        return;
    }
    sqlite3_finalize(sc->stmt);
    sqlite3_finalize(sc->def_stmt);
    for (size_t i = 0; i < sc->n_defs; i++) {
        for (size_t k = 0; k < sc->defs[i].n_scale_ids; k++) {
            free(sc->defs[i].scale_ids[k]);
        }
        free(sc->defs[i].scale_ids);
        free(sc->defs[i].fingerprint);
    }
    free(sc->defs);
    cairn__kept_free(sc->kept);
    cairn__buf_free(&sc->key);
    free(sc);
}
