/*
 * fuzz_fhir.c - the FHIR importer on arbitrary bytes, into a private
 * in-memory store created once, with the shipped terminology.  The first
 * byte picks the options (create clients, the subject system); every run
 * is a dry run, so the store stays as it was.  Instruments load from
 * $CAIRN_INSTRUMENTS or ./instruments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cairn.h"
#include "cairn/fhir.h"
#include "cairn/store.h"
#include "cairn/terminology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_catalog *cat;
static cairn_terminology *terms;
static cairn_store *st;

static void setup(void)
{
    const char *dir = getenv("CAIRN_INSTRUMENTS");
    char codes[4096];
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_client c = {0};
    o.create = true;
    c.code = "C001";
    c.external_id = "urn:oid:2.16.840.1.113883.19.5|MRN-4711";
    snprintf(codes, sizeof codes, "%s/codes", dir ? dir : "instruments");
    if (cairn_catalog_load(&cat, dir ? dir : "instruments", NULL, NULL) < 0 ||
        cairn_terminology_load(&terms, cat, codes, NULL) < 0 ||
        cairn_store_open(&st, ":memory:", &o, NULL) < 0 ||
        cairn_store_client_add(st, &c, NULL, NULL) < 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_fhir_import_options o = CAIRN_FHIR_IMPORT_OPTIONS_INIT;
    cairn_fhir_import_result r;
    if (st == NULL) {
        setup();
    }
    if (size < 1) {
        return 0;
    }
    o.create_clients = data[0] & 1;
    o.subject_system =
        (data[0] >> 1) & 1 ? "https://clinic.example/fhir/client" : NULL;
    o.dry_run = true;
    int rc = cairn_fhir_import_parse(st, cat, terms, (const char *)data + 1,
                                     size - 1, "fuzz.json", &o, &r, NULL);
    if (rc == CAIRN_OK && r.rejected != 0) {
        abort(); /* a clean result never has rejected responses */
    }
    if (r.stored + r.duplicates + r.rejected + r.withdrawn > r.responses ||
        r.responses > r.resources || r.totals_differ > r.totals_checked) {
        abort();
    }
    return 0;
}
