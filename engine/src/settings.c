/*
 * settings.c - the clinic's parameters and texts (schema version 3):
 * append-only rows in setting_change, the latest per key in force, a NULL
 * value meaning "unset".  Each change is audited under "setting:<row id>"
 * with the row it replaced as `before`.  A store helper: SQLite through
 * store_db.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/settings.h"
#include "store_db.h"

/* Schema that first holds settings. */
#define SETTINGS_SCHEMA 3

/* How a numeric value is checked. */
typedef enum range_kind {
    ANY_NUMBER,
    POSITIVE,
    UNIT_OPEN, /* 0 < x < 1 */
    WHOLE_2    /* whole, at least 2 */
} range_kind;

typedef struct key_kind {
    const char *name;
    range_kind range;
} key_kind;

/* The last part of INSTRUMENT.SCALE.NAME keys. */
static const key_kind scale_keys[] = {
    {"rci_sd", POSITIVE},      {"rci_reliability", UNIT_OPEN},
    {"cutoff", ANY_NUMBER},    {"clinical_mean", ANY_NUMBER},
    {"clinical_sd", POSITIVE}, {"normal_mean", ANY_NUMBER},
    {"normal_sd", POSITIVE},
};

/* The last part of INSTRUMENT.NAME keys (and alerts./model. ones). */
static const key_kind instrument_keys[] = {
    {"no_improvement_weeks", POSITIVE},
    {"min_clients", WHOLE_2},
};

/* Clinic-wide keys. */
static const struct {
    const char *key;
    cairn_setting_type type;
    range_kind range;
} clinic_keys[] = {
    {"alerts.no_improvement_weeks", CAIRN_SETTING_NUMBER, POSITIVE},
    {"model.min_clients", CAIRN_SETTING_NUMBER, WHOLE_2},
    {"clinic.name", CAIRN_SETTING_TEXT, ANY_NUMBER},
    {"client.crisis_message", CAIRN_SETTING_TEXT, ANY_NUMBER},
    {"fhir.system", CAIRN_SETTING_TEXT, ANY_NUMBER},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const key_kind *find_kind(const key_kind *k, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(k[i].name, name) == 0) {
            return &k[i];
        }
    }
    return NULL;
}

/* Letters, digits and '_' only, not empty. */
static bool is_word(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_')) {
            return false;
        }
    }
    return true;
}

/* Split `key` at dots into at most 3 words; the number of parts or -1. */
static int split(const char *key, char parts[3][CAIRN_SETTING_KEY_MAX + 1])
{
    int n = 0;
    const char *p = key;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 3 || len > CAIRN_SETTING_KEY_MAX) {
            return -1;
        }
        memcpy(parts[n], p, len);
        parts[n][len] = '\0';
        if (!is_word(parts[n++])) {
            return -1;
        }
        if (dot == NULL) {
            return n;
        }
        p = dot + 1;
    }
}

static int instrument_part(const char *key, const char *code, const char *scale,
                           const cairn_catalog *cat, cairn_error *err)
{
    const cairn_instrument *inst = NULL;
    if (cat == NULL) {
        return CAIRN_OK;
    }
    if (cairn_catalog_find(&inst, cat, code, NULL) < 0 ||
        strcmp(cairn_instrument_code(inst), code) != 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "'%s': no instrument with code '%s'", key, code);
    }
    if (scale != NULL && cairn_instrument_find_scale(inst, scale) == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL, "'%s': %s has no scale '%s'",
                               key, code, scale);
    }
    return CAIRN_OK;
}

/* The type and range of `key`, or an error. */
static int classify(const char *key, const cairn_catalog *cat,
                    cairn_setting_type *type, range_kind *range,
                    cairn_error *err)
{
    char parts[3][CAIRN_SETTING_KEY_MAX + 1];
    int n =
        key && strlen(key) <= CAIRN_SETTING_KEY_MAX ? split(key, parts) : -1;
    for (size_t i = 0; n > 0 && i < COUNT(clinic_keys); i++) {
        if (strcmp(clinic_keys[i].key, key) == 0) {
            *type = clinic_keys[i].type;
            *range = clinic_keys[i].range;
            return CAIRN_OK;
        }
    }
    const key_kind *k = NULL;
    if (n == 2) {
        k = find_kind(instrument_keys, COUNT(instrument_keys), parts[1]);
    } else if (n == 3) {
        k = find_kind(scale_keys, COUNT(scale_keys), parts[2]);
    }
    if (k == NULL || strcmp(parts[0], "alerts") == 0 ||
        strcmp(parts[0], "model") == 0 || strcmp(parts[0], "clinic") == 0 ||
        strcmp(parts[0], "client") == 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "'%.100s' is not a setting (see 'cairn help "
                               "settings')",
                               key ? key : "");
    }
    *type = CAIRN_SETTING_NUMBER;
    *range = k->range;
    return instrument_part(key, parts[0], n == 3 ? parts[1] : NULL, cat, err);
}

int cairn_settings_check_key(const char *key, const cairn_catalog *cat,
                             cairn_setting_type *type, cairn_error *err)
{
    cairn_setting_type t = CAIRN_SETTING_NUMBER;
    range_kind r = ANY_NUMBER;
    int rc = classify(key, cat, &t, &r, err);
    if (rc == CAIRN_OK && type != NULL) {
        *type = t;
    }
    return rc;
}

/* Check `value` for `key` and write its stored form into `out`. */
static int check_value(const char *key, const char *value,
                       cairn_setting_type type, range_kind range, char *out,
                       size_t cap, cairn_error *err)
{
    size_t len = value ? strlen(value) : 0;
    if (type == CAIRN_SETTING_TEXT) {
        if (len == 0 || len > CAIRN_SETTING_TEXT_MAX ||
            !cairn__store_text_is_clean(value, len, true)) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s: the text must be 1-%d bytes of "
                                   "printable UTF-8",
                                   key, CAIRN_SETTING_TEXT_MAX);
        }
        snprintf(out, cap, "%s", value);
        return CAIRN_OK;
    }
    char *end = NULL;
    errno = 0;
    double v = len > 0 ? strtod(value, &end) : NAN;
    if (len == 0 || errno != 0 || *end != '\0' || !isfinite(v)) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: '%.40s' is not a number",
                               key, value ? value : "");
    }
    if ((range == POSITIVE && !(v > 0)) ||
        (range == WHOLE_2 && !(v >= 2 && v == floor(v) && v < 1e9))) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: %g must be %s", key, v,
                               range == POSITIVE ? "positive"
                                                 : "a whole number, 2 or more");
    }
    if (range == UNIT_OPEN && !(v > 0 && v < 1)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: %g must be between 0 and 1", key, v);
    }
    snprintf(out, cap, "%.15g", v);
    return CAIRN_OK;
}

int cairn__setting_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err)
{
    static const char *const keys[] = {"id", "key", "value", "who", "at"};
    return cairn__store_row_state(st,
                                  "SELECT id, key, value, who, at FROM"
                                  " setting_change WHERE id = ?",
                                  id, keys, 5, out, err);
}

static int need_schema(cairn_store *st, cairn_error *err)
{
    if (st->schema < SETTINGS_SCHEMA) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: schema %d holds no settings (open it "
                               "for writing once to migrate)",
                               st->path, st->schema);
    }
    return CAIRN_OK;
}

/* The row id and value in force for `key` (id 0: none). */
static int current(cairn_store *st, const char *key, int64_t *id, char **value,
                   cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    bool oom = false;
    *id = 0;
    *value = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, value FROM setting_change WHERE key = ?"
                           " ORDER BY id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = CAIRN_OK, step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_type(s, 1) != SQLITE_NULL) {
        *id = sqlite3_column_int64(s, 0);
        *value = cairn__store_col_dup(s, 1, &oom);
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK && oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return rc;
}

/* Append a row (`value` NULL: unset) and its audit entry. */
static int append(cairn_store *st, const char *key, const char *value,
                  int64_t before_id, cairn_error *err)
{
    char now[CAIRN__DATE_MAX], target[64];
    sqlite3_stmt *s = NULL;
    cairn__buf before = CAIRN__BUF_INIT, after = CAIRN__BUF_INIT;
    int rc = before_id > 0 ? cairn__setting_state(st, before_id, &before, err)
                           : CAIRN_OK;
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO setting_change (key, value, who, at)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_now(now);
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        cairn__store_bind_text(s, 2, value);
        sqlite3_bind_text(s, 3, st->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    int64_t id = sqlite3_last_insert_rowid(st->db);
    if (rc == CAIRN_OK) {
        rc = cairn__setting_state(st, id, &after, err);
    }
    if (rc == CAIRN_OK) {
        snprintf(target, sizeof target, "setting:%lld", (long long)id);
        rc = cairn__audit_append(st, value ? "setting.set" : "setting.unset",
                                 target, before_id > 0 ? before.p : NULL,
                                 after.p, err);
    }
    cairn__buf_free(&before);
    cairn__buf_free(&after);
    return rc;
}

/* Set (`value` not NULL) or unset `key` in one transaction. */
static int change(cairn_store *st, const cairn_catalog *cat, const char *key,
                  const char *value, cairn_error *err)
{
    cairn_setting_type type = CAIRN_SETTING_NUMBER;
    range_kind range = ANY_NUMBER;
    char stored[CAIRN_SETTING_TEXT_MAX + 1];
    char *old = NULL;
    int64_t old_id = 0;
    int rc = need_schema(st, err);
    if (rc == CAIRN_OK) {
        rc = classify(key, cat, &type, &range, err);
    }
    if (rc == CAIRN_OK && value != NULL) {
        rc = check_value(key, value, type, range, stored, sizeof stored, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = current(st, key, &old_id, &old, err);
    if (rc == CAIRN_OK && value == NULL && old_id == 0) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "'%s' is not set", key);
    }
    bool same = rc == CAIRN_OK && value != NULL && old != NULL &&
                strcmp(old, stored) == 0;
    if (rc == CAIRN_OK && !same) {
        rc = append(st, key, value ? stored : NULL, old_id, err);
    }
    free(old);
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

int cairn_settings_set(cairn_store *st, const cairn_catalog *cat,
                       const char *key, const char *value, cairn_error *err)
{
    if (value == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s: no value given",
                               key ? key : "");
    }
    return change(st, cat, key, value, err);
}

int cairn_settings_unset(cairn_store *st, const cairn_catalog *cat,
                         const char *key, cairn_error *err)
{
    return change(st, cat, key, NULL, err);
}

/* Fill one list entry from a row (key, value, who, at). */
static void read_row(cairn_setting *it, sqlite3_stmt *s, bool *oom)
{
    range_kind range = ANY_NUMBER;
    it->key = cairn__store_col_dup(s, 0, oom);
    it->text = cairn__store_col_dup(s, 1, oom);
    it->set_by = cairn__store_col_dup(s, 2, oom);
    it->set_at = cairn__store_col_dup(s, 3, oom);
    it->type = CAIRN_SETTING_NUMBER;
    if (it->key != NULL) {
        (void)classify(it->key, NULL, &it->type, &range, NULL);
    }
    it->number = it->type == CAIRN_SETTING_NUMBER && it->text
                     ? strtod(it->text, NULL)
                     : 0;
}

int cairn_settings_list(cairn_settings **out, cairn_store *st, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    bool oom = false;
    int step = SQLITE_DONE, rc = CAIRN_OK;
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (st->schema < SETTINGS_SCHEMA) {
        return CAIRN_OK;
    }
    cairn_settings *l = *out;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT a.key, a.value, a.who, a.at FROM"
                           " setting_change a WHERE a.id = (SELECT max(b.id)"
                           " FROM setting_change b WHERE b.key = a.key)"
                           " AND a.value IS NOT NULL"
                           " ORDER BY a.key COLLATE BINARY",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    while (rc == CAIRN_OK && !oom && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (l->n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_setting *items = realloc(l->items, cap * sizeof *items);
            if (items == NULL) {
                oom = true;
                break;
            }
            l->items = items;
        }
        read_row(&l->items[l->n++], s, &oom);
    }
    if (rc == CAIRN_OK && oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_settings_free(l);
        *out = NULL;
    }
    return rc;
}

void cairn_settings_free(cairn_settings *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        free((void *)s->items[i].key);
        free((void *)s->items[i].text);
        free((void *)s->items[i].set_by);
        free((void *)s->items[i].set_at);
    }
    free(s->items);
    free(s);
}

const cairn_setting *cairn_settings_find(const cairn_settings *s,
                                         const char *key)
{
    size_t lo = 0, hi = s ? s->n : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->items[mid].key, key);
        if (c == 0) {
            return &s->items[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

bool cairn_settings_number(const cairn_settings *s, const char *key,
                           double *out)
{
    const cairn_setting *it = cairn_settings_find(s, key);
    if (it == NULL || it->type != CAIRN_SETTING_NUMBER) {
        return false;
    }
    *out = it->number;
    return true;
}

bool cairn_settings_scale_number(const cairn_settings *s,
                                 const char *instrument, const char *scale,
                                 const char *name, double *out)
{
    char key[3 * CAIRN_SETTING_KEY_MAX];
    if (scale != NULL) {
        snprintf(key, sizeof key, "%s.%s.%s", instrument, scale, name);
    } else {
        snprintf(key, sizeof key, "%s.%s", instrument, name);
    }
    return cairn_settings_number(s, key, out);
}

int cairn_settings_get_text(cairn_store *st, const char *key, char **out,
                            cairn_error *err)
{
    int64_t id = 0;
    *out = NULL;
    if (st->schema < SETTINGS_SCHEMA) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "'%s' is not set",
                               key ? key : "");
    }
    int rc = current(st, key ? key : "", &id, out, err);
    if (rc == CAIRN_OK && id == 0) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "'%s' is not set",
                             key ? key : "");
    }
    return rc;
}

int cairn_settings_get_number(cairn_store *st, const char *key, double *out,
                              cairn_error *err)
{
    cairn_setting_type type = CAIRN_SETTING_NUMBER;
    range_kind range = ANY_NUMBER;
    char *text = NULL;
    int rc = classify(key, NULL, &type, &range, err);
    if (rc == CAIRN_OK && type != CAIRN_SETTING_NUMBER) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "'%s' is text, not a number",
                             key);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_settings_get_text(st, key, &text, err);
    }
    if (rc == CAIRN_OK) {
        *out = strtod(text, NULL);
    }
    free(text);
    return rc;
}

json_t *cairn__settings_parameters_json(const cairn_settings *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        const cairn_setting *it = &s->items[i];
        if (it->type == CAIRN_SETTING_NUMBER) {
            json_array_append_new(
                arr, json_pack("{s:s,s:o}", "key", it->key, "value",
                               cairn__util_json_number(it->number)));
        }
    }
    return arr;
}
