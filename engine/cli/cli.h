/*
 * cli.h - what the `cairn` command's files share: the run context, the
 * command table entry, and helpers that print diagnostics the one way
 * Cairn prints them ("cairn: <message>" on stderr).
 *
 * Exit status: 0 success, 1 data or runtime error, 2 usage error.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "cairn.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/** Global options and lazily loaded shared state for one run. */
typedef struct cli_ctx {
    const char *argv0;           /* for locating the instrument folder */
    const char *db_path;         /* --db, else $CAIRN_DB, else cairn.db */
    const char *instruments_dir; /* --instruments, else the default */
    const char *texts_dir;       /* --texts, else $CAIRN_TEXTS, or NULL */
    cairn_catalog *catalog;      /* loaded on first use */
} cli_ctx;

/** One entry of the command table in main.c. */
typedef struct cli_command {
    const char *name;
    int (*run)(cli_ctx *ctx, int argc, char **argv);
    const char *summary; /* one line for `cairn help` */
    const char *usage;   /* the usage line(s) */
    const char *help;    /* description, options and an example */
} cli_command;

/** Find a command by name, or NULL. */
const cli_command *cli_find_command(const char *name);

/**
 * The instrument catalog, loaded once; prints the error and returns NULL
 * when the definitions cannot be loaded.
 */
const cairn_catalog *cli_catalog(cli_ctx *ctx);

/** Find an instrument by code or alias; prints the error on failure. */
const cairn_instrument *cli_instrument(cli_ctx *ctx, const char *name);

/** Print "cairn: <message>" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** Print err's message as "cairn: <message>" and return CLI_FAIL. */
int cli_fail(const cairn_error *err);

/**
 * Print a usage error for command `cmd`: the message, the usage line and
 * "try 'cairn help <cmd>'"; return CLI_USAGE.
 */
int cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Print the full help of `cmd` to `out`. */
void cli_print_help(const cli_command *cmd, FILE *out);

/** Print a number the way people read scores: 11, 12.5, 0.333. */
void cli_print_number(FILE *out, double x);

/* The commands, one file each (cmd_<name>.c). */
int cmd_score(cli_ctx *ctx, int argc, char **argv);
int cmd_instruments(cli_ctx *ctx, int argc, char **argv);
int cmd_instrument(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_score_command;
extern const cli_command cli_instruments_command;
extern const cli_command cli_instrument_command;

#endif
