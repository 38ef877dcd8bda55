/*
 * cairn/export.h - de-identified research export under a site key.
 *
 * A clinic makes one secret site key (32 random bytes in a file of mode
 * 0600) and keeps it.  An export replaces each client's code by a keyed
 * pseudonym, HMAC-SHA-256(key, code) shortened to 16 base32 characters:
 * the same client gets the same pseudonym in every export made with the
 * same key, and nobody without the key can compute it from a list of
 * client codes.  Names, notes, clinicians, event labels and every other
 * free text stay behind; the birth year becomes a 5-year age band at the
 * loss, the weeks of gestation a band; calendar dates become days since
 * the client's first assessment (or, with shift_dates, dates moved by a
 * secret per-client offset of 1-364 days, which keeps every interval).
 *
 * Every column an export writes must be classified as safe in the one
 * allow-list table in export.c; a column that is not is refused before
 * anything is written.  Next to the data file the export writes
 * FILE.dictionary.csv (every column: type, classification, meaning) and
 * FILE.provenance.json (Cairn version, definition fingerprints, options,
 * row counts and the de-identification applied).  The key never appears
 * in any output.
 *
 *     cairn_export_key *key = NULL;
 *     cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
 *     cairn_export_result res;
 *     o.instrument = "phq9";
 *     if (cairn_export_key_load(&key, "site.key", &err) < 0 ||
 *         cairn_export_write(st, cat, key, "phq9.csv", &o, &res, &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     cairn_export_key_free(key);
 *
 * Rows come out ordered by pseudonym, then day, so their order says
 * nothing about when clients were registered.
 */
#ifndef CAIRN_EXPORT_H
#define CAIRN_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/outfile.h"
#include "cairn/store.h"

/* ------------------------------------------------------------------ */
/* The site key                                                        */

/** Bytes in a site key (and in a key file). */
#define CAIRN_EXPORT_KEY_SIZE 32

/** Characters of a pseudonym (80 bits in lowercase base32), no NUL. */
#define CAIRN_EXPORT_PSEUDONYM_LEN 16

/** A site key in memory (opaque); wiped when freed. */
typedef struct cairn_export_key cairn_export_key;

/**
 * Make a new random site key (libsodium's randombytes_buf).  Free it
 * with cairn_export_key_free.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_ECRYPTO.  On failure `*out` is
 * NULL.
 */
int cairn_export_key_new(cairn_export_key **out, cairn_error *err);

/**
 * Write `key` to a new file at `path` with mode 0600.  An existing file
 * is never replaced (a new key would change every pseudonym).
 * Returns CAIRN_OK, CAIRN_EEXISTS ("site.key: already exists; ...") or
 * CAIRN_EIO.
 */
int cairn_export_key_write(const cairn_export_key *key, const char *path,
                           cairn_error *err);

/**
 * Read the key file at `path`: exactly CAIRN_EXPORT_KEY_SIZE bytes.  The
 * file's permission bits are kept (cairn_export_key_is_private) so the
 * caller can warn about a key others can read.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (no such file), CAIRN_EIO (cannot be
 * read), CAIRN_EINVAL (wrong size: "site.key: a site key is 32 bytes, this
 * file has 31") or CAIRN_ENOMEM.  On failure `*out` is NULL.
 */
int cairn_export_key_load(cairn_export_key **out, const char *path,
                          cairn_error *err);

/**
 * A key from `len` bytes at `bytes` (which must be CAIRN_EXPORT_KEY_SIZE),
 * for tests and for keys kept elsewhere than in a file.
 * Returns CAIRN_OK, CAIRN_EINVAL (wrong length) or CAIRN_ENOMEM.
 */
int cairn_export_key_parse(cairn_export_key **out, const void *bytes,
                           size_t len, cairn_error *err);

/**
 * Whether the key came from a file nobody but its owner can read or
 * write (permission bits within 0600), or was made in memory.
 */
bool cairn_export_key_is_private(const cairn_export_key *key);

/** The permission bits of the key's file (0600 for a key made here). */
unsigned cairn_export_key_mode(const cairn_export_key *key);

/**
 * A short public name of the key (8 base32 characters of
 * HMAC-SHA-256(key, "cairn.key-id.v1")), written into provenance so
 * researchers can tell whether two exports share a key.  It reveals
 * nothing about the key.  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn_export_key_id(const cairn_export_key *key, char out[9],
                        cairn_error *err);

/** Wipe and free a key.  NULL is allowed. */
void cairn_export_key_free(cairn_export_key *key);

/* ------------------------------------------------------------------ */
/* De-identifying one client                                           */

/**
 * The pseudonym of client `code` under `key`: the first 80 bits of
 * HMAC-SHA-256(key, code) in lowercase base32 (a-z, 2-7), 16 characters
 * and a NUL in `out`.  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn_export_pseudonym(char out[CAIRN_EXPORT_PSEUDONYM_LEN + 1],
                           const cairn_export_key *key, const char *code,
                           cairn_error *err);

/**
 * The secret date offset of client `code` under `key`, 1-364 days, from
 * HMAC-SHA-256(key, "cairn.date-shift.v1" NUL code) (domain-separated from
 * the pseudonym).  Shifted dates are the real ones minus the offset.
 * Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn_export_date_offset(int *days, const cairn_export_key *key,
                             const char *code, cairn_error *err);

/**
 * The age band at the loss: age = the year of `loss_date` minus
 * `birth_year` (only the birth year is recorded, so this can be one year
 * high), banded as "<20", "20-24", ..., "40-44", "45+" (project policy:
 * the extremes are pooled because they are rare).  NULL when the birth
 * year (0) or the loss date (NULL) is unknown.  Static string.
 */
const char *cairn_export_age_band(int birth_year, const char *loss_date);

/**
 * The gestation band of `weeks` (project policy): "<12", "12-19",
 * "20-23", "24-27", "28-36", "37+".  NULL when unknown (0).  Static
 * string.
 */
const char *cairn_export_gestation_band(int weeks);

/* ------------------------------------------------------------------ */
/* Writing an export                                                   */

/** Row layout. */
typedef enum cairn_export_format {
    CAIRN_EXPORT_WIDE = 0, /**< one row per assessment: every item and
                                scale of its questionnaire as columns
                                named <instrument>_item_<n>,
                                <instrument>_<scale>_score and _band */
    CAIRN_EXPORT_LONG = 1  /**< one row per assessment and variable:
                                columns variable (item_<n> or
                                <scale>_score), value and band */
} cairn_export_format;

/** What a cell holds. */
typedef enum cairn_export_cell_kind {
    CAIRN_EXPORT_EMPTY = 0, /**< nothing (missing or not applicable) */
    CAIRN_EXPORT_TEXT = 1,
    CAIRN_EXPORT_NUMBER = 2
} cairn_export_cell_kind;

/** One cell of a row handed to a sink. */
typedef struct cairn_export_cell {
    cairn_export_cell_kind kind;
    const char *text; /**< TEXT: borrowed until the call returns */
    double number;    /**< NUMBER */
} cairn_export_cell;

/**
 * Where rows go when not to the built-in CSV writer (the command's .xlsx
 * writer, a test).  Cairn checks every column name against its
 * allow-list before calling `begin`, then calls `row` once per row and
 * `finish` exactly once: with ok false after a failure (the sink removes
 * what it made), with ok true to commit.  Each returns CAIRN_OK or a
 * negative code with `err` filled.
 */
typedef struct cairn_export_sink {
    void *ctx; /**< passed to every call */
    int (*begin)(void *ctx, const char *const *columns, size_t n,
                 cairn_error *err);
    int (*row)(void *ctx, const cairn_export_cell *cells, size_t n,
               cairn_error *err);
    int (*finish)(void *ctx, bool ok, cairn_error *err);
} cairn_export_sink;

/** What to export. */
typedef struct cairn_export_options {
    cairn_export_format format;
    const char *instrument;        /**< a code; NULL = every instrument */
    const char *from;              /**< first administration date, or NULL */
    const char *to;                /**< last administration date, or NULL */
    bool shift_dates;              /**< add shifted dates (date_shifted,
                                        loss_date_shifted) */
    const cairn_export_sink *sink; /**< NULL = CSV at the path */
    cairn_outfile_options output;  /**< what the files may not replace
                                        (cairn/outfile.h); also for the
                                        dictionary and provenance */
} cairn_export_options;

/** Defaults: wide CSV of every instrument, all dates, no shifted dates. */
#define CAIRN_EXPORT_OPTIONS_INIT                                              \
    {                                                                          \
        CAIRN_EXPORT_WIDE, NULL, NULL, NULL, false, NULL,                      \
            CAIRN_OUTFILE_OPTIONS_INIT                                         \
    }

/** What an export wrote. */
typedef struct cairn_export_result {
    size_t rows;        /**< data rows (long: one per variable) */
    size_t assessments; /**< assessments exported */
    size_t clients;     /**< clients with at least one */
    size_t instruments; /**< questionnaires with at least one */
} cairn_export_result;

/**
 * Export every current assessment of the catalog's instruments (or of
 * `opts->instrument`) administered in the range, de-identified with
 * `key`, to `path` (CSV, or through `opts->sink`), with
 * `path`.dictionary.csv and `path`.provenance.json beside it.  Each file
 * is written to a temporary file (mode 0600); the three are put in place
 * together (a cairn_outfile_batch: `opts->output.batch` when given, as
 * for a sink made with those options, else one of its own; committed or
 * emptied before it returns) only after all are complete and the audit
 * entry is made, so a failure leaves every existing file as it was and
 * no temporary.  Memory is bounded: rows are spooled to temporary files
 * in buckets of pseudonyms and sorted a bucket at a time.  `res` may be
 * NULL.  It may use one more POSIX thread to decode, spool and write
 * rows (the same bytes as one thread), always joined before it returns;
 * the store and a sink's functions are used on the calling thread only.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (an instrument the catalog lacks),
 * CAIRN_EINVAL (a bad date, or a column not classified as safe),
 * CAIRN_EIO, CAIRN_EDB, CAIRN_ECRYPTO, CAIRN_ENOMEM or what the sink
 * returns.
 */
int cairn_export_write(cairn_store *st, const cairn_catalog *cat,
                       const cairn_export_key *key, const char *path,
                       const cairn_export_options *opts,
                       cairn_export_result *res, cairn_error *err);

/**
 * The codes of the instruments `st` holds definitions of, sorted: the
 * only ones an export of `st` can hold rows of, so the catalog it needs
 * is cairn_catalog_load_named of these.  `*out` (`*n` codes) is the
 * caller's, freed with cairn_export_instruments_free; with none, `*out`
 * is an empty list.  Returns CAIRN_OK, CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_export_instruments(char ***out, size_t *n, cairn_store *st,
                             cairn_error *err);

/** Free cairn_export_instruments' list of `n` codes.  NULL is allowed. */
void cairn_export_instruments_free(char **codes, size_t n);

#endif
