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

void cli_sparkline(FILE *out, const double *v, size_t n, double lo, double hi)
{
    static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583",
                                          "\u2584", "\u2585", "\u2586",
                                          "\u2587", "\u2588"};
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            fputc(' ', out);
            continue;
        }
        double f = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        int k = (int)lround(f * 7);
        fputs(blocks[k], out);
    }
}
