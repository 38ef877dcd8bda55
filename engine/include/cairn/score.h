/*
 * cairn/score.h - scoring one response set exactly as the manual says.
 *
 * The scorer reads every rule from the instrument definition: option scores
 * (reverse keying lives there), scale membership, the multiplier, the
 * missing-data rule, bands, risk items and decision rules.  The result
 * records the instrument's fingerprint, so a stored score can always be
 * traced to the rules that produced it.
 *
 *     cairn_score *s = NULL;
 *     if (cairn_score_compute(&s, phq9, resp, &err) == CAIRN_OK)
 *         printf("%g\n", s->scales[0].score);
 *     cairn_score_free(s);
 */
#ifndef CAIRN_SCORE_H
#define CAIRN_SCORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/response.h"

/** The result for one scale. */
typedef struct cairn_scale_score {
    const cairn_scale *scale; /**< borrowed from the instrument */
    bool has_score;         /**< false when the missing-data rule allows none */
    double score;           /**< valid when has_score */
    const cairn_band *band; /**< band of the score, or NULL */
    bool prorated;          /**< missing items were filled in by the rule */
    size_t answered;        /**< items of the scale that were answered */
    size_t missing;         /**< items of the scale that were missing */
} cairn_scale_score;

/** A risk item that was endorsed. */
typedef struct cairn_flag {
    int item;                    /**< item number */
    int code;                    /**< the code entered */
    const cairn_risk_item *risk; /**< rule and message (borrowed) */
} cairn_flag;

/** Outcome of a decision rule. */
typedef enum cairn_tristate {
    CAIRN_UNKNOWN = -1, /**< an item the rule needs is missing */
    CAIRN_FALSE = 0,
    CAIRN_TRUE = 1
} cairn_tristate;

/** The result of one decision rule. */
typedef struct cairn_rule_result {
    const cairn_rule *rule; /**< borrowed from the instrument */
    cairn_tristate value;
} cairn_rule_result;

/** A scored response set.  Read the fields; free with cairn_score_free. */
typedef struct cairn_score {
    const cairn_instrument *instrument; /**< borrowed; must outlive this */
    size_t n_scales;
    cairn_scale_score *scales; /**< in the instrument's scale order */
    size_t n_missing;
    int *missing_items; /**< numbers of unanswered items */
    size_t n_flags;
    cairn_flag *flags; /**< endorsed risk items, item order */
    size_t n_rules;
    cairn_rule_result *rules; /**< in the instrument's rule order */
} cairn_score;

/**
 * Score `resp` (which must have been made for `inst`).  Never fails on the
 * content of a valid response set: a scale the missing-data rule cannot
 * score has has_score false.
 * Returns CAIRN_OK, CAIRN_EINVAL (response set of another size) or
 * CAIRN_ENOMEM.
 */
int cairn_score_compute(cairn_score **out, const cairn_instrument *inst,
                        const cairn_responses *resp, cairn_error *err);

/** Free a score.  NULL is allowed. */
void cairn_score_free(cairn_score *score);

/** The result for scale `id`, or NULL. */
const cairn_scale_score *cairn_score_find(const cairn_score *score,
                                          const char *id);

/**
 * Render `score` as one line of JSON (no newline), as printed by
 * `cairn score --json`: instrument, version, fingerprint, scales, missing,
 * flags, rules.  `*out` is a malloc'd string the caller frees with free().
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_score_to_json(const cairn_score *score, char **out, cairn_error *err);

/**
 * Run the worked examples of `inst` and report the first that does not
 * give the expected scales, bands, flags and rule results.  `*n_checked`
 * (may be NULL) receives how many examples ran.
 * Returns CAIRN_OK or CAIRN_EINVAL ("example 2: scale total: expected 11,
 * got 12").
 */
int cairn_score_check_examples(const cairn_instrument *inst, size_t *n_checked,
                               cairn_error *err);

#endif
