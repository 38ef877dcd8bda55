/*
 * trend.c - one client's course on one scale: baseline, latest, slope,
 * reliable and clinically significant change, and the alerts.
 *
 * Works on data already read from the store (no database here).  The
 * "not on track" alert uses the clinic's growth model: a client's later
 * score, given the baseline, is normal with the model's conditional mean
 * and variance, and a latest score beyond the 90% band is off track.
 */
#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cairn.h"
#include "cairn/settings.h"
#include "cairn/trend.h"
#include "internal.h"

/* The public struct plus storage for composed strings. */
typedef struct trend_impl {
    cairn_trend pub;
    char window_source[300];
    char *strings; /* the client code, dates and bands, owned */
    bool borrowed; /* ... or the list's (borrow_texts) */
} trend_impl;

static const char *const alert_names[] = {
    [CAIRN_ALERT_RISK] = "risk",
    [CAIRN_ALERT_RISK_UNANSWERED] = "risk_unanswered",
    [CAIRN_ALERT_DETERIORATION] = "deterioration",
    [CAIRN_ALERT_OFF_TRACK] = "off_track",
    [CAIRN_ALERT_NO_IMPROVEMENT] = "no_improvement"};
static_assert(sizeof alert_names / sizeof alert_names[0] ==
                  CAIRN_ALERT_KIND_COUNT,
              "one name per alert kind");

const char *cairn_alert_kind_name(cairn_alert_kind kind)
{
    return (unsigned)kind < CAIRN_ALERT_KIND_COUNT ? alert_names[kind]
                                                   : "unknown";
}

int cairn_trend_date_days(const char *iso, double *days, cairn_error *err)
{
    return cairn_date_days(iso, days, err);
}

cairn_trend_options cairn_trend_options_for(const cairn_trend_options *base,
                                            const cairn_trend_override *ov,
                                            size_t n,
                                            const cairn_instrument *inst,
                                            const cairn_scale *scale)
{
    cairn_trend_options t = *base;
    t.scale = scale->id;
    bool main = scale == cairn_instrument_scale(inst, 0);
    for (size_t i = 0; i < n; i++) {
        const cairn_trend_override *v = &ov[i];
        bool same_scale = v->scale ? strcmp(v->scale, scale->id) == 0 : main;
        if (strcmp(v->instrument, cairn_instrument_code(inst)) != 0 ||
            !same_scale) {
            continue;
        }
        if (v->has_sd) {
            t.has_sd = true;
            t.sd = v->sd;
        }
        if (v->has_reliability) {
            t.has_reliability = true;
            t.reliability = v->reliability;
        }
        if (v->has_cutoff) {
            t.has_cutoff = true;
            t.cutoff = v->cutoff;
        }
    }
    return t;
}

cairn_expectation cairn_expectation_from_fit(const cairn_mixed_fit_result *fit,
                                             size_t n_clients)
{
    cairn_expectation e = {0};
    e.n_clients = n_clients;
    e.min_clients = CAIRN_EXPECTATION_MIN_CLIENTS;
    if (fit == NULL) {
        return e;
    }
    e.available = n_clients >= e.min_clients;
    e.b0 = fit->intercept;
    e.b1 = fit->slope;
    e.v0 = fit->sd_intercept * fit->sd_intercept;
    e.v1 = fit->sd_slope * fit->sd_slope;
    e.c01 = fit->cor * fit->sd_intercept * fit->sd_slope;
    e.s2 = fit->sigma * fit->sigma;
    return e;
}

bool cairn_expectation_band(const cairn_expectation *e, double y0, double w,
                            double *mean, double *low, double *high)
{
    if (e == NULL || !e->available) {
        return false;
    }
    /* (y0, yw) are jointly normal under the model; condition on y0. */
    double var0 = e->v0 + e->s2;
    double varw = e->v0 + 2 * w * e->c01 + w * w * e->v1 + e->s2;
    double cov = e->v0 + w * e->c01;
    double m = e->b0 + e->b1 * w + cov / var0 * (y0 - e->b0);
    double v = varw - cov * cov / var0;
    double z = gsl_cdf_ugaussian_Pinv(0.95);
    double sd = sqrt(fmax(v, 0));
    *mean = m;
    *low = m - z * sd;
    *high = m + z * sd;
    return true;
}

/* Write ':' and `v` in decimal at `at`; returns the end. */
static char *key_int(char *at, long long v)
{
    char digits[24];
    size_t n = 0;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    *at++ = ':';
    if (v < 0) {
        *at++ = '-';
    }
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    while (n > 0) {
        *at++ = digits[--n];
    }
    return at;
}

static void add_alert(cairn_trend *t, cairn_alert_kind kind,
                      const cairn_trend_point *p, int item, const char *reason)
{
    cairn_alert *a = &t->alerts[t->n_alerts++];
    /* every member set (the key and reason as texts), not the whole
     * record cleared: a caseload makes a hundred thousand alerts */
    a->kind = kind;
    a->assessment_id = p->assessment_id;
    a->date = p->date;
    a->item = item;
    a->state = CAIRN_ALERT_OPEN;
    a->state_by = NULL;
    a->state_at = NULL;
    a->state_note = NULL;
    /* "<kind>:<id>[:<item>]", at most 15 + 1 + 20 + 1 + 11 bytes: the
     * same text snprintf would make, without its cost on every alert */
    static_assert(sizeof a->key > 48, "an alert key fits");
    size_t len = strlen(alert_names[kind]);
    char *at = a->key;
    memcpy(at, alert_names[kind], len);
    at = key_int(at + len, (long long)p->assessment_id);
    if (item > 0) {
        at = key_int(at, item);
    }
    *at = '\0';
    size_t n = strnlen(reason, sizeof a->reason - 1); /* as snprintf cuts */
    memcpy(a->reason, reason, n);
    a->reason[n] = '\0';
}

/* "<the date's first 10 bytes>: <msg>" into `out` (256 bytes), cut as
 * snprintf would cut it, without its cost on every risk alert. */
static void dated_reason(char out[static 256], const char *date,
                         const char *msg)
{
    size_t d = strnlen(date, 10), m = strnlen(msg, 255);
    size_t at = 0;
    memcpy(out, date, d);
    at = d;
    memcpy(out + at, ": ", 2);
    at += 2;
    m = m < 255 - at ? m : 255 - at;
    memcpy(out + at, msg, m);
    out[at + m] = '\0';
}

/* Whether row `a` is of instrument `code`: a list's rows of one
 * instrument share its text, so the answer for the row before is kept
 * (`*last` its text, `*last_is` the answer). */
static bool is_of(const cairn_assessment *a, const char *code,
                  const char **last, bool *last_is)
{
    if (a->instrument != *last) {
        *last = a->instrument;
        *last_is = strcmp(a->instrument, code) == 0;
    }
    return *last_is;
}

/* The scored points of the scale, in date order (the list's order). */
/* Choose the episode: its window in days [*from, *to), or none. */
static int pick_episode(cairn_trend *t, const cairn_trend_options *o,
                        bool *limit, double *from, double *to, cairn_error *err)
{
    const cairn_episode_list *ep = o->episodes;
    *limit = false;
    if (o->episode == CAIRN_EPISODE_ALL || ep == NULL || ep->n == 0) {
        return CAIRN_OK;
    }
    size_t k = o->episode == CAIRN_EPISODE_CURRENT ? ep->n : (size_t)o->episode;
    if (o->episode < 0 || k > ep->n) {
        return cairn_error_set(err, CAIRN_ENOTFOUND,
                               "client has %zu episode%s of care, not %d",
                               ep->n, ep->n == 1 ? "" : "s", o->episode);
    }
    const cairn_episode *e = &ep->items[k - 1];
    int rc = cairn_date_days(e->started_on, from, err);
    *to = INFINITY;
    if (rc == 0 && e->ended_on != NULL) {
        rc = cairn_date_days(e->ended_on, to, err);
        *to += 1; /* the whole last day */
    }
    t->episode = (int)k;
    t->episode_start = e->started_on;
    t->episode_end = e->ended_on;
    *limit = true;
    return rc;
}

static int collect_points(cairn_trend *t, const cairn_assessment_list *list,
                          size_t scale_index, const char *code,
                          const cairn_trend_options *o, cairn_error *err)
{
    bool limit = false;
    double from = 0, to = 0;
    int erc = pick_episode(t, o, &limit, &from, &to, err);
    if (erc < 0) {
        return erc;
    }
    t->points = calloc(list->n + 1, sizeof *t->points);
    if (t->points == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    const char *last = NULL;
    bool last_is = false;
    for (size_t i = 0; i < list->n; i++) {
        const cairn_assessment *a = &list->items[i];
        if (!is_of(a, code, &last, &last_is)) {
            continue;
        }
        t->n_assessments++;
        if (scale_index >= a->n_scales || !a->scales[scale_index].has_score) {
            continue;
        }
        double days = 0;
        int rc = cairn_date_days(a->administered_at, &days, err);
        if (rc < 0) {
            return rc;
        }
        if (limit && (days < from || days >= to)) {
            t->n_outside++;
            continue;
        }
        cairn_trend_point *p = &t->points[t->n++];
        p->assessment_id = a->id;
        p->date = a->administered_at;
        p->weeks = days / 7.0; /* absolute until the axis is chosen */
        p->score = a->scales[scale_index].score;
        p->band = a->scales[scale_index].band;
        p->n_flags = a->n_flags;
    }
    return CAIRN_OK;
}

/* The alerts of risk items endorsed or left unanswered; their reasons
 * only when `reasons`. */
static void risk_alerts(cairn_trend *t, const cairn_instrument *inst,
                        const cairn_assessment_list *list, bool reasons)
{
    const char *last = NULL;
    bool last_is = false;
    for (size_t i = list->n; i-- > 0;) {
        const cairn_assessment *a = &list->items[i];
        if (!is_of(a, t->instrument, &last, &last_is)) {
            continue;
        }
        for (size_t f = 0; f < a->n_flags; f++) {
            cairn_trend_point p = {.assessment_id = a->id,
                                   .date = a->administered_at};
            const char *msg = "a risk item was endorsed";
            for (size_t k = 0; reasons && k < cairn_instrument_risk_count(inst);
                 k++) {
                if (cairn_instrument_risk(inst, k)->item == a->flags[f].item) {
                    msg = cairn_instrument_risk(inst, k)->message;
                }
            }
            char reason[256];
            reason[0] = '\0';
            if (reasons) {
                dated_reason(reason, a->administered_at, msg);
            }
            add_alert(t, CAIRN_ALERT_RISK, &p, a->flags[f].item, reason);
        }
        for (size_t k = 0; k < cairn_instrument_risk_count(inst); k++) {
            int item = cairn_instrument_risk(inst, k)->item;
            if ((size_t)item > a->n_items || !a->missing[item - 1]) {
                continue;
            }
            cairn_trend_point p = {.assessment_id = a->id,
                                   .date = a->administered_at};
            char msg[200], reason[256];
            reason[0] = '\0';
            if (reasons) {
                cairn_score_unanswered_message(inst, item, msg, sizeof msg);
                dated_reason(reason, a->administered_at, msg);
            }
            add_alert(t, CAIRN_ALERT_RISK_UNANSWERED, &p, item, reason);
        }
    }
}

static int parameters(trend_impl *ti, const cairn_scale *sc,
                      const cairn_trend_options *o, cairn_error *err)
{
    cairn_trend *t = &ti->pub;
    cairn_param_overrides ov = {o->has_sd,          o->sd,
                                o->has_reliability, o->reliability,
                                o->has_cutoff,      o->cutoff};
    cairn_change_params *p = &t->params;
    int rc = CAIRN_OK;
    if (o->cache != NULL && o->cache->has_params) {
        *p = o->cache->params;
    } else {
        rc = cairn_stats_params_resolve(p, t->instrument, sc, o->settings, &ov,
                                        err);
    }
    if (rc < 0) {
        return rc;
    }
    if (o->cache != NULL && !o->cache->has_params) {
        o->cache->params = *p;
        o->cache->has_params = true;
    }
    if (p->has_rc && t->n >= 2) {
        rc = cairn_stats_rci_in_force(&t->rci, t->baseline.score,
                                      t->latest.score, p, sc->direction, err);
        if (rc < 0) {
            return rc;
        }
        t->has_rci = true;
        t->rc_kind =
            p->reliability_from == CAIRN_PARAM_DEFINITION ? sc->rc_kind : NULL;
        t->rc_source = p->rc_source;
    }
    if (p->has_cutoff) {
        t->has_cutoff = true;
        t->cutoff = p->cutoff;
        t->case_when = p->case_when;
        t->cutoff_source = p->cutoff_source;
    }
    if (t->has_cutoff && t->n >= 2) {
        t->has_clinical = true;
        t->clinical = cairn_stats_clinical(
            t->baseline.score, t->latest.score, t->cutoff, t->case_when,
            t->has_rci ? t->rci.category : CAIRN_RC_NO_RELIABLE_CHANGE);
    }
    return CAIRN_OK;
}

/* The no-improvement window: the caller's, a setting (this instrument's,
 * then the clinic's), or the default. */
static void improvement_window(trend_impl *ti, const cairn_trend_options *o)
{
    cairn_trend *t = &ti->pub;
    char key[96];
    const cairn_setting *set = NULL;
    cairn_trend_cache *c = o->cache;
    static_assert(sizeof c->window_source == sizeof ti->window_source,
                  "the cache keeps the whole text");
    if (c != NULL && c->has_window) {
        t->no_improvement_weeks = c->window_weeks;
        memcpy(ti->window_source, c->window_source,
               strlen(c->window_source) + 1);
        t->no_improvement_source = ti->window_source;
        return;
    }
    snprintf(key, sizeof key, "%s.no_improvement_weeks", t->instrument);
    set = cairn_settings_find(o->settings, key);
    if (set == NULL || set->type != CAIRN_SETTING_NUMBER) {
        set = cairn_settings_find(o->settings, "alerts.no_improvement_weeks");
    }
    t->no_improvement_weeks = o->no_improvement_weeks;
    if (o->has_no_improvement_weeks) {
        snprintf(ti->window_source, sizeof ti->window_source, "command line");
    } else if (set != NULL && set->type == CAIRN_SETTING_NUMBER) {
        t->no_improvement_weeks = set->number;
        snprintf(ti->window_source, sizeof ti->window_source,
                 "clinic setting %s = %s (set by %s on %.10s)", set->key,
                 set->text, set->set_by, set->set_at);
    } else {
        snprintf(ti->window_source, sizeof ti->window_source,
                 "project policy (default %g weeks)",
                 CAIRN_NO_IMPROVEMENT_WEEKS);
    }
    t->no_improvement_source = ti->window_source;
    if (c != NULL) {
        c->window_weeks = t->no_improvement_weeks;
        memcpy(c->window_source, ti->window_source, sizeof c->window_source);
        c->has_window = true;
    }
}

static void change_alerts(cairn_trend *t, const cairn_expectation *expect,
                          double first, bool reasons)
{
    char reason[256] = "";
    if (t->has_rci && t->rci.category == CAIRN_RC_DETERIORATED) {
        if (reasons) {
            snprintf(reason, sizeof reason,
                     "reliable deterioration: %g to %g (RCI %.2f; %.1f "
                     "points count as reliable)",
                     t->baseline.score, t->latest.score, t->rci.value,
                     t->rci.threshold_points);
        }
        add_alert(t, CAIRN_ALERT_DETERIORATION, &t->latest, 0, reason);
    }
    if (t->n >= 3 && expect != NULL && expect->available) {
        double w = t->latest.weeks - first;
        cairn_expectation_band(expect, t->baseline.score, w, &t->expected,
                               &t->expected_low, &t->expected_high);
        t->expectation_checked = true;
        bool worse = t->direction == CAIRN_HIGHER_IS_WORSE
                         ? t->latest.score > t->expected_high
                         : t->latest.score < t->expected_low;
        if (worse) {
            if (reasons) {
                snprintf(reason, sizeof reason,
                         "not on track: %g at week %.0f, where clients of "
                         "this clinic with the same baseline score %.1f to "
                         "%.1f (90%%)",
                         t->latest.score, w, t->expected_low, t->expected_high);
            }
            add_alert(t, CAIRN_ALERT_OFF_TRACK, &t->latest, 0, reason);
        }
    }
    if (t->has_rci && t->weeks >= t->no_improvement_weeks &&
        t->rci.category != CAIRN_RC_IMPROVED) {
        reason[0] = '\0';
        if (reasons) {
            snprintf(reason, sizeof reason,
                     "no reliable improvement after %.0f weeks (%g to %g)",
                     t->weeks, t->baseline.score, t->latest.score);
        }
        add_alert(t, CAIRN_ALERT_NO_IMPROVEMENT, &t->latest, 0, reason);
    }
}

/* Move the points onto the chosen axis and fit the slope. */
static int time_axis(cairn_trend *t, const char *loss_date,
                     const cairn_trend_options *o, double *first,
                     cairn_error *err)
{
    double origin = t->n > 0 ? t->points[0].weeks : 0;
    *first = origin;
    t->axis = o->axis;
    if (o->axis == CAIRN_TIME_SINCE_LOSS) {
        double days = 0;
        if (loss_date == NULL) {
            t->axis = CAIRN_TIME_SINCE_FIRST;
            t->axis_fallback = true;
        } else {
            int rc = cairn_date_days(loss_date, &days, err);
            if (rc < 0) {
                return rc;
            }
            origin = days / 7.0;
        }
    }
    /* a course of up to 64 points (most) on the stack */
    double xs[64], ys[64];
    bool short_course = t->n <= 64;
    double *x = short_course ? xs : malloc((t->n + 1) * sizeof *x);
    double *y = short_course ? ys : malloc((t->n + 1) * sizeof *y);
    int rc = CAIRN_OK;
    if (x == NULL || y == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        t->points[i].weeks -= origin;
        x[i] = t->points[i].weeks;
        y[i] = t->points[i].score;
    }
    *first -= origin;
    if (rc == 0) {
        cairn_trend_cache *c = o->cache;
        rc = cairn_stats_slope_tq(&t->slope, x, y, t->n, c ? c->t975 : NULL,
                                  c ? CAIRN_TREND_CACHE_DF : 0, err);
    }
    if (!short_course) {
        free(x);
        free(y);
    }
    return rc;
}

/* Copy `s` (or NULL) into the pool at *at and point `s` there. */
static void own(const char **s, char **at)
{
    if (*s != NULL) {
        size_t n = strlen(*s) + 1;
        memcpy(*at, *s, n);
        *s = *at;
        *at += n;
    }
}

static size_t len_or_0(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

/*
 * Copy the strings the trend borrowed from the list into one block it
 * owns, so a caller (the caseload) can free each client's assessments as
 * soon as the trend is computed, and trim the arrays (a caseload keeps a
 * trend per client).
 */
static int own_strings(trend_impl *ti, cairn_error *err)
{
    cairn_trend *t = &ti->pub;
    if (ti->borrowed) {
        return CAIRN_OK; /* the caller keeps the list longer (options) */
    }
    size_t need = 1 + len_or_0(t->client);
    for (size_t i = 0; i < t->n; i++) {
        need += len_or_0(t->points[i].date) + len_or_0(t->points[i].band);
    }
    for (size_t i = 0; i < t->n_alerts; i++) {
        need += len_or_0(t->alerts[i].date);
    }
    /* The arrays were sized for the worst case; keep what is used. */
    cairn_alert *al = realloc(t->alerts, (t->n_alerts + 1) * sizeof *al);
    cairn_trend_point *pt = realloc(t->points, (t->n + 1) * sizeof *pt);
    t->alerts = al != NULL ? al : t->alerts;
    t->points = pt != NULL ? pt : t->points;
    ti->strings = malloc(need);
    if (ti->strings == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    char *at = ti->strings;
    own(&t->client, &at);
    for (size_t i = 0; i < t->n; i++) {
        own(&t->points[i].date, &at);
        own(&t->points[i].band, &at);
    }
    for (size_t i = 0; i < t->n_alerts; i++) {
        own(&t->alerts[i].date, &at);
    }
    if (t->n > 0) {
        t->baseline = t->points[0];
        t->latest = t->points[t->n - 1];
    }
    return CAIRN_OK;
}

/* The risk alerts assessment `a` can raise on `inst` (risk_alerts()):
 * one per flag, one per risk item left unanswered. */
static size_t max_risk_alerts(const cairn_assessment *a,
                              const cairn_instrument *inst, const char **last,
                              bool *last_is)
{
    size_t n = 0;
    if (!is_of(a, cairn_instrument_code(inst), last, last_is)) {
        return 0;
    }
    for (size_t k = 0; k < cairn_instrument_risk_count(inst); k++) {
        int item = cairn_instrument_risk(inst, k)->item;
        n += (size_t)item <= a->n_items && a->missing[item - 1];
    }
    return n + a->n_flags;
}

int cairn_trend_compute(cairn_trend **out, const cairn_instrument *inst,
                        const cairn_assessment_list *list,
                        const char *loss_date, const cairn_trend_options *opts,
                        const cairn_expectation *expect, cairn_error *err)
{
    cairn_trend_options defaults = CAIRN_TREND_OPTIONS_INIT;
    const cairn_trend_options *o = opts ? opts : &defaults;
    const cairn_scale *sc = o->scale
                                ? cairn_instrument_find_scale(inst, o->scale)
                                : cairn_instrument_scale(inst, 0);
    *out = NULL;
    if (sc == NULL) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "%s has no scale '%s'",
                               cairn_instrument_code(inst), o->scale);
    }
    size_t scale_index = (size_t)(sc - cairn_instrument_scale(inst, 0));
    trend_impl *ti = calloc(1, sizeof *ti);
    if (ti == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    cairn_trend *t = &ti->pub;
    ti->borrowed = o->borrow_texts;
    t->instrument = cairn_instrument_code(inst);
    t->scale = sc->id;
    t->direction = sc->direction;
    t->client = list->n > 0 ? list->items[0].client_code : NULL;
    improvement_window(ti, o);
    double first = 0;
    size_t flags = 0;
    const char *last = NULL;
    bool last_is = false;
    for (size_t i = 0; i < list->n; i++) {
        flags += max_risk_alerts(&list->items[i], inst, &last, &last_is);
    }
    /* room for every alert the rows can raise; add_alert clears each
     * one it uses (clearing them all here cost more than the trend) */
    t->alerts = malloc((flags + 4) * sizeof *t->alerts);
    int rc = t->alerts ? CAIRN_OK
                       : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == 0) {
        rc = collect_points(t, list, scale_index, t->instrument, o, err);
    }
    if (rc == 0) {
        rc = time_axis(t, loss_date, o, &first, err);
    }
    if (rc == 0 && t->n > 0) {
        t->has_baseline = true;
        t->baseline = t->points[0];
        t->latest = t->points[t->n - 1];
        t->change = t->latest.score - t->baseline.score;
        t->weeks = t->latest.weeks - t->baseline.weeks;
        rc = parameters(ti, sc, o, err);
    }
    if (rc == 0) {
        risk_alerts(t, inst, list, !o->without_reasons);
        if (t->n > 0) {
            change_alerts(t, expect, first, !o->without_reasons);
        }
        rc = own_strings(ti, err);
    }
    if (rc == 0) {
        *out = t;
        return CAIRN_OK;
    }
    cairn_trend_free(t);
    return rc;
}

void cairn_trend_free(cairn_trend *t)
{
    if (t == NULL) {
        return;
    }
    free(t->points);
    free(t->alerts);
    free(((trend_impl *)t)->strings);
    free((trend_impl *)t);
}

/* ---- JSON ---- */

static json_t *num_or_null(bool has, double x)
{
    return has ? cairn__util_json_number(x) : json_null();
}

static json_t *point_json(const cairn_trend_point *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "assessment_id", json_integer(p->assessment_id));
    json_object_set_new(o, "date", json_string(p->date));
    json_object_set_new(o, "weeks", json_real(p->weeks));
    json_object_set_new(o, "score", cairn__util_json_number(p->score));
    json_object_set_new(o, "band",
                        p->band ? json_string(p->band) : json_null());
    return o;
}

static json_t *rci_json(const cairn_trend *t)
{
    if (!t->has_rci) {
        return json_null();
    }
    json_t *o = json_object();
    json_object_set_new(o, "value", json_real(t->rci.value));
    json_object_set_new(o, "category",
                        json_string(cairn_rc_category_name(t->rci.category)));
    bool pts = t->rci.from_points;
    json_object_set_new(o, "sd",
                        pts ? json_null() : cairn__util_json_number(t->rci.sd));
    json_object_set_new(o, "reliability",
                        pts ? json_null()
                            : cairn__util_json_number(t->rci.reliability));
    json_object_set_new(o, "reliability_kind",
                        t->rc_kind ? json_string(t->rc_kind) : json_null());
    json_object_set_new(o, "s_diff", json_real(t->rci.s_diff));
    json_object_set_new(o, "threshold_points",
                        json_real(t->rci.threshold_points));
    json_object_set_new(
        o, "method",
        json_string(pts ? "published reliable-change threshold: a change of "
                          "at least threshold_points is reliable; RCI = "
                          "change x 1.96 / threshold_points"
                        : "Jacobson-Truax: S_diff = sqrt(2) SD sqrt(1 - r); "
                          "reliable when |RCI| >= 1.96"));
    json_object_set_new(o, "source", json_string(t->rc_source));
    json_object_set_new(
        o, "sd_from", json_string(cairn_param_origin_name(t->params.sd_from)));
    json_object_set_new(
        o, "reliability_from",
        json_string(cairn_param_origin_name(t->params.reliability_from)));
    return o;
}

static json_t *clinical_json(const cairn_trend *t)
{
    static const char *const whens[] = {"at_or_above", "above", "at_or_below",
                                        "below"};
    if (!t->has_cutoff) {
        return json_null();
    }
    json_t *o = json_object();
    json_object_set_new(o, "cutoff", cairn__util_json_number(t->cutoff));
    json_object_set_new(o, "case_when", json_string(whens[t->case_when]));
    json_object_set_new(o, "source", json_string(t->cutoff_source));
    json_object_set_new(o, "case_at_baseline",
                        t->has_clinical
                            ? json_boolean(t->clinical.case_at_baseline)
                            : json_null());
    json_object_set_new(o, "case_at_latest",
                        t->has_clinical
                            ? json_boolean(t->clinical.case_at_latest)
                            : json_null());
    json_object_set_new(o, "recovered",
                        t->has_clinical ? json_boolean(t->clinical.recovered)
                                        : json_null());
    /* undefined without reliable change: null, never false */
    json_object_set_new(o, "reliably_recovered",
                        t->has_clinical && t->has_rci
                            ? json_boolean(t->clinical.reliably_recovered)
                            : json_null());
    json_object_set_new(
        o, "criterion",
        json_string(cairn_cs_criterion_name(t->params.criterion)));
    json_object_set_new(o, "criterion_text",
                        json_string(t->params.criterion_text));
    json_object_set_new(
        o, "cutoff_from",
        json_string(cairn_param_origin_name(t->params.cutoff_from)));
    return o;
}

static json_t *slope_json(const cairn_trend *t)
{
    const cairn_slope *s = &t->slope;
    json_t *o = json_object();
    json_object_set_new(o, "estimate",
                        num_or_null(s->has_estimate, s->estimate));
    json_object_set_new(o, "se", num_or_null(s->has_interval, s->se));
    json_object_set_new(o, "ci95",
                        s->has_interval
                            ? json_pack("[f,f]", s->ci_low, s->ci_high)
                            : json_null());
    json_object_set_new(o, "method",
                        json_string("ordinary least squares; 95% interval "
                                    "from t with n - 2 df (3 or more "
                                    "points)"));
    return o;
}

static json_t *alerts_json(const cairn_trend *t)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < t->n_alerts; i++) {
        const cairn_alert *a = &t->alerts[i];
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(alert_names[a->kind]));
        json_object_set_new(o, "key", json_string(a->key));
        json_object_set_new(o, "assessment_id", json_integer(a->assessment_id));
        json_object_set_new(o, "date", json_string(a->date));
        json_object_set_new(o, "item",
                            a->item ? json_integer(a->item) : json_null());
        json_object_set_new(o, "reason", json_string(a->reason));
        json_object_set_new(o, "state",
                            json_string(cairn_alert_state_name(a->state)));
        if (a->state != CAIRN_ALERT_OPEN) {
            json_object_set_new(o, "state_by", json_string(a->state_by));
            json_object_set_new(o, "state_at", json_string(a->state_at));
            json_object_set_new(o, "note",
                                a->state_note ? json_string(a->state_note)
                                              : json_null());
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* The trend as a JSON object (new reference). */
static json_t *trend_json(const cairn_trend *t)
{
    json_t *o = json_object(), *pts = json_array();
    json_object_set_new(o, "client",
                        t->client ? json_string(t->client) : json_null());
    json_object_set_new(o, "instrument", json_string(t->instrument));
    json_object_set_new(o, "scale", json_string(t->scale));
    json_object_set_new(o, "direction",
                        json_string(t->direction == CAIRN_HIGHER_IS_WORSE
                                        ? "higher_is_worse"
                                        : "higher_is_better"));
    json_object_set_new(o, "time_axis",
                        json_string(t->axis == CAIRN_TIME_SINCE_LOSS
                                        ? "weeks_since_loss"
                                        : "weeks_since_first"));
    json_object_set_new(o, "n", json_integer((json_int_t)t->n));
    json_object_set_new(
        o, "episode",
        t->episode > 0 ? json_pack("{s:i,s:s,s:o,s:I}", "number", t->episode,
                                   "started_on", t->episode_start, "ended_on",
                                   t->episode_end ? json_string(t->episode_end)
                                                  : json_null(),
                                   "scores_outside", (json_int_t)t->n_outside)
                       : json_null());
    json_object_set_new(
        o, "baseline",
        t->has_baseline
            ? json_pack("{s:s,s:o}", "date", t->baseline.date, "score",
                        cairn__util_json_number(t->baseline.score))
            : json_null());
    json_object_set_new(
        o, "latest",
        t->has_baseline
            ? json_pack("{s:s,s:o}", "date", t->latest.date, "score",
                        cairn__util_json_number(t->latest.score))
            : json_null());
    json_object_set_new(o, "change", num_or_null(t->n >= 2, t->change));
    json_object_set_new(o, "weeks", num_or_null(t->has_baseline, t->weeks));
    json_object_set_new(o, "slope_per_week", slope_json(t));
    json_object_set_new(o, "rci", rci_json(t));
    json_object_set_new(o, "clinical", clinical_json(t));
    json_object_set_new(o, "expected_latest",
                        t->expectation_checked
                            ? json_pack("{s:f,s:f,s:f}", "mean", t->expected,
                                        "low90", t->expected_low, "high90",
                                        t->expected_high)
                            : json_null());
    json_object_set_new(
        o, "no_improvement_weeks",
        json_pack("{s:o,s:s}", "value",
                  cairn__util_json_number(t->no_improvement_weeks), "source",
                  t->no_improvement_source));
    json_object_set_new(o, "alerts", alerts_json(t));
    for (size_t i = 0; i < t->n; i++) {
        json_array_append_new(pts, point_json(&t->points[i]));
    }
    json_object_set_new(o, "points", pts);
    return o;
}

int cairn_trend_to_json(const cairn_trend *t, char **out, cairn_error *err)
{
    json_t *o = trend_json(t);
    *out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                 JSON_REAL_PRECISION(10))
             : NULL;
    json_decref(o);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}
