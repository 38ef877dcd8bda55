/*
 * cairn/token.h - small secrets for the web server: random nonces and
 * the CSRF token that belongs to a session id or a link token.
 *
 * A CSRF token is SHA-256("cairn-csrf:" || secret) in hex: a page that
 * knows the session (or link) can put it in its forms, a page on another
 * site cannot compute it, and it differs from the hash the store keeps
 * of the same secret.
 */
#ifndef CAIRN_TOKEN_H
#define CAIRN_TOKEN_H

#include <stdbool.h>

#include "cairn/error.h"

/** Length of a nonce and of a CSRF token, in hex digits. */
#define CAIRN_TOKEN_HEX_LEN 64

/**
 * 256 random bits as 64 lowercase hex digits and a NUL in `out`.
 * Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn_token_nonce(char out[CAIRN_TOKEN_HEX_LEN + 1], cairn_error *err);

/**
 * The CSRF token of `secret` (a session id, a link token or a login
 * nonce) into `out`.  Returns CAIRN_OK or CAIRN_ECRYPTO.
 */
int cairn_token_csrf(char out[CAIRN_TOKEN_HEX_LEN + 1], const char *secret,
                     cairn_error *err);

/**
 * Whether `given` (may be NULL) is the CSRF token of `secret` (may be
 * NULL: then never), compared in constant time.
 */
bool cairn_token_csrf_check(const char *secret, const char *given);

#endif
