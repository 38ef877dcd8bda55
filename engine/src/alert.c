/*
 * alert.c - alerts with their states: applying the clinicians' records
 * to computed alerts, ordering them, and recording an action.
 *
 * Alert keys hold the assessment id, which is unique in the store, so a
 * key names one client's alert; the record's client is still checked.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/alert.h"
#include "cairn/date.h"

static const cairn_alert_record *find_record(const cairn_alert_record_list *r,
                                             const char *key)
{
    size_t lo = 0, hi = r ? r->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->items[mid].key, key);
        if (c == 0) {
            return &r->items[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

void cairn_alert_apply_states(cairn_trend *t,
                              const cairn_alert_record_list *records)
{
    for (size_t i = 0; i < t->n_alerts; i++) {
        cairn_alert *a = &t->alerts[i];
        const cairn_alert_record *r = find_record(records, a->key);
        if (r == NULL || (t->client != NULL && r->client_code != NULL &&
                          strcmp(r->client_code, t->client) != 0)) {
            continue;
        }
        a->state = r->state;
        a->state_by = r->who;
        a->state_at = r->at;
        a->state_note = r->note;
    }
}

const char *cairn_alert_kind_label(cairn_alert_kind kind)
{
    switch (kind) {
    case CAIRN_ALERT_RISK:
        return "risk item endorsed";
    case CAIRN_ALERT_RISK_UNANSWERED:
        return "risk item left unanswered";
    case CAIRN_ALERT_DETERIORATION:
        return "reliable deterioration";
    case CAIRN_ALERT_OFF_TRACK:
        return "not on track";
    case CAIRN_ALERT_NO_IMPROVEMENT:
    case CAIRN_ALERT_KIND_COUNT:
        break;
    }
    return "no reliable improvement";
}

const char *cairn_alert_age(char *buf, size_t size, const char *date,
                            const char *today)
{
    double days = 0;
    buf[0] = '\0';
    if (date == NULL || today == NULL ||
        cairn_date_days_between(date, today, &days, NULL) < 0) {
        return buf;
    }
    /* calendar days: compare the dates, not the times */
    double d = floor(days + 0.5);
    char a[11], b[11];
    snprintf(a, sizeof a, "%.10s", date);
    snprintf(b, sizeof b, "%.10s", today);
    if (cairn_date_days_between(a, b, &days, NULL) == 0) {
        d = days;
    }
    static const struct {
        double min, unit;
        const char *name;
    } units[] = {{730, 365.25, "years"},
                 {60, 30.4375, "months"},
                 {14, 7, "weeks"},
                 {2, 1, "days"}};
    if (d < 0) {
        snprintf(buf, size, "in the future");
    } else if (d < 1) {
        snprintf(buf, size, "today");
    } else if (d < 2) {
        snprintf(buf, size, "yesterday");
    } else {
        size_t k = 0;
        while (d < units[k].min) {
            k++;
        }
        snprintf(buf, size, "%.0f %s ago", floor(d / units[k].unit),
                 units[k].name);
    }
    return buf;
}

size_t cairn_alert_notes(const cairn_alert_record_list *history,
                         const char *key, size_t *first)
{
    size_t lo = 0, hi = history ? history->n : 0, n = 0;
    while (lo < hi) { /* the first record whose key is not below `key` */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(history->items[mid].key, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *first = lo;
    while (history != NULL && lo + n < history->n &&
           strcmp(history->items[lo + n].key, key) == 0) {
        n++;
    }
    return n;
}

typedef struct ranked {
    cairn_alert_ref ref;
    size_t client_pos; /* the client's place in the caseload */
} ranked;

/* Urgency within a state: a risk on the latest score, earlier risks,
 * then the other kinds in their order. */
static int tier(const cairn_alert_ref *r)
{
    if (r->alert->kind == CAIRN_ALERT_RISK) {
        return r->on_latest ? 0 : 1;
    }
    return 1 + (int)r->alert->kind;
}

static int by_rank(const void *pa, const void *pb)
{
    const ranked *ra = pa, *rb = pb;
    const cairn_alert *a = ra->ref.alert, *b = rb->ref.alert;
    if (a->state != b->state) {
        return a->state < b->state ? -1 : 1;
    }
    int ta = tier(&ra->ref), tb = tier(&rb->ref);
    if (ta != tb) {
        return ta < tb ? -1 : 1;
    }
    int d = strcmp(b->date ? b->date : "", a->date ? a->date : "");
    if (d != 0) {
        return d; /* the newest first */
    }
    if (ra->client_pos != rb->client_pos) {
        return ra->client_pos < rb->client_pos ? -1 : 1;
    }
    return strcmp(a->key, b->key);
}

/* Append the alerts of one client's trends to `r` (room for them). */
static size_t collect(ranked *r, size_t n, const char *client,
                      const char *clinician, size_t pos,
                      cairn_trend *const *trends, size_t n_trends,
                      bool with_resolved)
{
    for (size_t i = 0; i < n_trends; i++) {
        const cairn_trend *t = trends[i];
        for (size_t k = 0; k < t->n_alerts; k++) {
            const cairn_alert *a = &t->alerts[k];
            if (a->state == CAIRN_ALERT_RESOLVED && !with_resolved) {
                continue;
            }
            /* on the latest assessment: none is newer among the scored
                             ones (a risk on an unscored newer one counts) */
            bool latest = !t->has_baseline || a->date == NULL ||
                          t->latest.date == NULL ||
                          strcmp(a->date, t->latest.date) >= 0;
            r[n++] = (ranked){{client, clinician, t, a, latest}, pos};
        }
    }
    return n;
}

/* Sort `r` and move it into a new list. */
static int finish(cairn_alert_list **out, ranked *r, size_t n, cairn_error *err)
{
    cairn_alert_list *l = calloc(1, sizeof *l);
    cairn_alert_ref *items = calloc(n + 1, sizeof *items);
    if (l == NULL || items == NULL) {
        free(l);
        free(items);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    qsort(r, n, sizeof *r, by_rank);
    for (size_t i = 0; i < n; i++) {
        items[i] = r[i].ref;
        cairn_alert_state s = r[i].ref.alert->state;
        l->n_open += s == CAIRN_ALERT_OPEN;
        l->n_acknowledged += s == CAIRN_ALERT_ACKNOWLEDGED;
        l->n_resolved += s == CAIRN_ALERT_RESOLVED;
    }
    l->n = n;
    l->items = items;
    *out = l;
    return CAIRN_OK;
}

static size_t count_alerts(cairn_trend *const *trends, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += trends[i]->n_alerts;
    }
    return total;
}

int cairn_alert_list_of_trends(cairn_alert_list **out, const char *client,
                               cairn_trend *const *trends, size_t n,
                               bool with_resolved, cairn_error *err)
{
    *out = NULL;
    ranked *r = calloc(count_alerts(trends, n) + 1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t k = collect(r, 0, client, NULL, 0, trends, n, with_resolved);
    int rc = finish(out, r, k, err);
    free(r);
    return rc;
}

int cairn_alert_list_compute(cairn_alert_list **out, const cairn_caseload *cl,
                             bool with_resolved, cairn_error *err)
{
    size_t total = 0, k = 0;
    *out = NULL;
    for (size_t i = 0; i < cl->n; i++) {
        total += count_alerts(cl->entries[i].trends, cl->entries[i].n_trends);
    }
    ranked *r = calloc(total + 1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cl->n; i++) {
        const cairn_caseload_entry *e = &cl->entries[i];
        k = collect(r, k, e->client->code, e->client->clinician, i, e->trends,
                    e->n_trends, with_resolved);
    }
    int rc = finish(out, r, k, err);
    free(r);
    return rc;
}

void cairn_alert_list_free(cairn_alert_list *l)
{
    if (l == NULL) {
        return;
    }
    free(l->items);
    free(l);
}

/* Longest client code an alert's owner is looked up by (store.h's
 * codes are shorter). */
#define CAIRN_ALERT_CLIENT_MAX 256

/*
 * The client of the assessment alert `key` names ("<kind>:<assessment
 * id>[:<item>]"), in `code`; `*named` false when the key names no
 * assessment Cairn holds (then no client's data can raise it).
 */
static int key_client(cairn_store *st, const char *key, char *code, size_t size,
                      bool *named, cairn_error *err)
{
    const char *colon = strchr(key, ':');
    char *end = NULL;
    *named = false;
    if (colon == NULL || colon[1] < '0' || colon[1] > '9') {
        return CAIRN_OK;
    }
    errno = 0;
    long long id = strtoll(colon + 1, &end, 10);
    if (errno != 0 || id <= 0 || (*end != '\0' && *end != ':')) {
        return CAIRN_OK;
    }
    cairn_assessment *a = NULL;
    int rc = cairn_store_assessment_get(&a, st, (int64_t)id, err);
    if (rc == CAIRN_ENOTFOUND) {
        return CAIRN_OK; /* the caller says "no alert" */
    }
    if (rc < 0) {
        return rc;
    }
    if (a->client_code != NULL && strlen(a->client_code) < size) {
        memcpy(code, a->client_code, strlen(a->client_code) + 1);
        *named = true;
    }
    cairn_store_assessment_free(a);
    return CAIRN_OK;
}

int cairn_alert_set(cairn_store *st, const cairn_catalog *cat, const char *key,
                    cairn_alert_state state, const char *note, char *client,
                    size_t size, cairn_error *err)
{
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    const char *owner = NULL;
    const cairn_alert *found = NULL;
    char code[CAIRN_ALERT_CLIENT_MAX];
    bool named = false;
    o.all = true;
    /* only the client whose assessment the key names can raise it */
    int rc = key_client(st, key, code, sizeof code, &named, err);
    if (rc == 0 && !named) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no alert '%s'", key);
    }
    o.client = code;
    if (rc == 0) {
        rc = cairn_caseload_compute(&cl, st, cat, &o, err);
    }
    for (size_t k = 0; rc == 0 && owner == NULL && k < cl->n; k++) {
        const cairn_caseload_entry *e = &cl->entries[k];
        for (size_t i = 0; owner == NULL && i < e->n_trends; i++) {
            for (size_t j = 0; j < e->trends[i]->n_alerts; j++) {
                if (strcmp(e->trends[i]->alerts[j].key, key) == 0) {
                    owner = e->client->code;
                    found = &e->trends[i]->alerts[j];
                }
            }
        }
    }
    if (rc == 0 && owner == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND, "no alert '%s'", key);
    }
    if (rc == 0 && found->state == CAIRN_ALERT_RESOLVED &&
        state == CAIRN_ALERT_ACKNOWLEDGED) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "alert %s was resolved by %s on %.10s; it "
                             "cannot be acknowledged again",
                             key, found->state_by ? found->state_by : "?",
                             found->state_at ? found->state_at : "?");
    }
    if (rc == 0) {
        rc = cairn_store_alert_set(st, owner, key, state, note, err);
    }
    if (rc == 0 && client != NULL && size > 0) {
        snprintf(client, size, "%s", owner);
    }
    cairn_caseload_free(cl);
    return rc;
}
