/*
 * import_map.c - column maps (cairn/import_map.h): a JSON file (read with
 * jansson) saying which of another system's columns holds the client, the
 * date, the instrument and each item, and how its values become option
 * codes.  A map is checked completely when loaded: every key known, every
 * item inside the instrument, every scale one it has.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import_internal.h"
#include "internal.h"
#include "store_internal.h"

#define MAP_NAME_MAX 100

typedef struct loader {
    cairn_import_map *m;
    const cairn_catalog *cat;
    cairn_error *err;
} loader;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
bad(loader *ld, const char *fmt, ...)
{
    char msg[CAIRN_ERROR_MAX - 160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cairn_error_set(ld->err, CAIRN_EPARSE, "%s: %s", ld->m->name, msg);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* A column name: 1-100 bytes of UTF-8 without control bytes. */
static int column_text(loader *ld, const char *key, const char *s, char **out)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > MAP_NAME_MAX ||
        !cairn__store_text_is_clean(s, strlen(s), false)) {
        return bad(ld, "%s: must be a column name (1-%d characters)", key,
                   MAP_NAME_MAX);
    }
    *out = dup_str(s);
    return *out != NULL
               ? CAIRN_OK
               : cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
}

static int column(loader *ld, const char *key, json_t *v, char **out)
{
    return column_text(ld, key, json_string_value(v), out);
}

static int small_int(loader *ld, const char *what, json_t *v, int lo, int hi,
                     int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi) {
        return bad(ld, "%s: must be a whole number in %d..%d", what, lo, hi);
    }
    *out = (int)json_integer_value(v);
    return CAIRN_OK;
}

/* "positions" or "scores" (cairn_entry_parse, the words of --codes). */
static int entry_of(loader *ld, const char *what, json_t *v, cairn_entry *out)
{
    const char *s = json_string_value(v);
    if (s == NULL || cairn_entry_parse(out, s, NULL) < 0) {
        return bad(ld, "%s: must be \"positions\" or \"scores\"", what);
    }
    return CAIRN_OK;
}

static int load_items(loader *ld, json_t *items, int offset)
{
    cairn_import_map *m = ld->m;
    size_t n = json_object_size(items);
    if (!json_is_object(items) || n == 0) {
        return bad(ld, "%s",
                   "items: must map at least one column to an "
                   "item number");
    }
    m->items = calloc(n, sizeof *m->items);
    if (m->items == NULL) {
        return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
    }
    const char *key;
    json_t *v;
    json_object_foreach(items, key, v)
    {
        cairn__map_item *it = &m->items[m->n_items];
        char what[160];
        snprintf(what, sizeof what, "items: '%.100s'", key);
        int rc = column_text(ld, "items", key, &it->column);
        m->n_items++;
        it->offset = offset;
        json_t *num = v;
        if (rc == CAIRN_OK && json_is_object(v)) {
            json_t *off = json_object_get(v, "offset");
            json_t *codes = json_object_get(v, "codes");
            num = json_object_get(v, "item");
            if (json_object_size(v) !=
                (size_t)(1 + (off != NULL) + (codes != NULL))) {
                return bad(ld,
                           "%s: takes only \"item\", \"offset\" and "
                           "\"codes\"",
                           what);
            }
            if (off != NULL) {
                rc = small_int(ld, what, off, -1000, 1000, &it->offset);
            }
            if (rc == CAIRN_OK && codes != NULL) {
                char w[176];
                snprintf(w, sizeof w, "%s: codes", what);
                rc = entry_of(ld, w, codes, &it->codes);
            }
        }
        if (rc == CAIRN_OK) {
            rc = small_int(ld, what, num, 1, 999, &it->item);
        }
        if (rc < 0) {
            return rc;
        }
        if (m->inst != NULL &&
            (size_t)it->item > cairn_instrument_item_count(m->inst)) {
            return bad(ld, "%s -> %d: %s has items 1..%zu", what, it->item,
                       cairn_instrument_code(m->inst),
                       cairn_instrument_item_count(m->inst));
        }
        for (size_t k = 0; k + 1 < m->n_items; k++) {
            if (m->items[k].item == it->item) {
                return bad(ld,
                           "items: item %d is mapped from both '%s' and "
                           "'%s'",
                           it->item, m->items[k].column, it->column);
            }
        }
    }
    return CAIRN_OK;
}

static int load_totals(loader *ld, json_t *totals)
{
    cairn_import_map *m = ld->m;
    size_t n = json_object_size(totals);
    if (!json_is_object(totals)) {
        return bad(ld, "%s", "totals: must map columns to scale ids");
    }
    if (m->inst == NULL && n > 0) {
        return bad(ld, "%s", "totals: need a fixed \"instrument\"");
    }
    m->totals = calloc(n ? n : 1, sizeof *m->totals);
    if (m->totals == NULL) {
        return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
    }
    const char *key;
    json_t *v;
    json_object_foreach(totals, key, v)
    {
        cairn__map_total *t = &m->totals[m->n_totals++];
        int rc = column_text(ld, "totals", key, &t->column);
        const char *scale = json_string_value(v);
        if (rc < 0) {
            return rc;
        }
        if (scale == NULL ||
            cairn_instrument_find_scale(m->inst, scale) == NULL) {
            return bad(ld, "totals: '%.100s': %s has no scale '%.60s'", key,
                       cairn_instrument_code(m->inst),
                       scale != NULL ? scale : "?");
        }
        t->scale = dup_str(scale);
        if (t->scale == NULL) {
            return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
        }
    }
    return CAIRN_OK;
}

static int load_unscored(loader *ld, json_t *un)
{
    cairn_import_map *m = ld->m;
    size_t n = json_object_size(un);
    if (!json_is_object(un)) {
        return bad(ld, "%s", "unscored: must map columns to lists of codes");
    }
    m->unscored = calloc(n ? n : 1, sizeof *m->unscored);
    if (m->unscored == NULL) {
        return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
    }
    const char *key;
    json_t *v;
    json_object_foreach(un, key, v)
    {
        cairn__map_unscored *u = &m->unscored[m->n_unscored++];
        int rc = column_text(ld, "unscored", key, &u->column);
        if (rc < 0) {
            return rc;
        }
        size_t k = json_array_size(v);
        if (!json_is_array(v) || k == 0 || k > 100) {
            return bad(ld, "unscored: '%.100s': must list 1-100 codes", key);
        }
        u->codes = calloc(k, sizeof *u->codes);
        if (u->codes == NULL) {
            return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < k; i++) {
            rc = small_int(ld, "unscored codes", json_array_get(v, i), -1000000,
                           1000000, &u->codes[i]);
            if (rc < 0) {
                return rc;
            }
            u->n++;
        }
    }
    return CAIRN_OK;
}

static int load_identifiers(loader *ld, json_t *ids)
{
    cairn_import_map *m = ld->m;
    size_t n = json_array_size(ids);
    if (!json_is_array(ids)) {
        return bad(ld, "%s", "identifiers: must list column names");
    }
    m->identifiers = calloc(n ? n : 1, sizeof *m->identifiers);
    if (m->identifiers == NULL) {
        return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int rc = column(ld, "identifiers", json_array_get(ids, i),
                        &m->identifiers[m->n_identifiers]);
        if (rc < 0) {
            return rc;
        }
        m->n_identifiers++;
    }
    return CAIRN_OK;
}

static int load_events(loader *ld, json_t *ev)
{
    cairn_import_map *m = ld->m;
    json_t *days = json_object_get(ev, "days");
    if (!json_is_object(ev) || json_object_size(ev) != 2 ||
        !json_is_object(days) || json_object_size(days) == 0) {
        return bad(ld, "%s",
                   "event_dates: must be {\"anchor\": COLUMN, "
                   "\"days\": {EVENT: N, ...}}");
    }
    int rc = column(ld, "event_dates: anchor", json_object_get(ev, "anchor"),
                    &m->anchor);
    if (rc < 0) {
        return rc;
    }
    m->events = calloc(json_object_size(days), sizeof *m->events);
    if (m->events == NULL) {
        return cairn_error_set(ld->err, CAIRN_ENOMEM, "out of memory");
    }
    const char *key;
    json_t *v;
    json_object_foreach(days, key, v)
    {
        cairn__map_event *e = &m->events[m->n_events++];
        rc = column_text(ld, "event_dates: days", key, &e->event);
        if (rc == CAIRN_OK) {
            rc = small_int(ld, "event_dates: days", v, -36500, 36500, &e->days);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

static int load_codes(loader *ld, json_t *v)
{
    ld->m->codes = CAIRN_ENTRY_UNSAID;
    return v == NULL ? CAIRN_OK : entry_of(ld, "codes", v, &ld->m->codes);
}

static int load_instrument(loader *ld, json_t *root)
{
    cairn_import_map *m = ld->m;
    json_t *fixed = json_object_get(root, "instrument");
    json_t *col = json_object_get(root, "instrument_column");
    if ((fixed == NULL) == (col == NULL)) {
        return bad(ld, "%s",
                   "give either \"instrument\" (one for every "
                   "row) or \"instrument_column\"");
    }
    if (col != NULL) {
        return column(ld, "instrument_column", col, &m->instrument_column);
    }
    const char *code = json_string_value(fixed);
    cairn_error e = CAIRN_ERROR_INIT;
    if (code == NULL) {
        return bad(ld, "%s", "instrument: must be an instrument code");
    }
    if (cairn_catalog_find(&m->inst, ld->cat, code, &e) < 0) {
        return cairn_error_set(ld->err, e.code, "%s: instrument: %s", m->name,
                               e.message);
    }
    return CAIRN_OK;
}

/* A column the map lists as identifying is never read as anything. */
static int identifiers_unread(loader *ld)
{
    const cairn_import_map *m = ld->m;
    for (size_t i = 0; i < m->n_identifiers; i++) {
        const char *id = m->identifiers[i];
        bool read = strcmp(id, m->client) == 0 ||
                    (m->date != NULL && strcmp(id, m->date) == 0) ||
                    (m->anchor != NULL && strcmp(id, m->anchor) == 0);
        for (size_t k = 0; k < m->n_items; k++) {
            read = read || strcmp(id, m->items[k].column) == 0;
        }
        for (size_t k = 0; k < m->n_totals; k++) {
            read = read || strcmp(id, m->totals[k].column) == 0;
        }
        if (read) {
            return bad(ld,
                       "identifiers: '%s' identifies a person, so it "
                       "cannot also be read",
                       id);
        }
    }
    return CAIRN_OK;
}

static int load_root(loader *ld, json_t *root)
{
    static const char *const keys[] = {
        "client",   "date",        "instrument", "instrument_column",
        "items",    "offset",      "codes",      "totals",
        "unscored", "identifiers", "form",       "event_dates",
        "about"};
    cairn_import_map *m = ld->m;
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        return bad(ld, "%s", "a map is a JSON object");
    }
    json_object_foreach(root, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            known = known || strcmp(key, keys[i]) == 0;
        }
        if (!known) {
            return bad(ld, "unknown key '%.60s'", key);
        }
    }
    int offset = 0, rc = load_instrument(ld, root);
    if (rc == CAIRN_OK) {
        rc = column(ld, "client", json_object_get(root, "client"), &m->client);
    }
    if (rc == CAIRN_OK && json_object_get(root, "date") != NULL) {
        rc = column(ld, "date", json_object_get(root, "date"), &m->date);
    }
    if (rc == CAIRN_OK && json_object_get(root, "form") != NULL) {
        rc = column(ld, "form", json_object_get(root, "form"), &m->form);
    }
    if (rc == CAIRN_OK && json_object_get(root, "offset") != NULL) {
        rc = small_int(ld, "offset", json_object_get(root, "offset"), -1000,
                       1000, &offset);
    }
    if (rc == CAIRN_OK) {
        rc = load_codes(ld, json_object_get(root, "codes"));
    }
    if (rc == CAIRN_OK) {
        rc = load_items(ld, json_object_get(root, "items"), offset);
    }
    if (rc == CAIRN_OK && json_object_get(root, "totals") != NULL) {
        rc = load_totals(ld, json_object_get(root, "totals"));
    }
    if (rc == CAIRN_OK && json_object_get(root, "unscored") != NULL) {
        rc = load_unscored(ld, json_object_get(root, "unscored"));
    }
    if (rc == CAIRN_OK && json_object_get(root, "identifiers") != NULL) {
        rc = load_identifiers(ld, json_object_get(root, "identifiers"));
    }
    if (rc == CAIRN_OK && json_object_get(root, "event_dates") != NULL) {
        rc = load_events(ld, json_object_get(root, "event_dates"));
    }
    if (rc == CAIRN_OK) {
        rc = identifiers_unread(ld);
    }
    if (rc == CAIRN_OK && m->date == NULL && m->anchor == NULL) {
        return bad(ld, "%s", "give \"date\" (a column) or \"event_dates\"");
    }
    return rc;
}

int cairn_import_map_parse(cairn_import_map **out, const char *buf, size_t len,
                           const char *name, const cairn_catalog *cat,
                           cairn_error *err)
{
    json_error_t je;
    *out = NULL;
    cairn_import_map *m = calloc(1, sizeof *m);
    if (m == NULL || (m->name = dup_str(name)) == NULL) {
        free(m);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    loader ld = {m, cat, err};
    int rc;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        rc = cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", name, je.line,
                             je.column, je.text);
    } else {
        rc = load_root(&ld, root);
    }
    json_decref(root);
    if (rc < 0) {
        cairn_import_map_free(m);
        return rc;
    }
    *out = m;
    return CAIRN_OK;
}

int cairn_import_map_load(cairn_import_map **out, const char *path,
                          const cairn_catalog *cat, cairn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cairn__util_read_file(path, &buf, &len, err);
    if (rc == CAIRN_OK) {
        rc = cairn_import_map_parse(out, buf, len, path, cat, err);
    }
    free(buf);
    return rc;
}

void cairn_import_map_free(cairn_import_map *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n_items; i++) {
        free(m->items[i].column);
    }
    for (size_t i = 0; i < m->n_totals; i++) {
        free(m->totals[i].column);
        free(m->totals[i].scale);
    }
    for (size_t i = 0; i < m->n_unscored; i++) {
        free(m->unscored[i].column);
        free(m->unscored[i].codes);
    }
    for (size_t i = 0; i < m->n_identifiers; i++) {
        free(m->identifiers[i]);
    }
    for (size_t i = 0; i < m->n_events; i++) {
        free(m->events[i].event);
    }
    free(m->items);
    free(m->totals);
    free(m->unscored);
    free(m->identifiers);
    free(m->events);
    free(m->anchor);
    free(m->name);
    free(m->client);
    free(m->date);
    free(m->instrument_column);
    free(m->form);
    free(m);
}

const cairn_instrument *cairn_import_map_instrument(const cairn_import_map *m)
{
    return m->inst;
}

const char *cairn_import_map_form(const cairn_import_map *m)
{
    return m->form;
}

cairn_entry cairn__map_entry(const cairn_import_map *m, int item,
                             cairn_entry file)
{
    for (size_t k = 0; m != NULL && k < m->n_items; k++) {
        if (m->items[k].item == item &&
            m->items[k].codes != CAIRN_ENTRY_UNSAID) {
            return m->items[k].codes;
        }
    }
    return m != NULL && m->codes != CAIRN_ENTRY_UNSAID ? m->codes : file;
}

bool cairn__map_entry_check(const cairn_import_map *m,
                            const cairn_instrument *inst, cairn_entry file,
                            char *why, size_t size)
{
    const char *code = cairn_instrument_code(inst);
    char where[160];
    if (!cairn_instrument_codes_differ(inst)) {
        return true;
    }
    if (m == NULL && file == CAIRN_ENTRY_UNSAID) {
        snprintf(where, sizeof where, "columns item1..item%zu",
                 cairn_instrument_item_count(inst));
    } else if (m == NULL) {
        return true;
    } else {
        size_t k = 0;
        while (k < m->n_items && cairn__map_entry(m, m->items[k].item, file) !=
                                     CAIRN_ENTRY_UNSAID) {
            k++;
        }
        if (k == m->n_items) {
            return true;
        }
        snprintf(where, sizeof where, "column '%s' (%s item %d)",
                 m->items[k].column, code, m->items[k].item);
    }
    snprintf(why, size,
             "%s: %s's answer codes are not its item scores: say which the "
             "file holds, --codes positions (%s) or --codes scores (%s)%s",
             where, code, cairn_instrument_entry_positions(inst),
             cairn_instrument_entry_scores(inst),
             m != NULL ? ", or \"codes\" in the map" : "");
    return false;
}

bool cairn__map_code(const cairn_instrument *inst, int item, int value,
                     cairn_entry entry, int *code, char *msg, size_t size)
{
    const cairn_item *it = cairn_instrument_item(inst, (size_t)item - 1);
    if (it->kind != CAIRN_ITEM_CHOICE || entry != CAIRN_ENTRY_SCORES) {
        *code = value;
        return true;
    }
    for (size_t k = 0; k < it->n_options; k++) {
        if (it->options[k].score == (double)value) {
            *code = it->options[k].code;
            return true;
        }
    }
    snprintf(msg, size, "item %d: no answer of %s scores %d", item,
             cairn_instrument_code(inst), value);
    return false;
}

/* ------------------------------------------------------------------ */
/* A map over a file's header and rows (for import.c)                  */

static int find_col(const cairn__span *names, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++) {
        if (cairn__import_name_is(names[i].s, names[i].n, want)) {
            return (int)i;
        }
    }
    return -1;
}

static bool need_col(int *col, const cairn__span *names, size_t n,
                     const char *want, const char *what, char *why, size_t size)
{
    *col = find_col(names, n, want);
    if (*col < 0) {
        snprintf(why, size, "the map's %s column '%s' is not in the header",
                 what, want);
        return false;
    }
    return true;
}

int cairn__map_columns(cairn__map_cols *mc, const cairn__import_rules *r,
                       const cairn__span *names, size_t n, char *why,
                       size_t size)
{
    const cairn_import_map *m = r->map;
    memset(mc, 0, sizeof *mc);
    mc->ncols = n;
    mc->item_of = calloc(n + 1, sizeof *mc->item_of);
    mc->offset_of = calloc(n + 1, sizeof *mc->offset_of);
    mc->total_col = calloc(m->n_totals + 1, sizeof *mc->total_col);
    if (mc->item_of == NULL || mc->offset_of == NULL || mc->total_col == NULL) {
        return CAIRN_ENOMEM;
    }
    bool ok = need_col(&mc->client, names, n, m->client, "client", why, size);
    mc->date = m->date != NULL ? find_col(names, n, m->date) : -1;
    if (ok && m->date != NULL && mc->date < 0 && m->anchor == NULL) {
        ok = need_col(&mc->date, names, n, m->date, "date", why, size);
    }
    mc->instrument = -1;
    if (ok && m->instrument_column != NULL) {
        ok = need_col(&mc->instrument, names, n, m->instrument_column,
                      "instrument", why, size);
    }
    for (size_t k = 0; ok && k < m->n_items; k++) {
        int col = -1;
        ok = need_col(&col, names, n, m->items[k].column, "item", why, size);
        if (ok) {
            mc->item_of[col] = m->items[k].item;
            mc->offset_of[col] = m->items[k].offset;
        }
    }
    for (size_t k = 0; ok && k < m->n_totals; k++) {
        ok = need_col(&mc->total_col[k], names, n, m->totals[k].column, "total",
                      why, size);
    }
    mc->event = find_col(names, n, "redcap_event_name");
    mc->repeat =
        r->redcap ? find_col(names, n, "redcap_repeat_instrument") : -1;
    mc->complete = -1;
    if (r->redcap && r->form != NULL) {
        char name[160];
        snprintf(name, sizeof name, "%s_complete", r->form);
        mc->complete = find_col(names, n, name);
    }
    mc->anchor = -1;
    if (ok && m->anchor != NULL) {
        ok = need_col(&mc->anchor, names, n, m->anchor, "event_dates anchor",
                      why, size);
        if (ok && mc->event < 0) {
            snprintf(why, size, "%s",
                     "the map's event_dates need a "
                     "redcap_event_name column");
            ok = false;
        }
    }
    return ok ? CAIRN_OK : CAIRN_EPARSE;
}

void cairn__map_columns_free(cairn__map_cols *mc)
{
    free(mc->item_of);
    free(mc->offset_of);
    free(mc->total_col);
    memset(mc, 0, sizeof *mc);
}

void cairn__map_keep_anchor(cairn__map_cols *mc, const cairn__span *f,
                            cairn_date_format fmt)
{
    const cairn__span *who = &f[mc->client], *d = &f[mc->anchor];
    if (who->n >= sizeof mc->anchor_client ||
        memcmp(mc->anchor_client, who->s, who->n) != 0 ||
        mc->anchor_client[who->n] != '\0') {
        snprintf(mc->anchor_client, sizeof mc->anchor_client, "%.*s",
                 (int)(who->n < 71 ? who->n : 71), who->s);
        mc->anchor_date[0] = '\0';
    }
    cairn_date parsed;
    if (d->n > 0 &&
        (cairn_date_parse_format(&parsed, d->s, d->n, fmt, NULL) < 0 ||
         cairn__store_date_normalize(mc->anchor_date, parsed.text,
                                     strlen(parsed.text), true,
                                     true) != CAIRN__DATE_OK)) {
        mc->anchor_date[0] = '\0';
    }
}

bool cairn__map_without_answers(const cairn__map_cols *mc,
                                const cairn__import_rules *r,
                                const cairn__span *f)
{
    if (mc->repeat >= 0 && r->form != NULL && f[mc->repeat].n > 0 &&
        !cairn__import_name_is(f[mc->repeat].s, f[mc->repeat].n, r->form)) {
        return true;
    }
    for (size_t i = 0; i < mc->ncols; i++) {
        if (mc->item_of[i] != 0 && f[i].n > 0) {
            return false;
        }
    }
    return true;
}

int cairn__map_event_date(const cairn__map_cols *mc, const cairn_import_map *m,
                          const cairn__span *f, char date[CAIRN_DATE_MAX],
                          char *why, size_t size)
{
    const cairn__span *ev = &f[mc->event];
    const cairn__map_event *hit = NULL;
    for (size_t k = 0; k < m->n_events; k++) {
        if (cairn__import_name_is(ev->s, ev->n, m->events[k].event)) {
            hit = &m->events[k];
        }
    }
    if (hit == NULL) {
        snprintf(why, size,
                 "event '%.*s' has no day in the map's "
                 "event_dates",
                 (int)(ev->n < 60 ? ev->n : 60), ev->s);
        return CAIRN_EINVAL;
    }
    cairn_date a;
    char day[CAIRN_DATE_MAX] = "";
    if (mc->anchor_date[0] == '\0' ||
        cairn_date_parse(&a, mc->anchor_date, strlen(mc->anchor_date), NULL) <
            0) {
        snprintf(why, size,
                 "record '%s' has no %s on this or an earlier row, "
                 "so event '%s' cannot be dated",
                 mc->anchor_client, m->anchor, hit->event);
        return CAIRN_EINVAL;
    }
    cairn_date_from_days(
        day, cairn_date_days_from_civil(a.year, a.month, a.day) + hit->days);
    if (cairn__store_date_normalize(date, day, strlen(day), true, false) !=
        CAIRN__DATE_OK) {
        snprintf(why, size,
                 "event '%s' falls %d days after %s, which is in "
                 "the future",
                 hit->event, hit->days, mc->anchor_date);
        return CAIRN_EINVAL;
    }
    return CAIRN_OK;
}

bool cairn__map_total_differs(const cairn_import_map *m, size_t k,
                              const cairn__span *cell, const cairn_score *sc,
                              char *why, size_t size)
{
    char text[48];
    const cairn_scale_score *ss = cairn_score_find(sc, m->totals[k].scale);
    if (cell->n == 0 || cell->n >= sizeof text || ss == NULL) {
        return false;
    }
    memcpy(text, cell->s, cell->n);
    text[cell->n] = '\0';
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text + cell->n && ss->has_score && v == ss->score) {
        return false;
    }
    const char *code = cairn_instrument_code(sc->instrument);
    if (ss->has_score) {
        snprintf(why, size,
                 "%s is %.40s but Cairn's %s %s is %g (check the "
                 "map's codes and offsets); Cairn's score is stored",
                 m->totals[k].column, text, code, m->totals[k].scale,
                 ss->score);
    } else {
        snprintf(why, size,
                 "%s is %.40s but Cairn gives no %s %s (too many "
                 "items missing)",
                 m->totals[k].column, text, code, m->totals[k].scale);
    }
    return true;
}
