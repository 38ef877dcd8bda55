/*
 * test_hashset.c - the growing set of 64-bit hashes the batch writer
 * keeps its duplicate keys in: members stay members across many growths
 * (far past the first 1,024 slots), non-members stay out, 0 is a member
 * like any other value.
 */
#include "helpers.h"

#include "../engine/src/internal.h"

/* A fixed bijection of 64-bit values, so members look random. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void test_hashset_grows_past_its_first_capacity(void **state)
{
    (void)state;
    cairn__hset s = {0};
    const uint64_t n = 300000; /* 1,024 slots at first: nine growths */
    for (uint64_t i = 1; i <= n; i++) {
        assert_int_equal(cairn__hset_add(&s, mix(i)), CAIRN_OK);
    }
    assert_int_equal(s.n, n);
    assert_true(s.cap >= 2 * n);
    for (uint64_t i = 1; i <= n; i++) {
        assert_true(cairn__hset_has(&s, mix(i)));
    }
    for (uint64_t i = n + 1; i <= 2 * n; i++) {
        assert_false(cairn__hset_has(&s, mix(i)));
    }
    /* adding a member again changes nothing */
    assert_int_equal(cairn__hset_add(&s, mix(7)), CAIRN_OK);
    assert_int_equal(s.n, n);
    cairn__hset_free(&s);
    assert_false(cairn__hset_has(&s, mix(1)));
    assert_int_equal(s.cap, 0);
}

static void test_hashset_zero_is_a_value(void **state)
{
    (void)state;
    cairn__hset s = {0};
    assert_false(cairn__hset_has(&s, 0));
    assert_int_equal(cairn__hset_add(&s, 0), CAIRN_OK);
    assert_true(cairn__hset_has(&s, 0));
    assert_false(cairn__hset_has(&s, 2));
    cairn__hset_free(&s);
    cairn__hset_free(&s); /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashset_grows_past_its_first_capacity),
        cmocka_unit_test(test_hashset_zero_is_a_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
