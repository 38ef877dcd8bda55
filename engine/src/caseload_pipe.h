/*
 * caseload_pipe.h - the caseload's reading thread (caseload_pipe.c),
 * shared by caseload.c only.
 */
#ifndef CAIRN_CASELOAD_PIPE_H
#define CAIRN_CASELOAD_PIPE_H

#include <stdbool.h>

#include "cairn/error.h"
#include "cairn/store.h"

typedef struct cairn__course_pipe cairn__course_pipe;

/*
 * Start a thread that reads `as` (a course stream of `st`, borrowed until
 * cairn__course_pipe_free) client by client ahead of the caller, and
 * reads the session events of each client for whom `wants_events(list,
 * arg)` is true (called on the reading thread; it must only look at the
 * list and at data nobody changes meanwhile).  From here until the pipe
 * is freed the caller must not use `st` or `as`.  Returns CAIRN_OK or
 * CAIRN_ENOMEM (no thread: the caller reads the stream itself).
 */
int cairn__course_pipe_start(
    cairn__course_pipe **out, cairn_assessment_stream *as, cairn_store *st,
    bool (*wants_events)(const cairn_assessment_list *, void *), void *arg);

/*
 * What cairn_store_assessment_stream_next(as, out, err) would return
 * next: 1 with the next client's list in `*out` (the caller's to free),
 * 0 at the end, or the error with its message in `err`.  With a list,
 * `*events` is the client's session events when they were read (the
 * caller's to free, else NULL), `*ev_rc` that read's status and, when it
 * failed, `ev_err` its message.  After 0 or an error every later call
 * answers the same.
 */
int cairn__course_pipe_next(cairn__course_pipe *p, cairn_assessment_list **out,
                            cairn_event_list **events, int *ev_rc,
                            cairn_error *ev_err, cairn_error *err);

/* Stop the thread (at its next hand-over), join it and free what it read
 * and nobody took.  NULL is allowed. */
void cairn__course_pipe_free(cairn__course_pipe *p);

#endif
