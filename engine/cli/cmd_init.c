/*
 * cmd_init.c - `cairn init`: create the clinic's database.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_init_command = {
    .name = "init",
    .run = cmd_init,
    .summary = "create a new, empty Cairn database",
    .usage = "cairn [--db PATH] init",
    .help = "Creates the database file (default ./cairn.db, or --db PATH, or\n"
            "$CAIRN_DB) readable by you alone (mode 0600), and its audit key\n"
            "(the secret that keys the audit log: PATH.auditkey, or\n"
            "--audit-key FILE, or $CAIRN_AUDIT_KEY), also mode 0600.  Every\n"
            "other command needs an existing database and never creates\n"
            "one; an existing file or key is never overwritten.\n",
    .example = "  cairn --db clinic.db init\n",
};

int cmd_init(cli_ctx *ctx, int argc, char **argv)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    int n = 0;
    int rc = cli_opt_parse("init", NULL, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("init", "init takes no arguments");
    }
    o.create = true;
    o.actor = cli_actor();
    o.audit_key = ctx->audit_key;
    if (cairn_store_open(&st, ctx->db_path, &o, &err) < 0) {
        return cli_fail(&err);
    }
    printf("created %s (schema version %d)\n"
           "audit key %s (mode 0600): keep a copy apart from the "
           "database; without it\nthe audit log cannot be verified or "
           "changed\n",
           ctx->db_path, cairn_store_schema_version(st), ctx->audit_key);
    cairn_store_close(st);
    return CLI_OK;
}
