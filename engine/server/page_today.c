/*
 * page_today.c - Today: what needs the clinician now.
 *
 * Open alerts in the engine's one order (cairn_alert_list_compute, as
 * `cairn alerts` lists them: a risk item on a client's latest assessment
 * first), then acknowledged ones, each with its age, client,
 * questionnaire, reason and every note; a form to acknowledge or resolve
 * each with a note (POST /alert, through cairn_alert_set, so the
 * lifecycle and the audit are exactly the command's).  Then the
 * questionnaires due again (cairn_due_compute) and the self-report links
 * made or answered since yesterday.  Clinicians see their own clients;
 * supervisors and managers the practice.  The alerts are shown
 * ALERTS_PER_PAGE at a time (page=N) and the questionnaires due
 * DUE_PER_PAGE (due=N), with links to the pages beside (pager.c), so a
 * practice's Today stays a page, not one form per alert of every client;
 * acknowledging or resolving an alert comes back to the page it was on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/due.h"
#include "server_internal.h"

/* Alerts, each with its form, on one page; questionnaires due (project
 * policy). */
#define ALERTS_PER_PAGE 50
#define DUE_PER_PAGE 100

/* The pages asked for, for the pagers' addresses. */
typedef struct today_view {
    size_t page, due;
} today_view;

typedef struct today {
    cairn_attention *now; /* the alerts and the questionnaires due */
    cairn_alert_record_list *history;
} today;

static void today_free(today *t)
{
    cairn_store_alert_list_free(t->history);
    cairn_attention_free(t->now);
}

/* Everything the page and the POST need, for this person's clients:
 * the caseload with discharged clients too, as `cairn alerts` reads it
 * (a discharged client's alert still needs an answer), one client at a
 * time (cairn/attention.h). */
static int today_load(srv_ctx *c, today *t, cairn_error *err)
{
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    char date[11];
    memset(t, 0, sizeof *t);
    o.clinician = srv_clinician_filter(c);
    o.all = true;
    srv_today(c, date);
    int rc = cairn_attention_read(&t->now, c->app->cfg.store,
                                  c->app->cfg.catalog, &o, false, date, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_alert_history(&t->history, c->app->cfg.store, err);
    }
    return rc;
}

/* A link to a client's page by code and display name. */
static void client_link(srv_buf *b, const char *code, const char *name)
{
    cairn_client cl = {0};
    cl.code = code;
    cl.name = name;
    srv_client_link(b, &cl);
}

static void put_notes(srv_buf *b, const today *t, const cairn_alert *a)
{
    size_t first = 0;
    size_t n = cairn_alert_notes(t->history, a->key, &first);
    if (n == 0) {
        return;
    }
    srv_put(b, "<ul class=\"notes\">\n");
    for (size_t i = first; i < first + n; i++) {
        const cairn_alert_record *r = &t->history->items[i];
        srv_put(b, "<li>");
        srv_put(b,
                r->state == CAIRN_ALERT_RESOLVED ? "Resolved" : "Acknowledged");
        srv_put(b, " by ");
        srv_esc(b, r->who);
        srv_put(b, " on ");
        srv_putn(b, r->at != NULL ? r->at : "", r->at ? 10 : 0);
        srv_put(b, ": ");
        srv_esc(b, r->note);
        srv_put(b, "</li>\n");
    }
    srv_put(b, "</ul>\n");
}

static void put_alert_form(srv_ctx *c, srv_buf *b, const cairn_alert *a,
                           size_t i, size_t page)
{
    srv_put(b, "<form method=\"post\" action=\"/alert\" class=\"act\">\n");
    srv_csrf_field(b, c->csrf);
    srv_put(b, "<input type=\"hidden\" name=\"alert\" value=\"");
    srv_esc(b, a->key);
    srv_put(b, "\">\n");
    if (page > 1) {
        srv_put(b, "<input type=\"hidden\" name=\"page\" value=\"");
        srv_int(b, (long long)page);
        srv_put(b, "\">\n");
    }
    srv_put(b, "<label for=\"note-");
    srv_int(b, (long long)i);
    srv_put(b, "\">What was done</label>\n<textarea id=\"note-");
    srv_int(b, (long long)i);
    srv_put(b, "\" name=\"note\" rows=\"2\" maxlength=\"500\" required>"
               "</textarea>\n<div class=\"actions\">");
    if (a->state == CAIRN_ALERT_OPEN) {
        srv_put(b, "<button type=\"submit\" name=\"action\" value=\"ack\">"
                   "Acknowledge</button>");
    }
    srv_put(b, "<button type=\"submit\" name=\"action\" value=\"resolve\">"
               "Resolve</button></div>\n</form>\n");
}

static void put_alert(srv_ctx *c, srv_buf *b, const today *t,
                      const cairn_alert_ref *r, size_t i, size_t page,
                      const char *date)
{
    const cairn_alert *a = r->alert;
    char age[32];
    bool risk =
        a->kind == CAIRN_ALERT_RISK || a->kind == CAIRN_ALERT_RISK_UNANSWERED;
    srv_put(b, risk ? "<li class=\"alert risk\">\n<h3>"
                    : "<li class=\"alert\">\n<h3>");
    const char *kind = cairn_alert_kind_label(a->kind);
    char first[2] = {kind[0], '\0'};
    if (first[0] >= 'a' && first[0] <= 'z') {
        first[0] = (char)(first[0] - 'a' + 'A');
    }
    srv_put(b, first);
    srv_put(b, kind[0] ? kind + 1 : "");
    srv_put(b, r->on_latest && risk ? " (latest assessment)" : "");
    srv_put(b, ": ");
    client_link(b, r->client, r->client_name);
    srv_put(b, "</h3>\n<p class=\"meta\">");
    srv_esc(b, srv_instrument_label(c, r->instrument));
    srv_put(b, " &middot; raised ");
    srv_esc(b, cairn_alert_age(age, sizeof age, a->date, date));
    srv_put(b, a->state == CAIRN_ALERT_OPEN ? " &middot; open"
                                            : " &middot; acknowledged");
    srv_put(b, "</p>\n<p>");
    srv_esc(b, a->reason);
    srv_put(b, "</p>\n");
    put_notes(b, t, a);
    put_alert_form(c, b, a, i, page);
    srv_put(b, "</li>\n");
}

/* The address of Today with its alerts on page `alerts` and its due
 * list on page `due` (1: unsaid), and the fragment `at` ("" or "#..."). */
static void today_href(srv_buf *b, size_t alerts, size_t due, const char *at)
{
    srv_put(b, "/today");
    if (alerts > 1) {
        srv_put(b, "?page=");
        srv_int(b, (long long)alerts);
    }
    if (due > 1) {
        srv_put(b, alerts > 1 ? "&amp;due=" : "?due=");
        srv_int(b, (long long)due);
    }
    srv_put(b, at);
}

/* Page `page` of the alerts, the due list where `arg` (a today_view)
 * has it. */
static void alerts_href(srv_buf *b, const void *arg, size_t page)
{
    today_href(b, page, ((const today_view *)arg)->due, "");
}

/* Page `page` of the due list, the alerts where `arg` has them. */
static void due_href(srv_buf *b, const void *arg, size_t page)
{
    today_href(b, ((const today_view *)arg)->page, page, "#due-h");
}

static void put_alerts(srv_ctx *c, srv_buf *b, const today *t, today_view *v)
{
    char date[11];
    const cairn_alert_list *l = t->now->alerts;
    size_t shown = l->n_open + l->n_acknowledged;
    srv_today(c, date);
    srv_put(b, "<section aria-labelledby=\"alerts-h\">\n"
               "<h2 id=\"alerts-h\">Alerts</h2>\n<p>");
    if (shown == 0) {
        srv_put(b, "No open alerts.</p>\n</section>\n");
        return;
    }
    srv_int(b, (long long)l->n_open);
    srv_put(b, l->n_open == 1 ? " open alert" : " open alerts");
    if (l->n_acknowledged > 0) {
        srv_put(b, " and ");
        srv_int(b, (long long)l->n_acknowledged);
        srv_put(b, " acknowledged");
    }
    srv_put(b, ", the most urgent first.</p>\n");
    srv_page pg = srv_page_of(shown, ALERTS_PER_PAGE, v->page);
    v->page = pg.page; /* the due list's links keep the page shown */
    srv_pager(b, &pg, "Alerts", "Pages of alerts", alerts_href, v);
    srv_put(b, "<ol class=\"alerts\"");
    if (pg.first > 0) { /* numbered on from the pages before */
        srv_put(b, " start=\"");
        srv_int(b, (long long)pg.first + 1);
        srv_put(b, "\"");
    }
    srv_put(b, ">\n");
    for (size_t i = pg.first; i < pg.first + pg.shown; i++) {
        put_alert(c, b, t, &l->items[i], i, pg.page, date);
    }
    srv_put(b, "</ol>\n");
    srv_pager(b, &pg, "Alerts", NULL, alerts_href, v);
    srv_put(b, "</section>\n");
}

static void put_due(srv_ctx *c, srv_buf *b, const today *t, today_view *v)
{
    srv_put(b, "<section aria-labelledby=\"due-h\">\n"
               "<h2 id=\"due-h\">Questionnaires due</h2>\n"
               "<p class=\"hint\">Due when more days have passed since the "
               "last one than the client's usual interval (the middle of "
               "their gaps between assessments in this episode).</p>\n");
    const cairn_due_list *due = t->now->due;
    if (due->n == 0) {
        srv_put(b, "<p>Nothing is due.</p>\n</section>\n");
        return;
    }
    srv_page pg = srv_page_of(due->n, DUE_PER_PAGE, v->due);
    v->due = pg.page;
    srv_pager(b, &pg, "Questionnaires due", "Pages of questionnaires due",
              due_href, v);
    srv_put(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
               "aria-label=\"Table of questionnaires due\">\n"
               "<table>\n<caption class=\"visually-hidden\">Questionnaires "
               "due, the longest overdue first</caption>\n<thead><tr>"
               "<th scope=\"col\">Client</th><th scope=\"col\">Questionnaire"
               "</th><th scope=\"col\">Last</th><th scope=\"col\">Usually "
               "every</th><th scope=\"col\">Days since</th></tr></thead>\n"
               "<tbody>\n");
    for (size_t i = pg.first; i < pg.first + pg.shown; i++) {
        const cairn_due *d = &due->items[i];
        srv_put(b, "<tr><td>");
        client_link(b, d->client, d->client_name);
        srv_put(b, "</td><td>");
        srv_esc(b, srv_instrument_label(c, d->instrument));
        srv_put(b, "</td><td>");
        srv_putn(b, d->latest_date, 10);
        srv_put(b, "</td><td>");
        srv_number(b, d->interval_days);
        srv_put(b, " days</td><td>");
        srv_number(b, d->days_since);
        srv_put(b, "</td></tr>\n");
    }
    srv_put(b, "</tbody>\n</table>\n</div>\n");
    srv_pager(b, &pg, "Questionnaires due", NULL, due_href, v);
    srv_put(b, "</section>\n");
}

static const char *link_words(const cairn_link *l)
{
    switch (l->state) {
    case CAIRN_LINK_SPENT:
        return "answered";
    case CAIRN_LINK_EXPIRED:
        return "expired, not answered";
    case CAIRN_LINK_REVOKED:
        return "withdrawn";
    case CAIRN_LINK_ACTIVE:
        break;
    }
    return "waiting for answers";
}

static void put_link(srv_ctx *c, srv_buf *b, const cairn_link *l,
                     const cairn_client *cl)
{
    srv_put(b, "<tr><td>");
    srv_client_link(b, cl);
    srv_put(b, "</td><td>");
    for (size_t k = 0; k < l->n_instruments; k++) {
        srv_put(b, k ? ", " : "");
        srv_esc(b, srv_instrument_label(c, l->instruments[k]));
    }
    srv_put(b, "</td><td>");
    srv_put(b, l->kind == CAIRN_LINK_TABLET ? "clinic tablet" : "phone link");
    srv_put(b, "</td><td>");
    srv_put(b, link_words(l));
    srv_put(b, "</td><td>");
    const char *when = l->used_at != NULL ? l->used_at : l->created_at;
    srv_putn(b, when, strlen(when) >= 16 ? 16 : strlen(when));
    srv_put(b, "</td></tr>\n");
}

/* Self-report links made or answered since the start of yesterday (UTC),
 * for clients this person sees. */
static void put_links(srv_ctx *c, srv_buf *b)
{
    cairn_link_list *l = NULL;
    cairn_store *st = c->app->cfg.store;
    int64_t since = (c->rq->now / 86400 - 1) * 86400;
    size_t shown = 0;
    srv_put(b, "<section aria-labelledby=\"links-h\">\n"
               "<h2 id=\"links-h\">Self-report since yesterday</h2>\n");
    if (cairn_store_link_list(&l, st, since, c->rq->now, NULL) < 0) {
        srv_put(b, "<p>The links could not be read.</p>\n</section>\n");
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        cairn_client *cl = NULL;
        if (cairn_store_client_get(&cl, st, l->items[i]->client_code, NULL) <
                0 ||
            !srv_may_see(c->session, cl)) {
            cairn_store_client_free(cl);
            continue;
        }
        if (shown++ == 0) {
            srv_put(b, "<div class=\"table-wrap\" role=\"region\" "
                       "tabindex=\"0\" aria-label=\"Table of links\">\n"
                       "<table>\n<caption class=\"visually-hidden\">"
                       "Self-report links, the most recent first</caption>\n"
                       "<thead><tr><th scope=\"col\">Client</th>"
                       "<th scope=\"col\">Questionnaires</th>"
                       "<th scope=\"col\">Where</th><th scope=\"col\">"
                       "State</th><th scope=\"col\">When (UTC)</th></tr>"
                       "</thead>\n<tbody>\n");
        }
        put_link(c, b, l->items[i], cl);
        cairn_store_client_free(cl);
    }
    srv_put(b, shown ? "</tbody>\n</table>\n</div>\n"
                     : "<p>No links were made or answered since yesterday."
                       "</p>\n");
    srv_put(b, "</section>\n");
    cairn_store_link_list_free(l);
}

static void today_page(srv_ctx *c, int status, const char *problem,
                       const char *done, size_t page)
{
    today_view v = {page, srv_query_page(c, "due")};
    today t;
    srv_buf b = SRV_BUF_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    if (today_load(c, &t, &err) < 0 ||
        cairn_store_audit_view(c->app->cfg.store, "today", NULL, &err) < 0) {
        today_free(&t);
        srv_dash_fail(c, &err);
        return;
    }
    srv_frame_begin(c, &b, "Today - Cairn", "today");
    srv_put(&b, "<h1>Today</h1>\n");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    } else if (done != NULL) {
        srv_put(&b, "<p class=\"done\" role=\"status\">");
        srv_esc(&b, done);
        srv_put(&b, "</p>\n");
    }
    put_alerts(c, &b, &t, &v);
    put_due(c, &b, &t, &v);
    put_links(c, &b);
    srv_frame_end(&b);
    today_free(&t);
    srv_html(c->rs, status, &b);
}

void srv_today_get(srv_ctx *c)
{
    const char *done = srv_query(c, "done");
    today_page(c, 200, NULL,
               done == NULL                   ? NULL
               : strcmp(done, "ack") == 0     ? "The alert was acknowledged."
               : strcmp(done, "resolve") == 0 ? "The alert was resolved."
                                              : NULL,
               srv_query_page(c, "page"));
}

/*
 * Whether alert `key` is among this person's clients' alerts, and its
 * state: only the client of the assessment the key names can raise it,
 * so only that client's alerts are read (when this person sees them).
 * Returns CAIRN_OK (`*found` says), or a store error.
 */
static int find_alert(srv_ctx *c, const char *key, bool *found,
                      cairn_alert_state *state, cairn_error *err)
{
    cairn_store *st = c->app->cfg.store;
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_attention *now = NULL;
    cairn_client *cl = NULL;
    char code[CAIRN_ALERT_CLIENT_MAX];
    *found = false;
    int rc = key != NULL ? cairn_alert_client(st, key, code, sizeof code, err)
                         : CAIRN_ENOTFOUND;
    if (rc == CAIRN_OK) {
        rc = cairn_store_client_get(&cl, st, code, err);
    }
    if (rc == CAIRN_OK && srv_may_see(c->session, cl)) {
        o.client = code;
        o.all = true;
        rc = cairn_attention_read(&now, st, c->app->cfg.catalog, &o, true, NULL,
                                  err);
    }
    for (size_t i = 0; now != NULL && i < now->alerts->n; i++) {
        const cairn_alert *a = now->alerts->items[i].alert;
        if (strcmp(a->key, key) == 0) {
            *found = true;
            *state = a->state;
        }
    }
    cairn_attention_free(now);
    cairn_store_client_free(cl);
    return rc == CAIRN_ENOTFOUND ? CAIRN_OK : rc;
}

void srv_alert_post(srv_ctx *c)
{
    const char *key = srv_field(c, "alert");
    const char *action = srv_field(c, "action");
    const char *note = srv_field(c, "note");
    bool ack = action != NULL && strcmp(action, "ack") == 0;
    bool resolve = action != NULL && strcmp(action, "resolve") == 0;
    size_t page = srv_page_number(srv_field(c, "page")); /* back to it */
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_alert_state state = CAIRN_ALERT_OPEN;
    bool found = false;
    if (find_alert(c, key, &found, &state, &err) < 0) {
        srv_dash_fail(c, &err);
        return;
    }
    bool resolved = found && state == CAIRN_ALERT_RESOLVED;
    if (!found || (!ack && !resolve)) {
        today_page(c, 404, "That alert is not among your clients' alerts.",
                   NULL, page);
        return;
    }
    if (note == NULL || note[0] == '\0' || strlen(note) > 500) {
        today_page(c, 400,
                   "Please say in a few words what was done "
                   "(up to 500 characters).",
                   NULL, page);
        return;
    }
    if (ack && resolved) {
        today_page(c, 409,
                   "That alert was already resolved, so it cannot "
                   "be acknowledged again.",
                   NULL, page);
        return;
    }
    if (cairn_alert_set(c->app->cfg.store, c->app->cfg.catalog, key,
                        ack ? CAIRN_ALERT_ACKNOWLEDGED : CAIRN_ALERT_RESOLVED,
                        note, NULL, 0, &err) < 0) {
        today_page(c, err.code == CAIRN_EINVAL ? 400 : 500,
                   err.code == CAIRN_EINVAL
                       ? "The note could not be saved: please check it "
                         "and try again."
                       : "The note could not be saved. Please try again.",
                   NULL, page);
        return;
    }
    char to[64];
    snprintf(to, sizeof to, "/today?done=%s", ack ? "ack" : "resolve");
    if (page > 1) {
        snprintf(to + strlen(to), sizeof to - strlen(to), "&page=%zu", page);
    }
    srv_redirect(c->rs, to);
}
