/*
 * redcap.c - REDCap in (cairn/redcap.h): the data dictionary is read
 * first and every mapped field checked against it and against the
 * instrument (choices, form, identifier flag); the records then go
 * through the CSV importer under REDCap's rules.  Also the profiles:
 * shipped column maps for Shared Library forms, or a template of Cairn's
 * own field names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cairn/redcap.h"
#include "import_internal.h"
#include "internal.h"
#include "redcap_internal.h"

static const char *const dictionary_columns[18] = {
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
};

const char *cairn_redcap_dictionary_column(size_t i)
{
    return i < 18 ? dictionary_columns[i] : NULL;
}

/* The dictionary columns this reader needs, by index in the table. */
enum { D_NAME = 0, D_FORM = 1, D_TYPE = 3, D_CHOICES = 5, D_IDENT = 10 };

#define CHOICES_MAX 64

/* One dictionary row of a field the map names. */
typedef struct dict_field {
    const char *name; /* the map's spelling (borrowed) */
    bool found;
    long line;
    char form[104];
    char type[32];
    bool identifier;
    size_t n_codes;
    int codes[CHOICES_MAX];
    bool codes_bad; /* a choice code that is not a whole number */
    char bad_code[32];
} dict_field;

typedef struct dict {
    const char *path;
    dict_field *fields;
    size_t n;
    long first_problem; /* a line that could not be read, or 0 */
} dict;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
dict_error(const dict *d, long line, cairn_error *err, const char *fmt, ...)
{
    char msg[CAIRN_ERROR_MAX - 160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0) {
        cairn_error_set(err, CAIRN_EPARSE, "%s:%ld: %s", d->path, line, msg);
    } else {
        cairn_error_set(err, CAIRN_EPARSE, "%s: %s", d->path, msg);
    }
    if (err != NULL) {
        err->line = line;
    }
    return CAIRN_EPARSE;
}

/* "0, Not at all | 1, Several days" -> the codes. */
static void parse_choices(dict_field *f, const char *s, size_t n)
{
    size_t i = 0;
    f->n_codes = 0;
    while (i < n && f->n_codes < CHOICES_MAX) {
        size_t j = i;
        while (j < n && s[j] != '|') {
            j++;
        }
        size_t a = i, b = i;
        while (a < j && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n')) {
            a++;
        }
        b = a;
        while (b < j && s[b] != ',') {
            b++;
        }
        size_t e = b;
        while (e > a && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
            e--;
        }
        long v = 0;
        if (e > a && cairn__util_parse_int(s + a, e - a, &v) == 0 &&
            v > -1000000 && v < 1000000) {
            f->codes[f->n_codes++] = (int)v;
        } else if (e > a && !f->codes_bad) {
            f->codes_bad = true;
            snprintf(f->bad_code, sizeof f->bad_code, "%.*s",
                     (int)(e - a < 30 ? e - a : 30), s + a);
        }
        i = j + 1;
    }
}

static void keep_field(dict_field *f, const cairn__span *x, long line)
{
    f->found = true;
    f->line = line;
    snprintf(f->form, sizeof f->form, "%.*s",
             (int)(x[D_FORM].n < 100 ? x[D_FORM].n : 100), x[D_FORM].s);
    snprintf(f->type, sizeof f->type, "%.*s",
             (int)(x[D_TYPE].n < 30 ? x[D_TYPE].n : 30), x[D_TYPE].s);
    f->identifier =
        x[D_IDENT].n == 1 && (x[D_IDENT].s[0] == 'y' || x[D_IDENT].s[0] == 'Y');
    if (strcmp(f->type, "yesno") == 0 || strcmp(f->type, "truefalse") == 0) {
        f->n_codes = 2;
        f->codes[0] = 0;
        f->codes[1] = 1;
    } else {
        parse_choices(f, x[D_CHOICES].s, x[D_CHOICES].n);
    }
}

/* Find the columns of the dictionary's header. */
static int dict_header(const dict *d, const cairn__span *x, size_t n,
                       int cols[18], cairn_error *err)
{
    static const int need[5] = {D_NAME, D_FORM, D_TYPE, D_CHOICES, D_IDENT};
    for (int k = 0; k < 18; k++) {
        cols[k] = -1;
        for (size_t i = 0; i < n; i++) {
            if (cairn__import_name_is(x[i].s, x[i].n, dictionary_columns[k])) {
                cols[k] = (int)i;
            }
        }
    }
    for (int k = 0; k < 5; k++) {
        if (cols[need[k]] < 0) {
            return dict_error(d, 1, err,
                              "not a REDCap data dictionary: the header "
                              "has no '%s' column",
                              dictionary_columns[need[k]]);
        }
    }
    return CAIRN_OK;
}

/* Read the dictionary rows of the fields in `d`. */
static int dict_read(dict *d, cairn_error *err)
{
    cairn__csv *c = NULL;
    const cairn__span *x = NULL;
    const char *problem = NULL;
    size_t n = 0;
    int cols[18];
    int rc = cairn__csv_open(&c, d->path, 0, err);
    if (rc < 0) {
        return rc;
    }
    if (cairn__csv_read(c, &x, &n, &problem) != 1 || problem != NULL) {
        rc = dict_error(d, 1, err, "%s",
                        problem != NULL ? problem
                                        : "the file is empty; it needs "
                                          "REDCap's header row");
        goto out;
    }
    rc = dict_header(d, x, n, cols, err);
    while (rc == CAIRN_OK && cairn__csv_read(c, &x, &n, &problem) == 1) {
        cairn__span row[18];
        if (problem != NULL) {
            d->first_problem =
                d->first_problem ? d->first_problem : cairn__csv_line(c);
            continue;
        }
        for (int k = 0; k < 18; k++) {
            bool have = cols[k] >= 0 && (size_t)cols[k] < n;
            row[k].s = have ? x[cols[k]].s : "";
            row[k].n = have ? x[cols[k]].n : 0;
        }
        for (size_t i = 0; i < d->n; i++) {
            if (!d->fields[i].found &&
                cairn__import_name_is(row[D_NAME].s, row[D_NAME].n,
                                      d->fields[i].name)) {
                keep_field(&d->fields[i], row, cairn__csv_line(c));
            }
        }
    }
    if (rc == CAIRN_OK && cairn__csv_failed(c)) {
        rc = cairn_error_set(err, CAIRN_EIO, "%s: read error", d->path);
    }
out:
    cairn__csv_close(c);
    return rc;
}

/* Whether a field name is a person's name (Shared Library forms ask). */
static bool looks_like_name(const char *s)
{
    size_t n = strlen(s);
    return strcmp(s, "name") == 0 ||
           (n >= 5 && strcmp(s + n - 5, "_name") == 0) ||
           strstr(s, "surname") != NULL;
}

static void list_codes(char *out, size_t size, const int *codes, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 16 < size; i++) {
        k += (size_t)snprintf(out + k, size - k, "%s%d", i ? ", " : "",
                              codes[i]);
    }
}

/* The choices of item field `f` against item `item` of the instrument. */
static int check_item(const dict *d, const cairn_import_map *m,
                      const dict_field *f, int item, int offset,
                      cairn_entry file, cairn_error *err)
{
    cairn_entry entry = cairn__map_entry(m, item, file);
    const cairn_item *it = cairn_instrument_item(m->inst, (size_t)item - 1);
    const char *code = cairn_instrument_code(m->inst);
    char why[200], list[400];
    bool covered[CHOICES_MAX] = {false};
    if (strcmp(f->type, "radio") != 0 && strcmp(f->type, "dropdown") != 0 &&
        strcmp(f->type, "yesno") != 0 && strcmp(f->type, "truefalse") != 0 &&
        strcmp(f->type, "text") != 0) {
        return dict_error(d, f->line, err,
                          "%s is a '%s' field; an item needs a single "
                          "choice (radio or dropdown) or a text field",
                          f->name, f->type);
    }
    if (f->codes_bad) {
        return dict_error(d, f->line, err,
                          "%s: choice code '%s' is not a whole number", f->name,
                          f->bad_code);
    }
    if (strcmp(f->type, "text") == 0 || it->kind != CAIRN_ITEM_CHOICE) {
        return CAIRN_OK; /* each value is checked as it is read */
    }
    for (size_t i = 0; i < f->n_codes; i++) {
        int c = 0;
        const cairn_option *o = NULL;
        if (cairn__map_code(m->inst, item, f->codes[i] + offset, entry, &c, why,
                            sizeof why)) {
            o = cairn_item_find_option(it, c);
        }
        if (o == NULL) {
            list_codes(list, sizeof list, f->codes, f->n_codes);
            return dict_error(
                d, f->line, err,
                "%s: choice %d is not an answer of %s item %d "
                "as the map reads it (offset %d, codes %s); "
                "the choices are %s",
                f->name, f->codes[i], code, item, offset,
                entry == CAIRN_ENTRY_SCORES ? "scores" : "positions", list);
        }
        covered[o - it->options] = true;
    }
    for (size_t k = 0; k < it->n_options && k < CHOICES_MAX; k++) {
        if (!covered[k]) {
            return dict_error(d, f->line, err,
                              "%s: %s item %d's answer '%s' (code %d) has "
                              "no choice in the dictionary",
                              f->name, code, item, it->options[k].label,
                              it->options[k].code);
        }
    }
    return CAIRN_OK;
}

static int check_unscored(const dict *d, const cairn__map_unscored *u,
                          const dict_field *f, cairn_error *err)
{
    char have[400], want[400];
    bool same = f->n_codes == u->n && !f->codes_bad;
    for (size_t i = 0; same && i < u->n; i++) {
        same = f->codes[i] == u->codes[i];
    }
    if (same) {
        return CAIRN_OK;
    }
    list_codes(have, sizeof have, f->codes, f->n_codes);
    list_codes(want, sizeof want, u->codes, u->n);
    return dict_error(d, f->line, err,
                      "%s: the choices are coded %s, but the map expects %s",
                      f->name, have[0] ? have : "(none)", want);
}

/* A field the map reads must be known, on its form, not an identifier. */
static int check_read(const dict *d, const cairn_import_map *m,
                      const dict_field *f, const char *form, bool on_form,
                      cairn_error *err)
{
    if (!f->found) {
        if (d->first_problem > 0) {
            return dict_error(d, 0, err,
                              "the map's field '%s' is not in the dictionary "
                              "(line %ld could not be read)",
                              f->name, d->first_problem);
        }
        return dict_error(d, 0, err,
                          "the map's field '%s' is not in the dictionary",
                          f->name);
    }
    bool listed = false;
    for (size_t i = 0; i < m->n_identifiers; i++) {
        listed = listed || strcmp(m->identifiers[i], f->name) == 0;
    }
    if (f->identifier || listed || looks_like_name(f->name)) {
        return dict_error(d, f->line, err,
                          "%s is an identifier field (%s); Cairn never reads "
                          "or stores identifiers: take it out of the map",
                          f->name,
                          f->identifier ? "Identifier? = y" : "a name");
    }
    if (on_form && form != NULL && strcmp(f->form, form) != 0) {
        return dict_error(d, f->line, err,
                          "%s is on form '%s', not the map's form '%s'",
                          f->name, f->form, form);
    }
    return CAIRN_OK;
}

/* Every field the map names, in one list to look up in the dictionary. */
static int dict_fields(dict *d, const cairn_import_map *m, cairn_error *err)
{
    size_t cap = 3 + m->n_items + m->n_totals + m->n_unscored;
    d->fields = calloc(cap, sizeof *d->fields);
    if (d->fields == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    d->fields[d->n++].name = m->client;
    if (m->date != NULL) {
        d->fields[d->n++].name = m->date;
    }
    if (m->anchor != NULL) {
        d->fields[d->n++].name = m->anchor;
    }
    for (size_t i = 0; i < m->n_items; i++) {
        d->fields[d->n++].name = m->items[i].column;
    }
    for (size_t i = 0; i < m->n_totals; i++) {
        d->fields[d->n++].name = m->totals[i].column;
    }
    for (size_t i = 0; i < m->n_unscored; i++) {
        d->fields[d->n++].name = m->unscored[i].column;
    }
    return CAIRN_OK;
}

/* Check the dictionary against the map; `*form` gets the form's name. */
static int dict_check(dict *d, const cairn_import_map *m, cairn_entry file,
                      const char **form, cairn_error *err)
{
    size_t k = 0;
    int rc = CAIRN_OK;
    *form = m->form;
    dict_field *items = d->fields + 1 + (m->date != NULL) + (m->anchor != NULL);
    if (*form == NULL && items[0].found) {
        *form = items[0].form;
    }
    size_t n_read = (size_t)(items - d->fields) + m->n_items + m->n_totals;
    for (k = 0; rc == CAIRN_OK && k < n_read; k++) {
        bool on_form = &d->fields[k] >= items;
        rc = check_read(d, m, &d->fields[k], *form, on_form, err);
    }
    for (k = 0; rc == CAIRN_OK && k < m->n_items; k++) {
        rc = check_item(d, m, &items[k], m->items[k].item, m->items[k].offset,
                        file, err);
    }
    dict_field *un = items + m->n_items + m->n_totals;
    for (k = 0; rc == CAIRN_OK && k < m->n_unscored; k++) {
        if (un[k].found) {
            rc = check_unscored(d, &m->unscored[k], &un[k], err);
        }
    }
    return rc;
}

int cairn_redcap_import(cairn_store *st, const cairn_catalog *cat,
                        const char *records, const char *dictionary,
                        const cairn_import_map *map, bool include_incomplete,
                        const cairn_import_options *opts,
                        cairn_import_result *res, cairn_error *err)
{
    static const cairn_import_options defaults = CAIRN_IMPORT_OPTIONS_INIT;
    dict d = {dictionary, NULL, 0, 0};
    const char *form = NULL;
    if (res != NULL) {
        memset(res, 0, sizeof *res);
    }
    if (map->inst == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: a REDCap map names its \"instrument\"",
                               map->name);
    }
    cairn_entry file = opts != NULL ? opts->codes : CAIRN_ENTRY_UNSAID;
    char why[700];
    if (!cairn__map_entry_check(map, map->inst, file, why, sizeof why)) {
        return cairn_error_set(err, CAIRN_EPARSE, "%s: %s", records, why);
    }
    int rc = dict_fields(&d, map, err);
    if (rc == CAIRN_OK) {
        rc = dict_read(&d, err);
    }
    if (rc == CAIRN_OK) {
        rc = dict_check(&d, map, file, &form, err);
    }
    if (rc == CAIRN_OK) {
        char form_name[104];
        snprintf(form_name, sizeof form_name, "%s", form ? form : "");
        cairn_import_options o = opts != NULL ? *opts : defaults;
        cairn__import_rules rules = {map, true, form ? form_name : NULL,
                                     include_incomplete};
        o.map = NULL;
        rc = cairn__import_load_rules(st, cat, records, &o, &rules, res, err);
    }
    free(d.fields);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Profiles                                                            */

int cairn__redcap_field_name(char *out, size_t size, const char *base,
                             const char *suffix)
{
    size_t k = 0;
    char text[256];
    snprintf(text, sizeof text, "%s%s%s", base, suffix ? "_" : "",
             suffix ? suffix : "");
    if (!(text[0] >= 'a' && text[0] <= 'z') &&
        !(text[0] >= 'A' && text[0] <= 'Z') && k + 2 < size) {
        out[k++] = 'f';
        out[k++] = '_';
    }
    for (const char *p = text; *p && k + 1 < size; p++) {
        char c = *p;
        c = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        out[k++] = ok ? c : '_';
    }
    out[k] = '\0';
    return k + 1 < size ? CAIRN_OK : CAIRN_EINVAL;
}

/* Cairn's own field names for `inst` as a map (JSON). */
static json_t *template_profile(const cairn_instrument *inst)
{
    const char *code = cairn_instrument_code(inst);
    char form[128], name[160], about[300];
    cairn__redcap_field_name(form, sizeof form, code, NULL);
    snprintf(about, sizeof about,
             "REDCap profile of %s with Cairn's own field names, as 'cairn "
             "redcap export' writes them; edit the field names to match "
             "your project",
             cairn_instrument_name(inst));
    json_t *items = json_object(), *totals = json_object();
    for (size_t i = 0; i < cairn_instrument_item_count(inst); i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", cairn_instrument_item(inst, i)->number);
        cairn__redcap_field_name(name, sizeof name, form, num);
        json_object_set_new(
            items, name, json_integer(cairn_instrument_item(inst, i)->number));
    }
    for (size_t i = 0; i < cairn_instrument_scale_count(inst); i++) {
        const char *id = cairn_instrument_scale(inst, i)->id;
        cairn__redcap_field_name(name, sizeof name, form, id);
        json_object_set_new(totals, name, json_string(id));
    }
    cairn__redcap_field_name(name, sizeof name, form, "date");
    json_t *root = json_object();
    json_object_set_new(root, "about", json_string(about));
    json_object_set_new(root, "form", json_string(form));
    json_object_set_new(root, "instrument", json_string(code));
    json_object_set_new(root, "client", json_string("record_id"));
    json_object_set_new(root, "date", json_string(name));
    json_object_set_new(root, "codes", json_string("positions"));
    json_object_set_new(root, "items", items);
    json_object_set_new(root, "totals", totals);
    return root;
}

int cairn_redcap_profile(char **out, const cairn_instrument *inst,
                         const char *profiles_dir, cairn_error *err)
{
    *out = NULL;
    if (profiles_dir != NULL) {
        char path[4096];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s.json", profiles_dir,
                 cairn_instrument_code(inst));
        FILE *f = fopen(path, "rb");
        if (f != NULL) {
            fclose(f);
            return cairn__util_read_file(path, out, &len, err);
        }
    }
    json_t *root = template_profile(inst);
    char *text = root != NULL
                     ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                     : NULL;
    json_decref(root);
    if (text == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t n = strlen(text);
    *out = malloc(n + 2);
    if (*out != NULL) {
        memcpy(*out, text, n);
        (*out)[n] = '\n';
        (*out)[n + 1] = '\0';
    }
    free(text);
    return *out != NULL ? CAIRN_OK
                        : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}
