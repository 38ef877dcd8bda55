/*
 * report_caseload.c - the caseload workbook: a list of every active
 * client, most urgent first, one row per questionnaire they have scores
 * on (so it reads, filters and prints as a list, however many
 * questionnaires the clinic uses), and a summary of who improved.
 *
 * The caseload itself (which clients, their trends, alerts and states,
 * the order) is the engine's, as `cairn caseload` prints it: the compact
 * rows give the order, and each row's client in full
 * (cairn_caseload_rows_entry, one client's trends in memory at a time) is
 * summarised into small cells (latest score, band, change, reliable
 * change, the last few scores for a sparkline) and laid out.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define FIRST_ROW 4
#define LIST_COLS 10

/* ---- the model ---- */

static void fill_cell(cairn_report_cell *cell, const cairn_trend *t,
                      const cairn_scale *sc)
{
    cell->present = true;
    cell->n = t->n;
    cell->latest = t->latest.score;
    snprintf(cell->latest_date, sizeof cell->latest_date, "%.10s",
             t->latest.date);
    cell->band = cairn_scale_band(sc, t->latest.score);
    cell->has_change = t->n >= 2;
    cell->change = t->change;
    cell->has_rc = t->has_rci;
    cell->rc = t->rci.category;
    size_t k =
        t->n < CAIRN_REPORT_SPARK_POINTS ? t->n : CAIRN_REPORT_SPARK_POINTS;
    for (size_t i = 0; i < k; i++) {
        cell->points[i] = t->points[t->n - k + i].score;
    }
    cell->n_points = k;
}

/* Fill row cells (one per column: `column` maps a catalog position to
 * its column) and alerts of one client. */
static int summarise(cairn_report_row *w, const cairn_caseload_entry *e,
                     const cairn_catalog *cat, const size_t *column,
                     cairn_error *err)
{
    for (size_t i = 0; i < e->n_trends; i++) {
        const cairn_trend *t = e->trends[i];
        size_t k = 0;
        while (strcmp(cairn_instrument_code(cairn_catalog_get(cat, k)),
                      t->instrument) != 0) {
            k++;
        }
        if (t->n == 0 || column[k] == SIZE_MAX) {
            continue; /* (no score: no column) */
        }
        const cairn_instrument *inst = cairn_catalog_get(cat, k);
        cairn_report_cell *cell = &w->cells[column[k]];
        cell->points = calloc(CAIRN_REPORT_SPARK_POINTS, sizeof *cell->points);
        if (cell->points == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        fill_cell(cell, t, cairn_instrument_scale(inst, 0));
    }
    cairn_alert_list *alerts = NULL;
    int rc = cairn_alert_list_of_trends(&alerts, e->client->code, e->trends,
                                        e->n_trends, false, err);
    if (rc < 0) {
        return rc;
    }
    w->n_alerts = alerts->n_open;
    w->n_acknowledged = alerts->n_acknowledged;
    if (alerts->n_open > 0) {
        const cairn_alert_ref *top = &alerts->items[0];
        w->has_alert = true;
        w->urgent = top->alert->kind;
        cairn_catalog_find(&w->alert_instrument, cat, top->trend->instrument,
                           NULL);
        w->alert_reason = strdup(top->alert->reason);
        if (w->alert_reason == NULL) {
            cairn_alert_list_free(alerts);
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    cairn_alert_list_free(alerts);
    return CAIRN_OK;
}

static int add_row(cairn_report_caseload *r, size_t n_cat,
                   const cairn_client *c, cairn_report_row **w,
                   cairn_error *err)
{
    cairn_report_row *row = &r->rows[r->n_rows];
    memset(row, 0, sizeof *row);
    row->code = strdup(c->code);
    row->clinician = c->clinician ? strdup(c->clinician) : NULL;
    row->cells = calloc(n_cat > 0 ? n_cat : 1, sizeof *row->cells);
    r->n_rows++;
    if (row->code == NULL || row->cells == NULL ||
        (c->clinician && row->clinician == NULL)) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    *w = row;
    return CAIRN_OK;
}

/*
 * The instruments anyone has a score on, in catalog order, from the
 * compact rows (before any row is summarised, so each row keeps a cell
 * per column and not per catalog instrument): `column` maps a catalog
 * position to its column.
 */
static int columns(cairn_report_caseload *r, cairn_caseload_rows *cl,
                   const cairn_catalog *cat, size_t *column, cairn_error *err)
{
    size_t n_cat = cairn_catalog_count(cat), n = 0;
    bool *any = calloc(n_cat + 1, sizeof *any);
    r->instruments = calloc(n_cat + 1, sizeof *r->instruments);
    r->counts = calloc(n_cat + 1, sizeof *r->counts);
    if (any == NULL || r->instruments == NULL || r->counts == NULL) {
        free(any);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    /* one look at each row (they may be read back from a file) */
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < cl->n; i++) {
        const cairn_caseload_row *w = NULL;
        rc = cairn_caseload_rows_get(cl, i, &w, err);
        for (size_t j = 0; rc == CAIRN_OK && j < w->n_cells; j++) {
            const cairn_caseload_cell *c = &w->cells[j];
            for (size_t k = 0; c->n > 0 && k < n_cat; k++) {
                const cairn_instrument *in = cairn_catalog_get(cat, k);
                if (strcmp(c->instrument, cairn_instrument_code(in)) == 0) {
                    any[k] = true;
                    break;
                }
            }
        }
    }
    for (size_t k = 0; k < n_cat; k++) {
        column[k] = any[k] ? n : SIZE_MAX;
        if (any[k]) {
            r->instruments[n++] = cairn_catalog_get(cat, k);
        }
    }
    free(any);
    r->n_instruments = n;
    r->n_cells = n;
    return rc;
}

/* Count the changes per column. */
static void count(cairn_report_caseload *r)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        const cairn_report_cell *cells = r->rows[i].cells;
        for (size_t k = 0; k < r->n_instruments; k++) {
            if (cells[k].present) {
                r->counts[k][cells[k].has_rc ? cells[k].rc : 3]++;
            }
        }
    }
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
    return c;
}

/* What the walk over the caseload's full entries fills. */
typedef struct load_walk {
    cairn_report_caseload *r;
    const cairn_catalog *cat;
    size_t *column;
    cairn_error *err;
} load_walk;

/* One client's row of the report from its entry in full. */
static int load_entry(const cairn_caseload_entry *e, size_t k, void *arg)
{
    load_walk *lw = arg;
    cairn_report_row *w = NULL;
    (void)k;
    int rc = add_row(lw->r, lw->r->n_cells, e->client, &w, lw->err);
    if (rc == CAIRN_OK) {
        rc = summarise(w, e, lw->cat, lw->column, lw->err);
    }
    return rc;
}

int cairn_report_caseload_load(cairn_report_caseload **out, cairn_store *st,
                               const cairn_catalog *cat,
                               const cairn_report_options *opts,
                               cairn_error *err)
{
    cairn_report_options defaults = CAIRN_REPORT_OPTIONS_INIT;
    const cairn_report_options *o = opts ? opts : &defaults;
    cairn_caseload_options co = caseload_options(o);
    cairn_caseload_rows *cl = NULL;
    size_t *column = calloc(cairn_catalog_count(cat) + 1, sizeof *column);
    *out = NULL;
    cairn_report_caseload *r = calloc(1, sizeof *r);
    int rc = r && column ? cairn_caseload_rows_compute(&cl, st, cat, &co, err)
                         : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == CAIRN_OK) {
        rc = columns(r, cl, cat, column, err);
    }
    if (rc == CAIRN_OK) {
        r->rows = calloc(cl->n + 1, sizeof *r->rows);
        rc = r->rows ? CAIRN_OK
                     : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    /* one client's trends at a time, in the caseload's order */
    if (rc == CAIRN_OK) {
        load_walk lw = {r, cat, column, err};
        rc = cairn_caseload_rows_walk(cl, load_entry, &lw, err);
    }
    if (rc == CAIRN_OK) {
        count(r);
    }
    cairn_caseload_rows_free(cl);
    free(column);
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
    for (size_t i = 0; i < r->n_rows; i++) {
        cairn_report_row *w = &r->rows[i];
        for (size_t k = 0; w->cells != NULL && k < r->n_cells; k++) {
            free(w->cells[k].points);
        }
        free(w->cells);
        free(w->code);
        free(w->clinician);
        free(w->alert_reason);
    }
    free(r->rows);
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
        cairn__xlsx_textf(s, row, 3, &ALERT_WRAP, "%s (%s): %s%s",
                          cairn__report_alert_words(w->urgent),
                          cairn_report_short_name(w->alert_instrument),
                          w->alert_reason, ack);
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

/* One client's rows from `row` on; returns the next free row. */
static size_t client_rows(cairn__sheet *s, size_t row,
                          const cairn_report_row *w,
                          const cairn_report_caseload *r)
{
    bool first = true;
    for (size_t i = 0; i < r->n_instruments; i++) {
        if (!w->cells[i].present) {
            continue;
        }
        client_cols(s, row, w, first);
        cell_cols(s, row++, &w->cells[i], r->instruments[i]);
        first = false;
    }
    if (first) { /* no scores yet */
        client_cols(s, row++, w, true);
    }
    return row;
}

/* The list's cells, in row order; returns the row after the last. */
static size_t list(cairn__sheet *s, const cairn_report_caseload *r,
                   const char *when)
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
    for (size_t i = 0; i < r->n_rows; i++) {
        row = client_rows(s, row, &r->rows[i], r);
    }
    cairn__xlsx_min_width(s, 3, 30);
    return row;
}

/* Written row by row, so memory does not grow with the caseload: the
 * list is measured first (its wrapped alerts and bands need the final
 * column widths to size their rows), then written. */
static void caseload_sheet(cairn__xlsx *x, const cairn_report_caseload *r,
                           const char *when)
{
    cairn__sheet *s = cairn__xlsx_sheet_rows(x, "Caseload");
    cairn__xlsx_measure(s);
    list(s, r, when);
    cairn__xlsx_measured(s);
    size_t row = list(s, r, when);
    cairn__xlsx_autofilter(s, FIRST_ROW - 1, 0, row - 1, LIST_COLS - 1);
    cairn__xlsx_freeze(s, FIRST_ROW, 1);
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
    caseload_sheet(x, r, when);
    summary_sheet(x, r, when);
    return cairn__xlsx_close(x, err);
}
