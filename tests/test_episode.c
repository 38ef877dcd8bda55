/*
 * test_episode.c - which assessments a course of care covers: each
 * client's current episode, the N-th, or all; a client without episodes
 * whole; what falls outside counted.
 */
#include <math.h>

#include "helpers.h"

static int64_t add_client(cairn_store *st, const char *code)
{
    cairn_client c = {0};
    int64_t id = 0;
    c.code = code;
    assert_int_equal(cairn_store_client_add(st, &c, &id, NULL), CAIRN_OK);
    return id;
}

static double day(const char *iso)
{
    double d = 0;
    assert_int_equal(cairn_date_days(iso, &d, NULL), CAIRN_OK);
    return d;
}

static void test_episode_choices(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    int64_t a = add_client(st, "A"), b = add_client(st, "B");
    assert_int_equal(cairn_store_episode_add(st, "A", "2023-01-01", NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_set_end(st, "A", "2023-04-30", &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_episode_add(st, "A", "2024-01-01", NULL, &err),
                     CAIRN_OK);
    cairn_episode_filter *f = NULL;
    cairn_episode_place p;
    /* current: A's second episode; B (no episodes) whole */
    assert_int_equal(
        cairn_episode_filter_new(&f, st, CAIRN_EPISODE_CURRENT, &err),
        CAIRN_OK);
    assert_false(cairn_episode_filter_place(f, a, day("2023-01-10"), &p));
    assert_int_equal(p.number, 1);
    assert_true(p.start == day("2023-01-01"));
    /* the end date is a whole day: 2023-04-30 is in, 05-01 out */
    assert_false(cairn_episode_filter_place(f, a, day("2023-04-30"), &p));
    assert_int_equal(p.number, 1);
    assert_false(cairn_episode_filter_place(f, a, day("2023-05-01"), &p));
    assert_int_equal(p.number, 0);
    assert_true(isnan(p.start));
    assert_true(cairn_episode_filter_place(f, a, day("2024-06-01"), &p));
    assert_int_equal(p.number, 2);
    assert_true(cairn_episode_filter_place(f, b, day("2020-01-01"), &p));
    assert_int_equal(p.number, 0);
    assert_int_equal(cairn_episode_filter_outside(f), 3);
    cairn_episode_filter_free(f);
    /* the first; all */
    assert_int_equal(cairn_episode_filter_new(&f, st, 1, &err), CAIRN_OK);
    assert_true(cairn_episode_filter_place(f, a, day("2023-02-01"), &p));
    assert_false(cairn_episode_filter_place(f, a, day("2024-02-01"), &p));
    cairn_episode_filter_free(f);
    assert_int_equal(cairn_episode_filter_new(&f, st, 3, &err), CAIRN_OK);
    assert_false(cairn_episode_filter_place(f, a, day("2024-02-01"), &p));
    assert_true(cairn_episode_filter_place(f, b, day("2024-02-01"), &p));
    cairn_episode_filter_free(f);
    assert_int_equal(cairn_episode_filter_new(&f, st, CAIRN_EPISODE_ALL, &err),
                     CAIRN_OK);
    assert_true(cairn_episode_filter_place(f, a, day("2023-08-01"), &p));
    assert_int_equal(p.number, 0);
    assert_true(cairn_episode_filter_place(f, a, day("2024-02-01"), &p));
    assert_int_equal(p.number, 2);
    assert_int_equal(cairn_episode_filter_outside(f), 0);
    assert_int_equal(cairn_episode_filter_choice(f), CAIRN_EPISODE_ALL);
    cairn_episode_filter_free(f);
    cairn_episode_filter_free(NULL);
    assert_int_equal(cairn_episode_filter_new(&f, st, -7, &err), CAIRN_EINVAL);
    assert_null(f);
    assert_string_equal(err.message,
                        "episode -7: give current, all or a number from 1");
    char buf[32];
    assert_string_equal(
        cairn_episode_choice_name(CAIRN_EPISODE_CURRENT, buf, sizeof buf),
        "current");
    assert_string_equal(cairn_episode_choice_name(2, buf, sizeof buf),
                        "episode 2");
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_episode_choices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
