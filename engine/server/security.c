/*
 * security.c - the one door every request comes through.
 *
 * In order: bounds (path, body, fields), the method, the session from
 * its cookie, then for every POST the cross-site refusal (Origin,
 * Sec-Fetch-Site) and the CSRF token its route requires, the role the
 * route requires, and only then the page handler.  Whatever the handler
 * or a refusal produced, the security headers are added last, so no
 * response - error pages included - goes out without them.  GET handlers
 * change nothing but the audit log's record of who viewed what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "page_client.h"
#include "server_internal.h"

/* What a route asks of a request before its handler runs. */
enum csrf_kind { CSRF_NONE, CSRF_SESSION, CSRF_LOGIN, CSRF_LINK };

typedef struct route {
    const char *method;
    const char *path;    /* exact, or a prefix when ending in '/' */
    enum csrf_kind csrf; /* POST only */
    bool login;          /* needs a live session */
    bool clinical;       /* identifiable: refused to researchers */
    void (*page)(srv_ctx *c);
    void (*link_page)(srv_ctx *c, const char *arg); /* the rest of the
                                                         path: a link's
                                                         token, a client */
    unsigned roles; /* SRV_ROLES_*: who may; 0 = any logged-in role */
} route;

static void root_get(srv_ctx *c)
{
    srv_redirect(c->rs, c->session != NULL
                            ? srv_home_path(c->session->account.role)
                            : "/login");
}

static const route routes[] = {
    {"GET", "/", CSRF_NONE, false, false, root_get, NULL, 0},
    {"GET", "/style.css", CSRF_NONE, false, false, srv_style_get, NULL, 0},
    {"GET", "/login", CSRF_NONE, false, false, srv_login_get, NULL, 0},
    {"POST", "/login", CSRF_LOGIN, false, false, srv_login_post, NULL, 0},
    {"POST", "/logout", CSRF_SESSION, true, false, srv_logout_post, NULL, 0},
    {"GET", "/start", CSRF_NONE, true, true, srv_start_get, NULL, 0},
    {"POST", "/start", CSRF_SESSION, true, true, srv_start_post, NULL, 0},
    {"GET", "/client/", CSRF_NONE, true, true, NULL, srv_client_get,
     SRV_ROLES_CLINICAL},
    {"POST", "/client/", CSRF_SESSION, true, true, NULL, srv_client_post,
     SRV_ROLES_CLINICAL},
    {"GET", "/couple/", CSRF_NONE, true, true, NULL, srv_couple_get,
     SRV_ROLES_CLINICAL},
    {"GET", "/s/", CSRF_NONE, false, false, NULL, srv_form_get, 0},
    {"POST", "/s/", CSRF_LINK, false, false, NULL, srv_form_post, 0},
    /* the dashboard */
    {"GET", "/today", CSRF_NONE, true, true, srv_today_get, NULL,
     SRV_ROLES_CLINICAL},
    {"POST", "/alert", CSRF_SESSION, true, true, srv_alert_post, NULL,
     SRV_ROLES_CLINICAL},
    {"GET", "/caseload", CSRF_NONE, true, true, srv_caseload_get, NULL,
     SRV_ROLES_CLINICAL},
    {"GET", "/outcomes", CSRF_NONE, true, false, srv_outcomes_get, NULL,
     SRV_ROLES_OUTCOMES},
    {"GET", "/research", CSRF_NONE, true, false, srv_research_get, NULL,
     SRV_ROLES_RESEARCH},
    {"GET", "/research/", CSRF_NONE, true, false, srv_research_file_get, NULL,
     SRV_ROLES_RESEARCH},
    {"POST", "/research/aggregate", CSRF_SESSION, true, false,
     srv_research_aggregate_post, NULL, SRV_ROLES_RESEARCH},
    {"GET", "/downloads", CSRF_NONE, true, true, srv_downloads_get, NULL,
     SRV_ROLES_CLINICAL},
    {"GET", "/downloads/", CSRF_NONE, true, true, srv_download_file_get, NULL,
     SRV_ROLES_CLINICAL},
};

/* ------------------------------------------------------------------ */
/* Responses                                                           */

void srv_header(cairn_server_response *rs, const char *name, const char *value)
{
    if (rs->n_headers >= CAIRN_SERVER_MAX_HEADERS) {
        rs->oom = true;
        return;
    }
    cairn_server_header *h = &rs->headers[rs->n_headers];
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        rs->oom = true;
        return;
    }
    rs->n_headers++;
}

const char *cairn_server_response_header(const cairn_server_response *rs,
                                         const char *name)
{
    for (size_t i = 0; i < rs->n_headers; i++) {
        if (strcasecmp(rs->headers[i].name, name) == 0) {
            return rs->headers[i].value;
        }
    }
    return NULL;
}

static void set_body(cairn_server_response *rs, srv_buf *b)
{
    free(rs->body);
    rs->body = b->p;
    rs->body_len = b->len;
    rs->oom = rs->oom || b->oom;
    b->p = NULL;
    b->len = b->cap = 0;
}

void srv_html(cairn_server_response *rs, int status, srv_buf *b)
{
    rs->status = status;
    srv_header(rs, "Content-Type", "text/html; charset=utf-8");
    set_body(rs, b);
}

void srv_redirect(cairn_server_response *rs, const char *location)
{
    srv_buf b = SRV_BUF_INIT;
    rs->status = 303;
    srv_header(rs, "Location", location);
    srv_header(rs, "Content-Type", "text/plain; charset=utf-8");
    srv_put(&b, "See other\n");
    set_body(rs, &b);
}

void srv_message(cairn_server_response *rs, int status, const char *title,
                 const char *message)
{
    srv_buf b = SRV_BUF_INIT;
    srv_page_begin(&b, title);
    srv_put(&b, "<h1>");
    srv_esc(&b, title);
    srv_put(&b, "</h1>\n<p>");
    srv_esc(&b, message);
    srv_put(&b, "</p>\n");
    srv_page_end(&b);
    srv_html(rs, status, &b);
}

static bool secure(const cairn_server_app *app)
{
    return app->cfg.tls || app->cfg.behind_proxy;
}

const char *cairn_server_cookie_name(const cairn_server_app *app,
                                     cairn_server_cookie which)
{
    if (which == CAIRN_SERVER_COOKIE_LOGIN) {
        return secure(app) ? "__Host-cairn_login" : "cairn_login";
    }
    return secure(app) ? "__Host-cairn_session" : "cairn_session";
}

static void cookie(srv_ctx *c, cairn_server_cookie which, const char *value,
                   long max_age)
{
    srv_buf b = SRV_BUF_INIT;
    srv_put(&b, cairn_server_cookie_name(c->app, which));
    srv_put(&b, "=");
    srv_put(&b, value != NULL ? value : "");
    srv_put(&b, "; Path=/; HttpOnly; SameSite=Strict");
    if (secure(c->app)) {
        srv_put(&b, "; Secure");
    }
    if (value == NULL) {
        srv_put(&b, "; Max-Age=0");
    } else if (max_age > 0) {
        srv_put(&b, "; Max-Age=");
        srv_int(&b, max_age);
    }
    if (b.oom) {
        c->rs->oom = true;
    } else {
        srv_header(c->rs, "Set-Cookie", b.p);
    }
    srv_buf_free(&b);
}

void srv_session_cookie(srv_ctx *c, const char *value)
{
    /* no Max-Age: a session cookie, gone when the browser closes */
    cookie(c, CAIRN_SERVER_COOKIE_SESSION, value, 0);
}

void srv_login_cookie(srv_ctx *c, const char *value)
{
    cookie(c, CAIRN_SERVER_COOKIE_LOGIN, value, 1800);
}

void srv_csrf_field(srv_buf *b, const char *token)
{
    srv_put(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    srv_esc(b, token);
    srv_put(b, "\">\n");
}

void srv_own_origin(const srv_ctx *c, srv_buf *b)
{
    srv_put(b, secure(c->app) ? "https://" : "http://");
    srv_put(b, c->rq->host != NULL ? c->rq->host : "");
}

const char *srv_field(const srv_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->rq->n_fields; i++) {
        if (strcmp(c->rq->fields[i].name, name) == 0) {
            return c->rq->fields[i].value;
        }
    }
    return NULL;
}

const char *srv_query(const srv_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->rq->n_query; i++) {
        if (strcmp(c->rq->query[i].name, name) == 0) {
            return c->rq->query[i].value;
        }
    }
    return NULL;
}

bool srv_may_see(const cairn_session *s, const cairn_client *cl)
{
    if (s == NULL || cl == NULL) {
        return false;
    }
    if (cairn_role_sees_practice(s->account.role)) {
        return true;
    }
    return s->account.role == CAIRN_ROLE_CLINICIAN && cl->clinician != NULL &&
           strcmp(cl->clinician, s->account.name) == 0;
}

/* The header set of every response. */
static void security_headers(const cairn_server_app *app,
                             cairn_server_response *rs)
{
    srv_header(rs, "Content-Security-Policy",
               "default-src 'none'; style-src 'self'; img-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'");
    srv_header(rs, "Cache-Control", "no-store");
    srv_header(rs, "X-Content-Type-Options", "nosniff");
    srv_header(rs, "Referrer-Policy", "no-referrer");
    srv_header(rs, "X-Frame-Options", "DENY");
    srv_header(rs, "Cross-Origin-Opener-Policy", "same-origin");
    srv_header(rs, "Cross-Origin-Resource-Policy", "same-origin");
    if (secure(app)) {
        srv_header(rs, "Strict-Transport-Security",
                   "max-age=31536000; includeSubDomains");
    }
}

/* ------------------------------------------------------------------ */
/* The checks                                                          */

static int check_bounds(const cairn_server_request *rq)
{
    if (rq->path == NULL || strlen(rq->path) > CAIRN_SERVER_MAX_PATH) {
        return 414;
    }
    if (rq->too_large || rq->n_fields > CAIRN_SERVER_MAX_FIELDS) {
        return 413;
    }
    for (size_t i = 0; i < rq->n_fields; i++) {
        if (strlen(rq->fields[i].value) > CAIRN_SERVER_MAX_VALUE ||
            strlen(rq->fields[i].name) > 64) {
            return 413;
        }
    }
    return 0;
}

/*
 * A POST that a page of another site could have sent is refused.  Under
 * "Referrer-Policy: no-referrer" browsers send "Origin: null" even from
 * our own forms, so a null origin decides nothing: Sec-Fetch-Site (sent
 * by current browsers) and the CSRF token still do.
 */
static bool cross_site(const srv_ctx *c)
{
    const cairn_server_request *rq = c->rq;
    if (rq->sec_fetch_site != NULL &&
        strcmp(rq->sec_fetch_site, "same-origin") != 0 &&
        strcmp(rq->sec_fetch_site, "none") != 0) {
        return true;
    }
    if (rq->origin != NULL && strcmp(rq->origin, "null") != 0) {
        srv_buf own = SRV_BUF_INIT;
        srv_own_origin(c, &own);
        bool same =
            rq->host != NULL && !own.oom && strcmp(own.p, rq->origin) == 0;
        srv_buf_free(&own);
        return !same;
    }
    return false;
}

static bool form_body(const cairn_server_request *rq)
{
    const char *t = rq->content_type;
    static const char want[] = "application/x-www-form-urlencoded";
    return t != NULL && strncasecmp(t, want, sizeof want - 1) == 0;
}

static bool csrf_ok(const srv_ctx *c, enum csrf_kind kind, const char *arg)
{
    const char *given = srv_field(c, "csrf");
    switch (kind) {
    case CSRF_SESSION:
        return c->session_id != NULL &&
               cairn_token_csrf_check(c->session_id, given);
    case CSRF_LOGIN:
        return cairn_token_csrf_check(c->rq->cookie_login, given);
    case CSRF_LINK:
        return cairn_token_csrf_check(arg, given);
    case CSRF_NONE:
        break;
    }
    return true;
}

static void find_session(srv_ctx *c)
{
    const char *sid = c->rq->cookie_session;
    if (sid == NULL || sid[0] == '\0') {
        return;
    }
    if (cairn_store_session_find(&c->session, c->app->cfg.store, sid,
                                 &c->app->cfg.limits, c->rq->now,
                                 NULL) == CAIRN_OK &&
        cairn_token_csrf(c->csrf, sid, NULL) == CAIRN_OK) {
        c->session_id = sid;
    } else {
        cairn_store_session_free(c->session);
        c->session = NULL;
    }
}

static const route *find_route(const char *method, const char *path,
                               bool *path_known)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route *r = &routes[i];
        size_t n = strlen(r->path);
        bool prefix = n > 1 && r->path[n - 1] == '/';
        bool match = prefix ? strncmp(path, r->path, n) == 0 && path[n]
                            : strcmp(path, r->path) == 0;
        if (match) {
            *path_known = true;
            if (strcmp(m, r->method) == 0) {
                return r;
            }
        }
    }
    return NULL;
}

static void dispatch(srv_ctx *c)
{
    const cairn_server_request *rq = c->rq;
    bool known = false;
    int bound = check_bounds(rq);
    if (bound != 0) {
        srv_message(c->rs, bound, "Request too large",
                    "This request is larger than the server accepts.");
        return;
    }
    const route *r = find_route(rq->method, rq->path, &known);
    if (r == NULL) {
        if (known) {
            srv_header(c->rs, "Allow", "GET, HEAD, POST");
            srv_message(c->rs, 405, "Not allowed",
                        "This address does not accept that request.");
        } else {
            srv_message(c->rs, 404, "Page not found",
                        "There is no page at this address.");
        }
        return;
    }
    find_session(c);
    const char *arg = r->link_page != NULL ? rq->path + strlen(r->path) : NULL;
    if (strcmp(r->method, "POST") == 0) {
        if (cross_site(c)) {
            srv_message(c->rs, 403, "Not allowed",
                        "This request came from another site and was "
                        "refused.");
            return;
        }
        if (!form_body(rq)) {
            srv_message(c->rs, 415, "Not allowed",
                        "This request was not sent by one of our forms.");
            return;
        }
        if (r->login && c->session == NULL) {
            srv_redirect(c->rs, "/login");
            return;
        }
        if (!csrf_ok(c, r->csrf, arg)) {
            srv_message(c->rs, 403, "Not allowed",
                        "This form has expired or did not come from this "
                        "site. Please go back, reload the page and try "
                        "again.");
            return;
        }
    }
    if (r->login && c->session == NULL) {
        srv_redirect(c->rs, "/login");
        return;
    }
    if ((r->clinical && c->session->account.role == CAIRN_ROLE_RESEARCHER) ||
        (r->login && !srv_role_in(c->session->account.role, r->roles))) {
        srv_message(c->rs, 403, "Not allowed",
                    "You do not have access to this page.");
        return;
    }
    /* every write of this request is audited under this person */
    cairn_store_set_actor(c->app->cfg.store,
                          c->session ? c->session->account.name : "anonymous",
                          NULL);
    if (r->link_page != NULL) {
        r->link_page(c, arg);
    } else {
        r->page(c);
    }
}

/* At the first request and then hourly: sessions that cannot be used
 * and links past their expiry go (audited as counts, under "server").
 * Housekeeping: a failure here never fails the request. */
static void housekeeping(cairn_server_app *app, int64_t now)
{
    if (app->pruned && now - app->pruned_at < SRV_PRUNE_SECONDS) {
        return;
    }
    char was[160];
    app->pruned = true;
    app->pruned_at = now;
    snprintf(was, sizeof was, "%s", cairn_store_actor(app->cfg.store));
    if (cairn_store_set_actor(app->cfg.store, "server", NULL) == CAIRN_OK) {
        (void)cairn_store_prune(app->cfg.store, &app->cfg.limits, now, NULL,
                                NULL);
        (void)cairn_store_set_actor(app->cfg.store, was, NULL);
    }
}

void cairn_server_handle(cairn_server_app *app, const cairn_server_request *rq,
                         cairn_server_response *rs)
{
    srv_ctx c;
    memset(rs, 0, sizeof *rs);
    memset(&c, 0, sizeof c);
    c.app = app;
    c.rq = rq;
    c.rs = rs;
    rs->status = 500;
    housekeeping(app, rq->now);
    dispatch(&c);
    cairn_store_session_free(c.session);
    if (rs->oom) {
        cairn_server_response_free(rs);
        rs->status = 500;
    }
    security_headers(app, rs);
}

void cairn_server_response_free(cairn_server_response *rs)
{
    for (size_t i = 0; i < rs->n_headers; i++) {
        free(rs->headers[i].name);
        free(rs->headers[i].value);
    }
    rs->n_headers = 0;
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
    rs->oom = false;
}

int cairn_server_app_new(cairn_server_app **out, const cairn_server_config *cfg,
                         cairn_error *err)
{
    *out = NULL;
    if (cfg == NULL || cfg->store == NULL || cfg->catalog == NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the server needs a store and a catalog");
    }
    cairn_server_app *app = calloc(1, sizeof *app);
    if (app == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    app->cfg = *cfg;
    *out = app;
    return CAIRN_OK;
}

void cairn_server_app_free(cairn_server_app *app)
{
    free(app);
}
