/*
 * fuzz_definition.c - the definition loader must refuse any byte string
 * cleanly (a status and a message), never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "cairn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_instrument_parse(&in, (const char *)data, size, "fuzz", &err) ==
        CAIRN_OK) {
        cairn_score_check_examples(in, NULL, &err);
    }
    cairn_instrument_free(in);
    return 0;
}
