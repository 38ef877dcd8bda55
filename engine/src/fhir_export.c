/*
 * fhir_export.c - stored assessments out as a FHIR R4 Bundle, and an
 * instrument's Questionnaire.  Builds the resources with jansson.
 *
 * Invariants: the output depends only on the store and the options (no
 * clock, no random numbers): resource ids are derived from identifiers
 * by SHA-256, entries come in a fixed order (Questionnaires by code, then
 * clients in store order with their responses by date), and a version
 * chain (an assessment and its amendments) keeps one identifier, that of
 * its first version.  Text is written only where the licence allows.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/fhir.h"
#include "cairn/settings.h"
#include "cairn/date.h"
#include "fhir_internal.h"
#include "internal.h"
#include "store_internal.h"

#define ORDINAL_URL "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define UCUM "http://unitsofmeasure.org"
#define CATEGORY_SYSTEM                                                        \
    "http://terminology.hl7.org/CodeSystem/observation-category"
#define FINGERPRINT_SYSTEM "urn:cairn:fingerprint"
#define MAX_INSTRUMENTS 64

/* ------------------------------------------------------------------ */
/* Small builders                                                      */

static json_t *coding(const char *system, const char *code, const char *display)
{
    json_t *c = json_pack("{s:s,s:s}", "system", system, "code", code);
    if (c != NULL && display != NULL) {
        json_object_set_new(c, "display", json_string(display));
    }
    return c;
}

/* [LOINC code (when known), Cairn code]. */
static json_t *codings(const char *loinc, const char *cairn,
                       const char *display)
{
    json_t *a = json_array();
    if (loinc != NULL) {
        json_array_append_new(a, coding(CAIRN_LOINC_SYSTEM, loinc, NULL));
    }
    json_array_append_new(a, coding(CAIRN_CODES_SYSTEM, cairn, display));
    return a;
}

static json_t *ordinal(double score)
{
    return json_pack("[{s:s,s:o}]", "url", ORDINAL_URL, "valueDecimal",
                     cairn__util_json_number(score));
}

/* The valueCoding of option `o` of `item`. */
static json_t *option_coding(const cairn_instrument *inst,
                             const cairn_codes *codes, const cairn_item *item,
                             const cairn_option *o)
{
    char code[96];
    const char *la = cairn_codes_answer(codes, item->number, o->code);
    const char *display = cairn_instrument_text_allowed(inst) ? o->label : NULL;
    snprintf(code, sizeof code, "%s.%d.%d", cairn_instrument_code(inst),
             item->number, o->code);
    json_t *c = json_object();
    json_object_set_new(c, "extension", ordinal(o->score));
    json_t *base = la != NULL ? coding(CAIRN_LOINC_SYSTEM, la, display)
                              : coding(CAIRN_CODES_SYSTEM, code, display);
    json_object_update(c, base);
    json_decref(base);
    return c;
}

void cairn__fhir_uuid(char out[46], const char *kind, const char *a,
                      const char *b)
{
    char hex[CAIRN__SHA256_HEX + 1];
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\n%s\n%s", kind, a, b);
    if (cairn__crypto_sha256_hex(buf, (size_t)n, hex, NULL) < 0) {
        memset(hex, '0', CAIRN__SHA256_HEX);
    }
    /* a name-based UUID (version 8: SHA-256, RFC 9562) */
    hex[12] = '8';
    hex[16] = "89ab"[(hex[16] - '0') & 3];
    snprintf(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
             hex + 12, hex + 16, hex + 20);
}

/* ------------------------------------------------------------------ */
/* Questionnaire                                                       */

static json_t *scale_item(const cairn_instrument *inst,
                          const cairn_codes *codes, const cairn_scale *sc)
{
    char id[96], note[112];
    snprintf(id, sizeof id, "%s.%s", cairn_instrument_code(inst), sc->id);
    snprintf(note, sizeof note, "%s.note", id);
    return json_pack(
        "{s:s,s:o,s:s,s:s,s:b,s:[{s:s,s:s,s:s}]}", "linkId", id, "code",
        codings(cairn_codes_scale(codes, sc->id), id, sc->label), "text",
        sc->label, "type", "decimal", "readOnly", 1, "item", "linkId", note,
        "text",
        "Informative only: Cairn computes this score from the answers; a "
        "value given here is compared, never stored.",
        "type", "display");
}

static json_t *question_item(const cairn_instrument *inst,
                             const cairn_codes *codes, const cairn_item *it)
{
    char id[96];
    snprintf(id, sizeof id, "%s.%d", cairn_instrument_code(inst), it->number);
    const char *text =
        cairn_instrument_text_allowed(inst) && it->text ? it->text : it->label;
    json_t *q = json_pack(
        "{s:s,s:o,s:s}", "linkId", id, "code",
        codings(cairn_codes_item(codes, it->number), id, NULL), "text", text);
    if (it->kind == CAIRN_ITEM_NUMBER) {
        json_object_set_new(q, "type", json_string("integer"));
        return q;
    }
    json_object_set_new(q, "type", json_string("choice"));
    json_t *opts = json_array();
    for (size_t k = 0; k < it->n_options; k++) {
        json_array_append_new(
            opts, json_pack("{s:o}", "valueCoding",
                            option_coding(inst, codes, it, &it->options[k])));
    }
    json_object_set_new(q, "answerOption", opts);
    return q;
}

json_t *cairn__fhir_questionnaire(const cairn_instrument *inst,
                                  const cairn_codes *codes)
{
    char url[128];
    const char *code = cairn_instrument_code(inst);
    snprintf(url, sizeof url, CAIRN_FHIR_QUESTIONNAIRE "%s", code);
    json_t *items = json_array();
    for (size_t i = 0; i < cairn_instrument_item_count(inst); i++) {
        json_array_append_new(
            items, question_item(inst, codes, cairn_instrument_item(inst, i)));
    }
    for (size_t i = 0; i < cairn_instrument_scale_count(inst); i++) {
        json_array_append_new(
            items, scale_item(inst, codes, cairn_instrument_scale(inst, i)));
    }
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o}", "resourceType", "Questionnaire",
        "url", url, "version", cairn_instrument_version(inst), "title",
        cairn_instrument_name(inst), "status", "active", "code",
        codings(cairn_codes_panel(codes), code, cairn_instrument_name(inst)),
        "copyright", cairn_instrument_licence(inst), "item", items);
}

static int dump(char **out, json_t *doc, cairn_error *err)
{
    *out = NULL;
    if (doc != NULL) {
        *out = json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    }
    json_decref(doc);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t n = strlen(*out);
    char *p = realloc(*out, n + 2);
    if (p == NULL) {
        free(*out);
        *out = NULL;
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    p[n] = '\n';
    p[n + 1] = '\0';
    *out = p;
    return CAIRN_OK;
}

int cairn_fhir_questionnaire(char **out, const cairn_instrument *inst,
                             const cairn_codes *codes, cairn_error *err)
{
    return dump(out, cairn__fhir_questionnaire(inst, codes), err);
}

/* ------------------------------------------------------------------ */
/* The clinic's system                                                 */

static int check_system(const char *s, cairn_error *err);

int cairn_fhir_store_system(char out[CAIRN_FHIR_SYSTEM_MAX], cairn_store *st,
                            cairn_error *err)
{
    char *set = NULL;
    cairn_audit_list *log = NULL;
    int rc = cairn_settings_get_text(st, "fhir.system", &set, err);
    if (rc == CAIRN_OK) {
        rc = check_system(set, err);
        snprintf(out, CAIRN_FHIR_SYSTEM_MAX, "%s", set);
        free(set);
        return rc;
    }
    if (rc != CAIRN_ENOTFOUND) {
        return rc;
    }
    cairn_error_clear(err);
    rc = cairn_store_audit_list(&log, st, 0, err);
    if (rc < 0) {
        return rc;
    }
    snprintf(out, CAIRN_FHIR_SYSTEM_MAX, "urn:cairn:store:%.16s",
             log->n > 0 ? log->items[0].hash : "0000000000000000");
    cairn_store_audit_list_free(log);
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* The Bundle                                                          */

typedef struct exporter {
    cairn_store *st;
    const cairn_catalog *cat;
    const cairn_terminology *terms;
    const cairn_fhir_export_options *o;
    cairn_fhir_export_result *res;
    cairn_error *err;
    char system[320];
    char key_id[9];
    json_t *questionnaires; /* entries */
    json_t *entries;
    json_t *targets; /* Provenance.target */
    const cairn_instrument *insts[MAX_INSTRUMENTS];
    size_t n_insts;
    const cairn_client_list *clients;
    const cairn_client *patient; /* the client of the last Patient */
    char patient_uuid[46];
    int offset; /* date shift of that client */
    char recorded[CAIRN__DATE_MAX];
    bool recorded_given;
    char from[CAIRN__DATE_MAX], to[CAIRN__DATE_MAX];
} exporter;

/* entry {fullUrl, resource, request} for a resource with identifier
 * system|value; `update` replaces it (amended, entered-in-error). */
static void add_entry(exporter *x, json_t *list, const char *uuid,
                      json_t *resource, const char *query, bool update)
{
    json_t *e = json_pack("{s:s,s:o}", "fullUrl", uuid, "resource", resource);
    if (x->o->type == CAIRN_FHIR_TRANSACTION) {
        const char *type =
            json_string_value(json_object_get(resource, "resourceType"));
        char url[800];
        snprintf(url, sizeof url, "%s?%s", type, query);
        json_object_set_new(
            e, "request",
            update ? json_pack("{s:s,s:s}", "method", "PUT", "url", url)
                   : json_pack("{s:s,s:s,s:s}", "method", "POST", "url", type,
                               "ifNoneExist", query));
    }
    json_array_append_new(list, e);
}

static int use_instrument(exporter *x, const cairn_instrument *inst)
{
    for (size_t i = 0; i < x->n_insts; i++) {
        if (x->insts[i] == inst) {
            return CAIRN_OK;
        }
    }
    if (x->n_insts == MAX_INSTRUMENTS) {
        return cairn_error_set(x->err, CAIRN_EINVAL,
                               "more than %d instruments in one export",
                               MAX_INSTRUMENTS);
    }
    x->insts[x->n_insts++] = inst;
    return CAIRN_OK;
}

static int by_code(const void *a, const void *b)
{
    return strcmp(cairn_instrument_code(*(const cairn_instrument *const *)a),
                  cairn_instrument_code(*(const cairn_instrument *const *)b));
}

static void add_questionnaires(exporter *x)
{
    qsort(x->insts, x->n_insts, sizeof x->insts[0], by_code);
    for (size_t i = 0; i < x->n_insts; i++) {
        const cairn_instrument *inst = x->insts[i];
        char uuid[46], query[256];
        json_t *q = cairn__fhir_questionnaire(
            inst,
            cairn_terminology_find(x->terms, cairn_instrument_code(inst)));
        const char *url = json_string_value(json_object_get(q, "url"));
        cairn__fhir_uuid(uuid, "Questionnaire", url,
                         cairn_instrument_version(inst));
        snprintf(query, sizeof query, "url=%s&version=%s", url,
                 cairn_instrument_version(inst));
        add_entry(x, x->questionnaires, uuid, q, query, false);
        x->res->questionnaires++;
    }
}

static const cairn_client *find_client(const exporter *x, const char *code)
{
    for (size_t i = 0; i < x->clients->n; i++) {
        if (strcmp(x->clients->items[i].code, code) == 0) {
            return &x->clients->items[i];
        }
    }
    return NULL;
}

/* The Patient of `c`: its external id, or the clinic's system and code. */
static int add_patient(exporter *x, const cairn_client *c)
{
    char sys[400], value[320], query[800];
    x->patient = c;
    x->offset = 0;
    if (x->o->pseudonymise != NULL) {
        char ps[CAIRN_EXPORT_PSEUDONYM_LEN + 1];
        int rc =
            cairn_export_pseudonym(ps, x->o->pseudonymise, c->code, x->err);
        if (rc == CAIRN_OK) {
            rc = cairn_export_date_offset(&x->offset, x->o->pseudonymise,
                                          c->code, x->err);
        }
        if (rc < 0) {
            return rc;
        }
        snprintf(sys, sizeof sys, "%s/client", x->system);
        snprintf(value, sizeof value, "%s", ps);
    } else if (c->external_id != NULL) {
        const char *bar = strchr(c->external_id, '|');
        snprintf(sys, sizeof sys, "%.*s", (int)(bar - c->external_id),
                 c->external_id);
        snprintf(value, sizeof value, "%s", bar + 1);
    } else {
        snprintf(sys, sizeof sys, "%s/client", x->system);
        snprintf(value, sizeof value, "%s", c->code);
    }
    cairn__fhir_uuid(x->patient_uuid, "Patient", sys, value);
    snprintf(query, sizeof query, "identifier=%s|%s", sys, value);
    add_entry(x, x->entries, x->patient_uuid,
              json_pack("{s:s,s:[{s:s,s:s}]}", "resourceType", "Patient",
                        "identifier", "system", sys, "value", value),
              query, false);
    x->res->patients++;
    return CAIRN_OK;
}

/* The date the resources carry: as stored, or shifted for research. */
static int out_date(exporter *x, const char *iso, char out[CAIRN__DATE_MAX])
{
    double days = 0;
    if (x->o->pseudonymise == NULL) {
        snprintf(out, CAIRN__DATE_MAX, "%s", iso);
        return CAIRN_OK;
    }
    int rc = cairn_date_days(iso, &days, x->err);
    if (rc == CAIRN_OK) {
        char day[CAIRN_DATE_MAX];
        cairn_date_from_days(day, (int64_t)floor(days) - x->offset);
        snprintf(out, CAIRN__DATE_MAX, "%.10s%s", day, iso + 10);
    }
    return rc;
}

/* The identifier value of the chain that starts at assessment `root`. */
static int chain_value(exporter *x, int64_t root, char out[64])
{
    if (x->o->pseudonymise == NULL) {
        snprintf(out, 64, "%lld", (long long)root);
        return CAIRN_OK;
    }
    char in[48], ps[CAIRN_EXPORT_PSEUDONYM_LEN + 1];
    snprintf(in, sizeof in, "assessment:%lld", (long long)root);
    int rc = cairn_export_pseudonym(ps, x->o->pseudonymise, in, x->err);
    snprintf(out, 64, "%s", ps);
    return rc;
}

static const char *status_of(const cairn_assessment *a)
{
    if (a->voided) {
        return "entered-in-error";
    }
    return a->supersedes != 0 ? "amended" : "completed";
}

static json_t *answers(const cairn_instrument *inst, const cairn_codes *codes,
                       const cairn_assessment *a)
{
    json_t *items = json_array();
    for (size_t i = 0; i < a->n_items && i < cairn_instrument_item_count(inst);
         i++) {
        const cairn_item *it = cairn_instrument_item(inst, i);
        char id[96];
        if (a->missing[i]) {
            continue;
        }
        snprintf(id, sizeof id, "%s.%d", cairn_instrument_code(inst),
                 it->number);
        json_t *item = json_pack("{s:s}", "linkId", id);
        if (cairn_instrument_text_allowed(inst) && it->text != NULL) {
            json_object_set_new(item, "text", json_string(it->text));
        }
        const cairn_option *o = cairn_item_find_option(it, a->codes[i]);
        json_t *ans = o != NULL
                          ? json_pack("{s:o}", "valueCoding",
                                      option_coding(inst, codes, it, o))
                          : json_pack("{s:i}", "valueInteger", a->codes[i]);
        json_object_set_new(item, "answer", json_pack("[o]", ans));
        json_array_append_new(items, item);
    }
    return items;
}

static json_t *response(exporter *x, const cairn_instrument *inst,
                        const cairn_assessment *a, const char *sys,
                        const char *value, const char *authored)
{
    char canon[160];
    const cairn_codes *codes =
        cairn_terminology_find(x->terms, cairn_instrument_code(inst));
    snprintf(canon, sizeof canon, CAIRN_FHIR_QUESTIONNAIRE "%s|%s",
             cairn_instrument_code(inst), a->version);
    json_t *qr = json_pack(
        "{s:s,s:{s:s,s:s},s:s,s:s,s:{s:s},s:s}", "resourceType",
        "QuestionnaireResponse", "identifier", "system", sys, "value", value,
        "questionnaire", canon, "status", status_of(a), "subject", "reference",
        x->patient_uuid, "authored", authored);
    if (a->method == CAIRN_METHOD_SELF_REPORT) {
        json_object_set_new(qr, "author",
                            json_pack("{s:s}", "reference", x->patient_uuid));
    } else if (a->method == CAIRN_METHOD_CLINICIAN &&
               x->o->pseudonymise == NULL && a->entered_by != NULL) {
        json_object_set_new(qr, "author",
                            json_pack("{s:s}", "display", a->entered_by));
    }
    json_t *items = answers(inst, codes, a);
    if (json_array_size(items) > 0) {
        json_object_set_new(qr, "item", items);
    } else {
        json_decref(items);
    }
    return qr;
}

static json_t *observation(exporter *x, const cairn_instrument *inst,
                           const cairn_assessment *a,
                           const cairn_stored_scale *s, const char *value,
                           const char *qr_uuid, const char *authored)
{
    char code[128], sys[400], id[96];
    const cairn_scale *sc = cairn_instrument_find_scale(inst, s->scale);
    const cairn_codes *codes =
        cairn_terminology_find(x->terms, cairn_instrument_code(inst));
    snprintf(code, sizeof code, "%s.%s", cairn_instrument_code(inst), s->scale);
    snprintf(sys, sizeof sys, "%s/observation", x->system);
    snprintf(id, sizeof id, "%s.%s", value, s->scale);
    json_t *ob = json_pack(
        "{s:s,s:[{s:s,s:s}],s:s,s:[{s:[{s:s,s:s,s:s}]}],s:{s:o,s:s},"
        "s:{s:s},s:s,s:{s:o,s:s,s:s,s:s}}",
        "resourceType", "Observation", "identifier", "system", sys, "value", id,
        "status",
        a->voided ? "entered-in-error" : (a->supersedes ? "amended" : "final"),
        "category", "coding", "system", CATEGORY_SYSTEM, "code", "survey",
        "display", "Survey", "code", "coding",
        codings(cairn_codes_scale(codes, s->scale), code, NULL), "text",
        sc != NULL ? sc->label : s->scale, "subject", "reference",
        x->patient_uuid, "effectiveDateTime", authored, "valueQuantity",
        "value", cairn__util_json_number(s->score), "unit", "{score}", "system",
        UCUM, "code", "{score}");
    const cairn_band *band = NULL;
    for (size_t k = 0; sc != NULL && s->band && k < sc->n_bands; k++) {
        if (strcmp(sc->bands[k].id, s->band) == 0) {
            band = &sc->bands[k];
        }
    }
    if (band != NULL) {
        char bcode[192];
        snprintf(bcode, sizeof bcode, "%s.%s", code, band->id);
        json_object_set_new(
            ob, "interpretation",
            json_pack("[{s:[o],s:s}]", "coding",
                      coding(CAIRN_CODES_SYSTEM, bcode, band->label), "text",
                      band->label));
    }
    if (s->prorated) {
        json_object_set_new(
            ob, "note",
            json_pack("[{s:s}]", "text",
                      "prorated: missing items were filled in by the "
                      "instrument's missing-data rule"));
    }
    json_object_set_new(ob, "derivedFrom",
                        json_pack("[{s:s}]", "reference", qr_uuid));
    return ob;
}

/* The first version of the chain `a` belongs to (ids sorted in `ids`). */
static int64_t chain_root(const cairn_assessment_list *l,
                          const cairn_assessment *a)
{
    int64_t root = a->id, prev = a->supersedes;
    for (size_t guard = 0; prev != 0 && guard < l->n; guard++) {
        root = prev;
        prev = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (l->items[i].id == root) {
                prev = l->items[i].supersedes;
                break;
            }
        }
    }
    return root;
}

static int add_assessment(exporter *x, const cairn_assessment_list *l,
                          const cairn_assessment *a,
                          const cairn_instrument *inst)
{
    char value[64], sys[400], query[800], uuid[46], authored[CAIRN__DATE_MAX];
    int rc = chain_value(x, chain_root(l, a), value);
    if (rc == CAIRN_OK) {
        rc = out_date(x, a->administered_at, authored);
    }
    if (rc < 0) {
        return rc;
    }
    bool update = a->voided || a->supersedes != 0;
    snprintf(sys, sizeof sys, "%s/assessment", x->system);
    snprintf(query, sizeof query, "identifier=%s|%s", sys, value);
    cairn__fhir_uuid(uuid, "QuestionnaireResponse", sys, value);
    add_entry(x, x->entries, uuid, response(x, inst, a, sys, value, authored),
              query, update);
    json_array_append_new(x->targets, json_pack("{s:s}", "reference", uuid));
    x->res->responses++;
    x->res->voided += a->voided;
    for (size_t k = 0; k < a->n_scales; k++) {
        const cairn_stored_scale *s = &a->scales[k];
        char ouuid[46], oval[96], osys[400];
        if (!s->has_score) {
            continue;
        }
        snprintf(osys, sizeof osys, "%s/observation", x->system);
        snprintf(oval, sizeof oval, "%s.%s", value, s->scale);
        snprintf(query, sizeof query, "identifier=%s|%s", osys, oval);
        cairn__fhir_uuid(ouuid, "Observation", osys, oval);
        add_entry(x, x->entries, ouuid,
                  observation(x, inst, a, s, value, uuid, authored), query,
                  update);
        json_array_append_new(x->targets,
                              json_pack("{s:s}", "reference", ouuid));
        x->res->observations++;
    }
    /* the newest entry time, or for research the newest shifted date */
    const char *when = x->o->pseudonymise != NULL ? authored : a->entered_at;
    if (!x->recorded_given && when != NULL && strcmp(when, x->recorded) > 0) {
        snprintf(x->recorded, sizeof x->recorded, "%s", when);
    }
    return CAIRN_OK;
}

static json_t *entity(const char *fingerprint, const char *what)
{
    return json_pack("{s:s,s:{s:{s:s,s:s},s:s}}", "role", "source", "what",
                     "identifier", "system", FINGERPRINT_SYSTEM, "value",
                     fingerprint, "display", what);
}

static int add_provenance(exporter *x)
{
    char recorded[CAIRN__DATE_MAX + 12], who[64], id[48];
    char hex[CAIRN__SHA256_HEX + 1];
    json_t *entities = json_array();
    for (size_t i = 0; i < x->n_insts; i++) {
        const cairn_instrument *inst = x->insts[i];
        const cairn_codes *c =
            cairn_terminology_find(x->terms, cairn_instrument_code(inst));
        char what[160];
        snprintf(what, sizeof what, "%s definition, version %s",
                 cairn_instrument_code(inst), cairn_instrument_version(inst));
        json_array_append_new(entities,
                              entity(cairn_instrument_fingerprint(inst), what));
        if (c != NULL) {
            snprintf(what, sizeof what, "%s terminology",
                     cairn_instrument_code(inst));
            json_array_append_new(entities,
                                  entity(cairn_codes_fingerprint(c), what));
        }
    }
    snprintf(recorded, sizeof recorded, "%s%s", x->recorded,
             strlen(x->recorded) == 10 ? "T00:00:00Z" : "");
    snprintf(who, sizeof who, "Cairn %s", cairn_version());
    json_t *p = json_pack(
        "{s:s,s:O,s:s,s:[{s:{s:[{s:s,s:s,s:s}]},s:{s:s}}],s:o}", "resourceType",
        "Provenance", "target", x->targets, "recorded", recorded, "agent",
        "type", "coding", "system",
        "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
        "code", "assembler", "display", "Assembler", "who", "display", who,
        "entity", entities);
    char *canon = json_dumps(p, JSON_COMPACT);
    if (canon == NULL ||
        cairn__crypto_sha256_hex(canon, strlen(canon), hex, x->err) < 0) {
        free(canon);
        json_decref(p);
        return cairn_error_set(x->err, CAIRN_ENOMEM, "out of memory");
    }
    free(canon);
    json_t *e = json_object();
    if (x->o->type == CAIRN_FHIR_COLLECTION) {
        char uuid[46];
        cairn__fhir_uuid(uuid, "Provenance", hex, "");
        json_object_set_new(e, "fullUrl", json_string(uuid));
    }
    json_object_set_new(e, "resource", p);
    if (x->o->type == CAIRN_FHIR_TRANSACTION) {
        /* Provenance has no identifier: a fixed id makes it idempotent */
        snprintf(id, sizeof id, "cairn-%.32s", hex);
        json_object_set_new(p, "id", json_string(id));
        char url[64];
        snprintf(url, sizeof url, "Provenance/%s", id);
        json_object_set_new(
            e, "request", json_pack("{s:s,s:s}", "method", "PUT", "url", url));
    }
    json_array_append_new(x->entries, e);
    return CAIRN_OK;
}

static int check_system(const char *s, cairn_error *err)
{
    if (s == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL, "no system");
    }
    size_t n = strlen(s);
    bool ok = n > 0 && n <= 300 && strchr(s, ':') != NULL &&
              strchr(s, '|') == NULL && cairn__store_text_is_clean(s, n, false);
    for (size_t i = 0; ok && i < n; i++) {
        ok = s[i] != ' ';
    }
    return ok ? CAIRN_OK
              : cairn_error_set(err, CAIRN_EINVAL,
                                "system '%.80s' is not a URI (e.g. "
                                "https://clinic.example/fhir)",
                                s);
}

static int day_option(const char *what, const char *s,
                      char out[CAIRN__DATE_MAX], cairn_error *err)
{
    out[0] = '\0';
    if (s != NULL && cairn__store_date_normalize(out, s, strlen(s), true,
                                                 true) != CAIRN__DATE_OK) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s '%.40s' is not a date (YYYY-MM-DD)", what,
                               s);
    }
    return CAIRN_OK;
}

static int setup(exporter *x, const char **inst_code)
{
    const cairn_fhir_export_options *o = x->o;
    int rc = CAIRN_OK;
    *inst_code = NULL;
    if (o->system != NULL) {
        rc = check_system(o->system, x->err);
        snprintf(x->system, sizeof x->system, "%s", o->system);
    } else if (o->pseudonymise != NULL) {
        rc = cairn_export_key_id(o->pseudonymise, x->key_id, x->err);
        snprintf(x->system, sizeof x->system, "urn:cairn:pseudonym:%s",
                 x->key_id);
    } else {
        rc = cairn_fhir_store_system(x->system, x->st, x->err);
    }
    if (rc == CAIRN_OK && o->instrument != NULL) {
        const cairn_instrument *inst = NULL;
        rc = cairn_catalog_find(&inst, x->cat, o->instrument, x->err);
        *inst_code = inst != NULL ? cairn_instrument_code(inst) : NULL;
    }
    if (rc == CAIRN_OK) {
        rc = day_option("from", o->from, x->from, x->err);
    }
    if (rc == CAIRN_OK) {
        rc = day_option("to", o->to, x->to, x->err);
    }
    if (rc == CAIRN_OK && o->recorded != NULL &&
        (cairn__store_date_normalize(x->recorded, o->recorded,
                                     strlen(o->recorded), false,
                                     true) != CAIRN__DATE_OK ||
         strlen(x->recorded) != 20)) {
        rc = cairn_error_set(x->err, CAIRN_EINVAL,
                             "recorded '%.40s' is not a moment "
                             "(YYYY-MM-DDTHH:MM:SSZ)",
                             o->recorded);
    }
    return rc;
}

static bool in_range(const exporter *x, const char *date)
{
    return (x->from[0] == '\0' || strncmp(date, x->from, 10) >= 0) &&
           (x->to[0] == '\0' || strncmp(date, x->to, 10) <= 0);
}

static int walk(exporter *x, const cairn_assessment_list *l)
{
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < l->n; i++) {
        const cairn_assessment *a = &l->items[i];
        const cairn_instrument *inst = NULL;
        if (a->superseded_by != 0 || !in_range(x, a->administered_at)) {
            continue;
        }
        if (cairn_catalog_find(&inst, x->cat, a->instrument, NULL) < 0) {
            return cairn_error_set(x->err, CAIRN_ENOTFOUND,
                                   "assessment %lld: instrument '%s' is not "
                                   "in the catalog",
                                   (long long)a->id, a->instrument);
        }
        if (x->patient == NULL || strcmp(x->patient->code, a->client_code)) {
            const cairn_client *c = find_client(x, a->client_code);
            rc = c != NULL ? add_patient(x, c)
                           : cairn_error_set(x->err, CAIRN_ENOTFOUND,
                                             "no client '%s'", a->client_code);
        }
        if (rc == CAIRN_OK) {
            rc = use_instrument(x, inst);
        }
        if (rc == CAIRN_OK) {
            rc = add_assessment(x, l, a, inst);
        }
    }
    return rc;
}

/* The audit entry of an export: its kind, what was asked (a single
 * client only as such: no client data), and the counts. */
static int audit_export(const exporter *x, const char *instrument)
{
    const cairn_fhir_export_options *o = x->o;
    json_t *after = json_pack(
        "{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:I,s:I,s:I,s:I}", "kind",
        o->pseudonymise != NULL ? "pseudonymised" : "identified", "bundle",
        o->type == CAIRN_FHIR_TRANSACTION ? "transaction" : "collection",
        "clients", o->client != NULL ? "one" : "all", "instrument", instrument,
        "from", o->from, "to", o->to, "patients", (json_int_t)x->res->patients,
        "responses", (json_int_t)x->res->responses, "observations",
        (json_int_t)x->res->observations, "voided", (json_int_t)x->res->voided);
    return cairn__store_audit_release(x->st, "export.fhir", after, x->err);
}

/* `text` written and synced under `path`'s temporary name, left in
 * `batch` to be placed (cairn/outfile.h). */
static int stage(cairn_outfile_batch *batch, const char *path,
                 const cairn_outfile_options *oopts, const char *text,
                 cairn_error *err)
{
    static const cairn_outfile_options keep = CAIRN_OUTFILE_OPTIONS_INIT;
    cairn_outfile_options o = oopts != NULL ? *oopts : keep;
    cairn_outfile *f = NULL;
    o.batch = batch;
    int rc = cairn_outfile_open(&f, path, &o, err);
    if (rc < 0) {
        return rc;
    }
    FILE *s = cairn_outfile_stream(f);
    if (s != NULL) {
        fputs(text, s); /* a failed write fails the commit */
    }
    return cairn_outfile_commit(f, err);
}

/*
 * The bundle as text in `*out`; with `path`, also its file, written and
 * synced before the audit entry and put in place after it, so no export
 * leaves unrecorded and no failed write is recorded as an export.
 */
static int export_to(char **out, const char *path,
                     const cairn_outfile_options *oopts, cairn_store *st,
                     const cairn_catalog *cat, const cairn_terminology *terms,
                     const cairn_fhir_export_options *opts,
                     cairn_fhir_export_result *res, cairn_error *err)
{
    cairn_outfile_batch batch = {0};
    static const cairn_fhir_export_options defaults =
        CAIRN_FHIR_EXPORT_OPTIONS_INIT;
    cairn_fhir_export_result local;
    cairn_client_list *clients = NULL;
    cairn_assessment_list *list = NULL;
    const char *inst_code = NULL;
    exporter x;
    memset(&x, 0, sizeof x);
    x.st = st;
    x.cat = cat;
    x.terms = terms;
    x.o = opts != NULL ? opts : &defaults;
    x.res = res != NULL ? res : &local;
    x.err = err;
    memset(x.res, 0, sizeof *x.res);
    *out = NULL;
    x.questionnaires = json_array();
    x.entries = json_array();
    x.targets = json_array();
    int rc = setup(&x, &inst_code);
    x.recorded_given = x.recorded[0] != '\0';
    if (rc == CAIRN_OK) {
        rc = cairn_store_client_list(&clients, st, err);
    }
    if (rc == CAIRN_OK) {
        x.clients = clients;
        rc = cairn_store_assessment_list(&list, st, x.o->client, inst_code,
                                         CAIRN_LIST_ALL, err);
    }
    if (rc == CAIRN_OK) {
        rc = walk(&x, list);
    }
    if (rc == CAIRN_OK && x.res->responses > 0) {
        add_questionnaires(&x);
        rc = add_provenance(&x);
    }
    if (rc == CAIRN_OK) {
        json_t *bundle = json_pack(
            "{s:s,s:s}", "resourceType", "Bundle", "type",
            x.o->type == CAIRN_FHIR_TRANSACTION ? "transaction" : "collection");
        json_array_extend(x.questionnaires, x.entries);
        if (json_array_size(x.questionnaires) > 0) {
            json_object_set(bundle, "entry", x.questionnaires);
        }
        rc = dump(out, bundle, err);
    }
    if (rc == CAIRN_OK && path != NULL) {
        rc = stage(&batch, path, oopts, *out, err);
    }
    if (rc == CAIRN_OK) {
        rc = audit_export(&x, inst_code);
    }
    if (rc == CAIRN_OK && path != NULL) {
        rc = cairn_outfile_batch_commit(&batch, err);
    }
    cairn_outfile_batch_abort(&batch);
    if (rc < 0) {
        free(*out); /* no export leaves unrecorded */
        *out = NULL;
    }
    json_decref(x.questionnaires);
    json_decref(x.entries);
    json_decref(x.targets);
    cairn_store_client_list_free(clients);
    cairn_store_assessment_list_free(list);
    return rc;
}

int cairn_fhir_export(char **out, cairn_store *st, const cairn_catalog *cat,
                      const cairn_terminology *terms,
                      const cairn_fhir_export_options *opts,
                      cairn_fhir_export_result *res, cairn_error *err)
{
    return export_to(out, NULL, NULL, st, cat, terms, opts, res, err);
}

int cairn_fhir_export_write(const char *path,
                            const cairn_outfile_options *oopts, cairn_store *st,
                            const cairn_catalog *cat,
                            const cairn_terminology *terms,
                            const cairn_fhir_export_options *opts,
                            cairn_fhir_export_result *res, cairn_error *err)
{
    char *text = NULL;
    if (path == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL, "no bundle file named");
    }
    int rc = export_to(&text, path, oopts, st, cat, terms, opts, res, err);
    free(text);
    return rc;
}
