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

static const char *role;
static bool from_stdin;

static const cli_opt add_opts[] = {
    {"role", "ROLE", "clinician, supervisor, manager or researcher",
     .str = &role},
    {"password-stdin", NULL, "read the password from standard input",
     .flag = &from_stdin},
    {NULL}};
static const cli_opt passwd_opts[] = {{"password-stdin", NULL,
                                       "read the password from standard input",
                                       .flag = &from_stdin},
                                      {NULL}};
static const cli_sub user_subs[] = {{"add", add_opts},
                                    {"passwd", passwd_opts},
                                    {"disable", NULL},
                                    {"list", NULL},
                                    {NULL}};

const cli_command cli_user_command = {
    .name = "user",
    .run = cmd_user,
    .summary = "manage the accounts that log in to the server",
    .usage = "cairn user add NAME --role ROLE [--password-stdin]\n"
             "       cairn user passwd NAME [--password-stdin]\n"
             "       cairn user disable NAME\n"
             "       cairn user list",
    .subs = user_subs,
    .example = "  cairn user add dr.lee --role clinician\n"
               "  printf '%s\\n' \"$PW\" | cairn user add dr.lee --role "
               "clinician --password-stdin\n",
    .help =
        "Accounts log in to 'cairn serve'.  A role decides what a person\n"
        "sees: a clinician their own clients (the client's --clinician is\n"
        "their account name), a supervisor or a manager the whole practice,\n"
        "a researcher no identifiable page at all.  The password (at least\n"
        "10 characters) is asked for twice at the terminal without being\n"
        "shown, or read as one line from standard input with\n"
        "--password-stdin.  It is stored only as an Argon2id hash.  An\n"
        "account is never deleted: 'disable' refuses its logins and ends\n"
        "its sessions.  Every change is audited.\n",
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
static int get_password(bool use_stdin, char *buf, size_t size)
{
    char again[CAIRN_PASSWORD_MAX + 2];
    if (use_stdin) {
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

static int change(cli_ctx *ctx, const char *verb, const char *name)
{
    char pw[CAIRN_PASSWORD_MAX + 2] = "";
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_role r = CAIRN_ROLE_CLINICIAN;
    bool add = strcmp(verb, "add") == 0;
    bool disable = strcmp(verb, "disable") == 0;
    if (add && role == NULL) {
        return cli_usage("user", "user add needs --role");
    }
    if (add && cairn_role_parse(&r, role, &err) < 0) {
        return cli_usage("user", "%s", err.message);
    }
    int rc = disable ? CLI_OK : get_password(from_stdin, pw, sizeof pw);
    if (rc != CLI_OK || cli_store_open(ctx, &st) != CLI_OK) {
        memset(pw, 0, sizeof pw);
        return rc != CLI_OK ? rc : CLI_FAIL;
    }
    if (add) {
        rc = cairn_store_account_add(st, name, r, pw, NULL, &err);
    } else if (disable) {
        rc = cairn_store_account_disable(st, name, &err);
    } else {
        rc = cairn_store_account_set_password(st, name, pw, &err);
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
           name);
    return CLI_OK;
}

int cmd_user(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int npos = 0;
    int rc = cli_sub_parse("user", user_subs, argc, argv, &sub, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub->name, "list") == 0) {
        return npos == 0 ? list(ctx)
                         : cli_usage("user", "unexpected '%s'", argv[0]);
    }
    if (npos != 1) {
        return cli_usage("user", "user %s needs one NAME", sub->name);
    }
    return change(ctx, sub->name, argv[0]);
}
