/*
 * cmd_assessment.c - `cairn assessment`: show, correct (amend) or void one
 * stored assessment.  Nothing is deleted: a correction is a new version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct args {
    const char *sub;
    int64_t id;
    const char *date, *reason, *codes;
    bool json, items;
    const char **tokens;
    size_t n;
} args;

static args given;

static const cli_opt json_opts[] = {
    {"json", NULL, "show as JSON (README: JSON output)", .flag = &given.json},
    {"items", NULL, "every item's answer and its score", .flag = &given.items},
    {NULL}};
static const cli_opt reason_opt[] = {
    {"reason", "R", "why (required for amend and void)", .str = &given.reason},
    {NULL}};
static const cli_opt amend_opts[] = {
    {"date", "D", "the corrected date", .str = &given.date},
    {"codes", "K",
     "positions or scores: what new answers are (required\nwhere an "
     "instrument's codes are not its scores)",
     .str = &given.codes},
    {.include = reason_opt},
    {NULL}};

static const cli_sub assessment_subs[] = {
    {"show", json_opts}, {"amend", amend_opts}, {"void", reason_opt}, {NULL}};

const cli_command cli_assessment_command = {
    .name = "assessment",
    .run = cmd_assessment,
    .summary = "show, correct or void an assessment",
    .usage = "cairn assessment show ID [--items] [--json]\n"
             "       cairn assessment amend ID [--date D] [--codes "
             "positions|scores]\n"
             "                              [RESPONSE...] --reason R\n"
             "       cairn assessment void ID --reason R",
    .subs = assessment_subs,
    .example = "  cairn assessment amend 12 1 2 0 3 1 0 2 1 0 --reason 'item 9 "
               "misread'\n"
               "  cairn assessment void 13 --reason 'entered for the wrong "
               "client'\n",
    .help =
        "amend stores a corrected version (new answers, a new date, or\n"
        "both) that supersedes the old one; void marks an assessment entered\n"
        "in error.  Both keep the old row, need a reason, and are written to\n"
        "the audit log.  Only the current version can be amended or voided.\n"
        "Find ids with 'cairn history'.  New answers are echoed item by\n"
        "item as the answer's label and its score; where an instrument's\n"
        "codes are not its item scores (EPDS, PGS-33, CES-D) say which you\n"
        "typed with --codes.\n",
};

static int show(cli_ctx *ctx, cairn_store *st, const args *a)
{
    cairn_assessment *x = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_store_assessment_get(&x, st, a->id, &err) < 0) {
        return cli_fail(&err);
    }
    int rc = CLI_OK;
    if (a->json) {
        rc = cli_json_print(cli_assessment_json(ctx, x));
    } else {
        printf("assessment %lld of client %s (%s, entered %s by %s)\n",
               (long long)x->id, x->client_code, cairn_method_name(x->method),
               x->entered_at, x->entered_by);
        cli_print_assessment_line(ctx, stdout, x);
        printf("definition %s %s\n", x->version, x->fingerprint);
        if (a->items) {
            cli_print_stored_items(ctx, stdout, x);
        }
    }
    cairn_store_assessment_free(x);
    return rc;
}

/* The responses of the correction: given, or the stored ones. */
static int responses_for(const args *a, const cairn_instrument *inst,
                         const cairn_assessment *old, cairn_entry entry,
                         cairn_responses **out, cairn_error *err)
{
    if (a->n > 0) {
        return cairn_responses_parse_entered(out, inst, a->tokens, a->n, entry,
                                             err);
    }
    int rc = cairn_responses_new(out, inst, err);
    for (size_t i = 0; rc == CAIRN_OK && i < old->n_items; i++) {
        if (!old->missing[i]) {
            rc = cairn_responses_set(*out, inst, i, old->codes[i], err);
        }
    }
    return rc;
}

static int amend(cli_ctx *ctx, cairn_store *st, const args *a)
{
    cairn_assessment *old = NULL;
    cairn_responses *resp = NULL;
    cairn_score *sc = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int64_t nid = 0;
    if (a->n == 0 && a->date == NULL) {
        return cli_usage("assessment", "amend needs new answers, --date, "
                                       "or both");
    }
    cairn_entry entry = CAIRN_ENTRY_UNSAID;
    if (a->codes != NULL &&
        cli_parse_entry("assessment", a->codes, &entry) != CLI_OK) {
        return CLI_USAGE;
    }
    int rc = cairn_store_assessment_get(&old, st, a->id, &err);
    const cairn_instrument *inst = NULL;
    if (rc == CAIRN_OK) {
        inst = cli_instrument(ctx, old->instrument);
        int crc = inst == NULL ? CLI_FAIL : CLI_OK;
        if (crc == CLI_OK && a->n > 0) {
            crc = cli_check_entry("assessment", inst, entry);
        }
        if (crc != CLI_OK) {
            cairn_store_assessment_free(old);
            return crc;
        }
        rc = responses_for(a, inst, old, entry, &resp, &err);
    }
    if (rc == CAIRN_OK && a->n > 0) {
        printf("%s answers as entered (answer -> score):\n",
               cairn_instrument_code(inst));
        cli_print_entries(stdout, inst, resp);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_score_compute(&sc, inst, resp, &err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_amend(st, a->id, sc, resp, a->date,
                                          a->reason, &nid, &err);
    }
    if (rc == CAIRN_OK) {
        printf("assessment %lld corrected as %lld\n", (long long)a->id,
               (long long)nid);
        cli_print_risk(stdout, sc);
    }
    cairn_score_free(sc);
    cairn_responses_free(resp);
    cairn_store_assessment_free(old);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

int cmd_assessment(cli_ctx *ctx, int argc, char **argv)
{
    args *a = &given;
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("assessment", assessment_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    a->sub = sub->name;
    if (n < 1 || !cli_parse_id(argv[0], &a->id)) {
        return cli_usage("assessment",
                         "assessment %s needs an ID (a whole number)", a->sub);
    }
    a->tokens = (const char **)argv + 1;
    a->n = (size_t)n - 1;
    if (strcmp(a->sub, "show") != 0 && a->reason == NULL) {
        return cli_usage("assessment", "%s needs --reason", a->sub);
    }
    if (strcmp(a->sub, "amend") != 0 && a->n > 0) {
        return cli_usage("assessment", "%s takes one ID", a->sub);
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    if (strcmp(a->sub, "show") == 0) {
        rc = show(ctx, st, a);
    } else if (strcmp(a->sub, "amend") == 0) {
        rc = amend(ctx, st, a);
    } else if (cairn_store_assessment_void(st, a->id, a->reason, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        printf("assessment %lld is void\n", (long long)a->id);
    }
    cairn_store_close(st);
    return rc;
}
