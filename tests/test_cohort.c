/*
 * test_cohort.c - cohort summaries from a real SQLite store: hand-computed
 * counts and effect sizes, filters, Cronbach's alpha, the growth model,
 * and exact merging of clinics' summaries (split one clinic in three).
 */
#include <gsl/gsl_errno.h>
#include <math.h>

#include "helpers.h"

#include "../engine/src/store_db.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

/* Four clients: baseline -> latest 10->6, 12->9, 14->8, 16->13 (PHQ-9),
 * with a middle assessment each; client D is another clinician's. */
static void fill(cairn_store *st)
{
    static const struct {
        const char *code, *clinician;
        int scores[3];
    } c[] = {{"A", "lee", {10, 8, 6}},
             {"B", "lee", {12, 12, 9}},
             {"C", "lee", {14, 10, 8}},
             {"D", "kim", {16, 15, 13}}};
    static const char *const dates[] = {"2026-01-05", "2026-01-19",
                                        "2026-02-02"};
    for (size_t i = 0; i < 4; i++) {
        test_client(st, c[i].code, c[i].clinician, NULL);
        for (size_t k = 0; k < 3; k++) {
            test_phq9(st, c[i].code, dates[k], c[i].scores[k], false);
        }
    }
}

static cairn_cohort_summary *summarize(cairn_store *st, const char *code,
                                       const cairn_cohort_options *o)
{
    cairn_cohort_summary *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_cohort_summarize(&s, st, test_instrument(code), o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return s;
}

static void test_cohort_hand_computed(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_cohort_summary *s = summarize(st, "phq9", NULL);
    assert_true(s->n_clients == 4 && s->n_paired == 4);
    /* PHQ-9 SD 6.1, r 0.89: 5.61 points; only C's -6 is reliable */
    assert_true(s->rc_counts[CAIRN_RC_IMPROVED] == 1);
    assert_true(s->rc_counts[CAIRN_RC_NO_RELIABLE_CHANGE] == 3);
    assert_true(s->rc_counts[CAIRN_RC_DETERIORATED] == 0);
    /* all four start at >= 10; A, B, C end below 10; C reliably */
    assert_true(s->case_at_baseline == 4 && s->recovered == 3);
    assert_true(s->reliably_recovered == 1);
    assert_int_equal(s->n_groups, 4);
    /* bands minimal, mild, moderate, moderately severe, severe (PHQ-9):
     * baselines 10, 12, 14 moderate and 16 moderately severe; latest
     * 6, 9, 8 mild and 13 moderate */
    const double base[5] = {0, 0, 3, 1, 0}, latest[5] = {0, 3, 1, 0, 0};
    assert_int_equal(s->n_bands, 5);
    assert_memory_equal(s->band_baseline, base, sizeof base);
    assert_memory_equal(s->band_latest, latest, sizeof latest);
    cairn_cohort_result *r = NULL;
    assert_int_equal(cairn_cohort_compute(&r, s, NULL, NULL), 0);
    /* the same numbers as test_stats' hand computation */
    NEAR(r->change.baseline_mean, 13, 1e-12);
    NEAR(r->change.change_mean, -4, 1e-12);
    NEAR(r->change.d.value, -4 / sqrt(20.0 / 3), 1e-12);
    NEAR(r->change.d_z.value, -2.8284271, 1e-6);
    assert_non_null(r->model);
    assert_true(r->model->n_obs == 12 && r->model->n_groups == 4);
    char *json = NULL;
    assert_int_equal(cairn_cohort_to_json(r, &json, NULL), 0);
    assert_non_null(strstr(json, "\"n_clients\": 4"));
    assert_non_null(strstr(json, "\"reml_criterion\""));
    free(json);
    cairn_cohort_result_free(r);
    cairn_cohort_summary_free(s);
    test_store_done(st, dir);
}

static void test_cohort_filters(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    o.clinician = "lee";
    cairn_cohort_summary *s = summarize(st, "phq9", &o);
    assert_true(s->n_clients == 3);
    cairn_cohort_summary_free(s);
    /* from the second assessment on: baselines 8, 12, 10, 15 */
    o.clinician = NULL;
    o.from = "2026-01-10";
    s = summarize(st, "phq9", &o);
    assert_true(s->n_paired == 4);
    NEAR(s->moments.sb, 8 + 12 + 10 + 15, 1e-12);
    cairn_cohort_summary_free(s);
    /* up to the second: latest 8 mild, 12 and 10 moderate, 15
     * moderately severe (the latest counted, not the latest stored) */
    o.from = NULL;
    o.to = "2026-01-19";
    s = summarize(st, "phq9", &o);
    const double mid[5] = {0, 1, 2, 1, 0};
    assert_memory_equal(s->band_latest, mid, sizeof mid);
    cairn_cohort_summary_free(s);
    /* up to the first: one score each, nobody paired */
    o.from = NULL;
    o.to = "2026-01-05";
    s = summarize(st, "phq9", &o);
    assert_true(s->n_clients == 4 && s->n_paired == 0);
    cairn_cohort_result *r = NULL;
    assert_int_equal(cairn_cohort_compute(&r, s, NULL, NULL), 0);
    assert_false(r->has_change);
    assert_null(r->model);
    assert_true(strlen(r->model_note) > 0);
    cairn_cohort_result_free(r);
    cairn_cohort_summary_free(s);
    /* overrides */
    o.to = NULL;
    o.has_cutoff = true;
    o.cutoff = 13;
    s = summarize(st, "phq9", &o);
    assert_true(s->case_at_baseline == 2 && s->recovered == 1); /* C */
    cairn_cohort_summary_free(s);
    o.has_sd = true;
    o.sd = -1;
    cairn_cohort_summary *bad = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_cohort_summarize(&bad, st, test_instrument("phq9"), &o, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "reliable-change SD must be positive, not -1");
    /* nobody has a GAD-7 */
    s = summarize(st, "gad7", NULL);
    assert_int_equal(cairn_cohort_compute(&r, s, NULL, &err), CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "no client has a gad7 total score in this cohort");
    cairn_cohort_summary_free(s);
    test_store_done(st, dir);
}

/* Stored scores edited by hand: a band that is not text is refused
 * where it is read (a client's first and latest score), and so is a
 * score that is not a number, on any row. */
static void test_cohort_malformed_scores(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *phq9 = test_instrument("phq9");
    cairn_cohort_summary *s = NULL;
    /* A's latest (id 3): band 7 */
    assert_int_equal(sqlite3_exec(st->db,
                                  "DROP TRIGGER assessment_frozen;"
                                  " UPDATE assessment SET scores ="
                                  " '[[6,7,false]]' WHERE id = 3",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cairn_cohort_summarize(&s, st, phq9, NULL, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "assessment 3: stored scores are malformed");
    /* up to A's middle score, the edited row is not read */
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    o.to = "2026-01-19";
    assert_int_equal(cairn_cohort_summarize(&s, st, phq9, &o, &err), 0);
    cairn_cohort_summary_free(s);
    s = NULL;
    /* B's middle score (id 5) is not a number */
    assert_int_equal(sqlite3_exec(st->db,
                                  "UPDATE assessment SET scores ="
                                  " '[[6,\"mild\",false]]' WHERE id = 3;"
                                  " UPDATE assessment SET scores ="
                                  " '[[\"12\",\"moderate\",false]]'"
                                  " WHERE id = 5",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cairn_cohort_summarize(&s, st, phq9, NULL, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "assessment 5: stored scores are malformed");
    assert_null(s);
    test_store_done(st, dir);
}

/* One pass gives the summary and the members as the two calls do. */
static void test_cohort_summarize_members(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    o.clinician = "lee";
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *phq9 = test_instrument("phq9");
    cairn_cohort_summary *s = summarize(st, "phq9", &o), *both = NULL;
    int64_t *ids = NULL, *ids2 = NULL;
    size_t n = 0, n2 = 0;
    assert_int_equal(cairn_cohort_members(&ids, &n, st, phq9, &o, &err), 0);
    assert_int_equal(
        cairn_cohort_summarize_members(&both, &ids2, &n2, st, phq9, &o, &err),
        0);
    assert_int_equal(n, 3);
    assert_int_equal(n2, n);
    assert_memory_equal(ids2, ids, n * sizeof *ids);
    assert_true(both->n_clients == s->n_clients &&
                both->n_paired == s->n_paired);
    assert_memory_equal(&both->moments, &s->moments, sizeof s->moments);
    assert_int_equal(both->n_groups, s->n_groups);
    assert_memory_equal(both->groups, s->groups,
                        s->n_groups * sizeof *s->groups);
    free(ids);
    free(ids2);
    cairn_cohort_summary_free(s);
    cairn_cohort_summary_free(both);
    test_store_done(st, dir);
}

/* Alpha against a direct two-pass computation over the same item sets. */
static void test_cohort_alpha(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    int sets[5][7] = {{1, 2, 1, 0, 1, 2, 1},
                      {3, 3, 2, 2, 3, 2, 3},
                      {0, 1, 0, 0, 1, 0, 0},
                      {2, 2, 3, 1, 2, 2, 2},
                      {1, 0, 1, 1, 0, 1, 1}};
    char code[16];
    for (int i = 0; i < 5; i++) {
        snprintf(code, sizeof code, "G%d", i);
        test_client(st, code, NULL, NULL);
        test_record(st, code, "2026-03-01", "gad7", sets[i], 7);
        test_record(st, code, "2026-03-15", "gad7", sets[(i + 1) % 5], 7);
    }
    double item_var = 0, totals[5] = {0}, mt = 0, vt = 0;
    for (int k = 0; k < 7; k++) {
        double m = 0, v = 0;
        for (int i = 0; i < 5; i++) {
            m += sets[i][k] / 5.0;
            totals[i] += sets[i][k];
        }
        for (int i = 0; i < 5; i++) {
            v += (sets[i][k] - m) * (sets[i][k] - m) / 4;
        }
        item_var += v;
    }
    for (int i = 0; i < 5; i++) {
        mt += totals[i] / 5;
    }
    for (int i = 0; i < 5; i++) {
        vt += (totals[i] - mt) * (totals[i] - mt) / 4;
    }
    cairn_cohort_summary *s = summarize(st, "gad7", NULL);
    cairn_cohort_result *r = NULL;
    assert_int_equal(cairn_cohort_compute(&r, s, NULL, NULL), 0);
    assert_true(r->has_alpha && r->alpha_n == 5);
    NEAR(r->alpha, 7.0 / 6 * (1 - item_var / vt), 1e-12);
    cairn_cohort_result_free(r);
    cairn_cohort_summary_free(s);
    test_store_done(st, dir);
}

/* One clinic split in three: merged summaries give the same results. */
static void test_cohort_merge_equals_pooled(void **state)
{
    (void)state;
    char d_all[64], d[3][64];
    cairn_store *all = test_store_new(d_all, sizeof d_all);
    cairn_store *part[3];
    for (int k = 0; k < 3; k++) {
        part[k] = test_store_new(d[k], sizeof d[k]);
    }
    char code[16], date[32];
    for (int c = 0; c < 30; c++) {
        snprintf(code, sizeof code, "P%02d", c);
        test_client(all, code, NULL, NULL);
        test_client(part[c % 3], code, NULL, NULL);
        int n = 3 + c % 4;
        for (int k = 0; k < n; k++) {
            int total = (c * 7 + 11) % 20 + 5 - k * (c % 3);
            total = total < 0 ? 0 : total;
            snprintf(date, sizeof date, "2026-%02d-%02d", 1 + k, 1 + c % 27);
            test_phq9(all, code, date, total, false);
            test_phq9(part[c % 3], code, date, total, false);
        }
    }
    cairn_cohort_summary *pooled = summarize(all, "phq9", NULL);
    cairn_cohort_summary *merged = summarize(part[0], "phq9", NULL);
    cairn_error err = CAIRN_ERROR_INIT;
    for (int k = 1; k < 3; k++) {
        cairn_cohort_summary *s = summarize(part[k], "phq9", NULL);
        if (cairn_cohort_merge(merged, s, &err) < 0) {
            fail_msg("%s", err.message);
        }
        cairn_cohort_summary_free(s);
    }
    assert_true(merged->n_clients == pooled->n_clients);
    assert_true(memcmp(&merged->moments, &pooled->moments,
                       sizeof pooled->moments) == 0);
    assert_true(memcmp(merged->rc_counts, pooled->rc_counts,
                       sizeof pooled->rc_counts) == 0);
    assert_true(merged->recovered == pooled->recovered);
    cairn_cohort_result *a = NULL, *b = NULL;
    assert_int_equal(cairn_cohort_compute(&a, pooled, NULL, NULL), 0);
    assert_int_equal(cairn_cohort_compute(&b, merged, NULL, NULL), 0);
    assert_true(a->change.d.value == b->change.d.value);
    NEAR(a->alpha, b->alpha, 1e-12);
    assert_non_null(a->model);
    assert_non_null(b->model);
    NEAR(a->model->slope, b->model->slope, 1e-6 * fabs(a->model->slope));
    NEAR(a->model->sd_intercept, b->model->sd_intercept,
         1e-4 * a->model->sd_intercept);
    NEAR(a->model->criterion, b->model->criterion, 1e-6);
    /* a summary of another instrument is refused */
    cairn_cohort_summary *g = summarize(all, "gad7", NULL);
    assert_int_equal(cairn_cohort_merge(merged, g, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "cannot merge summaries with different "
                                     "instruments (phq9 and gad7)");
    cairn_cohort_summary_free(g);
    cairn_cohort_result_free(a);
    cairn_cohort_result_free(b);
    cairn_cohort_summary_free(pooled);
    cairn_cohort_summary_free(merged);
    test_store_done(all, d_all);
    for (int k = 0; k < 3; k++) {
        test_store_done(part[k], d[k]);
    }
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
        cmocka_unit_test(test_cohort_hand_computed),
        cmocka_unit_test(test_cohort_filters),
        cmocka_unit_test(test_cohort_summarize_members),
        cmocka_unit_test(test_cohort_malformed_scores),
        cmocka_unit_test(test_cohort_alpha),
        cmocka_unit_test(test_cohort_merge_equals_pooled),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
