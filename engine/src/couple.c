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

static double point_days(const cairn_trend_point *p)
{
    double d = 0;
    cairn_trend_date_days(p->date, &d, NULL);
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
    c->incongruent = a->has_rci && b->has_rci &&
                     ((a->rci.category == CAIRN_RC_DETERIORATED &&
                       b->rci.category == CAIRN_RC_IMPROVED) ||
                      (a->rci.category == CAIRN_RC_IMPROVED &&
                       b->rci.category == CAIRN_RC_DETERIORATED));
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
