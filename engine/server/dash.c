/*
 * dash.c - what every dashboard page shares: the header with the
 * clinic's name and the person logged in, the navigation their role
 * may use, the line printed at the top of every paper page, and who may
 * see which client.
 *
 * The navigation is one table; each entry names the roles it is shown
 * to, and security.c's route table enforces the same roles, so a link
 * is never shown to someone the page would refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "page_client.h"

typedef struct nav_item {
    const char *id, *path, *label;
    unsigned roles;
} nav_item;

static const nav_item nav[] = {
    {"today", "/today", "Today", SRV_ROLES_CLINICAL},
    {"caseload", "/caseload", "Caseload", SRV_ROLES_CLINICAL},
    {"outcomes", "/outcomes", "Clinic outcomes", SRV_ROLES_OUTCOMES},
    {"research", "/research", "Research", SRV_ROLES_RESEARCH},
    {"start", "/start", "Self-report", SRV_ROLES_CLINICAL},
    {"downloads", "/downloads", "Downloads", SRV_ROLES_CLINICAL},
};

const char *srv_home_path(cairn_role role)
{
    return role == CAIRN_ROLE_RESEARCHER ? "/research" : "/today";
}

bool srv_role_in(cairn_role role, unsigned roles)
{
    return roles == 0 || (roles & SRV_ROLE_BIT(role)) != 0;
}

const char *srv_clinician_filter(const srv_ctx *c)
{
    return cairn_role_sees_practice(c->session->account.role)
               ? NULL
               : c->session->account.name;
}

/* The clinic's name as set (clinic.name), or NULL; free() it. */
static char *clinic_name(srv_ctx *c)
{
    char *name = NULL;
    if (cairn_settings_get_text(c->app->cfg.store, "clinic.name", &name,
                                NULL) == CAIRN_OK &&
        name[0] != '\0') {
        return name;
    }
    free(name);
    return NULL;
}

void srv_frame_begin(srv_ctx *c, srv_buf *b, const char *title,
                     const char *current)
{
    char today[11];
    char *clinic = clinic_name(c);
    srv_today(c, today);
    srv_page_head(b, title);
    srv_put(b, "<a class=\"skip\" href=\"#main\">Skip to the page</a>\n");
    srv_print_head(b, clinic, today, NULL);
    srv_put(b, "<header class=\"top\">\n<p class=\"clinic\">");
    srv_esc(b, clinic != NULL ? clinic : "Cairn");
    free(clinic);
    srv_put(b, "</p>\n<nav aria-label=\"Dashboard\">\n<ul>\n");
    for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
        if (!srv_role_in(c->session->account.role, nav[i].roles)) {
            continue;
        }
        srv_put(b, "<li><a href=\"");
        srv_put(b, nav[i].path);
        srv_put(b, "\"");
        if (current != NULL && strcmp(current, nav[i].id) == 0) {
            srv_put(b, " aria-current=\"page\"");
        }
        srv_put(b, ">");
        srv_put(b, nav[i].label);
        srv_put(b, "</a></li>\n");
    }
    srv_put(b, "</ul>\n</nav>\n"
               "<form method=\"post\" action=\"/logout\" class=\"who\">\n");
    srv_csrf_field(b, c->csrf);
    srv_put(b, "<span>");
    srv_esc(b, c->session->account.name);
    srv_put(b, " (");
    srv_put(b, cairn_role_name(c->session->account.role));
    srv_put(b, ")</span>\n<button type=\"submit\">Log out</button>\n"
               "</form>\n</header>\n<main id=\"main\" class=\"wide\">\n");
}

void srv_frame_end(srv_buf *b)
{
    srv_page_end(b);
}

void srv_dash_fail(srv_ctx *c, const cairn_error *err)
{
    (void)err; /* never shown: it may name a client or a path */
    srv_message(c->rs, 500, "Something went wrong",
                "The page could not be made. Please try again.");
}

void srv_client_link(srv_buf *b, const cairn_client *cl)
{
    srv_put(b, "<a href=\"");
    srv_client_href(b, cl->code);
    srv_put(b, "\">");
    if (cl->name != NULL && cl->name[0] != '\0') {
        srv_esc(b, cl->name);
        srv_put(b, " <span class=\"code\">(");
        srv_esc(b, cl->code);
        srv_put(b, ")</span>");
    } else {
        srv_esc(b, cl->code);
    }
    srv_put(b, "</a>");
}

const char *srv_instrument_label(const srv_ctx *c, const char *code)
{
    const cairn_instrument *in = NULL;
    if (cairn_catalog_find(&in, c->app->cfg.catalog, code, NULL) < 0) {
        return code;
    }
    return cairn_report_short_name(in);
}

void srv_number(srv_buf *b, double v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%g", v);
    srv_put(b, tmp);
}
