/*
 * cairn/aggregate.h - cohort summaries that clinics pool, and what may be
 * published from them.
 *
 * An aggregate is a cairn_cohort_summary (cohort.h) with what pooling
 * needs around it: the instrument, scale, definition fingerprint and
 * parameters, the Cairn version and format version, the clinics ("sites")
 * merged into it, and the small-cell threshold K.  Its file carries two
 * things, on purpose:
 *
 *   - "sums": the exact sufficient statistics (every count, sum, sum of
 *     squares and cross-products, band counts, reliable-change and
 *     clinical counts, item moments for Cronbach's alpha, and one block
 *     of six sums per client for the growth model, with no client
 *     identity and in a canonical order).  Merging needs them exact, so
 *     they are never suppressed: the file is for the participating
 *     clinics under their data-sharing agreement, not for publication.
 *   - "published": the counts as they may be published, with small cells
 *     suppressed (see cairn_aggregate_table_compute).
 *
 * Every report made from an aggregate (cairn_aggregate_report_to_json,
 * `cairn aggregate report`) applies the suppression.
 *
 *     cairn_aggregate *a = NULL, *b = NULL;
 *     if (cairn_aggregate_load(&a, "north.json", &err) < 0 ||
 *         cairn_aggregate_load(&b, "south.json", &err) < 0 ||
 *         cairn_aggregate_merge(a, b, &err) < 0 ||
 *         cairn_aggregate_write(a, "pooled.json", &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     cairn_aggregate_free(a);
 *     cairn_aggregate_free(b);
 */
#ifndef CAIRN_AGGREGATE_H
#define CAIRN_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/cohort.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/outfile.h"
#include "cairn/store.h"

/** The summary file format this library reads and writes. */
#define CAIRN_AGGREGATE_FORMAT_VERSION 2

/** Hex digits of a summary's id (128 random bits). */
#define CAIRN_AGGREGATE_ID_HEX 32

/** Default small-cell threshold: counts below it are suppressed. */
#define CAIRN_AGGREGATE_MIN_CELL 5

/** Largest small-cell threshold accepted. */
#define CAIRN_AGGREGATE_MAX_MIN_CELL 1000

/** One clinic's summary merged into an aggregate. */
typedef struct cairn_aggregate_site {
    char id[CAIRN_AGGREGATE_ID_HEX + 1]; /**< the site summary's unique id */
    char cairn_version[32];              /**< the Cairn that summarized it */
    char from[32];                       /**< its --from, or "" */
    char to[32];                         /**< its --to, or "" */
} cairn_aggregate_site;

/** Pooled sums for one instrument scale.  Read the fields. */
typedef struct cairn_aggregate {
    cairn_cohort_summary *summary;       /**< the exact sums (owned) */
    char id[CAIRN_AGGREGATE_ID_HEX + 1]; /**< this summary's unique id (a
                                              merge makes a new one) */
    double scale_min, scale_max;         /**< the scale's score range: every sum
                                              is checked against it */
    int min_cell;                        /**< K for everything published */
    size_t n_sites;
    cairn_aggregate_site *sites; /**< the clinics merged, in order */
} cairn_aggregate;

/** How a clinic summarizes its store. */
typedef struct cairn_aggregate_options {
    cairn_cohort_options cohort; /**< scale, date range, overrides */
    int min_cell;                /**< K, 1..CAIRN_AGGREGATE_MAX_MIN_CELL */
} cairn_aggregate_options;

/** Defaults: the main scale, every date, K = 5. */
#define CAIRN_AGGREGATE_OPTIONS_INIT                                           \
    {                                                                          \
        CAIRN_COHORT_OPTIONS_INIT, CAIRN_AGGREGATE_MIN_CELL                    \
    }

/**
 * Summarize the store's current assessments of `inst` as
 * cairn_cohort_summarize does, as one site.  Free with
 * cairn_aggregate_free.
 * Returns CAIRN_OK, CAIRN_EINVAL (K out of range, a bad date or override),
 * any error of cairn_cohort_summarize, or CAIRN_ENOMEM.
 */
int cairn_aggregate_new(cairn_aggregate **out, cairn_store *st,
                        const cairn_instrument *inst,
                        const cairn_aggregate_options *opts, cairn_error *err);

/** Free an aggregate and its summary.  NULL is allowed. */
void cairn_aggregate_free(cairn_aggregate *a);

/**
 * Add `from` into `into`: the sums with cairn_cohort_merge (which refuses
 * another instrument, scale, fingerprint or parameters, naming both
 * values), the sites appended, K the larger of the two, and a new id.
 * A site summary already in `into` is refused ("summary 3f2a... is
 * already in this pool: merging it again would count its clients
 * twice"), and so are pooled sums past what a summary holds ("the pooled
 * sums would overflow: ...").
 * Returns CAIRN_OK, CAIRN_EINVAL or CAIRN_ENOMEM; on failure `into` is
 * unchanged.
 */
int cairn_aggregate_merge(cairn_aggregate *into, const cairn_aggregate *from,
                          cairn_error *err);

/**
 * The summary file as JSON text (format in README, "For researchers").
 * `*out` is malloc'd; free it with free().
 * Returns CAIRN_OK, CAIRN_ENOMEM.
 */
int cairn_aggregate_to_json(const cairn_aggregate *a, char **out,
                            cairn_error *err);

/**
 * Write the summary file to `path` through cairn_outfile_open (`opts`
 * NULL = keep an existing file; see cairn/outfile.h).  Returns CAIRN_OK,
 * what cairn_outfile_open and _commit return, or CAIRN_ENOMEM.
 */
int cairn_aggregate_write(const cairn_aggregate *a, const char *path,
                          const cairn_outfile_options *opts, cairn_error *err);

/**
 * Read a summary from `len` bytes at `buf`; `name` stands for the file in
 * messages ("north.json: sums.n_paired: expected a whole number >= 0").
 * Everything is checked: the format and version, every field's type,
 * sign and finiteness, every sum against the range the scale's scores
 * and the count imply (sums within n times the range, no negative
 * variance, correlations within -1..1), that the counts add up, and that
 * no site appears twice.
 * Returns CAIRN_OK, CAIRN_EPARSE (not JSON), CAIRN_EINVAL (not a valid
 * summary) or CAIRN_ENOMEM.  On failure `*out` is NULL.
 */
int cairn_aggregate_parse(cairn_aggregate **out, const char *buf, size_t len,
                          const char *name, cairn_error *err);

/** cairn_aggregate_parse on the file at `path`; also CAIRN_EIO. */
int cairn_aggregate_load(cairn_aggregate **out, const char *path,
                         cairn_error *err);

/* ------------------------------------------------------------------ */
/* Small-cell suppression                                              */

/** One count of the published tables. */
typedef struct cairn_aggregate_cell {
    char name[64];   /**< "n_clients", "rci_counts.improved",
                          "bands.mild.baseline", ... (its JSON path in
                          `cairn cohort --json`) */
    double value;    /**< the exact count */
    bool suppressed; /**< not to be published */
    bool primary;    /**< suppressed because it is below K (else to stop
                          a suppressed count being recovered) */
} cairn_aggregate_cell;

/**
 * The published counts of a summary under threshold K.
 *
 * Primary suppression: every published count below K (zero included) is
 * suppressed.  Secondary suppression: the counts are linked by tables
 * whose totals are published (reliable-change categories and bands add
 * up to their totals; recovered is part of case_at_baseline, and so on),
 * so a suppressed count could be recovered by subtraction.  Cairn solves
 * the linear system the published counts form and, while any suppressed
 * count (or a count of clients' outcomes that is never printed, such as
 * "not a case at baseline") below K can still be worked out, suppresses
 * the smallest published count of a table it belongs to.
 *
 * Statistics whose precision would give a suppressed count away are
 * withheld with it: the change statistics (means, SDs, effect sizes and
 * their intervals) when n_paired is suppressed, alpha when alpha.n is,
 * and the growth model when n_clients or mixed_model.n_obs is.
 */
typedef struct cairn_aggregate_table {
    int min_cell;
    size_t n_cells;
    cairn_aggregate_cell *cells; /**< published counts, in report order */
    bool withhold_change;
    bool withhold_alpha;
    bool withhold_model;
    int mean_decimals; /**< decimals of published means and SDs: fewer
                            for fewer clients (project policy: 0 below
                            CAIRN_AGGREGATE_COARSE_N clients with two
                            scores, 1 below CAIRN_AGGREGATE_FINE_N, else
                            2), so a mean does not give its sum away */
} cairn_aggregate_table;

/** Below this many clients with two scores, means publish as whole
 * points (project policy). */
#define CAIRN_AGGREGATE_COARSE_N 20

/** Below this many, means publish with one decimal (project policy). */
#define CAIRN_AGGREGATE_FINE_N 100

/**
 * Compute the published counts of `s` under threshold `min_cell` (>= 1).
 * Free with cairn_aggregate_table_free.
 * Returns CAIRN_OK, CAIRN_EINVAL (min_cell out of range) or CAIRN_ENOMEM.
 */
int cairn_aggregate_table_compute(cairn_aggregate_table **out,
                                  const cairn_cohort_summary *s, int min_cell,
                                  cairn_error *err);

/** The cell called `name`, or NULL (borrowed from the table). */
const cairn_aggregate_cell *
cairn_aggregate_table_get(const cairn_aggregate_table *t, const char *name);

/** Whether the count `name` must not be published (false: not a cell). */
bool cairn_aggregate_table_is_suppressed(const cairn_aggregate_table *t,
                                         const char *name);

/** Free a table.  NULL is allowed. */
void cairn_aggregate_table_free(cairn_aggregate_table *t);

/**
 * The pooled report as JSON: exactly what `cairn cohort --json` prints for
 * `r` (cairn_cohort_to_json), with every suppressed count null, withheld
 * statistics null, and "min_cell", "sites", "suppressed" (the names of
 * the suppressed counts) and "withheld" added.  `*out` is malloc'd.
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_aggregate_report_to_json(const cairn_cohort_result *r,
                                   const cairn_aggregate_table *t,
                                   size_t n_sites, char **out,
                                   cairn_error *err);

#endif
