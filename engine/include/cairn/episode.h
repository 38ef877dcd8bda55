/*
 * cairn/episode.h - which assessments a course of care covers, for scans
 * over many clients (the cohort, its growth model, the exports).
 *
 * An episode of care runs from its start date to its end date (both
 * whole days; open while it has no end).  Every statistic that speaks of
 * a course of care uses one episode per client, as `trend` does:
 *
 *   CAIRN_EPISODE_CURRENT (the default): each client's latest episode;
 *   N (1, 2, ...): each client's N-th episode; a client with fewer
 *     episodes is left out;
 *   CAIRN_EPISODE_ALL: every assessment, in or out of episodes.
 *
 * A client with no episode recorded at all is taken whole, whatever the
 * choice (their record is one course).  An assessment outside the chosen
 * episode (before its start, after its end, or between episodes) does not
 * count, and is counted as left out, so every output can say how many.
 *
 *     cairn_episode_filter *f = NULL;
 *     cairn_episode_filter_new(&f, st, CAIRN_EPISODE_CURRENT, &err);
 *     cairn_episode_place p;
 *     if (cairn_episode_filter_place(f, row->client_id, days, &p)) ...
 *     cairn_episode_filter_free(f);
 */
#ifndef CAIRN_EPISODE_H
#define CAIRN_EPISODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "cairn/store.h"
#include "cairn/trend.h"

/** Every client's episodes and the choice made (opaque). */
typedef struct cairn_episode_filter cairn_episode_filter;

/** Where one assessment falls. */
typedef struct cairn_episode_place {
    int number;   /**< the episode holding its date (1-based), or 0:
                       outside every episode of the client */
    double start; /**< that episode's first day (days since 1970), or
                       NAN when number is 0 */
    bool counted; /**< it belongs to the chosen course of care */
} cairn_episode_place;

/**
 * Read every client's episodes from `st` for the choice `episode`
 * (CAIRN_EPISODE_CURRENT, CAIRN_EPISODE_ALL or a number >= 1).  Free with
 * cairn_episode_filter_free.
 * Returns CAIRN_OK, CAIRN_EINVAL (a number below 1 other than the two
 * choices), CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_episode_filter_new(cairn_episode_filter **out, cairn_store *st,
                             int episode, cairn_error *err);

/**
 * Where the assessment of client `client_id` (a store id) on day `days`
 * (days since 1970) falls, into `*p`; returns p->counted.  Also counts
 * what was left out (cairn_episode_filter_outside).
 */
bool cairn_episode_filter_place(cairn_episode_filter *f, int64_t client_id,
                                double days, cairn_episode_place *p);

/** The choice the filter was made with. */
int cairn_episode_filter_choice(const cairn_episode_filter *f);

/** Assessments placed so far that were left out. */
size_t cairn_episode_filter_outside(const cairn_episode_filter *f);

/**
 * The choice in words for outputs and provenance: "current" (each
 * client's latest episode of care; clients without episodes whole),
 * "all" or "episode N".  Static text, or `buf` (size >= 32).
 */
const char *cairn_episode_choice_name(int episode, char *buf, size_t size);

/** Free a filter.  NULL is allowed. */
void cairn_episode_filter_free(cairn_episode_filter *f);

#endif
