/*
 * due.c - which questionnaires are due again (cairn/due.h): each
 * questionnaire's usual interval is the median of the days between its
 * consecutive assessments in the trend's episode (project policy), and
 * it is due once more days than that have passed since the latest.
 * Works on a computed caseload only: no store, no statistics library.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/due.h"
#include "internal.h"

void cairn_due_list_free(cairn_due_list *d)
{
    if (d == NULL) {
        return;
    }
    free(d->items);
    free(d);
}

static int by_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The same rule as cairn_caseload_is_active, on the entry's episodes. */
static bool entry_active(const cairn_caseload_entry *e)
{
    const cairn_episode_list *ep = e->episodes;
    return ep == NULL || ep->n == 0 || ep->items[ep->n - 1].ended_on == NULL;
}

/* Day numbers of a date or date-time (the date part), or NAN. */
static double day_of(const char *iso)
{
    double d = 0;
    if (iso == NULL || cairn_date_days(iso, &d, NULL) < 0) {
        return NAN;
    }
    return floor(d);
}

/* The median gap in days between `t`'s consecutive points; false when
 * fewer than two points or a date does not parse.  `gaps` holds at
 * least t->n - 1 values. */
static bool median_gap(const cairn_trend *t, double *gaps, double *out)
{
    size_t n = 0;
    if (t->n < 2) {
        return false;
    }
    for (size_t i = 1; i < t->n; i++) {
        double a = day_of(t->points[i - 1].date);
        double b = day_of(t->points[i].date);
        if (isnan(a) || isnan(b)) {
            return false;
        }
        gaps[n++] = b - a;
    }
    qsort(gaps, n, sizeof gaps[0], by_double);
    *out = n % 2 ? gaps[n / 2] : (gaps[n / 2 - 1] + gaps[n / 2]) / 2;
    return true;
}

static int by_overdue(const void *x, const void *y)
{
    const cairn_due *a = x, *b = y;
    double oa = a->days_since - a->interval_days;
    double ob = b->days_since - b->interval_days;
    if (oa != ob) {
        return oa < ob ? 1 : -1;
    }
    int c = strcmp(a->entry->client->code, b->entry->client->code);
    return c != 0 ? c : strcmp(a->trend->instrument, b->trend->instrument);
}

int cairn_due_compute(cairn_due_list **out, const cairn_caseload *cl,
                      const char *today, cairn_error *err)
{
    cairn_due_list *d = NULL;
    double *gaps = NULL;
    size_t cap = 0, max_n = 0;
    int rc = CAIRN_OK;
    double now = day_of(today);
    *out = NULL;
    if (isnan(now)) {
        return cairn_error_set(err, CAIRN_EINVAL, "'%.40s' is not a date",
                               today != NULL ? today : "");
    }
    for (size_t k = 0; k < cl->n; k++) {
        for (size_t i = 0; i < cl->entries[k].n_trends; i++) {
            size_t n = cl->entries[k].trends[i]->n;
            max_n = n > max_n ? n : max_n;
            cap++;
        }
    }
    d = calloc(1, sizeof *d);
    gaps = malloc((max_n > 0 ? max_n : 1) * sizeof *gaps);
    if (d == NULL || gaps == NULL ||
        (cap > 0 && (d->items = malloc(cap * sizeof *d->items)) == NULL)) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < cl->n; k++) {
        const cairn_caseload_entry *e = &cl->entries[k];
        for (size_t i = 0; entry_active(e) && i < e->n_trends; i++) {
            const cairn_trend *t = e->trends[i];
            double interval = 0;
            double since = now - day_of(t->latest.date);
            if (!median_gap(t, gaps, &interval) || isnan(since) ||
                since <= interval) {
                continue;
            }
            d->items[d->n++] = (cairn_due){e, t, interval, since};
        }
    }
    if (d->n > 1) {
        qsort(d->items, d->n, sizeof d->items[0], by_overdue);
    }
out:
    free(gaps);
    if (rc < 0) {
        cairn_due_list_free(d);
        return rc;
    }
    *out = d;
    return CAIRN_OK;
}
