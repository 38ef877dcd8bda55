/*
 * couple.c - pairing two partners' assessments in time and flagging
 * divergence and incongruent change.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/couple.h"
#include "cairn/settings.h"

/* One partner as read from the store. */
typedef struct side {
    cairn_client *client;
    cairn_assessment_list *list;
} side;

/* A view and the assessment lists its trends borrow dates from. */
typedef struct view_impl {
    cairn_couple_view pub;
    cairn_assessment_list *lists[2];
    cairn_settings *settings; /* the clinic's, when the caller gave none */
} view_impl;

static double point_days(const cairn_trend_point *p)
{
    double d = 0;
    cairn_date_days(p->date, &d, NULL);
    return d;
}

/* Greedy pairing in date order: each of a's points takes the nearest
 * unused point of b within the window. */
static void pair_points(cairn_couple *c, double max_days)
{
    size_t next_b = 0;
    for (size_t i = 0; i < c->a->n; i++) {
        const cairn_trend_point *pa = &c->a->points[i];
        double da = point_days(pa);
        size_t best = SIZE_MAX;
        double best_gap = max_days;
        for (size_t j = next_b; j < c->b->n; j++) {
            double gap = fabs(point_days(&c->b->points[j]) - da);
            if (gap <= best_gap) {
                best = j;
                best_gap = gap;
            }
        }
        if (best == SIZE_MAX) {
            continue;
        }
        cairn_couple_pair *p = &c->pairs[c->n_pairs++];
        p->a = pa;
        p->b = &c->b->points[best];
        p->days_apart = best_gap;
        p->difference = pa->score - p->b->score;
        p->diverges = c->has_reliable_difference &&
                      fabs(p->difference) > c->reliable_difference;
        next_b = best + 1;
    }
}

int cairn_couple_compare(cairn_couple **out, const cairn_trend *a,
                         const cairn_trend *b, double max_days,
                         cairn_error *err)
{
    *out = NULL;
    if (strcmp(a->instrument, b->instrument) != 0 ||
        strcmp(a->scale, b->scale) != 0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "partners' trends are on different scales "
                               "(%s %s and %s %s)",
                               a->instrument, a->scale, b->instrument,
                               b->scale);
    }
    cairn_couple *c = calloc(1, sizeof *c);
    if (c == NULL || (c->pairs = calloc(a->n + 1, sizeof *c->pairs)) == NULL) {
        free(c);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->a = a;
    c->b = b;
    const cairn_trend *with_rc = a->has_rci ? a : b->has_rci ? b : NULL;
    if (with_rc != NULL) {
        c->has_reliable_difference = true;
        c->reliable_difference = with_rc->rci.threshold_points;
    }
    pair_points(c, max_days > 0 ? max_days : CAIRN_COUPLE_PAIR_DAYS);
    c->diverging = c->n_pairs > 0 && c->pairs[c->n_pairs - 1].diverges;
    c->diverging_judged = c->n_pairs > 0 && c->has_reliable_difference;
    c->incongruent = a->has_rci && b->has_rci &&
                     ((a->rci.category == CAIRN_RC_DETERIORATED &&
                       b->rci.category == CAIRN_RC_IMPROVED) ||
                      (a->rci.category == CAIRN_RC_IMPROVED &&
                       b->rci.category == CAIRN_RC_DETERIORATED));
    /* one partner with no reliable change rules incongruence out even when
     * the other's change cannot be judged */
    c->incongruent_judged =
        (a->has_rci && b->has_rci) ||
        (a->has_rci && a->rci.category == CAIRN_RC_NO_RELIABLE_CHANGE) ||
        (b->has_rci && b->rci.category == CAIRN_RC_NO_RELIABLE_CHANGE);
    if (c->incongruent) {
        const cairn_trend *worse =
            a->rci.category == CAIRN_RC_DETERIORATED ? a : b;
        snprintf(c->reason, sizeof c->reason,
                 "%s has reliably deteriorated while %s has reliably "
                 "improved",
                 worse->client, worse == a ? b->client : a->client);
    } else if (c->diverging) {
        const cairn_couple_pair *p = &c->pairs[c->n_pairs - 1];
        snprintf(c->reason, sizeof c->reason,
                 "latest scores differ by %g points, more than the %.1f "
                 "that counts as a reliable difference",
                 fabs(p->difference), c->reliable_difference);
    }
    *out = c;
    return CAIRN_OK;
}

void cairn_couple_free(cairn_couple *c)
{
    if (c == NULL) {
        return;
    }
    free(c->pairs);
    free(c);
}

static int read_side(side *s, cairn_store *st, const char *code,
                     cairn_error *err)
{
    int rc = cairn_store_client_get(&s->client, st, code, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_assessment_list(&s->list, st, code, NULL,
                                         CAIRN_LIST_CURRENT, err);
    }
    return rc;
}

/* A partner's trend on `inst` with the view's options. */
static int side_trend(cairn_trend **out, const side *s,
                      const cairn_instrument *inst,
                      const cairn_couple_view_options *o, cairn_error *err)
{
    const cairn_scale *sc =
        o->trend.scale ? cairn_instrument_find_scale(inst, o->trend.scale)
                       : cairn_instrument_scale(inst, 0);
    cairn_trend_options to = o->trend;
    if (sc != NULL) {
        to = cairn_trend_options_for(&o->trend, o->overrides, o->n_overrides,
                                     inst, sc);
    }
    int rc = cairn_trend_compute(out, inst, s->list, s->client->loss_date, &to,
                                 NULL, err);
    if (rc == CAIRN_OK) {
        (*out)->client = s->client->code;
    }
    return rc;
}

/* Compare on `inst` when both partners have a score on the scale. */
static int compare_on(cairn_couple_view *v, const side *sa, const side *sb,
                      const cairn_instrument *inst,
                      const cairn_couple_view_options *o, cairn_error *err)
{
    cairn_couple_shared sh = {inst, NULL, NULL, NULL};
    int rc = side_trend(&sh.a, sa, inst, o, err);
    if (rc == CAIRN_OK) {
        rc = side_trend(&sh.b, sb, inst, o, err);
    }
    if (rc == CAIRN_OK && sh.a->n > 0 && sh.b->n > 0) {
        rc = cairn_couple_compare(&sh.couple, sh.a, sh.b, o->max_days, err);
        if (rc == CAIRN_OK) {
            v->shared[v->n++] = sh;
            return CAIRN_OK;
        }
    }
    cairn_trend_free(sh.a);
    cairn_trend_free(sh.b);
    return rc;
}

int cairn_couple_view_compute(cairn_couple_view **out, cairn_store *st,
                              const cairn_catalog *cat, const char *code,
                              const cairn_couple_view_options *opts,
                              cairn_error *err)
{
    cairn_couple_view_options defaults = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    cairn_couple_view_options with = opts ? *opts : defaults;
    const cairn_couple_view_options *o = &with;
    const cairn_instrument *only = NULL;
    side sa = {NULL, NULL}, sb = {NULL, NULL};
    *out = NULL;
    view_impl *vi = calloc(1, sizeof *vi);
    cairn_couple_view *v = vi ? &vi->pub : NULL;
    size_t n_cat = cairn_catalog_count(cat);
    int rc = v ? CAIRN_OK : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    if (rc == CAIRN_OK && o->trend.settings == NULL) { /* as the caseload */
        rc = cairn_settings_list(&vi->settings, st, err);
        with.trend.settings = vi->settings;
    }
    if (rc == CAIRN_OK && o->instrument != NULL) {
        rc = cairn_catalog_find(&only, cat, o->instrument, err);
    }
    if (rc == CAIRN_OK) {
        rc = read_side(&sa, st, code, err);
    }
    if (rc == CAIRN_OK && sa.client->partner_code == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOTFOUND,
                             "client '%s' has no linked partner", code);
    }
    if (rc == CAIRN_OK) {
        rc = read_side(&sb, st, sa.client->partner_code, err);
    }
    if (rc == CAIRN_OK) {
        v->shared = calloc(n_cat + 1, sizeof *v->shared);
        rc = v->shared ? CAIRN_OK
                       : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == CAIRN_OK && i < n_cat; i++) {
        const cairn_instrument *inst = cairn_catalog_get(cat, i);
        if (only == NULL || only == inst) {
            rc = compare_on(v, &sa, &sb, inst, o, err);
        }
    }
    if (v != NULL) { /* the view owns both partners from here */
        v->a = sa.client;
        v->b = sb.client;
        vi->lists[0] = sa.list;
        vi->lists[1] = sb.list;
    } else {
        cairn_store_client_free(sa.client);
        cairn_store_assessment_list_free(sa.list);
    }
    if (rc < 0) {
        cairn_couple_view_free(v);
        return rc;
    }
    *out = v;
    return CAIRN_OK;
}

void cairn_couple_view_free(cairn_couple_view *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        cairn_couple_free(v->shared[i].couple);
        cairn_trend_free(v->shared[i].a);
        cairn_trend_free(v->shared[i].b);
    }
    free(v->shared);
    cairn_store_client_free(v->a);
    cairn_store_client_free(v->b);
    view_impl *vi = (view_impl *)v;
    cairn_store_assessment_list_free(vi->lists[0]);
    cairn_store_assessment_list_free(vi->lists[1]);
    cairn_settings_free(vi->settings);
    free(vi);
}
