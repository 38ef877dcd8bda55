/*
 * cmd_report.c - `cairn report`: client, couple and caseload workbooks,
 * and the compact terminal views printed when no -o FILE is given.
 *
 * The numbers come from the reports library (reports/cairn_report.h),
 * which computes them with the engine; this file parses options, opens
 * the store read-only, prints and maps errors to exit codes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "cli.h"

#define SPARK_WIDTH 16

typedef struct report_args {
    const char *kind;
    const char *code;
    const char *output;
    bool force;
    cairn_outfile_options out; /* filled from force and the context */
    cairn_report_options opts;
    cairn_trend_override ov[CLI_MAX_OVERRIDES];
    const char *instrument, *scale, *from, *to; /* cohort */
    bool ml, intercept_only, no_expectation;
} report_args;

static report_args given = {.opts = CAIRN_REPORT_OPTIONS_INIT};

static const cli_opt output_opt[] = {
    {"output", "FILE", "write the workbook to FILE (.xlsx), a new file",
     .str = &given.output, .alias = 'o'},
    {"force", NULL, "replace FILE if it exists", .flag = &given.force},
    {NULL}};
static const cli_opt clinician_opt[] = {{"clinician", "C",
                                         "clinician C's clients only",
                                         .str = &given.opts.clinician},
                                        {NULL}};
/* What client, couple and caseload share: they cover every instrument. */
static const cli_opt course_opts[] = {
    {.include = output_opt},
    {.include = cli_override_opts},
    {.include = cli_time_opts},
    {"no-expectation", NULL,
     "do not fit the clinic's growth model for the\n\"not on track\" alert",
     .flag = &given.no_expectation},
    {NULL}};
static const cli_opt caseload_opts[] = {
    {.include = clinician_opt},
    {"all", NULL, "discharged clients too", .flag = &given.opts.all},
    {.include = course_opts},
    {NULL}};
static const cli_opt cohort_opts[] = {
    {"instrument", "I", "the instrument", .str = &given.instrument},
    {"scale", "S", "a subscale (default the main one)", .str = &given.scale},
    {"from", "D", "assessments administered on or after D", .str = &given.from},
    {"to", "D", "assessments administered on or before D", .str = &given.to},
    {.include = clinician_opt},
    {"ml", NULL, "fit by maximum likelihood, not REML", .flag = &given.ml},
    {"intercept-only", NULL, "random intercepts only",
     .flag = &given.intercept_only},
    {.include = output_opt},
    {.include = cli_override_opts},
    {.include = cli_episode_opts},
    {NULL}};
static const cli_sub report_subs[] = {{"client", course_opts},
                                      {"couple", course_opts},
                                      {"caseload", caseload_opts},
                                      {"cohort", cohort_opts},
                                      {NULL}};

const cli_command cli_report_command = {
    .name = "report",
    .run = cmd_report,
    .summary = "write spreadsheet reports, or show them briefly",
    .usage = "cairn report client CODE [-o FILE.xlsx] [options]\n"
             "       cairn report couple CODE [-o FILE.xlsx] [options]\n"
             "       cairn report caseload [-o FILE.xlsx] [--clinician C] "
             "[--all]\n"
             "                             [options]\n"
             "       cairn report cohort --instrument I -o FILE.xlsx "
             "[--from D] [--to D]\n"
             "                    [--clinician C] [--scale S] [--ml] "
             "[--intercept-only]\n"
             "                    [--rci-sd X] [--rci-reliability R] "
             "[--cutoff C]",
    .subs = report_subs,
    .example = "  cairn report client S01 -o sarah.xlsx\n"
               "  cairn report couple S01 --rci-sd epds=5.5 "
               "--rci-reliability epds=0.87 \\\n"
               "      -o couple.xlsx\n"
               "  cairn report caseload --clinician dr.okafor\n"
               "  cairn report cohort --instrument phq9 -o phq9-cohort.xlsx\n",
    .help =
        "Writes an Excel workbook (.xlsx) with native charts, for the\n"
        "clinician, supervision or a letter; without -o, prints a compact\n"
        "view instead.\n"
        "\n"
        "  client CODE    summary with open alerts first, each scale's\n"
        "                 change, reliable change and clinical significance\n"
        "                 with the parameters used; per instrument the dated\n"
        "                 scores, a chart with bands, cut-off and events, and\n"
        "                 an item heat map\n"
        "  couple CODE    the client and the linked partner side by side:\n"
        "                 both trajectories on one chart per shared\n"
        "                 instrument, their differences and divergence flags\n"
        "  caseload       one row per active client, most urgent first, with\n"
        "                 a chart of how many improved, did not change or\n"
        "                 deteriorated\n"
        "  cohort         for research and service review: cohort\n"
        "                 statistics, the growth model, mean and individual\n"
        "                 trajectories, a data dictionary and provenance; no\n"
        "                 client codes\n"
        "\n"
        "client, couple and caseload cover every instrument, so their\n"
        "overrides name one (epds=5.5, or pgs33.despair=40 for a subscale);\n"
        "cohort's apply to its instrument.\n"
        "\n"
        "The same database and options give a byte-identical workbook (its\n"
        "date is the database's last change).  The file is written under a\n"
        "temporary name and renamed, so a failure leaves nothing behind.\n",
};

static int parse(report_args *a, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    if (argc < 2) {
        return cli_usage("report", "say which report: client, couple, "
                                   "caseload or cohort");
    }
    if (argv[1][0] != '-' && cli_sub_find(report_subs, argv[1]) == NULL) {
        return cli_usage("report",
                         "unknown report '%s' (client, couple, "
                         "caseload or cohort)",
                         argv[1]);
    }
    int rc = cli_sub_parse("report", report_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    a->kind = sub->name;
    bool needs_code =
        strcmp(a->kind, "client") == 0 || strcmp(a->kind, "couple") == 0;
    bool cohort = strcmp(a->kind, "cohort") == 0;
    if (needs_code && n != 1) {
        return cli_usage("report", "report %s needs one client CODE", a->kind);
    }
    if (!needs_code && n != 0) {
        return cli_usage("report", "report %s takes no arguments", a->kind);
    }
    if (cohort && (a->instrument == NULL || a->output == NULL)) {
        return cli_usage("report", "report cohort needs --instrument I and "
                                   "-o FILE");
    }
    a->code = needs_code ? argv[0] : NULL;
    a->opts.axis = cli_params_axis();
    a->opts.no_improvement_weeks = cli_given.no_improvement_weeks;
    a->opts.expectation = !a->no_expectation;
    return CLI_OK;
}

/* The overrides of client, couple and caseload, which name their
 * instrument (cohort's are for its instrument: run_cohort). */
static int overrides(cli_ctx *ctx, report_args *a)
{
    char name[32];
    snprintf(name, sizeof name, "report %s", a->kind);
    a->opts.overrides = a->ov;
    return cli_params_overrides(ctx, name, NULL, NULL, a->ov,
                                &a->opts.n_overrides);
}

/* ---- terminal views ---- */

/* The last SPARK_WIDTH points of a trend, padded to the width. */
static void trend_spark(FILE *out, const cairn_trend *t, const cairn_scale *sc)
{
    double v[SPARK_WIDTH];
    size_t n = t->n < SPARK_WIDTH ? t->n : SPARK_WIDTH;
    for (size_t i = 0; i < n; i++) {
        v[i] = t->points[t->n - n + i].score;
    }
    cli_sparkline(out, v, n, sc->min, sc->max);
    fprintf(out, "%*s", (int)(SPARK_WIDTH - n), "");
}

static void view_trend(const char *name, const cairn_trend *t,
                       const cairn_scale *sc)
{
    printf("  %-30.30s ", name);
    trend_spark(stdout, t, sc);
    if (!t->has_baseline) {
        printf("  no score\n");
        return;
    }
    printf("  ");
    cli_print_number(stdout, t->baseline.score);
    printf(" -> ");
    cli_print_number(stdout, t->latest.score);
    if (t->n >= 2) {
        printf(" (%s", t->change > 0 ? "+" : "");
        cli_print_number(stdout, t->change);
        printf(")");
    }
    const cairn_band *b = cairn_scale_band(sc, t->latest.score);
    printf("  %s", b && sc->n_bands ? b->label : "");
    if (t->n >= 2) {
        const char *rc =
            !t->has_rci ? "reliable change not judged"
            : t->rci.category == CAIRN_RC_IMPROVED     ? "reliably improved"
            : t->rci.category == CAIRN_RC_DETERIORATED ? "reliably deteriorated"
                                                       : "no reliable change";
        printf("%s%s", b && sc->n_bands ? "; " : "", rc);
    }
    printf("\n");
}

static void view_client(const cairn_report_client *r)
{
    const cairn_client *c = r->client;
    printf("%s", c->code);
    if (c->partner_code != NULL) {
        printf(" (partner %s)", c->partner_code);
    }
    if (c->clinician != NULL) {
        printf(", clinician %s", c->clinician);
    }
    if (c->loss_kind != CAIRN_LOSS_UNKNOWN || c->loss_date != NULL) {
        printf("; %s", c->loss_kind != CAIRN_LOSS_UNKNOWN
                           ? cairn_loss_kind_name(c->loss_kind)
                           : "loss");
        if (c->loss_date != NULL) {
            printf(" on %s", c->loss_date);
        }
        if (c->gestation_weeks > 0) {
            printf(" at %d weeks", c->gestation_weeks);
        }
    }
    printf("\n");
    for (size_t i = 0; i < r->n_alerts; i++) {
        const cairn_alert *a = r->alerts[i].alert;
        printf("  %s %s %s: %s", i < r->n_open ? "!!" : "  ",
               cairn_report_short_name(r->alerts[i].instrument),
               cairn_alert_kind_name(a->kind), a->reason);
        if (i >= r->n_open) {
            printf(" (acknowledged by %s)", a->state_by ? a->state_by : "?");
        }
        printf("\n");
    }
    for (size_t i = 0; i < r->n_courses; i++) {
        const cairn_report_course *co = &r->courses[i];
        for (size_t k = 0; k < co->n_trends; k++) {
            const cairn_scale *sc = cairn_instrument_scale(co->instrument, k);
            char name[80];
            snprintf(name, sizeof name, "%s%s%s",
                     k == 0 ? cairn_report_short_name(co->instrument) : "  ",
                     k == 0 ? "" : " ", k == 0 ? "" : sc->label);
            view_trend(name, co->trends[k], sc);
        }
    }
}

static const char *rc_word(const cairn_report_cell *c)
{
    if (!c->has_rc) {
        return "-";
    }
    return c->rc == CAIRN_RC_IMPROVED       ? "better"
           : c->rc == CAIRN_RC_DETERIORATED ? "WORSE"
                                            : "same";
}

/* One caseload cell: sparkline, latest, change, status. */
static void view_cell(const cairn_report_cell *c, const cairn_scale *sc)
{
    if (!c->present) {
        printf("  %-26s", "");
        return;
    }
    printf("  ");
    cli_sparkline(stdout, c->points, c->n_points, sc->min, sc->max);
    printf("%*s %3g", (int)(CAIRN_REPORT_SPARK_POINTS - c->n_points), "",
           c->latest);
    if (c->has_change) {
        printf(" %+4g", c->change);
    } else {
        printf("     ");
    }
    printf(" %-6s", rc_word(c));
}

static int view_caseload(const cairn_report_caseload *r, cairn_error *err)
{
    printf("%-12s %-7s", "client", "alerts");
    for (size_t k = 0; k < r->n_instruments; k++) {
        printf("  %-26s", cairn_report_short_name(r->instruments[k]));
    }
    printf("  most urgent\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const cairn_report_row *w = NULL;
        int rc = cairn_report_caseload_row_get(r, i, &w, err);
        if (rc < 0) {
            return rc;
        }
        printf("%-12.12s %-7zu", w->code, w->n_alerts);
        for (size_t k = 0; k < r->n_instruments; k++) {
            view_cell(&w->cells[k],
                      cairn_instrument_scale(r->instruments[k], 0));
        }
        if (w->has_alert) {
            printf("  %s %s: %.70s",
                   cairn_report_short_name(w->alert_instrument),
                   cairn_alert_kind_name(w->urgent), w->alert_reason);
        }
        printf("\n");
    }
    printf("%zu client%s\n", r->n_rows, r->n_rows == 1 ? "" : "s");
    return CAIRN_OK;
}

static void view_couple(const cairn_report_couple *r)
{
    printf("%s and partner %s\n", r->a->client->code, r->b->client->code);
    for (size_t i = 0; i < r->n_shared; i++) {
        const cairn_report_shared *sh = &r->shared[i];
        const cairn_scale *sc = cairn_instrument_scale(sh->instrument, 0);
        view_trend(cairn_report_short_name(sh->instrument), sh->a, sc);
        char name[80];
        snprintf(name, sizeof name, "  partner %s", r->b->client->code);
        view_trend(name, sh->b, sc);
        printf("  %-30s %s%s\n", "", sh->diverged ? "DIVERGED: " : "",
               sh->reason);
    }
}

/* ---- running ---- */

static int run_client(report_args *a, cairn_store *st, const cairn_catalog *cat,
                      cairn_error *err)
{
    cairn_report_client *r = NULL;
    int rc = cairn_report_client_load(&r, st, cat, a->code, &a->opts, err);
    if (rc == CAIRN_OK && a->output != NULL) {
        rc = cairn_report_client_write(r, a->output, &a->out, err);
        if (rc == CAIRN_OK) {
            printf("wrote %s: client %s, %zu instrument%s, %zu open "
                   "alert%s\n",
                   a->output, a->code, r->n_courses,
                   r->n_courses == 1 ? "" : "s", r->n_open,
                   r->n_open == 1 ? "" : "s");
        }
    } else if (rc == CAIRN_OK) {
        view_client(r);
    }
    cairn_report_client_free(r);
    return rc;
}

static int run_couple(report_args *a, cairn_store *st, const cairn_catalog *cat,
                      cairn_error *err)
{
    cairn_report_couple *r = NULL;
    int rc = cairn_report_couple_load(&r, st, cat, a->code, &a->opts, err);
    if (rc == CAIRN_OK && a->output != NULL) {
        rc = cairn_report_couple_write(r, a->output, &a->out, err);
        if (rc == CAIRN_OK) {
            printf("wrote %s: %s and %s, %zu shared instrument%s\n", a->output,
                   r->a->client->code, r->b->client->code, r->n_shared,
                   r->n_shared == 1 ? "" : "s");
        }
    } else if (rc == CAIRN_OK) {
        view_couple(r);
    }
    cairn_report_couple_free(r);
    return rc;
}

static int run_caseload(report_args *a, cairn_store *st,
                        const cairn_catalog *cat, cairn_error *err)
{
    cairn_report_caseload *r = NULL;
    int rc = cairn_report_caseload_load(&r, st, cat, &a->opts, err);
    if (rc == CAIRN_OK && a->output != NULL) {
        rc = cairn_report_caseload_write(r, a->output, &a->out, err);
        if (rc == CAIRN_OK) {
            printf("wrote %s: %zu client%s\n", a->output, r->n_rows,
                   r->n_rows == 1 ? "" : "s");
        }
    } else if (rc == CAIRN_OK) {
        rc = view_caseload(r, err);
    }
    cairn_report_caseload_free(r);
    return rc;
}

/* The cohort's options: filters, the override of its scale, the model. */
static int cohort_options(cli_ctx *ctx, cairn_report_cohort_options *co,
                          const report_args *a, const cairn_instrument *inst)
{
    cairn_trend_options t = CAIRN_TREND_OPTIONS_INIT;
    int rc = cli_params_trend(ctx, "report cohort", inst, a->scale, &t);
    cli_params_cohort(&t, &co->cohort);
    co->cohort.scale = a->scale;
    co->cohort.from = a->from;
    co->cohort.to = a->to;
    co->cohort.clinician = a->opts.clinician;
    co->model.reml = !a->ml;
    co->model.intercept_only = a->intercept_only;
    return rc;
}

static int run_cohort(cli_ctx *ctx, report_args *a, cairn_store *st,
                      cairn_error *err)
{
    const cairn_instrument *inst = cli_instrument(ctx, a->instrument);
    cairn_report_cohort_options co = CAIRN_REPORT_COHORT_OPTIONS_INIT;
    if (inst == NULL) {
        return CLI_FAIL;
    }
    int usage = cohort_options(ctx, &co, a, inst);
    if (usage != CLI_OK) {
        return usage;
    }
    cairn_report_cohort *r = NULL;
    int rc = cairn_report_cohort_load(&r, st, inst, &co, err);
    if (rc == CAIRN_OK) {
        rc = cairn_report_cohort_write(r, a->output, &a->out, err);
    }
    if (rc == CAIRN_OK) {
        printf("wrote %s: %s, %.0f clients%s\n", a->output, r->scale->label,
               r->summary->n_clients,
               r->result->model ? "" : " (no growth model)");
    }
    cairn_report_cohort_free(r);
    return rc < 0 ? cli_fail(err) : CLI_OK;
}

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
    report_args *a = &given;
    int rc = parse(a, argc, argv);
    if (rc != CLI_OK) {
        return rc;
    }
    cairn_error err = CAIRN_ERROR_INIT;
    a->out = cli_output_options(ctx, a->force, NULL);
    if (a->output != NULL &&
        cairn_outfile_check(a->output, &a->out, &err) < 0) {
        return cli_fail(&err);
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL) {
        return CLI_FAIL;
    }
    rc = strcmp(a->kind, "cohort") != 0 ? overrides(ctx, a) : CLI_OK;
    if (rc != CLI_OK) {
        return rc;
    }
    cairn_store *st = NULL;
    if (cli_store_open_read_only(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    if (strcmp(a->kind, "cohort") == 0) {
        rc = run_cohort(ctx, a, st, &err);
        cairn_store_close(st);
        return rc;
    }
    if (strcmp(a->kind, "client") == 0) {
        rc = run_client(a, st, cat, &err);
    } else if (strcmp(a->kind, "couple") == 0) {
        rc = run_couple(a, st, cat, &err);
    } else {
        rc = run_caseload(a, st, cat, &err);
    }
    cairn_store_close(st);
    if (rc < 0 && strcmp(a->kind, "couple") == 0) {
        return cli_fail_couple(&err, a->code);
    }
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}
