/*
 * cmd_user.c - `cairn user`: the accounts people log in to the server
 * with.  Passwords are read from the terminal with echo off (twice), or
 * as one line from standard input with --password-stdin; they never
 * appear on a command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

const cli_command cli_user_command = {
    "user",
    cmd_user,
    "manage the accounts that log in to the server",
    "cairn user add NAME --role ROLE [--password-stdin]\n"
    "       cairn user passwd NAME [--password-stdin]\n"
    "       cairn user disable NAME\n"
    "       cairn user list",
    "Accounts log in to 'cairn serve'.  A role decides what a person sees:\n"
    "  clinician    their own clients (the client's --clinician is their\n"
    "               account name)\n"
    "  supervisor   the whole practice\n"
    "  manager      the whole practice\n"
    "  researcher   no identifiable page at all\n"
    "The password (at least 10 characters) is asked for twice at the\n"
    "terminal without being shown, or read as one line from standard\n"
    "input with --password-stdin.  It is stored only as an Argon2id hash.\n"
    "An account is never deleted: 'disable' refuses its logins and ends\n"
    "its sessions.  Every change is audited.\n"
    "\n"
    "Options:\n"
    "  --role ROLE       clinician, supervisor, manager or researcher\n"
    "  --password-stdin  read the password from standard input\n"
    "\n"
    "Example:\n"
    "  cairn user add dr.lee --role clinician\n"
    "  printf '%s\\n' \"$PW\" | cairn user add dr.lee --role clinician "
    "--password-stdin\n",
};

/* One line from `f` without its newline; false at end of input. */
static bool read_line(FILE *f, char *buf, size_t size)
{
    if (fgets(buf, (int)size, f) == NULL) {
        return false;
    }
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return true;
}

static bool ask_hidden(const char *prompt, char *buf, size_t size)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0) {
        return false;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool ok = read_line(stdin, buf, size);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

/* The new password into buf; CLI_OK or an exit status (printed). */
static int get_password(bool from_stdin, char *buf, size_t size)
{
    char again[CAIRN_PASSWORD_MAX + 2];
    if (from_stdin) {
        if (!read_line(stdin, buf, size)) {
            cli_error("no password on standard input");
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    if (!isatty(STDIN_FILENO)) {
        return cli_usage("user", "no terminal to ask for a password; use "
                                 "--password-stdin");
    }
    if (!ask_hidden("New password: ", buf, size) ||
        !ask_hidden("The same again: ", again, sizeof again)) {
        cli_error("no password given");
        return CLI_FAIL;
    }
    bool same = strcmp(buf, again) == 0;
    memset(again, 0, sizeof again);
    if (!same) {
        cli_error("the two passwords differ; nothing was changed");
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int list(cli_ctx *ctx)
{
    cairn_store *st = NULL;
    cairn_account_list *l = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_account_list(&l, st, &err);
    for (size_t i = 0; rc == CAIRN_OK && i < l->n; i++) {
        const cairn_account *a = &l->items[i];
        printf("%-24s %-11s %s%s\n", a->name, cairn_role_name(a->role),
               a->disabled ? "disabled" : "active since ",
               a->disabled ? "" : a->created_at);
    }
    cairn_store_account_list_free(l);
    cairn_store_close(st);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

typedef struct user_args {
    const char *verb, *name, *role;
    bool from_stdin;
} user_args;

static int parse(user_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--role") == 0) {
            if (i + 1 >= argc) {
                return cli_usage("user", "--role needs a value");
            }
            a->role = argv[++i];
        } else if (strcmp(s, "--password-stdin") == 0) {
            a->from_stdin = true;
        } else if (s[0] == '-') {
            return cli_usage("user", "unknown option '%s'", s);
        } else if (a->verb == NULL) {
            a->verb = s;
        } else if (a->name == NULL) {
            a->name = s;
        } else {
            return cli_usage("user", "unexpected '%s'", s);
        }
    }
    if (a->verb == NULL) {
        return cli_usage("user", "user needs add, passwd, disable or list");
    }
    if (strcmp(a->verb, "list") != 0 && a->name == NULL) {
        return cli_usage("user", "user %s needs a NAME", a->verb);
    }
    if (strcmp(a->verb, "add") == 0 && a->role == NULL) {
        return cli_usage("user", "user add needs --role");
    }
    return CLI_OK;
}

static int change(cli_ctx *ctx, const user_args *a)
{
    char pw[CAIRN_PASSWORD_MAX + 2] = "";
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_role role = CAIRN_ROLE_CLINICIAN;
    bool add = strcmp(a->verb, "add") == 0;
    bool disable = strcmp(a->verb, "disable") == 0;
    if (add && cairn_role_parse(&role, a->role, &err) < 0) {
        return cli_usage("user", "%s", err.message);
    }
    int rc = disable ? CLI_OK : get_password(a->from_stdin, pw, sizeof pw);
    if (rc != CLI_OK || cli_store_open(ctx, &st) != CLI_OK) {
        memset(pw, 0, sizeof pw);
        return rc != CLI_OK ? rc : CLI_FAIL;
    }
    if (add) {
        rc = cairn_store_account_add(st, a->name, role, pw, NULL, &err);
    } else if (disable) {
        rc = cairn_store_account_disable(st, a->name, &err);
    } else {
        rc = cairn_store_account_set_password(st, a->name, pw, &err);
    }
    memset(pw, 0, sizeof pw);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("%s %s\n",
           add       ? "added account"
           : disable ? "disabled account"
                     : "changed the password of",
           a->name);
    return CLI_OK;
}

int cmd_user(cli_ctx *ctx, int argc, char **argv)
{
    user_args a = {NULL, NULL, NULL, false};
    int rc = parse(&a, argc, argv);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(a.verb, "list") == 0) {
        return list(ctx);
    }
    if (strcmp(a.verb, "add") != 0 && strcmp(a.verb, "passwd") != 0 &&
        strcmp(a.verb, "disable") != 0) {
        return cli_usage("user", "unknown user command '%s'", a.verb);
    }
    return change(ctx, &a);
}
