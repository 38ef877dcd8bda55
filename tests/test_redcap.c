/*
 * test_redcap.c - REDCap's dictionary columns, and profiles: the shipped
 * Shared Library PHQ-9 profile and every instrument's template load as
 * column maps naming every item with REDCap-valid field names; records
 * imported while another connection writes.
 */
#include "cairn/import_map.h"
#include "cairn/redcap.h"
#include "cairn/store.h"
#include "helpers.h"

static void test_redcap_dictionary_columns(void **state)
{
    (void)state;
    assert_string_equal(cairn_redcap_dictionary_column(0),
                        "Variable / Field Name");
    assert_string_equal(cairn_redcap_dictionary_column(5),
                        "Choices, Calculations, OR Slider Labels");
    assert_string_equal(cairn_redcap_dictionary_column(11),
                        "Branching Logic (Show field only if...)");
    assert_string_equal(cairn_redcap_dictionary_column(17), "Field Annotation");
    assert_null(cairn_redcap_dictionary_column(18));
}

/* Lowercase letters, digits and underscores, starting with a letter. */
static bool valid_field_name(const char *s)
{
    if (!(s[0] >= 'a' && s[0] <= 'z')) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_')) {
            return false;
        }
    }
    return true;
}

static void test_redcap_profiles_load(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/redcap", test_instrument_dir());
    const cairn_catalog *cat = test_catalog();
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *inst = cairn_catalog_get(cat, i);
        char *text = NULL;
        cairn_import_map *m = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(cairn_redcap_profile(&text, inst, dir, &err),
                         CAIRN_OK);
        if (cairn_import_map_parse(&m, text, strlen(text), "profile", cat,
                                   &err) < 0) {
            fail_msg("%s: %s", cairn_instrument_code(inst), err.message);
        }
        assert_ptr_equal(cairn_import_map_instrument(m), inst);
        assert_true(valid_field_name(cairn_import_map_form(m)));
        free(text);
        cairn_import_map_free(m);
    }
    const cairn_instrument *phq9 = NULL;
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_catalog_find(&phq9, cat, "phq9", &err), CAIRN_OK);
    assert_int_equal(cairn_redcap_profile(&text, phq9, dir, &err), CAIRN_OK);
    assert_non_null(strstr(text, "\"phq9_how_difficult\": [1, 2, 3, 4]"));
    assert_non_null(strstr(text, "\"phq9_total_score\": \"total\""));
    free(text);
    assert_int_equal(cairn_redcap_profile(&text, phq9, NULL, &err), CAIRN_OK);
    assert_non_null(strstr(text, "\"phq9_total\": \"total\""));
    free(text);
}

/* A second connection writing while the records are read (the warning
 * about row 8's total comes from the reading) and when the import is
 * about to wait for the write lock. */
typedef struct beside {
    cairn_store *other;
    int writes;
    char why[CAIRN_ERROR_MAX];
} beside;

static void beside_add(beside *b, const char *client, const char *date,
                       const int *codes)
{
    const cairn_instrument *in = test_instrument("phq9");
    cairn_score *sc = test_score("phq9", codes, 9);
    cairn_responses *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = client;
    o.administered_at = date;
    int rc = cairn_responses_new(&r, in, &err);
    for (size_t i = 0; rc == CAIRN_OK && i < 9; i++) {
        rc = cairn_responses_set(r, in, i, codes[i], &err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_add(b->other, sc, r, &o, NULL, &err);
    }
    if (rc == CAIRN_OK) {
        b->writes++;
    } else if (b->why[0] == '\0') {
        snprintf(b->why, sizeof b->why, "%s", err.message);
    }
    cairn_responses_free(r);
    cairn_score_free(sc);
}

static void beside_reading(const cairn_error *e, void *ctx)
{
    static const int r01_baseline[9] = {1, 2, 1, 2, 1, 0, 1, 1, 0};
    beside *b = ctx;
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    (void)e;
    c.code = "R01"; /* a client the file has, added meanwhile */
    if (cairn_store_client_add(b->other, &c, NULL, &err) < 0) {
        snprintf(b->why, sizeof b->why, "%s", err.message);
        return;
    }
    beside_add(b, "R01", "2025-03-01", r01_baseline); /* one of the file's */
}

static void beside_lock(void *ctx)
{
    static const int codes[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    beside_add(ctx, "R01", "2025-06-01", codes);
}

static void test_redcap_import_others_write_meanwhile(void **state)
{
    (void)state;
    char dir[64], path[128], map_path[4200];
    beside b = {0};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_store_options so = CAIRN_STORE_OPTIONS_INIT;
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    cairn_import_map *map = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(path, sizeof path, "%s/t.db", dir);
    so.busy_timeout_ms = 0; /* a write the import blocks fails at once */
    assert_int_equal(cairn_store_open(&b.other, path, &so, &err), CAIRN_OK);
    snprintf(map_path, sizeof map_path, "%s/redcap/phq9.json",
             test_instrument_dir());
    assert_int_equal(
        cairn_import_map_load(&map, map_path, test_catalog(), &err), CAIRN_OK);
    o.create_clients = true;
    o.on_warning = beside_reading;
    o.on_lock = beside_lock;
    o.ctx = &b;
    assert_int_equal(
        cairn_redcap_import(st, test_catalog(),
                            "tests/data/good/redcap/phq9.records.csv",
                            "tests/data/good/redcap/phq9.dictionary.csv", map,
                            false, &o, &r, &err),
        CAIRN_OK);
    assert_string_equal(b.why, "");
    assert_int_equal(b.writes, 2);
    /* final counts: R01's baseline was recorded meanwhile, R01 added */
    assert_int_equal(r.stored, 4);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.clients_created, 1);
    cairn_assessment_list *l = NULL;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, NULL, NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 6);
    cairn_store_assessment_list_free(l);
    assert_int_equal(cairn_store_audit_verify(st, NULL, &err), CAIRN_OK);
    cairn_import_map_free(map);
    cairn_store_close(b.other);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redcap_dictionary_columns),
        cmocka_unit_test(test_redcap_profiles_load),
        cmocka_unit_test(test_redcap_import_others_write_meanwhile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
