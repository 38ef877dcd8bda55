/*
 * test_date.c - the one date parser and the calendar arithmetic.
 */
#include "helpers.h"

#include "cairn/date.h"

static void parses(const char *in, const char *want)
{
    cairn_date d;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_date_parse(&d, in, strlen(in), &err) != CAIRN_OK) {
        fail_msg("%s: %s", in, err.message);
    }
    assert_string_equal(d.text, want);
}

static void refuses(const char *in)
{
    cairn_date d;
    cairn_error err = CAIRN_ERROR_INIT;
    char want[80];
    assert_int_equal(cairn_date_parse(&d, in, strlen(in), &err), CAIRN_EINVAL);
    snprintf(want, sizeof want, "'%s' is not a date", in);
    assert_string_equal(err.message, want);
}

static void test_date_accepted_forms(void **state)
{
    (void)state;
    parses("2026-02-28", "2026-02-28");
    parses("2024-02-29", "2024-02-29");
    parses("2026-03-01T09:30:00Z", "2026-03-01T09:30:00Z");
    parses("2026-03-01t09:30z", "2026-03-01T09:30:00Z");
    parses("2026-03-01 09:30:15", "2026-03-01T09:30:15Z");
    parses("2026-03-01T01:30:00+02:00", "2026-02-28T23:30:00Z");
    parses("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z");
}

static void test_date_refused_forms(void **state)
{
    (void)state;
    refuses("2026-02-29");
    refuses("1900-02-29");
    refuses("2026-13-01");
    refuses("2026-00-10");
    refuses("2026-04-31");
    refuses("26-01-01");
    refuses("2026/01/01");
    refuses("2026-01-01x");
    refuses("2026-01-01T24:00");
    refuses("2026-01-01T10:00+15:00");
    refuses("");
}

/* cairn_date_days() takes a short way for plain dates: it agrees with
 * cairn_date_parse() on every day of 1899-2101 and refuses what it
 * refuses. */
static void test_date_days_plain(void **state)
{
    (void)state;
    char buf[48];
    cairn_date d;
    double days = 0;
    for (int y = 1899; y <= 2101; y++) {
        for (int m = 0; m <= 13; m++) {
            for (int day = 0; day <= 32; day++) {
                snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, day);
                int ok = cairn_date_parse(&d, buf, strlen(buf), NULL);
                assert_int_equal(cairn_date_days(buf, &days, NULL), ok);
                assert_true(ok < 0 || days == (double)d.seconds / 86400.0);
            }
        }
    }
    const char *bad[] = {"2026-1-01",  "2026-01-1x", "2026+01-01",
                         "0000-01-01", "20a6-01-01", "2026-01-01 "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_true(cairn_date_days(bad[i], &days, NULL) < 0);
    }
    assert_true(cairn_date_days(NULL, &days, NULL) < 0);
}

static void test_date_arithmetic(void **state)
{
    (void)state;
    double days = 0, weeks = 0;
    char out[CAIRN_DATE_MAX];
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_date_days("1970-01-02", &days, NULL), 0);
    assert_true(days == 1);
    assert_int_equal(cairn_date_days("1970-01-01T12:00:00Z", &days, NULL), 0);
    assert_true(days == 0.5);
    assert_int_equal(
        cairn_date_days_between("2024-02-28", "2024-03-01", &days, NULL), 0);
    assert_true(days == 2); /* a leap year */
    assert_int_equal(
        cairn_date_weeks_between("2026-01-05", "2026-02-02", &weeks, NULL), 0);
    assert_true(weeks == 4);
    assert_int_equal(
        cairn_date_weeks_between("2026-02-02", "2026-01-05", &weeks, NULL), 0);
    assert_true(weeks == -4);
    assert_int_equal(cairn_date_add_weeks(out, "2026-12-21", 2, NULL), 0);
    assert_string_equal(out, "2027-01-04");
    assert_int_equal(
        cairn_date_add_weeks(out, "2026-03-09T10:00:00Z", -1.5, NULL), 0);
    assert_string_equal(out, "2026-02-26"); /* 10.5 days back: 11 */
    assert_int_equal(cairn_date_add_weeks(out, "2026-02-30", 1, &err),
                     CAIRN_EINVAL);
    cairn_date_from_days(out, 0);
    assert_string_equal(out, "1970-01-01");
    cairn_date_from_days(out, -1);
    assert_string_equal(out, "1969-12-31");
    cairn_date_from_days(out, cairn_date_days_from_civil(2100, 3, 1));
    assert_string_equal(out, "2100-03-01");
    cairn_date_now(out);
    assert_int_equal(strlen(out), 20);
    assert_int_equal(cairn_date_parse(&(cairn_date){0}, out, 20, NULL), 0);
}

static void test_date_day_month_forms(void **state)
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
        {"25/10/2026 14:30", CAIRN_DATE_DMY, "2026-10-25T14:30:00Z"},
        {"25/10/2026 14:30:05", CAIRN_DATE_DMY, "2026-10-25T14:30:05Z"},
        {"10/25/2026T09:05", CAIRN_DATE_MDY, "2026-10-25T09:05:00Z"},
        {"2026-10-25", CAIRN_DATE_ISO, "2026-10-25"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_date d;
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_date_parse_format(&d, cases[i].in,
                                                 strlen(cases[i].in),
                                                 cases[i].fmt, &err),
                         CAIRN_OK);
        assert_string_equal(d.text, cases[i].out);
    }
}

static void test_date_day_month_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "6-10-2026",          "06/10/26",  "06.10.2026",  "06/10/2026 14",
        "06/10/2026 1:2:3:4", "/10/2026",  "06/10/20267", "",
        "31/02/2026",         "29/02/2025"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cairn_date d;
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_date_parse_format(&d, bad[i], strlen(bad[i]),
                                                 CAIRN_DATE_DMY, &err),
                         CAIRN_EINVAL);
    }
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_date d;
    cairn_date_parse_format(&d, "6-10-2026", 9, CAIRN_DATE_DMY, &err);
    assert_string_equal(err.message, "'6-10-2026' is not written DD/MM/YYYY");
    cairn_date_parse_format(&d, "31/02/2026", 10, CAIRN_DATE_DMY, &err);
    assert_string_equal(err.message, "'31/02/2026' is not a date");
}

static void test_date_explain_non_iso(void **state)
{
    (void)state;
    char msg[400];
    assert_true(cairn_date_explain(msg, sizeof msg, "06/10/2026", 10));
    assert_string_equal(msg,
                        "'06/10/2026' is not an ISO date (YYYY-MM-DD) and can "
                        "be read two ways: 6 October 2026 (DD/MM/YYYY) or 10 "
                        "June 2026 (MM/DD/YYYY); say which date format the "
                        "file uses");
    assert_true(cairn_date_explain(msg, sizeof msg, "10/25/2026", 10));
    assert_string_equal(msg, "'10/25/2026' is not an ISO date (YYYY-MM-DD); "
                             "it reads as 25 October 2026 (MM/DD/YYYY): say "
                             "which date format the file uses");
    assert_true(cairn_date_explain(msg, sizeof msg, "05/05/2026", 10));
    assert_non_null(strstr(msg, "it reads as 5 May 2026"));
    assert_true(cairn_date_explain(msg, sizeof msg, "46301", 5));
    assert_non_null(strstr(msg, "(day 46301 is 2026-10-06)"));
    assert_true(cairn_date_explain(msg, sizeof msg, "46301.5", 7));
    assert_false(cairn_date_explain(msg, sizeof msg, "13/13/2026", 10));
    assert_false(cairn_date_explain(msg, sizeof msg, "yesterday", 9));
    assert_false(cairn_date_explain(msg, sizeof msg, "12", 2));
}

static void test_date_format_names(void **state)
{
    (void)state;
    cairn_date_format f = CAIRN_DATE_ISO;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_date_format_parse(&f, "dd.mm.yyyy", &err), CAIRN_OK);
    assert_int_equal(f, CAIRN_DATE_DMY_DOT);
    assert_string_equal(cairn_date_format_name(f), "DD.MM.YYYY");
    assert_int_equal(cairn_date_format_parse(&f, "YYYY/MM/DD", &err),
                     CAIRN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_accepted_forms),
        cmocka_unit_test(test_date_refused_forms),
        cmocka_unit_test(test_date_days_plain),
        cmocka_unit_test(test_date_arithmetic),
        cmocka_unit_test(test_date_day_month_forms),
        cmocka_unit_test(test_date_day_month_refused),
        cmocka_unit_test(test_date_explain_non_iso),
        cmocka_unit_test(test_date_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
