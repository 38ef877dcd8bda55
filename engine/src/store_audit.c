/*
 * store_audit.c - the append-only audit log and its verification.
 *
 * Entry n's hash is HMAC-SHA-256 under a key derived from the audit key
 * (a secret kept outside the database, see store_auditkey.c) of (hash of
 * entry n-1 || canonical entry n), the first entry chaining to 64 zeros;
 * files of schema 1 and 2 used plain SHA-256 until their migration
 * re-chains them.  The canonical form length-prefixes every field so no
 * text can forge a boundary.  Entries about single rows
 * (clients, events, episodes) keep the row's canonical JSON as `after`;
 * entries about a batch of assessments keep a digest of its rows.
 * Verification recomputes both, so a row or entry changed or removed with
 * another tool is found even when the guarding triggers were dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

static void canon_field(cairn__buf *b, const char *s)
{
    if (s == NULL) {
        cairn__buf_putc(b, '~');
    } else {
        size_t n = strlen(s);
        cairn__buf_int(b, (long long)n);
        cairn__buf_putc(b, ':');
        cairn__buf_put(b, s, n);
    }
    cairn__buf_putc(b, '|');
}

/* hash = MAC(prev || seq|at|who|action|target|before|after|) */
int cairn__audit_entry_hash(const cairn_store *st, bool keyed, int64_t seq,
                            const char *const f[6], const char *prev,
                            char out[CAIRN__SHA256_HEX + 1], cairn_error *err)
{
    cairn__buf b = CAIRN__BUF_INIT;
    uint8_t mac[32];
    cairn__buf_puts(&b, prev);
    cairn__buf_int(&b, seq);
    cairn__buf_putc(&b, '|');
    for (int i = 0; i < 6; i++) {
        canon_field(&b, f[i]);
    }
    int rc = CAIRN_OK;
    if (b.oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    } else if (!keyed) {
        rc = cairn__crypto_sha256_hex(b.p, b.len, out, err);
    } else {
        rc = cairn__crypto_hmac_sha256(st->chain_key, b.p, b.len, mac, err);
        if (rc == CAIRN_OK) {
            cairn__crypto_hex(out, mac, sizeof mac);
        }
    }
    cairn__buf_free(&b);
    return rc;
}

static int entry_hash(const cairn_store *st, int64_t seq,
                      const char *const f[6], const char *prev,
                      char out[CAIRN__SHA256_HEX + 1], cairn_error *err)
{
    return cairn__audit_entry_hash(st, st->keyed, seq, f, prev, out, err);
}

int cairn__audit_append(cairn_store *st, const char *action, const char *target,
                        const char *before, const char *after, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[CAIRN__SHA256_HEX + 1], hash[CAIRN__SHA256_HEX + 1];
    char now[CAIRN__DATE_MAX];
    int64_t seq = 1;
    int rc = cairn__audit_need_key(st, "change the database", err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_prep(st, ST_AUDIT_LAST,
                           "SELECT seq, hash FROM audit "
                           "ORDER BY seq DESC LIMIT 1",
                           &s, err);
    if (rc < 0) {
        return rc;
    }
    memset(prev, '0', CAIRN__SHA256_HEX);
    prev[CAIRN__SHA256_HEX] = '\0';
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", cairn__store_col_text(s, 1));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_reset(s);
    if (rc < 0) {
        return rc;
    }
    cairn__store_now(now);
    const char *f[6] = {now, st->actor, action, target, before, after};
    rc = entry_hash(st, seq, f, prev, hash, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_prep(st, ST_AUDIT_INSERT,
                               "INSERT INTO audit (seq, at, who, action,"
                               " target, before, after, prev_hash, hash)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               &s, err);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    for (int i = 0; i < 6; i++) {
        cairn__store_bind_text(s, i + 2, f[i]);
    }
    sqlite3_bind_text(s, 8, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Listing                                                             */

int cairn_store_audit_list(cairn_audit_list **out, cairn_store *st,
                           size_t limit, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    bool oom = false;
    int rc = CAIRN_OK;
    *out = NULL;
    cairn_audit_list *list = calloc(1, sizeof *list);
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT * FROM (SELECT seq, at, who, action, "
                           "target, before, after, hash FROM audit "
                           "ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    sqlite3_bind_int64(s, 1, limit == 0 ? -1 : (sqlite3_int64)limit);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (list->n == cap) {
            cap = cap ? cap * 2 : 32;
            cairn_audit_entry *p = realloc(list->items, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                goto out;
            }
            list->items = p;
        }
        cairn_audit_entry *e = &list->items[list->n++];
        e->seq = sqlite3_column_int64(s, 0);
        e->at = cairn__store_col_dup(s, 1, &oom);
        e->who = cairn__store_col_dup(s, 2, &oom);
        e->action = cairn__store_col_dup(s, 3, &oom);
        e->target = cairn__store_col_dup(s, 4, &oom);
        e->before = cairn__store_col_dup(s, 5, &oom);
        e->after = cairn__store_col_dup(s, 6, &oom);
        e->hash = cairn__store_col_dup(s, 7, &oom);
    }
    if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    } else if (oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_audit_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}

void cairn_store_audit_list_free(cairn_audit_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        cairn_audit_entry *e = &list->items[i];
        free((void *)e->at);
        free((void *)e->who);
        free((void *)e->action);
        free((void *)e->target);
        free((void *)e->before);
        free((void *)e->after);
        free((void *)e->hash);
    }
    free(list->items);
    free(list);
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */

static int prepare(cairn_store *st, const char *sql, sqlite3_stmt **s,
                   cairn_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    return CAIRN_OK;
}

static int verify_chain(cairn_store *st, cairn_audit_report *rep,
                        cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[CAIRN__SHA256_HEX + 1], hash[CAIRN__SHA256_HEX + 1];
    int64_t want = 1;
    int rc = prepare(st,
                     "SELECT seq, at, who, action, target, before, after,"
                     " prev_hash, hash FROM audit ORDER BY seq",
                     &s, err);
    memset(prev, '0', CAIRN__SHA256_HEX);
    prev[CAIRN__SHA256_HEX] = '\0';
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *f[6];
        for (int i = 0; i < 6; i++) {
            f[i] = cairn__store_col_text(s, i + 1);
        }
        const char *stored_prev = cairn__store_col_text(s, 7);
        const char *stored = cairn__store_col_text(s, 8);
        if (seq != want) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "audit entry %lld is missing: the log "
                                 "jumps from %lld to %lld",
                                 (long long)want, (long long)want - 1,
                                 (long long)seq);
            break;
        }
        rc = entry_hash(st, seq, f, prev, hash, err);
        if (rc == CAIRN_OK &&
            (stored_prev == NULL || strcmp(stored_prev, prev) != 0)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "audit entry %lld does not link to entry "
                                 "%lld: the log was altered",
                                 (long long)seq, (long long)seq - 1);
        }
        if (rc == CAIRN_OK && (stored == NULL || strcmp(stored, hash) != 0)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "audit entry %lld does not match its hash: "
                                 "it was changed after it was written",
                                 (long long)seq);
        }
        memcpy(prev, hash, sizeof prev);
        want++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    rep->entries = (size_t)(want - 1);
    memcpy(rep->head, prev, sizeof rep->head);
    return rc;
}

/* What the audit log says about one batch. */
typedef struct batch_expect {
    int64_t id;
    int64_t first_id, last_id;
    char digest[CAIRN__SHA256_HEX + 1];
    char clients_digest[CAIRN__SHA256_HEX + 1];
    int64_t assessments;
    int64_t clients;
    bool seen_assessments;
    bool seen_clients;
} batch_expect;

typedef struct batch_table {
    size_t n;
    batch_expect *items;
} batch_table;

static batch_expect *find_batch(batch_table *t, int64_t id)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->items[mid].id == id) {
            return &t->items[mid];
        }
        if (t->items[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static void copy_hex(char out[CAIRN__SHA256_HEX + 1], const char *s)
{
    snprintf(out, CAIRN__SHA256_HEX + 1, "%s", s ? s : "");
}

/* Match the batch table with the batch entries of the log, one to one. */
static int load_batches(cairn_store *st, batch_table *t, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rc =
        prepare(st,
                "SELECT b.id, a.seq, json_extract(a.after, '$.digest'),"
                " json_extract(a.after, '$.assessments'),"
                " json_extract(a.after, '$.clients_digest'),"
                " json_extract(a.after, '$.clients_created'),"
                " json_extract(a.after, '$.method') IS b.method"
                " AND json_extract(a.after, '$.source') IS b.source"
                " AND json_extract(a.after, '$.assessments') IS b.assessments"
                " AND (b.assessments = 0 OR"
                "  (json_extract(a.after, '$.first_id') IS b.first_id"
                "   AND json_extract(a.after, '$.last_id') IS b.last_id"
                "   AND b.last_id - b.first_id + 1 = b.assessments))"
                " AND a.who IS b.entered_by AND a.action IS b.action"
                " AND json_extract(a.after, '$.at') IS b.entered_at"
                ", b.first_id, b.last_id"
                " FROM batch b LEFT JOIN audit a ON a.target = 'batch:' || b.id"
                " ORDER BY b.id",
                &s, err);
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (sqlite3_column_type(s, 1) == SQLITE_NULL) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "batch %lld has no audit entry: it was "
                                 "written behind Cairn's back",
                                 (long long)id);
            break;
        }
        if (!sqlite3_column_int(s, 6)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "batch %lld differs from its audit entry "
                                 "%lld",
                                 (long long)id,
                                 (long long)sqlite3_column_int64(s, 1));
            break;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            batch_expect *p = realloc(t->items, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            t->items = p;
        }
        batch_expect *b = &t->items[t->n++];
        memset(b, 0, sizeof *b);
        b->id = id;
        copy_hex(b->digest, cairn__store_col_text(s, 2));
        b->assessments = sqlite3_column_int64(s, 3);
        copy_hex(b->clients_digest, cairn__store_col_text(s, 4));
        b->clients = sqlite3_column_int64(s, 5);
        b->first_id = sqlite3_column_int64(s, 7);
        b->last_id = sqlite3_column_int64(s, 8);
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* An entry naming a batch, client, event or episode that is gone. */
static int verify_targets(cairn_store *st, cairn_error *err)
{
    static const char *const sql =
        "SELECT a.seq, a.target FROM audit a WHERE"
        " (a.target LIKE 'batch:%' AND NOT EXISTS (SELECT 1 FROM batch"
        "  WHERE id = CAST(substr(a.target, 7) AS INTEGER)))"
        " OR (a.target LIKE 'client:%' AND NOT EXISTS (SELECT 1 FROM client"
        "  WHERE id = CAST(substr(a.target, 8) AS INTEGER)))"
        " OR (a.target LIKE 'event:%' AND NOT EXISTS (SELECT 1 FROM event"
        "  WHERE id = CAST(substr(a.target, 7) AS INTEGER)))"
        " OR (a.target LIKE 'episode:%' AND NOT EXISTS (SELECT 1 FROM"
        "  episode WHERE id = CAST(substr(a.target, 9) AS INTEGER)))"
        " OR (a.target LIKE 'alert:%' AND NOT EXISTS (SELECT 1 FROM"
        "  alert_action WHERE id = CAST(substr(a.target, 7) AS INTEGER)))"
        " OR (a.target LIKE 'account:%' AND NOT EXISTS (SELECT 1 FROM"
        "  account WHERE id = CAST(substr(a.target, 9) AS INTEGER)))"
        " OR (a.target LIKE 'link:%' AND NOT EXISTS (SELECT 1 FROM"
        "  link WHERE id = CAST(substr(a.target, 6) AS INTEGER))"
        /* a link pruned after its expiry is gone, by a later entry */
        "  AND NOT EXISTS (SELECT 1 FROM audit p,"
        "  json_each(p.after, '$.link_ids') j WHERE p.action ="
        "  'store.prune' AND p.seq > a.seq AND"
        "  j.value = CAST(substr(a.target, 6) AS INTEGER)))"
        " OR (a.target LIKE 'setting:%' AND NOT EXISTS (SELECT 1 FROM"
        "  setting_change WHERE id = CAST(substr(a.target, 9) AS INTEGER)))"
        " OR (a.target LIKE 'assessment:%' AND NOT EXISTS (SELECT 1 FROM"
        "  assessment WHERE id = CAST(substr(a.target, 12) AS INTEGER)))"
        " OR (a.target LIKE 'release:%' AND NOT EXISTS (SELECT 1 FROM"
        "  release_log WHERE id = CAST(substr(a.target, 9) AS INTEGER)))"
        " OR (a.target LIKE 'definition:%' AND NOT EXISTS (SELECT 1 FROM"
        "  definition WHERE id = CAST(substr(a.target, 12) AS INTEGER)))"
        " ORDER BY a.seq LIMIT 1";
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, sql, &s, err);
    if (rc < 0) {
        return rc;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        rc = cairn_error_set(
            err, CAIRN_EINVAL, "%s named by audit entry %lld was removed",
            cairn__store_col_text(s, 1), (long long)sqlite3_column_int64(s, 0));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Finish the digest of batch `b` and compare it. */
static int close_batch(batch_table *t, int64_t id, cairn__digest *d,
                       bool clients, cairn_error *err)
{
    int rc = cairn__digest_final(d, err);
    batch_expect *b = find_batch(t, id);
    if (rc < 0) {
        return rc;
    }
    const char *what = clients ? "clients" : "assessments";
    if (b == NULL || (clients ? b->seen_clients : b->seen_assessments)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s of batch %lld are not where its audit "
                               "entry put them",
                               what, (long long)id);
    }
    if (clients) {
        b->seen_clients = true;
    } else {
        b->seen_assessments = true;
    }
    int64_t want = clients ? b->clients : b->assessments;
    const char *hex = clients ? b->clients_digest : b->digest;
    if ((int64_t)d->rows != want || strcmp(hex, d->hex) != 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the %s of batch %lld differ from what the "
                               "audit log recorded (%lld rows recorded, "
                               "%zu found)",
                               what, (long long)id, (long long)want, d->rows);
    }
    return CAIRN_OK;
}

/* The next batch (from *k on) that wrote assessments, or NULL. */
static batch_expect *next_range(batch_table *t, size_t *k)
{
    while (*k < t->n && t->items[*k].assessments == 0) {
        (*k)++;
    }
    return *k < t->n ? &t->items[(*k)++] : NULL;
}

static int verify_assessments(cairn_store *st, batch_table *t,
                              cairn_audit_report *rep, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn__digest d;
    cairn__buf line = CAIRN__BUF_INIT;
    size_t k = 0;
    batch_expect *cur = next_range(t, &k);
    int rc = prepare(st,
                     "SELECT id, client_id, definition_id, supersedes,"
                     " instrument, administered_at, responses, scores,"
                     " flags, rules, reason FROM assessment ORDER BY id",
                     &s, err);
    cairn__digest_init(&d);
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        cairn__assess_fields f;
        f.id = sqlite3_column_int64(s, 0);
        f.client_id = sqlite3_column_int64(s, 1);
        f.definition_id = sqlite3_column_int64(s, 2);
        f.supersedes = sqlite3_column_int64(s, 3);
        f.instrument = cairn__store_col_text(s, 4);
        f.administered_at = cairn__store_col_text(s, 5);
        f.responses = cairn__store_col_text(s, 6);
        f.scores = cairn__store_col_text(s, 7);
        f.flags = cairn__store_col_text(s, 8);
        f.rules = cairn__store_col_text(s, 9);
        f.reason = cairn__store_col_text(s, 10);
        while (rc == CAIRN_OK && cur != NULL && f.id > cur->last_id) {
            rc = close_batch(t, cur->id, &d, false, err);
            cairn__digest_init(&d);
            cur = next_range(t, &k);
        }
        if (rc == CAIRN_OK && (cur == NULL || f.id < cur->first_id)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "assessment %lld belongs to no audited "
                                 "batch: it was added behind Cairn's back",
                                 (long long)f.id);
        }
        line.len = 0;
        cairn__assess_digest_line(&line, &f);
        if (rc == CAIRN_OK) {
            rc = cairn__digest_add(&d, line.p, line.len, err);
        }
        rep->assessments++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    while (rc == CAIRN_OK && cur != NULL) {
        rc = close_batch(t, cur->id, &d, false, err);
        cairn__digest_init(&d);
        cur = next_range(t, &k);
    }
    cairn__digest_free(&d);
    cairn__buf_free(&line);
    sqlite3_finalize(s);
    return rc;
}

/* Clients created by imports: their codes against the batch digests. */
static int verify_created_clients(cairn_store *st, batch_table *t,
                                  cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn__digest d;
    cairn__buf line = CAIRN__BUF_INIT;
    int64_t batch = 0;
    int rc = prepare(st,
                     "SELECT id, code, created_batch FROM client"
                     " WHERE created_batch IS NOT NULL ORDER BY id",
                     &s, err);
    cairn__digest_init(&d);
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(s, 2);
        if (b != batch) {
            if (batch != 0) {
                rc = close_batch(t, batch, &d, true, err);
                cairn__digest_init(&d);
            }
            batch = b;
        }
        line.len = 0;
        cairn__client_digest_line(&line, sqlite3_column_int64(s, 0),
                                  cairn__store_col_text(s, 1));
        if (rc == CAIRN_OK) {
            rc = cairn__digest_add(&d, line.p, line.len, err);
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK && batch != 0) {
        rc = close_batch(t, batch, &d, true, err);
    }
    cairn__digest_free(&d);
    cairn__buf_free(&line);
    sqlite3_finalize(s);
    for (size_t i = 0; rc == CAIRN_OK && i < t->n; i++) {
        if (t->items[i].clients > 0 && !t->items[i].seen_clients) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "the clients created by batch %lld were "
                                 "removed",
                                 (long long)t->items[i].id);
        }
    }
    return rc;
}

typedef int (*state_fn)(cairn_store *, int64_t, cairn__buf *, cairn_error *);

/*
 * Every row of `table` equals the `after` of its last audit entry; rows
 * without one are allowed only for clients an import created, which must
 * still hold nothing but their code.
 */
static int verify_states(cairn_store *st, const char *kind, const char *table,
                         state_fn fn, size_t *count, cairn_error *err)
{
    char sql[512];
    sqlite3_stmt *s = NULL;
    cairn__buf now = CAIRN__BUF_INIT;
    bool client = strcmp(kind, "client") == 0;
    snprintf(sql, sizeof sql,
             "SELECT t.id, (SELECT a.after FROM audit a WHERE a.target = "
             "'%s:' || t.id ORDER BY a.seq DESC LIMIT 1), %s FROM %s t "
             "ORDER BY t.id",
             kind,
             client ? "t.created_batch IS NOT NULL AND t.name IS NULL AND"
                      " t.birth_year IS NULL AND t.clinician IS NULL AND"
                      " t.notes IS NULL AND t.loss_date IS NULL AND"
                      " t.gestation_weeks IS NULL AND t.loss_kind IS NULL"
                      " AND t.partner_id IS NULL AND t.external_id IS NULL"
                    : "0",
             table);
    int rc = prepare(st, sql, &s, err);
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        const char *after = cairn__store_col_text(s, 1);
        (*count)++;
        if (after == NULL) {
            if (!sqlite3_column_int(s, 2)) {
                rc = cairn_error_set(err, CAIRN_EINVAL,
                                     "%s %lld differs from its audit "
                                     "record or has none: it was changed "
                                     "behind Cairn's back",
                                     kind, (long long)id);
            }
            continue;
        }
        rc = fn(st, id, &now, err);
        if (rc == CAIRN_OK && strcmp(now.p, after) != 0) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "%s %lld differs from its last audited "
                                 "state: it was changed behind Cairn's back",
                                 kind, (long long)id);
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    cairn__buf_free(&now);
    return rc;
}

/* Supersession pointers both ways, and voids against their entries. */
static int verify_versions(cairn_store *st, cairn_error *err)
{
    static const char *const checks[] = {
        "SELECT n.supersedes FROM assessment n JOIN assessment o"
        " ON o.id = n.supersedes WHERE o.superseded_by IS NOT n.id LIMIT 1",
        "SELECT o.id FROM assessment o WHERE o.superseded_by IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM assessment n WHERE"
        " n.id = o.superseded_by AND n.supersedes = o.id) LIMIT 1",
        "SELECT a.id FROM assessment a WHERE a.voided_at IS NOT NULL AND"
        " NOT EXISTS (SELECT 1 FROM audit u WHERE"
        " u.target = 'assessment:' || a.id AND u.action = 'assessment.void'"
        " AND json_extract(u.after, '$.voided_at') IS a.voided_at"
        " AND json_extract(u.after, '$.reason') IS a.void_reason) LIMIT 1",
        "SELECT CAST(substr(u.target, 12) AS INTEGER) FROM audit u"
        " WHERE u.action = 'assessment.void' AND NOT EXISTS (SELECT 1 FROM"
        " assessment a WHERE a.id = CAST(substr(u.target, 12) AS INTEGER)"
        " AND a.voided_at IS NOT NULL) LIMIT 1",
    };
    static const char *const what[] = {
        "is no longer marked as superseded",
        "is marked superseded by a version that does not correct it",
        "was voided behind Cairn's back",
        "is no longer marked void",
    };
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < 4; i++) {
        sqlite3_stmt *s = NULL;
        rc = prepare(st, checks[i], &s, err);
        if (rc < 0) {
            break;
        }
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            rc =
                cairn_error_set(err, CAIRN_EINVAL, "assessment %lld %s",
                                (long long)sqlite3_column_int64(s, 0), what[i]);
        } else if (step != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
        sqlite3_finalize(s);
    }
    return rc;
}

/*
 * The tables verification covers; any other is refused, so a table added
 * without audit coverage (or by another tool) cannot hide data.
 */
static int verify_tables(cairn_store *st, cairn_error *err)
{
    static const char *const sql =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN"
        " ('batch', 'client', 'episode', 'definition', 'assessment',"
        " 'event', 'audit', 'alert_action', 'setting_change',"
        " 'release_log', 'account', 'link',"
        /* not clinical data: login sessions (hashes, expire, pruned),
         * the change counter (moved by triggers, checked below), and the
         * growth-model cache (derived, each row MACed, checked below) */
        " 'session', 'store_change', 'model_cache')"
        " AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name LIMIT 1";
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, sql, &s, err);
    if (rc < 0) {
        return rc;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "table '%.64s' is not covered by the audit "
                             "log: it was added behind Cairn's back",
                             cairn__store_col_text(s, 0));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* A keyed log starts at entry 1, which init writes: never empty. */
static int verify_not_empty(cairn_store *st, const cairn_audit_report *r,
                            cairn_error *err)
{
    if (!st->keyed || r->entries > 0) {
        return CAIRN_OK;
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "the audit log is empty, but every Cairn "
                           "database starts with an entry: it was emptied");
}

int cairn_store_audit_verify(cairn_store *st, cairn_audit_report *rep,
                             cairn_error *err)
{
    cairn_audit_report local;
    batch_table batches = {0, NULL};
    cairn_audit_report *r = rep != NULL ? rep : &local;
    memset(r, 0, sizeof *r);
    r->keyed = st->keyed;
    int rc = cairn__audit_need_key(st, "verify the audit log", err);
    if (rc < 0) {
        return rc;
    }
    /* one read transaction: a consistent snapshot */
    rc = cairn__store_exec(st, "BEGIN", err);
    if (rc < 0) {
        return rc;
    }
    rc = verify_chain(st, r, err);
    if (rc == CAIRN_OK) {
        rc = verify_not_empty(st, r, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_tables(st, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_targets(st, err);
    }
    if (rc == CAIRN_OK) {
        rc = load_batches(st, &batches, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_assessments(st, &batches, r, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_created_clients(st, &batches, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "client", "client", cairn__client_state,
                           &r->clients, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "event", "event", cairn__event_state, &r->events,
                           err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "episode", "episode", cairn__episode_state,
                           &r->events, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "alert", "alert_action", cairn__alert_state,
                           &r->events, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "definition", "definition",
                           cairn__definition_state, &r->definitions, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "account", "account", cairn__account_state,
                           &r->events, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "link", "link", cairn__link_state, &r->events,
                           err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "setting", "setting_change",
                           cairn__setting_state, &r->events, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_states(st, "release", "release_log", cairn__release_state,
                           &r->events, err);
    }
    if (rc == CAIRN_OK) {
        rc = verify_versions(st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_counter_check(st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_model_cache_verify(st, err);
    }
    free(batches.items);
    cairn__store_rollback(st);
    return rc;
}
