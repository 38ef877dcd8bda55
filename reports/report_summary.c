/*
 * report_summary.c - the Summary and Sources sheets of the client
 * workbook.
 *
 * Summary: the client's details, the open alerts (first, highlighted),
 * the outcomes with one column per scale and one row per measure (so the
 * sheet prints on one page), the events and the method.  Sources: where
 * each scale's reliable-change parameters and cut-off come from.
 */
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

/* ---- details ---- */

static size_t key_value(cairn__sheet *s, size_t row, const char *key,
                        const char *value)
{
    cairn__xlsx_text(s, row, 0, key, &KEY);
    cairn__xlsx_text(s, row, 1, value ? value : "not recorded", &PLAIN);
    return row + 1;
}

static size_t key_date(cairn__sheet *s, size_t row, const char *key,
                       const char *iso)
{
    if (iso == NULL) {
        return key_value(s, row, key, NULL);
    }
    cairn__xlsx_text(s, row, 0, key, &KEY);
    cairn__xlsx_date(s, row, 1, iso, &DATE);
    return row + 1;
}

static size_t key_number(cairn__sheet *s, size_t row, const char *key, double v,
                         bool known)
{
    if (!known) {
        return key_value(s, row, key, NULL);
    }
    cairn__xlsx_text(s, row, 0, key, &KEY);
    cairn__xlsx_number(s, row, 1, v, &PLAIN);
    return row + 1;
}

static size_t details(cairn__sheet *s, size_t row, const cairn_report_client *r)
{
    const cairn_client *c = r->client;
    const cairn_assessment_list *l = r->assessments;
    const cairn_episode_list *e = r->episodes;
    const cairn_episode *ep = e->n ? &e->items[e->n - 1] : NULL;
    cairn__xlsx_text(s, row++, 0, "Client", &SECTION);
    row = key_value(s, row, "Client code", c->code);
    row = key_value(s, row, "Clinician", c->clinician);
    row = key_value(s, row, "Partner",
                    c->partner_code ? c->partner_code : "none linked");
    row = key_date(s, row, "Episode of care from", ep ? ep->started_on : NULL);
    if (ep != NULL && ep->ended_on == NULL) {
        row = key_value(s, row, "Episode of care to", "open");
    } else {
        row = key_date(s, row, "Episode of care to", ep ? ep->ended_on : NULL);
    }
    row = key_value(s, row, "Loss",
                    c->loss_kind == CAIRN_LOSS_UNKNOWN
                        ? NULL
                        : cairn_loss_kind_name(c->loss_kind));
    row = key_date(s, row, "Date of loss", c->loss_date);
    row = key_number(s, row, "Weeks of gestation", c->gestation_weeks,
                     c->gestation_weeks > 0);
    row = key_number(s, row, "Assessments", (double)l->n, true);
    row = key_date(s, row, "First assessment", l->items[0].administered_at);
    row = key_date(s, row, "Latest assessment",
                   l->items[l->n - 1].administered_at);
    return row + 1;
}

/* ---- alerts ---- */

static void alert_row(cairn__sheet *s, size_t row, const cairn_report_alert *ra,
                      bool open)
{
    const cairn_alert *a = ra->alert;
    const cairn__style *st = open ? &ALERT : &PLAIN;
    cairn__xlsx_text(s, row, 0, cairn_report_short_name(ra->instrument), st);
    cairn__xlsx_text(s, row, 1, cairn__report_alert_words(a->kind), st);
    cairn__xlsx_date(s, row, 2, a->date, open ? &ALERT_DATE : &DATE);
    cairn__xlsx_text(s, row, 3, a->key, st);
    if (open) {
        cairn__xlsx_text(s, row, 4, a->reason, &ALERT_LONG);
        return;
    }
    cairn__xlsx_textf(s, row, 4, &LONG, "%s. Acknowledged by %s on %.10s%s%s",
                      a->reason, a->state_by ? a->state_by : "unknown",
                      a->state_at ? a->state_at : "", a->state_note ? ": " : "",
                      a->state_note ? a->state_note : "");
}

static size_t alerts(cairn__sheet *s, size_t row, const cairn_report_client *r)
{
    static const char *const head[] = {"Instrument", "Alert", "Date",
                                       "Alert key", "Reason"};
    cairn__xlsx_text(s, row++, 0, "Open alerts", &SECTION);
    if (r->n_open == 0) {
        cairn__xlsx_text(s, row++, 0, "No open alerts", &GOOD);
    }
    for (size_t i = 0; i < r->n_alerts; i++, row++) {
        bool open = i < r->n_open;
        if (i == r->n_open && i > 0) {
            row++;
        }
        if (i == r->n_open) {
            cairn__xlsx_text(s, row++, 0, "Acknowledged alerts", &SECTION);
        }
        if (i == 0 || i == r->n_open) {
            for (size_t k = 0; k < 5; k++) {
                cairn__xlsx_text(s, row, k, head[k], &HEAD);
            }
            row++;
        }
        alert_row(s, row, &r->alerts[i], open);
    }
    return row + 1;
}

/* ---- outcomes: one column per scale ---- */

enum {
    M_SCORES,
    M_BASE_DATE,
    M_BASE,
    M_BASE_BAND,
    M_LAST_DATE,
    M_LAST,
    M_LAST_BAND,
    M_CHANGE,
    M_WEEKS,
    M_SLOPE,
    M_CI_LOW,
    M_CI_HIGH,
    M_RCI,
    M_RC,
    M_POINTS,
    M_SD,
    M_REL,
    M_CUTOFF,
    M_CLINICAL,
    M_EXP_LOW,
    M_EXP_HIGH,
    M_COUNT
};

static const char *const MEASURES[M_COUNT] = {
    [M_SCORES] = "Scores",
    [M_BASE_DATE] = "Baseline date",
    [M_BASE] = "Baseline",
    [M_BASE_BAND] = "Baseline band",
    [M_LAST_DATE] = "Latest date",
    [M_LAST] = "Latest",
    [M_LAST_BAND] = "Latest band",
    [M_CHANGE] = "Change",
    [M_WEEKS] = "Weeks",
    [M_SLOPE] = "Slope per week",
    [M_CI_LOW] = "Slope 95% CI low",
    [M_CI_HIGH] = "Slope 95% CI high",
    [M_RCI] = "RCI",
    [M_RC] = "Reliable change",
    [M_POINTS] = "Points that count as reliable",
    [M_SD] = "SD used",
    [M_REL] = "Reliability used",
    [M_CUTOFF] = "Cut-off",
    [M_CLINICAL] = "Clinical significance",
    [M_EXP_LOW] = "Expected at latest, 90% low",
    [M_EXP_HIGH] = "Expected at latest, 90% high",
};

static void ends(cairn__sheet *s, size_t row, size_t col, const cairn_trend *t,
                 const cairn_scale *sc)
{
    const cairn_trend_point *p[2] = {&t->baseline, &t->latest};
    for (size_t k = 0; k < 2; k++) {
        size_t r0 = row + (k ? M_LAST_DATE : M_BASE_DATE);
        size_t b = cairn__report_band_index(sc, p[k]->band);
        cairn__style band = {.fill = cairn__report_band_fill(sc, b)};
        cairn__style band_wrap = band;
        band_wrap.wrap = true;
        cairn__xlsx_date(s, r0, col, p[k]->date, &DATE);
        cairn__xlsx_number(s, r0 + 1, col, p[k]->score, &band);
        cairn__xlsx_text(s, r0 + 2, col,
                         cairn__report_band_label(sc, p[k]->band), &band_wrap);
    }
}

static void change(cairn__sheet *s, size_t row, size_t col,
                   const cairn_trend *t)
{
    bool bad = t->has_rci && t->rci.category == CAIRN_RC_DETERIORATED;
    if (t->n >= 2) {
        cairn__xlsx_number(s, row + M_CHANGE, col, t->change, &SIGNED);
        cairn__xlsx_number(s, row + M_WEEKS, col, t->weeks, &DP1);
    }
    if (t->slope.has_estimate) {
        cairn__xlsx_number(s, row + M_SLOPE, col, t->slope.estimate, &DP2);
    }
    if (t->slope.has_interval) {
        cairn__xlsx_number(s, row + M_CI_LOW, col, t->slope.ci_low, &DP2);
        cairn__xlsx_number(s, row + M_CI_HIGH, col, t->slope.ci_high, &DP2);
    }
    if (t->has_rci) {
        cairn__xlsx_number(s, row + M_RCI, col, t->rci.value, &DP2);
        cairn__xlsx_number(s, row + M_POINTS, col, t->rci.threshold_points,
                           &DP2);
        cairn__xlsx_number(s, row + M_SD, col, t->rci.sd, &PLAIN);
        cairn__xlsx_number(s, row + M_REL, col, t->rci.reliability, &PLAIN);
    }
    cairn__xlsx_text(s, row + M_RC, col, cairn__report_rc_text(t),
                     bad ? &ALERT_WRAP : &WRAP);
    if (t->has_cutoff) {
        cairn__xlsx_number(s, row + M_CUTOFF, col, t->cutoff, &PLAIN);
    }
    cairn__xlsx_text(s, row + M_CLINICAL, col, cairn__report_clinical_text(t),
                     &WRAP);
    if (t->expectation_checked) {
        cairn__xlsx_number(s, row + M_EXP_LOW, col, t->expected_low, &DP1);
        cairn__xlsx_number(s, row + M_EXP_HIGH, col, t->expected_high, &DP1);
    } else {
        cairn__xlsx_text(s, row + M_EXP_LOW, col, "not judged", &PLAIN);
    }
}

static size_t outcomes(cairn__sheet *s, size_t row,
                       const cairn_report_client *r)
{
    cairn__xlsx_text(s, row++, 0, "Outcomes", &SECTION);
    cairn__xlsx_text(s, row, 0, "Instrument", &HEAD);
    cairn__xlsx_text(s, row + 1, 0, "Scale", &KEY);
    for (size_t m = 0; m < M_COUNT; m++) {
        cairn__xlsx_text(s, row + 2 + m, 0, MEASURES[m], &KEY);
    }
    size_t col = 1;
    for (size_t i = 0; i < r->n_courses; i++) {
        const cairn_report_course *c = &r->courses[i];
        for (size_t k = 0; k < c->n_trends; k++, col++) {
            const cairn_trend *t = c->trends[k];
            const cairn_scale *sc = cairn_instrument_scale(c->instrument, k);
            cairn__xlsx_text(s, row, col,
                             cairn_report_short_name(c->instrument),
                             &HEAD_WRAP);
            cairn__xlsx_text(s, row + 1, col, sc->label, &WRAP);
            cairn__xlsx_number(s, row + 2 + M_SCORES, col, (double)t->n,
                               &PLAIN);
            if (!t->has_baseline) {
                cairn__xlsx_text(s, row + 2 + M_RC, col, "no score", &PLAIN);
                continue;
            }
            ends(s, row + 2, col, t, sc);
            change(s, row + 2, col, t);
        }
    }
    return row + 2 + M_COUNT + 1;
}

/* ---- events and method ---- */

static size_t events(cairn__sheet *s, size_t row, const cairn_event_list *ev)
{
    cairn__xlsx_text(s, row++, 0, "Events", &SECTION);
    if (ev->n == 0) {
        cairn__xlsx_text(s, row++, 0, "none recorded", &NOTE);
        return row + 1;
    }
    cairn__xlsx_text(s, row, 0, "Date", &HEAD);
    cairn__xlsx_text(s, row, 1, "Kind", &HEAD);
    cairn__xlsx_text(s, row++, 2, "Event", &HEAD);
    for (size_t i = 0; i < ev->n; i++, row++) {
        cairn__xlsx_date(s, row, 0, ev->items[i].date, &DATE);
        char kind[40];
        cairn__xlsx_text(
            s, row, 1,
            cairn__report_words(kind, sizeof kind,
                                cairn_event_kind_name(ev->items[i].kind)),
            &PLAIN);
        cairn__xlsx_text(s, row, 2, ev->items[i].label, &LONG);
    }
    return row + 1;
}

static size_t method(cairn__sheet *s, size_t row)
{
    static const char *const lines[] = {
        "Baseline is the first scored assessment; change is latest minus "
        "baseline.",
        "Slope: least-squares change per week; 95% interval with t on n-2 "
        "degrees of freedom (from 3 scores).",
        "Reliable change (Jacobson-Truax): RCI = change / (sqrt(2) x SD x "
        "sqrt(1 - reliability)); |RCI| >= 1.96 counts.",
        "Clinical significance: a case at baseline and not at latest is "
        "recovered; recovered and reliably improved is reliably recovered.",
        "Not on track: the latest score is worse than the 90% band the "
        "clinic's own growth model expects (from 3 scores, 20 clients).",
        "Where the parameters and cut-offs come from: see the Sources "
        "sheet.",
    };
    cairn__xlsx_text(s, row++, 0, "Method", &SECTION);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        cairn__xlsx_text(s, row++, 0, lines[i], &NOTE);
    }
    return row;
}

static void sources(cairn__xlsx *x, const cairn_report_client *r)
{
    static const char *const head[] = {"Instrument", "Scale", "Parameter",
                                       "Value", "Source"};
    cairn__sheet *s = cairn__xlsx_sheet(x, "Sources");
    cairn__xlsx_text(s, 0, 0, "Sources of the parameters used", &TITLE);
    for (size_t k = 0; k < 5; k++) {
        cairn__xlsx_text(s, 2, k, head[k], &HEAD);
    }
    size_t row = 3;
    for (size_t i = 0; i < r->n_courses; i++) {
        const cairn_report_course *c = &r->courses[i];
        for (size_t k = 0; k < c->n_trends; k++) {
            const cairn_trend *t = c->trends[k];
            const char *scale = cairn_instrument_scale(c->instrument, k)->id;
            const char *name = cairn_report_short_name(c->instrument);
            struct {
                bool has;
                const char *what;
                double v;
                const char *src;
            } p[3] = {
                {t->has_rci, "reliable-change SD", t->rci.sd, t->rc_source},
                {t->has_rci, "reliability", t->rci.reliability, t->rc_source},
                {t->has_cutoff, "clinical cut-off", t->cutoff,
                 t->cutoff_source}};
            for (size_t q = 0; q < 3; q++) {
                if (!p[q].has) {
                    continue;
                }
                cairn__xlsx_text(s, row, 0, name, &PLAIN);
                cairn__xlsx_text(s, row, 1, scale, &PLAIN);
                cairn__xlsx_text(s, row, 2, p[q].what, &PLAIN);
                cairn__xlsx_number(s, row, 3, p[q].v, &PLAIN);
                cairn__xlsx_text(s, row++, 4, p[q].src, &WRAP);
            }
        }
    }
    if (row == 3) {
        cairn__xlsx_text(s, row, 0,
                         "No reliable-change parameters or "
                         "cut-offs apply to these scales.",
                         &NOTE);
    }
    cairn__xlsx_min_width(s, 4, 90);
    cairn__xlsx_freeze(s, 3, 0);
}

void cairn__report_client_summary(cairn__xlsx *x, const cairn_report_client *r)
{
    char when[64];
    cairn__sheet *s = cairn__xlsx_sheet(x, "Summary");
    cairn__report_as_of_text(when, sizeof when, r->as_of);
    cairn__xlsx_textf(s, 0, 0, &TITLE, "Client report: %s", r->client->code);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "As of %s (the database's last change); made by "
                      "Cairn %s. Confidential clinical information.",
                      when, cairn_version());
    size_t row = details(s, 3, r);
    row = alerts(s, row, r);
    row = outcomes(s, row, r);
    row = events(s, row, r->events);
    method(s, row);
    cairn__xlsx_freeze(s, 2, 1);
}

void cairn__report_client_sources(cairn__xlsx *x, const cairn_report_client *r)
{
    sources(x, r);
}
