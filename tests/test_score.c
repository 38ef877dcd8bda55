/*
 * test_score.c - scoring: worked examples, every band edge, reverse keys,
 * subscales, missing-data rules, risk flags, decision rules and JSON.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "helpers.h"

/* Build responses that give `target` on `scale`; other items at their
 * first option (or minimum). */
static cairn_score *score_at(const cairn_instrument *in, const cairn_scale *sc,
                             double target)
{
    size_t n = cairn_instrument_item_count(in);
    int *codes = calloc(n, sizeof *codes);
    for (size_t i = 0; i < n; i++) {
        const cairn_item *it = cairn_instrument_item(in, i);
        codes[i] =
            it->kind == CAIRN_ITEM_NUMBER ? it->min : it->options[0].code;
    }
    double remaining = target / sc->multiplier;
    for (size_t k = 0; k < sc->n_items; k++) {
        const cairn_item *it = cairn_instrument_find_item(in, sc->items[k]);
        double rest_min = 0;
        for (size_t j = k + 1; j < sc->n_items; j++) {
            const cairn_item *o = cairn_instrument_find_item(in, sc->items[j]);
            double lo = o->options[0].score;
            for (size_t q = 0; q < o->n_options; q++) {
                lo = fmin(lo, o->options[q].score);
            }
            rest_min += lo;
        }
        /* the option with the largest score not above what is left */
        const cairn_option *best = NULL;
        for (size_t q = 0; q < it->n_options; q++) {
            const cairn_option *o = &it->options[q];
            if (o->score <= remaining - rest_min &&
                (best == NULL || o->score > best->score)) {
                best = o;
            }
        }
        assert_non_null(best);
        codes[sc->items[k] - 1] = best->code;
        remaining -= best->score;
    }
    cairn_score *s = test_score(cairn_instrument_code(in), codes, n);
    free(codes);
    return s;
}

static void test_score_every_band_edge(void **state)
{
    (void)state;
    const cairn_catalog *cat = test_catalog();
    size_t edges = 0;
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        for (size_t k = 0; k < cairn_instrument_scale_count(in); k++) {
            const cairn_scale *sc = cairn_instrument_scale(in, k);
            for (size_t b = 0; b < sc->n_bands; b++) {
                for (int end = 0; end < 2; end++) {
                    double t = end ? sc->bands[b].max : sc->bands[b].min;
                    cairn_score *s = score_at(in, sc, t);
                    const cairn_scale_score *got = cairn_score_find(s, sc->id);
                    if (!got->has_score || got->score != t ||
                        got->band != &sc->bands[b]) {
                        fail_msg("%s %s: score %g should be band %s",
                                 cairn_instrument_code(in), sc->id, t,
                                 sc->bands[b].id);
                    }
                    cairn_score_free(s);
                    edges++;
                }
            }
        }
    }
    assert_true(edges >= 2 * (5 + 4 + 3));
}

static void test_score_issue_band_ids(void **state)
{
    (void)state;
    struct {
        const char *code, *band;
        int min, max;
    } want[] = {
        {"phq9", "minimal", 0, 4},    {"phq9", "mild", 5, 9},
        {"phq9", "moderate", 10, 14}, {"phq9", "moderately_severe", 15, 19},
        {"phq9", "severe", 20, 27},   {"gad7", "minimal", 0, 4},
        {"gad7", "mild", 5, 9},       {"gad7", "moderate", 10, 14},
        {"gad7", "severe", 15, 21},   {"epds", "none", 0, 9},
        {"epds", "possible", 10, 12}, {"epds", "probable", 13, 30},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const cairn_scale *sc =
            cairn_instrument_find_scale(test_instrument(want[i].code), "total");
        const cairn_band *lo = cairn_scale_band(sc, want[i].min);
        const cairn_band *hi = cairn_scale_band(sc, want[i].max);
        assert_non_null(lo);
        assert_ptr_equal(lo, hi);
        assert_string_equal(lo->id, want[i].band);
        assert_true(lo->min == want[i].min && lo->max == want[i].max);
    }
}

static double option_score(const char *code, int item, int answer)
{
    const cairn_item *it =
        cairn_instrument_find_item(test_instrument(code), item);
    const cairn_option *o = cairn_item_find_option(it, answer);
    assert_non_null(o);
    return o->score;
}

static void test_score_epds_scoring_key(void **state)
{
    (void)state;
    for (int item = 1; item <= 10; item++) {
        bool forward = item == 1 || item == 2 || item == 4;
        for (int code = 0; code <= 3; code++) {
            assert_true(option_score("epds", item, code) ==
                        (forward ? code : 3 - code));
        }
    }
}

static void test_score_pgs33_reverses_all_but_11_and_33(void **state)
{
    (void)state;
    for (int item = 1; item <= 33; item++) {
        bool kept = item == 11 || item == 33;
        for (int code = 1; code <= 5; code++) {
            assert_true(option_score("pgs33", item, code) ==
                        (kept ? code : 6 - code));
        }
    }
    /* Everything "strongly agree": 31 reversed items at 5, items 11 and 33
     * at 1. */
    int codes[33];
    for (int i = 0; i < 33; i++) {
        codes[i] = 1;
    }
    cairn_score *s = test_score("pgs33", codes, 33);
    assert_true(test_scale(s, "total") == 31 * 5 + 2);
    assert_true(test_scale(s, "active_grief") == 55);
    assert_true(test_scale(s, "difficulty_coping") == 9 * 5 + 2);
    assert_true(test_scale(s, "despair") == 55);
    cairn_score_free(s);
}

static void test_score_pgs33_subscales_partition_items(void **state)
{
    (void)state;
    static const int active[] = {1, 3, 5, 6, 7, 10, 12, 13, 14, 19, 27};
    static const int coping[] = {2, 4, 8, 11, 21, 24, 25, 26, 28, 30, 33};
    static const int despair[] = {9, 15, 16, 17, 18, 20, 22, 23, 29, 31, 32};
    const int *lists[] = {active, coping, despair};
    const char *ids[] = {"active_grief", "difficulty_coping", "despair"};
    const cairn_instrument *in = test_instrument("pgs33");
    for (int s = 0; s < 3; s++) {
        const cairn_scale *sc = cairn_instrument_find_scale(in, ids[s]);
        assert_non_null(sc);
        assert_int_equal(sc->n_items, 11);
        for (int k = 0; k < 11; k++) {
            assert_int_equal(sc->items[k], lists[s][k]);
        }
        assert_true(sc->min == 11 && sc->max == 55);
    }
}

static void test_score_cesd_reverse_items(void **state)
{
    (void)state;
    for (int item = 1; item <= 20; item++) {
        bool rev = item == 4 || item == 8 || item == 12 || item == 16;
        for (int code = 0; code <= 3; code++) {
            assert_true(option_score("cesd", item, code) ==
                        (rev ? 3 - code : code));
        }
    }
}

static void test_score_who5_percentage_and_direction(void **state)
{
    (void)state;
    int codes[] = {5, 4, 3, 2, 1};
    cairn_score *s = test_score("who5", codes, 5);
    assert_true(test_scale(s, "total") == 15);
    assert_true(test_scale(s, "percentage") == 60);
    assert_int_equal(cairn_score_find(s, "total")->scale->direction,
                     CAIRN_HIGHER_IS_BETTER);
    cairn_score_free(s);
}

static void test_score_pcl5_clusters(void **state)
{
    (void)state;
    int codes[20];
    for (int i = 0; i < 20; i++) {
        codes[i] = i < 5 ? 1 : i < 7 ? 2 : i < 14 ? 3 : 4;
    }
    cairn_score *s = test_score("pcl5", codes, 20);
    assert_true(test_scale(s, "b") == 5);
    assert_true(test_scale(s, "c") == 4);
    assert_true(test_scale(s, "d") == 21);
    assert_true(test_scale(s, "e") == 24);
    assert_true(test_scale(s, "total") == 54);
    cairn_score_free(s);
}

static void test_score_phq9_prorating(void **state)
{
    (void)state;
    /* One missing, 8 answered summing 4: 4 x 9 / 8 = 4.5, half up to 5. */
    int one[] = {1, 1, 1, 1, 0, 0, 0, 0, NA};
    cairn_score *s = test_score("phq9", one, 9);
    const cairn_scale_score *t = cairn_score_find(s, "total");
    assert_true(t->has_score && t->prorated && t->score == 5);
    assert_string_equal(t->band->id, "mild");
    assert_int_equal(s->n_missing, 1);
    assert_int_equal(s->missing_items[0], 9);
    cairn_score_free(s);
    /* Two missing, 7 answered summing 3: 27 / 7 = 3.86 -> 4. */
    int two[] = {NA, 1, 1, 1, 0, 0, 0, 0, NA};
    s = test_score("phq9", two, 9);
    assert_true(test_scale(s, "total") == 4);
    cairn_score_free(s);
    /* Three missing: no score. */
    int three[] = {NA, NA, 1, 1, 0, 0, 0, 0, NA};
    s = test_score("phq9", three, 9);
    assert_true(test_scale(s, "total") == -1);
    assert_null(cairn_score_find(s, "total")->band);
    cairn_score_free(s);
    /* Nothing missing: not prorated. */
    int none[] = {1, 1, 1, 1, 0, 0, 0, 0, 0};
    s = test_score("phq9", none, 9);
    assert_false(cairn_score_find(s, "total")->prorated);
    cairn_score_free(s);
}

static void test_score_gad7_prorating(void **state)
{
    (void)state;
    /* 5 answered summing 7: 7 x 7 / 5 = 9.8 -> 10, moderate. */
    int two[] = {2, 2, 1, 1, 1, NA, NA};
    cairn_score *s = test_score("gad7", two, 7);
    assert_true(test_scale(s, "total") == 10);
    assert_string_equal(test_band(s, "total"), "moderate");
    assert_true(cairn_score_find(s, "total")->prorated);
    cairn_score_free(s);
    int three[] = {2, 2, 1, 1, NA, NA, NA};
    s = test_score("gad7", three, 7);
    assert_true(test_scale(s, "total") == -1);
    cairn_score_free(s);
}

/* Instruments without a published rule score nothing with a gap. */
static void test_score_no_prorating_elsewhere(void **state)
{
    (void)state;
    static const char *const codes[] = {"cesd", "epds", "pcl5", "pgs33",
                                        "who5", "phq2", "gad2"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const cairn_instrument *in = test_instrument(codes[i]);
        size_t n = cairn_instrument_item_count(in);
        int *c = calloc(n, sizeof *c);
        for (size_t k = 0; k < n; k++) {
            c[k] = cairn_instrument_item(in, k)->options[0].code;
        }
        c[0] = NA;
        cairn_score *s = test_score(codes[i], c, n);
        const cairn_scale_score *t = cairn_score_find(s, "total");
        if (t->has_score) {
            fail_msg("%s scored with item 1 missing", codes[i]);
        }
        cairn_score_free(s);
        free(c);
    }
}

static int flagged(const char *code, const int *codes, size_t n, int item)
{
    cairn_score *s = test_score(code, codes, n);
    int found = 0;
    for (size_t i = 0; i < s->n_flags; i++) {
        found |= s->flags[i].item == item;
    }
    cairn_score_free(s);
    return found;
}

static void test_score_risk_flags_at_their_edges(void **state)
{
    (void)state;
    int phq[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_false(flagged("phq9", phq, 9, 9));
    phq[8] = 1;
    assert_true(flagged("phq9", phq, 9, 9));
    /* EPDS item 10 is reverse keyed: code 3 ("never") scores 0. */
    int epds[] = {0, 0, 3, 0, 3, 3, 3, 3, 3, 3};
    assert_false(flagged("epds", epds, 10, 10));
    epds[9] = 2;
    assert_true(flagged("epds", epds, 10, 10));
    int pgs[33];
    for (int i = 0; i < 33; i++) {
        pgs[i] = 3;
    }
    assert_false(flagged("pgs33", pgs, 33, 8));
    pgs[7] = 2;
    assert_true(flagged("pgs33", pgs, 33, 8));
    pgs[7] = 1;
    assert_true(flagged("pgs33", pgs, 33, 8));
    int pcl[20] = {0};
    pcl[15] = 1;
    assert_false(flagged("pcl5", pcl, 20, 16));
    pcl[15] = 2;
    assert_true(flagged("pcl5", pcl, 20, 16));
    /* A missing risk item raises no flag. */
    phq[8] = NA;
    assert_false(flagged("phq9", phq, 9, 9));
}

static void test_score_phq9_diagnostic_algorithm(void **state)
{
    (void)state;
    int major[] = {2, 0, 2, 2, 2, 2, 0, 0, 0};
    cairn_score *s = test_score("phq9", major, 9);
    assert_int_equal(test_rule(s, "major_depressive_syndrome"), 1);
    assert_int_equal(test_rule(s, "other_depressive_syndrome"), 0);
    cairn_score_free(s);
    /* Five symptoms but neither item 1 nor 2: neither syndrome. */
    int no_core[] = {1, 1, 2, 2, 2, 2, 2, 0, 0};
    s = test_score("phq9", no_core, 9);
    assert_int_equal(test_rule(s, "major_depressive_syndrome"), 0);
    assert_int_equal(test_rule(s, "other_depressive_syndrome"), 0);
    cairn_score_free(s);
    /* Item 9 counts at "several days". */
    int item9[] = {2, 0, 2, 2, 2, 0, 0, 0, 1};
    s = test_score("phq9", item9, 9);
    assert_int_equal(test_rule(s, "major_depressive_syndrome"), 1);
    cairn_score_free(s);
    /* Four present, one missing: could be major or other: unknown. */
    int gap[] = {2, 0, 2, 2, NA, 2, 0, 0, 0};
    s = test_score("phq9", gap, 9);
    assert_int_equal(test_rule(s, "major_depressive_syndrome"), -1);
    assert_int_equal(test_rule(s, "other_depressive_syndrome"), -1);
    cairn_score_free(s);
    /* Already five present: a missing item cannot change "major". */
    int sure[] = {2, 2, 2, 2, 2, NA, 0, 0, 0};
    s = test_score("phq9", sure, 9);
    assert_int_equal(test_rule(s, "major_depressive_syndrome"), 1);
    cairn_score_free(s);
}

static void test_score_pcl5_provisional_diagnosis(void **state)
{
    (void)state;
    /* 1 B, 1 C, 2 D, 2 E at "moderately": meets the DSM-5 rule. */
    int yes[20] = {2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2};
    cairn_score *s = test_score("pcl5", yes, 20);
    assert_int_equal(test_rule(s, "provisional_ptsd_dsm5"), 1);
    assert_true(test_scale(s, "total") == 12);
    cairn_score_free(s);
    /* Only one D symptom. */
    int no[20] = {2, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 0, 0, 2, 2};
    s = test_score("pcl5", no, 20);
    assert_int_equal(test_rule(s, "provisional_ptsd_dsm5"), 0);
    cairn_score_free(s);
}

static void test_score_pg13r_rules(void **state)
{
    (void)state;
    /* loss yes, 14 months, all symptoms 3 (total 30), impairment yes */
    int yes[13] = {1, 14, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1};
    cairn_score *s = test_score("pg13r", yes, 13);
    assert_true(test_scale(s, "total") == 30);
    assert_int_equal(test_rule(s, "symptom_threshold"), 1);
    assert_int_equal(test_rule(s, "provisional_pgd"), 1);
    cairn_score_free(s);
    /* Only 11 months since the loss. */
    int early[13] = {1, 11, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1};
    s = test_score("pg13r", early, 13);
    assert_int_equal(test_rule(s, "symptom_threshold"), 1);
    assert_int_equal(test_rule(s, "provisional_pgd"), 0);
    cairn_score_free(s);
    /* Below threshold: 29. */
    int low[13] = {1, 24, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1};
    s = test_score("pg13r", low, 13);
    assert_int_equal(test_rule(s, "symptom_threshold"), 0);
    assert_int_equal(test_rule(s, "provisional_pgd"), 0);
    cairn_score_free(s);
}

static void test_score_json_shape(void **state)
{
    (void)state;
    int codes[] = {1, 2, 0, 3, 1, 0, 2, 1, 1};
    cairn_score *s = test_score("phq9", codes, 9);
    char *text = NULL;
    assert_int_equal(cairn_score_to_json(s, &text, NULL), 0);
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "instrument")),
                        "phq9");
    assert_int_equal(
        strncmp(json_string_value(json_object_get(j, "fingerprint")),
                "sha256:", 7),
        0);
    json_t *total = json_object_get(json_object_get(j, "scales"), "total");
    assert_int_equal(json_integer_value(json_object_get(total, "score")), 11);
    assert_string_equal(json_string_value(json_object_get(total, "band")),
                        "moderate");
    assert_true(json_is_false(json_object_get(total, "prorated")));
    json_t *flags = json_object_get(j, "flags");
    assert_int_equal(json_array_size(flags), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(flags, 0), "item")),
        9);
    assert_true(json_is_array(json_object_get(j, "missing")));
    assert_true(json_is_object(json_object_get(j, "rules")));
    json_decref(j);
    free(text);
    cairn_score_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_every_band_edge),
        cmocka_unit_test(test_score_issue_band_ids),
        cmocka_unit_test(test_score_epds_scoring_key),
        cmocka_unit_test(test_score_pgs33_reverses_all_but_11_and_33),
        cmocka_unit_test(test_score_pgs33_subscales_partition_items),
        cmocka_unit_test(test_score_cesd_reverse_items),
        cmocka_unit_test(test_score_who5_percentage_and_direction),
        cmocka_unit_test(test_score_pcl5_clusters),
        cmocka_unit_test(test_score_phq9_prorating),
        cmocka_unit_test(test_score_gad7_prorating),
        cmocka_unit_test(test_score_no_prorating_elsewhere),
        cmocka_unit_test(test_score_risk_flags_at_their_edges),
        cmocka_unit_test(test_score_phq9_diagnostic_algorithm),
        cmocka_unit_test(test_score_pcl5_provisional_diagnosis),
        cmocka_unit_test(test_score_pg13r_rules),
        cmocka_unit_test(test_score_json_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
