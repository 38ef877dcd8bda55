/*
 * instrument.c - loading and validating instrument definitions (jansson).
 *
 * The parsed JSON document is kept for the instrument's lifetime: every
 * string the getters return is borrowed from it.  Arrays built from it
 * (options, scales, bands, conditions) come from a small arena freed in one
 * go.  Validation refuses anything a scorer could misread: unknown keys,
 * gaps in item numbers, options without scores, scales naming missing
 * items, ranges that disagree with the option scores, bands with gaps or
 * overlaps, rules without a source.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "internal.h"

typedef struct block {
    struct block *next;
    max_align_t data[];
} block;

typedef struct option_set {
    const char *id;
    size_t n;
    cairn_option *options;
} option_set;

typedef struct rule_body {
    size_t n;
    cairn__condition *conds;
} rule_body;

struct cairn_instrument {
    json_t *root;  /* owns the strings borrowed below */
    json_t *texts; /* site texts, or NULL */
    block *arena;
    char *path;
    char fingerprint[8 + CAIRN__SHA256_HEX];
    const char *code, *name, *version, *instructions, *recall, *licence;
    bool text_allowed;
    size_t n_aliases;
    const char **aliases;
    size_t n_citations;
    const char **citation_ids, **citation_texts;
    size_t n_sets;
    option_set *sets;
    size_t n_items;
    cairn_item *items;
    size_t n_scales;
    cairn_scale *scales;
    size_t n_risks;
    cairn_risk_item *risks;
    cairn__item_test *risk_tests;
    size_t n_rules;
    cairn_rule *rules;
    rule_body *bodies;
    json_t *examples;
};

/* The parsing context: where we are, for messages. */
typedef struct parser {
    cairn_instrument *inst;
    const char *path;
    cairn_error *err;
} parser;

static void *arena_alloc(cairn_instrument *inst, size_t n, size_t size)
{
    if (n != 0 && size > (SIZE_MAX - sizeof(block)) / n) {
        return NULL;
    }
    block *b = calloc(1, sizeof(block) + n * size);
    if (b == NULL) {
        return NULL;
    }
    b->next = inst->arena;
    inst->arena = b;
    return b->data;
}

static int bad(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(parser *p, const char *fmt, ...)
{
    char msg[CAIRN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cairn_error_set(p->err, CAIRN_EINVAL, "%s: %s", p->path, msg);
}

static int nomem(parser *p)
{
    return cairn_error_set(p->err, CAIRN_ENOMEM, "%s: out of memory",
                           p->path);
}

/* Refuse keys outside `allowed` (NULL-terminated). */
static int check_keys(parser *p, json_t *obj, const char *where,
                      const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            return bad(p, "%sunknown key '%s'", where, key);
        }
    }
    return CAIRN_OK;
}

static int want_object(parser *p, json_t *v, const char *where,
                       const char *what)
{
    if (!json_is_object(v)) {
        return bad(p, "%s%s must be an object", where, what);
    }
    return CAIRN_OK;
}

/* A required (or optional) non-empty string member. */
static int get_string(parser *p, json_t *obj, const char *key,
                      const char *where, bool required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required) {
            return bad(p, "%smissing '%s'", where, key);
        }
        return CAIRN_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return bad(p, "%s'%s' must be a non-empty string", where, key);
    }
    *out = json_string_value(v);
    return CAIRN_OK;
}

static int get_number(parser *p, json_t *obj, const char *key,
                      const char *where, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v)) {
        return bad(p, "%s'%s' must be a number", where, key);
    }
    *out = json_number_value(v);
    if (!isfinite(*out)) {
        return bad(p, "%s'%s' must be finite", where, key);
    }
    return CAIRN_OK;
}

static int get_int(parser *p, json_t *obj, const char *key,
                   const char *where, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
        json_integer_value(v) > 1000000) {
        return bad(p, "%s'%s' must be a whole number", where, key);
    }
    *out = (int)json_integer_value(v);
    return CAIRN_OK;
}

/* A word made of [a-z0-9_], as ids must be. */
static bool is_id(const char *s)
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
        return bad(p, "%smissing 'source'", where);
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
            bool left = s == source || !(isalnum((unsigned char)s[-1]) ||
                                         s[-1] == '_');
            bool right = !(isalnum((unsigned char)s[n]) || s[n] == '_');
            if (left && right) {
                return CAIRN_OK;
            }
        }
    }
    return bad(p,
               "%ssource '%.80s' names no citation id of this file and is "
               "not 'project policy'",
               where, source);
}

static int get_source(parser *p, json_t *obj, const char *where,
                      const char **out)
{
    int rc = get_string(p, obj, "source", where, true, out);
    if (rc < 0) {
        return rc;
    }
    return check_source(p, *out, where);
}

/* An array of whole numbers, copied into the arena. */
static int get_int_array(parser *p, json_t *arr, const char *where,
                         const char *what, int **out, size_t *n)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return bad(p, "%s'%s' must be a non-empty array of numbers", where,
                   what);
    }
    *n = json_array_size(arr);
    *out = arena_alloc(p->inst, *n, sizeof(int));
    if (*out == NULL) {
        return nomem(p);
    }
    for (size_t i = 0; i < *n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
            json_integer_value(v) > 1000000) {
            return bad(p, "%s'%s' must hold whole numbers", where, what);
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
        return bad(p, "'citations' must be a non-empty array");
    }
    inst->n_citations = json_array_size(arr);
    inst->citation_ids = arena_alloc(inst, inst->n_citations, sizeof(char *));
    inst->citation_texts =
        arena_alloc(inst, inst->n_citations, sizeof(char *));
    if (inst->citation_ids == NULL || inst->citation_texts == NULL) {
        return nomem(p);
    }
    for (size_t i = 0; i < inst->n_citations; i++) {
        json_t *c = json_array_get(arr, i);
        char where[64];
        snprintf(where, sizeof where, "citation %zu: ", i + 1);
        int rc = want_object(p, c, where, "a citation");
        if (rc == 0) {
            rc = check_keys(p, c, where, keys);
        }
        if (rc == 0) {
            rc = get_string(p, c, "id", where, true, &inst->citation_ids[i]);
        }
        if (rc == 0) {
            rc = get_string(p, c, "text", where, true,
                            &inst->citation_texts[i]);
        }
        if (rc < 0) {
            return rc;
        }
        if (!is_id(inst->citation_ids[i])) {
            return bad(p, "%sid '%s' must use only a-z, 0-9 and _", where,
                       inst->citation_ids[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(inst->citation_ids[j], inst->citation_ids[i]) == 0) {
                return bad(p, "%sid '%s' is used twice", where,
                           inst->citation_ids[i]);
            }
        }
    }
    return CAIRN_OK;
}

static int parse_option(parser *p, json_t *o, const char *where,
                        cairn_option *opt)
{
    static const char *const keys[] = {"code", "score", "label", "loinc",
                                       NULL};
    int rc = want_object(p, o, where, "an option");
    if (rc == 0) {
        rc = check_keys(p, o, where, keys);
    }
    if (rc == 0) {
        rc = get_int(p, o, "code", where, &opt->code);
    }
    if (rc == 0 && json_object_get(o, "score") == NULL) {
        return bad(p, "%soption code %d has no score", where, opt->code);
    }
    if (rc == 0) {
        rc = get_number(p, o, "score", where, &opt->score);
    }
    if (rc == 0) {
        rc = get_string(p, o, "label", where, true, &opt->label);
    }
    if (rc == 0) {
        rc = get_string(p, o, "loinc", where, false, &opt->loinc);
    }
    return rc;
}

static int parse_option_sets(parser *p, json_t *obj)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return bad(p, "'option_sets' must be a non-empty object");
    }
    inst->n_sets = json_object_size(obj);
    inst->sets = arena_alloc(inst, inst->n_sets, sizeof(option_set));
    if (inst->sets == NULL) {
        return nomem(p);
    }
    size_t k = 0;
    const char *id;
    json_t *arr;
    json_object_foreach(obj, id, arr) {
        option_set *set = &inst->sets[k++];
        char where[160];
        snprintf(where, sizeof where, "option set '%.100s': ", id);
        set->id = id;
        if (!json_is_array(arr) || json_array_size(arr) < 2) {
            return bad(p, "%smust be an array of at least two options",
                       where);
        }
        set->n = json_array_size(arr);
        set->options = arena_alloc(inst, set->n, sizeof(cairn_option));
        if (set->options == NULL) {
            return nomem(p);
        }
        for (size_t i = 0; i < set->n; i++) {
            int rc = parse_option(p, json_array_get(arr, i), where,
                                  &set->options[i]);
            if (rc < 0) {
                return rc;
            }
            for (size_t j = 0; j < i; j++) {
                if (set->options[j].code == set->options[i].code) {
                    return bad(p, "%soption code %d is used twice", where,
                               set->options[i].code);
                }
            }
        }
    }
    return CAIRN_OK;
}

static const option_set *find_set(const cairn_instrument *inst,
                                  const char *id)
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
    static const char *const keys[] = {"number", "label", "text", "loinc",
                                       "options", "kind", "min", "max",
                                       "note", NULL};
    char where[64];
    snprintf(where, sizeof where, "item %zu: ", i + 1);
    int rc = want_object(p, it, where, "an item");
    if (rc == 0) {
        rc = check_keys(p, it, where, keys);
    }
    if (rc == 0) {
        rc = get_int(p, it, "number", where, &item->number);
    }
    if (rc < 0) {
        return rc;
    }
    if (item->number != (int)i + 1) {
        return bad(p, "%sitem numbers must run 1..N in order; found %d",
                   where, item->number);
    }
    const char *kind = NULL;
    rc = get_string(p, it, "label", where, true, &item->label);
    if (rc == 0) {
        rc = get_string(p, it, "text", where, false, &item->text);
    }
    if (rc == 0) {
        rc = get_string(p, it, "loinc", where, false, &item->loinc);
    }
    if (rc == 0) {
        rc = get_string(p, it, "kind", where, false, &kind);
    }
    if (rc < 0) {
        return rc;
    }
    if (item->text != NULL && !p->inst->text_allowed) {
        return bad(p, "%shas 'text' but the licence does not allow "
                      "shipping item text",
                   where);
    }
    if (kind == NULL || strcmp(kind, "choice") == 0) {
        const char *set_id = NULL;
        item->kind = CAIRN_ITEM_CHOICE;
        rc = get_string(p, it, "options", where, true, &set_id);
        if (rc < 0) {
            return rc;
        }
        const option_set *set = find_set(p->inst, set_id);
        if (set == NULL) {
            return bad(p, "%soption set '%s' is not defined", where, set_id);
        }
        if (json_object_get(it, "min") || json_object_get(it, "max")) {
            return bad(p, "%s'min' and 'max' are for number items", where);
        }
        item->n_options = set->n;
        item->options = set->options;
        return CAIRN_OK;
    }
    if (strcmp(kind, "number") != 0) {
        return bad(p, "%skind '%s' is not 'choice' or 'number'", where, kind);
    }
    item->kind = CAIRN_ITEM_NUMBER;
    if (json_object_get(it, "options") != NULL) {
        return bad(p, "%sa number item has no options", where);
    }
    rc = get_int(p, it, "min", where, &item->min);
    if (rc == 0) {
        rc = get_int(p, it, "max", where, &item->max);
    }
    if (rc == 0 && item->min > item->max) {
        rc = bad(p, "%smin %d is above max %d", where, item->min, item->max);
    }
    return rc;
}

static int parse_items(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return bad(p, "'items' must be a non-empty array");
    }
    inst->n_items = json_array_size(arr);
    inst->items = arena_alloc(inst, inst->n_items, sizeof(cairn_item));
    if (inst->items == NULL) {
        return nomem(p);
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
static int check_scored_item(parser *p, int number, const char *where)
{
    const cairn_item *item = cairn_instrument_find_item(p->inst, number);
    if (item == NULL) {
        return bad(p, "%snames item %d, which does not exist", where, number);
    }
    if (item->kind != CAIRN_ITEM_CHOICE) {
        return bad(p, "%snames item %d, a number item that is not scored",
                   where, number);
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
    int rc = want_object(p, m, where, "'missing'");
    if (rc == 0) {
        rc = check_keys(p, m, w, keys);
    }
    if (rc == 0) {
        rc = get_int(p, m, "max_missing", w, &s->max_missing);
    }
    if (rc == 0) {
        rc = get_string(p, m, "method", w, true, &method);
    }
    if (rc == 0) {
        rc = get_source(p, m, w, &s->missing_source);
    }
    if (rc < 0) {
        return rc;
    }
    if (strcmp(method, "none") == 0) {
        s->prorate = false;
        if (s->max_missing != 0) {
            return bad(p, "%smethod 'none' needs max_missing 0, not %d", w,
                       s->max_missing);
        }
    } else if (strcmp(method, "prorate_mean") == 0) {
        s->prorate = true;
        if (s->max_missing < 1 || (size_t)s->max_missing >= s->n_items) {
            return bad(p, "%smax_missing %d must be 1..%zu for prorating", w,
                       s->max_missing, s->n_items - 1);
        }
    } else {
        return bad(p, "%smethod '%s' is not 'none' or 'prorate_mean'", w,
                   method);
    }
    return CAIRN_OK;
}

static int parse_band(parser *p, json_t *b, const char *where,
                      cairn_band *band)
{
    static const char *const keys[] = {"id", "label", "min", "max",
                                       "source", "note", NULL};
    int rc = want_object(p, b, where, "a band");
    if (rc == 0) {
        rc = check_keys(p, b, where, keys);
    }
    if (rc == 0) {
        rc = get_string(p, b, "id", where, true, &band->id);
    }
    if (rc == 0 && !is_id(band->id)) {
        rc = bad(p, "%sband id '%s' must use only a-z, 0-9 and _", where,
                 band->id);
    }
    if (rc == 0) {
        rc = get_string(p, b, "label", where, true, &band->label);
    }
    if (rc == 0) {
        rc = get_number(p, b, "min", where, &band->min);
    }
    if (rc == 0) {
        rc = get_number(p, b, "max", where, &band->max);
    }
    if (rc == 0) {
        rc = get_source(p, b, where, &band->source);
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
        return bad(p, "%s'bands' must be an array", where);
    }
    s->n_bands = json_array_size(arr);
    cairn_band *bands = arena_alloc(p->inst, s->n_bands, sizeof(cairn_band));
    if (bands == NULL && s->n_bands > 0) {
        return nomem(p);
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
            return bad(p, "%sbounds %g..%g must be whole numbers, min <= max",
                       w, b->min, b->max);
        }
        double expect = i == 0 ? s->min : bands[i - 1].max + 1;
        if (b->min > expect) {
            return bad(p, "%sgap: scores %g..%g fall in no band", w, expect,
                       b->min - 1);
        }
        if (b->min < expect) {
            return bad(p, "%s'%s' starts at %g and overlaps the range below "
                          "it (next free score %g)",
                       w, b->id, b->min, expect);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(bands[j].id, b->id) == 0) {
                return bad(p, "%sband id '%s' is used twice", w, b->id);
            }
        }
    }
    if (s->n_bands > 0 && bands[s->n_bands - 1].max != s->max) {
        return bad(p, "%sbands end at %g but the range ends at %g", where,
                   bands[s->n_bands - 1].max, s->max);
    }
    s->bands = bands;
    return CAIRN_OK;
}

static int parse_reliable_change(parser *p, json_t *rc_obj,
                                 const char *where, cairn_scale *s)
{
    static const char *const keys[] = {"sd", "reliability",
                                       "reliability_kind", "source", "note",
                                       NULL};
    char w[160];
    snprintf(w, sizeof w, "%sreliable_change: ", where);
    if (rc_obj == NULL) {
        return CAIRN_OK;
    }
    int rc = want_object(p, rc_obj, where, "'reliable_change'");
    if (rc == 0) {
        rc = check_keys(p, rc_obj, w, keys);
    }
    if (rc == 0) {
        rc = get_source(p, rc_obj, w, &s->rc_source);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *sd = json_object_get(rc_obj, "sd");
    json_t *r = json_object_get(rc_obj, "reliability");
    if ((sd == NULL || json_is_null(sd)) && (r == NULL || json_is_null(r))) {
        const char *note = NULL;
        rc = get_string(p, rc_obj, "note", w, true, &note);
        return rc;
    }
    rc = get_number(p, rc_obj, "sd", w, &s->rc_sd);
    if (rc == 0) {
        rc = get_number(p, rc_obj, "reliability", w, &s->rc_reliability);
    }
    if (rc == 0) {
        rc = get_string(p, rc_obj, "reliability_kind", w, true, &s->rc_kind);
    }
    if (rc < 0) {
        return rc;
    }
    if (!(s->rc_sd > 0)) {
        return bad(p, "%ssd %g must be positive", w, s->rc_sd);
    }
    if (!(s->rc_reliability > 0 && s->rc_reliability < 1)) {
        return bad(p, "%sreliability %g must be between 0 and 1", w,
                   s->rc_reliability);
    }
    if (strcmp(s->rc_kind, "internal_consistency") != 0 &&
        strcmp(s->rc_kind, "test_retest") != 0) {
        return bad(p, "%sreliability_kind '%s' is not internal_consistency "
                      "or test_retest",
                   w, s->rc_kind);
    }
    s->has_reliable_change = true;
    return CAIRN_OK;
}

static int parse_cutoff(parser *p, json_t *c, const char *where,
                        cairn_scale *s)
{
    static const char *const keys[] = {"value", "case_when", "source",
                                       "note", NULL};
    static const char *const whens[] = {"at_or_above", "above",
                                        "at_or_below", "below"};
    char w[160];
    snprintf(w, sizeof w, "%sclinical_cutoff: ", where);
    if (c == NULL) {
        return CAIRN_OK;
    }
    const char *when = NULL;
    int rc = want_object(p, c, where, "'clinical_cutoff'");
    if (rc == 0) {
        rc = check_keys(p, c, w, keys);
    }
    if (rc == 0) {
        rc = get_number(p, c, "value", w, &s->cutoff);
    }
    if (rc == 0) {
        rc = get_string(p, c, "case_when", w, true, &when);
    }
    if (rc == 0) {
        rc = get_source(p, c, w, &s->cutoff_source);
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
        return bad(p, "%scase_when '%s' is not at_or_above, above, "
                      "at_or_below or below",
                   w, when);
    }
    if (s->cutoff < s->min || s->cutoff > s->max) {
        return bad(p, "%svalue %g is outside the range %g..%g", w, s->cutoff,
                   s->min, s->max);
    }
    return CAIRN_OK;
}

/* extensions.nhs_talking_therapies: caseness and reliable-change points. */
static int parse_extensions(parser *p, json_t *ext, const char *where,
                            cairn_scale *s)
{
    static const char *const keys[] = {"nhs_talking_therapies", NULL};
    static const char *const tt_keys[] = {"caseness_at_or_above",
                                          "reliable_change_points", "source",
                                          "note", NULL};
    char w[160];
    if (ext == NULL) {
        return CAIRN_OK;
    }
    snprintf(w, sizeof w, "%sextensions: ", where);
    int rc = want_object(p, ext, where, "'extensions'");
    if (rc == 0) {
        rc = check_keys(p, ext, w, keys);
    }
    json_t *tt = json_object_get(ext, "nhs_talking_therapies");
    if (rc < 0 || tt == NULL) {
        return rc;
    }
    snprintf(w, sizeof w, "%sextensions: nhs_talking_therapies: ", where);
    rc = want_object(p, tt, w, "it");
    if (rc == 0) {
        rc = check_keys(p, tt, w, tt_keys);
    }
    if (rc == 0) {
        rc = get_number(p, tt, "caseness_at_or_above", w, &s->nhstt_caseness);
    }
    if (rc == 0) {
        rc = get_number(p, tt, "reliable_change_points", w,
                        &s->nhstt_reliable_change);
    }
    if (rc == 0) {
        rc = get_source(p, tt, w, &s->nhstt_source);
    }
    if (rc == 0 && !(s->nhstt_reliable_change > 0)) {
        rc = bad(p, "%sreliable_change_points must be positive", w);
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
    int rc = get_int_array(p, json_object_get(sc, "items"), where, "items",
                           &items, &s->n_items);
    if (rc < 0) {
        return rc;
    }
    s->items = items;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < s->n_items; i++) {
        rc = check_scored_item(p, items[i], where);
        if (rc < 0) {
            return rc;
        }
        for (size_t j = 0; j < i; j++) {
            if (items[j] == items[i]) {
                return bad(p, "%snames item %d twice", where, items[i]);
            }
        }
        double a, b;
        item_score_range(cairn_instrument_find_item(p->inst, items[i]), &a,
                         &b);
        lo += a;
        hi += b;
    }
    s->multiplier = 1;
    if (json_object_get(sc, "multiplier") != NULL) {
        rc = get_number(p, sc, "multiplier", where, &s->multiplier);
        if (rc == 0 && !(s->multiplier > 0)) {
            rc = bad(p, "%smultiplier %g must be positive", where,
                     s->multiplier);
        }
    }
    json_t *range = json_object_get(sc, "range");
    if (rc == 0 && (!json_is_array(range) || json_array_size(range) != 2 ||
                    !json_is_number(json_array_get(range, 0)) ||
                    !json_is_number(json_array_get(range, 1)))) {
        rc = bad(p, "%s'range' must be [min, max]", where);
    }
    if (rc < 0) {
        return rc;
    }
    s->min = json_number_value(json_array_get(range, 0));
    s->max = json_number_value(json_array_get(range, 1));
    if (s->min != lo * s->multiplier || s->max != hi * s->multiplier) {
        return bad(p, "%srange %g..%g disagrees with the option scores, "
                      "which give %g..%g",
                   where, s->min, s->max, lo * s->multiplier,
                   hi * s->multiplier);
    }
    rc = get_string(p, sc, "direction", where, true, &dir);
    if (rc < 0) {
        return rc;
    }
    if (strcmp(dir, "higher_is_worse") == 0) {
        s->direction = CAIRN_HIGHER_IS_WORSE;
    } else if (strcmp(dir, "higher_is_better") == 0) {
        s->direction = CAIRN_HIGHER_IS_BETTER;
    } else {
        return bad(p, "%sdirection '%s' is not higher_is_worse or "
                      "higher_is_better",
                   where, dir);
    }
    return CAIRN_OK;
}

static int parse_scale(parser *p, json_t *sc, size_t i, cairn_scale *s)
{
    static const char *const keys[] = {
        "id", "label", "items", "multiplier", "range", "direction",
        "missing", "bands", "reliable_change", "clinical_cutoff",
        "extensions", "note", NULL};
    char where[128];
    snprintf(where, sizeof where, "scale %zu: ", i + 1);
    int rc = want_object(p, sc, where, "a scale");
    if (rc == 0) {
        rc = check_keys(p, sc, where, keys);
    }
    if (rc == 0) {
        rc = get_string(p, sc, "id", where, true, &s->id);
    }
    if (rc < 0) {
        return rc;
    }
    if (!is_id(s->id)) {
        return bad(p, "%sid '%s' must use only a-z, 0-9 and _", where, s->id);
    }
    snprintf(where, sizeof where, "scale %s: ", s->id);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(p->inst->scales[j].id, s->id) == 0) {
            return bad(p, "%sid is used twice", where);
        }
    }
    rc = get_string(p, sc, "label", where, true, &s->label);
    if (rc == 0) {
        rc = parse_scale_core(p, sc, where, s);
    }
    if (rc == 0) {
        json_t *m = json_object_get(sc, "missing");
        rc = m == NULL ? bad(p, "%smissing 'missing' (the missing-data "
                                "rule)",
                             where)
                       : parse_missing(p, m, where, s);
    }
    if (rc == 0) {
        rc = parse_bands(p, json_object_get(sc, "bands"), where, s);
    }
    if (rc == 0) {
        rc = parse_reliable_change(
            p, json_object_get(sc, "reliable_change"), where, s);
    }
    if (rc == 0) {
        rc = parse_cutoff(p, json_object_get(sc, "clinical_cutoff"), where,
                          s);
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
        return bad(p, "'scales' must be a non-empty array");
    }
    inst->scales = arena_alloc(inst, json_array_size(arr),
                               sizeof(cairn_scale));
    if (inst->scales == NULL) {
        return nomem(p);
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

/* An item condition: exactly one of the three test keys in `obj`. */
static int parse_test(parser *p, json_t *obj, const char *where,
                      const cairn_item *item, cairn__item_test *t)
{
    json_t *sal = json_object_get(obj, "score_at_least");
    json_t *cal = json_object_get(obj, "code_at_least");
    json_t *cin = json_object_get(obj, "code_in");
    int n = (sal != NULL) + (cal != NULL) + (cin != NULL);
    if (n != 1) {
        return bad(p, "%sneeds exactly one of score_at_least, "
                      "code_at_least, code_in",
                   where);
    }
    if (sal != NULL || cal != NULL) {
        t->kind = sal ? CAIRN__SCORE_AT_LEAST : CAIRN__CODE_AT_LEAST;
        if (item != NULL && item->kind == CAIRN_ITEM_NUMBER &&
            t->kind == CAIRN__SCORE_AT_LEAST) {
            return bad(p, "%sitem %d is a number item: use code_at_least",
                       where, item->number);
        }
        return get_number(p, obj, sal ? "score_at_least" : "code_at_least",
                          where, &t->value);
    }
    int *codes = NULL;
    t->kind = CAIRN__CODE_IN;
    int rc = get_int_array(p, cin, where, "code_in", &codes, &t->n_codes);
    if (rc < 0) {
        return rc;
    }
    t->codes = codes;
    for (size_t i = 0; item != NULL && i < t->n_codes; i++) {
        if (item->kind == CAIRN_ITEM_CHOICE &&
            cairn_item_find_option(item, codes[i]) == NULL) {
            return bad(p, "%scode %d is not an option of item %d", where,
                       codes[i], item->number);
        }
    }
    return CAIRN_OK;
}

static int parse_risk(parser *p, json_t *r, size_t i)
{
    static const char *const keys[] = {"item", "when", "message", "source",
                                       "note", NULL};
    cairn_instrument *inst = p->inst;
    cairn_risk_item *risk = &inst->risks[i];
    char where[64];
    snprintf(where, sizeof where, "risk item %zu: ", i + 1);
    int rc = want_object(p, r, where, "a risk item");
    if (rc == 0) {
        rc = check_keys(p, r, where, keys);
    }
    if (rc == 0) {
        rc = get_int(p, r, "item", where, &risk->item);
    }
    if (rc == 0) {
        rc = check_scored_item(p, risk->item, where);
    }
    if (rc == 0) {
        rc = get_string(p, r, "message", where, true, &risk->message);
    }
    if (rc == 0) {
        rc = get_source(p, r, where, &risk->source);
    }
    json_t *when = json_object_get(r, "when");
    if (rc == 0) {
        rc = want_object(p, when, where, "'when'");
    }
    if (rc == 0) {
        rc = parse_test(p, when, where,
                        cairn_instrument_find_item(inst, risk->item),
                        &inst->risk_tests[i]);
    }
    if (rc == 0) {
        /* Keep the rule in words for people: "score >= 1". */
        char *text = arena_alloc(inst, 96, 1);
        const cairn__item_test *t = &inst->risk_tests[i];
        if (text == NULL) {
            return nomem(p);
        }
        if (t->kind == CAIRN__CODE_IN) {
            size_t off = (size_t)snprintf(text, 96, "code in");
            for (size_t k = 0; k < t->n_codes && off < 90; k++) {
                off += (size_t)snprintf(text + off, 96 - off, " %d",
                                        t->codes[k]);
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

static int parse_risks(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr)) {
        return bad(p, "'risk_items' must be an array (may be empty)");
    }
    inst->n_risks = json_array_size(arr);
    inst->risks = arena_alloc(inst, inst->n_risks, sizeof(cairn_risk_item));
    inst->risk_tests =
        arena_alloc(inst, inst->n_risks, sizeof(cairn__item_test));
    if (inst->risks == NULL || inst->risk_tests == NULL) {
        return nomem(p);
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
        return bad(p, "%sneeds at_least or at_most", where);
    }
    if (cond->has_min) {
        rc = get_number(p, c, "at_least", where, &cond->min);
    }
    if (rc == 0 && cond->has_max) {
        rc = get_number(p, c, "at_most", where, &cond->max);
    }
    return rc;
}

static int parse_count(parser *p, json_t *c, const char *where,
                       cairn__condition *cond)
{
    static const char *const term_keys[] = {
        "items", "score_at_least", "code_at_least", "code_in", NULL};
    json_t *terms = json_object_get(c, "count");
    if (!json_is_array(terms) || json_array_size(terms) == 0) {
        return bad(p, "%s'count' must be a non-empty array of terms", where);
    }
    cond->kind = CAIRN__COND_COUNT;
    cond->n_terms = json_array_size(terms);
    cairn__count_term *t =
        arena_alloc(p->inst, cond->n_terms, sizeof(cairn__count_term));
    if (t == NULL) {
        return nomem(p);
    }
    cond->terms = t;
    for (size_t i = 0; i < cond->n_terms; i++) {
        json_t *term = json_array_get(terms, i);
        int *items = NULL;
        int rc = want_object(p, term, where, "a count term");
        if (rc == 0) {
            rc = check_keys(p, term, where, term_keys);
        }
        if (rc == 0) {
            rc = get_int_array(p, json_object_get(term, "items"), where,
                               "items", &items, &t[i].n_items);
        }
        for (size_t k = 0; rc == 0 && k < t[i].n_items; k++) {
            if (cairn_instrument_find_item(p->inst, items[k]) == NULL) {
                rc = bad(p, "%snames item %d, which does not exist", where,
                         items[k]);
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
        "count", "scale", "item", "at_least", "at_most", "score_at_least",
        "code_at_least", "code_in", NULL};
    int rc = want_object(p, c, where, "a condition");
    if (rc == 0) {
        rc = check_keys(p, c, where, keys);
    }
    if (rc < 0) {
        return rc;
    }
    if (json_object_get(c, "count") != NULL) {
        return parse_count(p, c, where, cond);
    }
    if (json_object_get(c, "scale") != NULL) {
        const char *id = NULL;
        rc = get_string(p, c, "scale", where, true, &id);
        if (rc < 0) {
            return rc;
        }
        const cairn_scale *s = cairn_instrument_find_scale(p->inst, id);
        if (s == NULL) {
            return bad(p, "%snames scale '%s', which does not exist", where,
                       id);
        }
        cond->kind = CAIRN__COND_SCALE;
        cond->scale = cairn__instrument_scale_index(p->inst, s);
        return parse_bounds(p, c, where, cond);
    }
    if (json_object_get(c, "item") != NULL) {
        rc = get_int(p, c, "item", where, &cond->item);
        const cairn_item *item =
            rc == 0 ? cairn_instrument_find_item(p->inst, cond->item) : NULL;
        if (rc == 0 && item == NULL) {
            rc = bad(p, "%snames item %d, which does not exist", where,
                     cond->item);
        }
        cond->kind = CAIRN__COND_ITEM;
        return rc < 0 ? rc : parse_test(p, c, where, item, &cond->test);
    }
    return bad(p, "%sa condition needs 'count', 'scale' or 'item'", where);
}

static int parse_rule(parser *p, json_t *r, size_t i)
{
    static const char *const keys[] = {"id", "label", "text", "source",
                                       "all", "note", NULL};
    cairn_instrument *inst = p->inst;
    cairn_rule *rule = &inst->rules[i];
    char where[160];
    snprintf(where, sizeof where, "decision rule %zu: ", i + 1);
    int rc = want_object(p, r, where, "a decision rule");
    if (rc == 0) {
        rc = check_keys(p, r, where, keys);
    }
    if (rc == 0) {
        rc = get_string(p, r, "id", where, true, &rule->id);
    }
    if (rc == 0 && !is_id(rule->id)) {
        rc = bad(p, "%sid '%s' must use only a-z, 0-9 and _", where,
                 rule->id);
    }
    if (rc < 0) {
        return rc;
    }
    snprintf(where, sizeof where, "decision rule %s: ", rule->id);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(inst->rules[j].id, rule->id) == 0) {
            return bad(p, "%sid is used twice", where);
        }
    }
    rc = get_string(p, r, "label", where, true, &rule->label);
    if (rc == 0) {
        rc = get_string(p, r, "text", where, true, &rule->text);
    }
    if (rc == 0) {
        rc = get_source(p, r, where, &rule->source);
    }
    json_t *all = json_object_get(r, "all");
    if (rc == 0 && (!json_is_array(all) || json_array_size(all) == 0)) {
        rc = bad(p, "%s'all' must be a non-empty array of conditions",
                 where);
    }
    if (rc < 0) {
        return rc;
    }
    rule_body *body = &inst->bodies[i];
    body->n = json_array_size(all);
    body->conds = arena_alloc(inst, body->n, sizeof(cairn__condition));
    if (body->conds == NULL) {
        return nomem(p);
    }
    for (size_t k = 0; k < body->n; k++) {
        rc = parse_condition(p, json_array_get(all, k), where,
                             &body->conds[k]);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

static int parse_rules(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (!json_is_array(arr)) {
        return bad(p, "'decision_rules' must be an array (may be empty)");
    }
    inst->n_rules = json_array_size(arr);
    inst->rules = arena_alloc(inst, inst->n_rules, sizeof(cairn_rule));
    inst->bodies = arena_alloc(inst, inst->n_rules, sizeof(rule_body));
    if (inst->rules == NULL || inst->bodies == NULL) {
        return nomem(p);
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
    static const char *const keys[] = {"source", "responses", "expect",
                                       "note", NULL};
    static const char *const expect_keys[] = {"scales", "flags", "rules",
                                              NULL};
    char where[64];
    const char *source = NULL;
    snprintf(where, sizeof where, "example %zu: ", i + 1);
    int rc = want_object(p, ex, where, "an example");
    if (rc == 0) {
        rc = check_keys(p, ex, where, keys);
    }
    if (rc == 0) {
        rc = get_string(p, ex, "source", where, true, &source);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *resp = json_object_get(ex, "responses");
    if (!json_is_array(resp) || json_array_size(resp) != p->inst->n_items) {
        return bad(p, "%s'responses' must hold %zu entries, one per item",
                   where, p->inst->n_items);
    }
    json_t *expect = json_object_get(ex, "expect");
    rc = want_object(p, expect, where, "'expect'");
    if (rc == 0) {
        rc = check_keys(p, expect, where, expect_keys);
    }
    if (rc == 0 && !json_is_object(json_object_get(expect, "scales"))) {
        rc = bad(p, "%s'expect' needs 'scales'", where);
    }
    return rc;
}

static int parse_examples(parser *p, json_t *arr)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return bad(p, "'examples' must be a non-empty array");
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

static int parse_aliases(parser *p, json_t *arr)
{
    cairn_instrument *inst = p->inst;
    if (arr == NULL) {
        return CAIRN_OK;
    }
    if (!json_is_array(arr)) {
        return bad(p, "'aliases' must be an array of strings");
    }
    inst->n_aliases = json_array_size(arr);
    inst->aliases = arena_alloc(inst, inst->n_aliases, sizeof(char *));
    if (inst->aliases == NULL && inst->n_aliases > 0) {
        return nomem(p);
    }
    for (size_t i = 0; i < inst->n_aliases; i++) {
        json_t *a = json_array_get(arr, i);
        if (!json_is_string(a) || json_string_length(a) == 0) {
            return bad(p, "alias %zu must be a non-empty string", i + 1);
        }
        inst->aliases[i] = json_string_value(a);
    }
    return CAIRN_OK;
}

static int parse_licence(parser *p, json_t *lic)
{
    static const char *const keys[] = {"item_text", "statement", "source",
                                       "note", NULL};
    const char *source = NULL;
    int rc = want_object(p, lic, "", "'licence'");
    if (rc == 0) {
        rc = check_keys(p, lic, "licence: ", keys);
    }
    if (rc == 0 && !json_is_boolean(json_object_get(lic, "item_text"))) {
        rc = bad(p, "licence: 'item_text' must be true or false");
    }
    if (rc == 0) {
        p->inst->text_allowed = json_is_true(json_object_get(lic,
                                                             "item_text"));
        rc = get_string(p, lic, "statement", "licence: ", true,
                        &p->inst->licence);
    }
    if (rc == 0) {
        rc = get_source(p, lic, "licence: ", &source);
    }
    return rc;
}

/* Top-level scalars: format, code, names, recall, instructions. */
static int parse_header(parser *p, json_t *root)
{
    static const char *const keys[] = {
        "format", "code", "aliases", "name", "version", "citations",
        "licence", "recall_period", "instructions", "option_sets", "items",
        "scales", "risk_items", "decision_rules", "examples", "notes", NULL};
    cairn_instrument *inst = p->inst;
    int rc = want_object(p, root, "", "the definition");
    if (rc == 0) {
        rc = check_keys(p, root, "", keys);
    }
    if (rc < 0) {
        return rc;
    }
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
        return bad(p, "'format' must be 1");
    }
    rc = get_string(p, root, "code", "", true, &inst->code);
    if (rc == 0 && !is_id(inst->code)) {
        rc = bad(p, "code '%s' must use only a-z, 0-9 and _", inst->code);
    }
    if (rc == 0) {
        rc = get_string(p, root, "name", "", true, &inst->name);
    }
    if (rc == 0) {
        rc = get_string(p, root, "version", "", true, &inst->version);
    }
    if (rc == 0) {
        rc = get_string(p, root, "recall_period", "", true, &inst->recall);
    }
    if (rc == 0) {
        rc = get_string(p, root, "instructions", "", false,
                        &inst->instructions);
    }
    if (rc == 0) {
        rc = parse_aliases(p, json_object_get(root, "aliases"));
    }
    return rc;
}

static int parse_definition(parser *p, json_t *root)
{
    int rc = parse_header(p, root);
    if (rc == 0) {
        rc = parse_citations(p, json_object_get(root, "citations"));
    }
    if (rc == 0) {
        rc = parse_licence(p, json_object_get(root, "licence"));
    }
    if (rc == 0 && p->inst->instructions != NULL && !p->inst->text_allowed) {
        rc = bad(p, "has 'instructions' but the licence does not allow "
                    "shipping its text");
    }
    if (rc == 0) {
        rc = parse_option_sets(p, json_object_get(root, "option_sets"));
    }
    if (rc == 0) {
        rc = parse_items(p, json_object_get(root, "items"));
    }
    if (rc == 0) {
        rc = parse_scales(p, json_object_get(root, "scales"));
    }
    if (rc == 0) {
        rc = parse_risks(p, json_object_get(root, "risk_items"));
    }
    if (rc == 0) {
        rc = parse_rules(p, json_object_get(root, "decision_rules"));
    }
    if (rc == 0) {
        rc = parse_examples(p, json_object_get(root, "examples"));
    }
    return rc;
}

static int compute_fingerprint(parser *p)
{
    char *canon = json_dumps(p->inst->root, JSON_COMPACT | JSON_SORT_KEYS |
                                                JSON_ENSURE_ASCII);
    char hex[CAIRN__SHA256_HEX + 1];
    if (canon == NULL) {
        return nomem(p);
    }
    int rc = cairn__crypto_sha256_hex(canon, strlen(canon), hex, p->err);
    free(canon);
    if (rc == 0) {
        snprintf(p->inst->fingerprint, sizeof p->inst->fingerprint,
                 "sha256:%s", hex);
    }
    return rc;
}

int cairn_instrument_parse(cairn_instrument **out, const char *buf,
                           size_t len, const char *name, cairn_error *err)
{
    cairn_instrument *inst = NULL;
    json_error_t jerr;
    int rc = CAIRN_OK;
    *out = NULL;
    inst = calloc(1, sizeof *inst);
    if (inst == NULL || (inst->path = strdup(name)) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    inst->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (inst->root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", name,
                             jerr.line, jerr.column, jerr.text);
        goto out;
    }
    parser p = {inst, name, err};
    rc = parse_definition(&p, inst->root);
    if (rc == 0) {
        rc = compute_fingerprint(&p);
    }
    if (rc == 0) {
        *out = inst;
        inst = NULL;
    }
out:
    cairn_instrument_free(inst);
    return rc;
}

int cairn_instrument_load(cairn_instrument **out, const char *path,
                          cairn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cairn__util_read_file(path, &buf, &len, err);
    if (rc == 0) {
        rc = cairn_instrument_parse(out, buf, len, path, err);
    }
    free(buf);
    return rc;
}

void cairn_instrument_free(cairn_instrument *inst)
{
    if (inst == NULL) {
        return;
    }
    while (inst->arena != NULL) {
        block *next = inst->arena->next;
        free(inst->arena);
        inst->arena = next;
    }
    json_decref(inst->root);
    json_decref(inst->texts);
    free(inst->path);
    free(inst);
}

/* ---- site texts ---- */

static int add_item_texts(parser *p, json_t *entry, size_t i)
{
    static const char *const keys[] = {"number", "text", "options", NULL};
    char where[64];
    snprintf(where, sizeof where, "entry %zu: ", i + 1);
    int number = 0;
    int rc = want_object(p, entry, where, "an item text");
    if (rc == 0) {
        rc = check_keys(p, entry, where, keys);
    }
    if (rc == 0) {
        rc = get_int(p, entry, "number", where, &number);
    }
    if (rc < 0) {
        return rc;
    }
    cairn_item *item = number >= 1 && (size_t)number <= p->inst->n_items
                           ? &p->inst->items[number - 1]
                           : NULL;
    if (item == NULL) {
        return bad(p, "%sitem %d does not exist in %s", where, number,
                   p->inst->code);
    }
    rc = get_string(p, entry, "text", where, true, &item->text);
    json_t *opts = json_object_get(entry, "options");
    if (rc < 0 || opts == NULL) {
        return rc;
    }
    if (item->kind != CAIRN_ITEM_CHOICE || !json_is_array(opts) ||
        json_array_size(opts) != item->n_options) {
        return bad(p, "%sitem %d needs %zu option labels", where, number,
                   item->n_options);
    }
    /* Items sharing an option set get their own copy of the options. */
    cairn_option *own = arena_alloc(p->inst, item->n_options,
                                    sizeof(cairn_option));
    if (own == NULL) {
        return nomem(p);
    }
    for (size_t k = 0; k < item->n_options; k++) {
        json_t *label = json_array_get(opts, k);
        own[k] = item->options[k];
        if (!json_is_string(label) || json_string_length(label) == 0) {
            return bad(p, "%sitem %d: option label %zu must be text", where,
                       number, k + 1);
        }
        own[k].label = json_string_value(label);
    }
    item->options = own;
    return CAIRN_OK;
}

int cairn_instrument_add_texts(cairn_instrument *inst, const char *path,
                               cairn_error *err)
{
    static const char *const keys[] = {"instrument", "instructions",
                                       "items", NULL};
    char *buf = NULL;
    size_t len = 0;
    json_error_t jerr;
    json_t *root = NULL;
    parser p = {inst, path, err};
    int rc = cairn__util_read_file(path, &buf, &len, err);
    if (rc < 0) {
        goto out;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", path,
                             jerr.line, jerr.column, jerr.text);
        goto out;
    }
    const char *code = NULL;
    rc = want_object(&p, root, "", "the text file");
    if (rc == 0) {
        rc = check_keys(&p, root, "", keys);
    }
    if (rc == 0) {
        rc = get_string(&p, root, "instrument", "", true, &code);
    }
    if (rc == 0 && strcmp(code, inst->code) != 0) {
        rc = bad(&p, "texts are for '%s', not '%s'", code, inst->code);
    }
    json_t *items = json_object_get(root, "items");
    if (rc == 0 && !json_is_array(items)) {
        rc = bad(&p, "'items' must be an array");
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(items); i++) {
        rc = add_item_texts(&p, json_array_get(items, i), i);
    }
    if (rc == 0) {
        const char *instr = NULL;
        rc = get_string(&p, root, "instructions", "", false, &instr);
        if (instr != NULL) {
            inst->instructions = instr;
        }
    }
    if (rc == 0) {
        json_decref(inst->texts);
        inst->texts = root;
        root = NULL;
    }
out:
    json_decref(root);
    free(buf);
    return rc;
}

/* ---- getters ---- */

const char *cairn_instrument_code(const cairn_instrument *inst)
{
    return inst->code;
}

const char *cairn_instrument_name(const cairn_instrument *inst)
{
    return inst->name;
}

const char *cairn_instrument_version(const cairn_instrument *inst)
{
    return inst->version;
}

const char *cairn_instrument_fingerprint(const cairn_instrument *inst)
{
    return inst->fingerprint;
}

const char *cairn_instrument_instructions(const cairn_instrument *inst)
{
    return inst->instructions;
}

const char *cairn_instrument_recall(const cairn_instrument *inst)
{
    return inst->recall;
}

const char *cairn_instrument_licence(const cairn_instrument *inst)
{
    return inst->licence;
}

bool cairn_instrument_text_allowed(const cairn_instrument *inst)
{
    return inst->text_allowed;
}

const char *cairn_instrument_path(const cairn_instrument *inst)
{
    return inst->path;
}

size_t cairn_instrument_alias_count(const cairn_instrument *inst)
{
    return inst->n_aliases;
}

const char *cairn_instrument_alias(const cairn_instrument *inst, size_t i)
{
    return i < inst->n_aliases ? inst->aliases[i] : NULL;
}

size_t cairn_instrument_citation_count(const cairn_instrument *inst)
{
    return inst->n_citations;
}

const char *cairn_instrument_citation(const cairn_instrument *inst, size_t i,
                                      const char **id)
{
    if (i >= inst->n_citations) {
        return NULL;
    }
    if (id != NULL) {
        *id = inst->citation_ids[i];
    }
    return inst->citation_texts[i];
}

size_t cairn_instrument_item_count(const cairn_instrument *inst)
{
    return inst->n_items;
}

const cairn_item *cairn_instrument_item(const cairn_instrument *inst,
                                        size_t i)
{
    return i < inst->n_items ? &inst->items[i] : NULL;
}

const cairn_item *cairn_instrument_find_item(const cairn_instrument *inst,
                                             int number)
{
    if (number < 1 || (size_t)number > inst->n_items) {
        return NULL;
    }
    return &inst->items[number - 1];
}

const cairn_option *cairn_item_find_option(const cairn_item *item, int code)
{
    for (size_t i = 0; i < item->n_options; i++) {
        if (item->options[i].code == code) {
            return &item->options[i];
        }
    }
    return NULL;
}

size_t cairn_instrument_scale_count(const cairn_instrument *inst)
{
    return inst->n_scales;
}

const cairn_scale *cairn_instrument_scale(const cairn_instrument *inst,
                                          size_t i)
{
    return i < inst->n_scales ? &inst->scales[i] : NULL;
}

const cairn_scale *cairn_instrument_find_scale(const cairn_instrument *inst,
                                               const char *id)
{
    for (size_t i = 0; i < inst->n_scales; i++) {
        if (strcmp(inst->scales[i].id, id) == 0) {
            return &inst->scales[i];
        }
    }
    return NULL;
}

size_t cairn__instrument_scale_index(const cairn_instrument *inst,
                                     const cairn_scale *s)
{
    return (size_t)(s - inst->scales);
}

const cairn_band *cairn_scale_band(const cairn_scale *scale, double score)
{
    for (size_t i = 0; i < scale->n_bands; i++) {
        if (score >= scale->bands[i].min && score <= scale->bands[i].max) {
            return &scale->bands[i];
        }
    }
    return NULL;
}

bool cairn_scale_is_case(const cairn_scale *scale, double score)
{
    if (!scale->has_cutoff) {
        return false;
    }
    switch (scale->case_when) {
    case CAIRN_CASE_AT_OR_ABOVE:
        return score >= scale->cutoff;
    case CAIRN_CASE_ABOVE:
        return score > scale->cutoff;
    case CAIRN_CASE_AT_OR_BELOW:
        return score <= scale->cutoff;
    case CAIRN_CASE_BELOW:
        return score < scale->cutoff;
    }
    return false;
}

size_t cairn_instrument_risk_count(const cairn_instrument *inst)
{
    return inst->n_risks;
}

const cairn_risk_item *cairn_instrument_risk(const cairn_instrument *inst,
                                             size_t i)
{
    return i < inst->n_risks ? &inst->risks[i] : NULL;
}

const cairn__item_test *cairn__instrument_risk_test(
    const cairn_instrument *inst, size_t i)
{
    return &inst->risk_tests[i];
}

size_t cairn_instrument_rule_count(const cairn_instrument *inst)
{
    return inst->n_rules;
}

const cairn_rule *cairn_instrument_rule(const cairn_instrument *inst,
                                        size_t i)
{
    return i < inst->n_rules ? &inst->rules[i] : NULL;
}

const cairn__condition *cairn__instrument_rule_conditions(
    const cairn_instrument *inst, size_t i, size_t *n)
{
    *n = inst->bodies[i].n;
    return inst->bodies[i].conds;
}

json_t *cairn__instrument_examples(const cairn_instrument *inst)
{
    return inst->examples;
}
