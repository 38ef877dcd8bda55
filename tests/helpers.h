/*
 * helpers.h - small shared pieces for the cmocka suites (header-only, so
 * each suite stays one file).  Tests run from the repository root.
 */
#ifndef CAIRN_TEST_HELPERS_H
#define CAIRN_TEST_HELPERS_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cairn.h"

/* Threads of this process now (Linux's /proc/self/task), so a test can
 * check that an import leaves none behind. */
static inline size_t test_thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    size_t n = 0;
    if (d == NULL) {
        fail_msg("cannot open /proc/self/task");
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/* A new private store in memory; the caller closes it. */
static inline cairn_store *test_memory_store(void)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    if (cairn_store_open(&st, ":memory:", &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return st;
}

/* Missing answer in the int arrays tests pass to score(). */
#define NA (-999)

static inline const char *test_instrument_dir(void)
{
    const char *d = getenv("CAIRN_INSTRUMENTS");
    return d && d[0] ? d : "instruments";
}

/* The shipped catalog, loaded once per suite. */
static inline const cairn_catalog *test_catalog(void)
{
    static cairn_catalog *cat = NULL;
    if (cat == NULL) {
        cairn_error err = CAIRN_ERROR_INIT;
        if (cairn_catalog_load(&cat, test_instrument_dir(), NULL, &err) < 0) {
            fail_msg("cannot load instruments: %s", err.message);
        }
    }
    return cat;
}

static inline const cairn_instrument *test_instrument(const char *code)
{
    const cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_catalog_find(&in, test_catalog(), code, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return in;
}

/* Score `n` codes (NA = missing); the caller frees the result. */
static inline cairn_score *test_score(const char *code, const int *codes,
                                      size_t n)
{
    const cairn_instrument *in = test_instrument(code);
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_instrument_item_count(in), n);
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] != NA &&
            cairn_responses_set(r, in, i, codes[i], &err) < 0) {
            fail_msg("%s", err.message);
        }
    }
    if (cairn_score_compute(&s, in, r, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_responses_free(r);
    return s;
}

/* Score of scale `id`, or -1 when it has none. */
static inline double test_scale(const cairn_score *s, const char *id)
{
    const cairn_scale_score *sc = cairn_score_find(s, id);
    assert_non_null(sc);
    return sc->has_score ? sc->score : -1;
}

static inline const char *test_band(const cairn_score *s, const char *id)
{
    const cairn_scale_score *sc = cairn_score_find(s, id);
    assert_non_null(sc);
    return sc->band ? sc->band->id : "";
}

static inline int test_rule(const cairn_score *s, const char *id)
{
    for (size_t i = 0; i < s->n_rules; i++) {
        if (strcmp(s->rules[i].rule->id, id) == 0) {
            return s->rules[i].value;
        }
    }
    fail_msg("no rule %s", id);
    return -2;
}

/* Read a small text file into buf (NUL-terminated, trailing newline cut). */
static inline void test_read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
}

/* ---- hand-built assessment lists for trend and couple tests ---- */

#define MAXA 16

/* Storage for a hand-built list of one client's assessments. */
typedef struct fixture {
    cairn_assessment a[MAXA];
    cairn_stored_scale scales[MAXA][2];
    cairn_stored_flag flags[MAXA][1];
    cairn_assessment_list list;
} fixture;

/* Add an assessment of `code` on `date` with total `score` (< 0: no
 * score) and, when flag_item > 0, a risk flag on that item. */
static inline void add(fixture *f, const char *code, const char *date,
                       double score, int flag_item)
{
    size_t i = f->list.n++;
    cairn_assessment *a = &f->a[i];
    memset(a, 0, sizeof *a);
    a->id = (int64_t)i + 1;
    a->client_code = "C1";
    a->instrument = code;
    a->administered_at = date;
    f->scales[i][0] =
        (cairn_stored_scale){"total", score >= 0, score, NULL, false};
    f->scales[i][1] =
        (cairn_stored_scale){"percentage", score >= 0, score * 4, NULL, false};
    a->n_scales = 2;
    a->scales = f->scales[i];
    if (flag_item > 0) {
        f->flags[i][0] = (cairn_stored_flag){flag_item, 1};
        a->n_flags = 1;
        a->flags = f->flags[i];
    }
    f->list.items = f->a;
}

static inline cairn_trend *trend(fixture *f, const char *code,
                                 const cairn_trend_options *o, const char *loss,
                                 const cairn_expectation *e)
{
    cairn_trend *t = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_trend_compute(&t, test_instrument(code), &f->list, loss, o, e,
                            &err) < 0) {
        fail_msg("%s", err.message);
    }
    return t;
}

/* ---- real SQLite stores for the store-backed suites ---- */

/* A fresh store in a new temporary directory; `dir` receives its path. */
static inline cairn_store *test_store_new(char *dir, size_t size)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    char path[512];
    snprintf(dir, size, "/tmp/cairn-test-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        fail_msg("cannot make a temporary directory");
    }
    snprintf(path, sizeof path, "%s/t.db", dir);
    o.create = true;
    o.actor = "test";
    if (cairn_store_open(&st, path, &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return st;
}

/* Close the store and remove its directory. */
static inline void test_store_done(cairn_store *st, const char *dir)
{
    char cmd[600];
    cairn_store_close(st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fail_msg("cannot remove %s", dir);
    }
}

/* How many audit entries of `st` are `action` ("release.add"). */
static inline size_t test_audit_count(cairn_store *st, const char *action)
{
    cairn_audit_list *log = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    size_t n = 0;
    assert_int_equal(cairn_store_audit_list(&log, st, 0, &err), CAIRN_OK);
    for (size_t i = 0; i < log->n; i++) {
        n += strcmp(log->items[i].action, action) == 0;
    }
    cairn_store_audit_list_free(log);
    return n;
}

static inline void test_client(cairn_store *st, const char *code,
                               const char *clinician, const char *partner)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    c.clinician = clinician;
    c.partner_code = partner;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

/* Store `codes` (NA = missing) for `client` on `date`. */
static inline void test_record(cairn_store *st, const char *client,
                               const char *date, const char *inst_code,
                               const int *codes, size_t n)
{
    const cairn_instrument *in = test_instrument(inst_code);
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_responses_new(&r, in, &err), 0);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] != NA &&
            cairn_responses_set(r, in, i, codes[i], &err) < 0) {
            fail_msg("%s", err.message);
        }
    }
    o.client_code = client;
    o.administered_at = date;
    if (cairn_score_compute(&s, in, r, &err) < 0 ||
        cairn_store_assessment_add(st, s, r, &o, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_score_free(s);
    cairn_responses_free(r);
}

/* A PHQ-9 whose total is `total`: items filled with 3s from item 1, the
 * remainder on the next item; `flag9` answers item 9 with 1 (adding 1). */
static inline void test_phq9(cairn_store *st, const char *client,
                             const char *date, int total, bool flag9)
{
    int codes[9] = {0};
    int left = total - (flag9 ? 1 : 0);
    for (int i = 0; i < 8 && left > 0; i++) {
        codes[i] = left >= 3 ? 3 : left;
        left -= codes[i];
    }
    codes[8] = flag9 ? 1 : 0;
    assert_int_equal(left, 0);
    test_record(st, client, date, "phq9", codes, 9);
}

#endif
