/*
 * store_assessment.c - adding, amending and voiding single assessments,
 * each through the batch writer (store_batch.c) so it gets its audit
 * entry.  An assessment row is never changed after insertion except to
 * record that it was superseded or voided (schema triggers guard the
 * rest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

static const char *const method_names[CAIRN_METHOD_COUNT] = {
    [CAIRN_METHOD_SELF_REPORT] = "self_report",
    [CAIRN_METHOD_CLINICIAN] = "clinician",
    [CAIRN_METHOD_IMPORT] = "import",
    [CAIRN_METHOD_RESCORE] = "rescore",
    [CAIRN_METHOD_LINK] = "self_report_link",
    [CAIRN_METHOD_TABLET] = "self_report_tablet",
};

const char *cairn_method_name(cairn_method method)
{
    if ((int)method < 0 || method >= CAIRN_METHOD_COUNT) {
        return "unknown";
    }
    return method_names[method];
}

static int normalize_date(const char *s, char out[CAIRN__DATE_MAX],
                          cairn_error *err)
{
    int r = cairn__store_date_normalize(out, s, strlen(s), false, false);
    if (r == CAIRN__DATE_BAD) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "date '%.40s' is not a date (YYYY-MM-DD or "
                               "YYYY-MM-DDTHH:MM[:SS][Z])",
                               s);
    }
    if (r == CAIRN__DATE_FUTURE) {
        return cairn_error_set(err, CAIRN_EINVAL, "date %.40s is in the future",
                               s);
    }
    return CAIRN_OK;
}

int cairn_store_assessment_check(cairn_store *st,
                                 const cairn_assessment_options *opts,
                                 cairn_error *err)
{
    char date[CAIRN__DATE_MAX];
    cairn_client *c = NULL;
    if (opts->client_code == NULL || opts->administered_at == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an assessment needs a client and a date");
    }
    int rc = normalize_date(opts->administered_at, date, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_client_get(&c, st, opts->client_code, err);
    }
    cairn_store_client_free(c);
    return rc;
}

/* The work of cairn__store_assessment_add_to, with the plausibility
 * warning (see cairn__store_batch_plausible) into `warning`. */
static int add_to(cairn__batch *b, const cairn_score *score,
                  const cairn_responses *resp, const char *code,
                  const char *date, int64_t *id, cairn_error *warning,
                  cairn_error *err)
{
    int64_t client = 0;
    bool dup = false;
    char why[CAIRN_ERROR_MAX];
    int rc = cairn__store_batch_client(b, code, false, &client, NULL, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_plausible(b, client, date, score->instrument,
                                          why, sizeof why, err);
    }
    if (rc == CAIRN_OK && why[0] != '\0' && warning != NULL) {
        cairn_error_set(warning, CAIRN_OK, "%s", why);
    }
    if (rc == CAIRN_OK) {
        cairn__batch_row row = {client, date, resp, score, 0, NULL, true};
        rc = cairn__store_batch_add(b, &row, &dup, id, err);
    }
    if (rc == CAIRN_OK && dup) {
        rc = cairn_error_set(err, CAIRN_EEXISTS,
                             "client '%s' already has these %s answers "
                             "stored for %s",
                             code, cairn_instrument_code(score->instrument),
                             date);
    }
    return rc;
}

int cairn__store_assessment_add_to(cairn__batch *b, const cairn_score *score,
                                   const cairn_responses *resp,
                                   const char *code, const char *date,
                                   int64_t *id, cairn_error *err)
{
    return add_to(b, score, resp, code, date, id, NULL, err);
}

int cairn_store_assessment_add(cairn_store *st, const cairn_score *score,
                               const cairn_responses *resp,
                               const cairn_assessment_options *opts,
                               int64_t *id, cairn_error *err)
{
    char date[CAIRN__DATE_MAX];
    cairn__batch *b = NULL;
    if (opts->client_code == NULL || opts->administered_at == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "an assessment needs a client and a date");
    }
    int rc = normalize_date(opts->administered_at, date, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_begin(&b, st, opts->method, "assessment.add",
                                      NULL, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc =
        add_to(b, score, resp, opts->client_code, date, id, opts->warning, err);
    if (rc < 0) {
        cairn__store_batch_abort(b);
        return rc;
    }
    return cairn__store_batch_commit(b, err);
}

/* The state of the row that an amend, void or rescore replaces. */
typedef struct old_row {
    int64_t client_id;
    char instrument[64];
    char date[CAIRN__DATE_MAX];
    bool superseded;
    bool voided;
    cairn__buf before;
} old_row;

static int load_old(cairn_store *st, int64_t id, old_row *o, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT client_id, instrument, administered_at,"
                           " superseded_by IS NOT NULL,"
                           " voided_at IS NOT NULL, responses, scores"
                           " FROM assessment WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        o->client_id = sqlite3_column_int64(s, 0);
        snprintf(o->instrument, sizeof o->instrument, "%s",
                 cairn__store_col_text(s, 1));
        snprintf(o->date, sizeof o->date, "%s", cairn__store_col_text(s, 2));
        o->superseded = sqlite3_column_int(s, 3);
        o->voided = sqlite3_column_int(s, 4);
        json_t *before = json_object();
        bool oom = before == NULL;
        cairn__json_set(before, "assessment", json_integer(id), &oom);
        cairn__json_set(before, "administered_at", json_string(o->date), &oom);
        cairn__json_set(before, "responses",
                        json_loads(cairn__store_col_text(s, 5), 0, NULL), &oom);
        cairn__json_set(before, "scores",
                        json_loads(cairn__store_col_text(s, 6), 0, NULL), &oom);
        cairn__buf_json(&o->before, oom ? NULL : before);
        if (oom) {
            json_decref(before);
        }
    } else if (step == SQLITE_DONE) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no assessment %lld",
                             (long long)id);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

static int check_current(const old_row *o, int64_t id, const char *what,
                         cairn_error *err)
{
    if (o->superseded) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld was superseded; %s the "
                               "current version",
                               (long long)id, what);
    }
    if (o->voided) {
        return cairn_error_set(err, CAIRN_EINVAL, "assessment %lld is void",
                               (long long)id);
    }
    return CAIRN_OK;
}

static int mark_superseded(cairn_store *st, int64_t old_id, int64_t new_id,
                           cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE assessment SET superseded_by = ?"
                           " WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, new_id);
    sqlite3_bind_int64(s, 2, old_id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

static int check_reason(const char *reason, cairn_error *err)
{
    if (reason == NULL || reason[0] == '\0') {
        return cairn_error_set(err, CAIRN_EINVAL, "a reason is required");
    }
    size_t n = strlen(reason);
    if (n > 500 || !cairn__store_text_is_clean(reason, n, false)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the reason must be one line of at most "
                               "500 bytes of text");
    }
    return CAIRN_OK;
}

int cairn_store_assessment_amend(cairn_store *st, int64_t id,
                                 const cairn_score *score,
                                 const cairn_responses *resp,
                                 const char *administered_at,
                                 const char *reason, int64_t *new_id,
                                 cairn_error *err)
{
    char date[CAIRN__DATE_MAX];
    old_row o = {0, {0}, {0}, false, false, CAIRN__BUF_INIT};
    cairn__batch *b = NULL;
    int64_t nid = 0;
    int rc = check_reason(reason, err);
    if (rc == CAIRN_OK && administered_at != NULL) {
        rc = normalize_date(administered_at, date, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_begin(&b, st, CAIRN_METHOD_CLINICIAN,
                                      "assessment.amend", NULL, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = load_old(st, id, &o, err);
    if (rc == CAIRN_OK) {
        rc = check_current(&o, id, "amend", err);
    }
    if (rc == CAIRN_OK &&
        strcmp(o.instrument, cairn_instrument_code(score->instrument)) != 0) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "assessment %lld is a %s, not a %s", (long long)id,
                             o.instrument,
                             cairn_instrument_code(score->instrument));
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_batch_set_before(b, o.before.p, err);
    }
    if (rc == CAIRN_OK) {
        cairn__batch_row row = {o.client_id, administered_at ? date : o.date,
                                resp,        score,
                                id,          reason,
                                false};
        rc = cairn__store_batch_add(b, &row, NULL, &nid, err);
    }
    if (rc == CAIRN_OK) {
        rc = mark_superseded(st, id, nid, err);
    }
    cairn__buf_free(&o.before);
    if (rc < 0) {
        cairn__store_batch_abort(b);
        return rc;
    }
    rc = cairn__store_batch_commit(b, err);
    if (rc == CAIRN_OK && new_id != NULL) {
        *new_id = nid;
    }
    return rc;
}

static int write_void(cairn_store *st, int64_t id, const char *reason,
                      cairn_error *err)
{
    char now[CAIRN__DATE_MAX], target[40];
    cairn__buf after = CAIRN__BUF_INIT;
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    cairn__store_now(now);
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE assessment SET voided_at = ?,"
                           " void_reason = ? WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    json_t *a = json_object();
    bool oom = a == NULL;
    cairn__json_set(a, "voided_at", json_string(now), &oom);
    cairn__json_set(a, "reason", cairn__json_string(reason), &oom);
    cairn__buf_json(&after, oom ? NULL : a);
    if (oom) {
        json_decref(a);
        rc = rc == CAIRN_OK
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : rc;
    }
    snprintf(target, sizeof target, "assessment:%lld", (long long)id);
    if (rc == CAIRN_OK) {
        rc = cairn__audit_append(st, "assessment.void", target,
                                 "{\"voided_at\":null}", after.p, err);
    }
    cairn__buf_free(&after);
    return rc;
}

int cairn_store_assessment_void(cairn_store *st, int64_t id, const char *reason,
                                cairn_error *err)
{
    old_row o = {0, {0}, {0}, false, false, CAIRN__BUF_INIT};
    int rc = check_reason(reason, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_begin(st, err);
    }
    if (rc < 0) {
        return rc;
    }
    rc = load_old(st, id, &o, err);
    if (rc == CAIRN_OK) {
        rc = check_current(&o, id, "void", err);
    }
    if (rc == CAIRN_OK) {
        rc = write_void(st, id, reason, err);
    }
    cairn__buf_free(&o.before);
    if (rc < 0) {
        cairn__store_rollback(st);
        return rc;
    }
    return cairn__store_commit(st, err);
}
