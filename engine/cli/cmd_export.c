/*
 * cmd_export.c - `cairn export`: de-identified research data under the
 * site key, as CSV or, for a FILE ending in .xlsx, a workbook.
 *
 * The workbook writer is a sink (cairn_export_sink) from the reports
 * library (cairn_report_export_sink_new); the engine checks every column
 * against its allow-list before the sink sees it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "cli.h"

const cli_command cli_export_command = {
    "export",
    cmd_export,
    "de-identified data for research",
    "cairn export --key KEYFILE -o FILE [--format wide|long]\n"
    "       [--instrument I] [--from D] [--to D] [--shift-dates]",
    "Writes every current assessment (or one questionnaire's, or a date\n"
    "range's) without anything that identifies a client: client codes\n"
    "become keyed pseudonyms (HMAC-SHA-256 under the site key from 'cairn\n"
    "key new'), names, notes, clinicians and events are left out, the\n"
    "birth year becomes a 5-year age band at the loss, the weeks of\n"
    "gestation a band, and dates become days since the client's first\n"
    "assessment.  Item responses, scale scores, bands and the definition's\n"
    "fingerprint come with every assessment.\n"
    "\n"
    "Beside FILE go FILE.dictionary.csv (every column: type,\n"
    "classification, meaning) and FILE.provenance.json (Cairn version,\n"
    "fingerprints, options, row counts, the de-identification applied).\n"
    "A FILE ending in .xlsx is written as a workbook.\n"
    "\n"
    "Options:\n"
    "  --key KEYFILE     the site key (32 bytes, mode 0600; a key others\n"
    "                    can read is used with a warning)\n"
    "  -o, --output FILE where to write (.csv, or .xlsx)\n"
    "  --format wide     one row per assessment (default)\n"
    "  --format long     one row per assessment and item or scale score\n"
    "  --instrument I    one questionnaire only\n"
    "  --from D, --to D  assessments administered in this range\n"
    "  --shift-dates     also give each client's dates moved earlier by a\n"
    "                    secret offset of 1-364 days (from the key), which\n"
    "                    keeps every interval\n"
    "\n"
    "Example:\n"
    "  cairn export --key site.key -o phq9.csv --instrument phq9\n",
};

static bool is_xlsx(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && strcmp(path + n - 5, ".xlsx") == 0;
}

/* ---- the command ---- */

typedef struct export_args {
    const char *key, *output;
    cairn_export_options o;
} export_args;

static int parse(int argc, char **argv, export_args *a)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"instrument", required_argument, NULL, 'i'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"shift-dates", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'k') {
            a->key = optarg;
        } else if (c == 'o') {
            a->output = optarg;
        } else if (c == 'f' && strcmp(optarg, "wide") == 0) {
            a->o.format = CAIRN_EXPORT_WIDE;
        } else if (c == 'f' && strcmp(optarg, "long") == 0) {
            a->o.format = CAIRN_EXPORT_LONG;
        } else if (c == 'f') {
            return cli_usage("export",
                             "--format takes wide or long, not "
                             "'%s'",
                             optarg);
        } else if (c == 'i') {
            a->o.instrument = optarg;
        } else if (c == 'F') {
            a->o.from = optarg;
        } else if (c == 'T') {
            a->o.to = optarg;
        } else if (c == 's') {
            a->o.shift_dates = true;
        } else {
            return cli_usage("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage("export", "unexpected '%s'", argv[optind]);
    }
    if (a->key == NULL || a->output == NULL) {
        return cli_usage("export", "give --key KEYFILE and -o FILE");
    }
    return CLI_OK;
}

static void print_result(const export_args *a, const cairn_export_result *r)
{
    printf("wrote %s: %zu rows (%zu assessments of %zu clients, %zu "
           "questionnaire%s)\n"
           "  data dictionary  %s.dictionary.csv\n"
           "  provenance       %s.provenance.json\n",
           a->output, r->rows, r->assessments, r->clients, r->instruments,
           r->instruments == 1 ? "" : "s", a->output, a->output);
}

int cmd_export(cli_ctx *ctx, int argc, char **argv)
{
    export_args a = {.o = CAIRN_EXPORT_OPTIONS_INIT};
    int rc = parse(argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    const cairn_instrument *inst = NULL;
    if (cat == NULL || (a.o.instrument != NULL &&
                        (inst = cli_instrument(ctx, a.o.instrument)) == NULL)) {
        return CLI_FAIL;
    }
    if (inst != NULL) {
        a.o.instrument = cairn_instrument_code(inst);
    }
    cairn_export_key *key = NULL;
    cairn_store *st = NULL;
    if (cli_key_load(a.key, &key) != CLI_OK ||
        cli_store_open(ctx, &st) != CLI_OK) {
        cairn_export_key_free(key);
        return CLI_FAIL;
    }
    cairn_export_sink *sink = NULL;
    cairn_export_result res;
    cairn_error err = CAIRN_ERROR_INIT;
    if (is_xlsx(a.output) &&
        cairn_report_export_sink_new(&sink, a.output, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        a.o.sink = sink;
        if (cairn_export_write(st, cat, key, a.output, &a.o, &res, &err) < 0) {
            rc = cli_fail(&err);
        } else {
            print_result(&a, &res);
        }
    }
    cairn_report_export_sink_free(sink);
    cairn_export_key_free(key);
    cairn_store_close(st);
    return rc;
}
