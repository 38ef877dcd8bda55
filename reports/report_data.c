/*
 * report_data.c - reading the store into report models.
 *
 * A client's record becomes one "course" per instrument the client has
 * completed, each with a trend on every scale of the instrument (the
 * engine's cairn_trend_compute, so a report shows exactly the numbers
 * `cairn trend` prints).  The clinic's expected course, which the "not on
 * track" alert needs, is the engine's (cairn_caseload_expectation), fitted
 * once per instrument and cached for the run.
 *
 * Only the engine's public API is used here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/caseload.h"
#include "cairn/timeline.h"
#include "report_internal.h"

/* ---- options ---- */

cairn_trend_options cairn__report_trend_options(const cairn_report_options *o,
                                                const cairn_instrument *inst,
                                                const cairn_scale *scale)
{
    cairn_trend_options base = CAIRN_TREND_OPTIONS_INIT;
    base.axis = o->axis;
    base.no_improvement_weeks = o->no_improvement_weeks;
    return cairn_trend_options_for(&base, o->overrides, o->n_overrides, inst,
                                   scale);
}

/* The cached expectation for catalog instrument `inst`. */
static int expectation_for(cairn__report_cache *cache, cairn_store *st,
                           const cairn_catalog *cat,
                           const cairn_instrument *inst,
                           const cairn_expectation **out, cairn_error *err)
{
    *out = NULL;
    if (cache == NULL) {
        return CAIRN_OK;
    }
    size_t i = 0;
    while (i < cairn_catalog_count(cat) && cairn_catalog_get(cat, i) != inst) {
        i++;
    }
    if (i >= CAIRN__REPORT_MAX_INSTRUMENTS) {
        return CAIRN_OK;
    }
    if (!cache->done[i]) {
        int rc =
            cairn_caseload_expectation(&cache->expect[i], st, inst, NULL, err);
        if (rc < 0) {
            return rc;
        }
        cache->done[i] = true;
    }
    *out = &cache->expect[i];
    return CAIRN_OK;
}

/* ---- courses ---- */

static int course_trends(cairn_report_course *c, const cairn_report_in *in,
                         const cairn_expectation *expect, cairn_error *err)
{
    const cairn_instrument *inst = c->instrument;
    c->n_trends = cairn_instrument_scale_count(inst);
    c->trends = calloc(c->n_trends, sizeof *c->trends);
    if (c->trends == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t s = 0; s < c->n_trends; s++) {
        const cairn_scale *sc = cairn_instrument_scale(inst, s);
        cairn_trend_options to =
            cairn__report_trend_options(in->opts, inst, sc);
        int rc =
            cairn_trend_compute(&c->trends[s], inst, in->list, in->loss_date,
                                &to, s == 0 ? expect : NULL, err);
        if (rc < 0) {
            return rc;
        }
    }
    return CAIRN_OK;
}

/* Point c->assessments at the list's assessments of c->instrument. */
static int course_assessments(cairn_report_course *c,
                              const cairn_assessment_list *list,
                              cairn_error *err)
{
    const char *code = cairn_instrument_code(c->instrument);
    c->assessments = calloc(c->n_assessments, sizeof *c->assessments);
    if (c->assessments == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < list->n; i++) {
        if (strcmp(list->items[i].instrument, code) == 0) {
            c->assessments[k++] = &list->items[i];
        }
    }
    return CAIRN_OK;
}

/* An assessment of an instrument the catalog does not hold. */
static int unknown_instrument(const cairn_catalog *cat,
                              const cairn_assessment_list *list,
                              cairn_error *err)
{
    for (size_t i = 0; i < list->n; i++) {
        const cairn_instrument *inst = NULL;
        if (cairn_catalog_find(&inst, cat, list->items[i].instrument, NULL) <
            0) {
            return cairn_error_set(err, CAIRN_ENOTFOUND,
                                   "assessment %lld is of '%s', which the "
                                   "instrument folder lacks",
                                   (long long)list->items[i].id,
                                   list->items[i].instrument);
        }
    }
    return CAIRN_OK;
}

int cairn__report_courses(cairn_report_course **out, size_t *n_out,
                          const cairn_report_in *in, cairn_error *err)
{
    const cairn_catalog *cat = in->cat;
    size_t n_cat = cairn_catalog_count(cat);
    cairn_report_course *c = calloc(n_cat + 1, sizeof *c);
    size_t n = 0, matched = 0;
    int rc = c ? CAIRN_OK : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CAIRN_OK && i < n_cat; i++) {
        const cairn_instrument *inst = cairn_catalog_get(cat, i);
        const char *code = cairn_instrument_code(inst);
        size_t count = 0;
        for (size_t k = 0; k < in->list->n; k++) {
            count += strcmp(in->list->items[k].instrument, code) == 0;
        }
        if (count == 0) {
            continue;
        }
        matched += count;
        cairn_report_course *co = &c[n++];
        co->instrument = inst;
        co->n_assessments = count;
        const cairn_expectation *e = NULL;
        rc = course_assessments(co, in->list, err);
        if (rc == CAIRN_OK && in->opts->expectation) {
            rc = expectation_for(in->cache, in->st, cat, inst, &e, err);
        }
        if (rc == CAIRN_OK) {
            rc = course_trends(co, in, e, err);
        }
    }
    if (rc == CAIRN_OK && matched < in->list->n) {
        rc = unknown_instrument(cat, in->list, err);
    }
    if (rc < 0) {
        cairn__report_courses_free(c, n);
        return rc;
    }
    *out = c;
    *n_out = n;
    return CAIRN_OK;
}

void cairn__report_courses_free(cairn_report_course *c, size_t n)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < c[i].n_trends && c[i].trends; s++) {
            cairn_trend_free(c[i].trends[s]);
        }
        free(c[i].trends);
        free(c[i].assessments);
    }
    free(c);
}

/* ---- alerts ---- */

int cairn__report_alert_states(cairn_alert_record_list **out, cairn_store *st,
                               cairn_error *err)
{
    return cairn_store_alert_list(out, st, err);
}

/* The course whose main trend is `t`. */
static const cairn_instrument *course_of(const cairn_report_course *c, size_t n,
                                         const cairn_trend *t)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].n_trends > 0 && c[i].trends[0] == t) {
            return c[i].instrument;
        }
    }
    return NULL;
}

int cairn__report_alerts(cairn_report_alert **out, size_t *n_out,
                         size_t *n_open, const cairn_alert_record_list *rec,
                         const char *client, cairn_report_course *c,
                         size_t n_courses, cairn_error *err)
{
    cairn_trend **main = calloc(n_courses + 1, sizeof *main);
    cairn_alert_list *l = NULL;
    size_t n = 0;
    int rc =
        main ? CAIRN_OK : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CAIRN_OK && i < n_courses; i++) {
        if (c[i].n_trends > 0) {
            cairn_alert_apply_states(c[i].trends[0], rec);
            main[n++] = c[i].trends[0];
        }
    }
    if (rc == CAIRN_OK) {
        rc = cairn_alert_list_of_trends(&l, client, main, n, false, err);
    }
    cairn_report_alert *a = NULL;
    if (rc == CAIRN_OK) {
        a = calloc(l->n + 1, sizeof *a);
        rc = a ? CAIRN_OK : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == CAIRN_OK && i < l->n; i++) {
        a[i] = (cairn_report_alert){course_of(c, n_courses, l->items[i].trend),
                                    l->items[i].alert};
    }
    if (rc == CAIRN_OK) {
        *out = a;
        *n_out = l->n;
        *n_open = l->n_open;
    }
    cairn_alert_list_free(l);
    free(main);
    return rc;
}

/* ---- the time the report describes ---- */

time_t cairn__report_as_of(cairn_store *st, const cairn_report_options *o)
{
    if (o->created != 0) {
        return o->created;
    }
    cairn_audit_list *l = NULL;
    time_t t = 0;
    if (cairn_store_audit_list(&l, st, 1, NULL) == CAIRN_OK && l->n > 0) {
        double days = cairn__report_days(l->items[l->n - 1].at);
        if (!isnan(days)) {
            t = (time_t)llround(days * 86400.0);
        }
    }
    cairn_store_audit_list_free(l);
    return t;
}

/* ---- a client's record ---- */

int cairn_report_client_load(cairn_report_client **out, cairn_store *st,
                             const cairn_catalog *cat, const char *code,
                             const cairn_report_options *opts, cairn_error *err)
{
    cairn__report_cache cache;
    memset(&cache, 0, sizeof cache);
    return cairn__report_client_read(out, st, cat, code, opts, &cache, err);
}

int cairn__report_client_read(cairn_report_client **out, cairn_store *st,
                              const cairn_catalog *cat, const char *code,
                              const cairn_report_options *opts,
                              cairn__report_cache *cache, cairn_error *err)
{
    cairn_report_options defaults = CAIRN_REPORT_OPTIONS_INIT;
    const cairn_report_options *o = opts ? opts : &defaults;
    *out = NULL;
    cairn_report_client *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn_store_client_get(&r->client, st, code, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_list(&r->assessments, st, code, NULL,
                                         CAIRN_LIST_CURRENT, err);
    }
    if (rc == CAIRN_OK && r->assessments->n == 0) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND,
                             "client '%s' has no assessments to report", code);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_event_list(&r->events, st, code, err);
    }
    if (rc == CAIRN_OK) {
        /* the due date and the anniversaries up to the report's date */
        char until[CAIRN_DATE_MAX];
        time_t as_of = cairn__report_as_of(st, o);
        struct tm tm;
        gmtime_r(&as_of, &tm);
        strftime(until, sizeof until, "%Y-%m-%d", &tm);
        rc = cairn_timeline_add_markers(r->events, r->client,
                                        as_of > 0 ? until : NULL, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_episode_list(&r->episodes, st, code, err);
    }
    if (rc == CAIRN_OK) {
        cairn_report_in in = {
            st, cat, o, r->assessments, r->client->loss_date, cache};
        rc = cairn__report_courses(&r->courses, &r->n_courses, &in, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__report_alert_states(&r->alert_states, st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__report_alerts(&r->alerts, &r->n_alerts, &r->n_open,
                                  r->alert_states, code, r->courses,
                                  r->n_courses, err);
    }
    if (rc < 0) {
        cairn_report_client_free(r);
        return rc;
    }
    r->as_of = cairn__report_as_of(st, o);
    r->db_path = strdup(cairn_store_path(st));
    if (r->db_path == NULL) {
        cairn_report_client_free(r);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    *out = r;
    return CAIRN_OK;
}

void cairn_report_client_free(cairn_report_client *r)
{
    if (r == NULL) {
        return;
    }
    free(r->db_path);
    free(r->alerts);
    cairn_store_alert_list_free(r->alert_states);
    cairn__report_courses_free(r->courses, r->n_courses);
    cairn_store_episode_list_free(r->episodes);
    cairn_store_event_list_free(r->events);
    cairn_store_assessment_list_free(r->assessments);
    cairn_store_client_free(r->client);
    free(r);
}
