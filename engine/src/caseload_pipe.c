/*
 * caseload_pipe.c - the caseload's reading thread: it steps the course
 * stream (SQLite) and hands each client's assessments over, while the
 * caseload's own thread computes the trends, alerts and NHS Talking
 * Therapies outcomes of the clients before.
 *
 * The reader calls cairn_store_assessment_stream_next() again and again
 * and puts each answer (a client's list, the end, or an error with its
 * message) in a ring of PIPE_SLOTS slots, in the order it got them; the
 * caseload takes them out in that order with cairn__course_pipe_next(),
 * exactly where it would have called the stream itself, so every message
 * is the one, and comes at the point, the single thread would give.  A
 * client who may have NHS Talking Therapies outcomes (`wants_events`) has
 * its session events read by the reader too, right after its rows: the
 * store's connection is used by one thread only while the pipe runs (the
 * caseload's thread reads nothing from the store until it is freed), and
 * every read is in the caller's one read transaction.
 *
 * Slots are handed over in batches of PIPE_BATCH under one mutex, so the
 * threads meet once per batch, not once per client; memory is bounded by
 * the ring (PIPE_SLOTS clients' assessments).  Freeing the pipe stops the
 * reader at its next hand-over and joins it: no thread outlives the pipe.
 *
 * Wraps POSIX threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "caseload_pipe.h"
#include "internal.h"

#define PIPE_SLOTS 256
#define PIPE_BATCH 32

typedef struct slot {
    int rc; /* the stream's answer: 1 (a list), 0 (the end), < 0 */
    cairn_assessment_list *list;
    cairn_error err;          /* when rc < 0 */
    cairn_event_list *events; /* read for `wants_events` clients */
    int ev_rc;                /* that read's status */
    cairn_error ev_err;
} slot;

struct cairn__course_pipe {
    cairn_assessment_stream *as; /* borrowed; stepped by the reader only */
    cairn_store *st;
    bool (*wants_events)(const cairn_assessment_list *, void *);
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot slots[PIPE_SLOTS];
    size_t produced; /* slots filled and handed over (under mu) */
    size_t consumed; /* slots taken back (under mu) */
    bool cancel;     /* the caseload wants no more (under mu) */
    bool running;
    /* the caseload's side, touched by its thread only */
    size_t taken, seen; /* slots taken; handed over as last seen */
};

/* Hand `upto` slots over; wait until a whole batch of slots is free.
 * False when the caseload cancelled. */
static bool publish(cairn__course_pipe *p, size_t upto, bool wait)
{
    pthread_mutex_lock(&p->mu);
    p->produced = upto;
    pthread_cond_broadcast(&p->cv);
    while (wait && !p->cancel &&
           p->produced - p->consumed > PIPE_SLOTS - PIPE_BATCH) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    bool go = !p->cancel;
    pthread_mutex_unlock(&p->mu);
    return go;
}

static void *reader(void *arg)
{
    cairn__course_pipe *p = arg;
    cairn_error e = CAIRN_ERROR_INIT, ev_e = CAIRN_ERROR_INIT;
    size_t n = 0;
    for (;;) {
        /* the slot is free: the last publish saw a batch consumed */
        slot *s = &p->slots[n % PIPE_SLOTS];
        s->list = NULL;
        s->events = NULL;
        s->ev_rc = CAIRN_OK;
        s->rc = cairn_store_assessment_stream_next(p->as, &s->list, &e);
        if (s->rc < 0) {
            s->err = e;
        }
        if (s->rc > 0 && p->wants_events(s->list, p->arg)) {
            s->ev_rc = cairn_store_event_list(
                &s->events, p->st, s->list->items[0].client_code, &ev_e);
        }
        if (s->ev_rc < 0) {
            s->ev_err = ev_e;
            cairn_error_clear(&ev_e);
        }
        n++;
        if (s->rc <= 0) {
            publish(p, n, false);
            break;
        }
        bool full = n % PIPE_BATCH == 0;
        if (full && !publish(p, n, true)) {
            break;
        }
    }
    return NULL;
}

int cairn__course_pipe_start(
    cairn__course_pipe **out, cairn_assessment_stream *as, cairn_store *st,
    bool (*wants_events)(const cairn_assessment_list *, void *), void *arg)
{
    *out = NULL;
    cairn__course_pipe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return CAIRN_ENOMEM;
    }
    p->as = as;
    p->st = st;
    p->wants_events = wants_events;
    p->arg = arg;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return CAIRN_ENOMEM;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return CAIRN_ENOMEM;
    }
    p->running = pthread_create(&p->thread, NULL, reader, p) == 0;
    if (!p->running) {
        cairn__course_pipe_free(p);
        return CAIRN_ENOMEM;
    }
    *out = p;
    return CAIRN_OK;
}

int cairn__course_pipe_next(cairn__course_pipe *p, cairn_assessment_list **out,
                            cairn_event_list **events, int *ev_rc,
                            cairn_error *ev_err, cairn_error *err)
{
    *out = NULL;
    *events = NULL;
    *ev_rc = CAIRN_OK;
    if (p->taken == p->seen || p->taken % PIPE_BATCH == 0) {
        pthread_mutex_lock(&p->mu);
        p->consumed = p->taken;
        pthread_cond_broadcast(&p->cv);
        while (p->produced == p->taken) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        p->seen = p->produced;
        pthread_mutex_unlock(&p->mu);
    }
    slot *s = &p->slots[p->taken % PIPE_SLOTS];
    int rc = s->rc;
    if (rc <= 0) {
        if (rc < 0 && err != NULL) {
            *err = s->err;
        }
        return rc; /* the last slot: taken stays on it */
    }
    *out = s->list;
    *events = s->events;
    *ev_rc = s->ev_rc;
    if (s->ev_rc < 0 && ev_err != NULL) {
        *ev_err = s->ev_err;
    }
    s->list = NULL;
    s->events = NULL;
    p->taken++;
    return rc;
}

void cairn__course_pipe_free(cairn__course_pipe *p)
{
    if (p == NULL) {
        return;
    }
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->cancel = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    /* what was handed over and not taken */
    for (size_t i = p->taken; i < p->produced; i++) {
        slot *s = &p->slots[i % PIPE_SLOTS];
        cairn_store_assessment_list_free(s->list);
        cairn_store_event_list_free(s->events);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
