/*
 * cairn/couple.h - partners' courses side by side.
 *
 * Partners often grieve differently.  Given each partner's trend on the
 * same instrument scale, a comparison pairs their assessments taken within
 * a window of each other (14 days by default), gives the difference at
 * each pair, and flags the couple when their scores diverge by more than
 * a reliable difference (1.96 x S_diff of the scale's reliable-change
 * parameters) or when one partner reliably deteriorates while the other
 * reliably improves.
 */
#ifndef CAIRN_COUPLE_H
#define CAIRN_COUPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"
#include "cairn/trend.h"

/** Days within which two partners' assessments count as a pair. */
#define CAIRN_COUPLE_PAIR_DAYS 14.0

/** Two assessments, one per partner, close in time. */
typedef struct cairn_couple_pair {
    const cairn_trend_point *a; /**< borrowed from trend a */
    const cairn_trend_point *b; /**< borrowed from trend b */
    double days_apart;          /**< |date a - date b| */
    double difference;          /**< a's score - b's score */
    bool diverges;              /**< |difference| > reliable difference */
} cairn_couple_pair;

/** A couple's comparison on one scale. */
typedef struct cairn_couple {
    const cairn_trend *a, *b;   /**< borrowed */
    size_t n_pairs;
    cairn_couple_pair *pairs;   /**< in date order */
    bool has_reliable_difference;
    double reliable_difference; /**< points; 1.96 x S_diff */
    bool diverging;             /**< the latest pair diverges */
    bool incongruent;           /**< one reliably worse, one better */
    char reason[256];           /**< the flag in words, or "" */
} cairn_couple;

/**
 * Compare two partners' trends (same instrument and scale).  Pairs are
 * formed greedily in date order, each assessment used at most once, at
 * most `max_days` apart (<= 0: CAIRN_COUPLE_PAIR_DAYS).
 * Returns CAIRN_OK, CAIRN_EINVAL (different instruments or scales) or
 * CAIRN_ENOMEM.
 */
int cairn_couple_compare(cairn_couple **out, const cairn_trend *a,
                         const cairn_trend *b, double max_days,
                         cairn_error *err);

/** Free a comparison (not the trends).  NULL is allowed. */
void cairn_couple_free(cairn_couple *c);

#endif
