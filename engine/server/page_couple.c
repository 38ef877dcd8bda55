/*
 * page_couple.c - both partners side by side (/couple/<code>): one chart
 * per questionnaire both have completed, the pairs of assessments taken
 * close together with their differences, and the divergence and
 * incongruent-change flags, all from cairn_couple_view_compute, the
 * function `cairn couple` shows.
 *
 * What one partner wrote reaches only a clinician who may see both: the
 * page is refused (as "not found") unless srv_may_see allows the client
 * and the partner.  Each partner's own page stays separate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/couple.h"
#include "cairn/timeline.h"
#include "chart_svg.h"
#include "page_client.h"

typedef struct couple_page {
    srv_ctx *c;
    cairn_client *a, *b;
    cairn_couple_view *view;
    cairn_event_list *ev[2];
    char *clinic;
    bool since_loss;
    char today[11];
} couple_page;

static void couple_free(couple_page *p)
{
    cairn_store_client_free(p->a);
    cairn_store_client_free(p->b);
    cairn_couple_view_free(p->view);
    cairn_store_event_list_free(p->ev[0]);
    cairn_store_event_list_free(p->ev[1]);
    free(p->clinic);
}

static int couple_load(couple_page *p, srv_ctx *c, const char *code)
{
    cairn_store *st = c->app->cfg.store;
    const char *t = srv_query(c, "time");
    memset(p, 0, sizeof *p);
    p->c = c;
    p->since_loss = t != NULL && strcmp(t, "since-loss") == 0;
    srv_today(c, p->today);
    if (srv_view_client(c, code, &p->a) < 0) {
        return -1;
    }
    if (p->a->partner_code == NULL ||
        srv_view_client(c, p->a->partner_code, &p->b) < 0) {
        if (p->a->partner_code == NULL) {
            srv_message(c->rs, 404, "No partner linked",
                        "This client has no partner linked in Cairn.");
        }
        return -1;
    }
    cairn_couple_view_options o = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    o.trend.axis =
        p->since_loss ? CAIRN_TIME_SINCE_LOSS : CAIRN_TIME_SINCE_FIRST;
    const cairn_client *who[2] = {p->a, p->b};
    int rc = cairn_couple_view_compute(&p->view, st, c->app->cfg.catalog,
                                       p->a->code, &o, NULL);
    for (int i = 0; rc == CAIRN_OK && i < 2; i++) {
        rc = cairn_store_event_list(&p->ev[i], st, who[i]->code, NULL);
        if (rc == CAIRN_OK) {
            rc = cairn_timeline_add_markers(p->ev[i], who[i], p->today, NULL);
        }
        if (rc == CAIRN_OK) {
            rc = cairn_store_audit_view(st, "couple", who[i]->code, NULL);
        }
    }
    if (rc < 0) {
        srv_message(c->rs, 500, "Something went wrong",
                    "The page could not be made. Please try again.");
        return -1;
    }
    if (cairn_settings_get_text(st, "clinic.name", &p->clinic, NULL) < 0) {
        p->clinic = NULL;
    }
    return 0;
}

static void pair_table(srv_buf *b, const couple_page *p,
                       const cairn_instrument *inst, const cairn_couple *cp,
                       const char *id)
{
    srv_printf(
        b,
        "<div class=\"table-wrap pairs\" role=\"region\" "
        "tabindex=\"0\" aria-labelledby=\"%s-pairs\"><table class=\"data\">"
        "<caption id=\"%s-pairs\">",
        id, id);
    srv_esc(b, srv_short_name(inst));
    srv_printf(b,
               ": pairs of assessments within %g days of each other"
               "</caption>\n<thead><tr>",
               CAIRN_COUPLE_PAIR_DAYS);
    for (int i = 0; i < 2; i++) {
        const char *code = i == 0 ? p->a->code : p->b->code;
        srv_put(b, "<th scope=\"col\">");
        srv_esc(b, code);
        srv_put(b, ": date</th><th scope=\"col\">");
        srv_esc(b, code);
        srv_put(b, ": score</th>");
    }
    srv_put(b, "<th scope=\"col\">Difference</th><th scope=\"col\">Beyond "
               "a reliable difference</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < cp->n_pairs; i++) {
        const cairn_couple_pair *q = &cp->pairs[i];
        srv_printf(b, "<tr><td>%.10s</td><td class=\"num\">", q->a->date);
        srv_num(b, q->a->score);
        srv_printf(b, "</td><td>%.10s</td><td class=\"num\">", q->b->date);
        srv_num(b, q->b->score);
        srv_printf(b,
                   "</td><td class=\"num\" data-fig=\"difference\" "
                   "data-value=\"%.10g\">%+g</td><td>%s</td></tr>\n",
                   q->difference, q->difference,
                   !cp->has_reliable_difference ? "not judged"
                   : q->diverges                ? "yes"
                                                : "no");
    }
    if (cp->n_pairs == 0) {
        srv_put(b, "<tr><td colspan=\"6\">No assessments within 14 days of "
                   "each other.</td></tr>\n");
    }
    srv_put(b, "</tbody></table></div>\n");
}

static void flags(srv_buf *b, const cairn_couple *cp)
{
    srv_put(b, "<dl class=\"figures\">\n");
    if (cp->n_pairs > 0) {
        const cairn_couple_pair *q = &cp->pairs[cp->n_pairs - 1];
        srv_printf(b, "<dt>Latest pair</dt><dd>%.10s and %.10s: ", q->a->date,
                   q->b->date);
        srv_num(b, q->a->score);
        srv_put(b, " and ");
        srv_num(b, q->b->score);
        srv_printf(b, ", difference %+g (%zu pair%s in all)</dd>\n",
                   q->difference, cp->n_pairs, cp->n_pairs == 1 ? "" : "s");
    }
    srv_put(b, "<dt>Reliable difference</dt><dd>");
    if (cp->has_reliable_difference) {
        srv_printf(b,
                   "a difference of more than <span "
                   "data-fig=\"reliable_difference\" "
                   "data-value=\"%.10g\">%.1f</span> points is reliable "
                   "(1.96 x S_diff of the scale's reliable-change "
                   "values)",
                   cp->reliable_difference, cp->reliable_difference);
    } else {
        srv_put(b, "not judged: this scale has no published SD and "
                   "reliability");
    }
    srv_printf(b,
               "</dd>\n<dt>Diverging</dt><dd data-fig=\"diverging\">%s"
               "</dd>\n<dt>Incongruent change</dt>"
               "<dd data-fig=\"incongruent\">%s</dd>\n",
               !cp->diverging_judged
                   ? "not judged: no recent pair, or no reliable difference "
                     "for this scale"
               : cp->diverging ? "yes: the latest pair differs by more than "
                                 "a reliable difference"
                               : "no",
               !cp->incongruent_judged
                   ? "not judged: reliable change is not known for both "
                     "partners"
               : cp->incongruent ? "yes: one partner reliably improved while "
                                   "the other reliably deteriorated"
                                 : "no");
    if (cp->reason[0] != '\0') {
        srv_put(b, "<dt>Why</dt><dd class=\"alert\">");
        srv_esc(b, cp->reason);
        srv_put(b, "</dd>\n");
    }
    srv_put(b, "</dl>\n");
}

static void shared(srv_buf *b, const couple_page *p,
                   const cairn_couple_shared *s)
{
    const cairn_instrument *inst = s->instrument;
    const cairn_scale *sc = cairn_instrument_find_scale(inst, s->a->scale);
    char id[64];
    if (sc == NULL) {
        return;
    }
    snprintf(id, sizeof id, "chart-%s", cairn_instrument_code(inst));
    char who[160];
    snprintf(who, sizeof who, "%s and %s", p->a->code, p->b->code);
    srv_printf(b, "<section class=\"course\" aria-labelledby=\"h-%s\">\n",
               cairn_instrument_code(inst));
    srv_print_head(b, p->clinic, p->today, who);
    srv_printf(b, "<h2 id=\"h-%s\">", cairn_instrument_code(inst));
    srv_esc(b, srv_short_name(inst));
    srv_put(b, ": ");
    srv_esc(b, cairn_instrument_name(inst));
    srv_put(b, "</h2>\n");
    srv_chart ch = {0};
    ch.id = id;
    ch.inst = inst;
    ch.scale = sc;
    ch.since_loss = p->since_loss;
    ch.loss_date = p->a->loss_date;
    ch.today = p->today;
    ch.n_series = 2;
    ch.series[0] = (srv_chart_series){p->a->code, s->a, p->ev[0], NULL};
    ch.series[1] = (srv_chart_series){p->b->code, s->b, p->ev[1], NULL};
    srv_chart_write(b, &ch);
    flags(b, s->couple);
    pair_table(b, p, inst, s->couple, id);
    srv_put(b, "</section>\n");
}

void srv_couple_get(srv_ctx *c, const char *code)
{
    couple_page p;
    srv_buf b = SRV_BUF_INIT, href = SRV_BUF_INIT;
    if (couple_load(&p, c, code) < 0) {
        couple_free(&p);
        return;
    }
    srv_dash_begin(c, &b, "Couple - Cairn", p.clinic, p.today);
    srv_put(&b, "<div class=\"couple\">\n<h1>");
    srv_esc(&b, p.a->code);
    srv_put(&b, " and ");
    srv_esc(&b, p.b->code);
    srv_put(&b, " side by side</h1>\n<p class=\"no-print\">Each partner's "
                "own page: <a href=\"");
    srv_client_href(&b, p.a->code);
    srv_put(&b, "\">");
    srv_esc(&b, p.a->code);
    srv_put(&b, "</a>, <a href=\"");
    srv_client_href(&b, p.b->code);
    srv_put(&b, "\">");
    srv_esc(&b, p.b->code);
    srv_put(&b, "</a>.</p>\n");
    srv_put(&href, "/couple/");
    srv_esc(&href, p.a->code);
    srv_axis_switch(&b, href.p != NULL ? href.p : "/", p.since_loss, NULL);
    for (size_t i = 0; i < p.view->n; i++) {
        shared(&b, &p, &p.view->shared[i]);
    }
    if (p.view->n == 0) {
        srv_put(&b, "<p>No questionnaire that both partners have completed."
                    "</p>\n");
    }
    srv_put(&b, "</div>\n");
    srv_page_end(&b);
    srv_buf_free(&href);
    couple_free(&p);
    srv_html(c->rs, 200, &b);
}
