/*
 * cmd_history.c - `cairn history`: a client's assessments in date order,
 * with the events around them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *client, *iname;
static bool json, all, show_items;

static const cli_opt history_opts[] = {
    {"client", "CODE", "the client", .str = &client},
    {"instrument", "I", "only this instrument (code or alias)", .str = &iname},
    {"all", NULL, "include superseded and void versions", .flag = &all},
    {"items", NULL, "every item's answer and score under each",
     .flag = &show_items},
    {"json", NULL, "a JSON array of assessments (README: JSON output)",
     .flag = &json},
    {NULL}};

const cli_command cli_history_command = {
    .name = "history",
    .run = cmd_history,
    .summary = "show a client's assessments over time",
    .usage = "cairn history --client CODE [--instrument I] [--all] [--items] "
             "[--json]",
    .opts = history_opts,
    .example = "  cairn history --client C001 --instrument PHQ-9\n",
    .help =
        "Lists the client's assessments in date order with their scores,\n"
        "bands, missing items and risk flags, and the events on the client's\n"
        "timeline (interventions, due date, anniversaries...) between them,\n"
        "with the due date and the anniversaries of the loss that Cairn\n"
        "derives from the client's record as markers.\n"
        "Corrected and voided versions are hidden unless --all is given.\n",
};

static void print_header(const cairn_client *c)
{
    printf("client %s", c->code);
    if (c->name != NULL) {
        printf(" (%s)", c->name);
    }
    if (c->partner_code != NULL) {
        printf(", partner %s", c->partner_code);
    }
    printf("\n");
    if (c->loss_kind != CAIRN_LOSS_UNKNOWN || c->loss_date != NULL) {
        printf("loss: %s",
               c->loss_kind ? cairn_loss_kind_name(c->loss_kind) : "-");
        if (c->loss_date != NULL) {
            printf(" on %s", c->loss_date);
        }
        if (c->gestation_weeks != 0) {
            printf(" at %d weeks", c->gestation_weeks);
        }
        printf("\n");
    }
}

static void print_timeline(cli_ctx *ctx, const cairn_assessment_list *l,
                           const cairn_event_list *e, bool items)
{
    size_t i = 0, j = 0;
    while (i < l->n || j < e->n) {
        bool event_first =
            j < e->n &&
            (i == l->n ||
             strncmp(e->items[j].date, l->items[i].administered_at, 10) <= 0);
        if (event_first) {
            const cairn_event *ev = &e->items[j++];
            char kind[32], line[300];
            snprintf(kind, sizeof kind, "%s", cairn_event_kind_name(ev->kind));
            for (char *p = kind; *p; p++) {
                *p = *p == '_' ? ' ' : *p; /* "due_date": "due date" */
            }
            bool plain = ev->id == 0 || ev->label == NULL ||
                         strcmp(ev->label, kind) == 0;
            snprintf(line, sizeof line, "%s%s%s", plain ? "" : kind,
                     plain ? "" : ": ", ev->label ? ev->label : kind);
            char head[48];
            snprintf(head, sizeof head, "%-20s %-6s ", ev->date,
                     ev->id == 0 ? "marker" : "event");
            cli_print_wrapped(stdout, head, "                            ",
                              line);
        } else {
            cli_print_assessment_line(ctx, stdout, &l->items[i]);
            if (items) {
                cli_print_stored_items(ctx, stdout, &l->items[i]);
            }
            i++;
        }
    }
    if (l->n == 0) {
        printf("no assessments\n");
    }
}

int cmd_history(cli_ctx *ctx, int argc, char **argv)
{
    const char *icode = NULL;
    int n = 0, shown = CLI_OK;
    int rc = cli_opt_parse("history", history_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("history", "history: unexpected '%s'", argv[0]);
    }
    if (client == NULL) {
        return cli_usage("history", "history needs --client CODE");
    }
    if (iname != NULL) {
        const cairn_instrument *inst = cli_instrument(ctx, iname);
        if (inst == NULL) {
            return CLI_FAIL;
        }
        icode = cairn_instrument_code(inst);
    }
    cairn_store *st = NULL;
    cairn_client *c = NULL;
    cairn_assessment_list *l = NULL;
    cairn_event_list *e = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    rc = cairn_store_client_get(&c, st, client, &err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_list(
            &l, st, client, icode, all ? CAIRN_LIST_ALL : CAIRN_LIST_CURRENT,
            &err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_event_list(&e, st, client, &err);
    }
    if (rc == CAIRN_OK && json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < l->n; i++) {
            json_array_append_new(arr, cli_assessment_json(ctx, &l->items[i]));
        }
        shown = cli_json_print(arr);
    } else if (rc == CAIRN_OK) {
        char today[CAIRN_DATE_MAX];
        cairn_date_now(today);
        rc = cairn_timeline_add_markers(e, c, today, &err);
    }
    if (rc == CAIRN_OK && !json) {
        print_header(c);
        print_timeline(ctx, l, e, show_items);
    }
    cairn_store_event_list_free(e);
    cairn_store_assessment_list_free(l);
    cairn_store_client_free(c);
    cairn_store_close(st);
    return rc < 0 ? cli_fail(&err) : shown;
}
