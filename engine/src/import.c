/*
 * import.c - assessments from CSV files (wide or long form, see
 * cairn/import.h) into the store, in one transaction, streaming.
 *
 * The reader is an RFC 4180 state machine over a 256 KiB window, so the
 * file is never loaded whole; it keeps each record's fields (unquoted)
 * with the line the record starts on.  Each row is checked completely
 * (client code, date, instrument, every item against its options), scored
 * by the scoring engine and handed to the store's batch writer.  After the
 * first bad row nothing more is written (unless skip_bad), but every
 * remaining row is still checked so the person sees all problems at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/import.h"
#include "import_internal.h"
#include "internal.h"
#include "store_internal.h"

#define FIELD_MAX 1024
#define FIELDS_MAX 256
#define WINDOW (256 * 1024)

/* ------------------------------------------------------------------ */
/* CSV reader                                                          */

enum csv_problem {
    CSV_FINE,
    CSV_LONG_FIELD,
    CSV_MANY_FIELDS,
    CSV_QUOTE,
    CSV_CP1252_HOLE
};

typedef struct cairn__csv {
    FILE *fp; /* or NULL when reading `mem` */
    const char *mem;
    size_t mem_len;
    char *owned;     /* the window's buffer when reading fp */
    const char *win; /* window over the input */
    size_t len, pos;
    bool eof;
    bool io_error;
    long line; /* line of win[pos] */
    char rec[FIELDS_MAX * (FIELD_MAX + 1)];
    size_t rec_len;
    size_t off[FIELDS_MAX], flen[FIELDS_MAX];
    size_t nf;
    long rec_line;
    enum csv_problem problem;
    size_t problem_field;
    size_t cur;  /* bytes of the current field so far, kept
                    after a problem too, so quotes are still
                    honoured and the record ends where it
                    really ends */
    char delim;  /* ',', ';' or '\t' */
    bool cp1252; /* convert Windows-1252 bytes to UTF-8 */
    cairn__span spans[FIELDS_MAX];
    char problem_text[96];
} csv;

static bool csv_fill(csv *c)
{
    if (c->eof) {
        return false;
    }
    if (c->fp == NULL) {
        /* the whole buffer is the window */
        c->eof = true;
        return false;
    }
    size_t n = fread(c->owned, 1, WINDOW, c->fp);
    c->win = c->owned;
    c->len = n;
    c->pos = 0;
    if (n == 0) {
        c->eof = true;
        c->io_error = ferror(c->fp) != 0;
        return false;
    }
    return true;
}

/* The next byte, or -1 at the end. */
static int csv_get(csv *c)
{
    if (c->pos >= c->len && !csv_fill(c)) {
        return -1;
    }
    int ch = (unsigned char)c->win[c->pos++];
    if (ch == '\n') {
        c->line++;
    }
    return ch;
}

static int csv_peek(csv *c)
{
    if (c->pos >= c->len && !csv_fill(c)) {
        return -1;
    }
    return (unsigned char)c->win[c->pos];
}

static void field_put_utf8(csv *c, int ch);

static void field_put(csv *c, int ch)
{
    if (c->cp1252 && ch >= 0x80) {
        field_put_utf8(c, ch);
        return;
    }
    size_t i = c->nf - 1;
    c->cur++;
    if (c->problem != CSV_FINE) {
        return;
    }
    if (c->flen[i] >= FIELD_MAX) {
        c->problem = CSV_LONG_FIELD;
        c->problem_field = i + 1;
        return;
    }
    c->rec[c->rec_len++] = (char)ch;
    c->flen[i]++;
}

static void field_start(csv *c)
{
    c->cur = 0;
    if (c->problem == CSV_FINE && c->nf > 0) {
        c->rec[c->rec_len++] = '\0';
    }
    if (c->nf == FIELDS_MAX) {
        if (c->problem == CSV_FINE) {
            c->problem = CSV_MANY_FIELDS;
        }
        return;
    }
    if (c->problem == CSV_FINE) {
        c->off[c->nf] = c->rec_len;
        c->flen[c->nf] = 0;
        c->nf++;
    }
}

/* Copy at once the run of plain bytes that starts the rest of an
 * unquoted field in the window: up to a delimiter, a line end, a quote or
 * a byte to convert, and no further than FIELD_MAX; the byte it stops at
 * goes the byte-by-byte way, which then does exactly what it did before. */
static void field_run(csv *c)
{
    if (c->problem != CSV_FINE || c->nf == 0) {
        return;
    }
    size_t i = c->nf - 1;
    const char *w = c->win + c->pos;
    char *to = c->rec + c->rec_len;
    size_t n = c->len - c->pos, k = 0;
    if (n > FIELD_MAX - c->flen[i]) {
        n = FIELD_MAX - c->flen[i];
    }
    /* fields are short: copied as they are scanned, not by memcpy */
    while (k < n) {
        unsigned char ch = (unsigned char)w[k];
        if (ch == (unsigned char)c->delim || ch == '\n' || ch == '\r' ||
            ch == '"' || (ch >= 0x80 && c->cp1252)) {
            break;
        }
        to[k++] = (char)ch;
    }
    c->rec_len += k;
    c->flen[i] += k;
    c->cur += k;
    c->pos += k;
}

/* A quoted field after its opening quote; returns the byte after it. */
static int csv_quoted(csv *c)
{
    for (;;) {
        int ch = csv_get(c);
        if (ch < 0) {
            c->problem = CSV_QUOTE;
            return -1;
        }
        if (ch == '"') {
            if (csv_peek(c) != '"') {
                return csv_get(c);
            }
            csv_get(c);
        }
        field_put(c, ch);
    }
}

/*
 * Read the next record: 1 when there is one, 0 at the end.  Blank lines
 * are skipped.
 */
static int csv_next(csv *c)
{
    int ch;
    do {
        c->rec_len = 0;
        c->nf = 0;
        c->problem = CSV_FINE;
        c->rec_line = c->line;
        ch = csv_peek(c);
        if (ch < 0) {
            return 0;
        }
        field_start(c);
        for (;;) {
            field_run(c);
            ch = csv_get(c);
            if (ch == '"' && c->cur == 0) {
                ch = csv_quoted(c);
                while (ch == ' ' || ch == '\t') {
                    ch = csv_get(c);
                }
                if (ch >= 0 && ch != c->delim && ch != '\n' && ch != '\r' &&
                    c->problem == CSV_FINE) {
                    c->problem = CSV_QUOTE;
                }
            }
            if (ch < 0 || ch == '\n') {
                break;
            }
            if (ch == '\r' && csv_peek(c) == '\n') {
                continue;
            }
            if (ch == c->delim) {
                field_start(c);
            } else {
                field_put(c, ch);
            }
        }
        if (c->problem == CSV_FINE) {
            c->rec[c->rec_len] = '\0';
        }
    } while (c->problem == CSV_FINE && c->nf == 1 && c->flen[0] == 0);
    return 1;
}

/* Field i without surrounding blanks. */
static const char *csv_field(const csv *c, size_t i, size_t *len)
{
    const char *s = c->rec + c->off[i];
    size_t n = c->flen[i];
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    *len = n;
    return s;
}

/* Windows-1252 bytes 0x80-0x9F as Unicode; 0 where the code page has
 * no character.  0xA0-0xFF are U+00A0-U+00FF. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static void field_put_utf8(csv *c, int ch)
{
    unsigned cp = ch < 0xA0 ? cp1252_high[ch - 0x80] : (unsigned)ch;
    if (cp == 0) {
        if (c->problem == CSV_FINE) {
            c->problem = CSV_CP1252_HOLE;
            c->problem_field = c->nf;
        }
        return;
    }
    c->cp1252 = false;
    if (cp < 0x800) {
        field_put(c, (int)(0xC0 | (cp >> 6)));
    } else {
        field_put(c, (int)(0xE0 | (cp >> 12)));
        field_put(c, (int)(0x80 | ((cp >> 6) & 0x3F)));
    }
    field_put(c, (int)(0x80 | (cp & 0x3F)));
    c->cp1252 = true;
}

/*
 * The separator the first line uses most outside quotes: comma,
 * semicolon or tab (comma when none appears).
 */
static char csv_detect(const csv *c)
{
    size_t counts[3] = {0, 0, 0};
    static const char seps[3] = {',', ';', '\t'};
    bool quoted = false;
    for (size_t i = c->pos; i < c->len && c->win[i] != '\n'; i++) {
        char ch = c->win[i];
        if (ch == '"') {
            quoted = !quoted;
        }
        for (int k = 0; k < 3 && !quoted; k++) {
            counts[k] += ch == seps[k];
        }
    }
    int best = 0;
    for (int k = 1; k < 3; k++) {
        if (counts[k] > counts[best]) {
            best = k;
        }
    }
    return seps[best];
}

static void csv_setup(csv *c, char delim, bool cp1252)
{
    c->delim = delim != 0 ? delim : csv_detect(c);
    c->cp1252 = cp1252;
}

/* ---- the reader for other modules (import_internal.h) ---- */

int cairn__csv_open(cairn__csv **out, const char *path, char delim,
                    cairn_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    csv *c = calloc(1, sizeof *c);
    char *win = malloc(WINDOW);
    if (c == NULL || win == NULL) {
        free(c);
        free(win);
        fclose(fp);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->fp = fp;
    c->owned = win;
    c->line = 1;
    if (csv_fill(c) && c->len >= 3 && memcmp(win, "\xEF\xBB\xBF", 3) == 0) {
        c->pos = 3;
    }
    csv_setup(c, delim, false);
    *out = c;
    return CAIRN_OK;
}

int cairn__csv_read(cairn__csv *c, const cairn__span **fields, size_t *n,
                    const char **problem)
{
    if (csv_next(c) == 0) {
        return 0;
    }
    *problem = NULL;
    *fields = c->spans;
    *n = c->nf;
    if (c->problem != CSV_FINE) {
        snprintf(c->problem_text, sizeof c->problem_text, "%s",
                 c->problem == CSV_QUOTE ? "a quoted field is not closed "
                                           "properly"
                 : c->problem == CSV_LONG_FIELD ? "a field is longer than "
                                                  "1024 bytes"
                                                : "the row has too many "
                                                  "fields");
        *problem = c->problem_text;
        *n = 0;
        return 1;
    }
    for (size_t i = 0; i < c->nf; i++) {
        if (!cairn__store_text_is_clean(c->rec + c->off[i], c->flen[i], true)) {
            snprintf(c->problem_text, sizeof c->problem_text,
                     "field %zu holds a control byte or is not UTF-8", i + 1);
            *problem = c->problem_text;
            *n = 0;
            return 1;
        }
        c->spans[i].s = csv_field(c, i, &c->spans[i].n);
    }
    return 1;
}

long cairn__csv_line(const cairn__csv *c)
{
    return c->rec_line;
}

bool cairn__csv_failed(const cairn__csv *c)
{
    return c->io_error;
}

void cairn__csv_close(cairn__csv *c)
{
    if (c == NULL) {
        return;
    }
    if (c->fp != NULL) {
        fclose(c->fp);
    }
    free(c->owned);
    free(c);
}

/* ------------------------------------------------------------------ */
/* Import state                                                        */

enum form { WIDE, LONG };
enum col { COL_CLIENT, COL_DATE, COL_INSTRUMENT, COL_ITEM, COL_RESPONSE };

typedef struct inst_slot {
    const cairn_instrument *inst;
    cairn_responses *resp;
    bool unsaid; /* its codes differ and the file does not say which */
} inst_slot;

#define INST_SLOTS 32

typedef struct importer {
    cairn_store *st;
    const cairn_catalog *cat;
    const cairn_import_options *o;
    cairn_import_result *res;
    cairn_error *err;
    const char *name;
    csv *c;
    cairn__batch *batch;
    enum form form;
    int col[5];   /* column of each named field */
    int *item_of; /* wide: column -> item number, 0 = none */
    int max_item; /* wide: highest item column */
    size_t ncols;
    bool failed; /* a bad row was seen */
    inst_slot slots[INST_SLOTS];
    size_t n_slots;
    char last_inst_text[64];
    inst_slot *last_slot;
    /* long form: the open group */
    bool group_open;
    bool group_bad;
    long group_line;
    char group_client[72];
    char group_date[CAIRN__DATE_MAX];
    inst_slot *group_slot;
    size_t group_rows;
    uint64_t *groups; /* long form: hashes of groups seen */
    size_t n_groups, cap_groups;
    size_t header_nf;                 /* header fields, with empty trailing */
    const cairn__import_rules *rules; /* a map's columns, or NULL */
    cairn__map_cols mc;               /* where the map's columns are */
    cairn__import_rules map_rules;    /* rules of options->map */
} importer;

/* FNV-1a of a long-form group's client, instrument and date. */
static uint64_t group_hash(const char *client, const char *inst,
                           const char *date)
{
    uint64_t h = 14695981039346656037ULL;
    const char *parts[3] = {client, inst, date};
    for (int p = 0; p < 3; p++) {
        for (const char *c = parts[p]; *c; c++) {
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        }
        h = (h ^ 0x1f) * 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

/* Remember a group; true when it was seen before (or memory ran out). */
static bool group_seen(importer *im, uint64_t h)
{
    if (im->n_groups * 2 >= im->cap_groups) {
        size_t cap = im->cap_groups ? im->cap_groups * 2 : 1024;
        uint64_t *t = calloc(cap, sizeof *t);
        if (t == NULL) {
            return false;
        }
        for (size_t i = 0; i < im->cap_groups; i++) {
            uint64_t v = im->groups[i];
            size_t j = (size_t)(v & (cap - 1));
            while (v != 0 && t[j] != 0) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = v != 0 ? v : t[j];
        }
        free(im->groups);
        im->groups = t;
        im->cap_groups = cap;
    }
    size_t j = (size_t)(h & (im->cap_groups - 1));
    while (im->groups[j] != 0) {
        if (im->groups[j] == h) {
            return true;
        }
        j = (j + 1) & (im->cap_groups - 1);
    }
    im->groups[j] = h;
    im->n_groups++;
    return false;
}

/* Make `n` bytes printable for a message (at most 40 shown). */
static const char *shown(char out[48], const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 40; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
    }
    if (n > 40) {
        out[k++] = '.';
        out[k++] = '.';
        out[k++] = '.';
    }
    out[k] = '\0';
    return out;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
row_error(importer *im, long line, const char *fmt, ...)
{
    cairn_error e = CAIRN_ERROR_INIT;
    char msg[CAIRN_ERROR_MAX - 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e.code = CAIRN_EINVAL;
    e.line = line;
    snprintf(e.path, sizeof e.path, "%s", im->name);
    snprintf(e.message, sizeof e.message, "%s:%ld: %s", im->name, line, msg);
    if (!im->failed && im->err != NULL) {
        *im->err = e;
    }
    im->failed = true;
    im->res->rejected++;
    if (im->o->on_error != NULL) {
        im->o->on_error(&e, im->o->ctx);
    }
}

/* An error record for a callee to fill on failure: what a reader looks
 * at, cleared, without CAIRN_ERROR_INIT's 800 zero bytes on every item
 * of every row. */
static void error_ready(cairn_error *e)
{
    e->code = 0;
    e->message[0] = '\0';
    e->path[0] = '\0';
    e->line = 0;
}

static bool writing(const importer *im)
{
    return !im->failed || im->o->skip_bad;
}

/* The map whose codes apply, or NULL for Cairn's own columns. */
static const cairn_import_map *codes_map(const importer *im)
{
    return im->rules != NULL ? im->rules->map : NULL;
}

/* The instrument named by `len` bytes at `s`, with its response set. */
static inst_slot *lookup_slot(importer *im, const char *s, size_t len,
                              long line)
{
    char name[64], show[48];
    if (im->last_slot != NULL && len < sizeof im->last_inst_text &&
        memcmp(im->last_inst_text, s, len) == 0 &&
        im->last_inst_text[len] == '\0') {
        return im->last_slot;
    }
    if (len == 0 || len >= sizeof name) {
        row_error(im, line, "instrument '%s' is not known",
                  shown(show, s, len));
        return NULL;
    }
    memcpy(name, s, len);
    name[len] = '\0';
    const cairn_instrument *inst = NULL;
    cairn_error e = CAIRN_ERROR_INIT;
    int found = cairn__store_text_is_clean(s, len, false)
                    ? cairn_catalog_find(&inst, im->cat, name, &e)
                    : CAIRN_ENOTFOUND;
    if (found == CAIRN_EINVAL) { /* its worked examples fail */
        row_error(im, line, "%s", e.message);
        return NULL;
    }
    if (found < 0) {
        row_error(im, line, "instrument '%s' is not known",
                  shown(show, s, len));
        return NULL;
    }
    inst_slot *slot = NULL;
    for (size_t i = 0; i < im->n_slots; i++) {
        if (im->slots[i].inst == inst) {
            slot = &im->slots[i];
        }
    }
    if (slot == NULL && im->n_slots < INST_SLOTS) {
        slot = &im->slots[im->n_slots];
        if (cairn_responses_new(&slot->resp, inst, im->err) < 0) {
            return NULL;
        }
        slot->inst = inst;
        char why[8];
        slot->unsaid = !cairn__map_entry_check(codes_map(im), inst,
                                               im->o->codes, why, sizeof why);
        im->n_slots++;
    }
    if (slot == NULL) {
        row_error(im, line, "more than %d instruments in one file", INST_SLOTS);
        return NULL;
    }
    memcpy(im->last_inst_text, name, len + 1);
    im->last_slot = slot;
    return slot;
}

/* As lookup_slot; an instrument whose codes the file leaves unsaid is a
 * bad row, with the refusal naming the column and both choices. */
static inst_slot *find_slot(importer *im, const char *s, size_t len, long line)
{
    inst_slot *slot = lookup_slot(im, s, len, line);
    if (slot != NULL && slot->unsaid) {
        char why[700];
        cairn__map_entry_check(codes_map(im), slot->inst, im->o->codes, why,
                               sizeof why);
        row_error(im, line, "%s", why);
        return NULL;
    }
    return slot;
}

static void reset_responses(cairn_responses *r)
{
    for (size_t i = 0; i < r->n; i++) {
        r->missing[i] = true;
    }
}

/* A response code: fast path for one digit. */
static bool parse_code(const char *s, size_t len, long *v)
{
    if (len == 1 && s[0] >= '0' && s[0] <= '9') {
        *v = s[0] - '0';
        return true;
    }
    return cairn__util_parse_int(s, len, v) == 0;
}

static bool set_item(importer *im, inst_slot *slot, int item, const char *s,
                     size_t len, long line)
{
    char show[48];
    long v = 0;
    cairn_error e;
    error_ready(&e);
    if (!parse_code(s, len, &v)) {
        row_error(im, line, "item %d: '%s' is not a number", item,
                  shown(show, s, len));
        return false;
    }
    int rc = im->o->codes == CAIRN_ENTRY_SCORES
                 ? cairn_responses_set_entered(slot->resp, slot->inst,
                                               (size_t)item - 1, (int)v,
                                               CAIRN_ENTRY_SCORES, &e)
                 : cairn_responses_set(slot->resp, slot->inst, (size_t)item - 1,
                                       (int)v, &e);
    if (rc < 0) {
        row_error(im, line, "%s", e.message);
        return false;
    }
    return true;
}

static bool check_client(importer *im, const char *s, size_t len, long line,
                         char out[72])
{
    char show[48];
    if (!cairn__store_code_is_valid(s, len)) {
        row_error(im, line,
                  "client_id '%s' is not a valid client code (1-64 of "
                  "A-Z a-z 0-9 . _ - /)",
                  shown(show, s, len));
        return false;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

static bool check_date(importer *im, const char *s, size_t len, long line,
                       char out[CAIRN__DATE_MAX])
{
    char show[48], why[400];
    const char *col = im->rules != NULL && im->rules->map->date != NULL
                          ? im->rules->map->date
                          : "administered_at";
    cairn_error e;
    error_ready(&e);
    cairn_date d;
    if (im->o->date_format != CAIRN_DATE_ISO &&
        cairn_date_parse_format(&d, s, len, im->o->date_format, &e) < 0) {
        row_error(im, line, "%s %s", col, e.message);
        return false;
    }
    int r = im->o->date_format != CAIRN_DATE_ISO
                ? cairn__store_date_normalize(out, d.text, strlen(d.text),
                                              false, false)
                : cairn__store_date_normalize(out, s, len, false, false);
    if (r == CAIRN__DATE_BAD && im->o->date_format == CAIRN_DATE_ISO &&
        cairn_date_explain(why, sizeof why, s, len)) {
        row_error(im, line, "%s %s", col, why);
        im->res->dates_unread++;
        return false;
    }
    if (r == CAIRN__DATE_BAD) {
        row_error(im, line, "%s '%s' is not a date (%s)", col,
                  shown(show, s, len),
                  im->o->date_format == CAIRN_DATE_ISO
                      ? "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]"
                      : cairn_date_format_name(im->o->date_format));
        return false;
    }
    if (r == CAIRN__DATE_FUTURE) {
        row_error(im, line, "%s %s is in the future", col, shown(show, s, len));
        return false;
    }
    return true;
}

static void compare_totals(importer *im, const cairn_score *sc, long line);

/* Score the slot's responses and store them for `client` on `date`. */
static int store_one(importer *im, inst_slot *slot, const char *client,
                     const char *date, long line)
{
    cairn_score *sc = NULL;
    int64_t cid = 0;
    bool created = false, dup = false;
    cairn_error e;
    error_ready(&e);
    int rc = cairn__store_batch_client(im->batch, client,
                                       im->o->create_clients && writing(im),
                                       &cid, &created, &e);
    if (rc == CAIRN_ENOTFOUND) {
        if (im->o->create_clients) {
            return CAIRN_OK; /* would be created; nothing is written now */
        }
        row_error(im, line,
                  "client '%s' is not known (add the client first, or "
                  "let the import create clients)",
                  client);
        return CAIRN_OK;
    }
    if (rc < 0) {
        *im->err = e;
        return rc;
    }
    im->res->clients_created += created;
    if (im->form == LONG &&
        group_seen(
            im, group_hash(client, cairn_instrument_code(slot->inst), date))) {
        row_error(im, line,
                  "the rows of this assessment continue here after other "
                  "rows; keep an assessment's rows together");
        return CAIRN_OK;
    }
    if (!created) {
        rc = cairn__store_batch_plausible(im->batch, cid, date, slot->inst,
                                          NULL, 0, &e);
        if (rc == CAIRN_EINVAL) {
            row_error(im, line, "%s", e.message);
            return CAIRN_OK;
        }
        if (rc < 0) {
            *im->err = e;
            return rc;
        }
    }
    if (!writing(im)) {
        return CAIRN_OK;
    }
    if (im->rules == NULL && cairn__store_batch_scores_later(im->batch)) {
        /* scored on the batch's second thread while reading goes on */
        cairn__batch_row row = {cid, date, slot->resp, NULL, 0, NULL, true};
        rc = cairn__store_batch_add_later(im->batch, &row, slot->inst, &dup,
                                          im->err);
        if (rc == CAIRN_OK) {
            im->res->duplicates += dup;
            im->res->stored += !dup;
        }
        return rc;
    }
    rc = cairn_score_compute(&sc, slot->inst, slot->resp, im->err);
    if (rc == CAIRN_OK && im->rules != NULL) {
        compare_totals(im, sc, line);
    }
    if (rc == CAIRN_OK) {
        cairn__batch_row row = {cid, date, slot->resp, sc, 0, NULL, true};
        rc = cairn__store_batch_add(im->batch, &row, &dup, NULL, im->err);
    }
    cairn_score_free(sc);
    if (rc == CAIRN_OK) {
        if (dup) {
            im->res->duplicates++;
        } else {
            im->res->stored++;
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Header                                                              */

static bool name_is(const char *s, size_t n, const char *want)
{
    size_t k = strlen(want);
    if (n != k) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        if (ch != want[i]) {
            return false;
        }
    }
    return true;
}

/* "itemN" -> N, else 0. */
static int item_column(const char *s, size_t n)
{
    long v = 0;
    if (n < 5 || !name_is(s, 4, "item") ||
        cairn__util_parse_int(s + 4, n - 4, &v) < 0 || v < 1 || v > 999 ||
        s[4] == '0' || s[4] == '-') {
        return 0;
    }
    return (int)v;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
header_error(importer *im, const char *fmt, ...)
{
    char msg[CAIRN_ERROR_MAX - 300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cairn_error_set(im->err, CAIRN_EPARSE, "%s:%ld: %s", im->name,
                    im->c->rec_line, msg);
    if (im->err != NULL) {
        im->err->line = im->c->rec_line;
    }
    return CAIRN_EPARSE;
}

static int classify_column(importer *im, size_t i, const char *s, size_t n)
{
    static const char *const names[5] = {"client_id", "administered_at",
                                         "instrument", "item", "response"};
    char show[48];
    for (int k = 0; k < 5; k++) {
        if (name_is(s, n, names[k])) {
            if (im->col[k] >= 0) {
                return header_error(im, "column '%s' appears twice", names[k]);
            }
            im->col[k] = (int)i;
            return CAIRN_OK;
        }
    }
    int item = item_column(s, n);
    if (item == 0) {
        return header_error(im,
                            "unknown column '%s'; the columns can be "
                            "client_id, administered_at, instrument, then "
                            "item1..itemN (wide) or item and response "
                            "(long); another system's columns need a "
                            "column map",
                            shown(show, s, n));
    }
    for (size_t j = 0; j < i; j++) {
        if (im->item_of[j] == item) {
            return header_error(im, "column '%s' appears twice",
                                shown(show, s, n));
        }
    }
    im->item_of[i] = item;
    if (item > im->max_item) {
        im->max_item = item;
    }
    return CAIRN_OK;
}

static int map_header(importer *im);

static int read_header(importer *im)
{
    csv *c = im->c;
    if (csv_next(c) == 0) {
        return cairn_error_set(im->err, CAIRN_EPARSE,
                               "%s: the file is empty; it needs a header "
                               "row",
                               im->name);
    }
    if (c->problem != CSV_FINE) {
        return header_error(im, "%s", "the header row is not valid CSV");
    }
    im->header_nf = c->nf;
    im->ncols = c->nf;
    while (im->ncols > 1 && c->flen[im->ncols - 1] == 0) {
        im->ncols--;
        im->res->empty_columns++;
    }
    im->item_of = calloc(c->nf, sizeof *im->item_of);
    if (im->item_of == NULL) {
        return cairn_error_set(im->err, CAIRN_ENOMEM, "out of memory");
    }
    for (int k = 0; k < 5; k++) {
        im->col[k] = -1;
    }
    if (im->rules != NULL) {
        return map_header(im);
    }
    for (size_t i = 0; i < im->ncols; i++) {
        size_t n;
        const char *s = csv_field(c, i, &n);
        int rc = classify_column(im, i, s, n);
        if (rc < 0) {
            return rc;
        }
    }
    static const char *const need[3] = {"client_id", "administered_at",
                                        "instrument"};
    for (int k = 0; k < 3; k++) {
        if (im->col[k] < 0) {
            return header_error(im, "the header has no '%s' column", need[k]);
        }
    }
    bool is_long = im->col[COL_ITEM] >= 0 || im->col[COL_RESPONSE] >= 0;
    if (is_long && (im->col[COL_ITEM] < 0 || im->col[COL_RESPONSE] < 0 ||
                    im->max_item > 0)) {
        return header_error(im, "%s",
                            "use either item1..itemN columns (wide) or "
                            "item and response columns (long)");
    }
    if (!is_long && im->max_item == 0) {
        return header_error(im, "%s", "the header has no item columns");
    }
    for (int item = 1; item <= im->max_item; item++) {
        bool seen = false;
        for (size_t i = 0; i < c->nf; i++) {
            seen = seen || im->item_of[i] == item;
        }
        if (!seen) {
            return header_error(im, "the header has item%d but no item%d",
                                im->max_item, item);
        }
    }
    im->form = is_long ? LONG : WIDE;
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

/*
 * Whether the record has the header's width: its own fields, or more
 * that are all empty (Excel pads every row to its widest one).
 */
static bool width_ok(const importer *im)
{
    const csv *c = im->c;
    if (c->nf < im->ncols) {
        return false;
    }
    for (size_t i = im->ncols; i < c->nf; i++) {
        size_t n;
        csv_field(c, i, &n);
        if (n > 0) {
            return false;
        }
    }
    return true;
}

/* Whether every field of the record is empty (Excel's ",,,," rows). */
static bool record_empty(const csv *c)
{
    for (size_t i = 0; i < c->nf; i++) {
        size_t n;
        csv_field(c, i, &n);
        if (n > 0) {
            return false;
        }
    }
    return c->problem == CSV_FINE;
}

/* A field that is not UTF-8: say how to save the file as UTF-8. */
static void not_utf8(importer *im, long line, size_t i)
{
    const unsigned char *p = (const unsigned char *)im->c->rec + im->c->off[i];
    size_t n = im->c->flen[i];
    for (size_t k = 0; k < n; k++) {
        if (p[k] < 0x20 || p[k] == 0x7F) {
            row_error(im, line, "field %zu holds a control byte", i + 1);
            return;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (p[k] >= 0x80) {
            row_error(im, line,
                      "field %zu is not UTF-8 (byte 0x%02X): a file Excel "
                      "saved as plain CSV is Windows-1252; save it as \"CSV "
                      "UTF-8\" or say that it is Windows-1252",
                      i + 1, p[k]);
            im->res->not_utf8++;
            return;
        }
    }
    row_error(im, line, "field %zu is not UTF-8", i + 1);
}

/* Problems every record can have, before its fields are read. */
static bool record_ok(importer *im)
{
    csv *c = im->c;
    long line = c->rec_line;
    if (c->problem == CSV_QUOTE) {
        row_error(im, line, "a quoted field is not closed properly");
        return false;
    }
    if (c->problem == CSV_LONG_FIELD) {
        row_error(im, line, "field %zu is longer than %d bytes",
                  c->problem_field, FIELD_MAX);
        return false;
    }
    if (c->problem == CSV_CP1252_HOLE) {
        row_error(im, line,
                  "field %zu holds a byte Windows-1252 does not "
                  "define; is the file really Windows-1252?",
                  c->problem_field);
        return false;
    }
    if (c->problem == CSV_MANY_FIELDS || !width_ok(im)) {
        row_error(im, line, "%s%zu fields, but the header has %zu",
                  c->problem == CSV_MANY_FIELDS ? "more than " : "", c->nf,
                  im->ncols);
        return false;
    }
    for (size_t i = 0; i < c->nf; i++) {
        if (!cairn__store_text_is_clean(c->rec + c->off[i], c->flen[i],
                                        false)) {
            not_utf8(im, line, i);
            return false;
        }
    }
    return true;
}

static int wide_row(importer *im)
{
    csv *c = im->c;
    long line = c->rec_line;
    char client[72], date[CAIRN__DATE_MAX], show[48];
    size_t n;
    const char *s;
    if (!record_ok(im)) {
        return CAIRN_OK;
    }
    im->res->assessments++;
    s = csv_field(c, (size_t)im->col[COL_CLIENT], &n);
    if (!check_client(im, s, n, line, client)) {
        return CAIRN_OK;
    }
    s = csv_field(c, (size_t)im->col[COL_DATE], &n);
    if (!check_date(im, s, n, line, date)) {
        return CAIRN_OK;
    }
    s = csv_field(c, (size_t)im->col[COL_INSTRUMENT], &n);
    inst_slot *slot = find_slot(im, s, n, line);
    if (slot == NULL) {
        return im->err != NULL && im->err->code == CAIRN_ENOMEM ? CAIRN_ENOMEM
                                                                : CAIRN_OK;
    }
    int items = (int)slot->resp->n;
    if (items > im->max_item) {
        row_error(im, line,
                  "%s needs columns item1..item%d; the header "
                  "stops at item%d",
                  cairn_instrument_code(slot->inst), items, im->max_item);
        return CAIRN_OK;
    }
    reset_responses(slot->resp);
    for (size_t i = 0; i < im->ncols; i++) {
        int item = im->item_of[i];
        if (item == 0) {
            continue;
        }
        s = csv_field(c, i, &n);
        if (n == 0) {
            continue;
        }
        if (item > items) {
            row_error(im, line,
                      "item%d: %s has %d items, but the column "
                      "holds '%s'",
                      item, cairn_instrument_code(slot->inst), items,
                      shown(show, s, n));
            return CAIRN_OK;
        }
        if (!set_item(im, slot, item, s, n, line)) {
            return CAIRN_OK;
        }
    }
    return store_one(im, slot, client, date, line);
}

static int close_group(importer *im)
{
    int rc = CAIRN_OK;
    if (im->group_open && !im->group_bad) {
        rc = store_one(im, im->group_slot, im->group_client, im->group_date,
                       im->group_line);
    }
    im->group_open = false;
    return rc;
}

/* Start a new group unless the row continues the open one. */
static int long_group(importer *im, const char *client, const char *date,
                      inst_slot *slot, long line)
{
    if (im->group_open && slot == im->group_slot &&
        strcmp(client, im->group_client) == 0 &&
        strcmp(date, im->group_date) == 0) {
        return CAIRN_OK;
    }
    int rc = close_group(im);
    im->group_open = true;
    im->group_bad = false;
    im->group_line = line;
    im->group_slot = slot;
    snprintf(im->group_client, sizeof im->group_client, "%s", client);
    memcpy(im->group_date, date, sizeof im->group_date);
    reset_responses(slot->resp);
    im->res->assessments++;
    return rc;
}

static int long_row(importer *im)
{
    csv *c = im->c;
    long line = c->rec_line;
    char client[72], date[CAIRN__DATE_MAX], show[48];
    size_t n;
    const char *s;
    long item = 0;
    if (!record_ok(im)) {
        im->group_bad = true;
        return CAIRN_OK;
    }
    s = csv_field(c, (size_t)im->col[COL_CLIENT], &n);
    bool ok = check_client(im, s, n, line, client);
    s = csv_field(c, (size_t)im->col[COL_DATE], &n);
    ok = ok && check_date(im, s, n, line, date);
    s = csv_field(c, (size_t)im->col[COL_INSTRUMENT], &n);
    inst_slot *slot = ok ? find_slot(im, s, n, line) : NULL;
    if (slot == NULL) {
        im->group_bad = true;
        return CAIRN_OK;
    }
    int rc = long_group(im, client, date, slot, line);
    if (rc < 0) {
        return rc;
    }
    s = csv_field(c, (size_t)im->col[COL_ITEM], &n);
    if (cairn__util_parse_int(s, n, &item) < 0 || item < 1 ||
        (size_t)item > slot->resp->n) {
        row_error(im, line, "item '%s' is not an item of %s (1..%zu)",
                  shown(show, s, n), cairn_instrument_code(slot->inst),
                  slot->resp->n);
        im->group_bad = true;
        return CAIRN_OK;
    }
    if (!slot->resp->missing[item - 1]) {
        row_error(im, line, "item %ld is given twice for this assessment",
                  item);
        im->group_bad = true;
        return CAIRN_OK;
    }
    s = csv_field(c, (size_t)im->col[COL_RESPONSE], &n);
    if (n > 0 && !set_item(im, slot, (int)item, s, n, line)) {
        im->group_bad = true;
    }
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Columns named by a map (cairn/import_map.h) and REDCap's own        */

bool cairn__import_name_is(const char *s, size_t n, const char *want)
{
    if (strlen(want) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = want[i];
        a = a >= 'A' && a <= 'Z' ? (char)(a - 'A' + 'a') : a;
        b = b >= 'A' && b <= 'Z' ? (char)(b - 'A' + 'a') : b;
        if (a != b) {
            return false;
        }
    }
    return true;
}

/* The current record's fields as spans (trimmed, as csv_field gives). */
static const cairn__span *spans(importer *im)
{
    csv *c = im->c;
    for (size_t i = 0; i < c->nf; i++) {
        c->spans[i].s = csv_field(c, i, &c->spans[i].n);
    }
    return c->spans;
}

static int map_header(importer *im)
{
    char why[300];
    im->form = WIDE;
    int rc = cairn__map_columns(&im->mc, im->rules, spans(im), im->ncols, why,
                                sizeof why);
    if (rc == CAIRN_ENOMEM) {
        return cairn_error_set(im->err, rc, "out of memory");
    }
    /* a fixed instrument's codes are settled before the first row */
    const cairn_import_map *m = im->rules->map;
    char unsaid[700];
    if (rc == CAIRN_OK && m->inst != NULL &&
        !cairn__map_entry_check(m, m->inst, im->o->codes, unsaid,
                                sizeof unsaid)) {
        /* longer than header_error's room: the whole line is needed */
        cairn_error_set(im->err, CAIRN_EPARSE, "%s: %s", im->name, unsaid);
        return CAIRN_EPARSE;
    }
    return rc < 0 ? header_error(im, "%s", why) : CAIRN_OK;
}

/* The column a map reads item `item` from. */
static const char *item_column_name(const importer *im, int item)
{
    const cairn_import_map *m = im->rules->map;
    for (size_t k = 0; k < m->n_items; k++) {
        if (m->items[k].item == item) {
            return m->items[k].column;
        }
    }
    return "?";
}

/* Set the item in column `i` from its text through the map. */
static bool map_item(importer *im, inst_slot *slot, const cairn__span *f,
                     size_t i, long line)
{
    char show[48], why[200];
    int item = im->mc.item_of[i], code = 0;
    long v = 0;
    const char *col = item_column_name(im, item);
    const char *text = shown(show, f[i].s, f[i].n);
    cairn_error e;
    error_ready(&e);
    if ((size_t)item > slot->resp->n) {
        row_error(im, line,
                  "%s: %s has %zu items, but the map gives this "
                  "column item %d",
                  col, cairn_instrument_code(slot->inst), slot->resp->n, item);
        return false;
    }
    if (!parse_code(f[i].s, f[i].n, &v) || v < -100000 || v > 100000) {
        row_error(im, line, "%s: '%s' is not a number", col, text);
        return false;
    }
    v += im->mc.offset_of[i];
    cairn_entry entry = cairn__map_entry(im->rules->map, item, im->o->codes);
    if (!cairn__map_code(slot->inst, item, (int)v, entry, &code, why,
                         sizeof why)) {
        row_error(im, line, "%s: '%s': %s", col, text, why);
        return false;
    }
    if (cairn_responses_set(slot->resp, slot->inst, (size_t)item - 1, code,
                            &e) < 0) {
        row_error(im, line, "%s: '%s': %s", col, text, e.message);
        return false;
    }
    return true;
}

/* The row's date: its date column, else the event's day after the anchor. */
static bool map_date(importer *im, const cairn__span *f, long line,
                     char date[CAIRN__DATE_MAX])
{
    const cairn_import_map *m = im->rules->map;
    char why[300];
    if (im->mc.date >= 0 && f[im->mc.date].n > 0) {
        return check_date(im, f[im->mc.date].s, f[im->mc.date].n, line, date);
    }
    if (m->anchor == NULL) {
        row_error(im, line, "%s is empty; the row needs a date", m->date);
        return false;
    }
    if (cairn__map_event_date(&im->mc, m, f, date, why, sizeof why) < 0) {
        row_error(im, line, "%s", why);
        return false;
    }
    return true;
}

/* Whether a REDCap row's form is complete (or incomplete ones are taken). */
static bool form_complete(const importer *im, const cairn__span *f)
{
    if (im->mc.complete < 0 || im->rules->include_incomplete) {
        return true;
    }
    const cairn__span *c = &f[im->mc.complete];
    return c->n == 1 && c->s[0] == '2';
}

static int mapped_row(importer *im)
{
    long line = im->c->rec_line;
    char client[72], date[CAIRN__DATE_MAX];
    if (!record_ok(im)) {
        return CAIRN_OK;
    }
    const cairn__span *f = spans(im);
    if (im->mc.anchor >= 0) {
        cairn__map_keep_anchor(&im->mc, f, im->o->date_format);
    }
    if (cairn__map_without_answers(&im->mc, im->rules, f)) {
        im->res->without_answers++;
        return CAIRN_OK;
    }
    if (!form_complete(im, f)) {
        im->res->incomplete++;
        return CAIRN_OK;
    }
    im->res->assessments++;
    if (!check_client(im, f[im->mc.client].s, f[im->mc.client].n, line,
                      client) ||
        !map_date(im, f, line, date)) {
        return CAIRN_OK;
    }
    const cairn_instrument *fixed = im->rules->map->inst;
    const char *s =
        fixed != NULL ? cairn_instrument_code(fixed) : f[im->mc.instrument].s;
    size_t n = fixed != NULL ? strlen(s) : f[im->mc.instrument].n;
    inst_slot *slot = find_slot(im, s, n, line);
    if (slot == NULL) {
        return im->err != NULL && im->err->code == CAIRN_ENOMEM ? CAIRN_ENOMEM
                                                                : CAIRN_OK;
    }
    reset_responses(slot->resp);
    for (size_t i = 0; i < im->ncols; i++) {
        if (im->mc.item_of[i] != 0 && f[i].n > 0 &&
            !map_item(im, slot, f, i, line)) {
            return CAIRN_OK;
        }
    }
    return store_one(im, slot, client, date, line);
}

/* List every stored total that differs from Cairn's score. */
static void compare_totals(importer *im, const cairn_score *sc, long line)
{
    const cairn_import_map *m = im->rules->map;
    const cairn__span *f = im->c->spans;
    for (size_t k = 0; k < m->n_totals; k++) {
        cairn_error e = CAIRN_ERROR_INIT;
        char why[CAIRN_ERROR_MAX - 160];
        if (!cairn__map_total_differs(m, k, &f[im->mc.total_col[k]], sc, why,
                                      sizeof why)) {
            continue;
        }
        e.code = CAIRN_EINVAL;
        e.line = line;
        snprintf(e.path, sizeof e.path, "%s", im->name);
        snprintf(e.message, sizeof e.message, "%s:%ld: %s", im->name, line,
                 why);
        im->res->disagreements++;
        if (im->o->on_warning != NULL) {
            im->o->on_warning(&e, im->o->ctx);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */

static int run(importer *im)
{
    int rc = read_header(im);
    if (rc < 0) {
        return rc;
    }
    /* read, check, score and digest first; the write lock only for the
     * inserts (see store_batch_insert.c) */
    rc = cairn__store_batch_begin_deferred(
        &im->batch, im->st, CAIRN_METHOD_IMPORT, "import", im->name,
        im->o->on_lock, im->o->ctx, im->err);
    if (rc < 0) {
        return rc;
    }
    while (rc == CAIRN_OK && csv_next(im->c) == 1) {
        if (record_empty(im->c)) {
            im->res->empty_rows++;
            continue;
        }
        im->res->rows++;
        rc = im->rules != NULL  ? mapped_row(im)
             : im->form == WIDE ? wide_row(im)
                                : long_row(im);
    }
    if (rc == CAIRN_OK && im->form == LONG) {
        rc = close_group(im);
    }
    if (rc == CAIRN_OK && im->c->io_error) {
        rc = cairn_error_set(im->err, CAIRN_EIO, "%s: read error", im->name);
    }
    if (rc == CAIRN_OK) {
        /* the second thread's error came first: as if met at its row */
        rc = cairn__store_batch_drain(im->batch, im->err);
    }
    if (rc < 0 || im->o->dry_run || (im->failed && !im->o->skip_bad)) {
        cairn__store_batch_abort(im->batch);
        im->batch = NULL;
        if (rc == CAIRN_OK && !im->o->dry_run) {
            im->res->stored = 0;
            im->res->clients_created = 0;
        }
    } else {
        cairn__batch_tally t;
        rc = cairn__store_batch_finish(im->batch, &t, im->err);
        im->batch = NULL;
        /* final: others may have written while the file was read */
        im->res->stored = t.stored;
        im->res->duplicates = t.duplicates;
        im->res->clients_created = t.clients_created;
    }
    if (rc == CAIRN_OK && im->failed) {
        rc = CAIRN_EINVAL;
    }
    return rc;
}

static int import_csv(cairn_store *st, const cairn_catalog *cat, csv *c,
                      const char *name, const cairn_import_options *opts,
                      const cairn__import_rules *rules,
                      cairn_import_result *res, cairn_error *err)
{
    static const cairn_import_options defaults = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result local;
    cairn_error local_err = CAIRN_ERROR_INIT;
    importer im;
    memset(&im, 0, sizeof im);
    im.st = st;
    im.cat = cat;
    im.o = opts != NULL ? opts : &defaults;
    im.res = res != NULL ? res : &local;
    im.err = err != NULL ? err : &local_err;
    im.name = name;
    im.c = c;
    memset(im.res, 0, sizeof *im.res);
    csv_setup(c, im.o->delimiter, im.o->encoding == CAIRN_ENCODING_CP1252);
    im.rules = rules;
    if (rules == NULL && im.o->map != NULL) {
        im.map_rules.map = im.o->map;
        im.rules = &im.map_rules;
    }
    int rc = run(&im);
    for (size_t i = 0; i < im.n_slots; i++) {
        cairn_responses_free(im.slots[i].resp);
    }
    free(im.item_of);
    free(im.groups);
    cairn__map_columns_free(&im.mc);
    return rc;
}

int cairn_import_parse(cairn_store *st, const cairn_catalog *cat,
                       const char *buf, size_t len, const char *name,
                       const cairn_import_options *opts,
                       cairn_import_result *res, cairn_error *err)
{
    csv *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->win = buf;
    c->len = len;
    c->line = 1;
    /* skip a UTF-8 byte order mark */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        c->pos = 3;
    }
    int rc = import_csv(st, cat, c, name, opts, NULL, res, err);
    free(c);
    return rc;
}

int cairn_import_load(cairn_store *st, const cairn_catalog *cat,
                      const char *path, const cairn_import_options *opts,
                      cairn_import_result *res, cairn_error *err)
{
    return cairn__import_load_rules(st, cat, path, opts, NULL, res, err);
}

int cairn__import_load_rules(cairn_store *st, const cairn_catalog *cat,
                             const char *path, const cairn_import_options *opts,
                             const cairn__import_rules *rules,
                             cairn_import_result *res, cairn_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        if (res != NULL) {
            memset(res, 0, sizeof *res);
        }
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    csv *c = calloc(1, sizeof *c);
    char *win = malloc(WINDOW);
    if (c == NULL || win == NULL) {
        free(c);
        free(win);
        fclose(fp);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->fp = fp;
    c->owned = win;
    c->line = 1;
    if (csv_fill(c) && c->len >= 3 && memcmp(win, "\xEF\xBB\xBF", 3) == 0) {
        c->pos = 3;
    }
    int rc = import_csv(st, cat, c, path, opts, rules, res, err);
    free(win);
    free(c);
    fclose(fp);
    return rc;
}
