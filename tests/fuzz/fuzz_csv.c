/*
 * fuzz_csv.c - the CSV importer on arbitrary bytes, into a private
 * in-memory store that is created once.  The first byte picks the options
 * (create clients, skip bad rows); every run is a dry run, so the store
 * stays as it was.  Instruments load from $CAIRN_INSTRUMENTS or
 * ./instruments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cairn.h"
#include "cairn/import.h"
#include "cairn/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_catalog *cat;
static cairn_store *st;

static void setup(void)
{
    const char *dir = getenv("CAIRN_INSTRUMENTS");
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_client c = {0};
    o.create = true;
    c.code = "C001";
    if (cairn_catalog_load(&cat, dir ? dir : "instruments", NULL, NULL) < 0 ||
        cairn_store_open(&st, ":memory:", &o, NULL) < 0 ||
        cairn_store_client_add(st, &c, NULL, NULL) < 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    if (st == NULL) {
        setup();
    }
    if (size < 1) {
        return 0;
    }
    o.create_clients = data[0] & 1;
    o.skip_bad = (data[0] >> 1) & 1;
    o.dry_run = true;
    int rc = cairn_import_parse(st, cat, (const char *)data + 1, size - 1,
                                "fuzz.csv", &o, &r, NULL);
    if (rc == CAIRN_OK && r.rejected != 0) {
        abort(); /* a clean result never has rejected rows */
    }
    if (r.stored + r.duplicates + r.rejected > r.rows + r.assessments) {
        abort();
    }
    return 0;
}
