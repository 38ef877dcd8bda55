/*
 * cmd_rescore.c - `cairn rescore`: recompute stored scores with the
 * current definition, keeping the old versions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static bool dry;

static const cli_opt rescore_opts[] = {
    {"dry-run", NULL, "count what would be rescored, change nothing",
     .flag = &dry},
    {NULL}};

const cli_command cli_rescore_command = {
    .name = "rescore",
    .run = cmd_rescore,
    .summary = "rescore stored assessments with a newer definition",
    .usage = "cairn rescore INSTRUMENT [--dry-run]",
    .opts = rescore_opts,
    .example = "  cairn rescore phq9 --dry-run\n",
    .help =
        "When an instrument's definition changes (a corrected band, a new\n"
        "missing-data rule), every current assessment scored with an older\n"
        "definition is scored again from its stored answers and saved as a "
        "new\n"
        "version that supersedes the old one; the old scores stay in the\n"
        "record and the audit log.  All or nothing: if the new definition\n"
        "refuses a stored answer, nothing is changed.\n",
};

int cmd_rescore(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("rescore", rescore_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n != 1) {
        return cli_usage("rescore", "rescore needs one INSTRUMENT");
    }
    const char *name = argv[0];
    const cairn_instrument *inst = cli_instrument(ctx, name);
    cairn_store *st = NULL;
    cairn_rescore_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    if (inst == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    rc = cairn_store_rescore(st, inst, dry, &r, &err);
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
