/*
 * export_write.c - cairn_export_write: one streaming pass over the store
 * per instrument into a spool sorted by pseudonym, then the rows
 * (export_rows.c), the dictionary and the provenance
 * (export_provenance.c).
 *
 * The pass reads every current assessment of every catalog instrument
 * (those not exported too, so "day 0" is the client's first assessment on
 * any questionnaire and exports of different questionnaires line up).
 * Each exported assessment is encoded as a small binary record (no client
 * code, only the client's rank in pseudonym order) into one of a few
 * temporary bucket files chosen by that rank, so memory holds the client
 * table and one bucket (two with two threads), and rows come out in
 * pseudonym order, which says nothing about when clients were registered.
 *
 * With two threads, this one steps SQLite and a worker (pipe.c)
 * decodes the rows and spools them, in the order read; the pseudonyms
 * of half the clients are made on another thread too.  Each thread's
 * part is the one a single thread would do, in the same order, so the
 * files are the same.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_write.h"

/* Clients per bucket, and the most buckets (open files) at once. */
#define CLIENTS_PER_BUCKET 4096
#define MAX_BUCKETS 64
#define BUCKET_BUFFER (64u << 10)

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* Index of `s` among the interned strings, adding it; -1 when out of
 * memory. */
static int intern(cairn__exporter *x, const char *s)
{
    for (size_t i = x->n_strings; i-- > 0;) {
        /* the first bytes tell most apart (bands) without a call */
        if (x->strings[i][0] == s[0] && strcmp(x->strings[i], s) == 0) {
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

static int count_fingerprint(cairn__exporter *x, size_t inst, size_t fp)
{
    for (size_t i = 0; i < x->n_fps; i++) {
        if (x->fps[i].inst == inst && x->fps[i].fp == fp) {
            x->fps[i].n++;
            return CAIRN_OK;
        }
    }
    if (x->n_fps == x->cap_fps) {
        size_t cap = x->cap_fps ? x->cap_fps * 2 : 8;
        cairn__xfp *p = realloc(x->fps, cap * sizeof *p);
        if (p == NULL) {
            return CAIRN_ENOMEM;
        }
        x->fps = p;
        x->cap_fps = cap;
    }
    x->fps[x->n_fps++] = (cairn__xfp){inst, fp, 1};
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const cairn__xclient *)a)->id,
            y = ((const cairn__xclient *)b)->id;
    return (x > y) - (x < y);
}

static int by_pseudonym(const void *a, const void *b)
{
    const cairn__xclient *x = *(const cairn__xclient *const *)a;
    const cairn__xclient *y = *(const cairn__xclient *const *)b;
    return strcmp(x->pseudonym, y->pseudonym);
}

static int client_from(cairn__exporter *x, cairn__xclient *c,
                       const cairn_client *in, cairn_error *err)
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
    cairn__exporter *x;
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
        j->rc =
            client_from(j->x, &j->x->clients[i], &j->list->items[i], &j->err);
    }
    return NULL;
}

/* Every client of `list`, the second half on another thread where
 * there are many (an HMAC is some 3 us); the first error in list order. */
static int clients_all(cairn__exporter *x, const cairn_client_list *list,
                       cairn_error *err)
{
    size_t half = x->threads > 1 && list->n >= 2048 ? list->n / 2 : list->n;
    client_job a = {x, list, 0, half, CAIRN_OK, CAIRN_ERROR_INIT};
    client_job b = {x, list, half, list->n, CAIRN_OK, CAIRN_ERROR_INIT};
    pthread_t t;
    bool started =
        half < list->n && pthread_create(&t, NULL, clients_from, &b) == 0;
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

static int load_clients(cairn__exporter *x, cairn_error *err)
{
    cairn_client_list *list = NULL;
    int rc = cairn__store_export_clients(&list, x->st, err);
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
    /* they come by id (the store's order): sorted only if not */
    bool sorted = true;
    for (size_t i = 1; sorted && i < x->n_clients; i++) {
        sorted = x->clients[i - 1].id < x->clients[i].id;
    }
    if (!sorted) {
        qsort(x->clients, x->n_clients, sizeof *x->clients, by_id);
    }
    for (size_t i = 0; i < x->n_clients; i++) {
        x->by_rank[i] = &x->clients[i];
    }
    qsort(x->by_rank, x->n_clients, sizeof *x->by_rank, by_pseudonym);
    for (size_t i = 0; i < x->n_clients; i++) {
        x->by_rank[i]->rank = (uint32_t)i;
    }
    return CAIRN_OK;
}

static cairn__xclient *find_client(cairn__exporter *x, int64_t id)
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

/* The long format's variable names of `xi`'s rows, made once, not on
 * each of its rows. */
static int long_variables(cairn__xinst *xi, cairn_error *err)
{
    xi->vars = calloc(xi->n_items + xi->n_scales + 1, sizeof *xi->vars);
    if (xi->vars == NULL) {
        return oom(err);
    }
    for (size_t k = 0; k < xi->n_items; k++) {
        snprintf(xi->vars[k], sizeof xi->vars[k], "item_%d",
                 cairn_instrument_item(xi->inst, k)->number);
    }
    for (size_t s = 0; s < xi->n_scales; s++) {
        snprintf(xi->vars[xi->n_items + s], sizeof xi->vars[0], "%s_score",
                 cairn_instrument_scale(xi->inst, s)->id);
    }
    return CAIRN_OK;
}

static int setup(cairn__exporter *x, const cairn_catalog *cat, cairn_error *err)
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
        cairn__xinst *xi = &x->insts[i];
        xi->inst = cairn_catalog_get(cat, i);
        xi->included = only == NULL || only == xi->inst;
        xi->n_items = cairn_instrument_item_count(xi->inst);
        xi->n_scales = cairn_instrument_scale_count(xi->inst);
        xi->rec_size = sizeof(cairn__xrec) + xi->n_items * sizeof(int32_t) +
                       xi->n_scales * sizeof(cairn__xscale);
        most = xi->rec_size > most ? xi->rec_size : most;
        if (x->o->format == CAIRN_EXPORT_LONG) {
            rc = long_variables(xi, err);
        }
    }
    if (rc == CAIRN_OK && (x->rec = malloc(most + 1)) == NULL) {
        rc = oom(err);
    }
    return rc;
}

static FILE *bucket(cairn__exporter *x, uint32_t rank, cairn_error *err)
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
        setvbuf(x->buckets[b], x->bucket_bufs[b], _IOFBF, BUCKET_BUFFER) != 0) {
        free(x->bucket_bufs[b]);
        x->bucket_bufs[b] = NULL;
    }
    return x->buckets[b];
}

/* Close bucket `b` and free its stream's buffer. */
static void bucket_close(cairn__exporter *x, size_t b)
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

static int spool(cairn__exporter *x, size_t ii, const cairn__scan_row *r,
                 const cairn__xclient *c, int32_t day, uint32_t occasion,
                 cairn_error *err)
{
    cairn__xinst *xi = &x->insts[ii];
    /* a scan's fingerprint text stays put while it lasts: intern a new
     * one, not each row's */
    int fp = r->fingerprint != NULL && r->fingerprint == x->last_fp_text
                 ? x->last_fp
                 : intern(x, r->fingerprint ? r->fingerprint : "");
    x->last_fp_text = fp < 0 ? NULL : r->fingerprint;
    x->last_fp = fp;
    cairn_episode_place at;
    cairn_episode_filter_place(x->episodes, r->client_id, (double)day, &at);
    cairn__xrec h = {c->rank,
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
    for (size_t s = 0; s < xi->n_scales; s++, p += sizeof(cairn__xscale)) {
        const cairn_scale *sc = cairn_instrument_scale(xi->inst, s);
        const cairn__scan_scale *v = row_scale(r, s, sc->id);
        cairn__xscale rs = {NAN, -1, 0};
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
static int take_row(cairn__exporter *x, size_t ii, const cairn__scan_raw *raw,
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
    cairn__xclient *c = x->row_client;
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
static int pipe_row(cairn__exporter *x, size_t ii, const cairn__scan_raw *raw,
                    cairn_error *err)
{
    const char *t[3] = {raw->administered_at, raw->responses, raw->scores};
    size_t n[3] = {t[0] ? strlen(t[0]) : 0, raw->responses_len,
                   raw->scores_len};
    piped_row h = {raw->assessment_id,
                   raw->client_id,
                   raw->def,
                   (uint32_t)ii,
                   {NO_TEXT, NO_TEXT, NO_TEXT}};
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
    char *p = cairn__pipe_room(x->pipe, size);
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
    return cairn__pipe_add(x->pipe, size, err);
}

/* The worker: every row of one buffer, in order. */
static int take_rows(void *ctx, const char *data, size_t len, cairn_error *err)
{
    cairn__exporter *x = ctx;
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
        cairn__scan_raw raw = {h.assessment_id,
                               h.client_id,
                               h.def,
                               t[0],
                               t[1],
                               t[1] ? h.len[1] : 0,
                               t[2],
                               t[2] ? h.len[2] : 0};
        at += ((size_t)(q - (data + at)) + 7) & ~(size_t)7;
        rc = take_row(x, h.inst, &raw, err);
    }
    return rc;
}

/* Read every current assessment of instrument `ii`, on this thread or
 * through the worker. */
static int scan(cairn__exporter *x, size_t ii, cairn_error *err)
{
    cairn__scan *cur = NULL;
    cairn__scan_raw raw;
    const char *code = cairn_instrument_code(x->insts[ii].inst);
    int rc = cairn__store_scan_open(&cur, x->st, code, err);
    while (rc == CAIRN_OK &&
           (rc = cairn__store_scan_step(cur, &raw, err)) == 1) {
        rc = x->pipe ? pipe_row(x, ii, &raw, err) : take_row(x, ii, &raw, err);
    }
    if (x->pipe != NULL && rc != CAIRN_OK && !x->pipe_failed) {
        /* the rows before this one first, as one thread would have */
        cairn_error e = CAIRN_ERROR_INIT;
        int frc = cairn__pipe_flush(x->pipe, &e);
        if (frc < 0) {
            rc = frc;
            if (err != NULL) {
                *err = e;
            }
        }
    }
    if (x->pipe != NULL && rc == CAIRN_OK) {
        /* the worker has done with the scan's rows before it closes */
        rc = cairn__pipe_flush(x->pipe, err);
    }
    x->pipe_failed = x->pipe_failed || rc < 0;
    cairn__store_scan_close(cur);
    return rc;
}

static int set_range(cairn__exporter *x, cairn_error *err)
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

static int add_column(cairn__exporter *x, const cairn_instrument *in, int item,
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
static int instrument_columns(cairn__exporter *x, cairn__xinst *xi)
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
static int make_columns(cairn__exporter *x, cairn_error *err)
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
/* The export                                                          */

static void exporter_free(cairn__exporter *x)
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
    for (size_t i = 0; x->insts != NULL && i < x->n_insts; i++) {
        free(x->insts[i].vars);
    }
    free(x->insts);
    free(x->used);
    free(x->rec);
    free(x->cols);
    free(x->names);
    free(x->cells);
    cairn_episode_filter_free(x->episodes);
    cairn__pipe_free(x->pipe);
    cairn__scan_decoder_free(x->dec);
}

/* Scan the store into the spool. */
static int collect(cairn__exporter *x, const cairn_catalog *cat,
                   cairn_error *err)
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
        /* two threads hold a bucket's rows in memory as text: smaller
         * buckets (a long row is a fifth of a wide one) */
        size_t per = x->threads < 2 ? CLIENTS_PER_BUCKET
                     : x->o->format == CAIRN_EXPORT_LONG
                         ? CLIENTS_PER_BUCKET / 4
                         : CLIENTS_PER_BUCKET / 2;
        x->n_buckets = x->n_clients / per + 1;
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
        cairn__pipe_start(&x->pipe, take_rows, x) < 0) {
        x->pipe = NULL;
    }
    x->row_inst = SIZE_MAX;
    for (size_t i = 0; rc == CAIRN_OK && i < x->n_insts; i++) {
        rc = scan(x, i, err);
    }
    cairn__pipe_free(x->pipe);
    x->pipe = NULL;
    /* the decoded texts are not needed to write the rows: their memory
     * (the worker's) goes to the bucket written on another thread */
    cairn__scan_decoder_free(x->dec);
    x->dec = NULL;
    if (rc == CAIRN_OK) {
        rc = make_columns(x, err);
    }
    return rc;
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
    cairn__exporter x = {.st = st,
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
    /* the three files are placed together, after the audit entry: a
     * failure before leaves every existing file as it was */
    cairn_outfile_batch own = {0};
    cairn_export_options o = *x.o;
    if (o.output.batch == NULL) {
        o.output.batch = &own;
    }
    cairn_outfile_batch *batch = o.output.batch;
    x.o = &o;
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
        rc = cairn__exporter_rows(&x, sink, sink == &csv ? csv.ctx : NULL, err);
        for (size_t b = 0; b < x.n_buckets; b++) {
            bucket_close(&x, b);
        }
        int frc = sink->finish(sink->ctx, rc == CAIRN_OK, err);
        rc = rc == CAIRN_OK ? frc : rc;
    }
    if (rc == CAIRN_OK) {
        rc = cairn__export_dictionary(dict, x.cols, x.n_cols,
                                      x.o->format == CAIRN_EXPORT_LONG, x.used,
                                      x.n_used, &x.o->output, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__exporter_provenance(&x, prov, dict, err);
    }
    /* no export leaves unrecorded: the entry comes before the files */
    if (rc == CAIRN_OK) {
        rc = cairn__exporter_audit(&x, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_outfile_batch_commit(batch, err);
    } else {
        cairn_outfile_batch_abort(batch);
    }
    if (res != NULL) {
        *res = x.res;
    }
    exporter_free(&x);
    free(dict);
    free(prov);
    return rc;
}
