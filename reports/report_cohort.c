/*
 * report_cohort.c - the cohort model: the engine's cohort summary,
 * statistics and growth model, plus what the trajectory chart draws.
 *
 * The statistics are the engine's (cairn_cohort_summarize and
 * cairn_cohort_compute).  This file only re-reads the same scores, with
 * the same filters and time axis (weeks since each client's first score
 * in the range), for the observed weekly means of every client and the
 * courses of at most CAIRN_REPORT_COHORT_LINES clients, a regular sample
 * in client order.  Clients are numbered, never named.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define MAX_WEEKS 520

typedef struct scan {
    const cairn_cohort_options *o;
    size_t scale_index;
    bool has_from, has_to;
    double from, to;  /* days since 1970; `to` is exclusive */
    int64_t *allowed; /* sorted ids of the clinician's clients */
    size_t n_allowed;
    cairn_episode_filter *episodes; /* the course of care, as the summary */
    size_t stride;                  /* draw every stride-th client */
    double sum[MAX_WEEKS + 1];
    size_t count[MAX_WEEKS + 1];
    size_t cap_points;
} scan;

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int load_allowed(scan *sc, cairn_store *st, cairn_error *err)
{
    cairn_client_list *l = NULL;
    int rc = cairn_store_client_list(&l, st, err);
    if (rc == CAIRN_OK) {
        sc->allowed = calloc(l->n + 1, sizeof *sc->allowed);
        rc = sc->allowed ? CAIRN_OK
                         : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == CAIRN_OK && i < l->n; i++) {
        const char *c = l->items[i].clinician;
        if (c != NULL && strcmp(c, sc->o->clinician) == 0) {
            sc->allowed[sc->n_allowed++] = l->items[i].id;
        }
    }
    cairn_store_client_list_free(l);
    if (rc == CAIRN_OK) {
        qsort(sc->allowed, sc->n_allowed, sizeof *sc->allowed, cmp_id);
    }
    return rc;
}

static bool allowed(const scan *sc, int64_t id)
{
    return sc->o->clinician == NULL ||
           bsearch(&id, sc->allowed, sc->n_allowed, sizeof id, cmp_id);
}

static int add_fingerprint(cairn_report_cohort *r, const char *fp,
                           cairn_error *err)
{
    for (size_t i = 0; i < r->n_fingerprints; i++) {
        if (strcmp(r->fingerprints[i].fingerprint, fp ? fp : "") == 0) {
            r->fingerprints[i].n++;
            return CAIRN_OK;
        }
    }
    cairn_report_fingerprint *p =
        realloc(r->fingerprints, (r->n_fingerprints + 1) * sizeof *p);
    if (p == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    r->fingerprints = p;
    cairn_report_fingerprint *f = &p[r->n_fingerprints++];
    snprintf(f->fingerprint, sizeof f->fingerprint, "%s", fp ? fp : "");
    f->n = 1;
    return CAIRN_OK;
}

static int add_point(cairn_report_cohort *r, scan *sc, size_t client,
                     double weeks, double score, cairn_error *err)
{
    if (r->n_points == sc->cap_points) {
        size_t cap = sc->cap_points ? 2 * sc->cap_points : 256;
        cairn_report_point *p = realloc(r->points, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        r->points = p;
        sc->cap_points = cap;
    }
    r->points[r->n_points++] = (cairn_report_point){client, weeks, score};
    return CAIRN_OK;
}

/* The score of a row on the cohort's scale when it counts, else NAN. */
static double row_score(const scan *sc, const cairn_cohort_row *row,
                        double *days)
{
    const cairn_stored_scale *s =
        sc->scale_index < row->n_scales ? &row->scales[sc->scale_index] : NULL;
    cairn_episode_place at;
    *days = 0;
    if (s == NULL || !s->has_score || !allowed(sc, row->client_id) ||
        cairn_date_days(row->administered_at, days, NULL) < 0 ||
        (sc->has_from && *days < sc->from) || (sc->has_to && *days >= sc->to) ||
        !cairn_episode_filter_place(sc->episodes, row->client_id, *days, &at)) {
        return NAN;
    }
    return s->score;
}

static int read_scores(cairn_report_cohort *r, scan *sc, cairn_store *st,
                       cairn_error *err)
{
    cairn_store_cursor *cur = NULL;
    const cairn_cohort_row *row = NULL;
    int64_t client = 0;
    size_t ordinal = 0;
    double first = 0;
    int rc = cairn_store_cursor_open(&cur, st, r->summary->instrument, err);
    while (rc == CAIRN_OK &&
           (rc = cairn_store_cursor_next(cur, &row, err)) == 1) {
        double days = 0, score = row_score(sc, row, &days);
        rc = CAIRN_OK;
        if (isnan(score)) {
            continue;
        }
        if (ordinal == 0 || row->client_id != client) {
            client = row->client_id;
            first = days;
            ordinal++;
        }
        double weeks = (days - first) / 7.0;
        long w = lround(weeks);
        if (w >= 0 && w <= MAX_WEEKS) {
            sc->sum[w] += score;
            sc->count[w]++;
        }
        rc = add_fingerprint(r, row->fingerprint, err);
        if (rc == CAIRN_OK && (ordinal - 1) % sc->stride == 0) {
            rc = add_point(r, sc, (ordinal - 1) / sc->stride + 1, weeks, score,
                           err);
            r->n_lines = (ordinal - 1) / sc->stride + 1;
        }
    }
    cairn_store_cursor_close(cur);
    return rc < 0 ? rc : CAIRN_OK;
}

static int weekly_means(cairn_report_cohort *r, const scan *sc,
                        cairn_error *err)
{
    r->weeks = calloc(MAX_WEEKS + 1, sizeof *r->weeks);
    if (r->weeks == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t w = 0; w <= MAX_WEEKS; w++) {
        if (sc->count[w] > 0) {
            r->weeks[r->n_weeks++] = (cairn_report_week){
                (double)w, sc->count[w], sc->sum[w] / (double)sc->count[w]};
        }
    }
    return CAIRN_OK;
}

static int prepare_scan(scan *sc, const cairn_report_cohort *r, cairn_store *st,
                        cairn_error *err)
{
    const cairn_cohort_options *o = &r->options.cohort;
    int rc = CAIRN_OK;
    sc->o = o;
    sc->scale_index =
        (size_t)(r->scale - cairn_instrument_scale(r->instrument, 0));
    if (o->from != NULL) {
        sc->has_from = true;
        rc = cairn_date_days(o->from, &sc->from, err);
    }
    if (rc == CAIRN_OK && o->to != NULL) {
        sc->has_to = true;
        rc = cairn_date_days(o->to, &sc->to, err);
        sc->to += 1; /* the whole last day, as the summary counts it */
    }
    if (rc == CAIRN_OK && o->clinician != NULL) {
        rc = load_allowed(sc, st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_episode_filter_new(&sc->episodes, st, o->episode, err);
    }
    size_t n = (size_t)r->summary->n_clients;
    sc->stride =
        n > CAIRN_REPORT_COHORT_LINES
            ? (n + CAIRN_REPORT_COHORT_LINES - 1) / CAIRN_REPORT_COHORT_LINES
            : 1;
    return rc;
}

static int compute(cairn_report_cohort *r, cairn_store *st, cairn_error *err)
{
    const cairn_report_cohort_options *o = &r->options;
    int rc =
        cairn_cohort_summarize(&r->summary, st, r->instrument, &o->cohort, err);
    if (rc == CAIRN_OK) {
        rc = cairn_cohort_compute(&r->result, r->summary, &o->model, err);
    }
    scan *sc = rc == CAIRN_OK ? calloc(1, sizeof *sc) : NULL;
    if (rc == CAIRN_OK && sc == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK) {
        rc = prepare_scan(sc, r, st, err);
    }
    if (rc == CAIRN_OK) {
        rc = read_scores(r, sc, st, err);
    }
    if (rc == CAIRN_OK) {
        rc = weekly_means(r, sc, err);
    }
    if (sc != NULL) {
        free(sc->allowed);
        cairn_episode_filter_free(sc->episodes);
    }
    free(sc);
    return rc;
}

int cairn_report_cohort_load(cairn_report_cohort **out, cairn_store *st,
                             const cairn_instrument *inst,
                             const cairn_report_cohort_options *opts,
                             cairn_error *err)
{
    cairn_report_cohort_options defaults = CAIRN_REPORT_COHORT_OPTIONS_INIT;
    *out = NULL;
    cairn_report_cohort *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    r->instrument = inst;
    r->options = opts ? *opts : defaults;
    const char *id = r->options.cohort.scale;
    r->scale = id ? cairn_instrument_find_scale(inst, id)
                  : cairn_instrument_scale(inst, 0);
    int rc = r->scale
                 ? CAIRN_OK
                 : cairn_error_set(err, CAIRN_ENOTFOUND, "%s has no scale '%s'",
                                   cairn_instrument_code(inst), id);
    if (rc == CAIRN_OK) {
        rc = compute(r, st, err);
    }
    if (rc == CAIRN_OK && (r->db_path = strdup(cairn_store_path(st))) == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc < 0) {
        cairn_report_cohort_free(r);
        return rc;
    }
    cairn_report_options ro = CAIRN_REPORT_OPTIONS_INIT;
    ro.created = r->options.created;
    r->as_of = cairn__report_as_of(st, &ro);
    *out = r;
    return CAIRN_OK;
}

void cairn_report_cohort_free(cairn_report_cohort *r)
{
    if (r == NULL) {
        return;
    }
    cairn_cohort_result_free(r->result);
    cairn_cohort_summary_free(r->summary);
    free(r->points);
    free(r->weeks);
    free(r->fingerprints);
    free(r->db_path);
    free(r);
}
