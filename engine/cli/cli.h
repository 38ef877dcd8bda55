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
#include "cairn/import.h"
#include "cairn/store.h"
#include "cairn/caseload.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/** Global options and lazily loaded shared state for one run. */
typedef struct cli_ctx {
    const char *argv0;           /* for locating the instrument folder */
    const char *db_path;         /* --db, else $CAIRN_DB, else cairn.db */
    const char *db_from;         /* which of them: "--db", "CAIRN_DB", or
                                    NULL for the default */
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

/** cli_fail, adding "; <next>" (the next step, in the command's words)
 *  when err's code is `code`; returns CLI_FAIL. */
int cli_fail_next(const cairn_error *err, int code, const char *next);

/** cli_fail, adding how to link a partner when client `code` has none
 *  (the couple commands); returns CLI_FAIL. */
int cli_fail_couple(const cairn_error *err, const char *code);

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

/** The width plain output fits: a 100-column terminal. */
#define CLI_WIDTH 100

/** A no-break space for cli_print_wrapped: printed as a space, never
 * broken at ("!! RISK item" CLI_NBSP "10"). */
#define CLI_NBSP "\xc2\xa0"

/**
 * Print `text` wrapped at word boundaries to CLI_WIDTH columns: the first
 * line after `first`, the others after `rest` (an indent); a newline in
 * `text` starts a new line.  Ends with a newline.
 */
void cli_print_wrapped(FILE *out, const char *first, const char *rest,
                       const char *text);

/** Read the value of --codes (positions|scores); a usage error if not. */
int cli_parse_entry(const char *cmd, const char *value, cairn_entry *out);

/**
 * Refuse, as a usage error of `cmd` with one line explaining both
 * choices, an instrument whose codes differ from its scores when --codes
 * was not given.
 */
int cli_check_entry(const char *cmd, const cairn_instrument *inst,
                    cairn_entry entry);

/**
 * Echo a response set item by item as the clinician's entries count:
 * "  10  Never -> 0" (the option's label and its score).
 */
void cli_print_entries(FILE *out, const cairn_instrument *inst,
                       const cairn_responses *resp);

/**
 * Tell the clinician how to add a clinic's text pack for `inst`: where the
 * form comes from, the file format and --texts.
 */
void cli_print_text_guidance(FILE *out, const cairn_instrument *inst);

/** Print a number the way people read scores: 11, 12.5, 0.333. */
void cli_print_number(FILE *out, double x);

/* The commands, one file each (cmd_<name>.c). */
int cmd_score(cli_ctx *ctx, int argc, char **argv);
int cmd_instruments(cli_ctx *ctx, int argc, char **argv);
int cmd_instrument(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_score_command;
extern const cli_command cli_instruments_command;
extern const cli_command cli_instrument_command;

/* The longitudinal record (cli_store.c and the store commands). */

/** Who is at the keyboard: $CAIRN_USER, else $USER, else "unknown". */
const char *cli_actor(void);

/**
 * Open the database named by --db / $CAIRN_DB / ./cairn.db; prints the
 * error and returns CLI_FAIL when it is missing or not a Cairn database.
 */
int cli_store_open(cli_ctx *ctx, cairn_store **out);

/** Print `s` as a JSON string (null for NULL). */
void cli_json_string(FILE *out, const char *s);

/** Print a stored assessment as one JSON object (no newline). */
void cli_print_assessment_json(cli_ctx *ctx, FILE *out,
                               const cairn_assessment *a);

/** Print a stored assessment as one line for people. */
void cli_print_assessment_line(cli_ctx *ctx, FILE *out,
                               const cairn_assessment *a);

/**
 * Print a stored assessment's item answers, one line each, as
 * cli_print_entries does ("  10  Never -> 0"); a definition no longer in
 * the catalog prints the codes alone.
 */
void cli_print_stored_items(cli_ctx *ctx, FILE *out, const cairn_assessment *a);

/** Print the unmistakable notice for each risk flag of `score`. */
void cli_print_risk(FILE *out, const cairn_score *score);

/** Parse a whole positive id; false when `s` is not one. */
bool cli_parse_id(const char *s, int64_t *id);

int cmd_init(cli_ctx *ctx, int argc, char **argv);
int cmd_client(cli_ctx *ctx, int argc, char **argv);
int cmd_administer(cli_ctx *ctx, int argc, char **argv);
int cmd_record(cli_ctx *ctx, int argc, char **argv);
int cmd_import(cli_ctx *ctx, int argc, char **argv);
int cmd_history(cli_ctx *ctx, int argc, char **argv);
int cmd_assessment(cli_ctx *ctx, int argc, char **argv);
int cmd_event(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_rescore(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_init_command;
extern const cli_command cli_client_command;
extern const cli_command cli_administer_command;
extern const cli_command cli_record_command;
extern const cli_command cli_import_command;
extern const cli_command cli_history_command;
extern const cli_command cli_assessment_command;
extern const cli_command cli_event_command;
extern const cli_command cli_audit_command;
extern const cli_command cli_rescore_command;

/* Reports (cmd_report.c) and the terminal sparkline (sparkline.c). */

/**
 * Print `n` values as Unicode blocks (U+2581-U+2588) placed on the fixed
 * range [lo, hi]; a non-finite value prints as a space.  No newline.
 */
void cli_sparkline(FILE *out, const double *v, size_t n, double lo, double hi);

int cmd_report(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_report_command;

/* The statistics commands (cli_stats.c and cmd_{trend,caseload,cohort,
 * alerts,couple}.c). */

/** Options of the statistics commands, parsed by cli_stats_parse. */
typedef struct cli_stats_args {
    const char *client, *instrument, *clinician, *from, *to;
    bool json, ml, intercept_only, all;
    cairn_trend_options trend; /* --scale, --rci-*, --cutoff, --time, ... */
} cli_stats_args;

#define CLI_STATS_ARGS_INIT                                                    \
    {                                                                          \
        NULL, NULL, NULL, NULL, NULL, false, false, false, false,              \
            CAIRN_TREND_OPTIONS_INIT                                           \
    }

/** Parse the statistics options; CLI_OK or a usage error (printed). */
int cli_stats_parse(const char *cmd, int argc, char **argv, cli_stats_args *a);

/** Parse a finite decimal number; false when `s` is not one. */
bool cli_parse_number(const char *s, double *out);

/** Apply one trend option (`opt` without "--") to `o`. */
int cli_trend_option(const char *cmd, const char *opt, const char *value,
                     cairn_trend_options *o);

/** Print a trend for people: sparkline, change, reliability, alerts. */
void cli_print_trend(const cairn_trend *t, const cairn_instrument *inst);

int cmd_trend(cli_ctx *ctx, int argc, char **argv);
int cmd_caseload(cli_ctx *ctx, int argc, char **argv);
int cmd_cohort(cli_ctx *ctx, int argc, char **argv);
int cmd_alerts(cli_ctx *ctx, int argc, char **argv);
int cmd_alert(cli_ctx *ctx, int argc, char **argv);
int cmd_couple(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_trend_command;
extern const cli_command cli_caseload_command;
extern const cli_command cli_cohort_command;
extern const cli_command cli_alerts_command;
extern const cli_command cli_alert_command;
extern const cli_command cli_couple_command;

/* Research export and pooled aggregates (cmd_key.c, cmd_export.c,
 * cmd_aggregate.c, cli_cohort.c). */

/**
 * Print cohort statistics for people, as `cairn cohort` does.  With a
 * table of published counts (NULL: none), suppressed counts print as "*"
 * and withheld statistics are replaced by a note.
 */
void cli_print_cohort(const cairn_cohort_result *r,
                      const cairn_aggregate_table *t);

/**
 * Load the site key at `path`, printing the error, or a warning (and
 * going on) when the file's permissions are broader than 0600.
 */
int cli_key_load(const char *path, cairn_export_key **out);

int cmd_key(cli_ctx *ctx, int argc, char **argv);
int cmd_export(cli_ctx *ctx, int argc, char **argv);
int cmd_aggregate(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_key_command;
extern const cli_command cli_export_command;
extern const cli_command cli_aggregate_command;

/* The clinic's settings (cmd_settings.c). */
int cmd_settings(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_settings_command;

#endif
