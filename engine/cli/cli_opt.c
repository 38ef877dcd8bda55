/*
 * cli_opt.c - the option tables of cli_opt.h: parsing argv by a table,
 * finding a help request, and printing a table as the "Options:" section
 * of a command's help.  Every command parses the same way because every
 * command parses here.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define WHY_SIZE 256
#define HELP_WIDTH 25
#define MAX_SHOWN 96

static bool is_end(const cli_opt *o)
{
    return o->name == NULL && o->include == NULL;
}

/* The option named `name` (length `len`), or with alias `alias`. */
static const cli_opt *find(const cli_opt *opts, const char *name, size_t len,
                           char alias)
{
    for (const cli_opt *o = opts; o != NULL && !is_end(o); o++) {
        if (o->include != NULL) {
            const cli_opt *in = find(o->include, name, len, alias);
            if (in != NULL) {
                return in;
            }
        } else if (alias != 0 ? o->alias == alias
                              : strlen(o->name) == len &&
                                    strncmp(o->name, name, len) == 0) {
            return o;
        }
    }
    return NULL;
}

/* Whether `s` is an option rather than a positional ("-", "-1" are not). */
static bool is_long(const char *s)
{
    return s[0] == '-' && s[1] == '-' && s[2] != '\0';
}

static bool is_short(const char *s)
{
    return s[0] == '-' && isalpha((unsigned char)s[1]);
}

bool cli_parse_number(const char *s, double *out)
{
    char *end = NULL;
    if (*s == '\0' || isspace((unsigned char)*s)) {
        return false;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

static int take_number(const cli_opt *o, const char *v, char *why)
{
    static const char *const need[] = {"", "be positive", "be 0 or more",
                                       "be between 0 and 1"};
    double x = 0;
    if (!cli_parse_number(v, &x)) {
        snprintf(why, WHY_SIZE, "takes a number, not '%s'", v);
        return -1;
    }
    bool ok = o->range == CLI_ANY || (o->range == CLI_POSITIVE && x > 0) ||
              (o->range == CLI_NONNEGATIVE && x >= 0) ||
              (o->range == CLI_FRACTION && x > 0 && x < 1);
    if (!ok) {
        snprintf(why, WHY_SIZE, "must %s, not '%s'", need[o->range], v);
        return -1;
    }
    *o->num = x;
    return 0;
}

static int take_whole(const cli_opt *o, const char *v, char *why)
{
    char *end = NULL;
    errno = 0;
    long x =
        isdigit((unsigned char)v[0]) || v[0] == '-' ? strtol(v, &end, 10) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || x < o->min || x > o->max) {
        snprintf(why, WHY_SIZE, "takes a whole number %d..%d, not '%s'", o->min,
                 o->max, v);
        return -1;
    }
    *o->whole = (int)x;
    return 0;
}

static int take_choice(const cli_opt *o, const char *v, char *why)
{
    size_t n = 0, used = 0;
    for (; o->choices[n] != NULL; n++) {
        if (strcmp(o->choices[n], v) == 0) {
            *o->choice = (int)n;
            return 0;
        }
    }
    used = (size_t)snprintf(why, WHY_SIZE, "takes ");
    for (size_t i = 0; i < n && used < WHY_SIZE; i++) {
        used += (size_t)snprintf(why + used, WHY_SIZE - used, "%s%s",
                                 i == 0       ? ""
                                 : i == n - 1 ? " or "
                                              : ", ",
                                 o->choices[i]);
    }
    if (used < WHY_SIZE) {
        snprintf(why + used, WHY_SIZE - used, ", not '%s'", v);
    }
    return -1;
}

/* Store `v` (NULL for a flag) in o's target; -1 with `why` when bad. */
static int take(const cli_opt *o, const char *v, char *why)
{
    int rc = 0;
    if (o->flag != NULL) {
        *o->flag = true;
    } else if (o->str != NULL) {
        *o->str = v;
    } else if (o->num != NULL) {
        rc = take_number(o, v, why);
    } else if (o->whole != NULL) {
        rc = take_whole(o, v, why);
    } else if (o->choice != NULL) {
        rc = take_choice(o, v, why);
    } else if (o->parse != NULL) {
        rc = o->parse(o, v, why, WHY_SIZE);
    }
    if (rc == 0 && o->given != NULL) {
        *o->given = true;
    }
    return rc;
}

/* Whether `name` is one of main.c's options, which go before a command. */
static bool is_global(const char *name, size_t len)
{
    static const char *const globals[] = {"db", "instruments", "texts",
                                          "version"};
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        if (strlen(globals[i]) == len && strncmp(globals[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

/* A usage error of `cmd` (NULL: the global options): "cairn: CMD: ..." */
static int fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(const char *cmd, const char *fmt, ...)
{
    char msg[WHY_SIZE + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd == NULL) {
        cli_error("%s", msg);
        fputs("try 'cairn help'\n", stderr);
        return CLI_USAGE;
    }
    return cli_usage(cmd, "%s: %s", cmd, msg);
}

/* One option at argv[*i]; advances *i past its value. */
static int parse_one(const char *cmd, const cli_opt *opts, int argc,
                     char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *eq = is_long(arg) ? strchr(arg, '=') : NULL;
    const cli_opt *o =
        is_long(arg) ? find(opts, arg + 2,
                            eq ? (size_t)(eq - arg - 2) : strlen(arg + 2), 0)
                     : (arg[2] == '\0' ? find(opts, NULL, 0, arg[1]) : NULL);
    char why[WHY_SIZE];
    const char *value = NULL;
    if (o == NULL) {
        int len = eq ? (int)(eq - arg) : (int)strlen(arg);
        return fail(cmd, "unknown option '%.*s'%s", len, arg,
                    cmd != NULL && is_global(arg + 2, (size_t)len - 2)
                        ? " (a global option: give it before the command)"
                        : "");
    }
    if (o->value == NULL && eq != NULL) {
        return fail(cmd, "--%s takes no value", o->name);
    }
    if (o->value != NULL) {
        if (eq == NULL && *i + 1 >= argc) {
            return fail(cmd, "--%s needs a value (%s)", o->name, o->value);
        }
        value = eq != NULL ? eq + 1 : argv[++*i];
    }
    if (take(o, value, why) < 0) {
        return o->parse != NULL ? fail(cmd, "%s", why)
                                : fail(cmd, "--%s %s", o->name, why);
    }
    return CLI_OK;
}

int cli_opt_parse(const char *cmd, const cli_opt *opts, int argc, char **argv,
                  int *npos)
{
    int n = 0;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        if (options && strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (options && (is_long(argv[i]) || is_short(argv[i]))) {
            int rc = parse_one(cmd, opts, argc, argv, &i);
            if (rc != CLI_OK) {
                return rc;
            }
        } else {
            argv[n++] = argv[i];
        }
    }
    *npos = n;
    return CLI_OK;
}

int cli_opt_parse_head(const cli_opt *opts, int argc, char **argv, int *first)
{
    int i = 1;
    for (; i < argc && (is_long(argv[i]) || is_short(argv[i])); i++) {
        int rc = parse_one(NULL, opts, argc, argv, &i);
        if (rc != CLI_OK) {
            return rc;
        }
    }
    *first = i;
    return CLI_OK;
}

const cli_sub *cli_sub_find(const cli_sub *subs, const char *name)
{
    for (const cli_sub *s = subs; s != NULL && s->name != NULL; s++) {
        if (name != NULL && strcmp(s->name, name) == 0) {
            return s;
        }
    }
    return NULL;
}

/* "add, list or show" */
static void sub_names(const cli_sub *subs, char *buf, size_t size)
{
    size_t used = 0, n = 0;
    buf[0] = '\0';
    while (subs[n].name != NULL) {
        n++;
    }
    for (size_t i = 0; i < n && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i == 0       ? ""
                                 : i == n - 1 ? " or "
                                              : ", ",
                                 subs[i].name);
    }
}

int cli_sub_parse(const char *cmd, const cli_sub *subs, int argc, char **argv,
                  const cli_sub **sub, int *npos)
{
    char names[WHY_SIZE], full[64];
    sub_names(subs, names, sizeof names);
    *sub = argc > 1 ? cli_sub_find(subs, argv[1]) : NULL;
    if (argc > 1 && (is_long(argv[1]) || is_short(argv[1]))) {
        int i = 1;
        return parse_one(cmd, NULL, argc, argv, &i); /* no such option */
    }
    if (argc < 2) {
        return cli_usage(cmd, "%s needs %s", cmd, names);
    }
    if (*sub == NULL) {
        return cli_usage(cmd, "%s: unknown subcommand '%s' (%s)", cmd, argv[1],
                         names);
    }
    snprintf(full, sizeof full, "%s %s", cmd, (*sub)->name);
    int rc = cli_opt_parse(full, (*sub)->opts, argc - 1, argv + 1, npos);
    for (int i = 0; rc == CLI_OK && i < *npos; i++) {
        argv[i] = argv[i + 1];
    }
    return rc;
}

bool cli_opt_help_asked(const cli_opt *opts, const cli_sub *subs, int argc,
                        char **argv)
{
    int i = 1;
    const cli_sub *sub = argc > 1 ? cli_sub_find(subs, argv[1]) : NULL;
    if (sub != NULL) {
        opts = sub->opts;
        i = 2;
    }
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            return true;
        }
        const cli_opt *o = NULL;
        if (is_long(a) && strchr(a, '=') == NULL) {
            o = find(opts, a + 2, strlen(a + 2), 0);
        } else if (is_short(a) && a[2] == '\0') {
            o = find(opts, NULL, 0, a[1]);
        }
        if (o != NULL && o->value != NULL) {
            i++; /* its value, whatever it says */
        }
    }
    return false;
}

/* ---- help ---- */

/* Append every option of `opts` not yet in `shown`. */
static void collect(const cli_opt *opts, const cli_opt **shown, size_t *n)
{
    for (const cli_opt *o = opts; o != NULL && !is_end(o); o++) {
        if (o->include != NULL) {
            collect(o->include, shown, n);
            continue;
        }
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++) {
            seen = strcmp(shown[k]->name, o->name) == 0;
        }
        if (!seen && *n < MAX_SHOWN) {
            shown[(*n)++] = o;
        }
    }
}

/* Add `name` to `list` when `table` has `o`; count the forms. */
static void note_form(const cli_opt *o, const cli_opt *table, const char *name,
                      char *list, size_t size, size_t *in, size_t *all)
{
    size_t used = strlen(list);
    (*all)++;
    if (find(table, o->name, strlen(o->name), 0) != NULL) {
        snprintf(list + used, size - used, "%s%s", *in > 0 ? ", " : "", name);
        (*in)++;
    }
}

/* "add, edit": the forms that take `o`, or "" when all do.  The form
 * without a subcommand, when it has options, is called `cmd`. */
static void forms_of(const cli_opt *o, const char *cmd, const cli_opt *opts,
                     const cli_sub *subs, char *buf, size_t size)
{
    size_t in = 0, all = 0;
    buf[0] = '\0';
    if (opts != NULL) {
        note_form(o, opts, cmd, buf, size, &in, &all);
    }
    for (const cli_sub *s = subs; s != NULL && s->name != NULL; s++) {
        note_form(o, s->opts, s->name, buf, size, &in, &all);
    }
    if (in == all) {
        buf[0] = '\0';
    }
}

static void print_one(FILE *out, const cli_opt *o)
{
    char left[96];
    const char *sp = o->value ? " " : "", *val = o->value ? o->value : "";
    int len = o->alias
                  ? snprintf(left, sizeof left, "-%c, --%s%s%s", o->alias,
                             o->name, sp, val)
                  : snprintf(left, sizeof left, "--%s%s%s", o->name, sp, val);
    if (len > HELP_WIDTH - 1) {
        fprintf(out, "  %s\n  %*s", left, HELP_WIDTH, "");
    } else {
        fprintf(out, "  %-*s", HELP_WIDTH, left);
    }
    /* a help text's own line breaks stay in its column */
    for (const char *p = o->help; *p != '\0'; p++) {
        fputc(*p, out);
        if (*p == '\n') {
            fprintf(out, "  %*s", HELP_WIDTH, "");
        }
    }
    fputc('\n', out);
}

void cli_opt_print_help(FILE *out, const char *cmd, const cli_opt *opts,
                        const cli_sub *subs)
{
    const cli_opt *shown[MAX_SHOWN];
    char forms[MAX_SHOWN][128];
    bool done[MAX_SHOWN] = {false};
    size_t n = 0;
    collect(opts, shown, &n);
    for (const cli_sub *s = subs; s != NULL && s->name != NULL; s++) {
        collect(s->opts, shown, &n);
    }
    for (size_t i = 0; i < n; i++) {
        forms_of(shown[i], cmd, opts, subs, forms[i], sizeof forms[i]);
    }
    /* one group per set of forms, in the order the groups first appear */
    for (size_t i = 0; i < n; i++) {
        if (done[i]) {
            continue;
        }
        if (forms[i][0] == '\0') {
            fputs("\nOptions:\n", out);
        } else {
            fprintf(out, "\nOptions of %s:\n", forms[i]);
        }
        for (size_t k = i; k < n; k++) {
            if (!done[k] && strcmp(forms[k], forms[i]) == 0) {
                print_one(out, shown[k]);
                done[k] = true;
            }
        }
    }
}
