/*
 * test_stats.c - change statistics against hand-computed values, and the
 * edge cases: one point, two points, identical scores, no variation in
 * time, higher-is-better scales, clients who were never a case.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "helpers.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

static void test_stats_slope_hand_computed(void **state)
{
    (void)state;
    /* t 0..3, y 10 8 7 3: b = -11/5, a = 10.3, residual SS 1.8,
     * se = sqrt(0.9/5), t(0.975, 2) = 4.302653 */
    double t[] = {0, 1, 2, 3}, y[] = {10, 8, 7, 3};
    cairn_slope s;
    assert_int_equal(cairn_stats_slope(&s, t, y, 4, NULL), 0);
    assert_true(s.has_estimate && s.has_interval);
    NEAR(s.estimate, -2.2, 1e-12);
    NEAR(s.intercept, 10.3, 1e-12);
    NEAR(s.se, sqrt(0.18), 1e-12);
    NEAR(s.ci_low, -2.2 - 4.302653 * sqrt(0.18), 1e-5);
    NEAR(s.ci_high, -2.2 + 4.302653 * sqrt(0.18), 1e-5);
}

static void test_stats_slope_edge_cases(void **state)
{
    (void)state;
    double t[] = {0, 1, 2}, y[] = {12, 12, 12}, same_t[] = {2, 2, 2};
    cairn_slope s;
    assert_int_equal(cairn_stats_slope(&s, t, y, 1, NULL), 0);
    assert_false(s.has_estimate);
    assert_int_equal(cairn_stats_slope(&s, t, y, 2, NULL), 0);
    assert_true(s.has_estimate);
    assert_false(s.has_interval);
    /* identical scores: a flat line known exactly */
    assert_int_equal(cairn_stats_slope(&s, t, y, 3, NULL), 0);
    assert_true(s.has_interval);
    NEAR(s.estimate, 0, 1e-12);
    NEAR(s.se, 0, 1e-12);
    /* every assessment on the same day: no slope */
    assert_int_equal(cairn_stats_slope(&s, same_t, y, 3, NULL), 0);
    assert_false(s.has_estimate);
    double bad[] = {1, NAN, 2};
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_stats_slope(&s, t, bad, 3, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "slope: point 2 is not a finite number");
}

static void test_stats_slope_keeps_quantiles(void **state)
{
    (void)state;
    double t[] = {0, 1, 2, 3}, y[] = {10, 8, 7, 3}, tq[3] = {0};
    cairn_slope plain, kept;
    assert_int_equal(cairn_stats_slope(&plain, t, y, 4, NULL), 0);
    assert_int_equal(cairn_stats_slope_tq(&kept, t, y, 4, tq, 3, NULL), 0);
    /* the same interval, and the quantile kept under its 2 df */
    assert_memory_equal(&plain, &kept, sizeof plain);
    assert_true(tq[2] == gsl_cdf_tdist_Pinv(0.975, 2));
    assert_true(tq[0] == 0 && tq[1] == 0);
    /* the next slope of 2 df reads it from there */
    tq[2] = 1;
    assert_int_equal(cairn_stats_slope_tq(&kept, t, y, 4, tq, 3, NULL), 0);
    NEAR(kept.ci_low, -2.2 - sqrt(0.18), 1e-12);
    /* df beyond the table: computed, nothing kept */
    tq[2] = 0;
    assert_int_equal(cairn_stats_slope_tq(&kept, t, y, 4, tq, 2, NULL), 0);
    assert_memory_equal(&plain, &kept, sizeof plain);
    assert_true(tq[2] == 0);
}

static void test_stats_rci_jacobson_truax(void **state)
{
    (void)state;
    cairn_rci r;
    /* PHQ-9 SD 6.1, alpha 0.89: S_diff 2.86115, threshold 5.60786 */
    assert_int_equal(
        cairn_stats_rci(&r, 18, 12, 6.1, 0.89, CAIRN_HIGHER_IS_WORSE, NULL), 0);
    NEAR(r.s_diff, 2.8611536, 1e-6);
    NEAR(r.threshold_points, 5.6078611, 1e-6);
    NEAR(r.value, -2.0970562, 1e-6);
    assert_int_equal(r.category, CAIRN_RC_IMPROVED);
    assert_int_equal(
        cairn_stats_rci(&r, 18, 13, 6.1, 0.89, CAIRN_HIGHER_IS_WORSE, NULL), 0);
    assert_int_equal(r.category, CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_int_equal(
        cairn_stats_rci(&r, 12, 18, 6.1, 0.89, CAIRN_HIGHER_IS_WORSE, NULL), 0);
    assert_int_equal(r.category, CAIRN_RC_DETERIORATED);
    /* identical scores */
    assert_int_equal(
        cairn_stats_rci(&r, 9, 9, 6.1, 0.89, CAIRN_HIGHER_IS_WORSE, NULL), 0);
    assert_int_equal(r.category, CAIRN_RC_NO_RELIABLE_CHANGE);
    NEAR(r.value, 0, 1e-12);
}

static void test_stats_rci_higher_is_better(void **state)
{
    (void)state;
    cairn_rci r;
    /* SD 4, r 0.8: S_diff = sqrt(2) 4 sqrt(0.2) = 2.529822 */
    assert_int_equal(
        cairn_stats_rci(&r, 8, 16, 4, 0.8, CAIRN_HIGHER_IS_BETTER, NULL), 0);
    NEAR(r.value, 8 / 2.5298221, 1e-6);
    assert_int_equal(r.category, CAIRN_RC_IMPROVED);
    assert_int_equal(
        cairn_stats_rci(&r, 16, 8, 4, 0.8, CAIRN_HIGHER_IS_BETTER, NULL), 0);
    assert_int_equal(r.category, CAIRN_RC_DETERIORATED);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_stats_rci(&r, 1, 2, 4, 1.0, CAIRN_HIGHER_IS_WORSE, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "reliable change: reliability 1 must be "
                                     "between 0 and 1");
    assert_int_equal(
        cairn_stats_rci(&r, 1, 2, 0, 0.5, CAIRN_HIGHER_IS_WORSE, &err),
        CAIRN_EINVAL);
}

static void test_stats_clinical_significance(void **state)
{
    (void)state;
    cairn_clinical c = cairn_stats_clinical(15, 8, 10, CAIRN_CASE_AT_OR_ABOVE,
                                            CAIRN_RC_IMPROVED);
    assert_true(c.case_at_baseline && !c.case_at_latest);
    assert_true(c.recovered && c.reliably_recovered);
    c = cairn_stats_clinical(15, 8, 10, CAIRN_CASE_AT_OR_ABOVE,
                             CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_true(c.recovered && !c.reliably_recovered);
    /* never a case: cannot recover */
    c = cairn_stats_clinical(9, 3, 10, CAIRN_CASE_AT_OR_ABOVE,
                             CAIRN_RC_IMPROVED);
    assert_false(c.case_at_baseline || c.recovered);
    /* the cut-off itself is a case */
    c = cairn_stats_clinical(10, 10, 10, CAIRN_CASE_AT_OR_ABOVE,
                             CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_true(c.case_at_baseline && c.case_at_latest && !c.recovered);
    /* WHO-5: raw below 13 is poor well-being */
    c = cairn_stats_clinical(8, 16, 13, CAIRN_CASE_BELOW, CAIRN_RC_IMPROVED);
    assert_true(c.case_at_baseline && c.recovered && c.reliably_recovered);
    c = cairn_stats_clinical(13, 20, 13, CAIRN_CASE_BELOW, CAIRN_RC_IMPROVED);
    assert_false(c.case_at_baseline);
}

static void test_stats_nhs_talking_therapies(void **state)
{
    (void)state;
    cairn_nhstt_measure phq = {15, 8, 10, 6}, gad = {10, 7, 8, 4};
    cairn_nhstt o = cairn_stats_nhstt(&phq, &gad);
    assert_true(o.at_caseness && o.recovered && o.reliable_improvement);
    assert_true(o.reliable_recovery && !o.reliable_deterioration);
    /* PHQ-9 reliably better, GAD-7 reliably worse: no improvement */
    cairn_nhstt_measure gad_worse = {6, 11, 8, 4};
    o = cairn_stats_nhstt(&phq, &gad_worse);
    assert_false(o.reliable_improvement);
    assert_true(o.reliable_deterioration);
    assert_false(o.recovered);
    /* exactly the reliable-change value counts (>= 6) */
    cairn_nhstt_measure phq6 = {16, 10, 10, 6}, gad_same = {5, 5, 8, 4};
    o = cairn_stats_nhstt(&phq6, &gad_same);
    assert_true(o.reliable_improvement);
    assert_false(o.recovered); /* still a case on PHQ-9 at 10 */
    /* not at caseness at first contact */
    cairn_nhstt_measure phq_low = {9, 2, 10, 6}, gad_low = {7, 1, 8, 4};
    o = cairn_stats_nhstt(&phq_low, &gad_low);
    assert_false(o.at_caseness || o.recovered || o.reliable_recovery);
    assert_true(o.reliable_improvement);
}

static void test_stats_cohort_effect_sizes(void **state)
{
    (void)state;
    double b[] = {10, 12, 14, 16}, l[] = {6, 9, 8, 13};
    cairn_moments m = {0};
    for (int i = 0; i < 4; i++) {
        cairn_moments_add(&m, b[i], l[i]);
    }
    cairn_cohort_change c;
    assert_int_equal(cairn_stats_cohort_change(&c, &m, NULL), 0);
    NEAR(c.baseline_mean, 13, 1e-12);
    NEAR(c.latest_mean, 9, 1e-12);
    NEAR(c.change_mean, -4, 1e-12);
    NEAR(c.baseline_sd, sqrt(20.0 / 3), 1e-12);
    NEAR(c.change_sd, sqrt(2.0), 1e-12);
    NEAR(c.r, 20 / sqrt(20.0 * 26), 1e-12);
    /* d = -4 / 2.58199 = -1.549193; var = 2(1-r)/4 + d^2/8 */
    NEAR(c.d.value, -4 / sqrt(20.0 / 3), 1e-12);
    double vd = 2 * (1 - c.r) / 4 + 2.4 / 8;
    NEAR(c.d.se, sqrt(vd), 1e-12);
    NEAR(c.d.ci_low, c.d.value - 1.959964 * sqrt(vd), 1e-5);
    /* d_z = -4 / sqrt(2); var = 1/4 + 8/8 = 1.25 */
    NEAR(c.d_z.value, -2.8284271, 1e-6);
    NEAR(c.d_z.se, sqrt(1.25), 1e-12);
    NEAR(c.d_z.ci_high, -2.8284271 + 1.959964 * sqrt(1.25), 1e-5);
}

static void test_stats_cohort_merges_exactly(void **state)
{
    (void)state;
    cairn_moments all = {0}, a = {0}, b = {0};
    for (int i = 0; i < 50; i++) {
        double base = 5 + (i * 7) % 20, last = (i * 3) % 15;
        cairn_moments_add(&all, base, last);
        cairn_moments_add(i % 3 ? &a : &b, base, last);
    }
    cairn_moments_merge(&a, &b);
    cairn_cohort_change x, y;
    assert_int_equal(cairn_stats_cohort_change(&x, &all, NULL), 0);
    assert_int_equal(cairn_stats_cohort_change(&y, &a, NULL), 0);
    assert_true(x.d.value == y.d.value && x.d_z.value == y.d_z.value);
    assert_true(x.change_sd == y.change_sd);
}

static void test_stats_cohort_edge_cases(void **state)
{
    (void)state;
    cairn_moments m = {0};
    cairn_cohort_change c;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_stats_cohort_change(&c, &m, &err), CAIRN_EINVAL);
    cairn_moments_add(&m, 12, 8);
    assert_int_equal(cairn_stats_cohort_change(&c, &m, NULL), 0);
    assert_false(c.d.has_value || c.d_z.has_value);
    NEAR(c.change_mean, -4, 1e-12);
    /* everybody changed by the same amount: no d_z */
    cairn_moments_add(&m, 14, 10);
    assert_int_equal(cairn_stats_cohort_change(&c, &m, NULL), 0);
    assert_true(c.d.has_value);
    assert_false(c.d_z.has_value);
}

static void test_stats_cronbach_alpha(void **state)
{
    (void)state;
    double rows[5][3] = {{1, 1, 2}, {2, 2, 2}, {3, 2, 3}, {4, 4, 4}, {2, 3, 1}};
    cairn_item_moments m;
    cairn_item_moments_init(&m, 3);
    for (int i = 0; i < 5; i++) {
        cairn_item_moments_add(&m, rows[i]);
    }
    double alpha = 0;
    assert_int_equal(cairn_stats_alpha(&alpha, &m, NULL), 0);
    NEAR(alpha, 0.8641304347826085, 1e-12); /* k/(k-1)(1 - 5.3/18.4) */
    cairn_item_moments one;
    cairn_item_moments_init(&one, 3);
    cairn_item_moments_add(&one, rows[0]);
    assert_int_equal(cairn_stats_alpha(&alpha, &one, NULL), CAIRN_ESTATS);
}

static void test_stats_params_from_definition_and_overrides(void **state)
{
    (void)state;
    const cairn_scale *phq = cairn_instrument_scale(test_instrument("phq9"), 0);
    const cairn_scale *who = cairn_instrument_scale(test_instrument("who5"), 0);
    const cairn_scale *pgs =
        cairn_instrument_scale(test_instrument("pgs33"), 0);
    cairn_change_params p;
    assert_int_equal(cairn_stats_params(&p, phq, NULL, NULL), 0);
    assert_true(p.has_rc && p.sd == 6.1 && p.reliability == 0.89);
    assert_true(p.has_cutoff && p.cutoff == 10);
    assert_int_equal(p.case_when, CAIRN_CASE_AT_OR_ABOVE);
    cairn_param_overrides o = {.has_sd = true, .sd = 5};
    assert_int_equal(cairn_stats_params(&p, phq, &o, NULL), 0);
    assert_true(p.sd == 5 && p.reliability == 0.89);
    /* PGS-33 publishes neither: an SD alone is not enough */
    assert_int_equal(cairn_stats_params(&p, pgs, &o, NULL), 0);
    assert_false(p.has_rc || p.has_cutoff);
    o.has_reliability = true;
    o.reliability = 0.9;
    o.has_cutoff = true;
    o.cutoff = 90;
    assert_int_equal(cairn_stats_params(&p, pgs, &o, NULL), 0);
    assert_true(p.has_rc && p.has_cutoff);
    assert_int_equal(p.case_when, CAIRN_CASE_AT_OR_ABOVE);
    /* higher is better: an override cut-off means "below" */
    cairn_param_overrides w = {.has_cutoff = true, .cutoff = 10};
    assert_int_equal(cairn_stats_params(&p, who, &w, NULL), 0);
    assert_int_equal(p.case_when, CAIRN_CASE_BELOW);
    cairn_error err = CAIRN_ERROR_INIT;
    o.reliability = 1;
    assert_int_equal(cairn_stats_params(&p, pgs, &o, &err), CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "reliability must be between 0 and 1, not 1");
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* Hedges' g beside d, against metafor's published SMCR test values
 * (wviechtb/metafor tests/testthat/test_analysis_example_morris2008.r:
 * escalc(measure = "SMCR", m1i = post, m2i = pre, sd1i = sd_pre, ni, ri),
 * treatment and control rows; yi and vi to 4 decimals).  The n = 9 and
 * n = 10 rows tell the exact c(m) from the approximation 1 - 3/(4m - 1).
 */
static void test_stats_smcr_matches_metafor(void **state)
{
    (void)state;
    static const struct {
        double pre, post, sd, n, r, yi, vi;
    } rows[] = {
        {30.6, 38.5, 15.0, 20, .47, 0.5056, 0.0594},
        {23.5, 26.8, 3.1, 50, .64, 1.0481, 0.0254},
        {0.5, 0.7, 0.1, 9, .77, 1.8054, 0.2322},
        {53.4, 75.9, 14.5, 10, .89, 1.4181, 0.1225},
        {35.6, 36.0, 4.7, 14, .44, 0.0801, 0.0802},
        {23.1, 19.7, 13.8, 20, .47, -0.2365, 0.0544},
        {24.9, 25.3, 4.1, 42, .64, 0.0958, 0.0173},
        {0.6, 0.6, 0.2, 9, .77, 0.0000, 0.0511},
        {55.7, 60.7, 17.3, 11, .89, 0.2667, 0.0232},
        {34.8, 33.4, 3.1, 14, .44, -0.4250, 0.0864},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cairn_effect d, g;
        cairn_stats_smcr(&d, &g, rows[i].pre, rows[i].post, rows[i].sd,
                         rows[i].n, rows[i].r);
        assert_true(d.has_value && g.has_value);
        if (fabs(g.value - rows[i].yi) > 5e-5 ||
            fabs(g.se * g.se - rows[i].vi) > 5e-5) {
            fail_msg("row %zu: g %.5f vi %.5f, metafor %.4f %.4f", i + 1,
                     g.value, g.se * g.se, rows[i].yi, rows[i].vi);
        }
        NEAR(d.value, (rows[i].post - rows[i].pre) / rows[i].sd, 1e-12);
        NEAR(g.ci_low, g.value - 1.959963985 * g.se, 1e-8);
    }
    /* the row: d is 0.527, g 0.5056 */
    cairn_effect d, g;
    cairn_stats_smcr(&d, &g, 30.6, 38.5, 15, 20, .47);
    NEAR(d.value, 0.526667, 1e-6);
    /* c(m) is undefined for m <= 1 (n = 2), as in metafor */
    cairn_stats_smcr(&d, &g, 1, 2, 1, 2, .5);
    assert_true(d.has_value);
    assert_false(g.has_value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_slope_hand_computed),
        cmocka_unit_test(test_stats_slope_edge_cases),
        cmocka_unit_test(test_stats_slope_keeps_quantiles),
        cmocka_unit_test(test_stats_rci_jacobson_truax),
        cmocka_unit_test(test_stats_rci_higher_is_better),
        cmocka_unit_test(test_stats_clinical_significance),
        cmocka_unit_test(test_stats_nhs_talking_therapies),
        cmocka_unit_test(test_stats_cohort_effect_sizes),
        cmocka_unit_test(test_stats_cohort_merges_exactly),
        cmocka_unit_test(test_stats_cohort_edge_cases),
        cmocka_unit_test(test_stats_cronbach_alpha),
        cmocka_unit_test(test_stats_params_from_definition_and_overrides),
        cmocka_unit_test(test_stats_smcr_matches_metafor),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
