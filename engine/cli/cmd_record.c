/*
 * cmd_record.c - `cairn record`: store a response set the clinician enters
 * from a paper form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct record_args {
    const char *inst, *client, *date, *codes;
    bool json;
    const char **tokens;
    size_t n;
} record_args;

static record_args args;

static const cli_opt record_opts[] = {
    {"client", "CODE", "the client (see 'cairn client add')",
     .str = &args.client},
    {"date", "D",
     "when the form was completed: YYYY-MM-DD or\nYYYY-MM-DDTHH:MM (UTC; "
     "default today)",
     .str = &args.date},
    {"codes", "K",
     "positions or scores: what the numbers are (required\nwhere an "
     "instrument's codes are not its scores)",
     .str = &args.codes},
    {"json", NULL, "print the stored assessment as JSON", .flag = &args.json},
    {NULL}};

const cli_command cli_record_command = {
    .name = "record",
    .run = cmd_record,
    .summary = "store answers entered from a paper form",
    .usage = "cairn record INSTRUMENT --client CODE [--date D] "
             "[--codes K] [--json]\n"
             "                    RESPONSE...",
    .opts = record_opts,
    .example = "  cairn record epds --client C001 --date 2024-05-02 "
               "--codes positions \\\n"
               "      1 1 2 1 0 1 2 1 0 0\n",
    .help =
        "Scores the response set and stores it in the client's record as\n"
        "entered by the clinician.  A response is the code the person chose\n"
        "(see 'cairn instrument show INSTRUMENT'), or - for an item left\n"
        "unanswered.  Every entry is echoed as the answer's label and its\n"
        "score ('10  Never -> 0'), so a misread form is seen at once.\n"
        "Recording the same answers for the same date twice is refused.  A\n"
        "risk flag is shown as a notice after saving.\n"
        "\n"
        "Where an instrument's answer codes are not its item scores (EPDS,\n"
        "PGS-33, CES-D), say which you are typing: --codes positions (the\n"
        "position of the ticked answer on the form) or --codes scores (each\n"
        "item's score from the scoring key).  There is no default.\n",
};

static int store(cli_ctx *ctx, const record_args *a,
                 const cairn_instrument *inst, cairn_entry entry)
{
    cairn_responses *resp = NULL;
    cairn_score *sc = NULL;
    cairn_store *st = NULL;
    cairn_assessment *stored = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char today[16];
    int64_t id = 0;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = a->client;
    o.administered_at = a->date ? a->date : today;
    o.method = CAIRN_METHOD_CLINICIAN;
    cairn_error warning = CAIRN_ERROR_INIT;
    o.warning = &warning;
    int rc = cairn_responses_parse_entered(&resp, inst, a->tokens, a->n, entry,
                                           &err);
    if (rc == CAIRN_OK && !a->json) {
        printf("%s answers as entered (answer -> score):\n",
               cairn_instrument_code(inst));
        cli_print_entries(stdout, inst, resp);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_score_compute(&sc, inst, resp, &err);
    }
    if (rc == CAIRN_OK && cli_store_open(ctx, &st) != CLI_OK) {
        cairn_score_free(sc);
        cairn_responses_free(resp);
        return CLI_FAIL;
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_add(st, sc, resp, &o, &id, &err);
    }
    if (rc == CAIRN_OK && warning.message[0] != '\0') {
        cli_error("warning: %s", warning.message);
    }
    if (rc == CAIRN_OK) {
        snprintf(ctx->saved, sizeof ctx->saved,
                 "assessment %lld for client %s was stored", (long long)id,
                 a->client);
        if (sc->n_flags > 0) {
            size_t n = strlen(ctx->saved);
            snprintf(ctx->saved + n, sizeof ctx->saved - n,
                     " and raised %zu risk flag%s", sc->n_flags,
                     sc->n_flags == 1 ? "" : "s");
        }
        rc = cairn_store_assessment_get(&stored, st, id, &err);
    }
    int shown = CLI_OK;
    if (rc == CAIRN_OK && a->json) {
        shown = cli_json_print(cli_assessment_json(ctx, stored));
    } else if (rc == CAIRN_OK) {
        printf("stored assessment %lld for client %s:\n", (long long)id,
               a->client);
        cli_print_assessment_line(ctx, stdout, stored);
        cli_print_risk(stdout, sc);
    }

    cairn_store_assessment_free(stored);
    cairn_store_close(st);
    cairn_score_free(sc);
    cairn_responses_free(resp);
    return rc < 0 ? cli_fail(&err) : shown;
}

int cmd_record(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("record", record_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n < 1 || args.client == NULL) {
        return cli_usage("record", "record needs INSTRUMENT and --client");
    }
    args.inst = argv[0];
    args.tokens = (const char **)argv + 1;
    args.n = (size_t)n - 1;
    cairn_entry entry = CAIRN_ENTRY_UNSAID;
    if (args.codes != NULL &&
        cli_parse_entry("record", args.codes, &entry) != CLI_OK) {
        return CLI_USAGE;
    }
    const cairn_instrument *inst = cli_instrument(ctx, args.inst);
    if (inst == NULL) {
        return CLI_FAIL;
    }
    rc = cli_check_entry("record", inst, entry);
    return rc != CLI_OK ? rc : store(ctx, &args, inst, entry);
}
