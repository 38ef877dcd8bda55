/*
 * test_attention.c - the alerts and questionnaires due read one client
 * at a time (cairn_attention_read) are exactly what the full caseload
 * gives (cairn_alert_list_compute, cairn_due_compute on
 * cairn_caseload_compute with the same options): the same alerts in the
 * same order with the same states, and the same questionnaires due; and
 * they stay valid once the store is closed (they hold copies).
 */
#include <gsl/gsl_errno.h>

#include "cairn/attention.h"
#include "helpers.h"

#define TODAY "2026-03-20"

static void fill(cairn_store *st)
{
    test_client(st, "A", "dr.lee", NULL);
    test_client(st, "B", "dr.kim", NULL);
    test_client(st, "C", "dr.lee", NULL);
    test_client(st, "D", "dr.lee", NULL);
    test_client(st, "E", NULL, NULL);
    /* A: a risk item endorsed, then every 14 days (due) */
    test_phq9(st, "A", "2026-01-05", 9, false);
    test_phq9(st, "A", "2026-01-19", 10, true);
    test_phq9(st, "A", "2026-02-02", 11, false);
    /* B: reliable deterioration, weekly, last 14 days ago (due) */
    test_phq9(st, "B", "2026-02-20", 5, false);
    test_phq9(st, "B", "2026-02-27", 12, false);
    test_phq9(st, "B", "2026-03-06", 16, true);
    /* C: better, weekly, last 8 days ago (due) */
    test_phq9(st, "C", "2026-03-05", 18, false);
    test_phq9(st, "C", "2026-03-12", 8, false);
    /* D: a risk, then discharged: alerts kept, never due */
    test_phq9(st, "D", "2026-01-05", 14, true);
    test_phq9(st, "D", "2026-01-19", 15, true);
}

static void same_alerts(const cairn_alert_list *want,
                        const cairn_alert_list *got)
{
    assert_int_equal(got->n, want->n);
    assert_int_equal(got->n_open, want->n_open);
    assert_int_equal(got->n_acknowledged, want->n_acknowledged);
    assert_int_equal(got->n_resolved, want->n_resolved);
    for (size_t i = 0; i < want->n; i++) {
        const cairn_alert_ref *w = &want->items[i], *g = &got->items[i];
        assert_null(g->trend);
        assert_string_equal(g->alert->key, w->alert->key);
        assert_string_equal(g->alert->reason, w->alert->reason);
        assert_string_equal(g->alert->date, w->alert->date);
        assert_int_equal(g->alert->state, w->alert->state);
        assert_int_equal(g->alert->kind, w->alert->kind);
        assert_int_equal(g->on_latest, w->on_latest);
        assert_string_equal(g->client, w->client);
        assert_string_equal(g->instrument, w->trend->instrument);
        assert_string_equal(g->scale, w->trend->scale);
        assert_string_equal(g->instrument, w->instrument);
        assert_true((g->clinician == NULL) == (w->clinician == NULL));
        if (w->clinician != NULL) {
            assert_string_equal(g->clinician, w->clinician);
        }
        assert_true((g->alert->state_note == NULL) ==
                    (w->alert->state_note == NULL));
        if (w->alert->state_note != NULL) {
            assert_string_equal(g->alert->state_note, w->alert->state_note);
            assert_string_equal(g->alert->state_by, w->alert->state_by);
            assert_string_equal(g->alert->state_at, w->alert->state_at);
        }
    }
}

static void same_due(const cairn_due_list *want, const cairn_due_list *got)
{
    assert_int_equal(got->n, want->n);
    for (size_t i = 0; i < want->n; i++) {
        const cairn_due *w = &want->items[i], *g = &got->items[i];
        assert_null(g->entry);
        assert_null(g->trend);
        assert_string_equal(g->client, w->entry->client->code);
        assert_string_equal(g->client, w->client);
        assert_string_equal(g->instrument, w->trend->instrument);
        assert_string_equal(g->latest_date, w->trend->latest.date);
        assert_true(g->interval_days == w->interval_days);
        assert_true(g->days_since == w->days_since);
    }
}

/* Both ways under options `o`, with and without resolved alerts. */
static void compare(cairn_store *st, const cairn_caseload_options *o,
                    size_t *n_alerts, size_t *n_due)
{
    cairn_caseload *cl = NULL;
    cairn_alert_list *l = NULL;
    cairn_due_list *d = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_caseload_compute(&cl, st, test_catalog(), o, &err),
                     0);
    for (int resolved = 0; resolved < 2; resolved++) {
        cairn_attention *a = NULL;
        assert_int_equal(cairn_alert_list_compute(&l, cl, resolved, &err), 0);
        assert_int_equal(cairn_due_compute(&d, cl, TODAY, &err), 0);
        assert_int_equal(cairn_attention_read(&a, st, test_catalog(), o,
                                              resolved, TODAY, &err),
                         0);
        same_alerts(l, a->alerts);
        same_due(d, a->due);
        *n_alerts = l->n;
        *n_due = d->n;
        cairn_attention_free(a);
        /* without a date, no due list */
        assert_int_equal(cairn_attention_read(&a, st, test_catalog(), o,
                                              resolved, NULL, &err),
                         0);
        assert_null(a->due);
        same_alerts(l, a->alerts);
        cairn_attention_free(a);
        cairn_alert_list_free(l);
        cairn_due_list_free(d);
    }
    cairn_caseload_free(cl);
}

static void test_attention_equals_full_caseload(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    size_t n_alerts = 0, n_due = 0;
    fill(st);
    assert_int_equal(cairn_store_episode_add(st, "D", "2026-01-01", NULL, &err),
                     0);
    assert_int_equal(cairn_store_episode_set_end(st, "D", "2026-02-01", &err),
                     0);
    o.all = true;
    compare(st, &o, &n_alerts, &n_due);
    assert_true(n_alerts >= 4);
    assert_int_equal(n_due, 3);
    /* states and notes: one acknowledged, one resolved */
    cairn_attention *a = NULL;
    assert_int_equal(
        cairn_attention_read(&a, st, test_catalog(), &o, false, TODAY, &err),
        0);
    char first[64], second[64], owner[16];
    snprintf(first, sizeof first, "%s", a->alerts->items[0].alert->key);
    snprintf(second, sizeof second, "%s", a->alerts->items[1].alert->key);
    cairn_attention_free(a);
    assert_int_equal(cairn_alert_set(st, test_catalog(), first,
                                     CAIRN_ALERT_ACKNOWLEDGED, "called, safe",
                                     owner, sizeof owner, &err),
                     0);
    assert_int_equal(cairn_alert_set(st, test_catalog(), second,
                                     CAIRN_ALERT_RESOLVED,
                                     "reviewed in session", NULL, 0, &err),
                     0);
    compare(st, &o, &n_alerts, &n_due);
    /* one clinician's clients, and the active ones only */
    o.clinician = "dr.lee";
    compare(st, &o, &n_alerts, &n_due);
    o.clinician = NULL;
    o.all = false;
    compare(st, &o, &n_alerts, &n_due);
    /* one client */
    o.client = "B";
    compare(st, &o, &n_alerts, &n_due);
    assert_int_equal(n_due, 1);
    /* the lists outlive the store */
    o.client = NULL;
    o.all = true;
    assert_int_equal(
        cairn_attention_read(&a, st, test_catalog(), &o, true, TODAY, &err), 0);
    cairn_store_close(st);
    for (size_t i = 0; i < a->alerts->n; i++) {
        assert_true(strlen(a->alerts->items[i].alert->key) > 0);
        assert_true(strlen(a->alerts->items[i].instrument) > 0);
    }
    assert_string_equal(a->due->items[0].latest_date, "2026-02-02");
    cairn_attention_free(a);
    cairn_attention_free(NULL);
    test_store_done(NULL, dir);
}

static void test_attention_refuses_a_bad_date(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_attention *a = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    fill(st);
    assert_int_equal(
        cairn_attention_read(&a, st, test_catalog(), NULL, false, "soon", &err),
        CAIRN_EINVAL);
    assert_null(a);
    assert_string_equal(err.message, "'soon' is not a date");
    /* an unknown client, as the caseload says it */
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    o.client = "ZZ";
    assert_true(cairn_attention_read(&a, st, test_catalog(), &o, false, TODAY,
                                     &err) < 0);
    assert_null(a);
    test_store_done(st, dir);
}

/* A cell's open alerts by kind: each kind once, in the order it first
 * comes, counted; in words with the count when more than one. */
static void test_alert_groups(void **state)
{
    (void)state;
    unsigned char kinds[] = {CAIRN_ALERT_RISK, CAIRN_ALERT_DETERIORATION,
                             CAIRN_ALERT_RISK, CAIRN_ALERT_RISK_UNANSWERED,
                             CAIRN_ALERT_RISK};
    cairn_caseload_cell cell = {.n_open = 5, .open_kinds = kinds};
    cairn_alert_group g[CAIRN_ALERT_KIND_COUNT];
    char b[CAIRN_ALERT_GROUP_MAX];
    assert_int_equal(cairn_alert_groups(&cell, g), 3);
    assert_int_equal(g[0].kind, CAIRN_ALERT_RISK);
    assert_int_equal(g[0].n, 3);
    assert_int_equal(g[1].kind, CAIRN_ALERT_DETERIORATION);
    assert_int_equal(g[1].n, 1);
    assert_int_equal(g[2].kind, CAIRN_ALERT_RISK_UNANSWERED);
    assert_int_equal(g[2].n, 1);
    assert_string_equal(cairn_alert_group_label(b, sizeof b, &g[0]),
                        "risk item endorsed 3 times");
    assert_string_equal(cairn_alert_group_label(b, sizeof b, &g[1]),
                        "reliable deterioration");
    cell.n_open = 0;
    assert_int_equal(cairn_alert_groups(&cell, g), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention_equals_full_caseload),
        cmocka_unit_test(test_attention_refuses_a_bad_date),
        cmocka_unit_test(test_alert_groups),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
