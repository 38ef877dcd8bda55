/*
 * cmd_audit.c - `cairn audit`: check the store against its hash-chained
 * audit log, or read the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_audit_command = {
    "audit",
    cmd_audit,
    "verify or read the audit log",
    "cairn audit verify\n"
    "       cairn audit log [--last N] [--json]",
    "Every change Cairn makes is written to an append-only audit log (who,\n"
    "when, what, before and after); each entry is chained to the one before\n"
    "by SHA-256 and records what the rows it wrote hold.  'verify' checks\n"
    "the chain and every client, assessment, event and episode against it,\n"
    "so an edit or removal made with another tool is found; it prints the\n"
    "hash of the last entry, which you can note elsewhere to detect a log\n"
    "cut short.  Exit status 1 when anything does not match.\n"
    "\n"
    "Options:\n"
    "  --last N   only the last N entries (log)\n"
    "  --json     one JSON object per line (log)\n"
    "\n"
    "Example:\n"
    "  cairn audit verify\n",
};

static int verify(cli_ctx *ctx)
{
    cairn_store *st = NULL;
    cairn_audit_report rep;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_audit_verify(st, &rep, &err);
    cairn_store_close(st);
    if (rc < 0) {
        cli_error("%s", err.message);
        return CLI_FAIL;
    }
    printf("audit log intact: %zu entries; %zu assessments, %zu clients, "
           "%zu events and episodes match it\nlast entry %s\n",
           rep.entries, rep.assessments, rep.clients, rep.events, rep.head);
    return CLI_OK;
}

static int show_log(cli_ctx *ctx, size_t last, bool json)
{
    cairn_store *st = NULL;
    cairn_audit_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_audit_list(&l, st, last, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    for (size_t i = 0; i < l->n; i++) {
        const cairn_audit_entry *e = &l->items[i];
        if (json) {
            printf("{\"seq\":%lld,\"at\":", (long long)e->seq);
            cli_json_string(stdout, e->at);
            printf(",\"who\":");
            cli_json_string(stdout, e->who);
            printf(",\"action\":");
            cli_json_string(stdout, e->action);
            printf(",\"target\":");
            cli_json_string(stdout, e->target);
            printf(",\"before\":%s,\"after\":%s,\"hash\":\"%s\"}\n",
                   e->before ? e->before : "null", e->after ? e->after : "null",
                   e->hash);
        } else {
            printf("%5lld %s %-10s %-17s %s\n", (long long)e->seq, e->at,
                   e->who, e->action, e->target);
        }
    }
    cairn_store_audit_list_free(l);
    return CLI_OK;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    bool json = false;
    size_t last = 0;
    if (argc < 2) {
        return cli_usage("audit", "audit needs verify or log");
    }
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--last") == 0 && i + 1 < argc &&
                   argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9') {
            last = strtoul(argv[++i], &end, 10);
            if (*end != '\0') {
                return cli_usage("audit", "--last needs a whole number");
            }
        } else {
            return cli_usage("audit", "unexpected '%s'", argv[i]);
        }
    }
    if (strcmp(argv[1], "verify") == 0) {
        return argc == 2 ? verify(ctx)
                         : cli_usage("audit", "verify takes no options");
    }
    if (strcmp(argv[1], "log") == 0) {
        return show_log(ctx, last, json);
    }
    return cli_usage("audit", "unknown subcommand '%s'", argv[1]);
}
