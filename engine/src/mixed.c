/*
 * mixed.c - linear mixed-effects growth models from per-group sums.
 *
 * The model y = X beta + Z b + e with X = Z = [1 t] per group is fitted as
 * lme4 does: b_g = sigma Lambda u_g with Lambda = [th0 0; th1 th2], the
 * profiled (RE)ML criterion is minimised over theta, and beta, sigma and
 * the conditional modes follow from theta in closed form.  Because Z = X,
 * everything a group contributes is a function of its 2x2 block A = X'X,
 * its X'y and y'y, i.e. of the six sums in cairn_mixed_group; the
 * block-diagonal Cholesky factor of Lambda' Z'Z Lambda + I is handled one
 * 2x2 block at a time with the adjugate of M + I (M = Lambda' A Lambda),
 * which is symmetric positive definite with eigenvalues >= 1.  The hot
 * loop (accumulate) is plain scalar arithmetic and allocates nothing.
 *
 * The random-intercept model is the same computation with th1 = th2 = 0:
 * the second random effect is then identically zero and contributes a
 * factor 1 to the determinant and nothing to the sums.
 *
 * The criterion is invariant under changing the sign of a column of
 * Lambda, so theta is minimised without bounds (GSL's Nelder-Mead,
 * nmsimplex2, restarted until it stops improving, then polished by Newton
 * steps on central differences) and reflected to a non-negative diagonal
 * at the end.  GSL's error handler must be off; every GSL status is
 * checked, and a failure becomes CAIRN_ESTATS.
 */
#include "cairn/mixed.h"
#include "internal.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_multimin.h>

/* Number of fixed effects (intercept and slope). */
#define N_FIXED 2

/*
 * Restarts of the simplex after its first convergence, their initial step,
 * and the relative improvement of the criterion that earns another one
 * (smaller gains are rounding noise: the criterion carries about 13
 * significant digits).
 */
#define MAX_RESTARTS 2
#define RESTART_STEP 1e-3
#define RESTART_GAIN 1e-10

/*
 * Iterations without a new lowest value after which a simplex run counts
 * as converged: below the criterion's resolution the simplex can reflect
 * between equal values for ever without shrinking to tol.
 */
#define STALL_ITERS 200

/*
 * Newton steps that polish the simplex's optimum, their difference step
 * (relative to |theta|, at least POLISH_H * POLISH_H_MIN), and the rise of
 * the criterion, relative, that still counts as rounding noise.
 */
#define POLISH_STEPS 2
#define POLISH_H 1e-4
#define POLISH_H_MIN 0.1
#define POLISH_NOISE 1e-13

/*
 * A penalised RSS below this fraction of the raw sum of y^2 is rounding
 * noise of the sums (the data are fitted exactly), so the criterion is
 * undefined.
 */
#define PWRSS_FLOOR (1e3 * DBL_EPSILON)

void cairn_mixed_group_add(cairn_mixed_group *g, double t, double y)
{
    assert(g != NULL);
    g->n += 1.0;
    g->st += t;
    g->stt += t * t;
    g->sy += y;
    g->sty += t * y;
    g->syy += y * y;
}

void cairn_mixed_group_merge(cairn_mixed_group *into,
                             const cairn_mixed_group *from)
{
    assert(into != NULL && from != NULL);
    into->n += from->n;
    into->st += from->st;
    into->stt += from->stt;
    into->sy += from->sy;
    into->sty += from->sty;
    into->syy += from->syy;
}

void cairn_mixed_design_add(cairn_mixed_design *d, const cairn_mixed_group *g)
{
    assert(d != NULL && g != NULL);
    assert(d->count == 0.0 ||
           (d->n == g->n && d->st == g->st && d->stt == g->stt));
    d->count += 1.0;
    d->n = g->n;
    d->st = g->st;
    d->stt = g->stt;
    d->sy += g->sy;
    d->sty += g->sty;
    d->syy += g->syy;
    d->yy[0] += g->sy * g->sy;
    d->yy[1] += g->sy * g->sty;
    d->yy[2] += g->sty * g->sty;
}

/* ---- groups from rows ------------------------------------------------ */

typedef struct row_key {
    int64_t id;
    size_t row;
} row_key;

static int compare_keys(const void *pa, const void *pb)
{
    const row_key *a = pa;
    const row_key *b = pb;
    if (a->id != b->id) {
        return a->id < b->id ? -1 : 1;
    }
    return a->row < b->row ? -1 : (a->row > b->row ? 1 : 0);
}

/* Check the rows; set *sorted when the ids never decrease. */
static int check_rows(const int64_t *group, const double *t, const double *y,
                      size_t n_rows, bool *sorted, cairn_error *err)
{
    *sorted = true;
    for (size_t i = 0; i < n_rows; i++) {
        if (!isfinite(t[i])) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "row %zu: t is not finite (%g)", i + 1,
                                   t[i]);
        }
        if (!isfinite(y[i])) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "row %zu: y is not finite (%g)", i + 1,
                                   y[i]);
        }
        if (i > 0 && group[i] < group[i - 1]) {
            *sorted = false;
        }
    }
    return CAIRN_OK;
}

/*
 * Sum the rows in the order given by `keys` (NULL: input order, which is
 * then sorted by id) into `out`, whose arrays have room for every group.
 */
static void sum_rows(cairn_mixed_groups *out, const row_key *keys,
                     const int64_t *group, const double *t, const double *y,
                     size_t n_rows)
{
    size_t k = 0;
    for (size_t i = 0; i < n_rows; i++) {
        size_t r = keys != NULL ? keys[i].row : i;
        if (i == 0 || group[r] != out->ids[k - 1]) {
            out->ids[k] = group[r];
            memset(&out->groups[k], 0, sizeof out->groups[k]);
            k++;
        }
        cairn_mixed_group_add(&out->groups[k - 1], t[r], y[r]);
    }
    out->n_groups = k;
}

int cairn_mixed_groups_new(cairn_mixed_groups **out, const int64_t *group,
                           const double *t, const double *y, size_t n_rows,
                           cairn_error *err)
{
    assert(out != NULL);
    *out = NULL;
    cairn_mixed_groups *res = NULL;
    row_key *keys = NULL;
    bool sorted = true;
    int rc = CAIRN_OK;

    if (n_rows == 0) {
        rc = cairn_error_set(err, CAIRN_EINVAL, "no rows to summarise");
        goto out;
    }
    assert(group != NULL && t != NULL && y != NULL);
    rc = check_rows(group, t, y, n_rows, &sorted, err);
    if (rc != CAIRN_OK) {
        goto out;
    }
    res = calloc(1, sizeof *res);
    if (res == NULL || n_rows > SIZE_MAX / sizeof *keys) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    res->ids = malloc(n_rows * sizeof *res->ids);
    res->groups = malloc(n_rows * sizeof *res->groups);
    if (!sorted) {
        keys = malloc(n_rows * sizeof *keys);
    }
    if (res->ids == NULL || res->groups == NULL || (!sorted && keys == NULL)) {
        rc = cairn_error_set(err, CAIRN_ENOMEM,
                             "out of memory summarising %zu rows", n_rows);
        goto out;
    }
    if (!sorted) {
        for (size_t i = 0; i < n_rows; i++) {
            keys[i].id = group[i];
            keys[i].row = i;
        }
        qsort(keys, n_rows, sizeof *keys, compare_keys);
    }
    sum_rows(res, keys, group, t, y, n_rows);
    *out = res;
    res = NULL;
out:
    free(keys);
    cairn_mixed_groups_free(res);
    return rc;
}

void cairn_mixed_groups_free(cairn_mixed_groups *groups)
{
    if (groups == NULL) {
        return;
    }
    free(groups->ids);
    free(groups->groups);
    free(groups);
}

/* ---- the profiled criterion ----------------------------------------- */

/*
 * Groups that share a design (n, sum t, sum t^2) share every matrix of
 * the criterion; they differ only in X'y, which enters linearly (R_ZX'c_u)
 * or as a quadratic form (c_u'c_u).  So a design class keeps its count,
 * the sums of the groups' X'y and of their outer products, and the
 * criterion loops over distinct designs instead of groups (a clinic with
 * weekly sessions has far fewer designs than clients).  Exact up to the
 * order of rounding.
 */
typedef struct design {
    double n, st, stt; /* the shared design (standardised) */
    double count;      /* groups with this design */
    double sy, sty;    /* sums of the groups' X'y */
    double yy[3];      /* sums of sy^2, sy*sty and sty^2 */
} design;

/* What the criterion needs: the groups and their totals. */
typedef struct crit_ctx {
    const cairn_mixed_group *groups; /* standardised data */
    size_t n_groups;
    const design *designs; /* the groups by design, for the criterion */
    size_t n_designs;
    bool reml;
    bool intercept_only;
    double xtx[3]; /* X'X: n, sum t, sum t^2 */
    double xty[2]; /* X'y: sum y, sum t*y */
    double yty;
    double n_obs;
    double pwrss_floor; /* rounding noise of the raw sums of y^2 */
} crit_ctx;

/* Sums over groups of the blocks of the penalised least-squares system. */
typedef struct block_sums {
    double s[3];   /* sum of R_ZX' R_ZX (symmetric: 00, 01, 11) */
    double sy[2];  /* sum of R_ZX' c_u */
    double cc;     /* sum of c_u' c_u */
    double logdet; /* log det(Lambda' Z'Z Lambda + I) */
} block_sums;

/* The profiled fit at one theta. */
typedef struct profile {
    double crit; /* REML criterion or ML deviance */
    double beta[2];
    double rx[4];  /* Cholesky factor of R_X'R_X, row-major, lower */
    double pwrss;  /* penalised residual sum of squares */
    double sigma2; /* residual variance */
} profile;

/*
 * Add every group's block at theta to `b`.  With M = Lambda' A Lambda,
 * P = Lambda' A and w = Lambda' X'y, the group adds P'(M+I)^-1 P,
 * P'(M+I)^-1 w and w'(M+I)^-1 w, the same as R_ZX'R_ZX, R_ZX'c_u and
 * c_u'c_u of lme4's Cholesky form; a design class adds count times the
 * first, the second at its summed w, and the third as the trace of
 * (M+I)^-1 with its summed w w'.  Determinants are multiplied and only
 * occasionally logged: each is >= 1, and a log per group made the loop
 * half as slow again.
 */
static void accumulate(const crit_ctx *c, const double th[3], block_sums *b)
{
    const double t0 = th[0], t1 = th[1], t2 = th[2];
    double s00 = 0, s01 = 0, s11 = 0, sy0 = 0, sy1 = 0, cc = 0;
    double logdet = 0, prod = 1;

    for (size_t i = 0; i < c->n_designs; i++) {
        const design *g = &c->designs[i];
        double p00 = t0 * g->n + t1 * g->st, p01 = t0 * g->st + t1 * g->stt;
        double p10 = t2 * g->st, p11 = t2 * g->stt;
        double w0 = t0 * g->sy + t1 * g->sty, w1 = t2 * g->sty;
        double m00 = p00 * t0 + p01 * t1, m01 = p01 * t2, m11 = p11 * t2;
        double det_a = g->n * g->stt - g->st * g->st;
        double det = 1.0 + m00 + m11 + t0 * t0 * t2 * t2 * fmax(det_a, 0.0);
        double inv = 1.0 / det;
        double q00 = (m11 + 1.0) * inv, q01 = -m01 * inv;
        double q11 = (m00 + 1.0) * inv;
        /* K = (M + I)^-1 [P | w] */
        double k00 = q00 * p00 + q01 * p10, k01 = q00 * p01 + q01 * p11;
        double k10 = q01 * p00 + q11 * p10, k11 = q01 * p01 + q11 * p11;
        double k02 = q00 * w0 + q01 * w1, k12 = q01 * w0 + q11 * w1;
        /* sum of w w' = Lambda' (sum of X'y y'X) Lambda */
        double ww00 =
            t0 * t0 * g->yy[0] + 2.0 * t0 * t1 * g->yy[1] + t1 * t1 * g->yy[2];
        double ww01 = t2 * (t0 * g->yy[1] + t1 * g->yy[2]);
        double ww11 = t2 * t2 * g->yy[2];

        s00 += g->count * (p00 * k00 + p10 * k10);
        s01 += g->count * (p00 * k01 + p10 * k11);
        s11 += g->count * (p01 * k01 + p11 * k11);
        sy0 += p00 * k02 + p10 * k12;
        sy1 += p01 * k02 + p11 * k12;
        cc += q00 * ww00 + 2.0 * q01 * ww01 + q11 * ww11;
        if (g->count != 1.0 || det > 1e30) {
            logdet += g->count * log(det);
        } else {
            prod *= det;
            if (prod > 1e250) {
                logdet += log(prod);
                prod = 1.0;
            }
        }
    }
    b->s[0] = s00;
    b->s[1] = s01;
    b->s[2] = s11;
    b->sy[0] = sy0;
    b->sy[1] = sy1;
    b->cc = cc;
    b->logdet = logdet + log(prod);
}

/* Theta as used by the model: slope terms zero for intercept-only. */
static void model_theta(const crit_ctx *c, const double *x, double th[3])
{
    th[0] = x[0];
    th[1] = c->intercept_only ? 0.0 : x[1];
    th[2] = c->intercept_only ? 0.0 : x[2];
}

/*
 * The fixed-effects step: factor R_X'R_X = X'X - sum R_ZX'R_ZX, solve for
 * beta, and form the criterion.  Returns -1 when R_X'R_X is not positive
 * definite or the penalised RSS is not above rounding noise.
 */
static int profile_fixed(const crit_ctx *c, const block_sums *b, profile *p)
{
    p->rx[0] = c->xtx[0] - b->s[0];
    p->rx[1] = c->xtx[1] - b->s[1];
    p->rx[2] = p->rx[1];
    p->rx[3] = c->xtx[2] - b->s[2];
    double cb[2] = {c->xty[0] - b->sy[0], c->xty[1] - b->sy[1]};
    gsl_matrix_view rx = gsl_matrix_view_array(p->rx, 2, 2);
    gsl_vector_view v = gsl_vector_view_array(cb, 2);

    if (gsl_linalg_cholesky_decomp1(&rx.matrix) != GSL_SUCCESS ||
        gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &rx.matrix,
                       &v.vector) != GSL_SUCCESS) {
        return -1;
    }
    p->pwrss = c->yty - b->cc - cb[0] * cb[0] - cb[1] * cb[1];
    if (gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, &rx.matrix,
                       &v.vector) != GSL_SUCCESS ||
        !(p->pwrss > c->pwrss_floor) || !isfinite(p->pwrss)) {
        return -1;
    }
    p->beta[0] = cb[0];
    p->beta[1] = cb[1];

    double df = c->reml ? c->n_obs - N_FIXED : c->n_obs;
    p->sigma2 = p->pwrss / df;
    p->crit = b->logdet + df * (1.0 + log(2.0 * M_PI * p->sigma2));
    if (c->reml) {
        p->crit += 2.0 * log(p->rx[0] * p->rx[3]);
    }
    return isfinite(p->crit) ? 0 : -1;
}

/* The profiled criterion at optimiser point x; -1 when undefined. */
static int evaluate(const crit_ctx *c, const double *x, profile *p)
{
    double th[3];
    block_sums b;
    model_theta(c, x, th);
    accumulate(c, th, &b);
    return profile_fixed(c, &b, p);
}

/* The criterion at optimiser point x; +inf where it is undefined. */
static double crit_at(const crit_ctx *c, const double *x)
{
    profile p;
    return evaluate(c, x, &p) == 0 ? p.crit : GSL_POSINF;
}

static double criterion(const gsl_vector *x, void *params)
{
    double v[3] = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < x->size; i++) {
        v[i] = gsl_vector_get(x, i);
    }
    return crit_at(params, v);
}

/* ---- minimising over theta ------------------------------------------ */

/* Where the minimiser ended. */
typedef struct optimum {
    double x[3];
    double fval;
    int iterations;
    bool converged;
} optimum;

/*
 * One simplex run from `x` with initial `step`, until the simplex is
 * smaller than `tol` or the iteration budget in `best` is spent.  Moves
 * `best` to the end point when that is lower; sets *met when tol was met.
 */
static int run_simplex(gsl_multimin_fminimizer *s, gsl_multimin_function *fn,
                       gsl_vector *x, double step, const cairn_mixed_options *o,
                       optimum *best, bool *met, cairn_error *err)
{
    double steps[3] = {step, step, step};
    gsl_vector_view sv = gsl_vector_view_array(steps, fn->n);
    int st = gsl_multimin_fminimizer_set(s, fn, x, &sv.vector);
    if (st != GSL_SUCCESS) {
        return cairn_error_set(err, CAIRN_ESTATS,
                               "mixed model cannot be fitted: the residual "
                               "variance is 0 or the criterion is undefined "
                               "at the start");
    }
    *met = false;
    /* fminimizer_set leaves the minimum unset until the first iterate. */
    double low = GSL_POSINF;
    int since_low = 0;
    while (best->iterations < o->max_iter) {
        st = gsl_multimin_fminimizer_iterate(s);
        best->iterations++;
        if (st != GSL_SUCCESS) {
            return cairn_error_set(err, CAIRN_ESTATS,
                                   "mixed model minimiser failed after %d "
                                   "iterations (%s)",
                                   best->iterations, gsl_strerror(st));
        }
        double size = gsl_multimin_fminimizer_size(s);
        double f = gsl_multimin_fminimizer_minimum(s);
        since_low = f < low ? 0 : since_low + 1;
        low = fmin(f, low);
        /* A simplex on a criterion flat to the last bit only reflects. */
        if (gsl_multimin_test_size(size, o->tol) == GSL_SUCCESS ||
            since_low >= STALL_ITERS) {
            *met = true;
            break;
        }
    }
    const gsl_vector *end = gsl_multimin_fminimizer_x(s);
    double f = gsl_multimin_fminimizer_minimum(s);
    for (size_t i = 0; i < fn->n; i++) {
        gsl_vector_set(x, i, gsl_vector_get(end, i));
        if (f < best->fval) {
            best->x[i] = gsl_vector_get(end, i);
        }
    }
    best->fval = fmin(f, best->fval);
    return CAIRN_OK;
}

/*
 * Central differences of the criterion at x (value f0) with steps h: the
 * gradient g and the dim x dim Hessian hs (row-major).  Returns -1 where
 * the criterion is undefined.
 */
static int differences(const crit_ctx *c, const double x[3], double f0,
                       const double h[3], double g[3], double *hs)
{
    size_t dim = c->intercept_only ? 1 : 3;
    for (size_t i = 0; i < dim; i++) {
        double xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]};
        xp[i] += h[i];
        xm[i] -= h[i];
        double fp = crit_at(c, xp), fm = crit_at(c, xm);
        g[i] = (fp - fm) / (2.0 * h[i]);
        hs[i * dim + i] = (fp - 2.0 * f0 + fm) / (h[i] * h[i]);
        for (size_t j = 0; j < i; j++) {
            double sum = 0.0;
            for (int k = 0; k < 4; k++) {
                double xk[3] = {x[0], x[1], x[2]};
                xk[i] += (k & 1) ? -h[i] : h[i];
                xk[j] += (k & 2) ? -h[j] : h[j];
                sum += (k == 0 || k == 3 ? 1.0 : -1.0) * crit_at(c, xk);
            }
            hs[i * dim + j] = sum / (4.0 * h[i] * h[j]);
            hs[j * dim + i] = hs[i * dim + j];
        }
    }
    for (size_t i = 0; i < dim * dim; i++) {
        if (!isfinite(hs[i]) || (i < dim && !isfinite(g[i]))) {
            return -1;
        }
    }
    return 0;
}

/*
 * Polish the simplex's end point with Newton steps on central differences.
 * The simplex stops wherever the rounding noise of the flat criterion lets
 * it (theta within about 1e-7); Newton steps on differences over a wider
 * step land closer to the optimum and, more usefully, at the same point
 * for the same data summed in another order (rows vs pooled summaries).
 * A step is kept only when it is shorter than the difference step and
 * does not raise the criterion beyond its rounding noise; with very many
 * groups that noise outgrows the differences and the steps are refused.
 */
static void polish(const crit_ctx *c, optimum *best)
{
    size_t dim = c->intercept_only ? 1 : 3;
    for (int step = 0; step < POLISH_STEPS; step++) {
        double h[3], g[3], hs[9], d[3], xn[3] = {0.0, 0.0, 0.0};
        for (size_t i = 0; i < 3; i++) {
            h[i] = POLISH_H * fmax(fabs(best->x[i]), POLISH_H_MIN);
        }
        if (differences(c, best->x, best->fval, h, g, hs) != 0) {
            return;
        }
        gsl_matrix_view hm = gsl_matrix_view_array(hs, dim, dim);
        gsl_vector_view gv = gsl_vector_view_array(g, dim);
        gsl_vector_view dv = gsl_vector_view_array(d, dim);
        if (gsl_linalg_cholesky_decomp1(&hm.matrix) != GSL_SUCCESS ||
            gsl_linalg_cholesky_solve(&hm.matrix, &gv.vector, &dv.vector) !=
                GSL_SUCCESS) {
            return;
        }
        for (size_t i = 0; i < dim; i++) {
            if (!(fabs(d[i]) <= h[i])) {
                return;
            }
            xn[i] = best->x[i] - d[i];
        }
        double f = crit_at(c, xn);
        if (!(f <= best->fval + POLISH_NOISE * fabs(best->fval))) {
            return;
        }
        memcpy(best->x, xn, sizeof xn);
        best->fval = f;
    }
}

/*
 * Minimise the criterion from lme4's start (theta = identity), then
 * restart the simplex around its end point until a restart no longer
 * lowers the criterion: Nelder-Mead can stall before the optimum.
 */
static int minimise(const crit_ctx *c, const cairn_mixed_options *o,
                    optimum *best, cairn_error *err)
{
    size_t dim = c->intercept_only ? 1 : 3;
    gsl_multimin_function fn = {criterion, dim, (void *)c};
    gsl_multimin_fminimizer *s = NULL;
    gsl_vector *x = NULL;
    int rc = CAIRN_OK;

    *best = (optimum){.fval = GSL_POSINF};
    s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    x = gsl_vector_alloc(dim);
    if (s == NULL || x == NULL) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        goto out;
    }
    const double start[3] = {1.0, 0.0, 1.0};
    for (size_t i = 0; i < dim; i++) {
        gsl_vector_set(x, i, start[i]);
    }
    for (int round = 0; round <= MAX_RESTARTS; round++) {
        double before = best->fval;
        bool met = false;
        rc = run_simplex(s, &fn, x, round == 0 ? 0.5 : RESTART_STEP, o, best,
                         &met, err);
        if (rc != CAIRN_OK) {
            goto out;
        }
        best->converged = met;
        double gain = RESTART_GAIN * (1.0 + fabs(best->fval));
        if (!met || (round > 0 && !(best->fval < before - gain))) {
            break;
        }
    }
    polish(c, best);
out:
    gsl_vector_free(x);
    gsl_multimin_fminimizer_free(s);
    return rc;
}

/* ---- checking the input ---------------------------------------------- */

static int check_group(const cairn_mixed_group *g, size_t i, cairn_error *err)
{
    const double v[6] = {g->n, g->st, g->stt, g->sy, g->sty, g->syy};
    static const char *const name[6] = {"1", "t", "t^2", "y", "t*y", "y^2"};
    for (size_t k = 0; k < 6; k++) {
        if (!isfinite(v[k])) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "group %zu: sum of %s is not finite (%g)", i,
                                   name[k], v[k]);
        }
    }
    if (g->n == 0.0) {
        return cairn_error_set(err, CAIRN_EINVAL, "group %zu has no rows", i);
    }
    if (g->n < 0.0 || g->n != floor(g->n)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "group %zu: row count %g is not a whole "
                               "positive number",
                               i, g->n);
    }
    if (g->stt < 0.0 || g->syy < 0.0) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "group %zu: a sum of squares is negative "
                               "(t^2 %g, y^2 %g)",
                               i, g->stt, g->syy);
    }
    return CAIRN_OK;
}

static int check_options(const cairn_mixed_options *o, cairn_error *err)
{
    if (o->max_iter < 1 || !(o->tol > 0.0) || !isfinite(o->tol)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "mixed model options: max_iter %d and tol %g "
                               "must be positive",
                               o->max_iter, o->tol);
    }
    return CAIRN_OK;
}

/* Check that the totals `tot` of `n_groups` groups identify the model. */
static int check_totals(const cairn_mixed_group *tot, double n_groups,
                        const cairn_mixed_options *o, cairn_error *err)
{
    if (n_groups < 2) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "mixed model needs at least 2 groups, got %g",
                               n_groups);
    }
    double n_re = (o->intercept_only ? 1.0 : 2.0) * n_groups;
    if (!(tot->n > n_re)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "mixed model has %g rows, which must exceed "
                               "the %g random effects",
                               tot->n, n_re);
    }
    if (!(tot->n * tot->stt - tot->st * tot->st > 1e-12 * tot->n * tot->stt)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "t is the same (%g) in every row, so the "
                               "slope cannot be estimated",
                               tot->st / tot->n);
    }
    return CAIRN_OK;
}

/* Check options and groups, and sum the groups into `tot`. */
static int check_input(const cairn_mixed_group *groups, size_t n_groups,
                       const cairn_mixed_options *o, cairn_mixed_group *tot,
                       cairn_error *err)
{
    int rc = check_options(o, err);
    *tot = (cairn_mixed_group)CAIRN_MIXED_GROUP_INIT;
    for (size_t i = 0; rc == CAIRN_OK && i < n_groups; i++) {
        rc = check_group(&groups[i], i, err);
        cairn_mixed_group_merge(tot, &groups[i]);
    }
    return rc == CAIRN_OK ? check_totals(tot, (double)n_groups, o, err) : rc;
}

/*
 * Check options and pooled classes, and sum their rows into `tot` and
 * their groups into *n_groups.
 */
static int check_designs(const cairn_mixed_design *d, size_t n_designs,
                         const cairn_mixed_options *o, cairn_mixed_group *tot,
                         double *n_groups, cairn_error *err)
{
    int rc = check_options(o, err);
    *tot = (cairn_mixed_group)CAIRN_MIXED_GROUP_INIT;
    *n_groups = 0.0;
    for (size_t i = 0; rc == CAIRN_OK && i < n_designs; i++) {
        const double c = d[i].count;
        const cairn_mixed_group g = {d[i].n,  d[i].st,  d[i].stt,
                                     d[i].sy, d[i].sty, d[i].syy};
        if (!(c >= 1.0) || c != floor(c) || !isfinite(c)) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "design %zu: group count %g is not a whole "
                                 "positive number",
                                 i, c);
            break;
        }
        rc = check_group(&g, i, err);
        *n_groups += c;
        tot->n += c * g.n;
        tot->st += c * g.st;
        tot->stt += c * g.stt;
        tot->sy += g.sy;
        tot->sty += g.sty;
        tot->syy += g.syy;
    }
    return rc == CAIRN_OK ? check_totals(tot, *n_groups, o, err) : rc;
}

/* ---- standardised data ------------------------------------------------ */

/*
 * The fit runs in standardised time u = (t - centre) / scale (mean 0, SD 1
 * over all rows) and on centred outcomes y - y_centre (the mean of y).
 * Centring t keeps the origin and unit of t (a calendar date, seconds)
 * from making X'X ill-conditioned and lme4's start, theta = identity, a
 * poor guess; centring y keeps y'y - c'c, the penalised RSS, from
 * cancelling to rounding noise that changes with theta.  The model is
 * equivariant: with A = [1 -k; 0 1/scale], k = centre / scale, beta =
 * A beta_u + (y_centre, 0), b = A b_u, Sigma = A Sigma_u A', and the REML
 * criterion in t is the one in u plus 2 log(scale) (the ML deviance is
 * unchanged).  The shift is computed once from the raw sums, so their
 * rounding becomes a constant, not noise in the criterion.
 */
typedef struct time_scale {
    double centre;
    double scale;
    double y_centre;
} time_scale;

/* Sums of the groups in standardised data, and the totals into `c`. */
static void standardise(const cairn_mixed_group *in,
                        const cairn_mixed_group *tot, cairn_mixed_group *out,
                        crit_ctx *c, time_scale *ts)
{
    double m = tot->st / tot->n, my = tot->sy / tot->n;
    double s = sqrt((tot->stt - m * tot->st) / tot->n);
    cairn_mixed_group sum = CAIRN_MIXED_GROUP_INIT;
    for (size_t i = 0; i < c->n_groups; i++) {
        const cairn_mixed_group *g = &in[i];
        double st_c = g->st - g->n * m, sy_c = g->sy - g->n * my;
        out[i].n = g->n;
        out[i].st = st_c / s;
        out[i].stt = fmax((g->stt - m * g->st - m * st_c) / (s * s), 0.0);
        out[i].sy = sy_c;
        out[i].sty = (g->sty - m * g->sy - my * st_c) / s;
        out[i].syy = fmax(g->syy - my * g->sy - my * sy_c, 0.0);
        cairn_mixed_group_merge(&sum, &out[i]);
    }
    c->groups = out;
    c->xtx[0] = sum.n;
    c->xtx[1] = sum.st;
    c->xtx[2] = sum.stt;
    c->xty[0] = sum.sy;
    c->xty[1] = sum.sty;
    c->yty = sum.syy;
    c->n_obs = sum.n;
    c->pwrss_floor = PWRSS_FLOOR * tot->syy;
    ts->centre = m;
    ts->scale = s;
    ts->y_centre = my;
}

/*
 * Pooled classes in standardised data, as standardise() does to their
 * groups, with the products of the sums expanded, and the totals into `c`.
 */
static void standardise_designs(const cairn_mixed_design *in, size_t n,
                                const cairn_mixed_group *tot, design *out,
                                crit_ctx *c, time_scale *ts)
{
    double m = tot->st / tot->n, my = tot->sy / tot->n;
    double s = sqrt((tot->stt - m * tot->st) / tot->n);
    double xtx[3] = {0, 0, 0}, xty[2] = {0, 0}, yty = 0;
    for (size_t i = 0; i < n; i++) {
        const cairn_mixed_design *g = &in[i];
        design *d = &out[i];
        /* per group: a = sy - n my, b = (sty - m sy - k) / s */
        double st_c = g->st - g->n * m, k = my * st_c, an = g->n * my;
        d->count = g->count;
        d->n = g->n;
        d->st = st_c / s;
        d->stt = fmax((g->stt - m * g->st - m * st_c) / (s * s), 0.0);
        d->sy = g->sy - g->count * an;
        d->sty = (g->sty - m * g->sy - g->count * k) / s;
        double y0 = g->yy[0], y1 = g->yy[1], y2 = g->yy[2];
        d->yy[0] = fmax(y0 - 2.0 * an * g->sy + g->count * an * an, 0.0);
        d->yy[1] = (y1 - m * y0 - k * g->sy - an * g->sty + an * m * g->sy +
                    g->count * an * k) /
                   s;
        d->yy[2] = fmax((y2 + m * m * y0 + g->count * k * k - 2.0 * m * y1 -
                         2.0 * k * g->sty + 2.0 * m * k * g->sy) /
                            (s * s),
                        0.0);
        xtx[0] += g->count * d->n;
        xtx[1] += g->count * d->st;
        xtx[2] += g->count * d->stt;
        xty[0] += d->sy;
        xty[1] += d->sty;
        yty += fmax(g->syy - my * g->sy - my * d->sy, 0.0);
    }
    c->designs = out;
    c->n_designs = n;
    memcpy(c->xtx, xtx, sizeof xtx);
    memcpy(c->xty, xty, sizeof xty);
    c->yty = yty;
    c->n_obs = xtx[0];
    c->pwrss_floor = PWRSS_FLOOR * tot->syy;
    ts->centre = m;
    ts->scale = s;
    ts->y_centre = my;
}

/* A design and the group it came from, for sorting. */
typedef struct design_key {
    double n, st, stt;
    size_t group;
} design_key;

static int compare_designs(const void *pa, const void *pb)
{
    const design_key *a = pa;
    const design_key *b = pb;
    const double x[3] = {a->n, a->st, a->stt}, y[3] = {b->n, b->st, b->stt};
    for (int k = 0; k < 3; k++) {
        if (x[k] != y[k]) {
            return x[k] < y[k] ? -1 : 1;
        }
    }
    return a->group < b->group ? -1 : (a->group > b->group ? 1 : 0);
}

static bool same_design(const design_key *a, const design_key *b)
{
    return a->n == b->n && a->st == b->st && a->stt == b->stt;
}

/* Whether `keys` are already in compare_designs order (a summary file's
 * blocks are written sorted): then qsort would leave them as they are. */
static bool in_design_order(const design_key *keys, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (compare_designs(&keys[i - 1], &keys[i]) > 0) {
            return false;
        }
    }
    return true;
}

/* Add group `g` (standardised) to the design class `d`. */
static void design_add(design *d, const cairn_mixed_group *g)
{
    d->n = g->n;
    d->st = g->st;
    d->stt = g->stt;
    d->count += 1.0;
    d->sy += g->sy;
    d->sty += g->sty;
    d->yy[0] += g->sy * g->sy;
    d->yy[1] += g->sy * g->sty;
    d->yy[2] += g->sty * g->sty;
}

/*
 * The standardised groups of `c` by design into `out` (room for every
 * group): one class per distinct (n, sum t, sum t^2) in ascending order,
 * or with `pool` false one class per group in input order.  `keys` has
 * room for every group.
 */
static void group_designs(crit_ctx *c, design *out, design_key *keys, bool pool)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_groups; i++) {
        const cairn_mixed_group *g = &c->groups[i];
        keys[i] = (design_key){g->n, g->st, g->stt, i};
    }
    if (pool && !in_design_order(keys, c->n_groups)) {
        qsort(keys, c->n_groups, sizeof *keys, compare_designs);
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        if (i == 0 || !pool || !same_design(&keys[i], &keys[i - 1])) {
            out[k++] = (design){.count = 0.0};
        }
        design_add(&out[k - 1], &c->groups[keys[i].group]);
    }
    c->designs = out;
    c->n_designs = k;
}

/* A m A' for a symmetric m = {m00, m01, m11}, in place. */
static void sym_to_time(const time_scale *ts, double m[3])
{
    double k = ts->centre / ts->scale, s = ts->scale;
    double m00 = m[0] - 2.0 * k * m[1] + k * k * m[2];
    double m01 = (m[1] - k * m[2]) / s;
    m[0] = m00;
    m[1] = m01;
    m[2] = m[2] / (s * s);
}

/* A v for an intercept-slope pair v, in place. */
static void vec_to_time(const time_scale *ts, double v[2])
{
    v[0] -= ts->centre / ts->scale * v[1];
    v[1] /= ts->scale;
}

/* ---- the result ------------------------------------------------------- */

/*
 * Fixed effects, their covariance and Wald intervals from the profile
 * (standardised data) at the optimum.
 */
static int fill_fixed(cairn_mixed_fit_result *r, profile *p,
                      const time_scale *ts, cairn_error *err)
{
    gsl_matrix_view rx = gsl_matrix_view_array(p->rx, 2, 2);
    if (gsl_linalg_cholesky_invert(&rx.matrix) != GSL_SUCCESS) {
        return cairn_error_set(err, CAIRN_ESTATS,
                               "covariance of the fixed effects could not "
                               "be computed");
    }
    double v[3] = {p->sigma2 * p->rx[0], p->sigma2 * p->rx[1],
                   p->sigma2 * p->rx[3]};
    double beta[2] = {p->beta[0], p->beta[1]};
    sym_to_time(ts, v);
    vec_to_time(ts, beta);
    beta[0] += ts->y_centre;
    double z = gsl_cdf_ugaussian_Pinv(0.975);
    r->intercept = beta[0];
    r->slope = beta[1];
    r->vcov[0][0] = v[0];
    r->vcov[0][1] = v[1];
    r->vcov[1][0] = v[1];
    r->vcov[1][1] = v[2];
    r->intercept_se = sqrt(v[0]);
    r->slope_se = sqrt(v[2]);
    r->intercept_ci[0] = r->intercept - z * r->intercept_se;
    r->intercept_ci[1] = r->intercept + z * r->intercept_se;
    r->slope_ci[0] = r->slope - z * r->slope_se;
    r->slope_ci[1] = r->slope + z * r->slope_se;
    return CAIRN_OK;
}

/*
 * Variance components from theta_u: Sigma / sigma^2 = A Lambda_u
 * Lambda_u' A', and lme4's theta as its lower Cholesky factor (which may
 * be singular at a boundary fit, hence not GSL's).
 */
static void fill_random(cairn_mixed_fit_result *r, const double th[3],
                        double sigma2, const time_scale *ts)
{
    double m[3] = {th[0] * th[0], th[0] * th[1], th[1] * th[1] + th[2] * th[2]};
    double sigma = sqrt(sigma2);
    sym_to_time(ts, m);
    r->theta[0] = sqrt(m[0]);
    r->theta[1] = r->theta[0] > 0.0 ? m[1] / r->theta[0] : 0.0;
    r->theta[2] = sqrt(fmax(m[2] - r->theta[1] * r->theta[1], 0.0));
    r->sigma = sigma;
    r->sd_intercept = sigma * sqrt(m[0]);
    r->sd_slope = sigma * sqrt(m[2]);
    r->cor = m[0] > 0.0 && m[2] > 0.0 ? m[1] / sqrt(m[0] * m[2]) : 0.0;
}

/*
 * Conditional modes u_g = (M + I)^-1 (w - P beta_u) and b_g = A Lambda_u
 * u_g, with M, P and w as in accumulate() (standardised data).
 */
static void fill_blups(cairn_mixed_fit_result *r, const crit_ctx *c,
                       const double th[3], const double beta[2],
                       const time_scale *ts)
{
    const double t0 = th[0], t1 = th[1], t2 = th[2];
    for (size_t i = 0; i < c->n_groups; i++) {
        const cairn_mixed_group *g = &c->groups[i];
        double p00 = t0 * g->n + t1 * g->st, p01 = t0 * g->st + t1 * g->stt;
        double p10 = t2 * g->st, p11 = t2 * g->stt;
        double m00 = p00 * t0 + p01 * t1, m01 = p01 * t2, m11 = p11 * t2;
        double det_a = g->n * g->stt - g->st * g->st;
        double det = 1.0 + m00 + m11 + t0 * t0 * t2 * t2 * fmax(det_a, 0.0);
        double v0 = t0 * g->sy + t1 * g->sty - p00 * beta[0] - p01 * beta[1];
        double v1 = t2 * g->sty - p10 * beta[0] - p11 * beta[1];
        double u0 = ((m11 + 1.0) * v0 - m01 * v1) / det;
        double u1 = ((m00 + 1.0) * v1 - m01 * v0) / det;
        double b[2] = {t0 * u0, t1 * u0 + t2 * u1};
        vec_to_time(ts, b);
        r->blups[i].intercept = b[0];
        r->blups[i].slope = b[1];
        r->blups[i].coef_intercept = r->intercept + b[0];
        r->blups[i].coef_slope = r->slope + b[1];
    }
}

/* Build the result at the optimum `best`. */
static int fill_result(cairn_mixed_fit_result *r, const crit_ctx *c,
                       const time_scale *ts, const optimum *best,
                       cairn_error *err)
{
    double x[3] = {best->x[0], best->x[1], best->x[2]};
    if (x[0] < 0.0) {
        x[0] = -x[0];
        x[1] = -x[1];
    }
    x[2] = fabs(x[2]);
    double th[3];
    model_theta(c, x, th);
    profile p;
    if (evaluate(c, x, &p) != 0) {
        return cairn_error_set(err, CAIRN_ESTATS,
                               "mixed model criterion is undefined at the "
                               "optimum (theta %g, %g, %g)",
                               th[0], th[1], th[2]);
    }
    double beta_u[2] = {p.beta[0], p.beta[1]};
    int rc = fill_fixed(r, &p, ts, err);
    if (rc != CAIRN_OK) {
        return rc;
    }
    fill_random(r, th, p.sigma2, ts);
    fill_blups(r, c, th, beta_u, ts);
    r->reml = c->reml;
    r->intercept_only = c->intercept_only;
    r->criterion = p.crit + (c->reml ? 2.0 * log(ts->scale) : 0.0);
    r->loglik = -r->criterion / 2.0;
    r->converged = best->converged;
    r->iterations = best->iterations;
    r->n_obs = (size_t)c->n_obs;
    r->n_groups = c->n_groups;
    return CAIRN_OK;
}

/* The fit, with the groups pooled by design or (pool false) not. */
static int fit(cairn_mixed_fit_result **out, const cairn_mixed_group *groups,
               size_t n_groups, const cairn_mixed_options *opts, bool pool,
               cairn_error *err)
{
    assert(out != NULL);
    assert(groups != NULL || n_groups == 0);
    *out = NULL;
    const cairn_mixed_options defaults = CAIRN_MIXED_OPTIONS_INIT;
    const cairn_mixed_options *o = opts != NULL ? opts : &defaults;
    crit_ctx c = {.n_groups = n_groups,
                  .reml = o->reml,
                  .intercept_only = o->intercept_only};
    cairn_mixed_fit_result *r = NULL;
    cairn_mixed_group *std = NULL;
    design *designs = NULL;
    design_key *keys = NULL;
    cairn_mixed_group tot = CAIRN_MIXED_GROUP_INIT;
    time_scale ts = {.scale = 1.0};
    optimum best = {.converged = false};

    int rc = check_input(groups, n_groups, o, &tot, err);
    if (rc != CAIRN_OK) {
        goto out;
    }
    std = malloc(n_groups * sizeof *std);
    designs = malloc(n_groups * sizeof *designs);
    keys = malloc(n_groups * sizeof *keys);
    r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->blups = calloc(n_groups, sizeof *r->blups);
    }
    if (std == NULL || designs == NULL || keys == NULL || r == NULL ||
        r->blups == NULL || n_groups > SIZE_MAX / sizeof *designs) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory for %zu groups",
                             n_groups);
        goto out;
    }
    standardise(groups, &tot, std, &c, &ts);
    group_designs(&c, designs, keys, pool);
    free(keys);
    keys = NULL;
    rc = minimise(&c, o, &best, err);
    if (rc != CAIRN_OK) {
        goto out;
    }
    rc = fill_result(r, &c, &ts, &best, err);
    if (rc != CAIRN_OK) {
        goto out;
    }
    *out = r;
    r = NULL;
out:
    free(keys);
    free(designs);
    free(std);
    cairn_mixed_result_free(r);
    return rc;
}

int cairn_mixed_fit(cairn_mixed_fit_result **out,
                    const cairn_mixed_group *groups, size_t n_groups,
                    const cairn_mixed_options *opts, cairn_error *err)
{
    return fit(out, groups, n_groups, opts, true, err);
}

int cairn_mixed_fit_designs(cairn_mixed_fit_result **out,
                            const cairn_mixed_design *designs, size_t n_designs,
                            const cairn_mixed_options *opts, cairn_error *err)
{
    assert(out != NULL);
    assert(designs != NULL || n_designs == 0);
    *out = NULL;
    const cairn_mixed_options defaults = CAIRN_MIXED_OPTIONS_INIT;
    const cairn_mixed_options *o = opts != NULL ? opts : &defaults;
    crit_ctx c = {.reml = o->reml, .intercept_only = o->intercept_only};
    cairn_mixed_fit_result *r = NULL;
    design *std = NULL;
    cairn_mixed_group tot = CAIRN_MIXED_GROUP_INIT;
    time_scale ts = {.scale = 1.0};
    optimum best = {.converged = false};
    double n_groups = 0.0;

    int rc = check_designs(designs, n_designs, o, &tot, &n_groups, err);
    if (rc != CAIRN_OK) {
        goto out;
    }
    std = malloc(n_designs * sizeof *std);
    r = calloc(1, sizeof *r);
    if (std == NULL || r == NULL || n_designs > SIZE_MAX / sizeof *std) {
        rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory for %zu designs",
                             n_designs);
        goto out;
    }
    standardise_designs(designs, n_designs, &tot, std, &c, &ts);
    rc = minimise(&c, o, &best, err);
    if (rc == CAIRN_OK) {
        rc = fill_result(r, &c, &ts, &best, err);
    }
    if (rc != CAIRN_OK) {
        goto out;
    }
    r->n_groups = (size_t)n_groups;
    *out = r;
    r = NULL;
out:
    free(std);
    cairn_mixed_result_free(r);
    return rc;
}

int cairn__mixed_fit_by_group(cairn_mixed_fit_result **out,
                              const cairn_mixed_group *groups, size_t n_groups,
                              const cairn_mixed_options *opts, cairn_error *err)
{
    return fit(out, groups, n_groups, opts, false, err);
}

void cairn_mixed_result_free(cairn_mixed_fit_result *result)
{
    if (result == NULL) {
        return;
    }
    free(result->blups);
    free(result);
}
