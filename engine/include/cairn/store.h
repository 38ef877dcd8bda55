/*
 * cairn/store.h - the longitudinal record: one SQLite file per clinic.
 *
 * A store holds clients (with the loss that brought them, and a partner
 * when they come as a couple), episodes of care, assessments (every item
 * response, the scale scores, bands, flags and decision-rule results, and
 * the definition version and fingerprint that produced them), events on
 * the client's timeline, and an append-only audit log.
 *
 * Nothing is ever deleted or overwritten.  A correction is a new version
 * that supersedes the old one and says why; voiding keeps the row.  Every
 * change writes an audit entry (who, when, what, before and after) chained
 * to the previous one by SHA-256, and each write's rows are summarised by
 * a digest in its entry, so cairn_store_audit_verify() finds any row
 * changed or removed behind Cairn's back.
 *
 * Plain SQL sees everything: the views `current_assessment`,
 * `item_response` (assessment_id, client_id, instrument, item, code; code
 * NULL when missing) and `assessment_scale` (assessment_id, scale, score,
 * band, prorated) expand the compact per-assessment columns, so symptom
 * and reliability queries need no Cairn code.
 *
 *     cairn_store *st = NULL;
 *     cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
 *     o.actor = "dr.lee";
 *     if (cairn_store_open(&st, "cairn.db", &o, &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     ...
 *     cairn_store_close(st);
 *
 * Dates are ISO 8601 text in UTC: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ".
 * Functions that take a date accept those forms, "YYYY-MM-DD HH:MM[:SS]"
 * and an offset ("+02:00"), and store the UTC form; an impossible or
 * future date is CAIRN_EINVAL.
 *
 * A store handle is used by one thread at a time.  Several processes may
 * write the same file: each write is one IMMEDIATE transaction and waits
 * up to the busy timeout for the others.
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/outfile.h"
#include "cairn/response.h"
#include "cairn/score.h"

/** The schema version this library writes (PRAGMA user_version). */
#define CAIRN_STORE_SCHEMA 9

/** An open database (opaque). */
typedef struct cairn_store cairn_store;

/** How a store is opened. */
typedef struct cairn_store_options {
    bool create;           /**< make a new file (mode 0600); an existing
                                file is CAIRN_EEXISTS.  ":memory:" makes a
                                private in-memory store */
    bool read_only;        /**< refuse every write */
    const char *actor;     /**< who makes the changes (audit "who");
                                NULL = "unknown" */
    int busy_timeout_ms;   /**< how long a write waits for another
                                process's transaction */
    const char *audit_key; /**< the file holding the secret that keys the
                                audit log; NULL = `path` + ".auditkey".
                                Made (mode 0600) with the database and
                                by the migration to schema 7 */
} cairn_store_options;

/** Default options: open an existing file for writing, wait 30 s. */
#define CAIRN_STORE_OPTIONS_INIT                                               \
    {                                                                          \
        false, false, NULL, 30000, NULL                                        \
    }

/**
 * Open the store at `path` (or create it, see options; NULL options are
 * the defaults).  The file's header is read before SQLite touches it, so
 * an empty file or another program's SQLite file is refused unchanged.
 * An older schema is migrated forward in one transaction; the migration
 * to schema 7 checks the old SHA-256 chain, makes the audit key and
 * re-chains the log under it.  `actor` must be printable UTF-8 of at
 * most CAIRN_STORE_ACTOR_MAX bytes.
 * A file on a network file system (NFS, SMB/CIFS, ...) is refused with
 * CAIRN_EIO saying why: SQLite's WAL journal needs the shared memory and
 * locks of a local file system.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("cairn.db: no such database; run
 * 'cairn init' first"), CAIRN_EEXISTS (create, the file or its audit key
 * exists), CAIRN_EINVAL (not a Cairn database, a newer schema, a bad
 * actor, an old log that does not verify, or an old schema beside an
 * audit key: a rolled-back file), CAIRN_EIO, CAIRN_EDB, CAIRN_ECRYPTO or
 * CAIRN_ENOMEM.  On failure `*out` is NULL.
 */
int cairn_store_open(cairn_store **out, const char *path,
                     const cairn_store_options *opts, cairn_error *err);

/** Longest who-name (audit "who"), in bytes. */
#define CAIRN_STORE_ACTOR_MAX 64

/** Close the store.  NULL is allowed. */
void cairn_store_close(cairn_store *st);

/**
 * Make `actor` (NULL = "unknown") the audit "who" of every later write
 * through `st`, until set again: a server sets it to the logged-in person
 * before each request's writes.  The string is copied.
 * Returns CAIRN_OK, CAIRN_EINVAL (empty, longer than 128 bytes or not
 * printable text) or CAIRN_ENOMEM; on failure the actor is unchanged.
 */
int cairn_store_set_actor(cairn_store *st, const char *actor, cairn_error *err);

/** The current audit actor (borrowed, valid until the next set). */
const char *cairn_store_actor(const cairn_store *st);

/**
 * Write a consistent copy of the open store to `dest` with SQLite's
 * online backup API, while other processes go on using it.  `dest` is
 * written as every Cairn output is (cairn/outfile.h, `opts` NULL =
 * defaults): never over this store, its audit key, a key named in
 * `opts`, any SQLite file (an older backup included) or anything that is
 * not a regular file, over another existing file only with `force`, and
 * through a temporary file in the same folder (mode 0600) that is put in
 * place only when the copy is whole, so a killed backup leaves no
 * partial file at `dest`.
 * Returns CAIRN_OK, CAIRN_EEXISTS, CAIRN_EINVAL, CAIRN_EIO or CAIRN_EDB.
 */
int cairn_store_backup(cairn_store *st, const char *dest,
                       const cairn_outfile_options *opts, cairn_error *err);

/** The path the store was opened with (borrowed). */
const char *cairn_store_path(const cairn_store *st);

/** The schema version of the open file. */
int cairn_store_schema_version(const cairn_store *st);

/* ------------------------------------------------------------------ */
/* Clients and couples                                                 */

/** What brought the client: the kind of loss. */
typedef enum cairn_loss_kind {
    CAIRN_LOSS_UNKNOWN = 0, /**< not recorded */
    CAIRN_LOSS_MISCARRIAGE = 1,
    CAIRN_LOSS_STILLBIRTH = 2,
    CAIRN_LOSS_NEONATAL_DEATH = 3,
    CAIRN_LOSS_TFMR = 4, /**< termination for medical reasons */
    CAIRN_LOSS_OTHER = 5
} cairn_loss_kind;

/** Number of loss kinds, for tables. */
#define CAIRN_LOSS_KIND_COUNT 6

/** Machine name of a loss kind ("stillbirth", "tfmr", ...); never NULL. */
const char *cairn_loss_kind_name(cairn_loss_kind kind);

/**
 * Parse a loss kind name (also "termination", "neonatal").
 * Returns CAIRN_OK or CAIRN_EINVAL naming the accepted values.
 */
int cairn_loss_kind_parse(cairn_loss_kind *out, const char *name,
                          cairn_error *err);

/**
 * A client.  As input (add, set) the caller owns the strings; as output
 * (get, list) the whole record is one allocation owned by the caller.
 * NULL text and 0 numbers mean "not recorded".
 */
typedef struct cairn_client {
    int64_t id;            /**< output only */
    const char *code;      /**< the clinic's code: 1-64 of A-Z a-z 0-9
                                . _ - /, unique */
    const char *name;      /**< display name, or NULL */
    int birth_year;        /**< or 0 */
    const char *clinician; /**< responsible clinician, or NULL */
    const char *notes;     /**< free text, never exported, or NULL */
    const char *loss_date; /**< "YYYY-MM-DD", or NULL */
    int gestation_weeks;   /**< weeks of gestation at the loss, or 0 */
    cairn_loss_kind loss_kind;
    const char *partner_code; /**< output: the linked partner, or NULL */
    const char *created_at;   /**< output only */
    const char *external_id;  /**< the client's identifier in another
                                   system as "SYSTEM|VALUE" (a hospital's
                                   MRN: "urn:oid:1.2.3|12345"), unique,
                                   or NULL */
} cairn_client;

/**
 * Add a client.  `c->partner_code`, when set, links the new client and
 * that (unpartnered) client as a couple.  `*id` (may be NULL) receives
 * the new id.
 * Returns CAIRN_OK, CAIRN_EEXISTS (code taken; partner already linked),
 * CAIRN_EINVAL (bad code, date, year or weeks), CAIRN_ENOTFOUND (partner)
 * or CAIRN_EDB.
 */
int cairn_store_client_add(cairn_store *st, const cairn_client *c, int64_t *id,
                           cairn_error *err);

/**
 * Find the client with `code`.  `*out` is a new record the caller frees
 * with cairn_store_client_free.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no client 'C9'") or CAIRN_EDB.
 */
int cairn_store_client_get(cairn_client **out, cairn_store *st,
                           const char *code, cairn_error *err);

/**
 * Find the client whose external id is `external_id` ("SYSTEM|VALUE").
 * `*out` is a new record the caller frees with cairn_store_client_free.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND or CAIRN_EDB.
 */
int cairn_store_client_find_external(cairn_client **out, cairn_store *st,
                                     const char *external_id, cairn_error *err);

/** Free a client record from cairn_store_client_get.  NULL is allowed. */
void cairn_store_client_free(cairn_client *c);

/**
 * Replace the recorded details of client `c->code` with those in `c`
 * (name, birth year, clinician, notes, loss, external id); the code,
 * partner and id are not changed.  Audited with before and after.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EINVAL, CAIRN_EEXISTS (the
 * external id belongs to another client) or CAIRN_EDB.
 */
int cairn_store_client_set(cairn_store *st, const cairn_client *c,
                           cairn_error *err);

/** A list of clients, ordered by code. */
typedef struct cairn_client_list {
    size_t n;
    cairn_client *items;
} cairn_client_list;

/**
 * Every client, ordered by code.  `*out` is freed with
 * cairn_store_client_list_free.  Returns CAIRN_OK, CAIRN_ENOMEM, CAIRN_EDB.
 */
int cairn_store_client_list(cairn_client_list **out, cairn_store *st,
                            cairn_error *err);

/** Free a client list.  NULL is allowed. */
void cairn_store_client_list_free(cairn_client_list *list);

/**
 * Link two clients as a couple; each keeps their own record.  Both must
 * exist and have no partner yet.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EEXISTS (already partnered),
 * CAIRN_EINVAL (the same client twice) or CAIRN_EDB.
 */
int cairn_store_couple_add(cairn_store *st, const char *code_a,
                           const char *code_b, cairn_error *err);

/* ------------------------------------------------------------------ */
/* Episodes of care                                                    */

/** An episode of care: assessments between start and end belong to it. */
typedef struct cairn_episode {
    int64_t id;
    const char *started_on; /**< "YYYY-MM-DD" */
    const char *ended_on;   /**< or NULL while open */
} cairn_episode;

/** A client's episodes, by start date. */
typedef struct cairn_episode_list {
    size_t n;
    cairn_episode *items;
} cairn_episode_list;

/**
 * Start an episode of care for `code` on `date`.  A client has at most
 * one open episode.  Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EEXISTS (one
 * is open), CAIRN_EINVAL (date) or CAIRN_EDB.
 */
int cairn_store_episode_add(cairn_store *st, const char *code, const char *date,
                            int64_t *id, cairn_error *err);

/**
 * End the open episode of `code` on `date` (not before its start).
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (no client or no open episode),
 * CAIRN_EINVAL or CAIRN_EDB.
 */
int cairn_store_episode_set_end(cairn_store *st, const char *code,
                                const char *date, cairn_error *err);

/** The episodes of `code`; free with cairn_store_episode_list_free. */
int cairn_store_episode_list(cairn_episode_list **out, cairn_store *st,
                             const char *code, cairn_error *err);

/**
 * The episodes of each of `n` clients, in one query: out[i] (caller's
 * array of `n`) gets those of clients[i] as cairn_store_episode_list
 * gives them, each freed with cairn_store_episode_list_free.  `clients`
 * must be in ascending id order.  On failure `out` holds only NULLs.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_episode_lists(cairn_episode_list **out, cairn_store *st,
                              const cairn_client *clients, size_t n,
                              cairn_error *err);

/** Free an episode list.  NULL is allowed. */
void cairn_store_episode_list_free(cairn_episode_list *list);

/** One episode of one client, for scans over many clients. */
typedef struct cairn_episode_span {
    int64_t client_id; /**< the client's store id (as cairn_cohort_row) */
    int number;        /**< 1 = the client's first episode */
    double start;      /**< its first day, days since 1970 */
    double end;        /**< the day after its last; INFINITY while open */
} cairn_episode_span;

/**
 * Every client's episodes, ordered by client id, then start (the order
 * of a cohort scan).  `*out` is malloc'd (free with free()); NULL when
 * `*n` is 0.  Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_episode_spans(cairn_episode_span **out, size_t *n,
                              cairn_store *st, cairn_error *err);

/* ------------------------------------------------------------------ */
/* Assessments                                                         */

/** How an assessment came in. */
typedef enum cairn_method {
    CAIRN_METHOD_SELF_REPORT = 0, /**< the client at the terminal */
    CAIRN_METHOD_CLINICIAN = 1,   /**< entered from a paper form */
    CAIRN_METHOD_IMPORT = 2,      /**< from a CSV file */
    CAIRN_METHOD_RESCORE = 3,     /**< recomputed with a newer definition */
    CAIRN_METHOD_LINK = 4,        /**< the client, from a phone link */
    CAIRN_METHOD_TABLET = 5       /**< the client, on the clinic's tablet */
} cairn_method;

/** Number of methods, for tables. */
#define CAIRN_METHOD_COUNT 6

/** Machine name of a method ("self_report", ...); never NULL. */
const char *cairn_method_name(cairn_method method);

/** One stored scale result. */
typedef struct cairn_stored_scale {
    const char *scale; /**< scale id, e.g. "total" */
    bool has_score;    /**< false when the missing-data rule gave none */
    double score;
    const char *band; /**< band id, or NULL */
    bool prorated;
} cairn_stored_scale;

/** One stored risk flag: the item and the code that raised it. */
typedef struct cairn_stored_flag {
    int item;
    int code;
} cairn_stored_flag;

/** One stored decision-rule result. */
typedef struct cairn_stored_rule {
    const char *rule; /**< rule id */
    cairn_tristate value;
} cairn_stored_rule;

/**
 * A stored assessment.  Every pointer lives as long as the list or record
 * it came in.  Item `k` (1-based) answered `codes[k-1]` unless
 * `missing[k-1]`.
 */
typedef struct cairn_assessment {
    int64_t id;
    int64_t client_id;
    const char *client_code;
    const char *instrument;      /**< code, e.g. "phq9" */
    const char *version;         /**< definition version */
    const char *fingerprint;     /**< "sha256:..." of the definition */
    const char *administered_at; /**< ISO 8601, UTC */
    const char *entered_at;      /**< when it was stored, UTC */
    const char *entered_by;      /**< who stored it */
    cairn_method method;
    const char *source;    /**< import file name, or NULL */
    int64_t supersedes;    /**< the version this corrects, or 0 */
    int64_t superseded_by; /**< the newer version, or 0 */
    const char *reason;    /**< why this version was made, or NULL */
    bool voided;
    const char *voided_at;   /**< or NULL */
    const char *void_reason; /**< or NULL */
    size_t n_items;
    const int *codes;
    const bool *missing;
    size_t n_scales;
    const cairn_stored_scale *scales; /**< in the definition's order */
    size_t n_flags;
    const cairn_stored_flag *flags;
    size_t n_rules;
    const cairn_stored_rule *rules;
} cairn_assessment;

/** A list of assessments. */
typedef struct cairn_assessment_list {
    size_t n;
    cairn_assessment *items;
} cairn_assessment_list;

/** Metadata of a new assessment. */
typedef struct cairn_assessment_options {
    const char *client_code;     /**< required */
    const char *administered_at; /**< required, see dates above */
    cairn_method method;
    cairn_error *warning; /**< may be NULL; when the date is only
                               unlikely (a grief scale before the
                               client's loss) its message says so,
                               code CAIRN_OK */
} cairn_assessment_options;

/** Default: clinician-entered; client and date must be set. */
#define CAIRN_ASSESSMENT_OPTIONS_INIT                                          \
    {                                                                          \
        NULL, NULL, CAIRN_METHOD_CLINICIAN, NULL                               \
    }

/**
 * Check what cairn_store_assessment_add will check of `opts` before any
 * answer is collected: the client exists and the date is a date, not in
 * the future.  So a questionnaire is refused before its first item rather
 * than after the client has answered everything.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL (date),
 * CAIRN_EDB.
 */
int cairn_store_assessment_check(cairn_store *st,
                                 const cairn_assessment_options *opts,
                                 cairn_error *err);

/**
 * Store `score` of `resp` (both for the same instrument, score computed
 * from resp) as a new assessment, audited.  `*id` (may be NULL) receives
 * its id.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL (date, a date
 * before the client's birth year, or score and responses that do not
 * belong together), CAIRN_EDB.
 */
int cairn_store_assessment_add(cairn_store *st, const cairn_score *score,
                               const cairn_responses *resp,
                               const cairn_assessment_options *opts,
                               int64_t *id, cairn_error *err);

/**
 * Correct assessment `id`: store `score` of `resp` (scored again by the
 * caller, also when only the date changes) on `administered_at` (NULL =
 * keep the date) as a new version that supersedes it, with `reason`
 * (required).  Only the current version of the same instrument can be
 * amended.  `*new_id` (may be NULL) receives the new version's id.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EINVAL (no reason, voided or
 * superseded, another instrument, bad date) or CAIRN_EDB.
 */
int cairn_store_assessment_amend(cairn_store *st, int64_t id,
                                 const cairn_score *score,
                                 const cairn_responses *resp,
                                 const char *administered_at,
                                 const char *reason, int64_t *new_id,
                                 cairn_error *err);

/**
 * Void assessment `id` (entered in error) with `reason`; the row stays,
 * marked void, and leaves current views and statistics.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EINVAL (no reason, already void
 * or superseded) or CAIRN_EDB.
 */
int cairn_store_assessment_void(cairn_store *st, int64_t id, const char *reason,
                                cairn_error *err);

/**
 * One assessment, whatever its state.  `*out` is freed with
 * cairn_store_assessment_free.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no assessment 12"), CAIRN_EDB.
 */
int cairn_store_assessment_get(cairn_assessment **out, cairn_store *st,
                               int64_t id, cairn_error *err);

/** Free one assessment.  NULL is allowed. */
void cairn_store_assessment_free(cairn_assessment *a);

/** Which versions a list includes. */
typedef enum cairn_list_scope {
    CAIRN_LIST_CURRENT = 0, /**< neither superseded nor void */
    CAIRN_LIST_ALL = 1      /**< every version, void ones too */
} cairn_list_scope;

/**
 * The assessments of client `code` (NULL = every client, grouped by
 * client in order of their ids), of `instrument` only when not NULL (a
 * code), in date order (then id).  `*out` is freed with
 * cairn_store_assessment_list_free.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_ENOMEM, CAIRN_EDB.
 */
int cairn_store_assessment_list(cairn_assessment_list **out, cairn_store *st,
                                const char *code, const char *instrument,
                                cairn_list_scope scope, cairn_error *err);

/** Free an assessment list.  NULL is allowed. */
void cairn_store_assessment_list_free(cairn_assessment_list *list);

/**
 * Make the reads that follow, until the matching
 * cairn_store_snapshot_end(), see one snapshot of the store (a read
 * transaction): others' writes committed meanwhile are not seen, and the
 * store is locked once rather than for every query.  Calls nest; inside
 * a transaction already open they do nothing.  Write nothing through
 * `st` while a snapshot is open (a write would fail).
 * Returns CAIRN_OK or CAIRN_EDB.
 */
int cairn_store_snapshot_begin(cairn_store *st, cairn_error *err);

/** End a snapshot begun by cairn_store_snapshot_begin(). */
void cairn_store_snapshot_end(cairn_store *st);

/** A pass over every client's current assessments (opaque). */
typedef struct cairn_assessment_stream cairn_assessment_stream;

/**
 * Start one pass over every current assessment, one client at a time in
 * ascending client id, so a caller holds one client's rows, not the
 * store's.  `*out` is closed with cairn_store_assessment_stream_close().
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_assessment_stream_open(cairn_assessment_stream **out,
                                       cairn_store *st, cairn_error *err);

/**
 * The next client's current assessments (as cairn_store_assessment_list
 * gives them for that client) into `*out`, which the caller frees with
 * cairn_store_assessment_list_free().  Returns 1 with a list, 0 at the
 * end (`*out` NULL), or CAIRN_ENOMEM / CAIRN_EDB / CAIRN_EPARSE.
 */
int cairn_store_assessment_stream_next(cairn_assessment_stream *as,
                                       cairn_assessment_list **out,
                                       cairn_error *err);

/** End a pass.  NULL is allowed. */
void cairn_store_assessment_stream_close(cairn_assessment_stream *as);

/** What a course stream reads of one instrument's assessments. */
typedef struct cairn_course_want {
    const char *instrument; /**< code, e.g. "phq9" (borrowed) */
    size_t scale;           /**< position of the one scale read */
    const char *scale_id;   /**< its id, given to each row (borrowed) */
    const int *risk_items;  /**< item numbers (from 1) whose being
                                 unanswered is read; n_risk_items */
    size_t n_risk_items;    /**< at most CAIRN_COURSE_MAX_RISK */
} cairn_course_want;

/** Risk items a course stream reads per instrument. */
#define CAIRN_COURSE_MAX_RISK 30

/**
 * Start a pass like cairn_store_assessment_stream_open() that reads of
 * each current assessment only what one client's course on one scale
 * needs (a caseload): the assessments of the `n_wants` instruments in
 * `wants` (borrowed for the life of the stream), one client at a time in
 * ascending client id.  Each assessment from
 * cairn_store_assessment_stream_next() has its id, client id and code,
 * instrument, date and every flag; `scales` has `scale + 1` entries of
 * which only the wanted one (at `scale`) can have a score and band;
 * `n_items` is the highest of the risk items, `missing` says which of
 * them were left unanswered (every other item reads as answered) and
 * every `codes` entry is 0; nothing else is read (version, entry, rules
 * and correction fields are empty).  The scores and flags texts are
 * decoded with jansson once per distinct text; which risk items were
 * left unanswered is read with SQLite's JSON functions, for responses
 * that hold a null at all.  Rows of a client the store has no client
 * record of (a hand edit) are skipped.  The stream may be stepped by a
 * thread other than the one that opened it, while no other thread uses
 * the store (the caseload's reading thread).
 * Returns CAIRN_OK, CAIRN_EINVAL (too many risk items), CAIRN_ENOMEM or
 * CAIRN_EDB.
 */
int cairn_store_course_stream_open(cairn_assessment_stream **out,
                                   cairn_store *st,
                                   const cairn_course_want *wants,
                                   size_t n_wants, cairn_error *err);

/**
 * A course stream (as cairn_store_course_stream_open() reads) that reads
 * one client at a time, in any order, through
 * cairn_store_course_client_read(); its one statement is prepared once.
 * Close it with cairn_store_assessment_stream_close().
 * Returns what cairn_store_course_stream_open() returns.
 */
int cairn_store_course_client_open(cairn_assessment_stream **out,
                                   cairn_store *st,
                                   const cairn_course_want *wants,
                                   size_t n_wants, cairn_error *err);

/**
 * Client `client_id`'s current assessments of the wanted instruments,
 * read as a course stream reads them, into `*out` (NULL when there are
 * none), which the caller frees with cairn_store_assessment_list_free().
 * `as` must come from cairn_store_course_client_open().
 * Returns CAIRN_OK, CAIRN_EINVAL (a malformed stored row), CAIRN_ENOMEM
 * or CAIRN_EDB.
 */
int cairn_store_course_client_read(cairn_assessment_stream *as,
                                   int64_t client_id,
                                   cairn_assessment_list **out,
                                   cairn_error *err);

/* ------------------------------------------------------------------ */
/* Cohorts: every current assessment of one instrument                 */

/** One row of a cohort scan; valid until the next call on the cursor. */
typedef struct cairn_cohort_row {
    int64_t assessment_id;
    int64_t client_id;
    const char *client_code;
    const char *administered_at;
    const char *fingerprint;
    size_t n_scales;
    const cairn_stored_scale *scales;
    /* Filled only after cairn_store_cursor_items() for this row: */
    size_t n_items;   /**< item `k` answered codes[k-1] */
    const int *codes; /**< unless missing[k-1] */
    const bool *missing;
    size_t n_flags; /**< risk flags raised */
    const cairn_stored_flag *flags;
} cairn_cohort_row;

/** A streaming scan over a cohort (opaque). */
typedef struct cairn_store_cursor cairn_store_cursor;

/**
 * Start a scan of every current assessment of `instrument` (a code),
 * ordered by client id then date, in constant memory.  The cursor reads
 * one consistent snapshot; close it before writing to the store.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_cursor_open(cairn_store_cursor **out, cairn_store *st,
                            const char *instrument, cairn_error *err);

/**
 * Like cairn_store_cursor_open(), but each row carries only the scale at
 * position `scale` of its definition's scales (n_scales is 1, or 0 when
 * the row has no such scale; `prorated` is not read), and only what a
 * scan of one scale (the cohort, the aggregate, the clinic's model)
 * needs per row: id, client id, date, fingerprint and score.  Each
 * distinct stored scores text is decoded once (a store holds few), so a
 * row costs no JSON decoding; a scores text that is not a JSON array, or
 * a score that is not a number, is refused by cairn_store_cursor_next()
 * (CAIRN_EINVAL).  `client_code` is NULL, and the scale's `band` is NULL
 * until cairn_store_cursor_items() reads it with the row's items; the
 * band of any earlier row comes from cairn_store_cursor_band().
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_cursor_open_scale(cairn_store_cursor **out, cairn_store *st,
                                  const char *instrument, size_t scale,
                                  cairn_error *err);

/**
 * Move to the next row: returns 1 and sets `*row` (borrowed from the
 * cursor), 0 at the end, or a negative code (CAIRN_EDB).
 *
 *     const cairn_cohort_row *r;
 *     while ((rc = cairn_store_cursor_next(cur, &r, &err)) == 1) ...
 */
int cairn_store_cursor_next(cairn_store_cursor *cur,
                            const cairn_cohort_row **row, cairn_error *err);

/**
 * Read the item responses and risk flags of the row the cursor is on into
 * it (n_items, codes, missing, n_flags, flags).  Rows leave them empty
 * unless asked, since most scans need only the scores.  In a one-scale
 * scan this reads the responses (each distinct text decoded once) and
 * the row's band but no flags (n_flags stays 0).
 * Returns CAIRN_OK, CAIRN_EINVAL (malformed stored responses or band),
 * CAIRN_ENOTFOUND, CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_store_cursor_items(cairn_store_cursor *cur, cairn_error *err);

/**
 * The band of the cursor's scale in assessment `assessment` (an id the
 * scan has passed; its instrument must be the scan's) into `*band`:
 * borrowed from the cursor until its next call, NULL when the score has
 * no band.  Only for one-scale scans (cairn_store_cursor_open_scale()),
 * whose rows do not carry it: a scan that needs each client's latest
 * band asks for that one row.  The row the cursor is on and the one
 * before it are answered from the scan; an earlier one is looked up by
 * id.
 * Returns CAIRN_OK, CAIRN_EINVAL (not a one-scale scan; a band that is
 * not text), CAIRN_ENOTFOUND, CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_store_cursor_band(cairn_store_cursor *cur, int64_t assessment,
                            const char **band, cairn_error *err);

/** End a scan.  NULL is allowed. */
void cairn_store_cursor_close(cairn_store_cursor *cur);

/* ------------------------------------------------------------------ */
/* Events on a client's timeline                                       */

/** What happened. */
typedef enum cairn_event_kind {
    CAIRN_EVENT_INTERVENTION_START = 0,  /**< "intervention_start" */
    CAIRN_EVENT_INTERVENTION_CHANGE = 1, /**< "intervention_change" */
    CAIRN_EVENT_SESSION = 2,             /**< "session" */
    CAIRN_EVENT_DUE_DATE = 3,            /**< "due_date" */
    CAIRN_EVENT_ANNIVERSARY = 4,         /**< "anniversary" of the loss */
    CAIRN_EVENT_PREGNANCY = 5,           /**< "pregnancy": a new one */
    CAIRN_EVENT_LIFE_EVENT = 6,          /**< "life_event" */
    CAIRN_EVENT_OTHER = 7                /**< "other" */
} cairn_event_kind;

/** Number of event kinds, for tables. */
#define CAIRN_EVENT_KIND_COUNT 8

/** Machine name of an event kind; never NULL. */
const char *cairn_event_kind_name(cairn_event_kind kind);

/** Parse an event kind name.  Returns CAIRN_OK or CAIRN_EINVAL. */
int cairn_event_kind_parse(cairn_event_kind *out, const char *name,
                           cairn_error *err);

/**
 * An event.  `label` is free text for the clinician ("mindfulness group
 * started"); exports carry the kind and date only.
 */
typedef struct cairn_event {
    int64_t id; /**< output only */
    const char *client_code;
    const char *date; /**< "YYYY-MM-DD" (future dates allowed:
                           a due date may lie ahead) */
    cairn_event_kind kind;
    const char *label; /**< up to 200 bytes, or NULL */
} cairn_event;

/** A list of events, by date then id. */
typedef struct cairn_event_list {
    size_t n;
    cairn_event *items;
} cairn_event_list;

/**
 * Add an event.  Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL
 * (date, label) or CAIRN_EDB.
 */
int cairn_store_event_add(cairn_store *st, const cairn_event *ev, int64_t *id,
                          cairn_error *err);

/**
 * The events of client `code` (NULL = every client), by date.  Free with
 * cairn_store_event_list_free.
 */
int cairn_store_event_list(cairn_event_list **out, cairn_store *st,
                           const char *code, cairn_error *err);

/** Free an event list.  NULL is allowed. */
void cairn_store_event_list_free(cairn_event_list *list);

/* ------------------------------------------------------------------ */
/* Rescoring                                                           */

/** What a rescore did. */
typedef struct cairn_rescore_result {
    size_t examined; /**< current assessments of the instrument */
    size_t rescored; /**< new versions written */
    size_t current;  /**< already scored with this definition */
} cairn_rescore_result;

/**
 * Recompute every current assessment of `inst` (by its code) whose
 * fingerprint differs from `inst`'s, storing each result as a new version
 * (method rescore) that supersedes the old one, in one transaction.  With
 * `dry_run` nothing is written.  A stored response the new definition
 * refuses aborts the whole run.
 * Returns CAIRN_OK, CAIRN_EINVAL ("assessment 12: item 3: code 4 is not
 * one of 0, 1, 2, 3"), CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_rescore(cairn_store *st, const cairn_instrument *inst,
                        bool dry_run, cairn_rescore_result *res,
                        cairn_error *err);

/* ------------------------------------------------------------------ */
/* Alerts: what clinicians did about them                              */

/** Where a clinician has got with an alert. */
typedef enum cairn_alert_state {
    CAIRN_ALERT_OPEN = 0,         /**< nobody has acted on it */
    CAIRN_ALERT_ACKNOWLEDGED = 1, /**< seen, being dealt with */
    CAIRN_ALERT_RESOLVED = 2      /**< dealt with; leaves the lists */
} cairn_alert_state;

/** Machine name: "open", "acknowledged", "resolved". */
const char *cairn_alert_state_name(cairn_alert_state state);

/** The latest recorded action on one alert. */
typedef struct cairn_alert_record {
    const char *key;         /**< the alert's key, e.g. "risk:12:9" */
    const char *client_code; /**< whose data raised it */
    cairn_alert_state state; /**< acknowledged or resolved */
    const char *note;        /**< what was done, or NULL */
    const char *who;         /**< who recorded it */
    const char *at;          /**< when, UTC */
} cairn_alert_record;

/** The latest action per alert key, sorted by key. */
typedef struct cairn_alert_record_list {
    size_t n;
    cairn_alert_record *items;
} cairn_alert_record_list;

/**
 * Record that the alert `key` raised by client `client_code` was
 * acknowledged or resolved, with a note (required, at most 500 bytes).
 * Earlier records stay; the latest counts.  Audited.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL (state open,
 * bad key or note) or CAIRN_EDB.
 */
int cairn_store_alert_set(cairn_store *st, const char *client_code,
                          const char *key, cairn_alert_state state,
                          const char *note, cairn_error *err);

/**
 * The latest action on every alert that has one.  Free with
 * cairn_store_alert_list_free.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_alert_list(cairn_alert_record_list **out, cairn_store *st,
                           cairn_error *err);

/**
 * Every action ever recorded on alerts, sorted by key and, within a key,
 * oldest first: each acknowledgement and resolution with its note, who
 * and when (see cairn_alert_notes in cairn/alert.h).  Free with
 * cairn_store_alert_list_free.  Returns CAIRN_OK, CAIRN_EDB or
 * CAIRN_ENOMEM.
 */
int cairn_store_alert_history(cairn_alert_record_list **out, cairn_store *st,
                              cairn_error *err);

/** Free an alert record list.  NULL is allowed. */
void cairn_store_alert_list_free(cairn_alert_record_list *list);

/* ------------------------------------------------------------------ */
/* The release log                                                     */

/**
 * Record that the population `ids` (store client ids, ascending, `n` of
 * them) of `instrument` `scale` is being published under min-cell
 * `min_cell`, audited.  Refused when an earlier release of the same
 * scale holds a population that differs from this one by 1 to K-1
 * clients (K the larger min-cell of the two): the two published side by
 * side would reveal those clients by subtraction.  The same population
 * again, or one at least K clients away, is allowed.  `*id` (may be NULL)
 * receives the release's id.
 * Returns CAIRN_OK, CAIRN_EINVAL ("these 41 clients differ from release 2
 * (2026-11-01T09:00:00Z, 40 clients) by 1, fewer than the min-cell 5:
 * ..."), CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_store_release_add(cairn_store *st, const char *instrument,
                            const char *scale, const int64_t *ids, size_t n,
                            int min_cell, int64_t *id, cairn_error *err);

/* ------------------------------------------------------------------ */
/* The audit log                                                       */

/** One audit entry; strings live as long as the list. */
typedef struct cairn_audit_entry {
    int64_t seq;
    const char *at;
    const char *who;
    const char *action; /**< "client.add", "import", "assessment.void"... */
    const char *target; /**< "client:3", "batch:7", "assessment:12" */
    const char *before; /**< JSON, or NULL */
    const char *after;  /**< JSON, or NULL */
    const char *hash;   /**< 64 hex digits */
} cairn_audit_entry;

/** A list of audit entries, oldest first. */
typedef struct cairn_audit_list {
    size_t n;
    cairn_audit_entry *items;
} cairn_audit_list;

/**
 * The last `limit` audit entries (0 = all), oldest first.  Free with
 * cairn_store_audit_list_free.
 */
int cairn_store_audit_list(cairn_audit_list **out, cairn_store *st,
                           size_t limit, cairn_error *err);

/** Free an audit list.  NULL is allowed. */
void cairn_store_audit_list_free(cairn_audit_list *list);

/** What verification looked at. */
typedef struct cairn_audit_report {
    size_t entries;     /**< audit entries whose chain was checked */
    size_t assessments; /**< assessment rows checked against digests */
    size_t clients;     /**< client rows checked */
    size_t events;      /**< event, episode, alert, account, link,
                             setting and release rows checked */
    size_t definitions; /**< definition rows checked */
    bool keyed;         /**< the chain is keyed (schema 7 and later) */
    char head[65];      /**< hash of the last entry (keep it elsewhere to
                             detect a truncated log) */
} cairn_audit_report;

/**
 * Check the whole store against its audit log: every entry's MAC (under
 * the audit key; plain SHA-256 before schema 7) and link to the previous
 * one, no gap in the sequence, every client, assessment, event, episode,
 * alert-action and definition row equal to what its last audit entry
 * recorded, and no table the log does not cover.  It does not prove the
 * log is complete at its end: keep checkpoints for that.  `rep` (may be NULL)
 * receives the counts. Returns CAIRN_OK, CAIRN_EINVAL naming the first mismatch
 * ("audit entry 7 does not match its hash: it was changed after it was
 * written"), CAIRN_ENOTFOUND (the audit key is missing), CAIRN_ENOMEM,
 * CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_audit_verify(cairn_store *st, cairn_audit_report *rep,
                             cairn_error *err);

/**
 * Verify the store (as cairn_store_audit_verify) and make a checkpoint:
 * a small JSON statement of the number of audit entries, the last one's
 * hash and the time, signed with the Ed25519 key derived from the audit
 * key, with its public key.  Keep it outside the database (print it,
 * mail it, store it elsewhere); cairn_store_audit_check_checkpoint later
 * finds a log cut short, rolled back or rewritten behind it.  `*out` is
 * malloc'd; free it with free().
 * Returns CAIRN_OK, what verification returns, CAIRN_ENOTFOUND (the
 * audit key is missing) or CAIRN_ENOMEM.
 */
int cairn_store_audit_checkpoint(cairn_store *st, char **out, cairn_error *err);

/**
 * Check `len` bytes at `text`, a checkpoint (`name` stands for it in
 * messages), against the store: its signature, that this database's
 * audit key made it, and that the log still holds the entry it saw with
 * the same hash.  Verify the chain itself with cairn_store_audit_verify.
 * Returns CAIRN_OK, CAIRN_EPARSE (not JSON), CAIRN_EINVAL ("the audit log
 * has 7 entries, fewer than the 9 that checkpoint cp.json saw at ...: it
 * was cut short or rolled back"; "audit entry 9 differs from checkpoint
 * ...: the log was rewritten or rolled back"; an altered checkpoint or
 * another database's), CAIRN_ENOTFOUND (no audit key) or CAIRN_EDB.
 */
int cairn_store_audit_check_checkpoint(cairn_store *st, const char *text,
                                       size_t len, const char *name,
                                       cairn_error *err);

#endif
