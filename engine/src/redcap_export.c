/*
 * redcap_export.c - REDCap out (cairn/redcap.h): every current assessment
 * as a row of a repeating instrument, with the data dictionary and the
 * repeating-forms file REDCap's Data Import Tool takes.  Field names come
 * from each instrument's profile, so an export imports back through it.
 * With a site key, the research export's pseudonyms and date offsets are
 * used (cairn/export.h) and no other fact about a client is written.
 * Rows are collected, then sorted by record, form and date, so instances
 * count up in date order and the order says nothing about registration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/date.h"
#include "cairn/redcap.h"
#include "export_internal.h"
#include "import_internal.h"
#include "internal.h"
#include "redcap_internal.h"
#include "store_internal.h"

#define NAME_MAX_ 104

typedef char field_name[NAME_MAX_];

typedef struct form {
    const cairn_instrument *inst;
    field_name name, date;
    field_name *items;  /* per item, in the definition's order */
    int *offsets;       /* per item: the profile's offset */
    cairn_entry *codes; /* per item: what the profile's column holds */
    field_name *scales; /* per scale */
    bool *whole;        /* per scale: every exported score whole */
    bool has_time, has_day;
    char fingerprints[3][80];
    size_t n_fingerprints;
} form;

typedef struct row {
    char record[72];
    char date[CAIRN__DATE_MAX];
    size_t form;
    char *cells; /* the row's cells after the instance, CSV */
} row;

typedef struct exporter {
    cairn_store *st;
    const cairn_catalog *cat;
    const cairn_redcap_export_options *o;
    cairn_error *err;
    form *forms;
    size_t n_forms;
    row *rows;
    size_t n_rows, cap_rows;
} exporter;

static void form_free(form *f)
{
    free(f->items);
    free(f->offsets);
    free(f->codes);
    free(f->scales);
    free(f->whole);
}

/* Name every field of `f` from its profile (shipped, else Cairn's own). */
static int form_names(exporter *ex, form *f)
{
    const cairn_instrument *inst = f->inst;
    size_t ni = cairn_instrument_item_count(inst);
    size_t ns = cairn_instrument_scale_count(inst);
    char *text = NULL;
    cairn_import_map *m = NULL;
    f->items = calloc(ni, sizeof *f->items);
    f->offsets = calloc(ni, sizeof *f->offsets);
    f->codes = calloc(ni, sizeof *f->codes);
    f->scales = calloc(ns + 1, sizeof *f->scales);
    f->whole = calloc(ns + 1, sizeof *f->whole);
    if (f->items == NULL || f->offsets == NULL || f->codes == NULL ||
        f->scales == NULL || f->whole == NULL) {
        return cairn_error_set(ex->err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn_redcap_profile(&text, inst, ex->o->profiles_dir, ex->err);
    if (rc == CAIRN_OK) {
        rc = cairn_import_map_parse(&m, text, strlen(text),
                                    cairn_instrument_code(inst), ex->cat,
                                    ex->err);
    }
    free(text);
    if (rc < 0) {
        return rc;
    }
    const char *code = cairn_instrument_code(inst);
    cairn__redcap_field_name(f->name, NAME_MAX_, m->form ? m->form : code,
                             NULL);
    cairn__redcap_field_name(f->date, NAME_MAX_, m->date ? m->date : f->name,
                             m->date ? NULL : "date");
    for (size_t i = 0; i < ni; i++) {
        int number = cairn_instrument_item(inst, i)->number;
        f->codes[i] = cairn__map_entry(m, number, CAIRN_ENTRY_POSITIONS);
        char num[16];
        snprintf(num, sizeof num, "%d", number);
        cairn__redcap_field_name(f->items[i], NAME_MAX_, f->name, num);
        for (size_t k = 0; k < m->n_items; k++) {
            if (m->items[k].item == number) {
                cairn__redcap_field_name(f->items[i], NAME_MAX_,
                                         m->items[k].column, NULL);
                f->offsets[i] = m->items[k].offset;
            }
        }
    }
    for (size_t s = 0; s < ns; s++) {
        const char *id = cairn_instrument_scale(inst, s)->id;
        f->whole[s] = true;
        cairn__redcap_field_name(f->scales[s], NAME_MAX_, f->name, id);
        for (size_t k = 0; k < m->n_totals; k++) {
            if (strcmp(m->totals[k].scale, id) == 0) {
                cairn__redcap_field_name(f->scales[s], NAME_MAX_,
                                         m->totals[k].column, NULL);
            }
        }
    }
    cairn_import_map_free(m);
    return CAIRN_OK;
}

/* Field names must be unique across the project (REDCap refuses). */
static int names_unique(exporter *ex)
{
    size_t total = 1;
    for (size_t f = 0; f < ex->n_forms; f++) {
        total += 2 + cairn_instrument_item_count(ex->forms[f].inst) +
                 cairn_instrument_scale_count(ex->forms[f].inst);
    }
    const char **all = calloc(total, sizeof *all);
    if (all == NULL) {
        return cairn_error_set(ex->err, CAIRN_ENOMEM, "out of memory");
    }
    size_t n = 0;
    all[n++] = "record_id";
    for (size_t f = 0; f < ex->n_forms; f++) {
        form *fm = &ex->forms[f];
        all[n++] = fm->date;
        for (size_t i = 0; i < cairn_instrument_item_count(fm->inst); i++) {
            all[n++] = fm->items[i];
        }
        for (size_t s = 0; s < cairn_instrument_scale_count(fm->inst); s++) {
            all[n++] = fm->scales[s];
        }
    }
    int rc = CAIRN_OK;
    for (size_t i = 0; i < n && rc == CAIRN_OK; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (strcmp(all[i], all[j]) == 0) {
                rc = cairn_error_set(ex->err, CAIRN_EINVAL,
                                     "two fields would both be named '%s'; "
                                     "rename one in its REDCap profile",
                                     all[i]);
                break;
            }
        }
    }
    free(all);
    return rc;
}

/* The record id and REDCap date of one assessment. */
static int who_and_when(exporter *ex, const cairn_cohort_row *r, row *out,
                        form *f)
{
    const char *at = r->administered_at;
    int offset = 0;
    snprintf(out->record, sizeof out->record, "%s", r->client_code);
    if (ex->o->key != NULL) {
        int rc = cairn_export_pseudonym(out->record, ex->o->key, r->client_code,
                                        ex->err);
        if (rc == CAIRN_OK) {
            rc = cairn_export_date_offset(&offset, ex->o->key, r->client_code,
                                          ex->err);
        }
        if (rc < 0) {
            return rc;
        }
    }
    char day[CAIRN_DATE_MAX];
    cairn_date d;
    if (cairn_date_parse(&d, at, strlen(at), NULL) < 0) {
        return cairn_error_set(ex->err, CAIRN_EINVAL,
                               "assessment %lld: stored date '%s' is not a "
                               "date",
                               (long long)r->assessment_id, at);
    }
    cairn_date_from_days(
        day, cairn_date_days_from_civil(d.year, d.month, d.day) - offset);
    bool timed = d.has_time;
    memcpy(out->date, day, 10);
    out->date[10] = '\0';
    if (timed) {
        out->date[10] = ' ';
        memcpy(out->date + 11, d.text + 11, 8);
        out->date[19] = '\0';
    }
    f->has_time = f->has_time || timed;
    f->has_day = f->has_day || !timed;
    return CAIRN_OK;
}

static void note_fingerprint(form *f, const char *fp)
{
    for (size_t i = 0; i < f->n_fingerprints; i++) {
        if (strcmp(f->fingerprints[i], fp) == 0) {
            return;
        }
    }
    if (f->n_fingerprints < 3) {
        snprintf(f->fingerprints[f->n_fingerprints++], 80, "%s", fp);
    }
}

/* The exported value of item `i` answered `code`. */
static double item_value(const form *f, size_t i, int code)
{
    const cairn_item *it = cairn_instrument_item(f->inst, i);
    double v = code;
    if (f->codes[i] == CAIRN_ENTRY_SCORES && it->kind == CAIRN_ITEM_CHOICE) {
        const cairn_option *o = cairn_item_find_option(it, code);
        v = o != NULL ? o->score : v;
    }
    return v - f->offsets[i];
}

/* The cells of row `r` of form `fi`: every form's fields, only its own
 * filled, then each form's _complete. */
static char *row_cells(exporter *ex, size_t fi, const row *out,
                       const cairn_cohort_row *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL) {
        return NULL;
    }
    for (size_t f = 0; f < ex->n_forms; f++) {
        form *fm = &ex->forms[f];
        bool mine = f == fi;
        cairn_export_cell c = {CAIRN_EXPORT_EMPTY, NULL, 0};
        cairn_export_cell d = {CAIRN_EXPORT_TEXT, out->date, 0};
        cairn__export_csv_cell(mem, mine ? &d : &c, false);
        for (size_t i = 0; i < cairn_instrument_item_count(fm->inst); i++) {
            cairn_export_cell v = c;
            if (mine && i < r->n_items && !r->missing[i]) {
                v.kind = CAIRN_EXPORT_NUMBER;
                v.number = item_value(fm, i, r->codes[i]);
            }
            cairn__export_csv_cell(mem, &v, false);
        }
        for (size_t s = 0; s < cairn_instrument_scale_count(fm->inst); s++) {
            cairn_export_cell v = c;
            if (mine && s < r->n_scales && r->scales[s].has_score) {
                v.kind = CAIRN_EXPORT_NUMBER;
                v.number = r->scales[s].score;
                fm->whole[s] = fm->whole[s] && v.number == (long)v.number;
            }
            cairn__export_csv_cell(mem, &v, false);
        }
        cairn_export_cell done = {CAIRN_EXPORT_TEXT, "2", 0};
        cairn__export_csv_cell(mem, mine ? &done : &c, false);
    }
    if (fclose(mem) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int add_row(exporter *ex, size_t fi, const cairn_cohort_row *r)
{
    if (ex->n_rows == ex->cap_rows) {
        size_t cap = ex->cap_rows ? ex->cap_rows * 2 : 256;
        row *t = realloc(ex->rows, cap * sizeof *t);
        if (t == NULL) {
            return cairn_error_set(ex->err, CAIRN_ENOMEM, "out of memory");
        }
        ex->rows = t;
        ex->cap_rows = cap;
    }
    row *out = &ex->rows[ex->n_rows];
    memset(out, 0, sizeof *out);
    out->form = fi;
    int rc = who_and_when(ex, r, out, &ex->forms[fi]);
    if (rc < 0) {
        return rc;
    }
    note_fingerprint(&ex->forms[fi], r->fingerprint);
    out->cells = row_cells(ex, fi, out, r);
    if (out->cells == NULL) {
        return cairn_error_set(ex->err, CAIRN_ENOMEM, "out of memory");
    }
    ex->n_rows++;
    return CAIRN_OK;
}

/* Every current assessment of form `fi`. */
static int scan_form(exporter *ex, size_t fi)
{
    cairn_store_cursor *cur = NULL;
    const cairn_cohort_row *r = NULL;
    int rc = cairn_store_cursor_open(
        &cur, ex->st, cairn_instrument_code(ex->forms[fi].inst), ex->err);
    while (rc == CAIRN_OK) {
        rc = cairn_store_cursor_next(cur, &r, ex->err);
        if (rc != 1) {
            break;
        }
        rc = cairn_store_cursor_items(cur, ex->err);
        if (rc == CAIRN_OK) {
            rc = add_row(ex, fi, r);
        }
    }
    cairn_store_cursor_close(cur);
    return rc < 0 ? rc : CAIRN_OK;
}

static int row_order(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    int c = strcmp(a->record, b->record);
    if (c == 0) {
        c = a->form < b->form ? -1 : a->form > b->form;
    }
    return c != 0 ? c : strcmp(a->date, b->date);
}

static void text_cell(FILE *f, const char *s, bool first)
{
    cairn_export_cell c = {CAIRN_EXPORT_TEXT, s, 0};
    if (s == NULL || s[0] == '\0') {
        c.kind = CAIRN_EXPORT_EMPTY;
    }
    cairn__export_csv_cell(f, &c, first);
}

static int write_records(exporter *ex, const char *path)
{
    cairn__export_file x = {0};
    int rc = cairn__export_file_open(&x, path, &ex->o->output, ex->err);
    if (rc < 0) {
        return rc;
    }
    char complete[NAME_MAX_ + 16];
    text_cell(x.f, "record_id", true);
    text_cell(x.f, "redcap_repeat_instrument", false);
    text_cell(x.f, "redcap_repeat_instance", false);
    for (size_t f = 0; f < ex->n_forms; f++) {
        form *fm = &ex->forms[f];
        text_cell(x.f, fm->date, false);
        for (size_t i = 0; i < cairn_instrument_item_count(fm->inst); i++) {
            text_cell(x.f, fm->items[i], false);
        }
        for (size_t s = 0; s < cairn_instrument_scale_count(fm->inst); s++) {
            text_cell(x.f, fm->scales[s], false);
        }
        snprintf(complete, sizeof complete, "%s_complete", fm->name);
        text_cell(x.f, complete, false);
    }
    fputs("\r\n", x.f);
    long instance = 0;
    for (size_t i = 0; i < ex->n_rows; i++) {
        const row *r = &ex->rows[i];
        bool same = i > 0 && strcmp(r->record, ex->rows[i - 1].record) == 0 &&
                    r->form == ex->rows[i - 1].form;
        instance = same ? instance + 1 : 1;
        cairn_export_cell n = {CAIRN_EXPORT_NUMBER, NULL, (double)instance};
        text_cell(x.f, r->record, true);
        text_cell(x.f, ex->forms[r->form].name, false);
        cairn__export_csv_cell(x.f, &n, false);
        fputs(r->cells, x.f);
        fputs("\r\n", x.f);
    }
    return cairn__export_file_close(&x, true, ex->err);
}

/* One dictionary row: the 18 columns, empty where not given. */
static void dict_row(FILE *f, const char *const cells[18])
{
    for (int k = 0; k < 18; k++) {
        text_cell(f, cells[k], k == 0);
    }
    fputs("\r\n", f);
}

/* "0, Not at all | 1, Several days | ..." for item `i` of `fm`. */
static void choices(char *out, size_t size, const form *fm, size_t i)
{
    const cairn_item *it = cairn_instrument_item(fm->inst, i);
    size_t k = 0;
    out[0] = '\0';
    for (size_t o = 0; o < it->n_options && k + 8 < size; o++) {
        double v = item_value(fm, i, it->options[o].code);
        k += (size_t)snprintf(out + k, size - k, "%s%g, %s", o ? " | " : "", v,
                              it->options[o].label);
    }
}

static void form_dictionary(FILE *f, const form *fm)
{
    char label[1100], buf[2048], note[400], lo[32], hi[32];
    const char *c[18] = {0};
    const char *code = cairn_instrument_code(fm->inst);
    c[1] = fm->name;
    c[0] = fm->date;
    c[2] = cairn_instrument_name(fm->inst);
    c[3] = "text";
    c[4] = "Date administered (UTC)";
    c[7] = fm->has_time && !fm->has_day ? "datetime_seconds_ymd"
           : !fm->has_time              ? "date_ymd"
                                        : NULL;
    c[12] = "y";
    dict_row(f, c);
    memset(c, 0, sizeof c);
    c[1] = fm->name;
    for (size_t i = 0; i < cairn_instrument_item_count(fm->inst); i++) {
        const cairn_item *it = cairn_instrument_item(fm->inst, i);
        snprintf(label, sizeof label, "%d. %s", it->number,
                 it->text != NULL && cairn_instrument_text_allowed(fm->inst)
                     ? it->text
                     : it->label);
        c[0] = fm->items[i];
        c[4] = label;
        c[14] = NULL;
        if (it->kind == CAIRN_ITEM_CHOICE) {
            choices(buf, sizeof buf, fm, i);
            c[3] = "radio";
            c[5] = buf;
            c[7] = c[8] = c[9] = NULL;
        } else {
            snprintf(lo, sizeof lo, "%d", it->min);
            snprintf(hi, sizeof hi, "%d", it->max);
            c[3] = "text";
            c[5] = NULL;
            c[7] = "integer";
            c[8] = lo;
            c[9] = hi;
        }
        dict_row(f, c);
    }
    memset(c, 0, sizeof c);
    c[1] = fm->name;
    for (size_t s = 0; s < cairn_instrument_scale_count(fm->inst); s++) {
        const cairn_scale *sc = cairn_instrument_scale(fm->inst, s);
        size_t k = (size_t)snprintf(note, sizeof note,
                                    "Scored by Cairn (%s %s), definition", code,
                                    sc->id);
        for (size_t i = 0; i < fm->n_fingerprints && k < sizeof note; i++) {
            k += (size_t)snprintf(note + k, sizeof note - k, "%s %s",
                                  i ? "," : "", fm->fingerprints[i]);
        }
        snprintf(lo, sizeof lo, "%g", sc->min);
        snprintf(hi, sizeof hi, "%g", sc->max);
        c[0] = fm->scales[s];
        c[3] = "text";
        c[4] = sc->label;
        c[6] = note;
        c[7] = fm->whole[s] ? "integer" : "number";
        c[8] = lo;
        c[9] = hi;
        c[17] = "@READONLY";
        dict_row(f, c);
    }
}

static int write_dictionary(exporter *ex, const char *path)
{
    cairn__export_file x = {0};
    int rc = cairn__export_file_open(&x, path, &ex->o->output, ex->err);
    if (rc < 0) {
        return rc;
    }
    for (int k = 0; k < 18; k++) {
        text_cell(x.f, cairn_redcap_dictionary_column((size_t)k), k == 0);
    }
    fputs("\r\n", x.f);
    const char *c[18] = {0};
    c[0] = "record_id";
    c[1] = ex->forms[0].name;
    c[3] = "text";
    c[4] = ex->o->key != NULL ? "Research pseudonym" : "Client code";
    dict_row(x.f, c);
    for (size_t f = 0; f < ex->n_forms; f++) {
        form_dictionary(x.f, &ex->forms[f]);
    }
    return cairn__export_file_close(&x, true, ex->err);
}

static int write_repeating(exporter *ex, const char *path)
{
    cairn__export_file x = {0};
    char label[NAME_MAX_ + 4];
    int rc = cairn__export_file_open(&x, path, &ex->o->output, ex->err);
    if (rc < 0) {
        return rc;
    }
    fputs("form_name,custom_form_label\r\n", x.f);
    for (size_t f = 0; f < ex->n_forms; f++) {
        snprintf(label, sizeof label, "[%s]", ex->forms[f].date);
        text_cell(x.f, ex->forms[f].name, true);
        text_cell(x.f, label, false);
        fputs("\r\n", x.f);
    }
    return cairn__export_file_close(&x, true, ex->err);
}

/* Whether the store holds a current assessment of `inst`. */
static int has_rows(exporter *ex, const cairn_instrument *inst, bool *yes)
{
    cairn_store_cursor *cur = NULL;
    const cairn_cohort_row *r = NULL;
    int rc = cairn_store_cursor_open(&cur, ex->st, cairn_instrument_code(inst),
                                     ex->err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_cursor_next(cur, &r, ex->err);
    }
    cairn_store_cursor_close(cur);
    *yes = rc == 1;
    return rc < 0 ? rc : CAIRN_OK;
}

static int choose_forms(exporter *ex)
{
    size_t n = cairn_catalog_count(ex->cat);
    ex->forms = calloc(n + 1, sizeof *ex->forms);
    if (ex->forms == NULL) {
        return cairn_error_set(ex->err, CAIRN_ENOMEM, "out of memory");
    }
    if (ex->o->instrument != NULL) {
        const cairn_instrument *inst = NULL;
        int rc = cairn_catalog_find(&inst, ex->cat, ex->o->instrument, ex->err);
        if (rc < 0) {
            return rc;
        }
        ex->forms[ex->n_forms++].inst = inst;
        return CAIRN_OK;
    }
    for (size_t i = 0; i < n; i++) {
        bool yes = false;
        int rc = has_rows(ex, cairn_catalog_get(ex->cat, i), &yes);
        if (rc < 0) {
            return rc;
        }
        if (yes) {
            ex->forms[ex->n_forms++].inst = cairn_catalog_get(ex->cat, i);
        }
    }
    return CAIRN_OK;
}

static int export_all(exporter *ex, const char *prefix,
                      cairn_redcap_export_result *res)
{
    char path[4096];
    int rc = choose_forms(ex);
    for (size_t f = 0; rc == CAIRN_OK && f < ex->n_forms; f++) {
        rc = form_names(ex, &ex->forms[f]);
    }
    if (rc == CAIRN_OK) {
        rc = names_unique(ex);
    }
    for (size_t f = 0; rc == CAIRN_OK && f < ex->n_forms; f++) {
        rc = scan_form(ex, f);
    }
    if (rc == CAIRN_OK && ex->n_rows == 0) {
        rc = cairn_error_set(ex->err, CAIRN_EINVAL, "%s",
                             "no current assessments to export");
    }
    if (rc < 0) {
        return rc;
    }
    qsort(ex->rows, ex->n_rows, sizeof *ex->rows, row_order);
    snprintf(path, sizeof path, "%s.csv", prefix);
    rc = write_records(ex, path);
    snprintf(path, sizeof path, "%s.dictionary.csv", prefix);
    rc = rc == CAIRN_OK ? write_dictionary(ex, path) : rc;
    snprintf(path, sizeof path, "%s.repeating.csv", prefix);
    rc = rc == CAIRN_OK ? write_repeating(ex, path) : rc;
    res->rows = ex->n_rows;
    res->forms = ex->n_forms;
    res->fields = 1;
    for (size_t f = 0; f < ex->n_forms; f++) {
        res->fields += 1 + cairn_instrument_item_count(ex->forms[f].inst) +
                       cairn_instrument_scale_count(ex->forms[f].inst);
    }
    for (size_t i = 0; i < ex->n_rows; i++) {
        bool same =
            i > 0 && strcmp(ex->rows[i].record, ex->rows[i - 1].record) == 0;
        res->records += !same;
    }
    return rc;
}

/* The audit entry of an export (counts, no client data), made before
 * the files are placed: no export leaves unrecorded. */
static int audit_export(exporter *ex, const cairn_redcap_export_result *res)
{
    json_t *after = json_pack(
        "{s:s,s:s?,s:I,s:I,s:I}", "kind",
        ex->o->key != NULL ? "de-identified" : "identified", "instrument",
        ex->o->instrument, "records", (json_int_t)res->records, "rows",
        (json_int_t)res->rows, "forms", (json_int_t)res->forms);
    return cairn__store_audit_release(ex->st, "export.redcap", after, ex->err);
}

int cairn_redcap_export(cairn_store *st, const cairn_catalog *cat,
                        const char *prefix,
                        const cairn_redcap_export_options *opts,
                        cairn_redcap_export_result *res, cairn_error *err)
{
    static const cairn_redcap_export_options defaults =
        CAIRN_REDCAP_EXPORT_OPTIONS_INIT;
    cairn_redcap_export_result local;
    exporter ex;
    memset(&ex, 0, sizeof ex);
    ex.st = st;
    ex.cat = cat;
    ex.o = opts != NULL ? opts : &defaults;
    ex.err = err;
    res = res != NULL ? res : &local;
    memset(res, 0, sizeof *res);
    /* the three files are placed together, after the audit entry: a
     * failure before leaves every existing file as it was */
    cairn_outfile_batch batch = {0};
    cairn_redcap_export_options o = *ex.o;
    o.output.batch = &batch;
    ex.o = &o;
    int rc = export_all(&ex, prefix, res);
    if (rc == CAIRN_OK) {
        rc = audit_export(&ex, res);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_outfile_batch_commit(&batch, err);
    } else {
        cairn_outfile_batch_abort(&batch);
    }
    for (size_t i = 0; i < ex.n_rows; i++) {
        free(ex.rows[i].cells);
    }
    for (size_t f = 0; f < ex.n_forms; f++) {
        form_free(&ex.forms[f]);
    }
    free(ex.rows);
    free(ex.forms);
    return rc;
}
