/*
 * cmd_init.c - `cairn init`: create the clinic's database.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_init_command = {
    "init",
    cmd_init,
    "create a new, empty Cairn database",
    "cairn [--db PATH] init",
    "Creates the database file (default ./cairn.db, or --db PATH, or\n"
    "$CAIRN_DB) readable by you alone (mode 0600), and its audit key (the\n"
    "secret that keys the audit log: PATH.auditkey, or --audit-key FILE,\n"
    "or $CAIRN_AUDIT_KEY), also mode 0600.  Every other command needs an\n"
    "existing database and never creates one; an existing file or key is\n"
    "never overwritten.\n"
    "\n"
    "Example:\n"
    "  cairn --db clinic.db init\n",
};

int cmd_init(cli_ctx *ctx, int argc, char **argv)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    (void)argv;
    if (argc > 1) {
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
