/*
 * cmd_trend.c - `cairn trend`: is this client getting better, worse, or
 * not changing, and is anything wrong today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct {
    const char *client, *instrument, *scale;
    bool json;
} given;

static const cli_opt trend_opts[] = {
    {"client", "CODE", "the client", .str = &given.client},
    {"instrument", "I", "the questionnaire (code or alias)",
     .str = &given.instrument},
    {"scale", "S", "a subscale (e.g. despair); default the total",
     .str = &given.scale},
    {"json", NULL, "one JSON object, for scripts (README: JSON output)",
     .flag = &given.json},
    {.include = cli_override_opts},
    {.include = cli_time_opts},
    {NULL}};

const cli_command cli_trend_command = {
    .name = "trend",
    .run = cmd_trend,
    .summary = "a client's change on one questionnaire",
    .usage = "cairn trend --client CODE --instrument I [--json] [--scale S]\n"
             "       [--rci-sd X] [--rci-reliability R] [--cutoff C]\n"
             "       [--time since-first|since-loss] "
             "[--no-improvement-weeks N]\n"
             "       [--episode current|all|N]",
    .opts = trend_opts,
    .example =
        "  cairn trend --client SARAH --instrument pgs33 --time since-loss\n"
        "  cairn trend --client SARAH --instrument epds --rci-sd 5.5\n",
    .help =
        "Shows a client's course on one questionnaire: first and latest\n"
        "score, the change, the trend per week with its 95% interval,\n"
        "whether the change is reliable (more than measurement noise:\n"
        "Jacobson-Truax) and clinically significant (crossed the cut-off),\n"
        "and any alert: a risk item endorsed, reliable deterioration, not on\n"
        "track compared with the clinic's own clients, or no reliable\n"
        "improvement after 12 weeks.\n"
        "\n"
        "SD, reliability and cut-off come from the instrument's definition;\n"
        "populations differ, so each can be overridden, as a NUMBER or as\n"
        "INSTRUMENT=NUMBER like 'cairn report'.  Every result says which\n"
        "values were used and where they come from.\n",
};

static void expectation_note(const cairn_caseload *cl, const char *code)
{
    for (size_t i = 0; i < cl->n_expectations; i++) {
        const cairn_expectation *e = &cl->expectations[i];
        if (strcmp(cl->expectation_codes[i], code) != 0 || e->available) {
            continue;
        }
        if (e->n_clients >= e->min_clients) {
            printf("  Not on track: not judged; the clinic's growth model "
                   "could not be fitted (see 'cairn cohort')\n");
        } else {
            printf("  Not on track: not judged; %zu client%s of this clinic "
                   "have scores, the growth model needs %zu\n",
                   e->n_clients, e->n_clients == 1 ? "" : "s", e->min_clients);
        }
    }
}

/* The client's timeline on the trend's span and after it: the events
 * entered by hand and the markers of the loss (due date, anniversaries),
 * dated, and on the since-loss axis in weeks after the loss. */
static void print_timeline(cairn_store *st, const cairn_client *c,
                           const cairn_trend *t)
{
    cairn_event_list *ev = NULL;
    char today[CAIRN_DATE_MAX], line[2000];
    size_t used = 0;
    cairn_date_now(today);
    if (cairn_store_event_list(&ev, st, c->code, NULL) < 0 ||
        cairn_timeline_add_markers(ev, c, today, NULL) < 0) {
        cairn_store_event_list_free(ev);
        return;
    }
    line[0] = '\0';
    for (size_t i = 0; i < ev->n && used + 200 < sizeof line; i++) {
        const cairn_event *e = &ev->items[i];
        char week[40] = "";
        double w = 0;
        if (t->has_baseline && strncmp(e->date, t->baseline.date, 10) < 0) {
            continue; /* before the first score: not on this course */
        }
        if (t->axis == CAIRN_TIME_SINCE_LOSS && c->loss_date != NULL &&
            cairn_date_weeks_between(c->loss_date, e->date, &w, NULL) == 0) {
            snprintf(week, sizeof week, ", week %.0f", w);
        }
        int k = snprintf(line + used, sizeof line - used, "%s%s (%.10s%s%s)",
                         used ? "; " : "",
                         e->label ? e->label : cairn_event_kind_name(e->kind),
                         e->date, week,
                         strncmp(e->date, today, 10) > 0 ? ", ahead" : "");
        used += k > 0 ? (size_t)k : 0;
    }
    if (used > 0) {
        cli_print_wrapped(stdout, "  Timeline   ", "             ", line);
    }
    cairn_store_event_list_free(ev);
}

int cmd_trend(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("trend", trend_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("trend", "trend: unexpected '%s'", argv[0]);
    }
    if (given.client == NULL || given.instrument == NULL) {
        return cli_usage("trend", "give --client and --instrument");
    }
    const cairn_instrument *inst = cli_instrument(ctx, given.instrument);
    if (inst == NULL) {
        return CLI_FAIL;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    rc = cli_params_trend(ctx, "trend", inst, given.scale, &o.trend);
    cairn_store *st = NULL;
    if (rc != CLI_OK) {
        return rc;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_caseload *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    const char *client = given.client;
    o.client = client;
    o.instrument = cairn_instrument_code(inst);
    rc = cairn_caseload_compute(&cl, st, cli_catalog(ctx), &o, &err) < 0
             ? cli_fail(&err)
             : CLI_OK;
    if (rc == CLI_OK && (cl->n == 0 || cl->entries[0].n_trends == 0)) {
        cli_error("client '%s' has no %s assessments", client,
                  cairn_instrument_code(inst));
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        const cairn_trend *t = cl->entries[0].trends[0];
        char *json = NULL;
        if (given.json) {
            rc = cairn_trend_to_json(t, &json, &err) < 0 ? cli_fail(&err)
                                                         : CLI_OK;
            if (json != NULL) {
                printf("%s\n", json);
            }
            free(json);
        } else {
            printf("Client %s\n", client);
            if (t->axis_fallback) {
                printf("  (no loss date recorded: weeks since the first "
                       "assessment)\n");
            }
            cli_print_trend(t, inst);
            print_timeline(st, cl->entries[0].client, t);
            expectation_note(cl, cairn_instrument_code(inst));
        }
    }
    cairn_caseload_free(cl);
    cairn_store_close(st);
    return rc;
}
