/*
 * cairn/stats.h - change statistics for one client and for a cohort.
 *
 * Pure functions over numbers (no database): least-squares slope with its
 * interval, Jacobson-Truax reliable change, clinical significance, NHS
 * Talking Therapies paired outcomes, pre-post effect sizes and Cronbach's
 * alpha.  Quantiles come from GSL; callers must have called
 * gsl_set_error_handler_off() once at start-up.
 *
 * Cohort statistics are computed from sums (cairn_moments,
 * cairn_item_moments) that add up exactly across clinics, so pooled
 * results need no rows.
 */
#ifndef CAIRN_STATS_H
#define CAIRN_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"
#include "cairn/instrument.h"

/** z for a two-sided 95% interval and for reliable change. */
#define CAIRN_RCI_Z 1.96

/** An ordinary least-squares slope of score on time. */
typedef struct cairn_slope {
    size_t n;          /**< points used */
    bool has_estimate; /**< n >= 2 and time varies */
    double estimate;   /**< change per unit of time */
    double intercept;  /**< fitted score at time 0 */
    bool has_interval; /**< n >= 3: se and the 95% interval are set */
    double se;         /**< standard error of the slope */
    double ci_low;     /**< 95% interval, t with n - 2 df */
    double ci_high;
} cairn_slope;

/**
 * Fit y = a + b t by least squares over `n` points (GSL gsl_fit_linear).
 * Fewer than two points, or one time only, give has_estimate false; fewer
 * than three give no interval.
 * Returns CAIRN_OK, CAIRN_EINVAL (non-finite value) or CAIRN_ESTATS.
 */
int cairn_stats_slope(cairn_slope *out, const double *t, const double *y,
                      size_t n, cairn_error *err);

/**
 * cairn_stats_slope, with the interval's t quantiles kept in `tq`
 * (caller-owned, `n_tq` entries, all 0 to start; entry df then holds
 * gsl_cdf_tdist_Pinv(0.975, df) once computed), so that many slopes
 * compute each quantile once.  Degrees of freedom from `n_tq` up are
 * computed every time.  NULL `tq` (with 0) is cairn_stats_slope.
 * Returns as cairn_stats_slope.
 */
int cairn_stats_slope_tq(cairn_slope *out, const double *t, const double *y,
                         size_t n, double *tq, size_t n_tq, cairn_error *err);

/** Reliable-change category, in the scale's own direction. */
typedef enum cairn_rc_category {
    CAIRN_RC_IMPROVED = 0,
    CAIRN_RC_NO_RELIABLE_CHANGE = 1,
    CAIRN_RC_DETERIORATED = 2
} cairn_rc_category;

/** Machine name: "improved", "no_reliable_change", "deteriorated". */
const char *cairn_rc_category_name(cairn_rc_category c);

/** Jacobson-Truax reliable change between two scores. */
typedef struct cairn_rci {
    double sd;               /**< SD used */
    double reliability;      /**< reliability used */
    bool from_points;        /**< a published threshold in points was
                                  used (sd and reliability are 0): s_diff
                                  is threshold / 1.96 */
    double s_diff;           /**< sqrt(2) x SD x sqrt(1 - r) */
    double value;            /**< (latest - baseline) / s_diff */
    double threshold_points; /**< 1.96 x s_diff: the change that counts */
    cairn_rc_category category;
} cairn_rci;

/**
 * Reliable change from `baseline` to `latest` with SD `sd` and
 * reliability `r` (0 < r < 1): |RCI| >= 1.96 is reliable; whether it is
 * improvement depends on `dir`.
 * Returns CAIRN_OK or CAIRN_EINVAL (sd <= 0, r outside (0, 1)).
 */
int cairn_stats_rci(cairn_rci *out, double baseline, double latest, double sd,
                    double r, cairn_direction dir, cairn_error *err);

/**
 * Reliable change from `baseline` to `latest` with a published threshold:
 * a change of at least `points` is reliable (RCI reported as change x
 * 1.96 / points).  Returns CAIRN_OK or CAIRN_EINVAL (points <= 0).
 */
int cairn_stats_rci_points(cairn_rci *out, double baseline, double latest,
                           double points, cairn_direction dir,
                           cairn_error *err);

/** Values given in place of a scale's published ones (populations
 *  differ). */
typedef struct cairn_param_overrides {
    bool has_sd;
    double sd; /**< SD for reliable change, > 0 */
    bool has_reliability;
    double reliability; /**< 0 < r < 1 */
    bool has_cutoff;
    double cutoff; /**< clinical cut-off */
} cairn_param_overrides;

/** The clinic's settings (cairn/settings.h). */
typedef struct cairn_settings cairn_settings;

/** Where a parameter in force came from. */
typedef enum cairn_param_origin {
    CAIRN_PARAM_NONE = 0,       /**< not known */
    CAIRN_PARAM_DEFINITION = 1, /**< the instrument's definition */
    CAIRN_PARAM_SETTING = 2,    /**< a clinic setting (cairn settings) */
    CAIRN_PARAM_OVERRIDE = 3    /**< the caller's override (command line) */
} cairn_param_origin;

/** Machine name: "none", "definition", "setting", "command_line". */
const char *cairn_param_origin_name(cairn_param_origin o);

/**
 * Which criterion of clinically significant change is in force
 * (Jacobson & Truax 1991): the instrument's screening cut-off, or one of
 * their criteria a, b, c computed from a clinic's normative means and SDs.
 */
typedef enum cairn_cs_criterion {
    CAIRN_CS_CUTOFF = 0, /**< a cut-off score (definition, setting or
                              command line): not a Jacobson-Truax one */
    CAIRN_CS_JT_A = 1,   /**< 2 SD beyond the clinical sample's mean */
    CAIRN_CS_JT_B = 2,   /**< within 2 SD of the normal sample's mean */
    CAIRN_CS_JT_C = 3    /**< nearer the normal mean than the clinical one:
                              (s_c M_n + s_n M_c) / (s_c + s_n) */
} cairn_cs_criterion;

/** Machine name: "cutoff", "jacobson_truax_a", "..._b", "..._c". */
const char *cairn_cs_criterion_name(cairn_cs_criterion c);

/** Longest source text of a parameter in force. */
#define CAIRN_PARAM_SOURCE_MAX 640

/** The reliable-change and cut-off values in force for a scale. */
typedef struct cairn_change_params {
    bool has_rc;            /**< reliable change can be judged: SD
                                 and reliability, or a threshold */
    double sd, reliability; /**< 0 when only a threshold is known */
    cairn_param_origin sd_from, reliability_from;
    bool rc_from_points; /**< no SD and reliability: a published
                              threshold in points (rc_points) */
    double rc_points;
    cairn_param_origin points_from;
    bool has_cutoff;
    double cutoff;
    cairn_case_when case_when; /**< the scale's, or by its direction when
                                    only an override gives a cut-off */
    cairn_param_origin cutoff_from;
    cairn_cs_criterion criterion;           /**< how the cut-off was reached */
    char rc_source[CAIRN_PARAM_SOURCE_MAX]; /**< where SD and
                                                 reliability come from */
    char cutoff_source[CAIRN_PARAM_SOURCE_MAX]; /**< where the cut-off
                                                     comes from */
    char criterion_text[200];                   /**< the criterion in words */
} cairn_change_params;

/**
 * Resolve the values in force for `scale`: each override (`o` may be
 * NULL) replaces the definition's value.
 * Returns CAIRN_OK or CAIRN_EINVAL ("--rci-sd -1 must be positive").
 */
int cairn_stats_params(cairn_change_params *out, const cairn_scale *scale,
                       const cairn_param_overrides *o, cairn_error *err);

/**
 * Resolve the values in force for `scale` of instrument `code`, each from
 * the first of: the override in `o` (may be NULL), the clinic's setting
 * in `settings` (may be NULL; keys "<code>.<scale>.rci_sd" and the like),
 * the definition.  When the clinic set a clinical and/or a normal mean
 * and SD (and no cut-off of its own), the cut-off is Jacobson-Truax
 * criterion c (both), a (clinical only) or b (normal only).  The sources
 * say which values came from where.
 * Returns CAIRN_OK or CAIRN_EINVAL (a bad override).
 */
int cairn_stats_params_resolve(cairn_change_params *out, const char *code,
                               const cairn_scale *scale,
                               const cairn_settings *settings,
                               const cairn_param_overrides *o,
                               cairn_error *err);

/**
 * Reliable change from `baseline` to `latest` by the values in force `p`
 * (p->has_rc must be true): Jacobson-Truax from SD and reliability, or
 * the published threshold.
 */
int cairn_stats_rci_in_force(cairn_rci *out, double baseline, double latest,
                             const cairn_change_params *p, cairn_direction dir,
                             cairn_error *err);

/** Clinically significant change against a cut-off. */
typedef struct cairn_clinical {
    bool case_at_baseline; /**< baseline at or past the cut-off */
    bool case_at_latest;
    bool recovered;          /**< a case at baseline and not at latest */
    bool reliably_recovered; /**< recovered and reliably improved */
} cairn_clinical;

/**
 * Whether `score` is a case for cut-off `cutoff` read as `when`.
 */
bool cairn_stats_is_case(double score, double cutoff, cairn_case_when when);

/** Clinical significance of a change; `rc` is its reliable-change class. */
cairn_clinical cairn_stats_clinical(double baseline, double latest,
                                    double cutoff, cairn_case_when when,
                                    cairn_rc_category rc);

/** One measure of an NHS Talking Therapies pair (PHQ-9 or GAD-7). */
typedef struct cairn_nhstt_measure {
    double first, last;     /**< first and last scores */
    double caseness;        /**< a case at or above this */
    double reliable_change; /**< points that count as reliable */
} cairn_nhstt_measure;

/** NHS Talking Therapies paired outcomes. */
typedef struct cairn_nhstt {
    bool at_caseness;            /**< a case on either measure at first */
    bool recovered;              /**< at caseness, and a case on neither
                                      measure at last */
    bool reliable_improvement;   /**< reliably better on at least one
                                      measure, reliably worse on none */
    bool reliable_deterioration; /**< reliably worse on at least one */
    bool reliable_recovery;      /**< recovered and reliably improved */
} cairn_nhstt;

/**
 * Paired outcomes from the depression and anxiety measures, as NHS
 * England's measure definitions write them (see README for the source and
 * what is unconfirmed).  A change counts as reliable when it is at least
 * the measure's reliable-change points.
 */
cairn_nhstt cairn_stats_nhstt(const cairn_nhstt_measure *depression,
                              const cairn_nhstt_measure *anxiety);

/**
 * Sums over clients of baseline b and latest l scores.  Add two
 * cairn_moments field by field to pool them.
 */
typedef struct cairn_moments {
    double n, sb, sbb, sl, sll, sbl;
} cairn_moments;

/** Add one client's baseline and latest scores. */
void cairn_moments_add(cairn_moments *m, double baseline, double latest);

/** Add `b` into `a` (pooling clinics). */
void cairn_moments_merge(cairn_moments *a, const cairn_moments *b);

/** An effect size with its 95% interval. */
typedef struct cairn_effect {
    bool has_value;
    double value, ci_low, ci_high, se;
} cairn_effect;

/** Cohort pre-post statistics derived from cairn_moments. */
typedef struct cairn_cohort_change {
    double n;
    double baseline_mean, baseline_sd;
    double latest_mean, latest_sd;
    double change_mean, change_sd; /**< latest - baseline */
    double r;                      /**< baseline-latest correlation */
    cairn_effect d;   /**< change / baseline SD (standardized mean change,
                           raw-score standardization); variance
                           2(1-r)/n + d^2/(2n), normal interval */
    cairn_effect d_z; /**< change / SD of change; variance
                           1/n + d_z^2/(2n), normal interval */
    cairn_effect g;   /**< Hedges' g: d with the small-sample correction
                           c(n - 1) (exact gamma form); variance
                           2(1-r)/n + g^2/(2n), normal interval (metafor's
                           "SMCR") */
} cairn_cohort_change;

/**
 * The standardized mean change with raw-score standardization from
 * summary statistics: `d` = (post - pre) / sd_pre, variance
 * 2(1-r)/n + d^2/(2n); `g` = c(n - 1) d with Hedges' correction
 * c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), variance
 * 2(1-r)/n + g^2/(2n) (Becker 1988; metafor escalc measure "SMCR").
 * Either may be NULL.  n < 3 (c undefined), sd_pre <= 0 or r outside
 * [-1, 1] leave them without a value.
 */
void cairn_stats_smcr(cairn_effect *d, cairn_effect *g, double pre, double post,
                      double sd_pre, double n, double r);

/**
 * Means, SDs (n - 1), correlation and effect sizes from `m`.  Fewer than
 * two clients, or a zero SD, leave the affected effect without a value.
 * Returns CAIRN_OK or CAIRN_EINVAL (n < 1).
 */
int cairn_stats_cohort_change(cairn_cohort_change *out, const cairn_moments *m,
                              cairn_error *err);

/** Largest item count for Cronbach's alpha. */
#define CAIRN_ALPHA_MAX_ITEMS 64

/** Sums for Cronbach's alpha: n, item sums and cross-products. */
typedef struct cairn_item_moments {
    size_t k;                        /**< items */
    double n;                        /**< complete sets */
    double s[CAIRN_ALPHA_MAX_ITEMS]; /**< sum of item i */
    double ss[CAIRN_ALPHA_MAX_ITEMS][CAIRN_ALPHA_MAX_ITEMS]; /**< sum x_i x_j */
} cairn_item_moments;

/** Start sums for `k` items (k <= CAIRN_ALPHA_MAX_ITEMS). */
void cairn_item_moments_init(cairn_item_moments *m, size_t k);

/** Add one complete set of `k` item scores. */
void cairn_item_moments_add(cairn_item_moments *m, const double *x);

/** Add `b` into `a`; both must have the same k. */
void cairn_item_moments_merge(cairn_item_moments *a,
                              const cairn_item_moments *b);

/**
 * Cronbach's alpha = k/(k-1) (1 - sum of item variances / variance of the
 * total).  Returns CAIRN_OK, or CAIRN_ESTATS when fewer than 2 sets, fewer
 * than 2 items or a zero total variance leave it undefined.
 */
int cairn_stats_alpha(double *out, const cairn_item_moments *m,
                      cairn_error *err);

#endif
