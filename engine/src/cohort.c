/*
 * cohort.c - cohort outcomes from mergeable sums: one streaming pass over
 * the store builds a summary (counts, moments, item sums, growth-model
 * blocks); every statistic is then computed from the summary alone.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/cohort.h"
#include "cairn/settings.h"
#include "internal.h"
#include "store_internal.h"

/* One client's course while the scan is on their rows. */
typedef struct client_acc {
    int64_t id;
    int64_t last_id; /* the assessment of the latest score */
    size_t n;
    double first_days, first_score, last_score;
    bool first_complete; /* baseline item set complete, for alpha */
    double items[CAIRN_ALPHA_MAX_ITEMS];
    cairn_mixed_group group;
} client_acc;

/* What the scan needs besides the summary. */
typedef struct scan {
    const cairn_instrument *inst;
    const cairn_scale *scale;
    size_t scale_index;
    bool has_from, has_to;
    double from, to;
    int64_t *allowed; /* sorted client ids of the clinician, or NULL */
    size_t n_allowed;
    size_t cap_groups;
    cairn_episode_filter *episodes; /* each client's course of care */
    bool collect;                   /* keep the ids of the clients summarized */
    int64_t *members; /* ascending: the scan goes client by client */
    size_t n_members, cap_members;
    int threads; /* of the store's scan */
} scan;

static int band_index(const cairn_cohort_summary *s, const char *band)
{
    for (size_t i = 0; band != NULL && i < s->n_bands; i++) {
        if (strcmp(s->band_ids[i], band) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int add_group(cairn_cohort_summary *s, scan *sc,
                     const cairn_mixed_group *g)
{
    if (s->n_groups == sc->cap_groups) {
        size_t cap = sc->cap_groups ? sc->cap_groups * 2 : 1024;
        cairn_mixed_group *ng = realloc(s->groups, cap * sizeof *ng);
        if (ng == NULL) {
            return CAIRN_ENOMEM;
        }
        s->groups = ng;
        sc->cap_groups = cap;
    }
    s->groups[s->n_groups++] = *g;
    return CAIRN_OK;
}

static int finish_client(cairn_cohort_summary *s, scan *sc, client_acc *c,
                         int first_band, int last_band, cairn_error *err)
{
    if (c->n == 0) {
        return CAIRN_OK;
    }
    if (sc->collect && sc->n_members == sc->cap_members) {
        size_t cap = sc->cap_members ? sc->cap_members * 2 : 256;
        int64_t *p = realloc(sc->members, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        sc->members = p;
        sc->cap_members = cap;
    }
    if (sc->collect) {
        sc->members[sc->n_members++] = c->id;
    }
    s->n_clients += 1;
    if (first_band >= 0) {
        s->band_baseline[first_band] += 1;
    }
    if (c->first_complete) {
        cairn_item_moments_add(&s->items, c->items);
    }
    if (c->n >= 2) {
        s->n_paired += 1;
        cairn_moments_add(&s->moments, c->first_score, c->last_score);
        cairn_rc_category cat = CAIRN_RC_NO_RELIABLE_CHANGE;
        if (s->has_rc) {
            cairn_rci r;
            int rc =
                s->rc_points > 0
                    ? cairn_stats_rci_points(&r, c->first_score, c->last_score,
                                             s->rc_points, s->direction, err)
                    : cairn_stats_rci(&r, c->first_score, c->last_score,
                                      s->rc_sd, s->rc_reliability, s->direction,
                                      err);
            if (rc < 0) {
                return rc;
            }
            cat = r.category;
            s->rc_counts[cat] += 1;
        }
        if (s->has_cutoff) {
            cairn_clinical cl = cairn_stats_clinical(
                c->first_score, c->last_score, s->cutoff, s->case_when, cat);
            s->case_at_baseline += cl.case_at_baseline;
            s->recovered += cl.recovered;
            s->reliably_recovered += cl.reliably_recovered;
        }
        if (last_band >= 0) {
            s->band_latest[last_band] += 1;
        }
    }
    if (add_group(s, sc, &c->group) < 0) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}

/* The item scores of a complete baseline set (reverse keys applied). */
static bool item_scores(const scan *sc, const cairn_cohort_row *r, double *out)
{
    const cairn_scale *scale = sc->scale;
    if (scale->n_items > CAIRN_ALPHA_MAX_ITEMS) {
        return false;
    }
    for (size_t k = 0; k < scale->n_items; k++) {
        size_t i = (size_t)scale->items[k] - 1;
        if (i >= r->n_items || r->missing[i]) {
            return false;
        }
        const cairn_option *o = cairn_item_find_option(
            cairn_instrument_find_item(sc->inst, scale->items[k]), r->codes[i]);
        if (o == NULL) {
            return false;
        }
        out[k] = o->score;
    }
    return true;
}

static bool client_allowed(const scan *sc, int64_t id)
{
    if (sc->allowed == NULL) {
        return true;
    }
    size_t lo = 0, hi = sc->n_allowed;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sc->allowed[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < sc->n_allowed && sc->allowed[lo] == id;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int load_clinician(scan *sc, cairn_store *st, const char *clinician,
                          cairn_error *err)
{
    cairn_client_list *list = NULL;
    int rc = cairn_store_client_list(&list, st, err);
    if (rc < 0) {
        return rc;
    }
    sc->allowed = malloc((list->n + 1) * sizeof *sc->allowed);
    if (sc->allowed == NULL) {
        cairn_store_client_list_free(list);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < list->n; i++) {
        const char *c = list->items[i].clinician;
        if (c != NULL && strcmp(c, clinician) == 0) {
            sc->allowed[sc->n_allowed++] = list->items[i].id;
        }
    }
    qsort(sc->allowed, sc->n_allowed, sizeof *sc->allowed, cmp_id);
    cairn_store_client_list_free(list);
    return CAIRN_OK;
}

/* Parameters from the definition, the clinic's settings and the
 * overrides. */
static int set_parameters(cairn_cohort_summary *s, const cairn_scale *scale,
                          const cairn_cohort_options *o,
                          const cairn_settings *set, cairn_error *err)
{
    cairn_param_overrides ov = {o->has_sd,          o->sd,
                                o->has_reliability, o->reliability,
                                o->has_cutoff,      o->cutoff};
    cairn_change_params p;
    int rc =
        cairn_stats_params_resolve(&p, s->instrument, scale, set, &ov, err);
    if (rc < 0) {
        return rc;
    }
    s->criterion = p.criterion;
    snprintf(s->rc_source, sizeof s->rc_source, "%s", p.rc_source);
    snprintf(s->cutoff_source, sizeof s->cutoff_source, "%s", p.cutoff_source);
    s->direction = scale->direction;
    s->has_rc = p.has_rc;
    s->rc_sd = p.sd;
    s->rc_reliability = p.reliability;
    s->rc_points = p.rc_from_points ? p.rc_points : 0;
    s->has_cutoff = p.has_cutoff;
    s->cutoff = p.cutoff;
    s->case_when = p.case_when;
    if (scale->n_bands > CAIRN_COHORT_MAX_BANDS) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "scale %s has %zu bands; a cohort counts at "
                               "most %d",
                               scale->id, scale->n_bands,
                               CAIRN_COHORT_MAX_BANDS);
    }
    s->n_bands = scale->n_bands;
    for (size_t i = 0; i < s->n_bands; i++) {
        snprintf(s->band_ids[i], sizeof s->band_ids[i], "%s",
                 scale->bands[i].id);
    }
    cairn_item_moments_init(&s->items, scale->n_items);
    return CAIRN_OK;
}

static int set_range(scan *sc, const cairn_cohort_options *o, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (o->from != NULL) {
        sc->has_from = true;
        rc = cairn_date_days(o->from, &sc->from, err);
    }
    if (rc == 0 && o->to != NULL) {
        sc->has_to = true;
        rc = cairn_date_days(o->to, &sc->to, err);
        sc->to += 1; /* the whole last day */
    }
    return rc;
}

/* The band of the client's latest score, read by id from the cursor
 * (the one-scale rows carry no band); needed only for two or more. */
static int latest_band(const cairn_cohort_summary *s, cairn_store_cursor *cur,
                       const client_acc *c, int *band, cairn_error *err)
{
    const char *b = NULL;
    *band = -1;
    if (c->n < 2) {
        return CAIRN_OK;
    }
    int rc = cairn_store_cursor_band(cur, c->last_id, &b, err);
    if (rc == CAIRN_OK) {
        *band = band_index(s, b);
    }
    return rc;
}

/* The streaming pass's state, on the thread that decodes the rows. */
typedef struct pass {
    cairn_cohort_summary *s;
    scan *sc;
    client_acc c;
    int first_band, last_band;
} pass;

/* One row of the pass: rows come ordered by client, then date. */
static int take_row(void *arg, cairn_store_cursor *cur,
                    const cairn_cohort_row *r, cairn_error *err)
{
    pass *p = arg;
    scan *sc = p->sc;
    client_acc *c = &p->c;
    const cairn_stored_scale *score = r->n_scales == 1 ? r->scales : NULL;
    double days = 0;
    if (score == NULL || !score->has_score ||
        !client_allowed(sc, r->client_id)) {
        return CAIRN_OK;
    }
    int rc = cairn_date_days(r->administered_at, &days, err);
    if (rc < 0 || (sc->has_from && days < sc->from) ||
        (sc->has_to && days >= sc->to)) {
        return rc;
    }
    cairn_episode_place at;
    if (!cairn_episode_filter_place(sc->episodes, r->client_id, days, &at)) {
        return CAIRN_OK; /* outside the client's chosen episode of care */
    }
    if (r->client_id != c->id || c->n == 0) {
        rc = latest_band(p->s, cur, c, &p->last_band, err);
        if (rc == 0) {
            rc = finish_client(p->s, sc, c, p->first_band, p->last_band, err);
        }
        if (rc == 0) {
            rc = cairn_store_cursor_items(cur, err); /* and the band */
        }
        if (rc < 0) {
            return rc;
        }
        memset(c, 0, sizeof *c);
        c->id = r->client_id;
        c->first_days = days;
        c->first_score = score->score;
        c->first_complete = item_scores(sc, r, c->items);
        p->first_band = band_index(p->s, score->band);
    }
    c->n++;
    c->last_id = r->assessment_id;
    c->last_score = score->score;
    cairn_mixed_group_add(&c->group, (days - c->first_days) / 7.0,
                          score->score);
    /* the band of the client's latest score, asked when the client ends */
    return cairn__store_cursor_keep_band(cur, err);
}

/* The streaming pass, stepping SQLite on this thread and decoding the
 * rows on a second (cairn__store_cursor_each). */
static int run_scan(cairn_cohort_summary *s, scan *sc, cairn_store *st,
                    cairn_error *err)
{
    cairn_store_cursor *cur = NULL;
    pass p = {.s = s, .sc = sc, .first_band = -1, .last_band = -1};
    int rc = cairn_store_cursor_open_scale(&cur, st, s->instrument,
                                           sc->scale_index, err);
    if (rc == 0) {
        rc = cairn__store_cursor_each(cur, sc->threads, take_row, &p, err);
    }
    if (rc == 0) {
        rc = latest_band(s, cur, &p.c, &p.last_band, err);
    }
    if (rc == 0) {
        rc = finish_client(s, sc, &p.c, p.first_band, p.last_band, err);
    }
    s->n_outside += (double)cairn_episode_filter_outside(sc->episodes);
    cairn_store_cursor_close(cur);
    return rc;
}

static int summarize(cairn_cohort_summary **out, scan *members, cairn_store *st,
                     const cairn_instrument *inst,
                     const cairn_cohort_options *opts, cairn_error *err);

int cairn_cohort_summarize(cairn_cohort_summary **out, cairn_store *st,
                           const cairn_instrument *inst,
                           const cairn_cohort_options *opts, cairn_error *err)
{
    return summarize(out, NULL, st, inst, opts, err);
}

int cairn_cohort_summarize_members(cairn_cohort_summary **out, int64_t **ids,
                                   size_t *n, cairn_store *st,
                                   const cairn_instrument *inst,
                                   const cairn_cohort_options *opts,
                                   cairn_error *err)
{
    scan m = {.collect = true};
    *ids = NULL;
    *n = 0;
    int rc = summarize(out, &m, st, inst, opts, err);
    if (rc < 0) {
        free(m.members);
        return rc;
    }
    *ids = m.members;
    *n = m.n_members;
    return CAIRN_OK;
}

int cairn_cohort_members(int64_t **ids, size_t *n, cairn_store *st,
                         const cairn_instrument *inst,
                         const cairn_cohort_options *opts, cairn_error *err)
{
    cairn_cohort_summary *s = NULL;
    int rc = cairn_cohort_summarize_members(&s, ids, n, st, inst, opts, err);
    cairn_cohort_summary_free(s);
    return rc;
}

static int summarize(cairn_cohort_summary **out, scan *members, cairn_store *st,
                     const cairn_instrument *inst,
                     const cairn_cohort_options *opts, cairn_error *err)
{
    cairn_cohort_options defaults = CAIRN_COHORT_OPTIONS_INIT;
    const cairn_cohort_options *o = opts ? opts : &defaults;
    const cairn_scale *scale = o->scale
                                   ? cairn_instrument_find_scale(inst, o->scale)
                                   : cairn_instrument_scale(inst, 0);
    scan sc = {
        .inst = inst, .scale = scale, .threads = o->threads == 1 ? 1 : 2};
    *out = NULL;
    if (scale == NULL) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "%s has no scale '%s'",
                               cairn_instrument_code(inst), o->scale);
    }
    sc.scale_index = (size_t)(scale - cairn_instrument_scale(inst, 0));
    const char *fp = NULL;
    int rc = cairn__instrument_fingerprint_get(inst, &fp, err);
    if (rc < 0) {
        return rc;
    }
    cairn_cohort_summary *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    snprintf(s->instrument, sizeof s->instrument, "%s",
             cairn_instrument_code(inst));
    snprintf(s->scale, sizeof s->scale, "%s", scale->id);
    snprintf(s->fingerprint, sizeof s->fingerprint, "%s", fp);
    cairn_settings *own = NULL;
    rc = o->settings ? CAIRN_OK : cairn_settings_list(&own, st, err);
    if (rc == 0) {
        rc = set_parameters(s, scale, o, o->settings ? o->settings : own, err);
    }
    cairn_settings_free(own);
    if (rc == 0) {
        rc = set_range(&sc, o, err);
    }
    if (rc == 0 && o->clinician != NULL) {
        rc = load_clinician(&sc, st, o->clinician, err);
    }
    sc.collect = members != NULL;
    s->episode = o->episode;
    if (rc == 0) {
        rc = cairn_episode_filter_new(&sc.episodes, st, o->episode, err);
    }
    if (rc == 0) {
        rc = run_scan(s, &sc, st, err);
    }
    cairn_episode_filter_free(sc.episodes);
    if (members != NULL) {
        members->members = sc.members;
        members->n_members = sc.n_members;
    }
    free(sc.allowed);
    if (rc < 0) {
        cairn_cohort_summary_free(s);
        return rc;
    }
    *out = s;
    return CAIRN_OK;
}

void cairn_cohort_summary_free(cairn_cohort_summary *s)
{
    if (s == NULL) {
        return;
    }
    free(s->groups);
    free(s);
}

/* "SD 6.1, r 0.89" or "a threshold of 4 points" */
static void rc_words(char *buf, size_t size, const cairn_cohort_summary *s)
{
    if (s->rc_points > 0) {
        snprintf(buf, size, "a threshold of %g points", s->rc_points);
    } else {
        snprintf(buf, size, "SD %g, r %g", s->rc_sd, s->rc_reliability);
    }
}

static int differs(cairn_error *err, const char *what, const char *a,
                   const char *b)
{
    return cairn_error_set(err, CAIRN_EINVAL,
                           "cannot merge summaries with different %s (%s "
                           "and %s)",
                           what, a, b);
}

static int check_compatible(const cairn_cohort_summary *a,
                            const cairn_cohort_summary *b, cairn_error *err)
{
    char x[64], y[64];
    if (strcmp(a->instrument, b->instrument) != 0) {
        return differs(err, "instruments", a->instrument, b->instrument);
    }
    if (strcmp(a->scale, b->scale) != 0) {
        return differs(err, "scales", a->scale, b->scale);
    }
    if (strcmp(a->fingerprint, b->fingerprint) != 0) {
        return differs(err, "definition fingerprints", a->fingerprint,
                       b->fingerprint);
    }
    if (a->has_rc != b->has_rc || a->rc_sd != b->rc_sd ||
        a->rc_reliability != b->rc_reliability ||
        a->rc_points != b->rc_points) {
        rc_words(x, sizeof x, a);
        rc_words(y, sizeof y, b);
        return differs(err, "reliable-change parameters", x, y);
    }
    if (a->has_cutoff != b->has_cutoff || a->cutoff != b->cutoff ||
        a->case_when != b->case_when) {
        snprintf(x, sizeof x, "%g", a->cutoff);
        snprintf(y, sizeof y, "%g", b->cutoff);
        return differs(err, "cut-offs", x, y);
    }
    if (a->items.k != b->items.k || a->n_bands != b->n_bands) {
        return differs(err, "item or band counts", "one", "the other");
    }
    if (a->episode != b->episode) {
        return differs(err, "courses of care",
                       cairn_episode_choice_name(a->episode, x, sizeof x),
                       cairn_episode_choice_name(b->episode, y, sizeof y));
    }
    return CAIRN_OK;
}

int cairn_cohort_merge(cairn_cohort_summary *into,
                       const cairn_cohort_summary *from, cairn_error *err)
{
    int rc = check_compatible(into, from, err);
    if (rc < 0) {
        return rc;
    }
    cairn_mixed_group *g = realloc(
        into->groups, (into->n_groups + from->n_groups + 1) * sizeof *g);
    if (g == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    into->groups = g;
    memcpy(g + into->n_groups, from->groups,
           from->n_groups * sizeof *from->groups);
    into->n_groups += from->n_groups;
    into->n_clients += from->n_clients;
    into->n_paired += from->n_paired;
    cairn_moments_merge(&into->moments, &from->moments);
    for (int i = 0; i < 3; i++) {
        into->rc_counts[i] += from->rc_counts[i];
    }
    into->case_at_baseline += from->case_at_baseline;
    into->recovered += from->recovered;
    into->reliably_recovered += from->reliably_recovered;
    into->n_outside += from->n_outside;
    for (size_t i = 0; i < into->n_bands; i++) {
        into->band_baseline[i] += from->band_baseline[i];
        into->band_latest[i] += from->band_latest[i];
    }
    cairn_item_moments_merge(&into->items, &from->items);
    return CAIRN_OK;
}

int cairn_cohort_compute(cairn_cohort_result **out,
                         const cairn_cohort_summary *s,
                         const cairn_mixed_options *mopts, cairn_error *err)
{
    *out = NULL;
    if (!(s->n_clients >= 1)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "no client has a %s %s score in this "
                               "cohort",
                               s->instrument, s->scale);
    }
    cairn_cohort_result *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    r->summary = s;
    if (s->n_paired >= 1) {
        r->has_change =
            cairn_stats_cohort_change(&r->change, &s->moments, NULL) == 0;
    }
    r->alpha_n = (size_t)s->items.n;
    r->has_alpha = cairn_stats_alpha(&r->alpha, &s->items, NULL) == 0;
    cairn_error merr = CAIRN_ERROR_INIT;
    if (cairn_mixed_fit(&r->model, s->groups, s->n_groups, mopts, &merr) < 0) {
        snprintf(r->model_note, sizeof r->model_note, "%s", merr.message);
        if (merr.code == CAIRN_ENOMEM) {
            cairn_cohort_result_free(r);
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
    }
    *out = r;
    return CAIRN_OK;
}

void cairn_cohort_result_free(cairn_cohort_result *r)
{
    if (r == NULL) {
        return;
    }
    cairn_mixed_result_free(r->model);
    free(r);
}

/* ---- JSON ---- */

static json_t *effect_json(const cairn_effect *e, const char *method)
{
    if (!e->has_value) {
        return json_null();
    }
    return json_pack("{s:f,s:f,s:[f,f],s:s}", "estimate", e->value, "se", e->se,
                     "ci95", e->ci_low, e->ci_high, "method", method);
}

static json_t *model_json(const cairn_cohort_result *r)
{
    const cairn_mixed_fit_result *m = r->model;
    if (m == NULL) {
        return json_pack("{s:s}", "note", r->model_note);
    }
    return json_pack(
        "{s:s,s:s,s:{s:{s:f,s:f,s:[f,f]},s:{s:f,s:f,s:[f,f]}},"
        "s:{s:f,s:f,s:f},s:f,s:f,s:f,s:b,s:i,s:i,s:i}",
        "formula",
        m->intercept_only ? "score ~ weeks + (1 | client)"
                          : "score ~ weeks + (weeks | client)",
        "fit", m->reml ? "REML" : "ML", "fixed", "intercept", "estimate",
        m->intercept, "se", m->intercept_se, "ci95", m->intercept_ci[0],
        m->intercept_ci[1], "weeks", "estimate", m->slope, "se", m->slope_se,
        "ci95", m->slope_ci[0], m->slope_ci[1], "random", "sd_intercept",
        m->sd_intercept, "sd_weeks", m->sd_slope, "corr", m->cor, "sigma",
        m->sigma, m->reml ? "reml_criterion" : "deviance", m->criterion,
        "loglik", m->loglik, "converged", m->converged, "iterations",
        m->iterations, "n_obs", (int)m->n_obs, "n_clients", (int)m->n_groups);
}

static json_t *bands_json(const cairn_cohort_summary *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < s->n_bands; i++) {
        json_object_set_new(
            o, s->band_ids[i],
            json_pack("{s:o,s:o}", "baseline",
                      cairn__util_json_number(s->band_baseline[i]), "latest",
                      cairn__util_json_number(s->band_latest[i])));
    }
    return o;
}

static json_t *parameters_json(const cairn_cohort_summary *s)
{
    static const char *const whens[] = {"at_or_above", "above", "at_or_below",
                                        "below"};
    json_t *o = json_object();
    json_object_set_new(o, "fingerprint", json_string(s->fingerprint));
    bool jt = s->has_rc && !(s->rc_points > 0);
    json_object_set_new(o, "rci_sd", jt ? json_real(s->rc_sd) : json_null());
    json_object_set_new(o, "rci_reliability",
                        jt ? json_real(s->rc_reliability) : json_null());
    json_object_set_new(o, "rci_points",
                        s->rc_points > 0 ? cairn__util_json_number(s->rc_points)
                                         : json_null());
    json_object_set_new(o, "cutoff",
                        s->has_cutoff ? cairn__util_json_number(s->cutoff)
                                      : json_null());
    json_object_set_new(o, "case_when",
                        s->has_cutoff ? json_string(whens[s->case_when])
                                      : json_null());
    json_object_set_new(o, "rc_source",
                        s->has_rc ? json_string(s->rc_source) : json_null());
    json_object_set_new(o, "cutoff_source",
                        s->has_cutoff ? json_string(s->cutoff_source)
                                      : json_null());
    json_object_set_new(o, "criterion",
                        s->has_cutoff
                            ? json_string(cairn_cs_criterion_name(s->criterion))
                            : json_null());
    return o;
}

/* Which course of care was counted, and what was left out. */
static json_t *episodes_json(const cairn_cohort_summary *s)
{
    char buf[32];
    return json_pack(
        "{s:s,s:o,s:s}", "episode",
        cairn_episode_choice_name(s->episode, buf, sizeof buf),
        "assessments_left_out", cairn__util_json_number(s->n_outside), "rule",
        s->episode == CAIRN_EPISODE_ALL
            ? "every assessment, in or out of episodes of care; time from "
              "each client's first score"
            : "one episode of care per client (a client without episodes "
              "counts whole); assessments outside it are left out; time "
              "from the client's first score in it");
}

static json_t *change_json(const cairn_cohort_result *r)
{
    const cairn_cohort_change *c = &r->change;
    json_t *o = json_object();
    json_object_set_new(o, "d",
                        effect_json(&c->d, "uncorrected: mean change / "
                                           "baseline SD; variance 2(1-r)/n "
                                           "+ d^2/(2n) (Becker 1988); "
                                           "normal interval"));
    json_object_set_new(
        o, "g",
        effect_json(&c->g, "Hedges' g: d x c(n - 1), c(m) = Gamma(m/2) / "
                           "(sqrt(m/2) Gamma((m-1)/2)); variance 2(1-r)/n + "
                           "g^2/(2n); normal interval (metafor escalc "
                           "\"SMCR\")"));
    json_object_set_new(o, "d_z",
                        effect_json(&c->d_z, "mean change / SD of change; "
                                             "variance 1/n + d_z^2/(2n); "
                                             "normal interval"));
    return o;
}

int cairn_cohort_to_json(const cairn_cohort_result *r, char **out,
                         cairn_error *err)
{
    const cairn_cohort_summary *s = r->summary;
    const cairn_cohort_change *c = &r->change;
    json_t *o = json_object();
    json_object_set_new(o, "instrument", json_string(s->instrument));
    json_object_set_new(o, "scale", json_string(s->scale));
    json_object_set_new(o, "n_clients", cairn__util_json_number(s->n_clients));
    json_object_set_new(o, "n_paired", cairn__util_json_number(s->n_paired));
    json_object_set_new(o, "episodes", episodes_json(s));
    json_object_set_new(o, "baseline",
                        r->has_change
                            ? json_pack("{s:f,s:f}", "mean", c->baseline_mean,
                                        "sd", c->baseline_sd)
                            : json_null());
    json_object_set_new(
        o, "latest",
        r->has_change
            ? json_pack("{s:f,s:f}", "mean", c->latest_mean, "sd", c->latest_sd)
            : json_null());
    json_object_set_new(
        o, "change",
        r->has_change
            ? json_pack("{s:f,s:f}", "mean", c->change_mean, "sd", c->change_sd)
            : json_null());
    json_object_set_new(o, "effect_sizes",
                        r->has_change ? change_json(r) : json_null());
    json_object_set_new(
        o, "rci_counts",
        s->has_rc ? json_pack("{s:o,s:o,s:o}", "improved",
                              cairn__util_json_number(s->rc_counts[0]),
                              "no_reliable_change",
                              cairn__util_json_number(s->rc_counts[1]),
                              "deteriorated",
                              cairn__util_json_number(s->rc_counts[2]))
                  : json_null());
    json_object_set_new(o, "case_at_baseline",
                        s->has_cutoff
                            ? cairn__util_json_number(s->case_at_baseline)
                            : json_null());
    json_object_set_new(o, "recovered",
                        s->has_cutoff ? cairn__util_json_number(s->recovered)
                                      : json_null());
    json_object_set_new(o, "reliably_recovered",
                        s->has_cutoff && s->has_rc
                            ? cairn__util_json_number(s->reliably_recovered)
                            : json_null());
    json_object_set_new(o, "bands", bands_json(s));
    json_object_set_new(o, "alpha",
                        r->has_alpha ? json_pack("{s:f,s:i}", "value", r->alpha,
                                                 "n", (int)r->alpha_n)
                                     : json_null());
    json_object_set_new(o, "mixed_model", model_json(r));
    json_object_set_new(o, "parameters", parameters_json(s));
    *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(10));
    json_decref(o);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}
