/*
 * cairn/link.h - self-report links: a one-time token that lets a client
 * answer chosen questionnaires on their phone, or on the clinic's tablet.
 *
 * A token is 128 random bits (26 characters of lowercase base32), shown
 * once when the link is made; the store keeps only its SHA-256.  A link
 * is bound to one client, a list of instruments and an expiry, accepts
 * one submission, and can be revoked.  Making, using and revoking a link
 * are audited; the submission is stored exactly as `cairn record` stores
 * answers (the same batch writer, scores, flags and duplicates rule),
 * with the method "link" or "tablet" and the actor "link:<id>".
 *
 *     char token[CAIRN_LINK_TOKEN_LEN + 1];
 *     cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
 *     o.client_code = "C001";
 *     o.instruments = (const char *[]){"phq9", "gad7"};
 *     o.n_instruments = 2;
 *     cairn_store_link_add(token, &id, st, &o, time(NULL), &err);
 */
#ifndef CAIRN_LINK_H
#define CAIRN_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "cairn/response.h"
#include "cairn/score.h"
#include "cairn/store.h"

/** Length of a link token (128 bits in base32, without padding). */
#define CAIRN_LINK_TOKEN_LEN 26

/** Most instruments one link may carry. */
#define CAIRN_LINK_MAX_INSTRUMENTS 8

/** Where the client answers. */
typedef enum cairn_link_kind {
    CAIRN_LINK_PHONE = 0, /**< a URL sent to the client's own phone */
    CAIRN_LINK_TABLET = 1 /**< the clinic's tablet, started by a clinician */
} cairn_link_kind;

/** Where a link has got to. */
typedef enum cairn_link_state {
    CAIRN_LINK_ACTIVE = 0,  /**< can be answered */
    CAIRN_LINK_SPENT = 1,   /**< answered */
    CAIRN_LINK_EXPIRED = 2, /**< past its expiry, unanswered */
    CAIRN_LINK_REVOKED = 3  /**< withdrawn by the clinic */
} cairn_link_state;

/** Machine name of a state ("active", "spent", "expired", "revoked"). */
const char *cairn_link_state_name(cairn_link_state state);

/** What a new link is for. */
typedef struct cairn_link_options {
    cairn_link_kind kind;
    const char *client_code;        /**< required */
    const char *const *instruments; /**< codes, 1..CAIRN_LINK_MAX_INSTRUMENTS */
    size_t n_instruments;
    int64_t expires_seconds; /**< from now; 60 s .. 30 days */
} cairn_link_options;

/** Default: a phone link valid for 72 hours (project policy). */
#define CAIRN_LINK_OPTIONS_INIT                                                \
    {                                                                          \
        CAIRN_LINK_PHONE, NULL, NULL, 0, 72 * 3600                             \
    }

/** A link as read back; one allocation owned by the caller. */
typedef struct cairn_link {
    int64_t id;
    cairn_link_kind kind;
    const char *client_code;
    size_t n_instruments;
    const char *const *instruments; /**< codes, in the order asked */
    const char *created_by;
    const char *created_at; /**< UTC */
    const char *expires_at; /**< UTC */
    const char *used_at;    /**< or NULL */
    const char *revoked_at; /**< or NULL */
    cairn_link_state state; /**< at the time it was read */
} cairn_link;

/**
 * Make a link at Unix time `now`.  The token (secret, NUL-terminated)
 * goes to `token`; `*id` (may be NULL) receives the link's id.  The
 * instruments are not checked against a catalog here: the caller has
 * resolved them.  Audited as "link.add".
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (client), CAIRN_EINVAL (no or too
 * many instruments, bad code, expiry out of range), CAIRN_ECRYPTO or
 * CAIRN_EDB.
 */
int cairn_store_link_add(char token[CAIRN_LINK_TOKEN_LEN + 1], int64_t *id,
                         cairn_store *st, const cairn_link_options *opts,
                         int64_t now, cairn_error *err);

/**
 * The link with `token`, its state as of Unix time `now`.  `*out` is
 * freed with cairn_store_link_free.  A malformed or unknown token is
 * CAIRN_ENOTFOUND ("no such link").
 */
int cairn_store_link_find(cairn_link **out, cairn_store *st, const char *token,
                          int64_t now, cairn_error *err);

/**
 * Link `id`, as cairn_store_link_find.  CAIRN_ENOTFOUND ("no link 7").
 */
int cairn_store_link_get(cairn_link **out, cairn_store *st, int64_t id,
                         int64_t now, cairn_error *err);

/**
 * Revoke link `id`.  Audited as "link.revoke".  Returns CAIRN_OK,
 * CAIRN_ENOTFOUND, CAIRN_EINVAL ("link 7 is already spent") or CAIRN_EDB.
 */
int cairn_store_link_revoke(cairn_store *st, int64_t id, int64_t now,
                            cairn_error *err);

/**
 * Store the answers to a link and spend it, in one transaction: `n`
 * scores with their response sets, one per instrument of the link, in
 * the link's order, administered at `now`.  Every assessment is stored
 * as cairn_store_assessment_add stores it, in one batch whose actor is
 * "link:<id>"; the link is marked used and "link.use" audited.  Nothing
 * is written when anything fails.  `*batch_first` (may be NULL) receives
 * the id of the first assessment.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (token), CAIRN_EINVAL (the link is
 * spent, expired or revoked, or the answers do not match its
 * instruments), CAIRN_EEXISTS (the same answers already stored for that
 * moment) or CAIRN_EDB.
 */
int cairn_store_link_submit(cairn_store *st, const char *token,
                            const cairn_score *const *scores,
                            const cairn_responses *const *resps, size_t n,
                            int64_t now, int64_t *batch_first,
                            cairn_error *err);

/** Free a link.  NULL is allowed. */
void cairn_store_link_free(cairn_link *link);

/** Links, each its own allocation. */
typedef struct cairn_link_list {
    size_t n, cap;
    cairn_link **items;
} cairn_link_list;

/**
 * Every link made or answered at or after Unix time `since`, the most
 * recent activity first, their states as of `now` (the dashboard's
 * "since yesterday").  Free with cairn_store_link_list_free.
 * Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EDB.
 */
int cairn_store_link_list(cairn_link_list **out, cairn_store *st, int64_t since,
                          int64_t now, cairn_error *err);

/** Free a link list and its links.  NULL is allowed. */
void cairn_store_link_list_free(cairn_link_list *l);

#endif
