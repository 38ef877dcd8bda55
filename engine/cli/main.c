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
    &cli_fhir_command,       &cli_serve_command,       &cli_user_command,
    &cli_link_command,       &cli_backup_command,      &cli_redcap_command,
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
    cli_opt_print_help(out, cmd->name, cmd->opts, cmd->subs);
    if (cmd->example != NULL) {
        fprintf(out, "\nExample:\n%s", cmd->example);
    }
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

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    cli_ctx ctx = {.argv0 = argv[0]};
    bool version = false, help = false;
    const char *db = NULL;
    const cli_opt global_opts[] = {
        {"db", "PATH", "database file", .str = &db},
        {"instruments", "DIR", "instrument definitions",
         .str = &ctx.instruments_dir},
        {"texts", "DIR", "licensed item texts", .str = &ctx.texts_dir},
        {"version", NULL, "print the version", .flag = &version},
        {"help", NULL, "this help", .flag = &help, .alias = 'h'},
        {NULL}};
    int i = 0;
    ctx.texts_dir = getenv("CAIRN_TEXTS");
    if (cli_opt_parse_head(global_opts, argc, argv, &i) != CLI_OK) {
        fputs(main_usage, stderr);
        return CLI_USAGE;
    }
    if (version) {
        printf("cairn %s\n", cairn_version());
        return CLI_OK;
    }
    if (help) {
        print_main_help(stdout);
        return CLI_OK;
    }
    const char *env_db = getenv("CAIRN_DB");
    if (db != NULL) {
        ctx.db_path = db;
        ctx.db_from = "named by --db";
    } else if (env_db != NULL && env_db[0] != '\0') {
        ctx.db_path = env_db;
        ctx.db_from = "named by $CAIRN_DB";
    } else {
        ctx.db_path = "cairn.db";
        ctx.db_from = "the default when neither --db nor $CAIRN_DB names "
                      "one";
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
    if (cli_opt_help_asked(cmd->opts, cmd->subs, argc - i, argv + i)) {
        cli_print_help(cmd, stdout);
        return CLI_OK;
    }
    int rc = cmd->run(&ctx, argc - i, argv + i);
    cairn_catalog_free(ctx.catalog);
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        cli_error("cannot write the output");
        rc = CLI_FAIL;
    }
    return rc;
}
