/*
 * test_dashboard.c - the clinician's client and couple pages and the SVG
 * chart, through cairn_server_handle over a real (in-memory) store: what
 * a page shows (labels, never ids; the chart's title, description and
 * table; the bands, cut-off and markers), the figures against the
 * engine's trend, who may see what, and the paper form's echo-then-save,
 * correction, void and event, each audited under the person logged in.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "chart_svg.h"
#include "helpers.h"
#include "page_client.h"
#include "server_internal.h"

#define T0 1780000000 /* 2026-05-28 */
#define PW "correct horse battery"

typedef struct dash {
    cairn_store *st;
    cairn_server_app *app;
    char sid[3][CAIRN_SESSION_ID_LEN + 1]; /* dr.lee, sup, res */
    char csrf[3][65];
} dash;

enum { LEE, SUP, RES };

static void client(cairn_store *st, const char *code, const char *clinician,
                   const char *partner)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    c.clinician = clinician;
    c.loss_date = "2025-12-01";
    c.gestation_weeks = 30; /* due date 2026-02-09 */
    c.loss_kind = CAIRN_LOSS_MISCARRIAGE;
    c.partner_code = partner;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static void phq9(cairn_store *st, const char *code, const char *date,
                 const int items[9])
{
    cairn_score *s = test_score("phq9", items, 9);
    cairn_responses *r = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    const cairn_instrument *in = test_instrument("phq9");
    assert_int_equal(cairn_responses_new(&r, in, &err), CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(cairn_responses_set(r, in, i, items[i], &err), 0);
    }
    cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
    o.client_code = code;
    o.administered_at = date;
    if (cairn_store_assessment_add(st, s, r, &o, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    cairn_responses_free(r);
    cairn_score_free(s);
}

static void account(dash *d, int who, const char *name, cairn_role role)
{
    int64_t id = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_account_add(d->st, name, role, PW, &id, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_session_new(d->sid[who], d->st, id, T0, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_token_csrf(d->csrf[who], d->sid[who], &err), 0);
}

static int setup(void **state)
{
    static const int a[9] = {2, 2, 2, 2, 2, 2, 2, 1, 1}; /* 16 */
    static const int b[9] = {2, 1, 2, 1, 1, 1, 1, 1, 0}; /* 10 */
    static const int c[9] = {1, 1, 1, 0, 1, 0, 1, 0, 0}; /* 5 */
    dash *d = calloc(1, sizeof *d);
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_server_config cfg = CAIRN_SERVER_CONFIG_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    o.actor = "admin";
    assert_int_equal(cairn_store_open(&d->st, ":memory:", &o, &err), CAIRN_OK);
    client(d->st, "C001", "dr.lee", NULL);
    client(d->st, "C002", "dr.lee", "C001");
    client(d->st, "C003", "dr.kim", NULL);
    client(d->st, "C004", "dr.lee", "C003");
    cairn_client fresh = {0};
    fresh.code = "C005"; /* no loss date, nothing recorded */
    fresh.clinician = "dr.lee";
    assert_int_equal(cairn_store_client_add(d->st, &fresh, NULL, &err), 0);
    phq9(d->st, "C001", "2026-02-02", a);
    phq9(d->st, "C001", "2026-03-02", b);
    phq9(d->st, "C001", "2026-04-06", c);
    phq9(d->st, "C002", "2026-02-09", b);
    phq9(d->st, "C002", "2026-03-09", b);
    phq9(d->st, "C003", "2026-02-09", a);
    phq9(d->st, "C004", "2026-02-09", c);
    cairn_event ev = {0, "C001", "2026-02-20", CAIRN_EVENT_INTERVENTION_START,
                      "<group> & talk"};
    assert_int_equal(cairn_store_event_add(d->st, &ev, NULL, &err), CAIRN_OK);
    account(d, LEE, "dr.lee", CAIRN_ROLE_CLINICIAN);
    account(d, SUP, "sup", CAIRN_ROLE_SUPERVISOR);
    account(d, RES, "res", CAIRN_ROLE_RESEARCHER);
    cfg.store = d->st;
    cfg.catalog = test_catalog();
    assert_int_equal(cairn_server_app_new(&d->app, &cfg, &err), CAIRN_OK);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    dash *d = *state;
    cairn_server_app_free(d->app);
    cairn_store_close(d->st);
    free(d);
    return 0;
}

/* One request as `who`: GET with query arguments, or POST with fields
 * (name, value, ..., NULL; the session's CSRF token added). */
static int req(dash *d, int who, const char *method, const char *path,
               const char *const *args, cairn_server_response *rs)
{
    cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
    cairn_server_field f[80];
    size_t n = 0;
    bool post = strcmp(method, "POST") == 0;
    for (const char *const *p = args; p != NULL && p[0] != NULL; p += 2) {
        f[n++] = (cairn_server_field){p[0], p[1]};
    }
    if (post) {
        f[n++] = (cairn_server_field){"csrf", d->csrf[who]};
        rq.fields = f;
        rq.n_fields = n;
        rq.content_type = "application/x-www-form-urlencoded";
        rq.sec_fetch_site = "same-origin";
    } else {
        rq.query = f;
        rq.n_query = n;
    }
    rq.method = method;
    rq.path = path;
    rq.host = "127.0.0.1:8430";
    rq.cookie_session = d->sid[who];
    rq.now = T0;
    cairn_server_handle(d->app, &rq, rs);
    return rs->status;
}

static bool has(const cairn_server_response *rs, const char *s)
{
    return rs->body != NULL && strstr(rs->body, s) != NULL;
}

static size_t count(const cairn_server_response *rs, const char *s)
{
    size_t n = 0;
    for (const char *p = rs->body; p && (p = strstr(p, s)) != NULL; p++) {
        n++;
    }
    return n;
}

/* The exact value the page gives figure `name` (data-value). */
static double figure(const cairn_server_response *rs, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "data-fig=\"%s\" data-value=\"", name);
    const char *p = rs->body ? strstr(rs->body, key) : NULL;
    if (p == NULL) {
        fail_msg("no figure %s on the page", name);
    }
    return strtod(p + strlen(key), NULL);
}

/* C001's PHQ-9 trend as `cairn trend` computes it. */
static cairn_trend *engine_trend(dash *d, cairn_caseload **cl, bool loss)
{
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.client = "C001";
    o.instrument = "phq9";
    o.trend.axis = loss ? CAIRN_TIME_SINCE_LOSS : CAIRN_TIME_SINCE_FIRST;
    assert_int_equal(
        cairn_caseload_compute(cl, d->st, test_catalog(), &o, &err), 0);
    return (*cl)->entries[0].trends[0];
}

/* ------------------------------------------------------------------ */

static void test_dashboard_client_page(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    assert_int_equal(req(d, LEE, "GET", "/client/C001", NULL, &rs), 200);
    /* the chart: accessible name, description, table, bands by label */
    assert_true(has(&rs, "<svg class=\"chart\""));
    assert_true(has(&rs, "role=\"img\" aria-labelledby=\"chart-phq9-title\" "
                         "aria-describedby=\"chart-phq9-desc\""));
    assert_true(has(&rs, "<title id=\"chart-phq9-title\">"));
    assert_true(has(&rs, "<p id=\"chart-phq9-desc\""));
    assert_true(has(&rs, "<caption id=\"chart-phq9-cap\">Scores: "));
    assert_true(has(&rs, "Moderately severe"));
    assert_false(has(&rs, "moderately_severe"));
    assert_true(has(&rs, "fill=\"url(#chart-phq9-band4)\""));
    assert_true(has(&rs, "cut-off 10"));
    /* the event, escaped, and the derived due date as markers */
    assert_true(has(&rs, "&lt;group&gt; &amp; talk (intervention started)"));
    assert_true(has(&rs, "due date, from the loss at 30 weeks"));
    assert_false(has(&rs, "<group>"));
    /* details, partner, item grid, history, forms */
    assert_true(has(&rs, "<dd>miscarriage</dd>"));
    assert_true(has(&rs, "<a href=\"/client/C002\">C002</a>"));
    assert_true(has(&rs, "<a href=\"/couple/C001\">"));
    assert_true(has(&rs, "PHQ-9: each item's score at each assessment"));
    /* self-report starts through the start page's own form */
    assert_true(has(&rs, "<form method=\"post\" action=\"/start\""));
    assert_true(has(&rs, "name=\"client\" value=\"C001\""));
    assert_true(has(&rs, "entered from paper, by admin"));
    assert_true(has(&rs, "name=\"action\" value=\"event\""));
    assert_true(has(&rs, "class=\"print-head\">Confidential - Cairn - "
                         "printed 2026-05-28"));
    assert_null(strstr(rs.body, "<script"));
    /* only in the history's links and forms, never as words */
    assert_false(has(&rs, "assessment 1"));
    cairn_server_response_free(&rs);
}

/* A questionnaire with subscales offers each as a link; the one asked for
 * is charted with its own figures (as `cairn trend --scale`), the time
 * axis links keep it, and a name that is no scale leaves the page as is. */
static void test_dashboard_client_subscale(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    int codes[33];
    for (size_t i = 0; i < 33; i++) {
        codes[i] = 2;
    }
    test_record(d->st, "C001", "2026-02-03", "pgs33", codes, 33);
    for (size_t i = 0; i < 33; i++) {
        codes[i] = 4;
    }
    test_record(d->st, "C001", "2026-03-03", "pgs33", codes, 33);
    assert_int_equal(req(d, LEE, "GET", "/client/C001", NULL, &rs), 200);
    assert_true(has(&rs, "aria-label=\"PGS-33 scales\""));
    assert_true(has(&rs, "<a href=\"/client/C001?scale=pgs33.despair#h-pgs33\">"
                         "Despair subscale</a>"));
    assert_true(has(&rs, "#h-pgs33\" aria-current=\"page\">"));
    assert_false(has(&rs, "aria-label=\"PHQ-9 scales\"")); /* one scale */
    cairn_server_response_free(&rs);
    const char *q[] = {"scale", "pgs33.despair", "time", "since-loss", NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C001", q, &rs), 200);
    /* the despair items (11, each 4 = "disagree", scored 2): 22 */
    assert_true(has(
        &rs, "Perinatal Grief Scale, 33-item short version, Despair subscale"));
    assert_true(has(&rs, "?time=since-loss&amp;scale=pgs33.despair#h-pgs33\" "
                         "aria-current=\"page\">Despair subscale</a>"));
    assert_true(has(&rs, "?scale=pgs33.despair\">Calendar dates</a>"));
    assert_true(has(&rs, "?time=since-loss&amp;scale=pgs33.despair\" "
                         "aria-current=\"page\">Weeks since the loss"));
    assert_true(has(&rs, "<td class=\"num\">22</td>"));
    /* PHQ-9 still on its total */
    assert_true(has(&rs, "Patient Health Questionnaire-9 by weeks"));
    cairn_server_response_free(&rs);
    static const char *const none[] = {"pgs33.nothing", "pgs33.total",
                                       "nothing.total", "pgs33", ""};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        const char *bad[] = {"scale", none[i], NULL};
        assert_int_equal(req(d, LEE, "GET", "/client/C001", bad, &rs), 200);
        assert_false(has(&rs, "short version, Despair"));
        assert_true(has(&rs, "#h-pgs33\" aria-current=\"page\">"));
        cairn_server_response_free(&rs);
    }
}

static void test_dashboard_client_without_scores(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    const char *q[] = {"time", "since-loss", NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C005", q, &rs), 200);
    assert_true(has(&rs, "No questionnaires recorded yet."));
    assert_true(has(&rs, "Nothing recorded yet."));
    assert_true(has(&rs, "<dd>none recorded</dd>"));
    assert_false(has(&rs, "<svg class=\"chart\""));
    cairn_server_response_free(&rs);
}

static void test_dashboard_figures_equal_trend(void **state)
{
    dash *d = *state;
    for (int loss = 0; loss < 2; loss++) {
        cairn_server_response rs;
        cairn_caseload *cl = NULL;
        const char *q[] = {"time", "since-loss", NULL};
        assert_int_equal(
            req(d, LEE, "GET", "/client/C001", loss ? q : NULL, &rs), 200);
        const cairn_trend *t = engine_trend(d, &cl, loss);
        assert_true(t->slope.has_interval && t->has_rci && t->has_clinical);
        assert_true(fabs(figure(&rs, "baseline") - t->baseline.score) < 1e-9);
        assert_true(fabs(figure(&rs, "latest") - t->latest.score) < 1e-9);
        assert_true(fabs(figure(&rs, "change") - t->change) < 1e-9);
        assert_true(fabs(figure(&rs, "slope") - t->slope.estimate) < 1e-8);
        assert_true(fabs(figure(&rs, "slope_low") - t->slope.ci_low) < 1e-8);
        assert_true(fabs(figure(&rs, "slope_high") - t->slope.ci_high) < 1e-8);
        assert_true(
            fabs(figure(&rs, "rc_threshold") - t->rci.threshold_points) < 1e-8);
        assert_true(fabs(figure(&rs, "cutoff") - t->cutoff) < 1e-9);
        assert_true(has(&rs, "Jacobson-Truax, SD 6.1, reliability 0.89"));
        srv_buf crit = SRV_BUF_INIT;
        srv_esc(&crit, t->params.criterion_text);
        assert_true(has(&rs, crit.p));
        srv_buf_free(&crit);
        if (loss) {
            assert_true(has(&rs, "by weeks since the loss</title>"));
            assert_true(has(&rs, "<th scope=\"col\">Week after the loss"));
            assert_true(has(&rs, ">week 10</text>"));
            assert_true(has(&rs, "?time=since-loss\" aria-current=\"page\""));
        } else {
            assert_true(has(&rs, ">Feb 2026</text>"));
        }
        cairn_caseload_free(cl);
        cairn_server_response_free(&rs);
    }
}

/* A clinic setting is named where it is used, as `cairn trend` names it,
 * and so is the clinic's name on the printed page. */
static void test_dashboard_settings_named(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    assert_int_equal(cairn_settings_set(d->st, test_catalog(),
                                        "alerts.no_improvement_weeks", "16",
                                        NULL),
                     0);
    assert_int_equal(cairn_settings_set(d->st, test_catalog(), "clinic.name",
                                        "Hill & Dale", NULL),
                     0);
    assert_int_equal(req(d, LEE, "GET", "/client/C001", NULL, &rs), 200);
    assert_true(has(&rs, "<dt>No-improvement alert</dt><dd>after 16 weeks "
                         "(clinic setting alerts.no_improvement_weeks = 16"));
    assert_true(has(&rs, "Confidential - Hill &amp; Dale - C001 - printed "
                         "2026-05-28"));
    cairn_server_response_free(&rs);
}

static void test_dashboard_who_sees_what(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    /* another clinician's client reads as not found */
    assert_int_equal(req(d, LEE, "GET", "/client/C003", NULL, &rs), 404);
    assert_false(has(&rs, "C003"));
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, LEE, "GET", "/client/NOPE", NULL, &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, SUP, "GET", "/client/C003", NULL, &rs), 200);
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, RES, "GET", "/client/C001", NULL, &rs), 403);
    assert_false(has(&rs, "C001"));
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, RES, "GET", "/couple/C001", NULL, &rs), 403);
    cairn_server_response_free(&rs);
    /* a couple page needs both partners: C004 is dr.lee's, C003 is not */
    assert_int_equal(req(d, LEE, "GET", "/couple/C004", NULL, &rs), 404);
    assert_false(has(&rs, "C003"));
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, SUP, "GET", "/couple/C004", NULL, &rs), 200);
    cairn_server_response_free(&rs);
    /* writes too */
    const char *ev[] = {"action", "event",   "date", "2026-05-01",
                        "kind",   "session", NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C003", ev, &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, RES, "POST", "/client/C001", ev, &rs), 403);
    cairn_server_response_free(&rs);
    /* no token, no write */
    cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
    cairn_server_field f[] = {
        {"action", "event"}, {"date", "2026-05-01"}, {"kind", "session"}};
    rq.method = "POST";
    rq.path = "/client/C001";
    rq.fields = f;
    rq.n_fields = 3;
    rq.content_type = "application/x-www-form-urlencoded";
    rq.cookie_session = d->sid[LEE];
    rq.now = T0;
    cairn_server_handle(d->app, &rq, &rs);
    assert_int_equal(rs.status, 403);
    cairn_server_response_free(&rs);
    cairn_event_list *el = NULL;
    assert_int_equal(cairn_store_event_list(&el, d->st, "C001", NULL), 0);
    assert_int_equal(el->n, 1);
    cairn_store_event_list_free(el);
}

static void test_dashboard_couple_page(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    cairn_couple_view *v = NULL;
    cairn_couple_view_options o = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    assert_int_equal(req(d, LEE, "GET", "/couple/C001", NULL, &rs), 200);
    assert_int_equal(
        cairn_couple_view_compute(&v, d->st, test_catalog(), "C001", &o, NULL),
        0);
    assert_int_equal(v->n, 1);
    const cairn_couple *cp = v->shared[0].couple;
    assert_int_equal(cp->n_pairs, 2);
    assert_true(cp->has_reliable_difference);
    assert_true(fabs(figure(&rs, "reliable_difference") -
                     cp->reliable_difference) < 1e-8);
    assert_true(fabs(figure(&rs, "difference") - cp->pairs[0].difference) <
                1e-9);
    assert_int_equal(count(&rs, "data-fig=\"difference\""), cp->n_pairs);
    assert_true(has(&rs, cp->diverging ? "<dd data-fig=\"diverging\">yes"
                                       : "<dd data-fig=\"diverging\">no"));
    assert_true(has(&rs, "C001 (solid line, dots)"));
    assert_true(has(&rs, "C002 (dashed line, squares)"));
    assert_true(has(&rs, "<th scope=\"col\">Partner</th>"));
    assert_int_equal(count(&rs, "<polyline"), 2);
    cairn_couple_view_free(v);
    cairn_server_response_free(&rs);
}

/* Both partners' markers are numbered in date order, and markers that
 * share a place on the axis share one label instead of hiding each
 * other. */
static void test_dashboard_couple_markers_by_date(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_event same = {0, "C002", "2026-02-20", CAIRN_EVENT_SESSION,
                        "joint session"};
    cairn_event early = {0, "C002", "2026-02-10", CAIRN_EVENT_LIFE_EVENT,
                         "back at work"};
    assert_int_equal(cairn_store_event_add(d->st, &same, NULL, &err), 0);
    assert_int_equal(cairn_store_event_add(d->st, &early, NULL, &err), 0);
    assert_int_equal(req(d, LEE, "GET", "/couple/C001", NULL, &rs), 200);
    /* after both due dates (02-09), C002's 02-10, then C001's and C002's
     * 02-20 */
    const char *first = strstr(rs.body, "<li>2026-02-10: back at work");
    const char *second = strstr(rs.body, "<li>2026-02-20: &lt;group&gt;");
    const char *third = strstr(rs.body, "<li>2026-02-20: joint session");
    assert_non_null(first);
    assert_non_null(second);
    assert_non_null(third);
    assert_true(first < second && second < third);
    /* a day apart on the axis: one label; ten days on: the next */
    assert_true(has(&rs, ">1-3</text>"));
    assert_true(has(&rs, ">4, 5</text>"));
    assert_false(has(&rs, ">1</text>") || has(&rs, ">4</text>"));
    assert_true(has(&rs, "5 numbered lines mark the timeline"));
    assert_int_equal(count(&rs, "stroke-dasharray=\"1 3\""), 3);
    cairn_server_response_free(&rs);
}

/* Enter a paper PHQ-9: the echo first, nothing stored; then Save. */
static void test_dashboard_paper_form(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    cairn_assessment_list *l = NULL;
    const char *q[] = {"enter", "phq9", NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C001", q, &rs), 200);
    assert_true(has(&rs, "<input id=\"item9\" name=\"item9\""));
    assert_false(has(&rs, "name=\"codes\"")); /* PHQ-9: codes are scores */
    cairn_server_response_free(&rs);
    const char *check[] = {
        "action",     "check", "instrument", "phq9",  "date",
        "2026-05-20", "item1", "3",          "item2", "3",
        "item3",      "2",     "item4",      "2",     "item5",
        "1",          "item6", "1",          "item7", "0",
        "item8",      "",      "item9",      "1",     NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", check, &rs), 200);
    assert_true(has(&rs, "Nearly every day</td><td class=\"num\">3"));
    assert_true(has(&rs, "left blank"));
    assert_true(has(&rs, "A risk item is endorsed"));
    assert_true(has(&rs, "name=\"action\" value=\"save\""));
    cairn_server_response_free(&rs);
    assert_int_equal(cairn_store_assessment_list(&l, d->st, "C001", "phq9",
                                                 CAIRN_LIST_ALL, NULL),
                     0);
    assert_int_equal(l->n, 3); /* the echo stored nothing */
    cairn_store_assessment_list_free(l);
    check[1] = "save";
    assert_int_equal(req(d, LEE, "POST", "/client/C001", check, &rs), 303);
    assert_string_equal(cairn_server_response_header(&rs, "Location"),
                        "/client/C001?done=saved");
    cairn_server_response_free(&rs);
    assert_int_equal(cairn_store_assessment_list(&l, d->st, "C001", "phq9",
                                                 CAIRN_LIST_CURRENT, NULL),
                     0);
    assert_int_equal(l->n, 4);
    const cairn_assessment *a = &l->items[3];
    assert_string_equal(a->entered_by, "dr.lee");
    assert_int_equal(a->method, CAIRN_METHOD_CLINICIAN);
    assert_true(a->missing[7]);
    assert_int_equal(a->codes[0], 3);
    cairn_store_assessment_list_free(l);
    const char *done[] = {"done", "saved", NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C001", done, &rs), 200);
    assert_true(has(&rs, "The answers were saved."));
    assert_true(has(&rs, "<td>2026-05-20</td><td class=\"num\">15</td>"));
    cairn_server_response_free(&rs);
}

/* An out-of-range answer and the EPDS's positions/scores question. */
static void test_dashboard_paper_form_refusals(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    const char *bad[] = {"action",     "check", "instrument", "phq9", "date",
                         "2026-05-20", "item1", "7",          NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", bad, &rs), 422);
    assert_true(has(&rs, "class=\"problem\" role=\"alert\">item 1"));
    assert_true(has(&rs, "value=\"7\"")); /* what was typed is kept */
    cairn_server_response_free(&rs);
    const char *q[] = {"enter", "epds", NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C001", q, &rs), 200);
    assert_true(has(&rs, "name=\"codes\" id=\"codes-p\" value=\"positions\""));
    assert_false(has(&rs, " checked>")); /* no default */
    cairn_server_response_free(&rs);
    const char *epds[] = {
        "action", "check", "instrument", "epds", "date",  "2026-05-20",
        "item1",  "0",     "item2",      "0",    "item3", "3",
        "item4",  "0",     "item5",      "0",    "item6", "0",
        "item7",  "0",     "item8",      "0",    "item9", "0",
        "item10", "0",     NULL,         NULL,   NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", epds, &rs), 422);
    assert_true(has(&rs, "positions"));
    cairn_server_response_free(&rs);
    epds[26] = "codes";
    epds[27] = "scores";
    assert_int_equal(req(d, LEE, "POST", "/client/C001", epds, &rs), 200);
    /* item 3 typed as score 3: the top answer */
    assert_true(has(&rs, "<td class=\"num\">3</td>"));
    cairn_server_response_free(&rs);
}

/* A grief scale dated before the loss is stored, and the page says to
 * check the date, as `record` warns. */
static void test_dashboard_paper_form_unlikely_date(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    const char *args[2 * 40 + 1];
    char names[33][16];
    size_t n = 0;
    const char *head[] = {"action", "save",       "instrument", "pgs33",
                          "date",   "2025-11-20", "codes",      "positions"};
    for (size_t i = 0; i < 8; i++) {
        args[n++] = head[i];
    }
    for (int i = 0; i < 33; i++) {
        snprintf(names[i], sizeof names[i], "item%d", i + 1);
        args[n++] = names[i];
        args[n++] = "2";
    }
    args[n] = NULL;
    assert_int_equal(req(d, LEE, "POST", "/client/C001", args, &rs), 200);
    assert_true(has(&rs, "The answers were saved. Please check the date: "));
    assert_true(has(&rs, "before the client&#39;s loss"));
    cairn_server_response_free(&rs);
    cairn_assessment_list *l = NULL;
    assert_int_equal(cairn_store_assessment_list(&l, d->st, "C001", "pgs33",
                                                 CAIRN_LIST_CURRENT, NULL),
                     0);
    assert_int_equal(l->n, 1);
    cairn_store_assessment_list_free(l);
}

static void test_dashboard_amend_void_event(void **state)
{
    dash *d = *state;
    cairn_server_response rs;
    cairn_assessment_list *l = NULL;
    char id[24];
    assert_int_equal(cairn_store_assessment_list(&l, d->st, "C001", "phq9",
                                                 CAIRN_LIST_CURRENT, NULL),
                     0);
    snprintf(id, sizeof id, "%lld", (long long)l->items[2].id);
    cairn_store_assessment_list_free(l);
    const char *q[] = {"amend", id, NULL};
    assert_int_equal(req(d, LEE, "GET", "/client/C001", q, &rs), 200);
    assert_true(has(&rs, "value=\"2026-04-06\""));
    cairn_server_response_free(&rs);
    const char *amend[] = {"action", "save",   "instrument", "phq9",  "amend",
                           id,       "date",   "2026-04-06", "item1", "1",
                           "item2",  "1",      "item3",      "1",     "item4",
                           "0",      "item5",  "1",          "item6", "0",
                           "item7",  "1",      "item8",      "0",     "item9",
                           "0",      "reason", "",           NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", amend, &rs), 422);
    assert_true(has(&rs, "Please say why"));
    cairn_server_response_free(&rs);
    amend[27] = "item 4 misread";
    assert_int_equal(req(d, LEE, "POST", "/client/C001", amend, &rs), 303);
    cairn_server_response_free(&rs);
    /* another client's assessment cannot be reached through this one */
    assert_int_equal(req(d, LEE, "POST", "/client/C002", amend, &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(cairn_store_assessment_list(&l, d->st, "C001", "phq9",
                                                 CAIRN_LIST_CURRENT, NULL),
                     0);
    snprintf(id, sizeof id, "%lld", (long long)l->items[0].id);
    cairn_store_assessment_list_free(l);
    const char *v[] = {"action", "void",         "assessment", id,
                       "reason", "wrong client", NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", v, &rs), 303);
    cairn_server_response_free(&rs);
    const char *ev[] = {"action",    "event", "date", "2026-05-01", "kind",
                        "pregnancy", "label", "",     NULL};
    assert_int_equal(req(d, LEE, "POST", "/client/C001", ev, &rs), 303);
    cairn_server_response_free(&rs);
    ev[3] = "not a date";
    assert_int_equal(req(d, LEE, "POST", "/client/C001", ev, &rs), 422);
    cairn_server_response_free(&rs);
    assert_int_equal(req(d, LEE, "GET", "/client/C001", NULL, &rs), 200);
    assert_true(has(&rs, "<strong>Void</strong>: wrong client"));
    assert_true(has(&rs, "Replaced by a correction"));
    assert_true(has(&rs, "corrects an earlier entry: item 4 misread"));
    assert_true(has(&rs, "new pregnancy"));
    cairn_server_response_free(&rs);
    /* each write audited under the person logged in */
    cairn_audit_list *al = NULL;
    assert_int_equal(cairn_store_audit_list(&al, d->st, 0, NULL), 0);
    size_t mine = 0;
    for (size_t i = 0; i < al->n; i++) {
        const char *act = al->items[i].action;
        if (strcmp(al->items[i].who, "dr.lee") == 0 &&
            (strcmp(act, "assessment.amend") == 0 ||
             strcmp(act, "assessment.void") == 0 ||
             strcmp(act, "event.add") == 0)) {
            mine++;
        }
    }
    assert_int_equal(mine, 3);
    cairn_store_audit_list_free(al);
}

static void test_dashboard_printf_long(void **state)
{
    (void)state;
    char word[700];
    srv_buf b = SRV_BUF_INIT;
    memset(word, 'x', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    srv_printf(&b, "<%s> %d", word, 7);
    assert_false(b.oom);
    assert_int_equal(b.len, sizeof word - 1 + 4);
    assert_string_equal(b.p + b.len - 3, "> 7");
    srv_buf_free(&b);
}

static void test_dashboard_chart_without_points(void **state)
{
    (void)state;
    srv_buf b = SRV_BUF_INIT;
    const cairn_instrument *in = test_instrument("gad7");
    cairn_trend t;
    memset(&t, 0, sizeof t);
    srv_chart ch = {0};
    ch.id = "chart-x";
    ch.inst = in;
    ch.scale = cairn_instrument_scale(in, 0);
    ch.since_loss = true; /* no loss date: falls back to dates */
    ch.today = "2026-05-28";
    ch.n_series = 1;
    ch.series[0] = (srv_chart_series){"C9", &t, NULL, NULL};
    srv_chart_write(&b, &ch);
    assert_false(b.oom);
    assert_non_null(strstr(b.p, "C9: no scores yet."));
    assert_non_null(strstr(b.p, "No loss date is recorded"));
    assert_non_null(strstr(b.p, "</svg>"));
    srv_buf_free(&b);
}

/* The clinic's expected course: the growth model's 90% band from the
 * first score, drawn over the weeks the client's scores span. */
static void test_dashboard_chart_expected_band(void **state)
{
    (void)state;
    srv_buf b = SRV_BUF_INIT;
    const cairn_instrument *in = test_instrument("phq9");
    cairn_trend_point pts[2] = {
        {1, "2026-02-02", 0, 16, "moderately_severe", 0},
        {2, "2026-04-27", 12, 9, "mild", 1}};
    cairn_trend t;
    memset(&t, 0, sizeof t);
    t.n = 2;
    t.points = pts;
    t.has_baseline = true;
    t.baseline = pts[0];
    t.latest = pts[1];
    t.weeks = 12;
    cairn_expectation e = {true, 40, 20, 15, -0.4, 9, 0.04, 0, 4};
    double mean = 0, lo = 0, hi = 0;
    assert_true(cairn_expectation_band(&e, 16, 12, &mean, &lo, &hi));
    srv_chart ch = {0};
    ch.id = "chart-phq9";
    ch.inst = in;
    ch.scale = cairn_instrument_scale(in, 0);
    ch.today = "2026-05-28";
    ch.n_series = 1;
    ch.series[0] = (srv_chart_series){"C9", &t, NULL, &e};
    srv_chart_write(&b, &ch);
    assert_non_null(strstr(b.p, "<polygon fill=\"#1d5d90\""));
    assert_non_null(strstr(b.p, "where 90% of this clinic's clients"));
    /* a risk ring on the second point, the band words in the table */
    assert_non_null(strstr(b.p, "stroke=\"#8a1c1c\" stroke-width=\"2\"/>"));
    assert_non_null(strstr(b.p, "<td>Mild</td><td>yes</td>"));
    srv_buf_free(&b);
    e.available = false;
    srv_chart_write(&b, &ch);
    assert_null(strstr(b.p, "<polygon"));
    srv_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dashboard_client_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_client_subscale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_client_without_scores,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_figures_equal_trend,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_settings_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_who_sees_what, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_couple_markers_by_date,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_couple_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_paper_form, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_paper_form_refusals,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_paper_form_unlikely_date,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_amend_void_event, setup,
                                        teardown),
        cmocka_unit_test(test_dashboard_printf_long),
        cmocka_unit_test(test_dashboard_chart_without_points),
        cmocka_unit_test(test_dashboard_chart_expected_band),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
