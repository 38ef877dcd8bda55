/*
 * store_batch_pipe.c - a deferred batch's second thread: it scores the
 * rows, keeps the prepared records in the spill and digests the rows,
 * while the first thread goes on reading and checking the file.
 *
 * The reading thread appends each record (store_batch_insert.c's format;
 * a row the import added unscored carries its codes instead of its
 * score's texts) to one of PIPE_CHUNKS buffers; a full buffer goes to the
 * worker, which scores the rows added unscored, puts every record in the
 * spill and adds each row's digest line to the batch's digest, in the
 * order they were read (one worker, buffers handed over first in, first
 * out).  So the spill and the digest chain hold the bytes the reading
 * thread alone would have made.  Memory stays bounded: when every buffer
 * is full or being worked on, the reader waits.
 *
 * The worker touches only the spill, the assessments' digest, the first
 * row's content (rows added unscored) and its own scorer; the reader
 * touches none of them until the pipe is finished (joined).  The worker
 * reads of the batch only what the reader wrote before handing a buffer
 * over (the definitions of its rows).  Rows are never judged here (a
 * score cannot fail but for memory), so every message about the file
 * still comes from the reader, in file order; the worker's own errors
 * (memory, the spill's file) are kept and returned by the next hand-over
 * or by cairn__batch_pipe_finish.
 *
 * Wraps POSIX threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store_batch.h"

#define PIPE_CHUNKS 4
#define PIPE_CHUNK (256u << 10)

struct cairn__batch_pipe {
    cairn__batch *b;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cairn__buf bufs[PIPE_CHUNKS];
    size_t head;  /* the oldest handed-over buffer */
    size_t count; /* buffers handed over and not yet done */
    size_t fill;  /* the buffer the reader fills (not handed over) */
    bool done;    /* the reader hands over no more */
    bool cancel;  /* stop now; nothing more is wanted */
    int rc;       /* the worker's first error, or CAIRN_OK */
    cairn_error err;
    cairn__batch_scorer scorer; /* the worker's: rows added unscored */
    bool running;               /* the thread was started and not joined */
    bool broken;                /* the reader met an error handing over */
};

/* Every record of one buffer into the spill; every row into the digest. */
static int work_chunk(cairn__batch_pipe *p, const cairn__buf *c,
                      cairn_error *err)
{
    size_t at = 0;
    int rc = CAIRN_OK;
    while (rc == CAIRN_OK && at < c->len) {
        uint32_t n = 0;
        memcpy(&n, c->p + at, sizeof n);
        const char *rec = c->p + at + sizeof n;
        at += sizeof n + n;
        rc = cairn__batch_pipe_record(p->b, &p->scorer, rec, n, err);
    }
    return rc;
}

static void *worker(void *arg)
{
    cairn__batch_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->done && !p->cancel) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->cancel || p->count == 0) {
            break;
        }
        cairn__buf *c = &p->bufs[p->head];
        bool skip = p->rc != CAIRN_OK;
        pthread_mutex_unlock(&p->mu);
        cairn_error e = CAIRN_ERROR_INIT;
        int rc = skip ? CAIRN_OK : work_chunk(p, c, &e);
        pthread_mutex_lock(&p->mu);
        if (rc < 0 && p->rc == CAIRN_OK) {
            p->rc = rc;
            p->err = e;
        }
        p->head = (p->head + 1) % PIPE_CHUNKS;
        p->count--;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int cairn__batch_pipe_start(cairn__batch_pipe **out, cairn__batch *b)
{
    *out = NULL;
    cairn__batch_pipe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return CAIRN_ENOMEM;
    }
    p->b = b;
    if (cairn__memo_new(&p->scorer.memo) < 0) {
        p->scorer.memo = NULL; /* scores are only encoded each time */
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        cairn__memo_free(p->scorer.memo);
        free(p);
        return CAIRN_ENOMEM;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        cairn__memo_free(p->scorer.memo);
        free(p);
        return CAIRN_ENOMEM;
    }
    p->running = pthread_create(&p->thread, NULL, worker, p) == 0;
    if (!p->running) {
        cairn__batch_pipe_free(p);
        return CAIRN_ENOMEM;
    }
    *out = p;
    return CAIRN_OK;
}

/* The worker's error, if it had one (the caller holds the lock). */
static int worker_error(const cairn__batch_pipe *p, cairn_error *err)
{
    if (p->rc != CAIRN_OK && err != NULL) {
        *err = p->err;
    }
    return p->rc;
}

/* Hand the buffer being filled to the worker; wait for a free one. */
static int hand_over(cairn__batch_pipe *p, cairn_error *err)
{
    pthread_mutex_lock(&p->mu);
    p->count++;
    pthread_cond_broadcast(&p->cv);
    while (p->count == PIPE_CHUNKS && p->rc == CAIRN_OK) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    int rc = worker_error(p, err);
    if (rc == CAIRN_OK) {
        p->fill = (p->head + p->count) % PIPE_CHUNKS;
    }
    pthread_mutex_unlock(&p->mu);
    if (rc == CAIRN_OK) {
        p->bufs[p->fill].len = 0;
    }
    return rc;
}

/* After an error the reader hands nothing over any more: that error. */
static int broken(cairn__batch_pipe *p, cairn_error *err)
{
    pthread_mutex_lock(&p->mu);
    int rc = worker_error(p, err);
    pthread_mutex_unlock(&p->mu);
    return rc < 0 ? rc : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

int cairn__batch_pipe_put(cairn__batch_pipe *p, const char *rec, size_t len,
                          cairn_error *err)
{
    cairn__buf *c = &p->bufs[p->fill];
    uint32_t n = (uint32_t)len;
    if (p->broken) {
        return broken(p, err);
    }
    if (len > UINT32_MAX) {
        return cairn_error_set(err, CAIRN_EINVAL, "a record is too long");
    }
    cairn__buf_put(c, (const char *)&n, sizeof n);
    cairn__buf_put(c, rec, len);
    int rc = c->oom ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
             : c->len >= PIPE_CHUNK ? hand_over(p, err)
                                    : CAIRN_OK;
    p->broken = rc < 0;
    return rc;
}

/* Stop the worker (`cancel`: drop what it has not done) and join it. */
static void stop(cairn__batch_pipe *p, bool cancel)
{
    pthread_mutex_lock(&p->mu);
    p->done = true;
    p->cancel = p->cancel || cancel;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = false;
}

int cairn__batch_pipe_finish(cairn__batch_pipe *p, cairn_error *err)
{
    if (!p->broken && p->bufs[p->fill].len > 0) {
        pthread_mutex_lock(&p->mu);
        p->count++;
        pthread_mutex_unlock(&p->mu);
    }
    stop(p, p->broken);
    int rc = p->broken ? broken(p, err) : worker_error(p, err);
    cairn__batch_pipe_free(p);
    return rc;
}

void cairn__batch_pipe_free(cairn__batch_pipe *p)
{
    if (p == NULL) {
        return;
    }
    if (p->running) {
        stop(p, true);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    for (size_t i = 0; i < PIPE_CHUNKS; i++) {
        cairn__buf_free(&p->bufs[i]);
    }
    cairn__batch_scorer_free(&p->scorer);
    free(p);
}
