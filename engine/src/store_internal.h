/*
 * store_internal.h - what the store offers other engine files (import.c)
 * without exposing SQLite: a text buffer, date normalisation and the
 * batch writer that imports use to add many assessments in one
 * transaction.  Never installed.
 */
#ifndef CAIRN_STORE_INTERNAL_H
#define CAIRN_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cairn/date.h"
#include "cairn/store.h"

/* ---- a growable text buffer; on allocation failure `oom` is set ---- */

typedef struct cairn__buf {
    char *p; /* NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    bool oom;
} cairn__buf;

#define CAIRN__BUF_INIT                                                        \
    {                                                                          \
        NULL, 0, 0, false                                                      \
    }

void cairn__buf_put(cairn__buf *b, const char *s, size_t n);
void cairn__buf_puts(cairn__buf *b, const char *s);
void cairn__buf_putc(cairn__buf *b, char c);
void cairn__buf_int(cairn__buf *b, long long v);
void cairn__buf_free(cairn__buf *b);

/* ---- JSON, through jansson ---- */

/* Append the compact JSON text of `v` (keys in insertion order) to `b`
 * and release `v`.  A NULL `v` (a jansson allocation that failed) or a
 * failed dump sets b->oom. */
void cairn__buf_json(cairn__buf *b, json_t *v);
/* A number: an integer when whole and below 1e15 in magnitude, else a
 * real (jansson prints it with 17 significant digits). */
json_t *cairn__json_number(double v);
/* A string, or null for NULL. */
json_t *cairn__json_string(const char *s);
/* Set `key` of object `o` to `v` (stolen); a NULL `v` marks `*oom`. */
void cairn__json_set(json_t *o, const char *key, json_t *v, bool *oom);

/* ---- dates ---- */

/* Longest normalised date: "YYYY-MM-DDTHH:MM:SSZ" plus NUL. */
#define CAIRN__DATE_MAX CAIRN_DATE_MAX /* cairn/date.h */

/* Outcomes of cairn__store_date_normalize. */
enum { CAIRN__DATE_OK = 0, CAIRN__DATE_BAD = 1, CAIRN__DATE_FUTURE = 2 };

/*
 * Normalise `len` bytes at `s` ("YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS]"
 * with an optional "Z" or "+HH:MM"/"-HH:MM") into `out` as UTC
 * ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ"); `date_only` refuses a time.
 * Years 1900-2199.  A moment more than a day after `now` is FUTURE unless
 * `allow_future`.  Returns one of the CAIRN__DATE_* values.
 */
int cairn__store_date_normalize(char out[CAIRN__DATE_MAX], const char *s,
                                size_t len, bool date_only, bool allow_future);

/*
 * Whether `len` bytes at `s` are UTF-8 without control bytes (tab and
 * newline allowed when `multiline`).
 */
bool cairn__store_text_is_clean(const char *s, size_t len, bool multiline);

/* Whether `len` bytes at `s` make a valid client code. */
bool cairn__store_code_is_valid(const char *s, size_t len);

/* ---- the batch writer ---- */

typedef struct cairn__batch cairn__batch;

/*
 * Begin an IMMEDIATE transaction and a batch row for `method`; `action`
 * names the audit entry ("import", "assessment.add", ...), `source` the
 * file (or NULL).  On failure nothing is open.
 */
int cairn__store_batch_begin(cairn__batch **out, cairn_store *st,
                             cairn_method method, const char *action,
                             const char *source, cairn_error *err);

/*
 * Begin a deferred batch (the imports): only a read transaction now,
 * so other writers go on committing while the caller reads, checks and
 * scores; every row is decided against that snapshot and kept (spilled to
 * a temporary file beside the database past 16 MiB).  The commit calls
 * `before_lock(ctx)` (may be NULL), waits for the write lock, inserts the
 * rows - deciding again what others wrote in between changes - and
 * commits, all or nothing.  The rows' ids and `*duplicate` answers are
 * provisional until then: cairn__store_batch_finish gives the final
 * counts.
 */
int cairn__store_batch_begin_deferred(cairn__batch **out, cairn_store *st,
                                      cairn_method method, const char *action,
                                      const char *source,
                                      void (*before_lock)(void *), void *ctx,
                                      cairn_error *err);

/*
 * The id of client `code`; when absent and `create`, add it (recorded in
 * this batch).  Returns CAIRN_OK or CAIRN_ENOTFOUND ("client 'X' is not
 * known"), CAIRN_EDB.
 */
int cairn__store_batch_client(cairn__batch *b, const char *code, bool create,
                              int64_t *id, bool *created, cairn_error *err);

/* A new assessment for the batch. */
typedef struct cairn__batch_row {
    int64_t client_id;
    const char *administered_at; /* normalised */
    const cairn_responses *resp;
    const cairn_score *score; /* computed from resp */
    int64_t supersedes;       /* 0 = none */
    const char *reason;       /* NULL = none */
    bool check_duplicate;     /* skip when already stored */
} cairn__batch_row;

/*
 * Add one assessment.  With check_duplicate, an identical stored one
 * (client, instrument, date, responses) sets `*duplicate` and writes
 * nothing.  `*id` (may be NULL) receives the new id.
 */
int cairn__store_batch_add(cairn__batch *b, const cairn__batch_row *row,
                           bool *duplicate, int64_t *id, cairn_error *err);

/*
 * Wait until a deferred batch's second thread has done everything handed
 * to it, and end it (nothing more is added unscored after this).  Its
 * first error (memory, the spill's file), which came before any row read
 * since, or CAIRN_OK.  Harmless without a second thread.
 */
int cairn__store_batch_drain(cairn__batch *b, cairn_error *err);

/*
 * Whether a row may be added unscored (cairn__store_batch_add_later): a
 * deferred batch whose second thread runs (store_batch_pipe.c).
 */
bool cairn__store_batch_scores_later(const cairn__batch *b);

/*
 * Add one assessment of `inst` whose score is not computed yet
 * (row->score is ignored): the batch's second thread scores it exactly
 * as cairn_score_compute does, in order, while the caller reads on.  Only
 * when cairn__store_batch_scores_later; otherwise as
 * cairn__store_batch_add (its id is not told).
 */
int cairn__store_batch_add_later(cairn__batch *b, const cairn__batch_row *row,
                                 const cairn_instrument *inst, bool *duplicate,
                                 cairn_error *err);

/*
 * Whether `inst` on normalized `date` can be true for client
 * `client_id` (see cairn__store_date_plausible in store_db.h):
 * CAIRN_EINVAL when it cannot, CAIRN_OK with `warning` (may be NULL) set
 * when it is only unlikely.
 */
int cairn__store_batch_plausible(cairn__batch *b, int64_t client_id,
                                 const char *date, const cairn_instrument *inst,
                                 char *warning, size_t size, cairn_error *err);

/*
 * Add one assessment of client `code` administered at the normalised
 * `date` to the open batch `b`, refusing a duplicate with CAIRN_EEXISTS:
 * what cairn_store_assessment_add does inside its own batch, for callers
 * that add more in the same transaction (a self-report link).
 */
int cairn__store_assessment_add_to(cairn__batch *b, const cairn_score *score,
                                   const cairn_responses *resp,
                                   const char *code, const char *date,
                                   int64_t *id, cairn_error *err);

/* JSON of what the change replaced, for the audit entry (copied). */
int cairn__store_batch_set_before(cairn__batch *b, const char *json,
                                  cairn_error *err);

/* Write the audit entry, commit and free the batch (also on failure). */
int cairn__store_batch_commit(cairn__batch *b, cairn_error *err);

/* What a batch wrote, in the end. */
typedef struct cairn__batch_tally {
    size_t stored, duplicates, clients_created;
} cairn__batch_tally;

/* cairn__store_batch_commit, filling `tally` (may be NULL) with the final
 * counts, also when the commit fails. */
int cairn__store_batch_finish(cairn__batch *b, cairn__batch_tally *tally,
                              cairn_error *err);

/* Roll back and free the batch.  NULL is allowed. */
void cairn__store_batch_abort(cairn__batch *b);

/*
 * Record in the audit log that data left the store (store_release.c):
 * one entry `action` ("export.research", "export.fhir", ...) on target
 * "export" whose after is `after` (who and when are the entry's own;
 * counts and what was asked, never client data), in its own transaction.
 * Takes the reference to `after` (NULL: out of memory).  Returns
 * CAIRN_OK, CAIRN_EINVAL (read-only store), CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn__store_audit_release(cairn_store *st, const char *action,
                               json_t *after, cairn_error *err);

/**
 * The version of the stored definition whose fingerprint is `fingerprint`
 * into `out` (`size` bytes, NUL-terminated; "" when no definition has that
 * fingerprint).  Returns CAIRN_OK or CAIRN_EDB.
 */
int cairn__store_definition_version(cairn_store *st, const char *fingerprint,
                                    char *out, size_t size, cairn_error *err);

/* ---- the research export's scan (store_export.c) ---- */

/** Decoded texts a scan keeps (about 100 bytes each, and 64 bytes of the
 * memo's table). */
#define CAIRN__SCAN_KEEP 65536

/** An item not answered, among a scan row's codes. */
#define CAIRN__SCAN_NO_CODE INT32_MIN

/** One scale value of a scan row. */
typedef struct cairn__scan_scale {
    double score;     /* NAN: no score */
    const char *band; /* or NULL */
} cairn__scan_scale;

/** One row of a scan; valid until the next call on the scan. */
typedef struct cairn__scan_row {
    int64_t assessment_id;
    int64_t client_id;
    const char *administered_at;
    const char *fingerprint; /* of the definition that scored it */
    size_t n_items;          /* after cairn__store_scan_codes(), else 0 */
    const int32_t *codes;    /* item k+1 answered codes[k], or NO_CODE */
    size_t n_scales;
    const cairn__scan_scale *scales; /* in its definition's order: */
    const char *const *scale_ids;    /* n_scales ids, that order */
} cairn__scan_row;

typedef struct cairn__scan cairn__scan;

/**
 * Start a scan of every current assessment of `instrument` (a code), by
 * client id, date and id, in bounded memory (each distinct stored text
 * is decoded once; up to 65,536 of them are kept, about 10 MB).  Close it
 * before writing to the store.  Returns CAIRN_OK, CAIRN_ENOMEM or
 * CAIRN_EDB.
 */
int cairn__store_scan_open(cairn__scan **out, cairn_store *st,
                           const char *instrument, cairn_error *err);

/**
 * The next row into `*row` (borrowed): returns 1, 0 at the end, or
 * CAIRN_EDB, CAIRN_ENOMEM, CAIRN_EINVAL (stored responses or scores
 * malformed: "assessment 12: stored scores are malformed").
 */
int cairn__store_scan_next(cairn__scan *sc, const cairn__scan_row **row,
                           cairn_error *err);

/**
 * Read the item codes of the row the scan is on into it (n_items,
 * codes); rows leave them empty unless asked.  Returns CAIRN_OK,
 * CAIRN_ENOMEM or CAIRN_EINVAL (stored responses malformed).
 */
int cairn__store_scan_codes(cairn__scan *sc, cairn_error *err);

/**
 * Keep at most `most` decoded texts (65,536 unless set; 0: decode every
 * row), so tests reach the rows decoded one by one.  Only before the
 * first row; later calls change nothing.
 */
void cairn__store_scan_keep(cairn__scan *sc, size_t most);

/** End a scan.  NULL is allowed. */
void cairn__store_scan_close(cairn__scan *sc);

/*
 * The same scan in two halves, so they can run on two threads: the
 * stepping (SQLite, the reading thread) and the decoding (jansson, any
 * one other thread).  A raw row is the statement's columns as they are;
 * its texts are borrowed from the statement until the next step (copy
 * them to keep them), `def` from the scan until it is closed.
 */
typedef struct cairn__scan_raw {
    int64_t assessment_id;
    int64_t client_id;
    const void *def;             /* the definition (the scan's) */
    const char *administered_at; /* NUL-terminated */
    const char *responses;       /* NUL-terminated, or NULL */
    size_t responses_len;
    const char *scores; /* NUL-terminated, or NULL */
    size_t scores_len;
} cairn__scan_raw;

/**
 * Step to the next row, undecoded, into `*raw`: returns 1, 0 at the end,
 * or CAIRN_EDB, CAIRN_ENOMEM, CAIRN_EINVAL (the row's definition is
 * missing or its scale list malformed: "assessment 12: stored scores are
 * malformed").  Do not mix with cairn__store_scan_next on one scan.
 */
int cairn__store_scan_step(cairn__scan *sc, cairn__scan_raw *raw,
                           cairn_error *err);

/**
 * Every client as the research export needs them, by id (the table's
 * own order, no sort): only id, code, birth_year, loss_date, gestation_weeks
 * and loss_kind are filled, the rest NULL or 0 (no partner join, no
 * sort by code).  Freed with cairn_store_client_list_free.  Returns
 * CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn__store_export_clients(cairn_client_list **out, cairn_store *st,
                                cairn_error *err);

/** Decoded texts, each distinct one decoded once (memo.c keeps them). */
typedef struct cairn__scan_decoder cairn__scan_decoder;

/** A decoder that keeps at most `most` decoded texts.  CAIRN_ENOMEM. */
int cairn__scan_decoder_new(cairn__scan_decoder **out, size_t most);

/**
 * Row `raw` with its scales decoded into `*row` (borrowed from the
 * decoder until its next call); its items stay empty until
 * cairn__scan_decode_codes.  Returns CAIRN_OK, CAIRN_ENOMEM or
 * CAIRN_EINVAL ("assessment 12: stored scores are malformed").
 */
int cairn__scan_decode(cairn__scan_decoder *dc, const cairn__scan_raw *raw,
                       const cairn__scan_row **row, cairn_error *err);

/**
 * The item codes of `raw` (the row just decoded) into that row.  Returns
 * CAIRN_OK, CAIRN_ENOMEM or CAIRN_EINVAL (stored responses malformed).
 */
int cairn__scan_decode_codes(cairn__scan_decoder *dc,
                             const cairn__scan_raw *raw, cairn_error *err);

/** Free a decoder and every text it kept.  NULL is allowed. */
void cairn__scan_decoder_free(cairn__scan_decoder *dc);

/* ---- the one-scale cohort scan, optionally on two threads ---- */

/** What a scan does with each row (cairn_store_cursor_next's row, with
 * the cursor for cairn_store_cursor_items and _band): CAIRN_OK, or a
 * negative code with `err` filled, which ends the scan. */
typedef int (*cairn__cursor_row_fn)(void *ctx, cairn_store_cursor *cur,
                                    const cairn_cohort_row *row,
                                    cairn_error *err);

/**
 * Every row of a one-scale cursor (cairn_store_cursor_open_scale()),
 * fresh from opening, through `fn`, in scan order.  With `threads` >= 2
 * one thread steps SQLite and copies each row's columns and a second
 * decodes them and calls `fn` there (pipe.c), the caller waiting until
 * all is done; one thread when `threads` < 2 or no thread can start.
 * Both give the same rows and the same first error (of the first bad
 * row in scan order).  On two threads `fn` may ask cairn_store_cursor_band
 * only for the last two rows and the row of the last
 * cairn__store_cursor_keep_band().  Returns CAIRN_OK or the error.
 */
int cairn__store_cursor_each(cairn_store_cursor *cur, int threads,
                             cairn__cursor_row_fn fn, void *ctx,
                             cairn_error *err);

/** Keep the current row's band (unread until asked) so that
 * cairn_store_cursor_band() can give it after later rows; one row is
 * kept at a time.  Returns CAIRN_OK or CAIRN_ENOMEM. */
int cairn__store_cursor_keep_band(cairn_store_cursor *cur, cairn_error *err);

#endif
