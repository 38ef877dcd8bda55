/*
 * report_cohort_sheets.c - the cohort workbook: Statistics, Growth
 * model, Trajectories (with the chart), Data dictionary and Provenance.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

#define FIRST_ROW 4

static void head_row(cairn__sheet *s, size_t row, const char *const *h,
                     size_t n)
{
    for (size_t k = 0; k < n; k++) {
        cairn__xlsx_text(s, row, k, h[k], &HEAD);
    }
}

/* ---- Statistics ---- */

static size_t stat(cairn__sheet *s, size_t row, const char *what, bool has,
                   double v, const cairn__style *st, const char *note)
{
    cairn__xlsx_text(s, row, 0, what, &KEY);
    if (has) {
        cairn__xlsx_number(s, row, 1, v, st);
    }
    cairn__xlsx_text(s, row, 4, note, &LONG);
    return row + 1;
}

static size_t effect(cairn__sheet *s, size_t row, const char *what,
                     const cairn_effect *e, const char *note)
{
    row = stat(s, row, what, e->has_value, e->value, &DP3, note);
    if (e->has_value) {
        cairn__xlsx_number(s, row - 1, 2, e->ci_low, &DP3);
        cairn__xlsx_number(s, row - 1, 3, e->ci_high, &DP3);
    }
    return row;
}

static size_t change_rows(cairn__sheet *s, size_t row,
                          const cairn_cohort_result *res)
{
    const cairn_cohort_summary *m = res->summary;
    const cairn_cohort_change *c = &res->change;
    bool ch = res->has_change;
    row = stat(s, row, "Clients with a score", true, m->n_clients, &INT, NULL);
    row = stat(s, row, "Clients with two or more scores", true, m->n_paired,
               &INT, "baseline: first score; latest: last score");
    row = stat(s, row, "Baseline mean", ch, c->baseline_mean, &DP2, NULL);
    row = stat(s, row, "Baseline SD", ch, c->baseline_sd, &DP2, NULL);
    row = stat(s, row, "Latest mean", ch, c->latest_mean, &DP2, NULL);
    row = stat(s, row, "Latest SD", ch, c->latest_sd, &DP2, NULL);
    row = stat(s, row, "Mean change (latest - baseline)", ch, c->change_mean,
               &DP2, NULL);
    row = stat(s, row, "SD of change", ch, c->change_sd, &DP2, NULL);
    row = stat(s, row, "Baseline-latest correlation", ch, c->r, &DP3, NULL);
    row = effect(s, row, "Effect size d (uncorrected)", &c->d,
                 "mean change / baseline SD; normal 95% interval");
    row = effect(s, row, "Effect size g (Hedges)", &c->g,
                 "d x c(n - 1), the small-sample correction; normal 95% "
                 "interval");
    row = effect(s, row, "Effect size d_z", &c->d_z,
                 "mean change / SD of change; normal 95% interval");
    return row;
}

static size_t count_rows(cairn__sheet *s, size_t row,
                         const cairn_cohort_result *res)
{
    const cairn_cohort_summary *m = res->summary;
    const char *rc_note = m->has_rc ? "Jacobson-Truax, |RCI| >= 1.96"
                                    : "not judged: no reliable-change "
                                      "parameters";
    const char *cut_note = m->has_cutoff ? "of clients with two or more "
                                           "scores"
                                         : "not judged: no cut-off";
    row = stat(s, row, "Reliably improved", m->has_rc,
               m->rc_counts[CAIRN_RC_IMPROVED], &INT, rc_note);
    row = stat(s, row, "No reliable change", m->has_rc,
               m->rc_counts[CAIRN_RC_NO_RELIABLE_CHANGE], &INT, rc_note);
    row = stat(s, row, "Reliably deteriorated", m->has_rc,
               m->rc_counts[CAIRN_RC_DETERIORATED], &INT, rc_note);
    row = stat(s, row, "Case at baseline", m->has_cutoff, m->case_at_baseline,
               &INT, cut_note);
    row =
        stat(s, row, "Recovered", m->has_cutoff, m->recovered, &INT, cut_note);
    row = stat(s, row, "Reliably recovered", m->has_cutoff && m->has_rc,
               m->reliably_recovered, &INT, cut_note);
    char note[96];
    snprintf(note, sizeof note, "complete baseline item sets: %zu",
             res->alpha_n);
    return stat(s, row, "Cronbach's alpha", res->has_alpha, res->alpha, &DP3,
                note);
}

static void band_rows(cairn__sheet *s, size_t row, const cairn_scale *sc,
                      const cairn_cohort_summary *m)
{
    static const char *const h[] = {"Band", "Clients at baseline",
                                    "Clients at latest"};
    if (m->n_bands == 0) {
        return;
    }
    cairn__xlsx_text(s, row++, 0, "Bands", &SECTION);
    head_row(s, row++, h, 3);
    for (size_t b = 0; b < m->n_bands; b++, row++) {
        const char *label = cairn__report_band_label(sc, m->band_ids[b]);
        cairn__style fill = {.fill = cairn__report_band_fill(sc, b)};
        cairn__xlsx_text(s, row, 0, label ? label : m->band_ids[b], &fill);
        cairn__xlsx_number(s, row, 1, m->band_baseline[b], &INT);
        cairn__xlsx_number(s, row, 2, m->band_latest[b], &INT);
    }
}

static void statistics(cairn__xlsx *x, const cairn_report_cohort *r,
                       const char *when)
{
    static const char *const h[] = {"Measure", "Value", "95% CI low",
                                    "95% CI high", "Note"};
    cairn__sheet *s = cairn__xlsx_sheet(x, "Statistics");
    cairn__xlsx_textf(s, 0, 0, &TITLE, "Cohort: %s", r->scale->label);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "As of %s; made by Cairn %s. Filters and parameters: "
                      "see Provenance. No client is named.",
                      when, cairn_version());
    head_row(s, FIRST_ROW - 1, h, 5);
    size_t row = change_rows(s, FIRST_ROW, r->result);
    row = count_rows(s, row, r->result);
    band_rows(s, row + 1, r->scale, r->summary);
    cairn__xlsx_freeze(s, FIRST_ROW, 1);
}

/* ---- Growth model ---- */

static size_t fixed_rows(cairn__sheet *s, size_t row,
                         const cairn_mixed_fit_result *m)
{
    static const char *const h[] = {"Term", "Estimate", "SE", "95% CI low",
                                    "95% CI high"};
    const char *terms[2] = {"Intercept (score at week 0)",
                            "Weeks (change per week)"};
    double est[2] = {m->intercept, m->slope};
    double se[2] = {m->intercept_se, m->slope_se};
    const double *ci[2] = {m->intercept_ci, m->slope_ci};
    head_row(s, row++, h, 5);
    for (size_t k = 0; k < 2; k++, row++) {
        cairn__xlsx_text(s, row, 0, terms[k], &KEY);
        cairn__xlsx_number(s, row, 1, est[k], &DP3);
        cairn__xlsx_number(s, row, 2, se[k], &DP3);
        cairn__xlsx_number(s, row, 3, ci[k][0], &DP3);
        cairn__xlsx_number(s, row, 4, ci[k][1], &DP3);
    }
    return row + 1;
}

static size_t component_rows(cairn__sheet *s, size_t row,
                             const cairn_mixed_fit_result *m)
{
    static const char *const h[] = {"Component", "Value"};
    struct {
        const char *what;
        double v;
        const cairn__style *st;
    } rows[] = {
        {"Random intercept SD", m->sd_intercept, &DP3},
        {"Random slope SD (per week)", m->sd_slope, &DP3},
        {"Intercept-slope correlation", m->cor, &DP3},
        {"Residual SD", m->sigma, &DP3},
        {m->reml ? "REML criterion" : "Deviance (-2 log-likelihood)",
         m->criterion, &DP3},
        {"Log-likelihood", m->loglik, &DP3},
        {"Simplex iterations", m->iterations, &INT},
        {"Observations", (double)m->n_obs, &INT},
        {"Clients", (double)m->n_groups, &INT},
    };
    head_row(s, row++, h, 2);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        bool slope_part = k == 1 || k == 2;
        if (m->intercept_only && slope_part) {
            continue; /* a random-intercept model has neither */
        }
        cairn__xlsx_text(s, row, 0, rows[k].what, &KEY);
        cairn__xlsx_number(s, row++, 1, rows[k].v, rows[k].st);
    }
    cairn__xlsx_text(s, row, 0, "Converged", &KEY);
    cairn__xlsx_text(s, row++, 1, m->converged ? "yes" : "no", &PLAIN);
    return row;
}

static void growth_model(cairn__xlsx *x, const cairn_report_cohort *r)
{
    const cairn_mixed_fit_result *m = r->result->model;
    const cairn_mixed_options *o = &r->options.model;
    cairn__sheet *s = cairn__xlsx_sheet(x, "Growth model");
    cairn__xlsx_textf(s, 0, 0, &TITLE,
                      "Growth model: score ~ weeks + %s, "
                      "%s",
                      o->intercept_only ? "(1 | client)" : "(weeks | client)",
                      o->reml ? "REML" : "maximum likelihood");
    cairn__xlsx_text(s, 1, 0,
                     "Weeks since each client's first score in "
                     "the range; Wald 95% intervals.",
                     &NOTE);
    if (m == NULL) {
        cairn__xlsx_textf(s, FIRST_ROW - 1, 0, &KEY, "No model: %s",
                          r->result->model_note);
        cairn__xlsx_freeze(s, 2, 0);
        return;
    }
    size_t row = fixed_rows(s, FIRST_ROW - 1, m);
    component_rows(s, row, m);
    cairn__xlsx_freeze(s, FIRST_ROW, 1);
}

/* ---- Trajectories ---- */

static void week_table(cairn__sheet *s, const cairn_report_cohort *r)
{
    static const char *const h[] = {"Week", "Observed mean", "Scores",
                                    "Model mean"};
    const cairn_mixed_fit_result *m = r->result->model;
    head_row(s, FIRST_ROW - 1, h, 4);
    for (size_t i = 0; i < r->n_weeks; i++) {
        const cairn_report_week *w = &r->weeks[i];
        cairn__xlsx_number(s, FIRST_ROW + i, 0, w->week, &INT);
        cairn__xlsx_number(s, FIRST_ROW + i, 1, w->mean, &DP2);
        cairn__xlsx_number(s, FIRST_ROW + i, 2, (double)w->n, &INT);
        if (m != NULL) {
            cairn__xlsx_number(s, FIRST_ROW + i, 3,
                               m->intercept + m->slope * w->week, &DP2);
        }
    }
}

static void point_table(cairn__sheet *s, const cairn_report_cohort *r)
{
    static const char *const h[] = {"Client", "Weeks", "Score"};
    for (size_t k = 0; k < 3; k++) {
        cairn__xlsx_text(s, FIRST_ROW - 1, 5 + k, h[k], &HEAD);
    }
    for (size_t i = 0; i < r->n_points; i++) {
        const cairn_report_point *p = &r->points[i];
        cairn__xlsx_number(s, FIRST_ROW + i, 5, (double)p->client, &INT);
        cairn__xlsx_number(s, FIRST_ROW + i, 6, p->weeks, &DP2);
        cairn__xlsx_number(s, FIRST_ROW + i, 7, p->score, &PLAIN);
    }
}

static void individual_lines(cairn__chart *c, const cairn__sheet *s,
                             const cairn_report_cohort *r)
{
    char name[96];
    snprintf(name, sizeof name, "individual clients (%zu of %.0f)", r->n_lines,
             r->summary->n_clients);
    for (size_t i = 0; i < r->n_points;) {
        size_t j = i;
        while (j < r->n_points && r->points[j].client == r->points[i].client) {
            j++;
        }
        cairn__series se = {.name = name,
                            .sheet = s,
                            .r1 = FIRST_ROW + i,
                            .r2 = FIRST_ROW + j - 1,
                            .xcol = 6,
                            .ycol = 7,
                            .color = 0xA6A6A6,
                            .width = 0.75,
                            .in_legend = i == 0,
                            .transparency = 40};
        cairn__xlsx_chart_series(c, &se);
        i = j;
    }
}

static void trajectories(cairn__xlsx *x, const cairn_report_cohort *r)
{
    cairn__sheet *s = cairn__xlsx_sheet(x, "Trajectories");
    cairn__xlsx_textf(s, 0, 0, &TITLE, "Trajectories: %s", r->scale->label);
    cairn__xlsx_textf(s, 1, 0, &NOTE,
                      "Weeks since each client's first score in the range. "
                      "Grey: %zu of %.0f clients (every one, or a regular "
                      "sample), numbered, not named.",
                      r->n_lines, r->summary->n_clients);
    week_table(s, r);
    point_table(s, r);
    cairn__xlsx_freeze(s, FIRST_ROW, 0);
    cairn__chart *c = cairn__xlsx_chart(x, CAIRN__CHART_SCATTER,
                                        "Mean course and individual courses");
    individual_lines(c, s, r);
    if (r->n_weeks > 0) {
        size_t last = FIRST_ROW + r->n_weeks - 1;
        cairn__series obs = {.name = "observed weekly mean",
                             .sheet = s,
                             .r1 = FIRST_ROW,
                             .r2 = last,
                             .xcol = 0,
                             .ycol = 1,
                             .color = 0x2F75B5,
                             .marker = CAIRN__MARKER_CIRCLE,
                             .marker_size = 5,
                             .in_legend = true};
        cairn__series model = {.name = "model mean (fixed effects)",
                               .sheet = s,
                               .r1 = FIRST_ROW,
                               .r2 = last,
                               .xcol = 0,
                               .ycol = 3,
                               .color = 0x1F3864,
                               .width = 3,
                               .in_legend = true};
        cairn__xlsx_chart_series(c, &obs);
        if (r->result->model != NULL) {
            cairn__xlsx_chart_series(c, &model);
        }
    }
    cairn__axis xa = {
        .title = "Weeks", .has_min = true, .min = 0, .gridlines = false};
    cairn__axis ya = {.title = "Score",
                      .has_min = true,
                      .has_max = true,
                      .min = r->scale->min,
                      .max = r->scale->max,
                      .gridlines = true};
    cairn__xlsx_chart_axes(c, &xa, &ya);
    cairn__xlsx_chart_insert(s, FIRST_ROW - 1, 9, c, 760, 420);
}

/* ---- Data dictionary and Provenance ---- */

static void dictionary(cairn__xlsx *x)
{
    static const char *const rows[][3] = {
        {"Statistics", "Clients with a score",
         "clients with at least one score on the scale in the range"},
        {"Statistics", "Baseline, latest",
         "each client's first and last score in the range (clients with "
         "two or more)"},
        {"Statistics", "Effect size d (uncorrected)",
         "mean change / baseline SD (standardized mean change)"},
        {"Statistics", "Effect size g (Hedges)",
         "d x c(n - 1), c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); "
         "variance 2(1-r)/n + g^2/(2n) (metafor's SMCR)"},
        {"Statistics", "Effect size d_z", "mean change / SD of change"},
        {"Statistics", "Reliably improved ...",
         "Jacobson-Truax: |change| >= 1.96 x sqrt(2) x SD x sqrt(1 - r), "
         "in the scale's direction"},
        {"Statistics", "Recovered",
         "a case at baseline (at or past the cut-off) and not at latest"},
        {"Statistics", "Cronbach's alpha",
         "internal consistency of the baseline item sets"},
        {"Growth model", "Intercept, Weeks",
         "fixed effects of score ~ weeks + (weeks | client), as lme4"},
        {"Growth model", "Random intercept/slope SD",
         "how much clients differ in their start and their weekly change"},
        {"Growth model", "Residual SD",
         "scatter of scores around each client's own line"},
        {"Trajectories", "Week", "whole weeks since the client's first score"},
        {"Trajectories", "Observed mean", "mean of the scores at that week"},
        {"Trajectories", "Model mean", "intercept + weeks x slope"},
        {"Trajectories", "Client", "a number, not the clinic's code"},
        {"Provenance", "Fingerprint",
         "SHA-256 of the definition that scored the assessments"},
    };
    static const char *const h[] = {"Sheet", "Entry", "Meaning"};
    cairn__sheet *s = cairn__xlsx_sheet(x, "Data dictionary");
    cairn__xlsx_text(s, 0, 0, "Data dictionary", &TITLE);
    head_row(s, 2, h, 3);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        for (size_t k = 0; k < 3; k++) {
            cairn__xlsx_text(s, 3 + i, k, rows[i][k], &PLAIN);
        }
    }
    cairn__xlsx_freeze(s, 3, 0);
}

static size_t kv(cairn__sheet *s, size_t row, const char *key,
                 const char *value)
{
    cairn__xlsx_text(s, row, 0, key, &KEY);
    cairn__xlsx_text(s, row, 1, value ? value : "none", &PLAIN);
    return row + 1;
}

static size_t parameter_rows(cairn__sheet *s, size_t row,
                             const cairn_report_cohort *r)
{
    /* the engine says where each value came from: definition, clinic
     * setting or command line */
    const cairn_cohort_summary *m = r->summary;
    if (m->has_rc && m->rc_points > 0) {
        cairn__xlsx_text(s, row, 0, "Reliable-change threshold", &KEY);
        cairn__xlsx_number(s, row, 1, m->rc_points, &PLAIN);
        row = kv(s, row + 1, "Its source", m->rc_source);
    } else if (m->has_rc) {
        cairn__xlsx_text(s, row, 0, "Reliable-change SD", &KEY);
        cairn__xlsx_number(s, row, 1, m->rc_sd, &PLAIN);
        cairn__xlsx_text(s, row + 1, 0, "Reliability", &KEY);
        cairn__xlsx_number(s, row + 1, 1, m->rc_reliability, &PLAIN);
        row = kv(s, row + 2, "Their source", m->rc_source);
    } else {
        cairn__xlsx_text(s, row, 0, "Reliable-change SD", &KEY);
        cairn__xlsx_text(s, row++, 1, "none: reliable change not judged",
                         &PLAIN);
    }
    cairn__xlsx_text(s, row, 0, "Clinical cut-off", &KEY);
    if (m->has_cutoff) {
        cairn__xlsx_number(s, row, 1, m->cutoff, &PLAIN);
        row = kv(s, row + 1, "Its source", m->cutoff_source);
        return kv(s, row, "Clinically significant change",
                  cairn_cs_criterion_name(m->criterion));
    }
    cairn__xlsx_text(s, row, 1, "none: recovery not judged", &PLAIN);
    return row + 1;
}

static void provenance(cairn__xlsx *x, const cairn_report_cohort *r,
                       const char *when)
{
    const cairn_cohort_options *o = &r->options.cohort;
    const cairn_mixed_options *mo = &r->options.model;
    cairn__sheet *s = cairn__xlsx_sheet(x, "Provenance");
    cairn__xlsx_text(s, 0, 0, "Provenance", &TITLE);
    size_t row = kv(s, 2, "Made by", "Cairn");
    row = kv(s, row, "Cairn version", cairn_version());
    row = kv(s, row, "Database", r->db_path);
    row = kv(s, row, "As of (the database's last change)", when);
    row = kv(s, row, "Instrument", cairn_instrument_name(r->instrument));
    row = kv(s, row, "Instrument code", cairn_instrument_code(r->instrument));
    row = kv(s, row, "Definition version",
             cairn_instrument_version(r->instrument));
    row = kv(s, row, "Definition fingerprint",
             cairn_instrument_fingerprint(r->instrument));
    row = kv(s, row, "Scale", r->scale->id);
    for (size_t i = 0; i < r->n_fingerprints; i++, row++) {
        cairn__xlsx_text(s, row, 0, "Scored with fingerprint", &KEY);
        cairn__xlsx_textf(s, row, 1, &PLAIN, "%s (%zu assessments)",
                          r->fingerprints[i].fingerprint, r->fingerprints[i].n);
    }
    row = kv(s, row, "From", o->from ? o->from : "the first assessment");
    row = kv(s, row, "To", o->to ? o->to : "the latest assessment");
    row = kv(s, row, "Clinician", o->clinician ? o->clinician : "every one");
    char ep[160], n[32];
    if (o->episode == CAIRN_EPISODE_ALL) {
        snprintf(ep, sizeof ep, "every assessment, in or out of episodes");
    } else {
        snprintf(ep, sizeof ep,
                 "each client's %s episode of care (clients without "
                 "episodes whole); %g assessments outside it left out",
                 cairn_episode_choice_name(o->episode, n, sizeof n),
                 r->summary->n_outside);
    }
    row = kv(s, row, "Course of care", ep);
    row = parameter_rows(s, row, r);
    row = kv(s, row, "Growth model",
             mo->intercept_only ? "random intercept only"
                                : "random intercept and slope");
    kv(s, row, "Estimation", mo->reml ? "REML" : "maximum likelihood");
    cairn__xlsx_freeze(s, 2, 0);
}

/* 2000-01-01T00:00:00Z: the document time of de-identified workbooks. */
#define DEIDENTIFIED_TIME ((time_t)946684800)

int cairn_report_cohort_write(const cairn_report_cohort *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err)
{
    char when[64], title[160];
    cairn__report_as_of_text(when, sizeof when, r->as_of);
    snprintf(title, sizeof title, "Cohort report: %s",
             cairn_report_short_name(r->instrument));
    /* De-identified: the document properties carry the caller's fixed
     * time or a fixed date, never the database's last change, which
     * dates the last client seen; the same data still give the same
     * file. */
    cairn__xlsx_props props = cairn__report_props(
        title, "Outcomes and growth model of a cohort",
        r->options.created ? r->options.created : DEIDENTIFIED_TIME);
    props.output = output;
    cairn__xlsx *x = NULL;
    int rc = cairn__xlsx_open(&x, path, &props, err);
    if (rc < 0) {
        return rc;
    }
    statistics(x, r, when);
    growth_model(x, r);
    trajectories(x, r);
    dictionary(x);
    provenance(x, r, when);
    return cairn__xlsx_close(x, err);
}
