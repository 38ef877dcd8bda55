/*
 * cmd_key.c - `cairn key`: make the clinic's secret site key for research
 * exports, or show the public id of one.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *output;

static const cli_opt new_opts[] = {{"output", "KEYFILE",
                                    "where to write the new key",
                                    .str = &output, .alias = 'o'},
                                   {NULL}};
static const cli_sub key_subs[] = {{"new", new_opts}, {"id", NULL}, {NULL}};

const cli_command cli_key_command = {
    .name = "key",
    .run = cmd_key,
    .summary = "make the site key for research exports",
    .usage = "cairn key new -o KEYFILE\n"
             "       cairn key id KEYFILE",
    .subs = key_subs,
    .example = "  cairn key new -o /secure/cairn-site.key\n",
    .help =
        "'key new' writes a new random site key (32 bytes from the operating\n"
        "system) to KEYFILE with mode 0600.  'cairn export' turns client\n"
        "codes into pseudonyms with it: the same key gives the same\n"
        "pseudonyms in every export, so keep the file secret (anyone with it\n"
        "and a list of client codes can link pseudonyms back to clients) and\n"
        "backed up (without it, later exports cannot be linked to earlier\n"
        "ones).  An existing file is never replaced.\n"
        "\n"
        "'key id' prints the key's public id, which every export's\n"
        "provenance records, so you can tell which key made an export\n"
        "without showing the key.\n",
};

int cli_key_load(const char *path, cairn_export_key **out)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_export_key_load(out, path, &err) < 0) {
        char next[600];
        snprintf(next, sizeof next, "make one with 'cairn key new -o %s'",
                 path);
        return cli_fail_next(&err, CAIRN_ENOTFOUND, next);
    }
    if (!cairn_export_key_is_private(*out)) {
        cli_error("warning: %s: permissions %04o are broader than 0600; "
                  "anyone who can read the key can link pseudonyms to "
                  "client codes (chmod 600 %s)",
                  path, cairn_export_key_mode(*out), path);
    }
    return CLI_OK;
}

static int key_new(int npos)
{
    const char *path = output;
    if (path == NULL || npos > 0) {
        return cli_usage("key", "give the key file with -o KEYFILE");
    }
    cairn_export_key *key = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char id[9];
    int rc = CLI_OK;
    if (cairn_export_key_new(&key, &err) < 0 ||
        cairn_export_key_write(key, path, &err) < 0 ||
        cairn_export_key_id(key, id, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        printf("wrote %s: a new site key (id %s), mode 0600\n"
               "keep it secret and backed up: exports made with it can be "
               "linked to each other, and without it pseudonyms cannot be "
               "made again\n",
               path, id);
    }
    cairn_export_key_free(key);
    return rc;
}

static int key_id(int npos, char **argv)
{
    if (npos != 1) {
        return cli_usage("key", "give one key file");
    }
    cairn_export_key *key = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char id[9];
    int rc = cli_key_load(argv[0], &key);
    if (rc == CLI_OK && cairn_export_key_id(key, id, &err) < 0) {
        rc = cli_fail(&err);
    } else if (rc == CLI_OK) {
        printf("%s\n", id);
    }
    cairn_export_key_free(key);
    return rc;
}

int cmd_key(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    (void)ctx;
    int rc = cli_sub_parse("key", key_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    return strcmp(sub->name, "new") == 0 ? key_new(n) : key_id(n, argv);
}
