/*
 * report_caseload.c - the caseload workbook: a list of every active
 * client, most urgent first, one row per questionnaire they have scores
 * on (so it reads, filters and prints as a list, however many
 * questionnaires the clinic uses), and a summary of who improved.
 *
 * The caseload itself (which clients, their trends, alerts and states,
 * the order) is the engine's, as `cairn caseload` prints it: in the
 * caseload's one pass (cairn_caseload_rows_compute_kept, one client's
 * trends in memory at a time) each client in full is summarised into
 * small cells (latest score, band, change, reliable change, the last few
 * scores for a sparkline) and its top alert, kept by the engine and read
 * back in the compact rows' order, and laid out.
 *
 * The model holds the engine's rows and what they kept (in memory up to
 * a limit, past it in temporary files beside the database) and gives one
 * row at a time (cairn_report_caseload_row_get), unpacked into buffers
 * kept from row to row: so the workbook's memory does not grow with the
 * clients.  The list's columns are measured during the pass, each
 * client's rows laid out on a measurer as it is kept (a column's width
 * does not depend on the rows' order), so the list is written in one
 * pass over the rows once the order is known.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define FIRST_ROW 4
#define LIST_COLS 10

/* Where the rows are: the engine's rows with what their pass kept. */
struct cairn_report_rows {
    cairn_caseload_rows *cl;
    const cairn_catalog *cat;
    size_t *column;       /* a catalog position's column, or SIZE_MAX */
    cairn_report_row got; /* the row read last */
    /* what `got` points into, kept from row to row (no allocation per
     * row) */
    char *text; /* its code, clinician and alert reason */
    size_t text_cap;
    double *points;         /* CAIRN_REPORT_SPARK_POINTS per cell */
    cairn__sheet *measured; /* the list, measured in the pass, or NULL */
};

/* ---- the model ---- */

/*
 * What the workbook keeps of one client during the caseload's one pass
 * (cairn_caseload_rows_compute_kept), read back in the rows' order: the
 * head, then the code, clinician and alert reason texts (their lengths
 * in the head), then one kept_cell per trend with a score.  Host order:
 * the bytes never leave the process.
 */
typedef struct kept_head {
    uint64_t n_alerts, n_acknowledged;
    int32_t urgent;     /* the top open alert's kind, or -1 */
    int32_t alert_inst; /* its instrument's catalog position, or -1 */
    uint32_t code_len, clinician_len, reason_len; /* UINT32_MAX: NULL */
    uint32_t n_cells;
} kept_head;

typedef struct kept_cell {
    uint64_t inst; /* catalog position */
    uint64_t n, n_points;
    double latest, change;
    double points[CAIRN_REPORT_SPARK_POINTS];
    char latest_date[11];
    bool has_change, has_rc;
    int32_t rc;
} kept_cell;

static size_t catalog_position(const cairn_catalog *cat, const char *code)
{
    size_t k = 0;
    while (strcmp(cairn_instrument_code(cairn_catalog_get(cat, k)), code) !=
           0) {
        k++;
    }
    return k;
}

static void keep_cell(kept_cell *cell, size_t k, const cairn_trend *t)
{
    memset(cell, 0, sizeof *cell); /* (its padding too: it is written) */
    cell->inst = k;
    cell->n = t->n;
    cell->latest = t->latest.score;
    /* "%.10s" without snprintf's cost on every client */
    size_t n = strnlen(t->latest.date, sizeof cell->latest_date - 1);
    memcpy(cell->latest_date, t->latest.date, n);
    cell->has_change = t->n >= 2;
    cell->change = t->change;
    cell->has_rc = t->has_rci;
    cell->rc = (int32_t)t->rci.category;
    size_t m =
        t->n < CAIRN_REPORT_SPARK_POINTS ? t->n : CAIRN_REPORT_SPARK_POINTS;
    for (size_t i = 0; i < m; i++) {
        cell->points[i] = t->points[t->n - m + i].score;
    }
    cell->n_points = m;
}

static uint32_t text_len(const char *s)
{
    return s != NULL ? (uint32_t)strlen(s) : UINT32_MAX;
}

/* What one client's summary is made in before it is kept (and
 * measured): grown as needed, kept from client to client. */
typedef struct kept_buf {
    char *p;
    size_t n, cap;
} kept_buf;

/* Append the `n` bytes at `q` to `b`. */
static int put(kept_buf *b, const void *q, size_t n, cairn_error *err)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, q, n);
    b->n += n;
    return CAIRN_OK;
}

/* Append `s` (its length is in the head already), if any. */
static int put_text(kept_buf *b, const char *s, cairn_error *err)
{
    return s != NULL ? put(b, s, strlen(s), err) : CAIRN_OK;
}

/* The client's cells and top alert, made in `b` (emptied first); its
 * changes counted by catalog position in `counts`. */
static int summarise(kept_buf *b, const cairn_caseload_entry *e,
                     const cairn_catalog *cat, size_t (*counts)[4],
                     cairn_error *err)
{
    cairn_alert_ref first;
    size_t n_open = 0, n_acknowledged = 0;
    kept_head h;
    memset(&h, 0, sizeof h);
    b->n = 0;
    cairn_alert_top_of_trends(&first, &n_open, &n_acknowledged, e->client->code,
                              e->trends, e->n_trends);
    const cairn_alert_ref *top = n_open > 0 ? &first : NULL;
    h.n_alerts = n_open;
    h.n_acknowledged = n_acknowledged;
    h.urgent = top ? (int32_t)top->alert->kind : -1;
    h.alert_inst =
        top ? (int32_t)catalog_position(cat, top->trend->instrument) : -1;
    h.code_len = text_len(e->client->code);
    h.clinician_len = text_len(e->client->clinician);
    h.reason_len = text_len(top ? top->alert->reason : NULL);
    for (size_t i = 0; i < e->n_trends; i++) {
        h.n_cells += e->trends[i]->n > 0;
    }
    int rc = put(b, &h, sizeof h, err);
    if (rc == CAIRN_OK) {
        rc = put_text(b, e->client->code, err);
    }
    if (rc == CAIRN_OK) {
        rc = put_text(b, e->client->clinician, err);
    }
    if (rc == CAIRN_OK) {
        rc = put_text(b, top ? top->alert->reason : NULL, err);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < e->n_trends; i++) {
        const cairn_trend *t = e->trends[i];
        kept_cell cell;
        if (t->n == 0) {
            continue; /* (no score: no column) */
        }
        size_t k = catalog_position(cat, t->instrument);
        keep_cell(&cell, k, t);
        counts[k][t->has_rci ? t->rci.category : 3]++;
        rc = put(b, &cell, sizeof cell, err);
    }
    return rc;
}

/* The `n` bytes at `*p` as a string at `*at` in the rows' text (room
 * made by unpack), or NULL for UINT32_MAX. */
static char *kept_text(char **at, const char **p, uint32_t n)
{
    if (n == UINT32_MAX) {
        return NULL;
    }
    char *s = *at;
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n;
    *at += (size_t)n + 1;
    return s;
}

/* Room for `n` bytes of text in `s`. */
static int text_room(cairn_report_rows *s, size_t n, cairn_error *err)
{
    if (n <= s->text_cap) {
        return CAIRN_OK;
    }
    size_t cap = s->text_cap ? s->text_cap : 256;
    while (cap < n) {
        cap *= 2;
    }
    char *t = realloc(s->text, cap);
    if (t == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    s->text = t;
    s->text_cap = cap;
    return CAIRN_OK;
}

static size_t text_need(uint32_t n)
{
    return n == UINT32_MAX ? 0 : (size_t)n + 1;
}

/* Row `s->got` (its cells one per column: `column` maps a catalog
 * position to its column) from what summarise() kept, in the rows'
 * buffers (made on first use, kept until the model is freed). */
static int unpack(cairn_report_rows *s, const char *p, size_t n_cells,
                  cairn_error *err)
{
    cairn_report_row *w = &s->got;
    kept_head h;
    memcpy(&h, p, sizeof h);
    p += sizeof h;
    if (w->cells == NULL) {
        w->cells = calloc(n_cells > 0 ? n_cells : 1, sizeof *w->cells);
        s->points =
            calloc((n_cells > 0 ? n_cells : 1) * CAIRN_REPORT_SPARK_POINTS,
                   sizeof *s->points);
        if (w->cells == NULL || s->points == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    int rc = text_room(s,
                       text_need(h.code_len) + text_need(h.clinician_len) +
                           text_need(h.reason_len),
                       err);
    if (rc < 0) {
        return rc;
    }
    w->n_alerts = h.n_alerts;
    w->n_acknowledged = h.n_acknowledged;
    w->has_alert = h.urgent >= 0;
    w->urgent = h.urgent >= 0 ? (cairn_alert_kind)h.urgent : 0;
    w->alert_instrument = h.alert_inst >= 0
                              ? cairn_catalog_get(s->cat, (size_t)h.alert_inst)
                              : NULL;
    char *at = s->text;
    w->code = kept_text(&at, &p, h.code_len);
    w->clinician = kept_text(&at, &p, h.clinician_len);
    w->alert_reason = kept_text(&at, &p, h.reason_len);
    memset(w->cells, 0, (n_cells > 0 ? n_cells : 1) * sizeof *w->cells);
    for (uint32_t i = 0; i < h.n_cells; i++) {
        kept_cell kc;
        memcpy(&kc, p, sizeof kc);
        p += sizeof kc;
        size_t col = s->column[kc.inst];
        if (col == SIZE_MAX) {
            continue;
        }
        const cairn_instrument *inst = cairn_catalog_get(s->cat, kc.inst);
        cairn_report_cell *cell = &w->cells[col];
        cell->points = &s->points[col * CAIRN_REPORT_SPARK_POINTS];
        cell->present = true;
        cell->n = kc.n;
        cell->latest = kc.latest;
        memcpy(cell->latest_date, kc.latest_date, sizeof cell->latest_date);
        cell->band =
            cairn_scale_band(cairn_instrument_scale(inst, 0), kc.latest);
        cell->has_change = kc.has_change;
        cell->change = kc.change;
        cell->has_rc = kc.has_rc;
        cell->rc = (cairn_rc_category)kc.rc;
        memset(cell->points, 0,
               CAIRN_REPORT_SPARK_POINTS * sizeof *cell->points);
        memcpy(cell->points, kc.points, kc.n_points * sizeof *kc.points);
        cell->n_points = kc.n_points;
    }
    return CAIRN_OK;
}

/*
 * The instruments anyone has a score on, in catalog order: those whose
 * `counts` (each trend with a score counted once, by catalog position,
 * as the pass kept it) are not all zero.  `column` maps a catalog
 * position to its column.
 */
static int columns(cairn_report_caseload *r, size_t (*counts)[4],
                   const cairn_catalog *cat, size_t *column, cairn_error *err)
{
    size_t n_cat = cairn_catalog_count(cat), n = 0;
    r->instruments = calloc(n_cat + 1, sizeof *r->instruments);
    r->counts = calloc(n_cat + 1, sizeof *r->counts);
    if (r->instruments == NULL || r->counts == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n_cat; k++) {
        bool any =
            counts[k][0] + counts[k][1] + counts[k][2] + counts[k][3] > 0;
        column[k] = any ? n : SIZE_MAX;
        if (any) {
            r->instruments[n++] = cairn_catalog_get(cat, k);
        }
    }
    r->n_instruments = n;
    r->n_cells = n;
    return CAIRN_OK;
}

/* What unpack() and its rows hold, freed. */
static void rows_clear(cairn_report_rows *s)
{
    free(s->got.cells);
    free(s->text);
    free(s->points);
    memset(&s->got, 0, sizeof s->got);
    s->text = NULL;
    s->points = NULL;
    s->text_cap = 0;
}

int cairn_report_caseload_row_get(const cairn_report_caseload *r, size_t i,
                                  const cairn_report_row **out,
                                  cairn_error *err)
{
    cairn_report_rows *s = r->rows;
    const void *bytes = NULL;
    size_t n = 0;
    assert(i < r->n_rows);
    *out = NULL;
    int rc = cairn_caseload_rows_kept(s->cl, i, &bytes, &n, err);
    if (rc == CAIRN_OK) {
        rc = unpack(s, bytes, r->n_cells, err);
    }
    if (rc == CAIRN_OK) {
        *out = &s->got;
    }
    return rc;
}

/* The engine's caseload options for the report's options. */
static cairn_caseload_options caseload_options(const cairn_report_options *o)
{
    cairn_caseload_options c = CAIRN_CASELOAD_OPTIONS_INIT;
    c.clinician = o->clinician;
    c.all = o->all;
    c.trend.axis = o->axis;
    c.trend.no_improvement_weeks = o->no_improvement_weeks;
    c.with_expectation = o->expectation;
    c.overrides = o->overrides;
    c.n_overrides = o->n_overrides;
    c.memory_limit = o->memory_limit;
    return c;
}

/* What the caseload's pass keeps of each client: its row's summary;
 * and its rows measured, as the list will lay them out. */
typedef struct load_keep {
    const cairn_catalog *cat;
    size_t (*counts)[4];       /* by catalog position */
    kept_buf buf;              /* the client's summary */
    cairn_report_rows scratch; /* it unpacked, a cell per catalog position */
    const cairn_instrument **insts; /* the catalog's, in its order */
    size_t n_insts;
    cairn__sheet *m; /* the measurer */
    size_t row;      /* its next row */
    cairn_error *err;
} load_keep;

static size_t client_rows(cairn__sheet *s, size_t row,
                          const cairn_report_row *w,
                          const cairn_instrument *const *insts, size_t n);

static int keep_entry(const cairn_caseload_entry *e,
                      cairn_caseload_keeper *keep, void *arg)
{
    load_keep *lk = arg;
    int rc = summarise(&lk->buf, e, lk->cat, lk->counts, lk->err);
    if (rc == CAIRN_OK) {
        rc = cairn_caseload_keep(keep, lk->buf.p, lk->buf.n, lk->err);
    }
    if (rc == CAIRN_OK) {
        /* measured now, on this thread while the store is read on the
         * other, rather than in a pass of its own before the list is
         * written: a column's width does not depend on the rows' order */
        rc = unpack(&lk->scratch, lk->buf.p, lk->n_insts, lk->err);
    }
    if (rc == CAIRN_OK) {
        lk->row = client_rows(lk->m, lk->row, &lk->scratch.got, lk->insts,
                              lk->n_insts);
    }
    return rc;
}

/* The parts of `lk` that measure, made for catalog `cat`. */
static int measuring(load_keep *lk, const cairn_catalog *cat)
{
    size_t n = cairn_catalog_count(cat);
    lk->n_insts = n;
    lk->insts = calloc(n + 1, sizeof *lk->insts);
    lk->scratch.column = calloc(n + 1, sizeof *lk->scratch.column);
    lk->scratch.cat = cat;
    lk->m = cairn__xlsx_measurer_new();
    if (lk->insts == NULL || lk->scratch.column == NULL || lk->m == NULL) {
        return CAIRN_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        lk->insts[k] = cairn_catalog_get(cat, k);
        lk->scratch.column[k] = k;
    }
    lk->row = FIRST_ROW;
    return CAIRN_OK;
}

int cairn_report_caseload_load(cairn_report_caseload **out, cairn_store *st,
                               const cairn_catalog *cat,
                               const cairn_report_options *opts,
                               cairn_error *err)
{
    cairn_report_options defaults = CAIRN_REPORT_OPTIONS_INIT;
    const cairn_report_options *o = opts ? opts : &defaults;
    cairn_caseload_options co = caseload_options(o);
    size_t n_cat = cairn_catalog_count(cat);
    size_t(*counts)[4] = calloc(n_cat + 1, sizeof *counts);
    *out = NULL;
    cairn_report_caseload *r = calloc(1, sizeof *r);
    cairn_report_rows *s = r != NULL ? calloc(1, sizeof *s) : NULL;
    if (r != NULL) {
        r->rows = s;
    }
    if (s != NULL) {
        s->cat = cat;
        s->column = calloc(n_cat + 1, sizeof *s->column);
    }
    load_keep lk = {.cat = cat, .counts = counts, .err = err};
    /* one pass, one client's trends at a time: each client's summary is
     * kept as the store is read, and read back in the caseload's order */
    int rc = r && s && s->column && counts && measuring(&lk, cat) == CAIRN_OK
                 ? cairn_caseload_rows_compute_kept(&s->cl, st, cat, &co,
                                                    keep_entry, &lk, err)
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (s != NULL) {
        s->measured = lk.m;
    } else {
        cairn__xlsx_measurer_free(lk.m);
    }
    rows_clear(&lk.scratch);
    free(lk.scratch.column);
    free(lk.insts);
    free(lk.buf.p);
    if (rc == CAIRN_OK) {
        rc = columns(r, counts, cat, s->column, err);
    }
    for (size_t k = 0; rc == CAIRN_OK && k < n_cat; k++) {
        if (s->column[k] != SIZE_MAX) {
            memcpy(r->counts[s->column[k]], counts[k], sizeof counts[k]);
        }
    }
    if (rc == CAIRN_OK) {
        r->n_rows = s->cl->n;
    }
    free(counts);
    if (rc < 0) {
        cairn_report_caseload_free(r);
        return rc;
    }
    r->as_of = cairn__report_as_of(st, o);
    r->clinician = o->clinician;
    *out = r;
    return CAIRN_OK;
}

void cairn_report_caseload_free(cairn_report_caseload *r)
{
    if (r == NULL) {
        return;
    }
    if (r->rows != NULL) {
        rows_clear(r->rows);
        cairn__xlsx_measurer_free(r->rows->measured);
        cairn_caseload_rows_free(r->rows->cl);
        free(r->rows->column);
        free(r->rows);
    }
    free((void *)r->instruments);
    free(r->counts);
    free(r);
}

/* ---- the workbook ---- */

static const char *rc_text(const cairn_report_cell *c)
{
    if (!c->has_rc) {
        return c->n < 2 ? "one score" : "not judged";
    }
    return c->rc == CAIRN_RC_IMPROVED       ? "reliably improved"
           : c->rc == CAIRN_RC_DETERIORATED ? "reliably deteriorated"
                                            : "no reliable change";
}

static void header(cairn__sheet *s)
{
    static const char *const head[LIST_COLS] = {
        "Client",     "Clinician",      "Open alerts", "Most urgent alert",
        "Instrument", "Scores",         "Latest",      "Band",
        "Change",     "Reliable change"};
    for (size_t k = 0; k < LIST_COLS; k++) {
        cairn__xlsx_text(s, FIRST_ROW - 1, k, head[k], &HEAD_WRAP);
    }
}

/* The client's columns, on every row of theirs so a filter keeps them;
 * the alert is spelled out on their first row only. */
/* The `n` texts one after the other in `buf`, cut at `size` - 1 bytes as
 * snprintf cuts. */
static void join(char *buf, size_t size, const char *const *parts, size_t n)
{
    size_t used = 0;
    for (size_t i = 0; i < n && used + 1 < size; i++) {
        size_t len = strlen(parts[i]);
        len = len < size - 1 - used ? len : size - 1 - used;
        memcpy(buf + used, parts[i], len);
        used += len;
    }
    buf[used] = '\0';
}

static void client_cols(cairn__sheet *s, size_t row, const cairn_report_row *w,
                        bool first)
{
    const cairn__style *st = w->has_alert ? &ALERT : &PLAIN;
    char ack[64] = "";
    cairn__xlsx_text(s, row, 0, w->code, st);
    cairn__xlsx_text(s, row, 1, w->clinician ? w->clinician : "", &PLAIN);
    cairn__xlsx_number(s, row, 2, (double)w->n_alerts, st);
    if (first && w->n_acknowledged > 0) {
        snprintf(ack, sizeof ack, "%s%zu acknowledged, not resolved",
                 w->has_alert ? "; " : "", w->n_acknowledged);
    }
    if (w->has_alert && first) {
        /* "%s (%s): %s%s" (the list is laid out twice: no printf) */
        const char *parts[] = {
            cairn__report_alert_words(w->urgent),         " (",
            cairn_report_short_name(w->alert_instrument), "): ",
            w->alert_reason ? w->alert_reason : "",       ack};
        char text[1024];
        join(text, sizeof text, parts, sizeof parts / sizeof *parts);
        cairn__xlsx_text(s, row, 3, text, &ALERT_WRAP);
    } else if (ack[0] != '\0') {
        cairn__xlsx_text(s, row, 3, ack, &WRAP);
    }
}

static void cell_cols(cairn__sheet *s, size_t row, const cairn_report_cell *c,
                      const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_scale(inst, 0);
    size_t b = c->band ? (size_t)(c->band - sc->bands) : sc->n_bands;
    cairn__style band = {.fill = cairn__report_band_fill(sc, b), .wrap = true};
    cairn__style latest = {.fill = band.fill};
    cairn__xlsx_text(s, row, 4, cairn_report_short_name(inst), &PLAIN);
    cairn__xlsx_number(s, row, 5, (double)c->n, &PLAIN);
    cairn__xlsx_number(s, row, 6, c->latest, &latest);
    cairn__xlsx_text(s, row, 7, c->band ? c->band->label : "", &band);
    if (c->has_change) {
        cairn__xlsx_number(s, row, 8, c->change, &SIGNED);
    }
    bool worse = c->has_rc && c->rc == CAIRN_RC_DETERIORATED;
    cairn__xlsx_text(s, row, 9, rc_text(c), worse ? &ALERT_WRAP : &WRAP);
}

/* One client's rows from `row` on (its cells one per instrument of
 * `insts`); returns the next free row. */
static size_t client_rows(cairn__sheet *s, size_t row,
                          const cairn_report_row *w,
                          const cairn_instrument *const *insts, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!w->cells[i].present) {
            continue;
        }
        client_cols(s, row, w, first);
        cell_cols(s, row++, &w->cells[i], insts[i]);
        first = false;
    }
    if (first) { /* no scores yet */
        client_cols(s, row++, w, true);
    }
    return row;
}

/* The list's cells, in row order (its rows only `with_rows`); `*end`
 * receives the row after the last.  Returns CAIRN_OK or what reading a
 * row returned. */
static int list(cairn__sheet *s, const cairn_report_caseload *r,
                const char *when, bool with_rows, size_t *end, cairn_error *err)
{
    cairn__xlsx_textf(s, 0, 0, &TITLE, "Caseload%s%s", r->clinician ? ": " : "",
                      r->clinician ? r->clinician : "");
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "As of %s; made by Cairn %s. %zu active client%s, "
                      "most urgent first (risk, deterioration, not on "
                      "track, no improvement), one row per questionnaire. "
                      "Confidential.",
                      when, cairn_version(), r->n_rows,
                      r->n_rows == 1 ? "" : "s");
    header(s);
    size_t row = FIRST_ROW;
    int rc = CAIRN_OK;
    for (size_t i = 0; with_rows && rc == CAIRN_OK && i < r->n_rows; i++) {
        const cairn_report_row *w = NULL;
        rc = cairn_report_caseload_row_get(r, i, &w, err);
        if (rc == CAIRN_OK) {
            row = client_rows(s, row, w, r->instruments, r->n_instruments);
        }
    }
    cairn__xlsx_min_width(s, 3, 30);
    *end = row;
    return rc;
}

/* Written row by row, so memory does not grow with the caseload: the
 * list is measured first (its wrapped alerts and bands need the final
 * column widths to size their rows), its rows during the caseload's pass
 * (the model's measurer), then written. */
static int caseload_sheet(cairn__xlsx *x, const cairn_report_caseload *r,
                          const char *when, cairn_error *err)
{
    cairn__sheet *s = cairn__xlsx_sheet_rows(x, "Caseload");
    const cairn__sheet *m = r->rows->measured;
    size_t row = FIRST_ROW;
    cairn__xlsx_measure(s);
    int rc = list(s, r, when, false, &row, err);
    cairn__xlsx_measured_with(s, m);
    if (rc == CAIRN_OK) {
        rc = list(s, r, when, true, &row, err);
    }
    cairn__xlsx_autofilter(s, FIRST_ROW - 1, 0, row - 1, LIST_COLS - 1);
    cairn__xlsx_freeze(s, FIRST_ROW, 1);
    return rc;
}

static void summary_sheet(cairn__xlsx *x, const cairn_report_caseload *r,
                          const char *when)
{
    static const char *const head[] = {
        "Instrument",         "Reliably improved",
        "No reliable change", "Reliably deteriorated",
        "Not judged",         "Clients"};
    static const uint32_t colors[] = {0x2E8B57, 0xA6A6A6, 0xC0392B, 0xD9D9D9};
    cairn__sheet *s = cairn__xlsx_sheet(x, "Summary");
    cairn__xlsx_text(s, 0, 0, "How the caseload changed", &TITLE);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "As of %s. Reliable change from each client's first to "
                      "latest score (Jacobson-Truax); not judged: one score, "
                      "or no reliable-change parameters.",
                      when);
    for (size_t k = 0; k < 6; k++) {
        cairn__xlsx_text(s, FIRST_ROW - 1, k, head[k], &HEAD);
    }
    for (size_t i = 0; i < r->n_instruments; i++) {
        size_t row = FIRST_ROW + i, total = 0;
        cairn__xlsx_text(s, row, 0, cairn_report_short_name(r->instruments[i]),
                         &PLAIN);
        for (size_t k = 0; k < 4; k++) {
            cairn__xlsx_number(s, row, 1 + k, (double)r->counts[i][k], &PLAIN);
            total += r->counts[i][k];
        }
        cairn__xlsx_number(s, row, 5, (double)total, &PLAIN);
    }
    cairn__xlsx_freeze(s, FIRST_ROW, 0);
    if (r->n_instruments == 0) {
        return;
    }
    cairn__chart *c =
        cairn__xlsx_chart(x, CAIRN__CHART_COLUMN, "Clients by reliable change");
    for (size_t k = 0; k < 4; k++) {
        cairn__series se = {.name = head[1 + k],
                            .sheet = s,
                            .r1 = FIRST_ROW,
                            .r2 = FIRST_ROW + r->n_instruments - 1,
                            .xcol = 0,
                            .ycol = 1 + k,
                            .color = colors[k],
                            .in_legend = true};
        cairn__xlsx_chart_series(c, &se);
    }
    cairn__axis xa = {.title = "Instrument"};
    cairn__axis ya = {.title = "Clients", .has_min = true, .gridlines = true};
    cairn__xlsx_chart_axes(c, &xa, &ya);
    cairn__xlsx_chart_insert(s, FIRST_ROW + r->n_instruments + 2, 0, c, 640,
                             360);
}

int cairn_report_caseload_write(const cairn_report_caseload *r,
                                const char *path,
                                const cairn_outfile_options *output,
                                cairn_error *err)
{
    char when[64];
    cairn__report_as_of_text(when, sizeof when, r->as_of);
    cairn__xlsx_props props = cairn__report_props(
        "Caseload", "Every active client, most urgent first", r->as_of);
    props.output = output;
    cairn__xlsx *x = NULL;
    int rc = cairn__xlsx_open(&x, path, &props, err);
    if (rc < 0) {
        return rc;
    }
    rc = caseload_sheet(x, r, when, err);
    if (rc < 0) { /* a row unreadable: no workbook */
        cairn__xlsx_abort(x);
        return rc;
    }
    summary_sheet(x, r, when);
    return cairn__xlsx_close(x, err);
}
