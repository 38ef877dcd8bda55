/*
 * test_trend.c - a client's trend from hand-built assessment lists (no
 * database): baseline, change, slope, reliable and clinical change, the
 * time axes, overrides, the alerts, and the edge cases.
 */
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>

#include "helpers.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))
static bool has_alert(const cairn_trend *t, cairn_alert_kind k)
{
    for (size_t i = 0; i < t->n_alerts; i++) {
        if (t->alerts[i].kind == k) {
            return true;
        }
    }
    return false;
}

static void test_trend_phq9_course(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2026-01-05", 18, 0);
    add(&f, "phq9", "2026-01-12", 15, 0);
    add(&f, "phq9", "2026-01-19", 14, 0);
    add(&f, "phq9", "2026-02-02", 12, 0);
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    assert_int_equal(t->n, 4);
    assert_true(t->baseline.score == 18 && t->latest.score == 12);
    assert_true(t->change == -6 && t->weeks == 4);
    /* x 0 1 2 4, y 18 15 14 12: Sxy -12.25 / Sxx 8.75 */
    NEAR(t->slope.estimate, -1.4, 1e-12);
    assert_true(t->slope.has_interval);
    assert_true(t->has_rci);
    NEAR(t->rci.value, -2.0970562, 1e-6);
    assert_int_equal(t->rci.category, CAIRN_RC_IMPROVED);
    assert_true(t->has_clinical && t->clinical.case_at_baseline);
    assert_true(t->clinical.case_at_latest); /* 12 is still >= 10 */
    assert_false(t->clinical.recovered);
    assert_int_equal(t->n_alerts, 0);
    char *json = NULL;
    assert_int_equal(cairn_trend_to_json(t, &json, NULL), 0);
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "client")), "C1");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "baseline"), "score")),
                     18);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "rci"), "category")),
                        "improved");
    assert_non_null(
        json_object_get(json_object_get(j, "slope_per_week"), "ci95"));
    json_decref(j);
    free(json);
    cairn_trend_free(t);
}

static void test_trend_cache_gives_the_same_trend(void **state)
{
    (void)state;
    fixture a = {0}, b = {0};
    add(&a, "phq9", "2026-01-05", 18, 0);
    add(&a, "phq9", "2026-01-12", 15, 0);
    add(&a, "phq9", "2026-02-02", 12, 0);
    add(&b, "phq9", "2026-01-05", 9, 0);
    add(&b, "phq9", "2026-01-19", 16, 0);
    add(&b, "phq9", "2026-02-16", 21, 0);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.has_sd = true;
    o.sd = 5;
    cairn_trend_cache cache = {0};
    cairn_trend_options oc = o;
    oc.cache = &cache;
    cairn_trend *first = trend(&a, "phq9", &oc, NULL, NULL);
    assert_true(cache.has_params && cache.params.sd == 5);
    assert_true(cache.t975[1] > 0); /* three points: 1 df */
    /* two clients through one cache: each as without it */
    const fixture *fx[] = {&a, &b};
    for (size_t i = 0; i < 2; i++) {
        cairn_trend *with = trend((fixture *)fx[i], "phq9", &oc, NULL, NULL);
        cairn_trend *without = trend((fixture *)fx[i], "phq9", &o, NULL, NULL);
        assert_memory_equal(&with->slope, &without->slope, sizeof with->slope);
        assert_memory_equal(&with->rci, &without->rci, sizeof with->rci);
        assert_string_equal(with->rc_source, without->rc_source);
        assert_string_equal(with->cutoff_source, without->cutoff_source);
        assert_true(with->no_improvement_weeks ==
                    without->no_improvement_weeks);
        assert_string_equal(with->no_improvement_source,
                            without->no_improvement_source);
        assert_int_equal(with->n_alerts, without->n_alerts);
        cairn_trend_free(with);
        cairn_trend_free(without);
    }
    assert_true(cache.has_window && cache.window_weeks == 12);
    assert_string_equal(cache.window_source,
                        "project policy (default 12 weeks)");
    /* the cache is what a second trend reads */
    cache.params.sd = 50;
    snprintf(cache.window_source, sizeof cache.window_source, "cached");
    cairn_trend *read = trend(&b, "phq9", &oc, NULL, NULL);
    assert_int_equal(read->rci.category, CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_string_equal(read->no_improvement_source, "cached");
    cairn_trend_free(read);
    cairn_trend_free(first);
}

static void test_trend_one_assessment(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2026-03-01", 16, 0);
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    assert_true(t->has_baseline && t->n == 1);
    assert_false(t->slope.has_estimate || t->has_rci || t->has_clinical);
    char *json = NULL;
    assert_int_equal(cairn_trend_to_json(t, &json, NULL), 0);
    assert_non_null(strstr(json, "\"change\":null"));
    free(json);
    cairn_trend_free(t);
}

static void test_trend_identical_scores(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "gad7", "2026-01-01", 9, 0);
    add(&f, "gad7", "2026-01-08", 9, 0);
    add(&f, "gad7", "2026-01-15", 9, 0);
    cairn_trend *t = trend(&f, "gad7", NULL, NULL, NULL);
    NEAR(t->slope.estimate, 0, 1e-12);
    NEAR(t->slope.se, 0, 1e-12);
    assert_true(t->change == 0);
    /* GAD-7 has a published threshold (6 points): judged, unchanged */
    assert_true(t->has_rci && t->rci.from_points);
    assert_int_equal(t->rci.category, CAIRN_RC_NO_RELIABLE_CHANGE);
    cairn_trend_free(t);
}

/* Reliable change for the scales that have only a published threshold
 * (issue 10, point 8): EPDS 4 points (Matthey 2004), GAD-7 6 (Bischoff
 * 2020), PCL-5 15 (Marx 2022); deterioration alerts fire without any
 * option. */
static void test_trend_published_thresholds(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        double from, to, points;
    } cases[] = {{"epds", 8, 12, 4}, {"gad7", 5, 11, 6}, {"pcl5", 20, 35, 15}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f = {0};
        add(&f, cases[i].code, "2026-01-05", cases[i].from, 0);
        add(&f, cases[i].code, "2026-02-02", cases[i].to, 0);
        cairn_trend *t = trend(&f, cases[i].code, NULL, NULL, NULL);
        assert_true(t->has_rci && t->rci.from_points);
        NEAR(t->rci.threshold_points, cases[i].points, 1e-12);
        assert_int_equal(t->rci.category, CAIRN_RC_DETERIORATED);
        assert_true(has_alert(t, CAIRN_ALERT_DETERIORATION));
        cairn_trend_free(t);
        /* one point less is not reliable */
        f.scales[1][0].score = cases[i].to - 1;
        t = trend(&f, cases[i].code, NULL, NULL, NULL);
        assert_int_equal(t->rci.category, CAIRN_RC_NO_RELIABLE_CHANGE);
        cairn_trend_free(t);
    }
}

static void test_trend_missing_scores_and_risk(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2026-01-05", 20, 9);
    add(&f, "phq9", "2026-01-12", -1, 9); /* too many items missing */
    add(&f, "gad7", "2026-01-12", 12, 0); /* another instrument */
    add(&f, "phq9", "2026-01-19", 17, 0);
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    assert_int_equal(t->n_assessments, 3);
    assert_int_equal(t->n, 2);
    assert_true(t->latest.score == 17);
    /* both flagged assessments alert, the unscored one too, newest first */
    assert_int_equal(t->n_alerts, 2);
    assert_int_equal(t->alerts[0].kind, CAIRN_ALERT_RISK);
    assert_string_equal(t->alerts[0].key, "risk:2:9");
    assert_string_equal(t->alerts[1].key, "risk:1:9");
    assert_non_null(strstr(t->alerts[0].reason, "item 9"));
    cairn_trend_free(t);
}

/*
 * The trend keeps its own copies of the dates, bands and client code, so
 * the caseload can free each client's assessments as it goes: changing
 * the list's strings afterwards leaves the trend as it was.
 */
static void test_trend_owns_its_strings(void **state)
{
    (void)state;
    fixture f = {0};
    char d1[] = "2026-01-05", d2[] = "2026-01-19", code[] = "C1", band[] = "m";
    add(&f, "phq9", d1, 20, 9);
    add(&f, "phq9", d2, 12, 0);
    f.a[0].client_code = code;
    f.a[1].client_code = code;
    f.scales[1][0].band = band;
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    memset(d1, 'x', sizeof d1 - 1);
    memset(d2, 'x', sizeof d2 - 1);
    memset(code, 'x', sizeof code - 1);
    band[0] = 'x';
    assert_string_equal(t->client, "C1");
    assert_string_equal(t->points[0].date, "2026-01-05");
    assert_string_equal(t->baseline.date, "2026-01-05");
    assert_string_equal(t->latest.date, "2026-01-19");
    assert_string_equal(t->latest.band, "m");
    assert_true(t->n_alerts >= 1);
    assert_string_equal(t->alerts[t->n_alerts - 1].date, "2026-01-05");
    cairn_trend_free(t);
}

/* With borrow_texts the trend points at the list's texts (no copies)
 * and says all else it says without. */
static void test_trend_borrows_texts(void **state)
{
    (void)state;
    fixture f = {0};
    char d1[] = "2026-01-05", d2[] = "2026-01-19", code[] = "C1", band[] = "m";
    add(&f, "phq9", d1, 20, 9);
    add(&f, "phq9", d2, 12, 0);
    f.a[0].client_code = code;
    f.a[1].client_code = code;
    f.scales[1][0].band = band;
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    cairn_trend *own = trend(&f, "phq9", &o, NULL, NULL);
    o.borrow_texts = true;
    cairn_trend *t = trend(&f, "phq9", &o, NULL, NULL);
    assert_ptr_equal(t->client, code);
    assert_ptr_equal(t->points[0].date, d1);
    assert_ptr_equal(t->latest.date, d2);
    assert_ptr_equal(t->latest.band, band);
    assert_ptr_equal(t->alerts[t->n_alerts - 1].date, d1);
    char *a = NULL, *b = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_trend_to_json(own, &a, &err), 0);
    assert_int_equal(cairn_trend_to_json(t, &b, &err), 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    cairn_trend_free(t);
    cairn_trend_free(own);
}

static void test_trend_higher_is_better_with_overrides(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "who5", "2026-01-01", 8, 0);
    add(&f, "who5", "2026-02-01", 16, 0);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.has_sd = true;
    o.sd = 4;
    o.has_reliability = true;
    o.reliability = 0.8;
    cairn_trend *t = trend(&f, "who5", &o, NULL, NULL);
    assert_true(t->has_rci);
    assert_int_equal(t->rci.category, CAIRN_RC_IMPROVED);
    assert_string_equal(t->rc_source, "command line");
    /* raw below 13 is a case: 8 -> 16 recovered, reliably */
    assert_true(t->clinical.case_at_baseline && t->clinical.recovered);
    assert_true(t->clinical.reliably_recovered);
    cairn_trend_free(t);
    /* the percentage scale of the same assessments */
    o.scale = "percentage";
    o.sd = 16;
    t = trend(&f, "who5", &o, NULL, NULL);
    assert_true(t->baseline.score == 32 && t->latest.score == 64);
    assert_int_equal(t->rci.category, CAIRN_RC_IMPROVED);
    cairn_trend_free(t);
    o.scale = "nonsense";
    cairn_trend *bad = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_trend_compute(&bad, test_instrument("who5"), &f.list,
                                         NULL, &o, NULL, &err),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err.message, "who5 has no scale 'nonsense'");
}

static void test_trend_no_baseline_case(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2026-01-01", 8, 0);
    add(&f, "phq9", "2026-01-29", 1, 0);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.has_cutoff = true;
    o.cutoff = 12;
    cairn_trend *t = trend(&f, "phq9", &o, NULL, NULL);
    assert_false(t->clinical.case_at_baseline);
    assert_false(t->clinical.recovered || t->clinical.reliably_recovered);
    assert_true(t->cutoff == 12);
    assert_string_equal(t->cutoff_source, "command line");
    assert_int_equal(t->rci.category, CAIRN_RC_IMPROVED);
    cairn_trend_free(t);
}

static void test_trend_deterioration_and_no_improvement(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2026-01-01", 8, 0);
    add(&f, "phq9", "2026-02-05", 15, 0);
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    assert_int_equal(t->rci.category, CAIRN_RC_DETERIORATED);
    assert_true(has_alert(t, CAIRN_ALERT_DETERIORATION));
    assert_false(has_alert(t, CAIRN_ALERT_NO_IMPROVEMENT)); /* 5 weeks */
    cairn_trend_free(t);
    fixture g = {0};
    add(&g, "phq9", "2026-01-01", 14, 0);
    add(&g, "phq9", "2026-03-26", 12, 0); /* 12 weeks later */
    t = trend(&g, "phq9", NULL, NULL, NULL);
    assert_true(has_alert(t, CAIRN_ALERT_NO_IMPROVEMENT));
    assert_string_equal(t->alerts[0].key, "no_improvement:2");
    cairn_trend_free(t);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.no_improvement_weeks = 16;
    t = trend(&g, "phq9", &o, NULL, NULL);
    assert_false(has_alert(t, CAIRN_ALERT_NO_IMPROVEMENT));
    cairn_trend_free(t);
}

static void test_trend_expectation_band(void **state)
{
    (void)state;
    cairn_expectation e = {true, 30, 20, 15, -0.5, 16, 0.04, -0.2, 9};
    double m, lo, hi;
    assert_true(cairn_expectation_band(&e, 20, 10, &m, &lo, &hi));
    /* var0 25, cov 14, varw 25: mean 10 + 14/25 x 5 = 12.8,
     * var 25 - 196/25 = 17.16, z(0.95) = 1.644854 */
    NEAR(m, 12.8, 1e-12);
    NEAR(hi, 12.8 + 1.6448536 * sqrt(17.16), 1e-6);
    NEAR(lo, 12.8 - 1.6448536 * sqrt(17.16), 1e-6);
    e.available = false;
    assert_false(cairn_expectation_band(&e, 20, 10, &m, &lo, &hi));
}

static void test_trend_off_track(void **state)
{
    (void)state;
    cairn_expectation e = {true, 30, 20, 15, -0.5, 16, 0.04, -0.2, 9};
    fixture f = {0};
    add(&f, "phq9", "2026-01-01", 20, 0);
    add(&f, "phq9", "2026-01-29", 20, 0);
    add(&f, "phq9", "2026-03-12", 21, 0); /* week 10: band high 19.61 */
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, &e);
    assert_true(t->expectation_checked);
    assert_true(has_alert(t, CAIRN_ALERT_OFF_TRACK));
    cairn_trend_free(t);
    /* the same course with only two assessments is not judged */
    f.list.n = 2;
    t = trend(&f, "phq9", NULL, NULL, &e);
    assert_false(t->expectation_checked);
    cairn_trend_free(t);
    /* nor when the clinic has too few clients */
    f.list.n = 3;
    e.available = false;
    t = trend(&f, "phq9", NULL, NULL, &e);
    assert_false(t->expectation_checked);
    assert_false(has_alert(t, CAIRN_ALERT_OFF_TRACK));
    cairn_trend_free(t);
}

static void test_trend_since_loss_axis(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "pgs33", "2026-01-05", 120, 0);
    add(&f, "pgs33", "2026-01-19", 110, 0);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.axis = CAIRN_TIME_SINCE_LOSS;
    cairn_trend *t = trend(&f, "pgs33", &o, "2025-12-29", NULL);
    assert_int_equal(t->axis, CAIRN_TIME_SINCE_LOSS);
    NEAR(t->points[0].weeks, 1, 1e-12);
    NEAR(t->points[1].weeks, 3, 1e-12);
    NEAR(t->slope.estimate, -5, 1e-12);
    cairn_trend_free(t);
    t = trend(&f, "pgs33", &o, NULL, NULL);
    assert_true(t->axis_fallback);
    NEAR(t->points[0].weeks, 0, 1e-12);
    cairn_trend_free(t);
}

static void test_trend_dates(void **state)
{
    (void)state;
    double d = 0;
    assert_int_equal(cairn_trend_date_days("1970-01-02", &d, NULL), 0);
    NEAR(d, 1, 1e-12);
    assert_int_equal(cairn_trend_date_days("2000-03-01T12:00:00Z", &d, NULL),
                     0);
    NEAR(d, 11017.5, 1e-9);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_trend_date_days("2026-02-30", &d, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message, "'2026-02-30' is not a date");
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* A risk item left blank raises its own alert (issue 10, point 6), and a
 * scale without reliable-change values leaves "reliably recovered"
 * undefined (null), never false (point 3). */
static void test_trend_unanswered_risk_and_undefined_recovery(void **state)
{
    (void)state;
    fixture f = {0};
    static int codes[9] = {1, 1, 1, 1, 1, 1, 1, 1, 0};
    static bool missing[9] = {false, false, false, false, false,
                              false, false, false, true};
    add(&f, "phq9", "2026-01-05", 9, 0);
    f.a[0].n_items = 9;
    f.a[0].codes = codes;
    f.a[0].missing = missing;
    cairn_trend *t = trend(&f, "phq9", NULL, NULL, NULL);
    assert_int_equal(t->n_alerts, 1);
    assert_int_equal(t->alerts[0].kind, CAIRN_ALERT_RISK_UNANSWERED);
    assert_int_equal(t->alerts[0].item, 9);
    assert_string_equal(t->alerts[0].key, "risk_unanswered:1:9");
    assert_non_null(strstr(t->alerts[0].reason, "was not answered"));
    cairn_trend_free(t);

    fixture g = {0};
    add(&g, "pg13r", "2026-01-05", 40, 0);
    add(&g, "pg13r", "2026-03-05", 20, 0);
    t = trend(&g, "pg13r", NULL, NULL, NULL);
    assert_false(t->has_rci);
    assert_true(t->has_clinical && t->clinical.recovered);
    char *json = NULL;
    assert_int_equal(cairn_trend_to_json(t, &json, NULL), 0);
    assert_non_null(strstr(json, "\"reliably_recovered\":null"));
    free(json);
    cairn_trend_free(t);
}

/* Change statistics use the current episode of care by default; the
 * others on request (issue 10, point 1). */
static void test_trend_episodes(void **state)
{
    (void)state;
    fixture f = {0};
    add(&f, "phq9", "2023-01-10", 20, 0);
    add(&f, "phq9", "2023-04-10", 20, 0);
    add(&f, "phq9", "2023-08-01", 16, 0); /* between episodes: in none */
    add(&f, "phq9", "2024-01-10", 10, 0);
    add(&f, "phq9", "2024-04-10", 17, 0);
    cairn_episode eps[2] = {{1, "2023-01-01", "2023-04-30"},
                            {2, "2024-01-01", NULL}};
    cairn_episode_list list = {2, eps};
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    o.episodes = &list;
    cairn_trend *t = trend(&f, "phq9", &o, NULL, NULL);
    assert_int_equal(t->episode, 2);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->n_outside, 3);
    assert_true(t->baseline.score == 10 && t->latest.score == 17);
    assert_int_equal(t->rci.category, CAIRN_RC_DETERIORATED);
    assert_true(has_alert(t, CAIRN_ALERT_DETERIORATION));
    cairn_trend_free(t);
    o.episode = 1;
    t = trend(&f, "phq9", &o, NULL, NULL);
    assert_true(t->n == 2 && t->baseline.score == 20 && t->latest.score == 20);
    cairn_trend_free(t);
    o.episode = CAIRN_EPISODE_ALL;
    t = trend(&f, "phq9", &o, NULL, NULL);
    assert_int_equal(t->episode, 0);
    assert_true(t->n == 5 && t->baseline.score == 20 && t->latest.score == 17);
    assert_false(has_alert(t, CAIRN_ALERT_DETERIORATION));
    cairn_trend_free(t);
    o.episode = 3;
    cairn_trend *none = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_trend_compute(&none, test_instrument("phq9"),
                                         &f.list, NULL, &o, NULL, &err),
                     CAIRN_ENOTFOUND);
    assert_null(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trend_phq9_course),
        cmocka_unit_test(test_trend_one_assessment),
        cmocka_unit_test(test_trend_identical_scores),
        cmocka_unit_test(test_trend_missing_scores_and_risk),
        cmocka_unit_test(test_trend_owns_its_strings),
        cmocka_unit_test(test_trend_borrows_texts),
        cmocka_unit_test(test_trend_higher_is_better_with_overrides),
        cmocka_unit_test(test_trend_no_baseline_case),
        cmocka_unit_test(test_trend_deterioration_and_no_improvement),
        cmocka_unit_test(test_trend_expectation_band),
        cmocka_unit_test(test_trend_off_track),
        cmocka_unit_test(test_trend_since_loss_axis),
        cmocka_unit_test(test_trend_dates),
        cmocka_unit_test(test_trend_published_thresholds),
        cmocka_unit_test(test_trend_episodes),
        cmocka_unit_test(test_trend_cache_gives_the_same_trend),
        cmocka_unit_test(test_trend_unanswered_risk_and_undefined_recovery),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
