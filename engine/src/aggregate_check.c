/*
 * aggregate_check.c - what the sums of a summary can be, given the
 * scale's score range and the counts: every sum a client contributes
 * lies in the range, so a sum of n scores lies within n times it, a sum
 * of squares within n times the squares, a variance is never negative
 * and a correlation stays within -1..1.  A summary that breaks any of
 * these was not made by summarizing scores, whatever its counts say.
 */
#include <math.h>
#include <stdio.h>

#include "cairn/aggregate.h"
#include "internal.h"

/* Relative slack for sums that went through decimal text and back. */
#define SLACK 1e-9

/* Longest a client's course may run, in weeks (growth-model time). */
#define MAX_WEEKS 5200.0

typedef struct range {
    double lo, hi;       /* a score */
    double sq_lo, sq_hi; /* its square */
} range;

static range make_range(double lo, double hi)
{
    range r = {lo, hi, 0, fmax(lo * lo, hi * hi)};
    r.sq_lo = lo > 0 ? lo * lo : hi < 0 ? hi * hi : 0;
    return r;
}

static double slack(double x)
{
    return SLACK * (fabs(x) + 1);
}

static int fail(cairn_error *err, const char *name, const char *path,
                const char *what, double v)
{
    return cairn_error_set(err, CAIRN_EINVAL, "%.200s: %s: %s (%.17g)", name,
                           path, what, v);
}

/* n values in r: their sum `s` and sum of squares `ss`. */
static int check_sum(const range *r, double n, double s, double ss,
                     const char *name, const char *ps, const char *pss,
                     cairn_error *err)
{
    if (s < n * r->lo - slack(n * r->lo) || s > n * r->hi + slack(n * r->hi)) {
        return fail(err, name, ps, "outside what the scale's range allows", s);
    }
    if (ss < n * r->sq_lo - slack(n * r->sq_lo) ||
        ss > n * r->sq_hi + slack(n * r->sq_hi)) {
        return fail(err, name, pss, "outside what the scale's range allows",
                    ss);
    }
    /* n * ss >= s * s: a variance is never negative */
    if (n > 0 && n * ss - s * s < -slack(n * ss + s * s)) {
        return fail(err, name, pss, "gives a negative variance", ss);
    }
    return CAIRN_OK;
}

/* The cross sum `sxy` of two sums within Cauchy-Schwarz. */
static int check_cross(double n, double sx, double sxx, double sy, double syy,
                       double sxy, const char *name, const char *path,
                       cairn_error *err)
{
    double vx = fmax(n * sxx - sx * sx, 0), vy = fmax(n * syy - sy * sy, 0);
    double c = n * sxy - sx * sy;
    if (fabs(c) > sqrt(vx) * sqrt(vy) + slack(n * fabs(sxy) + fabs(sx * sy))) {
        return fail(err, name, path, "gives a correlation beyond -1..1", sxy);
    }
    return CAIRN_OK;
}

static int check_moments(const cairn_cohort_summary *s, const range *r,
                         const char *name, cairn_error *err)
{
    const cairn_moments *m = &s->moments;
    int rc = check_sum(r, m->n, m->sb, m->sbb, name, "sums.moments.sb",
                       "sums.moments.sbb", err);
    if (rc == CAIRN_OK) {
        rc = check_sum(r, m->n, m->sl, m->sll, name, "sums.moments.sl",
                       "sums.moments.sll", err);
    }
    if (rc == CAIRN_OK) {
        rc = check_cross(m->n, m->sb, m->sbb, m->sl, m->sll, m->sbl, name,
                         "sums.moments.sbl", err);
    }
    return rc;
}

/* Item scores lie within the scale's span either side of zero. */
static int check_items(const cairn_item_moments *m, const range *scale,
                       const char *name, cairn_error *err)
{
    double span = fmax(fabs(scale->lo), fabs(scale->hi));
    range r = make_range(-span, span);
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < m->k; i++) {
        rc = check_sum(&r, m->n, m->s[i], m->ss[i][i], name, "sums.items.s",
                       "sums.items.ss", err);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < m->k; i++) {
        for (size_t j = 0; rc == CAIRN_OK && j < m->k; j++) {
            if (m->ss[i][j] != m->ss[j][i]) {
                rc = fail(err, name, "sums.items.ss", "is not symmetric",
                          m->ss[i][j]);
            } else if (i < j) {
                rc = check_cross(m->n, m->s[i], m->ss[i][i], m->s[j],
                                 m->ss[j][j], m->ss[i][j], name,
                                 "sums.items.ss", err);
            }
        }
    }
    return rc;
}

static int check_blocks(const cairn_cohort_summary *s, const range *r,
                        const char *name, cairn_error *err)
{
    range t = make_range(0, MAX_WEEKS);
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < s->n_groups; i++) {
        const cairn_mixed_group *g = &s->groups[i];
        rc = check_sum(r, g->n, g->sy, g->syy, name,
                       "sums.growth_blocks.rows (sy)",
                       "sums.growth_blocks.rows (syy)", err);
        if (rc == CAIRN_OK) {
            rc = check_sum(&t, g->n, g->st, g->stt, name,
                           "sums.growth_blocks.rows (st)",
                           "sums.growth_blocks.rows (stt)", err);
        }
        if (rc == CAIRN_OK) {
            rc = check_cross(g->n, g->st, g->stt, g->sy, g->syy, g->sty, name,
                             "sums.growth_blocks.rows (sty)", err);
        }
    }
    return rc;
}

int cairn__aggregate_check(const cairn_aggregate *a, const char *name,
                           cairn_error *err)
{
    const cairn_cohort_summary *s = a->summary;
    if (!(isfinite(a->scale_min) && isfinite(a->scale_max) &&
          a->scale_min <= a->scale_max &&
          fmax(fabs(a->scale_min), fabs(a->scale_max)) <= 1e6)) {
        return fail(err, name, "scale_range",
                    "expected two numbers, low to high, within 1e6",
                    a->scale_max);
    }
    range r = make_range(a->scale_min, a->scale_max);
    if (s->has_cutoff && !(s->cutoff >= r.lo && s->cutoff <= r.hi)) {
        return fail(err, name, "parameters.cutoff", "outside the scale's range",
                    s->cutoff);
    }
    if (s->has_rc && s->rc_sd > r.hi - r.lo) {
        return fail(err, name, "parameters.rci_sd",
                    "larger than the scale's range", s->rc_sd);
    }
    int rc = check_moments(s, &r, name, err);
    if (rc == CAIRN_OK) {
        rc = check_items(&s->items, &r, name, err);
    }
    if (rc == CAIRN_OK) {
        rc = check_blocks(s, &r, name, err);
    }
    return rc;
}
