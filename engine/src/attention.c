/*
 * attention.c - the alerts and the questionnaires due of a caseload,
 * read one client at a time (cairn/attention.h): the caseload's compact
 * rows give the clients and their order, the walk each full entry in
 * turn, and the lists keep copies of what they show (alert.c, due.c).
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

static int add_entry(const cairn_caseload_entry *e, size_t k, void *arg)
{
    reading *r = arg;
    r->rc = cairn__alert_acc_add(r->alerts, e, k, r->err);
    if (r->rc == CAIRN_OK && r->due != NULL) {
        r->rc = cairn__due_add(r->due, &r->due_cap, e, r->now, r->err);
    }
    return r->rc;
}

int cairn_attention_read(cairn_attention **out, cairn_store *st,
                         const cairn_catalog *cat,
                         const cairn_caseload_options *opts, bool with_resolved,
                         const char *due_on, cairn_error *err)
{
    reading r = {NULL, NULL, 0, 0, err, CAIRN_OK};
    cairn_caseload_rows *rows = NULL;
    cairn_attention *a = NULL;
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
        rc = cairn_caseload_rows_compute(&rows, st, cat, opts, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_caseload_rows_walk(rows, add_entry, &r, err);
        /* a walk stopped by add_entry returns its status; its message is
         * already in `err` */
        rc = rc != CAIRN_OK && r.rc != CAIRN_OK ? r.rc : rc;
    }
    if (rc == CAIRN_OK) {
        rc = cairn__alert_acc_finish(r.alerts, &a->alerts, err);
    }
    if (rc == CAIRN_OK && r.due != NULL) {
        cairn__due_sort(r.due);
        a->due = r.due;
        r.due = NULL;
    }
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
