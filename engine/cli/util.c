/*
 * util.c - diagnostics and shared lookups for the `cairn` command.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cairn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const cairn_error *err)
{
    cli_error("%s", err->message[0] ? err->message : cairn_strerror(err->code));
    return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cairn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    const cli_command *c = cli_find_command(cmd);
    if (c != NULL) {
        fprintf(stderr, "usage: %s\n", c->usage);
    }
    fprintf(stderr, "try 'cairn help %s'\n", cmd);
    return CLI_USAGE;
}

const cairn_catalog *cli_catalog(cli_ctx *ctx)
{
    if (ctx->catalog != NULL) {
        return ctx->catalog;
    }
    char buf[4096];
    const char *dir = ctx->instruments_dir;
    if (dir == NULL) {
        dir = cairn_catalog_default_dir(buf, sizeof buf, ctx->argv0);
    }
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_catalog_load(&ctx->catalog, dir, ctx->texts_dir, &err) < 0) {
        cli_fail(&err);
        return NULL;
    }
    return ctx->catalog;
}

const cairn_instrument *cli_instrument(cli_ctx *ctx, const char *name)
{
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL) {
        return NULL;
    }
    const cairn_instrument *inst = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_catalog_find(&inst, cat, name, &err) < 0) {
        cli_fail(&err);
        return NULL;
    }
    return inst;
}

void cli_print_number(FILE *out, double x)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        fprintf(out, "%.0f", x);
    } else {
        fprintf(out, "%.3g", x);
    }
}
