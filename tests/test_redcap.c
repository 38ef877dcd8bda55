/*
 * test_redcap.c - REDCap's dictionary columns, and profiles: the shipped
 * Shared Library PHQ-9 profile and every instrument's template load as
 * column maps naming every item with REDCap-valid field names.
 */
#include "cairn/import_map.h"
#include "cairn/redcap.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redcap_dictionary_columns),
        cmocka_unit_test(test_redcap_profiles_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
