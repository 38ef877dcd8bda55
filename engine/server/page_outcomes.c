/*
 * page_outcomes.c - Clinic outcomes (supervisors and managers): per
 * questionnaire, the cohort figures and the growth model exactly as
 * `cairn cohort` computes them (cairn_cohort_summarize and
 * cairn_cohort_compute with the clinic's settings), with the caution the
 * command prints when too few clients stand behind a figure
 * (CAIRN_COHORT_MEANINGFUL_N).  No client appears on this page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "server_internal.h"

static void fixed(srv_buf *b, double v, int decimals)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    srv_put(b, tmp);
}

static void figure(srv_buf *b, const char *name)
{
    srv_put(b, "<tr><th scope=\"row\">");
    srv_put(b, name);
    srv_put(b, "</th><td>");
}

/* " (95% interval LOW to HIGH)" and the row's end. */
static void interval(srv_buf *b, double low, double high, int decimals)
{
    srv_put(b, " (95% interval ");
    fixed(b, low, decimals);
    srv_put(b, " to ");
    fixed(b, high, decimals);
    srv_put(b, ")</td></tr>\n");
}

static void effect(srv_buf *b, const char *name, const cairn_effect *e)
{
    if (!e->has_value) {
        return;
    }
    figure(b, name);
    fixed(b, e->value, 2);
    interval(b, e->ci_low, e->ci_high, 2);
}

static void caution(srv_buf *b, const char *what, double n)
{
    srv_put(b, "<p class=\"caution\">");
    srv_put(b, what);
    srv_put(b, ": only ");
    srv_number(b, n);
    srv_put(b, " client");
    srv_put(b, n == 1 ? "" : "s");
    srv_put(b, ", and at least ");
    srv_int(b, CAIRN_COHORT_MEANINGFUL_N);
    srv_put(b, " are needed before these figures mean much.</p>\n");
}

/* One "name: mean (SD)" row; a change is signed. */
static void mean_sd(srv_buf *b, const char *name, double mean, double sd,
                    int is_change)
{
    figure(b, name);
    srv_put(b, is_change && mean > 0 ? "+" : "");
    fixed(b, mean, 2);
    srv_put(b, " (");
    fixed(b, sd, 2);
    srv_put(b, ")</td></tr>\n");
}

static void change_rows(srv_buf *b, const cairn_cohort_result *r)
{
    const cairn_cohort_change *c = &r->change;
    if (!r->has_change) {
        return;
    }
    mean_sd(b, "Baseline, mean (SD)", c->baseline_mean, c->baseline_sd, 0);
    mean_sd(b, "Latest, mean (SD)", c->latest_mean, c->latest_sd, 0);
    mean_sd(b, "Change, mean (SD)", c->change_mean, c->change_sd, 1);
    effect(b, "Effect size d (change / baseline SD)", &c->d);
    effect(b, "Hedges' g (small-sample corrected)", &c->g);
    effect(b, "d<sub>z</sub> (change / SD of change)", &c->d_z);
}

static void count_rows(srv_buf *b, const cairn_cohort_summary *s)
{
    if (s->has_rc) {
        figure(b, "Reliable change");
        srv_number(b, s->rc_counts[0]);
        srv_put(b, " improved, ");
        srv_number(b, s->rc_counts[1]);
        srv_put(b, " no reliable change, ");
        srv_number(b, s->rc_counts[2]);
        srv_put(b, " deteriorated</td></tr>\n");
    }
    if (s->has_cutoff) {
        figure(b, "Against the cut-off");
        srv_put(b, "cut-off ");
        srv_number(b, s->cutoff);
        srv_put(b, ": ");
        srv_number(b, s->case_at_baseline);
        srv_put(b, " a case at baseline, ");
        srv_number(b, s->recovered);
        srv_put(b, " recovered, ");
        srv_number(b, s->reliably_recovered);
        srv_put(b, " reliably recovered</td></tr>\n");
    }
}

static void model_part(srv_buf *b, const cairn_cohort_result *r)
{
    const cairn_mixed_fit_result *m = r->model;
    srv_put(b, "<h3>Growth model</h3>\n");
    if (m == NULL) {
        srv_put(b, "<p>Not fitted: ");
        srv_esc(b, r->model_note);
        srv_put(b, ".</p>\n");
        return;
    }
    srv_put(b, "<p>Score by weeks since each client's first assessment, "
               "with each client's own start and rate (");
    srv_put(b, m->reml ? "REML" : "ML");
    srv_put(b, ", ");
    srv_int(b, (long long)m->n_groups);
    srv_put(b, " clients, ");
    srv_int(b, (long long)m->n_obs);
    srv_put(b, " scores");
    srv_put(b, m->converged ? "" : ", the fit did not converge");
    srv_put(b, ").</p>\n<table class=\"figures\">\n<tbody>\n");
    figure(b, "Typical start");
    fixed(b, m->intercept, 2);
    srv_put(b, " (SE ");
    fixed(b, m->intercept_se, 2);
    srv_put(b, ")</td></tr>\n");
    figure(b, "Change per week");
    srv_put(b, m->slope > 0 ? "+" : "");
    fixed(b, m->slope, 3);
    interval(b, m->slope_ci[0], m->slope_ci[1], 3);
    figure(b, "Spread between clients: start SD, weekly-rate SD");
    fixed(b, m->sd_intercept, 2);
    srv_put(b, ", ");
    fixed(b, m->sd_slope, 3);
    srv_put(b, "</td></tr>\n");
    figure(b, "Residual SD");
    fixed(b, m->sigma, 2);
    srv_put(b, "</td></tr>\n</tbody>\n</table>\n");
    if (m->n_groups < CAIRN_COHORT_MEANINGFUL_N) {
        caution(b, "The spread between clients", (double)m->n_groups);
    }
}

static void instrument_part(srv_buf *b, const cairn_instrument *in,
                            const cairn_cohort_result *r)
{
    const cairn_cohort_summary *s = r->summary;
    srv_put(b, "<section class=\"cohort\">\n<h2>");
    srv_esc(b, cairn_report_short_name(in));
    srv_put(b, " <span class=\"code\">");
    srv_esc(b, cairn_instrument_name(in));
    srv_put(b, "</span></h2>\n<p>");
    srv_number(b, s->n_clients);
    srv_put(b, s->n_clients == 1 ? " client, " : " clients, ");
    srv_number(b, s->n_paired);
    srv_put(b, " with two or more scores.</p>\n");
    if (s->n_paired < CAIRN_COHORT_MEANINGFUL_N) {
        caution(b, "Change and effect sizes", s->n_paired);
    }
    srv_put(b, "<table class=\"figures\">\n<caption class=\"visually-"
               "hidden\">");
    srv_esc(b, cairn_report_short_name(in));
    srv_put(b, " cohort figures</caption>\n<tbody>\n");
    change_rows(b, r);
    count_rows(b, s);
    if (r->has_alpha) {
        figure(b, "Cronbach's alpha at baseline");
        fixed(b, r->alpha, 3);
        srv_put(b, " (");
        srv_int(b, (long long)r->alpha_n);
        srv_put(b, " complete sets)</td></tr>\n");
    }
    srv_put(b, "</tbody>\n</table>\n");
    model_part(b, r);
    srv_put(b, "</section>\n");
}

void srv_outcomes_get(srv_ctx *c)
{
    const cairn_catalog *cat = c->app->cfg.catalog;
    srv_buf b = SRV_BUF_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    size_t shown = 0;
    int rc = cairn_store_audit_view(c->app->cfg.store, "outcomes", NULL, &err);
    srv_frame_begin(c, &b, "Clinic outcomes - Cairn", "outcomes");
    srv_put(&b, "<h1>Clinic outcomes</h1>\n<p>Every client's first and "
                "latest score on each questionnaire, over the whole "
                "practice.</p>\n");
    for (size_t i = 0; rc == CAIRN_OK && i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
        cairn_mixed_options mo = CAIRN_MIXED_OPTIONS_INIT;
        cairn_cohort_summary *s = NULL;
        cairn_cohort_result *r = NULL;
        rc = cairn_cohort_summarize(&s, c->app->cfg.store, in, &o, &err);
        if (rc == CAIRN_OK && s->n_clients > 0) {
            rc = cairn_cohort_compute(&r, s, &mo, &err);
            if (rc == CAIRN_OK) {
                instrument_part(&b, in, r);
                shown++;
            }
        }
        cairn_cohort_result_free(r);
        cairn_cohort_summary_free(s);
    }
    if (rc < 0) {
        srv_buf_free(&b);
        srv_dash_fail(c, &err);
        return;
    }
    if (shown == 0) {
        srv_put(&b, "<p>No scores yet.</p>\n");
    }
    srv_frame_end(&b);
    srv_html(c->rs, 200, &b);
}
