/*
 * cairn/spill.h - records kept for a while, in memory up to a limit and
 * past it in an unlinked temporary file beside the database (mode 0600,
 * on the database's own disk), and read again by their place: how a
 * front end that lays out a long list twice (the caseload workbook
 * measures its list, then writes it) keeps its memory bounded at any
 * size.  The file never outlives the spill, nor the process.
 *
 *     cairn_spill *s = NULL;
 *     uint64_t at = 0;
 *     const void *rec = NULL;
 *     size_t len = 0;
 *     rc = cairn_spill_new(&s, cairn_store_path(st), 16u << 20, &err);
 *     rc = cairn_spill_add(s, "abc", 3, &at, &err);
 *     rc = cairn_spill_get(s, at, &rec, &len, &err);
 *     cairn_spill_free(s);
 */
#ifndef CAIRN_SPILL_H
#define CAIRN_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

/** A spill (opaque). */
typedef struct cairn__spill cairn_spill;

/**
 * A new, empty spill keeping up to `limit` bytes of records in memory;
 * its temporary file, made when the records pass the limit, is named
 * after `near` (a database's path; ":memory:" or "" uses tmpfile()).
 * Free with cairn_spill_free().
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_spill_new(cairn_spill **out, const char *near, size_t limit,
                    cairn_error *err);

/**
 * Add a record of `len` bytes (copied); `*at` receives its place for
 * cairn_spill_get().
 * Returns CAIRN_OK, CAIRN_ENOMEM, CAIRN_EINVAL (longer than 4 GiB) or
 * CAIRN_EIO (the temporary file could not be made or written: the
 * message names `near` and the system's reason).
 */
int cairn_spill_add(cairn_spill *s, const void *rec, size_t len, uint64_t *at,
                    cairn_error *err);

/**
 * The record added at `at`, in any order: `*rec` (`*len` bytes, no
 * particular alignment) is borrowed from `s` until the next call on it.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EIO.
 */
int cairn_spill_get(cairn_spill *s, uint64_t at, const void **rec, size_t *len,
                    cairn_error *err);

/** Free a spill and close its file.  NULL is allowed. */
void cairn_spill_free(cairn_spill *s);

#endif
