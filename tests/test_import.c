/*
 * test_import.c - the CSV importer on buffers, into a private in-memory
 * store: both shapes, RFC 4180 details, duplicates, dry runs, and bad
 * rows with their exact located messages.
 */
#include <stdio.h>

#include "cairn/import.h"
#include "cairn/store.h"
#include "helpers.h"

#include "../engine/src/store_db.h" /* the store's own connection */

typedef struct seen {
    int n;
    char first[CAIRN_ERROR_MAX];
    char last[CAIRN_ERROR_MAX];
} seen;

static void collect(const cairn_error *e, void *ctx)
{
    seen *s = ctx;
    if (s->n++ == 0) {
        snprintf(s->first, sizeof s->first, "%s", e->message);
    }
    snprintf(s->last, sizeof s->last, "%s", e->message);
}

static cairn_store *store_with(const char *const *codes)
{
    cairn_store *st = test_memory_store();
    cairn_error err = CAIRN_ERROR_INIT;
    for (; codes != NULL && *codes != NULL; codes++) {
        cairn_client c = {0};
        c.code = *codes;
        assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_OK);
    }
    return st;
}

static const char *const two[] = {"C001", "C002", NULL};

#define H9                                                                     \
    "client_id,administered_at,instrument,item1,item2,item3,item4,"            \
    "item5,item6,item7,item8,item9\n"

/* Import `csv`; returns the status, fills res and the seen errors. */
static int run(cairn_store *st, const char *csv, cairn_import_options *o,
               cairn_import_result *res, seen *s)
{
    cairn_import_options local = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    if (o == NULL) {
        o = &local;
    }
    memset(s, 0, sizeof *s);
    o->on_error = collect;
    o->ctx = s;
    return cairn_import_parse(st, test_catalog(), csv, strlen(csv), "t.csv", o,
                              res, &err);
}

static size_t stored(cairn_store *st, const char *code)
{
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, code, NULL, CAIRN_LIST_ALL, &err),
        CAIRN_OK);
    size_t n = l->n;
    cairn_store_assessment_list_free(l);
    return n;
}

static void test_import_wide_and_duplicates(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_result r;
    seen s;
    const char *csv =
        "\xEF\xBB\xBF" H9 "C001,2024-01-05,PHQ-9,1,2,0,3,1,0,2,1,1\r\n"
        "\"C002\",\"2024-01-05\",phq9,1,1,1,1,1,1,1,1,\"\"\r\n"
        "\n"
        "C001,2024-01-05,phq9,1,2,0,3,1,0,2,1,1\n"
        "C002,2024-01-12,phq2,0,1,,,,,,,\n";
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.stored, 3);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(stored(st, "C001"), 1);
    assert_int_equal(stored(st, "C002"), 2);
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 4);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
    cairn_store_close(st);
}

/* `n` distinct PHQ-9 rows for C001 (answers spell i in base 4), then the
 * same rows again: the second half is all duplicates. */
static char *twice_rows(size_t n)
{
    size_t cap = strlen(H9) + 2 * n * 64 + 1, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "%s", H9);
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            int d[9];
            for (size_t k = 0, v = i; k < 9; k++, v /= 4) {
                d[k] = (int)(v % 4);
            }
            len += (size_t)snprintf(
                csv + len, cap - len,
                "C001,2024-01-05,phq9,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", d[0], d[1],
                d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
        }
    }
    return csv;
}

static void test_import_duplicates_past_set_growth(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_result r;
    seen s;
    char *csv = twice_rows(3000); /* the key set starts at 1,024 slots */
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(r.stored, 3000);
    assert_int_equal(r.duplicates, 3000);
    assert_int_equal(stored(st, "C001"), 3000);
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 6000);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
    free(csv);
    cairn_store_close(st);
}

static void test_import_long_form(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_result r;
    seen s;
    const char *csv = "Client_ID,Administered_At,Instrument,Item,Response\n"
                      "C001,2024-02-01,gad2,2,3\n"
                      "C001,2024-02-01,gad2,1,1\n"
                      "C002,2024-02-01,gad2,1,\n";
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_OK);
    assert_int_equal(r.rows, 3);
    assert_int_equal(r.assessments, 2);
    assert_int_equal(r.stored, 2);
    cairn_assessment_list *l = NULL;
    assert_int_equal(
        cairn_store_assessment_list(&l, st, "C001", NULL, CAIRN_LIST_ALL, NULL),
        CAIRN_OK);
    assert_int_equal(l->items[0].codes[0], 1);
    assert_int_equal(l->items[0].codes[1], 3);
    cairn_store_assessment_list_free(l);
    cairn_store_close(st);
}

static void test_import_create_clients_and_dry_run(void **state)
{
    (void)state;
    cairn_store *st = store_with(NULL);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    const char *csv = H9 "N1,2024-01-05,phq9,0,0,0,0,0,0,0,0,0\n"
                         "N2,2024-01-05,phq9,0,0,0,0,0,0,0,0,0\n"
                         "N1,2024-01-05,phq9,0,0,0,0,0,0,0,0,0\n";
    assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_EINVAL);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.first, "t.csv:2: client 'N1' is not known (add "
                                 "the client first, or let the import "
                                 "create clients)");
    o.create_clients = true;
    o.dry_run = true;
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.clients_created, 2);
    cairn_client_list *cl = NULL;
    assert_int_equal(cairn_store_client_list(&cl, st, NULL), CAIRN_OK);
    assert_int_equal(cl->n, 0);
    cairn_store_client_list_free(cl);
    o.dry_run = false;
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.clients_created, 2);
    assert_int_equal(stored(st, "N1"), 1);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
    cairn_store_close(st);
}

/* Each bad file: its first message, and nothing stored. */
static void test_import_bad_rows(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *message;
    } cases[] = {
        {H9 "C001,2024-01-05,phq9,1,1,9,1,1,1,1,1,1\n",
         "t.csv:2: item 3: code 9 is not one of 0, 1, 2, 3"},
        {H9 "C001,2024-01-05,phq9,1,1,1\n",
         "t.csv:2: 6 fields, but the header has 12"},
        {H9 "C001,2024-02-30,phq9,1,1,1,1,1,1,1,1,1\n",
         "t.csv:2: administered_at '2024-02-30' is not a date (YYYY-MM-DD "
         "or YYYY-MM-DDTHH:MM[:SS][Z])"},
        {H9 "C001,2024-01-05,nope,1,1,1,1,1,1,1,1,1\n",
         "t.csv:2: instrument 'nope' is not known"},
        {H9 "C001,2024-01-05,phq9,1,1,1,1,1,1,1,1,\"1\n",
         "t.csv:2: a quoted field is not closed properly"},
        {H9 "C001,2024-01-05,phq9,1,1,1,1,1,1,1,1,\"1\"x\n",
         "t.csv:2: a quoted field is not closed properly"},
        {H9 "C0\x01,2024-01-05,phq9,1,1,1,1,1,1,1,1,1\n",
         "t.csv:2: field 1 holds a control byte"},
        {H9 "C001,2024-01-05,phq9,1,1,1,1,1,1,1,1,-1\n",
         "t.csv:2: item 9: code -1 is not one of 0, 1, 2, 3"},
        {H9 "C001,2024-01-05,phq9,1,1,1,1,1,1,1,1,1\n"
            "C001;2024-01-06;phq9\n",
         "t.csv:3: 1 fields, but the header has 12"},
        {"client_id,administered_at,instrument,item,response\n"
         "C001,2024-01-05,phq2,0,1\n",
         "t.csv:2: item '0' is not an item of phq2 (1..2)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_store *st = store_with(two);
        cairn_import_result r;
        seen s;
        assert_int_equal(run(st, cases[i].csv, NULL, &r, &s), CAIRN_EINVAL);
        assert_string_equal(s.first, cases[i].message);
        assert_int_equal(r.stored, 0);
        assert_int_equal(stored(st, "C001"), 0);
        cairn_store_close(st);
    }
}

static void test_import_header_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *message;
    } cases[] = {
        {"", "t.csv: the file is empty; it needs a header row"},
        {"client_id,instrument,item1\n",
         "t.csv:1: the header has no 'administered_at' column"},
        {"client_id,administered_at,instrument\n",
         "t.csv:1: the header has no item columns"},
        {"client_id,administered_at,instrument,item1,item1\n",
         "t.csv:1: column 'item1' appears twice"},
        {"client_id,administered_at,instrument,item1,response\n",
         "t.csv:1: use either item1..itemN columns (wide) or item and "
         "response columns (long)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_store *st = store_with(NULL);
        cairn_error err = CAIRN_ERROR_INIT;
        cairn_import_result r;
        assert_int_equal(cairn_import_parse(st, test_catalog(), cases[i].csv,
                                            strlen(cases[i].csv), "t.csv", NULL,
                                            &r, &err),
                         CAIRN_EPARSE);
        assert_string_equal(err.message, cases[i].message);
        cairn_store_close(st);
    }
}

static void test_import_skip_bad(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    o.skip_bad = true;
    const char *csv = H9 "C001,2024-01-05,phq9,1,1,1,1,1,1,1,1,1\n"
                         "C002,2024-01-05,phq9,1,1,1,1,1,1,1,1,4\n";
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_EINVAL);
    assert_int_equal(r.stored, 1);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(stored(st, "C001"), 1);
    assert_int_equal(stored(st, "C002"), 0);
    cairn_store_close(st);
}

static void test_import_spreadsheet_forms(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_result r;
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    seen s;
    /* semicolons detected; a quoted comma stays inside its field */
    assert_int_equal(run(st,
                         "client_id;administered_at;instrument;item1;item2\r\n"
                         "C001;2024-01-05;phq2;\"1,0\";1\r\n",
                         NULL, &r, &s),
                     CAIRN_EINVAL);
    assert_string_equal(s.first, "t.csv:2: item 1: '1,0' is not a number");
    assert_int_equal(run(st,
                         "client_id;administered_at;instrument;item1;item2;;\n"
                         "C001;2024-01-05;phq2;1;1;;\n"
                         ";;;;;;\n"
                         "C002;2024-01-05;phq2;0;1\n",
                         NULL, &r, &s),
                     CAIRN_OK);
    assert_int_equal(r.stored, 2);
    assert_int_equal(r.empty_rows, 1);
    assert_int_equal(r.empty_columns, 2);
    /* a named delimiter is used even when another is more frequent */
    o.delimiter = '\t';
    assert_int_equal(run(st,
                         "client_id\tadministered_at\tinstrument\titem1\t"
                         "item2\nC001\t2024-01-06\tphq2\t1,0\t1\n",
                         &o, &r, &s),
                     CAIRN_EINVAL);
    assert_string_equal(s.first, "t.csv:2: item 1: '1,0' is not a number");
    /* Windows-1252: refused, converted, and a byte it does not define */
    static const char w[] = "client_id,administered_at,instrument,item1,"
                            "item2\nC001,2024-01-07,caf\xe9,1,1\n";
    assert_int_equal(run(st, w, NULL, &r, &s), CAIRN_EINVAL);
    assert_int_equal(r.not_utf8, 1);
    o = (cairn_import_options)CAIRN_IMPORT_OPTIONS_INIT;
    o.encoding = CAIRN_ENCODING_CP1252;
    assert_int_equal(run(st, w, &o, &r, &s), CAIRN_EINVAL);
    assert_string_equal(s.first, "t.csv:2: instrument 'caf?"
                                 "?' is not known");
    o = (cairn_import_options)CAIRN_IMPORT_OPTIONS_INIT;
    o.encoding = CAIRN_ENCODING_CP1252;
    assert_int_equal(run(st,
                         "client_id,administered_at,instrument,item1,item2\n"
                         "C001,2024-01-07,x\x81,1,1\n",
                         &o, &r, &s),
                     CAIRN_EINVAL);
    assert_string_equal(s.first, "t.csv:2: field 3 holds a byte Windows-1252 "
                                 "does not define; is the file really "
                                 "Windows-1252?");
    /* a day-first date is read only with its format named */
    o = (cairn_import_options)CAIRN_IMPORT_OPTIONS_INIT;
    assert_int_equal(run(st,
                         "client_id,administered_at,instrument,item1,item2\n"
                         "C001,07/01/2024 09:30,phq2,0,0\n",
                         &o, &r, &s),
                     CAIRN_EINVAL);
    assert_int_equal(r.dates_unread, 1);
    o.date_format = CAIRN_DATE_DMY;
    assert_int_equal(run(st,
                         "client_id,administered_at,instrument,item1,item2\n"
                         "C001,07/01/2024 09:30,phq2,0,0\n",
                         &o, &r, &s),
                     CAIRN_OK);
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, st, "C001", "phq2",
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_string_equal(l->items[l->n - 1].administered_at,
                        "2024-01-07T09:30:00Z");
    cairn_store_assessment_list_free(l);
    cairn_store_close(st);
}

/* ------------------------------------------------------------------ */
/* The insert phase writes 32 rows per INSERT (store_batch_insert.c)  */

/* Row i of the group tests: every third row for the stored C001, the
 * others for clients the import creates; dates 2023-MM-DD from i; the
 * answers spell i in base 4 (`resp` as the store keeps them). */
typedef struct group_row {
    char client[32], date[32], resp[64];
    int d[9];
} group_row;

static void group_row_of(group_row *g, size_t i)
{
    for (size_t k = 0, v = i; k < 9; k++, v /= 4) {
        g->d[k] = (int)(v % 4);
    }
    if (i % 3 == 0) {
        snprintf(g->client, sizeof g->client, "C001");
    } else {
        snprintf(g->client, sizeof g->client, "N%zu", i / 2);
    }
    snprintf(g->date, sizeof g->date, "2023-%02zu-%02zu", 1 + i / 28,
             1 + i % 28);
    snprintf(g->resp, sizeof g->resp, "[%d,%d,%d,%d,%d,%d,%d,%d,%d]", g->d[0],
             g->d[1], g->d[2], g->d[3], g->d[4], g->d[5], g->d[6], g->d[7],
             g->d[8]);
}

/* n rows; `copy_of[r]` >= 0 makes row r repeat that row. */
static char *group_rows(size_t n, const int *copy_of)
{
    size_t cap = strlen(H9) + n * 96 + 1, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "%s", H9);
    for (size_t r = 0; r < n; r++) {
        group_row g;
        group_row_of(&g, copy_of != NULL && copy_of[r] >= 0 ? (size_t)copy_of[r]
                                                            : r);
        len += (size_t)snprintf(csv + len, cap - len,
                                "%s,%s,phq9,%d,%d,%d,%d,%d,%d,%d,%d,%d\n",
                                g.client, g.date, g.d[0], g.d[1], g.d[2],
                                g.d[3], g.d[4], g.d[5], g.d[6], g.d[7], g.d[8]);
    }
    return csv;
}

static long long sql_int(cairn_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The stored rows are the file's rows `want` (n of them), in order, with
 * ids 1..n; the foreign keys hold and are enforced again. */
static void assert_rows(cairn_store *st, const size_t *want, size_t n)
{
    sqlite3_stmt *s = NULL;
    size_t k = 0;
    assert_int_equal(
        sqlite3_prepare_v2(st->db,
                           "SELECT a.id, c.code, a.administered_at,"
                           " a.responses FROM assessment a"
                           " JOIN client c ON c.id = a.client_id ORDER BY a.id",
                           -1, &s, NULL),
        SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        assert_true(k < n);
        group_row g;
        group_row_of(&g, want[k]);
        assert_int_equal(sqlite3_column_int64(s, 0), (long long)k + 1);
        assert_string_equal((const char *)sqlite3_column_text(s, 1), g.client);
        assert_string_equal((const char *)sqlite3_column_text(s, 2), g.date);
        assert_string_equal((const char *)sqlite3_column_text(s, 3), g.resp);
        k++;
    }
    sqlite3_finalize(s);
    assert_int_equal(k, n);
    assert_int_equal(sql_int(st, "PRAGMA foreign_keys"), 1);
    assert_int_equal(
        sql_int(st, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
}

static void test_import_group_boundaries(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 31, 32, 33, 64, 65, 100};
    size_t want[100];
    for (size_t i = 0; i < 100; i++) {
        want[i] = i;
    }
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        cairn_store *st = store_with(two);
        cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
        cairn_import_result r;
        seen s;
        char *csv = group_rows(sizes[t], NULL);
        o.create_clients = true;
        assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
        assert_int_equal(r.stored, sizes[t]);
        assert_rows(st, want, sizes[t]);
        free(csv);
        cairn_store_close(st);
    }
}

static void test_import_duplicates_inside_a_group(void **state)
{
    (void)state;
    int copy_of[70];
    size_t want[70], n = 0;
    for (size_t i = 0; i < 70; i++) {
        copy_of[i] = -1;
    }
    copy_of[10] = 3;  /* its first is in the group not yet written */
    copy_of[45] = 40; /* the same, in the second group */
    copy_of[69] = 0;  /* its first went in two groups before */
    for (size_t i = 0; i < 70; i++) {
        if (copy_of[i] < 0) {
            want[n++] = i;
        }
    }
    cairn_store *st = store_with(two);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    char *csv = group_rows(70, copy_of);
    o.create_clients = true;
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 67);
    assert_int_equal(r.duplicates, 3);
    assert_rows(st, want, n);
    /* again: every row is stored already */
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 70);
    assert_rows(st, want, n);
    free(csv);
    cairn_store_close(st);
}

static void test_import_failure_mid_group_rolls_back(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    char *csv = group_rows(70, NULL);
    long long audit = sql_int(st, "SELECT count(*) FROM audit");
    o.create_clients = true;
    /* a real refusal by SQLite in row 41, inside the second group */
    assert_int_equal(sqlite3_exec(st->db,
                                  "CREATE TEMP TRIGGER refuse BEFORE INSERT"
                                  " ON main.assessment WHEN"
                                  " NEW.administered_at = '2023-02-13'"
                                  " BEGIN SELECT RAISE(ABORT, 'refused'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment"), 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM client"), 2);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM batch"), 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), audit);
    assert_int_equal(sql_int(st, "PRAGMA foreign_keys"), 1);
    /* without the refusal the same file goes in whole */
    assert_int_equal(
        sqlite3_exec(st->db, "DROP TRIGGER refuse", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    size_t want[70];
    for (size_t i = 0; i < 70; i++) {
        want[i] = i;
    }
    assert_rows(st, want, 70);
    free(csv);
    cairn_store_close(st);
}

/* n rows, one for each new client K000, K001, ... */
static char *client_rows(size_t n)
{
    size_t cap = strlen(H9) + n * 64 + 1, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "%s", H9);
    for (size_t i = 0; i < n; i++) {
        len +=
            (size_t)snprintf(csv + len, cap - len,
                             "K%03zu,2023-01-02,phq9,1,0,1,0,1,0,1,0,0\n", i);
    }
    return csv;
}

/* The clients after the first `stored` are the file's K000.. (skipping
 * `skip`, or SIZE_MAX), ids in order, each of the import's batch and
 * time; `n` in all. */
static void assert_created(cairn_store *st, size_t stored, size_t skip,
                           size_t n)
{
    sqlite3_stmt *s = NULL;
    size_t k = 0, i = 0;
    char code[16];
    assert_int_equal(
        sqlite3_prepare_v2(st->db,
                           "SELECT c.id, c.code, c.created_at = b.entered_at"
                           " FROM client c JOIN batch b"
                           " ON b.id = c.created_batch"
                           " WHERE b.method = 'import' ORDER BY c.id",
                           -1, &s, NULL),
        SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        i += i == skip;
        snprintf(code, sizeof code, "K%03zu", i++);
        assert_true(k < n);
        assert_true(sqlite3_column_int64(s, 0) > (long long)stored);
        assert_string_equal((const char *)sqlite3_column_text(s, 1), code);
        assert_int_equal(sqlite3_column_int(s, 2), 1);
        k++;
    }
    sqlite3_finalize(s);
    assert_int_equal(k, n);
    assert_int_equal(
        sql_int(st, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
}

/* The clients an import creates go in 32 per INSERT too. */
static void test_import_client_groups(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 31, 32, 33, 64, 65, 100};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        cairn_store *st = store_with(two);
        cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
        cairn_import_result r;
        seen s;
        char *csv = client_rows(sizes[t]);
        o.create_clients = true;
        assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
        assert_int_equal(r.stored, sizes[t]);
        assert_int_equal(r.clients_created, sizes[t]);
        assert_created(st, 2, SIZE_MAX, sizes[t]);
        assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment a"
                                     " JOIN client c ON c.id = a.client_id"
                                     " WHERE c.code = 'K000'"),
                         1);
        free(csv);
        cairn_store_close(st);
    }
}

/* A client added by another connection while the import read: the
 * import's clients move up, the one it had is not created again. */
typedef struct meanwhile {
    cairn_store *other;
    int rc;
} meanwhile;

static void add_meanwhile(void *ctx)
{
    meanwhile *m = ctx;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_client c = {0};
    c.code = "X";
    m->rc = cairn_store_client_add(m->other, &c, NULL, &err);
    c.code = "K040";
    if (m->rc == CAIRN_OK) {
        m->rc = cairn_store_client_add(m->other, &c, NULL, &err);
    }
}

static void test_import_client_groups_after_others_wrote(void **state)
{
    (void)state;
    char dir[64], path[128];
    meanwhile m = {NULL, -1};
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_store_options so = CAIRN_STORE_OPTIONS_INIT;
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(path, sizeof path, "%s/t.db", dir);
    assert_int_equal(cairn_store_open(&m.other, path, &so, &err), CAIRN_OK);
    char *csv = client_rows(70);
    o.create_clients = true;
    o.on_lock = add_meanwhile;
    o.ctx = &m;
    /* not run(): its errors' context would be the hook's */
    assert_int_equal(cairn_import_parse(st, test_catalog(), csv, strlen(csv),
                                        "t.csv", &o, &r, &err),
                     CAIRN_OK);
    assert_int_equal(m.rc, CAIRN_OK);
    assert_int_equal(r.stored, 70);
    assert_int_equal(r.clients_created, 69);
    assert_created(st, 2, 40, 69);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM client"), 71);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment a"
                                 " JOIN client c ON c.id = a.client_id"
                                 " WHERE c.code = 'K040' AND c.id = 2"),
                     1);
    free(csv);
    cairn_store_close(m.other);
    test_store_done(st, dir);
}

/* A client refused by SQLite inside a full group rolls everything back. */
static void test_import_client_group_refused(void **state)
{
    (void)state;
    cairn_store *st = store_with(two);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    char *csv = client_rows(70);
    long long audit = sql_int(st, "SELECT count(*) FROM audit");
    o.create_clients = true;
    assert_int_equal(sqlite3_exec(st->db,
                                  "CREATE TEMP TRIGGER refuse BEFORE INSERT"
                                  " ON main.client WHEN NEW.code = 'K040'"
                                  " BEGIN SELECT RAISE(ABORT, 'refused'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment"), 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM client"), 2);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM batch"), 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), audit);
    assert_int_equal(sql_int(st, "PRAGMA foreign_keys"), 1);
    free(csv);
    cairn_store_close(st);
}

/* Where the CSV reader copies a field's plain bytes at once, it stops at
 * the same places the byte-by-byte reading does: 1,024 bytes are one
 * field, 1,025 too long; a quote inside an unquoted field is a byte of
 * it; a tab (not the delimiter here) is kept for the check that refuses
 * it; a record ends before CR LF. */
static void test_import_field_edges(void **state)
{
    (void)state;
    char x[1100];
    char csv[2400];
    static const struct {
        size_t x;
        const char *tail, *message;
    } cases[] = {
        {1024, "",
         "t.csv:2: instrument 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "...' is not known"},
        {1025, "", "t.csv:2: field 3 is longer than 1024 bytes"},
        {0, "ph\"q9", "t.csv:2: instrument 'ph\"q9' is not known"},
        {0, "phq9\t", "t.csv:2: field 3 holds a control byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_store *st = store_with(two);
        cairn_import_result r;
        seen s;
        memset(x, 'x', cases[i].x);
        x[cases[i].x] = '\0';
        snprintf(csv, sizeof csv,
                 H9 "C001,2024-01-05,%s%s,1,1,1,1,1,1,1,1,1\r\n", x,
                 cases[i].tail);
        assert_int_equal(run(st, csv, NULL, &r, &s), CAIRN_EINVAL);
        assert_string_equal(s.first, cases[i].message);
        cairn_store_close(st);
    }
}

/* n rows of clients P0000.. (four rows each); row `bad` (1-based, 0 for
 * none) answers item 3 with 9. */
static char *pipe_rows(size_t n, size_t bad)
{
    size_t cap = strlen(H9) + n * 64 + 1, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "%s", H9);
    for (size_t r = 1; r <= n; r++) {
        len += (size_t)snprintf(csv + len, cap - len,
                                "P%04zu,2024-%02zu-%02zu,phq9,%zu,1,%d,2,0,"
                                "%zu,3,1,0\n",
                                r / 4, 1 + r % 4, 1 + r % 28, r % 4,
                                r == bad ? 9 : (int)(r % 3), r % 2);
    }
    return csv;
}

/* The second thread (store_batch_pipe.c) scores, spills and digests rows in
 * buffers of 256 KiB; the first is handed over with row 1,946 of these
 * rows.  A bad row at the start, around that hand-over (the first row
 * after it is read while the rows before it are still being spilled and
 * digested) and at the end is the first and only message, with its line;
 * nothing is stored, and no thread is left. */
static void test_import_bad_row_behind_the_pipe(void **state)
{
    (void)state;
    const size_t n = 2600;
    size_t at[16], k = 0;
    at[k++] = 1;
    at[k++] = 1000;
    for (size_t r = 1942; r <= 1950; r++) {
        at[k++] = r;
    }
    at[k++] = 2400;
    at[k++] = n;
    size_t threads = test_thread_count();
    cairn_store *st = store_with(NULL);
    long long audit = sql_int(st, "SELECT count(*) FROM audit");
    for (size_t i = 0; i < k; i++) {
        cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
        cairn_import_result r;
        seen s;
        char want[96];
        char *csv = pipe_rows(n, at[i]);
        o.create_clients = true;
        snprintf(want, sizeof want,
                 "t.csv:%zu: item 3: code 9 is not one of 0, 1, 2, 3",
                 at[i] + 1);
        assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_EINVAL);
        assert_string_equal(s.first, want);
        assert_int_equal(s.n, 1);
        assert_int_equal(r.rows, n);
        assert_int_equal(r.stored, 0);
        assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment"), 0);
        assert_int_equal(sql_int(st, "SELECT count(*) FROM client"), 0);
        assert_int_equal(sql_int(st, "SELECT count(*) FROM batch"), 0);
        assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), audit);
        assert_int_equal(test_thread_count(), threads);
        free(csv);
    }
    cairn_store_close(st);
}

/* Many hand-overs and several digest chunks: a dry run stops the thread
 * midway and leaves nothing; the real run stores every row, and the audit
 * verifier, which digests the stored rows itself, agrees with the digest
 * the second thread made. */
static void test_import_through_the_pipe(void **state)
{
    (void)state;
    const size_t n = 9000;
    size_t threads = test_thread_count();
    cairn_store *st = store_with(NULL);
    cairn_import_options o = CAIRN_IMPORT_OPTIONS_INIT;
    cairn_import_result r;
    seen s;
    char *csv = pipe_rows(n, 0);
    o.create_clients = true;
    o.dry_run = true;
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, n);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment"), 0);
    assert_int_equal(test_thread_count(), threads);
    o.dry_run = false;
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.stored, n);
    assert_int_equal(r.clients_created, n / 4 + 1);
    assert_int_equal(s.n, 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM assessment"), n);
    assert_int_equal(test_thread_count(), threads);
    assert_int_equal(cairn_store_audit_verify(st, NULL, NULL), CAIRN_OK);
    /* the same rows again: all duplicates, nothing written */
    assert_int_equal(run(st, csv, &o, &r, &s), CAIRN_OK);
    assert_int_equal(r.duplicates, n);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM batch"), 1);
    free(csv);
    cairn_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_wide_and_duplicates),
        cmocka_unit_test(test_import_duplicates_past_set_growth),
        cmocka_unit_test(test_import_long_form),
        cmocka_unit_test(test_import_create_clients_and_dry_run),
        cmocka_unit_test(test_import_bad_rows),
        cmocka_unit_test(test_import_header_errors),
        cmocka_unit_test(test_import_skip_bad),
        cmocka_unit_test(test_import_spreadsheet_forms),
        cmocka_unit_test(test_import_group_boundaries),
        cmocka_unit_test(test_import_duplicates_inside_a_group),
        cmocka_unit_test(test_import_failure_mid_group_rolls_back),
        cmocka_unit_test(test_import_client_groups),
        cmocka_unit_test(test_import_client_groups_after_others_wrote),
        cmocka_unit_test(test_import_client_group_refused),
        cmocka_unit_test(test_import_field_edges),
        cmocka_unit_test(test_import_bad_row_behind_the_pipe),
        cmocka_unit_test(test_import_through_the_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
