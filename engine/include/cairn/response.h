/*
 * cairn/response.h - one person's answers to one instrument.
 *
 * A response set holds one entry per item, in the instrument's item order:
 * the code entered, or missing.  Parsing checks every code against the
 * item's options (or a number item's range) and refuses the set with a
 * message naming the item, the value and the allowed codes.
 */
#ifndef CAIRN_RESPONSE_H
#define CAIRN_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"
#include "cairn/instrument.h"

/** The text that stands for a missing answer on the command line. */
#define CAIRN_MISSING_TOKEN "-"

/** Answers to one instrument, one per item (caller-visible). */
typedef struct cairn_responses {
    size_t n;      /**< equals the instrument's item count */
    int *codes;    /**< codes[i] answers item i (0-based position) */
    bool *missing; /**< missing[i]: item i was not answered */
} cairn_responses;

/**
 * Make a response set for `inst` with every item missing.  `*out` owns the
 * arrays; release with cairn_responses_free.
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_responses_new(cairn_responses **out, const cairn_instrument *inst,
                        cairn_error *err);

/** Free a response set.  NULL is allowed. */
void cairn_responses_free(cairn_responses *resp);

/**
 * Set item at position `i` to `code` after checking it against the item.
 * Returns CAIRN_OK or CAIRN_EINVAL ("item 3: code 7 is not one of 0, 1, 2,
 * 3").
 */
int cairn_responses_set(cairn_responses *resp, const cairn_instrument *inst,
                        size_t i, int code, cairn_error *err);

/**
 * Parse `n` tokens (one per item: a code, or "-" for missing) into a new
 * response set.  A wrong count, a non-number or a code outside an item's
 * options is CAIRN_EINVAL with a one-line message.
 */
int cairn_responses_parse_tokens(cairn_responses **out,
                                 const cairn_instrument *inst,
                                 const char *const *tokens, size_t n,
                                 cairn_error *err);

/**
 * Parse one line of whitespace-separated tokens (at most `len` bytes; need
 * not be NUL-terminated), as cairn_responses_parse_tokens.
 */
int cairn_responses_parse_line(cairn_responses **out,
                               const cairn_instrument *inst, const char *line,
                               size_t len, cairn_error *err);

/**
 * What the numbers a person types stand for.  They differ only for an
 * instrument whose option codes are not its item scores
 * (cairn_instrument_codes_differ: EPDS, PGS-33, CES-D): there a typed 3
 * is either the fourth answer on the form or the answer that scores 3, and
 * nobody may be assumed to mean one of them.
 */
typedef enum cairn_entry {
    CAIRN_ENTRY_UNSAID = 0,    /**< not said: refused where codes differ */
    CAIRN_ENTRY_POSITIONS = 1, /**< the option codes (positions on the
                                    form), as cairn_responses_set takes */
    CAIRN_ENTRY_SCORES = 2     /**< each item's score; mapped to the one
                                    option with that score */
} cairn_entry;

/**
 * Read "positions" or "scores" into `*out`.
 * Returns CAIRN_OK or CAIRN_EINVAL ("'score' is not positions or scores").
 */
int cairn_entry_parse(cairn_entry *out, const char *word, cairn_error *err);

/**
 * Refuse CAIRN_ENTRY_UNSAID for an instrument whose codes differ from its
 * scores, with one line naming both choices and what each means on the
 * form ("epds: its answer codes are not its item scores: say which are
 * entered, positions (...) or scores (...)").
 * Returns CAIRN_OK or CAIRN_EINVAL.
 */
int cairn_responses_check_entry(const cairn_instrument *inst, cairn_entry entry,
                                cairn_error *err);

/**
 * Set item at position `i` from a typed `value` read as `entry` says:
 * as cairn_responses_set for positions, or the option scoring `value` for
 * scores.  UNSAID is refused where codes differ (as
 * cairn_responses_check_entry) and means positions elsewhere.
 * Returns CAIRN_OK or CAIRN_EINVAL ("item 10: no answer scores 7; the
 * scores are 0, 1, 2, 3").
 */
int cairn_responses_set_entered(cairn_responses *resp,
                                const cairn_instrument *inst, size_t i,
                                int value, cairn_entry entry, cairn_error *err);

/**
 * As cairn_responses_parse_tokens, reading every number as `entry` says
 * (see cairn_responses_set_entered).
 */
int cairn_responses_parse_entered(cairn_responses **out,
                                  const cairn_instrument *inst,
                                  const char *const *tokens, size_t n,
                                  cairn_entry entry, cairn_error *err);

/**
 * As cairn_responses_parse_line, reading every number as `entry` says.
 */
int cairn_responses_parse_line_entered(cairn_responses **out,
                                       const cairn_instrument *inst,
                                       const char *line, size_t len,
                                       cairn_entry entry, cairn_error *err);

/** Number of missing items. */
size_t cairn_responses_missing_count(const cairn_responses *resp);

/**
 * Whether the item at position `i` may be left unanswered, given that the
 * items marked true in `skipped` (one flag per item position; `i`'s own
 * flag is ignored) are unanswered too: every scale holding the item must
 * still be within its missing-data rule (max_missing).  The one rule for
 * every front end that offers "skip".
 */
bool cairn_responses_may_skip(const cairn_instrument *inst, const bool *skipped,
                              size_t i);

#endif
