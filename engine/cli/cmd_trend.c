/*
 * cmd_trend.c - `cairn trend`: is this client getting better, worse, or
 * not changing, and is anything wrong today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_trend_command = {
    "trend",
    cmd_trend,
    "a client's change on one questionnaire",
    "cairn trend --client CODE --instrument I [--json] [--scale S]\n"
    "       [--rci-sd X] [--rci-reliability R] [--cutoff C]\n"
    "       [--time since-first|since-loss] [--no-improvement-weeks N]",
    "Shows a client's course on one questionnaire: first and latest score,\n"
    "the change, the trend per week with its 95% interval, whether the\n"
    "change is reliable (more than measurement noise: Jacobson-Truax) and\n"
    "clinically significant (crossed the cut-off), and any alert: a risk\n"
    "item endorsed, reliable deterioration, not on track compared with the\n"
    "clinic's own clients, or no reliable improvement after 12 weeks.\n"
    "\n"
    "SD, reliability and cut-off come from the instrument's definition;\n"
    "populations differ, so each can be overridden.  Every result says\n"
    "which values were used and where they come from.\n"
    "\n"
    "Options:\n"
    "  --client CODE            the client\n"
    "  --instrument I           the questionnaire (code or alias)\n"
    "  --scale S                a subscale (e.g. despair); default the "
    "total\n"
    "  --json                   one JSON object, for scripts\n"
    "  --rci-sd X               SD for reliable change\n"
    "  --rci-reliability R      reliability (0 < R < 1)\n"
    "  --cutoff C               clinical cut-off\n"
    "  --time since-loss        weeks since the loss (grief measures)\n"
    "  --no-improvement-weeks N alert after N weeks without reliable\n"
    "                           improvement (default 12)\n"
    "\n"
    "Example:\n"
    "  cairn trend --client SARAH --instrument pgs33 --time since-loss\n",
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
    cli_stats_args a = CLI_STATS_ARGS_INIT;
    int rc = cli_stats_parse("trend", argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a.client == NULL || a.instrument == NULL) {
        return cli_usage("trend", "give --client and --instrument");
    }
    const cairn_instrument *inst = cli_instrument(ctx, a.instrument);
    cairn_store *st = NULL;
    if (inst == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.client = a.client;
    o.instrument = cairn_instrument_code(inst);
    o.trend = a.trend;
    rc = cairn_caseload_compute(&cl, st, cli_catalog(ctx), &o, &err) < 0
             ? cli_fail(&err)
             : CLI_OK;
    if (rc == CLI_OK && (cl->n == 0 || cl->entries[0].n_trends == 0)) {
        cli_error("client '%s' has no %s assessments", a.client,
                  cairn_instrument_code(inst));
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        const cairn_trend *t = cl->entries[0].trends[0];
        char *json = NULL;
        if (a.json) {
            rc = cairn_trend_to_json(t, &json, &err) < 0 ? cli_fail(&err)
                                                         : CLI_OK;
            if (json != NULL) {
                printf("%s\n", json);
            }
            free(json);
        } else {
            printf("Client %s\n", a.client);
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
