/*
 * test_couple.c - pairing partners' assessments and flagging divergence
 * and incongruent change.
 */
#include <gsl/gsl_errno.h>
#include <math.h>

#include "helpers.h"

static void test_couple_pairs_within_14_days(void **state)
{
    (void)state;
    fixture fa = {0}, fb = {0};
    add(&fa, "phq9", "2026-01-05", 16, 0);
    add(&fa, "phq9", "2026-02-02", 12, 0);
    add(&fa, "phq9", "2026-03-02", 8, 0);
    add(&fb, "phq9", "2026-01-09", 12, 0);  /* 4 days after */
    add(&fb, "phq9", "2026-02-25", 11, 0);  /* 23 days: no pair for 02-02 */
    add(&fb, "phq9", "2026-03-03", 18, 0);
    cairn_trend *a = trend(&fa, "phq9", NULL, NULL, NULL);
    cairn_trend *b = trend(&fb, "phq9", NULL, NULL, NULL);
    cairn_couple *c = NULL;
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, NULL), 0);
    assert_int_equal(c->n_pairs, 2);
    assert_true(c->pairs[0].difference == 4 && c->pairs[0].days_apart == 4);
    /* 03-02 pairs with the nearest, 03-03, not 02-25 */
    assert_true(c->pairs[1].b->score == 18);
    assert_true(c->pairs[1].difference == -10);
    /* PHQ-9 reliable difference 5.6: the latest pair diverges */
    assert_true(c->has_reliable_difference);
    assert_true(c->pairs[1].diverges && !c->pairs[0].diverges);
    assert_true(c->diverging);
    /* a improved 16 -> 8 reliably, b worsened 12 -> 18 reliably */
    assert_true(c->incongruent);
    assert_non_null(strstr(c->reason, "reliably deteriorated"));
    cairn_couple_free(c);
    cairn_trend_free(a);
    cairn_trend_free(b);
}

static void test_couple_congruent_and_unpaired(void **state)
{
    (void)state;
    fixture fa = {0}, fb = {0};
    add(&fa, "phq9", "2026-01-05", 16, 0);
    add(&fa, "phq9", "2026-03-02", 9, 0);
    add(&fb, "phq9", "2026-04-01", 14, 0);
    cairn_trend *a = trend(&fa, "phq9", NULL, NULL, NULL);
    cairn_trend *b = trend(&fb, "phq9", NULL, NULL, NULL);
    cairn_couple *c = NULL;
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, NULL), 0);
    assert_int_equal(c->n_pairs, 0);
    assert_false(c->diverging || c->incongruent);
    assert_string_equal(c->reason, "");
    cairn_couple_free(c);
    cairn_couple_free(NULL);
    cairn_trend_free(b);
    fixture fg = {0};
    add(&fg, "gad7", "2026-01-05", 16, 0);
    b = trend(&fg, "gad7", NULL, NULL, NULL);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "partners' trends are on different "
                                     "scales (phq9 total and gad7 total)");
    cairn_trend_free(a);
    cairn_trend_free(b);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_couple_pairs_within_14_days),
        cmocka_unit_test(test_couple_congruent_and_unpaired),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
