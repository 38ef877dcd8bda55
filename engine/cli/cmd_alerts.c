/*
 * cmd_alerts.c - `cairn alerts` and `cairn alert ack|resolve`: what needs
 * a clinician's attention, and recording that it got it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_alerts_command = {
    "alerts",
    cmd_alerts,
    "what needs attention, most urgent first",
    "cairn alerts [--json] [--all] [--clinician C]",
    "Lists the alerts clients' results raise, most urgent first: a risk\n"
    "item endorsed, reliable deterioration, not on track compared with\n"
    "the clinic's own clients, no reliable improvement after 12 weeks.\n"
    "Open and acknowledged alerts are shown; resolved ones only with --all.\n"
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
    "note, who and when; the change is audited.  A resolved alert leaves\n"
    "'cairn alerts' and the caseload.\n"
    "\n"
    "Example:\n"
    "  cairn alert ack risk:12:9 --note \"called client, safety plan "
    "reviewed\"\n",
};

static void print_alert(const cairn_alert_ref *r, bool json, bool *first)
{
    const cairn_alert *a = r->alert;
    if (!json) {
        printf("%-18s %-12s %-14s %-13s %s\n", a->key, r->client,
               cairn_alert_kind_name(a->kind), cairn_alert_state_name(a->state),
               a->reason);
        if (a->state != CAIRN_ALERT_OPEN && a->state_note != NULL) {
            printf("%-18s %-12s %s by %s on %.10s: %s\n", "", "",
                   cairn_alert_state_name(a->state),
                   a->state_by ? a->state_by : "?",
                   a->state_at ? a->state_at : "?", a->state_note);
        }
        return;
    }
    printf("%s{\"id\":", *first ? "\n" : ",\n");
    *first = false;
    cli_json_string(stdout, a->key);
    printf(",\"client\":");
    cli_json_string(stdout, r->client);
    printf(",\"kind\":\"%s\",\"state\":\"%s\",\"assessment_id\":%lld,"
           "\"date\":",
           cairn_alert_kind_name(a->kind), cairn_alert_state_name(a->state),
           (long long)a->assessment_id);
    cli_json_string(stdout, a->date);
    printf(",\"reason\":");
    cli_json_string(stdout, a->reason);
    printf(",\"by\":");
    cli_json_string(stdout, a->state_by);
    printf(",\"note\":");
    cli_json_string(stdout, a->state_note);
    printf("}");
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
        if (json) {
            printf("[");
        } else {
            printf("%-18s %-12s %-14s %-13s %s\n", "ID", "CLIENT", "KIND",
                   "STATE", "WHY");
        }
        cairn_alert_list *l = NULL;
        if (cairn_alert_list_compute(&l, cl, all, &err) < 0) {
            rc = cli_fail(&err);
        }
        for (size_t i = 0; l != NULL && i < l->n; i++) {
            print_alert(&l->items[i], json, &first);
            shown++;
        }
        cairn_alert_list_free(l);
        if (json) {
            printf("\n]\n");
        } else if (shown == 0) {
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
