/*
 * crypto.c - the one file that talks to libsodium: SHA-256 (definition
 * fingerprints, the audit chain), HMAC-SHA-256 (research pseudonyms and
 * per-client date offsets), random bytes (site keys) and wiping secrets.
 */
#include <sodium.h>

#include "internal.h"

static int ready(cairn_error *err)
{
    if (sodium_init() < 0) {
        return cairn_error_set(err, CAIRN_ECRYPTO,
                               "libsodium could not be initialised");
    }
    return CAIRN_OK;
}

int cairn__crypto_sha256_hex(const void *data, size_t len,
                             char out[CAIRN__SHA256_HEX + 1], cairn_error *err)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, CAIRN__SHA256_HEX + 1, digest, sizeof digest);
    return CAIRN_OK;
}

int cairn__crypto_hmac_sha256(const uint8_t key[32], const void *data,
                              size_t len, uint8_t mac[32], cairn_error *err)
{
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    crypto_auth_hmacsha256(mac, data, len, key);
    return CAIRN_OK;
}

int cairn__crypto_random(void *buf, size_t len, cairn_error *err)
{
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    randombytes_buf(buf, len);
    return CAIRN_OK;
}

void cairn__crypto_wipe(void *buf, size_t len)
{
    sodium_memzero(buf, len);
}
