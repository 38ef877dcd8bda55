/*
 * html.c - the server's HTML: a growable buffer, the one escaping
 * function every piece of text goes through, and the page skeleton.
 * Nothing is loaded from outside: the only stylesheet is /style.css,
 * served by this server, and no page carries a script.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/text.h"
#include "server_internal.h"

static bool grow(srv_buf *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    if (b->len + extra + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void srv_putn(srv_buf *b, const char *s, size_t n)
{
    if (!grow(b, n)) {
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void srv_put(srv_buf *b, const char *s)
{
    srv_putn(b, s, strlen(s));
}

void srv_int(srv_buf *b, long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        tmp[sizeof tmp - 1 - n++] = '-';
    }
    srv_putn(b, tmp + sizeof tmp - n, n);
}

void srv_printf(srv_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        srv_putn(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    srv_putn(b, big, (size_t)n);
    free(big);
}

void srv_num(srv_buf *b, double x)
{
    srv_printf(b, "%.15g", x);
}

void srv_esc(srv_buf *b, const char *s)
{
    const char *p = s != NULL ? s : "";
    size_t left = strlen(p);
    while (left > 0) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        uint32_t cp = 0;
        size_t n = rep != NULL ? 1 : cairn_text_next(p, left, &cp);
        if (rep != NULL) {
            srv_put(b, rep);
        } else if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') ||
                   (cp >= 0x7F && cp < 0xA0)) {
            /* not UTF-8 (one byte at a time), or a control character */
            srv_put(b, "\xEF\xBF\xBD"); /* U+FFFD */
            n = n == 0 ? 1 : n;
        } else {
            srv_putn(b, p, n);
        }
        p += n;
        left -= n;
    }
}

void srv_buf_free(srv_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void page_begin(srv_buf *b, const char *title, const char *main_tag)
{
    srv_put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
               "<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, "
               "initial-scale=1\">\n"
               "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    srv_esc(b, title);
    srv_put(b, "</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
               "</head>\n<body>\n");
    srv_put(b, main_tag);
}

void srv_page_begin(srv_buf *b, const char *title)
{
    page_begin(b, title, "<main id=\"main\">\n");
}

void srv_page_head(srv_buf *b, const char *title)
{
    page_begin(b, title, "");
}

void srv_page_begin_wide(srv_buf *b, const char *title)
{
    page_begin(b, title, "<main id=\"main\" class=\"wide\">\n");
}

void srv_page_end(srv_buf *b)
{
    srv_put(b, "</main>\n</body>\n</html>\n");
}
