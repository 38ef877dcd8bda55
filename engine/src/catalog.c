/*
 * catalog.c - every instrument definition in one folder, found by code or
 * alias, with a site's licensed texts added where the site has them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/response.h"
#include "cairn/score.h"
#include "internal.h"

/* A definition whose worked examples fail: kept in the catalog (so it is
 * listed and its stored assessments stay readable) but refused by
 * cairn_catalog_find, with the failing example in the message. */
typedef struct refusal {
    const cairn_instrument *inst;
    char *message;
} refusal;

struct cairn_catalog {
    size_t n;
    cairn_instrument **items;
    size_t n_refused;
    refusal *refused;
};

/* Code or alias without case, '-', '_' or spaces: "PHQ-9" -> "phq9". */
static void normalize(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s != '\0' && n + 1 < size; s++) {
        if (*s == '-' || *s == '_' || isspace((unsigned char)*s)) {
            continue;
        }
        out[n++] = (char)tolower((unsigned char)*s);
    }
    out[n] = '\0';
}

static bool matches(const cairn_instrument *inst, const char *key)
{
    char buf[128];
    normalize(cairn_instrument_code(inst), buf, sizeof buf);
    if (strcmp(buf, key) == 0) {
        return true;
    }
    for (size_t i = 0; i < cairn_instrument_alias_count(inst); i++) {
        normalize(cairn_instrument_alias(inst, i), buf, sizeof buf);
        if (strcmp(buf, key) == 0) {
            return true;
        }
    }
    return false;
}

static int by_code(const void *a, const void *b)
{
    const cairn_instrument *x = *(cairn_instrument *const *)a;
    const cairn_instrument *y = *(cairn_instrument *const *)b;
    return strcmp(cairn_instrument_code(x), cairn_instrument_code(y));
}

static bool is_definition(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".json") == 0;
}

/* A code or alias of `inst` already used by an earlier instrument. */
static int check_unique(const cairn_catalog *cat, const cairn_instrument *inst,
                        cairn_error *err)
{
    char key[128];
    size_t n_names = cairn_instrument_alias_count(inst) + 1;
    for (size_t k = 0; k < n_names; k++) {
        const char *name = k == 0 ? cairn_instrument_code(inst)
                                  : cairn_instrument_alias(inst, k - 1);
        normalize(name, key, sizeof key);
        for (size_t i = 0; i < cat->n; i++) {
            if (matches(cat->items[i], key)) {
                return cairn_error_set(err, CAIRN_EEXISTS,
                                       "%s: name '%s' is already used by %s",
                                       cairn_instrument_path(inst), name,
                                       cairn_instrument_path(cat->items[i]));
            }
        }
    }
    return CAIRN_OK;
}

static int add_texts(cairn_instrument *inst, const char *texts_dir,
                     cairn_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    if (texts_dir == NULL) {
        return CAIRN_OK;
    }
    snprintf(path, sizeof path, "%s/%s.texts.json", texts_dir,
             cairn_instrument_code(inst));
    if (stat(path, &st) != 0) {
        return CAIRN_OK;
    }
    return cairn_instrument_add_texts(inst, path, err);
}

/* Run `inst`'s worked examples; remember a failure as a refusal. */
static int check_examples(cairn_catalog *cat, const cairn_instrument *inst,
                          cairn_error *err)
{
    cairn_error e = CAIRN_ERROR_INIT;
    int rc = cairn_score_check_examples(inst, NULL, &e);
    if (rc == CAIRN_ENOMEM) {
        return cairn_error_set(err, rc, "%s", e.message);
    }
    if (rc == CAIRN_OK) {
        return CAIRN_OK;
    }
    refusal *grown =
        realloc(cat->refused, (cat->n_refused + 1) * sizeof *grown);
    char *message = strdup(e.message);
    if (grown == NULL || message == NULL) {
        free(message);
        if (grown != NULL) {
            cat->refused = grown;
        }
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    cat->refused = grown;
    cat->refused[cat->n_refused++] = (refusal){inst, message};
    return CAIRN_OK;
}

static int load_one(cairn_catalog *cat, const char *dir, const char *name,
                    const char *texts_dir, cairn_error *err)
{
    char path[PATH_MAX];
    cairn_instrument *inst = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
        sizeof path) {
        return cairn_error_set(err, CAIRN_EIO, "%s/%s: path too long", dir,
                               name);
    }
    int rc = cairn_instrument_load(&inst, path, err);
    if (rc == 0) {
        rc = check_unique(cat, inst, err);
    }
    if (rc == 0) {
        rc = add_texts(inst, texts_dir, err);
    }
    if (rc == 0) {
        rc = check_examples(cat, inst, err);
    }
    if (rc == 0) {
        cairn_instrument **grown =
            realloc(cat->items, (cat->n + 1) * sizeof *grown);
        if (grown == NULL) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        } else {
            cat->items = grown;
            cat->items[cat->n++] = inst;
            inst = NULL;
        }
    }
    cairn_instrument_free(inst);
    return rc;
}

/* The texts folder, when given, must be a folder. */
static int check_texts_dir(const char *texts_dir, cairn_error *err)
{
    struct stat sb;
    bool gone = texts_dir != NULL && stat(texts_dir, &sb) != 0;
    if (texts_dir != NULL && (gone || !S_ISDIR(sb.st_mode))) {
        return cairn_error_set(err, CAIRN_ENOTFOUND,
                               "the texts folder %s %s (set --texts or "
                               "CAIRN_TEXTS)",
                               texts_dir,
                               gone ? "does not exist" : "is not a folder");
    }
    return CAIRN_OK;
}

int cairn_catalog_load(cairn_catalog **out, const char *dir,
                       const char *texts_dir, cairn_error *err)
{
    cairn_catalog *cat = NULL;
    *out = NULL;
    int rc = check_texts_dir(texts_dir, err);
    if (rc < 0) {
        return rc;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return cairn_error_set(err, CAIRN_EIO,
                               "cannot open the instrument folder %s: %s", dir,
                               strerror(errno));
    }
    cat = calloc(1, sizeof *cat);
    if (cat == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (!is_definition(e->d_name)) {
            continue;
        }
        rc = load_one(cat, dir, e->d_name, texts_dir, err);
        if (rc < 0) {
            goto out;
        }
    }
    if (cat->n == 0) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND,
                             "no instrument definitions (*.json) in %s", dir);
        goto out;
    }
    qsort(cat->items, cat->n, sizeof *cat->items, by_code);
    *out = cat;
    cat = NULL;
out:
    cairn_catalog_free(cat);
    closedir(d);
    return rc;
}

/*
 * `name`'s definition from the file named after it, <dir>/<name>.json
 * (the name as cairn_catalog_find compares it), into `cat` unless it is
 * there already; false when no such file holds it, or it does not load
 * (a whole load then says what is wrong, as it would have).
 */
static bool load_named(cairn_catalog *cat, const char *dir, const char *name,
                       const char *texts_dir)
{
    char key[64], file[80];
    struct stat sb;
    normalize(name, key, sizeof key);
    for (size_t i = 0; i < cat->n; i++) {
        if (matches(cat->items[i], key)) {
            return true;
        }
    }
    /* a file name of a-z and 0-9 only (a code's letters): no hidden
     * file, no other folder */
    bool plain = key[0] != '\0';
    for (const char *c = key; *c != '\0'; c++) {
        plain = plain && ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'));
    }
    snprintf(file, sizeof file, "%s.json", key);
    char path[PATH_MAX];
    if (!plain || strlen(name) >= sizeof key ||
        (size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >=
            sizeof path ||
        stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        return false;
    }
    size_t before = cat->n;
    if (load_one(cat, dir, file, texts_dir, NULL) < 0) {
        return false;
    }
    return cat->n == before + 1 && matches(cat->items[before], key);
}

int cairn_catalog_load_named(cairn_catalog **out, const char *dir,
                             const char *texts_dir, const char *const *names,
                             size_t n_names, cairn_error *err)
{
    *out = NULL;
    int rc = check_texts_dir(texts_dir, err);
    DIR *d = rc < 0 ? NULL : opendir(dir);
    bool any = false;
    for (struct dirent *e = d ? readdir(d) : NULL; e != NULL && !any;
         e = readdir(d)) {
        any = is_definition(e->d_name);
    }
    if (d != NULL) {
        closedir(d);
    }
    /* no names: an export of an empty store still lists them all */
    cairn_catalog *cat = any && n_names > 0 ? calloc(1, sizeof *cat) : NULL;
    bool ok = cat != NULL;
    for (size_t i = 0; ok && i < n_names; i++) {
        ok = load_named(cat, dir, names[i], texts_dir);
    }
    if (!ok) {
        /* the folder's errors, and every name of it, as a whole load */
        cairn_catalog_free(cat);
        return rc < 0 ? rc : cairn_catalog_load(out, dir, texts_dir, err);
    }
    qsort(cat->items, cat->n, sizeof *cat->items, by_code);
    *out = cat;
    return CAIRN_OK;
}

void cairn_catalog_free(cairn_catalog *cat)
{
    if (cat == NULL) {
        return;
    }
    for (size_t i = 0; i < cat->n; i++) {
        cairn_instrument_free(cat->items[i]);
    }
    for (size_t i = 0; i < cat->n_refused; i++) {
        free(cat->refused[i].message);
    }
    free(cat->refused);
    free(cat->items);
    free(cat);
}

size_t cairn_catalog_count(const cairn_catalog *cat)
{
    return cat->n;
}

const cairn_instrument *cairn_catalog_get(const cairn_catalog *cat, size_t i)
{
    return i < cat->n ? cat->items[i] : NULL;
}

const char *cairn_catalog_refusal(const cairn_catalog *cat,
                                  const cairn_instrument *inst)
{
    for (size_t i = 0; i < cat->n_refused; i++) {
        if (cat->refused[i].inst == inst) {
            return cat->refused[i].message;
        }
    }
    return NULL;
}

int cairn_catalog_find(const cairn_instrument **out, const cairn_catalog *cat,
                       const char *name, cairn_error *err)
{
    char key[128];
    *out = NULL;
    normalize(name, key, sizeof key);
    for (size_t i = 0; key[0] != '\0' && i < cat->n; i++) {
        if (matches(cat->items[i], key)) {
            const char *why = cairn_catalog_refusal(cat, cat->items[i]);
            if (why != NULL) {
                return cairn_error_set(err, CAIRN_EINVAL, "%s", why);
            }
            *out = cat->items[i];
            return CAIRN_OK;
        }
    }
    char known[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < cat->n && off + 20 < sizeof known; i++) {
        off += (size_t)snprintf(known + off, sizeof known - off, "%s%s",
                                i ? ", " : "",
                                cairn_instrument_code(cat->items[i]));
    }
    char shown[40];
    snprintf(shown, sizeof shown, "%s", name);
    return cairn_error_set(err, CAIRN_ENOTFOUND,
                           "unknown instrument '%s' (known: %s)", shown, known);
}
