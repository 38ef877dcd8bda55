/*
 * test_fhir.c - terminology sidecars and the FHIR bridge on private
 * in-memory stores: the codes and their checks, the Questionnaire, the
 * Bundle's statuses, identifiers and determinism, and the import's
 * resolution of instruments, items, answers and subjects, with the exact
 * messages of what it refuses.
 */
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "cairn/fhir.h"
#include "cairn/store.h"
#include "cairn/terminology.h"
#include "helpers.h"
#include "../engine/src/internal.h"

#define SYS "https://clinic.example/fhir"

static cairn_terminology *terms(void)
{
    static cairn_terminology *t = NULL;
    char dir[4096];
    cairn_error err = CAIRN_ERROR_INIT;
    if (t == NULL) {
        snprintf(dir, sizeof dir, "%s/codes", test_instrument_dir());
        if (cairn_terminology_load(&t, test_catalog(), dir, &err) < 0) {
            fail_msg("%s", err.message);
        }
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* Terminology                                                         */

static void test_terminology_loinc_check_digit(void **state)
{
    (void)state;
    assert_true(cairn_codes_is_loinc("44261-6"));
    assert_true(cairn_codes_is_loinc("70274-6"));
    assert_true(cairn_codes_is_loinc("101698-9"));
    assert_false(cairn_codes_is_loinc("44261-5"));
    assert_false(cairn_codes_is_loinc("44261"));
    assert_false(cairn_codes_is_loinc("LA6568-5"));
    assert_false(cairn_codes_is_loinc(NULL));
}

static void test_terminology_shipped_codes(void **state)
{
    (void)state;
    const cairn_codes *phq9 = cairn_terminology_find(terms(), "phq9");
    const cairn_codes *epds = cairn_terminology_find(terms(), "epds");
    assert_non_null(phq9);
    assert_string_equal(cairn_codes_panel(phq9), "44249-1");
    assert_string_equal(cairn_codes_scale(phq9, "total"), "44261-6");
    assert_string_equal(cairn_codes_item(phq9, 3), "44259-0");
    assert_string_equal(cairn_codes_answer(phq9, 9, 3), "LA6571-9");
    assert_null(cairn_codes_answer(phq9, 9, 4));
    assert_string_equal(
        cairn_codes_scale(cairn_terminology_find(terms(), "gad7"), "total"),
        "70274-6");
    /* EPDS: a panel, and no score code borrowed from it */
    assert_string_equal(cairn_codes_panel(epds), "71354-5");
    assert_null(cairn_codes_scale(epds, "total"));
    assert_null(cairn_terminology_find(terms(), "who5"));
    assert_memory_equal(cairn_codes_fingerprint(phq9), "sha256:", 7);
}

static int parse_codes(const char *json, cairn_error *err)
{
    cairn_terminology *t = NULL;
    assert_int_equal(cairn_terminology_new(&t, test_catalog(), err), CAIRN_OK);
    int rc =
        cairn_terminology_parse(t, json, strlen(json), "x.codes.json", err);
    cairn_terminology_free(t);
    return rc;
}

static void test_terminology_refuses_bad_sidecars(void **state)
{
    (void)state;
    static const struct {
        const char *json, *message;
    } cases[] = {
        {"{\"format\":1,\"instrument\":\"phq9\",\"panel\":{\"loinc\":"
         "\"44249-1\",\"source\":\"s\"},\"scales\":{\"total\":{\"loinc\":"
         "\"44249-1\",\"source\":\"s\"}}}",
         "x.codes.json: scales: total: 44249-1 is the panel code, not a "
         "score code"},
        {"{\"format\":1,\"instrument\":\"phq9\",\"items\":{\"loinc\":"
         "{\"12\":\"44250-9\"},\"source\":\"s\"}}",
         "x.codes.json: items: item 12 is not an item of phq9"},
        {"{\"format\":1,\"instrument\":\"phq9\",\"items\":{\"loinc\":"
         "{\"1\":\"44255-8\"},\"source\":\"s\"}}",
         "x.codes.json: items: item 1 is 44255-8 here but 44250-9 in the "
         "definition"},
        {"{\"format\":1,\"instrument\":\"phq9\",\"scales\":{\"total\":"
         "{\"loinc\":\"44261-5\",\"source\":\"s\"}}}",
         "x.codes.json: scales: '44261-5' is not a LOINC code"},
        {"{\"format\":1,\"instrument\":\"phq9\",\"panel\":{\"loinc\":"
         "\"44249-1\"}}",
         "x.codes.json: panel: needs \"loinc\" and a \"source\""},
        {"{\"format\":1,\"instrument\":\"k10\"}",
         "x.codes.json: instrument 'k10' is not in the catalog"},
        {"{\"format\":1,\"instrument\":\"phq9\",\"snomed\":1}",
         "x.codes.json: unknown key 'snomed'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_error err = CAIRN_ERROR_INIT;
        assert_int_equal(parse_codes(cases[i].json, &err), CAIRN_EINVAL);
        assert_string_equal(err.message, cases[i].message);
    }
}

/* ------------------------------------------------------------------ */
/* Export                                                              */

static cairn_store *new_store(void)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    o.actor = "dr.lee";
    if (cairn_store_open(&st, ":memory:", &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return st;
}

static int64_t record(cairn_store *st, const char *client, const char *inst,
                      const int *codes, size_t n, const char *date)
{
    cairn_score *s = test_score(inst, codes, n);
    cairn_responses *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    int64_t id = 0;
    const cairn_instrument *in = test_instrument(inst);
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] != NA) {
            assert_int_equal(cairn_responses_set(r, in, i, codes[i], &err),
                             CAIRN_OK);
        }
    }
    o.client_code = client;
    o.administered_at = date;
    if (cairn_store_assessment_add(st, s, r, &o, &id, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_responses_free(r);
    cairn_score_free(s);
    return id;
}

static void add_client(cairn_store *st, const char *code, const char *ext)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    c.external_id = ext;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static json_t *export_json(cairn_store *st, cairn_fhir_export_options *o,
                           cairn_fhir_export_result *r)
{
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_fhir_export(&text, st, test_catalog(), terms(), o, r, &err) < 0) {
        fail_msg("%s", err.message);
    }
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(doc);
    return doc;
}

/* The first entry's resource of `type` (after `skip` of them). */
static json_t *resource(json_t *bundle, const char *type, size_t skip)
{
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(bundle, "entry"), i, e)
    {
        json_t *r = json_object_get(e, "resource");
        if (strcmp(json_string_value(json_object_get(r, "resourceType")),
                   type) == 0 &&
            skip-- == 0) {
            return r;
        }
    }
    fail_msg("no %s", type);
    return NULL;
}

static const int phq9_11[] = {1, 2, 0, 3, 1, 0, 2, 1, 1};

static void test_fhir_export_statuses_and_codes(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    cairn_fhir_export_result r;
    add_client(st, "C001", "urn:oid:1.2.3|MRN-1");
    int64_t a = record(st, "C001", "phq9", phq9_11, 9, "2026-03-02");
    int64_t b = record(st, "C001", "phq9", phq9_11, 9, "2026-03-09");
    cairn_score *s = test_score("phq9", phq9_11, 9);
    cairn_responses *resp = NULL;
    assert_int_equal(cairn_responses_new(&resp, test_instrument("phq9"), &err),
                     CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        cairn_responses_set(resp, test_instrument("phq9"), i, phq9_11[i], &err);
    }
    assert_int_equal(cairn_store_assessment_amend(st, a, s, resp, "2026-03-03",
                                                  "wrong day", NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_assessment_void(st, b, "wrong client", &err),
                     CAIRN_OK);
    o.system = SYS;
    json_t *doc = export_json(st, &o, &r);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.voided, 1);
    assert_int_equal(r.observations, 2);
    json_t *q1 = resource(doc, "QuestionnaireResponse", 0);
    json_t *q2 = resource(doc, "QuestionnaireResponse", 1);
    /* by date: the amended one (now 2026-03-03), then the void one */
    assert_string_equal(json_string_value(json_object_get(q1, "status")),
                        "amended");
    assert_string_equal(json_string_value(json_object_get(q2, "status")),
                        "entered-in-error");
    /* the amendment keeps the identifier of its first version */
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)a);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(q1, "identifier"), "value")),
                        want);
    json_t *ob = resource(doc, "Observation", 0);
    assert_string_equal(json_string_value(json_object_get(ob, "status")),
                        "amended");
    json_t *code = json_array_get(
        json_object_get(json_object_get(ob, "code"), "coding"), 0);
    assert_string_equal(json_string_value(json_object_get(code, "code")),
                        "44261-6");
    json_t *pt = resource(doc, "Patient", 0);
    json_t *id = json_array_get(json_object_get(pt, "identifier"), 0);
    assert_string_equal(json_string_value(json_object_get(id, "system")),
                        "urn:oid:1.2.3");
    assert_string_equal(json_string_value(json_object_get(id, "value")),
                        "MRN-1");
    /* no clock: the Provenance time is when the newest entry was made */
    json_t *pv = resource(doc, "Provenance", 0);
    assert_non_null(json_string_value(json_object_get(pv, "recorded")));
    json_decref(doc);
    cairn_responses_free(resp);
    cairn_score_free(s);
    cairn_store_close(st);
}

static void test_fhir_export_is_deterministic(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    char *one = NULL, *two = NULL;
    add_client(st, "C001", NULL);
    record(st, "C001", "phq9", phq9_11, 9, "2026-03-02T10:00:00Z");
    o.system = SYS;
    o.recorded = "2026-04-01T00:00:00Z";
    assert_int_equal(
        cairn_fhir_export(&one, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_fhir_export(&two, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_OK);
    assert_string_equal(one, two);
    assert_non_null(strstr(one, "\"recorded\": \"2026-04-01T00:00:00Z\""));
    assert_non_null(strstr(one, "\"value\": \"C001\""));
    free(one);
    free(two);
    o.recorded = "2026-04-01";
    assert_int_equal(
        cairn_fhir_export(&one, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_EINVAL);
    assert_null(one);
    assert_string_equal(err.message, "recorded '2026-04-01' is not a moment "
                                     "(YYYY-MM-DDTHH:MM:SSZ)");
    o.recorded = NULL;
    o.system = "not a uri";
    assert_int_equal(
        cairn_fhir_export(&one, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_EINVAL);
    cairn_store_close(st);
}

static size_t fhir_exports(cairn_store *st)
{
    return test_audit_count(st, "export.fhir");
}

/* A Bundle file is audited only once written: a file that cannot be
 * written, or that exists without force, leaves no entry; the file
 * holds the text cairn_fhir_export gives. */
static void test_fhir_export_file_audited_when_written(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    char dir[] = "/tmp/cairn-fhir-XXXXXX", path[64], bad[96];
    char *text = NULL, *file = NULL;
    size_t len = 0;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bundle.json", dir);
    snprintf(bad, sizeof bad, "%s/missing/bundle.json", dir);
    add_client(st, "C001", NULL);
    record(st, "C001", "phq9", phq9_11, 9, "2026-03-02T10:00:00Z");
    o.system = SYS;
    o.recorded = "2026-04-01T00:00:00Z";
    assert_int_equal(cairn_fhir_export_write(bad, NULL, st, test_catalog(),
                                             terms(), &o, NULL, &err),
                     CAIRN_EIO);
    assert_non_null(strstr(err.message, "missing/bundle.json"));
    assert_int_equal(fhir_exports(st), 0);
    assert_int_equal(cairn_fhir_export_write(path, NULL, st, test_catalog(),
                                             terms(), &o, NULL, &err),
                     CAIRN_OK);
    assert_int_equal(fhir_exports(st), 1);
    assert_int_equal(cairn__util_read_file(path, &file, &len, &err), CAIRN_OK);
    assert_int_equal(
        cairn_fhir_export(&text, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_OK);
    assert_int_equal(fhir_exports(st), 2);
    assert_true(len == strlen(text));
    assert_memory_equal(file, text, len);
    free(file);
    free(text);
    assert_int_equal(cairn_fhir_export_write(path, NULL, st, test_catalog(),
                                             terms(), &o, NULL, &err),
                     CAIRN_EEXISTS);
    assert_int_equal(fhir_exports(st), 2);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    cairn_store_close(st);
}

static void test_fhir_questionnaire_licence(void **state)
{
    (void)state;
    char *text = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *epds = test_instrument("epds");
    assert_int_equal(
        cairn_fhir_questionnaire(&text, epds,
                                 cairn_terminology_find(terms(), "epds"), &err),
        CAIRN_OK);
    json_t *q = json_loads(text, 0, NULL);
    free(text);
    json_t *item = json_array_get(json_object_get(q, "item"), 0);
    /* Cairn's own short label, never the licensed wording */
    assert_string_equal(json_string_value(json_object_get(item, "text")),
                        cairn_instrument_item(epds, 0)->label);
    json_t *opt = json_object_get(
        json_array_get(json_object_get(item, "answerOption"), 0),
        "valueCoding");
    assert_null(json_object_get(opt, "display"));
    assert_string_equal(json_string_value(json_object_get(opt, "code")),
                        "epds.1.0");
    json_t *code = json_array_get(json_object_get(q, "code"), 0);
    assert_string_equal(json_string_value(json_object_get(code, "code")),
                        "71354-5");
    json_decref(q);
}

/* ------------------------------------------------------------------ */
/* Import                                                              */

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
    s->warnings++;
    snprintf(s->warning, sizeof s->warning, "%s", e->message);
}

static int import(cairn_store *st, const char *json,
                  cairn_fhir_import_result *r, seen *s)
{
    cairn_fhir_import_options o = CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    memset(s, 0, sizeof *s);
    o.subject_system = SYS "/client";
    o.on_error = on_error;
    o.on_warning = on_warning;
    o.ctx = s;
    return cairn_fhir_import_parse(st, test_catalog(), terms(), json,
                                   strlen(json), "t.json", &o, r, &err);
}

#define QR(q, items)                                                           \
    "{\"resourceType\":\"QuestionnaireResponse\",\"status\":\"completed\","    \
    "\"questionnaire\":\"" q "\",\"authored\":\"2026-03-02\",\"subject\":"     \
    "{\"identifier\":{\"system\":\"" SYS "/client\",\"value\":\"C001\"}},"     \
    "\"item\":[" items "]}"
#define LA(link, code)                                                         \
    "{\"linkId\":\"" link "\",\"answer\":[{\"valueCoding\":{\"system\":"       \
    "\"http://loinc.org\",\"code\":\"" code "\"}}]}"

static void test_fhir_import_phq2_by_items_and_answers(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_import_result r;
    seen s;
    add_client(st, "C001", NULL);
    /* no questionnaire: 44250-9 and 44255-8 fit PHQ-2 and PHQ-9; the
     * shorter PHQ-2 is taken */
    assert_int_equal(import(st,
                            QR("", LA("/44250-9", "LA6570-1") "," LA(
                                       "/44255-8", "LA6571-9")),
                            &r, &s),
                     CAIRN_OK);
    assert_int_equal(r.stored, 1);
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, st, "C001", NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_string_equal(l->items[0].instrument, "phq2");
    assert_int_equal(l->items[0].codes[0], 2);
    assert_int_equal(l->items[0].codes[1], 3);
    assert_true(l->items[0].scales[0].has_score);
    assert_true(l->items[0].scales[0].score == 5);
    cairn_store_assessment_list_free(l);
    cairn_store_close(st);
}

static void test_fhir_import_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *json, *message;
    } cases[] = {
        {QR("urn:cairn:questionnaire:phq9|1",
            LA("phq9.1", "LA6568-5") "," LA("phq9.1", "LA6569-3")),
         "t.json: item[1]: phq9 item 1 is answered twice"},
        {QR("urn:cairn:questionnaire:phq9|1",
            "{\"linkId\":\"phq9.2\",\"answer\":[{\"valueInteger\":7}]}"),
         "t.json: item[0]: 7 is not the score of exactly one option of phq9 "
         "item 2"},
        {QR("urn:cairn:questionnaire:phq9|1",
            "{\"answer\":[{\"valueInteger\":1}]}"),
         "t.json: item[0]: linkId: missing"},
        {"{\"resourceType\":\"QuestionnaireResponse\",\"status\":"
         "\"completed\",\"questionnaire\":\"http://loinc.org/q/44249-1\","
         "\"subject\":{\"reference\":\"Patient/9\"},\"authored\":"
         "\"2026-03-02\"}",
         "t.json: subject: 'Patient/9' is not in this file and has no "
         "identifier"},
        {"{\"resourceType\":\"QuestionnaireResponse\",\"status\":"
         "\"completed\",\"questionnaire\":\"http://loinc.org/q/44249-1\","
         "\"subject\":{\"identifier\":{\"system\":\"" SYS "/client\","
         "\"value\":\"C001\"}},\"authored\":\"2099-03-02\"}",
         "t.json: authored: 2099-03-02 is in the future"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":"
         "[{\"resource\":{\"resourceType\":\"Patient\"}},{}]}",
         "t.json: entry[1]: the entry has no resource"},
    };
    cairn_store *st = new_store();
    add_client(st, "C001", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_fhir_import_result r;
        seen s;
        assert_int_equal(import(st, cases[i].json, &r, &s), CAIRN_EINVAL);
        assert_string_equal(s.first, cases[i].message);
        assert_int_equal(r.stored, 0);
    }
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, NULL, NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 0);
    cairn_store_assessment_list_free(l);
    cairn_store_close(st);
}

static void test_fhir_import_all_or_nothing(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_import_result r;
    seen s;
    add_client(st, "C001", NULL);
    const char *json =
        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
        "{\"resource\":" QR(
            "urn:cairn:questionnaire:phq2",
            LA("phq2.1", "LA6568-5")) "},"
                                      "{\"resource\":" QR(
                                          "urn:cairn:questionnaire:phq2",
                                          LA("phq2.1", "LA0000-0")) "}]}";
    assert_int_equal(import(st, json, &r, &s), CAIRN_EINVAL);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(r.stored, 0);
    assert_string_equal(s.first, "t.json: entry[1].item[0]: answer "
                                 "'LA0000-0' is not an option of phq2 item 1");
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, NULL, NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 0);
    cairn_store_assessment_list_free(l);
    cairn_store_close(st);
}

static void test_fhir_import_other_definition_version(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_import_result r;
    seen s;
    add_client(st, "C001", NULL);
    assert_int_equal(
        import(st,
               QR("urn:cairn:questionnaire:phq2|7", LA("phq2.1", "LA6568-5")),
               &r, &s),
        CAIRN_OK);
    assert_int_equal(r.stored, 1);
    assert_int_equal(s.warnings, 1);
    assert_string_equal(s.warning, "t.json: questionnaire: version 7, but "
                                   "this Cairn has phq2 definition 1; the "
                                   "answers are scored with it");
    cairn_store_close(st);
}

static void test_fhir_import_subject_references(void **state)
{
    (void)state;
    cairn_store *st = new_store();
    cairn_fhir_import_result r;
    seen s;
    add_client(st, "C001", "urn:oid:1.2.3|MRN-1");
    /* by relative and absolute reference to a Patient in the Bundle,
     * whose identifier is the client's external id */
    const char *json =
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
        "{\"fullUrl\":\"http://server.example/fhir/Patient/p7\",\"resource\":"
        "{\"resourceType\":\"Patient\",\"id\":\"p7\",\"identifier\":"
        "[{\"system\":\"urn:oid:1.2.3\",\"value\":\"MRN-1\"}]}},"
        "{\"resource\":{\"resourceType\":\"QuestionnaireResponse\",\"status\":"
        "\"completed\",\"questionnaire\":\"urn:cairn:questionnaire:phq2\","
        "\"authored\":\"2026-03-02\",\"subject\":{\"reference\":"
        "\"Patient/p7\"},\"item\":[" LA(
            "phq2.1", "LA6568-5") "]}},"
                                  "{\"resource\":{\"resourceType\":"
                                  "\"QuestionnaireResponse\",\"status\":"
                                  "\"completed\",\"questionnaire\":\"urn:cairn:"
                                  "questionnaire:phq2\","
                                  "\"authored\":\"2026-03-09\",\"subject\":{"
                                  "\"reference\":"
                                  "\"http://server.example/fhir/Patient/"
                                  "p7\"},\"item\":[" LA("phq2.1",
                                                        "LA6569-3") "]}}]}";
    assert_int_equal(import(st, json, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.resources, 3);
    cairn_store_close(st);
}

/* A response of `client` on `date` with `status`, by the store's own
 * identifier system. */
#define QRC(status, client, date, items)                                       \
    "{\"resource\":{\"resourceType\":\"QuestionnaireResponse\",\"status\":"    \
    "\"" status "\",\"questionnaire\":\"urn:cairn:questionnaire:phq2\","       \
    "\"authored\":\"" date "\",\"subject\":{\"identifier\":{\"system\":\"" SYS \
    "/client\",\"value\":\"" client "\"}},\"item\":[" items "]}}"

/* A second connection to the store, writing from inside the import's
 * callbacks: while it reads (the warning about a withdrawn response) and
 * when it is about to wait for the write lock. */
typedef struct beside {
    cairn_store *other;
    int reading_writes, lock_writes, locks;
    char why[CAIRN_ERROR_MAX];
} beside;

static int beside_record(beside *b, const char *client, const char *date,
                         int code)
{
    const cairn_instrument *in = test_instrument("phq2");
    const int codes[2] = {code, NA};
    cairn_score *sc = test_score("phq2", codes, 2);
    cairn_responses *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = client;
    o.administered_at = date;
    int rc = cairn_responses_new(&r, in, &err);
    if (rc == CAIRN_OK) {
        rc = cairn_responses_set(r, in, 0, code, &err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_add(b->other, sc, r, &o, NULL, &err);
    }
    if (rc < 0 && b->why[0] == '\0') {
        snprintf(b->why, sizeof b->why, "%s", err.message);
    }
    cairn_responses_free(r);
    cairn_score_free(sc);
    return rc;
}

static void beside_reading(const cairn_error *e, void *ctx)
{
    beside *b = ctx;
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    (void)e;
    c.code = "N001"; /* a client the file has, added meanwhile */
    if (cairn_store_client_add(b->other, &c, NULL, &err) < 0) {
        snprintf(b->why, sizeof b->why, "%s", err.message);
        return;
    }
    /* one of the file's responses, recorded meanwhile */
    if (beside_record(b, "C001", "2026-03-02", 0) == CAIRN_OK) {
        b->reading_writes++;
    }
}

static void beside_lock(void *ctx)
{
    beside *b = ctx;
    b->locks++;
    if (beside_record(b, "C001", "2026-03-23", 1) == CAIRN_OK) {
        b->lock_writes++;
    }
}

static void test_fhir_import_others_write_meanwhile(void **state)
{
    (void)state;
    char dir[64], path[128];
    beside b = {0};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_store_options so = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_fhir_import_options o = CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_fhir_import_result r;
    add_client(st, "C001", NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    so.actor = "dr.kim";
    so.busy_timeout_ms = 0; /* a write the import blocks fails at once */
    assert_int_equal(cairn_store_open(&b.other, path, &so, &err), CAIRN_OK);
    static const char *const entry[] = {
        QRC("entered-in-error", "C001", "2026-02-23", LA("phq2.1", "LA6568-5")),
        QRC("completed", "C001", "2026-03-02", LA("phq2.1", "LA6568-5")),
        QRC("completed", "N001", "2026-03-09", LA("phq2.1", "LA6569-3")),
        QRC("completed", "N002", "2026-03-09", LA("phq2.1", "LA6569-3")),
    };
    char json[4096];
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Bundle\",\"type\":\"collection\","
             "\"entry\":[%s,%s,%s,%s]}",
             entry[0], entry[1], entry[2], entry[3]);
    o.create_clients = true;
    o.subject_system = SYS "/client";
    o.on_warning = beside_reading;
    o.on_lock = beside_lock;
    o.ctx = &b;
    assert_int_equal(cairn_fhir_import_parse(st, test_catalog(), terms(), json,
                                             strlen(json), "t.json", &o, &r,
                                             &err),
                     CAIRN_OK);
    assert_string_equal(b.why, "");
    assert_int_equal(b.reading_writes, 1);
    assert_int_equal(b.locks, 1);
    assert_int_equal(b.lock_writes, 1);
    /* final counts: the row recorded meanwhile is a duplicate, N001 was
     * added meanwhile and is not created again */
    assert_int_equal(r.withdrawn, 1);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.clients_created, 1);
    cairn_assessment_list *l = NULL;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, NULL, NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 4);
    cairn_store_assessment_list_free(l);
    cairn_client_list *cl = NULL;
    assert_int_equal(cairn_store_client_list(&cl, st, &err), CAIRN_OK);
    assert_int_equal(cl->n, 3);
    cairn_store_client_list_free(cl);
    assert_int_equal(cairn_store_audit_verify(st, NULL, &err), CAIRN_OK);
    cairn_store_close(b.other);
    test_store_done(st, dir);
}

static void test_fhir_round_trip(void **state)
{
    (void)state;
    static const int epds[] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
    static const int gad7[] = {1, NA, 2, 3, 0, 1, 2};
    cairn_store *a = new_store(), *b = new_store();
    cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    cairn_fhir_import_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    char *text = NULL;
    seen s;
    add_client(a, "C001", NULL);
    add_client(b, "C001", NULL);
    record(a, "C001", "epds", epds, 10, "2026-03-02");
    record(a, "C001", "gad7", gad7, 7, "2026-03-02T08:30:00Z");
    o.system = SYS;
    o.type = CAIRN_FHIR_COLLECTION;
    assert_int_equal(
        cairn_fhir_export(&text, a, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_OK);
    assert_int_equal(import(b, text, &r, &s), CAIRN_OK);
    free(text);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.totals_differ, 0);
    cairn_assessment_list *la = NULL, *lb = NULL;
    assert_int_equal(cairn_store_assessment_list(&la, a, NULL, NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_assessment_list(&lb, b, NULL, NULL,
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(la->n, lb->n);
    for (size_t i = 0; i < la->n; i++) {
        const cairn_assessment *x = &la->items[i], *y = &lb->items[i];
        assert_string_equal(x->instrument, y->instrument);
        assert_string_equal(x->administered_at, y->administered_at);
        assert_string_equal(x->fingerprint, y->fingerprint);
        assert_int_equal(x->n_items, y->n_items);
        for (size_t k = 0; k < x->n_items; k++) {
            assert_int_equal(x->missing[k], y->missing[k]);
            if (!x->missing[k]) {
                assert_int_equal(x->codes[k], y->codes[k]);
            }
        }
        assert_true(x->scales[0].score == y->scales[0].score);
    }
    cairn_store_assessment_list_free(la);
    cairn_store_assessment_list_free(lb);
    cairn_store_close(a);
    cairn_store_close(b);
}

static void test_fhir_pseudonymised_export(void **state)
{
    (void)state;
    static const uint8_t bytes[CAIRN_EXPORT_KEY_SIZE] = {7};
    cairn_store *st = new_store();
    cairn_export_key *key = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    char *text = NULL, ps[CAIRN_EXPORT_PSEUDONYM_LEN + 1];
    add_client(st, "C001", "urn:oid:1.2.3|MRN-1");
    record(st, "C001", "phq9", phq9_11, 9, "2026-03-02");
    assert_int_equal(cairn_export_key_parse(&key, bytes, sizeof bytes, &err),
                     CAIRN_OK);
    o.pseudonymise = key;
    assert_int_equal(
        cairn_fhir_export(&text, st, test_catalog(), terms(), &o, NULL, &err),
        CAIRN_OK);
    assert_null(strstr(text, "C001"));
    assert_null(strstr(text, "MRN-1"));
    assert_null(strstr(text, "2026-03-02"));
    assert_null(strstr(text, "dr.lee"));
    assert_int_equal(cairn_export_pseudonym(ps, key, "C001", &err), CAIRN_OK);
    assert_non_null(strstr(text, ps));
    free(text);
    cairn_export_key_free(key);
    cairn_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terminology_loinc_check_digit),
        cmocka_unit_test(test_terminology_shipped_codes),
        cmocka_unit_test(test_terminology_refuses_bad_sidecars),
        cmocka_unit_test(test_fhir_export_statuses_and_codes),
        cmocka_unit_test(test_fhir_export_is_deterministic),
        cmocka_unit_test(test_fhir_export_file_audited_when_written),
        cmocka_unit_test(test_fhir_questionnaire_licence),
        cmocka_unit_test(test_fhir_import_phq2_by_items_and_answers),
        cmocka_unit_test(test_fhir_import_refusals),
        cmocka_unit_test(test_fhir_import_all_or_nothing),
        cmocka_unit_test(test_fhir_import_other_definition_version),
        cmocka_unit_test(test_fhir_import_subject_references),
        cmocka_unit_test(test_fhir_import_others_write_meanwhile),
        cmocka_unit_test(test_fhir_round_trip),
        cmocka_unit_test(test_fhir_pseudonymised_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
