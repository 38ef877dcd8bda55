/*
 * cairn/attention.h - what needs a clinician now: every open (and
 * acknowledged) alert and every questionnaire due, for the clients of a
 * caseload, read one client at a time.
 *
 * The same alerts, order and states as cairn_alert_list_compute and the
 * same questionnaires due as cairn_due_compute on cairn_caseload_compute
 * with the same options; but where those hold every client's whole
 * course at once, this reads the caseload's compact rows and then each
 * client's full entry in turn (cairn_caseload_rows_walk), keeping copies
 * of what the lists show.  Memory grows with the alerts and the
 * questionnaires due, not with the store's assessments: for `cairn
 * alerts` and the dashboard's Today page over a whole practice.
 *
 *     cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
 *     cairn_attention *a = NULL;
 *     o.all = true;
 *     if (cairn_attention_read(&a, st, cat, &o, false, "2026-03-20",
 *                              &err) == 0)
 *         for (size_t i = 0; i < a->alerts->n; i++)
 *             show(a->alerts->items[i].client, a->alerts->items[i].alert);
 *     cairn_attention_free(a);
 */
#ifndef CAIRN_ATTENTION_H
#define CAIRN_ATTENTION_H

#include <stdbool.h>

#include "cairn/alert.h"
#include "cairn/caseload.h"
#include "cairn/catalog.h"
#include "cairn/due.h"
#include "cairn/error.h"
#include "cairn/store.h"

/** The alerts and the questionnaires due (owned, with their texts). */
typedef struct cairn_attention {
    cairn_alert_list *alerts; /**< items' `trend` is NULL; the instrument
                                   and scale name it */
    cairn_due_list *due;      /**< NULL unless asked for; items' `entry`
                                   and `trend` are NULL */
} cairn_attention;

/**
 * The alerts (resolved ones only when `with_resolved`) of the caseload
 * `opts` selects (NULL = defaults), and with `due_on` ("YYYY-MM-DD") the
 * questionnaires due on that day among its active clients.
 * Returns what cairn_caseload_rows_compute and cairn_caseload_rows_walk
 * return, CAIRN_EINVAL (`due_on` is not a date) or CAIRN_ENOMEM.
 */
int cairn_attention_read(cairn_attention **out, cairn_store *st,
                         const cairn_catalog *cat,
                         const cairn_caseload_options *opts, bool with_resolved,
                         const char *due_on, cairn_error *err);

/** Free what cairn_attention_read made.  NULL is allowed. */
void cairn_attention_free(cairn_attention *a);

#endif
