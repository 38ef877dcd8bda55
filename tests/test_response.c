/*
 * test_response.c - parsing response sets: every file in
 * tests/data/bad/responses (instrument on line 1, responses on line 2) is
 * refused with the message in its .msg file.
 */
#include <dirent.h>
#include <stdio.h>

#include "helpers.h"

static void test_response_bad_sets_give_exact_messages(void **state)
{
    (void)state;
    const char *dir = "tests/data/bad/responses";
    DIR *d = opendir(dir);
    size_t checked = 0;
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0) {
            continue;
        }
        char path[512], msgpath[512], text[2048], want[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(msgpath, sizeof msgpath, "%s/%.*s.msg", dir, (int)(len - 4),
                 e->d_name);
        test_read_text(path, text, sizeof text);
        test_read_text(msgpath, want, sizeof want);
        char *nl = strchr(text, '\n');
        const char *line = nl ? nl + 1 : "";
        if (nl) {
            *nl = '\0';
        }
        cairn_responses *r = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        int rc = cairn_responses_parse_line(&r, test_instrument(text), line,
                                            strlen(line), &err);
        if (rc != CAIRN_EINVAL) {
            fail_msg("%s: accepted (rc %d)", path, rc);
        }
        assert_null(r);
        if (strcmp(err.message, want) != 0) {
            fail_msg("%s:\n want: %s\n got:  %s", path, want, err.message);
        }
        checked++;
    }
    closedir(d);
    assert_true(checked >= 10);
}

static void test_response_tokens_and_missing(void **state)
{
    (void)state;
    const cairn_instrument *in = test_instrument("phq9");
    const char *tok[] = {"1", "-", "0", "3", "1", "0", "-", "1", "1"};
    cairn_responses *r = NULL;
    assert_int_equal(cairn_responses_parse_tokens(&r, in, tok, 9, NULL), 0);
    assert_int_equal(cairn_responses_missing_count(r), 2);
    assert_true(r->missing[1] && r->missing[6]);
    assert_int_equal(r->codes[3], 3);
    cairn_responses_free(r);
    /* A line with tabs and a newline parses the same way. */
    const char *line = "1\t-  0 3 1 0 - 1 1\n";
    assert_int_equal(
        cairn_responses_parse_line(&r, in, line, strlen(line), NULL), 0);
    assert_int_equal(cairn_responses_missing_count(r), 2);
    cairn_responses_free(r);
}

static void test_response_set_checks_each_item(void **state)
{
    (void)state;
    const cairn_instrument *in = test_instrument("pg13r");
    cairn_responses *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_responses_new(&r, in, &err), 0);
    assert_int_equal(cairn_responses_missing_count(r), 13);
    assert_int_equal(cairn_responses_set(r, in, 1, 36, &err), 0);
    assert_int_equal(cairn_responses_set(r, in, 2, 6, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "item 3: code 6 is not one of 1..5");
    assert_int_equal(cairn_responses_set(r, in, 13, 1, &err), CAIRN_EINVAL);
    cairn_responses_free(r);
}

/* EPDS item 10's top answer scores 3: typed as a score, 3 must become
 * code 0 and raise the item 10 flag; unsaid, the set is refused. */
static void test_response_entry_scores_and_positions(void **state)
{
    (void)state;
    const cairn_instrument *in = test_instrument("epds");
    const char *tok[] = {"0", "0", "0", "0", "0", "0", "0", "0", "0", "3"};
    cairn_responses *r = NULL;
    cairn_score *sc = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_true(cairn_instrument_codes_differ(in));
    assert_false(cairn_instrument_codes_differ(test_instrument("phq9")));
    assert_int_equal(cairn_responses_parse_entered(&r, in, tok, 10,
                                                   CAIRN_ENTRY_UNSAID, &err),
                     CAIRN_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err.message, "epds: its answer codes are not its "
                                        "item scores: say which are "
                                        "entered, positions ("));
    assert_int_equal(cairn_responses_parse_entered(&r, in, tok, 10,
                                                   CAIRN_ENTRY_SCORES, &err),
                     CAIRN_OK);
    assert_int_equal(r->codes[9], 0); /* the top answer */
    assert_int_equal(r->codes[2], 3); /* item 3 scoring 0: the bottom one */
    assert_int_equal(cairn_score_compute(&sc, in, r, &err), CAIRN_OK);
    assert_int_equal(sc->n_flags, 1);
    assert_int_equal(sc->scales[0].score, 3);
    cairn_score_free(sc);
    cairn_responses_free(r);
    /* The same numbers as positions: 18, and no flag. */
    assert_int_equal(cairn_responses_parse_entered(&r, in, tok, 10,
                                                   CAIRN_ENTRY_POSITIONS, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_score_compute(&sc, in, r, &err), CAIRN_OK);
    assert_int_equal(sc->n_flags, 0);
    assert_int_equal(sc->scales[0].score, 18);
    cairn_score_free(sc);
    cairn_responses_free(r);
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    assert_int_equal(
        cairn_responses_set_entered(r, in, 9, 7, CAIRN_ENTRY_SCORES, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "item 10: no answer scores 7; the scores are 3, 2, "
                        "1, 0");
    cairn_responses_free(r);
    /* Where codes are scores, not saying is fine. */
    const char *p9[] = {"0", "0", "0", "0", "0", "0", "0", "0", "3"};
    assert_int_equal(cairn_responses_parse_entered(&r, test_instrument("phq9"),
                                                   p9, 9, CAIRN_ENTRY_UNSAID,
                                                   &err),
                     CAIRN_OK);
    cairn_responses_free(r);
    cairn_entry e = CAIRN_ENTRY_UNSAID;
    assert_int_equal(cairn_entry_parse(&e, "scores", &err), CAIRN_OK);
    assert_int_equal(e, CAIRN_ENTRY_SCORES);
    assert_int_equal(cairn_entry_parse(&e, "score", &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "'score' is not positions or scores");
}

/* A client sees the exact wording or nothing. */
static void test_response_client_text_availability(void **state)
{
    (void)state;
    cairn_client_text t;
    assert_true(cairn_instrument_client_text(test_instrument("phq9"), &t));
    assert_int_equal(t.reason, CAIRN_TEXT_READY);
    assert_false(cairn_instrument_client_text(test_instrument("epds"), &t));
    assert_int_equal(t.reason, CAIRN_TEXT_WITHHELD);
    assert_string_equal(t.items, "1-10");
    assert_non_null(t.form);
    assert_false(cairn_instrument_client_text(test_instrument("pgs33"), &t));
    assert_int_equal(t.reason, CAIRN_TEXT_UNVERIFIED);
    assert_string_equal(t.items, "4, 8, 12-13, 15, 19-33");
    assert_int_equal(t.n_missing, 20);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_instrument_check_client_text(test_instrument("pg13r"), &err),
        CAIRN_ENOTFOUND);
    assert_string_equal(err.message,
                        "pg13r: the exact wording of items 1-13 is not "
                        "available, so it cannot be shown to a client (its "
                        "licence keeps the wording out of Cairn)");
    /* A text file with every item's words and answers makes EPDS ready;
     * one that gives only the first item's answers does not. */
    cairn_instrument *in = NULL;
    assert_int_equal(cairn_instrument_load(&in, "instruments/epds.json", &err),
                     CAIRN_OK);
    assert_int_equal(
        cairn_instrument_add_texts(in, "tests/data/good/epds.texts.json", &err),
        CAIRN_OK);
    assert_false(cairn_instrument_client_text(in, &t));
    assert_string_equal(t.items, "2-10");
    assert_int_equal(cairn_instrument_add_texts(
                         in, "tests/data/good/texts/epds.texts.json", &err),
                     CAIRN_OK);
    assert_true(cairn_instrument_client_text(in, &t));
    cairn_instrument_free(in);
}

/* The client's words: the clinic's when set, a calm default otherwise;
 * at home no promise of "today" and no hand-back. */
static void test_response_client_words(void **state)
{
    (void)state;
    const cairn_client_place places[] = {CAIRN_CLIENT_IN_ROOM,
                                         CAIRN_CLIENT_AT_HOME};
    for (size_t i = 0; i < 2; i++) {
        const char *def = cairn_client_text_support_default(places[i]);
        assert_ptr_equal(cairn_client_text_support(NULL, places[i]), def);
        assert_ptr_equal(cairn_client_text_support(" \n", places[i]), def);
        assert_string_equal(
            cairn_client_text_support("Call us on 0", places[i]),
            "Call us on 0");
        /* no digits: no country's telephone number in the default */
        assert_null(strpbrk(def, "0123456789"));
        assert_null(strstr(def, "today"));
    }
    const char *home = cairn_client_text_support_default(CAIRN_CLIENT_AT_HOME);
    assert_null(strstr(home, "clinician will talk"));
    assert_non_null(strstr(cairn_client_text_handback(), "clinician"));
    assert_ptr_equal(cairn_client_text_closing(CAIRN_CLIENT_IN_ROOM),
                     cairn_client_text_handback());
    assert_null(
        strstr(cairn_client_text_closing(CAIRN_CLIENT_AT_HOME), "hand"));
    assert_null(strstr(cairn_client_text_thanks(CAIRN_CLIENT_AT_HOME), "hand"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_bad_sets_give_exact_messages),
        cmocka_unit_test(test_response_tokens_and_missing),
        cmocka_unit_test(test_response_set_checks_each_item),
        cmocka_unit_test(test_response_entry_scores_and_positions),
        cmocka_unit_test(test_response_client_text_availability),
        cmocka_unit_test(test_response_client_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
