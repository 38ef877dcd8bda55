/*
 * cli_json.c - the command's JSON output, built with jansson: printing a
 * value compactly with its keys in insertion order, numbers as people
 * read them, and a stored assessment as one object.
 *
 * Reals are printed with 10 significant digits, as the engine prints
 * its own JSON (a trend), so engine JSON embedded here keeps its digits.
 */
#include <math.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DUMP_FLAGS                                                             \
    (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

int cli_json_dump(json_t *j)
{
    int rc = CLI_OK;
    if (j == NULL || json_dumpf(j, stdout, DUMP_FLAGS) != 0) {
        cli_error("out of memory");
        rc = CLI_FAIL;
    }
    json_decref(j);
    return rc;
}

int cli_json_dump_with_trends(FILE *out, json_t *j, const char *key,
                              const cairn_trend *const *trends, size_t n)
{
    char *head = NULL, *text = NULL;
    int rc = CLI_FAIL;
    assert(j == NULL || json_object_get(j, key) == NULL);
    if (j == NULL || json_object_set_new(j, key, json_array()) != 0) {
        goto out;
    }
    /* `key` is the last member: the text ends with its empty "[]}" */
    head = json_dumps(j, DUMP_FLAGS);
    size_t len = head ? strlen(head) : 0;
    if (len < 3 || strcmp(head + len - 3, "[]}") != 0) {
        goto out;
    }
    fwrite(head, 1, len - 2, out);
    for (size_t i = 0; i < n; i++) {
        if (cairn_trend_to_json(trends[i], &text, NULL) != CAIRN_OK) {
            goto out;
        }
        if (i > 0) {
            fputc(',', out);
        }
        fputs(text, out);
        free(text);
        text = NULL;
    }
    fputs("]}", out);
    rc = CLI_OK;
out:
    if (rc != CLI_OK) {
        cli_error("out of memory");
    }
    free(text);
    free(head);
    json_decref(j);
    return rc;
}

int cli_json_print(json_t *j)
{
    int rc = cli_json_dump(j);
    if (rc == CLI_OK) {
        fputc('\n', stdout);
    }
    return rc;
}

json_t *cli_json_str(const char *s)
{
    if (s == NULL) {
        return json_null();
    }
    if (cairn_text_is_utf8(s, strlen(s))) {
        return json_string(s);
    }
    /* written by another tool: the bad bytes as \xNN, still JSON */
    size_t n = 4 * strlen(s) + 8;
    char *safe = malloc(n);
    json_t *j = NULL;
    if (safe != NULL) {
        cairn_text_escape(safe, n, s);
        j = json_string(safe);
        free(safe);
    }
    return j;
}

json_t *cli_json_number(double x, int digits)
{
    char buf[64];
    if (!isfinite(x)) {
        return json_null();
    }
    if (x == floor(x) && fabs(x) < 1e15) {
        return json_integer((json_int_t)x);
    }
    snprintf(buf, sizeof buf, "%.*g", digits, x);
    return json_real(strtod(buf, NULL));
}

json_t *cli_json_parse(const char *text)
{
    return text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

json_t *cli_trend_json(const cairn_trend *t)
{
    char *text = NULL;
    json_t *j = NULL;
    if (cairn_trend_to_json(t, &text, NULL) == CAIRN_OK) {
        j = cli_json_parse(text);
    }
    free(text);
    return j != NULL ? j : json_null();
}

/* The catalog's definition of `a`'s instrument, quietly NULL if none. */
static const cairn_instrument *instrument_of(cli_ctx *ctx,
                                             const cairn_assessment *a)
{
    const cairn_catalog *cat = cli_catalog(ctx);
    const cairn_instrument *inst = NULL;
    if (cat == NULL ||
        cairn_catalog_find(&inst, cat, a->instrument, NULL) < 0) {
        return NULL;
    }
    return inst;
}

static const char *flag_message(const cairn_instrument *inst, int item)
{
    for (size_t i = 0; inst != NULL && i < cairn_instrument_risk_count(inst);
         i++) {
        if (cairn_instrument_risk(inst, i)->item == item) {
            return cairn_instrument_risk(inst, i)->message;
        }
    }
    return NULL;
}

static const char *status_of(const cairn_assessment *a)
{
    return a->voided ? "void" : a->superseded_by ? "superseded" : "current";
}

static json_t *scales_json(const cairn_assessment *a)
{
    json_t *o = json_object();
    for (size_t i = 0; i < a->n_scales; i++) {
        const cairn_stored_scale *s = &a->scales[i];
        json_t *sc = json_object();
        json_object_set_new(sc, "score",
                            s->has_score ? cli_json_number(s->score, 3)
                                         : json_null());
        json_object_set_new(sc, "band", cli_json_str(s->band));
        json_object_set_new(sc, "prorated", json_boolean(s->prorated));
        json_object_set_new(o, s->scale, sc);
    }
    return o;
}

static void items_json(json_t *o, const cairn_assessment *a)
{
    json_t *missing = json_array(), *responses = json_array();
    for (size_t i = 0; i < a->n_items; i++) {
        if (a->missing[i]) {
            json_array_append_new(missing, json_integer((json_int_t)i + 1));
        }
        json_array_append_new(
            responses, a->missing[i] ? json_null() : json_integer(a->codes[i]));
    }
    json_object_set_new(o, "missing", missing);
    json_object_set_new(o, "responses", responses);
}

static json_t *flags_and_rules(json_t *o, const cairn_assessment *a,
                               const cairn_instrument *inst)
{
    json_t *flags = json_array(), *rules = json_object();
    for (size_t i = 0; i < a->n_flags; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "kind", json_string("risk"));
        json_object_set_new(f, "item", json_integer(a->flags[i].item));
        json_object_set_new(f, "code", json_integer(a->flags[i].code));
        json_object_set_new(f, "message",
                            cli_json_str(flag_message(inst, a->flags[i].item)));
        json_array_append_new(flags, f);
    }
    /* a risk item left blank is a flag of its own */
    size_t n_risk = inst ? cairn_instrument_risk_count(inst) : 0;
    for (size_t k = 0; k < n_risk; k++) {
        int item = cairn_instrument_risk(inst, k)->item;
        if ((size_t)item <= a->n_items && a->missing[item - 1]) {
            char msg[256];
            cairn_score_unanswered_message(inst, item, msg, sizeof msg);
            json_array_append_new(
                flags, json_pack("{s:s,s:i,s:n,s:s}", "kind", "risk_unanswered",
                                 "item", item, "code", "message", msg));
        }
    }
    for (size_t i = 0; i < a->n_rules; i++) {
        int v = a->rules[i].value;
        json_object_set_new(rules, a->rules[i].rule,
                            v < 0 ? json_null() : json_boolean(v > 0));
    }
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "rules", rules);
    return o;
}

json_t *cli_assessment_json(cli_ctx *ctx, const cairn_assessment *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "client", cli_json_str(a->client_code));
    json_object_set_new(o, "instrument", cli_json_str(a->instrument));
    json_object_set_new(o, "version", cli_json_str(a->version));
    json_object_set_new(o, "fingerprint", cli_json_str(a->fingerprint));
    json_object_set_new(o, "administered_at", cli_json_str(a->administered_at));
    json_object_set_new(o, "entered_at", cli_json_str(a->entered_at));
    json_object_set_new(o, "entered_by", cli_json_str(a->entered_by));
    json_object_set_new(o, "method",
                        cli_json_str(cairn_method_name(a->method)));
    json_object_set_new(o, "status", json_string(status_of(a)));
    if (a->supersedes != 0) {
        json_object_set_new(o, "supersedes", json_integer(a->supersedes));
        json_object_set_new(o, "reason", cli_json_str(a->reason));
    }
    if (a->superseded_by != 0) {
        json_object_set_new(o, "superseded_by", json_integer(a->superseded_by));
    }
    if (a->voided) {
        json_object_set_new(o, "void_reason", cli_json_str(a->void_reason));
    }
    json_object_set_new(o, "scales", scales_json(a));
    items_json(o, a);
    return flags_and_rules(o, a, instrument_of(ctx, a));
}
