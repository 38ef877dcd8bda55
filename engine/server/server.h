/*
 * server.h - Cairn's web front end: the application (a function from a
 * request to a response, tested without sockets) and the HTTP listener
 * around it (http_mhd.c, the one file that includes microhttpd.h).
 *
 * Like the command, the server uses only the engine's public headers and
 * adds no rule of its own: answers are scored by cairn_score_compute and
 * stored by cairn_store_link_submit exactly as `cairn record` stores
 * them.  Every request passes through security.c, which sets the
 * security headers on every response (errors too), resolves the session,
 * refuses cross-site and tokenless state changes and throttles logins,
 * before any page handler runs.
 *
 *     cairn_server_config cfg = CAIRN_SERVER_CONFIG_INIT;
 *     cfg.store = st;
 *     cfg.catalog = cat;
 *     cairn_server_app *app = NULL;
 *     cairn_server_app_new(&app, &cfg, &err);
 *     cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
 *     rq.method = "GET";
 *     rq.path = "/login";
 *     cairn_server_response rs;
 *     cairn_server_handle(app, &rq, &rs);
 *     ... rs.status, rs.headers, rs.body ...
 *     cairn_server_response_free(&rs);
 *     cairn_server_app_free(app);
 */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "cairn/account.h"
#include "cairn/link.h"
#include "cairn/settings.h"

/* ------------------------------------------------------------------ */
/* Limits (project policy)                                             */

#define CAIRN_SERVER_MAX_BODY (64 * 1024)   /**< bytes of a request body */
#define CAIRN_SERVER_MAX_FIELDS 400         /**< form fields */
#define CAIRN_SERVER_MAX_QUERY 16           /**< query arguments kept */
#define CAIRN_SERVER_MAX_VALUE 4096         /**< bytes of one field */
#define CAIRN_SERVER_MAX_PATH 1024          /**< bytes of the path */
#define CAIRN_SERVER_MAX_HEADERS 16         /**< response headers */
#define CAIRN_SERVER_LOGIN_FAILS_ACCOUNT 5  /**< per account per window */
#define CAIRN_SERVER_LOGIN_FAILS_ADDRESS 20 /**< per address per window */
#define CAIRN_SERVER_LOGIN_WINDOW 900       /**< seconds */

/** How the application runs. */
typedef struct cairn_server_config {
    cairn_store *store;           /**< borrowed; used by one thread */
    const cairn_catalog *catalog; /**< borrowed */
    bool tls;                     /**< served over TLS (cookie Secure,
                                       __Host- prefix, HSTS) */
    bool behind_proxy;            /**< a TLS proxy in front: as tls */
    const char *base_url;         /**< for printed links, or NULL */
    const char *crisis_text;      /**< NULL: the clinic's setting
                                       client.crisis_message, else
                                       cairn/client_text.h's default */
    cairn_session_limits limits;
    int64_t tablet_seconds;             /**< how long a tablet session lasts */
    const cairn_export_key *export_key; /**< borrowed: the site key for the
                                             Research page's export, or
                                             NULL (no export offered) */
} cairn_server_config;

#define CAIRN_SERVER_CONFIG_INIT                                               \
    {                                                                          \
        NULL, NULL, false, false, NULL, NULL, CAIRN_SESSION_LIMITS_INIT, 7200, \
            NULL                                                               \
    }

/** One form field of a request (both strings borrowed). */
typedef struct cairn_server_field {
    const char *name;
    const char *value;
} cairn_server_field;

/** A request, as the listener (or a test) hands it over.  Borrowed. */
typedef struct cairn_server_request {
    const char *method;         /**< "GET", "POST", ... */
    const char *path;           /**< without the query */
    const char *cookie_session; /**< the session cookie's value, or NULL */
    const char *cookie_login;   /**< the login form's cookie, or NULL */
    const char *host;           /**< Host header, or NULL */
    const char *origin;         /**< Origin header, or NULL */
    const char *sec_fetch_site; /**< Sec-Fetch-Site header, or NULL */
    const char *content_type;   /**< Content-Type header, or NULL */
    const char *remote_addr;    /**< the peer's address, e.g. "127.0.0.1" */
    size_t n_fields;            /**< form fields of a POST body */
    const cairn_server_field *fields;
    bool too_large; /**< the listener cut the body short */
    int64_t now;    /**< Unix time of the request */
    size_t n_query; /**< arguments of the query string, decoded */
    const cairn_server_field *query; /**< e.g. {"time", "since-loss"} */
} cairn_server_request;

#define CAIRN_SERVER_REQUEST_INIT                                              \
    {                                                                          \
        "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL, "127.0.0.1", 0, NULL,  \
            false, 0, 0, NULL                                                  \
    }

/** One response header (both strings owned by the response). */
typedef struct cairn_server_header {
    char *name;
    char *value;
} cairn_server_header;

/** A response: status, headers and a body, all owned by it. */
typedef struct cairn_server_response {
    int status;
    size_t n_headers;
    cairn_server_header headers[CAIRN_SERVER_MAX_HEADERS];
    char *body;
    size_t body_len;
    bool oom; /**< something could not be allocated: send a bare 500 */
} cairn_server_response;

/** The application (opaque): configuration and login throttles. */
typedef struct cairn_server_app cairn_server_app;

/**
 * Make the application.  Returns CAIRN_OK, CAIRN_EINVAL (no store or
 * catalog) or CAIRN_ENOMEM.
 */
int cairn_server_app_new(cairn_server_app **out, const cairn_server_config *cfg,
                         cairn_error *err);

/** Free the application.  NULL is allowed. */
void cairn_server_app_free(cairn_server_app *app);

/**
 * Answer one request: fills `rs` (free it with cairn_server_response_free)
 * with a status, the security headers, any cookie and a body.  Never
 * fails: a failure becomes a 500 page that reveals nothing.
 */
void cairn_server_handle(cairn_server_app *app, const cairn_server_request *rq,
                         cairn_server_response *rs);

/** Which cookie. */
typedef enum cairn_server_cookie {
    CAIRN_SERVER_COOKIE_SESSION = 0, /**< the login session */
    CAIRN_SERVER_COOKIE_LOGIN = 1    /**< the login form's CSRF nonce */
} cairn_server_cookie;

/**
 * The name of a cookie: "__Host-cairn_session" under TLS (a browser
 * accepts the prefix only with Secure), "cairn_session" on plain loopback
 * HTTP.  The listener reads only this name.
 */
const char *cairn_server_cookie_name(const cairn_server_app *app,
                                     cairn_server_cookie which);

/** The value of response header `name` (case-insensitive), or NULL. */
const char *cairn_server_response_header(const cairn_server_response *rs,
                                         const char *name);

/** Free what `rs` holds (not `rs` itself). */
void cairn_server_response_free(cairn_server_response *rs);

/* ------------------------------------------------------------------ */
/* The listener (http_mhd.c)                                           */

/** How the listener runs. */
typedef struct cairn_server_listen {
    const char *address;  /**< "127.0.0.1:8430", "[::1]:0", ... */
    const char *tls_cert; /**< PEM file, or NULL */
    const char *tls_key;  /**< PEM file, or NULL */
} cairn_server_listen;

/** A running listener (opaque). */
typedef struct cairn_server_http cairn_server_http;

/**
 * Start listening on `ls->address` (port 0 picks a free one) and serve
 * `app` from one internal thread, so the store is used by one thread.
 * The URL actually bound goes to `url`.
 * Returns CAIRN_OK, CAIRN_EINVAL (address), CAIRN_EIO (cannot bind, or
 * cannot read the certificate) or CAIRN_ENOMEM.
 */
int cairn_server_http_start(cairn_server_http **out, cairn_server_app *app,
                            const cairn_server_listen *ls, char *url,
                            size_t url_size, cairn_error *err);

/** Stop: finish the request in hand, close everything.  NULL allowed. */
void cairn_server_http_stop(cairn_server_http *h);

/**
 * Split "ADDR:PORT" (IPv6 in brackets) into its parts; whether the
 * address is a loopback one goes to `*loopback`.
 * Returns CAIRN_OK or CAIRN_EINVAL ("listen address 'x' is not
 * ADDR:PORT").
 */
int cairn_server_parse_address(const char *s, char *host, size_t host_size,
                               int *port, bool *loopback, cairn_error *err);

#endif
