/*
 * cmd_report.c - `cairn report`: client, couple and caseload workbooks,
 * and the compact terminal views printed when no -o FILE is given.
 *
 * The numbers come from the reports library (reports/cairn_report.h),
 * which computes them with the engine; this file parses options, opens
 * the store read-only, prints and maps errors to exit codes.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "cli.h"

#define MAX_OVERRIDES 32
#define SPARK_WIDTH 16

const cli_command cli_report_command = {
    "report",
    cmd_report,
    "write spreadsheet reports, or show them briefly",
    "cairn report client CODE [-o FILE.xlsx] [options]\n"
    "       cairn report couple CODE [-o FILE.xlsx] [options]\n"
    "       cairn report caseload [-o FILE.xlsx] [--clinician C] [--all]\n"
    "                             [options]\n"
    "       cairn report cohort --instrument I -o FILE.xlsx [--from D] "
    "[--to D]\n"
    "                    [--clinician C] [--scale S] [--ml] "
    "[--intercept-only] [options]",
    "Writes an Excel workbook (.xlsx) with native charts, for the clinician,\n"
    "supervision or a letter; without -o, prints a compact view instead.\n"
    "\n"
    "  client CODE    summary with open alerts first, each scale's change,\n"
    "                 reliable change and clinical significance with the\n"
    "                 parameters used; per instrument the dated scores, a\n"
    "                 chart with bands, cut-off and events, and an item\n"
    "                 heat map\n"
    "  couple CODE    the client and the linked partner side by side:\n"
    "                 both trajectories on one chart per shared\n"
    "                 instrument, their differences and divergence flags\n"
    "  caseload       one row per active client, most urgent first, with\n"
    "                 a chart of how many improved, did not change or\n"
    "                 deteriorated\n"
    "  cohort         for research and service review: cohort statistics,\n"
    "                 the growth model, mean and individual trajectories,\n"
    "                 a data dictionary and provenance; no client codes\n"
    "\n"
    "The same database and options give a byte-identical workbook (its\n"
    "date is the database's last change).  The file is written under a\n"
    "temporary name and renamed, so a failure leaves nothing behind.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE           write the workbook to FILE\n"
    "  --clinician C               caseload, cohort: clinician C's clients\n"
    "  --all                       caseload: discharged clients too\n"
    "  --instrument I              cohort: the instrument\n"
    "  --scale S                   cohort: a subscale (default the main one)\n"
    "  --from D, --to D            cohort: assessments in this date range\n"
    "  --ml                        cohort: fit by maximum likelihood, not "
    "REML\n"
    "  --intercept-only            cohort: random intercepts only\n"
    "  --rci-sd I=X                SD for reliable change of instrument I\n"
    "  --rci-reliability I=R       reliability for reliable change of I\n"
    "  --cutoff I=C                clinical cut-off of I\n"
    "                              (I may name a subscale: pgs33.despair)\n"
    "  --time since-first|since-loss  time axis of the weekly slopes\n"
    "  --no-expectation            do not fit the clinic's growth model for\n"
    "                              the \"not on track\" alert\n"
    "\n"
    "Example:\n"
    "  cairn report client S01 -o sarah.xlsx\n"
    "  cairn report couple S01 --rci-sd epds=5.5 --rci-reliability "
    "epds=0.87 \\\n"
    "      -o couple.xlsx\n"
    "  cairn report caseload --clinician dr.okafor\n"
    "  cairn report cohort --instrument phq9 -o phq9-cohort.xlsx\n",
};

typedef struct report_args {
    const char *kind;
    const char *code;
    const char *output;
    cairn_report_options opts;
    cairn_report_override ov[MAX_OVERRIDES];
    const char *instrument, *scale, *from, *to; /* cohort */
    bool ml, intercept_only;
} report_args;

enum {
    OPT_CLIN = 256,
    OPT_SD,
    OPT_REL,
    OPT_CUT,
    OPT_TIME,
    OPT_NOEXP,
    OPT_INST,
    OPT_SCALE,
    OPT_FROM,
    OPT_TO,
    OPT_ML,
    OPT_IONLY,
    OPT_ALL
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"clinician", required_argument, NULL, OPT_CLIN},
    {"rci-sd", required_argument, NULL, OPT_SD},
    {"rci-reliability", required_argument, NULL, OPT_REL},
    {"cutoff", required_argument, NULL, OPT_CUT},
    {"time", required_argument, NULL, OPT_TIME},
    {"no-expectation", no_argument, NULL, OPT_NOEXP},
    {"instrument", required_argument, NULL, OPT_INST},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"ml", no_argument, NULL, OPT_ML},
    {"intercept-only", no_argument, NULL, OPT_IONLY},
    {"all", no_argument, NULL, OPT_ALL},
    {NULL, 0, NULL, 0},
};

/* A whole finite number, or false. */
static bool parse_number(const char *s, double *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0') {
        return false;
    }
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

/* The override slot for "I[.scale]" (resolved in the catalog). */
static cairn_report_override *override_for(cli_ctx *ctx, report_args *a,
                                           char *name)
{
    char *dot = strchr(name, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    const cairn_instrument *inst = cli_instrument(ctx, name);
    if (inst == NULL) {
        return NULL;
    }
    const cairn_scale *sc = dot ? cairn_instrument_find_scale(inst, dot + 1)
                                : cairn_instrument_scale(inst, 0);
    if (sc == NULL) {
        cli_error("%s has no scale '%s'", cairn_instrument_code(inst), dot + 1);
        return NULL;
    }
    for (size_t i = 0; i < a->opts.n_overrides; i++) {
        cairn_report_override *v = &a->ov[i];
        if (strcmp(v->instrument, cairn_instrument_code(inst)) == 0 &&
            strcmp(v->scale, sc->id) == 0) {
            return v;
        }
    }
    if (a->opts.n_overrides == MAX_OVERRIDES) {
        cli_error("too many overrides (at most %d)", MAX_OVERRIDES);
        return NULL;
    }
    cairn_report_override *v = &a->ov[a->opts.n_overrides++];
    memset(v, 0, sizeof *v);
    v->instrument = cairn_instrument_code(inst);
    v->scale = sc->id;
    return v;
}

/* --rci-sd I=X and the like. */
static int apply_override(cli_ctx *ctx, report_args *a, int opt,
                          const char *arg)
{
    static const char *const names[] = {"--rci-sd", "--rci-reliability",
                                        "--cutoff"};
    const char *name = names[opt - OPT_SD];
    char buf[128];
    const char *eq = strchr(arg, '=');
    double x = 0;
    if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof buf ||
        !parse_number(eq + 1, &x)) {
        return cli_usage("report", "%s '%s' is not INSTRUMENT=NUMBER", name,
                         arg);
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(eq - arg), arg);
    cairn_report_override *v = override_for(ctx, a, buf);
    if (v == NULL) {
        return CLI_FAIL;
    }
    if ((opt == OPT_SD && !(x > 0)) || (opt == OPT_REL && !(x > 0 && x < 1))) {
        return cli_usage("report", "%s '%s': %s", name, arg,
                         opt == OPT_SD ? "the SD must be positive"
                                       : "the reliability must be between 0 "
                                         "and 1");
    }
    if (opt == OPT_SD) {
        v->has_sd = true;
        v->sd = x;
    } else if (opt == OPT_REL) {
        v->has_reliability = true;
        v->reliability = x;
    } else {
        v->has_cutoff = true;
        v->cutoff = x;
    }
    return CLI_OK;
}

static int apply_opt(cli_ctx *ctx, report_args *a, int opt, const char *v)
{
    switch (opt) {
    case 'o':
        a->output = v;
        return CLI_OK;
    case OPT_CLIN:
        a->opts.clinician = v;
        return CLI_OK;
    case OPT_TIME:
        if (strcmp(v, "since-first") == 0) {
            a->opts.axis = CAIRN_TIME_SINCE_FIRST;
        } else if (strcmp(v, "since-loss") == 0) {
            a->opts.axis = CAIRN_TIME_SINCE_LOSS;
        } else {
            return cli_usage("report",
                             "--time '%s' is not since-first or "
                             "since-loss",
                             v);
        }
        return CLI_OK;
    case OPT_NOEXP:
        a->opts.expectation = false;
        return CLI_OK;
    case OPT_ALL:
        a->opts.all = true;
        return CLI_OK;
    case OPT_INST:
        a->instrument = v;
        return CLI_OK;
    case OPT_SCALE:
        a->scale = v;
        return CLI_OK;
    case OPT_FROM:
    case OPT_TO:
        *(opt == OPT_FROM ? &a->from : &a->to) = v;
        return CLI_OK;
    case OPT_ML:
    case OPT_IONLY:
        *(opt == OPT_ML ? &a->ml : &a->intercept_only) = true;
        return CLI_OK;
    default:
        return apply_override(ctx, a, opt, v);
    }
}

static int parse(cli_ctx *ctx, report_args *a, int argc, char **argv)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:", long_opts, NULL)) != -1) {
        if (opt == '?') {
            return cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
        if (opt == ':') {
            return cli_usage("report", "%s needs a value", argv[optind - 1]);
        }
        int rc = apply_opt(ctx, a, opt, optarg);
        if (rc != CLI_OK) {
            return rc;
        }
    }
    a->opts.overrides = a->ov;
    int n = argc - optind;
    if (n < 1) {
        return cli_usage("report", "say which report: client, couple, "
                                   "caseload or cohort");
    }
    a->kind = argv[optind];
    bool needs_code =
        strcmp(a->kind, "client") == 0 || strcmp(a->kind, "couple") == 0;
    bool cohort = strcmp(a->kind, "cohort") == 0;
    if (!needs_code && !cohort && strcmp(a->kind, "caseload") != 0) {
        return cli_usage("report",
                         "unknown report '%s' (client, couple, "
                         "caseload or cohort)",
                         a->kind);
    }
    if (needs_code && n != 2) {
        return cli_usage("report", "report %s needs one client CODE", a->kind);
    }
    if (!needs_code && n != 1) {
        return cli_usage("report", "report %s takes no arguments", a->kind);
    }
    if (cohort && (a->instrument == NULL || a->output == NULL)) {
        return cli_usage("report", "report cohort needs --instrument I and "
                                   "-o FILE");
    }
    a->code = needs_code ? argv[optind + 1] : NULL;
    return CLI_OK;
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

static void view_caseload(const cairn_report_caseload *r)
{
    printf("%-12s %-7s", "client", "alerts");
    for (size_t k = 0; k < r->n_instruments; k++) {
        printf("  %-26s", cairn_report_short_name(r->instruments[k]));
    }
    printf("  most urgent\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const cairn_report_row *w = &r->rows[i];
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

static int open_store(cli_ctx *ctx, cairn_store **st)
{
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.read_only = true;
    o.actor = cli_actor();
    if (cairn_store_open(st, ctx->db_path, &o, &err) < 0) {
        return cli_fail_next(&err, CAIRN_ENOTFOUND, "run 'cairn init' first");
    }
    return CLI_OK;
}

static int run_client(report_args *a, cairn_store *st, const cairn_catalog *cat,
                      cairn_error *err)
{
    cairn_report_client *r = NULL;
    int rc = cairn_report_client_load(&r, st, cat, a->code, &a->opts, err);
    if (rc == CAIRN_OK && a->output != NULL) {
        rc = cairn_report_client_write(r, a->output, err);
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
        rc = cairn_report_couple_write(r, a->output, err);
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
        rc = cairn_report_caseload_write(r, a->output, err);
        if (rc == CAIRN_OK) {
            printf("wrote %s: %zu client%s\n", a->output, r->n_rows,
                   r->n_rows == 1 ? "" : "s");
        }
    } else if (rc == CAIRN_OK) {
        view_caseload(r);
    }
    cairn_report_caseload_free(r);
    return rc;
}

/* The cohort's options: filters, the override of its scale, the model. */
static int cohort_options(cairn_report_cohort_options *co, const report_args *a,
                          const cairn_instrument *inst)
{
    co->cohort.scale = a->scale;
    co->cohort.from = a->from;
    co->cohort.to = a->to;
    co->cohort.clinician = a->opts.clinician;
    co->model.reml = !a->ml;
    co->model.intercept_only = a->intercept_only;
    const cairn_scale *sc = a->scale
                                ? cairn_instrument_find_scale(inst, a->scale)
                                : cairn_instrument_scale(inst, 0);
    if (sc == NULL) {
        return cli_usage("report", "%s has no scale '%s'",
                         cairn_instrument_code(inst), a->scale);
    }
    for (size_t i = 0; i < a->opts.n_overrides; i++) {
        const cairn_report_override *v = &a->ov[i];
        if (strcmp(v->instrument, cairn_instrument_code(inst)) != 0 ||
            strcmp(v->scale, sc->id) != 0) {
            continue;
        }
        co->cohort.has_sd = v->has_sd;
        co->cohort.sd = v->sd;
        co->cohort.has_reliability = v->has_reliability;
        co->cohort.reliability = v->reliability;
        co->cohort.has_cutoff = v->has_cutoff;
        co->cohort.cutoff = v->cutoff;
    }
    return CLI_OK;
}

static int run_cohort(cli_ctx *ctx, report_args *a, cairn_store *st,
                      cairn_error *err)
{
    const cairn_instrument *inst = cli_instrument(ctx, a->instrument);
    cairn_report_cohort_options co = CAIRN_REPORT_COHORT_OPTIONS_INIT;
    if (inst == NULL) {
        return CLI_FAIL;
    }
    int usage = cohort_options(&co, a, inst);
    if (usage != CLI_OK) {
        return usage;
    }
    cairn_report_cohort *r = NULL;
    int rc = cairn_report_cohort_load(&r, st, inst, &co, err);
    if (rc == CAIRN_OK) {
        rc = cairn_report_cohort_write(r, a->output, err);
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
    report_args a = {.opts = CAIRN_REPORT_OPTIONS_INIT};
    int rc = parse(ctx, &a, argc, argv);
    if (rc != CLI_OK) {
        return rc;
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    if (cat == NULL || open_store(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_error err = CAIRN_ERROR_INIT;
    if (strcmp(a.kind, "cohort") == 0) {
        rc = run_cohort(ctx, &a, st, &err);
        cairn_store_close(st);
        return rc;
    }
    if (strcmp(a.kind, "client") == 0) {
        rc = run_client(&a, st, cat, &err);
    } else if (strcmp(a.kind, "couple") == 0) {
        rc = run_couple(&a, st, cat, &err);
    } else {
        rc = run_caseload(&a, st, cat, &err);
    }
    cairn_store_close(st);
    if (rc < 0 && strcmp(a.kind, "couple") == 0) {
        return cli_fail_couple(&err, a.code);
    }
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}
