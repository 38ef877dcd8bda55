/*
 * store_db.h - shared by the store's files (store*.c) only: the handle,
 * the prepared-statement cache, transactions, the audit writer and the
 * row digests.  The only header that includes sqlite3.h.
 */
#ifndef CAIRN_STORE_DB_H
#define CAIRN_STORE_DB_H

#include <sqlite3.h>

#include "internal.h"
#include "cairn/account.h"
#include "cairn/link.h"
#include "store_internal.h"

/* Every cached statement has a slot. */
enum cairn__stmt {
    ST_CLIENT_ID,
    ST_CLIENT_INSERT,
    ST_CLIENT_INSERT_BATCH,
    ST_CLIENT_SELECT,
    ST_AUDIT_LAST,
    ST_AUDIT_INSERT,
    ST_BATCH_INSERT,
    ST_DEF_ID,
    ST_DEF_INSERT,
    ST_ASSESS_DUP,
    ST_ASSESS_INSERT,
    ST_EPISODE_LIST,
    ST_CLIENT_DATES,
    ST_COUNT
};

/* The first schema whose audit log is keyed (HMAC-SHA-256). */
#define CAIRN__SCHEMA_KEYED 7

struct cairn_store {
    sqlite3 *db;
    char *path;
    char *actor;
    bool read_only;
    int schema;
    int busy_timeout_ms; /* as opened, restored after a no-wait try */
    sqlite3_stmt *stmt[ST_COUNT];
    /* the audit key (store_audit.c) */
    char *audit_key_path;
    bool keyed;            /* schema >= CAIRN__SCHEMA_KEYED: entries are
                              HMAC-SHA-256 */
    bool has_key;          /* the key was read (or made) */
    bool made_key;         /* this open made the key file */
    uint8_t chain_key[32]; /* HMAC key of the chain, derived */
    uint8_t sign_seed[32]; /* Ed25519 seed of checkpoints, derived */
    /* cairn_store_snapshot_begin(): how many are open, and whether the
     * first found a transaction already open (then it is not ours) */
    int snapshots;
    bool snapshot_outer;
};

/* A prepared statement from the cache, reset and with bindings cleared. */
int cairn__store_prep(cairn_store *st, enum cairn__stmt id, const char *sql,
                      sqlite3_stmt **out, cairn_error *err);

/* Fill err with "<path>: <sqlite message>" and return CAIRN_EDB. */
int cairn__store_dberr(cairn_store *st, cairn_error *err);

/* After a read loop stopped early: CAIRN_ENOMEM if `oom` (a copy of a
 * column failed), else the database's error (cairn__store_dberr). */
int cairn__store_step_err(cairn_store *st, bool oom, cairn_error *err);

/* Run SQL without results. */
int cairn__store_exec(cairn_store *st, const char *sql, cairn_error *err);

/* The schema version from which the store has its change counter. */
#define CAIRN__STORE_CHANGE_SCHEMA 6

/*
 * BEGIN IMMEDIATE (refused on a read-only store), COMMIT, ROLLBACK.
 * Commit first adds one to the store's change counter (store.c).
 */
int cairn__store_begin(cairn_store *st, cairn_error *err);
int cairn__store_commit(cairn_store *st, cairn_error *err);
void cairn__store_rollback(cairn_store *st);
/* End the open transaction: COMMIT when `rc` is CAIRN_OK, else ROLLBACK;
 * returns `rc` or the commit's failure. */
int cairn__store_finish(cairn_store *st, int rc, cairn_error *err);
/* cairn__store_finish for a transaction that changes nothing the
 * growth-model cache summarises (a record of who viewed what, a login or
 * logout, an account, a self-report link): the change counter stays, so
 * a page view or a login does not throw away the cache. */
int cairn__store_finish_log_only(cairn_store *st, int rc, cairn_error *err);

/* Audit the canonical state of row `kind:id` (from `state`) as `after`. */
int cairn__audit_row(cairn_store *st, const char *action, const char *kind,
                     int64_t id, const char *before,
                     int (*state)(cairn_store *, int64_t, cairn__buf *,
                                  cairn_error *),
                     cairn_error *err);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ". */
void cairn__store_now(char out[CAIRN__DATE_MAX]);

/* Unix time `t` as "YYYY-MM-DDTHH:MM:SSZ" (store_account.c). */
void cairn__store_iso(int64_t t, char out[CAIRN__DATE_MAX]);

/*
 * Refuse a database on a network file system, whose locks and shared
 * memory WAL cannot rely on (store_file.c).  Returns CAIRN_OK or
 * CAIRN_EIO naming the file system.
 */
int cairn__store_check_local(const char *path, cairn_error *err);

/* The name of the network file system with statfs magic `magic`, or NULL
 * for a local one (store_file.c). */
const char *cairn__store_network_fs(unsigned long magic);

/* Copy column `i` of `s` into `b` as a JSON string (or null). */
json_t *cairn__store_col_value(sqlite3_stmt *s, int i);

/* A column's text, or NULL. */
const char *cairn__store_col_text(sqlite3_stmt *s, int i);

/* A malloc'd copy of a column's text, or NULL (setting *oom when the copy
 * could not be made). */
char *cairn__store_col_dup(sqlite3_stmt *s, int i, bool *oom);

/* Bind text or NULL (transient copy not needed: callers keep it alive). */
int cairn__store_bind_text(sqlite3_stmt *s, int i, const char *v);

/*
 * Append an audit entry chained to the last one, inside the caller's
 * transaction.  `before` and `after` are JSON or NULL.
 */
int cairn__audit_append(cairn_store *st, const char *action, const char *target,
                        const char *before, const char *after,
                        cairn_error *err);

/*
 * The hash of audit entry `seq` with fields at, who, action, target,
 * before, after chained to `prev`: HMAC-SHA-256 under the chain key when
 * `keyed`, else SHA-256 (schemas 1 and 2), as 64 hex digits.
 */
int cairn__audit_entry_hash(const cairn_store *st, bool keyed, int64_t seq,
                            const char *const f[6], const char *prev,
                            char out[CAIRN__SHA256_HEX + 1], cairn_error *err);

/* CAIRN_OK when the store is unkeyed or has its key; otherwise
 * CAIRN_ENOTFOUND saying the key is missing and what needs it. */
int cairn__audit_need_key(const cairn_store *st, const char *what,
                          cairn_error *err);

/*
 * Find the audit key (`path`, NULL = the store's path + ".auditkey") and
 * read it when the file exists; with `create`, make it (mode 0600, an
 * existing one is CAIRN_EEXISTS); an in-memory store gets a random key.
 * A missing key is not an error here: writes and verification say so.
 */
int cairn__audit_key_setup(cairn_store *st, const char *path, bool create,
                           bool memory, cairn_error *err);

/* Read the key if setup did not find it (another process made it). */
int cairn__audit_key_reload(cairn_store *st, cairn_error *err);

/*
 * The migration to schema CAIRN__SCHEMA_KEYED, inside its transaction: refuse
 * an old schema beside an existing key (a rolled-back file), check the SHA-256
 * chain, make the key, re-chain every entry under it and audit every
 * definition.  `from` 0 (a new file) only makes sure the key is there.
 */
int cairn__audit_key_migrate(cairn_store *st, int from, cairn_error *err);

/* What dates of a client are checked against (store_plausible.c). */
typedef struct cairn__client_dates {
    int64_t id;                 /* the client (0: none read yet) */
    int birth_year;             /* 0: not known */
    char loss[CAIRN__DATE_MAX]; /* "" when not known */
} cairn__client_dates;

/* Read client `id`'s birth year and loss date into `out` (kept when
 * `out` already holds that client). */
int cairn__store_client_dates(cairn_store *st, int64_t id,
                              cairn__client_dates *out, cairn_error *err);

/*
 * Whether an administration of `inst` on normalized `date` can be true
 * for the client: CAIRN_EINVAL before the birth year ("date 1900-01-01 is
 * before the client was born (birth year 1987)"); before the loss for an
 * instrument about a loss, CAIRN_OK with `warning` (may be NULL) saying
 * so; otherwise CAIRN_OK and `warning` empty.
 */
int cairn__store_date_plausible(const cairn__client_dates *c, const char *date,
                                const cairn_instrument *inst, char *warning,
                                size_t size, cairn_error *err);

/*
 * Every model_cache row's MAC holds (store_cache.c): CAIRN_OK, or
 * CAIRN_EINVAL naming the instrument scale of a row Cairn did not write.
 * Needs the audit key.
 */
int cairn__store_model_cache_verify(cairn_store *st, cairn_error *err);

/*
 * The triggers that count writes to the clinical tables are all there
 * (schema 9, store.c): CAIRN_OK, or CAIRN_EINVAL naming a missing one.
 */
int cairn__store_counter_check(cairn_store *st, cairn_error *err);

/* The canonical JSON of release-log row `id` (store_release.c). */
int cairn__release_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err);

/* Append the "definition.add" entry of definition row `id`. */
int cairn__audit_definition(cairn_store *st, int64_t id, cairn_error *err);

/* The canonical JSON of definition row `id` (its audit "after"). */
int cairn__definition_state(cairn_store *st, int64_t id, cairn__buf *out,
                            cairn_error *err);

/*
 * The canonical JSON of client row `id` as the audit log records it
 * (client.c writes it, audit verification compares it).
 */
int cairn__client_state(cairn_store *st, int64_t id, cairn__buf *out,
                        cairn_error *err);

/*
 * The id (and partner id, when `partner` is not NULL) of client `code`.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no client 'C9'") or CAIRN_EDB.
 */
int cairn__store_client_id(cairn_store *st, const char *code, int64_t *id,
                           int64_t *partner, cairn_error *err);

/*
 * The canonical JSON of the row `sql` selects for `id`, its `n` columns
 * named by `keys`: the audit "after" of a simple row.
 */
int cairn__store_row_state(cairn_store *st, const char *sql, int64_t id,
                           const char *const *keys, int n, cairn__buf *out,
                           cairn_error *err);

/* The same for an event, an episode and an alert action. */
int cairn__event_state(cairn_store *st, int64_t id, cairn__buf *out,
                       cairn_error *err);
int cairn__episode_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err);
int cairn__alert_state(cairn_store *st, int64_t id, cairn__buf *out,
                       cairn_error *err);
/* ... an account (store_account.c, without its password hash) and a
 * self-report link (store_link.c). */
int cairn__account_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err);
int cairn__link_state(cairn_store *st, int64_t id, cairn__buf *out,
                      cairn_error *err);
/* The same for a setting change (settings.c). */
int cairn__setting_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err);

/*
 * A digest over rows: SHA-256 chained over chunks of about 1 MiB, so a
 * batch of a million rows is hashed in a stream.  Writer and verifier
 * must add the same rows in the same order.
 */
typedef struct cairn__digest {
    cairn__buf chunk;
    char hex[CAIRN__SHA256_HEX + 1];
    size_t rows;
} cairn__digest;

void cairn__digest_init(cairn__digest *d);
int cairn__digest_add(cairn__digest *d, const char *row, size_t len,
                      cairn_error *err);
/* Finish: d->hex holds the digest.  Frees the chunk buffer. */
int cairn__digest_final(cairn__digest *d, cairn_error *err);
void cairn__digest_free(cairn__digest *d);

/* The columns an assessment's digest line covers (all but its state). */
typedef struct cairn__assess_fields {
    int64_t id, client_id, definition_id, supersedes;
    const char *instrument, *administered_at, *responses, *scores, *flags,
        *rules, *reason;
} cairn__assess_fields;

/* Append the canonical digest line of an assessment to `b`. */
void cairn__assess_digest_line(cairn__buf *b, const cairn__assess_fields *f);

/* The digest line of a client created by a batch. */
void cairn__client_digest_line(cairn__buf *b, int64_t id, const char *code);

/* ---- stored texts decoded once per distinct text (store_decoded.c) */

/* The value at one scale position of a stored scores text. */
typedef struct cairn__scale_val {
    bool has_score; /* a number is there */
    bool score_bad; /* something else than a number or null is there */
    bool band_bad;  /* something else than text or null is there */
    double score;
    const char *band; /* or NULL; in `text` */
    char text[];
} cairn__scale_val;

/* The item codes of a stored responses text. */
typedef struct cairn__codes_val {
    size_t n_items;
    int *codes;    /* item k answered codes[k-1], */
    bool *missing; /* unless missing[k-1] */
    _Alignas(max_align_t) char bytes[];
} cairn__codes_val;

typedef struct cairn__decoded cairn__decoded;

/* Decoded texts of one scan, its scale at position `scale`.  Returns
 * CAIRN_OK or CAIRN_ENOMEM. */
int cairn__decoded_new(cairn__decoded **out, size_t scale);

/*
 * The scale's value in scores text `text` (`len` bytes) into `*out`,
 * decoded by jansson the first time the text is met.  `*out` is
 * borrowed: a value not kept (past the first 8,192 distinct texts)
 * stays valid until the second scores text decoded after it.  Returns
 * CAIRN_OK, CAIRN_EINVAL (not a JSON array) or CAIRN_ENOMEM.
 */
int cairn__decoded_scale(cairn__decoded *m, const char *text, size_t len,
                         const cairn__scale_val **out);

/* The same for a responses text ([code|null, ...]; anything else is
 * CAIRN_EINVAL). */
int cairn__decoded_codes(cairn__decoded *m, const char *text, size_t len,
                         const cairn__codes_val **out);

/* Free the decoded texts.  NULL is allowed. */
void cairn__decoded_free(cairn__decoded *m);

#endif
