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
    "$CAIRN_DB) readable by you alone (mode 0600).  Every other command\n"
    "needs an existing database and never creates one; an existing file is\n"
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
    if (cairn_store_open(&st, ctx->db_path, &o, &err) < 0) {
        return cli_fail(&err);
    }
    printf("created %s (schema version %d)\n", ctx->db_path,
           cairn_store_schema_version(st));
    cairn_store_close(st);
    return CLI_OK;
}
