/*
 * cairn/timeline.h - the dates that matter after a loss, as markers on a
 * client's timeline beside the events a clinician entered by hand.
 *
 * A due date that passes and each anniversary of the loss are hard days
 * for many bereaved parents, and often explain a score.  Cairn derives
 * them from what the client's record already holds, so every front end
 * (history, trend, every chart) shows them without anyone having to
 * enter them:
 *
 *   - the due date: the loss date plus (40 - weeks of gestation at the
 *     loss) weeks, that is 280 days from the first day of the last
 *     menstrual period (Naegele's rule; deriving it from the loss date is
 *     project policy), when the weeks of gestation are known and below
 *     40; it may lie in the future;
 *   - every anniversary of the loss up to a given date (29 February
 *     falls on 28 February in other years; project policy).
 *
 * A marker is not added where the clinician already entered an event of
 * the same kind within 14 days of it (project policy), so nothing shows
 * twice.
 *
 *     cairn_event_list *ev = NULL;
 *     cairn_store_event_list(&ev, st, "S01", &err);
 *     cairn_timeline_add_markers(ev, client, "2026-12-01", &err);
 *     ... ev holds the entered events and the markers, by date ...
 *     cairn_store_event_list_free(ev);
 */
#ifndef CAIRN_TIMELINE_H
#define CAIRN_TIMELINE_H

#include "cairn/error.h"
#include "cairn/store.h"

/**
 * Add to `events` (client `c`'s events as cairn_store_event_list returns
 * them; the strings of added markers are owned by the list like the
 * others, so cairn_store_event_list_free frees them) the due date and the
 * anniversaries of the loss up to `until` (an ISO date; NULL: none).
 * Markers have id 0 and a label saying where they come from ("due date,
 * from the loss at 11 weeks"; "1st anniversary of the loss").  The list
 * stays sorted by date.  A client without a loss date gets none.
 * Returns CAIRN_OK, CAIRN_EINVAL (`until` or the loss date is not a
 * date) or CAIRN_ENOMEM.
 */
int cairn_timeline_add_markers(cairn_event_list *events, const cairn_client *c,
                               const char *until, cairn_error *err);

#endif
