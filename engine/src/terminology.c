/*
 * terminology.c - terminology sidecars: the LOINC codes of an instrument,
 * kept beside its definition (instruments/codes/<code>.codes.json) so
 * that codes never change a scoring fingerprint.  Wraps jansson.
 *
 * Each sidecar's parsed JSON document is kept for its lifetime: every
 * code string handed out is borrowed from it.  A sidecar is checked
 * against the catalog when read, so an export never names an item, an
 * option or a scale the definition does not have.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/terminology.h"
#include "internal.h"

typedef struct code_pair {
    int key;          /* option code */
    const char *id;   /* scale id */
    const char *code; /* the LOINC code */
} code_pair;

struct cairn_codes {
    json_t *root;
    char *path;
    const cairn_instrument *inst;
    char fingerprint[8 + CAIRN__SHA256_HEX];
    const char *panel;
    const char **items; /* by item position, NULL = none */
    size_t n_answers;
    code_pair *answers;
    size_t n_scales;
    code_pair *scales;
};

struct cairn_terminology {
    const cairn_catalog *cat;
    size_t n;
    cairn_codes **items;
};

bool cairn_codes_is_loinc(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 3 || n > 9 || s[n - 2] != '-' || s[n - 1] < '0' || s[n - 1] > '9') {
        return false;
    }
    /* Mod 10 (Luhn) over the digits before the dash. */
    int sum = 0;
    for (size_t i = 0; i < n - 2; i++) {
        char ch = s[n - 3 - i];
        if (ch < '0' || ch > '9') {
            return false;
        }
        int d = ch - '0';
        if (i % 2 == 0) {
            d *= 2;
            d = d > 9 ? d - 9 : d;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10 == s[n - 1] - '0';
}

static bool is_answer_code(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 5 || n > 12 || s[0] != 'L' || s[1] != 'A' || s[n - 2] != '-') {
        return false;
    }
    for (size_t i = 2; i < n; i++) {
        if (i != n - 2 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    return true;
}

static void codes_free(cairn_codes *c)
{
    if (c == NULL) {
        return;
    }
    json_decref(c->root);
    free(c->path);
    free(c->items);
    free(c->answers);
    free(c->scales);
    free(c);
}

int cairn_terminology_new(cairn_terminology **out, const cairn_catalog *cat,
                          cairn_error *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    (*out)->cat = cat;
    return CAIRN_OK;
}

void cairn_terminology_free(cairn_terminology *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        codes_free(t->items[i]);
    }
    free(t->items);
    free(t);
}

/* A group {"loinc": ..., "source": "..."}; the source is required. */
static json_t *group(json_t *root, const char *key, const char *name, int *rc,
                     cairn_error *err)
{
    json_t *g = json_object_get(root, key);
    if (g == NULL || *rc < 0) {
        return NULL;
    }
    json_t *src = json_object_get(g, "source");
    if (!json_is_object(g) || json_object_get(g, "loinc") == NULL ||
        !json_is_string(src) || json_string_length(src) == 0) {
        *rc = cairn_error_set(err, CAIRN_EINVAL,
                              "%s: %s: needs \"loinc\" and a \"source\"", name,
                              key);
        return NULL;
    }
    return json_object_get(g, "loinc");
}

static int bad(cairn_error *err, const char *name, const char *what,
               const char *code)
{
    return cairn_error_set(err, CAIRN_EINVAL,
                           "%s: %s: '%.40s' is not a LOINC code", name, what,
                           code ? code : "");
}

static int read_items(cairn_codes *c, json_t *map, const char *name,
                      cairn_error *err)
{
    const char *key;
    json_t *v;
    size_t n = cairn_instrument_item_count(c->inst);
    c->items = calloc(n ? n : 1, sizeof *c->items);
    if (c->items == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (map == NULL) {
        return CAIRN_OK;
    }
    if (!json_is_object(map)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: items: loinc must map item numbers to "
                               "codes",
                               name);
    }
    json_object_foreach(map, key, v)
    {
        long num = 0;
        if (cairn__util_parse_int(key, strlen(key), &num) < 0 ||
            cairn_instrument_find_item(c->inst, (int)num) == NULL) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: items: item %.20s is not an item "
                                   "of %s",
                                   name, key, cairn_instrument_code(c->inst));
        }
        if (!cairn_codes_is_loinc(json_string_value(v))) {
            return bad(err, name, "items", json_string_value(v));
        }
        for (size_t i = 0; i < n; i++) {
            const cairn_item *it = cairn_instrument_item(c->inst, i);
            if (it->number != (int)num) {
                continue;
            }
            c->items[i] = json_string_value(v);
            if (it->loinc != NULL && strcmp(it->loinc, c->items[i]) != 0) {
                return cairn_error_set(err, CAIRN_EINVAL,
                                       "%s: items: item %d is %s here but "
                                       "%s in the definition",
                                       name, it->number, c->items[i],
                                       it->loinc);
            }
        }
    }
    return CAIRN_OK;
}

static int read_answers(cairn_codes *c, json_t *map, const char *name,
                        cairn_error *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(map)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: answers: loinc must map option codes "
                               "to answer codes",
                               name);
    }
    c->answers = calloc(json_object_size(map) + 1, sizeof *c->answers);
    if (c->answers == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    json_object_foreach(map, key, v)
    {
        long code = 0;
        bool used = false;
        if (cairn__util_parse_int(key, strlen(key), &code) < 0) {
            code = -1000000;
        }
        for (size_t i = 0; i < cairn_instrument_item_count(c->inst); i++) {
            used |= cairn_item_find_option(cairn_instrument_item(c->inst, i),
                                           (int)code) != NULL;
        }
        if (!used) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: answers: option code %.20s is not "
                                   "an option of %s",
                                   name, key, cairn_instrument_code(c->inst));
        }
        if (!is_answer_code(json_string_value(v))) {
            return cairn_error_set(
                err, CAIRN_EINVAL,
                "%s: answers: '%.40s' is not a LOINC "
                "answer code (LA...)",
                name, json_is_string(v) ? json_string_value(v) : "");
        }
        for (size_t i = 0; i < cairn_instrument_item_count(c->inst); i++) {
            const cairn_option *o = cairn_item_find_option(
                cairn_instrument_item(c->inst, i), (int)code);
            if (o != NULL && o->loinc != NULL &&
                strcmp(o->loinc, json_string_value(v)) != 0) {
                return cairn_error_set(err, CAIRN_EINVAL,
                                       "%s: answers: option %ld is %s here "
                                       "but %s in the definition",
                                       name, code, json_string_value(v),
                                       o->loinc);
            }
        }
        c->answers[c->n_answers].key = (int)code;
        c->answers[c->n_answers++].code = json_string_value(v);
    }
    return CAIRN_OK;
}

static int read_scales(cairn_codes *c, json_t *map, const char *name,
                       cairn_error *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(map)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: scales: must map scale ids", name);
    }
    c->scales = calloc(json_object_size(map) + 1, sizeof *c->scales);
    if (c->scales == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    json_object_foreach(map, key, v)
    {
        json_t *code = json_object_get(v, "loinc");
        json_t *src = json_object_get(v, "source");
        if (cairn_instrument_find_scale(c->inst, key) == NULL) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: scales: '%.40s' is not a scale of "
                                   "%s",
                                   name, key, cairn_instrument_code(c->inst));
        }
        if (!json_is_string(src) || json_string_length(src) == 0) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: scales: %s: needs a \"source\"", name,
                                   key);
        }
        if (!cairn_codes_is_loinc(json_string_value(code))) {
            return bad(err, name, "scales", json_string_value(code));
        }
        if (c->panel != NULL &&
            strcmp(c->panel, json_string_value(code)) == 0) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: scales: %s: %s is the panel code, "
                                   "not a score code",
                                   name, key, c->panel);
        }
        c->scales[c->n_scales].id = key;
        c->scales[c->n_scales++].code = json_string_value(code);
    }
    return CAIRN_OK;
}

static int check_keys(json_t *root, const char *name, cairn_error *err)
{
    static const char *const keys[] = {"format", "instrument", "sources",
                                       "panel",  "items",      "answers",
                                       "scales", "notes",      NULL};
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        size_t i = 0;
        while (keys[i] != NULL && strcmp(keys[i], key) != 0) {
            i++;
        }
        if (keys[i] == NULL) {
            return cairn_error_set(err, CAIRN_EINVAL, "%s: unknown key '%.40s'",
                                   name, key);
        }
    }
    if (json_integer_value(json_object_get(root, "format")) != 1) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: \"format\" must be 1",
                               name);
    }
    return CAIRN_OK;
}

static int read_codes(cairn_codes *c, const cairn_catalog *cat,
                      const char *name, cairn_error *err)
{
    json_t *root = c->root;
    int rc = json_is_object(root) ? check_keys(root, name, err)
                                  : cairn_error_set(err, CAIRN_EINVAL,
                                                    "%s: not an object", name);
    const char *code = json_string_value(json_object_get(root, "instrument"));
    if (rc == CAIRN_OK &&
        (code == NULL || cairn_catalog_find(&c->inst, cat, code, NULL) < 0 ||
         strcmp(cairn_instrument_code(c->inst), code) != 0)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "%s: instrument '%.40s' is not in the catalog",
                             name, code ? code : "");
    }
    json_t *panel = group(root, "panel", name, &rc, err);
    if (rc == CAIRN_OK && panel != NULL) {
        c->panel = json_string_value(panel);
        if (!cairn_codes_is_loinc(c->panel)) {
            rc = bad(err, name, "panel", c->panel);
        }
    }
    json_t *items = group(root, "items", name, &rc, err);
    if (rc == CAIRN_OK) {
        rc = read_items(c, items, name, err);
    }
    json_t *answers = group(root, "answers", name, &rc, err);
    if (rc == CAIRN_OK && answers != NULL) {
        rc = read_answers(c, answers, name, err);
    }
    json_t *scales = json_object_get(root, "scales");
    if (rc == CAIRN_OK && scales != NULL) {
        rc = read_scales(c, scales, name, err);
    }
    return rc;
}

static int fingerprint(cairn_codes *c, cairn_error *err)
{
    char hex[CAIRN__SHA256_HEX + 1];
    char *canon =
        json_dumps(c->root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (canon == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn__crypto_sha256_hex(canon, strlen(canon), hex, err);
    free(canon);
    if (rc == CAIRN_OK) {
        snprintf(c->fingerprint, sizeof c->fingerprint, "sha256:%s", hex);
    }
    return rc;
}

int cairn_terminology_parse(cairn_terminology *t, const char *buf, size_t len,
                            const char *name, cairn_error *err)
{
    json_error_t jerr;
    cairn_codes *c = calloc(1, sizeof *c);
    int rc = CAIRN_OK;
    if (c == NULL || (c->path = strdup(name)) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    c->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c->root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", name, jerr.line,
                             jerr.column, jerr.text);
        goto out;
    }
    rc = read_codes(c, t->cat, name, err);
    if (rc == CAIRN_OK &&
        cairn_terminology_find(t, cairn_instrument_code(c->inst)) != NULL) {
        rc = cairn_error_set(err, CAIRN_EEXISTS, "%s: %s already has codes",
                             name, cairn_instrument_code(c->inst));
    }
    if (rc == CAIRN_OK) {
        rc = fingerprint(c, err);
    }
    cairn_codes **grown = NULL;
    if (rc == CAIRN_OK &&
        (grown = realloc(t->items, (t->n + 1) * sizeof *grown)) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK) {
        t->items = grown;
        t->items[t->n++] = c;
        c = NULL;
    }
out:
    codes_free(c);
    return rc;
}

static bool is_sidecar(const char *name)
{
    size_t n = strlen(name);
    return n > 11 && strcmp(name + n - 11, ".codes.json") == 0 &&
           name[0] != '.';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sidecar names in `dir`, sorted so loading order is stable. */
static int list_dir(const char *dir, char ***names, size_t *n, cairn_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (d == NULL) {
        return errno == ENOENT
                   ? CAIRN_OK
                   : cairn_error_set(err, CAIRN_EIO, "%s: cannot open: %s", dir,
                                     strerror(errno));
    }
    int rc = CAIRN_OK;
    while (rc == CAIRN_OK && (e = readdir(d)) != NULL) {
        if (!is_sidecar(e->d_name)) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(*names, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            *names = p;
        }
        if (((*names)[*n] = strdup(e->d_name)) == NULL) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        } else {
            (*n)++;
        }
    }
    closedir(d);
    if (*n > 1) {
        qsort(*names, *n, sizeof **names, by_name);
    }
    return rc;
}

int cairn_terminology_load(cairn_terminology **out, const cairn_catalog *cat,
                           const char *dir, cairn_error *err)
{
    cairn_terminology *t = NULL;
    char **names = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = cairn_terminology_new(&t, cat, err);
    if (rc == CAIRN_OK) {
        rc = list_dir(dir, &names, &n, err);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        char path[4096];
        char *buf = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = cairn__util_read_file(path, &buf, &len, err);
        if (rc == CAIRN_OK) {
            rc = cairn_terminology_parse(t, buf, len, path, err);
        }
        free(buf);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    if (rc < 0) {
        cairn_terminology_free(t);
        return rc;
    }
    *out = t;
    return CAIRN_OK;
}

const cairn_codes *cairn_terminology_find(const cairn_terminology *t,
                                          const char *code)
{
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        if (strcmp(cairn_instrument_code(t->items[i]->inst), code) == 0) {
            return t->items[i];
        }
    }
    return NULL;
}

const char *cairn_codes_fingerprint(const cairn_codes *c)
{
    return c->fingerprint;
}

const char *cairn_codes_path(const cairn_codes *c)
{
    return c->path;
}

const char *cairn_codes_panel(const cairn_codes *c)
{
    return c != NULL ? c->panel : NULL;
}

const char *cairn_codes_item(const cairn_codes *c, int number)
{
    if (c == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < cairn_instrument_item_count(c->inst); i++) {
        if (cairn_instrument_item(c->inst, i)->number == number) {
            return c->items[i];
        }
    }
    return NULL;
}

const char *cairn_codes_answer(const cairn_codes *c, int number, int code)
{
    if (c == NULL) {
        return NULL;
    }
    const cairn_item *it = cairn_instrument_find_item(c->inst, number);
    if (it == NULL || cairn_item_find_option(it, code) == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < c->n_answers; i++) {
        if (c->answers[i].key == code) {
            return c->answers[i].code;
        }
    }
    return NULL;
}

const char *cairn_codes_scale(const cairn_codes *c, const char *id)
{
    for (size_t i = 0; c != NULL && i < c->n_scales; i++) {
        if (strcmp(c->scales[i].id, id) == 0) {
            return c->scales[i].code;
        }
    }
    return NULL;
}
