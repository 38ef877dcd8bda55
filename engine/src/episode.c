/*
 * episode.c - which assessments a course of care covers (see
 * cairn/episode.h): every client's episodes read once, then each
 * assessment placed by a binary search on the client's id.
 */
#include "cairn/episode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct cairn_episode_filter {
    int choice;
    cairn_episode_span *spans; /* by client id, then start */
    size_t n;
    size_t outside;
};

int cairn_episode_filter_new(cairn_episode_filter **out, cairn_store *st,
                             int episode, cairn_error *err)
{
    *out = NULL;
    if (episode < 1 && episode != CAIRN_EPISODE_CURRENT &&
        episode != CAIRN_EPISODE_ALL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "episode %d: give current, all or a number "
                               "from 1",
                               episode);
    }
    cairn_episode_filter *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    f->choice = episode;
    int rc = cairn_store_episode_spans(&f->spans, &f->n, st, err);
    if (rc < 0) {
        cairn_episode_filter_free(f);
        return rc;
    }
    *out = f;
    return CAIRN_OK;
}

/* The first span of `client_id`, or f->n when it has none; its count. */
static size_t first_span(const cairn_episode_filter *f, int64_t client_id,
                         size_t *count)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->spans[mid].client_id < client_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t end = lo;
    while (end < f->n && f->spans[end].client_id == client_id) {
        end++;
    }
    *count = end - lo;
    return *count > 0 ? lo : f->n;
}

bool cairn_episode_filter_place(cairn_episode_filter *f, int64_t client_id,
                                double days, cairn_episode_place *p)
{
    size_t count = 0;
    size_t first = first_span(f, client_id, &count);
    p->number = 0;
    p->start = NAN;
    for (size_t k = 0; k < count; k++) {
        const cairn_episode_span *e = &f->spans[first + k];
        if (days >= e->start && days < e->end) {
            p->number = e->number; /* the latest that holds the day */
            p->start = e->start;
        }
    }
    int want = f->choice == CAIRN_EPISODE_CURRENT ? (int)count : f->choice;
    p->counted = f->choice == CAIRN_EPISODE_ALL || count == 0 ||
                 (p->number > 0 && p->number == want);
    f->outside += !p->counted;
    return p->counted;
}

int cairn_episode_filter_choice(const cairn_episode_filter *f)
{
    return f->choice;
}

size_t cairn_episode_filter_outside(const cairn_episode_filter *f)
{
    return f->outside;
}

const char *cairn_episode_choice_name(int episode, char *buf, size_t size)
{
    if (episode == CAIRN_EPISODE_CURRENT) {
        return "current";
    }
    if (episode == CAIRN_EPISODE_ALL) {
        return "all";
    }
    snprintf(buf, size, "episode %d", episode);
    return buf;
}

void cairn_episode_filter_free(cairn_episode_filter *f)
{
    if (f == NULL) {
        return;
    }
    free(f->spans);
    free(f);
}
