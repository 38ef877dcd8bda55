/*
 * cli_opt.h - one declarative option table per command, driving both the
 * parsing of its arguments and its --help text (after libgit2's
 * cli_opt_spec).
 *
 *   static const char *client;           // targets: the file's statics
 *   static bool json;
 *   static const cli_opt history_opts[] = {
 *       {"client", "CODE", "the client", .str = &client},
 *       {"json", NULL, "a JSON array, for scripts", .flag = &json},
 *       {NULL}};
 *   // in cmd_history(ctx, argc, argv):
 *   int npos = 0;
 *   int rc = cli_opt_parse("history", history_opts, argc, argv, &npos);
 *   if (rc != CLI_OK) return rc;         // usage error printed: exit 2
 *   // argv[0] .. argv[npos - 1] are now the positional arguments
 *
 * Rules, the same in every command: `--name value` and `--name=value`;
 * a value is the next argument whatever it looks like (`--note --help`
 * is a note); an unknown option is a usage error naming it; after `--`
 * everything is positional; "-" and "-1" are positional; a one-letter
 * alias (`-o FILE`) where the table gives one.  `--help` (not as a
 * value) is handled by main.c before the command runs.
 */
#ifndef CAIRN_CLI_OPT_H
#define CAIRN_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** The range a numeric option's value must lie in. */
typedef enum cli_range {
    CLI_ANY = 0,     /**< any finite number */
    CLI_POSITIVE,    /**< > 0 */
    CLI_NONNEGATIVE, /**< >= 0 */
    CLI_FRACTION     /**< strictly between 0 and 1 */
} cli_range;

/**
 * One option.  Give `value` (the value's name in the help, "CODE") for an
 * option that takes a value, NULL for a flag; then exactly one target:
 *   flag     set true (a flag)
 *   str      the value's text
 *   num      a finite number in `range`
 *   whole    a whole number in min..max
 *   choice   the index of the value in the NULL-ended `choices`
 *   parse    your function, called with the option (its `target` is
 *            yours) and the value; it returns 0, or -1 after writing
 *            the whole complaint ("--kind 'x' is not one of ...") in `why`
 *   include  (with no name) splices another table here
 * `given`, when set, becomes true whenever the option is given.
 */
typedef struct cli_opt {
    const char *name;  /**< long name without "--"; NULL ends the table */
    const char *value; /**< value name for the help; NULL: a flag */
    const char *help;  /**< one line for --help */
    bool *flag;
    const char **str;
    double *num;
    cli_range range;
    int *whole;
    int min, max;
    int *choice;
    const char *const *choices;
    int (*parse)(const struct cli_opt *opt, const char *value, char *why,
                 size_t size);
    void *target;
    bool *given;
    const struct cli_opt *include;
    char alias; /**< one-letter alias ('o' for -o), or 0 */
} cli_opt;

/** A subcommand ("client add") and its own option table. */
typedef struct cli_sub {
    const char *name;    /**< NULL ends the list */
    const cli_opt *opts; /**< may be NULL: no options */
} cli_sub;

/**
 * Parse argv[1..argc-1] by `opts` (NULL: no options), storing each
 * option's value in its target and moving the positional arguments, in
 * order, to argv[0..*npos-1].  `cmd` names the command in messages
 * ("history", "client add").  Returns CLI_OK, or CLI_USAGE after printing
 * "cairn: CMD: <what is wrong>", the usage line and "try 'cairn help'".
 */
int cli_opt_parse(const char *cmd, const cli_opt *opts, int argc, char **argv,
                  int *npos);

/**
 * Parse the options at the head of argv (argv[0] the program) by `opts`,
 * up to the first argument that is not an option, whose index goes to
 * `*first` (argc when none): the global options before the command.
 * Returns CLI_OK or CLI_USAGE (printed).
 */
int cli_opt_parse_head(const cli_opt *opts, int argc, char **argv, int *first);

/** The subcommand `name` of `subs`, or NULL. */
const cli_sub *cli_sub_find(const cli_sub *subs, const char *name);

/**
 * Run argv[1] as a subcommand of `cmd` from `subs`: find it (a usage
 * error when missing or unknown), set `*sub`, and parse the rest by its
 * table as cli_opt_parse does, the positionals then in argv[0..*npos-1].
 * Returns CLI_OK or CLI_USAGE (printed).
 */
int cli_sub_parse(const char *cmd, const cli_sub *subs, int argc, char **argv,
                  const cli_sub **sub, int *npos);

/**
 * Whether argv (argv[0] the command) asks for help: `--help` given as an
 * option, not as an option's value and not after `--`.  `opts` and
 * `subs` are the command's tables (either may be NULL).
 */
bool cli_opt_help_asked(const cli_opt *opts, const cli_sub *subs, int argc,
                        char **argv);

/**
 * Print the "Options:" section of command `cmd` for `opts` (its form
 * without a subcommand) and every table of `subs`: each option once,
 * with the forms it belongs to when not all of them.
 * Prints nothing when there are no options.
 */
void cli_opt_print_help(FILE *out, const char *cmd, const cli_opt *opts,
                        const cli_sub *subs);

#endif
