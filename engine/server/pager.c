/*
 * pager.c - long lists a page at a time: which items a page shows, the
 * page a query asks for, and the line above and below a list that says
 * where the reader is ("Rows 201–400 of 11968 (page 2 of 60)") with
 * links to the pages before and after; and the filter by part of a
 * client's code or name, with its value for those links.  The Caseload's
 * table, Today's alerts and questionnaires due and the Downloads'
 * clients use it, so a practice of any size gets pages of one size
 * (their addresses keep the order and filters: the callers write them).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server_internal.h"

srv_page srv_page_of(size_t n, size_t per, size_t asked)
{
    srv_page p = {.n = n};
    p.pages = n == 0 ? 1 : (n + per - 1) / per;
    p.page = asked < 1 ? 1 : asked < p.pages ? asked : p.pages;
    p.first = (p.page - 1) * per;
    p.shown = n - p.first < per ? n - p.first : per;
    return p;
}

size_t srv_query_page(const srv_ctx *c, const char *name)
{
    return srv_page_number(srv_query(c, name));
}

size_t srv_page_number(const char *s)
{
    /* digits only, at most 9 of them; anything else is the first page */
    size_t len = s != NULL ? strlen(s) : 0;
    if (len == 0 || len > 9 || strspn(s, "0123456789") != len) {
        return 1;
    }
    size_t page = (size_t)strtoul(s, NULL, 10);
    return page > 0 ? page : 1;
}

void srv_pager(srv_buf *b, const srv_page *p, const char *what,
               const char *label, srv_page_href *href, const void *arg)
{
    if (p->pages <= 1) {
        return;
    }
    if (label != NULL) {
        srv_put(b, "<nav class=\"pager no-print\" aria-label=\"");
        srv_esc(b, label);
        srv_put(b, "\"><p>");
    } else {
        srv_put(b, "<div class=\"pager no-print\"><p>");
    }
    srv_esc(b, what);
    srv_put(b, " ");
    srv_int(b, (long long)p->first + 1);
    srv_put(b, "&ndash;");
    srv_int(b, (long long)(p->first + p->shown));
    srv_put(b, " of ");
    srv_int(b, (long long)p->n);
    srv_put(b, " (page ");
    srv_int(b, (long long)p->page);
    srv_put(b, " of ");
    srv_int(b, (long long)p->pages);
    srv_put(b, ")");
    if (p->page > 1) {
        srv_put(b, " <a rel=\"prev\" href=\"");
        href(b, arg, p->page - 1);
        srv_put(b, "\">Previous page</a>");
    }
    if (p->page < p->pages) {
        srv_put(b, " <a rel=\"next\" href=\"");
        href(b, arg, p->page + 1);
        srv_put(b, "\">Next page</a>");
    }
    srv_put(b, label != NULL ? "</p></nav>\n" : "</p></div>\n");
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

bool srv_client_matches(const cairn_client *cl, const char *q)
{
    return q == NULL || q[0] == '\0' || contains(cl->code, q) ||
           contains(cl->name, q);
}

void srv_query_value(srv_buf *b, const char *s)
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
