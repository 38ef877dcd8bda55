/*
 * bare_insert.c - the floor for `make bench`: a bare loop of prepared
 * inserts of exactly the rows `cairn import` wrote (read back from its
 * database beforehand), into a fresh database with Cairn's schema and
 * connection settings, in one transaction.  No parsing, checking,
 * scoring, duplicate detection or audit: what SQLite alone needs.  One
 * single-row prepared INSERT per row (ids implied for assessments),
 * foreign keys on, synchronous FULL in WAL mode, as Cairn's connection.
 *
 * usage: bare_insert SOURCE.db TARGET.db    prints the seconds taken
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/store.h"

typedef struct row {
    sqlite3_int64 v[4]; /* the integer columns */
    char *text[6];
} row;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (t == NULL) {
        return NULL;
    }
    size_t n = strlen((const char *)t) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        exit(1);
    }
    memcpy(p, t, n);
    return p;
}

/* Read `sql`'s rows (ints in the first `ni` columns, then texts). */
static row *load(sqlite3 *db, const char *sql, int ni, int nt, size_t *n)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 1024;
    row *rows = malloc(cap * sizeof *rows);
    *n = 0;
    if (rows == NULL ||
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "bare_insert: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (*n == cap) {
            cap *= 2;
            rows = realloc(rows, cap * sizeof *rows);
            if (rows == NULL) {
                exit(1);
            }
        }
        row *r = &rows[(*n)++];
        for (int i = 0; i < ni; i++) {
            r->v[i] = sqlite3_column_int64(s, i);
        }
        for (int i = 0; i < nt; i++) {
            r->text[i] = dup_col(s, ni + i);
        }
    }
    sqlite3_finalize(s);
    return rows;
}

static void exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bare_insert: %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t == NULL) {
        sqlite3_bind_null(s, i);
    } else {
        sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
    }
}

static void step(sqlite3 *db, sqlite3_stmt *s)
{
    if (sqlite3_step(s) != SQLITE_DONE) {
        fprintf(stderr, "bare_insert: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_reset(s);
}

typedef struct loaded {
    row *b, *d, *c, *a;
    size_t nb, nd, nc, na;
} loaded;

/* The measured part: open, insert every row, commit.  Not static, so
 * callgrind can count it alone (--toggle-collect=insert_all). */
void insert_all(const char *target, const loaded *l);

void insert_all(const char *target, const loaded *l)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins_c = NULL, *ins_a = NULL;
    const row *b = l->b, *d = l->d, *c = l->c, *a = l->a;
    sqlite3_open_v2(target, &db, SQLITE_OPEN_READWRITE, NULL);
    exec(db, "PRAGMA foreign_keys = ON");
    exec(db, "PRAGMA cache_size = -65536");
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db, "PRAGMA synchronous = FULL");
    exec(db, "BEGIN IMMEDIATE");
    for (size_t i = 0; i < l->nb; i++) {
        sqlite3_stmt *s = NULL;
        sqlite3_prepare_v2(db,
                           "INSERT INTO batch (id, assessments,"
                           " first_id, last_id, method, action, source,"
                           " entered_by, entered_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL);
        for (int k = 0; k < 4; k++) {
            sqlite3_bind_int64(s, k + 1, b[i].v[k]);
        }
        for (int k = 0; k < 5; k++) {
            bind_text(s, k + 5, b[i].text[k]);
        }
        step(db, s);
        sqlite3_finalize(s);
    }
    for (size_t i = 0; i < l->nd; i++) {
        sqlite3_stmt *s = NULL;
        sqlite3_prepare_v2(db,
                           "INSERT INTO definition (id, n_items,"
                           " fingerprint, instrument, version, scales,"
                           " rules) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL);
        sqlite3_bind_int64(s, 1, d[i].v[0]);
        sqlite3_bind_int64(s, 2, d[i].v[1]);
        for (int k = 0; k < 5; k++) {
            bind_text(s, k + 3, d[i].text[k]);
        }
        step(db, s);
        sqlite3_finalize(s);
    }
    sqlite3_prepare_v2(db,
                       "INSERT INTO client (id, created_batch, code,"
                       " created_at) VALUES (?, ?, ?, ?)",
                       -1, &ins_c, NULL);
    for (size_t i = 0; i < l->nc; i++) {
        sqlite3_bind_int64(ins_c, 1, c[i].v[0]);
        sqlite3_bind_int64(ins_c, 2, c[i].v[1]);
        bind_text(ins_c, 3, c[i].text[0]);
        bind_text(ins_c, 4, c[i].text[1]);
        step(db, ins_c);
    }
    sqlite3_prepare_v2(db,
                       "INSERT INTO assessment (client_id, definition_id,"
                       " instrument, administered_at, responses, scores,"
                       " flags, rules) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &ins_a, NULL);
    for (size_t i = 0; i < l->na; i++) {
        for (int k = 0; k < 2; k++) {
            sqlite3_bind_int64(ins_a, k + 1, a[i].v[k]);
        }
        for (int k = 0; k < 6; k++) {
            bind_text(ins_a, k + 3, a[i].text[k]);
        }
        step(db, ins_a);
    }
    sqlite3_finalize(ins_c);
    sqlite3_finalize(ins_a);
    exec(db, "COMMIT");
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    sqlite3 *src = NULL;
    loaded l;
    if (argc != 3) {
        fprintf(stderr, "usage: bare_insert SOURCE.db TARGET.db\n");
        return 2;
    }
    /* the schema, made by Cairn itself */
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    if (cairn_store_open(&st, argv[2], &o, &err) < 0) {
        fprintf(stderr, "bare_insert: %s\n", err.message);
        return 1;
    }
    cairn_store_close(st);
    sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL);
    l.b = load(src,
               "SELECT id, assessments, first_id, last_id, method,"
               " action, source, entered_by, entered_at FROM batch",
               4, 5, &l.nb);
    l.d = load(src,
               "SELECT id, n_items, fingerprint, instrument,"
               " version, scales, rules FROM definition",
               2, 5, &l.nd);
    l.c = load(src,
               "SELECT id, created_batch, code, created_at"
               " FROM client",
               2, 2, &l.nc);
    l.a = load(src,
               "SELECT client_id, definition_id, instrument,"
               " administered_at, responses, scores, flags, rules"
               " FROM assessment ORDER BY id",
               2, 6, &l.na);
    sqlite3_close(src);

    double t0 = now();
    insert_all(argv[2], &l);
    double t1 = now();
    printf("%.3f\n", t1 - t0);
    fprintf(stderr, "bare_insert: %zu clients, %zu assessments\n", l.nc, l.na);
    return 0;
}
