/*
 * cmd_aggregate.c - `cairn aggregate`: a clinic's mergeable summary of one
 * questionnaire, merging several clinics' summaries, and the pooled
 * report with small counts suppressed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Everything the three forms accept. */
typedef struct agg_args {
    const char *output, *instrument, *scale;
    bool json, ml, intercept_only, force;
    int min_cell; /* 0: not given */
    const char *from, *to;
    char **files;
    size_t n_files;
} agg_args;

static agg_args given;

static const cli_opt min_cell_opt[] = {
    {"min-cell", "K",
     "suppress published counts below K (a merge keeps\nthe largest K of its "
     "inputs, a report can raise K\nbut not lower it)",
     .whole = &given.min_cell, .min = 1, .max = CAIRN_AGGREGATE_MAX_MIN_CELL},
    {NULL}};
static const cli_opt output_opt[] = {
    {"output", "FILE",
     "where to write the summary (a new file); its\nclients go into the "
     "release log, and a summary\nwhose clients differ from an earlier one "
     "by\nfewer than K is refused",
     .str = &given.output, .alias = 'o'},
    {"force", NULL, "replace FILE if it exists", .flag = &given.force},
    {NULL}};
static const cli_opt summary_opts[] = {
    {"instrument", "I", "the questionnaire to summarize",
     .str = &given.instrument},
    {.include = output_opt},
    {.include = min_cell_opt},
    {"from", "D", "assessments administered on or after D", .str = &given.from},
    {"to", "D", "assessments administered on or before D", .str = &given.to},
    {"scale", "S", "a subscale; default the total", .str = &given.scale},
    {.include = cli_override_opts},
    {.include = cli_episode_opts},
    {NULL}};
static const cli_opt merge_opts[] = {
    {.include = output_opt}, {.include = min_cell_opt}, {NULL}};
static const cli_opt report_opts[] = {
    {"json", NULL,
     "the report as JSON, as 'cairn cohort --json' plus\nmin_cell, sites, "
     "suppressed and withheld",
     .flag = &given.json},
    {.include = min_cell_opt},
    {"ml", NULL, "fit the growth model by maximum likelihood",
     .flag = &given.ml},
    {"intercept-only", NULL, "random intercepts only: (1 | client)",
     .flag = &given.intercept_only},
    {NULL}};
static const cli_sub aggregate_subs[] = {
    {"merge", merge_opts}, {"report", report_opts}, {NULL}};

const cli_command cli_aggregate_command = {
    .name = "aggregate",
    .run = cmd_aggregate,
    .summary = "mergeable summaries for pooled research",
    .usage =
        "cairn aggregate --instrument I -o SUMMARY.json [--min-cell K]\n"
        "       [--from D] [--to D] [--scale S] [--rci-sd X]\n"
        "       [--rci-reliability R] [--cutoff C]\n"
        "       cairn aggregate merge A.json B.json ... -o POOLED.json "
        "[--min-cell K]\n"
        "       cairn aggregate report POOLED.json [--json] [--min-cell K] "
        "[--ml]\n"
        "       [--intercept-only]",
    .opts = summary_opts,
    .subs = aggregate_subs,
    .example = "  cairn aggregate --instrument phq9 -o north.json\n"
               "  cairn aggregate merge north.json south.json -o pooled.json\n"
               "  cairn aggregate report pooled.json\n",
    .help =
        "Clinics pool outcomes without sharing rows.  Each clinic writes the\n"
        "sufficient statistics of its cohort on one questionnaire scale (the\n"
        "sums 'cairn cohort' computes everything from, with one block of\n"
        "sums per client for the growth model and no client identity); the\n"
        "summaries merge by addition, and the pooled report equals 'cairn\n"
        "cohort' on the clinics' rows put together.\n"
        "\n"
        "A summary file holds exact counts, so share it only between the\n"
        "participating clinics under your agreement.  Its \"published\"\n"
        "part, and every report, suppress counts below K (default 5), and\n"
        "any count that would let a suppressed one be worked out by\n"
        "subtraction, and withhold the statistics that would reveal them.\n",
};

/* ---- cairn aggregate --instrument I -o FILE ---- */

static void print_written(const char *path, const cairn_aggregate *agg)
{
    const cairn_cohort_summary *s = agg->summary;
    cairn_aggregate_table *t = NULL;
    size_t n = 0;
    if (cairn_aggregate_table_compute(&t, s, agg->min_cell, NULL) == CAIRN_OK) {
        for (size_t i = 0; i < t->n_cells; i++) {
            n += t->cells[i].suppressed;
        }
    }
    printf("wrote %s: %s %s, %g clients, %g with two or more scores, "
           "%zu site%s\n"
           "  published counts: %zu suppressed (min-cell %d)\n"
           "  the file holds exact sums: share it only with the "
           "participating clinics\n",
           path, s->instrument, s->scale, s->n_clients, s->n_paired,
           agg->n_sites, agg->n_sites == 1 ? "" : "s", n, agg->min_cell);
    cairn_aggregate_table_free(t);
}

static int summarize(cli_ctx *ctx, agg_args *a)
{
    if (a->instrument == NULL || a->output == NULL || a->n_files > 0) {
        return cli_usage("aggregate", "give --instrument I and -o FILE");
    }
    const cairn_instrument *inst = cli_instrument(ctx, a->instrument);
    cairn_store *st = NULL;
    if (inst == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    cairn_aggregate *agg = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_trend_options t = CAIRN_TREND_OPTIONS_INIT;
    int rc = cli_params_trend(ctx, "aggregate", inst, a->scale, &t);
    if (rc != CLI_OK) {
        cairn_store_close(st);
        return rc;
    }
    o.min_cell = a->min_cell ? a->min_cell : CAIRN_AGGREGATE_MIN_CELL;
    cli_params_cohort(&t, &o.cohort);
    o.cohort.from = a->from;
    o.cohort.to = a->to;
    cairn_outfile_options out = cli_output_options(ctx, a->force, NULL);
    if (cairn_outfile_check(a->output, &out, &err) < 0 ||
        cairn_release_summary_write(&agg, st, inst, &o, a->output, &out, &err) <
            0) {
        rc = cli_fail(&err);
    } else {
        print_written(a->output, agg);
    }
    cairn_aggregate_free(agg);
    cairn_store_close(st);
    return rc;
}

/* ---- cairn aggregate merge ---- */

static int merge(cli_ctx *ctx, agg_args *a)
{
    if (a->output == NULL || a->n_files < 2 || a->instrument != NULL) {
        return cli_usage("aggregate", "give two or more summaries and -o FILE");
    }
    cairn_aggregate *pooled = NULL, *next = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile_options out = cli_output_options(ctx, a->force, NULL);
    int rc = CLI_OK;
    if (cairn_outfile_check(a->output, &out, &err) < 0 ||
        cairn_aggregate_load(&pooled, a->files[0], &err) < 0) {
        return cli_fail(&err);
    }
    for (size_t i = 1; rc == CLI_OK && i < a->n_files; i++) {
        if (cairn_aggregate_load(&next, a->files[i], &err) < 0) {
            rc = cli_fail(&err);
        } else if (cairn_aggregate_merge(pooled, next, &err) < 0) {
            cli_error("%s: %s", a->files[i], err.message);
            rc = CLI_FAIL;
        }
        cairn_aggregate_free(next);
        next = NULL;
    }
    if (rc == CLI_OK && a->min_cell > pooled->min_cell) {
        pooled->min_cell = a->min_cell;
    }
    if (rc == CLI_OK &&
        cairn_aggregate_write(pooled, a->output, &out, &err) < 0) {
        rc = cli_fail(&err);
    } else if (rc == CLI_OK) {
        print_written(a->output, pooled);
    }
    cairn_aggregate_free(pooled);
    return rc;
}

/* ---- cairn aggregate report ---- */

static int print_report(const agg_args *a, const cairn_aggregate *agg,
                        const cairn_cohort_result *r,
                        const cairn_aggregate_table *t)
{
    cairn_error err = CAIRN_ERROR_INIT;
    char *json = NULL;
    if (a->json) {
        if (cairn_aggregate_report_to_json(r, t, agg->n_sites, &json, &err) <
            0) {
            return cli_fail(&err);
        }
        printf("%s\n", json);
        free(json);
        return CLI_OK;
    }
    printf("pooled from %zu site%s; counts below %d suppressed\n", agg->n_sites,
           agg->n_sites == 1 ? "" : "s", t->min_cell);
    cli_print_cohort(r, t);
    return CLI_OK;
}

static int report(agg_args *a)
{
    if (a->n_files != 1 || a->output != NULL || a->instrument != NULL) {
        return cli_usage("aggregate", "give one summary file to report");
    }
    cairn_aggregate *agg = NULL;
    cairn_aggregate_table *t = NULL;
    cairn_cohort_result *r = NULL;
    cairn_mixed_options mo = CAIRN_MIXED_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    int rc = CLI_OK;
    mo.reml = !a->ml;
    mo.intercept_only = a->intercept_only;
    if (cairn_aggregate_load(&agg, a->files[0], &err) < 0) {
        return cli_fail(&err);
    }
    if (a->min_cell != 0 && a->min_cell < agg->min_cell) {
        cli_error("%s: --min-cell %d is below the summary's %d; a report "
                  "can raise it, not lower it",
                  a->files[0], a->min_cell, agg->min_cell);
        rc = CLI_FAIL;
    } else if (cairn_aggregate_table_compute(
                   &t, agg->summary, a->min_cell ? a->min_cell : agg->min_cell,
                   &err) < 0 ||
               cairn_cohort_compute(&r, agg->summary, &mo, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        rc = print_report(a, agg, r, t);
    }
    cairn_cohort_result_free(r);
    cairn_aggregate_table_free(t);
    cairn_aggregate_free(agg);
    return rc;
}

int cmd_aggregate(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub =
        argc > 1 ? cli_sub_find(aggregate_subs, argv[1]) : NULL;
    int n = 0;
    int rc =
        sub != NULL
            ? cli_sub_parse("aggregate", aggregate_subs, argc, argv, &sub, &n)
            : cli_opt_parse("aggregate", summary_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    given.files = argv;
    given.n_files = (size_t)n;
    if (sub == NULL) {
        return summarize(ctx, &given);
    }
    return strcmp(sub->name, "merge") == 0 ? merge(ctx, &given)
                                           : report(&given);
}
