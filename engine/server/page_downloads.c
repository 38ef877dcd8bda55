/*
 * page_downloads.c - Downloads: each page's workbook, the same files
 * `cairn report` writes (reports/include/cairn_report.h): the caseload
 * (this clinician's clients, or the practice), each client's and each
 * couple's record, and for supervisors and managers the clinic's cohort
 * workbook per questionnaire.
 *
 *   /downloads/caseload.xlsx
 *   /downloads/client/<code>.xlsx
 *   /downloads/couple/<code>.xlsx
 *   /downloads/cohort/<instrument>.xlsx   (supervisor, manager)
 *
 * A workbook is written into a private temporary folder, sent, and
 * removed; every download is recorded in the audit log as a view.  The
 * clients are listed CLIENTS_PER_PAGE at a time (page=N), found by part
 * of a code or name (q=), as on the Caseload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "server_internal.h"

#define XLSX_TYPE                                                              \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Clients on one page (project policy, as the Caseload's lines). */
#define CLIENTS_PER_PAGE 200

/* The address of page `page` of the clients found by `arg` (the q). */
static void clients_href(srv_buf *b, const void *arg, size_t page)
{
    const char *q = arg;
    srv_put(b, "/downloads");
    if (q != NULL && q[0] != '\0') {
        srv_put(b, "?q=");
        srv_query_value(b, q);
    }
    if (page > 1) {
        srv_put(b, q != NULL && q[0] != '\0' ? "&amp;page=" : "?page=");
        srv_int(b, (long long)page);
    }
    srv_put(b, "#clients-h");
}

/* The clients this person sees whose code or name holds `q`, a page of
 * them. */
static void list_clients(srv_ctx *c, srv_buf *b, const cairn_client_list *l)
{
    const char *q = srv_query(c, "q");
    size_t found = 0, shown = 0;
    srv_put(b, "<form method=\"get\" action=\"/downloads\" class=\"filters "
               "no-print\">\n<div><label for=\"f-q\">Client</label>"
               "<input id=\"f-q\" name=\"q\" maxlength=\"64\" value=\"");
    srv_esc(b, q);
    srv_put(b, "\"></div>\n<div><button type=\"submit\">Find</button></div>"
               "\n</form>\n");
    for (size_t i = 0; i < l->n; i++) {
        found += srv_may_see(c->session, &l->items[i]) &&
                 srv_client_matches(&l->items[i], q);
    }
    srv_page pg =
        srv_page_of(found, CLIENTS_PER_PAGE, srv_query_page(c, "page"));
    srv_pager(b, &pg, "Clients", "Pages of clients", clients_href, q);
    found = 0;
    for (size_t i = 0; i < l->n && shown < pg.shown; i++) {
        const cairn_client *cl = &l->items[i];
        if (!srv_may_see(c->session, cl) || !srv_client_matches(cl, q) ||
            found++ < pg.first) {
            continue;
        }
        if (shown++ == 0) {
            srv_put(b, "<table>\n<caption class=\"visually-hidden\">"
                       "Workbooks per client</caption>\n<thead><tr>"
                       "<th scope=\"col\">Client</th><th scope=\"col\">"
                       "Record</th><th scope=\"col\">Couple</th></tr>"
                       "</thead>\n<tbody>\n");
        }
        srv_put(b, "<tr><th scope=\"row\">");
        srv_client_link(b, cl);
        srv_put(b, "</th><td><a href=\"/downloads/client/");
        srv_esc(b, cl->code);
        srv_put(b, ".xlsx\">Client workbook<span class=\"visually-hidden\">"
                   " for ");
        srv_esc(b, cl->code);
        srv_put(b, "</span></a></td><td>");
        if (cl->partner_code != NULL) {
            srv_put(b, "<a href=\"/downloads/couple/");
            srv_esc(b, cl->code);
            srv_put(b, ".xlsx\">Couple workbook<span class=\"visually-hidden\">"
                       " for ");
            srv_esc(b, cl->code);
            srv_put(b, "</span></a>");
        }
        srv_put(b, "</td></tr>\n");
    }
    srv_put(b, shown                       ? "</tbody>\n</table>\n"
               : q != NULL && q[0] != '\0' ? "<p>No client matches.</p>\n"
                                           : "<p>No clients yet.</p>\n");
    srv_pager(b, &pg, "Clients", NULL, clients_href, q);
}

static void list_cohorts(srv_ctx *c, srv_buf *b)
{
    const cairn_catalog *cat = c->app->cfg.catalog;
    srv_put(b, "<h2>Clinic outcomes</h2>\n<ul>\n");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        srv_put(b, "<li><a href=\"/downloads/cohort/");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, ".xlsx\">");
        srv_esc(b, cairn_report_short_name(in));
        srv_put(b, " cohort workbook</a></li>\n");
    }
    srv_put(b, "</ul>\n");
}

void srv_downloads_get(srv_ctx *c)
{
    cairn_client_list *l = NULL;
    srv_buf b = SRV_BUF_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_store_client_list(&l, c->app->cfg.store, &err) < 0 ||
        cairn_store_audit_view(c->app->cfg.store, "downloads", NULL, &err) <
            0) {
        cairn_store_client_list_free(l);
        srv_dash_fail(c, &err);
        return;
    }
    srv_frame_begin(c, &b, "Downloads - Cairn", "downloads");
    srv_put(&b, "<h1>Downloads</h1>\n<p>Spreadsheet workbooks (.xlsx) with "
                "the same figures as these pages, for the file or for "
                "colleagues. They hold client codes: keep them as you keep "
                "the records.</p>\n<h2>Caseload</h2>\n<p><a href=\""
                "/downloads/caseload.xlsx\">Caseload workbook</a></p>\n"
                "<h2 id=\"clients-h\">Clients</h2>\n");
    list_clients(c, &b, l);
    if (srv_role_in(c->session->account.role, SRV_ROLES_OUTCOMES)) {
        list_cohorts(c, &b);
    }
    srv_frame_end(&b);
    cairn_store_client_list_free(l);
    srv_html(c->rs, 200, &b);
}

/* ---- the files ---- */

typedef enum kind { K_CASELOAD, K_CLIENT, K_COUPLE, K_COHORT } kind;

/* Write the workbook of `k` for `arg` at `path`. */
static int write_book(srv_ctx *c, kind k, const char *arg, const char *path,
                      cairn_error *err)
{
    cairn_store *st = c->app->cfg.store;
    const cairn_catalog *cat = c->app->cfg.catalog;
    cairn_report_options o = CAIRN_REPORT_OPTIONS_INIT;
    int rc = CAIRN_OK;
    if (k == K_CASELOAD) {
        cairn_report_caseload *r = NULL;
        o.clinician = srv_clinician_filter(c);
        rc = cairn_report_caseload_load(&r, st, cat, &o, err);
        rc = rc < 0 ? rc : cairn_report_caseload_write(r, path, NULL, err);
        cairn_report_caseload_free(r);
    } else if (k == K_CLIENT) {
        cairn_report_client *r = NULL;
        rc = cairn_report_client_load(&r, st, cat, arg, &o, err);
        rc = rc < 0 ? rc : cairn_report_client_write(r, path, NULL, err);
        cairn_report_client_free(r);
    } else if (k == K_COUPLE) {
        cairn_report_couple *r = NULL;
        rc = cairn_report_couple_load(&r, st, cat, arg, &o, err);
        rc = rc < 0 ? rc : cairn_report_couple_write(r, path, NULL, err);
        cairn_report_couple_free(r);
    } else {
        const cairn_instrument *in = NULL;
        cairn_report_cohort_options co = CAIRN_REPORT_COHORT_OPTIONS_INIT;
        cairn_report_cohort *r = NULL;
        rc = cairn_catalog_find(&in, cat, arg, err);
        rc = rc < 0 ? rc : cairn_report_cohort_load(&r, st, in, &co, err);
        rc = rc < 0 ? rc : cairn_report_cohort_write(r, path, NULL, err);
        cairn_report_cohort_free(r);
    }
    return rc;
}

/* May this person have the workbook of `k` for `arg`? */
static bool allowed(srv_ctx *c, kind k, const char *arg)
{
    cairn_client *cl = NULL;
    if (k == K_CASELOAD) {
        return true;
    }
    if (k == K_COHORT) {
        return srv_role_in(c->session->account.role, SRV_ROLES_OUTCOMES);
    }
    bool ok = cairn_store_client_get(&cl, c->app->cfg.store, arg, NULL) == 0 &&
              srv_may_see(c->session, cl);
    if (ok && k == K_COUPLE) {
        cairn_client *partner = NULL;
        ok = cl->partner_code != NULL &&
             cairn_store_client_get(&partner, c->app->cfg.store,
                                    cl->partner_code, NULL) == 0 &&
             srv_may_see(c->session, partner);
        cairn_store_client_free(partner);
    }
    cairn_store_client_free(cl);
    return ok;
}

/* "/downloads/client/S01.xlsx" -> K_CLIENT, "S01". */
static bool parse_path(const char *path, kind *k, char *arg, size_t size)
{
    static const struct {
        const char *prefix;
        kind k;
    } kinds[] = {{"/downloads/client/", K_CLIENT},
                 {"/downloads/couple/", K_COUPLE},
                 {"/downloads/cohort/", K_COHORT}};
    size_t n = strlen(path);
    if (strcmp(path, "/downloads/caseload.xlsx") == 0) {
        *k = K_CASELOAD;
        arg[0] = '\0';
        return true;
    }
    if (n < 6 || strcmp(path + n - 5, ".xlsx") != 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t p = strlen(kinds[i].prefix);
        if (strncmp(path, kinds[i].prefix, p) == 0 && n - 5 > p &&
            n - 5 - p < size) {
            *k = kinds[i].k;
            snprintf(arg, size, "%.*s", (int)(n - 5 - p), path + p);
            return true;
        }
    }
    return false;
}

void srv_download_file_get(srv_ctx *c)
{
    char arg[80], dir[64], path[128], name[120];
    kind k = K_CASELOAD;
    cairn_error err = CAIRN_ERROR_INIT;
    if (!parse_path(c->rq->path, &k, arg, sizeof arg) || !allowed(c, k, arg)) {
        srv_message(c->rs, 404, "Not found",
                    "There is no workbook at this address for you.");
        return;
    }
    static const char *const stem[] = {"caseload", "client", "couple",
                                       "cohort"};
    snprintf(name, sizeof name, "%s%s%s.xlsx", stem[k], arg[0] ? "-" : "", arg);
    for (char *p = name; *p; p++) {
        *p = srv_safe_char(*p) ? *p : '_';
    }
    if (!srv_temp_dir(dir)) {
        srv_dash_fail(c, NULL);
        return;
    }
    snprintf(path, sizeof path, "%s/book.xlsx", dir);
    int rc = write_book(c, k, arg, path, &err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_audit_view(c->app->cfg.store, "download",
                                    k == K_CLIENT || k == K_COUPLE ? arg : NULL,
                                    &err);
    }
    if (rc == CAIRN_ENOTFOUND) {
        srv_message(c->rs, 404, "Nothing to put in a workbook",
                    "There are no scores to put in this workbook yet.");
    } else if (rc < 0 || !srv_send_file(c, path, XLSX_TYPE, name)) {
        srv_dash_fail(c, &err);
    }
    srv_temp_remove(dir);
}
