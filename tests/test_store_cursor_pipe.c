/*
 * test_store_cursor_pipe.c - the one-scale cohort scan on two threads
 * (cairn__store_cursor_each: SQLite stepped on one, the rows decoded on
 * the other) gives every row, band and item as one thread does, the
 * same first error (of the first bad row in scan order, whichever thread
 * meets it), and leaves no thread behind.
 */
#include <sqlite3.h>

#include "cairn/cohort.h"
#include "cairn/store.h"
#include "helpers.h"
#include "../engine/src/store_db.h"
#include "../engine/src/store_internal.h"

/* 30,000 rows of one client after the first (several of the pipe's
 * buffers), each with its own band and item 9, a second definition of
 * the instrument from row 10,000 on, a row in every 7th without a score
 * at the scale; some rows' responses hold a null. */
static cairn_store *big_store(char *dir, size_t size)
{
    cairn_store *st = test_store_new(dir, size);
    int codes[9] = {1, 2, 1, 0, 0, 1, 1, 2, 0};
    test_client(st, "P", NULL, NULL);
    test_client(st, "Q", NULL, NULL);
    test_record(st, "P", "2026-01-01", "phq9", codes, 9);
    assert_int_equal(
        sqlite3_exec(
            st->db,
            "INSERT INTO definition (fingerprint, instrument, version,"
            " n_items, scales, rules) SELECT fingerprint || '-2', instrument,"
            " version, n_items, scales, rules FROM definition WHERE id = 1;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
            " SELECT i + 1 FROM n WHERE i < 30000)"
            " INSERT INTO assessment (client_id, instrument,"
            " administered_at, responses, definition_id, scores)"
            " SELECT client_id + (i > 20000), instrument,"
            " date(administered_at, '+' || i || ' days'),"
            " CASE WHEN i % 11 = 0 THEN '[1,null,1,0,0,1,1,2,' || i || ']'"
            " ELSE '[1,2,1,0,0,1,1,2,' || i || ']' END,"
            " CASE WHEN i > 10000 THEN 2 ELSE 1 END,"
            " CASE WHEN i % 7 = 0 THEN '[]' ELSE"
            " '[[' || (i % 28) || ',\"b' || i || '\",false]]' END"
            " FROM assessment, n WHERE id = 1",
            NULL, NULL, NULL),
        SQLITE_OK);
    return st;
}

/* What a scan saw: every row, its items and band, as text. */
typedef struct seen {
    char *text;
    size_t len, cap;
    size_t rows;
    int64_t prev;   /* the row before, asked by id on the next */
    size_t fail_at; /* the callback fails at this row (0: never) */
    size_t threads; /* threads running at the first row */
} seen;

static void put(seen *s, const char *t)
{
    size_t n = strlen(t);
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->text = realloc(s->text, s->cap);
        assert_non_null(s->text);
    }
    memcpy(s->text + s->len, t, n + 1);
    s->len += n;
}

static int take(void *arg, cairn_store_cursor *cur, const cairn_cohort_row *r,
                cairn_error *err)
{
    seen *s = arg;
    char line[256];
    const char *prev_band = NULL;
    s->rows++;
    if (s->rows == 1) {
        s->threads = test_thread_count();
    }
    if (s->fail_at != 0 && s->rows == s->fail_at) {
        return cairn_error_set(err, CAIRN_EINVAL, "stopped at row %zu",
                               s->rows);
    }
    snprintf(line, sizeof line, "%lld %lld %s %s %zu",
             (long long)r->assessment_id, (long long)r->client_id,
             r->administered_at, r->fingerprint, r->n_scales);
    put(s, line);
    if (r->n_scales == 1) {
        int rc = cairn_store_cursor_items(cur, err);
        if (rc < 0) {
            return rc;
        }
        snprintf(line, sizeof line, " %s %d %g %s items %zu:%d%d:%d",
                 r->scales[0].scale, r->scales[0].has_score, r->scales[0].score,
                 r->scales[0].band ? r->scales[0].band : "-", r->n_items,
                 r->codes[1], r->missing[1], r->codes[8]);
        put(s, line);
    }
    if (s->prev != 0) {
        int rc = cairn_store_cursor_band(cur, s->prev, &prev_band, err);
        if (rc < 0) {
            return rc;
        }
        snprintf(line, sizeof line, " prev %s", prev_band ? prev_band : "-");
        put(s, line);
    }
    put(s, "\n");
    s->prev = r->assessment_id;
    return cairn__store_cursor_keep_band(cur, err);
}

/* One scan with `threads`; its result, what it saw and its error. */
static int scan(cairn_store *st, int threads, seen *s, cairn_error *err)
{
    cairn_store_cursor *cur = NULL;
    int rc = cairn_store_cursor_open_scale(&cur, st, "phq9", 0, err);
    if (rc == 0) {
        rc = cairn__store_cursor_each(cur, threads, take, s, err);
    }
    cairn_store_cursor_close(cur);
    return rc;
}

/* Threads before a test: counted after one two-thread scan has come and
 * gone, so a thread a sanitizer starts with the first thread (TSan)
 * counts too. */
static size_t threads_before(cairn_store *st)
{
    seen s = {.fail_at = 2};
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(scan(st, 2, &s, &err), CAIRN_EINVAL);
    free(s.text);
    return test_thread_count();
}

static void test_store_cursor_pipe_same_rows(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = big_store(dir, sizeof dir);
    size_t threads = threads_before(st);
    seen one = {0}, two = {0};
    cairn_error e1 = CAIRN_ERROR_INIT, e2 = CAIRN_ERROR_INIT;
    assert_int_equal(scan(st, 1, &one, &e1), 0);
    assert_int_equal(scan(st, 2, &two, &e2), 0);
    assert_int_equal(one.rows, 30001);
    assert_int_equal(two.rows, one.rows);
    assert_string_equal(two.text, one.text);
    assert_int_equal(one.threads, threads);
    assert_int_equal(two.threads, threads + 1); /* the second was there */
    assert_non_null(strstr(one.text, "b29999 items 9:20:29999 prev b29998"));
    assert_non_null(strstr(one.text, "b22 items 9:01:22 prev -\n"));
    assert_int_equal(test_thread_count(), threads);
    free(one.text);
    free(two.text);
    test_store_done(st, dir);
}

/* A bad row in a later buffer (malformed scores; a missing definition,
 * which the stepping thread finds), or the caller's own error, gives
 * one thread's message, and no thread is left. */
static void test_store_cursor_pipe_errors(void **state)
{
    (void)state;
    static const char *const damage[] = {
        "UPDATE assessment SET scores = 'total 8' WHERE id = 25000",
        "UPDATE assessment SET responses = '[1,\"x\"]' WHERE id = 24000",
        "PRAGMA foreign_keys = OFF;"
        " UPDATE assessment SET definition_id = 9 WHERE id = 26000",
        "UPDATE assessment SET scores = '[[3,\"b\",false]]' || char(0) ||"
        " 'x' WHERE id = 23000",
    };
    static const char *const want[] = {
        "assessment 25000: stored scores are malformed",
        "assessment 24000: stored responses are malformed",
        "assessment 26000: its definition 9 is missing",
        "assessment 23000: stored scores are malformed",
    };
    for (size_t k = 0; k <= 4; k++) {
        char dir[64];
        cairn_store *st = big_store(dir, sizeof dir);
        size_t threads = threads_before(st);
        if (k < 4) {
            assert_int_equal(sqlite3_exec(st->db,
                                          "DROP TRIGGER assessment_frozen;",
                                          NULL, NULL, NULL),
                             SQLITE_OK);
            assert_int_equal(sqlite3_exec(st->db, damage[k], NULL, NULL, NULL),
                             SQLITE_OK);
        }
        seen one = {.fail_at = k == 4 ? 27000 : 0};
        seen two = {.fail_at = one.fail_at};
        cairn_error e1 = CAIRN_ERROR_INIT, e2 = CAIRN_ERROR_INIT;
        assert_int_equal(scan(st, 1, &one, &e1), CAIRN_EINVAL);
        assert_int_equal(scan(st, 2, &two, &e2), CAIRN_EINVAL);
        assert_string_equal(e1.message,
                            k < 4 ? want[k] : "stopped at row 27000");
        assert_string_equal(e2.message, e1.message);
        assert_int_equal(two.rows, one.rows);
        assert_string_equal(two.text, one.text);
        assert_int_equal(test_thread_count(), threads);
        free(one.text);
        free(two.text);
        test_store_done(st, dir);
    }
}

/* The cohort summary on one thread and on two: the same JSON. */
static void test_store_cursor_pipe_cohort(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    char code[16], date[32];
    for (int c = 0; c < 60; c++) {
        snprintf(code, sizeof code, "C%d", c);
        test_client(st, code, NULL, NULL);
        for (int w = 0; w < 4 + c % 5; w++) {
            int codes[9];
            for (int i = 0; i < 9; i++) {
                codes[i] = (c + w * 3 + i) % 4;
            }
            snprintf(date, sizeof date, "2026-0%d-%02d", 1 + w / 4,
                     1 + (w % 4) * 7 + c % 7);
            test_record(st, code, date, "phq9", codes, 9);
        }
    }
    const cairn_instrument *inst = test_instrument("phq9");
    char *json[2] = {NULL, NULL};
    for (int t = 0; t < 2; t++) {
        cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
        cairn_cohort_summary *s = NULL;
        cairn_cohort_result *cs = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        o.threads = t + 1;
        assert_int_equal(cairn_cohort_summarize(&s, st, inst, &o, &err), 0);
        assert_int_equal(cairn_cohort_compute(&cs, s, NULL, &err), 0);
        assert_int_equal(cairn_cohort_to_json(cs, &json[t], &err), 0);
        cairn_cohort_result_free(cs);
        cairn_cohort_summary_free(s);
    }
    assert_string_equal(json[1], json[0]);
    assert_non_null(strstr(json[0], "\"n_clients\": 60"));
    free(json[0]);
    free(json[1]);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_cursor_pipe_same_rows),
        cmocka_unit_test(test_store_cursor_pipe_errors),
        cmocka_unit_test(test_store_cursor_pipe_cohort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
