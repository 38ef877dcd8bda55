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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_accepted_forms),
        cmocka_unit_test(test_date_refused_forms),
        cmocka_unit_test(test_date_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
