/*
 * test_instrument.c - loading and validating definitions, the catalog,
 * fingerprints, site texts and the status table.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>

#include <jansson.h>

#include "helpers.h"

static void test_instrument_ships_ten_valid_definitions(void **state)
{
    (void)state;
    static const char *const codes[] = {"cesd", "epds",  "gad2",  "gad7",
                                        "pcl5", "pg13r", "pgs33", "phq2",
                                        "phq9", "who5"};
    const cairn_catalog *cat = test_catalog();
    assert_int_equal(cairn_catalog_count(cat), 10);
    for (size_t i = 0; i < 10; i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        cairn_error err = CAIRN_ERROR_INIT;
        size_t n = 0;
        assert_string_equal(cairn_instrument_code(in), codes[i]);
        assert_int_equal(
            strncmp(cairn_instrument_fingerprint(in), "sha256:", 7), 0);
        assert_int_equal(strlen(cairn_instrument_fingerprint(in)), 7 + 64);
        if (cairn_score_check_examples(in, &n, &err) < 0) {
            fail_msg("%s", err.message);
        }
        assert_true(n >= 3);
    }
}

/* Every file in tests/data/bad/definitions is refused with its .msg. */
static void test_instrument_bad_definitions_give_exact_messages(void **state)
{
    (void)state;
    const char *dir = "tests/data/bad/definitions";
    DIR *d = opendir(dir);
    size_t checked = 0;
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) {
            continue;
        }
        char path[512], msgpath[512], want[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(msgpath, sizeof msgpath, "%s/%.*s.msg", dir, (int)(len - 5),
                 e->d_name);
        test_read_text(msgpath, want, sizeof want);
        cairn_instrument *in = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        int rc = cairn_instrument_load(&in, path, &err);
        if (rc == 0) {
            rc = cairn_score_check_examples(in, NULL, &err);
        }
        cairn_instrument_free(in);
        if (rc == 0) {
            fail_msg("%s was accepted", path);
        }
        if (strcmp(err.message, want) != 0) {
            fail_msg("%s:\n want: %s\n got:  %s", path, want, err.message);
        }
        checked++;
    }
    closedir(d);
    assert_true(checked >= 25);
}

static void test_instrument_missing_file_is_eio(void **state)
{
    (void)state;
    cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_instrument_load(&in, "tests/data/nope.json", &err),
                     CAIRN_EIO);
    assert_null(in);
    assert_non_null(strstr(err.message, "tests/data/nope.json: cannot open"));
}

static void test_instrument_aliases_find_instruments(void **state)
{
    (void)state;
    static const char *const names[] = {"PHQ-9", "phq_9", "Phq9", "phq 9"};
    for (size_t i = 0; i < 4; i++) {
        const cairn_instrument *in = test_instrument(names[i]);
        assert_string_equal(cairn_instrument_code(in), "phq9");
    }
    assert_string_equal(cairn_instrument_code(test_instrument("GAD-7")),
                        "gad7");
    const cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_catalog_find(&in, test_catalog(), "phq10", &err),
                     CAIRN_ENOTFOUND);
    assert_non_null(strstr(err.message, "unknown instrument 'phq10'"));
    assert_non_null(strstr(err.message, "phq9"));
}

/* Threads asking one instrument for its fingerprint at once. */
typedef struct asker {
    const cairn_instrument *in;
    const char *got;
} asker;

static void *ask_fingerprint(void *arg)
{
    asker *q = arg;
    q->got = cairn_instrument_fingerprint(q->in);
    return NULL;
}

/* The fingerprint is made on first use: the same text whenever and from
 * however many threads it is asked, and the one Cairn made when it was
 * computed as the definition was read (the value main's build printed
 * for tests/data/good/mini3.json). */
static void test_instrument_fingerprint_made_once_from_threads(void **state)
{
    (void)state;
    static const char want[] = "sha256:68e39ad7c044abbf2cbe4733c410bf2031"
                               "47d34437af3390d5a9e7a6ba6b0f1d";
    cairn_instrument *a = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_instrument_load(&a, "tests/data/good/mini3.json", &err), 0);
    asker q[4];
    pthread_t t[4];
    for (size_t i = 0; i < 4; i++) {
        q[i] = (asker){a, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, ask_fingerprint, &q[i]),
                         0);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        /* one text, made once: every thread got the same pointer */
        assert_ptr_equal(q[i].got, q[0].got);
    }
    assert_string_equal(q[0].got, want);
    assert_ptr_equal(cairn_instrument_fingerprint(a), q[0].got);
    cairn_instrument_free(a);
}

static void test_instrument_fingerprint_tracks_rules(void **state)
{
    (void)state;
    char *buf = NULL;
    cairn_instrument *a = NULL, *b = NULL, *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    FILE *f = fopen("tests/data/good/mini3.json", "rb");
    assert_non_null(f);
    buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    assert_int_equal(cairn_instrument_parse(&a, buf, n, "a", &err), 0);
    /* Same document, different layout (newlines lie between tokens, never
     * inside strings): same fingerprint. */
    char *spaced = calloc(1, n * 3 + 2);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        spaced[k++] = buf[i];
        if (buf[i] == '\n') {
            spaced[k++] = ' ';
            spaced[k++] = '\t';
        }
    }
    assert_int_equal(cairn_instrument_parse(&b, spaced, k, "b", &err), 0);
    assert_string_equal(cairn_instrument_fingerprint(a),
                        cairn_instrument_fingerprint(b));
    /* A changed band bound: a different fingerprint. */
    char *p = strstr(buf, "\"max\": 4");
    assert_non_null(p);
    p[7] = '3';
    p = strstr(buf, "\"min\": 5");
    assert_non_null(p);
    p[7] = '4';
    if (cairn_instrument_parse(&c, buf, n, "c", &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_string_not_equal(cairn_instrument_fingerprint(a),
                            cairn_instrument_fingerprint(c));
    cairn_instrument_free(a);
    cairn_instrument_free(b);
    cairn_instrument_free(c);
    free(spaced);
    free(buf);
}

/* A site's own texts show up without touching the scoring fingerprint. */
static void test_instrument_site_texts_keep_fingerprint(void **state)
{
    (void)state;
    cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_instrument_load(&in, "instruments/epds.json", &err),
                     0);
    char before[80];
    snprintf(before, sizeof before, "%s", cairn_instrument_fingerprint(in));
    assert_null(cairn_instrument_item(in, 0)->text);
    if (cairn_instrument_add_texts(in, "tests/data/good/epds.texts.json",
                                   &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_string_equal(cairn_instrument_item(in, 0)->text,
                        "Placeholder text for item 1 (fixture)");
    assert_string_equal(cairn_instrument_item(in, 0)->options[3].label,
                        "placeholder option 4");
    /* Item 2 shares the option set and keeps its own labels. */
    assert_string_not_equal(cairn_instrument_item(in, 1)->options[3].label,
                            "placeholder option 4");
    assert_string_equal(cairn_instrument_fingerprint(in), before);
    assert_int_equal(
        cairn_instrument_add_texts(in, "tests/data/good/mini3.json", &err),
        CAIRN_EINVAL);
    /* a file that fails half-way leaves the texts as they were (they
     * pointed into the freed file: a use-after-free under ASan) */
    assert_int_equal(cairn_instrument_add_texts(
                         in, "tests/data/bad/epds.half.texts.json", &err),
                     CAIRN_EINVAL);
    assert_string_equal(cairn_instrument_item(in, 0)->text,
                        "Placeholder text for item 1 (fixture)");
    assert_string_equal(cairn_instrument_instructions(in),
                        "Placeholder instructions (fixture; not the EPDS "
                        "text)");
    /* a second file for some items: the others keep the first file's */
    assert_int_equal(cairn_instrument_add_texts(
                         in, "tests/data/good/epds.item3.texts.json", &err),
                     CAIRN_OK);
    assert_string_equal(cairn_instrument_item(in, 2)->text,
                        "Another placeholder text for item 3 (fixture)");
    assert_string_equal(cairn_instrument_item(in, 0)->text,
                        "Placeholder text for item 1 (fixture)");
    assert_string_equal(cairn_instrument_item(in, 0)->options[3].label,
                        "placeholder option 4");
    cairn_instrument_free(in);
}

static void test_instrument_strerror_covers_every_status(void **state)
{
    (void)state;
    for (int c = 0; c > -CAIRN_STATUS_COUNT; c--) {
        assert_string_not_equal(cairn_strerror(c), "unknown error");
    }
    assert_int_equal(-CAIRN_ECRYPTO + 1, CAIRN_STATUS_COUNT);
    assert_string_equal(cairn_strerror(-CAIRN_STATUS_COUNT), "unknown error");
    assert_string_equal(cairn_strerror(5), "unknown error");
}

/* A copy of the shipped `code`'s file as `dir`/`name`. */
static void copy_definition(const char *dir, const char *code, const char *name)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s/%s.json' '%s/%s'", test_instrument_dir(),
             code, dir, name);
    assert_int_equal(system(cmd), 0);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Only the named definitions are read, each from the file named after it
 * (a name as cairn_catalog_find compares it), and they are the whole
 * catalog's: the same instruments, fingerprints and order. */
static void test_instrument_catalog_named_reads_only_those(void **state)
{
    (void)state;
    static const char *const names[] = {"PHQ-9", "gad7", "phq9"};
    cairn_catalog *cat = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_catalog_load_named(&cat, test_instrument_dir(), NULL,
                                              names, 3, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_catalog_count(cat), 2);
    const char *codes[] = {"gad7", "phq9"};
    for (size_t i = 0; i < 2; i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        assert_string_equal(cairn_instrument_code(in), codes[i]);
        assert_string_equal(
            cairn_instrument_fingerprint(in),
            cairn_instrument_fingerprint(test_instrument(codes[i])));
    }
    const cairn_instrument *in = NULL;
    assert_int_equal(cairn_catalog_find(&in, cat, "PHQ9", &err), CAIRN_OK);
    assert_ptr_equal(in, cairn_catalog_get(cat, 1));
    cairn_catalog_free(cat);
}

/* A name no file is named after, whose file holds another instrument, or
 * that is a path, and no names at all: every definition, so an unknown
 * name's message lists the whole folder's. */
static void test_instrument_catalog_named_falls_back_to_all(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-catalog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    copy_definition(dir, "phq9", "phq9.json");
    copy_definition(dir, "gad7", "who5.json"); /* holds gad7 */
    static const char *const unknown[] = {"phq9", "phq10"};
    static const char *const misnamed[] = {"who5"};
    static const char *const path[] = {"./phq9"}; /* not a file name */
    const char *const *lists[] = {unknown, misnamed, path, NULL};
    size_t counts[] = {2, 1, 1, 0};
    for (size_t k = 0; k < 4; k++) {
        cairn_catalog *cat = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_catalog_load_named(&cat, dir, NULL, lists[k],
                                                  counts[k], &err),
                         CAIRN_OK);
        assert_int_equal(cairn_catalog_count(cat), 2);
        const cairn_instrument *in = NULL;
        assert_int_equal(cairn_catalog_find(&in, cat, "phq10", &err),
                         CAIRN_ENOTFOUND);
        assert_string_equal(err.message,
                            "unknown instrument 'phq10' (known: gad7, phq9)");
        cairn_catalog_free(cat);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A broken definition beside: not read for the names that do not need
 * it; reported with the whole load's message when it is named, and when
 * the folder is wrong the whole load's message too. */
static void
test_instrument_catalog_named_errors_are_the_whole_loads(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-catalog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    copy_definition(dir, "phq9", "phq9.json");
    write_text(dir, "broken.json", "{\"code\": \"broken\",\n  oops}\n");
    cairn_catalog *cat = NULL, *all = NULL;
    cairn_error err = CAIRN_ERROR_INIT, whole = CAIRN_ERROR_INIT;
    static const char *const phq9[] = {"phq9"};
    static const char *const broken[] = {"broken"};
    assert_int_equal(cairn_catalog_load_named(&cat, dir, NULL, phq9, 1, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_catalog_count(cat), 1);
    cairn_catalog_free(cat);
    int rc = cairn_catalog_load(&all, dir, NULL, &whole);
    assert_true(rc < 0);
    assert_null(all);
    assert_int_equal(cairn_catalog_load_named(&cat, dir, NULL, broken, 1, &err),
                     rc);
    assert_null(cat);
    assert_string_equal(err.message, whole.message);
    /* the folder's own errors */
    assert_int_equal(
        cairn_catalog_load_named(&cat, "/nonexistent", NULL, phq9, 1, &err),
        CAIRN_EIO);
    assert_string_equal(err.message, "cannot open the instrument folder "
                                     "/nonexistent: No such file or directory");
    assert_int_equal(
        cairn_catalog_load_named(&cat, dir, "/nonexistent", phq9, 1, &err),
        CAIRN_ENOTFOUND);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/*.json", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cairn_catalog_load_named(&cat, dir, NULL, phq9, 1, &err),
                     CAIRN_ENOTFOUND);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A named definition whose worked examples fail is refused, as in the
 * whole catalog. */
static void test_instrument_catalog_named_refuses_stale_examples(void **state)
{
    (void)state;
    static const char *const phq9[] = {"phq9"};
    cairn_catalog *cat = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_catalog_load_named(&cat,
                                              "tests/data/bad/stale_examples",
                                              NULL, phq9, 1, &err),
                     CAIRN_OK);
    const cairn_instrument *in = NULL;
    assert_int_equal(cairn_catalog_find(&in, cat, "phq9", &err), CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "tests/data/bad/stale_examples/phq9.json: example 1: "
                        "scale total: expected band moderate, got mild");
    cairn_catalog_free(cat);
}

static void test_instrument_free_accepts_null(void **state)
{
    (void)state;
    cairn_instrument_free(NULL);
    cairn_catalog_free(NULL);
    cairn_responses_free(NULL);
    cairn_score_free(NULL);
}

/* Every shipped scale has cited reliable-change values (SD and
 * reliability, or a published threshold) or says in a note that none are
 * published and where Cairn looked (issue 10, point 8). */
static void test_instrument_every_scale_says_its_reliable_change(void **state)
{
    (void)state;
    const cairn_catalog *cat = test_catalog();
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        json_t *root = json_load_file(cairn_instrument_path(in), 0, NULL);
        assert_non_null(root);
        json_t *scales = json_object_get(root, "scales");
        for (size_t k = 0; k < json_array_size(scales); k++) {
            const cairn_scale *sc = cairn_instrument_scale(in, k);
            json_t *rc =
                json_object_get(json_array_get(scales, k), "reliable_change");
            if (rc == NULL) {
                fail_msg("%s %s: no reliable_change entry",
                         cairn_instrument_code(in), sc->id);
            }
            if (!sc->has_reliable_change && !sc->has_rc_points) {
                const char *note =
                    json_string_value(json_object_get(rc, "note"));
                if (note == NULL || strstr(note, "Searched") == NULL) {
                    fail_msg("%s %s: no values and no note on where Cairn "
                             "looked",
                             cairn_instrument_code(in), sc->id);
                }
            }
        }
        json_decref(root);
    }
}

/* CES-D texts as their cited sources print them (issue 10, point 4):
 * item 3 is not truncated, the instructions are cesd.xml's. */
static void test_instrument_cesd_texts(void **state)
{
    (void)state;
    const cairn_instrument *in = test_instrument("cesd");
    assert_string_equal(cairn_instrument_find_item(in, 3)->text,
                        "I felt that I could not shake off the blues even "
                        "with help from my family or friends");
    assert_string_equal(cairn_instrument_instructions(in),
                        "This form has 20 statements about how you have "
                        "been OVER THE LAST WEEK. Please read each statement "
                        "and think how often you felt that way last week. "
                        "Then choose the option which is closest to this.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instrument_ships_ten_valid_definitions),
        cmocka_unit_test(test_instrument_bad_definitions_give_exact_messages),
        cmocka_unit_test(test_instrument_missing_file_is_eio),
        cmocka_unit_test(test_instrument_aliases_find_instruments),
        cmocka_unit_test(test_instrument_fingerprint_tracks_rules),
        cmocka_unit_test(test_instrument_fingerprint_made_once_from_threads),
        cmocka_unit_test(test_instrument_site_texts_keep_fingerprint),
        cmocka_unit_test(test_instrument_strerror_covers_every_status),
        cmocka_unit_test(test_instrument_catalog_named_reads_only_those),
        cmocka_unit_test(test_instrument_catalog_named_falls_back_to_all),
        cmocka_unit_test(
            test_instrument_catalog_named_errors_are_the_whole_loads),
        cmocka_unit_test(test_instrument_catalog_named_refuses_stale_examples),
        cmocka_unit_test(test_instrument_free_accepts_null),
        cmocka_unit_test(test_instrument_every_scale_says_its_reliable_change),
        cmocka_unit_test(test_instrument_cesd_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
