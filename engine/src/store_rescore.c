/*
 * store_rescore.c - recomputing stored assessments with a newer definition.
 *
 * Each current assessment scored with another fingerprint gets a new
 * version (method "rescore") scored from its stored responses; the old
 * version stays, superseded.  One transaction for the whole run, so a
 * response the new definition refuses leaves everything as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

typedef struct pending {
    int64_t id;
    int64_t client_id;
    char *date;
    char *responses;
} pending;

static void pending_free(pending *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].date);
        free(p[i].responses);
    }
    free(p);
}

static char *dup_text(sqlite3_stmt *s, int i)
{
    const char *t = cairn__store_col_text(s, i);
    size_t n = t ? strlen(t) + 1 : 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, t ? t : "", n);
    }
    return p;
}

/* The current assessments of `inst` scored with another definition. */
static int collect(cairn_store *st, const cairn_instrument *inst, pending **out,
                   size_t *n, cairn_rescore_result *res, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    pending *p = NULL;
    int rc = CAIRN_OK;
    *n = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT a.id, a.client_id, a.administered_at,"
                           " a.responses, d.fingerprint = ?2"
                           " FROM assessment a JOIN definition d"
                           " ON d.id = a.definition_id"
                           " WHERE a.instrument = ?1"
                           " AND a.superseded_by IS NULL"
                           " AND a.voided_at IS NULL ORDER BY a.id",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_text(s, 1, cairn_instrument_code(inst), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cairn_instrument_fingerprint(inst), -1,
                      SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        res->examined++;
        if (sqlite3_column_int(s, 4)) {
            res->current++;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            pending *q = realloc(p, cap * sizeof *q);
            if (q == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            p = q;
        }
        pending *e = &p[(*n)++];
        e->id = sqlite3_column_int64(s, 0);
        e->client_id = sqlite3_column_int64(s, 1);
        e->date = dup_text(s, 2);
        e->responses = dup_text(s, 3);
        if (e->date == NULL || e->responses == NULL) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    *out = p;
    return rc;
}

/* Parse "[1,null,3]" into `r`, checking each code against `inst`. */
static int parse_stored(const cairn_instrument *inst, const pending *e,
                        cairn_responses *r, cairn_error *err)
{
    const char *p = e->responses;
    size_t i = 0;
    if (*p++ != '[') {
        goto bad;
    }
    while (*p != ']' && *p != '\0') {
        if (i >= r->n) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "assessment %lld: more responses than "
                                   "%s has items",
                                   (long long)e->id,
                                   cairn_instrument_code(inst));
        }
        if (strncmp(p, "null", 4) == 0) {
            r->missing[i] = true;
            p += 4;
        } else {
            char *end = NULL;
            long v = strtol(p, &end, 10);
            cairn_error inner = CAIRN_ERROR_INIT;
            if (end == p) {
                goto bad;
            }
            if (cairn_responses_set(r, inst, i, (int)v, &inner) < 0) {
                return cairn_error_set(err, CAIRN_EINVAL, "assessment %lld: %s",
                                       (long long)e->id, inner.message);
            }
            p = end;
        }
        i++;
        if (*p == ',') {
            p++;
        }
    }
    if (*p == ']' && i == r->n) {
        return CAIRN_OK;
    }
    if (*p == ']') {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "assessment %lld: %zu responses, but %s has "
                               "%zu items",
                               (long long)e->id, i, cairn_instrument_code(inst),
                               r->n);
    }
bad:
    return cairn_error_set(err, CAIRN_EINVAL,
                           "assessment %lld: stored responses are malformed",
                           (long long)e->id);
}

static int rescore_one(cairn__batch *b, cairn_store *st,
                       const cairn_instrument *inst, const pending *e,
                       const char *reason, cairn_error *err)
{
    cairn_responses *r = NULL;
    cairn_score *sc = NULL;
    int64_t nid = 0;
    int rc = cairn_responses_new(&r, inst, err);
    if (rc == CAIRN_OK) {
        rc = parse_stored(inst, e, r, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_score_compute(&sc, inst, r, err);
    }
    if (rc == CAIRN_OK) {
        cairn__batch_row row = {e->client_id, e->date, r,    sc,
                                e->id,        reason,  false};
        rc = cairn__store_batch_add(b, &row, NULL, &nid, err);
    }
    if (rc == CAIRN_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE assessment SET superseded_by = ?"
                               " WHERE id = ?",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = cairn__store_dberr(st, err);
        } else {
            sqlite3_bind_int64(s, 1, nid);
            sqlite3_bind_int64(s, 2, e->id);
            if (sqlite3_step(s) != SQLITE_DONE) {
                rc = cairn__store_dberr(st, err);
            }
        }
        sqlite3_finalize(s);
    }
    cairn_score_free(sc);
    cairn_responses_free(r);
    return rc;
}

int cairn_store_rescore(cairn_store *st, const cairn_instrument *inst,
                        bool dry_run, cairn_rescore_result *res,
                        cairn_error *err)
{
    cairn_rescore_result local;
    cairn_rescore_result *out = res != NULL ? res : &local;
    cairn__batch *b = NULL;
    pending *p = NULL;
    size_t n = 0;
    char reason[200];
    const char *fp = NULL;
    memset(out, 0, sizeof *out);
    int rc = cairn__instrument_fingerprint_get(inst, &fp, err);
    if (rc < 0) {
        return rc;
    }
    snprintf(reason, sizeof reason, "rescored with %s definition %s (%.19s)",
             cairn_instrument_code(inst), cairn_instrument_version(inst), fp);
    rc = cairn__store_batch_begin(&b, st, CAIRN_METHOD_RESCORE, "rescore", NULL,
                                  err);
    if (rc < 0) {
        return rc;
    }
    rc = collect(st, inst, &p, &n, out, err);
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        rc = rescore_one(b, st, inst, &p[i], reason, err);
    }
    pending_free(p, n);
    if (rc == CAIRN_OK) {
        out->rescored = n;
    }
    if (rc < 0 || dry_run) {
        cairn__store_batch_abort(b);
        return rc;
    }
    return cairn__store_batch_commit(b, err);
}
