/*
 * test_memo.c - the bounded cache of encoded texts: what was kept comes
 * back byte for byte (an empty text too), other keys miss, and once full
 * it keeps nothing more but still answers for what it holds; decoded
 * blocks kept by key, and past the limit held until two more are put
 * (the leak checks of `make asan` see every block freed).
 */
#include "helpers.h"

#include "../engine/src/internal.h"

static void test_memo_keeps_and_misses(void **state)
{
    (void)state;
    cairn__memo *m = NULL;
    size_t len = 99;
    assert_int_equal(cairn__memo_new(&m), CAIRN_OK);
    assert_null(cairn__memo_get(m, "s1", 2, &len));
    cairn__memo_put(m, "s1", 2, "[[12,\"moderate\",false]]", 23);
    cairn__memo_put(m, "f", 1, "", 0);
    const char *t = cairn__memo_get(m, "s1", 2, &len);
    assert_non_null(t);
    assert_int_equal(len, 23);
    assert_string_equal(t, "[[12,\"moderate\",false]]");
    t = cairn__memo_get(m, "f", 1, &len);
    assert_non_null(t);
    assert_int_equal(len, 0);
    assert_null(cairn__memo_get(m, "s", 1, &len)); /* a prefix is not it */
    assert_null(cairn__memo_get(m, "s12", 3, &len));
    /* a key put again keeps its first text and takes no more room: a
     * new key is still kept after many */
    for (int i = 0; i < 5000; i++) {
        cairn__memo_put(m, "s1", 2, "[]", 2);
    }
    t = cairn__memo_get(m, "s1", 2, &len);
    assert_int_equal(len, 23);
    assert_string_equal(t, "[[12,\"moderate\",false]]");
    cairn__memo_put(m, "s2", 2, "[]", 2);
    assert_non_null(cairn__memo_get(m, "s2", 2, &len));
    cairn__memo_free(m);
    cairn__memo_free(NULL);
}

static void test_memo_full_keeps_nothing_more(void **state)
{
    (void)state;
    cairn__memo *m = NULL;
    size_t len = 0, kept = 0;
    char key[16], text[16];
    assert_int_equal(cairn__memo_new(&m), CAIRN_OK);
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        int tn = snprintf(text, sizeof text, "[%d]", i);
        cairn__memo_put(m, key, (size_t)n, text, (size_t)tn);
    }
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        const char *t = cairn__memo_get(m, key, (size_t)n, &len);
        if (t != NULL) {
            snprintf(text, sizeof text, "[%d]", i);
            assert_string_equal(t, text);
            kept++;
        }
    }
    assert_true(kept >= 1000 && kept < 10000);
    assert_non_null(cairn__memo_get(m, "k0", 2, &len));
    assert_null(cairn__memo_get(m, "k9999", 5, &len));
    cairn__memo_free(m);
}

static char *block_of(const char *text)
{
    char *b = malloc(strlen(text) + 1);
    assert_non_null(b);
    strcpy(b, text);
    return b;
}

static void test_kept_keeps_then_holds(void **state)
{
    (void)state;
    cairn__kept *k = NULL;
    assert_int_equal(cairn__kept_new(&k, 2), CAIRN_OK);
    char *a = block_of("a"), *b = block_of("b");
    cairn__kept_put(k, "ka", 2, a);
    cairn__kept_put(k, "kb", 2, b);
    assert_ptr_equal(cairn__kept_get(k, "ka", 2), a);
    assert_ptr_equal(cairn__kept_get(k, "kb", 2), b);
    assert_null(cairn__kept_get(k, "kc", 2));
    /* full: c, d and e are held, not kept; the last two stay readable */
    char *c = block_of("c"), *d = block_of("d"), *e = block_of("e");
    cairn__kept_put(k, "kc", 2, c);
    assert_null(cairn__kept_get(k, "kc", 2));
    cairn__kept_put(k, NULL, 0, d);
    cairn__kept_put(k, "ke", 2, e);
    assert_string_equal(d, "d");
    assert_string_equal(e, "e");
    assert_ptr_equal(cairn__kept_get(k, "ka", 2), a);
    cairn__kept_free(k);
    cairn__kept_free(NULL);
    /* none kept at all: every block only held */
    assert_int_equal(cairn__kept_new(&k, 0), CAIRN_OK);
    cairn__kept_put(k, "x", 1, block_of("x"));
    assert_null(cairn__kept_get(k, "x", 1));
    cairn__kept_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_keeps_and_misses),
        cmocka_unit_test(test_memo_full_keeps_nothing_more),
        cmocka_unit_test(test_kept_keeps_then_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
