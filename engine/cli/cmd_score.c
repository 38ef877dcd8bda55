/*
 * cmd_score.c - `cairn score`: score one response set, or one per line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool json, batch;
static const char *codes;
static cairn_entry entry;

static const cli_opt score_opts[] = {
    {"json", NULL, "one JSON object per response set, for scripts",
     .flag = &json},
    {"batch", NULL,
     "read one response set per line from standard input\n(blank lines "
     "and lines starting with # are skipped)",
     .flag = &batch},
    {"codes", "K",
     "positions or scores: what the numbers are (required\nwhere an "
     "instrument's codes are not its scores)",
     .str = &codes},
    {NULL}};

const cli_command cli_score_command = {
    .name = "score",
    .run = cmd_score,
    .summary = "score one questionnaire's responses",
    .usage = "cairn score INSTRUMENT [--codes positions|scores] [--json] "
             "RESPONSE...\n"
             "       cairn score INSTRUMENT [--codes positions|scores] "
             "[--json] --batch < FILE",
    .opts = score_opts,
    .example = "  cairn score phq9 1 2 0 3 1 0 2 1 1\n"
               "  cairn score PHQ-9 --json 1 2 0 3 1 0 2 1 1\n",
    .help =
        "Scores one response set exactly as the instrument's manual says and\n"
        "shows each scale's score and band, risk flags and decision rules.\n"
        "Nothing is stored: use 'cairn record' to keep a result.\n"
        "\n"
        "A response is the code the person chose (see 'cairn instrument show\n"
        "INSTRUMENT' for the codes), or - for an item left unanswered.  Each\n"
        "entry is echoed as the answer's label and its score before the\n"
        "result (not with --json or --batch).  Where an instrument's codes\n"
        "are not its item scores (EPDS, PGS-33, CES-D), --codes is required:\n"
        "positions (the position of the ticked answer) or scores (each\n"
        "item's score from the scoring key).\n",
};

/* A number as cli_print_number writes it. */
static const char *num(char *buf, size_t size, double x)
{
    snprintf(buf, size, x == floor(x) && fabs(x) < 1e15 ? "%.0f" : "%.3g", x);
    return buf;
}

/* One scale's score, range, band and proration, wrapped at 100 columns. */
static void scale_line(const cairn_scale_score *sc)
{
    char line[512], a[32], b[32], c[32];
    if (!sc->has_score) {
        snprintf(line, sizeof line,
                 "%s: no score (%zu of %zu items missing; at most %d may be)",
                 sc->scale->label, sc->missing, sc->scale->n_items,
                 sc->scale->max_missing);
    } else {
        char prorated[64] = "";
        if (sc->prorated) {
            snprintf(prorated, sizeof prorated,
                     " [prorated: %zu item%s missing]", sc->missing,
                     sc->missing == 1 ? "" : "s");
        }
        snprintf(
            line, sizeof line, "%s: %s (range %s-%s, %s)%s%s%s",
            sc->scale->label, num(a, sizeof a, sc->score),
            num(b, sizeof b, sc->scale->min), num(c, sizeof c, sc->scale->max),
            sc->scale->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                                          : "higher is better",
            sc->band != NULL ? " - " : "",
            sc->band != NULL ? sc->band->label : "", prorated);
    }
    cli_print_wrapped(stdout, "  ", "    ", line);
}

static void print_plain(const cairn_score *s)
{
    const cairn_instrument *inst = s->instrument;
    printf("%s (%s), definition %s\n", cairn_instrument_name(inst),
           cairn_instrument_code(inst), cairn_instrument_version(inst));
    for (size_t i = 0; i < s->n_flags; i++) {
        cli_print_wrapped(stdout, "  !! RISK: ", "     ",
                          s->flags[i].risk->message);
    }
    for (size_t i = 0; i < s->n_unanswered_risks; i++) {
        char msg[256];
        cairn_score_unanswered_message(inst, s->unanswered_risks[i].item, msg,
                                       sizeof msg);
        cli_print_wrapped(stdout, "  !! RISK ITEM NOT ANSWERED: ", "     ",
                          msg);
    }
    for (size_t i = 0; i < s->n_scales; i++) {
        scale_line(&s->scales[i]);
    }
    if (s->n_missing > 0) {
        printf("  Missing items:");
        for (size_t i = 0; i < s->n_missing; i++) {
            printf(" %d", s->missing_items[i]);
        }
        printf("\n");
    }
    for (size_t i = 0; i < s->n_rules; i++) {
        static const char *const words[] = {"cannot tell (items missing)", "no",
                                            "yes"};
        char line[512];
        snprintf(line, sizeof line, "%s: %s", s->rules[i].rule->label,
                 words[s->rules[i].value + 1]);
        cli_print_wrapped(stdout, "  ", "    ", line);
    }
}

static int score_one(const cairn_instrument *inst, cairn_responses *resp,
                     bool echo)
{
    cairn_score *s = NULL;
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int rc = cairn_score_compute(&s, inst, resp, &err);
    if (rc == 0 && json) {
        rc = cairn_score_to_json(s, &text, &err);
        if (rc == 0) {
            printf("%s\n", text);
        }
    } else if (rc == 0) {
        if (echo) {
            printf("%s answers as entered (answer -> score):\n",
                   cairn_instrument_code(inst));
            cli_print_entries(stdout, inst, resp);
        }
        print_plain(s);
    }
    free(text);
    cairn_score_free(s);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

static int run_batch(const cairn_instrument *inst)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = CLI_OK;
    ssize_t len;
    while (rc == CLI_OK && (len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t k = strspn(line, " \t\r\n");
        /* a NUL is not the end of the line: the parser refuses it */
        if ((k == (size_t)len || line[k] == '#') &&
            memchr(line, '\0', (size_t)len) == NULL) {
            continue;
        }
        cairn_responses *resp = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        if (cairn_responses_parse_line_entered(&resp, inst, line, (size_t)len,
                                               entry, &err) < 0) {
            cli_error("<stdin>:%ld: %s", lineno, err.message);
            rc = CLI_FAIL;
        } else {
            rc = score_one(inst, resp, false);
        }
        cairn_responses_free(resp);
    }
    free(line);
    return rc;
}

int cmd_score(cli_ctx *ctx, int argc, char **argv)
{
    int n = 0;
    int rc = cli_opt_parse("score", score_opts, argc, argv, &n);
    if (rc == CLI_OK && n == 0) {
        rc = cli_usage("score", "name the instrument to score");
    }
    if (rc == CLI_OK && batch && n > 1) {
        rc = cli_usage("score", "--batch reads responses from standard "
                                "input; give none on the command line");
    }
    if (rc == CLI_OK && !batch && n == 1) {
        rc = cli_usage("score", "give one response per item, or --batch");
    }
    entry = CAIRN_ENTRY_UNSAID;
    if (rc == CLI_OK && codes != NULL) {
        rc = cli_parse_entry("score", codes, &entry);
    }
    const cairn_instrument *inst = NULL;
    if (rc == CLI_OK) {
        inst = cli_instrument(ctx, argv[0]);
        rc = inst == NULL ? CLI_FAIL : CLI_OK;
    }
    if (rc == CLI_OK) {
        rc = cli_check_entry("score", inst, entry);
    }
    if (rc == CLI_OK && batch) {
        rc = run_batch(inst);
    } else if (rc == CLI_OK) {
        cairn_responses *resp = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        if (cairn_responses_parse_entered(&resp, inst, (const char **)argv + 1,
                                          (size_t)n - 1, entry, &err) < 0) {
            rc = cli_fail(&err);
        } else {
            rc = score_one(inst, resp, !json);
        }
        cairn_responses_free(resp);
    }
    return rc;
}
