/*
 * response.c - response sets: one code (or missing) per item, each checked
 * against the item's options or range when it is set.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/instrument.h"
#include "cairn/response.h"
#include "cairn/score.h"
#include "internal.h"

int cairn_responses_new(cairn_responses **out, const cairn_instrument *inst,
                        cairn_error *err)
{
    size_t n = cairn_instrument_item_count(inst);
    cairn_responses *r = calloc(1, sizeof *r);
    *out = NULL;
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    r->n = n;
    r->codes = calloc(n, sizeof *r->codes);
    r->missing = malloc(n * sizeof *r->missing);
    if (r->codes == NULL || r->missing == NULL) {
        cairn_responses_free(r);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        r->missing[i] = true;
    }
    *out = r;
    return CAIRN_OK;
}

void cairn_responses_free(cairn_responses *resp)
{
    if (resp == NULL) {
        return;
    }
    free(resp->codes);
    free(resp->missing);
    free(resp);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The item's codes in ascending order: "0, 1, 2, 3", or "1..5" when there
 * are more than four consecutive codes. */
static void allowed_codes(const cairn_item *item, char *buf, size_t size)
{
    int codes[64];
    size_t n = item->n_options < 64 ? item->n_options : 64;
    for (size_t i = 0; i < n; i++) {
        codes[i] = item->options[i].code;
    }
    qsort(codes, n, sizeof codes[0], cmp_int);
    bool consecutive = true;
    for (size_t i = 1; i < n; i++) {
        consecutive = consecutive && codes[i] == codes[i - 1] + 1;
    }
    if (consecutive && n > 4) {
        snprintf(buf, size, "%d..%d", codes[0], codes[n - 1]);
        return;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off + 16 < size; i++) {
        off += (size_t)snprintf(buf + off, size - off, "%s%d", i ? ", " : "",
                                codes[i]);
    }
}

int cairn_responses_set(cairn_responses *resp, const cairn_instrument *inst,
                        size_t i, int code, cairn_error *err)
{
    const cairn_item *item = cairn_instrument_item(inst, i);
    if (item == NULL || i >= resp->n) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s has %zu items; there is no item %zu",
                               cairn_instrument_code(inst), resp->n, i + 1);
    }
    if (item->kind == CAIRN_ITEM_NUMBER) {
        if (code < item->min || code > item->max) {
            return cairn_error_set(
                err, CAIRN_EINVAL, "item %d (%s): %d is outside %d..%d",
                item->number, item->label, code, item->min, item->max);
        }
    } else if (cairn_item_find_option(item, code) == NULL) {
        char allowed[128];
        allowed_codes(item, allowed, sizeof allowed);
        return cairn_error_set(err, CAIRN_EINVAL,
                               "item %d: code %d is not one of %s",
                               item->number, code, allowed);
    }
    resp->codes[i] = code;
    resp->missing[i] = false;
    return CAIRN_OK;
}

int cairn_entry_parse(cairn_entry *out, const char *word, cairn_error *err)
{
    if (word != NULL && strcmp(word, "positions") == 0) {
        *out = CAIRN_ENTRY_POSITIONS;
    } else if (word != NULL && strcmp(word, "scores") == 0) {
        *out = CAIRN_ENTRY_SCORES;
    } else {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "'%.40s' is not positions or scores",
                               word != NULL ? word : "");
    }
    return CAIRN_OK;
}

int cairn_responses_check_entry(const cairn_instrument *inst, cairn_entry entry,
                                cairn_error *err)
{
    if (entry != CAIRN_ENTRY_UNSAID || !cairn_instrument_codes_differ(inst)) {
        return CAIRN_OK;
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "%s: its answer codes are not its item scores: "
                           "say which are entered, positions (%s) or "
                           "scores (%s)",
                           cairn_instrument_code(inst),
                           cairn_instrument_entry_positions(inst),
                           cairn_instrument_entry_scores(inst));
}

/* The item's scores as "0, 1, 2, 3". */
static void allowed_scores(const cairn_item *item, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < item->n_options && off + 16 < size; i++) {
        off += (size_t)snprintf(buf + off, size - off, "%s%g", i ? ", " : "",
                                item->options[i].score);
    }
}

int cairn_responses_set_entered(cairn_responses *resp,
                                const cairn_instrument *inst, size_t i,
                                int value, cairn_entry entry, cairn_error *err)
{
    const cairn_item *item = cairn_instrument_item(inst, i);
    int rc = cairn_responses_check_entry(inst, entry, err);
    if (rc < 0 || entry != CAIRN_ENTRY_SCORES || item == NULL ||
        item->kind != CAIRN_ITEM_CHOICE) {
        return rc < 0 ? rc : cairn_responses_set(resp, inst, i, value, err);
    }
    for (size_t k = 0; k < item->n_options; k++) {
        if (item->options[k].score == (double)value) {
            return cairn_responses_set(resp, inst, i, item->options[k].code,
                                       err);
        }
    }
    char allowed[128];
    allowed_scores(item, allowed, sizeof allowed);
    return cairn_error_set(err, CAIRN_EINVAL,
                           "item %d: no answer scores %d; the scores are %s",
                           item->number, value, allowed);
}

/* Set item i from a token: a code, or "-" for missing. */
static int set_token(cairn_responses *r, const cairn_instrument *inst, size_t i,
                     const char *tok, size_t len, cairn_entry entry,
                     cairn_error *err)
{
    long v = 0;
    if (len == 1 && tok[0] == '-') {
        r->missing[i] = true;
        return CAIRN_OK;
    }
    if (cairn__util_parse_int(tok, len, &v) < 0) {
        char shown[24];
        size_t n = len < 16 ? len : 16;
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)tok[k];
            shown[k] = isprint(c) ? (char)c : '?';
        }
        shown[n] = '\0';
        return cairn_error_set(err, CAIRN_EINVAL,
                               "item %zu: '%s%s' is not a code (enter a "
                               "number, or - for missing)",
                               i + 1, shown, len > 16 ? "..." : "");
    }
    return cairn_responses_set_entered(r, inst, i, (int)v, entry, err);
}

int cairn_responses_parse_entered(cairn_responses **out,
                                  const cairn_instrument *inst,
                                  const char *const *tokens, size_t n,
                                  cairn_entry entry, cairn_error *err)
{
    cairn_responses *r = NULL;
    *out = NULL;
    size_t want = cairn_instrument_item_count(inst);
    if (n != want) {
        return cairn_error_set(
            err, CAIRN_EINVAL, "%s has %zu items; got %zu response%s",
            cairn_instrument_code(inst), want, n, n == 1 ? "" : "s");
    }
    int rc = cairn_responses_check_entry(inst, entry, err);
    if (rc == 0) {
        rc = cairn_responses_new(&r, inst, err);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = set_token(r, inst, i, tokens[i], strlen(tokens[i]), entry, err);
    }
    if (rc < 0) {
        cairn_responses_free(r);
        return rc;
    }
    *out = r;
    return CAIRN_OK;
}

int cairn_responses_parse_tokens(cairn_responses **out,
                                 const cairn_instrument *inst,
                                 const char *const *tokens, size_t n,
                                 cairn_error *err)
{
    return cairn_responses_parse_entered(out, inst, tokens, n,
                                         CAIRN_ENTRY_POSITIONS, err);
}

int cairn_responses_parse_line_entered(cairn_responses **out,
                                       const cairn_instrument *inst,
                                       const char *line, size_t len,
                                       cairn_entry entry, cairn_error *err)
{
    cairn_responses *r = NULL;
    size_t want = cairn_instrument_item_count(inst);
    size_t count = 0, pos = 0;
    *out = NULL;
    if (memchr(line, '\0', len) != NULL) {
        return cairn_error_set(
            err, CAIRN_EINVAL, "the line holds a NUL byte at column %zu",
            (size_t)((const char *)memchr(line, '\0', len) - line) + 1);
    }
    int rc = cairn_responses_check_entry(inst, entry, err);
    if (rc == 0) {
        rc = cairn_responses_new(&r, inst, err);
    }
    while (rc == 0) {
        while (pos < len && isspace((unsigned char)line[pos])) {
            pos++;
        }
        if (pos >= len || line[pos] == '\0') {
            break;
        }
        size_t start = pos;
        while (pos < len && line[pos] != '\0' &&
               !isspace((unsigned char)line[pos])) {
            pos++;
        }
        if (count < want) {
            rc = set_token(r, inst, count, line + start, pos - start, entry,
                           err);
        }
        count++;
    }
    if (rc == 0 && count != want) {
        rc = cairn_error_set(
            err, CAIRN_EINVAL, "%s has %zu items; got %zu response%s",
            cairn_instrument_code(inst), want, count, count == 1 ? "" : "s");
    }
    if (rc < 0) {
        cairn_responses_free(r);
        return rc;
    }
    *out = r;
    return CAIRN_OK;
}

int cairn_responses_parse_line(cairn_responses **out,
                               const cairn_instrument *inst, const char *line,
                               size_t len, cairn_error *err)
{
    return cairn_responses_parse_line_entered(out, inst, line, len,
                                              CAIRN_ENTRY_POSITIONS, err);
}

size_t cairn_responses_missing_count(const cairn_responses *resp)
{
    size_t n = 0;
    for (size_t i = 0; i < resp->n; i++) {
        n += resp->missing[i];
    }
    return n;
}

bool cairn_responses_may_skip(const cairn_instrument *inst, const bool *skipped,
                              size_t i)
{
    int number = cairn_instrument_item(inst, i)->number;
    for (size_t k = 0; k < cairn_instrument_scale_count(inst); k++) {
        const cairn_scale *sc = cairn_instrument_scale(inst, k);
        bool member = false;
        int missing = 0;
        for (size_t j = 0; j < sc->n_items; j++) {
            size_t pos = (size_t)sc->items[j] - 1;
            member = member || sc->items[j] == number;
            missing += sc->items[j] != number && skipped[pos];
        }
        if (member && missing + 1 > sc->max_missing) {
            return false;
        }
    }
    return true;
}
