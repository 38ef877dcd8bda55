/*
 * cairn/import.h - bringing in assessments collected elsewhere, from CSV.
 *
 * A file has a header row and one of two shapes:
 *
 *   wide:  client_id,administered_at,instrument,item1,...,itemN
 *          one assessment per row; an empty cell is a missing item; a file
 *          may mix instruments as long as each row fills no more item
 *          columns than its instrument has items.
 *   long:  client_id,administered_at,instrument,item,response
 *          one item per row; the rows of one assessment are consecutive;
 *          an item not given (or an empty response) is missing.
 *
 * Header names are matched without case.  The instrument column takes a
 * code or an alias ("PHQ-9").  Fields follow RFC 4180 (quotes, doubled
 * quotes, CRLF), hold at most 1024 bytes of UTF-8 without control bytes.
 * Fields are separated by commas, semicolons (as Excel writes CSV where
 * the decimal mark is a comma) or tabs: the header's most frequent one
 * unless the options name it.  Unnamed trailing columns (Excel's ",,,")
 * and rows with every field empty are ignored and counted.  Dates are
 * ISO 8601 unless the options give a format (cairn/date.h); a
 * day/month date or an Excel serial number without one is refused with
 * what it could mean.  With a map (cairn/import_map.h) the columns are
 * another system's, named in the map; other columns are ignored.
 *
 * The whole file is one IMMEDIATE transaction: by default one bad row
 * means nothing is stored.  A row that repeats a stored assessment (same
 * client, instrument, date and responses, in any version) is skipped and
 * counted, so importing a file twice changes nothing.  Every bad row is
 * reported as "FILE:LINE: reason"; messages name the row's own item and
 * value, never another record's data.  The file is read in a stream, so
 * memory does not grow with its size.
 */
#ifndef CAIRN_IMPORT_H
#define CAIRN_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/date.h"
#include "cairn/error.h"
#include "cairn/response.h"
#include "cairn/store.h"

/** A mapping from another system's columns (see cairn/import_map.h). */
typedef struct cairn_import_map cairn_import_map;

/** The character encoding of a file. */
typedef enum cairn_import_encoding {
    CAIRN_ENCODING_UTF8 = 0,  /**< UTF-8, with or without a byte order
                                   mark; other bytes are refused with how
                                   to save the file as UTF-8 */
    CAIRN_ENCODING_CP1252 = 1 /**< Windows-1252 (what Excel's plain "CSV"
                                   writes in Western Europe), converted */
} cairn_import_encoding;

/** Called once per rejected row with its located message. */
typedef void (*cairn_import_error_fn)(const cairn_error *e, void *ctx);

/** How to import. */
typedef struct cairn_import_options {
    bool create_clients; /**< add unknown client codes (else a bad row) */
    bool dry_run;        /**< check and count, store nothing */
    bool skip_bad;       /**< store the good rows even if some are bad */
    cairn_import_error_fn on_error; /**< each bad row, or NULL */
    void *ctx;                      /**< passed to on_error and on_warning */
    char delimiter;                /**< ',', ';' or '\t'; 0 = the one the header
                                        uses most (outside quotes) */
    cairn_date_format date_format; /**< how dates are written; ISO reads
                              only ISO 8601 and explains any other */
    cairn_import_encoding encoding;
    const cairn_import_map *map;      /**< columns named by another system,
                                   or NULL for Cairn's own (borrowed) */
    cairn_import_error_fn on_warning; /**< each stored total that differs
                              from Cairn's score, or NULL */
    cairn_entry codes; /**< what the file's item values are, for every
                            column whose map does not say (positions or
                            scores, see cairn/response.h); UNSAID refuses
                            an instrument whose answer codes are not its
                            item scores (EPDS, PGS-33, CES-D) before its
                            first value is read, naming the column and
                            both choices */
    /** Called once with `ctx` when every row is read, checked and scored,
        just before the import waits for the database's write lock to
        insert them (and only if there is something to insert), or NULL.
        Until then others can write: the import takes what they wrote
        into account. */
    void (*on_lock)(void *ctx);
} cairn_import_options;

/** Default: all-or-nothing, unknown clients are errors, ISO dates. */
#define CAIRN_IMPORT_OPTIONS_INIT                                              \
    {                                                                          \
        false, false, false, NULL, NULL, 0, CAIRN_DATE_ISO,                    \
            CAIRN_ENCODING_UTF8, NULL, NULL, CAIRN_ENTRY_UNSAID, NULL          \
    }

/** What an import did. */
typedef struct cairn_import_result {
    size_t rows;            /**< data rows read (lines after the header) */
    size_t assessments;     /**< assessments read (= rows in wide form) */
    size_t stored;          /**< assessments written */
    size_t duplicates;      /**< skipped: already stored */
    size_t rejected;        /**< bad rows */
    size_t clients_created; /**< with create_clients */
    size_t empty_rows;      /**< rows with every field empty, ignored */
    size_t empty_columns;   /**< unnamed trailing header columns, ignored */
    size_t without_answers; /**< rows where every mapped item is empty
                                 (REDCap: another event's or form's row) */
    size_t incomplete;      /**< REDCap rows whose form is not complete */
    size_t disagreements;   /**< stored totals that differ from Cairn's */
    size_t dates_unread;    /**< bad rows whose date needs its format
                                 named (day/month, Excel serial) */
    size_t not_utf8;        /**< bad rows with bytes that are not UTF-8 */
} cairn_import_result;

/**
 * Import the CSV file at `path` into `st`, resolving instruments in `cat`.
 * `res` (may be NULL) receives the counts, also on failure.
 * Returns CAIRN_OK; CAIRN_EINVAL when any row was bad (then nothing was
 * stored unless skip_bad; `err` holds the first bad row's message);
 * CAIRN_EPARSE (no usable header); CAIRN_EIO; CAIRN_EDB; CAIRN_ENOMEM.
 */
int cairn_import_load(cairn_store *st, const cairn_catalog *cat,
                      const char *path, const cairn_import_options *opts,
                      cairn_import_result *res, cairn_error *err);

/**
 * Import `len` bytes of CSV at `buf` as cairn_import_load; `name` stands
 * for the path in messages.
 */
int cairn_import_parse(cairn_store *st, const cairn_catalog *cat,
                       const char *buf, size_t len, const char *name,
                       const cairn_import_options *opts,
                       cairn_import_result *res, cairn_error *err);

#endif
