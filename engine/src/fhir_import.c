/*
 * fhir_import.c - QuestionnaireResponses in from FHIR R4 JSON (jansson),
 * stored through the same batch writer as the CSV import, so the whole
 * file is one transaction, duplicates are skipped and counted, and
 * nothing is stored when any response is bad.  It is the CSV import's
 * deferred batch: every response is read, checked, scored and digested
 * on a read snapshot, and the write lock is taken only to insert them.
 *
 * Reading goes in passes over the resources of the file: Observations
 * that carry a score derived from a response in the file are collected
 * first, then each response is resolved (instrument, subject, date,
 * answers), scored by Cairn, compared with any score the file supplies,
 * and stored.  Patients are only read to find whose a response is.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/fhir.h"
#include "fhir_internal.h"
#include "internal.h"
#include "store_internal.h"

#define ORDINAL_URL "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define WEIGHT_URL "http://hl7.org/fhir/StructureDefinition/itemWeight"

/* A score the file supplies for a response, to compare with Cairn's. */
typedef struct supplied {
    size_t response; /* index of the response's resource */
    const cairn_instrument *inst;
    const char *scale;
    double value;
    char where[128]; /* "entry[3]" or "entry[0].item[9]" */
} supplied;

typedef struct importer {
    cairn_store *st;
    const cairn_catalog *cat;
    const cairn_terminology *terms;
    const cairn_fhir_import_options *o;
    cairn_fhir_import_result *res;
    cairn_error *err;
    const char *name;
    json_t *root;
    json_t *resources; /* borrowed resources, in file order */
    json_t *urls;      /* their fullUrls (or null) */
    json_t *by_ref;    /* fullUrl or "Type/id" -> index */
    bool bundle;
    char subject_system[340];
    cairn__batch *batch;
    bool failed;   /* a response was bad */
    bool bad;      /* the current response is bad */
    supplied *sup; /* sorted by response after collect_supplied */
    size_t n_sup, cap_sup;
    size_t n_obs_sup; /* the first n_obs_sup come from Observations */
} importer;

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static void locate(const importer *im, size_t n, const char *path,
                   char out[128])
{
    if (im->bundle) {
        snprintf(out, 128, "entry[%zu]%s%s", n, path ? "." : "",
                 path ? path : "");
    } else {
        snprintf(out, 128, "%s", path ? path : "QuestionnaireResponse");
    }
}

static void report(importer *im, bool warning, size_t n, const char *path,
                   const char *fmt, va_list ap)
{
    cairn_error e = CAIRN_ERROR_INIT;
    char msg[CAIRN_ERROR_MAX - 160], where[128];
    vsnprintf(msg, sizeof msg, fmt, ap);
    locate(im, n, path, where);
    e.code = warning ? CAIRN_OK : CAIRN_EINVAL;
    snprintf(e.path, sizeof e.path, "%s", im->name);
    snprintf(e.message, sizeof e.message, "%.100s: %.80s: %.320s", im->name,
             where, msg);
    if (warning) {
        if (im->o->on_warning != NULL) {
            im->o->on_warning(&e, im->o->ctx);
        }
        return;
    }
    if (!im->failed && im->err != NULL) {
        *im->err = e;
    }
    im->failed = true;
    im->bad = true;
    if (im->o->on_error != NULL) {
        im->o->on_error(&e, im->o->ctx);
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
problem(importer *im, size_t n, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(im, false, n, path, fmt, ap);
    va_end(ap);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
warn(importer *im, size_t n, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(im, true, n, path, fmt, ap);
    va_end(ap);
}

/* A string from the file made safe for a message (at most 60 bytes). */
static const char *shown(char out[72], const char *s)
{
    size_t k = 0;
    for (; s != NULL && s[k] != '\0' && k < 60; k++) {
        unsigned char ch = (unsigned char)s[k];
        out[k] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
    }
    snprintf(out + k, 72 - k, "%s", s != NULL && s[k] != '\0' ? "..." : "");
    return out;
}

/* ------------------------------------------------------------------ */
/* Codes                                                               */

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool number(json_t *v, double *out)
{
    if (!json_is_number(v)) {
        return false;
    }
    *out = json_number_value(v);
    return isfinite(*out);
}

/* The last path segment of a linkId or canonical ("/44249-1/44259-0"). */
static const char *last_segment(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash != NULL ? slash + 1 : s;
}

/* "<code>.<rest>" names an item or scale of `inst`: rest, or NULL. */
static const char *cairn_rest(const cairn_instrument *inst, const char *s)
{
    size_t n = strlen(cairn_instrument_code(inst));
    return strncmp(s, cairn_instrument_code(inst), n) == 0 && s[n] == '.'
               ? s + n + 1
               : NULL;
}

/* The item (>0) or scale (`*scale`) of `inst` a linkId names; 0 if none. */
static int resolve_link(const importer *im, const cairn_instrument *inst,
                        const char *link, const char **scale)
{
    const cairn_codes *codes =
        cairn_terminology_find(im->terms, cairn_instrument_code(inst));
    const char *seg = last_segment(link);
    const char *rest = cairn_rest(inst, seg);
    *scale = NULL;
    if (rest != NULL) {
        long num = 0;
        if (cairn__util_parse_int(rest, strlen(rest), &num) == 0 &&
            cairn_instrument_find_item(inst, (int)num) != NULL) {
            return (int)num;
        }
        const cairn_scale *sc = cairn_instrument_find_scale(inst, rest);
        *scale = sc != NULL ? sc->id : NULL;
        return 0;
    }
    for (size_t i = 0; i < cairn_instrument_item_count(inst); i++) {
        const cairn_item *it = cairn_instrument_item(inst, i);
        const char *c = cairn_codes_item(codes, it->number);
        if (c != NULL && strcmp(c, seg) == 0) {
            return it->number;
        }
    }
    for (size_t i = 0; i < cairn_instrument_scale_count(inst); i++) {
        const cairn_scale *sc = cairn_instrument_scale(inst, i);
        const char *c = cairn_codes_scale(codes, sc->id);
        if (c != NULL && strcmp(c, seg) == 0) {
            *scale = sc->id;
        }
    }
    return 0;
}

/* The instrument and scale a coded score (Observation.code) names. */
static bool score_code(const importer *im, json_t *code,
                       const cairn_instrument **inst, const char **scale)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(code, "coding"), i, c)
    {
        const char *v = str(c, "code");
        for (size_t k = 0; v != NULL && k < cairn_catalog_count(im->cat); k++) {
            const cairn_instrument *in = cairn_catalog_get(im->cat, k);
            const char *sys = str(c, "system");
            bool loinc = sys != NULL && strcmp(sys, CAIRN_LOINC_SYSTEM) == 0;
            if ((loinc ||
                 (sys != NULL && strcmp(sys, CAIRN_CODES_SYSTEM) == 0)) &&
                resolve_link(im, in, v, scale) == 0 && *scale != NULL) {
                *inst = in;
                return true;
            }
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Resources                                                           */

static const char *type_of(json_t *r)
{
    const char *t = str(r, "resourceType");
    return t != NULL ? t : "";
}

/* The resource a reference names: by fullUrl, or "Type/id". */
/* The index of resource `r` under `key` ("Type/id" or its fullUrl). */
static void index_key(importer *im, const char *key, size_t i)
{
    if (key != NULL && json_object_get(im->by_ref, key) == NULL) {
        json_object_set_new(im->by_ref, key, json_integer((json_int_t)i));
    }
}

/* Index every resource by fullUrl and "Type/id", so references resolve
 * in constant time however large the Bundle. */
static void index_resources(importer *im)
{
    json_t *r;
    size_t i;
    json_array_foreach(im->resources, i, r)
    {
        char key[200];
        const char *id = str(r, "id");
        index_key(im, json_string_value(json_array_get(im->urls, i)), i);
        if (id != NULL) {
            snprintf(key, sizeof key, "%s/%s", type_of(r), id);
            index_key(im, key, i);
        }
    }
}

/* The resource of `type` a reference names: by fullUrl, or by "Type/id"
 * (also at the end of an absolute URL). */
static json_t *find_ref(const importer *im, const char *ref, const char *type,
                        size_t *index)
{
    if (ref == NULL) {
        return NULL;
    }
    json_t *at = json_object_get(im->by_ref, ref);
    if (at == NULL) {
        /* "http://server/fhir/Patient/12": its last two segments */
        const char *p = ref + strlen(ref);
        int slashes = 0;
        while (p > ref && slashes < 2) {
            p--;
            slashes += *p == '/';
        }
        at = slashes == 2 ? json_object_get(im->by_ref, p + 1) : NULL;
    }
    if (at == NULL) {
        return NULL;
    }
    size_t i = (size_t)json_integer_value(at);
    json_t *r = json_array_get(im->resources, i);
    if (strcmp(type_of(r), type) != 0) {
        return NULL;
    }
    *index = i;
    return r;
}

/* Room for one more supplied score, or NULL (out of memory). */
static supplied *new_supplied(importer *im)
{
    if (im->n_sup == im->cap_sup) {
        size_t cap = im->cap_sup ? im->cap_sup * 2 : 64;
        supplied *p = realloc(im->sup, cap * sizeof *p);
        if (p == NULL) {
            return NULL;
        }
        im->sup = p;
        im->cap_sup = cap;
    }
    return &im->sup[im->n_sup++];
}

static int by_response(const void *a, const void *b)
{
    const supplied *x = a, *y = b;
    return x->response < y->response ? -1 : x->response > y->response;
}

/* Observations that give a score of a response in this file. */
static int collect_supplied(importer *im)
{
    json_t *r;
    size_t i;
    json_array_foreach(im->resources, i, r)
    {
        const cairn_instrument *inst = NULL;
        const char *scale = NULL;
        json_t *from;
        size_t k;
        double v = 0;
        if (strcmp(type_of(r), "Observation") != 0 ||
            strcmp(str(r, "status") ? str(r, "status") : "",
                   "entered-in-error") == 0 ||
            !score_code(im, json_object_get(r, "code"), &inst, &scale) ||
            !(number(
                  json_object_get(json_object_get(r, "valueQuantity"), "value"),
                  &v) ||
              number(json_object_get(r, "valueInteger"), &v))) {
            continue;
        }
        json_array_foreach(json_object_get(r, "derivedFrom"), k, from)
        {
            size_t qr = 0;
            supplied *s = NULL;
            if (find_ref(im, str(from, "reference"), "QuestionnaireResponse",
                         &qr) == NULL) {
                continue;
            }
            if ((s = new_supplied(im)) == NULL) {
                return cairn_error_set(im->err, CAIRN_ENOMEM, "out of memory");
            }
            {
                s->response = qr;
                s->inst = inst;
                s->scale = scale;
                s->value = v;
                locate(im, i, NULL, s->where);
            }
        }
    }
    if (im->n_sup > 1) {
        qsort(im->sup, im->n_sup, sizeof *im->sup, by_response);
    }
    im->n_obs_sup = im->n_sup;
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Which instrument                                                    */

static const cairn_instrument *by_canonical(const importer *im,
                                            const char *canon)
{
    char buf[256];
    const cairn_instrument *inst = NULL;
    snprintf(buf, sizeof buf, "%s", canon);
    char *bar = strchr(buf, '|');
    if (bar != NULL) {
        *bar = '\0';
    }
    size_t n = strlen(CAIRN_FHIR_QUESTIONNAIRE);
    if (strncmp(buf, CAIRN_FHIR_QUESTIONNAIRE, n) == 0) {
        cairn_catalog_find(&inst, im->cat, buf + n, NULL);
        return inst;
    }
    const char *seg = last_segment(buf);
    for (size_t k = 0;
         cairn_codes_is_loinc(seg) && k < cairn_catalog_count(im->cat); k++) {
        const cairn_instrument *in = cairn_catalog_get(im->cat, k);
        const char *panel = cairn_codes_panel(
            cairn_terminology_find(im->terms, cairn_instrument_code(in)));
        if (panel != NULL && strcmp(panel, seg) == 0) {
            return in;
        }
    }
    return NULL;
}

/* How many linkIds of `items` (recursively) name items or scales. */
static size_t count_links(const importer *im, const cairn_instrument *inst,
                          json_t *items)
{
    json_t *it;
    size_t i, n = 0;
    json_array_foreach(items, i, it)
    {
        const char *scale = NULL;
        const char *link = str(it, "linkId");
        if (link != NULL &&
            (resolve_link(im, inst, link, &scale) > 0 || scale != NULL)) {
            n++;
        }
        n += count_links(im, inst, json_object_get(it, "item"));
    }
    return n;
}

/* By item codes: the instrument naming most linkIds, then the shortest. */
static const cairn_instrument *by_items(const importer *im, json_t *qr)
{
    const cairn_instrument *best = NULL;
    size_t best_n = 0;
    for (size_t k = 0; k < cairn_catalog_count(im->cat); k++) {
        const cairn_instrument *in = cairn_catalog_get(im->cat, k);
        size_t n = count_links(im, in, json_object_get(qr, "item"));
        if (n > best_n || (n == best_n && n > 0 &&
                           cairn_instrument_item_count(in) <
                               cairn_instrument_item_count(best))) {
            best = in;
            best_n = n;
        }
    }
    return best;
}

static const cairn_instrument *instrument_of(importer *im, size_t n, json_t *qr)
{
    char a[72];
    const char *canon = str(qr, "questionnaire");
    const cairn_instrument *inst =
        canon != NULL ? by_canonical(im, canon) : NULL;
    const char *bar = canon != NULL ? strchr(canon, '|') : NULL;
    if (inst != NULL && bar != NULL &&
        strncmp(canon, CAIRN_FHIR_QUESTIONNAIRE,
                strlen(CAIRN_FHIR_QUESTIONNAIRE)) == 0 &&
        strcmp(bar + 1, cairn_instrument_version(inst)) != 0) {
        warn(im, n, "questionnaire",
             "version %s, but this Cairn has %s definition %s; the answers "
             "are scored with it",
             shown(a, bar + 1), cairn_instrument_code(inst),
             cairn_instrument_version(inst));
    }
    if (inst == NULL) {
        inst = by_items(im, qr);
    }
    if (inst == NULL && canon != NULL) {
        problem(im, n, "questionnaire",
                "'%s' is not a questionnaire Cairn knows, and no item "
                "names an item of one",
                shown(a, canon));
    } else if (inst == NULL) {
        problem(im, n, "questionnaire",
                "missing, and no item names an item of a questionnaire "
                "Cairn knows");
    }
    return inst;
}

/* ------------------------------------------------------------------ */
/* Whose                                                               */

/* The client code of identifier system|value, or false. */
static int match_identifier(importer *im, json_t *ident, char code[72],
                            bool *found)
{
    const char *sys = str(ident, "system"), *value = str(ident, "value");
    char ext[700];
    cairn_client *c = NULL;
    cairn_error e = CAIRN_ERROR_INIT;
    *found = false;
    if (sys == NULL || value == NULL) {
        return CAIRN_OK;
    }
    snprintf(ext, sizeof ext, "%s|%s", sys, value);
    int rc = cairn_store_client_find_external(&c, im->st, ext, &e);
    if (rc == CAIRN_OK) {
        snprintf(code, 72, "%s", c->code);
        *found = true;
    }
    cairn_store_client_free(c);
    if (rc < 0 && rc != CAIRN_ENOTFOUND) {
        *im->err = e;
        return rc;
    }
    if (!*found && strcmp(sys, im->subject_system) == 0 &&
        cairn__store_code_is_valid(value, strlen(value))) {
        snprintf(code, 72, "%s", value);
        *found = true;
    }
    return CAIRN_OK;
}

static int subject_of(importer *im, size_t n, json_t *qr, char code[72],
                      bool *ok)
{
    char a[72], b[72];
    json_t *subject = json_object_get(qr, "subject");
    json_t *idents = json_array(), *id;
    size_t i, pi = 0;
    int rc = CAIRN_OK;
    *ok = false;
    if (!json_is_object(subject)) {
        json_decref(idents);
        problem(im, n, "subject",
                "missing; Cairn needs to know whose answers these are");
        return CAIRN_OK;
    }
    if (json_object_get(subject, "identifier") != NULL) {
        json_array_append(idents, json_object_get(subject, "identifier"));
    }
    const char *ref = str(subject, "reference");
    json_t *patient = find_ref(im, ref, "Patient", &pi);
    json_array_extend(idents, json_object_get(patient, "identifier"));
    json_array_foreach(idents, i, id)
    {
        if (rc == CAIRN_OK && !*ok) {
            rc = match_identifier(im, id, code, ok);
        }
    }
    if (rc == CAIRN_OK && !*ok && json_array_size(idents) == 0) {
        problem(im, n, "subject",
                "'%s' is not in this file and has no identifier",
                shown(a, ref ? ref : ""));
    } else if (rc == CAIRN_OK && !*ok) {
        id = json_array_get(idents, 0);
        problem(im, n, "subject",
                "no client has the identifier '%s|%s' (give it to the "
                "client with 'cairn client edit CODE --external-id "
                "SYSTEM|VALUE', or import with --subject-system SYSTEM when "
                "its values are your client codes)",
                shown(a, str(id, "system") ? str(id, "system") : ""),
                shown(b, str(id, "value") ? str(id, "value") : ""));
    }
    json_decref(idents);
    return rc;
}

static bool authored_of(importer *im, size_t n, json_t *qr,
                        char out[CAIRN__DATE_MAX])
{
    char a[72], buf[64];
    const char *s = str(qr, "authored");
    if (s == NULL) {
        problem(im, n, "authored",
                "missing; Cairn needs the date the questionnaire was "
                "answered");
        return false;
    }
    /* FHIR allows fractions of a second; the store keeps whole seconds */
    snprintf(buf, sizeof buf, "%s", s);
    char *dot = strlen(buf) > 19 && buf[19] == '.' ? buf + 19 : NULL;
    if (dot != NULL) {
        size_t k = 1;
        while (dot[k] >= '0' && dot[k] <= '9') {
            k++;
        }
        memmove(dot, dot + k, strlen(dot + k) + 1);
    }
    int r = cairn__store_date_normalize(out, buf, strlen(buf), false, false);
    if (r == CAIRN__DATE_BAD) {
        problem(im, n, "authored", "'%s' is not a date", shown(a, s));
    } else if (r == CAIRN__DATE_FUTURE) {
        problem(im, n, "authored", "%s is in the future", shown(a, s));
    }
    return r == CAIRN__DATE_OK;
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

typedef struct reading {
    size_t n; /* the response's resource index */
    const cairn_instrument *inst;
    const cairn_codes *codes;
    cairn_responses *resp;
} reading;

static bool ordinal_of(json_t *obj, double *out)
{
    json_t *x;
    size_t i;
    json_array_foreach(json_object_get(obj, "extension"), i, x)
    {
        const char *url = str(x, "url");
        if (url != NULL &&
            (strcmp(url, ORDINAL_URL) == 0 || strcmp(url, WEIGHT_URL) == 0) &&
            (number(json_object_get(x, "valueDecimal"), out) ||
             number(json_object_get(x, "valueInteger"), out))) {
            return true;
        }
    }
    return false;
}

/* The option of `it` scoring `v`, when exactly one does. */
static const cairn_option *by_score(const cairn_item *it, double v)
{
    const cairn_option *found = NULL;
    for (size_t k = 0; k < it->n_options; k++) {
        if (fabs(it->options[k].score - v) < 1e-9) {
            if (found != NULL) {
                return NULL;
            }
            found = &it->options[k];
        }
    }
    return found;
}

/* The option a coding names by LOINC answer code or Cairn code. */
static const cairn_option *by_code(const reading *rd, const cairn_item *it,
                                   const char *sys, const char *code)
{
    bool any = sys == NULL;
    for (size_t k = 0;
         (any || strcmp(sys, CAIRN_LOINC_SYSTEM) == 0) && k < it->n_options;
         k++) {
        const char *la =
            cairn_codes_answer(rd->codes, it->number, it->options[k].code);
        if (la != NULL && strcmp(la, code) == 0) {
            return &it->options[k];
        }
    }
    const char *rest = cairn_rest(rd->inst, code);
    char want[32];
    snprintf(want, sizeof want, "%d.", it->number);
    if ((any || strcmp(sys, CAIRN_CODES_SYSTEM) == 0) && rest != NULL &&
        strncmp(rest, want, strlen(want)) == 0) {
        long c = 0;
        const char *v = rest + strlen(want);
        if (cairn__util_parse_int(v, strlen(v), &c) == 0) {
            return cairn_item_find_option(it, (int)c);
        }
    }
    return NULL;
}

/* The code answering `it`, or false after reporting why not. */
static bool answer_code(importer *im, const reading *rd, const char *path,
                        const cairn_item *it, json_t *ans, int *code)
{
    char a[72];
    double v = 0;
    json_t *coding = json_object_get(ans, "valueCoding");
    const char *inst = cairn_instrument_code(rd->inst);
    const cairn_option *o = NULL;
    if (json_is_object(coding)) {
        bool has_ord = ordinal_of(coding, &v) || ordinal_of(ans, &v);
        const char *c = str(coding, "code");
        o = c != NULL ? by_code(rd, it, str(coding, "system"), c) : NULL;
        if (o != NULL && has_ord && fabs(o->score - v) > 1e-9) {
            problem(im, rd->n, path,
                    "answer %s scores %g on %s item %d, but its "
                    "ordinalValue says %g",
                    shown(a, c), o->score, inst, it->number, v);
            return false;
        }
        if (o == NULL && has_ord) {
            o = by_score(it, v);
        }
        if (o == NULL) {
            if (has_ord) {
                problem(im, rd->n, path,
                        "ordinalValue %g is not the score of exactly one "
                        "option of %s item %d",
                        v, inst, it->number);
            } else {
                problem(im, rd->n, path,
                        "answer '%s' is not an option of %s item %d",
                        shown(a, c ? c : ""), inst, it->number);
            }
            return false;
        }
        *code = o->code;
        return true;
    }
    if (number(json_object_get(ans, "valueInteger"), &v) ||
        number(json_object_get(ans, "valueDecimal"), &v)) {
        if (it->kind == CAIRN_ITEM_NUMBER && v == floor(v) && fabs(v) < 1e6) {
            *code = (int)v;
            return true;
        }
        o = it->kind == CAIRN_ITEM_CHOICE ? by_score(it, v) : NULL;
        if (o == NULL) {
            problem(im, rd->n, path,
                    "%g is not the score of exactly one option of %s item "
                    "%d",
                    v, inst, it->number);
            return false;
        }
        *code = o->code;
        return true;
    }
    problem(im, rd->n, path,
            "the answer is not a valueCoding, valueInteger or valueDecimal");
    return false;
}

static void supplied_total(importer *im, const reading *rd, const char *path,
                           const char *scale, json_t *ans)
{
    double v = 0;
    if (!(number(json_object_get(ans, "valueDecimal"), &v) ||
          number(json_object_get(ans, "valueInteger"), &v) ||
          number(
              json_object_get(json_object_get(ans, "valueQuantity"), "value"),
              &v))) {
        problem(im, rd->n, path, "a score must be a number");
        return;
    }
    supplied *s = new_supplied(im);
    if (s == NULL) {
        problem(im, rd->n, path, "out of memory");
    } else {
        s->response = rd->n;
        s->inst = rd->inst;
        s->scale = scale;
        s->value = v;
        locate(im, rd->n, path, s->where);
    }
}

static void read_items(importer *im, reading *rd, json_t *items,
                       const char *prefix)
{
    json_t *item;
    size_t i;
    char a[72];
    json_array_foreach(items, i, item)
    {
        char path[96];
        const char *scale = NULL;
        snprintf(path, sizeof path, "%s%sitem[%zu]", prefix,
                 prefix[0] ? "." : "", i);
        const char *link = str(item, "linkId");
        json_t *answers = json_object_get(item, "answer");
        if (link == NULL) {
            problem(im, rd->n, path, "linkId: missing");
            continue;
        }
        read_items(im, rd, json_object_get(item, "item"), path);
        if (json_array_size(answers) == 0) {
            continue;
        }
        int number = resolve_link(im, rd->inst, link, &scale);
        if (json_array_size(answers) > 1) {
            problem(im, rd->n, path,
                    "%zu answers; Cairn takes one answer per item",
                    json_array_size(answers));
        } else if (scale != NULL) {
            supplied_total(im, rd, path, scale, json_array_get(answers, 0));
        } else if (number == 0) {
            warn(im, rd->n, path, "linkId '%s' is not an item of %s; ignored",
                 shown(a, link), cairn_instrument_code(rd->inst));
        } else {
            const cairn_item *it = cairn_instrument_find_item(rd->inst, number);
            size_t pos = 0;
            while (cairn_instrument_item(rd->inst, pos) != it) {
                pos++;
            }
            int code = 0;
            cairn_error e = CAIRN_ERROR_INIT;
            if (!rd->resp->missing[pos]) {
                problem(im, rd->n, path, "%s item %d is answered twice",
                        cairn_instrument_code(rd->inst), number);
            } else if (answer_code(im, rd, path, it, json_array_get(answers, 0),
                                   &code) &&
                       cairn_responses_set(rd->resp, rd->inst, pos, code, &e) <
                           0) {
                problem(im, rd->n, path, "%s", e.message);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* One response                                                        */

static void compare_one(importer *im, const supplied *s, const cairn_score *sc)
{
    if (s->inst != sc->instrument) {
        return;
    }
    const cairn_scale_score *mine = cairn_score_find(sc, s->scale);
    im->res->totals_checked++;
    cairn_error e = CAIRN_ERROR_INIT;
    if (mine != NULL && mine->has_score &&
        fabs(mine->score - s->value) < 1e-9) {
        return;
    }
    im->res->totals_differ++;
    if (mine == NULL || !mine->has_score) {
        snprintf(e.message, sizeof e.message,
                 "%.200s: %s: the file gives %s %s %g, but too many "
                 "items are missing for Cairn to score it; no score is "
                 "stored",
                 im->name, s->where, cairn_instrument_code(s->inst), s->scale,
                 s->value);
    } else {
        snprintf(e.message, sizeof e.message,
                 "%.200s: %s: the file gives %s %s %g, but the answers "
                 "score %g; Cairn's score is stored",
                 im->name, s->where, cairn_instrument_code(s->inst), s->scale,
                 s->value, mine->score);
    }
    snprintf(e.path, sizeof e.path, "%s", im->name);
    if (im->o->on_warning != NULL) {
        im->o->on_warning(&e, im->o->ctx);
    }
}

/* Every score supplied for response `n`: from Observations (sorted, so
 * found by bisection), then from its own items (appended after them). */
static void compare(importer *im, size_t n, const cairn_score *sc)
{
    size_t lo = 0, hi = im->n_obs_sup;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (im->sup[mid].response < n) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t k = lo; k < im->n_obs_sup && im->sup[k].response == n; k++) {
        compare_one(im, &im->sup[k], sc);
    }
    for (size_t k = im->n_obs_sup; k < im->n_sup; k++) {
        compare_one(im, &im->sup[k], sc);
    }
    im->n_sup = im->n_obs_sup;
}

static int store(importer *im, const reading *rd, const char *client,
                 const char *date)
{
    cairn_score *sc = NULL;
    int64_t cid = 0;
    bool created = false, dup = false;
    cairn_error e = CAIRN_ERROR_INIT;
    int rc = cairn__store_batch_client(im->batch, client, im->o->create_clients,
                                       &cid, &created, &e);
    if (rc == CAIRN_ENOTFOUND) {
        problem(im, rd->n, "subject",
                "client '%s' is not known (add it with 'cairn client add' "
                "or import with --create-clients)",
                client);
        return CAIRN_OK;
    }
    if (rc < 0) {
        *im->err = e;
        return rc;
    }
    im->res->clients_created += created;
    rc = cairn_score_compute(&sc, rd->inst, rd->resp, im->err);
    if (rc == CAIRN_OK) {
        compare(im, rd->n, sc);
        cairn__batch_row row = {cid, date, rd->resp, sc, 0, NULL, true};
        rc = cairn__store_batch_add(im->batch, &row, &dup, NULL, im->err);
    }
    cairn_score_free(sc);
    if (rc == CAIRN_OK) {
        if (dup) {
            im->res->duplicates++;
        } else {
            im->res->stored++;
        }
    }
    return rc;
}

static int import_response(importer *im, size_t n, json_t *qr)
{
    char a[72], client[72], date[CAIRN__DATE_MAX];
    bool have_client = false;
    reading rd = {n, NULL, NULL, NULL};
    int rc = CAIRN_OK;
    const char *status = str(qr, "status");
    im->res->responses++;
    im->bad = false;
    if (status != NULL && strcmp(status, "entered-in-error") == 0) {
        im->res->withdrawn++;
        warn(im, n, "status",
             "entered-in-error: the sender withdrew this response; not "
             "imported");
        return CAIRN_OK;
    }
    if (status == NULL ||
        (strcmp(status, "completed") != 0 && strcmp(status, "amended") != 0)) {
        problem(im, n, "status",
                "'%s': only completed or amended responses are imported",
                shown(a, status ? status : ""));
    }
    rd.inst = instrument_of(im, n, qr);
    rc = subject_of(im, n, qr, client, &have_client);
    bool dated = rc == CAIRN_OK && authored_of(im, n, qr, date);
    if (rc == CAIRN_OK && rd.inst != NULL) {
        rd.codes =
            cairn_terminology_find(im->terms, cairn_instrument_code(rd.inst));
        rc = cairn_responses_new(&rd.resp, rd.inst, im->err);
    }
    if (rc == CAIRN_OK && rd.resp != NULL) {
        read_items(im, &rd, json_object_get(qr, "item"), "");
    }
    if (rc == CAIRN_OK && !im->bad && have_client && dated && rd.resp != NULL) {
        rc = store(im, &rd, client, date);
    }
    if (im->bad) {
        im->res->rejected++;
    }
    cairn_responses_free(rd.resp);
    im->n_sup = im->n_obs_sup; /* drop this response's own totals */
    return rc;
}

/* ------------------------------------------------------------------ */
/* The file                                                            */

static int read_root(importer *im)
{
    char a[72];
    json_t *root = im->root;
    const char *type = type_of(root);
    im->resources = json_array();
    im->urls = json_array();
    if (strcmp(type, "QuestionnaireResponse") == 0) {
        json_array_append(im->resources, root);
        json_array_append_new(im->urls, json_null());
        return CAIRN_OK;
    }
    if (strcmp(type, "Bundle") != 0) {
        return cairn_error_set(im->err, CAIRN_EPARSE,
                               "%s: a %s is not something Cairn imports; "
                               "give a QuestionnaireResponse or a Bundle",
                               im->name,
                               type[0] ? shown(a, type)
                                       : "JSON without a "
                                         "resourceType");
    }
    const char *bt = str(root, "type");
    static const char *const ok[] = {"collection", "transaction", "batch",
                                     "searchset", NULL};
    size_t k = 0;
    while (bt != NULL && ok[k] != NULL && strcmp(ok[k], bt) != 0) {
        k++;
    }
    if (bt == NULL || ok[k] == NULL) {
        return cairn_error_set(im->err, CAIRN_EPARSE,
                               "%s: Bundle type '%s' is not imported (give "
                               "a collection, transaction, batch or "
                               "searchset)",
                               im->name, shown(a, bt ? bt : ""));
    }
    im->bundle = true;
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(root, "entry"), i, e)
    {
        json_t *r = json_object_get(e, "resource");
        json_array_append(im->resources, json_is_object(r) ? r : json_null());
        json_array_append(im->urls, json_object_get(e, "fullUrl")
                                        ? json_object_get(e, "fullUrl")
                                        : json_null());
    }
    return CAIRN_OK;
}

static int run(importer *im, const char *buf, size_t len)
{
    json_error_t jerr;
    im->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (im->root == NULL) {
        return cairn_error_set(im->err, CAIRN_EPARSE, "%s:%d:%d: %s", im->name,
                               jerr.line, jerr.column, jerr.text);
    }
    int rc = read_root(im);
    if (rc == CAIRN_OK && im->o->subject_system != NULL) {
        snprintf(im->subject_system, sizeof im->subject_system, "%s",
                 im->o->subject_system);
    } else if (rc == CAIRN_OK) {
        char sys[CAIRN_FHIR_SYSTEM_MAX];
        rc = cairn_fhir_store_system(sys, im->st, im->err);
        snprintf(im->subject_system, sizeof im->subject_system, "%s/client",
                 sys);
    }
    if (rc < 0) {
        return rc;
    }
    im->res->resources = json_array_size(im->resources);
    im->by_ref = json_object();
    index_resources(im);
    rc = collect_supplied(im);
    if (rc < 0) {
        return rc;
    }
    /* read, check, score and digest first; the write lock only for the
     * inserts (store_batch_insert.c) */
    rc = cairn__store_batch_begin_deferred(
        &im->batch, im->st, CAIRN_METHOD_IMPORT, "import", im->name,
        im->o->on_lock, im->o->ctx, im->err);
    json_t *r;
    size_t i;
    json_array_foreach(im->resources, i, r)
    {
        if (rc < 0) {
            break;
        }
        if (json_is_null(r)) {
            problem(im, i, NULL, "the entry has no resource");
        } else if (strcmp(type_of(r), "QuestionnaireResponse") == 0) {
            rc = import_response(im, i, r);
        }
    }
    if (rc == CAIRN_OK) {
        /* the second thread's error (memory, the spill's file) */
        rc = cairn__store_batch_drain(im->batch, im->err);
    }
    if (rc < 0 || im->o->dry_run || im->failed) {
        cairn__store_batch_abort(im->batch);
        if (rc == CAIRN_OK && !im->o->dry_run) {
            im->res->stored = 0;
            im->res->clients_created = 0;
        }
    } else {
        cairn__batch_tally t;
        rc = cairn__store_batch_finish(im->batch, &t, im->err);
        /* final: others may have written while the file was read */
        im->res->stored = t.stored;
        im->res->duplicates = t.duplicates;
        im->res->clients_created = t.clients_created;
    }
    im->batch = NULL;
    if (rc == CAIRN_OK && im->failed) {
        rc = CAIRN_EINVAL;
    }
    return rc;
}

int cairn_fhir_import_parse(cairn_store *st, const cairn_catalog *cat,
                            const cairn_terminology *terms, const char *buf,
                            size_t len, const char *name,
                            const cairn_fhir_import_options *opts,
                            cairn_fhir_import_result *res, cairn_error *err)
{
    static const cairn_fhir_import_options defaults =
        CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_fhir_import_result local;
    cairn_error local_err = CAIRN_ERROR_INIT;
    importer *im = calloc(1, sizeof *im);
    if (im == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    im->st = st;
    im->cat = cat;
    im->terms = terms;
    im->o = opts != NULL ? opts : &defaults;
    im->res = res != NULL ? res : &local;
    im->err = err != NULL ? err : &local_err;
    im->name = name;
    memset(im->res, 0, sizeof *im->res);
    int rc = run(im, buf, len);
    json_decref(im->resources);
    json_decref(im->urls);
    json_decref(im->by_ref);
    json_decref(im->root);
    free(im->sup);
    free(im);
    return rc;
}

int cairn_fhir_import_load(cairn_store *st, const cairn_catalog *cat,
                           const cairn_terminology *terms, const char *path,
                           const cairn_fhir_import_options *opts,
                           cairn_fhir_import_result *res, cairn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    if (res != NULL) {
        memset(res, 0, sizeof *res);
    }
    int rc = cairn__util_read_file(path, &buf, &len, err);
    if (rc == CAIRN_OK) {
        rc = cairn_fhir_import_parse(st, cat, terms, buf, len, path, opts, res,
                                     err);
    }
    free(buf);
    return rc;
}
