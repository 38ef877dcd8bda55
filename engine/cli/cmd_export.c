/*
 * cmd_export.c - `cairn export`: de-identified research data under the
 * site key, as CSV or, for a FILE ending in .xlsx, a workbook.
 *
 * The workbook writer is a sink (cairn_export_sink) from the reports
 * library (cairn_report_export_sink_new); the engine checks every column
 * against its allow-list before the sink sees it.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "cli.h"

typedef struct export_args {
    const char *key, *output;
    bool force;
    int format; /* index of export_formats */
    cairn_export_options o;
} export_args;

static export_args given = {.o = CAIRN_EXPORT_OPTIONS_INIT};
static const char *const export_formats[] = {"wide", "long", NULL};

static const cli_opt export_opts[] = {
    {"key", "KEYFILE",
     "the site key (32 bytes, mode 0600; a key others\ncan read is used "
     "with a warning)",
     .str = &given.key},
    {"output", "FILE", "where to write (.csv, or .xlsx): new files",
     .str = &given.output, .alias = 'o'},
    {"force", NULL, "replace FILE and its companions if they exist",
     .flag = &given.force},
    {"format", "wide|long",
     "one row per assessment (wide, the default), or per\nassessment and "
     "item or scale score (long)",
     .choice = &given.format, .choices = export_formats},
    {"instrument", "I", "one questionnaire only", .str = &given.o.instrument},
    {"from", "D", "assessments administered on or after D",
     .str = &given.o.from},
    {"to", "D", "assessments administered on or before D", .str = &given.o.to},
    {"shift-dates", NULL,
     "also give each client's dates moved earlier by a\nsecret offset of "
     "1-364 days (from the key), which\nkeeps every interval",
     .flag = &given.o.shift_dates},
    {NULL}};

const cli_command cli_export_command = {
    .name = "export",
    .run = cmd_export,
    .summary = "de-identified data for research",
    .usage = "cairn export --key KEYFILE -o FILE [--format wide|long]\n"
             "       [--instrument I] [--from D] [--to D] [--shift-dates]",
    .opts = export_opts,
    .example = "  cairn export --key site.key -o phq9.csv --instrument phq9\n",
    .help =
        "Writes every current assessment (or one questionnaire's, or a date\n"
        "range's) without anything that identifies a client: client codes\n"
        "become keyed pseudonyms (HMAC-SHA-256 under the site key from\n"
        "'cairn key new'), names, notes, clinicians and events are left out,\n"
        "the birth year becomes a 5-year age band at the loss, the weeks of\n"
        "gestation a band, and dates become days since the client's first\n"
        "assessment.  Item responses, scale scores, bands and the\n"
        "definition's fingerprint come with every assessment.\n"
        "\n"
        "Beside FILE go FILE.dictionary.csv (every column: type,\n"
        "classification, meaning) and FILE.provenance.json (Cairn version,\n"
        "fingerprints, options, row counts, the de-identification applied).\n"
        "A FILE ending in .xlsx is written as a workbook.\n",
};

static bool is_xlsx(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && strcmp(path + n - 5, ".xlsx") == 0;
}

/* ---- the command ---- */

static int parse(int argc, char **argv, export_args *a)
{
    int n = 0;
    int rc = cli_opt_parse("export", export_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("export", "export: unexpected '%s'", argv[0]);
    }
    if (a->key == NULL || a->output == NULL) {
        return cli_usage("export", "give --key KEYFILE and -o FILE");
    }
    a->o.format = a->format == 1 ? CAIRN_EXPORT_LONG : CAIRN_EXPORT_WIDE;
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

/* The catalog of the instruments `st` holds (each client's first day
 * counts all of them) and of `name` when not NULL; NULL when it cannot
 * be loaded (the catalog's error printed) or with `err` set. */
static const cairn_catalog *stored_catalog(cli_ctx *ctx, cairn_store *st,
                                           const char *name, cairn_error *err)
{
    char **codes = NULL;
    size_t n = 0;
    if (cairn_export_instruments(&codes, &n, st, err) < 0) {
        return NULL;
    }
    const char **names = calloc(n + 1, sizeof *names);
    if (names == NULL) {
        cairn_export_instruments_free(codes, n);
        cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = codes[i];
    }
    if (name != NULL) {
        names[n] = name;
    }
    const cairn_catalog *cat =
        cli_catalog_named(ctx, names, n + (name != NULL));
    free((void *)names);
    cairn_export_instruments_free(codes, n);
    return cat;
}

int cmd_export(cli_ctx *ctx, int argc, char **argv)
{
    export_args a;
    int rc = parse(argc, argv, &given);
    a = given;
    if (rc != CLI_OK) {
        return rc;
    }
    /* only the definitions the export can use are read: those the
     * store holds, and the one asked for */
    const cairn_catalog *cat = NULL;
    const cairn_instrument *inst = NULL;
    cairn_export_key *key = NULL;
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_key_load(a.key, &key) != CLI_OK ||
        cli_store_open(ctx, &st) != CLI_OK ||
        (cat = stored_catalog(ctx, st, a.o.instrument, &err)) == NULL ||
        (a.o.instrument != NULL &&
         (inst = cli_instrument(ctx, a.o.instrument)) == NULL)) {
        if (err.code != CAIRN_OK) {
            cli_fail(&err);
        }
        cairn_export_key_free(key);
        cairn_store_close(st);
        return CLI_FAIL;
    }
    if (inst != NULL) {
        a.o.instrument = cairn_instrument_code(inst);
    }
    cairn_export_sink *sink = NULL;
    cairn_export_result res;
    cairn_outfile_batch batch = {0};
    a.o.output = cli_output_options(ctx, a.force, a.key);
    /* the workbook is placed with the dictionary and provenance, by
     * cairn_export_write */
    a.o.output.batch = &batch;
    if (is_xlsx(a.output) &&
        cairn_report_export_sink_new(&sink, a.output, &a.o.output, &err) < 0) {
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
    cairn_outfile_batch_abort(&batch);
    cairn_export_key_free(key);
    cairn_store_close(st);
    return rc;
}
