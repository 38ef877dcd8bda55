/*
 * cmd_event.c - `cairn event`: the timeline around the scores.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct args {
    const char *client, *date, *kind, *label;
    bool json;
} args;

static args given;

static const cli_opt add_opts[] = {
    {"client", "CODE", "the client", .str = &given.client},
    {"date", "D", "YYYY-MM-DD (a due date may lie in the future)",
     .str = &given.date},
    {"kind", "K", "one of the kinds above", .str = &given.kind},
    {"label", "TEXT", "a short description (at most 200 bytes)",
     .str = &given.label},
    {NULL}};
static const cli_opt list_opts[] = {
    {"client", "CODE", "the client", .str = &given.client},
    {"json", NULL, "list as JSON (README: JSON output)", .flag = &given.json},
    {NULL}};
static const cli_sub event_subs[] = {
    {"add", add_opts}, {"list", list_opts}, {NULL}};

const cli_command cli_event_command = {
    .name = "event",
    .run = cmd_event,
    .summary = "add or list events on a client's timeline",
    .usage = "cairn event add --client CODE --date D --kind K [--label TEXT]\n"
             "       cairn event list [--client CODE] [--json]",
    .subs = event_subs,
    .example = "  cairn event add --client C001 --date 2024-06-03 \\\n"
               "      --kind intervention_start --label 'mindfulness group'\n",
    .help =
        "Events put the scores in context: when an intervention started or\n"
        "changed (for example mindfulness, narrative therapy, medication),\n"
        "sessions, the due date, anniversaries of the loss, a new pregnancy\n"
        "and other life events.  They are listed in 'cairn history' and\n"
        "drawn on report charts.  The label is for the clinician; exports\n"
        "carry only the kind and the date.\n"
        "\n"
        "Kinds: intervention_start, intervention_change, session, due_date,\n"
        "anniversary, pregnancy, life_event, other.\n",
};

static int add(cli_ctx *ctx, const args *a)
{
    cairn_event ev = {0, a->client, a->date, CAIRN_EVENT_OTHER, a->label};
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = NULL;
    int64_t id = 0;
    if (a->client == NULL || a->date == NULL || a->kind == NULL) {
        return cli_usage("event", "event add needs --client, --date and "
                                  "--kind");
    }
    if (cairn_event_kind_parse(&ev.kind, a->kind, &err) < 0) {
        return cli_usage("event", "%s", err.message);
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_event_add(st, &ev, &id, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("added event %lld for %s: %s on %s\n", (long long)id, a->client,
           a->kind, a->date);
    return CLI_OK;
}

static int list(cli_ctx *ctx, const args *a)
{
    cairn_event_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = NULL;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_event_list(&l, st, a->client, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    json_t *arr = a->json ? json_array() : NULL;
    for (size_t i = 0; i < l->n; i++) {
        const cairn_event *e = &l->items[i];
        if (a->json) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_integer(e->id));
            json_object_set_new(o, "client", cli_json_str(e->client_code));
            json_object_set_new(o, "date", cli_json_str(e->date));
            json_object_set_new(o, "kind",
                                cli_json_str(cairn_event_kind_name(e->kind)));
            json_object_set_new(o, "label", cli_json_str(e->label));
            json_array_append_new(arr, o);
        } else {
            printf("%s  %-10s %-19s %s\n", e->date, e->client_code,
                   cairn_event_kind_name(e->kind), e->label ? e->label : "");
        }
    }
    cairn_store_event_list_free(l);
    return a->json ? cli_json_print(arr) : CLI_OK;
}

int cmd_event(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("event", event_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("event", "event %s: unexpected '%s'", sub->name,
                         argv[0]);
    }
    return strcmp(sub->name, "add") == 0 ? add(ctx, &given) : list(ctx, &given);
}
