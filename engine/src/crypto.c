/*
 * crypto.c - the one file that talks to libsodium and OpenSSL's libcrypto:
 * SHA-256 (definition fingerprints, the row digests of every batch, the
 * audit chain of old databases), HMAC-SHA-256 (the keyed audit chain,
 * research pseudonyms and per-client date offsets), Ed25519 (signed audit
 * checkpoints), random bytes (keys) and wiping secrets;
 * Argon2id password hashes (crypto_pwhash_str at the interactive limits)
 * and random tokens for the server's sessions and links.
 *
 * SHA-256 of long inputs goes through libcrypto, which uses the CPU's
 * SHA extensions (SHA-NI) or AVX2 where present: about 9x libsodium's
 * portable code on the import's 1 MiB digest chunks.  Inputs below
 * 64 KiB (CAIRN__SHA256_LONG) stay with libsodium: its one call is
 * cheaper than libcrypto's per-call set-up, and than libcrypto's first
 * set-up in a process (about 5 M instructions), which a command hashing
 * one definition (6-20 KiB) would otherwise pay.  Both are the same
 * function (FIPS 180-4): the digests are identical bytes
 * (tests/test_crypto.c checks both paths against known answers).
 */
#include <assert.h>
#include <string.h>

#include <openssl/evp.h>
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
    unsigned int n = 0;
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    if (len < CAIRN__SHA256_LONG) {
        crypto_hash_sha256(digest, data, len);
    } else if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 ||
               n != sizeof digest) {
        return cairn_error_set(err, CAIRN_ECRYPTO,
                               "libcrypto could not compute a SHA-256");
    }
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

/* ------------------------------------------------------------------ */
/* Passwords and tokens for the server's accounts and links            */

static_assert(CAIRN__PWHASH_MAX >= crypto_pwhash_STRBYTES,
              "password hash buffer too small");

int cairn__crypto_pwhash(char out[CAIRN__PWHASH_MAX], const char *password,
                         cairn_error *err)
{
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    if (crypto_pwhash_str(out, password, strlen(password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return cairn_error_set(err, CAIRN_ECRYPTO,
                               "the password could not be hashed (out of "
                               "memory)");
    }
    return CAIRN_OK;
}

bool cairn__crypto_pwverify(const char *hash, const char *password)
{
    if (ready(NULL) < 0) {
        return false;
    }
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int cairn__crypto_token_hex(char *out, size_t bytes, cairn_error *err)
{
    unsigned char raw[64];
    assert(bytes <= sizeof raw);
    int rc = cairn__crypto_random(raw, bytes, err);
    if (rc == CAIRN_OK) {
        sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
    }
    sodium_memzero(raw, sizeof raw);
    return rc;
}

int cairn__crypto_token_b32(char *out, size_t chars, cairn_error *err)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned char raw[64];
    assert(chars <= sizeof raw);
    int rc = cairn__crypto_random(raw, chars, err);
    for (size_t i = 0; rc == CAIRN_OK && i < chars; i++) {
        out[i] = alphabet[raw[i] & 31]; /* 5 uniform bits per character */
    }
    out[rc == CAIRN_OK ? chars : 0] = '\0';
    sodium_memzero(raw, sizeof raw);
    return rc;
}

bool cairn__crypto_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

int cairn__crypto_sign_public(const uint8_t seed[32], uint8_t pk[32],
                              cairn_error *err)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) {
        rc = cairn_error_set(err, CAIRN_ECRYPTO, "cannot derive a signing key");
    }
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int cairn__crypto_sign(const uint8_t seed[32], const void *msg, size_t len,
                       uint8_t sig[64], cairn_error *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
        crypto_sign_detached(sig, NULL, msg, len, sk) != 0) {
        rc = cairn_error_set(err, CAIRN_ECRYPTO, "cannot sign");
    }
    sodium_memzero(sk, sizeof sk);
    return rc;
}

bool cairn__crypto_sign_verify(const uint8_t pk[32], const void *msg,
                               size_t len, const uint8_t sig[64])
{
    return ready(NULL) == CAIRN_OK &&
           crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

void cairn__crypto_hex(char *out, const uint8_t *bin, size_t len)
{
    sodium_bin2hex(out, len * 2 + 1, bin, len);
}

bool cairn__crypto_unhex(uint8_t *bin, size_t len, const char *hex)
{
    size_t got = 0;
    return hex != NULL && strlen(hex) == len * 2 &&
           sodium_hex2bin(bin, len, hex, len * 2, NULL, &got, NULL) == 0 &&
           got == len;
}

struct cairn__hmac {
    crypto_auth_hmacsha256_state st; /* after the key's blocks */
};

/* sodium_malloc places a block at the end of its page: aligned only as
 * far as its size is a multiple of the alignment. */
_Static_assert(sizeof(cairn__hmac) % 16 == 0, "HMAC state size");

int cairn__crypto_hmac_new(cairn__hmac **out, const uint8_t key[32],
                           cairn_error *err)
{
    *out = NULL;
    int rc = ready(err);
    if (rc < 0) {
        return rc;
    }
    cairn__hmac *h = sodium_malloc(sizeof *h); /* guarded, wiped on free */
    if (h == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    crypto_auth_hmacsha256_init(&h->st, key, 32);
    *out = h;
    return CAIRN_OK;
}

void cairn__crypto_hmac_mac(const cairn__hmac *h, const void *data, size_t len,
                            uint8_t mac[32])
{
    crypto_auth_hmacsha256_state st = h->st;
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

void cairn__crypto_hmac_free(cairn__hmac *h)
{
    if (h == NULL) {
        return;
    }
    sodium_free(h);
}
