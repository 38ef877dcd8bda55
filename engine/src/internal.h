/*
 * internal.h - declarations shared inside engine/src only (never installed).
 * Cross-file internal functions are named cairn__<module>_<verb>.
 */
#ifndef CAIRN_INTERNAL_H
#define CAIRN_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <stdbool.h>

#include "cairn/error.h"
#include "cairn/instrument.h"

/** Hex digest length of SHA-256, without the NUL. */
#define CAIRN__SHA256_HEX 64

/** Inputs from this many bytes on are hashed by libcrypto (crypto.c). */
#define CAIRN__SHA256_LONG 4096

/**
 * SHA-256 of `len` bytes at `data` as 64 lowercase hex digits plus NUL in
 * `out` (crypto.c: libsodium below CAIRN__SHA256_LONG bytes, libcrypto
 * from there on; the same digest).  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_sha256_hex(const void *data, size_t len,
                             char out[CAIRN__SHA256_HEX + 1], cairn_error *err);

/**
 * HMAC-SHA-256 of `len` bytes at `data` under a 32-byte `key`, as raw
 * bytes in `mac` (crypto.c, libsodium).  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_hmac_sha256(const uint8_t key[32], const void *data,
                              size_t len, uint8_t mac[32], cairn_error *err);

/** Read a whole file into a malloc'd, NUL-terminated buffer (util.c). */
int cairn__util_read_file(const char *path, char **out, size_t *len,
                          cairn_error *err);

/**
 * A JSON number for `x`: an integer when x is whole (scores print as 11,
 * not 11.0), else a real (util.c).  New reference.
 */
json_t *cairn__util_json_number(double x);

/**
 * Decode one UTF-8 character at `s` (at most `len` bytes) into `*cp`:
 * the bytes it takes, or 0 when they are not well-formed UTF-8 (a stray
 * or missing continuation byte, an overlong form, a surrogate, a code
 * point above U+10FFFF).  The one UTF-8 decoder of the engine (util.c).
 */
size_t cairn__utf8_next(const char *s, size_t len, uint32_t *cp);

/** Whether `len` bytes at `s` are well-formed UTF-8 throughout. */
bool cairn__utf8_valid(const char *s, size_t len);

/**
 * Copy `len` bytes at `s` into `out` (`size` bytes, NUL-terminated) with
 * control characters (C0, DEL, C1) and bytes that are not UTF-8 written
 * as \xNN, for quoting untrusted text in a message.  Returns the length.
 */
size_t cairn__util_escape(char *out, size_t size, const char *s, size_t len);

/** Parse a whole decimal int from `s` (util.c); -1 when not one. */
int cairn__util_parse_int(const char *s, size_t len, long *out);

struct cairn_settings;

/**
 * The clinic's numeric settings (parameters, no texts and no names) as a
 * JSON array of {key, value}, for provenance (settings.c).  New reference.
 */
json_t *cairn__settings_parameters_json(const struct cairn_settings *s);

/* ---- instrument internals (instrument.c), read by score.c ---- */

/** What an item condition tests. */
typedef enum cairn__test_kind {
    CAIRN__SCORE_AT_LEAST,
    CAIRN__CODE_AT_LEAST,
    CAIRN__CODE_IN
} cairn__test_kind;

/** An item condition: {"score_at_least": k} and the like. */
typedef struct cairn__item_test {
    cairn__test_kind kind;
    double value;   /* threshold for the *_AT_LEAST kinds */
    size_t n_codes; /* CODE_IN */
    const int *codes;
} cairn__item_test;

/** One term of a count condition: these items, each tested. */
typedef struct cairn__count_term {
    size_t n_items;
    const int *items;
    cairn__item_test test;
} cairn__count_term;

/** What a decision-rule condition looks at. */
typedef enum cairn__cond_kind {
    CAIRN__COND_COUNT,
    CAIRN__COND_SCALE,
    CAIRN__COND_ITEM
} cairn__cond_kind;

/** One condition of a decision rule's "all" list. */
typedef struct cairn__condition {
    cairn__cond_kind kind;
    size_t n_terms;                 /* COUNT */
    const cairn__count_term *terms; /* COUNT */
    size_t scale;                   /* SCALE: index into the scales */
    int item;                       /* ITEM: item number */
    cairn__item_test test;          /* ITEM */
    bool has_min, has_max;          /* COUNT and SCALE bounds */
    double min, max;
} cairn__condition;

/** The test of risk item `i`. */
const cairn__item_test *
cairn__instrument_risk_test(const cairn_instrument *inst, size_t i);

/** The conditions of decision rule `i` (all must hold). */
const cairn__condition *
cairn__instrument_rule_conditions(const cairn_instrument *inst, size_t i,
                                  size_t *n);

/** The worked examples (a JSON array, borrowed). */
json_t *cairn__instrument_examples(const cairn_instrument *inst);

/** Index of scale `s` within its instrument. */
size_t cairn__instrument_scale_index(const cairn_instrument *inst,
                                     const cairn_scale *s);

/**
 * Fill `len` bytes at `buf` with random bytes from the operating system
 * (crypto.c, libsodium's randombytes_buf).  Returns CAIRN_OK or
 * CAIRN_ECRYPTO.
 */
int cairn__crypto_random(void *buf, size_t len, cairn_error *err);

/** Overwrite `len` bytes at `buf` with zeros the compiler cannot skip. */
void cairn__crypto_wipe(void *buf, size_t len);

/**
 * A 32-byte HMAC-SHA-256 key made ready once (crypto.c, libsodium): each
 * cairn__crypto_hmac_mac() then hashes only the message, about half the
 * work of cairn__crypto_hmac_sha256() on a short one, with the same MAC
 * (the export makes a pseudonym for every client).  `*out` is freed
 * (and wiped) with cairn__crypto_hmac_free().  Returns CAIRN_OK,
 * CAIRN_ENOMEM or CAIRN_ECRYPTO.
 */
typedef struct cairn__hmac cairn__hmac;
int cairn__crypto_hmac_new(cairn__hmac **out, const uint8_t key[32],
                           cairn_error *err);
/** HMAC-SHA-256 of `len` bytes at `data` under `h`'s key into `mac`. */
void cairn__crypto_hmac_mac(const cairn__hmac *h, const void *data, size_t len,
                            uint8_t mac[32]);
/** NULL is allowed. */
void cairn__crypto_hmac_free(cairn__hmac *h);

/**
 * The Ed25519 public key of the key pair made from a 32-byte `seed`
 * (crypto.c).  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_sign_public(const uint8_t seed[32], uint8_t pk[32],
                              cairn_error *err);

/** An Ed25519 signature of `len` bytes at `msg` by the seed's key. */
int cairn__crypto_sign(const uint8_t seed[32], const void *msg, size_t len,
                       uint8_t sig[64], cairn_error *err);

/** Whether `sig` is public key `pk`'s signature of `msg`. */
bool cairn__crypto_sign_verify(const uint8_t pk[32], const void *msg,
                               size_t len, const uint8_t sig[64]);

/** `len` bytes as lowercase hex plus NUL in `out` (2 * len + 1 bytes). */
void cairn__crypto_hex(char *out, const uint8_t *bin, size_t len);

/** Exactly 2 * `len` hex digits at `hex` into `bin`; false otherwise. */
bool cairn__crypto_unhex(uint8_t *bin, size_t len, const char *hex);

/* ---- aggregate summaries (aggregate_check.c) ---- */

struct cairn_aggregate;

/**
 * Check every sum of `a` against its scale range and counts (see
 * aggregate_check.c); `name` locates the message ("north.json:
 * sums.moments.sbb: gives a negative variance (-4)").  CAIRN_OK or
 * CAIRN_EINVAL.
 */
int cairn__aggregate_check(const struct cairn_aggregate *a, const char *name,
                           cairn_error *err);

/**
 * Write `n` growth-model blocks (six sums each, `b`, in the order given)
 * as the rows of sums.growth_blocks in a summary file, from the first
 * row's new line to the rows' closing bracket, byte for byte as
 * json_dumps with JSON_INDENT(1) and JSON_REAL_PRECISION(17) writes them
 * there (aggregate_blocks.c).  `n` >= 1.  Returns CAIRN_OK, CAIRN_ENOMEM
 * or CAIRN_EINVAL (a sum that is not finite); write errors are the
 * stream's (ferror).
 */
int cairn__aggregate_blocks_write(FILE *f, const double (*b)[6], size_t n,
                                  cairn_error *err);

struct cairn_aggregate_options;
struct cairn_instrument;
struct cairn_store;

/**
 * cairn_aggregate_new() that also gives the store ids of the clients it
 * counted (as cairn_cohort_members() does, malloc'd, ascending) from the
 * same pass, for the release log (aggregate.c).  `ids` NULL: none.
 * Returns what cairn_aggregate_new() returns; on failure no ids.
 */
int cairn__aggregate_new_members(struct cairn_aggregate **out, int64_t **ids,
                                 size_t *n, struct cairn_store *st,
                                 const struct cairn_instrument *inst,
                                 const struct cairn_aggregate_options *opts,
                                 cairn_error *err);
/** Room for an Argon2id hash string (crypto_pwhash_STRBYTES) and NUL. */
#define CAIRN__PWHASH_MAX 128

/**
 * Hash `password` with Argon2id at libsodium's interactive limits into a
 * self-describing string (crypto.c).  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_pwhash(char out[CAIRN__PWHASH_MAX], const char *password,
                         cairn_error *err);

/** Whether `password` matches the Argon2id `hash` string. */
bool cairn__crypto_pwverify(const char *hash, const char *password);

/**
 * `bytes` (at most 64) random bytes as lowercase hex plus NUL in `out`
 * (2 * bytes + 1 chars).  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_token_hex(char *out, size_t bytes, cairn_error *err);

/**
 * `chars` (at most 64) random characters of lowercase base32 (5 bits
 * each) plus NUL in `out`.  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn__crypto_token_b32(char *out, size_t chars, cairn_error *err);

/** Compare `len` bytes in constant time. */
bool cairn__crypto_equal(const void *a, const void *b, size_t len);

/* ---- the change counter and the model cache (store_cache.c) ---- */

struct cairn_store;

/**
 * The store's state for the cache: its change counter into *out, which
 * every write moves (Cairn's commits; from schema 9 any write to a
 * clinical table but an insert of assessments), and the highest
 * assessment id into *last, which such an insert moves; *has false (and
 * CAIRN_OK) on a store older than schema 6.
 * Returns CAIRN_OK or CAIRN_EDB.
 */
int cairn__store_change_get(struct cairn_store *st, int64_t *out, int64_t *last,
                            bool *has, cairn_error *err);

/** What a model cache row is for, and as of which store state. */
typedef struct cairn__model_cache_key {
    const char *instrument;
    const char *scale;
    const char *fingerprint; /* the definition's */
    int64_t change;          /* the counter */
    int64_t last_assessment; /* the highest assessment id */
} cairn__model_cache_key;

/**
 * The cached statistics for `key` (exactly its change) into *blob (the
 * caller frees it), *len bytes, and *n_clients; *found false when there
 * is none.  Returns CAIRN_OK, CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn__store_model_cache_get(struct cairn_store *st,
                                 const cairn__model_cache_key *key, void **blob,
                                 size_t *len, int64_t *n_clients, bool *found,
                                 cairn_error *err);

/**
 * Cache `len` bytes at `blob` (borrowed) for `key`, replacing the row for
 * the same instrument, scale and fingerprint.  Best effort, never waits
 * and cannot fail: skipped on a read-only or older store, inside a
 * transaction, or while another process holds the write lock.
 */
void cairn__store_model_cache_put(struct cairn_store *st,
                                  const cairn__model_cache_key *key,
                                  const void *blob, size_t len,
                                  int64_t n_clients);

/* ---- the growth model (mixed.c), for the pooling test ---- */

struct cairn_mixed_group;
struct cairn_mixed_options;
struct cairn_mixed_fit_result;

/**
 * cairn_mixed_fit() without pooling groups of equal design: the criterion
 * loops over every group.  The same model; for the test that pooling does
 * not change the fit.
 */
int cairn__mixed_fit_by_group(struct cairn_mixed_fit_result **out,
                              const struct cairn_mixed_group *groups,
                              size_t n_groups,
                              const struct cairn_mixed_options *opts,
                              cairn_error *err);

/* ---- research export (export.c), for the allow-list test ---- */

struct cairn_export_sink;

/**
 * Check every column name against export.c's table of columns classified
 * as safe, then start the table on `sink`.  A name the table does not
 * classify (item and scale columns must name one of `insts`) is refused
 * before anything is written: CAIRN_EINVAL "column 'x' is not classified
 * as safe to export".  Otherwise returns what the sink's begin returns.
 */
int cairn__export_begin(const struct cairn_export_sink *sink,
                        const char *const *names, size_t n,
                        const cairn_instrument *const *insts, size_t n_insts,
                        cairn_error *err);

/*
 * A growing set of 64-bit hashes (hashset.c).  Zero-initialise; 0 is
 * stored as 1.  It grows (doubling from 1,024 slots) as long as memory
 * lasts.
 */
typedef struct cairn__hset {
    uint64_t *t;
    size_t n, cap; /* members, slots */
} cairn__hset;

/* Whether `h` is in `s`. */
bool cairn__hset_has(const cairn__hset *s, uint64_t h);
/* Add `h`: CAIRN_OK, or CAIRN_ENOMEM when the set cannot grow. */
int cairn__hset_add(cairn__hset *s, uint64_t h);
/* Free the slots; `s` is empty and usable again.  */
void cairn__hset_free(cairn__hset *s);

/*
 * Records written once and read back in order (spill.c): in memory up to
 * `limit` bytes, then in an unlinked temporary file named after `near`
 * (the database's path; ":memory:" uses tmpfile()).  Free with
 * cairn__spill_free (NULL allowed).
 */
typedef struct cairn__spill cairn__spill;

int cairn__spill_new(cairn__spill **out, const char *near, size_t limit,
                     cairn_error *err);
/* Append a record (copied): CAIRN_OK, CAIRN_ENOMEM or CAIRN_EIO. */
int cairn__spill_put(cairn__spill *s, const void *rec, size_t len,
                     cairn_error *err);
/* Start reading from the first record (after the last put). */
int cairn__spill_rewind(cairn__spill *s, cairn_error *err);
/* The next record, borrowed until the next call: 1, 0 at the end, or a
 * negative code (CAIRN_EIO, CAIRN_ENOMEM). */
int cairn__spill_next(cairn__spill *s, const char **rec, size_t *len,
                      cairn_error *err);
/* Whether the records went to a file (more than the limit). */
bool cairn__spill_is_file(const cairn__spill *s);
void cairn__spill_free(cairn__spill *s);

/*
 * A bounded cache from short byte keys to texts (memo.c), for values
 * encoded again and again.  Keys and texts are copied.  Once full it
 * keeps nothing more: cairn__memo_get then misses and the caller encodes.
 */
typedef struct cairn__memo cairn__memo;

/* CAIRN_OK or CAIRN_ENOMEM. */
int cairn__memo_new(cairn__memo **out);
/* A memo that keeps up to `most` keys (cairn__memo_new: 2,048).
 * CAIRN_OK or CAIRN_ENOMEM. */
int cairn__memo_new_sized(cairn__memo **out, size_t most);
/* The text kept for the `n` bytes at `key` (borrowed, NUL-terminated,
 * `*text_len` bytes), or NULL. */
const char *cairn__memo_get(const cairn__memo *m, const void *key, size_t n,
                            size_t *text_len);
/* Keep `text` for `key` (if there is room). */
void cairn__memo_put(cairn__memo *m, const void *key, size_t n,
                     const char *text, size_t text_len);
void cairn__memo_free(cairn__memo *m);

/*
 * Decoded blocks kept by key (memo.c), for texts a scan decodes again and
 * again (the store's compact JSON columns): up to `most` blocks are kept
 * for the cache's life; past that, a block put is held only until two
 * more are put, so a row's two decoded texts stay valid while it is read.
 * Blocks are malloc'd by the caller and owned by the cache once put.
 */
typedef struct cairn__kept cairn__kept;

/* CAIRN_OK or CAIRN_ENOMEM. */
int cairn__kept_new(cairn__kept **out, size_t most);
/* The block put under the `n` bytes at `key`, or NULL. */
void *cairn__kept_get(const cairn__kept *k, const void *key, size_t n);
/* Take `block`: kept under `key` while there is room, else (or when
 * `key` is NULL) held. */
void cairn__kept_put(cairn__kept *k, const void *key, size_t n, void *block);
void cairn__kept_free(cairn__kept *k);

/* ---- bytes handed to a worker thread, in order (pipe.c) ---- */

/** What the worker does with each buffer of records, in the order they
 * were added: CAIRN_OK, or a negative code with `err` filled (the
 * buffers after it are then skipped). */
typedef int (*cairn__pipe_fn)(void *ctx, const char *data, size_t len,
                              cairn_error *err);

/** A worker thread fed through at most four buffers of about 256 KiB. */
typedef struct cairn__pipe cairn__pipe;

/**
 * Start the worker thread, which calls `fn(ctx, ...)` on each buffer
 * handed over, one at a time.  Returns CAIRN_OK, or CAIRN_ENOMEM when no
 * thread could be started (`*out` NULL; the caller then does the work
 * itself).
 */
int cairn__pipe_start(cairn__pipe **out, cairn__pipe_fn fn, void *ctx);

/**
 * Room for `n` more bytes at the end of the buffer being filled (owned
 * by the pipe; valid until the next call), or NULL when out of memory
 * (the buffer is unchanged).
 */
char *cairn__pipe_room(cairn__pipe *p, size_t n);

/**
 * Count `n` bytes written in the room as added (whole records only: a
 * full buffer is handed over, waiting while every buffer is busy).
 * Returns CAIRN_OK or the worker's first error (copied into `err`).
 */
int cairn__pipe_add(cairn__pipe *p, size_t n, cairn_error *err);

/**
 * Hand over what is buffered and wait until the worker has done it all;
 * after CAIRN_OK the caller may read what the worker wrote and add more.
 * Returns CAIRN_OK or the worker's first error (copied into `err`).
 */
int cairn__pipe_flush(cairn__pipe *p, cairn_error *err);

/** Stop the worker (dropping what it has not done), join it and free the
 * pipe.  NULL is allowed. */
void cairn__pipe_free(cairn__pipe *p);

/** Ready the lock and condition of a hand-over between two threads (the
 * pipe's, the caseload's): CAIRN_OK, or CAIRN_ENOMEM with neither left
 * to destroy. */
int cairn__pipe_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv);

/*
 * Course streams whose stored texts are decoded by another thread than
 * the one stepping them (store_read.c; the caseload's reading thread).
 * After cairn__store_course_defer(), cairn__store_course_next() returns
 * lists whose scales and flags are not filled yet (and, when a read
 * fails, the rows before the failure with the error): the thread that
 * takes a list calls cairn__store_course_finish() on it first, which
 * decodes them (its own memo; the message of the first malformed row,
 * as the stream would have given it).  cairn_store_assessment_stream_next
 * still returns finished lists.
 */
struct cairn_assessment_stream;
struct cairn_assessment_list;
void cairn__store_course_defer(struct cairn_assessment_stream *as);
int cairn__store_course_next(struct cairn_assessment_stream *as,
                             struct cairn_assessment_list **out,
                             cairn_error *err);
int cairn__store_course_finish(struct cairn_assessment_stream *as,
                               struct cairn_assessment_list *list,
                               cairn_error *err);

/*
 * The alerts and the questionnaires due of a caseload read one client at
 * a time (attention.c): each client's entry is added while it is valid,
 * and the lists hold copies of what they show (alert.c, due.c).
 */
struct cairn_caseload_entry;
struct cairn_alert_list;
struct cairn_due_list;
typedef struct cairn__alert_acc cairn__alert_acc;
int cairn__alert_acc_new(cairn__alert_acc **out, bool with_resolved);
int cairn__alert_acc_add(cairn__alert_acc *acc,
                         const struct cairn_caseload_entry *e, size_t pos,
                         cairn_error *err);
/* The list, sorted; it takes the copies (the accumulator is then empty). */
int cairn__alert_acc_finish(cairn__alert_acc *acc,
                            struct cairn_alert_list **out, cairn_error *err);
void cairn__alert_acc_free(cairn__alert_acc *acc);
/* `today` as a day number, or CAIRN_EINVAL ("'soon' is not a date"). */
int cairn__due_day(const char *today, double *now, cairn_error *err);
/* Append entry `e`'s questionnaires due on day `now` to `d` (`*cap` its
 * room), as copies. */
int cairn__due_add(struct cairn_due_list *d, size_t *cap,
                   const struct cairn_caseload_entry *e, double now,
                   cairn_error *err);
/* Put `d` in its order (cairn/due.h). */
void cairn__due_sort(struct cairn_due_list *d);

#endif
