/*
 * cmd_rescore.c - `cairn rescore`: recompute stored scores with the
 * current definition, keeping the old versions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_rescore_command = {
    "rescore",
    cmd_rescore,
    "rescore stored assessments with a newer "
    "definition",
    "cairn rescore INSTRUMENT [--dry-run]",
    "When an instrument's definition changes (a corrected band, a new\n"
    "missing-data rule), every current assessment scored with an older\n"
    "definition is scored again from its stored answers and saved as a new\n"
    "version that supersedes the old one; the old scores stay in the\n"
    "record and the audit log.  All or nothing: if the new definition\n"
    "refuses a stored answer, nothing is changed.\n"
    "\n"
    "Options:\n"
    "  --dry-run  count what would be rescored, change nothing\n"
    "\n"
    "Example:\n"
    "  cairn rescore phq9 --dry-run\n",
};

int cmd_rescore(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    bool dry = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            dry = true;
        } else if (argv[i][0] == '-' || name != NULL) {
            return cli_usage("rescore", "unexpected '%s'", argv[i]);
        } else {
            name = argv[i];
        }
    }
    if (name == NULL) {
        return cli_usage("rescore", "rescore needs an INSTRUMENT");
    }
    const cairn_instrument *inst = cli_instrument(ctx, name);
    cairn_store *st = NULL;
    cairn_rescore_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    if (inst == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_rescore(st, inst, dry, &r, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("%s definition %s: %zu current assessments, %zu %s, %zu already "
           "scored with it\n",
           cairn_instrument_code(inst), cairn_instrument_version(inst),
           r.examined, r.rescored, dry ? "would be rescored" : "rescored",
           r.current);
    return CLI_OK;
}
