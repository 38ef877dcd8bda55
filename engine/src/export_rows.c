/*
 * export_rows.c - the research export's spool back out as rows: each
 * bucket read back, put in (rank, day, instrument, id) order (a counting
 * sort by rank; a client's records arrive mostly in order) and written
 * through the sink.  With the built-in CSV sink and two threads, buckets
 * go two at a time: this thread writes the first to the file while a
 * second writes the other into memory, added after it, so the file holds
 * the bytes one thread writes.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "export_write.h"

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
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
static size_t definition_id(const cairn__exporter *x, const cairn__xrec *h)
{
    for (size_t i = 0; i < x->n_fps; i++) {
        if (x->fps[i].inst == h->inst && x->fps[i].fp == h->fingerprint) {
            return i + 1;
        }
    }
    return 0; /* not reached: spool() counted every record's pair */
}

/* The cells every row of one client and definition starts with: the
 * pseudonym to the fingerprint (or the definition's short id). */
#define CLIENT_CELLS 7

/*
 * What a thread writing rows has of its own: the sink, the cells of the
 * row being written, and how many rows it wrote.  With the built-in CSV
 * sink, the head of the rows: the client's and definition's cells
 * formatted once for all of that client's rows of the definition (and,
 * in the long format, with the assessment's, once for all of its rows),
 * the same bytes the sink would make of them each time.
 */
typedef struct emitter {
    const cairn_export_sink *sink;
    cairn_export_cell *cells;
    char shifted[2][11];
    size_t rows;
    bool csv;                          /* the sink is the built-in CSV one */
    const cairn__xclient *head_client; /* whose head it is, or NULL */
    uint16_t head_inst, head_fp;
    size_t client_len; /* the bytes of cells 0 to CLIENT_CELLS */
    bool has_head;     /* this row's first cells are in `head` */
    size_t head_len, head_from;
    char head[CAIRN__EXPORT_HEAD_MAX];
    cairn__export_line line; /* the CSV sink's lines, held a while */
} emitter;

/* The client and definition cells every row starts with. */
static void client_cells(const cairn__exporter *x, emitter *em,
                         const cairn__xrec *h, const cairn__xclient *c)
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
}

/* The assessment's cells after them, up to the item or scale ones. */
static void assessment_cells(const cairn__exporter *x, emitter *em,
                             const cairn__xrec *h, const cairn__xclient *c)
{
    cairn_export_cell *e = em->cells;
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

/*
 * The cells every row of assessment `h` of client `c` starts with; with
 * the CSV sink, formatted into the head (the client's part kept from the
 * client's last row of the same definition: its cells are still those,
 * as they were filled for it and nothing else writes them).
 */
static void common_cells(const cairn__exporter *x, emitter *em,
                         const cairn__xrec *h, const cairn__xclient *c)
{
    bool wide = x->o->format == CAIRN_EXPORT_WIDE;
    if (!em->csv || c != em->head_client || h->inst != em->head_inst ||
        h->fingerprint != em->head_fp) {
        client_cells(x, em, h, c);
        em->head_client = NULL;
        if (em->csv &&
            cairn__export_csv_format(em->head, sizeof em->head, &em->client_len,
                                     em->cells, 0, CLIENT_CELLS)) {
            em->head_client = c;
            em->head_inst = h->inst;
            em->head_fp = h->fingerprint;
        }
    }
    assessment_cells(x, em, h, c);
    em->has_head = em->head_client != NULL;
    em->head_len = em->client_len;
    em->head_from = CLIENT_CELLS;
    size_t n = 0;
    /* the long format's rows of one assessment share all of these */
    if (em->has_head && !wide &&
        cairn__export_csv_format(em->head + em->client_len,
                                 sizeof em->head - em->client_len, &n,
                                 em->cells, CLIENT_CELLS, x->n_common)) {
        em->head_len += n;
        em->head_from = x->n_common;
    }
}

static int put_row(const cairn__exporter *x, emitter *em, cairn_error *err)
{
    em->rows++;
    if (em->has_head) {
        cairn__export_line_start(&em->line, em->sink->ctx, em->head,
                                 em->head_len);
        cairn__export_line_cells(&em->line, em->cells, em->head_from,
                                 x->n_cols);
        return cairn__export_line_end(&em->line, em->sink->ctx, err);
    }
    /* the lines held go first */
    int rc = em->csv ? cairn__export_line_flush(&em->line, em->sink->ctx, err)
                     : CAIRN_OK;
    return rc < 0 ? rc
                  : em->sink->row(em->sink->ctx, em->cells, x->n_cols, err);
}

/*
 * A wide row with its head formatted ahead (common_cells): the item
 * codes written as they are, without a cell each, and the other
 * instruments' columns empty; the line the cells would make.
 */
static int emit_wide_line(const cairn__exporter *x, emitter *em,
                          const cairn__xinst *xi, const unsigned char *items,
                          const unsigned char *scales, cairn_error *err)
{
    cairn__export_line *line = &em->line;
    cairn_export_cell c[3]; /* 1 and 2: a scale's score and band */
    int32_t code;
    cairn__xscale sv;
    cairn__export_line_start(line, em->sink->ctx, em->head, em->head_len);
    cairn__export_line_cells(line, em->cells, em->head_from, x->n_common);
    cairn__export_line_empty(line, xi->col - x->n_common);
    for (size_t k = 0; k < xi->n_items; k++) {
        memcpy(&code, items + k * sizeof code, sizeof code);
        cairn__export_line_code(line, code, code == NO_CODE);
    }
    for (size_t s = 0; s < xi->n_scales; s++) {
        memcpy(&sv, scales + s * sizeof sv, sizeof sv);
        number_cell(&c[1], sv.score);
        text_cell(&c[2], sv.band < 0 ? NULL : x->strings[sv.band]);
        cairn__export_line_cells(line, c, 1, 3); /* a comma before each */
    }
    cairn__export_line_empty(
        line, x->n_cols - (xi->col + xi->n_items + 2 * xi->n_scales));
    em->rows++;
    return cairn__export_line_end(line, em->sink->ctx, err);
}

static int emit(const cairn__exporter *x, emitter *em, const unsigned char *p,
                cairn_error *err)
{
    cairn__xrec h;
    int32_t code;
    cairn__xscale sv;
    memcpy(&h, p, sizeof h);
    const cairn__xinst *xi = &x->insts[h.inst];
    const unsigned char *items = p + sizeof h;
    const unsigned char *scales = items + xi->n_items * sizeof code;
    bool wide = x->o->format == CAIRN_EXPORT_WIDE;
    int rc = CAIRN_OK;
    common_cells(x, em, &h, x->by_rank[h.rank]);
    if (wide && em->has_head) {
        return emit_wide_line(x, em, xi, items, scales, err);
    }
    cairn_export_cell *v = em->cells + (wide ? xi->col : x->n_common);
    for (size_t i = x->n_common; wide && i < x->n_cols; i++) {
        text_cell(&em->cells[i], NULL);
    }
    for (size_t k = 0; rc == CAIRN_OK && k < xi->n_items; k++) {
        memcpy(&code, items + k * sizeof code, sizeof code);
        cairn_export_cell *c = wide ? &v[k] : &v[1];
        number_cell(c, code == NO_CODE ? NAN : code);
        if (!wide) {
            text_cell(&v[0], xi->vars[k]);
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
            text_cell(&v[0], xi->vars[xi->n_items + s]);
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
static int drain(const cairn__exporter *x, FILE *f, emitter *em,
                 cairn_error *err)
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
    refs = malloc((size / sizeof(cairn__xrec) + 1) * sizeof *refs);
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
        cairn__xrec h;
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
    /* this bucket's last lines, before the next one's text is added */
    if (rc == CAIRN_OK && em->csv) {
        rc = cairn__export_line_flush(&em->line, em->sink->ctx, err);
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
    const cairn__exporter *x;
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
static void job_start(const cairn__exporter *x, bucket_job *j, FILE *f)
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
    j->em.csv = true;
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
static int write_pairs(cairn__exporter *x, emitter *em, cairn__export_file *out,
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

int cairn__exporter_rows(cairn__exporter *x, const cairn_export_sink *sink,
                         cairn__export_file *csv, cairn_error *err)
{
    emitter em = {.sink = sink,
                  .cells = x->cells,
                  .csv = sink->row == cairn__export_csv_row};
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
    x->res.rows = em.rows;
    for (size_t i = 0; i < x->n_clients; i++) {
        x->res.clients += x->clients[i].exported;
    }
    for (size_t i = 0; i < x->n_insts; i++) {
        x->res.instruments += x->insts[i].n_assessments > 0;
    }
    return rc;
}
