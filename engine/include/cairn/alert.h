/*
 * cairn/alert.h - the alerts clients' data raise, with what clinicians
 * did about them.
 *
 * Alerts are computed from the data with every trend (cairn/trend.h);
 * what a clinician recorded (acknowledged, resolved) is stored under the
 * alert's key (cairn_store_alert_set).  This module is the one place
 * where the two meet: cairn_alert_apply_states() sets each alert's state
 * from the store's records, and the lists below order alerts the same
 * way for every front end: open ones first, then acknowledged, then
 * resolved; within a state a risk item endorsed on the client's latest
 * assessment first, then risk items endorsed earlier, then the other
 * kinds from the most urgent; within each of those the newest first (so
 * a months-old imported flag never outranks today's), then the
 * caseload's order of clients.
 *
 *     cairn_caseload *cl = NULL;
 *     cairn_alert_list *l = NULL;
 *     if (cairn_caseload_compute(&cl, st, cat, NULL, &err) == 0 &&
 *         cairn_alert_list_compute(&l, cl, false, &err) == 0)
 *         for (size_t i = 0; i < l->n; i++)
 *             show(l->items[i].client, l->items[i].alert);
 *     cairn_alert_list_free(l);
 *     cairn_caseload_free(cl);
 */
#ifndef CAIRN_ALERT_H
#define CAIRN_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/caseload.h"
#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/store.h"
#include "cairn/trend.h"

/**
 * Set the state, who, when and note of each of `t`'s alerts from
 * `records` (the store's latest action per key, sorted by key, as
 * cairn_store_alert_list returns them; NULL = none).  Alerts without a
 * record stay open.  The alerts borrow the records' strings, so `records`
 * must outlive `t`'s use.
 */
void cairn_alert_apply_states(cairn_trend *t,
                              const cairn_alert_record_list *records);

/** One alert and where it comes from (all borrowed). */
typedef struct cairn_alert_ref {
    const char *client;       /**< client code */
    const char *clinician;    /**< the client's clinician, or NULL */
    const cairn_trend *trend; /**< the trend that raised it; NULL in a list
                                   read one client at a time
                                   (cairn_attention_read), whose trends
                                   are gone */
    const cairn_alert *alert; /**< the alert, its state applied */
    bool on_latest;           /**< raised by the trend's latest score */
    const char *instrument;   /**< the trend's instrument code */
    const char *scale;        /**< and scale id */
    const char *client_name;  /**< the client's display name, or NULL */
} cairn_alert_ref;

/** What an alert's kind is, for people: "risk item endorsed", ... */
const char *cairn_alert_kind_label(cairn_alert_kind kind);

/** Open alerts of one kind, counted (cairn_alert_groups). */
typedef struct cairn_alert_group {
    cairn_alert_kind kind;
    size_t n; /**< at least 1 */
} cairn_alert_group;

/**
 * A caseload cell's open alerts by kind, for the caseload's glance at a
 * client: each kind once, in the order it first comes in the cell, with
 * how many open alerts are of that kind (a risk item endorsed at four
 * sessions is one group of 4).  Fills `out` (room for
 * CAIRN_ALERT_KIND_COUNT groups) and returns the number of groups.
 */
size_t cairn_alert_groups(const cairn_caseload_cell *cell,
                          cairn_alert_group out[CAIRN_ALERT_KIND_COUNT]);

/**
 * A group in words, for people: its kind's label, with the count when
 * there is more than one ("risk item endorsed", "risk item endorsed 4
 * times").  Writes into `buf` (CAIRN_ALERT_GROUP_MAX bytes are always
 * enough) and returns it.
 */
#define CAIRN_ALERT_GROUP_MAX 64
const char *cairn_alert_group_label(char *buf, size_t size,
                                    const cairn_alert_group *g);

/**
 * How long ago `date` was on `today` (both ISO dates or date-times), for
 * people: "today", "yesterday", "3 days ago", "5 weeks ago", "4 months
 * ago", "2 years ago" (whole units, rounded down), or "in the future".
 * Writes into `buf` (at least 24 bytes) and returns it; "" when either is
 * not a date.
 */
const char *cairn_alert_age(char *buf, size_t size, const char *date,
                            const char *today);

/** Alerts in the order above, with counts per state. */
typedef struct cairn_alert_list {
    size_t n;
    cairn_alert_ref *items;
    size_t n_open;         /**< the first n_open items are open */
    size_t n_acknowledged; /**< then the acknowledged ones */
    size_t n_resolved;     /**< then resolved ones, if asked for */
    bool owned;            /**< private: the list holds copies of its
                                alerts (cairn_attention_read) */
} cairn_alert_list;

/**
 * The alerts of `n` trends of client `client` (their states already
 * applied with cairn_alert_apply_states), resolved ones only when
 * `with_resolved`.  The list borrows from the trends.
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_alert_list_of_trends(cairn_alert_list **out, const char *client,
                               cairn_trend *const *trends, size_t n,
                               bool with_resolved, cairn_error *err);

/**
 * What cairn_alert_list_of_trends(&l, client, trends, n, false, ...)
 * would give as l->n_open, l->n_acknowledged and, when l->n_open > 0,
 * l->items[0] (the most urgent open alert), without making the list:
 * `*top` is filled only when `*n_open` > 0 and borrows from the trends.
 * Cannot fail.
 */
void cairn_alert_top_of_trends(cairn_alert_ref *top, size_t *n_open,
                               size_t *n_acknowledged, const char *client,
                               cairn_trend *const *trends, size_t n);

/**
 * Every alert of a caseload (whose states cairn_caseload_compute has
 * applied), resolved ones only when `with_resolved`.  The list borrows
 * from the caseload.  Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_alert_list_compute(cairn_alert_list **out, const cairn_caseload *cl,
                             bool with_resolved, cairn_error *err);

/** Free an alert list.  NULL is allowed. */
void cairn_alert_list_free(cairn_alert_list *l);

/** Room for the client code cairn_alert_client() writes (codes are at
 *  most 64 bytes, cairn/store.h). */
#define CAIRN_ALERT_CLIENT_MAX 80

/**
 * The client whose data could raise alert `key`: the client of the
 * assessment the key names ("<kind>:<assessment id>[:<item>]"), in
 * `code` (at least CAIRN_ALERT_CLIENT_MAX bytes).  Whether that client's
 * data raise it now, only their trends say (cairn_attention_read or
 * cairn_caseload_compute with `client` set).
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no alert 'risk:99:9'": the key
 * names no assessment) or CAIRN_EDB.
 */
int cairn_alert_client(cairn_store *st, const char *key, char *code,
                       size_t size, cairn_error *err);

/**
 * Record that a clinician acknowledged or resolved alert `key`, with a
 * note saying what was done: the alert is looked up among every client's
 * current alerts (so a key nobody's data raise is refused), and the
 * action is stored for the client whose data raise it.  If `client` is
 * not NULL it receives that client's code (at most `size` bytes).
 * An alert already resolved cannot be acknowledged again (resolving it
 * again adds a note).
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no alert 'risk:99:9'"),
 * CAIRN_EINVAL (state open, bad note, or "alert risk:12:9 was resolved
 * by dr.lee on 2026-03-17; it cannot be acknowledged again"),
 * CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_alert_set(cairn_store *st, const cairn_catalog *cat, const char *key,
                    cairn_alert_state state, const char *note, char *client,
                    size_t size, cairn_error *err);

/**
 * The actions recorded on `key` in `history` (as
 * cairn_store_alert_history returns it: sorted by key, oldest first):
 * their count, and through `first` the index of the first.  Every note
 * stays, each with who and when.
 */
size_t cairn_alert_notes(const cairn_alert_record_list *history,
                         const char *key, size_t *first);

#endif
