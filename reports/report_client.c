/*
 * report_client.c - the client progress workbook.
 *
 * Sheets: Summary (details, open alerts first, outcomes per scale with
 * the parameters used, events, method); per instrument a sheet of dated
 * scores with a timeline chart (and a subscale chart when there are
 * subscales) and an item heat-map sheet; Chart data last.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define SCORES_ROW 4 /* first data row of an instrument sheet */
#define CHART_W 760
#define CHART_H 380

/* ---- one sheet per instrument ---- */

/* Whether the course is drawn on weeks since the loss (the trend's axis
 * is since-loss, and the loss date is known); its day in `*loss`. */
static bool loss_axis(const cairn_report_course *c,
                      const cairn_report_client *r, double *loss)
{
    *loss = cairn__report_days(r->client->loss_date);
    return c->trends[0]->axis == CAIRN_TIME_SINCE_LOSS && !isnan(*loss);
}

/* Risk flags of an assessment as "item 9 (code 1)". */
static void flags_text(char *buf, size_t size, const cairn_assessment *a)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n_flags && n < size; i++) {
        int w = snprintf(buf + n, size - n, "%sitem %d (code %d)",
                         i ? ", " : "", a->flags[i].item, a->flags[i].code);
        n += w > 0 ? (size_t)w : 0;
    }
}

static void score_header(cairn__sheet *s, const cairn_report_course *c)
{
    size_t col = 0;
    const cairn_instrument *inst = c->instrument;
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Date", &HEAD);
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Score", &HEAD);
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Band", &HEAD);
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Change from baseline", &HEAD);
    for (size_t k = 1; k < c->n_trends; k++) {
        cairn__xlsx_text(s, SCORES_ROW - 1, col++,
                         cairn_instrument_scale(inst, k)->label, &HEAD);
    }
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Items missing", &HEAD);
    cairn__xlsx_text(s, SCORES_ROW - 1, col++, "Risk flags", &HEAD);
    cairn__xlsx_text(s, SCORES_ROW - 1, col, "Assessment", &HEAD);
}

/* One row per assessment; `scores` receives the main scale (NAN: none).
 * On the since-loss axis a last column holds the weeks since the loss,
 * which the charts draw against. */
static size_t score_rows(cairn__sheet *s, const cairn_report_course *c,
                         const cairn_report_client *r, double *scores)
{
    double loss = 0;
    bool weeks = loss_axis(c, r, &loss);
    size_t wcol = 4 + (c->n_trends - 1) + 3;
    if (weeks) {
        cairn__xlsx_text(s, SCORES_ROW - 1, wcol, "Weeks since the loss",
                         &HEAD);
    }
    const cairn_trend *t = c->trends[0];
    const cairn_scale *sc = cairn_instrument_scale(c->instrument, 0);
    for (size_t i = 0; i < c->n_assessments; i++) {
        const cairn_assessment *a = c->assessments[i];
        size_t row = SCORES_ROW + i, col = 4;
        cairn__xlsx_date(s, row, 0, a->administered_at, &DATE);
        scores[i] = NAN;
        if (a->n_scales > 0 && a->scales[0].has_score) {
            size_t b = cairn__report_band_index(sc, a->scales[0].band);
            cairn__style st = {.fill = cairn__report_band_fill(sc, b)};
            scores[i] = a->scales[0].score;
            cairn__xlsx_number(s, row, 1, scores[i], &st);
            cairn__xlsx_text(s, row, 2,
                             cairn__report_band_label(sc, a->scales[0].band),
                             &st);
            cairn__xlsx_number(s, row, 3, scores[i] - t->baseline.score,
                               &SIGNED);
        }
        for (size_t k = 1; k < c->n_trends; k++, col++) {
            if (k < a->n_scales && a->scales[k].has_score) {
                cairn__xlsx_number(s, row, col, a->scales[k].score, &PLAIN);
            }
        }
        size_t missing = 0;
        for (size_t k = 0; k < a->n_items; k++) {
            missing += a->missing[k];
        }
        char flags[256];
        flags_text(flags, sizeof flags, a);
        cairn__xlsx_number(s, row, col++, (double)missing, &PLAIN);
        cairn__xlsx_text(s, row, col++, flags, a->n_flags ? &ALERT : &PLAIN);
        cairn__xlsx_number(s, row, col, (double)a->id, &PLAIN);
        if (weeks) {
            cairn__xlsx_number(
                s, row, wcol,
                (cairn__report_days(a->administered_at) - loss) / 7.0, &DP1);
        }
    }
    return wcol + weeks;
}

static void scale_note(cairn__sheet *s, const cairn_report_course *c)
{
    const cairn_scale *sc = cairn_instrument_scale(c->instrument, 0);
    const cairn_trend *t = c->trends[0];
    char cut[64] = "no cut-off";
    if (t->has_cutoff) {
        snprintf(cut, sizeof cut, "cut-off %g", t->cutoff);
    }
    cairn__xlsx_textf(
        s, 1, 0, &NOTE, "%s: range %g-%g, %s; %s. Definition version %s.",
        sc->label, sc->min, sc->max,
        sc->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                               : "higher is better",
        cut, cairn_instrument_version(c->instrument));
}

static cairn__timeline timeline_for(const cairn_report_course *c,
                                    const cairn_report_client *r,
                                    const cairn__sheet *s, const double *scores,
                                    const char **dates)
{
    const cairn_trend *t = c->trends[0];
    const cairn_scale *sc = cairn_instrument_scale(c->instrument, 0);
    double loss = 0;
    bool weeks = loss_axis(c, r, &loss);
    size_t xcol = weeks ? 4 + (c->n_trends - 1) + 3 : 0;
    cairn__timeline tl = {
        .n_lines = 1,
        .lines = {{s, SCORES_ROW, c->n_assessments, xcol, 1, sc->label,
                   0x1F3864, CAIRN__MARKER_CIRCLE}},
        .scale = sc,
        .scores = scores,
        .dates = dates,
        .has_cutoff = t->has_cutoff,
        .cutoff = t->cutoff,
        .ymin = sc->min,
        .ymax = sc->max,
        .ytitle = "Score",
        .first = cairn__report_days(c->assessments[0]->administered_at),
        .last = cairn__report_days(
            c->assessments[c->n_assessments - 1]->administered_at),
        .events = {r->events, NULL},
        .weeks = weeks,
        .loss = loss,
    };
    return tl;
}

/* The subscales on their own chart, on the same dates and events. */
static void subscale_chart(cairn__xlsx *x, cairn__sheet *s,
                           const cairn_report_course *c,
                           const cairn__timeline *main, size_t chart_col,
                           cairn__sheet *data, size_t *data_row)
{
    static const uint32_t colors[] = {0x2F75B5, 0xC55A11, 0x7030A0, 0x548235,
                                      0xBF8F00, 0x808080, 0x000000};
    cairn__timeline tl = *main;
    tl.n_lines = 0;
    tl.scale = NULL;
    tl.scores = NULL;
    tl.has_cutoff = false;
    tl.ymin = INFINITY;
    tl.ymax = -INFINITY;
    for (size_t k = 1; k < c->n_trends && tl.n_lines < 7; k++) {
        const cairn_scale *sc = cairn_instrument_scale(c->instrument, k);
        tl.lines[tl.n_lines] = (cairn__line){
            s,     SCORES_ROW, c->n_assessments,   main->lines[0].xcol,
            3 + k, sc->label,  colors[tl.n_lines], CAIRN__MARKER_CIRCLE};
        tl.n_lines++;
        tl.ymin = fmin(tl.ymin, sc->min);
        tl.ymax = fmax(tl.ymax, sc->max);
    }
    char title[160];
    snprintf(title, sizeof title, "%s subscales",
             cairn_report_short_name(c->instrument));
    cairn__chart *ch = cairn__report_timeline(x, &tl, title, data, data_row);
    cairn__xlsx_chart_insert(s, SCORES_ROW - 1 + 21, chart_col, ch, CHART_W,
                             CHART_H);
}

/* The sheet of dated scores; returns it, and its width in `ncol`. */
static cairn__sheet *instrument_sheet(cairn__xlsx *x,
                                      const cairn_report_course *c,
                                      const cairn_report_client *r,
                                      double *scores, size_t *ncol)
{
    const char *name = cairn_report_short_name(c->instrument);
    cairn__sheet *s = cairn__xlsx_sheet(x, name);
    cairn__xlsx_textf(s, 0, 0, &TITLE, "%s: %s", name,
                      cairn_instrument_name(c->instrument));
    scale_note(s, c);
    score_header(s, c);
    *ncol = score_rows(s, c, r, scores);
    cairn__xlsx_freeze(s, SCORES_ROW, 1);
    return s;
}

/* The charts of an instrument sheet, their extra series in `data`. */
static int instrument_charts(cairn__xlsx *x, const cairn_report_course *c,
                             const cairn_report_client *r, cairn__sheet *s,
                             size_t ncol, cairn__sheet *data, size_t *data_row,
                             cairn_error *err)
{
    double *scores = calloc(c->n_assessments, sizeof *scores);
    const char **dates = calloc(c->n_assessments, sizeof *dates);
    if (scores == NULL || dates == NULL) {
        free(scores);
        free((void *)dates);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n_assessments; i++) {
        const cairn_assessment *a = c->assessments[i];
        dates[i] = a->administered_at;
        scores[i] = a->n_scales > 0 && a->scales[0].has_score
                        ? a->scales[0].score
                        : NAN;
    }
    const char *name = cairn_report_short_name(c->instrument);
    cairn__timeline tl = timeline_for(c, r, s, scores, dates);
    char title[160];
    snprintf(title, sizeof title, "%s over time", name);
    cairn__chart *ch = cairn__report_timeline(x, &tl, title, data, data_row);
    cairn__xlsx_chart_insert(s, SCORES_ROW - 1, ncol + 1, ch, CHART_W, CHART_H);
    if (c->n_trends > 1) {
        subscale_chart(x, s, c, &tl, ncol + 1, data, data_row);
    }
    free(scores);
    free((void *)dates);
    return CAIRN_OK;
}

/* ---- the item heat map ---- */

static void item_range(const cairn_item *it, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t k = 0; k < it->n_options; k++) {
        *lo = fmin(*lo, it->options[k].score);
        *hi = fmax(*hi, it->options[k].score);
    }
}

static void item_row(cairn__sheet *s, size_t row, const cairn_item *it,
                     size_t pos, const cairn_report_course *c, bool better)
{
    cairn__xlsx_number(s, row, 0, it->number, &PLAIN);
    cairn__xlsx_text(s, row, 1, it->label, &PLAIN);
    for (size_t j = 0; j < c->n_assessments; j++) {
        const cairn_assessment *a = c->assessments[j];
        if (pos >= a->n_items || a->missing[pos]) {
            continue;
        }
        const cairn_option *o = cairn_item_find_option(it, a->codes[pos]);
        double v =
            it->kind == CAIRN_ITEM_CHOICE && o ? o->score : a->codes[pos];
        cairn__xlsx_number(s, row, 2 + j, v, &PLAIN);
    }
    double lo, hi;
    item_range(it, &lo, &hi);
    if (it->kind == CAIRN_ITEM_CHOICE && hi > lo && c->n_assessments > 0) {
        uint32_t good = 0x63BE7B, mid = 0xFFEB84, bad = 0xF8696B;
        cairn__xlsx_color_scale(s, row, 2, row, 1 + c->n_assessments, lo, hi,
                                better ? bad : good, mid, better ? good : bad);
    }
}

static void item_sheet(cairn__xlsx *x, const cairn_report_course *c)
{
    static const cairn__style head_date = {.header = true,
                                           .num = CAIRN__NUM_DATE};
    const cairn_instrument *inst = c->instrument;
    const cairn_scale *sc = cairn_instrument_scale(inst, 0);
    bool better = sc->direction == CAIRN_HIGHER_IS_BETTER;
    char name[40];
    snprintf(name, sizeof name, "%s items", cairn_report_short_name(inst));
    cairn__sheet *s = cairn__xlsx_sheet(x, name);
    cairn__xlsx_textf(s, 0, 0, &TITLE,
                      "%s: every item at every "
                      "administration",
                      name);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "Each cell is the item's scored response (after any "
                      "reverse keying): higher means %s. Blank: not "
                      "answered.",
                      better ? "better" : "more of the symptom");
    cairn__xlsx_text(s, 3, 0, "Item", &HEAD);
    cairn__xlsx_text(s, 3, 1, "Content", &HEAD);
    for (size_t j = 0; j < c->n_assessments; j++) {
        cairn__xlsx_date(s, 3, 2 + j, c->assessments[j]->administered_at,
                         &head_date);
    }
    size_t n = cairn_instrument_item_count(inst);
    for (size_t i = 0; i < n; i++) {
        item_row(s, 4 + i, cairn_instrument_item(inst, i), i, c, better);
    }
    cairn__xlsx_text(s, 4 + n, 1, sc->label, &KEY);
    for (size_t j = 0; j < c->n_assessments; j++) {
        const cairn_assessment *a = c->assessments[j];
        if (a->n_scales > 0 && a->scales[0].has_score) {
            cairn__xlsx_number(s, 4 + n, 2 + j, a->scales[0].score, &KEY);
        }
    }
    cairn__xlsx_freeze(s, 4, 2);
}

/* Instrument and item sheets first, then Chart data, then the charts
 * (libxlsxwriter orders sheets as they are made; a chart only needs the
 * data sheet's name, and cells may be written to any sheet until close). */
static int course_sheets(cairn__xlsx *x, const cairn_report_client *r,
                         cairn_error *err)
{
    cairn__sheet **sheets = calloc(r->n_courses + 1, sizeof *sheets);
    size_t *ncol = calloc(r->n_courses + 1, sizeof *ncol);
    double *scratch = NULL;
    int rc = sheets && ncol
                 ? CAIRN_OK
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CAIRN_OK && i < r->n_courses; i++) {
        const cairn_report_course *c = &r->courses[i];
        free(scratch);
        scratch = calloc(c->n_assessments, sizeof *scratch);
        if (scratch == NULL) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            break;
        }
        sheets[i] = instrument_sheet(x, c, r, scratch, &ncol[i]);
        item_sheet(x, c);
    }
    if (rc == CAIRN_OK) {
        cairn__report_client_sources(x, r);
    }
    size_t data_row = 0;
    cairn__sheet *data =
        rc == CAIRN_OK ? cairn__report_data_sheet(x, &data_row) : NULL;
    for (size_t i = 0; rc == CAIRN_OK && i < r->n_courses; i++) {
        rc = instrument_charts(x, &r->courses[i], r, sheets[i], ncol[i], data,
                               &data_row, err);
    }
    free(scratch);
    free(sheets);
    free(ncol);
    return rc;
}

int cairn_report_client_write(const cairn_report_client *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err)
{
    char title[128];
    snprintf(title, sizeof title, "Client report: %s", r->client->code);
    cairn__xlsx_props props = cairn__report_props(
        title, "Scores, change and alerts of one client", r->as_of);
    props.output = output;
    cairn__xlsx *x = NULL;
    int rc = cairn__xlsx_open(&x, path, &props, err);
    if (rc < 0) {
        return rc;
    }
    cairn__report_client_summary(x, r);
    rc = course_sheets(x, r, err);
    if (rc < 0) {
        cairn__xlsx_abort(x);
        return rc;
    }
    return cairn__xlsx_close(x, err);
}
