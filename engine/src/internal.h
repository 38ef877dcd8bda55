/*
 * internal.h - declarations shared inside engine/src only (never installed).
 * Cross-file internal functions are named cairn__<module>_<verb>.
 */
#ifndef CAIRN_INTERNAL_H
#define CAIRN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <stdbool.h>

#include "cairn/error.h"
#include "cairn/instrument.h"

/** Hex digest length of SHA-256, without the NUL. */
#define CAIRN__SHA256_HEX 64

/**
 * SHA-256 of `len` bytes at `data` as 64 lowercase hex digits plus NUL in
 * `out` (crypto.c, libsodium).  Returns CAIRN_OK or CAIRN_ECRYPTO.
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

#endif
