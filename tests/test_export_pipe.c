/*
 * test_export_pipe.c - the research export on two threads (export_pipe.c)
 * writes the files one thread writes, byte for byte, gives the message
 * one thread gives when a stored row is bad (the first bad row in scan
 * order, whichever thread meets it), and leaves no thread behind.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/src/export_internal.h"
#include "../engine/src/store_db.h"
#include "cairn/export.h"
#include "cairn/import.h"
#include "helpers.h"

static const uint8_t KEY[CAIRN_EXPORT_KEY_SIZE] = {
    7, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
    2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};

/* 4,200 clients (two of the spool's buckets of 4,096, written on two
 * threads), 3 PHQ-9s each and a GAD-7 every third: 12,600 PHQ-9 rows,
 * some 1.2 MB through the pipe, so its four buffers of 256 KiB go round
 * more than once. */
static void fill(cairn_store *st)
{
    size_t cap = 2u << 20, n = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    n += (size_t)snprintf(csv + n, cap - n,
                          "client_id,administered_at,instrument,item1,"
                          "item2,item3,item4,item5,item6,item7,item8,"
                          "item9\n");
    unsigned seed = 17;
    for (int c = 0; c < 4200; c++) {
        for (int k = 0; k < 3; k++) {
            n +=
                (size_t)snprintf(csv + n, cap - n, "P%04d,2024-%02d-%02d,PHQ-9",
                                 c, k + 1, 1 + c % 28);
            for (int i = 0; i < 9; i++) {
                seed = seed * 1103515245u + 12345u;
                n +=
                    (size_t)snprintf(csv + n, cap - n, ",%u", (seed >> 16) % 4);
            }
            n += (size_t)snprintf(csv + n, cap - n, "\n");
            assert_true(n + 200 < cap);
        }
    }
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result res;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create_clients = true;
    if (cairn_import_parse(st, test_catalog(), csv, n, "t.csv", &o, &res,
                           &err) < 0) {
        fail_msg("%s", err.message);
    }
    free(csv);
    int gad[7] = {1, 2, 0, 3, 1, 2, 0};
    for (int c = 0; c < 4200; c += 3) {
        char code[16];
        snprintf(code, sizeof code, "P%04d", c);
        gad[c % 7] = c % 4;
        test_record(st, code, c % 2 ? "2024-02-15" : "2023-12-01", "gad7", gad,
                    7);
    }
}

static cairn_export_key *key(void)
{
    cairn_export_key *k = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_export_key_parse(&k, KEY, sizeof KEY, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return k;
}

/* Export on `threads` threads to `dir`/`name`; the status, and `err`. */
static int export(cairn_store *st, const char *dir, const char *name,
                  cairn_export_options *o, int threads, cairn_error *err)
{
    char path[256];
    cairn_export_key *k = key();
    cairn_export_result res;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    o->output.force = true;
    int rc = cairn__export_write_threads(st, test_catalog(), k, path, o, &res,
                                         threads, err);
    cairn_export_key_free(k);
    return rc;
}

/* File `name` (plus `suffix`) in folders 1 and 2 of `dir`: the same. */
static void assert_same_file(const char *dir, const char *suffix)
{
    char pa[256], pb[256];
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(pa, sizeof pa, "%s/1/x.csv%s", dir, suffix);
    snprintf(pb, sizeof pb, "%s/2/x.csv%s", dir, suffix);
    assert_int_equal(cairn__util_read_file(pa, &x, &nx, &err), CAIRN_OK);
    assert_int_equal(cairn__util_read_file(pb, &y, &ny, &err), CAIRN_OK);
    assert_true(nx > 0);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx);
    free(x);
    free(y);
}

static void same_files(cairn_store *st, const char *dir,
                       cairn_export_options *o)
{
    char sub[128];
    cairn_error err = CAIRN_ERROR_INIT;
    size_t before = test_thread_count();
    for (int threads = 1; threads <= 2; threads++) {
        snprintf(sub, sizeof sub, "%s/%d", dir, threads);
        mkdir(sub, 0700);
        assert_int_equal(export(st, sub, "x.csv", o, threads, &err), CAIRN_OK);
    }
    assert_int_equal(test_thread_count(), before);
    assert_same_file(dir, "");
    assert_same_file(dir, ".dictionary.csv");
    assert_same_file(dir, ".provenance.json");
}

static void test_export_pipe_same_files(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    same_files(st, dir, &o);
    o.format = CAIRN_EXPORT_LONG;
    o.shift_dates = true;
    same_files(st, dir, &o);
    o = (cairn_export_options)CAIRN_EXPORT_OPTIONS_INIT;
    o.instrument = "gad7";
    o.from = "2024-01-01";
    same_files(st, dir, &o);
    test_store_done(st, dir);
}

/* The built-in CSV sink behind functions of its own: the export hands
 * it every cell of every row, where with the built-in sink itself it
 * formats a client's first cells once for all of the client's rows. */
typedef struct wrapped {
    cairn_export_sink inner;
} wrapped;

static int w_begin(void *ctx, const char *const *columns, size_t n,
                   cairn_error *err)
{
    wrapped *w = ctx;
    return w->inner.begin(w->inner.ctx, columns, n, err);
}

static int w_row(void *ctx, const cairn_export_cell *cells, size_t n,
                 cairn_error *err)
{
    wrapped *w = ctx;
    return w->inner.row(w->inner.ctx, cells, n, err);
}

static int w_finish(void *ctx, bool ok, cairn_error *err)
{
    wrapped *w = ctx;
    return w->inner.finish(w->inner.ctx, ok, err);
}

/* The built-in sink (folder 1) and the same behind other functions
 * (folder 2, every cell formatted on every row): the same files. */
static void same_as_cells(cairn_store *st, const char *dir,
                          cairn_export_options *o)
{
    char sub[128], path[160];
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(sub, sizeof sub, "%s/1", dir);
    mkdir(sub, 0700);
    assert_int_equal(export(st, sub, "x.csv", o, 2, &err), CAIRN_OK);
    snprintf(sub, sizeof sub, "%s/2", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/x.csv", sub);
    cairn_export_options w_o = *o;
    cairn_outfile_batch batch = {0};
    wrapped w = {{0}};
    cairn_export_sink sink = {&w, w_begin, w_row, w_finish};
    w_o.output.force = true;
    w_o.output.batch = &batch;
    w_o.sink = &sink;
    if (cairn__export_csv_sink(&w.inner, path, &w_o.output, &err) < 0 ||
        export(st, sub, "x.csv", &w_o, 2, &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_same_file(dir, "");
    assert_same_file(dir, ".dictionary.csv");
}

static void test_export_pipe_heads_same_as_cells(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    same_as_cells(st, dir, &o);
    o.format = CAIRN_EXPORT_LONG;
    o.shift_dates = true;
    same_as_cells(st, dir, &o);
    o.format = CAIRN_EXPORT_WIDE;
    same_as_cells(st, dir, &o);
    test_store_done(st, dir);
}

/* A row's first cells formatted ahead, then the rest: the line the
 * whole row gives; cells that might not fit the head are refused. */
static void test_export_pipe_csv_head(void **state)
{
    (void)state;
    char *long_text = malloc(600);
    assert_non_null(long_text);
    memset(long_text, 'a', 599);
    long_text[599] = '\0';
    const cairn_export_cell cells[] = {
        {CAIRN_EXPORT_TEXT, "p1", 0},       {CAIRN_EXPORT_EMPTY, NULL, 0},
        {CAIRN_EXPORT_TEXT, "a, \"b\"", 0}, {CAIRN_EXPORT_NUMBER, NULL, -3},
        {CAIRN_EXPORT_NUMBER, NULL, 2.5},   {CAIRN_EXPORT_TEXT, "x\ny", 0},
        {CAIRN_EXPORT_NUMBER, NULL, 1e12}};
    size_t n = sizeof cells / sizeof cells[0];
    for (size_t from = 0; from <= n; from++) {
        char *a = NULL, *b = NULL, head[CAIRN__EXPORT_HEAD_MAX];
        size_t na = 0, nb = 0, len = 0;
        cairn_error err = CAIRN_ERROR_INIT;
        cairn__export_file fa = {.f = open_memstream(&a, &na), .path = "a"};
        cairn__export_file fb = {.f = open_memstream(&b, &nb), .path = "b"};
        assert_true(
            cairn__export_csv_format(head, sizeof head, &len, cells, 0, from));
        assert_int_equal(cairn__export_csv_row(&fa, cells, n, &err), CAIRN_OK);
        assert_int_equal(
            cairn__export_csv_row_from(&fb, head, len, cells, from, n, &err),
            CAIRN_OK);
        fclose(fa.f);
        fclose(fb.f);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        free(a);
        free(b);
    }
    /* 599 bytes might take 1,201 quoted: more than the head holds */
    char head[CAIRN__EXPORT_HEAD_MAX];
    size_t len = 0;
    const cairn_export_cell big[] = {{CAIRN_EXPORT_TEXT, long_text, 0}};
    assert_false(cairn__export_csv_format(head, sizeof head, &len, big, 0, 1));
    free(long_text);
}

/* The id of the `n`th current PHQ-9 in the scan's order. */
static long long nth(cairn_store *st, int n)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(st->db,
                                        "SELECT id FROM assessment WHERE"
                                        " instrument = 'phq9' ORDER BY"
                                        " client_id, administered_at, id"
                                        " LIMIT 1 OFFSET ?",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(s, 1, n);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}

static void exec(cairn_store *st, const char *q)
{
    assert_int_equal(sqlite3_exec(st->db, q, NULL, NULL, NULL), SQLITE_OK);
}

/* Both ways give `want` and leave no file and no thread. */
static void same_error(cairn_store *st, const char *dir, const char *want)
{
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    char path[256];
    struct stat sb;
    size_t before = test_thread_count();
    for (int threads = 1; threads <= 2; threads++) {
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(export(st, dir, "bad.csv", &o, threads, &err),
                         CAIRN_EINVAL);
        assert_string_equal(err.message, want);
        snprintf(path, sizeof path, "%s/bad.csv", dir);
        assert_int_not_equal(stat(path, &sb), 0);
        assert_int_equal(test_thread_count(), before);
    }
}

/* A bad row the worker meets (responses, scores) and one the reader
 * meets (its definition is missing), far apart or next to each other:
 * the first in scan order is the one reported, as one thread reports
 * it. */
static void test_export_pipe_errors(void **state)
{
    (void)state;
    char dir[64], want[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    long long late = nth(st, 7000), early = nth(st, 2500);
    char q[512];
    snprintf(q, sizeof q,
             "DROP TRIGGER assessment_frozen; PRAGMA foreign_keys = OFF;"
             " UPDATE assessment SET definition_id = 999 WHERE id = %lld",
             late);
    exec(st, q);
    snprintf(want, sizeof want, "assessment %lld: stored scores are malformed",
             late);
    same_error(st, dir, want); /* the reader's, after every row before */
    /* a bad row just before it, still in the buffer the reader fills */
    long long next_to = nth(st, 6999);
    snprintf(q, sizeof q,
             "UPDATE assessment SET responses = '{}' WHERE id = %lld", next_to);
    exec(st, q);
    snprintf(want, sizeof want,
             "assessment %lld: stored responses are malformed", next_to);
    same_error(st, dir, want);
    snprintf(q, sizeof q,
             "UPDATE assessment SET responses = '[1,\"2\"]' WHERE id = %lld",
             early);
    exec(st, q);
    snprintf(want, sizeof want,
             "assessment %lld: stored responses are malformed", early);
    same_error(st, dir, want); /* the worker's, before the reader's */
    snprintf(q, sizeof q,
             "UPDATE assessment SET responses = '[1,1,1,1,1,1,1,1,1]',"
             " scores = '[[3]]' WHERE id = %lld",
             early);
    exec(st, q);
    snprintf(want, sizeof want, "assessment %lld: stored scores are malformed",
             early);
    same_error(st, dir, want);
    test_store_done(st, dir);
}

/* How many files in `dir` have a name containing `part`. */
static int files_named(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += strstr(e->d_name, part) != NULL;
    }
    closedir(d);
    return n;
}

/* A data file that cannot be written whole (files limited to 1 MiB, a
 * full disk as the export sees it): the rows' writing fails while the
 * second thread writes the next bucket; both ways give the one message
 * and leave no data, dictionary, provenance or temporary file, and no
 * thread. */
static void test_export_pipe_write_error(void **state)
{
    (void)state;
    char dir[64];
    cairn_error first = CAIRN_ERROR_INIT;
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st);
    struct rlimit was;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    struct rlimit small = {1u << 20, was.rlim_max};
    void (*sig)(int) = signal(SIGXFSZ, SIG_IGN);
    size_t before = test_thread_count();
    for (int threads = 1; threads <= 2; threads++) {
        cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        int rc = export(st, dir, "big.csv", &o, threads, &err);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
        assert_int_equal(rc, CAIRN_EIO);
        assert_non_null(strstr(err.message, "big.csv: cannot write"));
        if (threads == 1) {
            first = err;
        }
        assert_string_equal(err.message, first.message);
        assert_int_equal(files_named(dir, "big.csv"), 0);
        assert_int_equal(test_thread_count(), before);
    }
    signal(SIGXFSZ, sig);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_pipe_same_files),
        cmocka_unit_test(test_export_pipe_errors),
        cmocka_unit_test(test_export_pipe_write_error),
        cmocka_unit_test(test_export_pipe_heads_same_as_cells),
        cmocka_unit_test(test_export_pipe_csv_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
