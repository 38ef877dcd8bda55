/*
 * instrument.c - an instrument's life: parsing a definition (the reading
 * itself is in definition.c and definition_rules.c), its fingerprint,
 * site texts, the getters, and freeing.
 *
 * The parsed JSON document is kept for the instrument's lifetime: every
 * string the getters return is borrowed from it.  Arrays built from it
 * (options, scales, bands, conditions) come from a small arena freed in
 * one go.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument_internal.h"

void *cairn__def_alloc(cairn_instrument *inst, size_t n, size_t size)
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

/* The fingerprint of `inst` into its buffer: SHA-256 of the definition's
 * canonical form (jansson's compact text with sorted keys, ASCII only). */
static int compute_fingerprint(cairn_instrument *inst, cairn_error *err)
{
    char *canon = json_dumps(inst->root,
                             JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    char hex[CAIRN__SHA256_HEX + 1];
    if (canon == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "%s: out of memory",
                               inst->path);
    }
    int rc = cairn__crypto_sha256_hex(canon, strlen(canon), hex, err);
    free(canon);
    if (rc == 0) {
        snprintf(inst->fingerprint, sizeof inst->fingerprint, "sha256:%s", hex);
    }
    return rc;
}

/*
 * Made on first use, not as the definition is read: every command loads
 * the whole catalog and most use one or two fingerprints (the ten cost
 * about half of the catalog's load).  The definition's JSON never
 * changes once read (site texts are kept apart), so the bytes are those
 * an eager fingerprint had; the lock makes it once when threads ask
 * together, and the flag, set after the text is complete, lets later
 * calls read it without the lock.
 */
int cairn__instrument_fingerprint_get(const cairn_instrument *inst,
                                      const char **out, cairn_error *err)
{
    /* the instrument was allocated writable; only this buffer changes */
    cairn_instrument *in = (cairn_instrument *)inst;
    int rc = CAIRN_OK;
    *out = NULL;
    if (!atomic_load_explicit(&in->fp_ready, memory_order_acquire)) {
        pthread_mutex_lock(&in->fp_lock);
        if (!atomic_load_explicit(&in->fp_ready, memory_order_relaxed)) {
            rc = compute_fingerprint(in, err);
            if (rc == CAIRN_OK) {
                atomic_store_explicit(&in->fp_ready, true,
                                      memory_order_release);
            }
        }
        pthread_mutex_unlock(&in->fp_lock);
    }
    if (rc == CAIRN_OK) {
        *out = in->fingerprint;
    }
    return rc;
}

int cairn_instrument_parse(cairn_instrument **out, const char *buf, size_t len,
                           const char *name, cairn_error *err)
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
    atomic_init(&inst->fp_ready, false);
    if (pthread_mutex_init(&inst->fp_lock, NULL) != 0) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    inst->fp_lock_made = true;
    inst->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (inst->root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", name, jerr.line,
                             jerr.column, jerr.text);
        goto out;
    }
    parser p = {inst, name, err};
    rc = cairn__def_parse(&p, inst->root);
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
    if (inst->fp_lock_made) {
        pthread_mutex_destroy(&inst->fp_lock);
    }
    json_decref(inst->root);
    json_decref(inst->texts);
    free(inst->path);
    free(inst);
}

static int add_item_texts(parser *p, json_t *entry, size_t i)
{
    static const char *const keys[] = {"number", "text", "options", NULL};
    char where[64];
    snprintf(where, sizeof where, "entry %zu: ", i + 1);
    int number = 0;
    int rc = cairn__def_want_object(p, entry, where, "an item text");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, entry, where, keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_int(p, entry, "number", where, &number);
    }
    if (rc < 0) {
        return rc;
    }
    cairn_item *item = number >= 1 && (size_t)number <= p->inst->n_items
                           ? &p->inst->items[number - 1]
                           : NULL;
    if (item == NULL) {
        return cairn__def_bad(p, "%sitem %d does not exist in %s", where,
                              number, p->inst->code);
    }
    rc = cairn__def_get_string(p, entry, "text", where, true, &item->text);
    json_t *opts = json_object_get(entry, "options");
    if (rc < 0 || opts == NULL) {
        return rc;
    }
    if (item->kind != CAIRN_ITEM_CHOICE || !json_is_array(opts) ||
        json_array_size(opts) != item->n_options) {
        return cairn__def_bad(p, "%sitem %d needs %zu option labels", where,
                              number, item->n_options);
    }
    /* Items sharing an option set get their own copy of the options. */
    cairn_option *own =
        cairn__def_alloc(p->inst, item->n_options, sizeof(cairn_option));
    if (own == NULL) {
        return cairn__def_nomem(p);
    }
    for (size_t k = 0; k < item->n_options; k++) {
        json_t *label = json_array_get(opts, k);
        own[k] = item->options[k];
        if (!json_is_string(label) || json_string_length(label) == 0) {
            return cairn__def_bad(p, "%sitem %d: option label %zu must be text",
                                  where, number, k + 1);
        }
        own[k].label = json_string_value(label);
    }
    item->options = own;
    if (p->inst->pack_options == NULL) {
        p->inst->pack_options =
            cairn__def_alloc(p->inst, p->inst->n_items, sizeof(bool));
        if (p->inst->pack_options == NULL) {
            return cairn__def_nomem(p);
        }
    }
    p->inst->pack_options[number - 1] = true;
    return CAIRN_OK;
}

int cairn_instrument_add_texts(cairn_instrument *inst, const char *path,
                               cairn_error *err)
{
    static const char *const keys[] = {"instrument", "instructions", "items",
                                       NULL};
    char *buf = NULL;
    size_t len = 0;
    json_error_t jerr;
    json_t *root = NULL;
    parser p = {inst, path, err};
    /* What the items point at now, put back if this file fails: their
     * texts live in the file's JSON, freed on failure. */
    const char **texts = calloc(inst->n_items + 1, sizeof *texts);
    const cairn_option **opts = calloc(inst->n_items + 1, sizeof *opts);
    const char *instructions = inst->instructions;
    int rc = texts && opts
                 ? CAIRN_OK
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CAIRN_OK && i < inst->n_items; i++) {
        texts[i] = inst->items[i].text;
        opts[i] = inst->items[i].options;
    }
    if (rc == CAIRN_OK) {
        rc = cairn__util_read_file(path, &buf, &len, err);
    }
    if (rc < 0) {
        goto out;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", path, jerr.line,
                             jerr.column, jerr.text);
        goto out;
    }
    const char *code = NULL;
    rc = cairn__def_want_object(&p, root, "", "the text file");
    if (rc == 0) {
        rc = cairn__def_check_keys(&p, root, "", keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(&p, root, "instrument", "", true, &code);
    }
    if (rc == 0 && strcmp(code, inst->code) != 0) {
        rc = cairn__def_bad(&p, "texts are for '%s', not '%s'", code,
                            inst->code);
    }
    json_t *items = json_object_get(root, "items");
    if (rc == 0 && !json_is_array(items)) {
        rc = cairn__def_bad(&p, "'items' must be an array");
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(items); i++) {
        rc = add_item_texts(&p, json_array_get(items, i), i);
    }
    if (rc == 0) {
        const char *instr = NULL;
        rc = cairn__def_get_string(&p, root, "instructions", "", false, &instr);
        if (instr != NULL) {
            inst->instructions = instr;
        }
    }
    if (rc == 0 && inst->texts == NULL &&
        (inst->texts = json_array()) == NULL) {
        rc = cairn__def_nomem(&p);
    }
    /* earlier files stay alive: items they named still point into them */
    if (rc == 0 && json_array_append(inst->texts, root) != 0) {
        rc = cairn__def_nomem(&p);
    }
    if (rc != 0 && texts != NULL && opts != NULL) {
        for (size_t i = 0; i < inst->n_items; i++) {
            inst->items[i].text = texts[i];
            inst->items[i].options = opts[i];
        }
        inst->instructions = instructions;
    }
out:
    json_decref(root);
    free(buf);
    free(texts);
    free(opts);
    return rc;
}

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
    const char *fp = NULL;
    (void)cairn__instrument_fingerprint_get(inst, &fp, NULL);
    return fp;
}

bool cairn_instrument_is_about_a_loss(const cairn_instrument *inst)
{
    return inst->about_a_loss;
}

/* Whether item i can be shown to a client word for word: its text and,
 * for a choice item, its option labels.  Texts in a definition whose
 * licence allows them are the verbatim ones (the file carries only what
 * was checked against the form); a site's text file supplies the rest. */
static bool item_verbatim(const cairn_instrument *inst, size_t i)
{
    const cairn_item *it = &inst->items[i];
    bool options = it->kind != CAIRN_ITEM_CHOICE || inst->text_allowed ||
                   (inst->pack_options != NULL && inst->pack_options[i]);
    return it->text != NULL && options;
}

bool cairn_instrument_client_text(const cairn_instrument *inst,
                                  cairn_client_text *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0, used = 0;
    while (i < inst->n_items) {
        if (item_verbatim(inst, i)) {
            i++;
            continue;
        }
        size_t end = i; /* a run of items without their wording */
        while (end + 1 < inst->n_items && !item_verbatim(inst, end + 1)) {
            end++;
        }
        out->n_missing += end - i + 1;
        int n = end == i
                    ? snprintf(out->items + used, sizeof out->items - used,
                               "%s%zu", used ? ", " : "", i + 1)
                    : snprintf(out->items + used, sizeof out->items - used,
                               "%s%zu-%zu", used ? ", " : "", i + 1, end + 1);
        used += n > 0 ? (size_t)n : 0;
        used = used < sizeof out->items ? used : sizeof out->items - 1;
        i = end + 1;
    }
    out->reason = out->n_missing == 0  ? CAIRN_TEXT_READY
                  : inst->text_allowed ? CAIRN_TEXT_UNVERIFIED
                                       : CAIRN_TEXT_WITHHELD;
    out->form = inst->form;
    return out->n_missing == 0;
}

int cairn_instrument_check_client_text(const cairn_instrument *inst,
                                       cairn_error *err)
{
    cairn_client_text t;
    if (cairn_instrument_client_text(inst, &t)) {
        return CAIRN_OK;
    }
    return cairn_error_set(
        err, CAIRN_ENOTFOUND,
        "%s: the exact wording of item%s %s is not available, so it cannot "
        "be shown to a client (%s)",
        inst->code, t.n_missing == 1 ? "" : "s", t.items,
        t.reason == CAIRN_TEXT_WITHHELD
            ? "its licence keeps the wording out of Cairn"
            : "the shipped wording has not been checked against the "
              "authors' form");
}

bool cairn_instrument_codes_differ(const cairn_instrument *inst)
{
    return inst->entry_positions != NULL;
}

const char *cairn_instrument_entry_positions(const cairn_instrument *inst)
{
    return inst->entry_positions;
}

const char *cairn_instrument_entry_scores(const cairn_instrument *inst)
{
    return inst->entry_scores;
}

const char *cairn_instrument_form(const cairn_instrument *inst)
{
    return inst->form;
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

const cairn_item *cairn_instrument_item(const cairn_instrument *inst, size_t i)
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

const cairn__item_test *
cairn__instrument_risk_test(const cairn_instrument *inst, size_t i)
{
    return &inst->risk_tests[i];
}

size_t cairn_instrument_rule_count(const cairn_instrument *inst)
{
    return inst->n_rules;
}

const cairn_rule *cairn_instrument_rule(const cairn_instrument *inst, size_t i)
{
    return i < inst->n_rules ? &inst->rules[i] : NULL;
}

const cairn__condition *
cairn__instrument_rule_conditions(const cairn_instrument *inst, size_t i,
                                  size_t *n)
{
    *n = inst->bodies[i].n;
    return inst->bodies[i].conds;
}

json_t *cairn__instrument_examples(const cairn_instrument *inst)
{
    return inst->examples;
}
