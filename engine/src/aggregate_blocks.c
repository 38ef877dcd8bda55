/*
 * aggregate_blocks.c - the growth-model blocks of a summary file (one row
 * of six sums per client, 600,000 numbers at 100,000 clients), written
 * as jansson writes them in the file's layout (JSON_INDENT(1) at the
 * depth of sums.growth_blocks.rows) without building a jansson value per
 * number.
 *
 * Every number's text is jansson's: a reused integer or real is set to
 * the value and dumped with json_dumpb, exactly what json_dumps does for
 * the number inside the whole document.  Only the layout around the
 * numbers (brackets, commas, new lines and indents) is written here.
 * Texts are kept so a value is dumped once: each column's previous value
 * (the rows are sorted by their sums, so the design columns repeat for
 * long runs) and the whole numbers below SMALL_TEXTS.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "internal.h"

/* Whole numbers below this keep their text (scores, counts, sums). */
#define SMALL_TEXTS 65536

/* Longest text of one number: "-1.2345678901234567e-308" and room. */
#define NUMBER_MAX 40

/* Bytes gathered before they go to the stream. */
#define CHUNK 65536

/* One row's text at most: six numbers and their layout. */
#define ROW_MAX (6 * (NUMBER_MAX + 8) + 16)

typedef struct texts {
    json_t *integer, *real; /* reused, set to each number to dump */
    char (*small)[8];       /* a whole number's text, length in [7] */
    double last[6];         /* each column's previous value */
    char last_text[6][NUMBER_MAX];
    size_t last_len[6];
    bool has_last[6];
} texts;

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* The text jansson writes for cairn__util_json_number(x); 0 if none. */
static size_t dump_number(texts *t, double x, char *out)
{
    json_t *v = t->integer;
    if (x == floor(x) && fabs(x) < 9e15) {
        json_integer_set(v, (json_int_t)x);
    } else if (json_real_set(t->real, x) == 0) {
        v = t->real;
    } else {
        return 0; /* not finite: jansson writes no number */
    }
    size_t n = json_dumpb(v, out, NUMBER_MAX - 1,
                          JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    return n < NUMBER_MAX - 1 ? n : 0;
}

/* The text of column `k`'s value `x`, borrowed from `t`; 0 if none. */
static size_t number_text(texts *t, int k, double x, const char **out)
{
    if (x >= 0 && x < SMALL_TEXTS && x == floor(x)) {
        char *s = t->small[(size_t)x];
        if (s[7] == 0) {
            s[7] = (char)dump_number(t, x, s);
        }
        *out = s;
        return (size_t)s[7];
    }
    if (!t->has_last[k] || t->last[k] != x) {
        t->last_len[k] = dump_number(t, x, t->last_text[k]);
        t->last[k] = x;
        t->has_last[k] = t->last_len[k] > 0;
    }
    *out = t->last_text[k];
    return t->last_len[k];
}

static size_t put(char *to, const char *s, size_t n)
{
    memcpy(to, s, n);
    return n;
}

/* Row `b`'s text at `to`, after a comma unless `first`; 0 if a number
 * has no text. */
static size_t row_text(texts *t, const double *b, bool first, char *to)
{
    static const char open[] = ",\n    [", item[] = ",\n     ",
                      close[] = "\n    ]";
    size_t len =
        put(to, first ? open + 1 : open, sizeof open - (first ? 2 : 1));
    for (int k = 0; k < 6; k++) {
        const char *s = NULL;
        size_t n = number_text(t, k, b[k], &s);
        if (n == 0) {
            return 0;
        }
        len += put(to + len, k == 0 ? item + 1 : item,
                   sizeof item - (k == 0 ? 2 : 1));
        len += put(to + len, s, n);
    }
    return len + put(to + len, close, sizeof close - 1);
}

int cairn__aggregate_blocks_write(FILE *f, const double (*b)[6], size_t n,
                                  cairn_error *err)
{
    texts t = {0};
    char *chunk = malloc(CHUNK);
    int rc = CAIRN_OK;
    size_t len = 0;
    t.integer = json_integer(0);
    t.real = json_real(0);
    t.small = calloc(SMALL_TEXTS, sizeof *t.small);
    if (chunk == NULL || t.integer == NULL || t.real == NULL ||
        t.small == NULL) {
        rc = oom(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (len > CHUNK - ROW_MAX) {
            fwrite(chunk, 1, len, f);
            len = 0;
        }
        size_t r = row_text(&t, b[i], i == 0, chunk + len);
        if (r == 0) {
            rc = cairn_error_set(err, CAIRN_EINVAL,
                                 "growth-model block %zu holds a sum that "
                                 "is not a finite number",
                                 i + 1);
            goto out;
        }
        len += r;
    }
    len += put(chunk + len, "\n   ]", 5);
    fwrite(chunk, 1, len, f);
out:
    json_decref(t.integer);
    json_decref(t.real);
    free(t.small);
    free(chunk);
    return rc;
}
