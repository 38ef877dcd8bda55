/*
 * test_store.c - the longitudinal store through its public API: opening,
 * clients and couples, episodes, events, assessments and their versions,
 * the cohort cursor, rescoring and the audit chain.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/store.h"
#include "helpers.h"
#include "../engine/src/store_db.h"

static cairn_store *mem_store(void)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    o.actor = "tester";
    if (cairn_store_open(&st, ":memory:", &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return st;
}

static void add_client(cairn_store *st, const char *code)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

/* Store `codes` (NA = missing) of `inst` for `client` on `date`. */
static int64_t add_assessment(cairn_store *st, const char *client,
                              const char *inst, const char *date,
                              const int *codes, size_t n)
{
    const cairn_instrument *in = test_instrument(inst);
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    int64_t id = 0;
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] != NA) {
            assert_int_equal(cairn_responses_set(r, in, i, codes[i], &err),
                             CAIRN_OK);
        }
    }
    assert_int_equal(cairn_score_compute(&s, in, r, &err), CAIRN_OK);
    o.client_code = client;
    o.administered_at = date;
    if (cairn_store_assessment_add(st, s, r, &o, &id, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_score_free(s);
    cairn_responses_free(r);
    return id;
}

static const int phq_a[9] = {1, 2, 0, 3, 1, 0, 2, 1, 1};
static const int phq_b[9] = {2, 2, 1, 1, 2, NA, 1, 1, NA};

static void test_store_open_missing_file(void **state)
{
    (void)state;
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_open(&st, "/nonexistent/cairn.db", NULL, &err),
                     CAIRN_ENOTFOUND);
    assert_null(st);
    assert_string_equal(err.message, "/nonexistent/cairn.db: no such "
                                     "database");
}

static void test_store_create_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-test-XXXXXX";
    char path[64], junk[64];
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    struct stat sb;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.db", dir);
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    o.create = true;
    assert_int_equal(cairn_store_open(&st, path, &o, &err), CAIRN_OK);
    assert_int_equal(cairn_store_schema_version(st), CAIRN_STORE_SCHEMA);
    cairn_store_close(st);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(cairn_store_open(&st, path, &o, &err), CAIRN_EEXISTS);
    o.create = false;
    assert_int_equal(cairn_store_open(&st, path, &o, &err), CAIRN_OK);
    cairn_store_close(st);
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    fputs("this is not a database, it is a long enough line of text\n", f);
    fclose(f);
    assert_int_equal(cairn_store_open(&st, junk, &o, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "not a Cairn database"));
    unlink(junk);
    unlink(path);
    rmdir(dir);
}

static void test_store_clients_and_couples(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_client c = {0}, *got = NULL;
    cairn_client_list *list = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = "C001";
    c.name = "Anna";
    c.birth_year = 1990;
    c.loss_date = "2024-03-02";
    c.gestation_weeks = 31;
    c.loss_kind = CAIRN_LOSS_STILLBIRTH;
    c.notes = "line one\nline two";
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_OK);
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_EEXISTS);
    cairn_client p = {0};
    p.code = "C002";
    p.partner_code = "C001";
    assert_int_equal(cairn_store_client_add(st, &p, NULL, &err), CAIRN_OK);
    assert_int_equal(cairn_store_client_get(&got, st, "C001", &err), CAIRN_OK);
    assert_string_equal(got->name, "Anna");
    assert_string_equal(got->partner_code, "C002");
    assert_int_equal(got->loss_kind, CAIRN_LOSS_STILLBIRTH);
    assert_int_equal(got->gestation_weeks, 31);
    cairn_client edit = *got;
    edit.name = NULL;
    edit.clinician = "dr lee";
    assert_int_equal(cairn_store_client_set(st, &edit, &err), CAIRN_OK);
    cairn_store_client_free(got);
    got = NULL;
    assert_int_equal(cairn_store_client_get(&got, st, "C001", &err), CAIRN_OK);
    assert_null(got->name);
    assert_string_equal(got->clinician, "dr lee");
    cairn_store_client_free(got);
    add_client(st, "C003");
    assert_int_equal(cairn_store_couple_add(st, "C003", "C001", &err),
                     CAIRN_EEXISTS);
    assert_int_equal(cairn_store_couple_add(st, "C003", "C003", &err),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_client_list(&list, st, &err), CAIRN_OK);
    assert_int_equal(list->n, 3);
    assert_string_equal(list->items[2].code, "C003");
    cairn_store_client_list_free(list);
    assert_int_equal(cairn_store_client_get(&got, st, "nope", &err),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err.message, "no client 'nope'");
    c.code = "bad code";
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_EINVAL);
    c.code = "C009";
    c.gestation_weeks = 60;
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "gestation weeks 60 is outside 1..45");
    assert_int_equal(cairn_store_audit_verify(st, NULL, &err), CAIRN_OK);
    cairn_store_close(st);
}

static void test_store_kind_names(void **state)
{
    (void)state;
    cairn_error err = CAIRN_ERROR_INIT;
    for (int i = 0; i < CAIRN_LOSS_KIND_COUNT; i++) {
        cairn_loss_kind k;
        if (i == CAIRN_LOSS_UNKNOWN) {
            continue;
        }
        assert_int_equal(
            cairn_loss_kind_parse(&k, cairn_loss_kind_name(i), &err), CAIRN_OK);
        assert_int_equal(k, i);
    }
    for (int i = 0; i < CAIRN_EVENT_KIND_COUNT; i++) {
        cairn_event_kind k;
        assert_int_equal(
            cairn_event_kind_parse(&k, cairn_event_kind_name(i), &err),
            CAIRN_OK);
        assert_int_equal(k, i);
    }
    for (int i = 0; i < CAIRN_METHOD_COUNT; i++) {
        assert_string_not_equal(cairn_method_name(i), "unknown");
    }
}

static void test_store_episodes_and_events(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_episode_list *eps = NULL;
    cairn_event_list *evs = NULL;
    add_client(st, "C001");
    assert_int_equal(
        cairn_store_episode_add(st, "C001", "2024-01-10", NULL, &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_store_episode_add(st, "C001", "2024-01-11", NULL, &err),
        CAIRN_EEXISTS);
    assert_int_equal(
        cairn_store_episode_set_end(st, "C001", "2024-01-01", &err),
        CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_episode_set_end(st, "C001", "2024-03-01", &err), CAIRN_OK);
    assert_int_equal(cairn_store_episode_list(&eps, st, "C001", &err),
                     CAIRN_OK);
    assert_int_equal(eps->n, 1);
    assert_string_equal(eps->items[0].ended_on, "2024-03-01");
    cairn_store_episode_list_free(eps);
    cairn_event ev = {0, "C001", "2024-02-01", CAIRN_EVENT_INTERVENTION_START,
                      "mindfulness"};
    assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), CAIRN_OK);
    ev.date = "2099-05-01"; /* a due date may lie ahead */
    ev.kind = CAIRN_EVENT_DUE_DATE;
    ev.label = NULL;
    assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), CAIRN_OK);
    ev.date = "2024-02-30";
    assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), CAIRN_EINVAL);
    assert_int_equal(cairn_store_event_list(&evs, st, "C001", &err), CAIRN_OK);
    assert_int_equal(evs->n, 2);
    assert_int_equal(evs->items[1].kind, CAIRN_EVENT_DUE_DATE);
    cairn_store_event_list_free(evs);
    assert_int_equal(cairn_store_audit_verify(st, NULL, &err), CAIRN_OK);
    cairn_store_close(st);
}

/* Every client's episodes in one query, as each client's own list. */
static void test_store_episode_lists(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    static const char *const codes[] = {"A", "B", "C", "D"};
    for (size_t i = 0; i < 4; i++) {
        add_client(st, codes[i]);
    }
    /* A: two episodes (the first ended); B none; C one, open; D none
     * and left out of the clients asked for */
    assert_int_equal(cairn_store_episode_add(st, "A", "2024-01-10", NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_set_end(st, "A", "2024-02-01", &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_add(st, "A", "2024-03-01", NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_add(st, "C", "2024-01-05", NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_add(st, "D", "2024-01-06", NULL, &err),
                     CAIRN_OK);
    cairn_client_list *all = NULL;
    assert_int_equal(cairn_store_client_list(&all, st, &err), CAIRN_OK);
    cairn_client asked[3];
    size_t n = 0;
    for (size_t i = 0; i < all->n; i++) {
        if (strcmp(all->items[i].code, "D") != 0) {
            asked[n++] = all->items[i];
        }
    }
    assert_int_equal(n, 3);
    for (size_t i = 1; i < n; i++) { /* ascending ids, as required */
        for (size_t j = i; j > 0 && asked[j - 1].id > asked[j].id; j--) {
            cairn_client t = asked[j];
            asked[j] = asked[j - 1];
            asked[j - 1] = t;
        }
    }
    cairn_episode_list *lists[3] = {NULL};
    assert_int_equal(cairn_store_episode_lists(lists, st, asked, n, &err),
                     CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        cairn_episode_list *one = NULL;
        assert_int_equal(
            cairn_store_episode_list(&one, st, asked[i].code, &err), CAIRN_OK);
        assert_int_equal(lists[i]->n, one->n);
        for (size_t k = 0; k < one->n; k++) {
            assert_int_equal(lists[i]->items[k].id, one->items[k].id);
            assert_string_equal(lists[i]->items[k].started_on,
                                one->items[k].started_on);
            assert_true((lists[i]->items[k].ended_on == NULL) ==
                        (one->items[k].ended_on == NULL));
            if (one->items[k].ended_on != NULL) {
                assert_string_equal(lists[i]->items[k].ended_on,
                                    one->items[k].ended_on);
            }
        }
        assert_int_equal(one->n, strcmp(asked[i].code, "A") == 0   ? 2
                                 : strcmp(asked[i].code, "C") == 0 ? 1
                                                                   : 0);
        cairn_store_episode_list_free(one);
        cairn_store_episode_list_free(lists[i]);
    }
    cairn_store_client_list_free(all);
    cairn_store_close(st);
}

static void test_store_assessment_roundtrip(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_list *l = NULL;
    add_client(st, "C001");
    add_assessment(st, "C001", "phq9", "2024-01-12", phq_b, 9);
    add_assessment(st, "C001", "phq9", "2024-01-05T10:00:00+01:00", phq_a, 9);
    assert_int_equal(cairn_store_assessment_list(&l, st, "C001", "phq9",
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 2);
    const cairn_assessment *a = &l->items[0];
    assert_string_equal(a->administered_at, "2024-01-05T09:00:00Z");
    assert_string_equal(a->instrument, "phq9");
    assert_string_equal(a->fingerprint,
                        cairn_instrument_fingerprint(test_instrument("phq9")));
    assert_int_equal(a->n_items, 9);
    assert_int_equal(a->codes[3], 3);
    assert_int_equal(a->n_scales, 1);
    assert_string_equal(a->scales[0].scale, "total");
    assert_true(a->scales[0].score == 11);
    assert_string_equal(a->scales[0].band, "moderate");
    assert_int_equal(a->n_flags, 1);
    assert_int_equal(a->flags[0].item, 9);
    assert_int_equal(a->n_rules, 2);
    assert_int_equal(a->rules[1].value, CAIRN_TRUE);
    assert_string_equal(a->entered_by, "tester");
    assert_int_equal(a->method, CAIRN_METHOD_CLINICIAN);
    const cairn_assessment *b = &l->items[1];
    assert_true(b->missing[5] && b->missing[8] && !b->missing[0]);
    assert_true(b->scales[0].prorated);
    assert_true(b->scales[0].score == 13);
    assert_int_equal(b->rules[0].value, CAIRN_UNKNOWN);
    cairn_store_assessment_list_free(l);
    /* the same answers for the same date are refused */
    const cairn_instrument *in = test_instrument("phq9");
    cairn_score *s = test_score("phq9", phq_b, 9);
    cairn_responses *r = NULL;
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        if (phq_b[i] != NA) {
            cairn_responses_set(r, in, i, phq_b[i], &err);
        }
    }
    cairn_assessment_options o = {"C001", "2024-01-12", CAIRN_METHOD_CLINICIAN,
                                  NULL};
    assert_int_equal(cairn_store_assessment_add(st, s, r, &o, NULL, &err),
                     CAIRN_EEXISTS);
    o.administered_at = "2023-02-29";
    assert_int_equal(cairn_store_assessment_add(st, s, r, &o, NULL, &err),
                     CAIRN_EINVAL);
    o.client_code = "C404";
    o.administered_at = "2024-01-12";
    assert_int_equal(cairn_store_assessment_add(st, s, r, &o, NULL, &err),
                     CAIRN_ENOTFOUND);
    cairn_score_free(s);
    cairn_responses_free(r);
    cairn_store_close(st);
}

static void test_store_amend_and_void(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_list *l = NULL;
    cairn_assessment *x = NULL;
    int64_t nid = 0;
    add_client(st, "C001");
    int64_t id = add_assessment(st, "C001", "phq9", "2024-01-05", phq_a, 9);
    int64_t other = add_assessment(st, "C001", "gad7", "2024-01-05",
                                   (const int[]){1, 1, 1, 1, 1, 1, 1}, 7);
    const cairn_instrument *in = test_instrument("phq9");
    cairn_score *s = test_score("phq9", phq_b, 9);
    cairn_responses *r = NULL;
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        if (phq_b[i] != NA) {
            cairn_responses_set(r, in, i, phq_b[i], &err);
        }
    }
    assert_int_equal(
        cairn_store_assessment_amend(st, id, s, r, NULL, NULL, &nid, &err),
        CAIRN_EINVAL);
    assert_int_equal(cairn_store_assessment_amend(st, other, s, r, NULL,
                                                  "wrong", &nid, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message, "assessment 2 is a gad7, not a phq9");
    assert_int_equal(cairn_store_assessment_amend(st, id, s, r, "2024-01-06",
                                                  "misread", &nid, &err),
                     CAIRN_OK);
    assert_int_equal(
        cairn_store_assessment_amend(st, id, s, r, NULL, "again", NULL, &err),
        CAIRN_EINVAL);
    assert_int_equal(cairn_store_assessment_get(&x, st, id, &err), CAIRN_OK);
    assert_int_equal(x->superseded_by, nid);
    cairn_store_assessment_free(x);
    assert_int_equal(cairn_store_assessment_get(&x, st, nid, &err), CAIRN_OK);
    assert_int_equal(x->supersedes, id);
    assert_string_equal(x->reason, "misread");
    assert_string_equal(x->administered_at, "2024-01-06");
    cairn_store_assessment_free(x);
    assert_int_equal(
        cairn_store_assessment_void(st, other, "wrong client", &err), CAIRN_OK);
    assert_int_equal(cairn_store_assessment_void(st, other, "again", &err),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_assessment_list(&l, st, "C001", NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].id, nid);
    cairn_store_assessment_list_free(l);
    assert_int_equal(
        cairn_store_assessment_list(&l, st, "C001", NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 3);
    cairn_store_assessment_list_free(l);
    assert_int_equal(cairn_store_assessment_get(&x, st, 99, &err),
                     CAIRN_ENOTFOUND);
    cairn_audit_report rep;
    assert_int_equal(cairn_store_audit_verify(st, &rep, &err), CAIRN_OK);
    assert_int_equal(rep.assessments, 3);
    assert_int_equal(rep.entries, 8); /* with store.create, 2 definitions */
    cairn_score_free(s);
    cairn_responses_free(r);
    cairn_store_close(st);
}

static void test_store_cursor_reads_a_cohort(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store_cursor *cur = NULL;
    const cairn_cohort_row *row = NULL;
    add_client(st, "B");
    add_client(st, "A");
    add_assessment(st, "A", "phq9", "2024-02-01", phq_b, 9);
    add_assessment(st, "B", "phq9", "2024-01-01", phq_a, 9);
    add_assessment(st, "A", "phq9", "2024-01-01", phq_a, 9);
    add_assessment(st, "A", "gad7", "2024-01-01",
                   (const int[]){0, 0, 0, 0, 0, 0, 0}, 7);
    assert_int_equal(cairn_store_cursor_open(&cur, st, "phq9", &err), CAIRN_OK);
    const char *want[3][2] = {
        {"B", "2024-01-01"}, {"A", "2024-01-01"}, {"A", "2024-02-01"}};
    int n = 0, rc;
    while ((rc = cairn_store_cursor_next(cur, &row, &err)) == 1) {
        assert_true(n < 3);
        assert_string_equal(row->client_code, want[n][0]);
        assert_string_equal(row->administered_at, want[n][1]);
        assert_int_equal(row->n_scales, 1);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3);
    cairn_store_cursor_close(cur);
    cairn_store_close(st);
}

static void test_store_rescore_same_definition(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_rescore_result res;
    add_client(st, "C001");
    add_assessment(st, "C001", "phq9", "2024-01-05", phq_a, 9);
    assert_int_equal(
        cairn_store_rescore(st, test_instrument("phq9"), false, &res, &err),
        CAIRN_OK);
    assert_int_equal(res.examined, 1);
    assert_int_equal(res.current, 1);
    assert_int_equal(res.rescored, 0);
    cairn_store_close(st);
}

static void test_store_audit_list(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_audit_list *l = NULL;
    add_client(st, "C001");
    add_assessment(st, "C001", "phq9", "2024-01-05", phq_a, 9);
    assert_int_equal(cairn_store_audit_list(&l, st, 0, &err), CAIRN_OK);
    assert_int_equal(l->n, 4);
    assert_string_equal(l->items[0].action, "store.create");
    assert_string_equal(l->items[1].action, "client.add");
    assert_string_equal(l->items[1].who, "tester");
    assert_string_equal(l->items[2].action, "definition.add");
    assert_string_equal(l->items[2].target, "definition:1");
    assert_string_equal(l->items[3].action, "assessment.add");
    assert_string_equal(l->items[3].target, "batch:1");
    assert_non_null(strstr(l->items[3].after, "\"responses\":[1,2,0,3,1,"));
    assert_int_equal(strlen(l->items[3].hash), 64);
    cairn_store_audit_list_free(l);
    assert_int_equal(cairn_store_audit_list(&l, st, 1, &err), CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].seq, 4);
    cairn_store_audit_list_free(l);
    cairn_store_close(st);
}

/* A one-scale scan gives each row the scale at that position, as the
 * full decoding does, and no scale past the definition's last; its band
 * comes with the items, or by id (also of a row already passed). */
static void test_store_cursor_one_scale(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    int codes[20];
    for (int i = 0; i < 20; i++) {
        codes[i] = (i * 7) % 5;
    }
    test_client(st, "P", NULL, NULL);
    test_record(st, "P", "2026-02-02", "pcl5", codes, 20);
    codes[3] = NA;
    test_record(st, "P", "2026-02-09", "pcl5", codes, 20);
    cairn_error err = CAIRN_ERROR_INIT;
    for (size_t k = 0; k < 6; k++) {
        cairn_store_cursor *all = NULL, *one = NULL;
        const cairn_cohort_row *a = NULL, *o = NULL;
        assert_int_equal(cairn_store_cursor_open(&all, st, "pcl5", &err), 0);
        assert_int_equal(
            cairn_store_cursor_open_scale(&one, st, "pcl5", k, &err), 0);
        size_t rows = 0;
        int64_t first_id = 0;
        char first_band[64] = "";
        while (cairn_store_cursor_next(all, &a, &err) == 1) {
            assert_int_equal(cairn_store_cursor_next(one, &o, &err), 1);
            rows++;
            assert_int_equal(o->assessment_id, a->assessment_id);
            if (rows == 1) {
                first_id = a->assessment_id;
            }
            if (k >= a->n_scales) {
                assert_int_equal(o->n_scales, 0);
                continue;
            }
            const cairn_stored_scale *x = &a->scales[k], *y = &o->scales[0];
            assert_int_equal(o->n_scales, 1);
            assert_string_equal(y->scale, x->scale);
            assert_int_equal(y->has_score, x->has_score);
            assert_true(!x->has_score || y->score == x->score);
            assert_null(o->client_code);
            assert_string_equal(o->fingerprint, a->fingerprint);
            assert_string_equal(o->administered_at, a->administered_at);
            assert_null(y->band); /* not read until asked */
            assert_int_equal(cairn_store_cursor_items(one, &err), 0);
            assert_int_equal(cairn_store_cursor_items(all, &err), 0);
            assert_int_equal(o->n_items, a->n_items);
            for (size_t i = 0; i < a->n_items; i++) {
                assert_int_equal(o->missing[i], a->missing[i]);
                assert_true(a->missing[i] || o->codes[i] == a->codes[i]);
            }
            if (x->band == NULL) {
                assert_null(y->band);
            } else {
                assert_string_equal(y->band, x->band);
            }
            /* the first row's band by id, on the first row and after */
            const char *by_id = NULL;
            assert_int_equal(
                cairn_store_cursor_band(one, first_id, &by_id, &err), 0);
            if (rows == 1) {
                snprintf(first_band, sizeof first_band, "%s",
                         x->band ? x->band : "(none)");
            }
            assert_string_equal(by_id ? by_id : "(none)", first_band);
        }
        assert_int_equal(cairn_store_cursor_next(one, &o, &err), 0);
        assert_int_equal(rows, 2);
        const char *none = NULL;
        assert_int_equal(cairn_store_cursor_band(all, first_id, &none, &err),
                         CAIRN_EINVAL);
        assert_int_equal(cairn_store_cursor_band(one, 999999, &none, &err),
                         CAIRN_ENOTFOUND);
        cairn_store_cursor_close(all);
        cairn_store_cursor_close(one);
    }
    test_store_done(st, dir);
}

/* A one-scale scan decodes each distinct scores and responses text once
 * and keeps the first 8,192 of each: past them, each row's band and
 * items, and the band of the row before it, still come right, as does an
 * earlier row's by id; scores text that is not JSON is refused in the
 * store's words. */
static void test_store_cursor_one_scale_texts(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    int codes[9] = {1, 2, 1, 0, 0, 1, 1, 2, 0};
    test_client(st, "P", NULL, NULL);
    test_record(st, "P", "2026-01-01", "phq9", codes, 9);
    /* 8,300 more rows, each with its own band and item 9 */
    assert_int_equal(
        sqlite3_exec(st->db,
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                     " SELECT i + 1 FROM n WHERE i < 8300)"
                     " INSERT INTO assessment (client_id, instrument,"
                     " administered_at, responses, definition_id, scores)"
                     " SELECT client_id, instrument,"
                     " date(administered_at, '+' || i || ' days'),"
                     " '[1,2,1,0,0,1,1,2,' || i || ']',"
                     " definition_id, '[[' || (i % 28) || ',\"b' || i ||"
                     " '\",false]]' FROM assessment, n WHERE id = 1",
                     NULL, NULL, NULL),
        SQLITE_OK);
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store_cursor *one = NULL;
    const cairn_cohort_row *o = NULL;
    assert_int_equal(cairn_store_cursor_open_scale(&one, st, "phq9", 0, &err),
                     0);
    int64_t ids[3] = {0};
    int rows = 0, rc;
    while ((rc = cairn_store_cursor_next(one, &o, &err)) == 1) {
        char want[32];
        const char *band = NULL;
        ids[2] = ids[1];
        ids[1] = ids[0];
        ids[0] = o->assessment_id;
        assert_int_equal(o->n_scales, 1);
        assert_true(o->scales[0].has_score);
        if (rows > 0) {
            assert_true(o->scales[0].score == rows % 28);
        }
        assert_int_equal(cairn_store_cursor_items(one, &err), 0);
        assert_int_equal(o->n_items, 9);
        assert_int_equal(o->codes[1], 2);
        assert_int_equal(o->codes[8], rows);
        snprintf(want, sizeof want, "b%d", rows);
        if (rows > 0) {
            assert_string_equal(o->scales[0].band, want);
        }
        for (int back = 1; back <= 2 && rows - back > 0; back++) {
            assert_int_equal(
                cairn_store_cursor_band(one, ids[back], &band, &err), 0);
            snprintf(want, sizeof want, "b%d", rows - back);
            assert_string_equal(band, want);
        }
        rows++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(rows, 8301);
    cairn_store_cursor_close(one);
    assert_int_equal(sqlite3_exec(st->db,
                                  "DROP TRIGGER assessment_frozen;"
                                  " UPDATE assessment SET scores = 'total 8'"
                                  " WHERE id = 3",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cairn_store_cursor_open_scale(&one, st, "phq9", 0, &err),
                     0);
    while ((rc = cairn_store_cursor_next(one, &o, &err)) == 1) {
    }
    assert_int_equal(rc, CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "assessment 3: stored scores are malformed");
    cairn_store_cursor_close(one);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_open_missing_file),
        cmocka_unit_test(test_store_create_file),
        cmocka_unit_test(test_store_clients_and_couples),
        cmocka_unit_test(test_store_kind_names),
        cmocka_unit_test(test_store_episodes_and_events),
        cmocka_unit_test(test_store_episode_lists),
        cmocka_unit_test(test_store_assessment_roundtrip),
        cmocka_unit_test(test_store_amend_and_void),
        cmocka_unit_test(test_store_cursor_reads_a_cohort),
        cmocka_unit_test(test_store_cursor_one_scale),
        cmocka_unit_test(test_store_cursor_one_scale_texts),
        cmocka_unit_test(test_store_rescore_same_definition),
        cmocka_unit_test(test_store_audit_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
