/*
 * cmd_audit.c - `cairn audit`: check the store against its hash-chained
 * audit log, or read the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_audit_command = {
    "audit", cmd_audit, "verify, anchor or read the audit log",
    "cairn audit verify [--checkpoint FILE]...\n"
    "       cairn audit checkpoint [-o FILE [--force]]\n"
    "       cairn audit log [--last N] [--json]",
    "Every change Cairn makes is written to an append-only audit log (who,\n"
    "when, what, before and after).  Each entry is chained to the one\n"
    "before by HMAC-SHA-256 under the audit key, a secret kept beside the\n"
    "database (DB.auditkey, mode 0600, made by 'cairn init'; or where\n"
    "--audit-key or $CAIRN_AUDIT_KEY says), never inside it, and records\n"
    "what the rows it wrote hold.\n"
    "\n"
    "'verify' checks the chain and every client, assessment, event,\n"
    "episode, alert action and definition against it, so an edit, a\n"
    "removal or a renumbering made without the key is found.  It cannot\n"
    "see a log cut short at its end or an older copy of the file put back:\n"
    "'checkpoint' writes a small signed statement of the log's length,\n"
    "last hash and time (print it, mail it, store it elsewhere), and\n"
    "'verify --checkpoint FILE' finds a log that no longer holds what the\n"
    "checkpoint saw.  Exit status 1 when anything does not match.\n"
    "\n"
    "Options:\n"
    "  --checkpoint FILE  also check the log against this checkpoint\n"
    "                     (verify; may be given more than once)\n"
    "  -o FILE            write the checkpoint to FILE, a new file\n"
    "                     (checkpoint; default: print it)\n"
    "  --force            replace FILE if it exists (checkpoint)\n"
    "  --last N           only the last N entries (log)\n"
    "  --json             one JSON object per line (log)\n"
    "\n"
    "Example:\n"
    "  cairn audit checkpoint -o /mnt/usb/cairn-2026-12-01.json\n"
    "  cairn audit verify --checkpoint /mnt/usb/cairn-2026-12-01.json\n",
};

#define MAX_CHECKPOINTS 16

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

static void print_entry(const cairn_audit_entry *e, bool json)
{
    char who[4 * CAIRN_STORE_ACTOR_MAX + 8], action[128], target[128];
    if (json) {
        printf("{\"seq\":%lld,\"at\":", (long long)e->seq);
        cli_json_string(stdout, e->at);
        printf(",\"who\":");
        cli_json_string(stdout, e->who);
        printf(",\"action\":");
        cli_json_string(stdout, e->action);
        printf(",\"target\":");
        cli_json_string(stdout, e->target);
        printf(",\"before\":%s,\"after\":%s,\"hash\":",
               e->before ? e->before : "null",
               e->after ? e->after : "null");
        cli_json_string(stdout, e->hash);
        printf("}\n");
        return;
    }
    /* escaped: a who-name written by another tool cannot forge a line */
    cairn_text_escape(who, sizeof who, e->who);
    cairn_text_escape(action, sizeof action, e->action);
    cairn_text_escape(target, sizeof target, e->target);
    printf("%5lld %s %-10s %-17s %s\n", (long long)e->seq,
           e->at ? e->at : "", who, action, target);
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
        print_entry(&l->items[i], json);
    }
    cairn_store_audit_list_free(l);
    return CLI_OK;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    bool json = false, force = false;
    size_t last = 0, n_cps = 0;
    const char *cps[MAX_CHECKPOINTS];
    const char *output = NULL;
    if (argc < 2) {
        return cli_usage("audit", "audit needs verify, checkpoint or log");
    }
    const char *sub = argv[1];
    bool is_verify = strcmp(sub, "verify") == 0;
    bool is_cp = strcmp(sub, "checkpoint") == 0;
    bool is_log = strcmp(sub, "log") == 0;
    if (!is_verify && !is_cp && !is_log) {
        return cli_usage("audit", "unknown subcommand '%s'", sub);
    }
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (is_log && strcmp(a, "--json") == 0) {
            json = true;
        } else if (is_log && strcmp(a, "--last") == 0 && has_value &&
                   argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9') {
            last = strtoul(argv[++i], &end, 10);
            if (*end != '\0') {
                return cli_usage("audit", "--last needs a whole number");
            }
        } else if (is_verify && strcmp(a, "--checkpoint") == 0 && has_value) {
            if (n_cps == MAX_CHECKPOINTS) {
                return cli_usage("audit", "at most %d checkpoints",
                                 MAX_CHECKPOINTS);
            }
            cps[n_cps++] = argv[++i];
        } else if (is_cp && (strcmp(a, "-o") == 0 ||
                             strcmp(a, "--output") == 0) && has_value) {
            output = argv[++i];
        } else if (is_cp && strcmp(a, "--force") == 0) {
            force = true;
        } else {
            return cli_usage("audit", "unexpected '%s' for audit %s", a, sub);
        }
    }
    if (is_verify) {
        return verify(ctx, cps, n_cps);
    }
    if (is_cp) {
        return checkpoint(ctx, output, force);
    }
    return show_log(ctx, last, json);
}
