/*
 * cli_stats.c - what the statistics commands share: the override options
 * (--rci-sd, --rci-reliability, --cutoff, --time, --scale,
 * --no-improvement-weeks) and printing a trend for people.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options shared by trend, caseload, cohort and couple. */
static const struct option cli_stats_options[] = {
    {"client", required_argument, NULL, 'c'},
    {"instrument", required_argument, NULL, 'i'},
    {"json", no_argument, NULL, 'j'},
    {"scale", required_argument, NULL, 1},
    {"rci-sd", required_argument, NULL, 1},
    {"rci-reliability", required_argument, NULL, 1},
    {"cutoff", required_argument, NULL, 1},
    {"time", required_argument, NULL, 1},
    {"no-improvement-weeks", required_argument, NULL, 1},
    {"clinician", required_argument, NULL, 'C'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 't'},
    {"ml", no_argument, NULL, 'm'},
    {"intercept-only", no_argument, NULL, 'o'},
    {"all", no_argument, NULL, 'a'},
    {NULL, 0, NULL, 0}};

int cli_stats_parse(const char *cmd, int argc, char **argv, cli_stats_args *a)
{
    int c, idx = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", cli_stats_options, &idx)) != -1) {
        const char *name = cli_stats_options[idx].name;
        switch (c) {
        case 'c':
            a->client = optarg;
            break;
        case 'i':
            a->instrument = optarg;
            break;
        case 'j':
            a->json = true;
            break;
        case 'C':
            a->clinician = optarg;
            break;
        case 'f':
            a->from = optarg;
            break;
        case 't':
            a->to = optarg;
            break;
        case 'm':
            a->ml = true;
            break;
        case 'o':
            a->intercept_only = true;
            break;
        case 'a':
            if (strcmp(cmd, "caseload") != 0) {
                return cli_usage(cmd, "unknown option '--all'");
            }
            a->all = true;
            break;
        case 1: {
            int rc = cli_trend_option(cmd, name, optarg, &a->trend);
            if (rc != CLI_OK) {
                return rc;
            }
            break;
        }
        default:
            return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage(cmd, "unexpected '%s'", argv[optind]);
    }
    return CLI_OK;
}

bool cli_parse_number(const char *s, double *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0') {
        return false;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

int cli_trend_option(const char *cmd, const char *opt, const char *value,
                     cairn_trend_options *o)
{
    double v = 0;
    if (strcmp(opt, "time") == 0) {
        if (strcmp(value, "since-first") == 0) {
            o->axis = CAIRN_TIME_SINCE_FIRST;
        } else if (strcmp(value, "since-loss") == 0) {
            o->axis = CAIRN_TIME_SINCE_LOSS;
        } else {
            return cli_usage(cmd,
                             "--time takes since-first or since-loss, "
                             "not '%s'",
                             value);
        }
        return CLI_OK;
    }
    if (strcmp(opt, "scale") == 0) {
        o->scale = value;
        return CLI_OK;
    }
    if (!cli_parse_number(value, &v)) {
        return cli_usage(cmd, "--%s takes a number, not '%s'", opt, value);
    }
    if ((strcmp(opt, "rci-sd") == 0 && !(v > 0)) ||
        (strcmp(opt, "rci-reliability") == 0 && !(v > 0 && v < 1))) {
        return cli_usage(cmd, "--%s %s: %s", opt, value,
                         v > 0 ? "a reliability is between 0 and 1"
                               : "must be positive");
    }
    if (strcmp(opt, "rci-sd") == 0) {
        o->has_sd = true;
        o->sd = v;
    } else if (strcmp(opt, "rci-reliability") == 0) {
        o->has_reliability = true;
        o->reliability = v;
    } else if (strcmp(opt, "cutoff") == 0) {
        o->has_cutoff = true;
        o->cutoff = v;
    } else {
        o->no_improvement_weeks = v;
        o->has_no_improvement_weeks = true;
    }
    return CLI_OK;
}

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
