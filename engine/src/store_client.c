/*
 * store_client.c - clients, couples, episodes of care and timeline events.
 *
 * Every change runs in one transaction with its audit entry, whose
 * `after` is the row's canonical JSON (cairn__client_state and friends),
 * so verification can compare the row with what was last recorded.
 * Clients and events are never deleted (triggers guard it too).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

static const char *const loss_names[CAIRN_LOSS_KIND_COUNT] = {
    [CAIRN_LOSS_UNKNOWN] = "unknown",
    [CAIRN_LOSS_MISCARRIAGE] = "miscarriage",
    [CAIRN_LOSS_STILLBIRTH] = "stillbirth",
    [CAIRN_LOSS_NEONATAL_DEATH] = "neonatal_death",
    [CAIRN_LOSS_TFMR] = "tfmr",
    [CAIRN_LOSS_OTHER] = "other",
};

static const char *const event_names[CAIRN_EVENT_KIND_COUNT] = {
    [CAIRN_EVENT_INTERVENTION_START] = "intervention_start",
    [CAIRN_EVENT_INTERVENTION_CHANGE] = "intervention_change",
    [CAIRN_EVENT_SESSION] = "session",
    [CAIRN_EVENT_DUE_DATE] = "due_date",
    [CAIRN_EVENT_ANNIVERSARY] = "anniversary",
    [CAIRN_EVENT_PREGNANCY] = "pregnancy",
    [CAIRN_EVENT_LIFE_EVENT] = "life_event",
    [CAIRN_EVENT_OTHER] = "other",
};

const char *cairn_loss_kind_name(cairn_loss_kind kind)
{
    if ((int)kind < 0 || kind >= CAIRN_LOSS_KIND_COUNT) {
        return "unknown";
    }
    return loss_names[kind];
}

int cairn_loss_kind_parse(cairn_loss_kind *out, const char *name,
                          cairn_error *err)
{
    for (int i = 0; i < CAIRN_LOSS_KIND_COUNT; i++) {
        if (strcmp(name, loss_names[i]) == 0) {
            *out = (cairn_loss_kind)i;
            return CAIRN_OK;
        }
    }
    if (strcmp(name, "termination") == 0) {
        *out = CAIRN_LOSS_TFMR;
        return CAIRN_OK;
    }
    if (strcmp(name, "neonatal") == 0) {
        *out = CAIRN_LOSS_NEONATAL_DEATH;
        return CAIRN_OK;
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "loss kind '%s' is not one of miscarriage, "
                           "stillbirth, neonatal_death, tfmr, other",
                           name);
}

const char *cairn_event_kind_name(cairn_event_kind kind)
{
    if ((int)kind < 0 || kind >= CAIRN_EVENT_KIND_COUNT) {
        return "other";
    }
    return event_names[kind];
}

int cairn_event_kind_parse(cairn_event_kind *out, const char *name,
                           cairn_error *err)
{
    for (int i = 0; i < CAIRN_EVENT_KIND_COUNT; i++) {
        if (strcmp(name, event_names[i]) == 0) {
            *out = (cairn_event_kind)i;
            return CAIRN_OK;
        }
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "event kind '%s' is not one of "
                           "intervention_start, intervention_change, "
                           "session, due_date, anniversary, pregnancy, "
                           "life_event, other",
                           name);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int check_text(const char *what, const char *s, size_t max,
                      bool multiline, cairn_error *err)
{
    if (s == NULL) {
        return CAIRN_OK;
    }
    size_t n = strlen(s);
    if (n > max) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s is longer than %zu bytes",
                               what, max);
    }
    if (!cairn__store_text_is_clean(s, n, multiline)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s holds a control byte or is not UTF-8", what);
    }
    return CAIRN_OK;
}

static int check_code(const char *code, cairn_error *err)
{
    if (code == NULL || !cairn__store_code_is_valid(code, strlen(code))) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "client code '%.64s' is not valid: use 1-64 "
                               "letters, digits, '.', '_', '-' or '/'",
                               code ? code : "");
    }
    return CAIRN_OK;
}

static int check_date(const char *what, const char *s, bool allow_future,
                      char out[CAIRN__DATE_MAX], cairn_error *err)
{
    int r = cairn__store_date_normalize(out, s, strlen(s), true, allow_future);
    if (r == CAIRN__DATE_BAD) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s '%.40s' is not a date (YYYY-MM-DD)", what,
                               s);
    }
    if (r == CAIRN__DATE_FUTURE) {
        return cairn_error_set(err, CAIRN_EINVAL, "%s %.40s is in the future",
                               what, s);
    }
    return CAIRN_OK;
}

/* "SYSTEM|VALUE": a system without '|' or spaces, a value, one line. */
static int check_external_id(const char *x, cairn_error *err)
{
    if (x == NULL) {
        return CAIRN_OK;
    }
    size_t n = strlen(x);
    const char *bar = strchr(x, '|');
    bool ok = n <= 300 && bar != NULL && bar != x && bar[1] != '\0' &&
              strchr(bar + 1, '|') == NULL &&
              cairn__store_text_is_clean(x, n, false);
    for (const char *p = x; ok && p < bar; p++) {
        ok = *p != ' ';
    }
    if (!ok) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "external id '%.80s' is not SYSTEM|VALUE "
                               "(e.g. urn:oid:1.2.3|12345, at most 300 "
                               "bytes)",
                               x);
    }
    return CAIRN_OK;
}

static int check_client(const cairn_client *c, char loss[CAIRN__DATE_MAX],
                        cairn_error *err)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int year = tm.tm_year + 1900;
    int rc = check_code(c->code, err);
    if (rc == CAIRN_OK) {
        rc = check_text("name", c->name, 200, false, err);
    }
    if (rc == CAIRN_OK) {
        rc = check_text("clinician", c->clinician, 200, false, err);
    }
    if (rc == CAIRN_OK) {
        rc = check_text("notes", c->notes, 4000, true, err);
    }
    if (rc == CAIRN_OK && c->birth_year != 0 &&
        (c->birth_year < 1900 || c->birth_year > year)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "birth year %d is outside 1900..%d", c->birth_year,
                             year);
    }
    if (rc == CAIRN_OK && c->gestation_weeks != 0 &&
        (c->gestation_weeks < 1 || c->gestation_weeks > 45)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "gestation weeks %d is outside 1..45",
                             c->gestation_weeks);
    }
    if (rc == CAIRN_OK &&
        ((int)c->loss_kind < 0 || c->loss_kind >= CAIRN_LOSS_KIND_COUNT)) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "loss kind %d is unknown",
                             (int)c->loss_kind);
    }
    if (rc == CAIRN_OK) {
        rc = check_external_id(c->external_id, err);
    }
    loss[0] = '\0';
    if (rc == CAIRN_OK && c->loss_date != NULL) {
        rc = check_date("loss date", c->loss_date, false, loss, err);
    }
    if (rc == CAIRN_OK && c->birth_year != 0 && loss[0] != '\0' &&
        (loss[0] - '0') * 1000 + (loss[1] - '0') * 100 + (loss[2] - '0') * 10 +
                (loss[3] - '0') <
            c->birth_year) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "loss date %s is before the birth year %d", loss,
                             c->birth_year);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Canonical states                                                    */

#define CLIENT_COLS                                                            \
    "c.id, c.code, c.name, c.birth_year, c.clinician, c.notes,"                \
    " c.loss_date, c.gestation_weeks, c.loss_kind, c.partner_id,"              \
    " p.code, c.created_at, c.external_id FROM client c"                       \
    " LEFT JOIN client p"                                                      \
    " ON p.id = c.partner_id"

/* The first `n` columns of a row as a JSON object under `keys`. */
static json_t *row_object(sqlite3_stmt *s, const char *const *keys, int n,
                          bool *oom)
{
    json_t *o = json_object();
    *oom = *oom || o == NULL;
    for (int i = 0; o != NULL && i < n; i++) {
        cairn__json_set(o, keys[i], cairn__store_col_value(s, i), oom);
    }
    return o;
}

/* `o` (taken) as the buffer's one JSON text. */
static void put_object(cairn__buf *b, json_t *o, bool oom)
{
    b->len = 0;
    cairn__buf_json(b, o);
    b->oom = b->oom || oom;
}

/* The first `n` columns of a row as one JSON object under `keys`. */
static void row_json(cairn__buf *b, sqlite3_stmt *s, const char *const *keys,
                     int n)
{
    bool oom = false;
    put_object(b, row_object(s, keys, n, &oom), oom);
}

/* The row selected with CLIENT_COLS as canonical JSON. */
static void client_json(cairn__buf *b, sqlite3_stmt *s)
{
    static const char *const keys[] = {
        "id",        "code",      "name",      "birth_year",
        "clinician", "notes",     "loss_date", "gestation_weeks",
        "loss_kind", "partner_id"};
    bool oom = false;
    json_t *o = row_object(s, keys, 10, &oom);
    /* only when set, so rows from before schema 4 keep their audit form */
    if (o != NULL && sqlite3_column_type(s, 12) != SQLITE_NULL) {
        cairn__json_set(o, "external_id", cairn__store_col_value(s, 12), &oom);
    }
    put_object(b, o, oom);
}

int cairn__client_state(cairn_store *st, int64_t id, cairn__buf *out,
                        cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(
        st, ST_CLIENT_SELECT, "SELECT " CLIENT_COLS " WHERE c.id = ?", &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        client_json(out, s);
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no client %lld",
                             (long long)id);
    }
    sqlite3_reset(s);
    if (rc == CAIRN_OK && out->oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return rc;
}

/* Run a one-row query bound to `id` and render it with keys[]. */
int cairn__store_row_state(cairn_store *st, const char *sql, int64_t id,
                           const char *const *keys, int n, cairn__buf *out,
                           cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        row_json(out, s, keys, n);
    } else if (step == SQLITE_DONE) {
        rc =
            cairn_error_set(err, CAIRN_ENOTFOUND, "no row %lld", (long long)id);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int cairn__event_state(cairn_store *st, int64_t id, cairn__buf *out,
                       cairn_error *err)
{
    static const char *const keys[] = {"id", "client_id", "date", "kind",
                                       "label"};
    return cairn__store_row_state(
        st,
        "SELECT id, client_id, date, kind, label FROM event "
        "WHERE id = ?",
        id, keys, 5, out, err);
}

int cairn__episode_state(cairn_store *st, int64_t id, cairn__buf *out,
                         cairn_error *err)
{
    static const char *const keys[] = {"id", "client_id", "started_on",
                                       "ended_on"};
    return cairn__store_row_state(
        st,
        "SELECT id, client_id, started_on, ended_on FROM "
        "episode WHERE id = ?",
        id, keys, 4, out, err);
}

/* Audit the current state of `kind:id` (after), with `before` or NULL. */
static int audit_state(cairn_store *st, const char *action, const char *kind,
                       int64_t id, const char *before, cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[64];
    int rc;
    snprintf(target, sizeof target, "%s:%lld", kind, (long long)id);
    if (strcmp(kind, "client") == 0) {
        rc = cairn__client_state(st, id, &after, err);
    } else if (strcmp(kind, "event") == 0) {
        rc = cairn__event_state(st, id, &after, err);
    } else {
        rc = cairn__episode_state(st, id, &after, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__audit_append(st, action, target, before, after.p, err);
    }
    cairn__buf_free(&after);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

int cairn__store_client_id(cairn_store *st, const char *code, int64_t *id,
                           int64_t *partner, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(st, ST_CLIENT_ID,
                               "SELECT id, partner_id FROM client "
                               "WHERE code = ?",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        if (partner != NULL) {
            *partner = sqlite3_column_int64(s, 1);
        }
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no client '%.64s'", code);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_reset(s);
    return rc;
}

/* Set client `id`'s partner to `partner`, audited as client.link. */
static int link_one(cairn_store *st, int64_t id, int64_t partner,
                    cairn_error *err)
{
    cairn__buf before = CAIRN__BUF_INIT;
    int rc = cairn__client_state(st, id, &before, err);
    if (rc == CAIRN_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE client SET partner_id = ? "
                               "WHERE id = ?",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = cairn__store_dberr(st, err);
        } else {
            sqlite3_bind_int64(s, 1, partner);
            sqlite3_bind_int64(s, 2, id);
            if (sqlite3_step(s) != SQLITE_DONE) {
                rc = cairn__store_dberr(st, err);
            }
        }
        sqlite3_finalize(s);
    }
    if (rc == CAIRN_OK) {
        rc = audit_state(st, "client.link", "client", id, before.p, err);
    }
    cairn__buf_free(&before);
    return rc;
}

static int bind_details(sqlite3_stmt *s, int at, const cairn_client *c,
                        const char *loss)
{
    cairn__store_bind_text(s, at, c->name);
    if (c->birth_year != 0) {
        sqlite3_bind_int(s, at + 1, c->birth_year);
    }
    cairn__store_bind_text(s, at + 2, c->clinician);
    cairn__store_bind_text(s, at + 3, c->notes);
    cairn__store_bind_text(s, at + 4, loss[0] ? loss : NULL);
    if (c->gestation_weeks != 0) {
        sqlite3_bind_int(s, at + 5, c->gestation_weeks);
    }
    if (c->loss_kind != CAIRN_LOSS_UNKNOWN) {
        sqlite3_bind_text(s, at + 6, cairn_loss_kind_name(c->loss_kind), -1,
                          SQLITE_STATIC);
    }
    cairn__store_bind_text(s, at + 7, c->external_id);
    return at + 8;
}

/* CAIRN_EEXISTS when another client than `self` has `c`'s external id. */
static int check_external_free(cairn_store *st, const cairn_client *c,
                               int64_t self, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (c->external_id == NULL) {
        return CAIRN_OK;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT code FROM client WHERE external_id = ?"
                           " AND id <> ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, c->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, self);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        rc = cairn_error_set(err, CAIRN_EEXISTS,
                             "external id '%.80s' already belongs to "
                             "client '%.64s'",
                             c->external_id, cairn__store_col_text(s, 0));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

static int insert_client(cairn_store *st, const cairn_client *c,
                         const char *loss, int64_t partner, int64_t *id,
                         cairn_error *err)
{
    char now[CAIRN__DATE_MAX];
    sqlite3_stmt *s = NULL;
    int rc = cairn__store_prep(
        st, ST_CLIENT_INSERT,
        "INSERT INTO client (code, name, birth_year, clinician, notes,"
        " loss_date, gestation_weeks, loss_kind, external_id, partner_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &s, err);
    if (rc < 0) {
        return rc;
    }
    cairn__store_now(now);
    sqlite3_bind_text(s, 1, c->code, -1, SQLITE_STATIC);
    int at = bind_details(s, 2, c, loss);
    if (partner != 0) {
        sqlite3_bind_int64(s, at, partner);
    }
    sqlite3_bind_text(s, at + 1, now, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step == SQLITE_CONSTRAINT) {
        return cairn_error_set(err, CAIRN_EEXISTS, "client '%s' already exists",
                               c->code);
    }
    if (step != SQLITE_DONE) {
        return cairn__store_dberr(st, err);
    }
    *id = sqlite3_last_insert_rowid(st->db);
    return CAIRN_OK;
}

static int find_partner(cairn_store *st, const cairn_client *c, int64_t *pid,
                        cairn_error *err)
{
    int64_t taken = 0;
    *pid = 0;
    if (c->partner_code == NULL) {
        return CAIRN_OK;
    }
    if (strcmp(c->partner_code, c->code) == 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a client cannot be their own partner");
    }
    int rc = cairn__store_client_id(st, c->partner_code, pid, &taken, err);
    if (rc == CAIRN_OK && taken != 0) {
        rc = cairn_error_set(err, CAIRN_EEXISTS,
                             "client '%s' already has a partner",
                             c->partner_code);
    }
    return rc;
}

int cairn_store_client_add(cairn_store *st, const cairn_client *c, int64_t *id,
                           cairn_error *err)
{
    char loss[CAIRN__DATE_MAX];
    int64_t pid = 0, new_id = 0;
    int rc = check_client(c, loss, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    rc = find_partner(st, c, &pid, err);
    if (rc == CAIRN_OK) {
        rc = check_external_free(st, c, 0, err);
    }
    if (rc == CAIRN_OK) {
        rc = insert_client(st, c, loss, pid, &new_id, err);
    }
    if (rc == CAIRN_OK) {
        rc = audit_state(st, "client.add", "client", new_id, NULL, err);
    }
    if (rc == CAIRN_OK && pid != 0) {
        rc = link_one(st, pid, new_id, err);
    }
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    rc = cairn__store_commit(st, err);
    if (rc == CAIRN_OK && id != NULL) {
        *id = new_id;
    }
    return rc;
}

int cairn_store_couple_add(cairn_store *st, const char *code_a,
                           const char *code_b, cairn_error *err)
{
    int64_t a = 0, b = 0, pa = 0, pb = 0;
    if (strcmp(code_a, code_b) == 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "a client cannot be their own partner");
    }
    int rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, code_a, &a, &pa, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_client_id(st, code_b, &b, &pb, err);
    }
    if (rc == CAIRN_OK && (pa != 0 || pb != 0)) {
        rc = cairn_error_set(err, CAIRN_EEXISTS,
                             "client '%s' already has a partner",
                             pa != 0 ? code_a : code_b);
    }
    if (rc == CAIRN_OK) {
        rc = link_one(st, a, b, err);
    }
    if (rc == CAIRN_OK) {
        rc = link_one(st, b, a, err);
    }
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

int cairn_store_client_set(cairn_store *st, const cairn_client *c,
                           cairn_error *err)
{
    char loss[CAIRN__DATE_MAX];
    int64_t id = 0;
    cairn__buf before = CAIRN__BUF_INIT;
    sqlite3_stmt *s = NULL;
    int rc = check_client(c, loss, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_begin(st, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, c->code, &id, NULL, err);
    if (rc == CAIRN_OK) {
        rc = check_external_free(st, c, id, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__client_state(st, id, &before, err);
    }
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "UPDATE client SET name = ?, birth_year = ?,"
                           " clinician = ?, notes = ?, loss_date = ?,"
                           " gestation_weeks = ?, loss_kind = ?,"
                           " external_id = ? WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        int at = bind_details(s, 1, c, loss);
        sqlite3_bind_int64(s, at, id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK) {
        rc = audit_state(st, "client.edit", "client", id, before.p, err);
    }
    cairn__buf_free(&before);
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

static void client_clear(cairn_client *c)
{
    free((void *)c->code);
    free((void *)c->name);
    free((void *)c->clinician);
    free((void *)c->notes);
    free((void *)c->loss_date);
    free((void *)c->partner_code);
    free((void *)c->created_at);
    free((void *)c->external_id);
}

/* Fill `c` from a row selected with CLIENT_COLS; false when out of memory. */
static bool client_from_row(cairn_client *c, sqlite3_stmt *s)
{
    bool oom = false;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(s, 0);
    c->code = cairn__store_col_dup(s, 1, &oom);
    c->name = cairn__store_col_dup(s, 2, &oom);
    c->birth_year = sqlite3_column_int(s, 3);
    c->clinician = cairn__store_col_dup(s, 4, &oom);
    c->notes = cairn__store_col_dup(s, 5, &oom);
    c->loss_date = cairn__store_col_dup(s, 6, &oom);
    c->gestation_weeks = sqlite3_column_int(s, 7);
    const char *kind = cairn__store_col_text(s, 8);
    c->loss_kind = CAIRN_LOSS_UNKNOWN;
    if (kind != NULL) {
        cairn_loss_kind_parse(&c->loss_kind, kind, NULL);
    }
    c->partner_code = cairn__store_col_dup(s, 10, &oom);
    c->created_at = cairn__store_col_dup(s, 11, &oom);
    c->external_id = cairn__store_col_dup(s, 12, &oom);
    return !oom && c->code != NULL;
}

/* The client whose `column` is `value`. */
static int client_get_by(cairn_client **out, cairn_store *st,
                         const char *column, const char *value,
                         cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn_client *c = NULL;
    char sql[600];
    *out = NULL;
    snprintf(sql, sizeof sql, "SELECT " CLIENT_COLS " WHERE c.%s = ?", column);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, value, -1, SQLITE_STATIC);
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no client '%.80s'", value);
    } else if (step != SQLITE_ROW) {
        rc = cairn__store_dberr(st, err);
    } else if ((c = calloc(1, sizeof *c)) == NULL || !client_from_row(c, s)) {
        cairn_store_client_free(c);
        c = NULL;
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    sqlite3_finalize(s);
    *out = c;
    return rc;
}

int cairn_store_client_get(cairn_client **out, cairn_store *st,
                           const char *code, cairn_error *err)
{
    return client_get_by(out, st, "code", code, err);
}

int cairn_store_client_find_external(cairn_client **out, cairn_store *st,
                                     const char *external_id, cairn_error *err)
{
    return client_get_by(out, st, "external_id", external_id, err);
}

void cairn_store_client_free(cairn_client *c)
{
    if (c == NULL) {
        return;
    }
    client_clear(c);
    free(c);
}

/* Every client, in the order `order` (an ORDER BY clause) gives. */
static int client_list(cairn_client_list **out, cairn_store *st,
                       const char *order, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    char sql[512];
    cairn_client_list *list = calloc(1, sizeof *list);
    size_t cap = 0;
    int rc = CAIRN_OK;
    *out = NULL;
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    snprintf(sql, sizeof sql, "SELECT " CLIENT_COLS " %s", order);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (list->n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_client *p = realloc(list->items, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                goto out;
            }
            list->items = p;
        }
        bool ok = client_from_row(&list->items[list->n], s);
        list->n++;
        if (!ok) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_client_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}

int cairn_store_client_list(cairn_client_list **out, cairn_store *st,
                            cairn_error *err)
{
    return client_list(out, st, "ORDER BY c.code", err);
}

int cairn__store_client_list_by_id(cairn_client_list **out, cairn_store *st,
                                   cairn_error *err)
{
    return client_list(out, st, "ORDER BY c.id", err);
}

void cairn_store_client_list_free(cairn_client_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        client_clear(&list->items[i]);
    }
    free(list->items);
    free(list);
}

/* ------------------------------------------------------------------ */
/* Episodes                                                            */

static int episode_open_id(cairn_store *st, int64_t client, int64_t *id,
                           char started[CAIRN__DATE_MAX], cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    *id = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, started_on FROM episode WHERE "
                           "client_id = ? AND ended_on IS NULL",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, client);
    int rc = CAIRN_OK;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        snprintf(started, CAIRN__DATE_MAX, "%s", cairn__store_col_text(s, 1));
    } else if (step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Run `sql` binding (text, id); audit `action` on episode `ep`. */
static int episode_write(cairn_store *st, const char *sql, const char *date,
                         int64_t id, const char *action, int64_t ep,
                         const char *before, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    if (rc == CAIRN_OK) {
        if (ep == 0) {
            ep = sqlite3_last_insert_rowid(st->db);
        }
        rc = audit_state(st, action, "episode", ep, before, err);
    }
    return rc;
}

int cairn_store_episode_add(cairn_store *st, const char *code, const char *date,
                            int64_t *id, cairn_error *err)
{
    char day[CAIRN__DATE_MAX], started[CAIRN__DATE_MAX];
    int64_t client = 0, open_id = 0;
    int rc = check_date("episode start", date, false, day, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, code, &client, NULL, err);
    if (rc == CAIRN_OK) {
        rc = episode_open_id(st, client, &open_id, started, err);
    }
    if (rc == CAIRN_OK && open_id != 0) {
        rc = cairn_error_set(err, CAIRN_EEXISTS,
                             "client '%s' has an open episode since %s; "
                             "end it first",
                             code, started);
    }
    if (rc == CAIRN_OK) {
        rc = episode_write(st,
                           "INSERT INTO episode (started_on, client_id) "
                           "VALUES (?, ?)",
                           day, client, "episode.add", 0, NULL, err);
    }
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    int64_t new_id = sqlite3_last_insert_rowid(st->db);
    rc = cairn__store_commit(st, err);
    if (rc == CAIRN_OK && id != NULL) {
        *id = new_id;
    }
    return rc;
}

int cairn_store_episode_set_end(cairn_store *st, const char *code,
                                const char *date, cairn_error *err)
{
    char day[CAIRN__DATE_MAX], started[CAIRN__DATE_MAX];
    int64_t client = 0, open_id = 0;
    cairn__buf before = CAIRN__BUF_INIT;
    int rc = check_date("episode end", date, false, day, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, code, &client, NULL, err);
    if (rc == CAIRN_OK) {
        rc = episode_open_id(st, client, &open_id, started, err);
    }
    if (rc == CAIRN_OK && open_id == 0) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND,
                             "client '%s' has no open episode", code);
    }
    if (rc == CAIRN_OK && strcmp(day, started) < 0) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "episode end %s is before its start %s", day,
                             started);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__episode_state(st, open_id, &before, err);
    }
    if (rc == CAIRN_OK) {
        rc = episode_write(st, "UPDATE episode SET ended_on = ? WHERE id = ?",
                           day, open_id, "episode.end", open_id, before.p, err);
    }
    cairn__buf_free(&before);
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}

/* Append the episode in columns `col`.. of `s` (id, started_on,
 * ended_on) to `list`; false when out of memory. */
static bool episode_append(cairn_episode_list *list, sqlite3_stmt *s, int col)
{
    size_t n = list->n;
    bool oom = false;
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 8 : 2 * n;
        cairn_episode *p = realloc(list->items, cap * sizeof *p);
        if (p == NULL) {
            return false;
        }
        list->items = p;
    }
    cairn_episode *e = &list->items[list->n++];
    e->id = sqlite3_column_int64(s, col);
    e->started_on = cairn__store_col_dup(s, col + 1, &oom);
    e->ended_on = cairn__store_col_dup(s, col + 2, &oom);
    return !oom;
}

int cairn_store_episode_list(cairn_episode_list **out, cairn_store *st,
                             const char *code, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int64_t client = 0;
    bool oom = false;
    *out = NULL;
    int rc = cairn__store_client_id(st, code, &client, NULL, err);
    if (rc < 0) {
        return rc;
    }
    cairn_episode_list *list = calloc(1, sizeof *list);
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    /* cached: the caseload asks once per client */
    rc = cairn__store_prep(st, ST_EPISODE_LIST,
                           "SELECT id, started_on, ended_on FROM episode "
                           "WHERE client_id = ? ORDER BY started_on, id",
                           &s, err);
    if (rc < 0) {
        goto out;
    }
    sqlite3_bind_int64(s, 1, client);
    int step;
    while (!oom && (step = sqlite3_step(s)) == SQLITE_ROW) {
        oom = !episode_append(list, s, 0);
    }
    if (oom || step != SQLITE_DONE) {
        rc = cairn__store_step_err(st, oom, err);
    }
out:
    if (s != NULL) {
        sqlite3_reset(s);
    }
    if (rc < 0) {
        cairn_store_episode_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}

int cairn_store_episode_lists(cairn_episode_list **out, cairn_store *st,
                              const cairn_client *clients, size_t n,
                              cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK, step = SQLITE_DONE;
    bool oom = false;
    for (size_t i = 0; i < n; i++) {
        out[i] = calloc(1, sizeof *out[i]);
        oom = oom || out[i] == NULL;
    }
    if (oom) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT client_id, id, started_on, ended_on FROM "
                           "episode ORDER BY client_id, started_on, id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    /* both in client id order: a merge */
    size_t j = 0;
    while (!oom && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t client = sqlite3_column_int64(s, 0);
        while (j < n && clients[j].id < client) {
            j++;
        }
        if (j < n && clients[j].id == client) {
            oom = !episode_append(out[j], s, 1);
        }
    }
    if (oom || step != SQLITE_DONE) {
        rc = cairn__store_step_err(st, oom, err);
    }
out:
    sqlite3_finalize(s);
    for (size_t i = 0; rc < 0 && i < n; i++) {
        cairn_store_episode_list_free(out[i]);
        out[i] = NULL;
    }
    return rc;
}

int cairn_store_episode_spans(cairn_episode_span **out, size_t *n,
                              cairn_store *st, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    cairn_episode_span *v = NULL;
    size_t cap = 0, k = 0;
    int rc = CAIRN_OK, step = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT client_id, started_on, ended_on FROM "
                           "episode ORDER BY client_id, started_on, id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 64;
            cairn_episode_span *p = realloc(v, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            v = p;
        }
        cairn_episode_span *e = &v[k];
        e->client_id = sqlite3_column_int64(s, 0);
        e->number = k > 0 && v[k - 1].client_id == e->client_id
                        ? v[k - 1].number + 1
                        : 1;
        const char *a = (const char *)sqlite3_column_text(s, 1);
        const char *b = (const char *)sqlite3_column_text(s, 2);
        e->end = INFINITY;
        rc = cairn_date_days(a, &e->start, err);
        if (rc == CAIRN_OK && b != NULL) {
            rc = cairn_date_days(b, &e->end, err);
            e->end += 1; /* the whole last day */
        }
        k++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return CAIRN_OK;
}

void cairn_store_episode_list_free(cairn_episode_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        free((void *)list->items[i].started_on);
        free((void *)list->items[i].ended_on);
    }
    free(list->items);
    free(list);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

int cairn_store_event_add(cairn_store *st, const cairn_event *ev, int64_t *id,
                          cairn_error *err)
{
    char day[CAIRN__DATE_MAX], now[CAIRN__DATE_MAX];
    int64_t client = 0;
    sqlite3_stmt *s = NULL;
    int rc = check_text("event label", ev->label, 200, false, err);
    if (rc == CAIRN_OK &&
        ((int)ev->kind < 0 || ev->kind >= CAIRN_EVENT_KIND_COUNT)) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "event kind %d is unknown",
                             (int)ev->kind);
    }
    /* what happened (a session, an intervention) is never in the
     * future; a due date or an anniversary may lie ahead */
    bool ahead = ev->kind != CAIRN_EVENT_SESSION &&
                 ev->kind != CAIRN_EVENT_INTERVENTION_START &&
                 ev->kind != CAIRN_EVENT_INTERVENTION_CHANGE;
    if (rc == CAIRN_OK) {
        rc = check_date("event date", ev->date, ahead, day, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = cairn__store_client_id(st, ev->client_code, &client, NULL, err);
    if (rc == CAIRN_OK &&
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO event (client_id, date, kind, label,"
                           " created_at) VALUES (?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    if (rc == CAIRN_OK) {
        cairn__store_now(now);
        sqlite3_bind_int64(s, 1, client);
        sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, cairn_event_kind_name(ev->kind), -1,
                          SQLITE_STATIC);
        cairn__store_bind_text(s, 4, ev->label);
        sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = cairn__store_dberr(st, err);
        }
    }
    sqlite3_finalize(s);
    int64_t new_id = sqlite3_last_insert_rowid(st->db);
    if (rc == CAIRN_OK) {
        rc = audit_state(st, "event.add", "event", new_id, NULL, err);
    }
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    rc = cairn__store_commit(st, err);
    if (rc == CAIRN_OK && id != NULL) {
        *id = new_id;
    }
    return rc;
}

int cairn_store_event_list(cairn_event_list **out, cairn_store *st,
                           const char *code, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int64_t client = 0;
    size_t cap = 0;
    bool oom = false;
    *out = NULL;
    int rc = code != NULL ? cairn__store_client_id(st, code, &client, NULL, err)
                          : CAIRN_OK;
    if (rc < 0) {
        return rc;
    }
    cairn_event_list *list = calloc(1, sizeof *list);
    if (list == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT e.id, c.code, e.date, e.kind, e.label "
                           "FROM event e JOIN client c ON c.id = e.client_id "
                           "WHERE ?1 = 0 OR e.client_id = ?1 "
                           "ORDER BY e.date, e.id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
        goto out;
    }
    sqlite3_bind_int64(s, 1, client);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (list->n == cap) {
            cap = cap ? cap * 2 : 16;
            cairn_event *p = realloc(list->items, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                goto out;
            }
            list->items = p;
        }
        cairn_event *e = &list->items[list->n++];
        e->id = sqlite3_column_int64(s, 0);
        e->client_code = cairn__store_col_dup(s, 1, &oom);
        e->date = cairn__store_col_dup(s, 2, &oom);
        e->kind = CAIRN_EVENT_OTHER;
        cairn_event_kind_parse(&e->kind, cairn__store_col_text(s, 3), NULL);
        e->label = cairn__store_col_dup(s, 4, &oom);
    }
    if (oom || step != SQLITE_DONE) {
        rc = cairn__store_step_err(st, oom, err);
    }
out:
    sqlite3_finalize(s);
    if (rc < 0) {
        cairn_store_event_list_free(list);
        return rc;
    }
    *out = list;
    return CAIRN_OK;
}

void cairn_store_event_list_free(cairn_event_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        free((void *)list->items[i].client_code);
        free((void *)list->items[i].date);
        free((void *)list->items[i].label);
    }
    free(list->items);
    free(list);
}
