/*
 * cmd_audit.c - `cairn audit`: check the store against its keyed,
 * hash-chained audit log (and checkpoints), write a checkpoint, or read
 * the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_CHECKPOINTS 16

static struct {
    int last;
    bool json, force;
    const char *output;
    const char *cps[MAX_CHECKPOINTS];
    size_t n_cps;
} given;

/* --checkpoint FILE, as often as needed. */
static int add_checkpoint(const cli_opt *opt, const char *value, char *why,
                          size_t size)
{
    (void)opt;
    if (given.n_cps == MAX_CHECKPOINTS) {
        snprintf(why, size, "at most %d checkpoints", MAX_CHECKPOINTS);
        return -1;
    }
    given.cps[given.n_cps++] = value;
    return 0;
}

static const cli_opt log_opts[] = {
    {"last", "N", "only the last N entries", .whole = &given.last, .min = 1,
     .max = 1000000000},
    {"json", NULL, "one JSON object per line (README: JSON output)",
     .flag = &given.json},
    {NULL}};
static const cli_opt verify_opts[] = {
    {"checkpoint", "FILE",
     "also check the log against this checkpoint (may\nbe given more than "
     "once)",
     .parse = add_checkpoint},
    {NULL}};
static const cli_opt checkpoint_opts[] = {
    {"output", "FILE",
     "write the checkpoint to FILE, a new file\n(default: "
     "print it)",
     .str = &given.output, .alias = 'o'},
    {"force", NULL, "replace FILE if it exists", .flag = &given.force},
    {NULL}};
static const cli_sub audit_subs[] = {{"verify", verify_opts},
                                     {"checkpoint", checkpoint_opts},
                                     {"log", log_opts},
                                     {NULL}};

const cli_command cli_audit_command = {
    .name = "audit",
    .run = cmd_audit,
    .summary = "verify, anchor or read the audit log",
    .usage = "cairn audit verify [--checkpoint FILE]...\n"
             "       cairn audit checkpoint [-o FILE [--force]]\n"
             "       cairn audit log [--last N] [--json]",
    .subs = audit_subs,
    .example = "  cairn audit checkpoint -o /mnt/usb/cairn-2026-12-01.json\n"
               "  cairn audit verify --checkpoint "
               "/mnt/usb/cairn-2026-12-01.json\n"
               "  cairn audit log --last 20\n",
    .help =
        "Every change Cairn makes is written to an append-only audit log\n"
        "(who, when, what, before and after).  Each entry is chained to the\n"
        "one before by HMAC-SHA-256 under the audit key, a secret kept\n"
        "beside the database (DB.auditkey, mode 0600, made by 'cairn init';\n"
        "or where --audit-key or $CAIRN_AUDIT_KEY says), never inside it,\n"
        "and records what the rows it wrote hold.\n"
        "\n"
        "'verify' checks the chain and every client, assessment, event,\n"
        "episode, alert action, setting, release and definition against it,\n"
        "so an edit, a removal or a renumbering made without the key is\n"
        "found.  It cannot see a log cut short at its end or an older copy\n"
        "of the file put back: 'checkpoint' writes a small signed statement\n"
        "of the log's length, last hash and time (print it, mail it, store\n"
        "it elsewhere), and 'verify --checkpoint FILE' finds a log that no\n"
        "longer holds what the checkpoint saw.  Exit status 1 when anything\n"
        "does not match.\n",
};

/* Read a checkpoint file and check the store against it. */
static int check_one(cairn_store *st, const char *path, cairn_error *err)
{
    char buf[4096];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot open: %s", path,
                               strerror(errno));
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    bool bad = ferror(f) != 0 || n == sizeof buf;
    fclose(f);
    if (bad) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: not a Cairn audit checkpoint", path);
    }
    return cairn_store_audit_check_checkpoint(st, buf, n, path, err);
}

static int verify(cli_ctx *ctx, const char *const *cps, size_t n_cps)
{
    cairn_store *st = NULL;
    cairn_audit_report rep;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_audit_verify(st, &rep, &err);
    for (size_t i = 0; rc == CAIRN_OK && i < n_cps; i++) {
        rc = check_one(st, cps[i], &err);
    }
    cairn_store_close(st);
    if (rc < 0) {
        cli_error("%s", err.message);
        return CLI_FAIL;
    }
    printf("audit log intact: %zu entries; %zu assessments, %zu clients, "
           "%zu events and episodes, %zu definitions match it\n"
           "last entry %s\n",
           rep.entries, rep.assessments, rep.clients, rep.events,
           rep.definitions, rep.head);
    if (n_cps > 0) {
        printf("the log still holds what %zu checkpoint%s saw\n", n_cps,
               n_cps == 1 ? "" : "s");
    } else {
        printf("(a log cut short at its end is found only with "
               "--checkpoint)\n");
    }
    return CLI_OK;
}

static int checkpoint(cli_ctx *ctx, const char *output, bool force)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char *text = NULL;
    cairn_outfile *f = NULL;
    cairn_outfile_options o = cli_output_options(ctx, force, NULL);
    if (output != NULL && cairn_outfile_check(output, &o, &err) < 0) {
        return cli_fail(&err);
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_audit_checkpoint(st, &text, &err);
    cairn_store_close(st);
    if (rc == CAIRN_OK && output == NULL) {
        printf("%s\n", text);
    } else if (rc == CAIRN_OK) {
        rc = cairn_outfile_open(&f, output, &o, &err);
        if (rc == CAIRN_OK) {
            fprintf(cairn_outfile_stream(f), "%s\n", text);
            rc = cairn_outfile_commit(f, &err);
        }
        if (rc == CAIRN_OK) {
            printf("wrote %s: keep it away from the database (print it, "
                   "mail it, store it elsewhere)\n",
                   output);
        }
    }
    free(text);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
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
            /* escaped: a who-name written by another tool cannot forge a
             * line or reach the terminal raw */
            char who[4 * CAIRN_STORE_ACTOR_MAX + 8], act[128], target[128];
            cairn_text_escape(who, sizeof who, e->who);
            cairn_text_escape(act, sizeof act, e->action);
            cairn_text_escape(target, sizeof target, e->target);
            printf("%5lld %s %-10s %-17s %s\n", (long long)e->seq,
                   e->at ? e->at : "", who, act, target);
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
        return verify(ctx, given.cps, given.n_cps);
    }
    if (strcmp(sub->name, "checkpoint") == 0) {
        return checkpoint(ctx, given.output, given.force);
    }
    return show_log(ctx, (size_t)given.last, given.json);
}
