/*
 * import_internal.h - what the CSV importer (import.c), the column maps
 * (import_map.c) and the REDCap reader (redcap.c) share: the CSV reader,
 * a map's contents and the rules a REDCap records export adds.  Never
 * installed.
 */
#ifndef CAIRN_IMPORT_INTERNAL_H
#define CAIRN_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/import.h"
#include "cairn/date.h"
#include "cairn/import_map.h"
#include "cairn/response.h"
#include "cairn/score.h"

/* ---- the CSV reader (import.c) ---- */

/* A CSV file or buffer being read, one record at a time. */
typedef struct cairn__csv cairn__csv;

/* Bytes of one field, not NUL-terminated; blanks around it trimmed. */
typedef struct cairn__span {
    const char *s;
    size_t n;
} cairn__span;

/*
 * Open the file at `path` for reading records separated by `delim`
 * (0 = detect from the first line).  A UTF-8 byte order mark is skipped.
 * Returns CAIRN_OK, CAIRN_EIO or CAIRN_ENOMEM.
 */
int cairn__csv_open(cairn__csv **out, const char *path, char delim,
                    cairn_error *err);

/*
 * Read the next record: 1 and its fields in `*fields` / `*n` (borrowed
 * until the next call), 0 at the end.  Blank lines are skipped.  A
 * record the reader could not take (an unclosed quote, a field over
 * 1024 bytes, too many fields, bytes that are not UTF-8) gives 1 with
 * `*problem` set to a message, else `*problem` is NULL.
 */
int cairn__csv_read(cairn__csv *c, const cairn__span **fields, size_t *n,
                    const char **problem);

/* The line the last record started on. */
long cairn__csv_line(const cairn__csv *c);

/* Whether reading stopped on an I/O error. */
bool cairn__csv_failed(const cairn__csv *c);

/* Close the file.  NULL is allowed. */
void cairn__csv_close(cairn__csv *c);

/* Whether `len` bytes at `s` equal `want` without ASCII case. */
bool cairn__import_name_is(const char *s, size_t len, const char *want);

/* ---- column maps (import_map.c) ---- */

/* One mapped item column. */
typedef struct cairn__map_item {
    char *column;
    int item;          /* 1-based item number */
    int offset;        /* added to the value read */
    cairn_entry codes; /* the column's own "codes", else UNSAID */
} cairn__map_item;

/* A stored total compared with Cairn's scale score. */
typedef struct cairn__map_total {
    char *column;
    char *scale;
} cairn__map_total;

/* A field the map knows but Cairn does not store, with its codes. */
typedef struct cairn__map_unscored {
    char *column;
    int *codes;
    size_t n;
} cairn__map_unscored;

/* A REDCap event and its day after the anchor date. */
typedef struct cairn__map_event {
    char *event;
    int days;
} cairn__map_event;

struct cairn_import_map {
    char *name;              /* the file it came from */
    char *client;            /* column of the client code */
    char *date;              /* column of the date, or NULL */
    char *instrument_column; /* or NULL when `inst` is fixed */
    const cairn_instrument *inst;
    char *form;        /* REDCap form name, or NULL */
    cairn_entry codes; /* the map's "codes" (UNSAID when not given) */
    cairn__map_item *items;
    size_t n_items;
    cairn__map_total *totals;
    size_t n_totals;
    cairn__map_unscored *unscored;
    size_t n_unscored;
    char **identifiers; /* columns never read */
    size_t n_identifiers;
    char *anchor; /* event dates: column of the anchor date */
    cairn__map_event *events;
    size_t n_events;
};

/*
 * What the values of item `item`'s column stand for: the column's own
 * "codes", else the map's, else `file` (the import's codes option).
 * `m` may be NULL (Cairn's own columns: `file`).
 */
cairn_entry cairn__map_entry(const cairn_import_map *m, int item,
                             cairn_entry file);

/*
 * Whether every item column of a file can be read for `inst`: true, or
 * false with `why` holding the one-line refusal that names the column
 * and both choices, when `inst`'s answer codes differ from its scores
 * and a column's entry (cairn__map_entry) is not said.  `m` may be NULL.
 */
bool cairn__map_entry_check(const cairn_import_map *m,
                            const cairn_instrument *inst, cairn_entry file,
                            char *why, size_t size);

/*
 * The instrument option code that `value` (already offset) stands for
 * when read as `entry` says, into `*code`.  False when no option fits;
 * `msg` then says why.
 */
bool cairn__map_code(const cairn_instrument *inst, int item, int value,
                     cairn_entry entry, int *code, char *msg, size_t size);

/* ---- what a REDCap records export adds (redcap.c -> import.c) ---- */

typedef struct cairn__import_rules {
    const cairn_import_map *map; /* required */
    bool redcap;                 /* redcap_* columns and <form>_complete */
    const char *form;            /* the map's form (REDCap) */
    bool include_incomplete;     /* take _complete 0 and 1 too */
} cairn__import_rules;

/* ---- a map over a file's header and rows (import_map.c) ---- */

/* Where a map's columns are in a header, and the current record's anchor
 * date (event dates). */
typedef struct cairn__map_cols {
    int client, date, instrument; /* -1 when absent */
    int event, repeat, complete, anchor;
    int *item_of;   /* per column: item number, 0 = none */
    int *offset_of; /* per column: the item's offset */
    int *total_col; /* per map total: its column */
    size_t ncols;
    char anchor_client[72];
    char anchor_date[CAIRN_DATE_MAX];
} cairn__map_cols;

/*
 * Find the map's columns among the `n` header names.  Returns CAIRN_OK,
 * CAIRN_EPARSE (a mapped column is missing; `why` says which) or
 * CAIRN_ENOMEM.  Free with cairn__map_columns_free, also on failure.
 */
int cairn__map_columns(cairn__map_cols *mc, const cairn__import_rules *r,
                       const cairn__span *names, size_t n, char *why,
                       size_t size);

void cairn__map_columns_free(cairn__map_cols *mc);

/* Keep the record's anchor date from row `f` (a new record resets it). */
void cairn__map_keep_anchor(cairn__map_cols *mc, const cairn__span *f,
                            cairn_date_format fmt);

/* Whether row `f` belongs to another repeating form or has no answer. */
bool cairn__map_without_answers(const cairn__map_cols *mc,
                                const cairn__import_rules *r,
                                const cairn__span *f);

/*
 * The date of row `f` from its event: the event's days after the anchor.
 * Returns CAIRN_OK or CAIRN_EINVAL with `why`.
 */
int cairn__map_event_date(const cairn__map_cols *mc, const cairn_import_map *m,
                          const cairn__span *f, char date[CAIRN_DATE_MAX],
                          char *why, size_t size);

/*
 * Whether the stored total in `cell` (map total `k`) differs from the
 * score; `why` then says how.
 */
bool cairn__map_total_differs(const cairn_import_map *m, size_t k,
                              const cairn__span *cell, const cairn_score *sc,
                              char *why, size_t size);

/*
 * Import the file at `path` under `rules` as cairn_import_load does.
 */
int cairn__import_load_rules(cairn_store *st, const cairn_catalog *cat,
                             const char *path, const cairn_import_options *opts,
                             const cairn__import_rules *rules,
                             cairn_import_result *res, cairn_error *err);

#endif
