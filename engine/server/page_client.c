/*
 * page_client.c - a client's page (/client/<code>): the details and the
 * loss, the partner and the episodes of care; per questionnaire a chart
 * (chart_svg.c) and the trend figures, each naming the parameters it
 * used; which items persist (an item-by-time grid); the history with its
 * corrections and voids; and the forms for what a clinician does next.
 *
 * The figures are the engine's: the client's trends come from
 * cairn_caseload_compute for this one client, the function `cairn trend`
 * calls, so the page and `cairn trend --json` cannot disagree.  The page
 * reads one client's rows only; the clinic's growth model comes from the
 * store's cache (keyed by its change counter).  `?time=since-loss` puts
 * every chart and slope on weeks since the loss, as `trend --time
 * since-loss` does.  A clinician sees their own clients, supervisors and
 * managers the practice (srv_may_see); anyone else gets the same "not
 * found" as for a code that does not exist.  Each view is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/caseload.h"
#include "cairn/timeline.h"
#include "chart_svg.h"
#include "page_client.h"

const char *srv_short_name(const cairn_instrument *inst)
{
    if (cairn_instrument_alias_count(inst) > 0 &&
        strlen(cairn_instrument_alias(inst, 0)) <= 10) {
        return cairn_instrument_alias(inst, 0);
    }
    return cairn_instrument_code(inst);
}

void srv_today(const srv_ctx *c, char out[11])
{
    time_t t = (time_t)c->rq->now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void srv_client_href(srv_buf *b, const char *code)
{
    srv_put(b, "/client/");
    srv_esc(b, code);
}

void srv_view_free(srv_view *v)
{
    cairn_store_client_free(v->client);
    cairn_caseload_free(v->cl);
    cairn_store_event_list_free(v->events);
    cairn_store_assessment_list_free(v->all);
    cairn_caseload_free(v->sub);
    free(v->clinic);
    memset(v, 0, sizeof *v);
}

/*
 * ?scale=INSTRUMENT.SCALE: chart one questionnaire on another of its
 * scales (a subscale: the PGS's despair, a PCL-5 cluster), with that
 * scale's figures, as `cairn trend --scale` gives them.  A name that is
 * not a scale of a questionnaire in the catalog, or is its main scale,
 * leaves the page as it is.
 */
static int load_subscale(srv_view *v, cairn_caseload_options o)
{
    const char *q = srv_query(v->c, "scale");
    const char *dot = q != NULL ? strchr(q, '.') : NULL;
    char code[64];
    if (dot == NULL || (size_t)(dot - q) >= sizeof code) {
        return CAIRN_OK;
    }
    memcpy(code, q, (size_t)(dot - q));
    code[dot - q] = '\0';
    const cairn_instrument *inst = NULL;
    if (cairn_catalog_find(&inst, v->c->app->cfg.catalog, code, NULL) < 0) {
        return CAIRN_OK;
    }
    const cairn_scale *sc = cairn_instrument_find_scale(inst, dot + 1);
    if (sc == NULL || sc == cairn_instrument_scale(inst, 0)) {
        return CAIRN_OK;
    }
    o.instrument = cairn_instrument_code(inst);
    o.trend.scale = sc->id;
    int rc = cairn_caseload_compute(&v->sub, v->c->app->cfg.store,
                                    v->c->app->cfg.catalog, &o, NULL);
    if (rc == CAIRN_OK && v->sub->n == 1 && v->sub->entries[0].n_trends == 1) {
        v->sub_inst = inst;
        v->sub_scale = sc;
    }
    return rc;
}

/* The trend to chart for `t`'s questionnaire: the subscale asked for, or
 * `t` itself. */
static const cairn_trend *charted(const srv_view *v, const cairn_trend *t,
                                  const cairn_caseload **from)
{
    *from = v->cl;
    if (v->sub_inst != NULL &&
        strcmp(cairn_instrument_code(v->sub_inst), t->instrument) == 0) {
        *from = v->sub;
        return v->sub->entries[0].trends[0];
    }
    return t;
}

int srv_view_client(srv_ctx *c, const char *code, cairn_client **out)
{
    *out = NULL;
    if (code == NULL || code[0] == '\0' ||
        cairn_store_client_get(out, c->app->cfg.store, code, NULL) < 0 ||
        !srv_may_see(c->session, *out)) {
        cairn_store_client_free(*out);
        *out = NULL;
        srv_message(c->rs, 404, "No such client",
                    "There is no client with this code among yours.");
        return -1;
    }
    return 0;
}

static void clinic_name(srv_ctx *c, srv_view *v)
{
    char *name = NULL;
    if (cairn_settings_get_text(c->app->cfg.store, "clinic.name", &name,
                                NULL) == CAIRN_OK &&
        name != NULL && name[0] != '\0') {
        v->clinic = name;
    } else {
        free(name);
        v->clinic = NULL;
    }
}

int srv_view_load(srv_view *v, srv_ctx *c, const char *code)
{
    cairn_store *st = c->app->cfg.store;
    memset(v, 0, sizeof *v);
    v->c = c;
    const char *t = srv_query(c, "time");
    v->since_loss = t != NULL && strcmp(t, "since-loss") == 0;
    srv_today(c, v->today);
    if (srv_view_client(c, code, &v->client) < 0) {
        return -1;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    o.client = v->client->code;
    o.trend.axis =
        v->since_loss ? CAIRN_TIME_SINCE_LOSS : CAIRN_TIME_SINCE_FIRST;
    int rc = cairn_caseload_compute(&v->cl, st, c->app->cfg.catalog, &o, NULL);
    if (rc == CAIRN_OK && v->cl->n == 1) {
        v->entry = &v->cl->entries[0];
    }
    if (rc == CAIRN_OK) {
        rc = load_subscale(v, o);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_event_list(&v->events, st, v->client->code, NULL);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_timeline_add_markers(v->events, v->client, v->today, NULL);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_list(&v->all, st, v->client->code, NULL,
                                         CAIRN_LIST_ALL, NULL);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_audit_view(st, "client", v->client->code, NULL);
    }
    if (rc < 0 || v->entry == NULL) {
        srv_view_free(v);
        srv_message(c->rs, 500, "Something went wrong",
                    "The page could not be made. Please try again.");
        return -1;
    }
    clinic_name(c, v);
    return 0;
}

const cairn_expectation *srv_view_expectation(const cairn_caseload *cl,
                                              const char *code)
{
    for (size_t i = 0; cl != NULL && i < cl->n_expectations; i++) {
        if (strcmp(cl->expectation_codes[i], code) == 0) {
            return &cl->expectations[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The frame shared with the couple page                               */

void srv_print_head(srv_buf *b, const char *clinic, const char *today,
                    const char *who)
{
    srv_put(b, "<p class=\"print-head\">Confidential - ");
    srv_esc(b, clinic != NULL ? clinic : "Cairn");
    if (who != NULL) {
        srv_put(b, " - ");
        srv_esc(b, who);
    }
    srv_printf(b, " - printed %s</p>\n", today);
}

void srv_dash_begin(srv_ctx *c, srv_buf *b, const char *title,
                    const char *clinic, const char *today)
{
    /* the dashboard's one frame (dash.c): navigation and print heading */
    (void)clinic;
    (void)today;
    srv_frame_begin(c, b, title, NULL);
}

/* "Calendar dates | Weeks since the loss", as links (no script), which
 * keep the scale charted (`scale`, "INSTRUMENT.SCALE", or NULL). */
void srv_axis_switch(srv_buf *b, const char *base_href, bool since_loss,
                     const char *scale)
{
    srv_put(b, "<nav class=\"axis no-print\" aria-label=\"Time axis\">"
               "<span>Time axis:</span> <a href=\"");
    srv_put(b, base_href);
    if (scale != NULL) {
        srv_put(b, "?scale=");
        srv_esc(b, scale);
    }
    srv_put(b, since_loss ? "\">Calendar dates</a> "
                          : "\" aria-current=\"page\">Calendar dates</a> ");
    srv_put(b, "<a href=\"");
    srv_put(b, base_href);
    srv_put(b, "?time=since-loss");
    if (scale != NULL) {
        srv_put(b, "&amp;scale=");
        srv_esc(b, scale);
    }
    srv_put(b, since_loss ? "\" aria-current=\"page\">" : "\">");
    srv_put(b, "Weeks since the loss</a></nav>\n");
}

/* "Scale: Total | Active grief | ...", as links to the page with that
 * scale charted, for a questionnaire with more than one. */
static void scale_switch(const srv_view *v, srv_buf *b,
                         const cairn_instrument *inst, const cairn_scale *on)
{
    size_t n = cairn_instrument_scale_count(inst);
    if (n < 2) {
        return;
    }
    const char *code = cairn_instrument_code(inst);
    srv_printf(b, "<nav class=\"axis no-print\" aria-label=\"");
    srv_esc(b, srv_short_name(inst));
    srv_put(b, " scales\"><span>Scale:</span>");
    for (size_t i = 0; i < n; i++) {
        const cairn_scale *sc = cairn_instrument_scale(inst, i);
        srv_put(b, " <a href=\"");
        srv_client_href(b, v->client->code);
        srv_put(b, v->since_loss ? "?time=since-loss" : "");
        if (i > 0) {
            srv_put(b, v->since_loss ? "&amp;scale=" : "?scale=");
            srv_esc(b, code);
            srv_put(b, ".");
            srv_esc(b, sc->id);
        }
        srv_put(b, "#h-");
        srv_esc(b, code);
        srv_put(b, sc == on ? "\" aria-current=\"page\">" : "\">");
        srv_esc(b, sc->label != NULL ? sc->label : sc->id);
        srv_put(b, "</a>");
    }
    srv_put(b, "</nav>\n");
}

/* ------------------------------------------------------------------ */
/* Details                                                             */

static void detail(srv_buf *b, const char *term, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }
    srv_put(b, "<dt>");
    srv_put(b, term);
    srv_put(b, "</dt><dd>");
    srv_esc(b, value);
    srv_put(b, "</dd>\n");
}

static const char *loss_words(cairn_loss_kind k)
{
    static const char *const words[CAIRN_LOSS_KIND_COUNT] = {
        [CAIRN_LOSS_UNKNOWN] = NULL,
        [CAIRN_LOSS_MISCARRIAGE] = "miscarriage",
        [CAIRN_LOSS_STILLBIRTH] = "stillbirth",
        [CAIRN_LOSS_NEONATAL_DEATH] = "neonatal death",
        [CAIRN_LOSS_TFMR] = "termination for medical reasons",
        [CAIRN_LOSS_OTHER] = "another loss",
    };
    return (unsigned)k < CAIRN_LOSS_KIND_COUNT ? words[k] : NULL;
}

static void details(srv_view *v, srv_buf *b)
{
    const cairn_client *cl = v->client;
    char weeks[32] = "", year[16] = "";
    srv_put(b, "<section aria-labelledby=\"details\" class=\"details\">"
               "<h2 id=\"details\">Details</h2>\n<dl class=\"facts\">\n");
    detail(b, "Name", cl->name);
    if (cl->birth_year > 0) {
        snprintf(year, sizeof year, "%d", cl->birth_year);
    }
    detail(b, "Born", year);
    detail(b, "Clinician", cl->clinician);
    detail(b, "Date of the loss", cl->loss_date);
    if (cl->gestation_weeks > 0) {
        snprintf(weeks, sizeof weeks, "%d weeks", cl->gestation_weeks);
    }
    detail(b, "Weeks of pregnancy", weeks);
    detail(b, "Kind of loss", loss_words(cl->loss_kind));
    if (cl->partner_code != NULL) {
        srv_put(b, "<dt>Partner</dt><dd>");
        srv_put(b, "<a href=\"");
        srv_client_href(b, cl->partner_code);
        srv_put(b, "\">");
        srv_esc(b, cl->partner_code);
        srv_put(b, "</a> (<a href=\"/couple/");
        srv_esc(b, cl->code);
        srv_put(b, "\">both partners side by side</a>)</dd>\n");
    }
    const cairn_episode_list *ep = v->entry->episodes;
    srv_put(b, "<dt>Episodes of care</dt><dd>");
    if (ep == NULL || ep->n == 0) {
        srv_put(b, "none recorded");
    }
    for (size_t i = 0; ep != NULL && i < ep->n; i++) {
        srv_printf(b, "%s%zu: from %.10s", i ? "; " : "", i + 1,
                   ep->items[i].started_on);
        if (ep->items[i].ended_on != NULL) {
            srv_printf(b, " to %.10s", ep->items[i].ended_on);
        } else {
            srv_put(b, ", open");
        }
    }
    srv_put(b, "</dd>\n</dl>\n</section>\n");
}

/* ------------------------------------------------------------------ */
/* Trend figures                                                       */

static const char *rc_words(cairn_rc_category k)
{
    return k == CAIRN_RC_IMPROVED       ? "reliably improved"
           : k == CAIRN_RC_DETERIORATED ? "reliably deteriorated"
                                        : "no reliable change";
}

/* A figure with its exact value for scripts and tests: shown with
 * `decimals` places (-1: as people read scores), signed when `sign`. */
static void fig(srv_buf *b, const char *name, double value, bool sign,
                int decimals)
{
    srv_printf(b, "<span data-fig=\"%s\" data-value=\"%.10g\">", name, value);
    if (decimals < 0) {
        srv_printf(b, sign ? "%+g" : "%g", value);
    } else {
        srv_printf(b, sign ? "%+.*f" : "%.*f", decimals, value);
    }
    srv_put(b, "</span>");
}

static void figure_change(srv_buf *b, const cairn_trend *t)
{
    srv_put(b, "<dt>First and latest</dt><dd>");
    fig(b, "baseline", t->baseline.score, false, -1);
    srv_printf(b, " on %.10s", t->baseline.date);
    if (t->n >= 2) {
        srv_put(b, ", ");
        fig(b, "latest", t->latest.score, false, -1);
        srv_printf(b, " on %.10s: change ", t->latest.date);
        fig(b, "change", t->change, true, -1);
        srv_printf(b, " over %.0f weeks", t->weeks);
    }
    srv_printf(b, " (%zu score%s)</dd>\n", t->n, t->n == 1 ? "" : "s");
    if (t->slope.has_estimate) {
        srv_put(b, "<dt>Trend</dt><dd>");
        fig(b, "slope", t->slope.estimate, true, 2);
        srv_put(b, " points a week");
        if (t->slope.has_interval) {
            srv_put(b, " (95% interval ");
            fig(b, "slope_low", t->slope.ci_low, true, 2);
            srv_put(b, " to ");
            fig(b, "slope_high", t->slope.ci_high, true, 2);
            srv_put(b, "; least squares, t with n - 2 degrees of freedom)");
        }
        srv_put(b, t->axis == CAIRN_TIME_SINCE_LOSS
                       ? "; weeks since the loss</dd>\n"
                       : "</dd>\n");
    }
}

static void figure_reliable(srv_buf *b, const cairn_trend *t)
{
    srv_put(b, "<dt>Reliable change</dt><dd>");
    if (t->has_rci && t->rci.from_points) {
        srv_printf(b, "<span data-fig=\"rc\">%s</span>: a change of ",
                   rc_words(t->rci.category));
        fig(b, "rc_threshold", t->rci.threshold_points, false, -1);
        srv_put(b, " points or more counts (published threshold; ");
        srv_esc(b, t->rc_source);
        srv_put(b, ")");
    } else if (t->has_rci) {
        srv_printf(b, "<span data-fig=\"rc\">%s</span>: RCI ",
                   rc_words(t->rci.category));
        fig(b, "rci", t->rci.value, false, 2);
        srv_put(b, "; a change of ");
        fig(b, "rc_threshold", t->rci.threshold_points, false, 1);
        srv_printf(b,
                   " points or more counts (Jacobson-Truax, SD %g, "
                   "reliability %g; ",
                   t->rci.sd, t->rci.reliability);
        srv_esc(b, t->rc_source);
        srv_put(b, ")");
    } else if (t->n >= 2) {
        srv_put(b, "not judged: no published SD and reliability for this "
                   "scale (a clinic setting can give them)");
    } else {
        srv_put(b, "needs a second score");
    }
    srv_put(b, "</dd>\n");
}

static void figure_clinical(srv_buf *b, const cairn_trend *t)
{
    static const char *const whens[] = {"at or above", "above", "at or below",
                                        "below"};
    if (!t->has_clinical) {
        return;
    }
    srv_put(b, "<dt>Clinical significance</dt><dd>");
    srv_printf(b, "a case when %s ", whens[t->case_when]);
    fig(b, "cutoff", t->cutoff, false, -1);
    srv_printf(b, ": %s at the first score, %s now",
               t->clinical.case_at_baseline ? "a case" : "not a case",
               t->clinical.case_at_latest ? "a case" : "not a case");
    srv_put(b, t->clinical.reliably_recovered ? "; reliably recovered"
               : t->clinical.recovered && !t->has_rci
                   ? "; recovered (reliable change not judged)"
               : t->clinical.recovered ? "; recovered"
                                       : "");
    srv_put(b, " (");
    srv_esc(b, t->params.criterion_text);
    if (t->params.cutoff_from != CAIRN_PARAM_DEFINITION) {
        srv_put(b, "; ");
        srv_esc(b, t->cutoff_source);
    }
    srv_put(b, ")</dd>\n");
}

static void figure_expected(srv_buf *b, const cairn_trend *t,
                            const cairn_expectation *e)
{
    srv_put(b, "<dt>Compared with this clinic</dt><dd>");
    if (t->expectation_checked) {
        srv_put(b, "clients with the same first score were at ");
        fig(b, "expected", t->expected, false, 1);
        srv_printf(b,
                   " by now (90%%: %.1f to %.1f; the clinic's growth "
                   "model)",
                   t->expected_low, t->expected_high);
    } else if (e != NULL && e->n_clients < e->min_clients) {
        srv_printf(b,
                   "not judged: %zu client%s of this clinic have scores, "
                   "the growth model needs %zu",
                   e->n_clients, e->n_clients == 1 ? "" : "s", e->min_clients);
    } else {
        srv_put(b, "not judged: the clinic's growth model could not be "
                   "fitted");
    }
    srv_put(b, "</dd>\n");
}

/* The no-improvement window, when a clinic setting or an override set
 * it (as `cairn trend` says it). */
static void figure_window(srv_buf *b, const cairn_trend *t)
{
    if (!t->has_rci || t->no_improvement_source == NULL ||
        strncmp(t->no_improvement_source, "project policy", 14) == 0) {
        return;
    }
    srv_printf(b, "<dt>No-improvement alert</dt><dd>after %g weeks (",
               t->no_improvement_weeks);
    srv_esc(b, t->no_improvement_source);
    srv_put(b, ")</dd>\n");
}

static void alerts(srv_buf *b, const cairn_trend *t)
{
    for (size_t i = 0; i < t->n_alerts; i++) {
        const cairn_alert *al = &t->alerts[i];
        if (al->state == CAIRN_ALERT_RESOLVED) {
            continue;
        }
        srv_put(b, al->state == CAIRN_ALERT_OPEN
                       ? "<dt>Alert</dt><dd class=\"alert\">"
                       : "<dt>Alert (acknowledged)</dt><dd>");
        srv_esc(b, al->reason);
        srv_put(b, "</dd>\n");
    }
}

/* ------------------------------------------------------------------ */
/* Items by time                                                       */

static bool is_current(const cairn_assessment *a)
{
    return !a->voided && a->superseded_by == 0;
}

static void item_cell(srv_buf *b, const cairn_item *it,
                      const cairn_assessment *a, size_t i)
{
    const cairn_option *o = NULL;
    if (i >= a->n_items || a->missing[i]) {
        srv_put(b, "<td class=\"num blank\">-</td>");
    } else if (it->kind == CAIRN_ITEM_NUMBER) {
        srv_printf(b, "<td class=\"num\">%d</td>", a->codes[i]);
    } else if ((o = cairn_item_find_option(it, a->codes[i])) != NULL) {
        srv_printf(b, "<td class=\"num s%d\">",
                   (int)(o->score > 3   ? 3
                         : o->score < 0 ? 0
                                        : o->score));
        srv_num(b, o->score);
        srv_put(b, "</td>");
    } else {
        srv_put(b, "<td class=\"num\">?</td>");
    }
}

static void item_grid(srv_view *v, srv_buf *b, const cairn_instrument *inst)
{
    const char *code = cairn_instrument_code(inst);
    size_t n = 0;
    for (size_t k = 0; k < v->all->n; k++) {
        n += is_current(&v->all->items[k]) &&
             strcmp(v->all->items[k].instrument, code) == 0;
    }
    if (n == 0) {
        return;
    }
    srv_printf(b,
               "<div class=\"table-wrap items no-print\" role=\"region\" "
               "tabindex=\"0\" aria-labelledby=\"%s-items\">"
               "<table class=\"grid\"><caption id=\"%s-items\">",
               code, code);
    srv_esc(b, srv_short_name(inst));
    srv_put(b, ": each item's score at each assessment (- left blank)"
               "</caption>\n<thead><tr><th scope=\"col\">Item</th>");
    for (size_t k = 0; k < v->all->n; k++) {
        const cairn_assessment *a = &v->all->items[k];
        if (is_current(a) && strcmp(a->instrument, code) == 0) {
            srv_printf(b, "<th scope=\"col\">%.10s</th>", a->administered_at);
        }
    }
    srv_put(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < cairn_instrument_item_count(inst); i++) {
        const cairn_item *it = cairn_instrument_item(inst, i);
        srv_printf(b, "<tr><th scope=\"row\">%d. ", it->number);
        srv_esc(b, it->label);
        srv_put(b, "</th>");
        for (size_t k = 0; k < v->all->n; k++) {
            const cairn_assessment *a = &v->all->items[k];
            if (is_current(a) && strcmp(a->instrument, code) == 0) {
                item_cell(b, it, a, i);
            }
        }
        srv_put(b, "</tr>\n");
    }
    srv_put(b, "</tbody></table></div>\n");
}

/* ------------------------------------------------------------------ */
/* One questionnaire                                                   */

static void course(srv_view *v, srv_buf *b, const cairn_trend *main_trend)
{
    const cairn_instrument *inst = NULL;
    const cairn_caseload *from = NULL;
    const cairn_trend *t = charted(v, main_trend, &from);
    if (cairn_catalog_find(&inst, v->c->app->cfg.catalog, t->instrument, NULL) <
        0) {
        return;
    }
    const cairn_scale *sc = cairn_instrument_find_scale(inst, t->scale);
    const cairn_expectation *e =
        srv_view_expectation(from, cairn_instrument_code(inst));
    if (sc == NULL) {
        return;
    }
    srv_printf(b, "<section class=\"course\" aria-labelledby=\"h-%s\">\n",
               t->instrument);
    srv_print_head(b, v->clinic, v->today, v->client->code);
    srv_printf(b, "<h2 id=\"h-%s\">", t->instrument);
    srv_esc(b, srv_short_name(inst));
    srv_put(b, ": ");
    srv_esc(b, cairn_instrument_name(inst));
    srv_put(b, "</h2>\n");
    scale_switch(v, b, inst, sc);
    srv_chart ch = {0};
    char id[64];
    snprintf(id, sizeof id, "chart-%s", t->instrument);
    ch.id = id;
    ch.inst = inst;
    ch.scale = sc;
    ch.since_loss = v->since_loss;
    ch.loss_date = v->client->loss_date;
    ch.today = v->today;
    ch.n_series = 1;
    ch.series[0] = (srv_chart_series){v->client->code, t, v->events, e};
    srv_chart_write(b, &ch);
    srv_put(b, "<dl class=\"figures\">\n");
    if (t->has_baseline) {
        figure_change(b, t);
        figure_reliable(b, t);
        figure_clinical(b, t);
        figure_expected(b, t, e);
        figure_window(b, t);
        alerts(b, t);
    }
    if (t->episode > 0) {
        srv_printf(b, "<dt>Episode</dt><dd>%d, from %.10s", t->episode,
                   t->episode_start);
        if (t->n_outside > 0) {
            srv_printf(b, " (%zu earlier score%s left out of the figures)",
                       t->n_outside, t->n_outside == 1 ? "" : "s");
        }
        srv_put(b, "</dd>\n");
    }
    srv_put(b, "</dl>\n");
    item_grid(v, b, inst);
    srv_printf(b, "<p class=\"no-print\"><a href=\"");
    srv_client_href(b, v->client->code);
    srv_printf(b, "?enter=%s\">Enter a paper ", t->instrument);
    srv_esc(b, srv_short_name(inst));
    srv_put(b, "</a></p>\n</section>\n");
}

/* ------------------------------------------------------------------ */
/* History and actions                                                 */

static const char *method_words(cairn_method m)
{
    static const char *const words[CAIRN_METHOD_COUNT] = {
        [CAIRN_METHOD_SELF_REPORT] = "answered by the client",
        [CAIRN_METHOD_CLINICIAN] = "entered from paper",
        [CAIRN_METHOD_IMPORT] = "imported",
        [CAIRN_METHOD_RESCORE] = "rescored",
        [CAIRN_METHOD_LINK] = "answered from a phone link",
        [CAIRN_METHOD_TABLET] = "answered on the tablet",
    };
    return (unsigned)m < CAIRN_METHOD_COUNT ? words[m] : "";
}

static void history_row(srv_view *v, srv_buf *b, const cairn_assessment *a)
{
    const cairn_instrument *inst = NULL;
    cairn_catalog_find(&inst, v->c->app->cfg.catalog, a->instrument, NULL);
    srv_printf(b, "<tr%s><td>%.10s</td><td>",
               is_current(a) ? "" : " class=\"old\"", a->administered_at);
    srv_esc(b, inst != NULL ? srv_short_name(inst) : a->instrument);
    srv_put(b, "</td><td class=\"num\">");
    if (a->n_scales > 0 && a->scales[0].has_score) {
        srv_num(b, a->scales[0].score);
    } else {
        srv_put(b, "-");
    }
    srv_put(b, "</td><td>");
    srv_esc(b, method_words(a->method));
    srv_put(b, ", by ");
    srv_esc(b, a->entered_by);
    srv_put(b, "</td><td>");
    if (a->voided) {
        srv_put(b, "<strong>Void</strong>: ");
        srv_esc(b, a->void_reason);
    } else if (a->superseded_by != 0) {
        srv_put(b, "Replaced by a correction");
    } else {
        srv_put(b, "Current");
    }
    if (a->supersedes != 0) {
        srv_put(b, "; corrects an earlier entry: ");
        srv_esc(b, a->reason);
    }
    srv_put(b, "</td><td class=\"no-print\">");
    if (is_current(a)) {
        srv_put(b, "<a href=\"");
        srv_client_href(b, v->client->code);
        srv_printf(b,
                   "?amend=%lld\">Correct<span class=\"visually-hidden\"> "
                   "the entry of %.10s</span></a> ",
                   (long long)a->id, a->administered_at);
        srv_put(b, "<a href=\"");
        srv_client_href(b, v->client->code);
        srv_printf(b,
                   "?void=%lld\">Void<span class=\"visually-hidden\"> "
                   "the entry of %.10s</span></a>",
                   (long long)a->id, a->administered_at);
    }
    srv_put(b, "</td></tr>\n");
}

static void history(srv_view *v, srv_buf *b)
{
    srv_put(b, "<section aria-labelledby=\"history\" class=\"no-print\">"
               "<h2 id=\"history\">History</h2>\n"
               "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
               "aria-labelledby=\"history-cap\"><table class=\"data\">"
               "<caption id=\"history-cap\">Every entry, corrections and "
               "voids included, newest first</caption>\n<thead><tr>"
               "<th scope=\"col\">Date</th><th scope=\"col\">"
               "Questionnaire</th><th scope=\"col\">Score</th>"
               "<th scope=\"col\">How</th><th scope=\"col\">Status</th>"
               "<th scope=\"col\">Change</th></tr></thead>\n<tbody>\n");
    for (size_t k = v->all->n; k > 0; k--) {
        history_row(v, b, &v->all->items[k - 1]);
    }
    if (v->all->n == 0) {
        srv_put(b, "<tr><td colspan=\"6\">Nothing recorded yet.</td></tr>\n");
    }
    srv_put(b, "</tbody></table></div>\n</section>\n");
}

static void enter_form(srv_view *v, srv_buf *b)
{
    const cairn_catalog *cat = v->c->app->cfg.catalog;
    srv_put(b, "<form method=\"get\" action=\"");
    srv_client_href(b, v->client->code);
    srv_put(b, "\" class=\"action\">\n<h3>Enter a paper form</h3>\n"
               "<label for=\"enter\">Questionnaire</label>\n"
               "<select id=\"enter\" name=\"enter\">\n");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        srv_put(b, "<option value=\"");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\">");
        srv_esc(b, srv_short_name(in));
        srv_put(b, ": ");
        srv_esc(b, cairn_instrument_name(in));
        srv_put(b, "</option>\n");
    }
    srv_put(b, "</select>\n<button type=\"submit\">Continue</button>\n"
               "</form>\n");
}

static void event_form(srv_view *v, srv_buf *b)
{
    srv_put(b, "<form method=\"post\" action=\"");
    srv_client_href(b, v->client->code);
    srv_put(b, "\" class=\"action\">\n<h3>Add an event to the timeline</h3>\n");
    srv_csrf_field(b, v->c->csrf);
    srv_printf(b,
               "<input type=\"hidden\" name=\"action\" value=\"event\">\n"
               "<label for=\"ev-date\">Date</label>\n"
               "<input id=\"ev-date\" name=\"date\" type=\"date\" "
               "value=\"%s\" required>\n"
               "<label for=\"ev-kind\">Kind</label>\n"
               "<select id=\"ev-kind\" name=\"kind\">\n",
               v->today);
    for (int k = 0; k < CAIRN_EVENT_KIND_COUNT; k++) {
        if (k == CAIRN_EVENT_DUE_DATE || k == CAIRN_EVENT_ANNIVERSARY) {
            continue; /* derived from the loss (cairn/timeline.h) */
        }
        srv_put(b, "<option value=\"");
        srv_put(b, cairn_event_kind_name((cairn_event_kind)k));
        srv_put(b, "\">");
        srv_put(b, srv_event_words((cairn_event_kind)k));
        srv_put(b, "</option>\n");
    }
    srv_put(b, "</select>\n<label for=\"ev-label\">What happened "
               "(optional)</label>\n<input id=\"ev-label\" name=\"label\" "
               "maxlength=\"200\">\n<button type=\"submit\">Add the event"
               "</button>\n</form>\n");
}

static void selfreport_form(srv_view *v, srv_buf *b)
{
    const cairn_catalog *cat = v->c->app->cfg.catalog;
    srv_put(b, "<form method=\"post\" action=\"/start\" class=\"action\">\n"
               "<h3>Self-report</h3>\n");
    srv_csrf_field(b, v->c->csrf);
    srv_put(b, "<input type=\"hidden\" name=\"client\" value=\"");
    srv_esc(b, v->client->code);
    srv_put(b, "\">\n<fieldset><legend>Questionnaires</legend>\n");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        if (cairn_instrument_check_client_text(in, NULL) < 0) {
            continue;
        }
        srv_put(b, "<div class=\"choice\"><input type=\"checkbox\" "
                   "name=\"instrument\" id=\"sr-");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\" value=\"");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\"><label for=\"sr-");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\">");
        srv_esc(b, cairn_instrument_name(in));
        srv_put(b, "</label></div>\n");
    }
    srv_put(b, "</fieldset>\n<button type=\"submit\" name=\"mode\" "
               "value=\"tablet\">Start on this tablet</button>\n"
               "<button type=\"submit\" name=\"mode\" value=\"link\">Make a "
               "phone link</button>\n<p class=\"hint\">Starting on this "
               "tablet logs you out here.</p>\n</form>\n");
}

static void actions(srv_view *v, srv_buf *b)
{
    srv_put(b, "<section aria-labelledby=\"actions\" class=\"no-print\">"
               "<h2 id=\"actions\">Next steps</h2>\n");
    enter_form(v, b);
    event_form(v, b);
    selfreport_form(v, b);
    srv_put(b, "</section>\n");
}

void srv_client_page(srv_ctx *c, srv_view *v, int status, const char *notice)
{
    srv_buf b = SRV_BUF_INIT, href = SRV_BUF_INIT, title = SRV_BUF_INIT;
    srv_put(&title, "Client ");
    srv_put(&title, v->client->code);
    srv_put(&title, " - Cairn");
    srv_dash_begin(c, &b, title.p != NULL ? title.p : "Client", v->clinic,
                   v->today);
    srv_put(&b, "<h1>Client ");
    srv_esc(&b, v->client->code);
    srv_put(&b, "</h1>\n");
    if (notice != NULL) {
        srv_put(&b, "<p class=\"notice\" role=\"status\">");
        srv_esc(&b, notice);
        srv_put(&b, "</p>\n");
    }
    details(v, &b);
    srv_client_href(&href, v->client->code);
    srv_buf scale = SRV_BUF_INIT;
    if (v->sub_inst != NULL) {
        srv_put(&scale, cairn_instrument_code(v->sub_inst));
        srv_put(&scale, ".");
        srv_put(&scale, v->sub_scale->id);
    }
    srv_axis_switch(&b, href.p != NULL ? href.p : "/", v->since_loss, scale.p);
    srv_buf_free(&scale);
    srv_put(&b, "<p class=\"hint no-print\">To print this page or save it "
                "as a PDF, use the browser's Print: each questionnaire "
                "prints on its own page.</p>\n");
    for (size_t i = 0; i < v->entry->n_trends; i++) {
        course(v, &b, v->entry->trends[i]);
    }
    if (v->entry->n_trends == 0) {
        srv_put(&b, "<p>No questionnaires recorded yet.</p>\n");
    }
    history(v, &b);
    actions(v, &b);
    srv_page_end(&b);
    srv_buf_free(&href);
    srv_buf_free(&title);
    srv_html(c->rs, status, &b);
}
