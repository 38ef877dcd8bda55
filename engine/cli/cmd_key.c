/*
 * cmd_key.c - `cairn key`: make the clinic's secret site key for research
 * exports, or show the public id of one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_key_command = {
    "key",
    cmd_key,
    "make the site key for research exports",
    "cairn key new -o KEYFILE\n"
    "       cairn key id KEYFILE",
    "'key new' writes a new random site key (32 bytes from the operating\n"
    "system) to KEYFILE with mode 0600.  'cairn export' turns client codes\n"
    "into pseudonyms with it: the same key gives the same pseudonyms in\n"
    "every export, so keep the file secret (anyone with it and a list of\n"
    "client codes can link pseudonyms back to clients) and backed up\n"
    "(without it, later exports cannot be linked to earlier ones).  An\n"
    "existing file is never replaced.\n"
    "\n"
    "'key id' prints the key's public id, which every export's provenance\n"
    "records, so you can tell which key made an export without showing\n"
    "the key.\n"
    "\n"
    "Options:\n"
    "  -o, --output KEYFILE  where to write the new key\n"
    "\n"
    "Example:\n"
    "  cairn key new -o /secure/cairn-site.key\n",
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

static int key_new(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c != 'o') {
            return cli_usage("key", "unknown option '%s'", argv[optind - 1]);
        }
        path = optarg;
    }
    if (path == NULL || optind < argc) {
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

static int key_id(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        return cli_usage("key", "give one key file");
    }
    cairn_export_key *key = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char id[9];
    int rc = cli_key_load(argv[1], &key);
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
    (void)ctx;
    if (argc < 2) {
        return cli_usage("key", "give 'new' or 'id'");
    }
    if (strcmp(argv[1], "new") == 0) {
        return key_new(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "id") == 0) {
        return key_id(argc - 1, argv + 1);
    }
    return cli_usage("key", "unknown subcommand '%s'; give 'new' or 'id'",
                     argv[1]);
}
