/*
 * caseload_pipe.c - the caseload's reading thread: it reads the store
 * (SQLite) client by client and hands each client's assessments over,
 * while the caseload's own thread computes the trends, alerts and NHS
 * Talking Therapies outcomes of the clients before.
 *
 * It reads either a course stream's clients in turn (the caseload's one
 * pass) or given clients in a given order, each with its episodes of
 * care (the walk over the rows' full entries).  Each answer (a client's
 * list, the end, or an error with its message) goes into a ring of
 * PIPE_SLOTS slots in the order it was read; the caseload takes them out
 * in that order, exactly where it would have read them itself, so every
 * message is the one, and comes at the point, the single thread would
 * give.  A client who may have NHS Talking Therapies outcomes has its
 * session events read too, right after its rows: the store's connection
 * is used by one thread only while the pipe runs (the caseload's thread
 * reads nothing from the store until it is freed), and every read is in
 * the caller's one read transaction.
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
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cairn.h"
#include "caseload_pipe.h"
#include "internal.h"

#define PIPE_SLOTS 256
#define PIPE_BATCH 32

struct cairn__course_pipe {
    const cairn__course_reads *r;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cairn__course_item slots[PIPE_SLOTS];
    size_t produced; /* slots filled and handed over (under mu) */
    size_t consumed; /* slots taken back (under mu) */
    bool cancel;     /* the caseload wants no more (under mu) */
    bool running;
    /* the caseload's side, touched by its thread only */
    size_t taken, seen; /* slots taken; handed over as last seen */
};

/* Whether a client's list may give NHS Talking Therapies outcomes (rows
 * of a depression and of an anxiety measure). */
static bool wants_events(const cairn__course_reads *r,
                         const cairn_assessment_list *list)
{
    bool has[2] = {false, false};
    const char *last = NULL;
    for (size_t a = 0; list != NULL && a < list->n; a++) {
        const char *code = list->items[a].instrument;
        if (last != NULL && strcmp(last, code) == 0) {
            continue;
        }
        last = code;
        for (size_t i = 0; i < r->n_insts; i++) {
            if (r->nhstt_kind[i] >= 0 &&
                strcmp(cairn_instrument_code(r->insts[i]), code) == 0) {
                has[r->nhstt_kind[i]] = true;
            }
        }
    }
    return has[0] && has[1];
}

/* The session events of the item's client, if it may need them. */
static void read_events(const cairn__course_reads *r, const char *code,
                        cairn__course_item *it)
{
    it->events = NULL;
    it->ev_rc = CAIRN_OK;
    if (it->rc > 0 && wants_events(r, it->list)) {
        cairn_error_clear(&it->ev_err);
        it->ev_rc =
            cairn_store_event_list(&it->events, r->st, code, &it->ev_err);
    }
}

/* The stream's next client into `it`. */
static void read_next(const cairn__course_reads *r, cairn__course_item *it)
{
    it->list = NULL;
    it->episodes = NULL;
    it->ep_rc = CAIRN_OK;
    cairn_error e = CAIRN_ERROR_INIT;
    /* its texts decoded by the taker (cairn__store_course_finish); when
     * the read fails, the rows before the failure come with the error */
    it->rc = cairn__store_course_next(r->stream, &it->list, &e);
    if (it->rc < 0) {
        it->err = e;
    }
    read_events(r, it->rc > 0 ? it->list->items[0].client_code : NULL, it);
}

void cairn__course_read_client(const cairn__course_reads *r, size_t k,
                               cairn__course_item *it)
{
    it->list = NULL;
    it->episodes = NULL;
    it->events = NULL;
    it->ev_rc = CAIRN_OK;
    it->ep_rc = CAIRN_OK;
    it->rc = 0;
    if (k >= r->n_clients) {
        return;
    }
    const cairn_client *cl = r->clients[k];
    cairn_error_clear(&it->err);
    int rc =
        cairn_store_course_client_read(r->stream, cl->id, &it->list, &it->err);
    it->rc = rc < 0 ? rc : 1;
    if (it->rc > 0) {
        cairn_error_clear(&it->ep_err);
        it->ep_rc = cairn_store_episode_list(&it->episodes, r->st, cl->code,
                                             &it->ep_err);
    }
    read_events(r, cl->code, it);
}

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
    size_t n = 0;
    for (;;) {
        /* the slot is free: the last publish saw a batch consumed */
        cairn__course_item *it = &p->slots[n % PIPE_SLOTS];
        if (p->r->clients != NULL) {
            cairn__course_read_client(p->r, n, it);
        } else {
            read_next(p->r, it);
        }
        n++;
        if (it->rc <= 0) {
            publish(p, n, false);
            break;
        }
        if (n % PIPE_BATCH == 0 && !publish(p, n, true)) {
            break;
        }
    }
    return NULL;
}

int cairn__course_pipe_start(cairn__course_pipe **out,
                             const cairn__course_reads *r)
{
    *out = NULL;
    cairn__course_pipe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return CAIRN_ENOMEM;
    }
    p->r = r;
    if (cairn__pipe_sync_init(&p->mu, &p->cv) != CAIRN_OK) {
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

cairn__course_item *cairn__course_pipe_next(cairn__course_pipe *p)
{
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
    cairn__course_item *it = &p->slots[p->taken % PIPE_SLOTS];
    if (it->rc > 0) {
        p->taken++; /* its pointers are the caller's now */
    }
    return it;
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
        cairn__course_item *it = &p->slots[i % PIPE_SLOTS];
        cairn_store_assessment_list_free(it->list);
        cairn_store_event_list_free(it->events);
        cairn_store_episode_list_free(it->episodes);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void cairn__course_pipe_trim(void)
{
#ifdef __GLIBC__
    /* glibc gave the reading thread a malloc arena of its own: what was
     * freed there (the page cache it filled, its lists) would stay in the
     * process, out of reach of this thread's allocations */
    malloc_trim(0);
#endif
}
