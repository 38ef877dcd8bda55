/*
 * timeline.c - markers derived from a client's loss (see
 * cairn/timeline.h): the due date and the anniversaries, merged into the
 * client's events in date order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/date.h"
#include "cairn/timeline.h"

#define FULL_TERM_WEEKS 40
#define SAME_MARKER_DAYS 14.0

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* Whether the clinician entered an event of `kind` near `date`. */
static bool entered_near(const cairn_event_list *l, cairn_event_kind kind,
                         const char *date)
{
    for (size_t i = 0; i < l->n; i++) {
        double d = 0;
        if (l->items[i].kind == kind &&
            cairn_date_days_between(l->items[i].date, date, &d, NULL) == 0 &&
            fabs(d) <= SAME_MARKER_DAYS) {
            return true;
        }
    }
    return false;
}

/* Insert a marker in date order (after events of the same date). */
static int insert(cairn_event_list *l, const char *code, const char *date,
                  cairn_event_kind kind, const char *label, cairn_error *err)
{
    cairn_event *items = realloc(l->items, (l->n + 1) * sizeof *items);
    if (items == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    l->items = items;
    cairn_event ev = {0, dup_text(code), dup_text(date), kind, dup_text(label)};
    if (ev.client_code == NULL || ev.date == NULL || ev.label == NULL) {
        free((void *)ev.client_code);
        free((void *)ev.date);
        free((void *)ev.label);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t at = l->n;
    while (at > 0 && strncmp(items[at - 1].date, date, 10) > 0) {
        at--;
    }
    memmove(&items[at + 1], &items[at], (l->n - at) * sizeof *items);
    items[at] = ev;
    l->n++;
    return CAIRN_OK;
}

static const char *ordinal(int n)
{
    int t = n % 100;
    if (t >= 11 && t <= 13) {
        return "th";
    }
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

static int add_anniversaries(cairn_event_list *l, const cairn_client *c,
                             const cairn_date *loss, const char *until,
                             cairn_error *err)
{
    int rc = CAIRN_OK;
    for (int k = 1; rc == CAIRN_OK && k <= 200; k++) {
        int day = loss->day;
        bool leap = (loss->year + k) % 4 == 0 && ((loss->year + k) % 100 != 0 ||
                                                  (loss->year + k) % 400 == 0);
        if (loss->month == 2 && day == 29 && !leap) {
            day = 28;
        }
        char date[CAIRN_DATE_MAX], label[64];
        snprintf(date, sizeof date, "%04d-%02d-%02d", loss->year + k,
                 loss->month, day);
        if (strncmp(date, until, 10) > 0) {
            break;
        }
        if (entered_near(l, CAIRN_EVENT_ANNIVERSARY, date)) {
            continue;
        }
        snprintf(label, sizeof label, "%d%s anniversary of the loss", k,
                 ordinal(k));
        rc = insert(l, c->code, date, CAIRN_EVENT_ANNIVERSARY, label, err);
    }
    return rc;
}

int cairn_timeline_add_markers(cairn_event_list *events, const cairn_client *c,
                               const char *until, cairn_error *err)
{
    cairn_date loss, end;
    if (c->loss_date == NULL) {
        return CAIRN_OK;
    }
    int rc = cairn_date_parse(&loss, c->loss_date, strlen(c->loss_date), err);
    if (rc == CAIRN_OK && until != NULL) {
        rc = cairn_date_parse(&end, until, strlen(until), err);
    }
    if (rc == CAIRN_OK && c->gestation_weeks > 0 &&
        c->gestation_weeks < FULL_TERM_WEEKS) {
        char due[CAIRN_DATE_MAX], label[80];
        rc = cairn_date_add_weeks(due, c->loss_date,
                                  FULL_TERM_WEEKS - c->gestation_weeks, err);
        if (rc == CAIRN_OK &&
            !entered_near(events, CAIRN_EVENT_DUE_DATE, due)) {
            snprintf(label, sizeof label, "due date, from the loss at %d weeks",
                     c->gestation_weeks);
            rc = insert(events, c->code, due, CAIRN_EVENT_DUE_DATE, label, err);
        }
    }
    if (rc == CAIRN_OK && until != NULL) {
        rc = add_anniversaries(events, c, &loss, end.text, err);
    }
    return rc;
}
