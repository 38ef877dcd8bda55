/*
 * cmd_import.c - `cairn import`: assessments collected elsewhere, from CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static cairn_import_options opts = CAIRN_IMPORT_OPTIONS_INIT;
static cli_import_extra extra;

static const cli_opt import_opts[] = {
    {"create-clients", NULL, "add client codes not yet known (else an error)",
     .flag = &opts.create_clients},
    {"dry-run", NULL, "check everything and count, store nothing",
     .flag = &opts.dry_run},
    {"skip-bad", NULL,
     "store the good rows even when some are bad\n(the exit status is "
     "still 1)",
     .flag = &opts.skip_bad},
    {"delimiter", "C", "',', ';' or tab (default: the header's most\nused)",
     .parse = cli_parse_delimiter, .target = &opts.delimiter},
    {"date-format", "F",
     "DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY, with or\nwithout a time "
     "(default: ISO dates only)",
     .parse = cli_parse_date_format, .target = &opts.date_format},
    {"encoding", "E",
     "utf-8 (default; a byte order mark is fine) or cp1252\n(what Excel's "
     "plain CSV is in Western Europe)",
     .parse = cli_parse_encoding, .target = &opts.encoding},
    {"codes", "K",
     "positions or scores: what the item values are, for\nevery "
     "column the map does not say (required\nwhere an instrument's "
     "answer codes are not its\nscores: EPDS, PGS-33, CES-D)",
     .parse = cli_parse_codes, .target = &opts.codes},
    {"map", "MAP.json",
     "the file's columns are another system's, named in the\nmap (see "
     "'cairn redcap profile')",
     .str = &extra.map_path},
    {"from", "SYSTEM", "redcap: a REDCap records export (raw codes)",
     .str = &extra.from},
    {"dictionary", "DICT.csv", "the REDCap project's data dictionary",
     .str = &extra.dictionary},
    {"include-incomplete", NULL,
     "REDCap: also forms not marked Complete\n(_complete 0 or 1)",
     .flag = &extra.include_incomplete},
    {NULL}};

const cli_command cli_import_command = {
    .name = "import",
    .run = cmd_import,
    .summary = "import assessments from a CSV file",
    .usage = "cairn import FILE [--create-clients] [--dry-run] [--skip-bad]\n"
             "                    [--delimiter C] [--date-format F] "
             "[--encoding E]\n"
             "                    [--codes K] [--map MAP.json]\n"
             "       cairn import --from redcap RECORDS.csv --dictionary "
             "DICT.csv\n"
             "                    --map MAP.json [--include-incomplete] "
             "[...]",
    .opts = import_opts,
    .example =
        "  cairn import clinic-export.csv --create-clients\n"
        "  cairn import visits.csv --date-format DD/MM/YYYY\n"
        "  cairn import --from redcap records.csv --dictionary dict.csv "
        "\\\n      --map instruments/redcap/phq9.json --create-clients\n",
    .help =
        "Reads a CSV file with a header row, in one of two shapes:\n"
        "  wide: client_id,administered_at,instrument,item1,...,itemN\n"
        "        one assessment per row; an empty cell is a missing item\n"
        "  long: client_id,administered_at,instrument,item,response\n"
        "        one item per row, an assessment's rows together\n"
        "The instrument column takes a code or an alias (PHQ-9).  A file may\n"
        "mix instruments.  Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]\n"
        "unless --date-format names a spreadsheet's form.  Commas,\n"
        "semicolons or tabs; unnamed trailing columns and empty rows are\n"
        "ignored and counted.\n"
        "\n"
        "Where an instrument's answer codes are not its item scores (EPDS,\n"
        "PGS-33, CES-D), say what the file holds: --codes positions (the\n"
        "position of the ticked answer on the form) or --codes scores (each\n"
        "item's score); a map says it for all its columns (\"codes\") or\n"
        "for one (\"items\": {\"e10\": {\"item\": 10, \"codes\": "
        "\"scores\"}}).\n"
        "Without it such a file is refused before its first value is read.\n"
        "\n"
        "A file from another system comes in through a column map (--map),\n"
        "a REDCap project through its records export, data dictionary and\n"
        "a map (--from redcap): the dictionary's choices are checked\n"
        "against the instrument before any record is read, identifier\n"
        "fields are never read, and each stored total that differs from\n"
        "Cairn's score is listed.\n"
        "\n"
        "The whole file is one transaction: by default one bad row means\n"
        "nothing is imported, and every bad row is reported as FILE:LINE:\n"
        "reason.  A row that repeats an assessment already stored (same\n"
        "client, instrument, date and answers) is skipped and counted, so\n"
        "importing a file twice changes nothing.\n"
        "\n"
        "Exit status: 0 when every row was good, 1 otherwise.\n",
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
    cairn_import_options o;
    cairn_import_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = NULL;
    shown count = {0};
    int n = 0;
    int rc = cli_opt_parse("import", import_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n == 0) {
        return cli_usage("import", "import needs a FILE");
    }
    if (n > 1) {
        return cli_usage("import", "import takes one FILE");
    }
    const char *file = argv[0];
    o = opts;
    const cairn_catalog *cat = cli_catalog(ctx);
    int prep = cat != NULL ? cli_import_prepare(&extra, &o, cat) : CLI_FAIL;
    if (prep != CLI_OK || cli_store_open(ctx, &st) != CLI_OK) {
        cli_import_extra_free(&extra);
        return prep != CLI_OK ? prep : CLI_FAIL;
    }
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = &count;
    o.on_lock = cli_import_pause_hook();
    rc = cli_import_run(&extra, st, cat, file, &o, &r, &err);
    cairn_store_close(st);
    cli_import_extra_free(&extra);
    if (count.n > SHOW_ERRORS) {
        cli_error("... and %zu more bad rows", count.n - SHOW_ERRORS);
    }
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
