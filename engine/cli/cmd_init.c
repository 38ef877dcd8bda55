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
            "$CAIRN_DB) readable by you alone (mode 0600).  Every other\n"
            "command needs an existing database and never creates one; an\n"
            "existing file is never overwritten.\n",
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
    if (cairn_store_open(&st, ctx->db_path, &o, &err) < 0) {
        return cli_fail(&err);
    }
    printf("created %s (schema version %d)\n", ctx->db_path,
           cairn_store_schema_version(st));
    cairn_store_close(st);
    return CLI_OK;
}
