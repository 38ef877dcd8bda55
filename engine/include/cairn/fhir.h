/*
 * cairn/fhir.h - the HL7 FHIR R4 (4.0.1) bridge: questionnaires, responses
 * and coded scores out of the store, and responses into it.
 *
 * Export.  One Bundle holds, per exported instrument, the Questionnaire
 * (from its definition and terminology), per client a Patient (the
 * client's external identifier, else the clinic's system and the client
 * code), per assessment a QuestionnaireResponse (answers as valueCoding,
 * LOINC answer codes where the terminology has them, the option's score
 * as ordinalValue, missing items left out, item text only where the
 * licence allows) and one Observation per scale score (category survey,
 * LOINC score code then the Cairn code, valueQuantity in UCUM {score},
 * the band as interpretation, derivedFrom the response), and a Provenance
 * naming the definition and terminology fingerprints and the Cairn
 * version.  A voided assessment goes out as entered-in-error, an amended
 * one as amended; superseded versions stay behind.  Identifiers are
 * stable: a transaction Bundle creates each resource conditionally on its
 * identifier (ifNoneExist), and amended or voided ones update the
 * resource with the same identifier, so sending an export twice creates
 * nothing new.  The output depends only on the store and the options
 * (no clock is read), so the same store exports byte-identically.
 *
 * Import.  A QuestionnaireResponse or a Bundle of them (collection,
 * transaction, batch or searchset, with Patients and Observations beside
 * them) is read with the guarantees of the CSV import (cairn/import.h):
 * all or nothing, duplicates skipped and counted, every problem reported
 * as "FILE: entry[N].item[M]: reason", the store unchanged on refusal.
 * Answers are scored by Cairn; a total the file supplies is only compared.
 * The whole file is read, checked, scored and digested before the import
 * asks for the write lock, which it holds only to insert, so others can
 * write to the store meanwhile.
 *
 *     char *json = NULL;
 *     cairn_fhir_export_options o = CAIRN_FHIR_EXPORT_OPTIONS_INIT;
 *     o.instrument = "phq9";
 *     if (cairn_fhir_export(&json, st, cat, terms, &o, NULL, &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     free(json);
 */
#ifndef CAIRN_FHIR_H
#define CAIRN_FHIR_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/export.h"
#include "cairn/import.h"
#include "cairn/outfile.h"
#include "cairn/store.h"
#include "cairn/terminology.h"

/** Canonical URL prefix of Cairn's Questionnaires ("...:phq9", version
 *  after "|"). */
#define CAIRN_FHIR_QUESTIONNAIRE "urn:cairn:questionnaire:"

/** The kind of Bundle to write. */
typedef enum cairn_fhir_bundle_type {
    CAIRN_FHIR_TRANSACTION = 0, /**< with conditional requests, to POST */
    CAIRN_FHIR_COLLECTION = 1   /**< plain resources, to store or read */
} cairn_fhir_bundle_type;

/** What to export. */
typedef struct cairn_fhir_export_options {
    cairn_fhir_bundle_type type;
    const char *client;     /**< a client code, or NULL = every client */
    const char *instrument; /**< a code or alias, or NULL = every one */
    const char *from, *to;  /**< administration dates, or NULL */
    const char *system;     /**< identifier system of this clinic (a URI);
                                 NULL = cairn_fhir_store_system */
    const cairn_export_key *pseudonymise; /**< for research: clients by
                                  keyed pseudonym, dates shifted by the
                                  key's per-client offset, no names of
                                  staff; NULL = identified */
    const char *recorded; /**< Provenance.recorded (an instant); NULL =
                               when the newest exported assessment was
                               entered */
} cairn_fhir_export_options;

/** Defaults: a transaction of everything, identified. */
#define CAIRN_FHIR_EXPORT_OPTIONS_INIT                                         \
    {                                                                          \
        CAIRN_FHIR_TRANSACTION, NULL, NULL, NULL, NULL, NULL, NULL, NULL       \
    }

/** What an export holds. */
typedef struct cairn_fhir_export_result {
    size_t questionnaires;
    size_t patients;
    size_t responses;    /**< QuestionnaireResponses */
    size_t observations; /**< one per scale score */
    size_t voided;       /**< responses sent as entered-in-error */
} cairn_fhir_export_result;

/**
 * Export the assessments selected by `opts` as one FHIR R4 Bundle in
 * `*out` (JSON text with a final newline, malloc'd, freed by the caller
 * with free()).  `terms` may be NULL (Cairn codes only).  `res` may be
 * NULL.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client or instrument), CAIRN_EINVAL
 * (a bad date or system), CAIRN_EDB, CAIRN_ECRYPTO or CAIRN_ENOMEM.  On
 * failure `*out` is NULL.
 */
int cairn_fhir_export(char **out, cairn_store *st, const cairn_catalog *cat,
                      const cairn_terminology *terms,
                      const cairn_fhir_export_options *opts,
                      cairn_fhir_export_result *res, cairn_error *err);

/**
 * cairn_fhir_export, written to the file `path` through cairn_outfile
 * (`oopts` NULL = keep an existing file; see cairn/outfile.h): the
 * Bundle is written and synced under a temporary name, then the export's
 * audit entry is committed, then the file is put in place, so a write
 * that fails leaves no file and no entry.  `oopts->batch` is ignored.
 * Returns what cairn_fhir_export returns, what cairn_outfile_open and
 * _commit return (CAIRN_EEXISTS, CAIRN_EIO), or CAIRN_EINVAL (`path`
 * NULL).
 */
int cairn_fhir_export_write(const char *path,
                            const cairn_outfile_options *oopts, cairn_store *st,
                            const cairn_catalog *cat,
                            const cairn_terminology *terms,
                            const cairn_fhir_export_options *opts,
                            cairn_fhir_export_result *res, cairn_error *err);

/**
 * The Questionnaire of `inst` as JSON text in `*out` (malloc'd): url and
 * version, codes (the LOINC panel from `codes`, may be NULL, then the
 * Cairn code), one choice item per item with its answer options and their
 * scores as ordinalValue, the licence statement as copyright, and a
 * read-only item per scale, marked as informative.  Item and option text
 * only where the licence lets Cairn ship it.
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int cairn_fhir_questionnaire(char **out, const cairn_instrument *inst,
                             const cairn_codes *codes, cairn_error *err);

/** How to import FHIR. */
typedef struct cairn_fhir_import_options {
    bool create_clients;              /**< add unknown client codes */
    bool dry_run;                     /**< check and count, store nothing */
    const char *subject_system;       /**< identifier system whose values are
                                           this clinic's client codes; NULL =
                                           the store's own (see system above) */
    cairn_import_error_fn on_error;   /**< each problem, or NULL */
    cairn_import_error_fn on_warning; /**< each note that does not stop
                                           the import (a supplied total
                                           that differs, an item Cairn does
                                           not know, a withdrawn response),
                                           or NULL */
    void *ctx;                        /**< passed to all three */
    /** Called once with `ctx` when every response is read, checked and
        scored, just before the import waits for the database's write
        lock to insert them (and only if there is something to insert),
        or NULL.  Until then others can write: the import takes what they
        wrote into account (as cairn_import_options.on_lock). */
    void (*on_lock)(void *ctx);
} cairn_fhir_import_options;

/** Default: all or nothing, unknown clients are errors. */
#define CAIRN_FHIR_IMPORT_OPTIONS_INIT                                         \
    {                                                                          \
        false, false, NULL, NULL, NULL, NULL, NULL                             \
    }

/** What an import did. */
typedef struct cairn_fhir_import_result {
    size_t resources;       /**< resources read (entries, or 1) */
    size_t responses;       /**< QuestionnaireResponses among them */
    size_t stored;          /**< assessments written */
    size_t duplicates;      /**< skipped: already stored */
    size_t withdrawn;       /**< skipped: status entered-in-error */
    size_t rejected;        /**< responses with a problem */
    size_t totals_checked;  /**< supplied scores compared */
    size_t totals_differ;   /**< of which Cairn's score differs */
    size_t clients_created; /**< with create_clients */
} cairn_fhir_import_result;

/**
 * Import the FHIR JSON file at `path` into `st`, resolving instruments in
 * `cat` and codes in `terms` (may be NULL).  The instrument of a response
 * is found by its questionnaire (Cairn's canonical, or a LOINC panel as
 * in "http://loinc.org/q/44249-1"), else by its item codes; items by
 * LOINC code, then linkId ("/44259-0", "phq9.3"); answers by LOINC answer
 * code, Cairn option code, or ordinal value.  The subject is the client
 * whose external id matches one of its identifiers, or whose code is the
 * value of an identifier in `subject_system`.
 * Everything is decided on a read snapshot of the store, and the write
 * lock is taken only to insert (see on_lock); what others wrote in
 * between is taken into account (a client added under the same code, a
 * response now a duplicate), so the counts in `res` are final ones.
 * Returns CAIRN_OK; CAIRN_EINVAL when any response was bad (nothing was
 * stored; `err` holds the first message); CAIRN_EPARSE (not JSON, or not
 * a resource Cairn reads); CAIRN_EIO; CAIRN_EDB; CAIRN_ENOMEM.  `res`
 * (may be NULL) gets the counts, also on failure.
 */
int cairn_fhir_import_load(cairn_store *st, const cairn_catalog *cat,
                           const cairn_terminology *terms, const char *path,
                           const cairn_fhir_import_options *opts,
                           cairn_fhir_import_result *res, cairn_error *err);

/** As cairn_fhir_import_load, from `len` bytes at `buf` named `name`. */
int cairn_fhir_import_parse(cairn_store *st, const cairn_catalog *cat,
                            const cairn_terminology *terms, const char *buf,
                            size_t len, const char *name,
                            const cairn_fhir_import_options *opts,
                            cairn_fhir_import_result *res, cairn_error *err);

/** Longest identifier system, with its NUL. */
#define CAIRN_FHIR_SYSTEM_MAX 304

/**
 * The clinic's identifier system of `st` as cairn_fhir_export and the
 * import use it when none is given, into `out`: the setting fhir.system
 * when the clinic set one, else "urn:cairn:store:" and 16 hex digits of
 * the store's first audit entry, which never change.
 * Returns CAIRN_OK, CAIRN_EINVAL (the setting is not a URI), CAIRN_EDB or
 * CAIRN_ENOMEM.
 */
int cairn_fhir_store_system(char out[CAIRN_FHIR_SYSTEM_MAX], cairn_store *st,
                            cairn_error *err);

#endif
