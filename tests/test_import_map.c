/*
 * test_import_map.c - column maps: every way a map file can be wrong, and
 * imports through maps (offsets, scores instead of positions, a column
 * naming the instrument, dates from REDCap events, stored totals).
 */
#include <stdio.h>

#include "cairn/import.h"
#include "cairn/import_map.h"
#include "cairn/store.h"
#include "helpers.h"

typedef struct seen {
    int errors, warnings;
    char first[CAIRN_ERROR_MAX];
    char warning[CAIRN_ERROR_MAX];
} seen;

static void on_error(const cairn_error *e, void *ctx)
{
    seen *s = ctx;
    if (s->errors++ == 0) {
        snprintf(s->first, sizeof s->first, "%s", e->message);
    }
}

static void on_warning(const cairn_error *e, void *ctx)
{
    seen *s = ctx;
    if (s->warnings++ == 0) {
        snprintf(s->warning, sizeof s->warning, "%s", e->message);
    }
}

static cairn_import_map *map_of(const char *json)
{
    cairn_import_map *m = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_import_map_parse(&m, json, strlen(json), "m.json", test_catalog(),
                               &err) < 0) {
        fail_msg("%s", err.message);
    }
    return m;
}

static int run(cairn_store *st, const cairn_import_map *m, const char *csv,
               cairn_import_result *r, seen *s)
{
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    memset(s, 0, sizeof *s);
    o.map = m;
    o.create_clients = true;
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = s;
    return cairn_import_parse(st, test_catalog(), csv, strlen(csv), "t.csv", &o,
                              r, &err);
}

/* The codes of the only assessment of `client`, as "0,1,-" text. */
static void codes_of(cairn_store *st, const char *client, char *out,
                     size_t size, double *total)
{
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, st, client, NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 1);
    size_t k = 0;
    for (size_t i = 0; i < l->items[0].n_items && k + 4 < size; i++) {
        if (l->items[0].missing[i]) {
            k += (size_t)snprintf(out + k, size - k, "%s-", i ? "," : "");
        } else {
            k += (size_t)snprintf(out + k, size - k, "%s%d", i ? "," : "",
                                  l->items[0].codes[i]);
        }
    }
    *total = l->items[0].scales[0].score;
    cairn_store_assessment_list_free(l);
}

static void test_import_map_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *json, *message;
    } cases[] = {
        {"[1]", "m.json: a map is a JSON object"},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 1}, \"colour\": 1}",
         "m.json: unknown key 'colour'"},
        {"{\"client\": \"c\", \"date\": \"d\", \"items\": {\"q\": 1}}",
         "m.json: give either \"instrument\" (one for every row) or "
         "\"instrument_column\""},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 12}}",
         "m.json: items: 'q' -> 12: phq9 has items 1..9"},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 1, \"r\": 1}}",
         "m.json: items: item 1 is mapped from both 'q' and 'r'"},
        {"{\"client\": \"c\", \"instrument\": \"phq9\", \"items\": {\"q\": 1}}",
         "m.json: give \"date\" (a column) or \"event_dates\""},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 1}, \"totals\": {\"t\": \"sum\"}}",
         "m.json: totals: 't': phq9 has no scale 'sum'"},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 1}, \"codes\": \"labels\"}",
         "m.json: codes: must be \"positions\" or \"scores\""},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"epds\", "
         "\"items\": {\"q\": {\"item\": 1, \"codes\": \"ticks\"}}}",
         "m.json: items: 'q': codes: must be \"positions\" or \"scores\""},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"epds\", "
         "\"items\": {\"q\": {\"item\": 1, \"scale\": 2}}}",
         "m.json: items: 'q': takes only \"item\", \"offset\" and \"codes\""},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"phq9\", "
         "\"items\": {\"q\": 1}, \"identifiers\": [\"name\", \"q\"]}",
         "m.json: identifiers: 'q' identifies a person, so it cannot also be "
         "read"},
        {"{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"nope\", "
         "\"items\": {\"q\": 1}}",
         NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_import_map *m = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        int rc =
            cairn_import_map_parse(&m, cases[i].json, strlen(cases[i].json),
                                   "m.json", test_catalog(), &err);
        assert_true(rc < 0);
        assert_null(m);
        if (cases[i].message != NULL) {
            assert_string_equal(err.message, cases[i].message);
        }
    }
}

static void test_import_map_offsets_and_totals(void **state)
{
    (void)state;
    cairn_import_map *m = map_of(
        "{\"client\": \"who\", \"date\": \"when\", \"instrument\": \"phq2\", "
        "\"offset\": -1, \"items\": {\"a\": 1, \"b\": {\"item\": 2, "
        "\"offset\": 0}}, \"totals\": {\"sum\": \"total\"}}");
    cairn_store *st = test_memory_store();
    cairn_import_result r;
    seen s;
    char codes[64];
    double total = 0;
    assert_int_equal(run(st, m,
                         "extra,WHO,When,A,B,Sum\n"
                         "x,C1,2025-01-02,4,1,4\n"
                         "x,C2,2025-01-02,1,0,1\n",
                         &r, &s),
                     CAIRN_OK);
    assert_int_equal(r.stored, 2);
    assert_int_equal(s.warnings, 1);
    assert_string_equal(s.warning,
                        "t.csv:3: sum is 1 but Cairn's phq2 total is 0 "
                        "(check the map's codes and offsets); Cairn's score "
                        "is stored");
    codes_of(st, "C1", codes, sizeof codes, &total);
    assert_string_equal(codes, "3,1");
    cairn_store_close(st);
    cairn_import_map_free(m);
}

static void test_import_map_scores_and_columns(void **state)
{
    (void)state;
    /* EPDS item 3 is scored 3-2-1-0 down the form: a typed score 3 is the
     * first answer (code 0); item 1 is 0-1-2-3. */
    cairn_import_map *m =
        map_of("{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"epds\", "
               "\"codes\": \"scores\", \"items\": {\"e1\": 1, \"e3\": 3}}");
    cairn_store *st = test_memory_store();
    cairn_import_result r;
    seen s;
    char codes[64];
    double total = 0;
    assert_int_equal(run(st, m, "c,d,e1,e3\nC1,2025-01-02,2,3\n", &r, &s),
                     CAIRN_OK);
    codes_of(st, "C1", codes, sizeof codes, &total);
    assert_string_equal(codes, "2,-,0,-,-,-,-,-,-,-");
    assert_int_equal(run(st, m, "c,d,e1,e3\nC2,2025-01-02,2,7\n", &r, &s),
                     CAIRN_EINVAL);
    assert_string_equal(s.first,
                        "t.csv:2: e3: '7': item 3: no answer of epds scores 7");
    cairn_import_map_free(m);
    m = map_of("{\"client\": \"c\", \"date\": \"d\", "
               "\"instrument_column\": \"form\", \"items\": {\"x\": 1, "
               "\"y\": 2}}");
    assert_int_equal(
        run(st, m, "c,d,form,x,y\nC3,2025-01-02,PHQ-2,1,2\n", &r, &s),
        CAIRN_OK);
    codes_of(st, "C3", codes, sizeof codes, &total);
    assert_string_equal(codes, "1,2");
    assert_int_equal(run(st, m, "c,d,x,y\nC3,2025-01-02,1,2\n", &r, &s),
                     CAIRN_EPARSE);
    cairn_store_close(st);
    cairn_import_map_free(m);
}

static void test_import_map_event_dates(void **state)
{
    (void)state;
    cairn_import_map *m =
        map_of("{\"client\": \"record_id\", \"date\": \"visit\", "
               "\"instrument\": \"phq2\", \"items\": {\"p1\": 1, \"p2\": 2}, "
               "\"event_dates\": {\"anchor\": \"enrolled\", \"days\": "
               "{\"base_arm_1\": 0, \"week4_arm_1\": 28}}}");
    cairn_store *st = test_memory_store();
    cairn_import_result r;
    seen s;
    char codes[64];
    double total = 0;
    assert_int_equal(run(st, m,
                         "record_id,redcap_event_name,enrolled,visit,p1,p2\n"
                         "R1,enrol_arm_1,2025-01-30,,,\n"
                         "R1,week4_arm_1,,,1,1\n"
                         "R2,base_arm_1,2025-02-01,2025-02-03,0,1\n",
                         &r, &s),
                     CAIRN_OK);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.without_answers, 1);
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, st, "R1", NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_string_equal(l->items[0].administered_at, "2025-02-27");
    cairn_store_assessment_list_free(l);
    codes_of(st, "R2", codes, sizeof codes, &total);
    assert_string_equal(codes, "0,1");
    assert_int_equal(run(st, m,
                         "record_id,redcap_event_name,enrolled,visit,p1,p2\n"
                         "R3,week4_arm_1,,,1,1\n"
                         "R3,week9_arm_1,2025-01-01,,1,1\n",
                         &r, &s),
                     CAIRN_EINVAL);
    assert_string_equal(s.first, "t.csv:2: record 'R3' has no enrolled on "
                                 "this or an earlier row, so event "
                                 "'week4_arm_1' cannot be dated");
    assert_int_equal(s.errors, 2);
    cairn_store_close(st);
    cairn_import_map_free(m);
}

/* Import `csv` through map `m` (NULL: Cairn's own columns) with the
 * file's codes `codes`; `msg` receives the first message. */
static int run_codes(cairn_store *st, const cairn_import_map *m,
                     const char *csv, cairn_entry codes, char *msg, size_t size)
{
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.map = m;
    o.create_clients = true;
    o.codes = codes;
    int rc = cairn_import_parse(st, test_catalog(), csv, strlen(csv), "t.csv",
                                &o, NULL, &err);
    snprintf(msg, size, "%s", rc < 0 ? err.message : "");
    return rc;
}

/* EPDS codes are not its scores: a file, a map or a column must say which
 * it holds, and the one-line refusal names the file, the column and both
 * choices; positions and scores of the same answers store the same. */
static void test_import_map_codes_must_be_said(void **state)
{
    (void)state;
    static const char both[] =
        "epds's answer codes are not its item scores: say which the file "
        "holds, --codes positions (the position of the ticked answer, 0 for "
        "the top one to 3 for the bottom one) or --codes scores (each item's "
        "score from the scoring key, 0-3, where the top answer scores 3 on "
        "items 3 and 5-10)";
    char msg[CAIRN_ERROR_MAX], want[CAIRN_ERROR_MAX], codes[64];
    double total = 0;
    cairn_store *st = test_memory_store();
    cairn_import_map *m =
        map_of("{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"epds\", "
               "\"items\": {\"e1\": 1, \"e10\": 10}}");
    const char *csv = "c,d,e1,e10\nC1,2025-01-02,1,3\n";
    assert_int_equal(run_codes(st, m, csv, CAIRN_ENTRY_UNSAID, msg, sizeof msg),
                     CAIRN_EPARSE);
    snprintf(want, sizeof want,
             "t.csv: column 'e1' (epds item 1): %s, or \"codes\" in the map",
             both);
    assert_string_equal(msg, want);
    /* the file's --codes scores: item 10 scored 3 is the top answer */
    assert_int_equal(run_codes(st, m, csv, CAIRN_ENTRY_SCORES, msg, sizeof msg),
                     CAIRN_OK);
    codes_of(st, "C1", codes, sizeof codes, &total);
    assert_string_equal(codes, "1,-,-,-,-,-,-,-,-,0");
    cairn_import_map_free(m);
    /* one column says scores, the other is left to the file */
    m = map_of("{\"client\": \"c\", \"date\": \"d\", \"instrument\": \"epds\", "
               "\"items\": {\"e1\": 1, \"e10\": {\"item\": 10, "
               "\"codes\": \"scores\"}}}");
    assert_int_equal(run_codes(st, m, "c,d,e1,e10\nC2,2025-01-02,1,3\n",
                               CAIRN_ENTRY_UNSAID, msg, sizeof msg),
                     CAIRN_EPARSE);
    assert_non_null(strstr(msg, "column 'e1' (epds item 1)"));
    assert_int_equal(run_codes(st, m, "c,d,e1,e10\nC2,2025-01-02,1,3\n",
                               CAIRN_ENTRY_POSITIONS, msg, sizeof msg),
                     CAIRN_OK);
    codes_of(st, "C2", codes, sizeof codes, &total);
    assert_string_equal(codes, "1,-,-,-,-,-,-,-,-,0");
    cairn_import_map_free(m);
    /* Cairn's own columns: the refusal names them; phq9 needs nothing */
    const char *own = "client_id,administered_at,instrument,item1,item2,"
                      "item3,item4,item5,item6,item7,item8,item9,item10\n"
                      "C3,2025-01-02,epds,1,,,,,,,,,3\n";
    assert_int_equal(
        run_codes(st, NULL, own, CAIRN_ENTRY_UNSAID, msg, sizeof msg),
        CAIRN_EINVAL);
    snprintf(want, sizeof want, "t.csv:2: columns item1..item10: %s", both);
    assert_string_equal(msg, want);
    assert_int_equal(
        run_codes(st, NULL, own, CAIRN_ENTRY_SCORES, msg, sizeof msg),
        CAIRN_OK);
    codes_of(st, "C3", codes, sizeof codes, &total);
    assert_string_equal(codes, "1,-,-,-,-,-,-,-,-,0");
    assert_int_equal(run_codes(st, NULL,
                               "client_id,administered_at,instrument,item1,"
                               "item2\nC4,2025-01-02,phq2,1,0\n",
                               CAIRN_ENTRY_UNSAID, msg, sizeof msg),
                     CAIRN_OK);
    cairn_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_map_bad_files),
        cmocka_unit_test(test_import_map_offsets_and_totals),
        cmocka_unit_test(test_import_map_scores_and_columns),
        cmocka_unit_test(test_import_map_codes_must_be_said),
        cmocka_unit_test(test_import_map_event_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
