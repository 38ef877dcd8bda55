/*
 * cli_cohort.c - cohort statistics for people, shared by `cairn cohort`
 * (a clinic's own rows) and `cairn aggregate report` (pooled summaries,
 * with small counts suppressed and the statistics that would reveal them
 * withheld).
 */
#include <stdio.h>

#include "cli.h"

static void print_effect(const char *name, const cairn_effect *e)
{
    if (e->has_value) {
        printf("  %-4s %6.2f  (95%% CI %.2f to %.2f)\n", name, e->value,
               e->ci_low, e->ci_high);
    }
}

/* A count as printed: the number, or "*" when suppressed. */
static const char *count(char buf[32], const cairn_aggregate_table *t,
                         const char *name, double value)
{
    if (t != NULL && cairn_aggregate_table_is_suppressed(t, name)) {
        return "*";
    }
    snprintf(buf, 32, "%g", value);
    return buf;
}

static void print_change(const cairn_cohort_result *r,
                         const cairn_aggregate_table *t)
{
    const cairn_cohort_change *c = &r->change;
    if (!r->has_change) {
        return;
    }
    if (t != NULL && t->withhold_change) {
        printf("  change statistics withheld: they would reveal a "
               "suppressed count\n");
        return;
    }
    /* published: fewer decimals for fewer clients (the table says) */
    int d = t != NULL ? t->mean_decimals : 2;
    printf("  baseline %.*f (SD %.*f), latest %.*f (SD %.*f), change "
           "%+.*f (SD %.*f)%s\n",
           d, c->baseline_mean, d, c->baseline_sd, d, c->latest_mean, d,
           c->latest_sd, d, c->change_mean, d, c->change_sd,
           t != NULL && d < 2 ? " (rounded for a small cohort)" : "");
    print_effect("d (uncorrected)", &c->d);
    print_effect("g (Hedges, small-sample corrected)", &c->g);
    print_effect("d_z", &c->d_z);
    if (r->summary->n_paired < CAIRN_COHORT_MEANINGFUL_N) {
        printf("  (not meaningful: %g client%s with two scores; effect "
               "sizes need at least %d)\n",
               r->summary->n_paired, r->summary->n_paired == 1 ? "" : "s",
               CAIRN_COHORT_MEANINGFUL_N);
    }
}

static void print_counts(const cairn_cohort_summary *s,
                         const cairn_aggregate_table *t)
{
    char a[32], b[32], c[32];
    if (s->has_rc) {
        char how[64];
        if (s->rc_points > 0) {
            snprintf(how, sizeof how, "%g points or more", s->rc_points);
        } else {
            snprintf(how, sizeof how, "SD %g, r %g", s->rc_sd,
                     s->rc_reliability);
        }
        printf("  reliable change (%s): %s improved, %s no "
               "reliable change, %s deteriorated\n",
               how, count(a, t, "rci_counts.improved", s->rc_counts[0]),
               count(b, t, "rci_counts.no_reliable_change", s->rc_counts[1]),
               count(c, t, "rci_counts.deteriorated", s->rc_counts[2]));
    }
    if (s->has_cutoff) {
        printf("  cut-off %g: %s a case at baseline, %s recovered, %s "
               "reliably recovered\n",
               s->cutoff, count(a, t, "case_at_baseline", s->case_at_baseline),
               count(b, t, "recovered", s->recovered),
               count(c, t, "reliably_recovered", s->reliably_recovered));
    }
}

static void print_model(const cairn_cohort_result *r,
                        const cairn_aggregate_table *t)
{
    const cairn_mixed_fit_result *m = r->model;
    if (t != NULL && t->withhold_model) {
        printf("  growth model: withheld: it would reveal a suppressed "
               "count\n");
        return;
    }
    if (m == NULL) {
        printf("  growth model: not fitted: %s\n", r->model_note);
        return;
    }
    printf("  growth model (%s, %zu clients, %zu scores%s):\n"
           "    intercept %.3f (SE %.3f), weeks %+.4f (SE %.4f, 95%% CI "
           "%.4f to %.4f)\n"
           "    SD intercept %.3f, SD weeks %.4f, correlation %.3f, "
           "residual SD %.3f\n"
           "    %s %.4f, log-likelihood %.4f\n",
           m->reml ? "REML" : "ML", m->n_groups, m->n_obs,
           m->converged ? "" : ", NOT CONVERGED", m->intercept, m->intercept_se,
           m->slope, m->slope_se, m->slope_ci[0], m->slope_ci[1],
           m->sd_intercept, m->sd_slope, m->cor, m->sigma,
           m->reml ? "REML criterion" : "deviance", m->criterion, m->loglik);
    if (m->n_groups < CAIRN_COHORT_MEANINGFUL_N) {
        printf("    (the SDs and correlation are not meaningful with %zu "
               "clients; at least %d are needed)\n",
               m->n_groups, CAIRN_COHORT_MEANINGFUL_N);
    }
}

/* Which course of care each client contributes, and what was left out. */
static void print_episodes(const cairn_cohort_summary *s,
                           const cairn_aggregate_table *t)
{
    char line[320], n[32] = "";
    if (s->episode == CAIRN_EPISODE_ALL) {
        snprintf(line, sizeof line,
                 "Course of care: every assessment, in or out of episodes");
    } else {
        char which[32];
        if (s->episode == CAIRN_EPISODE_CURRENT) {
            snprintf(which, sizeof which, "current (latest)");
        } else {
            snprintf(which, sizeof which, "episode %d", s->episode);
        }
        if (t == NULL) {
            snprintf(n, sizeof n, "%g ", s->n_outside);
        }
        snprintf(line, sizeof line,
                 "Course of care: each client's %s episode of care (a "
                 "client without episodes counts whole); %sassessments "
                 "outside it left out%s",
                 which, n,
                 s->episode == CAIRN_EPISODE_CURRENT
                     ? "; --episode all or N for others"
                     : "");
    }
    cli_print_wrapped(stdout, "  ", "    ", line);
}

void cli_print_cohort(const cairn_cohort_result *r,
                      const cairn_aggregate_table *t)
{
    const cairn_cohort_summary *s = r->summary;
    char a[32], b[32];
    bool any = false;
    printf("%s %s: %s clients, %s with two or more scores\n", s->instrument,
           s->scale, count(a, t, "n_clients", s->n_clients),
           count(b, t, "n_paired", s->n_paired));
    print_episodes(s, t);
    print_change(r, t);
    print_counts(s, t);
    if (r->has_alpha && t != NULL && t->withhold_alpha) {
        printf("  Cronbach's alpha withheld: it would reveal a suppressed "
               "count\n");
    } else if (r->has_alpha) {
        printf("  Cronbach's alpha at baseline %.3f (%zu complete sets)%s\n",
               r->alpha, r->alpha_n,
               r->alpha_n < CAIRN_COHORT_MEANINGFUL_N
                   ? ": not meaningful with so few"
                   : "");
    }
    print_model(r, t);
    for (size_t i = 0; t != NULL && i < t->n_cells; i++) {
        any = any || t->cells[i].suppressed;
    }
    if (any) {
        printf("  * suppressed: fewer than %d, or would let such a count "
               "be worked out\n",
               t->min_cell);
    }
}
