/*
 * cairn/release.h - what the clinic publishes for research, through one
 * door: figures and summaries of a cohort for people outside the
 * clinic's identified roles (a researcher's page or download, a summary
 * file sent to a study).
 *
 * Every release is entered in the store's release log (audited), and one
 * whose clients differ from an earlier release of the same scale by 1 to
 * K-1 is refused, since the two side by side would reveal those clients;
 * what it publishes has small counts suppressed and means rounded for
 * small cohorts (cairn/aggregate.h).  Front ends never assemble a
 * release themselves: the command's `aggregate` and the server's
 * research pages call these functions.
 *
 * Not releases (so not logged here): the de-identified export and
 * FHIR/REDCap exports, row-level files each recorded as an audit entry
 * (cairn/export.h); `cairn cohort` and the clinic's own outcome pages,
 * seen only by the clinic's identified roles.
 *
 *     cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
 *     char *json = NULL;
 *     if (cairn_release_report_compute(&json, st, phq9, &o, NULL, &err)
 *         == CAIRN_OK) { ... serve json ...; free(json); }
 */
#ifndef CAIRN_RELEASE_H
#define CAIRN_RELEASE_H

#include "cairn/aggregate.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/mixed.h"
#include "cairn/outfile.h"
#include "cairn/store.h"

/**
 * The summary of the store's cohort on `inst` (as cairn_aggregate_new
 * with `opts`, NULL = defaults) as a release: its clients are entered in
 * the release log first.  Free `*out` with cairn_aggregate_free.
 * Returns CAIRN_OK, CAIRN_EINVAL (the population is 1..K-1 clients from
 * an earlier release: "these 41 clients differ from release 2 ...", a
 * read-only store, an older schema), or what cairn_aggregate_new
 * returns.  On failure `*out` is NULL and nothing is logged.
 */
int cairn_release_summary_compute(cairn_aggregate **out, cairn_store *st,
                                  const cairn_instrument *inst,
                                  const cairn_aggregate_options *opts,
                                  cairn_error *err);

/**
 * cairn_release_summary_compute, and the summary file at `path` (as
 * cairn_aggregate_write under `oopts`, NULL = keep an existing file; see
 * cairn/outfile.h): the file is written and synced under a temporary
 * name, then the release is logged, then the file is put in place.  A
 * refused release or a failed write leaves no file and logs nothing.
 * When `oopts` names a batch, the file is left in it for the caller to
 * place (cairn_outfile_batch_commit) after the release is logged.
 * `*out` is the summary written (free with cairn_aggregate_free).
 * Returns what cairn_release_summary_compute and cairn_aggregate_write
 * return, or CAIRN_EINVAL (`path` NULL).  On failure `*out` is NULL.
 */
int cairn_release_summary_write(cairn_aggregate **out, cairn_store *st,
                                const cairn_instrument *inst,
                                const cairn_aggregate_options *opts,
                                const char *path,
                                const cairn_outfile_options *oopts,
                                cairn_error *err);

/**
 * The published cohort figures of the store on `inst` as JSON in `*out`
 * (malloc'd, free with free()): a release as above, reported exactly as
 * `cairn aggregate report --json` reports its summary (counts below K
 * suppressed, with any that would give one away, and the statistics they
 * would reveal withheld; means rounded for small cohorts).  `mopts` as
 * for cairn_cohort_compute (NULL = REML).
 * Returns what cairn_release_summary_compute returns, or CAIRN_ENOMEM.
 */
int cairn_release_report_compute(char **out, cairn_store *st,
                                 const cairn_instrument *inst,
                                 const cairn_aggregate_options *opts,
                                 const cairn_mixed_options *mopts,
                                 cairn_error *err);

#endif
