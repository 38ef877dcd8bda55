/*
 * page_caseload.c - the caseload: every active client of this clinician
 * (the practice for supervisors and managers), one row per client and
 * questionnaire, with the numbers `cairn caseload` prints because the
 * same function computes them (cairn_caseload_rows_compute, whose memory
 * does not grow with the clients' assessments): latest score, band and
 * date, change, reliable-change status (cairn_report_cell_status), the
 * NHS Talking Therapies outcome on PHQ-9 and GAD-7 rows, and a small SVG
 * line of the last scores.
 *
 * Sorting and filtering are query parameters of a plain GET form, so
 * they work without a script: sort=urgency (the engine's order, the
 * default) | client | score | change; q= part of a code or name;
 * instrument= one questionnaire; alerts=1 only clients with open
 * alerts; all=1 discharged clients too.  The table is shown
 * PAGE_ROWS lines at a time (page=N, 1 for the first; a number past the
 * last page shows the last), with links to the pages before and after
 * that keep the order and filters: a practice of 10,000 clients gets a
 * page of the same size as one clinician's, and the whole list is the
 * workbook's.  Every row is still computed, for the count, the order and
 * the filters (10,000 clients stay well under a second: see `make
 * bench`).  The page is written in one pass into one buffer that the
 * listener sends as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn_report.h"
#include "server_internal.h"

/* Lines of the table on one page: a clinician's whole caseload (project
 * policy). */
#define PAGE_ROWS 200

#define SPARK_POINTS 12
#define SPARK_W 72
#define SPARK_H 20

/* A line of the table, until it is written: which row and cell (read
 * again then, cairn_caseload_rows_get), and what the sorts compare. */
typedef struct row {
    const cairn_client *client; /* borrowed from the rows */
    double key;                 /* latest score (sort=score) or change */
    uint32_t k, j;              /* the engine's row and its cell: the
                                   engine's order is theirs */
} row;

typedef struct view {
    const char *sort, *q, *instrument;
    bool alerts, all;
    size_t page; /* 1 for the first */
} view;

static int cmp_num(double a, double b)
{
    return (a < b) - (a > b); /* larger first */
}

static int by_order(const row *a, const row *b)
{
    if (a->k != b->k) {
        return a->k < b->k ? -1 : 1;
    }
    return (a->j > b->j) - (a->j < b->j);
}

static int by_client(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int c = strcmp(a->client->code, b->client->code);
    return c != 0 ? c : by_order(a, b);
}

/* sort=score and sort=change: the key, larger first */
static int by_key(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int c = cmp_num(a->key, b->key);
    return c != 0 ? c : by_order(a, b);
}

/* Whether `hay` contains `needle`, ignoring ASCII case. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; p != NULL && *p; p++) {
        if (strncasecmp(p, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool matches(const view *v, const cairn_caseload_row *e)
{
    if (v->alerts && e->n_open == 0) {
        return false;
    }
    if (v->q == NULL || v->q[0] == '\0') {
        return true;
    }
    return contains(e->client->code, v->q) || contains(e->client->name, v->q);
}

/* The lines to show, in the order asked, into `*out` (*n of them);
 * *n_clients counts clients. */
static int rows_of(row **out, cairn_caseload_rows *cl, const view *v, size_t *n,
                   size_t *n_clients, cairn_error *err)
{
    size_t cap = 0, k = 0;
    bool score = strcmp(v->sort, "score") == 0;
    int rc = CAIRN_OK;
    *n_clients = 0;
    *out = NULL;
    row *r = NULL;
    for (size_t i = 0; rc == CAIRN_OK && i < cl->n; i++) {
        const cairn_caseload_row *e = NULL;
        rc = cairn_caseload_rows_get(cl, i, &e, err);
        if (rc < 0 || !matches(v, e) || e->n_cells == 0) {
            continue;
        }
        (*n_clients)++;
        if (k + e->n_cells > cap) {
            size_t want = cap ? cap * 2 : 256;
            want = want < k + e->n_cells ? k + e->n_cells : want;
            row *p = realloc(r, want * sizeof *r);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            r = p;
            cap = want;
        }
        for (size_t j = 0; j < e->n_cells; j++) {
            const cairn_caseload_cell *t = &e->cells[j];
            double key = score ? t->latest : t->n >= 2 ? t->change : 0;
            r[k++] = (row){e->client, key, (uint32_t)i, (uint32_t)j};
        }
    }
    int (*cmp)(const void *, const void *) =
        strcmp(v->sort, "client") == 0            ? by_client
        : score || strcmp(v->sort, "change") == 0 ? by_key
                                                  : NULL;
    if (rc == CAIRN_OK && cmp != NULL && k > 1) {
        qsort(r, k, sizeof *r, cmp);
    }
    if (rc < 0) {
        free(r);
        return rc;
    }
    *out = r;
    *n = k;
    return CAIRN_OK;
}

/* The last scores as a small line on the scale's range. */
static void sparkline(srv_buf *b, const cairn_caseload_cell *t,
                      const cairn_scale *sc)
{
    size_t n = t->n_recent < SPARK_POINTS ? t->n_recent : SPARK_POINTS;
    double lo = sc != NULL ? sc->min : 0, hi = sc != NULL ? sc->max : 1;
    char pt[48];
    srv_put(b, "<svg class=\"spark\" viewBox=\"0 0 72 20\" width=\"72\" "
               "height=\"20\" aria-hidden=\"true\" focusable=\"false\">"
               "<polyline points=\"");
    for (size_t i = 0; i < n; i++) {
        double s = t->recent[t->n_recent - n + i];
        double f = hi > lo ? (s - lo) / (hi - lo) : 0.5;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        double x = n > 1 ? 2 + (double)i * (SPARK_W - 4) / (double)(n - 1)
                         : SPARK_W / 2.0;
        snprintf(pt, sizeof pt, "%s%.1f,%.1f", i ? " " : "", x,
                 SPARK_H - 2 - f * (SPARK_H - 4));
        srv_put(b, pt);
    }
    srv_put(b, "\"/></svg>");
}

/* The band's name without its range: "Moderate depression". */
static void band_name(srv_buf *b, const cairn_scale *sc, const char *id)
{
    for (size_t i = 0; sc != NULL && id != NULL && i < sc->n_bands; i++) {
        if (strcmp(sc->bands[i].id, id) == 0) {
            const char *l = sc->bands[i].label;
            const char *paren = strstr(l, " (");
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s",
                     (int)(paren != NULL ? (size_t)(paren - l) : strlen(l)), l);
            srv_esc(b, tmp);
            return;
        }
    }
}

static void nhstt_cell(srv_buf *b, const cairn_caseload_row *e,
                       const cairn_caseload_cell *t)
{
    const cairn_nhstt *o = &e->nhstt;
    if (!e->has_nhstt || (strcmp(t->instrument, "phq9") != 0 &&
                          strcmp(t->instrument, "gad7") != 0)) {
        return;
    }
    srv_put(b, o->at_caseness ? "at caseness; " : "not at caseness; ");
    srv_put(b, o->reliable_recovery ? "reliable recovery"
               : o->recovered       ? "recovered"
                                    : "not recovered");
    srv_put(b, o->reliable_improvement ? "; reliable improvement" : "");
    srv_put(b, o->reliable_deterioration ? "; reliable deterioration" : "");
}

static void alert_cell(srv_buf *b, const cairn_caseload_cell *t)
{
    cairn_alert_group g[CAIRN_ALERT_KIND_COUNT];
    char words[CAIRN_ALERT_GROUP_MAX];
    size_t n_groups = cairn_alert_groups(t, g);
    for (size_t k = 0; k < n_groups; k++) {
        srv_put(b, k > 0 ? "; " : "<span class=\"flag\">");
        srv_put(b, cairn_alert_group_label(words, sizeof words, &g[k]));
    }
    srv_put(b, t->n_open > 0 ? "</span>" : "");
}

static void put_row(srv_ctx *c, srv_buf *b, const cairn_caseload_row *e,
                    const cairn_caseload_cell *t)
{
    const cairn_instrument *in = NULL;
    cairn_catalog_find(&in, c->app->cfg.catalog, t->instrument, NULL);
    const cairn_scale *sc =
        in != NULL ? cairn_instrument_find_scale(in, t->scale) : NULL;
    srv_put(b, e->n_open ? "<tr class=\"has-alert\" data-client=\""
                         : "<tr data-client=\"");
    srv_esc(b, e->client->code);
    srv_put(b, "\" data-instrument=\"");
    srv_esc(b, t->instrument);
    srv_put(b, "\"><th scope=\"row\">");
    srv_client_link(b, e->client);
    srv_put(b, "</th><td>");
    srv_esc(b, in != NULL ? cairn_report_short_name(in) : t->instrument);
    srv_put(b, "</td><td class=\"num\">");
    srv_int(b, (long long)t->n);
    srv_put(b, "</td><td>");
    sparkline(b, t, sc);
    srv_put(b, "</td><td class=\"num score\">");
    srv_number(b, t->latest);
    srv_put(b, "</td><td>");
    band_name(b, sc, t->band);
    srv_put(b, "</td><td class=\"num change\">");
    if (t->n >= 2) {
        srv_put(b, t->change > 0 ? "+" : "");
        srv_number(b, t->change);
    }
    srv_put(b, "</td><td class=\"status\">");
    srv_put(b, cairn_report_cell_status(t));
    srv_put(b, "</td><td>");
    srv_put(b, t->latest_date);
    srv_put(b, "</td><td>");
    alert_cell(b, t);
    srv_put(b, "</td><td>");
    nhstt_cell(b, e, t);
    srv_put(b, "</td></tr>\n");
}

/* `s` percent-encoded for a query value. */
static void put_query_value(srv_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.') {
            srv_putn(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            srv_putn(b, e, 3);
        }
    }
}

/* The page's address in order `sort` with `v`'s filters, on page `page`
 * (0: the first, unsaid), as an attribute value. */
static void put_href(srv_buf *b, const view *v, const char *sort, size_t page)
{
    srv_put(b, "/caseload?sort=");
    srv_put(b, sort);
    if (v->instrument != NULL) {
        srv_put(b, "&amp;instrument=");
        srv_esc(b, v->instrument);
    }
    if (v->q != NULL && v->q[0] != '\0') {
        srv_put(b, "&amp;q=");
        put_query_value(b, v->q);
    }
    srv_put(b, v->alerts ? "&amp;alerts=1" : "");
    srv_put(b, v->all ? "&amp;all=1" : "");
    if (page > 1) {
        srv_put(b, "&amp;page=");
        srv_int(b, (long long)page);
    }
}

/* A column's heading, a link to the table in its order (from the first
 * page). */
static void sort_link(srv_buf *b, const view *v, const char *key,
                      const char *label)
{
    srv_put(b, "<th scope=\"col\"");
    if (strcmp(v->sort, key) == 0) {
        srv_put(b, " aria-sort=\"");
        srv_put(b, strcmp(key, "client") == 0 ? "ascending" : "descending");
        srv_put(b, "\"");
    }
    srv_put(b, "><a href=\"");
    put_href(b, v, key, 0);
    srv_put(b, "\">");
    srv_put(b, label);
    srv_put(b, "</a></th>");
}

/* Which lines of the table page `v->page` shows (the last page when it
 * is past the end): the first of them and how many. */
static size_t page_lines(const view *v, size_t n, size_t *first)
{
    size_t pages = n == 0 ? 1 : (n + PAGE_ROWS - 1) / PAGE_ROWS;
    size_t page = v->page < pages ? v->page : pages;
    *first = (page - 1) * PAGE_ROWS;
    return n - *first < PAGE_ROWS ? n - *first : PAGE_ROWS;
}

/* "Rows 201-400 of 11,968" and links to the pages beside this one, when
 * the table has more than one page. */
static void pager(srv_buf *b, const view *v, size_t n, size_t first,
                  size_t shown)
{
    size_t pages = (n + PAGE_ROWS - 1) / PAGE_ROWS;
    size_t page = first / PAGE_ROWS + 1;
    if (pages <= 1) {
        return;
    }
    srv_put(b, "<nav class=\"pager no-print\" aria-label=\"Pages of the "
               "table\"><p>Rows ");
    srv_int(b, (long long)first + 1);
    srv_put(b, "&ndash;");
    srv_int(b, (long long)(first + shown));
    srv_put(b, " of ");
    srv_int(b, (long long)n);
    srv_put(b, " (page ");
    srv_int(b, (long long)page);
    srv_put(b, " of ");
    srv_int(b, (long long)pages);
    srv_put(b, ")");
    if (page > 1) {
        srv_put(b, " <a rel=\"prev\" href=\"");
        put_href(b, v, v->sort, page - 1);
        srv_put(b, "\">Previous page</a>");
    }
    if (page < pages) {
        srv_put(b, " <a rel=\"next\" href=\"");
        put_href(b, v, v->sort, page + 1);
        srv_put(b, "\">Next page</a>");
    }
    srv_put(b, "</p></nav>\n");
}

static void option(srv_buf *b, const char *value, const char *label,
                   const char *chosen)
{
    srv_put(b, "<option value=\"");
    srv_esc(b, value);
    srv_put(b, "\"");
    if (chosen != NULL && strcmp(chosen, value) == 0) {
        srv_put(b, " selected");
    }
    srv_put(b, ">");
    srv_esc(b, label);
    srv_put(b, "</option>");
}

static void filter_form(srv_ctx *c, srv_buf *b, const view *v)
{
    const cairn_catalog *cat = c->app->cfg.catalog;
    srv_put(b, "<form method=\"get\" action=\"/caseload\" class=\"filters "
               "no-print\">\n<div><label for=\"f-q\">Client</label>"
               "<input id=\"f-q\" name=\"q\" maxlength=\"64\" value=\"");
    srv_esc(b, v->q);
    srv_put(b, "\"></div>\n<div><label for=\"f-inst\">Questionnaire</label>"
               "<select id=\"f-inst\" name=\"instrument\">");
    option(b, "", "All", v->instrument ? v->instrument : "");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        option(b, cairn_instrument_code(in), cairn_report_short_name(in),
               v->instrument);
    }
    srv_put(b, "</select></div>\n<div><label for=\"f-sort\">Order</label>"
               "<select id=\"f-sort\" name=\"sort\">");
    option(b, "urgency", "Most urgent first", v->sort);
    option(b, "client", "Client", v->sort);
    option(b, "score", "Highest score first", v->sort);
    option(b, "change", "Largest rise first", v->sort);
    srv_put(b, "</select></div>\n<div class=\"check\"><input type=\"checkbox\""
               " id=\"f-alerts\" name=\"alerts\" value=\"1\"");
    srv_put(b, v->alerts ? " checked" : "");
    srv_put(b, "><label for=\"f-alerts\">Only clients with open alerts</label>"
               "</div>\n<div class=\"check\"><input type=\"checkbox\" "
               "id=\"f-all\" name=\"all\" value=\"1\"");
    srv_put(b, v->all ? " checked" : "");
    srv_put(b, "><label for=\"f-all\">Include discharged clients</label>"
               "</div>\n<div><button type=\"submit\">Show</button></div>\n"
               "</form>\n");
}

static int put_table(srv_ctx *c, srv_buf *b, const view *v,
                     cairn_caseload_rows *cl, const row *r, size_t n,
                     cairn_error *err)
{
    int rc = CAIRN_OK;
    srv_put(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
               "aria-label=\"Caseload table\">\n<table class=\"caseload\">\n"
               "<caption class=\"visually-hidden\">Caseload: one row per "
               "client and questionnaire</caption>\n<thead><tr>");
    sort_link(b, v, "client", "Client");
    srv_put(b, "<th scope=\"col\">Questionnaire</th><th scope=\"col\">"
               "Scores</th><th scope=\"col\">Course</th>");
    sort_link(b, v, "score", "Latest");
    srv_put(b, "<th scope=\"col\">Band</th>");
    sort_link(b, v, "change", "Change");
    srv_put(b, "<th scope=\"col\">Reliable change</th><th scope=\"col\">"
               "Last seen</th><th scope=\"col\">Open alerts</th>"
               "<th scope=\"col\">NHS Talking Therapies</th></tr></thead>\n"
               "<tbody>\n");
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        const cairn_caseload_row *e = NULL;
        rc = cairn_caseload_rows_get(cl, r[i].k, &e, err);
        if (rc == CAIRN_OK) {
            put_row(c, b, e, &e->cells[r[i].j]);
        }
    }
    srv_put(b, "</tbody>\n</table>\n</div>\n");
    return rc;
}

static void view_of(srv_ctx *c, view *v)
{
    const char *s = srv_query(c, "sort");
    const char *inst = srv_query(c, "instrument");
    const cairn_instrument *in = NULL;
    v->sort = s != NULL && (strcmp(s, "client") == 0 ||
                            strcmp(s, "score") == 0 || strcmp(s, "change") == 0)
                  ? s
                  : "urgency";
    v->q = srv_query(c, "q");
    v->instrument =
        inst != NULL && inst[0] != '\0' &&
                cairn_catalog_find(&in, c->app->cfg.catalog, inst, NULL) == 0
            ? cairn_instrument_code(in)
            : NULL;
    s = srv_query(c, "alerts");
    v->alerts = s != NULL && strcmp(s, "1") == 0;
    s = srv_query(c, "all");
    v->all = s != NULL && strcmp(s, "1") == 0;
    /* digits only, at most 9 of them; anything else is the first page */
    s = srv_query(c, "page");
    size_t len = s != NULL ? strlen(s) : 0;
    v->page = len > 0 && len <= 9 && strspn(s, "0123456789") == len
                  ? (size_t)strtoul(s, NULL, 10)
                  : 1;
    v->page = v->page > 0 ? v->page : 1;
}

/* The page could not be made: out of memory, or the rows unreadable. */
static void fail(srv_ctx *c, int rc, const cairn_error *err)
{
    if (rc == CAIRN_ENOMEM) {
        c->rs->oom = true;
    } else {
        srv_dash_fail(c, err);
    }
}

void srv_caseload_get(srv_ctx *c)
{
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload_rows *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    srv_buf b = SRV_BUF_INIT;
    view v;
    size_t n = 0, n_clients = 0;
    view_of(c, &v);
    o.clinician = srv_clinician_filter(c);
    o.instrument = v.instrument;
    o.all = v.all;
    if (cairn_caseload_rows_compute(&cl, c->app->cfg.store, c->app->cfg.catalog,
                                    &o, &err) < 0 ||
        cairn_store_audit_view(c->app->cfg.store, "caseload", NULL, &err) < 0) {
        cairn_caseload_rows_free(cl);
        srv_dash_fail(c, &err);
        return;
    }
    row *r = NULL;
    int rc = rows_of(&r, cl, &v, &n, &n_clients, &err);
    if (rc < 0) {
        cairn_caseload_rows_free(cl);
        fail(c, rc, &err);
        return;
    }
    srv_frame_begin(c, &b, "Caseload - Cairn", "caseload");
    srv_put(&b, "<h1>Caseload</h1>\n");
    filter_form(c, &b, &v);
    srv_put(&b, "<p class=\"count\">");
    srv_int(&b, (long long)n_clients);
    srv_put(&b, n_clients == 1 ? " client" : " clients");
    srv_put(&b, v.all ? ", discharged ones included" : ", active");
    srv_put(&b, ". <a class=\"no-print\" href=\"/downloads/caseload.xlsx\">"
                "Download as a workbook</a></p>\n");
    if (n == 0) {
        srv_put(&b, "<p>No client matches.</p>\n");
    } else {
        size_t first = 0;
        size_t shown = page_lines(&v, n, &first);
        pager(&b, &v, n, first, shown);
        rc = put_table(c, &b, &v, cl, r + first, shown, &err);
        pager(&b, &v, n, first, shown);
    }
    srv_frame_end(&b);
    free(r);
    cairn_caseload_rows_free(cl);
    if (rc < 0) {
        srv_buf_free(&b);
        fail(c, rc, &err);
        return;
    }
    srv_html(c->rs, 200, &b);
}
