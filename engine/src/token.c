/*
 * token.c - nonces and CSRF tokens for the web server (cairn/token.h),
 * on the hashes and random bytes of crypto.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/token.h"
#include "internal.h"

int cairn_token_nonce(char out[CAIRN_TOKEN_HEX_LEN + 1], cairn_error *err)
{
    return cairn__crypto_token_hex(out, CAIRN_TOKEN_HEX_LEN / 2, err);
}

int cairn_token_csrf(char out[CAIRN_TOKEN_HEX_LEN + 1], const char *secret,
                     cairn_error *err)
{
    static const char prefix[] = "cairn-csrf:";
    size_t n = strlen(secret);
    char *buf = malloc(sizeof prefix + n);
    if (buf == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    memcpy(buf, prefix, sizeof prefix - 1);
    memcpy(buf + sizeof prefix - 1, secret, n);
    int rc = cairn__crypto_sha256_hex(buf, sizeof prefix - 1 + n, out, err);
    cairn__crypto_wipe(buf, sizeof prefix + n);
    free(buf);
    return rc;
}

bool cairn_token_csrf_check(const char *secret, const char *given)
{
    char want[CAIRN_TOKEN_HEX_LEN + 1];
    if (secret == NULL || secret[0] == '\0' || given == NULL ||
        strlen(given) != CAIRN_TOKEN_HEX_LEN ||
        cairn_token_csrf(want, secret, NULL) < 0) {
        return false;
    }
    return cairn__crypto_equal(want, given, CAIRN_TOKEN_HEX_LEN);
}
