/*
 * test_aggregate.c - summary files that clinics pool: exact round trips,
 * merging three parts of one clinic back to the whole, refusing summaries
 * that do not belong together, small-cell suppression (primary and
 * secondary, checked against every table by subtraction), and bad files.
 */
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>

#include "cairn/aggregate.h"
#include "helpers.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static cairn_aggregate *aggregate(cairn_store *st, const char *code,
                                  int min_cell)
{
    cairn_aggregate *a = NULL;
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.min_cell = min_cell;
    if (cairn_aggregate_new(&a, st, test_instrument(code), &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return a;
}

/* Write `a` to `dir`/`name` and read it back. */
static cairn_aggregate *through_file(const cairn_aggregate *a, const char *dir,
                                     const char *name)
{
    char path[128];
    cairn_aggregate *back = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cairn_aggregate_write(a, path, NULL, &err) < 0 ||
        cairn_aggregate_load(&back, path, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return back;
}

/* 30 clients over 3-6 PHQ-9s; client c goes to part c % 3 as well. */
static void fill(cairn_store *all, cairn_store **part)
{
    char code[16], date[32];
    for (int c = 0; c < 30; c++) {
        snprintf(code, sizeof code, "P%02d", c);
        test_client(all, code, NULL, NULL);
        if (part != NULL) {
            test_client(part[c % 3], code, NULL, NULL);
        }
        int n = 3 + c % 4;
        for (int k = 0; k < n; k++) {
            int total = (c * 7 + 11) % 20 + 5 - k * (c % 3);
            total = total < 0 ? 0 : total;
            snprintf(date, sizeof date, "2026-%02d-%02d", 1 + k, 1 + c % 27);
            test_phq9(all, code, date, total, c == 4 && k == 0);
            if (part != NULL) {
                test_phq9(part[c % 3], code, date, total, c == 4 && k == 0);
            }
        }
    }
}

static int by_block(const void *pa, const void *pb)
{
    const cairn_mixed_group *a = pa, *b = pb;
    return memcmp(a, b, sizeof *a);
}

static void test_aggregate_round_trip(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st, NULL);
    cairn_aggregate *a = aggregate(st, "phq9", 7);
    cairn_aggregate *b = through_file(a, dir, "s.json");
    const cairn_cohort_summary *x = a->summary, *y = b->summary;
    assert_string_equal(x->instrument, y->instrument);
    assert_string_equal(x->fingerprint, y->fingerprint);
    assert_int_equal(b->min_cell, 7);
    assert_int_equal(b->n_sites, 1);
    assert_string_equal(b->sites[0].cairn_version, cairn_version());
    assert_true(x->has_rc == y->has_rc && x->rc_sd == y->rc_sd &&
                x->rc_reliability == y->rc_reliability);
    assert_true(x->cutoff == y->cutoff && x->case_when == y->case_when);
    assert_true(x->n_clients == y->n_clients && x->n_paired == y->n_paired);
    assert_memory_equal(&x->moments, &y->moments, sizeof x->moments);
    assert_memory_equal(x->rc_counts, y->rc_counts, sizeof x->rc_counts);
    assert_memory_equal(x->band_baseline, y->band_baseline,
                        sizeof x->band_baseline);
    assert_memory_equal(x->band_latest, y->band_latest, sizeof x->band_latest);
    assert_true(x->items.k == y->items.k && x->items.n == y->items.n);
    assert_memory_equal(x->items.s, y->items.s, sizeof x->items.s);
    assert_memory_equal(x->items.ss, y->items.ss, sizeof x->items.ss);
    /* the growth blocks, exactly, though not in the store's order */
    assert_int_equal(x->n_groups, y->n_groups);
    qsort(x->groups, x->n_groups, sizeof *x->groups, by_block);
    qsort(y->groups, y->n_groups, sizeof *y->groups, by_block);
    assert_memory_equal(x->groups, y->groups, x->n_groups * sizeof *x->groups);
    /* writing what was read gives the same file */
    char *t1 = NULL, *t2 = NULL;
    assert_int_equal(cairn_aggregate_to_json(a, &t1, NULL), 0);
    assert_int_equal(cairn_aggregate_to_json(b, &t2, NULL), 0);
    assert_string_equal(t1, t2);
    /* no client code or date travels in the file */
    assert_null(strstr(t1, "P0"));
    assert_null(strstr(t1, "2026-"));
    free(t1);
    free(t2);
    cairn_aggregate_free(a);
    cairn_aggregate_free(b);
    test_store_done(st, dir);
}

/* One clinic split in three, summarized, written, read, merged. */
static void test_aggregate_merge_equals_pooled(void **state)
{
    (void)state;
    char d_all[64], d[3][64], name[32];
    cairn_store *all = test_store_new(d_all, sizeof d_all), *part[3];
    for (int k = 0; k < 3; k++) {
        part[k] = test_store_new(d[k], sizeof d[k]);
    }
    fill(all, part);
    cairn_aggregate *pooled = aggregate(all, "phq9", 5), *merged = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    for (int k = 0; k < 3; k++) {
        cairn_aggregate *s = aggregate(part[k], "phq9", k == 1 ? 8 : 5);
        snprintf(name, sizeof name, "site%d.json", k);
        cairn_aggregate *f = through_file(s, d[k], name);
        if (merged == NULL) {
            merged = f;
        } else if (cairn_aggregate_merge(merged, f, &err) < 0) {
            fail_msg("%s", err.message);
        }
        if (f != merged) {
            cairn_aggregate_free(f);
        }
        cairn_aggregate_free(s);
    }
    cairn_aggregate *m = through_file(merged, d_all, "pooled.json");
    const cairn_cohort_summary *p = pooled->summary, *q = m->summary;
    assert_int_equal(m->n_sites, 3);
    assert_int_equal(m->min_cell, 8); /* the largest K of the inputs */
    assert_true(p->n_clients == q->n_clients && p->n_paired == q->n_paired);
    assert_memory_equal(&p->moments, &q->moments, sizeof p->moments);
    assert_memory_equal(p->rc_counts, q->rc_counts, sizeof p->rc_counts);
    assert_memory_equal(p->band_latest, q->band_latest, sizeof p->band_latest);
    assert_true(p->recovered == q->recovered &&
                p->reliably_recovered == q->reliably_recovered);
    cairn_cohort_result *a = NULL, *b = NULL;
    assert_int_equal(cairn_cohort_compute(&a, p, NULL, NULL), 0);
    assert_int_equal(cairn_cohort_compute(&b, q, NULL, NULL), 0);
    assert_true(a->change.d.value == b->change.d.value);
    assert_true(a->change.d_z.ci_low == b->change.d_z.ci_low);
    NEAR(a->alpha, b->alpha, 1e-12);
    assert_non_null(a->model);
    assert_non_null(b->model);
    /* the growth model, to the optimizer's tolerance (as pooled rows) */
    NEAR(a->model->intercept, b->model->intercept,
         1e-6 * fabs(a->model->intercept));
    NEAR(a->model->slope, b->model->slope, 1e-6 * fabs(a->model->slope));
    NEAR(a->model->sd_intercept, b->model->sd_intercept,
         1e-4 * a->model->sd_intercept);
    NEAR(a->model->sigma, b->model->sigma, 1e-4 * a->model->sigma);
    NEAR(a->model->criterion, b->model->criterion, 1e-6);
    cairn_cohort_result_free(a);
    cairn_cohort_result_free(b);
    cairn_aggregate_free(m);
    cairn_aggregate_free(merged);
    cairn_aggregate_free(pooled);
    test_store_done(all, d_all);
    for (int k = 0; k < 3; k++) {
        test_store_done(part[k], d[k]);
    }
}

/* Replace the first `from` in `text` by `to` (same length or shorter). */
static void replace(char *text, const char *from, const char *to)
{
    char *p = strstr(text, from);
    assert_non_null(p);
    size_t a = strlen(from), b = strlen(to);
    memmove(p + b, p + a, strlen(p + a) + 1);
    memcpy(p, to, b);
}

static void test_aggregate_refuses_merge(void **state)
{
    (void)state;
    char dir[64], *text = NULL, fp[80], want[400];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    fill(st, NULL);
    int g7[7] = {1, 2, 1, 0, 1, 2, 1};
    test_record(st, "P01", "2026-01-03", "gad7", g7, 7);
    cairn_aggregate *phq = aggregate(st, "phq9", 5);
    cairn_aggregate *gad = aggregate(st, "gad7", 5);
    assert_int_equal(cairn_aggregate_merge(phq, gad, &err), CAIRN_EINVAL);
    assert_string_equal(err.message, "cannot merge summaries with different "
                                     "instruments (phq9 and gad7)");
    /* the same instrument scored by another definition */
    assert_int_equal(cairn_aggregate_to_json(phq, &text, NULL), 0);
    snprintf(fp, sizeof fp, "%s", phq->summary->fingerprint);
    replace(text, fp + 7,
            "0123456789abcdef0123456789abcdef"
            "0123456789abcdef0123456789abcdef");
    cairn_aggregate *other = NULL;
    assert_int_equal(
        cairn_aggregate_parse(&other, text, strlen(text), "x.json", &err), 0);
    assert_int_equal(cairn_aggregate_merge(phq, other, &err), CAIRN_EINVAL);
    snprintf(want, sizeof want,
             "cannot merge summaries with different definition fingerprints "
             "(%s and sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
             "0123456789abcdef)",
             fp);
    assert_string_equal(err.message, want);
    cairn_aggregate_free(other);
    free(text);
    /* other reliable-change parameters */
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    o.cohort.has_sd = true;
    o.cohort.sd = 5;
    assert_int_equal(
        cairn_aggregate_new(&other, st, test_instrument("phq9"), &o, &err), 0);
    assert_int_equal(cairn_aggregate_merge(phq, other, &err), CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "cannot merge summaries with different "
                        "reliable-change parameters (SD 6.1, r 0.89 and SD "
                        "5, r 0.89)");
    /* a refused merge leaves the summary as it was */
    assert_int_equal(phq->n_sites, 1);
    assert_true(phq->summary->n_clients == 30);
    cairn_aggregate_free(other);
    cairn_aggregate_free(gad);
    cairn_aggregate_free(phq);
    test_store_done(st, dir);
}

/* ---- suppression ---- */

/* A hand-made PHQ-9 summary (bands minimal..severe). */
static cairn_cohort_summary *summary(double n_clients, double n_paired,
                                     const double rc[3], double cases,
                                     double recovered, double reliably,
                                     const double base[5],
                                     const double latest[5])
{
    static const char *const ids[] = {"minimal", "mild", "moderate",
                                      "moderately_severe", "severe"};
    cairn_cohort_summary *s = calloc(1, sizeof *s);
    assert_non_null(s);
    snprintf(s->instrument, sizeof s->instrument, "phq9");
    snprintf(s->scale, sizeof s->scale, "total");
    s->has_rc = s->has_cutoff = true;
    s->rc_sd = 6.1;
    s->rc_reliability = 0.89;
    s->cutoff = 10;
    s->n_clients = n_clients;
    s->n_paired = n_paired;
    s->moments.n = n_paired;
    memcpy(s->rc_counts, rc, 3 * sizeof *rc);
    s->case_at_baseline = cases;
    s->recovered = recovered;
    s->reliably_recovered = reliably;
    s->n_bands = 5;
    for (int i = 0; i < 5; i++) {
        snprintf(s->band_ids[i], sizeof s->band_ids[i], "%s", ids[i]);
        s->band_baseline[i] = base[i];
        s->band_latest[i] = latest[i];
    }
    s->items.k = 9;
    s->items.n = n_clients;
    s->n_groups = (size_t)n_clients;
    s->groups = calloc(s->n_groups + 1, sizeof *s->groups);
    assert_non_null(s->groups);
    for (size_t g = 0; g < s->n_groups; g++) {
        s->groups[g].n = 3;
    }
    return s;
}

static cairn_aggregate_table *table(const cairn_cohort_summary *s, int k)
{
    cairn_aggregate_table *t = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_aggregate_table_compute(&t, s, k, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return t;
}

static bool sup(const cairn_aggregate_table *t, const char *name)
{
    assert_non_null(cairn_aggregate_table_get(t, name));
    return cairn_aggregate_table_is_suppressed(t, name);
}

static void test_aggregate_suppression(void **state)
{
    (void)state;
    const double rc[3] = {2, 40, 10};
    const double base[5] = {3, 20, 20, 10, 7};
    const double latest[5] = {12, 15, 10, 8, 7};
    cairn_cohort_summary *s = summary(60, 52, rc, 45, 20, 18, base, latest);
    cairn_aggregate_table *t = table(s, 5);
    /* primary: 2 improved, 3 minimal at baseline */
    assert_true(sup(t, "rci_counts.improved"));
    assert_true(cairn_aggregate_table_get(t, "rci_counts.improved")->primary);
    assert_true(sup(t, "bands.minimal.baseline"));
    /* secondary: the next smallest of the same table, so neither can be
     * worked out from the published total */
    assert_true(sup(t, "rci_counts.deteriorated"));
    assert_false(
        cairn_aggregate_table_get(t, "rci_counts.deteriorated")->primary);
    assert_false(sup(t, "rci_counts.no_reliable_change"));
    assert_true(sup(t, "bands.severe.baseline"));
    assert_false(sup(t, "bands.moderately_severe.baseline"));
    /* recovered without reliable improvement is 20 - 18 = 2: never printed,
     * but recovered and reliably_recovered would give it away */
    assert_true(sup(t, "reliably_recovered"));
    assert_false(sup(t, "recovered"));
    assert_false(sup(t, "case_at_baseline"));
    /* the latest bands are all at least 5 */
    assert_false(sup(t, "bands.severe.latest"));
    assert_false(sup(t, "n_clients"));
    assert_false(sup(t, "n_paired"));
    assert_false(t->withhold_change || t->withhold_alpha || t->withhold_model);
    cairn_aggregate_table_free(t);
    /* with K = 2 only the 1s and 0s would go: nothing here */
    t = table(s, 2);
    for (size_t i = 0; i < t->n_cells; i++) {
        assert_false(t->cells[i].suppressed);
    }
    cairn_aggregate_table_free(t);
    /* K = 1 suppresses zeros (with the cell that would reveal them) */
    s->band_latest[4] = 0;
    s->band_latest[3] = 15;
    t = table(s, 1);
    assert_true(sup(t, "bands.severe.latest"));
    assert_true(sup(t, "bands.moderate.latest")); /* next smallest: 10 */
    assert_false(sup(t, "bands.minimal.latest"));
    cairn_aggregate_table_free(t);
    cairn_cohort_summary_free(s);
}

static void test_aggregate_small_cohort_withheld(void **state)
{
    (void)state;
    const double rc[3] = {1, 2, 0};
    const double base[5] = {0, 0, 2, 1, 1};
    const double latest[5] = {1, 1, 1, 0, 0};
    cairn_cohort_summary *s = summary(4, 3, rc, 3, 2, 1, base, latest);
    cairn_aggregate_table *t = table(s, 5);
    for (size_t i = 0; i < t->n_cells; i++) {
        /* 12 scores is not a count of people below 5 */
        assert_true(t->cells[i].suppressed ==
                    (strcmp(t->cells[i].name, "mixed_model.n_obs") != 0));
    }
    assert_true(t->withhold_change && t->withhold_alpha && t->withhold_model);
    cairn_aggregate_table_free(t);
    cairn_cohort_summary_free(s);
}

/*
 * Whatever the counts, no table may leave a count below K (suppressed,
 * or a complement never printed) recoverable from its published total and
 * its other published cells.  Checked here independently of the engine's
 * linear algebra, over many random cohorts.
 */
typedef struct term {
    const char *name; /* NULL: a complement, never published */
    double value;
    bool protect; /* a count about outcomes */
} term;

static bool known(const cairn_aggregate_table *t, const term *x)
{
    return x->name != NULL && !cairn_aggregate_table_is_suppressed(t, x->name);
}

static void check_equation(const cairn_aggregate_table *t, const term *terms,
                           size_t n, int k)
{
    size_t unknown = 0, at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!known(t, &terms[i])) {
            unknown++;
            at = i;
        }
    }
    if (unknown == 1 && terms[at].protect && terms[at].value < k) {
        fail_msg("%s = %g can be recovered by subtraction",
                 terms[at].name ? terms[at].name : "a complement",
                 terms[at].value);
    }
}

static void test_aggregate_no_recovery_by_subtraction(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        double rc[3], base[5] = {0}, latest[5] = {0};
        seed = seed * 1103515245u + 12345u;
        double paired = (seed >> 16) % 40;
        double all = paired + (seed >> 8) % 4;
        for (int i = 0; i < 3; i++) {
            seed = seed * 1103515245u + 12345u;
            rc[i] = i < 2 ? (seed >> 16) % (int)(paired + 1) : 0;
        }
        rc[1] = rc[0] > paired ? 0 : fmin(rc[1], paired - rc[0]);
        rc[2] = paired - rc[0] - rc[1];
        double left_b = all, left_l = paired;
        for (int i = 0; i < 4; i++) {
            seed = seed * 1103515245u + 12345u;
            base[i] = (seed >> 16) % (int)(left_b + 1);
            latest[i] = (seed >> 8) % (int)(left_l + 1);
            left_b -= base[i];
            left_l -= latest[i];
        }
        base[4] = left_b;
        latest[4] = left_l;
        double cases = (seed >> 4) % (int)(paired + 1);
        double rec = (seed >> 12) % (int)(cases + 1);
        double rr = fmin(rec, rc[0]);
        cairn_cohort_summary *s =
            summary(all, paired, rc, cases, rec, rr, base, latest);
        s->items.n = all;
        int k = 1 + (int)(seed % 6);
        cairn_aggregate_table *t = table(s, k);
        term e1[] = {{"n_paired", paired, true},
                     {"rci_counts.improved", rc[0], true},
                     {"rci_counts.no_reliable_change", rc[1], true},
                     {"rci_counts.deteriorated", rc[2], true}};
        term e2[] = {{"n_paired", paired, true},
                     {"case_at_baseline", cases, true},
                     {NULL, paired - cases, true}};
        term e3[] = {{"case_at_baseline", cases, true},
                     {"recovered", rec, true},
                     {NULL, cases - rec, true}};
        term e4[] = {{"recovered", rec, true},
                     {"reliably_recovered", rr, true},
                     {NULL, rec - rr, true}};
        term eb[6] = {{"n_clients", all, true}},
             el[6] = {{"n_paired", paired, true}};
        static const char *const bn[] = {"minimal", "mild", "moderate",
                                         "moderately_severe", "severe"};
        char names[10][48];
        for (int i = 0; i < 5; i++) {
            snprintf(names[i], sizeof names[i], "bands.%s.baseline", bn[i]);
            snprintf(names[5 + i], sizeof names[i], "bands.%s.latest", bn[i]);
            eb[i + 1] = (term){names[i], base[i], true};
            el[i + 1] = (term){names[5 + i], latest[i], true};
        }
        check_equation(t, e1, 4, k);
        check_equation(t, e2, 3, k);
        check_equation(t, e3, 3, k);
        check_equation(t, e4, 3, k);
        check_equation(t, eb, 6, k);
        check_equation(t, el, 6, k);
        /* every published count below K is suppressed */
        for (size_t i = 0; i < t->n_cells; i++) {
            if (t->cells[i].value < k) {
                assert_true(t->cells[i].suppressed);
            }
        }
        cairn_aggregate_table_free(t);
        cairn_cohort_summary_free(s);
    }
}

static void test_aggregate_report_json(void **state)
{
    (void)state;
    const double rc[3] = {2, 40, 10};
    const double base[5] = {3, 20, 20, 10, 7};
    const double latest[5] = {12, 15, 10, 8, 7};
    cairn_cohort_summary *s = summary(60, 52, rc, 45, 20, 18, base, latest);
    s->moments =
        (cairn_moments){52, 52 * 14, 52 * 200, 52 * 9, 52 * 90, 52 * 130};
    cairn_aggregate_table *t = table(s, 5);
    cairn_cohort_result *r = NULL;
    char *text = NULL;
    assert_int_equal(cairn_cohort_compute(&r, s, NULL, NULL), 0);
    assert_int_equal(cairn_aggregate_report_to_json(r, t, 3, &text, NULL), 0);
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    json_t *counts = json_object_get(o, "rci_counts");
    assert_true(json_is_null(json_object_get(counts, "improved")));
    assert_true(json_is_null(json_object_get(counts, "deteriorated")));
    assert_int_equal(
        json_integer_value(json_object_get(counts, "no_reliable_change")), 40);
    assert_true(json_is_null(json_object_get(
        json_object_get(json_object_get(o, "bands"), "minimal"), "baseline")));
    assert_int_equal(json_integer_value(json_object_get(o, "min_cell")), 5);
    assert_int_equal(json_integer_value(json_object_get(o, "sites")), 3);
    json_t *list = json_object_get(o, "suppressed");
    assert_string_equal(json_string_value(json_array_get(list, 0)),
                        "rci_counts.improved");
    assert_int_equal(json_array_size(list), 5);
    assert_non_null(json_object_get(o, "effect_sizes"));
    assert_false(json_is_null(json_object_get(o, "baseline")));
    /* 52 clients with two scores: means and SDs to one decimal */
    assert_int_equal(t->mean_decimals, 1);
    double sd =
        json_real_value(json_object_get(json_object_get(o, "baseline"), "sd"));
    assert_true(fabs(sd * 10 - round(sd * 10)) < 1e-9);
    assert_true(fabs(sd - r->change.baseline_sd) <= 0.05);
    cairn_aggregate_table *few = table(s, 5);
    s->n_paired = 19;
    cairn_aggregate_table_free(few);
    few = table(s, 5);
    assert_int_equal(few->mean_decimals, 0);
    s->n_paired = 100;
    cairn_aggregate_table_free(few);
    few = table(s, 5);
    assert_int_equal(few->mean_decimals, 2);
    s->n_paired = 52;
    cairn_aggregate_table_free(few);
    /* the same keys as `cairn cohort --json`, in the same order */
    char *plain = NULL;
    assert_int_equal(cairn_cohort_to_json(r, &plain, NULL), 0);
    json_t *c = json_loads(plain, 0, NULL);
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v)
    {
        assert_non_null(json_object_get(o, key));
    }
    json_decref(c);
    json_decref(o);
    free(plain);
    free(text);
    cairn_cohort_result_free(r);
    cairn_aggregate_table_free(t);
    cairn_cohort_summary_free(s);
}

/* ---- bad files ---- */

static void test_aggregate_bad_files(void **state)
{
    (void)state;
    char dir[64], *good = NULL;
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_aggregate *a = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    fill(st, NULL);
    cairn_aggregate *s = aggregate(st, "phq9", 5);
    assert_int_equal(cairn_aggregate_to_json(s, &good, NULL), 0);
    static const struct {
        const char *from, *to;
        int code;
        const char *message;
    } cases[] = {
        {"\"format\": \"cairn-aggregate\"", "\"format\": \"other\"",
         CAIRN_EINVAL,
         "s.json: not a Cairn summary file (no \"format\": "
         "\"cairn-aggregate\")"},
        {"\"format_version\": 2", "\"format_version\": 3", CAIRN_EINVAL,
         "s.json: summary format version 3 is not one this Cairn reads (2)"},
        {"\"min_cell\": 5", "\"min_cell\": 0", CAIRN_EINVAL,
         "s.json: min_cell: expected a whole number in 1..1000"},
        {"\"n_paired\": 30", "\"n_paired\": -3", CAIRN_EINVAL,
         "s.json: sums.n_paired: expected a whole number >= 0"},
        {"\"n_paired\": 30", "\"n_paired\": 2.5", CAIRN_EINVAL,
         "s.json: sums.n_paired: expected a whole number >= 0"},
        {"\"n_paired\": 30", "\"n_paired\": 29", CAIRN_EINVAL,
         "s.json: sums: n_paired and moments.n must agree and not exceed "
         "n_clients"},
        {"\"direction\": \"higher_is_worse\"", "\"direction\": \"up\"",
         CAIRN_EINVAL, "s.json: parameters.direction: not a known value"},
        {"\"k\": 9", "\"k\": 99", CAIRN_EINVAL,
         "s.json: sums.items.k: expected 0..64"},
        {"\"k\": 9", "\"k\": 8", CAIRN_EINVAL,
         "s.json: sums.items: expected k sums and k rows of k"},
        {"\"format\"", "\"format\" \"", CAIRN_EPARSE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = malloc(strlen(good) + 64);
        assert_non_null(text);
        memcpy(text, good, strlen(good) + 1);
        replace(text, cases[i].from, cases[i].to);
        assert_int_equal(
            cairn_aggregate_parse(&a, text, strlen(text), "s.json", &err),
            cases[i].code);
        assert_null(a);
        if (cases[i].message != NULL) {
            assert_string_equal(err.message, cases[i].message);
        } else {
            assert_non_null(strstr(err.message, "s.json:"));
        }
        free(text);
    }
    /* an unreadable file */
    assert_int_equal(cairn_aggregate_load(&a, "/nonexistent/s.json", &err),
                     CAIRN_EIO);
    /* K out of range */
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    o.min_cell = 0;
    assert_int_equal(
        cairn_aggregate_new(&a, st, test_instrument("phq9"), &o, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "min-cell 0 is outside 1..1000");
    free(good);
    cairn_aggregate_free(s);
    test_store_done(st, dir);
}

/* Set `path` (dotted; [i] for an element) in `text` to `value` (JSON). */
static char *with_value(const char *text, const char *const *path, size_t n,
                        const char *value)
{
    json_t *root = json_loads(text, 0, NULL), *o = root;
    assert_non_null(root);
    for (size_t i = 0; i + 1 < n; i++) {
        o = path[i][0] == '[' ? json_array_get(o, (size_t)(path[i][1] - '0'))
                              : json_object_get(o, path[i]);
        assert_non_null(o);
    }
    json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    const char *last = path[n - 1];
    if (last[0] == '[') {
        assert_int_equal(json_array_set_new(o, (size_t)(last[1] - '0'), v), 0);
    } else {
        assert_int_equal(json_object_set_new(o, last, v), 0);
    }
    char *out = json_dumps(root, JSON_PRESERVE_ORDER);
    json_decref(root);
    return out;
}

static void test_aggregate_hostile_numbers(void **state)
{
    (void)state;
    char dir[64], *good = NULL;
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_aggregate *a = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    fill(st, NULL);
    cairn_aggregate *s = aggregate(st, "phq9", 5);
    assert_int_equal(cairn_aggregate_to_json(s, &good, NULL), 0);
    static const struct {
        const char *path[6];
        size_t n;
        const char *value;
        const char *message; /* its start */
    } cases[] = {
        {{"sums", "moments", "sbb"},
         3,
         "-40",
         "h.json: sums.moments.sbb: outside what the scale's range allows"},
        {{"sums", "moments", "sbb"},
         3,
         "30",
         "h.json: sums.moments.sbb: gives a negative variance"},
        {{"sums", "moments", "sb"},
         3,
         "1e308",
         "h.json: sums.moments.sb: outside what the scale's range allows"},
        {{"sums", "moments", "sl"},
         3,
         "-1",
         "h.json: sums.moments.sl: outside"},
        {{"sums", "moments", "sbl"},
         3,
         "100000",
         "h.json: sums.moments.sbl: gives a correlation beyond -1..1"},
        {{"sums", "growth_blocks", "rows", "[0", "[5"},
         5,
         "-1",
         "h.json: sums.growth_blocks.rows (syy): outside"},
        {{"sums", "growth_blocks", "rows", "[0", "[1"},
         5,
         "-2",
         "h.json: sums.growth_blocks.rows (st): outside"},
        {{"sums", "items", "s", "[0"},
         4,
         "1e300",
         "h.json: sums.items.s: outside"},
        {{"sums", "items", "ss", "[0", "[1"},
         5,
         "1e9",
         "h.json: sums.items.ss: is not symmetric"},
        {{"scale_range", "[1"},
         2,
         "-5",
         "h.json: scale_range: expected two numbers, low to high"},
        {{"parameters", "cutoff"},
         2,
         "99",
         "h.json: parameters.cutoff: outside the scale's range"},
        {{"id"}, 1, "\"xyz\"", "h.json: id: expected an id of 32 hex digits"},
        {{"sums", "n_clients"},
         2,
         "1e300",
         "h.json: sums.n_clients: expected a whole number >= 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text =
            with_value(good, cases[i].path, cases[i].n, cases[i].value);
        assert_int_equal(
            cairn_aggregate_parse(&a, text, strlen(text), "h.json", &err),
            CAIRN_EINVAL);
        assert_null(a);
        if (strncmp(err.message, cases[i].message, strlen(cases[i].message)) !=
            0) {
            fail_msg("case %zu: %s", i, err.message);
        }
        free(text);
    }
    free(good);
    cairn_aggregate_free(s);
    test_store_done(st, dir);
}

static void test_aggregate_merged_twice(void **state)
{
    (void)state;
    char dir[64];
    cairn_store *st = test_store_new(dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    fill(st, NULL);
    cairn_aggregate *a = aggregate(st, "phq9", 5);
    cairn_aggregate *b = aggregate(st, "phq9", 5);
    assert_string_not_equal(a->id, b->id);
    cairn_aggregate *a2 = through_file(a, dir, "a.json");
    assert_string_equal(a2->id, a->id);
    /* the same summary twice */
    assert_int_equal(cairn_aggregate_merge(a, a2, &err), CAIRN_EINVAL);
    char want[200];
    snprintf(want, sizeof want,
             "summary %s is already in this pool: merging it again would "
             "count its clients twice",
             a2->id);
    assert_string_equal(err.message, want);
    assert_int_equal(a->n_sites, 1);
    /* a pool, then one of its parts again */
    char before[CAIRN_AGGREGATE_ID_HEX + 1];
    memcpy(before, a->id, sizeof before);
    assert_int_equal(cairn_aggregate_merge(a, b, &err), CAIRN_OK);
    assert_string_not_equal(a->id, before);
    cairn_aggregate *pooled = through_file(a, dir, "pooled.json");
    assert_int_equal(pooled->n_sites, 2);
    assert_int_equal(cairn_aggregate_merge(pooled, b, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "already in this pool"));
    /* one file naming the same site twice */
    char *text = NULL, path[128];
    assert_int_equal(cairn_aggregate_to_json(pooled, &text, NULL), 0);
    char *second = strstr(strstr(text, "\"sites\""), b->id);
    assert_non_null(second);
    memcpy(second, a2->id, CAIRN_AGGREGATE_ID_HEX);
    cairn_aggregate *x = NULL;
    assert_int_equal(
        cairn_aggregate_parse(&x, text, strlen(text), "p.json", &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "p.json: sites: a site appears twice: "
                                     "its clients would be counted twice");
    (void)path;
    free(text);
    cairn_aggregate_free(a);
    cairn_aggregate_free(a2);
    cairn_aggregate_free(b);
    cairn_aggregate_free(pooled);
    test_store_done(st, dir);
}

/* `text` is what jansson writes for itself: parsed and dumped again with
 * the file's flags, it comes back byte for byte. */
static void assert_jansson_text(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    char *again = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                    JSON_REAL_PRECISION(17));
    assert_non_null(again);
    assert_string_equal(text, again);
    free(again);
    json_decref(o);
}

/* The blocks' rows are written outside jansson (aggregate_blocks.c), in
 * jansson's bytes: fractional weeks, whole sums above the kept texts,
 * long runs of one design, more rows than one written chunk, none. */
static void test_aggregate_blocks_as_jansson(void **state)
{
    (void)state;
    char dir[64], path[128];
    cairn_store *st = test_store_new(dir, sizeof dir);
    fill(st, NULL);
    cairn_aggregate *a = aggregate(st, "phq9", 5);
    cairn_cohort_summary *s = a->summary;
    size_t n = 3000;
    cairn_mixed_group *g = calloc(n, sizeof *g);
    assert_non_null(g);
    for (size_t i = 0; i < n; i++) {
        int k = 1 + (int)(i % 7) * (i % 50 == 0 ? 60 : 1);
        for (int j = 0; j < k; j++) {
            double t = i % 3 == 0 ? j : j * (1.0 + (double)(i % 11) / 7.0);
            cairn_mixed_group_add(&g[i], t, (double)((i * 7 + j * 3) % 28));
        }
    }
    double big = 0;
    for (size_t i = 0; i < n; i++) {
        big = g[i].syy > big ? g[i].syy : big;
    }
    char big_text[32];
    snprintf(big_text, sizeof big_text, "\n     %.0f\n", big);
    assert_true(big > 65536);
    free(s->groups);
    s->groups = g;
    s->n_groups = n;
    char *text = NULL, *file = NULL;
    size_t len = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_aggregate_to_json(a, &text, &err) < 0) {
        fail_msg("%s", err.message);
    }
    assert_true(strlen(text) > 200000);
    const char *rows = strstr(text, "\"rows\"");
    assert_non_null(rows);
    assert_non_null(strstr(rows, "."));      /* fractional sums */
    assert_non_null(strstr(rows, big_text)); /* above the kept texts */
    assert_jansson_text(text);
    /* the file is the same text and a new line */
    snprintf(path, sizeof path, "%s/blocks.json", dir);
    assert_int_equal(cairn_aggregate_write(a, path, NULL, &err), CAIRN_OK);
    file = malloc(strlen(text) + 16);
    FILE *f = fopen(path, "rb");
    assert_non_null(file);
    assert_non_null(f);
    len = fread(file, 1, strlen(text) + 16, f);
    fclose(f);
    assert_int_equal(len, strlen(text) + 1);
    assert_memory_equal(file, text, strlen(text));
    assert_int_equal(file[len - 1], '\n');
    free(text);
    free(file);
    /* no blocks: an empty list */
    s->n_groups = 0;
    assert_int_equal(cairn_aggregate_to_json(a, &text, &err), CAIRN_OK);
    assert_non_null(strstr(text, "\"rows\": []"));
    assert_jansson_text(text);
    free(text);
    cairn_aggregate_free(a);
    test_store_done(st, dir);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregate_round_trip),
        cmocka_unit_test(test_aggregate_merge_equals_pooled),
        cmocka_unit_test(test_aggregate_refuses_merge),
        cmocka_unit_test(test_aggregate_suppression),
        cmocka_unit_test(test_aggregate_small_cohort_withheld),
        cmocka_unit_test(test_aggregate_no_recovery_by_subtraction),
        cmocka_unit_test(test_aggregate_report_json),
        cmocka_unit_test(test_aggregate_bad_files),
        cmocka_unit_test(test_aggregate_hostile_numbers),
        cmocka_unit_test(test_aggregate_merged_twice),
        cmocka_unit_test(test_aggregate_blocks_as_jansson),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
