/*
 * cairn/due.h - which questionnaires are due again: a client's usual
 * interval between assessments has passed.
 *
 * The rule (project policy; no manual sets one): for each active client
 * (no episode of care recorded, or the latest one still open) and each
 * questionnaire with at least two scored assessments in the trend's
 * episode, the usual interval is the median number of days between
 * consecutive assessments (calendar days, from the dates); the
 * questionnaire is due when more days than that have passed since its
 * latest assessment.  A median keeps one long gap (a holiday) from
 * stretching the interval; a client with a single assessment has no
 * interval yet and is never listed.
 *
 *     cairn_due_list *d = NULL;
 *     if (cairn_due_compute(&d, caseload, "2026-03-20", &err) == 0)
 *         for (size_t i = 0; i < d->n; i++)
 *             show(d->items[i].entry->client, d->items[i].trend,
 *                  d->items[i].days_since, d->items[i].interval_days);
 *     cairn_due_list_free(d);
 */
#ifndef CAIRN_DUE_H
#define CAIRN_DUE_H

#include <stddef.h>

#include "cairn/caseload.h"
#include "cairn/error.h"

/** One questionnaire due for one client (pointers borrowed). */
typedef struct cairn_due {
    const cairn_caseload_entry *entry; /**< the client's caseload line;
                                            NULL in a list read one client
                                            at a time (cairn_attention_read) */
    const cairn_trend *trend;          /**< the questionnaire's trend; NULL
                                            there too */
    double interval_days;              /**< the usual interval (median) */
    double days_since;                 /**< since the latest assessment */
    const char *client;                /**< the client's code */
    const char *client_name;           /**< display name, or NULL */
    const char *instrument;            /**< the trend's instrument code */
    const char *latest_date;           /**< its latest assessment's date */
} cairn_due;

/** Questionnaires due, the longest overdue (days_since - interval_days)
 *  first, then by client code and instrument. */
typedef struct cairn_due_list {
    size_t n;
    cairn_due *items;
    bool owned; /**< private: the items hold copies of their texts */
} cairn_due_list;

/**
 * The questionnaires due on `today` ("YYYY-MM-DD") among `cl`'s active
 * clients (discharged ones in a caseload computed with `all` are left
 * out).  The list borrows from `cl`, which must outlive it.
 * Returns CAIRN_OK, CAIRN_EINVAL (`today` is not a date) or
 * CAIRN_ENOMEM.
 */
int cairn_due_compute(cairn_due_list **out, const cairn_caseload *cl,
                      const char *today, cairn_error *err);

/** Free a due list.  NULL is allowed. */
void cairn_due_list_free(cairn_due_list *d);

#endif
