/*
 * http_mhd.c - the HTTP listener: the one file that includes
 * microhttpd.h.  libmicrohttpd parses HTTP (and, with GnuTLS, speaks TLS
 * 1.2+ only); this file turns each request into a cairn_server_request,
 * hands it to cairn_server_handle and sends back what it returns.
 *
 * One internal polling thread serves every connection, so the store is
 * used by one thread and requests are answered one after another, each
 * write one transaction.  Stopping the daemon lets the request in hand
 * finish.  Bounds: connections in all and per address, a per-connection
 * memory limit and time-out, and a cap on the body and on form fields
 * (a request over it is marked too large and refused with 413).
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "server_internal.h"

#define MAX_CONNECTIONS 64
#define MAX_PER_ADDRESS 16
#define TIMEOUT_SECONDS 30
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct cairn_server_http {
    struct MHD_Daemon *d;
    cairn_server_app *app;
    char *cert, *key;
};

/* What one request collects while its body arrives. */
typedef struct conn_state {
    struct MHD_PostProcessor *pp;
    cairn_server_field *fields;
    size_t n, cap;
    size_t body; /* bytes received */
    bool too_large;
} conn_state;

static void state_free(conn_state *s)
{
    if (s == NULL) {
        return;
    }
    if (s->pp != NULL) {
        MHD_destroy_post_processor(s->pp);
    }
    for (size_t i = 0; i < s->n; i++) {
        free((void *)s->fields[i].name);
        free((void *)s->fields[i].value);
    }
    free(s->fields);
    free(s);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Append `size` bytes to the value of the last field. */
static bool append_value(cairn_server_field *f, const char *data, size_t size)
{
    size_t old = strlen(f->value);
    if (old + size > CAIRN_SERVER_MAX_VALUE) {
        return false;
    }
    char *p = realloc((void *)f->value, old + size + 1);
    if (p == NULL) {
        return false;
    }
    memcpy(p + old, data, size);
    p[old + size] = '\0';
    f->value = p;
    return true;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *filename,
                                  const char *content_type,
                                  const char *encoding, const char *data,
                                  uint64_t off, size_t size)
{
    conn_state *s = cls;
    (void)kind, (void)filename, (void)content_type, (void)encoding;
    if (off > 0 && s->n > 0 && strcmp(s->fields[s->n - 1].name, key) == 0) {
        s->too_large =
            s->too_large || !append_value(&s->fields[s->n - 1], data, size);
        return s->too_large ? MHD_NO : MHD_YES;
    }
    if (s->n >= CAIRN_SERVER_MAX_FIELDS || size > CAIRN_SERVER_MAX_VALUE) {
        s->too_large = true;
        return MHD_NO;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        cairn_server_field *p = realloc(s->fields, cap * sizeof *p);
        if (p == NULL) {
            s->too_large = true;
            return MHD_NO;
        }
        s->fields = p;
        s->cap = cap;
    }
    cairn_server_field *f = &s->fields[s->n];
    f->name = dup_n(key, strlen(key));
    f->value = dup_n(data != NULL ? data : "", data != NULL ? size : 0);
    if (f->name == NULL || f->value == NULL) {
        free((void *)f->name);
        free((void *)f->value);
        s->too_large = true;
        return MHD_NO;
    }
    s->n++;
    return MHD_YES;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (ci == NULL || ci->client_addr == NULL) {
        return;
    }
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET,
                  &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                  out, (socklen_t)size);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  out, (socklen_t)size);
    }
}

static enum MHD_Result send_response(struct MHD_Connection *conn,
                                     const cairn_server_response *rs)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        rs->body_len, rs->body != NULL ? rs->body : (void *)"",
        MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    for (size_t i = 0; i < rs->n_headers; i++) {
        MHD_add_response_header(r, rs->headers[i].name, rs->headers[i].value);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned int)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The query's arguments, decoded by libmicrohttpd (borrowed from the
 * connection); past CAIRN_SERVER_MAX_QUERY the rest are ignored. */
typedef struct query_args {
    cairn_server_field a[CAIRN_SERVER_MAX_QUERY];
    size_t n;
} query_args;

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value)
{
    query_args *q = cls;
    (void)kind;
    if (q->n < CAIRN_SERVER_MAX_QUERY && key != NULL) {
        q->a[q->n].name = key;
        q->a[q->n].value = value != NULL ? value : "";
        q->n++;
    }
    return MHD_YES;
}

static enum MHD_Result answer(cairn_server_http *h, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              conn_state *s)
{
    cairn_server_request rq = CAIRN_SERVER_REQUEST_INIT;
    cairn_server_response rs;
    char peer[INET6_ADDRSTRLEN + 1];
    query_args q;
    q.n = 0;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
    peer_address(conn, peer, sizeof peer);
    rq.method = method;
    rq.path = url;
    rq.cookie_session = MHD_lookup_connection_value(
        conn, MHD_COOKIE_KIND,
        cairn_server_cookie_name(h->app, CAIRN_SERVER_COOKIE_SESSION));
    rq.cookie_login = MHD_lookup_connection_value(
        conn, MHD_COOKIE_KIND,
        cairn_server_cookie_name(h->app, CAIRN_SERVER_COOKIE_LOGIN));
    rq.host = header(conn, MHD_HTTP_HEADER_HOST);
    rq.origin = header(conn, "Origin");
    rq.sec_fetch_site = header(conn, "Sec-Fetch-Site");
    rq.content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    rq.remote_addr = peer;
    rq.n_fields = s->n;
    rq.fields = s->fields;
    rq.too_large = s->too_large;
    rq.now = (int64_t)time(NULL);
    rq.n_query = q.n;
    rq.query = q.a;
    cairn_server_handle(h->app, &rq, &rs);
    enum MHD_Result ret = send_response(conn, &rs);
    cairn_server_response_free(&rs);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    cairn_server_http *h = cls;
    conn_state *s = *con_cls;
    (void)version;
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL) {
            return MHD_NO;
        }
        if (strcmp(method, "POST") == 0) {
            s->pp = MHD_create_post_processor(conn, 8192, post_field, s);
        }
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        s->body += *upload_data_size;
        if (s->body > CAIRN_SERVER_MAX_BODY) {
            s->too_large = true;
        }
        if (!s->too_large && s->pp != NULL &&
            MHD_post_process(s->pp, upload_data, *upload_data_size) !=
                MHD_YES) {
            s->too_large = s->too_large || s->n >= CAIRN_SERVER_MAX_FIELDS;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(h, conn, url, method, s);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    state_free(*con_cls);
    *con_cls = NULL;
}

/* ------------------------------------------------------------------ */
/* Starting and stopping                                               */

int cairn_server_parse_address(const char *s, char *host, size_t host_size,
                               int *port, bool *loopback, cairn_error *err)
{
    const char *colon = s != NULL ? strrchr(s, ':') : NULL;
    char *end = NULL;
    if (colon == NULL || colon == s) {
        goto bad;
    }
    size_t n = (size_t)(colon - s);
    const char *h = s;
    if (s[0] == '[') {
        if (n < 3 || s[n - 1] != ']') {
            goto bad;
        }
        h = s + 1;
        n -= 2;
    }
    if (n + 1 > host_size) {
        goto bad;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 || p > 65535) {
        goto bad;
    }
    if (strcmp(host, "localhost") == 0) {
        snprintf(host, host_size, "127.0.0.1");
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        *loopback = (ntohl(a4.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &a6) == 1) {
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6);
    } else {
        goto bad;
    }
    *port = (int)p;
    return CAIRN_OK;
bad:
    return cairn_error_set(err, CAIRN_EINVAL,
                           "listen address '%.80s' is not ADDR:PORT (for "
                           "example 127.0.0.1:8430 or [::1]:0)",
                           s ? s : "");
}

static int read_pem(const char *path, char **out, cairn_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        return cairn_error_set(err, CAIRN_EIO, "%s: %s", path, strerror(errno));
    }
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = cap <= 1024 * 1024 ? realloc(buf, cap) : NULL;
            if (p == NULL) {
                free(buf);
                fclose(f);
                return cairn_error_set(err, CAIRN_EIO,
                                       "%s: too large for a PEM file", path);
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got < 4096) {
            break;
        }
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    buf[len] = '\0';
    if (bad || strstr(buf, "-----BEGIN") == NULL) {
        free(buf);
        return cairn_error_set(err, CAIRN_EIO, "%s: not a PEM file", path);
    }
    *out = buf;
    return CAIRN_OK;
}

static void http_free(cairn_server_http *h)
{
    if (h->key != NULL) {
        memset(h->key, 0, strlen(h->key));
    }
    free(h->key);
    free(h->cert);
    free(h);
}

/* Start the daemon bound to `sa`; NULL when it cannot bind. */
static struct MHD_Daemon *start(cairn_server_http *h, struct sockaddr *sa,
                                bool v6)
{
    unsigned int flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    if (h->cert != NULL) {
        flags |= MHD_USE_TLS;
        return MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, sa,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_ADDRESS,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)TIMEOUT_SECONDS,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
            MHD_OPTION_HTTPS_MEM_CERT, h->cert, MHD_OPTION_HTTPS_MEM_KEY,
            h->key, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
            MHD_OPTION_END);
    }
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_ADDRESS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)TIMEOUT_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
}

int cairn_server_http_start(cairn_server_http **out, cairn_server_app *app,
                            const cairn_server_listen *ls, char *url,
                            size_t url_size, cairn_error *err)
{
    char host[64];
    int port = 0;
    bool loop = false;
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    *out = NULL;
    int rc = cairn_server_parse_address(ls->address, host, sizeof host, &port,
                                        &loop, err);
    if (rc < 0) {
        return rc;
    }
    cairn_server_http *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    h->app = app;
    if (ls->tls_cert != NULL) {
        rc = read_pem(ls->tls_cert, &h->cert, err);
        if (rc == CAIRN_OK) {
            rc = read_pem(ls->tls_key, &h->key, err);
        }
    }
    if (rc < 0) {
        http_free(h);
        return rc;
    }
    bool v6 = strchr(host, ':') != NULL;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    a4.sin_family = AF_INET;
    a4.sin_port = htons((uint16_t)port);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((uint16_t)port);
    if (v6) {
        inet_pton(AF_INET6, host, &a6.sin6_addr);
    } else {
        inet_pton(AF_INET, host, &a4.sin_addr);
    }
    h->d = start(h, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4, v6);
    if (h->d == NULL) {
        http_free(h);
        return cairn_error_set(err, CAIRN_EIO,
                               "cannot listen on %s (in use, not an "
                               "address of this machine, or a bad TLS "
                               "certificate or key)",
                               ls->address);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(url, url_size, "%s://%s%s%s:%u", h->cert ? "https" : "http",
             v6 ? "[" : "", host, v6 ? "]" : "",
             di != NULL ? (unsigned)di->port : (unsigned)port);
    *out = h;
    return CAIRN_OK;
}

void cairn_server_http_stop(cairn_server_http *h)
{
    if (h == NULL) {
        return;
    }
    MHD_stop_daemon(h->d);
    http_free(h);
}
