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

const cli_command cli_redcap_command = {
    "redcap",
    cmd_redcap,
    "REDCap profiles and a REDCap project export",
    "cairn redcap profile INSTRUMENT\n"
    "cairn redcap export [--instrument I] [--key KEYFILE] -o PREFIX",
    "profile prints the column map (JSON) that 'cairn import --from redcap'\n"
    "uses for an instrument: the shipped one for a REDCap Shared Library\n"
    "form (phq9), else a template with Cairn's own field names.\n"
    "\n"
    "export writes a REDCap project of the current assessments:\n"
    "  PREFIX.dictionary.csv  the data dictionary (REDCap's 18 columns)\n"
    "  PREFIX.csv             the records: one row per assessment, each\n"
    "                         instrument a repeating form\n"
    "  PREFIX.repeating.csv   the forms to set up as repeating\n"
    "Scores are read-only fields noting the definition's fingerprint.\n"
    "Without --key record ids are client codes and dates are real: the\n"
    "files identify clients.  With --key record ids are the research\n"
    "pseudonyms and dates are shifted, as in 'cairn export'.\n"
    "\n"
    "Options:\n"
    "  --instrument I    one instrument (default: every one with data)\n"
    "  --key KEYFILE     de-identify with the site key\n"
    "  -o PREFIX         where to write the three files\n"
    "\n"
    "Examples:\n"
    "  cairn redcap profile phq9 > phq9-map.json\n"
    "  cairn redcap export --key site.key -o study\n",
};

/* The folder of shipped REDCap profiles: <instruments>/redcap. */
static const char *profiles_dir(cli_ctx *ctx, char *buf, size_t size)
{
    char dir[4096];
    const char *d = ctx->instruments_dir;
    if (d == NULL) {
        d = cairn_catalog_default_dir(dir, sizeof dir, ctx->argv0);
    }
    snprintf(buf, size, "%s/redcap", d);
    return buf;
}

static int redcap_profile(cli_ctx *ctx, int argc, char **argv)
{
    char dir[4200];
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (argc != 3) {
        return cli_usage("redcap", "redcap profile takes one INSTRUMENT");
    }
    const cairn_instrument *inst = cli_instrument(ctx, argv[2]);
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

static int redcap_export(cli_ctx *ctx, int argc, char **argv)
{
    cairn_redcap_export_options o = CAIRN_REDCAP_EXPORT_OPTIONS_INIT;
    cairn_redcap_export_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_export_key *key = NULL;
    cairn_store *st = NULL;
    const char *key_path = NULL, *prefix = NULL;
    char dir[4200];
    for (int i = 2; i < argc; i++) {
        const char **target = strcmp(argv[i], "--instrument") == 0
                                  ? &o.instrument
                              : strcmp(argv[i], "--key") == 0 ? &key_path
                              : strcmp(argv[i], "-o") == 0    ? &prefix
                                                              : NULL;
        if (target == NULL) {
            return cli_usage("redcap", "unknown option '%s'", argv[i]);
        }
        if (i + 1 >= argc) {
            return cli_usage("redcap", "%s needs a value", argv[i]);
        }
        *target = argv[++i];
    }
    if (prefix == NULL) {
        return cli_usage("redcap", "redcap export needs -o PREFIX");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL ||
        (key_path != NULL && cli_key_load(key_path, &key) != CLI_OK)) {
        return CLI_FAIL;
    }
    o.key = key;
    o.profiles_dir = profiles_dir(ctx, dir, sizeof dir);
    int rc = cli_store_open(ctx, &st);
    if (rc == CLI_OK &&
        cairn_redcap_export(st, cat, prefix, &o, &r, &err) < 0) {
        rc = cli_fail(&err);
    } else if (rc == CLI_OK) {
        printf("%s.csv: %zu records, %zu rows, %zu forms; %s.dictionary.csv: "
               "%zu fields; %s.repeating.csv\n",
               prefix, r.records, r.rows, r.forms, prefix, r.fields, prefix);
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
    if (argc >= 2 && strcmp(argv[1], "profile") == 0) {
        return redcap_profile(ctx, argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "export") == 0) {
        return redcap_export(ctx, argc, argv);
    }
    return cli_usage("redcap", "redcap needs 'profile' or 'export'");
}

/* ------------------------------------------------------------------ */
/* import's options for files from other systems                       */

static int value_of(int argc, char **argv, int i, const char **out)
{
    if (i + 1 >= argc) {
        cli_usage("import", "%s needs a value", argv[i]);
        return -1;
    }
    *out = argv[i + 1];
    return 2;
}

int cli_import_option(cli_import_extra *x, cairn_import_options *o, int argc,
                      char **argv, int i)
{
    const char *v = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    const char *a = argv[i];
    if (strcmp(a, "--include-incomplete") == 0) {
        x->include_incomplete = true;
        return 1;
    }
    const char **target = strcmp(a, "--from") == 0         ? &x->from
                          : strcmp(a, "--dictionary") == 0 ? &x->dictionary
                          : strcmp(a, "--map") == 0        ? &x->map_path
                                                           : NULL;
    bool known = target != NULL || strcmp(a, "--delimiter") == 0 ||
                 strcmp(a, "--date-format") == 0 ||
                 strcmp(a, "--encoding") == 0;
    if (!known) {
        return 0;
    }
    if (value_of(argc, argv, i, &v) < 0) {
        return -1;
    }
    if (target != NULL) {
        *target = v;
    } else if (strcmp(a, "--delimiter") == 0) {
        o->delimiter = strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0 ? '\t'
                       : strlen(v) == 1                               ? v[0]
                                                                      : 'x';
        if (o->delimiter != ',' && o->delimiter != ';' &&
            o->delimiter != '\t') {
            cli_usage("import", "--delimiter '%s' is not ',', ';' or tab", v);
            return -1;
        }
    } else if (strcmp(a, "--date-format") == 0) {
        if (cairn_date_format_parse(&o->date_format, v, &err) < 0) {
            cli_usage("import", "--date-format: %s", err.message);
            return -1;
        }
    } else if (strcmp(v, "utf-8") == 0 || strcmp(v, "utf8") == 0) {
        o->encoding = CAIRN_ENCODING_UTF8;
    } else if (strcmp(v, "cp1252") == 0 || strcmp(v, "windows-1252") == 0) {
        o->encoding = CAIRN_ENCODING_CP1252;
    } else {
        cli_usage("import", "--encoding '%s' is not utf-8 or cp1252", v);
        return -1;
    }
    return 2;
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
