/*
 * release.c - releases for research: the one path by which cohort
 * figures and summaries leave the clinic's identified roles.  Each goes
 * through the release log (store_release.c: refused when it differs from
 * an earlier release by fewer clients than the min-cell) before anything
 * is computed for publication; the published figures come from the
 * suppression table (aggregate_table.c), as a pooled report's do.
 */
#include <stdlib.h>

#include "cairn.h"
#include "cairn/release.h"
#include "internal.h"

/* Enter the clients of a summary made with cairn__aggregate_new_members
 * in the release log (refused as cairn/release.h says). */
static int log_release(cairn_store *st, const cairn_aggregate *agg,
                       const int64_t *ids, size_t n, cairn_error *err)
{
    return cairn_store_release_add(st, agg->summary->instrument,
                                   agg->summary->scale, ids, n, agg->min_cell,
                                   NULL, err);
}

/*
 * The summary, and with `path` its file: written and synced under a
 * temporary name first, then the release logged, then the file put in
 * place, so no file leaves unlogged and no failed write is logged as a
 * release (a rename failing after the log is the one window left).
 */
static int summary(cairn_aggregate **out, cairn_store *st,
                   const cairn_instrument *inst,
                   const cairn_aggregate_options *opts, const char *path,
                   const cairn_outfile_options *oopts, cairn_error *err)
{
    static const cairn_aggregate_options defaults =
        CAIRN_AGGREGATE_OPTIONS_INIT;
    static const cairn_outfile_options keep = CAIRN_OUTFILE_OPTIONS_INIT;
    const cairn_aggregate_options *o = opts != NULL ? opts : &defaults;
    cairn_outfile_options placed = oopts != NULL ? *oopts : keep;
    cairn_outfile_batch own = {0};
    cairn_aggregate *agg = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    *out = NULL;
    if (placed.batch == NULL) {
        placed.batch = &own;
    }
    /* the summary and its members in one pass over the store */
    int rc = cairn__aggregate_new_members(&agg, &ids, &n, st, inst, o, err);
    if (rc == CAIRN_OK && path != NULL) {
        rc = cairn_aggregate_write(agg, path, &placed, err);
    }
    if (rc == CAIRN_OK) {
        rc = log_release(st, agg, ids, n, err);
    }
    if (rc == CAIRN_OK && path != NULL && placed.batch == &own) {
        rc = cairn_outfile_batch_commit(&own, err);
    }
    cairn_outfile_batch_abort(&own);
    free(ids);
    if (rc < 0) {
        cairn_aggregate_free(agg);
        return rc;
    }
    *out = agg;
    return CAIRN_OK;
}

int cairn_release_summary_compute(cairn_aggregate **out, cairn_store *st,
                                  const cairn_instrument *inst,
                                  const cairn_aggregate_options *opts,
                                  cairn_error *err)
{
    return summary(out, st, inst, opts, NULL, NULL, err);
}

int cairn_release_summary_write(cairn_aggregate **out, cairn_store *st,
                                const cairn_instrument *inst,
                                const cairn_aggregate_options *opts,
                                const char *path,
                                const cairn_outfile_options *oopts,
                                cairn_error *err)
{
    if (path == NULL) {
        *out = NULL;
        return cairn_error_set(err, CAIRN_EINVAL, "no summary file named");
    }
    return summary(out, st, inst, opts, path, oopts, err);
}

int cairn_release_report_compute(char **out, cairn_store *st,
                                 const cairn_instrument *inst,
                                 const cairn_aggregate_options *opts,
                                 const cairn_mixed_options *mopts,
                                 cairn_error *err)
{
    cairn_aggregate *agg = NULL;
    cairn_aggregate_table *t = NULL;
    cairn_cohort_result *r = NULL;
    *out = NULL;
    int rc = cairn_release_summary_compute(&agg, st, inst, opts, err);
    if (rc == CAIRN_OK) {
        rc =
            cairn_aggregate_table_compute(&t, agg->summary, agg->min_cell, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_cohort_compute(&r, agg->summary, mopts, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_aggregate_report_to_json(r, t, agg->n_sites, out, err);
    }
    cairn_cohort_result_free(r);
    cairn_aggregate_table_free(t);
    cairn_aggregate_free(agg);
    return rc;
}
