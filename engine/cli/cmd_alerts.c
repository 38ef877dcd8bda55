/*
 * cmd_alerts.c - `cairn alerts` and `cairn alert ack|resolve`: what needs
 * a clinician's attention, and recording that it got it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct {
    bool json, all;
    const char *clinician, *note;
} given;

static const cli_opt alerts_opts[] = {
    {"all", NULL, "resolved alerts too", .flag = &given.all},
    {"clinician", "C", "one clinician's clients", .str = &given.clinician},
    {"json", NULL, "an array of alert objects (README: JSON output)",
     .flag = &given.json},
    {NULL}};
static const cli_opt note_opts[] = {
    {"note", "TEXT", "what was done (required)", .str = &given.note}, {NULL}};
static const cli_sub alert_subs[] = {
    {"ack", note_opts}, {"resolve", note_opts}, {NULL}};

const cli_command cli_alerts_command = {
    .name = "alerts",
    .run = cmd_alerts,
    .summary = "what needs attention, most urgent first",
    .usage = "cairn alerts [--json] [--all] [--clinician C]",
    .opts = alerts_opts,
    .example = "  cairn alerts\n"
               "  cairn alerts --all --clinician dr.lee\n",
    .help =
        "Lists the alerts clients' results raise, most urgent first: a risk\n"
        "item endorsed, reliable deterioration, not on track compared with\n"
        "the clinic's own clients, no reliable improvement after 12 weeks.\n"
        "Open and acknowledged alerts are shown; resolved ones only with\n"
        "--all.  Each alert has an id such as risk:12:9 (kind, assessment,\n"
        "item) for 'cairn alert ack' and 'cairn alert resolve'.\n",
};

const cli_command cli_alert_command = {
    .name = "alert",
    .run = cmd_alert,
    .summary = "acknowledge or resolve an alert",
    .usage = "cairn alert ack ID --note TEXT\n"
             "       cairn alert resolve ID --note TEXT",
    .subs = alert_subs,
    .example =
        "  cairn alert ack risk:12:9 --note \"called client, safety plan "
        "reviewed\"\n",
    .help =
        "Records that an alert was seen (ack) or dealt with (resolve), with\n"
        "a note, who and when; the change is audited.  A resolved alert\n"
        "leaves 'cairn alerts' and the caseload.\n",
};

static void print_alert(const cairn_alert_ref *r)
{
    const cairn_alert *a = r->alert;
    printf("%-18s %-12s %-14s %-13s %s\n", a->key, r->client,
           cairn_alert_kind_name(a->kind), cairn_alert_state_name(a->state),
           a->reason);
    if (a->state != CAIRN_ALERT_OPEN && a->state_note != NULL) {
        printf("%-18s %-12s %s by %s on %.10s: %s\n", "", "",
               cairn_alert_state_name(a->state),
               a->state_by ? a->state_by : "?", a->state_at ? a->state_at : "?",
               a->state_note);
    }
}

static json_t *alert_json(const cairn_alert_ref *r)
{
    const cairn_alert *a = r->alert;
    json_t *o = json_object();
    json_object_set_new(o, "id", cli_json_str(a->key));
    json_object_set_new(o, "client", cli_json_str(r->client));
    json_object_set_new(o, "kind",
                        cli_json_str(cairn_alert_kind_name(a->kind)));
    json_object_set_new(o, "state",
                        cli_json_str(cairn_alert_state_name(a->state)));
    json_object_set_new(o, "assessment_id", json_integer(a->assessment_id));
    json_object_set_new(o, "date", cli_json_str(a->date));
    json_object_set_new(o, "reason", cli_json_str(a->reason));
    json_object_set_new(o, "by", cli_json_str(a->state_by));
    json_object_set_new(o, "note", cli_json_str(a->state_note));
    return o;
}

static int print_alerts(const cairn_alert_list *l)
{
    if (given.json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < l->n; i++) {
            json_array_append_new(arr, alert_json(&l->items[i]));
        }
        return cli_json_print(arr);
    }
    printf("%-18s %-12s %-14s %-13s %s\n", "ID", "CLIENT", "KIND", "STATE",
           "WHY");
    for (size_t i = 0; i < l->n; i++) {
        print_alert(&l->items[i]);
    }
    if (l->n == 0) {
        printf("No open alerts.\n");
    }
    return CLI_OK;
}

int cmd_alerts(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("alerts", alerts_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("alerts", "alerts: unexpected '%s'", argv[0]);
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    cairn_alert_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.clinician = given.clinician;
    o.all = true; /* a discharged client's alerts still need an answer */
    if (cairn_caseload_compute(&cl, st, cat, &o, &err) < 0 ||
        cairn_alert_list_compute(&l, cl, given.all, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        rc = print_alerts(l);
    }
    cairn_alert_list_free(l);
    cairn_caseload_free(cl);
    cairn_store_close(st);
    return rc;
}

int cmd_alert(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("alert", alert_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n != 1) {
        return cli_usage("alert", "expected 'ack ID' or 'resolve ID'");
    }
    const char *note = given.note;
    if (note == NULL || note[0] == '\0') {
        return cli_usage("alert", "say what was done with --note");
    }
    cairn_alert_state state = strcmp(sub->name, "ack") == 0
                                  ? CAIRN_ALERT_ACKNOWLEDGED
                                  : CAIRN_ALERT_RESOLVED;
    const char *key = argv[0];
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    char client[128];
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_alert_set(st, cat, key, state, note, client, sizeof client,
                        &err) < 0) {
        if (err.code == CAIRN_ENOTFOUND) {
            cli_error("%s (run 'cairn alerts --all' to see the ids)",
                      err.message);
            rc = CLI_FAIL;
        } else {
            rc = cli_fail(&err);
        }
    }
    if (rc == CLI_OK) {
        printf("alert %s (%s): %s\n", key, client,
               cairn_alert_state_name(state));
    }
    cairn_store_close(st);
    return rc;
}
