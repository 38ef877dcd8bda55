/*
 * cairn/mixed.h - linear mixed-effects growth models fitted from summaries.
 *
 * Fits the growth model
 *
 *     y ~ 1 + t + (1 + t | group)      random intercept and slope
 *     y ~ 1 + t + (1 | group)          random intercept only
 *
 * by REML (default) or maximum likelihood, with an unstructured 2x2
 * covariance of the random effects.  The random effects are
 * b_g ~ N(0, Sigma) independently per group, the residuals e ~ N(0,
 * sigma^2), and the estimates are those of R's lme4::lmer for the same
 * formula (the criterion is lme4's profiled deviance / REML criterion).
 *
 * The fit reads nothing but six sums per group (cairn_mixed_group), so it
 * runs the same from raw rows and from summaries pooled across sites: add
 * the blocks of one group that several sites hold with
 * cairn_mixed_group_merge() and the pooled fit is the fit on the pooled
 * rows (up to the rounding of the sums: the two fits agree to about
 * 1e-9).  Groups that share a design (n, sum t, sum t^2) are pooled
 * before the minimiser runs, so each evaluation of the criterion costs
 * O(number of distinct designs) and allocates nothing; a fit that needs
 * no BLUPs can start from such pooled classes (cairn_mixed_design).
 *
 * Internally t is centred and scaled and y centred over all rows, and the
 * results are transformed back, so the origin and unit of t (days since
 * baseline, a calendar date, years) do not affect the fit.  The raw sums
 * of t^2 and y^2 do carry the rounding of large offsets, so a t origin
 * near the data (days since baseline) keeps the most digits.
 *
 * GSL must not abort the process: call gsl_set_error_handler_off() once at
 * start-up before the first fit (the command, the tests and the examples
 * do).
 *
 *     cairn_mixed_groups *g = NULL;
 *     cairn_mixed_fit_result *fit = NULL;
 *     cairn_mixed_options opts = CAIRN_MIXED_OPTIONS_INIT;
 *     if (cairn_mixed_groups_new(&g, subject, days, score, n, &err)
 *             == CAIRN_OK &&
 *         cairn_mixed_fit(&fit, g->groups, g->n_groups, &opts, &err)
 *             == CAIRN_OK)
 *         printf("slope %g (SE %g)\n", fit->slope, fit->slope_se);
 *     cairn_mixed_result_free(fit);
 *     cairn_mixed_groups_free(g);
 */
#ifndef CAIRN_MIXED_H
#define CAIRN_MIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

/**
 * The sufficient statistics of one group: sums over the group's rows of
 * 1, t, t^2, y, t*y and y^2.  A zeroed struct is an empty group; add rows
 * with cairn_mixed_group_add() and merge blocks with
 * cairn_mixed_group_merge(), or fill the sums directly.
 */
typedef struct cairn_mixed_group {
    double n;   /**< number of rows */
    double st;  /**< sum of t */
    double stt; /**< sum of t*t */
    double sy;  /**< sum of y */
    double sty; /**< sum of t*y */
    double syy; /**< sum of y*y */
} cairn_mixed_group;

/** Initializer for an empty group. */
#define CAIRN_MIXED_GROUP_INIT                                                 \
    {                                                                          \
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0                                           \
    }

/** Add one row (time `t`, outcome `y`) to `g`.  Cannot fail. */
void cairn_mixed_group_add(cairn_mixed_group *g, double t, double y);

/**
 * Add the sums of `from` to `into`, as when two sites each hold part of
 * the same group's rows.  Cannot fail.
 */
void cairn_mixed_group_merge(cairn_mixed_group *into,
                             const cairn_mixed_group *from);

/**
 * Groups built from rows.  Read the fields; free with
 * cairn_mixed_groups_free().  `ids` and `groups` are parallel arrays.
 */
typedef struct cairn_mixed_groups {
    size_t n_groups;           /**< number of distinct group ids */
    int64_t *ids;              /**< distinct ids, ascending */
    cairn_mixed_group *groups; /**< groups[i] summarises rows of ids[i] */
} cairn_mixed_groups;

/**
 * Summarise `n_rows` rows into one cairn_mixed_group per distinct id.
 * `group`, `t` and `y` are parallel arrays of length `n_rows` (borrowed,
 * only read); the rows may come in any order.  Groups come out in
 * ascending id order, and within a group the rows are summed in input
 * order.  On success `*out` is a new object the caller frees with
 * cairn_mixed_groups_free(); on failure `*out` is NULL.
 * Returns CAIRN_OK, CAIRN_EINVAL (no rows, or a non-finite t or y, with
 * the row number) or CAIRN_ENOMEM.
 */
int cairn_mixed_groups_new(cairn_mixed_groups **out, const int64_t *group,
                           const double *t, const double *y, size_t n_rows,
                           cairn_error *err);

/** Free groups made by cairn_mixed_groups_new().  NULL is allowed. */
void cairn_mixed_groups_free(cairn_mixed_groups *groups);

/** How to fit. */
typedef struct cairn_mixed_options {
    bool reml;           /**< REML (true, default) or maximum likelihood */
    bool intercept_only; /**< (1 | group) instead of (1 + t | group) */
    int max_iter;        /**< most Nelder-Mead iterations, restarts too */
    /**
     * Stop a simplex run when it is this small, in theta of the
     * standardised problem (also when it stops improving at all).
     */
    double tol;
} cairn_mixed_options;

/**
 * Defaults: REML, random intercept and slope, 5000 iterations, tol 1e-6.
 * The simplex result is then polished by Newton steps, which take theta
 * to about 1e-9 on data of clinic size.
 */
#define CAIRN_MIXED_OPTIONS_INIT                                               \
    {                                                                          \
        true, false, 5000, 1e-6                                                \
    }

/** The random effects of one group (best linear unbiased predictions). */
typedef struct cairn_mixed_blup {
    double intercept;      /**< random intercept deviation b0 */
    double slope;          /**< random slope deviation b1 (0: no slope) */
    double coef_intercept; /**< fixed intercept + b0 (lme4's coef()) */
    double coef_slope;     /**< fixed slope + b1 */
} cairn_mixed_blup;

/**
 * A fitted model.  Read the fields; free with cairn_mixed_result_free().
 * For a random-intercept-only fit, sd_slope and cor are 0 and every BLUP's
 * slope is 0 (coef_slope equals the fixed slope).
 */
typedef struct cairn_mixed_fit_result {
    bool reml;           /**< fitted by REML (else ML) */
    bool intercept_only; /**< (1 | group) model */
    double intercept;    /**< fixed intercept */
    double slope;        /**< fixed slope (per unit of t) */
    double intercept_se; /**< standard error of the fixed intercept */
    double slope_se;     /**< standard error of the fixed slope */
    /**
     * 95% Wald intervals, estimate -/+ z * SE with the normal quantile
     * z = gsl_cdf_ugaussian_Pinv(0.975) (not a t quantile).
     */
    double intercept_ci[2];
    double slope_ci[2]; /**< 95% Wald interval of the slope, as above */
    /**
     * Covariance of (intercept, slope): sigma^2 (X'V^-1 X)^-1 as lme4's
     * vcov(); under REML with the REML sigma.
     */
    double vcov[2][2];
    double sd_intercept; /**< SD of the random intercepts */
    double sd_slope;     /**< SD of the random slopes (0: no slope) */
    double cor;          /**< intercept-slope correlation (0: an SD 0) */
    double sigma;        /**< residual SD */
    /** REML criterion (-2 REML log-likelihood) or ML deviance (-2 logLik) */
    double criterion;
    double loglik; /**< -criterion / 2, as lme4's logLik() */
    /**
     * lme4's theta: the lower-triangular relative covariance factor
     * Lambda = [theta0 0; theta1 theta2] with Sigma = sigma^2 Lambda
     * Lambda', diagonal >= 0.  Only theta[0] is used by intercept-only
     * fits.
     */
    double theta[3];
    bool converged;          /**< the last simplex run ended before max_iter */
    int iterations;          /**< Nelder-Mead iterations, all runs */
    size_t n_obs;            /**< rows (sum of the groups' n) */
    size_t n_groups;         /**< groups */
    cairn_mixed_blup *blups; /**< n_groups entries, in input group order
                                  (NULL from cairn_mixed_fit_designs) */
} cairn_mixed_fit_result;

/**
 * Fit the model to `n_groups` group summaries (borrowed, only read) with
 * `opts` (NULL: CAIRN_MIXED_OPTIONS_INIT).  On success `*out` is a new
 * result the caller frees with cairn_mixed_result_free(); on failure
 * `*out` is NULL.  A fit that stops at max_iter still succeeds with
 * converged false.
 * Returns CAIRN_OK; CAIRN_EINVAL for fewer than 2 groups, a group with
 * no rows, a non-finite or impossible sum (with the group index), too few
 * rows for the random effects (rows must exceed groups times random
 * effects per group), t constant over all rows, or bad options;
 * CAIRN_ESTATS when the fit fails (the minimiser fails, or the data are
 * fitted exactly so the residual variance is 0); CAIRN_ENOMEM.
 */
int cairn_mixed_fit(cairn_mixed_fit_result **out,
                    const cairn_mixed_group *groups, size_t n_groups,
                    const cairn_mixed_options *opts, cairn_error *err);

/** Free a result from cairn_mixed_fit().  NULL is allowed. */
void cairn_mixed_result_free(cairn_mixed_fit_result *result);

/**
 * The groups of one design pooled: `count` groups, each with `n` rows,
 * sum of t `st` and sum of t^2 `stt`, and over those groups the sums of
 * their sums of y, t*y and y^2 and of the products of their sums of y and
 * t*y.  These are all the growth model's estimates depend on (its BLUPs
 * aside), and they merge by addition.  A zeroed struct is an empty class.
 */
typedef struct cairn_mixed_design {
    double count; /**< groups in the class */
    double n;     /**< rows per group */
    double st;    /**< sum of t per group */
    double stt;   /**< sum of t^2 per group */
    double sy;    /**< sum over groups of their sum of y */
    double sty;   /**< sum over groups of their sum of t*y */
    double syy;   /**< sum over groups of their sum of y^2 */
    double yy[3]; /**< sums of (sum y)^2, (sum y)(sum t*y), (sum t*y)^2 */
} cairn_mixed_design;

/**
 * Add group `g` to class `d`, which must be empty or have g's design (n,
 * st and stt equal).  Cannot fail.
 */
void cairn_mixed_design_add(cairn_mixed_design *d, const cairn_mixed_group *g);

/**
 * Fit the model to `n_designs` pooled classes (borrowed, only read), as
 * cairn_mixed_fit() does to their groups, but without BLUPs: the result's
 * `blups` is NULL and n_groups is the sum of the counts.  The classes may
 * come in any order, and two may share a design; the result depends only
 * on the sums, so the same classes always give the same fit bit for bit.
 * Returns the codes of cairn_mixed_fit() (a class with no groups or rows
 * is CAIRN_EINVAL).
 */
int cairn_mixed_fit_designs(cairn_mixed_fit_result **out,
                            const cairn_mixed_design *designs, size_t n_designs,
                            const cairn_mixed_options *opts, cairn_error *err);

#endif
