/*
 * cairn/trend.h - one client's course on one instrument scale.
 *
 * From the client's stored assessments (cairn_store_assessment_list) a
 * trend gives baseline, latest and change, the least-squares slope per
 * week with its interval, Jacobson-Truax reliable change, clinical
 * significance against the cut-off, and the alerts that need a
 * clinician's attention.  SD, reliability and cut-off come from the
 * definition unless the caller overrides them (populations differ); the
 * result says which values were used and where they came from.
 *
 * Alerts are computed from the data every time, each with a stable key
 * ("risk:12:9", "deterioration:40", ...) under which a clinician's
 * acknowledgement or resolution is stored.
 */
#ifndef CAIRN_TREND_H
#define CAIRN_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/date.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/mixed.h"
#include "cairn/stats.h"
#include "cairn/store.h"

/** Where the time axis starts. */
typedef enum cairn_time_axis {
    CAIRN_TIME_SINCE_FIRST = 0, /**< weeks since the first scored one */
    CAIRN_TIME_SINCE_LOSS = 1   /**< weeks since the loss date */
} cairn_time_axis;

/** Default weeks after which no reliable improvement raises an alert
 *  (project policy; override with the option). */
#define CAIRN_NO_IMPROVEMENT_WEEKS 12.0

/** Overrides and settings for a trend. */
/** Degrees of freedom whose t quantile a cairn_trend_cache keeps. */
#define CAIRN_TREND_CACHE_DF 64

/**
 * What the trends of many clients share, for one instrument's scale
 * computed with the same options (a caseload keeps one per instrument):
 * the change parameters, resolved once, the slope interval's t
 * quantiles (cairn_stats_slope_tq) and the no-improvement window with
 * where it comes from.  Caller-owned; start it zeroed.
 * The same values as without it, computed fewer times.
 */
typedef struct cairn_trend_cache {
    bool has_params;                   /**< `params` are resolved */
    cairn_change_params params;        /**< cairn_stats_params_resolve's */
    double t975[CAIRN_TREND_CACHE_DF]; /**< by df; 0 = not yet */
    bool has_window;                   /**< the two below are set */
    double window_weeks;               /**< no_improvement_weeks */
    char window_source[300];           /**< no_improvement_source */
} cairn_trend_cache;

typedef struct cairn_trend_options {
    const char *scale;    /**< scale id; NULL = the main scale */
    cairn_time_axis axis; /**< time axis for the slope */
    bool has_sd;          /**< use `sd` instead of the definition's */
    double sd;
    bool has_reliability; /**< use `reliability` instead */
    double reliability;
    bool has_cutoff; /**< use `cutoff` instead */
    double cutoff;
    double no_improvement_weeks;    /**< alert threshold in weeks, used when
                                         neither the caller (below) nor a
                                         setting gives one */
    bool has_no_improvement_weeks;  /**< the caller's value wins over the
                                         clinic's settings */
    const cairn_settings *settings; /**< the clinic's settings (borrowed,
                                         may be NULL): between the
                                         definition and the overrides */
    int episode; /**< which episode of care the change statistics use:
                      CAIRN_EPISODE_CURRENT (the latest), CAIRN_EPISODE_ALL
                      or its number (1 = the first) */
    const cairn_episode_list *episodes; /**< the client's episodes
                                             (borrowed, may be NULL: none
                                             recorded) */
    bool without_reasons;     /**< leave each alert's `reason` empty (a
                                   caller that shows only the alerts' kinds
                                   saves formatting them) */
    cairn_trend_cache *cache; /**< what trends of many clients on one
                                   scale with the same options share
                                   (borrowed, may be NULL) */
    bool borrow_texts;        /**< the trend's dates, bands and client code stay
                                   the list's (valid only while the assessment
                                   list lives), its arrays as allocated: for a
                                   caller that reads the trend and frees it
                                   before the list (the caseload's rows) */
} cairn_trend_options;

/** The latest episode of care (the default). */
#define CAIRN_EPISODE_CURRENT 0
/** Every assessment, across episodes and outside them. */
#define CAIRN_EPISODE_ALL (-1)

/** Defaults: main scale, weeks since first, definition's values. */
#define CAIRN_TREND_OPTIONS_INIT                                               \
    {                                                                          \
        NULL, CAIRN_TIME_SINCE_FIRST, false, 0, false, 0, false, 0,            \
            CAIRN_NO_IMPROVEMENT_WEEKS, false, NULL, CAIRN_EPISODE_CURRENT,    \
            NULL, false, NULL, false                                           \
    }

/**
 * Reliable-change parameters or a cut-off for one scale of one
 * instrument, replacing the definition's (populations differ, and some
 * definitions have none).  Front ends that cover several instruments at
 * once (the caseload, the reports) pass a list of these.
 */
typedef struct cairn_trend_override {
    const char *instrument; /**< code, e.g. "epds" */
    const char *scale;      /**< scale id; NULL = the main scale */
    bool has_sd;
    double sd;
    bool has_reliability;
    double reliability;
    bool has_cutoff;
    double cutoff;
} cairn_trend_override;

/**
 * The options for `inst`'s scale `scale`: `base` (its scale, axis and
 * threshold; its own overrides are kept) with every matching entry of
 * `ov` (n of them, may be NULL when n is 0) applied in order.  An entry
 * with no scale matches the main scale only.  Never fails.
 */
cairn_trend_options cairn_trend_options_for(const cairn_trend_options *base,
                                            const cairn_trend_override *ov,
                                            size_t n,
                                            const cairn_instrument *inst,
                                            const cairn_scale *scale);

/** What the clinic's own data say a client's course should look like. */
typedef struct cairn_expectation {
    bool available;     /**< enough clients for a stable model */
    size_t n_clients;   /**< clients with a score on the scale */
    size_t min_clients; /**< the threshold (project policy) */
    double b0, b1;      /**< fixed intercept and slope per week */
    double v0, v1, c01; /**< random intercept/slope (co)variances */
    double s2;          /**< residual variance */
} cairn_expectation;

/** Clients a clinic needs before "not on track" is judged (project
 *  policy: fewer make the growth model's variances unstable). */
#define CAIRN_EXPECTATION_MIN_CLIENTS 20

/**
 * The expectation from a fitted growth model (time in weeks since the
 * first assessment) over `n_clients` clients.
 */
cairn_expectation cairn_expectation_from_fit(const cairn_mixed_fit_result *fit,
                                             size_t n_clients);

/**
 * The expected score at week `w` for a client whose baseline (week 0) was
 * `y0`, and the central 90% prediction band around it: the model's
 * conditional normal distribution of the later score given the baseline.
 * Returns false when the expectation is not available.
 */
bool cairn_expectation_band(const cairn_expectation *e, double y0, double w,
                            double *mean, double *low, double *high);

/** One scored assessment on the trend's time axis. */
typedef struct cairn_trend_point {
    int64_t assessment_id;
    const char *date; /**< administered_at (owned by the trend) */
    double weeks;     /**< on the chosen axis */
    double score;
    const char *band; /**< band id or NULL */
    size_t n_flags;   /**< risk flags raised in this assessment */
} cairn_trend_point;

/** Kinds of alert, most urgent first. */
typedef enum cairn_alert_kind {
    CAIRN_ALERT_RISK = 0,            /**< a risk item was endorsed */
    CAIRN_ALERT_RISK_UNANSWERED = 1, /**< a risk item was left blank */
    CAIRN_ALERT_DETERIORATION = 2,   /**< reliable deterioration */
    CAIRN_ALERT_OFF_TRACK = 3,       /**< worse than the 90% band expected */
    CAIRN_ALERT_NO_IMPROVEMENT = 4,  /**< no reliable improvement in time */
    CAIRN_ALERT_KIND_COUNT = 5
} cairn_alert_kind;

/** Machine name: "risk", "risk_unanswered", "deterioration", "off_track",
 *  "no_improvement". */
const char *cairn_alert_kind_name(cairn_alert_kind kind);

/** An alert raised by a client's data. */
typedef struct cairn_alert {
    cairn_alert_kind kind;
    char key[64];            /**< stable: "<kind>:<assessment id>[:<item>]" */
    int64_t assessment_id;   /**< the assessment it comes from */
    const char *date;        /**< its date (owned by the trend) */
    int item;                /**< risk item, else 0 */
    char reason[256];        /**< for the clinician */
    cairn_alert_state state; /**< open unless the caller sets it from the
                                  store (cairn_store_alert_list) */
    const char *state_by;    /**< who acted last, or NULL (borrowed) */
    const char *state_at;    /**< when, or NULL (borrowed) */
    const char *state_note;  /**< their note, or NULL (borrowed) */
} cairn_alert;

/** A client's trend on one scale. */
typedef struct cairn_trend {
    const char *client;     /**< client code (owned by the trend) */
    const char *instrument; /**< instrument code */
    const char *scale;      /**< scale id */
    cairn_direction direction;
    cairn_time_axis axis;      /**< the axis actually used */
    bool axis_fallback;        /**< since-loss asked, no loss date: since
                                    first used instead */
    size_t n_assessments;      /**< current assessments of the instrument */
    int episode;               /**< the episode used (1-based), or 0: all
                                    assessments (asked for, or no episode
                                    recorded) */
    const char *episode_start; /**< its dates (borrowed), or NULL */
    const char *episode_end;   /**< NULL while open */
    size_t n_outside;          /**< scored assessments left out: outside
                                    the episode (risk alerts still come
                                    from every assessment) */
    size_t n;                  /**< of them with a score on the scale */
    cairn_trend_point *points; /**< the n scored ones, in date order */
    bool has_baseline;         /**< n >= 1 */
    cairn_trend_point baseline, latest;
    double change;     /**< latest - baseline */
    double weeks;      /**< weeks from baseline to latest */
    cairn_slope slope; /**< points per week */
    bool has_rci;      /**< SD and reliability known, n >= 2 */
    cairn_rci rci;
    const char *rc_source; /**< where SD and reliability come from:
                                the definition's source, a clinic
                                setting (key, value, who, when) or
                                "command line" */
    const char *rc_kind;   /**< reliability kind, or NULL */
    bool has_cutoff;
    double cutoff;
    cairn_case_when case_when;
    const char *cutoff_source;         /**< where the cut-off comes from */
    cairn_change_params params;        /**< every value in force, with origins
                                            and the clinical-significance
                                            criterion */
    double no_improvement_weeks;       /**< the alert window used */
    const char *no_improvement_source; /**< where it comes from */
    bool has_clinical;                 /**< cut-off known and n >= 2 */
    cairn_clinical clinical;
    bool expectation_checked; /**< "not on track" could be judged */
    double expected, expected_low, expected_high; /**< for the latest */
    size_t n_alerts;
    cairn_alert *alerts; /**< most urgent first */
} cairn_trend;

/**
 * Compute the trend of `list` (one client's current assessments, any
 * instruments; only those of `inst` are used) on the scale in `opts`.
 * `loss_date` (may be NULL) serves the since-loss axis; `expect` (may be
 * NULL) serves the "not on track" alert.  Pointers in the result borrow
 * from `inst` and `list`, which must outlive it.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (no such scale), CAIRN_EINVAL (bad
 * override or date), CAIRN_ESTATS or CAIRN_ENOMEM.
 */
int cairn_trend_compute(cairn_trend **out, const cairn_instrument *inst,
                        const cairn_assessment_list *list,
                        const char *loss_date, const cairn_trend_options *opts,
                        const cairn_expectation *expect, cairn_error *err);

/** Free a trend.  NULL is allowed. */
void cairn_trend_free(cairn_trend *t);

/**
 * The trend as one JSON object (as `cairn trend --json` prints it):
 * client, instrument, scale, n, baseline, latest, change, slope_per_week,
 * rci, clinical, alerts.  `*out` is malloc'd; free with free().
 */
int cairn_trend_to_json(const cairn_trend *t, char **out, cairn_error *err);

/**
 * Days since 1970-01-01 of a date or date-time, with the time as a
 * fraction: cairn_date_days (cairn/date.h), under the name older callers
 * use.  Returns CAIRN_OK or CAIRN_EINVAL.
 */
int cairn_trend_date_days(const char *iso, double *days, cairn_error *err);

#endif
