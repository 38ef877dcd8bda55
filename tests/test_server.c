/*
 * test_server.c - the web server's handlers, without sockets: requests
 * go straight to cairn_server_handle over a real (in-memory) store.
 * Routing, the header set on every response, cookie flags, CSRF and
 * cross-site refusals, login throttling, roles, escaping, link states and
 * whole self-report walks on a phone link and a tablet.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "server_internal.h"

#define T0 1780000000
#define PW "correct horse battery"
#define EVIL_NAME "<script>alert('x')</script> & \"Sam\""

typedef struct srvfix {
    cairn_store *st;
    cairn_server_app *app;
    cairn_server_config cfg;
    int64_t now;
} srvfix;

static void add_client(cairn_store *st, const char *code, const char *name,
                       const char *clinician)
{
    cairn_client c = {0};
    cairn_error err = CAIRN_ERROR_INIT;
    c.code = code;
    c.name = name;
    c.clinician = clinician;
    if (cairn_store_client_add(st, &c, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static void add_account(cairn_store *st, const char *name, cairn_role role)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_store_account_add(st, name, role, PW, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static srvfix *setup_with(const cairn_catalog *cat, bool tls)
{
    srvfix *f = calloc(1, sizeof *f);
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_server_config cfg = CAIRN_SERVER_CONFIG_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.create = true;
    o.actor = "admin";
    assert_int_equal(cairn_store_open(&f->st, ":memory:", &o, &err), CAIRN_OK);
    add_client(f->st, "C001", EVIL_NAME, "dr.lee");
    add_client(f->st, "C002", "Robin", "dr.kim");
    add_account(f->st, "dr.lee", CAIRN_ROLE_CLINICIAN);
    add_account(f->st, "sup", CAIRN_ROLE_SUPERVISOR);
    add_account(f->st, "res", CAIRN_ROLE_RESEARCHER);
    cfg.store = f->st;
    cfg.catalog = cat;
    cfg.tls = tls;
    cfg.crisis_text = "Call the clinic <on> 0100 & ask";
    f->cfg = cfg;
    assert_int_equal(cairn_server_app_new(&f->app, &cfg, &err), CAIRN_OK);
    f->now = T0;
    return f;
}

static int setup(void **state)
{
    *state = setup_with(test_catalog(), false);
    return 0;
}

static int teardown(void **state)
{
    srvfix *f = *state;
    cairn_server_app_free(f->app);
    cairn_store_close(f->st);
    free(f);
    return 0;
}

/* A browser: the cookies it holds. */
typedef struct browser {
    char session[80];
    char login[80];
} browser;

typedef struct call {
    const char *method, *path;
    const char *const *fields; /* name, value, ..., NULL */
    const char *origin, *fetch_site, *content_type;
    const char *addr;
} call;

/* Remember the cookies `rs` sets. */
static void keep_cookies(browser *b, const cairn_server_response *rs)
{
    for (size_t i = 0; i < rs->n_headers; i++) {
        const char *v = rs->headers[i].value;
        char *dst = NULL;
        if (strcmp(rs->headers[i].name, "Set-Cookie") != 0) {
            continue;
        }
        const char *eq = strchr(v, '=');
        dst = strstr(v, "_login=") != NULL ? b->login : b->session;
        size_t n = strcspn(eq + 1, ";");
        snprintf(dst, 80, "%.*s", (int)n, eq + 1);
        if (strstr(v, "Max-Age=0") != NULL) {
            dst[0] = '\0';
        }
    }
}

static void do_call(srvfix *f, browser *b, const call *c,
                    cairn_server_response *rs)
{
    cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
    cairn_server_field fields[64];
    size_t n = 0;
    for (const char *const *p = c->fields; p != NULL && p[0] != NULL; p += 2) {
        fields[n].name = p[0];
        fields[n].value = p[1];
        n++;
    }
    /* "?a=1&b=2" becomes the query parameters (no percent-decoding) */
    char path[256], qbuf[256];
    cairn_server_field query[16];
    size_t nq = 0;
    snprintf(path, sizeof path, "%s", c->path);
    char *qm = strchr(path, '?');
    if (qm != NULL) {
        *qm = '\0';
        snprintf(qbuf, sizeof qbuf, "%s", qm + 1);
        for (char *p = qbuf; p != NULL && *p && nq < 16;) {
            char *amp = strchr(p, '&');
            char *eq = strchr(p, '=');
            if (amp != NULL) {
                *amp = '\0';
            }
            if (eq != NULL) {
                *eq = '\0';
            }
            query[nq].name = p;
            query[nq].value = eq != NULL ? eq + 1 : "";
            nq++;
            p = amp != NULL ? amp + 1 : NULL;
        }
    }
    rq.query = query;
    rq.n_query = nq;
    rq.method = c->method;
    rq.path = path;
    rq.host = "127.0.0.1:8430";
    rq.origin = c->origin;
    rq.sec_fetch_site = c->fetch_site;
    rq.content_type =
        c->content_type ? c->content_type : "application/x-www-form-urlencoded";
    rq.remote_addr = c->addr ? c->addr : "127.0.0.1";
    rq.fields = fields;
    rq.n_fields = n;
    rq.now = f->now;
    if (b != NULL) {
        rq.cookie_session = b->session[0] ? b->session : NULL;
        rq.cookie_login = b->login[0] ? b->login : NULL;
    }
    cairn_server_handle(f->app, &rq, rs);
    if (b != NULL) {
        keep_cookies(b, rs);
    }
}

static int get(srvfix *f, browser *b, const char *path,
               cairn_server_response *rs)
{
    call c = {"GET", path, NULL, NULL, NULL, NULL, NULL};
    do_call(f, b, &c, rs);
    return rs->status;
}

static int post(srvfix *f, browser *b, const char *path,
                const char *const *fields, cairn_server_response *rs)
{
    call c = {"POST",        path, fields, "http://127.0.0.1:8430",
              "same-origin", NULL, NULL};
    do_call(f, b, &c, rs);
    return rs->status;
}

/* The CSRF token in a page's form. */
static void csrf_of(const cairn_server_response *rs, char out[65])
{
    const char *p =
        rs->body ? strstr(rs->body, "name=\"csrf\" value=\"") : NULL;
    assert_non_null(p);
    snprintf(out, 65, "%.64s", p + strlen("name=\"csrf\" value=\""));
}

static bool has(const cairn_server_response *rs, const char *s)
{
    return rs->body != NULL && strstr(rs->body, s) != NULL;
}

/* The security header set; `tls` adds HSTS. */
static void check_headers(const cairn_server_response *rs, bool tls)
{
    const char *csp =
        cairn_server_response_header(rs, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_null(strstr(csp, "unsafe-inline"));
    assert_null(strstr(csp, "script-src"));
    assert_string_equal(cairn_server_response_header(rs, "Cache-Control"),
                        "no-store");
    assert_string_equal(
        cairn_server_response_header(rs, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(cairn_server_response_header(rs, "Referrer-Policy"),
                        "no-referrer");
    const char *hsts =
        cairn_server_response_header(rs, "Strict-Transport-Security");
    if (tls) {
        assert_non_null(hsts);
    } else {
        assert_null(hsts);
    }
    if (rs->body != NULL) {
        assert_null(strstr(rs->body, "<script"));
    }
}

/* Log in; a browser already logged in fetches the form as a new tab
 * would without its session (GET /login then redirects). */
static void login(srvfix *f, browser *b, const char *name)
{
    cairn_server_response rs;
    char csrf[65];
    browser form = *b;
    form.session[0] = '\0';
    assert_int_equal(get(f, &form, "/login", &rs), 200);
    csrf_of(&rs, csrf);
    memcpy(b->login, form.login, sizeof b->login);
    cairn_server_response_free(&rs);
    const char *fields[] = {"csrf", csrf, "name", name, "password", PW, NULL};
    assert_int_equal(post(f, b, "/login", fields, &rs), 303);
    /* clinicians land on Today, researchers on Research */
    const char *home = cairn_server_response_header(&rs, "Location");
    assert_true(strcmp(home, "/today") == 0 || strcmp(home, "/research") == 0);
    cairn_server_response_free(&rs);
    assert_true(b->session[0] != '\0');
}

/* ------------------------------------------------------------------ */

static void test_server_escape(void **state)
{
    (void)state;
    srv_buf b = SRV_BUF_INIT;
    srv_esc(&b, "<a href=\"x\" title='y'>&amp;</a>\x01\xff ok \xc3\xa9");
    assert_string_equal(b.p, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;"
                             "&amp;amp;&lt;/a&gt;\xEF\xBF\xBD\xEF\xBF\xBD ok "
                             "\xc3\xa9");
    srv_buf_free(&b);
    /* what the engine's validator refuses never reaches a page: a
     * surrogate, an overlong form, beyond U+10FFFF, a C1 control */
    srv_esc(&b, "g\xed\xa0\x80"
                "h\xe0\x80\xaf"
                "i\xf4\x90\x80\x80"
                "j\xc2\x85"
                "k");
    assert_string_equal(b.p, "g\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                             "h\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                             "i\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                             "\xEF\xBF\xBD"
                             "j\xEF\xBF\xBD"
                             "k");
    srv_buf_free(&b);
}

static void test_server_routing_and_headers(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser b = {"", ""};
    static const struct {
        const char *method, *path;
        int status;
    } cases[] = {
        {"GET", "/", 303},        {"GET", "/login", 200},
        {"GET", "/start", 303},   {"GET", "/style.css", 200},
        {"GET", "/nowhere", 404}, {"PUT", "/login", 405},
        {"DELETE", "/s/x", 405},  {"GET", "/s/abc", 404},
        {"POST", "/login", 403},  {"POST", "/start", 303},
        {"HEAD", "/login", 200},  {"POST", "/s/abc", 403},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        call c = {cases[i].method, cases[i].path, NULL, NULL, NULL, NULL, NULL};
        do_call(f, &b, &c, &rs);
        if (rs.status != cases[i].status) {
            fail_msg("%s %s: %d, want %d", cases[i].method, cases[i].path,
                     rs.status, cases[i].status);
        }
        check_headers(&rs, false);
        cairn_server_response_free(&rs);
    }
    call c = {"PUT", "/login", NULL, NULL, NULL, NULL, NULL};
    do_call(f, &b, &c, &rs);
    assert_string_equal(cairn_server_response_header(&rs, "Allow"),
                        "GET, HEAD, POST");
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &b, "/style.css", &rs), 200);
    assert_string_equal(cairn_server_response_header(&rs, "Content-Type"),
                        "text/css; charset=utf-8");
    cairn_server_response_free(&rs);
}

static void test_server_bounds(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
    char path[CAIRN_SERVER_MAX_PATH + 10];
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    rq.path = path;
    cairn_server_handle(f->app, &rq, &rs);
    assert_int_equal(rs.status, 414);
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
    rq.path = "/login";
    rq.method = "POST";
    rq.too_large = true;
    cairn_server_handle(f->app, &rq, &rs);
    assert_int_equal(rs.status, 413);
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
}

static void test_server_login_cookies_rotation(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser b = {"", ""};
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    const char *ck = cairn_server_response_header(&rs, "Set-Cookie");
    assert_non_null(strstr(ck, "cairn_login="));
    cairn_server_response_free(&rs);
    login(f, &b, "dr.lee");
    char first[80];
    snprintf(first, sizeof first, "%s", b.session);
    assert_int_equal(strlen(first), 64);
    assert_int_equal(get(f, &b, "/start", &rs), 200);
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
    /* logging in again rotates the id and ends the old session */
    login(f, &b, "dr.lee");
    assert_string_not_equal(first, b.session);
    browser old = {"", ""};
    snprintf(old.session, sizeof old.session, "%s", first);
    assert_int_equal(get(f, &old, "/start", &rs), 303);
    cairn_server_response_free(&rs);
    /* the flags of the session cookie */
    assert_int_equal(get(f, &b, "/login", &rs), 303);
    cairn_server_response_free(&rs);
    browser c = {"", ""};
    char csrf[65];
    assert_int_equal(get(f, &c, "/login", &rs), 200);
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *fields[] = {"csrf", csrf, "name", "sup", "password", PW, NULL};
    assert_int_equal(post(f, &c, "/login", fields, &rs), 303);
    const char *sc = NULL;
    for (size_t i = 0; i < rs.n_headers; i++) {
        if (strstr(rs.headers[i].value, "cairn_session=") != NULL) {
            sc = rs.headers[i].value;
        }
    }
    assert_non_null(sc);
    assert_non_null(strstr(sc, "; HttpOnly"));
    assert_non_null(strstr(sc, "; SameSite=Strict"));
    assert_non_null(strstr(sc, "; Path=/"));
    assert_null(strstr(sc, "Secure"));
    cairn_server_response_free(&rs);
    /* idle time-out */
    f->now += 31 * 60;
    assert_int_equal(get(f, &c, "/start", &rs), 303);
    cairn_server_response_free(&rs);
}

static void test_server_tls_cookie_and_hsts(void **state)
{
    (void)state;
    srvfix *f = setup_with(test_catalog(), true);
    cairn_server_response rs;
    browser b = {"", ""};
    char csrf[65];
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    check_headers(&rs, true);
    assert_non_null(strstr(cairn_server_response_header(&rs, "Set-Cookie"),
                           "__Host-cairn_login="));
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *fields[] = {"csrf", csrf, "name", "sup", "password", PW, NULL};
    call c = {"POST",        "/login", fields, "https://127.0.0.1:8430",
              "same-origin", NULL,     NULL};
    do_call(f, &b, &c, &rs);
    assert_int_equal(rs.status, 303);
    bool found = false;
    for (size_t i = 0; i < rs.n_headers; i++) {
        const char *v = rs.headers[i].value;
        if (strncmp(v, "__Host-cairn_session=", 21) == 0) {
            found = true;
            assert_non_null(strstr(v, "; Secure"));
            assert_non_null(strstr(v, "; HttpOnly"));
            assert_non_null(strstr(v, "; SameSite=Strict"));
            assert_null(strstr(v, "Domain"));
        }
    }
    assert_true(found);
    check_headers(&rs, true);
    cairn_server_response_free(&rs);
    assert_string_equal(
        cairn_server_cookie_name(f->app, CAIRN_SERVER_COOKIE_SESSION),
        "__Host-cairn_session");
    srvfix *g = f;
    teardown((void **)&g);
}

static void test_server_csrf_and_cross_site(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser b = {"", ""};
    char csrf[65];
    login(f, &b, "dr.lee");
    assert_int_equal(get(f, &b, "/start", &rs), 200);
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *none[] = {"client", "C001", "instrument", "phq9",
                          "mode",   "link", NULL};
    const char *wrong[] = {"csrf",
                           "0000000000000000000000000000000000000000"
                           "000000000000000000000000",
                           "client",
                           "C001",
                           "instrument",
                           "phq9",
                           "mode",
                           "link",
                           NULL};
    const char *good[] = {"csrf", csrf,   "client", "C001", "instrument",
                          "phq9", "mode", "link",   NULL};
    assert_int_equal(post(f, &b, "/start", none, &rs), 403);
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
    assert_int_equal(post(f, &b, "/start", wrong, &rs), 403);
    cairn_server_response_free(&rs);
    call evil = {"POST", "/start", good, "https://evil.example",
                 NULL,   NULL,     NULL};
    do_call(f, &b, &evil, &rs);
    assert_int_equal(rs.status, 403);
    assert_true(has(&rs, "another site"));
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
    call site = {"POST", "/start", good, NULL, "cross-site", NULL, NULL};
    do_call(f, &b, &site, &rs);
    assert_int_equal(rs.status, 403);
    cairn_server_response_free(&rs);
    /* "Origin: null" (what no-referrer pages send) with a cross-site
     * fetch is refused; with a same-origin one the token decides */
    call null_site = {"POST", "/start", good, "null", "cross-site", NULL, NULL};
    do_call(f, &b, &null_site, &rs);
    assert_int_equal(rs.status, 403);
    cairn_server_response_free(&rs);
    call plain = {"POST", "/start", good, NULL, NULL, "text/plain", NULL};
    do_call(f, &b, &plain, &rs);
    assert_int_equal(rs.status, 415);
    cairn_server_response_free(&rs);
    /* the login form's token belongs to its own cookie */
    browser other = {"", ""};
    snprintf(other.login, sizeof other.login, "%064d", 7);
    const char *lf[] = {"csrf", csrf, "name", "dr.lee", "password", PW, NULL};
    assert_int_equal(post(f, &other, "/login", lf, &rs), 403);
    cairn_server_response_free(&rs);
    /* and the right one works */
    assert_int_equal(post(f, &b, "/start", good, &rs), 200);
    assert_true(has(&rs, "/s/"));
    cairn_server_response_free(&rs);
    /* logout needs the token too; then the session is gone */
    assert_int_equal(post(f, &b, "/logout", none, &rs), 403);
    cairn_server_response_free(&rs);
    const char *out[] = {"csrf", csrf, NULL};
    assert_int_equal(post(f, &b, "/logout", out, &rs), 303);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &b, "/start", &rs), 303);
    cairn_server_response_free(&rs);
}

static int failed_login(srvfix *f, const char *name, const char *addr,
                        const char *pw)
{
    cairn_server_response rs;
    browser b = {"", ""};
    char csrf[65];
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *fields[] = {"csrf", csrf, "name", name, "password", pw, NULL};
    call c = {"POST", "/login", fields, NULL, NULL, NULL, addr};
    do_call(f, &b, &c, &rs);
    int status = rs.status;
    check_headers(&rs, false);
    if (status == 429) {
        const char *ra = cairn_server_response_header(&rs, "Retry-After");
        assert_non_null(ra);
        assert_true(atoi(ra) > 0);
    }
    cairn_server_response_free(&rs);
    return status;
}

static void test_server_login_throttle(void **state)
{
    srvfix *f = *state;
    for (int i = 0; i < CAIRN_SERVER_LOGIN_FAILS_ACCOUNT; i++) {
        assert_int_equal(failed_login(f, "dr.lee", "10.0.0.1", "wrong pass"),
                         401);
    }
    /* throttled even with the right password, from another address */
    assert_int_equal(failed_login(f, "dr.lee", "10.0.0.2", PW), 429);
    /* other accounts are not */
    assert_int_equal(failed_login(f, "sup", "10.0.0.3", PW), 303);
    /* per address: many names from one address */
    int status = 0;
    for (int i = 0; i < CAIRN_SERVER_LOGIN_FAILS_ADDRESS; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        status = failed_login(f, name, "10.9.9.9", "wrong pass");
        assert_int_equal(status, 401);
    }
    assert_int_equal(failed_login(f, "sup", "10.9.9.9", PW), 429);
    /* the window passes */
    f->now += CAIRN_SERVER_LOGIN_WINDOW + 1;
    assert_int_equal(failed_login(f, "dr.lee", "10.0.0.2", PW), 303);
}

static void test_server_roles(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""}, res = {"", ""};
    char csrf[65];
    login(f, &lee, "dr.lee");
    assert_int_equal(get(f, &lee, "/start", &rs), 200);
    assert_true(has(&rs, "C001"));
    assert_false(has(&rs, "C002"));
    /* the free-text name is escaped */
    assert_true(has(&rs, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
                         "&amp; &quot;Sam&quot;"));
    assert_false(has(&rs, "<script>"));
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *theirs[] = {"csrf", csrf,   "client", "C002", "instrument",
                            "phq9", "mode", "link",   NULL};
    assert_int_equal(post(f, &lee, "/start", theirs, &rs), 400);
    cairn_server_response_free(&rs);
    login(f, &sup, "sup");
    assert_int_equal(get(f, &sup, "/start", &rs), 200);
    assert_true(has(&rs, "C001") && has(&rs, "C002"));
    cairn_server_response_free(&rs);
    login(f, &res, "res");
    assert_int_equal(get(f, &res, "/start", &rs), 403);
    assert_false(has(&rs, "C001"));
    assert_false(has(&rs, "Robin"));
    check_headers(&rs, false);
    cairn_server_response_free(&rs);
    /* the views are in the audit log under each person */
    cairn_audit_list *log = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_audit_list(&log, f->st, 0, &err), CAIRN_OK);
    int views = 0;
    for (size_t i = 0; i < log->n; i++) {
        if (strcmp(log->items[i].action, "view") == 0) {
            views++;
            assert_true(strcmp(log->items[i].who, "dr.lee") == 0 ||
                        strcmp(log->items[i].who, "sup") == 0);
        }
    }
    assert_true(views >= 2);
    cairn_store_audit_list_free(log);
}

/* ------------------------------------------------------------------ */
/* Self-report                                                         */

static void make_link(srvfix *f, char *path, cairn_link_kind kind,
                      const char *insts, int64_t *id)
{
    const char *list[1] = {insts};
    char token[CAIRN_LINK_TOKEN_LEN + 1];
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.kind = kind;
    o.client_code = "C001";
    o.instruments = list;
    o.n_instruments = 1;
    o.expires_seconds = 3600;
    assert_int_equal(cairn_store_link_add(token, id, f->st, &o, f->now, &err),
                     CAIRN_OK);
    sprintf(path, "/s/%s", token);
}

/* Nothing that identifies the client on a page reached by a link. */
static void anonymous(const cairn_server_response *rs)
{
    assert_false(has(rs, "C001"));
    assert_false(has(rs, "Sam"));
    assert_false(has(rs, "dr.lee"));
    check_headers(rs, false);
}

/* Walk a phone link for PHQ-9 through every screen, answering codes[]. */
static void walk_phone(srvfix *f, const char *path, const int codes[9],
                       cairn_server_response *rs)
{
    char csrf[65], at[16], a[9][16], name[9][16];
    browser b = {"", ""};
    assert_int_equal(get(f, &b, path, rs), 200);
    assert_true(has(rs, "Your clinic has asked you to answer 1 short "
                        "questionnaire."));
    anonymous(rs);
    csrf_of(rs, csrf);
    cairn_server_response_free(rs);
    const char *start[] = {"csrf", csrf, "at", "intro", "go", "next", NULL};
    assert_int_equal(post(f, &b, path, start, rs), 200);
    assert_true(has(rs, "These questions are about the last 2 weeks."));
    cairn_server_response_free(rs);
    const char *instr[] = {"csrf", csrf, "at", "0.i", "go", "next", NULL};
    assert_int_equal(post(f, &b, path, instr, rs), 200);
    for (int i = 0; i < 9; i++) {
        const char *fields[32];
        size_t n = 0;
        anonymous(rs);
        snprintf(name[i], sizeof name[i], "item%d", i + 1);
        assert_true(has(rs, name[i]));
        cairn_server_response_free(rs);
        fields[n++] = "csrf";
        fields[n++] = csrf;
        snprintf(at, sizeof at, "0.%d", i);
        fields[n++] = "at";
        fields[n++] = at;
        for (int k = 0; k < i; k++) {
            static char hn[9][16];
            snprintf(hn[k], sizeof hn[k], "a0_%d", k + 1);
            fields[n++] = hn[k];
            fields[n++] = a[k];
        }
        snprintf(a[i], sizeof a[i], "%d", codes[i]);
        fields[n++] = name[i];
        fields[n++] = a[i];
        fields[n++] = "go";
        fields[n++] = "next";
        fields[n] = NULL;
        assert_int_equal(post(f, &b, path, fields, rs), 200);
    }
    assert_true(has(rs, "Check your answers"));
    assert_true(has(rs, "Send my answers"));
    anonymous(rs);
    cairn_server_response_free(rs);
    const char *send[] = {"csrf", csrf,   "at",   "review", "go",
                          "send", "a0_1", a[0],   "a0_2",   a[1],
                          "a0_3", a[2],   "a0_4", a[3],     "a0_5",
                          a[4],   "a0_6", a[5],   "a0_7",   a[6],
                          "a0_8", a[7],   "a0_9", a[8],     NULL};
    post(f, &b, path, send, rs);
}

static void test_server_phone_link_walk(void **state)
{
    srvfix *f = *state;
    static const int codes[9] = {1, 2, 0, 3, 1, 0, 2, 1, 1};
    cairn_server_response rs;
    char path[64];
    int64_t id = 0;
    make_link(f, path, CAIRN_LINK_PHONE, "phq9", &id);
    walk_phone(f, path, codes, &rs);
    assert_int_equal(rs.status, 200);
    /* the words are cairn/client_text.h's, the phone's own */
    assert_true(has(&rs, cairn_client_text_thanks(CAIRN_CLIENT_AT_HOME)));
    assert_true(has(&rs, cairn_client_text_closing(CAIRN_CLIENT_AT_HOME)));
    assert_true(has(&rs, cairn_client_text_support_title()));
    assert_false(has(&rs, cairn_client_text_handback()));
    /* the crisis text, escaped, because item 9 was endorsed */
    assert_true(has(&rs, "Call the clinic &lt;on&gt; 0100 &amp; ask"));
    assert_false(has(&rs, "11")); /* never the score */
    anonymous(&rs);
    cairn_server_response_free(&rs);
    /* stored as record stores it: method, actor, flags */
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, f->st, "C001", "phq9",
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].method, CAIRN_METHOD_LINK);
    assert_string_equal(l->items[0].entered_by, "link:1");
    assert_true(l->items[0].scales[0].score == 11.0);
    assert_int_equal(l->items[0].n_flags, 1);
    cairn_store_assessment_list_free(l);
    /* spent: a reload says so, with 410 */
    browser b = {"", ""};
    assert_int_equal(get(f, &b, path, &rs), 410);
    assert_true(has(&rs, "Already completed"));
    assert_true(has(&rs, cairn_client_text_already_done()));
    anonymous(&rs);
    cairn_server_response_free(&rs);
    assert_int_equal(cairn_store_audit_verify(f->st, NULL, &err), CAIRN_OK);
}

static void test_server_link_states(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    cairn_error err = CAIRN_ERROR_INIT;
    browser b = {"", ""};
    char expired[64], revoked[64];
    int64_t id = 0;
    make_link(f, expired, CAIRN_LINK_PHONE, "gad7", &id);
    make_link(f, revoked, CAIRN_LINK_PHONE, "gad7", &id);
    assert_int_equal(cairn_store_link_revoke(f->st, id, f->now, &err),
                     CAIRN_OK);
    f->now += 3600;
    assert_int_equal(get(f, &b, expired, &rs), 410);
    assert_true(has(&rs, "no longer active"));
    /* the client's words, from cairn/client_text.h */
    assert_true(
        has(&rs, cairn_client_text_refusal(CAIRN_CLIENT_LINK_INACTIVE)));
    anonymous(&rs);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &b, revoked, &rs), 410);
    anonymous(&rs);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &b, "/s/aaaaaaaaaaaaaaaaaaaaaaaaaa", &rs), 404);
    assert_true(
        has(&rs, cairn_client_text_refusal_title(CAIRN_CLIENT_LINK_UNKNOWN)));
    assert_true(has(&rs, cairn_client_text_refusal(CAIRN_CLIENT_LINK_UNKNOWN)));
    anonymous(&rs);
    cairn_server_response_free(&rs);
    /* a POST to an expired link stores nothing */
    char csrf[65];
    cairn_token_csrf(csrf, expired + 3, NULL);
    const char *send[] = {"csrf", csrf, "at", "review", "go", "send", NULL};
    assert_int_equal(post(f, &b, expired, send, &rs), 410);
    cairn_server_response_free(&rs);
    /* a link page needs the link's own token */
    f->now -= 3600;
    char fresh[64];
    make_link(f, fresh, CAIRN_LINK_PHONE, "gad7", &id);
    const char *nocsrf[] = {"at", "intro", "go", "next", NULL};
    assert_int_equal(post(f, &b, fresh, nocsrf, &rs), 403);
    cairn_server_response_free(&rs);
}

static void test_server_get_changes_nothing(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_audit_list *before = NULL, *after = NULL;
    browser b = {"", ""};
    char path[64];
    int64_t id = 0;
    make_link(f, path, CAIRN_LINK_PHONE, "phq9", &id);
    assert_int_equal(cairn_store_audit_list(&before, f->st, 0, &err), CAIRN_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get(f, &b, path, &rs), 200);
        cairn_server_response_free(&rs);
        assert_int_equal(get(f, &b, "/login", &rs), 200);
        cairn_server_response_free(&rs);
    }
    assert_int_equal(cairn_store_audit_list(&after, f->st, 0, &err), CAIRN_OK);
    assert_int_equal(before->n, after->n);
    cairn_store_audit_list_free(before);
    cairn_store_audit_list_free(after);
    cairn_link *l = NULL;
    assert_int_equal(cairn_store_link_get(&l, f->st, id, f->now, &err),
                     CAIRN_OK);
    assert_int_equal(l->state, CAIRN_LINK_ACTIVE);
    cairn_store_link_free(l);
}

/* The last audit entry's action and who. */
static void last_entry_is(cairn_store *st, const char *action, const char *who)
{
    cairn_audit_list *log = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_audit_list(&log, st, 1, &err), CAIRN_OK);
    assert_string_equal(log->items[0].action, action);
    assert_string_equal(log->items[0].who, who);
    cairn_store_audit_list_free(log);
}

/* The server prunes ended sessions at its first request and hourly. */
static void test_server_prunes_hourly(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    cairn_error err = CAIRN_ERROR_INIT;
    browser b = {"", ""};
    char sid[CAIRN_SESSION_ID_LEN + 1];
    int64_t id = 0;
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    cairn_server_response_free(&rs);
    assert_int_equal(cairn_store_account_add(
                         f->st, "locum", CAIRN_ROLE_CLINICIAN, PW, &id, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_session_new(sid, f->st, id, f->now, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_session_end(f->st, sid, f->now + 1, &err),
                     CAIRN_OK);
    f->now += 60; /* within the hour: not yet */
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    cairn_server_response_free(&rs);
    last_entry_is(f->st, "session.logout", "anonymous");
    f->now += 3600;
    assert_int_equal(get(f, &b, "/login", &rs), 200);
    cairn_server_response_free(&rs);
    last_entry_is(f->st, "store.prune", "server");
    assert_int_equal(cairn_store_audit_verify(f->st, NULL, &err), CAIRN_OK);
}

static void test_server_skip_rule(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser b = {"", ""};
    char path[64], csrf[65];
    int64_t id = 0;
    make_link(f, path, CAIRN_LINK_PHONE, "phq9", &id);
    cairn_token_csrf(csrf, path + 3, NULL);
    /* PHQ-9 allows two missing items: the third skip is not offered */
    const char *two[] = {"csrf", csrf, "at", "0.2",  "a0_1", "s",
                         "a0_2", "s",  "go", "next", NULL};
    assert_int_equal(post(f, &b, path, two, &rs), 422);
    assert_true(has(&rs, "Please choose an answer to go on."));
    assert_false(has(&rs, "value=\"skip\""));
    cairn_server_response_free(&rs);
    const char *force[] = {"csrf", csrf, "at", "0.2",  "a0_1", "s",
                           "a0_2", "s",  "go", "skip", NULL};
    assert_int_equal(post(f, &b, path, force, &rs), 422);
    cairn_server_response_free(&rs);
    const char *one[] = {"csrf", csrf, "at",   "0.2", "a0_1",
                         "s",    "go", "skip", NULL};
    assert_int_equal(post(f, &b, path, one, &rs), 200);
    assert_true(has(&rs, "name=\"item4\""));
    assert_true(has(&rs, "name=\"a0_3\" value=\"s\""));
    cairn_server_response_free(&rs);
}

static void test_server_tablet(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser b = {"", ""};
    char csrf[65], where[64];
    login(f, &b, "dr.lee");
    assert_int_equal(get(f, &b, "/start", &rs), 200);
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    const char *start[] = {"csrf", csrf,   "client", "C001", "instrument",
                           "gad7", "mode", "tablet", NULL};
    assert_int_equal(post(f, &b, "/start", start, &rs), 303);
    snprintf(where, sizeof where, "%s",
             cairn_server_response_header(&rs, "Location"));
    cairn_server_response_free(&rs);
    assert_int_equal(strncmp(where, "/s/", 3), 0);
    /* the clinician is logged out on the tablet */
    assert_string_equal(b.session, "");
    assert_int_equal(get(f, &b, "/start", &rs), 303);
    cairn_server_response_free(&rs);
    char lc[65];
    cairn_token_csrf(lc, where + 3, NULL);
    const char *intro[] = {"csrf", lc, "at", "intro", "go", "next", NULL};
    assert_int_equal(post(f, &b, where, intro, &rs), 200);
    for (int i = 1; i <= 7; i++) {
        char n[16];
        snprintf(n, sizeof n, "item%d", i);
        assert_true(has(&rs, n)); /* all items on one screen */
    }
    anonymous(&rs);
    cairn_server_response_free(&rs);
    const char *page[] = {"csrf",  lc,     "at",    "0.p", "item1", "1",
                          "item2", "1",    "item3", "0",   "item4", "2",
                          "item5", "0",    "item6", "1",   "item7", "0",
                          "go",    "next", NULL};
    assert_int_equal(post(f, &b, where, page, &rs), 200);
    assert_true(has(&rs, "Check your answers"));
    cairn_server_response_free(&rs);
    const char *send[] = {"csrf", lc,     "at",   "review", "a0_1", "1",
                          "a0_2", "1",    "a0_3", "0",      "a0_4", "2",
                          "a0_5", "0",    "a0_6", "1",      "a0_7", "0",
                          "go",   "send", NULL};
    assert_int_equal(post(f, &b, where, send, &rs), 200);
    assert_true(has(&rs, cairn_client_text_thanks(CAIRN_CLIENT_IN_ROOM)));
    assert_true(has(&rs, cairn_client_text_handback()));
    assert_false(has(&rs, "href=\"/start\""));
    anonymous(&rs);
    cairn_server_response_free(&rs);
    cairn_assessment_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_assessment_list(&l, f->st, "C001", "gad7",
                                                 CAIRN_LIST_CURRENT, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].method, CAIRN_METHOD_TABLET);
    cairn_store_assessment_list_free(l);
}

/* Every text a definition brings is escaped on the client's pages. */
static void test_server_definition_text_escaped(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-srv-XXXXXX", path[128], cmd[512];
    cairn_catalog *cat = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/gad2.json", dir);
    snprintf(cmd, sizeof cmd,
             "sed -e 's/\"name\": \"[^\"]*\"/\"name\": \"<b>N<\\/b>\"/' "
             "-e 's/\"label\": \"\\([^\"]*\\)\"/\"label\": \"<i>\\1\"/g' "
             "-e 's/\"text\": \"\\([^\"]*\\)\"/\"text\": \"<u>\\1\"/g' "
             "-e 's/\"instructions\": \"/\"instructions\": \"<em>/' "
             "%s/gad2.json > %s",
             test_instrument_dir(), path);
    assert_int_equal(system(cmd), 0);
    if (cairn_catalog_load(&cat, dir, NULL, &err) < 0) {
        fail_msg("%s", err.message);
    }
    srvfix *f = setup_with(cat, false);
    cairn_server_response rs;
    browser b = {"", ""};
    char link[64], csrf[65];
    int64_t id = 0;
    make_link(f, link, CAIRN_LINK_TABLET, "gad2", &id);
    cairn_token_csrf(csrf, link + 3, NULL);
    const char *intro[] = {"csrf", csrf, "at", "intro", "go", "next", NULL};
    assert_int_equal(post(f, &b, link, intro, &rs), 200);
    assert_true(has(&rs, "&lt;b&gt;N&lt;/b&gt;"));
    assert_true(has(&rs, "&lt;em&gt;"));
    assert_true(has(&rs, "&lt;i&gt;") || has(&rs, "&lt;u&gt;"));
    assert_false(has(&rs, "<b>") || has(&rs, "<i>") || has(&rs, "<u>") ||
                 has(&rs, "<em>"));
    cairn_server_response_free(&rs);
    teardown((void **)&f);
    cairn_catalog_free(cat);
    unlink(path);
    rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* The dashboard                                                       */

/* C001 (dr.lee's): PHQ-9 with item 9 endorsed on the latest; C002
 * (dr.kim's): rising scores, no risk. */
static void dash_data(srvfix *f)
{
    test_phq9(f->st, "C001", "2026-05-01", 18, false);
    test_phq9(f->st, "C001", "2026-05-15", 16, true);
    test_phq9(f->st, "C002", "2026-04-01", 4, false);
    test_phq9(f->st, "C002", "2026-04-08", 20, false);
}

/* The value of the hidden "alert" field of the first alert form. */
static void first_alert(const cairn_server_response *rs, char *out, size_t size)
{
    const char *p = strstr(rs->body, "name=\"alert\" value=\"");
    assert_non_null(p);
    p += strlen("name=\"alert\" value=\"");
    snprintf(out, size, "%.*s", (int)strcspn(p, "\""), p);
}

static void test_server_dashboard_roles(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""}, res = {"", ""};
    static const char *const clinical[] = {"/today", "/caseload"};
    dash_data(f);
    login(f, &lee, "dr.lee");
    login(f, &sup, "sup");
    login(f, &res, "res");
    assert_int_equal(get(f, &lee, "/", &rs), 303);
    assert_string_equal(cairn_server_response_header(&rs, "Location"),
                        "/today");
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &res, "/", &rs), 303);
    assert_string_equal(cairn_server_response_header(&rs, "Location"),
                        "/research");
    cairn_server_response_free(&rs);
    for (size_t i = 0; i < 2; i++) {
        browser none = {"", ""};
        assert_int_equal(get(f, &none, clinical[i], &rs), 303);
        cairn_server_response_free(&rs);
        assert_int_equal(get(f, &res, clinical[i], &rs), 403);
        assert_false(has(&rs, "C001") || has(&rs, "Robin"));
        cairn_server_response_free(&rs);
        /* a clinician sees their own clients only */
        assert_int_equal(get(f, &lee, clinical[i], &rs), 200);
        check_headers(&rs, false);
        assert_true(has(&rs, "C001"));
        assert_false(has(&rs, "C002") || has(&rs, "Robin"));
        assert_false(has(&rs, "<script>"));
        /* the navigation names the page and hides what is refused */
        assert_true(has(&rs, "aria-current=\"page\""));
        assert_false(has(&rs, "href=\"/research\""));
        cairn_server_response_free(&rs);
        assert_int_equal(get(f, &sup, clinical[i], &rs), 200);
        assert_true(has(&rs, "C001") && has(&rs, "Robin"));
        cairn_server_response_free(&rs);
    }
    /* due: Robin's PHQ-9 comes every 7 days and was 50 days ago; C001's
     * every 14 days, 13 days ago, is not due yet */
    assert_int_equal(get(f, &sup, "/today", &rs), 200);
    assert_true(has(&rs, "Robin <span class=\"code\">(C002)</span></a></td>"
                         "<td>PHQ-9</td><td>2026-04-08</td><td>7 days</td>"
                         "<td>50</td>"));
    assert_false(has(&rs, "<td>2026-05-15</td>"));
    cairn_server_response_free(&rs);
}

static void test_server_alert_lifecycle(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""};
    char csrf[65], key[64], kim_key[64];
    dash_data(f);
    login(f, &lee, "dr.lee");
    login(f, &sup, "sup");
    /* the supervisor's Today lists C002's alert after C001's risk */
    assert_int_equal(get(f, &sup, "/today", &rs), 200);
    const char *risk = strstr(rs.body, "Risk item endorsed");
    const char *worse = strstr(rs.body, "Reliable deterioration");
    assert_true(risk != NULL && worse != NULL && risk < worse);
    const char *k = strstr(worse, "name=\"alert\" value=\"");
    assert_non_null(k);
    k += strlen("name=\"alert\" value=\"");
    snprintf(kim_key, sizeof kim_key, "%.*s", (int)strcspn(k, "\""), k);
    cairn_server_response_free(&rs);

    assert_int_equal(get(f, &lee, "/today", &rs), 200);
    assert_true(has(&rs, "Risk item endorsed (latest assessment)"));
    assert_true(has(&rs, "PHQ-9 &middot; raised 13 days ago"));
    assert_false(has(&rs, ">risk:")); /* no internal ids on screen */
    csrf_of(&rs, csrf);
    first_alert(&rs, key, sizeof key);
    cairn_server_response_free(&rs);
    const char *no_token[] = {"alert", key, "action", "ack", "note", "x", NULL};
    assert_int_equal(post(f, &lee, "/alert", no_token, &rs), 403);
    cairn_server_response_free(&rs);
    const char *no_note[] = {"csrf", csrf,   "alert", key, "action",
                             "ack",  "note", "",      NULL};
    assert_int_equal(post(f, &lee, "/alert", no_note, &rs), 400);
    assert_true(has(&rs, "Please say in a few words what was done"));
    cairn_server_response_free(&rs);
    /* another clinician's client's alert is not theirs to answer */
    const char *not_mine[] = {"csrf", csrf,   "alert", kim_key, "action",
                              "ack",  "note", "seen",  NULL};
    assert_int_equal(post(f, &lee, "/alert", not_mine, &rs), 404);
    cairn_server_response_free(&rs);
    /* nor is a key that names no assessment, or is not a key */
    static const char *const nobody[] = {"risk:99999:9", "risk", ""};
    for (size_t i = 0; i < sizeof nobody / sizeof nobody[0]; i++) {
        const char *none[] = {"csrf", csrf,   "alert", nobody[i], "action",
                              "ack",  "note", "seen",  NULL};
        assert_int_equal(post(f, &lee, "/alert", none, &rs), 404);
        assert_true(has(&rs, "That alert is not among your clients"));
        cairn_server_response_free(&rs);
    }
    const char *ack[] = {"csrf",   csrf,  "alert", key,
                         "action", "ack", "note",  "called, safety plan <ok>",
                         NULL};
    assert_int_equal(post(f, &lee, "/alert", ack, &rs), 303);
    assert_string_equal(cairn_server_response_header(&rs, "Location"),
                        "/today?done=ack");
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/today?done=ack", &rs), 200);
    assert_true(has(&rs, "The alert was acknowledged."));
    /* (the store stamps actions with the clock, not the request) */
    assert_true(has(&rs, "Acknowledged by dr.lee on "));
    assert_true(has(&rs, ": called, safety plan &lt;ok&gt;</li>"));
    assert_true(has(&rs, "&middot; acknowledged"));
    cairn_server_response_free(&rs);
    const char *resolve[] = {"csrf",    csrf,   "alert",       key, "action",
                             "resolve", "note", "GP informed", NULL};
    assert_int_equal(post(f, &lee, "/alert", resolve, &rs), 303);
    cairn_server_response_free(&rs);
    /* resolved: gone from Today, and it cannot be acknowledged again */
    assert_int_equal(get(f, &lee, "/today", &rs), 200);
    assert_false(has(&rs, "Risk item endorsed"));
    cairn_server_response_free(&rs);
    assert_int_equal(post(f, &lee, "/alert", ack, &rs), 409);
    assert_true(has(&rs, "already resolved, so it cannot be acknowledged"));
    cairn_server_response_free(&rs);
    /* the store holds both notes, under dr.lee, as `cairn alert` does */
    cairn_alert_record_list *h = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    size_t first = 0;
    assert_int_equal(cairn_store_alert_history(&h, f->st, &err), CAIRN_OK);
    assert_int_equal(cairn_alert_notes(h, key, &first), 2);
    assert_string_equal(h->items[first].who, "dr.lee");
    assert_string_equal(h->items[first + 1].note, "GP informed");
    cairn_store_alert_list_free(h);
}

static void test_server_caseload_page(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser sup = {"", ""};
    dash_data(f);
    login(f, &sup, "sup");
    /* the engine's order: C001 (risk) first */
    assert_int_equal(get(f, &sup, "/caseload", &rs), 200);
    const char *a = strstr(rs.body, "data-client=\"C001\"");
    const char *b = strstr(rs.body, "data-client=\"C002\"");
    assert_true(a != NULL && b != NULL && a < b);
    assert_true(has(&rs, "<polyline points=\""));
    assert_true(has(&rs, "&lt;script&gt;")); /* the name, escaped */
    assert_true(has(&rs, "2 clients, active"));
    cairn_server_response_free(&rs);
    /* highest score first: C002 (20) before C001 (16) */
    assert_int_equal(get(f, &sup, "/caseload?sort=score", &rs), 200);
    a = strstr(rs.body, "data-client=\"C001\"");
    b = strstr(rs.body, "data-client=\"C002\"");
    assert_true(a != NULL && b != NULL && b < a);
    assert_true(has(&rs, "<td class=\"num change\">+16</td>"));
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &sup, "/caseload?q=robin", &rs), 200);
    assert_false(has(&rs, "data-client=\"C001\""));
    assert_true(has(&rs, "data-client=\"C002\""));
    /* the column links keep the filter */
    assert_true(has(&rs, "href=\"/caseload?sort=score&amp;q=robin\""));
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &sup, "/caseload?alerts=1&q=C00", &rs), 200);
    assert_true(has(&rs, "2 clients"));
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &sup, "/caseload?instrument=gad7", &rs), 200);
    assert_true(has(&rs, "No client matches."));
    cairn_server_response_free(&rs);
}

static void test_server_dashboard_links_today(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""};
    char path[64];
    int64_t id = 0;
    cairn_error err = CAIRN_ERROR_INIT;
    make_link(f, path, CAIRN_LINK_PHONE, "phq9", &id);
    /* a link for dr.kim's client, two days ago: not since yesterday */
    const char *list[1] = {"gad7"};
    char token[CAIRN_LINK_TOKEN_LEN + 1];
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    o.client_code = "C002";
    o.instruments = list;
    o.n_instruments = 1;
    assert_int_equal(cairn_store_link_add(token, NULL, f->st, &o,
                                          f->now - 2 * 86400 - 3600, &err),
                     CAIRN_OK);
    cairn_link_list *l = NULL;
    assert_int_equal(
        cairn_store_link_list(&l, f->st, f->now - 86400, f->now, &err),
        CAIRN_OK);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0]->id, id);
    assert_int_equal(l->items[0]->state, CAIRN_LINK_ACTIVE);
    cairn_store_link_list_free(l);
    assert_int_equal(cairn_store_link_list(&l, f->st, 0, f->now, &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 2);
    cairn_store_link_list_free(l);
    login(f, &lee, "dr.lee");
    assert_int_equal(get(f, &lee, "/today", &rs), 200);
    assert_true(has(&rs, "<td>PHQ-9</td><td>phone link</td><td>waiting for "
                         "answers</td>"));
    assert_false(has(&rs, "Robin"));
    cairn_server_response_free(&rs);
    /* the supervisor sees the practice, and still only since yesterday */
    login(f, &sup, "sup");
    assert_int_equal(get(f, &sup, "/today", &rs), 200);
    assert_true(has(&rs, "waiting for answers"));
    assert_false(has(&rs, "GAD-7"));
    cairn_server_response_free(&rs);
}

static void test_server_dashboard_outcomes_research(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""}, res = {"", ""};
    char csrf[65];
    dash_data(f);
    login(f, &lee, "dr.lee");
    login(f, &sup, "sup");
    login(f, &res, "res");
    assert_int_equal(get(f, &lee, "/outcomes", &rs), 403);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/research", &rs), 403);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &res, "/outcomes", &rs), 403);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &sup, "/outcomes", &rs), 200);
    assert_true(has(&rs, "<h2>PHQ-9"));
    assert_true(has(&rs, "2 clients, 2 with two or more scores."));
    assert_true(has(&rs, "at least 10 are needed"));
    assert_false(has(&rs, "C001") || has(&rs, "Robin"));
    cairn_server_response_free(&rs);
    /* no site key given to the server: no export, said calmly */
    assert_int_equal(get(f, &res, "/research", &rs), 200);
    assert_true(has(&rs, "The export needs the clinic's site key"));
    assert_false(has(&rs, "C001") || has(&rs, "Robin"));
    csrf_of(&rs, csrf);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &res, "/research/export.csv", &rs), 404);
    cairn_server_response_free(&rs);
    const char *none[] = {"instrument", "phq9", NULL};
    assert_int_equal(post(f, &res, "/research/aggregate", none, &rs), 403);
    cairn_server_response_free(&rs);
    const char *agg[] = {"csrf", csrf, "instrument", "phq9", NULL};
    assert_int_equal(post(f, &res, "/research/aggregate", agg, &rs), 200);
    assert_string_equal(
        cairn_server_response_header(&rs, "Content-Disposition"),
        "attachment; filename=\"aggregate-phq9.json\"");
    assert_true(has(&rs, "\"instrument\""));
    assert_false(has(&rs, "C001"));
    cairn_server_response_free(&rs);
    /* the same clients again may be released; one more is refused, as
     * the two releases would reveal that client by subtraction */
    assert_int_equal(post(f, &res, "/research/aggregate", agg, &rs), 200);
    cairn_server_response_free(&rs);
    add_client(f->st, "C003", "Kai", "dr.lee");
    test_phq9(f->st, "C003", "2026-05-01", 9, false);
    assert_int_equal(post(f, &res, "/research/aggregate", agg, &rs), 409);
    assert_true(has(&rs, "This summary was not released"));
    cairn_server_response_free(&rs);
}

static void test_server_dashboard_downloads(void **state)
{
    srvfix *f = *state;
    cairn_server_response rs;
    browser lee = {"", ""}, sup = {"", ""};
    dash_data(f);
    login(f, &lee, "dr.lee");
    login(f, &sup, "sup");
    assert_int_equal(get(f, &lee, "/downloads", &rs), 200);
    assert_true(has(&rs, "href=\"/downloads/client/C001.xlsx\""));
    assert_false(has(&rs, "C002"));
    assert_false(has(&rs, "/downloads/cohort/"));
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/downloads/caseload.xlsx", &rs), 200);
    assert_string_equal(cairn_server_response_header(&rs, "Content-Type"),
                        "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet");
    assert_string_equal(
        cairn_server_response_header(&rs, "Content-Disposition"),
        "attachment; filename=\"caseload.xlsx\"");
    assert_true(rs.body_len > 1000 && memcmp(rs.body, "PK", 2) == 0);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/downloads/client/C001.xlsx", &rs), 200);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/downloads/client/C002.xlsx", &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/downloads/cohort/phq9.xlsx", &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &lee, "/downloads/elsewhere.txt", &rs), 404);
    cairn_server_response_free(&rs);
    assert_int_equal(get(f, &sup, "/downloads/cohort/phq9.xlsx", &rs), 200);
    assert_true(memcmp(rs.body, "PK", 2) == 0);
    cairn_server_response_free(&rs);
    /* no partner: no couple workbook */
    assert_int_equal(get(f, &sup, "/downloads/couple/C001.xlsx", &rs), 404);
    cairn_server_response_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_escape),
        cmocka_unit_test_setup_teardown(test_server_routing_and_headers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_login_cookies_rotation,
                                        setup, teardown),
        cmocka_unit_test(test_server_tls_cookie_and_hsts),
        cmocka_unit_test_setup_teardown(test_server_csrf_and_cross_site, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_login_throttle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_phone_link_walk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_link_states, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_get_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_skip_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_prunes_hourly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_tablet, setup, teardown),
        cmocka_unit_test(test_server_definition_text_escaped),
        cmocka_unit_test_setup_teardown(test_server_dashboard_roles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_alert_lifecycle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_caseload_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_dashboard_links_today,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_dashboard_outcomes_research,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_dashboard_downloads, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
