/*
 * cmd_audit.c - `cairn audit`: check the store against its hash-chained
 * audit log, or read the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct {
    int last;
    bool json;
} given;

static const cli_opt log_opts[] = {
    {"last", "N", "only the last N entries", .whole = &given.last, .min = 1,
     .max = 1000000000},
    {"json", NULL, "one JSON object per line (README: JSON output)",
     .flag = &given.json},
    {NULL}};
static const cli_sub audit_subs[] = {
    {"verify", NULL}, {"log", log_opts}, {NULL}};

const cli_command cli_audit_command = {
    .name = "audit",
    .run = cmd_audit,
    .summary = "verify or read the audit log",
    .usage = "cairn audit verify\n"
             "       cairn audit log [--last N] [--json]",
    .subs = audit_subs,
    .example = "  cairn audit verify\n"
               "  cairn audit log --last 20\n",
    .help =
        "Every change Cairn makes is written to an append-only audit log\n"
        "(who, when, what, before and after); each entry is chained to the\n"
        "one before by SHA-256 and records what the rows it wrote hold.\n"
        "'verify' checks the chain and every client, assessment, event and\n"
        "episode against it, so an edit or removal made with another tool is\n"
        "found; it prints the hash of the last entry, which you can note\n"
        "elsewhere to detect a log cut short.  Exit status 1 when anything\n"
        "does not match.\n",
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

/* A log entry's stored state: the JSON the store wrote, or null. */
static json_t *before_after(const char *text)
{
    json_t *j = cli_json_parse(text);
    return j != NULL ? j : cli_json_str(text);
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
    for (size_t i = 0; rc == CLI_OK && i < l->n; i++) {
        const cairn_audit_entry *e = &l->items[i];
        if (json) {
            json_t *o = json_object();
            json_object_set_new(o, "seq", json_integer(e->seq));
            json_object_set_new(o, "at", cli_json_str(e->at));
            json_object_set_new(o, "who", cli_json_str(e->who));
            json_object_set_new(o, "action", cli_json_str(e->action));
            json_object_set_new(o, "target", cli_json_str(e->target));
            json_object_set_new(o, "before", before_after(e->before));
            json_object_set_new(o, "after", before_after(e->after));
            json_object_set_new(o, "hash", cli_json_str(e->hash));
            rc = cli_json_print(o);
        } else {
            printf("%5lld %s %-10s %-17s %s\n", (long long)e->seq, e->at,
                   e->who, e->action, e->target);
        }
    }
    cairn_store_audit_list_free(l);
    return rc;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("audit", audit_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("audit", "audit %s: unexpected '%s'", sub->name,
                         argv[0]);
    }
    if (strcmp(sub->name, "verify") == 0) {
        return verify(ctx);
    }
    return show_log(ctx, (size_t)given.last, given.json);
}
