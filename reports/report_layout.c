/*
 * report_layout.c - layout shared by the workbooks: names, band colours,
 * wording of statuses, document properties, and the timeline chart.
 *
 * The timeline chart is an x-y chart on a true date axis, so scores and
 * events at any dates sit where they happened.  libxlsxwriter has no
 * combined charts, so severity bands are drawn as labelled boundary lines
 * in the band's colour, and a single score line's points are coloured by
 * their band; the cut-off is a labelled red line; each event is a marker
 * at the top of the chart with a dotted drop line and its label.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

/* Spreadsheet serial dates count from 1899-12-30. */
#define SERIAL_1970 25569.0
#define EVENT_MARGIN_DAYS 56.0
#define MAX_EVENTS 24

const char *cairn_report_short_name(const cairn_instrument *inst)
{
    if (cairn_instrument_alias_count(inst) > 0) {
        const char *a = cairn_instrument_alias(inst, 0);
        if (strlen(a) <= 12 && strchr(a, ' ') == NULL) {
            return a;
        }
    }
    return cairn_instrument_code(inst);
}

size_t cairn__report_band_index(const cairn_scale *sc, const char *band_id)
{
    size_t i = 0;
    while (band_id != NULL && i < sc->n_bands &&
           strcmp(sc->bands[i].id, band_id) != 0) {
        i++;
    }
    return band_id == NULL ? sc->n_bands : i;
}

/* Position 0 (best) to 4 (worst) of band i on a five-step palette. */
static size_t palette_step(const cairn_scale *sc, size_t i)
{
    size_t k = sc->n_bands;
    size_t pos = k <= 1 ? 0 : (i * 4 + (k - 1) / 2) / (k - 1);
    return sc->direction == CAIRN_HIGHER_IS_BETTER ? 4 - pos : pos;
}

uint32_t cairn__report_band_fill(const cairn_scale *sc, size_t i)
{
    static const uint32_t light[] = {0xC6EFCE, 0xE4F2C7, 0xFFEB9C, 0xFDD9B5,
                                     0xFFC7CE};
    return i < sc->n_bands ? light[palette_step(sc, i)] : 0;
}

uint32_t cairn__report_band_color(const cairn_scale *sc, size_t i)
{
    static const uint32_t strong[] = {0x2E8B57, 0x8DB33A, 0xD4A017, 0xE8790C,
                                      0xC0392B};
    return i < sc->n_bands ? strong[palette_step(sc, i)] : 0x7F7F7F;
}

static const char *status_words(size_t n, bool has_rci, double change,
                                bool recovered, cairn_rc_category category)
{
    if (n < 2) {
        return "one score";
    }
    if (!has_rci) {
        return change < 0 ? "lower" : change > 0 ? "higher" : "same";
    }
    if (recovered) {
        return "reliably recovered";
    }
    return category == CAIRN_RC_IMPROVED       ? "reliably improved"
           : category == CAIRN_RC_DETERIORATED ? "reliably worse"
                                               : "no reliable change";
}

const char *cairn_report_trend_status(const cairn_trend *t)
{
    return status_words(t->n, t->has_rci, t->change,
                        t->has_clinical && t->clinical.reliably_recovered,
                        t->rci.category);
}

const char *cairn_report_cell_status(const cairn_caseload_cell *c)
{
    return status_words(c->n, c->has_rci, c->change, c->reliably_recovered,
                        c->rci_category);
}

const char *cairn__report_band_label(const cairn_scale *sc, const char *band_id)
{
    size_t i = cairn__report_band_index(sc, band_id);
    return i < sc->n_bands ? sc->bands[i].label : NULL;
}

const char *cairn__report_alert_words(cairn_alert_kind kind)
{
    static const char *const words[] = {
        [CAIRN_ALERT_RISK] = "risk item endorsed",
        [CAIRN_ALERT_RISK_UNANSWERED] = "risk item not answered",
        [CAIRN_ALERT_DETERIORATION] = "reliable deterioration",
        [CAIRN_ALERT_OFF_TRACK] = "not on track",
        [CAIRN_ALERT_NO_IMPROVEMENT] = "no reliable improvement",
    };
    return (unsigned)kind < sizeof words / sizeof words[0]
               ? words[kind]
               : cairn_alert_kind_name(kind);
}

const char *cairn__report_words(char *buf, size_t size, const char *name)
{
    size_t n = 0;
    for (; name[n] != '\0' && n + 1 < size; n++) {
        buf[n] = name[n] == '_' ? ' ' : name[n];
    }
    buf[n] = '\0';
    return buf;
}

const char *cairn__report_rc_text(const cairn_trend *t)
{
    if (!t->has_baseline) {
        return "no score";
    }
    if (t->n < 2) {
        return "one score: change needs two";
    }
    if (!t->has_rci) {
        return "not judged: no reliable-change parameters";
    }
    switch (t->rci.category) {
    case CAIRN_RC_IMPROVED:
        return "reliably improved";
    case CAIRN_RC_DETERIORATED:
        return "reliably deteriorated";
    default:
        return "no reliable change";
    }
}

const char *cairn__report_clinical_text(const cairn_trend *t)
{
    if (!t->has_cutoff) {
        return "not judged: no cut-off";
    }
    if (!t->has_clinical) {
        return "one score: change needs two";
    }
    if (!t->clinical.case_at_baseline) {
        return "not a case at baseline";
    }
    if (t->clinical.reliably_recovered) {
        return "reliably recovered";
    }
    if (t->clinical.recovered) {
        return t->has_rci ? "recovered, not reliably"
                          : "recovered (reliable change not judged)";
    }
    return "still a case";
}

double cairn__report_days(const char *iso)
{
    double d = 0;
    if (iso == NULL || cairn_date_days(iso, &d, NULL) < 0) {
        return NAN;
    }
    return d;
}

void cairn__report_as_of_text(char *buf, size_t size, time_t as_of)
{
    struct tm tm;
    if (as_of == 0 || gmtime_r(&as_of, &tm) == NULL) {
        snprintf(buf, size, "an empty database");
        return;
    }
    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

cairn__xlsx_props cairn__report_props(const char *title, const char *subject,
                                      time_t as_of)
{
    return (cairn__xlsx_props){
        .title = title,
        .subject = subject,
        .keywords = "Cairn, clinical outcomes, confidential",
        .comments = "Made by Cairn from the clinic's database. Confidential "
                    "clinical information.",
        .created = as_of,
    };
}

cairn__sheet *cairn__report_data_sheet(cairn__xlsx *x, size_t *row)
{
    static const cairn__style title = {.title = true, .nofit = true};
    static const cairn__style note = {
        .italic = true, .color = CAIRN__NOTE_FONT, .nofit = true};
    cairn__sheet *d = cairn__xlsx_sheet(x, "Chart data");
    cairn__xlsx_text(d, 0, 0, "Chart data", &title);
    cairn__xlsx_text(d, 1, 0,
                     "What the charts draw besides the scores, which they "
                     "read from the other sheets: band boundaries, "
                     "cut-offs, points by band and events.",
                     &note);
    cairn__xlsx_chart_data(d);
    *row = 3;
    return d;
}

/* ---- the timeline chart ---- */

/* A band's label from its definition, with its range unless the label
 * already ends with one: "Moderately severe (15-19)", "Probable
 * depression (13 or more)". */
static void band_name(char *buf, size_t size, const cairn_band *b)
{
    const char *label = b->label != NULL ? b->label : b->id;
    size_t n = strlen(label);
    if (n > 0 && label[n - 1] == ')') {
        snprintf(buf, size, "%s", label);
    } else {
        snprintf(buf, size, "%s (%g-%g)", label, b->min, b->max);
    }
}

/* The text an event shows: its label, else its kind in words. */
static void event_text(char *buf, size_t size, const cairn_event *e,
                       const char *prefix)
{
    char kind[40];
    const char *t = e->label && e->label[0]
                        ? e->label
                        : cairn__report_words(kind, sizeof kind,
                                              cairn_event_kind_name(e->kind));
    while (*t == '=') {
        t++; /* a leading '=' would make the name a formula */
    }
    snprintf(buf, size, "%s%s", prefix ? prefix : "", t);
}

typedef struct range {
    double x0, x1; /* the axis: serial dates, or weeks since the loss */
} range;

/* Where day `day` (days since 1970) sits on the x axis. */
static double x_of(const cairn__timeline *tl, double day)
{
    return tl->weeks ? (day - tl->loss) / 7.0 : day + SERIAL_1970;
}

/* Cell (row, col) of `d`: the x of `day`, as a date or in weeks. */
static void put_x(cairn__sheet *d, size_t row, size_t col,
                  const cairn__timeline *tl, const char *iso)
{
    static const cairn__style date = {.num = CAIRN__NUM_DATE};
    static const cairn__style weeks = {.num = CAIRN__NUM_1DP};
    if (tl->weeks) {
        cairn__xlsx_number(d, row, col, x_of(tl, cairn__report_days(iso)),
                           &weeks);
    } else {
        cairn__xlsx_date(d, row, col, iso, &date);
    }
}

static range date_range(const cairn__timeline *tl)
{
    double lo = tl->first, hi = tl->last;
    for (size_t k = 0; k < 2; k++) {
        const cairn_event_list *ev = tl->events[k];
        for (size_t i = 0; ev != NULL && i < ev->n; i++) {
            double d = cairn__report_days(ev->items[i].date);
            if (d >= tl->first - EVENT_MARGIN_DAYS &&
                d <= tl->last + EVENT_MARGIN_DAYS) {
                lo = fmin(lo, d);
                hi = fmax(hi, d);
            }
        }
    }
    double span = fmax(hi - lo, 14.0);
    if (tl->weeks) {
        return (range){floor(x_of(tl, lo - 0.04 * span)),
                       ceil(x_of(tl, hi + 0.04 * span))};
    }
    return (range){floor(lo - 0.04 * span) + SERIAL_1970,
                   ceil(hi + 0.04 * span) + SERIAL_1970};
}

/* A horizontal line across the chart at `y`, labelled at `at` (0-1). */
static void level_line(cairn__chart *c, const cairn__timeline *tl,
                       cairn__sheet *d, size_t *row, range r, double y,
                       double at, const cairn__series *s)
{
    static const cairn__style date = {.num = CAIRN__NUM_DATE};
    static const cairn__style weeks = {.num = CAIRN__NUM_1DP};
    double xs[3] = {r.x0, r.x0 + at * (r.x1 - r.x0), r.x1};
    cairn__series se = *s;
    cairn__xlsx_text(d, *row, 2, s->name, NULL);
    for (size_t i = 0; i < 3; i++) {
        cairn__xlsx_number(d, *row + i, 0, xs[i], tl->weeks ? &weeks : &date);
        cairn__xlsx_number(d, *row + i, 1, y, NULL);
    }
    se.sheet = d;
    se.r1 = *row;
    se.r2 = *row + 2;
    se.xcol = 0;
    se.ycol = 1;
    se.label = CAIRN__LABEL_NAME_ABOVE;
    se.label_point = 2;
    cairn__xlsx_chart_series(c, &se);
    *row += 3;
}

static void band_lines(cairn__chart *c, const cairn__timeline *tl,
                       cairn__sheet *d, size_t *row, range r)
{
    static const cairn__style head = {.bold = true};
    const cairn_scale *sc = tl->scale;
    if (sc == NULL || sc->n_bands == 0) {
        return;
    }
    cairn__xlsx_text(d, (*row)++, 0, "Band boundaries", &head);
    for (size_t i = 0; i < sc->n_bands; i++) {
        char name[96];
        band_name(name, sizeof name, &sc->bands[i]);
        cairn__series s = {.name = name,
                           .color = cairn__report_band_color(sc, i),
                           .width = 1.0,
                           .dashed = true};
        level_line(c, tl, d, row, r, sc->bands[i].min, 0.86, &s);
    }
}

static void cutoff_line(cairn__chart *c, const cairn__timeline *tl,
                        cairn__sheet *d, size_t *row, range r)
{
    static const cairn__style head = {.bold = true};
    if (!tl->has_cutoff) {
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "cut-off %g", tl->cutoff);
    cairn__xlsx_text(d, (*row)++, 0, "Cut-off", &head);
    cairn__series s = {
        .name = name, .color = 0xC00000, .width = 1.5, .in_legend = true};
    level_line(c, tl, d, row, r, tl->cutoff, 0.10, &s);
}

static void score_lines(cairn__chart *c, const cairn__timeline *tl,
                        bool band_markers)
{
    for (size_t i = 0; i < tl->n_lines; i++) {
        const cairn__line *l = &tl->lines[i];
        if (l->n == 0) {
            continue;
        }
        cairn__series s = {.name = l->name,
                           .sheet = l->sheet,
                           .r1 = l->r1,
                           .r2 = l->r1 + l->n - 1,
                           .xcol = l->xcol,
                           .ycol = l->ycol,
                           .color = l->color,
                           .width = 2.25,
                           .marker =
                               band_markers ? CAIRN__MARKER_NONE : l->marker,
                           .in_legend = true};
        cairn__xlsx_chart_series(c, &s);
    }
}

/* The single line's points again, one series per band, in its colour. */
static void band_markers(cairn__chart *c, const cairn__timeline *tl,
                         cairn__sheet *d, size_t *row)
{
    static const cairn__style head = {.bold = true};
    const cairn_scale *sc = tl->scale;
    size_t n = tl->lines[0].n;
    cairn__xlsx_text(d, (*row)++, 0,
                     tl->weeks ? "Weeks since the loss" : "Date", &head);
    for (size_t b = 0; b < sc->n_bands; b++) {
        cairn__xlsx_text(d, *row - 1, 1 + b, sc->bands[b].id, &head);
    }
    for (size_t i = 0; i < n; i++) {
        put_x(d, *row + i, 0, tl, tl->dates[i]);
        const cairn_band *band =
            isnan(tl->scores[i]) ? NULL : cairn_scale_band(sc, tl->scores[i]);
        if (band != NULL) {
            size_t b = (size_t)(band - sc->bands);
            cairn__xlsx_number(d, *row + i, 1 + b, tl->scores[i], NULL);
        }
    }
    for (size_t b = 0; b < sc->n_bands && n > 0; b++) {
        char name[96];
        band_name(name, sizeof name, &sc->bands[b]);
        cairn__series s = {.name = name,
                           .sheet = d,
                           .r1 = *row,
                           .r2 = *row + n - 1,
                           .xcol = 0,
                           .ycol = 1 + b,
                           .color = cairn__report_band_color(sc, b),
                           .marker = CAIRN__MARKER_CIRCLE,
                           .marker_size = 8};
        cairn__xlsx_chart_series(c, &s);
    }
    *row += n;
}

static void event_marks(cairn__chart *c, const cairn__timeline *tl,
                        cairn__sheet *d, size_t *row, range r)
{
    static const cairn__style head = {.bold = true};
    size_t shown = 0;
    for (size_t k = 0; k < 2; k++) {
        const cairn_event_list *ev = tl->events[k];
        for (size_t i = 0; ev != NULL && i < ev->n && shown < MAX_EVENTS; i++) {
            double day = cairn__report_days(ev->items[i].date);
            if (!(x_of(tl, day) >= r.x0 && x_of(tl, day) <= r.x1)) {
                continue;
            }
            if (shown == 0) {
                cairn__xlsx_text(d, (*row)++, 0, "Events", &head);
            }
            char text[256];
            event_text(text, sizeof text, &ev->items[i], tl->event_prefix[k]);
            double y =
                tl->ymax - (double)(shown % 3) * 0.07 * (tl->ymax - tl->ymin);
            put_x(d, *row, 0, tl, ev->items[i].date);
            cairn__xlsx_number(d, *row, 1, y, NULL);
            cairn__xlsx_text(d, *row, 2, text, NULL);
            cairn__series s = {.name = text,
                               .sheet = d,
                               .r1 = *row,
                               .r2 = *row,
                               .xcol = 0,
                               .ycol = 1,
                               .color = 0x7F7F7F,
                               .marker = CAIRN__MARKER_TRIANGLE,
                               .marker_size = 6,
                               .drop_line = true,
                               .label = CAIRN__LABEL_NAME_RIGHT};
            cairn__xlsx_chart_series(c, &s);
            (*row)++;
            shown++;
        }
    }
}

static double major_unit(const cairn__timeline *tl, range r)
{
    double span = r.x1 - r.x0;
    if (tl->weeks) {
        return span <= 10 ? 1 : span <= 26 ? 2 : span <= 52 ? 4 : 8;
    }
    return span <= 70 ? 7 : span <= 182 ? 14 : span <= 365 ? 28 : 56;
}

cairn__chart *cairn__report_timeline(cairn__xlsx *x, const cairn__timeline *tl,
                                     const char *title, cairn__sheet *data,
                                     size_t *data_row)
{
    static const cairn__style bold = {.bold = true, .nofit = true};
    cairn__chart *c = cairn__xlsx_chart(x, CAIRN__CHART_SCATTER, title);
    if (c == NULL) {
        return NULL;
    }
    range r = date_range(tl);
    size_t row = *data_row;
    bool markers = tl->n_lines == 1 && tl->scale != NULL &&
                   tl->scale->n_bands > 0 && tl->scores != NULL;
    cairn__xlsx_text(data, row++, 0, title, &bold);
    band_lines(c, tl, data, &row, r);
    cutoff_line(c, tl, data, &row, r);
    score_lines(c, tl, markers);
    if (markers) {
        band_markers(c, tl, data, &row);
    }
    event_marks(c, tl, data, &row, r);
    cairn__axis xa = {.title = tl->weeks ? "Weeks since the loss" : "Date",
                      .has_min = true,
                      .has_max = true,
                      .min = r.x0,
                      .max = r.x1,
                      .major = major_unit(tl, r),
                      .dates = !tl->weeks};
    cairn__axis ya = {.title = tl->ytitle,
                      .has_min = true,
                      .has_max = true,
                      .min = tl->ymin,
                      .max = tl->ymax,
                      .gridlines = true};
    cairn__xlsx_chart_axes(c, &xa, &ya);
    *data_row = row + 1;
    return c;
}
