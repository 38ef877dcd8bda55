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

static const char *listen_at = "127.0.0.1:8430", *tls_cert, *tls_key, *base_url,
                  *crisis_text, *site_key;
static bool behind_proxy;

static const cli_opt serve_opts[] = {
    {"listen", "ADDR:PORT", "default 127.0.0.1:8430; port 0 picks a free one",
     .str = &listen_at},
    {"tls-cert", "FILE", "PEM certificate (chain)", .str = &tls_cert},
    {"tls-key", "FILE", "PEM private key", .str = &tls_key},
    {"behind-proxy", NULL, "a TLS proxy is in front (cookies Secure)",
     .flag = &behind_proxy},
    {"base-url", "URL", "the address clients use, for links made here",
     .str = &base_url},
    {"crisis-text", "TEXT", "shown after a risk answer (default: setting)",
     .str = &crisis_text},
    {"key", "KEYFILE", "the site key, for the Research page's export",
     .str = &site_key},
    {NULL}};

const cli_command cli_serve_command = {
    .name = "serve",
    .run = cmd_serve,
    .summary = "run the web server for self-report and logins",
    .usage = "cairn serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key "
             "FILE]\n"
             "            [--behind-proxy] [--base-url URL] "
             "[--crisis-text TEXT]\n"
             "            [--key KEYFILE]",
    .opts = serve_opts,
    .example = "  cairn --db clinic.db serve --listen 127.0.0.1:8430\n",
    .help =
        "Serves the login page, the dashboard (Today, Caseload, Clinic\n"
        "outcomes, Research, Downloads and each client's page), the page for\n"
        "starting a tablet session or making a phone link, and the clients'\n"
        "questionnaire pages, over this database.  Prints 'listening on URL'\n"
        "first, runs in the foreground and stops cleanly on Ctrl-C or\n"
        "SIGTERM.  The command can be used on the same database meanwhile.\n"
        "\n"
        "Only a loopback address is served over plain HTTP.  Any other\n"
        "address needs --tls-cert and --tls-key (TLS 1.2 or newer), or\n"
        "--behind-proxy when a TLS proxy on this machine forwards to it.\n"
        "\n"
        "A client who endorses a risk item reads --crisis-text, else the\n"
        "clinic's setting client.crisis_message (see 'cairn settings'),\n"
        "else a general text that names no service.\n"
        "\n"
        "With --key (the site key of 'cairn key new') researchers and\n"
        "managers can download the de-identified export from the Research\n"
        "page, as 'cairn export --key' writes it.\n",
};

typedef struct serve_args {
    cairn_server_listen listen;
    cairn_server_config cfg;
} serve_args;

static int parse(serve_args *a, int argc, char **argv)
{
    int npos = 0;
    int rc = cli_opt_parse("serve", serve_opts, argc, argv, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (npos > 0) {
        return cli_usage("serve", "unexpected '%s'", argv[0]);
    }
    if ((tls_cert == NULL) != (tls_key == NULL)) {
        return cli_usage("serve", "--tls-cert and --tls-key go together");
    }
    a->listen.address = listen_at;
    a->listen.tls_cert = tls_cert;
    a->listen.tls_key = tls_key;
    a->cfg.base_url = base_url;
    a->cfg.crisis_text = crisis_text;
    a->cfg.behind_proxy = behind_proxy;
    a->cfg.tls = tls_cert != NULL;
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
    cairn_export_key *key = NULL;
    if (site_key != NULL && cli_key_load(site_key, &key) != CLI_OK) {
        cairn_store_close(a.cfg.store);
        return CLI_FAIL;
    }
    a.cfg.export_key = key;
    rc = run(&a);
    cairn_export_key_free(key);
    cairn_store_close(a.cfg.store);
    return rc;
}
