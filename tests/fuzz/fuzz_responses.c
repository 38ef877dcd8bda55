/*
 * fuzz_responses.c - the response parser and the scorer on arbitrary
 * lines.  The first byte picks one of the shipped instruments; the rest is
 * the line.  Instruments load from $CAIRN_INSTRUMENTS or ./instruments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cairn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_catalog *catalog(void)
{
    static cairn_catalog *cat = NULL;
    if (cat == NULL) {
        const char *dir = getenv("CAIRN_INSTRUMENTS");
        if (cairn_catalog_load(&cat, dir ? dir : "instruments", NULL, NULL) <
            0) {
            abort();
        }
    }
    return cat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const cairn_catalog *cat = catalog();
    const cairn_instrument *in =
        cairn_catalog_get(cat, data[0] % cairn_catalog_count(cat));
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    char *json = NULL;
    if (cairn_responses_parse_line(&r, in, (const char *)data + 1, size - 1,
                                   NULL) == CAIRN_OK &&
        cairn_score_compute(&s, in, r, NULL) == CAIRN_OK) {
        cairn_score_to_json(s, &json, NULL);
    }
    free(json);
    cairn_score_free(s);
    cairn_responses_free(r);
    return 0;
}
