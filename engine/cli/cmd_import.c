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
    "cairn import FILE [--create-clients] [--dry-run] [--skip-bad]\n"
    "             [--delimiter C] [--date-format F] [--encoding E] "
    "[--map MAP.json]\n"
    "cairn import --from redcap RECORDS.csv --dictionary DICT.csv "
    "--map MAP.json\n"
    "             [--include-incomplete] [...]",
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
    "  --delimiter C     ',', ';' or tab (default: the header's most used)\n"
    "  --date-format F   DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY, with or\n"
    "                    without a time (default: ISO dates only)\n"
    "  --encoding E      utf-8 (default; a byte order mark is fine) or\n"
    "                    cp1252 (Excel's plain CSV in Western Europe)\n"
    "  --map MAP.json    the file's columns are another system's, named in\n"
    "                    the map (see 'cairn redcap profile')\n"
    "  --from redcap     a REDCap records export (raw codes); needs\n"
    "                    --dictionary and --map\n"
    "  --dictionary F    the REDCap project's data dictionary\n"
    "  --include-incomplete  also forms not marked Complete\n"
    "\n"
    "Exit status: 0 when every row was good, 1 otherwise.\n"
    "\n"
    "Example:\n"
    "  cairn import clinic-export.csv --create-clients\n",
};

#define SHOW_ERRORS 50

typedef struct shown {
    size_t n;
    size_t warnings;
} shown;

static void on_warning(const cairn_error *e, void *ctx)
{
    shown *s = ctx;
    if (s->warnings++ < SHOW_ERRORS) {
        cli_error("%s", e->message);
    }
}

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
    cli_import_extra x = {0};
    for (int i = 1; i < argc; i++) {
        int used = cli_import_option(&x, &o, argc, argv, i);
        if (used < 0) {
            return CLI_USAGE;
        }
        if (used > 0) {
            i += used - 1;
        } else if (strcmp(argv[i], "--create-clients") == 0) {
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
    int prep = cat != NULL ? cli_import_prepare(&x, &o, cat) : CLI_FAIL;
    if (prep != CLI_OK || cli_store_open(ctx, &st) != CLI_OK) {
        cli_import_extra_free(&x);
        return prep != CLI_OK ? prep : CLI_FAIL;
    }
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = &count;
    int rc = cli_import_run(&x, st, cat, file, &o, &r, &err);
    cairn_store_close(st);
    if (count.n > SHOW_ERRORS) {
        cli_error("... and %zu more bad rows", count.n - SHOW_ERRORS);
    }
    cli_import_extra_free(&x);
    if (rc < 0 && rc != CAIRN_EINVAL) {
        return cli_import_fail(&err);
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
    cli_import_summary(&r);
    printf("\n");
    if (r.disagreements > 0) {
        cli_error("%zu stored totals differ from Cairn's score (listed "
                  "above); Cairn's scores were %s",
                  r.disagreements, nothing || o.dry_run ? "checked" : "stored");
    }
    cli_import_advice(&r);
    if (nothing) {
        cli_error("nothing was imported: fix the rows above and run the "
                  "import again");
    }
    return rc < 0 ? CLI_FAIL : CLI_OK;
}
