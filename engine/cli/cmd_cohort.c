/*
 * cmd_cohort.c - `cairn cohort`: outcomes over a caseload, with effect
 * sizes and the growth model.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static struct {
    const char *instrument, *scale, *clinician, *from, *to;
    bool json, ml, intercept_only;
} given;

static const cli_opt cohort_opts[] = {
    {"instrument", "I", "the questionnaire (code or alias)",
     .str = &given.instrument},
    {"scale", "S", "a subscale; default the total", .str = &given.scale},
    {"from", "D", "assessments administered on or after D", .str = &given.from},
    {"to", "D", "assessments administered on or before D", .str = &given.to},
    {"clinician", "C", "one clinician's clients", .str = &given.clinician},
    {"ml", NULL, "fit by maximum likelihood instead of REML",
     .flag = &given.ml},
    {"intercept-only", NULL, "random intercepts only: (1 | client)",
     .flag = &given.intercept_only},
    {"json", NULL, "one JSON object (README: JSON output)",
     .flag = &given.json},
    {.include = cli_override_opts},
    {.include = cli_episode_opts},
    {NULL}};

const cli_command cli_cohort_command = {
    .name = "cohort",
    .run = cmd_cohort,
    .summary = "outcomes over a caseload or clinic",
    .usage = "cairn cohort --instrument I [--json] [--from D] [--to D]\n"
             "       [--clinician C] [--scale S] [--rci-sd X] "
             "[--rci-reliability R]\n"
             "       [--cutoff C] [--ml] [--intercept-only] "
             "[--episode current|all|N]",
    .opts = cohort_opts,
    .example = "  cairn cohort --instrument phq9 --from 2026-01-01\n",
    .help =
        "Summarises a questionnaire over every client (or a clinician's, or\n"
        "a date range): baseline and latest mean and SD, pre-post effect\n"
        "sizes d (change / baseline SD), Hedges' g (d corrected for small\n"
        "samples) and d_z (change / SD of change) with\n"
        "95% intervals, how many clients reliably improved, did not change\n"
        "or deteriorated, recovered and reliably recovered, Cronbach's alpha\n"
        "at baseline, and a linear mixed-effects growth model\n"
        "score ~ weeks + (weeks | client), fitted by REML.\n"
        "\n"
        "Each client's course of care is their current (latest) episode of\n"
        "care unless --episode says all or a number; a client without any\n"
        "episode counts whole.  Assessments outside the episode are left\n"
        "out and counted; the growth model's time is weeks since the\n"
        "client's first score in the episode.\n",
};

int cmd_cohort(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("cohort", cohort_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("cohort", "cohort: unexpected '%s'", argv[0]);
    }
    if (given.instrument == NULL) {
        return cli_usage("cohort", "give --instrument");
    }
    const cairn_instrument *inst = cli_instrument(ctx, given.instrument);
    cairn_trend_options t = CAIRN_TREND_OPTIONS_INIT;
    if (inst == NULL) {
        return CLI_FAIL;
    }
    rc = cli_params_trend(ctx, "cohort", inst, given.scale, &t);
    cairn_store *st = NULL;
    if (rc != CLI_OK) {
        return rc;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    cairn_mixed_options mo = CAIRN_MIXED_OPTIONS_INIT;
    cairn_cohort_summary *s = NULL;
    cairn_cohort_result *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char *json = NULL;
    cli_params_cohort(&t, &o);
    o.from = given.from;
    o.to = given.to;
    o.clinician = given.clinician;
    mo.reml = !given.ml;
    mo.intercept_only = given.intercept_only;
    if (cairn_cohort_summarize(&s, st, inst, &o, &err) < 0 ||
        cairn_cohort_compute(&r, s, &mo, &err) < 0 ||
        (given.json && cairn_cohort_to_json(r, &json, &err) < 0)) {
        rc = cli_fail(&err);
    } else if (given.json) {
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
