/*
 * export.c - the pieces of a de-identified export that do not read the
 * store: the site key, pseudonyms and date offsets (HMAC-SHA-256 through
 * crypto.c), age and gestation bands, the allow-list of columns, the data
 * dictionary and the CSV writer.  export_write.c drives the export.
 *
 * Invariant: a column reaches a file only through cairn__export_begin(),
 * which refuses any name the allow-list below does not classify.  To
 * export a new field, add it to `column_rules` with its classification and
 * meaning; nothing else will let it out.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "export_internal.h"

struct cairn_export_key {
    uint8_t bytes[CAIRN_EXPORT_KEY_SIZE];
    unsigned mode;    /* permission bits of the file it came from */
    cairn__hmac *mac; /* the same key, made ready for many MACs */
};

/* ------------------------------------------------------------------ */
/* The site key                                                        */

static int key_alloc(cairn_export_key **out, cairn_error *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    (*out)->mode = 0600;
    return CAIRN_OK;
}

int cairn_export_key_new(cairn_export_key **out, cairn_error *err)
{
    int rc = key_alloc(out, err);
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_random((*out)->bytes, sizeof(*out)->bytes, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_hmac_new(&(*out)->mac, (*out)->bytes, err);
    }
    if (rc < 0) {
        cairn_export_key_free(*out);
        *out = NULL;
    }
    return rc;
}

int cairn_export_key_parse(cairn_export_key **out, const void *bytes,
                           size_t len, cairn_error *err)
{
    *out = NULL;
    if (len != CAIRN_EXPORT_KEY_SIZE) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a site key is %d bytes, not %zu",
                               CAIRN_EXPORT_KEY_SIZE, len);
    }
    int rc = key_alloc(out, err);
    if (rc == CAIRN_OK) {
        memcpy((*out)->bytes, bytes, len);
        rc = cairn__crypto_hmac_new(&(*out)->mac, (*out)->bytes, err);
    }
    if (rc < 0) {
        cairn_export_key_free(*out);
        *out = NULL;
    }
    return rc;
}

int cairn_export_key_write(const cairn_export_key *key, const char *path,
                           cairn_error *err)
{
    cairn_outfile *f = NULL;
    int rc = cairn_outfile_open(&f, path, NULL, err);
    if (rc == CAIRN_EEXISTS) {
        return cairn_error_set(err, CAIRN_EEXISTS,
                               "%s: already exists; a new key would change "
                               "every pseudonym, so remove the old one "
                               "yourself if you mean to",
                               path);
    }
    if (rc < 0) {
        return rc;
    }
    FILE *fp = cairn_outfile_stream(f);
    if (fp == NULL ||
        fwrite(key->bytes, 1, sizeof key->bytes, fp) != sizeof key->bytes) {
        cairn_outfile_abort(f);
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot write", path);
    }
    return cairn_outfile_commit(f, err);
}

static int key_read(int fd, const char *path, uint8_t *buf, size_t *got,
                    cairn_error *err)
{
    /* read one byte more than a key, to tell a longer file */
    *got = 0;
    while (*got < CAIRN_EXPORT_KEY_SIZE + 1) {
        ssize_t n = read(fd, buf + *got, CAIRN_EXPORT_KEY_SIZE + 1 - *got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return cairn_error_set(err, CAIRN_EIO, "%s: cannot read: %s", path,
                                   strerror(errno));
        }
        if (n == 0) {
            break;
        }
        *got += (size_t)n;
    }
    return CAIRN_OK;
}

int cairn_export_key_load(cairn_export_key **out, const char *path,
                          cairn_error *err)
{
    uint8_t buf[CAIRN_EXPORT_KEY_SIZE + 1];
    struct stat sb;
    size_t got = 0;
    *out = NULL;
    /* O_NONBLOCK: a FIFO named as the key must not hang the command */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "%s: no such key file",
                               path);
    }
    if (fd < 0) {
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot read: %s", path,
                               strerror(errno));
    }
    int rc =
        fstat(fd, &sb) != 0
            ? cairn_error_set(err, CAIRN_EIO, "%s: cannot read: %s", path,
                              strerror(errno))
        : !S_ISREG(sb.st_mode)
            ? cairn_error_set(err, CAIRN_EINVAL,
                              "%s: not a key file (not a regular file)", path)
            : key_read(fd, path, buf, &got, err);
    close(fd);
    if (rc == CAIRN_OK && got != CAIRN_EXPORT_KEY_SIZE) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "%s: a site key is %d bytes, this file has "
                             "%s%zu",
                             path, CAIRN_EXPORT_KEY_SIZE,
                             got > CAIRN_EXPORT_KEY_SIZE ? "more than " : "",
                             got > CAIRN_EXPORT_KEY_SIZE ? got - 1 : got);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_export_key_parse(out, buf, got, err);
    }
    if (rc == CAIRN_OK) {
        (*out)->mode = (unsigned)sb.st_mode & 07777;
    }
    cairn__crypto_wipe(buf, sizeof buf);
    return rc;
}

bool cairn_export_key_is_private(const cairn_export_key *key)
{
    return (key->mode & 07777 & ~0600u) == 0;
}

unsigned cairn_export_key_mode(const cairn_export_key *key)
{
    return key->mode;
}

void cairn_export_key_free(cairn_export_key *key)
{
    if (key == NULL) {
        return;
    }
    cairn__crypto_hmac_free(key->mac);
    cairn__crypto_wipe(key, sizeof *key);
    free(key);
}

/* ------------------------------------------------------------------ */
/* Pseudonyms and offsets                                              */

/* The first 5 * n / 8 bytes of `mac` as n lowercase base32 characters. */
static void base32(char *out, size_t n, const uint8_t *mac)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = (unsigned)mac[byte] << 8 | mac[byte + 1];
        out[i] = alphabet[(v >> (11 - shift)) & 31];
    }
    out[n] = '\0';
}

/* HMAC-SHA-256(key, prefix NUL text), or of text alone when no prefix. */
static int keyed_mac(uint8_t mac[32], const cairn_export_key *key,
                     const char *prefix, const char *text, cairn_error *err)
{
    char buf[160];
    size_t p = prefix ? strlen(prefix) + 1 : 0, t = strlen(text);
    if (p + t > sizeof buf) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "client code of %zu bytes is too long", t);
    }
    if (p > 0) {
        memcpy(buf, prefix, p); /* with its NUL: no code can collide */
    }
    memcpy(buf + p, text, t);
    cairn__crypto_hmac_mac(key->mac, buf, p + t, mac);
    cairn__crypto_wipe(buf, sizeof buf);
    return CAIRN_OK;
}

int cairn_export_pseudonym(char out[CAIRN_EXPORT_PSEUDONYM_LEN + 1],
                           const cairn_export_key *key, const char *code,
                           cairn_error *err)
{
    uint8_t mac[32];
    int rc = keyed_mac(mac, key, NULL, code, err);
    if (rc == CAIRN_OK) {
        base32(out, CAIRN_EXPORT_PSEUDONYM_LEN, mac);
    }
    return rc;
}

int cairn_export_date_offset(int *days, const cairn_export_key *key,
                             const char *code, cairn_error *err)
{
    uint8_t mac[32];
    int rc = keyed_mac(mac, key, "cairn.date-shift.v1", code, err);
    if (rc == CAIRN_OK) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | mac[i];
        }
        /* 2^64 mod 364 is tiny next to 2^64: the bias is negligible */
        *days = 1 + (int)(v % 364);
    }
    return rc;
}

int cairn_export_key_id(const cairn_export_key *key, char out[9],
                        cairn_error *err)
{
    uint8_t mac[32];
    int rc = keyed_mac(mac, key, "cairn.key-id.v1", "", err);
    if (rc == CAIRN_OK) {
        base32(out, 8, mac);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Bands                                                               */

const char *cairn_export_age_band(int birth_year, const char *loss_date)
{
    static const char *const bands[] = {"<20",   "20-24", "25-29", "30-34",
                                        "35-39", "40-44", "45+"};
    long year = 0;
    if (birth_year <= 0 || loss_date == NULL ||
        cairn__util_parse_int(loss_date, 4, &year) < 0) {
        return NULL;
    }
    long age = year - birth_year;
    if (age < 20) {
        return bands[0];
    }
    return age >= 45 ? bands[6] : bands[(age - 20) / 5 + 1];
}

const char *cairn_export_gestation_band(int weeks)
{
    if (weeks <= 0) {
        return NULL;
    }
    return weeks < 12   ? "<12"
           : weeks < 20 ? "12-19"
           : weeks < 24 ? "20-23"
           : weeks < 28 ? "24-27"
           : weeks < 37 ? "28-36"
                        : "37+";
}

/* ------------------------------------------------------------------ */
/* The allow-list: every column an export may write                    */

/*
 * A pattern is a column name, or one with %I (the code of an exported
 * instrument), %N (one of its item numbers) and %S (one of its scale
 * ids).  Nothing else matches.
 */
typedef struct column_rule {
    const char *pattern;
    const char *type;
    const char *classification;
    const char *meaning;
} column_rule;

static const column_rule column_rules[] = {
    {"pseudonym", "text", "keyed pseudonym",
     "the client: HMAC-SHA-256 of the clinic's client code under the site "
     "key, first 80 bits in base32; the same in every export made with the "
     "same key, and not computable from client codes without it"},
    {"age_band", "text", "generalised",
     "age at the loss in 5-year bands (<20, 20-24, ..., 40-44, 45+; project "
     "policy), year of the loss minus birth year; empty when either is "
     "unknown"},
    {"gestation_band", "text", "generalised",
     "weeks of gestation at the loss in bands <12, 12-19, 20-23, 24-27, "
     "28-36, 37+ (project policy); empty when unknown"},
    {"loss_kind", "text", "kept",
     "kind of loss: miscarriage, stillbirth, neonatal_death, tfmr "
     "(termination for medical reasons), other or unknown"},
    {"days_loss_to_first", "integer", "relative time",
     "days from the loss to the client's first assessment (negative when "
     "the first assessment came before the loss); empty without a loss "
     "date"},
    {"instrument", "text", "provenance", "questionnaire code, e.g. phq9"},
    {"fingerprint", "text", "provenance",
     "sha256 fingerprint of the definition that scored the assessment "
     "(see provenance)"},
    {"definition", "integer", "provenance",
     "long format: short id of the definition that scored the assessment "
     "(1, 2, ...); the provenance's definitions table gives each id's "
     "instrument, version and fingerprint"},
    {"occasion", "integer", "structure",
     "the assessment's number among the client's current assessments of "
     "this questionnaire (1 = first)"},
    {"day", "integer", "relative time",
     "days since the client's first assessment on any questionnaire (0 = "
     "that day), so exports of different questionnaires line up"},
    {"episode", "integer", "structure",
     "the client's episode of care holding the assessment (1 = their "
     "first); empty when it lies outside every episode (before the first, "
     "between two, or the client has none).  Every assessment is exported; "
     "choose a course of care with this column"},
    {"day_in_episode", "integer", "relative time",
     "days since the start of that episode (0 = its first day); empty "
     "outside episodes"},
    {"date_shifted", "date", "shifted date",
     "date of the assessment moved earlier by the client's secret offset "
     "(1-364 days, from the site key): intervals are true, dates are not"},
    {"loss_date_shifted", "date", "shifted date",
     "date of the loss moved by the same offset; empty when unknown"},
    {"variable", "text", "structure",
     "what value holds: item_<n> (the response code to item n) or "
     "<scale>_score"},
    {"value", "number", "measure",
     "the response code or scale score named by variable; empty when the "
     "item was not answered or the scale could not be scored"},
    {"band", "text", "measure", "severity band of a <scale>_score row"},
    {"%I_item_%N", "integer", "measure",
     "response code to the item; empty when not answered"},
    {"%I_%S_score", "number", "measure",
     "scale score; empty when the missing-data rule gave none"},
    {"%I_%S_band", "text", "measure", "severity band of the scale score"},
};

static bool match(const char *p, const char *s, const cairn_instrument *in);

/* %N: one of the instrument's item numbers. */
static bool match_item(const char *p, const char *s, const cairn_instrument *in)
{
    size_t n = 0;
    long v = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        n++;
    }
    if (n == 0 || s[0] == '0' || cairn__util_parse_int(s, n, &v) < 0 ||
        cairn_instrument_find_item(in, (int)v) == NULL) {
        return false;
    }
    return match(p, s + n, in);
}

/* %S: one of the instrument's scale ids. */
static bool match_scale(const char *p, const char *s,
                        const cairn_instrument *in)
{
    for (size_t i = 0; i < cairn_instrument_scale_count(in); i++) {
        const char *id = cairn_instrument_scale(in, i)->id;
        size_t n = strlen(id);
        if (strncmp(s, id, n) == 0 && match(p, s + n, in)) {
            return true;
        }
    }
    return false;
}

static bool match(const char *p, const char *s, const cairn_instrument *in)
{
    for (; *p != '\0'; p++, s++) {
        if (p[0] == '%' && in != NULL) {
            if (p[1] == 'N') {
                return match_item(p + 2, s, in);
            }
            if (p[1] == 'S') {
                return match_scale(p + 2, s, in);
            }
            const char *code = cairn_instrument_code(in);
            size_t n = strlen(code);
            return p[1] == 'I' && strncmp(s, code, n) == 0 &&
                   match(p + 2, s + n, in);
        }
        if (*p != *s) {
            return false;
        }
    }
    return *s == '\0';
}

bool cairn__export_classify(const char *name,
                            const cairn_instrument *const *insts,
                            size_t n_insts, const char **type,
                            const char **classification, const char **meaning)
{
    for (size_t r = 0; r < sizeof column_rules / sizeof *column_rules; r++) {
        const column_rule *cr = &column_rules[r];
        bool dynamic = strchr(cr->pattern, '%') != NULL;
        bool ok = !dynamic && strcmp(cr->pattern, name) == 0;
        for (size_t i = 0; dynamic && !ok && i < n_insts; i++) {
            ok = match(cr->pattern, name, insts[i]);
        }
        if (ok) {
            *type = cr->type;
            *classification = cr->classification;
            *meaning = cr->meaning;
            return true;
        }
    }
    return false;
}

int cairn__export_begin(const cairn_export_sink *sink, const char *const *names,
                        size_t n, const cairn_instrument *const *insts,
                        size_t n_insts, cairn_error *err)
{
    const char *type, *cls, *meaning;
    for (size_t i = 0; i < n; i++) {
        if (!cairn__export_classify(names[i], insts, n_insts, &type, &cls,
                                    &meaning)) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "column '%.80s' is not classified as "
                                   "safe to export",
                                   names[i]);
        }
    }
    return sink->begin(sink->ctx, names, n, err);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

int cairn__export_file_open(cairn__export_file *x, const char *path,
                            const cairn_outfile_options *opts, cairn_error *err)
{
    x->path = path;
    x->f = NULL;
    x->written = x->flushed = 0;
    x->written_out = 0;
    int rc = cairn_outfile_open(&x->out, path, opts, err);
    if (rc < 0) {
        return rc;
    }
    x->f = cairn_outfile_stream(x->out);
    if (x->f == NULL) {
        cairn_outfile_abort(x->out);
        x->out = NULL;
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}

int cairn__export_file_close(cairn__export_file *x, bool ok, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (x->out == NULL) {
        return rc;
    }
    if (ok) {
        rc = cairn_outfile_commit(x->out, err);
    } else {
        cairn_outfile_abort(x->out);
    }
    x->out = NULL;
    x->f = NULL;
    return rc;
}

void cairn__export_date(char out[11], int32_t days)
{
    char buf[CAIRN_DATE_MAX];
    cairn_date_from_days(buf, days);
    memcpy(out, buf, 11);
}

/* The shortest text that reads back as `x`. */
static void format_number(char buf[32], double x)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, 32, "%.0f", x);
        return;
    }
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 32, "%.*g", p, x);
        if (strtod(buf, NULL) == x) {
            return;
        }
    }
}

/*
 * A row being written: cells are formatted into `b` and written with one
 * fwrite a row (a putc or fputs a cell cost more than the formatting).
 */
typedef cairn__export_line rowbuf;

static void rb_flush(rowbuf *r)
{
    if (r->n > 0) {
        fwrite(r->b, 1, r->n, r->f);
        r->total += r->n;
        r->n = 0;
    }
}

static void rb_put(rowbuf *r, const char *s, size_t n)
{
    if (n > sizeof r->b - r->n) {
        rb_flush(r);
        if (n > sizeof r->b) {
            fwrite(s, 1, n, r->f);
            r->total += n;
            return;
        }
    }
    memcpy(r->b + r->n, s, n);
    r->n += n;
}

static void rb_putc(rowbuf *r, char c)
{
    if (r->n == sizeof r->b) {
        rb_flush(r);
    }
    r->b[r->n++] = c;
}

/* A whole number in decimal, without printf (exports write millions). */
static void write_int(rowbuf *r, long v)
{
    char buf[24];
    size_t i = sizeof buf;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    if (v >= 0 && v < 10 && r->n < sizeof r->b) {
        r->b[r->n++] = (char)('0' + v); /* most cells: one digit */
        return;
    }
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        buf[--i] = '-';
    }
    rb_put(r, buf + i, sizeof buf - i);
}

static void put_cell(rowbuf *r, const cairn_export_cell *c, bool first)
{
    char num[32];
    if (!first) {
        rb_putc(r, ',');
    }
    if (c->kind == CAIRN_EXPORT_NUMBER) {
        /* a whole number below 1e9 (the cast is defined there): as
         * floor() would tell, without its call */
        long v = fabs(c->number) < 1e9 ? (long)c->number : 0;
        if (fabs(c->number) < 1e9 && (double)v == c->number) {
            write_int(r, v);
        } else {
            format_number(num, c->number);
            rb_put(r, num, strlen(num));
        }
        return;
    }
    if (c->kind != CAIRN_EXPORT_TEXT || c->text == NULL) {
        return;
    }
    size_t n = strcspn(c->text, ",\"\r\n");
    if (c->text[n] == '\0') {
        rb_put(r, c->text, n);
        return;
    }
    rb_putc(r, '"');
    for (const char *p = c->text; *p != '\0'; p++) {
        if (*p == '"') {
            rb_putc(r, '"');
        }
        rb_putc(r, *p);
    }
    rb_putc(r, '"');
}

void cairn__export_csv_cell(FILE *f, const cairn_export_cell *c, bool first)
{
    rowbuf r;
    r.f = f;
    r.n = 0;
    r.total = 0;
    put_cell(&r, c, first);
    rb_flush(&r);
}

static void csv_text(FILE *f, const char *text, bool first)
{
    cairn_export_cell c = {CAIRN_EXPORT_TEXT, text, 0};
    cairn__export_csv_cell(f, &c, first);
}

/* ------------------------------------------------------------------ */
/* The built-in CSV sink                                               */

/* A large export is synced to disk when it is complete; its pages are
 * handed to the system for writing out as they come, every this many
 * bytes, so the final sync waits only for the last of them. */
#define WRITE_OUT_EVERY (1u << 20)

/* The rows written so far: start writing them to disk, without waiting
 * (POSIX_FADV_DONTNEED: Linux starts writing back the dirty pages of the
 * range and keeps them until they are written; a hint elsewhere). */
static void write_out(cairn__export_file *x)
{
    off_t end = fflush(x->f) == 0 ? ftello(x->f) : -1;
    if (end > x->written_out) {
        (void)posix_fadvise(fileno(x->f), x->written_out, end - x->written_out,
                            POSIX_FADV_DONTNEED);
        x->written_out = end;
    }
    x->flushed = x->written;
}

/* `n` more bytes of rows written to `x`: written out now and then. */
static int wrote(cairn__export_file *x, size_t n, cairn_error *err)
{
    x->written += n;
    if (x->out != NULL && x->written - x->flushed >= WRITE_OUT_EVERY) {
        write_out(x);
    }
    if (ferror(x->f)) {
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot write: %s", x->path,
                               strerror(errno));
    }
    return CAIRN_OK;
}

static int csv_begin(void *ctx, const char *const *columns, size_t n,
                     cairn_error *err)
{
    cairn__export_file *x = ctx;
    (void)err;
    for (size_t i = 0; i < n; i++) {
        csv_text(x->f, columns[i], i == 0);
    }
    putc('\n', x->f);
    return CAIRN_OK;
}

int cairn__export_csv_row(void *ctx, const cairn_export_cell *cells, size_t n,
                          cairn_error *err)
{
    cairn__export_file *x = ctx;
    rowbuf r;
    r.f = x->f;
    r.n = 0;
    r.total = 0;
    for (size_t i = 0; i < n; i++) {
        put_cell(&r, &cells[i], i == 0);
    }
    rb_putc(&r, '\n');
    rb_flush(&r);
    return wrote(x, r.total, err);
}

bool cairn__export_csv_format(char *out, size_t size, size_t *len,
                              const cairn_export_cell *cells, size_t from,
                              size_t to)
{
    rowbuf r;
    assert(size <= CAIRN__EXPORT_HEAD_MAX && size < sizeof r.b);
    r.f = NULL; /* never flushed: the cells fit, or none is written */
    r.n = 0;
    r.total = 0;
    for (size_t i = from; i < to; i++) {
        const cairn_export_cell *c = &cells[i];
        /* a comma, then a number's 32 bytes, or the text quoted */
        size_t most = c->kind == CAIRN_EXPORT_TEXT && c->text != NULL
                          ? 2 * strlen(c->text) + 3
                          : 33;
        if (most > size - r.n) {
            return false;
        }
        put_cell(&r, c, i == 0);
    }
    memcpy(out, r.b, r.n);
    *len = r.n;
    return true;
}

void cairn__export_line_start(cairn__export_line *l, void *ctx,
                              const char *head, size_t len)
{
    FILE *f = ((cairn__export_file *)ctx)->f;
    if (l->f != f) { /* a first line, or of another file */
        l->f = f;
        l->n = 0;
        l->total = 0;
    }
    rb_put(l, head, len);
}

void cairn__export_line_cells(cairn__export_line *l,
                              const cairn_export_cell *cells, size_t from,
                              size_t to)
{
    for (size_t i = from; i < to; i++) {
        put_cell(l, &cells[i], i == 0);
    }
}

void cairn__export_line_empty(cairn__export_line *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rb_putc(l, ',');
    }
}

void cairn__export_line_code(cairn__export_line *l, int32_t code, bool none)
{
    if (!none && code >= 0 && code < 10 && l->n + 2 <= sizeof l->b) {
        l->b[l->n] = ','; /* most codes: a comma and one digit */
        l->b[l->n + 1] = (char)('0' + code);
        l->n += 2;
        return;
    }
    rb_putc(l, ',');
    if (!none) {
        /* a whole number's digits, as put_cell writes them (up to 1e15,
         * "%.0f" gives these too) */
        write_int(l, code);
    }
}

int cairn__export_line_end(cairn__export_line *l, void *ctx, cairn_error *err)
{
    rb_putc(l, '\n');
    /* lines go out together, a fwrite for some 3 KiB, not one each */
    return l->n < sizeof l->b - 1024 ? CAIRN_OK
                                     : cairn__export_line_flush(l, ctx, err);
}

int cairn__export_line_flush(cairn__export_line *l, void *ctx, cairn_error *err)
{
    if (l->f == NULL) {
        return CAIRN_OK; /* no line yet */
    }
    rb_flush(l);
    size_t n = l->total;
    l->total = 0;
    return wrote(ctx, n, err);
}

int cairn__export_csv_row_from(void *ctx, const char *head, size_t head_len,
                               const cairn_export_cell *cells, size_t from,
                               size_t n, cairn_error *err)
{
    cairn__export_line l = {.f = NULL};
    cairn__export_line_start(&l, ctx, head, head_len);
    cairn__export_line_cells(&l, cells, from, n);
    rb_putc(&l, '\n');
    return cairn__export_line_flush(&l, ctx, err);
}

int cairn__export_csv_put(cairn__export_file *x, const char *text, size_t n,
                          cairn_error *err)
{
    if (n > 0) {
        fwrite(text, 1, n, x->f);
    }
    return wrote(x, n, err);
}

/* The data file's stream buffer: a system call per 256 KiB of rows, not
 * per 4 KiB (170 MB at 100,000 clients). */
#define CSV_BUFFER (256u << 10)

typedef struct csv_file {
    cairn__export_file file; /* first: the sink's context is both */
    char *buffer;
} csv_file;

static int csv_finish(void *ctx, bool ok, cairn_error *err)
{
    csv_file *x = ctx;
    int rc = cairn__export_file_close(&x->file, ok, err);
    free(x->buffer); /* after the stream that used it is closed */
    free(x);
    return rc;
}

int cairn__export_csv_sink(cairn_export_sink *out, const char *path,
                           const cairn_outfile_options *opts, cairn_error *err)
{
    csv_file *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn__export_file_open(&x->file, path, opts, err);
    if (rc < 0) {
        free(x);
        return rc;
    }
    /* without it (out of memory) the stream keeps its own */
    x->buffer = malloc(CSV_BUFFER);
    if (x->buffer != NULL &&
        setvbuf(x->file.f, x->buffer, _IOFBF, CSV_BUFFER) != 0) {
        free(x->buffer);
        x->buffer = NULL;
    }
    *out = (cairn_export_sink){x, csv_begin, cairn__export_csv_row, csv_finish};
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* The data dictionary                                                 */

/* What the dictionary says of an item or scale column beyond the rule. */
static void column_detail(char *buf, size_t size, const cairn__export_column *c)
{
    buf[0] = '\0';
    if (c->inst != NULL && c->item > 0) {
        const cairn_item *it = cairn_instrument_find_item(c->inst, c->item);
        snprintf(buf, size, "%s item %d (%s): ", cairn_instrument_code(c->inst),
                 c->item, it ? it->label : "?");
    } else if (c->inst != NULL && c->scale != NULL) {
        snprintf(
            buf, size,
            "%s %s (%s, %g-%g, higher is %s): ", cairn_instrument_code(c->inst),
            c->scale->id, c->scale->label, c->scale->min, c->scale->max,
            c->scale->direction == CAIRN_HIGHER_IS_WORSE ? "worse" : "better");
    }
}

static void dictionary_row(FILE *f, const char *name, const char *kind,
                           const char *type, const char *cls,
                           const char *detail, const char *meaning)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s", detail, meaning);
    csv_text(f, name, true);
    csv_text(f, kind, false);
    csv_text(f, type, false);
    csv_text(f, cls, false);
    csv_text(f, text, false);
    putc('\n', f);
}

/* Long format: the values `variable` takes, per instrument. */
static void dictionary_variables(FILE *f, const cairn_instrument *in)
{
    char name[CAIRN__EXPORT_NAME_MAX], detail[512];
    const char *code = cairn_instrument_code(in);
    for (size_t k = 0; k < cairn_instrument_item_count(in); k++) {
        const cairn_item *it = cairn_instrument_item(in, k);
        cairn__export_column c = {.inst = in, .item = it->number};
        snprintf(name, sizeof name, "%s:item_%d", code, it->number);
        column_detail(detail, sizeof detail, &c);
        dictionary_row(f, name, "variable", "integer", "measure", detail,
                       "response code; empty when not answered");
    }
    for (size_t s = 0; s < cairn_instrument_scale_count(in); s++) {
        cairn__export_column c = {.inst = in,
                                  .scale = cairn_instrument_scale(in, s)};
        snprintf(name, sizeof name, "%s:%s_score", code, c.scale->id);
        column_detail(detail, sizeof detail, &c);
        dictionary_row(f, name, "variable", "number", "measure", detail,
                       "scale score, with its band in the band column");
    }
}

int cairn__export_dictionary(const char *path, const cairn__export_column *cols,
                             size_t n, bool long_format,
                             const cairn_instrument *const *insts,
                             size_t n_insts, const cairn_outfile_options *opts,
                             cairn_error *err)
{
    cairn__export_file x;
    char detail[512];
    const char *type, *cls, *meaning;
    int rc = cairn__export_file_open(&x, path, opts, err);
    if (rc < 0) {
        return rc;
    }
    fputs("name,kind,type,classification,meaning\n", x.f);
    for (size_t i = 0; i < n; i++) {
        if (!cairn__export_classify(cols[i].name, insts, n_insts, &type, &cls,
                                    &meaning)) {
            cairn__export_file_close(&x, false, NULL);
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "column '%.80s' is not classified as "
                                   "safe to export",
                                   cols[i].name);
        }
        column_detail(detail, sizeof detail, &cols[i]);
        dictionary_row(x.f, cols[i].name, "column", type, cls, detail, meaning);
    }
    for (size_t i = 0; long_format && i < n_insts; i++) {
        dictionary_variables(x.f, insts[i]);
    }
    return cairn__export_file_close(&x, true, err);
}
