/*
 * definition_rules.c - reading the rule-bearing parts of a definition:
 * item conditions, risk items, decision rules (count, scale and item
 * conditions) and worked examples.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument_internal.h"

/* An item condition: exactly one of the three test keys in `obj`. */
static int parse_test(parser *p, json_t *obj, const char *where,
                      const cairn_item *item, cairn__item_test *t)
{
    json_t *sal = json_object_get(obj, "score_at_least");
    json_t *cal = json_object_get(obj, "code_at_least");
    json_t *cin = json_object_get(obj, "code_in");
    int n = (sal != NULL) + (cal != NULL) + (cin != NULL);
    if (n != 1) {
        return cairn__def_bad(p,
                              "%sneeds exactly one of score_at_least, "
                              "code_at_least, code_in",
                              where);
    }
    if (sal != NULL || cal != NULL) {
        t->kind = sal ? CAIRN__SCORE_AT_LEAST : CAIRN__CODE_AT_LEAST;
        if (item != NULL && item->kind == CAIRN_ITEM_NUMBER &&
            t->kind == CAIRN__SCORE_AT_LEAST) {
            return cairn__def_bad(
                p, "%sitem %d is a number item: use code_at_least", where,
                item->number);
        }
        return cairn__def_get_number(
            p, obj, sal ? "score_at_least" : "code_at_least", where, &t->value);
    }
    int *codes = NULL;
    t->kind = CAIRN__CODE_IN;
    int rc =
        cairn__def_get_int_array(p, cin, where, "code_in", &codes, &t->n_codes);
    if (rc < 0) {
        return rc;
    }
    t->codes = codes;
    for (size_t i = 0; item != NULL && i < t->n_codes; i++) {
        if (item->kind == CAIRN_ITEM_CHOICE &&
            cairn_item_find_option(item, codes[i]) == NULL) {
            return cairn__def_bad(p, "%scode %d is not an option of item %d",
                                  where, codes[i], item->number);
        }
    }
    return CAIRN_OK;
}

static int parse_risk(parser *p, json_t *r, size_t i)
{
    static const char *const keys[] = {"item",   "when", "message",
                                       "source", "note", NULL};
    cairn_instrument *inst = p->inst;
    cairn_risk_item *risk = &inst->risks[i];
    char where[64];
    snprintf(where, sizeof where, "risk item %zu: ", i + 1);
    int rc = cairn__def_want_object(p, r, where, "a risk item");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, r, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_int(p, r, "item", where, &risk->item);
    }
    if (rc == 0) {
        rc = cairn__def_check_scored_item(p, risk->item, where);
    }
    if (rc == 0) {
        rc =
            cairn__def_get_string(p, r, "message", where, true, &risk->message);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, r, where, &risk->source);
    }
    json_t *when = json_object_get(r, "when");
    if (rc == 0) {
        rc = cairn__def_want_object(p, when, where, "'when'");
    }
    if (rc == 0) {
        rc = parse_test(p, when, where,
                        cairn_instrument_find_item(inst, risk->item),
                        &inst->risk_tests[i]);
    }
    if (rc == 0) {
        /* Keep the rule in words for people: "score >= 1". */
        char *text = cairn__def_alloc(inst, 96, 1);
        const cairn__item_test *t = &inst->risk_tests[i];
        if (text == NULL) {
            return cairn__def_nomem(p);
        }
        if (t->kind == CAIRN__CODE_IN) {
            size_t off = (size_t)snprintf(text, 96, "code in");
            for (size_t k = 0; k < t->n_codes && off < 90; k++) {
                off +=
                    (size_t)snprintf(text + off, 96 - off, " %d", t->codes[k]);
            }
        } else {
            snprintf(text, 96, "%s >= %g",
                     t->kind == CAIRN__SCORE_AT_LEAST ? "score" : "code",
                     t->value);
        }
        risk->rule = text;
    }
    return rc;
}

int cairn__def_parse_risks(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr)) {
        return cairn__def_bad(p,
                              "'risk_items' must be an array (may be empty)");
    }
    inst->n_risks = json_array_size(arr);
    inst->risks =
        cairn__def_alloc(inst, inst->n_risks, sizeof(cairn_risk_item));
    inst->risk_tests =
        cairn__def_alloc(inst, inst->n_risks, sizeof(cairn__item_test));
    if (inst->risks == NULL || inst->risk_tests == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < inst->n_risks; i++) {
        int rc = parse_risk(p, json_array_get(arr, i), i);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

static int parse_bounds(parser *p, json_t *c, const char *where,
                        cairn__condition *cond)
{
    int rc = CAIRN_OK;
    cond->has_min = json_object_get(c, "at_least") != NULL;
    cond->has_max = json_object_get(c, "at_most") != NULL;
    if (!cond->has_min && !cond->has_max) {
        return cairn__def_bad(p, "%sneeds at_least or at_most", where);
    }
    if (cond->has_min) {
        rc = cairn__def_get_number(p, c, "at_least", where, &cond->min);
    }
    if (rc == 0 && cond->has_max) {
        rc = cairn__def_get_number(p, c, "at_most", where, &cond->max);
    }
    return rc;
}

static int parse_count(parser *p, json_t *c, const char *where,
                       cairn__condition *cond)
{
    static const char *const term_keys[] = {"items", "score_at_least",
                                            "code_at_least", "code_in", NULL};
    json_t *terms = json_object_get(c, "count");
    if (!json_is_array(terms) || json_array_size(terms) == 0) {
        return cairn__def_bad(p, "%s'count' must be a non-empty array of terms",
                              where);
    }
    cond->kind = CAIRN__COND_COUNT;
    cond->n_terms = json_array_size(terms);
    cairn__count_term *t =
        cairn__def_alloc(p->inst, cond->n_terms, sizeof(cairn__count_term));
    if (t == NULL) {
        return cairn__def_nomem(p);
    }
    cond->terms = t;
    for (size_t i = 0; i < cond->n_terms; i++) {
        json_t *term = json_array_get(terms, i);
        int *items = NULL;
        int rc = cairn__def_want_object(p, term, where, "a count term");
        if (rc == 0) {
            rc = cairn__def_check_keys(p, term, where, term_keys);
        }
        if (rc == 0) {
            rc =
                cairn__def_get_int_array(p, json_object_get(term, "items"),
                                         where, "items", &items, &t[i].n_items);
        }
        for (size_t k = 0; rc == 0 && k < t[i].n_items; k++) {
            if (cairn_instrument_find_item(p->inst, items[k]) == NULL) {
                rc = cairn__def_bad(p, "%snames item %d, which does not exist",
                                    where, items[k]);
            }
        }
        if (rc == 0) {
            t[i].items = items;
            rc = parse_test(p, term, where, NULL, &t[i].test);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return parse_bounds(p, c, where, cond);
}

static int parse_condition(parser *p, json_t *c, const char *where,
                           cairn__condition *cond)
{
    static const char *const keys[] = {
        "count",          "scale",         "item",    "at_least", "at_most",
        "score_at_least", "code_at_least", "code_in", NULL};
    int rc = cairn__def_want_object(p, c, where, "a condition");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, c, where, keys);
    }
    if (rc < 0) {
        return rc;
    }
    if (json_object_get(c, "count") != NULL) {
        return parse_count(p, c, where, cond);
    }
    if (json_object_get(c, "scale") != NULL) {
        const char *id = NULL;
        rc = cairn__def_get_string(p, c, "scale", where, true, &id);
        if (rc < 0) {
            return rc;
        }
        const cairn_scale *s = cairn_instrument_find_scale(p->inst, id);
        if (s == NULL) {
            return cairn__def_bad(p, "%snames scale '%s', which does not exist",
                                  where, id);
        }
        cond->kind = CAIRN__COND_SCALE;
        cond->scale = cairn__instrument_scale_index(p->inst, s);
        return parse_bounds(p, c, where, cond);
    }
    if (json_object_get(c, "item") != NULL) {
        rc = cairn__def_get_int(p, c, "item", where, &cond->item);
        const cairn_item *item =
            rc == 0 ? cairn_instrument_find_item(p->inst, cond->item) : NULL;
        if (rc == 0 && item == NULL) {
            rc = cairn__def_bad(p, "%snames item %d, which does not exist",
                                where, cond->item);
        }
        cond->kind = CAIRN__COND_ITEM;
        return rc < 0 ? rc : parse_test(p, c, where, item, &cond->test);
    }
    return cairn__def_bad(p, "%sa condition needs 'count', 'scale' or 'item'",
                          where);
}

static int parse_rule(parser *p, json_t *r, size_t i)
{
    static const char *const keys[] = {"id",  "label", "text", "source",
                                       "all", "note",  NULL};
    cairn_instrument *inst = p->inst;
    cairn_rule *rule = &inst->rules[i];
    char where[160];
    snprintf(where, sizeof where, "decision rule %zu: ", i + 1);
    int rc = cairn__def_want_object(p, r, where, "a decision rule");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, r, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, r, "id", where, true, &rule->id);
    }
    if (rc == 0 && !cairn__def_is_id(rule->id)) {
        rc = cairn__def_bad(p, "%sid '%s' must use only a-z, 0-9 and _", where,
                            rule->id);
    }
    if (rc < 0) {
        return rc;
    }
    snprintf(where, sizeof where, "decision rule %s: ", rule->id);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(inst->rules[j].id, rule->id) == 0) {
            return cairn__def_bad(p, "%sid is used twice", where);
        }
    }
    rc = cairn__def_get_string(p, r, "label", where, true, &rule->label);
    if (rc == 0) {
        rc = cairn__def_get_string(p, r, "text", where, true, &rule->text);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, r, where, &rule->source);
    }
    json_t *all = json_object_get(r, "all");
    if (rc == 0 && (!json_is_array(all) || json_array_size(all) == 0)) {
        rc = cairn__def_bad(
            p, "%s'all' must be a non-empty array of conditions", where);
    }
    if (rc < 0) {
        return rc;
    }
    rule_body *body = &inst->bodies[i];
    body->n = json_array_size(all);
    body->conds = cairn__def_alloc(inst, body->n, sizeof(cairn__condition));
    if (body->conds == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t k = 0; k < body->n; k++) {
        rc = parse_condition(p, json_array_get(all, k), where, &body->conds[k]);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

int cairn__def_parse_rules(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr)) {
        return cairn__def_bad(
            p, "'decision_rules' must be an array (may be empty)");
    }
    inst->n_rules = json_array_size(arr);
    inst->rules = cairn__def_alloc(inst, inst->n_rules, sizeof(cairn_rule));
    inst->bodies = cairn__def_alloc(inst, inst->n_rules, sizeof(rule_body));
    if (inst->rules == NULL || inst->bodies == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < inst->n_rules; i++) {
        int rc = parse_rule(p, json_array_get(arr, i), i);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

static int parse_example(parser *p, json_t *ex, size_t i)
{
    static const char *const keys[] = {"source", "responses", "expect", "note",
                                       NULL};
    static const char *const expect_keys[] = {"scales", "flags", "rules",
                                              "risk_unanswered", NULL};
    char where[64];
    const char *source = NULL;
    snprintf(where, sizeof where, "example %zu: ", i + 1);
    int rc = cairn__def_want_object(p, ex, where, "an example");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, ex, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, ex, "source", where, true, &source);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *resp = json_object_get(ex, "responses");
    if (!json_is_array(resp) || json_array_size(resp) != p->inst->n_items) {
        return cairn__def_bad(
            p, "%s'responses' must hold %zu entries, one per item", where,
            p->inst->n_items);
    }
    json_t *expect = json_object_get(ex, "expect");
    rc = cairn__def_want_object(p, expect, where, "'expect'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, expect, where, expect_keys);
    }
    if (rc == 0 && !json_is_object(json_object_get(expect, "scales"))) {
        rc = cairn__def_bad(p, "%s'expect' needs 'scales'", where);
    }
    return rc;
}

int cairn__def_parse_examples(parser *p, json_t *arr)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cairn__def_bad(p, "'examples' must be a non-empty array");
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        int rc = parse_example(p, json_array_get(arr, i), i);
        if (rc < 0) {
            return rc;
        }
    }
    p->inst->examples = arr;
    return CAIRN_OK;
}
