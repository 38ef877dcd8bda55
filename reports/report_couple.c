/*
 * report_couple.c - the couple workbook: a client and the linked partner
 * side by side on every instrument both have completed.
 *
 * The comparison itself (which instruments both partners share, pairs
 * within 14 days, differences, the reliable difference, divergence and
 * incongruent change) is the engine's couple view
 * (cairn_couple_view_compute), as `cairn couple` prints it; this file
 * adds the wording and the layout.
 * Grief is often incongruent between partners.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define FIRST_ROW 4
#define PAIR_COL 8
#define CHART_COL 16

/* ---- the model ---- */

/* The flag in words: the engine's reason, or why there is no flag. */
static void judge(cairn_report_shared *sh)
{
    const cairn_couple *c = sh->couple;
    sh->diverged = c->diverging || c->incongruent;
    if (sh->diverged) {
        snprintf(sh->reason, sizeof sh->reason, "%s", c->reason);
    } else if (!c->has_reliable_difference) {
        snprintf(sh->reason, sizeof sh->reason,
                 "not judged: no reliable-change parameters for %s",
                 cairn_instrument_code(sh->instrument));
    } else if (c->n_pairs == 0) {
        snprintf(sh->reason, sizeof sh->reason,
                 "not judged: no assessments within %g days of each other",
                 CAIRN_COUPLE_PAIR_DAYS);
    } else {
        const cairn_couple_pair *p = &c->pairs[c->n_pairs - 1];
        snprintf(sh->reason, sizeof sh->reason,
                 "latest scores differ by %g points, within the %.1f that "
                 "counts as a reliable difference",
                 fabs(p->difference), c->reliable_difference);
    }
}

/* The shared instruments: the engine's couple view, worded. */
static int compare(cairn_report_couple *r, cairn_error *err)
{
    const cairn_couple_view *v = r->view;
    r->shared = calloc(v->n + 1, sizeof *r->shared);
    if (r->shared == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->n; i++) {
        cairn_report_shared *sh = &r->shared[r->n_shared++];
        sh->instrument = v->shared[i].instrument;
        sh->a = v->shared[i].a;
        sh->b = v->shared[i].b;
        sh->couple = v->shared[i].couple;
        judge(sh);
    }
    if (r->n_shared == 0) {
        return cairn_error_set(err, CAIRN_ENOTFOUND,
                               "%s and %s have no scored instrument in "
                               "common",
                               v->a->code, v->b->code);
    }
    return CAIRN_OK;
}

int cairn_report_couple_load(cairn_report_couple **out, cairn_store *st,
                             const cairn_catalog *cat, const char *code,
                             const cairn_report_options *opts, cairn_error *err)
{
    cairn_report_options defaults = CAIRN_REPORT_OPTIONS_INIT;
    const cairn_report_options *o = opts ? opts : &defaults;
    cairn_couple_view_options vo = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    cairn__report_cache cache;
    memset(&cache, 0, sizeof cache);
    vo.trend.axis = o->axis;
    vo.trend.no_improvement_weeks = o->no_improvement_weeks;
    vo.overrides = o->overrides;
    vo.n_overrides = o->n_overrides;
    *out = NULL;
    cairn_report_couple *r = calloc(1, sizeof *r);
    int rc = r ? cairn_couple_view_compute(&r->view, st, cat, code, &vo, err)
               : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == CAIRN_OK) {
        rc = cairn__report_client_read(&r->a, st, cat, code, o, &cache, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__report_client_read(&r->b, st, cat, r->view->b->code, o,
                                       &cache, err);
    }
    if (rc == CAIRN_OK) {
        rc = compare(r, err);
    }
    if (rc < 0) {
        cairn_report_couple_free(r);
        return rc;
    }
    *out = r;
    return CAIRN_OK;
}

void cairn_report_couple_free(cairn_report_couple *r)
{
    if (r == NULL) {
        return;
    }
    free(r->shared);
    cairn_couple_view_free(r->view);
    cairn_report_client_free(r->a);
    cairn_report_client_free(r->b);
    free(r);
}

/* ---- the workbook: Summary ---- */

static size_t partners(cairn__sheet *s, size_t row,
                       const cairn_report_couple *r)
{
    const cairn_client *c[2] = {r->a->client, r->b->client};
    static const char *const keys[] = {"Client code", "Clinician", "Loss",
                                       "Date of loss", "Weeks of gestation"};
    cairn__xlsx_text(s, row++, 0, "Partners", &SECTION);
    for (size_t k = 0; k < 5; k++) {
        cairn__xlsx_text(s, row + k, 0, keys[k], &KEY);
    }
    for (size_t p = 0; p < 2; p++) {
        size_t col = 1 + p;
        cairn__xlsx_text(s, row, col, c[p]->code, &KEY);
        cairn__xlsx_text(s, row + 1, col,
                         c[p]->clinician ? c[p]->clinician : "not recorded",
                         &PLAIN);
        cairn__xlsx_text(s, row + 2, col,
                         c[p]->loss_kind == CAIRN_LOSS_UNKNOWN
                             ? "not recorded"
                             : cairn_loss_kind_name(c[p]->loss_kind),
                         &PLAIN);
        if (c[p]->loss_date != NULL) {
            cairn__xlsx_date(s, row + 3, col, c[p]->loss_date, &DATE);
        } else {
            cairn__xlsx_text(s, row + 3, col, "not recorded", &PLAIN);
        }
        if (c[p]->gestation_weeks > 0) {
            cairn__xlsx_number(s, row + 4, col, c[p]->gestation_weeks, &PLAIN);
        }
    }
    return row + 6;
}

static void partner_cells(cairn__sheet *s, size_t row, size_t col,
                          const cairn_trend *t)
{
    cairn__xlsx_number(s, row, col, (double)t->n, &PLAIN);
    cairn__xlsx_number(s, row, col + 1, t->baseline.score, &PLAIN);
    cairn__xlsx_number(s, row, col + 2, t->latest.score, &PLAIN);
    if (t->n >= 2) {
        cairn__xlsx_number(s, row, col + 3, t->change, &SIGNED);
    }
    cairn__xlsx_text(s, row, col + 4, cairn__report_rc_text(t),
                     t->has_rci && t->rci.category == CAIRN_RC_DETERIORATED
                         ? &ALERT
                         : &PLAIN);
}

static size_t shared_table(cairn__sheet *s, size_t row,
                           const cairn_report_couple *r)
{
    static const char *const part[] = {"scores", "baseline", "latest", "change",
                                       "reliable change"};
    cairn__xlsx_text(s, row++, 0, "Shared instruments", &SECTION);
    cairn__xlsx_text(s, row, 0, "Instrument", &HEAD);
    for (size_t p = 0; p < 2; p++) {
        const char *code = p ? r->b->client->code : r->a->client->code;
        for (size_t k = 0; k < 5; k++) {
            cairn__xlsx_textf(s, row, 1 + 5 * p + k, &HEAD, "%s %s", code,
                              part[k]);
        }
    }
    cairn__xlsx_text(s, row, 11, "Pairs", &HEAD);
    cairn__xlsx_textf(s, row, 12, &HEAD, "Latest difference (%s - %s)",
                      r->a->client->code, r->b->client->code);
    cairn__xlsx_text(s, row, 13, "Reliable difference (points)", &HEAD);
    cairn__xlsx_text(s, row, 14, "Diverged", &HEAD);
    cairn__xlsx_text(s, row++, 15, "Why", &HEAD);
    for (size_t i = 0; i < r->n_shared; i++, row++) {
        const cairn_report_shared *sh = &r->shared[i];
        cairn__xlsx_text(s, row, 0, cairn_report_short_name(sh->instrument),
                         &KEY);
        partner_cells(s, row, 1, sh->a);
        partner_cells(s, row, 6, sh->b);
        const cairn_couple *c = sh->couple;
        cairn__xlsx_number(s, row, 11, (double)c->n_pairs, &PLAIN);
        if (c->n_pairs > 0) {
            cairn__xlsx_number(s, row, 12, c->pairs[c->n_pairs - 1].difference,
                               &SIGNED);
        }
        if (c->has_reliable_difference) {
            cairn__xlsx_number(s, row, 13, c->reliable_difference, &DP1);
        }
        cairn__xlsx_text(s, row, 14,
                         sh->diverged ? "yes"
                         : c->diverging_judged && c->incongruent_judged
                             ? "no"
                             : "not judged",
                         sh->diverged ? &ALERT : &PLAIN);
        cairn__xlsx_text(s, row, 15, sh->reason,
                         sh->diverged ? &ALERT_WRAP : &WRAP);
    }
    return row + 1;
}

static size_t couple_alerts(cairn__sheet *s, size_t row,
                            const cairn_report_couple *r)
{
    const cairn_report_client *p[2] = {r->a, r->b};
    cairn__xlsx_text(s, row++, 0, "Open alerts", &SECTION);
    if (r->a->n_open + r->b->n_open == 0) {
        cairn__xlsx_text(s, row++, 0, "No open alerts", &PLAIN);
        return row + 1;
    }
    static const char *const head[] = {"Client", "Instrument", "Alert", "Date",
                                       "Reason"};
    for (size_t k = 0; k < 5; k++) {
        cairn__xlsx_text(s, row, k, head[k], &HEAD);
    }
    row++;
    for (size_t q = 0; q < 2; q++) {
        for (size_t i = 0; i < p[q]->n_open; i++, row++) {
            const cairn_alert *a = p[q]->alerts[i].alert;
            cairn__xlsx_text(s, row, 0, p[q]->client->code, &ALERT);
            cairn__xlsx_text(
                s, row, 1, cairn_report_short_name(p[q]->alerts[i].instrument),
                &ALERT);
            cairn__xlsx_text(s, row, 2, cairn__report_alert_words(a->kind),
                             &ALERT);
            cairn__xlsx_date(s, row, 3, a->date, &ALERT_DATE);
            cairn__xlsx_text(s, row, 4, a->reason, &ALERT_WRAP);
        }
    }
    return row + 1;
}

static void summary(cairn__xlsx *x, const cairn_report_couple *r)
{
    char when[64];
    cairn__sheet *s = cairn__xlsx_sheet(x, "Summary");
    cairn__report_as_of_text(when, sizeof when, r->a->as_of);
    cairn__xlsx_textf(s, 0, 0, &TITLE, "Couple report: %s and %s",
                      r->a->client->code, r->b->client->code);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "As of %s; made by Cairn %s. Pairs are assessments "
                      "within %g days of each other. Confidential.",
                      when, cairn_version(), CAIRN_COUPLE_PAIR_DAYS);
    size_t row = partners(s, 3, r);
    row = couple_alerts(s, row, r);
    shared_table(s, row, r);
    cairn__xlsx_freeze(s, 2, 0);
}

/* ---- one sheet per shared instrument ---- */

/* Whether the couple's charts are drawn on weeks since the loss: both
 * trends on that axis and one loss date for both (else dates); its day
 * in `*loss`. */
static bool loss_axis(const cairn_report_couple *r,
                      const cairn_report_shared *sh, double *loss)
{
    const char *la = r->a->client->loss_date, *lb = r->b->client->loss_date;
    *loss = cairn__report_days(la);
    return sh->a->axis == CAIRN_TIME_SINCE_LOSS &&
           sh->b->axis == CAIRN_TIME_SINCE_LOSS && la != NULL && lb != NULL &&
           strncmp(la, lb, 10) == 0 && !isnan(*loss);
}

/* On the since-loss axis, the column after a partner's band holds the
 * weeks since the loss that the chart draws against. */
static void partner_weeks(cairn__sheet *s, size_t col, const char *code,
                          const cairn_trend *t, double loss)
{
    cairn__xlsx_textf(s, FIRST_ROW - 1, col, &HEAD, "%s weeks since the loss",
                      code);
    for (size_t i = 0; i < t->n; i++) {
        cairn__xlsx_number(s, FIRST_ROW + i, col,
                           (cairn__report_days(t->points[i].date) - loss) / 7.0,
                           &DP1);
    }
}

static void partner_block(cairn__sheet *s, size_t col, const char *code,
                          const cairn_trend *t, const cairn_scale *sc)
{
    cairn__xlsx_textf(s, FIRST_ROW - 1, col, &HEAD, "%s date", code);
    cairn__xlsx_textf(s, FIRST_ROW - 1, col + 1, &HEAD, "%s score", code);
    cairn__xlsx_textf(s, FIRST_ROW - 1, col + 2, &HEAD, "%s band", code);
    for (size_t i = 0; i < t->n; i++) {
        const cairn_trend_point *p = &t->points[i];
        size_t b = cairn__report_band_index(sc, p->band);
        cairn__style st = {.fill = cairn__report_band_fill(sc, b)};
        cairn__xlsx_date(s, FIRST_ROW + i, col, p->date, &DATE);
        cairn__xlsx_number(s, FIRST_ROW + i, col + 1, p->score, &st);
        cairn__xlsx_text(s, FIRST_ROW + i, col + 2,
                         cairn__report_band_label(sc, p->band), &st);
    }
}

static void pair_block(cairn__sheet *s, const cairn_report_shared *sh,
                       const char *ca, const char *cb)
{
    size_t c = PAIR_COL;
    cairn__xlsx_textf(s, FIRST_ROW - 1, c, &HEAD, "%s date", ca);
    cairn__xlsx_textf(s, FIRST_ROW - 1, c + 1, &HEAD, "%s score", ca);
    cairn__xlsx_textf(s, FIRST_ROW - 1, c + 2, &HEAD, "%s date", cb);
    cairn__xlsx_textf(s, FIRST_ROW - 1, c + 3, &HEAD, "%s score", cb);
    cairn__xlsx_textf(s, FIRST_ROW - 1, c + 4, &HEAD, "Difference (%s - %s)",
                      ca, cb);
    cairn__xlsx_text(s, FIRST_ROW - 1, c + 5, "Days apart", &HEAD);
    cairn__xlsx_text(s, FIRST_ROW - 1, c + 6, "Beyond a reliable difference",
                     &HEAD);
    const cairn_couple *cp = sh->couple;
    for (size_t i = 0; i < cp->n_pairs; i++) {
        const cairn_couple_pair *p = &cp->pairs[i];
        size_t row = FIRST_ROW + i;
        cairn__xlsx_date(s, row, c, p->a->date, &DATE);
        cairn__xlsx_number(s, row, c + 1, p->a->score, &PLAIN);
        cairn__xlsx_date(s, row, c + 2, p->b->date, &DATE);
        cairn__xlsx_number(s, row, c + 3, p->b->score, &PLAIN);
        cairn__xlsx_number(s, row, c + 4, p->difference,
                           p->diverges
                               ? &(cairn__style){.num = CAIRN__NUM_SIGNED,
                                                 .fill = CAIRN__ALERT_FILL,
                                                 .color = CAIRN__ALERT_FONT,
                                                 .bold = true}
                               : &SIGNED);
        cairn__xlsx_number(s, row, c + 5, p->days_apart, &DP1);
        cairn__xlsx_text(s, row, c + 6,
                         !cp->has_reliable_difference ? "not judged"
                         : p->diverges                ? "yes"
                                                      : "no",
                         p->diverges ? &ALERT : &PLAIN);
    }
}

static cairn__sheet *shared_sheet(cairn__xlsx *x, const cairn_report_couple *r,
                                  const cairn_report_shared *sh)
{
    const char *name = cairn_report_short_name(sh->instrument);
    const cairn_scale *sc = cairn_instrument_scale(sh->instrument, 0);
    const char *ca = r->a->client->code, *cb = r->b->client->code;
    cairn__sheet *s = cairn__xlsx_sheet(x, name);
    cairn__xlsx_textf(s, 0, 0, &TITLE, "%s: %s and %s", name, ca, cb);
    cairn__xlsx_textf(s, 1, 0, &NOTE, "%s. %s%s", sc->label,
                      sh->diverged ? "DIVERGED: " : "", sh->reason);
    partner_block(s, 0, ca, sh->a, sc);
    partner_block(s, 4, cb, sh->b, sc);
    double loss = 0;
    if (loss_axis(r, sh, &loss)) {
        partner_weeks(s, 3, ca, sh->a, loss);
        partner_weeks(s, 7, cb, sh->b, loss);
    }
    pair_block(s, sh, ca, cb);
    cairn__xlsx_freeze(s, FIRST_ROW, 0);
    return s;
}

static void shared_chart(cairn__xlsx *x, const cairn_report_couple *r,
                         const cairn_report_shared *sh, cairn__sheet *s,
                         cairn__sheet *data, size_t *data_row)
{
    const cairn_scale *sc = cairn_instrument_scale(sh->instrument, 0);
    const char *ca = r->a->client->code, *cb = r->b->client->code;
    char pa[80], pb[80], title[160];
    snprintf(pa, sizeof pa, "%s: ", ca);
    snprintf(pb, sizeof pb, "%s: ", cb);
    const cairn_trend *t = sh->a->has_cutoff ? sh->a : sh->b;
    double loss = 0;
    bool weeks = loss_axis(r, sh, &loss);
    cairn__timeline tl = {
        .n_lines = 2,
        .lines = {{s, FIRST_ROW, sh->a->n, weeks ? 3 : 0, 1, ca, 0x2F75B5,
                   CAIRN__MARKER_CIRCLE},
                  {s, FIRST_ROW, sh->b->n, weeks ? 7 : 4, 5, cb, 0xC55A11,
                   CAIRN__MARKER_SQUARE}},
        .weeks = weeks,
        .loss = loss,
        .scale = sc,
        .has_cutoff = t->has_cutoff,
        .cutoff = t->cutoff,
        .ymin = sc->min,
        .ymax = sc->max,
        .ytitle = "Score",
        .first = fmin(cairn__report_days(sh->a->points[0].date),
                      cairn__report_days(sh->b->points[0].date)),
        .last = fmax(cairn__report_days(sh->a->points[sh->a->n - 1].date),
                     cairn__report_days(sh->b->points[sh->b->n - 1].date)),
        .events = {r->a->events, r->b->events},
        .event_prefix = {pa, pb},
    };
    snprintf(title, sizeof title, "%s: %s and %s",
             cairn_report_short_name(sh->instrument), ca, cb);
    cairn__chart *c = cairn__report_timeline(x, &tl, title, data, data_row);
    cairn__xlsx_chart_insert(s, FIRST_ROW - 1, CHART_COL, c, 760, 400);
}

int cairn_report_couple_write(const cairn_report_couple *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err)
{
    char title[160];
    snprintf(title, sizeof title, "Couple report: %s and %s",
             r->a->client->code, r->b->client->code);
    cairn__xlsx_props props = cairn__report_props(
        title, "Two partners' scores side by side", r->a->as_of);
    props.output = output;
    cairn__xlsx *x = NULL;
    int rc = cairn__xlsx_open(&x, path, &props, err);
    if (rc < 0) {
        return rc;
    }
    cairn__sheet **sheets = calloc(r->n_shared + 1, sizeof *sheets);
    if (sheets == NULL) {
        cairn__xlsx_abort(x);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    summary(x, r);
    for (size_t i = 0; i < r->n_shared; i++) {
        sheets[i] = shared_sheet(x, r, &r->shared[i]);
    }
    size_t data_row = 0;
    cairn__sheet *data = cairn__report_data_sheet(x, &data_row);
    for (size_t i = 0; i < r->n_shared; i++) {
        shared_chart(x, r, &r->shared[i], sheets[i], data, &data_row);
    }
    free(sheets);
    return cairn__xlsx_close(x, err);
}
