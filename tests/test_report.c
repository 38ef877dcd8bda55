/*
 * test_report.c - the workbook library over an in-memory store: the
 * client, couple and caseload models, deterministic files, and every
 * failure leaving nothing behind.  The workbooks' contents are checked
 * by an independent reader in tests/cli/report.sh (tests/report_check.py).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn_report.h"
#include "helpers.h"

#define CREATED 1767225600 /* 2026-01-01T00:00:00Z */

static char tmpdir[64];

/* ---- a small clinic ---- */

static void client(cairn_store *st, const char *code, const char *clinician,
                   const char *partner)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    c.clinician = clinician;
    c.partner_code = partner;
    c.loss_date = "2025-11-02";
    c.loss_kind = CAIRN_LOSS_MISCARRIAGE;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

/* A PHQ-9 totalling `total` on `date`; item 9 answered `risk`. */
static void phq9(cairn_store *st, const char *code, const char *date, int total,
                 int risk)
{
    const cairn_instrument *in = test_instrument("phq9");
    int codes[9] = {0};
    codes[8] = risk;
    for (int left = total - risk, i = 0; left > 0; i = (i + 1) % 8) {
        if (codes[i] < 3) {
            codes[i]++;
            left--;
        }
    }
    cairn_responses *r = NULL;
    cairn_score *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(cairn_responses_set(r, in, i, codes[i], &err), 0);
    }
    assert_int_equal(cairn_score_compute(&s, in, r, &err), CAIRN_OK);
    o.client_code = code;
    o.administered_at = date;
    if (cairn_store_assessment_add(st, s, r, &o, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_score_free(s);
    cairn_responses_free(r);
}

/*
 * C1 risk on item 9, C2 (C1's partner) improving, C3 no assessments,
 * C4 one assessment, C5 discharged, C6 reliably worse.
 */
static int setup(void **state)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    o.actor = "tester";
    if (cairn_store_open(&st, ":memory:", &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    client(st, "C1", "dr.a", NULL);
    client(st, "C2", "dr.a", "C1");
    client(st, "C3", "dr.a", NULL);
    client(st, "C4", "dr.b", NULL);
    client(st, "C5", "dr.b", NULL);
    client(st, "C6", "dr.b", NULL);
    static const char *const dates[] = {"2026-01-05", "2026-01-12",
                                        "2026-01-26", "2026-02-09"};
    static const int c1[] = {16, 15, 15, 14}, c2[] = {15, 12, 9, 6};
    static const int c6[] = {7, 9, 12, 15};
    for (size_t i = 0; i < 4; i++) {
        phq9(st, "C1", dates[i], c1[i], i == 1);
        phq9(st, "C2", dates[i], c2[i], 0);
        phq9(st, "C5", dates[i], 10, 0);
        phq9(st, "C6", dates[i], c6[i], 0);
    }
    phq9(st, "C4", "2026-01-07", 11, 0);
    assert_int_equal(
        cairn_store_episode_add(st, "C5", "2026-01-01", NULL, &err), CAIRN_OK);
    assert_int_equal(cairn_store_episode_set_end(st, "C5", "2026-02-28", &err),
                     CAIRN_OK);
    cairn_event ev = {0, "C1", "2026-01-20", CAIRN_EVENT_INTERVENTION_START,
                      "mindfulness group"};
    assert_int_equal(cairn_store_event_add(st, &ev, NULL, &err), CAIRN_OK);
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    cairn_store_close(*state);
    return 0;
}

static cairn_report_options options(void)
{
    cairn_report_options o = CAIRN_REPORT_OPTIONS_INIT;
    o.created = CREATED;
    return o;
}

/* Row i of a caseload (borrowed until the next call on `r`). */
static const cairn_report_row *row_of(const cairn_report_caseload *r, size_t i)
{
    const cairn_report_row *w = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_report_caseload_row_get(r, i, &w, &err) < 0) {
        fail_msg("%s", err.message);
    }
    return w;
}

static const char *path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Files in `dir` whose names start with `prefix`. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    }
    closedir(d);
    return n;
}

static bool same_bytes(const char *p1, const char *p2)
{
    FILE *a = fopen(p1, "rb"), *b = fopen(p2, "rb");
    bool same = a != NULL && b != NULL;
    int ca = 0, cb = 0;
    while (same && ca != EOF) {
        ca = fgetc(a);
        cb = fgetc(b);
        same = ca == cb;
    }
    if (a) {
        fclose(a);
    }
    if (b) {
        fclose(b);
    }
    return same;
}

/* ---- client ---- */

static void test_report_client_model(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(r->n_courses, 1);
    const cairn_trend *t = r->courses[0].trends[0];
    assert_string_equal(cairn_instrument_code(r->courses[0].instrument),
                        "phq9");
    assert_int_equal(r->courses[0].n_assessments, 4);
    assert_int_equal(t->n, 4);
    assert_true(t->baseline.score == 16 && t->latest.score == 14);
    assert_true(t->has_rci && t->rci.category == CAIRN_RC_NO_RELIABLE_CHANGE);
    assert_true(r->n_alerts >= 1);
    assert_int_equal(r->alerts[0].alert->kind, CAIRN_ALERT_RISK);
    assert_string_equal(r->alerts[0].alert->date, "2026-01-12");
    assert_int_equal(r->events->n, 1);
    assert_true(r->as_of == CREATED);
    assert_string_equal(r->client->partner_code, "C2");
    cairn_report_client_free(r);
}

static void test_report_client_unknown(void **state)
{
    cairn_report_client *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_report_client_load(&r, *state, test_catalog(),
                                              "NOPE", NULL, &err),
                     CAIRN_ENOTFOUND);
    assert_null(r);
    assert_string_equal(err.message, "no client 'NOPE'");
}

static void test_report_client_no_assessments(void **state)
{
    cairn_report_client *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C3", NULL, &err),
        CAIRN_ENOTFOUND);
    assert_null(r);
    assert_string_equal(err.message,
                        "client 'C3' has no assessments to report");
}

static void test_report_client_one_assessment(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char path[128];
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C4", &o, &err),
        CAIRN_OK);
    const cairn_trend *t = r->courses[0].trends[0];
    assert_true(t->n == 1 && !t->has_rci && !t->slope.has_estimate);
    assert_int_equal(r->n_alerts, 0);
    assert_int_equal(cairn_report_client_write(
                         r, path_in(path, sizeof path, "c4.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(exists(path));
    assert_int_equal(count_files(tmpdir, ".c4.xlsx."), 0);
    cairn_report_client_free(r);
}

static void test_report_client_deterministic(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char p1[128], p2[128];
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(cairn_report_client_write(
                         r, path_in(p1, sizeof p1, "c1a.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_report_client_write(
                         r, path_in(p2, sizeof p2, "c1b.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    /* a second write over an existing file is refused, unless forced */
    cairn_outfile_options force = CAIRN_OUTFILE_OPTIONS_INIT;
    force.force = true;
    assert_int_equal(cairn_report_client_write(r, p1, NULL, &err),
                     CAIRN_EEXISTS);
    assert_int_equal(cairn_report_client_write(r, p1, &force, &err), CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    cairn_report_client_free(r);
}

static void test_report_unwritable(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char path[160], file[128];
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_report_client_write(r, "/nonexistent/r.xlsx", NULL, &err),
        CAIRN_EIO);
    assert_string_equal(err.message, "cannot write /nonexistent/r.xlsx: "
                                     "No such file or directory");
    /* under a regular file */
    FILE *f = fopen(path_in(file, sizeof file, "plain"), "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/r.xlsx", file);
    assert_int_equal(cairn_report_client_write(r, path, NULL, &err), CAIRN_EIO);
    assert_non_null(strstr(err.message, "Not a directory"));
    /* a directory in the way: refused before anything is written */
    snprintf(path, sizeof path, "%s/adir.xlsx", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(cairn_report_client_write(r, path, NULL, &err),
                     CAIRN_EINVAL);
    assert_int_equal(count_files(tmpdir, ".adir.xlsx."), 0);
    assert_int_equal(rmdir(path), 0);
    unlink(file);
    cairn_report_client_free(r);
}

static void test_report_readonly_dir(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char dir[128], path[160];
    /* Root writes into read-only directories; /proc refuses new files
     * even to root. */
    bool root = geteuid() == 0;
    snprintf(dir, sizeof dir, root ? "/proc" : "%s/ro", tmpdir);
    assert_true(root || mkdir(dir, 0500) == 0);
    snprintf(path, sizeof path, "%s/r.xlsx", dir);
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(cairn_report_client_write(r, path, NULL, &err), CAIRN_EIO);
    assert_non_null(strstr(err.message, "cannot write"));
    assert_false(exists(path));
    if (!root) {
        assert_non_null(strstr(err.message, "Permission denied"));
        assert_int_equal(count_files(dir, "."), 2); /* "." and ".." */
        rmdir(dir);
    }
    cairn_report_client_free(r);
}

/* A clinician's action on C1's risk alert moves it, then removes it. */
static void test_report_alert_states(void **state)
{
    cairn_store *st = *state;
    cairn_report_client *r = NULL;
    cairn_report_caseload *cl = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char key[64];
    assert_int_equal(
        cairn_report_client_load(&r, st, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    size_t before = r->n_alerts;
    snprintf(key, sizeof key, "%s", r->alerts[0].alert->key);
    cairn_report_client_free(r);
    assert_int_equal(cairn_store_alert_set(st, "C1", key,
                                           CAIRN_ALERT_ACKNOWLEDGED,
                                           "safety plan reviewed", &err),
                     CAIRN_OK);
    assert_int_equal(
        cairn_report_client_load(&r, st, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(r->n_alerts, before);
    assert_int_equal(r->n_open, before - 1);
    const cairn_alert *a = r->alerts[r->n_alerts - 1].alert;
    assert_string_equal(a->key, key);
    assert_int_equal(a->state, CAIRN_ALERT_ACKNOWLEDGED);
    assert_string_equal(a->state_note, "safety plan reviewed");
    cairn_report_client_free(r);
    assert_int_equal(
        cairn_report_caseload_load(&cl, st, test_catalog(), &o, &err),
        CAIRN_OK);
    assert_string_equal(row_of(cl, 0)->code, "C6"); /* C1 no longer open */
    assert_int_equal(row_of(cl, 1)->n_acknowledged, 1);
    assert_string_equal(row_of(cl, 1)->code, "C1");
    cairn_report_caseload_free(cl);
    assert_int_equal(cairn_store_alert_set(st, "C1", key, CAIRN_ALERT_RESOLVED,
                                           "done", &err),
                     CAIRN_OK);
    assert_int_equal(
        cairn_report_client_load(&r, st, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_int_equal(r->n_alerts, before - 1);
    cairn_report_client_free(r);
}

/* ---- couple ---- */

static void test_report_couple(void **state)
{
    cairn_report_couple *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char p1[128], p2[128];
    assert_int_equal(
        cairn_report_couple_load(&r, *state, test_catalog(), "C1", &o, &err),
        CAIRN_OK);
    assert_string_equal(r->b->client->code, "C2");
    assert_int_equal(r->n_shared, 1);
    const cairn_report_shared *sh = &r->shared[0];
    assert_int_equal(sh->couple->n_pairs, 4);
    /* 14 vs 6 at the latest pair: more than PHQ-9's 5.6 points */
    assert_true(sh->diverged);
    assert_true(sh->couple->pairs[3].difference == 8);
    assert_non_null(strstr(sh->reason, "differ by 8 points"));
    assert_int_equal(cairn_report_couple_write(
                         r, path_in(p1, sizeof p1, "couple1.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_report_couple_write(
                         r, path_in(p2, sizeof p2, "couple2.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    cairn_report_couple_free(r);
}

static void test_report_couple_without_partner(void **state)
{
    cairn_report_couple *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(
        cairn_report_couple_load(&r, *state, test_catalog(), "C4", NULL, &err),
        CAIRN_ENOTFOUND);
    assert_null(r);
    assert_string_equal(err.message, "client 'C4' has no linked partner");
}

/* ---- caseload ---- */

static void test_report_caseload(void **state)
{
    cairn_report_caseload *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    char p1[128], p2[128];
    assert_int_equal(
        cairn_report_caseload_load(&r, *state, test_catalog(), &o, &err),
        CAIRN_OK);
    static const char *const order[] = {"C1", "C6", "C2", "C3", "C4"};
    assert_int_equal(r->n_rows, 5); /* C5 was discharged */
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(row_of(r, i)->code, order[i]);
    }
    assert_int_equal(row_of(r, 0)->urgent, CAIRN_ALERT_RISK);
    assert_int_equal(row_of(r, 1)->urgent, CAIRN_ALERT_DETERIORATION);
    assert_false(row_of(r, 3)->cells[0].present); /* C3: no scores */
    assert_int_equal(r->n_instruments, 1);
    /* improved C2, no change C1, deteriorated C6, not judged C4 */
    assert_int_equal(r->counts[0][CAIRN_RC_IMPROVED], 1);
    assert_int_equal(r->counts[0][CAIRN_RC_NO_RELIABLE_CHANGE], 1);
    assert_int_equal(r->counts[0][CAIRN_RC_DETERIORATED], 1);
    assert_int_equal(r->counts[0][3], 1);
    const cairn_report_row *w6 = row_of(r, 1);
    const cairn_report_cell *c6 = &w6->cells[0];
    assert_true(c6->latest == 15 && c6->change == 8 && c6->n_points == 4);
    assert_string_equal(c6->latest_date, "2026-02-09");
    assert_non_null(w6->alert_reason);
    assert_true(w6->alert_instrument == r->instruments[0]);
    assert_int_equal(cairn_report_caseload_write(
                         r, path_in(p1, sizeof p1, "cl1.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_report_caseload_write(
                         r, path_in(p2, sizeof p2, "cl2.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    cairn_report_caseload_free(r);
    /* the rows (the engine's and the report's) kept in temporary files
     * past 64 bytes, a row or so: the same workbook, byte for byte */
    o.memory_limit = 64;
    assert_int_equal(
        cairn_report_caseload_load(&r, *state, test_catalog(), &o, &err),
        CAIRN_OK);
    for (size_t i = 5; i-- > 0;) { /* read back in any order */
        assert_string_equal(row_of(r, i)->code, order[i]);
    }
    assert_int_equal(cairn_report_caseload_write(
                         r, path_in(p2, sizeof p2, "cl3.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    cairn_report_caseload_free(r);
    cairn_report_caseload_free(NULL);
}

static void test_report_caseload_clinician(void **state)
{
    cairn_report_caseload *r = NULL;
    cairn_report_options o = options();
    cairn_error err = CAIRN_ERROR_INIT;
    o.clinician = "dr.b";
    assert_int_equal(
        cairn_report_caseload_load(&r, *state, test_catalog(), &o, &err),
        CAIRN_OK);
    assert_int_equal(r->n_rows, 2);
    assert_string_equal(row_of(r, 0)->code, "C6");
    assert_string_equal(row_of(r, 1)->code, "C4");
    assert_string_equal(r->clinician, "dr.b");
    cairn_report_caseload_free(r);
}

static void test_report_caseload_empty(void **state)
{
    (void)state;
    cairn_store *st = NULL;
    cairn_store_options so = CAIRN_STORE_OPTIONS_INIT;
    cairn_report_caseload *r = NULL;
    cairn_report_options o = CAIRN_REPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    char path[128];
    so.create = true;
    assert_int_equal(cairn_store_open(&st, ":memory:", &so, &err), 0);
    assert_int_equal(
        cairn_report_caseload_load(&r, st, test_catalog(), &o, &err), CAIRN_OK);
    assert_int_equal(r->n_rows, 0);
    assert_int_equal(r->n_instruments, 0);
    assert_int_equal(
        cairn_report_caseload_write(r, path_in(path, sizeof path, "empty.xlsx"),
                                    NULL, &err),
        CAIRN_OK);
    cairn_report_caseload_free(r);
    cairn_store_close(st);
}

/* ---- cohort ---- */

static void test_report_cohort(void **state)
{
    cairn_report_cohort *r = NULL;
    cairn_report_cohort_options o = CAIRN_REPORT_COHORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    char p1[128], p2[128];
    o.created = CREATED;
    assert_int_equal(
        cairn_report_cohort_load(&r, *state, test_instrument("phq9"), &o, &err),
        CAIRN_OK);
    /* C1, C2, C4, C5, C6 (a cohort does not ask about episodes) */
    assert_true(r->summary->n_clients == 5);
    assert_int_equal(r->n_lines, 5);
    assert_int_equal(r->n_points, 17);
    assert_int_equal(r->points[0].client, 1);
    assert_true(r->points[0].weeks == 0);
    assert_int_equal(r->n_fingerprints, 1);
    assert_int_equal(r->fingerprints[0].n, 17);
    /* weeks 0, 1, 3 and 5; week 0 holds every client's first score */
    assert_int_equal(r->n_weeks, 4);
    assert_int_equal(r->weeks[0].n, 5);
    assert_true(fabs(r->weeks[0].mean - (16 + 15 + 11 + 10 + 7) / 5.0) < 1e-12);
    assert_non_null(r->result->model);
    assert_int_equal(cairn_report_cohort_write(
                         r, path_in(p1, sizeof p1, "co1.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_report_cohort_write(
                         r, path_in(p2, sizeof p2, "co2.xlsx"), NULL, &err),
                     CAIRN_OK);
    assert_true(same_bytes(p1, p2));
    cairn_report_cohort_free(r);
}

static void test_report_cohort_filters(void **state)
{
    cairn_report_cohort *r = NULL;
    cairn_report_cohort_options o = CAIRN_REPORT_COHORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.cohort.clinician = "dr.b";
    o.cohort.from = "2026-01-10";
    assert_int_equal(
        cairn_report_cohort_load(&r, *state, test_instrument("phq9"), &o, &err),
        CAIRN_OK);
    /* C5 and C6 from 01-12 on (C4's one score is before the range) */
    assert_true(r->summary->n_clients == 2);
    assert_int_equal(r->n_points, 6);
    assert_int_equal(r->summary->n_groups, 2);
    assert_true(r->points[0].weeks == 0 && r->points[3].weeks == 0);
    cairn_report_cohort_free(r);
    o.cohort.scale = "nope";
    assert_int_equal(
        cairn_report_cohort_load(&r, *state, test_instrument("phq9"), &o, &err),
        CAIRN_ENOTFOUND);
    assert_null(r);
    assert_int_equal(cairn_report_cohort_load(
                         &r, *state, test_instrument("who5"), NULL, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message,
                        "no client has a who5 total score in this cohort");
}

/* ---- options ---- */

static void test_report_overrides(void **state)
{
    cairn_report_client *r = NULL;
    cairn_report_options o = options();
    cairn_report_override ov = {.instrument = "phq9",
                                .has_sd = true,
                                .sd = 3,
                                .has_reliability = true,
                                .reliability = 0.8,
                                .has_cutoff = true,
                                .cutoff = 15};
    cairn_error err = CAIRN_ERROR_INIT;
    o.overrides = &ov;
    o.n_overrides = 1;
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C2", &o, &err),
        CAIRN_OK);
    const cairn_trend *t = r->courses[0].trends[0];
    assert_true(t->rci.sd == 3 && t->rci.reliability == 0.8);
    assert_true(t->cutoff == 15);
    assert_string_equal(t->rc_source, "command line");
    assert_true(fabs(t->rci.threshold_points - 1.96 * sqrt(2) * 3 * sqrt(0.2)) <
                1e-12);
    cairn_report_client_free(r);
    /* a bad override is refused with the trend's message */
    ov.reliability = 1.5;
    assert_int_equal(
        cairn_report_client_load(&r, *state, test_catalog(), "C2", &o, &err),
        CAIRN_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err.message, "between 0 and 1"));
}

static void test_report_short_names(void **state)
{
    (void)state;
    assert_string_equal(cairn_report_short_name(test_instrument("phq9")),
                        "PHQ-9");
    assert_string_equal(cairn_report_short_name(test_instrument("pgs33")),
                        "PGS-33");
    assert_string_equal(cairn_report_short_name(test_instrument("who5")),
                        "WHO-5");
}

int main(void)
{
    gsl_set_error_handler_off();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cairn-test-report-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_client_model),
        cmocka_unit_test(test_report_client_unknown),
        cmocka_unit_test(test_report_client_no_assessments),
        cmocka_unit_test(test_report_client_one_assessment),
        cmocka_unit_test(test_report_client_deterministic),
        cmocka_unit_test(test_report_unwritable),
        cmocka_unit_test(test_report_readonly_dir),
        cmocka_unit_test(test_report_couple),
        cmocka_unit_test(test_report_couple_without_partner),
        cmocka_unit_test(test_report_caseload),
        cmocka_unit_test(test_report_caseload_clinician),
        cmocka_unit_test(test_report_caseload_empty),
        cmocka_unit_test(test_report_cohort),
        cmocka_unit_test(test_report_cohort_filters),
        cmocka_unit_test(test_report_overrides),
        cmocka_unit_test(test_report_short_names),
        cmocka_unit_test(test_report_alert_states), /* last: changes C1 */
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    static const char *const files[] = {
        "c4.xlsx",  "c1a.xlsx", "c1b.xlsx",   "couple1.xlsx", "couple2.xlsx",
        "cl1.xlsx", "cl2.xlsx", "empty.xlsx", "co1.xlsx",     "co2.xlsx"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[128];
        unlink(path_in(p, sizeof p, files[i]));
    }
    rmdir(tmpdir);
    return failed;
}
