/*
 * cairn/caseload.h - every active client's course, most urgent first.
 *
 * A caseload holds, for each active client (no episode of care recorded,
 * or the latest one still open; with `all`, discharged clients too), a
 * trend per instrument (its main scale, or the scale asked for) with the alerts
 * their data raise and the state clinicians have recorded for each alert.
 * Clients with open risk alerts come first, then reliable deterioration, off
 * track, no reliable improvement, acknowledged alerts, and the rest by client
 * code.
 */
#ifndef CAIRN_CASELOAD_H
#define CAIRN_CASELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/store.h"
#include "cairn/trend.h"

/** Which clients and instruments, and the trend settings. */
typedef struct cairn_caseload_options {
    const char *instrument;    /**< one instrument (code or alias), or NULL */
    const char *client;        /**< one client's code, or NULL for all */
    const char *clinician;     /**< only this clinician's clients, or NULL */
    cairn_trend_options trend; /**< axis, threshold, scale; its
                                    overrides need `instrument` */
    bool with_expectation;     /**< fit each instrument's growth model for
                                    the "not on track" alert */
    bool all;                  /**< also clients whose last episode of care
                                    has ended (discharged) */
    const cairn_trend_override *overrides; /**< per instrument and scale,
                                                borrowed; n_overrides */
    size_t n_overrides;
    int threads;         /**< 0: the store is read on a second thread while this
                              one computes the trends (one thread when it cannot
                              be started); 1: one thread.  The same result */
    size_t memory_limit; /**< compact rows (cairn_caseload_rows_compute),
                              and what a kept pass keeps
                              (cairn_caseload_rows_compute_kept): bytes
                              of each kept in memory, past which they
                              go to an unlinked temporary file beside
                              the database; 0: 16 MiB.  The same
                              result */
} cairn_caseload_options;

/** Defaults: active clients, all instruments, with the growth model. */
#define CAIRN_CASELOAD_OPTIONS_INIT                                            \
    {                                                                          \
        NULL, NULL, NULL, CAIRN_TREND_OPTIONS_INIT, true, false, NULL, 0, 0, 0 \
    }

/**
 * Whether client `code` is active: no episode of care recorded, or the
 * latest one still open.  The one rule every caseload uses.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_caseload_is_active(cairn_store *st, const char *code, bool *active,
                             cairn_error *err);

/** One client's line of the caseload. */
typedef struct cairn_caseload_entry {
    const cairn_client *client; /**< borrowed from the caseload */
    size_t n_trends;
    cairn_trend **trends;  /**< one per instrument, by code */
    size_t n_open;         /**< open alerts over all trends */
    size_t n_acknowledged; /**< acknowledged alerts */
    int most_urgent;       /**< kind of the most urgent open alert,
                                or -1 */
    bool has_nhstt;        /**< the client has the depression and the
                                anxiety measure of NHS Talking
                                Therapies, at least two of each in the
                                episode (referral): each measure's own
                                first and last score */
    cairn_nhstt nhstt;     /**< their paired outcomes */
    int nhstt_finished;    /**< "finished a course of treatment" (two or
                                more treatment sessions in the episode):
                                1 or 0 from session events, -1 when no
                                session is recorded (cannot be judged) */
    size_t nhstt_sessions; /**< session events in the episode */
    const cairn_episode_list *episodes; /**< the client's episodes */
} cairn_caseload_entry;

/** A computed caseload (entries in urgency order). */
typedef struct cairn_caseload {
    size_t n;
    cairn_caseload_entry *entries;
    size_t n_expectations;
    cairn_expectation *expectations; /**< per instrument, catalog order */
    const char **expectation_codes;  /**< their instrument codes */
} cairn_caseload;

/**
 * Read every active client's (with `all`, every client's) current
 * assessments and compute their trends and alerts, with the alert states
 * stored by clinicians (cairn_alert_apply_states).  Clients without
 * assessments are listed with no trends.  A client asked for by code is
 * listed whether active or not.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (instrument or client), CAIRN_EINVAL,
 * CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_caseload_compute(cairn_caseload **out, cairn_store *st,
                           const cairn_catalog *cat,
                           const cairn_caseload_options *opts,
                           cairn_error *err);

/** Free a caseload.  NULL is allowed. */
void cairn_caseload_free(cairn_caseload *c);

/** Scores a caseload row keeps of each trend, the latest last. */
#define CAIRN_CASELOAD_RECENT 12

/**
 * One trend of a caseload row, without its points and alerts: what a
 * table of the whole caseload shows (cairn_caseload_rows_compute).
 */
typedef struct cairn_caseload_cell {
    const char *instrument; /**< code (borrowed from the catalog) */
    const char *scale;      /**< scale id (borrowed from the catalog) */
    size_t n;               /**< scored assessments in the trend */
    size_t n_recent;        /**< min(n, CAIRN_CASELOAD_RECENT) */
    double recent[CAIRN_CASELOAD_RECENT]; /**< their scores, oldest first */
    double latest;                        /**< the latest score, if n > 0 */
    char latest_date[11]; /**< its date (YYYY-MM-DD), or "" when n = 0 */
    const char *band;     /**< its band id (borrowed from the catalog), or
                               NULL */
    double change;        /**< latest - baseline */
    bool has_rci;         /**< as the trend's */
    cairn_rc_category rci_category;
    bool reliably_recovered;   /**< has_clinical and reliably recovered */
    int episode;               /**< the trend's episode (cairn_trend) */
    size_t n_open;             /**< open alerts of this trend */
    unsigned char *open_kinds; /**< their kinds (cairn_alert_kind), in the
                                    trend's order of alerts */
} cairn_caseload_cell;

/** One client of a compact caseload: a cairn_caseload_entry whose trends
 *  are cells. */
typedef struct cairn_caseload_row {
    const cairn_client *client; /**< borrowed from the rows */
    size_t n_cells;
    cairn_caseload_cell *cells; /**< one per instrument, by code */
    size_t n_open;              /**< as in cairn_caseload_entry */
    size_t n_acknowledged;
    int most_urgent;
    bool has_nhstt;
    cairn_nhstt nhstt;
    int nhstt_finished;
    size_t nhstt_sessions;
} cairn_caseload_row;

/**
 * A compact caseload: `n` rows in urgency order, each read through
 * cairn_caseload_rows_get() (a long caseload keeps its rows in a
 * temporary file, not in memory).
 */
typedef struct cairn_caseload_rows {
    size_t n;
} cairn_caseload_rows;

/**
 * The caseload as cairn_caseload_compute() computes it (the same clients,
 * order, counts and alert states), keeping of each trend only what a
 * table shows (a few hundred bytes per client), as records kept in
 * memory up to `opts->memory_limit` and past it in an unlinked temporary
 * file beside the database (mode 0600): memory keeps the list of clients
 * and a sort key and a place (40 bytes) per client, and grows neither
 * with the clients' assessments nor with their rows.  For a long
 * caseload (a clinic's whole register, a dashboard's table); one
 * client's full trends come from cairn_caseload_compute() with `client`
 * set.  Read the rows with cairn_caseload_rows_get().
 * Returns what cairn_caseload_compute() returns, or CAIRN_EIO (the
 * temporary file could not be made or written: "PATH: cannot create a
 * temporary file: REASON").
 */
int cairn_caseload_rows_compute(cairn_caseload_rows **out, cairn_store *st,
                                const cairn_catalog *cat,
                                const cairn_caseload_options *opts,
                                cairn_error *err);

/**
 * Row `k` (k < r->n) of the compact caseload, in urgency order.  `*out`
 * and everything it points to (its cells, their alert kinds; its client
 * is the rows', valid until cairn_caseload_rows_free()) are borrowed
 * from `r` and valid until the next call of cairn_caseload_rows_get()
 * on `r` or cairn_caseload_rows_free(): copy what must outlive that.
 * Rows past a limit in memory are read back from the rows' temporary
 * file here.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EIO (the temporary file could
 * not be read).
 *
 *     for (size_t k = 0; k < rows->n; k++) {
 *         const cairn_caseload_row *w = NULL;
 *         if (cairn_caseload_rows_get(rows, k, &w, &err) < 0) {
 *             break;
 *         }
 *         printf("%s %zu\n", w->client->code, w->n_open);
 *     }
 */
int cairn_caseload_rows_get(cairn_caseload_rows *r, size_t k,
                            const cairn_caseload_row **out, cairn_error *err);

/**
 * Row `k`'s client in full, as cairn_caseload_compute() gives it (every
 * trend with its points, alerts, reasons and states), read again from
 * the store for this client alone: so a front end that shows every
 * client's whole course (`caseload --json`, the caseload workbook) walks
 * the rows in their order and holds one client's trends at a time.
 * `*out` is borrowed from `r` and valid until the next call or
 * cairn_caseload_rows_free().
 * Returns CAIRN_OK, CAIRN_EINVAL, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_caseload_rows_entry(cairn_caseload_rows *r, size_t k,
                              const cairn_caseload_entry **out,
                              cairn_error *err);

/**
 * What cairn_caseload_rows_walk() calls for row `k`'s client in full
 * (`e`, valid during the call); `arg` is the walk's.  Returns 0 to go
 * on; any other value stops the walk, which returns it.
 */
typedef int (*cairn_caseload_walk_fn)(const cairn_caseload_entry *e, size_t k,
                                      void *arg);

/**
 * Every row's client in full, in the rows' order: `fn` is called with
 * each entry as cairn_caseload_rows_entry() gives it, one client's
 * trends in memory at a time, in the snapshot the rows were read in (a
 * store written since is refused as there).  The next clients are read
 * from the store on a second thread while `fn` runs (on one thread when
 * the rows' options asked for `threads` 1 or the thread cannot start),
 * so `fn` must not use the store.  For a front end that shows every
 * client's whole course (`caseload --json`, the caseload workbook).
 * Returns CAIRN_OK, what cairn_caseload_rows_entry() returns, or the
 * non-zero value `fn` returned.
 *
 *     static int print(const cairn_caseload_entry *e, size_t k, void *arg)
 *     {
 *         printf("%s %zu\n", e->client->code, e->n_open);
 *         return 0;
 *     }
 *     rc = cairn_caseload_rows_walk(rows, print, NULL, &err);
 */
int cairn_caseload_rows_walk(cairn_caseload_rows *r, cairn_caseload_walk_fn fn,
                             void *arg, cairn_error *err);

/** What a front end keeps of one client's entry (cairn_caseload_keep). */
typedef struct cairn_caseload_keeper cairn_caseload_keeper;

/**
 * What cairn_caseload_rows_compute_kept() calls for each client's entry
 * in full (`e`, as cairn_caseload_rows_entry() gives it, valid during
 * the call), in the pass's order (the store's, not the rows'): it keeps
 * what it will show of the client, its own output (a JSON text, a
 * workbook's row), with cairn_caseload_keep() on `keep`.  `arg` is the
 * caller's.  Returns 0 to go on; any other value stops the pass.  It
 * must not use the store.
 */
typedef int (*cairn_caseload_keep_fn)(const cairn_caseload_entry *e,
                                      cairn_caseload_keeper *keep, void *arg);

/**
 * Append `n` bytes (copied) to what is kept of the client whose entry is
 * being given (several calls add up).
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_caseload_keep(cairn_caseload_keeper *keep, const void *bytes,
                        size_t n, cairn_error *err);

/**
 * The compact rows as cairn_caseload_rows_compute() gives them, and in
 * the same one pass over the store each client's entry in full given to
 * `fn`, which keeps what it will show of it; cairn_caseload_rows_kept()
 * then gives it back in the rows' order.  So a front end that shows
 * every client's whole course (`caseload --json`, the caseload workbook)
 * reads the store once, instead of the rows and then each client again
 * (cairn_caseload_rows_walk()), and still holds one client's trends at a
 * time: what is kept stays in memory up to the options' memory_limit
 * (16 MiB), then goes to an unlinked temporary file beside the database
 * (mode 0600).
 * Returns what cairn_caseload_rows_compute() returns, CAIRN_EIO (the
 * temporary file), or the non-zero value `fn` returned (`*out` NULL).
 *
 *     static int keep(const cairn_caseload_entry *e,
 *                     cairn_caseload_keeper *keep, void *arg)
 *     {
 *         return cairn_caseload_keep(keep, e->client->code,
 *                                    strlen(e->client->code), arg);
 *     }
 *     rc = cairn_caseload_rows_compute_kept(&rows, st, cat, &o, keep,
 *                                           &err, &err);
 *     for (size_t k = 0; rc == CAIRN_OK && k < rows->n; k++) {
 *         rc = cairn_caseload_rows_kept(rows, k, &bytes, &n, &err);
 *         ... fwrite(bytes, 1, n, stdout) ...
 *     }
 */
int cairn_caseload_rows_compute_kept(cairn_caseload_rows **out, cairn_store *st,
                                     const cairn_catalog *cat,
                                     const cairn_caseload_options *opts,
                                     cairn_caseload_keep_fn fn, void *arg,
                                     cairn_error *err);

/**
 * What the pass's `fn` kept of row `k`'s client (k < r->n; rows from
 * cairn_caseload_rows_compute_kept()), in any order: `*bytes` (`*n` of
 * them) is borrowed from `r` until the next call or
 * cairn_caseload_rows_free().
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EIO (the temporary file could
 * not be read).
 */
int cairn_caseload_rows_kept(cairn_caseload_rows *r, size_t k,
                             const void **bytes, size_t *n, cairn_error *err);

/** Free compact rows.  NULL is allowed. */
void cairn_caseload_rows_free(cairn_caseload_rows *r);

/**
 * The expectation (clinic growth model) for `inst`'s scale `scale` (NULL
 * = main scale) from the store: not available when fewer than
 * CAIRN_EXPECTATION_MIN_CLIENTS clients have a score or the model cannot
 * be fitted.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_caseload_expectation(cairn_expectation *out, cairn_store *st,
                               const cairn_instrument *inst, const char *scale,
                               cairn_error *err);

#endif
