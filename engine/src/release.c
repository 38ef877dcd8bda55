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

int cairn_release_summary_compute(cairn_aggregate **out, cairn_store *st,
                                  const cairn_instrument *inst,
                                  const cairn_aggregate_options *opts,
                                  cairn_error *err)
{
    static const cairn_aggregate_options defaults =
        CAIRN_AGGREGATE_OPTIONS_INIT;
    const cairn_aggregate_options *o = opts != NULL ? opts : &defaults;
    cairn_aggregate *agg = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    *out = NULL;
    /* the summary and its members in one pass over the store */
    int rc = cairn__aggregate_new_members(&agg, &ids, &n, st, inst, o, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_release_add(st, agg->summary->instrument,
                                     agg->summary->scale, ids, n, agg->min_cell,
                                     NULL, err);
    }
    free(ids);
    if (rc < 0) {
        cairn_aggregate_free(agg);
        return rc;
    }
    *out = agg;
    return CAIRN_OK;
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
