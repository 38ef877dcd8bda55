/*
 * score.c - scoring a response set by the rules of its definition, the
 * JSON form of a score, and running a definition's worked examples.
 *
 * Invariants: a scale has a score only when its missing-data rule allows
 * one; a prorated score is always marked; decision rules are three-valued
 * (unknown when a missing answer could change the outcome).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/response.h"
#include "cairn/score.h"
#include "internal.h"

static double item_score(const cairn_instrument *inst, int number, int code)
{
    const cairn_item *item = cairn_instrument_find_item(inst, number);
    const cairn_option *opt = cairn_item_find_option(item, code);
    return opt ? opt->score : 0;
}

static void score_scale(const cairn_instrument *inst,
                        const cairn_responses *resp, const cairn_scale *s,
                        cairn_scale_score *out)
{
    double sum = 0;
    out->scale = s;
    for (size_t k = 0; k < s->n_items; k++) {
        size_t i = (size_t)s->items[k] - 1;
        if (resp->missing[i]) {
            out->missing++;
        } else {
            out->answered++;
            sum += item_score(inst, s->items[k], resp->codes[i]);
        }
    }
    if (out->missing == 0) {
        out->has_score = true;
        out->score = sum * s->multiplier;
    } else if (s->prorate && out->answered > 0 &&
               out->missing <= (size_t)s->max_missing) {
        /* Each missing item takes the mean of the answered ones; the total
         * is rounded half up (project policy, see the definition). */
        double full = sum * (double)s->n_items / (double)out->answered;
        out->has_score = true;
        out->prorated = true;
        out->score = floor(full + 0.5) * s->multiplier;
    }
    if (out->has_score) {
        out->band = cairn_scale_band(s, out->score);
    }
}

/* Whether an answered item meets a test. */
static bool test_item(const cairn_instrument *inst, int number, int code,
                      const cairn__item_test *t)
{
    switch (t->kind) {
    case CAIRN__SCORE_AT_LEAST:
        return item_score(inst, number, code) >= t->value;
    case CAIRN__CODE_AT_LEAST:
        return code >= t->value;
    case CAIRN__CODE_IN:
        for (size_t i = 0; i < t->n_codes; i++) {
            if (t->codes[i] == code) {
                return true;
            }
        }
        return false;
    }
    return false;
}

/* A bounded value known only to lie in [lo, hi]. */
static cairn_tristate bounded(const cairn__condition *c, double lo, double hi)
{
    bool surely =
        (!c->has_min || lo >= c->min) && (!c->has_max || hi <= c->max);
    bool never = (c->has_min && hi < c->min) || (c->has_max && lo > c->max);
    return surely ? CAIRN_TRUE : never ? CAIRN_FALSE : CAIRN_UNKNOWN;
}

/* The least and greatest totals `sc` could have once its missing items
 * are answered (answered items as they are). */
static void scale_bounds(const cairn_instrument *inst,
                         const cairn_responses *resp, const cairn_scale *sc,
                         double *lo, double *hi)
{
    double a = 0, b = 0;
    for (size_t k = 0; k < sc->n_items; k++) {
        size_t i = (size_t)sc->items[k] - 1;
        const cairn_item *item = cairn_instrument_find_item(inst, sc->items[k]);
        if (!resp->missing[i]) {
            double v = item_score(inst, sc->items[k], resp->codes[i]);
            a += v;
            b += v;
            continue;
        }
        double mn = item->options[0].score, mx = mn;
        for (size_t o = 1; o < item->n_options; o++) {
            mn = fmin(mn, item->options[o].score);
            mx = fmax(mx, item->options[o].score);
        }
        a += mn;
        b += mx;
    }
    *lo = fmin(a * sc->multiplier, b * sc->multiplier);
    *hi = fmax(a * sc->multiplier, b * sc->multiplier);
}

static cairn_tristate eval_condition(const cairn_instrument *inst,
                                     const cairn_responses *resp,
                                     const cairn_score *score,
                                     const cairn__condition *c)
{
    if (c->kind == CAIRN__COND_COUNT) {
        double met = 0, unknown = 0;
        for (size_t t = 0; t < c->n_terms; t++) {
            const cairn__count_term *term = &c->terms[t];
            for (size_t k = 0; k < term->n_items; k++) {
                size_t i = (size_t)term->items[k] - 1;
                if (resp->missing[i]) {
                    unknown++;
                } else if (test_item(inst, term->items[k], resp->codes[i],
                                     &term->test)) {
                    met++;
                }
            }
        }
        return bounded(c, met, met + unknown);
    }
    if (c->kind == CAIRN__COND_SCALE) {
        const cairn_scale_score *s = &score->scales[c->scale];
        if (s->has_score) {
            return bounded(c, s->score, s->score);
        }
        /* No score: the rule is still decided when every possible answer
         * to the missing items gives the same outcome. */
        double lo = 0, hi = 0;
        scale_bounds(inst, resp, s->scale, &lo, &hi);
        return bounded(c, lo, hi);
    }
    size_t i = (size_t)c->item - 1;
    if (resp->missing[i]) {
        return CAIRN_UNKNOWN;
    }
    return test_item(inst, c->item, resp->codes[i], &c->test) ? CAIRN_TRUE
                                                              : CAIRN_FALSE;
}

static cairn_tristate eval_rule(const cairn_instrument *inst,
                                const cairn_responses *resp,
                                const cairn_score *score, size_t r)
{
    size_t n = 0;
    const cairn__condition *conds =
        cairn__instrument_rule_conditions(inst, r, &n);
    cairn_tristate all = CAIRN_TRUE;
    for (size_t k = 0; k < n; k++) {
        cairn_tristate v = eval_condition(inst, resp, score, &conds[k]);
        if (v == CAIRN_FALSE) {
            return CAIRN_FALSE;
        }
        if (v == CAIRN_UNKNOWN) {
            all = CAIRN_UNKNOWN;
        }
    }
    return all;
}

static void collect_flags(const cairn_instrument *inst,
                          const cairn_responses *resp, cairn_score *s)
{
    /* Risk items in item order, so output is stable. */
    for (size_t i = 0; i < resp->n; i++) {
        for (size_t k = 0; k < cairn_instrument_risk_count(inst); k++) {
            const cairn_risk_item *risk = cairn_instrument_risk(inst, k);
            if ((size_t)risk->item != i + 1) {
                continue;
            }
            if (resp->missing[i]) {
                /* a blank risk answer is not a reassuring one */
                s->unanswered_risks[s->n_unanswered_risks++] =
                    (cairn_flag){.item = risk->item, .code = -1, .risk = risk};
                continue;
            }
            if (test_item(inst, risk->item, resp->codes[i],
                          cairn__instrument_risk_test(inst, k))) {
                s->flags[s->n_flags++] = (cairn_flag){
                    .item = risk->item, .code = resp->codes[i], .risk = risk};
            }
        }
    }
}

/* The alignment of every part of a score's block. */
#define BLOCK_ALIGN _Alignof(max_align_t)

int cairn_score_compute(cairn_score **out, const cairn_instrument *inst,
                        const cairn_responses *resp, cairn_error *err)
{
    cairn_score *s = NULL;
    *out = NULL;
    if (resp->n != cairn_instrument_item_count(inst)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s has %zu items; the response set has %zu",
                               cairn_instrument_code(inst),
                               cairn_instrument_item_count(inst), resp->n);
    }
    size_t n_scales = cairn_instrument_scale_count(inst);
    size_t n_risks = cairn_instrument_risk_count(inst);
    size_t n_rules = cairn_instrument_rule_count(inst);
    /* one block for the score and its five arrays (scored once a row in
     * an import): each part's size rounded up to keep the next aligned */
    size_t at[6], size = 0;
    const size_t need[6] = {sizeof *s,
                            n_scales * sizeof *s->scales,
                            (resp->n + 1) * sizeof *s->missing_items,
                            (n_risks + 1) * sizeof *s->flags,
                            (n_risks + 1) * sizeof *s->unanswered_risks,
                            (n_rules + 1) * sizeof *s->rules};
    for (size_t i = 0; i < 6; i++) {
        at[i] = size;
        size += (need[i] + BLOCK_ALIGN - 1) / BLOCK_ALIGN * BLOCK_ALIGN;
    }
    char *block = calloc(1, size);
    if (block == NULL) {
        goto nomem;
    }
    s = (cairn_score *)(void *)block;
    s->instrument = inst;
    s->scales = (cairn_scale_score *)(void *)(block + at[1]);
    s->missing_items = (int *)(void *)(block + at[2]);
    s->flags = (cairn_flag *)(void *)(block + at[3]);
    s->unanswered_risks = (cairn_flag *)(void *)(block + at[4]);
    s->rules = (cairn_rule_result *)(void *)(block + at[5]);
    s->n_scales = n_scales;
    for (size_t i = 0; i < n_scales; i++) {
        score_scale(inst, resp, cairn_instrument_scale(inst, i), &s->scales[i]);
    }
    for (size_t i = 0; i < resp->n; i++) {
        if (resp->missing[i]) {
            s->missing_items[s->n_missing++] = (int)i + 1;
        }
    }
    collect_flags(inst, resp, s);
    s->n_rules = n_rules;
    for (size_t r = 0; r < n_rules; r++) {
        s->rules[r].rule = cairn_instrument_rule(inst, r);
        s->rules[r].value = eval_rule(inst, resp, s, r);
    }
    *out = s;
    return CAIRN_OK;
nomem:
    cairn_score_free(s);
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

void cairn_score_unanswered_message(const cairn_instrument *inst, int item,
                                    char *buf, size_t size)
{
    const cairn_item *it = cairn_instrument_find_item(inst, item);
    snprintf(buf, size,
             "item %d (%s) was not answered: ask about it with the client "
             "today",
             item, it ? it->label : "a risk item");
}

void cairn_score_free(cairn_score *score)
{
    if (score == NULL) {
        return;
    }
    free(score); /* the arrays live in its block */
}

const cairn_scale_score *cairn_score_find(const cairn_score *score,
                                          const char *id)
{
    for (size_t i = 0; i < score->n_scales; i++) {
        if (strcmp(score->scales[i].scale->id, id) == 0) {
            return &score->scales[i];
        }
    }
    return NULL;
}

/* ---- JSON ---- */

static json_t *tristate_json(cairn_tristate v)
{
    return v == CAIRN_UNKNOWN ? json_null() : json_boolean(v == CAIRN_TRUE);
}

static json_t *score_json(const cairn_score *s)
{
    const cairn_instrument *inst = s->instrument;
    /* made on first use: NULL only when memory ran out */
    if (cairn_instrument_fingerprint(inst) == NULL) {
        return NULL;
    }
    json_t *o = json_object(), *scales = json_object(), *missing = json_array(),
           *flags = json_array(), *rules = json_object();
    json_object_set_new(o, "instrument",
                        json_string(cairn_instrument_code(inst)));
    json_object_set_new(o, "version",
                        json_string(cairn_instrument_version(inst)));
    json_object_set_new(o, "fingerprint",
                        json_string(cairn_instrument_fingerprint(inst)));
    for (size_t i = 0; i < s->n_scales; i++) {
        const cairn_scale_score *sc = &s->scales[i];
        json_t *j = json_object();
        json_object_set_new(j, "score",
                            sc->has_score ? cairn__util_json_number(sc->score)
                                          : json_null());
        json_object_set_new(j, "band",
                            sc->band ? json_string(sc->band->id) : json_null());
        json_object_set_new(j, "prorated", json_boolean(sc->prorated));
        json_object_set_new(scales, sc->scale->id, j);
    }
    json_object_set_new(o, "scales", scales);
    for (size_t i = 0; i < s->n_missing; i++) {
        json_array_append_new(missing, json_integer(s->missing_items[i]));
    }
    json_object_set_new(o, "missing", missing);
    for (size_t i = 0; i < s->n_flags; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "kind", json_string("risk"));
        json_object_set_new(f, "item", json_integer(s->flags[i].item));
        json_object_set_new(f, "code", json_integer(s->flags[i].code));
        json_object_set_new(f, "message",
                            json_string(s->flags[i].risk->message));
        json_array_append_new(flags, f);
    }
    for (size_t i = 0; i < s->n_unanswered_risks; i++) {
        char msg[256];
        int item = s->unanswered_risks[i].item;
        cairn_score_unanswered_message(inst, item, msg, sizeof msg);
        json_array_append_new(flags, json_pack("{s:s,s:i,s:n,s:s}", "kind",
                                               "risk_unanswered", "item", item,
                                               "code", "message", msg));
    }
    json_object_set_new(o, "flags", flags);
    for (size_t i = 0; i < s->n_rules; i++) {
        json_object_set_new(rules, s->rules[i].rule->id,
                            tristate_json(s->rules[i].value));
    }
    json_object_set_new(o, "rules", rules);
    return o;
}

int cairn_score_to_json(const cairn_score *score, char **out, cairn_error *err)
{
    json_t *o = score_json(score);
    *out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}

/* ---- worked examples ---- */

static int check_scale(const cairn_score *s, const char *id, json_t *want,
                       size_t ex, cairn_error *err)
{
    const cairn_scale_score *got = cairn_score_find(s, id);
    if (got == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "example %zu: expects scale '%s', which does "
                               "not exist",
                               ex, id);
    }
    json_t *score = json_object_get(want, "score");
    if (score != NULL) {
        if (json_is_null(score) && got->has_score) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "example %zu: scale %s: expected no "
                                   "score, got %g",
                                   ex, id, got->score);
        }
        if (json_is_number(score) &&
            (!got->has_score ||
             fabs(got->score - json_number_value(score)) > 1e-9)) {
            char g[32] = "none";
            if (got->has_score) {
                snprintf(g, sizeof g, "%g", got->score);
            }
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "example %zu: scale %s: expected %g, "
                                   "got %s",
                                   ex, id, json_number_value(score), g);
        }
    }
    json_t *band = json_object_get(want, "band");
    if (band != NULL) {
        const char *w = json_is_string(band) ? json_string_value(band) : NULL;
        const char *g = got->band ? got->band->id : NULL;
        if ((w == NULL) != (g == NULL) || (w && strcmp(w, g) != 0)) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "example %zu: scale %s: expected band "
                                   "%s, got %s",
                                   ex, id, w ? w : "none", g ? g : "none");
        }
    }
    json_t *pro = json_object_get(want, "prorated");
    if (pro != NULL && json_is_true(pro) != got->prorated) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "example %zu: scale %s: expected prorated "
                               "%s",
                               ex, id, json_is_true(pro) ? "true" : "false");
    }
    return CAIRN_OK;
}

static int check_flags(const cairn_score *s, json_t *want, size_t ex,
                       cairn_error *err)
{
    bool same = json_array_size(want) == s->n_flags;
    for (size_t i = 0; same && i < s->n_flags; i++) {
        json_t *v = json_array_get(want, i);
        same = json_is_integer(v) && json_integer_value(v) == s->flags[i].item;
    }
    if (!same) {
        char got[128] = "";
        size_t off = 0;
        for (size_t i = 0; i < s->n_flags && off < 100; i++) {
            off += (size_t)snprintf(got + off, sizeof got - off, "%s%d",
                                    i ? ", " : "", s->flags[i].item);
        }
        return cairn_error_set(err, CAIRN_EINVAL,
                               "example %zu: flags: expected %zu flagged "
                               "item(s), got [%s]",
                               ex, json_array_size(want), got);
    }
    return CAIRN_OK;
}

static int check_unanswered(const cairn_score *s, json_t *want, size_t ex,
                            cairn_error *err)
{
    bool same = json_array_size(want) == s->n_unanswered_risks;
    for (size_t i = 0; same && i < s->n_unanswered_risks; i++) {
        json_t *v = json_array_get(want, i);
        same = json_is_integer(v) &&
               json_integer_value(v) == s->unanswered_risks[i].item;
    }
    if (!same) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "example %zu: risk_unanswered: expected %zu "
                               "item(s), got %zu",
                               ex, json_array_size(want),
                               s->n_unanswered_risks);
    }
    return CAIRN_OK;
}

static int check_rules(const cairn_score *s, json_t *want, size_t ex,
                       cairn_error *err)
{
    const char *id;
    json_t *v;
    json_object_foreach(want, id, v)
    {
        const cairn_rule_result *got = NULL;
        for (size_t i = 0; i < s->n_rules; i++) {
            if (strcmp(s->rules[i].rule->id, id) == 0) {
                got = &s->rules[i];
            }
        }
        if (got == NULL) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "example %zu: expects rule '%s', which "
                                   "does not exist",
                                   ex, id);
        }
        cairn_tristate w = json_is_null(v)   ? CAIRN_UNKNOWN
                           : json_is_true(v) ? CAIRN_TRUE
                                             : CAIRN_FALSE;
        if (w != got->value) {
            static const char *const names[] = {"null", "false", "true"};
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "example %zu: rule %s: expected %s, got "
                                   "%s",
                                   ex, id, names[w + 1], names[got->value + 1]);
        }
    }
    return CAIRN_OK;
}

static int run_example(const cairn_instrument *inst, json_t *ex, size_t n,
                       cairn_error *err)
{
    cairn_responses *resp = NULL;
    cairn_score *s = NULL;
    json_t *codes = json_object_get(ex, "responses");
    json_t *expect = json_object_get(ex, "expect");
    int rc = cairn_responses_new(&resp, inst, err);
    for (size_t i = 0; rc == 0 && i < resp->n; i++) {
        json_t *c = json_array_get(codes, i);
        if (json_is_null(c)) {
            continue;
        }
        if (!json_is_integer(c)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "example %zu: response %zu is not a whole "
                                 "number or null",
                                 n, i + 1);
        } else {
            rc = cairn_responses_set(resp, inst, i, (int)json_integer_value(c),
                                     err);
            if (rc < 0) {
                char msg[CAIRN_ERROR_MAX];
                snprintf(msg, sizeof msg, "%s", err ? err->message : "");
                rc = cairn_error_set(err, rc, "example %zu: %s", n, msg);
            }
        }
    }
    if (rc == 0) {
        rc = cairn_score_compute(&s, inst, resp, err);
    }
    const char *id;
    json_t *v;
    json_object_foreach(json_object_get(expect, "scales"), id, v)
    {
        if (rc == 0) {
            rc = check_scale(s, id, v, n, err);
        }
    }
    if (rc == 0 && json_object_get(expect, "flags") != NULL) {
        rc = check_flags(s, json_object_get(expect, "flags"), n, err);
    }
    if (rc == 0 && json_object_get(expect, "rules") != NULL) {
        rc = check_rules(s, json_object_get(expect, "rules"), n, err);
    }
    if (rc == 0 && json_object_get(expect, "risk_unanswered") != NULL) {
        rc = check_unanswered(s, json_object_get(expect, "risk_unanswered"), n,
                              err);
    }
    cairn_score_free(s);
    cairn_responses_free(resp);
    return rc;
}

int cairn_score_check_examples(const cairn_instrument *inst, size_t *n_checked,
                               cairn_error *err)
{
    json_t *examples = cairn__instrument_examples(inst);
    size_t i = 0;
    int rc = CAIRN_OK;
    for (; rc == 0 && i < json_array_size(examples); i++) {
        rc = run_example(inst, json_array_get(examples, i), i + 1, err);
    }
    if (rc < 0 && err != NULL) {
        char msg[CAIRN_ERROR_MAX];
        snprintf(msg, sizeof msg, "%s", err->message);
        cairn_error_set(err, rc, "%s: %s", cairn_instrument_path(inst), msg);
    }
    if (n_checked != NULL) {
        *n_checked = rc == 0 ? i : i - 1;
    }
    return rc;
}
