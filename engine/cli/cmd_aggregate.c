/*
 * cmd_aggregate.c - `cairn aggregate`: a clinic's mergeable summary of one
 * questionnaire, merging several clinics' summaries, and the pooled
 * report with small counts suppressed.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_aggregate_command = {
    "aggregate",
    cmd_aggregate,
    "mergeable summaries for pooled research",
    "cairn aggregate --instrument I -o SUMMARY.json [--min-cell K]\n"
    "       [--from D] [--to D] [--scale S] [--rci-sd X]\n"
    "       [--rci-reliability R] [--cutoff C]\n"
    "       cairn aggregate merge A.json B.json ... -o POOLED.json "
    "[--min-cell K]\n"
    "       cairn aggregate report POOLED.json [--json] [--min-cell K] "
    "[--ml]\n"
    "       [--intercept-only]",
    "Clinics pool outcomes without sharing rows.  Each clinic writes the\n"
    "sufficient statistics of its cohort on one questionnaire scale (the\n"
    "sums 'cairn cohort' computes everything from, with one block of sums\n"
    "per client for the growth model and no client identity); the\n"
    "summaries merge by addition, and the pooled report equals 'cairn\n"
    "cohort' on the clinics' rows put together.\n"
    "\n"
    "A summary file holds exact counts, so share it only between the\n"
    "participating clinics under your agreement.  Its \"published\" part,\n"
    "and every report, suppress counts below K (default 5), and any count\n"
    "that would let a suppressed one be worked out by subtraction, and\n"
    "withhold the statistics that would reveal them.\n"
    "\n"
    "Options:\n"
    "  --instrument I   the questionnaire to summarize\n"
    "  -o FILE          where to write the summary (a new file); the\n"
    "                   clients it counts go into the release log, and a\n"
    "                   summary whose clients differ from an earlier one\n"
    "                   by fewer than K is refused\n"
    "  --force          replace FILE if it exists\n"
    "  --min-cell K     suppress published counts below K (1..1000; a\n"
    "                   merge keeps the largest K of its inputs, a report\n"
    "                   can raise K but not lower it)\n"
    "  --from D, --to D assessments administered in this range\n"
    "  --json           the report as JSON, as 'cairn cohort --json' plus\n"
    "                   min_cell, sites, suppressed and withheld\n"
    "  --ml, --intercept-only  how to fit the growth model, as in cohort\n"
    "  (and --scale, --rci-sd, --rci-reliability, --cutoff as in cohort)\n"
    "\n"
    "Example:\n"
    "  cairn aggregate --instrument phq9 -o north.json\n"
    "  cairn aggregate merge north.json south.json -o pooled.json\n"
    "  cairn aggregate report pooled.json\n",
};

/* Everything the three forms accept. */
typedef struct agg_args {
    const char *output, *instrument;
    bool json, ml, intercept_only, force;
    int min_cell; /* 0: not given */
    cairn_trend_options trend;
    const char *from, *to;
    char **files;
    size_t n_files;
} agg_args;

static int parse_min_cell(const char *s, int *out)
{
    double v = 0;
    if (!cli_parse_number(s, &v) || v != floor(v) || v < 1 ||
        v > CAIRN_AGGREGATE_MAX_MIN_CELL) {
        return cli_usage("aggregate",
                         "--min-cell takes a whole number 1..%d, not '%s'",
                         CAIRN_AGGREGATE_MAX_MIN_CELL, s);
    }
    *out = (int)v;
    return CLI_OK;
}

static int parse(int argc, char **argv, agg_args *a)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"instrument", required_argument, NULL, 'i'},
        {"min-cell", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"ml", no_argument, NULL, 'm'},
        {"intercept-only", no_argument, NULL, 'O'},
        {"force", no_argument, NULL, 'X'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"scale", required_argument, NULL, 1},
        {"rci-sd", required_argument, NULL, 1},
        {"rci-reliability", required_argument, NULL, 1},
        {"cutoff", required_argument, NULL, 1},
        {NULL, 0, NULL, 0}};
    int c, idx = 0, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK &&
           (c = getopt_long(argc, argv, "o:", opts, &idx)) != -1) {
        switch (c) {
        case 'o':
            a->output = optarg;
            break;
        case 'i':
            a->instrument = optarg;
            break;
        case 'k':
            rc = parse_min_cell(optarg, &a->min_cell);
            break;
        case 'j':
            a->json = true;
            break;
        case 'm':
            a->ml = true;
            break;
        case 'O':
            a->intercept_only = true;
            break;
        case 'X':
            a->force = true;
            break;
        case 'F':
            a->from = optarg;
            break;
        case 'T':
            a->to = optarg;
            break;
        case 1:
            rc = cli_trend_option("aggregate", opts[idx].name, optarg,
                                  &a->trend);
            break;
        default:
            return cli_usage("aggregate", "unknown option '%s'",
                             argv[optind - 1]);
        }
    }
    a->files = argv + optind;
    a->n_files = (size_t)(argc - optind);
    return rc;
}

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
    int rc = CLI_OK;
    o.min_cell = a->min_cell ? a->min_cell : CAIRN_AGGREGATE_MIN_CELL;
    o.cohort.scale = a->trend.scale;
    o.cohort.from = a->from;
    o.cohort.to = a->to;
    o.cohort.has_sd = a->trend.has_sd;
    o.cohort.sd = a->trend.sd;
    o.cohort.has_reliability = a->trend.has_reliability;
    o.cohort.reliability = a->trend.reliability;
    o.cohort.has_cutoff = a->trend.has_cutoff;
    o.cohort.cutoff = a->trend.cutoff;
    cairn_outfile_options out = cli_output_options(ctx, a->force, NULL);
    int64_t *ids = NULL;
    size_t n = 0;
    if (cairn_outfile_check(a->output, &out, &err) < 0 ||
        cairn_aggregate_new(&agg, st, inst, &o, &err) < 0 ||
        cairn_cohort_members(&ids, &n, st, inst, &o.cohort, &err) < 0 ||
        cairn_store_release_add(st, agg->summary->instrument,
                                agg->summary->scale, ids, n, agg->min_cell,
                                NULL, &err) < 0 ||
        cairn_aggregate_write(agg, a->output, &out, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        print_written(a->output, agg);
    }
    free(ids);
    cairn_aggregate_free(agg);
    cairn_store_close(st);
    return rc;
}

/* ---- cairn aggregate merge ---- */

static int merge(cli_ctx *ctx, agg_args *a)
{
    cairn_outfile_options out = cli_output_options(ctx, a->force, NULL);
    if (a->output == NULL || a->n_files < 2 || a->instrument != NULL) {
        return cli_usage("aggregate", "give two or more summaries and -o FILE");
    }
    cairn_aggregate *pooled = NULL, *next = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
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
    if (rc == CLI_OK && cairn_aggregate_write(pooled, a->output, &out, &err) < 0) {
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
    agg_args a = {.trend = CAIRN_TREND_OPTIONS_INIT};
    const char *mode = argc > 1 ? argv[1] : "";
    bool sub = strcmp(mode, "merge") == 0 || strcmp(mode, "report") == 0;
    int rc = sub ? parse(argc - 1, argv + 1, &a) : parse(argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(mode, "merge") == 0) {
        return merge(ctx, &a);
    }
    if (strcmp(mode, "report") == 0) {
        return report(&a);
    }
    return summarize(ctx, &a);
}
