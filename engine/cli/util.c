/*
 * util.c - diagnostics and shared lookups for the `cairn` command, and
 * its path policy: where the instrument folder is looked for.
 */

#ifndef CAIRN_DATADIR
#define CAIRN_DATADIR "/usr/local/share/cairn"
#endif
#define _DEFAULT_SOURCE /* readlink */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(cmd, " "), cmd);
    const cli_command *c = cli_find_command(name);
    if (c != NULL) {
        fprintf(stderr, "usage: %s\n", c->usage);
    }
    fprintf(stderr, "try 'cairn help %s'\n", name);
    return CLI_USAGE;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of the running program>/<rel> when that is a folder. */
static bool beside_exe(const cli_ctx *ctx, const char *rel, char *buf,
                       size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 && ctx->argv0 != NULL && strchr(ctx->argv0, '/') != NULL) {
        n = snprintf(self, sizeof self, "%s", ctx->argv0);
    }
    if (n <= 0 || (size_t)n >= sizeof self) {
        return false;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    snprintf(buf, size, "%s/%s", self, rel);
    return is_dir(buf);
}

const char *cli_instruments_dir(const cli_ctx *ctx, char *buf, size_t size)
{
    const char *env = getenv("CAIRN_INSTRUMENTS");
    if (ctx->instruments_dir != NULL) {
        snprintf(buf, size, "%s", ctx->instruments_dir);
    } else if (env != NULL && env[0] != '\0') {
        snprintf(buf, size, "%s", env);
    } else if (!beside_exe(ctx, "../instruments", buf, size) &&
               !beside_exe(ctx, "../share/cairn/instruments", buf, size)) {
        snprintf(buf, size, "%s/instruments", CAIRN_DATADIR);
    }
    return buf;
}

const cairn_catalog *cli_catalog(cli_ctx *ctx)
{
    return cli_catalog_named(ctx, NULL, 0);
}

const cairn_catalog *cli_catalog_named(cli_ctx *ctx, const char *const *names,
                                       size_t n)
{
    if (ctx->catalog != NULL) {
        return ctx->catalog;
    }
    char dir[PATH_MAX];
    cli_instruments_dir(ctx, dir, sizeof dir);
    cairn_error err = CAIRN_ERROR_INIT;
    if ((n == 0 ? cairn_catalog_load(&ctx->catalog, dir, ctx->texts_dir, &err)
                : cairn_catalog_load_named(&ctx->catalog, dir, ctx->texts_dir,
                                           names, n, &err)) < 0) {
        if (err.code == CAIRN_EIO) {
            cli_error("%s (give --instruments DIR or set CAIRN_INSTRUMENTS)",
                      err.message);
            return NULL;
        }
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
