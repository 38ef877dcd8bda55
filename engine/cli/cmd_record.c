/*
 * cmd_record.c - `cairn record`: store a response set the clinician enters
 * from a paper form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const cli_command cli_record_command = {
    "record",
    cmd_record,
    "store answers entered from a paper form",
    "cairn record INSTRUMENT --client CODE [--date D] [--codes positions|"
    "scores]\n"
    "                    [--json] RESPONSE...",
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
    "item's score from the scoring key).  There is no default.\n"
    "\n"
    "Options:\n"
    "  --client CODE  the client (see 'cairn client add')\n"
    "  --date D       when the form was completed: YYYY-MM-DD or\n"
    "                 YYYY-MM-DDTHH:MM (UTC; default today)\n"
    "  --codes K      positions or scores (required where they differ)\n"
    "  --json         print the stored assessment as JSON\n"
    "\n"
    "Example:\n"
    "  cairn record epds --client C001 --date 2024-05-02 --codes positions "
    "\\\n      1 1 2 1 0 1 2 1 0 0\n",
};

typedef struct record_args {
    const char *inst, *client, *date, *codes;
    bool json;
    const char **tokens;
    size_t n;
} record_args;

static int parse(record_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--client") == 0 || strcmp(s, "--date") == 0 ||
                   strcmp(s, "--codes") == 0) {
            if (i + 1 >= argc) {
                return cli_usage("record", "%s needs a value", s);
            }
            *(strcmp(s, "--client") == 0 ? &a->client
              : strcmp(s, "--date") == 0 ? &a->date
                                         : &a->codes) = argv[++i];
        } else if (s[0] == '-' && s[1] == '-') {
            return cli_usage("record", "unknown option '%s'", s);
        } else if (a->inst == NULL) {
            a->inst = s;
        } else {
            a->tokens[a->n++] = s;
        }
    }
    if (a->inst == NULL || a->client == NULL) {
        return cli_usage("record", "record needs INSTRUMENT and --client");
    }
    return CLI_OK;
}

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
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_get(&stored, st, id, &err);
    }
    if (rc == CAIRN_OK && a->json) {
        cli_print_assessment_json(ctx, stdout, stored);
        printf("\n");
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
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

int cmd_record(cli_ctx *ctx, int argc, char **argv)
{
    record_args a;
    memset(&a, 0, sizeof a);
    a.tokens = calloc((size_t)argc + 1, sizeof *a.tokens);
    if (a.tokens == NULL) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    cairn_entry entry = CAIRN_ENTRY_UNSAID;
    const cairn_instrument *inst = NULL;
    int rc = parse(&a, argc, argv);
    if (rc == CLI_OK && a.codes != NULL) {
        rc = cli_parse_entry("record", a.codes, &entry);
    }
    if (rc == CLI_OK) {
        inst = cli_instrument(ctx, a.inst);
        rc = inst == NULL ? CLI_FAIL : CLI_OK;
    }
    if (rc == CLI_OK) {
        rc = cli_check_entry("record", inst, entry);
    }
    if (rc == CLI_OK) {
        rc = store(ctx, &a, inst, entry);
    }
    free(a.tokens);
    return rc;
}
