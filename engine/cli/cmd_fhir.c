/*
 * cmd_fhir.c - `cairn fhir`: export to, and import from, HL7 FHIR R4.
 *
 *   cairn fhir export        a Bundle for the clinic's EHR (or research)
 *   cairn fhir questionnaire one instrument's Questionnaire
 *   cairn fhir import        QuestionnaireResponses from another system
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/fhir.h"
#include "cli.h"

static const char *output, *key, *subject_system;
static bool pseudonymise, create_clients, dry_run, force;
static int type_choice;
static cairn_fhir_export_options x = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
static const char *const types[] = {"transaction", "collection", NULL};

static const cli_opt export_opts[] = {
    {"output", "FILE", "where to write ('-' for standard output)",
     .str = &output, .alias = 'o'},
    {"client", "C", "one client's assessments", .str = &x.client},
    {"instrument", "I", "one questionnaire's", .str = &x.instrument},
    {"from", "D", "administered on or after D (YYYY-MM-DD)", .str = &x.from},
    {"to", "D", "administered on or before D", .str = &x.to},
    {"type", "T", "transaction (default) or collection", .choice = &type_choice,
     .choices = types},
    {"system", "URI",
     "this clinic's identifier system (default: the setting\n"
     "fhir.system, else one derived from the database,\n"
     "which never changes)",
     .str = &x.system},
    {"recorded", "INSTANT",
     "the Provenance time (default: when the newest\n"
     "exported assessment was entered)",
     .str = &x.recorded},
    {"pseudonymise", NULL,
     "for research: keyed pseudonyms for clients and\n"
     "dates shifted per client, with --key",
     .flag = &pseudonymise},
    {"key", "KEYFILE", "the site key for --pseudonymise", .str = &key},
    {"force", NULL, "replace FILE if it exists", .flag = &force},
    {NULL}};
static const cli_opt questionnaire_opts[] = {
    {"output", "FILE", "where to write ('-' for standard output)",
     .str = &output, .alias = 'o'},
    {"force", NULL, "replace FILE if it exists", .flag = &force},
    {NULL}};
static const cli_opt import_opts[] = {
    {"create-clients", NULL, "add client codes not yet known",
     .flag = &create_clients},
    {"subject-system", "URI",
     "the identifier system whose values are your client\n"
     "codes (default: this clinic's)",
     .str = &subject_system},
    {"dry-run", NULL, "check and count, store nothing", .flag = &dry_run},
    {NULL}};
static const cli_sub fhir_subs[] = {{"export", export_opts},
                                    {"questionnaire", questionnaire_opts},
                                    {"import", import_opts},
                                    {NULL}};

const cli_command cli_fhir_command = {
    .name = "fhir",
    .run = cmd_fhir,
    .summary = "exchange questionnaires and scores as HL7 FHIR R4",
    .usage =
        "cairn fhir export -o FILE [--client C] [--instrument I] [--from D]\n"
        "                  [--to D] [--type transaction|collection]\n"
        "                  [--system URI] [--recorded INSTANT]\n"
        "                  [--pseudonymise --key KEYFILE] [--force]\n"
        "       cairn fhir questionnaire INSTRUMENT -o FILE [--force]\n"
        "       cairn fhir import FILE [--create-clients] "
        "[--subject-system URI]\n"
        "                  [--dry-run]",
    .subs = fhir_subs,
    .example = "  cairn client edit C001 --external-id "
               "'urn:oid:2.16.840.1.113883.19|4711'\n"
               "  cairn fhir export --client C001 -o c001.fhir.json\n"
               "  cairn fhir import lhc-phq9.json --create-clients\n",
    .help =
        "export writes one FHIR R4 Bundle: each instrument's Questionnaire, a\n"
        "Patient per client (the client's --external-id, else this clinic's\n"
        "system and the client code), a QuestionnaireResponse per assessment\n"
        "and an Observation per scale score, coded with LOINC where a code is\n"
        "known (instruments/codes/) and always with Cairn's own code, plus a\n"
        "Provenance naming the definition and terminology fingerprints.  A\n"
        "transaction creates each resource only if its identifier is new, so\n"
        "sending the same export twice changes nothing.  Voided assessments "
        "go\n"
        "out as entered-in-error, corrected ones as amended.  No item text is\n"
        "written that the instrument's licence keeps out of Cairn.\n"
        "\n"
        "questionnaire writes the Questionnaire of one instrument.\n"
        "\n"
        "import reads a QuestionnaireResponse, or a Bundle of them with their\n"
        "Patients and Observations, as LHC-Forms and EHRs write them: the\n"
        "questionnaire is found by Cairn's or LOINC's canonical\n"
        "(http://loinc.org/q/44249-1) or by its item codes, answers by LOINC\n"
        "answer code, Cairn code or ordinal value.  Cairn scores the answers\n"
        "itself; a total in the file is compared and a difference reported.\n"
        "As with 'cairn import', one bad response means nothing is stored,\n"
        "each problem is reported as FILE: entry[N].item[M]: reason, and\n"
        "responses already stored are skipped and counted.\n"
        "\n"
        "Exit status: 0 on success, 1 when anything was refused, 2 usage.\n",
};

/* The terminology beside the instrument definitions (DIR/codes). */
static int load_terms(cli_ctx *ctx, const cairn_catalog *cat,
                      cairn_terminology **out)
{
    char base[4096], dir[4200];
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(dir, sizeof dir, "%s/codes",
             cli_instruments_dir(ctx, base, sizeof base));
    if (cairn_terminology_load(out, cat, dir, &err) < 0) {
        return cli_fail(&err);
    }
    return CLI_OK;
}

/*
 * Write `text` to `path` ("-" = stdout) through cairn_outfile, as every
 * other output: an existing file only with --force, never the database
 * or a key in use (by identity), temporary + sync + rename.
 */
static int write_output(cli_ctx *ctx, const char *path, const char *text)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile *f = NULL;
    if (strcmp(path, "-") == 0) {
        return fputs(text, stdout) < 0 ? CLI_FAIL : CLI_OK;
    }
    cairn_outfile_options o = cli_output_options(ctx, force, key);
    if (cairn_outfile_open(&f, path, &o, &err) < 0) {
        return cli_fail(&err);
    }
    FILE *s = cairn_outfile_stream(f);
    if (s != NULL) {
        fputs(text, s);
    }
    if (cairn_outfile_commit(f, &err) < 0) {
        return cli_fail(&err);
    }
    return CLI_OK;
}

/* Refuse the output before any work (and before the audit entry). */
static int check_output(cli_ctx *ctx, const char *path)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (strcmp(path, "-") == 0) {
        return CLI_OK;
    }
    cairn_outfile_options o = cli_output_options(ctx, force, key);
    return cairn_outfile_check(path, &o, &err) < 0 ? cli_fail(&err) : CLI_OK;
}

static int fhir_export(cli_ctx *ctx, int npos)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    cairn_export_key *k = NULL;
    cairn_store *st = NULL;
    cairn_fhir_export_result r;
    char *json = NULL;
    if (npos != 0 || output == NULL) {
        return cli_usage("fhir", "fhir export takes -o FILE and options");
    }
    if (pseudonymise != (key != NULL)) {
        return cli_usage("fhir", "--pseudonymise and --key go together");
    }
    x.type = type_choice == 1 ? CAIRN_FHIR_COLLECTION : CAIRN_FHIR_TRANSACTION;
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL || load_terms(ctx, cat, &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = check_output(ctx, output);
    if (rc == CLI_OK && key != NULL && cli_key_load(key, &k) != CLI_OK) {
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && cli_store_open(ctx, &st) != CLI_OK) {
        rc = CLI_FAIL;
    }
    x.pseudonymise = k;
    /* a file is placed after the audit entry, standard output written
     * after it */
    bool to_stdout = strcmp(output, "-") == 0;
    cairn_outfile_options oo = cli_output_options(ctx, force, key);
    if (rc == CLI_OK &&
        (to_stdout ? cairn_fhir_export(&json, st, cat, terms, &x, &r, &err)
                   : cairn_fhir_export_write(output, &oo, st, cat, terms, &x,
                                             &r, &err)) < 0) {
        rc = cli_fail(&err);
    }
    if (rc == CLI_OK && to_stdout) {
        rc = write_output(ctx, output, json);
    }
    if (rc == CLI_OK && strcmp(output, "-") != 0) {
        printf("%s: %zu responses (%zu entered in error), %zu observations, "
               "%zu patients, %zu questionnaires\n",
               output, r.responses, r.voided, r.observations, r.patients,
               r.questionnaires);
    }
    free(json);
    cairn_store_close(st);
    cairn_export_key_free(k);
    cairn_terminology_free(terms);
    return rc;
}

static int fhir_questionnaire(cli_ctx *ctx, const char *name, int npos)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    char *json = NULL;
    if (npos != 1 || output == NULL) {
        return cli_usage("fhir", "fhir questionnaire takes INSTRUMENT and "
                                 "-o FILE");
    }
    const cairn_instrument *inst = cli_instrument(ctx, name);
    if (inst == NULL || load_terms(ctx, cli_catalog(ctx), &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = check_output(ctx, output);
    if (rc == CLI_OK &&
        cairn_fhir_questionnaire(
            &json, inst,
            cairn_terminology_find(terms, cairn_instrument_code(inst)),
            &err) < 0) {
        rc = cli_fail(&err);
    }
    if (rc == CLI_OK) {
        rc = write_output(ctx, output, json);
    }
    free(json);
    cairn_terminology_free(terms);
    return rc;
}

#define SHOW_ERRORS 50

typedef struct shown {
    size_t errors, warnings;
} shown;

static void on_error(const cairn_error *e, void *ctx)
{
    shown *s = ctx;
    if (s->errors++ < SHOW_ERRORS) {
        cli_error("%s", e->message);
    }
}

static void on_warning(const cairn_error *e, void *ctx)
{
    shown *s = ctx;
    if (s->warnings++ < SHOW_ERRORS) {
        cli_error("warning: %s", e->message);
    }
}

static int fhir_import(cli_ctx *ctx, const char *file, int npos)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    cairn_store *st = NULL;
    cairn_fhir_import_options o = CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_fhir_import_result r;
    shown count = {0, 0};
    if (npos != 1) {
        return cli_usage("fhir", "fhir import takes one FILE");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL || load_terms(ctx, cat, &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        cairn_terminology_free(terms);
        return CLI_FAIL;
    }
    o.create_clients = create_clients;
    o.dry_run = dry_run;
    o.subject_system = subject_system;
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = &count;
    o.on_lock = cli_import_pause_hook();
    int rc = cairn_fhir_import_load(st, cat, terms, file, &o, &r, &err);
    cairn_store_close(st);
    cairn_terminology_free(terms);
    if (count.errors > SHOW_ERRORS) {
        cli_error("... and %zu more problems", count.errors - SHOW_ERRORS);
    }
    if (rc < 0 && rc != CAIRN_EINVAL) {
        return cli_fail(&err);
    }
    bool nothing = rc == CAIRN_EINVAL;
    printf("%s: %zu resources read (%zu responses), %zu %s, %zu duplicates "
           "skipped, %zu withdrawn, %zu rejected",
           file, r.resources, r.responses, nothing ? 0 : r.stored,
           dry_run ? "would be stored" : "stored", r.duplicates, r.withdrawn,
           r.rejected);
    if (r.clients_created > 0 && !nothing) {
        printf(", %zu clients %s", r.clients_created,
               dry_run ? "would be created" : "created");
    }
    if (r.totals_checked > 0) {
        printf("; %zu supplied scores checked, %zu differ from Cairn's",
               r.totals_checked, r.totals_differ);
    }
    printf("\n");
    if (nothing) {
        cli_error("nothing was imported: fix the problems above and run "
                  "the import again");
    }
    return rc < 0 ? CLI_FAIL : CLI_OK;
}

int cmd_fhir(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int npos = 0;
    int rc = cli_sub_parse("fhir", fhir_subs, argc, argv, &sub, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub->name, "export") == 0) {
        return fhir_export(ctx, npos);
    }
    if (strcmp(sub->name, "questionnaire") == 0) {
        return fhir_questionnaire(ctx, npos > 0 ? argv[0] : NULL, npos);
    }
    return fhir_import(ctx, npos > 0 ? argv[0] : NULL, npos);
}
