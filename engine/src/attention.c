/*
 * attention.c - the alerts and the questionnaires due of a caseload,
 * read one client at a time (cairn/attention.h): one pass over the store
 * gives the caseload's compact rows (the clients' order) and each
 * client's full entry in turn (cairn_caseload_rows_compute_kept), and
 * the lists keep copies of what they show (alert.c, due.c).
 */
#include <stdlib.h>

#include "cairn/attention.h"
#include "internal.h"

typedef struct reading {
    cairn__alert_acc *alerts;
    cairn_due_list *due; /* NULL when not asked for */
    size_t due_cap;
    double now;
    cairn_error *err;
    int rc;
} reading;

/* The pass gives clients in the store's order; their alerts are added
 * under the client's id, replaced by its place in the caseload's order
 * once the rows are known (rank_of). */
static int add_entry(const cairn_caseload_entry *e, cairn_caseload_keeper *keep,
                     void *arg)
{
    reading *r = arg;
    (void)keep; /* the lists keep their own copies */
    r->rc = cairn__alert_acc_add(r->alerts, e, (size_t)e->client->id, r->err);
    if (r->rc == CAIRN_OK && r->due != NULL) {
        r->rc = cairn__due_add(r->due, &r->due_cap, e, r->now, r->err);
    }
    return r->rc;
}

/* A client id and its row in the caseload's order. */
typedef struct placed {
    int64_t id;
    size_t rank;
} placed;

static int by_id(const void *x, const void *y)
{
    const placed *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

typedef struct places {
    placed *p;
    size_t n;
} places;

static size_t rank_of(size_t id, void *arg)
{
    const places *pl = arg;
    placed key = {(int64_t)id, 0};
    const placed *hit = bsearch(&key, pl->p, pl->n, sizeof *pl->p, by_id);
    return hit != NULL ? hit->rank : pl->n; /* (every client has a row) */
}

/* Every row's client id with its rank, by id. */
static int place_rows(places *pl, cairn_caseload_rows *rows, cairn_error *err)
{
    pl->n = 0;
    pl->p = malloc((rows->n ? rows->n : 1) * sizeof *pl->p);
    if (pl->p == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < rows->n; k++) {
        const cairn_caseload_row *w = NULL;
        int rc = cairn_caseload_rows_get(rows, k, &w, err);
        if (rc < 0) {
            return rc;
        }
        pl->p[pl->n++] = (placed){w->client->id, k};
    }
    qsort(pl->p, pl->n, sizeof *pl->p, by_id);
    return CAIRN_OK;
}

int cairn_attention_read(cairn_attention **out, cairn_store *st,
                         const cairn_catalog *cat,
                         const cairn_caseload_options *opts, bool with_resolved,
                         const char *due_on, cairn_error *err)
{
    reading r = {NULL, NULL, 0, 0, err, CAIRN_OK};
    cairn_caseload_rows *rows = NULL;
    cairn_attention *a = NULL;
    places pl = {NULL, 0};
    *out = NULL;
    int rc = due_on != NULL ? cairn__due_day(due_on, &r.now, err) : CAIRN_OK;
    if (rc == CAIRN_OK) {
        a = calloc(1, sizeof *a);
        if (a == NULL || cairn__alert_acc_new(&r.alerts, with_resolved) < 0 ||
            (due_on != NULL && (r.due = calloc(1, sizeof *r.due)) == NULL)) {
            rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    if (rc == CAIRN_OK) {
        /* one pass: the rows, and each client's entry in full as it goes */
        rc = cairn_caseload_rows_compute_kept(&rows, st, cat, opts, add_entry,
                                              &r, err);
        /* a pass stopped by add_entry returns its status; its message is
         * already in `err` */
        rc = rc != CAIRN_OK && r.rc != CAIRN_OK ? r.rc : rc;
    }
    if (rc == CAIRN_OK) {
        rc = place_rows(&pl, rows, err);
    }
    if (rc == CAIRN_OK) {
        cairn__alert_acc_rank(r.alerts, rank_of, &pl);
        rc = cairn__alert_acc_finish(r.alerts, &a->alerts, err);
    }
    if (rc == CAIRN_OK && r.due != NULL) {
        cairn__due_sort(r.due);
        a->due = r.due;
        r.due = NULL;
    }
    free(pl.p);
    cairn_caseload_rows_free(rows);
    cairn__alert_acc_free(r.alerts);
    cairn_due_list_free(r.due);
    if (rc < 0) {
        cairn_attention_free(a);
        return rc;
    }
    *out = a;
    return CAIRN_OK;
}

void cairn_attention_free(cairn_attention *a)
{
    if (a == NULL) {
        return;
    }
    cairn_alert_list_free(a->alerts);
    cairn_due_list_free(a->due);
    free(a);
}
