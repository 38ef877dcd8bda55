/*
 * util.c - small helpers shared by the engine's modules: reading a file
 * whole, and the one checked integer parser (no atoi in Cairn).
 */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "internal.h"

const char *cairn_version(void)
{
    return CAIRN_VERSION;
}

int cairn__util_read_file(const char *path, char **out, size_t *len,
                          cairn_error *err)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = CAIRN_OK;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot open: %s", path,
                               strerror(errno));
    }
    for (;;) {
        if (cap - n < 4096) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "%s: out of memory",
                                     path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        rc = cairn_error_set(err, CAIRN_EIO, "%s: cannot read: %s", path,
                             strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
    if (len != NULL) {
        *len = n;
    }
out:
    free(buf);
    fclose(f);
    return rc;
}

int cairn__util_parse_int(const char *s, size_t len, long *out)
{
    char tmp[32];
    if (len == 0 || len >= sizeof tmp) {
        return -1;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (tmp[0] == '+' || tmp[0] == ' ' || tmp[0] == '\t') {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(tmp, &end, 10);
    if (errno != 0 || end == tmp || *end != '\0' || v < INT_MIN ||
        v > INT_MAX) {
        return -1;
    }
    *out = v;
    return 0;
}

json_t *cairn__util_json_number(double x)
{
    if (x == floor(x) && fabs(x) < 9e15) {
        return json_integer((json_int_t)x);
    }
    return json_real(x);
}
