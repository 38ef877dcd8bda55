/*
 * sparkline.c - a score series as one line of Unicode block characters,
 * for terminal views (report, trend, caseload).
 *
 * Each value becomes one of eight blocks, from U+2581 (lowest) to U+2588
 * (highest), placed on the fixed range [lo, hi] (a scale's range), so two
 * clients' lines can be compared by eye.  A non-finite value (no score)
 * prints as a space.
 */
#include <math.h>
#include <stdio.h>

#include "cli.h"

size_t cli_sparkline_text(char *buf, const double *v, size_t n, double lo,
                          double hi)
{
    /* U+2581..U+2588 in UTF-8: E2 96 81..88 */
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            buf[len++] = ' ';
            continue;
        }
        double f = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        int k = (int)lround(f * 7);
        buf[len++] = (char)0xE2;
        buf[len++] = (char)0x96;
        buf[len++] = (char)(0x81 + k);
    }
    return len;
}

void cli_sparkline(FILE *out, const double *v, size_t n, double lo, double hi)
{
    char buf[64 * CLI_SPARK_BYTES];
    for (size_t i = 0; i < n; i += 64) {
        size_t k = n - i < 64 ? n - i : 64;
        fwrite(buf, 1, cli_sparkline_text(buf, v + i, k, lo, hi), out);
    }
}
