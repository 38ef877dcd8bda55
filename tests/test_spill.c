/*
 * test_spill.c - the spill a deferred import keeps its prepared rows in:
 * records come back in order and unchanged, from memory and, past the
 * limit, from a temporary file beside the given path that leaves nothing
 * behind in the folder; records read again by their place, in any
 * order.
 */
#include <dirent.h>
#include <unistd.h>

#include "helpers.h"

#include "../engine/src/internal.h"

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/* Write `n` records of varying length (limit `limit`), read them back. */
static void round_trip(const char *near, size_t limit, size_t n, bool file)
{
    cairn__spill *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char rec[600];
    assert_int_equal(cairn__spill_new(&s, near, limit, &err), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        size_t len = i % sizeof rec;
        memset(rec, (int)(i & 0xff), len);
        assert_int_equal(cairn__spill_put(s, rec, len, &err), CAIRN_OK);
    }
    assert_true(cairn__spill_is_file(s) == file);
    for (int pass = 0; pass < 2; pass++) {
        const char *p = NULL;
        size_t len = 0, i = 0;
        assert_int_equal(cairn__spill_rewind(s, &err), CAIRN_OK);
        while (cairn__spill_next(s, &p, &len, &err) == 1) {
            assert_int_equal(len, i % sizeof rec);
            for (size_t k = 0; k < len; k++) {
                assert_int_equal((unsigned char)p[k], i & 0xff);
            }
            i++;
        }
        assert_int_equal(i, n);
    }
    cairn__spill_free(s);
}

static void test_spill_in_memory_and_in_a_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-spill-XXXXXX";
    char near[64];
    assert_non_null(mkdtemp(dir));
    snprintf(near, sizeof near, "%s/clinic.db", dir);
    round_trip(near, 1u << 20, 100, false);
    round_trip(near, 4096, 5000, true); /* ~1.5 MB through 4 KiB */
    round_trip(":memory:", 4096, 2000, true);
    round_trip(near, 4096, 0, false);
    assert_int_equal(entries(dir), 0); /* the file was unlinked at once */
    assert_int_equal(rmdir(dir), 0);
    cairn__spill_free(NULL);
}

/* Records read again by their place, in another order than written and
 * between puts, from memory and from the file. */
static void by_place(const char *near, size_t limit, size_t n, bool file)
{
    cairn__spill *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    uint64_t *at = calloc(n + 1, sizeof *at);
    char rec[300];
    assert_non_null(at);
    assert_int_equal(cairn__spill_new(&s, near, limit, &err), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        size_t len = (i * 7) % sizeof rec;
        memset(rec, (int)(i & 0xff), len);
        at[i] = cairn__spill_tell(s);
        assert_int_equal(cairn__spill_put(s, rec, len, &err), CAIRN_OK);
        if (i % 97 == 0) { /* a read between puts */
            const char *p = NULL;
            size_t got = 0;
            assert_int_equal(cairn__spill_get(s, at[i / 2], &p, &got, &err),
                             CAIRN_OK);
            assert_int_equal(got, (i / 2 * 7) % sizeof rec);
        }
    }
    assert_true(cairn__spill_is_file(s) == file);
    for (size_t k = 0; k < n; k++) {
        size_t i = (k * 7919) % n; /* every record, out of order */
        const char *p = NULL;
        size_t len = 0;
        assert_int_equal(cairn__spill_get(s, at[i], &p, &len, &err), CAIRN_OK);
        assert_int_equal(len, (i * 7) % sizeof rec);
        for (size_t b = 0; b < len; b++) {
            assert_int_equal((unsigned char)p[b], i & 0xff);
        }
    }
    cairn__spill_free(s);
    free(at);
}

static void test_spill_read_by_place(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-spill-XXXXXX";
    char near[64];
    assert_non_null(mkdtemp(dir));
    snprintf(near, sizeof near, "%s/clinic.db", dir);
    by_place(near, 1u << 20, 1000, false);
    by_place(near, 4096, 3000, true);
    by_place(":memory:", 1000, 500, true);
    assert_int_equal(entries(dir), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_spill_folder_not_writable(void **state)
{
    (void)state;
    cairn__spill *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char rec[100] = {0};
    assert_int_equal(
        cairn__spill_new(&s, "/nonexistent/dir/clinic.db", 64, &err), CAIRN_OK);
    assert_int_equal(cairn__spill_put(s, rec, sizeof rec, &err), CAIRN_OK);
    assert_int_equal(cairn__spill_put(s, rec, sizeof rec, &err), CAIRN_EIO);
    assert_string_equal(err.message,
                        "/nonexistent/dir/clinic.db: cannot create a temporary "
                        "file: No such file or directory");
    cairn__spill_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spill_in_memory_and_in_a_file),
        cmocka_unit_test(test_spill_read_by_place),
        cmocka_unit_test(test_spill_folder_not_writable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
