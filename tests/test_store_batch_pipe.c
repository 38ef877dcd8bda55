/*
 * test_store_batch_pipe.c - a deferred batch's second thread: an error it
 * meets is handed back to the reader (by a later hand-over or by the
 * finish), and ending the batch early leaves no thread behind.
 */
#include "helpers.h"

#include "../engine/src/store_batch.h"

static cairn__batch *deferred(cairn_store *st)
{
    cairn__batch *b = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn__store_batch_begin_deferred(&b, st, CAIRN_METHOD_IMPORT, "import",
                                          "t.csv", NULL, NULL, &err),
        CAIRN_OK);
    assert_non_null(b->pipe);
    return b;
}

/* Threads before a test: counted after one batch has come and gone, so a
 * thread a sanitizer starts with the first thread (TSan) counts too. */
static size_t threads_before(void)
{
    cairn_store *st = test_memory_store();
    cairn__store_batch_abort(deferred(st));
    cairn_store_close(st);
    return test_thread_count();
}

/* A damaged record (kind 'z') stops the thread's work; a later hand-over
 * returns its error, so does every one after it and the drain, which
 * leaves no thread. */
static void test_store_batch_pipe_error_reaches_the_reader(void **state)
{
    (void)state;
    size_t threads = threads_before();
    cairn_store *st = test_memory_store();
    cairn__batch *b = deferred(st);
    assert_int_equal(test_thread_count(), threads + 1);
    cairn_error err = CAIRN_ERROR_INIT;
    int rc = CAIRN_OK;
    size_t puts = 0;
    while (rc == CAIRN_OK && puts < 10000000) {
        rc = cairn__batch_pipe_put(b->pipe, "z", 1, &err);
        puts++;
    }
    assert_int_equal(rc, CAIRN_EIO);
    assert_string_equal(err.message, "the import's temporary file is damaged");
    /* from then on every hand-over and the drain tell the same error */
    cairn_error again = CAIRN_ERROR_INIT;
    assert_int_equal(cairn__batch_pipe_put(b->pipe, "z", 1, &again), CAIRN_EIO);
    assert_string_equal(again.message, err.message);
    cairn_error drained = CAIRN_ERROR_INIT;
    assert_int_equal(cairn__store_batch_drain(b, &drained), CAIRN_EIO);
    assert_string_equal(drained.message, err.message);
    assert_null(b->pipe);
    assert_int_equal(test_thread_count(), threads);
    cairn__store_batch_abort(b);
    cairn_store_close(st);
}

/* An error in the last, partly filled buffer comes back from the finish. */
static void test_store_batch_pipe_error_at_finish(void **state)
{
    (void)state;
    size_t threads = threads_before();
    cairn_store *st = test_memory_store();
    cairn__batch *b = deferred(st);
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn__batch_pipe_put(b->pipe, "z", 1, &err), CAIRN_OK);
    cairn__batch_pipe *p = b->pipe;
    b->pipe = NULL;
    assert_int_equal(cairn__batch_pipe_finish(p, &err), CAIRN_EIO);
    assert_string_equal(err.message, "the import's temporary file is damaged");
    assert_int_equal(test_thread_count(), threads);
    cairn__store_batch_abort(b);
    cairn_store_close(st);
}

/* Records handed over and then abandoned (a dry run, a bad row): the
 * thread stops without finishing them and nothing leaks. */
static void test_store_batch_pipe_abandoned(void **state)
{
    (void)state;
    size_t threads = threads_before();
    cairn_store *st = test_memory_store();
    cairn__batch *b = deferred(st);
    cairn_error err = CAIRN_ERROR_INIT;
    char rec[12] = "c"; /* a client to create: 'c', id, code, NUL */
    int64_t id = 1;
    memcpy(rec + 1, &id, sizeof id);
    memcpy(rec + 9, "K1", 3);
    for (size_t i = 0; i < 20000; i++) {
        assert_int_equal(cairn__batch_pipe_put(b->pipe, rec, sizeof rec, &err),
                         CAIRN_OK);
    }
    cairn__store_batch_abort(b);
    assert_int_equal(test_thread_count(), threads);
    cairn_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_batch_pipe_error_reaches_the_reader),
        cmocka_unit_test(test_store_batch_pipe_error_at_finish),
        cmocka_unit_test(test_store_batch_pipe_abandoned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
