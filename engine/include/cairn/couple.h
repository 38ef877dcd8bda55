/*
 * cairn/couple.h - partners' courses side by side.
 *
 * Partners often grieve differently.  Given each partner's trend on the
 * same instrument scale, a comparison pairs their assessments taken within
 * a window of each other (14 days by default), gives the difference at
 * each pair, and flags the couple when their scores diverge by more than
 * a reliable difference (1.96 x S_diff of the scale's reliable-change
 * parameters) or when one partner reliably deteriorates while the other
 * reliably improves.  cairn_couple_view_compute reads both partners from
 * the store and compares them on every instrument they share.
 */
#ifndef CAIRN_COUPLE_H
#define CAIRN_COUPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/store.h"
#include "cairn/trend.h"

/** Days within which two partners' assessments count as a pair. */
#define CAIRN_COUPLE_PAIR_DAYS 14.0

/** Two assessments, one per partner, close in time. */
typedef struct cairn_couple_pair {
    const cairn_trend_point *a; /**< borrowed from trend a */
    const cairn_trend_point *b; /**< borrowed from trend b */
    double days_apart;          /**< |date a - date b| */
    double difference;          /**< a's score - b's score */
    bool diverges;              /**< |difference| > reliable difference;
                                     false when !has_reliable_difference
                                     (not judged) */
} cairn_couple_pair;

/** A couple's comparison on one scale. */
typedef struct cairn_couple {
    const cairn_trend *a, *b; /**< borrowed */
    size_t n_pairs;
    cairn_couple_pair *pairs; /**< in date order */
    bool has_reliable_difference;
    double reliable_difference; /**< points; 1.96 x S_diff */
    bool diverging;             /**< the latest pair diverges */
    bool diverging_judged;      /**< false: cannot be judged (no pair, or
                                     no reliable difference); diverging
                                     is then false and means "unknown" */
    bool incongruent;           /**< one reliably worse, one better */
    bool incongruent_judged;    /**< false: cannot be judged (a partner
                                     without reliable change, unless the
                                     other's "no reliable change" already
                                     rules it out) */
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

/** Which instruments and scale a couple view covers, and the settings. */
typedef struct cairn_couple_view_options {
    const char *instrument;    /**< one instrument (code or alias), or
                                    NULL for every one both completed */
    cairn_trend_options trend; /**< scale (NULL = main), axis, threshold
                                    and overrides for every instrument */
    const cairn_trend_override *overrides; /**< per instrument and scale,
                                                borrowed; n_overrides */
    size_t n_overrides;
    double max_days; /**< pairing window; <= 0: CAIRN_COUPLE_PAIR_DAYS */
} cairn_couple_view_options;

/** Defaults: every instrument, main scale, 14 days. */
#define CAIRN_COUPLE_VIEW_OPTIONS_INIT                                         \
    {                                                                          \
        NULL, CAIRN_TREND_OPTIONS_INIT, NULL, 0, 0                             \
    }

/** Both partners' trends on one instrument, and their comparison. */
typedef struct cairn_couple_shared {
    const cairn_instrument *instrument; /**< borrowed from the catalog */
    cairn_trend *a, *b;                 /**< the client's, the partner's */
    cairn_couple *couple;               /**< pairs, differences, flags */
} cairn_couple_shared;

/** A client and their linked partner side by side. */
typedef struct cairn_couple_view {
    cairn_client *a; /**< the client asked for */
    cairn_client *b; /**< the linked partner */
    size_t n;
    cairn_couple_shared *shared; /**< every instrument (catalog order) on
                                      which both have a score on the
                                      scale; may be none */
} cairn_couple_view;

/**
 * The couple view of client `code` and the partner linked to them: for
 * every instrument both have scored (or the one asked for), each
 * partner's trend and cairn_couple_compare's comparison.  Every front end
 * (`cairn couple`, the couple workbook) shows this one result.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no client 'C9'", "client 'C9' has
 * no linked partner", an unknown instrument), CAIRN_EINVAL, CAIRN_ENOMEM
 * or CAIRN_EDB.  Free with cairn_couple_view_free.
 */
int cairn_couple_view_compute(cairn_couple_view **out, cairn_store *st,
                              const cairn_catalog *cat, const char *code,
                              const cairn_couple_view_options *opts,
                              cairn_error *err);

/** Free a couple view.  NULL is allowed. */
void cairn_couple_view_free(cairn_couple_view *v);

#endif
