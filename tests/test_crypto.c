/*
 * test_crypto.c - SHA-256 and HMAC-SHA-256 give the published answers.
 * SHA-256 takes two libraries by length (libsodium below
 * CAIRN__SHA256_LONG bytes, libcrypto from there on), so both sides of
 * that boundary are checked against known answers: FIPS 180-2's examples
 * ("abc", a million 'a's), the empty message, and inputs of 4095, 65535,
 * 65536, 65537 and 1 MiB bytes whose digests Python's hashlib gave.  The row
 * digests of every stored batch depend on these bytes never changing.
 */
#include "helpers.h"

#include "../engine/src/internal.h"

static void sha(const void *p, size_t n, const char *want)
{
    char hex[CAIRN__SHA256_HEX + 1];
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn__crypto_sha256_hex(p, n, hex, &err), CAIRN_OK);
    assert_string_equal(hex, want);
}

/* n bytes of a fixed pattern: byte i is (7i + 3) mod 256. */
static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)((i * 7 + 3) & 255);
    }
    return p;
}

static void test_crypto_sha256_known_answers(void **state)
{
    (void)state;
    sha("", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha("abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    sha(a, 1000000,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_crypto_sha256_same_on_both_sides_of_the_switch(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {4095,
         "086aea384b94719efc51b46a834e5c951a498223f63e701b95d9f32e4b4c994c"},
        {65535,
         "feaacf5dfeada48ff99357abd0998dd8b350c8b0603a81f573cf3ea577885f99"},
        {65536,
         "510b126e1d4ced49107fe4ab03ee54cb1c8e4caf6064e1dd29c48d4a3e74c38b"},
        {65537,
         "ad8b370d36508e55e3c9cd44667a6e36e35955d0ff9f8fe59805bb18c2db5dd8"},
        {1u << 20,
         "172c15dc2e12b50e523d8e657cbe7fbb11c1053252bbf1e1431077d57d8128fd"},
    };
    assert_int_equal(CAIRN__SHA256_LONG, 65536); /* the cases straddle it */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *p = pattern(cases[i].n);
        sha(p, cases[i].n, cases[i].hex);
        free(p);
    }
}

static void test_crypto_hmac_sha256_known_answer(void **state)
{
    (void)state;
    /* RFC 4231 test case 2: key "Jefe"; HMAC pads a short key with zero
     * bytes, so the 32-byte key "Jefe" + 28 zeros is the same key */
    uint8_t key[32] = {'J', 'e', 'f', 'e'};
    uint8_t mac[32];
    char hex[65];
    const char *msg = "what do ya want for nothing?";
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn__crypto_hmac_sha256(key, msg, strlen(msg), mac, &err), CAIRN_OK);
    cairn__crypto_hex(hex, mac, sizeof mac);
    assert_string_equal(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_sha256_known_answers),
        cmocka_unit_test(test_crypto_sha256_same_on_both_sides_of_the_switch),
        cmocka_unit_test(test_crypto_hmac_sha256_known_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
