/*
 * test_mixed.c - the mixed-effects growth model against lme4 on sleepstudy.
 *
 * The reference numbers come from sleepstudy_ref.json (R lme4 1.1.31):
 * models_tight_optimizer.* (bobyqa, rhoend 1e-12) for the slope models,
 * models.* for the intercept-only models and for the BLUPs, which only the
 * default fits record.  Both files live in tests/data/sleepstudy (see its
 * README for their provenance); tests run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include "cairn/mixed.h"
#include "../engine/src/internal.h"

#define MAX_ROWS 1000

/* Fixed effects relative, variance components relative, criterion slack. */
#define TOL_FIXEF 1e-6
#define TOL_VARCOMP 1e-4
#define TOL_CRIT 1e-6

typedef struct fixture {
    size_t n;
    int64_t id[MAX_ROWS];
    double t[MAX_ROWS];
    double y[MAX_ROWS];
    cairn_mixed_groups *groups;
    json_t *ref;
} fixture;

#define DATA_DIR "tests/data/sleepstudy"

static int parse_row(fixture *f, char *line)
{
    char *end = NULL;
    errno = 0;
    long id = strtol(line, &end, 10);
    if (errno != 0 || *end != ',') {
        return -1;
    }
    double t = strtod(end + 1, &end);
    if (*end != ',') {
        return -1;
    }
    double y = strtod(end + 1, &end);
    if (*end != '\n' && *end != '\r' && *end != '\0') {
        return -1;
    }
    f->id[f->n] = id;
    f->t[f->n] = t;
    f->y[f->n] = y;
    f->n++;
    return 0;
}

static int read_csv(fixture *f, const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[256];
    int rc = 0;
    if (fp == NULL) {
        print_error("cannot open %s\n", path);
        return -1;
    }
    if (fgets(line, sizeof line, fp) == NULL) {
        rc = -1;
    }
    while (rc == 0 && fgets(line, sizeof line, fp) != NULL) {
        if (f->n == MAX_ROWS || parse_row(f, line) != 0) {
            print_error("%s: bad row %zu\n", path, f->n + 2);
            rc = -1;
        }
    }
    fclose(fp);
    return rc;
}

static int setup(void **state)
{
    char path[1024];
    json_error_t jerr;
    cairn_error err = CAIRN_ERROR_INIT;
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    *state = f;
    snprintf(path, sizeof path, "%s", DATA_DIR "/sleepstudy.csv");
    if (read_csv(f, path) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s", DATA_DIR "/sleepstudy_ref.json");
    f->ref = json_load_file(path, 0, &jerr);
    if (f->ref == NULL) {
        print_error("%s:%d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    if (cairn_mixed_groups_new(&f->groups, f->id, f->t, f->y, f->n, &err) !=
        CAIRN_OK) {
        print_error("%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f != NULL) {
        cairn_mixed_groups_free(f->groups);
        json_decref(f->ref);
        free(f);
    }
    return 0;
}

/* A number from the reference: section.model.key[.sub[.sub2]]. */
static double ref3(const fixture *f, const char *section, const char *model,
                   const char *key)
{
    double v = NAN;
    assert_int_equal(
        json_unpack(f->ref, "{s:{s:{s:F}}}", section, model, key, &v), 0);
    return v;
}

static double ref4(const fixture *f, const char *section, const char *model,
                   const char *key, const char *sub)
{
    double v = NAN;
    assert_int_equal(
        json_unpack(f->ref, "{s:{s:{s:{s:F}}}}", section, model, key, sub, &v),
        0);
    return v;
}

static double ref5(const fixture *f, const char *section, const char *model,
                   const char *key, const char *sub, const char *sub2)
{
    double v = NAN;
    assert_int_equal(json_unpack(f->ref, "{s:{s:{s:{s:{s:F}}}}}", section,
                                 model, key, sub, sub2, &v),
                     0);
    return v;
}

/* |got - want| <= tol * max(|want|, floor). */
static void check_close(const char *what, double got, double want, double tol,
                        double floor_)
{
    double diff = fabs(got - want);
    if (!(diff <= tol * fmax(fabs(want), floor_))) {
        print_error("%s: got %.15g, want %.15g (diff %.3g, tol %.3g)\n", what,
                    got, want, diff, tol);
        fail();
    }
}

static void check_rel(const char *what, double got, double want, double tol)
{
    check_close(what, got, want, tol, 1e-300);
}

static cairn_mixed_fit_result *fit(const cairn_mixed_group *groups,
                                   size_t n_groups, bool reml,
                                   bool intercept_only)
{
    cairn_mixed_options o = CAIRN_MIXED_OPTIONS_INIT;
    cairn_mixed_fit_result *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.reml = reml;
    o.intercept_only = intercept_only;
    int rc = cairn_mixed_fit(&r, groups, n_groups, &o, &err);
    if (rc != CAIRN_OK) {
        print_error("%s\n", err.message);
    }
    assert_int_equal(rc, CAIRN_OK);
    assert_non_null(r);
    return r;
}

/* lme4's theta: three numbers, or one for intercept-only models. */
static void check_theta(const fixture *f, const cairn_mixed_fit_result *r,
                        const char *section, const char *model)
{
    double th[3] = {0.0, 0.0, 0.0};
    if (r->intercept_only) {
        assert_int_equal(json_unpack(f->ref, "{s:{s:{s:[F]}}}", section, model,
                                     "theta", &th[0]),
                         0);
        check_rel("theta0", r->theta[0], th[0], TOL_VARCOMP);
        assert_true(r->theta[1] == 0.0 && r->theta[2] == 0.0);
        return;
    }
    assert_int_equal(json_unpack(f->ref, "{s:{s:{s:[FFF]}}}", section, model,
                                 "theta", &th[0], &th[1], &th[2]),
                     0);
    check_rel("theta0", r->theta[0], th[0], TOL_VARCOMP);
    check_rel("theta1", r->theta[1], th[1], TOL_VARCOMP);
    check_rel("theta2", r->theta[2], th[2], TOL_VARCOMP);
}

/* Compare a fit with the reference entry section.model. */
static void check_model(const fixture *f, const cairn_mixed_fit_result *r,
                        const char *section, const char *model)
{
    double crit = ref3(f, section, model, "deviance_or_REMLcrit");
    assert_true(r->converged);
    assert_int_equal(r->n_obs, 180);
    assert_int_equal(r->n_groups, 18);
    check_rel("intercept", r->intercept,
              ref4(f, section, model, "fixef", "(Intercept)"), TOL_FIXEF);
    check_rel("slope", r->slope, ref4(f, section, model, "fixef", "Days"),
              TOL_FIXEF);
    check_rel("sd intercept", r->sd_intercept,
              ref4(f, section, model, "random_sd", "(Intercept)"), TOL_VARCOMP);
    check_rel("sigma", r->sigma, ref3(f, section, model, "residual_sd"),
              TOL_VARCOMP);
    if (!r->intercept_only) {
        check_rel("sd slope", r->sd_slope,
                  ref4(f, section, model, "random_sd", "Days"), TOL_VARCOMP);
        check_rel("cor", r->cor,
                  ref4(f, section, model, "random_cor", "(Intercept):Days"),
                  TOL_VARCOMP);
    } else {
        assert_true(r->sd_slope == 0.0 && r->cor == 0.0);
    }
    if (!(r->criterion <= crit + TOL_CRIT)) {
        print_error("criterion %.12f is worse than lme4's %.12f\n",
                    r->criterion, crit);
        fail();
    }
    check_rel("logLik", r->loglik, ref3(f, section, model, "logLik"), 1e-9);
    check_theta(f, r, section, model);
}

static void test_mixed_slope_reml_matches_lme4(void **state)
{
    fixture *f = *state;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, true, false);
    assert_true(r->reml && !r->intercept_only);
    check_model(f, r, "models_tight_optimizer", "slope_REML");
    cairn_mixed_result_free(r);
}

static void test_mixed_slope_ml_matches_lme4(void **state)
{
    fixture *f = *state;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, false, false);
    assert_false(r->reml);
    check_model(f, r, "models_tight_optimizer", "slope_ML");
    cairn_mixed_result_free(r);
}

/* No tight reference exists for these: lme4's 1-D fit is already exact. */
static void test_mixed_intercept_reml_matches_lme4(void **state)
{
    fixture *f = *state;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, true, true);
    assert_true(r->intercept_only);
    check_model(f, r, "models", "intercept_REML");
    cairn_mixed_result_free(r);
}

static void test_mixed_intercept_ml_matches_lme4(void **state)
{
    fixture *f = *state;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, false, true);
    check_model(f, r, "models", "intercept_ML");
    cairn_mixed_result_free(r);
}

static void check_se(const fixture *f, bool reml, bool intercept_only,
                     const char *section, const char *model)
{
    static const char *const name[2] = {"(Intercept)", "Days"};
    const double z = 1.959963984540054;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, reml, intercept_only);
    check_rel("intercept se", r->intercept_se,
              ref4(f, section, model, "fixef_se", "(Intercept)"), TOL_VARCOMP);
    check_rel("slope se", r->slope_se,
              ref4(f, section, model, "fixef_se", "Days"), TOL_VARCOMP);
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < 2; j++) {
            check_rel("vcov", r->vcov[i][j],
                      ref5(f, section, model, "vcov_fixef", name[i], name[j]),
                      TOL_VARCOMP);
        }
    }
    check_rel("slope ci low", r->slope_ci[0], r->slope - z * r->slope_se,
              1e-12);
    check_rel("intercept ci high", r->intercept_ci[1],
              r->intercept + z * r->intercept_se, 1e-12);
    cairn_mixed_result_free(r);
}

static void test_mixed_fixef_se_match_lme4(void **state)
{
    fixture *f = *state;
    check_se(f, true, false, "models_tight_optimizer", "slope_REML");
    check_se(f, false, false, "models_tight_optimizer", "slope_ML");
    check_se(f, true, true, "models", "intercept_REML");
    check_se(f, false, true, "models", "intercept_ML");
}

/* Index of subject `id` in the groups (ascending ids). */
static size_t group_index(const fixture *f, int64_t id)
{
    for (size_t i = 0; i < f->groups->n_groups; i++) {
        if (f->groups->ids[i] == id) {
            return i;
        }
    }
    fail_msg("subject %lld not found", (long long)id);
    return 0;
}

/*
 * The random intercept of `subject`: an object for the slope models, a
 * one-element array (as R writes a length-1 vector) for intercept-only.
 */
static double ranef_intercept(const fixture *f, const char *model,
                              const char *subject)
{
    double v = NAN;
    if (json_unpack(f->ref, "{s:{s:{s:{s:[F]}}}}", "models", model,
                    "ranef_by_group", subject, &v) == 0) {
        return v;
    }
    return ref5(f, "models", model, "ranef_by_group", subject, "(Intercept)");
}

/*
 * BLUPs exist only for lme4's default fits, whose theta carries optimizer
 * slack of about 1e-5, so they are compared to 1e-4 of max(|value|, 1).
 */
static void check_blups(const fixture *f, const cairn_mixed_fit_result *r,
                        const char *model)
{
    static const char *const subjects[] = {"308", "309", "335", "372"};
    for (size_t k = 0; k < 4; k++) {
        int64_t id = strtol(subjects[k], NULL, 10);
        const cairn_mixed_blup *b = &r->blups[group_index(f, id)];
        check_close("ranef intercept", b->intercept,
                    ranef_intercept(f, model, subjects[k]), 1e-4, 1.0);
        check_close("coef intercept", b->coef_intercept,
                    ref5(f, "models", model, "coef_by_group", subjects[k],
                         "(Intercept)"),
                    1e-4, 1.0);
        check_close(
            "coef slope", b->coef_slope,
            ref5(f, "models", model, "coef_by_group", subjects[k], "Days"),
            1e-4, 1.0);
        if (!r->intercept_only) {
            check_close(
                "ranef slope", b->slope,
                ref5(f, "models", model, "ranef_by_group", subjects[k], "Days"),
                1e-4, 1.0);
        } else {
            assert_true(b->slope == 0.0);
        }
    }
}

static void test_mixed_blups_match_lme4(void **state)
{
    fixture *f = *state;
    cairn_mixed_fit_result *r =
        fit(f->groups->groups, f->groups->n_groups, true, false);
    check_blups(f, r, "slope_REML");
    cairn_mixed_result_free(r);
    r = fit(f->groups->groups, f->groups->n_groups, true, true);
    check_blups(f, r, "intercept_REML");
    cairn_mixed_result_free(r);
}

static void check_same_group(const cairn_mixed_group *a,
                             const cairn_mixed_group *b)
{
    check_rel("n", a->n, b->n, 0.0);
    check_close("st", a->st, b->st, 1e-13, 1.0);
    check_close("stt", a->stt, b->stt, 1e-13, 1.0);
    check_rel("sy", a->sy, b->sy, 1e-13);
    check_rel("sty", a->sty, b->sty, 1e-13);
    check_rel("syy", a->syy, b->syy, 1e-13);
}

/*
 * Two fits of the same data summed in another order.  The sums differ in
 * the last bit, which moves the optimum of the flat criterion by about
 * 1e-9 in theta (the Newton polish keeps it that small), so the results
 * agree to about 1e-8, not bit for bit.
 */
static void check_same_fit(const cairn_mixed_fit_result *a,
                           const cairn_mixed_fit_result *b)
{
    assert_int_equal(a->n_obs, b->n_obs);
    assert_int_equal(a->n_groups, b->n_groups);
    check_rel("criterion", a->criterion, b->criterion, 1e-13);
    check_rel("intercept", a->intercept, b->intercept, 1e-12);
    check_rel("slope", a->slope, b->slope, 1e-12);
    check_rel("sd intercept", a->sd_intercept, b->sd_intercept, 1e-7);
    check_rel("sd slope", a->sd_slope, b->sd_slope, 1e-7);
    check_close("cor", a->cor, b->cor, 1e-7, 1.0);
    check_rel("sigma", a->sigma, b->sigma, 1e-7);
    check_rel("slope se", a->slope_se, b->slope_se, 1e-7);
    for (size_t i = 0; i < a->n_groups; i++) {
        /* relative to the spread of the BLUPs, their random SD */
        check_close("blup intercept", a->blups[i].intercept,
                    b->blups[i].intercept, 1e-7, b->sd_intercept);
        check_close("blup slope", a->blups[i].slope, b->blups[i].slope, 1e-7,
                    b->sd_slope);
    }
}

/*
 * The fit pools groups of equal design (n, sum t, sum t^2) before it
 * minimises; the plain fit loops over every group.  The two are the same
 * model summed in another order: the criterion and the fixed effects agree
 * to 1e-12 and 1e-9; the variance components, their SEs and the BLUPs to
 * 1e-8, as far as rounding moves the optimum of the flat criterion (about
 * 3e-9 here; see check_same_fit).
 */
static void check_pooled_fit(const cairn_mixed_group *groups, size_t n,
                             bool reml, bool intercept_only)
{
    cairn_mixed_options o = CAIRN_MIXED_OPTIONS_INIT;
    cairn_mixed_fit_result *plain = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.reml = reml;
    o.intercept_only = intercept_only;
    cairn_mixed_fit_result *a = fit(groups, n, reml, intercept_only);
    assert_int_equal(cairn__mixed_fit_by_group(&plain, groups, n, &o, &err),
                     CAIRN_OK);
    const cairn_mixed_fit_result *b = plain;
    assert_int_equal(a->n_obs, b->n_obs);
    assert_int_equal(a->n_groups, b->n_groups);
    check_rel("criterion", a->criterion, b->criterion, 1e-12);
    check_rel("intercept", a->intercept, b->intercept, 1e-9);
    check_rel("slope", a->slope, b->slope, 1e-9);
    check_rel("intercept se", a->intercept_se, b->intercept_se, 1e-8);
    check_rel("slope se", a->slope_se, b->slope_se, 1e-8);
    check_rel("sd intercept", a->sd_intercept, b->sd_intercept, 1e-8);
    check_close("sd slope", a->sd_slope, b->sd_slope, 1e-8, 1.0);
    check_close("cor", a->cor, b->cor, 1e-8, 1.0);
    check_rel("sigma", a->sigma, b->sigma, 1e-8);
    for (size_t i = 0; i < n; i++) {
        check_close("blup intercept", a->blups[i].intercept,
                    b->blups[i].intercept, 1e-8, b->sd_intercept);
        check_close("blup slope", a->blups[i].slope, b->blups[i].slope, 1e-8,
                    fmax(b->sd_slope, 1e-300));
    }
    /* the same from the pooled classes (cairn_mixed_fit_designs) */
    static cairn_mixed_design d[256];
    size_t n_d = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < n_d && !(d[k].n == groups[i].n && d[k].st == groups[i].st &&
                            d[k].stt == groups[i].stt)) {
            k++;
        }
        assert_true(k < 256);
        if (k == n_d) {
            d[n_d++] = (cairn_mixed_design){.count = 0.0};
        }
        cairn_mixed_design_add(&d[k], &groups[i]);
    }
    cairn_mixed_fit_result *c = NULL;
    assert_int_equal(cairn_mixed_fit_designs(&c, d, n_d, &o, &err), CAIRN_OK);
    assert_null(c->blups);
    assert_int_equal(c->n_groups, n);
    assert_int_equal(c->n_obs, b->n_obs);
    check_rel("criterion", c->criterion, b->criterion, 1e-12);
    check_rel("intercept", c->intercept, b->intercept, 1e-9);
    check_rel("slope", c->slope, b->slope, 1e-9);
    check_rel("slope se", c->slope_se, b->slope_se, 1e-8);
    check_rel("sd intercept", c->sd_intercept, b->sd_intercept, 1e-8);
    check_close("sd slope", c->sd_slope, b->sd_slope, 1e-8, 1.0);
    check_close("cor", c->cor, b->cor, 1e-8, 1.0);
    check_rel("sigma", c->sigma, b->sigma, 1e-8);
    cairn_mixed_result_free(c);
    cairn_mixed_result_free(a);
    cairn_mixed_result_free(plain);
}

/* A fixed pseudo-random stream in [0, 1) (a 64-bit LCG, Knuth's MMIX). */
static double next_uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return (double)(*state >> 11) / 9007199254740992.0;
}

static void test_mixed_pooled_designs_equal_plain_fit(void **state)
{
    fixture *f = *state;
    /* sleepstudy: all 18 subjects share one design, days 0-9 */
    for (int m = 0; m < 4; m++) {
        check_pooled_fit(f->groups->groups, f->groups->n_groups, m & 1, m & 2);
    }
    /*
     * 4000 clients seen weekly for 3 to 10 sessions, a few missing one
     * (so about 60 designs), with random intercepts, slopes and noise.
     */
    enum { N_CLIENTS = 4000 };
    static cairn_mixed_group g[N_CLIENTS];
    uint64_t seed = 17;
    for (size_t i = 0; i < N_CLIENTS; i++) {
        int sessions = 3 + (int)(next_uniform(&seed) * 8.0);
        int missed = next_uniform(&seed) < 0.3
                         ? 1 + (int)(next_uniform(&seed) * (sessions - 1))
                         : -1;
        double b0 = 15.0 + 4.0 * (next_uniform(&seed) - 0.5);
        double b1 = -0.8 + 0.6 * (next_uniform(&seed) - 0.5);
        g[i] = (cairn_mixed_group)CAIRN_MIXED_GROUP_INIT;
        for (int w = 0; w <= sessions; w++) {
            if (w == missed) {
                continue;
            }
            double e = 6.0 * (next_uniform(&seed) - 0.5);
            cairn_mixed_group_add(&g[i], (double)w, b0 + b1 * w + e);
        }
    }
    for (int m = 0; m < 4; m++) {
        check_pooled_fit(g, N_CLIENTS, m & 1, m & 2);
    }
}

static void test_mixed_groups_from_unsorted_rows(void **state)
{
    fixture *f = *state;
    static int64_t id[MAX_ROWS];
    static double t[MAX_ROWS], y[MAX_ROWS];
    cairn_mixed_groups *g = NULL;
    cairn_error err = CAIRN_ERROR_INIT;

    /* 7 is coprime to 180: row i goes to 7 i mod n, a fixed shuffle. */
    assert_int_equal(f->n % 7 != 0, 1);
    for (size_t i = 0; i < f->n; i++) {
        size_t k = (7 * i) % f->n;
        id[k] = f->id[i];
        t[k] = f->t[i];
        y[k] = f->y[i];
    }
    assert_int_equal(cairn_mixed_groups_new(&g, id, t, y, f->n, &err),
                     CAIRN_OK);
    assert_int_equal(g->n_groups, 18);
    for (size_t i = 0; i < g->n_groups; i++) {
        assert_true(i == 0 || g->ids[i - 1] < g->ids[i]);
        assert_int_equal(g->ids[i], f->groups->ids[i]);
        check_same_group(&g->groups[i], &f->groups->groups[i]);
    }
    cairn_mixed_fit_result *a = fit(g->groups, g->n_groups, true, false);
    cairn_mixed_fit_result *b =
        fit(f->groups->groups, f->groups->n_groups, true, false);
    check_same_fit(a, b);
    cairn_mixed_result_free(a);
    cairn_mixed_result_free(b);
    cairn_mixed_groups_free(g);
}

/*
 * Two clinics: A holds days 0-4 of every subject, B days 5-9 of every
 * other subject and A the rest.  Merging their group blocks by id must
 * give the sums and the fit of the pooled rows.
 */
static void test_mixed_merged_summaries_equal_pooled_rows(void **state)
{
    fixture *f = *state;
    static int64_t id[2][MAX_ROWS];
    static double t[2][MAX_ROWS], y[2][MAX_ROWS];
    size_t n[2] = {0, 0};
    cairn_mixed_groups *site[2] = {NULL, NULL};
    cairn_mixed_group pooled[18];
    cairn_error err = CAIRN_ERROR_INIT;

    for (size_t i = 0; i < f->n; i++) {
        size_t s = f->t[i] >= 5 && f->id[i] % 2 == 0 ? 1 : 0;
        id[s][n[s]] = f->id[i];
        t[s][n[s]] = f->t[i];
        y[s][n[s]] = f->y[i];
        n[s]++;
    }
    for (size_t s = 0; s < 2; s++) {
        assert_int_equal(
            cairn_mixed_groups_new(&site[s], id[s], t[s], y[s], n[s], &err),
            CAIRN_OK);
    }
    assert_int_equal(site[0]->n_groups, 18);
    assert_true(site[1]->n_groups > 0 && site[1]->n_groups < 18);
    for (size_t i = 0; i < 18; i++) {
        pooled[i] = site[0]->groups[i];
        for (size_t j = 0; j < site[1]->n_groups; j++) {
            if (site[1]->ids[j] == site[0]->ids[i]) {
                cairn_mixed_group_merge(&pooled[i], &site[1]->groups[j]);
            }
        }
        check_same_group(&pooled[i], &f->groups->groups[i]);
    }
    cairn_mixed_fit_result *a = fit(pooled, 18, true, false);
    cairn_mixed_fit_result *b =
        fit(f->groups->groups, f->groups->n_groups, true, false);
    check_same_fit(a, b);
    cairn_mixed_result_free(a);
    cairn_mixed_result_free(b);
    cairn_mixed_groups_free(site[0]);
    cairn_mixed_groups_free(site[1]);
}

/* Summarise sleepstudy with t replaced by t * scale + shift. */
static cairn_mixed_groups *rescaled(const fixture *f, double scale,
                                    double shift)
{
    static double t[MAX_ROWS];
    cairn_mixed_groups *g = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    for (size_t i = 0; i < f->n; i++) {
        t[i] = f->t[i] * scale + shift;
    }
    assert_int_equal(cairn_mixed_groups_new(&g, f->id, t, f->y, f->n, &err),
                     CAIRN_OK);
    return g;
}

/*
 * Counting time from another origin or in other units reparametrises the
 * same model: the slope scales, the likelihood does not change.  t as a
 * day number near 10000 would ruin an unstandardised fit.
 */
static void test_mixed_time_origin_and_unit_do_not_matter(void **state)
{
    fixture *f = *state;
    cairn_mixed_groups *g = rescaled(f, 1.0, 10000.0);
    cairn_mixed_fit_result *a = fit(g->groups, g->n_groups, true, false);
    cairn_mixed_fit_result *b =
        fit(f->groups->groups, f->groups->n_groups, true, false);
    check_rel("criterion", a->criterion, b->criterion, 1e-11);
    check_rel("slope", a->slope, b->slope, 1e-9);
    check_rel("sd slope", a->sd_slope, b->sd_slope, 1e-6);
    check_rel("sigma", a->sigma, b->sigma, 1e-6);
    check_close("coef intercept at the new origin", a->blups[0].coef_intercept,
                b->blups[0].coef_intercept - 10000.0 * b->blups[0].coef_slope,
                1e-6, 1.0);
    cairn_mixed_result_free(a);
    cairn_mixed_result_free(b);
    cairn_mixed_groups_free(g);

    g = rescaled(f, 1.0 / 7.0, 0.0);
    a = fit(g->groups, g->n_groups, false, false);
    b = fit(f->groups->groups, f->groups->n_groups, false, false);
    check_rel("deviance", a->criterion, b->criterion, 1e-11);
    check_rel("slope per week", a->slope, 7.0 * b->slope, 1e-9);
    check_rel("sd slope per week", a->sd_slope, 7.0 * b->sd_slope, 1e-6);
    check_rel("cor", a->cor, b->cor, 1e-5);
    cairn_mixed_result_free(a);
    cairn_mixed_result_free(b);
    cairn_mixed_groups_free(g);
}

static void test_mixed_group_add_sums_rows(void **state)
{
    (void)state;
    cairn_mixed_group g = CAIRN_MIXED_GROUP_INIT;
    cairn_mixed_group_add(&g, 2.0, 3.0);
    cairn_mixed_group_add(&g, 4.0, -1.0);
    assert_true(g.n == 2.0 && g.st == 6.0 && g.stt == 20.0);
    assert_true(g.sy == 2.0 && g.sty == 2.0 && g.syy == 10.0);
}

/* Run a fit expected to fail with `code` and exactly `message`. */
static void expect_fit_error(const cairn_mixed_group *groups, size_t n,
                             const cairn_mixed_options *o, int code,
                             const char *message)
{
    cairn_mixed_fit_result *r = (cairn_mixed_fit_result *)&r;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_mixed_fit(&r, groups, n, o, &err), code);
    assert_null(r);
    assert_int_equal(err.code, code);
    assert_string_equal(err.message, message);
}

static void test_mixed_rejects_bad_groups(void **state)
{
    fixture *f = *state;
    cairn_mixed_group g[18];
    memcpy(g, f->groups->groups, sizeof g);

    expect_fit_error(g, 1, NULL, CAIRN_EINVAL,
                     "mixed model needs at least 2 groups, got 1");
    expect_fit_error(NULL, 0, NULL, CAIRN_EINVAL,
                     "mixed model needs at least 2 groups, got 0");
    g[3] = (cairn_mixed_group)CAIRN_MIXED_GROUP_INIT;
    expect_fit_error(g, 18, NULL, CAIRN_EINVAL, "group 3 has no rows");
    memcpy(g, f->groups->groups, sizeof g);
    g[2].sy = NAN;
    expect_fit_error(g, 18, NULL, CAIRN_EINVAL,
                     "group 2: sum of y is not finite (nan)");
    g[2].sy = INFINITY;
    expect_fit_error(g, 18, NULL, CAIRN_EINVAL,
                     "group 2: sum of y is not finite (inf)");
    memcpy(g, f->groups->groups, sizeof g);
    g[1].n = 2.5;
    expect_fit_error(g, 18, NULL, CAIRN_EINVAL,
                     "group 1: row count 2.5 is not a whole positive number");
    memcpy(g, f->groups->groups, sizeof g);
    g[5].stt = -1.0;
    char msg[CAIRN_ERROR_MAX];
    snprintf(msg, sizeof msg,
             "group 5: a sum of squares is negative (t^2 -1, y^2 %g)",
             g[5].syy);
    expect_fit_error(g, 18, NULL, CAIRN_EINVAL, msg);
}

static void test_mixed_rejects_unidentifiable_models(void **state)
{
    (void)state;
    cairn_mixed_group g[3] = {CAIRN_MIXED_GROUP_INIT, CAIRN_MIXED_GROUP_INIT,
                              CAIRN_MIXED_GROUP_INIT};
    cairn_mixed_options o = CAIRN_MIXED_OPTIONS_INIT;

    /* Two rows per group: as many rows as random effects. */
    for (size_t i = 0; i < 3; i++) {
        cairn_mixed_group_add(&g[i], 0.0, 1.0 + (double)i);
        cairn_mixed_group_add(&g[i], 1.0, 2.5 * (double)i);
    }
    expect_fit_error(g, 3, NULL, CAIRN_EINVAL,
                     "mixed model has 6 rows, which must exceed the 6 "
                     "random effects");
    /* One more row each is enough. */
    for (size_t i = 0; i < 3; i++) {
        cairn_mixed_group_add(&g[i], 3.0, (double)(i * i));
    }
    cairn_mixed_result_free(fit(g, 3, true, false));
    /* The same t everywhere leaves the slope unestimable. */
    cairn_mixed_group c[3] = {CAIRN_MIXED_GROUP_INIT, CAIRN_MIXED_GROUP_INIT,
                              CAIRN_MIXED_GROUP_INIT};
    for (size_t i = 0; i < 9; i++) {
        cairn_mixed_group_add(&c[i % 3], 3.0, (double)i);
    }
    o.intercept_only = true;
    expect_fit_error(c, 3, &o, CAIRN_EINVAL,
                     "t is the same (3) in every row, so the slope cannot "
                     "be estimated");
    o.max_iter = 0;
    expect_fit_error(g, 3, &o, CAIRN_EINVAL,
                     "mixed model options: max_iter 0 and tol 1e-06 must be "
                     "positive");
}

static void test_mixed_exact_fit_is_a_stats_error(void **state)
{
    (void)state;
    cairn_mixed_group g[3] = {CAIRN_MIXED_GROUP_INIT, CAIRN_MIXED_GROUP_INIT,
                              CAIRN_MIXED_GROUP_INIT};
    for (size_t i = 0; i < 12; i++) {
        double t = (double)(i / 3);
        cairn_mixed_group_add(&g[i % 3], t, 1.0 + 2.0 * t);
    }
    expect_fit_error(g, 3, NULL, CAIRN_ESTATS,
                     "mixed model cannot be fitted: the residual variance "
                     "is 0 or the criterion is undefined at the start");
    /* The same far from 0, where the sums round: still no residual. */
    memset(g, 0, sizeof g);
    for (size_t i = 0; i < 12; i++) {
        double t = 1000.3 + 0.7 * (double)(i / 3);
        cairn_mixed_group_add(&g[i % 3], t, 1e7 + 2.7 * t);
    }
    expect_fit_error(g, 3, NULL, CAIRN_ESTATS,
                     "mixed model cannot be fitted: the residual variance "
                     "is 0 or the criterion is undefined at the start");
}

static void test_mixed_rejects_bad_rows(void **state)
{
    (void)state;
    const int64_t id[3] = {1, 1, 2};
    const double t[3] = {0.0, 1.0, 0.0};
    const double y[3] = {1.0, INFINITY, 2.0};
    cairn_mixed_groups *g = (cairn_mixed_groups *)&g;
    cairn_error err = CAIRN_ERROR_INIT;

    assert_int_equal(cairn_mixed_groups_new(&g, id, t, y, 3, &err),
                     CAIRN_EINVAL);
    assert_null(g);
    assert_string_equal(err.message, "row 2: y is not finite (inf)");
    assert_int_equal(cairn_mixed_groups_new(&g, id, t, y, 0, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message, "no rows to summarise");
    cairn_mixed_groups_free(NULL);
    cairn_mixed_result_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_slope_reml_matches_lme4),
        cmocka_unit_test(test_mixed_slope_ml_matches_lme4),
        cmocka_unit_test(test_mixed_intercept_reml_matches_lme4),
        cmocka_unit_test(test_mixed_intercept_ml_matches_lme4),
        cmocka_unit_test(test_mixed_fixef_se_match_lme4),
        cmocka_unit_test(test_mixed_blups_match_lme4),
        cmocka_unit_test(test_mixed_pooled_designs_equal_plain_fit),
        cmocka_unit_test(test_mixed_groups_from_unsorted_rows),
        cmocka_unit_test(test_mixed_merged_summaries_equal_pooled_rows),
        cmocka_unit_test(test_mixed_time_origin_and_unit_do_not_matter),
        cmocka_unit_test(test_mixed_group_add_sums_rows),
        cmocka_unit_test(test_mixed_rejects_bad_groups),
        cmocka_unit_test(test_mixed_rejects_unidentifiable_models),
        cmocka_unit_test(test_mixed_exact_fit_is_a_stats_error),
        cmocka_unit_test(test_mixed_rejects_bad_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
