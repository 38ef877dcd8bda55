/*
 * cmd_alerts.c - `cairn alerts` and `cairn alert ack|resolve`: what needs
 * a clinician's attention, and recording that it got it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/alert.h"
#include "cairn/date.h"
#include "cli.h"

const cli_command cli_alerts_command = {
    "alerts",
    cmd_alerts,
    "what needs attention, most urgent first",
    "cairn alerts [--json] [--all] [--clinician C]",
    "Lists the alerts clients' results raise, most urgent first: a risk\n"
    "item endorsed on a client's latest assessment, then risk items\n"
    "endorsed earlier, reliable deterioration, not on track compared with\n"
    "the clinic's own clients, no reliable improvement after 12 weeks; the\n"
    "newest first within each.  Open alerts come before acknowledged ones;\n"
    "resolved ones are shown only with --all.  Each alert shows the\n"
    "client's clinician, how long ago it was raised, its reason and every\n"
    "note recorded on it, with who and when.\n"
    "Each alert has an id such as risk:12:9 (kind, assessment, item) for\n"
    "'cairn alert ack' and 'cairn alert resolve'.\n"
    "\n"
    "Options:\n"
    "  --all           resolved alerts too\n"
    "  --clinician C   one clinician's clients\n"
    "  --json          an array of alert objects\n"
    "\n"
    "Example:\n"
    "  cairn alerts\n",
};

const cli_command cli_alert_command = {
    "alert",
    cmd_alert,
    "acknowledge or resolve an alert",
    "cairn alert ack ID --note TEXT\n"
    "       cairn alert resolve ID --note TEXT",
    "Records that an alert was seen (ack) or dealt with (resolve), with a\n"
    "note, who and when; the change is audited.  Notes add up: each one\n"
    "stays, shown with who wrote it and when.  A resolved alert leaves\n"
    "'cairn alerts' and the caseload, and cannot be acknowledged again.\n"
    "\n"
    "Example:\n"
    "  cairn alert ack risk:12:9 --note \"called client, safety plan "
    "reviewed\"\n",
};

/* One alert for people: a line that names it, then its reason and every
 * note (who and when), wrapped under it. */
static void print_plain(const cairn_alert_ref *r,
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

static void print_json(const cairn_alert_ref *r,
                       const cairn_alert_record_list *history, bool *first)
{
    const cairn_alert *a = r->alert;
    size_t from = 0;
    size_t n = cairn_alert_notes(history, a->key, &from);
    printf("%s{\"id\":", *first ? "\n" : ",\n");
    *first = false;
    cli_json_string(stdout, a->key);
    printf(",\"client\":");
    cli_json_string(stdout, r->client);
    printf(",\"clinician\":");
    cli_json_string(stdout, r->clinician);
    printf(",\"kind\":\"%s\",\"state\":\"%s\",\"on_latest\":%s,"
           "\"assessment_id\":%lld,\"date\":",
           cairn_alert_kind_name(a->kind), cairn_alert_state_name(a->state),
           r->on_latest ? "true" : "false", (long long)a->assessment_id);
    cli_json_string(stdout, a->date);
    printf(",\"reason\":");
    cli_json_string(stdout, a->reason);
    printf(",\"by\":");
    cli_json_string(stdout, a->state_by);
    printf(",\"note\":");
    cli_json_string(stdout, a->state_note);
    printf(",\"notes\":[");
    for (size_t i = from; i < from + n; i++) {
        const cairn_alert_record *rec = &history->items[i];
        printf("%s{\"state\":\"%s\",\"by\":", i > from ? "," : "",
               cairn_alert_state_name(rec->state));
        cli_json_string(stdout, rec->who);
        printf(",\"at\":");
        cli_json_string(stdout, rec->at);
        printf(",\"note\":");
        cli_json_string(stdout, rec->note);
        printf("}");
    }
    printf("]}");
}

int cmd_alerts(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"all", no_argument, NULL, 'a'},
        {"clinician", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0}};
    bool json = false, all = false;
    const char *clinician = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            json = true;
        } else if (c == 'a') {
            all = true;
        } else if (c == 'c') {
            clinician = optarg;
        } else {
            return cli_usage("alerts", "unknown option '%s'", argv[optind - 1]);
        }
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.clinician = clinician;
    o.all = true; /* a discharged client's alerts still need an answer */
    int rc = CLI_OK;
    if (cairn_caseload_compute(&cl, st, cat, &o, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        bool first = true;
        size_t shown = 0;
        char today[CAIRN_DATE_MAX];
        cairn_date_now(today);
        cairn_alert_list *l = NULL;
        cairn_alert_record_list *history = NULL;
        if (cairn_alert_list_compute(&l, cl, all, &err) < 0 ||
            cairn_store_alert_history(&history, st, &err) < 0) {
            rc = cli_fail(&err);
        }
        if (rc == CLI_OK && json) {
            printf("[");
        } else if (rc == CLI_OK && l->n > 0) {
            printf("%-20s %-10s %-12s %-23s %-12s %s\n", "ID", "CLIENT",
                   "CLINICIAN", "ALERT", "STATE", "RAISED");
        }
        for (size_t i = 0; rc == CLI_OK && i < l->n; i++) {
            if (json) {
                print_json(&l->items[i], history, &first);
            } else {
                print_plain(&l->items[i], history, today);
            }
            shown++;
        }
        cairn_store_alert_list_free(history);
        cairn_alert_list_free(l);
        if (rc == CLI_OK && json) {
            printf("\n]\n");
        } else if (rc == CLI_OK && shown == 0) {
            printf("No open alerts.\n");
        }
    }
    cairn_caseload_free(cl);
    cairn_store_close(st);
    return rc;
}

int cmd_alert(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"note", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *note = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'n') {
            return cli_usage("alert", "unknown option '%s'", argv[optind - 1]);
        }
        note = optarg;
    }
    if (argc - optind != 2 || (strcmp(argv[optind], "ack") != 0 &&
                               strcmp(argv[optind], "resolve") != 0)) {
        return cli_usage("alert", "expected 'ack ID' or 'resolve ID'");
    }
    if (note == NULL || note[0] == '\0') {
        return cli_usage("alert", "say what was done with --note");
    }
    cairn_alert_state state = strcmp(argv[optind], "ack") == 0
                                  ? CAIRN_ALERT_ACKNOWLEDGED
                                  : CAIRN_ALERT_RESOLVED;
    const char *key = argv[optind + 1];
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    char client[128];
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_error err = CAIRN_ERROR_INIT;
    int rc = CLI_OK;
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
