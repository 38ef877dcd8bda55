/*
 * error.c - status texts and filling the caller-owned error record.
 */
#include "cairn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_text[CAIRN_STATUS_COUNT] = {
    [0] = "success",
    [1] = "out of memory",
    [2] = "invalid input",
    [3] = "not found",
    [4] = "already exists",
    [5] = "parse error",
    [6] = "input/output error",
    [7] = "database error",
    [8] = "statistics error",
    [9] = "report error",
    [10] = "cryptography error",
};

const char *cairn_strerror(int code)
{
    if (code > 0 || code <= -CAIRN_STATUS_COUNT) {
        return "unknown error";
    }
    return status_text[-code];
}

int cairn_error_set(cairn_error *err, int code, const char *fmt, ...)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void cairn_error_clear(cairn_error *err)
{
    if (err == NULL) {
        return;
    }
    memset(err, 0, sizeof *err);
}
