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
    bool pruned;       /* sessions and links pruned at least once */
    int64_t pruned_at; /* when (the request's time) */
};

/* How often the server prunes ended sessions and expired links. */
#define SRV_PRUNE_SECONDS 3600

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
/* The skeleton up to and including <body> (no <main>). */
void srv_page_head(srv_buf *b, const char *title);
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

/* ---- the dashboard's frame (dash.c) ---- */

/* Role sets of routes and navigation (0 in a route: any logged-in role). */
#define SRV_ROLE_BIT(role) (1u << (role))
#define SRV_ROLES_CLINICAL                                                     \
    (SRV_ROLE_BIT(CAIRN_ROLE_CLINICIAN) |                                      \
     SRV_ROLE_BIT(CAIRN_ROLE_SUPERVISOR) | SRV_ROLE_BIT(CAIRN_ROLE_MANAGER))
#define SRV_ROLES_OUTCOMES                                                     \
    (SRV_ROLE_BIT(CAIRN_ROLE_SUPERVISOR) | SRV_ROLE_BIT(CAIRN_ROLE_MANAGER))
#define SRV_ROLES_RESEARCH                                                     \
    (SRV_ROLE_BIT(CAIRN_ROLE_RESEARCHER) | SRV_ROLE_BIT(CAIRN_ROLE_MANAGER))

/* Where `role` lands after logging in: Today, or Research. */
const char *srv_home_path(cairn_role role);
/* Whether `role` is in the set `roles` (0: every role). */
bool srv_role_in(cairn_role role, unsigned roles);
/* The clinician whose clients the person sees (their own name), or NULL
 * for supervisors and managers (every client). */
const char *srv_clinician_filter(const srv_ctx *c);
/* The request's date, "YYYY-MM-DD" (UTC; page_client.c). */
void srv_today(const srv_ctx *c, char out[11]);
/* A dashboard page's start: skeleton, the print heading (clinic, date,
 * "Confidential"), header with the navigation for the person's role
 * (`current` marks the page: "today", "caseload", ...) and logout, then
 * <main>.  `title` is escaped. */
void srv_frame_begin(srv_ctx *c, srv_buf *b, const char *title,
                     const char *current);
void srv_frame_end(srv_buf *b);
/* The calm 500 page for an engine failure (the detail is not shown). */
void srv_dash_fail(srv_ctx *c, const cairn_error *err);
/* "/client/<code>", escaped (page_client.c). */
void srv_client_href(srv_buf *b, const char *code);

/* ---- files handed out (download.c) ---- */

/* Make a private temporary folder (0700) in `dir`; false on failure. */
bool srv_temp_dir(char dir[64]);
/* Remove every file in `dir`, then `dir`. */
void srv_temp_remove(const char *dir);
/* Take the file at `path` as the body of a 200 attachment named `name`
 * (our own ASCII words) of `type`; false when it cannot be read. */
bool srv_send_file(srv_ctx *c, const char *path, const char *type,
                   const char *name);
/* Letters, digits, '-', '_' and '.': safe in a file name. */
bool srv_safe_char(char ch);
/* A link to the client's page: "Name (CODE)", or the code alone. */
void srv_client_link(srv_buf *b, const cairn_client *cl);
/* The short name people know a questionnaire by ("PHQ-9"), or `code`. */
const char *srv_instrument_label(const srv_ctx *c, const char *code);
/* A score or change as the command prints it (%g). */
void srv_number(srv_buf *b, double v);

/* ---- long lists a page at a time (pager.c) ---- */

/* Which items of a list of `n` one page shows. */
typedef struct srv_page {
    size_t n;     /* items in the whole list */
    size_t first; /* the first one shown (from 0) */
    size_t shown; /* how many are shown */
    size_t page;  /* this page, from 1 */
    size_t pages; /* how many pages (at least 1) */
} srv_page;

/* Page `asked` (from 1) of `n` items, `per` a page; a page past the last
 * is the last. */
srv_page srv_page_of(size_t n, size_t per, size_t asked);
/* The page the query argument `name` asks for: its number when it is 1
 * to 9 digits and not 0, else 1. */
size_t srv_query_page(const srv_ctx *c, const char *name);
/* The same of a text (a form field's), NULL allowed. */
size_t srv_page_number(const char *s);
/* Writes the address of page `page` of a list (an attribute value,
 * escaped), from what `arg` says of the page's order and filters. */
typedef void srv_page_href(srv_buf *b, const void *arg, size_t page);
/* When the list has more than one page: "`what` 201–400 of 11968 (page
 * 2 of 60)", with links to the pages before and after (rel prev and
 * next), in a navigation landmark named `label` (NULL: none, for the
 * same line again below the list).  Nothing otherwise.  Hidden in
 * print. */
void srv_pager(srv_buf *b, const srv_page *p, const char *what,
               const char *label, srv_page_href *href, const void *arg);

/* Whether client `cl`'s code or name holds `q`, ignoring ASCII case
 * (NULL or "" holds for everyone). */
bool srv_client_matches(const cairn_client *cl, const char *q);
/* `s` percent-encoded for a query value in an address. */
void srv_query_value(srv_buf *b, const char *s);

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
/* the dashboard (page_today.c, page_caseload.c, page_outcomes.c,
 * page_research.c, page_downloads.c) */
void srv_today_get(srv_ctx *c);
void srv_alert_post(srv_ctx *c);
void srv_caseload_get(srv_ctx *c);
void srv_outcomes_get(srv_ctx *c);
void srv_research_get(srv_ctx *c);
void srv_research_file_get(srv_ctx *c);
void srv_research_aggregate_post(srv_ctx *c);
void srv_downloads_get(srv_ctx *c);
void srv_download_file_get(srv_ctx *c);

#endif
