/*
 * cli_stats.c - printing a trend for people, as `cairn trend` shows it
 * (the statistics commands' options are in cli_params.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A band's label for people (its id when the scale does not know it). */
static const char *band_words(const cairn_scale *sc, const char *id)
{
    for (size_t i = 0; sc != NULL && id != NULL && i < sc->n_bands; i++) {
        if (strcmp(sc->bands[i].id, id) == 0) {
            return sc->bands[i].label;
        }
    }
    return id;
}

static const char *rc_words(cairn_rc_category c)
{
    return c == CAIRN_RC_IMPROVED       ? "reliably improved"
           : c == CAIRN_RC_DETERIORATED ? "reliably deteriorated"
                                        : "no reliable change";
}

/* "16 on 2026-03-02 (week 2 after the loss; Moderately severe)". */
static int point_text(char *buf, size_t size, const cairn_trend *t,
                      const cairn_scale *sc, const cairn_trend_point *p)
{
    char score[32], week[48] = "";
    snprintf(score, sizeof score, "%.15g", p->score);
    if (t->axis == CAIRN_TIME_SINCE_LOSS) {
        snprintf(week, sizeof week, "week %.0f after the loss", p->weeks);
    }
    const char *band = band_words(sc, p->band);
    return snprintf(buf, size, "%s on %.10s%s%s%s%s%s", score, p->date,
                    week[0] || band ? " (" : "", week,
                    week[0] && band ? "; " : "", band ? band : "",
                    week[0] || band ? ")" : "");
}

static void print_change(const cairn_trend *t)
{
    static const char *const whens[] = {">=", ">", "<=", "<"};
    char line[1200];
    if (t->slope.has_estimate) {
        printf("  Trend      %+.2f points a week", t->slope.estimate);
        if (t->slope.has_interval) {
            printf(" (95%% CI %+.2f to %+.2f)", t->slope.ci_low,
                   t->slope.ci_high);
        }
        printf("\n");
    }
    if (t->has_rci && t->rci.from_points) {
        snprintf(line, sizeof line,
                 "%s: a change of %g points or more counts (published "
                 "threshold; %s)",
                 rc_words(t->rci.category), t->rci.threshold_points,
                 t->rc_source);
        cli_print_wrapped(stdout, "  Reliable   ", "             ", line);
    } else if (t->has_rci) {
        snprintf(line, sizeof line,
                 "%s: RCI %.2f; a change of %.1f points or more counts "
                 "(Jacobson-Truax, SD %g, reliability %g; %s)",
                 rc_words(t->rci.category), t->rci.value,
                 t->rci.threshold_points, t->rci.sd, t->rci.reliability,
                 t->rc_source);
        cli_print_wrapped(stdout, "  Reliable   ", "             ", line);
    } else if (t->n >= 2) {
        cli_print_wrapped(stdout, "  Reliable   ", "             ",
                          "not judged: no published SD and reliability "
                          "(give --rci-sd and --rci-reliability)");
    }
    if (t->has_clinical) {
        snprintf(line, sizeof line,
                 "a case when %s %g: %s at baseline, %s "
                 "now%s (%s%s%s)",
                 whens[t->case_when], t->cutoff,
                 t->clinical.case_at_baseline ? "a case" : "not a case",
                 t->clinical.case_at_latest ? "a case" : "not a case",
                 t->clinical.reliably_recovered ? "; reliably recovered"
                 : t->clinical.recovered && !t->has_rci
                     ? "; recovered (reliable change not judged)"
                 : t->clinical.recovered ? "; recovered"
                                         : "",
                 t->params.criterion_text,
                 t->params.cutoff_from == CAIRN_PARAM_DEFINITION ? "" : "; ",
                 t->params.cutoff_from == CAIRN_PARAM_DEFINITION
                     ? ""
                     : t->cutoff_source);
        cli_print_wrapped(stdout, "  Clinical   ", "             ", line);
    }
    if (t->expectation_checked) {
        snprintf(line, sizeof line,
                 "%.1f now for this clinic's clients "
                 "with the same start (90%%: %.1f to %.1f)",
                 t->expected, t->expected_low, t->expected_high);
        cli_print_wrapped(stdout, "  Expected   ", "             ", line);
    }
    if (t->has_rci &&
        strncmp(t->no_improvement_source, "project policy", 14) != 0) {
        snprintf(line, sizeof line, "no-improvement alert after %g weeks (%s)",
                 t->no_improvement_weeks, t->no_improvement_source);
        cli_print_wrapped(stdout, "  Window     ", "             ", line);
    }
}

/* On the since-loss axis, the week after the loss of every score. */
static void print_weeks(const cairn_trend *t)
{
    char line[1200];
    size_t used = 0;
    line[0] = '\0';
    for (size_t i = 0; i < t->n && used + 16 < sizeof line; i++) {
        int k = snprintf(line + used, sizeof line - used, "%s%.0f",
                         i ? ", " : "", t->points[i].weeks);
        used += k > 0 ? (size_t)k : 0;
    }
    cli_print_wrapped(stdout, "  Weeks      ", "             ", line);
}

void cli_print_trend(const cairn_trend *t, const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_find_scale(inst, t->scale);
    char line[1200], a[400], b[400];
    snprintf(line, sizeof line, "%s - %s (%s): %zu scored assessment%s",
             cairn_instrument_name(inst), sc ? sc->label : t->scale,
             t->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                                   : "higher is better",
             t->n, t->n == 1 ? "" : "s");
    cli_print_wrapped(stdout, "", "  ", line);
    if (t->axis == CAIRN_TIME_SINCE_LOSS) {
        printf("  Time       weeks since the loss\n");
    } else if (t->axis_fallback) {
        printf("  Time       weeks since the first score (no loss date "
               "recorded)\n");
    }
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
    if (t->axis == CAIRN_TIME_SINCE_LOSS) {
        print_weeks(t);
    }
    point_text(a, sizeof a, t, sc, &t->baseline);
    if (t->n >= 2) {
        point_text(b, sizeof b, t, sc, &t->latest);
        snprintf(line, sizeof line,
                 "Baseline %s, latest %s: change %+g over "
                 "%.0f weeks",
                 a, b, t->change, t->weeks);
    } else {
        snprintf(line, sizeof line, "Baseline %s", a);
    }
    cli_print_wrapped(stdout, "  ", "             ", line);
    print_change(t);
    for (size_t i = 0; i < t->n_alerts; i++) {
        const cairn_alert *al = &t->alerts[i];
        if (al->state == CAIRN_ALERT_RESOLVED) {
            continue;
        }
        snprintf(line, sizeof line, "%s  [%s]", al->reason, al->key);
        cli_print_wrapped(stdout,
                          al->state == CAIRN_ALERT_OPEN ? "  !! ALERT "
                                                        : "     (ack) ",
                          "             ", line);
    }
}
