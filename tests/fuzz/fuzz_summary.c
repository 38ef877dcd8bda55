/*
 * fuzz_summary.c - the summary-file reader (cairn_aggregate_parse) on
 * arbitrary bytes.  A file the reader accepts must also survive what
 * `cairn aggregate` does with one: merging it with itself, suppressing
 * its published counts, computing the cohort statistics (the growth model
 * on a few blocks at most, to keep runs short) and writing both JSONs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cairn.h"
#include "cairn/aggregate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(cairn_aggregate *a)
{
    cairn_aggregate *b = NULL;
    cairn_aggregate_table *t = NULL;
    cairn_cohort_result *r = NULL;
    char *text = NULL;
    if (cairn_aggregate_to_json(a, &text, NULL) == CAIRN_OK) {
        if (cairn_aggregate_parse(&b, text, strlen(text), "again", NULL) !=
            CAIRN_OK) {
            abort(); /* what Cairn writes, Cairn reads */
        }
        cairn_aggregate_merge(a, b, NULL);
    }
    free(text);
    if (a->summary->n_groups > 64) {
        a->summary->n_groups = 64;
    }
    if (cairn_aggregate_table_compute(&t, a->summary, a->min_cell, NULL) ==
            CAIRN_OK &&
        cairn_cohort_compute(&r, a->summary, NULL, NULL) == CAIRN_OK) {
        text = NULL;
        cairn_aggregate_report_to_json(r, t, a->n_sites, &text, NULL);
        free(text);
    }
    cairn_cohort_result_free(r);
    cairn_aggregate_table_free(t);
    cairn_aggregate_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    cairn_aggregate *a = NULL;
    if (!ready) {
        gsl_set_error_handler_off();
        ready = 1;
    }
    if (cairn_aggregate_parse(&a, (const char *)data, size, "fuzz.json",
                              NULL) == CAIRN_OK) {
        exercise(a);
    }
    cairn_aggregate_free(a);
    return 0;
}
