/*
 * page_login.c - logging in and out.
 *
 * The login form carries a CSRF token derived from a nonce cookie set
 * with the form (no session exists yet).  A login is refused with 429 and
 * Retry-After once an account name or an address has failed too often
 * within the window; a successful login always starts a new session (the
 * id is rotated, an old session in the same browser is ended).
 */
#include <stdio.h>
#include <string.h>

#include "server_internal.h"

static void login_form(srv_ctx *c, int status, const char *problem)
{
    char nonce[CAIRN_TOKEN_HEX_LEN + 1], csrf[CAIRN_TOKEN_HEX_LEN + 1];
    srv_buf b = SRV_BUF_INIT;
    if (cairn_token_nonce(nonce, NULL) < 0 ||
        cairn_token_csrf(csrf, nonce, NULL) < 0) {
        srv_message(c->rs, 500, "Something went wrong",
                    "The page could not be made. Please try again.");
        return;
    }
    srv_login_cookie(c, nonce);
    srv_page_begin(&b, "Log in - Cairn");
    srv_put(&b, "<h1>Log in</h1>\n");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    }
    srv_put(&b, "<form method=\"post\" action=\"/login\">\n");
    srv_csrf_field(&b, csrf);
    srv_put(&b, "<p><label for=\"name\">Name</label>\n"
                "<input id=\"name\" name=\"name\" autocomplete=\"username\""
                " autocapitalize=\"none\" required maxlength=\"64\"></p>\n"
                "<p><label for=\"password\">Password</label>\n"
                "<input id=\"password\" name=\"password\" type=\"password\""
                " autocomplete=\"current-password\" required"
                " maxlength=\"1024\"></p>\n"
                "<p><button type=\"submit\">Log in</button></p>\n"
                "</form>\n");
    srv_page_end(&b);
    srv_html(c->rs, status, &b);
}

void srv_login_get(srv_ctx *c)
{
    if (c->session != NULL) {
        srv_redirect(c->rs, srv_home_path(c->session->account.role));
        return;
    }
    login_form(c, 200, NULL);
}

static void throttled(srv_ctx *c, int64_t wait)
{
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", (long long)wait);
    srv_header(c->rs, "Retry-After", secs);
    srv_message(c->rs, 429, "Please wait",
                "There have been too many attempts to log in. Please wait "
                "a few minutes and try again.");
}

void srv_login_post(srv_ctx *c)
{
    cairn_server_app *app = c->app;
    const char *name = srv_field(c, "name");
    const char *pw = srv_field(c, "password");
    char akey[80], ikey[80], sid[CAIRN_SESSION_ID_LEN + 1];
    cairn_account *a = NULL;
    int64_t now = c->rq->now;
    snprintf(akey, sizeof akey, "a:%.70s", name != NULL ? name : "");
    snprintf(ikey, sizeof ikey, "i:%.70s",
             c->rq->remote_addr != NULL ? c->rq->remote_addr : "");
    int64_t wait = srv_throttle_wait(&app->throttle, ikey,
                                     CAIRN_SERVER_LOGIN_FAILS_ADDRESS, now);
    int64_t wa = srv_throttle_wait(&app->throttle, akey,
                                   CAIRN_SERVER_LOGIN_FAILS_ACCOUNT, now);
    if (wa > wait) {
        wait = wa;
    }
    if (wait > 0) {
        throttled(c, wait);
        return;
    }
    if (name == NULL || pw == NULL ||
        cairn_store_account_login(&a, app->cfg.store, name, pw, NULL) < 0) {
        srv_throttle_fail(&app->throttle, akey, now);
        srv_throttle_fail(&app->throttle, ikey, now);
        login_form(c, 401,
                   "That name and password do not match an "
                   "account. Please try again.");
        return;
    }
    srv_throttle_clear(&app->throttle, akey);
    if (c->session_id != NULL) {
        cairn_store_session_end(app->cfg.store, c->session_id, now, NULL);
    }
    cairn_store_set_actor(app->cfg.store, a->name, NULL);
    int rc = cairn_store_session_new(sid, app->cfg.store, a->id, now, NULL);
    const char *home = srv_home_path(a->role);
    cairn_store_account_free(a);
    if (rc < 0) {
        srv_message(c->rs, 500, "Something went wrong",
                    "You could not be logged in. Please try again.");
        return;
    }
    srv_session_cookie(c, sid);
    srv_login_cookie(c, NULL);
    srv_redirect(c->rs, home);
}

void srv_logout_post(srv_ctx *c)
{
    cairn_store_session_end(c->app->cfg.store, c->session_id, c->rq->now, NULL);
    srv_session_cookie(c, NULL);
    srv_redirect(c->rs, "/login");
}
