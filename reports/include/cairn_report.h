/*
 * cairn_report.h - spreadsheet reports: client progress, couple, caseload
 * and cohort workbooks over the Cairn engine's public API.
 *
 * Each report is made in two steps.  A `load` function reads the store
 * and computes every number into a plain model (the same numbers `cairn
 * trend` prints: baseline, latest, change, slope, reliable change,
 * clinical significance, alerts); the terminal views print that model,
 * and a `write` function lays it out as an .xlsx workbook with native
 * charts, number formats (never rounded strings), frozen headers, column
 * widths that fit, and conditional formats.
 *
 * Workbooks are deterministic: the same database and options give a
 * byte-identical file, because the document's creation time is fixed (by
 * default the time of the database's last change).  A workbook is written
 * to a temporary file next to the requested path (mode 0600: it holds
 * clinical data) and renamed into place only when libxlsxwriter has
 * finished without error, so a failure never leaves a partial file.
 *
 * Reports show client codes, never display names or notes.  Event labels
 * (e.g. "mindfulness group started") appear in client and couple reports,
 * which are for the treating clinician; caseload and cohort workbooks
 * carry none.
 *
 *     cairn_report_client *r = NULL;
 *     cairn_report_options o = CAIRN_REPORT_OPTIONS_INIT;
 *     if (cairn_report_client_load(&r, st, cat, "S01", &o, &err) < 0 ||
 *         cairn_report_client_write(r, "s01.xlsx", NULL, &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     cairn_report_client_free(r);
 *
 * The library never prints.  Callers must have called
 * gsl_set_error_handler_off() once (trends use GSL).
 */
#ifndef CAIRN_REPORT_H
#define CAIRN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cairn.h"
#include "cairn/cohort.h"
#include "cairn/couple.h"
#include "cairn/store.h"
#include "cairn/trend.h"

/** A per-scale override (the engine's; see cairn/trend.h). */
typedef cairn_trend_override cairn_report_override;

/** What every report is computed with. */
typedef struct cairn_report_options {
    cairn_time_axis axis;                   /**< time axis of the slopes */
    double no_improvement_weeks;            /**< alert threshold */
    const cairn_report_override *overrides; /**< borrowed, n_overrides */
    size_t n_overrides;
    const char *clinician; /**< caseload: only this clinician's
                                clients; NULL = every client */
    time_t created;        /**< document time; 0 = the database's
                                last change */
    bool expectation;      /**< judge "not on track" against the
                                clinic's growth model (default on) */
    bool all;              /**< caseload: discharged clients too */
    size_t memory_limit;   /**< caseload: bytes of rows kept in memory
                                (the engine's compact rows, and the
                                report's own), past which they go to
                                unlinked temporary files beside the
                                database; 0: 16 MiB each.  The same
                                workbook */
} cairn_report_options;

/** Defaults: weeks since first, the definitions' values, every client. */
#define CAIRN_REPORT_OPTIONS_INIT                                              \
    {                                                                          \
        CAIRN_TIME_SINCE_FIRST, CAIRN_NO_IMPROVEMENT_WEEKS, NULL, 0, NULL, 0,  \
            true, false, 0                                                     \
    }

/**
 * The name reports use for `inst` in sheet names and headings: its first
 * alias when that is short ("PHQ-9"), else its code.  Borrowed from the
 * instrument.
 */
const char *cairn_report_short_name(const cairn_instrument *inst);

/**
 * A trend's change status in the words the caseload uses everywhere
 * (`cairn caseload`, the dashboard): "one score"; without reliable-change
 * parameters "lower", "higher" or "same"; else "reliably recovered",
 * "reliably improved", "reliably worse" or "no reliable change".
 * Static text; never NULL.
 */
const char *cairn_report_trend_status(const cairn_trend *t);
/** The same words for a compact caseload cell (cairn_caseload_rows). */
const char *cairn_report_cell_status(const cairn_caseload_cell *c);

/** An alert (open or acknowledged) and the instrument it belongs to. */
typedef struct cairn_report_alert {
    const cairn_instrument *instrument; /**< borrowed from the catalog */
    const cairn_alert *alert;           /**< borrowed from a trend; its
                                             state, who, when and note
                                             come from the store */
} cairn_report_alert;

/** One instrument in a client's record. */
typedef struct cairn_report_course {
    const cairn_instrument *instrument;   /**< borrowed from the catalog */
    size_t n_assessments;                 /**< current assessments of it */
    const cairn_assessment **assessments; /**< borrowed from the record's
                                               list, in date order */
    size_t n_trends;                      /**< the instrument's scale count */
    cairn_trend **trends; /**< trends[i] on scale i; [0] the main scale,
                              whose alerts are the course's alerts */
} cairn_report_course;

/**
 * A client's record, ready to print or write.  Read the fields; every
 * pointer lives as long as the model.
 */
typedef struct cairn_report_client {
    cairn_client *client;               /**< the client's details */
    cairn_assessment_list *assessments; /**< current, in date order */
    cairn_event_list *events;           /**< by date */
    cairn_episode_list *episodes;       /**< by start date */
    size_t n_courses;
    cairn_report_course *courses; /**< instruments with at least one
                                       assessment, in catalog order */
    size_t n_alerts;
    cairn_report_alert *alerts;            /**< open alerts (most urgent first),
                                                then acknowledged ones; resolved
                                                alerts are left out */
    size_t n_open;                         /**< the first n_open are open */
    cairn_alert_record_list *alert_states; /**< clinicians' actions, which
                                          the alerts' state fields borrow */
    time_t as_of;                          /**< the time the report describes */
    char *db_path;                         /**< the store's path */
} cairn_report_client;

/**
 * Read client `code` from `st` and compute a trend on every scale of
 * every instrument the client has completed, with `opts` (NULL:
 * defaults).  Instruments are looked up in `cat` (borrowed; must outlive
 * the model).  `*out` is freed with cairn_report_client_free.
 * Returns CAIRN_OK; CAIRN_ENOTFOUND ("no client 'C9'", "client 'C9' has
 * no assessments to report", or an assessment of an instrument the
 * catalog lacks); CAIRN_EINVAL (a bad override); CAIRN_EDB; CAIRN_ESTATS;
 * CAIRN_ENOMEM.  On failure `*out` is NULL.
 */
int cairn_report_client_load(cairn_report_client **out, cairn_store *st,
                             const cairn_catalog *cat, const char *code,
                             const cairn_report_options *opts,
                             cairn_error *err);

/** Free a client model.  NULL is allowed. */
void cairn_report_client_free(cairn_report_client *r);

/**
 * Write the client workbook to `path` through cairn_outfile (`output`
 * says what it may not replace; NULL = keep any existing file; the same
 * for every writer below): a Summary sheet (client details,
 * open alerts first and highlighted, each scale's baseline, latest,
 * change, slope, reliable change and clinical significance with the
 * parameters used and their sources, the events); per instrument a sheet
 * of dated scores with bands coloured, change from baseline and the
 * subscales, a chart of the score over time with the bands, the cut-off
 * and the events, and an item sheet showing every item's scored response
 * at every administration as a heat map; and a Chart data sheet.
 * Returns CAIRN_OK, CAIRN_EIO (the path cannot be written) or
 * CAIRN_EREPORT (libxlsxwriter failed; nothing is left at `path`).
 */
int cairn_report_client_write(const cairn_report_client *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err);

/** One instrument both partners completed. */
typedef struct cairn_report_shared {
    const cairn_instrument *instrument;
    const cairn_trend *a, *b;   /**< main-scale trends (borrowed) */
    const cairn_couple *couple; /**< the engine's comparison (borrowed
                                   from the view): pairs within
                                   CAIRN_COUPLE_PAIR_DAYS, differences,
                                   reliable difference, flags */
    bool diverged;              /**< diverging or incongruent */
    char reason[256];           /**< why flagged, or why not (judged) */
} cairn_report_shared;

/** A couple's records side by side. */
typedef struct cairn_report_couple {
    cairn_report_client *a;  /**< the client asked for */
    cairn_report_client *b;  /**< the linked partner */
    cairn_couple_view *view; /**< the engine's couple view, which the
                                  shared instruments borrow from */
    size_t n_shared;
    cairn_report_shared *shared; /**< in catalog order */
} cairn_report_couple;

/**
 * Load client `code` and the linked partner, and compare them on every
 * instrument both have scores on (the engine's couple view,
 * cairn_couple_view_compute, as `cairn couple` shows it): pairs of
 * assessments within CAIRN_COUPLE_PAIR_DAYS, their differences, and the
 * divergence flag (the latest pair differs by more than a reliable
 * difference, or one partner reliably improved while the other reliably
 * deteriorated).
 * Returns CAIRN_OK; CAIRN_ENOTFOUND (no such client; "client 'S01' has no
 * linked partner"; no instrument both completed); any error of
 * cairn_report_client_load.  Free with cairn_report_couple_free.
 */
int cairn_report_couple_load(cairn_report_couple **out, cairn_store *st,
                             const cairn_catalog *cat, const char *code,
                             const cairn_report_options *opts,
                             cairn_error *err);

/** Free a couple model.  NULL is allowed. */
void cairn_report_couple_free(cairn_report_couple *r);

/**
 * Write the couple workbook: a Summary of both partners per shared
 * instrument with the latest difference and the divergence flag
 * (highlighted), and per instrument a sheet with both partners' dated
 * scores, the pairs and their differences, and one chart with both
 * trajectories, the cut-off and both partners' events.
 * Returns CAIRN_OK, CAIRN_EIO or CAIRN_EREPORT.
 */
int cairn_report_couple_write(const cairn_report_couple *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err);

/** One client on one instrument in a caseload. */
typedef struct cairn_report_cell {
    bool present; /**< the client has a score on it */
    size_t n;     /**< scored assessments */
    double latest;
    char latest_date[11];   /**< "YYYY-MM-DD" */
    const cairn_band *band; /**< of the latest score, or NULL */
    bool has_change;        /**< n >= 2 */
    double change;          /**< latest - baseline */
    bool has_rc;            /**< reliable change judged */
    cairn_rc_category rc;
    size_t n_points; /**< scores for a sparkline, oldest first */
    double *points;  /**< the last n_points scores */
} cairn_report_cell;

/** Number of scores kept per cell for sparklines. */
#define CAIRN_REPORT_SPARK_POINTS 12

/** One client's row of a caseload. */
typedef struct cairn_report_row {
    char *code;              /**< client code */
    char *clinician;         /**< or NULL */
    size_t n_alerts;         /**< open alerts */
    size_t n_acknowledged;   /**< acknowledged, not yet resolved */
    bool has_alert;          /**< n_alerts > 0 */
    cairn_alert_kind urgent; /**< the most urgent open alert's kind */
    const cairn_instrument *alert_instrument; /**< its instrument */
    char *alert_reason;       /**< its reason (owned by the row), or NULL */
    cairn_report_cell *cells; /**< one per caseload instrument */
} cairn_report_row;

/** Where a caseload's rows are kept (opaque). */
typedef struct cairn_report_rows cairn_report_rows;

/**
 * A caseload: every active client, most urgent first.  Its rows are read
 * one at a time (cairn_report_caseload_row_get): past a limit in memory
 * they are kept in a temporary file, so a caseload of any size takes
 * bounded memory.
 */
typedef struct cairn_report_caseload {
    size_t n_instruments;
    const cairn_instrument **instruments; /**< with any score, catalog
                                               order (borrowed) */
    size_t n_rows;           /**< by urgency, then alerts, then code */
    cairn_report_rows *rows; /**< private: the rows */
    size_t n_cells;          /**< cells allocated per row; the first
                                  n_instruments are in use */
    size_t (*counts)[4];     /**< per instrument: improved, no reliable
                                  change, deteriorated, not judged */
    time_t as_of;
    const char *clinician; /**< the filter, or NULL (borrowed) */
} cairn_report_caseload;

/**
 * The engine's caseload (cairn_caseload_compute: every active client, no
 * episode of care or one still open, and with `opts->all` discharged
 * clients too) of `opts->clinician` (or every clinician): latest score, band,
 * change and reliable-change status per instrument, and the open alerts, sorted
 * by urgency (open risk, deterioration, not on track, no improvement; then more
 * open alerts first; then clients with acknowledged alerts; then code).
 * Resolved alerts are left out.  The result keeps the engine's compact
 * rows (cairn_caseload_rows_compute_kept: the list of clients and a few
 * dozen bytes per client in memory) and its rows (a few hundred bytes per
 * client and instrument) in memory up to `opts->memory_limit`, past it in
 * temporary files beside the database (CAIRN_EIO when one cannot be
 * made). Returns CAIRN_OK,
 * CAIRN_EINVAL (bad override), CAIRN_EDB, CAIRN_ESTATS or CAIRN_ENOMEM.  Free
 * with cairn_report_caseload_free.
 */
int cairn_report_caseload_load(cairn_report_caseload **out, cairn_store *st,
                               const cairn_catalog *cat,
                               const cairn_report_options *opts,
                               cairn_error *err);

/**
 * Row `i` (i < r->n_rows) of the caseload.  `*out` and everything it
 * points to (code, clinician, reason, cells and their points) are
 * borrowed from `r` until the next call of this function on `r` or
 * cairn_report_caseload_free().
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EIO (the rows' temporary file
 * could not be read).
 */
int cairn_report_caseload_row_get(const cairn_report_caseload *r, size_t i,
                                  const cairn_report_row **out,
                                  cairn_error *err);

/** Free a caseload.  NULL is allowed. */
void cairn_report_caseload_free(cairn_report_caseload *r);

/**
 * Write the caseload workbook: a Caseload sheet (one row per client,
 * frozen header, autofilter, bands coloured, alert rows highlighted) and
 * a Summary sheet counting improved / no reliable change / deteriorated /
 * not judged per instrument, with a column chart.
 * Returns CAIRN_OK, CAIRN_EIO or CAIRN_EREPORT.
 */
int cairn_report_caseload_write(const cairn_report_caseload *r,
                                const char *path,
                                const cairn_outfile_options *output,
                                cairn_error *err);

/** What a cohort workbook is computed with. */
typedef struct cairn_report_cohort_options {
    cairn_cohort_options cohort; /**< scale, date range, clinician and
                                      parameter overrides (strings
                                      borrowed: they must outlive the
                                      model) */
    cairn_mixed_options model;   /**< REML or ML, random slope or not */
    time_t created;              /**< the "as of" time; 0 = the database's
                                      last change.  The document
                                      properties get this time when given,
                                      else 2000-01-01: never the
                                      database's last change, since the
                                      workbook is de-identified */
} cairn_report_cohort_options;

/** Defaults: main scale, every assessment, REML with random slopes. */
#define CAIRN_REPORT_COHORT_OPTIONS_INIT                                       \
    {                                                                          \
        CAIRN_COHORT_OPTIONS_INIT, CAIRN_MIXED_OPTIONS_INIT, 0                 \
    }

/** Most individual trajectories a cohort chart draws (a regular sample
 *  of the clients when there are more). */
#define CAIRN_REPORT_COHORT_LINES 50

/** One score of a drawn client, on the growth model's time axis. */
typedef struct cairn_report_point {
    size_t client; /**< 1, 2, ...: clients are numbered, not named */
    double weeks;  /**< since the client's first score in the range */
    double score;
} cairn_report_point;

/** The observed mean at one whole week. */
typedef struct cairn_report_week {
    double week;
    size_t n; /**< scores at this week (weeks rounded) */
    double mean;
} cairn_report_week;

/** A definition fingerprint found in the cohort's data. */
typedef struct cairn_report_fingerprint {
    char fingerprint[80];
    size_t n; /**< assessments scored with it */
} cairn_report_fingerprint;

/** A cohort, ready to write.  Read the fields. */
typedef struct cairn_report_cohort {
    const cairn_instrument *instrument;  /**< borrowed */
    const cairn_scale *scale;            /**< borrowed */
    cairn_report_cohort_options options; /**< as given */
    cairn_cohort_summary *summary;       /**< the engine's sums */
    cairn_cohort_result *result;         /**< its statistics and model */
    size_t n_lines;                      /**< clients drawn */
    size_t n_points;
    cairn_report_point *points; /**< their scores, by client */
    size_t n_weeks;
    cairn_report_week *weeks; /**< every client, by week */
    size_t n_fingerprints;
    cairn_report_fingerprint *fingerprints;
    time_t as_of;
    char *db_path;
} cairn_report_cohort;

/**
 * Summarise the current assessments of `inst` that pass the filters
 * (cairn_cohort_summarize), compute the cohort statistics and the growth
 * model (cairn_cohort_compute), and read the scores for the trajectory
 * chart.  A model that cannot be fitted is reported, not an error.
 * Returns CAIRN_OK; CAIRN_EINVAL ("no client has a phq9 total score in
 * this cohort", a bad date or override); CAIRN_ENOTFOUND (scale);
 * CAIRN_EDB; CAIRN_ENOMEM.  Free with cairn_report_cohort_free.
 */
int cairn_report_cohort_load(cairn_report_cohort **out, cairn_store *st,
                             const cairn_instrument *inst,
                             const cairn_report_cohort_options *opts,
                             cairn_error *err);

/** Free a cohort model.  NULL is allowed. */
void cairn_report_cohort_free(cairn_report_cohort *r);

/**
 * Write the cohort workbook: Statistics (clients, baseline and latest
 * means and SDs, effect sizes d and d_z with 95% intervals, reliable and
 * clinically significant change counts, bands, Cronbach's alpha), Growth
 * model (fixed effects with SEs and intervals, random-effect SDs and
 * correlation, residual SD, criterion, log-likelihood, convergence),
 * Trajectories (the model's mean course and the observed weekly means
 * over individual clients' courses, on one chart), Data dictionary and
 * Provenance (Cairn version, database, definition fingerprints,
 * parameters, filters, date).  No client codes appear.
 * Returns CAIRN_OK, CAIRN_EIO or CAIRN_EREPORT.
 */
int cairn_report_cohort_write(const cairn_report_cohort *r, const char *path,
                              const cairn_outfile_options *output,
                              cairn_error *err);

/* ------------------------------------------------------------------ */
/* The research export as a workbook                                   */

/**
 * A sink for cairn_export_write (cairn/export.h) that writes the rows to
 * `path` as a workbook with one sheet, "Data", frozen header, numbers as
 * numbers; written under a temporary name and renamed when complete.
 * More rows than a worksheet holds (1,048,575) is CAIRN_EINVAL.  `*out`
 * is freed with cairn_report_export_sink_free.
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_report_export_sink_new(cairn_export_sink **out, const char *path,
                                 const cairn_outfile_options *output,
                                 cairn_error *err);

/** Free a sink (removing a half-written workbook).  NULL is allowed. */
void cairn_report_export_sink_free(cairn_export_sink *sink);

#endif
