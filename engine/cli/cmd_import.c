/*
 * cmd_import.c - `cairn import`: assessments collected elsewhere, from CSV.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_import_command = {
    "import",
    cmd_import,
    "import assessments from a CSV file",
    "cairn import FILE [--create-clients] [--dry-run] [--skip-bad]",
    "Reads a CSV file with a header row, in one of two shapes:\n"
    "  wide: client_id,administered_at,instrument,item1,...,itemN\n"
    "        one assessment per row; an empty cell is a missing item\n"
    "  long: client_id,administered_at,instrument,item,response\n"
    "        one item per row, an assessment's rows together\n"
    "The instrument column takes a code or an alias (PHQ-9).  A file may mix\n"
    "instruments.  Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z].\n"
    "\n"
    "The whole file is one transaction: by default one bad row means\n"
    "nothing is imported, and every bad row is reported as FILE:LINE:\n"
    "reason.  A row that repeats an assessment already stored (same client,\n"
    "instrument, date and answers) is skipped and counted, so importing a\n"
    "file twice changes nothing.\n"
    "\n"
    "Options:\n"
    "  --create-clients  add client codes not yet known (else an error)\n"
    "  --dry-run         check everything and count, store nothing\n"
    "  --skip-bad        store the good rows even when some are bad\n"
    "                    (the exit status is still 1)\n"
    "\n"
    "Exit status: 0 when every row was good, 1 otherwise.\n"
    "\n"
    "Example:\n"
    "  cairn import clinic-export.csv --create-clients\n",
};

#define SHOW_ERRORS 50

typedef struct shown {
    size_t n;
} shown;

static void on_error(const cairn_error *e, void *ctx)
{
    shown *s = ctx;
    if (s->n++ < SHOW_ERRORS) {
        cli_error("%s", e->message);
    }
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = NULL;
    shown count = {0};
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--create-clients") == 0) {
            o.create_clients = true;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            o.dry_run = true;
        } else if (strcmp(argv[i], "--skip-bad") == 0) {
            o.skip_bad = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage("import", "unknown option '%s'", argv[i]);
        } else if (file == NULL) {
            file = argv[i];
        } else {
            return cli_usage("import", "import takes one FILE");
        }
    }
    if (file == NULL) {
        return cli_usage("import", "import needs a FILE");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    o.on_error = on_error;
    o.ctx = &count;
    int rc = cairn_import_load(st, cat, file, &o, &r, &err);
    cairn_store_close(st);
    if (count.n > SHOW_ERRORS) {
        cli_error("... and %zu more bad rows", count.n - SHOW_ERRORS);
    }
    if (rc < 0 && rc != CAIRN_EINVAL) {
        return cli_fail(&err);
    }
    bool nothing = rc == CAIRN_EINVAL && !o.skip_bad;
    printf("%s: %zu rows read (%zu assessments), %zu %s, %zu duplicates "
           "skipped, %zu rejected",
           file, r.rows, r.assessments, nothing ? 0 : r.stored,
           o.dry_run ? "would be stored" : "stored", r.duplicates, r.rejected);
    if (r.clients_created > 0 && !nothing) {
        printf(", %zu clients %s", r.clients_created,
               o.dry_run ? "would be created" : "created");
    }
    printf("\n");
    if (nothing) {
        cli_error("nothing was imported: fix the rows above and run the "
                  "import again");
    }
    return rc < 0 ? CLI_FAIL : CLI_OK;
}
