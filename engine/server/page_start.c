/*
 * page_start.c - the clinician's page for starting self-report: choose
 * one of your clients and the questionnaires, then either hand this
 * device over as a tablet or make a one-time link for the client's phone.
 *
 * A clinician sees their own clients (the client's recorded clinician is
 * their account name); a supervisor or a manager sees the whole
 * practice; a researcher never reaches this page (security.c).  Showing
 * the page is recorded in the audit log as a view of the client list.
 * Starting a tablet session ends the clinician's session on this device,
 * so nothing but the questionnaires is reachable from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

static void client_choices(srv_ctx *c, srv_buf *b,
                           const cairn_client_list *list)
{
    size_t shown = 0;
    srv_put(b, "<fieldset>\n<legend>Client</legend>\n");
    for (size_t i = 0; i < list->n; i++) {
        const cairn_client *cl = &list->items[i];
        if (!srv_may_see(c->session, cl)) {
            continue;
        }
        srv_put(b, "<div class=\"choice\"><input type=\"radio\" "
                   "name=\"client\" id=\"client-");
        srv_int(b, (long long)i);
        srv_put(b, "\" value=\"");
        srv_esc(b, cl->code);
        srv_put(b, "\" required><label for=\"client-");
        srv_int(b, (long long)i);
        srv_put(b, "\">");
        srv_esc(b, cl->code);
        if (cl->name != NULL) {
            srv_put(b, " - ");
            srv_esc(b, cl->name);
        }
        srv_put(b, "</label></div>\n");
        shown++;
    }
    if (shown == 0) {
        srv_put(b, "<p>You have no clients yet.</p>\n");
    }
    srv_put(b, "</fieldset>\n");
}

static void instrument_choices(const cairn_catalog *cat, srv_buf *b)
{
    srv_put(b, "<fieldset>\n<legend>Questionnaires</legend>\n");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        if (cairn_instrument_check_client_text(in, NULL) < 0) {
            continue; /* no verified wording for clients: not offered */
        }
        srv_put(b, "<div class=\"choice\"><input type=\"checkbox\" "
                   "name=\"instrument\" id=\"inst-");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\" value=\"");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\"><label for=\"inst-");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\">");
        srv_esc(b, cairn_instrument_name(in));
        srv_put(b, "</label></div>\n");
    }
    srv_put(b, "</fieldset>\n");
}

static void start_page(srv_ctx *c, int status, const char *problem)
{
    cairn_client_list *list = NULL;
    srv_buf b = SRV_BUF_INIT;
    cairn_store *st = c->app->cfg.store;
    if (cairn_store_client_list(&list, st, NULL) < 0 ||
        cairn_store_audit_view(st, "start", NULL, NULL) < 0) {
        cairn_store_client_list_free(list);
        srv_message(c->rs, 500, "Something went wrong",
                    "The page could not be made. Please try again.");
        return;
    }
    srv_frame_begin(c, &b, "Self-report - Cairn", "start");
    srv_put(&b, "<h1>Self-report</h1>\n");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    }
    srv_put(&b, "<form method=\"post\" action=\"/start\">\n");
    srv_csrf_field(&b, c->csrf);
    client_choices(c, &b, list);
    instrument_choices(c->app->cfg.catalog, &b);
    srv_put(&b, "<p><button type=\"submit\" name=\"mode\" value=\"tablet\">"
                "Start on this tablet</button>\n"
                "<button type=\"submit\" name=\"mode\" value=\"link\">"
                "Make a phone link</button></p>\n"
                "<p class=\"hint\">Starting on this tablet logs you out "
                "here; the tablet then shows only these questionnaires and "
                "asks to be handed back.</p>\n</form>\n");
    srv_frame_end(&b);
    cairn_store_client_list_free(list);
    srv_html(c->rs, status, &b);
}

void srv_start_get(srv_ctx *c)
{
    start_page(c, 200, NULL);
}

/* The instrument codes chosen, resolved through the catalog. */
static size_t chosen(srv_ctx *c, const char **codes)
{
    size_t n = 0;
    for (size_t i = 0; i < c->rq->n_fields; i++) {
        const cairn_server_field *f = &c->rq->fields[i];
        const cairn_instrument *in = NULL;
        if (strcmp(f->name, "instrument") != 0 ||
            cairn_catalog_find(&in, c->app->cfg.catalog, f->value, NULL) < 0 ||
            cairn_instrument_check_client_text(in, NULL) < 0) {
            continue;
        }
        if (n == CAIRN_LINK_MAX_INSTRUMENTS) {
            return CAIRN_LINK_MAX_INSTRUMENTS + 1;
        }
        codes[n++] = cairn_instrument_code(in);
    }
    return n;
}

static void link_made(srv_ctx *c, const char *token, const char *expires)
{
    srv_buf b = SRV_BUF_INIT, url = SRV_BUF_INIT;
    if (c->app->cfg.base_url != NULL) {
        srv_put(&url, c->app->cfg.base_url);
    } else {
        srv_own_origin(c, &url);
    }
    srv_put(&url, "/s/");
    srv_put(&url, token);
    srv_frame_begin(c, &b, "Link made - Cairn", "start");
    srv_put(&b, "<h1>Link made</h1>\n<p>Send this address to the client. "
                "It is shown only once, works for one set of answers, and "
                "expires on ");
    srv_esc(&b, expires);
    srv_put(&b, " (UTC).</p>\n<p class=\"url\"><code>");
    srv_esc(&b, url.p);
    srv_put(&b, "</code></p>\n<p><a href=\"/start\">Back</a></p>\n");
    srv_frame_end(&b);
    srv_buf_free(&url);
    srv_html(c->rs, 200, &b);
}

void srv_start_post(srv_ctx *c)
{
    const char *codes[CAIRN_LINK_MAX_INSTRUMENTS + 1];
    const char *client = srv_field(c, "client");
    const char *mode = srv_field(c, "mode");
    cairn_client *cl = NULL;
    cairn_link *made = NULL;
    cairn_store *st = c->app->cfg.store;
    char token[CAIRN_LINK_TOKEN_LEN + 1];
    int64_t id = 0;
    bool tablet = mode != NULL && strcmp(mode, "tablet") == 0;
    size_t n = chosen(c, codes);
    if (client == NULL || cairn_store_client_get(&cl, st, client, NULL) < 0 ||
        !srv_may_see(c->session, cl)) {
        cairn_store_client_free(cl);
        start_page(c, 400, "Please choose one of your clients.");
        return;
    }
    cairn_store_client_free(cl);
    if (n == 0 || n > CAIRN_LINK_MAX_INSTRUMENTS) {
        start_page(c, 400, "Please choose one to eight questionnaires.");
        return;
    }
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    o.kind = tablet ? CAIRN_LINK_TABLET : CAIRN_LINK_PHONE;
    o.client_code = client;
    o.instruments = codes;
    o.n_instruments = n;
    if (tablet) {
        o.expires_seconds = c->app->cfg.tablet_seconds;
    }
    if (cairn_store_link_add(token, &id, st, &o, c->rq->now, NULL) < 0 ||
        cairn_store_link_get(&made, st, id, c->rq->now, NULL) < 0) {
        srv_message(c->rs, 500, "Something went wrong",
                    "The link could not be made. Please try again.");
        return;
    }
    if (tablet) {
        char where[8 + CAIRN_LINK_TOKEN_LEN];
        cairn_store_session_end(st, c->session_id, c->rq->now, NULL);
        srv_session_cookie(c, NULL);
        snprintf(where, sizeof where, "/s/%s", token);
        srv_redirect(c->rs, where);
    } else {
        link_made(c, token, made->expires_at);
    }
    cairn_store_link_free(made);
}
