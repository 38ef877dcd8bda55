/*
 * cmd_fhir.c - `cairn fhir`: export to, and import from, HL7 FHIR R4.
 *
 *   cairn fhir export        a Bundle for the clinic's EHR (or research)
 *   cairn fhir questionnaire one instrument's Questionnaire
 *   cairn fhir import        QuestionnaireResponses from another system
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/fhir.h"
#include "cli.h"

const cli_command cli_fhir_command = {
    "fhir",
    cmd_fhir,
    "exchange questionnaires and scores as HL7 FHIR R4",
    "cairn fhir export -o FILE [--client C] [--instrument I] [--from D]\n"
    "                  [--to D] [--type transaction|collection]\n"
    "                  [--system URI] [--recorded INSTANT]\n"
    "                  [--pseudonymise --key KEYFILE]\n"
    "       cairn fhir questionnaire INSTRUMENT -o FILE\n"
    "       cairn fhir import FILE [--create-clients] [--subject-system URI]\n"
    "                  [--dry-run]",
    "export writes one FHIR R4 Bundle: each instrument's Questionnaire, a\n"
    "Patient per client (the client's --external-id, else this clinic's\n"
    "system and the client code), a QuestionnaireResponse per assessment\n"
    "and an Observation per scale score, coded with LOINC where a code is\n"
    "known (instruments/codes/) and always with Cairn's own code, plus a\n"
    "Provenance naming the definition and terminology fingerprints.  A\n"
    "transaction creates each resource only if its identifier is new, so\n"
    "sending the same export twice changes nothing.  Voided assessments go\n"
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
    "Options:\n"
    "  -o, --output FILE    where to write ('-' for standard output)\n"
    "  --client C           one client's assessments\n"
    "  --instrument I       one questionnaire's\n"
    "  --from D, --to D     administered in this range (YYYY-MM-DD)\n"
    "  --type T             transaction (default) or collection\n"
    "  --system URI         this clinic's identifier system (default: the\n"
    "                       setting fhir.system, else one derived from the\n"
    "                       database, which never changes)\n"
    "  --recorded INSTANT   the Provenance time (default: when the newest\n"
    "                       exported assessment was entered)\n"
    "  --pseudonymise       for research: keyed pseudonyms for clients and\n"
    "                       dates shifted per client, with --key KEYFILE\n"
    "  --create-clients     import: add client codes not yet known\n"
    "  --subject-system URI import: the identifier system whose values are\n"
    "                       your client codes (default: this clinic's)\n"
    "  --dry-run            import: check and count, store nothing\n"
    "\n"
    "Exit status: 0 on success, 1 when anything was refused, 2 usage.\n"
    "\n"
    "Example:\n"
    "  cairn client edit C001 --external-id "
    "'urn:oid:2.16.840.1.113883.19|4711'\n"
    "  cairn fhir export --client C001 -o c001.fhir.json\n"
    "  cairn fhir import lhc-phq9.json --create-clients\n",
};

typedef struct fhir_args {
    const char *pos[2];
    int positional;
    const char *output, *key, *subject_system;
    bool pseudonymise, create_clients, dry_run;
    cairn_fhir_export_options x;
} fhir_args;

static int value_of(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        return cli_usage("fhir", "%s needs a value", argv[*i]);
    }
    *out = argv[++*i];
    return CLI_OK;
}

static int parse(int argc, char **argv, fhir_args *a)
{
    static const struct {
        const char *name;
        size_t offset;
    } values[] = {
        {"--output", offsetof(fhir_args, output)},
        {"-o", offsetof(fhir_args, output)},
        {"--key", offsetof(fhir_args, key)},
        {"--subject-system", offsetof(fhir_args, subject_system)},
        {"--client", offsetof(fhir_args, x.client)},
        {"--instrument", offsetof(fhir_args, x.instrument)},
        {"--from", offsetof(fhir_args, x.from)},
        {"--to", offsetof(fhir_args, x.to)},
        {"--system", offsetof(fhir_args, x.system)},
        {"--recorded", offsetof(fhir_args, x.recorded)},
    };
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        bool done = false;
        for (size_t k = 0; !done && k < sizeof values / sizeof values[0]; k++) {
            if (strcmp(arg, values[k].name) == 0) {
                int rc =
                    value_of(argc, argv, &i,
                             (const char **)((char *)a + values[k].offset));
                if (rc != CLI_OK) {
                    return rc;
                }
                done = true;
            }
        }
        if (done) {
            continue;
        }
        if (strcmp(arg, "--type") == 0) {
            const char *t = NULL;
            if (value_of(argc, argv, &i, &t) != CLI_OK) {
                return CLI_USAGE;
            }
            if (strcmp(t, "transaction") == 0) {
                a->x.type = CAIRN_FHIR_TRANSACTION;
            } else if (strcmp(t, "collection") == 0) {
                a->x.type = CAIRN_FHIR_COLLECTION;
            } else {
                return cli_usage("fhir",
                                 "--type '%s' is not transaction or "
                                 "collection",
                                 t);
            }
        } else if (strcmp(arg, "--pseudonymise") == 0 ||
                   strcmp(arg, "--pseudonymize") == 0) {
            a->pseudonymise = true;
        } else if (strcmp(arg, "--create-clients") == 0) {
            a->create_clients = true;
        } else if (strcmp(arg, "--dry-run") == 0) {
            a->dry_run = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_usage("fhir", "unknown option '%s'", arg);
        } else if (a->positional < 2) {
            a->pos[a->positional++] = arg;
        } else {
            return cli_usage("fhir", "too many arguments");
        }
    }
    return CLI_OK;
}

/* The terminology beside the instrument definitions (DIR/codes). */
static int load_terms(cli_ctx *ctx, const cairn_catalog *cat,
                      cairn_terminology **out)
{
    char buf[4096], dir[4200];
    cairn_error err = CAIRN_ERROR_INIT;
    const char *base = ctx->instruments_dir;
    if (base == NULL) {
        base = cairn_catalog_default_dir(buf, sizeof buf, ctx->argv0);
    }
    snprintf(dir, sizeof dir, "%s/codes", base);
    if (cairn_terminology_load(out, cat, dir, &err) < 0) {
        return cli_fail(&err);
    }
    return CLI_OK;
}

/* Write `text` to `path` ("-" = stdout) through a temporary file. */
static int write_output(cli_ctx *ctx, const char *path, const char *text)
{
    char tmp[4200];
    if (strcmp(path, "-") == 0) {
        return fputs(text, stdout) < 0 ? CLI_FAIL : CLI_OK;
    }
    if (ctx->db_path != NULL && strcmp(ctx->db_path, path) == 0) {
        cli_error("%s: is the database; choose another output file", path);
        return CLI_FAIL;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int fhir_export(cli_ctx *ctx, fhir_args *a)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    cairn_export_key *key = NULL;
    cairn_store *st = NULL;
    cairn_fhir_export_result r;
    char *json = NULL;
    if (a->positional != 0 || a->output == NULL) {
        return cli_usage("fhir", "fhir export takes -o FILE and options");
    }
    if (a->create_clients || a->dry_run || a->subject_system != NULL) {
        return cli_usage("fhir", "--create-clients, --dry-run and "
                                 "--subject-system are import options");
    }
    if (a->pseudonymise != (a->key != NULL)) {
        return cli_usage("fhir", "--pseudonymise and --key go together");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL || load_terms(ctx, cat, &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (a->key != NULL && cli_key_load(a->key, &key) != CLI_OK) {
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && cli_store_open(ctx, &st) != CLI_OK) {
        rc = CLI_FAIL;
    }
    a->x.pseudonymise = key;
    if (rc == CLI_OK &&
        cairn_fhir_export(&json, st, cat, terms, &a->x, &r, &err) < 0) {
        rc = cli_fail(&err);
    }
    if (rc == CLI_OK) {
        rc = write_output(ctx, a->output, json);
    }
    if (rc == CLI_OK && strcmp(a->output, "-") != 0) {
        printf("%s: %zu responses (%zu entered in error), %zu observations, "
               "%zu patients, %zu questionnaires\n",
               a->output, r.responses, r.voided, r.observations, r.patients,
               r.questionnaires);
    }
    free(json);
    cairn_store_close(st);
    cairn_export_key_free(key);
    cairn_terminology_free(terms);
    return rc;
}

static int fhir_questionnaire(cli_ctx *ctx, fhir_args *a)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    char *json = NULL;
    fhir_args bare;
    memset(&bare, 0, sizeof bare);
    bare.pos[0] = a->pos[0];
    bare.positional = a->positional;
    bare.output = a->output;
    if (a->positional != 1 || a->output == NULL ||
        memcmp(&bare, a, sizeof bare) != 0) {
        return cli_usage("fhir", "fhir questionnaire takes INSTRUMENT and "
                                 "-o FILE only");
    }
    const cairn_instrument *inst = cli_instrument(ctx, a->pos[0]);
    if (inst == NULL || load_terms(ctx, cli_catalog(ctx), &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (cairn_fhir_questionnaire(
            &json, inst,
            cairn_terminology_find(terms, cairn_instrument_code(inst)),
            &err) < 0) {
        rc = cli_fail(&err);
    } else {
        rc = write_output(ctx, a->output, json);
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

static int fhir_import(cli_ctx *ctx, fhir_args *a)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_terminology *terms = NULL;
    cairn_store *st = NULL;
    cairn_fhir_import_options o = CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_fhir_import_result r;
    shown count = {0, 0};
    const cairn_fhir_export_options *x = &a->x;
    if (a->positional != 1 || a->output != NULL || a->key != NULL ||
        a->pseudonymise || x->type != CAIRN_FHIR_TRANSACTION || x->client ||
        x->instrument || x->from || x->to || x->system || x->recorded) {
        return cli_usage("fhir", "fhir import takes one FILE and "
                                 "--create-clients, --subject-system or "
                                 "--dry-run");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL || load_terms(ctx, cat, &terms) != CLI_OK) {
        return CLI_FAIL;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        cairn_terminology_free(terms);
        return CLI_FAIL;
    }
    o.create_clients = a->create_clients;
    o.dry_run = a->dry_run;
    o.subject_system = a->subject_system;
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = &count;
    int rc = cairn_fhir_import_load(st, cat, terms, a->pos[0], &o, &r, &err);
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
           a->pos[0], r.resources, r.responses, nothing ? 0 : r.stored,
           a->dry_run ? "would be stored" : "stored", r.duplicates, r.withdrawn,
           r.rejected);
    if (r.clients_created > 0 && !nothing) {
        printf(", %zu clients %s", r.clients_created,
               a->dry_run ? "would be created" : "created");
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
    fhir_args a;
    memset(&a, 0, sizeof a);
    a.x.type = CAIRN_FHIR_TRANSACTION;
    if (argc < 2) {
        return cli_usage("fhir", "fhir needs export, questionnaire or import");
    }
    int rc = parse(argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(argv[1], "export") == 0) {
        return fhir_export(ctx, &a);
    }
    if (strcmp(argv[1], "questionnaire") == 0) {
        return fhir_questionnaire(ctx, &a);
    }
    if (strcmp(argv[1], "import") == 0) {
        return fhir_import(ctx, &a);
    }
    return cli_usage("fhir", "'%s' is not export, questionnaire or import",
                     argv[1]);
}
