/*
 * test_date_format.c - day-first, month-first and dotted dates rewritten
 * as ISO, and the explanation of a date that needs --date-format.
 */
#include "cairn/date_format.h"
#include "helpers.h"

static void test_date_format_to_iso(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        cairn_date_format fmt;
        const char *out;
    } cases[] = {
        {"06/10/2026", CAIRN_DATE_DMY, "2026-10-06"},
        {"06/10/2026", CAIRN_DATE_MDY, "2026-06-10"},
        {"6/1/2026", CAIRN_DATE_DMY, "2026-01-06"},
        {"25.10.2026", CAIRN_DATE_DMY_DOT, "2026-10-25"},
        {"25/10/2026 14:30", CAIRN_DATE_DMY, "2026-10-25 14:30"},
        {"25/10/2026 14:30:05", CAIRN_DATE_DMY, "2026-10-25 14:30:05"},
        {"10/25/2026T09:05", CAIRN_DATE_MDY, "2026-10-25 09:05"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[CAIRN_DATE_FORMAT_MAX];
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_date_format_to_iso(out, cases[i].in,
                                                  strlen(cases[i].in),
                                                  cases[i].fmt, &err),
                         CAIRN_OK);
        assert_string_equal(out, cases[i].out);
    }
}

static void test_date_format_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"6-10-2026", "06/10/26", "06.10.2026",
                                      "06/10/2026 14", "06/10/2026 1:2:3:4",
                                      "/10/2026", "06/10/20267", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[CAIRN_DATE_FORMAT_MAX];
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_date_format_to_iso(out, bad[i], strlen(bad[i]),
                                                  CAIRN_DATE_DMY, &err),
                         CAIRN_EINVAL);
    }
    cairn_error err = CAIRN_ERROR_INIT;
    char out[CAIRN_DATE_FORMAT_MAX];
    cairn_date_format_to_iso(out, "6-10-2026", 9, CAIRN_DATE_DMY, &err);
    assert_string_equal(err.message, "'6-10-2026' is not written DD/MM/YYYY");
}

static void test_date_format_explain(void **state)
{
    (void)state;
    char msg[400];
    assert_true(cairn_date_format_explain(msg, sizeof msg, "06/10/2026", 10));
    assert_string_equal(msg,
                        "'06/10/2026' is not an ISO date (YYYY-MM-DD) and can "
                        "be read two ways: 6 October 2026 (--date-format "
                        "DD/MM/YYYY) or 10 June 2026 (--date-format "
                        "MM/DD/YYYY); say which with --date-format");
    assert_true(cairn_date_format_explain(msg, sizeof msg, "10/25/2026", 10));
    assert_string_equal(msg, "'10/25/2026' is not an ISO date (YYYY-MM-DD); "
                             "it reads as 25 October 2026: import with "
                             "--date-format MM/DD/YYYY");
    assert_true(cairn_date_format_explain(msg, sizeof msg, "05/05/2026", 10));
    assert_non_null(strstr(msg, "it reads as 5 May 2026"));
    assert_true(cairn_date_format_explain(msg, sizeof msg, "46301", 5));
    assert_non_null(strstr(msg, "(day 46301 is 2026-10-06)"));
    assert_true(cairn_date_format_explain(msg, sizeof msg, "46301.5", 7));
    assert_false(cairn_date_format_explain(msg, sizeof msg, "13/13/2026", 10));
    assert_false(cairn_date_format_explain(msg, sizeof msg, "yesterday", 9));
    assert_false(cairn_date_format_explain(msg, sizeof msg, "12", 2));
}

static void test_date_format_names(void **state)
{
    (void)state;
    cairn_date_format f = CAIRN_DATE_ISO;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_date_format_parse(&f, "dd.mm.yyyy", &err),
                     CAIRN_OK);
    assert_int_equal(f, CAIRN_DATE_DMY_DOT);
    assert_string_equal(cairn_date_format_name(f), "DD.MM.YYYY");
    assert_int_equal(cairn_date_format_parse(&f, "YYYY/MM/DD", &err),
                     CAIRN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_format_to_iso),
        cmocka_unit_test(test_date_format_refused),
        cmocka_unit_test(test_date_format_explain),
        cmocka_unit_test(test_date_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
