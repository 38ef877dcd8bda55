/*
 * cmd_cohort.c - `cairn cohort`: outcomes over a caseload, with effect
 * sizes and the growth model.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

const cli_command cli_cohort_command = {
    "cohort",
    cmd_cohort,
    "outcomes over a caseload or clinic",
    "cairn cohort --instrument I [--json] [--from D] [--to D]\n"
    "       [--clinician C] [--scale S] [--rci-sd X] [--rci-reliability R]\n"
    "       [--cutoff C] [--ml] [--intercept-only]",
    "Summarises a questionnaire over every client (or a clinician's, or a\n"
    "date range): baseline and latest mean and SD, pre-post effect sizes\n"
    "d (change / baseline SD), Hedges' g (d corrected for small samples)\n"
    "and d_z (change / SD of change) with 95%\n"
    "intervals, how many clients reliably improved, did not change or\n"
    "deteriorated, recovered and reliably recovered, Cronbach's alpha at\n"
    "baseline, and a linear mixed-effects growth model\n"
    "score ~ weeks + (weeks | client), fitted by REML.\n"
    "\n"
    "Options:\n"
    "  --instrument I   the questionnaire (code or alias)\n"
    "  --from D, --to D assessments administered in this range\n"
    "  --clinician C    one clinician's clients\n"
    "  --ml             fit by maximum likelihood instead of REML\n"
    "  --intercept-only random intercepts only: (1 | client)\n"
    "  --json           one JSON object\n"
    "  (and --scale, --rci-sd, --rci-reliability, --cutoff as in trend)\n"
    "\n"
    "Example:\n"
    "  cairn cohort --instrument phq9 --from 2026-01-01\n",
};

int cmd_cohort(cli_ctx *ctx, int argc, char **argv)
{
    cli_stats_args a = CLI_STATS_ARGS_INIT;
    int rc = cli_stats_parse("cohort", argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a.instrument == NULL) {
        return cli_usage("cohort", "give --instrument");
    }
    const cairn_instrument *inst = cli_instrument(ctx, a.instrument);
    cairn_store *st = NULL;
    if (inst == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    cairn_mixed_options mo = CAIRN_MIXED_OPTIONS_INIT;
    cairn_cohort_summary *s = NULL;
    cairn_cohort_result *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char *json = NULL;
    o.scale = a.trend.scale;
    o.from = a.from;
    o.to = a.to;
    o.clinician = a.clinician;
    o.has_sd = a.trend.has_sd;
    o.sd = a.trend.sd;
    o.has_reliability = a.trend.has_reliability;
    o.reliability = a.trend.reliability;
    o.has_cutoff = a.trend.has_cutoff;
    o.cutoff = a.trend.cutoff;
    mo.reml = !a.ml;
    mo.intercept_only = a.intercept_only;
    if (cairn_cohort_summarize(&s, st, inst, &o, &err) < 0 ||
        cairn_cohort_compute(&r, s, &mo, &err) < 0 ||
        (a.json && cairn_cohort_to_json(r, &json, &err) < 0)) {
        rc = cli_fail(&err);
    } else if (a.json) {
        printf("%s\n", json);
    } else {
        cli_print_cohort(r, NULL);
    }
    free(json);
    cairn_cohort_result_free(r);
    cairn_cohort_summary_free(s);
    cairn_store_close(st);
    return rc;
}
