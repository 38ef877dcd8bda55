/*
 * test_due.c - questionnaires due again (cairn_due_compute): the median
 * interval rule, its order, a single assessment, one long gap, and
 * discharged clients left out.
 */
#define _DEFAULT_SOURCE
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"

#define TODAY "2026-03-20"

static void three(cairn_store *st, const char *code, const char *d1,
                  const char *d2, const char *d3)
{
    test_client(st, code, "dr.lee", NULL);
    test_phq9(st, code, d1, 12, false);
    if (d2 != NULL) {
        test_phq9(st, code, d2, 10, false);
    }
    if (d3 != NULL) {
        test_phq9(st, code, d3, 9, false);
    }
}

static void test_due_median_rule(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    cairn_due_list *d = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    /* every 14 days, last 50 days ago: due, 36 days over */
    three(st, "A", "2026-01-01", "2026-01-15", "2026-01-29");
    /* one assessment: no interval yet */
    three(st, "B", "2026-01-01", NULL, NULL);
    /* gaps 7 and 61: median 34, last 10 days ago: not due */
    three(st, "C", "2026-01-01", "2026-01-08", "2026-03-10");
    /* every 7 days, last 14 days ago: due, 7 over */
    three(st, "E", "2026-02-20", "2026-02-27", "2026-03-06");
    /* like A, but discharged */
    three(st, "D", "2026-01-01", "2026-01-15", "2026-01-29");
    assert_int_equal(cairn_store_episode_add(st, "D", "2025-12-01", NULL, &err),
                     0);
    assert_int_equal(cairn_store_episode_set_end(st, "D", "2026-02-01", &err),
                     0);
    o.all = true;
    o.with_expectation = false;
    assert_int_equal(cairn_caseload_compute(&cl, st, test_catalog(), &o, &err),
                     0);
    assert_int_equal(cairn_due_compute(&d, cl, TODAY, &err), 0);
    assert_int_equal(d->n, 2);
    assert_string_equal(d->items[0].entry->client->code, "A");
    assert_string_equal(d->items[0].trend->instrument, "phq9");
    assert_true(d->items[0].interval_days == 14);
    assert_true(d->items[0].days_since == 50);
    assert_string_equal(d->items[1].entry->client->code, "E");
    assert_true(d->items[1].interval_days == 7);
    assert_true(d->items[1].days_since == 14);
    cairn_due_list_free(d);
    /* exactly the interval is not yet due */
    assert_int_equal(cairn_due_compute(&d, cl, "2026-03-13", &err), 0);
    for (size_t i = 0; i < d->n; i++) {
        assert_string_not_equal(d->items[i].entry->client->code, "E");
    }
    cairn_due_list_free(d);
    assert_int_equal(cairn_due_compute(&d, cl, "soon", &err), CAIRN_EINVAL);
    assert_null(d);
    assert_string_equal(err.message, "'soon' is not a date");
    cairn_due_list_free(NULL);
    cairn_caseload_free(cl);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_median_rule),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
