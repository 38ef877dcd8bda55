/*
 * pipe.c - bytes handed from one thread to a worker thread, in order,
 * through a few bounded buffers: the deferred import's second thread
 * (store_batch_pipe.c) and the research export's (export_write.c).
 *
 * The producer writes records into the buffer it fills; a full buffer
 * (at least PIPE_CHUNK bytes) goes to the worker, first in, first out,
 * so the worker sees the bytes in the producer's order and does exactly
 * what one thread would have done.  Memory stays bounded: when all
 * PIPE_CHUNKS buffers are full or being worked on, the producer waits.
 * The worker's first error is kept (the buffers after it are skipped)
 * and returned by the next hand-over or flush, which also stop waiting
 * for it; the producer touches nothing the worker does until a flush has
 * returned.  Freeing the pipe stops and joins the worker whatever
 * happened, so no thread is left behind.
 *
 * Wraps POSIX threads.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

#define PIPE_CHUNKS 4
#define PIPE_CHUNK (256u << 10)

typedef struct chunk {
    char *p;
    size_t len, cap;
} chunk;

struct cairn__pipe {
    cairn__pipe_fn fn;
    void *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk bufs[PIPE_CHUNKS];
    size_t head;  /* the oldest handed-over buffer */
    size_t count; /* buffers handed over and not yet done */
    size_t fill;  /* the buffer the producer fills (not handed over) */
    bool done;    /* the producer hands over no more */
    int rc;       /* the worker's first error, or CAIRN_OK */
    cairn_error err;
    bool running; /* the thread was started and not joined */
    bool broken;  /* a hand-over returned an error: nothing more goes */
};

static void *worker(void *arg)
{
    cairn__pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->done) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->count == 0) {
            break;
        }
        chunk *c = &p->bufs[p->head];
        bool skip = p->rc != CAIRN_OK;
        pthread_mutex_unlock(&p->mu);
        cairn_error e = CAIRN_ERROR_INIT;
        int rc = skip ? CAIRN_OK : p->fn(p->ctx, c->p, c->len, &e);
        pthread_mutex_lock(&p->mu);
        if (rc < 0 && p->rc == CAIRN_OK) {
            p->rc = rc;
            p->err = e;
        }
        c->len = 0;
        p->head = (p->head + 1) % PIPE_CHUNKS;
        p->count--;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int cairn__pipe_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv)
{
    if (pthread_mutex_init(mu, NULL) != 0) {
        return CAIRN_ENOMEM;
    }
    if (pthread_cond_init(cv, NULL) != 0) {
        pthread_mutex_destroy(mu);
        return CAIRN_ENOMEM;
    }
    return CAIRN_OK;
}

int cairn__pipe_start(cairn__pipe **out, cairn__pipe_fn fn, void *ctx)
{
    *out = NULL;
    cairn__pipe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return CAIRN_ENOMEM;
    }
    p->fn = fn;
    p->ctx = ctx;
    if (cairn__pipe_sync_init(&p->mu, &p->cv) != CAIRN_OK) {
        free(p);
        return CAIRN_ENOMEM;
    }
    p->running = pthread_create(&p->thread, NULL, worker, p) == 0;
    if (!p->running) {
        cairn__pipe_free(p);
        return CAIRN_ENOMEM;
    }
    *out = p;
    return CAIRN_OK;
}

char *cairn__pipe_room(cairn__pipe *p, size_t n)
{
    chunk *c = &p->bufs[p->fill];
    if (c->cap - c->len < n) {
        size_t cap = c->cap ? c->cap : PIPE_CHUNK + 4096;
        while (cap - c->len < n) {
            if (cap > SIZE_MAX / 2) {
                return NULL;
            }
            cap *= 2;
        }
        char *q = realloc(c->p, cap);
        if (q == NULL) {
            return NULL;
        }
        c->p = q;
        c->cap = cap;
    }
    return c->p + c->len;
}

/* The worker's error, if it had one (the caller holds the lock). */
static int worker_error(const cairn__pipe *p, cairn_error *err)
{
    if (p->rc != CAIRN_OK && err != NULL) {
        *err = p->err;
    }
    return p->rc;
}

/* Hand the buffer being filled over (if it holds anything); with
 * `drain`, wait until the worker has done every buffer, else only for a
 * free one. */
static int hand_over(cairn__pipe *p, bool drain, cairn_error *err)
{
    pthread_mutex_lock(&p->mu);
    if (p->broken) {
        int rc = worker_error(p, err);
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    if (p->bufs[p->fill].len > 0) {
        p->count++;
        pthread_cond_broadcast(&p->cv);
    }
    while (drain ? p->count > 0
                 : p->count == PIPE_CHUNKS && p->rc == CAIRN_OK) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    int rc = worker_error(p, err);
    if (rc == CAIRN_OK) {
        /* the next free buffer (the worker empties each it has done) */
        p->fill = (p->head + p->count) % PIPE_CHUNKS;
    }
    p->broken = rc < 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int cairn__pipe_add(cairn__pipe *p, size_t n, cairn_error *err)
{
    chunk *c = &p->bufs[p->fill];
    c->len += n;
    return c->len >= PIPE_CHUNK ? hand_over(p, false, err) : CAIRN_OK;
}

int cairn__pipe_flush(cairn__pipe *p, cairn_error *err)
{
    return hand_over(p, true, err);
}

void cairn__pipe_free(cairn__pipe *p)
{
    if (p == NULL) {
        return;
    }
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->done = true;
        p->rc = p->rc == CAIRN_OK ? CAIRN_EINVAL : p->rc; /* skip the rest */
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    for (size_t i = 0; i < PIPE_CHUNKS; i++) {
        free(p->bufs[i].p);
    }
    free(p);
}
