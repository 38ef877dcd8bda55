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
#include "cairn/import_map.h"
#include "cairn/store.h"
#include "cairn/caseload.h"
#include "cli_opt.h"

#include <jansson.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/** Global options and lazily loaded shared state for one run. */
typedef struct cli_ctx {
    const char *argv0;           /* for locating the instrument folder */
    const char *db_path;         /* --db, else $CAIRN_DB, else cairn.db */
    const char *db_from;         /* where db_path came from, in words */
    const char *instruments_dir; /* --instruments, else the default */
    const char *texts_dir;       /* --texts, else $CAIRN_TEXTS, or NULL */
    const char *audit_key;       /* --audit-key, else $CAIRN_AUDIT_KEY, else
                                    NULL: the database's path + ".auditkey" */
    char audit_key_buf[4096];
    cairn_catalog *catalog; /* loaded on first use */
    char saved[192];        /* what a command stored, for the message
                               when its output cannot be written */
} cli_ctx;

/**
 * One entry of the command table in main.c.  `cairn help <name>` and
 * `cairn <name> --help` print the usage, the description, the options
 * generated from `opts` and `subs`, and the example.
 */
typedef struct cli_command {
    const char *name;
    int (*run)(cli_ctx *ctx, int argc, char **argv);
    const char *summary; /* one line for `cairn help` */
    const char *usage;   /* the usage line(s) */
    const char *help;    /* what it does, in a few paragraphs */
    const cli_opt *opts; /* options of the form without subcommand */
    const cli_sub *subs; /* subcommands and their options, or NULL */
    const char *example; /* indented example lines */
} cli_command;

/** Find a command by name, or NULL. */
const cli_command *cli_find_command(const char *name);

/**
 * The instrument catalog, loaded once; prints the error and returns NULL
 * when the definitions cannot be loaded.
 */
const cairn_catalog *cli_catalog(cli_ctx *ctx);

/**
 * cli_catalog, but of the definitions of `names` only where each file
 * named after one holds it (cairn_catalog_load_named); with no names,
 * all.  The first call of either decides what the command has.
 */
const cairn_catalog *cli_catalog_named(cli_ctx *ctx, const char *const *names,
                                       size_t n);

/** Find an instrument by code or alias; prints the error on failure. */
const cairn_instrument *cli_instrument(cli_ctx *ctx, const char *name);

/**
 * The instrument folder: --instruments, else $CAIRN_INSTRUMENTS, else
 * <exe dir>/../instruments (a build tree), else
 * <exe dir>/../share/cairn/instruments, else the compiled-in data
 * directory.  Writes into `buf` and returns it.
 */
const char *cli_instruments_dir(const cli_ctx *ctx, char *buf, size_t size);

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
 * Print a usage error for command `cmd` ("client" or "client add"): the
 * message, the command's usage line and "try 'cairn help <command>'";
 * return CLI_USAGE.
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
 * error and returns CLI_FAIL when it is missing (saying where the name
 * came from and what to do) or not a Cairn database.
 */
int cli_store_open(cli_ctx *ctx, cairn_store **out);

/** cli_store_open, read-only (for the reports). */
int cli_store_open_read_only(cli_ctx *ctx, cairn_store **out);

/** An import's on_lock callback. */
typedef void (*cli_lock_fn)(void *ctx);
/** The imports' test hook: with CAIRN_TEST_IMPORT_PAUSE set, the on_lock
 *  callback that pauses before the write lock (see cli_store.c), else
 *  NULL. */
cli_lock_fn cli_import_pause_hook(void);

/** Exit status when a change was saved but its confirmation was lost. */
enum { CLI_SAVED_UNCONFIRMED = 3 };

/**
 * What an output file named with -o may not replace: the database in
 * use, `key` (may be NULL) and the audit key; `force` lets it replace
 * an existing regular file.
 */
cairn_outfile_options cli_output_options(const cli_ctx *ctx, bool force,
                                         const char *key);

/**
 * Remove the temporary files of outputs being written when SIGINT,
 * SIGTERM or SIGHUP arrives, then die of the signal as usual.
 */
void cli_install_signal_cleanup(void);

/* JSON output (cli_json.c): built with jansson, printed compact with the
 * keys in the order they were added. */

/**
 * Print `j` compactly and a newline to stdout, then release it; NULL (a
 * failed allocation) prints the error.  Returns CLI_OK or CLI_FAIL.
 */
int cli_json_print(json_t *j);

/** As cli_json_print() without the newline (one element of an array
 *  written piece by piece). */
int cli_json_dump(json_t *j);

/**
 * As cli_json_dump() of the object `j` (released), to `out`, with one
 * more member last, `key` (not already in `j`): an array of `n` trends,
 * each spliced in as cairn_trend_to_json writes it, since decoding and
 * dumping it again gives the same bytes (compact, the same real
 * precision) at three times the cost.  Returns CLI_OK or CLI_FAIL (out
 * of memory, printed).
 */
int cli_json_dump_with_trends(FILE *out, json_t *j, const char *key,
                              const cairn_trend *const *trends, size_t n);

/** A JSON string, or null for NULL. */
json_t *cli_json_str(const char *s);

/**
 * A number as people read it, rounded to `digits` significant digits: a
 * whole value is an integer (11), others a real (12.5, 0.333).
 */
json_t *cli_json_number(double x, int digits);

/** JSON made by the engine (a trend, say) as a value; NULL if unparsable. */
json_t *cli_json_parse(const char *text);

/**
 * A trend as cairn_trend_to_json writes it, as a value (its digits kept);
 * null when it cannot be made (out of memory).
 */
json_t *cli_trend_json(const cairn_trend *t);

/** A stored assessment as one JSON object (keys: README, JSON output). */
json_t *cli_assessment_json(cli_ctx *ctx, const cairn_assessment *a);

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

/* What `cairn import` takes beyond Cairn's own CSV (cmd_redcap.c). */
typedef struct cli_import_extra {
    const char *from;       /* "redcap" or NULL */
    const char *dictionary; /* --dictionary */
    const char *map_path;   /* --map */
    bool include_incomplete;
    cairn_import_map *map; /* loaded by cli_import_prepare */
} cli_import_extra;

/* cli_opt parse callbacks for import's --delimiter, --date-format,
 * --encoding and --codes (targets: a char, a cairn_date_format, a
 * cairn_import_encoding, a cairn_entry). */
int cli_parse_delimiter(const cli_opt *opt, const char *value, char *why,
                        size_t size);
int cli_parse_date_format(const cli_opt *opt, const char *value, char *why,
                          size_t size);
int cli_parse_encoding(const cli_opt *opt, const char *value, char *why,
                       size_t size);
int cli_parse_codes(const cli_opt *opt, const char *value, char *why,
                    size_t size);
/* Check the options together and load the map.  CLI_OK or CLI_FAIL. */
int cli_import_prepare(cli_import_extra *x, cairn_import_options *o,
                       const cairn_catalog *cat);
/* Import `file` as the options say (REDCap or CSV). */
int cli_import_run(const cli_import_extra *x, cairn_store *st,
                   const cairn_catalog *cat, const char *file,
                   const cairn_import_options *o, cairn_import_result *r,
                   cairn_error *err);
/* Print the rest of the summary line (what was ignored or skipped). */
void cli_import_summary(const cairn_import_result *r);
void cli_import_extra_free(cli_import_extra *x);
/* Say which option fixes the refused rows' dates or encoding. */
void cli_import_advice(const cairn_import_result *r);
/* Print an import's failure, adding the option that helps. */
int cli_import_fail(const cairn_error *err);
int cmd_redcap(cli_ctx *ctx, int argc, char **argv);
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
extern const cli_command cli_redcap_command;
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

/* The bytes cli_sparkline() writes for one value, at most. */
#define CLI_SPARK_BYTES 3

/* cli_sparkline()'s bytes into `buf` (room for n * CLI_SPARK_BYTES, no
 * NUL added); returns how many. */
size_t cli_sparkline_text(char *buf, const double *v, size_t n, double lo,
                          double hi);

int cmd_report(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_report_command;

/* The clinical parameters of the statistics commands (cli_params.c). */

#define CLI_MAX_OVERRIDES 32

/** One --rci-sd/--rci-reliability/--cutoff target as given. */
typedef struct cli_override {
    char name[64]; /* "pgs33.despair" as given, "" when unnamed */
    bool has_sd, has_reliability, has_cutoff;
    double sd, reliability, cutoff;
} cli_override;

typedef struct cli_overrides {
    size_t n;
    cli_override items[CLI_MAX_OVERRIDES];
} cli_overrides;

/** What the shared option tables below fill in. */
typedef struct cli_params {
    cli_overrides ov;            /* --rci-sd, --rci-reliability, --cutoff */
    int time;                    /* --time: 0 since-first, 1 since-loss */
    double no_improvement_weeks; /* --no-improvement-weeks (> 0) */
    bool has_weeks;              /* --no-improvement-weeks was given */
    int episode;                 /* --episode: CAIRN_EPISODE_CURRENT,
                                    CAIRN_EPISODE_ALL or a number */
} cli_params;

/** The values given to cli_override_opts and cli_time_opts. */
extern cli_params cli_given;

/** --rci-sd, --rci-reliability, --cutoff as [INSTRUMENT[.SCALE]=]NUMBER;
 *  include in a table with {.include = cli_override_opts}. */
extern const cli_opt cli_override_opts[];

/** --episode current|all|N (into cli_given.episode). */
extern const cli_opt cli_episode_opts[];

/** --time since-first|since-loss, --no-improvement-weeks N and
 *  --episode. */
extern const cli_opt cli_time_opts[];

/**
 * The overrides given (--rci-sd, --rci-reliability, --cutoff), resolved
 * into `out` (room for CLI_MAX_OVERRIDES), `*n` of them: a named one for
 * the instrument and scale it names, an unnamed one for `inst` and
 * `scale` (NULL: the main scale); with `inst` NULL (a command over
 * several instruments) an unnamed one is a usage error of `cmd`.
 * Returns CLI_OK, CLI_USAGE or CLI_FAIL (printed).
 */
int cli_params_overrides(cli_ctx *ctx, const char *cmd,
                         const cairn_instrument *inst, const char *scale,
                         cairn_trend_override *out, size_t *n);

/**
 * Fill `t` for a command about instrument `inst` alone, on scale `scale`
 * (NULL: the main one): time axis, weeks, and the overrides, of which
 * one naming another instrument or scale is a usage error of `cmd`.
 * Returns CLI_OK, CLI_USAGE or CLI_FAIL (printed).
 */
int cli_params_trend(cli_ctx *ctx, const char *cmd,
                     const cairn_instrument *inst, const char *scale,
                     cairn_trend_options *t);

/**
 * For a command over several instruments, or the one `instrument` names
 * (may be NULL): `t`'s scale (which needs `instrument`), time axis and
 * weeks, and the overrides into `ov` as cli_params_overrides.
 * Returns CLI_OK, CLI_USAGE or CLI_FAIL (printed).
 */
int cli_params_many(cli_ctx *ctx, const char *cmd, const char *instrument,
                    const char *scale, cairn_trend_options *t,
                    cairn_trend_override *ov, size_t *n);

/** The time axis given with --time. */
cairn_time_axis cli_params_axis(void);

/** Copy the scale and overrides of `t` into cohort options `c`. */
void cli_params_cohort(const cairn_trend_options *t, cairn_cohort_options *c);

/* The statistics commands (cli_stats.c and cmd_{trend,caseload,cohort,
 * alerts,couple}.c). */

/**
 * Parse a finite decimal number (strtod, the whole string); false when
 * `s` is not one.
 */
bool cli_parse_number(const char *s, double *out);

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

/* The server and its accounts and links (cmd_serve.c, cmd_user.c,
 * cmd_link.c, cmd_backup.c). */
int cmd_serve(cli_ctx *ctx, int argc, char **argv);
int cmd_user(cli_ctx *ctx, int argc, char **argv);
int cmd_link(cli_ctx *ctx, int argc, char **argv);
int cmd_backup(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_serve_command;
extern const cli_command cli_user_command;
extern const cli_command cli_link_command;
extern const cli_command cli_backup_command;
/* The clinic's settings (cmd_settings.c). */
int cmd_settings(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_settings_command;
/* HL7 FHIR R4 exchange (cmd_fhir.c). */
int cmd_fhir(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_fhir_command;

#endif
