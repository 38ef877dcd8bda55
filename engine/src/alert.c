/*
 * alert.c - alerts with their states: applying the clinicians' records
 * to computed alerts, ordering them, and recording an action.
 *
 * Alert keys hold the assessment id, which is unique in the store, so a
 * key names one client's alert; the record's client is still checked.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/alert.h"
#include "cairn/date.h"
#include "internal.h"

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

size_t cairn_alert_groups(const cairn_caseload_cell *cell,
                          cairn_alert_group out[CAIRN_ALERT_KIND_COUNT])
{
    size_t n = 0;
    for (size_t k = 0; k < cell->n_open; k++) {
        cairn_alert_kind kind = (cairn_alert_kind)cell->open_kinds[k];
        size_t g = 0;
        while (g < n && out[g].kind != kind) {
            g++;
        }
        if (g == n) {
            /* kinds are below CAIRN_ALERT_KIND_COUNT: n stays in bounds */
            assert(n < CAIRN_ALERT_KIND_COUNT);
            out[n++] = (cairn_alert_group){kind, 0};
        }
        out[g].n++;
    }
    return n;
}

const char *cairn_alert_group_label(char *buf, size_t size,
                                    const cairn_alert_group *g)
{
    const char *label = cairn_alert_kind_label(g->kind);
    if (g->n > 1) {
        snprintf(buf, size, "%s %zu times", label, g->n);
    } else {
        snprintf(buf, size, "%s", label);
    }
    return buf;
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

/* Alert `a` of trend `t` of a client, ranked. */
static ranked rank_one(const cairn_trend *t, const cairn_alert *a,
                       const char *client, const char *clinician,
                       const char *name, size_t pos)
{
    /* on the latest assessment: none is newer among the scored ones (a
     * risk on an unscored newer one counts) */
    bool latest = !t->has_baseline || a->date == NULL ||
                  t->latest.date == NULL ||
                  strcmp(a->date, t->latest.date) >= 0;
    return (ranked){
        {client, clinician, t, a, latest, t->instrument, t->scale, name}, pos};
}

/* Append the alerts of one client's trends to `r` (room for them). */
static size_t collect(ranked *r, size_t n, const char *client,
                      const char *clinician, const char *name, size_t pos,
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
            r[n++] = rank_one(t, a, client, clinician, name, pos);
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
    if (n > 1) {
        qsort(r, n, sizeof *r, by_rank);
    }
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
    size_t k = collect(r, 0, client, NULL, NULL, 0, trends, n, with_resolved);
    int rc = finish(out, r, k, err);
    free(r);
    return rc;
}

void cairn_alert_top_of_trends(cairn_alert_ref *top, size_t *n_open,
                               size_t *n_acknowledged, const char *client,
                               cairn_trend *const *trends, size_t n)
{
    ranked best = {{0}, 0};
    *n_open = 0;
    *n_acknowledged = 0;
    for (size_t i = 0; i < n; i++) {
        const cairn_trend *t = trends[i];
        for (size_t k = 0; k < t->n_alerts; k++) {
            const cairn_alert *a = &t->alerts[k];
            *n_acknowledged += a->state == CAIRN_ALERT_ACKNOWLEDGED;
            if (a->state != CAIRN_ALERT_OPEN) {
                continue;
            }
            /* the first in the list's order (by_rank), as collect() and
             * finish() would rank it */
            ranked r = rank_one(t, a, client, NULL, NULL, 0);
            if (*n_open == 0 || by_rank(&r, &best) < 0) {
                best = r;
            }
            ++*n_open;
        }
    }
    if (*n_open > 0) {
        *top = best.ref;
    }
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
        k = collect(r, k, e->client->code, e->client->clinician,
                    e->client->name, i, e->trends, e->n_trends, with_resolved);
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
    for (size_t i = 0; l->owned && i < l->n; i++) {
        free((void *)l->items[i].alert); /* its copy, see keep() */
    }
    free(l->items);
    free(l);
}

/* ------------------------------------------------------------------ */
/* A list built one client at a time (cairn_attention_read)            */

struct cairn__alert_acc {
    bool with_resolved;
    ranked *r; /* every alert kept so far */
    size_t n, cap;
};

int cairn__alert_acc_new(cairn__alert_acc **out, bool with_resolved)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return CAIRN_ENOMEM;
    }
    (*out)->with_resolved = with_resolved;
    return CAIRN_OK;
}

static size_t text_size(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

/* `s` copied to `*at` (advanced), or NULL for NULL. */
static const char *put_text(char **at, const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = memcpy(*at, s, n);
    *at += n;
    return p;
}

/* Replace what `ref` borrows from a client's trends (gone once the walk
 * moves on) by one copy: the alert first, its texts after it, so freeing
 * the alert frees them all. */
static bool keep(cairn_alert_ref *ref)
{
    const cairn_alert *a = ref->alert;
    size_t n = sizeof *a + text_size(a->date) + text_size(a->state_by) +
               text_size(a->state_at) + text_size(a->state_note) +
               text_size(ref->client) + text_size(ref->clinician) +
               text_size(ref->client_name) + text_size(ref->instrument) +
               text_size(ref->scale);
    cairn_alert *copy = malloc(n);
    if (copy == NULL) {
        return false;
    }
    char *at = (char *)(copy + 1);
    *copy = *a;
    copy->date = put_text(&at, a->date);
    copy->state_by = put_text(&at, a->state_by);
    copy->state_at = put_text(&at, a->state_at);
    copy->state_note = put_text(&at, a->state_note);
    ref->client = put_text(&at, ref->client);
    ref->clinician = put_text(&at, ref->clinician);
    ref->client_name = put_text(&at, ref->client_name);
    ref->instrument = put_text(&at, ref->instrument);
    ref->scale = put_text(&at, ref->scale);
    ref->trend = NULL;
    ref->alert = copy;
    return true;
}

int cairn__alert_acc_add(cairn__alert_acc *acc, const cairn_caseload_entry *e,
                         size_t pos, cairn_error *err)
{
    size_t more = count_alerts(e->trends, e->n_trends);
    if (acc->n + more > acc->cap) {
        size_t cap = acc->cap ? acc->cap : 64;
        while (cap < acc->n + more) {
            cap *= 2;
        }
        ranked *r = realloc(acc->r, cap * sizeof *r);
        if (r == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        acc->r = r;
        acc->cap = cap;
    }
    size_t first = acc->n;
    size_t n = collect(acc->r, first, e->client->code, e->client->clinician,
                       e->client->name, pos, e->trends, e->n_trends,
                       acc->with_resolved);
    for (size_t i = first; i < n; i++) {
        if (!keep(&acc->r[i].ref)) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        acc->n = i + 1; /* only kept ones are counted (and freed) */
    }
    return CAIRN_OK;
}

int cairn__alert_acc_finish(cairn__alert_acc *acc, cairn_alert_list **out,
                            cairn_error *err)
{
    int rc = finish(out, acc->r, acc->n, err);
    if (rc == CAIRN_OK) {
        (*out)->owned = true;
        acc->n = 0; /* the copies are the list's now */
    }
    return rc;
}

void cairn__alert_acc_rank(cairn__alert_acc *acc,
                           size_t (*rank_of)(size_t pos, void *arg), void *arg)
{
    for (size_t i = 0; i < acc->n; i++) {
        acc->r[i].client_pos = rank_of(acc->r[i].client_pos, arg);
    }
}

void cairn__alert_acc_free(cairn__alert_acc *acc)
{
    if (acc == NULL) {
        return;
    }
    for (size_t i = 0; i < acc->n; i++) {
        free((void *)acc->r[i].ref.alert);
    }
    free(acc->r);
    free(acc);
}

int cairn_alert_client(cairn_store *st, const char *key, char *code,
                       size_t size, cairn_error *err)
{
    const char *colon = key != NULL ? strchr(key, ':') : NULL;
    char *end = NULL;
    long long id = 0;
    if (colon != NULL && colon[1] >= '0' && colon[1] <= '9') {
        errno = 0;
        id = strtoll(colon + 1, &end, 10);
        if (errno != 0 || (*end != '\0' && *end != ':')) {
            id = 0;
        }
    }
    cairn_assessment *a = NULL;
    int rc = id > 0 ? cairn_store_assessment_get(&a, st, (int64_t)id, err)
                    : CAIRN_ENOTFOUND;
    if (rc == CAIRN_OK &&
        (a->client_code == NULL || strlen(a->client_code) >= size)) {
        rc = CAIRN_ENOTFOUND;
    }
    if (rc == CAIRN_OK) {
        memcpy(code, a->client_code, strlen(a->client_code) + 1);
    }
    cairn_store_assessment_free(a);
    if (rc == CAIRN_ENOTFOUND) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no alert '%.80s'",
                               key != NULL ? key : "");
    }
    return rc;
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
    o.all = true;
    /* only the client whose assessment the key names can raise it */
    int rc = cairn_alert_client(st, key, code, sizeof code, err);
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
