/*
 * cmd_link.c - `cairn link`: one-time self-report links for a client's
 * phone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *client, *instruments_list, *expires, *base_url;

static const cli_opt new_opts[] = {
    {"client", "CODE", "the client", .str = &client},
    {"instruments", "LIST", "e.g. phq9,gad7 (at most 8)",
     .str = &instruments_list},
    {"expires", "DURATION", "e.g. 72h (default), 30m, 7d; 1 minute to 30 days",
     .str = &expires},
    {"base-url", "URL", "where clients reach the server", .str = &base_url},
    {NULL}};
static const cli_sub link_subs[] = {
    {"new", new_opts}, {"revoke", NULL}, {NULL}};

const cli_command cli_link_command = {
    .name = "link",
    .run = cmd_link,
    .summary = "make or revoke a one-time self-report link",
    .usage = "cairn link new --client CODE --instruments LIST "
             "[--expires DURATION]\n"
             "                [--base-url URL]\n"
             "       cairn link revoke ID",
    .subs = link_subs,
    .example = "  cairn link new --client C001 --instruments phq9,gad7 \\\n"
               "      --base-url https://cairn.example-clinic.org\n",
    .help =
        "'new' prints a one-time address for the client to open on their\n"
        "phone and answer the questionnaires listed (comma-separated codes)\n"
        "while 'cairn serve' runs.  The page shows nothing that identifies\n"
        "them.  The address is printed only once (the database keeps a hash\n"
        "of it), takes one set of answers and expires.  'revoke' withdraws\n"
        "a link that has not been used.  The address starts with --base-url\n"
        "(default http://127.0.0.1:8430).\n",
};

/* "72h", "30m", "7d", "90s" into seconds; false when not one. */
static bool parse_duration(const char *s, int64_t *out)
{
    char *end = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int64_t unit = 0;
    if (errno != 0 || v > 1000000 || end[0] == '\0' || end[1] != '\0') {
        return false;
    }
    unit = end[0] == 's'   ? 1
           : end[0] == 'm' ? 60
           : end[0] == 'h' ? 3600
           : end[0] == 'd' ? 86400
                           : 0;
    *out = v * unit;
    return unit != 0;
}

/* Resolve "phq9,gad7" through the catalog into codes[]. */
static int instruments(cli_ctx *ctx, char *list, const char **codes, size_t *n)
{
    *n = 0;
    for (char *p = list; p != NULL && *p;) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*n == CAIRN_LINK_MAX_INSTRUMENTS) {
            return cli_usage("link",
                             "a link carries at most %d "
                             "instruments",
                             CAIRN_LINK_MAX_INSTRUMENTS);
        }
        const cairn_instrument *in = cli_instrument(ctx, p);
        if (in == NULL) {
            return CLI_FAIL;
        }
        /* a client sees the verbatim wording or nothing, as in administer */
        cairn_error err = CAIRN_ERROR_INIT;
        if (cairn_instrument_check_client_text(in, &err) < 0) {
            cli_fail(&err);
            cli_print_text_guidance(stderr, in);
            return CLI_FAIL;
        }
        codes[(*n)++] = cairn_instrument_code(in);
        p = comma != NULL ? comma + 1 : NULL;
    }
    return *n == 0 ? cli_usage("link", "--instruments is empty") : CLI_OK;
}

static int link_new(cli_ctx *ctx)
{
    const char *codes[CAIRN_LINK_MAX_INSTRUMENTS];
    char token[CAIRN_LINK_TOKEN_LEN + 1];
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    cairn_store *st = NULL;
    cairn_link *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int64_t id = 0, now = (int64_t)time(NULL);
    if (client == NULL || instruments_list == NULL) {
        return cli_usage("link", "link new needs --client and --instruments");
    }
    if (expires != NULL && !parse_duration(expires, &o.expires_seconds)) {
        return cli_usage("link",
                         "--expires '%s' is not a duration such as "
                         "72h, 30m or 7d",
                         expires);
    }
    char *list = strdup(instruments_list);
    int rc = list == NULL ? CLI_FAIL
                          : instruments(ctx, list, codes, &o.n_instruments);
    if (rc == CLI_OK && cli_store_open(ctx, &st) != CLI_OK) {
        rc = CLI_FAIL;
    }
    if (rc != CLI_OK) {
        free(list);
        return rc;
    }
    o.client_code = client;
    o.instruments = codes;
    int r = cairn_store_link_add(token, &id, st, &o, now, &err);
    if (r == CAIRN_OK) {
        r = cairn_store_link_get(&l, st, id, now, &err);
    }
    if (r == CAIRN_OK) {
        const char *base = base_url ? base_url : "http://127.0.0.1:8430";
        size_t bl = strlen(base);
        printf("%.*s/s/%s\n",
               (int)(bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl), base, token);
        printf("link %lld for client %s (%s) expires %s; this address is "
               "shown only once\n",
               (long long)id, client, instruments_list, l->expires_at);
    }
    cairn_store_link_free(l);
    cairn_store_close(st);
    free(list);
    return r < 0 ? cli_fail(&err) : CLI_OK;
}

static int link_revoke(cli_ctx *ctx, const char *arg)
{
    int64_t id = 0;
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (!cli_parse_id(arg, &id)) {
        return cli_usage("link", "link revoke needs a link ID");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_link_revoke(st, id, (int64_t)time(NULL), &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("revoked link %lld\n", (long long)id);
    return CLI_OK;
}

int cmd_link(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int npos = 0;
    int rc = cli_sub_parse("link", link_subs, argc, argv, &sub, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub->name, "new") == 0) {
        return npos > 0 ? cli_usage("link", "unexpected '%s'", argv[0])
                        : link_new(ctx);
    }
    return npos == 1 ? link_revoke(ctx, argv[0])
                     : cli_usage("link", "link revoke needs one link ID");
}
