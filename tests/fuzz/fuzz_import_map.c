/*
 * fuzz_import_map.c - the column-map parser on arbitrary bytes, and a
 * map-driven CSV import (a fixed GAD-7 map) of the same bytes as a dry
 * run into a private in-memory store.  Instruments load from
 * $CAIRN_INSTRUMENTS or ./instruments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/import.h"
#include "cairn/import_map.h"
#include "cairn/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_catalog *cat;
static cairn_store *st;
static cairn_import_map *fixed;

static void setup(void)
{
    static const char map[] =
        "{\"client\": \"p\", \"date\": \"d\", \"instrument\": \"gad7\", "
        "\"offset\": -1, \"items\": {\"a\": 1, \"b\": 2, \"c\": {\"item\": 3,"
        " \"offset\": 0}}, \"totals\": {\"t\": \"total\"}}";
    const char *dir = getenv("CAIRN_INSTRUMENTS");
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    o.create = true;
    if (cairn_catalog_load(&cat, dir ? dir : "instruments", NULL, NULL) < 0 ||
        cairn_store_open(&st, ":memory:", &o, NULL) < 0 ||
        cairn_import_map_parse(&fixed, map, strlen(map), "fixed.json", cat,
                               NULL) < 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_import_map *m = NULL;
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    if (st == NULL) {
        setup();
    }
    if (cairn_import_map_parse(&m, (const char *)data, size, "fuzz.json", cat,
                               NULL) == 0 &&
        m == NULL) {
        abort();
    }
    cairn_import_map_free(m);
    if (size < 1) {
        return 0;
    }
    o.dry_run = true;
    o.create_clients = true;
    o.map = fixed;
    o.date_format = (cairn_date_format)(data[0] % 4);
    cairn_import_parse(st, cat, (const char *)data + 1, size - 1, "fuzz.csv",
                       &o, &r, NULL);
    if (r.stored + r.duplicates + r.rejected > r.rows + r.assessments) {
        abort();
    }
    return 0;
}
