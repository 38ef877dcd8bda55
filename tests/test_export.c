/*
 * test_export.c - de-identified research export on real SQLite stores:
 * site keys and their files, pseudonyms and date offsets, bands, the
 * allow-list of columns, the rows themselves, and the re-identification
 * test (nothing that identifies a client, in any encoding, in any file).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/src/export_internal.h"
#include "../engine/src/store_internal.h"
#include "cairn/export.h"
#include "cairn/redcap.h"
#include "helpers.h"

static const uint8_t KEY_A[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                  23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static cairn_export_key *key_from(const uint8_t *bytes)
{
    cairn_export_key *k = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_export_key_parse(&k, bytes, 32, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return k;
}

static cairn_export_key *key_a(void)
{
    return key_from(KEY_A);
}

static void write_bytes(const char *path, const void *data, size_t n,
                        mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* The whole file, NUL-terminated; the caller frees it. */
static char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn__util_read_file(path, &buf, &n, &err) < 0) {
        fail_msg("%s", err.message);
    }
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

static bool contains(const char *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; m > 0 && i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* `word` standing alone (not inside a longer run of letters or digits). */
static bool has_token(const char *hay, size_t n, const char *word)
{
    size_t m = strlen(word);
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, word, m) == 0 &&
            (i == 0 || !is_alnum(hay[i - 1])) &&
            (i + m == n || !is_alnum(hay[i + m]))) {
            return true;
        }
    }
    return false;
}

/* ---- keys ---- */

static void test_export_key_file(void **state)
{
    (void)state;
    char dir[64], path[128], other[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *k = NULL, *back = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    struct stat sb;
    char p1[17], p2[17];
    snprintf(path, sizeof path, "%s/site.key", dir);
    assert_int_equal(cairn_export_key_new(&k, &err), CAIRN_OK);
    assert_int_equal(cairn_export_key_write(k, path, &err), CAIRN_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);
    assert_int_equal(cairn_export_key_load(&back, path, &err), CAIRN_OK);
    assert_true(cairn_export_key_is_private(back));
    cairn_export_pseudonym(p1, k, "C001", NULL);
    cairn_export_pseudonym(p2, back, "C001", NULL);
    assert_string_equal(p1, p2);
    /* an existing key is never replaced */
    assert_int_equal(cairn_export_key_write(k, path, &err), CAIRN_EEXISTS);
    assert_non_null(strstr(err.message, "already exists"));
    /* two keys made in a row differ */
    cairn_export_key_free(back);
    assert_int_equal(cairn_export_key_new(&back, &err), CAIRN_OK);
    cairn_export_pseudonym(p2, back, "C001", NULL);
    assert_string_not_equal(p1, p2);
    cairn_export_key_free(back);
    cairn_export_key_free(k);
    (void)other;
    test_store_done(st, dir);
}

static void test_export_key_bad_files(void **state)
{
    (void)state;
    char dir[64], path[128], want[512];
    uint8_t bytes[40] = {0};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *k = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    /* missing */
    snprintf(path, sizeof path, "%s/none.key", dir);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_ENOTFOUND);
    assert_null(k);
    snprintf(want, sizeof want, "%s: no such key file", path);
    assert_string_equal(err.message, want);
    /* not a file (a directory; a FIFO would have hung the reader) */
    assert_int_equal(cairn_export_key_load(&k, dir, &err), CAIRN_EINVAL);
    snprintf(want, sizeof want, "%s: not a key file (not a regular file)", dir);
    assert_string_equal(err.message, want);
    /* too short, too long, empty */
    snprintf(path, sizeof path, "%s/short.key", dir);
    write_bytes(path, bytes, 31, 0600);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_EINVAL);
    snprintf(want, sizeof want, "%s: a site key is 32 bytes, this file has 31",
             path);
    assert_string_equal(err.message, want);
    snprintf(path, sizeof path, "%s/long.key", dir);
    write_bytes(path, bytes, 40, 0600);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "this file has more than 32"));
    snprintf(path, sizeof path, "%s/empty.key", dir);
    write_bytes(path, bytes, 0, 0600);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_EINVAL);
    /* readable by others: loads, and says so */
    snprintf(path, sizeof path, "%s/open.key", dir);
    write_bytes(path, KEY_A, 32, 0644);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_OK);
    assert_false(cairn_export_key_is_private(k));
    assert_int_equal(cairn_export_key_mode(k), 0644);
    cairn_export_key_free(k);
    write_bytes(path, KEY_A, 32, 0400);
    assert_int_equal(cairn_export_key_load(&k, path, &err), CAIRN_OK);
    assert_true(cairn_export_key_is_private(k));
    cairn_export_key_free(k);
    assert_int_equal(cairn_export_key_parse(&k, bytes, 16, &err), CAIRN_EINVAL);
    test_store_done(st, dir);
}

/* ---- pseudonyms, offsets, bands ---- */

static void test_export_pseudonyms(void **state)
{
    (void)state;
    uint8_t other[32];
    memcpy(other, KEY_A, 32);
    other[31] ^= 1;
    cairn_export_key *a = key_a(), *a2 = key_a(), *b = key_from(other);
    char pa[17], pa2[17], pb[17], hex[65];
    static const char *const codes[] = {"C001", "C002", "ZEBRA-0001", "x",
                                        "a/b.c_d-e"};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        assert_int_equal(cairn_export_pseudonym(pa, a, codes[i], NULL), 0);
        assert_int_equal(cairn_export_pseudonym(pa2, a2, codes[i], NULL), 0);
        assert_int_equal(cairn_export_pseudonym(pb, b, codes[i], NULL), 0);
        assert_int_equal(strlen(pa), CAIRN_EXPORT_PSEUDONYM_LEN);
        assert_int_equal(strspn(pa, "abcdefghijklmnopqrstuvwxyz234567"), 16);
        assert_string_equal(pa, pa2);    /* stable under one key */
        assert_string_not_equal(pa, pb); /* different under another */
        /* not a plain, unkeyed hash of the code, whole or cut short */
        cairn__crypto_sha256_hex(codes[i], strlen(codes[i]), hex, NULL);
        assert_null(strstr(hex, pa));
        assert_int_not_equal(strncmp(hex, pa, 16), 0);
    }
    /* base32 of an unkeyed SHA-256 (the same encoding) differs too */
    uint8_t mac[32];
    cairn__crypto_hmac_sha256(KEY_A, "C001", 4, mac, NULL);
    cairn_export_pseudonym(pa, a, "C001", NULL);
    assert_int_equal(pa[0], "abcdefghijklmnopqrstuvwxyz234567"[mac[0] >> 3]);
    cairn_export_key_free(a);
    cairn_export_key_free(a2);
    cairn_export_key_free(b);
}

static void test_export_date_offsets(void **state)
{
    (void)state;
    cairn_export_key *a = key_a();
    int seen[365] = {0}, d = 0, again = 0;
    char code[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(code, sizeof code, "C%04d", i);
        assert_int_equal(cairn_export_date_offset(&d, a, code, NULL), 0);
        assert_true(d >= 1 && d <= 364);
        cairn_export_date_offset(&again, a, code, NULL);
        assert_int_equal(d, again);
        seen[d]++;
    }
    int distinct = 0;
    for (int i = 0; i < 365; i++) {
        distinct += seen[i] > 0;
    }
    assert_true(distinct > 300); /* spread over the year */
    cairn_export_key_free(a);
}

static void test_export_bands(void **state)
{
    (void)state;
    assert_string_equal(cairn_export_age_band(1987, "2025-03-14"), "35-39");
    assert_string_equal(cairn_export_age_band(2006, "2025-03-14"), "<20");
    assert_string_equal(cairn_export_age_band(2005, "2025-03-14"), "20-24");
    assert_string_equal(cairn_export_age_band(1981, "2025-03-14"), "40-44");
    assert_string_equal(cairn_export_age_band(1980, "2025-03-14"), "45+");
    assert_null(cairn_export_age_band(0, "2025-03-14"));
    assert_null(cairn_export_age_band(1987, NULL));
    static const struct {
        int weeks;
        const char *band;
    } g[] = {{1, "<12"},    {11, "<12"},   {12, "12-19"}, {19, "12-19"},
             {20, "20-23"}, {23, "20-23"}, {24, "24-27"}, {27, "24-27"},
             {28, "28-36"}, {36, "28-36"}, {37, "37+"},   {42, "37+"}};
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        assert_string_equal(cairn_export_gestation_band(g[i].weeks), g[i].band);
    }
    assert_null(cairn_export_gestation_band(0));
}

/* ---- the allow-list ---- */

typedef struct recording {
    int begun;
} recording;

static int rec_begin(void *ctx, const char *const *c, size_t n,
                     cairn_error *err)
{
    (void)c;
    (void)n;
    (void)err;
    ((recording *)ctx)->begun++;
    return CAIRN_OK;
}

static int rec_row(void *ctx, const cairn_export_cell *c, size_t n,
                   cairn_error *err)
{
    (void)ctx;
    (void)c;
    (void)n;
    (void)err;
    return CAIRN_OK;
}

static int rec_finish(void *ctx, bool ok, cairn_error *err)
{
    (void)ctx;
    (void)ok;
    (void)err;
    return CAIRN_OK;
}

static void refused(const char *column, const cairn_instrument *const *ins,
                    size_t n_ins)
{
    recording r = {0};
    cairn_export_sink sink = {&r, rec_begin, rec_row, rec_finish};
    const char *names[] = {"pseudonym", "day", column};
    cairn_error err = CAIRN_ERROR_INIT;
    char want[160];
    assert_int_equal(cairn__export_begin(&sink, names, 3, ins, n_ins, &err),
                     CAIRN_EINVAL);
    snprintf(want, sizeof want,
             "column '%s' is not classified as safe to export", column);
    assert_string_equal(err.message, want);
    assert_int_equal(r.begun, 0); /* refused before anything is written */
}

static void test_export_allow_list(void **state)
{
    (void)state;
    const cairn_instrument *phq9 = test_instrument("phq9");
    const cairn_instrument *ins[] = {phq9};
    recording r = {0};
    cairn_export_sink sink = {&r, rec_begin, rec_row, rec_finish};
    const char *ok[] = {"pseudonym",        "age_band",        "phq9_item_9",
                        "phq9_total_score", "phq9_total_band", "date_shifted"};
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn__export_begin(&sink, ok, 6, ins, 1, &err), 0);
    assert_int_equal(r.begun, 1);
    refused("name", ins, 1);
    refused("client_code", ins, 1);
    refused("notes", ins, 1);
    refused("birth_year", ins, 1);
    refused("administered_at", ins, 1);
    refused("loss_date", ins, 1);
    refused("phq9_item_10", ins, 1); /* phq9 has 9 items */
    refused("phq9_item_01", ins, 1);
    refused("phq9_notes_score", ins, 1); /* no such scale */
    refused("phq9_item_1", NULL, 0);     /* phq9 is not being exported */
    refused("gad7_total_score", ins, 1);
    refused("", ins, 1);
}

/* ---- a clinic with everything that must not leave it ---- */

#define NAME_A "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m-Tester"
#define NAME_B "Marguerite O'Connell & Daughters"

static void clinic(cairn_store *st)
{
    cairn_client a = {0}, b = {0}, c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    a.code = "ZEBRA-CODE-0001";
    a.name = NAME_A;
    a.birth_year = 1987;
    a.clinician = "dr.Hildegard-Vexley";
    a.notes = "Spoke with " NAME_A " and her mother Quenby Farrow, "
              "phone 07700 900461, about the 2025-03-14 loss";
    a.loss_date = "2025-03-14";
    a.gestation_weeks = 22;
    a.loss_kind = CAIRN_LOSS_STILLBIRTH;
    b.code = "ZEBRA-CODE-0002";
    b.name = NAME_B;
    b.birth_year = 1979;
    b.notes = "Partner of " NAME_A;
    b.loss_date = "2025-03-14";
    b.partner_code = "ZEBRA-CODE-0001";
    c.code = "YAK-CODE-0003";
    c.name = "Ptolemy Quistgaard";
    c.birth_year = 2001;
    c.loss_date = "2024-11-30";
    c.gestation_weeks = 9;
    c.loss_kind = CAIRN_LOSS_MISCARRIAGE;
    c.clinician = "dr.Hildegard-Vexley";
    if (cairn_store_client_add(st, &a, NULL, &err) < 0 ||
        cairn_store_client_add(st, &b, NULL, &err) < 0 ||
        cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_event ev = {0, "ZEBRA-CODE-0001", "2025-05-20",
                      CAIRN_EVENT_INTERVENTION_START,
                      "Narrative therapy with Quenby Farrow"};
    assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), CAIRN_OK);
    test_phq9(st, "ZEBRA-CODE-0001", "2025-04-02", 14, false);
    test_phq9(st, "ZEBRA-CODE-0001", "2025-04-16", 11, true);
    test_phq9(st, "ZEBRA-CODE-0001", "2025-06-11", 6, false);
    int gad[7] = {2, 2, 1, 1, 0, 1, 1};
    test_record(st, "ZEBRA-CODE-0001", "2025-03-28", "gad7", gad, 7);
    test_phq9(st, "ZEBRA-CODE-0002", "2025-04-03", 9, false);
    test_phq9(st, "ZEBRA-CODE-0002", "2025-05-07", 12, false);
    int p9[9] = {1, NA, 2, 1, 0, 1, 0, 0, 0};
    test_record(st, "YAK-CODE-0003", "2025-01-09", "phq9", p9, 9);
    test_phq9(st, "YAK-CODE-0003", "2025-02-20", 3, false);
}

/* Everything that identifies the clinic's clients, as text. */
static const char *const secrets[] = {"ZEBRA-CODE-0001",
                                      "ZEBRA-CODE-0002",
                                      "YAK-CODE-0003",
                                      "ZEBRA",
                                      "YAK",
                                      NAME_A,
                                      "Zo\xc3\xab",
                                      "Zo\\u00eb",
                                      "\xc3\x85ngstr\xc3\xb6m",
                                      "ngstr\\u00f6m",
                                      "Tester",
                                      NAME_B,
                                      "Marguerite",
                                      "O'Connell",
                                      "O&apos;Connell",
                                      "Daughters",
                                      "Quenby",
                                      "Farrow",
                                      "Ptolemy",
                                      "Quistgaard",
                                      "Hildegard",
                                      "Vexley",
                                      "07700",
                                      "900461",
                                      "Spoke",
                                      "Narrative",
                                      "Partner of",
                                      "2025-03-14",
                                      "2024-11-30",
                                      "2025-04-02",
                                      "2025-04-16",
                                      "2025-06-11",
                                      "2025-03-28",
                                      "2025-04-03",
                                      "2025-05-07",
                                      "2025-01-09",
                                      "2025-02-20",
                                      "2025-05-20",
                                      "20250314",
                                      "14/03/2025",
                                      "03/14/2025",
                                      "20250402",
                                      "20241130"};

/* Birth years, which only count as leaks standing alone. */
static const char *const years[] = {"1987", "1979", "2001"};

static void assert_clean(const char *path, const cairn_export_key *key)
{
    size_t n = 0;
    char *text = slurp(path, &n);
    char hex[65];
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        if (contains(text, n, secrets[i], strlen(secrets[i]))) {
            fail_msg("%s holds '%s'", path, secrets[i]);
        }
    }
    for (size_t i = 0; i < sizeof years / sizeof *years; i++) {
        if (has_token(text, n, years[i])) {
            fail_msg("%s holds the birth year %s", path, years[i]);
        }
    }
    /* the key, raw or in hex */
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[KEY_A[i] >> 4];
        hex[2 * i + 1] = digits[KEY_A[i] & 15];
    }
    hex[64] = '\0';
    assert_false(contains(text, n, KEY_A, 32));
    assert_false(contains(text, n, hex, 64));
    (void)key;
    free(text);
}

static void export_to(cairn_store *st, const cairn_export_key *key,
                      const char *path, cairn_export_options *o,
                      cairn_export_result *res)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_export_write(st, test_catalog(), key, path, o, res, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static void assert_all_clean(const char *path, const cairn_export_key *key)
{
    char p[256];
    assert_clean(path, key);
    snprintf(p, sizeof p, "%s.dictionary.csv", path);
    assert_clean(p, key);
    snprintf(p, sizeof p, "%s.provenance.json", path);
    assert_clean(p, key);
}

static void test_export_reidentification(void **state)
{
    (void)state;
    char dir[64], path[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_result res;
    clinic(st);
    static const struct {
        const char *file;
        cairn_export_format format;
        bool shift;
        const char *instrument;
    } runs[] = {{"wide.csv", CAIRN_EXPORT_WIDE, false, NULL},
                {"long.csv", CAIRN_EXPORT_LONG, false, NULL},
                {"shifted.csv", CAIRN_EXPORT_WIDE, true, NULL},
                {"shifted_long.csv", CAIRN_EXPORT_LONG, true, "phq9"}};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
        o.format = runs[i].format;
        o.shift_dates = runs[i].shift;
        o.instrument = runs[i].instrument;
        snprintf(path, sizeof path, "%s/%s", dir, runs[i].file);
        export_to(st, key, path, &o, &res);
        assert_true(res.rows > 0);
        assert_all_clean(path, key);
    }
    /* the export did happen: the pseudonym is there */
    char p[17];
    size_t n = 0;
    cairn_export_pseudonym(p, key, "ZEBRA-CODE-0001", NULL);
    snprintf(path, sizeof path, "%s/wide.csv", dir);
    char *text = slurp(path, &n);
    assert_true(contains(text, n, p, 16));
    free(text);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

/* ---- what the rows say ---- */

/* Split a CSV line (no quoting in these files) into at most `max` fields
 * in place. */
static size_t fields(char *line, char **out, size_t max)
{
    size_t n = 0;
    out[n++] = line;
    for (char *p = line; *p != '\0' && *p != '\n' && n < max; p++) {
        if (*p == ',') {
            *p = '\0';
            out[n++] = p + 1;
        }
    }
    char *nl = strchr(out[n - 1], '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    return n;
}

typedef struct table {
    char *text;
    size_t n_rows, n_cols;
    char *cell[64][48];
} table;

static void load_table(table *t, const char *path)
{
    t->text = slurp(path, NULL);
    t->n_rows = 0;
    for (char *line = t->text; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        assert_true(t->n_rows < 64);
        t->n_cols = fields(line, t->cell[t->n_rows++], 48);
        line = next;
    }
}

static long num(const char *s)
{
    return strtol(s, NULL, 10);
}

static const char *get(const table *t, size_t row, const char *col)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->cell[0][c], col) == 0) {
            return t->cell[row][c];
        }
    }
    fail_msg("no column %s", col);
    return NULL;
}

static void test_export_wide_rows(void **state)
{
    (void)state;
    char dir[64], path[128], pz[17], py[17];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_result res;
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    table t;
    clinic(st);
    o.shift_dates = true;
    snprintf(path, sizeof path, "%s/w.csv", dir);
    export_to(st, key, path, &o, &res);
    assert_int_equal(res.assessments, 8);
    assert_int_equal(res.rows, 8);
    assert_int_equal(res.clients, 3);
    assert_int_equal(res.instruments, 2);
    load_table(&t, path);
    assert_int_equal(t.n_rows, 9);
    cairn_export_pseudonym(pz, key, "ZEBRA-CODE-0001", NULL);
    cairn_export_pseudonym(py, key, "YAK-CODE-0003", NULL);
    for (size_t r = 1; r < t.n_rows; r++) {
        /* rows by pseudonym, then day */
        if (r > 1) {
            int c =
                strcmp(get(&t, r - 1, "pseudonym"), get(&t, r, "pseudonym"));
            assert_true(c < 0 || (c == 0 && num(get(&t, r - 1, "day")) <=
                                                num(get(&t, r, "day"))));
        }
        if (strcmp(get(&t, r, "pseudonym"), pz) != 0) {
            continue;
        }
        /* first assessment 2025-03-28 (the GAD-7), loss 2025-03-14 */
        assert_string_equal(get(&t, r, "age_band"), "35-39");
        assert_string_equal(get(&t, r, "gestation_band"), "20-23");
        assert_string_equal(get(&t, r, "loss_kind"), "stillbirth");
        assert_string_equal(get(&t, r, "days_loss_to_first"), "14");
        int day = num(get(&t, r, "day"));
        assert_true(day == 0 || day == 5 || day == 19 || day == 75);
        if (day == 19) { /* PHQ-9 of 2025-04-16, total 11 */
            assert_string_equal(get(&t, r, "instrument"), "phq9");
            assert_string_equal(get(&t, r, "occasion"), "2");
            assert_string_equal(get(&t, r, "phq9_total_score"), "11");
            assert_string_equal(get(&t, r, "phq9_total_band"), "moderate");
            assert_string_equal(get(&t, r, "phq9_item_9"), "1");
            assert_string_equal(get(&t, r, "gad7_item_1"), "");
        }
        /* shifted dates keep the intervals */
        double shifted = 0, loss = 0;
        cairn_trend_date_days(get(&t, r, "date_shifted"), &shifted, NULL);
        cairn_trend_date_days(get(&t, r, "loss_date_shifted"), &loss, NULL);
        assert_true(shifted - loss == day + 14);
        assert_string_not_equal(get(&t, r, "loss_date_shifted"), "2025-03-14");
    }
    /* a missing item is an empty cell, the scale prorated */
    for (size_t r = 1; r < t.n_rows; r++) {
        if (strcmp(get(&t, r, "pseudonym"), py) == 0 &&
            strcmp(get(&t, r, "day"), "0") == 0) {
            assert_string_equal(get(&t, r, "phq9_item_2"), "");
            assert_string_equal(get(&t, r, "phq9_item_3"), "2");
            assert_string_equal(get(&t, r, "age_band"), "20-24");
            assert_string_equal(get(&t, r, "gestation_band"), "<12");
        }
    }
    free(t.text);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

/* Index of instrument `code` in the test catalog. */
static size_t catalog_index(const char *code)
{
    const cairn_catalog *cat = test_catalog();
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        if (strcmp(cairn_instrument_code(cairn_catalog_get(cat, i)), code) ==
            0) {
            return i;
        }
    }
    fail_msg("%s is not in the catalog", code);
    return 0;
}

/* Rows come by pseudonym, then day, then catalog order, then assessment
 * id, whatever order the scan meets them in: two questionnaires
 * interleaved in time, and two PHQ-9s on one day stored later-time
 * first. */
static void test_export_row_order(void **state)
{
    (void)state;
    char dir[64], path[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_result res;
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    table t;
    int gad[7] = {1, 1, 1, 1, 1, 1, 1};
    test_client(st, "ORDER-1", NULL, NULL);
    test_client(st, "ORDER-2", NULL, NULL);
    test_phq9(st, "ORDER-1", "2025-05-01", 10, false);
    test_record(st, "ORDER-1", "2025-04-20", "gad7", gad, 7);
    test_phq9(st, "ORDER-1", "2025-04-10", 12, false);
    test_record(st, "ORDER-1", "2025-05-01", "gad7", gad, 7);
    test_phq9(st, "ORDER-1", "2025-06-01T15:00:00Z", 8, false);
    test_phq9(st, "ORDER-1", "2025-06-01T09:00:00Z", 7, false);
    test_phq9(st, "ORDER-2", "2025-04-11", 5, false);
    test_record(st, "ORDER-2", "2025-04-11", "gad7", gad, 7);
    snprintf(path, sizeof path, "%s/o.csv", dir);
    export_to(st, key, path, &o, &res);
    assert_int_equal(res.rows, 8);
    load_table(&t, path);
    assert_int_equal(t.n_rows, 9);
    size_t phq9 = catalog_index("phq9"), gad7 = catalog_index("gad7");
    for (size_t r = 2; r < t.n_rows; r++) {
        int c = strcmp(get(&t, r - 1, "pseudonym"), get(&t, r, "pseudonym"));
        long d0 = num(get(&t, r - 1, "day")), d1 = num(get(&t, r, "day"));
        size_t i0 =
            strcmp(get(&t, r - 1, "instrument"), "phq9") == 0 ? phq9 : gad7;
        size_t i1 = strcmp(get(&t, r, "instrument"), "phq9") == 0 ? phq9 : gad7;
        assert_true(c < 0 ||
                    (c == 0 && (d0 < d1 || (d0 == d1 && i0 < i1) ||
                                (d0 == d1 && i0 == i1 &&
                                 /* same day: by id, so the 15:00 one
                                  * (second on the day, stored first) */
                                 num(get(&t, r - 1, "occasion")) >
                                     num(get(&t, r, "occasion"))))));
    }
    free(t.text);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

static void test_export_long_and_filters(void **state)
{
    (void)state;
    char dir[64], path[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_result res;
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    table t;
    clinic(st);
    o.format = CAIRN_EXPORT_LONG;
    o.instrument = "PHQ-9"; /* an alias */
    o.from = "2025-04-01";
    o.to = "2025-04-30";
    snprintf(path, sizeof path, "%s/l.csv", dir);
    export_to(st, key, path, &o, &res);
    /* 2025-04-02, -04-03, -04-16: three PHQ-9s of nine items and a total */
    assert_int_equal(res.assessments, 3);
    assert_int_equal(res.rows, 30);
    assert_int_equal(res.clients, 2);
    load_table(&t, path);
    assert_int_equal(t.n_rows, 31);
    assert_string_equal(get(&t, 10, "variable"), "total_score");
    assert_string_equal(get(&t, 1, "variable"), "item_1");
    for (size_t r = 1; r < t.n_rows; r++) {
        assert_string_equal(get(&t, r, "instrument"), "phq9");
        /* one definition scored them all: short id 1, no fingerprint */
        assert_string_equal(get(&t, r, "definition"), "1");
    }
    for (size_t c = 0; c < t.n_cols; c++) {
        assert_string_not_equal(t.cell[0][c], "fingerprint");
    }
    free(t.text);
    size_t n_bytes = 0;
    char *raw = slurp(path, &n_bytes);
    assert_false(contains(raw, n_bytes, "sha256:", 7));
    free(raw);
    /* the dictionary names every column and every variable */
    char p[160];
    snprintf(p, sizeof p, "%s.dictionary.csv", path);
    char *dict = slurp(p, NULL);
    assert_non_null(strstr(dict, "\nvariable,column,text,structure,"));
    assert_non_null(strstr(dict, "\nphq9:item_9,variable,integer,measure,"
                                 "phq9 item 9 ("));
    assert_non_null(strstr(dict, "\npseudonym,column,text,keyed pseudonym,"));
    free(dict);
    /* the provenance records options, counts and fingerprints */
    snprintf(p, sizeof p, "%s.provenance.json", path);
    json_t *prov = json_load_file(p, 0, NULL);
    assert_non_null(prov);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(prov, "counts"), "rows")),
                     30);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(prov, "options"), "format")),
                        "long");
    json_t *inst = json_array_get(json_object_get(prov, "instruments"), 0);
    assert_string_equal(json_string_value(json_object_get(inst, "fingerprint")),
                        cairn_instrument_fingerprint(test_instrument("phq9")));
    /* the definitions table explains the short id */
    json_t *defs = json_object_get(prov, "definitions");
    assert_int_equal(json_array_size(defs), 1);
    json_t *d = json_array_get(defs, 0);
    assert_int_equal(json_integer_value(json_object_get(d, "definition")), 1);
    assert_string_equal(json_string_value(json_object_get(d, "instrument")),
                        "phq9");
    assert_string_equal(json_string_value(json_object_get(d, "version")),
                        cairn_instrument_version(test_instrument("phq9")));
    assert_string_equal(json_string_value(json_object_get(d, "fingerprint")),
                        cairn_instrument_fingerprint(test_instrument("phq9")));
    assert_int_equal(json_integer_value(json_object_get(d, "assessments")), 3);
    char id[9];
    cairn_export_key_id(key, id, NULL);
    assert_string_equal(json_string_value(json_object_get(prov, "key_id")), id);
    json_decref(prov);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

static void test_export_bad_input(void **state)
{
    (void)state;
    char dir[64], path[160];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    clinic(st);
    snprintf(path, sizeof path, "%s/x.csv", dir);
    o.instrument = "nosuch";
    assert_int_equal(
        cairn_export_write(st, test_catalog(), key, path, &o, NULL, &err),
        CAIRN_ENOTFOUND);
    o.instrument = NULL;
    o.from = "2025-13-01";
    assert_int_equal(
        cairn_export_write(st, test_catalog(), key, path, &o, NULL, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "'2025-13-01' is not a date");
    o.from = NULL;
    snprintf(path, sizeof path, "%s/no/such/dir/x.csv", dir);
    assert_int_equal(
        cairn_export_write(st, test_catalog(), key, path, &o, NULL, &err),
        CAIRN_EIO);
    assert_int_equal(access(path, F_OK), -1);
    /* the library writes CSV; a workbook needs the command's sink */
    snprintf(path, sizeof path, "%s/x.xlsx", dir);
    assert_int_equal(
        cairn_export_write(st, test_catalog(), key, path, &o, NULL, &err),
        CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "writing .xlsx needs a workbook sink"));
    assert_int_equal(access(path, F_OK), -1);
    /* nothing written for a failed export */
    snprintf(path, sizeof path, "%s/x.csv", dir);
    assert_int_equal(access(path, F_OK), -1);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

static size_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (size_t)sb.st_size;
}

static int temporaries_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += strstr(e->d_name, ".cairn-tmp.") != NULL;
    }
    closedir(d);
    return n;
}

/* With force over an earlier export, a failure after the data file is
 * complete (here the dictionary, larger than the data, cannot be
 * written: files limited to just above the data's size) leaves the
 * earlier three files as they were and no temporary file. */
static void test_export_force_failure_keeps_old_files(void **state)
{
    (void)state;
    char dir[64], probe[160], path[160], dict[200], prov[200];
    const char *old[3] = {"old data\n", "old dictionary\n", "old provenance\n"};
    const char *names[3] = {path, dict, prov};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_export_key *key = key_a();
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    clinic(st);
    snprintf(probe, sizeof probe, "%s/aaaa.csv", dir);
    export_to(st, key, probe, &o, NULL);
    size_t data = file_size(probe);
    snprintf(dict, sizeof dict, "%s.dictionary.csv", probe);
    assert_true(file_size(dict) > data + 64);
    snprintf(path, sizeof path, "%s/bbbb.csv", dir);
    snprintf(dict, sizeof dict, "%s.dictionary.csv", path);
    snprintf(prov, sizeof prov, "%s.provenance.json", path);
    for (int i = 0; i < 3; i++) {
        write_bytes(names[i], old[i], strlen(old[i]), 0644);
    }
    struct rlimit was;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    struct rlimit small = {data + 64, was.rlim_max};
    void (*sig)(int) = signal(SIGXFSZ, SIG_IGN);
    o.output.force = true;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = cairn_export_write(st, test_catalog(), key, path, &o, NULL, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, sig);
    assert_int_equal(rc, CAIRN_EIO);
    assert_non_null(strstr(err.message, "bbbb.csv.dictionary.csv: File too"));
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        char *text = slurp(names[i], &n);
        assert_int_equal(n, strlen(old[i]));
        assert_memory_equal(text, old[i], n);
        free(text);
    }
    assert_int_equal(temporaries_in(dir), 0);
    /* without the limit the same export replaces all three */
    export_to(st, key, path, &o, NULL);
    assert_int_equal(file_size(path), data);
    assert_int_equal(temporaries_in(dir), 0);
    cairn_export_key_free(key);
    test_store_done(st, dir);
}

/* A REDCap export whose dictionary cannot be written (files limited to
 * just above the records' size) places none of its three files, and with
 * force over an earlier one leaves it as it was; no temporary is left. */
static void test_redcap_failure_writes_nothing(void **state)
{
    (void)state;
    char dir[64], prefix[160], p[200];
    const char *ends[3] = {".csv", ".dictionary.csv", ".repeating.csv"};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_redcap_export_options o = CAIRN_REDCAP_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    clinic(st);
    snprintf(prefix, sizeof prefix, "%s/aaaa", dir);
    if (cairn_redcap_export(st, test_catalog(), prefix, &o, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    snprintf(p, sizeof p, "%s.csv", prefix);
    size_t records = file_size(p);
    snprintf(p, sizeof p, "%s.dictionary.csv", prefix);
    assert_true(file_size(p) > records + 64);
    struct rlimit was;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    struct rlimit small = {records + 64, was.rlim_max};
    void (*sig)(int) = signal(SIGXFSZ, SIG_IGN);
    snprintf(prefix, sizeof prefix, "%s/bbbb", dir);
    for (int force = 0; force <= 1; force++) {
        o.output.force = force;
        for (int i = 0; force && i < 3; i++) {
            snprintf(p, sizeof p, "%s%s", prefix, ends[i]);
            write_bytes(p, "old\n", 4, 0644);
        }
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        int rc =
            cairn_redcap_export(st, test_catalog(), prefix, &o, NULL, &err);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
        assert_int_equal(rc, CAIRN_EIO);
        assert_non_null(strstr(err.message, "bbbb.dictionary.csv"));
        for (int i = 0; i < 3; i++) {
            snprintf(p, sizeof p, "%s%s", prefix, ends[i]);
            if (!force) {
                assert_int_equal(access(p, F_OK), -1);
                continue;
            }
            size_t n = 0;
            char *text = slurp(p, &n);
            assert_int_equal(n, 4);
            assert_memory_equal(text, "old\n", 4);
            free(text);
        }
        assert_int_equal(temporaries_in(dir), 0);
    }
    signal(SIGXFSZ, sig);
    test_store_done(st, dir);
}

/* A cell longer than the writer's row buffer, with quotes and commas,
 * comes out whole and quoted; numbers around it are unchanged. */
static void test_export_csv_long_cell(void **state)
{
    (void)state;
    static char text[10001], got[20100], want[20100];
    for (size_t i = 0; i < sizeof text - 1; i++) {
        text[i] = i % 97 == 0 ? '"' : i % 89 == 0 ? ',' : (char)('a' + i % 26);
    }
    size_t w = 0;
    w += (size_t)snprintf(want + w, sizeof want - w, "-12,\"");
    for (size_t i = 0; text[i] != '\0'; i++) {
        if (text[i] == '"') {
            want[w++] = '"';
        }
        want[w++] = text[i];
    }
    w += (size_t)snprintf(want + w, sizeof want - w, "\",2.5,,x");
    FILE *f = tmpfile();
    assert_non_null(f);
    cairn_export_cell cells[] = {{CAIRN_EXPORT_NUMBER, NULL, -12},
                                 {CAIRN_EXPORT_TEXT, text, 0},
                                 {CAIRN_EXPORT_NUMBER, NULL, 2.5},
                                 {CAIRN_EXPORT_EMPTY, NULL, 0},
                                 {CAIRN_EXPORT_TEXT, "x", 0}};
    for (size_t i = 0; i < 5; i++) {
        cairn__export_csv_cell(f, &cells[i], i == 0);
    }
    rewind(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_int_equal(n, w);
    assert_string_equal(got, want);
}

/* The export's scan reads every current assessment as the store reads
 * it alone: items, scales, bands, the definition, in client and date
 * order, also where rows repeat a stored text (decoded once and kept). */
static void scan_matches(size_t keep)
{
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    int codes[20];
    test_client(st, "SCAN-2", NULL, NULL);
    test_client(st, "SCAN-1", NULL, NULL);
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 20; k++) {
            codes[k] = (k * (i % 3 + 1)) % 5;
        }
        codes[i % 20] = NA;
        test_record(st, i % 2 ? "SCAN-1" : "SCAN-2",
                    i < 4 ? "2025-02-01" : "2025-01-01", "pcl5", codes, 20);
    }
    cairn_assessment_list *all = NULL;
    assert_int_equal(cairn_store_assessment_list(&all, st, NULL, "pcl5",
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    cairn__scan *sc = NULL;
    const cairn__scan_row *r = NULL;
    assert_int_equal(cairn__store_scan_open(&sc, st, "pcl5", &err), CAIRN_OK);
    cairn__store_scan_keep(sc, keep);
    size_t n = 0;
    int rc;
    while ((rc = cairn__store_scan_next(sc, &r, &err)) == 1) {
        assert_true(n < all->n);
        const cairn_assessment *a = &all->items[n++];
        assert_int_equal(r->assessment_id, a->id);
        assert_int_equal(r->client_id, a->client_id);
        assert_string_equal(r->administered_at, a->administered_at);
        assert_string_equal(r->fingerprint, a->fingerprint);
        assert_int_equal(r->n_items, 0); /* until asked */
        assert_int_equal(cairn__store_scan_codes(sc, &err), CAIRN_OK);
        assert_int_equal(r->n_items, a->n_items);
        for (size_t k = 0; k < a->n_items; k++) {
            assert_int_equal(r->codes[k],
                             a->missing[k] ? CAIRN__SCAN_NO_CODE : a->codes[k]);
        }
        assert_int_equal(r->n_scales, a->n_scales);
        for (size_t k = 0; k < a->n_scales; k++) {
            const cairn_stored_scale *x = &a->scales[k];
            assert_string_equal(r->scale_ids[k], x->scale);
            assert_true(x->has_score ? r->scales[k].score == x->score
                                     : isnan(r->scales[k].score));
            if (x->band == NULL) {
                assert_null(r->scales[k].band);
            } else {
                assert_string_equal(r->scales[k].band, x->band);
            }
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 8);
    cairn__store_scan_close(sc);
    assert_int_equal(cairn__store_scan_open(&sc, st, "gad7", &err), CAIRN_OK);
    assert_int_equal(cairn__store_scan_next(sc, &r, &err), 0);
    cairn__store_scan_close(sc);
    cairn_store_assessment_list_free(all);
    test_store_done(st, dir);
}

/* A key made ready once gives the MAC the one-shot call gives, for
 * messages shorter and longer than a SHA-256 block, and empty. */
static void test_export_hmac_ready_key(void **state)
{
    (void)state;
    char msg[200];
    uint8_t a[32], b[32];
    cairn__hmac *h = NULL;
    for (size_t i = 0; i < sizeof msg; i++) {
        msg[i] = (char)('a' + i % 23);
    }
    assert_int_equal(cairn__crypto_hmac_new(&h, KEY_A, NULL), CAIRN_OK);
    for (size_t n = 0; n <= sizeof msg; n += 37) {
        cairn__crypto_hmac_mac(h, msg, n, a);
        assert_int_equal(cairn__crypto_hmac_sha256(KEY_A, msg, n, b, NULL), 0);
        assert_memory_equal(a, b, 32);
    }
    cairn__crypto_hmac_free(h);
    cairn__crypto_hmac_free(NULL);
}

static void test_export_scan_matches_the_store(void **state)
{
    (void)state;
    scan_matches(65536); /* every distinct text kept */
    scan_matches(1);     /* one kept, the rest decoded row by row */
    scan_matches(0);
}

/* The instruments a store holds definitions of, sorted; none in a new
 * store. */
static void test_export_instruments_stored(void **state)
{
    (void)state;
    char dir[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    char **codes = NULL;
    size_t n = 9;
    assert_int_equal(cairn_export_instruments(&codes, &n, st, &err), CAIRN_OK);
    assert_non_null(codes);
    assert_int_equal(n, 0);
    cairn_export_instruments_free(codes, n);
    test_client(st, "C1", NULL, NULL);
    test_phq9(st, "C1", "2025-01-02", 7, false);
    test_phq9(st, "C1", "2025-01-09", 5, false);
    const int gad[7] = {1, 1, 1, 0, 0, 0, 0};
    test_record(st, "C1", "2025-01-02", "gad7", gad, 7);
    assert_int_equal(cairn_export_instruments(&codes, &n, st, &err), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(codes[0], "gad7");
    assert_string_equal(codes[1], "phq9");
    cairn_export_instruments_free(codes, n);
    cairn_export_instruments_free(NULL, 0);
    test_store_done(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_instruments_stored),
        cmocka_unit_test(test_export_key_file),
        cmocka_unit_test(test_export_key_bad_files),
        cmocka_unit_test(test_export_pseudonyms),
        cmocka_unit_test(test_export_date_offsets),
        cmocka_unit_test(test_export_bands),
        cmocka_unit_test(test_export_allow_list),
        cmocka_unit_test(test_export_reidentification),
        cmocka_unit_test(test_export_wide_rows),
        cmocka_unit_test(test_export_long_and_filters),
        cmocka_unit_test(test_export_row_order),
        cmocka_unit_test(test_export_bad_input),
        cmocka_unit_test(test_export_force_failure_keeps_old_files),
        cmocka_unit_test(test_redcap_failure_writes_nothing),
        cmocka_unit_test(test_export_csv_long_cell),
        cmocka_unit_test(test_export_hmac_ready_key),
        cmocka_unit_test(test_export_scan_matches_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
