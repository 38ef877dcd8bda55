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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_bad_sets_give_exact_messages),
        cmocka_unit_test(test_response_tokens_and_missing),
        cmocka_unit_test(test_response_set_checks_each_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
