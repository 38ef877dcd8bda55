/*
 * cmd_alerts.c - `cairn alerts` and `cairn alert ack|resolve`: what needs
 * a clinician's attention, and recording that it got it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/alert.h"
#include "cairn/date.h"
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
        "item endorsed on a client's latest assessment, then risk items\n"
        "endorsed earlier, reliable deterioration, not on track compared\n"
        "with the clinic's own clients, no reliable improvement after 12\n"
        "weeks; the newest first within each.  Open alerts come before\n"
        "acknowledged ones; resolved ones are shown only with --all.  Each\n"
        "alert shows the client's clinician, how long ago it was raised,\n"
        "its reason and every note recorded on it, with who and when.  Each\n"
        "has an id such as risk:12:9 (kind, assessment, item) for 'cairn\n"
        "alert ack' and 'cairn alert resolve'.\n",
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
        "a note, who and when; the change is audited.  Notes add up: each\n"
        "one stays, shown with who wrote it and when.  A resolved alert\n"
        "leaves 'cairn alerts' and the caseload, and cannot be acknowledged\n"
        "again.\n",
};

/* One alert for people: a line that names it, then its reason and every
 * note (who and when), wrapped under it. */
static void print_alert(const cairn_alert_ref *r,
                        const cairn_alert_record_list *history,
                        const char *today)
{
    const cairn_alert *a = r->alert;
    char age[32];
    size_t first = 0;
    size_t n = cairn_alert_notes(history, a->key, &first);
    printf("%-20s %-10s %-12s %-23s %-12s %s\n", a->key, r->client,
           r->clinician ? r->clinician : "-", cairn_alert_kind_label(a->kind),
           cairn_alert_state_name(a->state),
           cairn_alert_age(age, sizeof age, a->date, today));
    cli_print_wrapped(stdout, "    ", "      ", a->reason);
    for (size_t i = first; i < first + n; i++) {
        const cairn_alert_record *rec = &history->items[i];
        char line[800];
        snprintf(line, sizeof line, "%s by %s on %.10s: %s",
                 cairn_alert_state_name(rec->state), rec->who ? rec->who : "?",
                 rec->at ? rec->at : "?", rec->note ? rec->note : "");
        cli_print_wrapped(stdout, "    ", "      ", line);
    }
}

static json_t *alert_json(const cairn_alert_ref *r,
                          const cairn_alert_record_list *history)
{
    const cairn_alert *a = r->alert;
    json_t *o = json_object();
    json_object_set_new(o, "id", cli_json_str(a->key));
    json_object_set_new(o, "client", cli_json_str(r->client));
    json_object_set_new(o, "clinician", cli_json_str(r->clinician));
    json_object_set_new(o, "kind",
                        cli_json_str(cairn_alert_kind_name(a->kind)));
    json_object_set_new(o, "state",
                        cli_json_str(cairn_alert_state_name(a->state)));
    json_object_set_new(o, "on_latest", json_boolean(r->on_latest));
    json_object_set_new(o, "assessment_id", json_integer(a->assessment_id));
    json_object_set_new(o, "date", cli_json_str(a->date));
    json_object_set_new(o, "reason", cli_json_str(a->reason));
    json_object_set_new(o, "by", cli_json_str(a->state_by));
    json_object_set_new(o, "note", cli_json_str(a->state_note));
    json_t *notes = json_array();
    size_t first = 0;
    size_t n = cairn_alert_notes(history, a->key, &first);
    for (size_t i = first; i < first + n; i++) {
        const cairn_alert_record *rec = &history->items[i];
        json_t *x = json_object();
        json_object_set_new(x, "state",
                            cli_json_str(cairn_alert_state_name(rec->state)));
        json_object_set_new(x, "by", cli_json_str(rec->who));
        json_object_set_new(x, "at", cli_json_str(rec->at));
        json_object_set_new(x, "note", cli_json_str(rec->note));
        json_array_append_new(notes, x);
    }
    json_object_set_new(o, "notes", notes);
    return o;
}

static int print_alerts(const cairn_alert_list *l,
                        const cairn_alert_record_list *history)
{
    if (given.json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < l->n; i++) {
            json_array_append_new(arr, alert_json(&l->items[i], history));
        }
        return cli_json_print(arr);
    }
    char today[CAIRN_DATE_MAX];
    cairn_date_now(today);
    if (l->n > 0) {
        printf("%-20s %-10s %-12s %-23s %-12s %s\n", "ID", "CLIENT",
               "CLINICIAN", "ALERT", "STATE", "RAISED");
    }
    for (size_t i = 0; i < l->n; i++) {
        print_alert(&l->items[i], history, today);
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
    cairn_attention *a = NULL;
    cairn_alert_record_list *history = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.clinician = given.clinician;
    o.all = true; /* a discharged client's alerts still need an answer */
    if (cairn_attention_read(&a, st, cat, &o, given.all, NULL, &err) < 0 ||
        cairn_store_alert_history(&history, st, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        rc = print_alerts(a->alerts, history);
    }
    cairn_store_alert_list_free(history);
    cairn_attention_free(a);
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
