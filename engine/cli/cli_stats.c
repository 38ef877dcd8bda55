/*
 * cli_stats.c - printing a trend for people, as `cairn trend` shows it
 * (the statistics commands' options are in cli_params.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_point(const char *what, const cairn_trend_point *p)
{
    printf("%s ", what);
    cli_print_number(stdout, p->score);
    printf(" on %.10s%s%s%s", p->date, p->band ? " (" : "",
           p->band ? p->band : "", p->band ? ")" : "");
}

static void print_change(const cairn_trend *t)
{
    static const char *const whens[] = {">=", ">", "<=", "<"};
    if (t->slope.has_estimate) {
        printf("  Trend      %+.2f points a week", t->slope.estimate);
        if (t->slope.has_interval) {
            printf(" (95%% CI %+.2f to %+.2f)", t->slope.ci_low,
                   t->slope.ci_high);
        }
        printf("\n");
    }
    if (t->has_rci) {
        printf("  Reliable   %s: RCI %.2f; a change of %.1f points or "
               "more counts\n"
               "             (Jacobson-Truax, SD %g, reliability %g; %s)\n",
               cairn_rc_category_name(t->rci.category), t->rci.value,
               t->rci.threshold_points, t->rci.sd, t->rci.reliability,
               t->rc_source);
    } else if (t->n >= 2) {
        printf("  Reliable   not judged: no published SD and reliability "
               "(give --rci-sd and --rci-reliability)\n");
    }
    if (t->has_clinical) {
        printf("  Clinical   a case when %s %g: %s at baseline, %s now%s\n",
               whens[t->case_when], t->cutoff,
               t->clinical.case_at_baseline ? "a case" : "not a case",
               t->clinical.case_at_latest ? "a case" : "not a case",
               t->clinical.reliably_recovered ? "; reliably recovered"
               : t->clinical.recovered && !t->has_rci
                   ? "; recovered (reliable change not judged)"
               : t->clinical.recovered ? "; recovered"
                                       : "");
        printf("             (%s%s%s)\n", t->params.criterion_text,
               t->params.cutoff_from == CAIRN_PARAM_DEFINITION ? "" : "; ",
               t->params.cutoff_from == CAIRN_PARAM_DEFINITION
                   ? ""
                   : t->cutoff_source);
    }

    if (t->expectation_checked) {
        printf("  Expected   %.1f now for this clinic's clients with the "
               "same start (90%%: %.1f to %.1f)\n",
               t->expected, t->expected_low, t->expected_high);
    }
    if (t->has_rci &&
        strncmp(t->no_improvement_source, "project policy", 14) != 0) {
        printf("  Window     no-improvement alert after %g weeks (%s)\n",
               t->no_improvement_weeks, t->no_improvement_source);
    }
}

void cli_print_trend(const cairn_trend *t, const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_find_scale(inst, t->scale);
    printf("%s - %s (%s): %zu scored assessment%s\n",
           cairn_instrument_name(inst), sc ? sc->label : t->scale,
           t->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                                 : "higher is better",
           t->n, t->n == 1 ? "" : "s");
    if (!t->has_baseline) {
        printf("  no scored assessment yet\n");
        return;
    }
    double *v = malloc((t->n + 1) * sizeof *v);
    if (v != NULL) {
        for (size_t i = 0; i < t->n; i++) {
            v[i] = t->points[i].score;
        }
        printf("  Scores     ");
        cli_sparkline(stdout, v, t->n, sc ? sc->min : 0, sc ? sc->max : 0);
        printf("\n");
        free(v);
    }
    printf("  ");
    print_point("Baseline", &t->baseline);
    if (t->n >= 2) {
        printf(", ");
        print_point("latest", &t->latest);
        printf(": change %+g over %.0f weeks", t->change, t->weeks);
    }
    printf("\n");
    print_change(t);
    for (size_t i = 0; i < t->n_alerts; i++) {
        const cairn_alert *a = &t->alerts[i];
        if (a->state == CAIRN_ALERT_RESOLVED) {
            continue;
        }
        printf("  %s %s  [%s]\n",
               a->state == CAIRN_ALERT_OPEN ? "!! ALERT" : "   (ack)",
               a->reason, a->key);
    }
}
