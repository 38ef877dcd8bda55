/*
 * cmd_backup.c - `cairn backup`: a consistent copy of the database while
 * it is in use (SQLite's online backup API, through the store).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *output;
static bool force;

static const cli_opt backup_opts[] = {
    {"output", "FILE", "where to write the copy (a new file)", .str = &output,
     .alias = 'o'},
    {"force", NULL, "replace FILE if it exists (never an SQLite file)",
     .flag = &force},
    {NULL}};

const cli_command cli_backup_command = {
    .name = "backup",
    .run = cmd_backup,
    .summary = "copy the database safely, even while in use",
    .usage = "cairn backup -o FILE [--force]",
    .opts = backup_opts,
    .example = "  cairn backup -o /backups/cairn-2024-05-02.db\n",
    .help =
        "Writes a consistent copy of the database to FILE (a new file, mode\n"
        "0600), while the server and other commands go on using the\n"
        "database.  The copy goes to a temporary file in the same folder\n"
        "and takes FILE's name only when whole, so an interrupted backup\n"
        "leaves no partial file.  An existing file is kept unless --force,\n"
        "and an SQLite file (an older backup) is never replaced: give each\n"
        "backup its own name.  To restore, stop the\n"
        "server and copy the backup over the database file (removing its\n"
        "-wal and -shm files), then run 'cairn audit verify'.\n",
};

int cmd_backup(cli_ctx *ctx, int argc, char **argv)
{
    int npos = 0;
    int rc = cli_opt_parse("backup", backup_opts, argc, argv, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (npos > 0) {
        return cli_usage("backup", "unexpected '%s'", argv[0]);
    }
    if (output == NULL) {
        return cli_usage("backup", "backup needs -o FILE");
    }
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_outfile_options out = cli_output_options(ctx, force, NULL);
    rc = cairn_store_backup(st, output, &out, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("backed up %s to %s\n", ctx->db_path, output);
    return CLI_OK;
}
