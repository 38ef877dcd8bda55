/*
 * test_settings.c - the clinic's settings in a real SQLite store: set,
 * show, unset, audit, refused keys and values, and the values they put in
 * force for reliable change, cut-offs (Jacobson-Truax criteria a, b, c)
 * and the no-improvement window, below command-line overrides.
 */
#include <gsl/gsl_errno.h>
#include <math.h>

#include "cairn/settings.h"
#include "helpers.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

static void must(int rc, const cairn_error *err)
{
    if (rc < 0) {
        fail_msg("%s", err->message);
    }
}

static size_t audit_count(cairn_store *st, const char *action)
{
    cairn_audit_list *l = NULL;
    size_t n = 0;
    assert_int_equal(cairn_store_audit_list(&l, st, 0, NULL), CAIRN_OK);
    for (size_t i = 0; i < l->n; i++) {
        n += strcmp(l->items[i].action, action) == 0;
    }
    cairn_store_audit_list_free(l);
    return n;
}

static void test_settings_round_trip(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_catalog *cat = test_catalog();
    must(cairn_settings_set(st, cat, "gad7.total.rci_sd", "4.20", &err), &err);
    must(cairn_settings_set(st, cat, "client.crisis_message",
                            "Call the clinic on 0100 000 000.\nOut of hours: "
                            "Samaritans 116 123.",
                            &err),
         &err);
    /* the same value again writes nothing */
    must(cairn_settings_set(st, cat, "gad7.total.rci_sd", "4.2", &err), &err);
    assert_int_equal(audit_count(st, "setting.set"), 2);

    cairn_settings *s = NULL;
    must(cairn_settings_list(&s, st, &err), &err);
    assert_int_equal(s->n, 2);
    assert_string_equal(s->items[0].key, "client.crisis_message");
    assert_int_equal(s->items[0].type, CAIRN_SETTING_TEXT);
    assert_string_equal(s->items[1].key, "gad7.total.rci_sd");
    assert_string_equal(s->items[1].text, "4.2");
    assert_string_equal(s->items[1].set_by, "test");
    double v = 0;
    assert_true(cairn_settings_number(s, "gad7.total.rci_sd", &v));
    NEAR(v, 4.2, 1e-12);
    assert_false(cairn_settings_number(s, "client.crisis_message", &v));
    cairn_settings_free(s);

    char *text = NULL;
    must(cairn_settings_get_text(st, "client.crisis_message", &text, &err),
         &err);
    assert_non_null(strstr(text, "Samaritans 116 123"));
    free(text);
    must(cairn_settings_get_number(st, "gad7.total.rci_sd", &v, &err), &err);
    NEAR(v, 4.2, 1e-12);

    must(cairn_settings_unset(st, cat, "gad7.total.rci_sd", &err), &err);
    assert_int_equal(
        cairn_settings_get_number(st, "gad7.total.rci_sd", &v, &err),
        CAIRN_ENOTFOUND);
    assert_int_equal(cairn_settings_unset(st, cat, "gad7.total.rci_sd", &err),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err.message, "'gad7.total.rci_sd' is not set");
    assert_int_equal(audit_count(st, "setting.unset"), 1);
    cairn_audit_report rep;
    must(cairn_store_audit_verify(st, &rep, &err), &err);
    test_store_done(st, dir);
}

static void test_settings_refused(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_catalog *cat = test_catalog();
    static const struct {
        const char *key, *value, *message;
    } bad[] = {
        {"phq9.totl.cutoff", "10",
         "'phq9.totl.cutoff': phq9 has no scale "
         "'totl'"},
        {"phq99.total.cutoff", "10",
         "'phq99.total.cutoff': no instrument with code 'phq99'"},
        {"phq9.total.colour", "1",
         "'phq9.total.colour' is not a setting (see 'cairn help settings')"},
        {"gad7.total.rci_reliability", "1.2",
         "gad7.total.rci_reliability: 1.2 must be between 0 and 1"},
        {"gad7.total.rci_sd", "-3", "gad7.total.rci_sd: -3 must be positive"},
        {"gad7.total.rci_sd", "4x", "gad7.total.rci_sd: '4x' is not a number"},
        {"model.min_clients", "2.5",
         "model.min_clients: 2.5 must be a whole number, 2 or more"},
        {"client.crisis_message", "",
         "client.crisis_message: the text must be 1-2000 bytes of "
         "printable UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(
            cairn_settings_set(st, cat, bad[i].key, bad[i].value, &err),
            CAIRN_EINVAL);
        assert_string_equal(err.message, bad[i].message);
    }
    assert_int_equal(audit_count(st, "setting.set"), 0);
    test_store_done(st, dir);
}

/* A settings list with the given numeric keys, from a real store. */
static cairn_settings *settings_with(cairn_store *st, const char *const *kv,
                                     size_t n)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_settings *s = NULL;
    for (size_t i = 0; i + 1 < n; i += 2) {
        must(cairn_settings_set(st, test_catalog(), kv[i], kv[i + 1], &err),
             &err);
    }
    must(cairn_settings_list(&s, st, &err), &err);
    return s;
}

static void test_settings_params_in_force(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    static const char *const kv[] = {"phq9.total.rci_sd", "5",
                                     "phq9.total.cutoff", "12"};
    cairn_settings *s = settings_with(st, kv, 4);
    const cairn_scale *sc = cairn_instrument_scale(test_instrument("phq9"), 0);
    cairn_change_params p;
    must(cairn_stats_params_resolve(&p, "phq9", sc, s, NULL, NULL), NULL);
    assert_true(p.has_rc);
    NEAR(p.sd, 5, 1e-12);
    NEAR(p.reliability, sc->rc_reliability, 1e-12);
    assert_int_equal(p.sd_from, CAIRN_PARAM_SETTING);
    assert_int_equal(p.reliability_from, CAIRN_PARAM_DEFINITION);
    assert_non_null(strstr(p.rc_source, "SD: clinic setting "
                                        "phq9.total.rci_sd = 5 (set by test"));
    assert_non_null(strstr(p.rc_source, sc->rc_source));
    NEAR(p.cutoff, 12, 1e-12);
    assert_int_equal(p.cutoff_from, CAIRN_PARAM_SETTING);
    assert_int_equal(p.criterion, CAIRN_CS_CUTOFF);
    /* the command line wins for one run */
    cairn_param_overrides o = {true, 7, false, 0, true, 9};
    must(cairn_stats_params_resolve(&p, "phq9", sc, s, &o, NULL), NULL);
    NEAR(p.sd, 7, 1e-12);
    NEAR(p.cutoff, 9, 1e-12);
    assert_int_equal(p.sd_from, CAIRN_PARAM_OVERRIDE);
    assert_string_equal(p.cutoff_source, "command line");
    cairn_settings_free(s);
    test_store_done(st, dir);
}

static void test_settings_jacobson_truax_criteria(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    const cairn_scale *sc = cairn_instrument_scale(test_instrument("gad7"), 0);
    cairn_change_params p;
    /* criterion a: clinical mean 15, SD 5 -> 15 - 2 x 5 = 5 */
    static const char *const a[] = {"gad7.total.clinical_mean", "15",
                                    "gad7.total.clinical_sd", "5"};
    cairn_settings *s = settings_with(st, a, 4);
    must(cairn_stats_params_resolve(&p, "gad7", sc, s, NULL, NULL), NULL);
    assert_int_equal(p.criterion, CAIRN_CS_JT_A);
    NEAR(p.cutoff, 5, 1e-12);
    assert_int_equal(p.case_when, CAIRN_CASE_ABOVE);
    cairn_settings_free(s);
    /* criterion c: (s_c M_n + s_n M_c) / (s_c + s_n)
     * = (5 x 3 + 3 x 15) / 8 = 7.5 */
    static const char *const c[] = {"gad7.total.normal_mean", "3",
                                    "gad7.total.normal_sd", "3"};
    s = settings_with(st, c, 4);
    must(cairn_stats_params_resolve(&p, "gad7", sc, s, NULL, NULL), NULL);
    assert_int_equal(p.criterion, CAIRN_CS_JT_C);
    NEAR(p.cutoff, 7.5, 1e-12);
    assert_string_equal(cairn_cs_criterion_name(p.criterion),
                        "jacobson_truax_c");
    assert_non_null(strstr(p.criterion_text, "criterion c"));
    cairn_settings_free(s);
    /* criterion b alone: normal mean 3 + 2 x 3 = 9 */
    cairn_error err = CAIRN_ERROR_INIT;
    must(cairn_settings_unset(st, NULL, "gad7.total.clinical_mean", &err),
         &err);
    s = settings_with(st, NULL, 0);
    must(cairn_stats_params_resolve(&p, "gad7", sc, s, NULL, NULL), NULL);
    assert_int_equal(p.criterion, CAIRN_CS_JT_B);
    NEAR(p.cutoff, 9, 1e-12);
    cairn_settings_free(s);
    /* without settings: the screening cut-off, named as such */
    must(cairn_stats_params_resolve(&p, "gad7", sc, NULL, NULL, NULL), NULL);
    assert_int_equal(p.criterion, CAIRN_CS_CUTOFF);
    assert_non_null(strstr(p.criterion_text, "not a Jacobson-Truax"));
    test_store_done(st, dir);
}

static void test_settings_change_the_trend(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fixture f = {0};
    add(&f, "phq9", "2026-01-05", 14, 0);
    add(&f, "phq9", "2026-04-06", 12, 0);
    cairn_trend_options o = CAIRN_TREND_OPTIONS_INIT;
    cairn_trend *t = trend(&f, "phq9", &o, NULL, NULL);
    assert_int_equal(t->rci.category, CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_true(t->weeks == 13);
    assert_int_equal(t->n_alerts, 1); /* no improvement after 12 weeks */
    cairn_trend_free(t);
    static const char *const kv[] = {"phq9.total.rci_sd", "1",
                                     "alerts.no_improvement_weeks", "20"};
    cairn_settings *s = settings_with(st, kv, 4);
    o.settings = s;
    t = trend(&f, "phq9", &o, NULL, NULL);
    /* 1.96 x sqrt(2) x 1 x sqrt(0.11) = 0.92 points: 2 is reliable */
    assert_int_equal(t->rci.category, CAIRN_RC_IMPROVED);
    NEAR(t->no_improvement_weeks, 20, 1e-12);
    assert_non_null(
        strstr(t->no_improvement_source, "alerts.no_improvement_weeks = 20"));
    assert_non_null(strstr(t->rc_source, "phq9.total.rci_sd = 1"));
    cairn_trend_free(t);
    /* the option wins over the setting */
    o.has_no_improvement_weeks = true;
    o.no_improvement_weeks = 4;
    t = trend(&f, "phq9", &o, NULL, NULL);
    assert_string_equal(t->no_improvement_source, "command line");
    cairn_trend_free(t);
    cairn_settings_free(s);
    test_store_done(st, dir);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_round_trip),
        cmocka_unit_test(test_settings_refused),
        cmocka_unit_test(test_settings_params_in_force),
        cmocka_unit_test(test_settings_jacobson_truax_criteria),
        cmocka_unit_test(test_settings_change_the_trend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
