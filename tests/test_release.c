/*
 * test_release.c - releases for research: each is entered in the release
 * log, a population 1..K-1 clients from an earlier one is refused before
 * anything is published, and the published figures are the pooled
 * report's (counts below K suppressed, means rounded for a small cohort).
 */
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <unistd.h>

#include "cairn/release.h"
#include "helpers.h"
#include "../engine/src/internal.h"
#include "../engine/src/store_db.h"

/* `n` clients R00.. with two PHQ-9 scores each. */
static void clients(cairn_store *st, int first, int n)
{
    char code[16];
    for (int c = first; c < first + n; c++) {
        snprintf(code, sizeof code, "R%02d", c);
        test_client(st, code, NULL, NULL);
        test_phq9(st, code, "2026-01-05", 16 + c % 5, false);
        test_phq9(st, code, "2026-03-02", 8 + c % 7, false);
    }
}

static size_t releases(cairn_store *st)
{
    return test_audit_count(st, "release.add");
}

static void test_release_report_is_logged_and_suppressed(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *phq9 = test_instrument("phq9");
    char *json = NULL;
    clients(st, 0, 12);
    assert_int_equal(
        cairn_release_report_compute(&json, st, phq9, &o, NULL, &err),
        CAIRN_OK);
    assert_int_equal(releases(st), 1);
    /* the same as a pooled report of the same summary */
    cairn_aggregate *agg = NULL;
    cairn_aggregate_table *t = NULL;
    cairn_cohort_result *r = NULL;
    char *want = NULL;
    assert_int_equal(cairn_aggregate_new(&agg, st, phq9, &o, &err), CAIRN_OK);
    assert_int_equal(cairn_aggregate_table_compute(&t, agg->summary, 5, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_cohort_compute(&r, agg->summary, NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_aggregate_report_to_json(r, t, 1, &want, &err),
                     CAIRN_OK);
    assert_string_equal(json, want);
    /* 12 clients: means in whole points, some small counts suppressed */
    assert_true(t->mean_decimals == 0);
    json_t *doc = json_loads(json, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "min_cell")), 5);
    assert_true(json_array_size(json_object_get(doc, "suppressed")) > 0);
    json_decref(doc);
    free(want);
    cairn_cohort_result_free(r);
    cairn_aggregate_table_free(t);
    cairn_aggregate_free(agg);
    free(json);
    /* the same population again is allowed (and logged) */
    assert_int_equal(
        cairn_release_report_compute(&json, st, phq9, &o, NULL, &err),
        CAIRN_OK);
    free(json);
    assert_int_equal(releases(st), 2);
    /* one client more: the difference would reveal that client */
    clients(st, 12, 1);
    assert_int_equal(
        cairn_release_report_compute(&json, st, phq9, &o, NULL, &err),
        CAIRN_EINVAL);
    assert_null(json);
    assert_non_null(strstr(err.message, "these 13 clients differ from "
                                        "release 1 ("));
    assert_int_equal(releases(st), 2);
    /* nor as a summary file */
    assert_int_equal(cairn_release_summary_compute(&agg, st, phq9, &o, &err),
                     CAIRN_EINVAL);
    assert_null(agg);
    /* K clients more: allowed */
    clients(st, 13, 4);
    assert_int_equal(cairn_release_summary_compute(&agg, st, phq9, &o, &err),
                     CAIRN_OK);
    assert_true(agg->summary->n_clients == 17);
    cairn_aggregate_free(agg);
    assert_int_equal(releases(st), 3);
    cairn_audit_report rep;
    if (cairn_store_audit_verify(st, &rep, &err) < 0) {
        fail_msg("%s", err.message);
    }
    test_store_done(st, dir);
}

/* The release log compares members, not their text: an earlier release
 * with the same members is no obstacle, one whose text is spelled
 * otherwise is still read and compared, and one that cannot be read is
 * refused. */
static void test_release_log_compares_members(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    const int64_t ids[6] = {1, 2, 3, 4, 5, 6};
    int64_t id = 0;
    assert_int_equal(
        cairn_store_release_add(st, "phq9", "total", ids, 6, 5, &id, &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_store_release_add(st, "phq9", "total", ids, 6, 5, &id, &err),
        CAIRN_OK);
    assert_int_equal(id, 2);
    /* the same six, spelled with spaces, then seven */
    assert_int_equal(
        sqlite3_exec(st->db,
                     "INSERT INTO release_log (instrument, scale, min_cell,"
                     " n, members, who, at) VALUES ('phq9', 'total', 5, 6,"
                     " '[1, 2, 3, 4, 5, 6]', 'test', '2026-01-01');"
                     "INSERT INTO release_log (instrument, scale, min_cell,"
                     " n, members, who, at) VALUES ('phq9', 'total', 5, 7,"
                     " '[1, 2, 3, 4, 5, 6, 7]', 'test', '2026-01-02')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(
        cairn_store_release_add(st, "phq9", "total", ids, 6, 5, &id, &err),
        CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "these 6 clients differ from "
                                        "release 4 (2026-01-02, 7 clients) "
                                        "by 1"));
    assert_int_equal(
        sqlite3_exec(st->db,
                     "INSERT INTO release_log (instrument, scale, min_cell,"
                     " n, members, who, at) VALUES ('phq9', 'total', 5, 6,"
                     " 'one to six', 'test', '2026-01-03')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    const int64_t other[6] = {11, 12, 13, 14, 15, 16};
    assert_int_equal(
        cairn_store_release_add(st, "phq9", "total", other, 6, 5, &id, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "release 5 of the release log is not readable");
    test_store_done(st, dir);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* A summary file is logged as a release only once it is written: a file
 * that cannot be written logs nothing, a refused release leaves no file,
 * and the file written is cairn_aggregate_write's of the same summary. */
static void test_release_summary_file_logged_when_written(void **state)
{
    (void)state;
    char dir[64], path[128], bad[160], again[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *phq9 = test_instrument("phq9");
    cairn_aggregate *agg = NULL;
    clients(st, 0, 12);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    snprintf(bad, sizeof bad, "%s/no-such-folder/summary.json", dir);
    snprintf(again, sizeof again, "%s/again.json", dir);
    assert_int_equal(
        cairn_release_summary_write(&agg, st, phq9, &o, bad, NULL, &err),
        CAIRN_EIO);
    assert_null(agg);
    assert_non_null(strstr(err.message, "no-such-folder/summary.json"));
    assert_int_equal(releases(st), 0);
    assert_int_equal(
        cairn_release_summary_write(&agg, st, phq9, &o, path, NULL, &err),
        CAIRN_OK);
    assert_int_equal(releases(st), 1);
    /* the same bytes as the summary written by cairn_aggregate_write */
    assert_int_equal(cairn_aggregate_write(agg, again, NULL, &err), CAIRN_OK);
    cairn_aggregate_free(agg);
    agg = NULL;
    char *one = NULL, *two = NULL;
    size_t n1 = 0, n2 = 0;
    assert_int_equal(cairn__util_read_file(path, &one, &n1, &err), CAIRN_OK);
    assert_int_equal(cairn__util_read_file(again, &two, &n2, &err), CAIRN_OK);
    assert_true(n1 == n2 && n1 > 0);
    assert_memory_equal(one, two, n1);
    free(one);
    free(two);
    /* an existing file is kept without force, and nothing is logged */
    assert_int_equal(
        cairn_release_summary_write(&agg, st, phq9, &o, path, NULL, &err),
        CAIRN_EEXISTS);
    assert_int_equal(releases(st), 1);
    /* one client more: refused, and no file left behind */
    clients(st, 12, 1);
    snprintf(again, sizeof again, "%s/refused.json", dir);
    assert_int_equal(
        cairn_release_summary_write(&agg, st, phq9, &o, again, NULL, &err),
        CAIRN_EINVAL);
    assert_null(agg);
    assert_int_equal(access(again, F_OK), -1);
    assert_int_equal(releases(st), 1);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_report_is_logged_and_suppressed),
        cmocka_unit_test(test_release_log_compares_members),
        cmocka_unit_test(test_release_summary_file_logged_when_written),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
