/*
 * test_caseload.c - the caseload from a real store: urgency order, alert
 * states recorded by clinicians (audited), and the clinic's growth-model
 * expectation appearing once there are enough clients.
 */
#include <gsl/gsl_errno.h>
#include <math.h>

#include "helpers.h"
#include "../engine/src/internal.h"

static cairn_caseload *caseload(cairn_store *st)
{
    cairn_caseload *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_caseload_compute(&c, st, test_catalog(), NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return c;
}

/* Row k of `r` (borrowed until the next call on `r`). */
static const cairn_caseload_row *row_at(cairn_caseload_rows *r, size_t k)
{
    const cairn_caseload_row *w = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_caseload_rows_get(r, k, &w, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return w;
}

/* The compact rows say what the full caseload `c` says, in its order. */
static void same_as_rows(cairn_store *st, const cairn_caseload *c)
{
    cairn_caseload_rows *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_caseload_rows_compute(&r, st, test_catalog(), NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_int_equal(r->n, c->n);
    for (size_t k = 0; k < c->n; k++) {
        const cairn_caseload_entry *e = &c->entries[k];
        const cairn_caseload_row *w = row_at(r, k);
        assert_string_equal(w->client->code, e->client->code);
        assert_int_equal(w->n_open, e->n_open);
        assert_int_equal(w->n_acknowledged, e->n_acknowledged);
        assert_int_equal(w->most_urgent, e->most_urgent);
        assert_int_equal(w->has_nhstt, e->has_nhstt);
        assert_int_equal(w->n_cells, e->n_trends);
        for (size_t i = 0; i < e->n_trends; i++) {
            const cairn_trend *t = e->trends[i];
            const cairn_caseload_cell *x = &w->cells[i];
            assert_string_equal(x->instrument, t->instrument);
            assert_string_equal(x->scale, t->scale);
            assert_int_equal(x->n, t->n);
            assert_true(x->latest == t->latest.score);
            assert_true(x->change == t->change);
            assert_true(x->recent[x->n_recent - 1] == t->latest.score);
            if (t->latest.band == NULL) {
                assert_null(x->band);
            } else {
                assert_string_equal(x->band, t->latest.band);
            }
            size_t open = 0;
            for (size_t a = 0; a < t->n_alerts; a++) {
                if (t->alerts[a].state == CAIRN_ALERT_OPEN) {
                    assert_true(open < x->n_open);
                    assert_int_equal(x->open_kinds[open++], t->alerts[a].kind);
                }
            }
            assert_int_equal(open, x->n_open);
        }
    }
    /* each row's client in full, asked for in any order, is the full
     * caseload's entry: every trend, alert, reason and state */
    for (size_t k = c->n; k-- > 0;) {
        const cairn_caseload_entry *e = &c->entries[k], *f = NULL;
        assert_int_equal(cairn_caseload_rows_entry(r, k, &f, &err), 0);
        assert_string_equal(f->client->code, e->client->code);
        assert_int_equal(f->n_open, e->n_open);
        assert_int_equal(f->n_acknowledged, e->n_acknowledged);
        assert_int_equal(f->has_nhstt, e->has_nhstt);
        assert_int_equal(f->n_trends, e->n_trends);
        for (size_t i = 0; i < e->n_trends; i++) {
            char *a = NULL, *b = NULL;
            assert_int_equal(cairn_trend_to_json(e->trends[i], &a, &err), 0);
            assert_int_equal(cairn_trend_to_json(f->trends[i], &b, &err), 0);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
    }
    cairn_caseload_rows_free(r);
}

static void order(cairn_store *st, const char *want)
{
    char got[64] = "";
    cairn_caseload *c = caseload(st);
    for (size_t i = 0; i < c->n; i++) {
        strncat(got, c->entries[i].client->code, 8);
    }
    same_as_rows(st, c);
    cairn_caseload_free(c);
    assert_string_equal(got, want);
}

static void fill(cairn_store *st)
{
    test_client(st, "A", NULL, NULL);
    test_client(st, "B", NULL, NULL);
    test_client(st, "C", NULL, NULL);
    test_client(st, "E", NULL, NULL);
    test_phq9(st, "A", "2026-01-05", 9, false);
    test_phq9(st, "A", "2026-01-19", 10, true);
    test_phq9(st, "B", "2026-01-05", 5, false);
    test_phq9(st, "B", "2026-01-19", 14, false);
    test_phq9(st, "C", "2026-01-05", 18, false);
    test_phq9(st, "C", "2026-01-19", 8, false);
}

static void test_caseload_urgency_and_alert_states(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    order(st, "ABCE");
    cairn_caseload *c = caseload(st);
    assert_int_equal(c->entries[0].most_urgent, CAIRN_ALERT_RISK);
    assert_int_equal(c->entries[1].most_urgent, CAIRN_ALERT_DETERIORATION);
    assert_int_equal(c->entries[3].n_trends, 0);
    const cairn_alert *risk = &c->entries[0].trends[0]->alerts[0];
    char key[64];
    snprintf(key, sizeof key, "%s", risk->key);
    assert_int_equal(risk->state, CAIRN_ALERT_OPEN);
    cairn_caseload_free(c);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_alert_set(st, "A", key,
                                           CAIRN_ALERT_ACKNOWLEDGED,
                                           "called, safe", &err),
                     0);
    order(st, "BACE");
    assert_int_equal(cairn_store_alert_set(st, "A", key, CAIRN_ALERT_RESOLVED,
                                           "reviewed in session", &err),
                     0);
    c = caseload(st);
    assert_string_equal(c->entries[1].client->code, "A");
    risk = &c->entries[1].trends[0]->alerts[0];
    assert_int_equal(risk->state, CAIRN_ALERT_RESOLVED);
    assert_string_equal(risk->state_note, "reviewed in session");
    assert_string_equal(risk->state_by, "test");
    assert_int_equal(c->entries[1].n_open, 0);
    cairn_caseload_free(c);
    cairn_alert_record_list *l = NULL;
    assert_int_equal(cairn_store_alert_list(&l, st, &err), 0);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].state, CAIRN_ALERT_RESOLVED);
    cairn_store_alert_list_free(l);
    /* refused: no note, open state, unknown client */
    assert_int_equal(
        cairn_store_alert_set(st, "A", key, CAIRN_ALERT_RESOLVED, "", &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "say what was done in the note");
    assert_int_equal(
        cairn_store_alert_set(st, "A", key, CAIRN_ALERT_OPEN, "x", &err),
        CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_alert_set(st, "Z", key, CAIRN_ALERT_RESOLVED, "x", &err),
        CAIRN_ENOTFOUND);
    cairn_audit_report rep;
    if (cairn_store_audit_verify(st, &rep, &err) < 0) {
        fail_msg("%s", err.message);
    }
    test_store_done(st, dir);
}

static void test_caseload_one_client_and_instrument(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.client = "C";
    o.instrument = "PHQ-9";
    assert_int_equal(cairn_caseload_compute(&c, st, test_catalog(), &o, &err),
                     0);
    assert_int_equal(c->n, 1);
    assert_true(c->entries[0].trends[0]->change == -10);
    cairn_caseload_free(c);
    o.client = "NOBODY";
    assert_int_equal(cairn_caseload_compute(&c, st, test_catalog(), &o, &err),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err.message, "no client 'NOBODY'");
    test_store_done(st, dir);
}

static void test_caseload_expectation_needs_enough_clients(void **state)
{
    (void)state;
    char dir[64], code[16], date[32];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_expectation e;
    cairn_error err = CAIRN_ERROR_INIT;
    for (int c = 0; c < 25; c++) {
        snprintf(code, sizeof code, "K%02d", c);
        test_client(st, code, NULL, NULL);
        for (int k = 0; k < 4; k++) {
            int total = 12 + c % 9 - k * (1 + c % 3) + (k * c) % 3;
            snprintf(date, sizeof date, "2026-02-%02d", 1 + 7 * k);
            test_phq9(st, code, date, total < 0 ? 0 : total, false);
        }
        assert_int_equal(cairn_caseload_expectation(
                             &e, st, test_instrument("phq9"), NULL, &err),
                         0);
        assert_int_equal(e.n_clients, (size_t)c + 1);
        assert_true(e.available == (c + 1 >= CAIRN_EXPECTATION_MIN_CLIENTS));
    }
    assert_true(e.b1 < 0); /* the clinic's clients improve on average */
    test_store_done(st, dir);
}

/* The clinic model's pooled statistics, and whether they were cached. */
static bool designs(cairn_store *st, cairn_mixed_design **d, size_t *n,
                    size_t *clients)
{
    bool cached = false;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_cohort_designs_get(d, n, clients, &cached, st,
                                 test_instrument("phq9"), NULL, NULL,
                                 &err) < 0) {
        fail_msg("%s", err.message);
    }
    return cached;
}

/*
 * The second call reads the cache and gives the scan's classes bit for
 * bit; any write (here each new assessment) makes the next
 * call scan again, so the cache never answers for data it has not seen.
 */
static void test_caseload_model_cache_is_never_stale(void **state)
{
    (void)state;
    char dir[64], code[16], date[32];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_mixed_design *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, ca = 0, cb = 0;
    /* an empty store: no classes, no clients (and nothing to sort) */
    assert_false(designs(st, &a, &na, &ca));
    assert_int_equal(na, 0);
    assert_int_equal(ca, 0);
    free(a);
    for (int c = 0; c < 6; c++) {
        snprintf(code, sizeof code, "K%02d", c);
        test_client(st, code, NULL, NULL);
        for (int k = 0; k < 2 + c % 3; k++) {
            snprintf(date, sizeof date, "2026-02-%02d", 1 + 7 * k);
            test_phq9(st, code, date, 14 - k * (1 + c % 2), false);
        }
        assert_false(designs(st, &a, &na, &ca)); /* written: a scan */
        assert_true(designs(st, &b, &nb, &cb));  /* unchanged: the cache */
        assert_int_equal(ca, (size_t)c + 1);
        assert_int_equal(cb, ca);
        assert_int_equal(nb, na);
        assert_memory_equal(a, b, na * sizeof *a);
        free(a);
        free(b);
    }
    test_store_done(st, dir);
}

/* Run SQL on the test store with the sqlite3 shell, as anyone with the
 * file could. */
static void raw_sql(const char *dir, const char *sql)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/t.db' \"%s\"", dir, sql);
    if (system(cmd) != 0) {
        fail_msg("sqlite3 failed: %s", sql);
    }
}

/* Hand-edit one stored column of assessment `id` (its trigger dropped
 * first by the caller), as anyone with the file could. */
static void set_stored(const char *dir, const char *column, const char *text,
                       long long id)
{
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE assessment SET %s = '%s' WHERE id = %lld",
             column, text, id);
    raw_sql(dir, sql);
}

static void verify(cairn_store *st)
{
    cairn_audit_report rep;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_store_audit_verify(st, &rep, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static void verify_fails(cairn_store *st, const char *want)
{
    cairn_audit_report rep;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_audit_verify(st, &rep, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, want);
}

/*
 * A change made beside Cairn, with the sqlite3 shell, also makes the
 * cache stale: an update (an assessment voided), an insert (a copied
 * assessment), and a cache row rewritten without the audit key is never
 * used and is found by audit verify, as is a counting trigger dropped.
 */
static void test_caseload_model_cache_raw_edits(void **state)
{
    (void)state;
    char dir[64], code[16], date[32];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_mixed_design *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, ca = 0, cb = 0;
    for (int c = 0; c < 4; c++) {
        snprintf(code, sizeof code, "R%02d", c);
        test_client(st, code, NULL, NULL);
        for (int k = 0; k < 3; k++) {
            snprintf(date, sizeof date, "2026-02-%02d", 1 + 7 * k);
            test_phq9(st, code, date, 15 - k * (1 + c % 2), false);
        }
    }
    assert_false(designs(st, &a, &na, &ca));
    /* a cache row rewritten: its MAC no longer holds, so audit verify
     * finds it and it is not used */
    raw_sql(dir, "UPDATE model_cache SET n_clients = n_clients + 40");
    verify_fails(st,
                 "the cached growth model of phq9 total/episode:current was "
                 "not written "
                 "by Cairn (its MAC does not hold): it was changed "
                 "behind Cairn's back");
    assert_false(designs(st, &b, &nb, &cb));
    assert_int_equal(cb, ca);
    assert_int_equal(nb, na);
    assert_memory_equal(a, b, na * sizeof *a);
    free(b);
    verify(st);
    /* a counting trigger dropped */
    raw_sql(dir, "DROP TRIGGER assessment_UPDATE_counted");
    verify_fails(st, "trigger assessment_UPDATE_counted was removed behind "
                     "Cairn's back: changes to assessment would not be "
                     "counted");
    raw_sql(dir, "CREATE TRIGGER assessment_UPDATE_counted AFTER UPDATE ON"
                 " assessment BEGIN UPDATE store_change SET n = n + 1; END");
    verify(st);
    assert_true(designs(st, &b, &nb, &cb));
    free(b);
    /* an update: assessment 1 voided by hand */
    raw_sql(dir, "UPDATE assessment SET voided_at = '2026-03-01T00:00:00Z',"
                 " void_reason = 'by hand' WHERE id = 1");
    assert_false(designs(st, &b, &nb, &cb));
    assert_false(na == nb && memcmp(a, b, na * sizeof *a) == 0);
    free(a);
    free(b);
    assert_true(designs(st, &a, &na, &ca));
    free(a);
    /* an insert: a copy of an assessment on a later date */
    raw_sql(dir, "INSERT INTO assessment (client_id, instrument,"
                 " administered_at, responses, definition_id, scores, flags,"
                 " rules) SELECT client_id, instrument, '2026-03-20',"
                 " responses, definition_id, scores, flags, rules FROM"
                 " assessment WHERE id = 2");
    assert_false(designs(st, &a, &na, &ca));
    assert_true(designs(st, &b, &nb, &cb));
    assert_int_equal(nb, na);
    assert_memory_equal(a, b, na * sizeof *a);
    free(a);
    free(b);
    test_store_done(st, dir);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* The codes of a caseload with `all` as given. */
static void codes_of(cairn_store *st, bool all, const char *want)
{
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char got[64] = "";
    o.all = all;
    assert_int_equal(cairn_caseload_compute(&c, st, test_catalog(), &o, &err),
                     0);
    for (size_t i = 0; i < c->n; i++) {
        strncat(got, c->entries[i].client->code, 8);
    }
    cairn_caseload_free(c);
    assert_string_equal(got, want);
}

static void test_caseload_active_rule(void **state)
{
    (void)state;
    char dir[64];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st); /* A, B, C, E: no episode */
    assert_int_equal(cairn_store_episode_add(st, "B", "2026-01-01", NULL, &err),
                     0);
    assert_int_equal(cairn_store_episode_add(st, "C", "2026-01-01", NULL, &err),
                     0);
    assert_int_equal(cairn_store_episode_set_end(st, "C", "2026-02-01", &err),
                     0);
    codes_of(st, false, "ABE"); /* C was discharged */
    codes_of(st, true, "ABCE");
    bool active = true;
    assert_int_equal(cairn_caseload_is_active(st, "C", &active, &err), 0);
    assert_false(active);
    assert_int_equal(cairn_caseload_is_active(st, "E", &active, &err), 0);
    assert_true(active);
    test_store_done(st, dir);
}

static void test_caseload_alert_list_and_actions(void **state)
{
    (void)state;
    char dir[64], owner[16] = "";
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st); /* A: a risk item, B: reliable deterioration */
    cairn_caseload *c = caseload(st);
    cairn_alert_list *l = NULL;
    assert_int_equal(cairn_alert_list_compute(&l, c, false, &err), 0);
    assert_true(l->n >= 2);
    assert_int_equal(l->n_open, l->n);
    assert_int_equal(l->items[0].alert->kind, CAIRN_ALERT_RISK);
    assert_string_equal(l->items[0].client, "A");
    char key[64];
    snprintf(key, sizeof key, "%s", l->items[0].alert->key);
    cairn_alert_list_free(l);
    cairn_caseload_free(c);
    assert_int_equal(cairn_alert_set(st, test_catalog(), key,
                                     CAIRN_ALERT_RESOLVED, "reviewed", owner,
                                     sizeof owner, &err),
                     0);
    assert_string_equal(owner, "A");
    assert_int_equal(cairn_alert_set(st, test_catalog(), "risk:999:9",
                                     CAIRN_ALERT_RESOLVED, "x", NULL, 0, &err),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err.message, "no alert 'risk:999:9'");
    /* keys that name no assessment, or an assessment of a client whose
     * data raise no such alert (B's for A's item), are refused alike */
    char other[64];
    const char *colon = strchr(key, ':');
    snprintf(other, sizeof other, "deterioration%s", colon);
    static const char *const bad[] = {"risk",     "risk:",     "risk:x:9",
                                      "risk:0:9", "risk:-1:9", "risk:12x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cairn_alert_set(st, test_catalog(), bad[i],
                                         CAIRN_ALERT_RESOLVED, "x", NULL, 0,
                                         &err),
                         CAIRN_ENOTFOUND);
    }
    assert_int_equal(cairn_alert_set(st, test_catalog(), other,
                                     CAIRN_ALERT_RESOLVED, "x", NULL, 0, &err),
                     CAIRN_ENOTFOUND);
    c = caseload(st);
    assert_int_equal(cairn_alert_list_compute(&l, c, true, &err), 0);
    assert_int_equal(l->n_resolved, 1); /* resolved ones come last */
    assert_string_equal(l->items[l->n - 1].alert->key, key);
    assert_int_equal(l->items[l->n - 1].alert->state, CAIRN_ALERT_RESOLVED);
    cairn_alert_list_free(l);
    assert_int_equal(cairn_alert_list_compute(&l, c, false, &err), 0);
    assert_int_equal(l->n_resolved, 0);
    for (size_t i = 0; i < l->n; i++) {
        assert_string_not_equal(l->items[i].alert->key, key);
    }
    cairn_alert_list_free(l);
    cairn_alert_list_free(NULL);
    cairn_caseload_free(c);
    test_store_done(st, dir);
}

/* cairn_alert_top_of_trends gives what each client's list would: its
 * counts and its first open alert. */
static void top_same_as_list(cairn_store *st, size_t *n_with_top)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_caseload *c = caseload(st);
    *n_with_top = 0;
    for (size_t i = 0; i < c->n; i++) {
        const cairn_caseload_entry *e = &c->entries[i];
        cairn_alert_list *l = NULL;
        cairn_alert_ref top;
        size_t n_open = 99, n_ack = 99;
        assert_int_equal(cairn_alert_list_of_trends(&l, e->client->code,
                                                    e->trends, e->n_trends,
                                                    false, &err),
                         0);
        cairn_alert_top_of_trends(&top, &n_open, &n_ack, e->client->code,
                                  e->trends, e->n_trends);
        assert_int_equal(n_open, l->n_open);
        assert_int_equal(n_ack, l->n_acknowledged);
        if (n_open > 0) {
            assert_ptr_equal(top.alert, l->items[0].alert);
            assert_ptr_equal(top.trend, l->items[0].trend);
            assert_string_equal(top.client, e->client->code);
            assert_int_equal(top.on_latest, l->items[0].on_latest);
            assert_string_equal(top.instrument, l->items[0].instrument);
            ++*n_with_top;
        }
        cairn_alert_list_free(l);
    }
    cairn_caseload_free(c);
}

static void test_caseload_alert_top(void **state)
{
    (void)state;
    char dir[64];
    size_t n = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st); /* A: a risk item, B: reliable deterioration */
    /* D: risks on three dates (the latest first, then the newest) and a
     * reliable deterioration; in the store's order the latest comes last */
    test_client(st, "D", NULL, NULL);
    test_phq9(st, "D", "2026-01-05", 4, true);
    test_phq9(st, "D", "2026-01-12", 12, true);
    test_phq9(st, "D", "2026-01-19", 17, true);
    top_same_as_list(st, &n);
    assert_true(n >= 3);
    /* the most urgent of each acknowledged, then resolved, in turn: the
     * next one comes to the top */
    for (int round = 0; round < 2; round++) {
        cairn_caseload *c = caseload(st);
        cairn_alert_list *l = NULL;
        assert_int_equal(cairn_alert_list_compute(&l, c, false, &err), 0);
        char key[64] = "";
        for (size_t i = 0; i < l->n_open; i++) {
            snprintf(key, sizeof key, "%s", l->items[i].alert->key);
            assert_int_equal(cairn_alert_set(st, test_catalog(), key,
                                             round == 0
                                                 ? CAIRN_ALERT_ACKNOWLEDGED
                                                 : CAIRN_ALERT_RESOLVED,
                                             "seen", NULL, 0, &err),
                             0);
            if (i == 1) {
                break;
            }
        }
        cairn_alert_list_free(l);
        cairn_caseload_free(c);
        top_same_as_list(st, &n);
    }
    test_store_done(st, dir);
}

/* Ages for people, by calendar days. */
static void test_caseload_alert_age_words(void **state)
{
    (void)state;
    char b[32];
    const char *today = "2026-05-20T09:00:00Z";
    assert_string_equal(cairn_alert_age(b, sizeof b, "2026-05-20", today),
                        "today");
    assert_string_equal(
        cairn_alert_age(b, sizeof b, "2026-05-19T23:59:00Z", today),
        "yesterday");
    assert_string_equal(cairn_alert_age(b, sizeof b, "2026-05-17", today),
                        "3 days ago");
    assert_string_equal(cairn_alert_age(b, sizeof b, "2026-05-06", today),
                        "2 weeks ago");
    assert_string_equal(cairn_alert_age(b, sizeof b, "2025-12-20", today),
                        "4 months ago");
    assert_string_equal(cairn_alert_age(b, sizeof b, "2023-05-19", today),
                        "3 years ago");
    assert_string_equal(cairn_alert_age(b, sizeof b, "2026-06-01", today),
                        "in the future");
    assert_string_equal(cairn_alert_age(b, sizeof b, "soon", today), "");
    assert_string_equal(cairn_alert_kind_label(CAIRN_ALERT_NO_IMPROVEMENT),
                        "no reliable improvement");
}

/* ---- the caseload's course stream against the full reader ---- */

/* The id of client `code`'s `k`-th current assessment (date order). */
static int64_t nth_id(cairn_store *st, const char *code, size_t k)
{
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, st, code, NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     0);
    assert_true(k < l->n);
    int64_t id = l->items[k].id;
    cairn_store_assessment_list_free(l);
    return id;
}

/* Correct assessment `id` to a PHQ-9 of all 2s but item 9 (0). */
static void amend_phq9(cairn_store *st, int64_t id)
{
    const cairn_instrument *in = test_instrument("phq9");
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int64_t new_id = 0;
    assert_int_equal(cairn_responses_new(&r, in, &err), 0);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(cairn_responses_set(r, in, i, i < 8 ? 2 : 0, &err), 0);
    }
    if (cairn_score_compute(&s, in, r, &err) < 0 ||
        cairn_store_assessment_amend(st, id, s, r, NULL, "typed wrongly",
                                     &new_id, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_score_free(s);
    cairn_responses_free(r);
}

/*
 * Every kind of course the stream must read as the full reader does:
 * risk items endorsed, unanswered and answered, an amended and a voided
 * assessment, two episodes of care, subscales, several instruments, and
 * a client with none.
 */
static void courses(cairn_store *st)
{
    cairn_error err = CAIRN_ERROR_INIT;
    int pcl[20] = {1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 2, 2, 3, 4, 0};
    int epds[10] = {1, 1, 2, 0, 1, 2, 1, 0, 1, NA};
    test_client(st, "A", NULL, NULL);
    test_client(st, "B", NULL, NULL);
    test_client(st, "C", NULL, NULL);
    test_client(st, "D", NULL, NULL);
    test_client(st, "E", NULL, NULL);
    int unanswered[9] = {1, 1, 1, 1, 1, 1, 1, 1, NA};
    test_phq9(st, "A", "2026-01-05", 12, false);
    test_record(st, "A", "2026-01-12", "phq9", unanswered, 9);
    test_phq9(st, "A", "2026-01-26", 14, true);
    test_phq9(st, "B", "2026-01-05", 20, true);
    test_phq9(st, "B", "2026-01-19", 19, true);
    test_phq9(st, "B", "2026-02-02", 4, false);
    amend_phq9(st, nth_id(st, "B", 1));
    assert_int_equal(cairn_store_assessment_void(st, nth_id(st, "B", 2),
                                                 "wrong client", &err),
                     0);
    assert_int_equal(cairn_store_episode_add(st, "C", "2025-06-01", NULL, &err),
                     0);
    test_phq9(st, "C", "2025-06-10", 22, true);
    test_phq9(st, "C", "2025-07-10", 8, false);
    assert_int_equal(cairn_store_episode_set_end(st, "C", "2025-08-01", &err),
                     0);
    assert_int_equal(cairn_store_episode_add(st, "C", "2026-01-01", NULL, &err),
                     0);
    test_phq9(st, "C", "2026-01-10", 17, false);
    test_phq9(st, "C", "2026-02-10", 11, false);
    test_record(st, "E", "2026-01-05", "pcl5", pcl, 20);
    pcl[15] = NA;
    test_record(st, "E", "2026-02-05", "pcl5", pcl, 20);
    test_record(st, "E", "2026-01-05", "epds", epds, 10);
    epds[9] = 2;
    test_record(st, "E", "2026-02-05", "epds", epds, 10);
    test_phq9(st, "E", "2026-02-05", 9, false);
}

/* Each client's trends from the whole caseload (the course stream) are
 * those of a caseload of that client alone (the full reader). */
static void same_courses(cairn_store *st, cairn_caseload_options o)
{
    cairn_caseload *all = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.all = true;
    if (cairn_caseload_compute(&all, st, test_catalog(), &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_int_equal(all->n, 5);
    for (size_t k = 0; k < all->n; k++) {
        const cairn_caseload_entry *e = &all->entries[k];
        cairn_caseload *one = NULL;
        o.client = e->client->code;
        if (cairn_caseload_compute(&one, st, test_catalog(), &o, &err) < 0) {
            fail_msg("%s", err.message);
        }
        assert_int_equal(one->entries[0].n_trends, e->n_trends);
        assert_int_equal(one->entries[0].n_open, e->n_open);
        for (size_t i = 0; i < e->n_trends; i++) {
            char *a = NULL, *b = NULL;
            assert_int_equal(cairn_trend_to_json(e->trends[i], &a, &err), 0);
            assert_int_equal(
                cairn_trend_to_json(one->entries[0].trends[i], &b, &err), 0);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
        cairn_caseload_free(one);
    }
    cairn_caseload_free(all);
}

static void test_caseload_course_stream(void **state)
{
    (void)state;
    char dir[64];
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    courses(st);
    same_courses(st, o);
    cairn_caseload *full = caseload(st);
    same_as_rows(st, full);
    cairn_caseload_free(full);
    o.trend.episode = CAIRN_EPISODE_ALL;
    same_courses(st, o);
    o.trend.episode = CAIRN_EPISODE_CURRENT;
    o.instrument = "pcl5";
    same_courses(st, o);
    o.trend.scale = "c";
    same_courses(st, o);
    o.instrument = "gad7"; /* no risk item, nobody has one */
    o.trend.scale = NULL;
    same_courses(st, o);
    /* what the alerts say: risk item 9 endorsed and left unanswered for
     * A, endorsed twice for B (the amended version is current), none
     * from the voided one; EPDS item 10 unanswered and PCL-5 item 16
     * unanswered for E, whose endorsed EPDS item 10 is a flag */
    cairn_caseload_rows *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_caseload_options d = CAIRN_CASELOAD_OPTIONS_INIT;
    assert_int_equal(
        cairn_caseload_rows_compute(&r, st, test_catalog(), &d, &err), 0);
    assert_int_equal(r->n, 5);
    size_t open[5] = {0};
    for (size_t k = 0; k < r->n; k++) {
        const cairn_caseload_row *w = row_at(r, k);
        const char *code = w->client->code;
        open[code[0] - 'A'] = w->n_open;
        if (code[0] == 'D') {
            assert_int_equal(w->n_cells, 0);
        }
    }
    cairn_caseload_rows_free(r);
    cairn_caseload *c = NULL;
    assert_int_equal(cairn_caseload_compute(&c, st, test_catalog(), &d, &err),
                     0);
    for (size_t k = 0; k < c->n; k++) {
        const cairn_caseload_entry *e = &c->entries[k];
        size_t risk = 0, unanswered_risk = 0;
        for (size_t i = 0; i < e->n_trends; i++) {
            for (size_t a = 0; a < e->trends[i]->n_alerts; a++) {
                cairn_alert_kind kind = e->trends[i]->alerts[a].kind;
                risk += kind == CAIRN_ALERT_RISK;
                unanswered_risk += kind == CAIRN_ALERT_RISK_UNANSWERED;
            }
        }
        assert_int_equal(e->n_open, open[e->client->code[0] - 'A']);
        switch (e->client->code[0]) {
        case 'A':
            assert_int_equal(risk, 1);
            assert_int_equal(unanswered_risk, 1);
            break;
        case 'B':
            assert_int_equal(risk, 1); /* the amended one has no flag */
            assert_int_equal(unanswered_risk, 0);
            assert_int_equal(e->trends[0]->n, 2);
            break;
        case 'C':
            assert_int_equal(e->trends[0]->n, 2); /* the current episode */
            break;
        case 'E':
            assert_int_equal(unanswered_risk, 2);
            assert_int_equal(risk, 2); /* EPDS item 10, PCL-5 item 16 */
            break;
        default:
            assert_int_equal(e->n_trends, 0);
        }
    }
    cairn_caseload_free(c);
    /* two flags on one row (the whole text is decoded then), and a band
     * that is not a text: refused as the full reader refuses it */
    char sql[160];
    long long first = (long long)nth_id(st, "A", 0);
    raw_sql(dir, "DROP TRIGGER assessment_frozen"); /* a hand edit */
    set_stored(dir, "flags", "[[9,1],[9,2]]", first);
    same_courses(st, d);
    set_stored(dir, "scores", "[[1,2,false]]", first);
    d.with_expectation = false; /* the model's scan would refuse it first */
    assert_int_equal(cairn_caseload_compute(&c, st, test_catalog(), &d, &err),
                     CAIRN_EINVAL);
    snprintf(sql, sizeof sql,
             "assessment %lld: stored responses or scores are malformed",
             first);
    assert_string_equal(err.message, sql);
    test_store_done(st, dir);
}

/* A walk's entries, as text (a trend's JSON per trend, the counts). */
typedef struct walked {
    size_t n, stop_at;
    char **texts;
} walked;

static char *entry_text(const cairn_caseload_entry *e)
{
    cairn_error err = CAIRN_ERROR_INIT;
    size_t cap = 256, used = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    used = (size_t)snprintf(t, cap, "%s %zu %zu %d %zu %d|", e->client->code,
                            e->n_open, e->n_acknowledged, e->has_nhstt,
                            e->nhstt_sessions, e->nhstt_finished);
    for (size_t i = 0; i < e->n_trends; i++) {
        char *j = NULL;
        assert_int_equal(cairn_trend_to_json(e->trends[i], &j, &err), 0);
        size_t n = strlen(j);
        t = realloc(t, cap = used + n + 2);
        assert_non_null(t);
        memcpy(t + used, j, n + 1);
        used += n;
        free(j);
    }
    return t;
}

static int walk_one(const cairn_caseload_entry *e, size_t k, void *arg)
{
    walked *w = arg;
    assert_int_equal(k, w->n);
    w->texts[w->n++] = entry_text(e);
    return w->n == w->stop_at ? 42 : 0;
}

/* The walk over `r`'s entries (stopping after `stop_at`, 0: never) is
 * each row's cairn_caseload_rows_entry(), and leaves no thread. */
static void walk_is_entries(cairn_caseload_rows *r, size_t stop_at)
{
    cairn_error err = CAIRN_ERROR_INIT;
    walked w = {0, stop_at, calloc(r->n + 1, sizeof(char *))};
    size_t threads = test_thread_count();
    int rc = cairn_caseload_rows_walk(r, walk_one, &w, &err);
    assert_int_equal(test_thread_count(), threads);
    assert_int_equal(rc, stop_at > 0 ? 42 : 0);
    assert_int_equal(w.n, stop_at > 0 ? stop_at : r->n);
    for (size_t k = w.n; k-- > 0;) {
        const cairn_caseload_entry *e = NULL;
        assert_int_equal(cairn_caseload_rows_entry(r, k, &e, &err), 0);
        char *t = entry_text(e);
        assert_string_equal(w.texts[k], t);
        free(t);
        free(w.texts[k]);
    }
    free(w.texts);
}

static void test_caseload_rows_entry_same_store(void **state)
{
    (void)state;
    char dir[64];
    cairn_caseload_rows *r = NULL;
    const cairn_caseload_entry *e = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    assert_int_equal(
        cairn_caseload_rows_compute(&r, st, test_catalog(), NULL, &err), 0);
    /* a record between the rows and their entries: the order may no
     * longer hold, so the walk is refused rather than shown wrong */
    test_phq9(st, "E", "2026-02-02", 20, true);
    walked w = {0, 0, calloc(r->n + 1, sizeof(char *))};
    assert_int_equal(cairn_caseload_rows_walk(r, walk_one, &w, &err),
                     CAIRN_EDB);
    assert_int_equal(w.n, 0); /* refused before the first */
    free(w.texts);
    assert_string_equal(err.message, "the store changed while the caseload "
                                     "was read; run it again");
    assert_int_equal(cairn_caseload_rows_entry(r, 0, &e, &err), CAIRN_EDB);
    assert_string_equal(err.message, "the store changed while the caseload "
                                     "was read; run it again");
    cairn_caseload_rows_free(r);
    assert_int_equal(
        cairn_caseload_rows_compute(&r, st, test_catalog(), NULL, &err), 0);
    assert_int_equal(cairn_caseload_rows_entry(r, 0, &e, &err), 0);
    assert_string_equal(e->client->code, "A");
    cairn_caseload_rows_free(r);
    test_store_done(st, dir);
}

/* The rows of two caseloads are the same, field by field. */
static void same_rows(cairn_caseload_rows *a, cairn_caseload_rows *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t k = 0; k < a->n; k++) {
        const cairn_caseload_row *x = row_at(a, k), *y = row_at(b, k);
        assert_string_equal(x->client->code, y->client->code);
        assert_int_equal(x->n_open, y->n_open);
        assert_int_equal(x->n_acknowledged, y->n_acknowledged);
        assert_int_equal(x->most_urgent, y->most_urgent);
        assert_int_equal(x->has_nhstt, y->has_nhstt);
        assert_memory_equal(&x->nhstt, &y->nhstt, sizeof x->nhstt);
        assert_int_equal(x->nhstt_finished, y->nhstt_finished);
        assert_int_equal(x->nhstt_sessions, y->nhstt_sessions);
        assert_int_equal(x->n_cells, y->n_cells);
        for (size_t i = 0; i < x->n_cells; i++) {
            const cairn_caseload_cell *c = &x->cells[i], *d = &y->cells[i];
            assert_ptr_equal(c->instrument, d->instrument);
            assert_ptr_equal(c->scale, d->scale);
            assert_ptr_equal(c->band, d->band);
            assert_int_equal(c->n, d->n);
            assert_int_equal(c->n_recent, d->n_recent);
            assert_memory_equal(c->recent, d->recent,
                                c->n_recent * sizeof *c->recent);
            assert_true(c->latest == d->latest && c->change == d->change);
            assert_string_equal(c->latest_date, d->latest_date);
            assert_int_equal(c->rci_category, d->rci_category);
            assert_int_equal(c->episode, d->episode);
            assert_int_equal(c->n_open, d->n_open);
            assert_memory_equal(c->open_kinds, d->open_kinds, c->n_open);
        }
    }
}

/* Rows with the store read on a second thread and on one thread. */
static int rows_both(cairn_store *st, cairn_caseload_options o,
                     cairn_caseload_rows **two, cairn_caseload_rows **one,
                     cairn_error *err2, cairn_error *err1)
{
    size_t threads = test_thread_count();
    o.threads = 0;
    int rc = cairn_caseload_rows_compute(two, st, test_catalog(), &o, err2);
    assert_int_equal(test_thread_count(), threads); /* none left behind */
    o.threads = 1;
    int rc1 = cairn_caseload_rows_compute(one, st, test_catalog(), &o, err1);
    assert_int_equal(rc, rc1);
    return rc;
}

/* What a kept pass's function keeps: each entry's text, then `pad`
 * bytes of 'x' (so the kept bytes go past the engine's memory and into
 * its temporary file); it stops the pass at client `stop_at`. */
typedef struct keeping {
    size_t n, pad, stop_at;
} keeping;

static int keep_one(const cairn_caseload_entry *e, cairn_caseload_keeper *kp,
                    void *arg)
{
    keeping *k = arg;
    cairn_error err = CAIRN_ERROR_INIT;
    char *t = entry_text(e);
    char x[4096];
    memset(x, 'x', sizeof x);
    assert_int_equal(cairn_caseload_keep(kp, t, strlen(t) + 1, &err), 0);
    for (size_t n = 0; n < k->pad; n += sizeof x) {
        size_t m = k->pad - n < sizeof x ? k->pad - n : sizeof x;
        assert_int_equal(cairn_caseload_keep(kp, x, m, &err), 0);
    }
    free(t);
    return ++k->n == k->stop_at ? 42 : 0;
}

/* A kept pass (options `o`) gives `plain`'s rows, and keeps each row's
 * client in full as cairn_caseload_rows_entry() gives it, read back in
 * any order; no thread is left behind; stopped, it returns the
 * function's value and no rows. */
static void kept_is_entries(cairn_store *st, cairn_caseload_options o,
                            cairn_caseload_rows *plain, size_t pad)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_caseload_rows *r = NULL;
    keeping k = {0, pad, 0};
    size_t threads = test_thread_count();
    assert_int_equal(cairn_caseload_rows_compute_kept(&r, st, test_catalog(),
                                                      &o, keep_one, &k, &err),
                     0);
    assert_int_equal(test_thread_count(), threads);
    assert_int_equal(k.n, plain->n);
    same_rows(r, plain);
    for (size_t i = r->n; i-- > 0;) { /* backwards: any order */
        const cairn_caseload_entry *e = NULL;
        const void *bytes = NULL;
        size_t n = 0;
        assert_int_equal(cairn_caseload_rows_kept(r, i, &bytes, &n, &err), 0);
        assert_int_equal(cairn_caseload_rows_entry(plain, i, &e, &err), 0);
        char *t = entry_text(e);
        assert_int_equal(n, strlen(t) + 1 + pad);
        assert_string_equal(bytes, t);
        for (size_t b = strlen(t) + 1; b < n; b++) {
            assert_int_equal(((const char *)bytes)[b], 'x');
        }
        free(t);
    }
    cairn_caseload_rows_free(r);
    k = (keeping){0, pad, 5};
    r = plain; /* must be cleared */
    assert_int_equal(cairn_caseload_rows_compute_kept(&r, st, test_catalog(),
                                                      &o, keep_one, &k, &err),
                     42);
    assert_null(r);
    assert_int_equal(k.n, 5);
    assert_int_equal(test_thread_count(), threads);
}

/*
 * The caseload's second thread (caseload_pipe.c) reads the store ahead of
 * the trends: more clients than its ring holds, clients without
 * assessments between, NHS Talking Therapies clients whose session
 * events it reads too, give what one thread gives; a stored text that is
 * malformed in the middle gives the same message, and no thread is left.
 */
static void test_caseload_two_threads(void **state)
{
    (void)state;
    char dir[64], code[16], sql[200];
    cairn_error err = CAIRN_ERROR_INIT, err1 = CAIRN_ERROR_INIT;
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload_rows *two = NULL, *one = NULL;
    cairn_store *st = test_store_new(dir, sizeof dir);
    int gad[7] = {3, 3, 2, 2, 2, 1, 1};
    for (int i = 0; i < 300; i++) {
        snprintf(code, sizeof code, "P%03d", i);
        test_client(st, code, i % 2 ? "dr.lee" : NULL, NULL);
        if (i % 7 == 3) {
            continue; /* no assessments yet */
        }
        test_phq9(st, code, "2026-01-05", 5 + i % 20, i % 11 == 0);
        test_phq9(st, code, "2026-02-05", 5 + i % 13, false);
        if (i % 25 == 1) {
            test_record(st, code, "2026-01-05", "gad7", gad, 7);
            gad[0] = i % 4;
            test_record(st, code, "2026-02-05", "gad7", gad, 7);
            cairn_event ev = {.client_code = code,
                              .date = "2026-01-20",
                              .kind = CAIRN_EVENT_SESSION};
            for (int k = 0; k < i % 3; k++) {
                assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), 0);
            }
        }
    }
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), 0);
    assert_int_equal(two->n, 300);
    size_t nhstt = 0;
    for (size_t k = 0; k < two->n; k++) {
        nhstt += row_at(two, k)->has_nhstt;
    }
    assert_int_equal(nhstt, 10);
    same_rows(two, one);
    /* the walk over the full entries, on two threads and on one */
    walk_is_entries(two, 0);
    walk_is_entries(one, 0);
    walk_is_entries(two, 100); /* stopped by its function */
    /* the rows kept in their temporary file past 1 KiB (about three
     * rows): the same rows, and the same walk */
    cairn_caseload_rows *filed = NULL;
    o.memory_limit = 1024;
    assert_int_equal(
        cairn_caseload_rows_compute(&filed, st, test_catalog(), &o, &err), 0);
    o.memory_limit = 0;
    same_rows(two, filed);
    for (size_t k = filed->n; k-- > 0;) { /* read back in any order */
        assert_string_equal(row_at(filed, k)->client->code,
                            row_at(one, k)->client->code);
    }
    walk_is_entries(filed, 0);
    cairn_caseload_rows_free(filed);
    /* one kept pass instead: the same entries, kept in memory and (64 KiB
     * a client, 19 MB) in the temporary file, on two threads and on one */
    kept_is_entries(st, o, two, 0);
    kept_is_entries(st, o, two, 64 << 10);
    o.threads = 1;
    kept_is_entries(st, o, one, 64 << 10);
    o.threads = 0;
    o.memory_limit = 1024; /* and with the rows and what is kept filed */
    kept_is_entries(st, o, two, 0);
    o.memory_limit = 0;
    cairn_caseload_rows_free(two);
    cairn_caseload_rows_free(one);
    o.clinician = "dr.lee"; /* clients of the stream skipped */
    o.instrument = "phq9";
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), 0);
    assert_int_equal(two->n, 150);
    same_rows(two, one);
    cairn_caseload_rows_free(two);
    cairn_caseload_rows_free(one);
    /* the full caseload too: each trend as one thread makes it */
    cairn_caseload *a = NULL, *b = NULL;
    o = (cairn_caseload_options)CAIRN_CASELOAD_OPTIONS_INIT;
    assert_int_equal(cairn_caseload_compute(&a, st, test_catalog(), &o, &err),
                     0);
    o.threads = 1;
    assert_int_equal(cairn_caseload_compute(&b, st, test_catalog(), &o, &err),
                     0);
    assert_int_equal(a->n, b->n);
    for (size_t k = 0; k < a->n; k++) {
        assert_int_equal(a->entries[k].n_trends, b->entries[k].n_trends);
        assert_int_equal(a->entries[k].nhstt_sessions,
                         b->entries[k].nhstt_sessions);
        for (size_t i = 0; i < a->entries[k].n_trends; i++) {
            char *x = NULL, *y = NULL;
            assert_int_equal(
                cairn_trend_to_json(a->entries[k].trends[i], &x, &err), 0);
            assert_int_equal(
                cairn_trend_to_json(b->entries[k].trends[i], &y, &err), 0);
            assert_string_equal(x, y);
            free(x);
            free(y);
        }
    }
    cairn_caseload_free(a);
    cairn_caseload_free(b);
    /* a malformed stored text at client 200, past the ring's first round,
     * written between the rows and their walk by a hand edit that does
     * not move the change counter: the walk stops at that client with
     * the message rows_entry gives, on two threads as on one */
    long long bad = (long long)nth_id(st, "P200", 1);
    long long before = (long long)nth_id(st, "P200", 0);
    o = (cairn_caseload_options)CAIRN_CASELOAD_OPTIONS_INIT;
    o.with_expectation = false; /* the model's scan would refuse it first */
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), 0);
    raw_sql(dir, "DROP TRIGGER assessment_frozen"); /* a hand edit */
    raw_sql(dir, "DROP TRIGGER assessment_UPDATE_counted");
    set_stored(dir, "scores", "[[1,2,false]]", bad);
    snprintf(sql, sizeof sql,
             "assessment %lld: stored responses or scores are malformed", bad);
    size_t at[2];
    cairn_caseload_rows *r2[2] = {two, one};
    for (int i = 0; i < 2; i++) {
        walked w = {0, 0, calloc(r2[i]->n + 1, sizeof(char *))};
        size_t threads = test_thread_count();
        cairn_error we = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_caseload_rows_walk(r2[i], walk_one, &w, &we),
                         CAIRN_EINVAL);
        assert_int_equal(test_thread_count(), threads);
        assert_string_equal(we.message, sql);
        assert_string_equal(row_at(r2[i], w.n)->client->code, "P200");
        at[i] = w.n;
        for (size_t k = 0; k < w.n; k++) {
            free(w.texts[k]);
        }
        free(w.texts);
        cairn_caseload_rows_free(r2[i]);
    }
    assert_int_equal(at[0], at[1]);
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), CAIRN_EINVAL);
    assert_null(two);
    assert_null(one);
    snprintf(sql, sizeof sql,
             "assessment %lld: stored responses or scores are malformed", bad);
    assert_string_equal(err.message, sql);
    assert_string_equal(err1.message, sql);
    /* and responses SQLite cannot read on the same row: their message
     * comes first, as the query's own JSON functions gave it */
    set_stored(dir, "responses", "[0,0,0,0,0,0,0,0,null", bad);
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), CAIRN_EDB);
    assert_non_null(strstr(err.message, "malformed JSON"));
    assert_string_equal(err.message, err1.message);
    /* malformed scores on the client's row before it: that message
     * first, though the reading thread met the responses' error first
     * (the texts are decoded on the caseload's thread) */
    set_stored(dir, "scores", "[[1,2,false]]", before);
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), CAIRN_EINVAL);
    snprintf(sql, sizeof sql,
             "assessment %lld: stored responses or scores are malformed",
             before);
    assert_string_equal(err.message, sql);
    assert_string_equal(err1.message, sql);
    test_store_done(st, dir);
}

/*
 * Rows past the memory limit go to a temporary file beside the database:
 * when none can be made there, the caseload says where and why and
 * gives no rows; under the limit it needs none.
 */
static void test_caseload_rows_file_cannot_be_made(void **state)
{
    (void)state;
    char dir[64], moved[80], msg[200];
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload_rows *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    /* the database's folder gone from under the open store */
    snprintf(moved, sizeof moved, "%s-moved", dir);
    assert_int_equal(rename(dir, moved), 0);
    o.memory_limit = 64;
    assert_int_equal(
        cairn_caseload_rows_compute(&r, st, test_catalog(), &o, &err),
        CAIRN_EIO);
    assert_null(r);
    snprintf(msg, sizeof msg,
             "%s/t.db: cannot create a temporary file: No such file or "
             "directory",
             dir);
    assert_string_equal(err.message, msg);
    o.memory_limit = 0; /* 16 MiB: four rows stay in memory */
    assert_int_equal(
        cairn_caseload_rows_compute(&r, st, test_catalog(), &o, &err), 0);
    assert_int_equal(r->n, 4);
    cairn_caseload_rows_free(r);
    cairn_caseload_rows_free(NULL);
    assert_int_equal(rename(moved, dir), 0);
    test_store_done(st, dir);
}

/* A course stream skips the rows of a client the store does not have
 * (a hand edit), as the join it replaced did, and gives every other
 * row its client's code. */
static void test_caseload_course_stream_orphan(void **state)
{
    (void)state;
    char dir[64];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    test_client(st, "A", NULL, NULL);
    test_client(st, "B", NULL, NULL);
    test_phq9(st, "A", "2026-01-05", 12, true);
    test_phq9(st, "B", "2026-01-05", 3, false);
    test_phq9(st, "B", "2026-01-12", 4, false);
    raw_sql(dir, "INSERT INTO assessment (client_id, instrument,"
                 " administered_at, responses, definition_id, scores, flags)"
                 " SELECT 99, instrument, administered_at, responses,"
                 " definition_id, scores, flags FROM assessment LIMIT 1");
    int risk[1] = {9};
    cairn_course_want w = {"phq9", 0, "total", risk, 1};
    cairn_assessment_stream *as = NULL;
    cairn_assessment_list *l = NULL;
    assert_int_equal(cairn_store_course_stream_open(&as, st, &w, 1, &err), 0);
    const char *want[] = {"A", "B"};
    size_t n[] = {1, 2}, k = 0;
    while (cairn_store_assessment_stream_next(as, &l, &err) > 0) {
        assert_true(k < 2);
        assert_int_equal(l->n, n[k]);
        for (size_t i = 0; i < l->n; i++) {
            assert_string_equal(l->items[i].client_code, want[k]);
        }
        cairn_store_assessment_list_free(l);
        k++;
    }
    assert_int_equal(k, 2);
    cairn_store_assessment_stream_close(as);
    test_store_done(st, dir);
}

/*
 * Clients whose codes do not sort as their ids (Z, M, A, D added in
 * that order), one discharged (D, whose rows are still read and
 * skipped) and a row of a client the store does not have: the client
 * list by id, the course stream taking each client's code from that
 * list (cairn__store_course_clients), and the rows, on two threads and
 * on one, each with its own client's course.
 */
static void test_caseload_codes_not_in_id_order(void **state)
{
    (void)state;
    char dir[64];
    cairn_error err = CAIRN_ERROR_INIT, err1 = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    const char *codes[] = {"Z", "M", "A", "D"};
    for (int i = 0; i < 4; i++) {
        test_client(st, codes[i], NULL, NULL);
        for (int k = 0; k <= i; k++) { /* Z one score, M two, ... */
            char date[24];
            snprintf(date, sizeof date, "2026-01-%02d", 5 + 7 * k);
            test_phq9(st, codes[i], date, 10 + i, false);
        }
    }
    assert_int_equal(cairn_store_episode_add(st, "D", "2026-01-01", NULL, &err),
                     0);
    assert_int_equal(cairn_store_episode_set_end(st, "D", "2026-03-01", &err),
                     0);
    raw_sql(dir, "INSERT INTO assessment (client_id, instrument,"
                 " administered_at, responses, definition_id, scores, flags)"
                 " SELECT 99, instrument, administered_at, responses,"
                 " definition_id, scores, flags FROM assessment LIMIT 1");
    cairn_client_list *l = NULL;
    assert_int_equal(cairn__store_client_list_by_id(&l, st, &err), 0);
    assert_int_equal(l->n, 4);
    for (size_t i = 0; i < l->n; i++) {
        assert_int_equal(l->items[i].id, (int64_t)i + 1);
        assert_string_equal(l->items[i].code, codes[i]);
    }
    /* the stream with the codes given: the orphan's row skipped, each
     * list with its code from the given ones */
    int64_t ids[4];
    const char *given[4] = {"given-Z", "given-M", "given-A", "given-D"};
    for (size_t i = 0; i < 4; i++) {
        ids[i] = l->items[i].id;
    }
    int risk[1] = {9};
    cairn_course_want w = {"phq9", 0, "total", risk, 1};
    cairn_assessment_stream *as = NULL;
    cairn_assessment_list *al = NULL;
    assert_int_equal(cairn_store_course_stream_open(&as, st, &w, 1, &err), 0);
    cairn__store_course_clients(as, ids, given, 4);
    size_t k = 0;
    while (cairn_store_assessment_stream_next(as, &al, &err) > 0) {
        assert_true(k < 4);
        assert_int_equal(al->n, k + 1);
        for (size_t i = 0; i < al->n; i++) {
            assert_int_equal(al->items[i].client_id, ids[k]);
            assert_string_equal(al->items[i].client_code, given[k]);
        }
        cairn_store_assessment_list_free(al);
        k++;
    }
    assert_int_equal(k, 4);
    cairn_store_assessment_stream_close(as);
    cairn_store_client_list_free(l);
    /* the rows: by code among equals (A, M, Z; D discharged), each with
     * its own client's scores, on two threads as on one */
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload_rows *two = NULL, *one = NULL;
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), 0);
    same_rows(two, one);
    assert_int_equal(two->n, 3);
    const char *want[] = {"A", "M", "Z"};
    size_t n_want[] = {3, 2, 1};
    for (size_t i = 0; i < two->n; i++) {
        const cairn_caseload_row *r = row_at(two, i);
        assert_string_equal(r->client->code, want[i]);
        assert_int_equal(r->n_cells, 1);
        assert_int_equal(r->cells[0].n, n_want[i]);
        assert_true(r->cells[0].latest == 10 + (double)(n_want[i] - 1));
    }
    cairn_caseload_rows_free(two);
    cairn_caseload_rows_free(one);
    order(st, "AMZ"); /* and each row's entry read alone agrees */
    test_store_done(st, dir);
}

/* Clients equal in urgency come by code, as strcmp orders the codes,
 * also where the first eight bytes are the same or one is shorter. */
static void test_caseload_order_by_long_codes(void **state)
{
    (void)state;
    char dir[64];
    cairn_error err = CAIRN_ERROR_INIT, err1 = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    const char *codes[] = {"PREFIX00b", "PREFIX00a",  "PREFIX0", "B",
                           "PREFIX00",  "PREFIX00ab", "Z",       "PREFIX01"};
    const char *want[] = {"B",          "PREFIX0",   "PREFIX00", "PREFIX00a",
                          "PREFIX00ab", "PREFIX00b", "PREFIX01", "Z"};
    for (int i = 0; i < 8; i++) {
        test_client(st, codes[i], NULL, NULL);
        test_phq9(st, codes[i], "2026-01-05", 4, false);
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload_rows *two = NULL, *one = NULL;
    assert_int_equal(rows_both(st, o, &two, &one, &err, &err1), 0);
    same_rows(two, one);
    assert_int_equal(two->n, 8);
    for (size_t i = 0; i < two->n; i++) {
        assert_string_equal(row_at(two, i)->client->code, want[i]);
    }
    cairn_caseload_rows_free(two);
    cairn_caseload_rows_free(one);
    cairn_caseload *c = caseload(st); /* the full caseload: the same */
    same_as_rows(st, c);
    cairn_caseload_free(c);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caseload_urgency_and_alert_states),
        cmocka_unit_test(test_caseload_one_client_and_instrument),
        cmocka_unit_test(test_caseload_expectation_needs_enough_clients),
        cmocka_unit_test(test_caseload_model_cache_is_never_stale),
        cmocka_unit_test(test_caseload_model_cache_raw_edits),
        cmocka_unit_test(test_caseload_active_rule),
        cmocka_unit_test(test_caseload_alert_list_and_actions),
        cmocka_unit_test(test_caseload_alert_top),
        cmocka_unit_test(test_caseload_alert_age_words),
        cmocka_unit_test(test_caseload_course_stream),
        cmocka_unit_test(test_caseload_rows_entry_same_store),
        cmocka_unit_test(test_caseload_two_threads),
        cmocka_unit_test(test_caseload_course_stream_orphan),
        cmocka_unit_test(test_caseload_rows_file_cannot_be_made),
        cmocka_unit_test(test_caseload_codes_not_in_id_order),
        cmocka_unit_test(test_caseload_order_by_long_codes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
