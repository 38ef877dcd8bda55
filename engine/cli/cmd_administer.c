/*
 * cmd_administer.c - `cairn administer`: the client completes a
 * questionnaire at the terminal.
 *
 * One answer per line from standard input, so it works the same with a
 * person at the keyboard and with answers piped in by a test.  Nothing is
 * stored until the person confirms the review; end of input or 'q' leaves
 * the record untouched.
 *
 * Two people use this screen in turn.  The client sees only the
 * instrument's exact wording (refused before the first item when it is not
 * available), then a thank-you and a request to hand the device back,
 * never a score, a band or a risk notice.  The assessment is stored, and
 * so its alerts are raised, before that hand-back; the clinician's
 * summary follows only after one more line (Enter), so a client who reads
 * on sees nothing of it.  The client's words come from cairn/client_text.h
 * like every other screen a client sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/settings.h"
#include "cli.h"

static struct {
    const char *client, *date;
} given;

static const cli_opt administer_opts[] = {
    {"client", "CODE", "the client (see 'cairn client add')",
     .str = &given.client},
    {"date", "D", "when it was completed (default now; UTC)",
     .str = &given.date},
    {NULL}};

const cli_command cli_administer_command = {
    .name = "administer",
    .run = cmd_administer,
    .summary = "give a questionnaire at the terminal",
    .usage = "cairn administer INSTRUMENT --client CODE [--date D]",
    .opts = administer_opts,
    .example = "  cairn administer phq9 --client C001\n"
               "  printf '1\\n2\\n0\\n3\\n1\\n0\\n2\\n1\\n1\\ny\\n\\n' |\n"
               "      cairn administer phq9 --client C001\n",
    .help =
        "Shows the instructions, then each item with its numbered options,\n"
        "for the client to answer by typing the option's number and Enter.\n"
        "Only valid answers are accepted.  At any item:\n"
        "  b   go back to the previous item\n"
        "  s   skip the item, where the instrument's missing-data rule allows\n"
        "  q   stop without saving anything\n"
        "After the last item the answers are shown for review: type y to\n"
        "save, an item's number to change it, or q to stop without saving.\n"
        "Once saved (and any alert raised), the client is thanked and asked\n"
        "to hand the device back; they never see scores or risk notices.\n"
        "The clinician then presses Enter for the summary: scores, bands and\n"
        "a notice for any risk flag (for example PHQ-9 item 9).  Answers may\n"
        "be piped in, one per line; the summary follows one extra line.\n"
        "\n"
        "A client sees an instrument's exact wording or nothing: where it is\n"
        "not available (EPDS, PG-13-R and PGS-33 without the clinic's text\n"
        "file, see --texts), administer refuses before the first item and\n"
        "says how to add it.  The client and --date are checked before the\n"
        "first item too.\n",
};

typedef struct session {
    const cairn_instrument *inst;
    cairn_responses *resp;
    bool *skipped; /* items the person chose to skip */
    char *line;
    size_t cap;
} session;

/* The next answer line without its newline and blanks; NULL at the end. */
static const char *read_answer(session *s)
{
    fflush(stdout);
    ssize_t n = getline(&s->line, &s->cap, stdin);
    if (n < 0) {
        return NULL;
    }
    char *p = s->line;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    size_t len = strlen(p);
    while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL) {
        p[--len] = '\0';
    }
    return p;
}

static bool parse_int(const char *s, int *out)
{
    char *end = NULL;
    if (s[0] == '\0' || s[0] == '+' || strlen(s) > 9) {
        return false;
    }
    long v = strtol(s, &end, 10);
    if (*end != '\0') {
        return false;
    }
    *out = (int)v;
    return true;
}

static void allowed_text(const cairn_item *it, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (it->kind == CAIRN_ITEM_NUMBER) {
        snprintf(buf, size, "a whole number from %d to %d", it->min, it->max);
        return;
    }
    for (size_t k = 0; k < it->n_options && used < size; k++) {
        int n = snprintf(buf + used, size - used, "%s%d", k == 0 ? "" : ", ",
                         it->options[k].code);
        used += n > 0 ? (size_t)n : 0;
    }
}

static void show_item(const session *s, size_t i)
{
    const cairn_item *it = cairn_instrument_item(s->inst, i);
    size_t n = cairn_instrument_item_count(s->inst);
    char head[48];
    snprintf(head, sizeof head, "\nItem %d of %zu: ", it->number, n);
    cli_print_wrapped(stdout, head, "    ", it->text);
    for (size_t k = 0; k < it->n_options; k++) {
        printf("  %d  %s\n", it->options[k].code, it->options[k].label);
    }
    if (!s->resp->missing[i]) {
        printf("(current answer: %d; press Enter to keep it)\n",
               s->resp->codes[i]);
    }
    printf("> ");
}

enum step { NEXT, BACK, STAY, QUIT, END };

/* Ask item `i` once; what to do next. */
static enum step ask(session *s, size_t i)
{
    const cairn_item *it = cairn_instrument_item(s->inst, i);
    char allowed[160];
    int code = 0;
    show_item(s, i);
    const char *a = read_answer(s);
    if (a == NULL) {
        return END;
    }
    if (strcmp(a, "q") == 0) {
        return QUIT;
    }
    if (strcmp(a, "b") == 0) {
        return BACK;
    }
    if (a[0] == '\0' && !s->resp->missing[i]) {
        return NEXT;
    }
    if (strcmp(a, "s") == 0) {
        if (!cairn_responses_may_skip(s->inst, s->skipped, i)) {
            printf("This item cannot be skipped: the score needs an answer."
                   "\n");
            return STAY;
        }
        s->resp->missing[i] = true;
        s->skipped[i] = true;
        return NEXT;
    }
    if (parse_int(a, &code) &&
        cairn_responses_set(s->resp, s->inst, i, code, NULL) == CAIRN_OK) {
        s->skipped[i] = false;
        return NEXT;
    }
    allowed_text(it, allowed, sizeof allowed);
    printf("Please answer with %s%s (b = back, s = skip, q = quit).\n",
           it->kind == CAIRN_ITEM_NUMBER ? "" : "one of ", allowed);
    return STAY;
}

/* Ask items from `from` to `to` (inclusive); QUIT, END or NEXT. */
static enum step ask_range(session *s, size_t from, size_t to)
{
    size_t i = from;
    while (i <= to) {
        enum step st = ask(s, i);
        if (st == QUIT || st == END) {
            return st;
        }
        if (st == NEXT) {
            i++;
        } else if (st == BACK) {
            if (i == 0) {
                printf("This is the first item.\n");
            } else {
                i--;
            }
        }
    }
    return NEXT;
}

/* The review shows the item's own words and the answer chosen. */
static void show_review(const session *s)
{
    printf("\nPlease check your answers:\n");
    for (size_t i = 0; i < s->resp->n; i++) {
        const cairn_item *it = cairn_instrument_item(s->inst, i);
        const cairn_option *o = NULL;
        char head[16], answer[320];
        snprintf(head, sizeof head, "  %2d  ", it->number);
        if (s->resp->missing[i]) {
            snprintf(answer, sizeof answer, "%s: (skipped)", it->text);
        } else if ((o = cairn_item_find_option(it, s->resp->codes[i])) !=
                   NULL) {
            snprintf(answer, sizeof answer, "%s: %d %s", it->text, o->code,
                     o->label);
        } else {
            snprintf(answer, sizeof answer, "%s: %d", it->text,
                     s->resp->codes[i]);
        }
        cli_print_wrapped(stdout, head, "        ", answer);
    }
    printf("Type y to save, an item's number to change it, or q to stop "
           "without saving.\n> ");
}

/* The review loop: NEXT when confirmed. */
static enum step review(session *s)
{
    for (;;) {
        int k = 0;
        show_review(s);
        const char *a = read_answer(s);
        if (a == NULL) {
            return END;
        }
        if (strcmp(a, "q") == 0) {
            return QUIT;
        }
        if (strcmp(a, "y") == 0 || strcmp(a, "yes") == 0) {
            return NEXT;
        }
        const cairn_item *it = NULL;
        if (parse_int(a, &k) &&
            (it = cairn_instrument_find_item(s->inst, k)) != NULL) {
            size_t pos = (size_t)k - 1;
            enum step st = ask_range(s, pos, pos);
            if (st != NEXT) {
                return st;
            }
            continue;
        }
        printf("Please type y, q or an item number from 1 to %zu.\n",
               s->resp->n);
    }
}

/* The clinic's own supportive words for a client who endorsed a risk
 * item (the setting client.crisis_message), or NULL for the default.  A
 * store that cannot say is no reason to keep the client waiting: the
 * default words are calm too.  Free with free(). */
static char *clinic_support_words(cairn_store *st)
{
    char *words = NULL;
    if (cairn_settings_get_text(st, "client.crisis_message", &words, NULL) !=
        CAIRN_OK) {
        free(words);
        return NULL;
    }
    return words;
}

/* What the client sees once the answers are kept. */
static void client_goodbye(const cairn_score *sc, const char *clinic)
{
    printf("\n");
    cli_print_wrapped(stdout, "", "",
                      cairn_client_text_thanks(CAIRN_CLIENT_IN_ROOM));
    if (sc->n_flags > 0) {
        printf("\n");
        cli_print_wrapped(
            stdout, "", "",
            cairn_client_text_support(clinic, CAIRN_CLIENT_IN_ROOM));
    }
    printf("\n");
    cli_print_wrapped(stdout, "", "",
                      cairn_client_text_closing(CAIRN_CLIENT_IN_ROOM));
    printf("\n(Clinician: press Enter to see the summary.)\n");
}

/* Store the answers; then the client's goodbye, and the clinician's
 * summary only after the next line. */
static int save(cli_ctx *ctx, session *s, const char *client, const char *date)
{
    cairn_score *sc = NULL;
    cairn_store *st = NULL;
    cairn_assessment *stored = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int64_t id = 0;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = client;
    o.administered_at = date;
    o.method = CAIRN_METHOD_SELF_REPORT;
    int rc = cairn_score_compute(&sc, s->inst, s->resp, &err);
    if (rc == CAIRN_OK && cli_store_open(ctx, &st) != CLI_OK) {
        cairn_score_free(sc);
        return CLI_FAIL;
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_add(st, sc, s->resp, &o, &id, &err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_get(&stored, st, id, &err);
    }
    if (rc == CAIRN_OK) {
        char *words = sc->n_flags > 0 ? clinic_support_words(st) : NULL;
        client_goodbye(sc, words);
        free(words);
    }
    if (rc == CAIRN_OK && read_answer(s) != NULL) {
        printf("\nFor the clinician: saved as assessment %lld for client "
               "%s.\n",
               (long long)id, client);
        cli_print_assessment_line(ctx, stdout, stored);
        cli_print_risk(stdout, sc);
    }
    cairn_store_assessment_free(stored);
    cairn_store_close(st);
    cairn_score_free(sc);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

static int run(cli_ctx *ctx, const cairn_instrument *inst, const char *client,
               const char *date)
{
    session s = {inst, NULL, NULL, NULL, 0};
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_responses_new(&s.resp, inst, &err) < 0) {
        return cli_fail(&err);
    }
    s.skipped = calloc(s.resp->n, sizeof *s.skipped);
    if (s.skipped == NULL) {
        cairn_responses_free(s.resp);
        cli_error("out of memory");
        return CLI_FAIL;
    }
    printf("%s\n", cairn_instrument_name(inst));
    if (cairn_instrument_instructions(inst) != NULL) {
        cli_print_wrapped(stdout, "", "", cairn_instrument_instructions(inst));
    }
    printf("Answer with the number of an option and Enter "
           "(b = back, s = skip, q = quit).\n");
    enum step st = ask_range(&s, 0, s.resp->n - 1);
    if (st == NEXT) {
        st = review(&s);
    }
    int rc = CLI_FAIL;
    if (st == NEXT) {
        rc = save(ctx, &s, client, date);
    } else if (st == QUIT) {
        printf("\n");
        cli_print_wrapped(stdout, "", "", cairn_client_text_stopped());
        rc = CLI_OK;
    } else {
        printf("\n");
        cli_error("input ended before the questionnaire was finished; "
                  "nothing was saved");
    }
    free(s.line);
    free(s.skipped);
    cairn_responses_free(s.resp);
    return rc;
}

int cmd_administer(cli_ctx *ctx, int argc, char **argv)
{
    char now[32];
    int n = 0;
    int rc = cli_opt_parse("administer", administer_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 1) {
        return cli_usage("administer", "administer: unexpected '%s'", argv[1]);
    }
    if (n == 0 || given.client == NULL) {
        return cli_usage("administer",
                         "administer needs INSTRUMENT and --client");
    }
    const char *name = argv[0];
    const cairn_instrument *inst = cli_instrument(ctx, name);
    if (inst == NULL) {
        return CLI_FAIL;
    }
    /* everything is checked before the client spends time on answers:
     * the wording they will see, the client and the date */
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_instrument_check_client_text(inst, &err) < 0) {
        cli_fail(&err);
        cli_print_text_guidance(stderr, inst);
        return CLI_FAIL;
    }
    const char *date = given.date;
    if (date == NULL) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        date = now;
    }
    cairn_store *st = NULL;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = given.client;
    o.administered_at = date;
    rc = cairn_store_assessment_check(st, &o, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    return run(ctx, inst, given.client, date);
}
