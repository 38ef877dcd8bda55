/*
 * cairn/outfile.h - writing an output file safely: the one way every
 * Cairn writer (reports, exports, aggregate summaries, keys, checkpoints)
 * puts a file where the person asked.
 *
 * An output file is refused, before anything is written, when its name
 * is the database in use (or its -wal, -shm or -journal file), one of the
 * keys in use, any SQLite file (by its header), or anything that is not
 * a regular file (a FIFO, a device, a folder); an existing regular file
 * is kept unless `force`.  The content goes to a temporary file in the
 * same folder, named ".<name>.cairn-tmp.<pid>.XXXXXX" (mode 0600), which
 * is synced and then linked (or, with `force`, renamed) into place only
 * when complete, so the requested name holds either the old file or the
 * whole new one.
 *
 * Interruptions: cairn_outfile_remove_temporaries() removes every live
 * temporary and is async-signal-safe, for the command's SIGINT/SIGTERM
 * handler.  SIGKILL cannot be caught, so opening an output also removes
 * stale temporaries of the same name left by processes that no longer
 * run (same owner, the pid in the name gone).
 *
 *     cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
 *     o.database = "clinic.db";
 *     cairn_outfile *f = NULL;
 *     if (cairn_outfile_open(&f, "out.csv", &o, &err) == CAIRN_OK) {
 *         fputs("a,b\n", cairn_outfile_stream(f));
 *         rc = cairn_outfile_commit(f, &err);
 *     }
 *
 * The live temporaries are the engine's one piece of process-wide state
 * (a signal handler has nothing else to reach them by); at most
 * CAIRN_OUTFILE_MAX_LIVE outputs are open at once.
 */
#ifndef CAIRN_OUTFILE_H
#define CAIRN_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "cairn/error.h"

/** How many outputs may be open at the same time. */
#define CAIRN_OUTFILE_MAX_LIVE 8

/** An output being written (opaque). */
typedef struct cairn_outfile cairn_outfile;

/**
 * Outputs of one command that are placed together: a commit under
 * options naming a batch finishes the temporary file but leaves it
 * there, and cairn_outfile_batch_commit() then puts them all in place,
 * or cairn_outfile_batch_abort() removes them all, so a failure before
 * the last one touches no file.  Zero-initialise (`= {0}`).
 */
typedef struct cairn_outfile_batch {
    cairn_outfile *files[CAIRN_OUTFILE_MAX_LIVE];
    size_t n;
} cairn_outfile_batch;

/** What an output may not replace, and whether it may replace a file. */
typedef struct cairn_outfile_options {
    bool force;                 /**< replace an existing regular file */
    const char *database;       /**< the database in use (with -wal, -shm and
                                     -journal), or NULL */
    const char *keys[3];        /**< key files in use (site key, audit key), or
                                     NULL */
    cairn_outfile_batch *batch; /**< commit into this batch, or NULL */
} cairn_outfile_options;

/** Defaults: keep existing files, nothing named to protect. */
#define CAIRN_OUTFILE_OPTIONS_INIT                                             \
    {                                                                          \
        false, NULL, {NULL, NULL, NULL}, NULL                                  \
    }

/**
 * Check that `path` may be written under `opts` (NULL = defaults)
 * without creating anything.  Returns CAIRN_OK, CAIRN_EEXISTS ("out.csv
 * already exists; give --force to replace it"), CAIRN_EINVAL (the
 * database or a key in use, an SQLite file, not a regular file) or
 * CAIRN_EIO.
 */
int cairn_outfile_check(const char *path, const cairn_outfile_options *opts,
                        cairn_error *err);

/**
 * Check `path` (as cairn_outfile_check), remove stale temporaries of it,
 * and create its temporary file.  `*out` is freed by commit or abort.
 * Returns what cairn_outfile_check returns, CAIRN_EIO (the folder cannot
 * be written; too many outputs open) or CAIRN_ENOMEM.
 */
int cairn_outfile_open(cairn_outfile **out, const char *path,
                       const cairn_outfile_options *opts, cairn_error *err);

/** The requested path (borrowed, valid until commit or abort). */
const char *cairn_outfile_path(const cairn_outfile *f);

/**
 * The temporary file's path, for libraries that open a file by name
 * (libxlsxwriter); the outfile keeps its own descriptor for the sync.
 */
const char *cairn_outfile_temp_path(const cairn_outfile *f);

/**
 * A stdio stream on the temporary file, made on first use and owned by
 * the outfile; NULL when it cannot be made (commit then fails).
 */
FILE *cairn_outfile_stream(cairn_outfile *f);

/**
 * Finish: flush, sync, check `path` again and put the temporary file in
 * its place (link when the name must be new, rename with force), then
 * sync the folder.  On any failure the temporary file is removed and
 * nothing changes at `path`.  Frees `f` in every case.
 * Returns CAIRN_OK, CAIRN_EEXISTS (the name appeared meanwhile),
 * CAIRN_EINVAL or CAIRN_EIO ("out.csv: cannot write: No space left...").
 * Under options naming a batch, the synced temporary file is handed to
 * the batch instead of being placed (CAIRN_EIO when the batch is full).
 */
int cairn_outfile_commit(cairn_outfile *f, cairn_error *err);

/**
 * Check every name of the batch again, then put each temporary file in
 * its place in the order committed, and empty the batch.  A failure in
 * the checks touches no file; a rename failing after others (rare: the
 * names were just checked) leaves those placed.  Every temporary left is
 * removed.  Returns what cairn_outfile_commit returns.
 */
int cairn_outfile_batch_commit(cairn_outfile_batch *b, cairn_error *err);

/** Remove every temporary file of the batch and empty it.  NULL is
 * allowed. */
void cairn_outfile_batch_abort(cairn_outfile_batch *b);

/** Abandon the output, removing the temporary file.  NULL is allowed. */
void cairn_outfile_abort(cairn_outfile *f);

/**
 * Remove every live temporary file (only unlink(2): safe in a signal
 * handler).  The outputs stay open; their commit will then fail, and
 * outputs opened meanwhile are unaffected by it.
 */
void cairn_outfile_remove_temporaries(void);

#endif
