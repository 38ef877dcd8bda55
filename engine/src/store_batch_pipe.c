/*
 * store_batch_pipe.c - a deferred batch's second thread: it scores the
 * rows, keeps the prepared records in the spill and digests the rows,
 * while the first thread goes on reading and checking the file.
 *
 * The reading thread appends each record (store_batch_insert.c's format;
 * a row the import added unscored carries its codes instead of its
 * score's texts) to one of pipe.c's buffers; a full buffer goes to the
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
 * The thread and its bounded buffers are pipe.c's; this file says what
 * goes through them and what the worker does with it.
 */
#include <stdlib.h>
#include <string.h>

#include "store_batch.h"

struct cairn__batch_pipe {
    cairn__batch *b;
    cairn__pipe *pipe;
    cairn__batch_scorer scorer; /* the worker's: rows added unscored */
    int rc;                     /* the reader's first error handing over */
    cairn_error err;
};

/* Every record of one buffer into the spill; every row into the digest
 * (on the worker thread). */
static int work_chunk(void *ctx, const char *data, size_t len, cairn_error *err)
{
    cairn__batch_pipe *p = ctx;
    size_t at = 0;
    int rc = CAIRN_OK;
    while (rc == CAIRN_OK && at < len) {
        uint32_t n = 0;
        memcpy(&n, data + at, sizeof n);
        const char *rec = data + at + sizeof n;
        at += sizeof n + n;
        rc = cairn__batch_pipe_record(p->b, &p->scorer, rec, n, err);
    }
    return rc;
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
    if (cairn__pipe_start(&p->pipe, work_chunk, p) < 0) {
        cairn__batch_pipe_free(p);
        return CAIRN_ENOMEM;
    }
    *out = p;
    return CAIRN_OK;
}

int cairn__batch_pipe_put(cairn__batch_pipe *p, const char *rec, size_t len,
                          cairn_error *err)
{
    uint32_t n = (uint32_t)len;
    if (p->rc < 0) { /* after an error nothing more is handed over */
        if (err != NULL) {
            *err = p->err;
        }
        return p->rc;
    }
    char *room = len <= UINT32_MAX - sizeof n
                     ? cairn__pipe_room(p->pipe, sizeof n + len)
                     : NULL;
    int rc = CAIRN_OK;
    if (len > UINT32_MAX - sizeof n) {
        rc = cairn_error_set(&p->err, CAIRN_EINVAL, "a record is too long");
    } else if (room == NULL) {
        rc = cairn_error_set(&p->err, CAIRN_ENOMEM, "out of memory");
    } else {
        memcpy(room, &n, sizeof n);
        memcpy(room + sizeof n, rec, len);
        rc = cairn__pipe_add(p->pipe, sizeof n + len, &p->err);
    }
    p->rc = rc;
    if (rc < 0 && err != NULL) {
        *err = p->err;
    }
    return rc;
}

int cairn__batch_pipe_finish(cairn__batch_pipe *p, cairn_error *err)
{
    /* the rows handed over are done first: the worker's error, on an
     * earlier row, comes before the reader's */
    cairn_error e = CAIRN_ERROR_INIT;
    int rc = cairn__pipe_flush(p->pipe, &e);
    if (rc == CAIRN_OK && p->rc < 0) {
        rc = p->rc;
        e = p->err;
    }
    if (rc < 0 && err != NULL) {
        *err = e;
    }
    cairn__batch_pipe_free(p);
    return rc;
}

void cairn__batch_pipe_free(cairn__batch_pipe *p)
{
    if (p == NULL) {
        return;
    }
    cairn__pipe_free(p->pipe); /* first: its worker uses the scorer */
    cairn__batch_scorer_free(&p->scorer);
    free(p);
}
