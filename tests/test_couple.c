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
    add(&fb, "phq9", "2026-01-09", 12, 0); /* 4 days after */
    add(&fb, "phq9", "2026-02-25", 11, 0); /* 23 days: no pair for 02-02 */
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

/* Where divergence or incongruence cannot be judged the comparison says
 * so (judged = false) instead of a false "no". */
static void test_couple_not_judged_is_not_false(void **state)
{
    (void)state;
    fixture fa = {0}, fb = {0}, fc = {0}, fd = {0};
    /* WHO-5 has no reliable-change parameters */
    add(&fa, "who5", "2026-01-05", 10, 0);
    add(&fa, "who5", "2026-02-02", 20, 0);
    add(&fb, "who5", "2026-01-06", 12, 0);
    add(&fb, "who5", "2026-02-03", 5, 0);
    cairn_trend *a = trend(&fa, "who5", NULL, NULL, NULL);
    cairn_trend *b = trend(&fb, "who5", NULL, NULL, NULL);
    cairn_couple *c = NULL;
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, NULL), 0);
    assert_int_equal(c->n_pairs, 2);
    assert_false(c->has_reliable_difference);
    assert_false(c->diverging_judged);
    assert_false(c->incongruent_judged);
    cairn_couple_free(c);
    cairn_trend_free(a);
    cairn_trend_free(b);
    /* PHQ-9: one partner has a single score (no reliable change) and
     * improved partner: incongruence unknown; pairs judged */
    add(&fc, "phq9", "2026-01-05", 16, 0);
    add(&fc, "phq9", "2026-03-02", 8, 0);
    add(&fd, "phq9", "2026-03-03", 10, 0);
    a = trend(&fc, "phq9", NULL, NULL, NULL);
    b = trend(&fd, "phq9", NULL, NULL, NULL);
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, NULL), 0);
    assert_true(c->diverging_judged && !c->diverging);
    assert_false(c->incongruent_judged);
    cairn_couple_free(c);
    cairn_trend_free(a);
    cairn_trend_free(b);
    /* one partner without reliable change rules incongruence out */
    fixture fe = {0};
    add(&fe, "phq9", "2026-01-05", 12, 0);
    add(&fe, "phq9", "2026-03-02", 11, 0);
    a = trend(&fe, "phq9", NULL, NULL, NULL);
    b = trend(&fd, "phq9", NULL, NULL, NULL);
    assert_int_equal(cairn_couple_compare(&c, a, b, 0, NULL), 0);
    assert_true(c->incongruent_judged && !c->incongruent);
    cairn_couple_free(c);
    cairn_trend_free(a);
    cairn_trend_free(b);
}

static void test_couple_view_of_a_store(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_couple_view *v = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    test_client(st, "S01", NULL, NULL);
    test_client(st, "J01", NULL, "S01");
    test_client(st, "L01", NULL, NULL);
    test_phq9(st, "S01", "2026-01-05", 16, false);
    test_phq9(st, "S01", "2026-03-02", 8, false);
    test_phq9(st, "J01", "2026-01-09", 12, false);
    test_phq9(st, "J01", "2026-03-03", 18, false);
    int gad[7] = {1, 1, 1, 1, 1, 1, 1};
    test_record(st, "S01", "2026-01-05", "gad7", gad, 7); /* J01 has none */
    assert_int_equal(
        cairn_couple_view_compute(&v, st, test_catalog(), "J01", NULL, &err),
        0);
    assert_string_equal(v->a->code, "J01");
    assert_string_equal(v->b->code, "S01");
    assert_int_equal(v->n, 1); /* only the PHQ-9 is shared */
    assert_string_equal(cairn_instrument_code(v->shared[0].instrument), "phq9");
    const cairn_couple *c = v->shared[0].couple;
    assert_int_equal(c->n_pairs, 2);
    assert_true(c->pairs[1].difference == 10); /* J01 18 - S01 8 */
    assert_true(c->diverging && c->incongruent);
    assert_string_equal(c->a->client, "J01");
    cairn_couple_view_free(v);
    assert_int_equal(
        cairn_couple_view_compute(&v, st, test_catalog(), "L01", NULL, &err),
        CAIRN_ENOTFOUND);
    assert_null(v);
    assert_string_equal(err.message, "client 'L01' has no linked partner");
    cairn_couple_view_free(NULL);
    test_store_done(st, dir);
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
        cmocka_unit_test(test_couple_not_judged_is_not_false),
        cmocka_unit_test(test_couple_view_of_a_store),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
