/*
 * cairn/redcap.h - REDCap projects in and out.
 *
 * In: a records export ("CSV / Microsoft Excel (raw data)": codes, not
 * labels) with its data dictionary and a column map (cairn/import_map.h)
 * naming the form's fields.  Before any record is read, every mapped
 * field must be in the dictionary, on the map's form, not an identifier
 * field (Identifier? = y, or one the map lists), and its choices must be
 * exactly the instrument item's options after the map's offset and codes;
 * the codes of the map's unscored fields must match too.  Then the
 * records import as one transaction, like any CSV import
 * (cairn/import.h): one assessment per (record, event, repeat instance)
 * row that has an answer on the form; a row of another repeating form or
 * with every mapped field empty is skipped; only rows whose
 * <form>_complete is 2 (Complete) unless include_incomplete; the date from
 * the map's date field or its event_dates rule; a stored total differing
 * from Cairn's score is listed.  Fields the map does not name are never
 * read.
 *
 * Out: cairn_redcap_export writes PREFIX.dictionary.csv (REDCap's 18
 * data dictionary columns), PREFIX.csv (records: one row per assessment,
 * each form a repeating instrument) and PREFIX.repeating.csv (the forms
 * to enable as repeating), ready for REDCap's Data Import Tool.  A form's
 * fields are named by the instrument's profile (cairn_redcap_profile), so
 * the export imports back through the same profile unchanged.
 */
#ifndef CAIRN_REDCAP_H
#define CAIRN_REDCAP_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/outfile.h"
#include "cairn/export.h"
#include "cairn/import.h"
#include "cairn/import_map.h"
#include "cairn/store.h"

/** Number of columns in a REDCap data dictionary. */
#define CAIRN_REDCAP_DICTIONARY_COLUMNS 18

/**
 * REDCap's data dictionary column `i` (0-based), its exact header string
 * ("Variable / Field Name", ...), or NULL when `i` is 18 or more.
 */
const char *cairn_redcap_dictionary_column(size_t i);

/**
 * Import the REDCap records export at `records` with the data dictionary
 * at `dictionary` through `map` (which must fix its instrument), as
 * described above; `opts` as for cairn_import_load (its map member is
 * ignored), `res` may be NULL.
 * Returns CAIRN_OK; CAIRN_EPARSE (the dictionary or the records header:
 * "dict.csv:4: phq9_3: choice 4 is not an option of phq9 item 3 (0, 1, 2,
 * 3)"); CAIRN_EINVAL (bad rows, as cairn_import_load); CAIRN_EIO;
 * CAIRN_EDB; CAIRN_ENOMEM.  Nothing is stored unless CAIRN_OK (or
 * skip_bad).
 */
int cairn_redcap_import(cairn_store *st, const cairn_catalog *cat,
                        const char *records, const char *dictionary,
                        const cairn_import_map *map, bool include_incomplete,
                        const cairn_import_options *opts,
                        cairn_import_result *res, cairn_error *err);

/**
 * The REDCap profile (a column map, cairn/import_map.h) of instrument
 * `inst` as JSON text in `*out` (caller frees): the shipped profile
 * `profiles_dir`/<code>.json when there is one (the REDCap Shared
 * Library's field names), else a template of Cairn's own field names
 * (<code>_<item>, <code>_<scale>, <code>_date).
 * Returns CAIRN_OK, CAIRN_EIO (an unreadable shipped profile) or
 * CAIRN_ENOMEM.
 */
int cairn_redcap_profile(char **out, const cairn_instrument *inst,
                         const char *profiles_dir, cairn_error *err);

/** What to export. */
typedef struct cairn_redcap_export_options {
    const char *instrument;       /**< a code; NULL = every instrument
                                       with a current assessment */
    const cairn_export_key *key;  /**< de-identify: pseudonyms as record
                                       ids, dates shifted; NULL = client
                                       codes and real dates */
    const char *profiles_dir;     /**< shipped profiles, or NULL */
    cairn_outfile_options output; /**< what the files may not replace
                                       (cairn/outfile.h) */
} cairn_redcap_export_options;

/** Defaults: every instrument, identified, new files only. */
#define CAIRN_REDCAP_EXPORT_OPTIONS_INIT                                       \
    {                                                                          \
        NULL, NULL, NULL, CAIRN_OUTFILE_OPTIONS_INIT                           \
    }

/** What an export wrote. */
typedef struct cairn_redcap_export_result {
    size_t records; /**< distinct record ids */
    size_t rows;    /**< assessments (rows of PREFIX.csv) */
    size_t forms;   /**< instruments exported */
    size_t fields;  /**< rows of the dictionary */
} cairn_redcap_export_result;

/**
 * Write PREFIX.dictionary.csv, PREFIX.csv and PREFIX.repeating.csv for
 * the current assessments of the store (see above), each through a
 * temporary file; the three are put in place together only after all are
 * complete and the audit entry is made, so a failure leaves every
 * existing file as it was and no temporary.  Scales are read-only
 * integer (or number) fields whose note names the definition's
 * fingerprint.  With a key, record ids are the research export's
 * pseudonyms (cairn_export_pseudonym) and every date is moved back by the
 * client's secret offset (cairn_export_date_offset); nothing else about
 * the client is ever written.  `res` may be NULL.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (instrument), CAIRN_EINVAL (nothing
 * to export), CAIRN_EIO, CAIRN_EDB, CAIRN_ECRYPTO or CAIRN_ENOMEM.
 */
int cairn_redcap_export(cairn_store *st, const cairn_catalog *cat,
                        const char *prefix,
                        const cairn_redcap_export_options *opts,
                        cairn_redcap_export_result *res, cairn_error *err);

#endif
