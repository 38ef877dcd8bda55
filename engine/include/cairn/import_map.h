/*
 * cairn/import_map.h - bringing in a file whose columns another system
 * named, without editing it: a small JSON map says which column is what.
 *
 *     {
 *       "client": "record_id",
 *       "date": "visit_date",
 *       "instrument": "phq9",
 *       "codes": "positions",
 *       "items": {"q1": 1, "q2": 2, "q9": 9,
 *                 "difficulty": {"item": 10, "offset": -1}},
 *       "totals": {"phq9_total": "total"}
 *     }
 *
 * Keys (any other key is refused, so a misspelling is never ignored):
 *   client            the column holding the client code (required)
 *   date              the column holding the date
 *   instrument        the questionnaire of every row (code or alias), or
 *   instrument_column a column naming it on each row
 *   items             column -> item number, or {"item": N, "offset": K,
 *                     "codes": "positions" or "scores"} (the column's
 *                     own codes, over the map's)
 *   offset            added to every item value (an item's own offset
 *                     replaces it), e.g. -1 for a form coded from 1
 *   codes             "positions" (the values are option codes, after
 *                     the offset) or "scores" (each value is an item
 *                     score, read as the one option with that score);
 *                     where neither the column nor the map says, the
 *                     import's codes option (--codes) decides, and an
 *                     instrument whose codes differ from its scores
 *                     (EPDS, PGS-33, CES-D) is refused before the first
 *                     row, naming the column and both choices
 *   totals            column -> scale id: a total the other system
 *                     stored, compared with Cairn's score on every row
 *                     (each difference is listed; Cairn's score is kept)
 *   unscored          column -> list of codes: fields the form has that
 *                     Cairn does not store; a REDCap dictionary's choices
 *                     for them are checked against the list
 *   identifiers       columns that identify a person (names); never read
 *   form              REDCap: the instrument (form) name
 *   event_dates       REDCap: {"anchor": COLUMN, "days": {EVENT: N}}: a
 *                     row with no date is dated N days after the record's
 *                     anchor date (from an earlier row or its own)
 *   about             free text for people; ignored
 */
#ifndef CAIRN_IMPORT_MAP_H
#define CAIRN_IMPORT_MAP_H

#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/import.h"

/**
 * Load the map at `path`, resolving its instrument in `cat`.  Free it
 * with cairn_import_map_free.
 * Returns CAIRN_OK, CAIRN_EIO, CAIRN_EPARSE (not JSON, or a key or value
 * that is wrong: "map.json: items: 'q3' -> 12: phq9 has items 1..9"),
 * CAIRN_ENOTFOUND (an instrument the catalog lacks) or CAIRN_ENOMEM.  On
 * failure `*out` is NULL.
 */
int cairn_import_map_load(cairn_import_map **out, const char *path,
                          const cairn_catalog *cat, cairn_error *err);

/**
 * As cairn_import_map_load for `len` bytes at `buf`; `name` stands for
 * the path in messages.
 */
int cairn_import_map_parse(cairn_import_map **out, const char *buf, size_t len,
                           const char *name, const cairn_catalog *cat,
                           cairn_error *err);

/** Free a map.  NULL is allowed. */
void cairn_import_map_free(cairn_import_map *map);

/** The map's fixed instrument, or NULL when a column names it. */
const cairn_instrument *
cairn_import_map_instrument(const cairn_import_map *map);

/** The map's REDCap form name, or NULL. */
const char *cairn_import_map_form(const cairn_import_map *map);

#endif
