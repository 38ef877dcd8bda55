/*
 * cmd_event.c - `cairn event`: the timeline around the scores.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_event_command = {
    "event",
    cmd_event,
    "add or list events on a client's timeline",
    "cairn event add --client CODE --date D --kind K [--label TEXT]\n"
    "       cairn event list [--client CODE] [--json]",
    "Events put the scores in context: when an intervention started or\n"
    "changed (for example mindfulness, narrative therapy, medication),\n"
    "sessions, the due date, anniversaries of the loss, a new pregnancy and\n"
    "other life events.  They are listed in 'cairn history' and drawn on\n"
    "report charts.  The label is for the clinician; exports carry only\n"
    "the kind and the date.\n"
    "\n"
    "Kinds: intervention_start, intervention_change, session, due_date,\n"
    "anniversary, pregnancy, life_event, other.\n"
    "\n"
    "Options:\n"
    "  --client CODE  the client\n"
    "  --date D       YYYY-MM-DD (a due date may lie in the future)\n"
    "  --kind K       one of the kinds above\n"
    "  --label TEXT   a short description (at most 200 bytes)\n"
    "  --json         list as JSON\n"
    "\n"
    "Example:\n"
    "  cairn event add --client C001 --date 2024-06-03 \\\n"
    "      --kind intervention_start --label 'mindfulness group'\n",
};

typedef struct args {
    const char *client, *date, *kind, *label;
    bool json;
} args;

static int parse(args *a, int argc, char **argv)
{
    static const char *const names[] = {"--client", "--date", "--kind",
                                        "--label"};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
            continue;
        }
        const char **slot[] = {&a->client, &a->date, &a->kind, &a->label};
        bool known = false;
        for (int k = 0; k < 4; k++) {
            if (strcmp(argv[i], names[k]) == 0) {
                if (i + 1 >= argc) {
                    return cli_usage("event", "%s needs a value", argv[i]);
                }
                *slot[k] = argv[++i];
                known = true;
            }
        }
        if (!known) {
            return cli_usage("event", "unexpected '%s'", argv[i]);
        }
    }
    return CLI_OK;
}

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
    if (a->json) {
        printf("[");
    }
    for (size_t i = 0; i < l->n; i++) {
        const cairn_event *e = &l->items[i];
        if (a->json) {
            printf("%s{\"id\":%lld,\"client\":", i > 0 ? ",\n" : "",
                   (long long)e->id);
            cli_json_string(stdout, e->client_code);
            printf(",\"date\":\"%s\",\"kind\":\"%s\",\"label\":", e->date,
                   cairn_event_kind_name(e->kind));
            cli_json_string(stdout, e->label);
            printf("}");
        } else {
            printf("%s  %-10s %-19s %s\n", e->date, e->client_code,
                   cairn_event_kind_name(e->kind), e->label ? e->label : "");
        }
    }
    if (a->json) {
        printf("]\n");
    }
    cairn_store_event_list_free(l);
    return CLI_OK;
}

int cmd_event(cli_ctx *ctx, int argc, char **argv)
{
    args a = {NULL, NULL, NULL, NULL, false};
    if (argc < 2) {
        return cli_usage("event", "event needs add or list");
    }
    int rc = parse(&a, argc, argv);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(argv[1], "add") == 0) {
        return add(ctx, &a);
    }
    if (strcmp(argv[1], "list") == 0) {
        return list(ctx, &a);
    }
    return cli_usage("event", "unknown subcommand '%s'", argv[1]);
}
