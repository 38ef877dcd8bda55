/*
 * cairn/account.h - the people who use the server: accounts with a role,
 * passwords hashed with Argon2id, and login sessions.
 *
 * An account is never deleted; a person who leaves is disabled, which
 * ends their sessions and refuses their logins.  Every change to an
 * account is audited (without the password hash).  A session is a
 * 256-bit random id that only the browser holds: the store keeps its
 * SHA-256, so a copy of the database cannot be used to log in.
 *
 *     int64_t id;
 *     cairn_store_account_add(st, "dr.lee", CAIRN_ROLE_CLINICIAN, pw, &id,
 *                             &err);
 *     cairn_account *a = NULL;
 *     if (cairn_store_account_login(&a, st, "dr.lee", pw, &err) == 0) {
 *         char sid[CAIRN_SESSION_ID_LEN + 1];
 *         cairn_store_session_new(sid, st, a->id, time(NULL), &err);
 *     }
 *     cairn_store_account_free(a);
 */
#ifndef CAIRN_ACCOUNT_H
#define CAIRN_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "cairn/store.h"

/** What a person may see and do. */
typedef enum cairn_role {
    CAIRN_ROLE_CLINICIAN = 0,  /**< their own clients */
    CAIRN_ROLE_SUPERVISOR = 1, /**< the whole practice */
    CAIRN_ROLE_MANAGER = 2,    /**< the whole practice */
    CAIRN_ROLE_RESEARCHER = 3  /**< no identifiable page at all */
} cairn_role;

/** Number of roles, for tables. */
#define CAIRN_ROLE_COUNT 4

/** Machine name of a role ("clinician", ...); never NULL. */
const char *cairn_role_name(cairn_role role);

/**
 * Parse a role name.  Returns CAIRN_OK or CAIRN_EINVAL naming the
 * accepted values.
 */
int cairn_role_parse(cairn_role *out, const char *name, cairn_error *err);

/** Whether `role` sees every client of the practice. */
bool cairn_role_sees_practice(cairn_role role);

/** Shortest and longest password accepted (bytes). */
#define CAIRN_PASSWORD_MIN 10
#define CAIRN_PASSWORD_MAX 1024

/** An account as read back; one allocation owned by the caller. */
typedef struct cairn_account {
    int64_t id;
    const char *name; /**< 1-64 of A-Z a-z 0-9 . _ - @ */
    cairn_role role;
    bool disabled;
    const char *created_at;      /**< UTC */
    const char *password_set_at; /**< UTC */
} cairn_account;

/** A list of accounts, by name. */
typedef struct cairn_account_list {
    size_t n;
    cairn_account *items;
} cairn_account_list;

/**
 * Add an account named `name` with `role` and `password`
 * (CAIRN_PASSWORD_MIN..MAX bytes), hashed with Argon2id at libsodium's
 * interactive limits.  Audited as "account.add" by the store's actor.
 * `*id` (may be NULL) receives the new id.
 * Returns CAIRN_OK, CAIRN_EINVAL (name, password), CAIRN_EEXISTS (name
 * taken), CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_account_add(cairn_store *st, const char *name, cairn_role role,
                            const char *password, int64_t *id,
                            cairn_error *err);

/**
 * Replace the password of account `name` and end its sessions.  Audited.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("no account 'x'"), CAIRN_EINVAL,
 * CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_account_set_password(cairn_store *st, const char *name,
                                     const char *password, cairn_error *err);

/**
 * Disable account `name`: its logins are refused and its sessions end.
 * Audited.  Returns CAIRN_OK, CAIRN_ENOTFOUND, CAIRN_EINVAL (already
 * disabled) or CAIRN_EDB.
 */
int cairn_store_account_disable(cairn_store *st, const char *name,
                                cairn_error *err);

/**
 * Account `name`; `*out` is freed with cairn_store_account_free.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND or CAIRN_EDB.
 */
int cairn_store_account_get(cairn_account **out, cairn_store *st,
                            const char *name, cairn_error *err);

/**
 * Check `password` for account `name`.  An unknown name, a disabled
 * account and a wrong password take the same time and give the same
 * CAIRN_EINVAL "wrong name or password", so the answer tells an attacker
 * nothing.  On success `*out` is the account (free it with
 * cairn_store_account_free).  Returns CAIRN_OK, CAIRN_EINVAL,
 * CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_account_login(cairn_account **out, cairn_store *st,
                              const char *name, const char *password,
                              cairn_error *err);

/** Free an account.  NULL is allowed. */
void cairn_store_account_free(cairn_account *a);

/** Every account, by name; free with cairn_store_account_list_free. */
int cairn_store_account_list(cairn_account_list **out, cairn_store *st,
                             cairn_error *err);

/** Free an account list.  NULL is allowed. */
void cairn_store_account_list_free(cairn_account_list *list);

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

/** Length of a session id: 256 random bits as 64 hex digits. */
#define CAIRN_SESSION_ID_LEN 64

/** How long a session lives. */
typedef struct cairn_session_limits {
    int64_t idle_seconds;     /**< ends after this long unused */
    int64_t absolute_seconds; /**< ends this long after login regardless */
} cairn_session_limits;

/** Default limits: 30 minutes idle, 12 hours in all (project policy). */
#define CAIRN_SESSION_LIMITS_INIT                                              \
    {                                                                          \
        30 * 60, 12 * 3600                                                     \
    }

/** A live session, as found; one allocation owned by the caller. */
typedef struct cairn_session {
    int64_t id;
    cairn_account account; /**< who is logged in */
    int64_t created;       /**< Unix time of the login */
    int64_t last_seen;     /**< Unix time of the last request */
} cairn_session;

/**
 * Start a session for account `account_id` at Unix time `now`; its id
 * (NUL-terminated, secret: give it only to the browser) goes to `sid`.
 * Audited as "session.login".
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (no such enabled account),
 * CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_session_new(char sid[CAIRN_SESSION_ID_LEN + 1], cairn_store *st,
                            int64_t account_id, int64_t now, cairn_error *err);

/**
 * Find the live session `sid` at Unix time `now` and mark it used.  A
 * session that is unknown, ended, idle or too old, or whose account was
 * disabled, is CAIRN_ENOTFOUND ("no such session").  `*out` is freed with
 * cairn_store_session_free.  Returns CAIRN_OK, CAIRN_ENOTFOUND,
 * CAIRN_ECRYPTO or CAIRN_EDB.
 */
int cairn_store_session_find(cairn_session **out, cairn_store *st,
                             const char *sid,
                             const cairn_session_limits *limits, int64_t now,
                             cairn_error *err);

/**
 * End session `sid` (logout).  Audited as "session.logout".  An unknown
 * or ended session is CAIRN_ENOTFOUND.
 */
int cairn_store_session_end(cairn_store *st, const char *sid, int64_t now,
                            cairn_error *err);

/** Free a session.  NULL is allowed. */
void cairn_store_session_free(cairn_session *s);

/* ------------------------------------------------------------------ */
/* Housekeeping                                                        */

/**
 * How long a link is kept after its expiry, so a client who opens it is
 * told it was answered or is no longer active (project policy).
 */
#define CAIRN_PRUNE_LINK_KEEP_SECONDS (30 * 86400)

/** What cairn_store_prune removed. */
typedef struct cairn_prune_report {
    size_t sessions; /**< sessions ended, idle or too old */
    size_t links;    /**< self-report links past their expiry */
} cairn_prune_report;

/**
 * Delete the login sessions that can no longer be used at Unix time
 * `now` under `limits` (NULL = CAIRN_SESSION_LIMITS_INIT): ended, idle
 * or past the absolute limit; and the self-report links (cairn/link.h)
 * whose expiry passed CAIRN_PRUNE_LINK_KEEP_SECONDS before `now` (never
 * later than the clock), used or not,
 * but the newest, so no link id is used twice.  What a link was stays
 * in its audit entries.  When anything was
 * removed, one audit entry "store.prune" records the two counts and the
 * links' ids (no client data), so `audit verify` accepts exactly those
 * links as gone.  `out` (may be NULL) receives the counts.  The server
 * prunes at its first request and hourly.
 * Returns CAIRN_OK, CAIRN_EINVAL (read-only, or a schema older than 9)
 * or CAIRN_EDB.
 */
int cairn_store_prune(cairn_store *st, const cairn_session_limits *limits,
                      int64_t now, cairn_prune_report *out, cairn_error *err);

/* ------------------------------------------------------------------ */
/* Who looked at what                                                  */

/**
 * Record in the audit log that the store's actor viewed `what` (a page
 * name, e.g. "tablet.start") about client `client_code`, or about the
 * practice's client list when `client_code` is NULL.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL or CAIRN_EDB.
 */
int cairn_store_audit_view(cairn_store *st, const char *what,
                           const char *client_code, cairn_error *err);

#endif
