/*
 * cmd_serve.c - `cairn serve`: run the web server in the foreground over
 * the same database and instrument definitions as the command.
 *
 * The listener (engine/server) answers from one thread; this thread only
 * waits for SIGTERM or SIGINT, then stops the listener, which finishes
 * the request in hand, so no record is left half-written.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "server.h"

const cli_command cli_serve_command = {
    "serve",
    cmd_serve,
    "run the web server for self-report and logins",
    "cairn serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "            [--behind-proxy] [--base-url URL] [--crisis-text TEXT]",
    "Serves the login page, the clinician's page for starting a tablet\n"
    "session or making a phone link, and the clients' questionnaire\n"
    "pages, over this database.  Prints 'listening on URL' first, runs\n"
    "in the foreground and stops cleanly on Ctrl-C or SIGTERM.  The\n"
    "command can be used on the same database meanwhile.\n"
    "\n"
    "Only a loopback address is served over plain HTTP.  Any other\n"
    "address needs --tls-cert and --tls-key (TLS 1.2 or newer), or\n"
    "--behind-proxy when a TLS proxy on this machine forwards to it.\n"
    "\n"
    "Options:\n"
    "  --listen ADDR:PORT  default 127.0.0.1:8430; port 0 picks a free one\n"
    "  --tls-cert FILE     PEM certificate (chain)\n"
    "  --tls-key FILE      PEM private key\n"
    "  --behind-proxy      a TLS proxy is in front (cookies marked Secure)\n"
    "  --base-url URL      the address clients use, for links made here\n"
    "  --crisis-text TEXT  what a client who endorsed a risk item reads\n"
    "                      (default: the setting client.crisis_message,\n"
    "                      see 'cairn settings'; else a general text that\n"
    "                      names no service)\n"
    "\n"
    "Example:\n"
    "  cairn --db clinic.db serve --listen 127.0.0.1:8430\n",
};

typedef struct serve_args {
    cairn_server_listen listen;
    cairn_server_config cfg;
} serve_args;

static int parse(serve_args *a, int argc, char **argv)
{
    static const char *const opts[] = {"--listen", "--tls-cert", "--tls-key",
                                       "--base-url", "--crisis-text"};
    const char **slot[] = {&a->listen.address, &a->listen.tls_cert,
                           &a->listen.tls_key, &a->cfg.base_url,
                           &a->cfg.crisis_text};
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < 5 && strcmp(argv[i], opts[k]) != 0) {
            k++;
        }
        if (k < 5) {
            if (i + 1 >= argc) {
                return cli_usage("serve", "%s needs a value", argv[i]);
            }
            *slot[k] = argv[++i];
        } else if (strcmp(argv[i], "--behind-proxy") == 0) {
            a->cfg.behind_proxy = true;
        } else {
            return cli_usage("serve", "unexpected '%s'", argv[i]);
        }
    }
    if ((a->listen.tls_cert == NULL) != (a->listen.tls_key == NULL)) {
        return cli_usage("serve", "--tls-cert and --tls-key go together");
    }
    a->cfg.tls = a->listen.tls_cert != NULL;
    return CLI_OK;
}

static int check_address(const serve_args *a)
{
    char host[64];
    int port = 0;
    bool loopback = false;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_server_parse_address(a->listen.address, host, sizeof host, &port,
                                   &loopback, &err) < 0) {
        return cli_usage("serve", "%s", err.message);
    }
    if (!loopback && !a->cfg.tls && !a->cfg.behind_proxy) {
        return cli_usage("serve",
                         "refusing to serve %s without TLS: clients' "
                         "answers and passwords would cross the network "
                         "unencrypted; give --tls-cert and --tls-key, or "
                         "--behind-proxy when a TLS proxy is in front",
                         a->listen.address);
    }
    return CLI_OK;
}

/* Serve until SIGTERM or SIGINT. */
static int run(serve_args *a)
{
    cairn_server_app *app = NULL;
    cairn_server_http *http = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char url[128];
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* blocked before the listener's thread starts, so it inherits it */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = cairn_server_app_new(&app, &a->cfg, &err);
    if (rc == CAIRN_OK) {
        rc = cairn_server_http_start(&http, app, &a->listen, url, sizeof url,
                                     &err);
    }
    if (rc < 0) {
        cairn_server_app_free(app);
        return cli_fail(&err);
    }
    printf("listening on %s\n", url);
    fflush(stdout);
    sigwait(&set, &sig);
    cairn_server_http_stop(http);
    cairn_server_app_free(app);
    fprintf(stderr, "cairn: stopped (%s)\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    return CLI_OK;
}

int cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    serve_args a;
    cairn_server_config defaults = CAIRN_SERVER_CONFIG_INIT;
    memset(&a, 0, sizeof a);
    a.cfg = defaults;
    a.listen.address = "127.0.0.1:8430";
    int rc = parse(&a, argc, argv);
    if (rc == CLI_OK) {
        rc = check_address(&a);
    }
    if (rc != CLI_OK) {
        return rc;
    }
    a.cfg.catalog = cli_catalog(ctx);
    if (a.cfg.catalog == NULL || cli_store_open(ctx, &a.cfg.store) != CLI_OK) {
        return CLI_FAIL;
    }
    rc = run(&a);
    cairn_store_close(a.cfg.store);
    return rc;
}
