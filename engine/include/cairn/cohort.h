/*
 * cairn/cohort.h - outcomes over a caseload, a clinic or a date range.
 *
 * A cohort summary holds only sums and counts: the baseline/latest
 * moments, reliable-change and clinical-significance counts, band counts,
 * the item sums Cronbach's alpha needs, and one block of sums per client
 * for the growth model.  Summaries of several clinics merge by addition,
 * and every statistic is computed from a summary, so pooled results equal
 * the results on the pooled rows (research aggregates rest on this).
 *
 *     cairn_cohort_summary *s = NULL;
 *     cairn_cohort_result *r = NULL;
 *     cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
 *     if (cairn_cohort_summarize(&s, st, phq9, &o, &err) == CAIRN_OK &&
 *         cairn_cohort_compute(&r, s, NULL, &err) == CAIRN_OK)
 *         printf("d = %.2f\n", r->change.d.value);
 */
#ifndef CAIRN_COHORT_H
#define CAIRN_COHORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/episode.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/mixed.h"
#include "cairn/stats.h"
#include "cairn/store.h"

/** Which assessments and parameters make up a cohort. */
typedef struct cairn_cohort_options {
    const char *scale;     /**< scale id; NULL = the main scale */
    const char *from;      /**< first administration date, or NULL */
    const char *to;        /**< last administration date, or NULL */
    const char *clinician; /**< only this clinician's clients, or NULL */
    bool has_sd;           /**< override the definition's RCI SD */
    double sd;
    bool has_reliability; /**< override its reliability */
    double reliability;
    bool has_cutoff; /**< override its clinical cut-off */
    double cutoff;
    const cairn_settings *settings; /**< the clinic's settings (borrowed);
                                         NULL: read from the store */
    int episode;                    /**< the course of care of each client (see
                                         cairn/episode.h): CAIRN_EPISODE_CURRENT (default),
                                         CAIRN_EPISODE_ALL or a number; clients without
                                         episodes count whole */
    int threads; /**< threads for the store's scan: 0 (default) two, one
                      stepping SQLite and one decoding; 1 one.  The
                      summary is the same either way */
} cairn_cohort_options;

/** Defaults: main scale, everything, the definition's parameters, each
 *  client's current episode of care. */
#define CAIRN_COHORT_OPTIONS_INIT                                              \
    {                                                                          \
        NULL, NULL, NULL, NULL, false, 0, false, 0, false, 0, NULL,            \
            CAIRN_EPISODE_CURRENT, 0                                           \
    }

/** Most bands a summary counts. */
#define CAIRN_COHORT_MAX_BANDS 16

/** Mergeable sums and counts for one instrument scale. */
typedef struct cairn_cohort_summary {
    char instrument[32];  /**< instrument code */
    char scale[32];       /**< scale id */
    char fingerprint[80]; /**< definition fingerprint */
    cairn_direction direction;
    bool has_rc;                  /**< reliable change can be judged */
    double rc_sd, rc_reliability; /**< 0 when a threshold is used */
    double rc_points;             /**< a published threshold in points, or 0
                                       (Jacobson-Truax from SD and r) */
    bool has_cutoff;
    double cutoff;
    cairn_case_when case_when;
    cairn_cs_criterion criterion; /**< clinically significant change */
    char rc_source[CAIRN_PARAM_SOURCE_MAX];     /**< where SD and
                                                     reliability come from */
    char cutoff_source[CAIRN_PARAM_SOURCE_MAX]; /**< and the cut-off */
    double n_clients;        /**< clients with a score on the scale */
    double n_paired;         /**< of them with two or more */
    cairn_moments moments;   /**< baseline and latest of paired clients */
    double rc_counts[3];     /**< by cairn_rc_category, paired clients */
    double case_at_baseline; /**< paired clients at or past the cut-off */
    double recovered;
    double reliably_recovered;
    size_t n_bands;
    char band_ids[CAIRN_COHORT_MAX_BANDS][32];
    double band_baseline[CAIRN_COHORT_MAX_BANDS]; /**< all clients */
    double band_latest[CAIRN_COHORT_MAX_BANDS];   /**< paired clients */
    cairn_item_moments items;  /**< complete baseline item sets */
    size_t n_groups;           /**< growth-model blocks, one per client */
    cairn_mixed_group *groups; /**< t = weeks since the client's first
                                    score in the course of care */
    int episode;               /**< the course of care counted (the option) */
    double n_outside; /**< scored assessments in the date range left out:
                           outside each client's chosen episode */
} cairn_cohort_summary;

/**
 * Summarize every current assessment of `inst` in the store that passes
 * the filters.  Each client's baseline is their first scored assessment
 * in the range and their chosen episode of care (opts->episode), the
 * latest their last; the growth model's time is weeks since that first
 * one.  Assessments outside the episode are left out and counted
 * (n_outside); a client without any episode counts whole.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (scale), CAIRN_EINVAL (a bad date,
 * override or a scale with too many bands), CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_cohort_summarize(cairn_cohort_summary **out, cairn_store *st,
                           const cairn_instrument *inst,
                           const cairn_cohort_options *opts, cairn_error *err);

/**
 * Add `from` into `into`.  Both must be for the same instrument scale,
 * fingerprint and parameters.
 * Returns CAIRN_OK, CAIRN_EINVAL (saying which field differs) or
 * CAIRN_ENOMEM.
 */
int cairn_cohort_merge(cairn_cohort_summary *into,
                       const cairn_cohort_summary *from, cairn_error *err);

/** Free a summary.  NULL is allowed. */
void cairn_cohort_summary_free(cairn_cohort_summary *s);

/**
 * The store ids of the clients cairn_cohort_summarize would count with
 * the same options, ascending, for a release log (they never leave the
 * store).  `*ids` is malloc'd (free with free()); NULL when `*n` is 0.
 * Returns what cairn_cohort_summarize returns.
 */
int cairn_cohort_members(int64_t **ids, size_t *n, cairn_store *st,
                         const cairn_instrument *inst,
                         const cairn_cohort_options *opts, cairn_error *err);

/**
 * cairn_cohort_summarize() and cairn_cohort_members() in one pass over the
 * store: `*out` as the first gives it, `*ids` and `*n` as the second.
 * On failure nothing is returned.
 */
int cairn_cohort_summarize_members(cairn_cohort_summary **out, int64_t **ids,
                                   size_t *n, cairn_store *st,
                                   const cairn_instrument *inst,
                                   const cairn_cohort_options *opts,
                                   cairn_error *err);

/** Cohort statistics computed from a summary. */
/**
 * Below this many clients (clients with two scores for change statistics,
 * complete item sets for Cronbach's alpha, clients for the growth
 * model's random-effect correlation) a figure is too unstable to mean
 * anything, and front ends say so beside it (project policy: no
 * published minimum was adopted).
 */
#define CAIRN_COHORT_MEANINGFUL_N 10

typedef struct cairn_cohort_result {
    const cairn_cohort_summary *summary; /**< borrowed */
    bool has_change;                     /**< at least one paired client */
    cairn_cohort_change change;          /**< means, SDs, d and d_z */
    bool has_alpha;
    double alpha;                     /**< Cronbach's alpha at baseline */
    size_t alpha_n;                   /**< complete baseline sets used */
    cairn_mixed_fit_result *model;    /**< growth model, or NULL */
    char model_note[CAIRN_ERROR_MAX]; /**< why there is no model, if none */
} cairn_cohort_result;

/**
 * Compute the statistics of `s`; fit the growth model with `mopts` (NULL
 * = REML, random intercept and slope).  A model that cannot be fitted
 * (too few clients or rows) leaves `model` NULL with the reason in
 * `model_note`; it is not an error.
 * Returns CAIRN_OK, CAIRN_EINVAL (no clients) or CAIRN_ENOMEM.
 */
int cairn_cohort_compute(cairn_cohort_result **out,
                         const cairn_cohort_summary *s,
                         const cairn_mixed_options *mopts, cairn_error *err);

/** Free a result (not its summary).  NULL is allowed. */
void cairn_cohort_result_free(cairn_cohort_result *r);

/**
 * The result as one JSON object, as `cairn cohort --json` prints it:
 * instrument, scale, n_clients, baseline, latest, effect_sizes, rci_counts,
 * recovered, reliably_recovered, alpha, mixed_model, parameters.
 * `*out` is malloc'd; free with free().
 */
int cairn_cohort_to_json(const cairn_cohort_result *r, char **out,
                         cairn_error *err);

/**
 * The clinic's growth model for `inst`'s scale `scale` (NULL: the main
 * scale) as pooled sufficient statistics: the groups of
 * cairn_cohort_summarize() with default options (every current
 * assessment, weeks since each client's first) pooled by design, ready
 * for cairn_mixed_fit_designs().  They come from the store's model cache
 * when it holds them for the store's present change counter (a few
 * reads, at any store size), else from a scan, which is then cached; a
 * cached answer is bit for bit the scan's, and a store written since is
 * always scanned again.  `*cached` says which (NULL allowed).  On success
 * `*out` holds `*n_designs` classes the caller frees with free(), and
 * `*n_clients` the clients with a score.  `set` as in
 * cairn_cohort_options (NULL: the store's).
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (no such scale), CAIRN_EDB or
 * CAIRN_ENOMEM.
 */
int cairn_cohort_designs_get(cairn_mixed_design **out, size_t *n_designs,
                             size_t *n_clients, bool *cached, cairn_store *st,
                             const cairn_instrument *inst, const char *scale,
                             const cairn_settings *set, cairn_error *err);

#endif
