/*
 * definition.c - reading an instrument definition (jansson) into the
 * instrument: top-level fields, citations, licence, option sets, items,
 * scales with their missing-data rules, bands, reliable-change values,
 * cut-offs and extensions.  Every refusal says where and what: unknown
 * keys, gaps in item numbers, options without scores, scales naming
 * missing items, ranges that disagree with the option scores, bands with
 * gaps or overlaps, sources that cite nothing.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument_internal.h"

int cairn__def_bad(parser *p, const char *fmt, ...)
{
    char msg[CAIRN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cairn_error_set(p->err, CAIRN_EINVAL, "%s: %s", p->path, msg);
}

int cairn__def_nomem(parser *p)
{
    return cairn_error_set(p->err, CAIRN_ENOMEM, "%s: out of memory", p->path);
}

/* Refuse keys outside `allowed` (NULL-terminated). */
int cairn__def_check_keys(parser *p, json_t *obj, const char *where,
                          const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            return cairn__def_bad(p, "%sunknown key '%s'", where, key);
        }
    }
    return CAIRN_OK;
}

int cairn__def_want_object(parser *p, json_t *v, const char *where,
                           const char *what)
{
    if (!json_is_object(v)) {
        return cairn__def_bad(p, "%s%s must be an object", where, what);
    }
    return CAIRN_OK;
}

/* A required (or optional) non-empty string member. */
int cairn__def_get_string(parser *p, json_t *obj, const char *key,
                          const char *where, bool required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required) {
            return cairn__def_bad(p, "%smissing '%s'", where, key);
        }
        return CAIRN_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return cairn__def_bad(p, "%s'%s' must be a non-empty string", where,
                              key);
    }
    *out = json_string_value(v);
    return CAIRN_OK;
}

int cairn__def_get_number(parser *p, json_t *obj, const char *key,
                          const char *where, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v)) {
        return cairn__def_bad(p, "%s'%s' must be a number", where, key);
    }
    *out = json_number_value(v);
    if (!isfinite(*out)) {
        return cairn__def_bad(p, "%s'%s' must be finite", where, key);
    }
    return CAIRN_OK;
}

int cairn__def_get_int(parser *p, json_t *obj, const char *key,
                       const char *where, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
        json_integer_value(v) > 1000000) {
        return cairn__def_bad(p, "%s'%s' must be a whole number", where, key);
    }
    *out = (int)json_integer_value(v);
    return CAIRN_OK;
}

/* A word made of [a-z0-9_], as ids must be. */
bool cairn__def_is_id(const char *s)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
              *s == '_')) {
            return false;
        }
    }
    return true;
}

/* A source must cite a known citation id as a word, or be project policy. */
static int check_source(parser *p, const char *source, const char *where)
{
    if (source == NULL) {
        return cairn__def_bad(p, "%smissing 'source'", where);
    }
    if (strstr(source, "project policy") != NULL) {
        return CAIRN_OK;
    }
    cairn_instrument *inst = p->inst;
    for (size_t i = 0; i < inst->n_citations; i++) {
        const char *id = inst->citation_ids[i];
        size_t n = strlen(id);
        for (const char *s = strstr(source, id); s != NULL;
             s = strstr(s + 1, id)) {
            bool left =
                s == source || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
            bool right = !(isalnum((unsigned char)s[n]) || s[n] == '_');
            if (left && right) {
                return CAIRN_OK;
            }
        }
    }
    return cairn__def_bad(
        p,
        "%ssource '%.80s' names no citation id of this file and is "
        "not 'project policy'",
        where, source);
}

int cairn__def_get_source(parser *p, json_t *obj, const char *where,
                          const char **out)
{
    int rc = cairn__def_get_string(p, obj, "source", where, true, out);
    if (rc < 0) {
        return rc;
    }
    return check_source(p, *out, where);
}

/* An array of whole numbers, copied into the arena. */
int cairn__def_get_int_array(parser *p, json_t *arr, const char *where,
                             const char *what, int **out, size_t *n)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cairn__def_bad(p, "%s'%s' must be a non-empty array of numbers",
                              where, what);
    }
    *n = json_array_size(arr);
    *out = cairn__def_alloc(p->inst, *n, sizeof(int));
    if (*out == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < *n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
            json_integer_value(v) > 1000000) {
            return cairn__def_bad(p, "%s'%s' must hold whole numbers", where,
                                  what);
        }
        (*out)[i] = (int)json_integer_value(v);
    }
    return CAIRN_OK;
}

static int parse_citations(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    static const char *const keys[] = {"id", "text", "url", NULL};
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cairn__def_bad(p, "'citations' must be a non-empty array");
    }
    inst->n_citations = json_array_size(arr);
    inst->citation_ids =
        cairn__def_alloc(inst, inst->n_citations, sizeof(char *));
    inst->citation_texts =
        cairn__def_alloc(inst, inst->n_citations, sizeof(char *));
    if (inst->citation_ids == NULL || inst->citation_texts == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < inst->n_citations; i++) {
        json_t *c = json_array_get(arr, i);
        char where[64];
        snprintf(where, sizeof where, "citation %zu: ", i + 1);
        int rc = cairn__def_want_object(p, c, where, "a citation");
        if (rc == 0) {
            rc = cairn__def_check_keys(p, c, where, keys);
        }
        if (rc == 0) {
            rc = cairn__def_get_string(p, c, "id", where, true,
                                       &inst->citation_ids[i]);
        }
        if (rc == 0) {
            rc = cairn__def_get_string(p, c, "text", where, true,
                                       &inst->citation_texts[i]);
        }
        if (rc < 0) {
            return rc;
        }
        if (!cairn__def_is_id(inst->citation_ids[i])) {
            return cairn__def_bad(p, "%sid '%s' must use only a-z, 0-9 and _",
                                  where, inst->citation_ids[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(inst->citation_ids[j], inst->citation_ids[i]) == 0) {
                return cairn__def_bad(p, "%sid '%s' is used twice", where,
                                      inst->citation_ids[i]);
            }
        }
    }
    return CAIRN_OK;
}

static int parse_option(parser *p, json_t *o, const char *where,
                        cairn_option *opt)
{
    static const char *const keys[] = {"code", "score", "label", "loinc", NULL};
    int rc = cairn__def_want_object(p, o, where, "an option");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, o, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_int(p, o, "code", where, &opt->code);
    }
    if (rc == 0 && json_object_get(o, "score") == NULL) {
        return cairn__def_bad(p, "%soption code %d has no score", where,
                              opt->code);
    }
    if (rc == 0) {
        rc = cairn__def_get_number(p, o, "score", where, &opt->score);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, o, "label", where, true, &opt->label);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, o, "loinc", where, false, &opt->loinc);
    }
    return rc;
}

static int parse_option_sets(parser *p, json_t *obj)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return cairn__def_bad(p, "'option_sets' must be a non-empty object");
    }
    inst->n_sets = json_object_size(obj);
    inst->sets = cairn__def_alloc(inst, inst->n_sets, sizeof(option_set));
    if (inst->sets == NULL) {
        return cairn__def_nomem(p);
    }
    size_t k = 0;
    const char *id;
    json_t *arr;
    json_object_foreach(obj, id, arr)
    {
        option_set *set = &inst->sets[k++];
        char where[160];
        snprintf(where, sizeof where, "option set '%.100s': ", id);
        set->id = id;
        if (!json_is_array(arr) || json_array_size(arr) < 2) {
            return cairn__def_bad(
                p, "%smust be an array of at least two options", where);
        }
        set->n = json_array_size(arr);
        set->options = cairn__def_alloc(inst, set->n, sizeof(cairn_option));
        if (set->options == NULL) {
            return cairn__def_nomem(p);
        }
        for (size_t i = 0; i < set->n; i++) {
            int rc = parse_option(p, json_array_get(arr, i), where,
                                  &set->options[i]);
            if (rc < 0) {
                return rc;
            }
            for (size_t j = 0; j < i; j++) {
                if (set->options[j].code == set->options[i].code) {
                    return cairn__def_bad(p, "%soption code %d is used twice",
                                          where, set->options[i].code);
                }
            }
        }
    }
    return CAIRN_OK;
}

static const option_set *find_set(const cairn_instrument *inst, const char *id)
{
    for (size_t i = 0; i < inst->n_sets; i++) {
        if (strcmp(inst->sets[i].id, id) == 0) {
            return &inst->sets[i];
        }
    }
    return NULL;
}

static int parse_item(parser *p, json_t *it, size_t i, cairn_item *item)
{
    static const char *const keys[] = {"number",  "label", "text", "loinc",
                                       "options", "kind",  "min",  "max",
                                       "note",    NULL};
    char where[64];
    snprintf(where, sizeof where, "item %zu: ", i + 1);
    int rc = cairn__def_want_object(p, it, where, "an item");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, it, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_int(p, it, "number", where, &item->number);
    }
    if (rc < 0) {
        return rc;
    }
    if (item->number != (int)i + 1) {
        return cairn__def_bad(p,
                              "%sitem numbers must run 1..N in order; found %d",
                              where, item->number);
    }
    const char *kind = NULL;
    rc = cairn__def_get_string(p, it, "label", where, true, &item->label);
    if (rc == 0) {
        rc = cairn__def_get_string(p, it, "text", where, false, &item->text);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, it, "loinc", where, false, &item->loinc);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, it, "kind", where, false, &kind);
    }
    if (rc < 0) {
        return rc;
    }
    if (item->text != NULL && !p->inst->text_allowed) {
        return cairn__def_bad(p,
                              "%shas 'text' but the licence does not allow "
                              "shipping item text",
                              where);
    }
    if (kind == NULL || strcmp(kind, "choice") == 0) {
        const char *set_id = NULL;
        item->kind = CAIRN_ITEM_CHOICE;
        rc = cairn__def_get_string(p, it, "options", where, true, &set_id);
        if (rc < 0) {
            return rc;
        }
        const option_set *set = find_set(p->inst, set_id);
        if (set == NULL) {
            return cairn__def_bad(p, "%soption set '%s' is not defined", where,
                                  set_id);
        }
        if (json_object_get(it, "min") || json_object_get(it, "max")) {
            return cairn__def_bad(p, "%s'min' and 'max' are for number items",
                                  where);
        }
        item->n_options = set->n;
        item->options = set->options;
        return CAIRN_OK;
    }
    if (strcmp(kind, "number") != 0) {
        return cairn__def_bad(p, "%skind '%s' is not 'choice' or 'number'",
                              where, kind);
    }
    item->kind = CAIRN_ITEM_NUMBER;
    if (json_object_get(it, "options") != NULL) {
        return cairn__def_bad(p, "%sa number item has no options", where);
    }
    rc = cairn__def_get_int(p, it, "min", where, &item->min);
    if (rc == 0) {
        rc = cairn__def_get_int(p, it, "max", where, &item->max);
    }
    if (rc == 0 && item->min > item->max) {
        rc = cairn__def_bad(p, "%smin %d is above max %d", where, item->min,
                            item->max);
    }
    return rc;
}

static int parse_items(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cairn__def_bad(p, "'items' must be a non-empty array");
    }
    inst->n_items = json_array_size(arr);
    inst->items = cairn__def_alloc(inst, inst->n_items, sizeof(cairn_item));
    if (inst->items == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < inst->n_items; i++) {
        int rc = parse_item(p, json_array_get(arr, i), i, &inst->items[i]);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

/* An item number that exists and is a choice item (scored). */
int cairn__def_check_scored_item(parser *p, int number, const char *where)
{
    const cairn_item *item = cairn_instrument_find_item(p->inst, number);
    if (item == NULL) {
        return cairn__def_bad(p, "%snames item %d, which does not exist", where,
                              number);
    }
    if (item->kind != CAIRN_ITEM_CHOICE) {
        return cairn__def_bad(
            p, "%snames item %d, a number item that is not scored", where,
            number);
    }
    return CAIRN_OK;
}

static void item_score_range(const cairn_item *item, double *lo, double *hi)
{
    *lo = item->options[0].score;
    *hi = item->options[0].score;
    for (size_t i = 1; i < item->n_options; i++) {
        *lo = fmin(*lo, item->options[i].score);
        *hi = fmax(*hi, item->options[i].score);
    }
}

static int parse_missing(parser *p, json_t *m, const char *where,
                         cairn_scale *s)
{
    static const char *const keys[] = {"max_missing", "method", "source",
                                       "note", NULL};
    const char *method = NULL;
    char w[160];
    snprintf(w, sizeof w, "%smissing: ", where);
    int rc = cairn__def_want_object(p, m, where, "'missing'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, m, w, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_int(p, m, "max_missing", w, &s->max_missing);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, m, "method", w, true, &method);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, m, w, &s->missing_source);
    }
    if (rc < 0) {
        return rc;
    }
    if (strcmp(method, "none") == 0) {
        s->prorate = false;
        if (s->max_missing != 0) {
            return cairn__def_bad(p,
                                  "%smethod 'none' needs max_missing 0, not %d",
                                  w, s->max_missing);
        }
    } else if (strcmp(method, "prorate_mean") == 0) {
        s->prorate = true;
        if (s->max_missing < 1 || (size_t)s->max_missing >= s->n_items) {
            return cairn__def_bad(
                p, "%smax_missing %d must be 1..%zu for prorating", w,
                s->max_missing, s->n_items - 1);
        }
    } else {
        return cairn__def_bad(
            p, "%smethod '%s' is not 'none' or 'prorate_mean'", w, method);
    }
    return CAIRN_OK;
}

static int parse_band(parser *p, json_t *b, const char *where, cairn_band *band)
{
    static const char *const keys[] = {"id",     "label", "min", "max",
                                       "source", "note",  NULL};
    int rc = cairn__def_want_object(p, b, where, "a band");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, b, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, b, "id", where, true, &band->id);
    }
    if (rc == 0 && !cairn__def_is_id(band->id)) {
        rc = cairn__def_bad(p, "%sband id '%s' must use only a-z, 0-9 and _",
                            where, band->id);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, b, "label", where, true, &band->label);
    }
    if (rc == 0) {
        rc = cairn__def_get_number(p, b, "min", where, &band->min);
    }
    if (rc == 0) {
        rc = cairn__def_get_number(p, b, "max", where, &band->max);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, b, where, &band->source);
    }
    return rc;
}

static int parse_bands(parser *p, json_t *arr, const char *where,
                       cairn_scale *s)
{
    if (arr == NULL) {
        return CAIRN_OK;
    }
    if (!json_is_array(arr)) {
        return cairn__def_bad(p, "%s'bands' must be an array", where);
    }
    s->n_bands = json_array_size(arr);
    cairn_band *bands =
        cairn__def_alloc(p->inst, s->n_bands, sizeof(cairn_band));
    if (bands == NULL && s->n_bands > 0) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < s->n_bands; i++) {
        char w[200];
        snprintf(w, sizeof w, "%sband %zu: ", where, i + 1);
        int rc = parse_band(p, json_array_get(arr, i), w, &bands[i]);
        if (rc < 0) {
            return rc;
        }
        const cairn_band *b = &bands[i];
        if (b->min != floor(b->min) || b->max != floor(b->max) ||
            b->min > b->max) {
            return cairn__def_bad(
                p, "%sbounds %g..%g must be whole numbers, min <= max", w,
                b->min, b->max);
        }
        double expect = i == 0 ? s->min : bands[i - 1].max + 1;
        if (b->min > expect) {
            return cairn__def_bad(p, "%sgap: scores %g..%g fall in no band", w,
                                  expect, b->min - 1);
        }
        if (b->min < expect) {
            return cairn__def_bad(
                p,
                "%s'%s' starts at %g and overlaps the range below "
                "it (next free score %g)",
                w, b->id, b->min, expect);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(bands[j].id, b->id) == 0) {
                return cairn__def_bad(p, "%sband id '%s' is used twice", w,
                                      b->id);
            }
        }
    }
    if (s->n_bands > 0 && bands[s->n_bands - 1].max != s->max) {
        return cairn__def_bad(p, "%sbands end at %g but the range ends at %g",
                              where, bands[s->n_bands - 1].max, s->max);
    }
    s->bands = bands;
    return CAIRN_OK;
}

static int parse_reliable_change(parser *p, json_t *rc_obj, const char *where,
                                 cairn_scale *s)
{
    static const char *const keys[] = {
        "sd",   "reliability", "reliability_kind", "points", "sample", "source",
        "note", NULL};
    char w[160];
    snprintf(w, sizeof w, "%sreliable_change: ", where);
    if (rc_obj == NULL) {
        return CAIRN_OK;
    }
    int rc = cairn__def_want_object(p, rc_obj, where, "'reliable_change'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, rc_obj, w, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, rc_obj, w, &s->rc_source);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *sd = json_object_get(rc_obj, "sd");
    json_t *r = json_object_get(rc_obj, "reliability");
    json_t *pts = json_object_get(rc_obj, "points");
    rc = cairn__def_get_string(p, rc_obj, "sample", w, false, &s->rc_sample);
    if (rc == 0 && pts != NULL && !json_is_null(pts)) {
        rc = cairn__def_get_number(p, rc_obj, "points", w, &s->rc_points);
        if (rc == 0 && !(s->rc_points > 0)) {
            return cairn__def_bad(p, "%spoints %g must be positive", w,
                                  s->rc_points);
        }
        s->has_rc_points = rc == 0;
    }
    if (rc < 0) {
        return rc;
    }
    if ((sd == NULL || json_is_null(sd)) && (r == NULL || json_is_null(r))) {
        const char *note = NULL;
        rc = cairn__def_get_string(p, rc_obj, "note", w, true, &note);
        return rc;
    }
    rc = cairn__def_get_number(p, rc_obj, "sd", w, &s->rc_sd);
    if (rc == 0) {
        rc = cairn__def_get_number(p, rc_obj, "reliability", w,
                                   &s->rc_reliability);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, rc_obj, "reliability_kind", w, true,
                                   &s->rc_kind);
    }
    if (rc < 0) {
        return rc;
    }
    if (!(s->rc_sd > 0)) {
        return cairn__def_bad(p, "%ssd %g must be positive", w, s->rc_sd);
    }
    if (!(s->rc_reliability > 0 && s->rc_reliability < 1)) {
        return cairn__def_bad(p, "%sreliability %g must be between 0 and 1", w,
                              s->rc_reliability);
    }
    if (strcmp(s->rc_kind, "internal_consistency") != 0 &&
        strcmp(s->rc_kind, "test_retest") != 0) {
        return cairn__def_bad(
            p,
            "%sreliability_kind '%s' is not internal_consistency "
            "or test_retest",
            w, s->rc_kind);
    }
    s->has_reliable_change = true;
    return CAIRN_OK;
}

static int parse_cutoff(parser *p, json_t *c, const char *where, cairn_scale *s)
{
    static const char *const keys[] = {"value", "case_when", "source", "note",
                                       NULL};
    static const char *const whens[] = {"at_or_above", "above", "at_or_below",
                                        "below"};
    char w[160];
    snprintf(w, sizeof w, "%sclinical_cutoff: ", where);
    if (c == NULL) {
        return CAIRN_OK;
    }
    const char *when = NULL;
    int rc = cairn__def_want_object(p, c, where, "'clinical_cutoff'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, c, w, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_number(p, c, "value", w, &s->cutoff);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, c, "case_when", w, true, &when);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, c, w, &s->cutoff_source);
    }
    if (rc < 0) {
        return rc;
    }
    for (int i = 0; i < 4; i++) {
        if (strcmp(when, whens[i]) == 0) {
            s->case_when = (cairn_case_when)i;
            s->has_cutoff = true;
        }
    }
    if (!s->has_cutoff) {
        return cairn__def_bad(p,
                              "%scase_when '%s' is not at_or_above, above, "
                              "at_or_below or below",
                              w, when);
    }
    if (s->cutoff < s->min || s->cutoff > s->max) {
        return cairn__def_bad(p, "%svalue %g is outside the range %g..%g", w,
                              s->cutoff, s->min, s->max);
    }
    return CAIRN_OK;
}

/* extensions.nhs_talking_therapies: caseness and reliable-change points. */
static int parse_extensions(parser *p, json_t *ext, const char *where,
                            cairn_scale *s)
{
    static const char *const keys[] = {"nhs_talking_therapies", NULL};
    static const char *const tt_keys[] = {"measure",
                                          "caseness_at_or_above",
                                          "reliable_change_points",
                                          "source",
                                          "note",
                                          NULL};
    const char *measure = NULL;
    char w[256];
    if (ext == NULL) {
        return CAIRN_OK;
    }
    snprintf(w, sizeof w, "%sextensions: ", where);
    int rc = cairn__def_want_object(p, ext, where, "'extensions'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, ext, w, keys);
    }
    json_t *tt = json_object_get(ext, "nhs_talking_therapies");
    if (rc < 0 || tt == NULL) {
        return rc;
    }
    snprintf(w, sizeof w, "%sextensions: nhs_talking_therapies: ", where);
    rc = cairn__def_want_object(p, tt, w, "it");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, tt, w, tt_keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, tt, "measure", w, true, &measure);
    }
    if (rc == 0 && strcmp(measure, "depression") != 0 &&
        strcmp(measure, "anxiety") != 0) {
        rc = cairn__def_bad(p, "%smeasure '%s' is not depression or anxiety", w,
                            measure);
    }
    s->nhstt_anxiety = rc == 0 && strcmp(measure, "anxiety") == 0;
    if (rc == 0) {
        rc = cairn__def_get_number(p, tt, "caseness_at_or_above", w,
                                   &s->nhstt_caseness);
    }
    if (rc == 0) {
        rc = cairn__def_get_number(p, tt, "reliable_change_points", w,
                                   &s->nhstt_reliable_change);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, tt, w, &s->nhstt_source);
    }
    if (rc == 0 && !(s->nhstt_reliable_change > 0)) {
        rc = cairn__def_bad(p, "%sreliable_change_points must be positive", w);
    }
    s->has_nhstt = rc == 0;
    return rc;
}

/* Items, multiplier, range and direction of a scale. */
static int parse_scale_core(parser *p, json_t *sc, const char *where,
                            cairn_scale *s)
{
    int *items = NULL;
    const char *dir = NULL;
    int rc = cairn__def_get_int_array(p, json_object_get(sc, "items"), where,
                                      "items", &items, &s->n_items);
    if (rc < 0) {
        return rc;
    }
    s->items = items;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < s->n_items; i++) {
        rc = cairn__def_check_scored_item(p, items[i], where);
        if (rc < 0) {
            return rc;
        }
        for (size_t j = 0; j < i; j++) {
            if (items[j] == items[i]) {
                return cairn__def_bad(p, "%snames item %d twice", where,
                                      items[i]);
            }
        }
        double a, b;
        item_score_range(cairn_instrument_find_item(p->inst, items[i]), &a, &b);
        lo += a;
        hi += b;
    }
    s->multiplier = 1;
    if (json_object_get(sc, "multiplier") != NULL) {
        rc = cairn__def_get_number(p, sc, "multiplier", where, &s->multiplier);
        if (rc == 0 && !(s->multiplier > 0)) {
            rc = cairn__def_bad(p, "%smultiplier %g must be positive", where,
                                s->multiplier);
        }
    }
    json_t *range = json_object_get(sc, "range");
    if (rc == 0 && (!json_is_array(range) || json_array_size(range) != 2 ||
                    !json_is_number(json_array_get(range, 0)) ||
                    !json_is_number(json_array_get(range, 1)))) {
        rc = cairn__def_bad(p, "%s'range' must be [min, max]", where);
    }
    if (rc < 0) {
        return rc;
    }
    s->min = json_number_value(json_array_get(range, 0));
    s->max = json_number_value(json_array_get(range, 1));
    if (s->min != lo * s->multiplier || s->max != hi * s->multiplier) {
        return cairn__def_bad(
            p,
            "%srange %g..%g disagrees with the option scores, "
            "which give %g..%g",
            where, s->min, s->max, lo * s->multiplier, hi * s->multiplier);
    }
    rc = cairn__def_get_string(p, sc, "direction", where, true, &dir);
    if (rc < 0) {
        return rc;
    }
    if (strcmp(dir, "higher_is_worse") == 0) {
        s->direction = CAIRN_HIGHER_IS_WORSE;
    } else if (strcmp(dir, "higher_is_better") == 0) {
        s->direction = CAIRN_HIGHER_IS_BETTER;
    } else {
        return cairn__def_bad(p,
                              "%sdirection '%s' is not higher_is_worse or "
                              "higher_is_better",
                              where, dir);
    }
    return CAIRN_OK;
}

static int parse_scale(parser *p, json_t *sc, size_t i, cairn_scale *s)
{
    static const char *const keys[] = {
        "id",         "label",   "items", "multiplier",      "range",
        "direction",  "missing", "bands", "reliable_change", "clinical_cutoff",
        "extensions", "note",    NULL};
    char where[128];
    snprintf(where, sizeof where, "scale %zu: ", i + 1);
    int rc = cairn__def_want_object(p, sc, where, "a scale");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, sc, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, sc, "id", where, true, &s->id);
    }
    if (rc < 0) {
        return rc;
    }
    if (!cairn__def_is_id(s->id)) {
        return cairn__def_bad(p, "%sid '%s' must use only a-z, 0-9 and _",
                              where, s->id);
    }
    snprintf(where, sizeof where, "scale %s: ", s->id);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(p->inst->scales[j].id, s->id) == 0) {
            return cairn__def_bad(p, "%sid is used twice", where);
        }
    }
    rc = cairn__def_get_string(p, sc, "label", where, true, &s->label);
    if (rc == 0) {
        rc = parse_scale_core(p, sc, where, s);
    }
    if (rc == 0) {
        json_t *m = json_object_get(sc, "missing");
        rc = m == NULL ? cairn__def_bad(p,
                                        "%smissing 'missing' (the missing-data "
                                        "rule)",
                                        where)
                       : parse_missing(p, m, where, s);
    }
    if (rc == 0) {
        rc = parse_bands(p, json_object_get(sc, "bands"), where, s);
    }
    if (rc == 0) {
        rc = parse_reliable_change(p, json_object_get(sc, "reliable_change"),
                                   where, s);
    }
    if (rc == 0) {
        rc = parse_cutoff(p, json_object_get(sc, "clinical_cutoff"), where, s);
    }
    if (rc == 0) {
        rc = parse_extensions(p, json_object_get(sc, "extensions"), where, s);
    }
    return rc;
}

static int parse_scales(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cairn__def_bad(p, "'scales' must be a non-empty array");
    }
    inst->scales =
        cairn__def_alloc(inst, json_array_size(arr), sizeof(cairn_scale));
    if (inst->scales == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        int rc = parse_scale(p, json_array_get(arr, i), i, &inst->scales[i]);
        if (rc < 0) {
            return rc;
        }
        inst->n_scales = i + 1;
    }
    return CAIRN_OK;
}

static int parse_aliases(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (arr == NULL) {
        return CAIRN_OK;
    }
    if (!json_is_array(arr)) {
        return cairn__def_bad(p, "'aliases' must be an array of strings");
    }
    inst->n_aliases = json_array_size(arr);
    inst->aliases = cairn__def_alloc(inst, inst->n_aliases, sizeof(char *));
    if (inst->aliases == NULL && inst->n_aliases > 0) {
        return cairn__def_nomem(p);
    }
    for (size_t i = 0; i < inst->n_aliases; i++) {
        json_t *a = json_array_get(arr, i);
        if (!json_is_string(a) || json_string_length(a) == 0) {
            return cairn__def_bad(p, "alias %zu must be a non-empty string",
                                  i + 1);
        }
        inst->aliases[i] = json_string_value(a);
    }
    return CAIRN_OK;
}

static int parse_licence(parser *p, json_t *lic)
{
    static const char *const keys[] = {"item_text", "statement", "source",
                                       "form",      "note",      NULL};
    const char *source = NULL;
    int rc = cairn__def_want_object(p, lic, "", "'licence'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, lic, "licence: ", keys);
    }
    if (rc == 0 && !json_is_boolean(json_object_get(lic, "item_text"))) {
        rc = cairn__def_bad(p, "licence: 'item_text' must be true or false");
    }
    if (rc == 0) {
        p->inst->text_allowed = json_is_true(json_object_get(lic, "item_text"));
        rc = cairn__def_get_string(p, lic, "statement", "licence: ", true,
                                   &p->inst->licence);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, lic, "form", "licence: ", false,
                                   &p->inst->form);
    }
    if (rc == 0) {
        rc = cairn__def_get_source(p, lic, "licence: ", &source);
    }
    return rc;
}

/* Top-level scalars: format, code, names, recall, instructions. */
static int parse_header(parser *p, json_t *root)
{
    static const char *const keys[] = {
        "format",       "code",           "aliases",  "name",
        "version",      "citations",      "licence",  "recall_period",
        "instructions", "option_sets",    "items",    "scales",
        "risk_items",   "decision_rules", "examples", "notes",
        "about_a_loss", "entry_codes",    NULL};
    cairn_instrument *inst = p->inst;
    int rc = cairn__def_want_object(p, root, "", "the definition");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, root, "", keys);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
        return cairn__def_bad(p, "'format' must be 1");
    }
    rc = cairn__def_get_string(p, root, "code", "", true, &inst->code);
    if (rc == 0 && !cairn__def_is_id(inst->code)) {
        rc = cairn__def_bad(p, "code '%.80s' must use only a-z, 0-9 and _",
                            inst->code);
    }
    /* the store, imports and amends hold a code in 64 bytes */
    if (rc == 0 && strlen(inst->code) > CAIRN_INSTRUMENT_CODE_MAX) {
        rc = cairn__def_bad(p, "code '%.20s...' is longer than %d bytes",
                            inst->code, CAIRN_INSTRUMENT_CODE_MAX);
    }
    json_t *loss = json_object_get(root, "about_a_loss");
    if (rc == 0 && loss != NULL && !json_is_boolean(loss)) {
        rc = cairn__def_bad(p, "'about_a_loss' must be true or false");
    }
    inst->about_a_loss = json_is_true(loss);
    if (rc == 0) {
        rc = cairn__def_get_string(p, root, "name", "", true, &inst->name);
    }
    if (rc == 0) {
        rc =
            cairn__def_get_string(p, root, "version", "", true, &inst->version);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, root, "recall_period", "", true,
                                   &inst->recall);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, root, "instructions", "", false,
                                   &inst->instructions);
    }
    if (rc == 0) {
        rc = parse_aliases(p, json_object_get(root, "aliases"));
    }
    return rc;
}

int cairn__def_parse(parser *p, json_t *root)
{
    int rc = parse_header(p, root);
    if (rc == 0) {
        rc = parse_citations(p, json_object_get(root, "citations"));
    }
    if (rc == 0) {
        rc = parse_licence(p, json_object_get(root, "licence"));
    }
    if (rc == 0 && p->inst->instructions != NULL && !p->inst->text_allowed) {
        rc = cairn__def_bad(p,
                            "has 'instructions' but the licence does not allow "
                            "shipping its text");
    }
    if (rc == 0) {
        rc = parse_option_sets(p, json_object_get(root, "option_sets"));
    }
    if (rc == 0) {
        rc = parse_items(p, json_object_get(root, "items"));
    }
    if (rc == 0) {
        rc = cairn__def_parse_entry(p, json_object_get(root, "entry_codes"));
    }
    if (rc == 0) {
        rc = parse_scales(p, json_object_get(root, "scales"));
    }
    if (rc == 0) {
        rc = cairn__def_parse_risks(p, json_object_get(root, "risk_items"));
    }
    if (rc == 0) {
        rc = cairn__def_parse_rules(p, json_object_get(root, "decision_rules"));
    }
    if (rc == 0) {
        rc = cairn__def_parse_examples(p, json_object_get(root, "examples"));
    }
    return rc;
}
