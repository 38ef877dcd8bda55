/*
 * caseload_pipe.h - the caseload's reading thread (caseload_pipe.c),
 * shared by caseload.c only.
 */
#ifndef CAIRN_CASELOAD_PIPE_H
#define CAIRN_CASELOAD_PIPE_H

#include <stdbool.h>

#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/store.h"

/* What is read of one client, in the order the single thread read it. */
typedef struct cairn__course_item {
    int rc; /* 1: a client (`list` NULL when it has no
               assessments), 0: the end, < 0: `err` */
    cairn_error err;
    cairn_assessment_list *list;
    cairn_event_list *events; /* read when the list may give NHS Talking
                                 Therapies outcomes, else NULL */
    int ev_rc;                /* that read's status; `ev_err` */
    cairn_error ev_err;
    cairn_episode_list *episodes; /* clients in turn: their episodes */
    int ep_rc;                    /* that read's status; `ep_err` */
    cairn_error ep_err;
} cairn__course_item;

/* What the reading thread reads (every pointer borrowed, unchanged while
 * it runs): the clients of a course stream in turn, or the clients
 * `clients` in that order, each with cairn_store_course_client_read()
 * on `stream` (opened with cairn_store_course_client_open()) and with
 * its episodes of care.  Session events are read for a list with rows of
 * an instrument of each kind in `nhstt_kind` (0 depression, 1 anxiety,
 * -1 neither; one per instrument of `insts`). */
typedef struct cairn__course_reads {
    cairn_store *st;
    cairn_assessment_stream *stream;
    const cairn_client *const *clients; /* NULL: the stream's clients */
    size_t n_clients;
    const cairn_instrument *const *insts;
    size_t n_insts;
    const signed char *nhstt_kind;
} cairn__course_reads;

typedef struct cairn__course_pipe cairn__course_pipe;

/*
 * Start a thread that reads what `r` says (borrowed until
 * cairn__course_pipe_free) ahead of the caller.  From here until the
 * pipe is freed the caller must not use the store.  Returns CAIRN_OK or
 * CAIRN_ENOMEM (no thread: the caller reads itself).
 */
int cairn__course_pipe_start(cairn__course_pipe **out,
                             const cairn__course_reads *r);

/*
 * The next client's item, valid until the next call; its list, events
 * and episodes are the caller's (to free) once returned.  After the end
 * or an error every later call returns the same last item.
 */
cairn__course_item *cairn__course_pipe_next(cairn__course_pipe *p);

/* Stop the thread (at its next hand-over), join it and free what it read
 * and nobody took.  NULL is allowed. */
void cairn__course_pipe_free(cairn__course_pipe *p);

/* Give the system back the memory the reading threads freed (glibc
 * keeps a malloc arena per thread); call it once what they read, the
 * stream included, is freed. */
void cairn__course_pipe_trim(void);

/*
 * Client `k` of `r->clients` read on this thread, as the pipe's thread
 * reads it (`it` filled; `rc` 0 once k is past the last).
 */
void cairn__course_read_client(const cairn__course_reads *r, size_t k,
                               cairn__course_item *it);

#endif
