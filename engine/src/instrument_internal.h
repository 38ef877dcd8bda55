/*
 * instrument_internal.h - what the files that read a definition share
 * (instrument.c, definition.c, definition_rules.c): the instrument's
 * layout, the parsing context and the checked getters that turn a JSON
 * value into a field or a located message.  Never installed.
 */
#ifndef CAIRN_INSTRUMENT_INTERNAL_H
#define CAIRN_INSTRUMENT_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/response.h"
#include "cairn/score.h"
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
    /* "sha256:" and the hex digest of the canonical definition, made on
     * first use (most commands use one or two of the catalog's): once
     * `fp_ready` is set it never changes; `fp_lock` orders the making */
    char fingerprint[8 + CAIRN__SHA256_HEX];
    atomic_bool fp_ready;
    pthread_mutex_t fp_lock;
    bool fp_lock_made;
    const char *code, *name, *version, *instructions, *recall, *licence;
    const char *form; /* licence.form: where a clinic gets the form */
    bool text_allowed;
    bool about_a_loss;  /* its items ask about a loss (grief scales) */
    bool *pack_options; /* per item: option labels from site texts */
    const char *entry_positions, *entry_scores; /* entry_codes, or NULL */
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

/* The definition's "entry_codes" (NULL allowed): required exactly when
 * some option's code differs from its score; then every item's scores are
 * whole and distinct, so an entered score names one option. */
int cairn__def_parse_entry(parser *p, json_t *entry);

/* Zeroed memory for `n` x `size` bytes, freed with the instrument. */
void *cairn__def_alloc(cairn_instrument *inst, size_t n, size_t size);

/* Fill p->err with "<path>: <message>" (CAIRN_EINVAL) and return it. */
int cairn__def_bad(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* CAIRN_ENOMEM with the path. */
int cairn__def_nomem(parser *p);

/* Refuse any key of `obj` not in `allowed` (NULL-terminated). */
int cairn__def_check_keys(parser *p, json_t *obj, const char *where,
                          const char *const *allowed);

/* Refuse `v` unless it is an object; `what` names it. */
int cairn__def_want_object(parser *p, json_t *v, const char *where,
                           const char *what);

/* A non-empty string member (NULL when optional and absent). */
int cairn__def_get_string(parser *p, json_t *obj, const char *key,
                          const char *where, bool required, const char **out);

/* A finite number member. */
int cairn__def_get_number(parser *p, json_t *obj, const char *key,
                          const char *where, double *out);

/* A whole-number member within +-1,000,000. */
int cairn__def_get_int(parser *p, json_t *obj, const char *key,
                       const char *where, int *out);

/* Whether `s` is an id: [a-z0-9_]+. */
bool cairn__def_is_id(const char *s);

/* The "source" member: it must cite a citation id or say "project
 * policy". */
int cairn__def_get_source(parser *p, json_t *obj, const char *where,
                          const char **out);

/* A non-empty array of whole numbers, copied into the arena. */
int cairn__def_get_int_array(parser *p, json_t *arr, const char *where,
                             const char *what, int **out, size_t *n);

/* `number` must name an existing choice (scored) item. */
int cairn__def_check_scored_item(parser *p, int number, const char *where);

/* Sections read by definition_rules.c: risk items, decision rules and
 * worked examples. */
int cairn__def_parse_risks(parser *p, json_t *arr);

int cairn__def_parse_rules(parser *p, json_t *arr);

int cairn__def_parse_examples(parser *p, json_t *arr);

/* Read and check the whole definition into p->inst. */
int cairn__def_parse(parser *p, json_t *root);

#endif
