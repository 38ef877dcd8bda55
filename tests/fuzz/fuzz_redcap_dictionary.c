/*
 * fuzz_redcap_dictionary.c - a REDCap import whose data dictionary is
 * arbitrary bytes (written to a temporary file, since REDCap files are
 * read from disk), with the shipped Shared Library PHQ-9 profile and a
 * small fixed records file, as a dry run into an in-memory store.  Also
 * the date-format reader on the same bytes.  Instruments load from
 * $CAIRN_INSTRUMENTS or ./instruments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "cairn/date.h"
#include "cairn/import_map.h"
#include "cairn/redcap.h"
#include "cairn/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_catalog *cat;
static cairn_store *st;
static cairn_import_map *map;
static char dict_path[64] = "/tmp/cairn-fuzz-dict-XXXXXX";
static char rec_path[64] = "/tmp/cairn-fuzz-rec-XXXXXX";

static void write_all(char *path, const void *buf, size_t n)
{
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
        abort();
    }
}

static void cleanup(void)
{
    unlink(dict_path);
    unlink(rec_path);
}

static void setup(void)
{
    static const char records[] =
        "record_id,redcap_event_name,phq9_date_enrolled,phq9_1,phq9_2,"
        "phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,phq9_total_score,"
        "patient_health_questionnaire_9_complete\n"
        "R1,base_arm_1,2025-01-02,1,1,1,1,1,1,1,1,1,9,2\n";
    const char *dir = getenv("CAIRN_INSTRUMENTS");
    char path[4096];
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    o.create = true;
    dir = dir ? dir : "instruments";
    snprintf(path, sizeof path, "%s/redcap/phq9.json", dir);
    if (cairn_catalog_load(&cat, dir, NULL, NULL) < 0 ||
        cairn_store_open(&st, ":memory:", &o, NULL) < 0 ||
        cairn_import_map_load(&map, path, cat, NULL) < 0) {
        abort();
    }
    write_all(rec_path, records, sizeof records - 1);
    write_all(dict_path, "", 0);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    cairn_date d;
    char msg[400];
    if (st == NULL) {
        setup();
    }
    for (int f = 0; f < 4; f++) {
        cairn_date_parse_format(&d, (const char *)data, size,
                                (cairn_date_format)f, NULL);
    }
    cairn_date_explain(msg, sizeof msg, (const char *)data, size);
    FILE *f = fopen(dict_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        abort();
    }
    o.dry_run = true;
    o.create_clients = true;
    int rc = cairn_redcap_import(st, cat, rec_path, dict_path, map, false, &o,
                                 &r, NULL);
    if (rc == CAIRN_OK && r.rejected != 0) {
        abort();
    }
    return 0;
}
