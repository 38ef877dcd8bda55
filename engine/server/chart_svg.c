/*
 * chart_svg.c - a questionnaire's scores over time as inline SVG, with
 * the bands, the cut-off, the expected course and the timeline on one
 * axis, and everything the picture shows again as text and a table.
 *
 * The SVG uses presentation attributes only (the server's CSP allows no
 * inline style) and ids prefixed with the chart's id, so several charts
 * share a page.  Positions are computed in days: since 1970 on the
 * calendar axis, since the loss on the since-loss axis (labelled in
 * weeks).  The numbers drawn are the engine's (the trend's points, the
 * growth model's band from cairn_expectation_band); nothing is computed
 * here but where to draw them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_svg.h"

/* The drawing, in SVG user units. */
#define W 760.0
#define H 400.0
#define LEFT 52.0
#define RIGHT 214.0 /* band labels */
#define TOP 34.0    /* marker numbers */
#define BOTTOM 44.0 /* x tick labels */

static const char *const tints[] = {"#f3f6f1", "#eaf0f7", "#f7f1e6",
                                    "#f5e9e9", "#eee8f4", "#e7f2f2"};
#define N_TINTS (sizeof tints / sizeof tints[0])

const char *srv_event_words(cairn_event_kind kind)
{
    static const char *const words[CAIRN_EVENT_KIND_COUNT] = {
        [CAIRN_EVENT_INTERVENTION_START] = "intervention started",
        [CAIRN_EVENT_INTERVENTION_CHANGE] = "intervention changed",
        [CAIRN_EVENT_SESSION] = "session",
        [CAIRN_EVENT_DUE_DATE] = "due date",
        [CAIRN_EVENT_ANNIVERSARY] = "anniversary of the loss",
        [CAIRN_EVENT_PREGNANCY] = "new pregnancy",
        [CAIRN_EVENT_LIFE_EVENT] = "life event",
        [CAIRN_EVENT_OTHER] = "other event",
    };
    return (unsigned)kind < CAIRN_EVENT_KIND_COUNT ? words[kind] : "event";
}

const char *srv_band_words(const cairn_scale *sc, const char *id)
{
    for (size_t i = 0; sc != NULL && id != NULL && i < sc->n_bands; i++) {
        if (strcmp(sc->bands[i].id, id) == 0) {
            return sc->bands[i].label;
        }
    }
    return id;
}

/* ------------------------------------------------------------------ */
/* Geometry                                                            */

/* A timeline marker on the chart, numbered in date order. */
typedef struct mark {
    const cairn_event *e;
    size_t series, index; /* whose, and where in their list */
    double x;             /* days */
} mark;

typedef struct geo {
    const srv_chart *ch;
    bool since_loss; /* the axis actually used */
    double loss;     /* days of the loss */
    double x0, x1;   /* days */
    double y0, y1;   /* score range */
    mark *marks;     /* the markers on the chart, by date */
    size_t n_marks;
} geo;

/* A date on the chart's axis, in days; false if it is not a date. */
static bool x_of(const geo *g, const char *date, double *x)
{
    double d = 0;
    if (date == NULL || cairn_date_days(date, &d, NULL) < 0) {
        return false;
    }
    *x = g->since_loss ? floor(d) - g->loss : floor(d);
    return true;
}

static double px(const geo *g, double x)
{
    return LEFT + (x - g->x0) / (g->x1 - g->x0) * (W - LEFT - RIGHT);
}

static double py(const geo *g, double y)
{
    return H - BOTTOM - (y - g->y0) / (g->y1 - g->y0) * (H - TOP - BOTTOM);
}

/* Whether event `e` lies on the chart: from the first score on, up to
 * the later of the last score and today. */
static bool on_chart(const geo *g, const cairn_event *e, double *x)
{
    return x_of(g, e->date, x) && *x >= g->x0 && *x <= g->x1;
}

static void extend(double *lo, double *hi, double v, bool *any)
{
    if (!*any || v < *lo) {
        *lo = v;
    }
    if (!*any || v > *hi) {
        *hi = v;
    }
    *any = true;
}

static void geometry(geo *g, const srv_chart *ch)
{
    bool any = false;
    double last = 0, t = 0;
    memset(g, 0, sizeof *g);
    g->ch = ch;
    g->since_loss = ch->since_loss && ch->loss_date != NULL &&
                    cairn_date_days(ch->loss_date, &g->loss, NULL) == 0;
    g->loss = floor(g->loss);
    for (size_t s = 0; s < ch->n_series; s++) {
        const cairn_trend *tr = ch->series[s].trend;
        for (size_t i = 0; tr != NULL && i < tr->n; i++) {
            double x = 0;
            if (x_of(g, tr->points[i].date, &x)) {
                extend(&g->x0, &g->x1, x, &any);
            }
        }
    }
    last = g->x1;
    if (any && ch->today != NULL && x_of(g, ch->today, &t) && t > last) {
        last = t;
    }
    /* markers up to today (a due date ahead is not drawn) */
    for (size_t s = 0; any && s < ch->n_series; s++) {
        const cairn_event_list *ev = ch->series[s].events;
        for (size_t i = 0; ev != NULL && i < ev->n; i++) {
            double x = 0;
            if (x_of(g, ev->items[i].date, &x) && x >= g->x0 && x <= last) {
                extend(&g->x0, &g->x1, x, &any);
            }
        }
    }
    if (!any) {
        g->x0 = 0;
        g->x1 = 1;
    }
    if (g->x1 - g->x0 < 28) {
        double mid = (g->x0 + g->x1) / 2;
        g->x0 = mid - 14;
        g->x1 = mid + 14;
    } else {
        double pad = (g->x1 - g->x0) * 0.03;
        g->x0 -= pad;
        g->x1 += pad;
    }
    g->y0 = ch->scale->min;
    g->y1 =
        ch->scale->max > ch->scale->min ? ch->scale->max : ch->scale->min + 1;
}

/* ------------------------------------------------------------------ */
/* The picture                                                         */

/* One pattern per band: a tint, and lines or dots over it. */
static void band_pattern(srv_buf *b, const char *id, size_t i)
{
    static const char *const marks[] = {
        "",
        "<path d=\"M0 8L8 0\" stroke=\"#8c8c8c\" stroke-width=\"1\"/>",
        "<circle cx=\"4\" cy=\"4\" r=\"1.1\" fill=\"#8c8c8c\"/>",
        "<path d=\"M0 4H8\" stroke=\"#8c8c8c\" stroke-width=\"1\"/>",
        "<path d=\"M0 0L8 8M0 8L8 0\" stroke=\"#8c8c8c\" "
        "stroke-width=\"0.8\"/>",
        "<path d=\"M4 0V8\" stroke=\"#8c8c8c\" stroke-width=\"1\"/>",
    };
    srv_printf(b, "<pattern id=\"%s-band%zu\" width=\"8\" height=\"8\" ", id,
               i);
    srv_printf(b,
               "patternUnits=\"userSpaceOnUse\"><rect width=\"8\" "
               "height=\"8\" fill=\"%s\"/>",
               tints[i % N_TINTS]);
    srv_put(b, marks[i % (sizeof marks / sizeof marks[0])]);
    srv_put(b, "</pattern>\n");
}

/* A band's label in the right margin, wrapped at about 30 characters. */
static void band_label(srv_buf *b, const char *label, double x, double y)
{
    char line[64];
    size_t n_lines = 0, len = strlen(label);
    const char *p = label;
    srv_printf(b,
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
               "fill=\"#1b1b1b\">",
               x, y);
    while (*p != '\0' && n_lines < 3) {
        size_t take = strlen(p);
        if (take > 30) {
            take = 30;
            while (take > 10 && p[take] != ' ') {
                take--;
            }
        }
        snprintf(line, sizeof line, "%.*s", (int)take, p);
        srv_printf(b, "<tspan x=\"%.1f\" dy=\"%s\">", x,
                   n_lines == 0 ? (len > 30 ? "-0.3em" : "0.35em") : "1.15em");
        srv_esc(b, line);
        srv_put(b, "</tspan>");
        p += take;
        while (*p == ' ') {
            p++;
        }
        n_lines++;
    }
    srv_put(b, "</text>\n");
}

static void bands(srv_buf *b, const geo *g)
{
    const cairn_scale *sc = g->ch->scale;
    for (size_t i = 0; i < sc->n_bands; i++) {
        double lo = sc->bands[i].min;
        double hi = i + 1 < sc->n_bands ? sc->bands[i + 1].min : sc->max;
        lo = lo < g->y0 ? g->y0 : lo;
        hi = hi > g->y1 ? g->y1 : hi;
        if (hi <= lo) {
            continue;
        }
        srv_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" ", LEFT,
                   py(g, hi), W - LEFT - RIGHT);
        srv_printf(b, "height=\"%.1f\" fill=\"url(#%s-band%zu)\"/>\n",
                   py(g, lo) - py(g, hi), g->ch->id, i);
        band_label(b, sc->bands[i].label, W - RIGHT + 8,
                   (py(g, lo) + py(g, hi)) / 2);
    }
}

static double nice_step(double range, double target)
{
    static const double steps[] = {1, 2, 5, 10, 20, 25, 50, 100};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (range / steps[i] <= target) {
            return steps[i];
        }
    }
    return 200;
}

static void y_axis(srv_buf *b, const geo *g)
{
    double step = nice_step(g->y1 - g->y0, 8);
    for (double v = ceil(g->y0 / step) * step; v <= g->y1 + 1e-9; v += step) {
        srv_printf(b,
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#6b6b6b\"/>",
                   LEFT - 5, LEFT, py(g, v), py(g, v));
        srv_printf(b,
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                   "text-anchor=\"end\" fill=\"#1b1b1b\">%g</text>\n",
                   LEFT - 8, py(g, v) + 4, v);
    }
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void x_tick(srv_buf *b, const geo *g, double x, const char *label)
{
    double p = px(g, x);
    srv_printf(b,
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#6b6b6b\"/>",
               p, p, H - BOTTOM, H - BOTTOM + 5);
    srv_printf(b,
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
               "text-anchor=\"middle\" fill=\"#1b1b1b\">%s</text>\n",
               p, H - BOTTOM + 19, label);
}

/* Calendar ticks on the first of a month (every 1, 2, 3 or 6 months). */
static void x_months(srv_buf *b, const geo *g)
{
    double span = (g->x1 - g->x0) / 30.44;
    int every = span <= 8 ? 1 : span <= 16 ? 2 : span <= 24 ? 3 : 6;
    int64_t d = (int64_t)floor(g->x0);
    /* the month of x0, by walking from 1970 in years and months */
    int y = 1970 + (int)(d / 366), m = 1;
    while (cairn_date_days_from_civil(y + 1, 1, 1) <= d) {
        y++;
    }
    while (m < 12 && cairn_date_days_from_civil(y, m + 1, 1) <= d) {
        m++;
    }
    for (int k = 0; k < 120; k++) {
        double x = (double)cairn_date_days_from_civil(y, m, 1);
        if (x > g->x1) {
            break;
        }
        if (x >= g->x0 && (m - 1) % every == 0) {
            char label[16];
            snprintf(label, sizeof label, "%s %d", months[m - 1], y);
            x_tick(b, g, x, label);
        }
        m = m == 12 ? 1 : m + 1;
        y += m == 1;
    }
}

static void x_weeks(srv_buf *b, const geo *g)
{
    double weeks = (g->x1 - g->x0) / 7;
    double step = weeks <= 10 ? 1 : weeks <= 20 ? 2 : weeks <= 40 ? 4 : 8;
    step = weeks > 80 ? 13 : step;
    step = weeks > 160 ? 26 : step;
    for (double w = ceil(g->x0 / 7 / step) * step; w * 7 <= g->x1; w += step) {
        char label[24];
        snprintf(label, sizeof label, "week %.0f", w);
        x_tick(b, g, w * 7, label);
    }
}

static void cutoff_line(srv_buf *b, const geo *g, const cairn_trend *t)
{
    if (t == NULL || !t->has_cutoff || t->cutoff < g->y0 || t->cutoff > g->y1) {
        return;
    }
    double y = py(g, t->cutoff);
    srv_printf(b,
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#8a1c1c\" stroke-width=\"2\" "
               "stroke-dasharray=\"10 5\"/>\n",
               LEFT, W - RIGHT, y, y);
    srv_printf(b,
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
               "fill=\"#8a1c1c\">cut-off %g</text>\n",
               LEFT + 4, y - 5, t->cutoff);
}

/* The central 90% of the clinic's clients with the same first score,
 * from the growth model, from the first score to the last. */
static void expected_band(srv_buf *b, const geo *g, const srv_chart_series *s)
{
    const cairn_trend *t = s->trend;
    double x0 = 0, lo[41], hi[41], xs[41], mean = 0;
    if (s->expect == NULL || !s->expect->available || t == NULL || t->n < 1 ||
        !x_of(g, t->baseline.date, &x0)) {
        return;
    }
    double weeks = t->weeks > 1 ? t->weeks : 1;
    for (int k = 0; k <= 40; k++) {
        double w = weeks * k / 40;
        if (!cairn_expectation_band(s->expect, t->baseline.score, w, &mean,
                                    &lo[k], &hi[k])) {
            return;
        }
        lo[k] = fmax(g->y0, fmin(g->y1, lo[k]));
        hi[k] = fmax(g->y0, fmin(g->y1, hi[k]));
        xs[k] = x0 + 7 * w;
    }
    srv_put(b, "<polygon fill=\"#1d5d90\" fill-opacity=\"0.16\" "
               "stroke=\"#1d5d90\" stroke-width=\"1\" "
               "stroke-dasharray=\"2 3\" points=\"");
    for (int k = 0; k <= 40; k++) {
        srv_printf(b, "%.1f,%.1f ", px(g, xs[k]), py(g, hi[k]));
    }
    for (int k = 40; k >= 0; k--) {
        srv_printf(b, "%.1f,%.1f ", px(g, xs[k]), py(g, lo[k]));
    }
    srv_put(b, "\"/>\n");
}

static int by_date(const void *pa, const void *pb)
{
    const mark *a = pa, *b = pb;
    if (a->x != b->x) {
        return a->x < b->x ? -1 : 1;
    }
    if (a->series != b->series) {
        return a->series < b->series ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Every series' markers on the chart, in date order (partners' events
 * interleaved), so numbers that share a place on the axis are
 * consecutive.  False when memory ran out. */
static bool collect_marks(geo *g)
{
    size_t n = 0;
    for (size_t s = 0; s < g->ch->n_series; s++) {
        const cairn_event_list *ev = g->ch->series[s].events;
        n += ev != NULL ? ev->n : 0;
    }
    g->marks = n > 0 ? malloc(n * sizeof *g->marks) : NULL;
    if (n > 0 && g->marks == NULL) {
        return false;
    }
    for (size_t s = 0; s < g->ch->n_series; s++) {
        const cairn_event_list *ev = g->ch->series[s].events;
        for (size_t i = 0; ev != NULL && i < ev->n; i++) {
            double x = 0;
            if (on_chart(g, &ev->items[i], &x)) {
                g->marks[g->n_marks++] = (mark){&ev->items[i], s, i, x};
            }
        }
    }
    if (g->n_marks > 1) {
        qsort(g->marks, g->n_marks, sizeof *g->marks, by_date);
    }
    return true;
}

/* Marker numbers closer than this on the axis share one label. */
#define MARK_APART 22.0

/*
 * Vertical lines for the markers, numbered at the top: markers too close
 * to read apart (the same day for both partners, two events a few days
 * apart) share one label at the first, "1, 2" or "3-5".
 */
static void markers(srv_buf *b, const geo *g)
{
    for (size_t i = 0; i < g->n_marks; i++) {
        double p = px(g, g->marks[i].x);
        srv_printf(b,
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                   "y2=\"%.1f\" stroke=\"#4a4a4a\" stroke-width=\"1.5\" "
                   "stroke-dasharray=\"%s\"/>",
                   p, p, TOP, H - BOTTOM,
                   g->marks[i].series == 0 ? "3 3" : "1 3");
    }
    for (size_t i = 0; i < g->n_marks;) {
        double p = px(g, g->marks[i].x);
        size_t j = i + 1;
        while (j < g->n_marks && px(g, g->marks[j].x) - p < MARK_APART) {
            j++;
        }
        char label[48];
        if (j - i == 1) {
            snprintf(label, sizeof label, "%zu", i + 1);
        } else if (j - i == 2) {
            snprintf(label, sizeof label, "%zu, %zu", i + 1, i + 2);
        } else {
            snprintf(label, sizeof label, "%zu-%zu", i + 1, j);
        }
        /* a pill as wide as its label, kept inside the chart */
        double w = strlen(label) <= 1 ? 20.0 : 8.0 + 7.0 * strlen(label);
        double left = p - w / 2;
        left = left < 1 ? 1 : left > W - w - 1 ? W - w - 1 : left;
        srv_printf(b,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"20\" rx=\"10\" fill=\"#ffffff\" "
                   "stroke=\"#4a4a4a\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                   "text-anchor=\"middle\" fill=\"#1b1b1b\">%s</text>\n",
                   left, TOP - 23, w, left + w / 2, TOP - 9, label);
        i = j;
    }
}

static void series_line(srv_buf *b, const geo *g, size_t s)
{
    const cairn_trend *t = g->ch->series[s].trend;
    const char *colour = s == 0 ? "#1b1b1b" : "#1d5d90";
    if (t == NULL || t->n == 0) {
        return;
    }
    srv_printf(b,
               "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
               "%s points=\"",
               colour, s == 0 ? "" : "stroke-dasharray=\"8 5\"");
    for (size_t i = 0; i < t->n; i++) {
        double x = 0;
        if (x_of(g, t->points[i].date, &x)) {
            srv_printf(b, "%.1f,%.1f ", px(g, x), py(g, t->points[i].score));
        }
    }
    srv_put(b, "\"/>\n");
    for (size_t i = 0; i < t->n; i++) {
        double x = 0;
        if (!x_of(g, t->points[i].date, &x)) {
            continue;
        }
        double cx = px(g, x), cy = py(g, t->points[i].score);
        if (s == 0) {
            srv_printf(b,
                       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>",
                       cx, cy, colour);
        } else {
            srv_printf(b,
                       "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
                       "height=\"10\" fill=\"#ffffff\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>",
                       cx - 5, cy - 5, colour);
        }
        if (t->points[i].n_flags > 0) {
            srv_printf(b,
                       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"none\" "
                       "stroke=\"#8a1c1c\" stroke-width=\"2\"/>",
                       cx, cy);
        }
        srv_put(b, "\n");
    }
}

static void scale_name(srv_buf *b, const srv_chart *ch)
{
    srv_esc(b, cairn_instrument_name(ch->inst));
    if (ch->scale->label != NULL && strcmp(ch->scale->id, "total") != 0) {
        srv_put(b, ", ");
        srv_esc(b, ch->scale->label);
    }
}

static void svg(srv_buf *b, const geo *g)
{
    const srv_chart *ch = g->ch;
    srv_printf(b,
               "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
               "aria-labelledby=\"%s-title\" aria-describedby=\"%s-desc\" "
               "font-family=\"sans-serif\">\n",
               W, H, ch->id, ch->id);
    srv_printf(b, "<title id=\"%s-title\">", ch->id);
    scale_name(b, ch);
    srv_put(b, g->since_loss ? " by weeks since the loss" : " over time");
    srv_put(b, "</title>\n<defs>\n");
    for (size_t i = 0; i < ch->scale->n_bands; i++) {
        band_pattern(b, ch->id, i);
    }
    srv_put(b, "</defs>\n");
    srv_printf(b,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"#ffffff\" stroke=\"#6b6b6b\"/>\n",
               LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    bands(b, g);
    y_axis(b, g);
    if (g->since_loss) {
        x_weeks(b, g);
    } else {
        x_months(b, g);
    }
    for (size_t s = 0; s < ch->n_series; s++) {
        expected_band(b, g, &ch->series[s]);
    }
    cutoff_line(b, g, ch->series[0].trend);
    markers(b, g);
    for (size_t s = 0; s < ch->n_series; s++) {
        series_line(b, g, s);
    }
    srv_put(b, "</svg>\n");
}

/* ------------------------------------------------------------------ */
/* The words and the table                                             */

static void describe(srv_buf *b, const geo *g)
{
    const srv_chart *ch = g->ch;
    srv_printf(b, "<p id=\"%s-desc\" class=\"chart-desc\">", ch->id);
    for (size_t s = 0; s < ch->n_series; s++) {
        const cairn_trend *t = ch->series[s].trend;
        if (s > 0) {
            srv_put(b, " ");
        }
        srv_esc(b, ch->series[s].name);
        if (t == NULL || t->n == 0) {
            srv_put(b, ": no scores yet.");
            continue;
        }
        srv_printf(b, ": %zu score%s", t->n, t->n == 1 ? "" : "s");
        srv_printf(b, " from %.10s to %.10s; first ", t->baseline.date,
                   t->latest.date);
        srv_num(b, t->baseline.score);
        srv_put(b, ", latest ");
        srv_num(b, t->latest.score);
        const char *band = srv_band_words(ch->scale, t->latest.band);
        if (band != NULL) {
            srv_put(b, " (");
            srv_esc(b, band);
            srv_put(b, ")");
        }
        srv_put(b, ".");
    }
    srv_printf(
        b, " Scores run from %g to %g; %s.", ch->scale->min, ch->scale->max,
        ch->scale->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                                      : "higher is better");
    if (ch->scale->n_bands > 0) {
        srv_put(b, " Shaded, patterned areas are the bands.");
    }
    const cairn_trend *t0 = ch->series[0].trend;
    if (t0 != NULL && t0->has_cutoff) {
        srv_printf(b, " The dashed red line is the cut-off at %g.", t0->cutoff);
    }
    for (size_t s = 0; s < ch->n_series; s++) {
        const srv_chart_series *se = &ch->series[s];
        if (se->expect != NULL && se->expect->available && se->trend &&
            se->trend->n > 0) {
            srv_put(b, " The blue shaded area is where 90% of this clinic's "
                       "clients with the same first score were at each "
                       "time.");
            break;
        }
    }
    if (g->n_marks > 0) {
        srv_printf(b, " %zu numbered line%s mark the timeline, listed below.",
                   g->n_marks, g->n_marks == 1 ? "" : "s");
    }
    if (ch->since_loss && !g->since_loss) {
        srv_put(b, " No loss date is recorded, so the axis shows dates.");
    }
    srv_put(b, "</p>\n");
}

static void legend(srv_buf *b, const srv_chart *ch)
{
    srv_put(b, "<ul class=\"legend\">\n");
    for (size_t s = 0; s < ch->n_series; s++) {
        srv_put(b, "<li>");
        srv_put(b, s == 0 ? "<svg class=\"key\" viewBox=\"0 0 30 12\" "
                            "aria-hidden=\"true\" focusable=\"false\"><path "
                            "d=\"M0 6H30\" stroke=\"#1b1b1b\" "
                            "stroke-width=\"2.5\"/><circle cx=\"15\" "
                            "cy=\"6\" r=\"4\" fill=\"#1b1b1b\"/></svg> "
                          : "<svg class=\"key\" viewBox=\"0 0 30 12\" "
                            "aria-hidden=\"true\" focusable=\"false\"><path "
                            "d=\"M0 6H30\" stroke=\"#1d5d90\" "
                            "stroke-width=\"2.5\" stroke-dasharray=\"6 "
                            "4\"/><rect x=\"10\" y=\"1\" width=\"10\" "
                            "height=\"10\" fill=\"#fff\" stroke=\"#1d5d90\" "
                            "stroke-width=\"2\"/></svg> ");
        srv_esc(b, ch->series[s].name);
        srv_put(b, s == 0 ? " (solid line, dots)" : " (dashed line, squares)");
        srv_put(b, "</li>\n");
    }
    srv_put(b, "<li>A red ring: a risk item was answered</li>\n</ul>\n");
}

static void marker_list(srv_buf *b, const geo *g)
{
    for (size_t k = 0; k < g->n_marks; k++) {
        const cairn_event *e = g->marks[k].e;
        srv_put(b, k == 0 ? "<ol class=\"markers\">\n<li>" : "<li>");
        srv_printf(b, "%.10s", e->date);
        if (g->since_loss) {
            srv_printf(b, " (week %.0f)", g->marks[k].x / 7);
        }
        srv_put(b, ": ");
        srv_esc(b, e->label != NULL ? e->label : srv_event_words(e->kind));
        if (e->label != NULL && e->id != 0 &&
            strcmp(e->label, srv_event_words(e->kind)) != 0) {
            srv_put(b, " (");
            srv_put(b, srv_event_words(e->kind));
            srv_put(b, ")");
        }
        if (g->ch->n_series > 1) {
            srv_put(b, ", ");
            srv_esc(b, g->ch->series[g->marks[k].series].name);
        }
        srv_put(b, "</li>\n");
    }
    if (g->n_marks > 0) {
        srv_put(b, "</ol>\n");
    }
}

static void table_row(srv_buf *b, const geo *g, size_t s,
                      const cairn_trend_point *p)
{
    const srv_chart *ch = g->ch;
    double x = 0;
    srv_printf(b, "<tr><td>%.10s</td>", p->date);
    if (g->since_loss && x_of(g, p->date, &x)) {
        srv_printf(b, "<td>%.0f</td>", x / 7);
    }
    if (ch->n_series > 1) {
        srv_put(b, "<td>");
        srv_esc(b, ch->series[s].name);
        srv_put(b, "</td>");
    }
    srv_put(b, "<td class=\"num\">");
    srv_num(b, p->score);
    srv_put(b, "</td><td>");
    const char *band = srv_band_words(ch->scale, p->band);
    srv_esc(b, band != NULL ? band : "");
    srv_put(b, p->n_flags > 0 ? "</td><td>yes</td></tr>\n"
                              : "</td><td></td></tr>\n");
}

/* Every point of every series, by date. */
static void data_table(srv_buf *b, const geo *g)
{
    const srv_chart *ch = g->ch;
    size_t at[SRV_CHART_MAX_SERIES] = {0};
    srv_printf(b,
               "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
               "aria-labelledby=\"%s-cap\"><table class=\"data\">",
               ch->id);
    srv_printf(b, "<caption id=\"%s-cap\">Scores: ", ch->id);
    scale_name(b, ch);
    srv_put(b, "</caption>\n<thead><tr><th scope=\"col\">Date</th>");
    if (g->since_loss) {
        srv_put(b, "<th scope=\"col\">Week after the loss</th>");
    }
    if (ch->n_series > 1) {
        srv_put(b, "<th scope=\"col\">Partner</th>");
    }
    srv_put(b, "<th scope=\"col\">Score</th><th scope=\"col\">Band</th>"
               "<th scope=\"col\">Risk item</th></tr></thead>\n<tbody>\n");
    for (;;) {
        size_t best = SRV_CHART_MAX_SERIES;
        for (size_t s = 0; s < ch->n_series; s++) {
            const cairn_trend *t = ch->series[s].trend;
            if (t == NULL || at[s] >= t->n) {
                continue;
            }
            if (best == SRV_CHART_MAX_SERIES ||
                strcmp(t->points[at[s]].date,
                       ch->series[best].trend->points[at[best]].date) < 0) {
                best = s;
            }
        }
        if (best == SRV_CHART_MAX_SERIES) {
            break;
        }
        table_row(b, g, best, &ch->series[best].trend->points[at[best]++]);
    }
    srv_put(b, "</tbody></table></div>\n");
}

void srv_chart_write(srv_buf *b, const srv_chart *ch)
{
    geo g;
    geometry(&g, ch);
    if (!collect_marks(&g)) {
        b->oom = true; /* the page fails whole, never without its markers */
        return;
    }
    srv_printf(b, "<figure class=\"chart-figure\" id=\"%s\">\n", ch->id);
    /* below 42rem the chart keeps its size and scrolls in its own
     * region, so its words stay readable at 200% zoom */
    srv_printf(b,
               "<div class=\"chart-wrap\" role=\"group\" tabindex=\"0\" "
               "aria-labelledby=\"%s-title\">\n",
               ch->id);
    svg(b, &g);
    srv_put(b, "</div>\n");
    srv_put(b, "<figcaption>");
    describe(b, &g);
    legend(b, ch);
    marker_list(b, &g);
    srv_put(b, "</figcaption>\n");
    data_table(b, &g);
    srv_put(b, "</figure>\n");
    free(g.marks);
}
