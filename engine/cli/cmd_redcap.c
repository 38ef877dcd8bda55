/*
 * cmd_redcap.c - `cairn redcap profile|export`, and the file-format
 * options `cairn import` takes for files from other systems (delimiter,
 * date format, encoding, a column map, REDCap records).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/redcap.h"
#include "cli.h"

static const char *export_instrument, *export_key, *export_prefix;

static const cli_opt export_opts[] = {
    {"instrument", "I", "one instrument (default: every one with data)",
     .str = &export_instrument},
    {"key", "KEYFILE",
     "de-identify with the site key: pseudonyms as record\nids, shifted "
     "dates",
     .str = &export_key},
    {"output", "PREFIX", "where to write the three files",
     .str = &export_prefix, .alias = 'o'},
    {NULL}};

static const cli_sub redcap_subs[] = {
    {"profile", NULL}, {"export", export_opts}, {NULL, NULL}};

const cli_command cli_redcap_command = {
    .name = "redcap",
    .run = cmd_redcap,
    .summary = "REDCap profiles and a REDCap project export",
    .usage = "cairn redcap profile INSTRUMENT\n"
             "       cairn redcap export [--instrument I] [--key KEYFILE] "
             "-o PREFIX",
    .subs = redcap_subs,
    .example = "  cairn redcap profile phq9 > phq9-map.json\n"
               "  cairn redcap export --key site.key -o study\n",
    .help =
        "profile prints the column map (JSON) that 'cairn import --from\n"
        "redcap' uses for an instrument: the shipped one for a REDCap\n"
        "Shared Library form (phq9), else a template with Cairn's own field\n"
        "names.\n"
        "\n"
        "export writes a REDCap project of the current assessments:\n"
        "  PREFIX.dictionary.csv  the data dictionary (REDCap's 18 columns)\n"
        "  PREFIX.csv             the records: one row per assessment, each\n"
        "                         instrument a repeating form\n"
        "  PREFIX.repeating.csv   the forms to set up as repeating\n"
        "Scores are read-only fields noting the definition's fingerprint.\n"
        "Without --key record ids are client codes and dates are real: the\n"
        "files identify clients.  With --key record ids are the research\n"
        "pseudonyms and dates are shifted, as in 'cairn export'.\n",
};

/* The folder of shipped REDCap profiles: <instruments>/redcap. */
static const char *profiles_dir(cli_ctx *ctx, char *buf, size_t size)
{
    char dir[4096];
    snprintf(buf, size, "%s/redcap", cli_instruments_dir(ctx, dir, sizeof dir));
    return buf;
}

static int redcap_profile(cli_ctx *ctx, int argc, char **argv)
{
    char dir[4200];
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (argc != 1) {
        return cli_usage("redcap", "redcap profile takes one INSTRUMENT");
    }
    const cairn_instrument *inst = cli_instrument(ctx, argv[0]);
    if (inst == NULL) {
        return CLI_FAIL;
    }
    if (cairn_redcap_profile(&text, inst, profiles_dir(ctx, dir, sizeof dir),
                             &err) < 0) {
        return cli_fail(&err);
    }
    fputs(text, stdout);
    free(text);
    return CLI_OK;
}

static int redcap_export(cli_ctx *ctx, int argc)
{
    cairn_redcap_export_options o = CAIRN_REDCAP_EXPORT_OPTIONS_INIT;
    o.output = cli_output_options(ctx, false, NULL);
    cairn_redcap_export_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_export_key *key = NULL;
    cairn_store *st = NULL;
    char dir[4200];
    if (argc != 0) {
        return cli_usage("redcap", "redcap export takes no arguments");
    }
    if (export_prefix == NULL) {
        return cli_usage("redcap", "redcap export needs -o PREFIX");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL ||
        (export_key != NULL && cli_key_load(export_key, &key) != CLI_OK)) {
        return CLI_FAIL;
    }
    o.instrument = export_instrument;
    o.key = key;
    o.profiles_dir = profiles_dir(ctx, dir, sizeof dir);
    int rc = cli_store_open(ctx, &st);
    if (rc == CLI_OK &&
        cairn_redcap_export(st, cat, export_prefix, &o, &r, &err) < 0) {
        rc = cli_fail(&err);
    } else if (rc == CLI_OK) {
        printf("%s.csv: %zu records, %zu rows, %zu forms; %s.dictionary.csv: "
               "%zu fields; %s.repeating.csv\n",
               export_prefix, r.records, r.rows, r.forms, export_prefix,
               r.fields, export_prefix);
        if (key == NULL) {
            cli_error("these files identify clients (client codes, real "
                      "dates); use --key for a de-identified project");
        }
    }
    cairn_store_close(st);
    cairn_export_key_free(key);
    return rc;
}

int cmd_redcap(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("redcap", redcap_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub->name, "profile") == 0) {
        return redcap_profile(ctx, n, argv);
    }
    return redcap_export(ctx, n);
}

/* ------------------------------------------------------------------ */
/* import's options for files from other systems                       */

int cli_parse_delimiter(const cli_opt *opt, const char *value, char *why,
                        size_t size)
{
    char *out = opt->target;
    if (strcmp(value, "tab") == 0 || strcmp(value, "\\t") == 0) {
        *out = '\t';
    } else if (strlen(value) == 1 &&
               (value[0] == ',' || value[0] == ';' || value[0] == '\t')) {
        *out = value[0];
    } else {
        snprintf(why, size, "--delimiter '%s' is not ',', ';' or tab", value);
        return -1;
    }
    return 0;
}

int cli_parse_codes(const cli_opt *opt, const char *value, char *why,
                    size_t size)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_entry_parse(opt->target, value, &err) < 0) {
        snprintf(why, size, "--codes %s", err.message);
        return -1;
    }
    return 0;
}

int cli_parse_date_format(const cli_opt *opt, const char *value, char *why,
                          size_t size)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_date_format_parse(opt->target, value, &err) < 0) {
        snprintf(why, size, "--date-format %s", err.message);
        return -1;
    }
    return 0;
}

int cli_parse_encoding(const cli_opt *opt, const char *value, char *why,
                       size_t size)
{
    cairn_import_encoding *out = opt->target;
    if (strcmp(value, "utf-8") == 0 || strcmp(value, "utf8") == 0) {
        *out = CAIRN_ENCODING_UTF8;
    } else if (strcmp(value, "cp1252") == 0 ||
               strcmp(value, "windows-1252") == 0) {
        *out = CAIRN_ENCODING_CP1252;
    } else {
        snprintf(why, size, "--encoding '%s' is not utf-8 or cp1252", value);
        return -1;
    }
    return 0;
}

int cli_import_prepare(cli_import_extra *x, cairn_import_options *o,
                       const cairn_catalog *cat)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (x->from != NULL && strcmp(x->from, "redcap") != 0) {
        return cli_usage("import",
                         "--from '%s': the one other system "
                         "known is redcap",
                         x->from);
    }
    if (x->from != NULL && (x->dictionary == NULL || x->map_path == NULL)) {
        return cli_usage("import",
                         "--from redcap needs --dictionary "
                         "DICT.csv and --map MAP.json (see 'cairn redcap "
                         "profile')");
    }
    if (x->from == NULL && (x->dictionary != NULL || x->include_incomplete)) {
        return cli_usage("import", "--dictionary and --include-incomplete "
                                   "go with --from redcap");
    }
    if (x->map_path != NULL &&
        cairn_import_map_load(&x->map, x->map_path, cat, &err) < 0) {
        return cli_fail(&err);
    }
    o->map = x->from == NULL ? x->map : NULL;
    return CLI_OK;
}

int cli_import_run(const cli_import_extra *x, cairn_store *st,
                   const cairn_catalog *cat, const char *file,
                   const cairn_import_options *o, cairn_import_result *r,
                   cairn_error *err)
{
    if (x->from != NULL) {
        return cairn_redcap_import(st, cat, file, x->dictionary, x->map,
                                   x->include_incomplete, o, r, err);
    }
    return cairn_import_load(st, cat, file, o, r, err);
}

void cli_import_summary(const cairn_import_result *r)
{
    if (r->without_answers > 0 || r->incomplete > 0) {
        printf("; skipped %zu rows without answers on the form and %zu "
               "incomplete forms",
               r->without_answers, r->incomplete);
    }
    if (r->empty_rows > 0 || r->empty_columns > 0) {
        printf("; ignored %zu empty rows and %zu empty columns", r->empty_rows,
               r->empty_columns);
    }
}

void cli_import_extra_free(cli_import_extra *x)
{
    cairn_import_map_free(x->map);
    x->map = NULL;
}

void cli_import_advice(const cairn_import_result *r)
{
    if (r->dates_unread > 0) {
        cli_error("name the file's date format with --date-format "
                  "DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY");
    }
    if (r->not_utf8 > 0) {
        cli_error("save the file as CSV UTF-8, or import it with "
                  "--encoding cp1252");
    }
}

int cli_import_fail(const cairn_error *err)
{
    if (strstr(err->message, "need a column map") != NULL) {
        return cli_fail_next(err, CAIRN_EPARSE,
                             "give one with --map MAP.json (see 'cairn "
                             "redcap profile')");
    }
    return cli_fail(err);
}
