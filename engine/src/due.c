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
    for (size_t i = 0; d->owned && i < d->n; i++) {
        free((void *)d->items[i].client); /* its copy, see keep() */
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
    int c = strcmp(a->client, b->client);
    return c != 0 ? c : strcmp(a->instrument, b->instrument);
}

int cairn__due_day(const char *today, double *now, cairn_error *err)
{
    *now = day_of(today);
    if (isnan(*now)) {
        return cairn_error_set(err, CAIRN_EINVAL, "'%.40s' is not a date",
                               today != NULL ? today : "");
    }
    return CAIRN_OK;
}

/* The longest trend of `e`, for the gaps' room. */
static size_t longest(const cairn_caseload_entry *e)
{
    size_t n = 1;
    for (size_t i = 0; i < e->n_trends; i++) {
        n = e->trends[i]->n > n ? e->trends[i]->n : n;
    }
    return n;
}

/* Append `e`'s questionnaires due on day `now` to `d` (room for every
 * trend of `e`), borrowing from `e`; `gaps` has room for its longest. */
static size_t add_due(cairn_due_list *d, const cairn_caseload_entry *e,
                      double now, double *gaps)
{
    size_t first = d->n;
    for (size_t i = 0; entry_active(e) && i < e->n_trends; i++) {
        const cairn_trend *t = e->trends[i];
        double interval = 0;
        double since = now - day_of(t->latest.date);
        if (!median_gap(t, gaps, &interval) || isnan(since) ||
            since <= interval) {
            continue;
        }
        d->items[d->n++] = (cairn_due){e,
                                       t,
                                       interval,
                                       since,
                                       e->client->code,
                                       e->client->name,
                                       t->instrument,
                                       t->latest.date};
    }
    return d->n - first;
}

void cairn__due_sort(cairn_due_list *d)
{
    if (d->n > 1) {
        qsort(d->items, d->n, sizeof d->items[0], by_overdue);
    }
}

int cairn_due_compute(cairn_due_list **out, const cairn_caseload *cl,
                      const char *today, cairn_error *err)
{
    cairn_due_list *d = NULL;
    double *gaps = NULL;
    size_t cap = 0, max_n = 1;
    double now = 0;
    *out = NULL;
    int rc = cairn__due_day(today, &now, err);
    if (rc < 0) {
        return rc;
    }
    for (size_t k = 0; k < cl->n; k++) {
        size_t n = longest(&cl->entries[k]);
        max_n = n > max_n ? n : max_n;
        cap += cl->entries[k].n_trends;
    }
    d = calloc(1, sizeof *d);
    gaps = malloc(max_n * sizeof *gaps);
    if (d == NULL || gaps == NULL ||
        (cap > 0 && (d->items = malloc(cap * sizeof *d->items)) == NULL)) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < cl->n; k++) {
        add_due(d, &cl->entries[k], now, gaps);
    }
    cairn__due_sort(d);
out:
    free(gaps);
    if (rc < 0) {
        cairn_due_list_free(d);
        return rc;
    }
    *out = d;
    return CAIRN_OK;
}

/* What a due item borrows from its entry, copied into one block (freed
 * with its client text). */
static bool keep(cairn_due *x)
{
    size_t nc = strlen(x->client) + 1;
    size_t nn = x->client_name != NULL ? strlen(x->client_name) + 1 : 0;
    size_t ni = strlen(x->instrument) + 1;
    size_t nd = x->latest_date != NULL ? strlen(x->latest_date) + 1 : 0;
    char *p = malloc(nc + nn + ni + nd);
    if (p == NULL) {
        return false;
    }
    x->client = memcpy(p, x->client, nc);
    x->client_name = nn ? memcpy(p + nc, x->client_name, nn) : NULL;
    x->instrument = memcpy(p + nc + nn, x->instrument, ni);
    x->latest_date = nd ? memcpy(p + nc + nn + ni, x->latest_date, nd) : NULL;
    x->entry = NULL;
    x->trend = NULL;
    return true;
}

int cairn__due_add(cairn_due_list *d, size_t *cap,
                   const cairn_caseload_entry *e, double now, cairn_error *err)
{
    d->owned = true;
    if (d->n + e->n_trends > *cap) {
        size_t c = *cap ? *cap : 64;
        while (c < d->n + e->n_trends) {
            c *= 2;
        }
        cairn_due *items = realloc(d->items, c * sizeof *items);
        if (items == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        d->items = items;
        *cap = c;
    }
    double *gaps = malloc(longest(e) * sizeof *gaps);
    if (gaps == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t first = d->n;
    size_t n = add_due(d, e, now, gaps);
    free(gaps);
    d->n = first;
    for (size_t i = first; i < first + n; i++) {
        if (!keep(&d->items[i])) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        d->n = i + 1; /* only kept ones are counted (and freed) */
    }
    return CAIRN_OK;
}
