/*
 * export_write.c - cairn_export_write: one streaming pass over the store
 * per instrument, a spool sorted by pseudonym, and rows handed to a sink.
 *
 * The pass reads every current assessment of every catalog instrument
 * (those not exported too, so "day 0" is the client's first assessment on
 * any questionnaire and exports of different questionnaires line up).
 * Each exported assessment is encoded as a small binary record (no client
 * code, only the client's rank in pseudonym order) into one of a few
 * temporary bucket files chosen by that rank.  The buckets are then read
 * back one at a time, put in (rank, day, instrument, id) order (a
 * counting sort by rank; a client's records arrive mostly in order) and
 * written,
 * so memory holds the client table and one bucket, and rows come out in
 * pseudonym order, which says nothing about when clients were registered.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "cairn/settings.h"
#include "export_internal.h"
#include "store_internal.h"

/* Clients per bucket, and the most buckets (open files) at once. */
#define CLIENTS_PER_BUCKET 4096
#define MAX_BUCKETS 64
#define BUCKET_BUFFER (64u << 10)
#define NO_DAY INT32_MAX
#define NO_CODE INT32_MIN

/* One client of the store, as the export needs it. */
typedef struct xclient {
    int64_t id;
    uint32_t rank;     /* position in pseudonym order */
    int32_t first_day; /* first assessment, days since 1970, or NO_DAY */
    int32_t loss_day;  /* or NO_DAY */
    int offset;        /* date shift in days (shift_dates) */
    bool exported;
    cairn_loss_kind loss_kind;
    const char *age_band, *gestation_band; /* static, or NULL */
    char pseudonym[CAIRN_EXPORT_PSEUDONYM_LEN + 1];
} xclient;

/* One instrument of the catalog. */
typedef struct xinst {
    const cairn_instrument *inst;
    bool included; /* passes the instrument filter */
    size_t n_items, n_scales;
    size_t rec_size;      /* bytes of one spooled record */
    size_t n_assessments; /* spooled */
    size_t col;           /* wide: its first item column */
} xinst;

/* The head of a spooled record; item codes and scale values follow. */
typedef struct rec_head {
    uint32_t rank;
    int32_t day;
    int64_t id; /* assessment id: orders ties, never written */
    uint32_t occasion;
    uint16_t inst;
    uint16_t fingerprint; /* index into the interned strings */
    int32_t episode;      /* the client's episode holding it, 0: none */
    int32_t episode_day;  /* days since that episode's start, or NO_DAY */
} rec_head;

typedef struct rec_scale {
    double score; /* NAN: no score */
    int32_t band; /* interned string, or -1 */
    int32_t pad;
} rec_scale;

/* How many exported assessments of an instrument a definition scored. */
typedef struct fp_count {
    size_t inst, fp, n;
} fp_count;

/* A record's place in a bucket, for sorting. */
typedef struct rec_ref {
    uint32_t rank;
    int32_t day;
    uint16_t inst;
    int64_t id;
    size_t off;
} rec_ref;

typedef struct exporter {
    cairn_store *st;
    const cairn_export_key *key;
    const cairn_export_options *o;
    const char *path;
    xclient *clients; /* by id */
    size_t n_clients;
    xclient **by_rank;
    xinst *insts;
    size_t n_insts;
    char **strings; /* interned fingerprints and band ids */
    size_t n_strings, cap_strings;
    fp_count *fps;
    size_t n_fps, cap_fps;
    FILE **buckets;
    char **bucket_bufs; /* their streams' buffers */
    size_t n_buckets;
    bool has_from, has_to;
    int32_t from, to;
    unsigned char *rec; /* one record being built */
    cairn__export_column *cols;
    const char **names;
    size_t n_cols, n_common;
    cairn_export_cell *cells;
    char shifted[2][11];
    const cairn_instrument **used; /* instruments with rows */
    size_t n_used;
    cairn_export_result res;
    cairn_episode_filter *episodes; /* to number each row's episode */
    const char *last_fp_text;       /* the last row's fingerprint (the
                                       scan's), and its interned index */
    int last_fp;
    cairn__scan_decoder *dec; /* the stored texts, decoded once */
    size_t row_inst;          /* the last row's instrument, */
    xclient *row_client;      /* client */
    uint32_t occasion;        /* and its occasion */
    int threads;              /* 2: the scan's decoding on a worker */
    cairn__export_pipe *pipe; /* the worker, or NULL: one thread */
    bool pipe_failed;         /* a scan's rows went wrong */
} exporter;

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* Index of `s` among the interned strings, adding it; -1 when out of
 * memory. */
static int intern(exporter *x, const char *s)
{
    for (size_t i = x->n_strings; i-- > 0;) {
        if (strcmp(x->strings[i], s) == 0) {
            return (int)i;
        }
    }
    if (x->n_strings == x->cap_strings) {
        size_t cap = x->cap_strings ? x->cap_strings * 2 : 16;
        char **p =
            cap <= INT16_MAX ? realloc(x->strings, cap * sizeof *p) : NULL;
        if (p == NULL) {
            return -1;
        }
        x->strings = p;
        x->cap_strings = cap;
    }
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, s, n);
    x->strings[x->n_strings] = copy;
    return (int)x->n_strings++;
}

static int count_fingerprint(exporter *x, size_t inst, size_t fp)
{
    for (size_t i = 0; i < x->n_fps; i++) {
        if (x->fps[i].inst == inst && x->fps[i].fp == fp) {
            x->fps[i].n++;
            return CAIRN_OK;
        }
    }
    if (x->n_fps == x->cap_fps) {
        size_t cap = x->cap_fps ? x->cap_fps * 2 : 8;
        fp_count *p = realloc(x->fps, cap * sizeof *p);
        if (p == NULL) {
            return CAIRN_ENOMEM;
        }
        x->fps = p;
        x->cap_fps = cap;
    }
    x->fps[x->n_fps++] = (fp_count){inst, fp, 1};
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const xclient *)a)->id, y = ((const xclient *)b)->id;
    return (x > y) - (x < y);
}

static int by_pseudonym(const void *a, const void *b)
{
    const xclient *x = *(const xclient *const *)a;
    const xclient *y = *(const xclient *const *)b;
    return strcmp(x->pseudonym, y->pseudonym);
}

static int client_from(exporter *x, xclient *c, const cairn_client *in,
                       cairn_error *err)
{
    double loss = 0;
    c->id = in->id;
    c->first_day = NO_DAY;
    c->loss_day = NO_DAY;
    c->loss_kind = in->loss_kind;
    c->age_band = cairn_export_age_band(in->birth_year, in->loss_date);
    c->gestation_band = cairn_export_gestation_band(in->gestation_weeks);
    if (in->loss_date != NULL &&
        cairn_date_days(in->loss_date, &loss, NULL) == CAIRN_OK) {
        c->loss_day = (int32_t)floor(loss);
    }
    int rc = cairn_export_pseudonym(c->pseudonym, x->key, in->code, err);
    if (rc == CAIRN_OK && x->o->shift_dates) {
        rc = cairn_export_date_offset(&c->offset, x->key, in->code, err);
    }
    return rc;
}

/* Clients `from` to `to` of `list`, each with its pseudonym (an HMAC). */
typedef struct client_job {
    exporter *x;
    const cairn_client_list *list;
    size_t from, to;
    int rc;
    cairn_error err;
} client_job;

static void *clients_from(void *arg)
{
    client_job *j = arg;
    j->rc = CAIRN_OK;
    for (size_t i = j->from; j->rc == CAIRN_OK && i < j->to; i++) {
        j->rc = client_from(j->x, &j->x->clients[i], &j->list->items[i],
                            &j->err);
    }
    return NULL;
}

/* Every client of `list`, the second half on another thread where
 * there are many (an HMAC is some 3 us); the first error in list order. */
static int clients_all(exporter *x, const cairn_client_list *list,
                       cairn_error *err)
{
    size_t half = x->threads > 1 && list->n >= 2048 ? list->n / 2 : list->n;
    client_job a = {x, list, 0, half, CAIRN_OK, CAIRN_ERROR_INIT};
    client_job b = {x, list, half, list->n, CAIRN_OK, CAIRN_ERROR_INIT};
    pthread_t t;
    bool started = half < list->n &&
                   pthread_create(&t, NULL, clients_from, &b) == 0;
    clients_from(&a);
    if (started) {
        pthread_join(t, NULL);
    } else {
        clients_from(&b);
    }
    const client_job *bad = a.rc < 0 ? &a : b.rc < 0 ? &b : NULL;
    if (bad != NULL && err != NULL) {
        *err = bad->err;
    }
    return bad != NULL ? bad->rc : CAIRN_OK;
}

static int load_clients(exporter *x, cairn_error *err)
{
    cairn_client_list *list = NULL;
    int rc = cairn_store_client_list(&list, x->st, err);
    if (rc < 0) {
        return rc;
    }
    x->clients = calloc(list->n + 1, sizeof *x->clients);
    x->by_rank = calloc(list->n + 1, sizeof *x->by_rank);
    if (x->clients == NULL || x->by_rank == NULL) {
        rc = oom(err);
    }
    if (rc == CAIRN_OK) {
        rc = clients_all(x, list, err);
    }
    x->n_clients = list->n;
    cairn_store_client_list_free(list);
    if (rc < 0) {
        return rc;
    }
    qsort(x->clients, x->n_clients, sizeof *x->clients, by_id);
    for (size_t i = 0; i < x->n_clients; i++) {
        x->by_rank[i] = &x->clients[i];
    }
    qsort(x->by_rank, x->n_clients, sizeof *x->by_rank, by_pseudonym);
    for (size_t i = 0; i < x->n_clients; i++) {
        x->by_rank[i]->rank = (uint32_t)i;
    }
    return CAIRN_OK;
}

static xclient *find_client(exporter *x, int64_t id)
{
    size_t lo = 0, hi = x->n_clients;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->clients[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < x->n_clients && x->clients[lo].id == id ? &x->clients[lo]
                                                        : NULL;
}

/* ------------------------------------------------------------------ */
/* The spool                                                           */

static int setup(exporter *x, const cairn_catalog *cat, cairn_error *err)
{
    const cairn_instrument *only = NULL;
    size_t most = 0;
    int rc = CAIRN_OK;
    if (x->o->instrument != NULL) {
        rc = cairn_catalog_find(&only, cat, x->o->instrument, err);
    }
    x->n_insts = cairn_catalog_count(cat);
    x->insts = calloc(x->n_insts + 1, sizeof *x->insts);
    x->used = calloc(x->n_insts + 1, sizeof *x->used);
    if (rc == CAIRN_OK && (x->insts == NULL || x->used == NULL)) {
        rc = oom(err);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < x->n_insts; i++) {
        xinst *xi = &x->insts[i];
        xi->inst = cairn_catalog_get(cat, i);
        xi->included = only == NULL || only == xi->inst;
        xi->n_items = cairn_instrument_item_count(xi->inst);
        xi->n_scales = cairn_instrument_scale_count(xi->inst);
        xi->rec_size = sizeof(rec_head) + xi->n_items * sizeof(int32_t) +
                       xi->n_scales * sizeof(rec_scale);
        most = xi->rec_size > most ? xi->rec_size : most;
    }
    if (rc == CAIRN_OK && (x->rec = malloc(most + 1)) == NULL) {
        rc = oom(err);
    }
    return rc;
}

static FILE *bucket(exporter *x, uint32_t rank, cairn_error *err)
{
    size_t b = (size_t)((uint64_t)rank * x->n_buckets /
                        (x->n_clients ? x->n_clients : 1));
    if (x->buckets[b] == NULL && (x->buckets[b] = tmpfile()) == NULL) {
        cairn_error_set(err, CAIRN_EIO,
                        "cannot make a temporary file for the export");
        return NULL;
    }
    /* a system call per 64 KiB of records, not per 4 KiB (without it,
     * out of memory, the stream keeps its own) */
    if (x->bucket_bufs[b] == NULL &&
        (x->bucket_bufs[b] = malloc(BUCKET_BUFFER)) != NULL &&
        setvbuf(x->buckets[b], x->bucket_bufs[b], _IOFBF, BUCKET_BUFFER) !=
            0) {
        free(x->bucket_bufs[b]);
        x->bucket_bufs[b] = NULL;
    }
    return x->buckets[b];
}

/* Close bucket `b` and free its stream's buffer. */
static void bucket_close(exporter *x, size_t b)
{
    if (x->buckets[b] != NULL) {
        fclose(x->buckets[b]);
        x->buckets[b] = NULL;
    }
    if (x->bucket_bufs != NULL) {
        free(x->bucket_bufs[b]);
        x->bucket_bufs[b] = NULL;
    }
}

/* The value of current scale `s` in row `r` (whose definition may list
 * its scales in another order), or NULL. */
static const cairn__scan_scale *row_scale(const cairn__scan_row *r, size_t s,
                                          const char *id)
{
    if (s < r->n_scales && strcmp(r->scale_ids[s], id) == 0) {
        return &r->scales[s];
    }
    for (size_t i = 0; i < r->n_scales; i++) {
        if (strcmp(r->scale_ids[i], id) == 0) {
            return &r->scales[i];
        }
    }
    return NULL;
}

static int spool(exporter *x, size_t ii, const cairn__scan_row *r,
                 const xclient *c, int32_t day, uint32_t occasion,
                 cairn_error *err)
{
    xinst *xi = &x->insts[ii];
    /* a scan's fingerprint text stays put while it lasts: intern a new
     * one, not each row's */
    int fp = r->fingerprint != NULL && r->fingerprint == x->last_fp_text
                 ? x->last_fp
                 : intern(x, r->fingerprint ? r->fingerprint : "");
    x->last_fp_text = fp < 0 ? NULL : r->fingerprint;
    x->last_fp = fp;
    cairn_episode_place at;
    cairn_episode_filter_place(x->episodes, r->client_id, (double)day, &at);
    rec_head h = {c->rank,
                  day,
                  r->assessment_id,
                  occasion,
                  (uint16_t)ii,
                  (uint16_t)(fp < 0 ? 0 : fp),
                  at.number,
                  at.number > 0 ? day - (int32_t)floor(at.start) : NO_DAY};
    unsigned char *p = x->rec;
    if (fp < 0 || count_fingerprint(x, ii, (size_t)fp) < 0) {
        return oom(err);
    }
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    for (size_t k = 0; k < xi->n_items; k++, p += sizeof(int32_t)) {
        int32_t v = k < r->n_items ? r->codes[k] : NO_CODE;
        memcpy(p, &v, sizeof v);
    }
    for (size_t s = 0; s < xi->n_scales; s++, p += sizeof(rec_scale)) {
        const cairn_scale *sc = cairn_instrument_scale(xi->inst, s);
        const cairn__scan_scale *v = row_scale(r, s, sc->id);
        rec_scale rs = {NAN, -1, 0};
        if (v != NULL) {
            rs.score = v->score;
        }
        if (v != NULL && v->band != NULL &&
            (rs.band = intern(x, v->band)) < 0) {
            return oom(err);
        }
        memcpy(p, &rs, sizeof rs);
    }
    FILE *f = bucket(x, c->rank, err);
    if (f == NULL) {
        return CAIRN_EIO;
    }
    if (fwrite(x->rec, xi->rec_size, 1, f) != 1) {
        return cairn_error_set(err, CAIRN_EIO,
                               "cannot write the export's temporary file");
    }
    xi->n_assessments++;
    x->res.assessments++;
    return CAIRN_OK;
}

/*
 * One row of instrument `ii`: note the client's first day, spool it if
 * it passes the filters.  Rows come by client, date and id; the client
 * and occasion carry from one row to the next.
 */
static int take_row(exporter *x, size_t ii, const cairn__scan_raw *raw,
                    cairn_error *err)
{
    const cairn__scan_row *r = NULL;
    double d = 0;
    if (ii != x->row_inst) {
        x->row_inst = ii;
        x->row_client = NULL;
        x->last_fp_text = NULL; /* freed with the last scan */
    }
    int rc = cairn__scan_decode(x->dec, raw, &r, err);
    if (rc < 0) {
        return rc;
    }
    xclient *c = x->row_client;
    if (c == NULL || c->id != r->client_id) {
        c = x->row_client = find_client(x, r->client_id);
        x->occasion = 0;
    }
    if (c == NULL) {
        return CAIRN_OK;
    }
    x->occasion++;
    rc = cairn_date_days(r->administered_at, &d, err);
    if (rc < 0) {
        return rc;
    }
    int32_t day = (int32_t)floor(d);
    c->first_day = day < c->first_day ? day : c->first_day;
    if (!x->insts[ii].included || (x->has_from && day < x->from) ||
        (x->has_to && day > x->to)) {
        return CAIRN_OK;
    }
    c->exported = true;
    rc = cairn__scan_decode_codes(x->dec, raw, err);
    return rc < 0 ? rc : spool(x, ii, r, c, day, x->occasion, err);
}

/* A raw row as the reader copies it for the worker; its texts follow,
 * each with its NUL (none when NULL). */
typedef struct piped_row {
    int64_t assessment_id, client_id;
    const void *def;
    uint32_t inst;
    uint32_t len[3]; /* administered_at, responses, scores; or NO_TEXT */
} piped_row;

#define NO_TEXT UINT32_MAX

/* Copy `raw` of instrument `ii` to the worker. */
static int pipe_row(exporter *x, size_t ii, const cairn__scan_raw *raw,
                    cairn_error *err)
{
    const char *t[3] = {raw->administered_at, raw->responses, raw->scores};
    size_t n[3] = {t[0] ? strlen(t[0]) : 0, raw->responses_len,
                   raw->scores_len};
    piped_row h = {raw->assessment_id, raw->client_id, raw->def,
                   (uint32_t)ii, {NO_TEXT, NO_TEXT, NO_TEXT}};
    size_t size = sizeof h;
    for (int i = 0; i < 3; i++) {
        if (t[i] != NULL && n[i] >= NO_TEXT) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "assessment %lld: a stored text is too "
                                   "long",
                                   (long long)raw->assessment_id);
        }
        size += t[i] ? n[i] + 1 : 0;
        h.len[i] = t[i] ? (uint32_t)n[i] : NO_TEXT;
    }
    /* records start aligned, so the worker reads the head in place */
    size = (size + 7) & ~(size_t)7;
    char *p = cairn__export_pipe_room(x->pipe, size);
    if (p == NULL) {
        return oom(err);
    }
    memcpy(p, &h, sizeof h);
    char *q = p + sizeof h;
    for (int i = 0; i < 3; i++) {
        if (t[i] != NULL) {
            memcpy(q, t[i], n[i]);
            q[n[i]] = '\0';
            q += n[i] + 1;
        }
    }
    return cairn__export_pipe_add(x->pipe, size, err);
}

/* The worker: every row of one buffer, in order. */
static int take_rows(void *ctx, const char *data, size_t len,
                     cairn_error *err)
{
    exporter *x = ctx;
    int rc = CAIRN_OK;
    for (size_t at = 0; rc == CAIRN_OK && at < len;) {
        piped_row h;
        memcpy(&h, data + at, sizeof h);
        const char *q = data + at + sizeof h;
        const char *t[3];
        for (int i = 0; i < 3; i++) {
            t[i] = h.len[i] == NO_TEXT ? NULL : q;
            q += h.len[i] == NO_TEXT ? 0 : h.len[i] + 1;
        }
        cairn__scan_raw raw = {h.assessment_id, h.client_id, h.def, t[0],
                               t[1], t[1] ? h.len[1] : 0, t[2],
                               t[2] ? h.len[2] : 0};
        at += ((size_t)(q - (data + at)) + 7) & ~(size_t)7;
        rc = take_row(x, h.inst, &raw, err);
    }
    return rc;
}

/* Read every current assessment of instrument `ii`, on this thread or
 * through the worker. */
static int scan(exporter *x, size_t ii, cairn_error *err)
{
    cairn__scan *cur = NULL;
    cairn__scan_raw raw;
    const char *code = cairn_instrument_code(x->insts[ii].inst);
    int rc = cairn__store_scan_open(&cur, x->st, code, err);
    while (rc == CAIRN_OK && (rc = cairn__store_scan_step(cur, &raw, err)) == 1) {
        rc = x->pipe ? pipe_row(x, ii, &raw, err) : take_row(x, ii, &raw, err);
    }
    if (x->pipe != NULL && rc != CAIRN_OK && !x->pipe_failed) {
        /* the rows before this one first, as one thread would have */
        cairn_error e = CAIRN_ERROR_INIT;
        int frc = cairn__export_pipe_flush(x->pipe, &e);
        if (frc < 0) {
            rc = frc;
            if (err != NULL) {
                *err = e;
            }
        }
    }
    if (x->pipe != NULL && rc == CAIRN_OK) {
        /* the worker has done with the scan's rows before it closes */
        rc = cairn__export_pipe_flush(x->pipe, err);
    }
    x->pipe_failed = x->pipe_failed || rc < 0;
    cairn__store_scan_close(cur);
    return rc;
}

static int set_range(exporter *x, cairn_error *err)
{
    double d = 0;
    int rc = CAIRN_OK;
    if (x->o->from != NULL) {
        rc = cairn_date_days(x->o->from, &d, err);
        x->has_from = true;
        x->from = (int32_t)floor(d);
    }
    if (rc == CAIRN_OK && x->o->to != NULL) {
        rc = cairn_date_days(x->o->to, &d, err);
        x->has_to = true;
        x->to = (int32_t)floor(d);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Columns                                                             */

static int add_column(exporter *x, const cairn_instrument *in, int item,
                      const cairn_scale *sc, const char *name)
{
    cairn__export_column *c = &x->cols[x->n_cols];
    int n = snprintf(c->name, sizeof c->name, "%s", name);
    c->inst = in;
    c->item = item;
    c->scale = sc;
    x->names[x->n_cols++] = c->name;
    return n > 0 && (size_t)n < sizeof c->name ? CAIRN_OK : CAIRN_EINVAL;
}

/* Wide: instrument `xi`'s item and scale columns. */
static int instrument_columns(exporter *x, xinst *xi)
{
    char name[CAIRN__EXPORT_NAME_MAX * 2];
    const char *code = cairn_instrument_code(xi->inst);
    int rc = CAIRN_OK;
    xi->col = x->n_cols;
    for (size_t k = 0; k < xi->n_items; k++) {
        int item = cairn_instrument_item(xi->inst, k)->number;
        snprintf(name, sizeof name, "%s_item_%d", code, item);
        rc |= add_column(x, xi->inst, item, NULL, name);
    }
    for (size_t s = 0; s < xi->n_scales; s++) {
        const cairn_scale *sc = cairn_instrument_scale(xi->inst, s);
        snprintf(name, sizeof name, "%s_%s_score", code, sc->id);
        rc |= add_column(x, xi->inst, 0, sc, name);
        snprintf(name, sizeof name, "%s_%s_band", code, sc->id);
        rc |= add_column(x, xi->inst, 0, sc, name);
    }
    return rc;
}

/* The header: the client and assessment columns, then (wide) each
 * exported instrument's items and scales or (long) variable, value and
 * band. */
static int make_columns(exporter *x, cairn_error *err)
{
    static const char *const common[] = {
        "pseudonym",        "age_band",           "gestation_band",
        "loss_kind",        "days_loss_to_first", "instrument",
        "fingerprint",      "occasion",           "day",
        "episode",          "day_in_episode",     "date_shifted",
        "loss_date_shifted"};
    size_t n = 16;
    bool long_format = x->o->format == CAIRN_EXPORT_LONG;
    for (size_t i = 0; i < x->n_insts; i++) {
        if (x->insts[i].n_assessments > 0) {
            x->used[x->n_used++] = x->insts[i].inst;
            n += x->insts[i].n_items + 2 * x->insts[i].n_scales;
        }
    }
    x->cols = calloc(n, sizeof *x->cols);
    x->names = calloc(n, sizeof *x->names);
    x->cells = calloc(n, sizeof *x->cells);
    if (x->cols == NULL || x->names == NULL || x->cells == NULL) {
        return oom(err);
    }
    int rc = CAIRN_OK;
    for (size_t i = 0; i < 13; i++) {
        if (i < 11 || x->o->shift_dates) {
            /* long: a short id, explained in the provenance, not the
             * 71-byte fingerprint on each of an assessment's rows */
            add_column(x, NULL, 0, NULL,
                       i == 6 && long_format ? "definition" : common[i]);
        }
    }
    x->n_common = x->n_cols;
    if (long_format) {
        add_column(x, NULL, 0, NULL, "variable");
        add_column(x, NULL, 0, NULL, "value");
        add_column(x, NULL, 0, NULL, "band");
    }
    for (size_t i = 0; x->o->format == CAIRN_EXPORT_WIDE && i < x->n_insts;
         i++) {
        if (x->insts[i].n_assessments > 0) {
            rc |= instrument_columns(x, &x->insts[i]);
        }
    }
    if (rc != CAIRN_OK) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an item or scale name is too long for a "
                               "column name");
    }
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

static void text_cell(cairn_export_cell *c, const char *text)
{
    *c = (cairn_export_cell){text ? CAIRN_EXPORT_TEXT : CAIRN_EXPORT_EMPTY,
                             text, 0};
}

static void number_cell(cairn_export_cell *c, double v)
{
    *c = (cairn_export_cell){
        isfinite(v) ? CAIRN_EXPORT_NUMBER : CAIRN_EXPORT_EMPTY, NULL, v};
}

/* The short id of the definition that scored `h`: its place (from 1)
 * among the (instrument, fingerprint) pairs in order of first appearance
 * in the scan, as the provenance's definitions table lists them. */
static size_t definition_id(const exporter *x, const rec_head *h)
{
    for (size_t i = 0; i < x->n_fps; i++) {
        if (x->fps[i].inst == h->inst && x->fps[i].fp == h->fingerprint) {
            return i + 1;
        }
    }
    return 0; /* not reached: spool() counted every record's pair */
}

/* What a thread writing rows has of its own: the sink, the cells of the
 * row being written, and how many rows it wrote. */
typedef struct emitter {
    const cairn_export_sink *sink;
    cairn_export_cell *cells;
    char shifted[2][11];
    size_t rows;
} emitter;

/* The client and assessment cells every row starts with. */
static void common_cells(const exporter *x, emitter *em, const rec_head *h,
                         const xclient *c)
{
    cairn_export_cell *e = em->cells;
    text_cell(&e[0], c->pseudonym);
    text_cell(&e[1], c->age_band);
    text_cell(&e[2], c->gestation_band);
    text_cell(&e[3], cairn_loss_kind_name(c->loss_kind));
    number_cell(&e[4], c->loss_day == NO_DAY
                           ? NAN
                           : (double)c->first_day - c->loss_day);
    text_cell(&e[5], cairn_instrument_code(x->insts[h->inst].inst));
    if (x->o->format == CAIRN_EXPORT_LONG) {
        number_cell(&e[6], (double)definition_id(x, h));
    } else {
        text_cell(&e[6], x->strings[h->fingerprint]);
    }
    number_cell(&e[7], h->occasion);
    number_cell(&e[8], (double)h->day - c->first_day);
    number_cell(&e[9], h->episode > 0 ? h->episode : NAN);
    number_cell(&e[10], h->episode_day == NO_DAY ? NAN : h->episode_day);
    if (x->o->shift_dates) {
        cairn__export_date(em->shifted[0], h->day - c->offset);
        text_cell(&e[11], em->shifted[0]);
        text_cell(&e[12], NULL);
        if (c->loss_day != NO_DAY) {
            cairn__export_date(em->shifted[1], c->loss_day - c->offset);
            text_cell(&e[12], em->shifted[1]);
        }
    }
}

static int put_row(const exporter *x, emitter *em, cairn_error *err)
{
    em->rows++;
    return em->sink->row(em->sink->ctx, em->cells, x->n_cols, err);
}

static int emit(const exporter *x, emitter *em, const unsigned char *p,
                cairn_error *err)
{
    rec_head h;
    int32_t code;
    rec_scale sv;
    char var[CAIRN__EXPORT_NAME_MAX];
    memcpy(&h, p, sizeof h);
    const xinst *xi = &x->insts[h.inst];
    const unsigned char *items = p + sizeof h;
    const unsigned char *scales = items + xi->n_items * sizeof code;
    bool wide = x->o->format == CAIRN_EXPORT_WIDE;
    int rc = CAIRN_OK;
    common_cells(x, em, &h, x->by_rank[h.rank]);
    cairn_export_cell *v = em->cells + (wide ? xi->col : x->n_common);
    for (size_t i = x->n_common; wide && i < x->n_cols; i++) {
        text_cell(&em->cells[i], NULL);
    }
    for (size_t k = 0; rc == CAIRN_OK && k < xi->n_items; k++) {
        memcpy(&code, items + k * sizeof code, sizeof code);
        cairn_export_cell *c = wide ? &v[k] : &v[1];
        number_cell(c, code == NO_CODE ? NAN : code);
        if (!wide) {
            snprintf(var, sizeof var, "item_%d",
                     cairn_instrument_item(xi->inst, k)->number);
            text_cell(&v[0], var);
            text_cell(&v[2], NULL);
            rc = put_row(x, em, err);
        }
    }
    for (size_t s = 0; rc == CAIRN_OK && s < xi->n_scales; s++) {
        memcpy(&sv, scales + s * sizeof sv, sizeof sv);
        cairn_export_cell *c = wide ? &v[xi->n_items + 2 * s] : &v[1];
        number_cell(&c[0], sv.score);
        text_cell(&c[1], sv.band < 0 ? NULL : x->strings[sv.band]);
        if (!wide) {
            snprintf(var, sizeof var, "%s_score",
                     cairn_instrument_scale(xi->inst, s)->id);
            text_cell(&v[0], var);
            rc = put_row(x, em, err);
        }
    }
    return wide && rc == CAIRN_OK ? put_row(x, em, err) : rc;
}

static int by_order(const void *pa, const void *pb)
{
    const rec_ref *a = pa, *b = pb;
    if (a->rank != b->rank) {
        return a->rank < b->rank ? -1 : 1;
    }
    if (a->day != b->day) {
        return a->day < b->day ? -1 : 1;
    }
    if (a->inst != b->inst) {
        return a->inst < b->inst ? -1 : 1;
    }
    return (a->id > b->id) - (a->id < b->id);
}

/*
 * Put the `n` records of a bucket into `out` in by_order order.  The scan
 * spools each instrument's rows by client and date, so a stable counting
 * sort by rank leaves most clients' records in order already; only a
 * client whose records are not (two questionnaires, or two on one day
 * out of id order) is sorted.  Keys are unique (the assessment id), so
 * the result is the one a full sort gives.
 */
static void order_bucket(const rec_ref *in, rec_ref *out, size_t n)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = in[i].rank < lo ? in[i].rank : lo;
        hi = in[i].rank > hi ? in[i].rank : hi;
    }
    size_t span = n > 0 ? (size_t)(hi - lo) + 2 : 1;
    size_t *start = calloc(span, sizeof *start);
    if (start == NULL || n == 0) { /* out of memory: sort in place */
        memcpy(out, in, n * sizeof *out);
        qsort(out, n, sizeof *out, by_order);
        free(start);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        start[in[i].rank - lo + 1]++;
    }
    for (size_t r = 1; r < span; r++) {
        start[r] += start[r - 1];
    }
    for (size_t i = 0; i < n; i++) {
        out[start[in[i].rank - lo]++] = in[i];
    }
    for (size_t i = 0, j; i < n; i = j) {
        bool ordered = true;
        for (j = i + 1; j < n && out[j].rank == out[i].rank; j++) {
            ordered = ordered && by_order(&out[j - 1], &out[j]) < 0;
        }
        if (!ordered) {
            qsort(out + i, j - i, sizeof *out, by_order);
        }
    }
    free(start);
}

/* Read bucket `f` back, sort it and write its rows. */
static int drain(const exporter *x, FILE *f, emitter *em, cairn_error *err)
{
    unsigned char *buf = NULL;
    rec_ref *refs = NULL, *sorted = NULL;
    size_t n = 0, size = 0;
    int rc = CAIRN_OK;
    long end = fflush(f) == 0 && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (end < 0 || fseek(f, 0, SEEK_SET) != 0 || ferror(f)) {
        return cairn_error_set(err, CAIRN_EIO,
                               "cannot read the export's temporary file");
    }
    size = (size_t)end;
    buf = malloc(size + 1);
    refs = malloc((size / sizeof(rec_head) + 1) * sizeof *refs);
    if (buf == NULL || refs == NULL) {
        rc = oom(err);
        goto out;
    }
    if (fread(buf, 1, size, f) != size) {
        rc = cairn_error_set(err, CAIRN_EIO,
                             "cannot read the export's temporary file");
        goto out;
    }
    for (size_t off = 0; off < size;
         off += x->insts[refs[n - 1].inst].rec_size) {
        rec_head h;
        memcpy(&h, buf + off, sizeof h);
        refs[n++] = (rec_ref){h.rank, h.day, h.inst, h.id, off};
    }
    sorted = malloc((n + 1) * sizeof *sorted);
    if (sorted == NULL) {
        rc = oom(err);
        goto out;
    }
    order_bucket(refs, sorted, n);
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        rc = emit(x, em, buf + sorted[i].off, err);
    }
out:
    free(buf);
    free(refs);
    free(sorted);
    return rc;
}

/* A bucket written on a second thread, into memory, while this one
 * writes the bucket before it. */
typedef struct bucket_job {
    const exporter *x;
    FILE *f;
    emitter em;
    cairn_export_sink sink;
    cairn__export_file mem; /* a memory stream */
    char *text;
    size_t len;
    pthread_t thread;
    bool started; /* the thread runs (until joined) */
    int rc;
    cairn_error err;
} bucket_job;

static void *drain_job(void *arg)
{
    bucket_job *j = arg;
    j->rc = drain(j->x, j->f, &j->em, &j->err);
    return NULL;
}

/* Start bucket `f` on a second thread; `j->started` says whether it
 * runs (if not, the caller writes it itself). */
static void job_start(const exporter *x, bucket_job *j, FILE *f)
{
    *j = (bucket_job){.x = x, .f = f, .rc = CAIRN_OK};
    j->mem.path = x->path;
    j->mem.f = open_memstream(&j->text, &j->len);
    j->em.cells = calloc(x->n_cols + 1, sizeof *j->em.cells);
    if (j->mem.f == NULL || j->em.cells == NULL) {
        return;
    }
    j->sink = (cairn_export_sink){&j->mem, NULL, cairn__export_csv_row, NULL};
    j->em.sink = &j->sink;
    j->started = pthread_create(&j->thread, NULL, drain_job, j) == 0;
}

/* Join the job; its rows after this thread's, its error if it had one. */
static int job_finish(bucket_job *j, emitter *mine, cairn__export_file *out,
                      int rc, cairn_error *err)
{
    if (j->started) {
        pthread_join(j->thread, NULL);
        if (rc == CAIRN_OK && j->rc < 0) {
            rc = j->rc;
            if (err != NULL) {
                *err = j->err;
            }
        }
        bool bad = fclose(j->mem.f) != 0;
        j->mem.f = NULL;
        if (rc == CAIRN_OK && bad) {
            rc = oom(err);
        }
        if (rc == CAIRN_OK) {
            rc = cairn__export_csv_put(out, j->text, j->len, err);
            mine->rows += j->em.rows;
        }
    }
    if (j->mem.f != NULL) {
        fclose(j->mem.f);
    }
    free(j->text);
    free(j->em.cells);
    return rc;
}

/*
 * Every bucket in order to the CSV file `out`, two at a time: this
 * thread writes the first of each pair to the file while a second one
 * writes the other into memory, added after it (one thread alone, the
 * same bytes).
 */
static int write_pairs(exporter *x, emitter *em, cairn__export_file *out,
                       cairn_error *err)
{
    int rc = CAIRN_OK;
    for (size_t b = 0; rc == CAIRN_OK && b < x->n_buckets; b += 2) {
        bucket_job j = {0};
        FILE *next = b + 1 < x->n_buckets ? x->buckets[b + 1] : NULL;
        if (next != NULL) {
            job_start(x, &j, next);
        }
        if (x->buckets[b] != NULL) {
            rc = drain(x, x->buckets[b], em, err);
        }
        rc = job_finish(&j, em, out, rc, err);
        if (rc == CAIRN_OK && next != NULL && !j.started) {
            rc = drain(x, next, em, err); /* no second thread: here */
        }
    }
    return rc;
}

static int write_rows(exporter *x, const cairn_export_sink *sink,
                      cairn__export_file *csv, cairn_error *err)
{
    emitter em = {.sink = sink, .cells = x->cells};
    int rc =
        cairn__export_begin(sink, x->names, x->n_cols, x->used, x->n_used, err);
    if (rc == CAIRN_OK && csv != NULL && x->threads > 1) {
        rc = write_pairs(x, &em, csv, err);
    }
    for (size_t b = 0; rc == CAIRN_OK && b < x->n_buckets; b++) {
        if (x->buckets[b] != NULL && (csv == NULL || x->threads < 2)) {
            rc = drain(x, x->buckets[b], &em, err);
        }
    }
    for (size_t b = 0; b < x->n_buckets; b++) {
        bucket_close(x, b);
    }
    x->res.rows = em.rows;
    for (size_t i = 0; i < x->n_clients; i++) {
        x->res.clients += x->clients[i].exported;
    }
    for (size_t i = 0; i < x->n_insts; i++) {
        x->res.instruments += x->insts[i].n_assessments > 0;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Provenance                                                          */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static json_t *instruments_json(const exporter *x)
{
    json_t *a = json_array();
    for (size_t i = 0; i < x->n_insts; i++) {
        const xinst *xi = &x->insts[i];
        if (xi->n_assessments == 0) {
            continue;
        }
        json_t *fps = json_object();
        for (size_t k = 0; k < x->n_fps; k++) {
            if (x->fps[k].inst == i) {
                json_object_set_new(fps, x->strings[x->fps[k].fp],
                                    json_integer((json_int_t)x->fps[k].n));
            }
        }
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "code",
                         cairn_instrument_code(xi->inst), "name",
                         cairn_instrument_name(xi->inst), "version",
                         cairn_instrument_version(xi->inst), "fingerprint",
                         cairn_instrument_fingerprint(xi->inst), "assessments",
                         (json_int_t)xi->n_assessments, "fingerprints_in_data",
                         fps));
    }
    return a;
}

/* The definitions table: each short id of the long format's definition
 * column, with the instrument, version and fingerprint it stands for. */
static int definitions_json(json_t **out, exporter *x, cairn_error *err)
{
    char version[128];
    json_t *a = json_array();
    int rc = a != NULL ? CAIRN_OK : oom(err);
    for (size_t i = 0; rc == CAIRN_OK && i < x->n_fps; i++) {
        const fp_count *f = &x->fps[i];
        const char *fp = x->strings[f->fp];
        rc = cairn__store_definition_version(x->st, fp, version, sizeof version,
                                             err);
        json_t *d =
            rc < 0
                ? NULL
                : json_pack("{s:I,s:s,s:s?,s:s,s:I}", "definition",
                            (json_int_t)(i + 1), "instrument",
                            cairn_instrument_code(x->insts[f->inst].inst),
                            "version", version[0] ? version : NULL,
                            "fingerprint", fp, "assessments", (json_int_t)f->n);
        if (rc == CAIRN_OK && json_array_append_new(a, d) != 0) {
            rc = oom(err);
        }
    }
    if (rc < 0) {
        json_decref(a);
        a = NULL;
    }
    *out = a;
    return rc;
}

static json_t *deidentification_json(const exporter *x)
{
    json_t *o = json_pack(
        "{s:s,s:[s,s,s,s,s,s,s],s:{s:s,s:s},s:s,s:[s,s,s,s,s,s],s:s,s:s}",
        "pseudonym",
        "HMAC-SHA-256 of the client code under the site key (libsodium), "
        "first 80 bits in lowercase base32 (16 characters)",
        "removed", "client codes", "names", "notes and all other free text",
        "clinicians", "birth years", "calendar dates and times of day",
        "events, their labels and links between partners", "generalised", "age",
        "5-year bands at the loss (<20 ... 45+), year of loss minus birth "
        "year",
        "gestation",
        "bands <12, 12-19, 20-23, 24-27, 28-36, 37+ weeks "
        "(project policy)",
        "time",
        "days since the client's first assessment on any questionnaire, "
        "and days from the loss to that assessment",
        "kept", "loss kind", "item response codes", "scale scores",
        "severity bands", "definition fingerprints",
        "the order of a client's assessments", "row_order",
        "by pseudonym, then day: not by registration", "allow_list",
        "every column is classified in the allow-list of Cairn's export.c; "
        "see the data dictionary");
    json_object_set_new(
        o, "shifted_dates",
        x->o->shift_dates
            ? json_string("date_shifted and loss_date_shifted are the true "
                          "dates moved earlier by a per-client offset of "
                          "1-364 days from HMAC-SHA-256(site key, "
                          "\"cairn.date-shift.v1\" NUL client code); "
                          "intervals are true, dates are not")
            : json_null());
    return o;
}

static json_t *options_json(const exporter *x)
{
    const cairn_export_options *o = x->o;
    json_t *j = json_object();
    json_object_set_new(
        j, "format",
        json_string(o->format == CAIRN_EXPORT_LONG ? "long" : "wide"));
    json_object_set_new(j, "instrument",
                        o->instrument ? json_string(o->instrument)
                                      : json_null());
    json_object_set_new(j, "from",
                        o->from ? json_string(o->from) : json_null());
    json_object_set_new(j, "to", o->to ? json_string(o->to) : json_null());
    json_object_set_new(j, "shift_dates", json_boolean(o->shift_dates));
    json_object_set_new(
        j, "episodes",
        json_string("every assessment is exported, in or out of episodes of "
                    "care; the episode column numbers the client's episode "
                    "holding it (empty outside episodes) and "
                    "day_in_episode counts days from its start"));
    return j;
}

static int write_provenance(exporter *x, const char *path, const char *dict,
                            cairn_error *err)
{
    char key_id[9];
    cairn__export_file f;
    cairn_settings *set = NULL;
    json_t *defs = NULL;
    int rc = cairn_export_key_id(x->key, key_id, err);
    if (rc == CAIRN_OK) {
        rc = definitions_json(&defs, x, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_settings_list(&set, x->st, err);
    }
    if (rc < 0) {
        json_decref(defs);
        return rc;
    }
    json_t *o = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:o,s:s,s:{s:I,s:I,s:I},s:o,s:o}",
        "cairn_version", cairn_version(), "made_by", "cairn export", "files",
        "data", base_name(x->path), "dictionary", base_name(dict), "provenance",
        base_name(path), "options", options_json(x), "key_id", key_id, "counts",
        "rows", (json_int_t)x->res.rows, "assessments",
        (json_int_t)x->res.assessments, "clients", (json_int_t)x->res.clients,
        "instruments", instruments_json(x), "deidentification",
        deidentification_json(x));
    if (o != NULL) {
        /* the exported scores do not depend on them; statistics computed
         * from the same database (reports, aggregates) do */
        json_object_set_new(o, "definitions", defs);
        json_object_set_new(o, "clinic_settings",
                            cairn__settings_parameters_json(set));
    } else {
        json_decref(defs);
    }
    cairn_settings_free(set);
    if (o == NULL) {
        return oom(err);
    }
    rc = cairn__export_file_open(&f, path, &x->o->output, err);
    if (rc == CAIRN_OK) {
        bool bad =
            json_dumpf(o, f.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
        putc('\n', f.f);
        rc = cairn__export_file_close(&f, !bad, err);
        if (bad && rc == CAIRN_OK) {
            rc = cairn_error_set(err, CAIRN_EIO, "%s: cannot write", path);
        }
    }
    json_decref(o);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The export                                                          */

static void exporter_free(exporter *x)
{
    for (size_t b = 0; x->buckets != NULL && b < x->n_buckets; b++) {
        bucket_close(x, b);
    }
    free(x->bucket_bufs);
    for (size_t i = 0; i < x->n_strings; i++) {
        free(x->strings[i]);
    }
    free(x->buckets);
    free(x->strings);
    free(x->fps);
    free(x->clients);
    free(x->by_rank);
    free(x->insts);
    free(x->used);
    free(x->rec);
    free(x->cols);
    free(x->names);
    free(x->cells);
    cairn_episode_filter_free(x->episodes);
    cairn__export_pipe_free(x->pipe);
    cairn__scan_decoder_free(x->dec);
}

/* Scan the store into the spool. */
static int collect(exporter *x, const cairn_catalog *cat, cairn_error *err)
{
    int rc = set_range(x, err);
    if (rc == CAIRN_OK) {
        rc = cairn_episode_filter_new(&x->episodes, x->st, CAIRN_EPISODE_ALL,
                                      err);
    }
    if (rc == CAIRN_OK) {
        rc = setup(x, cat, err);
    }
    if (rc == CAIRN_OK) {
        rc = load_clients(x, err);
    }
    if (rc == CAIRN_OK) {
        x->n_buckets = x->n_clients / CLIENTS_PER_BUCKET + 1;
        x->n_buckets = x->n_buckets > MAX_BUCKETS ? MAX_BUCKETS : x->n_buckets;
        x->buckets = calloc(x->n_buckets, sizeof *x->buckets);
        x->bucket_bufs = calloc(x->n_buckets, sizeof *x->bucket_bufs);
        rc = x->buckets == NULL || x->bucket_bufs == NULL ? oom(err) : CAIRN_OK;
    }
    if (rc == CAIRN_OK &&
        cairn__scan_decoder_new(&x->dec, CAIRN__SCAN_KEEP) < 0) {
        rc = oom(err);
    }
    /* without a second thread, this one does it all */
    if (rc == CAIRN_OK && x->threads > 1 &&
        cairn__export_pipe_start(&x->pipe, take_rows, x) < 0) {
        x->pipe = NULL;
    }
    x->row_inst = SIZE_MAX;
    for (size_t i = 0; rc == CAIRN_OK && i < x->n_insts; i++) {
        rc = scan(x, i, err);
    }
    cairn__export_pipe_free(x->pipe);
    x->pipe = NULL;
    if (rc == CAIRN_OK) {
        rc = make_columns(x, err);
    }
    return rc;
}

/* The audit entry of an export: what was asked and how much went. */
static int audit_export(const exporter *x, cairn_error *err)
{
    char kid[9] = "";
    const cairn_export_options *o = x->o;
    int rc = cairn_export_key_id(x->key, kid, err);
    if (rc < 0) {
        return rc;
    }
    json_t *after = json_pack(
        "{s:s,s:s,s:s?,s:s?,s:s?,s:b,s:I,s:I,s:I,s:I}", "kind", "de-identified",
        "format", o->format == CAIRN_EXPORT_LONG ? "long" : "wide",
        "instrument", o->instrument, "from", o->from, "to", o->to,
        "shift_dates", o->shift_dates, "assessments",
        (json_int_t)x->res.assessments, "clients", (json_int_t)x->res.clients,
        "rows", (json_int_t)x->res.rows, "instruments",
        (json_int_t)x->res.instruments);
    if (after != NULL &&
        json_object_set_new(after, "site_key", json_string(kid)) != 0) {
        json_decref(after);
        after = NULL;
    }
    return cairn__store_audit_release(x->st, "export.research", after, err);
}

int cairn_export_write(cairn_store *st, const cairn_catalog *cat,
                       const cairn_export_key *key, const char *path,
                       const cairn_export_options *opts,
                       cairn_export_result *res, cairn_error *err)
{
    return cairn__export_write_threads(st, cat, key, path, opts, res, 2, err);
}

int cairn__export_write_threads(cairn_store *st, const cairn_catalog *cat,
                                const cairn_export_key *key, const char *path,
                                const cairn_export_options *opts,
                                cairn_export_result *res, int threads,
                                cairn_error *err)
{
    cairn_export_options defaults = CAIRN_EXPORT_OPTIONS_INIT;
    exporter x = {.st = st,
                  .key = key,
                  .o = opts ? opts : &defaults,
                  .path = path,
                  .threads = threads};
    cairn_export_sink csv = {0};
    const cairn_export_sink *sink = x.o->sink;
    size_t n = strlen(path) + 24;
    if (sink == NULL && n > 29 && strcmp(path + n - 29, ".xlsx") == 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: writing .xlsx needs a workbook sink "
                               "(cairn_export_options.sink); without one "
                               "this library writes CSV",
                               path);
    }
    char *dict = malloc(n), *prov = malloc(n);
    int rc = dict && prov ? CAIRN_OK : oom(err);
    if (rc == CAIRN_OK) {
        /* all three names are checked before anything is written */
        snprintf(dict, n, "%s.dictionary.csv", path);
        snprintf(prov, n, "%s.provenance.json", path);
        rc = cairn_outfile_check(path, &x.o->output, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_outfile_check(dict, &x.o->output, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_outfile_check(prov, &x.o->output, err);
    }
    if (rc == CAIRN_OK) {
        rc = collect(&x, cat, err);
    }
    if (rc == CAIRN_OK && sink == NULL) {
        rc = cairn__export_csv_sink(&csv, path, &x.o->output, err);
        sink = &csv;
    }
    if (rc == CAIRN_OK) {
        rc = write_rows(&x, sink, sink == &csv ? csv.ctx : NULL, err);
        int frc = sink->finish(sink->ctx, rc == CAIRN_OK, err);
        rc = rc == CAIRN_OK ? frc : rc;
    }
    if (rc == CAIRN_OK) {
        rc = cairn__export_dictionary(dict, x.cols, x.n_cols,
                                      x.o->format == CAIRN_EXPORT_LONG, x.used,
                                      x.n_used, &x.o->output, err);
        if (rc == CAIRN_OK) {
            rc = write_provenance(&x, prov, dict, err);
        }
        /* no export leaves unrecorded: a failed entry takes the files */
        if (rc == CAIRN_OK) {
            rc = audit_export(&x, err);
            if (rc < 0) {
                unlink(prov);
            }
        }
        if (rc < 0) {
            unlink(path);
            unlink(dict);
        }
    }
    if (res != NULL) {
        *res = x.res;
    }
    exporter_free(&x);
    free(dict);
    free(prov);
    return rc;
}
