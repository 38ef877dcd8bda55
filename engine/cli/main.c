/*
 * main.c - `cairn`: global options, the command table, dispatch and help.
 * Commands live one per file (cmd_<name>.c); this file holds no business
 * logic.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli.h"

static const cli_command *const commands[] = {
    &cli_score_command,      &cli_instruments_command, &cli_instrument_command,
    &cli_init_command,       &cli_client_command,      &cli_administer_command,
    &cli_record_command,     &cli_import_command,      &cli_history_command,
    &cli_assessment_command, &cli_event_command,       &cli_audit_command,
    &cli_rescore_command,    &cli_trend_command,       &cli_caseload_command,
    &cli_couple_command,     &cli_cohort_command,      &cli_alerts_command,
    &cli_alert_command,      &cli_report_command,      &cli_key_command,
    &cli_export_command,     &cli_aggregate_command,   &cli_settings_command,
};

static const char main_usage[] =
    "usage: cairn [--db PATH] [--instruments DIR] [--texts DIR] "
    "<command> [options] [args]\n";

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

static void print_main_help(FILE *out)
{
    fputs(main_usage, out);
    fputs("\nCairn scores standardized questionnaires exactly as their "
          "manuals say and\ntracks each client's results over time.\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-13s %s\n", commands[i]->name, commands[i]->summary);
    }
    fputs("\nGlobal options:\n"
          "  --db PATH          database file (default $CAIRN_DB, else "
          "./cairn.db)\n"
          "  --instruments DIR  instrument definitions (default "
          "$CAIRN_INSTRUMENTS,\n"
          "                     else the folder installed with cairn)\n"
          "  --texts DIR        your site's licensed item texts "
          "(<code>.texts.json;\n"
          "                     default $CAIRN_TEXTS)\n"
          "  --version          print the version\n"
          "\nExit status: 0 success, 1 data or runtime error, 2 usage "
          "error.\n"
          "Run 'cairn help <command>' for a command's options and an "
          "example.\n",
          out);
}

void cli_print_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s", cmd->usage, cmd->help);
}

static int run_help(int argc, char **argv)
{
    if (argc < 2) {
        print_main_help(stdout);
        return CLI_OK;
    }
    const cli_command *cmd = cli_find_command(argv[1]);
    if (cmd == NULL) {
        cli_error("unknown command '%s'; run 'cairn help' for the list",
                  argv[1]);
        return CLI_USAGE;
    }
    cli_print_help(cmd, stdout);
    return CLI_OK;
}

static int needs_value(const char *opt, int i, int argc)
{
    if (i + 1 >= argc) {
        cli_error("%s needs a value", opt);
        fputs(main_usage, stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    cli_ctx ctx = {.argv0 = argv[0]};
    ctx.db_path = getenv("CAIRN_DB");
    ctx.db_from = ctx.db_path != NULL && ctx.db_path[0] ? "CAIRN_DB" : NULL;
    ctx.texts_dir = getenv("CAIRN_TEXTS");
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--db") == 0 || strcmp(a, "--instruments") == 0 ||
            strcmp(a, "--texts") == 0) {
            if (needs_value(a, i, argc) < 0) {
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'd') {
                ctx.db_path = v;
                ctx.db_from = "--db";
            } else if (a[2] == 'i') {
                ctx.instruments_dir = v;
            } else {
                ctx.texts_dir = v;
            }
        } else if (strcmp(a, "--version") == 0) {
            printf("cairn %s\n", cairn_version());
            return CLI_OK;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_main_help(stdout);
            return CLI_OK;
        } else {
            cli_error("unknown global option '%s'", a);
            fputs(main_usage, stderr);
            return CLI_USAGE;
        }
    }
    if (ctx.db_path == NULL || ctx.db_path[0] == '\0') {
        ctx.db_path = "cairn.db";
    }
    if (i >= argc) {
        print_main_help(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        return run_help(argc - i, argv + i);
    }
    const cli_command *cmd = cli_find_command(argv[i]);
    if (cmd == NULL) {
        cli_error("unknown command '%s'; run 'cairn help' for the list",
                  argv[i]);
        return CLI_USAGE;
    }
    for (int j = i + 1; j < argc; j++) {
        if (strcmp(argv[j], "--help") == 0) {
            cli_print_help(cmd, stdout);
            return CLI_OK;
        }
    }
    int rc = cmd->run(&ctx, argc - i, argv + i);
    cairn_catalog_free(ctx.catalog);
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        cli_error("cannot write the output");
        rc = CLI_FAIL;
    }
    return rc;
}
