/*
 * cmd_backup.c - `cairn backup`: a consistent copy of the database while
 * it is in use (SQLite's online backup API, through the store).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_backup_command = {
    "backup",
    cmd_backup,
    "copy the database safely, even while in use",
    "cairn backup -o FILE",
    "Writes a consistent copy of the database to FILE (a new file, mode\n"
    "0600; an existing file is never overwritten), while the server and\n"
    "other commands go on using the database.  To restore, stop the\n"
    "server and copy the backup over the database file (removing its\n"
    "-wal and -shm files), then run 'cairn audit verify'.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  where to write the copy\n"
    "\n"
    "Example:\n"
    "  cairn backup -o /backups/cairn-2024-05-02.db\n",
};

int cmd_backup(cli_ctx *ctx, int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc) {
                return cli_usage("backup", "%s needs a value", argv[i]);
            }
            out = argv[++i];
        } else {
            return cli_usage("backup", "unexpected '%s'", argv[i]);
        }
    }
    if (out == NULL) {
        return cli_usage("backup", "backup needs -o FILE");
    }
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_backup(st, out, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("backed up %s to %s\n", ctx->db_path, out);
    return CLI_OK;
}
