/*
 * server_internal.h - what the server's files share: the application,
 * the per-request context, the HTML buffer with its one escaping
 * function, response helpers and the page handlers.  Never installed.
 */
#ifndef CAIRN_SERVER_INTERNAL_H
#define CAIRN_SERVER_INTERNAL_H

#include "server.h"

/* ---- login throttling (throttle.c) ---- */

#define SRV_THROTTLE_SLOTS 512

typedef struct srv_throttle_slot {
    char key[80]; /* "a:<name>" or "i:<address>"; "" = free */
    int fails;
    int64_t first; /* start of the window */
} srv_throttle_slot;

typedef struct srv_throttle {
    srv_throttle_slot slots[SRV_THROTTLE_SLOTS];
} srv_throttle;

/* Seconds until `key` may try again (0 = now), given `limit` failures
 * per window. */
int64_t srv_throttle_wait(srv_throttle *t, const char *key, int limit,
                          int64_t now);
/* Count a failed login for `key`. */
void srv_throttle_fail(srv_throttle *t, const char *key, int64_t now);
/* Forget `key` (a successful login). */
void srv_throttle_clear(srv_throttle *t, const char *key);

struct cairn_server_app {
    cairn_server_config cfg;
    srv_throttle throttle;
};

/* ---- HTML and text (html.c) ---- */

typedef struct srv_buf {
    char *p;
    size_t len, cap;
    bool oom;
} srv_buf;

#define SRV_BUF_INIT                                                           \
    {                                                                          \
        NULL, 0, 0, false                                                      \
    }

void srv_put(srv_buf *b, const char *s);
void srv_putn(srv_buf *b, const char *s, size_t n);
void srv_int(srv_buf *b, long long v);
/* Formatted text: numbers and fixed words, never text from the store
 * (which goes through srv_esc). */
void srv_printf(srv_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A number the way people read scores: 11, 12.5, 0.333. */
void srv_num(srv_buf *b, double x);
/* The one escaping function: text into HTML content or a quoted
 * attribute value (& < > " ' escaped; invalid UTF-8 and control bytes
 * replaced). */
void srv_esc(srv_buf *b, const char *s);
void srv_buf_free(srv_buf *b);

/* The page skeleton: doctype, <head> with the title and /style.css,
 * <body><main>. `title` is escaped. */
void srv_page_begin(srv_buf *b, const char *title);
void srv_page_end(srv_buf *b);
/* The same for the clinician's dashboard pages: a wider <main>. */
void srv_page_begin_wide(srv_buf *b, const char *title);

/* ---- a request in hand ---- */

typedef struct srv_ctx {
    cairn_server_app *app;
    const cairn_server_request *rq;
    cairn_server_response *rs;
    cairn_session *session; /* the logged-in person, or NULL */
    char csrf[65];          /* the session's CSRF token, or "" */
    const char *session_id; /* the cookie value when the session is live */
} srv_ctx;

/* A form field of the request, or NULL. */
const char *srv_field(const srv_ctx *c, const char *name);
/* A query-string argument of the request ("?time=since-loss"), or NULL. */
const char *srv_query(const srv_ctx *c, const char *name);
/* Whether the logged-in person may see client `cl`: their own clients
 * (the client's recorded clinician is their account name), or the whole
 * practice for supervisors and managers; never for researchers. */
bool srv_may_see(const cairn_session *s, const cairn_client *cl);

/* ---- responses (security.c) ---- */

void srv_header(cairn_server_response *rs, const char *name, const char *value);
/* Take `b` as the body of an HTML response with `status`. */
void srv_html(cairn_server_response *rs, int status, srv_buf *b);
/* 303 See Other to `location` (a path of this server). */
void srv_redirect(cairn_server_response *rs, const char *location);
/* A page saying `message` under `title` with `status`: reveals nothing
 * beyond the words given. */
void srv_message(cairn_server_response *rs, int status, const char *title,
                 const char *message);
/* Set (value) or clear (NULL) the session cookie. */
void srv_session_cookie(srv_ctx *c, const char *value);
/* Set the login form's nonce cookie (NULL clears it). */
void srv_login_cookie(srv_ctx *c, const char *value);
/* The hidden CSRF field for a form of this session or link. */
void srv_csrf_field(srv_buf *b, const char *token);
/* The origin this server is reached at, e.g. "http://127.0.0.1:8430". */
void srv_own_origin(const srv_ctx *c, srv_buf *b);

/* ---- pages ---- */

void srv_login_get(srv_ctx *c);
void srv_login_post(srv_ctx *c);
void srv_logout_post(srv_ctx *c);
void srv_start_get(srv_ctx *c);
void srv_start_post(srv_ctx *c);
/* /s/<token>: the client's side, GET and POST */
void srv_form_get(srv_ctx *c, const char *token);
void srv_form_post(srv_ctx *c, const char *token);
void srv_style_get(srv_ctx *c);

#endif
